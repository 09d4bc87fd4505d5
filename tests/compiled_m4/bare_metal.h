// What the bare-metal programs of these tests share (semihost_main.c, the kernel tests' driver on
// QEMU's mps2-an386, mps2-an500 and mps3-an547; requantize_mve_check.c on the mps3-an547): the
// semihosting call, decimal numbers written into a line, and the reset handler that gives the FPU
// and MVE access where the build has them, runs the program's run() and ends QEMU with its status
// (SYS_EXIT_EXTENDED), with the vector table that starts it.  One program includes it once.
#ifndef TESTS_COMPILED_M4_BARE_METAL_H
#define TESTS_COMPILED_M4_BARE_METAL_H

#include <stdint.h>

static int semihost(int op, const void *arg) {
  register int r0 __asm__("r0") = op;
  register const void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

// Writes v in decimal at text[*pos], advancing *pos.
static void put_decimal(char *text, int *pos, unsigned long v) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = (char)('0' + v % 10u);
    v /= 10u;
  } while (v);
  while (n) text[(*pos)++] = digits[--n];
}

// The program: its exit status (0: success).
static int run(void);

void Reset_Handler(void) {
#if defined(__ARM_FP) || defined(__ARM_FEATURE_MVE)
  // CP10/CP11 (FPU and MVE) full access before any such instruction (hard-float and Cortex-M55 builds).
  *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;  // SCB->CPACR
  __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
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

#endif
