"""RESHAPE, SQUEEZE, EXPAND_DIMS: views that cost no copy (the output shares the input's buffer)."""

from __future__ import annotations

from codegen.compiled.lowering import KernelCall, NotLowerable, lowering


@lowering("RESHAPE", "SQUEEZE", "EXPAND_DIMS")
def lower_view(op, ctx):
    x = ctx.tensor(op.inputs[0])
    y = ctx.tensor(op.outputs[0])
    if x.is_constant:
        raise NotLowerable("a view of a constant")
    if x.dtype != y.dtype or x.num_elements != y.num_elements:
        raise NotLowerable(f"{x.dtype} {x.shape} -> {y.dtype} {y.shape} is not a view")
    return KernelCall(function="", sources=(), args=(), output_aliases_input=0,
                      comment=f"{op.name} {x.shape} -> {y.shape}: a view, no copy")
