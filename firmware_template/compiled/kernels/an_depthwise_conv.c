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
  int32_t full_range;  // lo == -128 && hi == 127
} an_dw_out_params;

// The output clamp; where the activation range is all of int8 (act_min -128, act_max 127) one
// SSAT on DSP cores, the same value.
static inline int8_t an_dw_clamp(an_dw_out_params q, int32_t x) {
#if AN_USE_DSP
  if (q.full_range) return (int8_t)__ssat(x, 8);
#endif
  return (int8_t)an_clamp(x, q.lo, q.hi);
}

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
  out[0] = an_dw_clamp(q, v0 + q.offset);
  out[1] = an_dw_clamp(q, v1 + q.offset);
  out[2] = an_dw_clamp(q, v2 + q.offset);
  out[3] = an_dw_clamp(q, v3 + q.offset);
}

// Output channels oc0..out_c-1 one at a time (those after the last full block of four).
static inline void an_dw_channels_from(an_dw_out_params q, const int8_t *const *taps, int32_t n_taps,
                                       const int16_t *filter, int32_t mult, int32_t oc0, int32_t out_c,
                                       const int32_t *bias, const int32_t *multiplier, const int32_t *shift,
                                       int8_t *out) {
  for (int32_t oc = oc0; oc < out_c; ++oc) {
    // Lane of channel oc in its block: w0 w2 w1 w3.
    static const int8_t lane[4] = {0, 2, 1, 3};
    const int16_t *wc = filter + (oc >> 2) * 4 * n_taps + lane[oc & 3];
    const int32_t ic = oc / mult;
    int32_t acc = bias[oc];
    for (int32_t t = 0; t < n_taps; ++t, wc += 4) acc += *wc * taps[t][ic];
    out[oc] = an_dw_out(q, acc, multiplier[oc], shift[oc]);
  }
}

#if AN_USE_DSP && !AN_USE_MVE
// Requantizes four accumulators of channels oc..oc+3 and stores them (all four requantizations
// before any store: an int8 store may alias the multipliers).
static inline void an_dw_store4(an_dw_out_params q, int32_t a0, int32_t a1, int32_t a2, int32_t a3,
                                const int32_t *multiplier, const int32_t *shift, int8_t *out) {
  const int32_t v0 = an_requantize(a0, multiplier[0], shift[0]);
  const int32_t v1 = an_requantize(a1, multiplier[1], shift[1]);
  const int32_t v2 = an_requantize(a2, multiplier[2], shift[2]);
  const int32_t v3 = an_requantize(a3, multiplier[3], shift[3]);
  out[0] = an_dw_clamp(q, v0 + q.offset);
  out[1] = an_dw_clamp(q, v1 + q.offset);
  out[2] = an_dw_clamp(q, v2 + q.offset);
  out[3] = an_dw_clamp(q, v3 + q.offset);
}

