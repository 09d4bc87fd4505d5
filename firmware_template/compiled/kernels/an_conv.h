// attendnets compiled runtime: int8 CONV_2D (TFLM reference ConvPerChannel, bit-exact).
#ifndef AN_CONV_H_
#define AN_CONV_H_

#include <stdint.h>

// Everything known at generation time.  Shapes are NHWC.  The filter holds out_c rows of
// K = k_h*k_w*filter_in_c values ([k_h][k_w][filter_in_c] order), each zero-padded to K4 (K
// rounded up to a multiple of 4) and permuted in blocks of four as w0 w2 w1 w3 (so that SXTB16
// yields (w0,w1) and (w2,w3)); within each group, rows go in pairs (oc, oc+1) interleaved
// block by block (4 bytes of oc, 4 bytes of oc+1), an odd last row of a group alone.  Row oc's
// data thus starts at oc * K4 either way.  The bias has the input offset folded in:
// bias[oc] + input_offset * sum(filter row oc), which is exact because taps outside the image
// read pad_value (the input zero point) instead of being skipped.  channel holds three values
// per output channel, {folded bias, multiplier, shift}: multipliers in [0, 2^31), shifts as
// TFLM's QuantizeMultiplier gives them.  The filter is 4-byte aligned
// (the DSP path reads it with LDRD).
typedef struct {
  int32_t batches;
  int32_t in_h, in_w, in_c;
  int32_t out_h, out_w, out_c;
  int32_t k_h, k_w, filter_in_c;  // filter_in_c < in_c: grouped convolution
  int32_t stride_h, stride_w;
  int32_t dilation_h, dilation_w;
  int32_t pad_h, pad_w;  // TFLM's padding (top/left)
  int32_t pad_value;     // the input zero point
  int32_t output_offset;
  int32_t act_min, act_max;
} an_conv_params;

// K4: the K = k_h * k_w * filter_in_c values of a filter row rounded up to a multiple of 4.
#define AN_CONV_K4(k) (((k) + 3) & ~3)
// Scratch (bytes) for K values per filter row: two interleaved int16 columns of K4 values,
// 4-byte aligned.  The generator reserves this (codegen/compiled/ops/conv.py:conv_scratch_bytes;
// tests/test_kernel_library.py ties the two).
#define AN_CONV_SCRATCH_BYTES(k) (2 * 2 * AN_CONV_K4(k))
// an_conv2d_s8_w16's scratch (bytes): two interleaved int16 columns of k_h rows of AN_CONV_K4(k_w * in_c)
// values (codegen/compiled/ops/conv.py:conv_w16_scratch_bytes).
#define AN_CONV_W16_SCRATCH_BYTES(k_h, k_w, in_c) (2 * 2 * (k_h)*AN_CONV_K4((k_w) * (in_c)))

void an_conv2d_s8(const an_conv_params *p, const int8_t *input, const int8_t *filter, const int32_t *channel,
                  int8_t *output, int16_t *scratch);

// The same for a 1x1 filter with no padding and one group (any stride), without the general im2col:
// the same arguments, filter layout and scratch.
void an_conv1x1_s8(const an_conv_params *p, const int8_t *input, const int8_t *filter, const int32_t *channel,
                   int8_t *output, int16_t *scratch);

// The same two kernels with the filter pre-widened to int16 (one group only), in the AN_CONV_W16
// layout: rows (zero-padded to K4) in groups of three, an odd last group of two or one; each
// group in blocks of eight values, the group's rows one after the other within a block (8 values
// of row a, 8 of row b, 8 of row c; a last block of four values each when K4 % 8 == 4), the
// values in their natural order (codegen/compiled/ops/conv.py: conv_filter_layout_w16).  Twice
// the filter's flash, no sign extension in the inner loop: on DSP cores three channels by two
// pixels per pass (five loads, six SMLAD per two values).  The same scratch and channel values.
//
// an_conv2d_s8_w16's rows (AN_CONV_W16_KXK) are those of the KxK filter laid out for its im2col: the
// k_w * in_c values of each filter row ky in S = AN_CONV_K4(k_w * in_c) positions (zeros after them),
// k_h * S values in all, and within every block of four values the order 0 2 1 3
// (codegen/compiled/ops/conv.py: kxk_w16_rows); its scratch is AN_CONV_W16_SCRATCH_BYTES.
void an_conv2d_s8_w16(const an_conv_params *p, const int8_t *input, const int16_t *filter, const int32_t *channel,
                      int8_t *output, int16_t *scratch);
