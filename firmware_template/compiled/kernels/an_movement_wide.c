// attendnets compiled runtime: the strided copy walk over 2- and 4-byte elements (see an_movement_wide.h).
#include "an_movement_wide.h"

void an_strided_slice_b8(const an_strided_slice_params *p, const void *input, void *output) {
  AN_STRIDED_WALK(uint8_t, p, (const uint8_t *)input, (uint8_t *)output);
}

void an_strided_slice_b16(const an_strided_slice_params *p, const void *input, void *output) {
  AN_STRIDED_WALK(uint16_t, p, (const uint16_t *)input, (uint16_t *)output);
}

void an_strided_slice_b32(const an_strided_slice_params *p, const void *input, void *output) {
  AN_STRIDED_WALK(uint32_t, p, (const uint32_t *)input, (uint32_t *)output);
}

void an_strided_slice_b64(const an_strided_slice_params *p, const void *input, void *output) {
  AN_STRIDED_WALK(uint64_t, p, (const uint64_t *)input, (uint64_t *)output);
}

void an_concatenation_bytes(const an_concatenation_params *p, const void *const *inputs, const int32_t *copy_bytes,
                            void *output) {
  uint8_t *out = (uint8_t *)output;
  for (int32_t o = 0; o < p->outer; ++o) {
    for (int32_t k = 0; k < p->inputs; ++k) {
      const int32_t n = copy_bytes[k];
      memcpy(out, (const uint8_t *)inputs[k] + o * n, (size_t)n);
      out += n;
    }
  }
}
