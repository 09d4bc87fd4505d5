// attendnets compiled runtime: RELU and RELU6 of int16 and float32 tensors, as TFLM's activation kernels:
// - int16 RELU: output_zp + MultiplyByQuantizedMultiplier(x - input_zp) (an_requantize), clamped to
//   [max(-32768, output_zp), 32767];
// - int16 RELU6: clamped on the input's scale to [zero point, six] (no requantization);
// - float32 RELU: v < 0 ? 0 : v; RELU6: v > 6 ? 6 : v < 0 ? 0 : v (NaN and -0.0 pass through).
#ifndef AN_RELU_WIDE_H_
#define AN_RELU_WIDE_H_

#include <stdint.h>

typedef struct {
  int32_t size;           // elements
  int32_t input_offset;   // input zero point
  int32_t output_offset;  // output zero point
  int32_t multiplier;
  int32_t shift;
  int32_t act_min;  // RELU: the clamp; RELU6: zero and six on the input's scale
  int32_t act_max;
} an_relu_wide_params;

void an_relu_s16(const an_relu_wide_params *p, const int16_t *input, int16_t *output);
void an_relu6_s16(const an_relu_wide_params *p, const int16_t *input, int16_t *output);
void an_relu_f32(const an_relu_wide_params *p, const float *input, float *output);
void an_relu6_f32(const an_relu_wide_params *p, const float *input, float *output);

#endif  // AN_RELU_WIDE_H_
