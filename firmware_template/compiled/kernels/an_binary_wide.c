// attendnets compiled runtime: ADD, SUB, MUL int16 and float32 (see an_binary_wide.h).
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")  // float: TFLM's order of operations
#endif
#include "an_binary_wide.h"

#include "an_common.h"

// The broadcast walk: OP(a, b) for every output element, a and b the inputs' elements.
#define AN_BINARY_WIDE_WALK(type, OP)                                                      \
  do {                                                                                     \
    const an_broadcast_shape *s = &p->shape;                                               \
    const int32_t inner = s->dims[s->ndim - 1];                                            \
    const int32_t step1 = s->stride1[s->ndim - 1], step2 = s->stride2[s->ndim - 1];        \
    const int32_t rows = an_broadcast_outer_count(s);                                      \
    an_broadcast_iter it;                                                                  \
    an_broadcast_begin(&it);                                                               \
    for (int32_t r = 0; r < rows; ++r) {                                                   \
      const type *x1 = input1 + it.offset1;                                                \
      const type *x2 = input2 + it.offset2;                                                \
      for (int32_t i = 0; i < inner; ++i) *output++ = OP(p, x1[i * step1], x2[i * step2]); \
      an_broadcast_next(s, &it);                                                           \
    }                                                                                      \
  } while (0)

static int16_t add_s16(const an_binary_wide_params *p, int32_t a, int32_t b, int32_t sign) {
  const int32_t x1 = an_requantize((int32_t)((uint32_t)(a + p->input1_offset) << p->left_shift), p->input1_multiplier,
                                   p->input1_shift);
  const int32_t x2 = an_requantize((int32_t)((uint32_t)(b + p->input2_offset) << p->left_shift), p->input2_multiplier,
                                   p->input2_shift);
  const int32_t sum = sign > 0 ? x1 + x2 : x1 - x2;
  return (int16_t)an_clamp(an_requantize(sum, p->output_multiplier, p->output_shift) + p->output_offset, p->act_min,
                           p->act_max);
}

#define AN_ADD_S16(p, a, b) add_s16(p, a, b, 1)
#define AN_SUB_S16(p, a, b) add_s16(p, a, b, -1)

static int16_t mul_s16(const an_binary_wide_params *p, int32_t a, int32_t b) {
  const int32_t product = (int32_t)((uint32_t)(a + p->input1_offset) * (uint32_t)(b + p->input2_offset));
  return (int16_t)an_clamp(an_requantize(product, p->output_multiplier, p->output_shift) + p->output_offset, p->act_min,
                           p->act_max);
}

static float clamp_f32(const an_binary_wide_params *p, float v) {
  v = (v < p->float_min) ? p->float_min : v;
  return (p->float_max < v) ? p->float_max : v;
}

#define AN_ADD_F32(p, a, b) clamp_f32(p, (a) + (b))
#define AN_SUB_F32(p, a, b) clamp_f32(p, (a) - (b))
#define AN_MUL_F32(p, a, b) clamp_f32(p, (a) * (b))

void an_add_s16(const an_binary_wide_params *p, const int16_t *input1, const int16_t *input2, int16_t *output) {
  AN_BINARY_WIDE_WALK(int16_t, AN_ADD_S16);
}

void an_sub_s16(const an_binary_wide_params *p, const int16_t *input1, const int16_t *input2, int16_t *output) {
  AN_BINARY_WIDE_WALK(int16_t, AN_SUB_S16);
}

void an_mul_s16(const an_binary_wide_params *p, const int16_t *input1, const int16_t *input2, int16_t *output) {
  AN_BINARY_WIDE_WALK(int16_t, mul_s16);
}

void an_add_f32(const an_binary_wide_params *p, const float *input1, const float *input2, float *output) {
  AN_BINARY_WIDE_WALK(float, AN_ADD_F32);
}

void an_sub_f32(const an_binary_wide_params *p, const float *input1, const float *input2, float *output) {
  AN_BINARY_WIDE_WALK(float, AN_SUB_F32);
}

void an_mul_f32(const an_binary_wide_params *p, const float *input1, const float *input2, float *output) {
  AN_BINARY_WIDE_WALK(float, AN_MUL_F32);
}
