// attendnets compiled runtime: int8 ADD, SUB, MUL (see an_binary.h).
// The parameters are copied into locals first: stores through int8_t* may alias anything,
// so reading them from the struct inside the loop would reload them for every element.
//
// The requantization is TFLM's MultiplyByQuantizedMultiplier (an_requantize, an_common.h) in
// fewer instructions, for the values these kernels requantize.  Its first rounding,
// h = floor((x m + 2^30) / 2^31), is floor((2x m + 2^31) / 2^32): one SMMULR (VRMULH on
// Helium) of 2x and m, exact where 2x fits int32.  ADD/SUB: the generator doubles the tables, so
// the sum of two looked-up values is already 2x (|x| < 2^28: each table value is a multiplier
// below one times (v - zero point) << 20).  MUL: x = p << s (s = max(shift, 0)), p the product
// of two offset bytes (|p| <= 255 * 255 < 2^16), so 2x = p << (s + 1) fits for s <= 14 (a
// larger left shift takes an_requantize).  The second rounding for shift = -e < 0 is
// floor((h - [h < 0] + 2^(e-1)) / 2^e) (an_requantize's, written without its two steps; h is
// far from overflow here).  Every path gives the bits of an_requantize
// (tests/test_compiled_binary.py: every (a, b) byte pair of each case on the host; the DSP,
// plain-C and MVE builds on QEMU in tests/test_compiled_binary_qemu.py).
#include "an_binary.h"

#include "an_common.h"

// floor((x m + 2^31) / 2^32): SMMULR.
static inline int32_t an_mul_high_round(int32_t x, int32_t m) {
#if AN_USE_DSP && defined(__GNUC__)
  int32_t r;
  __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(x), "r"(m));
  return r;
#else
  return (int32_t)(((int64_t)x * m + ((int64_t)1 << 31)) >> 32);
#endif
}

#if AN_USE_DSP
// The products of the bottom and of the top int16 halves (GCC makes SMULBB and SMULTT of them;
// its arm_acle.h has no __smulbb).
static inline int32_t an_mul_bottom(int32_t a, int32_t b) {
  return (int16_t)a * (int16_t)b;
}
static inline int32_t an_mul_top(int32_t a, int32_t b) {
  return (a >> 16) * (b >> 16);
}
#endif

// x << k for either sign of x (k < 32; |x << k| < 2^31 where the kernels call it).
static inline int32_t an_shl(int32_t x, int32_t k) {
  return (int32_t)((uint32_t)x << k);
}

// The output clamp: one SSAT where the activation range is all of int8.
static inline int32_t an_binary_clamp(int32_t v, int full, int32_t lo, int32_t hi) {
#if AN_USE_DSP
  if (full) return __ssat(v, 8);
#else
  (void)full;
#endif
  return an_clamp(v, lo, hi);
}

typedef struct {
  int32_t multiplier, e, round, offset, lo, hi;
} an_binary_out;

static an_binary_out an_binary_out_params(int32_t multiplier, int32_t shift, int32_t offset, int32_t lo, int32_t hi) {
  an_binary_out q;
  q.multiplier = multiplier;
  q.e = shift < 0 ? -shift : 0;
  q.round = q.e ? (int32_t)1 << (q.e - 1) : 0;
  q.offset = offset;
  q.lo = lo;
  q.hi = hi;
  return q;
}

// Specialised copies of the hot loops (constant full/rounding flags) where GCC is told to inline.
#if defined(__GNUC__)
#define AN_BINARY_INLINE static inline __attribute__((always_inline))
#define AN_BINARY_NOINLINE static __attribute__((noinline))
#else
#define AN_BINARY_INLINE static inline
#define AN_BINARY_NOINLINE static
#endif

// One output from 2x (ADD/SUB: the sum of doubled table values; MUL: p << (s + 1)); rounding:
// e > 0 (a constant in the specialised loops).
AN_BINARY_INLINE int8_t an_binary_out_value(an_binary_out q, int full, int rounding, int32_t x2) {
  int32_t r = an_mul_high_round(x2, q.multiplier);
  if (rounding) r = (r + (r >> 31) + q.round) >> q.e;
  return (int8_t)an_binary_clamp(r + q.offset, full, q.lo, q.hi);
}

#if AN_USE_MVE
// an_binary_out_value on four lanes: VRMULH, then for e > 0 h - [h < 0] and a rounding shift right
// by e (VRSHL by -e adds 2^(e-1) first), the offset and the clamp.
AN_BINARY_INLINE int32x4_t an_binary_out_mve(an_binary_out q, int rounding, int32x4_t x2) {
  int32x4_t h = vrmulhq_s32(x2, vdupq_n_s32(q.multiplier));
  if (rounding) h = vrshlq_n_s32(vaddq_s32(h, vshrq_n_s32(h, 31)), -q.e);
  return vminq_s32(vmaxq_s32(vaddq_n_s32(h, q.offset), vdupq_n_s32(q.lo)), vdupq_n_s32(q.hi));
}
#endif

