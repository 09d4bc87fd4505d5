// attendnets compiled runtime: RELU / RELU6 int16 and float32 (see an_relu_wide.h).
#include "an_relu_wide.h"

#include "an_common.h"

void an_relu_s16(const an_relu_wide_params *p, const int16_t *input, int16_t *output) {
  for (int32_t i = 0; i < p->size; ++i) {
    const int32_t v = p->output_offset + an_requantize((int32_t)input[i] - p->input_offset, p->multiplier, p->shift);
    output[i] = (int16_t)an_clamp(v, p->act_min, p->act_max);
  }
}

void an_relu6_s16(const an_relu_wide_params *p, const int16_t *input, int16_t *output) {
  for (int32_t i = 0; i < p->size; ++i) {
    const int32_t v = input[i];
    output[i] = (int16_t)(v > p->act_max ? p->act_max : v < p->act_min ? p->act_min : v);
  }
}

void an_relu_f32(const an_relu_wide_params *p, const float *input, float *output) {
  for (int32_t i = 0; i < p->size; ++i) {
    const float v = input[i];
    output[i] = v < 0.0f ? 0.0f : v;
  }
}

void an_relu6_f32(const an_relu_wide_params *p, const float *input, float *output) {
  for (int32_t i = 0; i < p->size; ++i) {
    const float v = input[i];
    output[i] = v > 6.0f ? 6.0f : v < 0.0f ? 0.0f : v;
  }
}
