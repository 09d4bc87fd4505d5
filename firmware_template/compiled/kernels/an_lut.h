// attendnets compiled runtime: int8 operators that are a function of one input byte.
// LOGISTIC, TANH, RELU, RELU6, HARD_SWISH and int8->int8 QUANTIZE run TFLM's integer
// arithmetic at generation time for all 256 inputs (codegen/compiled/ops/lut.py); the
// kernel looks the results up. DEQUANTIZE does the same with a table of floats.
#ifndef AN_LUT_H_
#define AN_LUT_H_

#include <stdint.h>

// output[i] = table[(uint8_t)input[i]]; input and output may be the same buffer.
void an_lut_s8(const int8_t *input, int8_t *output, int32_t size, const int8_t *table);

// output[i] = table[(uint8_t)input[i]] (int8 -> float32).
void an_lut_s8_f32(const int8_t *input, float *output, int32_t size, const float *table);

#endif  // AN_LUT_H_
