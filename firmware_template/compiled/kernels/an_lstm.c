// attendnets compiled runtime: UNIDIRECTIONAL_SEQUENCE_LSTM int8 (see an_lstm.h), in TFLM's order.
#include "an_lstm.h"

#include "an_lstm_sequence.h"

static int16_t an_sat16(int32_t x) {
  return (int16_t)AN_MIN(AN_MAX(x, -32768), 32767);
}

// TFLite's reference_integer_ops::FullyConnected, int8 in, int16 out (zero point 0), int32 sums (wrapping).
static void an_lstm_fc(const int8_t *x, int32_t x_offset, const int8_t *w, int32_t w_offset, const int32_t *bias,
                       int32_t multiplier, int32_t shift, int32_t rows, int32_t depth, int32_t units, int16_t *out) {
  for (int32_t b = 0; b < rows; ++b) {
    const int8_t *xb = x + b * depth;
    const int8_t *wc = w;
    for (int32_t c = 0; c < units; ++c) {
      uint32_t acc = 0;
      for (int32_t d = 0; d < depth; ++d) acc += (uint32_t)((wc[d] + w_offset) * (xb[d] + x_offset));
      wc += depth;
      if (bias) acc += (uint32_t)bias[c];
      *out++ = an_sat16(an_requantize((int32_t)acc, multiplier, shift));
    }
  }
}

// reference_integer_ops::Logistic on int16 (input scale 2^-12: multiplier 3, no shift), in place.
static void an_lstm_sigmoid(int16_t *data, int32_t n, const uint16_t *table) {
  for (int32_t i = 0; i < n; ++i) data[i] = an_sigmoid_table_s16(data[i] * 3, table);
}

// reference_integer_ops::Tanh on int16: x * multiplier rounded right by shift (TFLM's LSTM gives the
// multiplier and shift), the table read at a quarter of the sigmoid's step.
static void an_lstm_tanh(const int16_t *in, int16_t *out, int32_t n, int32_t multiplier, int32_t shift,
                         const uint16_t *table) {
  const int32_t round = shift > 0 ? (1 << (shift - 1)) : 0;
  for (int32_t i = 0; i < n; ++i) out[i] = an_tanh_table_s16((in[i] * multiplier + round) >> shift, table);
}

// cell = sat(sat(forget * cell) + sat(input * cell gate)), clipped (TFLM's UpdateLstmCell, int16).
static void an_lstm_cell_update(int16_t *cell, const int16_t *forget, const int16_t *input, const int16_t *gate,
                                int32_t n, int32_t m1, int32_t s1, int32_t m2, int32_t s2, int32_t clip) {
  for (int32_t i = 0; i < n; ++i) {
    const int32_t forgotten = an_requantize(forget[i] * cell[i], m1, s1);
    const int32_t added = an_requantize(input[i] * gate[i], m2, s2);
    int32_t c = an_sat16(an_sat16(forgotten) + an_sat16(added));
    if (clip >= 0) c = AN_MAX(AN_MIN(clip, c), -clip);
    cell[i] = (int16_t)c;
  }
}

// One gate of one step of the integer kernels (x_t: the int8 or int16 activations, fc: their FULLY_CONNECTED): input
// part + recurrent part (saturating), then its activation (gate inputs are at 2^-12).
#define AN_LSTM_GATE_STEP(name, params_t, gate_t, x_t, fc)                                                          \
  static void name(const params_t *p, const gate_t *g, const x_t *x, const x_t *h, int32_t rows, int16_t *gate,     \
                   int16_t *buffer, int use_tanh) {                                                                 \
    const int32_t n = rows * p->state_size;                                                                         \
    fc(x, p->input_offset, g->input_weights, g->input_weights_offset, g->bias, g->input_multiplier, g->input_shift, \
       rows, p->input_size, p->state_size, gate);                                                                   \
    fc(h, p->hidden_offset, g->recurrent_weights, g->recurrent_weights_offset, NULL, g->recurrent_multiplier,       \
       g->recurrent_shift, rows, p->state_size, p->state_size, buffer);                                             \
    for (int32_t i = 0; i < n; ++i) gate[i] = an_sat16(gate[i] + buffer[i]);                                        \
    if (use_tanh) {                                                                                                 \
      an_lstm_tanh(gate, gate, n, 3, 0, p->sigmoid_table);                                                          \
    } else {                                                                                                        \
      an_lstm_sigmoid(gate, n, p->sigmoid_table);                                                                   \
    }                                                                                                               \
  }

