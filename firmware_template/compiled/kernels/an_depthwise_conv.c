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

#include <stddef.h>

#include "an_common.h"
#include "an_dot.h"

// AN_DEPTHWISE_SCRATCH_BYTES reserves 8 bytes per tap pointer (a compile error where a pointer is wider).
typedef char an_dw_tap_pointer_fits_scratch[sizeof(const int8_t *) <= 8 ? 1 : -1];

// The filter's geometry for pointing its taps at a pixel whose taps all lie inside the image: bytes from one
// filter row's input row to the next, from one tap to the next along a row.
typedef struct {
  int32_t k_h, k_w, row_step, col_step;
} an_dw_tap_steps;

// taps[t] (t in [k_h][k_w] order) = the input under tap t of the pixel whose tap (0, 0) reads base.
static inline void an_dw_set_taps(const int8_t **taps, const int8_t *base, an_dw_tap_steps s) {
  for (int32_t ky = 0; ky < s.k_h; ++ky, base += s.row_step) {
    const int8_t *x = base;
    for (int32_t kx = 0; kx < s.k_w; ++kx, x += s.col_step) *taps++ = x;
  }
}

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

// Requantizes four accumulators of channels oc..oc+3 and stores them: all four requantizations
// before any store (an int8 store may alias the multipliers), then the offset and clamps (their three values loaded
// once).
static inline __attribute__((always_inline)) void an_dw_store4(an_dw_out_params q, int32_t a0, int32_t a1, int32_t a2,
                                                               int32_t a3, const int32_t *multiplier,
                                                               const int32_t *shift, int8_t *out) {
  const int32_t v0 = an_requantize(a0, multiplier[0], shift[0]);
  const int32_t v1 = an_requantize(a1, multiplier[1], shift[1]);
  const int32_t v2 = an_requantize(a2, multiplier[2], shift[2]);
  const int32_t v3 = an_requantize(a3, multiplier[3], shift[3]);
  out[0] = an_dw_clamp(q, v0 + q.offset);
  out[1] = an_dw_clamp(q, v1 + q.offset);
  out[2] = an_dw_clamp(q, v2 + q.offset);
  out[3] = an_dw_clamp(q, v3 + q.offset);
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
  an_dw_store4(q, a0, a1, a2, a3, multiplier, shift, out);
}

#if AN_USE_DSP && !AN_USE_MVE && defined(__GNUC__)
// clamp(an_requantize(acc, m, s) + offset) for a negative shift s, as an_out_s8_right_shift (an_common.h: SMMLAR on
// 2 m, the sign and the shift, QADD of round_offset = 1 + 2 offset, SSAT #8 of its ASR #1), the activation clamp
// only where the range is not all of int8.
static inline int32_t an_dw_out_right(an_dw_out_params q, int32_t round_offset, int32_t acc, int32_t m, int32_t s) {
  int32_t h, r;
  const int32_t m2 = (int32_t)((uint32_t)m << 1);
  __asm__("smmlar %0, %1, %2, %1" : "=r"(h) : "r"(acc), "r"(m2));
  const int32_t v = __qadd((h + (h >> 31)) >> (-s - 1), round_offset);
  __asm__("ssat %0, #8, %1, asr #1" : "=r"(r) : "r"(v));
  return q.full_range ? r : an_clamp(r, q.lo, q.hi);
}

// an_dw_block4 for a 3x3 filter (nine taps unrolled), depth multiplier 1, every shift of the layer negative, DSP
// cores: per tap one input word (four channels), two SXTB16, the block's two weight words, four SMLABB/SMLATT; the
// four outputs requantized by an_dw_out_right and stored as one word (out is 4-byte aligned: the channels of a
// pixel start at a multiple of four when in_c is, the caller's condition).  The same int32 sums.
static inline void an_dw3x3_block4_right(an_dw_out_params q, int32_t round_offset, const int8_t *const *taps,
                                         const int16_t *w, int32_t ic, const int32_t *bias, const int32_t *multiplier,
                                         const int32_t *shift, int8_t *out) {
  int32_t a0 = bias[0], a1 = bias[1], a2 = bias[2], a3 = bias[3];
  const an_word_t *wp = (const an_word_t *)(const void *)w;
  _Pragma("GCC unroll 9") for (int32_t t = 0; t < 9; ++t) {
    const uint32_t xv = an_read_u32(taps[t] + ic);
    const int32_t xe = __sxtb16(xv), xo = an_sxtb16_ror8(xv);  // (x0, x2), (x1, x3)
    const int32_t we = wp[2 * t], wo = wp[2 * t + 1];
    a0 = __smlabb(xe, we, a0);
    a2 = __smlatt(xe, we, a2);
    a1 = __smlabb(xo, wo, a1);
    a3 = __smlatt(xo, wo, a3);
  }
  const uint32_t v0 = (uint32_t)an_dw_out_right(q, round_offset, a0, multiplier[0], shift[0]) & 0xFFu;
  const uint32_t v1 = (uint32_t)an_dw_out_right(q, round_offset, a1, multiplier[1], shift[1]) & 0xFFu;
  const uint32_t v2 = (uint32_t)an_dw_out_right(q, round_offset, a2, multiplier[2], shift[2]) & 0xFFu;
  const uint32_t v3 = (uint32_t)an_dw_out_right(q, round_offset, a3, multiplier[3], shift[3]);
  const uint32_t word = v0 | (v1 << 8) | (v2 << 16) | (v3 << 24);
  memcpy(out, &word, 4);
}
#endif

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
// (an_requantize_mve; an_requantize_right_mve where right: every shift negative), adds the output offset, clamps and
// stores them as int8.
static inline void an_dw_store_mve(an_dw_out_params q, int right, int32x4_t acc, mve_pred16_t p,
                                   const int32_t *multiplier, const int32_t *shift, int8_t *out) {
  const int32x4_t m = vldrwq_z_s32(multiplier, p), s = vldrwq_z_s32(shift, p);
  int32x4_t v = right ? an_requantize_right_mve(acc, m, s) : an_requantize_mve(acc, m, s);
  v = vminq_s32(vmaxq_s32(vaddq_n_s32(v, q.offset), vdupq_n_s32(q.lo)), vdupq_n_s32(q.hi));
  vstrbq_p_s32(out, v, p);
}

// The same for the lanes of acc at word offsets lanes (channels out[lanes[i]]): gathers and a scatter.
static inline void an_dw_store_lanes_mve(an_dw_out_params q, int right, int32x4_t acc, uint32x4_t lanes,
                                         const int32_t *multiplier, const int32_t *shift, int8_t *out) {
  const int32x4_t m = vldrwq_gather_shifted_offset_s32(multiplier, lanes);
  const int32x4_t s = vldrwq_gather_shifted_offset_s32(shift, lanes);
  int32x4_t v = right ? an_requantize_right_mve(acc, m, s) : an_requantize_mve(acc, m, s);
  v = vminq_s32(vmaxq_s32(vaddq_n_s32(v, q.offset), vdupq_n_s32(q.lo)), vdupq_n_s32(q.hi));
  vstrbq_scatter_offset_s32(out, lanes, v);
}

// Every output channel of one pixel with Helium: int32 lanes, one VMUL and VADD per tap and
// four channels (input bytes widened by VLDRB.S32, weights by a VLDRH.S32 gather that undoes the
// block's w0 w2 w1 w3 order), requantized on four lanes too (an_requantize_mve).  Tap t reads the
// input at taps[t] + delta (delta: how far the pixel lies right of the one the pointers were set
// for, along a run of pixels inside the image).  Depth multiplier 1: sixteen channels per pass
// over the taps on int16 lanes (below), eight once, then blocks of four, the last one predicated
// (out_c % 4: no lane reads past the input's channels; the filter's padding weights are zero).  A
// multiple of four: eight channels per pass, then four, the block's input broadcast (VMLA by a
// scalar).  Other multipliers: the four inputs gathered at (oc + i) / mult.  The same int32
// products as the DSP path, added in the same order per channel.
static inline __attribute__((always_inline)) void an_dw_channels_mve(an_dw_out_params q, const int8_t *const *taps,
                                                                     int32_t delta, int32_t n_taps,
                                                                     const int16_t *filter, int32_t mult, int32_t out_c,
                                                                     const int32_t *bias, const int32_t *multiplier,
                                                                     const int32_t *shift, int8_t *out, uint16x8_t wo16,
                                                                     int right) {
  const uint32x4_t wo = vld1q(an_dw_mve_weight_offsets);
  const int32_t block = 4 * n_taps;  // int16 per block of four channels
  int32_t oc = 0;
  if (mult == 1 && block + 3 <= 0xFFFF) {
    // Sixteen channels per pass on int16 lanes: inputs by VLDRB.S16, two blocks' weights by one
    // VLDRH gather in channel order (wo16), VMULLB/VMULLT widen the even and odd lanes' products
    // to int32 (even channels in one accumulator, odd in another), then eight channels once.
    const uint32x4_t even = vld1q(an_dw_mve_even_lanes);
    for (; oc + 16 <= out_c; oc += 16) {
      int32x4_t e0 = vldrwq_gather_shifted_offset_s32(bias + oc, even);
      int32x4_t o0 = vldrwq_gather_shifted_offset_s32(bias + oc + 1, even);
      int32x4_t e1 = vldrwq_gather_shifted_offset_s32(bias + oc + 8, even);
      int32x4_t o1 = vldrwq_gather_shifted_offset_s32(bias + oc + 9, even);
      const int16_t *w = filter + oc * n_taps, *w2 = w + 2 * block;
      const int32_t at = oc + delta;
      for (int32_t t = 0; t < n_taps; ++t, w += 4, w2 += 4) {
        const int8_t *x = taps[t] + at;
        const int16x8_t xa = vldrbq_s16(x), wa = vldrhq_gather_shifted_offset_s16(w, wo16);
        e0 = vaddq_s32(e0, vmullbq_int_s16(xa, wa));
        o0 = vaddq_s32(o0, vmulltq_int_s16(xa, wa));
        const int16x8_t xb = vldrbq_s16(x + 8), wb = vldrhq_gather_shifted_offset_s16(w2, wo16);
        e1 = vaddq_s32(e1, vmullbq_int_s16(xb, wb));
        o1 = vaddq_s32(o1, vmulltq_int_s16(xb, wb));
      }
      an_dw_store_lanes_mve(q, right, e0, even, multiplier + oc, shift + oc, out + oc);
      an_dw_store_lanes_mve(q, right, o0, even, multiplier + oc + 1, shift + oc + 1, out + oc + 1);
      an_dw_store_lanes_mve(q, right, e1, even, multiplier + oc + 8, shift + oc + 8, out + oc + 8);
      an_dw_store_lanes_mve(q, right, o1, even, multiplier + oc + 9, shift + oc + 9, out + oc + 9);
    }
    if (oc + 8 <= out_c) {
      int32x4_t e0 = vldrwq_gather_shifted_offset_s32(bias + oc, even);
      int32x4_t o0 = vldrwq_gather_shifted_offset_s32(bias + oc + 1, even);
      const int16_t *w = filter + oc * n_taps;
      const int32_t at = oc + delta;
      for (int32_t t = 0; t < n_taps; ++t, w += 4) {
        const int16x8_t xa = vldrbq_s16(taps[t] + at), wa = vldrhq_gather_shifted_offset_s16(w, wo16);
        e0 = vaddq_s32(e0, vmullbq_int_s16(xa, wa));
        o0 = vaddq_s32(o0, vmulltq_int_s16(xa, wa));
      }
      an_dw_store_lanes_mve(q, right, e0, even, multiplier + oc, shift + oc, out + oc);
      an_dw_store_lanes_mve(q, right, o0, even, multiplier + oc + 1, shift + oc + 1, out + oc + 1);
      oc += 8;
    }
  }
  if ((mult & 3) == 0) {
    // Eight channels (two blocks, sharing input channel oc / mult when mult is a multiple of 8;
    // else two) per pass, the input byte broadcast.
    for (; oc + 8 <= out_c; oc += 8) {
      int32x4_t a = vld1q(bias + oc), b = vld1q(bias + oc + 4);
      const int16_t *w = filter + oc * n_taps, *w2 = w + block;
      const int32_t ia = oc / mult + delta, ib = (oc + 4) / mult + delta;
      for (int32_t t = 0; t < n_taps; ++t, w += 4, w2 += 4) {
        const int8_t *x = taps[t];
        a = vmlaq_n_s32(a, vldrhq_gather_shifted_offset_s32(w, wo), x[ia]);
        b = vmlaq_n_s32(b, vldrhq_gather_shifted_offset_s32(w2, wo), x[ib]);
      }
      an_dw_store_mve(q, right, a, vctp32q(4), multiplier + oc, shift + oc, out + oc);
      an_dw_store_mve(q, right, b, vctp32q(4), multiplier + oc + 4, shift + oc + 4, out + oc + 4);
    }
  }
  for (; oc < out_c; oc += 4) {
    const int32_t n = out_c - oc < 4 ? out_c - oc : 4;
    const mve_pred16_t p = vctp32q((uint32_t)n);
    int32x4_t a = vldrwq_z_s32(bias + oc, p);
    const int16_t *w = filter + oc * n_taps;
    if (mult == 1) {
      const int32_t at = oc + delta;
      for (int32_t t = 0; t < n_taps; ++t, w += 4) {
        a = an_mla_mve(a, vldrbq_z_s32(taps[t] + at, p), vldrhq_gather_shifted_offset_s32(w, wo));
      }
    } else if ((mult & 3) == 0) {
      const int32_t ic = oc / mult + delta;
      for (int32_t t = 0; t < n_taps; ++t, w += 4)
        a = vmlaq_n_s32(a, vldrhq_gather_shifted_offset_s32(w, wo), taps[t][ic]);
    } else {
      const int32_t ic = oc / mult;
      uint32_t xoff[4];
      for (int32_t i = 0; i < 4; ++i) xoff[i] = (uint32_t)((oc + i) / mult - ic);
      const uint32x4_t xo = vld1q(xoff);
      for (int32_t t = 0; t < n_taps; ++t, w += 4) {
        a = an_mla_mve(a, vldrbq_gather_offset_z_s32(taps[t] + ic + delta, xo, p),
                       vldrhq_gather_shifted_offset_s32(w, wo));
      }
    }
    an_dw_store_mve(q, right, a, p, multiplier + oc, shift + oc, out + oc);
  }
}

// Filters of at most this many taps have a run's weights of eight channels copied once, in channel
// order, into a stack buffer (an_dw_run_mve; runs of at least four pixels, where the copy pays): the
// taps' loops then load them contiguously.
#define AN_DW_MVE_PACKED_TAPS 9

// Eight channels (oc.. of out_c) of a run of count pixels: two pixels per pass (each weight vector
// serves both), each pixel's taps on int16 lanes (VMULLB/VMULLT into even and odd channels' int32),
// requantized on lanes.  packed: w holds the eight channels' weights in channel order, eight per
// tap (one contiguous load per tap); else w is the filter's block of oc, read by the wo16 gather.
static inline __attribute__((always_inline)) void an_dw_run8_mve(
    an_dw_out_params q, int right, const int8_t *const *taps, int32_t n_taps, const int16_t *w_block, int packed,
    int32_t oc, int32_t out_c, const int32_t *bias, const int32_t *multiplier, const int32_t *shift, int8_t *out,
    int32_t count, int32_t step, uint16x8_t wo16) {
  const uint32x4_t even = vld1q(an_dw_mve_even_lanes);
  const int32x4_t bias_even = vldrwq_gather_shifted_offset_s32(bias + oc, even);
  const int32x4_t bias_odd = vldrwq_gather_shifted_offset_s32(bias + oc + 1, even);
  const int32_t w_step = packed ? 8 : 4;
  int8_t *o = out + oc;
  int32_t i = 0, at = oc;
  // Two pixels per pass: each tap's weights loaded once for both.
  for (; i + 1 < count; i += 2, at += 2 * step, o += 2 * out_c) {
    int32x4_t e0 = bias_even, d0 = bias_odd, e1 = bias_even, d1 = bias_odd;
    const int16_t *w = w_block;
    for (int32_t t = 0; t < n_taps; ++t, w += w_step) {
      const int8_t *x = taps[t] + at;
      const int16x8_t wv = packed ? vldrhq_s16(w) : vldrhq_gather_shifted_offset_s16(w, wo16);
      const int16x8_t x0 = vldrbq_s16(x), x1 = vldrbq_s16(x + step);
      e0 = vaddq_s32(e0, vmullbq_int_s16(x0, wv));
      d0 = vaddq_s32(d0, vmulltq_int_s16(x0, wv));
      e1 = vaddq_s32(e1, vmullbq_int_s16(x1, wv));
      d1 = vaddq_s32(d1, vmulltq_int_s16(x1, wv));
    }
    an_dw_store_lanes_mve(q, right, e0, even, multiplier + oc, shift + oc, o);
    an_dw_store_lanes_mve(q, right, d0, even, multiplier + oc + 1, shift + oc + 1, o + 1);
    an_dw_store_lanes_mve(q, right, e1, even, multiplier + oc, shift + oc, o + out_c);
    an_dw_store_lanes_mve(q, right, d1, even, multiplier + oc + 1, shift + oc + 1, o + out_c + 1);
  }
  for (; i < count; ++i, at += step, o += out_c) {
    int32x4_t e = bias_even, d = bias_odd;
    const int16_t *w = w_block;
    for (int32_t t = 0; t < n_taps; ++t, w += w_step) {
      const int16x8_t x = vldrbq_s16(taps[t] + at);
      const int16x8_t wv = packed ? vldrhq_s16(w) : vldrhq_gather_shifted_offset_s16(w, wo16);
      e = vaddq_s32(e, vmullbq_int_s16(x, wv));
      d = vaddq_s32(d, vmulltq_int_s16(x, wv));
    }
    an_dw_store_lanes_mve(q, right, e, even, multiplier + oc, shift + oc, o);
    an_dw_store_lanes_mve(q, right, d, even, multiplier + oc + 1, shift + oc + 1, o + 1);
  }
}

// A run of count output pixels inside the image (multiplier 1; tap t of pixel i reads
// taps[t] + i * step), channels outermost: for eight channels at a time the bias and the weights
// serve every pixel of the run (an_dw_run8_mve; filters of at most AN_DW_MVE_PACKED_TAPS taps, runs
// of four pixels or more: the weights gathered once into channel order on the stack, 144 bytes); the channels after the
// last eight in predicated blocks of four on int32 lanes.  The same int32 sums per channel as every
// other path.
static void an_dw_run_mve(an_dw_out_params q, int right, const int8_t *const *taps, int32_t n_taps,
                          const int16_t *filter, int32_t out_c, const int32_t *bias, const int32_t *multiplier,
                          const int32_t *shift, int8_t *out, int32_t count, int32_t step, uint16x8_t wo16) {
  int32_t oc = 0;
  if (n_taps <= AN_DW_MVE_PACKED_TAPS && count >= 4) {
    int16_t packed[AN_DW_MVE_PACKED_TAPS * 8];
    for (; oc + 8 <= out_c; oc += 8) {
      const int16_t *w = filter + oc * n_taps;
      for (int32_t t = 0; t < n_taps; ++t, w += 4) vst1q(packed + 8 * t, vldrhq_gather_shifted_offset_s16(w, wo16));
      an_dw_run8_mve(q, right, taps, n_taps, packed, 1, oc, out_c, bias, multiplier, shift, out, count, step, wo16);
    }
  } else {
    for (; oc + 8 <= out_c; oc += 8) {
      an_dw_run8_mve(q, right, taps, n_taps, filter + oc * n_taps, 0, oc, out_c, bias, multiplier, shift, out, count,
                     step, wo16);
    }
  }
  if (oc < out_c) {
    const uint32x4_t wo = vld1q(an_dw_mve_weight_offsets);
    for (; oc < out_c; oc += 4) {
      const mve_pred16_t p = vctp32q((uint32_t)(out_c - oc));
      const int32x4_t b = vldrwq_z_s32(bias + oc, p);
      const int16_t *const w_block = filter + oc * n_taps;
      int8_t *o = out + oc;
      for (int32_t i = 0, at = oc; i < count; ++i, at += step, o += out_c) {
        int32x4_t a = b;
        const int16_t *w = w_block;
        for (int32_t t = 0; t < n_taps; ++t, w += 4) {
          a = an_mla_mve(a, vldrbq_z_s32(taps[t] + at, p), vldrhq_gather_shifted_offset_s32(w, wo));
        }
        an_dw_store_mve(q, right, a, p, multiplier + oc, shift + oc, o);
      }
    }
  }
}
#endif

#if !AN_USE_MVE
// ---- 3x3 by rows of channel planes (p->rows3x3; an_depthwise_conv.h) ----
//
// Four channels at a time, each padded input row of them is widened once into a ring of three
// rows (scratch): per pair of padded columns (2j, 2j+1) and channel g one word holding the two
// inputs as int16 (columns outside the image hold the input zero point, as the general path's
// pad_row).  Every output then is, per filter row, one SMLAD over two adjacent taps and one
// halfword multiply, the two-tap weight pairs packed per channel once per call:
// P = (2 w0, 2 w1), Q = (2 w2, 2 w1) (SMLAD/SMLABB at even columns, SMLATB/SMLADX at odd ones).
// Four outputs of one channel per pass.  The weights and bias are doubled so that SMMLAR does
// TFLM's first rounding (floor((acc m + 2^30) / 2^31) = floor((2 acc m + 2^31) / 2^32)) and adds
// C = 2^(e-1) + output_offset * 2^e in the same instruction; then + [acc < 0] - 1... precisely:
// out = (h + C - [acc < 0]) >> e, which is RoundingDivideByPOT(h, e) + output_offset (h < 0
// only where acc < 0, and where acc < 0 but h = 0 both give output_offset).  The generator
// checks that 2 |acc| and |C| + |h| + 1 stay inside int32 for every input (rows3x3).

// Per channel: P0 Q0 P1 Q1 P2 Q2, 2 bias, multiplier, C, e.
#define AN_DW3_RECORD AN_DEPTHWISE_RECORD_WORDS

static inline uint32_t an_dw3_pack(int32_t lo, int32_t hi) {
  return ((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16);
}

#if AN_USE_DSP
#define AN_DW3_SMLAD(x, y, a) __smlad((x), (y), (a))
#define AN_DW3_SMLADX(x, y, a) __smladx((x), (y), (a))
#define AN_DW3_SMLABB(x, y, a) __smlabb((x), (y), (a))
#define AN_DW3_SMLATB(x, y, a) __smlatb((x), (y), (a))
static inline int32_t an_dw3_mmlar(int32_t a, int32_t m, int32_t c) {
  int32_t r;
  __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(m), "r"(c));
  return r;
}
#else
static inline int32_t an_dw3_lo(uint32_t v) {
  return (int32_t)((v & 0xFFFFu) ^ 0x8000u) - 0x8000;
}
static inline int32_t an_dw3_hi(uint32_t v) {
  return an_dw3_lo(v >> 16);
}
#define AN_DW3_SMLAD(x, y, a) ((a) + an_dw3_lo(x) * an_dw3_lo(y) + an_dw3_hi(x) * an_dw3_hi(y))
#define AN_DW3_SMLADX(x, y, a) ((a) + an_dw3_lo(x) * an_dw3_hi(y) + an_dw3_hi(x) * an_dw3_lo(y))
#define AN_DW3_SMLABB(x, y, a) ((a) + an_dw3_lo(x) * an_dw3_lo(y))
#define AN_DW3_SMLATB(x, y, a) ((a) + an_dw3_hi(x) * an_dw3_lo(y))
// SMMLAR: floor((c * 2^32 + a * m + 2^31) / 2^32).
static inline int32_t an_dw3_mmlar(int32_t a, int32_t m, int32_t c) {
  return (int32_t)(((int64_t)c * 4294967296LL + (int64_t)a * m + 2147483648LL) >> 32);
}
#endif

// The stored output of the doubled accumulator a2 (see above).
static inline int8_t an_dw3_out(an_dw_out_params q, int32_t a2, int32_t m, int32_t c, int32_t e) {
  const int32_t v = (an_dw3_mmlar(a2, m, c) + (a2 >> 31)) >> e;
  return an_dw_clamp(q, v);
}

#if !AN_USE_DSP
// The records of channels c0..c0+3 (filter block c0 / 4); DSP cores: an_dw3_records_dsp.
static void an_dw3_records(const int16_t *filter, const int32_t *bias, const int32_t *multiplier, const int32_t *shift,
                           int32_t c0, int32_t output_offset, int32_t *rec) {
  static const int8_t lane[4] = {0, 2, 1, 3};
  const int16_t *block = filter + c0 * 9;
  for (int32_t g = 0; g < 4; ++g, rec += AN_DW3_RECORD) {
    const int16_t *w = block + lane[g];  // tap t at w[4 t]
    for (int32_t r = 0; r < 3; ++r) {
      const int32_t w0 = 2 * w[12 * r], w1 = 2 * w[12 * r + 4], w2 = 2 * w[12 * r + 8];
      rec[2 * r] = (int32_t)an_dw3_pack(w0, w1);
      rec[2 * r + 1] = (int32_t)an_dw3_pack(w2, w1);
    }
    const int32_t e = -shift[c0 + g];
    rec[6] = (int32_t)((uint32_t)bias[c0 + g] << 1);
    rec[7] = multiplier[c0 + g];
    rec[8] = (int32_t)(((int64_t)1 << (e - 1)) + (int64_t)output_offset * ((int64_t)1 << e));
    rec[9] = e;
  }
}
#endif

#if AN_USE_DSP
// an_dw3_records on DSP cores, the same words: per filter row the block's six weight words (taps 3r..3r+2, each
// (w0, w2) then (w1, w3)), each channel's two pairs by one PKHBT / PKHTB and doubled by one SADD16; the rounding
// constant in int32 (the generator checked that it fits: depthwise_rows_exact).
static inline __attribute__((always_inline)) void an_dw3_records_dsp(const int16_t *filter, const int32_t *bias,
                                                                     const int32_t *multiplier, const int32_t *shift,
                                                                     int32_t c0, int32_t output_offset, int32_t *rec) {
  const an_word_t *wp = (const an_word_t *)(const void *)(filter + c0 * 9);
  _Pragma("GCC unroll 3") for (int32_t r = 0; r < 3; ++r, wp += 6) {
    const uint32_t a0 = (uint32_t)wp[0], b0 = (uint32_t)wp[1], a1 = (uint32_t)wp[2], b1 = (uint32_t)wp[3];
    const uint32_t a2 = (uint32_t)wp[4], b2 = (uint32_t)wp[5];
    uint32_t t[8];
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(t[0]) : "r"(a0), "r"(a1));  // channel 0: (w0, w1)
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(t[1]) : "r"(a2), "r"(a1));  // (w2, w1)
    __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(t[2]) : "r"(a1), "r"(a0));  // channel 2
    __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(t[3]) : "r"(a1), "r"(a2));
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(t[4]) : "r"(b0), "r"(b1));  // channel 1
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(t[5]) : "r"(b2), "r"(b1));
    __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(t[6]) : "r"(b1), "r"(b0));  // channel 3
    __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(t[7]) : "r"(b1), "r"(b2));
    static const int8_t at[8] = {0,
                                 1,
                                 2 * AN_DW3_RECORD,
                                 2 * AN_DW3_RECORD + 1,
                                 AN_DW3_RECORD,
                                 AN_DW3_RECORD + 1,
                                 3 * AN_DW3_RECORD,
                                 3 * AN_DW3_RECORD + 1};
    _Pragma("GCC unroll 8") for (int32_t i = 0; i < 8; ++i) rec[2 * r + at[i]] = (int32_t)__sadd16(t[i], t[i]);
  }
  _Pragma("GCC unroll 4") for (int32_t g = 0; g < 4; ++g, rec += AN_DW3_RECORD) {
    const int32_t e = -shift[c0 + g];
    rec[6] = (int32_t)((uint32_t)bias[c0 + g] << 1);
    rec[7] = multiplier[c0 + g];
    rec[8] = (int32_t)((uint32_t)(1 + 2 * output_offset) << (e - 1));
    rec[9] = e;
  }
}
#endif

// One pair of padded columns of four channels: input words u0 (column 2j), u1 (2j + 1) -> the
// four channels' (x0, x1) int16 pairs at d[0..3] (on DSP cores one STM of four registers).
static inline void an_dw3_widen(uint32_t u0, uint32_t u1, uint32_t *d) {
#if AN_USE_DSP
  // The two columns' bytes of channels 0, 1 and of 2, 3 side by side (two PKH), then one SXTB16 per channel.
  uint32_t lo01, hi23;
  __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(lo01) : "r"(u0), "r"(u1));  // u0 c0 c1, u1 c0 c1
  __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(hi23) : "r"(u1), "r"(u0));  // u0 c2 c3, u1 c2 c3
  register uint32_t w0 __asm__("r4") = (uint32_t)__sxtb16(lo01);
  register uint32_t w1 __asm__("r5") = (uint32_t)an_sxtb16_ror8(lo01);
  register uint32_t w2 __asm__("r6") = (uint32_t)__sxtb16(hi23);
  register uint32_t w3 __asm__("r8") = (uint32_t)an_sxtb16_ror8(hi23);
  __asm__ volatile("stm %0, {%1, %2, %3, %4}" : : "r"(d), "r"(w0), "r"(w1), "r"(w2), "r"(w3) : "memory");
#else
  for (int32_t g = 0; g < 4; ++g) {
    const int32_t x0 = (int32_t)((u0 >> (8 * g)) & 0xFFu), x1 = (int32_t)((u1 >> (8 * g)) & 0xFFu);
    d[g] = an_dw3_pack((x0 ^ 0x80) - 0x80, (x1 ^ 0x80) - 0x80);
  }
#endif
}

