// attendnets compiled runtime: int16 / float32 LOGISTIC, TANH, HARD_SWISH, ELU, LEAKY_RELU (see
// an_activation_wide.h).
#include "an_activation_wide.h"

#include <math.h>

#include "an_common.h"

void an_logistic_s16(const an_activation_wide_params *p, const int16_t *input, int16_t *output) {
  const int32_t multiplier = p->multiplier, shift = p->shift;
  const int32_t round = shift > 0 ? (int32_t)1 << (shift - 1) : 0;
  const uint16_t *table = p->sigmoid_table;
  for (int32_t i = 0; i < p->size; ++i) {
    output[i] = an_sigmoid_table_s16((input[i] * multiplier + round) >> shift, table);
  }
}

void an_tanh_s16(const an_activation_wide_params *p, const int16_t *input, int16_t *output) {
  const int32_t multiplier = p->multiplier, shift = p->shift;
  const int32_t round = shift > 0 ? (int32_t)1 << (shift - 1) : 0;
  const uint16_t *table = p->sigmoid_table;
  for (int32_t i = 0; i < p->size; ++i) {
    output[i] = an_tanh_table_s16((input[i] * multiplier + round) >> shift, table);
  }
}

void an_leaky_relu_s16(const an_activation_wide_params *p, const int16_t *input, int16_t *output) {
  for (int32_t i = 0; i < p->size; ++i) {
    const int32_t x = (int32_t)input[i] - p->input_offset;
    int32_t out = p->output_offset;
    if (x >= 0) {
      out += an_requantize(x, p->multiplier, p->shift);
    } else {
      const int32_t scaled = an_requantize(x, p->alpha_multiplier, p->alpha_shift);
      out += p->alpha_negative ? -scaled : scaled;
    }
    output[i] = (int16_t)an_clamp(out, -32768, 32767);
  }
}

void an_logistic_f32(const an_activation_wide_params *p, const float *input, float *output) {
  for (int32_t i = 0; i < p->size; ++i) {
    const float v = input[i];
    float result;
    if (v > 16.619047164916992188f) {
      result = 1.0f;
    } else if (v < -9.0f) {
      result = expf(v);
    } else {
      result = 1.0f / (1.0f + expf(-v));
    }
    output[i] = result;
  }
}

void an_tanh_f32(const an_activation_wide_params *p, const float *input, float *output) {
  for (int32_t i = 0; i < p->size; ++i) output[i] = tanhf(input[i]);
}

void an_hard_swish_f32(const an_activation_wide_params *p, const float *input, float *output) {
  for (int32_t i = 0; i < p->size; ++i) {
    const float v = input[i];
    const float shifted = v + 3.0f;
    const float relu = 0.0f < shifted ? shifted : 0.0f;  // std::max(0.f, v + 3)
    const float relu6 = relu < 6.0f ? relu : 6.0f;       // std::min(6.f, ...)
    output[i] = v * relu6 / 6.0f;
  }
}

void an_elu_f32(const an_activation_wide_params *p, const float *input, float *output) {
  for (int32_t i = 0; i < p->size; ++i) {
    const float v = input[i];
    output[i] = v < 0.0f ? expm1f(v) : v;
  }
}

void an_leaky_relu_f32(const an_activation_wide_params *p, const float *input, float *output) {
  const float alpha = p->alpha;
  for (int32_t i = 0; i < p->size; ++i) {
    const float v = input[i];
    output[i] = v > 0.0f ? v : v * alpha;
  }
}
