// attendnets compiled runtime: int8 1x1 CONV_2D with int16 filters (an_conv.h's _w16): an_conv1x1_s8_w16 on
// DSP cores (elsewhere an_conv.c's) and an_conv1x1_s8_prepared_w16 (its DSP variants an_pw_*, an_pq_*, an_p4_*,
// and its plain-C loop).  Bit-exact with TFLM's reference_integer_ops::ConvPerChannel.
#include "an_conv.h"

#include "an_conv_internal.h"

#if AN_USE_DSP && !AN_USE_MVE
// ---- 1x1 with int16 filters on DSP cores (an_conv1x1_s8_w16) ----
//
// Per pixel pair both input pixels are widened once (an_pw_widen2: the an_widen_s8_pair layout) and
// serve every output channel.  The channels go in groups of three (the AN_CONV_W16 layout): a 3x2
// block of dot products, per two values two column words and three filter words loaded in a row (the
// Cortex-M4 pipelines a load behind a load: six cycles) and six SMLAD, 12 MACs; then the group's six
// requantizations (an_out_s8_right_shift's SMMLAR arithmetic where the shift is negative), the
// activation's clamps only where its range is narrower than int8 (else SSAT's saturation is the
// clamp).  An odd last group of two or one channels takes the same steps.

// The steps of a group as assembly text, one asm statement per run of blocks: GCC keeps the column
// and filter pointers in registers, and each step's loads go in a row (the Cortex-M4 pipelines a load
// behind a load; GCC interleaves them with the multiplies otherwise).  Step S of block H of a group
// of R rows: the values 2S, 2S + 1 of the H-th block of BS values after the pointers (the blocks
// before it all of BS values): the column pair at byte 32 H + 4 (S & 1) + 16 (S >> 1) and 8 after
// it, row r at 2 BS R H + 4 S + 2 BS r.
// clang-format off
#define AN_PW_ASM_COLS(H, S)                                                    \
  "ldr %[c0], [%[c], #(32*" #H "+4*(" #S "&1)+16*(" #S ">>1))]\n\t"             \
  "ldr %[c1], [%[c], #(32*" #H "+4*(" #S "&1)+16*(" #S ">>1)+8)]\n\t"
#define AN_PW_ASM_ROW(R, BS, H, S, r, REG)                                      \
  "ldr %[" #REG "], [%[w], #(2*" #BS "*" #R "*" #H "+4*" #S "+2*" #BS "*" #r ")]\n\t"
#define AN_PW_ASM_MACS(REG, A, B)                                               \
  "smlad %[" #A "], %[" #REG "], %[c0], %[" #A "]\n\t"                          \
  "smlad %[" #B "], %[" #REG "], %[c1], %[" #B "]\n\t"
#define AN_PW_ASM_STEP_1(BS, H, S)                                              \
  AN_PW_ASM_COLS(H, S) AN_PW_ASM_ROW(1, BS, H, S, 0, wa) AN_PW_ASM_MACS(wa, a0, a1)
#define AN_PW_ASM_STEP_2(BS, H, S)                                              \
  AN_PW_ASM_COLS(H, S) AN_PW_ASM_ROW(2, BS, H, S, 0, wa) AN_PW_ASM_ROW(2, BS, H, S, 1, wb) \
  AN_PW_ASM_MACS(wa, a0, a1) AN_PW_ASM_MACS(wb, a2, a3)
#define AN_PW_ASM_STEP_3(BS, H, S)                                              \
  AN_PW_ASM_COLS(H, S) AN_PW_ASM_ROW(3, BS, H, S, 0, wa) AN_PW_ASM_ROW(3, BS, H, S, 1, wb) \
  AN_PW_ASM_ROW(3, BS, H, S, 2, wc) AN_PW_ASM_MACS(wa, a0, a1) AN_PW_ASM_MACS(wb, a2, a3) AN_PW_ASM_MACS(wc, a4, a5)
#define AN_PW_ASM_BLOCK(R, H) \
  AN_PW_ASM_STEP_##R(8, H, 0) AN_PW_ASM_STEP_##R(8, H, 1) AN_PW_ASM_STEP_##R(8, H, 2) AN_PW_ASM_STEP_##R(8, H, 3)
#define AN_PW_ASM(TEXT)                                                                                    \
  __asm__(TEXT                                                                                             \
          : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [a4] "+r"(a4), [a5] "+r"(a5),      \
            [c0] "=&r"(c0), [c1] "=&r"(c1), [wa] "=&r"(wa), [wb] "=&r"(wb), [wc] "=&r"(wc)                 \
          : [c] "r"(c), [w] "r"(w)                                                                         \
          : "memory")

// acc[2r + j] += row r . column j over k4 values for a group of R (1-3) channels at w; returns the
// filter after the group.  k4 constant where inlined: K4 = 8, 16, 24, 32 unrolled whole, else passes
// of 32 values, then (where `rest`: K4 not a multiple of 32) 16, 8, 4.
#define AN_PW_DOT(R)                                                                                   \
  static inline __attribute__((always_inline)) const int16_t *an_pw_dot##R(                            \
      const int16_t *w, const int16_t *c, const int32_t k4, const int rest, int32_t *acc) {            \
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3], a4 = acc[4], a5 = acc[5];              \
    int32_t c0, c1, wa, wb, wc;                                                                        \
    if (__builtin_constant_p(k4) && k4 == 8) {                                                         \
      AN_PW_ASM(AN_PW_ASM_BLOCK(R, 0));                                                                \
    } else if (__builtin_constant_p(k4) && k4 == 16) {                                                 \
      AN_PW_ASM(AN_PW_ASM_BLOCK(R, 0) AN_PW_ASM_BLOCK(R, 1));                                          \
    } else if (__builtin_constant_p(k4) && k4 == 24) {                                                 \
      AN_PW_ASM(AN_PW_ASM_BLOCK(R, 0) AN_PW_ASM_BLOCK(R, 1) AN_PW_ASM_BLOCK(R, 2));                    \
    } else if (__builtin_constant_p(k4) && k4 == 32) {                                                 \
      AN_PW_ASM(AN_PW_ASM_BLOCK(R, 0) AN_PW_ASM_BLOCK(R, 1) AN_PW_ASM_BLOCK(R, 2) AN_PW_ASM_BLOCK(R, 3)); \
    } else {                                                                                           \
      const int16_t *const end32 = c + 2 * (k4 & ~31);                                                 \
      for (; c < end32; c += 64, w += 32 * (R)) {                                                      \
        AN_PW_ASM(AN_PW_ASM_BLOCK(R, 0) AN_PW_ASM_BLOCK(R, 1) AN_PW_ASM_BLOCK(R, 2) AN_PW_ASM_BLOCK(R, 3)); \
      }                                                                                                \
      if (rest) {                                                                                      \
        if (k4 & 16) {                                                                                 \
          AN_PW_ASM(AN_PW_ASM_BLOCK(R, 0) AN_PW_ASM_BLOCK(R, 1));                                      \
          c += 32;                                                                                     \
          w += 16 * (R);                                                                               \
        }                                                                                              \
        if (k4 & 8) {                                                                                  \
          AN_PW_ASM(AN_PW_ASM_BLOCK(R, 0));                                                            \
          c += 16;                                                                                     \
          w += 8 * (R);                                                                                \
        }                                                                                              \
        if (k4 & 4) {                                                                                  \
          AN_PW_ASM(AN_PW_ASM_STEP_##R(4, 0, 0) AN_PW_ASM_STEP_##R(4, 0, 1));                          \
          w += 4 * (R);                                                                                \
        }                                                                                              \
      }                                                                                                \
      acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3, acc[4] = a4, acc[5] = a5;                    \
      return w;                                                                                        \
    }                                                                                                  \
    acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3, acc[4] = a4, acc[5] = a5;                      \
    return w + (R) * k4;                                                                               \
  }
// clang-format on
AN_PW_DOT(1)
AN_PW_DOT(2)
AN_PW_DOT(3)
#undef AN_PW_DOT
#undef AN_PW_ASM
#undef AN_PW_ASM_BLOCK
#undef AN_PW_ASM_STEP_3
#undef AN_PW_ASM_STEP_2
#undef AN_PW_ASM_STEP_1
#undef AN_PW_ASM_MACS
#undef AN_PW_ASM_ROW
#undef AN_PW_ASM_COLS

// The outputs of one channel (ch: {bias, multiplier, shift}) for accumulators acc0 (pixel 0) and acc1
// (pixel 1) without the activation's clamps: an_out_s8_right_shift's arithmetic where the shift is
// negative (round_offset = 1 + 2 * offset, SSAT's saturation to int8), else an_requantize's with them.
static inline __attribute__((always_inline)) void an_pw_out2(an_conv_out_params q, int32_t round_offset,
                                                             const int32_t *ch, int32_t acc0, int32_t acc1, int32_t *r0,
                                                             int32_t *r1) {
  const int32_t m = ch[1], s = ch[2];
  if (__builtin_expect(s < 0, 1)) {
    const int32_t m2 = (int32_t)((uint32_t)m << 1), e1 = ~s;
    int32_t h0, h1;
    __asm__("smmlar %0, %1, %2, %1" : "=r"(h0) : "r"(acc0), "r"(m2));
    __asm__("smmlar %0, %1, %2, %1" : "=r"(h1) : "r"(acc1), "r"(m2));
    h0 = __qadd((h0 + (h0 >> 31)) >> e1, round_offset);
    h1 = __qadd((h1 + (h1 >> 31)) >> e1, round_offset);
    __asm__("ssat %0, #8, %1, asr #1" : "=r"(*r0) : "r"(h0));
    __asm__("ssat %0, #8, %1, asr #1" : "=r"(*r1) : "r"(h1));
  } else {
    *r0 = an_clamp(an_requantize(acc0, m, s) + q.offset, q.lo, q.hi);
    *r1 = an_clamp(an_requantize(acc1, m, s) + q.offset, q.lo, q.hi);
  }
}

// A group of `rows` (1-3) channels by the pixel pair: outputs o0[0..rows) (pixel 0) and
// o0[out1 + 0..rows) (pixel 1); returns the filter after the group.
static inline __attribute__((always_inline)) const int16_t *an_pw_group(an_conv_out_params q, int32_t round_offset,
                                                                        const int16_t *w, const int16_t *cols,
                                                                        const int32_t k4, const int rest,
                                                                        const int32_t *ch, const int32_t rows,
                                                                        int8_t *o0, int32_t out1) {
  int32_t acc[6] = {ch[0], ch[0], 0, 0, 0, 0};
  if (rows > 1) acc[2] = acc[3] = ch[3];
  if (rows > 2) acc[4] = acc[5] = ch[6];
  if (rows == 3) w = an_pw_dot3(w, cols, k4, rest, acc);
  if (rows == 2) w = an_pw_dot2(w, cols, k4, rest, acc);
  if (rows == 1) w = an_pw_dot1(w, cols, k4, rest, acc);
  // Each channel's values are loaded after the previous channel's stores (which may alias them).
  int32_t v0, v1;
  an_pw_out2(q, round_offset, ch, acc[0], acc[1], &v0, &v1);
  o0[0] = (int8_t)v0;
  o0[out1] = (int8_t)v1;
  if (rows > 1) {
    an_pw_out2(q, round_offset, ch + 3, acc[2], acc[3], &v0, &v1);
    o0[1] = (int8_t)v0;
    o0[out1 + 1] = (int8_t)v1;
  }
  if (rows > 2) {
    an_pw_out2(q, round_offset, ch + 6, acc[4], acc[5], &v0, &v1);
    o0[2] = (int8_t)v0;
    o0[out1 + 2] = (int8_t)v1;
  }
  return w;
}

// An odd last group of two or one channels (once per pixel pair, shared by the variants).
static void __attribute__((noinline))
an_pw_tail(an_conv_out_params q, const int16_t *w, const int16_t *cols, int32_t k4, const int32_t *ch, int32_t rows,
           int8_t *o0, int32_t out1) {
  const int32_t round_offset = 1 + 2 * q.offset;
  if (rows == 2) {
    an_pw_group(q, round_offset, w, cols, k4, 1, ch, 2, o0, out1);
  } else {
    an_pw_group(q, round_offset, w, cols, k4, 1, ch, 1, o0, out1);
  }
}

// The activation's clamps of n int8 outputs at o, lo >= -128 and hi <= 127 (clamp(sat8(v)) = clamp(v)
// for such bounds): four at a time with SSUB8 (GE flags: lanes x >= lo, then lanes hi >= x) and SEL.
static void an_pw_clamp(int8_t *o, int32_t n, int32_t lo, int32_t hi) {
  const uint32_t lo4 = (uint32_t)(uint8_t)lo * 0x01010101u, hi4 = (uint32_t)(uint8_t)hi * 0x01010101u;
  for (; n >= 4; n -= 4, o += 4) {
    uint32_t x = an_read_u32(o), t;
    __asm__("ssub8 %0, %1, %2\n\tsel %1, %1, %2" : "=&r"(t), "+r"(x) : "r"(lo4) : "cc");
    __asm__("ssub8 %0, %2, %1\n\tsel %1, %1, %2" : "=&r"(t), "+r"(x) : "r"(hi4) : "cc");
    memcpy(o, &x, 4);
  }
  for (; n > 0; --n, ++o) *o = (int8_t)an_clamp(*o, lo, hi);
}

// Input pixels x0, x1 (n values each) widened into the interleaved columns (an_widen_s8_pair).
static inline __attribute__((always_inline)) void an_pw_widen2(const int8_t *x0, const int8_t *x1, int16_t *cols,
                                                               int32_t n) {
  int32_t k = 0;
  for (; k + 4 <= n; k += 4) {
    an_widen_4(x0 + k, cols + 2 * k);
    an_widen_4(x1 + k, cols + 2 * k + 4);
  }
  if (k < n) {
    an_widen_s8_pair(x0 + k, cols, k, 0, n - k);
    an_widen_s8_pair(x1 + k, cols, k, 1, n - k);
  }
}

// an_conv1x1_s8_w16 on a DSP core without the activation's clamps (an_pw_clamp): K4 (0: p's) and rest
// (whether K4 may not be a multiple of 32) constant where inlined.
static inline __attribute__((always_inline)) void an_pw_run(const an_conv_params *p, const int8_t *input,
                                                            const int16_t *filter, const int32_t *channel,
                                                            int8_t *output, int16_t *scratch, const int32_t K4,
                                                            const int rest) {
  const int32_t n = p->in_c, k4 = K4 ? K4 : AN_CONV_K4(n), out_c = p->out_c, out_w = p->out_w;
  const int32_t pixels = p->out_h * out_w;
  const an_conv_out_params q = {p->output_offset, p->act_min, p->act_max};
  const int32_t round_offset = 1 + 2 * q.offset;
  const int32_t groups = out_c / 3, tail = out_c - 3 * groups;
  const int32_t *const groups_end = channel + 9 * groups;
  for (int32_t k = n; k < k4; ++k) scratch[2 * (k & ~3) + (k & 3)] = scratch[2 * (k & ~3) + 4 + (k & 3)] = 0;
  const an_conv_walk start = an_conv_walk_start(p, input);
  for (int32_t b = 0; b < p->batches; ++b) {
    an_conv_walk w = an_conv_walk_batch(&start, b);
    int8_t *out0 = output + b * pixels * out_c;
    for (int32_t pix = 0; pix < pixels; pix += 2, out0 += 2 * out_c) {
      const an_conv_pair x = an_conv_walk_pair(&w, pix, pixels, out_c);
      an_pw_widen2(x.x0, x.x1, scratch, n);
      const int16_t *w = filter;
      const int32_t *ch = channel;
      int8_t *o0 = out0;
      const int32_t out1 = x.out1;
      for (; ch < groups_end; ch += 9, o0 += 3) {
        w = an_pw_group(q, round_offset, w, scratch, k4, rest, ch, 3, o0, out1);
      }
      if (K4 && K4 <= 16) {  // the odd last group inlined where the dot products are short
        if (tail == 2) an_pw_group(q, round_offset, w, scratch, k4, rest, ch, 2, o0, out1);
        if (tail == 1) an_pw_group(q, round_offset, w, scratch, k4, rest, ch, 1, o0, out1);
      } else if (tail) {
        an_pw_tail(q, w, scratch, k4, ch, tail, o0, out1);
      }
    }
  }
}

// The variants an_conv1x1_s8_w16 dispatches to: K4 = 8, 16, 32 (the dot products unrolled whole; with
// `rest` for builds that do not propagate the constant, -O0), K4 a multiple of 32, any K4.
#define AN_PW_VARIANT(NAME, K4, REST)                                                                             \
  static void __attribute__((noinline)) NAME(const an_conv_params *p, const int8_t *input, const int16_t *filter, \
                                             const int32_t *channel, int8_t *output, int16_t *scratch) {          \
    an_pw_run(p, input, filter, channel, output, scratch, K4, REST);                                              \
  }
AN_PW_VARIANT(an_pw_k8, 8, 1)
AN_PW_VARIANT(an_pw_k16, 16, 1)
AN_PW_VARIANT(an_pw_k32, 32, 1)
AN_PW_VARIANT(an_pw_k32n, 0, 0)
AN_PW_VARIANT(an_pw_any, 0, 1)
#undef AN_PW_VARIANT

// ---- an_conv1x1_s8_prepared_w16 on DSP cores: the requantization prepared at generation time ----
//
// The same pixel pairs, groups of three channels and 3x2 dot products (an_pw_dot3/2/1) on doubled filter
// values, so that each accumulator holds a = 2 * acc; per channel {2 * bias, m, kc, e} (an_conv.h).  Each
// output is four instructions and its store: SMMLAR g = kc - [a < 0] + round(a * m / 2^32), then
// SSAT(g >> e, 8): no shift test, no doubling of m, no separate offset and rounding steps (an_pq_out2,
// an_conv_internal.h).

// A group of `rows` (1-3) channels by the pixel pair (an_pw_group with the prepared records).
static inline __attribute__((always_inline)) const int16_t *an_pq_group(const int16_t *w, const int16_t *cols,
                                                                        const int32_t k4, const int rest,
                                                                        const int32_t *ch, const int32_t rows,
                                                                        int8_t *o0, int32_t out1) {
  int32_t acc[6] = {ch[0], ch[0], 0, 0, 0, 0};
  if (rows > 1) acc[2] = acc[3] = ch[4];
  if (rows > 2) acc[4] = acc[5] = ch[8];
  if (rows == 3) w = an_pw_dot3(w, cols, k4, rest, acc);
  if (rows == 2) w = an_pw_dot2(w, cols, k4, rest, acc);
  if (rows == 1) w = an_pw_dot1(w, cols, k4, rest, acc);
  an_pq_out2(ch, acc[0], acc[1], o0, o0 + out1);
  if (rows > 1) an_pq_out2(ch + 4, acc[2], acc[3], o0 + 1, o0 + out1 + 1);
  if (rows > 2) an_pq_out2(ch + 8, acc[4], acc[5], o0 + 2, o0 + out1 + 2);
  return w;
}

// An odd last group of two or one channels (once per pixel pair, shared by the variants).
static void __attribute__((noinline)) an_pq_tail(const int16_t *w, const int16_t *cols, int32_t k4, const int32_t *ch,
                                                 int32_t rows, int8_t *o0, int32_t out1) {
  if (rows == 2) {
    an_pq_group(w, cols, k4, 1, ch, 2, o0, out1);
  } else {
    an_pq_group(w, cols, k4, 1, ch, 1, o0, out1);
  }
}

// an_conv1x1_s8_prepared_w16 on a DSP core without the activation's clamps: K4 (0: p's) and rest as an_pw_run.
static inline __attribute__((always_inline)) void an_pq_run(const an_conv_params *p, const int8_t *input,
                                                            const int16_t *filter, const int32_t *channel,
                                                            int8_t *output, int16_t *scratch, const int32_t K4,
                                                            const int rest) {
  const int32_t n = p->in_c, k4 = K4 ? K4 : AN_CONV_K4(n), out_c = p->out_c, out_w = p->out_w;
  const int32_t pixels = p->out_h * out_w;
  const int32_t groups = out_c / 3, tail = out_c - 3 * groups;
  const int32_t *const groups_end = channel + 12 * groups;
  // Stride 1: the output pixels are the input pixels, every batch's after the last (one run).
  const int contiguous = p->stride_w == 1 && p->stride_h == 1;
  const int32_t runs = contiguous ? 1 : p->batches, run_pixels = contiguous ? p->batches * pixels : pixels;
  for (int32_t k = n; k < k4; ++k) scratch[2 * (k & ~3) + (k & 3)] = scratch[2 * (k & ~3) + 4 + (k & 3)] = 0;
  const an_conv_walk start = an_conv_walk_start(p, input);
  for (int32_t b = 0; b < runs; ++b) {
    an_conv_walk walk = an_conv_walk_batch(&start, b);
    int8_t *out0 = output + b * pixels * out_c;
    for (int32_t pix = 0; pix < run_pixels; pix += 2, out0 += 2 * out_c) {
      const int two = pix + 1 < run_pixels;
      const int8_t *x0, *x1;
      if (contiguous) {
        x0 = input + pix * n;
        x1 = two ? x0 + n : x0;
      } else {
        const an_conv_pair x = an_conv_walk_pair(&walk, pix, run_pixels, out_c);
        x0 = x.x0, x1 = x.x1;
      }
      if (K4 && n == K4) {
        an_pw_widen2(x0, x1, scratch, K4);  // unrolled
      } else {
        an_pw_widen2(x0, x1, scratch, n);
      }
      const int16_t *w = filter;
      const int32_t *ch = channel;
      int8_t *o0 = out0;
      const int32_t out1 = two ? out_c : 0;
      for (; ch < groups_end; ch += 12, o0 += 3) w = an_pq_group(w, scratch, k4, rest, ch, 3, o0, out1);
      if (K4 && K4 <= 16) {  // the odd last group inlined where the dot products are short
        if (tail == 2) an_pq_group(w, scratch, k4, rest, ch, 2, o0, out1);
        if (tail == 1) an_pq_group(w, scratch, k4, rest, ch, 1, o0, out1);
      } else if (tail) {
        an_pq_tail(w, scratch, k4, ch, tail, o0, out1);
      }
    }
  }
}

