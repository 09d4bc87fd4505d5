// attendnets compiled runtime: element-wise functions (see an_math.h).
#include "an_math.h"

#include <math.h>

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#endif

#define AN_MATH_MAP(NAME, EXPR)                                      \
  void NAME(const float *input, int32_t count, float *output) {      \
    for (int32_t i = 0; i < count; ++i) {                            \
      const float x = input[i];                                      \
      output[i] = (EXPR);                                            \
    }                                                                \
  }

AN_MATH_MAP(an_abs_f32, fabsf(x))
AN_MATH_MAP(an_neg_f32, -x)
AN_MATH_MAP(an_sqrt_f32, sqrtf(x))
AN_MATH_MAP(an_rsqrt_f32, 1.0f / sqrtf(x))
AN_MATH_MAP(an_square_f32, x * x)
AN_MATH_MAP(an_exp_f32, expf(x))
AN_MATH_MAP(an_log_f32, logf(x))
AN_MATH_MAP(an_sin_f32, sinf(x))
AN_MATH_MAP(an_cos_f32, cosf(x))

void an_abs_s16(const int16_t *input, int32_t count, int32_t multiplier, int32_t shift, int32_t saturate,
                int16_t *output) {
  for (int32_t i = 0; i < count; ++i) {
    int32_t v = input[i] < 0 ? -(int32_t)input[i] : input[i];
    if (multiplier) v = an_requantize(v, multiplier, shift);
    output[i] = saturate ? (int16_t)AN_MIN(v, INT16_MAX) : (int16_t)v;
  }
}
