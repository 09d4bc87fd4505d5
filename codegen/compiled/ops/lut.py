"""int8 -> int8 functions of one byte as a 256-entry table: LOGISTIC, TANH, RELU, RELU6, HARD_SWISH,
LEAKY_RELU, ELU (their int16 and float32 forms: :mod:`codegen.compiled.ops.relu_wide`,
:mod:`codegen.compiled.ops.activation_wide`).

TFLM computes each of these with integer arithmetic whose result depends on the input
byte alone (given the tensors' quantization), so generation time runs that arithmetic
for all 256 bytes, exactly as TFLM's reference kernels do it, and the kernel
``an_lut_s8`` looks results up.  The arithmetic followed, per operator:

- LOGISTIC: ``reference_integer_ops::Logistic`` (input rescaled to Q4.27, gemmlowp
  ``logistic``, output in Q0.8 with zero point -128; TFLM requires that zero point and
  ignores the output scale).
- TANH: ``reference_integer_ops::Tanh`` (Q4.27, gemmlowp ``tanh``, output Q0.7; output
  quantization ignored).
- RELU: ``ReluQuantized`` (requantize input -> output, clamp at the output's zero).
- RELU6: ``Relu6Quantized`` (clamp to [input zero, quantized 6] on the input's scale;
  the output's quantization is ignored, as TFLM does).
- HARD_SWISH: ``reference_ops::HardSwish<int8_t>`` (int16 fixed point).
- LEAKY_RELU: ``reference_ops::QuantizeLeakyRelu`` (x - input zero point requantized by the
  identity multiplier ``in/out`` when >= 0, by ``in * alpha / out`` when < 0; plus the
  output zero point, clamped; details in :func:`leaky_relu_table`).
- ELU: TFLM's own int8 ELU is a table (``PopulateLookupTable`` in elu.cc): float32
  dequantize, ``exp(x) - 1`` for x < 0, times ``1 / output scale``, ``TfLiteRound``, plus
  the output zero point, clamped.  Reproduced in float32 step by step.
"""

from __future__ import annotations

import math

import numpy as np

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.ops import fixedpoint as fp
from codegen.compiled.ops.common import (INT8_MAX, INT8_MIN, byte_table, clamp, f32, float_to_quantized_int,
                                         require_int8, scale_of, zero_point_of)
from codegen.compiled.ops.activation_wide import lower_activation_wide, leaky_relu_multipliers
from codegen.compiled.ops.relu_wide import lower_relu_wide
from codegen.compiled.program import Step
from codegen.compiled.quantization import quantize_multiplier, round_half_away

LUT_SOURCES = ("an_lut.c",)


def lut_call(op, ctx, table, comment: str) -> Step:
    """The ``an_lut_s8`` call of a unary int8 operator whose output is ``table[(uint8_t)x]``."""
    x, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    if x.num_elements != y.num_elements:
        raise NotLowerable(f"input has {x.num_elements} elements, output {y.num_elements}")
    lut = ctx.constant(f"{op.name.lower()}_lut", "int8_t", table)
    return Step(function="an_lut_s8", sources=LUT_SOURCES, args=(x.operand, y.operand, y.num_elements, lut),
                output_aliases=x.operand if not x.is_constant else None, comment=comment)


def lower_lut(op, ctx, lower_wide, table_of) -> Step:
    """What every operator here lowers to: int16 and float32 tensors by ``lower_wide``; int8 in and out by the
    ``an_lut_s8`` call of ``table_of(x, y)`` -> (the 256 outputs, the call's comment)."""
    x, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    if x.dtype in ("int16", "float32"):
        return lower_wide(op, ctx)
    require_int8(x, y)
    table, comment = table_of(x, y)
    return lut_call(op, ctx, table, comment)


# --- LOGISTIC / TANH -------------------------------------------------------------------

_INPUT_INTEGER_BITS = 4


def _q4_input_params(input_scale: float) -> tuple[int, int, int]:
    """TFLM's LOGISTIC/TANH int8 prepare: (input_multiplier, input_left_shift, input_range_radius)."""
    real = input_scale * float(1 << (31 - _INPUT_INTEGER_BITS))
    q, left_shift = math.frexp(real)
    if left_shift < 0:
        raise NotLowerable(f"input scale {input_scale!r} below 2^-28")
    multiplier = round_half_away(q * (1 << 31))
    if multiplier > fp.INT32_MAX:  # frexp's q < 1: cannot happen for a float32 scale
        raise NotLowerable(f"input scale {input_scale!r}")
    # CalculateInputRadius(4, left_shift, 31), in double as TFLM computes it
    radius = math.floor(1.0 * ((1 << _INPUT_INTEGER_BITS) - 1) * (1 << (31 - _INPUT_INTEGER_BITS))
                        / (1 << left_shift))
    return multiplier, left_shift, radius