// 3x3 filter, depth multiplier 1, no dilation, DSP cores: two horizontally adjacent output
// pixels whose taps all lie inside the image (pixel a reads from in_a, pixel b from in_a + dx,
// dx = stride_w * in_c), channels in blocks of four.  Each block's weight pair (LDRD) serves
// both pixels: per tap two input words, four SXTB16, eight SMLABB/SMLATT, the nine taps
// unrolled.  The same int32 products added in the same order per channel as an_dw_block4.
static void an_dw3x3_pair_dsp(an_dw_out_params q, const int8_t *in_a, int32_t dx, int32_t in_c, int32_t row,
                              const int16_t *filter, int32_t blocks, const int32_t *bias, const int32_t *multiplier,
                              const int32_t *shift, int8_t *out_a, int8_t *out_b) {
  const an_word_t *wp = (const an_word_t *)(const void *)filter;
  for (int32_t blk = 0; blk < blocks;
       ++blk, wp += 18, in_a += 4, out_a += 4, out_b += 4, bias += 4, multiplier += 4, shift += 4) {
    int32_t a0 = bias[0], a1 = bias[1], a2 = bias[2], a3 = bias[3];
    int32_t b0 = a0, b1 = a1, b2 = a2, b3 = a3;
    const int8_t *x = in_a;
#define AN_DW_TAP(T, OFF)                                                          \
  do {                                                                             \
    const uint32_t xa = an_read_u32(x + (OFF)), xb = an_read_u32(x + (OFF) + dx);  \
    const int32_t we = wp[2 * (T)], wo = wp[2 * (T) + 1]; /* (w0, w2), (w1, w3) */ \
    const int32_t ae = __sxtb16(xa), ao = an_sxtb16_ror8(xa);                      \
    const int32_t be = __sxtb16(xb), bo = an_sxtb16_ror8(xb);                      \
    a0 = __smlabb(ae, we, a0);                                                     \
    a2 = __smlatt(ae, we, a2);                                                     \
    a1 = __smlabb(ao, wo, a1);                                                     \
    a3 = __smlatt(ao, wo, a3);                                                     \
    b0 = __smlabb(be, we, b0);                                                     \
    b2 = __smlatt(be, we, b2);                                                     \
    b1 = __smlabb(bo, wo, b1);                                                     \
    b3 = __smlatt(bo, wo, b3);                                                     \
  } while (0)
    AN_DW_TAP(0, 0);
    AN_DW_TAP(1, in_c);
    AN_DW_TAP(2, 2 * in_c);
    x += row;
    AN_DW_TAP(3, 0);
    AN_DW_TAP(4, in_c);
    AN_DW_TAP(5, 2 * in_c);
    x += row;
    AN_DW_TAP(6, 0);
    AN_DW_TAP(7, in_c);
    AN_DW_TAP(8, 2 * in_c);
#undef AN_DW_TAP
    an_dw_store4(q, a0, a1, a2, a3, multiplier, shift, out_a);
    an_dw_store4(q, b0, b1, b2, b3, multiplier, shift, out_b);
  }
}
#endif

#if AN_USE_MVE
// Halfword offsets that read a block's weights (stored w0 w2 w1 w3) in channel order w0 w1 w2 w3.
static const uint32_t an_dw_mve_weight_offsets[4] = {0, 2, 1, 3};
// Word (and byte) offsets of the even channels of eight: 0, 2, 4, 6.
static const uint32_t an_dw_mve_even_lanes[4] = {0, 2, 4, 6};

// acc + x * w per int32 lane (MVE's VMLA takes a scalar: VMUL then VADD).
static inline int32x4_t an_mla_mve(int32x4_t acc, int32x4_t x, int32x4_t w) {
  return vaddq_s32(acc, vmulq_s32(x, w));
}

// Requantizes the accumulators of channels oc.. (the lanes of p) on four lanes
// (an_requantize_mve), adds the output offset, clamps and stores them as int8.
static inline void an_dw_store_mve(an_dw_out_params q, int32x4_t acc, mve_pred16_t p, const int32_t *multiplier,
                                   const int32_t *shift, int8_t *out) {
  int32x4_t v = an_requantize_mve(acc, vldrwq_z_s32(multiplier, p), vldrwq_z_s32(shift, p));
  v = vminq_s32(vmaxq_s32(vaddq_n_s32(v, q.offset), vdupq_n_s32(q.lo)), vdupq_n_s32(q.hi));
  vstrbq_p_s32(out, v, p);
}

// The same for the lanes of acc at word offsets lanes (channels out[lanes[i]]): gathers and a scatter.
static inline void an_dw_store_lanes_mve(an_dw_out_params q, int32x4_t acc, uint32x4_t lanes, const int32_t *multiplier,
                                         const int32_t *shift, int8_t *out) {
  int32x4_t v = an_requantize_mve(acc, vldrwq_gather_shifted_offset_s32(multiplier, lanes),
                                  vldrwq_gather_shifted_offset_s32(shift, lanes));
  v = vminq_s32(vmaxq_s32(vaddq_n_s32(v, q.offset), vdupq_n_s32(q.lo)), vdupq_n_s32(q.hi));
  vstrbq_scatter_offset_s32(out, lanes, v);
}

