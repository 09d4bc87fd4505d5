// attendnets compiled runtime: SPLIT, SPLIT_V, UNPACK and PACK at run time (TFLM's reference
// kernels copy, never requantize), on elements of any size: every size is in bytes, computed at
// generation time (codegen/compiled/ops/split.py).  For each of `outer` blocks, part k has
// part_bytes[k] consecutive bytes in the joined tensor:
// - an_split: the joined tensor is the input, each part an output (SPLIT, SPLIT_V, UNPACK);
// - an_join: the parts are the inputs, the joined tensor the output (PACK).
#ifndef AN_SPLIT_H_
#define AN_SPLIT_H_

#include <stdint.h>
#include <string.h>

typedef struct {
  int32_t outer;  // product of the dimensions before the axis
  int32_t parts;
} an_split_params;

// One tensor's bytes to another (the copies between a control-flow operator's tensors and its subgraphs'
// tensors: IF, WHILE).
void an_copy(void *output, const void *input, int32_t bytes);

void an_split(const an_split_params *p, const void *input, void *const *outputs, const int32_t *part_bytes);
void an_join(const an_split_params *p, const void *const *inputs, const int32_t *part_bytes, void *output);

#endif  // AN_SPLIT_H_
