// attendnets compiled runtime: CONV_2D and DEPTHWISE_CONV_2D with 16x8 (int16 activations, int8 weights) and
// float32 arithmetic, in TFLM's reference loop order (reference_integer_ops::ConvPerChannel /
// DepthwiseConvPerChannel for int16, reference_ops::Conv / DepthwiseConv for float):
// per output pixel and channel, the sum over the filter taps inside the image (taps outside are skipped:
// zero padding) in the order filter_y, filter_x, input channel; then the bias; then
// - 16x8: int64 sums (int64 bias) and the 64-bit MultiplyByQuantizedMultiplier (an_requantize64), or int32
//   (wrapping) sums and an_requantize where TFLM accumulates in int32 (an int32 bias), clamped, no offsets
//   (16x8 zero points are 0);
// - float32: float sums from 0 (each product rounded before it is added: no fused multiply-add), + bias,
//   clamped to the fused activation's range as ActivationFunctionWithMinMax (NaN passes through).
// Grouped convolution: filter_in_c divides in_c; output channel oc reads group oc / (out_c / groups).
#ifndef AN_CONV_WIDE_H_
#define AN_CONV_WIDE_H_

#include <stdint.h>

typedef struct {
  int32_t batches;
  int32_t in_h;
  int32_t in_w;
  int32_t in_c;
  int32_t out_h;
  int32_t out_w;
  int32_t out_c;
  int32_t k_h;
  int32_t k_w;
  int32_t filter_in_c;  // CONV_2D: the filter's depth; DEPTHWISE_CONV_2D: unused
  int32_t depth_mult;   // DEPTHWISE_CONV_2D: output channels per input channel; CONV_2D: unused
  int32_t stride_h;
  int32_t stride_w;
  int32_t dilation_h;
  int32_t dilation_w;
  int32_t pad_h;
  int32_t pad_w;
  int32_t act_min;  // 16x8: the fused activation's range
  int32_t act_max;
  float float_min;  // float32: the fused activation's range
  float float_max;
} an_conv_wide_params;

// filter [out_c][k_h][k_w][filter_in_c]; bias, multipliers, shifts per output channel (bias may be NULL)
void an_conv2d_s16_acc64(const an_conv_wide_params *p, const int16_t *input, const int8_t *filter, const int64_t *bias,
                         const int32_t *multipliers, const int32_t *shifts, int16_t *output);
void an_conv2d_s16_acc32(const an_conv_wide_params *p, const int16_t *input, const int8_t *filter, const int32_t *bias,
                         const int32_t *multipliers, const int32_t *shifts, int16_t *output);
void an_conv2d_f32(const an_conv_wide_params *p, const float *input, const float *filter, const float *bias,
                   float *output);
// filter [1][k_h][k_w][out_c], out_c = in_c * depth_mult
void an_depthwise_conv2d_s16(const an_conv_wide_params *p, const int16_t *input, const int8_t *filter,
                             const int64_t *bias, const int32_t *multipliers, const int32_t *shifts, int16_t *output);
void an_depthwise_conv2d_f32(const an_conv_wide_params *p, const float *input, const float *filter, const float *bias,
                             float *output);

#endif  // AN_CONV_WIDE_H_