// Every output channel of one pixel with Helium: int32 lanes, one VMUL and VADD per tap and
// four channels (input bytes widened by VLDRB.S32, weights by a VLDRH.S32 gather that undoes the
// block's w0 w2 w1 w3 order), requantized on four lanes too (an_requantize_mve).  Depth multiplier 1: sixteen channels
// per pass over the taps on int16 lanes (below), eight once, then blocks of four, the last one predicated (out_c % 4:
// no lane reads past the input's channels; the filter's padding weights are zero).  A multiple of four: the block's
// input broadcast (VMLA by a scalar).  Other multipliers: the four inputs gathered at (oc + i) / mult.  The same int32
// products as the DSP path, added in the same order per channel.
static void an_dw_channels_mve(an_dw_out_params q, const int8_t *const *taps, int32_t n_taps, const int16_t *filter,
                               int32_t mult, int32_t out_c, const int32_t *bias, const int32_t *multiplier,
                               const int32_t *shift, int8_t *out) {
  const uint32x4_t wo = vld1q(an_dw_mve_weight_offsets);
  const int32_t block = 4 * n_taps;  // int16 per block of four channels
  int32_t oc = 0;
  if (mult == 1 && block + 3 <= 0xFFFF) {
    // Sixteen channels per pass on int16 lanes: inputs by VLDRB.S16, two blocks' weights by one
    // VLDRH gather in channel order, VMULLB/VMULLT widen the even and odd lanes' products to
    // int32 (even channels in one accumulator, odd in another), then eight channels once.
    const uint16_t wv[8] = {
        0, 2, 1, 3, (uint16_t)block, (uint16_t)(block + 2), (uint16_t)(block + 1), (uint16_t)(block + 3)};
    const uint16x8_t wo16 = vld1q(wv);
    const uint32x4_t even = vld1q(an_dw_mve_even_lanes);
    for (; oc + 16 <= out_c; oc += 16) {
      int32x4_t e0 = vldrwq_gather_shifted_offset_s32(bias + oc, even);
      int32x4_t o0 = vldrwq_gather_shifted_offset_s32(bias + oc + 1, even);
      int32x4_t e1 = vldrwq_gather_shifted_offset_s32(bias + oc + 8, even);
      int32x4_t o1 = vldrwq_gather_shifted_offset_s32(bias + oc + 9, even);
      const int16_t *w = filter + oc * n_taps, *w2 = w + 2 * block;
      for (int32_t t = 0; t < n_taps; ++t, w += 4, w2 += 4) {
        const int8_t *x = taps[t] + oc;
        const int16x8_t xa = vldrbq_s16(x), wa = vldrhq_gather_shifted_offset_s16(w, wo16);
        e0 = vaddq_s32(e0, vmullbq_int_s16(xa, wa));
        o0 = vaddq_s32(o0, vmulltq_int_s16(xa, wa));
        const int16x8_t xb = vldrbq_s16(x + 8), wb = vldrhq_gather_shifted_offset_s16(w2, wo16);
        e1 = vaddq_s32(e1, vmullbq_int_s16(xb, wb));
        o1 = vaddq_s32(o1, vmulltq_int_s16(xb, wb));
      }
      an_dw_store_lanes_mve(q, e0, even, multiplier + oc, shift + oc, out + oc);
      an_dw_store_lanes_mve(q, o0, even, multiplier + oc + 1, shift + oc + 1, out + oc + 1);
      an_dw_store_lanes_mve(q, e1, even, multiplier + oc + 8, shift + oc + 8, out + oc + 8);
      an_dw_store_lanes_mve(q, o1, even, multiplier + oc + 9, shift + oc + 9, out + oc + 9);
    }
    if (oc + 8 <= out_c) {
      int32x4_t e0 = vldrwq_gather_shifted_offset_s32(bias + oc, even);
      int32x4_t o0 = vldrwq_gather_shifted_offset_s32(bias + oc + 1, even);
      const int16_t *w = filter + oc * n_taps;
      for (int32_t t = 0; t < n_taps; ++t, w += 4) {
        const int16x8_t xa = vldrbq_s16(taps[t] + oc), wa = vldrhq_gather_shifted_offset_s16(w, wo16);
        e0 = vaddq_s32(e0, vmullbq_int_s16(xa, wa));
        o0 = vaddq_s32(o0, vmulltq_int_s16(xa, wa));
      }
      an_dw_store_lanes_mve(q, e0, even, multiplier + oc, shift + oc, out + oc);
      an_dw_store_lanes_mve(q, o0, even, multiplier + oc + 1, shift + oc + 1, out + oc + 1);
      oc += 8;
    }
  }
  for (; oc < out_c; oc += 4) {
    const int32_t n = out_c - oc < 4 ? out_c - oc : 4;
    const mve_pred16_t p = vctp32q((uint32_t)n);
    int32x4_t a = vldrwq_z_s32(bias + oc, p);
    const int16_t *w = filter + oc * n_taps;
    if (mult == 1) {
      for (int32_t t = 0; t < n_taps; ++t, w += 4) {
        a = an_mla_mve(a, vldrbq_z_s32(taps[t] + oc, p), vldrhq_gather_shifted_offset_s32(w, wo));
      }
    } else if ((mult & 3) == 0) {
      const int32_t ic = oc / mult;
      for (int32_t t = 0; t < n_taps; ++t, w += 4)
        a = vmlaq_n_s32(a, vldrhq_gather_shifted_offset_s32(w, wo), taps[t][ic]);
    } else {
      const int32_t ic = oc / mult;
      uint32_t xoff[4];
      for (int32_t i = 0; i < 4; ++i) xoff[i] = (uint32_t)((oc + i) / mult - ic);
      const uint32x4_t xo = vld1q(xoff);
      for (int32_t t = 0; t < n_taps; ++t, w += 4) {
        a = an_mla_mve(a, vldrbq_gather_offset_z_s32(taps[t] + ic, xo, p), vldrhq_gather_shifted_offset_s32(w, wo));
      }
    }
    an_dw_store_mve(q, a, p, multiplier + oc, shift + oc, out + oc);
  }
}
#endif