static inline uint32_t an_dw3_word(const int8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

// The ring pairs of a padded row by kind, the same for every row of a layer (an_dw3_columns): `lead` pairs with
// a column left of the image, then `inside` whole pairs from image column `ix` on, then `trail` pairs.
typedef struct {
  int32_t lead, inside, trail, ix;
} an_dw3_cols;

static an_dw3_cols an_dw3_columns(int32_t in_w, int32_t pad_w, int32_t pairs) {
  an_dw3_cols c = {0, 0, 0, -pad_w};
  for (; c.lead < pairs && c.ix < 0; ++c.lead) c.ix += 2;
  c.inside = AN_MAX(0, AN_MIN((in_w - c.ix) / 2, pairs - c.lead));
  c.trail = pairs - c.lead - c.inside;
  return c;
}

// Padded row iy + pad_h of channels c0..c0+3 (row = the input's row iy at channel c0, NULL
// outside the image) into ring slot d (pair j at d + PW j, PW = 12 words in the ring, 4 in the plane form); its
// pairs' kinds c.
static inline __attribute__((always_inline)) void an_dw3_widen_row_at(const int8_t *row, an_dw3_cols c, int32_t in_w,
                                                                      int32_t in_c, int32_t pad_w, uint32_t zp4,
                                                                      uint32_t *d, const int32_t PW) {
  if (row == NULL) {
    for (uint32_t *const end = d + PW * (c.lead + c.inside + c.trail); d < end; d += PW) an_dw3_widen(zp4, zp4, d);
    return;
  }
  // Pairs with a column left of the image (its first), then whole pairs inside it, then the rest.
  int32_t ix = -pad_w;  // the pair's first column
  for (int32_t k = 0; k < c.lead; ++k, ix += 2, d += PW) {
    an_dw3_widen(zp4, ix + 1 >= 0 && ix + 1 < in_w ? an_dw3_word(row + (ix + 1) * in_c) : zp4, d);
  }
  const int8_t *x = row + c.ix * in_c;
  const int32_t step = 2 * in_c;
  uint32_t *const stop = d + PW * c.inside;
  // Two pairs per iteration (the loop's compare and branch once per four columns).
  for (; d + PW < stop; d += 2 * PW, x += 2 * step) {
    an_dw3_widen(an_dw3_word(x), an_dw3_word(x + in_c), d);
    an_dw3_widen(an_dw3_word(x + step), an_dw3_word(x + step + in_c), d + PW);
  }
  if (d < stop) {
    an_dw3_widen(an_dw3_word(x), an_dw3_word(x + in_c), d);
    d += PW;
  }
  ix = c.ix + 2 * c.inside;
  for (int32_t k = 0; k < c.trail; ++k, ix += 2, d += PW) {
    an_dw3_widen(ix < in_w ? an_dw3_word(row + ix * in_c) : zp4, zp4, d);
  }
}

static inline __attribute__((always_inline)) void an_dw3_widen_row(const int8_t *row, an_dw3_cols c, int32_t in_w,
                                                                   int32_t in_c, int32_t pad_w, uint32_t zp4,
                                                                   uint32_t *d) {
  an_dw3_widen_row_at(row, c, in_w, in_c, pad_w, zp4, d, 12);
}

#if AN_USE_DSP && defined(__GNUC__) && defined(__OPTIMIZE__)
#define AN_DW3_PASS_ASM 1
// an_dw3_pass of four outputs for each of the four channels (G = 0..3: ring column x + G, record k + 10 G, outputs
// from out + G) where the clamp is all of int8 (SSAT), a row's passes in one looping asm statement (an_dw3_row16_asm
// at strides 1 and 2: fourteen registers, o2 the second output pointer): per channel and
// filter row its two weight words and the pair words in one run of loads (a load after a load takes one cycle), eight
// SMLAD-class instructions; then m, C, e in one run of loads, the four requantizations and the byte stores.  The same
// arithmetic, in the same order, as the C pass.
// clang-format off
#define AN_DW3A_X(G, S, J) "[%[x], #(4*%c[" #S "]+48*" #J "+4*" #G ")]"
#define AN_DW3A_K(G, W) "[%[k], #(40*" #G "+4*(" #W "))]"
#define AN_DW3A_ROW1(G, R, S)                                                                            \
  "ldr %[p], " AN_DW3A_K(G, 2*R) "\n\t"                                                                  \
  "ldr %[q], " AN_DW3A_K(G, 2*R+1) "\n\t"                                                                \
  "ldr %[w0], " AN_DW3A_X(G, S, 0) "\n\t"                                                                \
  "ldr %[w1], " AN_DW3A_X(G, S, 1) "\n\t"                                                                \
  "ldr %[w2], " AN_DW3A_X(G, S, 2) "\n\t"
#define AN_DW3A_MACS1(B0, B1, B2, B3)                                                                    \
  "smlad %[a0], %[w0], %[p], %[" B0 "]\n\t"                                                              \
  "smlatb %[a1], %[w0], %[p], %[" B1 "]\n\t"                                                             \
  "smlad %[a2], %[w1], %[p], %[" B2 "]\n\t"                                                              \
  "smlatb %[a3], %[w1], %[p], %[" B3 "]\n\t"                                                             \
  "smlabb %[a0], %[w1], %[q], %[a0]\n\t"                                                                 \
  "smladx %[a1], %[w1], %[q], %[a1]\n\t"                                                                 \
  "smlabb %[a2], %[w2], %[q], %[a2]\n\t"                                                                 \
  "smladx %[a3], %[w2], %[q], %[a3]\n\t"
// Stride 2: output i reads pairs i (SMLAD P) and i + 1 (SMLABB Q); the row's five pair words in two runs.
#define AN_DW3A_MACS2(G, R, S, B0, B1, B2, B3) AN_DW3A_ROW1(G, R, S) AN_DW3A_MACS2R(G, R, S, B0, B1, B2, B3)
// (the MACs after the row's first run of loads)
#define AN_DW3A_MACS2R(G, R, S, B0, B1, B2, B3)                                                          \
  "smlad %[a0], %[w0], %[p], %[" B0 "]\n\t"                                                              \
  "smlad %[a1], %[w1], %[p], %[" B1 "]\n\t"                                                              \
  "smlabb %[a0], %[w1], %[q], %[a0]\n\t"                                                                 \
  "smlabb %[a1], %[w2], %[q], %[a1]\n\t"                                                                 \
  "ldr %[w0], " AN_DW3A_X(G, S, 3) "\n\t"                                                                \
  "ldr %[w1], " AN_DW3A_X(G, S, 4) "\n\t"                                                                \
  "smlad %[a2], %[w2], %[p], %[" B2 "]\n\t"                                                              \
  "smlad %[a3], %[w0], %[p], %[" B3 "]\n\t"                                                              \
  "smlabb %[a2], %[w0], %[q], %[a2]\n\t"                                                                 \
  "smlabb %[a3], %[w1], %[q], %[a3]\n\t"
// Stride 1: channel G's outputs stored by o (out + G: o + oc, then o post-incremented) and o2 (out + 2 oc + G:
// o2 + oc, then o2 post-incremented), no address add; the previous channel's third output (DELAY) stored right after
// this channel's first run of loads (a store right after a load takes one cycle), before a2 is written again.
#define AN_DW3A_STRIDE1(G, DELAY)                                                                        \
  "ldr %[a3], " AN_DW3A_K(G, 6) "\n\t"                                                                   \
  AN_DW3A_ROW1(G, 0, s0) DELAY AN_DW3A_MACS1("a3", "a3", "a3", "a3")                                     \
  AN_DW3A_ROW1(G, 1, s1) AN_DW3A_MACS1("a0", "a1", "a2", "a3")                                           \
  AN_DW3A_ROW1(G, 2, s2) AN_DW3A_MACS1("a0", "a1", "a2", "a3")
#define AN_DW3A_DELAYED "strb %[a2], [%[o2]], #1\n\t"
#define AN_DW3A_TAIL1(G, LAST)                                                                           \
  "ldr %[p], " AN_DW3A_K(G, 7) "\n\t"                                                                    \
  "ldr %[q], " AN_DW3A_K(G, 8) "\n\t"                                                                    \
  "ldr %[w0], " AN_DW3A_K(G, 9) "\n\t"                                                                   \
  AN_DW3A_OUT("a0") AN_DW3A_OUT("a1") AN_DW3A_OUT("a2") AN_DW3A_OUT("a3")                                \
  "strb %[a1], [%[o], %[oc]]\n\t"                                                                        \
  "strb %[a0], [%[o]], #1\n\t"                                                                           \
  "strb %[a3], [%[o2], %[oc]]\n\t"                                                                       \
  LAST
// Stride 2 in a row's loop (an_dw3_row16_asm): the stores of AN_DW3A_STRIDE1 / AN_DW3A_TAIL1, the previous
// channel's third output (DELAY) after the first run of loads (a2 is written after the second).
#define AN_DW3A_STRIDE2D(G, DELAY)                                                                       \
  "ldr %[a3], " AN_DW3A_K(G, 6) "\n\t"                                                                   \
  AN_DW3A_ROW1(G, 0, s0) DELAY AN_DW3A_MACS2R(G, 0, s0, "a3", "a3", "a3", "a3")                          \
  AN_DW3A_MACS2(G, 1, s1, "a0", "a1", "a2", "a3")                                                        \
  AN_DW3A_MACS2(G, 2, s2, "a0", "a1", "a2", "a3")
#define AN_DW3A_OUT(A)                                                                                   \
  "smmlar %[w1], %[" A "], %[p], %[q]\n\t"                                                               \
  "add %[" A "], %[w1], %[" A "], asr #31\n\t"                                                           \
  "asr %[" A "], %[" A "], %[w0]\n\t"                                                                    \
  "ssat %[" A "], #8, %[" A "]\n\t"
// Stride 1: o2 = out + 2 oc at the start; o, post-incremented once per channel, to out + 4 oc at the end.
#define AN_DW3A_FIRST1 "add %[o2], %[o], %[oc], lsl #1\n\t"
#define AN_DW3A_NEXT1                                                                                    \
  "add %[o], %[o], %[oc], lsl #2\n\t"                                                                     \
  "sub %[o], %[o], #4\n\t"
// clang-format on
// The row's passes of four outputs from *xp up to end (at least one) in one statement, four channels a pass as
// above (stride 1: AN_DW3A_STRIDE1, 24 ring words a pass; stride 2: AN_DW3A_STRIDE2D, 48), the loop inside (its end
// in the statement's 8-byte frame, loaded just before the pass's last store; x and o in registers, no reload of k or
// the end between passes); *xp and *out advanced past them.  stride a constant where inlined.
// clang-format off
#define AN_DW3A_PASS(G, DELAY)                                                                           \
  ".if %c[st] == 1\n\t" AN_DW3A_STRIDE1(G, DELAY) ".else\n\t" AN_DW3A_STRIDE2D(G, DELAY) ".endif\n\t"
// clang-format on
static inline __attribute__((always_inline)) void an_dw3_row16_asm(const uint32_t **xp, const int32_t *k, int8_t **out,
                                                                   int32_t oc, const uint32_t *end, int stride,
                                                                   int32_t S0, int32_t S1, int32_t S2) {
  int32_t a0, a1, a2, a3;
  uint32_t p, q, w0, w2;
  const uint32_t *w1 = end, *x = *xp;
  int8_t *o = *out, *o2;
  // clang-format off
  __asm__ volatile(
      "sub sp, sp, #8\n\t"
      "str %[w1], [sp]\n\t"
      "1:\n\t"
      AN_DW3A_FIRST1
      AN_DW3A_PASS(0, "") AN_DW3A_TAIL1(0, "")
      AN_DW3A_PASS(1, AN_DW3A_DELAYED) AN_DW3A_TAIL1(1, "")
      AN_DW3A_PASS(2, AN_DW3A_DELAYED) AN_DW3A_TAIL1(2, "")
      AN_DW3A_PASS(3, AN_DW3A_DELAYED) AN_DW3A_TAIL1(3, "ldr %[w1], [sp]\n\t" "strb %[a2], [%[o2]]\n\t")
      AN_DW3A_NEXT1
      "add %[x], %[x], #(96 * %c[st])\n\t"
      "cmp %[x], %[w1]\n\t"
      "bne 1b\n\t"
      "add sp, sp, #8"
      : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [p] "=&r"(p), [q] "=&r"(q),
        [w0] "=&r"(w0), [w1] "+r"(w1), [w2] "=&r"(w2), [o2] "=&r"(o2), [o] "+r"(o), [x] "+r"(x)
      : [k] "r"(k), [oc] "r"(oc), [st] "i"(stride), [s0] "i"(S0), [s1] "i"(S1), [s2] "i"(S2)
      : "cc", "memory");
  // clang-format on
  *xp = x;
  *out = o;
}
// Stride 1 where the output step oc is a constant (an_dw3_row16c_asm, oc 8 and 32: vww's and person_detect's
// row-buffer layers): every store at an immediate offset from o (pixel i of channel G at o + i oc + G, o stepped by
// 4 oc a pass), so neither oc nor o2 takes a register, and two of them hold the previous channel's first two outputs
// (e0, e1): its four outputs are stored one right after each of the next channel's first three runs of loads (a store
// right after a load takes one cycle, otherwise two) and one at once; the bias in a0 (free once a0 is requantized
// into e0), row 0's MACs in an order that reads it before a0 is written; w2, free after the MACs, the
// requantization's scratch.  The previous channel's outputs are at offsets PG (its G) from o: G - 1 in a pass,
// 3 - 4 oc for channel 0 (the previous pass's channel 3, o stepped since).
// clang-format off
#define AN_DW3C_O(I, G) "[%[o], #(%c[oc]*" #I "+" G ")]"
#define AN_DW3C_D3(PG) "strb %[a3], " AN_DW3C_O(3, PG) "\n\t"
#define AN_DW3C_D0(PG) "strb %[e0], " AN_DW3C_O(0, PG) "\n\t"
#define AN_DW3C_D1(PG) "strb %[e1], " AN_DW3C_O(1, PG) "\n\t"
#define AN_DW3C_ROW0(G, D3)                                                                              \
  "ldr %[a0], " AN_DW3A_K(G, 6) "\n\t"                                                                   \
  AN_DW3A_ROW1(G, 0, s0) D3                                                                              \
  "smlatb %[a1], %[w0], %[p], %[a0]\n\t"                                                                 \
  "smlad %[a2], %[w1], %[p], %[a0]\n\t"                                                                  \
  "smlatb %[a3], %[w1], %[p], %[a0]\n\t"                                                                 \
  "smlad %[a0], %[w0], %[p], %[a0]\n\t"                                                                  \
  "smlabb %[a0], %[w1], %[q], %[a0]\n\t"                                                                 \
  "smladx %[a1], %[w1], %[q], %[a1]\n\t"                                                                 \
  "smlabb %[a2], %[w2], %[q], %[a2]\n\t"                                                                 \
  "smladx %[a3], %[w2], %[q], %[a3]\n\t"
#define AN_DW3C_OUT(A, D)                                                                                \
  "smmlar %[w2], %[" A "], %[p], %[q]\n\t"                                                               \
  "add %[" A "], %[w2], %[" A "], asr #31\n\t"                                                           \
  "asr %[" A "], %[" A "], %[w0]\n\t"                                                                    \
  "ssat %[" D "], #8, %[" A "]\n\t"
// A channel's end at either stride: m, C, e of channel G (END: the row's end into w1 in the last channel's run), its
// four outputs requantized (the first two into e0 / e1, stored later) and the third stored at once.
#define AN_DW3C_CHANNEL_END(G, END)                                                                      \
  "ldr %[p], " AN_DW3A_K(G, 7) "\n\t"                                                                    \
  "ldr %[q], " AN_DW3A_K(G, 8) "\n\t"                                                                    \
  "ldr %[w0], " AN_DW3A_K(G, 9) "\n\t"                                                                   \
  END                                                                                                    \
  AN_DW3C_OUT("a0", "e0") AN_DW3C_OUT("a1", "e1") AN_DW3C_OUT("a2", "a2") AN_DW3C_OUT("a3", "a3")        \
  "strb %[a2], " AN_DW3C_O(2, #G) "\n\t"
// Channel G, the previous channel's delayed stores D3 / D0 / D1 (empty in a row's first pass), END the
// row's end loaded into w1 in the last channel's run of m, C, e.
#define AN_DW3C_CHANNEL(G, D3, D0, D1, END)                                                              \
  AN_DW3C_ROW0(G, D3)                                                                                    \
  AN_DW3A_ROW1(G, 1, s1) D0 AN_DW3A_MACS1("a0", "a1", "a2", "a3")                                        \
  AN_DW3A_ROW1(G, 2, s2) D1 AN_DW3A_MACS1("a0", "a1", "a2", "a3")                                        \
  AN_DW3C_CHANNEL_END(G, END)
// clang-format on
// Stride 2 where the output step oc is a constant (an_dw3_row16c_asm from an_dw3_rows_s2 at in_c 16: vww's and
// person_detect's 48x48x16), the same stores as at stride 1: every store at an immediate offset from o (output i of
// channel G at o + i oc + G, o stepped by 4 oc a pass), so neither oc nor o2 takes a register and two of them hold the
// previous channel's first two outputs (e0, e1); of its four outputs, the fourth is stored right after the next
// channel's first run of loads (a3 is written after it), the first two after its second and third runs (a store
// right after a load takes one cycle, otherwise two), the third at once.  Filter row 0 with the bias in a0: its first
// run loads pairs 1, 2, 3 (outputs 1, 2, 3 start from the bias), its second pairs 0 and 4 (output 0 last, a0 read
// by all four first).  The same MACs, the same sums.
// clang-format off
#define AN_DW3S2_MACS(G, S)                                                                              \
  "smlad %[a0], %[w0], %[p], %[a0]\n\t"                                                                  \
  "smlad %[a1], %[w1], %[p], %[a1]\n\t"                                                                  \
  "smlabb %[a0], %[w1], %[q], %[a0]\n\t"                                                                 \
  "smlabb %[a1], %[w2], %[q], %[a1]\n\t"                                                                 \
  "ldr %[w0], " AN_DW3A_X(G, S, 3) "\n\t"                                                               \
  "ldr %[w1], " AN_DW3A_X(G, S, 4) "\n\t"                                                               \
  "smlad %[a2], %[w2], %[p], %[a2]\n\t"                                                                  \
  "smlad %[a3], %[w0], %[p], %[a3]\n\t"                                                                  \
  "smlabb %[a2], %[w0], %[q], %[a2]\n\t"                                                                 \
  "smlabb %[a3], %[w1], %[q], %[a3]\n\t"
// Channel G, the previous channel's delayed stores D3 / D0 / D1 (empty in a row's first pass), END the row's end
// loaded into w1 in the last channel's run of m, C, e.
#define AN_DW3S2_CHANNEL(G, D3, D0, D1, END)                                                             \
  "ldr %[a0], " AN_DW3A_K(G, 6) "\n\t"                                                                  \
  "ldr %[p], " AN_DW3A_K(G, 0) "\n\t"                                                                   \
  "ldr %[q], " AN_DW3A_K(G, 1) "\n\t"                                                                   \
  "ldr %[w0], " AN_DW3A_X(G, s0, 1) "\n\t"                                                              \
  "ldr %[w1], " AN_DW3A_X(G, s0, 2) "\n\t"                                                              \
  "ldr %[w2], " AN_DW3A_X(G, s0, 3) "\n\t"                                                              \
  D3                                                                                                     \
  "smlad %[a1], %[w0], %[p], %[a0]\n\t"                                                                  \
  "smlad %[a2], %[w1], %[p], %[a0]\n\t"                                                                  \
  "smlad %[a3], %[w2], %[p], %[a0]\n\t"                                                                  \
  "smlabb %[a1], %[w1], %[q], %[a1]\n\t"                                                                 \
  "smlabb %[a2], %[w2], %[q], %[a2]\n\t"                                                                 \
  "ldr %[w1], " AN_DW3A_X(G, s0, 0) "\n\t"                                                              \
  "ldr %[w2], " AN_DW3A_X(G, s0, 4) "\n\t"                                                              \
  D0                                                                                                     \
  "smlad %[a0], %[w1], %[p], %[a0]\n\t"                                                                  \
  "smlabb %[a0], %[w0], %[q], %[a0]\n\t"                                                                 \
  "smlabb %[a3], %[w2], %[q], %[a3]\n\t"                                                                 \
  AN_DW3A_ROW1(G, 1, s1) D1 AN_DW3S2_MACS(G, s1)                                                         \
  AN_DW3A_ROW1(G, 2, s2) AN_DW3S2_MACS(G, s2)                                                            \
  AN_DW3C_CHANNEL_END(G, END)
// clang-format on
// The row's passes of four outputs from *xp up to end (at least one), four channels a pass, at stride 1 or 2 (st: the
// channel's text and the ring step chosen by an assembler .if, one statement), in one statement: the first pass's
// channel 0 before the loop (no previous outputs), then per pass channels 1-3, o and x stepped, the end test, the next
// pass's channel 0; the last channel's delayed outputs stored after the loop.  oc (the output step, bytes) a constant
// from 1 to 64 (the negative offsets fit an 8-bit immediate).
// clang-format off
#define AN_DW3C_DELAYED(CHANNEL, G, PG) CHANNEL(G, AN_DW3C_D3(PG), AN_DW3C_D0(PG), AN_DW3C_D1(PG), "")
#define AN_DW3C_LOOP(CHANNEL, RING_STEP)                                                          \
  CHANNEL(0, "", "", "", "")                                                                             \
  "1:\n\t"                                                                                               \
  AN_DW3C_DELAYED(CHANNEL, 1, "0") AN_DW3C_DELAYED(CHANNEL, 2, "1")                                                                        \
  CHANNEL(3, AN_DW3C_D3("2"), AN_DW3C_D0("2"), AN_DW3C_D1("2"), "ldr %[w1], [sp]\n\t")                    \
  "add %[x], %[x], #" RING_STEP "\n\t"                                                                     \
  "add %[o], %[o], #(4 * %c[oc])\n\t"                                                                     \
  "cmp %[x], %[w1]\n\t"                                                                                   \
  "beq 2f\n\t"                                                                                            \
  AN_DW3C_DELAYED(CHANNEL, 0, "3-4*%c[oc]")                                                                               \
  "b 1b\n\t"
// clang-format on
static inline __attribute__((always_inline)) void an_dw3_row16c_asm(const uint32_t **xp, const int32_t *k, int8_t **out,
                                                                    const uint32_t *end, int32_t oc, int32_t stride,
                                                                    int32_t S0, int32_t S1, int32_t S2) {
  int32_t a0, a1, a2, a3, e0, e1;
  uint32_t p, q, w0, w2;
  const uint32_t *w1 = end, *x = *xp;
  int8_t *o = *out;
  // clang-format off
  __asm__ volatile(
      "sub sp, sp, #8\n\t"
      "str %[w1], [sp]\n\t"
      ".if %c[st] == 1\n\t"
      AN_DW3C_LOOP(AN_DW3C_CHANNEL, "96")
      ".else\n\t"
      AN_DW3C_LOOP(AN_DW3S2_CHANNEL, "192")
      ".endif\n\t"
      "2:\n\t"
      AN_DW3C_D3("3-4*%c[oc]") AN_DW3C_D0("3-4*%c[oc]") AN_DW3C_D1("3-4*%c[oc]")
      "add sp, sp, #8"
      : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [e0] "=&r"(e0), [e1] "=&r"(e1),
        [p] "=&r"(p), [q] "=&r"(q), [w0] "=&r"(w0), [w1] "+r"(w1), [w2] "=&r"(w2), [o] "+r"(o), [x] "+r"(x)
      : [k] "r"(k), [oc] "i"(oc), [st] "i"(stride), [s0] "i"(S0), [s1] "i"(S1), [s2] "i"(S2)
      : "cc", "memory");
  // clang-format on
  *xp = x;
  *out = o;
}
#undef AN_DW3C_O
#undef AN_DW3C_D3
#undef AN_DW3C_D0
#undef AN_DW3C_D1
#undef AN_DW3C_ROW0
#undef AN_DW3C_OUT
#undef AN_DW3C_CHANNEL
#undef AN_DW3C_DELAYED
#undef AN_DW3C_CHANNEL_END
#undef AN_DW3C_LOOP
#undef AN_DW3S2_MACS
#undef AN_DW3S2_CHANNEL
#undef AN_DW3A_PASS
#undef AN_DW3A_X
#undef AN_DW3A_K
#undef AN_DW3A_ROW1
#undef AN_DW3A_MACS1
#undef AN_DW3A_MACS2
#undef AN_DW3A_MACS2R
#undef AN_DW3A_STRIDE2D
#undef AN_DW3A_STRIDE1
#undef AN_DW3A_OUT
#undef AN_DW3A_DELAYED
#undef AN_DW3A_TAIL1
#undef AN_DW3A_FIRST1
#undef AN_DW3A_NEXT1
#endif

// N (4, 2 or 1) outputs of one channel from ring column x (record k; the ring slots of the filter's rows 0, 1, 2 at
// word offsets S0, S1, S2; pair j of a slot at x[12 j]), stored `oc` bytes apart from out: per filter row (P, Q),
// at stride 1 output i reads pairs i / 2 and i / 2 + 1 (SMLAD P and SMLABB Q where i is even, SMLATB P and SMLADX Q
// where it is odd), at stride 2 pairs i and i + 1 (SMLAD P, SMLABB Q).
static inline __attribute__((always_inline)) void an_dw3_pass(an_dw_out_params q, const uint32_t *x, const int32_t *k,
                                                              int8_t *out, int32_t oc, int N, int stride, int32_t S0,
                                                              int32_t S1, int32_t S2) {
  const int32_t slot[3] = {S0, S1, S2};
  const int words = stride == 1 ? (N + 1) / 2 + 1 : N + 1;  // the pair words a filter row reads
  const int32_t bias = k[6];
  int32_t a[4];
  _Pragma("GCC unroll 4") for (int i = 0; i < N; ++i) a[i] = bias;
  _Pragma("GCC unroll 3") for (int r = 0; r < 3; ++r) {
    // (the loads in this order: GCC keeps it, and it pipelines them best)
    uint32_t P, Q, w[5];
    if (stride == 1 && N == 4) {
      P = (uint32_t)k[2 * r], w[0] = x[slot[r]], w[1] = x[slot[r] + 12];
      Q = (uint32_t)k[2 * r + 1], w[2] = x[slot[r] + 24];
    } else {
      P = (uint32_t)k[2 * r], Q = (uint32_t)k[2 * r + 1];
      _Pragma("GCC unroll 5") for (int j = 0; j < words; ++j) w[j] = x[slot[r] + 12 * j];
    }
    _Pragma("GCC unroll 4") for (int i = 0; i < N; ++i) {
      if (stride != 1) {
        a[i] = AN_DW3_SMLAD(w[i], P, a[i]);
      } else if ((i & 1) == 0) {
        a[i] = AN_DW3_SMLAD(w[i / 2], P, a[i]);
      } else {
        a[i] = AN_DW3_SMLATB(w[i / 2], P, a[i]);
      }
    }
    _Pragma("GCC unroll 4") for (int i = 0; i < N; ++i) {
      if (stride != 1) {
        a[i] = AN_DW3_SMLABB(w[i + 1], Q, a[i]);
      } else if ((i & 1) == 0) {
        a[i] = AN_DW3_SMLABB(w[i / 2 + 1], Q, a[i]);
      } else {
        a[i] = AN_DW3_SMLADX(w[i / 2 + 1], Q, a[i]);
      }
    }
  }
  const int32_t m = k[7], c = k[8], e = k[9];
  int8_t v[4];
  _Pragma("GCC unroll 4") for (int i = 0; i < N; ++i) v[i] = an_dw3_out(q, a[i], m, c, e);
  _Pragma("GCC unroll 2") for (int i = 0; i < N; i += 2, out += 2 * oc) {
    out[0] = v[i];
    if (i + 1 < N) out[oc] = v[i + 1];
  }
}

// One output row of channels c0..c0+3 (their records k, ten int32 apart; their ring columns x,
// one word apart; their outputs out, one byte apart, outputs `oc` bytes apart): per channel `n`
// passes of four outputs, then the row's last `tail` (0..3) outputs as a pass of two and / or
// one.  Ring slots of the filter's rows 0, 1, 2 at word offsets S0, S1, S2 and the stride and
// clamp kind constants (one copy of the loop per combination: an_dw3_row_any).
static inline __attribute__((always_inline)) void an_dw3_row(an_dw_out_params q, const uint32_t *x0, const int32_t *k,
                                                             int32_t n, int32_t tail, int8_t *out0, int32_t oc,
                                                             int stride, int full_range, int32_t S0, int32_t S1,
                                                             int32_t S2) {
  q.full_range = full_range;
  const int32_t pass = stride == 1 ? 24 : 48;  // words per pass of four outputs
#if AN_DW3_PASS_ASM
  if (full_range) {
    // The four channels' passes along the row in one statement (an_dw3_row16_asm), then each channel's tail.
    const uint32_t *const end = x0 + n * pass;
    if (n > 0) an_dw3_row16_asm(&x0, k, &out0, oc, end, stride, S0, S1, S2);
    n = 0;
    if (tail == 0) return;
  }
#endif
  for (int32_t g = 0; g < 4; ++g, k += AN_DW3_RECORD) {
    const uint32_t *x = x0 + g;
    int8_t *out = out0 + g;
    for (const uint32_t *const end = x + n * pass; x < end; x += pass, out += 4 * oc) {
      // The record is read again in every pass (k made opaque): fourteen registers cannot hold it
      // beside the pass's values, and loads next to the inputs' loads pipeline.
#if defined(__GNUC__)
      __asm__("" : "+r"(k));
#endif
      an_dw3_pass(q, x, k, out, oc, 4, stride, S0, S1, S2);
    }
    if (tail & 2) {
      an_dw3_pass(q, x, k, out, oc, 2, stride, S0, S1, S2);
      out += 2 * oc;
      x += pass / 2;
    }
    if (tail & 1) an_dw3_pass(q, x, k, out, oc, 1, stride, S0, S1, S2);
  }
}

#define AN_DW3_ROTATIONS(STRIDE, FULL)                              \
  do {                                                              \
    if (rotation == 0) {                                            \
      an_dw3_row(q, x, k, n, tail, out, oc, STRIDE, FULL, 0, 4, 8); \
    } else if (rotation == 1) {                                     \
      an_dw3_row(q, x, k, n, tail, out, oc, STRIDE, FULL, 4, 8, 0); \
    } else {                                                        \
      an_dw3_row(q, x, k, n, tail, out, oc, STRIDE, FULL, 8, 0, 4); \
    }                                                               \
  } while (0)

// an_dw3_row for a ring rotation (padded row of filter row 0 modulo 3), stride and clamp kind.
static inline __attribute__((always_inline)) void an_dw3_row_any(an_dw_out_params q, const uint32_t *x,
                                                                 const int32_t *k, int32_t n, int32_t tail, int8_t *out,
                                                                 int32_t oc, int32_t stride, int32_t rotation) {
#if !AN_USE_DSP
  // Cores without DSP instructions: one copy of the loop, the ring slots and stride at run time (code size).
  const int32_t s0 = 4 * rotation, s1 = (s0 + 4) % 12, s2 = (s0 + 8) % 12;
  if (stride == 1) {
    an_dw3_row(q, x, k, n, tail, out, oc, 1, 0, s0, s1, s2);
  } else {
    an_dw3_row(q, x, k, n, tail, out, oc, 2, 0, s0, s1, s2);
  }
  return;
#endif
  if (stride == 1) {
    if (q.full_range) {
      AN_DW3_ROTATIONS(1, 1);
    } else {
      AN_DW3_ROTATIONS(1, 0);
    }
  } else {
    if (q.full_range) {
      AN_DW3_ROTATIONS(2, 1);
    } else {
      AN_DW3_ROTATIONS(2, 0);
    }
  }
}
#undef AN_DW3_ROTATIONS

// A padded row of TFLite's SAME columns (stride_w 1: in_w == out_w, one column of zero points each side; stride_w 2:
// in_w == 2 out_w, one right) into ring slot d (row: the image row at channel c0): the pairs an_dw3_widen_row_at
// writes, without its per-pair tests.  Stride 1: (zero point, 0), (1, 2), ..., then (out_w - 1, zero point) where
// out_w is even, else two zero points; stride 2: (0, 1), ..., (2 out_w - 2, 2 out_w - 1), then two zero points.
static inline __attribute__((always_inline)) void an_dw3_widen_same(const int8_t *row, int32_t in_c, uint32_t zp4,
                                                                    uint32_t *d, int32_t out_w, int32_t stride_w) {
  const int32_t step = 2 * in_c;
  const int8_t *x = row;
  int32_t n = out_w;  // whole pairs inside the image after the first one
  if (stride_w == 1) {
    an_dw3_widen(zp4, an_dw3_word(row), d);
    d += 12;
    x += in_c;
    n = (out_w - 1) / 2;
  }
  uint32_t *const stop = d + 12 * n;
  for (; d + 12 < stop; d += 24, x += 2 * step) {
    an_dw3_widen(an_dw3_word(x), an_dw3_word(x + in_c), d);
    an_dw3_widen(an_dw3_word(x + step), an_dw3_word(x + step + in_c), d + 12);
  }
  if (d < stop) {
    an_dw3_widen(an_dw3_word(x), an_dw3_word(x + in_c), d);
    d += 12;
    x += step;
  }
  // (stride 2: the last pair, two zero points, is the same in every row: an_dw3_rows writes it once per slot)
  if (stride_w == 1) an_dw3_widen((out_w & 1) == 0 ? an_dw3_word(x) : zp4, zp4, d);
}

#if AN_DW3_PASS_ASM
// One output row of an_dw3_rows_same1 (rotation: its padded rows in ring slots S0, S1, S2): first the padded row
// below it (image row y + 1, or zero points under the image) widened into slot `slot` (the one its rows need last),
// then its passes.
#define AN_DW3_SAME1_ROW(SLOT, S0, S1, S2)                                    \
  do {                                                                        \
    uint32_t *const d = ring + 4 * (SLOT);                                    \
    if (y + 1 < h) {                                                          \
      an_dw3_widen_same(src + (y + 1) * row_bytes, OC, zp4, d, w, 1);         \
    } else {                                                                  \
      for (int32_t j = 0; j < pairs; ++j) an_dw3_widen(zp4, zp4, d + 12 * j); \
    }                                                                         \
    const uint32_t *x = ring;                                                 \
    int8_t *oo = o + y * row_bytes;                                           \
    an_dw3_row16c_asm(&x, rec, &oo, end, OC, 1, S0, S1, S2);                  \
  } while (0)
// an_dw3_rows for TFLite's SAME rows at stride 1 (in_h == out_h, in_w == out_w, one row and column of zero points
// each side) where the clamp is all of int8, out_w a multiple of four and OC = in_c a constant (vww's and
// person_detect's 48x48x8 and 24x24x32): per group of four channels the ring's three slots in turn, one copy of the
// row per rotation (constant slots, no rotation or next-row bookkeeping), each row one widening and one
// an_dw3_row16c_asm statement; the same ring, records and scratch as an_dw3_rows.
static inline __attribute__((always_inline)) void an_dw3_rows_same1(const an_depthwise_params *p, const int8_t *input,
                                                                    const int16_t *filter, const int32_t *bias,
                                                                    const int32_t *multiplier, const int32_t *shift,
                                                                    int8_t *output, void *scratch, const int32_t OC) {
  const int32_t h = p->out_h, w = p->out_w, row_bytes = w * OC, pairs = (w + 1) / 2 + 1;
  const uint32_t zp4 = 0x01010101u * ((uint32_t)p->pad_value & 0xFFu);
  int32_t *rec = (int32_t *)scratch;
  uint32_t *ring = (uint32_t *)(void *)(rec + 4 * AN_DW3_RECORD);
  const uint32_t *const end = ring + 24 * (w / 4);
  for (int32_t b = 0; b < p->batches; ++b) {
    for (int32_t c0 = 0; c0 < OC; c0 += 4) {
      an_dw3_records_dsp(filter, bias, multiplier, shift, c0, p->output_offset, rec);
      const int8_t *const src = input + b * h * row_bytes + c0;
      int8_t *const o = output + b * h * row_bytes + c0;
      // padded rows 0 (zero points) and 1 (image row 0) in slots 0 and 1
      for (int32_t j = 0; j < pairs; ++j) an_dw3_widen(zp4, zp4, ring + 12 * j);
      an_dw3_widen_same(src, OC, zp4, ring + 4, w, 1);
      for (int32_t y = 0;;) {
        AN_DW3_SAME1_ROW(2, 0, 4, 8);
        if (++y == h) break;
        AN_DW3_SAME1_ROW(0, 4, 8, 0);
        if (++y == h) break;
        AN_DW3_SAME1_ROW(1, 8, 0, 4);
        if (++y == h) break;
      }
    }
  }
}
#undef AN_DW3_SAME1_ROW
#endif

static __attribute__((noinline)) void an_dw3_rows(const an_depthwise_params *p, const int8_t *input,
                                                  const int16_t *filter, const int32_t *bias, const int32_t *multiplier,
                                                  const int32_t *shift, int8_t *output, void *scratch) {
  const int32_t in_c = p->in_c, in_h = p->in_h, in_w = p->in_w, out_h = p->out_h, out_w = p->out_w;
  const int32_t stride_h = p->stride_h, stride_w = p->stride_w;
  const an_dw_out_params q = {p->output_offset, p->act_min, p->act_max, p->act_min == -128 && p->act_max == 127};
#if AN_DW3_PASS_ASM
  if (q.full_range && stride_w == 1 && stride_h == 1 && p->pad_w == 1 && p->pad_h == 1 && in_w == out_w &&
      in_h == out_h && out_w % 4 == 0 && out_w > 0 && out_h > 0) {
    if (in_c == 8) {
      an_dw3_rows_same1(p, input, filter, bias, multiplier, shift, output, scratch, 8);
      return;
    }
    if (in_c == 32) {
      an_dw3_rows_same1(p, input, filter, bias, multiplier, shift, output, scratch, 32);
      return;
    }
  }
#endif
  // The pairs the passes read: the last output's taps end at padded column (out_w - 1) * stride_w + 2
  // (AN_DEPTHWISE_ROWS_PAIRS, the ring's room, is at least this).
  const int32_t pairs = ((out_w - 1) * stride_w + 2) / 2 + 1;
  const an_dw3_cols cols = an_dw3_columns(in_w, p->pad_w, pairs);
  // (DSP cores: the plain-C builds keep the one widening loop, the smaller code)
  const int same = AN_USE_DSP && (stride_w == 1 ? p->pad_w == 1 && in_w == out_w : p->pad_w == 0 && in_w == 2 * out_w);
  const uint32_t zp4 = 0x01010101u * ((uint32_t)p->pad_value & 0xFFu);
  const int32_t row_bytes = in_w * in_c, rotate = stride_h % 3;
  int32_t *rec = (int32_t *)scratch;
  uint32_t *ring = (uint32_t *)(void *)(rec + 4 * AN_DW3_RECORD);
  const int32_t full = out_w / 4, tail = out_w % 4;
  if (same && stride_w == 2) {
    for (int32_t slot = 0; slot < 3; ++slot) an_dw3_widen(zp4, zp4, ring + 4 * slot + 12 * out_w);
  }
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * in_h * row_bytes;
    int8_t *out = output + b * out_h * out_w * in_c;
    for (int32_t c0 = 0; c0 < in_c; c0 += 4) {
#if AN_USE_DSP
      an_dw3_records_dsp(filter, bias, multiplier, shift, c0, p->output_offset, rec);
#else
      an_dw3_records(filter, bias, multiplier, shift, c0, p->output_offset, rec);
#endif
      int32_t next = 0, slot = 0;  // the next padded row to widen and its ring slot (next % 3)
      int32_t rotation = 0;        // top % 3
      int8_t *o = out + c0;
      for (int32_t oy = 0; oy < out_h; ++oy, o += out_w * in_c) {
        const int32_t top = oy * stride_h;           // padded row of filter row 0
        if (next < top) next = top, slot = top % 3;  // rows no output reads (stride_h > 3)
        for (; next <= top + 2; ++next, slot = slot == 2 ? 0 : slot + 1) {
          const int32_t iy = next - p->pad_h;
          uint32_t *const d = ring + 4 * slot;
          if (iy < 0 || iy >= in_h) {
            an_dw3_widen_row(NULL, cols, in_w, in_c, p->pad_w, zp4, d);
          } else if (same) {
            an_dw3_widen_same(in + iy * row_bytes + c0, in_c, zp4, d, out_w, stride_w);
          } else {
            an_dw3_widen_row(in + iy * row_bytes + c0, cols, in_w, in_c, p->pad_w, zp4, d);
          }
        }
        an_dw3_row_any(q, ring, rec, full, tail, o, in_c, stride_w, rotation);
        rotation += rotate;
        if (rotation >= 3) rotation -= 3;
      }
    }
  }
}

#if AN_DW3_PASS_ASM
// Two pairs of columns of four int8 channels widened to int16 pair words (an_dw3_widen's arithmetic, in asm): a pair's
// two column words in v4, v5 (the second pair's in v6, v7), PKH gathers channels 0, 1 and 2, 3 of both columns, SXTB16
// splits each into its even and odd bytes: the first pair's four words in v0-v3, the second's in v4-v7 (an STM's
// order).  an_dw3_widen2_asm and an_dwp_widen_s2_asm.
// clang-format off
#define AN_DW_WIDEN_TWO_PAIRS                                                                               \
  "pkhbt %[v0], %[v4], %[v5], lsl #16\n\t"                                                                  \
  "pkhtb %[v2], %[v5], %[v4], asr #16\n\t"                                                                  \
  "pkhbt %[v4], %[v6], %[v7], lsl #16\n\t"                                                                  \
  "pkhtb %[v6], %[v7], %[v6], asr #16\n\t"                                                                  \
  "sxtb16 %[v1], %[v0], ror #8\n\t"                                                                         \
  "sxtb16 %[v0], %[v0]\n\t"                                                                                 \
  "sxtb16 %[v3], %[v2], ror #8\n\t"                                                                         \
  "sxtb16 %[v2], %[v2]\n\t"                                                                                 \
  "sxtb16 %[v5], %[v4], ror #8\n\t"                                                                         \
  "sxtb16 %[v4], %[v4]\n\t"                                                                                 \
  "sxtb16 %[v7], %[v6], ror #8\n\t"                                                                         \
  "sxtb16 %[v6], %[v6]\n\t"
// clang-format on
// Pairs of the two image rows of an_dw3_widen2_s2 in one asm statement, n steps: per step a pair of columns of four
// channels of the first row (x, x + o1) and one of the second (x + o2, x + o3) in one run of four loads, per pair two
// PKH and four SXTB16 (an_dw3_widen's), and the two pairs' eight words in one STM at d (the second row's pair 16 bytes
// after the first's: 9 cycles against two STMs' 10 and an add); x then steps two columns and d one ring pair (48
// bytes).  The eight words in r0-r6, r8, in the STM's (ascending) order.
static inline __attribute__((always_inline)) void an_dw3_widen2_asm(const int8_t *x, uint32_t *d, int32_t o1,
                                                                    int32_t o2, int32_t o3, int32_t n) {
  register uint32_t v0 __asm__("r0"), v1 __asm__("r1"), v2 __asm__("r2"), v3 __asm__("r3");
  register uint32_t v4 __asm__("r4"), v5 __asm__("r5"), v6 __asm__("r6"), v7 __asm__("r8");
  const uint32_t *const end = d + 12 * n;
  // clang-format off
  __asm__ volatile(
      "1:\n\t"
      ".rept 2\n\t"
      "ldr %[v4], [%[x]]\n\t"
      "ldr %[v5], [%[x], %[o1]]\n\t"
      "ldr %[v6], [%[x], %[o2]]\n\t"
      "ldr %[v7], [%[x], %[o3]]\n\t"
      "add %[x], %[x], %[o1], lsl #1\n\t"
      AN_DW_WIDEN_TWO_PAIRS  // the first row's pair from v4, v5; the second row's from v6, v7
      "stmia %[d], {%[v0], %[v1], %[v2], %[v3], %[v4], %[v5], %[v6], %[v7]}\n\t"
      "add %[d], %[d], #48\n\t"
      ".endr\n\t"
      "cmp %[d], %[end]\n\t"
      "bne 1b\n\t"
      : [v0] "=&r"(v0), [v1] "=&r"(v1), [v2] "=&r"(v2), [v3] "=&r"(v3), [v4] "=&r"(v4), [v5] "=&r"(v5),
        [v6] "=&r"(v6), [v7] "=&r"(v7), [x] "+r"(x), [d] "+r"(d)
      : [o1] "r"(o1), [o2] "r"(o2), [o3] "r"(o3), [end] "r"(end)
      : "cc", "memory");
  // clang-format on
}

// The two image rows an output row of an_dw3_rows_s2 adds to the ring: row and row + row_bytes (the zero-point row
// below the image where last) into slots d1 and d2.  Where d2 is d1's next slot (filter row 0 in slot 0 or 2) each
// pair j of both rows is one step of an_dw3_widen2_asm; where it is slot 0 and d1 slot 2 (filter row 0 in slot 1),
// the first row's pair j and the second row's pair j + 1 are adjacent instead: the second row's pair 0 first, then
// out_w - 1 steps, then the first row's last pair.
static __attribute__((noinline)) void an_dw3_widen2_s2(const int8_t *row, int32_t row_bytes, int32_t in_c, uint32_t zp4,
                                                       uint32_t *d1, uint32_t *d2, int32_t out_w, int last) {
  if (last) {
    an_dw3_widen_same(row, in_c, zp4, d1, out_w, 2);
    for (uint32_t *const end = d2 + 12 * out_w; d2 < end; d2 += 12) an_dw3_widen(zp4, zp4, d2);
  } else if (d2 == d1 + 4) {
    an_dw3_widen2_asm(row, d1, in_c, row_bytes, row_bytes + in_c, out_w);
  } else {
    const int8_t *row2 = row + row_bytes;
    an_dw3_widen(an_dw3_word(row2), an_dw3_word(row2 + in_c), d2);
    an_dw3_widen(an_dw3_word(row), an_dw3_word(row + in_c), d1);
    an_dw3_widen(an_dw3_word(row2 + 2 * in_c), an_dw3_word(row2 + 3 * in_c), d1 + 4);
    an_dw3_widen2_asm(row + 2 * in_c, d1 + 12, in_c, row_bytes + 2 * in_c, row_bytes + 3 * in_c, out_w - 2);
    const int8_t *x = row + (2 * out_w - 2) * in_c;
    an_dw3_widen(an_dw3_word(x), an_dw3_word(x + in_c), d1 + 12 * (out_w - 1));
  }
}

// An output row of an_dw3_rows_s2 (filter rows 0, 1, 2 in the ring slots at word offsets S0, S1, S2): its two new
// image rows (an_dw3_widen2_s2), then its passes (an_dw3_row16c_asm, out_w / 4 of them, no tail) to o; in_c the
// constant 16.
static inline __attribute__((always_inline)) void an_dw3_s2_row(const int8_t *row, int32_t row_bytes, int32_t in_c,
                                                                uint32_t zp4, uint32_t *ring, const int32_t *k,
                                                                int8_t *o, int32_t out_w, int last, int32_t S0,
                                                                int32_t S1, int32_t S2) {
  an_dw3_widen2_s2(row, row_bytes, in_c, zp4, ring + S1, ring + S2, out_w, last);
  const uint32_t *x = ring;
  an_dw3_row16c_asm(&x, k, &o, ring + 12 * out_w, in_c, 2, S0, S1, S2);
}

// an_dw3_rows on TFLite's SAME rows and columns at stride 2 over an even height and width (no row or column before
// the image, one of zero points after it) with 16 channels where the clamp is all of int8 and out_w is a multiple of
// four (an_dw3_rows_s2_applies: vww's and person_detect's 48x48x16 -> 24x24x16): the same ring, records and
// arithmetic, but the ring's slots known per output row (filter row 0's slot goes 0, 2, 1: three output rows a step of
// the loop, each with its constant slot offsets), so each output row's two new image rows are widened straight into
// their slots, without the general row loop's per-row tests, and its passes (an_dw3_row16c_asm: the output step a
// constant) run without the tail's and the rotation's choices.
static int an_dw3_rows_s2_applies(const an_depthwise_params *p) {
  return p->in_c == 16 && p->act_min == -128 && p->act_max == 127 && p->stride_w == 2 && p->stride_h == 2 &&
         p->pad_w == 0 && p->pad_h == 0 && p->in_w == 2 * p->out_w && p->in_h == 2 * p->out_h && p->out_w % 4 == 0 &&
         p->out_w >= 4;
}

static __attribute__((noinline)) void an_dw3_rows_s2(const an_depthwise_params *p, const int8_t *input,
                                                     const int16_t *filter, const int32_t *bias,
                                                     const int32_t *multiplier, const int32_t *shift, int8_t *output,
                                                     void *scratch) {
  const int32_t in_c = 16, out_h = p->out_h, out_w = p->out_w, row_bytes = p->in_w * in_c;
  const uint32_t zp4 = 0x01010101u * ((uint32_t)p->pad_value & 0xFFu);
  int32_t *rec = (int32_t *)scratch;
  uint32_t *ring = (uint32_t *)(void *)(rec + 4 * AN_DW3_RECORD);
  // every slot's last pair (the zero-point column after the image), once
  for (int32_t slot = 0; slot < 3; ++slot) an_dw3_widen(zp4, zp4, ring + 4 * slot + 12 * out_w);
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * p->in_h * row_bytes;
    int8_t *out = output + b * out_h * out_w * in_c;
    for (int32_t c0 = 0; c0 < in_c; c0 += 4) {
      an_dw3_records_dsp(filter, bias, multiplier, shift, c0, p->output_offset, rec);
      const int8_t *row = in + c0 + row_bytes;  // image row 1: the first output row's second filter row
      int8_t *o = out + c0;
      an_dw3_widen_same(in + c0, in_c, zp4, ring, out_w, 2);  // image row 0 into slot 0
      const int32_t row2 = 2 * row_bytes, orow = out_w * in_c;
      for (int32_t oy = 0;;) {
        an_dw3_s2_row(row, row_bytes, in_c, zp4, ring, rec, o, out_w, ++oy == out_h, 0, 4, 8);
        if (oy == out_h) break;
        row += row2, o += orow;
        an_dw3_s2_row(row, row_bytes, in_c, zp4, ring, rec, o, out_w, ++oy == out_h, 8, 0, 4);
        if (oy == out_h) break;
        row += row2, o += orow;
        an_dw3_s2_row(row, row_bytes, in_c, zp4, ring, rec, o, out_w, ++oy == out_h, 4, 8, 0);
        if (oy == out_h) break;
        row += row2, o += orow;
      }
    }
  }
}

