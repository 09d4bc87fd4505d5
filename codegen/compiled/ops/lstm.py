"""UNIDIRECTIONAL_SEQUENCE_LSTM -> ``an_lstm_s8`` / ``an_lstm_s16`` (firmware_template/compiled/kernels/an_lstm.c):
TFLM's integer LSTM (unidirectional_sequence_lstm.cc, lstm_eval.h, lstm_eval_common.cc
PrepareGateParametersInteger) for int8 activations with int32 biases, or int16 activations (16x8) with int64
biases, int8 weights and int16 cell state; ``an_lstm_f32`` for float32.

Inputs (TFLite's order): 0 input; 1-4 input-to-{input, forget, cell, output} weights; 5-8
recurrent-to-{input, forget, cell, output} weights; 9-11 peephole (must be absent: TFLM refuses them);
12-15 {input, forget, cell, output} gate biases; 16-17 projection (absent); 18 hidden (output) state,
19 cell state (variable tensors: the program's state area, kept between invocations); 20-23 layer
normalization (absent).  The intermediates are the converter's calibration records: unused, as in TFLM.

Generation-time arithmetic (TFLM's Prepare): each gate's two FULLY_CONNECTED parts requantize to int16
at 2^-12 (input scale x weight scale / 2^-12, in double); the inter-gate multiplications take the
gates at 2^-15: forget x cell -> cell (2^-15 x cell / cell), input x cell gate -> cell
(2^-15 x 2^-15 / cell), tanh(cell) x output gate -> hidden (2^-15 x 2^-15 / hidden, its zero point);
the cell state's tanh scales its input by 2^(cell power + 12) as TFLM's Tanh(cell_state_scale_power),
the power being log2 of the cell scale rounded (CheckedLog2, float); the cell clip is cell_clip / cell
scale, clamped to int16 and truncated.
"""

from __future__ import annotations

import math

import numpy as np

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.ops.common import one_value, require_requantizable
from codegen.compiled.ops.sigmoid_table import SIGMOID_TABLE_Q16
from codegen.compiled.program import F32, Params, Scratch, Step, Tensor
from codegen.compiled.quantization import quantize_multiplier

GATE_INPUT_SCALE = 2.0 ** -12  # TFLM's nonlinear_input_scale: gate sums in Q3.12
GATE_OUTPUT_SCALE = 2.0 ** -15  # nonlinear_output_scale: gate activations in Q0.15
GATES = ("input", "forget", "cell", "output")  # TFLite's order of the weights and biases


def _checked_log2(x: float) -> int:
    """TFLM's CheckedLog2 result: round(log(x) * (1 / log(2))) in float32 (its flag is ignored by the LSTM)."""
    value = np.float32(np.log(np.float32(x))) * np.float32(1.0 / np.float32(np.log(np.float32(2.0))))
    return int(np.round(np.float32(value)))


def _tanh_scaling(power: int) -> tuple:
    """(multiplier, shift) of TFLite's int16 Tanh for TFLM's Tanh(cell_state_scale_power) (power-of-two case
    resolved: a multiplier of 0 means 3 << shift with no shift)."""
    shift = 15 + power - 3
    multiplier = 0
    if shift < 0:
        shift, multiplier = -shift, 3
    if multiplier == 0:
        multiplier, shift = 3 << shift, 0
    return multiplier, shift


def _multiplier(*scales) -> tuple:
    """quantize_multiplier of a * b / c with the scales widened to double (TFLM's CreateInterGateMulParams
    and GetQuantizedConvolutionMultipler)."""
    a, b, c = (float(s) for s in scales)
    return quantize_multiplier(a * b / c)


