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
