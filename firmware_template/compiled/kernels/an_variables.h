// attendnets compiled runtime: resource variables' initialisation (CALL_ONCE of constant assignments).
#ifndef AN_VARIABLES_H_
#define AN_VARIABLES_H_

#include "an_common.h"

// At the first call only (*has_run == 0; a flag in the state area that model_reset() leaves alone, as TFLM's
// CALL_ONCE keeps has_run across MicroInterpreter::Reset): copies bytes[i] from values[i] into variables[i].
void an_call_once_assign(uint8_t *has_run, int32_t count, void *const *variables, const void *const *values,
                         const uint32_t *bytes);

#endif  // AN_VARIABLES_H_
