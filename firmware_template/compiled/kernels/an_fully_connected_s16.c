// attendnets compiled runtime: FULLY_CONNECTED 16x8 (see an_fully_connected_s16.h).
#include "an_fully_connected_s16.h"

void an_fully_connected_s16_acc64(const an_fc_s16_params *p, const int16_t *input, const int8_t *weights,
                                  const int64_t *bias, int16_t *output) {
  for (int32_t b = 0; b < p->batches; ++b) {
    const int16_t *x = input + b * p->accum_depth;
    for (int32_t c = 0; c < p->output_depth; ++c) {
      const int8_t *w = weights + c * p->accum_depth;
      int64_t acc = 0;
      for (int32_t d = 0; d < p->accum_depth; ++d) acc += (int64_t)((w[d] + p->weights_offset) * x[d]);
      if (bias) acc += bias[c];
      const int32_t v = an_requantize64(acc, p->multipliers[c], p->shifts[c]) + p->output_offset;
      *output++ = (int16_t)an_clamp(v, p->act_min, p->act_max);
    }
  }
}

void an_fully_connected_s16_acc32(const an_fc_s16_params *p, const int16_t *input, const int8_t *weights,
                                  const int32_t *bias, int16_t *output) {
  for (int32_t b = 0; b < p->batches; ++b) {
    const int16_t *x = input + b * p->accum_depth;
    for (int32_t c = 0; c < p->output_depth; ++c) {
      const int8_t *w = weights + c * p->accum_depth;
      uint32_t acc = bias ? (uint32_t)bias[c] : 0u;  // TFLM's int32 accumulator wraps
      for (int32_t d = 0; d < p->accum_depth; ++d) acc += (uint32_t)((w[d] + p->weights_offset) * x[d]);
      const int32_t v = an_requantize((int32_t)acc, p->multipliers[c], p->shifts[c]) + p->output_offset;
      *output++ = (int16_t)an_clamp(v, p->act_min, p->act_max);
    }
  }
}
