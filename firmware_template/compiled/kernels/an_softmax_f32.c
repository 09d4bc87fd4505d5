// attendnets compiled runtime: SOFTMAX and LOG_SOFTMAX float32 (see an_softmax_f32.h).
// No fused multiply-add: TFLM's order of float operations, each rounded.
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
#include "an_softmax_f32.h"

#include <float.h>
#include <math.h>

// The row's largest value (from -FLT_MAX, as TFLM starts its maximum).
static inline float an_row_max_f32(const float *x, int32_t depth) {
  float max = -FLT_MAX;
  for (int32_t c = 0; c < depth; ++c) max = (max < x[c]) ? x[c] : max;
  return max;
}

void an_softmax_f32(const an_softmax_f32_params *p, const float *input, float *output) {
  for (int32_t i = 0; i < p->outer; ++i) {
    const float *x = input + i * p->depth;
    float *y = output + i * p->depth;
    const float max = an_row_max_f32(x, p->depth);
    float sum = 0.0f;
    for (int32_t c = 0; c < p->depth; ++c) {
      const float e = expf((x[c] - max) * p->beta);
      y[c] = e;
      sum += e;
    }
    for (int32_t c = 0; c < p->depth; ++c) y[c] = y[c] / sum;
  }
}

void an_log_softmax_f32(const an_softmax_f32_params *p, const float *input, float *output) {
  for (int32_t i = 0; i < p->outer; ++i) {
    const float *x = input + i * p->depth;
    float *y = output + i * p->depth;
    const float max = an_row_max_f32(x, p->depth);
    float sum = 0.0f;
    for (int32_t c = 0; c < p->depth; ++c) sum += expf(x[c] - max);
    const float log_sum = logf(sum);
    for (int32_t c = 0; c < p->depth; ++c) y[c] = x[c] - max - log_sum;
  }
}
