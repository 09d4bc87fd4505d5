// Bare-metal driver of the compiled runtime's kernel tests on QEMU mps2-an386 (Cortex-M4):
// runs model_invoke() on each sample of samples.h and prints every output as one line of hex
// through semihosting (SYS_WRITE0), then ends QEMU with SYS_EXIT_EXTENDED.
#include <stdint.h>
#include <string.h>

#include "model.h"
#include "samples.h"

static int semihost(int op, const void *arg) {
  register int r0 __asm__("r0") = op;
  register const void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

static char line[2 * 4096 + 2];

void model_profile_begin(int op_index) { (void)op_index; }
void model_profile_end(int op_index) { (void)op_index; }

int main(void) {
  static const char hex[] = "0123456789abcdef";
  if (model_init() != 0) return 1;
  for (int s = 0; s < AN_SAMPLE_COUNT; ++s) {
    memcpy(model_input(0), an_samples[s], model_input_bytes(0));
    if (model_invoke() != 0) return 2;
    const uint8_t *out = (const uint8_t *)model_output(0);
    size_t n = model_output_bytes(0), pos = 0;
    for (size_t i = 0; i < n && pos + 3 < sizeof line; ++i) {
      line[pos++] = hex[out[i] >> 4];
      line[pos++] = hex[out[i] & 15];
    }
    line[pos++] = '\n';
    line[pos] = 0;
    semihost(0x04, line);  // SYS_WRITE0
  }
  return 0;
}

void Reset_Handler(void) {
  const int status = main();
  static uint32_t block[2];
  block[0] = status == 0 ? 0x20026u : 0x20023u;  // ApplicationExit / RunTimeErrorUnknown
  block[1] = (uint32_t)status;
  semihost(0x20, block);  // SYS_EXIT_EXTENDED
  for (;;) {
  }
}

extern uint32_t __stack_top;
__attribute__((section(".isr_vector"), used)) const void *const an_vectors[2] = {&__stack_top, (void *)Reset_Handler};
