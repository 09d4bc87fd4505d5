// attendnets compiled runtime: RESIZE_BILINEAR (NHWC) as TFLM's reference kernels.
// - int8: ResizeBilinearInteger: positions in 1/1024 steps; each output is
//   sum(value * (1024 - wy or wy) * (1024 - wx or wx)) over the four neighbours, rounded half away from zero
//   by 2^20 (TFLM's double rounding: +-2^19 then a division) and stored as int8_t (no requantization: TFLM
//   ignores the tensors' scales).
// - float32: ResizeBilinear's float expression in its order: v00 * (1 - dy) * (1 - dx) + v10 * dy * (1 - dx)
//   + v01 * (1 - dy) * dx + v11 * dy * dx + 0.0f.
// Generation time computes, per output row and column, the two input indices and the weight (int8: the
// position minus 1024 * the lower index; float32: the fraction dy, dx as float) exactly as TFLM does
// (align_corners, half_pixel_centers; codegen/compiled/ops/resize.py).
#ifndef AN_RESIZE_BILINEAR_H_
#define AN_RESIZE_BILINEAR_H_

#include <stdint.h>

typedef struct {
  int32_t batches;
  int32_t input_height, input_width, depth;
  int32_t output_height, output_width;
  const int32_t *rows;            // [output_height][3]: lower input row, upper input row, int8 weight wy
  const int32_t *columns;         // [output_width][3]: lower input column, upper input column, int8 weight wx
  const float *row_fractions;     // [output_height] float32: dy (NULL for int8)
  const float *column_fractions;  // [output_width] float32: dx (NULL for int8)
} an_resize_bilinear_params;

void an_resize_bilinear_s8(const an_resize_bilinear_params *params, const int8_t *input, int8_t *output);
void an_resize_bilinear_f32(const an_resize_bilinear_params *params, const float *input, float *output);

#endif  // AN_RESIZE_BILINEAR_H_
