// attendnets compiled runtime: int8 CONV_2D.
//
// Bit-exact with TFLM's reference_integer_ops::ConvPerChannel.  For each pair of output
// pixels the receptive fields are copied as int16 into two interleaved columns of K4 values (im2col;
// taps outside the image hold the input zero point, which the folded bias cancels; the
// padding to K4 holds zeros, as do the matching filter values), then each pair of output
// channels is a 2x2 block of dot products (an_dot.h): on cores with the DSP extension SMLAD,
// two 16x16 MACs per instruction, with Helium VMLADAVA (an_dot_mve.h) and the block's four
// requantizations on vector lanes (an_requantize_mve), elsewhere plain C.  Both sum the same products in int32 and
// requantize as TFLM's MultiplyByQuantizedMultiplier does, so the bits agree.
//
// This file: the int8-filter kernels an_conv2d_s8 and an_conv1x1_s8 (with Helium: an_conv_mve.c's), and
// an_conv1x1_s8_w16 on cores without the DSP extension or with Helium (on DSP cores an_conv_pointwise.c's); the
// int16-filter KxK kernels are in an_conv_kxk.c.
#include "an_conv.h"

#include "an_conv_internal.h"

#if !AN_USE_MVE  // with Helium an_conv2d_s8 is an_conv_mve.c's
// Receptive field of output pixel (oy, ox) for the group starting at input channel channel0,
// as pixel j (0 or 1) of the interleaved column pair (an_dot.h).
static void an_conv_im2col(const an_conv_params *p, const int8_t *in, int32_t oy, int32_t ox, int32_t channel0,
                           int32_t j, int32_t k4, int16_t *cols) {
  const int32_t n = p->filter_in_c;
  const int32_t iy0 = oy * p->stride_h - p->pad_h;
  const int32_t ix0 = ox * p->stride_w - p->pad_w;
  int32_t k = 0;
  for (int32_t ky = 0; ky < p->k_h; ++ky) {
    const int32_t iy = iy0 + ky * p->dilation_h;
    const int row_inside = iy >= 0 && iy < p->in_h;
    const int32_t row = iy * p->in_w * p->in_c + channel0;
    const int32_t ix_last = ix0 + (p->k_w - 1) * p->dilation_w;
    if (row_inside && p->dilation_w == 1 && ix0 >= 0 && ix_last < p->in_w && n == p->in_c) {
      // The whole filter row is inside and contiguous in NHWC: one run of k_w * n values.
      an_widen_s8_pair(in + row + ix0 * p->in_c, cols, k, j, p->k_w * n);
      k += p->k_w * n;
      continue;
    }
    for (int32_t kx = 0; kx < p->k_w; ++kx, k += n) {
      const int32_t ix = ix0 + kx * p->dilation_w;
      if (row_inside && ix >= 0 && ix < p->in_w) {
        an_widen_s8_pair(in + row + ix * p->in_c, cols, k, j, n);
      } else {
        an_fill_pair(cols, k, j, n, (int16_t)p->pad_value);
      }
    }
  }
  an_fill_pair(cols, k, j, k4 - k, 0);
}
#endif

#if AN_USE_DSP && !AN_USE_MVE
// The channel pairs of an_conv_channels_2px on a DSP core, pairs > 0: the 2x2 dot products of
// an_dot_pair_2px with the filter pointer carried from pair to pair (the rows of a pair are
// contiguous) and the requantization of an_out_s8_right_shift (an_common.h) where both shifts are
// negative.
// Returns the filter after the last pair.
static const int8_t *an_conv_pairs_dsp(an_conv_out_params q, const int8_t *w, const int16_t *cols, int32_t k4,
                                       const int32_t *ch, int32_t pairs, int8_t *o0, int32_t out1_offset) {
  const int32_t round_offset = 1 + 2 * q.offset;
  // The k4 / 4 steps of four values: (k4 / 4) % 4 of them first, then blocks of four steps.
  const int32_t lead = (k4 >> 2) & 3, blocks16 = k4 >> 4;
  int8_t *o1 = o0 + out1_offset;
  const int32_t *const ch_end = ch + 6 * pairs;
  do {
    int32_t a0 = ch[0], a2 = ch[3];
    int32_t a1 = a0, a3 = a2;
    const int16_t *c = cols;
    for (int32_t i = lead; i > 0; --i) {
      AN_DOT_PAIR_2PX_STEP(w, c);
      __asm__ volatile("" ::: "memory");
      w += 8;
      c += 8;
    }
    for (int32_t i = blocks16; i > 0; --i) {
      AN_DOT_PAIR_2PX_STEP(w, c);
      __asm__ volatile("" ::: "memory");
      AN_DOT_PAIR_2PX_STEP(w + 8, c + 8);
      __asm__ volatile("" ::: "memory");
      AN_DOT_PAIR_2PX_STEP(w + 16, c + 16);
      __asm__ volatile("" ::: "memory");
      AN_DOT_PAIR_2PX_STEP(w + 24, c + 24);
      __asm__ volatile("" ::: "memory");
      w += 32;
      c += 32;
    }
    const int32_t m0 = ch[1], s0 = ch[2], m1 = ch[4], s1 = ch[5];
    ch += 6;
    if (__builtin_expect((s0 & s1) < 0, 1)) {
      const int32_t m20 = (int32_t)((uint32_t)m0 << 1), e0 = ~s0, m21 = (int32_t)((uint32_t)m1 << 1), e1 = ~s1;
      o0[0] = (int8_t)an_out_s8_right_shift(a0, m20, e0, round_offset, q.lo, q.hi);
      o0[1] = (int8_t)an_out_s8_right_shift(a2, m21, e1, round_offset, q.lo, q.hi);
      o1[0] = (int8_t)an_out_s8_right_shift(a1, m20, e0, round_offset, q.lo, q.hi);
      o1[1] = (int8_t)an_out_s8_right_shift(a3, m21, e1, round_offset, q.lo, q.hi);
    } else {
      o0[0] = an_conv_out(q, a0, m0, s0);
      o0[1] = an_conv_out(q, a2, m1, s1);
      o1[0] = an_conv_out(q, a1, m0, s0);
      o1[1] = an_conv_out(q, a3, m1, s1);
    }
    o0 += 2;
    o1 += 2;
  } while (ch < ch_end);
  return w;
}
#endif

