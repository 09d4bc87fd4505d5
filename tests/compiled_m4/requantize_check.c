// an_requantize (an_common.h) == TFLM's MultiplyByQuantizedMultiplier, written out below from
// gemmlowp's SaturatingRoundingDoublingHighMul and RoundingDivideByPOT as TFLM's
// common.h has them, on edge values, exact rounding halves and random values, for
// multipliers of either sign (INT32_MIN excluded: an_common.h says why).  The same for the
// lane arithmetic of an_requantize_mve (an_common.h, Helium), modelled here from the Arm v8.1-M
// pseudocode of VSHL (register), VQRDMULH and VRSHL (requantize_mve_check.c runs the real
// instructions on QEMU's Cortex-M55 against an_requantize).  Exits non-zero on any difference.
// Built and run by tests/test_kernel_library.py.
#include <stdio.h>

#include "an_common.h"
#include "requantize_cases.h"

static int32_t tflm_srdhm(int32_t a, int32_t b) {
  if (a == b && a == INT32_MIN) return INT32_MAX;
  const int64_t ab = (int64_t)a * (int64_t)b;
  const int64_t nudge = ab >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
  return (int32_t)((ab + nudge) / ((int64_t)1 << 31));  // C division truncates, as C++'s
}

static int32_t tflm_rounding_divide_by_pot(int32_t x, int exponent) {
  const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + ((x < 0) ? 1 : 0);
  return (x >> exponent) + ((remainder > threshold) ? 1 : 0);
}

static int32_t tflm_multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift) {
  const int left = shift > 0 ? shift : 0;
  const int right = shift > 0 ? 0 : -shift;
  const int32_t shifted = (int32_t)((uint32_t)x * ((uint32_t)1 << left));  // int32 wrapping
  return tflm_rounding_divide_by_pot(tflm_srdhm(shifted, multiplier), right);
}

// One lane of an_requantize_mve, instruction by instruction (wide integers where the
// pseudocode computes in unbounded integers).
static int32_t vshl_lane(int32_t x, int32_t n) {
  return n >= 0 ? (int32_t)((uint32_t)x << n) : x >> -n;
}
static int32_t vqrdmulh_lane(int32_t a, int32_t b) {
  const int64_t r = ((int64_t)a * (int64_t)b + ((int64_t)1 << 30)) >> 31;  // = (2ab + 2^31) >> 32
  return r > INT32_MAX ? INT32_MAX : (int32_t)r;
}
static int32_t vrshl_lane(int32_t x, int32_t n) {
  if (n >= 0) return (int32_t)((uint32_t)x << n);
  return (int32_t)(((int64_t)x + ((int64_t)1 << (-n - 1))) >> -n);
}
static int32_t requantize_mve_lane(int32_t acc, int32_t multiplier, int32_t shift) {
  const int32_t right = shift < 0 ? shift : 0;
  const int32_t h = vqrdmulh_lane(vshl_lane(acc, shift > 0 ? shift : 0), multiplier);
  const int32_t down = (h >> 31) & (right >> 31);
  return vrshl_lane(h + down, right);
}

// an_out_s8_right_shift (an_common.h, DSP cores) instruction by instruction from the Armv7-M
// pseudocode of SMMLAR, QADD and SSAT, for a negative shift and a multiplier in [2^30, 2^31):
// it must equal the offset and clamped an_requantize.  (The DSP instructions themselves run in the
// QEMU Cortex-M4 conv and fully-connected tests.)
static int32_t out_right_shift_model(int32_t acc, int32_t multiplier, int shift, int32_t offset, int32_t lo,
                                     int32_t hi) {
  const int32_t m2 = (int32_t)((uint32_t)multiplier << 1);
  const int64_t smmlar = (((int64_t)acc * ((int64_t)1 << 32)) + (int64_t)acc * m2 + ((int64_t)1 << 31)) >> 32;
  const int32_t h = (int32_t)smmlar;
  const int64_t sum = (int64_t)((h + (h >> 31)) >> (-shift - 1)) + (1 + 2 * (int64_t)offset);
  const int32_t qadd = sum > INT32_MAX ? INT32_MAX : sum < INT32_MIN ? INT32_MIN : (int32_t)sum;
  const int32_t halved = qadd >> 1;
  const int32_t ssat = halved > 127 ? 127 : halved < -128 ? -128 : halved;
  return ssat < lo ? lo : ssat > hi ? hi : ssat;
}

static long compared, differ;
static void check(int32_t acc, int32_t multiplier, int shift) {
  const int32_t expected = tflm_multiply_by_quantized_multiplier(acc, multiplier, shift);
  const int32_t actual = an_requantize(acc, multiplier, shift);
  ++compared;
  if (expected != actual) {
    if (differ < 10)
      printf("acc=%d m=%d shift=%d: TFLM %d, an_requantize %d\n", acc, multiplier, shift, expected, actual);
    ++differ;
  }
  if (shift < 0 && multiplier >= (1 << 30)) {
    static const int32_t offsets[][3] = {{0, -128, 127}, {-128, -128, 127}, {127, -128, 127}, {5, 5, 127}, {-3, -10, 20}};
    for (int k = 0; k < 5; ++k) {
      const int32_t offset = offsets[k][0], lo = offsets[k][1], hi = offsets[k][2];
      const int64_t wide = (int64_t)expected + offset;
      const int32_t want = wide < lo ? lo : wide > hi ? hi : (int32_t)wide;
      const int32_t got = out_right_shift_model(acc, multiplier, shift, offset, lo, hi);
      ++compared;
      if (want != got) {
        if (differ < 10)
          printf("acc=%d m=%d shift=%d offset=%d: TFLM %d, an_out_s8_right_shift's model %d\n", acc, multiplier, shift,
                 offset, want, got);
        ++differ;
      }
    }
  }
  const int32_t lanes = requantize_mve_lane(acc, multiplier, shift);
  ++compared;
  if (expected != lanes) {
    if (differ < 10)
      printf("acc=%d m=%d shift=%d: TFLM %d, an_requantize_mve's lanes %d\n", acc, multiplier, shift, expected, lanes);
    ++differ;
  }
}

int main(void) {
  requantize_cases(3000000, 3000);
  printf("%ld compared, %ld differ\n", compared, differ);
  return differ != 0;
}
