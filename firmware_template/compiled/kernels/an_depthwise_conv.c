// attendnets compiled runtime: int8 DEPTHWISE_CONV_2D.
//
// Per output pixel the kernel first points each filter tap at its input pixel (or at the row
// of input zero points when the tap falls outside the image: the folded bias cancels it), so
// that every pixel, border or not, runs the same loop: output channels in blocks of four, all
// taps per block.  With depth multiplier 1 the four channels read four inputs; with a
// multiple of 4 they share one.  On DSP cores two SXTB16 and four SMLABB/SMLATT (or
// SMLABB/SMLATB against the shared input) per tap and block; elsewhere plain C; other
// multipliers one channel at a time.  All paths add the same int32 products and requantize as
// TFLM's MultiplyByQuantizedMultiplier does, so they give TFLM's bits.
#include "an_depthwise_conv.h"

#include "an_common.h"
#include "an_dot.h"

// The parameters requantization needs, in locals (the int8 stores could alias *p).
typedef struct {
  int32_t offset, lo, hi;
} an_dw_out_params;

static inline int8_t an_dw_out(an_dw_out_params q, int32_t acc, int32_t m, int32_t s) {
  acc = an_requantize(acc, m, s) + q.offset;
  return (int8_t)an_clamp(acc, q.lo, q.hi);
}

// Output channels oc..oc+3 reading input channels ic..ic+3 (same_input = 0) or ic alone (1).
static inline void an_dw_block4(an_dw_out_params q, int32_t stride, const int8_t *const *taps,
                                int32_t n_taps, const int8_t *w, int32_t ic, int same_input,
                                const int32_t *bias, const int32_t *multiplier, const int32_t *shift,
                                int8_t *out) {
  int32_t a0 = bias[0], a1 = bias[1], a2 = bias[2], a3 = bias[3];
#if AN_USE_DSP
  if (same_input) {
    for (int32_t t = 0; t < n_taps; ++t, w += stride) {
      const int32_t x = taps[t][ic];
      const uint32_t wv = an_read_u32(w);
      const int32_t we = __sxtb16(wv), wo = an_sxtb16_ror8(wv);  // (w0, w2), (w1, w3)
      a0 = __smlabb(we, x, a0);
      a2 = __smlatb(we, x, a2);
      a1 = __smlabb(wo, x, a1);
      a3 = __smlatb(wo, x, a3);
    }
  } else {
    for (int32_t t = 0; t < n_taps; ++t, w += stride) {
      const uint32_t xv = an_read_u32(taps[t] + ic), wv = an_read_u32(w);
      const int32_t xe = __sxtb16(xv), xo = an_sxtb16_ror8(xv);
      const int32_t we = __sxtb16(wv), wo = an_sxtb16_ror8(wv);
      a0 = __smlabb(xe, we, a0);
      a2 = __smlatt(xe, we, a2);
      a1 = __smlabb(xo, wo, a1);
      a3 = __smlatt(xo, wo, a3);
    }
  }
#else
  const int32_t step = same_input ? 0 : 1;
  for (int32_t t = 0; t < n_taps; ++t, w += stride) {
    const int8_t *x = taps[t] + ic;
    a0 += w[0] * x[0];
    a1 += w[1] * x[step];
    a2 += w[2] * x[2 * step];
    a3 += w[3] * x[3 * step];
  }
#endif
  out[0] = an_dw_out(q, a0, multiplier[0], shift[0]);
  out[1] = an_dw_out(q, a1, multiplier[1], shift[1]);
  out[2] = an_dw_out(q, a2, multiplier[2], shift[2]);
  out[3] = an_dw_out(q, a3, multiplier[3], shift[3]);
}

void an_depthwise_conv2d_s8(const an_depthwise_params *p, const int8_t *input,
                            const int8_t *filter, const int32_t *bias,
                            const int32_t *multiplier, const int32_t *shift,
                            const int8_t *pad_row, int8_t *output, const int8_t **taps) {
  const int32_t n_taps = p->k_h * p->k_w;
  const int32_t mult = p->depth_mult;
  const int32_t out_c = p->out_c;
  const an_dw_out_params q = {p->output_offset, p->act_min, p->act_max};
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * p->in_h * p->in_w * p->in_c;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_h;
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        const int32_t ix0 = ox * p->stride_w - p->pad_w;
        int8_t *out = output + ((b * p->out_h + oy) * p->out_w + ox) * p->out_c;
        int32_t t = 0;
        for (int32_t ky = 0; ky < p->k_h; ++ky) {
          const int32_t iy = iy0 + ky * p->dilation_h;
          for (int32_t kx = 0; kx < p->k_w; ++kx, ++t) {
            const int32_t ix = ix0 + kx * p->dilation_w;
            taps[t] = (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w)
                          ? pad_row
                          : in + (iy * p->in_w + ix) * p->in_c;
          }
        }
        int32_t oc = 0;
        if (mult == 1) {
          for (; oc + 4 <= out_c; oc += 4) {
            an_dw_block4(q, out_c, taps, n_taps, filter + oc, oc, 0, bias + oc, multiplier + oc, shift + oc, out + oc);
          }
        } else if ((mult & 3) == 0) {
          for (; oc < out_c; oc += 4) {
            an_dw_block4(q, out_c, taps, n_taps, filter + oc, oc / mult, 1, bias + oc, multiplier + oc, shift + oc,
                         out + oc);
          }
        }
        for (; oc < out_c; ++oc) {
          const int32_t ic = oc / mult;
          const int8_t *w = filter + oc;
          int32_t acc = bias[oc];
          for (int32_t k = 0; k < n_taps; ++k, w += out_c) acc += *w * taps[k][ic];
          out[oc] = an_dw_out(q, acc, multiplier[oc], shift[oc]);
        }
      }
    }
  }
}
