"""gemmlowp's fixed-point arithmetic in Python, for tables computed at generation time.

TFLM's int8 LOGISTIC, TANH, SOFTMAX and HARD_SWISH are integer code paths built on
gemmlowp (``fixedpoint/fixedpoint.h``) and TFLM's ``MultiplyByQuantizedMultiplier``.
Their int8 result depends on one input byte only (SOFTMAX: on one difference to the row
maximum), so the compiled runtime runs the same integer arithmetic here, once per
possible input, and the kernels look the results up.  Every operation below keeps the
C++ widths: int32 values wrap as two's complement where C++ wraps, int16 values are
truncated wherever the C++ code stores into an ``int16_t``.  Tests compare every table
entry against the tflite-micro interpreter.
"""

from __future__ import annotations

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
INT16_MIN, INT16_MAX = -(1 << 15), (1 << 15) - 1


def wrap32(x: int) -> int:
    """``static_cast<int32_t>`` of an integer (two's complement wrap)."""
    return ((x + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def wrap16(x: int) -> int:
    """``static_cast<int16_t>`` of an integer (two's complement wrap)."""
    return ((x + (1 << 15)) & 0xFFFF) - (1 << 15)


def _trunc_div(a: int, b: int) -> int:
    """C integer division (rounds toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


# --- int32 -----------------------------------------------------------------------------

def srdhm(a: int, b: int) -> int:
    """gemmlowp ``SaturatingRoundingDoublingHighMul`` on int32."""
    if a == b == INT32_MIN:
        return INT32_MAX
    ab = a * b
    nudge = (1 << 30) if ab >= 0 else (1 - (1 << 30))
    return wrap32(_trunc_div(ab + nudge, 1 << 31))


def rounding_divide_by_pot(x: int, exponent: int) -> int:
    """gemmlowp ``RoundingDivideByPOT`` on int32 (halves away from zero)."""
    mask = (1 << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> exponent) + (1 if remainder > threshold else 0)


def multiply_by_quantized_multiplier(x: int, multiplier: int, shift: int) -> int:
    """TFLM's double-rounding ``MultiplyByQuantizedMultiplier(int32 x, ...)``; shift > 0 is left."""
    left = shift if shift > 0 else 0
    right = 0 if shift > 0 else -shift
    return rounding_divide_by_pot(srdhm(wrap32(x * (1 << left)), multiplier), right)


def saturating_rounding_multiply_by_pot(x: int, exponent: int) -> int:
    """gemmlowp ``SaturatingRoundingMultiplyByPOT<exponent>`` on int32."""
    if exponent == 0:
        return x
    if exponent < 0:
        return rounding_divide_by_pot(x, -exponent)
    threshold = (1 << (31 - exponent)) - 1
    if x > threshold:
        return INT32_MAX
    if x < -threshold:
        return INT32_MIN
    return wrap32(x << exponent)


def rescale(x: int, src_integer_bits: int, dst_integer_bits: int) -> int:
    """gemmlowp ``Rescale<dst>`` of a raw value with ``src`` integer bits."""
    return saturating_rounding_multiply_by_pot(x, src_integer_bits - dst_integer_bits)


def _one(integer_bits: int) -> int:
    return INT32_MAX if integer_bits == 0 else 1 << (31 - integer_bits)


def _mul(a: int, b: int) -> int:  # FixedPoint operator*: the integer bits add up
    return srdhm(a, b)


def _add(a: int, b: int) -> int:
    return wrap32(a + b)


def _sub(a: int, b: int) -> int:
    return wrap32(a - b)


def rounding_half_sum(a: int, b: int) -> int:
    s = a + b
    return wrap32(_trunc_div(s + (1 if s >= 0 else -1), 2))


def _exp_on_interval_between_negative_one_quarter_and_0_excl(a: int) -> int:
    constant_term = 1895147668  # exp(-1/8) in Q0.31
    constant_1_over_3 = 715827883
    x = _add(a, 1 << 28)  # a + 1/8
    x2 = _mul(x, x)
    x3 = _mul(x2, x)
    x4 = _mul(x2, x2)
    x4_over_4 = saturating_rounding_multiply_by_pot(x4, -2)
    poly = saturating_rounding_multiply_by_pot(_add(_mul(_add(x4_over_4, x3), constant_1_over_3), x2), -1)
    return _add(constant_term, _mul(constant_term, _add(x, poly)))


_EXP_BARREL = ((-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308),
               (2, 39332535), (3, 720401), (4, 242))


def exp_on_negative_values(a: int, integer_bits: int) -> int:
    """gemmlowp ``exp_on_negative_values`` of a raw int32 with ``integer_bits``; Q0.31 result."""
    fractional_bits = 31 - integer_bits
    one_quarter = 1 << (fractional_bits - 2)
    mask = one_quarter - 1
    a_mod_quarter_minus_one_quarter = _sub(a & mask, one_quarter)
    result = _exp_on_interval_between_negative_one_quarter_and_0_excl(
        rescale(a_mod_quarter_minus_one_quarter, integer_bits, 0))
    remainder = _sub(a_mod_quarter_minus_one_quarter, a)
    for exponent, multiplier in _EXP_BARREL:
        if integer_bits > exponent:
            shift_amount = fractional_bits + exponent
            if remainder & wrap32(1 << shift_amount):
                result = _mul(result, multiplier)
    if integer_bits > 5:
        clamp = -(1 << (36 - integer_bits))
        if a < clamp:
            result = 0
    if a == 0:
        result = INT32_MAX
    return result


def _newton_reciprocal_f2(half_denominator: int) -> int:
    constant_48_over_17 = 1515870810
    constant_neg_32_over_17 = -1010580540
    one_f2 = _one(2)
    x = _add(constant_48_over_17, _mul(half_denominator, constant_neg_32_over_17))
    for _ in range(3):
        half_denominator_times_x = _mul(half_denominator, x)
        one_minus = _sub(one_f2, half_denominator_times_x)
        x = _add(x, rescale(_mul(x, one_minus), 4, 2))
    return x


def one_over_one_plus_x_for_x_in_0_1(a: int) -> int:
    """gemmlowp ``one_over_one_plus_x_for_x_in_0_1`` on a Q0.31 raw value."""
    half_denominator = rounding_half_sum(a, INT32_MAX)
    x = _newton_reciprocal_f2(half_denominator)
    return rescale(x, 1, 0)  # Rescale<0>(ExactMulByPot<-1>(x)): x now has 1 integer bit


def one_minus_x_over_one_plus_x_for_x_in_0_1(a: int) -> int:
    half_denominator = rounding_half_sum(a, INT32_MAX)
    x = _newton_reciprocal_f2(half_denominator)
    return rescale(_sub(x, _one(2)), 2, 0)


def logistic(a: int, integer_bits: int) -> int:
    """gemmlowp ``logistic`` of a raw int32 with ``integer_bits``; Q0.31 result."""
    if a == 0:
        return 1 << 30
    abs_input = a if a > 0 else wrap32(-a)
    result_if_positive = one_over_one_plus_x_for_x_in_0_1(
        exp_on_negative_values(wrap32(-abs_input), integer_bits))
    if a > 0:
        return result_if_positive
    return _sub(INT32_MAX, result_if_positive)


def tanh(a: int, integer_bits: int) -> int:
    """gemmlowp ``tanh`` of a raw int32 with ``integer_bits``; Q0.31 result."""
    if a == 0:
        return 0
    n = a if a < 0 else wrap32(-a)
    # neg_tanh_on_negative_values: ExactMulByPot<1> adds an integer bit to the same raw value.
    t = one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(n, integer_bits + 1))
    return wrap32(-t) if a < 0 else t


def count_leading_zeros32(x: int) -> int:
    x &= 0xFFFFFFFF
    return 32 - x.bit_length()


def get_reciprocal(x: int, x_integer_digits: int) -> tuple[int, int]:
    """TFLM ``GetReciprocal``: (Q0.31 reciprocal of the shifted value, num_bits_over_unit)."""
    headroom_plus_one = count_leading_zeros32(x)
    num_bits_over_unit = x_integer_digits - headroom_plus_one
    shifted_sum_minus_one = wrap32(((x & 0xFFFFFFFF) << headroom_plus_one) - (1 << 31))
    return one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one), num_bits_over_unit


