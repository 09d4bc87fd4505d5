// attendnets compiled runtime: BATCH_MATMUL (see an_batch_matmul.h).
#include "an_batch_matmul.h"

#include "an_common.h"

// The batch walk: `body` runs once per output matrix with `a` and `b` at its inputs' matrices.
#define AN_BMM_BATCHES(type, body)                                                                                 \
  do {                                                                                                             \
    for (int32_t b0 = 0; b0 < p->batches[0]; ++b0) {                                                               \
      for (int32_t b1 = 0; b1 < p->batches[1]; ++b1) {                                                             \
        for (int32_t b2 = 0; b2 < p->batches[2]; ++b2) {                                                           \
          const type *a = lhs + b0 * p->lhs_batch_step[0] + b1 * p->lhs_batch_step[1] + b2 * p->lhs_batch_step[2]; \
          const type *b = rhs + b0 * p->rhs_batch_step[0] + b1 * p->rhs_batch_step[1] + b2 * p->rhs_batch_step[2]; \
          body;                                                                                                    \
        }                                                                                                          \
      }                                                                                                            \
    }                                                                                                              \
  } while (0)

void an_batch_matmul_s8(const an_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs, int8_t *output) {
  AN_BMM_BATCHES(int8_t, {
    for (int32_t r = 0; r < p->rows; ++r) {
      for (int32_t c = 0; c < p->cols; ++c) {
        const int8_t *x = a + r * p->lhs_row_step;
        const int8_t *y = b + c * p->rhs_col_step;
        int32_t acc = 0;
        for (int32_t k = 0; k < p->depth; ++k, x += p->lhs_depth_step, y += p->rhs_depth_step) {
          acc += ((int32_t)*x + p->lhs_offset) * ((int32_t)*y + p->rhs_offset);
        }
        const int32_t v = an_requantize(acc, p->output_multiplier, p->output_shift) + p->output_offset;
        *output++ = (int8_t)an_clamp(v, p->activation_min, p->activation_max);
      }
    }
  });
}

void an_batch_matmul_s16(const an_batch_matmul_params *p, const int16_t *lhs, const int16_t *rhs, int16_t *output) {
  AN_BMM_BATCHES(int16_t, {
    for (int32_t r = 0; r < p->rows; ++r) {
      for (int32_t c = 0; c < p->cols; ++c) {
        const int16_t *x = a + r * p->lhs_row_step;
        const int16_t *y = b + c * p->rhs_col_step;
        int64_t acc = 0;
        for (int32_t k = 0; k < p->depth; ++k, x += p->lhs_depth_step, y += p->rhs_depth_step) {
          acc += ((int64_t)*x + p->lhs_offset) * ((int64_t)*y + p->rhs_offset);
        }
        const int32_t v = an_requantize64(acc, p->output_multiplier, p->output_shift) + p->output_offset;
        *output++ = (int16_t)an_clamp(v, p->activation_min, p->activation_max);
      }
    }
  });
}

void an_batch_matmul_f32(const an_batch_matmul_params *p, const float *lhs, const float *rhs, float *output) {
  AN_BMM_BATCHES(float, {
    for (int32_t r = 0; r < p->rows; ++r) {
      for (int32_t c = 0; c < p->cols; ++c) {
        const float *x = a + r * p->lhs_row_step;
        const float *y = b + c * p->rhs_col_step;
        float acc = 0.0f;
        for (int32_t k = 0; k < p->depth; ++k, x += p->lhs_depth_step, y += p->rhs_depth_step) {
          acc += *y * *x;
        }
        *output++ = acc;
      }
    }
  });
}
