// attendnets compiled runtime: operators that place run-time values (TFLM's reference kernels), on
// elements of any size (sizes in bytes, computed at generation time by codegen/compiled/ops/fill.py):
// - an_fill: FILL, the scalar value repeated over the output;
// - an_dynamic_update_slice: DYNAMIC_UPDATE_SLICE, the operand copied, then the update written at the
//   run-time start indices (int32 or int64), each clamped to [0, operand dim - update dim] as TFLM;
// - an_embedding_lookup: EMBEDDING_LOOKUP, one row of the value table per int32 id; an id outside the
//   table (TFLM fails the invocation) gives a row of zeros; _hybrid: int8 rows dequantized to float32
//   by the table's scale (zero point 0), (float)(value) * scale as TFLM;
// - an_broadcast_args_s32 / _s64: BROADCAST_ARGS of two run-time shape vectors.
#ifndef AN_FILL_H_
#define AN_FILL_H_

#include <stdint.h>
#include <string.h>

#define AN_FILL_MAX_DIMS 5

void an_fill(const void *value, int32_t element_bytes, int32_t count, void *output);

typedef struct {
  int32_t ndim;  // 1..AN_FILL_MAX_DIMS
  int32_t operand_dims[AN_FILL_MAX_DIMS];
  int32_t update_dims[AN_FILL_MAX_DIMS];
  int32_t element_bytes;
  int32_t index_bytes;  // 4: int32 start indices, 8: int64
} an_dynamic_update_slice_params;

void an_dynamic_update_slice(const an_dynamic_update_slice_params *p, const void *operand, const void *update,
                             const void *start_indices, void *output);

typedef struct {
  int32_t lookups;  // ids
  int32_t rows;     // rows of the value table
  int32_t columns;  // elements per row
  int32_t element_bytes;
  float scale;  // the int8 table's scale (hybrid only)
} an_embedding_lookup_params;

void an_embedding_lookup(const an_embedding_lookup_params *p, const int32_t *ids, const void *value, void *output);
void an_embedding_lookup_hybrid(const an_embedding_lookup_params *p, const int32_t *ids, const int8_t *value,
                                float *output);

// output[i] (right-aligned): the one of the two dimensions that is not 1 (shape1's when both are),
// a dimension missing from the shorter vector counting as 1; values read as int (TFLM's reference).
void an_broadcast_args_s32(const int32_t *shape1, int32_t size1, const int32_t *shape2, int32_t size2, int32_t *output,
                           int32_t output_size);
void an_broadcast_args_s64(const int64_t *shape1, int32_t size1, const int64_t *shape2, int32_t size2, int64_t *output,
                           int32_t output_size);

#endif  // AN_FILL_H_
