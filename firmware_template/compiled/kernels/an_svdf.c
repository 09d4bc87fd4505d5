// attendnets compiled runtime: SVDF int8 (see an_svdf.h). The order of TFLM's reference:
// shift the state, feature matmul into the newest column, time dot products, bias, rank sum,
// requantize. Sums in uint32 (TFLM's int32 arithmetic with defined wrap-around).
#include "an_svdf.h"

#define AN_SVDF_DEFINE(NAME, T, T_MIN, T_MAX)                                                                   \
  void NAME(const an_svdf_params *p, const int8_t *input, const int8_t *weights_feature, const T *weights_time, \
            const int32_t *bias, T *state, void *scratch, int8_t *output) {                                     \
    const int32_t filters = p->filters, memory = p->memory, units = p->units;                                   \
    int32_t *filter_sums = (int32_t *)scratch;                                                                  \
    int32_t *unit_sums = filter_sums + p->batches * filters;                                                    \
    const int32_t total = p->batches * filters * memory;                                                        \
    for (int32_t i = 0; i + 1 < total; ++i) state[i] = state[i + 1];                                            \
    for (int32_t b = 0; b < p->batches; ++b) {                                                                  \
      const int8_t *x = input + b * p->input_size;                                                              \
      const int8_t *w = weights_feature;                                                                        \
      T *newest = state + b * filters * memory + (memory - 1);                                                  \
      for (int32_t f = 0; f < filters; ++f) {                                                                   \
        uint32_t acc = 0;                                                                                       \
        for (int32_t c = 0; c < p->input_size; ++c) acc += (uint32_t)(*w++ * (x[c] - p->input_zero_point));     \
        int32_t v = an_requantize((int32_t)acc, p->multiplier1, p->shift1);                                     \
        v = AN_MIN(AN_MAX(v, T_MIN), T_MAX);                                                                    \
        *newest = (T)(p->state_zero_point + v);                                                                 \
        newest += memory;                                                                                       \
      }                                                                                                         \
    }                                                                                                           \
    for (int32_t b = 0; b < p->batches; ++b) {                                                                  \
      const T *w = weights_time;                                                                                \
      const T *s = state + b * memory * filters;                                                                \
      int32_t *out = filter_sums + b * filters;                                                                 \
      for (int32_t f = 0; f < filters; ++f) {                                                                   \
        uint32_t acc = 0;                                                                                       \
        for (int32_t j = 0; j < memory; ++j) acc += (uint32_t)(*w++ * (*s++ - p->state_zero_point));            \
        out[f] = (int32_t)acc;                                                                                  \
      }                                                                                                         \
    }                                                                                                           \
    for (int32_t b = 0; b < p->batches; ++b) {                                                                  \
      const int32_t *sums = filter_sums + b * filters;                                                          \
      int32_t *out = unit_sums + b * units;                                                                     \
      for (int32_t u = 0; u < units; ++u) {                                                                     \
        uint32_t acc = bias ? (uint32_t)bias[u] : 0u;                                                           \
        for (int32_t r = 0; r < p->rank; ++r) acc += (uint32_t)*sums++;                                         \
        out[u] = (int32_t)acc;                                                                                  \
      }                                                                                                         \
    }                                                                                                           \
    for (int32_t i = 0; i < p->batches * units; ++i) {                                                          \
      int32_t v = an_requantize(unit_sums[i], p->multiplier2, p->shift2) + p->output_zero_point;                \
      output[i] = (int8_t)AN_MIN(AN_MAX(v, -128), 127);                                                         \
    }                                                                                                           \
  }

AN_SVDF_DEFINE(an_svdf_s8_s16, int16_t, -32768, 32767)
AN_SVDF_DEFINE(an_svdf_s8_s8, int8_t, -128, 127)
