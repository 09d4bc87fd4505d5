// attendnets compiled runtime: arithmetic shared by every kernel.
// C99, no dynamic memory, no libc beyond memcpy/memset. Bit-exact with TFLM's reference
// kernels: an_requantize is TFLM's MultiplyByQuantizedMultiplier (gemmlowp's
// SaturatingRoundingDoublingHighMul then RoundingDivideByPOT: two roundings), the one
// requantization every kernel calls.  The multipliers/shifts are computed at generation time
// (codegen/compiled/quantization.py).
#ifndef AN_COMMON_H_
#define AN_COMMON_H_

#include <stdint.h>
#include <string.h>

#if defined(__ARM_FEATURE_DSP) && (__ARM_FEATURE_DSP == 1) && !defined(AN_NO_DSP)
#define AN_USE_DSP 1
#include <arm_acle.h>
#else
#define AN_USE_DSP 0
#endif

// Helium (M-profile Vector Extension, Cortex-M55/M85): the MVE kernels where the core has it
// (-mcpu=cortex-m55; -DAN_NO_MVE keeps the DSP ones on the same core, -DAN_NO_DSP plain C).
// The MVE paths add the same int32 products as the others: the same bits.
#if AN_USE_DSP && defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1) && !defined(AN_NO_MVE)
#define AN_USE_MVE 1
#include <arm_mve.h>
#else
#define AN_USE_MVE 0
#endif

// Loop heads on word boundaries: a Cortex-M4 branch to a 32-bit instruction that is not word
// aligned takes one more cycle (TRM Table 3-1's P; docs/timing.md), in every hot loop.
#if defined(__GNUC__) && !defined(__clang__) && defined(__arm__)
#pragma GCC optimize("align-loops=4")
#endif

#if AN_USE_DSP
// s += the bytes 1 and 3 of v, sign-extended, as two int16 lanes (SXTAB16 with ROR #8): with
// __sxtab16(s, v) (bytes 0 and 2) the sums of four int8 lanes (AVERAGE_POOL_2D, MEAN).
static inline uint32_t an_sxtab16_ror8(uint32_t s, uint32_t v) {
#if defined(__GNUC__)
  __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(s) : "r"(s), "r"(v));
  return s;
#else
  return (uint32_t)__sxtab16(s, (v >> 8) | (v << 24));
#endif
}

// The int16 lanes of an SXTAB16 sum: the low one, the high one.
#define AN_LO16(S) ((int32_t)(int16_t)(S))
#define AN_HI16(S) ((int32_t)(S) >> 16)
#endif

#define AN_MIN(a, b) ((a) < (b) ? (a) : (b))
#define AN_MAX(a, b) ((a) > (b) ? (a) : (b))

