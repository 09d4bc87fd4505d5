// attendnets compiled runtime: QUANTIZE between integer types (TFLM's reference_ops::Requantize:
// MultiplyByQuantizedMultiplier(x - input zero point) + output zero point, clamped to the output type;
// int32 input minus its zero point wraps as TFLM's int32 arithmetic) for every pair TFLM's QUANTIZE takes but
// int8 -> int8 (a table, an_lut.h): int8 -> uint8/int16/int32, uint8 -> int8, int16 -> int8/int16/int32,
// int32 -> int8/int16; and DEQUANTIZE uint8 -> float32 as a table of 256 floats.
#ifndef AN_REQUANTIZE_WIDE_H_
#define AN_REQUANTIZE_WIDE_H_

#include <stdint.h>

typedef struct {
  int32_t multiplier;  // input scale / output scale (TFLM's QuantizeMultiplier)
  int32_t shift;       // -31..30
  int32_t input_zero_point;
  int32_t output_zero_point;
} an_requantize_params;

#define AN_REQUANTIZE_DECLARE(in_name, in_type, out_name, out_type)                                   \
  void an_requantize_##in_name##_##out_name(const an_requantize_params *params, const in_type *input, \
                                            out_type *output, int32_t size);

AN_REQUANTIZE_DECLARE(s8, int8_t, u8, uint8_t)
AN_REQUANTIZE_DECLARE(s8, int8_t, s16, int16_t)
AN_REQUANTIZE_DECLARE(s8, int8_t, s32, int32_t)
AN_REQUANTIZE_DECLARE(u8, uint8_t, s8, int8_t)
AN_REQUANTIZE_DECLARE(s16, int16_t, s8, int8_t)
AN_REQUANTIZE_DECLARE(s16, int16_t, s16, int16_t)
AN_REQUANTIZE_DECLARE(s16, int16_t, s32, int32_t)
AN_REQUANTIZE_DECLARE(s32, int32_t, s8, int8_t)
AN_REQUANTIZE_DECLARE(s32, int32_t, s16, int16_t)

#undef AN_REQUANTIZE_DECLARE

// DEQUANTIZE uint8 -> float32: output[i] = table[input[i]].
void an_dequantize_u8_f32(const uint8_t *input, float *output, int32_t size, const float *table);

#endif  // AN_REQUANTIZE_WIDE_H_
