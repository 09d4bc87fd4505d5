// attendnets compiled runtime: DIV and SQUARED_DIFFERENCE (see an_arith.h).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")  // float: TFLM's order of operations
#endif
#include "an_arith.h"

#include <math.h>

// The broadcast walk of an_broadcast.h with `*output++ = f(a, b)` per element.
#define AN_ARITH_WALK(type, out_type, f) AN_ARITH_WALK2(type, type, out_type, f)
#define AN_ARITH_WALK2(type, type2, out_type, f)                                           \
  do {                                                                                     \
    const an_broadcast_shape *s = &p->shape;                                               \
    const int32_t inner = s->dims[s->ndim - 1];                                            \
    const int32_t step1 = s->stride1[s->ndim - 1], step2 = s->stride2[s->ndim - 1];        \
    const int32_t outer = an_broadcast_outer_count(s);                                     \
    an_broadcast_iter it;                                                                  \
    an_broadcast_begin(&it);                                                               \
    for (int32_t o = 0; o < outer; ++o) {                                                  \
      const type *a = input1 + it.offset1;                                                 \
      const type2 *b = input2 + it.offset2;                                                \
      for (int32_t i = 0; i < inner; ++i, a += step1, b += step2) *output++ = (out_type)f; \
      an_broadcast_next(s, &it);                                                           \
    }                                                                                      \
  } while (0)

// TFLM's ActivationFunctionWithMinMax: std::min(std::max(x, lo), hi) (a NaN passes through).
static inline float an_clamp_f32(float x, float lo, float hi) {
  const float y = x < lo ? lo : x;
  return hi < y ? hi : y;
}

static inline int32_t an_clamp_s32(int32_t x, int32_t lo, int32_t hi) {
  return AN_MIN(AN_MAX(x, lo), hi);
}

// Leading bits equal to the sign bit, less one (TFLM's CountLeadingSignBits; 31 for 0 and -1).
static inline int32_t an_leading_sign_bits(int32_t x) {
  uint32_t u = x >= 0 ? (uint32_t)x : ~(uint32_t)x;
  int32_t n = 0;
  while (n < 32 && !(u & 0x80000000u)) {
    u <<= 1;
    ++n;
  }
  return n - 1;
}

static inline int32_t an_div_one_s8(const an_div_s8_params *p, int32_t a, int32_t b) {
  const int32_t index = b + 128;
  const int32_t dividend = p->signs[index] * (p->input1_offset + a);
  const int32_t headroom = an_leading_sign_bits(dividend);
  const int32_t unscaled = an_srdhm((int32_t)((uint32_t)dividend << headroom), p->reciprocals[index]);
  const int32_t total_shift = p->output_shift - p->shifts[index] - headroom;
  const int32_t scaled = an_srdhm(unscaled, p->output_multiplier);
  int32_t quotient;
  if (-total_shift < 32) {
    quotient = an_rounding_divide_by_pot(scaled, -total_shift);
  } else {  // gemmlowp's RoundingDivideByPOT past 31 as the interpreter's x86 build computes it
    quotient = (scaled >> (-total_shift & 31)) + (scaled >= 0 ? 1 : 0);
  }
  const int32_t v = p->output_offset + quotient;
  return an_clamp_s32(v, p->activation_min, p->activation_max);
}

// The wrapping int32 square of a difference.
static inline int32_t an_square_s32(int32_t d) {
  return (int32_t)((uint32_t)d * (uint32_t)d);
}

static inline int32_t an_squared_difference_out(const an_squared_difference_params *p, int32_t d) {
  const int32_t v = an_requantize(an_square_s32(d), p->output_multiplier, p->output_shift) + p->output_offset;
  return an_clamp_s32(v, p->activation_min, p->activation_max);
}

void an_floor_div_f32(const an_arith_f32_params *p, const float *input1, const float *input2, float *output) {
  AN_ARITH_WALK(float, float, floor((double)*a / (double)*b));
}

static inline float an_floor_mod_one(float a, float b) {
  const float trunc_mod = fmodf(a, b);
  return (trunc_mod != 0.0f && ((b < 0.0f) != (trunc_mod < 0.0f))) ? trunc_mod + b : trunc_mod;
}

void an_floor_mod_f32(const an_arith_f32_params *p, const float *input1, const float *input2, float *output) {
  AN_ARITH_WALK(float, float, an_floor_mod_one(*a, *b));
}

void an_div_f32(const an_arith_f32_params *p, const float *input1, const float *input2, float *output) {
  AN_ARITH_WALK(float, float, an_clamp_f32(*a / *b, p->activation_min, p->activation_max));
}

void an_div_s32(const an_arith_s32_params *p, const int32_t *input1, const int32_t *input2, int32_t *output) {
  AN_ARITH_WALK(int32_t, int32_t, an_clamp_s32(*a / *b, p->activation_min, p->activation_max));
}

void an_div_s8(const an_div_s8_params *p, const int8_t *input1, const int8_t *input2, int8_t *output) {
  AN_ARITH_WALK(int8_t, int8_t, an_div_one_s8(p, *a, *b));
}

void an_squared_difference_f32(const an_arith_f32_params *p, const float *input1, const float *input2, float *output) {
  (void)an_clamp_f32;
  AN_ARITH_WALK(float, float, (*a - *b) * (*a - *b));
}

void an_squared_difference_s32(const an_arith_s32_params *p, const int32_t *input1, const int32_t *input2,
                               int32_t *output) {
  AN_ARITH_WALK(int32_t, int32_t, an_square_s32((int32_t)((uint32_t)*a - (uint32_t)*b)));
}

void an_squared_difference_s8(const an_squared_difference_params *p, const int8_t *input1, const int8_t *input2,
                              int8_t *output) {
  AN_ARITH_WALK(int8_t, int8_t, an_squared_difference_out(p, p->scaled1[*a + 128] - p->scaled2[*b + 128]));
}

void an_squared_difference_s16(const an_squared_difference_params *p, const int16_t *input1, const int16_t *input2,
                               int16_t *output) {
  AN_ARITH_WALK(int16_t, int16_t,
                an_squared_difference_out(p, an_requantize(*a, p->input1_multiplier, p->input1_shift) -
                                                 an_requantize(*b, p->input2_multiplier, p->input2_shift)));
}

static inline int32_t an_prelu_one(const an_prelu_params *p, int32_t x, int32_t alpha, int32_t lo, int32_t hi) {
  const int32_t v = p->input_offset + x;
  const int32_t out = v >= 0 ? an_requantize(v, p->multiplier_positive, p->shift_positive)
                             : an_requantize(v * (p->alpha_offset + alpha), p->multiplier_negative, p->shift_negative);
  return an_clamp_s32(out + p->output_offset, lo, hi);
}

void an_prelu_f32(const an_prelu_params *p, const float *input1, const float *input2, float *output) {
  AN_ARITH_WALK(float, float, *a >= 0.0f ? *a : *a * *b);
}

void an_prelu_s8(const an_prelu_params *p, const int8_t *input1, const int8_t *input2, int8_t *output) {
  AN_ARITH_WALK(int8_t, int8_t, an_prelu_one(p, *a, *b, INT8_MIN, INT8_MAX));
}

void an_prelu_s16(const an_prelu_params *p, const int16_t *input1, const int8_t *input2, int16_t *output) {
  AN_ARITH_WALK2(int16_t, int8_t, int16_t, an_prelu_one(p, *a, *b, INT16_MIN, INT16_MAX));
}
