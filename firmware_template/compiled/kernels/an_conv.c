// attendnets compiled runtime: int8 CONV_2D.
//
// Bit-exact with TFLM's reference_integer_ops::ConvPerChannel.  For each pair of output
// pixels the receptive fields are copied as int16 into two interleaved columns of K4 values (im2col;
// taps outside the image hold the input zero point, which the folded bias cancels; the
// padding to K4 holds zeros, as do the matching filter values), then each pair of output
// channels is a 2x2 block of dot products (an_dot.h): on cores with the DSP extension SMLAD,
// two 16x16 MACs per instruction, with Helium VMLADAVA (an_dot_mve.h) and the block's four
// requantizations on vector lanes (an_requantize_mve), elsewhere plain C.  Both sum the same products in int32 and
// requantize as TFLM's MultiplyByQuantizedMultiplier does, so the bits agree.
#include "an_conv.h"

#include <stddef.h>

#include "an_common.h"
#include "an_dot.h"

// Receptive field of output pixel (oy, ox) for the group starting at input channel channel0,
// as pixel j (0 or 1) of the interleaved column pair (an_dot.h).
static void an_conv_im2col(const an_conv_params *p, const int8_t *in, int32_t oy, int32_t ox, int32_t channel0,
                           int32_t j, int32_t k4, int16_t *cols) {
  const int32_t n = p->filter_in_c;
  const int32_t iy0 = oy * p->stride_h - p->pad_h;
  const int32_t ix0 = ox * p->stride_w - p->pad_w;
  int32_t k = 0;
  for (int32_t ky = 0; ky < p->k_h; ++ky) {
    const int32_t iy = iy0 + ky * p->dilation_h;
    const int row_inside = iy >= 0 && iy < p->in_h;
    const int32_t row = iy * p->in_w * p->in_c + channel0;
    const int32_t ix_last = ix0 + (p->k_w - 1) * p->dilation_w;
    if (row_inside && p->dilation_w == 1 && ix0 >= 0 && ix_last < p->in_w && n == p->in_c) {
      // The whole filter row is inside and contiguous in NHWC: one run of k_w * n values.
      an_widen_s8_pair(in + row + ix0 * p->in_c, cols, k, j, p->k_w * n);
      k += p->k_w * n;
      continue;
    }
    for (int32_t kx = 0; kx < p->k_w; ++kx, k += n) {
      const int32_t ix = ix0 + kx * p->dilation_w;
      if (row_inside && ix >= 0 && ix < p->in_w) {
        an_widen_s8_pair(in + row + ix * p->in_c, cols, k, j, n);
      } else {
        an_fill_pair(cols, k, j, n, (int16_t)p->pad_value);
      }
    }
  }
  an_fill_pair(cols, k, j, k4 - k, 0);
}

// The parameters requantization needs, in locals (the int8 stores could alias *p).
typedef struct {
  int32_t offset, lo, hi;
} an_conv_out_params;

static inline int8_t an_conv_out(an_conv_out_params q, int32_t acc, int32_t m, int32_t s) {
  acc = an_requantize(acc, m, s) + q.offset;
  return (int8_t)an_clamp(acc, q.lo, q.hi);
}

#if AN_USE_DSP && !AN_USE_MVE
// The channel pairs of an_conv_channels_2px on a DSP core, pairs > 0: the 2x2 dot products of
// an_dot_pair_2px with the filter pointer carried from pair to pair (the rows of a pair are
// contiguous) and the requantization of an_out_s8_right_shift (an_common.h) where both shifts are
// negative.
// Returns the filter after the last pair.
static const int8_t *an_conv_pairs_dsp(an_conv_out_params q, const int8_t *w, const int16_t *cols, int32_t k4,
                                       const int32_t *ch, int32_t pairs, int8_t *o0, int32_t out1_offset) {
  const int32_t round_offset = 1 + 2 * q.offset;
  // The k4 / 4 steps of four values: (k4 / 4) % 4 of them first, then blocks of four steps.
  const int32_t lead = (k4 >> 2) & 3, blocks16 = k4 >> 4;
  int8_t *o1 = o0 + out1_offset;
  const int32_t *const ch_end = ch + 6 * pairs;
  do {
    int32_t a0 = ch[0], a2 = ch[3];
    int32_t a1 = a0, a3 = a2;
    const int16_t *c = cols;
    for (int32_t i = lead; i > 0; --i) {
      AN_DOT_PAIR_2PX_STEP(w, c);
      __asm__ volatile("" ::: "memory");
      w += 8;
      c += 8;
    }
    for (int32_t i = blocks16; i > 0; --i) {
      AN_DOT_PAIR_2PX_STEP(w, c);
      __asm__ volatile("" ::: "memory");
      AN_DOT_PAIR_2PX_STEP(w + 8, c + 8);
      __asm__ volatile("" ::: "memory");
      AN_DOT_PAIR_2PX_STEP(w + 16, c + 16);
      __asm__ volatile("" ::: "memory");
      AN_DOT_PAIR_2PX_STEP(w + 24, c + 24);
      __asm__ volatile("" ::: "memory");
      w += 32;
      c += 32;
    }
    const int32_t m0 = ch[1], s0 = ch[2], m1 = ch[4], s1 = ch[5];
    ch += 6;
    if (__builtin_expect((s0 & s1) < 0, 1)) {
      const int32_t m20 = (int32_t)((uint32_t)m0 << 1), e0 = ~s0, m21 = (int32_t)((uint32_t)m1 << 1), e1 = ~s1;
      o0[0] = (int8_t)an_out_s8_right_shift(a0, m20, e0, round_offset, q.lo, q.hi);
      o0[1] = (int8_t)an_out_s8_right_shift(a2, m21, e1, round_offset, q.lo, q.hi);
      o1[0] = (int8_t)an_out_s8_right_shift(a1, m20, e0, round_offset, q.lo, q.hi);
      o1[1] = (int8_t)an_out_s8_right_shift(a3, m21, e1, round_offset, q.lo, q.hi);
    } else {
      o0[0] = an_conv_out(q, a0, m0, s0);
      o0[1] = an_conv_out(q, a2, m1, s1);
      o1[0] = an_conv_out(q, a1, m0, s0);
      o1[1] = an_conv_out(q, a3, m1, s1);
    }
    o0 += 2;
    o1 += 2;
  } while (ch < ch_end);
  return w;
}
#endif

// Output channels [0, n) of a pixel pair from the widened columns in scratch: filter rows w (the
// layout of an_conv.h, pairs then an odd last row), per-channel values ch ({bias, multiplier,
// shift} each), outputs o0[0..n) (pixel 0) and o0[out1_offset + 0..n) (pixel 1).
static inline void an_conv_channels_2px(an_conv_out_params q, const int8_t *w, const int16_t *cols, int32_t k4,
                                        const int32_t *ch, int32_t n, int8_t *o0, int32_t out1_offset) {
  const int32_t *const pairs_end = ch + 3 * (n & ~1);
#if AN_USE_DSP && !AN_USE_MVE
  if (n >= 2) w = an_conv_pairs_dsp(q, w, cols, k4, ch, n >> 1, o0, out1_offset);
  ch = pairs_end;
  o0 += n & ~1;
#else
#if AN_USE_MVE
  static const uint32_t an_conv_m_offsets[4] = {1, 1, 4, 4}, an_conv_s_offsets[4] = {2, 2, 5, 5};
  const uint32x4_t m_offsets = vld1q(an_conv_m_offsets), s_offsets = vld1q(an_conv_s_offsets);
  const uint32_t o1 = (uint32_t)out1_offset;
  const uint32_t out_offset_values[4] = {0, o1, 1, o1 + 1};
  const uint32x4_t out_offsets = vld1q(out_offset_values);
#endif
  for (; ch < pairs_end; ch += 6, w += 2 * k4, o0 += 2) {
    int32_t acc[4] = {ch[0], ch[0], ch[3], ch[3]};
    an_dot_pair_2px(w, cols, k4, acc);
#if AN_USE_MVE
    // Lanes (pixel 0, pixel 1) x (channel 0, channel 1): multipliers and shifts gathered from ch,
    // requantized on lanes (an_requantize_mve), stored by one scatter.
    int32x4_t v = an_requantize_mve(vld1q(acc), vldrwq_gather_shifted_offset_s32(ch, m_offsets),
                                    vldrwq_gather_shifted_offset_s32(ch, s_offsets));
    v = vminq_s32(vmaxq_s32(vaddq_n_s32(v, q.offset), vdupq_n_s32(q.lo)), vdupq_n_s32(q.hi));
    vstrbq_scatter_offset_s32(o0, out_offsets, v);
#else
    const int32_t m0 = ch[1], s0 = ch[2], m1 = ch[4], s1 = ch[5];
    // The four requantizations, then the offset and clamps (their three values loaded once).
    const int32_t v0 = an_requantize(acc[0], m0, s0), v1 = an_requantize(acc[1], m0, s0);
    const int32_t v2 = an_requantize(acc[2], m1, s1), v3 = an_requantize(acc[3], m1, s1);
    o0[out1_offset] = (int8_t)an_clamp(v1 + q.offset, q.lo, q.hi);
    o0[out1_offset + 1] = (int8_t)an_clamp(v3 + q.offset, q.lo, q.hi);
    o0[0] = (int8_t)an_clamp(v0 + q.offset, q.lo, q.hi);
    o0[1] = (int8_t)an_clamp(v2 + q.offset, q.lo, q.hi);
#endif
  }
#endif
  if (n & 1) {
    int32_t acc[2] = {ch[0], ch[0]};
    an_dot_row_2px(w, cols, k4, acc);
    const int32_t m = ch[1], s = ch[2];
    o0[out1_offset] = an_conv_out(q, acc[1], m, s);
    o0[0] = an_conv_out(q, acc[0], m, s);
  }
}

// ---- Filters pre-widened to int16 (an_conv.h, AN_CONV_W16 layout) ----
//
// Rows in groups of three (an odd last group of two or one), each group in blocks of eight
// values: row a's eight, row b's eight, row c's eight (a last block of four when k4 % 8 == 4).
// With the columns' pairs (c0, c1) the DSP path is one SMLAD per two MACs and no sign extension:
// per two values five loads (two column words, three filter words) and six SMLAD, 12 MACs.

#if AN_USE_DSP && !AN_USE_MVE
// Rows r of a group of `rows` (1-3) by two pixels over k4 values: acc[2r + j] += row_r . column_j.
// Returns the filter after the group.  One step: the values 2s, 2s + 1 of the current block.
// The loads of one step in a row (the Cortex-M4 pipelines a load behind a load: n loads in
// n + 1 cycles; GCC interleaves them with the multiplies otherwise).  Offsets in bytes.
#define AN_W16_LOAD3(C, W, OC, OW, BS, c0, c1, wa, wb, wc)                                                     \
  __asm__("ldr %0, [%5, %7]\n\tldr %1, [%5, %8]\n\tldr %2, [%6, %9]\n\tldr %3, [%6, %10]\n\tldr %4, [%6, %11]" \
          : "=&r"(c0), "=&r"(c1), "=&r"(wa), "=&r"(wb), "=&r"(wc)                                              \
          : "r"(C), "r"(W), "i"(OC), "i"((OC) + 8), "i"(OW), "i"((OW) + 2 * (BS)), "i"((OW) + 4 * (BS))        \
          : "memory")
#define AN_W16_LOAD2(C, W, OC, OW, BS, c0, c1, wa, wb)                                   \
  __asm__("ldr %0, [%4, %6]\n\tldr %1, [%4, %7]\n\tldr %2, [%5, %8]\n\tldr %3, [%5, %9]" \
          : "=&r"(c0), "=&r"(c1), "=&r"(wa), "=&r"(wb)                                   \
          : "r"(C), "r"(W), "i"(OC), "i"((OC) + 8), "i"(OW), "i"((OW) + 2 * (BS))        \
          : "memory")
#define AN_W16_LOAD1(C, W, OC, OW, c0, c1, wa)                       \
  __asm__("ldr %0, [%3, %5]\n\tldr %1, [%3, %6]\n\tldr %2, [%4, %7]" \
          : "=&r"(c0), "=&r"(c1), "=&r"(wa)                          \
          : "r"(C), "r"(W), "i"(OC), "i"((OC) + 8), "i"(OW)          \
          : "memory")

// One step: the values 2s, 2s + 1 of block H (0 or 1, block size BS values) from R and C.
#define AN_W16_STEP(rows, R, C, BS, H, S)                                                       \
  do {                                                                                          \
    int32_t c0, c1, wa, wb, wc;                                                                 \
    enum { oc = 32 * (H) + 4 * ((S)&1) + 16 * ((S) >> 1), ow = 2 * (BS)*rows * (H) + 4 * (S) }; \
    if (rows == 1) {                                                                            \
      AN_W16_LOAD1(C, R, oc, ow, c0, c1, wa);                                                   \
      a0 = __smlad(wa, c0, a0);                                                                 \
      a1 = __smlad(wa, c1, a1);                                                                 \
    } else if (rows == 2) {                                                                     \
      AN_W16_LOAD2(C, R, oc, ow, BS, c0, c1, wa, wb);                                           \
      a0 = __smlad(wa, c0, a0);                                                                 \
      a1 = __smlad(wa, c1, a1);                                                                 \
      a2 = __smlad(wb, c0, a2);                                                                 \
      a3 = __smlad(wb, c1, a3);                                                                 \
    } else {                                                                                    \
      AN_W16_LOAD3(C, R, oc, ow, BS, c0, c1, wa, wb, wc);                                       \
      a0 = __smlad(wa, c0, a0);                                                                 \
      a1 = __smlad(wa, c1, a1);                                                                 \
      a2 = __smlad(wb, c0, a2);                                                                 \
      a3 = __smlad(wb, c1, a3);                                                                 \
      a4 = __smlad(wc, c0, a4);                                                                 \
      a5 = __smlad(wc, c1, a5);                                                                 \
    }                                                                                           \
  } while (0)

// clang-format off
#define AN_W16_DOT(ROWS)                                                                                \
  static inline __attribute__((always_inline)) const int16_t *an_w16_dot##ROWS(const int16_t *w, const int16_t *cols, int32_t k4, int32_t *acc) { \
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3], a4 = acc[4], a5 = acc[5];                \
    const int16_t *c = cols;                                                                            \
    const int16_t *const end16 = cols + 2 * (k4 & ~15);                                                 \
    while (c < end16) {                                                                                 \
      AN_W16_STEP(ROWS, w, c, 8, 0, 0);                                                                 \
      AN_W16_STEP(ROWS, w, c, 8, 0, 1);                                                                 \
      AN_W16_STEP(ROWS, w, c, 8, 0, 2);                                                                 \
      AN_W16_STEP(ROWS, w, c, 8, 0, 3);                                                                 \
      AN_W16_STEP(ROWS, w, c, 8, 1, 0);                                                                 \
      AN_W16_STEP(ROWS, w, c, 8, 1, 1);                                                                 \
      AN_W16_STEP(ROWS, w, c, 8, 1, 2);                                                                 \
      AN_W16_STEP(ROWS, w, c, 8, 1, 3);                                                                 \
      w += 16 * (ROWS);                                                                                 \
      c += 32;                                                                                          \
    }                                                                                                   \
    if (k4 & 8) {                                                                                       \
      AN_W16_STEP(ROWS, w, c, 8, 0, 0);                                                                 \
      AN_W16_STEP(ROWS, w, c, 8, 0, 1);                                                                 \
      AN_W16_STEP(ROWS, w, c, 8, 0, 2);                                                                 \
      AN_W16_STEP(ROWS, w, c, 8, 0, 3);                                                                 \
      w += 8 * (ROWS);                                                                                  \
      c += 16;                                                                                          \
    }                                                                                                   \
    if (k4 & 4) {                                                                                       \
      AN_W16_STEP(ROWS, w, c, 4, 0, 0);                                                                 \
      AN_W16_STEP(ROWS, w, c, 4, 0, 1);                                                                 \
      w += 4 * (ROWS);                                                                                  \
    }                                                                                                   \
    acc[0] = a0;                                                                                        \
    acc[1] = a1;                                                                                        \
    acc[2] = a2;                                                                                        \
    acc[3] = a3;                                                                                        \
    acc[4] = a4;                                                                                        \
    acc[5] = a5;                                                                                        \
    return w;                                                                                           \
  }
// clang-format on
AN_W16_DOT(1)
AN_W16_DOT(2)
AN_W16_DOT(3)
#undef AN_W16_DOT
#undef AN_W16_STEP
#undef AN_W16_LOAD1
#undef AN_W16_LOAD2
#undef AN_W16_LOAD3
#endif

// The same sums anywhere (plain C; the MVE path with VMLADAVA on eight values).
static inline const int16_t *an_w16_dot_any(const int16_t *w, const int16_t *cols, int32_t k4, int32_t rows,
                                            int32_t *acc) {
#if AN_USE_DSP && !AN_USE_MVE
  if (rows == 3) return an_w16_dot3(w, cols, k4, acc);
  if (rows == 2) return an_w16_dot2(w, cols, k4, acc);
  return an_w16_dot1(w, cols, k4, acc);
#elif AN_USE_MVE
  const uint16x8_t c0o = vld1q(an_mve_col_offsets[0]), c1o = vld1q(an_mve_col_offsets[1]);
  for (int32_t k = 0; k < k4; k += 8) {
    const int32_t bs = k4 - k >= 8 ? 8 : 4;
    const mve_pred16_t p = vctp16q((uint32_t)bs);
    const int16x8_t c0 = vldrhq_gather_shifted_offset_z_s16(cols + 2 * k, c0o, p);
    const int16x8_t c1 = vldrhq_gather_shifted_offset_z_s16(cols + 2 * k, c1o, p);
    for (int32_t r = 0; r < rows; ++r) {
      const int16x8_t wr = vldrhq_z_s16(w + r * bs, p);
      acc[2 * r] = vmladavaq_s16(acc[2 * r], wr, c0);
      acc[2 * r + 1] = vmladavaq_s16(acc[2 * r + 1], wr, c1);
    }
    w += bs * rows;
  }
  return w;
#else
  // Plain C (cores without DSP): each column value loaded once for the group's rows (rows is a
  // constant where inlined) and the filter read at constant offsets from one pointer (blocks of
  // eight, then a last block of four), no index arithmetic per value: per four values 8 column and
  // 4 * rows filter loads for 8 * rows MACs.
  uint32_t a0 = (uint32_t)acc[0], a1 = (uint32_t)acc[1], a2 = (uint32_t)acc[2];
  uint32_t a3 = (uint32_t)acc[3], a4 = (uint32_t)acc[4], a5 = (uint32_t)acc[5];
#define AN_W16_PLAIN_TAP(C, W, BS, T)             \
  do {                                            \
    const int32_t x0 = (C)[T], x1 = (C)[4 + (T)]; \
    a0 += (uint32_t)((W)[T] * x0);                \
    a1 += (uint32_t)((W)[T] * x1);                \
    if (rows > 1) {                               \
      a2 += (uint32_t)((W)[(BS) + (T)] * x0);     \
      a3 += (uint32_t)((W)[(BS) + (T)] * x1);     \
    }                                             \
    if (rows > 2) {                               \
      a4 += (uint32_t)((W)[2 * (BS) + (T)] * x0); \
      a5 += (uint32_t)((W)[2 * (BS) + (T)] * x1); \
    }                                             \
  } while (0)
#define AN_W16_PLAIN_FOUR(C, W, BS) \
  do {                              \
    AN_W16_PLAIN_TAP(C, W, BS, 0);  \
    AN_W16_PLAIN_TAP(C, W, BS, 1);  \
    AN_W16_PLAIN_TAP(C, W, BS, 2);  \
    AN_W16_PLAIN_TAP(C, W, BS, 3);  \
  } while (0)
  const int16_t *const end8 = cols + 2 * (k4 & ~7);
  for (; cols < end8; cols += 16, w += 8 * rows) {
    AN_W16_PLAIN_FOUR(cols, w, 8);
    AN_W16_PLAIN_FOUR(cols + 8, w + 4, 8);
  }
  if (k4 & 4) {
    AN_W16_PLAIN_FOUR(cols, w, 4);
    w += 4 * rows;
  }
#undef AN_W16_PLAIN_FOUR
#undef AN_W16_PLAIN_TAP
  acc[0] = (int32_t)a0, acc[1] = (int32_t)a1, acc[2] = (int32_t)a2;
  acc[3] = (int32_t)a3, acc[4] = (int32_t)a4, acc[5] = (int32_t)a5;
  return w;
#endif
}

// One output value of channel values ch ({bias, multiplier, shift}); clamp_hi: whether the
// activation's upper bound lies below 127 (else SSAT's saturation is the clamp).
static inline __attribute__((always_inline)) int32_t an_w16_out(an_conv_out_params q, int32_t round_offset, int32_t acc,
                                                                const int32_t *ch, const int clamp_hi) {
  const int32_t m = ch[1], s = ch[2];
#if AN_USE_DSP && !AN_USE_MVE
  if (__builtin_expect(s < 0, 1)) {
    int32_t h, r;
    __asm__("smmlar %0, %1, %2, %1" : "=r"(h) : "r"(acc), "r"((int32_t)((uint32_t)m << 1)));
    const int32_t v = __qadd((h + (h >> 31)) >> ~s, round_offset);
    __asm__("ssat %0, #8, %1, asr #1" : "=r"(r) : "r"(v));
    // an_out_s8_right_shift (an_common.h) with the clamps that can bind.
    __asm__("cmp %0, %1\n\tit lt\n\tmovlt %0, %1" : "+r"(r) : "r"(q.lo) : "cc");
    if (clamp_hi) __asm__("cmp %0, %1\n\tit gt\n\tmovgt %0, %1" : "+r"(r) : "r"(q.hi) : "cc");
    return r;
  }
#else
  (void)round_offset;
  (void)clamp_hi;
#endif
  return an_conv_out(q, acc, m, s);
}

