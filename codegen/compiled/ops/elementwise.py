"""Element-wise functions of one tensor -> ``an_math.c`` (float32, int16 ABS) and ``an_lut.c`` (int8 tables):
TFLM's reference kernels (elementwise.cc, exp.cc, neg.cc, floor.cc, ceil.cc, round.cc).

- float32 ABS, NEG, SQRT, RSQRT, SQUARE, EXP, LOG, SIN, COS, FLOOR, CEIL: the C library's float function per
  element (TFLM's std::abs/sqrt/exp/log/sin/cos/floor/ceil of a float: fabsf, sqrtf, ...; RSQRT ``1.f / sqrt``,
  SQUARE ``x * x``); ROUND: TFLM's RoundToNearest (floorf, then a fraction of 0.5 to the even neighbour).
- int8 ABS: ``|x - zi|`` (requantized by ``si / so`` in double when the scales differ) ``+ zo``, clamped;
  int16 ABS: unquantized ``|x|``, or zero points 0 and the same rescale (a kernel: 65536 values).
- int8 RSQRT: TFLM's ``RsqrtEvalQuantized``: GetInvSqrtQuantizedMultiplierExp of ``x - zi``, applied to 1
  with 20 extra bits, then the output multiplier ``1 / (sqrt(si) * so)``; ``x == zi`` gives 127.  TFLM
  fails the invocation on ``x < zi``; the table holds 127 there.
Both int8 functions depend on the byte alone: 256-entry tables computed here, ``an_lut_s8`` looks up.
"""

from __future__ import annotations

import numpy as np

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.ops import fixedpoint as fp
from codegen.compiled.ops.common import byte_table, clamp, one_value, value_of_input, zero_point_of
from codegen.compiled.ops.lut import lut_call
from codegen.compiled.program import Step
from codegen.compiled.quantization import quantize_multiplier

FLOAT_FUNCTIONS = ("ABS", "NEG", "SQRT", "RSQRT", "SQUARE", "EXP", "LOG", "SIN", "COS", "FLOOR", "CEIL", "ROUND")
# the ones whose NumPy float32 function is TFLM's bit for bit (ROUND: RoundToNearest is half to even), so a constant
# input is computed at generation time
_EXACT_NUMPY = {"FLOOR": np.floor, "CEIL": np.ceil, "ROUND": np.round}
_RSQRT_EXTRA_BITS = 20  # TFLM's kShift
_REVERSE_SHIFT = -1     # TFLM's kReverseShift


def inv_sqrt_multiplier_exp(value: int, reverse_shift: int = _REVERSE_SHIFT) -> tuple[int, int]:
    """TFLM's ``GetInvSqrtQuantizedMultiplierExp``: (multiplier, shift) of 1 / sqrt(value) (gemmlowp
    fixed point: 5 Newton-Raphson steps in Q3.28)."""
    if value <= 1:
        return fp.INT32_MAX, 0
    shift = 11
    while value >= (1 << 29):
        value //= 4
        shift += 1
    pairs = (fp.count_leading_zeros32(value) - 1) // 2 - 1
    shift -= pairs
    value <<= 2 * pairs
    half_input = fp.rounding_divide_by_pot(value >> 1, 1)
    half_three = (1 << 28) + (1 << 27)
    x = 1 << 28  # F3 one
    for _ in range(5):
        x3 = fp.rescale(fp.srdhm(fp.srdhm(x, x), x), 9, 3)
        x = fp.rescale(fp.wrap32(fp.srdhm(half_three, x) - fp.srdhm(half_input, x3)), 6, 3)
    x = fp.srdhm(x, 1518500250)
    if shift < 0:
        x = fp.wrap32(x << -shift)
        shift = 0
    return x, shift * reverse_shift


def _io(op, ctx):
    if len(op.inputs) != 1 or len(op.outputs) != 1:
        raise NotLowerable(f"{len(op.inputs)} inputs, {len(op.outputs)} outputs")
    x, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    if x.dtype != y.dtype or x.num_elements != y.num_elements:
        raise NotLowerable(f"{x.dtype}{list(x.shape)} -> {y.dtype}{list(y.shape)}")
    return x, y


def _scales(x, y):
    return (float(np.float32(one_value(x.scale, "input scale"))), float(np.float32(one_value(y.scale, "output scale"))))


def _f32_ratio(a: float, b: float) -> float:
    """``a / b`` in float32 (TFLM's SetAbsOutputMultiplier divides the float scales), widened to double."""
    return float(np.float32(a) / np.float32(b))