void an_conv1x1_s8_w16(const an_conv_params *p, const int8_t *input, const int16_t *filter, const int32_t *channel,
                       int8_t *output, int16_t *scratch);

// an_conv1x1_s8_w16 with its requantization prepared at generation time (codegen/compiled/ops/conv.py:
// pointwise_prepared_applies, where exact: every shift -e < 0, every multiplier m in (2^30, 2^31), a = 2 * acc
// and kc - 1 + h .. kc + h inside int32): the AN_CONV_W16 filter with every value doubled, and per output channel
// four values {2 * folded bias, m, kc, e}, kc = 2^(e-1) + output_offset * 2^e.  With a = 2 * acc and
// h = round(a * m / 2^32) (TFLM's SaturatingRoundingDoublingHighMul(acc, m)), TFLM's
// RoundingDivideByPowerOfTwo(h, e) + output_offset is floor((h + kc - [a < 0]) / 2^e): one SMMLAR (accumulate
// kc - [a < 0]) and an arithmetic shift, then the activation's clamps.  The same scratch.
//
// Where AN_CONV_PREPARED_PAIRS (in_c a multiple of four, at stride 1) the filter is in the AN_CONV_W16_PAIRS layout
// instead (codegen/compiled/ops/conv.py: conv_filter_layout_w16_pairs): rows in groups of two (an odd last row
// alone), each group in blocks of eight values with the group's rows one after the other inside a block (a last
// block of four values each when in_c % 8 == 4), each block of four values in the order 0 2 1 3 (what SXTB16 of a
// loaded word gives); on DSP cores four pixels by two channels per pass (the last one or two pixels by two), their
// columns (8 * in_c bytes) on the stack up to in_c AN_CONV_PREPARED_PAIRS_MAX_C, in scratch above it: the scratch
// is AN_CONV_PREPARED_SCRATCH_BYTES (codegen/compiled/ops/conv.py: prepared_pointwise_scratch_bytes).
#define AN_CONV_PREPARED_PAIRS_MAX_C 192
#define AN_CONV_PREPARED_PAIRS(in_c, stride_h, stride_w) \
  ((in_c) % 4 == 0 && (in_c) > 0 && (stride_h) == 1 && (stride_w) == 1)
#define AN_CONV_PREPARED_SCRATCH_BYTES(in_c, stride_h, stride_w)                             \
  (AN_CONV_PREPARED_PAIRS(in_c, stride_h, stride_w) && (in_c) > AN_CONV_PREPARED_PAIRS_MAX_C \
       ? 8 * (in_c)                                                                          \
       : AN_CONV_SCRATCH_BYTES(in_c))
void an_conv1x1_s8_prepared_w16(const an_conv_params *p, const int8_t *input, const int16_t *filter,
                                const int32_t *channel, int8_t *output, int16_t *scratch);

