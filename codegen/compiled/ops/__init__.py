"""Per-operator lowerings of the compiled runtime, one module per operator family.

Each module registers its functions with :func:`codegen.compiled.lowering.lowering`;
:func:`codegen.compiled.lower.load_lowerings` imports them all.
"""
