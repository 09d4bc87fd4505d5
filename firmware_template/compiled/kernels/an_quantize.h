// attendnets compiled runtime: QUANTIZE float32 -> int8 / int16 (TFLM's AffineQuantize), DEQUANTIZE int16 -> float32.
// int8 -> int8 QUANTIZE and DEQUANTIZE are tables (an_lut.h).
#ifndef AN_QUANTIZE_H_
#define AN_QUANTIZE_H_

#include <stdint.h>

typedef struct {
  float scale;         // output scale (float32, as in the model)
  int32_t zero_point;  // output zero point
} an_quantize_params;

// output[i] = clamp(round_half_away(input[i] / scale) + zero_point, -128, 127), in float32.
void an_quantize_f32_s8(const an_quantize_params *params, const float *input, int8_t *output, int32_t size);
// The same into int16: clamp to [-32768, 32767].
void an_quantize_f32_s16(const an_quantize_params *params, const float *input, int16_t *output, int32_t size);
// DEQUANTIZE int16 -> float32 (TFLM's Dequantize): (float)((double)scale * (input[i] - zero_point)); params: the
// input's scale and zero point.
void an_dequantize_s16_f32(const an_quantize_params *params, const int16_t *input, float *output, int32_t size);

#endif  // AN_QUANTIZE_H_