def _saturating_add(a: int, b: int) -> int:
    return max(-(2**31), min(INT32_MAX, a + b))


def _saturating_left_shift_param(x: int, exponent: int) -> int:
    """TFLM's ``SaturatingRoundingMultiplyByPOTParam`` for exponent >= 0."""
    if exponent == 0:
        return x
    threshold = (1 << (31 - exponent)) - 1
    if x > threshold:
        return INT32_MAX
    if x < -threshold:
        return -(2**31)
    return wrap32(x << exponent)


def log_x_for_x_greater_than_or_equal_to_1(x: int, input_integer_bits: int, output_integer_bits: int) -> int:
    """TFLM's ``log_x_for_x_greater_than_or_equal_to_1_impl`` on a raw int32 (common.h): a raw value with
    ``output_integer_bits``, through a Q(output+1) accumulator."""
    accum_bits = output_integer_bits + 1
    log_2, sqrt_sqrt_half, sqrt_half = 1488522236, 1805811301, 1518500250
    alpha_n, alpha_d, alpha_i, alpha_f = 117049297, 127690142, 1057819769, 638450708
    shifted_quarter = rescale(536870912, 0, accum_bits)
    z_a_headroom_plus_1 = count_leading_zeros32(x)
    r_a_tmp = _saturating_left_shift_param(x, z_a_headroom_plus_1 - 1)
    r_a_raw = _saturating_left_shift_param(srdhm(r_a_tmp, sqrt_half), 1)
    z_a_pow_2_adj = _saturating_add(
        _saturating_left_shift_param(input_integer_bits - z_a_headroom_plus_1, 31 - accum_bits), shifted_quarter)
    z_b = srdhm(x, sqrt_half)
    z_b_headroom = count_leading_zeros32(z_b) - 1
    r_b_raw = _saturating_left_shift_param(x, z_b_headroom)
    z_b_pow_2_adj = _saturating_add(
        _saturating_left_shift_param(input_integer_bits - z_b_headroom, 31 - accum_bits), -shifted_quarter)
    r = min(r_a_raw, r_b_raw)
    z_pow_2_adj = max(z_a_pow_2_adj, z_b_pow_2_adj)
    p = rounding_half_sum(r, sqrt_sqrt_half)
    q = _sub(r, sqrt_sqrt_half)
    q = _add(q, q)
    common_sq = _mul(q, q)
    num = _add(_mul(q, r), _mul(_mul(q, common_sq), alpha_n))
    denom_minus_one_0 = _add(_mul(p, _add(_add(alpha_i, q), _mul(alpha_d, common_sq))), _mul(alpha_f, q))
    recip_denom = one_over_one_plus_x_for_x_in_0_1(denom_minus_one_0)
    num_scaled = rescale(num, 0, accum_bits)
    return rescale(_add(_mul(z_pow_2_adj, log_2), _mul(num_scaled, recip_denom)), accum_bits, output_integer_bits)


