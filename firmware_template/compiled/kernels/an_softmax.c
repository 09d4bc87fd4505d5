// attendnets compiled runtime: SOFTMAX and LOG_SOFTMAX, int8 (see an_softmax.h).
#include "an_softmax.h"

#include "an_common.h"

#define AN_ACCUMULATION_INTEGER_BITS 12

// gemmlowp SaturatingRoundingMultiplyByPOT<exponent> for exponent > 0 (saturating left shift).
static int32_t an_saturating_left_shift(int32_t x, int exponent) {
  const int32_t threshold = (int32_t)(((int64_t)1 << (31 - exponent)) - 1);
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return (int32_t)((uint32_t)x << exponent);
}

// gemmlowp RoundingHalfSum (int32).
static int32_t an_rounding_half_sum(int32_t a, int32_t b) {
  const int64_t sum = (int64_t)a + (int64_t)b;
  const int64_t sign = sum >= 0 ? 1 : -1;
  return (int32_t)((sum + sign) / 2);
}

// gemmlowp one_over_one_plus_x_for_x_in_0_1 on a Q0.31 value: Newton-Raphson in Q2.29.
static int32_t an_one_over_one_plus_x_for_x_in_0_1(int32_t a) {
  const int32_t half_denominator = an_rounding_half_sum(a, INT32_MAX);
  const int32_t constant_48_over_17 = 1515870810;
  const int32_t constant_neg_32_over_17 = -1010580540;
  const int32_t one_q2 = (int32_t)1 << 29;
  int32_t x = (int32_t)((uint32_t)constant_48_over_17 + (uint32_t)an_srdhm(half_denominator, constant_neg_32_over_17));
  for (int i = 0; i < 3; ++i) {
    const int32_t half_denominator_times_x = an_srdhm(half_denominator, x);
    const int32_t one_minus = (int32_t)((uint32_t)one_q2 - (uint32_t)half_denominator_times_x);
    x = (int32_t)((uint32_t)x + (uint32_t)an_saturating_left_shift(an_srdhm(x, one_minus), 2));
  }
  return an_saturating_left_shift(x, 1);
}

static int an_count_leading_zeros(uint32_t x) {
  int n = 0;
  if (x == 0) return 32;
  while (!(x & 0x80000000u)) {
    x <<= 1;
    ++n;
  }
  return n;
}

// One row: the maximum, the sum of exps, TFLM's GetReciprocal; returns the Q0.31 scale and
// the output shift for an output of out_bits.
static int32_t an_softmax_row_scale(const int8_t *row, int32_t depth, const int32_t *exp_table, int out_bits,
                                    int8_t *max_out, int *exponent_out) {
  int8_t max = -128;
  for (int32_t c = 0; c < depth; ++c) max = row[c] > max ? row[c] : max;
  uint32_t sum = 0;  // Q12.19, wrapping as gemmlowp's int32 addition does
  for (int32_t c = 0; c < depth; ++c) {
    sum += (uint32_t)an_rounding_divide_by_pot(exp_table[(int32_t)max - row[c]], AN_ACCUMULATION_INTEGER_BITS);
  }
  const int headroom_plus_one = an_count_leading_zeros(sum);
  const int num_bits_over_unit = AN_ACCUMULATION_INTEGER_BITS - headroom_plus_one;
  const int32_t shifted_sum_minus_one = (int32_t)((sum << headroom_plus_one) - ((uint32_t)1 << 31));
  *max_out = max;
  // TFLM aborts when this leaves [0, 31] (int8 output: 512 or more values tied at the
  // maximum); clamping keeps the shift defined.
  *exponent_out = AN_MIN(num_bits_over_unit + 31 - out_bits, 31);
  return an_one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one);
}

// The rows of SOFTMAX with int8 input and an out_t output of OUT_BITS bits (TFLM's output zero point, the type's
// minimum): each row's scale, then every value's exp times it, shifted and saturated.
#define AN_SOFTMAX_S8_ROWS(out_t, OUT_BITS, OUT_MIN, OUT_MAX)                                        \
  for (int32_t r = 0; r < p->outer; ++r) {                                                           \
    const int8_t *row = input + r * p->depth;                                                        \
    out_t *out = output + r * p->depth;                                                              \
    int8_t max;                                                                                      \
    int exponent;                                                                                    \
    const int32_t scale = an_softmax_row_scale(row, p->depth, exp_table, OUT_BITS, &max, &exponent); \
    for (int32_t c = 0; c < p->depth; ++c) {                                                         \
      const int32_t e = exp_table[(int32_t)max - row[c]];                                            \
      const int32_t unsat = an_rounding_divide_by_pot(an_srdhm(scale, e), exponent);                 \
      out[c] = (out_t)an_clamp(unsat + (OUT_MIN), OUT_MIN, OUT_MAX);                                 \
    }                                                                                                \
  }

void an_softmax_s8(const an_softmax_params *p, const int8_t *input, int8_t *output, const int32_t *exp_table) {
  AN_SOFTMAX_S8_ROWS(int8_t, 8, -128, 127)
}

void an_softmax_s8_s16(const an_softmax_params *p, const int8_t *input, int16_t *output, const int32_t *exp_table) {
  AN_SOFTMAX_S8_ROWS(int16_t, 16, -32768, 32767)
}

// TFLM's SaturatingRoundingMultiplyByPOTParam for exponent >= 0.
static int32_t an_saturating_left_shift_param(int32_t x, int exponent) {
  return exponent == 0 ? x : an_saturating_left_shift(x, exponent);
}

