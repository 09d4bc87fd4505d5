// attendnets compiled runtime: the Helium (MVE) dot products of CONV_2D and FULLY_CONNECTED,
// header-only, static inline, for cores with __ARM_FEATURE_MVE (an_common.h: AN_USE_MVE).  They
// read the layouts the DSP path reads (an_dot.h: filter rows permuted w0 w2 w1 w3 in blocks of
// four, two rows interleaved block by block, columns of two pixels interleaved in blocks of four;
// an_fully_connected.c: four rows interleaved in blocks of four) with gather loads whose offsets
// undo the permutation and the interleaving, so each VMLADAVA multiplies a filter value with the
// column value the plain path multiplies it with: the same int32 sums (the order of the
// additions differs, int32 addition wraps and is associative).
#ifndef AN_DOT_MVE_H_
#define AN_DOT_MVE_H_

#include "an_common.h"

#if AN_USE_MVE
// Gather offsets, loaded once per call.  Filter: eight values of a permuted row in natural order
// (w_j sits at position 0 2 1 3 of its block), the row's two blocks 4 bytes apart (one row) or 8
// (two rows interleaved).  Columns: pixel j's eight int16 values of the interleaved pair, halfword
// offsets {0..3, 8..11} + 4j.  FULLY_CONNECTED: sixteen values of row 0 of a group, byte offsets
// {0..3, 16..19, 32..35, 48..51} (row r: + 4r).
static const uint16_t an_mve_row1_offsets[8] = {0, 2, 1, 3, 4, 6, 5, 7};
static const uint16_t an_mve_row2_offsets[8] = {0, 2, 1, 3, 8, 10, 9, 11};
static const uint16_t an_mve_col_offsets[2][8] = {{0, 1, 2, 3, 8, 9, 10, 11}, {4, 5, 6, 7, 12, 13, 14, 15}};
static const uint8_t an_mve_fc_offsets[16] = {0, 1, 2, 3, 16, 17, 18, 19, 32, 33, 34, 35, 48, 49, 50, 51};

// an_dot_pair_2px (an_dot.h) with MVE: eight values of two channels by two pixels per pass, a
// predicated last pass for k4 % 8 == 4.
static inline void an_dot_pair_2px_mve(const int8_t *w, const int16_t *cols, int32_t k4, int32_t *acc) {
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  const uint16x8_t wo = vld1q(an_mve_row2_offsets);
  const uint16x8_t c0o = vld1q(an_mve_col_offsets[0]), c1o = vld1q(an_mve_col_offsets[1]);
  const int16_t *const end8 = cols + 2 * (k4 & ~7);
  while (cols < end8) {
    const int16x8_t wa = vldrbq_gather_offset_s16(w, wo), wb = vldrbq_gather_offset_s16(w + 4, wo);
    const int16x8_t c0 = vldrhq_gather_shifted_offset_s16(cols, c0o);
    const int16x8_t c1 = vldrhq_gather_shifted_offset_s16(cols, c1o);
    a0 = vmladavaq_s16(a0, wa, c0);
    a1 = vmladavaq_s16(a1, wa, c1);
    a2 = vmladavaq_s16(a2, wb, c0);
    a3 = vmladavaq_s16(a3, wb, c1);
    w += 16;
    cols += 16;
  }
  if (k4 & 4) {
    const mve_pred16_t p = vctp16q(4);
    const int16x8_t wa = vldrbq_gather_offset_z_s16(w, wo, p), wb = vldrbq_gather_offset_z_s16(w + 4, wo, p);
    const int16x8_t c0 = vldrhq_gather_shifted_offset_z_s16(cols, c0o, p);
    const int16x8_t c1 = vldrhq_gather_shifted_offset_z_s16(cols, c1o, p);
    a0 = vmladavaq_s16(a0, wa, c0);
    a1 = vmladavaq_s16(a1, wa, c1);
    a2 = vmladavaq_s16(a2, wb, c0);
    a3 = vmladavaq_s16(a3, wb, c1);
  }
  acc[0] = a0;
  acc[1] = a1;
  acc[2] = a2;
  acc[3] = a3;
}

