// attendnets compiled runtime: TFLM's signal library front-end operators (see an_signal.h).
#include "an_signal.h"

// Bit length of x (0 for 0): TFLM's MostSignificantBit32 but for 0 (callers handle 0 first).
static inline int32_t an_bit_length32(uint32_t x) {
  int32_t n = 0;
  while (x) {
    x >>= 1;
    ++n;
  }
  return n;
}

static inline int32_t an_bit_length64(uint64_t x) {
  int32_t n = 0;
  while (x >> 32) {
    x >>= 32;
    n += 32;
  }
  return n + an_bit_length32((uint32_t)x);
}

void an_signal_window_s16(const int16_t *input, const int16_t *weights, int32_t weight_count, int32_t input_count,
                          int32_t shift, int16_t *output) {
  for (int32_t start = 0; start < input_count; start += weight_count) {
    for (int32_t i = 0; i < weight_count; ++i) {
      const int32_t v = ((int32_t)input[start + i] * weights[i]) >> shift;
      output[start + i] = (int16_t)AN_MIN(AN_MAX(v, INT16_MIN), INT16_MAX);
    }
  }
}

void an_signal_fft_auto_scale_s16(const int16_t *input, int32_t count, int16_t *output, int32_t *scale_bits) {
  // The largest magnitude as an int16 (INT16_MIN stays negative: no shift then, as TFLM's).
  int16_t largest = 0;
  for (int32_t i = 0; i < count; ++i) {
    if (input[i] > largest) {
      largest = input[i];
    } else if (-input[i] > largest) {
      largest = (int16_t)-input[i];
    }
  }
  int32_t bits = 0;
  if (largest > 0) bits = 15 - an_bit_length32((uint32_t)largest);
  for (int32_t i = 0; i < count; ++i) output[i] = (int16_t)(input[i] * (1 << bits));
  *scale_bits = bits;
}

void an_signal_energy_s16(const int16_t *input, int32_t start, int32_t end, int32_t count, uint32_t *output) {
  for (int32_t i = 0; i < count; ++i) {
    if (i < start || i >= end) {
      output[i] = 0;
      continue;
    }
    const int32_t re = input[2 * i], im = input[2 * i + 1];
    output[i] = (uint32_t)(re * re) + (uint32_t)(im * im);
  }
}

void an_signal_filter_bank(const an_signal_filter_bank_params *p, const uint32_t *input, uint64_t *output) {
  uint64_t weighted = 0, unweighted = 0;
  for (int32_t c = 0; c <= p->channels; ++c) {
    const uint32_t *x = input + p->frequency_starts[c];
    const int16_t *w = p->weights + p->weight_starts[c];
    const int16_t *u = p->unweights + p->weight_starts[c];
    for (int32_t j = 0; j < p->widths[c]; ++j) {
      weighted += (uint64_t)w[j] * x[j];
      unweighted += (uint64_t)u[j] * x[j];
    }
    if (c > 0) output[c - 1] = weighted;  // row 0 only starts channel 0's sum
    weighted = unweighted;
    unweighted = 0;
  }
}

// Square root rounded to nearest (ties up), digit by digit; saturates at the type's largest root.
static uint32_t an_sqrt64_rounded(uint64_t x) {
  if ((x >> 32) == 0) {  // TFLM takes the 32-bit path here: a 16-bit result
    uint32_t rest = (uint32_t)x, root = 0;
    if (rest == 0) return 0;
    int32_t top = (an_bit_length32(rest) - 1) & ~1;  // the highest even bit <= the top bit
    for (uint32_t one = 1u << top; one; one >>= 2) {
      if (rest >= root + one) {
        rest -= root + one;
        root = (root >> 1) + one;
      } else {
        root >>= 1;
      }
    }
    if (rest > root && root != 0xFFFFu) ++root;
    return root;
  }
  uint64_t rest = x, root = 0;
  int32_t top = (an_bit_length64(rest) - 1) & ~1;
  for (uint64_t one = (uint64_t)1 << top; one; one >>= 2) {
    if (rest >= root + one) {
      rest -= root + one;
      root = (root >> 1) + one;
    } else {
      root >>= 1;
    }
  }
  if (rest > root && root != 0xFFFFFFFFu) ++root;
  return (uint32_t)root;
}

