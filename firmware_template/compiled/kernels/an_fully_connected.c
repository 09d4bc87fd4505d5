// attendnets compiled runtime: FULLY_CONNECTED (see an_fully_connected.h).
// Bit-exact with TFLM's reference FullyConnected / FullyConnectedPerChannel for int8.  All sums
// are int32 and wrap as TFLM's accumulator does (uint32 arithmetic in C; SMLAD wraps too).
#include "an_fully_connected.h"

#include "an_dot.h"

// sum_d w[d] * x[d] over one whole row (int32, wrapping).
static inline uint32_t an_fc_dot(const int8_t *w, const int8_t *x, int32_t n) {
  uint32_t acc = 0;
  int32_t d = 0;
#if AN_USE_DSP
  for (; d + 4 <= n; d += 4) {
    const uint32_t wv = an_read_u32(w + d), xv = an_read_u32(x + d);
    // (w0,w2).(x0,x2) + (w1,w3).(x1,x3): both sides sign-extended by SXTB16 in the same order.
    acc = (uint32_t)__smlad(an_sxtb16_ror8(wv), an_sxtb16_ror8(xv), __smlad(__sxtb16(wv), __sxtb16(xv), (int32_t)acc));
  }
#endif
  for (; d < n; ++d) acc += (uint32_t)((int32_t)w[d] * (int32_t)x[d]);
  return acc;
}

// Four rows (a group of the layout) by the input: acc[r] += sum_d w_r[d] * x[d] over d < d4 (a
// multiple of four); returns the weights after the group's blocks.
static inline const int8_t *an_fc_dot_4rows(const int8_t *w, const int8_t *x, int32_t d4, uint32_t *acc) {
#if AN_USE_MVE
  return an_fc_dot_4rows_mve(w, x, d4, acc);
#endif
#if AN_USE_DSP
  int32_t a0 = (int32_t)acc[0], a1 = (int32_t)acc[1], a2 = (int32_t)acc[2], a3 = (int32_t)acc[3];
#define AN_FC_STEP(X, W)                                                                \
  do {                                                                                  \
    const uint32_t xv = an_read_u32(X), wa = an_read_u32(W), wb = an_read_u32((W) + 4); \
    const int32_t x02 = __sxtb16(xv), x13 = an_sxtb16_ror8(xv);                         \
    a0 = __smlad(__sxtb16(wa), x02, a0);                                                \
    a0 = __smlad(an_sxtb16_ror8(wa), x13, a0);                                          \
    a1 = __smlad(__sxtb16(wb), x02, a1);                                                \
    a1 = __smlad(an_sxtb16_ror8(wb), x13, a1);                                          \
    const uint32_t wc = an_read_u32((W) + 8), wd = an_read_u32((W) + 12);               \
    a2 = __smlad(__sxtb16(wc), x02, a2);                                                \
    a2 = __smlad(an_sxtb16_ror8(wc), x13, a2);                                          \
    a3 = __smlad(__sxtb16(wd), x02, a3);                                                \
    a3 = __smlad(an_sxtb16_ror8(wd), x13, a3);                                          \
  } while (0)
  // Eight values per pass, then four; the barrier keeps the second half's loads after the
  // first half's multiplies (hoisted, they would not fit in the registers).
  const int8_t *const end8 = x + (d4 & ~7);
  while (x < end8) {
    AN_FC_STEP(x, w);
    __asm__ volatile("" ::: "memory");
    AN_FC_STEP(x + 4, w + 16);
    x += 8;
    w += 32;
  }
  if (d4 & 4) {
    AN_FC_STEP(x, w);
    w += 16;
  }
#undef AN_FC_STEP
  acc[0] = (uint32_t)a0;
  acc[1] = (uint32_t)a1;
  acc[2] = (uint32_t)a2;
  acc[3] = (uint32_t)a3;
#else
  // Each block's four inputs read once for the four rows, the sums in locals (the int8 loads of
  // the weights cannot then alias them).
  uint32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  for (int32_t d = 0; d < d4; d += 4, w += 16) {
    const int32_t x0 = x[d], x1 = x[d + 1], x2 = x[d + 2], x3 = x[d + 3];
    a0 += (uint32_t)(w[0] * x0 + w[1] * x1 + w[2] * x2 + w[3] * x3);
    a1 += (uint32_t)(w[4] * x0 + w[5] * x1 + w[6] * x2 + w[7] * x3);
    a2 += (uint32_t)(w[8] * x0 + w[9] * x1 + w[10] * x2 + w[11] * x3);
    a3 += (uint32_t)(w[12] * x0 + w[13] * x1 + w[14] * x2 + w[15] * x3);
  }
  acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
#endif
  return w;
}