// ---- Four pixels by two channels (an_conv1x1_s8_prepared_w16 where AN_CONV_PREPARED_PAIRS: stride 1) ----
//
// Its dot products take 14 registers, which an unoptimised build (-O0, its frame pointer) does not leave: there
// the pairs layout goes to the plain-C loop.
#if defined(__OPTIMIZE__)
#define AN_P4 1
//
// The filter in groups of two rows (AN_CONV_W16_PAIRS, an_conv.h): per block of eight values row a's, then row
// b's (a last block of four values each where in_c % 8 == 4), each block of four in the order 0 2 1 3.  Four
// consecutive pixels are widened into a column buffer on the stack (8 * in_c bytes, no scratch): per four values q
// of two pixels j, j + 1 two loads, four SXTB16 ((x0, x2): h = 0, (x1, x3): h = 1) and two STRD, pixel j's half h
// at word 8 q + 4 h + j, so that the words of pixels 2 and 3 of a step are one LDRD.  Per two values the 2x4 block
// of dot products is two filter and two column words loaded in a row (five cycles), four SMLAD, one LDRD of the
// other two column words (three cycles), four SMLAD: 16 MACs in 16 cycles and 13 instructions, each channel's
// requantization values serving four outputs, each pixel's two outputs going out in one STRH.

// clang-format off
// Step S (values 2S, 2S + 1 of the block order) of a pair of rows (ROWS 2: a0-a3 row a, b0-b3 row b) or of one
// row (ROWS 1: a0-a3), the pixels' column words at byte 32 (S >> 1) + 16 (S & 1) + 4 j; the rows' words at byte
// FA (row a) and FB (row b) of the filter pointer: AN_P4_FA/FB in blocks of eight values, AN_P4_FA/FB_H in a
// last block of four (the H variants of the steps), AN_P4_F1(_H) for one row.
#define AN_P4_C(S) "(32*(" #S ">>1)+16*(" #S "&1))"
#define AN_P4_FA(S) "(32*(" #S ">>2)+4*(" #S "&3))"
#define AN_P4_FB(S) "(32*(" #S ">>2)+4*(" #S "&3)+16)"
#define AN_P4_FA_H(S) "(4*" #S ")"
#define AN_P4_FB_H(S) "(4*" #S "+8)"
#define AN_P4_F1(S) "(16*(" #S ">>2)+4*(" #S "&3))"
#define AN_P4_STEP2_AT(S, FA, FB)                                                              \
  "ldr %[f0], [%[w], #" FA "]\n\tldr %[f1], [%[w], #" FB "]\n\t"                               \
  "ldr %[x0], [%[c], #" AN_P4_C(S) "]\n\tldr %[x1], [%[c], #(" AN_P4_C(S) "+4)]\n\t"           \
  "smlad %[a0], %[f0], %[x0], %[a0]\n\tsmlad %[b0], %[f1], %[x0], %[b0]\n\t"                   \
  "smlad %[a1], %[f0], %[x1], %[a1]\n\tsmlad %[b1], %[f1], %[x1], %[b1]\n\t"                   \
  "ldrd %[x0], %[x1], [%[c], #(" AN_P4_C(S) "+8)]\n\t"                                         \
  "smlad %[a2], %[f0], %[x0], %[a2]\n\tsmlad %[b2], %[f1], %[x0], %[b2]\n\t"                   \
  "smlad %[a3], %[f0], %[x1], %[a3]\n\tsmlad %[b3], %[f1], %[x1], %[b3]\n\t"
#define AN_P4_STEP1_AT(S, F)                                                                   \
  "ldr %[f0], [%[w], #" F "]\n\t"                                                              \
  "ldr %[x0], [%[c], #" AN_P4_C(S) "]\n\tldr %[x1], [%[c], #(" AN_P4_C(S) "+4)]\n\t"           \
  "ldr %[f1], [%[c], #(" AN_P4_C(S) "+8)]\n\tldr %[b0], [%[c], #(" AN_P4_C(S) "+12)]\n\t"      \
  "smlad %[a0], %[f0], %[x0], %[a0]\n\tsmlad %[a1], %[f0], %[x1], %[a1]\n\t"                   \
  "smlad %[a2], %[f0], %[f1], %[a2]\n\tsmlad %[a3], %[f0], %[b0], %[a3]\n\t"
// The same for the last one or two pixels (pixels 0 and 1 only): ROWS 2P, 1P.
#define AN_P4_STEP2P_AT(S, FA, FB)                                                             \
  "ldr %[f0], [%[w], #" FA "]\n\tldr %[f1], [%[w], #" FB "]\n\t"                               \
  "ldr %[x0], [%[c], #" AN_P4_C(S) "]\n\tldr %[x1], [%[c], #(" AN_P4_C(S) "+4)]\n\t"           \
  "smlad %[a0], %[f0], %[x0], %[a0]\n\tsmlad %[b0], %[f1], %[x0], %[b0]\n\t"                   \
  "smlad %[a1], %[f0], %[x1], %[a1]\n\tsmlad %[b1], %[f1], %[x1], %[b1]\n\t"
#define AN_P4_STEP1P_AT(S, F)                                                                  \
  "ldr %[f0], [%[w], #" F "]\n\t"                                                              \
  "ldr %[x0], [%[c], #" AN_P4_C(S) "]\n\tldr %[x1], [%[c], #(" AN_P4_C(S) "+4)]\n\t"           \
  "smlad %[a0], %[f0], %[x0], %[a0]\n\tsmlad %[a1], %[f0], %[x1], %[a1]\n\t"
#define AN_P4_STEP_2(S) AN_P4_STEP2_AT(S, AN_P4_FA(S), AN_P4_FB(S))
#define AN_P4_STEP_2H(S) AN_P4_STEP2_AT(S, AN_P4_FA_H(S), AN_P4_FB_H(S))
#define AN_P4_STEP_1(S) AN_P4_STEP1_AT(S, AN_P4_F1(S))
#define AN_P4_STEP_1H(S) AN_P4_STEP1_AT(S, AN_P4_FA_H(S))
#define AN_P4_STEP_2P(S) AN_P4_STEP2P_AT(S, AN_P4_FA(S), AN_P4_FB(S))
#define AN_P4_STEP_2PH(S) AN_P4_STEP2P_AT(S, AN_P4_FA_H(S), AN_P4_FB_H(S))
#define AN_P4_STEP_1P(S) AN_P4_STEP1P_AT(S, AN_P4_F1(S))
#define AN_P4_STEP_1PH(S) AN_P4_STEP1P_AT(S, AN_P4_FA_H(S))
#define AN_P4_STEPS4(R, S) AN_P4_STEP_##R((S)) AN_P4_STEP_##R((S + 1)) AN_P4_STEP_##R((S + 2)) AN_P4_STEP_##R((S + 3))
#define AN_P4_STEPS_4(R) AN_P4_STEP_##R##H((0)) AN_P4_STEP_##R##H((1))
#define AN_P4_STEPS_8(R) AN_P4_STEPS4(R, 0)
#define AN_P4_STEPS_16(R) AN_P4_STEPS4(R, 0) AN_P4_STEPS4(R, 4)
#define AN_P4_STEPS_24(R) AN_P4_STEPS4(R, 0) AN_P4_STEPS4(R, 4) AN_P4_STEPS4(R, 8)
#define AN_P4_STEPS_32(R) AN_P4_STEPS4(R, 0) AN_P4_STEPS4(R, 4) AN_P4_STEPS4(R, 8) AN_P4_STEPS4(R, 12)
#define AN_P4_ASM(TEXT)                                                                                 \
  __asm__(TEXT                                                                                          \
          : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [b0] "+r"(b0), [b1] "+r"(b1),   \
            [b2] "+r"(b2), [b3] "+r"(b3), [f0] "=&r"(f0), [f1] "=&r"(f1), [x0] "=&r"(x0), [x1] "=&r"(x1) \
          : [c] "r"(c), [w] "r"(w)                                                                      \
          : "memory")
// clang-format on

// One output of record ch for accumulator a (an_pq_out2's arithmetic).
static inline __attribute__((always_inline)) int32_t an_p4_out(int32_t a, int32_t m, int32_t kc, int32_t e) {
  int32_t g, r;
  __asm__("smmlar %0, %1, %2, %3" : "=r"(g) : "r"(a), "r"(m), "r"(kc + (a >> 31)));
  __asm__("ssat %0, #8, %1" : "=r"(r) : "r"(g >> e));
  return r;
}

// Row a's output (low byte) and row b's (high byte) of one pixel as a halfword at o.
static inline __attribute__((always_inline)) void an_p4_store2(int8_t *o, int32_t ra, int32_t rb) {
  __asm__("bfi %0, %1, #8, #24" : "+r"(ra) : "r"(rb));
  const int16_t h = (int16_t)ra;
  memcpy(o, &h, 2);
}

// a0-a3 (row a) and b0-b3 (row b; R 2, 2P) += the rows . the four pixels' columns (R 2, 1) or the first two's
// (R 2P, 1P) over K4 values (0: k4, any multiple of four: passes of 32, then 16, 8, 4); N rows at w, the columns
// at c.  A pass of the values STEPS at cc and ww, which it advances by CB and WB bytes (the next pass's); the last
// block of four values at cc and ww (AN_P4_TAIL, which advances nothing: with the advancing form GCC -Og found no
// registers).
// clang-format off
#define AN_P4_PASS(STEPS, CB, WB)                                                                                    \
  __asm__(STEPS "add %[c], %[c], #" #CB "\n\tadd %[w], %[w], #" #WB                                                  \
          : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [b0] "+r"(b0), [b1] "+r"(b1), [b2] "+r"(b2), \
            [b3] "+r"(b3), [f0] "=&r"(f0), [f1] "=&r"(f1), [x0] "=&r"(x0), [x1] "=&r"(x1), [c] "+r"(cc), [w] "+r"(ww) \
          :                                                                                                          \
          : "memory")
#define AN_P4_TAIL(TEXT)                                                                                \
  __asm__(TEXT                                                                                          \
          : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [b0] "+r"(b0), [b1] "+r"(b1),   \
            [b2] "+r"(b2), [b3] "+r"(b3), [f0] "=&r"(f0), [f1] "=&r"(f1), [x0] "=&r"(x0), [x1] "=&r"(x1) \
          : [c] "r"(cc), [w] "r"(ww)                                                                    \
          : "memory")
#define AN_P4_DOT(R, N)                                                      \
  do {                                                                       \
    if (K4 == 8) AN_P4_ASM(AN_P4_STEPS_8(R));                                \
    if (K4 == 16) AN_P4_ASM(AN_P4_STEPS_16(R));                              \
    if (K4 == 24) AN_P4_ASM(AN_P4_STEPS_24(R));                              \
    if (K4 == 32) AN_P4_ASM(AN_P4_STEPS_32(R));                              \
    if (!K4 && !rest) {                                                      \
      const int32_t *cc = c;                                                 \
      const int16_t *ww = w, *const w_end = w + (N) * k4;                    \
      do {                                                                   \
        AN_P4_PASS(AN_P4_STEPS_32(R), 256, 64 * N);                          \
      } while (ww < w_end);                                                  \
    }                                                                        \
    if (!K4 && rest) {                                                       \
      const int32_t *cc = c;                                                 \
      const int16_t *ww = w, *const w32_end = w + (N) * (k4 & ~31);          \
      while (ww < w32_end) AN_P4_PASS(AN_P4_STEPS_32(R), 256, 64 * N);       \
      if (k4 & 16) AN_P4_PASS(AN_P4_STEPS_16(R), 128, 32 * N);               \
      if (k4 & 8) AN_P4_PASS(AN_P4_STEPS_8(R), 64, 16 * N);                  \
      if (k4 & 4) AN_P4_TAIL(AN_P4_STEPS_4(R));                              \
    }                                                                        \
  } while (0)
// clang-format on

// The outputs of a pair of channels (records {2 * bias, m, kc, e} at ch) for four consecutive pixels from their
// accumulators a0-a3 (row a) and b0-b3 (row b): an_p4_out's arithmetic (m, kc, e in three registers per row, t the
// sign-corrected kc) and an_p4_store2's halfword per pixel at o + j * out_c (ch, o and out_c from the stack: 12
// registers; with 13 or 14, GCC's -O1 / hard-float allocations found no registers for them).
// clang-format off
#define AN_P4_RQ(A)                                                                                        \
  "add %[t], %[k], %[" #A "], asr #31\n\tsmmlar %[" #A "], %[" #A "], %[m], %[t]\n\t"                     \
  "asr %[" #A "], %[" #A "], %[e]\n\tssat %[" #A "], #8, %[" #A "]\n\t"
#define AN_P4_OUT4()                                                                                       \
  __asm__ volatile("ldr %[m], [%[ch], #4]\n\tldr %[k], [%[ch], #8]\n\tldr %[e], [%[ch], #12]\n\t"        \
                   AN_P4_RQ(a0) AN_P4_RQ(a1) AN_P4_RQ(a2) AN_P4_RQ(a3)                                     \
                   "ldr %[m], [%[ch], #20]\n\tldr %[k], [%[ch], #24]\n\tldr %[e], [%[ch], #28]\n\t"      \
                   AN_P4_RQ(b0) AN_P4_RQ(b1) AN_P4_RQ(b2) AN_P4_RQ(b3)                                     \
                   "ldr %[m], %[s]\n\tldr %[k], %[o]\n\t"                                                \
                   "bfi %[a0], %[b0], #8, #24\n\tstrh %[a0], [%[k]]\n\t"                                  \
                   "bfi %[a1], %[b1], #8, #24\n\tstrh %[a1], [%[k], %[m]]\n\t"                            \
                   "add %[e], %[k], %[m], lsl #1\n\t"                                                     \
                   "bfi %[a2], %[b2], #8, #24\n\tstrh %[a2], [%[e]]\n\t"                                  \
                   "bfi %[a3], %[b3], #8, #24\n\tstrh %[a3], [%[e], %[m]]\n\t"                            \
                   "add %[k], %[k], #2\n\tstr %[k], %[o]"                                                  \
                   : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [b0] "+r"(b0),            \
                     [b1] "+r"(b1), [b2] "+r"(b2), [b3] "+r"(b3), [m] "=&r"(m), [k] "=&r"(k), [e] "=&r"(e), \
                     [t] "=&r"(t), [o] "+m"(o_mem)                                                         \
                   : [ch] "r"(ch), [s] "m"(s_mem)                                                          \
                   : "memory")

// The whole channel-pair loop of four consecutive pixels at K4 = 8, 16, 24 or 32 in one asm statement
// (AN_P4_LOOP): per pair the dot products (its first step adds row a's and row b's bias, a0 and b0 on entry,
// into all four accumulators: no copies), the requantization of AN_P4_OUT4 with the records at c (m, kc, e, t in
// f0, f1, x0, x1), the four halfword stores, then the next pair's biases; the records pointer, the output pointer,
// the pixel stride, the filter's end and the columns' address on the stack (14 registers).  Three of the six
// stores right after a load (one cycle, where behind a store or an ALU instruction it takes two: TRM 3.3.2,
// docs/timing.md): the first two STRH behind the frame loads, the third behind the next pair's bias loads; the
// columns' address loaded into b1 (free after the BFI) and moved into c at the end.
#define AN_P4_FIRST                                                                                         \
  "ldr %[f0], [%[w]]\n\tldr %[f1], [%[w], #16]\n\tldr %[x0], [%[c], #4]\n\tldr %[x1], [%[c], #8]\n\t"      \
  "smlad %[a1], %[f0], %[x0], %[a0]\n\tsmlad %[b1], %[f1], %[x0], %[b0]\n\t"                             \
  "smlad %[a2], %[f0], %[x1], %[a0]\n\tsmlad %[b2], %[f1], %[x1], %[b0]\n\t"                             \
  "ldr %[x0], [%[c], #12]\n\tldr %[x1], [%[c]]\n\t"                                                       \
  "smlad %[a3], %[f0], %[x0], %[a0]\n\tsmlad %[b3], %[f1], %[x0], %[b0]\n\t"                             \
  "smlad %[a0], %[f0], %[x1], %[a0]\n\tsmlad %[b0], %[f1], %[x1], %[b0]\n\t"
#define AN_P4_REST_8 AN_P4_STEP_2((1)) AN_P4_STEP_2((2)) AN_P4_STEP_2((3))
#define AN_P4_REST_16 AN_P4_REST_8 AN_P4_STEPS4(2, 4)
#define AN_P4_REST_24 AN_P4_REST_16 AN_P4_STEPS4(2, 8)
#define AN_P4_REST_32 AN_P4_REST_24 AN_P4_STEPS4(2, 12)
#define AN_P4_LRQ(A)                                                                                       \
  "add %[x1], %[f1], %[" #A "], asr #31\n\tsmmlar %[" #A "], %[" #A "], %[f0], %[x1]\n\t"                 \
  "asr %[" #A "], %[" #A "], %[x0]\n\tssat %[" #A "], #8, %[" #A "]\n\t"
// The dot products of in_c = k4 >= 32 (K4 0): a first pass of 32 values, further passes of 32 (up to the columns
// address c32e), then (REST: AN_P4_REST_ANY) 16, 8 and 4 values as k4's bits say; each advances c and w.
// The first pass (the biases added), then to label 3 where no 32 values are left.
#define AN_P4_PASS_1                                                                                       \
  AN_P4_FIRST AN_P4_REST_32 "add %[c], %[c], #256\n\tadd %[w], %[w], #128\n\t"                             \
  "ldr %[x0], %[c32e]\n\tcmp %[c], %[x0]\n\tbeq 3f\n\t"
#define AN_P4_PASSES_32                                                                                    \
  AN_P4_PASS_1 ".p2align 2\n2:\n\t" AN_P4_STEPS_32(2) "add %[c], %[c], #256\n\tadd %[w], %[w], #128\n\t"          \
  "ldr %[x0], %[c32e]\n\tcmp %[c], %[x0]\n\tbne 2b\n\t3:\n\t"
// in_c a multiple of 32 (K4 0, no tail: an_p4_k32n, from 160 on where AN_P5_LAYER does not take the layer): after
// the first pass of 32 values (its end test a SUBS: x0 the bytes of columns left, 256 per 32 values), passes of
// 128 values (four of 32 at c + 0, 256, 512, 768: LDRD's reach ends at 1020), the first entered at the part
// that leaves a whole number of them: where k passes of 32 are left over (k = x0 / 256 mod 4: LSLS #23 puts x0's
// bit 9 in C and bit 8 in N), c and w step back by 4 - k parts (256 and 128 bytes each) and the pass starts at part
// 4 - k.  A quarter of passes of 32's loop control (about 7 cycles and 5 instructions a pass), the entry 3
// instructions (k 0) or 6.
#define AN_P4_PASSES_128                                                                                   \
  AN_P4_FIRST AN_P4_REST_32 "add %[c], %[c], #256\n\tadd %[w], %[w], #128\n\t"                             \
  "ldr %[x0], %[c32e]\n\tsubs %[x0], %[x0], %[c]\n\tbeq 3f\n\t"                                          \
  "lsls %[x0], %[x0], #23\n\tbcs 8f\n\tbpl 2f\n\t"                                                      \
  "sub %[c], %[c], #768\n\tsub %[w], %[w], #384\n\tb 13f\n\t"                                            \
  "8:\n\tbmi 7f\n\tsub %[c], %[c], #512\n\tsub %[w], %[w], #256\n\tb 12f\n\t"                           \
  "7:\n\tsub %[c], %[c], #256\n\tsub %[w], %[w], #128\n\tb 11f\n\t"                                     \
  ".p2align 2\n2:\n\t" AN_P4_STEPS_32(2) "11:\n\t" AN_P4_STEPS4(2, 16) AN_P4_STEPS4(2, 20)                 \
  AN_P4_STEPS4(2, 24) AN_P4_STEPS4(2, 28) "12:\n\t" AN_P4_STEPS4(2, 32) AN_P4_STEPS4(2, 36)                  \
  AN_P4_STEPS4(2, 40) AN_P4_STEPS4(2, 44) "13:\n\t" AN_P4_STEPS4(2, 48) AN_P4_STEPS4(2, 52)                  \
  AN_P4_STEPS4(2, 56) AN_P4_STEPS4(2, 60) "add %[c], %[c], #1024\n\tadd %[w], %[w], #512\n\t"             \
  "ldr %[x0], %[c32e]\n\tcmp %[c], %[x0]\n\tbne 2b\n\t3:\n\t"
// The tail of a filter row after its passes of 32 values: 16, 8 and 4 values where K4 has those bits (STEPS16,
// STEPS8, STEPS4: the pixel block's steps over that many values).
#define AN_PX_REST_ANY(STEPS16, STEPS8, STEPS4)                                                          \
  "ldr %[x0], %[k4m]\n\ttst %[x0], #16\n\tbeq 4f\n\t" STEPS16                                               \
  "add %[c], %[c], #128\n\tadd %[w], %[w], #64\n\t4:\n\t"                                                 \
  "ldr %[x0], %[k4m]\n\ttst %[x0], #8\n\tbeq 5f\n\t" STEPS8                                                 \
  "add %[c], %[c], #64\n\tadd %[w], %[w], #32\n\t5:\n\t"                                                  \
  "ldr %[x0], %[k4m]\n\ttst %[x0], #4\n\tbeq 6f\n\t" STEPS4 "add %[w], %[w], #16\n\t6:\n\t"
