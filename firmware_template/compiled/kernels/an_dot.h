// attendnets compiled runtime: the inner loops shared by CONV_2D (and any kernel that
// multiplies int8 filter rows with int16 columns).  Header-only, static inline.
//
// Filter rows are stored by the generator permuted in blocks of four values as
// w0 w2 w1 w3 (the last partial block unpermuted): one 32-bit load and two SXTB16 then
// give the int16 pairs (w0,w1) and (w2,w3) that SMLAD multiplies with the column's
// natural-order pairs (c0,c1) and (c2,c3).  The plain-C path reads the same layout and
// adds the same products, so both paths give the same int32 sums.
#ifndef AN_DOT_H_
#define AN_DOT_H_

#include <stdint.h>
#include <string.h>

#include "an_common.h"

#if AN_USE_DSP
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

// dst[i] = src[i] for n values (int8 -> int16).
static inline void an_widen_s8(const int8_t *src, int16_t *dst, int32_t n) {
  int32_t i = 0;
#if AN_USE_DSP
  for (; i + 4 <= n; i += 4) {
    const uint32_t x = an_read_u32(src + i);
    const uint32_t even = (uint32_t)__sxtb16(x);         // (x0, x2)
    const uint32_t odd = (uint32_t)an_sxtb16_ror8(x);    // (x1, x3)
    const uint32_t lo = (even & 0xFFFFu) | (odd << 16);  // (x0, x1)
    const uint32_t hi = (odd & 0xFFFF0000u) | (even >> 16);  // (x2, x3)
    memcpy(dst + i, &lo, 4);
    memcpy(dst + i + 2, &hi, 4);
  }
#endif
  for (; i < n; ++i) dst[i] = src[i];
}

// acc += w . c over k values (w permuted as above).
static inline int32_t an_dot_1(const int8_t *w, const int16_t *c, int32_t k, int32_t acc) {
  int32_t i = 0;
  const int32_t k4 = k & ~3;
#if AN_USE_DSP
  for (; i < k4; i += 4) {
    const uint32_t x = an_read_u32(w + i);
    acc = __smlad(__sxtb16(x), an_read_u32(c + i), acc);
    acc = __smlad(an_sxtb16_ror8(x), an_read_u32(c + i + 2), acc);
  }
#else
  for (; i < k4; i += 4) {
    acc += w[i] * c[i] + w[i + 2] * c[i + 1] + w[i + 1] * c[i + 2] + w[i + 3] * c[i + 3];
  }
#endif
  for (; i < k; ++i) acc += w[i] * c[i];
  return acc;
}

// acc[0] += wa.c0, acc[1] += wa.c1, acc[2] += wb.c0, acc[3] += wb.c1 over k values.
static inline void an_dot_2x2(const int8_t *wa, const int8_t *wb, const int16_t *c0,
                              const int16_t *c1, int32_t k, int32_t *acc) {
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  int32_t i = 0;
  const int32_t k4 = k & ~3;
#if AN_USE_DSP
  for (; i < k4; i += 4) {
    const uint32_t xa = an_read_u32(wa + i);
    const uint32_t xb = an_read_u32(wb + i);
    const int32_t wa01 = __sxtb16(xa), wa23 = an_sxtb16_ror8(xa);
    const int32_t wb01 = __sxtb16(xb), wb23 = an_sxtb16_ror8(xb);
    const int32_t c001 = an_read_u32(c0 + i), c023 = an_read_u32(c0 + i + 2);
    const int32_t c101 = an_read_u32(c1 + i), c123 = an_read_u32(c1 + i + 2);
    a0 = __smlad(wa01, c001, a0);
    a0 = __smlad(wa23, c023, a0);
    a1 = __smlad(wa01, c101, a1);
    a1 = __smlad(wa23, c123, a1);
    a2 = __smlad(wb01, c001, a2);
    a2 = __smlad(wb23, c023, a2);
    a3 = __smlad(wb01, c101, a3);
    a3 = __smlad(wb23, c123, a3);
  }
#else
  for (; i < k4; i += 4) {
    const int32_t wa0 = wa[i], wa1 = wa[i + 2], wa2 = wa[i + 1], wa3 = wa[i + 3];
    const int32_t wb0 = wb[i], wb1 = wb[i + 2], wb2 = wb[i + 1], wb3 = wb[i + 3];
    a0 += wa0 * c0[i] + wa1 * c0[i + 1] + wa2 * c0[i + 2] + wa3 * c0[i + 3];
    a1 += wa0 * c1[i] + wa1 * c1[i + 1] + wa2 * c1[i + 2] + wa3 * c1[i + 3];
    a2 += wb0 * c0[i] + wb1 * c0[i + 1] + wb2 * c0[i + 2] + wb3 * c0[i + 3];
    a3 += wb0 * c1[i] + wb1 * c1[i + 1] + wb2 * c1[i + 2] + wb3 * c1[i + 3];
  }
#endif
  for (; i < k; ++i) {
    a0 += wa[i] * c0[i];
    a1 += wa[i] * c1[i];
    a2 += wb[i] * c0[i];
    a3 += wb[i] * c1[i];
  }
  acc[0] = a0;
  acc[1] = a1;
  acc[2] = a2;
  acc[3] = a3;
}

#endif  // AN_DOT_H_