// A group of `rows` (1-3, a constant where inlined) channels by a pixel pair; returns the filter
// after the group.
static inline __attribute__((always_inline)) const int16_t *an_w16_group(an_conv_out_params q, int32_t round_offset,
                                                                         const int16_t *w, const int16_t *cols,
                                                                         int32_t k4, const int32_t *ch, int32_t rows,
                                                                         int8_t *o0, int8_t *o1, const int clamp_hi) {
  int32_t acc[6] = {ch[0], ch[0], 0, 0, 0, 0};
  if (rows > 1) acc[2] = acc[3] = ch[3];
  if (rows > 2) acc[4] = acc[5] = ch[6];
  w = an_w16_dot_any(w, cols, k4, rows, acc);
  // Every result before any store (an int8 store may alias the channel values).
  const int32_t r0 = an_w16_out(q, round_offset, acc[0], ch, clamp_hi);
  const int32_t r1 = an_w16_out(q, round_offset, acc[1], ch, clamp_hi);
  int32_t r2 = 0, r3 = 0, r4 = 0, r5 = 0;
  if (rows > 1) {
    r2 = an_w16_out(q, round_offset, acc[2], ch + 3, clamp_hi);
    r3 = an_w16_out(q, round_offset, acc[3], ch + 3, clamp_hi);
  }
  if (rows > 2) {
    r4 = an_w16_out(q, round_offset, acc[4], ch + 6, clamp_hi);
    r5 = an_w16_out(q, round_offset, acc[5], ch + 6, clamp_hi);
  }
  o0[0] = (int8_t)r0;
  o1[0] = (int8_t)r1;
  if (rows > 1) o0[1] = (int8_t)r2, o1[1] = (int8_t)r3;
  if (rows > 2) o0[2] = (int8_t)r4, o1[2] = (int8_t)r5;
  return w;
}

static inline __attribute__((always_inline)) void an_w16_channels(an_conv_out_params q, const int16_t *w,
                                                                  const int16_t *cols, int32_t k4, const int32_t *ch,
                                                                  int32_t n, int8_t *o0, int8_t *o1,
                                                                  const int clamp_hi) {
  const int32_t round_offset = 1 + 2 * q.offset;
  for (; n >= 3; n -= 3, ch += 9, o0 += 3, o1 += 3) {
    w = an_w16_group(q, round_offset, w, cols, k4, ch, 3, o0, o1, clamp_hi);
  }
  if (n == 2) an_w16_group(q, round_offset, w, cols, k4, ch, 2, o0, o1, clamp_hi);
  if (n == 1) an_w16_group(q, round_offset, w, cols, k4, ch, 1, o0, o1, clamp_hi);
}

// Output channels [0, n) of a pixel pair from int16 filter rows (AN_CONV_W16 layout): as
// an_conv_channels_2px, three channels at a time.
static void an_conv_channels_w16(an_conv_out_params q, const int16_t *w, const int16_t *cols, int32_t k4,
                                 const int32_t *ch, int32_t n, int8_t *o0, int32_t out1_offset) {
#if AN_USE_DSP && !AN_USE_MVE
  if (q.hi == 127) {
    an_w16_channels(q, w, cols, k4, ch, n, o0, o0 + out1_offset, 0);
    return;
  }
#endif
  an_w16_channels(q, w, cols, k4, ch, n, o0, o0 + out1_offset, 1);
}

#if AN_USE_MVE
// CONV_2D on Helium with int8 columns (an_dot_mve.h: an_dot8_pair_2px_mve and its notes).
// The receptive field of output pixel (oy, ox), group channels from channel0, as k int8 values.
static void an_conv_im2col8_mve(const an_conv_params *p, const int8_t *in, int32_t oy, int32_t ox, int32_t channel0,
                                int8_t *col) {
  // The parameters in locals: the int8 stores below could alias *p.
  const int32_t n = p->filter_in_c, in_c = p->in_c, in_h = p->in_h, in_w = p->in_w, k_h = p->k_h, k_w = p->k_w;
  const int32_t dilation_h = p->dilation_h, dilation_w = p->dilation_w, row_values = k_w * n;
  const int8_t pad = (int8_t)p->pad_value;
  const int32_t iy0 = oy * p->stride_h - p->pad_h;
  const int32_t ix0 = ox * p->stride_w - p->pad_w;
  // Without dilation and with all channels, a filter row is one run of the input row: the taps
  // left of the image (kx < kx0) and right of it (kx >= kx1) padded, the rest copied at once.
  const int runs = dilation_w == 1 && n == in_c;
  const int32_t kx0 = AN_MIN(AN_MAX(0, -ix0), k_w), kx1 = AN_MAX(AN_MIN(k_w, in_w - ix0), kx0);
  const int8_t *const first = in + (ix0 + kx0) * in_c + channel0;
  if (runs && kx0 == 0 && kx1 == k_w && row_values <= 16) {
    // Whole filter rows of at most sixteen values: one predicated load and store per row inside.
    const mve_pred16_t whole = vctp8q((uint32_t)row_values);
    const int32_t row_step = dilation_h * in_w * in_c;
    int32_t at = iy0 * in_w * in_c;  // row iy's offset from first
    for (int32_t ky = 0; ky < k_h; ++ky, col += row_values, at += row_step) {
      const int32_t iy = iy0 + ky * dilation_h;
      if (iy >= 0 && iy < in_h) {
        vstrbq_p_s8(col, vldrbq_z_s8(first + at, whole), whole);
      } else {
        an_fill8_mve(col, pad, row_values);
      }
    }
    return;
  }
  for (int32_t ky = 0; ky < k_h; ++ky, col += row_values) {
    const int32_t iy = iy0 + ky * dilation_h;
    if (iy < 0 || iy >= in_h) {
      an_fill8_mve(col, pad, row_values);
      continue;
    }
    if (runs) {
      if (kx0 > 0) an_fill8_mve(col, pad, kx0 * n);
      an_copy8_mve(col + kx0 * n, first + iy * in_w * in_c, (kx1 - kx0) * n);
      if (kx1 < k_w) an_fill8_mve(col + kx1 * n, pad, (k_w - kx1) * n);
      continue;
    }
    const int8_t *row = in + iy * in_w * in_c + channel0;
    int8_t *c = col;
    for (int32_t kx = 0; kx < k_w; ++kx, c += n) {
      const int32_t ix = ix0 + kx * dilation_w;
      if (ix >= 0 && ix < in_w) {
        an_copy8_mve(c, row + ix * in_c, n);
      } else {
        an_fill8_mve(c, pad, n);
      }
    }
  }
}

// The requantization the output channels' shifts (ch: {bias, multiplier, shift} each) allow: 2 where every shift is
// negative (an_requantize_right_mve), 1 where none is positive (an_requantize_nonpositive_mve), else 0
// (an_requantize_mve).
static int an_conv_right_shifts(const int32_t *ch, int32_t n) {
  int32_t all = -1, most = INT32_MIN;
  for (int32_t i = 0; i < n; ++i) {
    all &= ch[3 * i + 2];
    most = AN_MAX(most, ch[3 * i + 2]);
  }
  return all < 0 ? 2 : (most <= 0 ? 1 : 0);
}

// an_requantize_mve by the shifts' mode (an_conv_right_shifts).
static inline __attribute__((always_inline)) int32x4_t an_conv_requantize_mve(int32x4_t v, int32x4_t m, int32x4_t s,
                                                                              int mode) {
  if (mode == 2) return an_requantize_right_mve(v, m, s);
  if (mode == 1) return an_requantize_nonpositive_mve(v, m, s);
  return an_requantize_mve(v, m, s);
}

// Output channels [0, n) of a pixel pair from int8 columns c0, c1 of k values: filter rows w (the
// layout of an_conv.h), per-channel values ch ({bias, multiplier, shift}), outputs o0[0..n) (pixel 0)
// and o0[out1_offset + 0..n) (pixel 1).  right: the shifts' mode (an_conv_right_shifts).
static inline void an_conv_channels8_2px_mve(const an_conv_params *p, const int8_t *w, const int8_t *c0,
                                             const int8_t *c1, int32_t k, int32_t k4, const int32_t *ch, int32_t n,
                                             int8_t *o0, int32_t out1_offset, int right) {
  static const uint32_t m_offset_values[4] = {1, 1, 4, 4}, s_offset_values[4] = {2, 2, 5, 5};
  const uint32x4_t m_offsets = vld1q(m_offset_values), s_offsets = vld1q(s_offset_values);
  const uint32_t o1 = (uint32_t)out1_offset;
  const uint32_t out_offset_values[4] = {0, o1, 1, o1 + 1};
  const uint32x4_t out_offsets = vld1q(out_offset_values);
  const uint8x16_t wo = vld1q(an_mve_pair16_offsets);
  const int32_t offset = p->output_offset;
  const int32x4_t lo = vdupq_n_s32(p->act_min), hi = vdupq_n_s32(p->act_max);
  const int32_t *const pairs_end = ch + 3 * (n & ~1);
  for (; ch < pairs_end; ch += 6, w += 2 * k4, o0 += 2) {
    int32_t acc[4] = {ch[0], ch[0], ch[3], ch[3]};
    an_dot8_pair_2px_mve(w, c0, c1, k, wo, acc);
    // Lanes (pixel 0, pixel 1) x (channel 0, channel 1): requantized on lanes, stored by one scatter.
    const int32x4_t m = vldrwq_gather_shifted_offset_s32(ch, m_offsets);
    const int32x4_t s = vldrwq_gather_shifted_offset_s32(ch, s_offsets);
    int32x4_t v = an_conv_requantize_mve(vld1q(acc), m, s, right);
    v = vminq_s32(vmaxq_s32(vaddq_n_s32(v, offset), lo), hi);
    vstrbq_scatter_offset_s32(o0, out_offsets, v);
  }
  if (n & 1) {
    int32_t acc[2] = {ch[0], ch[0]};
    an_dot8_row_2px_mve(w, c0, c1, k, acc);
    const int32_t r0 = an_requantize(acc[0], ch[1], ch[2]) + offset;
    const int32_t r1 = an_requantize(acc[1], ch[1], ch[2]) + offset;
    o0[out1_offset] = (int8_t)an_clamp(r1, p->act_min, p->act_max);
    o0[0] = (int8_t)an_clamp(r0, p->act_min, p->act_max);
  }
}

// The gather offsets that read values 16 h .. 16 h + 15 of a row of a pair in natural order from the an_conv.h layout
// (rows of a pair interleaved in blocks of four, each block 0 2 1 3; the pair's other row: the same offsets from
// 4 bytes on); lanes past the row's k values gather its first value (they meet zero inputs).
static inline uint8x16_t an_conv_row_offsets_mve(int32_t k, int32_t h) {
  static const uint8_t block_order[4] = {0, 2, 1, 3};
  uint8_t offsets[16];
  for (int32_t i = 0; i < 16; ++i) {
    const int32_t v = 16 * h + i;
    offsets[i] = (uint8_t)(v < k ? 8 * (v >> 2) + block_order[v & 3] : 0);
  }
  return vld1q(offsets);
}

// What an_conv_small_2px_mve reads per call: the gather offsets of a filter row's values in natural order
// (an_conv_row_offsets_mve), rows[0] values 0..15 of a pair's first row, rows[1] its second row (4 bytes on), rows[2]
// and rows[3] values 16..31 of each; the output parameters.
typedef struct {
  uint8_t rows[4][16];
  uint32_t channel[3][4];  // word offsets of four channels' bias {0, 3, 6, 9}, multiplier (+ 1), shift (+ 2)
  int32_t offset, lo, hi;  // bytes 112, 116, 120 (an_conv_small_quad_right_mve reads them there)
  int32_t out_c, k4;
} an_conv_small_mve;
typedef char
    an_conv_small_mve_layout[offsetof(an_conv_small_mve, channel) == 64 && offsetof(an_conv_small_mve, offset) == 112 &&
                                     offsetof(an_conv_small_mve, lo) == 116 && offsetof(an_conv_small_mve, hi) == 120
                                 ? 1
                                 : -1];

// One VMLADAV per pixel of rows r and r + 2 of a quad (pairs w and w2, offsets rows[o]); halves == 2: one VMLADAVA per
// pixel of their values 16..31 (rows[o + 2]).
#define AN_SMALL_LO(O, X0, X1)         \
  "vldrb.u8 %q[t], [%[rows], #" O      \
  "]\n\t"                              \
  "vldrb.u8 %q[w], [%[w0], %q[t]]\n\t" \
  "vmladav.s8 %[a0], %q[w], %q[" X0    \
  "]\n\t"                              \
  "vmladav.s8 %[b0], %q[w], %q[" X1    \
  "]\n\t"                              \
  "vldrb.u8 %q[w], [%[w2], %q[t]]\n\t" \
  "vmladav.s8 %[a2], %q[w], %q[" X0    \
  "]\n\t"                              \
  "vmladav.s8 %[b2], %q[w], %q[" X1 "]\n\t"
#define AN_SMALL_HI(O)                   \
  "vldrb.u8 %q[t], [%[rows], #" O        \
  "]\n\t"                                \
  "vldrb.u8 %q[w], [%[w0], %q[t]]\n\t"   \
  "vmladava.s8 %[a0], %q[w], %q[u0]\n\t" \
  "vmladava.s8 %[b0], %q[w], %q[u1]\n\t" \
  "vldrb.u8 %q[w], [%[w2], %q[t]]\n\t"   \
  "vmladava.s8 %[a2], %q[w], %q[u0]\n\t" \
  "vmladava.s8 %[b2], %q[w], %q[u1]\n\t"

// The sums of four output channels (rows w: two pairs, 2 k4 bytes each) of a pixel pair whose K values are x0 / x1
// (halves == 2: and u0 / u1 for values 16..31): lanes {0, 1, 2, 3} of *r0 (pixel 0) and *r1 (pixel 1) the quad's
// rows.  In assembly: the four inputs, two results and two temporaries take the eight vector registers (GCC's
// allocation spilled the eight scalar sums and the offsets).  The rows' gathers read inside the rows only.
static inline __attribute__((always_inline)) void an_conv_small_dot_mve(const an_conv_small_mve *g, const int8_t *w,
                                                                        int8x16_t x0, int8x16_t x1, int8x16_t u0,
                                                                        int8x16_t u1, int halves, int32x4_t *r0,
                                                                        int32x4_t *r1) {
  int8x16_t t, wv;
  int32x4_t p0, p1;
  int32_t a0, b0, a2, b2;
  const int8_t *const w2 = w + 2 * g->k4;
  const int8_t(*const span)[64] = (const int8_t(*)[64])w;  // the quad's bytes (at most 4 x 32) as read
  if (halves == 1) {
    __asm__(AN_SMALL_LO("0", "x0", "x1")  //
            "vmov %q[p0][2], %q[p0][0], %[a0], %[a2]\n\t"
            "vmov %q[p1][2], %q[p1][0], %[b0], %[b2]\n\t"  //
            AN_SMALL_LO("16", "x0", "x1")                  //
            "vmov %q[p0][3], %q[p0][1], %[a0], %[a2]\n\t"
            "vmov %q[p1][3], %q[p1][1], %[b0], %[b2]"
            : [p0] "=&w"(p0), [p1] "=&w"(p1), [t] "=&w"(t), [w] "=&w"(wv), [a0] "=&Te"(a0), [b0] "=&Te"(b0),
              [a2] "=&Te"(a2), [b2] "=&Te"(b2)
            : [x0] "w"(x0), [x1] "w"(x1), [w0] "r"(w), [w2] "r"(w2), [rows] "r"(g->rows), "m"(*span),
              "m"(*(const int8_t(*)[64])w2), "m"(g->rows));
  } else {
    __asm__(AN_SMALL_LO("0", "x0", "x1") AN_SMALL_HI("32")  //
            "vmov %q[p0][2], %q[p0][0], %[a0], %[a2]\n\t"
            "vmov %q[p1][2], %q[p1][0], %[b0], %[b2]\n\t"    //
            AN_SMALL_LO("16", "x0", "x1") AN_SMALL_HI("48")  //
            "vmov %q[p0][3], %q[p0][1], %[a0], %[a2]\n\t"
            "vmov %q[p1][3], %q[p1][1], %[b0], %[b2]"
            : [p0] "=&w"(p0), [p1] "=&w"(p1), [t] "=&w"(t), [w] "=&w"(wv), [a0] "=&Te"(a0), [b0] "=&Te"(b0),
              [a2] "=&Te"(a2), [b2] "=&Te"(b2)
            : [x0] "w"(x0), [x1] "w"(x1), [u0] "w"(u0), [u1] "w"(u1), [w0] "r"(w), [w2] "r"(w2), [rows] "r"(g->rows),
              "m"(*span), "m"(*(const int8_t(*)[64])w2), "m"(g->rows));
  }
  *r0 = p0;
  *r1 = p1;
}

// The sums r0 (pixel 0), r1 (pixel 1) of four output channels (ch: their {bias, multiplier, shift}) out: the bias
// added, requantized on lanes (right: the shifts' mode, an_conv_right_shifts), offset and clamp, one VSTRB.32 per pixel
// (o0, o1).
static inline __attribute__((always_inline)) void an_conv_quad_out_mve(const int32_t *ch, int32x4_t r0, int32x4_t r1,
                                                                       int right, int32_t offset, int32_t act_min,
                                                                       int32_t act_max, int8_t *o0, int8_t *o1) {
  static const uint32_t channel_offset_values[4] = {0, 3, 6, 9};  // {bias, multiplier, shift} per channel
  const uint32x4_t channel_offsets = vld1q(channel_offset_values);
  const int32x4_t bias = vldrwq_gather_shifted_offset_s32(ch, channel_offsets);
  r0 = vaddq_s32(r0, bias);
  r1 = vaddq_s32(r1, bias);
  const int32x4_t m = vldrwq_gather_shifted_offset_s32(ch + 1, channel_offsets);
  const int32x4_t s = vldrwq_gather_shifted_offset_s32(ch + 2, channel_offsets);
  r0 = an_conv_requantize_mve(r0, m, s, right);
  r1 = an_conv_requantize_mve(r1, m, s, right);
  const int32x4_t lo = vdupq_n_s32(act_min), hi = vdupq_n_s32(act_max);
  r0 = vminq_s32(vmaxq_s32(vaddq_n_s32(r0, offset), lo), hi);
  r1 = vminq_s32(vmaxq_s32(vaddq_n_s32(r1, offset), lo), hi);
  vstrbq_s32(o1, r1);
  vstrbq_s32(o0, r0);
}

// an_conv_small_quad_mve where every shift is negative, the sums and an_conv_quad_out_mve with
// an_requantize_right_mve in one assembly statement (GCC's spilled the bounds, offsets and inputs around the
// requantization): per quad the dot (two offset loads, four gathers, eight VMLADAV(A), four VMOV; halves == 2: two
// loads, four gathers and eight VMLADAVA more), three gathers of {bias, multiplier, shift}, two adds, eight for the
// requantization, offset, bounds, two VSTRB.32.  Volatile: the stores are its only effect.
#define AN_SMALL_OUT                             \
  "vldrw.u32 %q[t], [%[g], #64]\n\t"             \
  "vldrw.u32 %q[w], [%[ch], %q[t], uxtw #2]\n\t" \
  "vadd.i32 %q[p0], %q[p0], %q[w]\n\t"           \
  "vadd.i32 %q[p1], %q[p1], %q[w]\n\t"           \
  "vldrw.u32 %q[t], [%[g], #80]\n\t"             \
  "vldrw.u32 %q[w], [%[ch], %q[t], uxtw #2]\n\t" \
  "vqrdmulh.s32 %q[p0], %q[p0], %q[w]\n\t"       \
  "vqrdmulh.s32 %q[p1], %q[p1], %q[w]\n\t"       \
  "vldrw.u32 %q[t], [%[g], #96]\n\t"             \
  "vldrw.u32 %q[w], [%[ch], %q[t], uxtw #2]\n\t" \
  "vshr.s32 %q[t], %q[p0], #31\n\t"              \
  "vadd.i32 %q[p0], %q[p0], %q[t]\n\t"           \
  "vrshl.s32 %q[p0], %q[p0], %q[w]\n\t"          \
  "vshr.s32 %q[t], %q[p1], #31\n\t"              \
  "vadd.i32 %q[p1], %q[p1], %q[t]\n\t"           \
  "vrshl.s32 %q[p1], %q[p1], %q[w]\n\t"          \
  "ldr %[a0], [%[g], #112]\n\t"                  \
  "vadd.i32 %q[p0], %q[p0], %[a0]\n\t"           \
  "vadd.i32 %q[p1], %q[p1], %[a0]\n\t"           \
  "ldr %[a0], [%[g], #116]\n\t"                  \
  "vdup.32 %q[t], %[a0]\n\t"                     \
  "vmax.s32 %q[p0], %q[p0], %q[t]\n\t"           \
  "vmax.s32 %q[p1], %q[p1], %q[t]\n\t"           \
  "ldr %[a0], [%[g], #120]\n\t"                  \
  "vdup.32 %q[t], %[a0]\n\t"                     \
  "vmin.s32 %q[p0], %q[p0], %q[t]\n\t"           \
  "vmin.s32 %q[p1], %q[p1], %q[t]\n\t"           \
  "vstrb.32 %q[p0], [%[o0]]\n\t"                 \
  "vstrb.32 %q[p1], [%[o1]]"
static inline __attribute__((always_inline)) void an_conv_small_quad_right_mve(const an_conv_small_mve *g,
                                                                               const int8_t *w, const int32_t *ch,
                                                                               int8x16_t x0, int8x16_t x1, int8x16_t u0,
                                                                               int8x16_t u1, int halves, int8_t *o0,
                                                                               int8_t *o1) {
  int8x16_t t, wv;
  int32x4_t p0, p1;
  int32_t a0, b0, a2, b2;
  const int8_t *const w2 = w + 2 * g->k4;
  if (halves == 1) {
    __asm__ volatile(AN_SMALL_LO("0", "x0", "x1")  //
                     "vmov %q[p0][2], %q[p0][0], %[a0], %[a2]\n\t"
                     "vmov %q[p1][2], %q[p1][0], %[b0], %[b2]\n\t"  //
                     AN_SMALL_LO("16", "x0", "x1")                  //
                     "vmov %q[p0][3], %q[p0][1], %[a0], %[a2]\n\t"
                     "vmov %q[p1][3], %q[p1][1], %[b0], %[b2]\n\t" AN_SMALL_OUT
                     : [p0] "=&w"(p0), [p1] "=&w"(p1), [t] "=&w"(t), [w] "=&w"(wv), [a0] "=&Te"(a0), [b0] "=&Te"(b0),
                       [a2] "=&Te"(a2), [b2] "=&Te"(b2)
                     : [x0] "w"(x0), [x1] "w"(x1), [w0] "r"(w), [w2] "r"(w2), [rows] "r"(g->rows), [g] "r"(g),
                       [ch] "r"(ch), [o0] "r"(o0), [o1] "r"(o1)
                     : "memory");
  } else {
    __asm__ volatile(AN_SMALL_LO("0", "x0", "x1") AN_SMALL_HI("32")  //
                     "vmov %q[p0][2], %q[p0][0], %[a0], %[a2]\n\t"
                     "vmov %q[p1][2], %q[p1][0], %[b0], %[b2]\n\t"    //
                     AN_SMALL_LO("16", "x0", "x1") AN_SMALL_HI("48")  //
                     "vmov %q[p0][3], %q[p0][1], %[a0], %[a2]\n\t"
                     "vmov %q[p1][3], %q[p1][1], %[b0], %[b2]\n\t" AN_SMALL_OUT
                     : [p0] "=&w"(p0), [p1] "=&w"(p1), [t] "=&w"(t), [w] "=&w"(wv), [a0] "=&Te"(a0), [b0] "=&Te"(b0),
                       [a2] "=&Te"(a2), [b2] "=&Te"(b2)
                     : [x0] "w"(x0), [x1] "w"(x1), [u0] "w"(u0), [u1] "w"(u1), [w0] "r"(w), [w2] "r"(w2),
                       [rows] "r"(g->rows), [g] "r"(g), [ch] "r"(ch), [o0] "r"(o0), [o1] "r"(o1)
                     : "memory");
  }
}
#undef AN_SMALL_OUT
#undef AN_SMALL_LO
#undef AN_SMALL_HI

