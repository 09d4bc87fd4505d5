// attendnets compiled runtime: data movement (see an_movement.h).
#include "an_movement.h"

#include <string.h>

#include "an_common.h"

// An output row that reads the same input row as the one before it (every other row of a 2x upsampling) is
// a copy of that output row: one memcpy of the whole row.
#if AN_USE_DSP && defined(__GNUC__) && defined(__OPTIMIZE__)
// n16 (>= 1) blocks of sixteen bytes from src to dst (both word aligned) by LDM/STM of four registers: 5 + 5
// cycles and three instructions a block with the count (a library memcpy call took about 30 instructions for a
// pixel of 32 bytes).
static inline void an_copy16_aligned(int8_t *dst, const int8_t *src, int32_t n16) {
  __asm__ volatile(
      "1:\n\t"
      "ldmia %[s]!, {r2, r3, r12, lr}\n\t"
      "stmia %[d]!, {r2, r3, r12, lr}\n\t"
      "subs %[n], %[n], #1\n\t"
      "bne 1b"
      : [s] "+r"(src), [d] "+r"(dst), [n] "+r"(n16)
      :
      : "r2", "r3", "r12", "lr", "cc", "memory");
}
#define AN_RESIZE_COPY16 1
#else
#define AN_RESIZE_COPY16 0
#endif

void an_resize_nearest_s8(const an_resize_nearest_params *p, const int8_t *input, int8_t *output,
                          const int32_t *row_offsets, const int32_t *column_offsets) {
  const int32_t depth = p->depth, out_h = p->output_height, out_w = p->output_width;
  const int32_t row_bytes = out_w * depth;
#if AN_RESIZE_COPY16
  // Pixels of a multiple of sixteen bytes (the attention condensers' gates) on word boundaries (every offset a
  // multiple of the depth): each pixel by an_copy16_aligned; a repeated row too where it has at most 256 bytes
  // (the demo's rows of 256 and 192 bytes: 106 and 34 cycles an operator less than by memcpy), longer ones by
  // memcpy (its rows of 384 and 768 bytes by LDM/STM: 5 and 65 cycles more).
  if ((depth & 15) == 0 && depth > 0 &&
      (((uintptr_t)input | (uintptr_t)output | (uintptr_t)p->batch_stride) & 3) == 0) {
    for (int32_t b = 0; b < p->batches; ++b) {
      const int8_t *batch = input + b * p->batch_stride;
      for (int32_t y = 0; y < out_h; ++y) {
        if (y > 0 && row_offsets[y] == row_offsets[y - 1]) {
          if (row_bytes <= 256) {
            an_copy16_aligned(output, output - row_bytes, row_bytes >> 4);
          } else {
            memcpy(output, output - row_bytes, (size_t)row_bytes);
          }
          output += row_bytes;
          continue;
        }
        const int8_t *row = batch + row_offsets[y];
        for (int32_t x = 0; x < out_w; ++x, output += depth)
          an_copy16_aligned(output, row + column_offsets[x], depth >> 4);
      }
    }
    return;
  }
#endif
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *batch = input + b * p->batch_stride;
    for (int32_t y = 0; y < out_h; ++y) {
      if (y > 0 && row_offsets[y] == row_offsets[y - 1]) {
        memcpy(output, output - row_bytes, (size_t)row_bytes);
        output += row_bytes;
        continue;
      }
      const int8_t *row = batch + row_offsets[y];
      for (int32_t x = 0; x < out_w; ++x, output += depth) memcpy(output, row + column_offsets[x], (size_t)depth);
    }
  }
}

void an_strided_slice_s8(const an_strided_slice_params *p, const int8_t *input, int8_t *output) {
  AN_STRIDED_WALK(int8_t, p, input, output);
}

void an_pad_s8(const an_pad_params *p, const int8_t *input, int8_t *output) {
  memset(output, (int8_t)p->pad_value, (size_t)p->output_size);
  an_pad_copy_rows(p, (const uint8_t *)input, (uint8_t *)output, 1);
}

void an_concatenation_s8(const an_concatenation_params *p, const int8_t *const *inputs, const int32_t *copy_sizes,
                         int8_t *output) {
  for (int32_t o = 0; o < p->outer; ++o) {
    for (int32_t k = 0; k < p->inputs; ++k) {
      const int32_t n = copy_sizes[k];
      memcpy(output, inputs[k] + o * n, (size_t)n);
      output += n;
    }
  }
}
