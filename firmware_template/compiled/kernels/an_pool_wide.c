// attendnets compiled runtime: AVERAGE_POOL_2D / MAX_POOL_2D int16 and float32, L2_POOL_2D float32 (see
// an_pool_wide.h).
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")  // float: TFLM's order of operations
#endif
#include "an_pool_wide.h"

#include <math.h>

#define AN_POOL_WIDE_MAX_FLOAT 3.40282347e+38f

// For every output value: the window [fy0, fy1) x [fx0, fx1) inside the image, then BODY with the channel
// pointer `x` at the window's first row/column and the output pointer `out`.
#define AN_POOL_WIDE_WALK(type, INIT, ACC, FINISH)                                   \
  for (int32_t b = 0; b < p->batches; ++b) {                                         \
    const type *image = input + b * p->in_h * p->in_w * p->c;                        \
    for (int32_t oy = 0; oy < p->out_h; ++oy) {                                      \
      const int32_t iy = oy * p->stride_h - p->pad_h;                                \
      const int32_t fy0 = iy < 0 ? -iy : 0;                                          \
      const int32_t fy1 = p->filter_h < p->in_h - iy ? p->filter_h : p->in_h - iy;   \
      for (int32_t ox = 0; ox < p->out_w; ++ox) {                                    \
        const int32_t ix = ox * p->stride_w - p->pad_w;                              \
        const int32_t fx0 = ix < 0 ? -ix : 0;                                        \
        const int32_t fx1 = p->filter_w < p->in_w - ix ? p->filter_w : p->in_w - ix; \
        for (int32_t ch = 0; ch < p->c; ++ch) {                                      \
          INIT;                                                                      \
          for (int32_t fy = fy0; fy < fy1; ++fy) {                                   \
            for (int32_t fx = fx0; fx < fx1; ++fx) {                                 \
              const type v = image[((iy + fy) * p->in_w + (ix + fx)) * p->c + ch];   \
              ACC;                                                                   \
            }                                                                        \
          }                                                                          \
          FINISH;                                                                    \
        }                                                                            \
      }                                                                              \
    }                                                                                \
  }

static int32_t clamp_s32(int32_t v, int32_t lo, int32_t hi) {
  v = v < lo ? lo : v;
  return hi < v ? hi : v;
}

static float clamp_f32(float v, float lo, float hi) {
  v = (v < lo) ? lo : v;
  return (hi < v) ? hi : v;
}

static int32_t rounded_average(int32_t sum, int32_t count) {
  return sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
}

void an_avg_pool2d_s16(const an_pool_wide_params *p, const int16_t *input, int16_t *output) {
  AN_POOL_WIDE_WALK(int16_t, int32_t sum = 0; int32_t count = 0, sum += v;
                    ++count, *output++ = (int16_t)clamp_s32(rounded_average(sum, count), p->act_min, p->act_max))
}

void an_max_pool2d_s16(const an_pool_wide_params *p, const int16_t *input, int16_t *output) {
  AN_POOL_WIDE_WALK(int16_t, int32_t m = -32768, m = m < v ? v : m,
                    *output++ = (int16_t)clamp_s32(m, p->act_min, p->act_max))
}

void an_avg_pool2d_f32(const an_pool_wide_params *p, const float *input, float *output) {
  AN_POOL_WIDE_WALK(float, float sum = 0.0f; int32_t count = 0, sum += v;
                    ++count, *output++ = clamp_f32(sum / (float)count, p->float_min, p->float_max))
}

void an_max_pool2d_f32(const an_pool_wide_params *p, const float *input, float *output) {
  AN_POOL_WIDE_WALK(float, float m = -AN_POOL_WIDE_MAX_FLOAT, m = m < v ? v : m,
                    *output++ = clamp_f32(m, p->float_min, p->float_max))
}

void an_l2_pool2d_f32(const an_pool_wide_params *p, const float *input, float *output) {
  AN_POOL_WIDE_WALK(float, float sum = 0.0f; int32_t count = 0, sum += v * v;
                    ++count, *output++ = clamp_f32(sqrtf(sum / (float)count), p->float_min, p->float_max))
}
