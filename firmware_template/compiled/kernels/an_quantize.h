// attendnets compiled runtime: QUANTIZE float32 -> int8 (TFLM's AffineQuantize).
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

#endif  // AN_QUANTIZE_H_
