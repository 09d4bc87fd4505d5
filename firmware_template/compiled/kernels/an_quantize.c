// attendnets compiled runtime: QUANTIZE float32 -> int8 (see an_quantize.h).
#include "an_quantize.h"

// TfLiteRound (roundf: halves away from zero) then a conversion to int32 that saturates
// (Cortex-M's VCVT does; NaN gives 0). No libm: x - trunc(x) is exact in float.
static int32_t an_round_to_int32(float x) {
  if (!(x == x)) return 0;
  if (x >= 2147483648.0f) return INT32_MAX;
  if (x <= -2147483648.0f) return INT32_MIN;
  int32_t t = (int32_t)x;  // toward zero
  const float fraction = x - (float)t;
  if (fraction >= 0.5f) {
    t += 1;
  } else if (fraction <= -0.5f) {
    t -= 1;
  }
  return t;
}

void an_quantize_f32_s8(const an_quantize_params *params, const float *input, int8_t *output, int32_t size) {
  const float scale = params->scale;
  const int32_t zero_point = params->zero_point;
  for (int32_t i = 0; i < size; ++i) {
    const int32_t r = an_round_to_int32(input[i] / scale);
    // r + zero_point without int32 overflow
    int32_t q;
    if (r > 127 - zero_point) {
      q = 127;
    } else if (r < -128 - zero_point) {
      q = -128;
    } else {
      q = r + zero_point;
    }
    output[i] = (int8_t)q;
  }
}
