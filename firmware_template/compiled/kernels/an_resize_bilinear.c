// attendnets compiled runtime: RESIZE_BILINEAR (see an_resize_bilinear.h).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")  // float: TFLM's order of operations
#endif
#include "an_resize_bilinear.h"

void an_resize_bilinear_s8(const an_resize_bilinear_params *p, const int8_t *input, int8_t *output) {
  const int32_t depth = p->depth, row_stride = p->input_width * p->depth;
  const int32_t batch_stride = p->input_height * row_stride;
  for (int32_t b = 0; b < p->batches; ++b, input += batch_stride) {
    for (int32_t y = 0; y < p->output_height; ++y) {
      const int32_t *row = p->rows + 3 * y;
      const int8_t *r0 = input + row[0] * row_stride, *r1 = input + row[1] * row_stride;
      const int32_t wy = row[2];
      for (int32_t x = 0; x < p->output_width; ++x) {
        const int32_t *column = p->columns + 3 * x;
        const int32_t c0 = column[0] * depth, c1 = column[1] * depth, wx = column[2];
        // |weights| sum to at most 2048 * 2048 (wy, wx in (-512, 1024)): the sums fit int32
        const int32_t w00 = (1024 - wy) * (1024 - wx), w10 = wy * (1024 - wx);
        const int32_t w01 = (1024 - wy) * wx, w11 = wy * wx;
        for (int32_t c = 0; c < depth; ++c) {
          const int32_t sum = r0[c0 + c] * w00 + r1[c0 + c] * w10 + r0[c1 + c] * w01 + r1[c1 + c] * w11;
          const int32_t round = sum > 0 ? (1 << 19) : -(1 << 19);
          *output++ = (int8_t)((sum + round) / (1 << 20));
        }
      }
    }
  }
}

void an_resize_bilinear_f32(const an_resize_bilinear_params *p, const float *input, float *output) {
  const int32_t depth = p->depth, row_stride = p->input_width * p->depth;
  const int32_t batch_stride = p->input_height * row_stride;
  for (int32_t b = 0; b < p->batches; ++b, input += batch_stride) {
    for (int32_t y = 0; y < p->output_height; ++y) {
      const int32_t *row = p->rows + 3 * y;
      const float *r0 = input + row[0] * row_stride, *r1 = input + row[1] * row_stride;
      const float dy = p->row_fractions[y];
      for (int32_t x = 0; x < p->output_width; ++x) {
        const int32_t *column = p->columns + 3 * x;
        const int32_t c0 = column[0] * depth, c1 = column[1] * depth;
        const float dx = p->column_fractions[x];
        for (int32_t c = 0; c < depth; ++c) {
          *output++ = r0[c0 + c] * (1 - dy) * (1 - dx) + r1[c0 + c] * dy * (1 - dx) + r0[c1 + c] * (1 - dy) * dx +
                      r1[c1 + c] * dy * dx + 0.0f;
        }
      }
    }
  }
}