static inline int8_t an_fc_out(const an_fc_params *p, int32_t acc, int32_t m, int32_t s) {
  const int32_t v = an_requantize(acc, m, s) + p->output_offset;
  return (int8_t)an_clamp(v, p->act_min, p->act_max);
}

void an_fully_connected_s8(const an_fc_params *p, const int8_t *input, const int8_t *weights, const int32_t *bias,
                           int8_t *output) {
  const int32_t depth = p->accum_depth, d4 = depth & ~3, tail = depth - d4, out_depth = p->output_depth;
  // Per-channel values walk with the channel; a per-tensor value (or a missing bias) stays put.
  static const int32_t no_bias = 0;
  const int32_t *const bias0 = bias ? bias : &no_bias;
  const int32_t *const mult0 = p->multipliers ? p->multipliers : &p->multiplier;
  const int32_t *const shift0 = p->multipliers ? p->shifts : &p->shift;
  const int32_t bias_step = bias ? 1 : 0, quant_step = p->multipliers ? 1 : 0;
#if AN_USE_DSP && !AN_USE_MVE
  const int32_t round_offset = 1 + 2 * p->output_offset, lo = p->act_min, hi = p->act_max;
#endif
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *x = input + b * depth;
    int8_t *out = output + b * out_depth;
    // The weights-offset term, sum_d weights_offset * x[d], is the same for every channel.
    uint32_t offset_term = 0;
    if (p->weights_offset != 0) {
      uint32_t sum_x = 0;
      for (int32_t d = 0; d < depth; ++d) sum_x += (uint32_t)(int32_t)x[d];
      offset_term = sum_x * (uint32_t)p->weights_offset;
    }
    const int8_t *w = weights;
    const int32_t *bp = bias0, *mp = mult0, *sp = shift0;
    int32_t c = 0;
    for (; c + 4 <= out_depth; c += 4) {
      uint32_t acc[4] = {offset_term, offset_term, offset_term, offset_term};
      w = an_fc_dot_4rows(w, x, d4, acc);
      if (tail) {
        for (int32_t r = 0; r < 4; ++r, w += tail) {
          for (int32_t d = 0; d < tail; ++d) acc[r] += (uint32_t)((int32_t)w[d] * (int32_t)x[d4 + d]);
        }
      }
      // All four results before any store (an int8 store may alias the parameters' arrays).
      int32_t r0, r1, r2, r3;
#if AN_USE_DSP && !AN_USE_MVE
      // A negative shift with a positive multiplier (in [2^30, 2^31)): an_out_s8_right_shift.
#define AN_FC_OUT(A, R)                                                                       \
  do {                                                                                        \
    const int32_t a_ = (int32_t)((A) + (uint32_t)*bp), m_ = *mp, s_ = *sp;                    \
    bp += bias_step, mp += quant_step, sp += quant_step;                                      \
    if (__builtin_expect((s_ & ~m_) < 0, 1)) {                                                \
      R = an_out_s8_right_shift(a_, (int32_t)((uint32_t)m_ << 1), ~s_, round_offset, lo, hi); \
    } else {                                                                                  \
      R = an_fc_out(p, a_, m_, s_);                                                           \
    }                                                                                         \
  } while (0)
#else
#define AN_FC_OUT(A, R)                                         \
  do {                                                          \
    R = an_fc_out(p, (int32_t)((A) + (uint32_t)*bp), *mp, *sp); \
    bp += bias_step, mp += quant_step, sp += quant_step;        \
  } while (0)
#endif
      AN_FC_OUT(acc[0], r0);
      AN_FC_OUT(acc[1], r1);
      AN_FC_OUT(acc[2], r2);
      AN_FC_OUT(acc[3], r3);
#undef AN_FC_OUT
      out[c] = (int8_t)r0;
      out[c + 1] = (int8_t)r1;
      out[c + 2] = (int8_t)r2;
      out[c + 3] = (int8_t)r3;
    }
    for (; c < out_depth; ++c, w += depth, bp += bias_step, mp += quant_step, sp += quant_step) {
      out[c] = an_fc_out(p, (int32_t)(offset_term + an_fc_dot(w, x, depth) + (uint32_t)*bp), *mp, *sp);
    }
  }
}

