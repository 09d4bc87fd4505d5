// attendnets compiled runtime: int8 AVERAGE_POOL_2D and MAX_POOL_2D (TFLM reference
// integer pooling, bit-exact).
#ifndef AN_POOL_H_
#define AN_POOL_H_

#include <stdint.h>

// Shapes NHWC, channels = c; input and output share scale and zero point (TFLM checks).
typedef struct {
  int32_t batches;
  int32_t in_h, in_w, c;
  int32_t out_h, out_w;
  int32_t filter_h, filter_w;
  int32_t stride_h, stride_w;
  int32_t pad_h, pad_w;
  int32_t act_min, act_max;
} an_pool_params;

void an_avg_pool2d_s8(const an_pool_params *p, const int8_t *input, int8_t *output);
void an_max_pool2d_s8(const an_pool_params *p, const int8_t *input, int8_t *output);

#endif  // AN_POOL_H_
