// attendnets compiled runtime: FULLY_CONNECTED, int8 activations, int8 weights.
#ifndef AN_FULLY_CONNECTED_H_
#define AN_FULLY_CONNECTED_H_

#include "an_common.h"

// Everything computed at generation time. The input zero point is folded into `bias`
// (bias[c] + input_offset * sum_d(w[c][d] + weights_offset)), so the kernel accumulates
// sum_d (w[c][d] + weights_offset) * x[d] only; TFLM's int32 wrap-around makes that exact.
typedef struct {
  int32_t batches;           // rows of the input (output elements / output_depth)
  int32_t accum_depth;       // weights' last dimension
  int32_t output_depth;      // output channels
  int32_t weights_offset;    // -weights zero point (per-tensor weights only; 0 per channel)
  int32_t output_offset;     // output zero point
  int32_t act_min, act_max;  // fused activation, quantized
  int32_t multiplier;        // per-tensor requantization (when multipliers is NULL)
  int32_t shift;
  const int32_t *multipliers;  // per-channel requantization, or NULL
  const int32_t *shifts;
  int32_t right_shifts;  // _w16: 1 when every shift is negative with a multiplier in [2^30, 2^31)
} an_fc_params;

// weights: output_depth rows of accum_depth values, in groups of four rows (channels 4g..4g+3):
// for each block of four values d..d+3 (d < D4 = accum_depth rounded down to four) the four rows'
// blocks one after the other (16 bytes), then the four rows' last accum_depth - D4 values, row by
// row; the output_depth % 4 last rows follow whole, one after the other
// (codegen/compiled/ops/fully_connected.py: fc_weights_layout).  Each input is read once per
// group of four channels.  bias: [output_depth] (folded) or NULL.
void an_fully_connected_s8(const an_fc_params *p, const int8_t *input, const int8_t *weights, const int32_t *bias,
                           int8_t *output);

// The same with int16 weights (cores with the DSP extension: no sign extension of weights in the
// inner loop; the generator narrows them to the int8 layout above for other cores and where the
// flash needs it).  weights: values v[c][d] = w[c][d] + weights_offset (the offset folded in, the
// field ignored), rows zero-padded to D4 = accum_depth rounded up to four, in groups of four rows
// (the last group the output_depth % 4 rows left), each group block by block: for each block of
// four values d..d+3 each row's (v_d, v_d+2, v_d+1, v_d+3) in turn, the two words SMLAD pairs with
// the two SXTB16 halves of an input word (codegen/compiled/ops/fully_connected.py:
// fc_weights_layout_w16).  channels: per group (of n rows, four but in the last), the n folded
// biases, the n multipliers, the n shifts; where p->right_shifts, multiplier m and shift s are
// stored as 2m (mod 2^32) and -s - 1 (fc_channel_records).  The multiplier/shift fields are unused.
// Four rows per pass over the input, each input word loaded and sign-extended once per pass; the
// four outputs requantized, clamped (SSUB8/SEL) and stored as one word.
void an_fully_connected_s8_w16(const an_fc_params *p, const int8_t *input, const int16_t *weights,
                               const int32_t *channels, int8_t *output);

#endif  // AN_FULLY_CONNECTED_H_
