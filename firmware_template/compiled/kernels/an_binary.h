// attendnets compiled runtime: int8 ADD, SUB, MUL with broadcasting and fused activation.
// Bit-exact with TFLM's reference kernels (reference_integer_ops::Add / reference_ops
// Sub / reference_integer_ops::Mul). All multipliers, shifts, offsets and the broadcast
// walk are computed at generation time (codegen/compiled/ops/binary.py).
#ifndef AN_BINARY_H_
#define AN_BINARY_H_

#include <stdint.h>

#include "an_broadcast.h"

// ADD and SUB: each input rescaled to a common scale with 20 bits of headroom,
// added/subtracted, rescaled to the output. The rescaled input depends on its byte alone:
// generation time computes it for all 256 bytes with TFLM's arithmetic
// (MultiplyByQuantizedMultiplier((x - zero_point) << 20, ...)), doubled, and negated in SUB's
// table2; the kernel looks them up in table1[(uint8_t)x] and table2[(uint8_t)y] and adds them
// (an_binary.c: twice the sum is the operand of its first rounding).
typedef struct {
  int32_t output_offset;  // output zero point
  int32_t output_multiplier;
  int32_t output_shift;
  int32_t activation_min;
  int32_t activation_max;
  an_broadcast_shape shape;
} an_add_params;

typedef struct {
  int32_t input1_offset;  // -input1 zero point
  int32_t input2_offset;
  int32_t output_offset;
  int32_t output_multiplier;
  int32_t output_shift;
  int32_t activation_min;
  int32_t activation_max;
  an_broadcast_shape shape;
} an_mul_params;

// ADD and SUB where generation time proved, for all 65536 (a, b) byte pairs, that TFLM's output equals
// clamp((floor(coef1 * a / 2^8) + floor(coef2 * b / 2^8) + bias) >> AN_ADD_AFFINE_SHIFT, activation range)
// (codegen/compiled/ops/binary.py affine_add_form: TFLM's arithmetic is that affine function of the two
// bytes up to roundings far finer than its output step; SUB: coef2 < 0).  The kernel (an_add_affine_s8)
// needs no tables: two SMLAWB/SMLAWT on bytes held in the top half of int16 lanes, one SSAT with the shift.
#define AN_ADD_AFFINE_SHIFT 20
typedef struct {
  int32_t coef1;  // input1's slope times 2^(8 + AN_ADD_AFFINE_SHIFT), an int32
  int32_t coef2;  // input2's
  int32_t bias;   // the offsets, the output zero point and the rounding, times 2^AN_ADD_AFFINE_SHIFT
  int32_t activation_min;
  int32_t activation_max;
  an_broadcast_shape shape;
} an_add_affine_params;

// output may be the buffer of an input that is not broadcast.
void an_add_affine_s8(const an_add_affine_params *params, const int8_t *input1, const int8_t *input2, int8_t *output);
void an_add_s8(const an_add_params *params, const int8_t *input1, const int8_t *input2, int8_t *output,
               const int32_t *table1, const int32_t *table2);
void an_sub_s8(const an_add_params *params, const int8_t *input1, const int8_t *input2, int8_t *output,
               const int32_t *table1, const int32_t *table2);
void an_mul_s8(const an_mul_params *params, const int8_t *input1, const int8_t *input2, int8_t *output);

#endif  // AN_BINARY_H_
