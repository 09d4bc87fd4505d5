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

#if AN_USE_DSP && !AN_USE_MVE
// The outputs of prepared record ch ({2 * bias, m, kc, e}; an_conv.h) for the accumulators a0 (pixel 0) and a1
// (pixel 1), a = 2 * acc: SMMLAR g = kc - [a < 0] + round(a * m / 2^32), then SSAT(g >> e, 8); the activation's
// clamps, where narrower than int8, are left to a pass over the output.
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
#endif

// ---- The walk over a batch's output pixels in pairs (every CONV_2D kernel's outer loop) ----
//
// Output pixels go in pairs (pix, pix + 1) of the batch's out_h * out_w, in order; where pix is the batch's last
// pixel the pair is that pixel twice (computed twice, the copy's outputs dropped: stored over pixel 0's, out1 = 0).
typedef struct {
  const int8_t *in;        // the batch's input
  int32_t oy, ox, out_w;   // the next output pixel
  const int8_t *row;       // 1x1 filters without padding: the input row that output row oy reads
  int32_t step_x, step_y;  // 1x1: bytes from one output pixel's input to the next in a row; from row to row
  int32_t batch_bytes;     // bytes from one batch's input to the next's
} an_conv_walk;

// One pair: its output pixels (oy0, ox0) and (oy1, ox1), for 1x1 filters the input pixels x0 and x1 they read,
// whether they are two pixels (two) and where pixel 1's outputs go from pixel 0's (out1: out_c, or 0).
typedef struct {
  int32_t oy0, ox0, oy1, ox1;
  const int8_t *x0, *x1;
  int two;
  int32_t out1;
} an_conv_pair;

// The walk at the first pixel of the batch whose input is at input (the layer's values read from p: where the loops
// store outputs, once before them, as an int8 store may alias *p; an_conv_walk_batch then starts each batch).
static inline __attribute__((always_inline)) an_conv_walk an_conv_walk_start(const an_conv_params *p,
                                                                             const int8_t *input) {
  const int32_t n = p->in_c;
  const an_conv_walk w = {
      input, 0, 0, p->out_w, input, p->stride_w * n, p->stride_h * p->in_w * n, p->in_h * p->in_w * n};
  return w;
}

// The walk at the first pixel of batch b.
static inline __attribute__((always_inline)) an_conv_walk an_conv_walk_batch(const an_conv_walk *start, int32_t b) {
  an_conv_walk w = *start;
  w.in += b * w.batch_bytes;
  w.row = w.in;
  return w;
}

// The pair at pixel pix of the batch's pixels (the walk at pix); moves the walk past it.
static inline __attribute__((always_inline)) an_conv_pair an_conv_walk_pair(an_conv_walk *w, int32_t pix,
                                                                            int32_t pixels, int32_t out_c) {
  an_conv_pair q;
  q.two = pix + 1 < pixels;
  q.out1 = q.two ? out_c : 0;
  q.oy0 = w->oy, q.ox0 = w->ox, q.x0 = w->row + w->ox * w->step_x;
  if (++w->ox == w->out_w) w->ox = 0, ++w->oy, w->row += w->step_y;
  q.oy1 = q.two ? w->oy : q.oy0, q.ox1 = q.two ? w->ox : q.ox0, q.x1 = q.two ? w->row + w->ox * w->step_x : q.x0;
  if (q.two && ++w->ox == w->out_w) w->ox = 0, ++w->oy, w->row += w->step_y;
  return q;
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
