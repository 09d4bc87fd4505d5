// attendnets compiled runtime: int8 CONV_2D on Helium (MVE): an_conv2d_s8 and an_conv1x1_s8 on cores with MVE
// (elsewhere an_conv.c's).  Bit-exact with TFLM's
// reference_integer_ops::ConvPerChannel: int8 columns, sixteen lanes per VMLADAV(A) (an_dot_mve.h), the
// requantization on vector lanes.
#include "an_conv.h"

#include "an_conv_internal.h"

#if AN_USE_MVE
// CONV_2D on Helium with int8 columns (an_dot_mve.h: an_dot8_pair_2px_mve and its notes).
// The receptive field of output pixel (oy, ox), group channels from channel0, as k int8 values.
static void an_conv_im2col8_mve(const an_conv_params *p, const int8_t *in, int32_t oy, int32_t ox, int32_t channel0,
                                int8_t *col) {
  // The parameters in locals: the int8 stores below could alias *p.
  const int32_t n = p->filter_in_c, in_c = p->in_c, in_h = p->in_h, in_w = p->in_w, k_h = p->k_h, k_w = p->k_w;
  const int32_t dilation_h = p->dilation_h, dilation_w = p->dilation_w, row_values = k_w * n;
  const int8_t pad = (int8_t)p->pad_value;
  const int32_t iy0 = oy * p->stride_h - p->pad_h;
  const int32_t ix0 = ox * p->stride_w - p->pad_w;
  // Without dilation and with all channels, a filter row is one run of the input row: the taps
  // left of the image (kx < kx0) and right of it (kx >= kx1) padded, the rest copied at once.
  const int runs = dilation_w == 1 && n == in_c;
  const int32_t kx0 = AN_MIN(AN_MAX(0, -ix0), k_w), kx1 = AN_MAX(AN_MIN(k_w, in_w - ix0), kx0);
  const int8_t *const first = in + (ix0 + kx0) * in_c + channel0;
  if (runs && kx0 == 0 && kx1 == k_w && row_values <= 16) {
    // Whole filter rows of at most sixteen values: one predicated load and store per row inside.
    const mve_pred16_t whole = vctp8q((uint32_t)row_values);
    const int32_t row_step = dilation_h * in_w * in_c;
    int32_t at = iy0 * in_w * in_c;  // row iy's offset from first
    for (int32_t ky = 0; ky < k_h; ++ky, col += row_values, at += row_step) {
      const int32_t iy = iy0 + ky * dilation_h;
      if (iy >= 0 && iy < in_h) {
        vstrbq_p_s8(col, vldrbq_z_s8(first + at, whole), whole);
      } else {
        an_fill8_mve(col, pad, row_values);
      }
    }
    return;
  }
  for (int32_t ky = 0; ky < k_h; ++ky, col += row_values) {
    const int32_t iy = iy0 + ky * dilation_h;
    if (iy < 0 || iy >= in_h) {
      an_fill8_mve(col, pad, row_values);
      continue;
    }
    if (runs) {
      if (kx0 > 0) an_fill8_mve(col, pad, kx0 * n);
      an_copy8_mve(col + kx0 * n, first + iy * in_w * in_c, (kx1 - kx0) * n);
      if (kx1 < k_w) an_fill8_mve(col + kx1 * n, pad, (k_w - kx1) * n);
      continue;
    }
    const int8_t *row = in + iy * in_w * in_c + channel0;
    int8_t *c = col;
    for (int32_t kx = 0; kx < k_w; ++kx, c += n) {
      const int32_t ix = ix0 + kx * dilation_w;
      if (ix >= 0 && ix < in_w) {
        an_copy8_mve(c, row + ix * in_c, n);
      } else {
        an_fill8_mve(c, pad, n);
      }
    }
  }
}

// The requantization the output channels' shifts (ch: {bias, multiplier, shift} each) allow: 2 where every shift is
// negative (an_requantize_right_mve), 1 where none is positive (an_requantize_nonpositive_mve), else 0
// (an_requantize_mve).
static int an_conv_right_shifts(const int32_t *ch, int32_t n) {
  int32_t all = -1, most = INT32_MIN;
  for (int32_t i = 0; i < n; ++i) {
    all &= ch[3 * i + 2];
    most = AN_MAX(most, ch[3 * i + 2]);
  }
  return all < 0 ? 2 : (most <= 0 ? 1 : 0);
}

// an_requantize_mve by the shifts' mode (an_conv_right_shifts).
static inline __attribute__((always_inline)) int32x4_t an_conv_requantize_mve(int32x4_t v, int32x4_t m, int32x4_t s,
                                                                              int mode) {
  if (mode == 2) return an_requantize_right_mve(v, m, s);
  if (mode == 1) return an_requantize_nonpositive_mve(v, m, s);
  return an_requantize_mve(v, m, s);
}

// Output channels [0, n) of a pixel pair from int8 columns c0, c1 of k values: filter rows w (the
// layout of an_conv.h), per-channel values ch ({bias, multiplier, shift}), outputs o0[0..n) (pixel 0)
// and o0[out1_offset + 0..n) (pixel 1).  right: the shifts' mode (an_conv_right_shifts).
static inline void an_conv_channels8_2px_mve(const an_conv_params *p, const int8_t *w, const int8_t *c0,
                                             const int8_t *c1, int32_t k, int32_t k4, const int32_t *ch, int32_t n,
                                             int8_t *o0, int32_t out1_offset, int right) {
  static const uint32_t m_offset_values[4] = {1, 1, 4, 4}, s_offset_values[4] = {2, 2, 5, 5};
  const uint32x4_t m_offsets = vld1q(m_offset_values), s_offsets = vld1q(s_offset_values);
  const uint32_t o1 = (uint32_t)out1_offset;
  const uint32_t out_offset_values[4] = {0, o1, 1, o1 + 1};
  const uint32x4_t out_offsets = vld1q(out_offset_values);
  const uint8x16_t wo = vld1q(an_mve_pair16_offsets);
  const int32_t offset = p->output_offset;
  const int32x4_t lo = vdupq_n_s32(p->act_min), hi = vdupq_n_s32(p->act_max);
  const int32_t *const pairs_end = ch + 3 * (n & ~1);
  for (; ch < pairs_end; ch += 6, w += 2 * k4, o0 += 2) {
    int32_t acc[4] = {ch[0], ch[0], ch[3], ch[3]};
    an_dot8_pair_2px_mve(w, c0, c1, k, wo, acc);
    // Lanes (pixel 0, pixel 1) x (channel 0, channel 1): requantized on lanes, stored by one scatter.
    const int32x4_t m = vldrwq_gather_shifted_offset_s32(ch, m_offsets);
    const int32x4_t s = vldrwq_gather_shifted_offset_s32(ch, s_offsets);
    int32x4_t v = an_conv_requantize_mve(vld1q(acc), m, s, right);
    v = vminq_s32(vmaxq_s32(vaddq_n_s32(v, offset), lo), hi);
    vstrbq_scatter_offset_s32(o0, out_offsets, v);
  }
  if (n & 1) {
    int32_t acc[2] = {ch[0], ch[0]};
    an_dot8_row_2px_mve(w, c0, c1, k, acc);
    const int32_t r0 = an_requantize(acc[0], ch[1], ch[2]) + offset;
    const int32_t r1 = an_requantize(acc[1], ch[1], ch[2]) + offset;
    o0[out1_offset] = (int8_t)an_clamp(r1, p->act_min, p->act_max);
    o0[0] = (int8_t)an_clamp(r0, p->act_min, p->act_max);
  }
}