// Four output channels (filter rows w; ch: their {bias, multiplier, shift}) of a pixel pair: the sums
// (an_conv_small_dot_mve) out by an_conv_quad_out_mve.
static inline __attribute__((always_inline)) void an_conv_small_quad_mve(const an_conv_small_mve *g, const int8_t *w,
                                                                         const int32_t *ch, int8x16_t x0, int8x16_t x1,
                                                                         int8x16_t u0, int8x16_t u1, int halves,
                                                                         int right, int8_t *o0, int8_t *o1) {
  int32x4_t r0, r1;
  an_conv_small_dot_mve(g, w, x0, x1, u0, u1, halves, &r0, &r1);
  an_conv_quad_out_mve(ch, r0, r1, right, g->offset, g->lo, g->hi, o0, o1);
}

// Two channels (a pair's rows of the an_conv.h layout: w) by two pixels (columns c0, c1) over k values (K deeper than
// 32): an_dot8_pair_2px_mve's loop; the four sums into lanes (channel 0, channel 1) of pixel 0, then of pixel 1 (two
// VMOV of two registers, the first register to the lower lane), the bias added, requantized on lanes (right: the
// shifts' mode, an_conv_right_shifts), offset and clamp, one VSTRB.32 scatter (out_offsets: 0, 1, o1, o1 + 1).  ch: the
// pair's {bias, multiplier, shift}; ch_offsets {0, 3, 0, 3}.
static inline __attribute__((always_inline)) void an_conv_pair8_2px_mve(
    const int8_t *w, const int8_t *c0, const int8_t *c1, int32_t k, uint8x16_t wo, uint8x16_t wo_b, const int32_t *ch,
    uint32x4_t ch_offsets, int right, int32_t offset, int32_t act_min, int32_t act_max, int8_t *o0,
    uint32x4_t out_offsets) {
  // (channel 0, pixel 0), (channel 0, pixel 1), (channel 1, pixel 0), (channel 1, pixel 1)
  int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  const int32_t n = k >> 4;
  if (n > 0) {
    // In assembly, nine instructions per sixteen values (GCC's loop copies the filter pointer and counts apart).
    int8x16_t x0, x1, wa, wb;
    __asm__(
        "dls lr, %[n]\n"
        "1:\n\t"
        "vldrb.u8 %q[x0], [%[c0]], #16\n\t"
        "vldrb.u8 %q[x1], [%[c1]], #16\n\t"
        "vldrb.u8 %q[wa], [%[w], %q[wo]]\n\t"
        "vldrb.u8 %q[wb], [%[w], %q[wo_b]]\n\t"
        "add %[w], %[w], #32\n\t"
        "vmladava.s8 %[a0], %q[wa], %q[x0]\n\t"
        "vmladava.s8 %[a1], %q[wa], %q[x1]\n\t"
        "vmladava.s8 %[a2], %q[wb], %q[x0]\n\t"
        "vmladava.s8 %[a3], %q[wb], %q[x1]\n\t"
        "le lr, 1b"
        : [a0] "+Te"(a0), [a1] "+Te"(a1), [a2] "+Te"(a2), [a3] "+Te"(a3), [w] "+r"(w), [c0] "+r"(c0), [c1] "+r"(c1),
          [x0] "=&w"(x0), [x1] "=&w"(x1), [wa] "=&w"(wa), [wb] "=&w"(wb)
        : [wo] "w"(wo), [wo_b] "w"(wo_b), [n] "r"(n)
        : "lr", "memory");
  }
  an_dot8_pair_2px_tail_mve(w, c0, c1, k, wo, wo_b, &a0, &a1, &a2, &a3);
  int32x4_t v;  // every lane written
  __asm__("vmov %q0[2], %q0[0], %1, %2\n\tvmov %q0[3], %q0[1], %3, %4" : "=&w"(v) : "r"(a0), "r"(a1), "r"(a2), "r"(a3));
  v = vaddq_s32(v, vldrwq_gather_shifted_offset_s32(ch, ch_offsets));
  const int32x4_t m = vldrwq_gather_shifted_offset_s32(ch + 1, ch_offsets);
  const int32x4_t s = vldrwq_gather_shifted_offset_s32(ch + 2, ch_offsets);
  v = an_conv_requantize_mve(v, m, s, right);
  v = vminq_s32(vmaxq_s32(vaddq_n_s32(v, offset), vdupq_n_s32(act_min)), vdupq_n_s32(act_max));
  vstrbq_scatter_offset_s32(o0, out_offsets, v);
}

// Output channels [0, 2 pairs) of a pixel pair from int8 columns c0, c1 of k values (K deeper than 32) by
// an_conv_pair8_2px_mve: filter rows w (the an_conv.h layout), ch their {bias, multiplier, shift}, outputs o0[0..) and
// o0[out1_offset + 0..).
static void an_conv_pairs8_2px_mve(const an_conv_params *p, const int8_t *w, const int8_t *c0, const int8_t *c1,
                                   int32_t k, int32_t k4, const int32_t *ch, int32_t pairs, int8_t *o0,
                                   int32_t out1_offset, int right) {
  static const uint32_t ch_offset_values[4] = {0, 3, 0, 3};
  const uint32x4_t ch_offsets = vld1q(ch_offset_values);
  const uint32_t o1 = (uint32_t)out1_offset;
  const uint32_t out_offset_values[4] = {0, 1, o1, o1 + 1};
  const uint32x4_t out_offsets = vld1q(out_offset_values);
  const uint8x16_t wo = vld1q(an_mve_pair16_offsets), wo_b = vaddq_n_u8(wo, 4);
  const int32_t offset = p->output_offset, act_min = p->act_min, act_max = p->act_max;
  for (int32_t i = 0; i < pairs; ++i, w += 2 * k4, ch += 6, o0 += 2) {
    an_conv_pair8_2px_mve(w, c0, c1, k, wo, wo_b, ch, ch_offsets, right, offset, act_min, act_max, o0, out_offsets);
  }
}

// CONV_2D on Helium where K <= 32 (one group): each pixel's K values are one or two vectors (halves; loaded once per
// pixel pair, the lanes past K zero), each output one VMLADAV per half against a filter row gathered in natural order,
// four channels by two pixels per pass (an_conv_small_quad_mve).  Columns c0, c1 (k values each); outputs
// o0[0..out_c) and o0[out1_offset + 0..out_c); the channels after the last four by an_conv_channels8_2px_mve.
static inline __attribute__((always_inline)) void an_conv_small_2px_mve(
    const an_conv_params *p, const an_conv_small_mve *g, const int8_t *filter, const int32_t *channel, const int8_t *c0,
    const int8_t *c1, int32_t k, int halves, int8_t *o0, int32_t out1_offset, int right) {
  const int32_t k4 = g->k4, out_c = g->out_c, quads = out_c >> 2;
  const int8x16_t v0 = vldrbq_z_s8(c0, vctp8q((uint32_t)k)), v1 = vldrbq_z_s8(c1, vctp8q((uint32_t)k));
  int8x16_t u0 = v0, u1 = v1;
  if (halves == 2) {
    const mve_pred16_t upper = vctp8q((uint32_t)(k - 16));
    u0 = vldrbq_z_s8(c0 + 16, upper);
    u1 = vldrbq_z_s8(c1 + 16, upper);
  }
  int8_t *o = o0;
  const int8_t *w = filter;
  const int32_t *ch = channel;
  for (int32_t q4 = 0; q4 < quads; ++q4, w += 4 * k4, ch += 12, o += 4) {
    if (right == 2) {
      an_conv_small_quad_right_mve(g, w, ch, v0, v1, u0, u1, halves, o, o + out1_offset);
    } else {
      an_conv_small_quad_mve(g, w, ch, v0, v1, u0, u1, halves, right, o, o + out1_offset);
    }
  }
  if (out_c & 3) an_conv_channels8_2px_mve(p, w, c0, c1, k, k4, ch, out_c & 3, o, out1_offset, right);
}

// an_conv_small_2px_mve's parameters of a layer of K values (K <= 32), into *g.
static void an_conv_small_params_mve(const an_conv_params *p, int32_t k, an_conv_small_mve *g) {
  for (int32_t h = 0; h < 2; ++h) {
    const uint8x16_t offsets = an_conv_row_offsets_mve(k, h);
    vst1q(g->rows[2 * h], offsets);
    vst1q(g->rows[2 * h + 1], vaddq_n_u8(offsets, 4));
  }
  for (int32_t i = 0; i < 3; ++i) {
    for (int32_t c = 0; c < 4; ++c) g->channel[i][c] = (uint32_t)(3 * c + i);
  }
  g->out_c = p->out_c;
  g->k4 = AN_CONV_K4(k);
  g->offset = p->output_offset;
  g->lo = p->act_min;
  g->hi = p->act_max;
}

// What an_conv_im2col8_inside_mve needs, set once per call.
typedef struct {
  int32_t stride_h, stride_w, pad_h, pad_w;
  int32_t iy_end, ix_end;  // a window starting at (iy0, ix0) lies inside where iy0 < iy_end, ix0 < ix_end
  int32_t row_bytes, row_step, in_c, k_h, row_values;
  mve_pred16_t row;  // a filter row's values (0: rows wider than sixteen values or dilated columns)
} an_im2col8_inside;

// The receptive field of output pixel (oy, ox) where it lies inside the image and each filter row is one run of at
// most sixteen input values (one group, no dilation along x): one predicated load and store per filter row, without
// an_conv_im2col8_mve's setup.  Returns 0 (nothing written) elsewhere.
static inline __attribute__((always_inline)) int an_conv_im2col8_inside_mve(const an_im2col8_inside *g,
                                                                            const int8_t *in, int32_t oy, int32_t ox,
                                                                            int8_t *col) {
  const int32_t iy0 = oy * g->stride_h - g->pad_h, ix0 = ox * g->stride_w - g->pad_w;
  if (!g->row || iy0 < 0 || ix0 < 0 || iy0 >= g->iy_end || ix0 >= g->ix_end) return 0;
  const int8_t *x = in + iy0 * g->row_bytes + ix0 * g->in_c;
  for (int32_t ky = 0; ky < g->k_h; ++ky, x += g->row_step, col += g->row_values) {
    vstrbq_p_s8(col, vldrbq_z_s8(x, g->row), g->row);
  }
  return 1;
}

// The pixel pairs of an_conv2d_s8 on Helium where K <= 32 and one group (an_conv_small_2px_mve; halves and right
// constant in each copy: an_conv2d_small_any_mve): columns col0, col1 in scratch.
static inline __attribute__((always_inline)) void an_conv2d_small_mve(const an_conv_params *p, const int8_t *input,
                                                                      const int8_t *filter, const int32_t *channel,
                                                                      int8_t *output, int8_t *col0, int8_t *col1,
                                                                      int halves, int right) {
  const int32_t k = p->k_h * p->k_w * p->filter_in_c;
  const int32_t pixels = p->out_h * p->out_w, out_c = p->out_c;
  an_conv_small_mve sg;
  an_conv_small_params_mve(p, k, &sg);
  const int32_t row_values = p->k_w * p->in_c;
  const an_im2col8_inside g = {p->stride_h,
                               p->stride_w,
                               p->pad_h,
                               p->pad_w,
                               p->in_h - (p->k_h - 1) * p->dilation_h,
                               p->in_w - (p->k_w - 1),
                               p->in_w * p->in_c,
                               p->dilation_h * p->in_w * p->in_c,
                               p->in_c,
                               p->k_h,
                               row_values,
                               p->dilation_w == 1 && row_values <= 16 ? vctp8q((uint32_t)row_values) : 0};
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * p->in_h * p->in_w * p->in_c;
    int8_t *out = output + b * pixels * out_c;
    int32_t oy = 0, ox = 0;
    for (int32_t pix = 0; pix < pixels; pix += 2) {
      // An odd last pixel is computed twice (as both pixels of the pair), the copy dropped.
      const int two = pix + 1 < pixels;
      int8_t *out0 = out + pix * out_c;
      const int32_t oy0 = oy, ox0 = ox;
      if (two && ++ox == p->out_w) ox = 0, ++oy;
      const int32_t oy1 = oy, ox1 = ox;
      if (++ox == p->out_w) ox = 0, ++oy;
      if (!an_conv_im2col8_inside_mve(&g, in, oy0, ox0, col0)) an_conv_im2col8_mve(p, in, oy0, ox0, 0, col0);
      if (!an_conv_im2col8_inside_mve(&g, in, oy1, ox1, col1)) an_conv_im2col8_mve(p, in, oy1, ox1, 0, col1);
      an_conv_small_2px_mve(p, &sg, filter, channel, col0, col1, k, halves, out0, two ? out_c : 0, right);
    }
  }
}

static void __attribute__((noinline))
an_conv2d_small_any_mve(const an_conv_params *p, const int8_t *input, const int8_t *filter, const int32_t *channel,
                        int8_t *output, int8_t *col0, int8_t *col1, int halves, int right) {
  // right: 2 every shift negative (a copy with the assembly quads), else an_conv_right_shifts' 1 or 0
  if (halves == 1) {
    if (right == 2) {
      an_conv2d_small_mve(p, input, filter, channel, output, col0, col1, 1, 2);
    } else {
      an_conv2d_small_mve(p, input, filter, channel, output, col0, col1, 1, right);
    }
  } else if (right == 2) {
    an_conv2d_small_mve(p, input, filter, channel, output, col0, col1, 2, 2);
  } else {
    an_conv2d_small_mve(p, input, filter, channel, output, col0, col1, 2, right);
  }
}

// an_conv2d_s8 on Helium (int8 columns in scratch, see above).
static void an_conv2d_s8_mve(const an_conv_params *p, const int8_t *input, const int8_t *filter, const int32_t *channel,
                             int8_t *output, int16_t *scratch) {
  const int32_t k = p->k_h * p->k_w * p->filter_in_c, k4 = AN_CONV_K4(k);
  const int32_t groups = p->in_c / p->filter_in_c;
  const int32_t per_group = p->out_c / groups;
  const int32_t pixels = p->out_h * p->out_w;
  int8_t *const col0 = (int8_t *)scratch, *const col1 = col0 + k4;
  const int right = an_conv_right_shifts(channel, p->out_c);
  if (groups == 1 && k <= 32) {  // K <= 32, one group: an_conv_small_2px_mve
    an_conv2d_small_any_mve(p, input, filter, channel, output, col0, col1, k <= 16 ? 1 : 2, right);
    return;
  }
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * p->in_h * p->in_w * p->in_c;
    int8_t *out = output + b * pixels * p->out_c;
    int32_t oy = 0, ox = 0;
    for (int32_t pix = 0; pix < pixels; pix += 2) {
      // An odd last pixel is computed twice (as both pixels of the pair), the copy dropped.
      const int two = pix + 1 < pixels;
      int8_t *out0 = out + pix * p->out_c;
      const int32_t oy0 = oy, ox0 = ox;
      if (two && ++ox == p->out_w) ox = 0, ++oy;
      const int32_t oy1 = oy, ox1 = ox;
      if (++ox == p->out_w) ox = 0, ++oy;
      for (int32_t g = 0; g < groups; ++g) {
        an_conv_im2col8_mve(p, in, oy0, ox0, g * p->filter_in_c, col0);
        an_conv_im2col8_mve(p, in, oy1, ox1, g * p->filter_in_c, col1);
        const int32_t oc = g * per_group, done = per_group & ~1;
        an_conv_pairs8_2px_mve(p, filter + oc * k4, col0, col1, k, k4, channel + 3 * oc, per_group >> 1, out0 + oc,
                               two ? p->out_c : 0, right);
        if (per_group & 1) {
          an_conv_channels8_2px_mve(p, filter + (oc + done) * k4, col0, col1, k, k4, channel + 3 * (oc + done), 1,
                                    out0 + oc + done, two ? p->out_c : 0, right);
        }
      }
    }
  }
}

// an_conv1x1_s8 on Helium where K = in_c <= 32 (an_conv_small_2px_mve on the input pixels in place; halves and right
// constant in each copy: an_conv1x1_small_any_mve).
static inline __attribute__((always_inline)) void an_conv1x1_small_mve(const an_conv_params *p, const int8_t *input,
                                                                       const int8_t *filter, const int32_t *channel,
                                                                       int8_t *output, int halves, int right) {
  const int32_t n = p->in_c, out_c = p->out_c, out_w = p->out_w;
  const int32_t pixels = p->out_h * out_w;
  const int32_t step_x = p->stride_w * n, step_y = p->stride_h * p->in_w * n;
  an_conv_small_mve sg;
  an_conv_small_params_mve(p, n, &sg);
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *row = input + b * p->in_h * p->in_w * n;
    int8_t *out0 = output + b * pixels * out_c;
    int32_t ox = 0;
    for (int32_t pix = 0; pix < pixels; pix += 2, out0 += 2 * out_c) {
      // An odd last pixel is computed twice (as both pixels of the pair), the copy dropped.
      const int8_t *x0 = row + ox * step_x;
      if (++ox == out_w) ox = 0, row += step_y;
      const int two = pix + 1 < pixels;
      const int8_t *x1 = two ? row + ox * step_x : x0;
      if (two && ++ox == out_w) ox = 0, row += step_y;
      an_conv_small_2px_mve(p, &sg, filter, channel, x0, x1, n, halves, out0, two ? out_c : 0, right);
    }
  }
}

static void __attribute__((noinline))
an_conv1x1_small_any_mve(const an_conv_params *p, const int8_t *input, const int8_t *filter, const int32_t *channel,
                         int8_t *output, int halves, int right) {
  // right: 2 every shift negative (a copy with the assembly quads), else an_conv_right_shifts' 1 or 0
  if (halves == 1) {
    if (right == 2) {
      an_conv1x1_small_mve(p, input, filter, channel, output, 1, 2);
    } else {
      an_conv1x1_small_mve(p, input, filter, channel, output, 1, right);
    }
  } else if (right == 2) {
    an_conv1x1_small_mve(p, input, filter, channel, output, 2, 2);
  } else {
    an_conv1x1_small_mve(p, input, filter, channel, output, 2, right);
  }
}

// an_conv1x1_s8 on Helium: the columns are the input pixels themselves.
static void an_conv1x1_s8_mve(const an_conv_params *p, const int8_t *input, const int8_t *filter,
                              const int32_t *channel, int8_t *output) {
  const int32_t n = p->in_c, k4 = AN_CONV_K4(n), out_c = p->out_c, out_w = p->out_w;
  const int32_t pixels = p->out_h * out_w;
  const int32_t step_x = p->stride_w * n, step_y = p->stride_h * p->in_w * n;
  const int right = an_conv_right_shifts(channel, out_c);
  const int32_t done = out_c & ~1;
  if (n <= 32) {
    an_conv1x1_small_any_mve(p, input, filter, channel, output, n <= 16 ? 1 : 2, right);
    return;
  }
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *row = input + b * p->in_h * p->in_w * n;  // input row of the current output row
    int8_t *out0 = output + b * pixels * out_c;
    int32_t ox = 0;
    for (int32_t pix = 0; pix < pixels; pix += 2, out0 += 2 * out_c) {
      // An odd last pixel is computed twice (as both pixels of the pair), the copy dropped.
      const int8_t *x0 = row + ox * step_x;
      if (++ox == out_w) ox = 0, row += step_y;
      const int two = pix + 1 < pixels;
      const int8_t *x1 = two ? row + ox * step_x : x0;
      if (two && ++ox == out_w) ox = 0, row += step_y;
      an_conv_pairs8_2px_mve(p, filter, x0, x1, n, k4, channel, out_c >> 1, out0, two ? out_c : 0, right);
      if (out_c & 1) {
        an_conv_channels8_2px_mve(p, filter + done * k4, x0, x1, n, k4, channel + 3 * done, 1, out0 + done,
                                  two ? out_c : 0, right);
      }
    }
  }
}
#endif

// The pixel-pair loop of an_conv2d_s8 (filter: the an_conv.h layout).
static void an_conv2d_impl(const an_conv_params *p, const int8_t *input, const int8_t *filter, const int32_t *channel,
                           int8_t *output, int16_t *scratch) {
  const int32_t k4 = AN_CONV_K4(p->k_h * p->k_w * p->filter_in_c);
  const int32_t groups = p->in_c / p->filter_in_c;
  const int32_t per_group = p->out_c / groups;
  const int32_t pixels = p->out_h * p->out_w;
  const an_conv_out_params q = {p->output_offset, p->act_min, p->act_max};
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * p->in_h * p->in_w * p->in_c;
    int8_t *out = output + b * pixels * p->out_c;
    int32_t oy = 0, ox = 0;
    for (int32_t pix = 0; pix < pixels; pix += 2) {
      // An odd last pixel is computed twice (as both pixels of the pair), the copy dropped.
      const int two = pix + 1 < pixels;
      int8_t *out0 = out + pix * p->out_c;
      const int32_t oy0 = oy, ox0 = ox;
      if (two && ++ox == p->out_w) ox = 0, ++oy;
      const int32_t oy1 = oy, ox1 = ox;
      if (++ox == p->out_w) ox = 0, ++oy;
      for (int32_t g = 0; g < groups; ++g) {
        an_conv_im2col(p, in, oy0, ox0, g * p->filter_in_c, 0, k4, scratch);
        an_conv_im2col(p, in, oy1, ox1, g * p->filter_in_c, 1, k4, scratch);
        const int32_t oc = g * per_group;
        an_conv_channels_2px(q, filter + oc * k4, scratch, k4, channel + 3 * oc, per_group, out0 + oc,
                             two ? p->out_c : 0);
      }
    }
  }
}

void an_conv2d_s8(const an_conv_params *p, const int8_t *input, const int8_t *filter, const int32_t *channel,
                  int8_t *output, int16_t *scratch) {
#if AN_USE_MVE
  an_conv2d_s8_mve(p, input, filter, channel, output, scratch);
  return;
#endif
  an_conv2d_impl(p, input, filter, channel, output, scratch);
}

