// attendnets compiled runtime: BATCH_MATMUL (TFLM's reference BatchMatMul): for every batch of the output
// (up to three batch dimensions, each input's broadcast where its dimension is 1),
// out[r][c] = sum_k A[r][k] * B[k][c] with A the left input (adj_x: stored transposed) and B the right
// one (adj_y: stored transposed); every layout is a pair of strides computed at generation time
// (codegen/compiled/ops/batch_matmul.py).
// - int8: int32 sums of (a - lhs_zp) * (b - rhs_zp), requantized once (an_requantize), plus the output
//   zero point, clamped to int8;
// - int16 (16x8: zero points 0): int64 sums, TFLM's 64-bit requantization (an_requantize64), int16;
// - float32: a float sum from 0 over k in order (TFLM's order).
#ifndef AN_BATCH_MATMUL_H_
#define AN_BATCH_MATMUL_H_

#include <stdint.h>

typedef struct {
  int32_t batches[3];         // the output's batch dimensions (extended to three)
  int32_t lhs_batch_step[3];  // elements of the left input per step of each (0: broadcast)
  int32_t rhs_batch_step[3];
  int32_t rows;          // output rows (A's rows)
  int32_t cols;          // output columns (B's columns)
  int32_t depth;         // the summed dimension
  int32_t lhs_row_step;  // A[r][k] = lhs[r * lhs_row_step + k * lhs_depth_step]
  int32_t lhs_depth_step;
  int32_t rhs_depth_step;  // B[k][c] = rhs[k * rhs_depth_step + c * rhs_col_step]
  int32_t rhs_col_step;
  int32_t lhs_offset;  // -zero point (integer types)
  int32_t rhs_offset;
  int32_t output_offset;
  int32_t output_multiplier;
  int32_t output_shift;
  int32_t activation_min;
  int32_t activation_max;
} an_batch_matmul_params;

void an_batch_matmul_s8(const an_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs, int8_t *output);
void an_batch_matmul_s16(const an_batch_matmul_params *p, const int16_t *lhs, const int16_t *rhs, int16_t *output);
void an_batch_matmul_f32(const an_batch_matmul_params *p, const float *lhs, const float *rhs, float *output);

#endif  // AN_BATCH_MATMUL_H_
