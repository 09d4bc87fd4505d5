// attendnets compiled runtime: the patch schedules' own steps (codegen/compiled/patch.py). A tile of a patch
// stage that covers part of a tensor's columns has its region gathered out of the wider tensor into a dense
// buffer, or scattered from its dense buffer into the wider tensor, by a block copy; every other kernel then
// runs on dense NHWC operands with its own parameters.
#ifndef AN_PATCH_H_
#define AN_PATCH_H_
#include <stdint.h>

// `rows` runs of `row_elements` int8 elements: run r from input + r * input_stride to
// output + r * output_stride (strides in elements; the two blocks do not overlap).
typedef struct {
  int32_t rows;
  int32_t row_elements;
  int32_t input_stride;
  int32_t output_stride;
} an_copy_rows_params;
void an_copy_rows_s8(const an_copy_rows_params *params, const int8_t *input, int8_t *output);

#endif  // AN_PATCH_H_
