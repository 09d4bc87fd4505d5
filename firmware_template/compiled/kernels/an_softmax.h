// attendnets compiled runtime: SOFTMAX, int8 input, int8 or int16 output.
// Bit-exact with TFLM's reference_ops::Softmax for quantized input: exp of the
// difference to the row maximum in gemmlowp fixed point (Q5.26 in, Q0.31 out), summed in
// Q12.19, one reciprocal per row, outputs on the scale 1/256 (zero point -128) or
// 1/65536 (zero point -32768). The exp of each of the 256 possible differences is
// computed at generation time (codegen/compiled/ops/softmax.py): exp_table[max - x]
// (0 where TFLM skips the difference as below diff_min).
#ifndef AN_SOFTMAX_H_
#define AN_SOFTMAX_H_

#include <stdint.h>

typedef struct {
  int32_t outer;  // rows (product of all but the last dimension)
  int32_t depth;  // last dimension
} an_softmax_params;

// output may be input's buffer.
void an_softmax_s8(const an_softmax_params *params, const int8_t *input, int8_t *output, const int32_t *exp_table);
void an_softmax_s8_s16(const an_softmax_params *params, const int8_t *input, int16_t *output, const int32_t *exp_table);

#endif  // AN_SOFTMAX_H_
