// attendnets compiled runtime: the broadcast walk shared by the binary element-wise kernels.
// Generation time extends both input shapes to the output's rank, gives each input a
// stride of 0 along the dimensions it broadcasts, and merges neighbouring dimensions
// that walk the same way (codegen/compiled/ops/binary.py), so most calls have one or
// two dimensions. The innermost dimension's strides are 0 or 1.
#ifndef AN_BROADCAST_H_
#define AN_BROADCAST_H_

#include <stdint.h>

#define AN_BROADCAST_MAX_DIMS 6

typedef struct {
  int32_t ndim;                            // 1..AN_BROADCAST_MAX_DIMS
  int32_t dims[AN_BROADCAST_MAX_DIMS];     // output dimensions (merged)
  int32_t stride1[AN_BROADCAST_MAX_DIMS];  // input1 stride per dimension, in elements (0: broadcast)
  int32_t stride2[AN_BROADCAST_MAX_DIMS];  // input2 stride
} an_broadcast_shape;

// Iterates the outer dimensions (all but the innermost) in row-major order.
typedef struct {
  int32_t index[AN_BROADCAST_MAX_DIMS];
  int32_t offset1;
  int32_t offset2;
} an_broadcast_iter;

static inline int32_t an_broadcast_outer_count(const an_broadcast_shape *s) {
  int32_t n = 1;
  for (int32_t d = 0; d < s->ndim - 1; ++d) n *= s->dims[d];
  return n;
}

static inline void an_broadcast_begin(an_broadcast_iter *it) {
  for (int32_t d = 0; d < AN_BROADCAST_MAX_DIMS; ++d) it->index[d] = 0;
  it->offset1 = 0;
  it->offset2 = 0;
}

// Advances to the next innermost row (odometer over dimensions ndim-2 .. 0).
static inline void an_broadcast_next(const an_broadcast_shape *s, an_broadcast_iter *it) {
  for (int32_t d = s->ndim - 2; d >= 0; --d) {
    it->offset1 += s->stride1[d];
    it->offset2 += s->stride2[d];
    if (++it->index[d] < s->dims[d]) return;
    it->offset1 -= s->stride1[d] * s->dims[d];
    it->offset2 -= s->stride2[d] * s->dims[d];
    it->index[d] = 0;
  }
}

// The walk itself, for kernels whose parameters p hold the shape and whose inputs are input1 and input2: for every
// output element in order, ELEMENT with a (a const type1 *) and b (a const type2 *) at its two inputs.
#define AN_BROADCAST_WALK(type1, type2, ELEMENT)                                \
  do {                                                                          \
    const an_broadcast_shape s = p->shape;                                      \
    const int32_t inner = s.dims[s.ndim - 1];                                   \
    const int32_t step1 = s.stride1[s.ndim - 1], step2 = s.stride2[s.ndim - 1]; \
    const int32_t outer = an_broadcast_outer_count(&s);                         \
    an_broadcast_iter it;                                                       \
    an_broadcast_begin(&it);                                                    \
    for (int32_t o = 0; o < outer; ++o) {                                       \
      const type1 *a = input1 + it.offset1;                                     \
      const type2 *b = input2 + it.offset2;                                     \
      for (int32_t i = 0; i < inner; ++i, a += step1, b += step2) {             \
        ELEMENT;                                                                \
      }                                                                         \
      an_broadcast_next(&s, &it);                                               \
    }                                                                           \
  } while (0)

#endif  // AN_BROADCAST_H_