#if AN_USE_DSP
// One ADD output before the activation's clamp, from 2x, with the offset inside round (an_add_run).
static inline uint32_t an_add_elem(int32_t x2, int32_t m, int32_t round, int32_t e) {
  const int32_t h = an_mul_high_round(x2, m);
  return (uint32_t)__ssat((h + (h >> 31) + round) >> e, 8);
}

// The same for MUL; without rounding (e = 0) round is the offset alone.
AN_BINARY_INLINE uint32_t an_mul_elem(int32_t x2, int32_t m, int rounding, int32_t round, int32_t e) {
  const int32_t h = an_mul_high_round(x2, m);
  return (uint32_t)__ssat(rounding ? (h + (h >> 31) + round) >> e : h + round, 8);
}

// acc + floor((x m + 2^31) / 2^32): SMMLAR.
static inline int32_t an_smmlar(int32_t x, int32_t m, int32_t acc) {
#if defined(__GNUC__)
  int32_t r;
  __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(x), "r"(m), "r"(acc));
  return r;
#else
  return acc + (int32_t)(((int64_t)x * m + ((int64_t)1 << 31)) >> 32);
#endif
}

// One MUL output from the product p = 2x (k = 1): SMMLAR adds h = floor((p m + 2^31) / 2^32) to round
// (the rounding and the offset) less [p < 0] where e > 0; then ASR #e and SSAT.
AN_BINARY_INLINE uint32_t an_mul2_elem(int32_t p, int32_t m, int rounding, int32_t round, int32_t e) {
  if (!rounding) return (uint32_t)__ssat(an_smmlar(p, m, round), 8);
  return (uint32_t)__ssat(an_smmlar(p, m, round + (p >> 31)) >> e, 8);
}

// Four int8 values (the low bytes of r0..r3) in one word, r0 in the lowest byte.
static inline uint32_t an_pack4(uint32_t r0, uint32_t r1, uint32_t r2, uint32_t r3) {
  uint32_t r = r0;
#if defined(__GNUC__)
  __asm__("bfi %0, %1, #8, #24" : "+r"(r) : "r"(r1));
  __asm__("bfi %0, %1, #16, #16" : "+r"(r) : "r"(r2));
  __asm__("bfi %0, %1, #24, #8" : "+r"(r) : "r"(r3));
#else
  r = (r & 0xFFu) | (r1 & 0xFFu) << 8 | (r2 & 0xFFu) << 16 | r3 << 24;
#endif
  return r;
}

// The activation's clamp of four int8 lanes (SSUB8 sets GE per byte where the first is >=, SEL picks).
static inline uint32_t an_clamp4(uint32_t r, uint32_t lo4, uint32_t hi4) {
  (void)__ssub8(r, lo4);
  r = __sel(r, lo4);
  (void)__ssub8(r, hi4);
  return __sel(hi4, r);
}
#endif

// ADD of n contiguous elements (both inputs step 1; SUB's table2 is negated), e > 0.  Returns how
// many it did (the DSP path leaves n % 4 to the caller).
AN_BINARY_INLINE int32_t an_add_run(an_binary_out q, int full, const int8_t *a, const int8_t *b, int8_t *out, int32_t n,
                                    const int32_t *t1, const int32_t *t2) {
#if AN_USE_MVE
  (void)full;
  for (int32_t i = 0; i < n; i += 4) {
    const mve_pred16_t p = vctp32q((uint32_t)(n - i));
    const int32x4_t sa = vldrwq_gather_shifted_offset_z_s32(t1, vldrbq_z_u32((const uint8_t *)a + i, p), p);
    const int32x4_t sb = vldrwq_gather_shifted_offset_z_s32(t2, vldrbq_z_u32((const uint8_t *)b + i, p), p);
    vstrbq_p_s32(out + i, an_binary_out_mve(q, 1, vaddq_s32(sa, sb)), p);
  }
  return n;
#elif AN_USE_DSP
  // Four elements per pass, packed into one word store after all four are read (the output may be
  // input a itself).  Byte loads index the tables (a load after a load takes one cycle).  The
  // rounding constant carries the output offset: floor((y + 2^(e-1) + offset 2^e) / 2^e) =
  // floor((y + 2^(e-1)) / 2^e) + offset, where offset 2^e fits with y (|offset| <= 128, e <= 22:
  // |y| < 2^28 + 2^29, the sum below 2^31); larger shifts are left to the caller.
  if (q.e > 22) return 0;
  const int32_t round = q.round + (int32_t)((uint32_t)q.offset << q.e), e = q.e, m = q.multiplier;
  const uint32_t lo4 = 0x01010101u * (uint8_t)q.lo, hi4 = 0x01010101u * (uint8_t)q.hi;
  const uint8_t *ua = (const uint8_t *)a, *ub = (const uint8_t *)b;
  const int32_t blocks = n & ~3;
  for (int32_t i = 0; i < blocks; i += 4) {
#define AN_ADD_ELEM(K) an_add_elem(t1[ua[i + (K)]] + t2[ub[i + (K)]], m, round, e)
    const uint32_t r0 = AN_ADD_ELEM(0), r1 = AN_ADD_ELEM(1), r2 = AN_ADD_ELEM(2), r3 = AN_ADD_ELEM(3);
#undef AN_ADD_ELEM
    uint32_t r = an_pack4(r0, r1, r2, r3);
    if (!full) r = an_clamp4(r, lo4, hi4);
    memcpy(out + i, &r, 4);
  }
  return blocks;
#else
  (void)q, (void)full, (void)a, (void)b, (void)out, (void)n, (void)t1, (void)t2;
  return 0;
#endif
}