@lowering("UNIDIRECTIONAL_SEQUENCE_LSTM")
def lower_lstm(op, ctx):
    if len(op.inputs) != 24:
        raise NotLowerable(f"{len(op.inputs)} inputs (24 expected)")
    absent = [i for i in (9, 10, 11, 16, 17, 20, 21, 22, 23) if op.inputs[i] >= 0]
    if absent:
        raise NotLowerable("peephole, projection or layer normalization tensors (TFLM has none)")
    x = ctx.tensor(op.inputs[0])
    y = ctx.tensor(op.outputs[0])
    hidden, cell = ctx.tensor(op.inputs[18]), ctx.tensor(op.inputs[19])
    for t in (hidden, cell):
        if not (isinstance(t.operand, Tensor) and t.operand.state):
            raise NotLowerable(f"its {'hidden' if t is hidden else 'cell'} state is not a variable tensor")
    if any(op.inputs[i] < 0 for i in range(1, 9)) or any(op.inputs[i] < 0 for i in range(12, 16)):
        raise NotLowerable("a gate without weights or bias (CIFG: TFLM needs all four gates)")
    w_in = [ctx.tensor(op.inputs[1 + g]) for g in range(4)]
    w_rec = [ctx.tensor(op.inputs[5 + g]) for g in range(4)]
    biases = [ctx.tensor(op.inputs[12 + g]) for g in range(4)]
    if x.dtype == "float32":
        return _lower_float(op, x, y, hidden, cell, w_in, w_rec, biases)
    if x.dtype not in ("int8", "int16") or y.dtype != x.dtype or hidden.dtype != x.dtype:
        raise NotLowerable(f"{x.dtype} input, {y.dtype} output, {hidden.dtype} hidden state (int8 or int16, "
                           "the same)")
    bias_dtype = "int32" if x.dtype == "int8" else "int64"  # TFLM's EvalLstm BiasType
    if cell.dtype != "int16":
        raise NotLowerable(f"{cell.dtype} cell state (int16 only, as TFLM)")
    if any(w.dtype != "int8" or not w.is_constant for w in (*w_in, *w_rec)):
        raise NotLowerable("weights not constant int8")
    if any(len(w.scale) != 1 for w in (*w_in, *w_rec)):
        raise NotLowerable("per-channel weights")
    if any(b.dtype != bias_dtype or not b.is_constant for b in biases):
        raise NotLowerable(f"biases not constant {bias_dtype} (TFLM's {x.dtype} LSTM reads {bias_dtype})")
    time_major, batches, time_steps, input_size, state_size = _sizes(op, x, y, hidden, cell, w_in, w_rec)
    activation = op.options.get("fused_activation_function", "TANH")
    if activation != "TANH":  # (TFLM's SIGMOID has no code in the flatbuffer schema)
        raise NotLowerable(f"cell gate activation {activation} (TFLM takes TANH only)")

    x_scale, x_zp = one_value(x.scale, "input"), int(one_value(x.zero_point or (0,), "input"))
    h_scale, h_zp = one_value(hidden.scale, "hidden state"), int(one_value(hidden.zero_point or (0,), "hidden state"))
    c_scale = one_value(cell.scale, "cell state")
    multipliers = []
    gates = {}
    for g, name in enumerate(GATES):
        m_in, s_in = _multiplier(x_scale, w_in[g].scale[0], GATE_INPUT_SCALE)
        m_rec, s_rec = _multiplier(h_scale, w_rec[g].scale[0], GATE_INPUT_SCALE)
        multipliers += [m_in, m_rec]
        gates[name] = Params("", {
            "input_weights": w_in[g].operand, "recurrent_weights": w_rec[g].operand, "bias": biases[g].operand,
            "input_weights_offset": -int(one_value(w_in[g].zero_point or (0,), "weights")),
            "recurrent_weights_offset": -int(one_value(w_rec[g].zero_point or (0,), "weights")),
            "input_multiplier": m_in, "input_shift": s_in, "recurrent_multiplier": m_rec, "recurrent_shift": s_rec})
    forget_cell = _multiplier(GATE_OUTPUT_SCALE, c_scale, c_scale)
    input_cell = _multiplier(GATE_OUTPUT_SCALE, GATE_OUTPUT_SCALE, c_scale)
    hidden_mul = _multiplier(GATE_OUTPUT_SCALE, GATE_OUTPUT_SCALE, h_scale)
    multipliers += [forget_cell[0], input_cell[0], hidden_mul[0]]
    require_requantizable(multipliers)
    tanh_multiplier, tanh_shift = _tanh_scaling(_checked_log2(c_scale))
    cell_clip = float(op.options.get("cell_clip", 0.0))
    quantized_clip = int(min(max(float(np.float32(cell_clip)) / float(c_scale), -32768.0), 32767.0)) \
        if cell_clip > 0 else -1
    if not math.isfinite(float(c_scale)) or c_scale <= 0:
        raise NotLowerable("cell state scale not positive")
    table = ctx.constant("sigmoid_table_q16", "uint16_t", SIGMOID_TABLE_Q16)
    params = Params("an_lstm_s8_params" if x.dtype == "int8" else "an_lstm_s16_params", {
        "batches": batches, "time_steps": time_steps, "input_size": input_size, "state_size": state_size,
        "time_major": int(time_major), "input_offset": -x_zp, "hidden_offset": -h_zp, "hidden_zero_point": h_zp,
        "forget": gates["forget"], "input": gates["input"], "cell": gates["cell"], "output": gates["output"],
        "forget_cell_multiplier": forget_cell[0], "forget_cell_shift": forget_cell[1],
        "input_cell_multiplier": input_cell[0], "input_cell_shift": input_cell[1],
        "hidden_multiplier": hidden_mul[0], "hidden_shift": hidden_mul[1],
        "cell_tanh_multiplier": tanh_multiplier, "cell_tanh_shift": tanh_shift, "cell_clip": quantized_clip,
        "sigmoid_table": table})
    rows = batches if time_major else 1
    return Step("an_lstm_s8" if x.dtype == "int8" else "an_lstm_s16", sources=("an_lstm.c", "an_lstm_sequence.h"),
                args=(params, x.operand, hidden.operand, cell.operand, Scratch(4 * rows * state_size * 2), y.operand),
                comment=(f"UNIDIRECTIONAL_SEQUENCE_LSTM {x.shape} -> {y.shape}, {state_size} units, {x.dtype} with "
                         f"int16 cell, {activation}"),
                macs=batches * time_steps * 4 * state_size * (input_size + state_size))


