// attendnets compiled runtime: SELECT_V2 (see an_select.h).
#include "an_select.h"

// Odometer over the outer dimensions; the innermost one walked with its three strides.
#define AN_SELECT_WALK(type)                                                                \
  do {                                                                                      \
    const type *xs = (const type *)x;                                                       \
    const type *ys = (const type *)y;                                                       \
    type *out = (type *)output;                                                             \
    const int32_t last = p->ndim - 1;                                                       \
    const int32_t inner = p->dims[last];                                                    \
    const int32_t sc = p->condition[last], sx = p->x[last], sy = p->y[last];                \
    int32_t index[AN_SELECT_MAX_DIMS] = {0};                                                \
    int32_t oc = 0, ox = 0, oy = 0;                                                         \
    for (;;) {                                                                              \
      const bool *c = condition + oc;                                                       \
      const type *a = xs + ox;                                                              \
      const type *b = ys + oy;                                                              \
      for (int32_t i = 0; i < inner; ++i, c += sc, a += sx, b += sy) *out++ = *c ? *a : *b; \
      int32_t d = last - 1;                                                                 \
      for (; d >= 0; --d) {                                                                 \
        oc += p->condition[d];                                                              \
        ox += p->x[d];                                                                      \
        oy += p->y[d];                                                                      \
        if (++index[d] < p->dims[d]) break;                                                 \
        oc -= p->condition[d] * p->dims[d];                                                 \
        ox -= p->x[d] * p->dims[d];                                                         \
        oy -= p->y[d] * p->dims[d];                                                         \
        index[d] = 0;                                                                       \
      }                                                                                     \
      if (d < 0) break;                                                                     \
    }                                                                                       \
  } while (0)

void an_select_b8(const an_select_params *p, const bool *condition, const void *x, const void *y, void *output) {
  AN_SELECT_WALK(int8_t);
}
void an_select_b16(const an_select_params *p, const bool *condition, const void *x, const void *y, void *output) {
  AN_SELECT_WALK(int16_t);
}
void an_select_b32(const an_select_params *p, const bool *condition, const void *x, const void *y, void *output) {
  AN_SELECT_WALK(uint32_t);
}
