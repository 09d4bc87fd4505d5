// attendnets compiled runtime: MAXIMUM and MINIMUM (see an_minmax.h).
#include "an_minmax.h"

// The broadcast walk of an_broadcast.h with `select(a, b)` per element.
#define AN_MINMAX(type, select) AN_BROADCAST_WALK(type, type, *output++ = select(*a, *b))

#define AN_MAX_OF(a, b) ((a) > (b) ? (a) : (b))
#define AN_MIN_OF(a, b) ((a) < (b) ? (a) : (b))

void an_maximum_s8(const an_minmax_params *p, const int8_t *input1, const int8_t *input2, int8_t *output) {
  AN_MINMAX(int8_t, AN_MAX_OF);
}
void an_minimum_s8(const an_minmax_params *p, const int8_t *input1, const int8_t *input2, int8_t *output) {
  AN_MINMAX(int8_t, AN_MIN_OF);
}
void an_maximum_s16(const an_minmax_params *p, const int16_t *input1, const int16_t *input2, int16_t *output) {
  AN_MINMAX(int16_t, AN_MAX_OF);
}
void an_minimum_s16(const an_minmax_params *p, const int16_t *input1, const int16_t *input2, int16_t *output) {
  AN_MINMAX(int16_t, AN_MIN_OF);
}
void an_maximum_s32(const an_minmax_params *p, const int32_t *input1, const int32_t *input2, int32_t *output) {
  AN_MINMAX(int32_t, AN_MAX_OF);
}
void an_minimum_s32(const an_minmax_params *p, const int32_t *input1, const int32_t *input2, int32_t *output) {
  AN_MINMAX(int32_t, AN_MIN_OF);
}
void an_maximum_f32(const an_minmax_params *p, const float *input1, const float *input2, float *output) {
  AN_MINMAX(float, AN_MAX_OF);
}
void an_minimum_f32(const an_minmax_params *p, const float *input1, const float *input2, float *output) {
  AN_MINMAX(float, AN_MIN_OF);
}
void an_maximum_s64(const an_minmax_params *p, const int64_t *input1, const int64_t *input2, int64_t *output) {
  AN_MINMAX(int64_t, AN_MAX_OF);
}
void an_minimum_s64(const an_minmax_params *p, const int64_t *input1, const int64_t *input2, int64_t *output) {
  AN_MINMAX(int64_t, AN_MIN_OF);
}