static int32_t an_saturating_add(int32_t a, int32_t b) {
  const int64_t sum = (int64_t)a + (int64_t)b;
  return (int32_t)(sum > INT32_MAX ? INT32_MAX : sum < INT32_MIN ? INT32_MIN : sum);
}

static int32_t an_wrapping_add(int32_t a, int32_t b) {
  return (int32_t)((uint32_t)a + (uint32_t)b);
}

// TFLM's log_x_for_x_greater_than_or_equal_to_1<5>(FixedPoint<int32_t, 12>): Q12.19 in, Q5.26 out, with a Q6.25
// accumulator.
static int32_t an_log_q12_to_q5(int32_t input) {
  enum { kInputIntegerBits = 12, kAccumIntegerBits = 6 };
  const int32_t log_2 = 1488522236, sqrt_sqrt_half = 1805811301, sqrt_half = 1518500250;
  const int32_t alpha_n = 117049297, alpha_d = 127690142, alpha_i = 1057819769, alpha_f = 638450708;
  const int32_t shifted_quarter = an_rounding_divide_by_pot(536870912, kAccumIntegerBits);  // 1/4, Q6.25
  const int z_a_headroom_plus_1 = an_count_leading_zeros((uint32_t)input);
  const int32_t r_a_tmp = an_saturating_left_shift_param(input, z_a_headroom_plus_1 - 1);
  const int32_t r_a_raw = an_saturating_left_shift_param(an_srdhm(r_a_tmp, sqrt_half), 1);
  const int32_t z_a_pow_2_adj = an_saturating_add(
      an_saturating_left_shift_param(kInputIntegerBits - z_a_headroom_plus_1, 31 - kAccumIntegerBits), shifted_quarter);
  const int32_t z_b = an_srdhm(input, sqrt_half);
  const int z_b_headroom = an_count_leading_zeros((uint32_t)z_b) - 1;
  const int32_t r_b_raw = an_saturating_left_shift_param(input, z_b_headroom);
  const int64_t z_b_pow_2 =
      (int64_t)an_saturating_left_shift_param(kInputIntegerBits - z_b_headroom, 31 - kAccumIntegerBits) -
      shifted_quarter;
  const int32_t z_b_pow_2_adj = (int32_t)(z_b_pow_2 < INT32_MIN ? INT32_MIN : z_b_pow_2);  // SaturatingSub
  const int32_t r = AN_MIN(r_a_raw, r_b_raw);
  const int32_t z_pow_2_adj = AN_MAX(z_a_pow_2_adj, z_b_pow_2_adj);
  const int32_t p = an_rounding_half_sum(r, sqrt_sqrt_half);
  int32_t q = (int32_t)((uint32_t)r - (uint32_t)sqrt_sqrt_half);
  q = an_wrapping_add(q, q);
  const int32_t common_sq = an_srdhm(q, q);
  const int32_t num = an_wrapping_add(an_srdhm(q, r), an_srdhm(an_srdhm(q, common_sq), alpha_n));
  const int32_t denom_minus_one_0 = an_wrapping_add(
      an_srdhm(p, an_wrapping_add(an_wrapping_add(alpha_i, q), an_srdhm(alpha_d, common_sq))), an_srdhm(alpha_f, q));
  const int32_t recip_denom = an_one_over_one_plus_x_for_x_in_0_1(denom_minus_one_0);
  const int32_t num_scaled = an_rounding_divide_by_pot(num, kAccumIntegerBits);  // Rescale<6> from Q0.31
  const int32_t result = an_wrapping_add(an_srdhm(z_pow_2_adj, log_2), an_srdhm(num_scaled, recip_denom));
  return an_saturating_left_shift(result, 1);  // Rescale<5> from Q6.25
}

void an_log_softmax_s8(const an_log_softmax_params *p, const int8_t *input, int8_t *output, const int32_t *exp_table,
                       const int32_t *diff_table) {
  const int32_t depth = p->depth;
  for (int32_t r = 0; r < p->outer; ++r, input += depth, output += depth) {
    int8_t max = -128;
    for (int32_t c = 0; c < depth; ++c) max = input[c] > max ? input[c] : max;
    uint32_t sum = 0;  // Q12.19, wrapping as gemmlowp's int32 addition does
    for (int32_t c = 0; c < depth; ++c) {
      sum += (uint32_t)an_rounding_divide_by_pot(exp_table[(int32_t)max - input[c]], AN_ACCUMULATION_INTEGER_BITS);
    }
    const int32_t log_sum = an_log_q12_to_q5((int32_t)sum);
    const int32_t shifted_log_sum = (int32_t)((uint32_t)log_sum + 0x80000000u);
    const int32_t bound = an_requantize(shifted_log_sum, p->reverse_scaling_divisor, p->reverse_scaling_shift);
    const int32_t adjusted_diff_min = AN_MAX(p->diff_min - 1, bound);
    for (int32_t c = 0; c < depth; ++c) {
      const int32_t diff = (int32_t)input[c] - max;
      if (diff > adjusted_diff_min) {
        const int32_t centred = (int32_t)((uint32_t)diff_table[-diff] - (uint32_t)log_sum);
        output[c] = (int8_t)an_clamp(an_rounding_divide_by_pot(centred, 31 - 5 - 4) + 127, -128, 127);
      } else {
        output[c] = -128;
      }
    }
  }
}