void an_signal_filter_bank_sqrt(const uint64_t *input, const int32_t *scale_bits, int32_t count, uint32_t *output) {
  const int32_t shift = *scale_bits;
  for (int32_t i = 0; i < count; ++i) output[i] = an_sqrt64_rounded(input[i]) >> shift;
}

void an_signal_spectral_subtraction(const an_signal_spectral_subtraction_params *p, const uint32_t *input,
                                    uint32_t *state, uint32_t *output, uint32_t *noise_output) {
  for (int32_t i = 0; i < p->channels; ++i) {
    const uint32_t a = (i & 1) ? p->alternate_smoothing : p->smoothing;
    const uint32_t b = (i & 1) ? p->alternate_one_minus_smoothing : p->one_minus_smoothing;
    const uint32_t signal = input[i] << p->smoothing_bits;
    state[i] = (uint32_t)(((uint64_t)signal * a + (uint64_t)state[i] * b) >> p->spectral_subtraction_bits);
    uint32_t estimate = state[i];
    if (estimate > signal) {
      estimate = signal;
      if (p->clamping) state[i] = signal;
    }
    const uint32_t floor = (uint32_t)(((uint64_t)input[i] * p->min_signal_remaining) >> p->spectral_subtraction_bits);
    const uint32_t left = (signal - estimate) >> p->smoothing_bits;
    output[i] = left > floor ? left : floor;
  }
  memcpy(noise_output, state, (size_t)p->channels * sizeof(uint32_t));
}

// PCAN's gain: a piecewise quadratic of the noise estimate, 4 table entries per power of two.
static int16_t an_pcan_gain(uint32_t x, const int16_t *table) {
  if (x <= 2) return table[x];
  const int32_t octave = an_bit_length32(x);
  const int16_t *t = table + 4 * octave - 6;
  const int32_t frac = (int32_t)((octave < 11 ? x << (11 - octave) : x >> (octave - 11)) & 0x3FF);
  int32_t g = ((int32_t)t[2] * frac) >> 5;
  g = (int32_t)((uint32_t)g + ((uint32_t)t[1] << 5));
  g = (int32_t)((uint32_t)g * (uint32_t)frac);
  g = (int32_t)((uint32_t)g + (1u << 14)) >> 15;
  return (int16_t)(g + t[0]);
}

void an_signal_pcan(const uint32_t *input, const uint32_t *noise_estimate, const int16_t *gain_table, int32_t snr_shift,
                    int32_t count, uint32_t *output) {
  for (int32_t i = 0; i < count; ++i) {
    const uint32_t gain = (uint32_t)(int32_t)an_pcan_gain(noise_estimate[i], gain_table);
    const uint32_t snr = (uint32_t)(((uint64_t)input[i] * gain) >> snr_shift);
    // 12 fractional bits in, 6 out: snr^2/4 below 2.0, snr - 1 above.
    output[i] = snr < (2u << 12) ? (snr * snr) >> 20 : (snr >> 6) - 64u;
  }
}

// log(x) * scale / 2^16 in TFLM's fixed point: log2 with 16 fractional bits, times ln 2.
static uint32_t an_log_scaled(uint32_t x, uint32_t scale, const uint16_t *table) {
  const int32_t whole = an_bit_length32(x) - 1;
  int32_t frac = (int32_t)(x - (1u << whole));
  if (whole < 16) {
    frac <<= 16 - whole;
  } else {
    frac >>= whole - 16;
  }
  const uint32_t segment = (uint32_t)frac >> 9;
  const int32_t c0 = table[segment], c1 = table[segment + 1];
  const int32_t within = ((c1 - c0) * (frac - (int32_t)(segment << 9))) >> 16;
  const uint32_t log2_value = ((uint32_t)whole << 16) + (uint32_t)(frac + c0 + within);
  const uint32_t ln_value = (uint32_t)(((uint64_t)45426u * log2_value + 32768u) >> 16);
  return (scale * ln_value + 32768u) >> 16;
}

