// attendnets compiled runtime: SELECT_V2 (TFLM's reference Select and
// BroadcastSelect5DSlow): output = condition ? x : y element by element, with broadcasting of all
// three inputs (numpy rules), for 1-, 2- and 4-byte elements (int8; int16; float32 copied as
// bits). The walk (dimensions merged, a stride of 0 where an input broadcasts) is computed at
// generation time (codegen/compiled/ops/select.py).
#ifndef AN_SELECT_H_
#define AN_SELECT_H_

#include <stdbool.h>
#include <stdint.h>

#define AN_SELECT_MAX_DIMS 6

typedef struct {
  int32_t ndim;                           // 1..AN_SELECT_MAX_DIMS
  int32_t dims[AN_SELECT_MAX_DIMS];       // output dimensions (merged)
  int32_t condition[AN_SELECT_MAX_DIMS];  // the condition's stride per dimension, in elements (0: broadcast)
  int32_t x[AN_SELECT_MAX_DIMS];          // x's
  int32_t y[AN_SELECT_MAX_DIMS];          // y's
} an_select_params;

void an_select_b8(const an_select_params *p, const bool *condition, const void *x, const void *y, void *output);
void an_select_b16(const an_select_params *p, const bool *condition, const void *x, const void *y, void *output);
void an_select_b32(const an_select_params *p, const bool *condition, const void *x, const void *y, void *output);

#endif  // AN_SELECT_H_
