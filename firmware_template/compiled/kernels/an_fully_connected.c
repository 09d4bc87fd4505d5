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
  for (int32_t d = 0; d < d4; d += 4, w += 16) {
    for (int32_t r = 0; r < 4; ++r) {
      const int8_t *wr = w + 4 * r;
      acc[r] += (uint32_t)(wr[0] * x[d] + wr[1] * x[d + 1] + wr[2] * x[d + 2] + wr[3] * x[d + 3]);
    }
  }
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
