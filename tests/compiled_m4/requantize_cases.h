// The requantization cases requantize_check.c (on the host) and requantize_mve_check.c (on QEMU's
// Cortex-M55) run through their check(acc, multiplier, shift), which the including file defines:
// every shift in [-31, 31] on edge accumulators (each +-2) and multipliers of either sign,
// `randoms` random cases (xorshift64, fixed seed), and the exact rounding halves: with multiplier
// 2^30 the high product is acc / 2, so acc = 2 * (k * 2^(e-1)) + d for |k| <= `halves` puts the
// divide by 2^e on, just below and just above a half, for either sign of the multiplier.
// INT32_MIN is never a multiplier (an_common.h says why).
#ifndef TESTS_COMPILED_M4_REQUANTIZE_CASES_H
#define TESTS_COMPILED_M4_REQUANTIZE_CASES_H

#include <stdint.h>

// Compares one case (the including file's).
static void check(int32_t acc, int32_t multiplier, int shift);

static uint64_t state = 88172645463325252ull;
static uint32_t next_random(void) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return (uint32_t)state;
}

static void requantize_cases(long randoms, long halves) {
  // clang-format off
  const int32_t accs[] = {0, 1, -1, 2, -2, 3, -3, INT32_MAX, INT32_MIN, INT32_MAX - 1, INT32_MIN + 1, 1 << 30,
                          -(1 << 30), (1 << 30) + 1, -(1 << 30) - 1, (1 << 30) - 1, 1 << 15, -(1 << 15), 1 << 24,
                          -(1 << 24), 12345, -12345};
  const int32_t multipliers[] = {0, 1, 2, 1 << 30, (1 << 30) + 1, INT32_MAX, INT32_MAX - 1, 1073741823, 1518500250,
                                 2000000000, -1, -2, -(1 << 30), -(1 << 30) - 1, -INT32_MAX, INT32_MIN + 1,
                                 -1518500250};
  // clang-format on
  const int n_accs = (int)(sizeof accs / sizeof accs[0]),
            n_multipliers = (int)(sizeof multipliers / sizeof multipliers[0]);
  for (int shift = -31; shift <= 31; ++shift) {
    for (int i = 0; i < n_accs; ++i) {
      for (int j = 0; j < n_multipliers; ++j) {
        for (int d = -2; d <= 2; ++d) check((int32_t)((uint32_t)accs[i] + (uint32_t)d), multipliers[j], shift);
      }
    }
  }
  for (long k = 0; k < randoms; ++k) {
    int32_t acc = (int32_t)next_random();
    if (k & 1) acc >>= next_random() % 31;
    int32_t multiplier = (int32_t)(next_random() >> 1);
    if (k % 3 == 0) multiplier = -multiplier;  // never INT32_MIN
    check(acc, multiplier, (int)(next_random() % 63) - 31);
  }
  for (int e = 1; e <= 31; ++e) {
    for (long k = -halves; k <= halves; ++k) {
      const int64_t half = (int64_t)k * ((int64_t)1 << e) / 2;
      for (int d = -1; d <= 1; ++d) {
        const int64_t acc = half * 2 + d;
        if (acc < INT32_MIN || acc > INT32_MAX) continue;
        check((int32_t)acc, 1 << 30, -e);
        check((int32_t)acc, -(1 << 30), -e);
      }
    }
  }
}

#endif