#endif

// an_dw3_rows, or an_dw3_rows_s2 where it applies (DSP cores).
static inline __attribute__((always_inline)) void an_dw3_rows_dsp(const an_depthwise_params *p, const int8_t *input,
                                                                  const int16_t *filter, const int32_t *bias,
                                                                  const int32_t *multiplier, const int32_t *shift,
                                                                  int8_t *output, void *scratch) {
#if AN_DW3_PASS_ASM
  if (an_dw3_rows_s2_applies(p)) {
    an_dw3_rows_s2(p, input, filter, bias, multiplier, shift, output, scratch);
    return;
  }
#endif
  an_dw3_rows(p, input, filter, bias, multiplier, shift, output, scratch);
}

#if AN_USE_DSP
// ---- 3x3 narrow rows, stride_w 1 (rows3x3, AN_DEPTHWISE_NARROW(out_w, stride_w)): a channel pair per plane ----
//
// Rows of 4 to 6 outputs repay neither the four-channel passes' per-row calls nor their tails, and a model made
// of such layers (DS-CNN: 25x5x64) leaves no room for the four-channel ring.  Here two channels' records (as
// an_dw3_records': doubled weight pairs, bias, multiplier, C, e) stay for their whole planes; each padded input
// row of the pair is widened once into the pair's two rings of three rows (the two channels of two columns read
// as two halfwords, one SXTB16 per channel: its two columns as an int16 pair); columns outside the image hold the
// zero point from the start, rows outside it are written as zero points.
// Every output row of a channel is then one straight run: per filter row its two weight words and the row's pair
// words (two at a time), the row's accumulators in registers (SMLAD over adjacent taps as an_dw3_row), requantized
// as an_dw3_out.  One copy of the loops per width W = out_w (4, 5, 6) and clamp kind.

// Pair words one ring row holds for W outputs (padded columns 0 .. W + 1).
#define AN_DW3N_PAIRS(W) (((W) + 1) / 2 + 1)

// The record of channel c (an_dw3_records' layout, one channel).
static inline __attribute__((always_inline)) void an_dw3_record(const int16_t *filter, const int32_t *bias,
                                                                const int32_t *multiplier, const int32_t *shift,
                                                                int32_t c, int32_t output_offset, int32_t *rec) {
  static const int8_t lane[4] = {0, 2, 1, 3};
  const int16_t *w = filter + (c >> 2) * 36 + lane[c & 3];  // tap t at w[4 t]
  _Pragma("GCC unroll 3") for (int32_t r = 0; r < 3; ++r) {
    const int32_t w0 = 2 * w[12 * r], w1 = 2 * w[12 * r + 4], w2 = 2 * w[12 * r + 8];
    rec[2 * r] = (int32_t)an_dw3_pack(w0, w1);
    rec[2 * r + 1] = (int32_t)an_dw3_pack(w2, w1);
  }
  const int32_t e = -shift[c];
  rec[6] = (int32_t)((uint32_t)bias[c] << 1);
  rec[7] = multiplier[c];
  rec[8] = (int32_t)(((int64_t)1 << (e - 1)) + (int64_t)output_offset * ((int64_t)1 << e));
  rec[9] = e;
}

// A scheduling barrier (an empty volatile asm): GCC's scheduler would hoist every load of the unrolled row above
// the multiplies and spill them; one before each filter row and group of two pair words keeps each group's loads
// together (consecutive loads pipeline) and in registers.
#if defined(__GNUC__)
#define AN_DW3N_BARRIER() __asm__ volatile("")
#else
#define AN_DW3N_BARRIER() ((void)0)
#endif

// Filter row (P, Q) = (KP)[0], (KP)[1] over ring row X into the W accumulators a: output i reads padded columns
// i .. i + 2, so pair word j serves outputs 2j (SMLAD P), 2j + 1 (SMLATB P), 2j - 2 (SMLABB Q) and 2j - 1
// (SMLADX Q).
#define AN_DW3N_FILTER_ROW(X, KP)                                                       \
  do {                                                                                  \
    AN_DW3N_BARRIER();                                                                  \
    const uint32_t *const xr_ = (X);                                                    \
    const uint32_t P = (uint32_t)(KP)[0], Q = (uint32_t)(KP)[1];                        \
    uint32_t v[MAXW / 2 + 2];                                                           \
    _Pragma("GCC unroll 8") for (int j = 0; j < pairs; ++j) {                           \
      if ((j & 1) == 0) {                                                               \
        if (j > 0) AN_DW3N_BARRIER();                                                   \
        v[j] = xr_[j];                                                                  \
        if (j + 1 < pairs) v[j + 1] = xr_[j + 1];                                       \
      }                                                                                 \
      if (2 * j < W) a[2 * j] = AN_DW3_SMLAD(v[j], P, a[2 * j]);                        \
      if (2 * j + 1 < W) a[2 * j + 1] = AN_DW3_SMLATB(v[j], P, a[2 * j + 1]);           \
      if (j >= 1) a[2 * j - 2] = AN_DW3_SMLABB(v[j], Q, a[2 * j - 2]);                  \
      if (j >= 1 && 2 * j - 1 < W) a[2 * j - 1] = AN_DW3_SMLADX(v[j], Q, a[2 * j - 1]); \
    }                                                                                   \
  } while (0)

// One output row of one channel from ring rows x, the next, the one after (record k; the ring's three rows of
// `pairs` words from `ring`), W and clamp kind F constants: its W outputs stored `step` bytes apart.
static inline __attribute__((always_inline)) void an_dw3n_row(an_dw_out_params q, const uint32_t *ring,
                                                              const uint32_t *x, const int32_t *k, int8_t *o,
                                                              int32_t step, int W, int F) {
  enum { MAXW = AN_DEPTHWISE_NARROW_MAX_OUT_W };
  const int pairs = AN_DW3N_PAIRS(W);
  int32_t a[MAXW];
  const int32_t bias2 = k[6];
  _Pragma("GCC unroll 8") for (int i = 0; i < W; ++i) a[i] = bias2;
  AN_DW3N_FILTER_ROW(x, k);
  x += pairs;
  if (x == ring + 3 * pairs) x = ring;
  AN_DW3N_FILTER_ROW(x, k + 2);
  x += pairs;
  if (x == ring + 3 * pairs) x = ring;
  AN_DW3N_FILTER_ROW(x, k + 4);
  AN_DW3N_BARRIER();
  const int32_t m = k[7], cst = k[8], e = k[9];
  int8_t v[MAXW];
  q.full_range = F;
  _Pragma("GCC unroll 8") for (int i = 0; i < W; ++i) v[i] = an_dw3_out(q, a[i], m, cst, e);
  _Pragma("GCC unroll 8") for (int i = 0; i < W; ++i, o += step) *o = v[i];
}
#undef AN_DW3N_FILTER_ROW

// The geometry every channel pair's plane shares (an_dw3_narrow).
typedef struct {
  int32_t in_c, in_h, row_bytes, first, lead, twos, last, same, pad_h, stride_h, padded_rows, out_row_bytes;
  uint32_t zp2;  // the zero point in both halves (int16), and below: in both bytes of each half (int8)
  uint32_t zp4;
} an_dw3n_geom;

// Two columns of channels c, c + 1 (lo: the int8 pair of the even column, hi: of the odd one, each channel c
// in its low byte) -> the pair words of channel c (*a) and c + 1 (*b): on DSP cores one SXTB16 each.
static inline void an_dw3n_split(uint32_t lo, uint32_t hi, uint32_t *a, uint32_t *b) {
  const uint32_t w = (lo & 0xFFFFu) | (hi << 16);
  *a = (uint32_t)__sxtb16(w);
  *b = (uint32_t)an_sxtb16_ror8(w);
}

static inline uint32_t an_dw3n_u16(const int8_t *p) {
  uint16_t v;
  memcpy(&v, p, 2);
  return v;
}

// Every output row of channels c, c + 1 (x: the input at channel c, o: the output at channel c; records ka and
// ka + AN_DW3_RECORD; rings ra and ra + 3 pairs), padded row by padded row: row y widened into both rings' row y % 3
// (each pair of image columns read as two halfwords, then one SXTB16 per channel; columns outside the image the zero
// point; a row outside the image all zero points; SAME padding of W columns by a copy with constant offsets), then,
// where y - 2 is a multiple of stride_h, the output row whose filter starts at padded row y - 2 (ring rows
// (y + 1) % 3, (y + 2) % 3, y % 3) of channel c, then of c + 1.
static inline __attribute__((always_inline)) void an_dw3n_plane(an_dw_out_params q, const an_dw3n_geom *g,
                                                                const int8_t *x, int8_t *o, const int32_t *ka,
                                                                uint32_t *ra, int W, int F) {
  const int32_t pairs = AN_DW3N_PAIRS(W);
  int32_t slot = 0, wait = 2;  // y % 3; padded rows until the next output row
  int32_t iy = -g->pad_h;
  const int32_t iy_end = g->padded_rows - g->pad_h;
  x += iy * g->row_bytes;
  for (; iy < iy_end; ++iy, x += g->row_bytes) {
    uint32_t *da = ra + pairs * slot + g->first, *db = da + 3 * pairs;
    if ((uint32_t)iy < (uint32_t)g->in_h && g->same) {
      // SAME padding (pad_w 1, in_w W): (zero point, column 0), then pairs of columns, then the last one beside
      // the zero point where W - 1 is odd; the stores at constant offsets.
      const int8_t *xi = x;
      const int32_t in_c = g->in_c;
      an_dw3n_split(g->zp4, an_dw3n_u16(xi), da, db);
      xi += in_c;
      _Pragma("GCC unroll 4") for (int j = 1; j <= (W - 1) / 2; ++j, xi += 2 * in_c) {
        an_dw3n_split(an_dw3n_u16(xi), an_dw3n_u16(xi + in_c), da + j, db + j);
      }
      if ((W - 1) & 1) an_dw3n_split(an_dw3n_u16(xi), g->zp4, da + (W + 1) / 2, db + (W + 1) / 2);
    } else if ((uint32_t)iy < (uint32_t)g->in_h) {
      const int8_t *xi = x;
      const int32_t in_c = g->in_c;
      if (g->lead) {  // (zero point, first column)
        an_dw3n_split(g->zp4, an_dw3n_u16(xi), da++, db++);
        xi += in_c;
      }
      for (int32_t n = g->twos; n > 0; --n, xi += 2 * in_c) {
        an_dw3n_split(an_dw3n_u16(xi), an_dw3n_u16(xi + in_c), da++, db++);
      }
      if (g->last) an_dw3n_split(an_dw3n_u16(xi), g->zp4, da, db);  // (last column, zero point)
    } else {
      const uint32_t zp2 = g->zp2;
      da = ra + pairs * slot;
      _Pragma("GCC unroll 8") for (int j = 0; j < pairs; ++j) da[j] = da[j + 3 * pairs] = zp2;
    }
    slot = slot == 2 ? 0 : slot + 1;
    if (wait == 0) {  // slot: (y + 1) % 3; channel c, then c + 1 (one copy of the row's code)
      _Pragma("GCC unroll 1") for (int32_t ch = 0; ch < 2; ++ch) {
        const uint32_t *const r = ra + ch * 3 * pairs;
        an_dw3n_row(q, r, r + pairs * slot, ka + ch * AN_DW3_RECORD, o + ch, g->in_c, W, F);
      }
      o += g->out_row_bytes;
      wait = g->stride_h;
    }
    --wait;
  }
}

#define AN_DW3N_CHANNELS(W, F)                                                                      \
  do {                                                                                              \
    for (int32_t c = 0; c < in_c; c += 2) {                                                         \
      an_dw3_record(filter, bias, multiplier, shift, c, p->output_offset, rec);                     \
      an_dw3_record(filter, bias, multiplier, shift, c + 1, p->output_offset, rec + AN_DW3_RECORD); \
      an_dw3n_plane(q, &g, in + c, out + c, rec, ring, W, F);                                       \
    }                                                                                               \
  } while (0)

// The copies for the two widths of a clamp kind.
#define AN_DW3N_WIDTHS(F)     \
  do {                        \
    if (out_w == 4) {         \
      AN_DW3N_CHANNELS(4, F); \
    } else if (out_w == 5) {  \
      AN_DW3N_CHANNELS(5, F); \
    } else {                  \
      AN_DW3N_CHANNELS(6, F); \
    }                         \
  } while (0)

