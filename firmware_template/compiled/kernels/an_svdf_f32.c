// attendnets compiled runtime: SVDF float32 (see an_svdf_f32.h). No fused multiply-add: each
// product is rounded before it is added, in TFLM's reference order.
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
#include "an_svdf_f32.h"

// TFLM's TfLiteMax/TfLiteMin: (a > b ? a : b), (a < b ? a : b) (what a NaN gives follows from them).
static float an_activation_f32(int32_t activation, float a) {
  switch (activation) {
    case 1:
      return 0.0f > a ? 0.0f : a;
    case 2:
      a = a < 1.0f ? a : 1.0f;
      return -1.0f > a ? -1.0f : a;
    case 3:
      a = a < 6.0f ? a : 6.0f;
      return 0.0f > a ? 0.0f : a;
    default:
      return a;
  }
}

void an_svdf_f32(const an_svdf_f32_params *p, const float *input, const float *weights_feature,
                 const float *weights_time, const float *bias, float *state, float *scratch, float *output) {
  const int32_t filters = p->filters, memory = p->memory, units = p->units;
  const int32_t total = p->batches * filters * memory;
  for (int32_t i = 0; i + 1 < total; ++i) state[i] = state[i + 1];
  for (int32_t b = 0; b < p->batches; ++b) {
    const float *w = weights_feature;
    float *newest = state + b * filters * memory + (memory - 1);
    for (int32_t f = 0; f < filters; ++f) {
      const float *x = input + b * p->input_size;
      float dot = 0.0f;
      for (int32_t c = 0; c < p->input_size; ++c) dot += *w++ * *x++;
      *newest = dot;
      newest += memory;
    }
  }
  for (int32_t b = 0; b < p->batches; ++b) {
    const float *w = weights_time;
    const float *s = state + b * memory * filters;
    float *out = scratch + b * filters;
    for (int32_t f = 0; f < filters; ++f) {
      float dot = 0.0f;
      for (int32_t j = 0; j < memory; ++j) dot += *w++ * *s++;
      out[f] = dot;
    }
  }
  for (int32_t b = 0; b < p->batches; ++b) {
    const float *sums = scratch + b * filters;
    float *out = output + b * units;
    for (int32_t u = 0; u < units; ++u) {
      float v = bias ? bias[u] : 0.0f;
      for (int32_t r = 0; r < p->rank; ++r) v += *sums++;
      out[u] = an_activation_f32(p->activation, v);
    }
  }
}
