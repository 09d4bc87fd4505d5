// attendnets compiled runtime: comparisons (EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER,
// GREATER_EQUAL) with broadcasting, to bool, as TFLM's reference comparisons:
// - int8: TFLM rescales both inputs before comparing them ((x - zero_point) << 8, then
//   MultiplyByQuantizedMultiplierSmallerThanOneExp by the input's scale); each rescaled value is a
//   function of the byte alone, so the generator gives one table of 256 int32 per input
//   (codegen/compiled/ops/compare.py) and the kernel compares table1[(uint8_t)a] with table2[(uint8_t)b];
// - int32, int64, float32 (IEEE comparisons: NaN compares unequal to everything), bool (EQUAL and
//   NOT_EQUAL): the raw values.
// LOGICAL_AND, LOGICAL_OR and LOGICAL_NOT of bool tensors (TFLM's logical.cc, elementwise.cc).
// The broadcast walk is an_broadcast.h's.
#ifndef AN_COMPARE_H_
#define AN_COMPARE_H_

#include <stdbool.h>

#include "an_broadcast.h"

typedef struct {
  an_broadcast_shape shape;
} an_compare_params;

#define AN_COMPARE_DECLARE(name)                                                                                \
  void an_##name##_s8(const an_compare_params *p, const int8_t *input1, const int8_t *input2, bool *output,     \
                      const int32_t *rescaled1, const int32_t *rescaled2);                                      \
  void an_##name##_s32(const an_compare_params *p, const int32_t *input1, const int32_t *input2, bool *output); \
  void an_##name##_s64(const an_compare_params *p, const int64_t *input1, const int64_t *input2, bool *output); \
  void an_##name##_f32(const an_compare_params *p, const float *input1, const float *input2, bool *output);

AN_COMPARE_DECLARE(equal)
AN_COMPARE_DECLARE(not_equal)
AN_COMPARE_DECLARE(less)
AN_COMPARE_DECLARE(less_equal)
AN_COMPARE_DECLARE(greater)
AN_COMPARE_DECLARE(greater_equal)

void an_equal_b(const an_compare_params *p, const bool *input1, const bool *input2, bool *output);
void an_not_equal_b(const an_compare_params *p, const bool *input1, const bool *input2, bool *output);

// LOGICAL_AND / LOGICAL_OR (broadcast) and LOGICAL_NOT (count elements), bool.
void an_logical_and_b(const an_compare_params *p, const bool *input1, const bool *input2, bool *output);
void an_logical_or_b(const an_compare_params *p, const bool *input1, const bool *input2, bool *output);
void an_logical_not_b(const bool *input, int32_t count, bool *output);

#undef AN_COMPARE_DECLARE

#endif  // AN_COMPARE_H_
