// attendnets compiled runtime: ADD_N and CUMSUM as TFLM's reference kernels (add_n.h, cumsum.h).
// - float32: sums in order from 0.0f (ADD_N: input 0, 1, ... per element; CUMSUM: along the axis, reversed
//   with `reverse`, the sum before the element with `exclusive`).
// - int8: every value rescaled as TFLM does, ((x - zero point) << 20) times the input multiplier (1/2), which
//   depends on the byte alone: scaled[(uint8_t)x], a table of 256 computed at generation time
//   (codegen/compiled/ops/accumulate.py); the int32 sum starts from scaled[0] (TFLM's accumulator starts from
//   the rescaled -zero point), wraps as TFLM's int32 additions, and is requantized to the output with the
//   output multiplier, plus the output zero point, clamped.
#ifndef AN_ACCUMULATE_H_
#define AN_ACCUMULATE_H_

#include <stdint.h>

typedef struct {
  int32_t count;       // elements per input
  int32_t num_inputs;  // >= 2
  int32_t output_multiplier, output_shift, output_offset;
} an_add_n_params;

void an_add_n_f32(const an_add_n_params *params, const float *const *inputs, float *output);
void an_add_n_s8(const an_add_n_params *params, const int8_t *const *inputs, int8_t *output, const int32_t *scaled);

// The input as (inner, depth, outer) around the axis (depth); element (i, d, o) at i * depth * outer + d * outer + o.
typedef struct {
  int32_t inner, depth, outer;
  int32_t exclusive, reverse;
  int32_t output_multiplier, output_shift, output_offset;  // int8 only
} an_cumsum_params;

void an_cumsum_f32(const an_cumsum_params *params, const float *input, float *output);
void an_cumsum_s8(const an_cumsum_params *params, const int8_t *input, int8_t *output, const int32_t *scaled);

#endif  // AN_ACCUMULATE_H_
