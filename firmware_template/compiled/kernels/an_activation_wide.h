// attendnets compiled runtime: LOGISTIC, TANH, HARD_SWISH, ELU and LEAKY_RELU of int16 and float32
// tensors, as TFLM's kernels compute them (codegen/compiled/ops/activation_wide.py sets the parameters):
// - int16 LOGISTIC / TANH: reference_integer_ops::Logistic / Tanh: the input times `multiplier`,
//   rounded right by `shift` (TFLM's prepare: 3 << shift for a power-of-two input scale), then TFLite's
//   256-entry sigmoid table interpolated (tanh at twice the table's step); output in Q0.15, zero point 0;
// - int16 LEAKY_RELU: reference_ops::QuantizeLeakyRelu (x - input zero point requantized by the identity
//   multiplier when >= 0, by |alpha multiplier| negated for a negative alpha when < 0), clamped;
// - float32: TFLM's reference order and the C library's expf / tanhf / expm1f (LOGISTIC: 1 above
//   16.619047, expf(x) below -9, else 1 / (1 + expf(-x)); HARD_SWISH: x * min(6, max(0, x + 3)) / 6;
//   ELU: x < 0 ? expm1f(x) : x; LEAKY_RELU: x > 0 ? x : x * alpha).
#ifndef AN_ACTIVATION_WIDE_H_
#define AN_ACTIVATION_WIDE_H_

#include <stdint.h>

typedef struct {
  int32_t size;              // elements
  int32_t multiplier;        // LOGISTIC/TANH: the input multiplier; LEAKY_RELU: identity multiplier
  int32_t shift;             // LOGISTIC/TANH: right shift (0..31); LEAKY_RELU: identity shift
  int32_t input_offset;      // LEAKY_RELU int16: input zero point
  int32_t output_offset;     // LEAKY_RELU int16: output zero point
  int32_t alpha_multiplier;  // LEAKY_RELU int16: |alpha multiplier|
  int32_t alpha_shift;
  int32_t alpha_negative;         // LEAKY_RELU int16: 1 when alpha * input scale / output scale < 0
  float alpha;                    // LEAKY_RELU float32
  const uint16_t *sigmoid_table;  // LOGISTIC/TANH int16: TFLite's sigmoid table (256 entries)
} an_activation_wide_params;

void an_logistic_s16(const an_activation_wide_params *p, const int16_t *input, int16_t *output);
void an_tanh_s16(const an_activation_wide_params *p, const int16_t *input, int16_t *output);
void an_leaky_relu_s16(const an_activation_wide_params *p, const int16_t *input, int16_t *output);
void an_logistic_f32(const an_activation_wide_params *p, const float *input, float *output);
void an_tanh_f32(const an_activation_wide_params *p, const float *input, float *output);
void an_hard_swish_f32(const an_activation_wide_params *p, const float *input, float *output);
void an_elu_f32(const an_activation_wide_params *p, const float *input, float *output);
void an_leaky_relu_f32(const an_activation_wide_params *p, const float *input, float *output);

#endif  // AN_ACTIVATION_WIDE_H_