// an_conv1x1_s8_prepared_w16's variants, one public entry point each, the same arguments: what it runs for a layer
// of in_c input channels at stride (stride_h, stride_w) and out_c output channels, an_conv1x1_prepared_variant.  A
// generated model.c calls the layer's variant itself (codegen/compiled/ops/conv.py: pointwise_prepared_variant, the
// same rule; tests tie the two), so that a firmware links only the variants its layers use.  The pairs layout
// (AN_CONV_PREPARED_PAIRS): in_c 8, 16, 24, 32, 64, 128, 40, 48, 56, 96, 112, 192, another multiple of 32, any other
// (from 128 on PAIRS_ANY128: passes of 128 values) (in_c 16 at out_c 32, in_c 32 at out_c 32 and 64, in_c 64 at out_c
// 64: variants of their own, the pixel stride known); else by K4 = AN_CONV_K4(in_c): 8, 16, 32, another multiple of 32,
// any other.  Each gives the same bits in every build (plain C, Helium, -O0: there the generic loop).
enum {
  AN_CONV1X1_PREPARED_PAIRS8,
  AN_CONV1X1_PREPARED_PAIRS16,
  AN_CONV1X1_PREPARED_PAIRS24,
  AN_CONV1X1_PREPARED_PAIRS32,
  AN_CONV1X1_PREPARED_PAIRS64,
  AN_CONV1X1_PREPARED_PAIRS128,
  AN_CONV1X1_PREPARED_PAIRS40,
  AN_CONV1X1_PREPARED_PAIRS48,
  AN_CONV1X1_PREPARED_PAIRS56,
  AN_CONV1X1_PREPARED_PAIRS96,
  AN_CONV1X1_PREPARED_PAIRS112,
  AN_CONV1X1_PREPARED_PAIRS192,
  AN_CONV1X1_PREPARED_PAIRS32N,
  AN_CONV1X1_PREPARED_PAIRS_ANY,
  AN_CONV1X1_PREPARED_K8,
  AN_CONV1X1_PREPARED_K16,
  AN_CONV1X1_PREPARED_K32,
  AN_CONV1X1_PREPARED_K32N,
  AN_CONV1X1_PREPARED_ANY,
  AN_CONV1X1_PREPARED_PAIRS_ANY128,
  AN_CONV1X1_PREPARED_PAIRS16_OUT32,
  AN_CONV1X1_PREPARED_PAIRS32_OUT32,
  AN_CONV1X1_PREPARED_PAIRS32_OUT64,
  AN_CONV1X1_PREPARED_PAIRS64_OUT64,
  AN_CONV1X1_PREPARED_PAIRS72,
  AN_CONV1X1_PREPARED_PAIRS144,
  AN_CONV1X1_PREPARED_PAIRS24_OUT40,
  AN_CONV1X1_PREPARED_PAIRS24_OUT72,
  AN_CONV1X1_PREPARED_PAIRS32_OUT96,
  AN_CONV1X1_PREPARED_PAIRS32_OUT112,
  AN_CONV1X1_PREPARED_PAIRS40_OUT24,
  AN_CONV1X1_PREPARED_PAIRS48_OUT144,
  AN_CONV1X1_PREPARED_PAIRS48_OUT192,
  AN_CONV1X1_PREPARED_PAIRS96_OUT32,
  AN_CONV1X1_PREPARED_PAIRS96_OUT288,
  AN_CONV1X1_PREPARED_PAIRS96_OUT336,
  AN_CONV1X1_PREPARED_PAIRS112_OUT448,
  AN_CONV1X1_PREPARED_PAIRS128_OUT128,
  AN_CONV1X1_PREPARED_PAIRS192_OUT576,
  AN_CONV1X1_PREPARED_PAIRS192_OUT704,
  AN_CONV1X1_PREPARED_PAIRS72_OUT32,
  AN_CONV1X1_PREPARED_PAIRS144_OUT48
};
// The (in_c, out_c) of the variants after PAIRS144, in the enum's order (codegen/compiled/ops/conv.py's
// POINTWISE_OUT_FORMS): out_c known, a multiple of 8 at in_c up to 32, of 4 from 40 on.
static const int16_t an_conv1x1_prepared_out_forms[][2] = {
    {24, 40},  {24, 72},  {32, 96},   {32, 112},  {40, 24},   {48, 144},  {48, 192}, {96, 32},
    {96, 288}, {96, 336}, {112, 448}, {128, 128}, {192, 576}, {192, 704}, {72, 32},  {144, 48}};