// Output channels [0, n) of a pixel pair from the widened columns in scratch: filter rows w (the
// layout of an_conv.h, pairs then an odd last row), per-channel values ch ({bias, multiplier,
// shift} each), outputs o0[0..n) (pixel 0) and o0[out1_offset + 0..n) (pixel 1).
static inline void an_conv_channels_2px(an_conv_out_params q, const int8_t *w, const int16_t *cols, int32_t k4,
                                        const int32_t *ch, int32_t n, int8_t *o0, int32_t out1_offset) {
  const int32_t *const pairs_end = ch + 3 * (n & ~1);
#if AN_USE_DSP && !AN_USE_MVE
  if (n >= 2) w = an_conv_pairs_dsp(q, w, cols, k4, ch, n >> 1, o0, out1_offset);
  ch = pairs_end;
  o0 += n & ~1;
#else
#if AN_USE_MVE
  static const uint32_t an_conv_m_offsets[4] = {1, 1, 4, 4}, an_conv_s_offsets[4] = {2, 2, 5, 5};
  const uint32x4_t m_offsets = vld1q(an_conv_m_offsets), s_offsets = vld1q(an_conv_s_offsets);
  const uint32_t o1 = (uint32_t)out1_offset;
  const uint32_t out_offset_values[4] = {0, o1, 1, o1 + 1};
  const uint32x4_t out_offsets = vld1q(out_offset_values);
#endif
  for (; ch < pairs_end; ch += 6, w += 2 * k4, o0 += 2) {
    int32_t acc[4] = {ch[0], ch[0], ch[3], ch[3]};
    an_dot_pair_2px(w, cols, k4, acc);
#if AN_USE_MVE
    // Lanes (pixel 0, pixel 1) x (channel 0, channel 1): multipliers and shifts gathered from ch,
    // requantized on lanes (an_requantize_mve), stored by one scatter.
    int32x4_t v = an_requantize_mve(vld1q(acc), vldrwq_gather_shifted_offset_s32(ch, m_offsets),
                                    vldrwq_gather_shifted_offset_s32(ch, s_offsets));
    v = vminq_s32(vmaxq_s32(vaddq_n_s32(v, q.offset), vdupq_n_s32(q.lo)), vdupq_n_s32(q.hi));
    vstrbq_scatter_offset_s32(o0, out_offsets, v);
#else
    const int32_t m0 = ch[1], s0 = ch[2], m1 = ch[4], s1 = ch[5];
    // The four requantizations, then the offset and clamps (their three values loaded once).
    const int32_t v0 = an_requantize(acc[0], m0, s0), v1 = an_requantize(acc[1], m0, s0);
    const int32_t v2 = an_requantize(acc[2], m1, s1), v3 = an_requantize(acc[3], m1, s1);
    o0[out1_offset] = (int8_t)an_clamp(v1 + q.offset, q.lo, q.hi);
    o0[out1_offset + 1] = (int8_t)an_clamp(v3 + q.offset, q.lo, q.hi);
    o0[0] = (int8_t)an_clamp(v0 + q.offset, q.lo, q.hi);
    o0[1] = (int8_t)an_clamp(v2 + q.offset, q.lo, q.hi);
#endif
  }
#endif
  if (n & 1) {
    int32_t acc[2] = {ch[0], ch[0]};
    an_dot_row_2px(w, cols, k4, acc);
    const int32_t m = ch[1], s = ch[2];
    o0[out1_offset] = an_conv_out(q, acc[1], m, s);
    o0[0] = an_conv_out(q, acc[0], m, s);
  }
}

