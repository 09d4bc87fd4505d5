// attendnets compiled runtime: int8 pooling.  The window is clipped to the image (padding
// is never counted); the average rounds half away from zero as TFLM's
// reference_integer_ops::AveragePool does, the result is clamped to the fused activation.
#include "an_pool.h"

#include "an_common.h"

void an_avg_pool2d_s8(const an_pool_params *p, const int8_t *input, int8_t *output) {
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * p->in_h * p->in_w * p->c;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_h;
      const int32_t y0 = AN_MAX(0, -iy0), y1 = AN_MIN(p->filter_h, p->in_h - iy0);
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        const int32_t ix0 = ox * p->stride_w - p->pad_w;
        const int32_t x0 = AN_MAX(0, -ix0), x1 = AN_MIN(p->filter_w, p->in_w - ix0);
        const int32_t count = (y1 - y0) * (x1 - x0);
        int8_t *out = output + ((b * p->out_h + oy) * p->out_w + ox) * p->c;
        for (int32_t c = 0; c < p->c; ++c) {
          int32_t acc = 0;
          for (int32_t y = y0; y < y1; ++y) {
            const int8_t *row = in + ((iy0 + y) * p->in_w + ix0) * p->c + c;
            for (int32_t x = x0; x < x1; ++x) acc += row[x * p->c];
          }
          if (count > 0) {
            acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
          }
          out[c] = (int8_t)an_clamp(acc, p->act_min, p->act_max);
        }
      }
    }
  }
}

void an_max_pool2d_s8(const an_pool_params *p, const int8_t *input, int8_t *output) {
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * p->in_h * p->in_w * p->c;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_h;
      const int32_t y0 = AN_MAX(0, -iy0), y1 = AN_MIN(p->filter_h, p->in_h - iy0);
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        const int32_t ix0 = ox * p->stride_w - p->pad_w;
        const int32_t x0 = AN_MAX(0, -ix0), x1 = AN_MIN(p->filter_w, p->in_w - ix0);
        int8_t *out = output + ((b * p->out_h + oy) * p->out_w + ox) * p->c;
        for (int32_t c = 0; c < p->c; ++c) {
          int32_t m = -128;
          for (int32_t y = y0; y < y1; ++y) {
            const int8_t *row = in + ((iy0 + y) * p->in_w + ix0) * p->c + c;
            for (int32_t x = x0; x < x1; ++x) m = AN_MAX(m, row[x * p->c]);
          }
          out[c] = (int8_t)an_clamp(m, p->act_min, p->act_max);
        }
      }
    }
  }
}
