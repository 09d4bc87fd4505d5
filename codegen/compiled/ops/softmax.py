"""SOFTMAX: int8 input, int8 (scale 1/256, zero point -128) or int16 (1/65536, -32768) output.

TFLM's ``CalculateSoftmaxParams`` + ``reference_ops::Softmax`` for quantized input: the
difference of each value to its row's maximum (0..255) is scaled by
``beta * input_scale * 2^26`` (``PreprocessSoftmaxScaling``, a multiplier > 1) and
exponentiated in gemmlowp fixed point; differences below ``diff_min`` are skipped.  That
exp depends on the difference alone, so it is a table of 256 int32 computed here with the
same integer arithmetic (entry 0 for a skipped difference gives exactly TFLM's result:
nothing added to the sum, output the type's minimum).  The sum, the reciprocal and the
outputs run in the kernel (an_softmax.c), row by row.
"""

from __future__ import annotations

import math

import numpy as np

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.ops import fixedpoint as fp
from codegen.compiled.ops.common import require_dtype, scale_of, zero_point_of
from codegen.compiled.program import F32, Params, Step
from codegen.compiled.quantization import quantize_multiplier

SCALED_DIFF_INTEGER_BITS = 5


def softmax_input_params(beta: float, input_scale: float) -> tuple[int, int, int]:
    """(input_multiplier, input_left_shift, diff_min) as TFLM's int8 SOFTMAX prepare computes them."""
    real = min(beta * input_scale * (1 << (31 - SCALED_DIFF_INTEGER_BITS)), (1 << 31) - 1.0)
    if not real > 1.0:  # QuantizeMultiplierGreaterThanOne checks this and aborts
        raise NotLowerable(f"beta * input scale = {beta * input_scale:.3g} is below 2^-26 (TFLM aborts)")
    multiplier, left_shift = quantize_multiplier(real)
    radius = math.floor(1.0 * ((1 << SCALED_DIFF_INTEGER_BITS) - 1)
                        * (1 << (31 - SCALED_DIFF_INTEGER_BITS)) / (1 << left_shift))
    return multiplier, left_shift, int(-1.0 * radius)


def exp_table(beta: float, input_scale: float) -> list[int]:
    """exp of ``-d`` for d = 0..255 (the difference to the row maximum) in Q0.31; 0 where skipped."""
    multiplier, left_shift, diff_min = softmax_input_params(beta, input_scale)
    table = []
    for d in range(256):
        diff = -d
        if diff < diff_min:
            table.append(0)
            continue
        rescaled = fp.srdhm(fp.wrap32(diff * (1 << left_shift)), multiplier)
        table.append(fp.exp_on_negative_values(rescaled, SCALED_DIFF_INTEGER_BITS))
    return table


def lower_softmax_f32(op, x, y):
    """float32 SOFTMAX: TFLM's reference order (an_softmax_f32.c); beta as float32, as TFLM casts it."""
    if not x.shape or x.num_elements != y.num_elements:
        raise NotLowerable(f"shapes {tuple(x.shape)} -> {tuple(y.shape)}")
    beta = float(np.float32(op.options.get("beta", 1.0)))
    depth = int(x.shape[-1])
    outer = x.num_elements // depth if depth else 0
    return Step(function="an_softmax_f32", sources=("an_softmax_f32.c",),
                args=(Params("an_softmax_f32_params", {"outer": outer, "depth": depth, "beta": F32(beta)}),
                      x.operand, y.operand),
                output_aliases=x.operand,
                comment=f"SOFTMAX float32 {outer} x {depth}, beta {beta:g}")


@lowering("SOFTMAX")
def lower_softmax(op, ctx):
    x, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    if x.dtype == y.dtype == "float32":
        return lower_softmax_f32(op, x, y)
    require_dtype(x, "int8")
    require_dtype(y, "int8", "int16")
    input_scale, output_scale, output_zp = scale_of(x), scale_of(y), zero_point_of(y)
    if y.dtype == "int8":
        if output_zp != -128 or output_scale != 1.0 / 256:
            raise NotLowerable(f"int8 output scale {output_scale:.6g}, zero point {output_zp} "
                               "(TFLM requires 1/256 and -128)")
        function = "an_softmax_s8"
    else:
        if output_zp != -32768 or not abs(output_scale - 1.0 / 65536) <= 0.001 / 65536:
            raise NotLowerable(f"int16 output scale {output_scale:.6g}, zero point {output_zp} "
                               "(TFLM requires 1/65536 and -32768)")
        function = "an_softmax_s8_s16"
    if not x.shape or x.num_elements != y.num_elements:
        raise NotLowerable(f"shapes {tuple(x.shape)} -> {tuple(y.shape)}")
    beta = float(op.options.get("beta", 1.0))
    table = ctx.constant("softmax_exp", "int32_t", exp_table(beta, input_scale))
    depth = int(x.shape[-1])
    outer = x.num_elements // depth if depth else 0
    return Step(function=function, sources=("an_softmax.c",),
                args=(Params("an_softmax_params", {"outer": outer, "depth": depth}), x.operand, y.operand, table),
                output_aliases=x.operand if y.dtype == "int8" else None,
                comment=f"SOFTMAX {outer} x {depth}, beta {beta:g}, exp table of 256")
