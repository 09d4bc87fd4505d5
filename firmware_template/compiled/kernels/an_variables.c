// attendnets compiled runtime: CALL_ONCE of constant assignments, CIRCULAR_BUFFER (see an_variables.h).
#include "an_variables.h"

void an_call_once_assign(uint8_t *has_run, int32_t count, void *const *variables, const void *const *values,
                         const uint32_t *bytes) {
  if (*has_run) return;
  for (int32_t i = 0; i < count; ++i) memcpy(variables[i], values[i], bytes[i]);
  *has_run = 1;
}

void an_call_once_begin(uint8_t *has_run, bool *first) {
  *first = !*has_run;
  *has_run = 1;
}

void an_circular_buffer_s8(const int8_t *input, int32_t slots, int32_t depth, int32_t cycles_max, int8_t *buffer,
                           int32_t *count, bool *run, int8_t *output) {
  const size_t kept = (size_t)(slots - 1) * (size_t)depth;
  memmove(buffer, buffer + depth, kept);
  memcpy(buffer + kept, input, (size_t)depth);
  memcpy(output, buffer, kept + (size_t)depth);
  *count += 1;
  *run = *count >= cycles_max;
  if (*run) *count = 0;
}