#define AN_P4_REST_ANY AN_PX_REST_ANY(AN_P4_STEPS_16(2), AN_P4_STEPS_8(2), AN_P4_STEPS_4(2))
#define AN_P4_LOOP(DOT)                                                                                      \
  __asm__ volatile(".p2align 2\n1:\n\t" DOT                                                                              \
                   "ldr %[c], %[chm]\n\t"                                                                   \
                   "ldr %[f0], [%[c], #4]\n\tldr %[f1], [%[c], #8]\n\tldr %[x0], [%[c], #12]\n\t"          \
                   AN_P4_LRQ(a0) AN_P4_LRQ(a1) AN_P4_LRQ(a2) AN_P4_LRQ(a3)                                 \
                   "ldr %[f0], [%[c], #20]\n\tldr %[f1], [%[c], #24]\n\tldr %[x0], [%[c], #28]\n\t"        \
                   AN_P4_LRQ(b0) AN_P4_LRQ(b1) AN_P4_LRQ(b2) AN_P4_LRQ(b3)                                 \
                   "bfi %[a0], %[b0], #8, #24\n\tbfi %[a1], %[b1], #8, #24\n\t"                              \
                   "bfi %[a2], %[b2], #8, #24\n\tbfi %[a3], %[b3], #8, #24\n\t"                              \
                   "ldr %[f0], %[om]\n\tldr %[f1], %[sm]\n\tstrh %[a1], [%[f0], %[f1]]\n\t"                \
                   "add %[x1], %[f0], %[f1], lsl #1\n\tldr %[x0], %[wem]\n\tstrh %[a0], [%[f0]], #2\n\t"     \
                   "add %[c], %[c], #32\n\tldr %[b1], %[cm]\n\tstr %[c], %[chm]\n\t"                       \
                   "cmp %[w], %[x0]\n\titt ne\n\tldrne %[a0], [%[c]]\n\tldrne %[b0], [%[c], #16]\n\t"      \
                   "strh %[a2], [%[x1]]\n\tstrh %[a3], [%[x1], %[f1]]\n\tstr %[f0], %[om]\n\t"              \
                   "mov %[c], %[b1]\n\tbne 1b"                                                              \
                   : [a0] "+r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [b0] "+r"(b0),          \
                     [b1] "=&r"(b1), [b2] "=&r"(b2), [b3] "=&r"(b3), [f0] "=&r"(f0), [f1] "=&r"(f1),        \
                     [x0] "=&r"(x0), [x1] "=&r"(x1), [w] "+r"(w), [c] "+r"(cc), [chm] "+m"(ch_mem),         \
                     [om] "+m"(o_mem)                                                                       \
                   : [sm] "m"(s_mem), [cm] "m"(c_mem), [wem] "m"(w_end_mem), [c32e] "m"(c32_end_mem),       \
                     [k4m] "m"(k4_mem)                                                                      \
                   : "cc", "memory")
// The same loop for three consecutive pixels (AN_P3_LOOP, in_c from 32 on, K4 0: an_p4_run's last blocks where the
// pixel count leaves one or three): per two values five loads (the third pixel's column word in x2) and six SMLAD,
// 12 MACs in 12 cycles; the records pointer in q.
#define AN_P3_STEP_AT(S, FA, FB)                                                                          \
  "ldr %[f0], [%[w], #" FA "]\n\tldr %[f1], [%[w], #" FB "]\n\tldr %[x0], [%[c], #" AN_P4_C(S) "]\n\t"    \
  "ldr %[x1], [%[c], #(" AN_P4_C(S) "+4)]\n\tldr %[x2], [%[c], #(" AN_P4_C(S) "+8)]\n\t"                  \
  "smlad %[a0], %[f0], %[x0], %[a0]\n\tsmlad %[b0], %[f1], %[x0], %[b0]\n\t"                             \
  "smlad %[a1], %[f0], %[x1], %[a1]\n\tsmlad %[b1], %[f1], %[x1], %[b1]\n\t"                             \
  "smlad %[a2], %[f0], %[x2], %[a2]\n\tsmlad %[b2], %[f1], %[x2], %[b2]\n\t"
#define AN_P3_STEP(S) AN_P3_STEP_AT(S, AN_P4_FA(S), AN_P4_FB(S))
#define AN_P3_STEPS4(S) AN_P3_STEP((S)) AN_P3_STEP((S + 1)) AN_P3_STEP((S + 2)) AN_P3_STEP((S + 3))
#define AN_P3_STEPS_16 AN_P3_STEPS4(0) AN_P3_STEPS4(4)
#define AN_P3_FIRST                                                                                         \
  "ldr %[f0], [%[w]]\n\tldr %[f1], [%[w], #16]\n\tldr %[x0], [%[c], #4]\n\tldr %[x1], [%[c], #8]\n\t"      \
  "ldr %[x2], [%[c]]\n\t"                                                                                 \
  "smlad %[a1], %[f0], %[x0], %[a0]\n\tsmlad %[b1], %[f1], %[x0], %[b0]\n\t"                             \
  "smlad %[a2], %[f0], %[x1], %[a0]\n\tsmlad %[b2], %[f1], %[x1], %[b0]\n\t"                             \
  "smlad %[a0], %[f0], %[x2], %[a0]\n\tsmlad %[b0], %[f1], %[x2], %[b0]\n\t"
#define AN_P3_REST_32                                                                                      \
  AN_P3_STEP((1)) AN_P3_STEP((2)) AN_P3_STEP((3)) AN_P3_STEPS4(4) AN_P3_STEPS4(8) AN_P3_STEPS4(12)
#define AN_P3_PASSES_32                                                                                    \
  AN_P3_FIRST AN_P3_REST_32 "add %[c], %[c], #256\n\tadd %[w], %[w], #128\n\t"                             \
  "ldr %[x0], %[c32e]\n\tcmp %[c], %[x0]\n\tbeq 3f\n\t"                                                   \
  ".p2align 2\n2:\n\t" AN_P3_STEPS_16 AN_P3_STEPS4(8) AN_P3_STEPS4(12)                                    \
  "add %[c], %[c], #256\n\tadd %[w], %[w], #128\n\t"                                                      \
  "ldr %[x0], %[c32e]\n\tcmp %[c], %[x0]\n\tbne 2b\n\t3:\n\t"
#define AN_P3_REST_ANY                                                                                     \
  AN_PX_REST_ANY(AN_P3_STEPS_16, AN_P3_STEPS4(0),                                                          \
                 AN_P3_STEP_AT((0), AN_P4_FA_H((0)), AN_P4_FB_H((0)))                                      \
                     AN_P3_STEP_AT((1), AN_P4_FA_H((1)), AN_P4_FB_H((1))))
#define AN_P3_LOOP(DOT)                                                                                      \
  __asm__ volatile(".p2align 2\n1:\n\t" DOT                                                                  \
                   "ldr %[f0], [%[q], #4]\n\tldr %[f1], [%[q], #8]\n\tldr %[x0], [%[q], #12]\n\t"          \
                   AN_P4_LRQ(a0) AN_P4_LRQ(a1) AN_P4_LRQ(a2)                                               \
                   "ldr %[f0], [%[q], #20]\n\tldr %[f1], [%[q], #24]\n\tldr %[x0], [%[q], #28]\n\t"        \
                   AN_P4_LRQ(b0) AN_P4_LRQ(b1) AN_P4_LRQ(b2)                                               \
                   "ldr %[x2], %[om]\n\tldr %[f0], %[sm]\n\t"                                               \
                   "bfi %[a0], %[b0], #8, #24\n\tstrh %[a0], [%[x2]]\n\t"                                  \
                   "bfi %[a1], %[b1], #8, #24\n\tstrh %[a1], [%[x2], %[f0]]\n\t"                           \
                   "add %[x1], %[x2], %[f0], lsl #1\n\t"                                                   \
                   "bfi %[a2], %[b2], #8, #24\n\tstrh %[a2], [%[x1]]\n\t"                                  \
                   "add %[x2], %[x2], #2\n\tstr %[x2], %[om]\n\t"                                          \
                   "add %[q], %[q], #32\n\tldr %[x0], %[wem]\n\tldr %[c], %[cm]\n\t"                       \
                   "cmp %[w], %[x0]\n\titt ne\n\tldrne %[a0], [%[q]]\n\tldrne %[b0], [%[q], #16]\n\t"      \
                   "bne 1b"                                                                                 \
                   : [a0] "+r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [b0] "+r"(b0), [b1] "=&r"(b1),          \
                     [b2] "=&r"(b2), [f0] "=&r"(f0), [f1] "=&r"(f1), [x0] "=&r"(x0), [x1] "=&r"(x1),        \
                     [x2] "=&r"(x2), [w] "+r"(w), [c] "+r"(cc), [q] "+r"(qq), [om] "+m"(o_mem)              \
                   : [sm] "m"(s_mem), [cm] "m"(c_mem), [wem] "m"(w_end_mem), [c32e] "m"(c32_end_mem),       \
                     [k4m] "m"(k4_mem)                                                                      \
                   : "cc", "memory")
// clang-format on

// The output channels of four pixels (four: 1) or of the first two (four: 0) from the columns in cols: outputs of
// pixel j at o + at[j] (a pixel past the last: the last's again; at 0: four consecutive pixels, j * out_c).
static inline __attribute__((always_inline)) void an_p4_channels(const an_conv_params *p, const int16_t *w,
                                                                 const int32_t *ch, const int32_t *c, int8_t *o,
                                                                 const int32_t *at, const int32_t K4, const int rest,
                                                                 const int four) {
  const int32_t out_c = p->out_c, k4 = K4 ? K4 : p->in_c;
  const int32_t *const pairs_end = ch + 8 * (out_c >> 1);
  const int32_t s1 = at ? at[1] : out_c, s2 = at ? at[2] : 2 * out_c, s3 = at ? at[3] : 3 * out_c;
  // Consecutive pixels (AN_P4_OUT4): the output pointer and the pixel stride on the stack (13 registers).
  int8_t *volatile o_mem = o;
  volatile int32_t s_mem = out_c;
  // The whole loop in one asm statement (AN_P4_LOOP); at K4 8-32 the C loop below is then not compiled.
  const int whole = four && !at && (K4 || k4 >= 32);
  if (whole && out_c >= 2) {
    const int32_t *volatile ch_mem = ch;
    const int32_t *volatile c_mem = c;
    const int16_t *volatile w_end_mem = w + 2 * k4 * (out_c >> 1);
    const int32_t *cc = c;
    int32_t a0 = ch[0], b0 = ch[4], a1, a2, a3, b1, b2, b3, f0, f1, x0, x1;
    const int32_t *volatile c32_end_mem = c + 2 * (k4 & ~31);
    volatile int32_t k4_mem = k4;
    if (K4 == 8) AN_P4_LOOP(AN_P4_FIRST AN_P4_REST_8 "add %[w], %[w], #32\n\t");
    if (K4 == 16) AN_P4_LOOP(AN_P4_FIRST AN_P4_REST_16 "add %[w], %[w], #64\n\t");
    if (K4 == 24) AN_P4_LOOP(AN_P4_FIRST AN_P4_REST_24 "add %[w], %[w], #96\n\t");
    if (K4 == 32) AN_P4_LOOP(AN_P4_FIRST AN_P4_REST_32 "add %[w], %[w], #128\n\t");
    if (!K4 && !rest) AN_P4_LOOP(AN_P4_PASSES_128);
    if (!K4 && rest == 1) AN_P4_LOOP(AN_P4_PASSES_32 AN_P4_REST_ANY);
    if (!K4 && rest == 2) AN_P4_LOOP(AN_P4_PASSES_128 AN_P4_REST_ANY);
    (void)a0, (void)a1, (void)a2, (void)a3, (void)b0, (void)b1, (void)b2, (void)b3;
    (void)f0, (void)f1, (void)x0, (void)x1, (void)cc;
    ch = ch_mem;
  }
  for (; !whole && ch < pairs_end; ch += 8, o += 2, w += 2 * k4) {
    int32_t a0 = ch[0], a1 = a0, a2 = a0, a3 = a0, b0 = ch[4], b1 = b0, b2 = b0, b3 = b0, f0, f1, x0, x1;
    if (four) {
      AN_P4_DOT(2, 2);
    } else {
      AN_P4_DOT(2P, 2);
    }
    if (four && !at) {  // consecutive pixels: the requantization and stores in one asm statement (no spills)
      int32_t m, k, e, t;
      AN_P4_OUT4();  // o_mem advanced by two
      continue;
    }
    const int32_t ma = ch[1], ka = ch[2], ea = ch[3];
    a0 = an_p4_out(a0, ma, ka, ea), a1 = an_p4_out(a1, ma, ka, ea);
    if (four) a2 = an_p4_out(a2, ma, ka, ea), a3 = an_p4_out(a3, ma, ka, ea);
    const int32_t mb = ch[5], kb = ch[6], eb = ch[7];
    an_p4_store2(o, a0, an_p4_out(b0, mb, kb, eb));
    an_p4_store2(o + s1, a1, an_p4_out(b1, mb, kb, eb));
    if (four) {
      an_p4_store2(o + s2, a2, an_p4_out(b2, mb, kb, eb));
      an_p4_store2(o + s3, a3, an_p4_out(b3, mb, kb, eb));
    }
  }
  if (four && !at) o = o_mem;
  if (out_c & 1) {  // the odd last channel (f1 and b0 column registers)
    int32_t a0 = ch[0], a1 = a0, a2 = a0, a3 = a0, b0 = 0, b1 = 0, b2 = 0, b3 = 0, f0, f1, x0, x1;
    if (four) {
      AN_P4_DOT(1, 1);
    } else {
      AN_P4_DOT(1P, 1);
    }
    (void)b1, (void)b2, (void)b3;
    const int32_t ma = ch[1], ka = ch[2], ea = ch[3];
    o[0] = (int8_t)an_p4_out(a0, ma, ka, ea);
    o[s1] = (int8_t)an_p4_out(a1, ma, ka, ea);
    if (four) {
      o[s2] = (int8_t)an_p4_out(a2, ma, ka, ea);
      o[s3] = (int8_t)an_p4_out(a3, ma, ka, ea);
    }
  }
}
// The output channels of three consecutive pixels (pixel j at o + j * out_c) from the columns in cols (the
// four-pixel layout, pixel 3's words unused), in_c = k4 >= 32 (an_p4_k32n / an_p4_any: rest).
static inline __attribute__((always_inline)) void an_p3_channels(const an_conv_params *p, const int16_t *w,
                                                                 const int32_t *ch, const int32_t *c, int8_t *o,
                                                                 const int rest) {
  const int32_t out_c = p->out_c, k4 = p->in_c, K4 = 0;
  if (out_c >= 2) {
    int8_t *volatile o_mem = o;
    volatile int32_t s_mem = out_c;
    const int32_t *volatile c_mem = c;
    const int16_t *volatile w_end_mem = w + 2 * k4 * (out_c >> 1);
    const int32_t *volatile c32_end_mem = c + 2 * (k4 & ~31);
    volatile int32_t k4_mem = k4;
    const int32_t *cc = c, *qq = ch;
    int32_t a0 = ch[0], b0 = ch[4], a1, a2, b1, b2, f0, f1, x0, x1, x2;
    if (rest) {
      AN_P3_LOOP(AN_P3_PASSES_32 AN_P3_REST_ANY);
    } else {
      AN_P3_LOOP(AN_P3_PASSES_32);
    }
    (void)a0, (void)a1, (void)a2, (void)b0, (void)b1, (void)b2, (void)f0, (void)f1, (void)x0, (void)x1, (void)x2;
    (void)cc;
    ch = qq, o = o_mem;
  }
  if (out_c & 1) {  // the odd last channel: the single-row steps of four pixels, the fourth's outputs dropped
    int32_t a0 = ch[0], a1 = a0, a2 = a0, a3 = a0, b0 = 0, b1 = 0, b2 = 0, b3 = 0, f0, f1, x0, x1;
    AN_P4_DOT(1, 1);
    (void)a3, (void)b1, (void)b2, (void)b3;
    const int32_t ma = ch[1], ka = ch[2], ea = ch[3];
    o[0] = (int8_t)an_p4_out(a0, ma, ka, ea);
    o[out_c] = (int8_t)an_p4_out(a1, ma, ka, ea);
    o[2 * out_c] = (int8_t)an_p4_out(a2, ma, ka, ea);
  }
}
#undef AN_P4_DOT
#undef AN_P4_TAIL
#undef AN_P4_PASS
#undef AN_P4_OUT4
#undef AN_P4_RQ
#undef AN_P4_LOOP
#undef AN_P4_REST_ANY
#undef AN_P4_PASSES_128
#undef AN_P4_PASSES_32
#undef AN_P4_PASS_1
#undef AN_P3_LOOP
#undef AN_P3_REST_ANY
#undef AN_P3_PASSES_32
#undef AN_P3_REST_32
#undef AN_P3_FIRST
#undef AN_P3_STEPS_16
#undef AN_P3_STEPS4
#undef AN_P3_STEP
#undef AN_P3_STEP_AT
#undef AN_P4_LRQ
#undef AN_P4_REST_32
#undef AN_P4_REST_24
#undef AN_P4_REST_16
#undef AN_P4_REST_8
#undef AN_P4_FIRST

// The end of an_p4_run's blocks of four pixels (K4 as an_p4_run's): in_c from 32 on (K4 0), where the pixel count
// leaves three or one (from five pixels on), the last three, five or nine pixels go in blocks of three.
static inline __attribute__((always_inline)) int32_t an_p4_end4(const an_conv_params *p, const int32_t K4) {
  const int32_t pixels = p->batches * p->out_h * p->out_w, k4 = K4 ? K4 : p->in_c;
  const int32_t left = pixels & 3, by3 = !K4 && k4 >= 32 && (left == 3 || (left == 1 && pixels >= 5));
  const int32_t threes = !by3 ? 0 : left == 3 ? 1 : pixels >= 9 ? 3 : 1;
  return pixels - left - (by3 && left == 1 ? (threes == 3 ? 8 : 4) : 0);
}

// ---- Whole layers at in_c K = 8-64 (multiples of 8), 72, 96, 112, 128, 144, 192 (AN_P5_LAYER: every block of four
// pixels in one asm) ----
//
// The columns of a block of four pixels on the stack below the asm statement's own frame (sub sp), addressed from
// sp, so that no register holds their address: per channel pair the records pointer stays in a register (where
// AN_P4_LOOP keeps it on the stack, with the columns' address), the output pointer, pixel stride and filter end in
// the frame; the block's widening (four LDR, eight SXTB16, four STRD per four values) in the same statement.  The
// frame: columns (8 K bytes), then o, out_c, filter end, input block pointer, its end, filter and records start.
// K a multiple of eight: each step's filter words at AN_P4_FA/FB's offsets.  The column words of step S from sp
// (assembler symbols AN_P5_LAYER sets from K): pixels 0 and 1 at AN_P5_CW(S), pixels 2 and 3 (one LDRD, whose
// offset reaches 1020 bytes) at AN_P5_CW23(S); up to in_c 128 interleaved (16 S and 16 S + 8: AN_P4_C's), above it
// split (pixels 2 and 3 of every step first, 8 S; pixels 0 and 1 after them, 4 K + 8 S, which the widening stores
// from q = sp + 4 K).
// clang-format off
#define AN_P5_CW(S) "(.Lan_p5_a*" #S "+.Lan_p5_u)"
#define AN_P5_CW23(S) "(.Lan_p5_a*" #S "+.Lan_p5_v)"
#define AN_P5_SET_LAYOUT(K)                                                                               \
  ".set .Lan_p5_s, (8*" #K "+1023)/1024-1\n\t.set .Lan_p5_a, 16-8*.Lan_p5_s\n\t"                        \
  ".set .Lan_p5_u, 4*" #K "*.Lan_p5_s\n\t.set .Lan_p5_v, 8-8*.Lan_p5_s\n\t.set .Lan_p5_c6, 0\n\t"
// B: how far w already stands past the pair's rows (in_c 8-32: the first step's load advanced it), subtracted from
// each filter offset.
#define AN_P5_STEP(S, B)                                                                                  \
  "ldr %[f0], [%[w], #(32*(" #S ">>2)+4*(" #S "&3)-" B ")]\n\t"                                          \
  "ldr %[f1], [%[w], #(32*(" #S ">>2)+4*(" #S "&3)+16-" B ")]\n\t"                                       \
  "ldr %[x0], [sp, #" AN_P5_CW(S) "]\n\tldr %[x1], [sp, #(" AN_P5_CW(S) "+4)]\n\t"                          \
  "smlad %[a0], %[f0], %[x0], %[a0]\n\tsmlad %[b0], %[f1], %[x0], %[b0]\n\t"                             \
  "smlad %[a1], %[f0], %[x1], %[a1]\n\tsmlad %[b1], %[f1], %[x1], %[b1]\n\t"                             \
  "ldrd %[x0], %[x1], [sp, #" AN_P5_CW23(S) "]\n\t"                                                       \
  "smlad %[a2], %[f0], %[x0], %[a2]\n\tsmlad %[b2], %[f1], %[x0], %[b2]\n\t"                             \
  "smlad %[a3], %[f0], %[x1], %[a3]\n\tsmlad %[b3], %[f1], %[x1], %[b3]\n\t"
#define AN_P5_STEPS4(S, B) AN_P5_STEP((S), B) AN_P5_STEP((S + 1), B) AN_P5_STEP((S + 2), B) AN_P5_STEP((S + 3), B)
#define AN_P5_STEPS16(S, B) \
  AN_P5_STEPS4((S), B) AN_P5_STEPS4((S + 4), B) AN_P5_STEPS4((S + 8), B) AN_P5_STEPS4((S + 12), B)
// The first step, its biases (a0, b0 on entry) added into all eight accumulators, after its first four loads (f0,
// f1, x0, x1: those of the pass's entry, AN_P5_ENTRY, or of the previous pair's stores, AN_P5_STORE /
// AN_P5_STORE_LAST).
#define AN_P5_FIRST_MACS                                                                                    \
  ".if .Lan_p5_c6\n\t" AN_P5_FIRST_MACS_C6 ".else\n\t"                                                      \
  "smlad %[a1], %[f0], %[x0], %[a0]\n\tsmlad %[b1], %[f1], %[x0], %[b0]\n\t"                             \
  "smlad %[a2], %[f0], %[x1], %[a0]\n\tsmlad %[b2], %[f1], %[x1], %[b0]\n\t"                             \
  "ldr %[x0], [sp, #(.Lan_p5_v+4)]\n\tldr %[x1], [sp, #.Lan_p5_u]\n\t"                                                     \
  "smlad %[a3], %[f0], %[x0], %[a0]\n\tsmlad %[b3], %[f1], %[x0], %[b0]\n\t"                             \
  "smlad %[a0], %[f0], %[x1], %[a0]\n\tsmlad %[b0], %[f1], %[x1], %[b0]\n\t.endif\n\t"
// AN_P5_PAIRS4_S (.Lan_p5_c6 1: b2, b3 hold no strides there): all four columns of the first step loaded before it,
// pixels 0 and 1 in x1, x0, 2 and 3 in b2, b3 (each read by the SMLAD that overwrites it).
#define AN_P5_FIRST_MACS_C6                                                                                 \
  "smlad %[a2], %[f0], %[b2], %[a0]\n\tsmlad %[b2], %[f1], %[b2], %[b0]\n\t"                             \
  "smlad %[a3], %[f0], %[b3], %[a0]\n\tsmlad %[b3], %[f1], %[b3], %[b0]\n\t"                             \
  "smlad %[a1], %[f0], %[x0], %[a0]\n\tsmlad %[b1], %[f1], %[x0], %[b0]\n\t"                             \
  "smlad %[a0], %[f0], %[x1], %[a0]\n\tsmlad %[b0], %[f1], %[x1], %[b0]\n\t"
#define AN_P5_REST_8(B) AN_P5_STEP((1), B) AN_P5_STEP((2), B) AN_P5_STEP((3), B)
#define AN_P5_REST_32(B) AN_P5_REST_8(B) AN_P5_STEPS4((4), B) AN_P5_STEPS4((8), B) AN_P5_STEPS4((12), B)
// The dot products of a pair, w advanced by the pair's 4 K bytes (in_c 8-56: by the load before them).
#define AN_P5_DOT_8 AN_P5_FIRST_MACS AN_P5_REST_8("32")
#define AN_P5_DOT_16 AN_P5_FIRST_MACS AN_P5_REST_8("64") AN_P5_STEPS4((4), "64")
#define AN_P5_DOT_24 \
  AN_P5_FIRST_MACS AN_P5_REST_8("96") AN_P5_STEPS4((4), "96") AN_P5_STEPS4((8), "96")
#define AN_P5_DOT_32 AN_P5_FIRST_MACS AN_P5_REST_32("128")
#define AN_P5_DOT_40 AN_P5_FIRST_MACS AN_P5_REST_32("160") AN_P5_STEPS4((16), "160")
#define AN_P5_DOT_48 \
  AN_P5_FIRST_MACS AN_P5_REST_32("192") AN_P5_STEPS4((16), "192") AN_P5_STEPS4((20), "192")
#define AN_P5_DOT_56                                                                                       \
  AN_P5_FIRST_MACS AN_P5_REST_32("224") AN_P5_STEPS4((16), "224") AN_P5_STEPS4((20), "224") \
  AN_P5_STEPS4((24), "224")
#define AN_P5_DOT_64 AN_P5_DOT_64_AT("add %[w], %[w], #256\n\t")
// in_c 64 on: the first 64 values' steps (the first step's four loads before them, by AN_P5_ENTRY, AN_P5_STORE or
// AN_P5_STORE_LAST at the pair's rows: w not advanced), then MORE (the further steps, w's advance by 4 K bytes).
#define AN_P5_DOT_64_AT(MORE) AN_P5_FIRST_MACS AN_P5_REST_32("0") AN_P5_STEPS16((16), "0") MORE
#define AN_P5_DOT_96 AN_P5_DOT_64_AT(AN_P5_STEPS16((32), "0") "add %[w], %[w], #384\n\t")
#define AN_P5_DOT_72 AN_P5_DOT_64_AT(AN_P5_STEPS4((32), "0") "add %[w], %[w], #288\n\t")
#define AN_P5_DOT_112 AN_P5_DOT_64_AT(AN_P5_STEPS16((32), "0") AN_P5_STEPS4((48), "0") AN_P5_STEPS4((52), "0") \
                                      "add %[w], %[w], #448\n\t")
#define AN_P5_DOT_128 AN_P5_DOT_64_AT(AN_P5_STEPS16((32), "0") AN_P5_STEPS16((48), "0") "add %[w], %[w], #512\n\t")
#define AN_P5_DOT_144                                                                                    \
  AN_P5_DOT_64_AT(AN_P5_STEPS16((32), "0") AN_P5_STEPS16((48), "0") AN_P5_STEPS4((64), "0")            \
                      AN_P5_STEPS4((68), "0") "add %[w], %[w], #576\n\t")
#define AN_P5_DOT_192                                                                                    \
  AN_P5_DOT_64_AT(AN_P5_STEPS16((32), "0") AN_P5_STEPS16((48), "0") AN_P5_STEPS16((64), "0")            \
                      AN_P5_STEPS16((80), "0") "add %[w], %[w], #768\n\t")
// Four values Q of the block's four pixels (K bytes apart at w) widened into the columns at sp.
#define AN_P5_W(K, Q)                                                                                      \
  "ldr %[f0], [%[w], #(4*" #Q ")]\n\tldr %[f1], [%[w], #(" #K "+4*" #Q ")]\n\t"                          \
  "ldr %[x0], [%[w], #(2*" #K "+4*" #Q ")]\n\tldr %[x1], [%[w], #(3*" #K "+4*" #Q ")]\n\t"              \
  "sxtb16 %[a0], %[f0]\n\tsxtb16 %[a1], %[f1]\n\tsxtb16 %[a2], %[x0]\n\tsxtb16 %[a3], %[x1]\n\t"          \
  "sxtb16 %[b0], %[f0], ror #8\n\tsxtb16 %[b1], %[f1], ror #8\n\t"                                        \
  "sxtb16 %[b2], %[x0], ror #8\n\tsxtb16 %[b3], %[x1], ror #8\n\t"                                        \
  ".if .Lan_p5_s\n\tstrd %[a0], %[a1], [%[q], #(.Lan_p5_a*(2*" #Q "))]\n\t"                                   \
  "strd %[a2], %[a3], [sp, #" AN_P5_CW23((2*Q)) "]\n\tstrd %[b0], %[b1], [%[q], #(.Lan_p5_a*(2*" #Q "+1))]\n\t" \
  "strd %[b2], %[b3], [sp, #" AN_P5_CW23((2*Q+1)) "]\n\t.else\n\t" AN_P5_STM_COLS ".endif\n\t"
// Interleaved (up to in_c 128) the eight words of steps 2 Q and 2 Q + 1 are a0-a3, b0-b3 at 32 Q: one STM (nine
// cycles, where four STRD take twelve) at q (sp + 32 Q, advanced), a0-b3 in r0-r7 (an_p5_blocks).  Split (above
// in_c 128) the words of pixels 0 and 1 at q (sp + 4 K), of pixels 2 and 3 at sp.
#define AN_P5_STM_COLS "stmia %[q]!, {%[a0], %[a1], %[a2], %[a3], %[b0], %[b1], %[b2], %[b3]}\n\t"
#define AN_P5_W4(K, Q) AN_P5_W(K, (Q)) AN_P5_W(K, (Q + 1)) AN_P5_W(K, (Q + 2)) AN_P5_W(K, (Q + 3))
#define AN_P5_W16(K, Q) AN_P5_W4(K, (Q)) AN_P5_W4(K, (Q + 4)) AN_P5_W4(K, (Q + 8)) AN_P5_W4(K, (Q + 12))
#define AN_P5_WIDEN_8 AN_P5_W(8, 0) AN_P5_W(8, 1)
#define AN_P5_WIDEN_16 AN_P5_W4(16, 0)
#define AN_P5_WIDEN_24 AN_P5_W4(24, 0) AN_P5_W(24, 4) AN_P5_W(24, 5)
#define AN_P5_WIDEN_32 AN_P5_W4(32, 0) AN_P5_W4(32, 4)
#define AN_P5_WIDEN_40 AN_P5_W4(40, 0) AN_P5_W4(40, 4) AN_P5_W(40, 8) AN_P5_W(40, 9)
#define AN_P5_WIDEN_48 AN_P5_W4(48, 0) AN_P5_W4(48, 4) AN_P5_W4(48, 8)
#define AN_P5_WIDEN_56 AN_P5_W4(56, 0) AN_P5_W4(56, 4) AN_P5_W4(56, 8) AN_P5_W(56, 12) AN_P5_W(56, 13)
#define AN_P5_WIDEN_64 AN_P5_W16(64, 0)
#define AN_P5_WIDEN_72 AN_P5_W16(72, 0) AN_P5_W(72, 16) AN_P5_W(72, 17)
#define AN_P5_WIDEN_96 AN_P5_W16(96, 0) AN_P5_W4(96, 16) AN_P5_W4(96, 20)
#define AN_P5_WIDEN_112 AN_P5_W16(112, 0) AN_P5_W4(112, 16) AN_P5_W4(112, 20) AN_P5_W4(112, 24)
#define AN_P5_WIDEN_128 AN_P5_W16(128, 0) AN_P5_W16(128, 16)
#define AN_P5_WIDEN_144 AN_P5_W16(144, 0) AN_P5_W16(144, 16) AN_P5_W4(144, 32)
#define AN_P5_WIDEN_192 AN_P5_W16(192, 0) AN_P5_W16(192, 16) AN_P5_W16(192, 32)
// A channel's requantization (m, kc, e in f0, f1, x0): SMMLAR by kc - [a < 0] (x1 the temporary), or (.Lan_p5_z 1,
// the variant's activation lower bound at or above the output zero point: act_min >= output_offset, RELU, RELU6) by
// kc alone: there a < 0 gives at most the zero point with or without the 1 (SMMLAR's sum at most kc = 2^(e-1) + zero
// point 2^e, shifted by e), which the clamps (SSAT, or an_pq_clamp's pass) take to act_min, as tflite-micro's (its
// product of a < 0 and m > 0 at most 0): one ADD less an output.
#define AN_P5_RQ(A)                                                                                        \
  ".if .Lan_p5_z\n\tsmmlar %[" #A "], %[" #A "], %[f0], %[f1]\n\t.else\n\t"                               \
  "add %[x1], %[f1], %[" #A "], asr #31\n\tsmmlar %[" #A "], %[" #A "], %[f0], %[x1]\n\t.endif\n\t"       \
  "asr %[" #A "], %[" #A "], %[x0]\n\tssat %[" #A "], #8, %[" #A "]\n\t"
// A pair's dot products, the records' loads, eight requantizations and four BFI (w, q advanced by AN_P5_DOT_K
// and by the next pair's bias load).  q stands at the pair's second record (channel b's bias word) through the pair:
// channel a's m, kc, e (the 12 bytes below q) by one LDMDB into f0, f1, x0 (r8-r10), 4 cycles as the run of three
// LDR it replaces (1 + N, docs/timing.md) and two instructions fewer; channel b's by three LDR.
#define AN_P5_PAIR(K)                                                                                      \
  AN_P5_DOT_##K "ldmdb %[q], {%[f0], %[f1], %[x0]}\n\t"                                                    \
  AN_P5_RQ(a0) AN_P5_RQ(a1) AN_P5_RQ(a2) AN_P5_RQ(a3)                                                       \
  "ldr %[f0], [%[q], #4]\n\tldr %[f1], [%[q], #8]\n\tldr %[x0], [%[q], #12]\n\t"                            \
  AN_P5_RQ(b0) AN_P5_RQ(b1) AN_P5_RQ(b2) AN_P5_RQ(b3)                                                       \
  "bfi %[a0], %[b0], #8, #24\n\tbfi %[a1], %[b1], #8, #24\n\t"                                               \
  "bfi %[a2], %[b2], #8, #24\n\tbfi %[a3], %[b3], #8, #24\n\t"
// The first step's two filter loads (C: a condition, "" or "ne") at the next pair's rows: in_c 8-56 post-indexed, w
// advanced by the pair's 4 K bytes (its steps' offsets from there reach back 4 K - 4 bytes, within an LDR's 255); in_c
// 64 on from w as AN_P5_DOT_K left it (its ADD advanced w).
#define AN_P5_LDF0(K, C) \
  ".if " #K " < 64\n\tldr" C " %[f0], [%[w]], #(4*" #K ")\n\t.else\n\tldr" C " %[f0], [%[w]]\n\t.endif\n\t"
#define AN_P5_LDF1(K, C) \
  ".if " #K " < 64\n\tldr" C " %[f1], [%[w], #(16-4*" #K ")]\n\t.else\n\tldr" C " %[f1], [%[w], #16]\n\t.endif\n\t"
// The stores of pair J of a pass: the output pointer, pixel stride and three strides from the frame,
// every STRH right after a load (one cycle, where behind a store it takes two: TRM 3.3.2, docs/timing.md), the
// loads between them the next pair's biases and its first step's four (w advanced by the pair's 4 K bytes; q by the
// bias load's pre-indexed 32 bytes, to the next pair's second record); pair J's outputs 2 J bytes on from the output
// pointer.
#define AN_P5_STORE(K, J)                                                                                  \
  "ldr %[b1], [sp, #(8*" #K ")]\n\tldr %[b2], [sp, #(8*" #K "+4)]\n\tldr %[b3], [sp, #(8*" #K "+32)]\n\t"  \
  "ldr %[b0], [%[q], #32]!\n\t" AN_P5_LDF0(K, "") "strh %[a0], [%[b1], #(2*" #J ")]!\n\t"                     \
  "ldr %[a0], [%[q], #-16]\n\t" AN_P5_LDF1(K, "") "strh %[a1], [%[b1], %[b2]]\n\t"                          \
  "ldr %[x0], [sp, #(.Lan_p5_u+4)]\n\tstrh %[a2], [%[b1], %[b2], lsl #1]\n\t"                              \
  "ldr %[x1], [sp, #.Lan_p5_v]\n\tstrh %[a3], [%[b1], %[b3]]\n\t"
// The last pair's (J) stores, the output pointer 2 (J + 1) bytes on into the frame (behind a load) and the loop's
// test: the next pair's biases and first loads (IT-guarded: none past the filter and records) unless the filter
// ends.
#define AN_P5_STORE_LAST(K, J)                                                                             \
  "ldr %[b1], [sp, #(8*" #K ")]\n\tldr %[b2], [sp, #(8*" #K "+4)]\n\tldr %[b3], [sp, #(8*" #K "+32)]\n\t"  \
  "ldr %[f1], [sp, #(8*" #K "+8)]\n\tstrh %[a0], [%[b1], #(2*" #J ")]!\n\t"                                \
  "ldr %[x0], [sp, #(.Lan_p5_u+4)]\n\tstrh %[a1], [%[b1], %[b2]]\n\t"                                      \
  "ldr %[x1], [sp, #.Lan_p5_v]\n\tstrh %[a2], [%[b1], %[b2], lsl #1]\n\tstrh %[a3], [%[b1], %[b3]]\n\t"    \
  "add %[b1], %[b1], #2\n\tcmp %[w], %[f1]\n\titttt ne\n\tldrne %[a0], [%[q], #16]\n\t"                     \
  "ldrne %[b0], [%[q], #32]!\n\t" AN_P5_LDF0(K, "ne") AN_P5_LDF1(K, "ne")                                      \
  "str %[b1], [sp, #(8*" #K ")]\n\tbne 2b\n\t"
// A pass's entry (the block's first pair's biases in a0, b0): the first step's four loads and the flags from
// out_c's bits 1 and 2 (N: an odd pair count, C: pairs % 4 of 2 or 3).
#define AN_P5_ENTRY(K)                                                                                     \
  "ldr %[x1], [sp, #(8*" #K "+4)]\n\t" AN_P5_LDF0(K, "") AN_P5_LDF1(K, "")                                   \
  "ldr %[x0], [sp, #(.Lan_p5_u+4)]\n\tlsls %[x1], %[x1], #30\n\tldr %[x1], [sp, #.Lan_p5_v]\n\t"
// Two pairs a pass (in_c 40 on): an odd pair count (out_c % 4 == 2: the frame's output pointer and block stride 2
// bytes back, an_p5_blocks) enters at the second.
#define AN_P5_PAIRS2(K)                                                                                    \
  AN_P5_ENTRY(K) "bmi 3f\n\t.p2align 2\n2:\n\t" AN_P5_PAIR(K) AN_P5_STORE(K, 0) "3:\n\t" AN_P5_PAIR(K)       \
  AN_P5_STORE_LAST(K, 1)
// Four pairs a pass (in_c 8-32): a pair count of 4 n + 3, + 2, + 1 enters at the second, third, fourth pair (the
// frame's output pointer and block stride 2, 4, 6 bytes back, an_p5_blocks; the branches where pairs % 4 is 2 or 3
// in AN_P5_PAIRS4_TAIL, after the block loop).
#define AN_P5_PAIRS4(K)                                                                                    \
  AN_P5_ENTRY(K) "bcs 5f\n\tbmi 8f\n\t.p2align 2\n2:\n\t" AN_P5_PAIR(K) AN_P5_STORE(K, 0)                   \
  "6:\n\t" AN_P5_PAIR(K) AN_P5_STORE(K, 1) "7:\n\t" AN_P5_PAIR(K) AN_P5_STORE(K, 2)                        \
  "8:\n\t" AN_P5_PAIR(K) AN_P5_STORE_LAST(K, 3)
// out_c S known (the statement's operand s: an_p5_blocks' S, a constant, printed bare by %c), N pairs a pass (N 4:
// AN_P5_PAIRS4_S, in_c 8-32 and 64, out_c a multiple of 8; N 2: AN_P5_PAIRS2_S, in_c 40 on, out_c a multiple of 4):
// the pixel strides immediates (no stride loads), the frame's output pointer 2 (N - 1) bytes on (o', an_p5_blocks),
// so that the pass's last pair stores its first output post-indexed by the pass's 2 N bytes (no ADD) and the pass's
// other pairs at negative offsets D = 2 (j - N + 1); pair j's outputs at o' + D + {0, S, 2 S, 3 S} (STRH's offset
// reaches 4095 bytes: out_c up to 1365).
#define AN_P5_S "%c[s]"
#define AN_P5_STORE_D(K, D)                                                                                \
  "ldr %[b1], [sp, #(8*" #K ")]\n\tldr %[b0], [%[q], #32]!\n\t" AN_P5_LDF0(K, "")                              \
  "ldr %[b2], [sp, #.Lan_p5_v]\n\tstrh %[a0], [%[b1], #" #D "]\n\tldr %[a0], [%[q], #-16]\n\t" AN_P5_LDF1(K, "") \
  "ldr %[b3], [sp, #(.Lan_p5_v+4)]\n\tstrh %[a1], [%[b1], #(" AN_P5_S "+" #D ")]\n\t"                          \
  "ldr %[x0], [sp, #(.Lan_p5_u+4)]\n\tstrh %[a2], [%[b1], #(2*" AN_P5_S "+" #D ")]\n\t"                        \
  "ldr %[x1], [sp, #.Lan_p5_u]\n\tstrh %[a3], [%[b1], #(3*" AN_P5_S "+" #D ")]\n\t"
// The pass's last pair (N pairs a pass): its first output post-indexed (o' on by 2 N bytes), the loop's test and the
// next pair's loads (IT-guarded) as AN_P5_STORE_LAST's, its last output behind them.
#define AN_P5_STORE_D_LAST(K, N)                                                                           \
  "ldr %[b1], [sp, #(8*" #K ")]\n\tldr %[f1], [sp, #(8*" #K "+8)]\n\tldr %[b2], [sp, #.Lan_p5_v]\n\t"       \
  "strh %[a0], [%[b1]], #(2*" #N ")\n\tldr %[x0], [sp, #(.Lan_p5_u+4)]\n\tldr %[b3], [sp, #(.Lan_p5_v+4)]\n\t" \
  "strh %[a1], [%[b1], #(" AN_P5_S "-2*" #N ")]\n\t"                                                         \
  "ldr %[x1], [sp, #.Lan_p5_u]\n\tstrh %[a2], [%[b1], #(2*" AN_P5_S "-2*" #N ")]\n\t"                       \
  "cmp %[w], %[f1]\n\titttt ne\n\tldrne %[a0], [%[q], #16]\n\tldrne %[b0], [%[q], #32]!\n\t"                 \
  AN_P5_LDF0(K, "ne") AN_P5_LDF1(K, "ne") "strh %[a3], [%[b1], #(3*" AN_P5_S "-2*" #N ")]\n\t"                \
  "str %[b1], [sp, #(8*" #K ")]\n\tbne 2b\n\t"
// The entry (.Lan_p5_c6 1): the first pair's first step's two filter words and four column words.
#define AN_P5_S_ENTRY(K)                                                                                   \
  ".set .Lan_p5_c6, 1\n\t" AN_P5_LDF0(K, "") AN_P5_LDF1(K, "") "ldr %[x0], [sp, #(.Lan_p5_u+4)]\n\t"          \
  "ldr %[x1], [sp, #.Lan_p5_u]\n\tldr %[b2], [sp, #.Lan_p5_v]\n\tldr %[b3], [sp, #(.Lan_p5_v+4)]\n\t"
#define AN_P5_PAIRS4_S(K)                                                                                  \
  AN_P5_S_ENTRY(K) ".p2align 2\n2:\n\t" AN_P5_PAIR(K) AN_P5_STORE_D(K, (-6)) AN_P5_PAIR(K)                   \
  AN_P5_STORE_D(K, (-4)) AN_P5_PAIR(K) AN_P5_STORE_D(K, (-2)) AN_P5_PAIR(K) AN_P5_STORE_D_LAST(K, 4)
#define AN_P5_PAIRS2_S(K)                                                                                  \
  AN_P5_S_ENTRY(K) ".p2align 2\n2:\n\t" AN_P5_PAIR(K) AN_P5_STORE_D(K, (-2)) AN_P5_PAIR(K)                   \
  AN_P5_STORE_D_LAST(K, 2)
// What each pass form adds to AN_P5_LAYER: code after the block loop (_TAIL), the frame's bytes after the columns
// (_FRAME) and their set-up (_INIT): AN_P5_PAIRS2 / AN_P5_PAIRS4 keep three strides (3 out_c) at 8 K + 32.
// The block's end (_END): the output pointer by the block stride, x0 / x1 the input block pointer and its end;
// every pass form leaves the output pointer in b1 (the frame's).
#define AN_P5_PAIRS2_END(K)                                                                                \
  "ldr %[f1], [sp, #(8*" #K "+28)]\n\tadd %[b1], %[b1], %[f1]\n\tldr %[x0], [sp, #(8*" #K "+12)]\n\t"      \
  "ldr %[x1], [sp, #(8*" #K "+16)]\n\tstr %[b1], [sp, #(8*" #K ")]\n\t"
#define AN_P5_PAIRS4_END(K) AN_P5_PAIRS2_END(K)
#define AN_P5_PAIRS2_TAIL ""
#define AN_P5_PAIRS2_FRAME "40"
#define AN_P5_PAIRS2_INIT(K) "add %[f0], %[a1], %[a1], lsl #1\n\tstr %[f0], [sp, #(8*" #K "+32)]\n\t"
#define AN_P5_PAIRS4_TAIL "b 9f\n5:\n\tbmi 6b\n\tb 7b\n9:\n\t"
#define AN_P5_PAIRS4_FRAME "40"
#define AN_P5_PAIRS4_INIT(K) AN_P5_PAIRS2_INIT(K)
// The block's end: o' by 3 S (the passes advanced it by S).
#define AN_P5_PAIRS4_S_END(K)                                                                              \
  "add %[b1], %[b1], #(3*" AN_P5_S ")\n\tldr %[x0], [sp, #(8*" #K "+12)]\n\tldr %[x1], [sp, #(8*" #K "+16)]\n\t" \
  "str %[b1], [sp, #(8*" #K ")]\n\t"
#define AN_P5_PAIRS4_S_TAIL ""
#define AN_P5_PAIRS4_S_FRAME "32"
#define AN_P5_PAIRS4_S_INIT(K) ""
#define AN_P5_PAIRS2_S_END(K) AN_P5_PAIRS4_S_END(K)
#define AN_P5_PAIRS2_S_TAIL ""
#define AN_P5_PAIRS2_S_FRAME "32"
#define AN_P5_PAIRS2_S_INIT(K) ""
// Every block of four pixels: its widening, the pairs' loop (PAIRS), then the output pointer by the frame's block
// stride (3 out_c after the loop's out_c).  The frame: columns (8 K bytes), then the output pointer, out_c, filter
// end, input block pointer, its end, filter and records start, block stride (and PAIRS's words: PAIRS##_FRAME).
#define AN_P5_LAYER(K, PAIRS)                                                                                  \
  __asm__ volatile(AN_P5_SET_LAYOUT(K) ".set .Lan_p5_z, %c[z]\n\t"                                          \
                   "sub sp, sp, #(8*" #K "+" PAIRS##_FRAME ")\n\t"                                              \
                   "str %[a0], [sp, #(8*" #K ")]\n\tstr %[a1], [sp, #(8*" #K "+4)]\n\t"                      \
                   "str %[a2], [sp, #(8*" #K "+8)]\n\tstr %[a3], [sp, #(8*" #K "+12)]\n\t"                   \
                   "str %[b0], [sp, #(8*" #K "+16)]\n\tstr %[b1], [sp, #(8*" #K "+20)]\n\t"                  \
                   "str %[b2], [sp, #(8*" #K "+24)]\n\tstr %[b3], [sp, #(8*" #K "+28)]\n\t" PAIRS##_INIT(K)  \
                   "1:\n\tldr %[w], [sp, #(8*" #K "+12)]\n\t"                                                \
                   ".if .Lan_p5_s\n\tadd %[q], sp, #.Lan_p5_u\n\t.else\n\tmov %[q], sp\n\t.endif\n\t"           \
                   AN_P5_WIDEN_##K                                                                               \
                   "add %[w], %[w], #(4*" #K ")\n\tstr %[w], [sp, #(8*" #K "+12)]\n\t"                       \
                   "ldr %[w], [sp, #(8*" #K "+20)]\n\tldr %[q], [sp, #(8*" #K "+24)]\n\t"                    \
                   "ldr %[a0], [%[q]]\n\tldr %[b0], [%[q], #16]!\n\t" PAIRS(K)                                  \
                   PAIRS##_END(K) "cmp %[x0], %[x1]\n\tblo 1b\n\t" PAIRS##_TAIL                             \
                   "add sp, sp, #(8*" #K "+" PAIRS##_FRAME ")"                                                \
                   : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [b0] "+r"(b0), [b1] "+r"(b1),  \
                     [b2] "+r"(b2), [b3] "+r"(b3), [f0] "=&r"(f0), [f1] "=&r"(f1), [x0] "=&r"(x0),              \
                     [x1] "=&r"(x1), [w] "=&r"(w), [q] "=&r"(q)                                                 \
                   : [s] "i"(S), [z] "i"(Z)                                                                      \
                   : "cc", "memory")
// At in_c 8 with out_c 16 (vww's and person_detect's 48x48x8 -> 16: AN_P58_LAYER) the layer's filter (256 bytes)
// and records (256 bytes) copied once into the statement's frame beside the columns, so that sp addresses all three
// (constant offsets: the block's eight pairs unrolled) and the filter and records pointers free two registers: each
// step's six words (f0, f1 and the four pixels' x0-x3) one run of loads (7 cycles, where AN_P5_STEP's four loads and
// LDRD take 8), a pair's five record words one run (the two channels' shifts e in one word: ASR reads a register
// shift's bottom byte, LSR #8 gives the second's; the copy packs them).  The frame: columns (64 bytes), filter (pair
// J at 64 + 32 J), records (pair J at 320 + 32 J), output pointer (576), input block pointer (580), output end (584).
#define AN_P58_F(J, S) "(64+32*" #J "+4*" #S ")"
#define AN_P58_R(J, O) "(320+32*" #J "+" #O ")"
// Step S (1-3) of pair J: six loads, eight SMLAD.
#define AN_P58_STEP(J, S)                                                                                 \
  "ldr %[f0], [sp, #" AN_P58_F(J, S) "]\n\tldr %[f1], [sp, #(16+" AN_P58_F(J, S) ")]\n\t"                      \
  "ldr %[x0], [sp, #(16*" #S ")]\n\tldr %[x1], [sp, #(16*" #S "+4)]\n\t"                                      \
  "ldr %[x2], [sp, #(16*" #S "+8)]\n\tldr %[x3], [sp, #(16*" #S "+12)]\n\t"                                   \
  "smlad %[a0], %[f0], %[x0], %[a0]\n\tsmlad %[b0], %[f1], %[x0], %[b0]\n\t"                             \
  "smlad %[a1], %[f0], %[x1], %[a1]\n\tsmlad %[b1], %[f1], %[x1], %[b1]\n\t"                             \
  "smlad %[a2], %[f0], %[x2], %[a2]\n\tsmlad %[b2], %[f1], %[x2], %[b2]\n\t"                             \
  "smlad %[a3], %[f0], %[x3], %[a3]\n\tsmlad %[b3], %[f1], %[x3], %[b3]\n\t"
#define AN_P58_RQ(A, M, KC, E)                                                                            \
  "add %[x1], %[" #KC "], %[" #A "], asr #31\n\tsmmlar %[" #A "], %[" #A "], %[" #M "], %[x1]\n\t"        \
  "asr %[" #A "], %[" #A "], %[" #E "]\n\tssat %[" #A "], #8, %[" #A "]\n\t"
// Pair J: the first step (its four loads and the biases a0, b0 before it: the block's entry or the previous pair's
// stores) adds the biases into all eight accumulators, steps 1-3, the records (m, kc of both channels and the packed
// shifts), eight requantizations, four BFI.
#define AN_P58_PAIR(J)                                                                                    \
  "smlad %[a1], %[f0], %[x1], %[a0]\n\tsmlad %[b1], %[f1], %[x1], %[b0]\n\t"                             \
  "smlad %[a2], %[f0], %[x2], %[a0]\n\tsmlad %[b2], %[f1], %[x2], %[b0]\n\t"                             \
  "smlad %[a3], %[f0], %[x3], %[a0]\n\tsmlad %[b3], %[f1], %[x3], %[b0]\n\t"                             \
  "smlad %[a0], %[f0], %[x0], %[a0]\n\tsmlad %[b0], %[f1], %[x0], %[b0]\n\t" AN_P58_REST(J)
// The block's first pair: its first step's column words still in a0-a3 from the widening (each SMLAD of channel b
// before channel a's overwrites it), the biases in x0, x1.
#define AN_P58_PAIR0                                                                                      \
  "smlad %[b0], %[f1], %[a0], %[x1]\n\tsmlad %[a0], %[f0], %[a0], %[x0]\n\t"                             \
  "smlad %[b1], %[f1], %[a1], %[x1]\n\tsmlad %[a1], %[f0], %[a1], %[x0]\n\t"                             \
  "smlad %[b2], %[f1], %[a2], %[x1]\n\tsmlad %[a2], %[f0], %[a2], %[x0]\n\t"                             \
  "smlad %[b3], %[f1], %[a3], %[x1]\n\tsmlad %[a3], %[f0], %[a3], %[x0]\n\t" AN_P58_REST(0)
#define AN_P58_REST(J)                                                                                    \
  AN_P58_STEP(J, 1) AN_P58_STEP(J, 2) AN_P58_STEP(J, 3)                                                   \
  "ldr %[f0], [sp, #" AN_P58_R(J, 4) "]\n\tldr %[f1], [sp, #" AN_P58_R(J, 8) "]\n\t"                          \
  "ldr %[x0], [sp, #" AN_P58_R(J, 12) "]\n\tldr %[x2], [sp, #" AN_P58_R(J, 20) "]\n\t"                        \
  "ldr %[x3], [sp, #" AN_P58_R(J, 24) "]\n\t"                                                              \
  AN_P58_RQ(a0, f0, f1, x0) AN_P58_RQ(a1, f0, f1, x0) AN_P58_RQ(a2, f0, f1, x0) AN_P58_RQ(a3, f0, f1, x0)  \
  "lsr %[x0], %[x0], #8\n\t"                                                                               \
  AN_P58_RQ(b0, x2, x3, x0) AN_P58_RQ(b1, x2, x3, x0) AN_P58_RQ(b2, x2, x3, x0) AN_P58_RQ(b3, x2, x3, x0)  \
  "bfi %[a0], %[b0], #8, #24\n\tbfi %[a1], %[b1], #8, #24\n\t"                                               \
  "bfi %[a2], %[b2], #8, #24\n\tbfi %[a3], %[b3], #8, #24\n\t"
// Pair J's stores (pixel p's two outputs at 16 p + 2 J), each right after a load (one cycle, where behind a store
// it takes two: docs/timing.md), the loads the output pointer and pair N's biases and first step's four words.
#define AN_P58_STORE(J, N)                                                                                \
  "ldr %[b1], [sp, #576]\n\tldr %[b0], [sp, #" AN_P58_R(N, 16) "]\n\tldr %[f0], [sp, #" AN_P58_F(N, 0) "]\n\t"  \
  "ldr %[f1], [sp, #(16+" AN_P58_F(N, 0) ")]\n\tldr %[x1], [sp, #4]\n\tstrh %[a0], [%[b1], #(2*" #J ")]\n\t"    \
  "ldr %[a0], [sp, #" AN_P58_R(N, 0) "]\n\tldr %[x2], [sp, #8]\n\tstrh %[a1], [%[b1], #(16+2*" #J ")]\n\t"      \
  "ldr %[x3], [sp, #12]\n\tstrh %[a2], [%[b1], #(32+2*" #J ")]\n\t"                                            \
  "ldr %[x0], [sp]\n\tstrh %[a3], [%[b1], #(48+2*" #J ")]\n\t"
// Four values of the block's four pixels (f0, f1, x0, x1) widened into two steps of the columns (a0-b3 in r0-r7:
// one STM, STM: stmia or stmdb, at x2 = sp + 32).
#define AN_P58_W(STM)                                                                                     \
  "sxtb16 %[a0], %[f0]\n\tsxtb16 %[a1], %[f1]\n\tsxtb16 %[a2], %[x0]\n\tsxtb16 %[a3], %[x1]\n\t"          \
  "sxtb16 %[b0], %[f0], ror #8\n\tsxtb16 %[b1], %[f1], ror #8\n\t"                                        \
  "sxtb16 %[b2], %[x0], ror #8\n\tsxtb16 %[b3], %[x1], ror #8\n\t"                                        \
  STM " %[x2], {%[a0], %[a1], %[a2], %[a3], %[b0], %[b1], %[b2], %[b3]}\n\t"
// The layer: a0 the output, a3 the input, b0 its end (the output's end: two output bytes an input byte), b1 the
// filter, b2 the records.  The copy: eight pairs' filter words, then eight pairs' records (e_b into bits 8-15 of
// e_a's word).  Every block: its widening (steps 2 and 3 by STMIA at x2 = sp + 32, then steps 0 and 1 by STMDB below
// them, the input pointer stored back behind their loads), the first pair's four loads (its first step's column
// words still in a0-a3), the eight pairs, the output pointer by 64.
#define AN_P58_LAYER                                                                                      \
  __asm__ volatile(                                                                                        \
      "sub sp, sp, #592\n\tstr %[a0], [sp, #576]\n\tstr %[a3], [sp, #580]\n\tsub %[x1], %[b0], %[a3]\n\t"    \
      "add %[x1], %[a0], %[x1], lsl #1\n\tstr %[x1], [sp, #584]\n\t"                                        \
      "mov %[f0], %[b1]\n\tmov %[f1], %[b2]\n\tadd %[x2], sp, #64\n\tmovs %[x0], #8\n\t"                   \
      "2:\n\tldmia %[f0]!, {%[a0], %[a1], %[a2], %[a3], %[b0], %[b1], %[b2], %[b3]}\n\t"                     \
      "stmia %[x2]!, {%[a0], %[a1], %[a2], %[a3], %[b0], %[b1], %[b2], %[b3]}\n\t"                           \
      "subs %[x0], %[x0], #1\n\tbne 2b\n\tmovs %[x0], #8\n\t"                                                 \
      "3:\n\tldmia %[f1]!, {%[a0], %[a1], %[a2], %[a3], %[b0], %[b1], %[b2], %[b3]}\n\t"                     \
      "bfi %[a3], %[b3], #8, #8\n\t"                                                                        \
      "stmia %[x2]!, {%[a0], %[a1], %[a2], %[a3], %[b0], %[b1], %[b2], %[b3]}\n\t"                           \
      "subs %[x0], %[x0], #1\n\tbne 3b\n\t"                                                                   \
      ".p2align 2\n1:\n\tldr %[x3], [sp, #580]\n\tadd %[x2], sp, #32\n\t"                                     \
      "ldr %[f0], [%[x3], #4]\n\tldr %[f1], [%[x3], #12]\n\tldr %[x0], [%[x3], #20]\n\t"                      \
      "ldr %[x1], [%[x3], #28]\n\t" AN_P58_W("stmia")                                                       \
      "ldr %[f0], [%[x3]], #32\n\tldr %[f1], [%[x3], #-24]\n\tldr %[x0], [%[x3], #-16]\n\t"                   \
      "ldr %[x1], [%[x3], #-8]\n\tstr %[x3], [sp, #580]\n\t" AN_P58_W("stmdb")                              \
      "ldr %[f0], [sp, #64]\n\tldr %[f1], [sp, #80]\n\tldr %[x0], [sp, #320]\n\tldr %[x1], [sp, #336]\n\t"   \
      AN_P58_PAIR0 AN_P58_STORE(0, 1) AN_P58_PAIR(1) AN_P58_STORE(1, 2) AN_P58_PAIR(2) AN_P58_STORE(2, 3)  \
      AN_P58_PAIR(3) AN_P58_STORE(3, 4) AN_P58_PAIR(4) AN_P58_STORE(4, 5) AN_P58_PAIR(5) AN_P58_STORE(5, 6)  \
      AN_P58_PAIR(6) AN_P58_STORE(6, 7) AN_P58_PAIR(7)                                                       \
      "ldr %[b1], [sp, #576]\n\tldr %[x0], [sp, #584]\n\tstrh %[a0], [%[b1], #14]\n\t"                        \
      "add %[x1], %[b1], #64\n\tstrh %[a1], [%[b1], #30]\n\tstrh %[a2], [%[b1], #46]\n\t"                     \
      "strh %[a3], [%[b1], #62]\n\tstr %[x1], [sp, #576]\n\tcmp %[x1], %[x0]\n\tblo 1b\n\t"                   \
      "add sp, sp, #592"                                                                                      \
      : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [b0] "+r"(b0), [b1] "+r"(b1),              \
        [b2] "+r"(b2), [b3] "+r"(b3), [f0] "=&r"(f0), [f1] "=&r"(f1), [x0] "=&r"(x0), [x1] "=&r"(x1),          \
        [x2] "=&r"(w), [x3] "=&r"(q)                                                                          \
      :                                                                                                       \
      : "cc", "memory")
// At in_c K 16 and 32 with out_c 32 (vww's and person_detect's 24x24x16 -> 32 and 24x24x32 -> 32: AN_P5F_LAYER) as
// AN_P58_LAYER at in_c 8: the layer's filter (64 K bytes) and records (512 bytes) copied once into the statement's
// frame beside the columns (8 K bytes), sp addressing all three (the block's sixteen pairs unrolled), the filter and
// records pointers' two registers free: each step's six words one run of loads (7 cycles where AN_P5_STEP's four
// loads and LDRD take 8), a pair's five record words one run (the shifts packed as AN_P58_LAYER's).  The frame:
// columns, filter (pair J at 8 K + 4 K J), records (pair J at 72 K + 32 J), output pointer (72 K + 512), input block
// pointer (+ 4), output end (+ 8): 72 K + 528 bytes.
#define AN_P5F_F(K, J, S) "(8*" #K "+4*" #K "*" #J "+32*(" #S ">>2)+4*(" #S "&3))"
#define AN_P5F_R(K, J, O) "(72*" #K "+32*" #J "+" #O ")"
#define AN_P5F_O(K) "(72*" #K "+512)"
// Step S of pair J: six loads, eight SMLAD.
#define AN_P5F_STEP(K, J, S)                                                                              \
  "ldr %[f0], [sp, #" AN_P5F_F(K, J, S) "]\n\tldr %[f1], [sp, #(16+" AN_P5F_F(K, J, S) ")]\n\t"              \
  "ldr %[x0], [sp, #(16*" #S ")]\n\tldr %[x1], [sp, #(16*" #S "+4)]\n\t"                                      \
  "ldr %[x2], [sp, #(16*" #S "+8)]\n\tldr %[x3], [sp, #(16*" #S "+12)]\n\t"                                   \
  "smlad %[a0], %[f0], %[x0], %[a0]\n\tsmlad %[b0], %[f1], %[x0], %[b0]\n\t"                             \
  "smlad %[a1], %[f0], %[x1], %[a1]\n\tsmlad %[b1], %[f1], %[x1], %[b1]\n\t"                             \
  "smlad %[a2], %[f0], %[x2], %[a2]\n\tsmlad %[b2], %[f1], %[x2], %[b2]\n\t"                             \
  "smlad %[a3], %[f0], %[x3], %[a3]\n\tsmlad %[b3], %[f1], %[x3], %[b3]\n\t"
#define AN_P5F_STEPS4(K, J, S)                                                                            \
  AN_P5F_STEP(K, J, S) AN_P5F_STEP(K, J, (S + 1)) AN_P5F_STEP(K, J, (S + 2)) AN_P5F_STEP(K, J, (S + 3))
// Pair J after its first step: steps 1 to K / 2 - 1, the records (m, kc of both channels and the packed shifts), eight
// requantizations (AN_P58_RQ), four BFI.
#define AN_P5F_REST(K, J)                                                                                 \
  AN_P5F_STEP(K, J, 1) AN_P5F_STEP(K, J, 2) AN_P5F_STEP(K, J, 3) AN_P5F_STEPS4(K, J, 4)                    \
  ".if " #K " > 16\n\t" AN_P5F_STEPS4(K, J, 8) AN_P5F_STEPS4(K, J, 12) ".endif\n\t"                         \
  "ldr %[f0], [sp, #" AN_P5F_R(K, J, 4) "]\n\tldr %[f1], [sp, #" AN_P5F_R(K, J, 8) "]\n\t"                    \
  "ldr %[x0], [sp, #" AN_P5F_R(K, J, 12) "]\n\tldr %[x2], [sp, #" AN_P5F_R(K, J, 20) "]\n\t"                  \
  "ldr %[x3], [sp, #" AN_P5F_R(K, J, 24) "]\n\t"                                                           \
  AN_P58_RQ(a0, f0, f1, x0) AN_P58_RQ(a1, f0, f1, x0) AN_P58_RQ(a2, f0, f1, x0) AN_P58_RQ(a3, f0, f1, x0)  \
  "lsr %[x0], %[x0], #8\n\t"                                                                               \
  AN_P58_RQ(b0, x2, x3, x0) AN_P58_RQ(b1, x2, x3, x0) AN_P58_RQ(b2, x2, x3, x0) AN_P58_RQ(b3, x2, x3, x0)  \
  "bfi %[a0], %[b0], #8, #24\n\tbfi %[a1], %[b1], #8, #24\n\t"                                               \
  "bfi %[a2], %[b2], #8, #24\n\tbfi %[a3], %[b3], #8, #24\n\t"
// Pair J's first step from the previous pair's stores (biases a0, b0; columns x0-x3), then the rest.
#define AN_P5F_PAIR(K, J)                                                                                 \
  "smlad %[a1], %[f0], %[x1], %[a0]\n\tsmlad %[b1], %[f1], %[x1], %[b0]\n\t"                             \
  "smlad %[a2], %[f0], %[x2], %[a0]\n\tsmlad %[b2], %[f1], %[x2], %[b0]\n\t"                             \
  "smlad %[a3], %[f0], %[x3], %[a0]\n\tsmlad %[b3], %[f1], %[x3], %[b0]\n\t"                             \
  "smlad %[a0], %[f0], %[x0], %[a0]\n\tsmlad %[b0], %[f1], %[x0], %[b0]\n\t" AN_P5F_REST(K, J)
// The block's first pair: its first step's column words still in a0-a3 from the widening (each SMLAD of channel b
// before channel a's overwrites it), the biases in x0, x1.
#define AN_P5F_PAIR0(K)                                                                                   \
  "smlad %[b0], %[f1], %[a0], %[x1]\n\tsmlad %[a0], %[f0], %[a0], %[x0]\n\t"                             \
  "smlad %[b1], %[f1], %[a1], %[x1]\n\tsmlad %[a1], %[f0], %[a1], %[x0]\n\t"                             \
  "smlad %[b2], %[f1], %[a2], %[x1]\n\tsmlad %[a2], %[f0], %[a2], %[x0]\n\t"                             \
  "smlad %[b3], %[f1], %[a3], %[x1]\n\tsmlad %[a3], %[f0], %[a3], %[x0]\n\t" AN_P5F_REST(K, 0)
// Pair J's stores (pixel p's two outputs at 32 p + 2 J), each right after a load, the loads the output pointer and
// pair N's biases and first step's six words.
#define AN_P5F_STORE(K, J, N)                                                                             \
  "ldr %[b1], [sp, #" AN_P5F_O(K) "]\n\tldr %[b0], [sp, #" AN_P5F_R(K, N, 16) "]\n\t"                          \
  "ldr %[f0], [sp, #" AN_P5F_F(K, N, 0) "]\n\tldr %[f1], [sp, #(16+" AN_P5F_F(K, N, 0) ")]\n\t"              \
  "ldr %[x1], [sp, #4]\n\tstrh %[a0], [%[b1], #(2*" #J ")]\n\t"                                              \
  "ldr %[a0], [sp, #" AN_P5F_R(K, N, 0) "]\n\tldr %[x2], [sp, #8]\n\tstrh %[a1], [%[b1], #(32+2*" #J ")]\n\t" \
  "ldr %[x3], [sp, #12]\n\tstrh %[a2], [%[b1], #(64+2*" #J ")]\n\t"                                           \
  "ldr %[x0], [sp]\n\tstrh %[a3], [%[b1], #(96+2*" #J ")]\n\t"
#define AN_P5F_PS(K, J, N) AN_P5F_STORE(K, J, N) AN_P5F_PAIR(K, N)
// Four values of the block's four pixels (f0, f1, x0, x1) widened into two steps of the columns (a0-b3 in r0-r7:
// one STMDB at x2, from sp + 8 K down).
#define AN_P5F_W                                                                                          \
  "sxtb16 %[a0], %[f0]\n\tsxtb16 %[a1], %[f1]\n\tsxtb16 %[a2], %[x0]\n\tsxtb16 %[a3], %[x1]\n\t"          \
  "sxtb16 %[b0], %[f0], ror #8\n\tsxtb16 %[b1], %[f1], ror #8\n\t"                                        \
  "sxtb16 %[b2], %[x0], ror #8\n\tsxtb16 %[b3], %[x1], ror #8\n\t"                                        \
  "stmdb %[x2]!, {%[a0], %[a1], %[a2], %[a3], %[b0], %[b1], %[b2], %[b3]}\n\t"
// Group Q (values 4 Q to 4 Q + 3 of the four pixels, K bytes apart at x3), widened.
#define AN_P5F_WQ(K, Q)                                                                                   \
  "ldr %[f0], [%[x3], #(4*" #Q ")]\n\tldr %[f1], [%[x3], #(" #K "+4*" #Q ")]\n\t"                           \
  "ldr %[x0], [%[x3], #(2*" #K "+4*" #Q ")]\n\tldr %[x1], [%[x3], #(3*" #K "+4*" #Q ")]\n\t" AN_P5F_W
// The layer: a0 the output, a3 the input, b0 its end (the output's end: 32 / K output bytes an input byte), b1 the
// filter, b2 the records.  The copy: sixteen pairs' filter words, then sixteen pairs' records (e_b into bits 8-15 of
// e_a's word).  Every block: its widening (the groups from the last down by STMDB from sp + 8 K, the input pointer
// stored back behind the first group's loads), the first pair's four loads (its first step's column words still in
// a0-a3), the sixteen pairs, the output pointer by 128.
#define AN_P5F_LAYER(K)                                                                                   \
  __asm__ volatile(                                                                                        \
      "sub sp, sp, #(72*" #K "+528)\n\tstr %[a0], [sp, #" AN_P5F_O(K) "]\n\t"                                 \
      "str %[a3], [sp, #(4+" AN_P5F_O(K) ")]\n\tsub %[x1], %[b0], %[a3]\n\t"                                 \
      "add %[x1], %[a0], %[x1], lsl #(32/" #K "/2)\n\tstr %[x1], [sp, #(8+" AN_P5F_O(K) ")]\n\t"             \
      "mov %[f0], %[b1]\n\tmov %[f1], %[b2]\n\tadd %[x2], sp, #(8*" #K ")\n\tmovs %[x0], #(2*" #K ")\n\t"    \
      "2:\n\tldmia %[f0]!, {%[a0], %[a1], %[a2], %[a3], %[b0], %[b1], %[b2], %[b3]}\n\t"                     \
      "stmia %[x2]!, {%[a0], %[a1], %[a2], %[a3], %[b0], %[b1], %[b2], %[b3]}\n\t"                           \
      "subs %[x0], %[x0], #1\n\tbne 2b\n\tmovs %[x0], #16\n\t"                                                \
      "3:\n\tldmia %[f1]!, {%[a0], %[a1], %[a2], %[a3], %[b0], %[b1], %[b2], %[b3]}\n\t"                     \
      "bfi %[a3], %[b3], #8, #8\n\t"                                                                        \
      "stmia %[x2]!, {%[a0], %[a1], %[a2], %[a3], %[b0], %[b1], %[b2], %[b3]}\n\t"                           \
      "subs %[x0], %[x0], #1\n\tbne 3b\n\t"                                                                   \
      ".p2align 2\n1:\n\tldr %[x3], [sp, #(4+" AN_P5F_O(K) ")]\n\tadd %[x2], sp, #(8*" #K ")\n\t"              \
      ".if " #K " > 16\n\t" AN_P5F_WQ(K, 7) AN_P5F_WQ(K, 6) AN_P5F_WQ(K, 5) AN_P5F_WQ(K, 4) ".endif\n\t"     \
      AN_P5F_WQ(K, 3) AN_P5F_WQ(K, 2) AN_P5F_WQ(K, 1)                                                       \
      "ldr %[f0], [%[x3]], #(4*" #K ")\n\tldr %[f1], [%[x3], #(-3*" #K ")]\n\t"                               \
      "ldr %[x0], [%[x3], #(-2*" #K ")]\n\tldr %[x1], [%[x3], #(-" #K ")]\n\t"                                \
      "str %[x3], [sp, #(4+" AN_P5F_O(K) ")]\n\t" AN_P5F_W                                                  \
      "ldr %[f0], [sp, #" AN_P5F_F(K, 0, 0) "]\n\tldr %[f1], [sp, #(16+" AN_P5F_F(K, 0, 0) ")]\n\t"          \
      "ldr %[x0], [sp, #" AN_P5F_R(K, 0, 0) "]\n\tldr %[x1], [sp, #" AN_P5F_R(K, 0, 16) "]\n\t"              \
      AN_P5F_PAIR0(K) AN_P5F_PS(K, 0, 1) AN_P5F_PS(K, 1, 2) AN_P5F_PS(K, 2, 3) AN_P5F_PS(K, 3, 4)          \
      AN_P5F_PS(K, 4, 5) AN_P5F_PS(K, 5, 6) AN_P5F_PS(K, 6, 7) AN_P5F_PS(K, 7, 8) AN_P5F_PS(K, 8, 9)       \
      AN_P5F_PS(K, 9, 10) AN_P5F_PS(K, 10, 11) AN_P5F_PS(K, 11, 12) AN_P5F_PS(K, 12, 13)                    \
      AN_P5F_PS(K, 13, 14) AN_P5F_PS(K, 14, 15)                                                              \
      "ldr %[b1], [sp, #" AN_P5F_O(K) "]\n\tldr %[x0], [sp, #(8+" AN_P5F_O(K) ")]\n\t"                        \
      "strh %[a0], [%[b1], #30]\n\tadd %[x1], %[b1], #128\n\tstrh %[a1], [%[b1], #62]\n\t"                    \
      "strh %[a2], [%[b1], #94]\n\tstrh %[a3], [%[b1], #126]\n\tstr %[x1], [sp, #" AN_P5F_O(K) "]\n\t"        \
      "cmp %[x1], %[x0]\n\tblo 1b\n\tadd sp, sp, #(72*" #K "+528)"                                            \
      : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [b0] "+r"(b0), [b1] "+r"(b1),              \
        [b2] "+r"(b2), [b3] "+r"(b3), [f0] "=&r"(f0), [f1] "=&r"(f1), [x0] "=&r"(x0), [x1] "=&r"(x1),          \
        [x2] "=&r"(w), [x3] "=&r"(q)                                                                          \
      :                                                                                                       \
      : "cc", "memory")
// clang-format on

// The blocks of four pixels [0, blocks) of a layer at in_c K (a multiple of 8 up to 64, 128), out_c even, in
// AN_P5_LAYER; S: out_c where the variant knows it (a constant: AN_P5_PAIRS4_S / AN_P5_PAIRS2_S, in_c 16 and 32 at
// out_c 32 AN_P5F_LAYER; out_c a multiple of 8 at in_c 8-32 and 64, of 4 from in_c 40 on), else 0.  Z: 1 where the
// variant's act_min is at or above the output zero point (AN_P5_RQ's SMMLAR by kc alone; AN_P5_LAYER only), else 0.
static inline __attribute__((always_inline)) void an_p5_blocks(const an_conv_params *p, const int8_t *input,
                                                               const int16_t *filter, const int32_t *channel,
                                                               int8_t *output, const int32_t K, const int32_t S,
                                                               const int32_t Z, int32_t blocks) {
  const int32_t out_c = p->out_c;
  // AN_P5_PAIRS4 (K <= 32) with a pair count of 4 n + 3, 2, 1 and AN_P5_PAIRS2 (K 40 on) with an odd one: the
  // output pointer 2, 4, 6 (2) bytes back (the first pass starts at the second, third, fourth pair's stores), the
  // block stride too.
  const int32_t back = K <= 32 ? 2 * (-(out_c >> 1) & 3) : (out_c & 2) ? 2 : 0;
  // a0-a3, b0-b3 in r0-r7 (ascending: the widening's STM, AN_P5_STM_COLS).
  register int32_t a0 __asm__("r0") = (int32_t)(intptr_t)output - back;
  register int32_t a1 __asm__("r1") = out_c;
  register int32_t a2 __asm__("r2") = (int32_t)(intptr_t)(filter + 2 * K * (out_c >> 1));
  register int32_t a3 __asm__("r3") = (int32_t)(intptr_t)input;
  register int32_t b0 __asm__("r4") = (int32_t)(intptr_t)(input + 4 * K * blocks);
  register int32_t b1 __asm__("r5") = (int32_t)(intptr_t)filter;
  register int32_t b2 __asm__("r6") = (int32_t)(intptr_t)channel;
  register int32_t b3 __asm__("r7") = 3 * out_c - back;
  // f0, f1, x0 ascending too: the records' LDMDB (AN_P5_PAIR).
  register int32_t f0 __asm__("r8"), f1 __asm__("r9"), x0 __asm__("r10");
  int32_t x1, w, q;  // the statement's scratch (written before read)
  if (K == 8) {
    // AN_P58_LAYER at out_c 16 (out of line: the other layers' path only the compare).
    if (__builtin_expect(out_c == 16, 0)) {
      AN_P58_LAYER;
    } else {
      AN_P5_LAYER(8, AN_P5_PAIRS4);
    }
  }
  // S known: AN_P5_PAIRS4_S (in_c 8-128, out_c a multiple of 8: every pass's loop test and output pointer store for
  // four pairs) or AN_P5_PAIRS2_S (in_c 144 and 192, or out_c 4 mod 8 from in_c 40 on: a pass of four pairs at in_c
  // 192 some 25 KB), the frame's output pointer o' 2 (N - 1) bytes on (AN_P5_STORE_D).
  const int s4 = K <= 128 && S % 8 == 0;
  if (S) a0 = (int32_t)(intptr_t)output + (s4 ? 6 : 2);
  if (K == 16 && S == 0) AN_P5_LAYER(16, AN_P5_PAIRS4);
  if (K == 16 && S == 32) {
    a0 = (int32_t)(intptr_t)output;  // AN_P5F_LAYER: the output pointer itself
    AN_P5F_LAYER(16);
  }
  if (K == 16 && S != 0 && S != 32) AN_P5_LAYER(16, AN_P5_PAIRS4_S);
  if (K == 24 && S == 0) AN_P5_LAYER(24, AN_P5_PAIRS4);
  if (K == 24 && S != 0) AN_P5_LAYER(24, AN_P5_PAIRS4_S);
  if (K == 32 && S == 0) AN_P5_LAYER(32, AN_P5_PAIRS4);
  if (K == 32 && S == 32) {
    a0 = (int32_t)(intptr_t)output;  // AN_P5F_LAYER: the output pointer itself
    AN_P5F_LAYER(32);
  }
  if (K == 32 && S != 0 && S != 32) AN_P5_LAYER(32, AN_P5_PAIRS4_S);
  if (K == 40 && S == 0) AN_P5_LAYER(40, AN_P5_PAIRS2);
  if (K == 40 && S != 0 && s4) AN_P5_LAYER(40, AN_P5_PAIRS4_S);
  if (K == 40 && S != 0 && !s4) AN_P5_LAYER(40, AN_P5_PAIRS2_S);
  if (K == 48 && S == 0) AN_P5_LAYER(48, AN_P5_PAIRS2);
  if (K == 48 && S != 0 && s4) AN_P5_LAYER(48, AN_P5_PAIRS4_S);
  if (K == 48 && S != 0 && !s4) AN_P5_LAYER(48, AN_P5_PAIRS2_S);
  if (K == 56 && S == 0) AN_P5_LAYER(56, AN_P5_PAIRS2);
  if (K == 56 && S != 0 && s4) AN_P5_LAYER(56, AN_P5_PAIRS4_S);
  if (K == 56 && S != 0 && !s4) AN_P5_LAYER(56, AN_P5_PAIRS2_S);
  if (K == 64 && S == 0) AN_P5_LAYER(64, AN_P5_PAIRS2);
  if (K == 64 && S != 0) AN_P5_LAYER(64, AN_P5_PAIRS4_S);
  if (K == 72 && S == 0) AN_P5_LAYER(72, AN_P5_PAIRS2);
  if (K == 72 && S != 0 && s4) AN_P5_LAYER(72, AN_P5_PAIRS4_S);
  if (K == 72 && S != 0 && !s4) AN_P5_LAYER(72, AN_P5_PAIRS2_S);
  if (K == 96 && S == 0) AN_P5_LAYER(96, AN_P5_PAIRS2);
  if (K == 96 && S != 0 && s4) AN_P5_LAYER(96, AN_P5_PAIRS4_S);
  if (K == 96 && S != 0 && !s4) AN_P5_LAYER(96, AN_P5_PAIRS2_S);
  if (K == 112 && S == 0) AN_P5_LAYER(112, AN_P5_PAIRS2);
  if (K == 112 && S != 0 && s4) AN_P5_LAYER(112, AN_P5_PAIRS4_S);
  if (K == 112 && S != 0 && !s4) AN_P5_LAYER(112, AN_P5_PAIRS2_S);
  if (K == 128 && S == 0) AN_P5_LAYER(128, AN_P5_PAIRS2);
  if (K == 128 && S != 0 && s4) AN_P5_LAYER(128, AN_P5_PAIRS4_S);
  if (K == 128 && S != 0 && !s4) AN_P5_LAYER(128, AN_P5_PAIRS2_S);
  if (K == 144 && S == 0) AN_P5_LAYER(144, AN_P5_PAIRS2);
  if (K == 144 && S != 0) AN_P5_LAYER(144, AN_P5_PAIRS2_S);
  if (K == 192 && S == 0) AN_P5_LAYER(192, AN_P5_PAIRS2);
  if (K == 192 && S != 0) AN_P5_LAYER(192, AN_P5_PAIRS2_S);
  (void)a0, (void)a1, (void)a2, (void)a3, (void)b0, (void)b1, (void)b2, (void)b3;
  (void)f0, (void)f1, (void)x0, (void)x1, (void)w, (void)q;
}
#undef AN_P5_LAYER
#undef AN_P58_LAYER
#undef AN_P58_W
#undef AN_P58_STORE
#undef AN_P58_PAIR
#undef AN_P58_PAIR0
#undef AN_P58_REST
#undef AN_P58_RQ
#undef AN_P58_STEP
#undef AN_P58_R
#undef AN_P58_F
#undef AN_P5F_LAYER
#undef AN_P5F_WQ
#undef AN_P5F_W
#undef AN_P5F_PS
#undef AN_P5F_STORE
#undef AN_P5F_PAIR0
#undef AN_P5F_PAIR
#undef AN_P5F_REST
#undef AN_P5F_STEPS4
#undef AN_P5F_STEP
#undef AN_P5F_O
#undef AN_P5F_R
#undef AN_P5F_F
#undef AN_P5_PAIRS2_S_INIT
#undef AN_P5_PAIRS2_S_FRAME
#undef AN_P5_PAIRS2_S_TAIL
#undef AN_P5_PAIRS2_S_END
#undef AN_P5_PAIRS4_S_INIT
#undef AN_P5_PAIRS4_S_FRAME
#undef AN_P5_PAIRS4_S_TAIL
#undef AN_P5_PAIRS4_S_END
#undef AN_P5_PAIRS2_S
#undef AN_P5_PAIRS4_S
#undef AN_P5_S_ENTRY
#undef AN_P5_S
#undef AN_P5_STORE_D_LAST
#undef AN_P5_STORE_D
#undef AN_P5_PAIRS4_END
#undef AN_P5_PAIRS2_END
#undef AN_P5_PAIRS4_INIT
#undef AN_P5_PAIRS4_FRAME
#undef AN_P5_PAIRS4_TAIL
#undef AN_P5_PAIRS2_INIT
#undef AN_P5_PAIRS2_FRAME
#undef AN_P5_PAIRS2_TAIL
#undef AN_P5_PAIRS4
#undef AN_P5_PAIRS2
#undef AN_P5_ENTRY
#undef AN_P5_LDF1
#undef AN_P5_LDF0
#undef AN_P5_STORE_LAST
#undef AN_P5_STORE
#undef AN_P5_PAIR
#undef AN_P5_RQ
#undef AN_P5_WIDEN_192
#undef AN_P5_WIDEN_128
#undef AN_P5_WIDEN_112
#undef AN_P5_WIDEN_72
#undef AN_P5_WIDEN_144
#undef AN_P5_WIDEN_96
#undef AN_P5_WIDEN_64
#undef AN_P5_WIDEN_56
#undef AN_P5_WIDEN_48
#undef AN_P5_WIDEN_40
#undef AN_P5_WIDEN_32
#undef AN_P5_WIDEN_24
#undef AN_P5_WIDEN_16
#undef AN_P5_WIDEN_8
#undef AN_P5_W16
#undef AN_P5_W4
#undef AN_P5_W
#undef AN_P5_DOT_192
#undef AN_P5_DOT_128
#undef AN_P5_DOT_112
#undef AN_P5_DOT_72
#undef AN_P5_DOT_144
#undef AN_P5_DOT_96
#undef AN_P5_DOT_64_AT
#undef AN_P5_DOT_64
#undef AN_P5_DOT_56
#undef AN_P5_DOT_48
#undef AN_P5_DOT_40
#undef AN_P5_DOT_32
#undef AN_P5_DOT_24
#undef AN_P5_DOT_16
#undef AN_P5_DOT_8
#undef AN_P5_FIRST_MACS_C6
#undef AN_P5_FIRST_MACS
#undef AN_P5_REST_8
#undef AN_P5_REST_32
#undef AN_P5_STEPS16
#undef AN_P5_STEPS4
#undef AN_P5_STEP
#undef AN_P5_STM_COLS
#undef AN_P5_SET_LAYOUT
#undef AN_P5_CW23
#undef AN_P5_CW

// an_conv1x1_s8_prepared_w16 at stride 1 with in_c = K4 (8, 16, 24, 32; 0: any multiple of four up to
// AN_CONV_PREPARED_PAIRS_MAX_C), without the activation's clamps; cols: 8 * in_c bytes (the caller's stack).  Blocks
// of four pixels, a last block of three with the last pixel twice, of two or one (the last twice) by the two-pixel
// steps.
static inline __attribute__((always_inline)) void an_p4_run(const an_conv_params *p, const int8_t *input,
                                                            const int16_t *filter, const int32_t *channel,
                                                            int8_t *output, const int32_t K4, const int rest,
                                                            int32_t *cols, int32_t from) {
  const int32_t out_c = p->out_c, pixels = p->batches * p->out_h * p->out_w, k4 = K4 ? K4 : p->in_c;
  int32_t pix = from;
  // in_c from 32 on (K4 0), where the pixel count leaves three or one (from five pixels on): the last three, five or
  // nine pixels in blocks of three (an_p3_channels), then two by the two-pixel steps (five).
  const int32_t left = pixels & 3, by3 = !K4 && k4 >= 32 && (left == 3 || (left == 1 && pixels >= 5));
  const int32_t threes = !by3 ? 0 : left == 3 ? 1 : pixels >= 9 ? 3 : 1;
  const int32_t end4 = an_p4_end4(p, K4);
  // Blocks of four pixels: their inputs k4 bytes apart, their outputs out_c.
  for (; pix + 4 <= end4; pix += 4) {
    const int8_t *x = input + pix * k4;
    int32_t *d = cols;
    for (int32_t k = 0; k < k4; k += 4, d += 8) {
      const uint32_t v0 = an_read_u32(x + k), v1 = an_read_u32(x + k4 + k);
      const uint32_t v2 = an_read_u32(x + 2 * k4 + k), v3 = an_read_u32(x + 3 * k4 + k);
      __asm__("strd %1, %2, [%0]" ::"r"(d), "r"(__sxtb16(v0)), "r"(__sxtb16(v1)) : "memory");
      __asm__("strd %1, %2, [%0, #8]" ::"r"(d), "r"(__sxtb16(v2)), "r"(__sxtb16(v3)) : "memory");
      __asm__("strd %1, %2, [%0, #16]" ::"r"(d), "r"(an_sxtb16_ror8(v0)), "r"(an_sxtb16_ror8(v1)) : "memory");
      __asm__("strd %1, %2, [%0, #24]" ::"r"(d), "r"(an_sxtb16_ror8(v2)), "r"(an_sxtb16_ror8(v3)) : "memory");
    }
    an_p4_channels(p, filter, channel, cols, output + pix * out_c, 0, K4, rest, 1);
  }
  for (int32_t t = 0; t < threes; ++t, pix += 3) {
    const int8_t *x = input + pix * k4;
    int32_t *d = cols;
    for (int32_t k = 0; k < k4; k += 4, d += 8) {
      const uint32_t v0 = an_read_u32(x + k), v1 = an_read_u32(x + k4 + k), v2 = an_read_u32(x + 2 * k4 + k);
      __asm__("strd %1, %2, [%0]" ::"r"(d), "r"(__sxtb16(v0)), "r"(__sxtb16(v1)) : "memory");
      __asm__("str %1, [%0, #8]" ::"r"(d), "r"(__sxtb16(v2)) : "memory");
      __asm__("strd %1, %2, [%0, #16]" ::"r"(d), "r"(an_sxtb16_ror8(v0)), "r"(an_sxtb16_ror8(v1)) : "memory");
      __asm__("str %1, [%0, #24]" ::"r"(d), "r"(an_sxtb16_ror8(v2)) : "memory");
    }
    an_p3_channels(p, filter, channel, cols, output + pix * out_c, rest);
  }
  if (pix < pixels) {
    // The last one to three pixels: a pixel past the last is the last again (its outputs stored over the last's,
    // the same values; no input is read after an output is written); two or one by the two-pixel steps.
    const int32_t last = pixels - 1 - pix, four = last >= 2;
    int32_t at[4], q[4];
    for (int32_t j = 0; j < 4; ++j) q[j] = j < last ? j : last, at[j] = q[j] * out_c;
    for (int32_t j = 0; j < (four ? 4 : 2); j += 2) {
      const int8_t *x0 = input + (pix + q[j]) * k4, *x1 = input + (pix + q[j + 1]) * k4;
      int32_t *d = cols + j;
      for (int32_t k = 0; k < k4; k += 4, d += 8) {
        const uint32_t v0 = an_read_u32(x0 + k), v1 = an_read_u32(x1 + k);
        __asm__("strd %1, %2, [%0]" ::"r"(d), "r"(__sxtb16(v0)), "r"(__sxtb16(v1)) : "memory");
        __asm__("strd %1, %2, [%0, #16]" ::"r"(d), "r"(an_sxtb16_ror8(v0)), "r"(an_sxtb16_ror8(v1)) : "memory");
      }
    }
    if (four) {
      an_p4_channels(p, filter, channel, cols, output + pix * out_c, at, K4, rest, 1);
    } else {
      an_p4_channels(p, filter, channel, cols, output + pix * out_c, at, K4, rest, 0);
    }
  }
}
#undef AN_P4_ASM
#undef AN_P4_STEPS_32
#undef AN_P4_STEPS_24
#undef AN_P4_STEPS_16
#undef AN_P4_STEPS_8
#undef AN_P4_STEPS_4
#undef AN_P4_STEPS4
#undef AN_P4_STEP_1PH
#undef AN_P4_STEP_1P
#undef AN_P4_STEP_2PH
#undef AN_P4_STEP_2P
#undef AN_P4_STEP_1H
#undef AN_P4_STEP_1
#undef AN_P4_STEP_2H
#undef AN_P4_STEP_2
#undef AN_P4_STEP1P_AT
#undef AN_P4_STEP2P_AT
#undef AN_P4_STEP1_AT
#undef AN_P4_STEP2_AT
#undef AN_P4_F1
#undef AN_P4_FB_H
#undef AN_P4_FA_H
#undef AN_P4_FB
#undef AN_P4_FA
#undef AN_P4_C

// The four-pixel functions' attributes.  general-regs-only: their asm statements need 12 to 14 core registers; with
// an FPU, GCC -O1 (hard or softfp float ABI) keeps values in VFP registers across them and then finds no core
// registers ("asm operand has impossible constraints").  They use no floating point; at -O2 it moves a few register
// copies (vww's 1x1 layers: the same cycles, bench/conv_layers.py).
#define AN_P4_FN __attribute__((noinline, target("general-regs-only")))
// The blocks of four pixels of a layer at in_c K (a multiple of 8 up to 64, 128) and an even out_c by AN_P5_LAYER;
// returns the first pixel left (an_p4_run's from: 0 where AN_P5_LAYER does not apply).  S, Z: an_p5_blocks'.
static inline __attribute__((always_inline)) int32_t an_p5_run(const an_conv_params *p, const int8_t *input,
                                                               const int16_t *filter, const int32_t *channel,
                                                               int8_t *output, const int32_t K, const int32_t K4,
                                                               const int32_t S, const int32_t Z) {
  const int32_t end4 = an_p4_end4(p, K4);
  if ((p->out_c & 1) || end4 < 4) return 0;
  an_p5_blocks(p, input, filter, channel, output, K, S, Z, end4 >> 2);
  return end4;
}
static void AN_P4_FN an_p4_k8(const an_conv_params *p, const int8_t *input, const int16_t *filter,
                              const int32_t *channel, int8_t *output) {
  int32_t cols[2 * 8];  // four pixels' columns (8 * K4 bytes)
  const int32_t from = an_p5_run(p, input, filter, channel, output, 8, 8, 0, 0);
  an_p4_run(p, input, filter, channel, output, 8, 0, cols, from);
}
static void AN_P4_FN an_p4_k16(const an_conv_params *p, const int8_t *input, const int16_t *filter,
                               const int32_t *channel, int8_t *output) {
  int32_t cols[2 * 16];  // four pixels' columns (8 * K4 bytes)
  const int32_t from = an_p5_run(p, input, filter, channel, output, 16, 16, 0, 0);
  an_p4_run(p, input, filter, channel, output, 16, 0, cols, from);
}
static void AN_P4_FN an_p4_k24(const an_conv_params *p, const int8_t *input, const int16_t *filter,
                               const int32_t *channel, int8_t *output) {
  int32_t cols[2 * 24];  // four pixels' columns (8 * K4 bytes)
  const int32_t from = an_p5_run(p, input, filter, channel, output, 24, 24, 0, 0);
  an_p4_run(p, input, filter, channel, output, 24, 0, cols, from);
}
static void AN_P4_FN an_p4_k32(const an_conv_params *p, const int8_t *input, const int16_t *filter,
                               const int32_t *channel, int8_t *output) {
  int32_t cols[2 * 32];  // four pixels' columns (8 * K4 bytes)
  const int32_t from = an_p5_run(p, input, filter, channel, output, 32, 32, 0, 0);
  an_p4_run(p, input, filter, channel, output, 32, 0, cols, from);
}
// in_c 16 at out_c 32, in_c 32 at out_c 32 and 64 (variants pairs16_out32, pairs32_out32, pairs32_out64: vww's and
// person_detect's layers), in_c 24 at out_c 40 and 72, in_c 32 at 96 and 112 (the demo AttendNet-B's): an_p4_k16 /
// an_p4_k24 / an_p4_k32 with out_c known (an_p5_blocks' S); the last one to three pixels by an_p4_run in a function of
// its own, which the variants of one K share.
#define AN_P4_OUT(K)                                                                                          \
  static void AN_P4_FN an_p4_k##K##_from(const an_conv_params *p, const int8_t *input, const int16_t *filter, \
                                         const int32_t *channel, int8_t *output, int32_t from) {              \
    int32_t cols[2 * K]; /* four pixels' columns (8 * K4 bytes) */                                            \
    an_p4_run(p, input, filter, channel, output, K, 0, cols, from);                                           \
  }
