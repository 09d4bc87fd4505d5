// attendnets compiled runtime: int8 DEPTHWISE_CONV_2D (TFLM reference
// DepthwiseConvPerChannel, bit-exact).
#ifndef AN_DEPTHWISE_CONV_H_
#define AN_DEPTHWISE_CONV_H_

#include <stdint.h>

// Shapes NHWC, out_c = in_c * depth_mult.  The filter (TFLite's [1][k_h][k_w][out_c]) is int16
// in blocks of four output channels (out_c rounded up to a multiple of 4, zero weights in the
// padding): block b holds, for each tap t in [k_h][k_w] order, w[t][4b], w[t][4b+2],
// w[t][4b+1], w[t][4b+3] (the order SXTB16 splits four input bytes into).  The bias has the
// input offset folded in (bias[oc] + input_offset * sum of the filter's taps for oc); taps
// outside the image read pad_row (in_c copies of the input zero point) instead of being
// skipped, which that fold makes exact.  Multipliers are in [0, 2^31).  The filter is 4-byte
// aligned (the DSP path reads pairs of int16 as one word).
typedef struct {
  int32_t batches;
  int32_t in_h, in_w, in_c;
  int32_t out_h, out_w, out_c;
  int32_t k_h, k_w, depth_mult;
  int32_t stride_h, stride_w;
  int32_t dilation_h, dilation_w;
  int32_t pad_h, pad_w;
  int32_t pad_value;
  int32_t output_offset;
  int32_t act_min, act_max;
  // 1: the generator checked that the row-buffer 3x3 path applies (an_depthwise_conv.c,
  // an_dw3_rows: 3x3, multiplier 1, no dilation, strides 1 or 2, in_c a multiple of 4, every
  // shift < 0, doubled accumulators and the folded rounding constants inside int32) and reserved
  // AN_DEPTHWISE_ROWS_SCRATCH_BYTES; 0: the general path.  Helium builds take their own path, plain-C
  // builds the general one on rows under 8 outputs wide.
  int32_t rows3x3;
  // NULL, or (rows3x3 2, written by the generator for DSP cores: codegen/compiled/ops/conv.py
  // depthwise_plane_records) the plane form's records, AN_DEPTHWISE_RECORD_WORDS int32 per channel: per filter
  // row r (taps w0, w1, w2 = 3r, 3r + 1, 3r + 2) the int16 pairs (2 w0, 2 w1) and (2 w2, 2 w1), low half
  // first; 2 * folded bias (mod 2^32); the multiplier; 2^(e-1) + output_offset * 2^e; e = -shift.  Without them
  // the plane form makes the same words from the filter at run time.
  const int32_t *records;
} an_depthwise_params;

#define AN_DEPTHWISE_RECORD_WORDS 10

// Scratch (bytes): k_h * k_w tap pointers, pointer-aligned; 8 bytes per pointer leave room for a
// 64-bit host.  The generator reserves this
// (codegen/compiled/ops/conv.py:depthwise_scratch_bytes; tests/test_kernel_library.py ties the two).
#define AN_DEPTHWISE_SCRATCH_BYTES(k_h, k_w) (8 * (k_h) * (k_w))
// The row-buffer 3x3 path's scratch (bytes): four channels' records of ten int32, then three
// padded input rows of `pairs` int16 pairs for four channels, pairs = 2 * ceil(out_w / 4) + 1 at
// stride_w 1, 4 * ceil(out_w / 4) + 1 at stride_w 2 (codegen/compiled/ops/conv.py:depthwise_rows_scratch_bytes).
// On DSP cores rows of AN_DEPTHWISE_NARROW_MIN_OUT_W to AN_DEPTHWISE_NARROW_MAX_OUT_W outputs at stride_w 1 take its
// narrow form (one channel pair at a time): two records of ten int32, then two rings of three rows of `pairs`
// int16 pairs, pairs = (out_w + 1) / 2 + 1.
#define AN_DEPTHWISE_NARROW_MIN_OUT_W 4
#define AN_DEPTHWISE_NARROW_MAX_OUT_W 6
#define AN_DEPTHWISE_NARROW(out_w, stride_w) \
  ((stride_w) == 1 && (out_w) >= AN_DEPTHWISE_NARROW_MIN_OUT_W && (out_w) <= AN_DEPTHWISE_NARROW_MAX_OUT_W)
