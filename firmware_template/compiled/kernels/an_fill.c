// attendnets compiled runtime: FILL, DYNAMIC_UPDATE_SLICE, EMBEDDING_LOOKUP, BROADCAST_ARGS (see an_fill.h).
#include "an_fill.h"

void an_fill(const void *value, int32_t element_bytes, int32_t count, void *output) {
  uint8_t *out = (uint8_t *)output;
  const size_t size = (size_t)element_bytes;
  for (int32_t i = 0; i < count; ++i, out += size) memcpy(out, value, size);
}

void an_dynamic_update_slice(const an_dynamic_update_slice_params *p, const void *operand, const void *update,
                             const void *start_indices, void *output) {
  const size_t element = (size_t)p->element_bytes;
  int32_t operand_elements = 1, update_elements = 1;
  for (int32_t d = 0; d < p->ndim; ++d) {
    operand_elements *= p->operand_dims[d];
    update_elements *= p->update_dims[d];
  }
  if (operand_elements == update_elements) {  // the update is the whole output (TFLM: a copy)
    memcpy(output, update, (size_t)update_elements * element);
    return;
  }
  if (output != operand) memcpy(output, operand, (size_t)operand_elements * element);
  if (update_elements == 0) return;
  int32_t stride[AN_FILL_MAX_DIMS];
  int32_t step = 1;
  int32_t offset = 0;
  for (int32_t d = p->ndim - 1; d >= 0; --d) {
    stride[d] = step;
    step *= p->operand_dims[d];
  }
  for (int32_t d = 0; d < p->ndim; ++d) {
    int64_t start = p->index_bytes == 8 ? ((const int64_t *)start_indices)[d] : ((const int32_t *)start_indices)[d];
    const int64_t limit = (int64_t)p->operand_dims[d] - p->update_dims[d];
    if (start < 0) start = 0;
    if (start > limit) start = limit;
    offset += (int32_t)start * stride[d];
  }
  const int32_t last = p->ndim - 1;
  const size_t row = (size_t)p->update_dims[last] * element;
  int32_t rows = 1;
  for (int32_t d = 0; d < last; ++d) rows *= p->update_dims[d];
  int32_t index[AN_FILL_MAX_DIMS] = {0};
  const uint8_t *src = (const uint8_t *)update;
  uint8_t *out = (uint8_t *)output;
  for (int32_t r = 0; r < rows; ++r, src += row) {
    memcpy(out + (size_t)offset * element, src, row);
    for (int32_t d = last - 1; d >= 0; --d) {
      offset += stride[d];
      if (++index[d] < p->update_dims[d]) break;
      offset -= stride[d] * p->update_dims[d];
      index[d] = 0;
    }
  }
}

void an_embedding_lookup(const an_embedding_lookup_params *p, const int32_t *ids, const void *value, void *output) {
  const size_t row = (size_t)p->columns * (size_t)p->element_bytes;
  uint8_t *out = (uint8_t *)output;
  for (int32_t i = 0; i < p->lookups; ++i, out += row) {
    const int32_t id = ids[i];
    if (id >= 0 && id < p->rows) {
      memcpy(out, (const uint8_t *)value + (size_t)id * row, row);
    } else {
      memset(out, 0, row);
    }
  }
}

void an_embedding_lookup_hybrid(const an_embedding_lookup_params *p, const int32_t *ids, const int8_t *value,
                                float *output) {
  const float scale = p->scale;
  for (int32_t i = 0; i < p->lookups; ++i, output += p->columns) {
    const int32_t id = ids[i];
    if (id >= 0 && id < p->rows) {
      const int8_t *v = value + (size_t)id * (size_t)p->columns;
      for (int32_t j = 0; j < p->columns; ++j) output[j] = (float)v[j] * scale;
    } else {
      memset(output, 0, (size_t)p->columns * sizeof(float));
    }
  }
}

#define AN_BROADCAST_ARGS(type, shape1, size1, shape2, size2, output, output_size) \
  do {                                                                             \
    for (int32_t i = 0; i < (output_size); ++i) {                                  \
      const int32_t k1 = i - ((output_size) - (size1));                            \
      const int32_t k2 = i - ((output_size) - (size2));                            \
      const int32_t a = k1 >= 0 ? (int32_t)(shape1)[k1] : 1; /* TFLM's int */      \
      const int32_t b = k2 >= 0 ? (int32_t)(shape2)[k2] : 1;                       \
      (output)[i] = (type)(a == 1 ? b : a);                                        \
    }                                                                              \
  } while (0)

void an_broadcast_args_s32(const int32_t *shape1, int32_t size1, const int32_t *shape2, int32_t size2, int32_t *output,
                           int32_t output_size) {
  AN_BROADCAST_ARGS(int32_t, shape1, size1, shape2, size2, output, output_size);
}

void an_broadcast_args_s64(const int64_t *shape1, int32_t size1, const int64_t *shape2, int32_t size2, int64_t *output,
                           int32_t output_size) {
  AN_BROADCAST_ARGS(int64_t, shape1, size1, shape2, size2, output, output_size);
}
