// attendnets compiled runtime: FULLY_CONNECTED float32 (see an_fully_connected_f32.h).
// No fused multiply-add: each product is rounded before it is added, as TFLM's reference
// order computes it in the tflite-micro interpreter.
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
#include "an_fully_connected_f32.h"

void an_fully_connected_f32(const an_fc_f32_params *p, const float *input, const float *weights, const float *bias,
                            float *output) {
  for (int32_t b = 0; b < p->batches; ++b) {
    const float *x = input + b * p->accum_depth;
    for (int32_t c = 0; c < p->output_depth; ++c) {
      const float *w = weights + c * p->accum_depth;
      float total = 0.0f;
      for (int32_t d = 0; d < p->accum_depth; ++d) total += x[d] * w[d];
      float v = total + (bias ? bias[c] : 0.0f);
      v = (v < p->act_min) ? p->act_min : v;
      v = (p->act_max < v) ? p->act_max : v;
      *output++ = v;
    }
  }
}
