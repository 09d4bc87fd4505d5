// attendnets compiled runtime: RESIZE_NEAREST_NEIGHBOR / PAD of wide elements (see an_resize_pad_wide.h).
#include "an_resize_pad_wide.h"

void an_resize_nearest_bytes(const an_resize_nearest_params *p, const void *input, void *output,
                             const int32_t *row_offsets, const int32_t *column_offsets) {
  uint8_t *out = (uint8_t *)output;
  for (int32_t b = 0; b < p->batches; ++b) {
    const uint8_t *batch = (const uint8_t *)input + b * p->batch_stride;
    for (int32_t y = 0; y < p->output_height; ++y) {
      const uint8_t *row = batch + row_offsets[y];
      for (int32_t x = 0; x < p->output_width; ++x) {
        memcpy(out, row + column_offsets[x], (size_t)p->depth);
        out += p->depth;
      }
    }
  }
}

// an_movement.h's row copy as one function for both element sizes (not inlined into each).
static void __attribute__((noinline))
an_pad_copy(const an_pad_params *p, const uint8_t *input, uint8_t *output, int32_t element_bytes) {
  an_pad_copy_rows(p, input, output, element_bytes);
}

void an_pad_b16(const an_pad_params *p, const void *input, void *output) {
  const uint16_t value = (uint16_t)p->pad_value;
  uint16_t *out = (uint16_t *)output;
  for (int32_t i = 0; i < p->output_size; ++i) out[i] = value;
  an_pad_copy(p, (const uint8_t *)input, (uint8_t *)output, 2);
}

void an_pad_b32(const an_pad_params *p, const void *input, void *output) {
  const uint32_t value = (uint32_t)p->pad_value;
  uint32_t *out = (uint32_t *)output;
  for (int32_t i = 0; i < p->output_size; ++i) out[i] = value;
  an_pad_copy(p, (const uint8_t *)input, (uint8_t *)output, 4);
}
