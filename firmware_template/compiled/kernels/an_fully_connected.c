// attendnets compiled runtime: FULLY_CONNECTED (see an_fully_connected.h).
// Bit-exact with TFLM's reference FullyConnected / FullyConnectedPerChannel for int8.
#include "an_fully_connected.h"

// sum_d w[d] * x[d] (int32, wrapping like TFLM's accumulator).
static inline int32_t an_fc_dot(const int8_t *w, const int8_t *x, int32_t n) {
  uint32_t acc = 0;
  int32_t d = 0;
#if AN_USE_DSP
  for (; d + 4 <= n; d += 4) {
    int32_t wv, xv;
    memcpy(&wv, w + d, 4);
    memcpy(&xv, x + d, 4);
    // Bytes 0,2 and 1,3 sign-extended to halfwords (GCC 12's arm_acle.h has no __ror: a plain
    // rotate, which GCC folds into SXTB16's ROR operand).
    const int32_t w02 = __sxtb16(wv), w13 = __sxtb16((int32_t)(((uint32_t)wv >> 8) | ((uint32_t)wv << 24)));
    const int32_t x02 = __sxtb16(xv), x13 = __sxtb16((int32_t)(((uint32_t)xv >> 8) | ((uint32_t)xv << 24)));
    acc = (uint32_t)__smlad(w13, x13, __smlad(w02, x02, (int32_t)acc));
  }
#endif
  for (; d < n; ++d) acc += (uint32_t)((int32_t)w[d] * (int32_t)x[d]);
  return (int32_t)acc;
}

void an_fully_connected_s8(const an_fc_params *p, const int8_t *input, const int8_t *weights, const int32_t *bias,
                           int8_t *output) {
  const int32_t depth = p->accum_depth;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *x = input + b * depth;
    int8_t *out = output + b * p->output_depth;
    const int8_t *w = weights;
    for (int32_t c = 0; c < p->output_depth; ++c, w += depth) {
      uint32_t acc = (uint32_t)an_fc_dot(w, x, depth);
      if (p->weights_offset != 0) {
        uint32_t sum_x = 0;
        for (int32_t d = 0; d < depth; ++d) sum_x += (uint32_t)(int32_t)x[d];
        acc += sum_x * (uint32_t)p->weights_offset;
      }
      if (bias) acc += (uint32_t)bias[c];
      const int32_t m = p->multipliers ? p->multipliers[c] : p->multiplier;
      const int32_t s = p->multipliers ? p->shifts[c] : p->shift;
      int32_t v = an_requantize((int32_t)acc, m, s) + p->output_offset;
      out[c] = (int8_t)an_clamp(v, p->act_min, p->act_max);
    }
  }
}
