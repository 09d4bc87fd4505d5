// attendnets compiled runtime: TFLM's signal library (the audio front end as a model), the
// operators after and around the FFT: WINDOW, FFT_AUTO_SCALE, ENERGY, FILTER_BANK,
// FILTER_BANK_SQUARE_ROOT, FILTER_BANK_SPECTRAL_SUBTRACTION, PCAN, FILTER_BANK_LOG.
// Integer arithmetic as TFLM's signal/src reference (unsigned wrap-around where TFLM's C++
// wraps); every option is a generation-time constant. The FFT is in an_rfft.h.
#ifndef AN_SIGNAL_H_
#define AN_SIGNAL_H_

#include <stdbool.h>

#include "an_common.h"

// WINDOW: output = saturate_int16((input * weights) >> shift), the weights repeated over the input.
void an_signal_window_s16(const int16_t *input, const int16_t *weights, int32_t weight_count, int32_t input_count,
                          int32_t shift, int16_t *output);

// FFT_AUTO_SCALE: output = input << s with s the left shift that brings the largest magnitude to
// bit 14 (0 when the input is all zeros or holds INT16_MIN); *scale_bits = s.
void an_signal_fft_auto_scale_s16(const int16_t *input, int32_t count, int16_t *output, int32_t *scale_bits);

// ENERGY: output[i] = re^2 + im^2 (uint32) of complex input i in [start, end); 0 elsewhere.
void an_signal_energy_s16(const int16_t *input, int32_t start, int32_t end, int32_t count, uint32_t *output);

// FILTER_BANK: per channel the weighted sum of its frequency bins plus the unweighted sum of the
// previous channel's bins (uint64, wrapping); the tables have channels + 1 rows (row 0 feeds channel 0).
typedef struct {
  int32_t channels;                 // outputs
  const int16_t *weights;           // [total width]
  const int16_t *unweights;         // [total width]
  const int16_t *frequency_starts;  // [channels + 1]
  const int16_t *weight_starts;     // [channels + 1]
  const int16_t *widths;            // [channels + 1]
} an_signal_filter_bank_params;
void an_signal_filter_bank(const an_signal_filter_bank_params *p, const uint32_t *input, uint64_t *output);

// FILTER_BANK_SQUARE_ROOT: output = rounded sqrt(input) >> *scale_bits.
void an_signal_filter_bank_sqrt(const uint64_t *input, const int32_t *scale_bits, int32_t count, uint32_t *output);

// FILTER_BANK_SPECTRAL_SUBTRACTION: noise estimate (kept between invocations in `state`, copied to
// `noise_output`) low-pass filtered per channel and subtracted, floored at min_signal_remaining.
typedef struct {
  int32_t channels;
  uint32_t smoothing, one_minus_smoothing;                      // even channels
  uint32_t alternate_smoothing, alternate_one_minus_smoothing;  // odd channels
  uint32_t min_signal_remaining;
  int32_t smoothing_bits, spectral_subtraction_bits;
  int32_t clamping;  // 1: the estimate follows the signal down
} an_signal_spectral_subtraction_params;
void an_signal_spectral_subtraction(const an_signal_spectral_subtraction_params *p, const uint32_t *input,
                                    uint32_t *state, uint32_t *output, uint32_t *noise_output);

// PCAN: per-channel automatic gain control from the noise estimate and a gain table.
void an_signal_pcan(const uint32_t *input, const uint32_t *noise_estimate, const int16_t *gain_table, int32_t snr_shift,
                    int32_t count, uint32_t *output);

// FILTER_BANK_LOG: output = min(log(input << correction_bits) * output_scale, INT16_MAX) in TFLM's
// fixed point (log2 by a 128-segment correction table, log_table [129]); 0 where the shifted input <= 1.
void an_signal_filter_bank_log(const uint32_t *input, const uint16_t *log_table, int32_t correction_bits,
                               int32_t output_scale, int32_t count, int16_t *output);

// DELAY: each of `rows` rows of `frame` samples delayed by `delay` samples; state [rows][delay] holds the
// samples not yet out (zeros after a reset, as TFLM's circular buffers).
void an_signal_delay_s16(const int16_t *input, int32_t rows, int32_t frame, int32_t delay, int16_t *state,
                         int16_t *output);

// STACKER: frames of `channels` appended to a window of channels * (left + right + 1) values (the first
// frame repeated `left` more times after a reset); when the window is full it is output (*valid = 1) and
// `step` frames dropped, else *valid = 0 and the output is left as it is.  state: the window; meta:
// {values held, first frame seen}.
typedef struct {
  int32_t channels, left, window, step_values;  // window = channels * (left + right + 1); step_values = channels * step
} an_signal_stacker_params;
void an_signal_stacker_s16(const an_signal_stacker_params *p, const int16_t *input, int16_t *state, int32_t *meta,
                           int16_t *output, bool *valid);

// OVERLAP_ADD: per row, each of `frames` frames of `frame_size` added into the row's buffer (state
// [rows][frame_size]; int16 saturating), the buffer's first `step` values output, the buffer shifted by
// `step` and zero-filled (TFLM's OverlapAdd).
void an_signal_overlap_add_s16(const int16_t *input, int32_t rows, int32_t frames, int32_t frame_size, int32_t step,
                               int16_t *state, int16_t *output);
void an_signal_overlap_add_f32(const float *input, int32_t rows, int32_t frames, int32_t frame_size, int32_t step,
                               float *state, float *output);

// FRAMER: per row, `frames` hops of `step` samples appended to a buffer (state [rows][capacity]); each time it
// holds frame_size samples a frame is output and `step` dropped, else *valid = 0 (that frame left as it is).
// meta[row]: samples held beyond `prefill` (the zeros a reset leaves when TFLM's prefill option is set).
typedef struct {
  int32_t rows, frames, frame_size, step, capacity, prefill;
} an_signal_framer_params;
void an_signal_framer_s16(const an_signal_framer_params *p, const int16_t *input, int16_t *state, int32_t *meta,
                          int16_t *output, bool *valid);

#endif  // AN_SIGNAL_H_