// The gather offsets that read values 16 h .. 16 h + 15 of a row of a pair in natural order from the an_conv.h layout
// (rows of a pair interleaved in blocks of four, each block 0 2 1 3; the pair's other row: the same offsets from
// 4 bytes on); lanes past the row's k values gather its first value (they meet zero inputs).
// interleaved: lane 2 i value 16 h + i, lane 2 i + 1 value 16 h + 8 + i (the order an_conv_window_half_mve loads a
// receptive field in).
static inline uint8x16_t an_conv_row_offsets_mve(int32_t k, int32_t h, int interleaved) {
  static const uint8_t block_order[4] = {0, 2, 1, 3};
  uint8_t offsets[16];
  for (int32_t i = 0; i < 16; ++i) {
    const int32_t v = 16 * h + (interleaved ? 8 * (i & 1) + (i >> 1) : i);
    offsets[i] = (uint8_t)(v < k ? 8 * (v >> 2) + block_order[v & 3] : 0);
  }
  return vld1q(offsets);
}

// What an_conv_small_2px_mve reads per call: the gather offsets of a filter row's values in natural order
// (an_conv_row_offsets_mve), rows[0] values 0..15 of a pair's first row, rows[1] its second row (4 bytes on), rows[2]
// and rows[3] values 16..31 of each; the output parameters.
typedef struct {
  uint8_t rows[4][16];
  uint32_t channel[3][4];  // word offsets of four channels' bias {0, 3, 6, 9}, multiplier (+ 1), shift (+ 2)
  int32_t offset, lo, hi;  // bytes 112, 116, 120 (an_conv_small_quad_right_mve reads them there)
  int32_t out_c, k4;
} an_conv_small_mve;
typedef char
    an_conv_small_mve_layout[offsetof(an_conv_small_mve, channel) == 64 && offsetof(an_conv_small_mve, offset) == 112 &&
                                     offsetof(an_conv_small_mve, lo) == 116 && offsetof(an_conv_small_mve, hi) == 120
                                 ? 1
                                 : -1];

// One VMLADAV per pixel of rows r and r + 2 of a quad (pairs w and w2, offsets rows[o]); halves == 2: one VMLADAVA per
// pixel of their values 16..31 (rows[o + 2]).
#define AN_SMALL_LO(O, X0, X1)         \
  "vldrb.u8 %q[t], [%[rows], #" O      \
  "]\n\t"                              \
  "vldrb.u8 %q[w], [%[w0], %q[t]]\n\t" \
  "vmladav.s8 %[a0], %q[w], %q[" X0    \
  "]\n\t"                              \
  "vmladav.s8 %[b0], %q[w], %q[" X1    \
  "]\n\t"                              \
  "vldrb.u8 %q[w], [%[w2], %q[t]]\n\t" \
  "vmladav.s8 %[a2], %q[w], %q[" X0    \
  "]\n\t"                              \
  "vmladav.s8 %[b2], %q[w], %q[" X1 "]\n\t"
#define AN_SMALL_HI(O)                   \
  "vldrb.u8 %q[t], [%[rows], #" O        \
  "]\n\t"                                \
  "vldrb.u8 %q[w], [%[w0], %q[t]]\n\t"   \
  "vmladava.s8 %[a0], %q[w], %q[u0]\n\t" \
  "vmladava.s8 %[b0], %q[w], %q[u1]\n\t" \
  "vldrb.u8 %q[w], [%[w2], %q[t]]\n\t"   \
  "vmladava.s8 %[a2], %q[w], %q[u0]\n\t" \
  "vmladava.s8 %[b2], %q[w], %q[u1]\n\t"

// The sums of four output channels (rows w: two pairs, 2 k4 bytes each) of a pixel pair whose K values are x0 / x1
// (halves == 2: and u0 / u1 for values 16..31): lanes {0, 1, 2, 3} of *r0 (pixel 0) and *r1 (pixel 1) the quad's
// rows.  In assembly: the four inputs, two results and two temporaries take the eight vector registers (GCC's
// allocation spilled the eight scalar sums and the offsets).  The rows' gathers read inside the rows only.
static inline __attribute__((always_inline)) void an_conv_small_dot_mve(const an_conv_small_mve *g, const int8_t *w,
                                                                        int8x16_t x0, int8x16_t x1, int8x16_t u0,
                                                                        int8x16_t u1, int halves, int32x4_t *r0,
                                                                        int32x4_t *r1) {
  int8x16_t t, wv;
  int32x4_t p0, p1;
  int32_t a0, b0, a2, b2;
  const int8_t *const w2 = w + 2 * g->k4;
  const int8_t(*const span)[64] = (const int8_t(*)[64])w;  // the quad's bytes (at most 4 x 32) as read
  if (halves == 1) {
    __asm__(AN_SMALL_LO("0", "x0", "x1")  //
            "vmov %q[p0][2], %q[p0][0], %[a0], %[a2]\n\t"
            "vmov %q[p1][2], %q[p1][0], %[b0], %[b2]\n\t"  //
            AN_SMALL_LO("16", "x0", "x1")                  //
            "vmov %q[p0][3], %q[p0][1], %[a0], %[a2]\n\t"
            "vmov %q[p1][3], %q[p1][1], %[b0], %[b2]"
            : [p0] "=&w"(p0), [p1] "=&w"(p1), [t] "=&w"(t), [w] "=&w"(wv), [a0] "=&Te"(a0), [b0] "=&Te"(b0),
              [a2] "=&Te"(a2), [b2] "=&Te"(b2)
            : [x0] "w"(x0), [x1] "w"(x1), [w0] "r"(w), [w2] "r"(w2), [rows] "r"(g->rows), "m"(*span),
              "m"(*(const int8_t(*)[64])w2), "m"(g->rows));
  } else {
    __asm__(AN_SMALL_LO("0", "x0", "x1") AN_SMALL_HI("32")  //
            "vmov %q[p0][2], %q[p0][0], %[a0], %[a2]\n\t"
            "vmov %q[p1][2], %q[p1][0], %[b0], %[b2]\n\t"    //
            AN_SMALL_LO("16", "x0", "x1") AN_SMALL_HI("48")  //
            "vmov %q[p0][3], %q[p0][1], %[a0], %[a2]\n\t"
            "vmov %q[p1][3], %q[p1][1], %[b0], %[b2]"
            : [p0] "=&w"(p0), [p1] "=&w"(p1), [t] "=&w"(t), [w] "=&w"(wv), [a0] "=&Te"(a0), [b0] "=&Te"(b0),
              [a2] "=&Te"(a2), [b2] "=&Te"(b2)
            : [x0] "w"(x0), [x1] "w"(x1), [u0] "w"(u0), [u1] "w"(u1), [w0] "r"(w), [w2] "r"(w2), [rows] "r"(g->rows),
              "m"(*span), "m"(*(const int8_t(*)[64])w2), "m"(g->rows));
  }
  *r0 = p0;
  *r1 = p1;
}

