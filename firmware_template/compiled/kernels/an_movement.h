// attendnets compiled runtime: data movement, no arithmetic: RESIZE_NEAREST_NEIGHBOR,
// STRIDED_SLICE and TRANSPOSE (int8, int16, int32/float32), PAD/PADV2, CONCATENATION. Every index (source rows and
// columns, slice starts and steps, padded offsets, copy sizes) is computed at generation time
// (codegen/compiled/ops/movement.py) as TFLM's reference kernels compute it.
#ifndef AN_MOVEMENT_H_
#define AN_MOVEMENT_H_

#include <stdint.h>
#include <string.h>

#define AN_MOVEMENT_MAX_DIMS 5

// RESIZE_NEAREST_NEIGHBOR (NHWC): output pixel (b, y, x) copies `depth` bytes from
// input + b * batch_stride + row_offsets[y] + column_offsets[x].
typedef struct {
  int32_t batches;
  int32_t output_height;
  int32_t output_width;
  int32_t depth;
  int32_t batch_stride;  // input height * width * depth
} an_resize_nearest_params;

void an_resize_nearest_s8(const an_resize_nearest_params *params, const int8_t *input, int8_t *output,
                          const int32_t *row_offsets, const int32_t *column_offsets);

// STRIDED_SLICE: the output, in order, is input[start + sum_d i_d * steps[d]] for i_d in
// [0, counts[d]) (steps in elements, negative for reverse slices).
typedef struct {
  int32_t ndim;  // 1..AN_MOVEMENT_MAX_DIMS
  int32_t start;
  int32_t counts[AN_MOVEMENT_MAX_DIMS];
  int32_t steps[AN_MOVEMENT_MAX_DIMS];
} an_strided_slice_params;

void an_strided_slice_s8(const an_strided_slice_params *params, const int8_t *input, int8_t *output);

// TRANSPOSE is this walk too: counts are the output's dimensions, steps the input's strides in
// the permuted order. The walk over 2- and 4-byte elements is in an_movement_wide.h.

// The strided walk over elements of `type`: `outer` runs of `inner` elements (memcpy where contiguous).
#define AN_STRIDED_WALK(type, p, input, output)                 \
  do {                                                          \
    const int32_t last = (p)->ndim - 1;                         \
    const int32_t inner = (p)->counts[last];                    \
    const int32_t step = (p)->steps[last];                      \
    int32_t outer = 1;                                          \
    for (int32_t d = 0; d < last; ++d) outer *= (p)->counts[d]; \
    int32_t index[AN_MOVEMENT_MAX_DIMS] = {0};                  \
    int32_t offset = (p)->start;                                \
    type *out = (output);                                       \
    for (int32_t o = 0; o < outer; ++o) {                       \
      const type *src = (input) + offset;                       \
      if (step == 1) {                                          \
        memcpy(out, src, (size_t)inner * sizeof(type));         \
        out += inner;                                           \
      } else {                                                  \
        for (int32_t i = 0; i < inner; ++i) {                   \
          *out++ = *src;                                        \
          src += step;                                          \
        }                                                       \
      }                                                         \
      for (int32_t d = last - 1; d >= 0; --d) {                 \
        offset += (p)->steps[d];                                \
        if (++index[d] < (p)->counts[d]) break;                 \
        offset -= (p)->steps[d] * (p)->counts[d];               \
        index[d] = 0;                                           \
      }                                                         \
    }                                                           \
  } while (0)

// PAD / PADV2: output filled with pad_value, then the input's rows (innermost dimension,
// merged with unpadded neighbours) copied to output + base + sum_d i_d * output_strides[d].
typedef struct {
  int32_t ndim;  // 1..AN_MOVEMENT_MAX_DIMS
  int32_t input_dims[AN_MOVEMENT_MAX_DIMS];
  int32_t output_strides[AN_MOVEMENT_MAX_DIMS];
  int32_t base;
  int32_t output_size;
  int32_t pad_value;
} an_pad_params;

void an_pad_s8(const an_pad_params *params, const int8_t *input, int8_t *output);

// PAD's rows of the input copied into the output (already filled with the pad value); element_bytes per
// element (an_pad_s8 and the wide PADs).
static inline void an_pad_copy_rows(const an_pad_params *p, const uint8_t *input, uint8_t *output,
                                    int32_t element_bytes) {
  const int32_t last = p->ndim - 1;
  const int32_t inner = p->input_dims[last];
  int32_t outer = 1;
  for (int32_t d = 0; d < last; ++d) outer *= p->input_dims[d];
  int32_t index[AN_MOVEMENT_MAX_DIMS] = {0};
  int32_t offset = p->base;
  for (int32_t o = 0; o < outer; ++o) {
    memcpy(output + (size_t)offset * (size_t)element_bytes, input, (size_t)inner * (size_t)element_bytes);
    input += (size_t)inner * (size_t)element_bytes;
    for (int32_t d = last - 1; d >= 0; --d) {
      offset += p->output_strides[d];
      if (++index[d] < p->input_dims[d]) break;
      offset -= p->output_strides[d] * p->input_dims[d];
      index[d] = 0;
    }
  }
}

// CONCATENATION: for each of `outer` blocks, copy_sizes[k] bytes from each input k in turn.
typedef struct {
  int32_t outer;
  int32_t inputs;
} an_concatenation_params;

void an_concatenation_s8(const an_concatenation_params *params, const int8_t *const *inputs, const int32_t *copy_sizes,
                         int8_t *output);

#endif  // AN_MOVEMENT_H_
