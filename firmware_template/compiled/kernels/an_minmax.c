// attendnets compiled runtime: MAXIMUM and MINIMUM (see an_minmax.h).
#include "an_minmax.h"

// The broadcast walk of an_broadcast.h with `select(a, b)` per element.
#define AN_MINMAX(type, select)                                                               \
  do {                                                                                        \
    const an_broadcast_shape s = p->shape;                                                    \
    const int32_t inner = s.dims[s.ndim - 1];                                                 \
    const int32_t step1 = s.stride1[s.ndim - 1], step2 = s.stride2[s.ndim - 1];               \
    const int32_t outer = an_broadcast_outer_count(&s);                                       \
    an_broadcast_iter it;                                                                     \
    an_broadcast_begin(&it);                                                                  \
    for (int32_t o = 0; o < outer; ++o) {                                                     \
      const type *a = input1 + it.offset1;                                                    \
      const type *b = input2 + it.offset2;                                                    \
      for (int32_t i = 0; i < inner; ++i, a += step1, b += step2) *output++ = select(*a, *b); \
      an_broadcast_next(&s, &it);                                                             \
    }                                                                                         \
  } while (0)

#define AN_MAX_OF(a, b) ((a) > (b) ? (a) : (b))
#define AN_MIN_OF(a, b) ((a) < (b) ? (a) : (b))

void an_maximum_s8(const an_minmax_params *p, const int8_t *input1, const int8_t *input2, int8_t *output) {
  AN_MINMAX(int8_t, AN_MAX_OF);
}
void an_minimum_s8(const an_minmax_params *p, const int8_t *input1, const int8_t *input2, int8_t *output) {
  AN_MINMAX(int8_t, AN_MIN_OF);
}
void an_maximum_s16(const an_minmax_params *p, const int16_t *input1, const int16_t *input2, int16_t *output) {
  AN_MINMAX(int16_t, AN_MAX_OF);
}
void an_minimum_s16(const an_minmax_params *p, const int16_t *input1, const int16_t *input2, int16_t *output) {
  AN_MINMAX(int16_t, AN_MIN_OF);
}
void an_maximum_s32(const an_minmax_params *p, const int32_t *input1, const int32_t *input2, int32_t *output) {
  AN_MINMAX(int32_t, AN_MAX_OF);
}
void an_minimum_s32(const an_minmax_params *p, const int32_t *input1, const int32_t *input2, int32_t *output) {
  AN_MINMAX(int32_t, AN_MIN_OF);
}
void an_maximum_f32(const an_minmax_params *p, const float *input1, const float *input2, float *output) {
  AN_MINMAX(float, AN_MAX_OF);
}
void an_minimum_f32(const an_minmax_params *p, const float *input1, const float *input2, float *output) {
  AN_MINMAX(float, AN_MIN_OF);
}
void an_maximum_s64(const an_minmax_params *p, const int64_t *input1, const int64_t *input2, int64_t *output) {
  AN_MINMAX(int64_t, AN_MAX_OF);
}
void an_minimum_s64(const an_minmax_params *p, const int64_t *input1, const int64_t *input2, int64_t *output) {
  AN_MINMAX(int64_t, AN_MIN_OF);
}
