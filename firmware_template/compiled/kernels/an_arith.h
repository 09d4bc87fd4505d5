// attendnets compiled runtime: DIV and SQUARED_DIFFERENCE with broadcasting, as TFLM's reference kernels
// (div.cc, squared_difference.cc, floor_div.cc, floor_mod.cc): float32 (the quotient / square clamped to the fused
// activation's range, FLT_MAX for an unbounded one as TFLM's ActivationFunctionWithMinMax), int32 (C division toward
// zero; wrapping square), int8 DIV (TFLM's DivElementwise: the divisor's Q31 reciprocal, from a table of the 256
// divisors, times the dividend brought to full headroom; a final shift past 31 as the tflite-micro interpreter's x86
// build computes it: count mod 32, +1 for a non-negative value), int8 / int16 SQUARED_DIFFERENCE (inputs rescaled to a
// common scale; int8 by tables of the 256 values).  float32 and int32 SQUARED_DIFFERENCE have no activation (their
// params' bounds are unused).
#ifndef AN_ARITH_H_
#define AN_ARITH_H_

#include "an_broadcast.h"
#include "an_common.h"

typedef struct {
  an_broadcast_shape shape;
  float activation_min, activation_max;
} an_arith_f32_params;

typedef struct {
  an_broadcast_shape shape;
  int32_t activation_min, activation_max;
} an_arith_s32_params;

// int8 DIV: table of the divisor's (reciprocal, shift) per stored value (index value + 128), sign folded in.
typedef struct {
  an_broadcast_shape shape;
  int32_t input1_offset;  // -input1 zero point
  int32_t output_offset;  // output zero point
  int32_t output_multiplier, output_shift;
  int32_t activation_min, activation_max;
  const int32_t *reciprocals;  // [256] Q0.31 reciprocal of |value - zero point| (0 where it is 0)
  const int8_t *shifts;        // [256] its shift (num_bits_over_unit)
  const int8_t *signs;         // [256] -1 where value - zero point < 0, else 1
} an_div_s8_params;

// Quantized SQUARED_DIFFERENCE.  int8: scaled1/scaled2 tables [256] of each input's rescaled value;
// int16: multipliers applied per element (left shift 0).
typedef struct {
  an_broadcast_shape shape;
  const int32_t *scaled1, *scaled2;         // int8 only
  int32_t input1_multiplier, input1_shift;  // int16 only
  int32_t input2_multiplier, input2_shift;  // int16 only
  int32_t output_multiplier, output_shift, output_offset;
  int32_t activation_min, activation_max;
} an_squared_difference_params;

// PRELU: x >= 0 ? x : x * alpha, alpha broadcast (input2).  Quantized: TFLM's two multipliers (input -> output,
// input * alpha -> output); int16 input with int8 alpha.
typedef struct {
  an_broadcast_shape shape;
  int32_t input_offset, alpha_offset, output_offset;
  int32_t multiplier_positive, shift_positive;
  int32_t multiplier_negative, shift_negative;
} an_prelu_params;

void an_prelu_f32(const an_prelu_params *p, const float *input1, const float *input2, float *output);
void an_prelu_s8(const an_prelu_params *p, const int8_t *input1, const int8_t *input2, int8_t *output);
void an_prelu_s16(const an_prelu_params *p, const int16_t *input1, const int8_t *input2, int16_t *output);
void an_div_f32(const an_arith_f32_params *p, const float *input1, const float *input2, float *output);
void an_div_s32(const an_arith_s32_params *p, const int32_t *input1, const int32_t *input2, int32_t *output);
void an_div_s8(const an_div_s8_params *p, const int8_t *input1, const int8_t *input2, int8_t *output);
// FLOOR_DIV: (float)floor((double)a / (double)b); FLOOR_MOD: fmodf(a, b), plus b where that is non-zero and
// its sign differs from b's (TFLM's FloorDiv / FloorMod).  The params' activation bounds are unused.
void an_floor_div_f32(const an_arith_f32_params *p, const float *input1, const float *input2, float *output);
void an_floor_mod_f32(const an_arith_f32_params *p, const float *input1, const float *input2, float *output);
void an_squared_difference_f32(const an_arith_f32_params *p, const float *input1, const float *input2, float *output);
void an_squared_difference_s32(const an_arith_s32_params *p, const int32_t *input1, const int32_t *input2,
                               int32_t *output);
void an_squared_difference_s8(const an_squared_difference_params *p, const int8_t *input1, const int8_t *input2,
                              int8_t *output);
void an_squared_difference_s16(const an_squared_difference_params *p, const int16_t *input1, const int16_t *input2,
                               int16_t *output);

#endif  // AN_ARITH_H_
