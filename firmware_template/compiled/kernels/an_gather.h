// attendnets compiled runtime: GATHER and GATHER_ND with run-time int32 indices (TFLM's reference
// kernels), on elements of any size: the generator gives every size in bytes
// (codegen/compiled/ops/gather.py).  TFLM takes int8, int32 and float32 data.
// - GATHER (axis, batch_dims): for each batch, outer index and coordinate, one block of
//   `inner_bytes` copied from input[((batch * outer + o) * axis_size + coords[batch * coord_count + c])].
//   An index outside [0, axis_size) (undefined in TFLM, which only checks it in debug builds) gives
//   a block of zeros.
// - GATHER_ND: slice i copies `slice_bytes` from the flat offset sum_j indices[i * nd + j] * strides[j];
//   TFLM fails the invocation when a slice falls outside the input; the kernel writes zeros there.
#ifndef AN_GATHER_H_
#define AN_GATHER_H_

#include <stdint.h>
#include <string.h>

#define AN_GATHER_ND_MAX 5

typedef struct {
  int32_t batches;
  int32_t outer;        // product of the input dimensions between batch_dims and axis
  int32_t axis_size;    // the input's size along axis
  int32_t coord_count;  // indices per batch
  int32_t inner_bytes;  // bytes of one gathered block (the dimensions after axis)
} an_gather_params;

typedef struct {
  int32_t slices;                     // index tuples (the indices' dimensions but the last)
  int32_t nd;                         // indices per tuple (the indices' last dimension), 1..AN_GATHER_ND_MAX
  int32_t strides[AN_GATHER_ND_MAX];  // elements of the input per step of each indexed dimension
  int32_t element_bytes;
  int32_t slice_elements;  // elements of one copied slice
  int32_t input_elements;
} an_gather_nd_params;

void an_gather(const an_gather_params *p, const void *input, const int32_t *coords, void *output);
void an_gather_nd(const an_gather_nd_params *p, const void *input, const int32_t *indices, void *output);

#endif  // AN_GATHER_H_
