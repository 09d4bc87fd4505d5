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

// Bytewise signed maximum and minimum of four int8 lanes: SSUB8 sets the GE flag of each byte
// where a >= b, SEL takes the first operand's byte there, the second's elsewhere.
#if AN_USE_DSP
static inline uint32_t an_max4(uint32_t a, uint32_t b) {
  (void)__ssub8(a, b);
  return __sel(a, b);
}

static inline uint32_t an_min4(uint32_t a, uint32_t b) {
  (void)__ssub8(a, b);
  return __sel(b, a);
}
#endif

// MAX_POOL_2D: channels in blocks (sixteen int8 lanes per VMAX on Helium, four per SSUB8/SEL on
// DSP cores, then one at a time), the window's first value as the start (the same maximum as
// starting from -128 over a window that is never empty), the activation's clamp per lane.
void an_max_pool2d_s8(const an_pool_params *p, const int8_t *input, int8_t *output) {
  // The parameters in locals: the int8 stores below could alias *p.
  const int32_t channels = p->c, in_h = p->in_h, in_w = p->in_w, out_h = p->out_h, out_w = p->out_w;
  const int32_t filter_h = p->filter_h, filter_w = p->filter_w, stride_h = p->stride_h, stride_w = p->stride_w;
  const int32_t pad_h = p->pad_h, pad_w = p->pad_w, act_min = p->act_min, act_max = p->act_max;
#if AN_USE_MVE
  const int8x16_t lo = vdupq_n_s8((int8_t)act_min), hi = vdupq_n_s8((int8_t)act_max);
#elif AN_USE_DSP
  const uint32_t lo4 = 0x01010101u * (uint8_t)act_min, hi4 = 0x01010101u * (uint8_t)act_max;
  const int full = act_min == -128 && act_max == 127;
#endif
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * in_h * in_w * channels;
    for (int32_t oy = 0; oy < out_h; ++oy) {
      const int32_t iy0 = oy * stride_h - pad_h;
      const int32_t y0 = AN_MAX(0, -iy0), y1 = AN_MIN(filter_h, in_h - iy0);
      for (int32_t ox = 0; ox < out_w; ++ox) {
        const int32_t ix0 = ox * stride_w - pad_w;
        const int32_t x0 = AN_MAX(0, -ix0), x1 = AN_MIN(filter_w, in_w - ix0);
        int8_t *out = output + ((b * out_h + oy) * out_w + ox) * channels;
        // The window's first value (the generator refuses windows wholly outside the image).
        const int8_t *corner = in + ((iy0 + y0) * in_w + ix0 + x0) * channels;
        int32_t c = 0;
#if AN_USE_MVE
        for (; c < channels; c += 16) {
          const mve_pred16_t pr = vctp8q((uint32_t)(channels - c));
          int8x16_t m = vldrbq_z_s8(corner + c, pr);
          for (int32_t y = y0; y < y1; ++y) {
            const int8_t *row = in + ((iy0 + y) * in_w + ix0) * channels + c;
            for (int32_t x = x0; x < x1; ++x) m = vmaxq_s8(m, vldrbq_z_s8(row + x * channels, pr));
          }
          vstrbq_p_s8(out + c, vminq_s8(vmaxq_s8(m, lo), hi), pr);
        }
#elif AN_USE_DSP
        for (; c + 4 <= channels; c += 4) {
          uint32_t m;
          memcpy(&m, corner + c, 4);
          for (int32_t y = y0; y < y1; ++y) {
            const int8_t *row = in + ((iy0 + y) * in_w + ix0) * channels + c;
            for (int32_t x = x0; x < x1; ++x) {
              uint32_t v;
              memcpy(&v, row + x * channels, 4);
              m = an_max4(m, v);
            }
          }
          if (!full) m = an_min4(an_max4(m, lo4), hi4);
          memcpy(out + c, &m, 4);
        }
#endif
        for (; c < channels; ++c) {
          int32_t m = corner[c];
          for (int32_t y = y0; y < y1; ++y) {
            const int8_t *row = in + ((iy0 + y) * in_w + ix0) * channels + c;
            for (int32_t x = x0; x < x1; ++x) m = AN_MAX(m, row[x * channels]);
          }
          out[c] = (int8_t)an_clamp(m, act_min, act_max);
        }
      }
    }
  }
}
