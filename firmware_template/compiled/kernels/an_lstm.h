// attendnets compiled runtime: UNIDIRECTIONAL_SEQUENCE_LSTM, int8 activations and weights, int16 cell state,
// int32 biases: TFLM's integer LSTM (lstm_eval.h EvalLstm<int8_t, int8_t, int16_t, int32_t>): per time step
// four gates (input FULLY_CONNECTED to int16 at scale 2^-12 + recurrent FULLY_CONNECTED, saturating add,
// sigmoid, tanh for the cell gate, on the int16 table), the cell update (two int16 multiplications, saturating add,
// clip), the hidden state (tanh of the cell times the output gate, to int8).
#ifndef AN_LSTM_H_
#define AN_LSTM_H_

#include "an_common.h"

// One gate: its two FULLY_CONNECTED operations (everything computed at generation time).
typedef struct {
  const int8_t *input_weights;                    // [state_size][input_size]
  const int8_t *recurrent_weights;                // [state_size][state_size]
  const int32_t *bias;                            // [state_size] or NULL (added to the input part)
  int32_t input_weights_offset;                   // -input weights' zero point
  int32_t recurrent_weights_offset;               // -recurrent weights' zero point
  int32_t input_multiplier, input_shift;          // input * weights -> gate (2^-12)
  int32_t recurrent_multiplier, recurrent_shift;  // hidden * weights -> gate (2^-12)
} an_lstm_gate;

typedef struct {
  int32_t batches, time_steps, input_size, state_size;
  int32_t time_major;     // input [time][batch][input] (else [batch][time][input])
  int32_t input_offset;   // -input zero point
  int32_t hidden_offset;  // -hidden state zero point
  int32_t hidden_zero_point;
  an_lstm_gate forget, input, cell, output;
  int32_t forget_cell_multiplier, forget_cell_shift;  // forget gate * cell -> cell
  int32_t input_cell_multiplier, input_cell_shift;    // input gate * cell gate -> cell
  int32_t hidden_multiplier, hidden_shift;            // tanh(cell) * output gate -> hidden (int8)
  int32_t cell_tanh_multiplier, cell_tanh_shift;      // tanh of the cell state: input scaling
  int32_t cell_clip;                                  // quantized; -1: no clipping
  const uint16_t *sigmoid_table;                      // TFLite's int16 sigmoid table, 256 entries
} an_lstm_s8_params;

// 16x8: int16 activations (input, hidden state, output), int8 weights, int64 biases, int16 cell state
// (EvalLstm<int16_t, int8_t, int16_t, int64_t>): the FULLY_CONNECTED parts sum in int64 and requantize with
// TFLM's 64-bit MultiplyByQuantizedMultiplier; everything else as the int8 kernel.
typedef struct {
  const int8_t *input_weights;
  const int8_t *recurrent_weights;
  const int64_t *bias;  // [state_size] or NULL
  int32_t input_weights_offset, recurrent_weights_offset;
  int32_t input_multiplier, input_shift, recurrent_multiplier, recurrent_shift;
} an_lstm_s16_gate;

typedef struct {
  int32_t batches, time_steps, input_size, state_size, time_major;
  int32_t input_offset, hidden_offset, hidden_zero_point;
  an_lstm_s16_gate forget, input, cell, output;
  int32_t forget_cell_multiplier, forget_cell_shift;
  int32_t input_cell_multiplier, input_cell_shift;
  int32_t hidden_multiplier, hidden_shift;  // tanh(cell) * output gate -> hidden (int16)
  int32_t cell_tanh_multiplier, cell_tanh_shift;
  int32_t cell_clip;
  const uint16_t *sigmoid_table;
} an_lstm_s16_params;

// Scratch bytes: four int16 buffers of one step's gates (batches of a time-major step, else one row).
#define AN_LSTM_S8_SCRATCH_BYTES(rows, state_size) ((size_t)4u * (rows) * (state_size)*2u)

// hidden_state [batches][state_size] (int8) and cell_state [batches][state_size] (int16) are the model's
// variable tensors, kept between invocations; output [.. time ..][state_size] gets the hidden state of
// every step.
void an_lstm_s8(const an_lstm_s8_params *p, const int8_t *input, int8_t *hidden_state, int16_t *cell_state,
                void *scratch, int8_t *output);

void an_lstm_s16(const an_lstm_s16_params *p, const int16_t *input, int16_t *hidden_state, int16_t *cell_state,
                 void *scratch, int16_t *output);

#endif  // AN_LSTM_H_
