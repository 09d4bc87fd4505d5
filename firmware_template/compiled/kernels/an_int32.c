// attendnets compiled runtime: int32 ADD, SUB, MUL (see an_int32.h).
#include "an_int32.h"

#define AN_INT32_WALK(combine)                                                  \
  do {                                                                          \
    const an_broadcast_shape s = p->shape;                                      \
    const int32_t inner = s.dims[s.ndim - 1];                                   \
    const int32_t step1 = s.stride1[s.ndim - 1], step2 = s.stride2[s.ndim - 1]; \
    const int32_t outer = an_broadcast_outer_count(&s);                         \
    const int32_t lo = p->activation_min, hi = p->activation_max;               \
    an_broadcast_iter it;                                                       \
    an_broadcast_begin(&it);                                                    \
    for (int32_t o = 0; o < outer; ++o) {                                       \
      const int32_t *a = input1 + it.offset1;                                   \
      const int32_t *b = input2 + it.offset2;                                   \
      for (int32_t i = 0; i < inner; ++i, a += step1, b += step2) {             \
        const int32_t v = (int32_t)((uint32_t)(*a)combine(uint32_t)(*b));       \
        *output++ = v < lo ? lo : (v > hi ? hi : v);                            \
      }                                                                         \
      an_broadcast_next(&s, &it);                                               \
    }                                                                           \
  } while (0)

void an_add_s32(const an_int32_params *p, const int32_t *input1, const int32_t *input2, int32_t *output) {
  AN_INT32_WALK(+);
}
void an_sub_s32(const an_int32_params *p, const int32_t *input1, const int32_t *input2, int32_t *output) {
  AN_INT32_WALK(-);
}
void an_mul_s32(const an_int32_params *p, const int32_t *input1, const int32_t *input2, int32_t *output) {
  AN_INT32_WALK(*);
}
