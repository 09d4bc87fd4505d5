// attendnets compiled runtime: the strided walk of an_strided_slice_s8 (an_movement.h: STRIDED_SLICE,
// TRANSPOSE, SLICE, REVERSE_V2, ...) over 2-byte (int16), 4-byte (int32, float32: copied as bits),
// 8-byte (int64) and non-int8 1-byte (bool, uint8) elements, in a file of its own so that int8 models
// carry none of it.
#ifndef AN_MOVEMENT_WIDE_H_
#define AN_MOVEMENT_WIDE_H_

#include "an_movement.h"

// CONCATENATION of any element type: copy_bytes[k] bytes of input k per outer step (an_concatenation_s8's
// walk in bytes).
void an_concatenation_bytes(const an_concatenation_params *p, const void *const *inputs, const int32_t *copy_bytes,
                            void *output);
// The walk over 1-byte elements that are not int8 (bool, uint8) and 8-byte ones (int64).
void an_strided_slice_b8(const an_strided_slice_params *params, const void *input, void *output);
void an_strided_slice_b16(const an_strided_slice_params *params, const void *input, void *output);
void an_strided_slice_b32(const an_strided_slice_params *params, const void *input, void *output);
void an_strided_slice_b64(const an_strided_slice_params *params, const void *input, void *output);

#endif  // AN_MOVEMENT_WIDE_H_
