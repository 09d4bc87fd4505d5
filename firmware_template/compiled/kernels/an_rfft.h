// attendnets compiled runtime: TFLM's signal library RFFT (int16, int32, float32), the same bits
// as TFLM's kissfft-based kernels: a complex FFT of half the length over the real input read as
// (even, odd) pairs, mixed radix 4, 2, 3, 5 decimation in time with kissfft's per-stage scaling
// (fixed point: each radix-p stage divides by p with a Q15/Q31 rounding multiply), then the split
// into the real spectrum.  The plan (stage radices, input order, twiddles) is computed at
// generation time (codegen/compiled/ops/signal.py); only the butterflies run here.
#ifndef AN_RFFT_H_
#define AN_RFFT_H_

#include "an_common.h"

// Everything computed at generation time.  Twiddle tables are (re, im) pairs of the scalar type.
typedef struct {
  int32_t fft_length;     // real FFT length N (even): N / 2 complex points, N / 2 + 1 outputs
  int32_t input_length;   // samples per frame (<= N; the rest is zeros)
  int32_t frames;         // frames in the input
  int32_t output_stride;  // complex outputs from one frame to the next
  int32_t stages;         // complex FFT stages
  const int16_t *radix;   // [stages] first stage first: 2, 3, 4 or 5
  const int16_t *span;    // [stages] the stage's sub-FFT length m (radix * span = previous span)
  const uint16_t *order;  // [N / 2] complex input index of each first-stage position
} an_rfft_plan;

// Scratch bytes: the N / 2 complex points of one frame.
#define AN_RFFT_SCRATCH_BYTES(fft_length, scalar_bytes) ((size_t)(fft_length) * (scalar_bytes))

// twiddles: [N / 2] complex e^(-2 pi i k / (N / 2)); split: [N / 4] complex e^(-i pi ((k + 1) / (N / 2) + 1 / 2)).
// output: [frames][output_stride] complex (re, im), the first N / 2 + 1 of each frame written.
void an_rfft_s16(const an_rfft_plan *p, const int16_t *twiddles, const int16_t *split, const int16_t *input,
                 void *scratch, int16_t *output);
void an_rfft_s32(const an_rfft_plan *p, const int32_t *twiddles, const int32_t *split, const int32_t *input,
                 void *scratch, int32_t *output);
void an_rfft_f32(const an_rfft_plan *p, const float *twiddles, const float *split, const float *input, void *scratch,
                 float *output);

// IRFFT (TFLM's kiss_fftri): input [frames][input_length] complex (the first N / 2 + 1 read), output
// [frames][output_stride] real (the first N written); twiddles / split as above with the inverse phases;
// scratch: AN_RFFT_SCRATCH_BYTES.
void an_irfft_s16(const an_rfft_plan *p, const int16_t *twiddles, const int16_t *split, const int16_t *input,
                  void *scratch, int16_t *output);
void an_irfft_s32(const an_rfft_plan *p, const int32_t *twiddles, const int32_t *split, const int32_t *input,
                  void *scratch, int32_t *output);
void an_irfft_f32(const an_rfft_plan *p, const float *twiddles, const float *split, const float *input, void *scratch,
                  float *output);

#endif  // AN_RFFT_H_
