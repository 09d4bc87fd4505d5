// an_requantize_mve, (where all four shifts are negative) an_requantize_right_mve and (where none is positive)
// an_requantize_nonpositive_mve (an_common.h,
// Helium) == an_requantize, lane by lane, on the Cortex-M55 in
// QEMU (mps3-an547): the edge values, exact rounding halves and random values of
// requantize_check.c (which ties an_requantize to TFLM's MultiplyByQuantizedMultiplier), four
// lanes per call with different multipliers and shifts in each lane.  Prints "N compared, M
// differ" through semihosting and exits non-zero on any difference.  Built and run by
// tests/test_compiled_mve.py.
#include <stdint.h>

#include "an_common.h"
#include "bare_metal.h"
#include "requantize_cases.h"

#if !AN_USE_MVE
#error "build for a core with MVE (-mcpu=cortex-m55)"
#endif

static long compared, differ;
static int32_t pending_acc[4], pending_m[4], pending_s[4];
static int pending;

static void flush(void) {
  if (!pending) return;
  int32_t out[4];
  vst1q(out, an_requantize_mve(vld1q(pending_acc), vld1q(pending_m), vld1q(pending_s)));
  int negative = 1, nonpositive = 1;
  for (int i = 0; i < pending; ++i) negative &= pending_s[i] < 0, nonpositive &= pending_s[i] <= 0;
  int32_t right[4], nonpos[4];
  if (negative) vst1q(right, an_requantize_right_mve(vld1q(pending_acc), vld1q(pending_m), vld1q(pending_s)));
  if (nonpositive) {
    vst1q(nonpos, an_requantize_nonpositive_mve(vld1q(pending_acc), vld1q(pending_m), vld1q(pending_s)));
  }
  for (int i = 0; i < pending; ++i) {
    const int32_t expected = an_requantize(pending_acc[i], pending_m[i], pending_s[i]);
    ++compared;
    if (out[i] != expected) ++differ;
    // an_requantize_right_mve, for the vectors whose four shifts are all negative.
    if (negative && right[i] != expected) ++differ;
    // an_requantize_nonpositive_mve, for the vectors whose four shifts are all at most zero.
    if (nonpositive && nonpos[i] != expected) ++differ;
  }
  pending = 0;
}

// Queues one case; every fourth call runs a vector of four.
static void check(int32_t acc, int32_t multiplier, int shift) {
  pending_acc[pending] = acc;
  pending_m[pending] = multiplier;
  pending_s[pending] = shift;
  if (++pending == 4) flush();
}

static int run(void) {
  requantize_cases(1000000, 1500);
  flush();
  char text[64];
  int pos = 0;
  put_decimal(text, &pos, compared);
  const char *mid = " compared, ";
  while (*mid) text[pos++] = *mid++;
  put_decimal(text, &pos, differ);
  const char *tail = " differ\n";
  while (*tail) text[pos++] = *tail++;
  text[pos] = 0;
  semihost(0x04, text);
  return differ != 0;
}