// The sums r0 (pixel 0), r1 (pixel 1) of four output channels (ch: their {bias, multiplier, shift}) out: the bias
// added, requantized on lanes (right: the shifts' mode, an_conv_right_shifts), offset and clamp, one VSTRB.32 per pixel
// (o0, o1).
static inline __attribute__((always_inline)) void an_conv_quad_out_mve(const int32_t *ch, int32x4_t r0, int32x4_t r1,
                                                                       int right, int32_t offset, int32_t act_min,
                                                                       int32_t act_max, int8_t *o0, int8_t *o1) {
  static const uint32_t channel_offset_values[4] = {0, 3, 6, 9};  // {bias, multiplier, shift} per channel
  const uint32x4_t channel_offsets = vld1q(channel_offset_values);
  const int32x4_t bias = vldrwq_gather_shifted_offset_s32(ch, channel_offsets);
  r0 = vaddq_s32(r0, bias);
  r1 = vaddq_s32(r1, bias);
  const int32x4_t m = vldrwq_gather_shifted_offset_s32(ch + 1, channel_offsets);
  const int32x4_t s = vldrwq_gather_shifted_offset_s32(ch + 2, channel_offsets);
  r0 = an_conv_requantize_mve(r0, m, s, right);
  r1 = an_conv_requantize_mve(r1, m, s, right);
  const int32x4_t lo = vdupq_n_s32(act_min), hi = vdupq_n_s32(act_max);
  r0 = vminq_s32(vmaxq_s32(vaddq_n_s32(r0, offset), lo), hi);
  r1 = vminq_s32(vmaxq_s32(vaddq_n_s32(r1, offset), lo), hi);
  vstrbq_s32(o1, r1);
  vstrbq_s32(o0, r0);
}

// an_conv_small_quad_mve where every shift is negative, the sums and an_conv_quad_out_mve with
// an_requantize_right_mve in one assembly statement (GCC's spilled the bounds, offsets and inputs around the
// requantization): per quad the dot (two offset loads, four gathers, eight VMLADAV(A), four VMOV; halves == 2: two
// loads, four gathers and eight VMLADAVA more), three gathers of {bias, multiplier, shift}, two adds, eight for the
// requantization, offset, bounds, two VSTRB.32 (their addresses in low registers: "l"); halves == 1: the bounds
// from u0 / u1 (the callers' vectors of act_min, act_max: AN_SMALL_OUT_BOUNDS).  Volatile: the stores are its only
// effect.
// The bias, the requantization and the output offset of AN_SMALL_OUT and AN_SMALL_OUT_BOUNDS (their common part).
#define AN_SMALL_OUT_REQUANTIZE                  \
  "vldrw.u32 %q[t], [%[g], #64]\n\t"             \
  "vldrw.u32 %q[w], [%[ch], %q[t], uxtw #2]\n\t" \
  "vadd.i32 %q[p0], %q[p0], %q[w]\n\t"           \
  "vadd.i32 %q[p1], %q[p1], %q[w]\n\t"           \
  "vldrw.u32 %q[t], [%[g], #80]\n\t"             \
  "vldrw.u32 %q[w], [%[ch], %q[t], uxtw #2]\n\t" \
  "vqrdmulh.s32 %q[p0], %q[p0], %q[w]\n\t"       \
  "vqrdmulh.s32 %q[p1], %q[p1], %q[w]\n\t"       \
  "vldrw.u32 %q[t], [%[g], #96]\n\t"             \
  "vldrw.u32 %q[w], [%[ch], %q[t], uxtw #2]\n\t" \
  "vshr.s32 %q[t], %q[p0], #31\n\t"              \
  "vadd.i32 %q[p0], %q[p0], %q[t]\n\t"           \
  "vrshl.s32 %q[p0], %q[p0], %q[w]\n\t"          \
  "vshr.s32 %q[t], %q[p1], #31\n\t"              \
  "vadd.i32 %q[p1], %q[p1], %q[t]\n\t"           \
  "vrshl.s32 %q[p1], %q[p1], %q[w]\n\t"          \
  "ldr %[a0], [%[g], #112]\n\t"                  \
  "vadd.i32 %q[p0], %q[p0], %[a0]\n\t"           \
  "vadd.i32 %q[p1], %q[p1], %[a0]\n\t"
#define AN_SMALL_OUT                   \
  AN_SMALL_OUT_REQUANTIZE              \
  "ldr %[a0], [%[g], #116]\n\t"        \
  "vdup.32 %q[t], %[a0]\n\t"           \
  "vmax.s32 %q[p0], %q[p0], %q[t]\n\t" \
  "vmax.s32 %q[p1], %q[p1], %q[t]\n\t" \
  "ldr %[a0], [%[g], #120]\n\t"        \
  "vdup.32 %q[t], %[a0]\n\t"           \
  "vmin.s32 %q[p0], %q[p0], %q[t]\n\t" \
  "vmin.s32 %q[p1], %q[p1], %q[t]\n\t" \
  "vstrb.32 %q[p0], [%[o0]]\n\t"       \
  "vstrb.32 %q[p1], [%[o1]]"
// AN_SMALL_OUT with the activation's bounds in vector registers (lo, hi: halves == 1, where u0 / u1's registers are
// free), four instructions fewer per quad.
#define AN_SMALL_OUT_BOUNDS             \
  AN_SMALL_OUT_REQUANTIZE               \
  "vmax.s32 %q[p0], %q[p0], %q[lo]\n\t" \
  "vmax.s32 %q[p1], %q[p1], %q[lo]\n\t" \
  "vmin.s32 %q[p0], %q[p0], %q[hi]\n\t" \
  "vmin.s32 %q[p1], %q[p1], %q[hi]\n\t" \
  "vstrb.32 %q[p0], [%[o0]]\n\t"        \
  "vstrb.32 %q[p1], [%[o1]]"