static __attribute__((noinline)) void an_dw3_narrow(const an_depthwise_params *p, const int8_t *input,
                                                    const int16_t *filter, const int32_t *bias,
                                                    const int32_t *multiplier, const int32_t *shift, int8_t *output,
                                                    void *scratch) {
  const int32_t in_c = p->in_c, out_w = p->out_w;
  const int32_t pairs = AN_DW3N_PAIRS(out_w);
  int32_t *rec = (int32_t *)scratch;  // two records, then two rings of three rows of `pairs` words
  uint32_t *ring = (uint32_t *)(void *)(rec + 2 * AN_DW3_RECORD);
  const uint32_t zp8 = (uint32_t)p->pad_value & 0xFFu, zp16 = (uint32_t)p->pad_value & 0xFFFFu;
  // The image columns the outputs read (padded column ix + pad_w < 2 pairs): from pair pad_w / 2, an odd
  // pad_w's first one beside the zero point (lead), then pairs, then the last one beside the zero point.
  const int32_t cols = AN_MIN(p->in_w, 2 * pairs - p->pad_w), lead = (p->pad_w & 1) && cols > 0;
  an_dw3n_geom g = {in_c,
                    p->in_h,
                    p->in_w * in_c,
                    p->pad_w / 2,
                    lead,
                    (cols - lead) / 2,
                    (cols - lead) & 1,
                    p->pad_w == 1 && p->in_w == out_w,
                    p->pad_h,
                    p->stride_h,
                    (p->out_h - 1) * p->stride_h + 3,
                    out_w * in_c,
                    zp16 | (zp16 << 16),
                    0x01010101u * zp8};
  // Columns outside the image hold the zero point from the start (the widening writes only image columns).
  for (int32_t i = 0; i < 6 * pairs; ++i) ring[i] = g.zp2;
  const an_dw_out_params q = {p->output_offset, p->act_min, p->act_max, p->act_min == -128 && p->act_max == 127};
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * p->in_h * p->in_w * in_c;
    int8_t *out = output + b * p->out_h * out_w * in_c;
    if (q.full_range) {
      AN_DW3N_WIDTHS(1);
    } else {
      AN_DW3N_WIDTHS(0);
    }
  }
}
#undef AN_DW3N_WIDTHS
#undef AN_DW3N_CHANNELS

// ---- 3x3 small planes (rows3x3 == 2, AN_DEPTHWISE_PLANE(out_w, stride_w)): four channels' whole padded plane ----
//
// Planes of a few outputs a row (vww's 6x6 and 3x3, an AttendNet's 4x4 and 2x2) spend the narrow form's time
// on its ring (the slot arithmetic per filter row, a wrap check per padded row) and its two-channel widening.
// Here the whole padded plane of four channels is widened once (an_dw3_widen: two PKH and four SXTB16 per pair
// of columns), pair j of padded row y of channel g at word (y * PW + j) * 4 + g, PW pairs a row; every output row
// of a channel then reads its nine taps' pair words at constant offsets from one pointer, its accumulators in
// registers: at stride_w 1 as an_dw3n_row (SMLAD over adjacent taps), at stride_w 2 one SMLAD and one SMLABB per
// output and filter row (output i reads pair i and the low half of pair i + 1).  Requantized as an_dw3_out.
// The rows outside the image are written once per call (the same for every group of channels).  One copy of
// the loops per width W and stride S and clamp kind.

// The row's pair words of filter row (P, Q) = (KP)[0], (KP)[1] over plane row XR (pair j at XR[4 j]) into the W
// accumulators a (stride S).
#define AN_DWP_FILTER_ROW(XR, KP)                                                         \
  do {                                                                                    \
    AN_DW3N_BARRIER();                                                                    \
    const uint32_t *const xr_ = (XR);                                                     \
    const uint32_t P = (uint32_t)(KP)[0], Q = (uint32_t)(KP)[1];                          \
    uint32_t v[MAXW + 1];                                                                 \
    _Pragma("GCC unroll 8") for (int j = 0; j < pairs; ++j) {                             \
      if (pairs <= 3 && j == 0) {                                                         \
        _Pragma("GCC unroll 4") for (int i = 0; i < pairs; ++i) v[i] = xr_[4 * i];        \
      } else if (pairs > 3 && (j & 1) == 0) {                                             \
        if (j > 0) AN_DW3N_BARRIER();                                                     \
        v[j] = xr_[4 * j];                                                                \
        if (j + 1 < pairs) v[j + 1] = xr_[4 * (j + 1)];                                   \
      }                                                                                   \
      if (S == 1) {                                                                       \
        if (2 * j < W) a[2 * j] = AN_DW3_SMLAD(v[j], P, a[2 * j]);                        \
        if (2 * j + 1 < W) a[2 * j + 1] = AN_DW3_SMLATB(v[j], P, a[2 * j + 1]);           \
        if (j >= 1) a[2 * j - 2] = AN_DW3_SMLABB(v[j], Q, a[2 * j - 2]);                  \
        if (j >= 1 && 2 * j - 1 < W) a[2 * j - 1] = AN_DW3_SMLADX(v[j], Q, a[2 * j - 1]); \
      } else {                                                                            \
        if (j < W) a[j] = AN_DW3_SMLAD(v[j], P, a[j]);                                    \
        if (j >= 1) a[j - 1] = AN_DW3_SMLABB(v[j], Q, a[j - 1]);                          \
      }                                                                                   \
    }                                                                                     \
  } while (0)

// Every output row of one channel: its plane from x (pair j of padded row y at x[(y * PW + j) * 4]), record k,
// outputs from o (`o_step` bytes apart in a row, `o_row` from one row to the next), out_h rows, stride_h rows
// apart in the plane.
// CW outputs of one output row (CW <= AN_DEPTHWISE_PLANE_MAX_OUT_W, in registers) from the plane rows at x, x + PW
// pairs, x + 2 PW pairs (pair j at x[4 j]), stored o_step bytes apart from o.
static inline __attribute__((always_inline)) void an_dwp_chunk(an_dw_out_params q, const uint32_t *x, const int32_t *k,
                                                               int8_t *o, int32_t o_step, int PW, int CW, int S) {
  enum { MAXW = AN_DEPTHWISE_PLANE_MAX_OUT_W };
  const int W = CW, pairs = S == 1 ? (CW + 1) / 2 + 1 : CW + 1;  // the chunk's pairs (AN_DWP_FILTER_ROW)
  int32_t a[MAXW];
  const int32_t bias2 = k[6];
  _Pragma("GCC unroll 8") for (int i = 0; i < W; ++i) a[i] = bias2;
  AN_DWP_FILTER_ROW(x, k);
  AN_DWP_FILTER_ROW(x + 4 * PW, k + 2);
  AN_DWP_FILTER_ROW(x + 8 * PW, k + 4);
  AN_DW3N_BARRIER();
  const int32_t m = k[7], cst = k[8], e = k[9];
  int8_t v[MAXW];
  _Pragma("GCC unroll 8") for (int i = 0; i < W; ++i) v[i] = an_dw3_out(q, a[i], m, cst, e);
  _Pragma("GCC unroll 8") for (int i = 0; i < W; ++i, o += o_step) *o = v[i];
}

#if AN_DW3_PASS_ASM
// The MACs of an_dwp_chunk's rows for one 6-wide chunk of a channel (out_w 6: the whole channel; 12: one of two) where
// the clamp is all of int8 (SSAT), every row in one asm statement (no C loop, no stack reloads between rows): per
// output row and filter row its two weight words and the pair words (loads in runs of two; stride_w 1: four words,
// twelve SMLAD-class instructions, an_dwp_channel6s1_asm; stride_w 2: seven words, six SMLAD and six SMLABB,
// an_dwp_channel6s2_asm) into six accumulators (the bias word the first accumulates' addend).  The same arithmetic as
// an_dwp_chunk's C.
// clang-format off
#define AN_DWP6_ROW(R)                                                                                   \
  "ldr %[p], [%[k], #(8*" #R ")]\n\t"                                                                     \
  "ldr %[q], [%[k], #(8*" #R "+4)]\n\t"                                                                   \
  "ldr %[v0], [%[x], #(%c[rs]*" #R ")]\n\t"                                                                 \
  "ldr %[v1], [%[x], #(%c[rs]*" #R "+16)]\n\t"
#define AN_DWP6_MACS(B0, B1, B2, B3)                                                                     \
  "smlad %[a0], %[v0], %[p], %[" B0 "]\n\t"                                                               \
  "smlatb %[a1], %[v0], %[p], %[" B1 "]\n\t"                                                              \
  "smlad %[a2], %[v1], %[p], %[" B2 "]\n\t"                                                               \
  "smlatb %[a3], %[v1], %[p], %[" B3 "]\n\t"                                                              \
  "smlabb %[a0], %[v1], %[q], %[a0]\n\t"                                                                  \
  "smladx %[a1], %[v1], %[q], %[a1]\n\t"
#define AN_DWP6_MACS2(R, B4, B5)                                                                         \
  "ldr %[v0], [%[x], #(%c[rs]*" #R "+32)]\n\t"                                                              \
  "ldr %[v1], [%[x], #(%c[rs]*" #R "+48)]\n\t"                                                              \
  "smlad %[a4], %[v0], %[p], %[" B4 "]\n\t"                                                               \
  "smlatb %[a5], %[v0], %[p], %[" B5 "]\n\t"                                                              \
  "smlabb %[a2], %[v0], %[q], %[a2]\n\t"                                                                  \
  "smladx %[a3], %[v0], %[q], %[a3]\n\t"                                                                  \
  "smlabb %[a4], %[v1], %[q], %[a4]\n\t"                                                                  \
  "smladx %[a5], %[v1], %[q], %[a5]\n\t"
// Stride 2: output i reads pairs i (SMLAD P) and i + 1 (SMLABB Q); the row's seven pair words in runs of three, two
// and one (three data registers: t, the requantization's scratch, is free here; cw 4: the 4-wide chunk, outputs
// a0..a3 from five pair words in runs of three and two; cw 3: a0..a2 from four).
#define AN_DWP6_S2(R, B0, B1, B2, B3, B4, B5)                                                            \
  "ldr %[p], [%[k], #(8*" #R ")]\n\t"                                                                     \
  "ldr %[q], [%[k], #(8*" #R "+4)]\n\t"                                                                   \
  "ldr %[v0], [%[x], #(%c[rs]*" #R ")]\n\t"                                                               \
  "ldr %[v1], [%[x], #(%c[rs]*" #R "+16)]\n\t"                                                            \
  "ldr %[t], [%[x], #(%c[rs]*" #R "+32)]\n\t"                                                             \
  "smlad %[a0], %[v0], %[p], %[" B0 "]\n\t"                                                               \
  "smlabb %[a0], %[v1], %[q], %[a0]\n\t"                                                                  \
  "smlad %[a1], %[v1], %[p], %[" B1 "]\n\t"                                                               \
  "smlabb %[a1], %[t], %[q], %[a1]\n\t"                                                                   \
  "smlad %[a2], %[t], %[p], %[" B2 "]\n\t"                                                                \
  ".if %c[cw] > 3\n\t"                                                                                   \
  "ldr %[v0], [%[x], #(%c[rs]*" #R "+48)]\n\t"                                                            \
  "ldr %[v1], [%[x], #(%c[rs]*" #R "+64)]\n\t"                                                            \
  ".if %c[cw] == 6\n\t"                                                                                  \
  "ldr %[t], [%[x], #(%c[rs]*" #R "+80)]\n\t"                                                             \
  ".endif\n\t"                                                                                           \
  "smlabb %[a2], %[v0], %[q], %[a2]\n\t"                                                                  \
  "smlad %[a3], %[v0], %[p], %[" B3 "]\n\t"                                                               \
  "smlabb %[a3], %[v1], %[q], %[a3]\n\t"                                                                  \
  ".if %c[cw] == 6\n\t"                                                                                  \
  "smlad %[a4], %[v1], %[p], %[" B4 "]\n\t"                                                               \
  "smlabb %[a4], %[t], %[q], %[a4]\n\t"                                                                   \
  "smlad %[a5], %[t], %[p], %[" B5 "]\n\t"                                                                \
  "ldr %[v0], [%[x], #(%c[rs]*" #R "+96)]\n\t"                                                            \
  "smlabb %[a5], %[v0], %[q], %[a5]\n\t"                                                                  \
  ".endif\n\t"                                                                                           \
  ".else\n\t"                                                                                            \
  "ldr %[v0], [%[x], #(%c[rs]*" #R "+48)]\n\t"                                                            \
  "smlabb %[a2], %[v0], %[q], %[a2]\n\t"                                                                  \
  ".endif\n\t"
// Stride 1 where the plane row that filter row R (0: the top output row, 2: the bottom one) reads holds only the
// zero point (SAME rows): every output of the row gets the same zp * (w0 + w1 + w2), added once to the bias word
// (the row's first pair word is the zero-point pair); A the addend of the other two filter rows' first MACs.
#define AN_DWP_BORDER(R, A)                                                                              \
  "ldr %[" A "], [%[k], #24]\n\t"                                                                         \
  "ldr %[p], [%[k], #(8*" #R ")]\n\t"                                                                     \
  "ldr %[q], [%[k], #(8*" #R "+4)]\n\t"                                                                   \
  "ldr %[v0], [%[x], #(%c[rs]*" #R ")]\n\t"                                                               \
  "smlad %[" A "], %[v0], %[p], %[" A "]\n\t"                                                             \
  "smlabb %[" A "], %[v0], %[q], %[" A "]\n\t"
// An output row at stride_w 1 from its three plane rows.
#define AN_DWP6_ROW3                                                                                     \
  "ldr %[a5], [%[k], #24]\n\t"                                                                           \
  AN_DWP6_ROW(0) AN_DWP6_MACS("a5", "a5", "a5", "a5") AN_DWP6_MACS2(0, "a5", "a5")                        \
  AN_DWP6_ROW(1) AN_DWP6_MACS("a0", "a1", "a2", "a3") AN_DWP6_MACS2(1, "a4", "a5")                        \
  AN_DWP6_ROW(2) AN_DWP6_MACS("a0", "a1", "a2", "a3") AN_DWP6_MACS2(2, "a4", "a5")
// clang-format on
// The 6-wide rows at stride_w 1 (AN_DWP6_ROW3's MACs) with t, the requantization's scratch register (x stays in its
// register): a row's six outputs stored at o, o + s, o + 2 s, o + 4 s and from a0 = o + s (free once stored) at
// o + 3 s, o + 5 s by register-offset stores (one add instead of a pointer step per output), o then advanced by the
// output row step; the next row's frame loads (the plane step into v0, the output row step into q and, in the row
// loop, the rows left into p) just before the row's last store (a store right after a load takes one cycle).  The
// statement's 16-byte frame holds the output step s, the rows left, the output row step and the plane step.  The
// same arithmetic as an_dwp_chunk's C.  sc and orow (vww's 6x6x128 and 12x12x64): the output step and the output
// row step as constants (AN_DWP6C_STORE).
// clang-format off
#define AN_DWP6S1_OUT(A)                                                                                 \
  "smmlar %[t], %[" A "], %[p], %[q]\n\t"                                                                \
  "add %[t], %[t], %[" A "], asr #31\n\t"                                                                \
  "asr %[t], %[t], %[v0]\n\t"                                                                            \
  "ssat %[t], #8, %[t]\n\t"
#define AN_DWP6S1_STORE(NEXT)                                                                            \
  "ldr %[p], [%[k], #28]\n\t"                                                                            \
  "ldr %[q], [%[k], #32]\n\t"                                                                            \
  "ldr %[v0], [%[k], #36]\n\t"                                                                           \
  "ldr %[v1], [sp]\n\t"                                                                                  \
  AN_DWP6S1_OUT("a0") "strb %[t], [%[o]]\n\t" "add %[a0], %[o], %[v1]\n\t"                               \
  AN_DWP6S1_OUT("a1") "strb %[t], [%[o], %[v1]]\n\t"                                                     \
  AN_DWP6S1_OUT("a2") "strb %[t], [%[o], %[v1], lsl #1]\n\t"                                             \
  AN_DWP6S1_OUT("a3") "strb %[t], [%[a0], %[v1], lsl #1]\n\t"                                            \
  AN_DWP6S1_OUT("a4") "strb %[t], [%[o], %[v1], lsl #2]\n\t"                                             \
  AN_DWP6S1_OUT("a5") NEXT "strb %[t], [%[a0], %[v1], lsl #2]\n\t"
#define AN_DWP6S1_NEXT                                                                                   \
  "ldr %[v0], [sp, #12]\n\t"                                                                             \
  "ldr %[q], [sp, #8]\n\t"
#define AN_DWP6S1_NEXT_COUNT AN_DWP6S1_NEXT "ldr %[p], [sp, #4]\n\t"
#define AN_DWP6S1_ADVANCE                                                                                \
  "add %[o], %[o], %[q]\n\t"                                                                             \
  "add %[x], %[x], %[v0]\n\t"
// The same where sc, the output step, is a constant (0: s from the frame, the macros above): the outputs at o + i sc
// by immediate offsets, o and x advanced by the constants orow and rs (stride_h 1), no frame loads or address add;
// NEXT's loads (the group's next channel's x and o) then after the last store.
#define AN_DWP6C_STORE(NEXT)                                                                             \
  ".if %c[sc]\n\t"                                                                                        \
  "ldr %[p], [%[k], #28]\n\t"                                                                            \
  "ldr %[q], [%[k], #32]\n\t"                                                                            \
  "ldr %[v0], [%[k], #36]\n\t"                                                                           \
  AN_DWP6S1_OUT("a0") "strb %[t], [%[o]]\n\t"                                                             \
  AN_DWP6S1_OUT("a1") "strb %[t], [%[o], #%c[sc]]\n\t"                                                    \
  AN_DWP6S1_OUT("a2") "strb %[t], [%[o], #(2*%c[sc])]\n\t"                                                \
  AN_DWP6S1_OUT("a3") "strb %[t], [%[o], #(3*%c[sc])]\n\t"                                                \
  AN_DWP6S1_OUT("a4") "strb %[t], [%[o], #(4*%c[sc])]\n\t"                                                \
  AN_DWP6S1_OUT("a5") "strb %[t], [%[o], #(5*%c[sc])]\n\t" NEXT                                           \
  ".else\n\t" AN_DWP6S1_STORE(NEXT) ".endif\n\t"
#define AN_DWP6C_NEXT ".if %c[sc] == 0\n\t" AN_DWP6S1_NEXT ".endif\n\t"
#define AN_DWP6C_NEXT_COUNT AN_DWP6C_NEXT "ldr %[p], [sp, #4]\n\t"
#define AN_DWP6C_ADVANCE                                                                                 \
  ".if %c[sc]\n\t"                                                                                        \
  "add %[o], %[o], #%c[orow]\n\t"                                                                         \
  "add %[x], %[x], #%c[rs]\n\t"                                                                           \
  ".else\n\t" AN_DWP6S1_ADVANCE ".endif\n\t"
// clang-format on
static inline __attribute__((always_inline)) void an_dwp_channel6s1_asm(const uint32_t *x, const int32_t *k, int8_t *o,
                                                                        int32_t out_h, int32_t x_step_bytes,
                                                                        int32_t o_step, int32_t o_row, int row_bytes,
                                                                        int borders, int un, int grp, int sc,
                                                                        int orow) {
  int32_t a0 = o_step, a1 = borders ? out_h - 1 : out_h, a2 = o_row, a3 = x_step_bytes, a4, a5;
  uint32_t p, q, v0, v1, t;
  const int32_t *kc = k;
  // clang-format off
  __asm__ volatile(
      "sub sp, sp, #(16 + 16 * %c[grp])\n\t"
      "str %[a0], [sp]\n\t"
      "str %[a1], [sp, #4]\n\t"
      "str %[a2], [sp, #8]\n\t"
      "str %[a3], [sp, #12]\n\t"
      ".if %c[grp]\n\t"
      "str %[x], [sp, #16]\n\t"
      "str %[o], [sp, #20]\n\t"
      "add %[p], %[k], #160\n\t"
      "str %[p], [sp, #24]\n\t"
      "0:\n\t"
      ".endif\n\t"
      ".if %c[bd]\n\t"
      AN_DWP_BORDER(0, "a5")
      AN_DWP6_ROW(1) AN_DWP6_MACS("a5", "a5", "a5", "a5") AN_DWP6_MACS2(1, "a5", "a5")
      AN_DWP6_ROW(2) AN_DWP6_MACS("a0", "a1", "a2", "a3") AN_DWP6_MACS2(2, "a4", "a5")
      ".if %c[un]\n\t"
      AN_DWP6C_STORE(AN_DWP6C_NEXT)
      ".rept %c[un]\n\t"
      AN_DWP6C_ADVANCE AN_DWP6_ROW3 AN_DWP6C_STORE(AN_DWP6C_NEXT)
      ".endr\n\t"
      AN_DWP6C_ADVANCE
      ".else\n\t"
      AN_DWP6C_STORE(AN_DWP6C_NEXT_COUNT)
      "b 3f\n\t"
      ".endif\n\t"
      ".endif\n\t"
      ".if %c[un] == 0\n\t"
      "1:\n\t"
      AN_DWP6_ROW3 AN_DWP6C_STORE(AN_DWP6C_NEXT_COUNT)
      "3:\n\t"
      AN_DWP6C_ADVANCE
      "subs %[p], %[p], #1\n\t"
      "str %[p], [sp, #4]\n\t"
      "bne 1b\n\t"
      ".endif\n\t"
      ".if %c[bd]\n\t"
      AN_DWP_BORDER(2, "a5")
      AN_DWP6_ROW(0) AN_DWP6_MACS("a5", "a5", "a5", "a5") AN_DWP6_MACS2(0, "a5", "a5")
      AN_DWP6_ROW(1) AN_DWP6_MACS("a0", "a1", "a2", "a3") AN_DWP6_MACS2(1, "a4", "a5")
      ".if %c[grp]\n\t"
      AN_DWP6C_STORE("ldr %[x], [sp, #16]\n\t" "ldr %[o], [sp, #20]\n\t" "ldr %[p], [sp, #24]\n\t")
      ".else\n\t"
      AN_DWP6C_STORE("")
      ".endif\n\t"
      ".endif\n\t"
      ".if %c[grp]\n\t"
      "add %[x], %[x], #4\n\t"
      "add %[o], %[o], #1\n\t"
      "add %[k], %[k], #40\n\t"
      "str %[x], [sp, #16]\n\t"
      "str %[o], [sp, #20]\n\t"
      "cmp %[k], %[p]\n\t"
      "bne 0b\n\t"
      ".endif\n\t"
      "add sp, sp, #(16 + 16 * %c[grp])"
      : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [a4] "=&r"(a4), [a5] "=&r"(a5), [p] "=&r"(p),
        [q] "=&r"(q), [v0] "=&r"(v0), [v1] "=&r"(v1), [t] "=&r"(t), [x] "+r"(x), [o] "+r"(o), [k] "+r"(kc)
      : [rs] "i"(row_bytes), [bd] "i"(borders), [un] "i"(un), [grp] "i"(grp), [sc] "i"(sc),
        [orow] "i"(orow)
      : "cc", "memory");
  // clang-format on
}

// an_dwp_chunk's rows at stride_w 2 for one 6-wide chunk of a channel (out_w 6: the whole channel; 12: one of two),
// one 4-wide chunk (CW 4: out_w 4; 8: one of two) or a 3-wide row (CW 3: out_w 3) where the clamp is all of int8,
// every row in one asm statement: per output row and filter row its two weight words and the pair words in runs of up
// to three (AN_DWP6_S2: seven words, six SMLAD and six SMLABB; CW 4: five words, four of each; CW 3: four words, three)
// into the accumulators (the bias word the first accumulates' addend); then an_dwp_channel6s1_asm's requantization and
// stores (t the scratch register, a data register in the MACs; register-offset stores, one add a row; the next row's
// frame loads just before the row's last store, a store right after a load takes one cycle).  The statement's 16-byte
// frame holds the output step s, the rows left (CW 3, 4: counted in a4, free there), the output row step and the plane
// step.  The same arithmetic as an_dwp_chunk's C.
// clang-format off
#define AN_DWP4S2_STORE(NEXT)                                                                            \
  "ldr %[p], [%[k], #28]\n\t"                                                                            \
  "ldr %[q], [%[k], #32]\n\t"                                                                            \
  "ldr %[v0], [%[k], #36]\n\t"                                                                           \
  "ldr %[v1], [sp]\n\t"                                                                                  \
  AN_DWP6S1_OUT("a0") "strb %[t], [%[o]]\n\t" "add %[a0], %[o], %[v1]\n\t"                               \
  AN_DWP6S1_OUT("a1") "strb %[t], [%[o], %[v1]]\n\t"                                                     \
  AN_DWP6S1_OUT("a2") "strb %[t], [%[o], %[v1], lsl #1]\n\t"                                             \
  AN_DWP6S1_OUT("a3") NEXT "strb %[t], [%[a0], %[v1], lsl #1]\n\t"
#define AN_DWP3S2_STORE(NEXT)                                                                            \
  "ldr %[p], [%[k], #28]\n\t"                                                                            \
  "ldr %[q], [%[k], #32]\n\t"                                                                            \
  "ldr %[v0], [%[k], #36]\n\t"                                                                           \
  "ldr %[v1], [sp]\n\t"                                                                                  \
  AN_DWP6S1_OUT("a0") "strb %[t], [%[o]]\n\t"                                                            \
  AN_DWP6S1_OUT("a1") "strb %[t], [%[o], %[v1]]\n\t"                                                     \
  AN_DWP6S1_OUT("a2") NEXT "strb %[t], [%[o], %[v1], lsl #1]\n\t"
// clang-format on
static inline __attribute__((always_inline)) void an_dwp_channel6s2_asm(const uint32_t *x, const int32_t *k, int8_t *o,
                                                                        int32_t out_h, int32_t x_step_bytes,
                                                                        int32_t o_step, int32_t o_row, int row_bytes,
                                                                        int CW, int bd) {
  int32_t a0 = o_step, a1 = out_h - bd, a2 = o_row, a3 = x_step_bytes, a4 = out_h - bd, a5;
  uint32_t p, q, v0, v1, t;
  // clang-format off
  __asm__ volatile(
      "sub sp, sp, #16\n\t"
      "str %[a0], [sp]\n\t"
      "str %[a1], [sp, #4]\n\t"
      "str %[a2], [sp, #8]\n\t"
      "str %[a3], [sp, #12]\n\t"
      "1:\n\t"
      "ldr %[a5], [%[k], #24]\n\t"
      AN_DWP6_S2(0, "a5", "a5", "a5", "a5", "a5", "a5")
      AN_DWP6_S2(1, "a0", "a1", "a2", "a3", "a4", "a5")
      AN_DWP6_S2(2, "a0", "a1", "a2", "a3", "a4", "a5")
      ".if %c[cw] == 3\n\t"
      AN_DWP3S2_STORE(AN_DWP6S1_NEXT)
      AN_DWP6S1_ADVANCE
      "subs %[a4], %[a4], #1\n\t"
      ".elseif %c[cw] == 4\n\t"
      AN_DWP4S2_STORE(AN_DWP6S1_NEXT)
      AN_DWP6S1_ADVANCE
      "subs %[a4], %[a4], #1\n\t"
      ".else\n\t"
      AN_DWP6S1_STORE(AN_DWP6S1_NEXT_COUNT)
      AN_DWP6S1_ADVANCE
      "subs %[p], %[p], #1\n\t"
      "str %[p], [sp, #4]\n\t"
      ".endif\n\t"
      "bne 1b\n\t"
      ".if %c[bd]\n\t"
      AN_DWP_BORDER(2, "a5")
      AN_DWP6_S2(0, "a5", "a5", "a5", "a5", "a5", "a5")
      AN_DWP6_S2(1, "a0", "a1", "a2", "a3", "a4", "a5")
      ".if %c[cw] == 3\n\t"
      AN_DWP3S2_STORE("")
      ".elseif %c[cw] == 4\n\t"
      AN_DWP4S2_STORE("")
      ".else\n\t"
      AN_DWP6S1_STORE("")
      ".endif\n\t"
      ".endif\n\t"
      "add sp, sp, #16"
      : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [a4] "+r"(a4), [a5] "=&r"(a5), [p] "=&r"(p),
        [q] "=&r"(q), [v0] "=&r"(v0), [v1] "=&r"(v1), [t] "=&r"(t), [x] "+r"(x), [o] "+r"(o)
      : [k] "r"(k), [rs] "i"(row_bytes), [cw] "i"(CW), [bd] "i"(bd)
      : "cc", "memory");
  // clang-format on
}
#undef AN_DWP4S2_STORE
#undef AN_DWP3S2_STORE
#undef AN_DWP6S1_OUT
#undef AN_DWP6S1_STORE
#undef AN_DWP6S1_NEXT
#undef AN_DWP6S1_NEXT_COUNT
#undef AN_DWP6S1_ADVANCE
#undef AN_DWP6C_STORE
#undef AN_DWP6C_NEXT
#undef AN_DWP6C_NEXT_COUNT
#undef AN_DWP6C_ADVANCE
#undef AN_DWP6_ROW3
#undef AN_DWP_BORDER
#undef AN_DWP6_ROW
#undef AN_DWP6_MACS
#undef AN_DWP6_MACS2
#undef AN_DWP6_S2
#endif

#if AN_DW3_PASS_ASM
// an_dwp_chunk's rows for a channel 4 outputs wide at stride_w 1 (the demo AttendNet-B's 4x4 planes; w3: 3 outputs,
// vww's 3x3x256, from the same three pair words a row without the fourth) where the clamp is all of int8, every row in
// one asm statement: per filter row its two weight words and three pair words in one run of loads, eight SMLAD-class
// instructions into four accumulators (the bias word the first four's addend); m, C, e and the output step s in one
// run of loads, per output SMMLAR, the sign, the shift, SSAT and a byte store (v1 the scratch register), at o, o + s
// and from a0 = o + 2 s (free once stored) at o + 2 s, o + 3 s: register-offset stores, one add instead of a pointer
// step per output; o then advanced to a0 + 2 s (w3: + s; the row's outputs end where the next output row starts).
// The plane step is loaded just before the row's last store (a store right after a load takes one cycle) and the rows
// left are counted in a register.  borders: the plane's first and last rows hold only the zero point (TFLite's SAME
// rows, out_h >= 2): the top output row's filter row 0 and the bottom one's filter row 2 add the same zp * (w0 + w1 +
// w2) to its four outputs, one SMLAD + SMLABB on the zero-point pair word into the bias word instead of eight MACs and
// five loads.  The statement's 8-byte frame holds the plane step (bytes from one output row's plane rows to the
// next's) and the output step.
// clang-format off
#define AN_DWP4_ROW(R, B0, B1, B2, B3)                                                                   \
  "ldr %[p], [%[k], #(8*" #R ")]\n\t"                                                                     \
  "ldr %[q], [%[k], #(8*" #R "+4)]\n\t"                                                                   \
  "ldr %[v0], [%[x], #(48*" #R ")]\n\t"                                                                   \
  "ldr %[v1], [%[x], #(48*" #R "+16)]\n\t"                                                                \
  "ldr %[v2], [%[x], #(48*" #R "+32)]\n\t"                                                                \
  "smlad %[a0], %[v0], %[p], %[" B0 "]\n\t"                                                               \
  "smlatb %[a1], %[v0], %[p], %[" B1 "]\n\t"                                                              \
  "smlad %[a2], %[v1], %[p], %[" B2 "]\n\t"                                                               \
  ".if %c[w3] == 0\n\t"                                                                                  \
  "smlatb %[a3], %[v1], %[p], %[" B3 "]\n\t"                                                              \
  ".endif\n\t"                                                                                           \
  "smlabb %[a0], %[v1], %[q], %[a0]\n\t"                                                                  \
  "smladx %[a1], %[v1], %[q], %[a1]\n\t"                                                                  \
  "smlabb %[a2], %[v2], %[q], %[a2]\n\t"                                                                  \
  ".if %c[w3] == 0\n\t"                                                                                  \
  "smladx %[a3], %[v2], %[q], %[a3]\n\t"                                                                  \
  ".endif\n\t"
