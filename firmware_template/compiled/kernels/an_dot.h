// attendnets compiled runtime: helpers shared by the kernels, header-only, static inline:
// the SXTB16-with-rotate the DSP paths use, and CONV_2D's im2col widening and 2x2 dot products
// (two output channels by two pixels).
//
// Filter rows are stored by the generator zero-padded to a multiple of four values and
// permuted in blocks of four as w0 w2 w1 w3: one 32-bit load and two SXTB16 then
// give the int16 pairs (w0,w1) and (w2,w3) that SMLAD multiplies with the column's
// natural-order pairs (c0,c1) and (c2,c3).  The plain-C path reads the same layout and
// adds the same products, so both paths give the same int32 sums.
#ifndef AN_DOT_H_
#define AN_DOT_H_

#include <stdint.h>
#include <string.h>

#include "an_common.h"
#include "an_dot_mve.h"

#if AN_USE_DSP
// 32-bit views of int8/int16 data (filters, im2col columns) that the compiler must not assume
// distinct from the int8/int16 stores that wrote them (GCC and Clang: may_alias).
typedef int32_t an_word_t __attribute__((may_alias));
typedef uint32_t an_uword_t __attribute__((may_alias));

static inline uint32_t an_read_u32(const void *p) {
  uint32_t v;
  memcpy(&v, p, 4);  // one LDR (unaligned access is allowed on these cores)
  return v;
}

static inline int32_t an_sxtb16_ror8(uint32_t x) {
#if defined(__GNUC__)
  int32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
  return r;
#else
  return (int32_t)__sxtb16((x >> 8) | (x << 24));
#endif
}
#endif

#if AN_USE_DSP
// Four int8 values as four int16 in their order at dst (4-byte aligned): one load, two SXTB16
// and two halfword packs (PKHBT/PKHTB; GCC does not find them in the C of the same).
static inline void an_widen_4(const int8_t *src, int16_t *dst) {
  const uint32_t x = an_read_u32(src);
  const uint32_t even = (uint32_t)__sxtb16(x);       // (x0, x2)
  const uint32_t odd = (uint32_t)an_sxtb16_ror8(x);  // (x1, x3)
  uint32_t lo, hi;
#if defined(__GNUC__)
  __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(lo) : "r"(even), "r"(odd));  // (x0, x1)
  __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(hi) : "r"(odd), "r"(even));  // (x2, x3)
#else
  lo = (even & 0xFFFFu) | (odd << 16);
  hi = (odd & 0xFFFF0000u) | (even >> 16);
#endif
  an_uword_t *d = (an_uword_t *)(void *)dst;
  d[0] = lo;
  d[1] = hi;
}
#endif

// The columns of two pixels interleaved in blocks of four values: c0[0..3] c1[0..3] c0[4..7]
// c1[4..7] ...  an_widen_s8_pair writes n values of pixel j (0 or 1) from column position k
// (the start of a tap's channels) into that layout.
static inline void an_widen_s8_pair(const int8_t *src, int16_t *cols, int32_t k, int32_t j, int32_t n) {
  // The destination walks with the values: +1 inside a block of four, +4 more at each block's end
  // (over the other pixel's four).  Values up to the next block boundary one by one, then whole
  // blocks of four, then the rest.
  int16_t *dst = cols + 2 * (k & ~3) + 4 * j + (k & 3);
  if (k & 3) {
    int32_t head = 4 - (k & 3);
    if (head > n) head = n;
    n -= head;
    while (head-- > 0) *dst++ = *src++;
    dst += 4;
  }
  const int8_t *const end = src + n;
#if AN_USE_MVE
  // Eight values per VLDRB.S16, stored as two blocks of four 8 halfwords apart by one scatter.
  const uint16x8_t blocks = vld1q(an_mve_col_offsets[0]);
  for (; end - src >= 8; src += 8, dst += 16) vstrhq_scatter_shifted_offset_s16(dst, blocks, vldrbq_s16(src));
#elif AN_USE_DSP
  for (; end - src >= 8; src += 8, dst += 16) {
    an_widen_4(src, dst);
    an_widen_4(src + 4, dst + 8);
  }
#endif
  for (; end - src >= 4; src += 4, dst += 8) {
#if AN_USE_DSP
    an_widen_4(src, dst);
#else
    dst[0] = src[0];
    dst[1] = src[1];
    dst[2] = src[2];
    dst[3] = src[3];
#endif
  }
  while (src < end) *dst++ = *src++;
}

// n copies of value as pixel j's column positions k.. k + n - 1 (the layout of an_widen_s8_pair).
static inline void an_fill_pair(int16_t *cols, int32_t k, int32_t j, int32_t n, int16_t value) {
  int16_t *dst = cols + 2 * (k & ~3) + 4 * j + (k & 3);
  for (int32_t r = 4 - (k & 3); n > 0; --n) {
    *dst++ = value;
    if (--r == 0) dst += 4, r = 4;
  }
}

