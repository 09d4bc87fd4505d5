// attendnets compiled runtime: int8 DEPTHWISE_CONV_2D.
//
// Output pixels whose receptive field lies inside the image (and depth multiplier 1) take
// the fast path: channels in blocks of four, on DSP cores two SXTB16 and four
// SMLABB/SMLATT per tap and block.  Border pixels (and depth multipliers > 1) take the
// general path, one channel at a time with the input zero point for taps outside the
// image.  Both add the same int32 products to the folded bias and requantize with TFLM's
// MultiplyByQuantizedMultiplier, so all paths give TFLM's bits.
#include "an_depthwise_conv.h"

#include "an_common.h"
#include "an_dot.h"

static inline int8_t an_dw_out(const an_depthwise_params *p, int32_t acc, int32_t m, int32_t s) {
  acc = an_multiply_by_quantized_multiplier(acc, m, s) + p->output_offset;
  return (int8_t)an_clamp(acc, p->act_min, p->act_max);
}

// One interior output pixel, depth multiplier 1: in points at the input pixel of tap (0, 0).
static void an_dw_interior(const an_depthwise_params *p, const int8_t *in, const int8_t *filter,
                           const int32_t *bias, const int32_t *multiplier, const int32_t *shift,
                           int8_t *out) {
  const int32_t ch = p->in_c;
  const int32_t row_step = p->dilation_h * p->in_w * ch;
  const int32_t col_step = p->dilation_w * ch;
  int32_t c = 0;
#if AN_USE_DSP
  for (; c + 4 <= ch; c += 4) {
    int32_t a0 = bias[c], a1 = bias[c + 1], a2 = bias[c + 2], a3 = bias[c + 3];
    const int8_t *row = in + c;
    const int8_t *wrow = filter + c;
    for (int32_t ky = 0; ky < p->k_h; ++ky) {
      const int8_t *x = row;
      const int8_t *w = wrow;
      for (int32_t kx = 0; kx < p->k_w; ++kx) {
        const uint32_t xv = an_read_u32(x), wv = an_read_u32(w);
        const int32_t xe = __sxtb16(xv), xo = an_sxtb16_ror8(xv);
        const int32_t we = __sxtb16(wv), wo = an_sxtb16_ror8(wv);
        a0 = __smlabb(xe, we, a0);
        a2 = __smlatt(xe, we, a2);
        a1 = __smlabb(xo, wo, a1);
        a3 = __smlatt(xo, wo, a3);
        x += col_step;
        w += ch;
      }
      row += row_step;
      wrow += p->k_w * ch;
    }
    out[c] = an_dw_out(p, a0, multiplier[c], shift[c]);
    out[c + 1] = an_dw_out(p, a1, multiplier[c + 1], shift[c + 1]);
    out[c + 2] = an_dw_out(p, a2, multiplier[c + 2], shift[c + 2]);
    out[c + 3] = an_dw_out(p, a3, multiplier[c + 3], shift[c + 3]);
  }
#endif
  for (; c < ch; ++c) {
    int32_t acc = bias[c];
    const int8_t *row = in + c;
    const int8_t *wrow = filter + c;
    for (int32_t ky = 0; ky < p->k_h; ++ky) {
      for (int32_t kx = 0; kx < p->k_w; ++kx) acc += wrow[kx * ch] * row[kx * col_step];
      row += row_step;
      wrow += p->k_w * ch;
    }
    out[c] = an_dw_out(p, acc, multiplier[c], shift[c]);
  }
}

void an_depthwise_conv2d_s8(const an_depthwise_params *p, const int8_t *input,
                            const int8_t *filter, const int32_t *bias,
                            const int32_t *multiplier, const int32_t *shift, int8_t *output) {
  const int32_t span_h = (p->k_h - 1) * p->dilation_h;
  const int32_t span_w = (p->k_w - 1) * p->dilation_w;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * p->in_h * p->in_w * p->in_c;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_h;
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        const int32_t ix0 = ox * p->stride_w - p->pad_w;
        int8_t *out = output + ((b * p->out_h + oy) * p->out_w + ox) * p->out_c;
        if (p->depth_mult == 1 && iy0 >= 0 && iy0 + span_h < p->in_h && ix0 >= 0 &&
            ix0 + span_w < p->in_w) {
          an_dw_interior(p, in + (iy0 * p->in_w + ix0) * p->in_c, filter, bias, multiplier, shift, out);
          continue;
        }
        for (int32_t ic = 0; ic < p->in_c; ++ic) {
          for (int32_t m = 0; m < p->depth_mult; ++m) {
            const int32_t oc = ic * p->depth_mult + m;
            int32_t acc = bias[oc];
            for (int32_t ky = 0; ky < p->k_h; ++ky) {
              const int32_t iy = iy0 + ky * p->dilation_h;
              for (int32_t kx = 0; kx < p->k_w; ++kx) {
                const int32_t ix = ix0 + kx * p->dilation_w;
                const int32_t x = (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w)
                                      ? p->pad_value
                                      : in[(iy * p->in_w + ix) * p->in_c + ic];
                acc += filter[(ky * p->k_w + kx) * p->out_c + oc] * x;
              }
            }
            out[oc] = an_dw_out(p, acc, multiplier[oc], shift[oc]);
          }
        }
      }
    }
  }
}
