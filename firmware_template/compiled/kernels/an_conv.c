// attendnets compiled runtime: int8 CONV_2D.
//
// Bit-exact with TFLM's reference_integer_ops::ConvPerChannel.  For each pair of output
// pixels the receptive fields are copied as int16 into two columns of K values (im2col;
// taps outside the image hold the input zero point, which the folded bias cancels), then
// each output channel is a dot product of its filter row with the columns, two channels
// by two pixels at a time.  On cores with the DSP extension the dot product uses SMLAD
// (two 16x16 MACs per instruction); elsewhere plain C.  Both sum the same products in
// int32 and requantize with TFLM's MultiplyByQuantizedMultiplier, so the bits agree.
#include "an_conv.h"

#include "an_common.h"
#include "an_dot.h"

// Receptive field of output pixel (oy, ox) for one group, as int16 in natural order.
static void an_conv_im2col(const an_conv_params *p, const int8_t *in, int32_t oy, int32_t ox,
                           int32_t channel0, int16_t *col) {
  const int32_t n = p->filter_in_c;
  const int32_t iy0 = oy * p->stride_h - p->pad_h;
  const int32_t ix0 = ox * p->stride_w - p->pad_w;
  for (int32_t ky = 0; ky < p->k_h; ++ky) {
    const int32_t iy = iy0 + ky * p->dilation_h;
    for (int32_t kx = 0; kx < p->k_w; ++kx) {
      const int32_t ix = ix0 + kx * p->dilation_w;
      if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
        for (int32_t c = 0; c < n; ++c) col[c] = (int16_t)p->pad_value;
      } else {
        an_widen_s8(in + ((iy * p->in_w + ix) * p->in_c + channel0), col, n);
      }
      col += n;
    }
  }
}

static inline int8_t an_conv_out(const an_conv_params *p, int32_t acc, int32_t m, int32_t s) {
  acc = an_multiply_by_quantized_multiplier(acc, m, s) + p->output_offset;
  return (int8_t)an_clamp(acc, p->act_min, p->act_max);
}

void an_conv2d_s8(const an_conv_params *p, const int8_t *input, const int8_t *filter,
                  const int32_t *bias, const int32_t *multiplier, const int32_t *shift,
                  int8_t *output, int16_t *scratch) {
  const int32_t k = p->k_h * p->k_w * p->filter_in_c;
  const int32_t groups = p->in_c / p->filter_in_c;
  const int32_t per_group = p->out_c / groups;
  const int32_t pixels = p->out_h * p->out_w;
  int16_t *col0 = scratch;
  int16_t *col1 = scratch + k;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * p->in_h * p->in_w * p->in_c;
    int8_t *out = output + b * pixels * p->out_c;
    for (int32_t pix = 0; pix < pixels; pix += 2) {
      const int two = pix + 1 < pixels;
      int8_t *out0 = out + pix * p->out_c;
      int8_t *out1 = out0 + p->out_c;
      for (int32_t g = 0; g < groups; ++g) {
        an_conv_im2col(p, in, pix / p->out_w, pix % p->out_w, g * p->filter_in_c, col0);
        if (two) an_conv_im2col(p, in, (pix + 1) / p->out_w, (pix + 1) % p->out_w, g * p->filter_in_c, col1);
        const int32_t oc_end = (g + 1) * per_group;
        int32_t oc = g * per_group;
        if (two) {
          for (; oc + 1 < oc_end; oc += 2) {
            int32_t acc[4];
            acc[0] = acc[1] = bias[oc];
            acc[2] = acc[3] = bias[oc + 1];
            an_dot_2x2(filter + oc * k, filter + (oc + 1) * k, col0, col1, k, acc);
            out0[oc] = an_conv_out(p, acc[0], multiplier[oc], shift[oc]);
            out1[oc] = an_conv_out(p, acc[1], multiplier[oc], shift[oc]);
            out0[oc + 1] = an_conv_out(p, acc[2], multiplier[oc + 1], shift[oc + 1]);
            out1[oc + 1] = an_conv_out(p, acc[3], multiplier[oc + 1], shift[oc + 1]);
          }
        }
        for (; oc < oc_end; ++oc) {
          int32_t acc = an_dot_1(filter + oc * k, col0, k, bias[oc]);
          out0[oc] = an_conv_out(p, acc, multiplier[oc], shift[oc]);
          if (two) out1[oc] = an_conv_out(p, an_dot_1(filter + oc * k, col1, k, bias[oc]), multiplier[oc], shift[oc]);
        }
      }
    }
  }
}