// ---- an_conv2d_s8_w16: segment-padded, block-reordered columns (an_conv.h, AN_CONV_W16_KXK) ----
//
// Filter row ky's k_w * in_c values take S = AN_CONV_K4(k_w * in_c) column positions (the filter holds
// zeros after them), so that every row of the receptive field starts at a multiple of four, and within
// each block of four positions the values go in the order 0 2 1 3: what SXTB16 of a loaded word gives
// ((x0, x2) and (x1, x3)), so one load, two SXTB16 and a doubleword store widen four values.  A row that
// lies inside the image and is contiguous in NHWC is widened in one run of S values; the up to three
// values read past its end meet the filter's zeros (read only while inside the input tensor).

// The int16 index of a receptive-field row's position q (from the row's first block) of pixel j's column.
static inline int32_t an_w16_slot(int32_t q) {
  return 2 * (q & ~3) + ((q & 1) << 1) + ((q >> 1) & 1);
}

#if AN_USE_DSP
// Two blocks of four values: x's four at d[0..1], y's at d[4..5] (words), each as SXTB16 gives them; the
// pairs of words stored with STRD (3 cycles on the Cortex-M4, two STR take 4).
static inline __attribute__((always_inline)) void an_widen_blocks2(uint32_t x, uint32_t y, an_uword_t *d) {
  const uint32_t x02 = (uint32_t)__sxtb16(x), x13 = (uint32_t)an_sxtb16_ror8(x);
  const uint32_t y02 = (uint32_t)__sxtb16(y), y13 = (uint32_t)an_sxtb16_ror8(y);
#if defined(__GNUC__)
  __asm__("strd %1, %2, [%0]\n\tstrd %3, %4, [%0, #16]" ::"r"(d), "r"(x02), "r"(x13), "r"(y02), "r"(y13) : "memory");
#else
  d[0] = x02, d[1] = x13, d[4] = y02, d[5] = y13;
#endif
}
#endif

// n values (a multiple of four) from src into the blocks at dst (a row's position, a multiple of four).
static inline __attribute__((always_inline)) void an_widen_reordered(const int8_t *src, int16_t *dst, int32_t n) {
#if AN_USE_DSP
  an_uword_t *d = (an_uword_t *)(void *)dst;
  const int8_t *const end16 = src + (n & ~15);
  while (src < end16) {
    // The four loads in a row (pipelined: 5 cycles), then the widening and the stores.
    uint32_t x0, x1, x2, x3;
#if defined(__GNUC__)
    __asm__("ldr %0, [%4]\n\tldr %1, [%4, #4]\n\tldr %2, [%4, #8]\n\tldr %3, [%4, #12]"
            : "=&r"(x0), "=&r"(x1), "=&r"(x2), "=&r"(x3)
            : "r"(src)
            : "memory");
#else
    x0 = an_read_u32(src), x1 = an_read_u32(src + 4), x2 = an_read_u32(src + 8), x3 = an_read_u32(src + 12);
#endif
    an_widen_blocks2(x0, x1, d);
    an_widen_blocks2(x2, x3, d + 8);
    src += 16;
    d += 16;
  }
  if (n & 8) {
    an_widen_blocks2(an_read_u32(src), an_read_u32(src + 4), d);
    src += 8;
    d += 8;
  }
  if (n & 4) {
    const uint32_t x = an_read_u32(src);
    d[0] = (uint32_t)__sxtb16(x);
    d[1] = (uint32_t)an_sxtb16_ror8(x);
  }
#else
  for (; n > 0; n -= 4, src += 4, dst += 8) {
    dst[0] = src[0];
    dst[1] = src[2];
    dst[2] = src[1];
    dst[3] = src[3];
  }
#endif
}

// n values (a multiple of four) of value at the blocks at dst.
static inline void an_fill_blocks(int16_t *dst, int32_t n, int16_t value) {
  for (; n > 0; n -= 4, dst += 8) dst[0] = dst[1] = dst[2] = dst[3] = value;
}

// What an_conv_im2col_w16 reads of the layer, in locals.
typedef struct {
  int32_t in_left;  // bytes from the batch's first to the input tensor's end (a row's run reads up to it)
  int32_t n, k_h, k_w, in_h, in_w, seg, stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w;
  int32_t row_step;  // bytes from one receptive-field row to the next: dilation_h * in_w * n
  int16_t pad;
} an_im2col_w16_params;

// Row ky of the receptive field that is not one inside run: outside the image (iy), across its left
// or right edge, dilated, or at the tensor's end; tap by tap (positions from dst, row's block 0).
static void an_im2col_w16_row(const an_im2col_w16_params *g, const int8_t *in, int32_t iy, int32_t ix0, int16_t *dst) {
  const int32_t n = g->n;
  if (iy < 0 || iy >= g->in_h) {
    an_fill_blocks(dst, g->seg, g->pad);
    return;
  }
  const int8_t *const row = in + iy * g->in_w * n;
  for (int32_t kx = 0, ix = ix0, q = 0; kx < g->k_w; ++kx, ix += g->dilation_w, q += n) {
    const int inside = ix >= 0 && ix < g->in_w;
    if ((n & 3) == 0) {
      if (inside) {
        an_widen_reordered(row + ix * n, dst + 2 * q, n);
      } else {
        an_fill_blocks(dst + 2 * q, n, g->pad);
      }
      continue;
    }
    const int8_t *src = row + ix * n;
    for (int32_t c = 0; c < n; ++c) dst[an_w16_slot(q + c)] = inside ? src[c] : g->pad;
  }
  for (int32_t q = g->k_w * n; q < g->seg; ++q) dst[an_w16_slot(q)] = 0;
}

// The receptive field of output pixel (oy, ox) of the batch at in, as pixel j (0 or 1) of the column
// pair: k_h rows of S positions.  A pixel whose rows all lie inside the image, contiguous and before the
// tensor's end (most of them) takes one run per row.
static inline __attribute__((always_inline)) void an_conv_im2col_w16(const an_im2col_w16_params *g, const int8_t *in,
                                                                     int32_t oy, int32_t ox, int32_t j, int16_t *cols) {
  const int32_t iy0 = oy * g->stride_h - g->pad_h, ix0 = ox * g->stride_w - g->pad_w;
  const int32_t seg = g->seg, row_step = g->row_step;
  int32_t at = (iy0 * g->in_w + ix0) * g->n;  // the first row's run, bytes from in (outside the image: < 0)
  int16_t *dst = cols + 4 * j;
  const int32_t iy_last = iy0 + (g->k_h - 1) * g->dilation_h;
  const int runs = g->dilation_w == 1 && ix0 >= 0 && ix0 + g->k_w <= g->in_w;
  if (runs && iy0 >= 0 && iy_last < g->in_h && at + (g->k_h - 1) * row_step + seg <= g->in_left) {
    const int8_t *src = in + at;
    // Rows of 4, 8, 12 values (first layers: one to three input channels) unrolled whole.
#define AN_IM2COL_W16_RUNS(S) \
  for (int32_t ky = g->k_h; ky > 0; --ky, src += row_step, dst += 2 * (S)) an_widen_reordered(src, dst, S)
    switch (seg) {
      case 4:
        AN_IM2COL_W16_RUNS(4);
        break;
      case 8:
        AN_IM2COL_W16_RUNS(8);
        break;
      case 12:
        AN_IM2COL_W16_RUNS(12);
        break;
      default:
        AN_IM2COL_W16_RUNS(seg);
    }
#undef AN_IM2COL_W16_RUNS
    return;
  }
  for (int32_t ky = 0, iy = iy0; ky < g->k_h; ++ky, iy += g->dilation_h, at += row_step, dst += 2 * seg) {
    if (runs && iy >= 0 && iy < g->in_h && at + seg <= g->in_left) {
      an_widen_reordered(in + at, dst, seg);
    } else {
      an_im2col_w16_row(g, in, iy, ix0, dst);
    }
  }
}

#if AN_USE_DSP && !AN_USE_MVE
// The outputs of channel ch ({bias, multiplier, shift}, the shift negative) for the accumulators a0
// (pixel 0) and a1 (pixel 1) where the activation spans int8 (SSAT's saturation is its clamp):
// an_out_s8_right_shift's arithmetic (round_offset = 1 + 2 * output offset).
static inline __attribute__((always_inline)) void an_kxk_out2(const int32_t *ch, int32_t a0, int32_t a1,
                                                              int32_t round_offset, int8_t *o0, int8_t *o1) {
  const int32_t m2 = (int32_t)((uint32_t)ch[1] << 1), e1 = ~ch[2];
  int32_t h0, h1, r0, r1;
  __asm__("smmlar %0, %1, %2, %1" : "=r"(h0) : "r"(a0), "r"(m2));
  __asm__("smmlar %0, %1, %2, %1" : "=r"(h1) : "r"(a1), "r"(m2));
  h0 = __qadd((h0 + (h0 >> 31)) >> e1, round_offset);
  h1 = __qadd((h1 + (h1 >> 31)) >> e1, round_offset);
  __asm__("ssat %0, #8, %1, asr #1" : "=r"(r0) : "r"(h0));
  __asm__("ssat %0, #8, %1, asr #1" : "=r"(r1) : "r"(h1));
  *o0 = (int8_t)r0;
  *o1 = (int8_t)r1;
}

// The same for a record of an_conv2d_s8_prepared_w16 ({2 * bias, m, kc, e}, a0 and a1 = 2 * acc; an_conv.h):
// SMMLAR g = kc - [a < 0] + round(a * m / 2^32), then SSAT(g >> e, 8), the activation's clamps left to a pass
// over the output.
static inline __attribute__((always_inline)) void an_kxk_pq_out2(const int32_t *ch, int32_t a0, int32_t a1, int8_t *o0,
                                                                 int8_t *o1) {
  const int32_t m = ch[1], kc = ch[2], e = ch[3];
  int32_t g0, g1, r0, r1;
  __asm__("smmlar %0, %1, %2, %3" : "=r"(g0) : "r"(a0), "r"(m), "r"(kc + (a0 >> 31)));
  __asm__("smmlar %0, %1, %2, %3" : "=r"(g1) : "r"(a1), "r"(m), "r"(kc + (a1 >> 31)));
  __asm__("ssat %0, #8, %1" : "=r"(r0) : "r"(g0 >> e));
  __asm__("ssat %0, #8, %1" : "=r"(r1) : "r"(g1 >> e));
  *o0 = (int8_t)r0;
  *o1 = (int8_t)r1;
}

// an_kxk_pq_out2 where `prep` (records of four), else an_kxk_out2 (records of three); prep a constant.
static inline __attribute__((always_inline)) void an_kxk_outs(const int prep, const int32_t *ch, int32_t a0, int32_t a1,
                                                              int32_t round_offset, int8_t *o0, int8_t *o1) {
  if (prep) {
    an_kxk_pq_out2(ch, a0, a1, o0, o1);
  } else {
    an_kxk_out2(ch, a0, a1, round_offset, o0, o1);
  }
}

// The output channels of a pixel pair from the columns in scratch (an_conv_channels_w16's sums) where
// every shift is negative and the activation spans int8: groups of three channels (an_w16_dot3), then
// two or one, each channel's two outputs stored as soon as they are known (fewer values live).  k4 a
// multiple of 16 where `whole` (a constant where inlined: no tail steps).
static inline __attribute__((always_inline)) void an_kxk_channels(const int16_t *w, const int16_t *cols, int32_t k4,
                                                                  const int whole, const int32_t *ch, int32_t out_c,
                                                                  int8_t *o0, int8_t *o1, int32_t round_offset,
                                                                  const int prep) {
  const int32_t rs = prep ? 4 : 3;  // values per channel record
  if (whole) k4 &= ~15;
  const int32_t *const groups_end = ch + 3 * rs * (out_c / 3);
  for (; ch < groups_end; ch += 3 * rs, o0 += 3, o1 += 3) {
    int32_t acc[6] = {ch[0], ch[0], ch[rs], ch[rs], ch[2 * rs], ch[2 * rs]};
    w = an_w16_dot3(w, cols, k4, acc);
    an_kxk_outs(prep, ch, acc[0], acc[1], round_offset, o0, o1);
    an_kxk_outs(prep, ch + rs, acc[2], acc[3], round_offset, o0 + 1, o1 + 1);
    an_kxk_outs(prep, ch + 2 * rs, acc[4], acc[5], round_offset, o0 + 2, o1 + 2);
  }
  const int32_t tail = out_c - 3 * (out_c / 3);
  if (tail == 2) {
    int32_t acc[6] = {ch[0], ch[0], ch[rs], ch[rs], 0, 0};
    an_w16_dot2(w, cols, k4, acc);
    an_kxk_outs(prep, ch, acc[0], acc[1], round_offset, o0, o1);
    an_kxk_outs(prep, ch + rs, acc[2], acc[3], round_offset, o0 + 1, o1 + 1);
  } else if (tail == 1) {
    int32_t acc[6] = {ch[0], ch[0], 0, 0, 0, 0};
    an_w16_dot1(w, cols, k4, acc);
    an_kxk_outs(prep, ch, acc[0], acc[1], round_offset, o0, o1);
  }
}

// an_kxk_channels for any k4 (a multiple of 4) and for k4 a multiple of 16.
static void __attribute__((noinline))
an_kxk_channels_dsp(const int16_t *w, const int16_t *cols, int32_t k4, const int32_t *ch, int32_t out_c, int8_t *o0,
                    int8_t *o1, int32_t round_offset) {
  an_kxk_channels(w, cols, k4, 0, ch, out_c, o0, o1, round_offset, 0);
}
static void __attribute__((noinline))
an_kxk_channels_dsp16(const int16_t *w, const int16_t *cols, int32_t k4, const int32_t *ch, int32_t out_c, int8_t *o0,
                      int8_t *o1, int32_t round_offset) {
  an_kxk_channels(w, cols, k4, 1, ch, out_c, o0, o1, round_offset, 0);
}
// The same with prepared records (an_conv2d_s8_prepared_w16).
static void __attribute__((noinline)) an_kxk_pq_channels_dsp(const int16_t *w, const int16_t *cols, int32_t k4,
                                                             const int32_t *ch, int32_t out_c, int8_t *o0, int8_t *o1) {
  an_kxk_channels(w, cols, k4, 0, ch, out_c, o0, o1, 0, 1);
}
static void __attribute__((noinline))
an_kxk_pq_channels_dsp16(const int16_t *w, const int16_t *cols, int32_t k4, const int32_t *ch, int32_t out_c,
                         int8_t *o0, int8_t *o1) {
  an_kxk_channels(w, cols, k4, 1, ch, out_c, o0, o1, 0, 1);
}

// First layers (3x3 filters, one or three input channels: rows of 3 or 9 values in S = 4 or 12 positions, a
// constant where inlined): the whole layer's pixel pairs with the receptive-field rows and the channel loop
// unrolled for k4 = 3 * S.  Pixels whose three rows lie inside the image and before the tensor's end (the output
// columns ox_lo..ox_hi of the rows oy_lo..oy_hi, an_kxk3_row) take three runs from one pointer (an_kxk3_widen), the
// others an_kxk3_edge's gathered rows.  Each group of three channels (then two or one) is one asm statement of
// loads and SMLAD (the AN_CONV_W16 layout: per two values two column words and R filter words in a row, 2R SMLAD),
// then its requantizations.
// Step S of block H (BS values: 8, or 4 for a last block of four) of a group of R rows, the block's filter
// values at byte WB: the column pair at byte 32 H + 16 (S >> 1) + 4 (S & 1) and 8 after it, row r at
// WB + 4 S + 2 BS r.
// clang-format off
#define AN_K3_COLS(H, S)                                                           \
  "ldr %[c0], [%[c], #(32*" #H "+16*(" #S ">>1)+4*(" #S "&1))]\n\t"                \
  "ldr %[c1], [%[c], #(32*" #H "+16*(" #S ">>1)+4*(" #S "&1)+8)]\n\t"
#define AN_K3_ROW(R, BS, H, S, r, REG) "ldr %[" #REG "], [%[w], #(16*" #R "*" #H "+4*" #S "+2*" #BS "*" #r ")]\n\t"
#define AN_K3_MACS(REG, A, B)                                                      \
  "smlad %[" #A "], %[" #REG "], %[c0], %[" #A "]\n\t"                             \
  "smlad %[" #B "], %[" #REG "], %[c1], %[" #B "]\n\t"
#define AN_K3_STEP_1(BS, H, S) AN_K3_COLS(H, S) AN_K3_ROW(1, BS, H, S, 0, wa) AN_K3_MACS(wa, a0, a1)
#define AN_K3_STEP_2(BS, H, S)                                                     \
  AN_K3_COLS(H, S) AN_K3_ROW(2, BS, H, S, 0, wa) AN_K3_ROW(2, BS, H, S, 1, wb)     \
  AN_K3_MACS(wa, a0, a1) AN_K3_MACS(wb, a2, a3)
#define AN_K3_STEP_3(BS, H, S)                                                     \
  AN_K3_COLS(H, S) AN_K3_ROW(3, BS, H, S, 0, wa) AN_K3_ROW(3, BS, H, S, 1, wb)     \
  AN_K3_ROW(3, BS, H, S, 2, wc) AN_K3_MACS(wa, a0, a1) AN_K3_MACS(wb, a2, a3) AN_K3_MACS(wc, a4, a5)
#define AN_K3_B8(R, H) AN_K3_STEP_##R(8, H, 0) AN_K3_STEP_##R(8, H, 1) AN_K3_STEP_##R(8, H, 2) AN_K3_STEP_##R(8, H, 3)
#define AN_K3_B4(R, H) AN_K3_STEP_##R(4, H, 0) AN_K3_STEP_##R(4, H, 1)
#define AN_K3_ASM(TEXT)                                                                                    \
  __asm__(TEXT                                                                                             \
          : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [a4] "+r"(a4), [a5] "+r"(a5),      \
            [c0] "=&r"(c0), [c1] "=&r"(c1), [wa] "=&r"(wa), [wb] "=&r"(wb), [wc] "=&r"(wc)                 \
          : [c] "r"(cols), [w] "r"(w)                                                                      \
          : "memory")
// acc[2r + j] += row r . column j over k4 = 12 (3x3x1) or 36 (3x3x3) values for a group of R (1-3) rows at w.
// 3x3x3: each filter row's nine values in 12 positions, its last block (8 9 10 11, stored 8 10 9 11) pairs
// (x9, x11) with zero filter values: the three such steps ((H, S) = (1, 1), (2, 3), (4, 1)) left out, 15 of 18.
// The steps of a group of R rows: k4 = 12 (3x3x1) and k4 = 36 (3x3x3, 15 of 18).
#define AN_K3_STEPS12(R) AN_K3_B8(R, 0) AN_K3_B4(R, 1)
#define AN_K3_STEPS36(R)                                                                                   \
  AN_K3_B8(R, 0) AN_K3_STEP_##R(8, 1, 0) AN_K3_STEP_##R(8, 1, 2) AN_K3_STEP_##R(8, 1, 3)                   \
      AN_K3_STEP_##R(8, 2, 0) AN_K3_STEP_##R(8, 2, 1) AN_K3_STEP_##R(8, 2, 2) AN_K3_B8(R, 3)               \
          AN_K3_STEP_##R(4, 4, 0)
#define AN_K3_DOT(R)                                                                                       \
  static inline __attribute__((always_inline)) void an_k3_dot##R(const int16_t *w, const int16_t *cols,    \
                                                                 const int32_t k4, int32_t *acc) {         \
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3], a4 = acc[4], a5 = acc[5];                  \
    int32_t c0, c1, wa, wb, wc;                                                                            \
    if (k4 == 12) {                                                                                        \
      AN_K3_ASM(AN_K3_STEPS12(R));                                                                         \
    } else {                                                                                               \
      AN_K3_ASM(AN_K3_STEPS36(R));                                                                         \
    }                                                                                                      \
    acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3, acc[4] = a4, acc[5] = a5;                          \
  }
// clang-format on
AN_K3_DOT(1)
AN_K3_DOT(2)
AN_K3_DOT(3)
#undef AN_K3_DOT

// A group of three prepared records ch ({2 * bias, m, kc, e}, an_conv.h) by the pixel pair in one asm statement:
// the accumulators from the doubled biases, an_k3_dot3's steps, then an_kxk_pq_out2's arithmetic (SMMLAR of
// kc - [a < 0], ASR by e, SSAT 8) on the registers the steps free; the six outputs (channel r's pixel j at
// out[2 r + j]) left to the caller's stores (no values spilled around the statement but the pointers).  Thirteen
// registers, as a build keeping the frame pointer (-O0) leaves: the record pointer doubles as the steps' third
// filter register (pushed before them, popped after), one register the sum kc - [a < 0] of each output in turn.
// clang-format off
#define AN_K3_PQ_INIT(P)                                                                                   \
  "ldr %[a0], [%[" #P "]]\n\t"                                                                             \
  "ldr %[a2], [%[" #P "], #16]\n\t"                                                                        \
  "ldr %[a4], [%[" #P "], #32]\n\t"                                                                        \
  "mov %[a1], %[a0]\n\t"                                                                                   \
  "mov %[a3], %[a2]\n\t"                                                                                   \
  "mov %[a5], %[a4]\n\t"
#define AN_K3_PQ_OUT(P, E, r, A, B)                                                                        \
  "ldr %[wa], [%[" #P "], #(16*" #r "+4)]\n\t"                                                             \
  "ldr %[wb], [%[" #P "], #(16*" #r "+8)]\n\t"                                                             \
  "ldr %[" #E "], [%[" #P "], #(16*" #r "+12)]\n\t"                                                        \
  "add %[c0], %[wb], %[" #A "], asr #31\n\t"                                                               \
  "smmlar %[" #A "], %[" #A "], %[wa], %[c0]\n\t"                                                          \
  "add %[c0], %[wb], %[" #B "], asr #31\n\t"                                                               \
  "smmlar %[" #B "], %[" #B "], %[wa], %[c0]\n\t"                                                          \
  "asr %[" #A "], %[" #A "], %[" #E "]\n\t"                                                                \
  "asr %[" #B "], %[" #B "], %[" #E "]\n\t"                                                                \
  "ssat %[" #A "], #8, %[" #A "]\n\t"                                                                      \
  "ssat %[" #B "], #8, %[" #B "]\n\t"
#define AN_K3_PQ_ASM(TEXT)                                                                                 \
  __asm__(AN_K3_PQ_INIT(wc) "push {%[wc]}\n\t" TEXT "pop {%[wc]}\n\t" AN_K3_PQ_OUT(wc, c1, 0, a0, a1)     \
              AN_K3_PQ_OUT(wc, c1, 1, a2, a3) AN_K3_PQ_OUT(wc, c1, 2, a4, a5)                                \
          : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [a4] "=&r"(a4), [a5] "=&r"(a5),  \
            [c0] "=&r"(c0), [c1] "=&r"(c1), [wa] "=&r"(wa), [wb] "=&r"(wb), [wc] "+r"(wc)                  \
          : [c] "r"(cols), [w] "r"(w)                                                                      \
          : "memory")