#define AN_DWP4_BORDER(R)                                                                                \
  "ldr %[a3], [%[k], #24]\n\t"                                                                            \
  "ldr %[p], [%[k], #(8*" #R ")]\n\t"                                                                     \
  "ldr %[q], [%[k], #(8*" #R "+4)]\n\t"                                                                   \
  "ldr %[v0], [%[x], #(48*" #R ")]\n\t"                                                                   \
  "smlad %[a3], %[v0], %[p], %[a3]\n\t"                                                                   \
  "smlabb %[a3], %[v0], %[q], %[a3]\n\t"
#define AN_DWP4_OUT(A)                                                                                   \
  "smmlar %[v1], %[" A "], %[p], %[q]\n\t"                                                                \
  "add %[v1], %[v1], %[" A "], asr #31\n\t"                                                               \
  "asr %[v1], %[v1], %[v0]\n\t"                                                                           \
  "ssat %[v1], #8, %[v1]\n\t"
// A row's requantization and stores, NEXT (the plane step's load into v0 or nothing) before its last store.
#define AN_DWP4_STORE(NEXT)                                                                              \
  "ldr %[p], [%[k], #28]\n\t"                                                                             \
  "ldr %[q], [%[k], #32]\n\t"                                                                             \
  "ldr %[v0], [%[k], #36]\n\t"                                                                            \
  "ldr %[v2], [sp, #4]\n\t"                                                                               \
  AN_DWP4_OUT("a0") "strb %[v1], [%[o]]\n\t" "add %[a0], %[o], %[v2], lsl #1\n\t"                        \
  AN_DWP4_OUT("a1") "strb %[v1], [%[o], %[v2]]\n\t"                                                       \
  ".if %c[w3] == 0\n\t"                                                                                  \
  AN_DWP4_OUT("a2") "strb %[v1], [%[a0]]\n\t"                                                             \
  AN_DWP4_OUT("a3") NEXT "strb %[v1], [%[a0], %[v2]]\n\t"                                                 \
  "add %[o], %[a0], %[v2], lsl #1\n\t"                                                                    \
  ".else\n\t"                                                                                            \
  AN_DWP4_OUT("a2") NEXT "strb %[v1], [%[a0]]\n\t"                                                        \
  "add %[o], %[a0], %[v2]\n\t"                                                                            \
  ".endif\n\t"
// The statement of an_dwp_channel4_asm (one channel, or with grp a group of four channels looping inside).
#define AN_DWP4_TEXT                                                                                      \
  "sub sp, sp, #(8 + 16 * %c[grp])\n\t"                                                                   \
  "str %[a0], [sp]\n\t"                                                                                   \
  "str %[a1], [sp, #4]\n\t"                                                                               \
  ".if %c[grp]\n\t"                                                                                       \
  "str %[x], [sp, #8]\n\t"                                                                                \
  "str %[o], [sp, #12]\n\t"                                                                               \
  "add %[p], %[k], #160\n\t"                                                                              \
  "str %[p], [sp, #16]\n\t"                                                                               \
  "str %[n], [sp, #20]\n\t"                                                                               \
  "0:\n\t"                                                                                                \
  ".endif\n\t"                                                                                            \
  ".if %c[bd]\n\t"                                                                                        \
  AN_DWP4_BORDER(0)                                                                                       \
  AN_DWP4_ROW(1, "a3", "a3", "a3", "a3")                                                                  \
  AN_DWP4_ROW(2, "a0", "a1", "a2", "a3")                                                                  \
  AN_DWP4_STORE("ldr %[v0], [sp]\n\t")                                                                    \
  "add %[x], %[x], %[v0]\n\t"                                                                             \
  "cmp %[n], #0\n\t"                                                                                      \
  "beq 2f\n\t"                                                                                            \
  ".endif\n\t"                                                                                            \
  "1:\n\t"                                                                                                \
  "ldr %[a3], [%[k], #24]\n\t"                                                                            \
  AN_DWP4_ROW(0, "a3", "a3", "a3", "a3")                                                                  \
  AN_DWP4_ROW(1, "a0", "a1", "a2", "a3")                                                                  \
  AN_DWP4_ROW(2, "a0", "a1", "a2", "a3")                                                                  \
  AN_DWP4_STORE("ldr %[v0], [sp]\n\t")                                                                    \
  "add %[x], %[x], %[v0]\n\t"                                                                             \
  "subs %[n], %[n], #1\n\t"                                                                               \
  "bne 1b\n\t"                                                                                            \
  "2:\n\t"                                                                                                \
  ".if %c[bd]\n\t"                                                                                        \
  AN_DWP4_BORDER(2)                                                                                       \
  AN_DWP4_ROW(0, "a3", "a3", "a3", "a3")                                                                  \
  AN_DWP4_ROW(1, "a0", "a1", "a2", "a3")                                                                  \
  ".if %c[grp]\n\t"                                                                                       \
  AN_DWP4_STORE("ldr %[x], [sp, #8]\n\t" "ldr %[p], [sp, #16]\n\t" "ldr %[n], [sp, #20]\n\t")             \
  ".else\n\t"                                                                                             \
  AN_DWP4_STORE("")                                                                                       \
  ".endif\n\t"                                                                                            \
  ".endif\n\t"                                                                                            \
  ".if %c[grp]\n\t"                                                                                       \
  ".if %c[bd] == 0\n\t"                                                                                   \
  "ldr %[x], [sp, #8]\n\t"                                                                                \
  "ldr %[p], [sp, #16]\n\t"                                                                               \
  "ldr %[n], [sp, #20]\n\t"                                                                               \
  ".endif\n\t"                                                                                            \
  "ldr %[o], [sp, #12]\n\t"                                                                               \
  "add %[x], %[x], #4\n\t"                                                                                \
  "add %[o], %[o], #1\n\t"                                                                                \
  "add %[k], %[k], #40\n\t"                                                                               \
  "str %[x], [sp, #8]\n\t"                                                                                \
  "str %[o], [sp, #12]\n\t"                                                                               \
  "cmp %[k], %[p]\n\t"                                                                                    \
  "bne 0b\n\t"                                                                                            \
  ".endif\n\t"                                                                                            \
  "add sp, sp, #(8 + 16 * %c[grp])"
// clang-format on
static inline __attribute__((always_inline)) void an_dwp_channel4_asm(const uint32_t *x, const int32_t *k, int8_t *o,
                                                                      int32_t out_h, int32_t x_step_bytes,
                                                                      int32_t o_step, int borders, int w3, int grp) {
  int32_t a0 = x_step_bytes, a1 = o_step, a2, a3, n = borders ? out_h - 2 : out_h;
  uint32_t p, q, v0, v1, v2;
  // clang-format off
  if (grp) {  // (k advanced by the statement: an operand of its own, the one-channel statement keeps k)
    const int32_t *kc = k;
    __asm__ volatile(
      AN_DWP4_TEXT
      : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [p] "=&r"(p), [q] "=&r"(q), [v0] "=&r"(v0),
        [v1] "=&r"(v1), [v2] "=&r"(v2), [n] "+r"(n), [x] "+r"(x), [o] "+r"(o), [k] "+r"(kc)
      : [bd] "i"(borders), [w3] "i"(w3), [grp] "i"(1)
      : "cc", "memory");
  } else {
    __asm__ volatile(
      AN_DWP4_TEXT
      : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [p] "=&r"(p), [q] "=&r"(q), [v0] "=&r"(v0),
        [v1] "=&r"(v1), [v2] "=&r"(v2), [n] "+r"(n), [x] "+r"(x), [o] "+r"(o)
      : [k] "r"(k), [bd] "i"(borders), [w3] "i"(w3), [grp] "i"(0)
      : "cc", "memory");
  }
  // clang-format on
}
#undef AN_DWP4_TEXT
#undef AN_DWP4_ROW
#undef AN_DWP4_BORDER
#undef AN_DWP4_OUT
#undef AN_DWP4_STORE

// A group's four channels of a 4x4 plane at stride 1 (out_h 4, stride_h 1, TFLite's SAME rows: the plane's rows 0
// and 5 hold only the zero point; the demo AttendNet-B's 4x4 layers) where the clamp is all of int8, in one asm
// statement: an_dwp_channel4_asm's rows with every row unrolled, so that the plane rows are constant offsets from
// x (no plane step, row count or output step in a frame, no branch per row), the output step in a register s (per
// output row two STRB at o and o + s, then o += 2 s: one ADD per two outputs where an_dwp_channel4_asm had one per
// output); the four channels one after another (.rept: channel g's records 40 g bytes and its plane words 4 g bytes
// from k and x, the assembler offsets .Lan_dwp44_k and .Lan_dwp44_x; outputs 1 B on), no loop, frame or C loop
// around an_dwp_channel.  The same arithmetic as an_dwp_chunk.
// clang-format off
#define AN_DWP44_ROW(R, Y, B0, B1, B2, B3)                                                               \
  "ldr %[p], [%[k], #(.Lan_dwp44_k+8*" #R ")]\n\t"                                                        \
  "ldr %[q], [%[k], #(.Lan_dwp44_k+8*" #R "+4)]\n\t"                                                      \
  "ldr %[v0], [%[x], #(.Lan_dwp44_x+48*" #Y ")]\n\t"                                                      \
  "ldr %[v1], [%[x], #(.Lan_dwp44_x+48*" #Y "+16)]\n\t"                                                   \
  "ldr %[v2], [%[x], #(.Lan_dwp44_x+48*" #Y "+32)]\n\t"                                                   \
  "smlad %[a0], %[v0], %[p], %[" B0 "]\n\t"                                                               \
  "smlatb %[a1], %[v0], %[p], %[" B1 "]\n\t"                                                              \
  "smlad %[a2], %[v1], %[p], %[" B2 "]\n\t"                                                               \
  "smlatb %[a3], %[v1], %[p], %[" B3 "]\n\t"                                                              \
  "smlabb %[a0], %[v1], %[q], %[a0]\n\t"                                                                  \
  "smladx %[a1], %[v1], %[q], %[a1]\n\t"                                                                  \
  "smlabb %[a2], %[v2], %[q], %[a2]\n\t"                                                                  \
  "smladx %[a3], %[v2], %[q], %[a3]\n\t"
// The bias word plus filter row R on the zero-point pair word of plane row Y (a row outside the image).
#define AN_DWP44_BORDER(R, Y)                                                                            \
  "ldr %[a3], [%[k], #(.Lan_dwp44_k+24)]\n\t"                                                             \
  "ldr %[p], [%[k], #(.Lan_dwp44_k+8*" #R ")]\n\t"                                                        \
  "ldr %[q], [%[k], #(.Lan_dwp44_k+8*" #R "+4)]\n\t"                                                      \
  "ldr %[v0], [%[x], #(.Lan_dwp44_x+48*" #Y ")]\n\t"                                                      \
  "smlad %[a3], %[v0], %[p], %[a3]\n\t"                                                                   \
  "smlabb %[a3], %[v0], %[q], %[a3]\n\t"
// m in p, C in q, e in t.
#define AN_DWP44_OUT(A)                                                                                  \
  "smmlar %[v1], %[" A "], %[p], %[q]\n\t"                                                                \
  "add %[v1], %[v1], %[" A "], asr #31\n\t"                                                               \
  "asr %[v1], %[v1], %[t]\n\t"                                                                            \
  "ssat %[v1], #8, %[v1]\n\t"
// LOADS (m, C and, where it says so, e of the channel), the four outputs at o, o + s, o + 2 s, o + 3 s; o ends at
// the next output row.  an_dwp_group4x4_asm's and an_dwp_group_rows_asm's.
#define AN_DWP44_STOREG(LOADS)                                                                           \
  LOADS AN_DWP44_OUT("a0") "strb %[v1], [%[o]]\n\t"                                                      \
  AN_DWP44_OUT("a1") "strb %[v1], [%[o], %[s]]\n\t"                                                       \
  "add %[o], %[o], %[s], lsl #1\n\t"                                                                      \
  AN_DWP44_OUT("a2") "strb %[v1], [%[o]]\n\t"                                                             \
  AN_DWP44_OUT("a3") "strb %[v1], [%[o], %[s]]\n\t"                                                       \
  "add %[o], %[o], %[s], lsl #1\n\t"
// The first output row's: m, C, e by three LDR, the first pre-indexed (k to the channel's m: .Lan_dwp44_k -28 from
// there on); the second and third rows' m and C by one LDM (3 cycles, where the run of three LDR took 4; e stays in
// t); the fourth row's m, C, e by one LDM with writeback (4 cycles as the LDR run: k to the next channel's record).
#define AN_DWP44_STOREG1                                                                                 \
  AN_DWP44_STOREG("ldr %[p], [%[k], #28]!\n\tldr %[q], [%[k], #4]\n\tldr %[t], [%[k], #8]\n\t"             \
                  ".set .Lan_dwp44_k, -28\n\t")
#define AN_DWP44_STOREG2 AN_DWP44_STOREG("ldmia %[k], {%[p], %[q]}\n\t")
#define AN_DWP44_STOREG4 AN_DWP44_STOREG("ldmia %[k]!, {%[p], %[q], %[t]}\n\t")
// clang-format on
typedef char an_dwp_group4x4_records_are_40_bytes[AN_DW3_RECORD == 10 ? 1 : -1];
static inline __attribute__((always_inline)) void an_dwp_group4x4_asm(const uint32_t *x, const int32_t *k, int8_t *o,
                                                                      int32_t o_step) {
  int32_t a0, a1, a2, a3, s = o_step;
  uint32_t v0, v1, v2;
  // p, q, t ascending: the LDM of m, C (, e) (AN_DWP44_STOREG2 / 4); k moves by 40 bytes a channel.
  register uint32_t p __asm__("r8"), q __asm__("r9"), t __asm__("r10");
  const int32_t *kk = k;
  // clang-format off
  __asm__ volatile(
      ".set .Lan_dwp44_x, 0\n\t"
      ".rept 4\n\t"
      ".set .Lan_dwp44_k, 0\n\t"
      AN_DWP44_BORDER(0, 0)
      AN_DWP44_ROW(1, 1, "a3", "a3", "a3", "a3")
      AN_DWP44_ROW(2, 2, "a0", "a1", "a2", "a3")
      AN_DWP44_STOREG1
      "ldr %[a3], [%[k], #(.Lan_dwp44_k+24)]\n\t"
      AN_DWP44_ROW(0, 1, "a3", "a3", "a3", "a3")
      AN_DWP44_ROW(1, 2, "a0", "a1", "a2", "a3")
      AN_DWP44_ROW(2, 3, "a0", "a1", "a2", "a3")
      AN_DWP44_STOREG2
      "ldr %[a3], [%[k], #(.Lan_dwp44_k+24)]\n\t"
      AN_DWP44_ROW(0, 2, "a3", "a3", "a3", "a3")
      AN_DWP44_ROW(1, 3, "a0", "a1", "a2", "a3")
      AN_DWP44_ROW(2, 4, "a0", "a1", "a2", "a3")
      AN_DWP44_STOREG2
      AN_DWP44_BORDER(2, 5)
      AN_DWP44_ROW(0, 3, "a3", "a3", "a3", "a3")
      AN_DWP44_ROW(1, 4, "a0", "a1", "a2", "a3")
      AN_DWP44_STOREG4
      ".if .Lan_dwp44_x < 12\n\t"
      "sub %[o], %[o], %[s], lsl #4\n\t"
      "adds %[o], %[o], #1\n\t"
      ".endif\n\t"
      ".set .Lan_dwp44_x, .Lan_dwp44_x + 4\n\t"
      ".endr"
      : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [p] "=&r"(p), [q] "=&r"(q), [t] "=&r"(t),
        [v0] "=&r"(v0), [v1] "=&r"(v1), [v2] "=&r"(v2), [o] "+r"(o), [k] "+r"(kk)
      : [s] "r"(s), [x] "r"(x)
      : "cc", "memory");
  // clang-format on
}

// The same for a 2x2 SAME plane (out_h 2, stride_h 1; the demo AttendNet-B's attention-condenser planes): plane rows
// of two pair words (zero point, column 0), (column 1, zero point), 32 bytes apart, both output rows with a border
// row, two accumulators, the four channels one after another (.rept, the assembler offsets .Lan_dwp22_k and
// .Lan_dwp22_x), a channel's m, C, e loaded once for both rows.
// clang-format off
#define AN_DWP22_ROW(R, Y, B0, B1)                                                                       \
  "ldr %[p], [%[k], #(.Lan_dwp22_k+8*" #R ")]\n\t"                                                        \
  "ldr %[q], [%[k], #(.Lan_dwp22_k+8*" #R "+4)]\n\t"                                                      \
  "ldr %[v0], [%[x], #(.Lan_dwp22_x+32*" #Y ")]\n\t"                                                      \
  "ldr %[v1], [%[x], #(.Lan_dwp22_x+32*" #Y "+16)]\n\t"                                                   \
  "smlad %[a0], %[v0], %[p], %[" B0 "]\n\t"                                                               \
  "smlatb %[a1], %[v0], %[p], %[" B1 "]\n\t"                                                              \
  "smlabb %[a0], %[v1], %[q], %[a0]\n\t"                                                                  \
  "smladx %[a1], %[v1], %[q], %[a1]\n\t"
#define AN_DWP22_BORDER(R, Y)                                                                            \
  "ldr %[b], [%[k], #(.Lan_dwp22_k+24)]\n\t"                                                              \
  "ldr %[p], [%[k], #(.Lan_dwp22_k+8*" #R ")]\n\t"                                                        \
  "ldr %[q], [%[k], #(.Lan_dwp22_k+8*" #R "+4)]\n\t"                                                      \
  "ldr %[v0], [%[x], #(.Lan_dwp22_x+32*" #Y ")]\n\t"                                                      \
  "smlad %[b], %[v0], %[p], %[b]\n\t"                                                                     \
  "smlabb %[b], %[v0], %[q], %[b]\n\t"
// m, C, e of the channel in their own registers (loaded once for both rows).
#define AN_DWP22_OUT(A)                                                                                  \
  "smmlar %[v1], %[" A "], %[m], %[c]\n\t"                                                                \
  "add %[v1], %[v1], %[" A "], asr #31\n\t"                                                               \
  "asr %[v1], %[v1], %[e]\n\t"                                                                            \
  "ssat %[v1], #8, %[v1]\n\t"
#define AN_DWP22_STORE                                                                                   \
  AN_DWP22_OUT("a0") "strb %[v1], [%[o]]\n\t"                                                             \
  AN_DWP22_OUT("a1") "strb %[v1], [%[o], %[s]]\n\t"                                                       \
  "add %[o], %[o], %[s], lsl #1\n\t"
// clang-format on
static inline __attribute__((always_inline)) void an_dwp_group2x2_asm(const uint32_t *x, const int32_t *k, int8_t *o,
                                                                      int32_t o_step) {
  int32_t a0, a1, b, s = o_step, m, c, e;
  uint32_t p, q, v0, v1;
  // clang-format off
  __asm__ volatile(
      ".set .Lan_dwp22_k, 0\n\t"
      ".set .Lan_dwp22_x, 0\n\t"
      ".rept 4\n\t"
      AN_DWP22_BORDER(0, 0)
      AN_DWP22_ROW(1, 1, "b", "b")
      AN_DWP22_ROW(2, 2, "a0", "a1")
      "ldr %[m], [%[k], #(.Lan_dwp22_k+28)]\n\t"
      "ldr %[c], [%[k], #(.Lan_dwp22_k+32)]\n\t"
      "ldr %[e], [%[k], #(.Lan_dwp22_k+36)]\n\t"
      AN_DWP22_STORE
      AN_DWP22_BORDER(2, 3)
      AN_DWP22_ROW(0, 1, "b", "b")
      AN_DWP22_ROW(1, 2, "a0", "a1")
      AN_DWP22_STORE
      ".if .Lan_dwp22_x < 12\n\t"
      "sub %[o], %[o], %[s], lsl #2\n\t"
      "adds %[o], %[o], #1\n\t"
      ".endif\n\t"
      ".set .Lan_dwp22_k, .Lan_dwp22_k + 40\n\t"
      ".set .Lan_dwp22_x, .Lan_dwp22_x + 4\n\t"
      ".endr"
      : [a0] "=&r"(a0), [a1] "=&r"(a1), [b] "=&r"(b), [p] "=&r"(p), [q] "=&r"(q), [v0] "=&r"(v0), [v1] "=&r"(v1),
        [m] "=&r"(m), [c] "=&r"(c), [e] "=&r"(e), [o] "+r"(o)
      : [s] "r"(s), [x] "r"(x), [k] "r"(k)
      : "cc", "memory");
  // clang-format on
}
#undef AN_DWP22_ROW
#undef AN_DWP22_BORDER
#undef AN_DWP22_STORE
#undef AN_DWP22_OUT
#undef AN_DWP44_ROW
#undef AN_DWP44_BORDER

// A group's four channels of a plane W = 8 or 16 outputs wide at stride 1 (the demo AttendNet-B's 8x8x96 and its
// 16x16x40's bands), out_h rows stride_h 1 apart, where the clamp is all of int8, in one asm statement: per channel
// and output row W / 4 chunks of four outputs (an_dwp_group4x4_asm's rows, two pair words apart in the plane: the
// chunk offset an assembler symbol), plane rows PB bytes apart; borders (the plane's first and last rows hold only the
// zero point, out_h >= 2): the first and last output rows' zero-point filter rows on the bias word.  The frame: the
// records' end, the channel's plane and output pointers, the middle rows, the rows left.
// clang-format off
#define AN_DWPW_ROW(R, Y, B0, B1, B2, B3)                                                                \
  "ldr %[p], [%[k], #(8*" #R "-28)]\n\t"                                                                  \
  "ldr %[q], [%[k], #(8*" #R "-24)]\n\t"                                                                  \
  "ldr %[v0], [%[x], #(%c[pb]*" #Y "+.Lan_dwpw_c)]\n\t"                                                    \
  "ldr %[v1], [%[x], #(%c[pb]*" #Y "+.Lan_dwpw_c+16)]\n\t"                                                 \
  "ldr %[v2], [%[x], #(%c[pb]*" #Y "+.Lan_dwpw_c+32)]\n\t"                                                 \
  "smlad %[a0], %[v0], %[p], %[" B0 "]\n\t"                                                               \
  "smlatb %[a1], %[v0], %[p], %[" B1 "]\n\t"                                                              \
  "smlad %[a2], %[v1], %[p], %[" B2 "]\n\t"                                                               \
  "smlatb %[a3], %[v1], %[p], %[" B3 "]\n\t"                                                              \
  "smlabb %[a0], %[v1], %[q], %[a0]\n\t"                                                                  \
  "smladx %[a1], %[v1], %[q], %[a1]\n\t"                                                                  \
  "smlabb %[a2], %[v2], %[q], %[a2]\n\t"                                                                  \
  "smladx %[a3], %[v2], %[q], %[a3]\n\t"
#define AN_DWPW_BORDER(R, Y)                                                                             \
  "ldr %[a3], [%[k], #-4]\n\t"                                                                            \
  "ldr %[p], [%[k], #(8*" #R "-28)]\n\t"                                                                  \
  "ldr %[q], [%[k], #(8*" #R "-24)]\n\t"                                                                  \
  "ldr %[v0], [%[x], #(%c[pb]*" #Y "+.Lan_dwpw_c)]\n\t"                                                    \
  "smlad %[a3], %[v0], %[p], %[a3]\n\t"                                                                   \
  "smlabb %[a3], %[v0], %[q], %[a3]\n\t"
// Every chunk of an output row (CHUNK: its MACs), the chunk offset .Lan_dwpw_c 0, 32, 64, ...
#define AN_DWPW_CHUNKS(CHUNK)                                                                            \
  ".set .Lan_dwpw_c, 0\n\t"                                                                                \
  ".rept %c[w] / 4\n\t" CHUNK AN_DWP44_STOREG2 ".set .Lan_dwpw_c, .Lan_dwpw_c + 32\n\t.endr\n\t"
// clang-format on
static inline __attribute__((always_inline)) void an_dwp_group_rows_asm(const uint32_t *x, const int32_t *k, int8_t *o,
                                                                        int32_t o_step, int32_t out_h, int W,
                                                                        int row_bytes, int borders) {
  int32_t a0 = borders ? out_h - 2 : out_h, a1, a2, a3, s = o_step;
  uint32_t v0, v1, v2;
  // p, q, t ascending: every chunk's m, C by one LDM from k (the record's m: k 28 bytes on), e in t a channel.
  register uint32_t p __asm__("r8"), q __asm__("r9"), t __asm__("r10");
  // clang-format off
  __asm__ volatile(
      "sub sp, sp, #24\n\t"
      "str %[a0], [sp, #12]\n\t"
      "adds %[k], %[k], #28\n\t"
      "add %[v0], %[k], #160\n\t"
      "str %[v0], [sp]\n\t"
      "1:\n\t"
      "str %[x], [sp, #4]\n\t"
      "str %[o], [sp, #8]\n\t"
      "ldr %[t], [%[k], #8]\n\t"
      ".if %c[bd]\n\t"
      AN_DWPW_CHUNKS(AN_DWPW_BORDER(0, 0) AN_DWPW_ROW(1, 1, "a3", "a3", "a3", "a3")
                     AN_DWPW_ROW(2, 2, "a0", "a1", "a2", "a3"))
      "add %[x], %[x], #%c[pb]\n\t"
      ".endif\n\t"
      "ldr %[v0], [sp, #12]\n\t"
      "cmp %[v0], #0\n\t"
      "beq 3f\n\t"
      "2:\n\t"
      "str %[v0], [sp, #16]\n\t"
      AN_DWPW_CHUNKS("ldr %[a3], [%[k], #-4]\n\t" AN_DWPW_ROW(0, 0, "a3", "a3", "a3", "a3")
                     AN_DWPW_ROW(1, 1, "a0", "a1", "a2", "a3") AN_DWPW_ROW(2, 2, "a0", "a1", "a2", "a3"))
      "add %[x], %[x], #%c[pb]\n\t"
      "ldr %[v0], [sp, #16]\n\t"
      "subs %[v0], %[v0], #1\n\t"
      "bne 2b\n\t"
      "3:\n\t"
      ".if %c[bd]\n\t"
      AN_DWPW_CHUNKS(AN_DWPW_BORDER(2, 2) AN_DWPW_ROW(0, 0, "a3", "a3", "a3", "a3")
                     AN_DWPW_ROW(1, 1, "a0", "a1", "a2", "a3"))
      ".endif\n\t"
      "ldr %[x], [sp, #4]\n\t"
      "ldr %[o], [sp, #8]\n\t"
      "adds %[x], %[x], #4\n\t"
      "adds %[o], %[o], #1\n\t"
      "adds %[k], %[k], #40\n\t"
      "ldr %[v0], [sp]\n\t"
      "cmp %[k], %[v0]\n\t"
      "bne 1b\n\t"
      "add sp, sp, #24"
      : [a0] "+r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [p] "=&r"(p), [q] "=&r"(q), [t] "=&r"(t),
        [v0] "=&r"(v0), [v1] "=&r"(v1), [v2] "=&r"(v2), [x] "+r"(x), [o] "+r"(o), [k] "+r"(k)
      : [s] "r"(s), [w] "i"(W), [pb] "i"(row_bytes), [bd] "i"(borders)
      : "cc", "memory");
  // clang-format on
}
#undef AN_DWPW_ROW
#undef AN_DWPW_BORDER
#undef AN_DWPW_CHUNKS
#undef AN_DWP44_OUT
#undef AN_DWP44_STOREG
#undef AN_DWP44_STOREG1
#undef AN_DWP44_STOREG2
#undef AN_DWP44_STOREG4

// The image rows of a group's W x W SAME plane (W 4 or 2: an_dwp_group4x4_asm's, an_dwp_group2x2_asm's; in_w W, so
// its W * W pixels are in_c bytes apart from src) widened into plane rows 1 .. W at d, as an_dwp_widen_same's: per
// image row the pairs (zero point, column 0), (1, 2), (3, zero point) (W 2: (zero point, 0), (1, zero point)), each
// two PKH, four SXTB16 and one STM (d advanced by it), in one asm statement with no loop (where the C rows reloaded
// the layer's fields and tested g->same per row).
// clang-format off
#define AN_DWP44_PAIR(A, B)                                                                              \
  "pkhbt %[lo], %[" A "], %[" B "], lsl #16\n\t"                                                           \
  "pkhtb %[hi], %[" B "], %[" A "], asr #16\n\t"                                                           \
  "sxtb16 %[w0], %[lo]\n\t"                                                                               \
  "sxtb16 %[w1], %[lo], ror #8\n\t"                                                                       \
  "sxtb16 %[w2], %[hi]\n\t"                                                                               \
  "sxtb16 %[w3], %[hi], ror #8\n\t"                                                                       \
  "stm %[d]!, {%[w0], %[w1], %[w2], %[w3]}\n\t"
// clang-format on
static inline __attribute__((always_inline)) void an_dwp_widen_square_asm(const int8_t *src, int32_t in_c, uint32_t zp4,
                                                                          uint32_t *d, int W) {
  register uint32_t w0 __asm__("r4"), w1 __asm__("r5"), w2 __asm__("r6"), w3 __asm__("r8");  // STM's order
  uint32_t u0, u1, lo, hi;
  // clang-format off
  __asm__ volatile(
      ".rept %c[w]\n\t"
      "ldr %[u0], [%[src]]\n\t"
      "ldr %[u1], [%[src], %[s]]\n\t"
      "add %[src], %[src], %[s], lsl #1\n\t"
      AN_DWP44_PAIR("zp", "u0")
      ".if %c[w] == 4\n\t"
      "ldr %[u0], [%[src]]\n\t"
      AN_DWP44_PAIR("u1", "u0")
      "ldr %[u1], [%[src], %[s]]\n\t"
      "add %[src], %[src], %[s], lsl #1\n\t"
      ".endif\n\t"
      AN_DWP44_PAIR("u1", "zp")
      ".endr"
      : [w0] "=&r"(w0), [w1] "=&r"(w1), [w2] "=&r"(w2), [w3] "=&r"(w3), [u0] "=&r"(u0), [u1] "=&r"(u1),
        [lo] "=&r"(lo), [hi] "=&r"(hi), [src] "+r"(src), [d] "+r"(d)
      : [s] "r"(in_c), [zp] "r"(zp4), [w] "i"(W)
      : "memory");
  // clang-format on
}