static inline int an_conv1x1_prepared_variant(int32_t in_c, int32_t stride_h, int32_t stride_w, int32_t out_c) {
  const int32_t k4 = AN_CONV_K4(in_c);
  if (AN_CONV_PREPARED_PAIRS(in_c, stride_h, stride_w)) {
    if (in_c == 16 && out_c == 32) return AN_CONV1X1_PREPARED_PAIRS16_OUT32;
    if (in_c == 32 && (out_c == 32 || out_c == 64)) {
      return out_c == 32 ? AN_CONV1X1_PREPARED_PAIRS32_OUT32 : AN_CONV1X1_PREPARED_PAIRS32_OUT64;
    }
    if (in_c == 64 && out_c == 64) return AN_CONV1X1_PREPARED_PAIRS64_OUT64;
    // The further out_c-known forms (an_conv1x1_prepared_out_forms, in the enum's order after PAIRS144).
    for (int i = 0; i < (int)(sizeof an_conv1x1_prepared_out_forms / sizeof an_conv1x1_prepared_out_forms[0]); ++i) {
      if (an_conv1x1_prepared_out_forms[i][0] == in_c && an_conv1x1_prepared_out_forms[i][1] == out_c) {
        return AN_CONV1X1_PREPARED_PAIRS144 + 1 + i;
      }
    }
    if (in_c <= 32 && in_c % 8 == 0) return AN_CONV1X1_PREPARED_PAIRS8 + (int)(in_c / 8 - 1);
    if (in_c == 64 || in_c == 128) return in_c == 64 ? AN_CONV1X1_PREPARED_PAIRS64 : AN_CONV1X1_PREPARED_PAIRS128;
    if (in_c == 40 || in_c == 48 || in_c == 56) return AN_CONV1X1_PREPARED_PAIRS40 + (int)(in_c / 8 - 5);
    if (in_c == 96 || in_c == 112) return in_c == 96 ? AN_CONV1X1_PREPARED_PAIRS96 : AN_CONV1X1_PREPARED_PAIRS112;
    if (in_c == 192) return AN_CONV1X1_PREPARED_PAIRS192;
    if (in_c == 72 || in_c == 144) return in_c == 72 ? AN_CONV1X1_PREPARED_PAIRS72 : AN_CONV1X1_PREPARED_PAIRS144;
    if (in_c % 32 == 0) return AN_CONV1X1_PREPARED_PAIRS32N;
    return in_c >= 128 ? AN_CONV1X1_PREPARED_PAIRS_ANY128 : AN_CONV1X1_PREPARED_PAIRS_ANY;
  }
  if (k4 == 8 || k4 == 16) return k4 == 8 ? AN_CONV1X1_PREPARED_K8 : AN_CONV1X1_PREPARED_K16;
  if (k4 == 32) return AN_CONV1X1_PREPARED_K32;
  return k4 % 32 == 0 ? AN_CONV1X1_PREPARED_K32N : AN_CONV1X1_PREPARED_ANY;
}
#define AN_CONV1X1_PREPARED_ENTRY(NAME)                                                                  \
  void NAME(const an_conv_params *p, const int8_t *input, const int16_t *filter, const int32_t *channel, \
            int8_t *output, int16_t *scratch)
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs8);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs16);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs24);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs32);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs64);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs128);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs40);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs48);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs56);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs96);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs112);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs192);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs32n);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs_any);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_k8);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_k16);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_k32);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_k32n);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_any);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs_any128);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs16_out32);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs32_out32);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs32_out64);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs64_out64);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs72);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs144);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs24_out40);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs24_out72);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs32_out96);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs32_out112);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs40_out24);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs48_out144);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs48_out192);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs96_out32);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs96_out288);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs96_out336);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs112_out448);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs128_out128);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs192_out576);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs192_out704);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs72_out32);
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs144_out48);
// The _z twins of out_c-known variants (codegen/compiled/ops/conv.py: POINTWISE_LO_AT_ZP_FORMS): the same, for a
// layer whose act_min is at or above its output zero point (RELU, RELU6): the requantization's SMMLAR adds kc alone
// (AN_P5_RQ), no kc - [a < 0]; the generator names them (pointwise_prepared_entry), the dispatcher does not.
#define AN_CONV1X1_PREPARED_ENTRY_Z(NAME) AN_CONV1X1_PREPARED_ENTRY(NAME##_z)
AN_CONV1X1_PREPARED_ENTRY_Z(an_conv1x1_s8_prepared_w16_pairs32_out64);
AN_CONV1X1_PREPARED_ENTRY_Z(an_conv1x1_s8_prepared_w16_pairs24_out40);
AN_CONV1X1_PREPARED_ENTRY_Z(an_conv1x1_s8_prepared_w16_pairs24_out72);
AN_CONV1X1_PREPARED_ENTRY_Z(an_conv1x1_s8_prepared_w16_pairs32_out96);
AN_CONV1X1_PREPARED_ENTRY_Z(an_conv1x1_s8_prepared_w16_pairs32_out112);
AN_CONV1X1_PREPARED_ENTRY_Z(an_conv1x1_s8_prepared_w16_pairs48_out144);
AN_CONV1X1_PREPARED_ENTRY_Z(an_conv1x1_s8_prepared_w16_pairs48_out192);
AN_CONV1X1_PREPARED_ENTRY_Z(an_conv1x1_s8_prepared_w16_pairs64_out64);
AN_CONV1X1_PREPARED_ENTRY_Z(an_conv1x1_s8_prepared_w16_pairs96_out288);
AN_CONV1X1_PREPARED_ENTRY_Z(an_conv1x1_s8_prepared_w16_pairs96_out336);
AN_CONV1X1_PREPARED_ENTRY_Z(an_conv1x1_s8_prepared_w16_pairs112_out448);
AN_CONV1X1_PREPARED_ENTRY_Z(an_conv1x1_s8_prepared_w16_pairs128_out128);
AN_CONV1X1_PREPARED_ENTRY_Z(an_conv1x1_s8_prepared_w16_pairs192_out576);
AN_CONV1X1_PREPARED_ENTRY_Z(an_conv1x1_s8_prepared_w16_pairs192_out704);