static inline __attribute__((always_inline)) void an_conv_small_quad_right_mve(const an_conv_small_mve *g,
                                                                               const int8_t *w, const int32_t *ch,
                                                                               int8x16_t x0, int8x16_t x1, int8x16_t u0,
                                                                               int8x16_t u1, int halves, int8_t *o0,
                                                                               int8_t *o1) {
  int8x16_t t, wv;
  int32x4_t p0, p1;
  int32_t a0, b0, a2, b2;
  const int8_t *const w2 = w + 2 * g->k4;
  if (halves == 1) {
    __asm__ volatile(AN_SMALL_LO("0", "x0", "x1")  //
                     "vmov %q[p0][2], %q[p0][0], %[a0], %[a2]\n\t"
                     "vmov %q[p1][2], %q[p1][0], %[b0], %[b2]\n\t"  //
                     AN_SMALL_LO("16", "x0", "x1")                  //
                     "vmov %q[p0][3], %q[p0][1], %[a0], %[a2]\n\t"
                     "vmov %q[p1][3], %q[p1][1], %[b0], %[b2]\n\t" AN_SMALL_OUT_BOUNDS
                     : [p0] "=&w"(p0), [p1] "=&w"(p1), [t] "=&w"(t), [w] "=&w"(wv), [a0] "=&Te"(a0), [b0] "=&Te"(b0),
                       [a2] "=&Te"(a2), [b2] "=&Te"(b2)
                     : [x0] "w"(x0), [x1] "w"(x1), [lo] "w"(u0), [hi] "w"(u1), [w0] "r"(w), [w2] "r"(w2),
                       [rows] "r"(g->rows), [g] "r"(g), [ch] "r"(ch), [o0] "l"(o0), [o1] "l"(o1)
                     : "memory");
  } else {
    __asm__ volatile(AN_SMALL_LO("0", "x0", "x1") AN_SMALL_HI("32")  //
                     "vmov %q[p0][2], %q[p0][0], %[a0], %[a2]\n\t"
                     "vmov %q[p1][2], %q[p1][0], %[b0], %[b2]\n\t"    //
                     AN_SMALL_LO("16", "x0", "x1") AN_SMALL_HI("48")  //
                     "vmov %q[p0][3], %q[p0][1], %[a0], %[a2]\n\t"
                     "vmov %q[p1][3], %q[p1][1], %[b0], %[b2]\n\t" AN_SMALL_OUT
                     : [p0] "=&w"(p0), [p1] "=&w"(p1), [t] "=&w"(t), [w] "=&w"(wv), [a0] "=&Te"(a0), [b0] "=&Te"(b0),
                       [a2] "=&Te"(a2), [b2] "=&Te"(b2)
                     : [x0] "w"(x0), [x1] "w"(x1), [u0] "w"(u0), [u1] "w"(u1), [w0] "r"(w), [w2] "r"(w2),
                       [rows] "r"(g->rows), [g] "r"(g), [ch] "r"(ch), [o0] "l"(o0), [o1] "l"(o1)
                     : "memory");
  }
}
// Four output channels by two pixels where K is deeper than 32 and no shift is positive (an_conv_deep_2px_mve), every
// quad of a pixel pair in one assembly statement (GCC's copy of the loop moved the eight sums and the pointers around
// it and called per quad): per quad the two pairs' gather offsets and the pointers from *run (eight instructions),
// per sixteen values two input loads, four filter gathers, two adds and eight VMLADAV(A) into eight scalar sums (the
// even registers VMLADAV takes, LR one of them: the loop counts by SUBS / BNE, not LE), the first pass by VMLADAV (no
// zeroing), the last k & 15 values predicated (tail); the sums into two vectors (four VMOV), the quad's bias,
// multipliers and shifts gathered, the requantization on lanes (right: every shift negative, six instructions, else
// eight), offset, bounds, two VSTRB.32 and the quad's step (about 48 instructions per quad outside the passes, 94
// before).  Registers: sums r0, r2, r4, r6 (pixel 0, channels 0..3), r8, r10, r12, lr (pixel 1); c0 r1, c1 r3, rows
// r5 and r9, count r11 (*run's address pushed: the only register left), r7 untouched (a frame pointer where there is
// one); q4, q5 the gather offsets and q6, q7 the bounds for the whole call.
typedef struct {
  const int8_t *w;             // 0: the next quad's rows (two pairs of the an_conv.h layout, pair_bytes apart)
  int32_t pair_bytes;          // 4: 2 k4
  const int8_t *c0, *c1;       // 8, 12: the pixels' columns
  const int32_t *ch;           // 16: the next quad's {bias, multiplier, shift}
  int8_t *o0;                  // 20: its pixel-0 outputs
  int32_t out1;                // 24: pixel 1's outputs from pixel 0's
  int32_t quads;               // 28: quads left (at least one)
  int32_t passes;              // 32: (k >> 4) - 1, at least one
  int32_t quad_bytes;          // 36: 4 k4
  const an_conv_small_mve *g;  // 40: rows[0], rows[1] (the gather offsets), channel offsets, offset, lo, hi
  int32_t tail;                // 44: k & 15
} an_conv_deep_run_mve;
typedef char an_conv_deep_run_layout
    [offsetof(an_conv_deep_run_mve, pair_bytes) == 4 && offsetof(an_conv_deep_run_mve, c0) == 8 &&
             offsetof(an_conv_deep_run_mve, ch) == 16 && offsetof(an_conv_deep_run_mve, o0) == 20 &&
             offsetof(an_conv_deep_run_mve, out1) == 24 && offsetof(an_conv_deep_run_mve, quads) == 28 &&
             offsetof(an_conv_deep_run_mve, passes) == 32 && offsetof(an_conv_deep_run_mve, quad_bytes) == 36 &&
             offsetof(an_conv_deep_run_mve, g) == 40 && offsetof(an_conv_deep_run_mve, tail) == 44
         ? 1
         : -1];
#if defined(__OPTIMIZE__)
// clang-format off
#define AN_DEEP_PASS(MLA)          \
  "vldrb.u8 q0, [r1], #16\n\t"     \
  "vldrb.u8 q1, [r3], #16\n\t"     \
  "vldrb.u8 q2, [r5, q4]\n\t"      \
  "vldrb.u8 q3, [r5, q5]\n\t"      \
  "add r5, r5, #32\n\t"            \
  MLA " r0, q2, q0\n\t"            \
  MLA " r8, q2, q1\n\t"            \
  MLA " r2, q3, q0\n\t"            \
  MLA " r10, q3, q1\n\t"           \
  "vldrb.u8 q2, [r9, q4]\n\t"      \
  "vldrb.u8 q3, [r9, q5]\n\t"      \
  "add r9, r9, #32\n\t"            \
  MLA " r4, q2, q0\n\t"            \
  MLA " r12, q2, q1\n\t"           \
  MLA " r6, q3, q0\n\t"            \
  MLA " lr, q3, q1\n\t"
// The last k & 15 values, predicated (the inactive lanes of the inputs read as zero).
#define AN_DEEP_TAIL               \
  "ldr r11, [sp]\n\t"              \
  "ldr r11, [r11, #44]\n\t"        \
  "vctp.8 r11\n\t"                 \
  "vpstttt\n\t"                    \
  "vldrbt.u8 q0, [r1]\n\t"         \
  "vldrbt.u8 q1, [r3]\n\t"         \
  "vldrbt.u8 q2, [r5, q4]\n\t"     \
  "vldrbt.u8 q3, [r5, q5]\n\t"     \
  "vmladava.s8 r0, q2, q0\n\t"     \
  "vmladava.s8 r8, q2, q1\n\t"     \
  "vmladava.s8 r2, q3, q0\n\t"     \
  "vmladava.s8 r10, q3, q1\n\t"    \
  "vpstt\n\t"                      \
  "vldrbt.u8 q2, [r9, q4]\n\t"     \
  "vldrbt.u8 q3, [r9, q5]\n\t"     \
  "vmladava.s8 r4, q2, q0\n\t"     \
  "vmladava.s8 r12, q2, q1\n\t"    \
  "vmladava.s8 r6, q3, q0\n\t"     \
  "vmladava.s8 lr, q3, q1\n\t"
// The rounding of h (q0, q1) by the shifts (q3): every shift negative, or none positive (-1 where h < 0 and the
// shift negative: (h & shift) >> 31, the sign bits of both).
#define AN_DEEP_ROUND_RIGHT                     \
  "vshr.s32 q2, q0, #31\n\t"                    \
  "vadd.i32 q0, q0, q2\n\t"                     \
  "vrshl.s32 q0, q0, q3\n\t"                    \
  "vshr.s32 q2, q1, #31\n\t"                    \
  "vadd.i32 q1, q1, q2\n\t"                     \
  "vrshl.s32 q1, q1, q3\n\t"
#define AN_DEEP_ROUND_NONPOSITIVE               \
  "vand q2, q0, q3\n\t"                         \
  "vshr.s32 q2, q2, #31\n\t"                    \
  "vadd.i32 q0, q0, q2\n\t"                     \
  "vrshl.s32 q0, q0, q3\n\t"                    \
  "vand q2, q1, q3\n\t"                         \
  "vshr.s32 q2, q2, #31\n\t"                    \
  "vadd.i32 q1, q1, q2\n\t"                     \
  "vrshl.s32 q1, q1, q3\n\t"
