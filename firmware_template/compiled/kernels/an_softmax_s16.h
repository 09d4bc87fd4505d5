// attendnets compiled runtime: SOFTMAX int16 -> int16, bit-exact with TFLM's reference_ops::SoftmaxInt16.
// Per row: the difference to the row maximum requantized so that [-65535, 0] spans [-10, 0] (input
// multiplier and shift from beta * input scale), recentred, and exp read from TFLM's 513-entry
// interpolated table; the Q16.15 sum normalized by its leading zeros, 1 / (1 + x) read from the second
// table, each exp scaled by it; output on the scale 1/32768, zero point 0, clamped to [0, 32767].
// Both tables are TFLM's LUTPopulate<int16_t> of exp and 1 / (1 + x), computed at generation time
// (codegen/compiled/ops/softmax.py).
#ifndef AN_SOFTMAX_S16_H_
#define AN_SOFTMAX_S16_H_

#include <stdint.h>

typedef struct {
  int32_t outer;             // rows (product of all but the last dimension)
  int32_t depth;             // last dimension
  int32_t input_multiplier;  // MultiplyByQuantizedMultiplier of the difference to the row maximum
  int32_t input_shift;
  const int16_t *exp_table;                  // 513 entries: exp on [-10, 0]
  const int16_t *one_over_one_plus_x_table;  // 513 entries: 1 / (1 + x) on [0, 1]
} an_softmax_s16_params;

// output may be input's buffer.
void an_softmax_s16(const an_softmax_s16_params *params, const int16_t *input, int16_t *output);

#endif  // AN_SOFTMAX_S16_H_
