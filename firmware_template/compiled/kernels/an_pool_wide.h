// attendnets compiled runtime: AVERAGE_POOL_2D and MAX_POOL_2D of int16 and float32 tensors, as TFLM's reference
// pooling computes them: each window clipped to the image (padding never counts), visited filter_y then
// filter_x;
// - int16 average: an int32 sum rounded half away from zero by the count; max from the int16 minimum;
// - float32 average: a float sum from 0 divided by the count; max from -FLT_MAX (v replaces the maximum when
//   maximum < v, so NaN never does);
// then clamped to the fused activation's range (float: NaN passes through).
#ifndef AN_POOL_WIDE_H_
#define AN_POOL_WIDE_H_

#include <stdint.h>

typedef struct {
  int32_t batches;
  int32_t in_h;
  int32_t in_w;
  int32_t c;
  int32_t out_h;
  int32_t out_w;
  int32_t filter_h;
  int32_t filter_w;
  int32_t stride_h;
  int32_t stride_w;
  int32_t pad_h;
  int32_t pad_w;
  int32_t act_min;  // int16
  int32_t act_max;
  float float_min;  // float32
  float float_max;
} an_pool_wide_params;

void an_avg_pool2d_s16(const an_pool_wide_params *p, const int16_t *input, int16_t *output);
void an_max_pool2d_s16(const an_pool_wide_params *p, const int16_t *input, int16_t *output);
void an_avg_pool2d_f32(const an_pool_wide_params *p, const float *input, float *output);
void an_max_pool2d_f32(const an_pool_wide_params *p, const float *input, float *output);
// L2_POOL_2D float32 (TFLM's L2Pool): sqrtf(sum of v * v from 0.0f / count), then the activation's range.
void an_l2_pool2d_f32(const an_pool_wide_params *p, const float *input, float *output);

#endif  // AN_POOL_WIDE_H_
