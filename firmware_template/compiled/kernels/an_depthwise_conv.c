// attendnets compiled runtime: int8 DEPTHWISE_CONV_2D.
//
// Per output pixel the kernel first points each filter tap at its input pixel (or at the row
// of input zero points when the tap falls outside the image: the folded bias cancels it), so
// that every pixel, border or not, runs the same loop: output channels in blocks of four, all
// taps per block, the block's weights int16 and contiguous over the taps (an_depthwise_conv.h).
// With depth multiplier 1 the four channels read four inputs; with a multiple of 4 they share
// one.  On DSP cores one SXTB16 pair per tap and block (the weights are already int16) and
// four SMLABB/SMLATT (SMLABB/SMLATB against a shared input); elsewhere plain C; other
// multipliers and the channels after the last full block one at a time.  All paths add the
// same int32 products and requantize as TFLM's MultiplyByQuantizedMultiplier does.
#include "an_depthwise_conv.h"

#include "an_common.h"
#include "an_dot.h"

// AN_DEPTHWISE_SCRATCH_BYTES reserves 8 bytes per tap pointer (a compile error where a pointer is wider).
typedef char an_dw_tap_pointer_fits_scratch[sizeof(const int8_t *) <= 8 ? 1 : -1];

// The parameters requantization needs, in locals (the int8 stores could alias *p).
typedef struct {
  int32_t offset, lo, hi;
} an_dw_out_params;

static inline int8_t an_dw_out(an_dw_out_params q, int32_t acc, int32_t m, int32_t s) {
  acc = an_requantize(acc, m, s) + q.offset;
  return (int8_t)an_clamp(acc, q.lo, q.hi);
}

// Output channels oc..oc+3 (weights w: n_taps x {w0, w2, w1, w3} int16) reading input
// channels ic..ic+3 (same_input = 0) or ic alone (1).
static inline void an_dw_block4(an_dw_out_params q, const int8_t *const *taps, int32_t n_taps, const int16_t *w,
                                int32_t ic, int same_input, const int32_t *bias, const int32_t *multiplier,
                                const int32_t *shift, int8_t *out) {
  int32_t a0 = bias[0], a1 = bias[1], a2 = bias[2], a3 = bias[3];
  const int8_t *const *t = taps;
  const int8_t *const *const end = taps + n_taps;
#if AN_USE_DSP
  const an_word_t *wp = (const an_word_t *)(const void *)w;  // 4-byte aligned: LDRD
  if (same_input) {
    for (; t < end; ++t, wp += 2) {
      const int32_t x = (*t)[ic];
      const int32_t we = wp[0], wo = wp[1];  // (w0, w2), (w1, w3)
      a0 = __smlabb(we, x, a0);
      a2 = __smlatb(we, x, a2);
      a1 = __smlabb(wo, x, a1);
      a3 = __smlatb(wo, x, a3);
    }
  } else {
    for (; t < end; ++t, wp += 2) {
      const uint32_t xv = an_read_u32(*t + ic);
      const int32_t xe = __sxtb16(xv), xo = an_sxtb16_ror8(xv);  // (x0, x2), (x1, x3)
      const int32_t we = wp[0], wo = wp[1];
      a0 = __smlabb(xe, we, a0);
      a2 = __smlatt(xe, we, a2);
      a1 = __smlabb(xo, wo, a1);
      a3 = __smlatt(xo, wo, a3);
    }
  }
#else
  const int32_t step = same_input ? 0 : 1;
  for (; t < end; ++t, w += 4) {
    const int8_t *x = *t + ic;
    a0 += w[0] * x[0];
    a2 += w[1] * x[2 * step];
    a1 += w[2] * x[step];
    a3 += w[3] * x[3 * step];
  }
#endif
  // All four requantizations before any store (an int8 store may alias the multipliers), then
  // the offset and clamps (their three values loaded once).
  const int32_t v0 = an_requantize(a0, multiplier[0], shift[0]);
  const int32_t v1 = an_requantize(a1, multiplier[1], shift[1]);
  const int32_t v2 = an_requantize(a2, multiplier[2], shift[2]);
  const int32_t v3 = an_requantize(a3, multiplier[3], shift[3]);
  out[0] = (int8_t)an_clamp(v0 + q.offset, q.lo, q.hi);
  out[1] = (int8_t)an_clamp(v1 + q.offset, q.lo, q.hi);
  out[2] = (int8_t)an_clamp(v2 + q.offset, q.lo, q.hi);
  out[3] = (int8_t)an_clamp(v3 + q.offset, q.lo, q.hi);
}

