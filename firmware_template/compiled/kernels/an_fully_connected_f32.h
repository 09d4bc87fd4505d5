// attendnets compiled runtime: FULLY_CONNECTED float32 (TFLM's reference_ops::FullyConnected):
// per output, total = 0.f; total += x[d] * w[c][d] in order of d; then total + bias, clamped
// to the fused activation's range as ActivationFunctionWithMinMax (NaN passes through).
// Products are rounded before each addition (no fused multiply-add: the file is compiled
// with fp-contract off), as the tflite-micro interpreter computes them.
#ifndef AN_FULLY_CONNECTED_F32_H_
#define AN_FULLY_CONNECTED_F32_H_

#include <stdint.h>

typedef struct {
  int32_t batches;
  int32_t accum_depth;
  int32_t output_depth;
  float act_min, act_max;  // fused activation (-FLT_MAX..FLT_MAX for none)
} an_fc_f32_params;

// weights: [output_depth][accum_depth]; bias: [output_depth] or NULL.
void an_fully_connected_f32(const an_fc_f32_params *p, const float *input, const float *weights, const float *bias,
                            float *output);

#endif  // AN_FULLY_CONNECTED_F32_H_