#define AN_P4_OUT_S(K, S, Z, SUFFIX)                                                                                  \
  static void AN_P4_FN an_p4_k##K##_o##S##SUFFIX(const an_conv_params *p, const int8_t *input, const int16_t *filter, \
                                                 const int32_t *channel, int8_t *output) {                            \
    const int32_t from = an_p5_run(p, input, filter, channel, output, K, K, S, Z);                                    \
    if (from < p->batches * p->out_h * p->out_w) an_p4_k##K##_from(p, input, filter, channel, output, from);          \
  }
AN_P4_OUT(16)
AN_P4_OUT(24)
AN_P4_OUT(32)
AN_P4_OUT_S(16, 32, 0, )
AN_P4_OUT_S(32, 32, 0, )
AN_P4_OUT_S(32, 64, 0, )
AN_P4_OUT_S(24, 40, 0, )
AN_P4_OUT_S(24, 72, 0, )
AN_P4_OUT_S(32, 96, 0, )
AN_P4_OUT_S(32, 112, 0, )
// _z: the same where act_min is at or above the output zero point (AN_P5_RQ's SMMLAR by kc alone; the demo's RELU6
// layers, vww's 12x12x32 -> 64).
AN_P4_OUT_S(32, 64, 1, _z)
AN_P4_OUT_S(24, 40, 1, _z)
AN_P4_OUT_S(24, 72, 1, _z)
AN_P4_OUT_S(32, 96, 1, _z)
AN_P4_OUT_S(32, 112, 1, _z)
#undef AN_P4_OUT_S
#undef AN_P4_OUT
// in_c 64 at out_c 64 (variant pairs64_out64: vww's 12x12x64 -> 64, dscnn_kws's layers): an_p5_k64 with out_c known.
static int32_t AN_P4_FN an_p5_k64_o64(const an_conv_params *p, const int8_t *input, const int16_t *filter,
                                      const int32_t *channel, int8_t *output) {
  return an_p5_run(p, input, filter, channel, output, 64, 0, 64, 0);
}
// _z: act_min at or above the output zero point (AN_P5_RQ's SMMLAR by kc alone; vww's RELU6 layer).
static int32_t AN_P4_FN an_p5_k64_o64_z(const an_conv_params *p, const int8_t *input, const int16_t *filter,
                                        const int32_t *channel, int8_t *output) {
  return an_p5_run(p, input, filter, channel, output, 64, 0, 64, 1);
}
// in_c 40 on with out_c known (a multiple of four: AN_P5_PAIRS2_S; variants pairs40_out24 ... pairs192_out704, the
// demo AttendNet-B's layers, vww's 6x6x128 -> 128): an_p5_k40 ... an_p5_k192 with out_c known.
#define AN_P5_DEEP_S(K, S, Z, SUFFIX)                                                                                \
  static int32_t AN_P4_FN an_p5_k##K##_o##S##SUFFIX(const an_conv_params *p, const int8_t *input,                    \
                                                    const int16_t *filter, const int32_t *channel, int8_t *output) { \
    return an_p5_run(p, input, filter, channel, output, K, 0, S, Z);                                                 \
  }