// clang-format on
static inline __attribute__((always_inline)) void an_k3_pq_group3(const int16_t *w, const int16_t *cols,
                                                                  const int32_t *ch, const int32_t k4, int32_t *out) {
  int32_t a0, a1, a2, a3, a4, a5, c0, c1, wa, wb;
  const int32_t *wc = ch;  // the record pointer, then the steps' third filter register
  if (k4 == 12) {
    AN_K3_PQ_ASM(AN_K3_STEPS12(3));
  } else {
    AN_K3_PQ_ASM(AN_K3_STEPS36(3));
  }
  out[0] = a0, out[1] = a1, out[2] = a2, out[3] = a3, out[4] = a4, out[5] = a5;
}

// The same for a last group of two records (an_k3_dot2's steps; four accumulators; twelve registers).
// clang-format off
#define AN_K3_PQ2_ASM(TEXT)                                                                                \
  __asm__("ldr %[a0], [%[ch]]\n\t"                                                                         \
          "ldr %[a2], [%[ch], #16]\n\t"                                                                    \
          "mov %[a1], %[a0]\n\t"                                                                           \
          "mov %[a3], %[a2]\n\t" TEXT AN_K3_PQ_OUT(ch, wc, 0, a0, a1) AN_K3_PQ_OUT(ch, wc, 1, a2, a3)      \
          : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [c0] "=&r"(c0), [c1] "=&r"(c1),  \
            [wa] "=&r"(wa), [wb] "=&r"(wb), [wc] "=&r"(wc)                                                 \
          : [c] "r"(cols), [w] "r"(w), [ch] "r"(ch)                                                        \
          : "memory")
// clang-format on
static inline __attribute__((always_inline)) void an_k3_pq_group2(const int16_t *w, const int16_t *cols,
                                                                  const int32_t *ch, const int32_t k4, int32_t *out) {
  int32_t a0, a1, a2, a3, c0, c1, wa, wb, wc;
  if (k4 == 12) {
    AN_K3_PQ2_ASM(AN_K3_STEPS12(2));
  } else {
    AN_K3_PQ2_ASM(AN_K3_STEPS36(2));
  }
  out[0] = a0, out[1] = a1, out[2] = a2, out[3] = a3;
}
#undef AN_K3_PQ2_ASM
#undef AN_K3_PQ_ASM
#undef AN_K3_PQ_OUT
#undef AN_K3_PQ_INIT
#undef AN_K3_STEPS36
#undef AN_K3_STEPS12
#undef AN_K3_ASM
#undef AN_K3_B4
#undef AN_K3_B8
#undef AN_K3_STEP_3
#undef AN_K3_STEP_2
#undef AN_K3_STEP_1
#undef AN_K3_MACS
#undef AN_K3_ROW
#undef AN_K3_COLS

// One interior pixel's three receptive-field rows (from src, rows row_step bytes apart, inside the image and
// before the tensor's end) as pixel j's column at dst = cols + 4 j, S = 4 or 12 (a constant where inlined): the
// loads of a row in a row (pipelined), SXTB16 in place, STRD.  S = 12: the ror-8 word of a row's last block ((x9,
// x11), zero filter values) is never read by an_k3_dot (the steps left out) and not written.
static inline __attribute__((always_inline)) void an_kxk3_widen(const int8_t *src, int32_t row_step, int16_t *dst,
                                                                const int32_t seg) {
  uint32_t x0, x1, x2, y0, y1, y2;
  if (seg == 4) {
    __asm__ volatile(
        "ldr %[x0], [%[s]]\n\t"
        "ldr %[x1], [%[s], %[r]]\n\t"
        "ldr %[x2], [%[s], %[r], lsl #1]\n\t"
        "sxtb16 %[y0], %[x0]\n\t"
        "sxtb16 %[x0], %[x0], ror #8\n\t"
        "sxtb16 %[y1], %[x1]\n\t"
        "sxtb16 %[x1], %[x1], ror #8\n\t"
        "sxtb16 %[y2], %[x2]\n\t"
        "sxtb16 %[x2], %[x2], ror #8\n\t"
        "strd %[y0], %[x0], [%[d]]\n\t"
        "strd %[y1], %[x1], [%[d], #16]\n\t"
        "strd %[y2], %[x2], [%[d], #32]"
        : [x0] "=&r"(x0), [x1] "=&r"(x1), [x2] "=&r"(x2), [y0] "=&r"(y0), [y1] "=&r"(y1), [y2] "=&r"(y2)
        : [s] "r"(src), [r] "r"(row_step), [d] "r"(dst)
        : "memory");
    return;
  }
  for (int32_t ky = 0; ky < 3; ++ky, src += row_step, dst += 24) {
    __asm__ volatile(
        "ldr %[x0], [%[s]]\n\t"
        "ldr %[x1], [%[s], #4]\n\t"
        "ldr %[x2], [%[s], #8]\n\t"
        "sxtb16 %[y0], %[x0]\n\t"
        "sxtb16 %[x0], %[x0], ror #8\n\t"
        "sxtb16 %[y1], %[x1]\n\t"
        "sxtb16 %[x1], %[x1], ror #8\n\t"
        "sxtb16 %[x2], %[x2]\n\t"
        "strd %[y0], %[x0], [%[d]]\n\t"
        "strd %[y1], %[x1], [%[d], #16]\n\t"
        "str %[x2], [%[d], #32]"
        : [x0] "=&r"(x0), [x1] "=&r"(x1), [x2] "=&r"(x2), [y0] "=&r"(y0), [y1] "=&r"(y1)
        : [s] "r"(src), [d] "r"(dst)
        : "memory");
  }
  (void)y2;
}

// an_kxk3_widen for the two pixels of a pair inside one output row, from src and src + step_w, as pixels 0 and 1
// of the columns at cols: one asm statement per S (no loop, no spills).
// clang-format off
#define AN_K3W_ROW12(S, D)                                                                                 \
  "ldr %[x0], [%[" #S "]]\n\t"                                                                             \
  "ldr %[x1], [%[" #S "], #4]\n\t"                                                                         \
  "ldr %[x2], [%[" #S "], #8]\n\t"                                                                         \
  "sxtb16 %[y0], %[x0]\n\t"                                                                                \
  "sxtb16 %[x0], %[x0], ror #8\n\t"                                                                        \
  "sxtb16 %[y1], %[x1]\n\t"                                                                                \
  "sxtb16 %[x1], %[x1], ror #8\n\t"                                                                        \
  "sxtb16 %[x2], %[x2]\n\t"                                                                                \
  "strd %[y0], %[x0], [%[d], #" #D "]\n\t"                                                                 \
  "strd %[y1], %[x1], [%[d], #(" #D "+16)]\n\t"                                                            \
  "str %[x2], [%[d], #(" #D "+32)]\n\t"
#define AN_K3W_PIXEL4(S, D)                                                                                \
  "ldr %[x0], [%[" #S "]]\n\t"                                                                             \
  "ldr %[x1], [%[" #S "], %[r]]\n\t"                                                                       \
  "ldr %[x2], [%[" #S "], %[r], lsl #1]\n\t"                                                               \
  "sxtb16 %[y0], %[x0]\n\t"                                                                                \
  "sxtb16 %[x0], %[x0], ror #8\n\t"                                                                        \
  "sxtb16 %[y1], %[x1]\n\t"                                                                                \
  "sxtb16 %[x1], %[x1], ror #8\n\t"                                                                        \
  "sxtb16 %[y2], %[x2]\n\t"                                                                                \
  "sxtb16 %[x2], %[x2], ror #8\n\t"                                                                        \
  "strd %[y0], %[x0], [%[d], #" #D "]\n\t"                                                                 \
  "strd %[y1], %[x1], [%[d], #(" #D "+16)]\n\t"                                                            \
  "strd %[y2], %[x2], [%[d], #(" #D "+32)]\n\t"
// clang-format on
static inline __attribute__((always_inline)) void an_kxk3_widen2(const int8_t *src, int32_t step_w, int32_t row_step,
                                                                 int16_t *cols, const int32_t seg) {
  uint32_t x0, x1, x2, y0, y1, y2;
  const int8_t *s0 = src, *s1 = src + step_w;
  if (seg == 4) {
    __asm__ volatile(AN_K3W_PIXEL4(s0, 0) AN_K3W_PIXEL4(s1, 8)
                     : [x0] "=&r"(x0), [x1] "=&r"(x1), [x2] "=&r"(x2), [y0] "=&r"(y0), [y1] "=&r"(y1), [y2] "=&r"(y2)
                     : [s0] "r"(s0), [s1] "r"(s1), [r] "r"(row_step), [d] "r"(cols)
                     : "memory");
    return;
  }
  __asm__ volatile(AN_K3W_ROW12(s0, 0) AN_K3W_ROW12(s1, 8) "add %[s0], %[s0], %[r]\n\t"
                   "add %[s1], %[s1], %[r]\n\t" AN_K3W_ROW12(s0, 48) AN_K3W_ROW12(s1, 56)
                   "add %[s0], %[s0], %[r]\n\t"
                   "add %[s1], %[s1], %[r]\n\t" AN_K3W_ROW12(s0, 96) AN_K3W_ROW12(s1, 104)
                   : [x0] "=&r"(x0), [x1] "=&r"(x1), [x2] "=&r"(x2), [y0] "=&r"(y0), [y1] "=&r"(y1), [s0] "+r"(s0),
                     [s1] "+r"(s1)
                   : [r] "r"(row_step), [d] "r"(cols)
                   : "memory");
  (void)y2;
}
#undef AN_K3W_PIXEL4
#undef AN_K3W_ROW12

// an_conv_im2col_w16 for an edge pixel of an_kxk3_first (3x3, one or three channels, no dilation; S = 4 or 12) as
// pixel j's column at dst = cols + 4 j: each receptive-field row's taps (the pad value outside the image, zeros
// after the 3 n values) gathered into 12 bytes, then widened as an interior row (the general im2col's rows take
// the values one by one).
static void __attribute__((noinline))
an_kxk3_edge(const an_im2col_w16_params *g, const int8_t *in, int32_t oy, int32_t ox, int16_t *dst) {
  const int32_t n = g->n, seg = n == 3 ? 12 : 4, iy0 = oy * g->stride_h - g->pad_h, ix0 = ox * g->stride_w - g->pad_w;
  const uint32_t pad4 = (uint8_t)g->pad * 0x01010101u;
  for (int32_t ky = 0, iy = iy0; ky < 3; ++ky, ++iy, dst += 2 * seg) {
    uint32_t words[3] = {pad4, pad4, pad4};
    if (iy >= 0 && iy < g->in_h) {
      int8_t *row = (int8_t *)words;
      const int8_t *src = in + (iy * g->in_w + ix0) * n;
      // Tap by tap (no library calls: GCC makes a loop of n copies a memcpy call).
      for (int32_t kx = 0, ix = ix0; kx < 3; ++kx, ++ix, row += n, src += n) {
        if (ix >= 0 && ix < g->in_w) {
          row[0] = src[0];
          if (n == 3) row[1] = src[1], row[2] = src[2];
        }
      }
      if (n == 3) {
        words[2] &= 0xffu;  // positions 9-11 (little-endian bytes)
      } else {
        words[0] &= 0xffffffu;  // position 3
      }
    }
    an_widen_reordered((const int8_t *)words, dst, seg);
  }
}

// What an_kxk3_first walks: the current pixel (oy, ox), its first run at bytes `at` from the input (< 0 above or
// left of the image), and the current row's interior columns [lo, lo + span] (none: lo far above any column), whose
// three runs lie inside the image and before the tensor's end.
typedef struct {
  int32_t oy, ox, at, row_at, lo, span;
} an_kxk3_walk;

// The interior columns of row w->oy (w->row_at its first pixel's run): ox_lo..ox_hi where the row's three input
// rows lie inside the image, cut where a pixel's runs (last_end bytes from its first) would pass the tensor's end.
static void an_kxk3_row(const an_im2col_w16_params *g, an_kxk3_walk *w, int32_t ox_lo, int32_t ox_hi,
                        int32_t last_end) {
  const int32_t iy0 = w->oy * g->stride_h - g->pad_h, step_w = g->stride_w * g->n;
  int32_t hi = ox_hi;
  if (iy0 < 0 || iy0 + 2 >= g->in_h) {
    hi = ox_lo - 1;
  } else {
    const int32_t room = g->in_left - last_end - w->row_at;  // bytes the row's first pixel may start before the end
    if (room < 0) {
      hi = ox_lo - 1;
    } else if (room / step_w < hi) {
      hi = room / step_w;
    }
  }
  w->lo = hi < ox_lo ? 0x40000000 : ox_lo;  // none: ox - lo < 0, above any span as unsigned
  w->span = hi < ox_lo ? 0 : hi - ox_lo;
}

static inline __attribute__((always_inline)) void an_kxk3_first(const an_im2col_w16_params *g, const int8_t *in,
                                                                const int16_t *filter, const int32_t *channel,
                                                                int32_t out_h, int32_t out_w, int32_t out_c,
                                                                int8_t *out, int16_t *scratch, int32_t round_offset,
                                                                const int32_t seg, const int prep) {
  const int32_t rs = prep ? 4 : 3;  // values per channel record
  const int32_t stride_w = g->stride_w, k4 = 3 * seg;
  const int32_t pixels = out_h * out_w, step_w = stride_w * g->n, step_h = g->stride_h * g->in_w * g->n;
  // Interior output columns (ceil and floor of the bounds; an empty range where none).
  const int32_t ox_lo = (g->pad_w + stride_w - 1) / stride_w;
  const int32_t ox_right = (g->in_w - 3 + g->pad_w) / stride_w, ox_hi = ox_right < out_w ? ox_right : out_w - 1;
  const int32_t last_end = 2 * g->row_step + seg;  // bytes a pixel's runs read from its first
  const int32_t groups = out_c / 3, tail = out_c - 3 * groups;
  an_kxk3_walk w = {0, 0, 0, 0, 0, 0};
  w.at = w.row_at = -(g->pad_h * g->in_w + g->pad_w) * g->n;
  an_kxk3_row(g, &w, ox_lo, ox_hi, last_end);
  for (int32_t pix = 0; pix < pixels; pix += 2) {
    const int two = pix + 1 < pixels;
    int8_t *o0 = out + pix * out_c;
    int8_t *o1 = o0 + (two ? out_c : 0);
    if ((uint32_t)(w.ox - w.lo) < (uint32_t)w.span) {
      // Both pixels interior in the same row (ox and ox + 1 in lo..lo + span; then pix + 1 < pixels).
      an_kxk3_widen2(in + w.at, step_w, g->row_step, scratch, seg);
      w.at += 2 * step_w;
      w.ox += 2;
      if (w.ox == out_w) {
        w.ox = 0, ++w.oy;
        w.at = w.row_at += step_h;
        an_kxk3_row(g, &w, ox_lo, ox_hi, last_end);
      }
    } else {
      for (int32_t j = 0; j < 2; ++j) {
        if ((uint32_t)(w.ox - w.lo) <= (uint32_t)w.span) {
          an_kxk3_widen(in + w.at, g->row_step, scratch + 4 * j, seg);
        } else {
          an_kxk3_edge(g, in, w.oy, w.ox, scratch + 4 * j);
        }
        if (j == 0 && !two) {
          an_kxk3_edge(g, in, w.oy, w.ox, scratch + 4);  // an odd last pixel twice, the copy dropped
          break;
        }
        w.at += step_w;
        if (++w.ox == out_w) {
          w.ox = 0, ++w.oy;
          w.at = w.row_at += step_h;
          an_kxk3_row(g, &w, ox_lo, ox_hi, last_end);
        }
      }
    }
    const int16_t *wf = filter;
    const int32_t *ch = channel;
    if (prep) {
      // Pixel 1's outputs at o0 + d (fewer pointers kept across the asm statements), the groups counted by ch.
      const int32_t d = (int32_t)(o1 - o0);
      const int32_t *const groups_end = ch + 3 * rs * groups;
      for (; ch < groups_end; ch += 3 * rs, o0 += 3, wf += 3 * k4) {
        int32_t r[6];
        an_k3_pq_group3(wf, scratch, ch, k4, r);
        o0[0] = (int8_t)r[0], o0[1] = (int8_t)r[2], o0[2] = (int8_t)r[4];
        o0[d] = (int8_t)r[1], o0[d + 1] = (int8_t)r[3], o0[d + 2] = (int8_t)r[5];
      }
      o1 = o0 + d;
    }
    for (int32_t i = prep ? 0 : groups; i > 0; --i, ch += 3 * rs, o0 += 3, o1 += 3, wf += 3 * k4) {
      int32_t acc[6] = {ch[0], ch[0], ch[rs], ch[rs], ch[2 * rs], ch[2 * rs]};
      an_k3_dot3(wf, scratch, k4, acc);
      an_kxk_outs(prep, ch, acc[0], acc[1], round_offset, o0, o1);
      an_kxk_outs(prep, ch + rs, acc[2], acc[3], round_offset, o0 + 1, o1 + 1);
      an_kxk_outs(prep, ch + 2 * rs, acc[4], acc[5], round_offset, o0 + 2, o1 + 2);
    }
    if (tail == 2 && prep) {
      int32_t r[4];
      an_k3_pq_group2(wf, scratch, ch, k4, r);
      o0[0] = (int8_t)r[0], o0[1] = (int8_t)r[2];
      o1[0] = (int8_t)r[1], o1[1] = (int8_t)r[3];
    } else if (tail == 2) {
      int32_t acc[6] = {ch[0], ch[0], ch[rs], ch[rs], 0, 0};
      an_k3_dot2(wf, scratch, k4, acc);
      an_kxk_outs(prep, ch, acc[0], acc[1], round_offset, o0, o1);
      an_kxk_outs(prep, ch + rs, acc[2], acc[3], round_offset, o0 + 1, o1 + 1);
    } else if (tail == 1) {
      int32_t acc[6] = {ch[0], ch[0], 0, 0, 0, 0};
      an_k3_dot1(wf, scratch, k4, acc);
      an_kxk_outs(prep, ch, acc[0], acc[1], round_offset, o0, o1);
    }
  }
}
static void __attribute__((noinline))
an_kxk3_first4(const an_im2col_w16_params *g, const int8_t *in, const int16_t *filter, const int32_t *channel,
               int32_t out_h, int32_t out_w, int32_t out_c, int8_t *out, int16_t *scratch, int32_t round_offset) {
  an_kxk3_first(g, in, filter, channel, out_h, out_w, out_c, out, scratch, round_offset, 4, 0);
}
static void __attribute__((noinline))
an_kxk3_first12(const an_im2col_w16_params *g, const int8_t *in, const int16_t *filter, const int32_t *channel,
                int32_t out_h, int32_t out_w, int32_t out_c, int8_t *out, int16_t *scratch, int32_t round_offset) {
  an_kxk3_first(g, in, filter, channel, out_h, out_w, out_c, out, scratch, round_offset, 12, 0);
}
static void __attribute__((noinline))
an_kxk3_pq_first4(const an_im2col_w16_params *g, const int8_t *in, const int16_t *filter, const int32_t *channel,
                  int32_t out_h, int32_t out_w, int32_t out_c, int8_t *out, int16_t *scratch) {
  an_kxk3_first(g, in, filter, channel, out_h, out_w, out_c, out, scratch, 0, 4, 1);
}
static void __attribute__((noinline))
an_kxk3_pq_first12(const an_im2col_w16_params *g, const int8_t *in, const int16_t *filter, const int32_t *channel,
                   int32_t out_h, int32_t out_w, int32_t out_c, int8_t *out, int16_t *scratch) {
  an_kxk3_first(g, in, filter, channel, out_h, out_w, out_c, out, scratch, 0, 12, 1);
}
#endif

// One output of an_conv2d_s8_prepared_w16's record ch ({2 * bias, m, kc, e}) for a = 2 * acc, before the
// activation's clamps: floor(((kc - [a < 0]) * 2^32 + a * m + 2^31) / 2^32) >> e (an_conv.h).
static inline int32_t an_kxk_pq_value(const int32_t *ch, int32_t a) {
  const int64_t g = ((int64_t)ch[2] - (a < 0)) * 4294967296LL + (int64_t)a * ch[1] + 2147483648LL;
  return (int32_t)(g >> 32) >> ch[3];
}

// The outputs of `rows` (1-3, a constant where inlined) prepared records ch by a pixel pair from their accumulators
// acc (an_w16_dot_any's order).
static inline __attribute__((always_inline)) void an_pq_plain_out(an_conv_out_params q, const int32_t *ch,
                                                                  const int32_t *acc, int32_t rows, int8_t *o0,
                                                                  int8_t *o1) {
  // Every result before any store (an int8 store may alias the records).
  const int32_t r0 = an_clamp(an_kxk_pq_value(ch, acc[0]), q.lo, q.hi);
  const int32_t r1 = an_clamp(an_kxk_pq_value(ch, acc[1]), q.lo, q.hi);
  int32_t r2 = 0, r3 = 0, r4 = 0, r5 = 0;
  if (rows > 1) {
    r2 = an_clamp(an_kxk_pq_value(ch + 4, acc[2]), q.lo, q.hi);
    r3 = an_clamp(an_kxk_pq_value(ch + 4, acc[3]), q.lo, q.hi);
  }
  if (rows > 2) {
    r4 = an_clamp(an_kxk_pq_value(ch + 8, acc[4]), q.lo, q.hi);
    r5 = an_clamp(an_kxk_pq_value(ch + 8, acc[5]), q.lo, q.hi);
  }
  o0[0] = (int8_t)r0;
  o1[0] = (int8_t)r1;
  if (rows > 1) o0[1] = (int8_t)r2, o1[1] = (int8_t)r3;
  if (rows > 2) o0[2] = (int8_t)r4, o1[2] = (int8_t)r5;
}

// A group of `rows` (1-3, a constant where inlined) prepared records by a pixel pair (plain C); returns the filter
// after the group.
static inline __attribute__((always_inline)) const int16_t *an_pq_plain_group(an_conv_out_params q, const int16_t *w,
                                                                              const int16_t *cols, int32_t k4,
                                                                              const int32_t *ch, int32_t rows,
                                                                              int8_t *o0, int8_t *o1) {
  int32_t acc[6] = {ch[0], ch[0], 0, 0, 0, 0};
  if (rows > 1) acc[2] = acc[3] = ch[4];
  if (rows > 2) acc[4] = acc[5] = ch[8];
  w = an_w16_dot_any(w, cols, k4, rows, acc);
  an_pq_plain_out(q, ch, acc, rows, o0, o1);
  return w;
}