// NEXT: the next quad's rows into *run (no tail: where the second pair's rows ended; else w + quad_bytes).
#define AN_DEEP_QUADS(TAIL, NEXT, ROUND)        \
  "push {r11}\n\t"                              \
  "ldr r0, [r11, #40]\n\t"                      \
  "vldrb.u8 q4, [r0]\n\t"                       \
  "vldrb.u8 q5, [r0, #16]\n\t"                  \
  "ldr r1, [r0, #116]\n\t"                      \
  "vdup.32 q6, r1\n\t"                          \
  "ldr r1, [r0, #120]\n\t"                      \
  "vdup.32 q7, r1\n\t"                          \
  "1:\n\t"                                      \
  "ldr r11, [sp]\n\t"                           \
  "ldrd r1, r3, [r11, #8]\n\t"                  \
  "ldrd r5, r9, [r11]\n\t"                      \
  "add r9, r9, r5\n\t"                          \
  "ldr r11, [r11, #32]\n\t"                     \
  AN_DEEP_PASS("vmladav.s8")                    \
  "2:\n\t"                                      \
  AN_DEEP_PASS("vmladava.s8")                   \
  "subs r11, r11, #1\n\t"                       \
  "bne 2b\n\t"                                  \
  TAIL                                          \
  "vmov q0[2], q0[0], r0, r4\n\t"               \
  "vmov q0[3], q0[1], r2, r6\n\t"               \
  "vmov q1[2], q1[0], r8, r12\n\t"              \
  "vmov q1[3], q1[1], r10, lr\n\t"              \
  "ldr r11, [sp]\n\t"                           \
  NEXT                                          \
  "ldr r1, [r11, #40]\n\t"                      \
  "ldr r3, [r11, #16]\n\t"                      \
  "ldrd r0, r2, [r11, #20]\n\t"                 \
  "add r2, r2, r0\n\t"                          \
  "vldrw.u32 q2, [r1, #64]\n\t"                 \
  "vldrw.u32 q3, [r3, q2, uxtw #2]\n\t"         \
  "vadd.i32 q0, q0, q3\n\t"                     \
  "vadd.i32 q1, q1, q3\n\t"                     \
  "vldrw.u32 q2, [r1, #80]\n\t"                 \
  "vldrw.u32 q3, [r3, q2, uxtw #2]\n\t"         \
  "vqrdmulh.s32 q0, q0, q3\n\t"                 \
  "vqrdmulh.s32 q1, q1, q3\n\t"                 \
  "vldrw.u32 q2, [r1, #96]\n\t"                 \
  "vldrw.u32 q3, [r3, q2, uxtw #2]\n\t"         \
  ROUND                                         \
  "ldr r5, [r1, #112]\n\t"                      \
  "vadd.i32 q0, q0, r5\n\t"                     \
  "vadd.i32 q1, q1, r5\n\t"                     \
  "vmax.s32 q0, q0, q6\n\t"                     \
  "vmax.s32 q1, q1, q6\n\t"                     \
  "vmin.s32 q0, q0, q7\n\t"                     \
  "vmin.s32 q1, q1, q7\n\t"                     \
  "vstrb.32 q1, [r2]\n\t"                       \
  "vstrb.32 q0, [r0]\n\t"                       \
  "add r0, r0, #4\n\t"                          \
  "str r0, [r11, #20]\n\t"                      \
  "add r3, r3, #48\n\t"                         \
  "str r3, [r11, #16]\n\t"                      \
  "ldr r5, [r11, #28]\n\t"                      \
  "subs r5, r5, #1\n\t"                         \
  "str r5, [r11, #28]\n\t"                      \
  "bne 1b\n\t"                                  \
  "pop {r11}"
#define AN_DEEP_NEXT_AT_END "str r9, [r11]\n\t"
#define AN_DEEP_NEXT_BY_STEP    \
  "ldr r5, [r11]\n\t"           \
  "ldr r9, [r11, #36]\n\t"      \
  "add r5, r5, r9\n\t"          \
  "str r5, [r11]\n\t"
// clang-format on
#define AN_DEEP_CLOBBERS                                                                                              \
  "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r8", "r9", "r10", "r12", "lr", "q0", "q1", "q2", "q3", "q4", "q5", "q6", \
      "q7", "cc", "memory"
static void __attribute__((noinline)) an_conv_deep_quads_mve(an_conv_deep_run_mve *run, int right) {
  register an_conv_deep_run_mve *r11 __asm__("r11") = run;
  if (run->tail) {
    if (right) {
      __asm__ volatile(AN_DEEP_QUADS(AN_DEEP_TAIL, AN_DEEP_NEXT_BY_STEP, AN_DEEP_ROUND_RIGHT)
                       :
                       : "r"(r11)
                       : AN_DEEP_CLOBBERS);
    } else {
      __asm__ volatile(AN_DEEP_QUADS(AN_DEEP_TAIL, AN_DEEP_NEXT_BY_STEP, AN_DEEP_ROUND_NONPOSITIVE)
                       :
                       : "r"(r11)
                       : AN_DEEP_CLOBBERS);
    }
  } else if (right) {
    __asm__ volatile(AN_DEEP_QUADS("", AN_DEEP_NEXT_AT_END, AN_DEEP_ROUND_RIGHT) : : "r"(r11) : AN_DEEP_CLOBBERS);
  } else {
    __asm__ volatile(AN_DEEP_QUADS("", AN_DEEP_NEXT_AT_END, AN_DEEP_ROUND_NONPOSITIVE) : : "r"(r11) : AN_DEEP_CLOBBERS);
  }
}
#undef AN_DEEP_PASS
#undef AN_DEEP_TAIL
#undef AN_DEEP_ROUND_RIGHT
#undef AN_DEEP_ROUND_NONPOSITIVE
#undef AN_DEEP_QUADS
#undef AN_DEEP_NEXT_AT_END
#undef AN_DEEP_NEXT_BY_STEP
#undef AN_DEEP_CLOBBERS
#endif

// Output channels [0, n) of a pixel pair from int8 columns c0, c1 of k values (groups of an_conv2d_s8_mve, 1x1 layers
// deeper than 32): where K is deeper than 32 and no shift positive, the quads by an_conv_deep_quads_mve (optimised
// builds), the channels after them (and every channel elsewhere) by an_conv_channels8_2px_mve.  g:
// an_conv_small_params_mve's, filter rows w (the an_conv.h layout), ch their {bias, multiplier, shift}, outputs
// o0[0..n) and o0[out1_offset + 0..n); right: the shifts' mode (an_conv_right_shifts).
static void an_conv_deep_2px_mve(const an_conv_params *p, const an_conv_small_mve *g, const int8_t *w, const int8_t *c0,
                                 const int8_t *c1, int32_t k, const int32_t *ch, int32_t n, int8_t *o0,
                                 int32_t out1_offset, int right) {
  const int32_t k4 = g->k4;
  int32_t done = 0;
#if defined(__OPTIMIZE__)
  if (k > 32 && right != 0 && n >= 4) {
    an_conv_deep_run_mve run = {w, 2 * k4, c0, c1, ch, o0, out1_offset, n >> 2, (k >> 4) - 1, 4 * k4, g, k & 15};
    an_conv_deep_quads_mve(&run, right == 2);
    done = n & ~3;
  }
#endif
  if (n > done) {
    an_conv_channels8_2px_mve(p, w + done * k4, c0, c1, k, k4, ch + 3 * done, n - done, o0 + done, out1_offset, right);
  }
}

#undef AN_SMALL_OUT
#undef AN_SMALL_OUT_BOUNDS
#undef AN_SMALL_LO
#undef AN_SMALL_HI