AN_P5_DEEP_S(40, 24, 0, )
AN_P5_DEEP_S(48, 144, 0, )
AN_P5_DEEP_S(48, 192, 0, )
AN_P5_DEEP_S(96, 32, 0, )
AN_P5_DEEP_S(96, 288, 0, )
AN_P5_DEEP_S(96, 336, 0, )
AN_P5_DEEP_S(112, 448, 0, )
AN_P5_DEEP_S(72, 32, 0, )
AN_P5_DEEP_S(144, 48, 0, )
AN_P5_DEEP_S(128, 128, 0, )
AN_P5_DEEP_S(192, 576, 0, )
AN_P5_DEEP_S(192, 704, 0, )
// _z: act_min at or above the output zero point (AN_P5_RQ's SMMLAR by kc alone; the demo's RELU6 layers, vww's).
AN_P5_DEEP_S(48, 144, 1, _z)
AN_P5_DEEP_S(48, 192, 1, _z)
AN_P5_DEEP_S(96, 288, 1, _z)
AN_P5_DEEP_S(96, 336, 1, _z)
AN_P5_DEEP_S(112, 448, 1, _z)
AN_P5_DEEP_S(128, 128, 1, _z)
AN_P5_DEEP_S(192, 576, 1, _z)
AN_P5_DEEP_S(192, 704, 1, _z)
#undef AN_P5_DEEP_S
// in_c 40, 48, 56, 64, 72, 96, 112, 128, 144 and 192: the blocks of four pixels up to an_p4_run's (K4 0) three-pixel
// blocks by AN_P5_LAYER (its frame apart from an_p4_deep's columns: called before it); returns the first pixel left.
#define AN_P5_DEEP(K)                                                                                     \
  static int32_t AN_P4_FN an_p5_k##K(const an_conv_params *p, const int8_t *input, const int16_t *filter, \
                                     const int32_t *channel, int8_t *output) {                            \
    return an_p5_run(p, input, filter, channel, output, K, 0, 0, 0);                                      \
  }
