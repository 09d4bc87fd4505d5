"""TFLM's requantization arithmetic, computed at generation time (the one Python place for it).

The C side (``firmware_template/compiled/kernels/an_common.h``) applies what is computed
here: ``an_multiply_by_quantized_multiplier(acc, multiplier, shift)`` is TFLM's
``MultiplyByQuantizedMultiplier`` (gemmlowp's two roundings, not TFLite's single one).
Scales come from the flatbuffer as float32 and are widened to double exactly as TFLM does.
"""

from __future__ import annotations

import math


def round_half_away(x: float) -> int:
    """``std::round`` (TfLiteRound): halves away from zero (Python's round() is to even)."""
    return int(math.floor(x + 0.5)) if x >= 0 else -int(math.floor(-x + 0.5))


def quantize_multiplier(real_multiplier: float) -> tuple[int, int]:
    """TFLM's ``QuantizeMultiplier``: real -> (int32 Q31 multiplier, shift); shift > 0 is left.

    ``real = multiplier * 2**(shift - 31)``.  Zero gives (0, 0); a multiplier too small for
    a shift >= -31 gives (0, 0) as TFLM does.
    """
    if real_multiplier == 0.0:
        return 0, 0
    q, shift = math.frexp(real_multiplier)
    q_fixed = round_half_away(q * (1 << 31))
    if not abs(q_fixed) <= (1 << 31):
        raise ValueError(f"multiplier {real_multiplier!r} out of range")
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if q_fixed > 2**31 - 1:
        raise ValueError(f"multiplier {real_multiplier!r} out of range")
    if shift < -31:
        shift, q_fixed = 0, 0
    return int(q_fixed), int(shift)


def float32(value: float) -> float:
    """``value`` rounded to the nearest float32 (TFLM keeps scales as float)."""
    import struct

    return struct.unpack("<f", struct.pack("<f", value))[0]


#: Integer range of each quantized activation type.
TYPE_RANGES = {"int8": (-128, 127), "uint8": (0, 255), "int16": (-32768, 32767)}


def effective_scale(input_scale: float, weight_scale: float, output_scale: float) -> float:
    """``input * weight / output`` as TFLM computes it: float32 scales widened to double."""
    return float(input_scale) * float(weight_scale) / float(output_scale)


def activation_range(activation: str, scale: float, zero_point: int, dtype: str = "int8") -> tuple[int, int]:
    """TFLM's ``CalculateActivationRangeQuantized``: (min, max) of the fused activation.

    ``activation``: the flatbuffer's name (NONE, RELU, RELU6, RELU_N1_TO_1); the bounds are
    ``zero_point + round(f / scale)`` with the division in float32 and std::round.  Other
    activations (TANH, SIGN_BIT, ...) raise ValueError.
    """
    import numpy as np

    qmin, qmax = TYPE_RANGES[dtype]

    def quantize(f):
        return int(zero_point) + round_half_away(float(np.float32(f) / np.float32(scale)))

    name = activation or "NONE"
    if name == "NONE":
        return qmin, qmax
    if name == "RELU":
        return max(qmin, quantize(0.0)), qmax
    if name == "RELU6":
        return max(qmin, quantize(0.0)), min(qmax, quantize(6.0))
    if name == "RELU_N1_TO_1":
        return max(qmin, quantize(-1.0)), min(qmax, quantize(1.0))
    raise ValueError(f"fused activation {name}")


def wrap_int32(value: int) -> int:
    """``value`` wrapped to int32 (two's complement), as int32 arithmetic on the target does."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= (1 << 31) else value