# --- int16 (HARD_SWISH) ------------------------------------------------------------------

def srdhm16(a: int, b: int) -> int:
    """gemmlowp ``SaturatingRoundingDoublingHighMul`` on int16."""
    if a == b == INT16_MIN:
        return INT16_MAX
    ab = a * b
    nudge = (1 << 14) if ab >= 0 else (1 - (1 << 14))
    return wrap16(_trunc_div(ab + nudge, 1 << 15))


def saturating_doubling_high_mul16(a: int, b: int) -> int:
    """TFLM ``SaturatingDoublingHighMul`` (int16, rounds toward zero)."""
    if a == b == INT16_MIN:
        return INT16_MAX
    return wrap16(_trunc_div(a * b, 1 << 15))


def rounding_divide_by_pot16(x: int, exponent: int) -> int:
    """gemmlowp ``RoundingDivideByPOT<int16_t>``: every intermediate stored as int16."""
    mask = wrap16((1 << exponent) - 1)
    remainder = wrap16(x & mask)
    threshold = wrap16(wrap16(mask >> 1) + (1 if x < 0 else 0))
    return wrap16(wrap16(x >> exponent) + (1 if remainder > threshold else 0))


def saturating_left_shift16(value: int, amount: int) -> int:
    return max(INT16_MIN, min(INT16_MAX, value * (1 << amount)))