void an_depthwise_conv2d_s8(const an_depthwise_params *p, const int8_t *input, const int16_t *filter,
                            const int32_t *bias, const int32_t *multiplier, const int32_t *shift, const int8_t *pad_row,
                            int8_t *output, void *scratch) {
  const int32_t n_taps = p->k_h * p->k_w;
  const int32_t mult = p->depth_mult;
  const int32_t out_c = p->out_c, in_c = p->in_c, in_h = p->in_h, in_w = p->in_w;
  const int32_t span_h = (p->k_h - 1) * p->dilation_h, span_w = (p->k_w - 1) * p->dilation_w;
  const an_dw_out_params q = {p->output_offset, p->act_min, p->act_max, p->act_min == -128 && p->act_max == 127};
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
#if AN_USE_DSP && !AN_USE_MVE
  // Two pixels at a time where the filter is 3x3, multiplier 1, no dilation (an_dw3x3_pair_dsp).
  const int pair3x3 = p->k_h == 3 && p->k_w == 3 && mult == 1 && p->dilation_h == 1 && p->dilation_w == 1;
#endif
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * in_h * in_w * in_c;
    int8_t *out = output + b * p->out_h * p->out_w * out_c;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_h;
      const int rows_inside = iy0 >= 0 && iy0 + span_h < in_h;
      for (int32_t ox = 0; ox < p->out_w; ++ox, out += out_c) {
        const int32_t ix0 = ox * p->stride_w - p->pad_w;
#if AN_USE_DSP && !AN_USE_MVE
        if (pair3x3 && rows_inside && ix0 >= 0 && ox + 1 < p->out_w && ix0 + p->stride_w + 2 < in_w) {
          const int8_t *base = in + (iy0 * in_w + ix0) * in_c;
          an_dw3x3_pair_dsp(q, base, p->stride_w * in_c, in_c, in_w * in_c, filter, blocks, bias, multiplier, shift,
                            out, out + out_c);
          if (4 * blocks < out_c) {
            for (int32_t t = 0; t < n_taps; ++t) taps[t] = base + offsets[t];
            an_dw_channels_from(q, taps, n_taps, filter, mult, 4 * blocks, out_c, bias, multiplier, shift, out);
            for (int32_t t = 0; t < n_taps; ++t) taps[t] = base + p->stride_w * in_c + offsets[t];
            an_dw_channels_from(q, taps, n_taps, filter, mult, 4 * blocks, out_c, bias, multiplier, shift, out + out_c);
          }
          ++ox;
          out += out_c;
          continue;
        }
#endif
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
#if AN_USE_MVE
        an_dw_channels_mve(q, taps, n_taps, filter, mult, out_c, bias, multiplier, shift, out);
        (void)blocks;
#else
        const int16_t *w = filter;
        int32_t oc = 0;
        for (int32_t blk = 0; blk < blocks; ++blk, oc += 4, w += 4 * n_taps) {
          an_dw_block4(q, taps, n_taps, w, mult == 1 ? oc : oc / mult, mult != 1, bias + oc, multiplier + oc,
                       shift + oc, out + oc);
        }
        an_dw_channels_from(q, taps, n_taps, filter, mult, oc, out_c, bias, multiplier, shift, out);
#endif
      }
    }
  }
}
