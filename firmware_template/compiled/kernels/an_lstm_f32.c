// attendnets compiled runtime: UNIDIRECTIONAL_SEQUENCE_LSTM float32 (see an_lstm_f32.h). No fused
// multiply-add: each product is rounded before it is added, as TFLM's reference kernels compute.
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
#include "an_lstm_f32.h"
#include "an_lstm_sequence.h"

#include <float.h>
#include <math.h>

// TFLite's ActivationFunctionWithMinMax with no activation: min(max(x, lowest), max) (infinities clamp).
static float an_no_activation(float x) {
  x = x < -FLT_MAX ? -FLT_MAX : x;
  return FLT_MAX < x ? FLT_MAX : x;
}

// reference_ops::FullyConnected (float): the products summed from 0, then + bias (0 without one).
static void an_lstm_f32_fc(const float *x, const float *w, const float *bias, int32_t rows, int32_t depth,
                           int32_t units, float *out) {
  for (int32_t b = 0; b < rows; ++b) {
    for (int32_t c = 0; c < units; ++c) {
      float total = 0.0f;
      for (int32_t d = 0; d < depth; ++d) total += x[b * depth + d] * w[c * depth + d];
      *out++ = an_no_activation(total + (bias ? bias[c] : 0.0f));
    }
  }
}

// reference_ops::Logistic (float).
static float an_logistic_f32(float v) {
  if (v > 16.619047164916992188f) return 1.0f;
  if (v < -9.0f) return expf(v);
  return 1.0f / (1.0f + expf(-v));
}

static void an_lstm_f32_gate_step(const an_lstm_f32_params *p, const an_lstm_f32_gate *g, const float *x,
                                  const float *h, int32_t rows, float *gate, float *buffer, int use_tanh) {
  const int32_t n = rows * p->state_size;
  an_lstm_f32_fc(x, g->input_weights, g->bias, rows, p->input_size, p->state_size, gate);
  an_lstm_f32_fc(h, g->recurrent_weights, NULL, rows, p->state_size, p->state_size, buffer);
  for (int32_t i = 0; i < n; ++i) gate[i] = gate[i] + buffer[i];
  for (int32_t i = 0; i < n; ++i) gate[i] = use_tanh ? tanhf(gate[i]) : an_logistic_f32(gate[i]);
}

static void an_lstm_f32_step(const an_lstm_f32_params *p, const float *x, float *h, float *cell, int32_t rows,
                             float *buffers, float *out) {
  const int32_t n = rows * p->state_size;
  float *b0 = buffers, *b1 = buffers + n, *b2 = buffers + 2 * n, *b3 = buffers + 3 * n;
  an_lstm_f32_gate_step(p, &p->forget, x, h, rows, b0, b3, 0);
  an_lstm_f32_gate_step(p, &p->input, x, h, rows, b1, b3, 0);
  an_lstm_f32_gate_step(p, &p->cell, x, h, rows, b2, b3, 1);
  for (int32_t i = 0; i < n; ++i) cell[i] = an_no_activation(b0[i] * cell[i]);
  for (int32_t i = 0; i < n; ++i) b1[i] = an_no_activation(b1[i] * b2[i]);
  for (int32_t i = 0; i < n; ++i) cell[i] = cell[i] + b1[i];
  if (p->clip) {
    for (int32_t i = 0; i < n; ++i) {
      float v = cell[i] < p->cell_clip ? cell[i] : p->cell_clip;  // std::min(clip, v)
      cell[i] = v < -p->cell_clip ? -p->cell_clip : v;            // std::max(v, -clip)
    }
  }
  an_lstm_f32_gate_step(p, &p->output, x, h, rows, b1, b3, 0);
  for (int32_t i = 0; i < n; ++i) b0[i] = tanhf(cell[i]);
  for (int32_t i = 0; i < n; ++i) h[i] = an_no_activation(b0[i] * b1[i]);
  memcpy(out, h, (size_t)n * sizeof(float));
}

void an_lstm_f32(const an_lstm_f32_params *p, const float *input, float *hidden_state, float *cell_state, void *scratch,
                 float *output) {
  float *buffers = (float *)scratch;
  AN_LSTM_SEQUENCE(an_lstm_f32_step, p, input, hidden_state, cell_state, buffers, output);
}
