// attendnets compiled runtime: table look-up kernels (see an_lut.h).
#include "an_lut.h"

void an_lut_s8(const int8_t *input, int8_t *output, int32_t size, const int8_t *table) {
  for (int32_t i = 0; i < size; ++i) {
    output[i] = table[(uint8_t)input[i]];
  }
}

void an_lut_s8_f32(const int8_t *input, float *output, int32_t size, const float *table) {
  for (int32_t i = 0; i < size; ++i) {
    output[i] = table[(uint8_t)input[i]];
  }
}
