// attendnets compiled runtime: SOFTMAX float32 (TFLM's reference_ops::Softmax): per row, the
// maximum (std::max order), then exp_c = expf((x_c - max) * beta) stored and summed in order,
// then each output divided by the sum. expf is the C library's (newlib's on the device, glibc's
// in the tflite-micro interpreter the host tests compare with).
#ifndef AN_SOFTMAX_F32_H_
#define AN_SOFTMAX_F32_H_

#include <stdint.h>

typedef struct {
  int32_t outer;  // rows
  int32_t depth;  // the last dimension
  float beta;
} an_softmax_f32_params;

void an_softmax_f32(const an_softmax_f32_params *p, const float *input, float *output);

// LOG_SOFTMAX float32 (TFLM's reference_ops::LogSoftmax): per row the maximum (std::max from the lowest float),
// sum += expf(x - max) in order, log_sum = logf(sum), output x - max - log_sum.  (params.beta unused: TFLM's
// LOG_SOFTMAX has none.)
void an_log_softmax_f32(const an_softmax_f32_params *p, const float *input, float *output);

#endif  // AN_SOFTMAX_F32_H_
