// attendnets compiled runtime: STRIDED_SLICE and TRANSPOSE over 2-byte (int16) and 4-byte (int32,
// float32: copied as bits) elements: the walk of an_strided_slice_s8 (an_movement.h), in a file
// of its own so that int8 models carry none of it.
#ifndef AN_MOVEMENT_WIDE_H_
#define AN_MOVEMENT_WIDE_H_

#include "an_movement.h"

// CONCATENATION of any element type: copy_bytes[k] bytes of input k per outer step (an_concatenation_s8's
// walk in bytes).
void an_concatenation_bytes(const an_concatenation_params *p, const void *const *inputs, const int32_t *copy_bytes,
                            void *output);
void an_strided_slice_b16(const an_strided_slice_params *params, const void *input, void *output);
void an_strided_slice_b32(const an_strided_slice_params *params, const void *input, void *output);

#endif  // AN_MOVEMENT_WIDE_H_
