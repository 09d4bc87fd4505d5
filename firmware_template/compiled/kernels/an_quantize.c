// attendnets compiled runtime: QUANTIZE float32 -> int8 / int16, DEQUANTIZE int16 -> float32 (see an_quantize.h).
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

static int32_t an_quantized(float x, float scale, int32_t zero_point, int32_t lo, int32_t hi) {
  const int32_t r = an_round_to_int32(x / scale);
  // r + zero_point without int32 overflow
  return r > hi - zero_point ? hi : r < lo - zero_point ? lo : r + zero_point;
}

void an_quantize_f32_s16(const an_quantize_params *params, const float *input, int16_t *output, int32_t size) {
  for (int32_t i = 0; i < size; ++i)
    output[i] = (int16_t)an_quantized(input[i], params->scale, params->zero_point, -32768, 32767);
}

void an_dequantize_s16_f32(const an_quantize_params *params, const int16_t *input, float *output, int32_t size) {
  const double scale = params->scale;
  for (int32_t i = 0; i < size; ++i) output[i] = (float)(scale * (double)((int32_t)input[i] - params->zero_point));
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