def _sizes(op, x, y, hidden, cell, w_in, w_rec):
    """(time_major, batches, time_steps, input_size, state_size), the shapes checked as TFLM's Prepare does."""
    if len(x.shape) != 3 or len(y.shape) != 3:
        raise NotLowerable(f"input {x.shape} / output {y.shape} not 3-D")
    time_major = bool(op.options.get("time_major", False))
    batches, time_steps = (int(x.shape[1]), int(x.shape[0])) if time_major else (int(x.shape[0]), int(x.shape[1]))
    input_size = int(x.shape[2])
    state_size = int(hidden.shape[-1]) if hidden.shape else 0
    if hidden.num_elements != batches * state_size or cell.num_elements != batches * state_size:
        raise NotLowerable(f"states {hidden.shape} / {cell.shape} do not match {batches} batches")
    if tuple(y.shape[:2]) != tuple(x.shape[:2]) or int(y.shape[2]) != state_size:
        raise NotLowerable(f"output {y.shape} does not match input {x.shape} and {state_size} units")
    for w, depth in [*((w, input_size) for w in w_in), *((w, state_size) for w in w_rec)]:
        if tuple(w.shape) != (state_size, depth):
            raise NotLowerable(f"weights {w.shape}, expected {(state_size, depth)}")
    return time_major, batches, time_steps, input_size, state_size


def _lower_float(op, x, y, hidden, cell, w_in, w_rec, biases):
    """float32: ``an_lstm_f32`` (TFLM's EvalLstm<float, float, float, float>, its order of operations)."""
    tensors = (y, hidden, cell, *w_in, *w_rec, *biases)
    if any(t.dtype != "float32" for t in tensors):
        raise NotLowerable("float32 input with non-float32 weights, biases, states or output")
    if any(not t.is_constant for t in (*w_in, *w_rec, *biases)):
        raise NotLowerable("weights computed at run time")
    time_major, batches, time_steps, input_size, state_size = _sizes(op, x, y, hidden, cell, w_in, w_rec)
    activation = op.options.get("fused_activation_function", "TANH")
    if activation != "TANH":
        raise NotLowerable(f"cell gate activation {activation} (TFLM takes TANH only)")
    gates = {name: Params("", {"input_weights": w_in[g].operand, "recurrent_weights": w_rec[g].operand,
                               "bias": biases[g].operand}) for g, name in enumerate(GATES)}
    cell_clip = float(np.float32(op.options.get("cell_clip", 0.0)))
    params = Params("an_lstm_f32_params", {
        "batches": batches, "time_steps": time_steps, "input_size": input_size, "state_size": state_size,
        "time_major": int(time_major), "forget": gates["forget"], "input": gates["input"], "cell": gates["cell"],
        "output": gates["output"], "clip": int(cell_clip > 0), "cell_clip": F32(cell_clip)})
    rows = batches if time_major else 1
    return Step("an_lstm_f32", sources=("an_lstm_f32.c", "an_lstm_sequence.h"),
                args=(params, x.operand, hidden.operand, cell.operand, Scratch(4 * rows * state_size * 4), y.operand),
                comment=f"UNIDIRECTIONAL_SEQUENCE_LSTM {x.shape} -> {y.shape}, {state_size} units, float32",
                macs=batches * time_steps * 4 * state_size * (input_size + state_size))
