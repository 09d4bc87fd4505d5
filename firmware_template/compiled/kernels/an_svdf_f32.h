// attendnets compiled runtime: SVDF float32, as TFLM's EvalFloatSvdfReference (svdf_common.cc):
// the same order of operations (products rounded before each addition, fp-contract off).
#ifndef AN_SVDF_F32_H_
#define AN_SVDF_F32_H_

#include "an_common.h"

typedef struct {
  int32_t batches, input_size, filters, units, rank, memory;
  int32_t activation;  // 0 none, 1 RELU, 2 RELU_N1_TO_1, 3 RELU6 (TFLM's ActivationValFloat)
} an_svdf_f32_params;

// Scratch bytes: one float per filter of each batch.
#define AN_SVDF_F32_SCRATCH_BYTES(batches, filters) ((size_t)(batches) * (filters)*4u)

// state: [batches][filters][memory] kept between invocations; bias: [units] or NULL.
void an_svdf_f32(const an_svdf_f32_params *p, const float *input, const float *weights_feature,
                 const float *weights_time, const float *bias, float *state, float *scratch, float *output);

#endif  // AN_SVDF_F32_H_
