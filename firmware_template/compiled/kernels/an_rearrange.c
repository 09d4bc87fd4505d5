// attendnets compiled runtime: offset-table gathers and SPACE_TO_BATCH_ND (see an_rearrange.h).
#include "an_rearrange.h"

void an_offset_gather(const an_offset_gather_params *p, const int32_t *offsets, const void *input, void *output) {
  const uint8_t *in = (const uint8_t *)input + p->base;
  uint8_t *out = (uint8_t *)output;
  const int32_t last = p->ndim - 1;
  const int32_t inner = p->counts[last];
  const int32_t *inner_offsets = offsets + p->first[last];
  const size_t run = (size_t)p->run_bytes;
  int32_t outer = 1;
  for (int32_t d = 0; d < last; ++d) outer *= p->counts[d];
  int32_t index[AN_REARRANGE_MAX_DIMS] = {0};
  for (int32_t o = 0; o < outer; ++o) {
    int32_t from = 0;
    for (int32_t d = 0; d < last; ++d) from += offsets[p->first[d] + index[d]];
    const uint8_t *src = in + from;
    if (run == 1) {
      for (int32_t i = 0; i < inner; ++i) *out++ = src[inner_offsets[i]];
    } else {
      for (int32_t i = 0; i < inner; ++i, out += run) memcpy(out, src + inner_offsets[i], run);
    }
    for (int32_t d = last - 1; d >= 0; --d) {
      if (++index[d] < p->counts[d]) break;
      index[d] = 0;
    }
  }
}

void an_space_to_batch(const an_space_to_batch_params *p, const void *input, void *output) {
  const uint8_t *in = (const uint8_t *)input;
  uint8_t *out = (uint8_t *)output;
  const size_t depth = (size_t)p->depth_bytes;
  for (int32_t b = 0; b < p->output_batches; ++b) {
    const int32_t input_batch = b % p->input_batches;
    const int32_t shift_w = (b / p->input_batches) % p->block_width;
    const int32_t shift_h = (b / p->input_batches) / p->block_width;
    for (int32_t h = 0; h < p->output_height; ++h) {
      const int32_t y = h * p->block_height + shift_h - p->pad_top;
      for (int32_t w = 0; w < p->output_width; ++w, out += depth) {
        const int32_t x = w * p->block_width + shift_w - p->pad_left;
        if (y < 0 || y >= p->input_height || x < 0 || x >= p->input_width) {
          memset(out, p->pad_byte, depth);
        } else {
          memcpy(out, in + ((size_t)(input_batch * p->input_height + y) * (size_t)p->input_width + (size_t)x) * depth,
                 depth);
        }
      }
    }
  }
}
