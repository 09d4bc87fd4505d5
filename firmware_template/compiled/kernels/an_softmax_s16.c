// attendnets compiled runtime: SOFTMAX int16 (see an_softmax_s16.h).
#include "an_softmax_s16.h"

#include "an_common.h"

// TFLM's LUTLookup: 512 segments of 128 values, linear interpolation rounded.
static int16_t an_softmax_lut(int16_t value, const int16_t *table) {
  const int32_t index = 256 + (value >> 7);
  const int32_t offset = value & 0x7F;
  const int32_t base = table[index];
  const int32_t slope = table[index + 1] - base;
  return (int16_t)(base + ((slope * offset + 64) >> 7));
}

static int32_t an_softmax_clz32(uint32_t x) {
  int32_t n = 0;
  if (x == 0) return 32;
  while (!(x & 0x80000000u)) {
    x <<= 1;
    ++n;
  }
  return n;
}

void an_softmax_s16(const an_softmax_s16_params *p, const int16_t *input, int16_t *output) {
  const int32_t depth = p->depth;
  for (int32_t i = 0; i < p->outer; ++i) {
    const int16_t *x = input + i * depth;
    int16_t *y = output + i * depth;
    int32_t max_in_row = -32768;
    for (int32_t c = 0; c < depth; ++c) max_in_row = AN_MAX(max_in_row, (int32_t)x[c]);
    int32_t sum_of_exps = 0;  // Q16.15
    for (int32_t c = 0; c < depth; ++c) {
      const int32_t scaled = an_requantize((int32_t)x[c] - max_in_row, p->input_multiplier, p->input_shift);
      const int16_t e = an_softmax_lut((int16_t)an_clamp(scaled + 32767, -32768, 32767), p->exp_table);
      y[c] = e;  // the exp values wait in the output (TFLM's order)
      sum_of_exps += e;
    }
    const int32_t headroom_plus_one = an_softmax_clz32((uint32_t)sum_of_exps);
    const int32_t shifted_sum = (int32_t)((((int64_t)sum_of_exps << (headroom_plus_one - 1)) + (1 << 13)) >> 14);
    const int32_t sym_shifted_sum = shifted_sum - ((1 << 15) + (1 << 16));
    const int16_t reciprocal =
        an_softmax_lut((int16_t)an_clamp(sym_shifted_sum, -32768, 32767), p->one_over_one_plus_x_table);
    const int32_t right_shift = 31 - headroom_plus_one;
    const int64_t round = (int64_t)1 << (right_shift - 1);
    for (int32_t c = 0; c < depth; ++c) {
      const int32_t result = (int32_t)(((int64_t)y[c] * reciprocal + round) >> right_shift);
      y[c] = (int16_t)an_clamp(result, 0, 32767);
    }
  }
}
