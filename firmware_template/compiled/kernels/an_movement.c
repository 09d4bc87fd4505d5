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
  const int32_t last = p->ndim - 1;
  const int32_t inner = p->input_dims[last];
  int32_t outer = 1;
  for (int32_t d = 0; d < last; ++d) outer *= p->input_dims[d];
  int32_t index[AN_MOVEMENT_MAX_DIMS] = {0};
  int32_t offset = p->base;
  for (int32_t o = 0; o < outer; ++o) {
    memcpy(output + offset, input, (size_t)inner);
    input += inner;
    for (int32_t d = last - 1; d >= 0; --d) {
      offset += p->output_strides[d];
      if (++index[d] < p->input_dims[d]) break;
      offset -= p->output_strides[d] * p->input_dims[d];
      index[d] = 0;
    }
  }
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