void an_signal_filter_bank_log(const uint32_t *input, const uint16_t *log_table, int32_t correction_bits,
                               int32_t output_scale, int32_t count, int16_t *output) {
  for (int32_t i = 0; i < count; ++i) {
    const uint32_t x = input[i] << correction_bits;
    if (x > 1) {
      const uint32_t v = an_log_scaled(x, (uint32_t)output_scale, log_table);
      output[i] = (int16_t)(v < 32767u ? v : 32767u);
    } else {
      output[i] = 0;
    }
  }
}

void an_signal_delay_s16(const int16_t *input, int32_t rows, int32_t frame, int32_t delay, int16_t *state,
                         int16_t *output) {
  for (int32_t r = 0; r < rows; ++r, input += frame, output += frame, state += delay) {
    // the row's stream: state (oldest first) then this input; out: its first `frame`, kept: its last `delay`
    for (int32_t i = 0; i < frame; ++i) output[i] = i < delay ? state[i] : input[i - delay];
    for (int32_t j = 0; j < delay; ++j) {
      const int32_t k = frame + j;  // >= j: reads ahead of the writes
      state[j] = k < delay ? state[k] : input[k - delay];
    }
  }
}

void an_signal_stacker_s16(const an_signal_stacker_params *p, const int16_t *input, int16_t *state, int32_t *meta,
                           int16_t *output, bool *valid) {
  int32_t held = meta[0];
  memcpy(state + held, input, (size_t)p->channels * sizeof(int16_t));
  held += p->channels;
  if (!meta[1]) {  // the first frame after a reset: repeated as the left context
    for (int32_t k = 0; k < p->left; ++k, held += p->channels) {
      memcpy(state + held, state + held - p->channels, (size_t)p->channels * sizeof(int16_t));
    }
    meta[1] = 1;
  }
  if (held >= p->window) {
    memcpy(output, state, (size_t)p->window * sizeof(int16_t));
    memmove(state, state + p->step_values, (size_t)(held - p->step_values) * sizeof(int16_t));
    held -= p->step_values;
    *valid = true;
  } else {
    *valid = false;
  }
  meta[0] = held;
}

#define AN_OVERLAP_ADD(T, ADD_INTO)                                             \
  for (int32_t r = 0; r < rows; ++r, state += frame_size) {                     \
    for (int32_t f = 0; f < frames; ++f, input += frame_size, output += step) { \
      for (int32_t i = 0; i < frame_size; ++i) ADD_INTO(state[i], input[i]);    \
      memcpy(output, state, (size_t)step * sizeof(T));                          \
      memmove(state, state + step, (size_t)(frame_size - step) * sizeof(T));    \
      memset(state + frame_size - step, 0, (size_t)step * sizeof(T));           \
    }                                                                           \
  }

#define AN_ADD_SAT16(acc, x) (acc) = (int16_t)AN_MIN(AN_MAX((int32_t)(x) + (acc), INT16_MIN), INT16_MAX)
#define AN_ADD_F32(acc, x) (acc) += (x)

void an_signal_overlap_add_s16(const int16_t *input, int32_t rows, int32_t frames, int32_t frame_size, int32_t step,
                               int16_t *state, int16_t *output) {
  AN_OVERLAP_ADD(int16_t, AN_ADD_SAT16)
}

void an_signal_overlap_add_f32(const float *input, int32_t rows, int32_t frames, int32_t frame_size, int32_t step,
                               float *state, float *output) {
  AN_OVERLAP_ADD(float, AN_ADD_F32)
}

void an_signal_framer_s16(const an_signal_framer_params *p, const int16_t *input, int16_t *state, int32_t *meta,
                          int16_t *output, bool *valid) {
  *valid = true;
  for (int32_t r = 0; r < p->rows; ++r) {
    int16_t *buffer = state + r * p->capacity;
    int32_t held = p->prefill + meta[r];
    for (int32_t f = 0; f < p->frames; ++f) {
      const int32_t hop = r * p->frames + f;
      memcpy(buffer + held, input + hop * p->step, (size_t)p->step * sizeof(int16_t));
      held += p->step;
      if (held >= p->frame_size) {
        memcpy(output + hop * p->frame_size, buffer, (size_t)p->frame_size * sizeof(int16_t));
        memmove(buffer, buffer + p->step, (size_t)(held - p->step) * sizeof(int16_t));
        held -= p->step;
      } else {
        *valid = false;
      }
    }
    meta[r] = held - p->prefill;
  }
}
