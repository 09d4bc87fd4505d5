// attendnets compiled runtime: host test driver (plain cc). Reads records from stdin, one
// record = the bytes of input 0, input 1, ... in order; per record runs model_invoke() and
// writes the bytes of output 0, output 1, ... to stdout. Ends at end of input.
// With an argument N > 0, model_reset() before every N-th record (the state tests). With a second argument
// "status", each record's outputs are preceded by one byte: model_invoke()'s return value (1: ended early by a
// CIRCULAR_BUFFER, TFLM's kTfLiteAbort; the outputs are then whatever the arena holds).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

int main(int argc, char** argv) {
  const long reset_every = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
  const int with_status = argc > 2 && strcmp(argv[2], "status") == 0;
  if (model_init() != 0) return 1;
  for (long record = 0;; ++record) {
    if (reset_every > 0 && record > 0 && record % reset_every == 0 && model_reset() != 0) return 5;
    for (int i = 0; i < MODEL_INPUT_COUNT; ++i) {
      const size_t n = model_input_bytes(i);
      if (fread(model_input(i), 1, n, stdin) != n) {
        return (i == 0) ? 0 : 2;  // a clean end only between records
      }
    }
    const int status = model_invoke();
    if (status != 0 && !(with_status && status == 1)) return 3;
    if (with_status && fputc(status, stdout) == EOF) return 4;
    for (int i = 0; i < MODEL_OUTPUT_COUNT; ++i) {
      if (fwrite(model_output(i), 1, model_output_bytes(i), stdout) != model_output_bytes(i)) return 4;
    }
  }
}
