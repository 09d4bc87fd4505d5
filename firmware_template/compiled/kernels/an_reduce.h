// attendnets compiled runtime: int8 MEAN and SUM over any set of axes (TFLM's
// reference_ops::QuantizedMeanOrSum). Generation time splits the input's dimensions into
// kept and reduced ones (neighbours of the same kind merged) and folds 1/count into the
// output multiplier as TFLM does (codegen/compiled/ops/reduce.py).
#ifndef AN_REDUCE_H_
#define AN_REDUCE_H_

#include <stdint.h>

#define AN_REDUCE_MAX_DIMS 6

typedef struct {
  int32_t kept_ndim;  // 0..AN_REDUCE_MAX_DIMS (0: one output)
  int32_t kept_dims[AN_REDUCE_MAX_DIMS];
  int32_t kept_strides[AN_REDUCE_MAX_DIMS];  // input strides, in elements
  int32_t reduced_ndim;                      // 0..AN_REDUCE_MAX_DIMS
  int32_t reduced_dims[AN_REDUCE_MAX_DIMS];
  int32_t reduced_strides[AN_REDUCE_MAX_DIMS];
  int32_t zero_point_sum;  // (int32)(input zero point * elements per output)
  int32_t output_multiplier;
  int32_t output_shift;
  int32_t output_zero_point;
} an_reduce_params;

// output[o] = clamp(MBQM(sum of the inputs reduced into o - zero_point_sum) + output zero point)
void an_reduce_sum_s8(const an_reduce_params *params, const int8_t *input, int8_t *output);

#endif  // AN_REDUCE_H_
