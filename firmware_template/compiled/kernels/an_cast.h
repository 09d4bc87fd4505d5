// attendnets compiled runtime: CAST at run time (TFLM's reference CAST: static_cast element by element):
// from int8, int16, int32, uint32, float32 or bool to int8, int16, int32, uint32, float32 or bool (nonzero: true,
// a NaN too). A float outside the
// integer type's range is undefined in C (and in TFLM): what the core's conversion instruction gives.
#ifndef AN_CAST_H_
#define AN_CAST_H_

#include <stdbool.h>
#include <stdint.h>

#define AN_CAST_DECLARE(from_name, from_type)                                              \
  void an_cast_##from_name##_s8(const from_type *input, int8_t *output, int32_t count);    \
  void an_cast_##from_name##_s16(const from_type *input, int16_t *output, int32_t count);  \
  void an_cast_##from_name##_s32(const from_type *input, int32_t *output, int32_t count);  \
  void an_cast_##from_name##_f32(const from_type *input, float *output, int32_t count);    \
  void an_cast_##from_name##_u32(const from_type *input, uint32_t *output, int32_t count); \
  void an_cast_##from_name##_b(const from_type *input, bool *output, int32_t count);

AN_CAST_DECLARE(s8, int8_t)
AN_CAST_DECLARE(s16, int16_t)
AN_CAST_DECLARE(s32, int32_t)
AN_CAST_DECLARE(u32, uint32_t)
AN_CAST_DECLARE(f32, float)
AN_CAST_DECLARE(b, bool)

#undef AN_CAST_DECLARE

#endif  // AN_CAST_H_
