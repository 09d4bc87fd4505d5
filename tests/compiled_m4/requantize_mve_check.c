// an_requantize_mve and (where all four shifts are negative) an_requantize_right_mve (an_common.h,
// Helium) == an_requantize, lane by lane, on the Cortex-M55 in
// QEMU (mps3-an547): the edge values, exact rounding halves and random values of
// requantize_check.c (which ties an_requantize to TFLM's MultiplyByQuantizedMultiplier), four
// lanes per call with different multipliers and shifts in each lane.  Prints "N compared, M
// differ" through semihosting and exits non-zero on any difference.  Built and run by
// tests/test_compiled_mve.py.
#include <stdint.h>

#include "an_common.h"

#if !AN_USE_MVE
#error "build for a core with MVE (-mcpu=cortex-m55)"
#endif

static int semihost(int op, const void *arg) {
  register int r0 __asm__("r0") = op;
  register const void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

static uint64_t state = 88172645463325252ull;
static uint32_t next_random(void) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return (uint32_t)state;
}

static long compared, differ;
static int32_t pending_acc[4], pending_m[4], pending_s[4];
static int pending;

static void flush(void) {
  if (!pending) return;
  int32_t out[4];
  vst1q(out, an_requantize_mve(vld1q(pending_acc), vld1q(pending_m), vld1q(pending_s)));
  int negative = 1;
  for (int i = 0; i < pending; ++i) negative &= pending_s[i] < 0;
  int32_t right[4];
  if (negative) vst1q(right, an_requantize_right_mve(vld1q(pending_acc), vld1q(pending_m), vld1q(pending_s)));
  for (int i = 0; i < pending; ++i) {
    const int32_t expected = an_requantize(pending_acc[i], pending_m[i], pending_s[i]);
    ++compared;
    if (out[i] != expected) ++differ;
    // an_requantize_right_mve, for the vectors whose four shifts are all negative.
    if (negative && right[i] != expected) ++differ;
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

static void put_number(char *text, int *pos, long v) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) text[(*pos)++] = digits[--n];
}

static int run(void) {
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
  for (long k = 0; k < 1000000; ++k) {
    int32_t acc = (int32_t)next_random();
    if (k & 1) acc >>= next_random() % 31;
    int32_t multiplier = (int32_t)(next_random() >> 1);
    if (k % 3 == 0) multiplier = -multiplier;  // never INT32_MIN
    check(acc, multiplier, (int)(next_random() % 63) - 31);
  }
  for (int e = 1; e <= 31; ++e) {
    for (long k = -1500; k <= 1500; ++k) {
      const int64_t half = (int64_t)k * ((int64_t)1 << e) / 2;
      for (int d = -1; d <= 1; ++d) {
        const int64_t acc = half * 2 + d;
        if (acc < INT32_MIN || acc > INT32_MAX) continue;
        check((int32_t)acc, 1 << 30, -e);
        check((int32_t)acc, -(1 << 30), -e);
      }
    }
  }
  flush();
  char text[64];
  int pos = 0;
  put_number(text, &pos, compared);
  const char *mid = " compared, ";
  while (*mid) text[pos++] = *mid++;
  put_number(text, &pos, differ);
  const char *tail = " differ\n";
  while (*tail) text[pos++] = *tail++;
  text[pos] = 0;
  semihost(0x04, text);
  return differ != 0;
}

void Reset_Handler(void) {
  *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;  // CP10/CP11 (FPU and MVE) full access
  __asm__ volatile("dsb\n\tisb" ::: "memory");
  const int status = run();
  static uint32_t block[2];
  block[0] = status == 0 ? 0x20026u : 0x20023u;  // ApplicationExit / RunTimeErrorUnknown
  block[1] = (uint32_t)status;
  semihost(0x20, block);  // SYS_EXIT_EXTENDED
  for (;;) {
  }
}

extern uint32_t __stack_top;
__attribute__((section(".isr_vector"), used)) const void *const an_vectors[2] = {&__stack_top, (void *)Reset_Handler};