AN_P5_DEEP(40)
AN_P5_DEEP(48)
AN_P5_DEEP(56)
AN_P5_DEEP(64)
AN_P5_DEEP(96)
AN_P5_DEEP(112)
AN_P5_DEEP(72)
AN_P5_DEEP(144)
AN_P5_DEEP(128)
AN_P5_DEEP(192)
#undef AN_P5_DEEP
// in_c 64, 96, ...: passes of 32 values; cols: 8 * in_c bytes (an_p4_deep's); from pixel from on.
static void AN_P4_FN an_p4_k32n(const an_conv_params *p, const int8_t *input, const int16_t *filter,
                                const int32_t *channel, int8_t *output, int32_t *cols, int32_t from) {
  an_p4_run(p, input, filter, channel, output, 0, 0, cols, from);
}
// Any other in_c (a multiple of four): passes of 32 values, then 16, 8, 4; from pixel from on.
static void AN_P4_FN an_p4_any(const an_conv_params *p, const int8_t *input, const int16_t *filter,
                               const int32_t *channel, int8_t *output, int32_t *cols, int32_t from) {
  an_p4_run(p, input, filter, channel, output, 0, 1, cols, from);
}
// The same from in_c 128 on (rest 2: at least three passes of 32 after the first, where AN_P4_PASSES_128's entry
// costs less than the loop control it saves; below, with one or two, it would cost more).
static void AN_P4_FN an_p4_any128(const an_conv_params *p, const int8_t *input, const int16_t *filter,
                                  const int32_t *channel, int8_t *output, int32_t *cols, int32_t from) {
  an_p4_run(p, input, filter, channel, output, 0, 2, cols, from);
}
#undef AN_P4_FN
// in_c other than 8, 16, 24, 32 (k32n: a multiple of 32, else any multiple of four): the four pixels' columns on the
// stack up to AN_CONV_PREPARED_PAIRS_MAX_C, above it in scratch (AN_CONV_PREPARED_SCRATCH_BYTES: 8 * in_c bytes,
// 16-byte aligned in the arena); from pixel from on (in_c 40-192: after an_p5_k40 ... an_p5_k192).  One function
// each (form 1: an_p4_deep32n, 0: an_p4_deep_any, 2: an_p4_deep_any128), so that a firmware links an_p4_any only where
// a layer's in_c needs it.
static inline __attribute__((always_inline)) void an_p4_deep(const an_conv_params *p, const int8_t *input,
                                                             const int16_t *filter, const int32_t *channel,
                                                             int8_t *output, int16_t *scratch, int32_t from,
                                                             const int form) {
  int32_t stack[2 * AN_CONV_PREPARED_PAIRS_MAX_C];
  int32_t *const cols = p->in_c <= AN_CONV_PREPARED_PAIRS_MAX_C ? stack : (int32_t *)(void *)scratch;
  if (form == 1) {
    an_p4_k32n(p, input, filter, channel, output, cols, from);
  } else if (form == 2) {
    an_p4_any128(p, input, filter, channel, output, cols, from);
  } else {
    an_p4_any(p, input, filter, channel, output, cols, from);
  }
}
static void __attribute__((noinline))
an_p4_deep32n(const an_conv_params *p, const int8_t *input, const int16_t *filter, const int32_t *channel,
              int8_t *output, int16_t *scratch, int32_t from) {
  an_p4_deep(p, input, filter, channel, output, scratch, from, 1);
}
static void __attribute__((noinline))
an_p4_deep_any(const an_conv_params *p, const int8_t *input, const int16_t *filter, const int32_t *channel,
               int8_t *output, int16_t *scratch, int32_t from) {
  an_p4_deep(p, input, filter, channel, output, scratch, from, 0);
}
static void __attribute__((noinline))
an_p4_deep_any128(const an_conv_params *p, const int8_t *input, const int16_t *filter, const int32_t *channel,
                  int8_t *output, int16_t *scratch, int32_t from) {
  an_p4_deep(p, input, filter, channel, output, scratch, from, 2);
}
#else
#define AN_P4 0
#endif