// an_dot_row_2px (an_dot.h) with MVE: one channel by two pixels.
static inline void an_dot_row_2px_mve(const int8_t *w, const int16_t *cols, int32_t k4, int32_t *acc) {
  int32_t a0 = acc[0], a1 = acc[1];
  const uint16x8_t wo = vld1q(an_mve_row1_offsets);
  const uint16x8_t c0o = vld1q(an_mve_col_offsets[0]), c1o = vld1q(an_mve_col_offsets[1]);
  const int16_t *const end8 = cols + 2 * (k4 & ~7);
  while (cols < end8) {
    const int16x8_t wv = vldrbq_gather_offset_s16(w, wo);
    a0 = vmladavaq_s16(a0, wv, vldrhq_gather_shifted_offset_s16(cols, c0o));
    a1 = vmladavaq_s16(a1, wv, vldrhq_gather_shifted_offset_s16(cols, c1o));
    w += 8;
    cols += 16;
  }
  if (k4 & 4) {
    const mve_pred16_t p = vctp16q(4);
    const int16x8_t wv = vldrbq_gather_offset_z_s16(w, wo, p);
    a0 = vmladavaq_s16(a0, wv, vldrhq_gather_shifted_offset_z_s16(cols, c0o, p));
    a1 = vmladavaq_s16(a1, wv, vldrhq_gather_shifted_offset_z_s16(cols, c1o, p));
  }
  acc[0] = a0;
  acc[1] = a1;
}

// FULLY_CONNECTED's four rows of a group by the input over d4 values (a multiple of four; the
// group's layout: per four inputs, 4 bytes of each row in turn): sixteen inputs per pass, row r
// gathered at byte offsets {0..3, 16..19, 32..35, 48..51} + 4r, a predicated last pass.  Returns
// the weights after the group's blocks.
static inline const int8_t *an_fc_dot_4rows_mve(const int8_t *w, const int8_t *x, int32_t d4, uint32_t *acc) {
  int32_t a0 = (int32_t)acc[0], a1 = (int32_t)acc[1], a2 = (int32_t)acc[2], a3 = (int32_t)acc[3];
  const uint8x16_t off = vld1q(an_mve_fc_offsets);
  int32_t left = d4;
  while (left > 0) {
    const mve_pred16_t p = vctp8q((uint32_t)left);
    const int8x16_t xv = vldrbq_z_s8(x, p);
    a0 = vmladavaq_s8(a0, vldrbq_gather_offset_z_s8(w, off, p), xv);
    a1 = vmladavaq_s8(a1, vldrbq_gather_offset_z_s8(w + 4, off, p), xv);
    a2 = vmladavaq_s8(a2, vldrbq_gather_offset_z_s8(w + 8, off, p), xv);
    a3 = vmladavaq_s8(a3, vldrbq_gather_offset_z_s8(w + 12, off, p), xv);
    const int32_t n = left < 16 ? left : 16;
    x += n;
    w += 4 * n;
    left -= 16;
  }
  acc[0] = (uint32_t)a0;
  acc[1] = (uint32_t)a1;
  acc[2] = (uint32_t)a2;
  acc[3] = (uint32_t)a3;
  return w;
}

// CONV_2D on Helium with int8 columns: VMLADAVA on sixteen int8 lanes (16 MACs per instruction,
// twice the int16 columns' eight).  The receptive field of each pixel of a pair is copied as int8
// (taps outside the image hold pad_value, the input zero point, which the folded bias cancels) into
// scratch, pixel 0 at byte 0 and pixel 1 at byte k4 (2 k4 bytes: within AN_CONV_SCRATCH_BYTES); a
// 1x1 convolution without padding reads the input pixels where they are.  Filter values are
// gathered from the DSP path's layout (an_conv.h) in natural order: sixteen values of a row of a
// pair at byte offsets {0, 2, 1, 3} + 8j (the other row + 4), of an odd last row at {0, 2, 1, 3} +
// 4j.  The last pass of a row is predicated to its K values (the filter's zero padding and the
// column bytes past K are not read).  Same products, same int32 sums (in another order; int32
// addition wraps and is associative) as the other paths; requantized on lanes as before.
static const uint8_t an_mve_pair16_offsets[16] = {0, 2, 1, 3, 8, 10, 9, 11, 16, 18, 17, 19, 24, 26, 25, 27};
static const uint8_t an_mve_row16_offsets[16] = {0, 2, 1, 3, 4, 6, 5, 7, 8, 10, 9, 11, 12, 14, 13, 15};

