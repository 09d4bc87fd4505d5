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

// LOG_SOFTMAX int8 -> int8 (output scale 16/256, zero point 127), TFLM's LogSoftmaxQuantized: the sum of
// exp_table[max - x] in Q12.19, its log in Q5.26 (gemmlowp's log_x_for_x_greater_than_or_equal_to_1), then per
// value (x - max rescaled to Q5.26: diff_table[max - x]) - log, rounded by 2^22, + 127; -128 at or below
// max(diff_min - 1, the log's rescaled bound).
typedef struct {
  int32_t outer, depth;
  int32_t diff_min;                 // TFLM's -CalculateInputRadius(5, input_left_shift)
  int32_t reverse_scaling_divisor;  // the Q5.26 -> input difference multiplier and shift
  int32_t reverse_scaling_shift;
} an_log_softmax_params;

// output may be input's buffer (each row is read fully before it is written).
void an_log_softmax_s8(const an_log_softmax_params *params, const int8_t *input, int8_t *output,
                       const int32_t *exp_table, const int32_t *diff_table);

#endif  // AN_SOFTMAX_H_