// Output channels [0, out_c) of a pixel pair from prepared records (plain C), the filter's rows in groups of
// `group`: 3 (an_conv_channels_w16's groups) or 2 (an_conv1x1_s8_prepared_w16's pairs layout where not plain C).
static void an_kxk_pq_channels(an_conv_out_params q, const int16_t *w, const int16_t *cols, int32_t k4,
                               const int32_t *ch, int32_t out_c, int32_t group, int8_t *o0, int8_t *o1) {
  if (group == 3) {
    for (; out_c >= 3; out_c -= 3, ch += 12, o0 += 3, o1 += 3) w = an_pq_plain_group(q, w, cols, k4, ch, 3, o0, o1);
  } else {
    for (; out_c >= 2; out_c -= 2, ch += 8, o0 += 2, o1 += 2) w = an_pq_plain_group(q, w, cols, k4, ch, 2, o0, o1);
  }
  if (out_c == 2) an_pq_plain_group(q, w, cols, k4, ch, 2, o0, o1);
  if (out_c == 1) an_pq_plain_group(q, w, cols, k4, ch, 1, o0, o1);
}

// an_conv2d_s8_w16 (prep 0: records {bias, multiplier, shift}) and an_conv2d_s8_prepared_w16 (prep 1: doubled
// filter, records {2 * bias, m, kc, e}); prep a constant.
static inline __attribute__((always_inline)) void an_conv2d_w16_run(const an_conv_params *p, const int8_t *input,
                                                                    const int16_t *filter, const int32_t *channel,
                                                                    int8_t *output, int16_t *scratch, const int prep) {
  const int32_t n = p->in_c, seg = AN_CONV_K4(p->k_w * n), k4 = p->k_h * seg;
  const int32_t out_w = p->out_w, out_c = p->out_c, pixels = p->out_h * out_w;
  const an_conv_out_params q = {p->output_offset, p->act_min, p->act_max};
  an_im2col_w16_params g = {p->batches * p->in_h * p->in_w * n,
                            n,
                            p->k_h,
                            p->k_w,
                            p->in_h,
                            p->in_w,
                            seg,
                            p->stride_h,
                            p->stride_w,
                            p->pad_h,
                            p->pad_w,
                            p->dilation_h,
                            p->dilation_w,
                            p->dilation_h * p->in_w * n,
                            (int16_t)p->pad_value};
#if AN_USE_DSP && !AN_USE_MVE
  // Every shift negative and the activation spanning int8 (prepared records: always, the clamps a pass over
  // the output): an_kxk_channels_dsp.
  int32_t shifts = -1;
  if (!prep) {
    for (int32_t c = 0; c < out_c; ++c) shifts &= channel[3 * c + 2];
  }
  const int fast = prep || (shifts < 0 && q.lo == -128 && q.hi == 127);
  const int32_t round_offset = 1 + 2 * q.offset;
  // 3x3 first layers of one or three input channels (an_kxk3_first), no dilation.
  const int first = p->k_h == 3 && p->k_w == 3 && (n == 1 || n == 3) && p->dilation_h == 1 && p->dilation_w == 1;
#endif
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * p->in_h * p->in_w * n;
    int8_t *out = output + b * pixels * out_c;
    int32_t oy = 0, ox = 0;
    if (b) g.in_left -= p->in_h * p->in_w * n;
#if AN_USE_DSP && !AN_USE_MVE
    if (fast && first) {
      if (prep) {
        (seg == 4 ? an_kxk3_pq_first4 : an_kxk3_pq_first12)(&g, in, filter, channel, p->out_h, out_w, out_c, out,
                                                            scratch);
      } else {
        (seg == 4 ? an_kxk3_first4 : an_kxk3_first12)(&g, in, filter, channel, p->out_h, out_w, out_c, out, scratch,
                                                      round_offset);
      }
      continue;
    }
#endif
    for (int32_t pix = 0; pix < pixels; pix += 2) {
      // An odd last pixel is computed twice (as both pixels of the pair), the copy dropped.
      const int two = pix + 1 < pixels;
      int8_t *out0 = out + pix * out_c;
      an_conv_im2col_w16(&g, in, oy, ox, 0, scratch);
      if (two && ++ox == out_w) ox = 0, ++oy;
      an_conv_im2col_w16(&g, in, oy, ox, 1, scratch);
      if (++ox == out_w) ox = 0, ++oy;
#if AN_USE_DSP && !AN_USE_MVE
      if (fast) {
        if (prep) {
          (k4 & 15 ? an_kxk_pq_channels_dsp : an_kxk_pq_channels_dsp16)(filter, scratch, k4, channel, out_c, out0,
                                                                        out0 + (two ? out_c : 0));
        } else {
          (k4 & 15 ? an_kxk_channels_dsp : an_kxk_channels_dsp16)(filter, scratch, k4, channel, out_c, out0,
                                                                  out0 + (two ? out_c : 0), round_offset);
        }
        continue;
      }
#endif
      if (prep) {
        an_kxk_pq_channels(q, filter, scratch, k4, channel, out_c, 3, out0, out0 + (two ? out_c : 0));
      } else {
        an_conv_channels_w16(q, filter, scratch, k4, channel, out_c, out0, two ? out_c : 0);
      }
    }
  }
#if AN_USE_DSP && !AN_USE_MVE
  if (prep && (q.lo > -128 || q.hi < 127)) {
    for (int32_t i = p->batches * pixels * out_c - 1; i >= 0; --i) output[i] = (int8_t)an_clamp(output[i], q.lo, q.hi);
  }
#endif
}

void an_conv2d_s8_w16(const an_conv_params *p, const int8_t *input, const int16_t *filter, const int32_t *channel,
                      int8_t *output, int16_t *scratch) {
  an_conv2d_w16_run(p, input, filter, channel, output, scratch, 0);
}

void an_conv2d_s8_prepared_w16(const an_conv_params *p, const int8_t *input, const int16_t *filter,
                               const int32_t *channel, int8_t *output, int16_t *scratch) {
  an_conv2d_w16_run(p, input, filter, channel, output, scratch, 1);
}

// 1x1, no padding, one group: output pixel (oy, ox) reads input pixel (oy * stride_h, ox * stride_w)
// alone, a matrix product of the pixels' channel rows with the filter rows.  The same filter
// layout, scratch and arithmetic as an_conv2d_s8 without its general im2col: each pair of input
// rows is widened once (their K4 padding zeroed once) and reused by every output channel.
static void an_conv1x1_impl(const an_conv_params *p, const int8_t *input, const int8_t *filter, const int16_t *w16,
                            const int32_t *channel, int8_t *output, int16_t *scratch) {
  const int32_t n = p->in_c, k4 = AN_CONV_K4(n), out_c = p->out_c, out_w = p->out_w;
  const int32_t pixels = p->out_h * out_w;
  const int32_t step_x = p->stride_w * n, step_y = p->stride_h * p->in_w * n;
  const an_conv_out_params q = {p->output_offset, p->act_min, p->act_max};
  for (int32_t k = n; k < k4; ++k) scratch[2 * (k & ~3) + (k & 3)] = scratch[2 * (k & ~3) + 4 + (k & 3)] = 0;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *row = input + b * p->in_h * p->in_w * n;  // input row of the current output row
    int8_t *out0 = output + b * pixels * out_c;
    int32_t ox = 0;
    for (int32_t pix = 0; pix < pixels; pix += 2, out0 += 2 * out_c) {
      // An odd last pixel is computed twice (as both pixels of the pair), the copy dropped.
      const int8_t *x0 = row + ox * step_x;
      if (++ox == out_w) ox = 0, row += step_y;
      const int two = pix + 1 < pixels;
      const int8_t *x1 = two ? row + ox * step_x : x0;
      if (two && ++ox == out_w) ox = 0, row += step_y;
      an_widen_s8_pair(x0, scratch, 0, 0, n);
      an_widen_s8_pair(x1, scratch, 0, 1, n);
      if (w16) {
        an_conv_channels_w16(q, w16, scratch, k4, channel, out_c, out0, two ? out_c : 0);
      } else {
        an_conv_channels_2px(q, filter, scratch, k4, channel, out_c, out0, two ? out_c : 0);
      }
    }
  }
}

#if AN_USE_DSP && !AN_USE_MVE
// ---- 1x1 with int16 filters on DSP cores (an_conv1x1_s8_w16) ----
//
// Per pixel pair both input pixels are widened once (an_pw_widen2: the an_widen_s8_pair layout) and
// serve every output channel.  The channels go in groups of three (the AN_CONV_W16 layout): a 3x2
// block of dot products, per two values two column words and three filter words loaded in a row (the
// Cortex-M4 pipelines a load behind a load: six cycles) and six SMLAD, 12 MACs; then the group's six
// requantizations (an_out_s8_right_shift's SMMLAR arithmetic where the shift is negative), the
// activation's clamps only where its range is narrower than int8 (else SSAT's saturation is the
// clamp).  An odd last group of two or one channels takes the same steps.

// The steps of a group as assembly text, one asm statement per run of blocks: GCC keeps the column
// and filter pointers in registers, and each step's loads go in a row (the Cortex-M4 pipelines a load
// behind a load; GCC interleaves them with the multiplies otherwise).  Step S of block H of a group
// of R rows: the values 2S, 2S + 1 of the H-th block of BS values after the pointers (the blocks
// before it all of BS values): the column pair at byte 32 H + 4 (S & 1) + 16 (S >> 1) and 8 after
// it, row r at 2 BS R H + 4 S + 2 BS r.
// clang-format off
#define AN_PW_ASM_COLS(H, S)                                                    \
  "ldr %[c0], [%[c], #(32*" #H "+4*(" #S "&1)+16*(" #S ">>1))]\n\t"             \
  "ldr %[c1], [%[c], #(32*" #H "+4*(" #S "&1)+16*(" #S ">>1)+8)]\n\t"
#define AN_PW_ASM_ROW(R, BS, H, S, r, REG)                                      \
  "ldr %[" #REG "], [%[w], #(2*" #BS "*" #R "*" #H "+4*" #S "+2*" #BS "*" #r ")]\n\t"
#define AN_PW_ASM_MACS(REG, A, B)                                               \
  "smlad %[" #A "], %[" #REG "], %[c0], %[" #A "]\n\t"                          \
  "smlad %[" #B "], %[" #REG "], %[c1], %[" #B "]\n\t"
#define AN_PW_ASM_STEP_1(BS, H, S)                                              \
  AN_PW_ASM_COLS(H, S) AN_PW_ASM_ROW(1, BS, H, S, 0, wa) AN_PW_ASM_MACS(wa, a0, a1)
#define AN_PW_ASM_STEP_2(BS, H, S)                                              \
  AN_PW_ASM_COLS(H, S) AN_PW_ASM_ROW(2, BS, H, S, 0, wa) AN_PW_ASM_ROW(2, BS, H, S, 1, wb) \
  AN_PW_ASM_MACS(wa, a0, a1) AN_PW_ASM_MACS(wb, a2, a3)
#define AN_PW_ASM_STEP_3(BS, H, S)                                              \
  AN_PW_ASM_COLS(H, S) AN_PW_ASM_ROW(3, BS, H, S, 0, wa) AN_PW_ASM_ROW(3, BS, H, S, 1, wb) \
  AN_PW_ASM_ROW(3, BS, H, S, 2, wc) AN_PW_ASM_MACS(wa, a0, a1) AN_PW_ASM_MACS(wb, a2, a3) AN_PW_ASM_MACS(wc, a4, a5)
#define AN_PW_ASM_BLOCK(R, H) \
  AN_PW_ASM_STEP_##R(8, H, 0) AN_PW_ASM_STEP_##R(8, H, 1) AN_PW_ASM_STEP_##R(8, H, 2) AN_PW_ASM_STEP_##R(8, H, 3)
#define AN_PW_ASM(TEXT)                                                                                    \
  __asm__(TEXT                                                                                             \
          : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [a4] "+r"(a4), [a5] "+r"(a5),      \
            [c0] "=&r"(c0), [c1] "=&r"(c1), [wa] "=&r"(wa), [wb] "=&r"(wb), [wc] "=&r"(wc)                 \
          : [c] "r"(c), [w] "r"(w)                                                                         \
          : "memory")

// acc[2r + j] += row r . column j over k4 values for a group of R (1-3) channels at w; returns the
// filter after the group.  k4 constant where inlined: K4 = 8, 16, 24, 32 unrolled whole, else passes
// of 32 values, then (where `rest`: K4 not a multiple of 32) 16, 8, 4.
#define AN_PW_DOT(R)                                                                                   \
  static inline __attribute__((always_inline)) const int16_t *an_pw_dot##R(                            \
      const int16_t *w, const int16_t *c, const int32_t k4, const int rest, int32_t *acc) {            \
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3], a4 = acc[4], a5 = acc[5];              \
    int32_t c0, c1, wa, wb, wc;                                                                        \
    if (__builtin_constant_p(k4) && k4 == 8) {                                                         \
      AN_PW_ASM(AN_PW_ASM_BLOCK(R, 0));                                                                \
    } else if (__builtin_constant_p(k4) && k4 == 16) {                                                 \
      AN_PW_ASM(AN_PW_ASM_BLOCK(R, 0) AN_PW_ASM_BLOCK(R, 1));                                          \
    } else if (__builtin_constant_p(k4) && k4 == 24) {                                                 \
      AN_PW_ASM(AN_PW_ASM_BLOCK(R, 0) AN_PW_ASM_BLOCK(R, 1) AN_PW_ASM_BLOCK(R, 2));                    \
    } else if (__builtin_constant_p(k4) && k4 == 32) {                                                 \
      AN_PW_ASM(AN_PW_ASM_BLOCK(R, 0) AN_PW_ASM_BLOCK(R, 1) AN_PW_ASM_BLOCK(R, 2) AN_PW_ASM_BLOCK(R, 3)); \
    } else {                                                                                           \
      const int16_t *const end32 = c + 2 * (k4 & ~31);                                                 \
      for (; c < end32; c += 64, w += 32 * (R)) {                                                      \
        AN_PW_ASM(AN_PW_ASM_BLOCK(R, 0) AN_PW_ASM_BLOCK(R, 1) AN_PW_ASM_BLOCK(R, 2) AN_PW_ASM_BLOCK(R, 3)); \
      }                                                                                                \
      if (rest) {                                                                                      \
        if (k4 & 16) {                                                                                 \
          AN_PW_ASM(AN_PW_ASM_BLOCK(R, 0) AN_PW_ASM_BLOCK(R, 1));                                      \
          c += 32;                                                                                     \
          w += 16 * (R);                                                                               \
        }                                                                                              \
        if (k4 & 8) {                                                                                  \
          AN_PW_ASM(AN_PW_ASM_BLOCK(R, 0));                                                            \
          c += 16;                                                                                     \
          w += 8 * (R);                                                                                \
        }                                                                                              \
        if (k4 & 4) {                                                                                  \
          AN_PW_ASM(AN_PW_ASM_STEP_##R(4, 0, 0) AN_PW_ASM_STEP_##R(4, 0, 1));                          \
          w += 4 * (R);                                                                                \
        }                                                                                              \
      }                                                                                                \
      acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3, acc[4] = a4, acc[5] = a5;                    \
      return w;                                                                                        \
    }                                                                                                  \
    acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3, acc[4] = a4, acc[5] = a5;                      \
    return w + (R) * k4;                                                                               \
  }
// clang-format on
AN_PW_DOT(1)
AN_PW_DOT(2)
AN_PW_DOT(3)
#undef AN_PW_DOT
#undef AN_PW_ASM
#undef AN_PW_ASM_BLOCK
#undef AN_PW_ASM_STEP_3
#undef AN_PW_ASM_STEP_2
#undef AN_PW_ASM_STEP_1
#undef AN_PW_ASM_MACS
#undef AN_PW_ASM_ROW
#undef AN_PW_ASM_COLS

// The outputs of one channel (ch: {bias, multiplier, shift}) for accumulators acc0 (pixel 0) and acc1
// (pixel 1) without the activation's clamps: an_out_s8_right_shift's arithmetic where the shift is
// negative (round_offset = 1 + 2 * offset, SSAT's saturation to int8), else an_requantize's with them.
static inline __attribute__((always_inline)) void an_pw_out2(an_conv_out_params q, int32_t round_offset,
                                                             const int32_t *ch, int32_t acc0, int32_t acc1, int32_t *r0,
                                                             int32_t *r1) {
  const int32_t m = ch[1], s = ch[2];
  if (__builtin_expect(s < 0, 1)) {
    const int32_t m2 = (int32_t)((uint32_t)m << 1), e1 = ~s;
    int32_t h0, h1;
    __asm__("smmlar %0, %1, %2, %1" : "=r"(h0) : "r"(acc0), "r"(m2));
    __asm__("smmlar %0, %1, %2, %1" : "=r"(h1) : "r"(acc1), "r"(m2));
    h0 = __qadd((h0 + (h0 >> 31)) >> e1, round_offset);
    h1 = __qadd((h1 + (h1 >> 31)) >> e1, round_offset);
    __asm__("ssat %0, #8, %1, asr #1" : "=r"(*r0) : "r"(h0));
    __asm__("ssat %0, #8, %1, asr #1" : "=r"(*r1) : "r"(h1));
  } else {
    *r0 = an_clamp(an_requantize(acc0, m, s) + q.offset, q.lo, q.hi);
    *r1 = an_clamp(an_requantize(acc1, m, s) + q.offset, q.lo, q.hi);
  }
}

// A group of `rows` (1-3) channels by the pixel pair: outputs o0[0..rows) (pixel 0) and
// o0[out1 + 0..rows) (pixel 1); returns the filter after the group.
static inline __attribute__((always_inline)) const int16_t *an_pw_group(an_conv_out_params q, int32_t round_offset,
                                                                        const int16_t *w, const int16_t *cols,
                                                                        const int32_t k4, const int rest,
                                                                        const int32_t *ch, const int32_t rows,
                                                                        int8_t *o0, int32_t out1) {
  int32_t acc[6] = {ch[0], ch[0], 0, 0, 0, 0};
  if (rows > 1) acc[2] = acc[3] = ch[3];
  if (rows > 2) acc[4] = acc[5] = ch[6];
  if (rows == 3) w = an_pw_dot3(w, cols, k4, rest, acc);
  if (rows == 2) w = an_pw_dot2(w, cols, k4, rest, acc);
  if (rows == 1) w = an_pw_dot1(w, cols, k4, rest, acc);
  // Each channel's values are loaded after the previous channel's stores (which may alias them).
  int32_t v0, v1;
  an_pw_out2(q, round_offset, ch, acc[0], acc[1], &v0, &v1);
  o0[0] = (int8_t)v0;
  o0[out1] = (int8_t)v1;
  if (rows > 1) {
    an_pw_out2(q, round_offset, ch + 3, acc[2], acc[3], &v0, &v1);
    o0[1] = (int8_t)v0;
    o0[out1 + 1] = (int8_t)v1;
  }
  if (rows > 2) {
    an_pw_out2(q, round_offset, ch + 6, acc[4], acc[5], &v0, &v1);
    o0[2] = (int8_t)v0;
    o0[out1 + 2] = (int8_t)v1;
  }
  return w;
}

// An odd last group of two or one channels (once per pixel pair, shared by the variants).
static void __attribute__((noinline))
an_pw_tail(an_conv_out_params q, const int16_t *w, const int16_t *cols, int32_t k4, const int32_t *ch, int32_t rows,
           int8_t *o0, int32_t out1) {
  const int32_t round_offset = 1 + 2 * q.offset;
  if (rows == 2) {
    an_pw_group(q, round_offset, w, cols, k4, 1, ch, 2, o0, out1);
  } else {
    an_pw_group(q, round_offset, w, cols, k4, 1, ch, 1, o0, out1);
  }
}

// The activation's clamps of n int8 outputs at o, lo >= -128 and hi <= 127 (clamp(sat8(v)) = clamp(v)
// for such bounds): four at a time with SSUB8 (GE flags: lanes x >= lo, then lanes hi >= x) and SEL.
static void an_pw_clamp(int8_t *o, int32_t n, int32_t lo, int32_t hi) {
  const uint32_t lo4 = (uint32_t)(uint8_t)lo * 0x01010101u, hi4 = (uint32_t)(uint8_t)hi * 0x01010101u;
  for (; n >= 4; n -= 4, o += 4) {
    uint32_t x = an_read_u32(o), t;
    __asm__("ssub8 %0, %1, %2\n\tsel %1, %1, %2" : "=&r"(t), "+r"(x) : "r"(lo4) : "cc");
    __asm__("ssub8 %0, %2, %1\n\tsel %1, %1, %2" : "=&r"(t), "+r"(x) : "r"(hi4) : "cc");
    memcpy(o, &x, 4);
  }
  for (; n > 0; --n, ++o) *o = (int8_t)an_clamp(*o, lo, hi);
}

// Input pixels x0, x1 (n values each) widened into the interleaved columns (an_widen_s8_pair).
static inline __attribute__((always_inline)) void an_pw_widen2(const int8_t *x0, const int8_t *x1, int16_t *cols,
                                                               int32_t n) {
  int32_t k = 0;
  for (; k + 4 <= n; k += 4) {
    an_widen_4(x0 + k, cols + 2 * k);
    an_widen_4(x1 + k, cols + 2 * k + 4);
  }
  if (k < n) {
    an_widen_s8_pair(x0 + k, cols, k, 0, n - k);
    an_widen_s8_pair(x1 + k, cols, k, 1, n - k);
  }
}

// an_conv1x1_s8_w16 on a DSP core without the activation's clamps (an_pw_clamp): K4 (0: p's) and rest
// (whether K4 may not be a multiple of 32) constant where inlined.
static inline __attribute__((always_inline)) void an_pw_run(const an_conv_params *p, const int8_t *input,
                                                            const int16_t *filter, const int32_t *channel,
                                                            int8_t *output, int16_t *scratch, const int32_t K4,
                                                            const int rest) {
  const int32_t n = p->in_c, k4 = K4 ? K4 : AN_CONV_K4(n), out_c = p->out_c, out_w = p->out_w;
  const int32_t pixels = p->out_h * out_w;
  const int32_t step_x = p->stride_w * n, step_y = p->stride_h * p->in_w * n;
  const an_conv_out_params q = {p->output_offset, p->act_min, p->act_max};
  const int32_t round_offset = 1 + 2 * q.offset;
  const int32_t groups = out_c / 3, tail = out_c - 3 * groups;
  const int32_t *const groups_end = channel + 9 * groups;
  for (int32_t k = n; k < k4; ++k) scratch[2 * (k & ~3) + (k & 3)] = scratch[2 * (k & ~3) + 4 + (k & 3)] = 0;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *row = input + b * p->in_h * p->in_w * n;  // input row of the current output row
    int8_t *out0 = output + b * pixels * out_c;
    int32_t ox = 0;
    for (int32_t pix = 0; pix < pixels; pix += 2, out0 += 2 * out_c) {
      // An odd last pixel is computed twice (as both pixels of the pair), the copy dropped.
      const int8_t *x0 = row + ox * step_x;
      if (++ox == out_w) ox = 0, row += step_y;
      const int two = pix + 1 < pixels;
      const int8_t *x1 = two ? row + ox * step_x : x0;
      if (two && ++ox == out_w) ox = 0, row += step_y;
      an_pw_widen2(x0, x1, scratch, n);
      const int16_t *w = filter;
      const int32_t *ch = channel;
      int8_t *o0 = out0;
      const int32_t out1 = two ? out_c : 0;
      for (; ch < groups_end; ch += 9, o0 += 3) {
        w = an_pw_group(q, round_offset, w, scratch, k4, rest, ch, 3, o0, out1);
      }
      if (K4 && K4 <= 16) {  // the odd last group inlined where the dot products are short
        if (tail == 2) an_pw_group(q, round_offset, w, scratch, k4, rest, ch, 2, o0, out1);
        if (tail == 1) an_pw_group(q, round_offset, w, scratch, k4, rest, ch, 1, o0, out1);
      } else if (tail) {
        an_pw_tail(q, w, scratch, k4, ch, tail, o0, out1);
      }
    }
  }
}