// ---- int16 weights (an_fully_connected_s8_w16, DSP cores) ----

#if AN_USE_DSP
// Four rows of a group by one block of four inputs given as (x0,x2) and (x1,x3): each row's two
// words (v0,v2) and (v1,v3).
#define AN_FC16_STEP(X02, X13, W)                 \
  do {                                            \
    a0 = __smlad(an_read_u32(W), X02, a0);        \
    a0 = __smlad(an_read_u32((W) + 2), X13, a0);  \
    a1 = __smlad(an_read_u32((W) + 4), X02, a1);  \
    a1 = __smlad(an_read_u32((W) + 6), X13, a1);  \
    a2 = __smlad(an_read_u32((W) + 8), X02, a2);  \
    a2 = __smlad(an_read_u32((W) + 10), X13, a2); \
    a3 = __smlad(an_read_u32((W) + 12), X02, a3); \
    a3 = __smlad(an_read_u32((W) + 14), X13, a3); \
  } while (0)

#if defined(__GNUC__)
// The same for the block at xp, both pointers advanced: the input word and the first two rows'
// words in one run of loads, the last two rows' in another (a load right after a load takes one
// cycle on the Cortex-M4; GCC interleaves them with the multiplies when written in C).  It reads
// the input and the weights, which nothing in the kernel writes (the output never overlaps the
// input), hence no memory clobber (one would make GCC reload every parameter after it).
#define AN_FC16_BLOCK()                                                                                           \
  do {                                                                                                            \
    uint32_t xv_, x02_, w0_, w1_, w2_, w3_;                                                                       \
    __asm__(                                                                                                      \
        "ldr %[xv], [%[x]], #4\n\t"                                                                               \
        "ldr %[w0], [%[w]], #4\n\t"                                                                               \
        "ldr %[w1], [%[w]], #4\n\t"                                                                               \
        "ldr %[w2], [%[w]], #4\n\t"                                                                               \
        "ldr %[w3], [%[w]], #4\n\t"                                                                               \
        "sxtb16 %[x02], %[xv]\n\t"                                                                                \
        "sxtb16 %[xv], %[xv], ror #8\n\t"                                                                         \
        "smlad %[a0], %[w0], %[x02], %[a0]\n\t"                                                                   \
        "smlad %[a0], %[w1], %[xv], %[a0]\n\t"                                                                    \
        "smlad %[a1], %[w2], %[x02], %[a1]\n\t"                                                                   \
        "smlad %[a1], %[w3], %[xv], %[a1]\n\t"                                                                    \
        "ldr %[w0], [%[w]], #4\n\t"                                                                               \
        "ldr %[w1], [%[w]], #4\n\t"                                                                               \
        "ldr %[w2], [%[w]], #4\n\t"                                                                               \
        "ldr %[w3], [%[w]], #4\n\t"                                                                               \
        "smlad %[a2], %[w0], %[x02], %[a2]\n\t"                                                                   \
        "smlad %[a2], %[w1], %[xv], %[a2]\n\t"                                                                    \
        "smlad %[a3], %[w2], %[x02], %[a3]\n\t"                                                                   \
        "smlad %[a3], %[w3], %[xv], %[a3]"                                                                        \
        : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x] "+r"(xp), [w] "+r"(w), [xv] "=&r"(xv_), \
          [x02] "=&r"(x02_), [w0] "=&r"(w0_), [w1] "=&r"(w1_), [w2] "=&r"(w2_), [w3] "=&r"(w3_)                   \
        :);                                                                                                       \
  } while (0)
