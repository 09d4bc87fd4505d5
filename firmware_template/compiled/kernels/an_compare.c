// attendnets compiled runtime: comparisons and logical operators (see an_compare.h).
#include "an_compare.h"

// The broadcast walk of an_broadcast.h with `value(x)` read from each input and `test(a, b)` written.
#define AN_COMPARE_WALK(type, value1, value2, test) \
  AN_BROADCAST_WALK(type, type, *output++ = test(value1(*a), value2(*b)))

#define AN_RAW(x) (x)
#define AN_RESCALED1(x) (rescaled1[(uint8_t)(x)])
#define AN_RESCALED2(x) (rescaled2[(uint8_t)(x)])

#define AN_EQ(a, b) ((a) == (b))
#define AN_NE(a, b) ((a) != (b))
#define AN_LT(a, b) ((a) < (b))
#define AN_LE(a, b) ((a) <= (b))
#define AN_GT(a, b) ((a) > (b))
#define AN_GE(a, b) ((a) >= (b))

#define AN_COMPARE_DEFINE(name, test)                                                                            \
  void an_##name##_s8(const an_compare_params *p, const int8_t *input1, const int8_t *input2, bool *output,      \
                      const int32_t *rescaled1, const int32_t *rescaled2) {                                      \
    AN_COMPARE_WALK(int8_t, AN_RESCALED1, AN_RESCALED2, test);                                                   \
  }                                                                                                              \
  void an_##name##_s32(const an_compare_params *p, const int32_t *input1, const int32_t *input2, bool *output) { \
    AN_COMPARE_WALK(int32_t, AN_RAW, AN_RAW, test);                                                              \
  }                                                                                                              \
  void an_##name##_s64(const an_compare_params *p, const int64_t *input1, const int64_t *input2, bool *output) { \
    AN_COMPARE_WALK(int64_t, AN_RAW, AN_RAW, test);                                                              \
  }                                                                                                              \
  void an_##name##_f32(const an_compare_params *p, const float *input1, const float *input2, bool *output) {     \
    AN_COMPARE_WALK(float, AN_RAW, AN_RAW, test);                                                                \
  }

AN_COMPARE_DEFINE(equal, AN_EQ)
AN_COMPARE_DEFINE(not_equal, AN_NE)
AN_COMPARE_DEFINE(less, AN_LT)
AN_COMPARE_DEFINE(less_equal, AN_LE)
AN_COMPARE_DEFINE(greater, AN_GT)
AN_COMPARE_DEFINE(greater_equal, AN_GE)

void an_equal_b(const an_compare_params *p, const bool *input1, const bool *input2, bool *output) {
  AN_COMPARE_WALK(bool, AN_RAW, AN_RAW, AN_EQ);
}
void an_not_equal_b(const an_compare_params *p, const bool *input1, const bool *input2, bool *output) {
  AN_COMPARE_WALK(bool, AN_RAW, AN_RAW, AN_NE);
}

#define AN_AND(a, b) ((a) && (b))
#define AN_OR(a, b) ((a) || (b))

void an_logical_and_b(const an_compare_params *p, const bool *input1, const bool *input2, bool *output) {
  AN_COMPARE_WALK(bool, AN_RAW, AN_RAW, AN_AND);
}
void an_logical_or_b(const an_compare_params *p, const bool *input1, const bool *input2, bool *output) {
  AN_COMPARE_WALK(bool, AN_RAW, AN_RAW, AN_OR);
}
void an_logical_not_b(const bool *input, int32_t count, bool *output) {
  for (int32_t i = 0; i < count; ++i) output[i] = !input[i];
}
