"""The compiled runtime's generator: a ``.tflite`` -> plain C, one kernel call per operator.

Generation time does the work TFLM does at run time: weights in flash in the layout
the kernels want, per-channel multipliers/shifts computed as TFLM computes them
(:mod:`codegen.compiled.quantization`), the static memory plan, views (RESHAPE) that
cost no copy.  The C kernel library lives in ``firmware_template/compiled/kernels``.

The model's program is data (:mod:`codegen.compiled.program`: steps with typed operands),
built by :mod:`~codegen.compiled.lower` through the per-operator lowerings in ``ops/``
(the contract: :mod:`~codegen.compiled.lowering`), placed by :mod:`~codegen.compiled.plan`
(:mod:`~codegen.compiled.arena_plan` over :mod:`converter.planner`) and rendered by the one
emitter :mod:`~codegen.compiled.emit`; :mod:`~codegen.compiled.generate` is the public API
(``lower_model``, ``emit_model``, ``compile_model``).

May import :mod:`converter` (tflite_model, tflm, planner) and :mod:`codegen`; never
TensorFlow or :mod:`converter.conversion`.
"""
