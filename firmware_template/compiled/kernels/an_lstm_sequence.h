// attendnets compiled runtime: the sequence walk every UNIDIRECTIONAL_SEQUENCE_LSTM kernel shares (an_lstm.c,
// an_lstm_f32.c), TFLM's: time major, one step of every batch at a time (rows = batches, one state of each);
// else each batch's steps in turn, one row, that batch's hidden and cell state.  step(p, x, hidden, cell, rows,
// buffers, out) is the kernel's step; input [.. time ..][input_size], output [.. time ..][state_size].
#ifndef AN_LSTM_SEQUENCE_H_
#define AN_LSTM_SEQUENCE_H_

#define AN_LSTM_SEQUENCE(step, p, input, hidden_state, cell_state, buffers, output)                      \
  do {                                                                                                   \
    if ((p)->time_major) {                                                                               \
      const int32_t rows = (p)->batches;                                                                 \
      for (int32_t t = 0; t < (p)->time_steps; ++t) {                                                    \
        step(p, (input) + t * rows * (p)->input_size, hidden_state, cell_state, rows, buffers,           \
             (output) + t * rows * (p)->state_size);                                                     \
      }                                                                                                  \
    } else {                                                                                             \
      for (int32_t b = 0; b < (p)->batches; ++b) {                                                       \
        for (int32_t t = 0; t < (p)->time_steps; ++t) {                                                  \
          const int32_t step_index = b * (p)->time_steps + t;                                            \
          step(p, (input) + step_index * (p)->input_size, (hidden_state) + b * (p)->state_size,          \
               (cell_state) + b * (p)->state_size, 1, buffers, (output) + step_index * (p)->state_size); \
        }                                                                                                \
      }                                                                                                  \
    }                                                                                                    \
  } while (0)

#endif  // AN_LSTM_SEQUENCE_H_
