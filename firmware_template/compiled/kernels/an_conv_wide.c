// attendnets compiled runtime: CONV_2D / DEPTHWISE_CONV_2D 16x8 and float32 (see an_conv_wide.h).
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")  // float: TFLM's order of operations, no fused multiply-adds
#endif
#include "an_conv_wide.h"

#include "an_common.h"

static int32_t clamp_s32(int32_t v, int32_t lo, int32_t hi) {
  v = v < lo ? lo : v;
  return hi < v ? hi : v;
}

static float clamp_f32(float v, float lo, float hi) {
  v = (v < lo) ? lo : v;
  return (hi < v) ? hi : v;
}

// The taps of one output pixel that lie inside the image: [y0, y1) x [x0, x1) in filter coordinates.
typedef struct {
  int32_t y0, y1, x0, x1, in_y0, in_x0;
} an_taps;

static int32_t first_tap(int32_t origin, int32_t dilation) {
  int32_t t = 0;
  while (origin + dilation * t < 0) ++t;
  return t;
}

static int32_t end_tap(int32_t origin, int32_t dilation, int32_t k, int32_t size) {
  int32_t t = k;
  while (t > 0 && origin + dilation * (t - 1) >= size) --t;
  return t;
}

static an_taps taps_of(const an_conv_wide_params *p, int32_t out_y, int32_t out_x) {
  an_taps t;
  t.in_y0 = out_y * p->stride_h - p->pad_h;
  t.in_x0 = out_x * p->stride_w - p->pad_w;
  t.y0 = first_tap(t.in_y0, p->dilation_h);
  t.y1 = end_tap(t.in_y0, p->dilation_h, p->k_h, p->in_h);
  t.x0 = first_tap(t.in_x0, p->dilation_w);
  t.x1 = end_tap(t.in_x0, p->dilation_w, p->k_w, p->in_w);
  return t;
}

// The loop nest of the grouped CONV_2D kernels (in_t input, w_t filter, acc_t sum): each batch, output pixel and
// output channel; over the filter taps inside the image and the group's input channels ADD(acc, filter value, input
// value); then STORE(acc, oc) writes the output channel (*output++).  Each kernel below is one instance.
#define AN_CONV_NEST(in_t, w_t, acc_t, ADD, STORE)                                  \
  do {                                                                              \
    const int32_t per_group = p->out_c / (p->in_c / p->filter_in_c);                \
    for (int32_t b = 0; b < p->batches; ++b) {                                      \
      const in_t *image = input + b * p->in_h * p->in_w * p->in_c;                  \
      for (int32_t oy = 0; oy < p->out_h; ++oy) {                                   \
        for (int32_t ox = 0; ox < p->out_w; ++ox) {                                 \
          const an_taps t = taps_of(p, oy, ox);                                     \
          for (int32_t oc = 0; oc < p->out_c; ++oc) {                               \
            const in_t *group_in = image + (oc / per_group) * p->filter_in_c;       \
            const w_t *w = filter + oc * p->k_h * p->k_w * p->filter_in_c;          \
            acc_t acc = 0;                                                          \
            for (int32_t fy = t.y0; fy < t.y1; ++fy) {                              \
              const int32_t in_y = t.in_y0 + p->dilation_h * fy;                    \
              for (int32_t fx = t.x0; fx < t.x1; ++fx) {                            \
                const int32_t in_x = t.in_x0 + p->dilation_w * fx;                  \
                const in_t *x = group_in + (in_y * p->in_w + in_x) * p->in_c;       \
                const w_t *wt = w + (fy * p->k_w + fx) * p->filter_in_c;            \
                for (int32_t c = 0; c < p->filter_in_c; ++c) ADD(acc, wt[c], x[c]); \
              }                                                                     \
            }                                                                       \
            STORE(acc, oc);                                                         \
          }                                                                         \
        }                                                                           \
      }                                                                             \
    }                                                                               \
  } while (0)