// The image rows of a group's SAME plane at stride 1 with W even (6, 12: vww's 6x6x128 and 12x12x64; in_w W, so the
// rows' pixels are in_c bytes apart from src, row after row) widened into `rows` (at least one) plane rows from d, as
// an_dwp_widen_same's: per image row the pairs (zero point, column 0), (1, 2), ..., (W - 1, zero point), each two PKH,
// four SXTB16 and one STM (AN_DWP44_PAIR), in one asm statement, the rows counted in a register (where the C rows
// reloaded the layer's fields and tested g->same per row).
static inline __attribute__((always_inline)) void an_dwp_widen_rows_asm(const int8_t *src, int32_t in_c, uint32_t zp4,
                                                                        uint32_t *d, int32_t rows, int W) {
  register uint32_t w0 __asm__("r4"), w1 __asm__("r5"), w2 __asm__("r6"), w3 __asm__("r8");  // STM's order
  uint32_t u0, u1, lo, hi;
  // clang-format off
  __asm__ volatile(
      "1:\n\t"
      "ldr %[u0], [%[src]]\n\t"
      "ldr %[u1], [%[src], %[s]]\n\t"
      "add %[src], %[src], %[s], lsl #1\n\t"
      AN_DWP44_PAIR("zp", "u0")
      ".rept (%c[w] - 2) / 2\n\t"
      "ldr %[u0], [%[src]]\n\t"
      AN_DWP44_PAIR("u1", "u0")
      "ldr %[u1], [%[src], %[s]]\n\t"
      "add %[src], %[src], %[s], lsl #1\n\t"
      ".endr\n\t"
      AN_DWP44_PAIR("u1", "zp")
      "subs %[n], %[n], #1\n\t"
      "bne 1b"
      : [w0] "=&r"(w0), [w1] "=&r"(w1), [w2] "=&r"(w2), [w3] "=&r"(w3), [u0] "=&r"(u0), [u1] "=&r"(u1),
        [lo] "=&r"(lo), [hi] "=&r"(hi), [src] "+r"(src), [d] "+r"(d), [n] "+r"(rows)
      : [s] "r"(in_c), [zp] "r"(zp4), [w] "i"(W)
      : "cc", "memory");
  // clang-format on
}
#undef AN_DWP44_PAIR
#endif

// Every output row of one channel: its plane from x (pair j of padded row y at x[(y * PW + j) * 4]), record k,
// outputs from o (`o_step` bytes apart in a row, `o_row` from one row to the next), out_h rows, stride_h rows
// apart in the plane; rows wider than AN_DEPTHWISE_PLANE_MAX_OUT_W in chunks of 8 or 6 outputs.  borders: the
// plane's first and last rows hold only the zero point (an_dwp_channel6s1_asm's).
static inline __attribute__((always_inline)) void an_dwp_channel(an_dw_out_params q, const uint32_t *x,
                                                                 const int32_t *k, int8_t *o, int32_t out_h,
                                                                 int32_t stride_h, int32_t o_step, int32_t o_row, int W,
                                                                 int S, int F, int borders, int bottom_row) {
  const int PW = S == 1 ? (W + 1) / 2 + 1 : W + 1;
  // stride_w 2: the last output row's filter row 2 reads only zero points (AN_DWP_BORDER in its statement)
  const int bottom = S == 2 && bottom_row && out_h >= 2;
  const int CW = W <= AN_DEPTHWISE_PLANE_MAX_OUT_W ? W : W % 8 == 0 ? 8 : 6;  // outputs per chunk
  const int32_t x_step = 4 * PW * stride_h;  // words from one output row's plane rows to the next's
  q.full_range = F;
#if AN_DW3_PASS_ASM
  if ((W == 4 || W == 3) && S == 1 && F) {  // the same plane rows (three pairs); out_w 3 without the fourth output
    if (borders && out_h >= 2) {
      an_dwp_channel4_asm(x, k, o, out_h, 4 * x_step, o_step, 1, W == 3, 0);
    } else {
      an_dwp_channel4_asm(x, k, o, out_h, 4 * x_step, o_step, 0, W == 3, 0);
    }
    return;
  }
  if (CW == 6 && F) {
    const int bd = S == 1 && borders && out_h >= 2;
    for (int c = 0; c < W / 6 && out_h > 0; ++c) {
      const uint32_t *xc = x + 4 * c * (S == 1 ? 3 : 6);
      int8_t *oc = o + 6 * c * o_step;
      if (bd && W == 6 && out_h == 6) {  // a 6x6 plane (vww's 6x6x128): its four middle rows unrolled
        an_dwp_channel6s1_asm(xc, k, oc, out_h, 4 * x_step, o_step, o_row, 16 * PW, 1, 4, 0, 0, 0);
      } else if (bd && W == 12 && o_step == 64 && stride_h == 1) {  // vww's 12x12x64: the output steps constants
        an_dwp_channel6s1_asm(xc, k, oc, out_h, 4 * x_step, o_step, o_row, 16 * PW, 1, 0, 0, 64, 12 * 64);
      } else if (bd) {
        an_dwp_channel6s1_asm(xc, k, oc, out_h, 4 * x_step, o_step, o_row, 16 * PW, 1, 0, 0, 0, 0);
      } else if (S == 1) {
        an_dwp_channel6s1_asm(xc, k, oc, out_h, 4 * x_step, o_step, o_row, 16 * PW, 0, 0, 0, 0, 0);
      } else {
        if (bottom) {
          an_dwp_channel6s2_asm(xc, k, oc, out_h, 4 * x_step, o_step, o_row, 16 * PW, 6, 1);
        } else {
          an_dwp_channel6s2_asm(xc, k, oc, out_h, 4 * x_step, o_step, o_row, 16 * PW, 6, 0);
        }
      }
    }
    return;
  }
  if (S == 2 && W == 3 && F) {
    if (bottom) {
      an_dwp_channel6s2_asm(x, k, o, out_h, 4 * x_step, o_step, o_row, 16 * PW, 3, 1);
    } else {
      an_dwp_channel6s2_asm(x, k, o, out_h, 4 * x_step, o_step, o_row, 16 * PW, 3, 0);
    }
    return;
  }
  if (S == 2 && CW % 4 == 0 && F) {
    // out_w 4 and 8 at stride_w 2: 4-wide chunks (four pair words apart in the plane)
    for (int c = 0; c < W / 4 && out_h > 0; ++c) {
      if (bottom) {
        an_dwp_channel6s2_asm(x + 16 * c, k, o + 4 * c * o_step, out_h, 4 * x_step, o_step, o_row, 16 * PW, 4, 1);
      } else {
        an_dwp_channel6s2_asm(x + 16 * c, k, o + 4 * c * o_step, out_h, 4 * x_step, o_step, o_row, 16 * PW, 4, 0);
      }
    }
    return;
  }
#endif
  for (int32_t oy = 0; oy < out_h; ++oy, x += x_step, o += o_row) {
    _Pragma("GCC unroll 4") for (int c = 0; c < W / CW; ++c) {
      an_dwp_chunk(q, x + 4 * c * (S == 1 ? CW / 2 : CW), k, o + c * CW * o_step, o_step, PW, CW, S);
    }
  }
}
#undef AN_DWP_FILTER_ROW

// The image row at SAME columns: stride 1 (zero point, column 0), (1, 2), ..., the last column beside the zero
// point or a pair of zero points; stride 2 over 2 W columns (0, 1), (2, 3), ..., then a pair of zero points.
static inline __attribute__((always_inline)) void an_dwp_widen_same(const int8_t *row, int32_t in_c, uint32_t zp4,
                                                                    uint32_t *d, int W, int S) {
  if (S == 1) {
    an_dw3_widen(zp4, an_dw3_word(row), d);
    _Pragma("GCC unroll 4") for (int j = 1; j <= (W - 1) / 2; ++j) {
      an_dw3_widen(an_dw3_word(row + (2 * j - 1) * in_c), an_dw3_word(row + 2 * j * in_c), d + 4 * j);
    }
    if ((W - 1) & 1) {
      an_dw3_widen(an_dw3_word(row + (W - 1) * in_c), zp4, d + 4 * ((W + 1) / 2));
    } else {
      an_dw3_widen(zp4, zp4, d + 4 * ((W + 1) / 2));
    }
  } else {
    // (pair W, two zero points, is the same for every group: an_dw3_plane writes it once)
    _Pragma("GCC unroll 4") for (int j = 0; j < W; ++j) {
      an_dw3_widen(an_dw3_word(row + 2 * j * in_c), an_dw3_word(row + (2 * j + 1) * in_c), d + 4 * j);
    }
  }
}

#if AN_DW3_PASS_ASM
// an_dwp_widen_same's stride-2 row (image columns 0 .. 2 W - 1 into pairs 0 .. W - 1) in one asm statement: two
// pairs of columns of four channels a step, the four columns' words in one run of loads (a load after a load takes
// one cycle; the column offsets in_c, 2 in_c, 3 in_c in registers, one add a step), per pair two PKH and four SXTB16
// (an_dw3_widen's), then one STM of the two pairs' eight words (pairs j and j + 1 are adjacent in the plane: 9 cycles
// against two STMs' 10); an odd W's last pair by an STM of four.  The eight words in r0-r6, r8, in the STM's
// (ascending) order; on return *xp is past column 2 W - 1 and *dp past pair W - 1.
static inline __attribute__((always_inline)) void an_dwp_widen_s2_asm(const int8_t **xp, uint32_t **dp, int32_t in_c,
                                                                      int W) {
  register uint32_t v0 __asm__("r0"), v1 __asm__("r1"), v2 __asm__("r2"), v3 __asm__("r3");
  register uint32_t v4 __asm__("r4"), v5 __asm__("r5"), v6 __asm__("r6"), v7 __asm__("r8");
  const int8_t *x = *xp;
  uint32_t *d = *dp;
  // clang-format off
  __asm__ volatile(
      ".rept %c[n2]\n\t"
      "ldr %[v4], [%[x]]\n\t"
      "ldr %[v5], [%[x], %[c1]]\n\t"
      "ldr %[v6], [%[x], %[c2]]\n\t"
      "ldr %[v7], [%[x], %[c3]]\n\t"
      "add %[x], %[x], %[c2], lsl #1\n\t"
      AN_DW_WIDEN_TWO_PAIRS  // pair j (columns 2j, 2j + 1) from v4, v5; pair j + 1 from v6, v7
      "stmia %[d]!, {%[v0], %[v1], %[v2], %[v3], %[v4], %[v5], %[v6], %[v7]}\n\t"
      ".endr\n\t"
      ".if %c[odd]\n\t"
      "ldr %[v4], [%[x]]\n\t"
      "ldr %[v5], [%[x], %[c1]]\n\t"
      "add %[x], %[x], %[c2]\n\t"
      "pkhbt %[v0], %[v4], %[v5], lsl #16\n\t"
      "pkhtb %[v2], %[v5], %[v4], asr #16\n\t"
      "sxtb16 %[v1], %[v0], ror #8\n\t"
      "sxtb16 %[v0], %[v0]\n\t"
      "sxtb16 %[v3], %[v2], ror #8\n\t"
      "sxtb16 %[v2], %[v2]\n\t"
      "stmia %[d]!, {%[v0], %[v1], %[v2], %[v3]}\n\t"
      ".endif\n\t"
      : [v0] "=&r"(v0), [v1] "=&r"(v1), [v2] "=&r"(v2), [v3] "=&r"(v3), [v4] "=&r"(v4), [v5] "=&r"(v5),
        [v6] "=&r"(v6), [v7] "=&r"(v7), [x] "+r"(x), [d] "+r"(d)
      : [c1] "r"(in_c), [c2] "r"(2 * in_c), [c3] "r"(3 * in_c), [n2] "i"(W / 2), [odd] "i"(W & 1)
      : "memory");
  // clang-format on
  *xp = x;
  *dp = d;
}

// A SAME stride-2 plane's `rows` image rows from row (an_dwp_widen_s2_asm a row; the plane's last pair of each row,
// two zero points, skipped): a function per W of the stride-2 plane shapes, so that few values live around the
// statement (inlined into an_dwp_batch, GCC found no registers for it).
#define AN_DWP_WIDEN_S2_1(W)
#define AN_DWP_WIDEN_S2_2(W)                                                                                           \
  static                                                                                                               \
      __attribute__((noinline)) void an_dwp_widen_s2_##W(const int8_t *row, uint32_t *d, int32_t in_c, int32_t rows) { \
    for (; rows > 0; --rows, d += 4) an_dwp_widen_s2_asm(&row, &d, in_c, W);                                           \
  }
#define AN_DWP_WIDEN_S2(W, S) AN_DWP_WIDEN_S2_##S(W)
AN_DEPTHWISE_PLANE_SHAPES(AN_DWP_WIDEN_S2)
#undef AN_DWP_WIDEN_S2
#undef AN_DWP_WIDEN_S2_1
#undef AN_DWP_WIDEN_S2_2
#undef AN_DW_WIDEN_TWO_PAIRS
#endif

// Any other image row (an_dw3_widen_row_at, its pairs' kinds c).
static __attribute__((noinline)) void an_dwp_widen_any(const int8_t *row, an_dw3_cols c, int32_t in_w, int32_t in_c,
                                                       int32_t pad_w, uint32_t zp4, uint32_t *d) {
  an_dw3_widen_row_at(row, c, in_w, in_c, pad_w, zp4, d, 4);
}

// an_dw3_records_dsp, one copy.
static __attribute__((noinline)) void an_dwp_records(const int16_t *filter, const int32_t *bias,
                                                     const int32_t *multiplier, const int32_t *shift, int32_t c0,
                                                     int32_t output_offset, int32_t *rec) {
  an_dw3_records_dsp(filter, bias, multiplier, shift, c0, output_offset, rec);
}

// What every group of a layer's plane form shares (an_dw3_plane).
typedef struct {
  const int16_t *filter;
  const int32_t *bias, *multiplier, *shift, *records;  // records: the generator's (p->records) or NULL
  int32_t in_c, row_bytes, y0, y1, pad_w, in_w, out_h, stride_h, output_offset, same;
  an_dw3_cols cols;
  uint32_t zp4;
  an_dw_out_params q;
} an_dwp_geom;

// The channels of one batch (in, out: its input and output), four at a time: their records, their image rows
// widened into the plane (whose other rows hold zero points), then every output of each channel.  One copy per W, S
// and clamp kind F.
static inline __attribute__((always_inline)) void an_dwp_batch(const an_dwp_geom *g, const int8_t *in, int8_t *out,
                                                               int32_t *rec, uint32_t *plane, int W, int S, int F) {
  const int32_t pairs = S == 1 ? (W + 1) / 2 + 1 : W + 1, in_c = g->in_c;
  const int borders = g->y0 > 0 && g->y1 < (g->out_h - 1) * g->stride_h + 3;  // rows 0 and rows - 1 zero points
  const int bottom = g->y1 < (g->out_h - 1) * g->stride_h + 3;                // rows - 1 zero points
#if AN_DW3_PASS_ASM
  // a 4x4 or 2x2 SAME plane at stride 1 (an_dwp_group4x4_asm, an_dwp_group2x2_asm): image rows 1 .. W of the plane's
  // W + 2, TFLite's SAME columns
  const int square = g->out_h == W && g->stride_h == 1 && g->y0 == 1 && g->y1 == W + 1 && g->same;
  if ((W == 4 || W == 2) && S == 1 && F && square) {
    // each group's rows and four channels in two asm statements, in a loop of its own (the general loop's state
    // outside it: fewer reloads around the statements)
    const int32_t *const records = g->records;
    uint32_t *const rows = plane + 4 * pairs;
    const uint32_t zp4 = g->zp4;
    for (int32_t c0 = 0; c0 < in_c; c0 += 4) {
      const int32_t *k = records ? records + c0 * AN_DW3_RECORD : rec;
      if (!records) an_dwp_records(g->filter, g->bias, g->multiplier, g->shift, c0, g->output_offset, rec);
      an_dwp_widen_square_asm(in + c0, in_c, zp4, rows, W);
      if (W == 4) {
        an_dwp_group4x4_asm(plane, k, out + c0, in_c);
      } else {
        an_dwp_group2x2_asm(plane, k, out + c0, in_c);
      }
    }
    return;
  }
#endif
  for (int32_t c0 = 0; c0 < in_c; c0 += 4) {
    const int32_t *k = g->records ? g->records + c0 * AN_DW3_RECORD : rec;
    if (!g->records) an_dwp_records(g->filter, g->bias, g->multiplier, g->shift, c0, g->output_offset, rec);
    const int8_t *row = in + c0;
    uint32_t *d = plane + 4 * pairs * g->y0;
#if AN_DW3_PASS_ASM
    if ((W == 6 || W == 12) && S == 1 && square) {
      an_dwp_widen_rows_asm(row, in_c, g->zp4, d, W, W);
    } else if ((W == 8 || W == 16) && S == 1 && g->same && g->y1 > g->y0) {
      // the demo's 8x8 plane and its 16-wide bands: the image rows y0 .. y1 - 1, one after another in the input too
      an_dwp_widen_rows_asm(row, in_c, g->zp4, d, g->y1 - g->y0, W);
    } else if (S == 2 && g->same) {
      // SAME columns at stride 2 (in_w == 2 W): a row's widening ends where the next row starts in the input; in
      // the plane its last pair (two zero points, an_dw3_plane's) is skipped
      switch (W) {
#define AN_DWP_WIDEN_S2_1(w)
#define AN_DWP_WIDEN_S2_2(w)                          \
  case w:                                             \
    an_dwp_widen_s2_##w(row, d, in_c, g->y1 - g->y0); \
    break;
#define AN_DWP_WIDEN_S2(w, s) AN_DWP_WIDEN_S2_##s(w)
        AN_DEPTHWISE_PLANE_SHAPES(AN_DWP_WIDEN_S2)
#undef AN_DWP_WIDEN_S2
#undef AN_DWP_WIDEN_S2_1
#undef AN_DWP_WIDEN_S2_2
        default:
          break;
      }
    } else
#endif
    {
      for (int32_t y = g->y0; y < g->y1; ++y, row += g->row_bytes, d += 4 * pairs) {
        if (g->same) {
          an_dwp_widen_same(row, in_c, g->zp4, d, W, S);
        } else {
          an_dwp_widen_any(row, g->cols, g->in_w, in_c, g->pad_w, g->zp4, d);
        }
      }
    }
    _Pragma("GCC unroll 1") for (int32_t c = 0; c < 4; ++c) {
#if AN_DW3_PASS_ASM
      if ((W == 8 || W == 16) && S == 1 && F && g->stride_h == 1) {  // the four channels' rows in one asm statement
        if (borders && g->out_h >= 2) {
          an_dwp_group_rows_asm(plane, k, out + c0, in_c, g->out_h, W, 16 * pairs, 1);
        } else {
          an_dwp_group_rows_asm(plane, k, out + c0, in_c, g->out_h, W, 16 * pairs, 0);
        }
        break;
      }
      if (W == 3 && S == 1 && F) {  // the four channels' rows in one an_dwp_channel4_asm statement (w3)
        if (borders && g->out_h >= 2) {
          an_dwp_channel4_asm(plane, k, out + c0, g->out_h, 48 * g->stride_h, in_c, 1, 1, 1);
        } else {
          an_dwp_channel4_asm(plane, k, out + c0, g->out_h, 48 * g->stride_h, in_c, 0, 1, 1);
        }
        break;
      }
      if (W == 6 && S == 1 && F && borders && g->out_h == 6) {  // a 6x6 plane's four channels in one asm statement
        if (in_c == 128 && g->stride_h == 1) {                  // vww's 6x6x128: the output steps constants
          an_dwp_channel6s1_asm(plane, k, out + c0, 6, 64, 128, 6 * 128, 64, 1, 4, 1, 128, 6 * 128);
        } else {
          an_dwp_channel6s1_asm(plane, k, out + c0, 6, 64 * g->stride_h, in_c, 6 * in_c, 64, 1, 4, 1, 0, 0);
        }
        break;
      }
#endif
      an_dwp_channel(g->q, plane + c, k + c * AN_DW3_RECORD, out + c0 + c, g->out_h, g->stride_h, in_c, W * in_c, W, S,
                     F, borders, bottom);
    }
  }
}

typedef void (*an_dwp_batch_fn)(const an_dwp_geom *g, const int8_t *in, int8_t *out, int32_t *rec, uint32_t *plane);

// The plane form's shapes (output width, stride_w): AN_DEPTHWISE_PLANE's (an_depthwise_conv.h).
#define AN_DWP_SHAPES(X) AN_DEPTHWISE_PLANE_SHAPES(X)

#define AN_DWP_FUNCTIONS(W, S)                                                                              \
  static void an_dwp_batch_##W##_##S##_0(const an_dwp_geom *g, const int8_t *in, int8_t *out, int32_t *rec, \
                                         uint32_t *plane) {                                                 \
    an_dwp_batch(g, in, out, rec, plane, W, S, 0);                                                          \
  }                                                                                                         \
  static void an_dwp_batch_##W##_##S##_1(const an_dwp_geom *g, const int8_t *in, int8_t *out, int32_t *rec, \
                                         uint32_t *plane) {                                                 \
    an_dwp_batch(g, in, out, rec, plane, W, S, 1);                                                          \
  }
AN_DWP_SHAPES(AN_DWP_FUNCTIONS)
#undef AN_DWP_FUNCTIONS

// The batch copy for W, S and the clamp kind (an_depthwise_conv2d_s8: the layer has the plane form).
static an_dwp_batch_fn an_dwp_pick(int32_t W, int32_t S, int full) {
  an_dwp_batch_fn batch = NULL;
#define AN_DWP_PICK(w, s)                                                   \
  case 4 * (w) + (s):                                                       \
    batch = full ? an_dwp_batch_##w##_##s##_1 : an_dwp_batch_##w##_##s##_0; \
    break;
  switch (4 * W + S) { AN_DWP_SHAPES(AN_DWP_PICK) }
#undef AN_DWP_PICK
  return batch;
}

// The plane form with batch, the copy for the layer's W, S and clamp kind (an_dwp_pick's, or an entry point's).
static __attribute__((noinline)) void an_dw3_plane(const an_depthwise_params *p, const int8_t *input,
                                                   const int16_t *filter, const int32_t *bias,
                                                   const int32_t *multiplier, const int32_t *shift, int8_t *output,
                                                   void *scratch, an_dwp_batch_fn batch) {
  const int32_t in_c = p->in_c, in_h = p->in_h, in_w = p->in_w, out_h = p->out_h, stride_h = p->stride_h;
  const int32_t W = p->out_w, S = p->stride_w;
  const int full = p->act_min == -128 && p->act_max == 127;
  const int32_t pairs = AN_DEPTHWISE_PLANE_PAIRS(W, S);
  const int32_t rows = (out_h - 1) * stride_h + 3;  // padded rows the outputs read
  an_dwp_geom g = {filter,
                   bias,
                   multiplier,
                   shift,
                   p->records,
                   in_c,
                   in_w * in_c,
                   AN_MAX(0, p->pad_h),
                   AN_MIN(rows, in_h + p->pad_h),  // the image's padded rows y0 .. y1 - 1
                   p->pad_w,
                   in_w,
                   out_h,
                   stride_h,
                   p->output_offset,
                   // TFLite's SAME columns (stride 1: one each side; stride 2 over 2 W columns: one right)
                   S == 1 ? p->pad_w == 1 && in_w == W : p->pad_w == 0 && in_w == 2 * W,
                   an_dw3_columns(in_w, p->pad_w, pairs),
                   0x01010101u * ((uint32_t)p->pad_value & 0xFFu),
                   {p->output_offset, p->act_min, p->act_max, full}};
  int32_t *rec = (int32_t *)scratch;
  uint32_t *plane = (uint32_t *)(void *)(rec + 4 * AN_DW3_RECORD);
  // The padded rows outside the image and, at stride_w 2 on SAME columns, the image rows' last pair (two zero
  // points, an_dwp_widen_same leaves it): the same for every group.
  for (int32_t y = 0; y < rows; ++y) {
    uint32_t *const d = plane + 4 * pairs * y;
    if (y < g.y0 || y >= g.y1) {
      an_dwp_widen_any(NULL, g.cols, in_w, in_c, p->pad_w, g.zp4, d);
    } else if (g.same && S == 2) {
      an_dw3_widen(g.zp4, g.zp4, d + 4 * W);
    }
  }
  for (int32_t b = 0; b < p->batches; ++b) {
    batch(&g, input + (b * in_h + g.y0 - p->pad_h) * in_w * in_c, output + b * out_h * W * in_c, rec, plane);
  }
}

// ---- 3x3 column strips, stride_w 1 (rows3x3 == 3): one channel at a time, the least scratch ----
//
// Where no other form's scratch fits (an AttendNet's 16x16x40, at its arena's peak): one channel's record and a
// ring of three padded rows of one strip of four outputs (six padded columns: three int16 pairs, each two LDRSB and
// one PKHBT), 76 bytes.  Per channel its record once, then each strip (x0 = 0, 4, ..., the last one ending at the
// row's end, overlapping the one before where out_w is no multiple of four) padded row by padded row: the row
// widened into the ring, then the output row whose filter ends there (an_dwp_channel's row at stride 1 from three
// ring rows).  Columns and rows outside the image hold the zero point.  One copy per clamp kind.

// The int16 pair (lo, hi) of two int8 values.
static inline uint32_t an_dws_pair(int32_t lo, int32_t hi) {
  uint32_t r;
  __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(lo), "r"(hi));
  return r;
}

// One strip of one channel: x the input at channel c (batch start), o the output at column x0, channel c; k the
// record; ring 9 words.
static inline __attribute__((always_inline)) void an_dws_strip(const an_depthwise_params *p, an_dw_out_params q,
                                                               const int8_t *x, int8_t *o, const int32_t *k,
                                                               uint32_t *ring, int32_t x0, int F) {
  const int32_t in_c = p->in_c, in_w = p->in_w, in_h = p->in_h, out_row = p->out_w * in_c;
  const int32_t ix0 = x0 - p->pad_w;  // the strip's first image column
  // 0: the strip's six columns inside the image, 1: the first left of it, 2: the last right of it, 3: other
  const int kind = ix0 >= 0 && ix0 + 5 < in_w    ? 0
                   : ix0 == -1 && ix0 + 5 < in_w ? 1
                   : ix0 >= 0 && ix0 + 5 == in_w ? 2
                                                 : 3;
  const int32_t zp = p->pad_value;
  const uint32_t zp2 = an_dws_pair(zp, zp);
  const int32_t rows = (p->out_h - 1) * p->stride_h + 3;
  uint32_t *r0 = ring, *r1 = ring + 3, *r2 = ring + 6;  // the ring rows of filter rows 0, 1, 2 (after a shift)
  int32_t wait = 2;                                     // padded rows until the next output row
  q.full_range = F;
  for (int32_t y = 0; y < rows; ++y) {
    // The new row into the oldest slot.
    uint32_t *d = r0;
    r0 = r1;
    r1 = r2;
    r2 = d;
    const int32_t iy = y - p->pad_h;
    if ((uint32_t)iy >= (uint32_t)in_h) {
      d[0] = d[1] = d[2] = zp2;
    } else if (kind == 0) {  // inside the image
      const int8_t *c = x + (iy * in_w + ix0) * in_c;
      const int32_t v0 = c[0], v1 = c[in_c];
      c += 2 * in_c;
      const int32_t v2 = c[0], v3 = c[in_c];
      c += 2 * in_c;
      const int32_t v4 = c[0], v5 = c[in_c];
      d[0] = an_dws_pair(v0, v1);
      d[1] = an_dws_pair(v2, v3);
      d[2] = an_dws_pair(v4, v5);
    } else if (kind == 1) {  // one column left of the image
      const int8_t *c = x + iy * in_w * in_c;
      const int32_t v1 = c[0], v2 = c[in_c];
      c += 2 * in_c;
      const int32_t v3 = c[0], v4 = c[in_c], v5 = c[2 * in_c];
      d[0] = an_dws_pair(zp, v1);
      d[1] = an_dws_pair(v2, v3);
      d[2] = an_dws_pair(v4, v5);
    } else if (kind == 2) {  // one column right of the image
      const int8_t *c = x + (iy * in_w + ix0) * in_c;
      const int32_t v0 = c[0], v1 = c[in_c];
      c += 2 * in_c;
      const int32_t v2 = c[0], v3 = c[in_c], v4 = c[2 * in_c];
      d[0] = an_dws_pair(v0, v1);
      d[1] = an_dws_pair(v2, v3);
      d[2] = an_dws_pair(v4, zp);
    } else {
      const int8_t *row = x + iy * in_w * in_c;
      int32_t v[6];
      for (int32_t j = 0; j < 6; ++j) v[j] = (uint32_t)(ix0 + j) < (uint32_t)in_w ? row[(ix0 + j) * in_c] : zp;
      d[0] = an_dws_pair(v[0], v[1]);
      d[1] = an_dws_pair(v[2], v[3]);
      d[2] = an_dws_pair(v[4], v[5]);
    }
    // the output row whose filter starts stride_h rows after the last one's (the first: at padded row 0)
    const int go = wait == 0;
    if (go) wait = p->stride_h;
    --wait;
    if (!go) continue;
    int32_t a0 = k[6], a1 = a0, a2 = a0, a3 = a0;
    const uint32_t *rr[3] = {r0, r1, r2};
    _Pragma("GCC unroll 3") for (int32_t r = 0; r < 3; ++r) {
      AN_DW3N_BARRIER();
      const uint32_t w0 = rr[r][0], w1 = rr[r][1], w2 = rr[r][2];
      const uint32_t P = (uint32_t)k[2 * r], Q = (uint32_t)k[2 * r + 1];
      a0 = AN_DW3_SMLAD(w0, P, a0);
      a1 = AN_DW3_SMLATB(w0, P, a1);
      a2 = AN_DW3_SMLAD(w1, P, a2);
      a3 = AN_DW3_SMLATB(w1, P, a3);
      a0 = AN_DW3_SMLABB(w1, Q, a0);
      a1 = AN_DW3_SMLADX(w1, Q, a1);
      a2 = AN_DW3_SMLABB(w2, Q, a2);
      a3 = AN_DW3_SMLADX(w2, Q, a3);
    }
    AN_DW3N_BARRIER();
    const int32_t m = k[7], cst = k[8], e = k[9];
    const int8_t v0 = an_dw3_out(q, a0, m, cst, e), v1 = an_dw3_out(q, a1, m, cst, e);
    const int8_t v2 = an_dw3_out(q, a2, m, cst, e), v3 = an_dw3_out(q, a3, m, cst, e);
    o[0] = v0;
    o[in_c] = v1;
    o[2 * in_c] = v2;
    o[3 * in_c] = v3;
    o += out_row;
  }
}

static inline __attribute__((always_inline)) void an_dws_layer(const an_depthwise_params *p, const int8_t *input,
                                                               const int16_t *filter, const int32_t *bias,
                                                               const int32_t *multiplier, const int32_t *shift,
                                                               int8_t *output, void *scratch, int F) {
  const int32_t in_c = p->in_c, out_w = p->out_w;
  const an_dw_out_params q = {p->output_offset, p->act_min, p->act_max, F};
  int32_t *rec = (int32_t *)scratch;
  uint32_t *ring = (uint32_t *)(void *)(rec + AN_DW3_RECORD);
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * p->in_h * p->in_w * in_c;
    int8_t *out = output + b * p->out_h * out_w * in_c;
    for (int32_t c = 0; c < in_c; ++c) {
      an_dw3_record(filter, bias, multiplier, shift, c, p->output_offset, rec);
      for (int32_t x0 = 0;; x0 += 4) {
        if (x0 > out_w - 4) x0 = out_w - 4;
        an_dws_strip(p, q, in + c, out + x0 * in_c + c, rec, ring, x0, F);
        if (x0 == out_w - 4) break;
      }
    }
  }
}

