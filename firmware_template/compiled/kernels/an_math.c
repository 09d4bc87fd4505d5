// attendnets compiled runtime: element-wise functions (see an_math.h).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#endif
#include "an_math.h"

#include <math.h>

#define AN_MATH_MAP(NAME, EXPR)                                 \
  void NAME(const float *input, int32_t count, float *output) { \
    for (int32_t i = 0; i < count; ++i) {                       \
      const float x = input[i];                                 \
      output[i] = (EXPR);                                       \
    }                                                           \
  }

AN_MATH_MAP(an_abs_f32, fabsf(x))
AN_MATH_MAP(an_neg_f32, -x)
AN_MATH_MAP(an_sqrt_f32, sqrtf(x))
AN_MATH_MAP(an_rsqrt_f32, 1.0f / sqrtf(x))
AN_MATH_MAP(an_square_f32, x *x)
AN_MATH_MAP(an_exp_f32, expf(x))
AN_MATH_MAP(an_log_f32, logf(x))
AN_MATH_MAP(an_sin_f32, sinf(x))
AN_MATH_MAP(an_cos_f32, cosf(x))
AN_MATH_MAP(an_floor_f32, floorf(x))
AN_MATH_MAP(an_ceil_f32, ceilf(x))

// TFLM's RoundToNearest: a fraction of exactly 0.5 goes to the even neighbour (floor_val is below 2^23 there, so
// the int conversion is exact); inf - inf is NaN, which takes the `+ 1` branch as TFLM's does.
static inline float an_round_half_even(float x) {
  const float floor_val = floorf(x);
  const float diff = x - floor_val;
  if (diff < 0.5f || (diff == 0.5f && (int32_t)floor_val % 2 == 0)) return floor_val;
  return floor_val + 1.0f;
}

AN_MATH_MAP(an_round_f32, an_round_half_even(x))

void an_abs_s16(const int16_t *input, int32_t count, int32_t multiplier, int32_t shift, int32_t saturate,
                int16_t *output) {
  for (int32_t i = 0; i < count; ++i) {
    int32_t v = input[i] < 0 ? -(int32_t)input[i] : input[i];
    if (multiplier) v = an_requantize(v, multiplier, shift);
    output[i] = saturate ? (int16_t)AN_MIN(v, INT16_MAX) : (int16_t)v;
  }
}

void an_l2norm_f32(const float *input, int32_t outer, int32_t depth, float *output) {
  for (int32_t o = 0; o < outer; ++o, input += depth, output += depth) {
    float sum = 0.0f;
    for (int32_t c = 0; c < depth; ++c) sum += input[c] * input[c];
    float norm = sqrtf(sum);
    if (norm < 1e-6f) norm = 1e-6f;  // std::max(norm, epsilon): a NaN norm stays NaN
    for (int32_t c = 0; c < depth; ++c) output[c] = input[c] / norm;
  }
}

// gemmlowp SaturatingRoundingMultiplyByPOT<exponent> for exponent > 0.
static inline int32_t an_saturating_shift_left(int32_t x, int32_t exponent) {
  const int32_t threshold = (int32_t)((1u << (31 - exponent)) - 1u);
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return (int32_t)((uint32_t)x << exponent);
}

// TFLM's GetInvSqrtQuantizedMultiplierExp(input, kReverseShift = -1): 1 / sqrt(input) as a multiplier and a
// left shift, by five Newton-Raphson steps in Q3.28.
static void an_inv_sqrt_multiplier(int32_t input, int32_t *multiplier, int32_t *shift) {
  if (input <= 1) {
    *multiplier = INT32_MAX;
    *shift = 0;
    return;
  }
  int32_t right = 11;
  while (input >= (1 << 29)) {
    input /= 4;
    ++right;
  }
  int32_t zeros = 0;
  for (uint32_t u = (uint32_t)input; !(u & 0x80000000u); u <<= 1) ++zeros;
  const int32_t pairs = (zeros - 1) / 2 - 1;
  right -= pairs;
  input <<= 2 * pairs;
  const int32_t half_input = an_rounding_divide_by_pot(input >> 1, 1);
  const int32_t half_three = (1 << 28) + (1 << 27);
  int32_t x = 1 << 28;
  for (int k = 0; k < 5; ++k) {
    const int32_t x3 = an_saturating_shift_left(an_srdhm(an_srdhm(x, x), x), 6);
    x = an_saturating_shift_left((int32_t)((uint32_t)an_srdhm(half_three, x) - (uint32_t)an_srdhm(half_input, x3)), 3);
  }
  x = an_srdhm(x, 1518500250);
  if (right < 0) {
    x = (int32_t)((uint32_t)x << -right);
    right = 0;
  }
  *multiplier = x;
  *shift = -right;
}

void an_l2norm_s8(const int8_t *input, int32_t outer, int32_t depth, int32_t input_zero_point, int8_t *output) {
  for (int32_t o = 0; o < outer; ++o, input += depth, output += depth) {
    uint32_t acc = 0;
    for (int32_t c = 0; c < depth; ++c) {
      const int32_t v = input[c] - input_zero_point;
      acc += (uint32_t)(v * v);
    }
    int32_t multiplier, shift;
    an_inv_sqrt_multiplier((int32_t)acc, &multiplier, &shift);
    for (int32_t c = 0; c < depth; ++c) {
      const int32_t v = an_requantize(input[c] - input_zero_point, multiplier, shift + 7);
      output[c] = (int8_t)AN_MIN(AN_MAX(v, INT8_MIN), INT8_MAX);
    }
  }
}