// an_conv2d_s8_w16 with its requantization prepared at generation time as an_conv1x1_s8_prepared_w16's
// (codegen/compiled/ops/conv.py: kxk_prepared_applies, the same conditions): the AN_CONV_W16_KXK filter with
// every value doubled, per output channel {2 * folded bias, m, kc, e}; the same scratch.  Where AN_CONV_KXK3_FIRST
// (3x3 first layers: one or three input channels, no dilation) each filter row is instead its 27 values in K4 = 28
// positions (three channels) or its 9 in 12 (one), in the order an_conv_kxk.c's an_kxk3p_place gives
// (codegen/compiled/ops/conv.py: KXK3_FIRST_POSITIONS, kxk3_first_rows), the rows in groups of two (an odd last
// row alone, its values in order), each pair's rows interleaved by words (per two positions row 0's two values, then
// row 1's; kxk3_first_layout), the records of each whole group of four channels as its four doubled biases, then each
// channel's {m, kc, e} (kxk3_first_records; those after the last whole group one a channel): on DSP cores four
// channels (two pairs) by two pixels per pass, 14 or 5 SMLAD steps per pixel.
#define AN_CONV_KXK3_FIRST(k_h, k_w, in_c, dilation_h, dilation_w) \
  ((k_h) == 3 && (k_w) == 3 && ((in_c) == 1 || (in_c) == 3) && (dilation_h) == 1 && (dilation_w) == 1)
void an_conv2d_s8_prepared_w16(const an_conv_params *p, const int8_t *input, const int16_t *filter,
                               const int32_t *channel, int8_t *output, int16_t *scratch);

#endif  // AN_CONV_H_
