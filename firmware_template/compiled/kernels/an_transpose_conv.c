// attendnets compiled runtime: TRANSPOSE_CONV (see an_transpose_conv.h).
#include "an_transpose_conv.h"

#include <string.h>

#include "an_common.h"

// TFLM's scatter: `accumulate(sum, x, w)` adds one product into the output element's sum.
#define AN_TCONV_SCATTER(in_type, acc_type, sums, value_of, product)                                           \
  do {                                                                                                         \
    for (int32_t b = 0; b < p->batches; ++b) {                                                                 \
      for (int32_t iy = 0; iy < p->input_height; ++iy) {                                                       \
        for (int32_t ix = 0; ix < p->input_width; ++ix) {                                                      \
          const in_type *px = input + ((b * p->input_height + iy) * p->input_width + ix) * p->input_depth;     \
          const int32_t oy0 = iy * p->stride_height - p->pad_height;                                           \
          const int32_t ox0 = ix * p->stride_width - p->pad_width;                                             \
          for (int32_t ic = 0; ic < p->input_depth; ++ic) {                                                    \
            const acc_type x = value_of(px[ic]);                                                               \
            for (int32_t fy = 0; fy < p->filter_height; ++fy) {                                                \
              const int32_t oy = oy0 + fy;                                                                     \
              if (oy < 0 || oy >= p->output_height) continue;                                                  \
              for (int32_t fx = 0; fx < p->filter_width; ++fx) {                                               \
                const int32_t ox = ox0 + fx;                                                                   \
                if (ox < 0 || ox >= p->output_width) continue;                                                 \
                acc_type *out = sums + ((b * p->output_height + oy) * p->output_width + ox) * p->output_depth; \
                const int32_t tap = (fy * p->filter_width + fx) * p->input_depth + ic;                         \
                const int32_t filter_step = p->filter_height * p->filter_width * p->input_depth;               \
                for (int32_t oc = 0; oc < p->output_depth; ++oc) {                                             \
                  out[oc] += product(x, filter[oc * filter_step + tap]);                                       \
                }                                                                                              \
              }                                                                                                \
            }                                                                                                  \
          }                                                                                                    \
        }                                                                                                      \
      }                                                                                                        \
    }                                                                                                          \
  } while (0)

#define AN_TCONV_S8_VALUE(v) ((int32_t)(v) + p->input_offset)
#define AN_TCONV_S16_VALUE(v) ((int64_t)(v))
#define AN_TCONV_F32_VALUE(v) (v)
#define AN_TCONV_PRODUCT(x, w) ((x) * (w))

// The integer kernels: the products summed in acc_t scratch (zeroed first), then each sum + its channel's bias
// requantized by OUT(acc, oc) and clamped to the activation.
#define AN_TCONV_INT(in_type, acc_type, out_type, value_of, OUT)                             \
  do {                                                                                       \
    const int32_t count = p->batches * p->output_height * p->output_width * p->output_depth; \
    acc_type *sums = (acc_type *)scratch;                                                    \
    memset(sums, 0, (size_t)count * sizeof(acc_type));                                       \
    AN_TCONV_SCATTER(in_type, acc_type, sums, value_of, AN_TCONV_PRODUCT);                   \
    for (int32_t i = 0; i < count; ++i) {                                                    \
      const int32_t oc = i % p->output_depth;                                                \
      acc_type acc = sums[i];                                                                \
      if (bias) acc += bias[oc];                                                             \
      const int32_t v = OUT(acc, oc);                                                        \
      output[i] = (out_type)an_clamp(v, p->activation_min, p->activation_max);               \
    }                                                                                        \
  } while (0)

#define AN_TCONV_S8_OUT(acc, oc) (an_requantize(acc, multipliers[oc], shifts[oc]) + p->output_offset)
#define AN_TCONV_S16_OUT(acc, oc) an_requantize64(acc, multipliers[oc], shifts[oc])

void an_transpose_conv_s8(const an_transpose_conv_params *p, const int8_t *input, const int8_t *filter,
                          const int32_t *bias, const int32_t *multipliers, const int32_t *shifts, int8_t *output,
                          void *scratch) {
  AN_TCONV_INT(int8_t, int32_t, int8_t, AN_TCONV_S8_VALUE, AN_TCONV_S8_OUT);
}

void an_transpose_conv_s16(const an_transpose_conv_params *p, const int16_t *input, const int8_t *filter,
                           const int64_t *bias, const int32_t *multipliers, const int32_t *shifts, int16_t *output,
                           void *scratch) {
  AN_TCONV_INT(int16_t, int64_t, int16_t, AN_TCONV_S16_VALUE, AN_TCONV_S16_OUT);
}

void an_transpose_conv_f32(const an_transpose_conv_params *p, const float *input, const float *filter,
                           const float *bias, float *output) {
  const int32_t count = p->batches * p->output_height * p->output_width * p->output_depth;
  for (int32_t i = 0; i < count; ++i) output[i] = 0.0f;
  AN_TCONV_SCATTER(float, float, output, AN_TCONV_F32_VALUE, AN_TCONV_PRODUCT);
  for (int32_t i = 0; i < count; ++i) {
    float acc = output[i];
    if (bias) acc += bias[i % p->output_depth];
    output[i] = acc < p->float_min ? p->float_min : (acc > p->float_max ? p->float_max : acc);
  }
}