#else
#define AN_FC16_BLOCK()                                             \
  do {                                                              \
    const uint32_t xv_ = an_read_u32(xp);                           \
    const int32_t x02_ = __sxtb16(xv_), x13_ = an_sxtb16_ror8(xv_); \
    AN_FC16_STEP(x02_, x13_, w);                                    \
    xp += 4;                                                        \
    w += 16;                                                        \
  } while (0)
#endif

// clamp(an_requantize(acc, m, s) + offset, lo, hi): the nine-instruction form for a right shift
// with a multiplier in [2^30, 2^31) (an_out_s8_right_shift), else the general one.
static inline int32_t an_fc16_out(int32_t acc, int32_t m, int32_t s, int32_t offset, int32_t round_offset, int32_t lo,
                                  int32_t hi) {
  if (__builtin_expect((s & ~m) < 0, 1)) {
    return an_out_s8_right_shift(acc, (int32_t)((uint32_t)m << 1), ~s, round_offset, lo, hi);
  }
  return an_clamp(an_requantize(acc, m, s) + offset, lo, hi);
}

// an_out_s8_right_shift without the clamp, from the generator's m2 = 2 * multiplier (mod 2^32) and
// e1 = -shift - 1: SSAT's int8 (the caller clamps four at once).
static inline int32_t an_fc16_out_right(int32_t acc, int32_t m2, int32_t e1, int32_t round_offset) {
  int32_t h, r;
  __asm__("smmlar %0, %1, %2, %1" : "=r"(h) : "r"(acc), "r"(m2));
  const int32_t v = __qadd((h + (h >> 31)) >> e1, round_offset);
  __asm__("ssat %0, #8, %1, asr #1" : "=r"(r) : "r"(v));
  return r;
}

// Four int8 values (in the low bytes of r0..r3) in one word, r0 in the lowest byte.
static inline uint32_t an_fc16_pack4(int32_t r0, int32_t r1, int32_t r2, int32_t r3) {
  uint32_t r = (uint32_t)r0;
#if defined(__GNUC__)
  __asm__("bfi %0, %1, #8, #24" : "+r"(r) : "r"(r1));
  __asm__("bfi %0, %1, #16, #16" : "+r"(r) : "r"(r2));
  __asm__("bfi %0, %1, #24, #8" : "+r"(r) : "r"(r3));
#else
  r = (r & 0xFFu) | ((uint32_t)r1 & 0xFFu) << 8 | ((uint32_t)r2 & 0xFFu) << 16 | (uint32_t)r3 << 24;
#endif
  return r;
}

