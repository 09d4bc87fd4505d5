// attendnets compiled runtime: int32 ADD, SUB and MUL at run time (loop counters, index arithmetic), as
// TFLM's reference int32 kernels: the 32-bit result (wrapping: computed in uint32_t, as the
// two's-complement machine does), then clamped to [activation_min, activation_max] (TFLM's int32 ADD
// takes int32's whole range whatever the fused activation; SUB and MUL clamp to it). Broadcasting:
// an_broadcast.h's walk.
#ifndef AN_INT32_H_
#define AN_INT32_H_

#include "an_broadcast.h"

typedef struct {
  int32_t activation_min;
  int32_t activation_max;
  an_broadcast_shape shape;
} an_int32_params;

void an_add_s32(const an_int32_params *p, const int32_t *input1, const int32_t *input2, int32_t *output);
void an_sub_s32(const an_int32_params *p, const int32_t *input1, const int32_t *input2, int32_t *output);
void an_mul_s32(const an_int32_params *p, const int32_t *input1, const int32_t *input2, int32_t *output);

#endif  // AN_INT32_H_
