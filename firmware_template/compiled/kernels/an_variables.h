// attendnets compiled runtime: resource variables' initialisation (CALL_ONCE) and TFLM's CIRCULAR_BUFFER.
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

// CIRCULAR_BUFFER (TFLM's circular_buffer.cc, int8): `buffer` (slots x depth, in the state area) shifted one slot
// towards its start, `input` (depth values) appended as the last slot, the whole buffer copied to `output` (in TFLM
// the output tensor is the buffer). *count counts the invocations since the last one that ran on (model_reset()
// zeroes it: TFLM's Reset sets cycles_until_run = cycles_max); *run = whether this one runs on: every
// cycles_max-th (TFLM returns kTfLiteAbort on the others, ending the invocation after this operator).
void an_circular_buffer_s8(const int8_t *input, int32_t slots, int32_t depth, int32_t cycles_max, int8_t *buffer,
                           int32_t *count, bool *run, int8_t *output);

#endif  // AN_VARIABLES_H_