def _q4_table(input_scale: float, input_zero_point: int, function, output_bits: int, output_offset: int):
    """TFLM's int8 LOGISTIC/TANH per byte: saturate beyond the radius, else the Q4 input through
    gemmlowp's ``function`` and its Q0 result rounded to ``output_bits`` bits plus ``output_offset``."""
    multiplier, shift, radius = _q4_input_params(input_scale)

    def one(v):
        x = v - input_zero_point
        if x <= -radius:
            return INT8_MIN
        if x >= radius:
            return INT8_MAX
        q4 = fp.multiply_by_quantized_multiplier(x, multiplier, shift)
        q0 = function(q4, _INPUT_INTEGER_BITS)
        return clamp(fp.rounding_divide_by_pot(q0, 31 - output_bits) + output_offset, INT8_MIN, INT8_MAX)

    return byte_table(one)


def logistic_table(input_scale: float, input_zero_point: int) -> list[int]:
    return _q4_table(input_scale, input_zero_point, fp.logistic, 8, -128)


def tanh_table(input_scale: float, input_zero_point: int) -> list[int]:
    return _q4_table(input_scale, input_zero_point, fp.tanh, 7, 0)


@lowering("LOGISTIC")
def lower_logistic(op, ctx):
    def table_of(x, y):
        if zero_point_of(y) != -128:
            raise NotLowerable(f"output zero point {zero_point_of(y)} (TFLM requires -128)")
        return (logistic_table(scale_of(x), zero_point_of(x)),
                f"LOGISTIC: gemmlowp logistic on Q4.27, table of 256 (input scale {scale_of(x):.6g})")

    return lower_lut(op, ctx, lower_activation_wide, table_of)


@lowering("TANH")
def lower_tanh(op, ctx):
    return lower_lut(op, ctx, lower_activation_wide, lambda x, y: (
        tanh_table(scale_of(x), zero_point_of(x)),
        f"TANH: gemmlowp tanh on Q4.27, table of 256 (input scale {scale_of(x):.6g})"))


# --- RELU / RELU6 ----------------------------------------------------------------------

def relu_table(input_scale: float, input_zero_point: int, output_scale: float, output_zero_point: int) -> list[int]:
    multiplier, shift = quantize_multiplier(float(f32(input_scale) / f32(output_scale)))
    lo = max(INT8_MIN, output_zero_point + round_half_away(float(f32(0.0) / f32(output_scale))))

    def one(v):
        out = output_zero_point + fp.multiply_by_quantized_multiplier(v - input_zero_point, multiplier, shift)
        return clamp(out, lo, INT8_MAX)

    return byte_table(one)


def relu6_table(input_scale: float, input_zero_point: int) -> list[int]:
    six = float_to_quantized_int(6.0, input_scale, input_zero_point)
    six = clamp(six, INT8_MIN, INT8_MAX)
    return byte_table(lambda v: six if v > six else input_zero_point if v < input_zero_point else v)


@lowering("RELU")
def lower_relu(op, ctx):
    return lower_lut(op, ctx, lower_relu_wide, lambda x, y: (
        relu_table(scale_of(x), zero_point_of(x), scale_of(y), zero_point_of(y)),
        "RELU: requantize and clamp, table of 256"))


@lowering("RELU6")
def lower_relu6(op, ctx):
    return lower_lut(op, ctx, lower_relu_wide, lambda x, y: (
        relu6_table(scale_of(x), zero_point_of(x)), "RELU6: clamp on the input's scale (as TFLM), table of 256"))


# --- HARD_SWISH ------------------------------------------------------------------------

def _down_scale_int32_to_int16_multiplier(multiplier: int) -> int:
    if multiplier >= fp.INT32_MAX - (1 << 15):
        return fp.INT16_MAX
    return (multiplier + (1 << 15)) >> 16


