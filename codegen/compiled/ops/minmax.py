"""MAXIMUM and MINIMUM: TFLM's reference ``MaximumMinimumBroadcastSlow`` on raw values.

``a > b ? a : b`` (MAXIMUM) and ``a < b ? a : b`` (MINIMUM) element by element over the
broadcast walk of the binary kernels (an_broadcast.h, computed by
:func:`codegen.compiled.ops.binary.broadcast_shape`).  No requantization: TFLM compares the
stored values whatever the tensors' scales, and so does the kernel.  int8, int16, int32, int64,
float32 (TFLM's types).  A step of constants evaluates at generation time.
"""

from __future__ import annotations

import numpy as np

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.ops.binary import broadcast_shape
from codegen.compiled.ops.common import value_of_input
from codegen.compiled.program import Params, Step

SUFFIX = {"int8": "s8", "int16": "s16", "int32": "s32", "int64": "s64", "float32": "f32"}


@lowering("MAXIMUM", "MINIMUM")
def lower_minmax(op, ctx):
    if len(op.inputs) != 2:
        raise NotLowerable(f"{len(op.inputs)} inputs")
    x1, x2, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.inputs[1]), ctx.tensor(op.outputs[0])
    if not x1.dtype == x2.dtype == y.dtype:
        raise NotLowerable(f"{x1.dtype}, {x2.dtype} -> {y.dtype}")
    if y.dtype not in SUFFIX:
        raise NotLowerable(f"{y.dtype} tensors")
    shape = broadcast_shape(x1, x2, y)
    maximum = op.name == "MAXIMUM"

    def evaluate(value_of):
        a = np.asarray(value_of_input(x1, value_of))
        b = np.asarray(value_of_input(x2, value_of))
        chosen = np.where(a > b, a, b) if maximum else np.where(a < b, a, b)
        return [np.broadcast_to(chosen, y.shape)]

    if x1.is_constant and x2.is_constant:
        return Step(function="", evaluate=evaluate, comment=f"{op.name} of constants (at generation time)")
    return Step(function=f"an_{op.name.lower()}_{SUFFIX[y.dtype]}", sources=("an_minmax.c", "an_broadcast.h"),
                args=(Params("an_minmax_params", {"shape": shape}), x1.operand, x2.operand, y.operand),
                comment=f"{op.name} {tuple(x1.shape)} {tuple(x2.shape)} -> {tuple(y.shape)}", evaluate=evaluate)