#define AN_PQ_VARIANT(NAME, K4, REST)                                                                             \
  static void __attribute__((noinline)) NAME(const an_conv_params *p, const int8_t *input, const int16_t *filter, \
                                             const int32_t *channel, int8_t *output, int16_t *scratch) {          \
    an_pq_run(p, input, filter, channel, output, scratch, K4, REST);                                              \
  }
AN_PQ_VARIANT(an_pq_k8, 8, 1)
AN_PQ_VARIANT(an_pq_k16, 16, 1)
AN_PQ_VARIANT(an_pq_k32, 32, 1)
AN_PQ_VARIANT(an_pq_k32n, 0, 0)
AN_PQ_VARIANT(an_pq_any, 0, 1)
#undef AN_PQ_VARIANT

#endif

#if AN_USE_DSP && !AN_USE_MVE
// Elsewhere an_conv.c's (its 1x1 loop with an_conv_channels_w16).
void an_conv1x1_s8_w16(const an_conv_params *p, const int8_t *input, const int16_t *filter, const int32_t *channel,
                       int8_t *output, int16_t *scratch) {
  switch (AN_CONV_K4(p->in_c)) {
    case 8:
      an_pw_k8(p, input, filter, channel, output, scratch);
      break;
    case 16:
      an_pw_k16(p, input, filter, channel, output, scratch);
      break;
    case 32:
      an_pw_k32(p, input, filter, channel, output, scratch);
      break;
    default:
      if (AN_CONV_K4(p->in_c) % 32 == 0) {
        an_pw_k32n(p, input, filter, channel, output, scratch);
      } else {
        an_pw_any(p, input, filter, channel, output, scratch);
      }
  }
  if (p->act_min > -128 || p->act_max < 127) {
    an_pw_clamp(output, p->batches * p->out_h * p->out_w * p->out_c, p->act_min, p->act_max);
  }
}
#endif
#if AN_CONV_SHARED_LOOPS
// Input pixel x (n values, a multiple of four) as pixel j of an_widen_s8_pair's interleaved columns, each block of
// four in the order 0 2 1 3 (the AN_CONV_W16_PAIRS filter layout's).
static void an_pq_widen_pairs(const int8_t *x, int16_t *cols, int32_t j, int32_t n) {
  int16_t *dst = cols + 4 * j;
  for (const int8_t *const end = x + n; x < end; x += 4, dst += 8) {
    dst[0] = x[0], dst[1] = x[2], dst[2] = x[1], dst[3] = x[3];
  }
}

#endif

