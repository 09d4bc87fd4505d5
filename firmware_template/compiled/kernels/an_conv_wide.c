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

void an_conv2d_s16_acc64(const an_conv_wide_params *p, const int16_t *input, const int8_t *filter, const int64_t *bias,
                         const int32_t *multipliers, const int32_t *shifts, int16_t *output) {
  const int32_t per_group = p->out_c / (p->in_c / p->filter_in_c);
  for (int32_t b = 0; b < p->batches; ++b) {
    const int16_t *image = input + b * p->in_h * p->in_w * p->in_c;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        const an_taps t = taps_of(p, oy, ox);
        for (int32_t oc = 0; oc < p->out_c; ++oc) {
          const int16_t *group_in = image + (oc / per_group) * p->filter_in_c;
          const int8_t *w = filter + oc * p->k_h * p->k_w * p->filter_in_c;
          int64_t acc = 0;
          for (int32_t fy = t.y0; fy < t.y1; ++fy) {
            const int32_t in_y = t.in_y0 + p->dilation_h * fy;
            for (int32_t fx = t.x0; fx < t.x1; ++fx) {
              const int32_t in_x = t.in_x0 + p->dilation_w * fx;
              const int16_t *x = group_in + (in_y * p->in_w + in_x) * p->in_c;
              const int8_t *wt = w + (fy * p->k_w + fx) * p->filter_in_c;
              for (int32_t c = 0; c < p->filter_in_c; ++c) acc += (int32_t)wt[c] * (int32_t)x[c];
            }
          }
          if (bias) acc += bias[oc];
          *output++ = (int16_t)clamp_s32(an_requantize64(acc, multipliers[oc], shifts[oc]), p->act_min, p->act_max);
        }
      }
    }
  }
}

void an_conv2d_s16_acc32(const an_conv_wide_params *p, const int16_t *input, const int8_t *filter, const int32_t *bias,
                         const int32_t *multipliers, const int32_t *shifts, int16_t *output) {
  const int32_t per_group = p->out_c / (p->in_c / p->filter_in_c);
  for (int32_t b = 0; b < p->batches; ++b) {
    const int16_t *image = input + b * p->in_h * p->in_w * p->in_c;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        const an_taps t = taps_of(p, oy, ox);
        for (int32_t oc = 0; oc < p->out_c; ++oc) {
          const int16_t *group_in = image + (oc / per_group) * p->filter_in_c;
          const int8_t *w = filter + oc * p->k_h * p->k_w * p->filter_in_c;
          uint32_t acc = 0;  // int32 wrapping as TFLM's int32 accumulator
          for (int32_t fy = t.y0; fy < t.y1; ++fy) {
            const int32_t in_y = t.in_y0 + p->dilation_h * fy;
            for (int32_t fx = t.x0; fx < t.x1; ++fx) {
              const int32_t in_x = t.in_x0 + p->dilation_w * fx;
              const int16_t *x = group_in + (in_y * p->in_w + in_x) * p->in_c;
              const int8_t *wt = w + (fy * p->k_w + fx) * p->filter_in_c;
              for (int32_t c = 0; c < p->filter_in_c; ++c) acc += (uint32_t)((int32_t)wt[c] * (int32_t)x[c]);
            }
          }
          if (bias) acc += (uint32_t)bias[oc];
          *output++ =
              (int16_t)clamp_s32(an_requantize((int32_t)acc, multipliers[oc], shifts[oc]), p->act_min, p->act_max);
        }
      }
    }
  }
}

void an_conv2d_f32(const an_conv_wide_params *p, const float *input, const float *filter, const float *bias,
                   float *output) {
  const int32_t per_group = p->out_c / (p->in_c / p->filter_in_c);
  for (int32_t b = 0; b < p->batches; ++b) {
    const float *image = input + b * p->in_h * p->in_w * p->in_c;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        const an_taps t = taps_of(p, oy, ox);
        for (int32_t oc = 0; oc < p->out_c; ++oc) {
          const float *group_in = image + (oc / per_group) * p->filter_in_c;
          const float *w = filter + oc * p->k_h * p->k_w * p->filter_in_c;
          float total = 0.0f;
          for (int32_t fy = t.y0; fy < t.y1; ++fy) {
            const int32_t in_y = t.in_y0 + p->dilation_h * fy;
            for (int32_t fx = t.x0; fx < t.x1; ++fx) {
              const int32_t in_x = t.in_x0 + p->dilation_w * fx;
              const float *x = group_in + (in_y * p->in_w + in_x) * p->in_c;
              const float *wt = w + (fy * p->k_w + fx) * p->filter_in_c;
              for (int32_t c = 0; c < p->filter_in_c; ++c) total += x[c] * wt[c];
            }
          }
          *output++ = clamp_f32(total + (bias ? bias[oc] : 0.0f), p->float_min, p->float_max);
        }
      }
    }
  }
}

void an_depthwise_conv2d_s16(const an_conv_wide_params *p, const int16_t *input, const int8_t *filter,
                             const int64_t *bias, const int32_t *multipliers, const int32_t *shifts, int16_t *output) {
  for (int32_t b = 0; b < p->batches; ++b) {
    const int16_t *image = input + b * p->in_h * p->in_w * p->in_c;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        const an_taps t = taps_of(p, oy, ox);
        for (int32_t oc = 0; oc < p->out_c; ++oc) {
          const int32_t ic = oc / p->depth_mult;
          int64_t acc = 0;
          for (int32_t fy = t.y0; fy < t.y1; ++fy) {
            const int32_t in_y = t.in_y0 + p->dilation_h * fy;
            for (int32_t fx = t.x0; fx < t.x1; ++fx) {
              const int32_t in_x = t.in_x0 + p->dilation_w * fx;
              acc += (int32_t)filter[(fy * p->k_w + fx) * p->out_c + oc] *
                     (int32_t)image[(in_y * p->in_w + in_x) * p->in_c + ic];
            }
          }
          if (bias) acc += bias[oc];
          *output++ = (int16_t)clamp_s32(an_requantize64(acc, multipliers[oc], shifts[oc]), p->act_min, p->act_max);
        }
      }
    }
  }
}

void an_depthwise_conv2d_f32(const an_conv_wide_params *p, const float *input, const float *filter, const float *bias,
                             float *output) {
  for (int32_t b = 0; b < p->batches; ++b) {
    const float *image = input + b * p->in_h * p->in_w * p->in_c;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        const an_taps t = taps_of(p, oy, ox);
        for (int32_t oc = 0; oc < p->out_c; ++oc) {
          const int32_t ic = oc / p->depth_mult;
          float total = 0.0f;
          for (int32_t fy = t.y0; fy < t.y1; ++fy) {
            const int32_t in_y = t.in_y0 + p->dilation_h * fy;
            for (int32_t fx = t.x0; fx < t.x1; ++fx) {
              const int32_t in_x = t.in_x0 + p->dilation_w * fx;
              total += image[(in_y * p->in_w + in_x) * p->in_c + ic] * filter[(fy * p->k_w + fx) * p->out_c + oc];
            }
          }
          *output++ = clamp_f32(total + (bias ? bias[oc] : 0.0f), p->float_min, p->float_max);
        }
      }
    }
  }
}
