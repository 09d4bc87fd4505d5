// attendnets compiled runtime: int8 CONV_2D with int16 filters (an_conv.h's _w16): the KxK kernels
// an_conv2d_s8_w16 and an_conv2d_s8_prepared_w16 (their segment-padded im2col, the 3x3 first layers of one or
// three channels), and the channel loops of int16 filter rows every int16-filter kernel runs where it has no
// DSP-specific one (an_conv_channels_w16, an_kxk_pq_channels).  Bit-exact with TFLM's
// reference_integer_ops::ConvPerChannel.
#include "an_conv.h"

#include "an_conv_internal.h"

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
#if !AN_CONV_SHARED_LOOPS
static
#endif
    void
    an_conv_channels_w16(an_conv_out_params q, const int16_t *w, const int16_t *cols, int32_t k4, const int32_t *ch,
                         int32_t n, int8_t *o0, int32_t out1_offset) {
#if AN_USE_DSP && !AN_USE_MVE
  if (q.hi == 127) {
    an_w16_channels(q, w, cols, k4, ch, n, o0, o0 + out1_offset, 0);
    return;
  }
#endif
  an_w16_channels(q, w, cols, k4, ch, n, o0, o0 + out1_offset, 1);
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

// The prepared 3x3 first layers' columns (an_conv.h AN_CONV_KXK3_FIRST; codegen/compiled/ops/conv.py:
// KXK3_FIRST_POSITIONS, the same positions): K4 = 28 positions for three input channels (each receptive-field
// row's values 0-7 as SXTB16 gives them, (0, 2) (1, 3) (4, 6) (5, 7), then rows 0 and 2's ninth values and row 1's),
// 12 for one ((x0, x2) of each row, rows 0 and 1's middle values together, row 2's with a zero, one pair unused):
// 14 or 5 SMLAD steps per pixel instead of 15 or 6.  Pixel j's column at cols + 4 j, the positions in their
// stored order (no reordering within a block of four).  DSP cores: an_kxk3p_widen / an_kxk3p_widen2 (asm).
#if !(AN_USE_DSP && !AN_USE_MVE)
// Plain C: the column of the receptive field whose rows are at src, row_step bytes apart (n input channels), at
// dst.
static inline __attribute__((always_inline)) void an_kxk3p_place(const int8_t *src, int32_t row_step, int16_t *dst,
                                                                 int32_t n) {
  const int8_t *s1 = src + row_step, *s2 = s1 + row_step;
  if (n == 3) {
    for (int32_t ky = 0; ky < 3; ++ky, dst += 16) {
      const int8_t *s = src + ky * row_step;
      dst[0] = s[0], dst[1] = s[2], dst[2] = s[1], dst[3] = s[3];
      dst[8] = s[4], dst[9] = s[6], dst[10] = s[5], dst[11] = s[7];
    }
    dst[0] = src[8], dst[1] = s2[8], dst[2] = s1[8], dst[3] = 0;  // positions 24-27 (dst at block 6)
    return;
  }
  dst[0] = src[0], dst[1] = src[2], dst[2] = src[1], dst[3] = s1[1];
  dst[8] = s1[0], dst[9] = s1[2], dst[10] = s2[1], dst[11] = 0;
  dst[16] = s2[0], dst[17] = s2[2], dst[18] = 0, dst[19] = 0;
}
#endif

// Pixel (oy, ox)'s receptive field in that layout (the pad value outside the image) as pixel j's column at dst =
// cols + 4 j: its rows gathered 12 bytes apart, then (DSP) an_kxk3p_widen's asm on them as on an interior pixel's
// rows or (plain C) an_kxk3p_place on them.  The plain-C path's every pixel (those inside the image from the input)
// and the DSP path's edge pixels.
#if AN_USE_DSP && !AN_USE_MVE
static inline __attribute__((always_inline)) void an_kxk3p_widen(const int8_t *src, int32_t row_step, int16_t *cols,
                                                                 const int32_t seg);
#endif
static void __attribute__((noinline))
an_kxk3p_column(const an_im2col_w16_params *g, const int8_t *in, int32_t oy, int32_t ox, int16_t *dst) {
  const int32_t n = g->n, iy0 = oy * g->stride_h - g->pad_h, ix0 = ox * g->stride_w - g->pad_w;
#if !(AN_USE_DSP && !AN_USE_MVE)
  if (iy0 >= 0 && iy0 + 2 < g->in_h && ix0 >= 0 && ix0 + 2 < g->in_w) {  // inside the image: from the input
    an_kxk3p_place(in + (iy0 * g->in_w + ix0) * n, g->in_w * n, dst, n);
    return;
  }
#endif
  // The pad value everywhere by nine word stores, then the taps inside the image over it (a row's bounds tested
  // once, a tap's column once).
  const uint32_t pad4 = (uint8_t)g->pad * 0x01010101u;
  uint32_t words[9] = {pad4, pad4, pad4, pad4, pad4, pad4, pad4, pad4, pad4};
  int8_t *const rows = (int8_t *)words;
  for (int32_t ky = 0, iy = iy0; ky < 3; ++ky, ++iy) {
    if (iy < 0 || iy >= g->in_h) continue;
    int8_t *row = rows + 12 * ky;
    const int8_t *src = in + (iy * g->in_w + ix0) * n;
    // Tap by tap (no library calls: GCC makes a loop of n copies a memcpy call).
    for (int32_t kx = 0, ix = ix0; kx < 3; ++kx, ++ix, row += n, src += n) {
      if (ix >= 0 && ix < g->in_w) {
        row[0] = src[0];
        if (n == 3) row[1] = src[1], row[2] = src[2];
      }
    }
  }
#if AN_USE_DSP && !AN_USE_MVE
  if (n == 3) {
    an_kxk3p_widen(rows, 12, dst, 12);
  } else {
    rows[3] = rows[15] = rows[27] = 0;  // read by the widening, multiplied by zero filter values
    an_kxk3p_widen(rows, 12, dst, 4);
  }
#else
  an_kxk3p_place(rows, 12, dst, n);
#endif
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

// an_pq_out2 (an_conv_internal.h) where `prep` (records of four), else an_kxk_out2 (records of three); prep a constant.
static inline __attribute__((always_inline)) void an_kxk_outs(const int prep, const int32_t *ch, int32_t a0, int32_t a1,
                                                              int32_t round_offset, int8_t *o0, int8_t *o1) {
  if (prep) {
    an_pq_out2(ch, a0, a1, o0, o1);
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
// then its requantizations.  Prepared records (an_conv2d_s8_prepared_w16, AN_CONV_KXK3_FIRST): the columns in
// KXK3_FIRST_POSITIONS (an_kxk3p_widen2 / an_kxk3p_widen, edge pixels an_kxk3p_column), groups of four channels
// (an_k3_pq_quads), then a pair (an_k3_pq_group2) and a last channel.
// Step S of block H (BS values: 8, or 4 for a last block of four) of a group of R rows, the block's filter
// values at byte WB: the column pair at byte 32 H + 16 (S >> 1) + 4 (S & 1) and 8 after it, row r at
// WB + 4 S + 2 BS r.
// clang-format off
#define AN_K3_COLS_AT(B, H, S)                                                     \
  "ldr %[c0], [" B ", #(32*" #H "+16*(" #S ">>1)+4*(" #S "&1))]\n\t"               \
  "ldr %[c1], [" B ", #(32*" #H "+16*(" #S ">>1)+4*(" #S "&1)+8)]\n\t"
#define AN_K3_COLS(H, S) AN_K3_COLS_AT("%[c]", H, S)
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
// acc[2r + j] += row r . column j over k4 = 12 (3x3x1) or 36 (3x3x3) values for a group of R (1-3) rows at w; k4 10
// or 28: the prepared first layers' layouts (AN_K3_STEPS10 / 28).
// 3x3x3: each filter row's nine values in 12 positions, its last block (8 9 10 11, stored 8 10 9 11) pairs
// (x9, x11) with zero filter values: the three such steps ((H, S) = (1, 1), (2, 3), (4, 1)) left out, 15 of 18.
// The steps of a group of R rows: k4 = 12 (3x3x1) and k4 = 36 (3x3x3, 15 of 18).
#define AN_K3_STEPS12(R) AN_K3_B8(R, 0) AN_K3_B4(R, 1)
// The prepared first layers' layouts (KXK3_FIRST_POSITIONS): K4 = 12 with its last pair unused (5 steps), K4 = 28
// (14 steps).
#define AN_K3_STEPS10(R) AN_K3_B8(R, 0) AN_K3_STEP_##R(4, 1, 0)
#define AN_K3_STEPS28(R) AN_K3_B8(R, 0) AN_K3_B8(R, 1) AN_K3_B8(R, 2) AN_K3_B4(R, 3)
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
    } else if (k4 == 10) {                                                                                 \
      AN_K3_ASM(AN_K3_STEPS10(R));                                                                         \
    } else if (k4 == 28) {                                                                                 \
      AN_K3_ASM(AN_K3_STEPS28(R));                                                                         \
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

// The requantization of a group's channel r (prepared records at P, {2 * bias, m, kc, e}, an_conv.h) for the
// accumulators A (pixel 0) and B (pixel 1): an_pq_out2's arithmetic (SMMLAR of kc - [a < 0], ASR by e, SSAT 8)
// on registers the steps free.
// clang-format off
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
// clang-format on

// A last group of two prepared records by the pixel pair in one asm statement (the prepared first layers' layouts:
// an_k3_dot2's steps; four accumulators; twelve registers): the accumulators from the doubled biases, the steps,
// the requantization; channel r's pixel j at out[2 r + j].
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
// The pair's steps (its rows interleaved by words: step S of block H at 32 H + 8 S, row 1's word 4 bytes on).
#define AN_K3I_STEP(H, S)                                                                                  \
  AN_K3_COLS(H, S) "ldr %[wa], [%[w], #(32*" #H "+8*" #S ")]\n\tldr %[wb], [%[w], #(32*" #H "+8*" #S "+4)]\n\t" \
  AN_K3_MACS(wa, a0, a1) AN_K3_MACS(wb, a2, a3)
#define AN_K3I_B8(H) AN_K3I_STEP(H, 0) AN_K3I_STEP(H, 1) AN_K3I_STEP(H, 2) AN_K3I_STEP(H, 3)
#define AN_K3I_STEPS10 AN_K3I_B8(0) AN_K3I_STEP(1, 0)
#define AN_K3I_STEPS28 AN_K3I_B8(0) AN_K3I_B8(1) AN_K3I_B8(2) AN_K3I_STEP(3, 0) AN_K3I_STEP(3, 1)
// clang-format on
static inline __attribute__((always_inline)) void an_k3_pq_group2(const int16_t *w, const int16_t *cols,
                                                                  const int32_t *ch, const int32_t k4, int32_t *out) {
  int32_t a0, a1, a2, a3, c0, c1, wa, wb, wc;
  if (k4 == 10) {
    AN_K3_PQ2_ASM(AN_K3I_STEPS10);
  } else {
    AN_K3_PQ2_ASM(AN_K3I_STEPS28);
  }
  out[0] = a0, out[1] = a1, out[2] = a2, out[3] = a3;
}
// The groups of four prepared records (two pairs of rows, an_conv.h's AN_CONV_KXK3_FIRST layout: pair q's rows at
// w + q PB bytes; a group's four biases, then each channel's m, kc and e) from *ch to ch_end by the pixel pair, in one
// asm statement looping over the groups: pixel 0's accumulators loaded with the doubled biases, pixel 1's made by the
// first step's SMLAD from them; per step the two column words and the first pair's two filter words loaded in a row,
// four SMLAD, the second pair's two words, four SMLAD (16 MACs in 16 cycles); then an_pq_out2's arithmetic (e loaded
// after the two SMMLAR: three temporaries), each pixel's four bytes packed by three BFI and stored as one word (pixel 0
// at *o, pixel 1 at *o + d; o, d and ch_end read from memory operands).  Fourteen registers: the record pointer pushed
// around the steps, its register their second filter register; where the frame pointer is kept (-O0: thirteen) the
// record pointer's register is the steps' only filter register (the same sums, two cycles more per step) and the column
// pointer is pushed around the requantization (its register the multiplier).  *w, *ch and *o advanced past the groups.
// clang-format off
#define AN_K4_W(BS, H, S, q, r, REG)                                                                       \
  "ldr %[" #REG "], [%[w], #(%c[pb]*" #q "+32*" #H "+8*" #S "+4*" #r ")]\n\t"
// Both rows' words of pair q (adjacent: the rows interleaved by words) by one LDRD (3 cycles, as two LDR after an ALU
// instruction: the second pair's loads, behind the first pair's SMLAD).
#define AN_K4_WD(H, S, q, REG)                                                                             \
  "ldrd %[wa], %[" #REG "], [%[w], #(%c[pb]*" #q "+32*" #H "+8*" #S ")]\n\t"
// A group's first step (AN_K4_MACS0): pixel 1's accumulator B from pixel 0's A, which holds the doubled bias, before
// A's own SMLAD (no copies of the biases).
#define AN_K4_MACS0(REG, A, B)                                                                             \
  "smlad %[" #B "], %[" #REG "], %[c1], %[" #A "]\n\t"                                                       \
  "smlad %[" #A "], %[" #REG "], %[c0], %[" #A "]\n\t"
#if defined(__OPTIMIZE__)
// A step with its column words by COLS (AN_K3_COLS: from the column pointer; AN_K5_COLS: from sp) and F the second
// filter register.
#define AN_K4_STEP_R(COLS, F, MACS, BS, H, S)                                                              \
  COLS(H, S) AN_K4_W(BS, H, S, 0, 0, wa) AN_K4_W(BS, H, S, 0, 1, F)                                        \
  MACS(wa, a0, a1) MACS(F, a2, a3)                                                                         \
  AN_K4_WD(H, S, 1, F) MACS(wa, a4, a5) MACS(F, a6, a7)
#define AN_K4_STEP_M(MACS, BS, H, S) AN_K4_STEP_R(AN_K3_COLS, ch, MACS, BS, H, S)
#define AN_K4_WA [wa] "=&r"(wa),
#define AN_K4_M wa
#define AN_K4_SAVE_M ""
#define AN_K4_RESTORE_M ""
#else
#define AN_K4_STEP_M(MACS, BS, H, S)                                                                       \
  AN_K3_COLS(H, S) AN_K4_W(BS, H, S, 0, 0, ch) MACS(ch, a0, a1) AN_K4_W(BS, H, S, 0, 1, ch)               \
  MACS(ch, a2, a3) AN_K4_W(BS, H, S, 1, 0, ch) MACS(ch, a4, a5) AN_K4_W(BS, H, S, 1, 1, ch)               \
  MACS(ch, a6, a7)
#define AN_K4_WA
#define AN_K4_M c
#define AN_K4_SAVE_M "push {%[c]}\n\t"
#define AN_K4_RESTORE_M "pop {%[c]}\n\t"
#endif
// Optimised builds: the loop over the groups, the stores and the pointers' steps inside the statement (o, d and
// ch_end from memory operands); -O0 (no register left for a memory operand's base): one group per statement, the
// caller's loop.
#if defined(__OPTIMIZE__)
#define AN_K4_LOOP_HEAD "1:\n\t"
#define AN_K4_LOOP_TAIL                                                                                    \
  "ldr %[c0], %[o]\n\t"                                                                                    \
  "ldr %[c1], %[d]\n\t"                                                                                    \
  "str %[a0], [%[c0]]\n\t"                                                                                 \
  "str %[a1], [%[c0], %[c1]]\n\t"                                                                          \
  "add %[c0], %[c0], #4\n\t"                                                                               \
  "str %[c0], %[o]\n\t"                                                                                    \
  "add %[ch], %[ch], #64\n\t"                                                                              \
  "add %[w], %[w], #(2*%c[pb])\n\t"                                                                        \
  "ldr %[c0], %[end]\n\t"                                                                                  \
  "cmp %[ch], %[c0]\n\t"                                                                                   \
  "bne 1b"
#define AN_K4_LOOP_OUT , [o] "+m"(out)
#define AN_K4_LOOP_IN , [d] "m"(d), [end] "m"(ch_end)
#else
#define AN_K4_LOOP_HEAD ""
#define AN_K4_LOOP_TAIL ""
#define AN_K4_LOOP_OUT
#define AN_K4_LOOP_IN
#endif
#define AN_K4_STR(X) #X
#define AN_K4_XSTR(X) AN_K4_STR(X)
// The steps of a group by ST(MACS, BS, H, S) (AN_K4_STEP_M; the first with AN_K4_MACS0): K4 = 10 and 28.
#define AN_K4_B8(ST, H)                                                                                    \
  ST(AN_K3_MACS, 8, H, 0) ST(AN_K3_MACS, 8, H, 1) ST(AN_K3_MACS, 8, H, 2) ST(AN_K3_MACS, 8, H, 3)
#define AN_K4_B8_FIRST(ST)                                                                                 \
  ST(AN_K4_MACS0, 8, 0, 0) ST(AN_K3_MACS, 8, 0, 1) ST(AN_K3_MACS, 8, 0, 2) ST(AN_K3_MACS, 8, 0, 3)
#define AN_K4_B4(ST, H) ST(AN_K3_MACS, 4, H, 0) ST(AN_K3_MACS, 4, H, 1)
#define AN_K4_LIST10(ST) AN_K4_B8_FIRST(ST) ST(AN_K3_MACS, 4, 1, 0)
#define AN_K4_LIST28(ST) AN_K4_B8_FIRST(ST) AN_K4_B8(ST, 1) AN_K4_B8(ST, 2) AN_K4_B4(ST, 3)
#define AN_K4_STEPS10 AN_K4_LIST10(AN_K4_STEP_M)
#define AN_K4_STEPS28 AN_K4_LIST28(AN_K4_STEP_M)
#define AN_K4_OUT(r, A, B)                                                                                 \
  "ldr %[" AN_K4_XSTR(AN_K4_M) "], [%[ch], #(16+12*" #r ")]\n\t"                                           \
  "ldr %[c1], [%[ch], #(20+12*" #r ")]\n\t"                                                                \
  "add %[c0], %[c1], %[" #A "], asr #31\n\t"                                                               \
  "smmlar %[" #A "], %[" #A "], %[" AN_K4_XSTR(AN_K4_M) "], %[c0]\n\t"                                     \
  "add %[c1], %[c1], %[" #B "], asr #31\n\t"                                                               \
  "smmlar %[" #B "], %[" #B "], %[" AN_K4_XSTR(AN_K4_M) "], %[c1]\n\t"                                     \
  "ldr %[c0], [%[ch], #(24+12*" #r ")]\n\t"                                                               \
  "asr %[" #A "], %[" #A "], %[c0]\n\t"                                                                    \
  "asr %[" #B "], %[" #B "], %[c0]\n\t"                                                                    \
  "ssat %[" #A "], #8, %[" #A "]\n\t"                                                                      \
  "ssat %[" #B "], #8, %[" #B "]\n\t"
// Each pixel's four bytes packed into a0 (pixel 0) and a1 (pixel 1).
#define AN_K4_PACK                                                                                         \
  "bfi %[a0], %[a2], #8, #8\n\t"                                                                           \
  "bfi %[a1], %[a3], #8, #8\n\t"                                                                           \
  "bfi %[a0], %[a4], #16, #8\n\t"                                                                          \
  "bfi %[a1], %[a5], #16, #8\n\t"                                                                          \
  "bfi %[a0], %[a6], #24, #8\n\t"                                                                          \
  "bfi %[a1], %[a7], #24, #8\n\t"
#define AN_K4_ASM(TEXT, PB)                                                                                \
  __asm__(AN_K4_LOOP_HEAD                                                                                 \
          "ldr %[a0], [%[ch]]\n\t"                                                                         \
          "ldr %[a2], [%[ch], #4]\n\t"                                                                     \
          "ldr %[a4], [%[ch], #8]\n\t"                                                                     \
          "ldr %[a6], [%[ch], #12]\n\t"                                                                    \
          "push {%[ch]}\n\t" TEXT "pop {%[ch]}\n\t" AN_K4_SAVE_M AN_K4_OUT(0, a0, a1) AN_K4_OUT(1, a2, a3)   \
              AN_K4_OUT(2, a4, a5) AN_K4_OUT(3, a6, a7) AN_K4_RESTORE_M AN_K4_PACK AN_K4_LOOP_TAIL           \
          : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [a4] "=&r"(a4), [a5] "=&r"(a5),  \
            [a6] "=&r"(a6), [a7] "=&r"(a7), [c0] "=&r"(c0), [c1] "=&r"(c1), AN_K4_WA [ch] "+r"(rec),        \
            [c] "+r"(cols), [w] "+r"(wf) AN_K4_LOOP_OUT                                                    \
          : [pb] "i"(PB) AN_K4_LOOP_IN                                                                     \
          : "cc", "memory")
// clang-format on
static inline __attribute__((always_inline)) void an_k3_pq_quads(const int16_t **w, const int16_t *cols,
                                                                 const int32_t **ch, const int32_t *ch_end,
                                                                 const int32_t k4, int8_t **o, int32_t d) {
  int32_t a0, a1, a2, a3, a4, a5, a6, a7, c0, c1;
#if defined(__OPTIMIZE__)
  int32_t wa;
#endif
  const int16_t *wf = *w;
  const int32_t *rec = *ch;
  int8_t *out = *o;
#if defined(__OPTIMIZE__)
  if (k4 == 10) {
    AN_K4_ASM(AN_K4_STEPS10, 48);
  } else {
    AN_K4_ASM(AN_K4_STEPS28, 112);
  }
#else
  do {
    if (k4 == 10) {
      AN_K4_ASM(AN_K4_STEPS10, 48);
    } else {
      AN_K4_ASM(AN_K4_STEPS28, 112);
    }
    for (int32_t b = 0; b < 4; ++b) out[b] = (int8_t)(a0 >> 8 * b), out[d + b] = (int8_t)(a1 >> 8 * b);
    out += 4, rec += 16, wf += k4 == 10 ? 48 : 112;
  } while (rec != ch_end);
  (void)d, (void)ch_end;
#endif
  *w = wf, *ch = rec, *o = out;
}

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

// The same for the prepared first layers' columns (KXK3_FIRST_POSITIONS; AN_K3P_PIXEL(S, J): the pixel
// whose first run is at S, as pixel J of the columns at d): 3x3x3: per row two loads, four SXTB16, two STRD, each
// row's ninth value by LDRSB, rows 0 and 2's packed by one PKHBT; 3x3x1: three loads, six SXTB16, one PKHBT (rows 0
// and 1's middle values), two STRD and one STR.  an_kxk3p_widen: one pixel at dst; an_kxk3p_widen2: a pair inside one
// output row, from src and src + step_w.
// clang-format off
// AN_K3P_ROW12_AT / AN_K3P_PIXEL12_AT / AN_K3P_PIXEL4_AT: the columns at base B, the temporaries X0 X1 Y0 Y1 T0 T1
// T2 and the row step R named by the caller.  AN_K3P_SPLIT: a word's
// even bytes into Y, its odd ones into X (in place).
#define AN_K3P_SPLIT(Y, X) "sxtb16 %[" #Y "], %[" #X "]\n\tsxtb16 %[" #X "], %[" #X "], ror #8\n\t"
#define AN_K3P_ROW12_AT(B, X0, X1, Y0, Y1, S, D, T)                                                        \
  "ldr %[" #X0 "], [%[" #S "]]\n\t"                                                                         \
  "ldr %[" #X1 "], [%[" #S "], #4]\n\t"                                                                     \
  "ldrsb %[" #T "], [%[" #S "], #8]\n\t" AN_K3P_SPLIT(Y0, X0) AN_K3P_SPLIT(Y1, X1)                           \
  "strd %[" #Y0 "], %[" #X0 "], [" B ", #" #D "]\n\t"                                                       \
  "strd %[" #Y1 "], %[" #X1 "], [" B ", #(" #D "+16)]\n\t"
#define AN_K3P_PIXEL12_AT(B, X0, X1, Y0, Y1, T0, T1, T2, R, S, J)                                           \
  AN_K3P_ROW12_AT(B, X0, X1, Y0, Y1, S, (8*J), T0) "add %[" #S "], %[" #S "], %[" #R "]\n\t"               \
  AN_K3P_ROW12_AT(B, X0, X1, Y0, Y1, S, (32+8*J), T1) "add %[" #S "], %[" #S "], %[" #R "]\n\t"            \
  AN_K3P_ROW12_AT(B, X0, X1, Y0, Y1, S, (64+8*J), T2)                                                     \
  "pkhbt %[" #T0 "], %[" #T0 "], %[" #T2 "], lsl #16\n\t"                                                   \
  "strd %[" #T0 "], %[" #T1 "], [" B ", #(96+8*" #J ")]\n\t"
#define AN_K3P_PIXEL4_AT(B, X0, X1, Y0, Y1, T0, T1, R, S, J)                                                \
  "ldr %[" #X0 "], [%[" #S "]]\n\t"                                                                         \
  "ldr %[" #X1 "], [%[" #S "], %[" #R "]]\n\t"                                                              \
  "ldr %[" #T0 "], [%[" #S "], %[" #R "], lsl #1]\n\t"                                                      \
  AN_K3P_SPLIT(Y0, X0) AN_K3P_SPLIT(Y1, X1) AN_K3P_SPLIT(T1, T0)                                            \
  "pkhbt %[" #X0 "], %[" #X0 "], %[" #X1 "], lsl #16\n\t"                                                   \
  "strd %[" #Y0 "], %[" #X0 "], [" B ", #(8*" #J ")]\n\t"                                                   \
  "strd %[" #Y1 "], %[" #T0 "], [" B ", #(16+8*" #J ")]\n\t"                                                \
  "str %[" #T1 "], [" B ", #(32+8*" #J ")]\n\t"
#define AN_K3P_PIXEL12(S, J) AN_K3P_PIXEL12_AT("%[d]", x0, x1, y0, y1, t0, t1, t2, r, S, J)
#define AN_K3P_PIXEL4(S, J) AN_K3P_PIXEL4_AT("%[d]", x0, x1, y0, y1, t0, t1, r, S, J)
#define AN_K3P_WIDEN_ASM(TEXT)                                                                             \
  __asm__ volatile(TEXT                                                                                    \
                   : [x0] "=&r"(x0), [x1] "=&r"(x1), [y0] "=&r"(y0), [y1] "=&r"(y1), [t0] "=&r"(t0),          \
                     [t1] "=&r"(t1), [t2] "=&r"(t2), [s0] "+r"(s0), [s1] "+r"(s1)                           \
                   : [r] "r"(row_step), [d] "r"(cols)                                                      \
                   : "memory")
// clang-format on
static inline __attribute__((always_inline)) void an_kxk3p_widen(const int8_t *src, int32_t row_step, int16_t *cols,
                                                                 const int32_t seg) {
  uint32_t x0, x1, y0, y1, t0, t1, t2;
  const int8_t *s0 = src, *s1 = src;
  if (seg == 4) {
    AN_K3P_WIDEN_ASM(AN_K3P_PIXEL4(s0, 0));
  } else {
    AN_K3P_WIDEN_ASM(AN_K3P_PIXEL12(s0, 0));
  }
  (void)t2;
}
static inline __attribute__((always_inline)) void an_kxk3p_widen2(const int8_t *src, int32_t step_w, int32_t row_step,
                                                                  int16_t *cols, const int32_t seg) {
  uint32_t x0, x1, y0, y1, t0, t1, t2;
  const int8_t *s0 = src, *s1 = src + step_w;
  if (seg == 4) {
    AN_K3P_WIDEN_ASM(AN_K3P_PIXEL4(s0, 0) AN_K3P_PIXEL4(s1, 1));
  } else {
    AN_K3P_WIDEN_ASM(AN_K3P_PIXEL12(s0, 0) AN_K3P_PIXEL12(s1, 1));
  }
  (void)t2;
}
#if defined(__OPTIMIZE__)
// An output row's run of `pairs` interior pixel pairs (both pixels' three rows inside the image and before the
// tensor's end; src: pixel 0's first run, pixel 1's step_w bytes on, the next pair's 2 step_w) of a prepared first
// layer with out_c a multiple of four, in one asm statement with its own frame (optimised builds: fourteen
// registers): per pair the columns widened onto the stack (an_kxk3p_widen2's arithmetic, stored pixel by pixel
// through w by STM, AN_K5_COLS), then each group of four channels as an_k3_pq_quads (its steps' columns from sp,
// the record pointer kept in its register, walking the group's records: no push) with each channel's m, kc and e by
// one LDM (AN_K5_OUT: four temporaries), pixel 0's four bytes at o, pixel 1's at o + out_c.  flags: bit 1, a bottom run
// (the row whose third input row is just below the image: AN_K5_WIDEN12B / 4B, the pad value for that row; entered at
// the dispatch (5:) with the interior run's end at src, so each bottom pair comes back to it, with its own end); bit 0,
// after the run one more pair at its end whose pixel 1 has its kx = 2 taps right of the image (AN_K5_WIDEN12E / 4E, or
// B E in a bottom run; the bit cleared, src left at the end, so the pair is the last); bits 8-15 the pad value.
// Interior pairs pass no test of the flags.  The frame: the columns (112 bytes), then o, out_c, the filter, the
// records, their end, src, the interior run's end, the row step, step_w, the flags, the pad value in four bytes and the
// bottom run's end (the interior run's end where none).
// clang-format off
// The columns pixel by pixel (pixel 1 %c[ps] = 56 or 20 bytes on): 3x3x3, per row y0 x0 y1 x1 (values 0 2, 1 3, 4 6,
// 5 7), then the ninth values' two words; 3x3x1, y0 x0 y1 and row 2's two words; step S of block H at 16 H + 4 S.
// They are written in that order through w (from sp), a row's four words by one STM (the registers named so that
// y0 x0 y1 x1 are r0-r3: an_k3_pq_row's register variables).
#define AN_K5_COLS(H, S)                                                                                   \
  "ldr %[c0], [sp, #(16*" #H "+4*" #S ")]\n\t"                                                              \
  "ldr %[c1], [sp, #(16*" #H "+4*" #S "+%c[ps])]\n\t"
#define AN_K5_STEP(MACS, BS, H, S) AN_K4_STEP_R(AN_K5_COLS, wb, MACS, BS, H, S)
// The same for the second group of a pass of two (AN_K5_GROUPS2): its filter rows 2 %c[pb] bytes on.
#define AN_K5_STEP1(MACS, BS, H, S)                                                                        \
  AN_K5_COLS(H, S) AN_K4_W(BS, H, S, 2, 0, wa) AN_K4_W(BS, H, S, 2, 1, wb)                                 \
  MACS(wa, a0, a1) MACS(wb, a2, a3)                                                                        \
  AN_K4_WD(H, S, 3, wb) MACS(wa, a4, a5) MACS(wb, a6, a7)
// The requantization of the next channel (an_pq_out2's arithmetic: its m, kc and e, adjacent in the group's records
// (kxk3_first_records), by one LDM into c1, wa and wb (4 cycles, as three LDR in a row), ch past them), its
// SMMLAR by RND: AN_K5_RND_C adds kc - [a < 0] (c0 the temporary), AN_K5_RND_Z kc alone where the activation's lower
// bound is at or above the output zero point (act_min >= output_offset: RELU, RELU6): there a < 0 gives at most the
// zero point with or without the 1 (SMMLAR's sum at most kc = 2^(e-1) + zero point 2^e, shifted by e), which the
// clamps (SSAT, or the pass over the output) take to act_min, as tflite-micro's (its product of a < 0 and m > 0 at
// most 0): one ADD less a channel and pixel.
#define AN_K5_RND_C(A) "add %[c0], %[wa], %[" #A "], asr #31\n\tsmmlar %[" #A "], %[" #A "], %[c1], %[c0]\n\t"
#define AN_K5_RND_Z(A) "smmlar %[" #A "], %[" #A "], %[c1], %[wa]\n\t"
#define AN_K5_OUT(RND, A, B)                                                                               \
  "ldmia %[ch]!, {%[c1], %[wa], %[wb]}\n\t" RND(A) RND(B)                                                    \
  "asr %[" #A "], %[" #A "], %[wb]\n\tasr %[" #B "], %[" #B "], %[wb]\n\t"                                 \
  "ssat %[" #A "], #8, %[" #A "]\n\tssat %[" #B "], #8, %[" #B "]\n\t"
// Channels 1 and 2's bytes packed into a0 / a1 as soon as they are out (AN_K4_PACK's first BFI pairs), so that
// channel 3's record loads take the output base, out_c and the records' end in the same run (AN_K5_OUT3: a2 a3 a4).
#define AN_K5_PACK1 "bfi %[a0], %[a2], #8, #8\n\tbfi %[a1], %[a3], #8, #8\n\t"
#define AN_K5_PACK2 "bfi %[a0], %[a4], #16, #8\n\tbfi %[a1], %[a5], #16, #8\n\t"
// The group's fourth channel's requantization with FRAME's loads in its run (three LDR, the last advancing ch past
// the group's records).
#define AN_K5_OUT3(RND, FRAME)                                                                             \
  "ldr %[wa], [%[ch], #4]\n\tldr %[wb], [%[ch], #8]\n\tldr %[c1], [%[ch]], #12\n\t" FRAME RND(a6) RND(a7)     \
  "asr %[a6], %[a6], %[wb]\n\tasr %[a7], %[a7], %[wb]\n\tssat %[a6], #8, %[a6]\n\tssat %[a7], #8, %[a7]\n\t" \
  "bfi %[a0], %[a6], #24, #8\n\tbfi %[a1], %[a7], #24, #8\n\t"
// The output base (o - 4 - records / 16: o = base + ch / 16 once ch has passed the group's records), out_c and the
// records' end.
#define AN_K5_BASE_D "ldr %[a2], [sp, #112]\n\tldr %[a3], [sp, #116]\n\t"
#define AN_K5_BASE_D_END AN_K5_BASE_D "ldr %[a4], [sp, #128]\n\t"
// A group of four channels from the records at ch (its four doubled biases, the last load advancing ch past them,
// then each channel's m, kc and e) and the filter rows STEPS reads: the biases, the steps, the requantizations, each
// pixel's four bytes packed (channel 3's record loads with FRAME's).
#define AN_K5_GROUP(RND, STEPS, FRAME)                                                                     \
  "ldr %[a2], [%[ch], #4]\n\tldr %[a4], [%[ch], #8]\n\tldr %[a6], [%[ch], #12]\n\tldr %[a0], [%[ch]], #16\n\t" \
  STEPS AN_K5_OUT(RND, a0, a1) AN_K5_OUT(RND, a2, a3) AN_K5_PACK1 AN_K5_OUT(RND, a4, a5) AN_K5_PACK2            \
  AN_K5_OUT3(RND, FRAME)
// The groups one a pass (an odd count): pixel 0's word at o, pixel 1's at o + out_c.
#define AN_K5_GROUPS1(LIST, RND)                                                                           \
  AN_K5_GROUP(RND, LIST(AN_K5_STEP), AN_K5_BASE_D_END)                                                         \
  "add %[c0], %[a2], %[ch], lsr #4\n\tstr %[a1], [%[c0], %[a3]]\n\tstr %[a0], [%[c0]]\n\t"                 \
  "add %[w], %[w], #(2*%c[pb])\n\t"                                                                         \
  "cmp %[ch], %[a4]\n\tbne 2b\n\t"
// Two groups a pass (an even count; one loop test and one pointer step for both): the second's words 4 bytes on.
#define AN_K5_GROUPS2(LIST, RND)                                                                           \
  AN_K5_GROUP(RND, LIST(AN_K5_STEP), AN_K5_BASE_D)                                                             \
  "add %[c0], %[a2], %[ch], lsr #4\n\tstr %[a1], [%[c0], %[a3]]\n\tstr %[a0], [%[c0]]\n\t"                 \
  AN_K5_GROUP(RND, LIST(AN_K5_STEP1), AN_K5_BASE_D_END)                                                        \
  "add %[c0], %[a2], %[ch], lsr #4\n\tstr %[a1], [%[c0], %[a3]]\n\tstr %[a0], [%[c0]]\n\t"                 \
  "add %[w], %[w], #(4*%c[pb])\n\t"                                                                         \
  "cmp %[ch], %[a4]\n\tbne 2b\n\t"
// A 3x3x3 row from S (T: its ninth value by LDRSB; E: the right-edge pixel's, bytes 6 and 7 the pad value in wb and
// no ninth value).
#define AN_K5_ROW12_THEN(S, T, HOOK)                                                                           \
  "ldr %[a0], [%[" #S "]]\n\tldr %[a1], [%[" #S "], #4]\n\tldrsb %[" #T "], [%[" #S "], #8]\n\t" HOOK          \
  AN_K3P_SPLIT(a2, a0) AN_K3P_SPLIT(a3, a1) "stmia %[w]!, {%[a2], %[a0], %[a3], %[a1]}\n\t"
#define AN_K5_ROW12(S, T) AN_K5_ROW12_THEN(S, T, "")
#define AN_K5_ROW12E(S)                                                                                    \
  "ldr %[a0], [%[" #S "]]\n\tldr %[a1], [%[" #S "], #4]\n\tpkhbt %[a1], %[a1], %[wb]\n\t"                   \
  AN_K3P_SPLIT(a2, a0) AN_K3P_SPLIT(a3, a1) "stmia %[w]!, {%[a2], %[a0], %[a3], %[a1]}\n\t"
#define AN_K5_NEXT(S) "add %[" #S "], %[" #S "], %[c1]\n\t"
// A pixel's three rows from S: interior (the ninth values packed as an_kxk3p_widen's), right edge (E: the ninth
// values' words (pad, pad) from wa, SXTB16 of wb), bottom (B: row 2's four words and the ninth values' high half
// from wa), both (B E).
#define AN_K5_PIXEL12_THEN(S, HOOK)                                                                            \
  AN_K5_ROW12_THEN(S, a4, HOOK) AN_K5_NEXT(S) AN_K5_ROW12(S, a5) AN_K5_NEXT(S) AN_K5_ROW12(S, a6)              \
  "pkhbt %[a4], %[a4], %[a6], lsl #16\n\tstmia %[w]!, {%[a4], %[a5]}\n\t"
#define AN_K5_PIXEL12(S) AN_K5_PIXEL12_THEN(S, "")
// The same for an interior pair's pixels (wa, wb and ch free): rows 0 and 1's eight words by one STM (9 cycles, were
// two of 5), row 2's four and the ninth values' two by one (7, were 5 and 3); row 0's ninth value in wb, row 1's in ch.
#define AN_K5_PIXEL12W_THEN(S, HOOK)                                                                       \
  "ldr %[a0], [%[" #S "]]\n\tldr %[a1], [%[" #S "], #4]\n\tldrsb %[wb], [%[" #S "], #8]\n\t" HOOK AN_K5_NEXT(S) \
  "ldr %[a5], [%[" #S "]]\n\tldr %[wa], [%[" #S "], #4]\n\tldrsb %[ch], [%[" #S "], #8]\n\t"                \
  AN_K3P_SPLIT(a2, a0) AN_K3P_SPLIT(a3, a1) AN_K3P_SPLIT(a4, a5) AN_K3P_SPLIT(a6, wa)                       \
  "stmia %[w]!, {%[a2], %[a0], %[a3], %[a1], %[a4], %[a5], %[a6], %[wa]}\n\t" AN_K5_NEXT(S)                \
  "ldr %[a0], [%[" #S "]]\n\tldr %[a1], [%[" #S "], #4]\n\tldrsb %[a4], [%[" #S "], #8]\n\t"              \
  AN_K3P_SPLIT(a2, a0) AN_K3P_SPLIT(a3, a1)                                                                \
  "pkhbt %[wb], %[wb], %[a4], lsl #16\n\tstmia %[w]!, {%[a2], %[a0], %[a3], %[a1], %[wb], %[ch]}\n\t"
#define AN_K5_PIXEL12E(S)                                                                                  \
  AN_K5_ROW12E(S) AN_K5_NEXT(S) AN_K5_ROW12E(S) AN_K5_NEXT(S) AN_K5_ROW12E(S)                              \
  "sxtb16 %[wa], %[wb]\n\tstrd %[wa], %[wa], [%[w]], #8\n\t"
#define AN_K5_PIXEL12B(S)                                                                                  \
  AN_K5_ROW12(S, a4) AN_K5_NEXT(S) AN_K5_ROW12(S, a5)                                                      \
  "strd %[wa], %[wa], [%[w]], #8\n\tstrd %[wa], %[wa], [%[w]], #8\n\t"                                      \
  "pkhbt %[a4], %[a4], %[wa]\n\tstmia %[w]!, {%[a4], %[a5]}\n\t"
#define AN_K5_PIXEL12BE(S)                                                                                 \
  AN_K5_ROW12E(S) AN_K5_NEXT(S) AN_K5_ROW12E(S)                                                            \
  "strd %[wa], %[wa], [%[w]], #8\n\tstrd %[wa], %[wa], [%[w]], #8\n\tstrd %[wa], %[wa], [%[w]], #8\n\t"
// A 3x3x1 pixel from S: its rows' words (row 2's: LOAD2, the pad value in wb in a bottom run), PATCH (the right
// edge: byte 2 of each the pad value), then as an_kxk3p_widen's, the five words by one STM.
#define AN_K5_PIXEL4_WITH(S, LOAD2, PATCH)                                                                 \
  "ldr %[a0], [%[" #S "]]\n\tldr %[a1], [%[" #S "], %[c1]]\n\t" LOAD2 PATCH                                \
  AN_K3P_SPLIT(a2, a0) AN_K3P_SPLIT(a3, a1) AN_K3P_SPLIT(a5, a4)                                            \
  "pkhbt %[a0], %[a0], %[a1], lsl #16\n\tstmia %[w]!, {%[a2], %[a0], %[a3], %[a4], %[a5]}\n\t"
#define AN_K5_LOAD2(S) "ldr %[a4], [%[" #S "], %[c1], lsl #1]\n\t"
#define AN_K5_PAD2 "mov %[a4], %[wb]\n\t"
#define AN_K5_PATCH2 "bfi %[a0], %[wb], #16, #8\n\tbfi %[a1], %[wb], #16, #8\n\t"
#define AN_K5_PATCH3 AN_K5_PATCH2 "bfi %[a4], %[wb], #16, #8\n\t"
#define AN_K5_START "mov %[w], sp\n\t"
// The interior pairs: the next pair's src (wa) stored behind pixel 0's first loads (a store after a load: 1 cycle).
#define AN_K5_SRC "str %[wa], [sp, #132]\n\t"
#define AN_K5_WIDEN12 AN_K5_START AN_K5_PIXEL12W_THEN(a7, AN_K5_SRC) AN_K5_PIXEL12W_THEN(c0, "")
#define AN_K5_WIDEN4                                                                                       \
  AN_K5_START AN_K5_PIXEL4_WITH(a7, AN_K5_LOAD2(a7), AN_K5_SRC) AN_K5_PIXEL4_WITH(c0, AN_K5_LOAD2(c0), "")
// The right-edge pair (pixel 1 with the pad value's byte in all four of wb).
#define AN_K5_WIDEN12E AN_K5_START AN_K5_PIXEL12(a7) AN_K5_PIXEL12E(c0)
#define AN_K5_WIDEN4E                                                                                      \
  AN_K5_START AN_K5_PIXEL4_WITH(a7, AN_K5_LOAD2(a7), "") AN_K5_PIXEL4_WITH(c0, AN_K5_LOAD2(c0), AN_K5_PATCH3)
// The bottom run's pairs and its right-edge pair (wb: the pad value's byte in all four, wa: SXTB16 of it).
#define AN_K5_WIDEN12B AN_K5_START AN_K5_PIXEL12B(a7) AN_K5_PIXEL12B(c0)
#define AN_K5_WIDEN12BE AN_K5_START AN_K5_PIXEL12B(a7) AN_K5_PIXEL12BE(c0)
#define AN_K5_WIDEN4B AN_K5_START AN_K5_PIXEL4_WITH(a7, AN_K5_PAD2, "") AN_K5_PIXEL4_WITH(c0, AN_K5_PAD2, "")
#define AN_K5_WIDEN4BE                                                                                     \
  AN_K5_START AN_K5_PIXEL4_WITH(a7, AN_K5_PAD2, "") AN_K5_PIXEL4_WITH(c0, AN_K5_PAD2, AN_K5_PATCH2)
#define AN_K5_ROW(WIDEN, WIDEN_EDGE, WIDEN_BOTTOM, WIDEN_BOTTOM_EDGE, GROUPS, PB, PS)                           \
  __asm__ volatile("sub sp, sp, #160\n\t"                                                                  \
                   "sub %[a0], %[a0], %[a3], lsr #4\n\t"                                                  \
                   "str %[a0], [sp, #112]\n\tstr %[a1], [sp, #116]\n\tstr %[a2], [sp, #120]\n\t"           \
                   "str %[a3], [sp, #124]\n\tstr %[a4], [sp, #128]\n\tstr %[a5], [sp, #132]\n\t"           \
                   "str %[a6], [sp, #136]\n\tstr %[a7], [sp, #140]\n\tstr %[c0], [sp, #144]\n\t"           \
                   "str %[wb], [sp, #148]\n\tstr %[wa], [sp, #152]\n\tstr %[w], [sp, #156]\n\t"            \
                   "mov %[c1], %[a7]\n\tmov %[a7], %[a5]\n\tmov %[a1], %[a6]\n\tmov %[wa], %[c0]\n\tb 5f\n\t"    \
                   ".p2align 2\n1:\n\t"                                                                    \
                   "add %[c0], %[a7], %[wa]\n\tadd %[wa], %[a7], %[wa], lsl #1\n\t"                         \
                   WIDEN                                                                                   \
                   "3:\n\t"                                                                                \
                   "ldr %[ch], [sp, #124]\n\tldr %[w], [sp, #120]\n\t"                                     \
                   ".p2align 2\n2:\n\t" GROUPS                                                             \
                   "add %[a2], %[a2], %[a3], lsl #1\n\t"                                                    \
                   "ldr %[a7], [sp, #132]\n\tldr %[a1], [sp, #136]\n\tldr %[wa], [sp, #144]\n\t"           \
                   "ldr %[c1], [sp, #140]\n\tstr %[a2], [sp, #112]\n\t"                                     \
                   "5:\n\t"                                                                                \
                   "cmp %[a7], %[a1]\n\tbne 1b\n\t"                                                        \
                   "ldr %[wb], [sp, #148]\n\tldr %[wa], [sp, #156]\n\t"                                    \
                   "cmp %[a7], %[wa]\n\tbne 7f\n\t"                                                        \
                   "tst %[wb], #1\n\tbeq 4f\n\t"                                                           \
                   "bic %[wb], %[wb], #1\n\tstr %[wb], [sp, #148]\n\t"                                     \
                   "ldr %[wa], [sp, #144]\n\tldr %[c1], [sp, #140]\n\t"                                  \
                   "add %[c0], %[a7], %[wa]\n\t"                                                            \
                   "tst %[wb], #2\n\tldr %[wb], [sp, #152]\n\tbne 8f\n\t"                                  \
                   WIDEN_EDGE                                                                              \
                   "b 3b\n\t"                                                                               \
                   "8:\n\t"                                                                                \
                   "sxtb16 %[wa], %[wb]\n\t" WIDEN_BOTTOM_EDGE                                              \
                   "b 3b\n\t"                                                                               \
                   "7:\n\t"                                                                                \
                   "ldr %[wa], [sp, #144]\n\tldr %[c1], [sp, #140]\n\t"                                  \
                   "add %[c0], %[a7], %[wa]\n\tadd %[wa], %[a7], %[wa], lsl #1\n\t"                         \
                   "str %[wa], [sp, #132]\n\tstr %[wa], [sp, #136]\n\t"                                    \
                   "ldr %[wb], [sp, #152]\n\tsxtb16 %[wa], %[wb]\n\t" WIDEN_BOTTOM                          \
                   "b 3b\n\t"                                                                               \
                   "4:\n\t"                                                                                \
                   "add sp, sp, #160"                                                                      \
                   : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [a4] "+r"(a4),              \
                     [a5] "+r"(a5), [a6] "+r"(a6), [a7] "+r"(a7), [c0] "+r"(c0), [c1] "+r"(c1),              \
                     [wa] "+r"(wa), [wb] "+r"(wb), [w] "+r"(w), [ch] "+r"(ch)                                 \
                   : [pb] "i"(PB), [ps] "i"(PS)                                                            \
                   : "cc", "memory")
// clang-format on
// A function of its own for each statement (not inlined into the layer's loop, whose live values would leave the
// statement fewer than fourteen registers at -O3; one statement a function: GCC at -Os did not finish a function of
// four).  The registers named (the STM lists ascending: a2 a0 a3 a1 a4 a5 a6 are r0-r6).
// clang-format off
#define AN_K5_ROW_FN(NAME, WIDEN, WIDEN_EDGE, WIDEN_BOTTOM, WIDEN_BOTTOM_EDGE, GROUPS, PB, PS)                    \
  static void __attribute__((noinline))                                                                    \
  NAME(const int8_t *src, int32_t pairs, int32_t step_w, int32_t row_step, const int16_t *filter,           \
       const int32_t *channel, int32_t out_c, int8_t *out, int32_t flags) {                                \
    const int32_t end = (int32_t)(intptr_t)(src + 2 * step_w * pairs);                                     \
    register int32_t a2 __asm__("r0") = (int32_t)(intptr_t)filter;                                         \
    register int32_t a0 __asm__("r1") = (int32_t)(intptr_t)out - 4;                                        \
    register int32_t a3 __asm__("r2") = (int32_t)(intptr_t)channel;                                        \
    register int32_t a1 __asm__("r3") = out_c;                                                             \
    register int32_t a4 __asm__("r4") = (int32_t)(intptr_t)(channel + 4 * out_c);                          \
    register int32_t a5 __asm__("r5") = (int32_t)(intptr_t)src;                                            \
    register int32_t a6 __asm__("r6") = flags & 2 ? (int32_t)(intptr_t)src : end;                          \
    register int32_t a7 __asm__("r7") = row_step;                                                          \
    register int32_t c0 __asm__("r8") = step_w;                                                            \
    register int32_t c1 __asm__("r9") = 0;                                                                 \
    register int32_t wa __asm__("r10") = (int32_t)((uint32_t)(uint8_t)(flags >> 8) * 0x01010101u);        \
    register int32_t wb __asm__("r11") = flags & 3;                                                        \
    register int32_t w __asm__("r12") = end;                                                               \
    register int32_t ch __asm__("lr") = 0;                                                                 \
    AN_K5_ROW(WIDEN, WIDEN_EDGE, WIDEN_BOTTOM, WIDEN_BOTTOM_EDGE, GROUPS, PB, PS);                          \
    (void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5, (void)a6, (void)a7;                        \
    (void)c0, (void)c1, (void)wa, (void)wb, (void)w, (void)ch;                                             \
  }
// clang-format on
// 3x3x1 and 3x3x3, an odd count of groups of four channels (one a pass) and an even one (two a pass); _z: the
// activation's lower bound at or above the output zero point (AN_K5_RND_Z).
#define AN_K5_ROW_FNS(SUFFIX, RND)                                                                       \
  AN_K5_ROW_FN(an_k3_pq_row4_1##SUFFIX, AN_K5_WIDEN4, AN_K5_WIDEN4E, AN_K5_WIDEN4B, AN_K5_WIDEN4BE,      \
               AN_K5_GROUPS1(AN_K4_LIST10, RND), 48, 20)                                                 \
  AN_K5_ROW_FN(an_k3_pq_row4_2##SUFFIX, AN_K5_WIDEN4, AN_K5_WIDEN4E, AN_K5_WIDEN4B, AN_K5_WIDEN4BE,      \
               AN_K5_GROUPS2(AN_K4_LIST10, RND), 48, 20)                                                 \
  AN_K5_ROW_FN(an_k3_pq_row12_1##SUFFIX, AN_K5_WIDEN12, AN_K5_WIDEN12E, AN_K5_WIDEN12B, AN_K5_WIDEN12BE, \
               AN_K5_GROUPS1(AN_K4_LIST28, RND), 112, 56)                                                \
  AN_K5_ROW_FN(an_k3_pq_row12_2##SUFFIX, AN_K5_WIDEN12, AN_K5_WIDEN12E, AN_K5_WIDEN12B, AN_K5_WIDEN12BE, \
               AN_K5_GROUPS2(AN_K4_LIST28, RND), 112, 56)
AN_K5_ROW_FNS(, AN_K5_RND_C)
AN_K5_ROW_FNS(_z, AN_K5_RND_Z)
static inline __attribute__((always_inline)) void an_k3_pq_row(const int8_t *src, int32_t pairs, int32_t step_w,
                                                               int32_t row_step, const int16_t *filter,
                                                               const int32_t *channel, int32_t out_c, int8_t *out,
                                                               int32_t seg, int32_t flags, const int lo_at_zp) {
  if (lo_at_zp && seg == 4) {
    (out_c & 4 ? an_k3_pq_row4_1_z : an_k3_pq_row4_2_z)(src, pairs, step_w, row_step, filter, channel, out_c, out,
                                                        flags);
  } else if (lo_at_zp) {
    (out_c & 4 ? an_k3_pq_row12_1_z : an_k3_pq_row12_2_z)(src, pairs, step_w, row_step, filter, channel, out_c, out,
                                                          flags);
  } else if (seg == 4) {
    (out_c & 4 ? an_k3_pq_row4_1 : an_k3_pq_row4_2)(src, pairs, step_w, row_step, filter, channel, out_c, out, flags);
  } else {
    (out_c & 4 ? an_k3_pq_row12_1 : an_k3_pq_row12_2)(src, pairs, step_w, row_step, filter, channel, out_c, out, flags);
  }
}
#undef AN_K5_ROW
#undef AN_K5_ROW_FN
#undef AN_K5_ROW_FNS
#undef AN_K5_RND_C
#undef AN_K5_RND_Z
#undef AN_K5_WIDEN4
#undef AN_K5_WIDEN12
#undef AN_K5_WIDEN4E
#undef AN_K5_WIDEN12E
#undef AN_K5_WIDEN4B
#undef AN_K5_WIDEN4BE
#undef AN_K5_WIDEN12B
#undef AN_K5_WIDEN12BE
#undef AN_K5_START
#undef AN_K5_PATCH3
#undef AN_K5_PATCH2
#undef AN_K5_PAD2
#undef AN_K5_LOAD2
#undef AN_K5_PIXEL4_WITH
#undef AN_K5_PIXEL12BE
#undef AN_K5_PIXEL12B
#undef AN_K5_PIXEL12E
#undef AN_K5_PIXEL12
#undef AN_K5_NEXT
#undef AN_K5_ROW12E
#undef AN_K5_ROW12
#undef AN_K5_ROW12_THEN
#undef AN_K5_PIXEL12_THEN
#undef AN_K5_SRC
#undef AN_K5_OUT
#undef AN_K5_OUT3
#undef AN_K5_BASE_D
#undef AN_K5_BASE_D_END
#undef AN_K5_GROUP
#undef AN_K5_GROUPS1
#undef AN_K5_GROUPS2
#undef AN_K5_STEP1
#undef AN_K5_PACK1
#undef AN_K5_PACK2
#undef AN_K5_PIXEL12W_THEN
#undef AN_K5_STEP
#undef AN_K5_COLS
#endif
#undef AN_K4_ASM
#undef AN_K4_PACK
#undef AN_K4_OUT
#undef AN_K4_STEPS28
#undef AN_K4_STEPS10
#undef AN_K4_LIST28
#undef AN_K4_LIST10
#undef AN_K4_STEP_R
#undef AN_K4_B4
#undef AN_K4_B8
#undef AN_K4_WA
#undef AN_K4_M
#undef AN_K4_SAVE_M
#undef AN_K4_RESTORE_M
#undef AN_K4_XSTR
#undef AN_K4_LOOP_HEAD
#undef AN_K4_LOOP_TAIL
#undef AN_K4_LOOP_OUT
#undef AN_K4_LOOP_IN
#undef AN_K4_STR
#undef AN_K4_STEP_M
#undef AN_K4_B8_FIRST
#undef AN_K4_MACS0
#undef AN_K4_W
#undef AN_K4_WD
#undef AN_K3_PQ2_ASM
#undef AN_K3I_STEP
#undef AN_K3I_B8
#undef AN_K3I_STEPS10
#undef AN_K3I_STEPS28
#undef AN_K3_PQ_OUT
#undef AN_K3_STEPS36
#undef AN_K3_STEPS28
#undef AN_K3_STEPS12
#undef AN_K3_STEPS10
#undef AN_K3_ASM
#undef AN_K3_B4
#undef AN_K3_B8
#undef AN_K3_STEP_3
#undef AN_K3_STEP_2
#undef AN_K3_STEP_1
#undef AN_K3_MACS
#undef AN_K3_ROW
#undef AN_K3_COLS
#undef AN_K3_COLS_AT
#undef AN_K3P_WIDEN_ASM
#undef AN_K3P_PIXEL4
#undef AN_K3P_PIXEL12
#undef AN_K3P_PIXEL4_AT
#undef AN_K3P_SPLIT
#undef AN_K3P_PIXEL12_AT
#undef AN_K3P_ROW12_AT

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
// three runs lie inside the image and before the tensor's end; in the row whose third input row is just below the
// image, [blo, blo + bspan] where its first two runs do (an_k3_pq_row's bottom run; none elsewhere).
typedef struct {
  int32_t oy, ox, at, row_at, lo, span, blo, bspan;
} an_kxk3_walk;

// The interior columns of row w->oy (w->row_at its first pixel's run): ox_lo..ox_hi where the row's three input
// rows lie inside the image, cut where a pixel's runs (last_end bytes from its first) would pass the tensor's end.
// Where only the third input row is outside (just below the image): the same columns in blo / bspan, cut where a
// pixel's first two runs (last_end - row_step bytes) would pass the tensor's end.
static void an_kxk3_row(const an_im2col_w16_params *g, an_kxk3_walk *w, int32_t ox_lo, int32_t ox_hi,
                        int32_t last_end) {
  const int32_t iy0 = w->oy * g->stride_h - g->pad_h, step_w = g->stride_w * g->n;
  int32_t hi = ox_hi;
  w->blo = 0x40000000, w->bspan = 0;
  if (iy0 >= 0 && iy0 + 2 == g->in_h) {
    const int32_t room = g->in_left - (last_end - g->row_step) - w->row_at;
    const int32_t bhi = room < 0 ? ox_lo - 1 : room / step_w < ox_hi ? room / step_w : ox_hi;
    if (bhi >= ox_lo) w->blo = ox_lo, w->bspan = bhi - ox_lo;
  }
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
                                                                const int32_t seg, const int prep, const int lo_at_zp) {
  const int32_t rs = prep ? 4 : 3;  // values per channel record
  (void)lo_at_zp;                   // (optimised builds' an_k3_pq_row only)
  const int32_t stride_w = g->stride_w, k4 = 3 * seg;
  const int32_t pixels = out_h * out_w, step_w = stride_w * g->n, step_h = g->stride_h * g->in_w * g->n;
  // Interior output columns (ceil and floor of the bounds; an empty range where none).
  const int32_t ox_lo = (g->pad_w + stride_w - 1) / stride_w;
  const int32_t ox_right = (g->in_w - 3 + g->pad_w) / stride_w, ox_hi = ox_right < out_w ? ox_right : out_w - 1;
  const int32_t last_end = 2 * g->row_step + seg;  // bytes a pixel's runs read from its first
  const int32_t groups = out_c / 3, tail = out_c - 3 * groups;
  an_kxk3_walk w = {0, 0, 0, 0, 0, 0, 0, 0};
  w.at = w.row_at = -(g->pad_h * g->in_w + g->pad_w) * g->n;
  an_kxk3_row(g, &w, ox_lo, ox_hi, last_end);
  for (int32_t pix = 0; pix < pixels; pix += 2) {
    const int two = pix + 1 < pixels;
    int8_t *o0 = out + pix * out_c;
    int8_t *o1 = o0 + (two ? out_c : 0);
#if defined(__OPTIMIZE__)
    // The row's pairs from here in one asm statement (an_k3_pq_row): its interior run (ox + 2 k + 1 <= lo + span),
    // or in the row just above the image's bottom edge its bottom run (blo, bspan).
    const int bottom = (uint32_t)(w.ox - w.blo) < (uint32_t)w.bspan;
    const int32_t run_lo = bottom ? w.blo : w.lo, run_span = bottom ? w.bspan : w.span;
    if (prep && !(out_c & 3) && (uint32_t)(w.ox - run_lo) < (uint32_t)run_span) {
      const int32_t pairs = (run_lo + run_span - w.ox + 1) >> 1;
      // Then the pair at the run's last column (ox_e) whose pixel 1 (the same row) has only its kx = 2 taps outside
      // the image, on the right, where its runs (read 2 bytes past each row) end before the tensor's: in the same
      // statement, not through the gathered columns.
      const int32_t ox_e = w.ox + 2 * pairs, at_e = w.at + (2 * pairs + 1) * step_w;
      const int32_t reach = bottom ? last_end - g->row_step : last_end;
      const int edge = ox_e == run_lo + run_span && ox_e + 1 < out_w &&
                       (ox_e + 1) * stride_w - g->pad_w + 2 == g->in_w && at_e + reach <= g->in_left;
      const int32_t done = pairs + edge;
      an_k3_pq_row(in + w.at, pairs, step_w, g->row_step, filter, channel, out_c, o0, seg,
                   edge | bottom << 1 | (uint8_t)g->pad << 8, lo_at_zp);
      pix += 2 * (done - 1);
      w.at += 2 * done * step_w;
      w.ox += 2 * done;
      if (w.ox == out_w) {
        w.ox = 0, ++w.oy;
        w.at = w.row_at += step_h;
        an_kxk3_row(g, &w, ox_lo, ox_hi, last_end);
      }
      continue;
    }
#endif
    if ((uint32_t)(w.ox - w.lo) < (uint32_t)w.span) {
      // Both pixels interior in the same row (ox and ox + 1 in lo..lo + span; then pix + 1 < pixels).
      if (prep) {
        an_kxk3p_widen2(in + w.at, step_w, g->row_step, scratch, seg);
      } else {
        an_kxk3_widen2(in + w.at, step_w, g->row_step, scratch, seg);
      }
      w.at += 2 * step_w;
      w.ox += 2;
      if (w.ox == out_w) {
        w.ox = 0, ++w.oy;
        w.at = w.row_at += step_h;
        an_kxk3_row(g, &w, ox_lo, ox_hi, last_end);
      }
    } else {
      for (int32_t j = 0; j < 2; ++j) {
        const int interior = (uint32_t)(w.ox - w.lo) <= (uint32_t)w.span;
        if (prep && interior) {
          an_kxk3p_widen(in + w.at, g->row_step, scratch + 4 * j, seg);
        } else if (prep) {
          an_kxk3p_column(g, in, w.oy, w.ox, scratch + 4 * j);
        } else if (interior) {
          an_kxk3_widen(in + w.at, g->row_step, scratch + 4 * j, seg);
        } else {
          an_kxk3_edge(g, in, w.oy, w.ox, scratch + 4 * j);
        }
        if (j == 0 && !two) {  // an odd last pixel twice, the copy dropped
          if (prep) {
            an_kxk3p_column(g, in, w.oy, w.ox, scratch + 4);
          } else {
            an_kxk3_edge(g, in, w.oy, w.ox, scratch + 4);
          }
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
      // The AN_CONV_KXK3_FIRST layout (rows of kr = 12 or 28 values in pairs, KXK3_FIRST_POSITIONS): groups of four
      // channels, then a pair and a last channel.  Pixel 1's outputs at o0 + d (fewer pointers kept across the asm
      // statements), the groups counted by ch.
      const int32_t kr = seg == 4 ? 12 : 28, kind = seg == 4 ? 10 : 28;
      const int32_t d = (int32_t)(o1 - o0);
      const int32_t *const quads_end = ch + 16 * (out_c >> 2);
      if (ch < quads_end) an_k3_pq_quads(&wf, scratch, &ch, quads_end, kind, &o0, d);
      if (out_c & 2) {
        int32_t r[4];
        an_k3_pq_group2(wf, scratch, ch, kind, r);
        o0[0] = (int8_t)r[0], o0[1] = (int8_t)r[2];
        o0[d] = (int8_t)r[1], o0[d + 1] = (int8_t)r[3];
        ch += 8, o0 += 2, wf += 2 * kr;
      }
      if (out_c & 1) {
        int32_t acc[6] = {ch[0], ch[0], 0, 0, 0, 0};
        an_k3_dot1(wf, scratch, kind, acc);
        an_pq_out2(ch, acc[0], acc[1], o0, o0 + d);
      }
      continue;
    }
    for (int32_t i = groups; i > 0; --i, ch += 3 * rs, o0 += 3, o1 += 3, wf += 3 * k4) {
      int32_t acc[6] = {ch[0], ch[0], ch[rs], ch[rs], ch[2 * rs], ch[2 * rs]};
      an_k3_dot3(wf, scratch, k4, acc);
      an_kxk_outs(prep, ch, acc[0], acc[1], round_offset, o0, o1);
      an_kxk_outs(prep, ch + rs, acc[2], acc[3], round_offset, o0 + 1, o1 + 1);
      an_kxk_outs(prep, ch + 2 * rs, acc[4], acc[5], round_offset, o0 + 2, o1 + 2);
    }
    if (tail == 2) {
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
  an_kxk3_first(g, in, filter, channel, out_h, out_w, out_c, out, scratch, round_offset, 4, 0, 0);
}
static void __attribute__((noinline))
an_kxk3_first12(const an_im2col_w16_params *g, const int8_t *in, const int16_t *filter, const int32_t *channel,
                int32_t out_h, int32_t out_w, int32_t out_c, int8_t *out, int16_t *scratch, int32_t round_offset) {
  an_kxk3_first(g, in, filter, channel, out_h, out_w, out_c, out, scratch, round_offset, 12, 0, 0);
}
static void __attribute__((noinline))
an_kxk3_pq_first4(const an_im2col_w16_params *g, const int8_t *in, const int16_t *filter, const int32_t *channel,
                  const an_conv_params *p, int32_t out_w, int32_t out_c, int8_t *out, int16_t *scratch) {
  // p: out_h, and whether act_min is at or above the output zero point (an_k3_pq_row's requantization without kc's
  // - [a < 0]; read here, not by the caller, whose other paths' code stays as it was).
  an_kxk3_first(g, in, filter, channel, p->out_h, out_w, out_c, out, scratch, 0, 4, 1, p->act_min >= p->output_offset);
}
static void __attribute__((noinline))
an_kxk3_pq_first12(const an_im2col_w16_params *g, const int8_t *in, const int16_t *filter, const int32_t *channel,
                   const an_conv_params *p, int32_t out_w, int32_t out_c, int8_t *out, int16_t *scratch) {
  // p: out_h, and whether act_min is at or above the output zero point (an_k3_pq_row's requantization without kc's
  // - [a < 0]; read here, not by the caller, whose other paths' code stays as it was).
  an_kxk3_first(g, in, filter, channel, p->out_h, out_w, out_c, out, scratch, 0, 12, 1, p->act_min >= p->output_offset);
}
#endif

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
#if !AN_CONV_SHARED_LOOPS
static
#endif
    void
    an_kxk_pq_channels(an_conv_out_params q, const int16_t *w, const int16_t *cols, int32_t k4, const int32_t *ch,
                       int32_t out_c, int32_t group, int8_t *o0, int8_t *o1) {
  if (group == 3) {
    for (; out_c >= 3; out_c -= 3, ch += 12, o0 += 3, o1 += 3) w = an_pq_plain_group(q, w, cols, k4, ch, 3, o0, o1);
  } else {
    for (; out_c >= 2; out_c -= 2, ch += 8, o0 += 2, o1 += 2) w = an_pq_plain_group(q, w, cols, k4, ch, 2, o0, o1);
  }
  if (out_c == 2) an_pq_plain_group(q, w, cols, k4, ch, 2, o0, o1);
  if (out_c == 1) an_pq_plain_group(q, w, cols, k4, ch, 1, o0, o1);
}

#if !(AN_USE_DSP && !AN_USE_MVE)
// Output channels [0, out_c) of a pixel pair from prepared records (plain C) in the AN_CONV_KXK3_FIRST layout (K4 =
// k4): the rows in pairs interleaved by words (per two positions row 0's two values, then row 1's), an odd last row
// alone (an_pq_plain_group's single row); the records of each whole group of four channels as its four biases, then
// each channel's {m, kc, e} (kxk3_first_records), those after the last whole group one a channel.
static void an_kxk3p_plain_channels(an_conv_out_params q, const int16_t *w, const int16_t *cols, int32_t k4,
                                    const int32_t *ch, int32_t out_c, int8_t *o0, int8_t *o1) {
  const int32_t *const quads_end = ch + 16 * (out_c >> 2);
  for (int32_t j = 0; out_c >= 2; out_c -= 2, ch += 8, o0 += 2, o1 += 2, j ^= 2) {
    // the pair's two records {2 * bias, m, kc, e}: channels j and j + 1 of the group at ch - 4 j where in one
    const int32_t *g = ch - 4 * j;
    const int in_quad = ch < quads_end;
    const int32_t rec[8] = {in_quad ? g[j] : ch[0],         in_quad ? g[4 + 3 * j] : ch[1],
                            in_quad ? g[5 + 3 * j] : ch[2], in_quad ? g[6 + 3 * j] : ch[3],
                            in_quad ? g[j + 1] : ch[4],     in_quad ? g[7 + 3 * j] : ch[5],
                            in_quad ? g[8 + 3 * j] : ch[6], in_quad ? g[9 + 3 * j] : ch[7]};
    uint32_t a0 = (uint32_t)rec[0], a1 = a0, a2 = (uint32_t)rec[4], a3 = a2;
    // positions 2 s and 2 s + 1: pixel 0's at c[0] and c[1], pixel 1's 4 on (blocks of four positions per pixel)
    for (int32_t s = 0; s < k4 / 2; ++s, w += 4) {
      const int16_t *c = cols + 8 * (s >> 1) + 2 * (s & 1);
      const int32_t x0 = c[0], x1 = c[1], y0 = c[4], y1 = c[5];
      a0 += (uint32_t)(w[0] * x0) + (uint32_t)(w[1] * x1);
      a1 += (uint32_t)(w[0] * y0) + (uint32_t)(w[1] * y1);
      a2 += (uint32_t)(w[2] * x0) + (uint32_t)(w[3] * x1);
      a3 += (uint32_t)(w[2] * y0) + (uint32_t)(w[3] * y1);
    }
    const int32_t acc[4] = {(int32_t)a0, (int32_t)a1, (int32_t)a2, (int32_t)a3};
    an_pq_plain_out(q, rec, acc, 2, o0, o1);
  }
  if (out_c == 1) an_pq_plain_group(q, w, cols, k4, ch, 1, o0, o1);
}
#endif

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
#endif
  // 3x3 first layers of one or three input channels, no dilation (DSP: an_kxk3_first); prepared, their filter
  // rows in pairs (an_conv.h).
  const int first = AN_CONV_KXK3_FIRST(p->k_h, p->k_w, n, p->dilation_h, p->dilation_w);
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * p->in_h * p->in_w * n;
    int8_t *out = output + b * pixels * out_c;
    if (b) g.in_left -= p->in_h * p->in_w * n;
#if AN_USE_DSP && !AN_USE_MVE
    if (fast && first) {
      if (prep) {
        (seg == 4 ? an_kxk3_pq_first4 : an_kxk3_pq_first12)(&g, in, filter, channel, p, out_w, out_c, out, scratch);
      } else {
        (seg == 4 ? an_kxk3_first4 : an_kxk3_first12)(&g, in, filter, channel, p->out_h, out_w, out_c, out, scratch,
                                                      round_offset);
      }
      continue;
    }
#endif
    an_conv_walk w = an_conv_walk_start(p, in);
    for (int32_t pix = 0; pix < pixels; pix += 2) {
      const an_conv_pair x = an_conv_walk_pair(&w, pix, pixels, out_c);
      const int two = x.two;
      int8_t *out0 = out + pix * out_c;
      if (prep && first) {
        an_kxk3p_column(&g, in, x.oy0, x.ox0, scratch);
        an_kxk3p_column(&g, in, x.oy1, x.ox1, scratch + 4);
      } else {
        an_conv_im2col_w16(&g, in, x.oy0, x.ox0, 0, scratch);
        an_conv_im2col_w16(&g, in, x.oy1, x.ox1, 1, scratch);
      }
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
      if (prep && first) {
#if AN_USE_DSP && !AN_USE_MVE
        // (not reached: DSP cores take an_kxk3_pq_first4 / 12 above)
        an_kxk_pq_channels(q, filter, scratch, n == 3 ? 28 : 12, channel, out_c, 2, out0, out0 + (two ? out_c : 0));
#else
        an_kxk3p_plain_channels(q, filter, scratch, n == 3 ? 28 : 12, channel, out_c, out0, out0 + (two ? out_c : 0));
#endif
      } else if (prep) {
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