#define AN_DEPTHWISE_ROWS_PAIRS(out_w, stride_w) ((stride_w)*2 * (((out_w) + 3) / 4) + 1)
#define AN_DEPTHWISE_ROWS_SCRATCH_BYTES(out_w, stride_w)                               \
  (AN_DEPTHWISE_NARROW(out_w, stride_w) ? 2 * 10 * 4 + 6 * 4 * (((out_w) + 1) / 2 + 1) \
                                        : 4 * 10 * 4 + 3 * 16 * AN_DEPTHWISE_ROWS_PAIRS(out_w, stride_w))
// rows3x3 == 2 (the generator checked the row-buffer path's conditions and reserved
// AN_DEPTHWISE_PLANE_SCRATCH_BYTES): on DSP cores small planes of AN_DEPTHWISE_PLANE(out_w, stride_w) take the
// plane form (four channels' whole padded plane widened once): four records of ten int32, then (out_h - 1) *
// stride_h + 3 padded rows of AN_DEPTHWISE_PLANE_PAIRS int16 pairs for four channels; other shapes (a patch tile's)
// as rows3x3 == 1.
#define AN_DEPTHWISE_PLANE_MAX_OUT_W 8
#define AN_DEPTHWISE_PLANE(out_w, stride_w)                                                                   \
  (((stride_w) == 1 || (stride_w) == 2) && (((out_w) >= 2 && (out_w) <= 4) || (out_w) == 6 || (out_w) == 8 || \
                                            (out_w) == 12 || ((stride_w) == 1 && (out_w) == 16)))
#define AN_DEPTHWISE_PLANE_PAIRS(out_w, stride_w) ((stride_w) == 1 ? ((out_w) + 1) / 2 + 1 : (out_w) + 1)
#define AN_DEPTHWISE_PLANE_SCRATCH_BYTES(out_h, out_w, stride_h, stride_w) \
  (4 * 10 * 4 + 16 * AN_DEPTHWISE_PLANE_PAIRS(out_w, stride_w) * (((out_h)-1) * (stride_h) + 3))
// rows3x3 == 3 (the generator checked the row-buffer path's arithmetic and reserved AN_DEPTHWISE_STRIP_SCRATCH_BYTES):
// on DSP cores rows of AN_DEPTHWISE_STRIP(out_w, stride_w) take the strip form (one channel, strips of four outputs):
// one record of ten int32, then three rows of three int16 pairs; other shapes and plain-C builds the general path.
#define AN_DEPTHWISE_STRIP(out_w, stride_w) ((stride_w) == 1 && (out_w) >= 4)
#define AN_DEPTHWISE_STRIP_SCRATCH_BYTES (10 * 4 + 3 * 3 * 4)
void an_depthwise_conv2d_s8(const an_depthwise_params *p, const int8_t *input, const int16_t *filter,
                            const int32_t *bias, const int32_t *multiplier, const int32_t *shift, const int8_t *pad_row,
                            int8_t *output, void *scratch);

// The form an_depthwise_conv2d_s8 runs on DSP cores for rows3x3, out_w and stride_w: the strip form, the plane form,
// the narrow form, the row buffer (four channels), else the general path.  A generated model.c calls the layer's
// form's entry point itself (codegen/compiled/ops/conv.py: depthwise_form, the same rule; tests tie the two), so that
// a firmware links only the forms its layers use: an_depthwise_conv2d_s8_general, _rows, _narrow, _strip, and
// per plane shape (AN_DEPTHWISE_PLANE_SHAPES: out_w W, stride_w S) and clamp kind F (1: the activation spans int8)
// an_depthwise_conv2d_s8_planeW_S_F.  Each takes the same arguments and gives the same bits in every build: on DSP
// cores its form where the layer has it, else the general path; elsewhere an_depthwise_conv2d_s8's choice.
enum {
  AN_DEPTHWISE_FORM_GENERAL,
  AN_DEPTHWISE_FORM_ROWS,
  AN_DEPTHWISE_FORM_NARROW,
  AN_DEPTHWISE_FORM_STRIP,
  AN_DEPTHWISE_FORM_PLANE
};
static inline int an_depthwise_form(int32_t rows3x3, int32_t out_w, int32_t stride_w) {
  if (rows3x3 == 3) return AN_DEPTHWISE_STRIP(out_w, stride_w) ? AN_DEPTHWISE_FORM_STRIP : AN_DEPTHWISE_FORM_GENERAL;
  if (rows3x3 == 2 && AN_DEPTHWISE_PLANE(out_w, stride_w)) return AN_DEPTHWISE_FORM_PLANE;
  if (rows3x3 != 1 && rows3x3 != 2) return AN_DEPTHWISE_FORM_GENERAL;
  return AN_DEPTHWISE_NARROW(out_w, stride_w) ? AN_DEPTHWISE_FORM_NARROW : AN_DEPTHWISE_FORM_ROWS;
}
// The plane form's shapes (out_w, stride_w): AN_DEPTHWISE_PLANE's.
#define AN_DEPTHWISE_PLANE_SHAPES(X) \
  X(2, 1) X(3, 1) X(4, 1) X(6, 1) X(8, 1) X(12, 1) X(16, 1) X(2, 2) X(3, 2) X(4, 2) X(6, 2) X(8, 2) X(12, 2)
