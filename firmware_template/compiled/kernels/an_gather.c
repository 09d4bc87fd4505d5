// attendnets compiled runtime: GATHER and GATHER_ND (see an_gather.h).
#include "an_gather.h"

void an_gather(const an_gather_params *p, const void *input, const int32_t *coords, void *output) {
  const uint8_t *in = (const uint8_t *)input;
  uint8_t *out = (uint8_t *)output;
  const size_t block = (size_t)p->inner_bytes;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int32_t *c = coords + b * p->coord_count;
    for (int32_t o = 0; o < p->outer; ++o) {
      const uint8_t *base = in + (size_t)(b * p->outer + o) * (size_t)p->axis_size * block;
      for (int32_t k = 0; k < p->coord_count; ++k, out += block) {
        const int32_t index = c[k];
        if (index >= 0 && index < p->axis_size) {
          memcpy(out, base + (size_t)index * block, block);
        } else {
          memset(out, 0, block);
        }
      }
    }
  }
}

void an_gather_nd(const an_gather_nd_params *p, const void *input, const int32_t *indices, void *output) {
  const uint8_t *in = (const uint8_t *)input;
  uint8_t *out = (uint8_t *)output;
  const size_t slice = (size_t)p->slice_elements * (size_t)p->element_bytes;
  for (int32_t i = 0; i < p->slices; ++i, out += slice) {
    int32_t from = 0;
    for (int32_t j = 0; j < p->nd; ++j) from += indices[i * p->nd + j] * p->strides[j];
    if (from < 0 || from + p->slice_elements > p->input_elements) {
      memset(out, 0, slice);
    } else {
      memcpy(out, in + (size_t)from * (size_t)p->element_bytes, slice);
    }
  }
}
