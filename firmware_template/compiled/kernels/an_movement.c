// attendnets compiled runtime: data movement (see an_movement.h).
#include "an_movement.h"

#include <string.h>

void an_resize_nearest_s8(const an_resize_nearest_params *p, const int8_t *input, int8_t *output,
                          const int32_t *row_offsets, const int32_t *column_offsets) {
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *batch = input + b * p->batch_stride;
    for (int32_t y = 0; y < p->output_height; ++y) {
      const int8_t *row = batch + row_offsets[y];
      for (int32_t x = 0; x < p->output_width; ++x) {
        memcpy(output, row + column_offsets[x], (size_t)p->depth);
        output += p->depth;
      }
    }
  }
}

void an_strided_slice_s8(const an_strided_slice_params *p, const int8_t *input, int8_t *output) {
  AN_STRIDED_WALK(int8_t, p, input, output);
}

void an_pad_s8(const an_pad_params *p, const int8_t *input, int8_t *output) {
  memset(output, (int8_t)p->pad_value, (size_t)p->output_size);
  an_pad_copy_rows(p, (const uint8_t *)input, (uint8_t *)output, 1);
}

void an_concatenation_s8(const an_concatenation_params *p, const int8_t *const *inputs, const int32_t *copy_sizes,
                         int8_t *output) {
  for (int32_t o = 0; o < p->outer; ++o) {
    for (int32_t k = 0; k < p->inputs; ++k) {
      const int32_t n = copy_sizes[k];
      memcpy(output, inputs[k] + o * n, (size_t)n);
      output += n;
    }
  }
}
