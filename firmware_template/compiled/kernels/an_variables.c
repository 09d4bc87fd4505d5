// attendnets compiled runtime: CALL_ONCE of constant assignments (see an_variables.h).
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