// gemmlowp SaturatingRoundingDoublingHighMul.
static inline int32_t an_srdhm(int32_t a, int32_t b) {
  if (a == b && a == INT32_MIN) return INT32_MAX;
  int64_t ab = (int64_t)a * (int64_t)b;
  int64_t nudge = ab >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
  return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

// gemmlowp RoundingDivideByPOT (round half away from zero), exponent in [0, 31].
static inline int32_t an_rounding_divide_by_pot(int32_t x, int exponent) {
  const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + ((x < 0) ? 1 : 0);
  return (x >> exponent) + ((remainder > threshold) ? 1 : 0);
}

// TFLM's MultiplyByQuantizedMultiplier(acc, multiplier, shift), shift > 0 a left shift, in
// [-31, 31], for every multiplier but INT32_MIN (TFLM's QuantizeMultiplier gives INT32_MIN only
// for a negative real multiplier within 2^-32 of minus a power of two, where TFLM saturates; the
// generator refuses it: codegen/compiled/ops/common.py require_requantizable).
// TFLM computes x = acc * 2^left in int32 (wrapping: unsigned here keeps it defined C), then
// h = SaturatingRoundingDoublingHighMul(x, multiplier), which cannot saturate when
// multiplier != INT32_MIN and equals floor((x*m + 2^30) / 2^31) for either sign of x*m
// (gemmlowp's nudge 1 - 2^30 with truncation is that floor for x*m < 0), so h > INT32_MIN.
// RoundingDivideByPOT by e >= 1 (half away from zero) equals floor((h' + 2^(e-1)) / 2^e) with
// h' = h - [h < 0], which is floor((v + 1) / 2) for v = floor(h' / 2^(e-1)):
// (v >> 1) + (v & 1), no overflow anywhere.  Fewer instructions than the two gemmlowp functions;
// equal to them bit for bit (tests/compiled_m4/requantize_check.c: edge values, every rounding
// half, random values, both signs of the multiplier).
// floor((a * m + 2^30) / 2^31), which fits int32 for m != INT32_MIN.  With the DSP extension
// (Armv7E-M, Armv8-M Mainline) one SMLAL on a rounding constant and two instructions to take
// bits 31..62: GCC left to itself sometimes makes a full 64 x 64 multiply of it.
static inline int32_t an_mul_round31(int32_t a, int32_t m) {
#if AN_USE_DSP && defined(__GNUC__)
  uint32_t lo = (uint32_t)1 << 30;
  uint32_t hi = 0;
  __asm__("smlal %0, %1, %2, %3" : "+r"(lo), "+r"(hi) : "r"(a), "r"(m));
  return (int32_t)((lo >> 31) | (hi << 1));
#else
  return (int32_t)(((int64_t)a * m + ((int64_t)1 << 30)) >> 31);
#endif
}

static inline int32_t an_requantize(int32_t acc, int32_t multiplier, int32_t shift) {
  if (shift >= 0) return an_mul_round31((int32_t)((uint32_t)acc << shift), multiplier);
  const int32_t h = an_mul_round31(acc, multiplier);
  const int32_t v = (h + (h >> 31)) >> (-shift - 1);
  return (v >> 1) + (v & 1);
}

// TFLM's MultiplyByQuantizedMultiplier(int64_t x, multiplier, shift) (the double-rounding
// build's 64-bit overload, used by the 16x8 kernels): the multiplier reduced to 16 bits, one
// rounding shift by 15 - shift.
static inline int32_t an_requantize64(int64_t acc, int32_t multiplier, int32_t shift) {
  const int32_t reduced = (multiplier < 0x7FFF0000) ? ((multiplier + (1 << 15)) >> 16) : 0x7FFF;
  const int32_t total_shift = 15 - shift;
  const int64_t x = acc * (int64_t)reduced + ((int64_t)1 << (total_shift - 1));
  return (int32_t)(x >> total_shift);
}

#if AN_USE_MVE
// an_requantize on four int32 lanes (Helium), each with its own multiplier and shift, bit for bit:
// x = acc << max(shift, 0) by VSHL (register shifts, bits above 31 dropped: the int32 wrap);
// VQRDMULH(x, m) = sat((2 x m + 2^31) >> 32) = floor((x m + 2^30) / 2^31) = an_mul_round31 (it
// saturates only for x = m = INT32_MIN; m is never INT32_MIN); then for shift = -e < 0,
// h' = h - [h < 0] and VRSHL by -e, a rounding right shift that adds 2^(e-1) before shifting
// in wider arithmetic (no overflow): floor((h' + 2^(e-1)) / 2^e), the divide an_requantize
// does (see there).  Lanes with shift >= 0 skip the -1 (VRSHL by 0 leaves h).  Checked against
// an_requantize on QEMU's Cortex-M55 (tests/compiled_m4/requantize_mve_check.c) and against
// TFLM's arithmetic on the host through a model of the three instructions (tests/test_kernel_library.py).
static inline int32x4_t an_requantize_mve(int32x4_t acc, int32x4_t multiplier, int32x4_t shift) {
  const int32x4_t zero = vdupq_n_s32(0);
  const int32x4_t right = vminq_s32(shift, zero);
  const int32x4_t h = vqrdmulhq_s32(vshlq_s32(acc, vmaxq_s32(shift, zero)), multiplier);
  const int32x4_t down = vandq_s32(vshrq_n_s32(h, 31), vshrq_n_s32(right, 31));  // -1: h < 0, shift < 0
  return vrshlq_s32(vaddq_s32(h, down), right);
}

// an_requantize_mve where every lane's shift is negative (the usual case): no left shift, every
// lane takes the -1 where h < 0; four instructions instead of nine.
static inline int32x4_t an_requantize_right_mve(int32x4_t acc, int32x4_t multiplier, int32x4_t shift) {
  const int32x4_t h = vqrdmulhq_s32(acc, multiplier);
  return vrshlq_s32(vaddq_s32(h, vshrq_n_s32(h, 31)), shift);
}

// an_requantize_mve where no lane's shift is positive (some zero: a channel whose scale lies in [0.5, 1)): no left
// shift; the -1 only where the shift is negative; six instructions instead of nine.
static inline int32x4_t an_requantize_nonpositive_mve(int32x4_t acc, int32x4_t multiplier, int32x4_t shift) {
  const int32x4_t h = vqrdmulhq_s32(acc, multiplier);
  return vrshlq_s32(vaddq_s32(h, vandq_s32(vshrq_n_s32(h, 31), vshrq_n_s32(shift, 31))), shift);
}
#endif

static inline int32_t an_clamp(int32_t x, int32_t lo, int32_t hi) {
#if AN_USE_DSP && defined(__GNUC__)
  // Two compares and conditional moves (GCC otherwise branches around the moves).
  __asm__("cmp %0, %1\n\tit lt\n\tmovlt %0, %1\n\tcmp %0, %2\n\tit gt\n\tmovgt %0, %2"
          : "+r"(x)
          : "r"(lo), "r"(hi)
          : "cc");
  return x;
#else
  return x < lo ? lo : (x > hi ? hi : x);
#endif
}

#if AN_USE_DSP && defined(__GNUC__)
// clamp(an_requantize(acc, multiplier, shift) + offset, lo, hi) for a negative shift, -(e1 + 1),
// with m2 = 2 * multiplier (mod 2^32) and round_offset = 1 + 2 * offset, in nine instructions
// (an_requantize takes eleven before the offset and clamp).  A negative shift comes with a
// multiplier in [2^30, 2^31) (TFLM's QuantizeMultiplier; codegen/compiled/ops/common.py
// require_requantizable refuses others), so m2 = 2m - 2^32 and SMMLAR(acc, m2, acc) =
// floor((acc * 2^32 + acc * m2 + 2^31) / 2^32) = floor((acc * m + 2^30) / 2^31): an_mul_round31
// in one instruction, exact for every int32 acc (the 64-bit sum fits).  Then an_requantize's
// divide, v = (h + [h < 0 ? -1 : 0]) >> e1 and floor((v + 1) / 2), with the offset inside:
// floor((v + 1 + 2 offset) / 2) = floor((v + 1) / 2) + offset, by QADD (where it saturates, the
// exact value lies beyond int8 on the same side) and SSAT #8 of its ASR #1; the activation's
// clamp last (its range lies inside int8).  tests/compiled_m4/requantize_check.c compares it
// with an_requantize on edge and random values.
static inline int32_t an_out_s8_right_shift(int32_t acc, int32_t m2, int32_t e1, int32_t round_offset, int32_t lo,
                                            int32_t hi) {
  int32_t h, r;
  __asm__("smmlar %0, %1, %2, %1" : "=r"(h) : "r"(acc), "r"(m2));
  const int32_t v = __qadd((h + (h >> 31)) >> e1, round_offset);
  __asm__("ssat %0, #8, %1, asr #1" : "=r"(r) : "r"(v));
  return an_clamp(r, lo, hi);
}
#endif

// TFLite's int16 LOGISTIC (reference_integer_ops::Logistic) of x, the input already rescaled to
// 2^-12 x 3 (x = (in * multiplier + round) >> shift): TFLM's uint16 sigmoid table
// (codegen/compiled/ops/sigmoid_table.py) read every 2^9 of |x|, linear between entries, 1 - s(|x|)
// for x < 0, rounded to Q0.15.  LOGISTIC (an_activation_wide.c) and the LSTM gates (an_lstm.c).
static inline int16_t an_sigmoid_table_s16(int32_t x, const uint16_t *table) {
  const uint32_t a = (uint32_t)(x < 0 ? -x : x);
  const uint32_t uh = a >> 9;
  uint32_t result;
  if (uh >= 255) {
    result = 0x7FFFu << 10;
  } else {
    const uint32_t ua = table[uh], ub = table[uh + 1];
    result = (ua << 9) + (a & 0x1FFu) * (ub - ua);
  }
  result = x >= 0 ? result + (1u << 9) : (1u << 25) - result + (1u << 9) - 1u;
  return (int16_t)(result >> 10);
}

// TFLite's int16 TANH (reference_integer_ops::Tanh) of the rescaled x: the sigmoid table read at
// every 2^8 of |x| (tanh(x) = 2 s(2x) - 1), mirrored for x < 0, rounded to Q0.15.  TANH
// (an_activation_wide.c) and the LSTM's cell gate and cell state (an_lstm.c).
static inline int16_t an_tanh_table_s16(int32_t x, const uint16_t *table) {
  const uint32_t a = (uint32_t)(x < 0 ? -x : x);
  const uint32_t uh = a >> 8;
  int32_t result;
  if (uh >= 255) {
    result = (int32_t)(0xFFFFu << 8);
  } else {
    const uint32_t ua = table[uh], ub = table[uh + 1];
    result = (int32_t)((ua << 8) + (a & 0xFFu) * (ub - ua));
  }
  result = x >= 0 ? result - (1 << 23) + (1 << 7) : -result + (1 << 23) + (1 << 7) - 1;
  return (int16_t)(result >> 8);
}

#endif  // AN_COMMON_H_