#if !AN_USE_DSP && !AN_USE_MVE
// Rows w0, w1, w2 (`rows`: 1-3, a constant where inlined) of the pairs layout, each row's eight values of a block
// `step` values after the last block's (16 in a group of two, 8 for an odd last row), K4 a multiple of four, by
// the pixel pair of cols (an_widen_s8_pair's layout, each block of four as 0 2 1 3): as an_w16_dot_any in plain C,
// three rows across groups of two so that each column value loaded serves three rows.  A last block of four
// values (K4 % 8 == 4) holds each row's four values four places closer to the group's start: row r's there
// back[r] (4 for the second row of a group of two, else 0) values before where a block of eight has them.
static inline __attribute__((always_inline)) void an_pq_pairs_dot(const int16_t *w0, const int16_t *w1,
                                                                  const int16_t *w2, const int32_t *back, int32_t step,
                                                                  const int16_t *cols, int32_t k4, int32_t rows,
                                                                  int32_t *acc) {
  uint32_t a0 = (uint32_t)acc[0], a1 = (uint32_t)acc[1], a2 = (uint32_t)acc[2];
  uint32_t a3 = (uint32_t)acc[3], a4 = (uint32_t)acc[4], a5 = (uint32_t)acc[5];
#define AN_PQ_PAIRS_TAP(T)                                                                      \
  do {                                                                                          \
    const int32_t x0 = cols[((T)&3) + ((T) >> 2) * 8], x1 = cols[((T)&3) + ((T) >> 2) * 8 + 4]; \
    a0 += (uint32_t)(w0[T] * x0);                                                               \
    a1 += (uint32_t)(w0[T] * x1);                                                               \
    if (rows > 1) {                                                                             \
      a2 += (uint32_t)(w1[T] * x0);                                                             \
      a3 += (uint32_t)(w1[T] * x1);                                                             \
    }                                                                                           \
    if (rows > 2) {                                                                             \
      a4 += (uint32_t)(w2[T] * x0);                                                             \
      a5 += (uint32_t)(w2[T] * x1);                                                             \
    }                                                                                           \
  } while (0)
  for (const int16_t *const end = cols + 2 * (k4 & ~7); cols < end; cols += 16, w0 += step, w1 += step, w2 += step) {
    AN_PQ_PAIRS_TAP(0);
    AN_PQ_PAIRS_TAP(1);
    AN_PQ_PAIRS_TAP(2);
    AN_PQ_PAIRS_TAP(3);
    AN_PQ_PAIRS_TAP(4);
    AN_PQ_PAIRS_TAP(5);
    AN_PQ_PAIRS_TAP(6);
    AN_PQ_PAIRS_TAP(7);
  }
  if (k4 & 4) {
    w0 -= back[0];
    if (rows > 1) w1 -= back[1];
    if (rows > 2) w2 -= back[2];
    AN_PQ_PAIRS_TAP(0);
    AN_PQ_PAIRS_TAP(1);
    AN_PQ_PAIRS_TAP(2);
    AN_PQ_PAIRS_TAP(3);
  }
#undef AN_PQ_PAIRS_TAP
  acc[0] = (int32_t)a0, acc[1] = (int32_t)a1, acc[2] = (int32_t)a2;
  acc[3] = (int32_t)a3, acc[4] = (int32_t)a4, acc[5] = (int32_t)a5;
}

// Output channels [0, out_c) of a pixel pair from the pairs layout's filter w (K4 values a row) and prepared
// records ch, three rows at a time (plain C).
static void an_pq_pairs_channels(an_conv_out_params q, const int16_t *w, const int16_t *cols, int32_t k4,
                                 const int32_t *ch, int32_t out_c, int8_t *o0, int8_t *o1) {
  const int32_t paired = out_c & ~1;  // rows in groups of two; an odd last row alone, its blocks 8 values apart
#define AN_PQ_PAIRS_ROW(i) (w + ((i) >> 1) * 2 * k4 + ((i)&1) * 8)
  int32_t i = 0;
  for (; i + 3 <= paired; i += 3) {
    int32_t acc[6] = {ch[4 * i], ch[4 * i], ch[4 * i + 4], ch[4 * i + 4], ch[4 * i + 8], ch[4 * i + 8]};
    const int32_t back[3] = {(i & 1) * 4, ((i + 1) & 1) * 4, ((i + 2) & 1) * 4};
    an_pq_pairs_dot(AN_PQ_PAIRS_ROW(i), AN_PQ_PAIRS_ROW(i + 1), AN_PQ_PAIRS_ROW(i + 2), back, 16, cols, k4, 3, acc);
    an_pq_plain_out(q, ch + 4 * i, acc, 3, o0 + i, o1 + i);
  }
  for (; i < out_c; ++i) {
    int32_t acc[6] = {ch[4 * i], ch[4 * i], 0, 0, 0, 0};
    const int single = i == paired;
    const int32_t back[3] = {single ? 0 : (i & 1) * 4, 0, 0};
    an_pq_pairs_dot(single ? w + i * k4 : AN_PQ_PAIRS_ROW(i), 0, 0, back, single ? 8 : 16, cols, k4, 1, acc);
    an_pq_plain_out(q, ch + 4 * i, acc, 1, o0 + i, o1 + i);
  }
#undef AN_PQ_PAIRS_ROW
}
#endif

#if AN_CONV_SHARED_LOOPS
// an_conv1x1_s8_prepared_w16 in plain C (cores without DSP, Helium, and on DSP cores the pairs layout where an_p4_*
// do not build, -O0): every variant's entry point there.
static void an_pq_shared(const an_conv_params *p, const int8_t *input, const int16_t *filter, const int32_t *channel,
                         int8_t *output, int16_t *scratch) {
  const int pairs = AN_CONV_PREPARED_PAIRS(p->in_c, p->stride_h, p->stride_w);
  // Plain C (an_conv1x1_impl's loop): per pair of output pixels both input pixels widened once into scratch (two
  // interleaved columns of K4 values, the padding to K4 zeroed once; in the pairs layout each block of four as
  // 0 2 1 3), then each group of three (pairs layout: two) channels by the pixel pair (an_kxk_pq_channels).
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
      if (pairs) {
        an_pq_widen_pairs(x.x0, scratch, 0, n);
        an_pq_widen_pairs(x.x1, scratch, 1, n);
      } else {
        an_widen_s8_pair(x.x0, scratch, 0, 0, n);
        an_widen_s8_pair(x.x1, scratch, 0, 1, n);
      }
#if !AN_USE_DSP && !AN_USE_MVE
      if (pairs) {
        an_pq_pairs_channels(q, filter, scratch, k4, channel, out_c, out0, out0 + x.out1);
        continue;
      }
#endif
      an_kxk_pq_channels(q, filter, scratch, k4, channel, out_c, pairs ? 2 : 3, out0, out0 + x.out1);
    }
  }
}
#endif

// ---- an_conv1x1_s8_prepared_w16's entry points (an_conv.h: one per variant, an_conv1x1_prepared_variant) ----
//
// On DSP cores each runs its variant, then the activation's clamps where narrower than int8 (an_pq_clamp); the pairs
// layout's where an_p4_* do not build (-O0), and every one on other cores, the plain-C loop (an_pq_shared).
#if AN_USE_DSP && !AN_USE_MVE
static void an_pq_clamp(const an_conv_params *p, int8_t *output) {
  if (p->act_min > -128 || p->act_max < 127) {
    an_pw_clamp(output, p->batches * p->out_h * p->out_w * p->out_c, p->act_min, p->act_max);
  }
}
#define AN_PQ_RUN(VARIANT)                               \
  do {                                                   \
    VARIANT(p, input, filter, channel, output, scratch); \
    an_pq_clamp(p, output);                              \
  } while (0)
#else
#define AN_PQ_RUN(VARIANT) an_pq_shared(p, input, filter, channel, output, scratch)
#endif
#if defined(AN_P4) && AN_P4
#define AN_PQ_PAIRS_RUN(CALL) \
  do {                        \
    (void)scratch;            \
    CALL;                     \
    an_pq_clamp(p, output);   \
  } while (0)
#else
#define AN_PQ_PAIRS_RUN(CALL) an_pq_shared(p, input, filter, channel, output, scratch)
#endif

AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs8) {
  AN_PQ_PAIRS_RUN(an_p4_k8(p, input, filter, channel, output));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs16) {
  AN_PQ_PAIRS_RUN(an_p4_k16(p, input, filter, channel, output));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs24) {
  AN_PQ_PAIRS_RUN(an_p4_k24(p, input, filter, channel, output));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs32) {
  AN_PQ_PAIRS_RUN(an_p4_k32(p, input, filter, channel, output));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs64) {
  AN_PQ_PAIRS_RUN(
      an_p4_deep32n(p, input, filter, channel, output, scratch, an_p5_k64(p, input, filter, channel, output)));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs96) {
  AN_PQ_PAIRS_RUN(
      an_p4_deep32n(p, input, filter, channel, output, scratch, an_p5_k96(p, input, filter, channel, output)));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs112) {
  AN_PQ_PAIRS_RUN(
      an_p4_deep_any(p, input, filter, channel, output, scratch, an_p5_k112(p, input, filter, channel, output)));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs128) {
  AN_PQ_PAIRS_RUN(
      an_p4_deep32n(p, input, filter, channel, output, scratch, an_p5_k128(p, input, filter, channel, output)));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs40) {
  AN_PQ_PAIRS_RUN(
      an_p4_deep_any(p, input, filter, channel, output, scratch, an_p5_k40(p, input, filter, channel, output)));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs48) {
  AN_PQ_PAIRS_RUN(
      an_p4_deep_any(p, input, filter, channel, output, scratch, an_p5_k48(p, input, filter, channel, output)));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs56) {
  AN_PQ_PAIRS_RUN(
      an_p4_deep_any(p, input, filter, channel, output, scratch, an_p5_k56(p, input, filter, channel, output)));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs192) {
  AN_PQ_PAIRS_RUN(
      an_p4_deep32n(p, input, filter, channel, output, scratch, an_p5_k192(p, input, filter, channel, output)));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs32n) {
  AN_PQ_PAIRS_RUN(an_p4_deep32n(p, input, filter, channel, output, scratch, 0));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs_any) {
  AN_PQ_PAIRS_RUN(an_p4_deep_any(p, input, filter, channel, output, scratch, 0));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs_any128) {
  AN_PQ_PAIRS_RUN(an_p4_deep_any128(p, input, filter, channel, output, scratch, 0));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_k8) {
  AN_PQ_RUN(an_pq_k8);
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_k16) {
  AN_PQ_RUN(an_pq_k16);
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_k32) {
  AN_PQ_RUN(an_pq_k32);
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_k32n) {
  AN_PQ_RUN(an_pq_k32n);
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_any) {
  AN_PQ_RUN(an_pq_any);
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs16_out32) {
  AN_PQ_PAIRS_RUN(an_p4_k16_o32(p, input, filter, channel, output));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs32_out32) {
  AN_PQ_PAIRS_RUN(an_p4_k32_o32(p, input, filter, channel, output));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs32_out64) {
  AN_PQ_PAIRS_RUN(an_p4_k32_o64(p, input, filter, channel, output));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs64_out64) {
  AN_PQ_PAIRS_RUN(
      an_p4_deep32n(p, input, filter, channel, output, scratch, an_p5_k64_o64(p, input, filter, channel, output)));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs72) {
  AN_PQ_PAIRS_RUN(
      an_p4_deep_any(p, input, filter, channel, output, scratch, an_p5_k72(p, input, filter, channel, output)));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs144) {
  AN_PQ_PAIRS_RUN(
      an_p4_deep_any(p, input, filter, channel, output, scratch, an_p5_k144(p, input, filter, channel, output)));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs24_out40) {
  AN_PQ_PAIRS_RUN(an_p4_k24_o40(p, input, filter, channel, output));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs24_out72) {
  AN_PQ_PAIRS_RUN(an_p4_k24_o72(p, input, filter, channel, output));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs32_out96) {
  AN_PQ_PAIRS_RUN(an_p4_k32_o96(p, input, filter, channel, output));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs32_out112) {
  AN_PQ_PAIRS_RUN(an_p4_k32_o112(p, input, filter, channel, output));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs40_out24) {
  AN_PQ_PAIRS_RUN(
      an_p4_deep_any(p, input, filter, channel, output, scratch, an_p5_k40_o24(p, input, filter, channel, output)));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs48_out144) {
  AN_PQ_PAIRS_RUN(
      an_p4_deep_any(p, input, filter, channel, output, scratch, an_p5_k48_o144(p, input, filter, channel, output)));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs48_out192) {
  AN_PQ_PAIRS_RUN(
      an_p4_deep_any(p, input, filter, channel, output, scratch, an_p5_k48_o192(p, input, filter, channel, output)));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs96_out32) {
  AN_PQ_PAIRS_RUN(
      an_p4_deep32n(p, input, filter, channel, output, scratch, an_p5_k96_o32(p, input, filter, channel, output)));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs96_out288) {
  AN_PQ_PAIRS_RUN(
      an_p4_deep32n(p, input, filter, channel, output, scratch, an_p5_k96_o288(p, input, filter, channel, output)));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs96_out336) {
  AN_PQ_PAIRS_RUN(
      an_p4_deep32n(p, input, filter, channel, output, scratch, an_p5_k96_o336(p, input, filter, channel, output)));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs112_out448) {
  AN_PQ_PAIRS_RUN(
      an_p4_deep_any(p, input, filter, channel, output, scratch, an_p5_k112_o448(p, input, filter, channel, output)));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs128_out128) {
  AN_PQ_PAIRS_RUN(
      an_p4_deep32n(p, input, filter, channel, output, scratch, an_p5_k128_o128(p, input, filter, channel, output)));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs192_out576) {
  AN_PQ_PAIRS_RUN(
      an_p4_deep32n(p, input, filter, channel, output, scratch, an_p5_k192_o576(p, input, filter, channel, output)));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs192_out704) {
  AN_PQ_PAIRS_RUN(
      an_p4_deep32n(p, input, filter, channel, output, scratch, an_p5_k192_o704(p, input, filter, channel, output)));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs72_out32) {
  AN_PQ_PAIRS_RUN(
      an_p4_deep_any(p, input, filter, channel, output, scratch, an_p5_k72_o32(p, input, filter, channel, output)));
}
AN_CONV1X1_PREPARED_ENTRY(an_conv1x1_s8_prepared_w16_pairs144_out48) {
  AN_PQ_PAIRS_RUN(
      an_p4_deep_any(p, input, filter, channel, output, scratch, an_p5_k144_o48(p, input, filter, channel, output)));
}
// The _z twins (an_conv.h's AN_CONV1X1_PREPARED_ENTRY_Z): act_min at or above the output zero point.
AN_CONV1X1_PREPARED_ENTRY_Z(an_conv1x1_s8_prepared_w16_pairs32_out64) {
  AN_PQ_PAIRS_RUN(an_p4_k32_o64_z(p, input, filter, channel, output));
}
AN_CONV1X1_PREPARED_ENTRY_Z(an_conv1x1_s8_prepared_w16_pairs24_out40) {
  AN_PQ_PAIRS_RUN(an_p4_k24_o40_z(p, input, filter, channel, output));
}
AN_CONV1X1_PREPARED_ENTRY_Z(an_conv1x1_s8_prepared_w16_pairs24_out72) {
  AN_PQ_PAIRS_RUN(an_p4_k24_o72_z(p, input, filter, channel, output));
}
AN_CONV1X1_PREPARED_ENTRY_Z(an_conv1x1_s8_prepared_w16_pairs32_out96) {
  AN_PQ_PAIRS_RUN(an_p4_k32_o96_z(p, input, filter, channel, output));
}
AN_CONV1X1_PREPARED_ENTRY_Z(an_conv1x1_s8_prepared_w16_pairs32_out112) {
  AN_PQ_PAIRS_RUN(an_p4_k32_o112_z(p, input, filter, channel, output));
}
AN_CONV1X1_PREPARED_ENTRY_Z(an_conv1x1_s8_prepared_w16_pairs48_out144) {
  AN_PQ_PAIRS_RUN(
      an_p4_deep_any(p, input, filter, channel, output, scratch, an_p5_k48_o144_z(p, input, filter, channel, output)));
}
AN_CONV1X1_PREPARED_ENTRY_Z(an_conv1x1_s8_prepared_w16_pairs48_out192) {
  AN_PQ_PAIRS_RUN(
      an_p4_deep_any(p, input, filter, channel, output, scratch, an_p5_k48_o192_z(p, input, filter, channel, output)));
}
AN_CONV1X1_PREPARED_ENTRY_Z(an_conv1x1_s8_prepared_w16_pairs64_out64) {
  AN_PQ_PAIRS_RUN(
      an_p4_deep32n(p, input, filter, channel, output, scratch, an_p5_k64_o64_z(p, input, filter, channel, output)));
}
AN_CONV1X1_PREPARED_ENTRY_Z(an_conv1x1_s8_prepared_w16_pairs96_out288) {
  AN_PQ_PAIRS_RUN(
      an_p4_deep32n(p, input, filter, channel, output, scratch, an_p5_k96_o288_z(p, input, filter, channel, output)));
}
AN_CONV1X1_PREPARED_ENTRY_Z(an_conv1x1_s8_prepared_w16_pairs96_out336) {
  AN_PQ_PAIRS_RUN(
      an_p4_deep32n(p, input, filter, channel, output, scratch, an_p5_k96_o336_z(p, input, filter, channel, output)));
}
AN_CONV1X1_PREPARED_ENTRY_Z(an_conv1x1_s8_prepared_w16_pairs112_out448) {
  AN_PQ_PAIRS_RUN(
      an_p4_deep_any(p, input, filter, channel, output, scratch, an_p5_k112_o448_z(p, input, filter, channel, output)));
}
AN_CONV1X1_PREPARED_ENTRY_Z(an_conv1x1_s8_prepared_w16_pairs128_out128) {
  AN_PQ_PAIRS_RUN(
      an_p4_deep32n(p, input, filter, channel, output, scratch, an_p5_k128_o128_z(p, input, filter, channel, output)));
}
AN_CONV1X1_PREPARED_ENTRY_Z(an_conv1x1_s8_prepared_w16_pairs192_out576) {
  AN_PQ_PAIRS_RUN(
      an_p4_deep32n(p, input, filter, channel, output, scratch, an_p5_k192_o576_z(p, input, filter, channel, output)));
}
AN_CONV1X1_PREPARED_ENTRY_Z(an_conv1x1_s8_prepared_w16_pairs192_out704) {
  AN_PQ_PAIRS_RUN(
      an_p4_deep32n(p, input, filter, channel, output, scratch, an_p5_k192_o704_z(p, input, filter, channel, output)));
}
#undef AN_PQ_PAIRS_RUN
#undef AN_PQ_RUN

// The variant of the layer (a direct caller's entry; a generated model.c calls the variant itself).
void an_conv1x1_s8_prepared_w16(const an_conv_params *p, const int8_t *input, const int16_t *filter,
                                const int32_t *channel, int8_t *output, int16_t *scratch) {
#if AN_USE_DSP && !AN_USE_MVE
  static void (*const variants[])(const an_conv_params *, const int8_t *, const int16_t *, const int32_t *, int8_t *,
                                  int16_t *) = {an_conv1x1_s8_prepared_w16_pairs8,
                                                an_conv1x1_s8_prepared_w16_pairs16,
                                                an_conv1x1_s8_prepared_w16_pairs24,
                                                an_conv1x1_s8_prepared_w16_pairs32,
                                                an_conv1x1_s8_prepared_w16_pairs64,
                                                an_conv1x1_s8_prepared_w16_pairs128,
                                                an_conv1x1_s8_prepared_w16_pairs40,
                                                an_conv1x1_s8_prepared_w16_pairs48,
                                                an_conv1x1_s8_prepared_w16_pairs56,
                                                an_conv1x1_s8_prepared_w16_pairs96,
                                                an_conv1x1_s8_prepared_w16_pairs112,
                                                an_conv1x1_s8_prepared_w16_pairs192,
                                                an_conv1x1_s8_prepared_w16_pairs32n,
                                                an_conv1x1_s8_prepared_w16_pairs_any,
                                                an_conv1x1_s8_prepared_w16_k8,
                                                an_conv1x1_s8_prepared_w16_k16,
                                                an_conv1x1_s8_prepared_w16_k32,
                                                an_conv1x1_s8_prepared_w16_k32n,
                                                an_conv1x1_s8_prepared_w16_any,
                                                an_conv1x1_s8_prepared_w16_pairs_any128,
                                                an_conv1x1_s8_prepared_w16_pairs16_out32,
                                                an_conv1x1_s8_prepared_w16_pairs32_out32,
                                                an_conv1x1_s8_prepared_w16_pairs32_out64,
                                                an_conv1x1_s8_prepared_w16_pairs64_out64,
                                                an_conv1x1_s8_prepared_w16_pairs72,
                                                an_conv1x1_s8_prepared_w16_pairs144,
                                                an_conv1x1_s8_prepared_w16_pairs24_out40,
                                                an_conv1x1_s8_prepared_w16_pairs24_out72,
                                                an_conv1x1_s8_prepared_w16_pairs32_out96,
                                                an_conv1x1_s8_prepared_w16_pairs32_out112,
                                                an_conv1x1_s8_prepared_w16_pairs40_out24,
                                                an_conv1x1_s8_prepared_w16_pairs48_out144,
                                                an_conv1x1_s8_prepared_w16_pairs48_out192,
                                                an_conv1x1_s8_prepared_w16_pairs96_out32,
                                                an_conv1x1_s8_prepared_w16_pairs96_out288,
                                                an_conv1x1_s8_prepared_w16_pairs96_out336,
                                                an_conv1x1_s8_prepared_w16_pairs112_out448,
                                                an_conv1x1_s8_prepared_w16_pairs128_out128,
                                                an_conv1x1_s8_prepared_w16_pairs192_out576,
                                                an_conv1x1_s8_prepared_w16_pairs192_out704,
                                                an_conv1x1_s8_prepared_w16_pairs72_out32,
                                                an_conv1x1_s8_prepared_w16_pairs144_out48};
  variants[an_conv1x1_prepared_variant(p->in_c, p->stride_h, p->stride_w, p->out_c)](p, input, filter, channel, output,
                                                                                     scratch);
#else
  an_pq_shared(p, input, filter, channel, output, scratch);
#endif
}
