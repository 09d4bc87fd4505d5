// attendnets compiled runtime: data movement whose every offset the generator computes
// (codegen/compiled/ops/rearrange.py) as TFLM's reference kernels compute it, on elements of any
// size (every size and offset in bytes):
// - an_offset_gather: an output walk whose source offset is a sum of one table entry per output
//   dimension (MIRROR_PAD's reflected indices, BATCH_TO_SPACE_ND's block and crop arithmetic);
// - an_space_to_batch: SPACE_TO_BATCH_ND with its padding (TFLM's loop, pixel by pixel).
// SLICE, REVERSE_V2, DEPTH_TO_SPACE, SPACE_TO_DEPTH and BROADCAST_TO are the strided walk of
// an_movement.h (an_strided_slice_*).
#ifndef AN_REARRANGE_H_
#define AN_REARRANGE_H_

#include <stdint.h>
#include <string.h>

#define AN_REARRANGE_MAX_DIMS 5

// The output, in order, is runs of run_bytes copied from
// input + base + sum_d offsets[first[d] + i_d] for i_d in [0, counts[d]) (outer to inner).
typedef struct {
  int32_t ndim;  // 1..AN_REARRANGE_MAX_DIMS
  int32_t counts[AN_REARRANGE_MAX_DIMS];
  int32_t first[AN_REARRANGE_MAX_DIMS];  // where dimension d's table starts in offsets
  int32_t base;
  int32_t run_bytes;
} an_offset_gather_params;

void an_offset_gather(const an_offset_gather_params *p, const int32_t *offsets, const void *input, void *output);

// SPACE_TO_BATCH_ND (NHWC; 3-D inputs with width 1): output pixel (b, h, w) copies depth_bytes of input
// pixel (b % input_batches, h * block_height + dy - pad_top, w * block_width + dx - pad_left) with
// dy, dx = (b / input_batches) / block_width, % block_width; bytes of pad_byte where that pixel is padding.
typedef struct {
  int32_t output_batches;
  int32_t output_height;
  int32_t output_width;
  int32_t input_batches;
  int32_t input_height;
  int32_t input_width;
  int32_t block_height;
  int32_t block_width;
  int32_t pad_top;
  int32_t pad_left;
  int32_t depth_bytes;
  int32_t pad_byte;  // the int8 output's zero point (TFLite's pad value), 0 for float32
} an_space_to_batch_params;

void an_space_to_batch(const an_space_to_batch_params *p, const void *input, void *output);

#endif  // AN_REARRANGE_H_
