// attendnets compiled runtime: RESIZE_NEAREST_NEIGHBOR and PAD/PADV2 of 2-byte (int16) and 4-byte (int32,
// float32: copied as bits) elements, the walks of an_resize_nearest_s8 / an_pad_s8 (an_movement.h) in a file
// of their own so that int8 models carry none of it.
#ifndef AN_RESIZE_PAD_WIDE_H_
#define AN_RESIZE_PAD_WIDE_H_

#include "an_movement.h"

// RESIZE_NEAREST_NEIGHBOR of any element type: every field of the parameters and both offset tables in bytes
// (depth: bytes per pixel).
void an_resize_nearest_bytes(const an_resize_nearest_params *params, const void *input, void *output,
                             const int32_t *row_offsets, const int32_t *column_offsets);
// PAD / PADV2 (an_pad_params in elements; pad_value: the element's bits, an int16 or a 32-bit pattern).
void an_pad_b16(const an_pad_params *params, const void *input, void *output);
void an_pad_b32(const an_pad_params *params, const void *input, void *output);

#endif  // AN_RESIZE_PAD_WIDE_H_
