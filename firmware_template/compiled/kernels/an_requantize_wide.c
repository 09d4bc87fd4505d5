// attendnets compiled runtime: integer QUANTIZE and uint8 DEQUANTIZE (see an_requantize_wide.h).
#include "an_requantize_wide.h"

#include "an_common.h"

#define AN_REQUANTIZE_DEFINE(in_name, in_type, out_name, out_type, lo, hi)                                            \
  void an_requantize_##in_name##_##out_name(const an_requantize_params *p, const in_type *input, out_type *output,    \
                                            int32_t size) {                                                           \
    const an_requantize_params q = *p;                                                                                \
    for (int32_t i = 0; i < size; ++i) {                                                                              \
      const int32_t x = (int32_t)((uint32_t)(int32_t)input[i] - (uint32_t)q.input_zero_point);                        \
      const int32_t y = (int32_t)((uint32_t)an_requantize(x, q.multiplier, q.shift) + (uint32_t)q.output_zero_point); \
      output[i] = (out_type)an_clamp(y, lo, hi);                                                                      \
    }                                                                                                                 \
  }

AN_REQUANTIZE_DEFINE(s8, int8_t, u8, uint8_t, 0, 255)
AN_REQUANTIZE_DEFINE(s8, int8_t, s16, int16_t, -32768, 32767)
AN_REQUANTIZE_DEFINE(s8, int8_t, s32, int32_t, INT32_MIN, INT32_MAX)
AN_REQUANTIZE_DEFINE(u8, uint8_t, s8, int8_t, -128, 127)
AN_REQUANTIZE_DEFINE(s16, int16_t, s8, int8_t, -128, 127)
AN_REQUANTIZE_DEFINE(s16, int16_t, s16, int16_t, -32768, 32767)
AN_REQUANTIZE_DEFINE(s16, int16_t, s32, int32_t, INT32_MIN, INT32_MAX)
AN_REQUANTIZE_DEFINE(s32, int32_t, s8, int8_t, -128, 127)
AN_REQUANTIZE_DEFINE(s32, int32_t, s16, int16_t, -32768, 32767)

void an_dequantize_u8_f32(const uint8_t *input, float *output, int32_t size, const float *table) {
  for (int32_t i = 0; i < size; ++i) output[i] = table[input[i]];
}