// The same for DEPTHWISE_CONV_2D: output channel oc reads input channel oc / depth_mult; the filter is
// [k_h][k_w][out_c].
#define AN_DEPTHWISE_NEST(in_t, acc_t, ADD, STORE)                                                                   \
  do {                                                                                                               \
    for (int32_t b = 0; b < p->batches; ++b) {                                                                       \
      const in_t *image = input + b * p->in_h * p->in_w * p->in_c;                                                   \
      for (int32_t oy = 0; oy < p->out_h; ++oy) {                                                                    \
        for (int32_t ox = 0; ox < p->out_w; ++ox) {                                                                  \
          const an_taps t = taps_of(p, oy, ox);                                                                      \
          for (int32_t oc = 0; oc < p->out_c; ++oc) {                                                                \
            const int32_t ic = oc / p->depth_mult;                                                                   \
            acc_t acc = 0;                                                                                           \
            for (int32_t fy = t.y0; fy < t.y1; ++fy) {                                                               \
              const int32_t in_y = t.in_y0 + p->dilation_h * fy;                                                     \
              for (int32_t fx = t.x0; fx < t.x1; ++fx) {                                                             \
                const int32_t in_x = t.in_x0 + p->dilation_w * fx;                                                   \
                ADD(acc, filter[(fy * p->k_w + fx) * p->out_c + oc], image[(in_y * p->in_w + in_x) * p->in_c + ic]); \
              }                                                                                                      \
            }                                                                                                        \
            STORE(acc, oc);                                                                                          \
          }                                                                                                          \
        }                                                                                                            \
      }                                                                                                              \
    }                                                                                                                \
  } while (0)

// 16x8 with int64 sums (TFLM's reference_integer_ops, int64 bias).
#define AN_ADD_S64(acc, w, x) acc += (int32_t)(w) * (int32_t)(x)
#define AN_STORE_S64(acc, oc)                                                                                  \
  do {                                                                                                         \
    if (bias) acc += bias[oc];                                                                                 \
    *output++ = (int16_t)clamp_s32(an_requantize64(acc, multipliers[oc], shifts[oc]), p->act_min, p->act_max); \
  } while (0)
// 16x8 with int32 sums, wrapping as TFLM's int32 accumulator (int32 bias).
#define AN_ADD_S32(acc, w, x) acc += (uint32_t)((int32_t)(w) * (int32_t)(x))
#define AN_STORE_S32(acc, oc)                                                                                         \
  do {                                                                                                                \
    if (bias) acc += (uint32_t)bias[oc];                                                                              \
    *output++ = (int16_t)clamp_s32(an_requantize((int32_t)acc, multipliers[oc], shifts[oc]), p->act_min, p->act_max); \
  } while (0)
// float32: the products summed from 0 in TFLM's order, then + bias (0 without one), clamped.
#define AN_ADD_F32(acc, w, x) acc += (x) * (w)
#define AN_STORE_F32(acc, oc) *output++ = clamp_f32(acc + (bias ? bias[oc] : 0.0f), p->float_min, p->float_max)

void an_conv2d_s16_acc64(const an_conv_wide_params *p, const int16_t *input, const int8_t *filter, const int64_t *bias,
                         const int32_t *multipliers, const int32_t *shifts, int16_t *output) {
  AN_CONV_NEST(int16_t, int8_t, int64_t, AN_ADD_S64, AN_STORE_S64);
}

void an_conv2d_s16_acc32(const an_conv_wide_params *p, const int16_t *input, const int8_t *filter, const int32_t *bias,
                         const int32_t *multipliers, const int32_t *shifts, int16_t *output) {
  AN_CONV_NEST(int16_t, int8_t, uint32_t, AN_ADD_S32, AN_STORE_S32);
}

void an_conv2d_f32(const an_conv_wide_params *p, const float *input, const float *filter, const float *bias,
                   float *output) {
  AN_CONV_NEST(float, float, float, AN_ADD_F32, AN_STORE_F32);
}

void an_depthwise_conv2d_s16(const an_conv_wide_params *p, const int16_t *input, const int8_t *filter,
                             const int64_t *bias, const int32_t *multipliers, const int32_t *shifts, int16_t *output) {
  AN_DEPTHWISE_NEST(int16_t, int64_t, AN_ADD_S64, AN_STORE_S64);
}

void an_depthwise_conv2d_f32(const an_conv_wide_params *p, const float *input, const float *filter, const float *bias,
                             float *output) {
  AN_DEPTHWISE_NEST(float, float, AN_ADD_F32, AN_STORE_F32);
}
