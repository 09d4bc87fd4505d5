// attendnets compiled runtime: int8 ADD, SUB, MUL (see an_binary.h).
// The parameters are copied into locals first: stores through int8_t* may alias anything,
// so reading them from the struct inside the loop would reload them for every element.
// an_requantize (an_common.h) is TFLM's MultiplyByQuantizedMultiplier.
#include "an_binary.h"

#include "an_common.h"

// ADD (subtract 0) or SUB (subtract 1) over the broadcast walk.
static void an_add_sub_s8(const an_add_params *p, const int8_t *input1, const int8_t *input2, int8_t *output,
                          const int32_t *table1, const int32_t *table2, int subtract) {
  const int32_t output_offset = p->output_offset;
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
    const int8_t *a = input1 + it.offset1;
    const int8_t *b = input2 + it.offset2;
    for (int32_t i = 0; i < inner; ++i) {
      const int32_t sa = table1[(uint8_t)*a];
      const int32_t sb = table2[(uint8_t)*b];
      const int32_t raw = subtract ? sa - sb : sa + sb;
      const int32_t out = an_requantize(raw, multiplier, shift) + output_offset;
      *output++ = (int8_t)an_clamp(out, act_min, act_max);
      a += step1;
      b += step2;
    }
    an_broadcast_next(&s, &it);
  }
}

void an_add_s8(const an_add_params *p, const int8_t *input1, const int8_t *input2, int8_t *output,
               const int32_t *table1, const int32_t *table2) {
  an_add_sub_s8(p, input1, input2, output, table1, table2, 0);
}

void an_sub_s8(const an_add_params *p, const int8_t *input1, const int8_t *input2, int8_t *output,
               const int32_t *table1, const int32_t *table2) {
  an_add_sub_s8(p, input1, input2, output, table1, table2, 1);
}

void an_mul_s8(const an_mul_params *p, const int8_t *input1, const int8_t *input2, int8_t *output) {
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
    const int8_t *a = input1 + it.offset1;
    const int8_t *b = input2 + it.offset2;
    for (int32_t i = 0; i < inner; ++i) {
      const int32_t product = (offset1 + (int32_t)*a) * (offset2 + (int32_t)*b);
      const int32_t out = an_requantize(product, multiplier, shift) + output_offset;
      *output++ = (int8_t)an_clamp(out, act_min, act_max);
      a += step1;
      b += step2;
    }
    an_broadcast_next(&s, &it);
  }
}