// A group's four outputs by an_fc16_out_right with the group's records q (m2 at q[4..7], e1 at
// q[8..11]), packed as by an_fc16_pack4 (not clamped).  Written in C, GCC spills around it (four
// accumulators, the record pointer and the constants live at once); here each pair of outputs
// loads its four values in one run of loads.
static inline uint32_t an_fc16_out4_right(int32_t a0, int32_t a1, int32_t a2, int32_t a3, const int32_t *q,
                                          int32_t round_offset) {
#if defined(__GNUC__)
  uint32_t m0, m1, e0, e1;
  __asm__(
      "ldr %[m0], [%[q], #16]\n\t"
      "ldr %[m1], [%[q], #20]\n\t"
      "ldr %[e0], [%[q], #32]\n\t"
      "ldr %[e1], [%[q], #36]\n\t"
      "smmlar %[a0], %[a0], %[m0], %[a0]\n\t"
      "smmlar %[a1], %[a1], %[m1], %[a1]\n\t"
      "add %[a0], %[a0], %[a0], asr #31\n\t"
      "add %[a1], %[a1], %[a1], asr #31\n\t"
      "asr %[a0], %[a0], %[e0]\n\t"
      "asr %[a1], %[a1], %[e1]\n\t"
      "ldr %[m0], [%[q], #24]\n\t"
      "ldr %[m1], [%[q], #28]\n\t"
      "ldr %[e0], [%[q], #40]\n\t"
      "ldr %[e1], [%[q], #44]\n\t"
      "smmlar %[a2], %[a2], %[m0], %[a2]\n\t"
      "smmlar %[a3], %[a3], %[m1], %[a3]\n\t"
      "add %[a2], %[a2], %[a2], asr #31\n\t"
      "add %[a3], %[a3], %[a3], asr #31\n\t"
      "asr %[a2], %[a2], %[e0]\n\t"
      "asr %[a3], %[a3], %[e1]\n\t"
      "qadd %[a0], %[a0], %[ro]\n\t"
      "qadd %[a1], %[a1], %[ro]\n\t"
      "qadd %[a2], %[a2], %[ro]\n\t"
      "qadd %[a3], %[a3], %[ro]\n\t"
      "ssat %[a0], #8, %[a0], asr #1\n\t"
      "ssat %[a1], #8, %[a1], asr #1\n\t"
      "ssat %[a2], #8, %[a2], asr #1\n\t"
      "ssat %[a3], #8, %[a3], asr #1\n\t"
      "bfi %[a0], %[a1], #8, #24\n\t"
      "bfi %[a0], %[a2], #16, #16\n\t"
      "bfi %[a0], %[a3], #24, #8"
      : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [m0] "=&r"(m0), [m1] "=&r"(m1), [e0] "=&r"(e0),
        [e1] "=&r"(e1)
      : [q] "r"(q), [ro] "r"(round_offset));
  return (uint32_t)a0;
#else
  return an_fc16_pack4(an_fc16_out_right(a0, q[4], q[8], round_offset), an_fc16_out_right(a1, q[5], q[9], round_offset),
                       an_fc16_out_right(a2, q[6], q[10], round_offset),
                       an_fc16_out_right(a3, q[7], q[11], round_offset));
#endif
}
#endif

