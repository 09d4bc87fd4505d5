// attendnets compiled runtime: int8 ADD, SUB, MUL (see an_binary.h).
// The parameters are copied into locals first: stores through int8_t* may alias anything,
// so reading them from the struct inside the loop would reload them for every element.
#include "an_binary.h"

#include "an_common.h"

typedef struct {
  int32_t offset1, multiplier1, shift1;
  int32_t offset2, multiplier2, shift2;
  int32_t left_shift, output_offset, output_multiplier, output_shift;
  int32_t activation_min, activation_max;
} an_add_locals;

static inline int32_t an_add_rescale(int32_t x, int32_t offset, int32_t left_shift, int32_t multiplier,
                                     int32_t shift) {
  return an_multiply_by_quantized_multiplier((offset + x) * ((int32_t)1 << left_shift), multiplier, shift);
}

static inline int8_t an_add_requantize(const an_add_locals* q, int32_t raw) {
  const int32_t out = an_multiply_by_quantized_multiplier(raw, q->output_multiplier, q->output_shift) +
                      q->output_offset;
  return (int8_t)an_clamp(out, q->activation_min, q->activation_max);
}

// ADD (subtract 0) or SUB (subtract 1) over the broadcast walk.
static void an_add_sub_s8(const an_add_params* p, const int8_t* input1, const int8_t* input2, int8_t* output,
                          int subtract) {
  const an_add_locals q = {p->input1_offset, p->input1_multiplier, p->input1_shift,
                           p->input2_offset, p->input2_multiplier, p->input2_shift,
                           p->left_shift, p->output_offset, p->output_multiplier, p->output_shift,
                           p->activation_min, p->activation_max};
  const an_broadcast_shape s = p->shape;
  const int32_t inner = s.dims[s.ndim - 1];
  const int32_t step1 = s.stride1[s.ndim - 1];
  const int32_t step2 = s.stride2[s.ndim - 1];
  const int32_t outer = an_broadcast_outer_count(&s);
  an_broadcast_iter it;
  an_broadcast_begin(&it);
  for (int32_t o = 0; o < outer; ++o) {
    const int8_t* a = input1 + it.offset1;
    const int8_t* b = input2 + it.offset2;
    for (int32_t i = 0; i < inner; ++i) {
      const int32_t sa = an_add_rescale(*a, q.offset1, q.left_shift, q.multiplier1, q.shift1);
      const int32_t sb = an_add_rescale(*b, q.offset2, q.left_shift, q.multiplier2, q.shift2);
      *output++ = an_add_requantize(&q, subtract ? sa - sb : sa + sb);
      a += step1;
      b += step2;
    }
    an_broadcast_next(&s, &it);
  }
}

void an_add_s8(const an_add_params* p, const int8_t* input1, const int8_t* input2, int8_t* output) {
  an_add_sub_s8(p, input1, input2, output, 0);
}

void an_sub_s8(const an_add_params* p, const int8_t* input1, const int8_t* input2, int8_t* output) {
  an_add_sub_s8(p, input1, input2, output, 1);
}

void an_mul_s8(const an_mul_params* p, const int8_t* input1, const int8_t* input2, int8_t* output) {
  const int32_t offset1 = p->input1_offset, offset2 = p->input2_offset, output_offset = p->output_offset;
  const int32_t multiplier = p->output_multiplier, shift = p->output_shift;
  const int32_t act_min = p->activation_min, act_max = p->activation_max;
  const an_broadcast_shape s = p->shape;
  const int32_t inner = s.dims[s.ndim - 1];
  const int32_t step1 = s.stride1[s.ndim - 1];
  const int32_t step2 = s.stride2[s.ndim - 1];
  const int32_t outer = an_broadcast_outer_count(&s);
  an_broadcast_iter it;
  an_broadcast_begin(&it);
  for (int32_t o = 0; o < outer; ++o) {
    const int8_t* a = input1 + it.offset1;
    const int8_t* b = input2 + it.offset2;
    for (int32_t i = 0; i < inner; ++i) {
      const int32_t product = (offset1 + (int32_t)*a) * (offset2 + (int32_t)*b);
      const int32_t out = an_multiply_by_quantized_multiplier(product, multiplier, shift) + output_offset;
      *output++ = (int8_t)an_clamp(out, act_min, act_max);
      a += step1;
      b += step2;
    }
    an_broadcast_next(&s, &it);
  }
}