static __attribute__((noinline)) void an_dw3_strip(const an_depthwise_params *p, const int8_t *input,
                                                   const int16_t *filter, const int32_t *bias,
                                                   const int32_t *multiplier, const int32_t *shift, int8_t *output,
                                                   void *scratch) {
  if (p->act_min == -128 && p->act_max == 127) {
    an_dws_layer(p, input, filter, bias, multiplier, shift, output, scratch, 1);
  } else {
    an_dws_layer(p, input, filter, bias, multiplier, shift, output, scratch, 0);
  }
}

// ---- The strip form's layer with its rows in bands of the plane form (rows3x3 == 3, stride_w 1, a plane width) ----
//
// The strip form runs where no larger scratch fits the arena, but the layer's own output is free until written:
// its first K rows (K * out_w * in_c bytes, 4-byte aligned) hold the plane form's scratch (four records and the
// padded rows of R output rows) while the plane form (`batch`: the copy for out_w, stride_w 1 and the clamp kind)
// computes rows K .. out_h - 1 in bands of R rows; then the strip form (its own scratch) computes rows 0 .. K - 1 over
// those bytes.  K minimises an estimate in tenths of a plane-form output row: 10 per plane row, 17 per strip row
// (the demo AttendNet-B's 16x16x40, Cortex-M4 timing model: about 3.0 and 4.5 cycles/MAC), 4 per band (padded rows
// widened again, the records, the padding rows).  0: no band fits (the strip form alone).
static int32_t an_dw3_band_rows(const an_depthwise_params *p, const int8_t *output, int32_t *band_out_rows) {
  const int32_t out_h = p->out_h, row_bytes = p->out_w * p->in_c, stride_h = p->stride_h;
  const int32_t pair_row_bytes = 16 * AN_DEPTHWISE_PLANE_PAIRS(p->out_w, 1);  // a padded row of four channels
  const int32_t records_bytes = 4 * AN_DW3_RECORD * (int32_t)sizeof(int32_t);
  int32_t best = 0, best_cost = 17 * out_h;
  if (((uintptr_t)output & 3u) != 0) return 0;
  for (int32_t k = 1; k < out_h; ++k) {
    const int32_t padded = (k * row_bytes - records_bytes) / pair_row_bytes;  // padded rows beside the records
    if (padded < 3) continue;
    const int32_t r = AN_MIN((padded - 3) / stride_h + 1, out_h - k), bands = (out_h - k + r - 1) / r;
    const int32_t cost = 10 * (out_h - k) + 17 * k + 4 * bands;
    if (cost < best_cost) {
      best = k;
      best_cost = cost;
      *band_out_rows = r;
    }
  }
  return best;
}

// ---- The bands' top rows in pairs (an_dw3_strip_band's rows 0 .. K - 1 on TFLite's SAME rows and columns, stride 1)
// ----
//
// Output rows y and y + 1 read image rows y - 1 .. y + 2 (row -1: the zero points above the image).  Per channel and
// pair of rows one pass along the columns, holding per image column the int16 pair A = (row y, row y + 1) and C =
// (row y - 1, row y + 2) in registers (columns -1 and W: the zero point), three columns at a time; the doubled taps
// (as an_dw3_record's) as vertical pairs V12_j = (w1j, w2j) and V01_j = (w0j, w1j) of filter column j.  Output (y,
// x): the bias plus the SMLAD of A by V12 and C's bottom halves by V01's (SMLABB) over columns x - 1 .. x + 1; output
// (y + 1, x): the bias plus the SMLAD of A by V01 and C's top halves by V12's (SMLATT).  In the first pair (y 0) row
// -1 is the zero point: filter row 0 on it is one sum per channel in the bias of row 0, and C holds only row 2 (its
// SMLABT by V12).  Where K is odd the last pair is rows K - 2, K - 1 (row K - 2 computed twice, the same bits).  The
// strip form's sums in another order (int32 sums: the same bits), requantized as an_dw3_out, and no scratch: per
// output pair 3 or 4 byte loads and 9 or 12 multiplies, where the strip form widened each padded row into its ring
// once per strip of four outputs (the demo AttendNet-B's 16x16x40, Cortex-M4 timing model: about 6.9 cycles/MAC).
static inline int an_dw3_top_applies(const an_depthwise_params *p) {
  return p->out_h >= 2 && p->stride_h == 1 && p->pad_h == 1 && p->pad_w == 1 && p->in_w == p->out_w &&
         p->in_h >= p->out_h + 1;
}

// Output column i of rows y and y + 1 from the column words A0, A1, A2 and C0, C1, C2 of columns i - 1 .. i + 1
// (an_dw3_top_pair's; TOP: y 0, C the values of row 2).
#define AN_DW3_TOP_STEP(A0, A1, A2, C0, C1, C2)  \
  do {                                           \
    int32_t a0 = AN_DW3_SMLAD(A0, V12_0, b0);    \
    int32_t a1 = AN_DW3_SMLAD(A0, V01_0, b1);    \
    a0 = AN_DW3_SMLAD(A1, V12_1, a0);            \
    a1 = AN_DW3_SMLAD(A1, V01_1, a1);            \
    a0 = AN_DW3_SMLAD(A2, V12_2, a0);            \
    a1 = AN_DW3_SMLAD(A2, V01_2, a1);            \
    if (TOP) {                                   \
      a1 = __smlabt(C0, V12_0, a1);              \
      a1 = __smlabt(C1, V12_1, a1);              \
      a1 = __smlabt(C2, V12_2, a1);              \
    } else {                                     \
      a0 = AN_DW3_SMLABB(C0, V01_0, a0);         \
      a0 = AN_DW3_SMLABB(C1, V01_1, a0);         \
      a0 = AN_DW3_SMLABB(C2, V01_2, a0);         \
      a1 = __smlatt(C0, V12_0, a1);              \
      a1 = __smlatt(C1, V12_1, a1);              \
      a1 = __smlatt(C2, V12_2, a1);              \
    }                                            \
    o[0] = an_dw3_out(q, a0, m, cst, e);         \
    o[row_bytes] = an_dw3_out(q, a1, m, cst, e); \
    o += in_c;                                   \
  } while (0)

// Rows y and y + 1 (TOP: y 0) of every channel: input at image row y, output at row y.
static inline __attribute__((always_inline)) void an_dw3_top_pair(const an_depthwise_params *p, const int8_t *input,
                                                                  const int16_t *filter, const int32_t *bias,
                                                                  const int32_t *multiplier, const int32_t *shift,
                                                                  int8_t *output, int TOP, int F) {
  static const int8_t lane[4] = {0, 2, 1, 3};
  const int32_t in_c = p->in_c, W = p->out_w, row_bytes = W * in_c;
  const an_dw_out_params q = {p->output_offset, p->act_min, p->act_max, F};
  const int32_t zp = p->pad_value;
  const uint32_t zp2 = an_dws_pair(zp, zp);
  for (int32_t c = 0; c < in_c; ++c) {
    const int16_t *w = filter + (c >> 2) * 36 + lane[c & 3];  // tap t at w[4 t] (an_dw3_record)
    const int32_t w00 = 2 * w[0], w01 = 2 * w[4], w02 = 2 * w[8];
    const int32_t w10 = 2 * w[12], w11 = 2 * w[16], w12 = 2 * w[20];
    const int32_t w20 = 2 * w[24], w21 = 2 * w[28], w22 = 2 * w[32];
    const uint32_t V12_0 = an_dws_pair(w10, w20), V12_1 = an_dws_pair(w11, w21), V12_2 = an_dws_pair(w12, w22);
    const uint32_t V01_0 = an_dws_pair(w00, w10), V01_1 = an_dws_pair(w01, w11), V01_2 = an_dws_pair(w02, w12);
    const int32_t e = -shift[c], m = multiplier[c];
    const int32_t cst = (int32_t)(((int64_t)1 << (e - 1)) + (int64_t)p->output_offset * ((int64_t)1 << e));
    const int32_t b1 = (int32_t)((uint32_t)bias[c] << 1);
    const int32_t b0 = TOP ? (int32_t)((uint32_t)b1 + (uint32_t)zp * (uint32_t)(w00 + w01 + w02)) : b1;
    const int8_t *x = input + c;
    int8_t *o = output + c;
    // the columns i - 1 (A0, C0) and i (A1, C1); column i + 1 read each step, the zero point after the last
    uint32_t A0 = zp2, A1 = an_dws_pair(x[0], x[row_bytes]);
    uint32_t C0 = zp2, C1 = TOP ? (uint32_t)x[2 * row_bytes] : an_dws_pair(x[-row_bytes], x[2 * row_bytes]);
    for (int32_t i = 1; i < W; ++i) {
      x += in_c;
      const uint32_t A2 = an_dws_pair(x[0], x[row_bytes]);
      const uint32_t C2 = TOP ? (uint32_t)x[2 * row_bytes] : an_dws_pair(x[-row_bytes], x[2 * row_bytes]);
      AN_DW3_TOP_STEP(A0, A1, A2, C0, C1, C2);
      A0 = A1;
      A1 = A2;
      C0 = C1;
      C1 = C2;
    }
    AN_DW3_TOP_STEP(A0, A1, zp2, C0, C1, zp2);
  }
}
#undef AN_DW3_TOP_STEP

// an_dw3_top_pair's copies: the first pair or a later one, per clamp kind (each its own function: inlined into one,
// GCC allocated the first pair's registers worse).
#define AN_DW3_TOP_PAIR(TOP, F)                                                                      \
  static __attribute__((noinline)) void an_dw3_top_pair_##TOP##_##F(                                 \
      const an_depthwise_params *p, const int8_t *input, const int16_t *filter, const int32_t *bias, \
      const int32_t *multiplier, const int32_t *shift, int8_t *output) {                             \
    an_dw3_top_pair(p, input, filter, bias, multiplier, shift, output, TOP, F);                      \
  }
AN_DW3_TOP_PAIR(0, 0)
AN_DW3_TOP_PAIR(0, 1)
AN_DW3_TOP_PAIR(1, 0)
AN_DW3_TOP_PAIR(1, 1)
#undef AN_DW3_TOP_PAIR

// Output rows 0 .. out_h - 1 (an_dw3_top_applies) in pairs, the last one ending at row out_h - 1.
static __attribute__((noinline)) void an_dw3_top(const an_depthwise_params *p, const int8_t *input,
                                                 const int16_t *filter, const int32_t *bias, const int32_t *multiplier,
                                                 const int32_t *shift, int8_t *output) {
  const int full = p->act_min == -128 && p->act_max == 127;
  const int32_t row_in = p->in_w * p->in_c, row_out = p->out_w * p->in_c;
  (full ? an_dw3_top_pair_1_1 : an_dw3_top_pair_1_0)(p, input, filter, bias, multiplier, shift, output);
  for (int32_t y = 2; y < p->out_h; y += 2) {
    const int32_t y0 = AN_MIN(y, p->out_h - 2);
    (full ? an_dw3_top_pair_0_1 : an_dw3_top_pair_0_0)(p, input + y0 * row_in, filter, bias, multiplier, shift,
                                                       output + y0 * row_out);
  }
}

static __attribute__((noinline)) void an_dw3_strip_band(const an_depthwise_params *p, const int8_t *input,
                                                        const int16_t *filter, const int32_t *bias,
                                                        const int32_t *multiplier, const int32_t *shift, int8_t *output,
                                                        void *scratch, an_dwp_batch_fn batch) {
  int32_t r = 0;
  const int32_t k = batch ? an_dw3_band_rows(p, output, &r) : 0;
  if (k == 0) {
    an_dw3_strip(p, input, filter, bias, multiplier, shift, output, scratch);
    return;
  }
  const int32_t row_bytes = p->out_w * p->in_c;
  an_depthwise_params band = *p, top = *p;
  band.batches = top.batches = 1;
  top.out_h = k;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * p->in_h * p->in_w * p->in_c;
    int8_t *out = output + b * p->out_h * row_bytes;
    for (int32_t r0 = k; r0 < p->out_h; r0 += r) {
      band.out_h = AN_MIN(r, p->out_h - r0);
      band.pad_h = p->pad_h - r0 * p->stride_h;  // the band's padded row 0 is the layer's r0 * stride_h
      an_dw3_plane(&band, in, filter, bias, multiplier, shift, out + r0 * row_bytes, out, batch);
    }
    if (an_dw3_top_applies(&top)) {
      an_dw3_top(&top, in, filter, bias, multiplier, shift, out);
    } else {
      an_dw3_strip(&top, in, filter, bias, multiplier, shift, out, scratch);
    }
  }
}
#endif  // AN_USE_DSP
#endif

static void an_dw_general(const an_depthwise_params *p, const int8_t *input, const int16_t *filter, const int32_t *bias,
                          const int32_t *multiplier, const int32_t *shift, const int8_t *pad_row, int8_t *output,
                          void *scratch);

void an_depthwise_conv2d_s8(const an_depthwise_params *p, const int8_t *input, const int16_t *filter,
                            const int32_t *bias, const int32_t *multiplier, const int32_t *shift, const int8_t *pad_row,
                            int8_t *output, void *scratch) {
#if !AN_USE_MVE
  // DSP cores: rows of 4 to AN_DEPTHWISE_NARROW_MAX_OUT_W outputs in the narrow form (one channel pair at a time),
  // wider ones by rows of four channels.  Plain C takes the row-buffer path only on rows at least 8 outputs wide:
  // narrower ones are faster on the general path there (vww_96_int8 6x6x128, Cortex-M4 timing model, plain C:
  // 11.3 cycles/MAC general, 12.7 rows); the narrow form unrolled per width would cost Cortex-M0+ builds some
  // 8 KiB of code.  The rows path's scratch is larger than the general path's, so either fits.
#if AN_USE_DSP
  switch (an_depthwise_form(p->rows3x3, p->out_w, p->stride_w)) {  // the entry points' rule (an_depthwise_conv.h)
    case AN_DEPTHWISE_FORM_STRIP:
      an_dw3_strip_band(
          p, input, filter, bias, multiplier, shift, output, scratch,
          AN_DEPTHWISE_PLANE(p->out_w, 1) ? an_dwp_pick(p->out_w, 1, p->act_min == -128 && p->act_max == 127) : NULL);
      return;
    case AN_DEPTHWISE_FORM_PLANE:
      an_dw3_plane(p, input, filter, bias, multiplier, shift, output, scratch,
                   an_dwp_pick(p->out_w, p->stride_w, p->act_min == -128 && p->act_max == 127));
      return;
    case AN_DEPTHWISE_FORM_NARROW:
      an_dw3_narrow(p, input, filter, bias, multiplier, shift, output, scratch);
      return;
    case AN_DEPTHWISE_FORM_ROWS:
      an_dw3_rows_dsp(p, input, filter, bias, multiplier, shift, output, scratch);
      return;
    default:
      break;
  }
#else
  if ((p->rows3x3 == 1 || p->rows3x3 == 2) && p->out_w >= 8) {
    an_dw3_rows(p, input, filter, bias, multiplier, shift, output, scratch);
    return;
  }
#endif
#endif
  an_dw_general(p, input, filter, bias, multiplier, shift, pad_row, output, scratch);
}

// ---- an_depthwise_conv2d_s8's entry points (an_depthwise_conv.h: one per form, an_depthwise_form) ----
//
// On DSP cores each runs its form where the layer has it (the generator's choice), else the general path (the same
// bits); elsewhere an_depthwise_conv2d_s8 (its choice there).
#if AN_USE_DSP && !AN_USE_MVE
#define AN_DW_FORM(FORM) (an_depthwise_form(p->rows3x3, p->out_w, p->stride_w) == (FORM))
#define AN_DW_ENTRY_BODY(WHEN, CALL) \
  if (WHEN) {                        \
    CALL;                            \
    return;                          \
  }                                  \
  an_dw_general(p, input, filter, bias, multiplier, shift, pad_row, output, scratch)
#else
#define AN_DW_ENTRY_BODY(WHEN, CALL) \
  an_depthwise_conv2d_s8(p, input, filter, bias, multiplier, shift, pad_row, output, scratch)