#if AN_USE_DSP
// One step of four values of the 2x2 dot products (two channels wa, wb by two pixels c0, c1) on a DSP
// core: adds to the accumulators a0 (wa.c0), a1 (wa.c1), a2 (wb.c0), a3 (wb.c1) of the caller's scope.
// W: 8 filter bytes (4 of wa, 4 of wb, each block permuted as above); C: the 8 column values of the two
// pixels as an_widen_s8_pair lays them out.  Used by an_dot_pair_2px and an_conv.c's channel pairs.
#define AN_DOT_PAIR_2PX_STEP(W, C)                                                            \
  do {                                                                                        \
    const uint32_t xa = an_read_u32(W), xb = an_read_u32((W) + 4);                            \
    const int32_t c001 = (int32_t)an_read_u32(C), c023 = (int32_t)an_read_u32((C) + 2);       \
    const int32_t c101 = (int32_t)an_read_u32((C) + 4), c123 = (int32_t)an_read_u32((C) + 6); \
    const int32_t wa01 = __sxtb16(xa), wa23 = an_sxtb16_ror8(xa);                             \
    a0 = __smlad(wa01, c001, a0);                                                             \
    a0 = __smlad(wa23, c023, a0);                                                             \
    a1 = __smlad(wa01, c101, a1);                                                             \
    a1 = __smlad(wa23, c123, a1);                                                             \
    const int32_t wb01 = __sxtb16(xb), wb23 = an_sxtb16_ror8(xb);                             \
    a2 = __smlad(wb01, c001, a2);                                                             \
    a2 = __smlad(wb23, c023, a2);                                                             \
    a3 = __smlad(wb01, c101, a3);                                                             \
    a3 = __smlad(wb23, c123, a3);                                                             \
  } while (0)
#endif

// Two output channels by two pixels: acc[0] += wa.c0, acc[1] += wa.c1, acc[2] += wb.c0,
// acc[3] += wb.c1 over k4 values (a multiple of 4).  The rows of the two channels are
// interleaved in blocks of four (4 bytes of wa, 4 bytes of wb, ...; each block permuted as
// above), 4-byte aligned; the columns as an_widen_s8_pair lays them out, 4-byte aligned.
static inline void an_dot_pair_2px(const int8_t *w, const int16_t *cols, int32_t k4, int32_t *acc) {
#if AN_USE_MVE
  an_dot_pair_2px_mve(w, cols, k4, acc);
  return;
#endif
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
#if AN_USE_DSP
  // Single loads (an_read_u32: never merged into LDRD, which does not pipeline) in a row: the
  // Cortex-M4 overlaps each with the one before it.  Sixteen values per pass, then eight, then four.
  const int16_t *const end16 = cols + 2 * (k4 & ~15);
  while (cols < end16) {
    // The barriers keep each quarter's loads after the previous quarter's multiplies (hoisted,
    // they would not fit in the registers).
    AN_DOT_PAIR_2PX_STEP(w, cols);
    __asm__ volatile("" ::: "memory");
    AN_DOT_PAIR_2PX_STEP(w + 8, cols + 8);
    __asm__ volatile("" ::: "memory");
    AN_DOT_PAIR_2PX_STEP(w + 16, cols + 16);
    __asm__ volatile("" ::: "memory");
    AN_DOT_PAIR_2PX_STEP(w + 24, cols + 24);
    __asm__ volatile("" ::: "memory");
    w += 32;
    cols += 32;
  }
  if (k4 & 8) {
    AN_DOT_PAIR_2PX_STEP(w, cols);
    __asm__ volatile("" ::: "memory");
    AN_DOT_PAIR_2PX_STEP(w + 8, cols + 8);
    w += 16;
    cols += 16;
  }
  if (k4 & 4) AN_DOT_PAIR_2PX_STEP(w, cols);
#else
  for (int32_t i = 0; i < k4; i += 4, w += 8, cols += 8) {
    const int16_t *c0 = cols, *c1 = cols + 4;
    a0 += w[0] * c0[0] + w[2] * c0[1] + w[1] * c0[2] + w[3] * c0[3];
    a1 += w[0] * c1[0] + w[2] * c1[1] + w[1] * c1[2] + w[3] * c1[3];
    a2 += w[4] * c0[0] + w[6] * c0[1] + w[5] * c0[2] + w[7] * c0[3];
    a3 += w[4] * c1[0] + w[6] * c1[1] + w[5] * c1[2] + w[7] * c1[3];
  }
#endif
  acc[0] = a0;
  acc[1] = a1;
  acc[2] = a2;
  acc[3] = a3;
}

// One output channel (a row of k4 values, blocks permuted) by two pixels (interleaved
// columns): acc[0] += w.c0, acc[1] += w.c1.
static inline void an_dot_row_2px(const int8_t *w, const int16_t *cols, int32_t k4, int32_t *acc) {
#if AN_USE_MVE
  an_dot_row_2px_mve(w, cols, k4, acc);
  return;
#endif
  int32_t a0 = acc[0], a1 = acc[1];
#if AN_USE_DSP
  const an_word_t *c = (const an_word_t *)(const void *)cols;
  const an_word_t *const end = c + k4;
  while (c < end) {
    const uint32_t x = an_read_u32(w);
    w += 4;
    const int32_t w01 = __sxtb16(x), w23 = an_sxtb16_ror8(x);
    a0 = __smlad(w01, c[0], a0);
    a0 = __smlad(w23, c[1], a0);
    a1 = __smlad(w01, c[2], a1);
    a1 = __smlad(w23, c[3], a1);
    c += 4;
  }
#else
  for (int32_t i = 0; i < k4; i += 4, w += 4, cols += 8) {
    const int16_t *c0 = cols, *c1 = cols + 4;
    a0 += w[0] * c0[0] + w[2] * c0[1] + w[1] * c0[2] + w[3] * c0[3];
    a1 += w[0] * c1[0] + w[2] * c1[1] + w[1] * c1[2] + w[3] * c1[3];
  }
#endif
  acc[0] = a0;
  acc[1] = a1;
}

#endif  // AN_DOT_H_
