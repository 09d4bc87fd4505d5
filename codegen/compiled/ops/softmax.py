"""SOFTMAX: int8 input, int8 (scale 1/256, zero point -128) or int16 (1/65536, -32768) output; int16 -> int16
(zero points 0, output scale 1/32768); float32.

TFLM's ``CalculateSoftmaxParams`` + ``reference_ops::Softmax`` for quantized input: the
difference of each value to its row's maximum (0..255) is scaled by
``beta * input_scale * 2^26`` (``PreprocessSoftmaxScaling``, a multiplier > 1) and
exponentiated in gemmlowp fixed point; differences below ``diff_min`` are skipped.  That
exp depends on the difference alone, so it is a table of 256 int32 computed here with the
same integer arithmetic (entry 0 for a skipped difference gives exactly TFLM's result:
nothing added to the sum, output the type's minimum).  The sum, the reciprocal and the
outputs run in the kernel (an_softmax.c), row by row.

int16 -> int16: TFLM's ``SoftmaxInt16`` (an_softmax_s16.c) with its two 513-entry tables, exp on [-10, 0] and
1 / (1 + x) on [0, 1], both ``LUTPopulate<int16_t>``'s float32 arithmetic reproduced step by step here
(:func:`lut_populate_int16`; they depend on nothing of the model), and the input multiplier of
``input_scale * beta / (10 / 65535)``.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.ops import fixedpoint as fp
from codegen.compiled.ops.common import require_dtype, require_requantizable, scale_of, value_of_input, zero_point_of
from codegen.compiled.program import F32, Params, Step
from codegen.compiled.quantization import quantize_multiplier, round_half_away

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


def _f32_round(x) -> np.float32:
    """TfLiteRound of a float (roundf: halves away from zero)."""
    return np.float32(round_half_away(float(x))) if np.isfinite(x) else np.float32(x)


def lut_populate_int16(input_scale, input_zero_point: int, output_scale, output_zero_point: int, transform) -> list:
    """TFLM's ``LUTPopulateInt16<float>``: 512 samples of ``transform`` (a float32 -> float32 function) on the
    input range, each biased by half the interpolation error at its segment's midpoint, plus the last value;
    every intermediate in float32 as the C++ computes it."""
    f = np.float32
    input_scale, output_scale = f(input_scale), f(output_scale)
    input_min = input_scale * f(-32768 - input_zero_point)
    input_max = input_scale * f(32767 - input_zero_point)
    output_min = output_scale * f(-32768 - output_zero_point)
    output_max = output_scale * f(32767 - output_zero_point)
    steps = 512
    step = (input_max - input_min) / f(steps)
    half_step = step / f(2)
    inverse = f(65536) / (output_max - output_min)

    def clamped(v):
        return int(min(max(v, f(-32768)), f(32767)))

    table = []
    for i in range(steps):
        start = input_min + f(i) * step
        val = transform(start)
        val_midpoint = transform(start + half_step)
        val_next = transform(input_min + f(i + 1) * step)
        sample = _f32_round(val * inverse)
        midpoint_interp = _f32_round((val_next * inverse + _f32_round(val * inverse)) / f(2))
        midpoint = _f32_round(val_midpoint * inverse)
        bias = _f32_round((midpoint_interp - midpoint) / f(2))
        table.append(clamped(sample - bias))
    table.append(clamped(_f32_round(transform(input_max) * inverse)))
    return table


def _expf(x: np.float32) -> np.float32:
    """``std::exp(float)``: expf (glibc's is exp in double rounded once to float)."""
    return np.float32(math.exp(float(x)))


@functools.lru_cache(maxsize=1)
def softmax_int16_tables() -> tuple:
    """TFLM's SOFTMAX int16 tables (InitializeLutForInt16): (exp on [-10, 0], 1 / (1 + x) on [0, 1])."""
    f = np.float32
    span = 32767 - (-32768)
    exp_table = lut_populate_int16(f(10.0) / f(span), 32767, f(2.0) / f(span), 0, _expf)
    reciprocal_table = lut_populate_int16(f(1.0) / f(span), -32768, f(2.0) / f(span), 0,
                                          lambda v: f(1.0) / (f(1.0) + v))
    return tuple(exp_table), tuple(reciprocal_table)


def lower_softmax_s16(op, ctx, x, y):
    """int16 -> int16 SOFTMAX: TFLM's SoftmaxInt16 (an_softmax_s16.c)."""
    if zero_point_of(x) or zero_point_of(y):
        raise NotLowerable("int16 zero points must be 0 (TFLM)")
    if not abs(scale_of(y) - 1.0 / 32768) <= 0.001 / 32768:
        raise NotLowerable(f"int16 output scale {scale_of(y):.6g} (TFLM requires 1/32768)")
    if not x.shape or x.num_elements != y.num_elements:
        raise NotLowerable(f"shapes {tuple(x.shape)} -> {tuple(y.shape)}")
    depth = int(x.shape[-1])
    outer = x.num_elements // depth if depth else 0
    if depth * 32767 > fp.INT32_MAX:
        raise NotLowerable(f"rows of {depth} (the int32 sum of exps would overflow)")
    beta = float(np.float32(op.options.get("beta", 1.0)))
    multiplier, shift = quantize_multiplier(float(np.float32(scale_of(x))) * beta / (10.0 / 65535.0))
    require_requantizable([multiplier], "input")
    exp_table, reciprocal_table = softmax_int16_tables()
    params = Params("an_softmax_s16_params", {
        "outer": outer, "depth": depth, "input_multiplier": multiplier, "input_shift": shift,
        "exp_table": ctx.constant("softmax_exp_lut_s16", "int16_t", np.array(exp_table, np.int16)),
        "one_over_one_plus_x_table": ctx.constant("softmax_reciprocal_lut_s16", "int16_t",
                                                  np.array(reciprocal_table, np.int16))})
    return Step(function="an_softmax_s16", sources=("an_softmax_s16.c",), args=(params, x.operand, y.operand),
                output_aliases=x.operand, comment=f"SOFTMAX int16 {outer} x {depth}, beta {beta:g}")


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
    if x.dtype == y.dtype == "int16":
        return lower_softmax_s16(op, ctx, x, y)
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


LOG_SOFTMAX_OUTPUT_SCALE = 16.0 / 256  # TFLM's kOutputScale and kOutputZeroPoint for int8
LOG_SOFTMAX_OUTPUT_ZERO_POINT = 127


@lowering("LOG_SOFTMAX")
def lower_log_softmax(op, ctx):
    """TFLM's LOG_SOFTMAX over the last dimension: float32 in TFLM's order (an_softmax_f32.c); int8 -> int8 with
    the output TFLM requires (scale 16/256, zero point 127): ``PreprocessLogSoftmaxScalingExp`` (beta 1, 5 integer
    bits) here, the exp of each difference to the row maximum and its Q5.26 value as tables of 256, the sum's log
    in the kernel (an_softmax.c)."""
    if len(op.inputs) != 1 or len(op.outputs) != 1:
        raise NotLowerable(f"{len(op.inputs)} inputs, {len(op.outputs)} outputs")
    x, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    if x.dtype != y.dtype or x.dtype not in ("int8", "float32"):
        raise NotLowerable(f"{x.dtype} -> {y.dtype} (TFLM's LOG_SOFTMAX takes int8, float32)")
    if not x.shape or tuple(x.shape) != tuple(y.shape) or not x.num_elements:
        raise NotLowerable(f"shapes {tuple(x.shape)} -> {tuple(y.shape)}")
    depth = int(x.shape[-1])
    outer = x.num_elements // depth
    comment = f"LOG_SOFTMAX {x.dtype} {outer} x {depth}"
    if x.dtype == "float32":
        return Step(function="an_log_softmax_f32", sources=("an_softmax_f32.c",),
                    args=(Params("an_softmax_f32_params", {"outer": outer, "depth": depth, "beta": F32(1.0)}),
                          x.operand, y.operand), output_aliases=x.operand, comment=comment)
    if scale_of(y) != LOG_SOFTMAX_OUTPUT_SCALE or zero_point_of(y) != LOG_SOFTMAX_OUTPUT_ZERO_POINT:
        raise NotLowerable(f"int8 output scale {scale_of(y):.6g}, zero point {zero_point_of(y)} "
                           "(TFLM requires 16/256 and 127)")
    if depth > 2048:
        raise NotLowerable(f"rows of {depth} (TFLM's Q12 sum of exps overflows past 2^11 values)")
    input_scale = float(np.float32(scale_of(x)))
    multiplier, left_shift, diff_min = softmax_input_params(1.0, input_scale)
    reverse = (1 << (31 - left_shift)) / float(multiplier)
    if not 0.0 < reverse < 1.0:  # QuantizeMultiplierSmallerThanOneExp checks this and aborts
        raise NotLowerable(f"input scale {input_scale:.6g}: reverse scaling {reverse:.6g} outside (0, 1) (TFLM aborts)")
    divisor, divisor_shift = quantize_multiplier(reverse)
    diffs = [fp.multiply_by_quantized_multiplier(-d, multiplier, left_shift) for d in range(256)]
    exps = exp_table(1.0, input_scale)

    def evaluate(value_of):  # the kernel's arithmetic, row by row (a constant input is computed here)
        rows = np.asarray(value_of_input(x, value_of)).astype(np.int64).reshape(outer, depth)
        out = np.empty_like(rows)
        for r, row in enumerate(rows):
            peak = int(row.max())
            total = fp.wrap32(sum(fp.rounding_divide_by_pot(exps[peak - int(v)], 12) for v in row))
            log_sum = fp.log_x_for_x_greater_than_or_equal_to_1(total, 12, 5)
            bound = fp.multiply_by_quantized_multiplier(fp.wrap32(log_sum - 2**31), divisor, divisor_shift)
            adjusted = max(diff_min - 1, bound)
            for c, v in enumerate(row):
                diff = int(v) - peak
                out[r, c] = max(-128, min(127, fp.rounding_divide_by_pot(fp.wrap32(diffs[-diff] - log_sum), 22) + 127)) \
                    if diff > adjusted else -128
        return [out.astype(np.int8).reshape(y.shape)]

    if x.is_constant:
        return Step(function="", evaluate=evaluate, comment=comment + " (at generation time)")
    params = Params("an_log_softmax_params", {"outer": outer, "depth": depth, "diff_min": diff_min,
                                               "reverse_scaling_divisor": divisor,
                                               "reverse_scaling_shift": divisor_shift})
    return Step(function="an_log_softmax_s8", sources=("an_softmax.c",),
                args=(params, x.operand, y.operand, ctx.constant("log_softmax_exp", "int32_t", exps),
                      ctx.constant("log_softmax_diff_q5", "int32_t", diffs)),
                output_aliases=x.operand, comment=comment + ", exp and difference tables of 256", evaluate=evaluate)