// The variants an_conv1x1_s8_w16 dispatches to: K4 = 8, 16, 32 (the dot products unrolled whole; with
// `rest` for builds that do not propagate the constant, -O0), K4 a multiple of 32, any K4.
#define AN_PW_VARIANT(NAME, K4, REST)                                                                             \
  static void __attribute__((noinline)) NAME(const an_conv_params *p, const int8_t *input, const int16_t *filter, \
                                             const int32_t *channel, int8_t *output, int16_t *scratch) {          \
    an_pw_run(p, input, filter, channel, output, scratch, K4, REST);                                              \
  }
AN_PW_VARIANT(an_pw_k8, 8, 1)
AN_PW_VARIANT(an_pw_k16, 16, 1)
AN_PW_VARIANT(an_pw_k32, 32, 1)
AN_PW_VARIANT(an_pw_k32n, 0, 0)
AN_PW_VARIANT(an_pw_any, 0, 1)
#undef AN_PW_VARIANT

// ---- an_conv1x1_s8_prepared_w16 on DSP cores: the requantization prepared at generation time ----
//
// The same pixel pairs, groups of three channels and 3x2 dot products (an_pw_dot3/2/1) on doubled filter
// values, so that each accumulator holds a = 2 * acc; per channel {2 * bias, m, kc, e} (an_conv.h).  Each
// output is four instructions and its store: SMMLAR g = kc - [a < 0] + round(a * m / 2^32), then
// SSAT(g >> e, 8): no shift test, no doubling of m, no separate offset and rounding steps.

// The outputs of channel ch for the accumulators a0 (pixel 0) and a1 (pixel 1).
static inline __attribute__((always_inline)) void an_pq_out2(const int32_t *ch, int32_t a0, int32_t a1, int8_t *o0,
                                                             int8_t *o1) {
  const int32_t m = ch[1], kc = ch[2], e = ch[3];
  int32_t g0, g1, r0, r1;
  __asm__("smmlar %0, %1, %2, %3" : "=r"(g0) : "r"(a0), "r"(m), "r"(kc + (a0 >> 31)));
  __asm__("smmlar %0, %1, %2, %3" : "=r"(g1) : "r"(a1), "r"(m), "r"(kc + (a1 >> 31)));
  __asm__("ssat %0, #8, %1" : "=r"(r0) : "r"(g0 >> e));
  __asm__("ssat %0, #8, %1" : "=r"(r1) : "r"(g1 >> e));
  *o0 = (int8_t)r0;
  *o1 = (int8_t)r1;
}

// A group of `rows` (1-3) channels by the pixel pair (an_pw_group with the prepared records).
static inline __attribute__((always_inline)) const int16_t *an_pq_group(const int16_t *w, const int16_t *cols,
                                                                        const int32_t k4, const int rest,
                                                                        const int32_t *ch, const int32_t rows,
                                                                        int8_t *o0, int32_t out1) {
  int32_t acc[6] = {ch[0], ch[0], 0, 0, 0, 0};
  if (rows > 1) acc[2] = acc[3] = ch[4];
  if (rows > 2) acc[4] = acc[5] = ch[8];
  if (rows == 3) w = an_pw_dot3(w, cols, k4, rest, acc);
  if (rows == 2) w = an_pw_dot2(w, cols, k4, rest, acc);
  if (rows == 1) w = an_pw_dot1(w, cols, k4, rest, acc);
  an_pq_out2(ch, acc[0], acc[1], o0, o0 + out1);
  if (rows > 1) an_pq_out2(ch + 4, acc[2], acc[3], o0 + 1, o0 + out1 + 1);
  if (rows > 2) an_pq_out2(ch + 8, acc[4], acc[5], o0 + 2, o0 + out1 + 2);
  return w;
}

// An odd last group of two or one channels (once per pixel pair, shared by the variants).
static void __attribute__((noinline)) an_pq_tail(const int16_t *w, const int16_t *cols, int32_t k4, const int32_t *ch,
                                                 int32_t rows, int8_t *o0, int32_t out1) {
  if (rows == 2) {
    an_pq_group(w, cols, k4, 1, ch, 2, o0, out1);
  } else {
    an_pq_group(w, cols, k4, 1, ch, 1, o0, out1);
  }
}

// an_conv1x1_s8_prepared_w16 on a DSP core without the activation's clamps: K4 (0: p's) and rest as an_pw_run.
static inline __attribute__((always_inline)) void an_pq_run(const an_conv_params *p, const int8_t *input,
                                                            const int16_t *filter, const int32_t *channel,
                                                            int8_t *output, int16_t *scratch, const int32_t K4,
                                                            const int rest) {
  const int32_t n = p->in_c, k4 = K4 ? K4 : AN_CONV_K4(n), out_c = p->out_c, out_w = p->out_w;
  const int32_t pixels = p->out_h * out_w;
  const int32_t step_x = p->stride_w * n, step_y = p->stride_h * p->in_w * n;
  const int32_t groups = out_c / 3, tail = out_c - 3 * groups;
  const int32_t *const groups_end = channel + 12 * groups;
  // Stride 1: the output pixels are the input pixels, every batch's after the last (one run).
  const int contiguous = p->stride_w == 1 && p->stride_h == 1;
  const int32_t runs = contiguous ? 1 : p->batches, run_pixels = contiguous ? p->batches * pixels : pixels;
  for (int32_t k = n; k < k4; ++k) scratch[2 * (k & ~3) + (k & 3)] = scratch[2 * (k & ~3) + 4 + (k & 3)] = 0;
  for (int32_t b = 0; b < runs; ++b) {
    const int8_t *row = input + b * p->in_h * p->in_w * n;  // input row of the current output row
    int8_t *out0 = output + b * pixels * out_c;
    int32_t ox = 0;
    for (int32_t pix = 0; pix < run_pixels; pix += 2, out0 += 2 * out_c) {
      // An odd last pixel is computed twice (as both pixels of the pair), the copy dropped.
      const int two = pix + 1 < run_pixels;
      const int8_t *x0, *x1;
      if (contiguous) {
        x0 = input + pix * n;
        x1 = two ? x0 + n : x0;
      } else {
        x0 = row + ox * step_x;
        if (++ox == out_w) ox = 0, row += step_y;
        x1 = two ? row + ox * step_x : x0;
        if (two && ++ox == out_w) ox = 0, row += step_y;
      }
      if (K4 && n == K4) {
        an_pw_widen2(x0, x1, scratch, K4);  // unrolled
      } else {
        an_pw_widen2(x0, x1, scratch, n);
      }
      const int16_t *w = filter;
      const int32_t *ch = channel;
      int8_t *o0 = out0;
      const int32_t out1 = two ? out_c : 0;
      for (; ch < groups_end; ch += 12, o0 += 3) w = an_pq_group(w, scratch, k4, rest, ch, 3, o0, out1);
      if (K4 && K4 <= 16) {  // the odd last group inlined where the dot products are short
        if (tail == 2) an_pq_group(w, scratch, k4, rest, ch, 2, o0, out1);
        if (tail == 1) an_pq_group(w, scratch, k4, rest, ch, 1, o0, out1);
      } else if (tail) {
        an_pq_tail(w, scratch, k4, ch, tail, o0, out1);
      }
    }
  }
}

// ---- Four pixels by two channels (an_conv1x1_s8_prepared_w16 where AN_CONV_PREPARED_PAIRS: stride 1) ----
//
// Its dot products take 14 registers, which an unoptimised build (-O0, its frame pointer) does not leave: there
// the pairs layout goes to the plain-C loop.
#if defined(__OPTIMIZE__)
#define AN_P4 1
//
// The filter in groups of two rows (AN_CONV_W16_PAIRS, an_conv.h): per block of eight values row a's, then row
// b's (a last block of four values each where in_c % 8 == 4), each block of four in the order 0 2 1 3.  Four
// consecutive pixels are widened into a column buffer on the stack (8 * in_c bytes, no scratch): per four values q
// of two pixels j, j + 1 two loads, four SXTB16 ((x0, x2): h = 0, (x1, x3): h = 1) and two STRD, pixel j's half h
// at word 8 q + 4 h + j, so that the words of pixels 2 and 3 of a step are one LDRD.  Per two values the 2x4 block
// of dot products is two filter and two column words loaded in a row (five cycles), four SMLAD, one LDRD of the
// other two column words (three cycles), four SMLAD: 16 MACs in 16 cycles and 13 instructions, each channel's
// requantization values serving four outputs, each pixel's two outputs going out in one STRH.

// clang-format off
// Step S (values 2S, 2S + 1 of the block order) of a pair of rows (ROWS 2: a0-a3 row a, b0-b3 row b) or of one
// row (ROWS 1: a0-a3), the pixels' column words at byte 32 (S >> 1) + 16 (S & 1) + 4 j; the rows' words at byte
// FA (row a) and FB (row b) of the filter pointer: AN_P4_FA/FB in blocks of eight values, AN_P4_FA/FB_H in a
// last block of four (the H variants of the steps), AN_P4_F1(_H) for one row.
#define AN_P4_C(S) "(32*(" #S ">>1)+16*(" #S "&1))"
#define AN_P4_FA(S) "(32*(" #S ">>2)+4*(" #S "&3))"
#define AN_P4_FB(S) "(32*(" #S ">>2)+4*(" #S "&3)+16)"
#define AN_P4_FA_H(S) "(4*" #S ")"
#define AN_P4_FB_H(S) "(4*" #S "+8)"
#define AN_P4_F1(S) "(16*(" #S ">>2)+4*(" #S "&3))"
#define AN_P4_STEP2_AT(S, FA, FB)                                                              \
  "ldr %[f0], [%[w], #" FA "]\n\tldr %[f1], [%[w], #" FB "]\n\t"                               \
  "ldr %[x0], [%[c], #" AN_P4_C(S) "]\n\tldr %[x1], [%[c], #(" AN_P4_C(S) "+4)]\n\t"           \
  "smlad %[a0], %[f0], %[x0], %[a0]\n\tsmlad %[b0], %[f1], %[x0], %[b0]\n\t"                   \
  "smlad %[a1], %[f0], %[x1], %[a1]\n\tsmlad %[b1], %[f1], %[x1], %[b1]\n\t"                   \
  "ldrd %[x0], %[x1], [%[c], #(" AN_P4_C(S) "+8)]\n\t"                                         \
  "smlad %[a2], %[f0], %[x0], %[a2]\n\tsmlad %[b2], %[f1], %[x0], %[b2]\n\t"                   \
  "smlad %[a3], %[f0], %[x1], %[a3]\n\tsmlad %[b3], %[f1], %[x1], %[b3]\n\t"
#define AN_P4_STEP1_AT(S, F)                                                                   \
  "ldr %[f0], [%[w], #" F "]\n\t"                                                              \
  "ldr %[x0], [%[c], #" AN_P4_C(S) "]\n\tldr %[x1], [%[c], #(" AN_P4_C(S) "+4)]\n\t"           \
  "ldr %[f1], [%[c], #(" AN_P4_C(S) "+8)]\n\tldr %[b0], [%[c], #(" AN_P4_C(S) "+12)]\n\t"      \
  "smlad %[a0], %[f0], %[x0], %[a0]\n\tsmlad %[a1], %[f0], %[x1], %[a1]\n\t"                   \
  "smlad %[a2], %[f0], %[f1], %[a2]\n\tsmlad %[a3], %[f0], %[b0], %[a3]\n\t"
// The same for the last one or two pixels (pixels 0 and 1 only): ROWS 2P, 1P.
#define AN_P4_STEP2P_AT(S, FA, FB)                                                             \
  "ldr %[f0], [%[w], #" FA "]\n\tldr %[f1], [%[w], #" FB "]\n\t"                               \
  "ldr %[x0], [%[c], #" AN_P4_C(S) "]\n\tldr %[x1], [%[c], #(" AN_P4_C(S) "+4)]\n\t"           \
  "smlad %[a0], %[f0], %[x0], %[a0]\n\tsmlad %[b0], %[f1], %[x0], %[b0]\n\t"                   \
  "smlad %[a1], %[f0], %[x1], %[a1]\n\tsmlad %[b1], %[f1], %[x1], %[b1]\n\t"
#define AN_P4_STEP1P_AT(S, F)                                                                  \
  "ldr %[f0], [%[w], #" F "]\n\t"                                                              \
  "ldr %[x0], [%[c], #" AN_P4_C(S) "]\n\tldr %[x1], [%[c], #(" AN_P4_C(S) "+4)]\n\t"           \
  "smlad %[a0], %[f0], %[x0], %[a0]\n\tsmlad %[a1], %[f0], %[x1], %[a1]\n\t"
#define AN_P4_STEP_2(S) AN_P4_STEP2_AT(S, AN_P4_FA(S), AN_P4_FB(S))
#define AN_P4_STEP_2H(S) AN_P4_STEP2_AT(S, AN_P4_FA_H(S), AN_P4_FB_H(S))
#define AN_P4_STEP_1(S) AN_P4_STEP1_AT(S, AN_P4_F1(S))
#define AN_P4_STEP_1H(S) AN_P4_STEP1_AT(S, AN_P4_FA_H(S))
#define AN_P4_STEP_2P(S) AN_P4_STEP2P_AT(S, AN_P4_FA(S), AN_P4_FB(S))
#define AN_P4_STEP_2PH(S) AN_P4_STEP2P_AT(S, AN_P4_FA_H(S), AN_P4_FB_H(S))
#define AN_P4_STEP_1P(S) AN_P4_STEP1P_AT(S, AN_P4_F1(S))
#define AN_P4_STEP_1PH(S) AN_P4_STEP1P_AT(S, AN_P4_FA_H(S))
#define AN_P4_STEPS4(R, S) AN_P4_STEP_##R((S)) AN_P4_STEP_##R((S + 1)) AN_P4_STEP_##R((S + 2)) AN_P4_STEP_##R((S + 3))
#define AN_P4_STEPS_4(R) AN_P4_STEP_##R##H((0)) AN_P4_STEP_##R##H((1))
#define AN_P4_STEPS_8(R) AN_P4_STEPS4(R, 0)
#define AN_P4_STEPS_16(R) AN_P4_STEPS4(R, 0) AN_P4_STEPS4(R, 4)
#define AN_P4_STEPS_24(R) AN_P4_STEPS4(R, 0) AN_P4_STEPS4(R, 4) AN_P4_STEPS4(R, 8)
#define AN_P4_STEPS_32(R) AN_P4_STEPS4(R, 0) AN_P4_STEPS4(R, 4) AN_P4_STEPS4(R, 8) AN_P4_STEPS4(R, 12)
#define AN_P4_ASM(TEXT)                                                                                 \
  __asm__(TEXT                                                                                          \
          : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [b0] "+r"(b0), [b1] "+r"(b1),   \
            [b2] "+r"(b2), [b3] "+r"(b3), [f0] "=&r"(f0), [f1] "=&r"(f1), [x0] "=&r"(x0), [x1] "=&r"(x1) \
          : [c] "r"(c), [w] "r"(w)                                                                      \
          : "memory")
// clang-format on

// One output of record ch for accumulator a (an_pq_out2's arithmetic).
static inline __attribute__((always_inline)) int32_t an_p4_out(int32_t a, int32_t m, int32_t kc, int32_t e) {
  int32_t g, r;
  __asm__("smmlar %0, %1, %2, %3" : "=r"(g) : "r"(a), "r"(m), "r"(kc + (a >> 31)));
  __asm__("ssat %0, #8, %1" : "=r"(r) : "r"(g >> e));
  return r;
}

// Row a's output (low byte) and row b's (high byte) of one pixel as a halfword at o.
static inline __attribute__((always_inline)) void an_p4_store2(int8_t *o, int32_t ra, int32_t rb) {
  __asm__("bfi %0, %1, #8, #24" : "+r"(ra) : "r"(rb));
  const int16_t h = (int16_t)ra;
  memcpy(o, &h, 2);
}

// a0-a3 (row a) and b0-b3 (row b; R 2, 2P) += the rows . the four pixels' columns (R 2, 1) or the first two's
// (R 2P, 1P) over K4 values (0: k4, any multiple of four: passes of 32, then 16, 8, 4); N rows at w, the columns
// at c.  A pass of the values STEPS at cc and ww, which it advances by CB and WB bytes (the next pass's); the last
// block of four values at cc and ww (AN_P4_TAIL, which advances nothing: with the advancing form GCC -Og found no
// registers).
// clang-format off
#define AN_P4_PASS(STEPS, CB, WB)                                                                                    \
  __asm__(STEPS "add %[c], %[c], #" #CB "\n\tadd %[w], %[w], #" #WB                                                  \
          : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [b0] "+r"(b0), [b1] "+r"(b1), [b2] "+r"(b2), \
            [b3] "+r"(b3), [f0] "=&r"(f0), [f1] "=&r"(f1), [x0] "=&r"(x0), [x1] "=&r"(x1), [c] "+r"(cc), [w] "+r"(ww) \
          :                                                                                                          \
          : "memory")
#define AN_P4_TAIL(TEXT)                                                                                \
  __asm__(TEXT                                                                                          \
          : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [b0] "+r"(b0), [b1] "+r"(b1),   \
            [b2] "+r"(b2), [b3] "+r"(b3), [f0] "=&r"(f0), [f1] "=&r"(f1), [x0] "=&r"(x0), [x1] "=&r"(x1) \
          : [c] "r"(cc), [w] "r"(ww)                                                                    \
          : "memory")
#define AN_P4_DOT(R, N)                                                      \
  do {                                                                       \
    if (K4 == 8) AN_P4_ASM(AN_P4_STEPS_8(R));                                \
    if (K4 == 16) AN_P4_ASM(AN_P4_STEPS_16(R));                              \
    if (K4 == 24) AN_P4_ASM(AN_P4_STEPS_24(R));                              \
    if (K4 == 32) AN_P4_ASM(AN_P4_STEPS_32(R));                              \
    if (!K4 && !rest) {                                                      \
      const int32_t *cc = c;                                                 \
      const int16_t *ww = w, *const w_end = w + (N) * k4;                    \
      do {                                                                   \
        AN_P4_PASS(AN_P4_STEPS_32(R), 256, 64 * N);                          \
      } while (ww < w_end);                                                  \
    }                                                                        \
    if (!K4 && rest) {                                                       \
      const int32_t *cc = c;                                                 \
      const int16_t *ww = w, *const w32_end = w + (N) * (k4 & ~31);          \
      while (ww < w32_end) AN_P4_PASS(AN_P4_STEPS_32(R), 256, 64 * N);       \
      if (k4 & 16) AN_P4_PASS(AN_P4_STEPS_16(R), 128, 32 * N);               \
      if (k4 & 8) AN_P4_PASS(AN_P4_STEPS_8(R), 64, 16 * N);                  \
      if (k4 & 4) AN_P4_TAIL(AN_P4_STEPS_4(R));                              \
    }                                                                        \
  } while (0)
// clang-format on

// The outputs of a pair of channels (records {2 * bias, m, kc, e} at ch) for four consecutive pixels from their
// accumulators a0-a3 (row a) and b0-b3 (row b): an_p4_out's arithmetic (m, kc, e in three registers per row, t the
// sign-corrected kc) and an_p4_store2's halfword per pixel at o + j * out_c (ch, o and out_c from the stack: 12
// registers; with 13 or 14, GCC's -O1 / hard-float allocations found no registers for them).
// clang-format off
#define AN_P4_RQ(A)                                                                                        \
  "add %[t], %[k], %[" #A "], asr #31\n\tsmmlar %[" #A "], %[" #A "], %[m], %[t]\n\t"                     \
  "asr %[" #A "], %[" #A "], %[e]\n\tssat %[" #A "], #8, %[" #A "]\n\t"
#define AN_P4_OUT4()                                                                                       \
  __asm__ volatile("ldr %[m], [%[ch], #4]\n\tldr %[k], [%[ch], #8]\n\tldr %[e], [%[ch], #12]\n\t"        \
                   AN_P4_RQ(a0) AN_P4_RQ(a1) AN_P4_RQ(a2) AN_P4_RQ(a3)                                     \
                   "ldr %[m], [%[ch], #20]\n\tldr %[k], [%[ch], #24]\n\tldr %[e], [%[ch], #28]\n\t"      \
                   AN_P4_RQ(b0) AN_P4_RQ(b1) AN_P4_RQ(b2) AN_P4_RQ(b3)                                     \
                   "ldr %[m], %[s]\n\tldr %[k], %[o]\n\t"                                                \
                   "bfi %[a0], %[b0], #8, #24\n\tstrh %[a0], [%[k]]\n\t"                                  \
                   "bfi %[a1], %[b1], #8, #24\n\tstrh %[a1], [%[k], %[m]]\n\t"                            \
                   "add %[e], %[k], %[m], lsl #1\n\t"                                                     \
                   "bfi %[a2], %[b2], #8, #24\n\tstrh %[a2], [%[e]]\n\t"                                  \
                   "bfi %[a3], %[b3], #8, #24\n\tstrh %[a3], [%[e], %[m]]\n\t"                            \
                   "add %[k], %[k], #2\n\tstr %[k], %[o]"                                                  \
                   : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [b0] "+r"(b0),            \
                     [b1] "+r"(b1), [b2] "+r"(b2), [b3] "+r"(b3), [m] "=&r"(m), [k] "=&r"(k), [e] "=&r"(e), \
                     [t] "=&r"(t), [o] "+m"(o_mem)                                                         \
                   : [ch] "r"(ch), [s] "m"(s_mem)                                                          \
                   : "memory")
// clang-format on