// Four output channels (filter rows w; ch: their {bias, multiplier, shift}) of a pixel pair: the sums
// (an_conv_small_dot_mve) out by an_conv_quad_out_mve.
static inline __attribute__((always_inline)) void an_conv_small_quad_mve(const an_conv_small_mve *g, const int8_t *w,
                                                                         const int32_t *ch, int8x16_t x0, int8x16_t x1,
                                                                         int8x16_t u0, int8x16_t u1, int halves,
                                                                         int right, int8_t *o0, int8_t *o1) {
  int32x4_t r0, r1;
  an_conv_small_dot_mve(g, w, x0, x1, u0, u1, halves, &r0, &r1);
  an_conv_quad_out_mve(ch, r0, r1, right, g->offset, g->lo, g->hi, o0, o1);
}

// CONV_2D on Helium where K <= 32 (one group): each pixel's K values are one or two vectors (halves; loaded once per
// pixel pair, the lanes past K zero), each output one VMLADAV per half against a filter row gathered in natural order,
// four channels by two pixels per pass (an_conv_small_quad_mve).  Columns c0, c1 (k values each); outputs
// o0[0..out_c) and o0[out1_offset + 0..out_c); the channels after the last four by an_conv_channels8_2px_mve.
// The quads of an_conv_small_2px_mve on the pixels' values in registers (v0 / v1 values 0..15, u0 / u1 16..31, in the
// order of g->rows' offsets; halves == 1: u0 / u1 every lane act_min, act_max); returns where the filter rows after
// the last quad begin.
static inline __attribute__((always_inline)) const int8_t *an_conv_small_quads_mve(
    const an_conv_small_mve *g, const int8_t *filter, const int32_t *channel, int8x16_t v0, int8x16_t v1, int8x16_t u0,
    int8x16_t u1, int halves, int8_t *o0, int32_t out1_offset, int right) {
  const int32_t k4 = g->k4, quads = g->out_c >> 2;
  const int8_t *w = filter;
  const int32_t *ch = channel;
  for (int32_t q4 = 0; q4 < quads; ++q4, w += 4 * k4, ch += 12, o0 += 4) {
    if (right == 2) {
      an_conv_small_quad_right_mve(g, w, ch, v0, v1, u0, u1, halves, o0, o0 + out1_offset);
    } else {
      an_conv_small_quad_mve(g, w, ch, v0, v1, u0, u1, halves, right, o0, o0 + out1_offset);
    }
  }
  return w;
}

static inline __attribute__((always_inline)) void an_conv_small_2px_mve(
    const an_conv_params *p, const an_conv_small_mve *g, const int8_t *filter, const int32_t *channel, const int8_t *c0,
    const int8_t *c1, int32_t k, int halves, int8_t *o0, int32_t out1_offset, int right) {
  const int32_t k4 = g->k4, out_c = g->out_c, done = out_c & ~3;
  const int8x16_t v0 = vldrbq_z_s8(c0, vctp8q((uint32_t)k)), v1 = vldrbq_z_s8(c1, vctp8q((uint32_t)k));
  // halves == 1: u0 / u1 carry the activation's bounds (an_conv_small_quad_right_mve's lo, hi)
  int8x16_t u0 = vreinterpretq_s8_s32(vdupq_n_s32(g->lo)), u1 = vreinterpretq_s8_s32(vdupq_n_s32(g->hi));
  if (halves == 2) {
    const mve_pred16_t upper = vctp8q((uint32_t)(k - 16));
    u0 = vldrbq_z_s8(c0 + 16, upper);
    u1 = vldrbq_z_s8(c1 + 16, upper);
  }
  const int8_t *w = an_conv_small_quads_mve(g, filter, channel, v0, v1, u0, u1, halves, o0, out1_offset, right);
  if (out_c & 3)
    an_conv_channels8_2px_mve(p, w, c0, c1, k, k4, channel + 3 * done, out_c & 3, o0 + done, out1_offset, right);
}

// an_conv_small_2px_mve's parameters of a layer of K values (K <= 32), into *g.
// interleaved: the filter rows gathered in an_conv_window_half_mve's order (an_conv_row_offsets_mve).
static void an_conv_small_params_mve(const an_conv_params *p, int32_t k, int interleaved, an_conv_small_mve *g) {
  for (int32_t h = 0; h < 2; ++h) {
    const uint8x16_t offsets = an_conv_row_offsets_mve(k, h, interleaved);
    vst1q(g->rows[2 * h], offsets);
    vst1q(g->rows[2 * h + 1], vaddq_n_u8(offsets, 4));
  }
  for (int32_t i = 0; i < 3; ++i) {
    for (int32_t c = 0; c < 4; ++c) g->channel[i][c] = (uint32_t)(3 * c + i);
  }
  g->out_c = p->out_c;
  g->k4 = AN_CONV_K4(k);
  g->offset = p->output_offset;
  g->lo = p->act_min;
  g->hi = p->act_max;
}

// What an_conv_im2col8_inside_mve needs, set once per call.
typedef struct {
  int32_t stride_h, stride_w, pad_h, pad_w;
  int32_t iy_end, ix_end;  // a window starting at (iy0, ix0) lies inside where iy0 < iy_end, ix0 < ix_end
  int32_t row_bytes, row_step, in_c, k_h, row_values;
  mve_pred16_t row;  // a filter row's values (0: rows wider than sixteen values or dilated columns)
} an_im2col8_inside;

// The receptive field of output pixel (oy, ox) where it lies inside the image and each filter row is one run of at
// most sixteen input values (one group, no dilation along x): one predicated load and store per filter row, without
// an_conv_im2col8_mve's setup.  Returns 0 (nothing written) elsewhere.
static inline __attribute__((always_inline)) int an_conv_im2col8_inside_mve(const an_im2col8_inside *g,
                                                                            const int8_t *in, int32_t oy, int32_t ox,
                                                                            int8_t *col) {
  const int32_t iy0 = oy * g->stride_h - g->pad_h, ix0 = ox * g->stride_w - g->pad_w;
  if (!g->row || iy0 < 0 || ix0 < 0 || iy0 >= g->iy_end || ix0 >= g->ix_end) return 0;
  const int8_t *x = in + iy0 * g->row_bytes + ix0 * g->in_c;
  for (int32_t ky = 0; ky < g->k_h; ++ky, x += g->row_step, col += g->row_values) {
    vstrbq_p_s8(col, vldrbq_z_s8(x, g->row), g->row);
  }
  return 1;
}

// A receptive field's K <= 32 values straight into registers (no column copy): per half h two byte gathers widened to
// int16 lanes (values 16 h + i and 16 h + 8 + i, lanes past K zero) narrowed into the even and odd byte lanes, the
// order an_conv_row_offsets_mve's interleaved filter rows are gathered in.  in: each value's offset from the window's
// first input byte (pixels inside the image); col: from an an_conv_im2col8_mve column (the others).
typedef struct {
  uint16_t in[4][8], col[4][8];  // [2 h + part]: values 16 h + 8 part + i
  mve_pred16_t lanes[4];         // the lanes below K of each
  int32_t iy_end, ix_end;  // a window starting at (iy0 >= 0, ix0 >= 0) lies inside where iy0 < iy_end, ix0 < ix_end
} an_conv_window_mve;

