// attendnets compiled runtime: ADD, SUB and MUL of int16 and float32 tensors with broadcasting (an_broadcast.h)
// and fused activations, as TFLM's reference kernels compute them:
// - int16 ADD/SUB: each input (x + input_offset) << left_shift (15), rescaled by its multiplier (below one),
//   summed (or subtracted), rescaled by the output multiplier, + output offset, clamped (an_requantize);
// - int16 MUL: (x1 + offset1) * (x2 + offset2) (int32, wrapping), an_requantize, + output offset, clamped;
// - float32: x1 + x2, x1 - x2, x1 * x2, clamped to the fused activation's range (NaN passes through).
#ifndef AN_BINARY_WIDE_H_
#define AN_BINARY_WIDE_H_

#include <stdint.h>

#include "an_broadcast.h"

typedef struct {
  int32_t input1_offset;  // -zero point
  int32_t input2_offset;
  int32_t output_offset;  // zero point
  int32_t left_shift;     // ADD/SUB
  int32_t input1_multiplier;
  int32_t input1_shift;
  int32_t input2_multiplier;
  int32_t input2_shift;
  int32_t output_multiplier;
  int32_t output_shift;
  int32_t act_min;
  int32_t act_max;
  float float_min;
  float float_max;
  an_broadcast_shape shape;
} an_binary_wide_params;

void an_add_s16(const an_binary_wide_params *p, const int16_t *input1, const int16_t *input2, int16_t *output);
void an_sub_s16(const an_binary_wide_params *p, const int16_t *input1, const int16_t *input2, int16_t *output);
void an_mul_s16(const an_binary_wide_params *p, const int16_t *input1, const int16_t *input2, int16_t *output);
void an_add_f32(const an_binary_wide_params *p, const float *input1, const float *input2, float *output);
void an_sub_f32(const an_binary_wide_params *p, const float *input1, const float *input2, float *output);
void an_mul_f32(const an_binary_wide_params *p, const float *input1, const float *input2, float *output);

#endif  // AN_BINARY_WIDE_H_