// ADD (SUB: table2 negated at generation time) over the broadcast walk.
static void an_add_tables_s8(const an_add_params *p, const int8_t *input1, const int8_t *input2, int8_t *output,
                             const int32_t *table1, const int32_t *table2) {
  const an_binary_out q = an_binary_out_params(p->output_multiplier, p->output_shift, p->output_offset,
                                               p->activation_min, p->activation_max);
  const int full = q.lo == -128 && q.hi == 127;
  const an_broadcast_shape s = p->shape;
  const int32_t inner = s.dims[s.ndim - 1];
  const int32_t step1 = s.stride1[s.ndim - 1];
  const int32_t step2 = s.stride2[s.ndim - 1];
  const int32_t outer = an_broadcast_outer_count(&s);
  an_broadcast_iter it;
  an_broadcast_begin(&it);
  for (int32_t o = 0; o < outer; ++o) {
    const int8_t *a = input1 + it.offset1;
    const int8_t *b = input2 + it.offset2;
    int32_t i = 0;
    if (step1 == 1 && step2 == 1 && q.e > 0) {
      i = full ? an_add_run(q, 1, a, b, output, inner, table1, table2)
               : an_add_run(q, 0, a, b, output, inner, table1, table2);
      a += i;
      b += i;
    }
    for (; i < inner; ++i) {
      const int32_t x2 = table1[(uint8_t)*a] + table2[(uint8_t)*b];
      output[i] = q.e ? an_binary_out_value(q, 0, 1, x2) : an_binary_out_value(q, 0, 0, x2);
      a += step1;
      b += step2;
    }
    output += inner;
    an_broadcast_next(&s, &it);
  }
}

void an_add_s8(const an_add_params *p, const int8_t *input1, const int8_t *input2, int8_t *output,
               const int32_t *table1, const int32_t *table2) {
  an_add_tables_s8(p, input1, input2, output, table1, table2);
}

void an_sub_s8(const an_add_params *p, const int8_t *input1, const int8_t *input2, int8_t *output,
               const int32_t *table1, const int32_t *table2) {
  an_add_tables_s8(p, input1, input2, output, table1, table2);
}

// floor(coef * x / 2^8) for an int8 x: SMULWB of x << 8 (the byte in the top of an int16 lane), or
// coef = 2^8 ch + cl (0 <= cl < 2^8) as ch x + floor(cl x / 2^8) in 32-bit plain C.
static inline int32_t an_affine_term(int32_t coef, int32_t x) {
#if AN_USE_DSP
  return __smlawb(coef, x * 256, 0);
#else
  return (coef >> 8) * x + (((coef & 255) * x) >> 8);
#endif
}

// One output of the affine form (an_binary.h): both terms, the bias, the shift, the activation.
static inline int8_t an_add_affine_value(int32_t c1, int32_t c2, int32_t bias, int32_t lo, int32_t hi, int32_t a,
                                         int32_t b) {
  const int32_t w = an_affine_term(c1, a) + an_affine_term(c2, b) + bias;
  return (int8_t)an_clamp(w >> AN_ADD_AFFINE_SHIFT, lo, hi);
}

