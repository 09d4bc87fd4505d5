"""LOGISTIC, TANH, HARD_SWISH, ELU and LEAKY_RELU of int16 and float32 tensors (an_activation_wide.c), as
TFLM's kernels compute them.

Called by :mod:`codegen.compiled.ops.lut` for those types (int8 stays a 256-entry table there).

- int16 LOGISTIC / TANH: TFLM's prepare (logistic_common.cc, tanh.cc): zero points 0, the output scale
  2^-15 (``CheckedLog2``); a power-of-two input scale of 2^-12 (TANH also 2^-11) multiplies by
  ``3 << shift``, any other scale by ``int(scale * 4096 * 3 * 2^shift)`` with the smallest shift that
  lifts it above 32767 / 2 (at most 31), rounded right by that shift; then TFLite's sigmoid table
  (:mod:`codegen.compiled.ops.sigmoid_table`).
- int16 LEAKY_RELU: the int8 table's multipliers (:func:`leaky_relu_multipliers`), applied per element.
- float32: no parameters but LEAKY_RELU's alpha (float32, as TFLM's params keep it).
"""

from __future__ import annotations

import math

import numpy as np

from codegen.compiled.lowering import NotLowerable
from codegen.compiled.ops.common import f32, require_requantizable, scale_of, zero_point_of
from codegen.compiled.ops.sigmoid_table import SIGMOID_TABLE_Q16
from codegen.compiled.program import F32, Params, Step
from codegen.compiled.quantization import quantize_multiplier, round_half_away

SOURCES = ("an_activation_wide.c",)
FLOAT_OPERATORS = ("LOGISTIC", "TANH", "HARD_SWISH", "ELU", "LEAKY_RELU")
INT16_OPERATORS = ("LOGISTIC", "TANH", "LEAKY_RELU")
_INPUT_INTEGER_BITS = 3    # TFLM's int16 LOGISTIC/TANH prepare
_OUTPUT_FRACTIONAL_BITS = 15


def checked_log2(x: float) -> tuple[int, bool]:
    """TFLM's ``CheckedLog2`` in float32: (rounded log2, whether ``x`` is within 1e-3 of that power of two)."""
    log2 = f32(f32(math.log(float(f32(x)))) * (f32(1.0) / f32(math.log(2.0))))
    rounded = round_half_away(float(log2))
    return rounded, abs(float(log2 - f32(rounded))) < float(f32(1e-3))


def sigmoid_input_params(input_scale: float, power_of_two_shifts: tuple) -> tuple[int, int]:
    """(multiplier, right shift) of TFLM's int16 LOGISTIC/TANH prepare (the kernel's 0 multiplier of a
    power-of-two scale resolved as the kernel resolves it: ``3 << shift``, no shift)."""
    log2, is_power_of_two = checked_log2(input_scale)
    left_shift = (15 - _INPUT_INTEGER_BITS) + log2
    if is_power_of_two and left_shift in power_of_two_shifts:
        return 3 << left_shift, 0
    multiplier = float(f32(input_scale)) * 4096.0 * 3.0
    shift = 0
    while multiplier <= 32767.0 / 2.0 and shift <= 30:
        shift += 1
        multiplier *= 2.0
    if multiplier > 32767.0:
        raise NotLowerable(f"input scale {input_scale!r} above TFLM's range (multiplier > 32767)")
    return int(multiplier), shift


def leaky_relu_multipliers(input_scale: float, output_scale: float, alpha: float) -> tuple:
    """TFLM's quantized LEAKY_RELU prepare: (identity multiplier, shift, |alpha multiplier|, shift, alpha
    negative).  Measured against the tflite-micro interpreter (tie-prone scales, alphas of both signs): both
    multipliers are formed from the float32 scales and alpha widened to double, and a negative alpha
    multiplier acts as ``-(x * |alpha|)`` (gemmlowp's rounding of the negative product)."""
    identity_multiplier, identity_shift = quantize_multiplier(float(f32(input_scale)) / float(f32(output_scale)))
    alpha_real = float(f32(input_scale)) * float(f32(alpha)) / float(f32(output_scale))
    alpha_multiplier, alpha_shift = quantize_multiplier(abs(alpha_real))
    return identity_multiplier, identity_shift, alpha_multiplier, alpha_shift, int(alpha_real < 0)


def _fields(size: int, **values) -> dict:
    fields = dict(size=size, multiplier=0, shift=0, input_offset=0, output_offset=0, alpha_multiplier=0,
                  alpha_shift=0, alpha_negative=0, alpha=F32(0.0), sigmoid_table=None)
    fields.update(values)
    return fields


def lower_activation_wide(op, ctx):
    """The an_activation_wide.c call of an int16 or float32 LOGISTIC/TANH/HARD_SWISH/ELU/LEAKY_RELU."""
    x, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    name = op.name
    if x.dtype != y.dtype or x.num_elements != y.num_elements:
        raise NotLowerable(f"{x.dtype}{list(x.shape)} -> {y.dtype}{list(y.shape)}")
    size = x.num_elements
    if x.dtype == "float32" and name in FLOAT_OPERATORS:
        alpha = float(f32(op.options.get("alpha", 0.0))) if name == "LEAKY_RELU" else 0.0
        fields = _fields(size, alpha=F32(alpha))
        suffix = "f32"
    elif x.dtype == "int16" and name in INT16_OPERATORS:
        suffix = "s16"
        if name == "LEAKY_RELU":
            alpha = float(f32(op.options.get("alpha", 0.0)))
            mi, si, ma, sa, negative = leaky_relu_multipliers(scale_of(x), scale_of(y), alpha)
            require_requantizable([mi, ma])
            fields = _fields(size, multiplier=mi, shift=si, input_offset=zero_point_of(x),
                             output_offset=zero_point_of(y), alpha_multiplier=ma, alpha_shift=sa,
                             alpha_negative=negative)
        else:
            if zero_point_of(x) or zero_point_of(y):
                raise NotLowerable("int16 zero points must be 0 (TFLM)")
            log2, is_power_of_two = checked_log2(scale_of(y))
            if not is_power_of_two or log2 != -_OUTPUT_FRACTIONAL_BITS:
                raise NotLowerable(f"int16 output scale {scale_of(y):.6g} (TFLM requires 2^-15)")
            multiplier, shift = sigmoid_input_params(scale_of(x), (0,) if name == "LOGISTIC" else (0, 1))
            table = ctx.constant("sigmoid_table_q16", "uint16_t", np.array(SIGMOID_TABLE_Q16, np.uint16))
            fields = _fields(size, multiplier=multiplier, shift=shift, sigmoid_table=table)
    else:
        raise NotLowerable(f"{x.dtype} tensors (the compiled {name} takes int8"
                           + (", int16" if name in INT16_OPERATORS else "") + ", float32)")
    return Step(function=f"an_{name.lower()}_{suffix}", sources=SOURCES,
                args=(Params("an_activation_wide_params", fields), x.operand, y.operand),
                output_aliases=x.operand if not x.is_constant else None,
                comment=f"{name} {x.dtype} {tuple(x.shape)}")