def hard_swish_table(input_scale: float, input_zero_point: int, output_scale: float,
                     output_zero_point: int) -> list[int]:
    hires_input_scale = f32(1.0 / 128.0) * f32(input_scale)
    reluish_scale = f32(3.0) / f32(32768.0)
    out_mult32, out_exp = quantize_multiplier(float(hires_input_scale / f32(output_scale)))
    out_mult16 = _down_scale_int32_to_int16_multiplier(out_mult32)
    if out_exp > 0:
        raise NotLowerable("output scale too small for TFLM's HARD_SWISH (positive output exponent)")
    rel_mult32, rel_exp = quantize_multiplier(float(hires_input_scale / reluish_scale))
    rel_mult16 = _down_scale_int32_to_int16_multiplier(rel_mult32)

    def one(v):
        input_value = fp.wrap16(v - input_zero_point)
        hires = fp.wrap16(input_value * (1 << 7))
        preshift_output = fp.srdhm16(hires, out_mult16)
        reluish = hires
        if rel_exp > 0:
            reluish = fp.saturating_left_shift16(reluish, rel_exp - 1)
        reluish = fp.srdhm16(reluish, rel_mult16)
        if rel_exp > 0:
            reluish = fp.saturating_left_shift16(reluish, 1)
        if rel_exp < 0:
            reluish = fp.rounding_divide_by_pot16(reluish, -rel_exp)
        reluish = fp.wrap16((reluish + (1 << 15)) >> 1)
        preshift = fp.saturating_doubling_high_mul16(reluish, preshift_output)
        out = fp.rounding_divide_by_pot16(preshift, -out_exp)
        out = fp.wrap16(out + output_zero_point)
        return clamp(out, INT8_MIN, INT8_MAX)

    return byte_table(one)


@lowering("HARD_SWISH")
def lower_hard_swish(op, ctx):
    return lower_lut(op, ctx, lower_activation_wide, lambda x, y: (
        hard_swish_table(scale_of(x), zero_point_of(x), scale_of(y), zero_point_of(y)),
        "HARD_SWISH: TFLM's int16 fixed-point arithmetic, table of 256"))


# --- LEAKY_RELU / ELU ------------------------------------------------------------------

def leaky_relu_table(input_scale: float, input_zero_point: int, output_scale: float, output_zero_point: int,
                     alpha: float) -> list[int]:
    """TFLM's int8 LEAKY_RELU per byte.  Measured against the tflite-micro interpreter (tie-prone
    scales, alphas of both signs): both multipliers are formed from the float32 scales and alpha
    widened to double, and a negative alpha multiplier acts as ``-(x * |alpha|)`` (gemmlowp's
    rounding of the negative product), not as ``x * alpha``."""
    identity_multiplier, identity_shift, alpha_multiplier, alpha_shift, negative = leaky_relu_multipliers(
        input_scale, output_scale, alpha)
    alpha_sign = -1 if negative else 1

    def one(v):
        x = v - input_zero_point
        if x >= 0:
            scaled = fp.multiply_by_quantized_multiplier(x, identity_multiplier, identity_shift)
        else:
            scaled = alpha_sign * fp.multiply_by_quantized_multiplier(x, alpha_multiplier, alpha_shift)
        return clamp(output_zero_point + scaled, INT8_MIN, INT8_MAX)

    return byte_table(one)


def elu_table(input_scale: float, input_zero_point: int, output_scale: float, output_zero_point: int) -> list[int]:
    inverse_scale = f32(1.0) / f32(output_scale)

    def one(v):
        dequantized = f32(input_scale) * f32(v - input_zero_point)
        # std::exp(float) (glibc expf: double inside, rounded once to float)
        transformed = (f32(math.exp(float(dequantized))) - f32(1.0)) if dequantized < 0 else dequantized
        rescaled = float(f32(transformed * inverse_scale))
        if not math.isfinite(rescaled) or abs(rescaled) >= 2.0 ** 31:
            raise NotLowerable(f"ELU output {rescaled} does not fit int32 (input scale {input_scale!r}, "
                               f"output scale {output_scale!r})")
        quantized = int(np.float32(round_half_away(rescaled)) + f32(output_zero_point))
        return clamp(quantized, INT8_MIN, INT8_MAX)

    return byte_table(one)


@lowering("LEAKY_RELU")
def lower_leaky_relu(op, ctx):
    alpha = float(f32(op.options.get("alpha", 0.0)))  # TFLM's parser leaves alpha at 0 without options
    return lower_lut(op, ctx, lower_activation_wide, lambda x, y: (
        leaky_relu_table(scale_of(x), zero_point_of(x), scale_of(y), zero_point_of(y), alpha),
        f"LEAKY_RELU: two requantizations (alpha {alpha:g}), table of 256"))


@lowering("ELU")
def lower_elu(op, ctx):
    return lower_lut(op, ctx, lower_activation_wide, lambda x, y: (
        elu_table(scale_of(x), zero_point_of(x), scale_of(y), zero_point_of(y)),
        "ELU: TFLM's float32 table (exp(x) - 1 for x < 0), table of 256"))
