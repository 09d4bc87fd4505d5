"""TFLM's requantization arithmetic, computed at generation time (the one Python place for it).

The C side (``firmware_template/compiled/kernels/an_common.h``) applies what is computed
here: ``an_requantize(acc, multiplier, shift)`` is TFLM's ``MultiplyByQuantizedMultiplier``
(gemmlowp's two roundings, not TFLite's single one).
Scales come from the flatbuffer as float32 and are widened to double exactly as TFLM does.
"""

from __future__ import annotations

import math
import struct

import numpy as np


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


def channel_multipliers(input_scale: float, weight_scales, output_scale: float, channels: int):
    """TFLM's ``PopulateConvolutionQuantizationParams``: per output channel ``(multipliers, shifts)``.

    ``weight_scales``: one scale (per-tensor, broadcast to every channel) or one per channel.
    Each ``input * weight / output`` is formed in double from the float32 scales, then
    :func:`quantize_multiplier` (so a tiny effective scale gives multiplier 0, shift 0).
    """
    weight_scales = tuple(weight_scales)
    if len(weight_scales) not in (1, channels):
        raise ValueError(f"{len(weight_scales)} weight scales for {channels} channels")
    pairs = [quantize_multiplier(effective_scale(float32(input_scale),
                                                 float32(weight_scales[i if len(weight_scales) > 1 else 0]),
                                                 float32(output_scale)))
             for i in range(channels)]
    return [m for m, _ in pairs], [s for _, s in pairs]


def same_valid_padding(padding: str, in_size: int, filter_size: int, stride: int, dilation: int = 1) -> int:
    """TFLM's ``ComputePaddingHeightWidth`` for one dimension: the padding before the first row/column.

    The output size is recomputed from ``padding`` (SAME: ceil(in / stride); VALID:
    (in + stride - effective_filter) // stride) as TFLM does, then
    ``max(0, (out - 1) * stride + effective_filter - in) // 2``.
    """
    effective = (filter_size - 1) * dilation + 1
    if padding == "SAME":
        out = (in_size + stride - 1) // stride
    elif padding == "VALID":
        out = (in_size + stride - effective) // stride
    else:
        raise ValueError(f"padding {padding}")
    total = max(0, (out - 1) * stride + effective - in_size)
    return total // 2
