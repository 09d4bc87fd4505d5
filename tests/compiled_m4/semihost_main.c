// Bare-metal driver of the compiled runtime's kernel tests on QEMU mps2-an386 (Cortex-M4) and
// mps3-an547 (Cortex-M55):
// runs model_invoke() on each sample of samples.h and prints every output as one line of hex
// through semihosting (SYS_WRITE0), then ends QEMU with SYS_EXIT_EXTENDED.  Before each
// output line, "#ticks N": SysTick ticks of the core clock (25 MHz) spent in model_invoke(); with
// QEMU's -icount shift=0 (1 ns per instruction) instructions = 40 x ticks.
#include <stdint.h>
#include <string.h>

#include "bare_metal.h"
#include "model.h"
#include "samples.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

static char line[2 * 16384 + 2];


// noinline: the timing model (bench/kernels_instructions.py) ends an inference at its entry.
__attribute__((noinline)) static void print_ticks(uint32_t ticks) {
  char text[24] = "#ticks ";
  int pos = 7;
  put_decimal(text, &pos, ticks);
  text[pos++] = '\n';
  text[pos] = 0;
  semihost(0x04, text);
}

// With -DMODEL_PROFILE model_invoke() calls these around each operator: "#op I ticks N" lines.
static uint32_t op_start;
void model_profile_begin(int op_index) {
  (void)op_index;
  op_start = SYST_CVR;
}
void model_profile_end(int op_index) {
  const uint32_t now = SYST_CVR;
  char text[40] = "#op ";
  int pos = 4;
  put_decimal(text, &pos, (uint32_t)op_index);
  text[pos++] = ' ';
  put_decimal(text, &pos, (op_start - now) & 0xFFFFFFu);
  text[pos++] = '\n';
  text[pos] = 0;
  semihost(0x04, text);
}

static int run(void) {
  static const char hex[] = "0123456789abcdef";
  if (model_init() != 0) return 1;
  for (int s = 0; s < AN_SAMPLE_COUNT; ++s) {
    memcpy(model_input(0), an_samples[s], model_input_bytes(0));
    SYST_RVR = 0xFFFFFFu;
    SYST_CVR = 0u;
    SYST_CSR = 5u;  // core clock, no interrupt, enabled
    while (SYST_CVR == 0u) {
    }  // the first tick loads the reload value
    (void)SYST_CSR;  // reading clears COUNTFLAG
    const uint32_t start = SYST_CVR;
    if (model_invoke() != 0) return 2;
    const uint32_t end = SYST_CVR;
    const int wrapped = (SYST_CSR >> 16) & 1u;  // COUNTFLAG: at most one wrap (671M instructions)
    SYST_CSR = 0u;
    print_ticks(start - end + (wrapped ? 0x1000000u : 0u));
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
