// attendnets compiled runtime: FULLY_CONNECTED 16x8: int16 activations, int8 weights (TFLM's
// reference_integer_ops::FullyConnected / FullyConnectedPerChannel with int16 input and output).
#ifndef AN_FULLY_CONNECTED_S16_H_
#define AN_FULLY_CONNECTED_S16_H_

#include "an_common.h"

// Everything computed at generation time; the input zero point is folded into the bias as
// for int8. Requantization per output channel (per-tensor weights repeat one pair).
typedef struct {
  int32_t batches;           // rows of the input (output elements / output_depth)
  int32_t accum_depth;       // weights' last dimension
  int32_t output_depth;      // output channels
  int32_t weights_offset;    // -weights zero point (per-tensor weights only; 0 per channel)
  int32_t output_offset;     // output zero point
  int32_t act_min, act_max;  // fused activation, quantized
  const int32_t *multipliers;
  const int32_t *shifts;
} an_fc_s16_params;

// int64 bias (TFLite's 16x8 default): int64 accumulator, an_requantize64.
void an_fully_connected_s16_acc64(const an_fc_s16_params *p, const int16_t *input, const int8_t *weights,
                                  const int64_t *bias, int16_t *output);
// int32 bias (or none with an int32 quantized bias type): int32 accumulator, an_requantize.
void an_fully_connected_s16_acc32(const an_fc_s16_params *p, const int16_t *input, const int8_t *weights,
                                  const int32_t *bias, int16_t *output);

#endif  // AN_FULLY_CONNECTED_S16_H_