def _abs_int8_table(x, y) -> list:
    si, so = _scales(x, y)
    zi, zo = zero_point_of(x), zero_point_of(y)
    multiplier, shift = quantize_multiplier(_f32_ratio(si, so)) if si != so else (0, 0)

    def one(v):
        a = abs(v - zi)
        return clamp((fp.multiply_by_quantized_multiplier(a, multiplier, shift) if multiplier else a) + zo, -128, 127)

    return byte_table(one)


def _rsqrt_int8_table(x, y) -> list:
    si, so = _scales(x, y)
    zi, zo = zero_point_of(x), zero_point_of(y)
    multiplier, shift = quantize_multiplier(1.0 / float(np.sqrt(np.float32(si)) * np.float32(so)))

    def one(v):
        value = v - zi
        if value <= 0:  # 0: TFLM's kMax; negative: TFLM fails the invocation
            return 127
        inv, inv_shift = inv_sqrt_multiplier_exp(value)
        data = fp.multiply_by_quantized_multiplier(1, inv, inv_shift + _RSQRT_EXTRA_BITS)
        out = fp.multiply_by_quantized_multiplier(data, multiplier, shift - _RSQRT_EXTRA_BITS) + zo
        return clamp(out, -128, 127)

    return byte_table(one)


@lowering(*FLOAT_FUNCTIONS)
def lower_elementwise(op, ctx):
    x, y = _io(op, ctx)
    name = op.name
    if x.dtype == "float32":
        evaluate = None
        if name in _EXACT_NUMPY:
            def evaluate(value_of, function=_EXACT_NUMPY[name]):
                return [function(np.asarray(value_of_input(x, value_of), np.float32)).reshape(y.shape)]
            if x.is_constant:
                return Step(function="", evaluate=evaluate, comment=f"{name} float32 (at generation time)")
        return Step(function=f"an_{name.lower()}_f32", sources=("an_math.c",),
                    args=(x.operand, y.num_elements, y.operand),
                    output_aliases=x.operand if not x.is_constant else None,
                    comment=f"{name} float32 x {y.num_elements}", evaluate=evaluate)
    if name == "ABS" and x.dtype == "int8" or name == "RSQRT" and x.dtype == "int8":
        table = _abs_int8_table(x, y) if name == "ABS" else _rsqrt_int8_table(x, y)
        return lut_call(op, ctx, table, f"{name} int8 as a table")
    if name == "ABS" and x.dtype == "int16":
        multiplier, shift, saturate = 0, 0, 0  # unquantized: std::abs stored back to int16 (wraps)
        if x.scale:
            if zero_point_of(x) or zero_point_of(y):
                raise NotLowerable("int16 zero points must be 0 (TFLM)")
            si, so = _scales(x, y)
            saturate = 1
            if si != so:
                multiplier, shift = quantize_multiplier(_f32_ratio(si, so))
        return Step(function="an_abs_s16", sources=("an_math.c",),
                    args=(x.operand, y.num_elements, multiplier, shift, saturate, y.operand),
                    output_aliases=x.operand if not x.is_constant else None, comment="ABS int16")
    raise NotLowerable(f"{x.dtype} tensors (TFLM's {name} takes float32"
                       + (", int8, int16" if name == "ABS" else ", int8" if name == "RSQRT" else "") + ")")


@lowering("L2_NORMALIZATION")
def lower_l2_normalization(op, ctx):
    """TFLM's L2_NORMALIZATION over the innermost dimension: float32 ``x / max(||x||, 1e-6)``; int8 by the fixed-point
    inverse square root, the output in 1/128 steps whatever its quantization says (as TFLM)."""
    x, y = _io(op, ctx)
    if op.options.get("fused_activation_function", "NONE") != "NONE":
        raise NotLowerable("a fused activation (TFLM refuses it)")
    if not x.shape or len(x.shape) > 4:
        raise NotLowerable(f"{len(x.shape)}-D input (TFLM takes up to 4)")
    depth = int(x.shape[-1])
    outer = x.num_elements // max(depth, 1)
    if x.dtype == "float32":
        return Step(function="an_l2norm_f32", sources=("an_math.c",), args=(x.operand, outer, depth, y.operand),
                    comment=f"L2_NORMALIZATION float32 {outer} x {depth}")
    if x.dtype == "int8":
        return Step(function="an_l2norm_s8", sources=("an_math.c",),
                    args=(x.operand, outer, depth, zero_point_of(x), y.operand),
                    comment=f"L2_NORMALIZATION int8 {outer} x {depth} (output in 1/128)")
    raise NotLowerable(f"{x.dtype} tensors (TFLM's L2_NORMALIZATION takes float32, int8)")