// Whether an_conv2d_small_mve reads the receptive fields by an_conv_window_mve: every filter row by quads (the
// channels after the last four read the columns in natural order) and the window's offsets within sixteen bits.
static int an_conv_window_applies_mve(const an_conv_params *p) {
  const int32_t span = ((p->k_h - 1) * p->dilation_h * p->in_w + (p->k_w - 1) * p->dilation_w + 1) * p->in_c;
  return (p->out_c & 3) == 0 && span <= 65535;
}

static void an_conv_window_params_mve(const an_conv_params *p, int32_t k, an_conv_window_mve *g) {
  const int32_t n = p->filter_in_c, row_values = p->k_w * n;
  for (int32_t j = 0; j < 4; ++j) {
    for (int32_t i = 0; i < 8; ++i) {
      const int32_t v = 8 * j + i, ky = v / row_values, kx = v % row_values / n, c = v % n;
      g->in[j][i] = (uint16_t)(v < k ? (ky * p->dilation_h * p->in_w + kx * p->dilation_w) * p->in_c + c : 0);
      g->col[j][i] = (uint16_t)(v < k ? v : 0);
    }
    g->lanes[j] = vctp16q((uint32_t)AN_MAX(0, AN_MIN(8, k - 8 * j)));
  }
  g->iy_end = p->in_h - (p->k_h - 1) * p->dilation_h;
  g->ix_end = p->in_w - (p->k_w - 1) * p->dilation_w;
}

// Half h of the receptive field at base (offsets o: an_conv_window_mve's in or col).
static inline __attribute__((always_inline)) int8x16_t an_conv_window_half_mve(const an_conv_window_mve *g,
                                                                               const int8_t *base,
                                                                               const uint16_t (*o)[8], int32_t h) {
  const int16x8_t even = vldrbq_gather_offset_z_s16(base, vld1q(o[2 * h]), g->lanes[2 * h]);
  const int16x8_t odd = vldrbq_gather_offset_z_s16(base, vld1q(o[2 * h + 1]), g->lanes[2 * h + 1]);
  return vmovntq_s16(vmovnbq_s16(vreinterpretq_s8_s16(even), even), odd);
}

// The window of output pixel (oy, ox): base and offsets (inside the image: the input; else col, filled).
static inline __attribute__((always_inline)) const int8_t *an_conv_window_at_mve(const an_conv_params *p,
                                                                                 const an_conv_window_mve *g,
                                                                                 const int8_t *in, int32_t oy,
                                                                                 int32_t ox, int8_t *col,
                                                                                 const uint16_t (**o)[8]) {
  const int32_t iy0 = oy * p->stride_h - p->pad_h, ix0 = ox * p->stride_w - p->pad_w;
  if (iy0 >= 0 && ix0 >= 0 && iy0 < g->iy_end && ix0 < g->ix_end) {
    *o = g->in;
    return in + (iy0 * p->in_w + ix0) * p->in_c;
  }
  an_conv_im2col8_mve(p, in, oy, ox, 0, col);
  *o = g->col;
  return col;
}

// The pixel pairs of an_conv2d_s8 on Helium where K <= 32, one group and an_conv_window_applies_mve: each pixel's
// values by an_conv_window_half_mve, four channels by two pixels per pass (an_conv_small_quads_mve).
static inline __attribute__((always_inline)) void an_conv2d_window_mve(const an_conv_params *p, const int8_t *input,
                                                                       const int8_t *filter, const int32_t *channel,
                                                                       int8_t *output, int8_t *col0, int8_t *col1,
                                                                       int halves, int right) {
  const int32_t k = p->k_h * p->k_w * p->filter_in_c;
  const int32_t pixels = p->out_h * p->out_w, out_c = p->out_c;
  an_conv_small_mve sg;
  an_conv_small_params_mve(p, k, 1, &sg);
  an_conv_window_mve g;
  an_conv_window_params_mve(p, k, &g);
  const int8x16_t lo = vreinterpretq_s8_s32(vdupq_n_s32(p->act_min)),
                  hi = vreinterpretq_s8_s32(vdupq_n_s32(p->act_max));
  const an_conv_walk start = an_conv_walk_start(p, input);
  for (int32_t b = 0; b < p->batches; ++b) {
    an_conv_walk w = an_conv_walk_batch(&start, b);
    int8_t *out = output + b * pixels * out_c;
    for (int32_t pix = 0; pix < pixels; pix += 2) {
      const an_conv_pair x = an_conv_walk_pair(&w, pix, pixels, out_c);
      const uint16_t(*o0)[8], (*o1)[8];
      const int8_t *x0 = an_conv_window_at_mve(p, &g, w.in, x.oy0, x.ox0, col0, &o0);
      const int8_t *x1 = an_conv_window_at_mve(p, &g, w.in, x.oy1, x.ox1, col1, &o1);
      const int8x16_t v0 = an_conv_window_half_mve(&g, x0, o0, 0), v1 = an_conv_window_half_mve(&g, x1, o1, 0);
      // halves == 1: u0 / u1 carry the activation's bounds (an_conv_small_quad_right_mve's lo, hi)
      const int8x16_t u0 = halves == 2 ? an_conv_window_half_mve(&g, x0, o0, 1) : lo;
      const int8x16_t u1 = halves == 2 ? an_conv_window_half_mve(&g, x1, o1, 1) : hi;
      an_conv_small_quads_mve(&sg, filter, channel, v0, v1, u0, u1, halves, out + pix * out_c, x.out1, right);
    }
  }
}

// The pixel pairs of an_conv2d_s8 on Helium where K <= 32 and one group (an_conv_small_2px_mve; halves and right
// constant in each copy: an_conv2d_small_any_mve): columns col0, col1 in scratch.
static inline __attribute__((always_inline)) void an_conv2d_small_mve(const an_conv_params *p, const int8_t *input,
                                                                      const int8_t *filter, const int32_t *channel,
                                                                      int8_t *output, int8_t *col0, int8_t *col1,
                                                                      int halves, int right) {
  const int32_t k = p->k_h * p->k_w * p->filter_in_c;
  const int32_t pixels = p->out_h * p->out_w, out_c = p->out_c;
  an_conv_small_mve sg;
  an_conv_small_params_mve(p, k, 0, &sg);
  const int32_t row_values = p->k_w * p->in_c;
  const an_im2col8_inside g = {p->stride_h,
                               p->stride_w,
                               p->pad_h,
                               p->pad_w,
                               p->in_h - (p->k_h - 1) * p->dilation_h,
                               p->in_w - (p->k_w - 1),
                               p->in_w * p->in_c,
                               p->dilation_h * p->in_w * p->in_c,
                               p->in_c,
                               p->k_h,
                               row_values,
                               p->dilation_w == 1 && row_values <= 16 ? vctp8q((uint32_t)row_values) : 0};
  const an_conv_walk start = an_conv_walk_start(p, input);
  for (int32_t b = 0; b < p->batches; ++b) {
    an_conv_walk w = an_conv_walk_batch(&start, b);
    int8_t *out = output + b * pixels * out_c;
    for (int32_t pix = 0; pix < pixels; pix += 2) {
      const an_conv_pair x = an_conv_walk_pair(&w, pix, pixels, out_c);
      int8_t *out0 = out + pix * out_c;
      if (!an_conv_im2col8_inside_mve(&g, w.in, x.oy0, x.ox0, col0))
        an_conv_im2col8_mve(p, w.in, x.oy0, x.ox0, 0, col0);
      if (!an_conv_im2col8_inside_mve(&g, w.in, x.oy1, x.ox1, col1))
        an_conv_im2col8_mve(p, w.in, x.oy1, x.ox1, 0, col1);
      an_conv_small_2px_mve(p, &sg, filter, channel, col0, col1, k, halves, out0, x.out1, right);
    }
  }
}