AN_LSTM_GATE_STEP(an_lstm_gate_step, an_lstm_s8_params, an_lstm_gate, int8_t, an_lstm_fc)

// One time step of the integer kernels (x_t: the int8 or int16 activations; gate_step: their gates): the four gates,
// the cell update, then the hidden state tanh(cell) * output gate requantized, HIDDEN(v) to x_t, copied to out.
#define AN_LSTM_STEP(name, params_t, x_t, gate_step, HIDDEN)                                                           \
  static void name(const params_t *p, const x_t *x, x_t *h, int16_t *cell, int32_t rows, int16_t *buffers, x_t *out) { \
    const int32_t n = rows * p->state_size;                                                                            \
    int16_t *b0 = buffers, *b1 = buffers + n, *b2 = buffers + 2 * n, *b3 = buffers + 3 * n;                            \
    gate_step(p, &p->forget, x, h, rows, b0, b3, 0);                                                                   \
    gate_step(p, &p->input, x, h, rows, b1, b3, 0);                                                                    \
    gate_step(p, &p->cell, x, h, rows, b2, b3, 1);                                                                     \
    an_lstm_cell_update(cell, b0, b1, b2, n, p->forget_cell_multiplier, p->forget_cell_shift,                          \
                        p->input_cell_multiplier, p->input_cell_shift, p->cell_clip);                                  \
    gate_step(p, &p->output, x, h, rows, b1, b3, 0);                                                                   \
    an_lstm_tanh(cell, b0, n, p->cell_tanh_multiplier, p->cell_tanh_shift, p->sigmoid_table);                          \
    for (int32_t i = 0; i < n; ++i) {                                                                                  \
      const int32_t v = an_requantize(b0[i] * b1[i], p->hidden_multiplier, p->hidden_shift) + p->hidden_zero_point;    \
      h[i] = HIDDEN(v);                                                                                                \
    }                                                                                                                  \
    memcpy(out, h, (size_t)n * sizeof(x_t));                                                                           \
  }

#define AN_HIDDEN_S8(v) ((int8_t)AN_MIN(AN_MAX(v, -128), 127))
AN_LSTM_STEP(an_lstm_step, an_lstm_s8_params, int8_t, an_lstm_gate_step, AN_HIDDEN_S8)

void an_lstm_s8(const an_lstm_s8_params *p, const int8_t *input, int8_t *hidden_state, int16_t *cell_state,
                void *scratch, int8_t *output) {
  int16_t *buffers = (int16_t *)scratch;
  AN_LSTM_SEQUENCE(an_lstm_step, p, input, hidden_state, cell_state, buffers, output);
}

// reference_integer_ops::FullyConnected<int16_t, int8_t, int16_t, int64_t>: int64 sums.
static void an_lstm_fc16(const int16_t *x, int32_t x_offset, const int8_t *w, int32_t w_offset, const int64_t *bias,
                         int32_t multiplier, int32_t shift, int32_t rows, int32_t depth, int32_t units, int16_t *out) {
  for (int32_t b = 0; b < rows; ++b) {
    const int16_t *xb = x + b * depth;
    const int8_t *wc = w;
    for (int32_t c = 0; c < units; ++c) {
      int64_t acc = 0;
      for (int32_t d = 0; d < depth; ++d) acc += (int32_t)((wc[d] + w_offset) * (xb[d] + x_offset));
      wc += depth;
      if (bias) acc += bias[c];
      *out++ = an_sat16(an_requantize64(acc, multiplier, shift));
    }
  }
}

AN_LSTM_GATE_STEP(an_lstm16_gate_step, an_lstm_s16_params, an_lstm_s16_gate, int16_t, an_lstm_fc16)

AN_LSTM_STEP(an_lstm16_step, an_lstm_s16_params, int16_t, an_lstm16_gate_step, an_sat16)

void an_lstm_s16(const an_lstm_s16_params *p, const int16_t *input, int16_t *hidden_state, int16_t *cell_state,
                 void *scratch, int16_t *output) {
  int16_t *buffers = (int16_t *)scratch;
  AN_LSTM_SEQUENCE(an_lstm16_step, p, input, hidden_state, cell_state, buffers, output);
}