void an_fully_connected_s8_w16(const an_fc_params *p, const int8_t *input, const int16_t *weights,
                               const int32_t *channels, int8_t *output) {
  const int32_t depth = p->accum_depth, blocks = depth >> 2, tail = depth & 3, out_depth = p->output_depth;
  const int32_t groups = out_depth >> 2, left = out_depth & 3;
  const int32_t offset = p->output_offset, lo = p->act_min, hi = p->act_max, right_shifts = p->right_shifts;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *const x = input + b * depth;
    int8_t *out = output + b * out_depth;
    const int16_t *w = weights;
    const int32_t *q = channels;
#if AN_USE_DSP
    const int32_t round_offset = 1 + 2 * offset;
    // The activation's range in four bytes, for SSUB8/SEL (the clamp of four outputs at once).
    const uint32_t lo4 = ((uint32_t)lo & 0xFFu) * 0x01010101u, hi4 = ((uint32_t)hi & 0xFFu) * 0x01010101u;
    // The last 1-3 inputs as a block padded with zeros (their weights are zero): read once per row.
    uint32_t xt = 0;
    for (int32_t k = 0; k < tail; ++k) xt |= (uint32_t)(uint8_t)x[4 * blocks + k] << (8 * k);
    const int32_t xt02 = __sxtb16(xt), xt13 = an_sxtb16_ror8(xt);
    const int8_t *const x_quads = x + 4 * (blocks & 3) + 16 * (blocks >> 2);
    int8_t *const out_groups = out + 4 * groups;
    while (out != out_groups) {
      int32_t a0 = q[0], a1 = q[1], a2 = q[2], a3 = q[3];
      const int8_t *xp = x;
      for (int32_t n = blocks & 3; n > 0; --n) AN_FC16_BLOCK();
      while (xp != x_quads) {
        AN_FC16_BLOCK();
        AN_FC16_BLOCK();
        AN_FC16_BLOCK();
        AN_FC16_BLOCK();
      }
      if (tail) {
        AN_FC16_STEP(xt02, xt13, w);
        w += 16;
      }
      uint32_t r;
      if (right_shifts) {
        r = an_fc16_out4_right(a0, a1, a2, a3, q, round_offset);
        // The four clamped at once: SSUB8 sets a GE flag per byte where the first operand is at
        // least the second (signed), SEL picks by them.
        (void)__ssub8(r, lo4);
        r = __sel(r, lo4);
        (void)__ssub8(r, hi4);
        r = __sel(hi4, r);
      } else {
        r = an_fc16_pack4(an_fc16_out(a0, q[4], q[8], offset, round_offset, lo, hi),
                          an_fc16_out(a1, q[5], q[9], offset, round_offset, lo, hi),
                          an_fc16_out(a2, q[6], q[10], offset, round_offset, lo, hi),
                          an_fc16_out(a3, q[7], q[11], offset, round_offset, lo, hi));
      }
      memcpy(out, &r, 4);
      out += 4;
      q += 12;
    }
    // The last group's rows (output_depth % 4) one at a time, each row's block 4 values apart.
    for (int32_t r = 0; r < left; ++r) {
      int32_t a = q[r];
      const int16_t *wr = w + 4 * r;
      const int8_t *xp = x;
      for (int32_t n = blocks; n > 0; --n, xp += 4, wr += 4 * left) {
        const uint32_t xv = an_read_u32(xp);
        a = __smlad(an_read_u32(wr), __sxtb16(xv), a);
        a = __smlad(an_read_u32(wr + 2), an_sxtb16_ror8(xv), a);
      }
      if (tail) {
        a = __smlad(an_read_u32(wr), xt02, a);
        a = __smlad(an_read_u32(wr + 2), xt13, a);
      }
      const int32_t m = q[left + r], s = q[2 * left + r];
      out[r] = (int8_t)(right_shifts ? an_clamp(an_fc16_out_right(a, m, s, round_offset), lo, hi)
                                     : an_fc16_out(a, m, s, offset, round_offset, lo, hi));
    }
#else
    // The same products in the same layout: per group and block of four inputs, each row's
    // (v0, v2, v1, v3); the padding's weights are zero and meet a zero input.  Each sum of four
    // products lies within +-4 * 255 * 128 (int, no overflow); the accumulators wrap as uint32.
    int32_t xt[4];
    for (int32_t k = 0; k < 4; ++k) xt[k] = k < tail ? x[4 * blocks + k] : 0;
#define AN_FC16_ROW(A, V, X0, X1, X2, X3) A += (uint32_t)((V)[0] * (X0) + (V)[1] * (X2) + (V)[2] * (X1) + (V)[3] * (X3))
    for (int32_t c = 0; c < out_depth; c += 4) {
      const int32_t rows = out_depth - c < 4 ? out_depth - c : 4;
      uint32_t acc[4];
      for (int32_t r = 0; r < rows; ++r) acc[r] = (uint32_t)q[r];
      const int8_t *xp = x;
      if (rows == 4) {
        uint32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
        for (int32_t n = blocks; n > 0; --n, xp += 4, w += 16) {
          const int32_t x0 = xp[0], x1 = xp[1], x2 = xp[2], x3 = xp[3];
          AN_FC16_ROW(a0, w, x0, x1, x2, x3);
          AN_FC16_ROW(a1, w + 4, x0, x1, x2, x3);
          AN_FC16_ROW(a2, w + 8, x0, x1, x2, x3);
          AN_FC16_ROW(a3, w + 12, x0, x1, x2, x3);
        }
        acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
      } else {
        for (int32_t n = blocks; n > 0; --n, xp += 4, w += 4 * rows) {
          for (int32_t r = 0; r < rows; ++r) AN_FC16_ROW(acc[r], w + 4 * r, xp[0], xp[1], xp[2], xp[3]);
        }
      }
      if (tail) {
        for (int32_t r = 0; r < rows; ++r) AN_FC16_ROW(acc[r], w + 4 * r, xt[0], xt[1], xt[2], xt[3]);
        w += 4 * rows;
      }
#undef AN_FC16_ROW
      for (int32_t r = 0; r < rows; ++r) {
        int32_t m = q[rows + r], s = q[2 * rows + r];
        if (right_shifts) {  // the generator's (2 * multiplier mod 2^32, -shift - 1)
          m = (int32_t)((uint32_t)m >> 1);
          s = -s - 1;
        }
        out[c + r] = (int8_t)an_clamp(an_requantize((int32_t)acc[r], m, s) + offset, lo, hi);
      }
      q += 3 * rows;
    }
#endif
  }
}