#define AN_DEPTHWISE_ENTRY(NAME)                                                                           \
  void NAME(const an_depthwise_params *p, const int8_t *input, const int16_t *filter, const int32_t *bias, \
            const int32_t *multiplier, const int32_t *shift, const int8_t *pad_row, int8_t *output, void *scratch)
AN_DEPTHWISE_ENTRY(an_depthwise_conv2d_s8_general);
AN_DEPTHWISE_ENTRY(an_depthwise_conv2d_s8_rows);
AN_DEPTHWISE_ENTRY(an_depthwise_conv2d_s8_narrow);
AN_DEPTHWISE_ENTRY(an_depthwise_conv2d_s8_strip);
#define AN_DEPTHWISE_PLANE_DECLARE(W, S)                         \
  AN_DEPTHWISE_ENTRY(an_depthwise_conv2d_s8_plane##W##_##S##_0); \
  AN_DEPTHWISE_ENTRY(an_depthwise_conv2d_s8_plane##W##_##S##_1);
AN_DEPTHWISE_PLANE_SHAPES(AN_DEPTHWISE_PLANE_DECLARE)
#undef AN_DEPTHWISE_PLANE_DECLARE
// The strip form's widths that have a stride-1 plane copy (AN_DEPTHWISE_PLANE(W, 1), W >= 4): on DSP cores their
// layers run most output rows by the plane form, its scratch in the output's first rows (an_dw3_strip_band), through
// an_depthwise_conv2d_s8_stripW_F (F: the clamp kind, as the plane's).
#define AN_DEPTHWISE_STRIP_BAND_WIDTHS(X) X(4) X(6) X(8) X(12) X(16)
#define AN_DEPTHWISE_STRIP_DECLARE(W)                      \
  AN_DEPTHWISE_ENTRY(an_depthwise_conv2d_s8_strip##W##_0); \
  AN_DEPTHWISE_ENTRY(an_depthwise_conv2d_s8_strip##W##_1);
AN_DEPTHWISE_STRIP_BAND_WIDTHS(AN_DEPTHWISE_STRIP_DECLARE)
#undef AN_DEPTHWISE_STRIP_DECLARE

// The Helium layout (chosen by the generator only for cores with MVE; codegen/compiled/ops/conv.py
// helium_depthwise), depth multiplier 1: the filter int8 in groups of sixteen channels (out_c rounded up, zero
// weights in the padding), per group and tap the sixteen channels' weights contiguous; per group 48 int32: the
// folded biases, then the multipliers, then the shifts of its channels in the order 0 4 8 12 2 6 10 14 1 5 9 13
// 3 7 11 15 (padding: 0, 0, -1); fewer than sixteen channels dividing sixteen (2, 4, 8; stride_w 1): channel c's
// weights and values in lanes c, c + out_c, ... of the one group (several pixels per vector).  The generator checked
// that every channel's sum over two consecutive taps (0 and 1, 2 and 3, ...) stays inside int16 for every input (the
// MVE path adds them in int16).  Scratch: AN_DEPTHWISE_SCRATCH_BYTES(k_h, k_w).  Plain-C and DSP builds compute the
// same from the same layout.
void an_depthwise_conv2d_s8_mve(const an_depthwise_params *p, const int8_t *input, const int8_t *filter,
                                const int32_t *channels, const int8_t *pad_row, int8_t *output, void *scratch);

#endif  // AN_DEPTHWISE_CONV_H_
