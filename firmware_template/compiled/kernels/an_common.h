// attendnets compiled runtime: arithmetic shared by every kernel.
// C99, no dynamic memory, no libc beyond memcpy/memset. Bit-exact with TFLM's reference
// kernels: an_multiply_by_quantized_multiplier is TFLM's MultiplyByQuantizedMultiplier
// (gemmlowp's SaturatingRoundingDoublingHighMul then RoundingDivideByPOT: two roundings).
// The multipliers/shifts are computed at generation time (codegen/compiled/quantization.py).
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

// TFLM MultiplyByQuantizedMultiplier(int32 x, int32 multiplier, int shift); shift > 0 is left.
static inline int32_t an_multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift) {
  const int left = shift > 0 ? shift : 0;
  const int right = shift > 0 ? 0 : -shift;
  // TFLM computes x * (1 << left) in int32 (wrapping); unsigned keeps it defined in C.
  const int32_t shifted = (int32_t)((uint32_t)x * ((uint32_t)1 << left));
  return an_rounding_divide_by_pot(an_srdhm(shifted, multiplier), right);
}

static inline int32_t an_clamp(int32_t x, int32_t lo, int32_t hi) {
  return x < lo ? lo : (x > hi ? hi : x);
}

#endif  // AN_COMMON_H_
