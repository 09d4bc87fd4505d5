"""RESHAPE, SQUEEZE, EXPAND_DIMS: views that cost no copy (the output shares the input's buffer)."""

from __future__ import annotations

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.program import Step


@lowering("RESHAPE", "SQUEEZE", "EXPAND_DIMS")
def lower_view(op, ctx):
    x = ctx.tensor(op.inputs[0])
    y = ctx.tensor(op.outputs[0])
    if x.is_constant:
        raise NotLowerable("a view of a constant")
    if x.dtype != y.dtype or x.num_elements != y.num_elements:
        raise NotLowerable(f"{x.dtype} {x.shape} -> {y.dtype} {y.shape} is not a view")
    return Step(function="", output_aliases=x.operand,
                comment=f"{op.name} {x.shape} -> {y.shape}: a view, no copy")