#endif
AN_DEPTHWISE_ENTRY(an_depthwise_conv2d_s8_general) {
#if AN_USE_MVE
  an_depthwise_conv2d_s8(p, input, filter, bias, multiplier, shift, pad_row, output, scratch);
#else
  an_dw_general(p, input, filter, bias, multiplier, shift, pad_row, output, scratch);
#endif
}
AN_DEPTHWISE_ENTRY(an_depthwise_conv2d_s8_rows) {
  AN_DW_ENTRY_BODY(AN_DW_FORM(AN_DEPTHWISE_FORM_ROWS),
                   an_dw3_rows_dsp(p, input, filter, bias, multiplier, shift, output, scratch));
}
AN_DEPTHWISE_ENTRY(an_depthwise_conv2d_s8_narrow) {
  AN_DW_ENTRY_BODY(AN_DW_FORM(AN_DEPTHWISE_FORM_NARROW),
                   an_dw3_narrow(p, input, filter, bias, multiplier, shift, output, scratch));
}
AN_DEPTHWISE_ENTRY(an_depthwise_conv2d_s8_strip) {
  AN_DW_ENTRY_BODY(AN_DW_FORM(AN_DEPTHWISE_FORM_STRIP),
                   an_dw3_strip(p, input, filter, bias, multiplier, shift, output, scratch));
}
#define AN_DW_PLANE_ENTRY(W, S, F)                                                                               \
  AN_DEPTHWISE_ENTRY(an_depthwise_conv2d_s8_plane##W##_##S##_##F) {                                              \
    AN_DW_ENTRY_BODY(                                                                                            \
        AN_DW_FORM(AN_DEPTHWISE_FORM_PLANE) && p->out_w == (W) && p->stride_w == (S) &&                          \
            (p->act_min == -128 && p->act_max == 127) == (F),                                                    \
        an_dw3_plane(p, input, filter, bias, multiplier, shift, output, scratch, an_dwp_batch_##W##_##S##_##F)); \
  }
#define AN_DW_PLANE_ENTRIES(W, S) AN_DW_PLANE_ENTRY(W, S, 0) AN_DW_PLANE_ENTRY(W, S, 1)
AN_DEPTHWISE_PLANE_SHAPES(AN_DW_PLANE_ENTRIES)
#undef AN_DW_PLANE_ENTRIES
#undef AN_DW_PLANE_ENTRY
// The strip form in bands of the plane form's copy for out_w W, stride_w 1, clamp kind F (an_dw3_strip_band).
#define AN_DW_STRIP_ENTRY(W, F)                                                                                     \
  AN_DEPTHWISE_ENTRY(an_depthwise_conv2d_s8_strip##W##_##F) {                                                       \
    AN_DW_ENTRY_BODY(                                                                                               \
        AN_DW_FORM(AN_DEPTHWISE_FORM_STRIP) && p->out_w == (W) && (p->act_min == -128 && p->act_max == 127) == (F), \
        an_dw3_strip_band(p, input, filter, bias, multiplier, shift, output, scratch, an_dwp_batch_##W##_1_##F));   \
  }
#define AN_DW_STRIP_ENTRIES(W) AN_DW_STRIP_ENTRY(W, 0) AN_DW_STRIP_ENTRY(W, 1)
AN_DEPTHWISE_STRIP_BAND_WIDTHS(AN_DW_STRIP_ENTRIES)
#undef AN_DW_STRIP_ENTRIES
#undef AN_DW_STRIP_ENTRY
#undef AN_DW_ENTRY_BODY
#undef AN_DW_FORM

// The general path (any shape; an_depthwise_conv2d_s8 where no row-buffer form applies).
static void an_dw_general(const an_depthwise_params *p, const int8_t *input, const int16_t *filter, const int32_t *bias,
                          const int32_t *multiplier, const int32_t *shift, const int8_t *pad_row, int8_t *output,
                          void *scratch) {
  const int32_t n_taps = p->k_h * p->k_w;
  const int32_t mult = p->depth_mult;
  const int32_t out_c = p->out_c, in_c = p->in_c, in_h = p->in_h, in_w = p->in_w;
  const int32_t span_h = (p->k_h - 1) * p->dilation_h, span_w = (p->k_w - 1) * p->dilation_w;
  const an_dw_out_params q = {p->output_offset, p->act_min, p->act_max, p->act_min == -128 && p->act_max == 127};
  // Scratch: the tap pointers of the current pixel (no more: the arena's scratch is k_h * k_w pointers).
  const int8_t **taps = (const int8_t **)scratch;
  const an_dw_tap_steps steps = {p->k_h, p->k_w, p->dilation_h * in_w * in_c, p->dilation_w * in_c};
  const int32_t blocks = (mult == 1 || (mult & 3) == 0) ? out_c / 4 : 0;
#if AN_USE_MVE
  // Halfword offsets of two blocks' weights in channel order (an_dw_channels_mve's int16 lanes).
  const uint16_t block16 = (uint16_t)(4 * n_taps);
  const uint16_t wo16_values[8] = {
      0, 2, 1, 3, block16, (uint16_t)(block16 + 2), (uint16_t)(block16 + 1), (uint16_t)(block16 + 3)};
  const uint16x8_t wo16 = vld1q(wo16_values);
  // Every shift negative: the shorter lane requantization (an_requantize_right_mve).
  int32_t all_shifts = -1;
  for (int32_t c = 0; c < out_c; ++c) all_shifts &= shift[c];
  const int right = all_shifts < 0;
#endif
#if AN_USE_DSP && !AN_USE_MVE
  // Two pixels at a time where the filter is 3x3, multiplier 1, no dilation (an_dw3x3_pair_dsp).
  const int pair3x3 = p->k_h == 3 && p->k_w == 3 && mult == 1 && p->dilation_h == 1 && p->dilation_w == 1;
#if defined(__GNUC__)
  // Every pixel's blocks by an_dw3x3_block4_right instead where the filter is 3x3, multiplier 1, in_c a multiple of
  // four (word stores) and every shift negative: faster than the pairs (GCC spills their eight accumulators;
  // vww_96_int8 6x6x128 s2: 6.64 -> 5.92 cycles/MAC, the demo AttendNet-B's 16x16x40: 7.25 -> 6.20).
  int32_t all_shifts = -1;
  for (int32_t c = 0; c < out_c; ++c) all_shifts &= shift[c];
  const int block3x3_right = p->k_h == 3 && p->k_w == 3 && mult == 1 && (in_c & 3) == 0 && all_shifts < 0;
  const int32_t round_offset = 1 + 2 * p->output_offset;
#else
  const int block3x3_right = 0;
#endif
#endif
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * in_h * in_w * in_c;
    int8_t *out = output + b * p->out_h * p->out_w * out_c;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_h;
      const int rows_inside = iy0 >= 0 && iy0 + span_h < in_h;
#if AN_USE_MVE
      int run = 0;  // the tap pointers were set for a pixel of this row inside the image, delta bytes left
      int32_t delta = 0;
#endif
      for (int32_t ox = 0; ox < p->out_w; ++ox, out += out_c) {
        const int32_t ix0 = ox * p->stride_w - p->pad_w;
#if AN_USE_MVE
        if (mult == 1 && 4 * n_taps + 3 <= 0xFFFF && rows_inside && ix0 >= 0 && ix0 + span_w < in_w) {
          // The run of pixels from ox whose taps all lie inside the image, channels outermost.
          const int32_t last = AN_MIN(p->out_w - 1, (in_w - 1 - span_w + p->pad_w) / p->stride_w);
          const int32_t count = last - ox + 1;
          const int8_t *base = in + (iy0 * in_w + ix0) * in_c;
          an_dw_set_taps(taps, base, steps);
          an_dw_run_mve(q, right, taps, n_taps, filter, out_c, bias, multiplier, shift, out, count, p->stride_w * in_c,
                        wo16);
          ox += count - 1;
          out += (count - 1) * out_c;
          run = 0;
          continue;
        }
#endif
#if AN_USE_DSP && !AN_USE_MVE
        if (pair3x3 && !block3x3_right && rows_inside && ix0 >= 0 && ox + 1 < p->out_w &&
            ix0 + p->stride_w + 2 < in_w) {
          const int8_t *base = in + (iy0 * in_w + ix0) * in_c;
          an_dw3x3_pair_dsp(q, base, p->stride_w * in_c, in_c, in_w * in_c, filter, blocks, bias, multiplier, shift,
                            out, out + out_c);
          if (4 * blocks < out_c) {
            an_dw_set_taps(taps, base, steps);
            an_dw_channels_from(q, taps, n_taps, filter, mult, 4 * blocks, out_c, bias, multiplier, shift, out);
            an_dw_set_taps(taps, base + p->stride_w * in_c, steps);
            an_dw_channels_from(q, taps, n_taps, filter, mult, 4 * blocks, out_c, bias, multiplier, shift, out + out_c);
          }
          ++ox;
          out += out_c;
          continue;
        }
#endif
        if (rows_inside && ix0 >= 0 && ix0 + span_w < in_w) {
#if AN_USE_MVE
          // Along a run of pixels inside the image the pointers stay, the pixel moves by delta.
          if (run) {
            delta += p->stride_w * in_c;
          } else {
            const int8_t *base = in + (iy0 * in_w + ix0) * in_c;
            an_dw_set_taps(taps, base, steps);
            run = 1;
            delta = 0;
          }
#else
          const int8_t *base = in + (iy0 * in_w + ix0) * in_c;
          an_dw_set_taps(taps, base, steps);
#endif
        } else {
#if AN_USE_MVE
          run = 0;
          delta = 0;
#endif
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
        an_dw_channels_mve(q, taps, delta, n_taps, filter, mult, out_c, bias, multiplier, shift, out, wo16, right);
        (void)blocks;
#else
        const int16_t *w = filter;
        int32_t oc = 0;
#if AN_USE_DSP && defined(__GNUC__)
        if (block3x3_right) {
          for (; oc < 4 * blocks; oc += 4, w += 36) {
            an_dw3x3_block4_right(q, round_offset, taps, w, oc, bias + oc, multiplier + oc, shift + oc, out + oc);
          }
        }
#endif
        for (int32_t blk = oc / 4; blk < blocks; ++blk, oc += 4, w += 4 * n_taps) {
          an_dw_block4(q, taps, n_taps, w, mult == 1 ? oc : oc / mult, mult != 1, bias + oc, multiplier + oc,
                       shift + oc, out + oc);
        }
        an_dw_channels_from(q, taps, n_taps, filter, mult, oc, out_c, bias, multiplier, shift, out);
#endif
      }
    }
  }
}

// ---- the Helium layout (an_depthwise_conv2d_s8_mve; an_depthwise_conv.h) ----
//
// Sixteen channels per vector as int8 lanes: per tap one VLDRB of the inputs and one of the weights (the generator
// stores them per group of sixteen channels and tap, contiguous), VMULLB/VMULLT.S8 give the even and odd channels'
// products as int16, two taps' products are added in int16 (the generator checked that no channel's pair can
// leave int16: an_depthwise_conv.h), and the pair's sums are widened into four int32 accumulators by
// VMOVLB/VMOVLT.S16: channels {0,4,8,12}, {2,6,10,14}, {1,5,9,13}, {3,7,11,15} of the group, the order the
// generator stores the group's bias, multipliers and shifts in.  Requantized on those lanes (an_requantize_mve,
// an_requantize_right_mve where every shift is negative), narrowed back into channel order by saturating
// VQMOVNB/VQMOVNT (the output offset added on int16 lanes with saturation: where that saturates the exact value
// lies outside int8 on the same side), clamped and stored with one VSTRB.  The same int32 sums per channel as
// every other path (int32 addition wraps and is associative).
#if AN_USE_MVE
// Two tap addresses per tap in AN_DEPTHWISE_SCRATCH_BYTES (a compile error where they do not fit).
typedef char an_dw_mve_offsets_fit_scratch[2 * sizeof(intptr_t) <= AN_DEPTHWISE_SCRATCH_BYTES(1, 1) ? 1 : -1];

// Two taps (inputs xa, xb, weights w and w + 16) of sixteen channels into the accumulators: five loads, four
// VMULL, two int16 adds, four widenings, four int32 adds.  In assembly: the four accumulators and the pair take
// the eight vector registers only when the products overwrite their operands (the second tap's inputs are loaded
// again for its odd lanes), an allocation GCC does not find (it spills an accumulator per pair).  VMULL and VMOVL
// of 8- and 16-bit lanes may write a source register (each lane reads its own bytes only).
// tail: the inputs' lanes from the predicate p only (the last group's; the others read as zero).
#define AN_DW16_LOAD_X(X, AT) "vpst\n\tvldrbt.8 %q[" X "], [%[" AT "]]\n\t"
static inline __attribute__((always_inline)) void an_dw16_pair_mve(int32x4_t *a0, int32x4_t *a1, int32x4_t *a2,
                                                                   int32x4_t *a3, const int8_t *xa, const int8_t *xb,
                                                                   const int8_t *w, int tail, mve_pred16_t p) {
  int8x16_t t0, t1, t3;
  int16x8_t t2;
  if (tail) {
    // The same with the inputs' loads predicated (never beyond the input; the lanes past out_c meet zero weights).
    __asm__(
        "vmsr p0, %[p]\n\t" AN_DW16_LOAD_X("t0", "xa")
        "vldrb.8 %q[t3], [%[w]]\n\t"
        "vmullb.s8 %q[t2], %q[t0], %q[t3]\n\t"
        "vmullt.s8 %q[t0], %q[t0], %q[t3]\n\t" AN_DW16_LOAD_X("t1", "xb")
        "vldrb.8 %q[t3], [%[w], #16]\n\t"
        "vmullb.s8 %q[t3], %q[t1], %q[t3]\n\t"
        "vadd.i16 %q[t2], %q[t2], %q[t3]\n\t"
        "vmovlb.s16 %q[t3], %q[t2]\n\t"
        "vadd.i32 %q[a0], %q[a0], %q[t3]\n\t"
        "vmovlt.s16 %q[t2], %q[t2]\n\t"
        "vadd.i32 %q[a1], %q[a1], %q[t2]\n\t"
        "vldrb.8 %q[t3], [%[w], #16]\n\t"
        "vmullt.s8 %q[t1], %q[t1], %q[t3]\n\t"
        "vadd.i16 %q[t0], %q[t0], %q[t1]\n\t"
        "vmovlb.s16 %q[t1], %q[t0]\n\t"
        "vadd.i32 %q[a2], %q[a2], %q[t1]\n\t"
        "vmovlt.s16 %q[t0], %q[t0]\n\t"
        "vadd.i32 %q[a3], %q[a3], %q[t0]"
        : [a0] "+w"(*a0), [a1] "+w"(*a1), [a2] "+w"(*a2), [a3] "+w"(*a3), [t0] "=&w"(t0), [t1] "=&w"(t1),
          [t2] "=&w"(t2), [t3] "=&w"(t3)
        : [xa] "r"(xa), [xb] "r"(xb), [w] "r"(w), [p] "r"((uint32_t)p), "m"(*(const int8_t(*)[16])xa),
          "m"(*(const int8_t(*)[16])xb), "m"(*(const int8_t(*)[32])w)
        : "p0");
    return;
  }
  __asm__(
      "vldrb.8 %q[t0], [%[xa]]\n\t"
      "vldrb.8 %q[t1], [%[w]]\n\t"
      "vmullb.s8 %q[t2], %q[t0], %q[t1]\n\t"
      "vmullt.s8 %q[t0], %q[t0], %q[t1]\n\t"
      "vldrb.8 %q[t1], [%[xb]]\n\t"
      "vldrb.8 %q[t3], [%[w], #16]\n\t"
      "vmullb.s8 %q[t1], %q[t1], %q[t3]\n\t"
      "vadd.i16 %q[t2], %q[t2], %q[t1]\n\t"
      "vmovlb.s16 %q[t1], %q[t2]\n\t"
      "vadd.i32 %q[a0], %q[a0], %q[t1]\n\t"
      "vmovlt.s16 %q[t2], %q[t2]\n\t"
      "vadd.i32 %q[a1], %q[a1], %q[t2]\n\t"
      "vldrb.8 %q[t1], [%[xb]]\n\t"
      "vmullt.s8 %q[t1], %q[t1], %q[t3]\n\t"
      "vadd.i16 %q[t0], %q[t0], %q[t1]\n\t"
      "vmovlb.s16 %q[t1], %q[t0]\n\t"
      "vadd.i32 %q[a2], %q[a2], %q[t1]\n\t"
      "vmovlt.s16 %q[t0], %q[t0]\n\t"
      "vadd.i32 %q[a3], %q[a3], %q[t0]"
      : [a0] "+w"(*a0), [a1] "+w"(*a1), [a2] "+w"(*a2), [a3] "+w"(*a3), [t0] "=&w"(t0), [t1] "=&w"(t1), [t2] "=&w"(t2),
        [t3] "=&w"(t3)
      : [xa] "r"(xa), [xb] "r"(xb), [w] "r"(w), "m"(*(const int8_t(*)[16])xa), "m"(*(const int8_t(*)[16])xb),
        "m"(*(const int8_t(*)[32])w));
}
#undef AN_DW16_LOAD_X

// What an_dw9_run_right_mve's assembly reads, at the byte offsets its immediates name (a compile error elsewhere).
typedef struct {
  int32_t offset, lo, hi;     // 0, 4, 8: the output offset and bounds
  int32_t groups;             // 12: full groups of sixteen lanes per pixel (at least one)
  int32_t in_next, out_next;  // 16, 20: from after a pixel's last full group to the next pixel's first group
  const int8_t *filter;       // 24: the first group's weights
  const int32_t *channels;    // 28: its biases, multipliers and shifts (the others follow)
} an_dw9_run;
typedef char an_dw9_run_layout[offsetof(an_dw9_run, offset) == 0 && offsetof(an_dw9_run, lo) == 4 &&
                                       offsetof(an_dw9_run, hi) == 8 && offsetof(an_dw9_run, groups) == 12 &&
                                       offsetof(an_dw9_run, in_next) == 16 && offsetof(an_dw9_run, out_next) == 20 &&
                                       offsetof(an_dw9_run, filter) == 24 && offsetof(an_dw9_run, channels) == 28
                                   ? 1
                                   : -1];

// A 3x3 filter, every shift negative, the full groups of `count` pixels in one assembly statement (GCC's copy
// reloads the spilled tap, weight and channel pointers and counts the taps apart): per pair of taps one LDRD of
// their offsets (immediate: the table is not walked), two adds and an_dw16_pair_mve's nineteen instructions (the
// weights by post-increment), the ninth tap fourteen, the bias four loads, the requantization six per four lanes
// (the multipliers and shifts by post-increment), the narrowing and the offset eight, one VSTRB and the group loop's
// add and LE: 141 instructions per sixteen channels and pixel where the outputs cover int8 (an_dw9_run_right_mve's
// full-range form), six more to clamp them; per pixel seven more (the group count, weights, channels and the two
// steps reloaded from *r).  Pixel i's group g reads tap t at base + off[t] + i * (16 groups + in_next) + 16 g.
#define AN_DW9_PAIR(AT)                  \
  "ldrd %[ra], %[rb], [%[off], #" AT     \
  "]\n\t"                                \
  "add %[ra], %[ra], %[base]\n\t"        \
  "add %[rb], %[rb], %[base]\n\t"        \
  "vldrb.8 %q[t0], [%[ra]]\n\t"          \
  "vldrb.8 %q[t3], [%[w], #16]\n\t"      \
  "vldrb.8 %q[t1], [%[w]], #32\n\t"      \
  "vmullb.s8 %q[t2], %q[t0], %q[t1]\n\t" \
  "vmullt.s8 %q[t0], %q[t0], %q[t1]\n\t" \
  "vldrb.8 %q[t1], [%[rb]]\n\t"          \
  "vmullb.s8 %q[t1], %q[t1], %q[t3]\n\t" \
  "vadd.i16 %q[t2], %q[t2], %q[t1]\n\t"  \
  "vmovlb.s16 %q[t1], %q[t2]\n\t"        \
  "vadd.i32 %q[a0], %q[a0], %q[t1]\n\t"  \
  "vmovlt.s16 %q[t2], %q[t2]\n\t"        \
  "vadd.i32 %q[a1], %q[a1], %q[t2]\n\t"  \
  "vldrb.8 %q[t1], [%[rb]]\n\t"          \
  "vmullt.s8 %q[t1], %q[t1], %q[t3]\n\t" \
  "vadd.i16 %q[t0], %q[t0], %q[t1]\n\t"  \
  "vmovlb.s16 %q[t1], %q[t0]\n\t"        \
  "vadd.i32 %q[a2], %q[a2], %q[t1]\n\t"  \
  "vmovlt.s16 %q[t0], %q[t0]\n\t"        \
  "vadd.i32 %q[a3], %q[a3], %q[t0]\n\t"
#define AN_DW9_REQUANTIZE(A)           \
  "vldrw.u32 %q[t0], [%[ch]], #16\n\t" \
  "vqrdmulh.s32 %q[" A "], %q[" A      \
  "], %q[t0]\n\t"                      \
  "vshr.s32 %q[t0], %q[" A             \
  "], #31\n\t"                         \
  "vadd.i32 %q[" A "], %q[" A "], %q[t0]\n\t"
#define AN_DW9_SHIFT(A)                \
  "vldrw.u32 %q[t0], [%[ch]], #16\n\t" \
  "vrshl.s32 %q[" A "], %q[" A "], %q[t0]\n\t"
// The pixel loop's head (the group count into LR, the first group's weights and channel values), one group's nine
// taps, requantization, narrowing and output offset (into a0's int8 lanes, not yet clamped).
#define AN_DW9_RUN_HEAD \
  "1:\n\t"                              \
  "ldr %[ra], [%[r], #12]\n\t"          \
  "ldr %[w], [%[r], #24]\n\t"           \
  "ldr %[ch], [%[r], #28]\n\t"          \
  "dls lr, %[ra]\n\t"                   \
  "2:\n\t"                              \
  "vldrw.u32 %q[a0], [%[ch]], #16\n\t"  \
  "vldrw.u32 %q[a1], [%[ch]], #16\n\t"  \
  "vldrw.u32 %q[a2], [%[ch]], #16\n\t"  \
  "vldrw.u32 %q[a3], [%[ch]], #16\n\t"  \
  AN_DW9_PAIR("0") AN_DW9_PAIR("8") AN_DW9_PAIR("16") AN_DW9_PAIR("24") \
  "ldr %[ra], [%[off], #32]\n\t"        \
  "add %[ra], %[ra], %[base]\n\t"       \
  "vldrb.8 %q[t0], [%[ra]]\n\t"         \
  "vldrb.8 %q[t1], [%[w]], #16\n\t"     \
  "vmullb.s8 %q[t2], %q[t0], %q[t1]\n\t" \
  "vmullt.s8 %q[t0], %q[t0], %q[t1]\n\t" \
  "vmovlb.s16 %q[t1], %q[t2]\n\t"       \
  "vadd.i32 %q[a0], %q[a0], %q[t1]\n\t" \
  "vmovlt.s16 %q[t2], %q[t2]\n\t"       \
  "vadd.i32 %q[a1], %q[a1], %q[t2]\n\t" \
  "vmovlb.s16 %q[t1], %q[t0]\n\t"       \
  "vadd.i32 %q[a2], %q[a2], %q[t1]\n\t" \
  "vmovlt.s16 %q[t0], %q[t0]\n\t"       \
  "vadd.i32 %q[a3], %q[a3], %q[t0]\n\t" \
  AN_DW9_REQUANTIZE("a0") AN_DW9_REQUANTIZE("a1") AN_DW9_REQUANTIZE("a2") AN_DW9_REQUANTIZE("a3") \
  AN_DW9_SHIFT("a0") AN_DW9_SHIFT("a1") AN_DW9_SHIFT("a2") AN_DW9_SHIFT("a3") \
  "vqmovnb.s32 %q[a0], %q[a0]\n\t"      \
  "vqmovnt.s32 %q[a0], %q[a1]\n\t"      \
  "vqmovnb.s32 %q[a2], %q[a2]\n\t"      \
  "vqmovnt.s32 %q[a2], %q[a3]\n\t"      \
  "vqadd.s16 %q[a0], %q[a0], %[ofs]\n\t" \
  "vqadd.s16 %q[a2], %q[a2], %[ofs]\n\t" \
  "vqmovnb.s16 %q[a0], %q[a0]\n\t"      \
  "vqmovnt.s16 %q[a0], %q[a2]\n\t"
// a0 stored, the next group (LE), the next pixel.
#define AN_DW9_RUN_TAIL               \
  "vstrb.8 %q[a0], [%[out]], #16\n\t" \
  "add %[base], %[base], #16\n\t"     \
  "le lr, 2b\n\t"                     \
  "ldr %[ra], [%[r], #16]\n\t"        \
  "add %[base], %[base], %[ra]\n\t"   \
  "ldr %[ra], [%[r], #20]\n\t"        \
  "add %[out], %[out], %[ra]\n\t"     \
  "subs %[count], %[count], #1\n\t"   \
  "bne 1b"
#define AN_DW9_RUN_OPERANDS                                                                                           \
  : [a0] "=&w"(a0), [a1] "=&w"(a1), [a2] "=&w"(a2), [a3] "=&w"(a3), [t0] "=&w"(t0), [t1] "=&w"(t1), [t2] "=&w"(t2), \
    [t3] "=&w"(t3), [ra] "=&r"(ra), [rb] "=&r"(rb), [w] "=&r"(w), [ch] "=&r"(ch), [base] "+r"(base), [out] "+r"(out), \
    [count] "+r"(count)                                                                                              \
  : [off] "r"(off), [r] "r"(r), [ofs] "r"(r->offset)                                                                \
  : "lr", "cc", "memory"
static __attribute__((noinline)) void an_dw9_run_right_mve(const an_dw9_run *r, const intptr_t *off, uintptr_t base,
                                                           int32_t count, int8_t *out) {
  int32x4_t a0, a1, a2, a3;
  int8x16_t t0, t1, t3;
  int16x8_t t2;
  uint32_t ra, rb;
  const int8_t *w;
  const int32_t *ch;
  if (r->lo == -128 && r->hi == 127) {
    __asm__ volatile(AN_DW9_RUN_HEAD AN_DW9_RUN_TAIL AN_DW9_RUN_OPERANDS);
  } else {
    __asm__ volatile(AN_DW9_RUN_HEAD
                     "ldr %[ra], [%[r], #4]\n\t"
                     "vdup.8 %q[t0], %[ra]\n\t"
                     "vmax.s8 %q[a0], %q[a0], %q[t0]\n\t"
                     "ldr %[ra], [%[r], #8]\n\t"
                     "vdup.8 %q[t0], %[ra]\n\t"
                     "vmin.s8 %q[a0], %q[a0], %q[t0]\n\t" AN_DW9_RUN_TAIL AN_DW9_RUN_OPERANDS);
  }
}
#undef AN_DW9_RUN_HEAD
#undef AN_DW9_RUN_TAIL
#undef AN_DW9_RUN_OPERANDS
#undef AN_DW9_PAIR
#undef AN_DW9_REQUANTIZE
#undef AN_DW9_SHIFT

// Sixteen channels from oc (the last group: p, its lanes below out_c) of one pixel: tap t reads the input at
// base + off[t] (+ oc, in base).
static inline __attribute__((always_inline)) void an_dw16_group_mve(an_dw_out_params q, int right, const intptr_t *off,
                                                                    int32_t n_taps, uintptr_t base, const int8_t *w,
                                                                    const int32_t *ch, int8_t *out, int tail,
                                                                    mve_pred16_t p) {
  int32x4_t a0 = vld1q(ch), a1 = vld1q(ch + 4), a2 = vld1q(ch + 8), a3 = vld1q(ch + 12);
  _Pragma("GCC unroll 8") for (int32_t t = 0; t + 1 < n_taps; t += 2, w += 32) {
    const int8_t *xa_at = (const int8_t *)(base + (uintptr_t)off[t]);
    const int8_t *xb_at = (const int8_t *)(base + (uintptr_t)off[t + 1]);
    an_dw16_pair_mve(&a0, &a1, &a2, &a3, xa_at, xb_at, w, tail, p);
  }
  if (n_taps & 1) {
    const int8_t *x_at = (const int8_t *)(base + (uintptr_t)off[n_taps - 1]);
    const int8x16_t x = tail ? vldrbq_z_s8(x_at, p) : vld1q(x_at);
    const int8x16_t wv = vld1q(w);
    const int16x8_t even = vmullbq_int_s8(x, wv), odd = vmulltq_int_s8(x, wv);
    a0 = vaddq_s32(a0, vmovlbq_s16(even));
    a1 = vaddq_s32(a1, vmovltq_s16(even));
    a2 = vaddq_s32(a2, vmovlbq_s16(odd));
    a3 = vaddq_s32(a3, vmovltq_s16(odd));
  }
  const int32_t *m = ch + 16, *s = ch + 32;
  if (right) {
    a0 = an_requantize_right_mve(a0, vld1q(m), vld1q(s));
    a1 = an_requantize_right_mve(a1, vld1q(m + 4), vld1q(s + 4));
    a2 = an_requantize_right_mve(a2, vld1q(m + 8), vld1q(s + 8));
    a3 = an_requantize_right_mve(a3, vld1q(m + 12), vld1q(s + 12));
  } else {
    a0 = an_requantize_mve(a0, vld1q(m), vld1q(s));
    a1 = an_requantize_mve(a1, vld1q(m + 4), vld1q(s + 4));
    a2 = an_requantize_mve(a2, vld1q(m + 8), vld1q(s + 8));
    a3 = an_requantize_mve(a3, vld1q(m + 12), vld1q(s + 12));
  }
  // Narrowed back into channel order over the accumulators' own registers (each lane of VQMOVNB/VQMOVNT reads and
  // writes its own bytes), the offset added with saturation, clamped, stored: thirteen instructions in assembly
  // (GCC copies registers around the narrowings and keeps the bounds' vectors across the taps).
  int8x16_t r = vreinterpretq_s8_s32(a0), t = vreinterpretq_s8_s32(a1);
  int16x8_t o = vreinterpretq_s16_s32(a2);
  __asm__(
      "vqmovnb.s32 %q[r], %q[a0]\n\t"
      "vqmovnt.s32 %q[r], %q[a1]\n\t"
      "vqmovnb.s32 %q[o], %q[o]\n\t"
      "vqmovnt.s32 %q[o], %q[a3]\n\t"
      "vqadd.s16 %q[r], %q[r], %[offset]\n\t"
      "vqadd.s16 %q[o], %q[o], %[offset]\n\t"
      "vqmovnb.s16 %q[r], %q[r]\n\t"
      "vqmovnt.s16 %q[r], %q[o]\n\t"
      "vdup.8 %q[t], %[lo]\n\t"
      "vmax.s8 %q[r], %q[r], %q[t]\n\t"
      "vdup.8 %q[t], %[hi]\n\t"
      "vmin.s8 %q[r], %q[r], %q[t]"
      : [r] "+w"(r), [t] "+w"(t), [o] "+w"(o)
      : [a0] "w"(a0), [a1] "w"(a1), [a3] "w"(a3), [offset] "r"(q.offset), [lo] "r"(q.lo), [hi] "r"(q.hi));
  if (tail) {
    vstrbq_p_s8(out, r, p);
  } else {
    vst1q(out, r);
  }
}

// Every channel of one pixel: full groups of sixteen, then the last one predicated.
static inline __attribute__((always_inline)) void an_dw16_pixel_mve(an_dw_out_params q, int right, const intptr_t *off,
                                                                    int32_t n_taps, uintptr_t base,
                                                                    const int8_t *filter, const int32_t *channels,
                                                                    int32_t out_c, int8_t *out) {
  const int32_t full = out_c >> 4, group_w = 16 * n_taps;
  for (int32_t g = 0; g < full; ++g, base += 16, filter += group_w, channels += 48, out += 16) {
    an_dw16_group_mve(q, right, off, n_taps, base, filter, channels, out, 0, vctp8q(16));
  }
  if (out_c & 15) {
    an_dw16_group_mve(q, right, off, n_taps, base, filter, channels, out, 1, vctp8q((uint32_t)(out_c & 15)));
  }
}

// A run of count pixels, pixel i's taps at base + i * step + off[t].  Fewer than sixteen channels (a divisor of 16,
// stride_w 1: step == out_c; the generator repeats the channels' weights and values across the sixteen lanes) take
// the run's pixels together, sixteen bytes of inputs and outputs per group (16 / out_c pixels), the rest predicated.
static inline __attribute__((always_inline)) void an_dw16_run_mve(an_dw_out_params q, int right, const intptr_t *off,
                                                                  int32_t n_taps, uintptr_t base, int32_t step,
                                                                  int32_t count, const int8_t *filter,
                                                                  const int32_t *channels, int32_t out_c, int8_t *out) {
  if (out_c < 16 && step == out_c) {
    const int32_t n = count * out_c;
    int32_t i = 0;
    for (; i + 16 <= n; i += 16) {
      an_dw16_group_mve(q, right, off, n_taps, base + (uintptr_t)i, filter, channels, out + i, 0, vctp8q(16));
    }
    if (i < n) {
      an_dw16_group_mve(q, right, off, n_taps, base + (uintptr_t)i, filter, channels, out + i, 1,
                        vctp8q((uint32_t)(n - i)));
    }
    return;
  }
  for (int32_t i = 0; i < count; ++i, base += (uintptr_t)step, out += out_c) {
    an_dw16_pixel_mve(q, right, off, n_taps, base, filter, channels, out_c, out);
  }
}

// A run of pixels, a 3x3 filter's copy (the taps unrolled) or any other's.
static __attribute__((noinline)) void an_dw16_run_any_mve(an_dw_out_params q, int right, const intptr_t *off,
                                                          int32_t n_taps, uintptr_t base, int32_t step, int32_t count,
                                                          const int8_t *filter, const int32_t *channels, int32_t out_c,
                                                          int8_t *out) {
  if (n_taps == 9) {
    an_dw16_run_mve(q, right, off, 9, base, step, count, filter, channels, out_c, out);
  } else {
    an_dw16_run_mve(q, right, off, n_taps, base, step, count, filter, channels, out_c, out);
  }
}

// an_dw16_run_mve for a 3x3 filter with every shift negative: the full groups of the run's pixels (fewer channels
// than sixteen: its full vectors) by an_dw9_run_right_mve, then each pixel's last group (the run's last vector)
// predicated.  r: the layer's groups, steps, weights and channel values (the pixel step of a run of more than one
// pixel is the layer's stride_w * in_c).
static void an_dw9_run_mve(const an_dw9_run *r, an_dw_out_params q, const intptr_t *off, uintptr_t base, int32_t step,
                           int32_t count, int32_t out_c, int8_t *out) {
  if (out_c < 16) {  // 16 / out_c pixels per vector
    const int32_t n = count * out_c;
    if (n >= 16) {
      an_dw9_run_right_mve(r, off, base, n >> 4, out);
    }
    if (n & 15) {
      const int32_t at = n & ~15;
      an_dw16_group_mve(q, 1, off, 9, base + (uintptr_t)at, r->filter, r->channels, out + at, 1,
                        vctp8q((uint32_t)(n & 15)));
    }
    return;
  }
  an_dw9_run_right_mve(r, off, base, count, out);
  if (out_c & 15) {
    const int32_t at = out_c & ~15;
    const mve_pred16_t p = vctp8q((uint32_t)(out_c & 15));
    for (int32_t i = 0; i < count; ++i, base += (uintptr_t)step, out += out_c) {
      an_dw16_group_mve(q, 1, off, 9, base + (uintptr_t)at, r->filter + 9 * at, r->channels + 3 * at, out + at, 1, p);
    }
  }
}

// Pixel (iy0, ix0)'s nine tap addresses (a 3x3 filter) into taps[0..8] (taps[9..11] written too): base + rel[t]
// where the tap lies inside the image, else pad_row.  tab: three vectors of ~(the taps' row offsets), three of
// ~(their column offsets), three of rel (a tap is inside where ~(iy0 + dy) > ~in_h and ~(ix0 + dx) > ~in_w,
// unsigned).  Per four taps ten instructions: two compares in one VPT block, one VPSEL, one VSTRW.
#define AN_DW9_TAPS4(K, ROW, COL, REL) \
  "vldrw.u32 q0, [%[tab], #" ROW       \
  "]\n\t"                              \
  "vsub.i32 q0, q0, %[iy0]\n\t"        \
  "vldrw.u32 q1, [%[tab], #" COL       \
  "]\n\t"                              \
  "vsub.i32 q1, q1, %[ix0]\n\t"        \
  "vpt.u32 hi, q0, %[not_h]\n\t"       \
  "vcmpt.u32 hi, q1, %[not_w]\n\t"     \
  "vldrw.u32 q0, [%[tab], #" REL       \
  "]\n\t"                              \
  "vadd.i32 q0, q0, %[base]\n\t"       \
  "vpsel q0, q0, q2\n\t"               \
  "vstrw.32 q0, [%[taps], #" K "]\n\t"
static inline __attribute__((always_inline)) void an_dw9_border_taps_mve(intptr_t *taps, const uint32x4_t *tab,
                                                                         int32_t iy0, int32_t ix0, uint32_t not_h,
                                                                         uint32_t not_w, uintptr_t base,
                                                                         const int8_t *pad_row) {
  __asm__ volatile("vdup.32 q2, %[pad]\n\t" AN_DW9_TAPS4("0", "0", "48", "96") AN_DW9_TAPS4("16", "16", "64", "112")
                       AN_DW9_TAPS4("32", "32", "80", "128")
                   :
                   : [taps] "r"(taps), [tab] "r"(tab), [iy0] "r"(iy0), [ix0] "r"(ix0), [not_h] "r"(not_h),
                     [not_w] "r"(not_w), [base] "r"(base), [pad] "r"(pad_row)
                   : "q0", "q1", "q2", "memory");
}
#undef AN_DW9_TAPS4
#endif

void an_depthwise_conv2d_s8_mve(const an_depthwise_params *p, const int8_t *input, const int8_t *filter,
                                const int32_t *channels, const int8_t *pad_row, int8_t *output, void *scratch) {
  const int32_t n_taps = p->k_h * p->k_w;
  const int32_t out_c = p->out_c, in_c = p->in_c, in_h = p->in_h, in_w = p->in_w;
  const an_dw_out_params q = {p->output_offset, p->act_min, p->act_max, p->act_min == -128 && p->act_max == 127};
  const int32_t groups = (out_c + 15) >> 4;
#if AN_USE_MVE
  const int32_t span_h = (p->k_h - 1) * p->dilation_h, span_w = (p->k_w - 1) * p->dilation_w;
  // Scratch: each tap's offset from its pixel's tap (0, 0) (pixels whose taps all lie inside the image), then
  // the current border pixel's tap addresses.
  intptr_t *inside = (intptr_t *)scratch, *border = inside + n_taps;
  for (int32_t ky = 0, t = 0; ky < p->k_h; ++ky) {
    for (int32_t kx = 0; kx < p->k_w; ++kx, ++t) {
      inside[t] = (intptr_t)((ky * p->dilation_h * in_w + kx * p->dilation_w) * in_c);
    }
  }
  // Every shift negative: the shorter lane requantization (an_requantize_right_mve).
  int32x4_t shifts = vdupq_n_s32(-1);
  for (int32_t g = 0; g < groups; ++g) {
    const int32_t *s = channels + 48 * g + 32;
    shifts = vmaxq_s32(vmaxq_s32(shifts, vld1q(s)), vmaxq_s32(vld1q(s + 4), vmaxq_s32(vld1q(s + 8), vld1q(s + 12))));
  }
  const int right = vmaxvq_s32(INT32_MIN, shifts) < 0;
  // A 3x3 filter with every shift negative: an_dw9_run_mve (the full groups in one assembly loop over the run's
  // pixels), its border pixels' tap addresses four at a time (an_dw9_border_taps_mve).
  const int nine = n_taps == 9 && right;
  const int32_t full = out_c < 16 ? 1 : out_c >> 4, step = p->stride_w * in_c;
  const an_dw9_run run = {
      q.offset, q.lo,    q.hi, full, out_c < 16 ? 0 : step - 16 * full, out_c < 16 ? 0 : out_c - 16 * full,
      filter,   channels};
  uint32x4_t tab[9];  // an_dw9_border_taps_mve's ~row offsets, ~column offsets and offsets of the taps
  intptr_t taps9[12];
  if (nine) {
    static const uint32_t rows[12] = {0, 0, 0, 1, 1, 1, 2, 2, 2, 0, 0, 0},
                          cols[12] = {0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 0, 0};
    for (int32_t k = 0; k < 3; ++k) {
      const uint32x4_t dy = vmulq_n_u32(vld1q(rows + 4 * k), (uint32_t)p->dilation_h);
      const uint32x4_t dx = vmulq_n_u32(vld1q(cols + 4 * k), (uint32_t)p->dilation_w);
      tab[k] = vmvnq_u32(dy);
      tab[3 + k] = vmvnq_u32(dx);
      tab[6 + k] = vmulq_n_u32(vmlaq_n_u32(dx, dy, (uint32_t)in_w), (uint32_t)in_c);
    }
  }
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * in_h * in_w * in_c;
    int8_t *out = output + b * p->out_h * p->out_w * out_c;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_h;
      const int rows_inside = iy0 >= 0 && iy0 + span_h < in_h;
      for (int32_t ox = 0; ox < p->out_w; ++ox, out += out_c) {
        const int32_t ix0 = ox * p->stride_w - p->pad_w;
        if (rows_inside && ix0 >= 0 && ix0 + span_w < in_w) {
          // The run of pixels from ox whose taps all lie inside the image.
          const int32_t last = AN_MIN(p->out_w - 1, (in_w - 1 - span_w + p->pad_w) / p->stride_w);
          const int32_t count = last - ox + 1;
          const uintptr_t base = (uintptr_t)(in + (iy0 * in_w + ix0) * in_c);
          if (nine) {
            an_dw9_run_mve(&run, q, inside, base, step, count, out_c, out);
          } else {
            an_dw16_run_any_mve(q, right, inside, n_taps, base, step, count, filter, channels, out_c, out);
          }
          ox += count - 1;
          out += (count - 1) * out_c;
          continue;
        }
        // Fewer channels than sixteen (packed, stride_w 1) in a row whose taps leave the image only above or below:
        // the pixels from ox whose columns lie inside, 16 / out_c at a time (one vector; the padded taps read the
        // generator's sixteen bytes of pad_row, the others pixel ox's inputs and the next pixels' after them).
        int32_t count = 1;
        if (out_c < 16 && step == out_c && ix0 >= 0 && ix0 + span_w < in_w) {
          const int32_t last = AN_MIN(p->out_w - 1, (in_w - 1 - span_w + p->pad_w) / p->stride_w);
          count = AN_MIN(last - ox + 1, 16 / out_c);
        }
        const uintptr_t base = (uintptr_t)in + (uintptr_t)(iy0 * in_w + ix0) * (uintptr_t)in_c;
        if (nine) {
          an_dw9_border_taps_mve(taps9, tab, iy0, ix0, ~(uint32_t)in_h, ~(uint32_t)in_w, base, pad_row);
          an_dw9_run_mve(&run, q, taps9, 0, out_c, count, out_c, out);
        } else {
          // The tap addresses row by row (unsigned arithmetic: a padded row's address is computed, never used).
          for (int32_t ky = 0, t = 0; ky < p->k_h; ++ky) {
            const int32_t iy = iy0 + ky * p->dilation_h;
            const int row_inside = (uint32_t)iy < (uint32_t)in_h;
            const uintptr_t row = base + (uintptr_t)(ky * p->dilation_h * in_w) * (uintptr_t)in_c;
            for (int32_t kx = 0, ix = ix0; kx < p->k_w; ++kx, ++t, ix += p->dilation_w) {
              border[t] = row_inside && (uint32_t)ix < (uint32_t)in_w ? (intptr_t)(row + (uintptr_t)((ix - ix0) * in_c))
                                                                      : (intptr_t)pad_row;
            }
          }
          an_dw16_run_any_mve(q, right, border, n_taps, 0, out_c, count, filter, channels, out_c, out);
        }
        ox += count - 1;
        out += (count - 1) * out_c;
      }
    }
  }
#else
  // Plain C (and DSP cores): the same sums from the same layout, one channel at a time.
  static const int8_t lane_of[16] = {0, 8, 4, 12, 1, 9, 5, 13, 2, 10, 6, 14, 3, 11, 7, 15};  // channel -> lane
  (void)scratch;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * in_h * in_w * in_c;
    int8_t *out = output + b * p->out_h * p->out_w * out_c;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      for (int32_t ox = 0; ox < p->out_w; ++ox, out += out_c) {
        for (int32_t oc = 0; oc < out_c; ++oc) {
          const int32_t *ch = channels + 48 * (oc >> 4);
          const int32_t lane = lane_of[oc & 15];
          const int8_t *w = filter + (oc >> 4) * 16 * n_taps + (oc & 15);
          int32_t acc = ch[lane];
          for (int32_t ky = 0; ky < p->k_h; ++ky) {
            const int32_t iy = oy * p->stride_h - p->pad_h + ky * p->dilation_h;
            for (int32_t kx = 0; kx < p->k_w; ++kx, w += 16) {
              const int32_t ix = ox * p->stride_w - p->pad_w + kx * p->dilation_w;
              const int8_t x =
                  (iy < 0 || iy >= in_h || ix < 0 || ix >= in_w) ? pad_row[oc] : in[(iy * in_w + ix) * in_c + oc];
              acc += x * *w;
            }
          }
          out[oc] = an_dw_out(q, acc, ch[16 + lane], ch[32 + lane]);
        }
      }
    }
  }
  (void)groups;
#endif
}
