// attendnets compiled runtime: SVDF, int8 input/weights/output with an int16 or int8 time
// dimension (time weights and activation state), as TFLM's EvalIntegerSvdfReference (svdf_common.cc).
#ifndef AN_SVDF_H_
#define AN_SVDF_H_

#include "an_common.h"

// Everything computed at generation time (TFLM's PrepareSvdf).
typedef struct {
  int32_t batches;              // input rows
  int32_t input_size;           // input columns
  int32_t filters;              // weights_feature rows (units * rank)
  int32_t units;                // output columns
  int32_t rank;                 // filters per unit
  int32_t memory;               // weights_time columns: the time steps the state keeps
  int32_t input_zero_point;     // input zero point
  int32_t state_zero_point;     // activation state zero point
  int32_t output_zero_point;    // output zero point
  int32_t multiplier1, shift1;  // input * feature weights -> state (effective_scale_1)
  int32_t multiplier2, shift2;  // state * time weights -> output (effective_scale_2)
} an_svdf_params;

// Scratch bytes: one int32 per filter and per unit of each batch.
#define AN_SVDF_SCRATCH_BYTES(batches, filters, units) ((size_t)(batches) * ((filters) + (units)) * 4u)

// state: [batches][filters][memory], kept between invocations (the model's variable tensor):
// shifted left by one value, the newest column written from this input. bias: [units] or NULL.
// The fused activation is not applied (TFLM's integer SVDF clamps to int8 only).
void an_svdf_s8_s16(const an_svdf_params *p, const int8_t *input, const int8_t *weights_feature,
                    const int16_t *weights_time, const int32_t *bias, int16_t *state, void *scratch, int8_t *output);
void an_svdf_s8_s8(const an_svdf_params *p, const int8_t *input, const int8_t *weights_feature,
                   const int8_t *weights_time, const int32_t *bias, int8_t *state, void *scratch, int8_t *output);

#endif  // AN_SVDF_H_
