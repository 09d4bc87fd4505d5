// attendnets compiled runtime: int8 MEAN / SUM (see an_reduce.h).
#include "an_reduce.h"

#include "an_common.h"

static int32_t an_reduce_count(int32_t ndim, const int32_t *dims) {
  int32_t n = 1;
  for (int32_t d = 0; d < ndim; ++d) n *= dims[d];
  return n;
}

// Offset of the next position of a row-major walk over (ndim, dims, strides).
static int32_t an_reduce_step(int32_t ndim, const int32_t *dims, const int32_t *strides, int32_t *index,
                              int32_t offset) {
  for (int32_t d = ndim - 1; d >= 0; --d) {
    offset += strides[d];
    if (++index[d] < dims[d]) return offset;
    offset -= strides[d] * dims[d];
    index[d] = 0;
  }
  return offset;
}

void an_reduce_sum_s8(const an_reduce_params *p, const int8_t *input, int8_t *output) {
  const an_reduce_params q = *p;  // locals: int8 stores may alias the parameter struct
  const int32_t outputs = an_reduce_count(q.kept_ndim, q.kept_dims);
  // The innermost reduced dimension is walked in a tight loop, the others by an odometer.
  const int32_t last = q.reduced_ndim - 1;
  const int32_t inner = last >= 0 ? q.reduced_dims[last] : 1;
  const int32_t inner_stride = last >= 0 ? q.reduced_strides[last] : 0;
  const int32_t rows = last >= 0 ? an_reduce_count(last, q.reduced_dims) : 1;
  int32_t kept_index[AN_REDUCE_MAX_DIMS] = {0};
  int32_t base = 0;
  for (int32_t o = 0; o < outputs; ++o) {
    int32_t reduced_index[AN_REDUCE_MAX_DIMS] = {0};
    int32_t offset = base;
    uint32_t sum = 0;  // int32 arithmetic that wraps, as TFLM's accumulation
    for (int32_t r = 0; r < rows; ++r) {
      const int8_t *x = input + offset;
      for (int32_t i = 0; i < inner; ++i) {
        sum += (uint32_t)(int32_t)*x;
        x += inner_stride;
      }
      offset = an_reduce_step(last, q.reduced_dims, q.reduced_strides, reduced_index, offset);
    }
    const int32_t shifted = (int32_t)(sum - (uint32_t)q.zero_point_sum);
    const int32_t out = an_requantize(shifted, q.output_multiplier, q.output_shift) + q.output_zero_point;
    output[o] = (int8_t)an_clamp(out, -128, 127);
    base = an_reduce_step(q.kept_ndim, q.kept_dims, q.kept_strides, kept_index, base);
  }
}
