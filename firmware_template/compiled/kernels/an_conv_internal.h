// attendnets compiled runtime: what the CONV_2D kernel files (an_conv.c, an_conv_mve.c, an_conv_kxk.c,
// an_conv_pointwise.c) share; included by those files only, never by model.c.
#ifndef AN_CONV_INTERNAL_H_
#define AN_CONV_INTERNAL_H_

#include <stddef.h>

#include "an_common.h"
#include "an_conv.h"
#include "an_dot.h"

// The parameters requantization needs, in locals (the int8 stores could alias *p).
typedef struct {
  int32_t offset, lo, hi;
} an_conv_out_params;

static inline int8_t an_conv_out(an_conv_out_params q, int32_t acc, int32_t m, int32_t s) {
  acc = an_requantize(acc, m, s) + q.offset;
  return (int8_t)an_clamp(acc, q.lo, q.hi);
}

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

// Whether an_conv_kxk.c's channel loops of int16 filter rows (an_conv_channels_w16, an_kxk_pq_channels) serve the
// other conv files too: where their plain-C paths run (cores without the DSP extension, Helium, and unoptimised
// builds, where an_conv_pointwise.c's four-pixel kernels do not build: AN_P4).  On DSP cores they stay static in
// an_conv_kxk.c, inlined into its kernels.
#if !AN_USE_DSP || AN_USE_MVE || !defined(__OPTIMIZE__)
#define AN_CONV_SHARED_LOOPS 1
void an_conv_channels_w16(an_conv_out_params q, const int16_t *w, const int16_t *cols, int32_t k4, const int32_t *ch,
                          int32_t n, int8_t *o0, int32_t out1_offset);
void an_kxk_pq_channels(an_conv_out_params q, const int16_t *w, const int16_t *cols, int32_t k4, const int32_t *ch,
                        int32_t out_c, int32_t group, int8_t *o0, int8_t *o1);
#else
#define AN_CONV_SHARED_LOOPS 0
#endif

#endif  // AN_CONV_INTERNAL_H_
