// attendnets compiled runtime: element-wise functions of one tensor, as TFLM's reference kernels
// (elementwise.cc, exp.cc, neg.cc, floor.cc, ceil.cc, round.cc): float32 ABS, NEG, SQRT, RSQRT (1 / sqrt),
// SQUARE, EXP, LOG, SIN, COS, FLOOR, CEIL, ROUND
// through the C library's float functions (fabsf, sqrtf, expf, logf, sinf, cosf: what std::abs/sqrt/exp/
// log/sin/cos call for a float); int16 ABS (unquantized, or zero points 0 with an output rescale).
// int8 ABS and RSQRT are 256-entry tables (an_lut.c).
#ifndef AN_MATH_H_
#define AN_MATH_H_

#include "an_common.h"

void an_abs_f32(const float *input, int32_t count, float *output);
void an_neg_f32(const float *input, int32_t count, float *output);
void an_sqrt_f32(const float *input, int32_t count, float *output);
void an_rsqrt_f32(const float *input, int32_t count, float *output);
void an_square_f32(const float *input, int32_t count, float *output);
void an_exp_f32(const float *input, int32_t count, float *output);
void an_log_f32(const float *input, int32_t count, float *output);
void an_sin_f32(const float *input, int32_t count, float *output);
void an_cos_f32(const float *input, int32_t count, float *output);
// FLOOR, CEIL (floorf, ceilf) and ROUND (TFLM's RoundToNearest: floorf, then half to even).
void an_floor_f32(const float *input, int32_t count, float *output);
void an_ceil_f32(const float *input, int32_t count, float *output);
void an_round_f32(const float *input, int32_t count, float *output);
// multiplier 0: no rescale; saturate 1 (quantized): |x| clamped to INT16_MAX, 0 (unquantized): wrapped as
// TFLM stores std::abs of an int16 (|INT16_MIN| -> INT16_MIN).
void an_abs_s16(const int16_t *input, int32_t count, int32_t multiplier, int32_t shift, int32_t saturate,
                int16_t *output);

// L2_NORMALIZATION over the innermost dimension (depth) of `outer` rows.  float32: x / max(sqrt(sum x^2),
// 1e-6) (sum in order); int8: TFLM's fixed-point inverse square root of sum (x - zero point)^2, output in
// 1/128 steps (zero point 0: TFLM ignores the output's quantization).
void an_l2norm_f32(const float *input, int32_t outer, int32_t depth, float *output);
void an_l2norm_s8(const int8_t *input, int32_t outer, int32_t depth, int32_t input_zero_point, int8_t *output);

#endif  // AN_MATH_H_