// The last k & 15 values of a pair's two rows (offsets wo, wo_b from w) by two pixels (columns c0, c1), predicated
// to them: *a0 (row a, pixel 0), *a1 (row a, pixel 1), *a2 (row b, pixel 0), *a3 (row b, pixel 1) accumulate.
static inline __attribute__((always_inline)) void an_dot8_pair_2px_tail_mve(const int8_t *w, const int8_t *c0,
                                                                            const int8_t *c1, int32_t k, uint8x16_t wo,
                                                                            uint8x16_t wo_b, int32_t *a0, int32_t *a1,
                                                                            int32_t *a2, int32_t *a3) {
  if (k & 15) {
    const mve_pred16_t p = vctp8q((uint32_t)(k & 15));
    const int8x16_t wa = vldrbq_gather_offset_z_s8(w, wo, p), wb = vldrbq_gather_offset_z_s8(w, wo_b, p);
    const int8x16_t x0 = vldrbq_z_s8(c0, p), x1 = vldrbq_z_s8(c1, p);
    *a0 = vmladavaq_s8(*a0, wa, x0);
    *a1 = vmladavaq_s8(*a1, wa, x1);
    *a2 = vmladavaq_s8(*a2, wb, x0);
    *a3 = vmladavaq_s8(*a3, wb, x1);
  }
}

// Two channels (a pair's rows, interleaved) by two pixels (columns c0, c1) over k values.
static inline void an_dot8_pair_2px_mve(const int8_t *w, const int8_t *c0, const int8_t *c1, int32_t k, uint8x16_t wo,
                                        int32_t *acc) {
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  const uint8x16_t wo_b = vaddq_n_u8(wo, 4);  // the pair's second row, from the same base
  for (int32_t n = k >> 4; n > 0; --n, w += 32, c0 += 16, c1 += 16) {
    const int8x16_t wa = vldrbq_gather_offset_s8(w, wo), wb = vldrbq_gather_offset_s8(w, wo_b);
    const int8x16_t x0 = vld1q_s8(c0), x1 = vld1q_s8(c1);
    a0 = vmladavaq_s8(a0, wa, x0);
    a1 = vmladavaq_s8(a1, wa, x1);
    a2 = vmladavaq_s8(a2, wb, x0);
    a3 = vmladavaq_s8(a3, wb, x1);
  }
  an_dot8_pair_2px_tail_mve(w, c0, c1, k, wo, wo_b, &a0, &a1, &a2, &a3);
  acc[0] = a0;
  acc[1] = a1;
  acc[2] = a2;
  acc[3] = a3;
}

// One channel (an odd last row) by two pixels over k values.
static inline void an_dot8_row_2px_mve(const int8_t *w, const int8_t *c0, const int8_t *c1, int32_t k, int32_t *acc) {
  const uint8x16_t wo = vld1q(an_mve_row16_offsets);
  int32_t a0 = acc[0], a1 = acc[1];
  for (int32_t i = 0; i < k; i += 16, w += 16) {
    const mve_pred16_t p = vctp8q((uint32_t)(k - i));
    const int8x16_t wv = vldrbq_gather_offset_z_s8(w, wo, p);
    a0 = vmladavaq_s8(a0, wv, vldrbq_z_s8(c0 + i, p));
    a1 = vmladavaq_s8(a1, wv, vldrbq_z_s8(c1 + i, p));
  }
  acc[0] = a0;
  acc[1] = a1;
}

// n int8 values from src to dst (predicated sixteen-byte moves; one without a loop where n <= 16).
static inline void an_copy8_mve(int8_t *dst, const int8_t *src, int32_t n) {
  if (n <= 16) {
    const mve_pred16_t p = vctp8q((uint32_t)n);
    vstrbq_p_s8(dst, vldrbq_z_s8(src, p), p);
    return;
  }
  for (int32_t i = 0; i < n; i += 16) {
    const mve_pred16_t p = vctp8q((uint32_t)(n - i));
    vstrbq_p_s8(dst + i, vldrbq_z_s8(src + i, p), p);
  }
}

// n copies of value at dst.
static inline void an_fill8_mve(int8_t *dst, int8_t value, int32_t n) {
  const int8x16_t v = vdupq_n_s8(value);
  for (int32_t i = 0; i < n; i += 16) vstrbq_p_s8(dst + i, v, vctp8q((uint32_t)(n - i)));
}
#endif

#endif  // AN_DOT_MVE_H_
