"""RESHAPE, SQUEEZE, EXPAND_DIMS: views that cost no copy (the output shares the input's buffer).

A view of a value known at generation time (a constant, or what the fold pass computed) is
that value reshaped: the step evaluates at generation time (codegen.compiled.fold).
"""

from __future__ import annotations

import numpy as np

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.ops.common import value_of_input
from codegen.compiled.program import Step


@lowering("RESHAPE", "SQUEEZE", "EXPAND_DIMS")
def lower_view(op, ctx):
    x = ctx.tensor(op.inputs[0])
    y = ctx.tensor(op.outputs[0])
    if x.dtype != y.dtype or x.num_elements != y.num_elements:
        raise NotLowerable(f"{x.dtype} {x.shape} -> {y.dtype} {y.shape} is not a view")

    def evaluate(value_of):
        return [np.asarray(value_of_input(x, value_of)).reshape(y.shape)]

    if x.is_constant:
        return Step(function="", evaluate=evaluate, comment=f"{op.name} of a constant (at generation time)")
    return Step(function="", output_aliases=x.operand, evaluate=evaluate,
                comment=f"{op.name} {x.shape} -> {y.shape}: a view, no copy")
