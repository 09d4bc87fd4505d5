// attendnets compiled runtime: reductions over any set of axes. int8, int16 and float32 MEAN and SUM (TFLM's
// reference_ops::QuantizedMeanOrSum); REDUCE_MAX / REDUCE_MIN (int8, float32) and REDUCE_ALL (bool) as
// TFLM's ReduceGeneric; ARG_MAX / ARG_MIN (int8, float32 -> int32 or int64) as TFLM's ArgMinMax. Generation time
// splits the input's dimensions into kept and reduced ones (neighbours of the same kind merged) and
// folds 1/count into the output multiplier as TFLM does (codegen/compiled/ops/reduce.py).
#ifndef AN_REDUCE_H_
#define AN_REDUCE_H_

#include <stdbool.h>
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
// the same on int16 (clamped to int16)
void an_reduce_sum_s16(const an_reduce_params *params, const int16_t *input, int16_t *output);
// float32: output[o] = the sum of the inputs reduced into o (input order, from 0.0f), divided by
// (float)mean_count when mean_count > 0 (MEAN), as TFLM's reference Mean / ReduceGeneric.
void an_reduce_sum_f32(const an_reduce_params *params, const float *input, float *output, int32_t mean_count);

// output[o] = the max (min) of the inputs reduced into o, in the input's order, starting from the type's
// lowest (largest) value: `in > current ? in : current`, so a float NaN never replaces the current value and
// an output of -inf inputs only is -FLT_MAX (TFLM's initial value). The parameters' quantization fields are
// unused (TFLM requires the same quantization in and out).
void an_reduce_max_s8(const an_reduce_params *params, const int8_t *input, int8_t *output);
void an_reduce_min_s8(const an_reduce_params *params, const int8_t *input, int8_t *output);
void an_reduce_max_f32(const an_reduce_params *params, const float *input, float *output);
void an_reduce_min_f32(const an_reduce_params *params, const float *input, float *output);
// output[o] = every input reduced into o is true (REDUCE_ALL).
void an_reduce_all_b(const an_reduce_params *params, const bool *input, bool *output);

// ARG_MAX / ARG_MIN over the middle dimension of an (outer, axis_size, inner) view of the input.
typedef struct {
  int32_t outer;
  int32_t axis_size;  // >= 1
  int32_t inner;
  int32_t output_int64;  // 1: the output is int64_t (TFLM's Eval refuses it; the same index, widened), 0: int32_t
} an_arg_params;

// output[o * inner + i] = the first index along the axis whose value no later value compares greater
// (less) than with `>` (`<`): index 0 to start, replaced by each later index that compares greater.
void an_arg_max_s8(const an_arg_params *params, const int8_t *input, void *output);
void an_arg_min_s8(const an_arg_params *params, const int8_t *input, void *output);
void an_arg_max_f32(const an_arg_params *params, const float *input, void *output);
void an_arg_min_f32(const an_arg_params *params, const float *input, void *output);

#endif  // AN_REDUCE_H_
