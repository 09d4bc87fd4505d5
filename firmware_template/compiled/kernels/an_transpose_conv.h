// attendnets compiled runtime: TRANSPOSE_CONV (TFLM's reference TransposeConv, NHWC, filter
// [out_channels, height, width, in_channels]): every input value is scattered, times each filter tap, into
// the output position in_y * stride - pad_h + filter_y (x likewise) that lies inside the output, in TFLM's
// loop order (batch, in_y, in_x, in_channel, filter_y, filter_x, out_channel); then the bias and:
// - int8: int32 sums in scratch of (x - input_zp) * w (symmetric weights), per-channel an_requantize, plus
//   the output zero point, clamped to the fused activation's range;
// - int16 (16x8): int64 sums of x * w in scratch, int64 bias, an_requantize64, clamped;
// - float32: float sums in the output itself (from 0, in that order), + bias, clamped.
#ifndef AN_TRANSPOSE_CONV_H_
#define AN_TRANSPOSE_CONV_H_

#include <stdint.h>

typedef struct {
  int32_t batches;
  int32_t input_height;
  int32_t input_width;
  int32_t input_depth;
  int32_t filter_height;
  int32_t filter_width;
  int32_t output_height;
  int32_t output_width;
  int32_t output_depth;
  int32_t stride_height;
  int32_t stride_width;
  int32_t pad_height;
  int32_t pad_width;
  int32_t input_offset;   // -input zero point (int8)
  int32_t output_offset;  // output zero point (int8)
  int32_t activation_min;
  int32_t activation_max;
  float float_min;  // float32: the fused activation's range
  float float_max;
} an_transpose_conv_params;

// Scratch bytes: an int32 (int8) / int64 (int16) per output element.
#define AN_TRANSPOSE_CONV_S8_SCRATCH_BYTES(output_elements) ((output_elements)*4)
#define AN_TRANSPOSE_CONV_S16_SCRATCH_BYTES(output_elements) ((output_elements)*8)

void an_transpose_conv_s8(const an_transpose_conv_params *p, const int8_t *input, const int8_t *filter,
                          const int32_t *bias, const int32_t *multipliers, const int32_t *shifts, int8_t *output,
                          void *scratch);
void an_transpose_conv_s16(const an_transpose_conv_params *p, const int16_t *input, const int8_t *filter,
                           const int64_t *bias, const int32_t *multipliers, const int32_t *shifts, int16_t *output,
                           void *scratch);
void an_transpose_conv_f32(const an_transpose_conv_params *p, const float *input, const float *filter,
                           const float *bias, float *output);

#endif  // AN_TRANSPOSE_CONV_H_
