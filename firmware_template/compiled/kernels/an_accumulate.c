// attendnets compiled runtime: ADD_N and CUMSUM (see an_accumulate.h).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")  // float: TFLM's order of operations
#endif
#include "an_accumulate.h"

#include "an_common.h"

static inline int8_t an_accumulate_out(int32_t sum, int32_t multiplier, int32_t shift, int32_t offset) {
  return (int8_t)an_clamp(an_requantize(sum, multiplier, shift) + offset, -128, 127);
}

void an_add_n_f32(const an_add_n_params *p, const float *const *inputs, float *output) {
  for (int32_t i = 0; i < p->count; ++i) {
    float x = 0.0f;
    for (int32_t j = 0; j < p->num_inputs; ++j) x += inputs[j][i];
    output[i] = x;
  }
}

void an_add_n_s8(const an_add_n_params *p, const int8_t *const *inputs, int8_t *output, const int32_t *scaled) {
  for (int32_t i = 0; i < p->count; ++i) {
    uint32_t x = (uint32_t)scaled[0];
    for (int32_t j = 0; j < p->num_inputs; ++j) x += (uint32_t)scaled[(uint8_t)inputs[j][i]];
    output[i] = an_accumulate_out((int32_t)x, p->output_multiplier, p->output_shift, p->output_offset);
  }
}

// TFLM's walk: outer positions, then inner rows, then along the axis; every index reversed with `reverse`.
#define AN_CUMSUM_WALK(ACC_TYPE, START, ADD, STORE)                     \
  do {                                                                  \
    const int32_t inner = p->inner, depth = p->depth, outer = p->outer; \
    for (int32_t o = 0; o < outer; ++o) {                               \
      const int32_t oa = p->reverse ? outer - 1 - o : o;                \
      for (int32_t i = 0; i < inner; ++i) {                             \
        const int32_t ia = p->reverse ? inner - 1 - i : i;              \
        ACC_TYPE acc = (START);                                         \
        for (int32_t d = 0; d < depth; ++d) {                           \
          const int32_t da = p->reverse ? depth - 1 - d : d;            \
          const int32_t index = oa + ia * depth * outer + da * outer;   \
          if (p->exclusive) {                                           \
            output[index] = STORE(acc);                                 \
            acc = ADD(acc, input[index]);                               \
          } else {                                                      \
            acc = ADD(acc, input[index]);                               \
            output[index] = STORE(acc);                                 \
          }                                                             \
        }                                                               \
      }                                                                 \
    }                                                                   \
  } while (0)

#define AN_ADD_F32(acc, x) ((acc) + (x))
#define AN_STORE_F32(acc) (acc)
#define AN_ADD_S8(acc, x) ((acc) + (uint32_t)scaled[(uint8_t)(x)])
#define AN_STORE_S8(acc) an_accumulate_out((int32_t)(acc), p->output_multiplier, p->output_shift, p->output_offset)

void an_cumsum_f32(const an_cumsum_params *p, const float *input, float *output) {
  AN_CUMSUM_WALK(float, 0.0f, AN_ADD_F32, AN_STORE_F32);
}

void an_cumsum_s8(const an_cumsum_params *p, const int8_t *input, int8_t *output, const int32_t *scaled) {
  AN_CUMSUM_WALK(uint32_t, (uint32_t)scaled[0], AN_ADD_S8, AN_STORE_S8);
}
