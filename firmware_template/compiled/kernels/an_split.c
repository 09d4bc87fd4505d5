// attendnets compiled runtime: SPLIT, SPLIT_V, UNPACK, PACK (see an_split.h).
#include "an_split.h"

void an_copy(void *output, const void *input, int32_t bytes) {
  memcpy(output, input, (size_t)bytes);
}

void an_split(const an_split_params *p, const void *input, void *const *outputs, const int32_t *part_bytes) {
  const uint8_t *in = (const uint8_t *)input;
  for (int32_t o = 0; o < p->outer; ++o) {
    for (int32_t k = 0; k < p->parts; ++k) {
      const int32_t n = part_bytes[k];
      memcpy((uint8_t *)outputs[k] + (size_t)o * (size_t)n, in, (size_t)n);
      in += n;
    }
  }
}

void an_join(const an_split_params *p, const void *const *inputs, const int32_t *part_bytes, void *output) {
  uint8_t *out = (uint8_t *)output;
  for (int32_t o = 0; o < p->outer; ++o) {
    for (int32_t k = 0; k < p->parts; ++k) {
      const int32_t n = part_bytes[k];
      memcpy(out, (const uint8_t *)inputs[k] + (size_t)o * (size_t)n, (size_t)n);
      out += n;
    }
  }
}