#if AN_USE_DSP
// Four outputs from a word of each input: the bytes 1 and 3 are the top halves of w & 0xFF00FF00's int16
// lanes, the bytes 0 and 2 those of (w << 8) & 0xFF00FF00 (one AND with the mask in a register);
// SMLAWB/SMLAWT multiply a lane by the int32 coefficient and keep bits 16..47 (floor(coef * byte / 2^8));
// SSAT with ASR #AN_ADD_AFFINE_SHIFT saturates to int8.
AN_BINARY_INLINE uint32_t an_add_affine4(uint32_t wa, uint32_t wb, int32_t c1, int32_t c2, int32_t bias,
                                         uint32_t mask) {
  const int32_t a02 = (int32_t)((wa << 8) & mask), a13 = (int32_t)(wa & mask);
  const int32_t b02 = (int32_t)((wb << 8) & mask), b13 = (int32_t)(wb & mask);
  const uint32_t r0 = (uint32_t)__ssat(__smlawb(c2, b02, __smlawb(c1, a02, bias)) >> AN_ADD_AFFINE_SHIFT, 8);
  const uint32_t r1 = (uint32_t)__ssat(__smlawb(c2, b13, __smlawb(c1, a13, bias)) >> AN_ADD_AFFINE_SHIFT, 8);
  const uint32_t r2 = (uint32_t)__ssat(__smlawt(c2, b02, __smlawt(c1, a02, bias)) >> AN_ADD_AFFINE_SHIFT, 8);
  const uint32_t r3 = (uint32_t)__ssat(__smlawt(c2, b13, __smlawt(c1, a13, bias)) >> AN_ADD_AFFINE_SHIFT, 8);
  return an_pack4(r0, r1, r2, r3);
}

// The full-range loop (no clamp) eight outputs a pass in one asm statement: per four outputs the two words by
// post-incremented LDR, an_add_affine4's text (four AND, eight SMLAWB/SMLAWT, four SSAT, three BFI) and one
// post-incremented STR; one SUBS/BNE per eight (the C loop: an ADDS/BNE per four; unrolled in C, GCC spilled the
// pointers).  Each word of output is stored after its input words are read (the output may be an input itself).
// Thirteen registers: not where an unoptimised build (-O0) keeps its frame pointer.
#if AN_USE_DSP && !AN_USE_MVE && defined(__GNUC__) && defined(__OPTIMIZE__)
#define AN_ADD_AFFINE_ASM 1
#define AN_ADD_AFFINE4_TEXT                 \
  "ldr %[wa], [%[a]], #4\n\t"               \
  "ldr %[wb], [%[b]], #4\n\t"               \
  "and %[x], %[mask], %[wa], lsl #8\n\t"    \
  "and %[y], %[mask], %[wb], lsl #8\n\t"    \
  "and %[wa], %[wa], %[mask]\n\t"           \
  "and %[wb], %[wb], %[mask]\n\t"           \
  "smlawb %[r], %[c1], %[x], %[bias]\n\t"   \
  "smlawb %[r], %[c2], %[y], %[r]\n\t"      \
  "smlawt %[x], %[c1], %[x], %[bias]\n\t"   \
  "smlawt %[x], %[c2], %[y], %[x]\n\t"      \
  "smlawb %[y], %[c1], %[wa], %[bias]\n\t"  \
  "smlawb %[y], %[c2], %[wb], %[y]\n\t"     \
  "smlawt %[wa], %[c1], %[wa], %[bias]\n\t" \
  "smlawt %[wa], %[c2], %[wb], %[wa]\n\t"   \
  "ssat %[r], #8, %[r], asr #20\n\t"        \
  "ssat %[y], #8, %[y], asr #20\n\t"        \
  "ssat %[x], #8, %[x], asr #20\n\t"        \
  "ssat %[wa], #8, %[wa], asr #20\n\t"      \
  "bfi %[r], %[y], #8, #8\n\t"              \
  "bfi %[r], %[x], #16, #8\n\t"             \
  "bfi %[r], %[wa], #24, #8\n\t"            \
  "str %[r], [%[out]], #4\n\t"
// count: a positive multiple of eight
#define AN_ADD_AFFINE8_LOOP(A, B, OUT, COUNT, C1, C2, BIAS, MASK)                                                    \
  do {                                                                                                               \
    uint32_t wa_, wb_, x_, y_, r_;                                                                                   \
    __asm__ volatile("1:\n\t" AN_ADD_AFFINE4_TEXT AN_ADD_AFFINE4_TEXT                                                \
                     "subs %[n], %[n], #8\n\t"                                                                       \
                     "bne 1b"                                                                                        \
                     : [a] "+r"(A), [b] "+r"(B), [out] "+r"(OUT), [n] "+r"(COUNT), [wa] "=&r"(wa_), [wb] "=&r"(wb_), \
                       [x] "=&r"(x_), [y] "=&r"(y_), [r] "=&r"(r_)                                                   \
                     : [c1] "r"(C1), [c2] "r"(C2), [bias] "r"(BIAS), [mask] "r"(MASK)                                \
                     : "cc", "memory");                                                                              \
  } while (0)
#else
#define AN_ADD_AFFINE_ASM 0
#endif