void an_depthwise_conv2d_s8(const an_depthwise_params *p, const int8_t *input, const int16_t *filter,
                            const int32_t *bias, const int32_t *multiplier, const int32_t *shift, const int8_t *pad_row,
                            int8_t *output, void *scratch) {
  const int32_t n_taps = p->k_h * p->k_w;
  const int32_t mult = p->depth_mult;
  const int32_t out_c = p->out_c, in_c = p->in_c, in_h = p->in_h, in_w = p->in_w;
  const int32_t span_h = (p->k_h - 1) * p->dilation_h, span_w = (p->k_w - 1) * p->dilation_w;
  const an_dw_out_params q = {p->output_offset, p->act_min, p->act_max};
  // Scratch: the tap pointers of the current pixel, then each tap's offset from the pixel of
  // tap (0, 0) (for pixels whose taps are all inside the image).
  const int8_t **taps = (const int8_t **)scratch;
  int32_t *offsets = (int32_t *)(void *)(taps + n_taps);
  for (int32_t ky = 0, t = 0; ky < p->k_h; ++ky) {
    for (int32_t kx = 0; kx < p->k_w; ++kx, ++t) {
      offsets[t] = (ky * p->dilation_h * in_w + kx * p->dilation_w) * in_c;
    }
  }
  const int32_t blocks = (mult == 1 || (mult & 3) == 0) ? out_c / 4 : 0;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * in_h * in_w * in_c;
    int8_t *out = output + b * p->out_h * p->out_w * out_c;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_h;
      const int rows_inside = iy0 >= 0 && iy0 + span_h < in_h;
      for (int32_t ox = 0; ox < p->out_w; ++ox, out += out_c) {
        const int32_t ix0 = ox * p->stride_w - p->pad_w;
        if (rows_inside && ix0 >= 0 && ix0 + span_w < in_w) {
          const int8_t *base = in + (iy0 * in_w + ix0) * in_c;
          for (int32_t t = 0; t < n_taps; ++t) taps[t] = base + offsets[t];
        } else {
          int32_t t = 0;
          for (int32_t ky = 0; ky < p->k_h; ++ky) {
            const int32_t iy = iy0 + ky * p->dilation_h;
            for (int32_t kx = 0; kx < p->k_w; ++kx, ++t) {
              const int32_t ix = ix0 + kx * p->dilation_w;
              taps[t] = (iy < 0 || iy >= in_h || ix < 0 || ix >= in_w) ? pad_row : in + (iy * in_w + ix) * in_c;
            }
          }
        }
        const int16_t *w = filter;
        int32_t oc = 0;
        for (int32_t blk = 0; blk < blocks; ++blk, oc += 4, w += 4 * n_taps) {
          an_dw_block4(q, taps, n_taps, w, mult == 1 ? oc : oc / mult, mult != 1, bias + oc, multiplier + oc,
                       shift + oc, out + oc);
        }
        for (; oc < out_c; ++oc) {
          // Lane of channel oc in its block: w0 w2 w1 w3.
          static const int8_t lane[4] = {0, 2, 1, 3};
          const int16_t *wc = filter + (oc >> 2) * 4 * n_taps + lane[oc & 3];
          const int32_t ic = oc / mult;
          int32_t acc = bias[oc];
          for (int32_t t = 0; t < n_taps; ++t, wc += 4) acc += *wc * taps[t][ic];
          out[oc] = an_dw_out(q, acc, multiplier[oc], shift[oc]);
        }
      }
    }
  }
}