#if !AN_USE_MVE
// The pixel-pair loop of an_conv2d_s8 (filter: the an_conv.h layout).
static void an_conv2d_impl(const an_conv_params *p, const int8_t *input, const int8_t *filter, const int32_t *channel,
                           int8_t *output, int16_t *scratch) {
  const int32_t k4 = AN_CONV_K4(p->k_h * p->k_w * p->filter_in_c);
  const int32_t groups = p->in_c / p->filter_in_c;
  const int32_t per_group = p->out_c / groups;
  const int32_t pixels = p->out_h * p->out_w;
  const an_conv_out_params q = {p->output_offset, p->act_min, p->act_max};
  const an_conv_walk start = an_conv_walk_start(p, input);
  for (int32_t b = 0; b < p->batches; ++b) {
    an_conv_walk w = an_conv_walk_batch(&start, b);
    int8_t *out = output + b * pixels * p->out_c;
    for (int32_t pix = 0; pix < pixels; pix += 2) {
      const an_conv_pair x = an_conv_walk_pair(&w, pix, pixels, p->out_c);
      int8_t *out0 = out + pix * p->out_c;
      for (int32_t g = 0; g < groups; ++g) {
        an_conv_im2col(p, w.in, x.oy0, x.ox0, g * p->filter_in_c, 0, k4, scratch);
        an_conv_im2col(p, w.in, x.oy1, x.ox1, g * p->filter_in_c, 1, k4, scratch);
        const int32_t oc = g * per_group;
        an_conv_channels_2px(q, filter + oc * k4, scratch, k4, channel + 3 * oc, per_group, out0 + oc, x.out1);
      }
    }
  }
}

void an_conv2d_s8(const an_conv_params *p, const int8_t *input, const int8_t *filter, const int32_t *channel,
                  int8_t *output, int16_t *scratch) {
  an_conv2d_impl(p, input, filter, channel, output, scratch);
}
#endif

// 1x1, no padding, one group: output pixel (oy, ox) reads input pixel (oy * stride_h, ox * stride_w)
// alone, a matrix product of the pixels' channel rows with the filter rows.  The same filter
// layout, scratch and arithmetic as an_conv2d_s8 without its general im2col: each pair of input
// rows is widened once (their K4 padding zeroed once) and reused by every output channel.
static void an_conv1x1_impl(const an_conv_params *p, const int8_t *input, const int8_t *filter, const int16_t *w16,
                            const int32_t *channel, int8_t *output, int16_t *scratch) {
  const int32_t n = p->in_c, k4 = AN_CONV_K4(n), out_c = p->out_c, out_w = p->out_w;
  const int32_t pixels = p->out_h * out_w;
  const an_conv_out_params q = {p->output_offset, p->act_min, p->act_max};
  for (int32_t k = n; k < k4; ++k) scratch[2 * (k & ~3) + (k & 3)] = scratch[2 * (k & ~3) + 4 + (k & 3)] = 0;
  const an_conv_walk start = an_conv_walk_start(p, input);
  for (int32_t b = 0; b < p->batches; ++b) {
    an_conv_walk w = an_conv_walk_batch(&start, b);
    int8_t *out0 = output + b * pixels * out_c;
    for (int32_t pix = 0; pix < pixels; pix += 2, out0 += 2 * out_c) {
      const an_conv_pair x = an_conv_walk_pair(&w, pix, pixels, out_c);
      an_widen_s8_pair(x.x0, scratch, 0, 0, n);
      an_widen_s8_pair(x.x1, scratch, 0, 1, n);
#if AN_CONV_SHARED_LOOPS
      if (w16) {
        an_conv_channels_w16(q, w16, scratch, k4, channel, out_c, out0, x.out1);
        continue;
      }
#else
      (void)w16;  // optimised DSP builds: an_conv1x1_s8_w16 is an_conv_pointwise.c's
#endif
      an_conv_channels_2px(q, filter, scratch, k4, channel, out_c, out0, x.out1);
    }
  }
}

#if !AN_USE_MVE
// With Helium an_conv_mve.c's.
void an_conv1x1_s8(const an_conv_params *p, const int8_t *input, const int8_t *filter, const int32_t *channel,
                   int8_t *output, int16_t *scratch) {
  an_conv1x1_impl(p, input, filter, 0, channel, output, scratch);
}
#endif

#if !AN_USE_DSP || AN_USE_MVE
// On DSP cores an_conv_pointwise.c's.
void an_conv1x1_s8_w16(const an_conv_params *p, const int8_t *input, const int16_t *filter, const int32_t *channel,
                       int8_t *output, int16_t *scratch) {
  an_conv1x1_impl(p, input, 0, filter, channel, output, scratch);
}
#endif