// n contiguous elements of both inputs, four per pass (all four read before the word store: the output may
// be input1 or input2 itself), indexed from the blocks' end by a negative count (no compare, no pointer
// increments); returns how many it did (n % 4 left to the caller).  Not inlined: the loop keeps its
// pointers and constants in registers, away from the broadcast walk's.
AN_BINARY_NOINLINE int32_t an_add_affine_run(const an_add_affine_params *p, const int8_t *a, const int8_t *b,
                                             int8_t *out, int32_t n) {
  const int32_t c1 = p->coef1, c2 = p->coef2, bias = p->bias, lo = p->activation_min, hi = p->activation_max;
#if AN_USE_MVE
  // Helium: four int32 lanes per pass, tail-predicated (all n).  VMULH of the byte shifted to the top
  // (v << 24) and the coefficient keeps bits 32..63 of the product: floor(coef * v / 2^8), the same
  // term as SMLAWB's; then the bias, a shift right by AN_ADD_AFFINE_SHIFT, the clamp.
  const int32x4_t vc1 = vdupq_n_s32(c1), vc2 = vdupq_n_s32(c2), vlo = vdupq_n_s32(lo), vhi = vdupq_n_s32(hi);
  for (int32_t i = 0; i < n; i += 4) {
    const mve_pred16_t pr = vctp32q((uint32_t)(n - i));
    const int32x4_t va = vshlq_n_s32(vldrbq_z_s32(a + i, pr), 24), vb = vshlq_n_s32(vldrbq_z_s32(b + i, pr), 24);
    const int32x4_t w = vaddq_n_s32(vaddq_s32(vmulhq_s32(va, vc1), vmulhq_s32(vb, vc2)), bias);
    vstrbq_p_s32(out + i, vminq_s32(vmaxq_s32(vshrq_n_s32(w, AN_ADD_AFFINE_SHIFT), vlo), vhi), pr);
  }
  return n;
#endif
  uint32_t mask = 0xFF00FF00u;
#if defined(__GNUC__)
  __asm__("" : "+r"(mask));  // in a register: AND with a shifted operand, not LSL then AND #imm
#endif
  const int32_t blocks = n & ~3;
  a += blocks;
  b += blocks;
  out += blocks;
  if (lo == -128 && hi == 127) {
#if AN_ADD_AFFINE_ASM
    // eight outputs a pass by one asm loop (below), an odd block of four by the C loop after it
    const int32_t eights = n & ~7;
    if (eights) {
      const int8_t *pa = a - blocks, *pb = b - blocks;
      int8_t *po = out - blocks;
      int32_t count = eights;
      AN_ADD_AFFINE8_LOOP(pa, pb, po, count, c1, c2, bias, mask);
    }
    for (int32_t i = eights - blocks; i != 0; i += 4) {
#else
    for (int32_t i = -blocks; i != 0; i += 4) {
#endif
      uint32_t wa, wb;
      memcpy(&wa, a + i, 4);
      memcpy(&wb, b + i, 4);
      const uint32_t r = an_add_affine4(wa, wb, c1, c2, bias, mask);
      memcpy(out + i, &r, 4);
    }
  } else {
    const uint32_t lo4 = 0x01010101u * (uint8_t)lo, hi4 = 0x01010101u * (uint8_t)hi;
    for (int32_t i = -blocks; i != 0; i += 4) {
      uint32_t wa, wb;
      memcpy(&wa, a + i, 4);
      memcpy(&wb, b + i, 4);
      const uint32_t r = an_clamp4(an_add_affine4(wa, wb, c1, c2, bias, mask), lo4, hi4);
      memcpy(out + i, &r, 4);
    }
  }
  return blocks;
}
#endif

void an_add_affine_s8(const an_add_affine_params *p, const int8_t *input1, const int8_t *input2, int8_t *output) {
  const int32_t c1 = p->coef1, c2 = p->coef2, bias = p->bias, lo = p->activation_min, hi = p->activation_max;
  const an_broadcast_shape s = p->shape;
  const int32_t inner = s.dims[s.ndim - 1];
  const int32_t step1 = s.stride1[s.ndim - 1];
  const int32_t step2 = s.stride2[s.ndim - 1];
  const int32_t outer = an_broadcast_outer_count(&s);
  an_broadcast_iter it;
  an_broadcast_begin(&it);
  for (int32_t o = 0; o < outer; ++o) {
    const int8_t *a = input1 + it.offset1;
    const int8_t *b = input2 + it.offset2;
    int32_t i = 0;
#if AN_USE_DSP
    if (step1 == 1 && step2 == 1) {
      i = an_add_affine_run(p, a, b, output, inner);
      a += i;
      b += i;
    }
#endif
    for (; i < inner; ++i, a += step1, b += step2) output[i] = an_add_affine_value(c1, c2, bias, lo, hi, *a, *b);
    output += inner;
    an_broadcast_next(&s, &it);
  }
}

#if AN_USE_DSP && !AN_USE_MVE
// The constants of an_mul2_run (k = 1): multiplier, rounding constant (with the output offset), e, the
// input offsets in both int16 lanes, the activation range in four bytes.
typedef struct {
  int32_t m, round, e;
  uint32_t o1, o2, lo4, hi4;
} an_mul2_consts;

// Four outputs per pass of n (a multiple of four) contiguous elements, k = 1 (an_mul_run), indexed from the
// end by a negative count.  E: e where the caller knows it as a constant (SSAT's own shift, ASR #E: no ASR by a
// register), else 0 (c->e).
AN_BINARY_INLINE void an_mul2_loop(const an_mul2_consts *c, int rounding, int full, const int8_t *a, const int8_t *b,
                                   int8_t *out, int32_t n, const int32_t E) {
  const int32_t m = c->m, round = c->round, e = E ? E : c->e;
  const uint32_t o1 = c->o1, o2 = c->o2, lo4 = c->lo4, hi4 = c->hi4;
  a += n;
  b += n;
  out += n;
  for (int32_t i = -n; i != 0; i += 4) {
    uint32_t wa, wb;
    memcpy(&wa, a + i, 4);
    memcpy(&wb, b + i, 4);
    uint32_t a02 = __sxtab16(o1, wa), a13 = an_sxtab16_ror8(o1, wa);
    const uint32_t b02 = __sxtab16(o2, wb), b13 = an_sxtab16_ror8(o2, wb);
    a02 = __sadd16(a02, a02);
    a13 = __sadd16(a13, a13);
    const uint32_t r0 = an_mul2_elem(an_mul_bottom((int32_t)a02, (int32_t)b02), m, rounding, round, e);
    const uint32_t r1 = an_mul2_elem(an_mul_bottom((int32_t)a13, (int32_t)b13), m, rounding, round, e);
    const uint32_t r2 = an_mul2_elem(an_mul_top((int32_t)a02, (int32_t)b02), m, rounding, round, e);
    const uint32_t r3 = an_mul2_elem(an_mul_top((int32_t)a13, (int32_t)b13), m, rounding, round, e);
    uint32_t r = an_pack4(r0, r1, r2, r3);
    if (!full) r = an_clamp4(r, lo4, hi4);
    memcpy(out + i, &r, 4);
  }
}

// an_mul2_loop's text (rounding, the activation all of int8, e = E a constant) eight outputs a pass by one asm
// statement: per four outputs the two words by post-incremented LDR, four SXTAB16 with the offsets, two SADD16,
// SMULBB/SMULTT, per output ADD of the sign term, SMMLAR, SSAT with ASR #E, three BFI, one post-incremented
// STR; one SUBS/BNE per eight (the C loop: an ADDS/BNE per four).  DONE: how many it did (n & ~7).  Thirteen
// registers: not where an unoptimised build (-O0) keeps its frame pointer (DONE 0, the C loop does them all).
#if defined(__GNUC__) && defined(__OPTIMIZE__)
#define AN_MUL2_OUT_TEXT(R, E) \
  "add %[wb], %[round], %[" R  \
  "], asr #31\n\t"             \
  "smmlar %[" R "], %[" R      \
  "], %[m], %[wb]\n\t"         \
  "ssat %[" R "], #8, %[" R "], asr #" #E "\n\t"
#define AN_MUL2_4_TEXT(E) \
  "ldr %[wa], [%[a]], #4\n\t"                                                                                 \
  "ldr %[wb], [%[b]], #4\n\t"                                                                                 \
  "sxtab16 %[x], %[o1], %[wa]\n\t"                                                                            \
  "sxtab16 %[wa], %[o1], %[wa], ror #8\n\t"                                                                   \
  "sadd16 %[x], %[x], %[x]\n\t"                                                                               \
  "sadd16 %[wa], %[wa], %[wa]\n\t"                                                                            \
  "sxtab16 %[y], %[o2], %[wb]\n\t"                                                                            \
  "sxtab16 %[wb], %[o2], %[wb], ror #8\n\t"                                                                   \
  "smulbb %[r], %[x], %[y]\n\t"                                                                               \
  "smultt %[x], %[x], %[y]\n\t"                                                                               \
  "smulbb %[y], %[wa], %[wb]\n\t"                                                                             \
  "smultt %[wa], %[wa], %[wb]\n\t" AN_MUL2_OUT_TEXT("r", E) AN_MUL2_OUT_TEXT("y", E) "bfi %[r], %[y], #8, #8\n\t" \
      AN_MUL2_OUT_TEXT("x", E) "bfi %[r], %[x], #16, #8\n\t" AN_MUL2_OUT_TEXT("wa", E)                         \
  "bfi %[r], %[wa], #24, #8\n\t"                                                                              \
  "str %[r], [%[out]], #4\n\t"
#define AN_MUL2_EIGHTS(E, C, A, B, OUT, N, DONE)                                                                     \
  do {                                                                                                               \
    int32_t count_ = (N) & ~7;                                                                                       \
    DONE = count_;                                                                                                   \
    if (count_) {                                                                                                    \
      const int8_t *a_ = (A), *b_ = (B);                                                                             \
      int8_t *out_ = (OUT);                                                                                          \
      uint32_t wa_, wb_, x_, y_, r_;                                                                                 \
      __asm__ volatile("1:\n\t" AN_MUL2_4_TEXT(E) AN_MUL2_4_TEXT(E) "subs %[n], %[n], #8\n\t"                      \
                       "bne 1b"                                                                                     \
                       : [a] "+r"(a_), [b] "+r"(b_), [out] "+r"(out_), [n] "+r"(count_), [wa] "=&r"(wa_),          \
                         [wb] "=&r"(wb_), [x] "=&r"(x_), [y] "=&r"(y_), [r] "=&r"(r_)                               \
                       : [m] "r"((C)->m), [round] "r"((C)->round), [o1] "r"((C)->o1), [o2] "r"((C)->o2)             \
                       : "cc", "memory"); \
    }                                                                                                                \
  } while (0)
#else
#define AN_MUL2_EIGHTS(E, C, A, B, OUT, N, DONE) DONE = 0
#endif

// an_mul2_run's copies of the loop for e 4-11 (rounding, the activation all of int8): eight a pass by
// AN_MUL2_EIGHTS, a block of four left by the C loop.
#define AN_MUL2_E(E)                                                    \
  case E: {                                                             \
    int32_t done;                                                       \
    AN_MUL2_EIGHTS(E, c, a, b, out, n, done);                           \
    an_mul2_loop(c, 1, 1, a + done, b + done, out + done, n - done, E); \
    return n;                                                           \
  }
#define AN_MUL2_CASES \
  AN_MUL2_E(4) AN_MUL2_E(5) AN_MUL2_E(6) AN_MUL2_E(7) AN_MUL2_E(8) AN_MUL2_E(9) AN_MUL2_E(10) AN_MUL2_E(11)

// Not inlined: the loop keeps its pointers and constants in registers, away from the broadcast walk's.
AN_BINARY_NOINLINE int32_t an_mul2_run(const an_mul2_consts *c, int rounding, int full, const int8_t *a,
                                       const int8_t *b, int8_t *out, int32_t n) {
  if (rounding) {
    if (full) {
      // The gate of an attention condenser (the activation all of int8): e 4-11 a constant, one copy each (the
      // demo AttendNet-B's MULs: e 6 and 7), other e by the register shift.
      switch (c->e) {
        AN_MUL2_CASES
        default:
          break;
      }
      an_mul2_loop(c, 1, 1, a, b, out, n, 0);
    } else {
      an_mul2_loop(c, 1, 0, a, b, out, n, 0);
    }
  } else if (full) {
    an_mul2_loop(c, 0, 1, a, b, out, n, 0);
  } else {
    an_mul2_loop(c, 0, 0, a, b, out, n, 0);
  }
  return n;
}
#undef AN_MUL2_CASES
#undef AN_MUL2_E
#endif

// MUL of n contiguous elements (both inputs step 1), left shift k = s + 1 <= 15 before
// VRMULH/SMMULR, rounding: e > 0.  Returns how many it did (the DSP path leaves n % 4).
AN_BINARY_INLINE int32_t an_mul_run(an_binary_out q, int full, int rounding, const int8_t *a, const int8_t *b,
                                    int8_t *out, int32_t n, int32_t offset1, int32_t offset2, int32_t k) {
#if AN_USE_MVE
  (void)full;
  const int16_t o1 = (int16_t)offset1, o2 = (int16_t)offset2;
  for (int32_t i = 0; i < n; i += 8) {
    const mve_pred16_t p = vctp16q((uint32_t)(n - i));
    const int16x8_t xa = vaddq_n_s16(vldrbq_z_s16(a + i, p), o1), xb = vaddq_n_s16(vldrbq_z_s16(b + i, p), o2);
    const int32x4_t even = an_binary_out_mve(q, rounding, vshlq_r_s32(vmullbq_int_s16(xa, xb), k));
    const int32x4_t odd = an_binary_out_mve(q, rounding, vshlq_r_s32(vmulltq_int_s16(xa, xb), k));
    vstrbq_p_s16(out + i, vmovntq_s32(vmovnbq_s32(vdupq_n_s16(0), even), odd), p);
  }
  return n;
#elif AN_USE_DSP
  // Four bytes of each input per pass: SXTAB16 gives two int16 lanes with the offset added (an offset
  // byte fits int16), SMULBB/SMULTT multiply the lanes.  k = 1 (output multipliers below one: the usual):
  // SADD16 doubles input1's lanes (|2 (a + o1)| <= 510), so the products are 2x itself; then SMMLAR
  // adds h = floor((2x m + 2^31) / 2^32) to a constant holding the rounding, the output offset (inside the
  // rounding as in an_add_run: e <= 22) and -[x < 0] (ADD with ASR #31 of the product), and ASR #e and
  // SSAT finish: an_requantize's bits (x < 0 exactly where h may be negative; h = 0 rounds to 0 either
  // way).  Other k (multipliers of one and above): the product shifted left by k per element, SMMULR and
  // the rounding steps of an_mul_elem.  The four outputs packed into one word store after all four are
  // read (the output may be an input itself).
  if (rounding && q.e > 22) return 0;
  const int32_t e = q.e, m = q.multiplier;
  const int32_t round = rounding ? q.round + (int32_t)((uint32_t)q.offset << e) : q.offset;
  const uint32_t lo4 = 0x01010101u * (uint8_t)q.lo, hi4 = 0x01010101u * (uint8_t)q.hi;
  const uint32_t o1 = (uint16_t)offset1 | ((uint32_t)(uint16_t)offset1 << 16);
  const uint32_t o2 = (uint16_t)offset2 | ((uint32_t)(uint16_t)offset2 << 16);
  const int32_t blocks = n & ~3;
  if (k == 1) {
    const an_mul2_consts c = {m, round, e, o1, o2, lo4, hi4};
    return an_mul2_run(&c, rounding, full, a, b, out, blocks);
  }
  for (int32_t i = 0; i < blocks; i += 4) {
    uint32_t wa, wb;
    memcpy(&wa, a + i, 4);
    memcpy(&wb, b + i, 4);
    const int32_t a02 = (int32_t)__sxtab16(o1, wa), a13 = (int32_t)an_sxtab16_ror8(o1, wa);
    const int32_t b02 = (int32_t)__sxtab16(o2, wb), b13 = (int32_t)an_sxtab16_ror8(o2, wb);
    const uint32_t r0 = an_mul_elem(an_shl(an_mul_bottom(a02, b02), k), m, rounding, round, e);
    const uint32_t r1 = an_mul_elem(an_shl(an_mul_bottom(a13, b13), k), m, rounding, round, e);
    const uint32_t r2 = an_mul_elem(an_shl(an_mul_top(a02, b02), k), m, rounding, round, e);
    const uint32_t r3 = an_mul_elem(an_shl(an_mul_top(a13, b13), k), m, rounding, round, e);
    uint32_t r = an_pack4(r0, r1, r2, r3);
    if (!full) r = an_clamp4(r, lo4, hi4);
    memcpy(out + i, &r, 4);
  }
  return blocks;
#else
  // Plain C: the same values with the rounding flag a constant here (no per-element test of e).
  for (int32_t i = 0; i < n; ++i) {
    out[i] = an_binary_out_value(q, full, rounding, an_shl((offset1 + a[i]) * (offset2 + b[i]), k));
  }
  return n;
#endif
}

void an_mul_s8(const an_mul_params *p, const int8_t *input1, const int8_t *input2, int8_t *output) {
  const int32_t offset1 = p->input1_offset, offset2 = p->input2_offset, output_offset = p->output_offset;
  const int32_t multiplier = p->output_multiplier, shift = p->output_shift;
  const int32_t act_min = p->activation_min, act_max = p->activation_max;
  const an_binary_out q = an_binary_out_params(multiplier, shift, output_offset, act_min, act_max);
  const int full = act_min == -128 && act_max == 127;
  const int32_t k = (shift > 0 ? shift : 0) + 1;  // 2x = p << k fits int32 for k <= 15
  const an_broadcast_shape s = p->shape;
  const int32_t inner = s.dims[s.ndim - 1];
  const int32_t step1 = s.stride1[s.ndim - 1];
  const int32_t step2 = s.stride2[s.ndim - 1];
  const int32_t outer = an_broadcast_outer_count(&s);
  an_broadcast_iter it;
  an_broadcast_begin(&it);
  for (int32_t o = 0; o < outer; ++o) {
    const int8_t *a = input1 + it.offset1;
    const int8_t *b = input2 + it.offset2;
    int32_t i = 0;
    if (k > 15) {
      for (; i < inner; ++i) {
        const int32_t product = (offset1 + (int32_t)*a) * (offset2 + (int32_t)*b);
        output[i] = (int8_t)an_clamp(an_requantize(product, multiplier, shift) + output_offset, act_min, act_max);
        a += step1;
        b += step2;
      }
    } else if (step1 == 1 && step2 == 1) {
      if (q.e) {
        i = full ? an_mul_run(q, 1, 1, a, b, output, inner, offset1, offset2, k)
                 : an_mul_run(q, 0, 1, a, b, output, inner, offset1, offset2, k);
      } else {
        i = full ? an_mul_run(q, 1, 0, a, b, output, inner, offset1, offset2, k)
                 : an_mul_run(q, 0, 0, a, b, output, inner, offset1, offset2, k);
      }
      a += i;
      b += i;
    }
    for (; i < inner; ++i) {
      const int32_t x2 = an_shl((offset1 + *a) * (offset2 + *b), k);
      output[i] = q.e ? an_binary_out_value(q, 0, 1, x2) : an_binary_out_value(q, 0, 0, x2);
      a += step1;
      b += step2;
    }
    output += inner;
    an_broadcast_next(&s, &it);
  }
}