static void __attribute__((noinline))
an_conv2d_small_any_mve(const an_conv_params *p, const int8_t *input, const int8_t *filter, const int32_t *channel,
                        int8_t *output, int8_t *col0, int8_t *col1, int halves, int right) {
  // right: 2 every shift negative (a copy with the assembly quads), else an_conv_right_shifts' 1 or 0; each call
  // with constant halves (and right where 2) so that GCC makes a copy of the always-inline kernel for it.
#define AN_SMALL_SPECIALISED(KERNEL)                                     \
  do {                                                                   \
    if (halves == 1) {                                                   \
      if (right == 2) {                                                  \
        KERNEL(p, input, filter, channel, output, col0, col1, 1, 2);     \
      } else {                                                           \
        KERNEL(p, input, filter, channel, output, col0, col1, 1, right); \
      }                                                                  \
    } else if (right == 2) {                                             \
      KERNEL(p, input, filter, channel, output, col0, col1, 2, 2);       \
    } else {                                                             \
      KERNEL(p, input, filter, channel, output, col0, col1, 2, right);   \
    }                                                                    \
  } while (0)
  if (an_conv_window_applies_mve(p)) {
    AN_SMALL_SPECIALISED(an_conv2d_window_mve);
    return;
  }
  AN_SMALL_SPECIALISED(an_conv2d_small_mve);
#undef AN_SMALL_SPECIALISED
}

// an_conv2d_s8 on Helium (int8 columns in scratch, see above).
static void an_conv2d_s8_mve(const an_conv_params *p, const int8_t *input, const int8_t *filter, const int32_t *channel,
                             int8_t *output, int16_t *scratch) {
  const int32_t k = p->k_h * p->k_w * p->filter_in_c, k4 = AN_CONV_K4(k);
  const int32_t groups = p->in_c / p->filter_in_c;
  const int32_t per_group = p->out_c / groups;
  const int32_t pixels = p->out_h * p->out_w;
  int8_t *const col0 = (int8_t *)scratch, *const col1 = col0 + k4;
  const int right = an_conv_right_shifts(channel, p->out_c);
  if (groups == 1 && k <= 32) {  // K <= 32, one group: an_conv_small_2px_mve
    an_conv2d_small_any_mve(p, input, filter, channel, output, col0, col1, k <= 16 ? 1 : 2, right);
    return;
  }
  an_conv_small_mve sg;
  an_conv_small_params_mve(p, k, 0, &sg);
  const an_conv_walk start = an_conv_walk_start(p, input);
  for (int32_t b = 0; b < p->batches; ++b) {
    an_conv_walk w = an_conv_walk_batch(&start, b);
    int8_t *out = output + b * pixels * p->out_c;
    for (int32_t pix = 0; pix < pixels; pix += 2) {
      const an_conv_pair x = an_conv_walk_pair(&w, pix, pixels, p->out_c);
      int8_t *out0 = out + pix * p->out_c;
      for (int32_t g = 0; g < groups; ++g) {
        an_conv_im2col8_mve(p, w.in, x.oy0, x.ox0, g * p->filter_in_c, col0);
        an_conv_im2col8_mve(p, w.in, x.oy1, x.ox1, g * p->filter_in_c, col1);
        const int32_t oc = g * per_group;
        an_conv_deep_2px_mve(p, &sg, filter + oc * k4, col0, col1, k, channel + 3 * oc, per_group, out0 + oc, x.out1,
                             right);
      }
    }
  }
}

// an_conv1x1_s8 on Helium where K = in_c <= 32 (an_conv_small_2px_mve on the input pixels in place; halves and right
// constant in each copy: an_conv1x1_small_any_mve).
static inline __attribute__((always_inline)) void an_conv1x1_small_mve(const an_conv_params *p, const int8_t *input,
                                                                       const int8_t *filter, const int32_t *channel,
                                                                       int8_t *output, int halves, int right) {
  const int32_t n = p->in_c, out_c = p->out_c, out_w = p->out_w;
  const int32_t pixels = p->out_h * out_w;
  an_conv_small_mve sg;
  an_conv_small_params_mve(p, n, 0, &sg);
  const an_conv_walk start = an_conv_walk_start(p, input);
  for (int32_t b = 0; b < p->batches; ++b) {
    an_conv_walk w = an_conv_walk_batch(&start, b);
    int8_t *out0 = output + b * pixels * out_c;
    for (int32_t pix = 0; pix < pixels; pix += 2, out0 += 2 * out_c) {
      const an_conv_pair x = an_conv_walk_pair(&w, pix, pixels, out_c);
      an_conv_small_2px_mve(p, &sg, filter, channel, x.x0, x.x1, n, halves, out0, x.out1, right);
    }
  }
}

static void __attribute__((noinline))
an_conv1x1_small_any_mve(const an_conv_params *p, const int8_t *input, const int8_t *filter, const int32_t *channel,
                         int8_t *output, int halves, int right) {
  // right: 2 every shift negative (a copy with the assembly quads), else an_conv_right_shifts' 1 or 0
  if (halves == 1) {
    if (right == 2) {
      an_conv1x1_small_mve(p, input, filter, channel, output, 1, 2);
    } else {
      an_conv1x1_small_mve(p, input, filter, channel, output, 1, right);
    }
  } else if (right == 2) {
    an_conv1x1_small_mve(p, input, filter, channel, output, 2, 2);
  } else {
    an_conv1x1_small_mve(p, input, filter, channel, output, 2, right);
  }
}

// an_conv1x1_s8 on Helium: the columns are the input pixels themselves.
static void an_conv1x1_s8_mve(const an_conv_params *p, const int8_t *input, const int8_t *filter,
                              const int32_t *channel, int8_t *output) {
  const int32_t n = p->in_c, out_c = p->out_c, out_w = p->out_w;
  const int32_t pixels = p->out_h * out_w;
  const int right = an_conv_right_shifts(channel, out_c);
  if (n <= 32) {
    an_conv1x1_small_any_mve(p, input, filter, channel, output, n <= 16 ? 1 : 2, right);
    return;
  }
  an_conv_small_mve sg;
  an_conv_small_params_mve(p, n, 0, &sg);
  const an_conv_walk start = an_conv_walk_start(p, input);
  for (int32_t b = 0; b < p->batches; ++b) {
    an_conv_walk w = an_conv_walk_batch(&start, b);
    int8_t *out0 = output + b * pixels * out_c;
    for (int32_t pix = 0; pix < pixels; pix += 2, out0 += 2 * out_c) {
      const an_conv_pair x = an_conv_walk_pair(&w, pix, pixels, out_c);
      an_conv_deep_2px_mve(p, &sg, filter, x.x0, x.x1, n, channel, out_c, out0, x.out1, right);
    }
  }
}

void an_conv2d_s8(const an_conv_params *p, const int8_t *input, const int8_t *filter, const int32_t *channel,
                  int8_t *output, int16_t *scratch) {
  an_conv2d_s8_mve(p, input, filter, channel, output, scratch);
}

void an_conv1x1_s8(const an_conv_params *p, const int8_t *input, const int8_t *filter, const int32_t *channel,
                   int8_t *output, int16_t *scratch) {
  (void)scratch;
  an_conv1x1_s8_mve(p, input, filter, channel, output);
}
#endif
