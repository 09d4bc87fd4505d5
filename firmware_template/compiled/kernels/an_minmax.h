// attendnets compiled runtime: MAXIMUM and MINIMUM with broadcasting (TFLM's reference
// MaximumMinimumBroadcastSlow): out = a > b ? a : b (MAXIMUM), a < b ? a : b (MINIMUM) on the
// raw values, no requantization (as TFLM), for int8, int16, int32, int64 and float32 (a NaN in the
// first input is kept unless the second compares; as TFLM's operators).
#ifndef AN_MINMAX_H_
#define AN_MINMAX_H_

#include "an_broadcast.h"

typedef struct {
  an_broadcast_shape shape;
} an_minmax_params;

void an_maximum_s8(const an_minmax_params *p, const int8_t *input1, const int8_t *input2, int8_t *output);
void an_minimum_s8(const an_minmax_params *p, const int8_t *input1, const int8_t *input2, int8_t *output);
void an_maximum_s16(const an_minmax_params *p, const int16_t *input1, const int16_t *input2, int16_t *output);
void an_minimum_s16(const an_minmax_params *p, const int16_t *input1, const int16_t *input2, int16_t *output);
void an_maximum_s32(const an_minmax_params *p, const int32_t *input1, const int32_t *input2, int32_t *output);
void an_minimum_s32(const an_minmax_params *p, const int32_t *input1, const int32_t *input2, int32_t *output);
void an_maximum_f32(const an_minmax_params *p, const float *input1, const float *input2, float *output);
void an_minimum_f32(const an_minmax_params *p, const float *input1, const float *input2, float *output);
void an_maximum_s64(const an_minmax_params *p, const int64_t *input1, const int64_t *input2, int64_t *output);
void an_minimum_s64(const an_minmax_params *p, const int64_t *input1, const int64_t *input2, int64_t *output);

#endif  // AN_MINMAX_H_
