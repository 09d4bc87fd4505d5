// attendnets compiled runtime: CAST (see an_cast.h).
#include "an_cast.h"

#define AN_CAST_ONE(from_name, from_type, to_name, to_type)                                      \
  void an_cast_##from_name##_##to_name(const from_type *input, to_type *output, int32_t count) { \
    for (int32_t i = 0; i < count; ++i) output[i] = (to_type)input[i];                           \
  }

#define AN_CAST_DEFINE(from_name, from_type)       \
  AN_CAST_ONE(from_name, from_type, s8, int8_t)    \
  AN_CAST_ONE(from_name, from_type, s16, int16_t)  \
  AN_CAST_ONE(from_name, from_type, s32, int32_t)  \
  AN_CAST_ONE(from_name, from_type, f32, float)    \
  AN_CAST_ONE(from_name, from_type, u32, uint32_t) \
  AN_CAST_ONE(from_name, from_type, b, bool)

AN_CAST_DEFINE(s8, int8_t)
AN_CAST_DEFINE(s16, int16_t)
AN_CAST_DEFINE(s32, int32_t)
AN_CAST_DEFINE(u32, uint32_t)
AN_CAST_DEFINE(f32, float)
AN_CAST_DEFINE(b, bool)
