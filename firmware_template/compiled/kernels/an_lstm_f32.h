// attendnets compiled runtime: UNIDIRECTIONAL_SEQUENCE_LSTM float32: TFLM's EvalLstm<float, float, float, float>
// in its order of operations (fp-contract off): per gate input FULLY_CONNECTED (+ bias) and recurrent
// FULLY_CONNECTED, added, the logistic (TFLite's cut-offs) or tanh; the cell and hidden updates.
#ifndef AN_LSTM_F32_H_
#define AN_LSTM_F32_H_

#include "an_common.h"

typedef struct {
  const float *input_weights;      // [state_size][input_size]
  const float *recurrent_weights;  // [state_size][state_size]
  const float *bias;               // [state_size] or NULL
} an_lstm_f32_gate;

typedef struct {
  int32_t batches, time_steps, input_size, state_size;
  int32_t time_major;
  an_lstm_f32_gate forget, input, cell, output;
  int32_t clip;     // clip the cell state to [-cell_clip, cell_clip]
  float cell_clip;  // (TFLM: when cell_clip > 0)
} an_lstm_f32_params;

#define AN_LSTM_F32_SCRATCH_BYTES(rows, state_size) ((size_t)4u * (rows) * (state_size)*4u)

void an_lstm_f32(const an_lstm_f32_params *p, const float *input, float *hidden_state, float *cell_state, void *scratch,
                 float *output);

#endif  // AN_LSTM_F32_H_
