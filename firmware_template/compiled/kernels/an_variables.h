// attendnets compiled runtime: resource variables' initialisation (CALL_ONCE).
#ifndef AN_VARIABLES_H_
#define AN_VARIABLES_H_

#include <stdbool.h>

#include "an_common.h"

// At the first call only (*has_run == 0; a flag in the state area that model_reset() leaves alone, as TFLM's
// CALL_ONCE keeps has_run across MicroInterpreter::Reset): copies bytes[i] from values[i] into variables[i].
void an_call_once_assign(uint8_t *has_run, int32_t count, void *const *variables, const void *const *values,
                         const uint32_t *bytes);

// A CALL_ONCE whose init subgraph computes: *first = whether this is the first call (*has_run == 0), and
// *has_run = 1; the init subgraph's steps run under `if (first[0])`.
void an_call_once_begin(uint8_t *has_run, bool *first);

#endif  // AN_VARIABLES_H_
