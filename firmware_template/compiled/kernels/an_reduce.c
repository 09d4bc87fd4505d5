// attendnets compiled runtime: int8 MEAN / SUM (see an_reduce.h).
#include "an_reduce.h"

#include "an_common.h"

static int32_t an_reduce_count(int32_t ndim, const int32_t* dims) {
  int32_t n = 1;
  for (int32_t d = 0; d < ndim; ++d) n *= dims[d];
  return n;
}

// Offset of the next position of a row-major walk over (ndim, dims, strides).
static int32_t an_reduce_step(int32_t ndim, const int32_t* dims, const int32_t* strides, int32_t* index,
                              int32_t offset) {
  for (int32_t d = ndim - 1; d >= 0; --d) {
    offset += strides[d];
    if (++index[d] < dims[d]) return offset;
    offset -= strides[d] * dims[d];
    index[d] = 0;
  }
  return offset;
}

void an_reduce_sum_s8(const an_reduce_params* p, const int8_t* input, int8_t* output) {
  const int32_t outputs = an_reduce_count(p->kept_ndim, p->kept_dims);
  const int32_t per_output = an_reduce_count(p->reduced_ndim, p->reduced_dims);
  int32_t kept_index[AN_REDUCE_MAX_DIMS] = {0};
  int32_t base = 0;
  for (int32_t o = 0; o < outputs; ++o) {
    int32_t reduced_index[AN_REDUCE_MAX_DIMS] = {0};
    int32_t offset = 0;
    uint32_t sum = 0;  // int32 arithmetic that wraps, as TFLM's accumulation
    for (int32_t r = 0; r < per_output; ++r) {
      sum += (uint32_t)(int32_t)input[base + offset];
      offset = an_reduce_step(p->reduced_ndim, p->reduced_dims, p->reduced_strides, reduced_index, offset);
    }
    const int32_t shifted = (int32_t)(sum - (uint32_t)p->zero_point_sum);
    const int32_t out = an_multiply_by_quantized_multiplier(shifted, p->output_multiplier, p->output_shift) +
                        p->output_zero_point;
    output[o] = (int8_t)an_clamp(out, -128, 127);
    base = an_reduce_step(p->kept_ndim, p->kept_dims, p->kept_strides, kept_index, base);
  }
}
