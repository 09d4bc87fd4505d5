// attendnets compiled runtime: data movement (see an_movement.h).
#include "an_movement.h"

#include <string.h>

// An output row that reads the same input row as the one before it (every other row of a 2x upsampling) is
// a copy of that output row: one memcpy of the whole row.
void an_resize_nearest_s8(const an_resize_nearest_params *p, const int8_t *input, int8_t *output,
                          const int32_t *row_offsets, const int32_t *column_offsets) {
  const int32_t depth = p->depth, out_h = p->output_height, out_w = p->output_width;
  const int32_t row_bytes = out_w * depth;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *batch = input + b * p->batch_stride;
    for (int32_t y = 0; y < out_h; ++y) {
      if (y > 0 && row_offsets[y] == row_offsets[y - 1]) {
        memcpy(output, output - row_bytes, (size_t)row_bytes);
        output += row_bytes;
        continue;
      }
      const int8_t *row = batch + row_offsets[y];
      for (int32_t x = 0; x < out_w; ++x, output += depth) memcpy(output, row + column_offsets[x], (size_t)depth);
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
