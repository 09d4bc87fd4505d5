// attendnets compiled runtime: int8 ADD, SUB, MUL (see an_binary.h).
#include "an_binary.h"

#include "an_common.h"

static inline int32_t an_add_scaled(const an_add_params* p, int8_t x, int32_t offset, int32_t multiplier,
                                    int32_t shift) {
  const int32_t shifted = (offset + (int32_t)x) * ((int32_t)1 << p->left_shift);
  return an_multiply_by_quantized_multiplier(shifted, multiplier, shift);
}

static inline int8_t an_add_finish(const an_add_params* p, int32_t raw) {
  const int32_t out = an_multiply_by_quantized_multiplier(raw, p->output_multiplier, p->output_shift) +
                      p->output_offset;
  return (int8_t)an_clamp(out, p->activation_min, p->activation_max);
}

void an_add_s8(const an_add_params* p, const int8_t* input1, const int8_t* input2, int8_t* output) {
  const an_broadcast_shape* s = &p->shape;
  const int32_t inner = s->dims[s->ndim - 1];
  const int32_t step1 = s->stride1[s->ndim - 1];
  const int32_t step2 = s->stride2[s->ndim - 1];
  const int32_t outer = an_broadcast_outer_count(s);
  an_broadcast_iter it;
  an_broadcast_begin(&it);
  for (int32_t o = 0; o < outer; ++o) {
    const int8_t* a = input1 + it.offset1;
    const int8_t* b = input2 + it.offset2;
    for (int32_t i = 0; i < inner; ++i) {
      const int32_t sa = an_add_scaled(p, *a, p->input1_offset, p->input1_multiplier, p->input1_shift);
      const int32_t sb = an_add_scaled(p, *b, p->input2_offset, p->input2_multiplier, p->input2_shift);
      *output++ = an_add_finish(p, sa + sb);
      a += step1;
      b += step2;
    }
    an_broadcast_next(s, &it);
  }
}

void an_sub_s8(const an_add_params* p, const int8_t* input1, const int8_t* input2, int8_t* output) {
  const an_broadcast_shape* s = &p->shape;
  const int32_t inner = s->dims[s->ndim - 1];
  const int32_t step1 = s->stride1[s->ndim - 1];
  const int32_t step2 = s->stride2[s->ndim - 1];
  const int32_t outer = an_broadcast_outer_count(s);
  an_broadcast_iter it;
  an_broadcast_begin(&it);
  for (int32_t o = 0; o < outer; ++o) {
    const int8_t* a = input1 + it.offset1;
    const int8_t* b = input2 + it.offset2;
    for (int32_t i = 0; i < inner; ++i) {
      const int32_t sa = an_add_scaled(p, *a, p->input1_offset, p->input1_multiplier, p->input1_shift);
      const int32_t sb = an_add_scaled(p, *b, p->input2_offset, p->input2_multiplier, p->input2_shift);
      *output++ = an_add_finish(p, sa - sb);
      a += step1;
      b += step2;
    }
    an_broadcast_next(s, &it);
  }
}

void an_mul_s8(const an_mul_params* p, const int8_t* input1, const int8_t* input2, int8_t* output) {
  const an_broadcast_shape* s = &p->shape;
  const int32_t inner = s->dims[s->ndim - 1];
  const int32_t step1 = s->stride1[s->ndim - 1];
  const int32_t step2 = s->stride2[s->ndim - 1];
  const int32_t outer = an_broadcast_outer_count(s);
  an_broadcast_iter it;
  an_broadcast_begin(&it);
  for (int32_t o = 0; o < outer; ++o) {
    const int8_t* a = input1 + it.offset1;
    const int8_t* b = input2 + it.offset2;
    for (int32_t i = 0; i < inner; ++i) {
      const int32_t product = (p->input1_offset + (int32_t)*a) * (p->input2_offset + (int32_t)*b);
      const int32_t out = an_multiply_by_quantized_multiplier(product, p->output_multiplier, p->output_shift) +
                          p->output_offset;
      *output++ = (int8_t)an_clamp(out, p->activation_min, p->activation_max);
      a += step1;
      b += step2;
    }
    an_broadcast_next(s, &it);
  }
}