// The output channels of four pixels (four: 1) or of the first two (four: 0) from the columns in cols: outputs of
// pixel j at o + at[j] (a pixel past the last: the last's again; at 0: four consecutive pixels, j * out_c).
static inline __attribute__((always_inline)) void an_p4_channels(const an_conv_params *p, const int16_t *w,
                                                                 const int32_t *ch, const int32_t *c, int8_t *o,
                                                                 const int32_t *at, const int32_t K4, const int rest,
                                                                 const int four) {
  const int32_t out_c = p->out_c, k4 = K4 ? K4 : p->in_c;
  const int32_t *const pairs_end = ch + 8 * (out_c >> 1);
  const int32_t s1 = at ? at[1] : out_c, s2 = at ? at[2] : 2 * out_c, s3 = at ? at[3] : 3 * out_c;
  // Consecutive pixels (AN_P4_OUT4): the output pointer and the pixel stride on the stack (13 registers).
  int8_t *volatile o_mem = o;
  volatile int32_t s_mem = out_c;
  for (; ch < pairs_end; ch += 8, o += 2, w += 2 * k4) {
    int32_t a0 = ch[0], a1 = a0, a2 = a0, a3 = a0, b0 = ch[4], b1 = b0, b2 = b0, b3 = b0, f0, f1, x0, x1;
    if (four) {
      AN_P4_DOT(2, 2);
    } else {
      AN_P4_DOT(2P, 2);
    }
    if (four && !at) {  // consecutive pixels: the requantization and stores in one asm statement (no spills)
      int32_t m, k, e, t;
      AN_P4_OUT4();  // o_mem advanced by two
      continue;
    }
    const int32_t ma = ch[1], ka = ch[2], ea = ch[3];
    a0 = an_p4_out(a0, ma, ka, ea), a1 = an_p4_out(a1, ma, ka, ea);
    if (four) a2 = an_p4_out(a2, ma, ka, ea), a3 = an_p4_out(a3, ma, ka, ea);
    const int32_t mb = ch[5], kb = ch[6], eb = ch[7];
    an_p4_store2(o, a0, an_p4_out(b0, mb, kb, eb));
    an_p4_store2(o + s1, a1, an_p4_out(b1, mb, kb, eb));
    if (four) {
      an_p4_store2(o + s2, a2, an_p4_out(b2, mb, kb, eb));
      an_p4_store2(o + s3, a3, an_p4_out(b3, mb, kb, eb));
    }
  }
  if (four && !at) o = o_mem;
  if (out_c & 1) {  // the odd last channel (f1 and b0 column registers)
    int32_t a0 = ch[0], a1 = a0, a2 = a0, a3 = a0, b0 = 0, b1 = 0, b2 = 0, b3 = 0, f0, f1, x0, x1;
    if (four) {
      AN_P4_DOT(1, 1);
    } else {
      AN_P4_DOT(1P, 1);
    }
    (void)b1, (void)b2, (void)b3;
    const int32_t ma = ch[1], ka = ch[2], ea = ch[3];
    o[0] = (int8_t)an_p4_out(a0, ma, ka, ea);
    o[s1] = (int8_t)an_p4_out(a1, ma, ka, ea);
    if (four) {
      o[s2] = (int8_t)an_p4_out(a2, ma, ka, ea);
      o[s3] = (int8_t)an_p4_out(a3, ma, ka, ea);
    }
  }
}
#undef AN_P4_DOT
#undef AN_P4_TAIL
#undef AN_P4_PASS
#undef AN_P4_OUT4
#undef AN_P4_RQ

// an_conv1x1_s8_prepared_w16 at stride 1 with in_c = K4 (8, 16, 24, 32; 0: any multiple of four up to
// AN_CONV_PREPARED_PAIRS_MAX_C), without the activation's clamps; cols: 8 * in_c bytes (the caller's stack).  Blocks
// of four pixels, a last block of three with the last pixel twice, of two or one (the last twice) by the two-pixel
// steps.
static inline __attribute__((always_inline)) void an_p4_run(const an_conv_params *p, const int8_t *input,
                                                            const int16_t *filter, const int32_t *channel,
                                                            int8_t *output, const int32_t K4, const int rest,
                                                            int32_t *cols) {
  const int32_t out_c = p->out_c, pixels = p->batches * p->out_h * p->out_w, k4 = K4 ? K4 : p->in_c;
  int32_t pix = 0;
  // Blocks of four pixels: their inputs k4 bytes apart, their outputs out_c.
  for (; pix + 4 <= pixels; pix += 4) {
    const int8_t *x = input + pix * k4;
    int32_t *d = cols;
    for (int32_t k = 0; k < k4; k += 4, d += 8) {
      const uint32_t v0 = an_read_u32(x + k), v1 = an_read_u32(x + k4 + k);
      const uint32_t v2 = an_read_u32(x + 2 * k4 + k), v3 = an_read_u32(x + 3 * k4 + k);
      __asm__("strd %1, %2, [%0]" ::"r"(d), "r"(__sxtb16(v0)), "r"(__sxtb16(v1)) : "memory");
      __asm__("strd %1, %2, [%0, #8]" ::"r"(d), "r"(__sxtb16(v2)), "r"(__sxtb16(v3)) : "memory");
      __asm__("strd %1, %2, [%0, #16]" ::"r"(d), "r"(an_sxtb16_ror8(v0)), "r"(an_sxtb16_ror8(v1)) : "memory");
      __asm__("strd %1, %2, [%0, #24]" ::"r"(d), "r"(an_sxtb16_ror8(v2)), "r"(an_sxtb16_ror8(v3)) : "memory");
    }
    an_p4_channels(p, filter, channel, cols, output + pix * out_c, 0, K4, rest, 1);
  }
  if (pix < pixels) {
    // The last one to three pixels: a pixel past the last is the last again (its outputs stored over the last's,
    // the same values; no input is read after an output is written); two or one by the two-pixel steps.
    const int32_t last = pixels - 1 - pix, four = last >= 2;
    int32_t at[4], q[4];
    for (int32_t j = 0; j < 4; ++j) q[j] = j < last ? j : last, at[j] = q[j] * out_c;
    for (int32_t j = 0; j < (four ? 4 : 2); j += 2) {
      const int8_t *x0 = input + (pix + q[j]) * k4, *x1 = input + (pix + q[j + 1]) * k4;
      int32_t *d = cols + j;
      for (int32_t k = 0; k < k4; k += 4, d += 8) {
        const uint32_t v0 = an_read_u32(x0 + k), v1 = an_read_u32(x1 + k);
        __asm__("strd %1, %2, [%0]" ::"r"(d), "r"(__sxtb16(v0)), "r"(__sxtb16(v1)) : "memory");
        __asm__("strd %1, %2, [%0, #16]" ::"r"(d), "r"(an_sxtb16_ror8(v0)), "r"(an_sxtb16_ror8(v1)) : "memory");
      }
    }
    if (four) {
      an_p4_channels(p, filter, channel, cols, output + pix * out_c, at, K4, rest, 1);
    } else {
      an_p4_channels(p, filter, channel, cols, output + pix * out_c, at, K4, rest, 0);
    }
  }
}
#undef AN_P4_ASM
#undef AN_P4_STEPS_32
#undef AN_P4_STEPS_24
#undef AN_P4_STEPS_16
#undef AN_P4_STEPS_8
#undef AN_P4_STEPS_4
#undef AN_P4_STEPS4
#undef AN_P4_STEP_1PH
#undef AN_P4_STEP_1P
#undef AN_P4_STEP_2PH
#undef AN_P4_STEP_2P
#undef AN_P4_STEP_1H
#undef AN_P4_STEP_1
#undef AN_P4_STEP_2H
#undef AN_P4_STEP_2
#undef AN_P4_STEP1P_AT
#undef AN_P4_STEP2P_AT
#undef AN_P4_STEP1_AT
#undef AN_P4_STEP2_AT
#undef AN_P4_F1
#undef AN_P4_FB_H
#undef AN_P4_FA_H
#undef AN_P4_FB
#undef AN_P4_FA
#undef AN_P4_C

// The four-pixel functions' attributes.  general-regs-only: their asm statements need 12 to 14 core registers; with
// an FPU, GCC -O1 (hard or softfp float ABI) keeps values in VFP registers across them and then finds no core
// registers ("asm operand has impossible constraints").  They use no floating point; at -O2 it moves a few register
// copies (vww's 1x1 layers: the same cycles, bench/conv_layers.py).
#define AN_P4_FN __attribute__((noinline, target("general-regs-only")))
static void AN_P4_FN an_p4_k8(const an_conv_params *p, const int8_t *input, const int16_t *filter,
                              const int32_t *channel, int8_t *output) {
  int32_t cols[2 * 8];  // four pixels' columns (8 * K4 bytes)
  an_p4_run(p, input, filter, channel, output, 8, 0, cols);
}
static void AN_P4_FN an_p4_k16(const an_conv_params *p, const int8_t *input, const int16_t *filter,
                               const int32_t *channel, int8_t *output) {
  int32_t cols[2 * 16];  // four pixels' columns (8 * K4 bytes)
  an_p4_run(p, input, filter, channel, output, 16, 0, cols);
}
static void AN_P4_FN an_p4_k24(const an_conv_params *p, const int8_t *input, const int16_t *filter,
                               const int32_t *channel, int8_t *output) {
  int32_t cols[2 * 24];  // four pixels' columns (8 * K4 bytes)
  an_p4_run(p, input, filter, channel, output, 24, 0, cols);
}
static void AN_P4_FN an_p4_k32(const an_conv_params *p, const int8_t *input, const int16_t *filter,
                               const int32_t *channel, int8_t *output) {
  int32_t cols[2 * 32];  // four pixels' columns (8 * K4 bytes)
  an_p4_run(p, input, filter, channel, output, 32, 0, cols);
}
// in_c 64, 96, ... 192: passes of 32 values, each asm statement advancing its pointers (nothing else live across it).
static void AN_P4_FN an_p4_k32n(const an_conv_params *p, const int8_t *input, const int16_t *filter,
                                const int32_t *channel, int8_t *output) {
  int32_t cols[2 * AN_CONV_PREPARED_PAIRS_MAX_C];  // four pixels' columns (8 * K4 bytes)
  an_p4_run(p, input, filter, channel, output, 0, 0, cols);
}
// Any other in_c (a multiple of four up to AN_CONV_PREPARED_PAIRS_MAX_C): passes of 32 values, then 16, 8, 4.
static void AN_P4_FN an_p4_any(const an_conv_params *p, const int8_t *input, const int16_t *filter,
                               const int32_t *channel, int8_t *output) {
  int32_t cols[2 * AN_CONV_PREPARED_PAIRS_MAX_C];  // four pixels' columns (8 * K4 bytes)
  an_p4_run(p, input, filter, channel, output, 0, 1, cols);
}
#undef AN_P4_FN
#else
#define AN_P4 0
#endif

#define AN_PQ_VARIANT(NAME, K4, REST)                                                                             \
  static void __attribute__((noinline)) NAME(const an_conv_params *p, const int8_t *input, const int16_t *filter, \
                                             const int32_t *channel, int8_t *output, int16_t *scratch) {          \
    an_pq_run(p, input, filter, channel, output, scratch, K4, REST);                                              \
  }
AN_PQ_VARIANT(an_pq_k8, 8, 1)
AN_PQ_VARIANT(an_pq_k16, 16, 1)
AN_PQ_VARIANT(an_pq_k32, 32, 1)
AN_PQ_VARIANT(an_pq_k32n, 0, 0)
AN_PQ_VARIANT(an_pq_any, 0, 1)
#undef AN_PQ_VARIANT

#endif

void an_conv1x1_s8(const an_conv_params *p, const int8_t *input, const int8_t *filter, const int32_t *channel,
                   int8_t *output, int16_t *scratch) {
#if AN_USE_MVE
  (void)scratch;
  an_conv1x1_s8_mve(p, input, filter, channel, output);
  return;
#endif
  an_conv1x1_impl(p, input, filter, 0, channel, output, scratch);
}

void an_conv1x1_s8_w16(const an_conv_params *p, const int8_t *input, const int16_t *filter, const int32_t *channel,
                       int8_t *output, int16_t *scratch) {
#if AN_USE_DSP && !AN_USE_MVE
  {
    switch (AN_CONV_K4(p->in_c)) {
      case 8:
        an_pw_k8(p, input, filter, channel, output, scratch);
        break;
      case 16:
        an_pw_k16(p, input, filter, channel, output, scratch);
        break;
      case 32:
        an_pw_k32(p, input, filter, channel, output, scratch);
        break;
      default:
        if (AN_CONV_K4(p->in_c) % 32 == 0) {
          an_pw_k32n(p, input, filter, channel, output, scratch);
        } else {
          an_pw_any(p, input, filter, channel, output, scratch);
        }
    }
  }
  if (p->act_min > -128 || p->act_max < 127) {
    an_pw_clamp(output, p->batches * p->out_h * p->out_w * p->out_c, p->act_min, p->act_max);
  }
  return;
#endif
  an_conv1x1_impl(p, input, 0, filter, channel, output, scratch);
}

// Input pixel x (n values, a multiple of four) as pixel j of an_widen_s8_pair's interleaved columns, each block of
// four in the order 0 2 1 3 (the AN_CONV_W16_PAIRS filter layout's).
static void an_pq_widen_pairs(const int8_t *x, int16_t *cols, int32_t j, int32_t n) {
  int16_t *dst = cols + 4 * j;
  for (const int8_t *const end = x + n; x < end; x += 4, dst += 8) {
    dst[0] = x[0], dst[1] = x[2], dst[2] = x[1], dst[3] = x[3];
  }
}

#if !AN_USE_DSP && !AN_USE_MVE
// Rows w0, w1, w2 (`rows`: 1-3, a constant where inlined) of the pairs layout, each row's eight values of a block
// `step` values after the last block's (16 in a group of two, 8 for an odd last row), K4 a multiple of four, by
// the pixel pair of cols (an_widen_s8_pair's layout, each block of four as 0 2 1 3): as an_w16_dot_any in plain C,
// three rows across groups of two so that each column value loaded serves three rows.  A last block of four
// values (K4 % 8 == 4) holds each row's four values four places closer to the group's start: row r's there
// back[r] (4 for the second row of a group of two, else 0) values before where a block of eight has them.
static inline __attribute__((always_inline)) void an_pq_pairs_dot(const int16_t *w0, const int16_t *w1,
                                                                  const int16_t *w2, const int32_t *back, int32_t step,
                                                                  const int16_t *cols, int32_t k4, int32_t rows,
                                                                  int32_t *acc) {
  uint32_t a0 = (uint32_t)acc[0], a1 = (uint32_t)acc[1], a2 = (uint32_t)acc[2];
  uint32_t a3 = (uint32_t)acc[3], a4 = (uint32_t)acc[4], a5 = (uint32_t)acc[5];
#define AN_PQ_PAIRS_TAP(T)                                                                      \
  do {                                                                                          \
    const int32_t x0 = cols[((T)&3) + ((T) >> 2) * 8], x1 = cols[((T)&3) + ((T) >> 2) * 8 + 4]; \
    a0 += (uint32_t)(w0[T] * x0);                                                               \
    a1 += (uint32_t)(w0[T] * x1);                                                               \
    if (rows > 1) {                                                                             \
      a2 += (uint32_t)(w1[T] * x0);                                                             \
      a3 += (uint32_t)(w1[T] * x1);                                                             \
    }                                                                                           \
    if (rows > 2) {                                                                             \
      a4 += (uint32_t)(w2[T] * x0);                                                             \
      a5 += (uint32_t)(w2[T] * x1);                                                             \
    }                                                                                           \
  } while (0)
  for (const int16_t *const end = cols + 2 * (k4 & ~7); cols < end; cols += 16, w0 += step, w1 += step, w2 += step) {
    AN_PQ_PAIRS_TAP(0);
    AN_PQ_PAIRS_TAP(1);
    AN_PQ_PAIRS_TAP(2);
    AN_PQ_PAIRS_TAP(3);
    AN_PQ_PAIRS_TAP(4);
    AN_PQ_PAIRS_TAP(5);
    AN_PQ_PAIRS_TAP(6);
    AN_PQ_PAIRS_TAP(7);
  }
  if (k4 & 4) {
    w0 -= back[0];
    if (rows > 1) w1 -= back[1];
    if (rows > 2) w2 -= back[2];
    AN_PQ_PAIRS_TAP(0);
    AN_PQ_PAIRS_TAP(1);
    AN_PQ_PAIRS_TAP(2);
    AN_PQ_PAIRS_TAP(3);
  }
#undef AN_PQ_PAIRS_TAP
  acc[0] = (int32_t)a0, acc[1] = (int32_t)a1, acc[2] = (int32_t)a2;
  acc[3] = (int32_t)a3, acc[4] = (int32_t)a4, acc[5] = (int32_t)a5;
}

// Output channels [0, out_c) of a pixel pair from the pairs layout's filter w (K4 values a row) and prepared
// records ch, three rows at a time (plain C).
static void an_pq_pairs_channels(an_conv_out_params q, const int16_t *w, const int16_t *cols, int32_t k4,
                                 const int32_t *ch, int32_t out_c, int8_t *o0, int8_t *o1) {
  const int32_t paired = out_c & ~1;  // rows in groups of two; an odd last row alone, its blocks 8 values apart
#define AN_PQ_PAIRS_ROW(i) (w + ((i) >> 1) * 2 * k4 + ((i)&1) * 8)
  int32_t i = 0;
  for (; i + 3 <= paired; i += 3) {
    int32_t acc[6] = {ch[4 * i], ch[4 * i], ch[4 * i + 4], ch[4 * i + 4], ch[4 * i + 8], ch[4 * i + 8]};
    const int32_t back[3] = {(i & 1) * 4, ((i + 1) & 1) * 4, ((i + 2) & 1) * 4};
    an_pq_pairs_dot(AN_PQ_PAIRS_ROW(i), AN_PQ_PAIRS_ROW(i + 1), AN_PQ_PAIRS_ROW(i + 2), back, 16, cols, k4, 3, acc);
    an_pq_plain_out(q, ch + 4 * i, acc, 3, o0 + i, o1 + i);
  }
  for (; i < out_c; ++i) {
    int32_t acc[6] = {ch[4 * i], ch[4 * i], 0, 0, 0, 0};
    const int single = i == paired;
    const int32_t back[3] = {single ? 0 : (i & 1) * 4, 0, 0};
    an_pq_pairs_dot(single ? w + i * k4 : AN_PQ_PAIRS_ROW(i), 0, 0, back, single ? 8 : 16, cols, k4, 1, acc);
    an_pq_plain_out(q, ch + 4 * i, acc, 1, o0 + i, o1 + i);
  }
#undef AN_PQ_PAIRS_ROW
}
#endif

void an_conv1x1_s8_prepared_w16(const an_conv_params *p, const int8_t *input, const int16_t *filter,
                                const int32_t *channel, int8_t *output, int16_t *scratch) {
  const int pairs = AN_CONV_PREPARED_PAIRS(p->in_c, p->stride_h, p->stride_w);
#if AN_USE_DSP && !AN_USE_MVE
  // The pairs layout where an_p4_* do not run (-O0): the plain-C loop below.
  const int plain = pairs && !AN_P4;
  switch (plain ? -2 : pairs ? -1 : AN_CONV_K4(p->in_c)) {
    case -2:
      break;
    case -1:
#if AN_P4
      if (p->in_c == 8) {
        an_p4_k8(p, input, filter, channel, output);
      } else if (p->in_c == 16) {
        an_p4_k16(p, input, filter, channel, output);
      } else if (p->in_c == 24) {
        an_p4_k24(p, input, filter, channel, output);
      } else if (p->in_c == 32) {
        an_p4_k32(p, input, filter, channel, output);
      } else if (p->in_c % 32 == 0) {
        an_p4_k32n(p, input, filter, channel, output);
      } else {
        an_p4_any(p, input, filter, channel, output);
      }
#endif
      break;
    case 8:
      an_pq_k8(p, input, filter, channel, output, scratch);
      break;
    case 16:
      an_pq_k16(p, input, filter, channel, output, scratch);
      break;
    case 32:
      an_pq_k32(p, input, filter, channel, output, scratch);
      break;
    default:
      if (AN_CONV_K4(p->in_c) % 32 == 0) {
        an_pq_k32n(p, input, filter, channel, output, scratch);
      } else {
        an_pq_any(p, input, filter, channel, output, scratch);
      }
  }
  if (!plain) {
    if (p->act_min > -128 || p->act_max < 127) {
      an_pw_clamp(output, p->batches * p->out_h * p->out_w * p->out_c, p->act_min, p->act_max);
    }
    return;
  }
#endif
  // Plain C (an_conv1x1_impl's loop): per pair of output pixels both input pixels widened once into scratch (two
  // interleaved columns of K4 values, the padding to K4 zeroed once; in the pairs layout each block of four as
  // 0 2 1 3), then each group of three (pairs layout: two) channels by the pixel pair (an_kxk_pq_channels).
  const int32_t n = p->in_c, k4 = AN_CONV_K4(n), out_c = p->out_c, out_w = p->out_w;
  const int32_t pixels = p->out_h * out_w;
  const int32_t step_x = p->stride_w * n, step_y = p->stride_h * p->in_w * n;
  const an_conv_out_params q = {p->output_offset, p->act_min, p->act_max};
  for (int32_t k = n; k < k4; ++k) scratch[2 * (k & ~3) + (k & 3)] = scratch[2 * (k & ~3) + 4 + (k & 3)] = 0;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *row = input + b * p->in_h * p->in_w * n;  // input row of the current output row
    int8_t *out0 = output + b * pixels * out_c;
    int32_t ox = 0;
    for (int32_t pix = 0; pix < pixels; pix += 2, out0 += 2 * out_c) {
      // An odd last pixel is computed twice (as both pixels of the pair), the copy dropped.
      const int8_t *x0 = row + ox * step_x;
      if (++ox == out_w) ox = 0, row += step_y;
      const int two = pix + 1 < pixels;
      const int8_t *x1 = two ? row + ox * step_x : x0;
      if (two && ++ox == out_w) ox = 0, row += step_y;
      if (pairs) {
        an_pq_widen_pairs(x0, scratch, 0, n);
        an_pq_widen_pairs(x1, scratch, 1, n);
      } else {
        an_widen_s8_pair(x0, scratch, 0, 0, n);
        an_widen_s8_pair(x1, scratch, 0, 1, n);
      }
#if !AN_USE_DSP && !AN_USE_MVE
      if (pairs) {
        an_pq_pairs_channels(q, filter, scratch, k4, channel, out_c, out0, out0 + (two ? out_c : 0));
        continue;
      }
#endif
      an_kxk_pq_channels(q, filter, scratch, k4, channel, out_c, pairs ? 2 : 3, out0, out0 + (two ? out_c : 0));
    }
  }
}
