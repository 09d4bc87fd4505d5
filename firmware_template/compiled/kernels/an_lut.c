// attendnets compiled runtime: table look-up kernels (see an_lut.h).
#include "an_lut.h"

#include "an_common.h"

void an_lut_s8(const int8_t *input, int8_t *output, int32_t size, const int8_t *table) {
  int32_t i = 0;
#if AN_USE_DSP
  // Four bytes per pass: one word load, the four indices by UXTB with ROR (the last by LSR #24), four byte
  // loads from the table in a row (a load after a load takes one cycle), the results packed by ORR with
  // LSL into one word store after the word was read (input and output may be the same buffer).
  const uint8_t *t = (const uint8_t *)table;
  for (; i + 4 <= size; i += 4) {
    uint32_t w;
    memcpy(&w, input + i, 4);
    const uint32_t r0 = t[w & 0xFFu], r1 = t[(w >> 8) & 0xFFu], r2 = t[(w >> 16) & 0xFFu], r3 = t[w >> 24];
    const uint32_t r = r0 | r1 << 8 | r2 << 16 | r3 << 24;
    memcpy(output + i, &r, 4);
  }
#endif
  for (; i < size; ++i) {
    output[i] = table[(uint8_t)input[i]];
  }
}

void an_lut_s8_f32(const int8_t *input, float *output, int32_t size, const float *table) {
  for (int32_t i = 0; i < size; ++i) {
    output[i] = table[(uint8_t)input[i]];
  }
}
