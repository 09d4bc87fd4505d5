"""UNIDIRECTIONAL_SEQUENCE_LSTM (int8, int16 cell state) in the compiled runtime, against tflite-micro.

The hidden and cell states are variable tensors: TFLM keeps them between invocations, so every model
here runs as one sequence of invocations (the whole sequence of outputs compared byte for byte), and
again with resets in the sequence (model_reset() against the interpreter's reset()).  Single-operator
models written with tests/tflite_builder.py (its options writer extended here for the LSTM's options)
cover what the corpus model does not: time-major input, batches, cell clipping,
non-zero zero points, cell scales 2^-11..2^-15 (the tanh's input shift both ways).
"""

import importlib
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tflite_builder  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler (cc)")

_ACTIVATION_CODES = {"NONE": 0, "RELU": 1, "TANH": 4}


def _options_with_lstm(b, options):
    if options and options.get("type") == "lstm":
        o = importlib.import_module("tflite.UnidirectionalSequenceLSTMOptions")
        o.UnidirectionalSequenceLSTMOptionsStart(b)
        o.UnidirectionalSequenceLSTMOptionsAddFusedActivationFunction(b, _ACTIVATION_CODES[options["activation"]])
        o.UnidirectionalSequenceLSTMOptionsAddCellClip(b, options.get("cell_clip", 0.0))
        o.UnidirectionalSequenceLSTMOptionsAddTimeMajor(b, options.get("time_major", False))
        kind = importlib.import_module("tflite.BuiltinOptions").BuiltinOptions.UnidirectionalSequenceLSTMOptions
        return kind, o.UnidirectionalSequenceLSTMOptionsEnd(b)
    return _plain_options(b, options)


_plain_options = tflite_builder._options


def float_lstm_model(batches=1, time_steps=5, input_size=6, units=4, time_major=False, cell_clip=0.0, seed=0):
    """One float32 LSTM operator as its own model."""
    rng = np.random.default_rng(seed)
    b = tflite_builder.ModelBuilder()
    shape = (time_steps, batches, input_size) if time_major else (batches, time_steps, input_size)

    def floats(*dims):
        return (rng.standard_normal(dims) * 0.6).astype(np.float32).tobytes()

    x = b.tensor("input", shape, "float32")
    w_in = [b.tensor(f"w_in_{g}", (units, input_size), "float32", data=floats(units, input_size)) for g in "ifco"]
    w_rec = [b.tensor(f"w_rec_{g}", (units, units), "float32", data=floats(units, units)) for g in "ifco"]
    biases = [b.tensor(f"bias_{g}", (units,), "float32", data=floats(units)) for g in "ifco"]
    h = b.tensor("hidden", (batches, units), "float32", variable=True)
    c = b.tensor("cell", (batches, units), "float32", variable=True)
    y = b.tensor("output", shape[:2] + (units,), "float32")
    inputs = [x, *w_in, *w_rec, -1, -1, -1, *biases, -1, -1, h, c, -1, -1, -1, -1]
    b.op("UNIDIRECTIONAL_SEQUENCE_LSTM", inputs, [y], version=1,
         options={"type": "lstm", "activation": "TANH", "cell_clip": cell_clip, "time_major": time_major})
    tflite_builder._options = _options_with_lstm
    try:
        return b.build(inputs=[x], outputs=[y])
    finally:
        tflite_builder._options = _plain_options


def lstm_model(batches=1, time_steps=5, input_size=6, units=4, time_major=False, activation="TANH", cell_clip=0.0,
               input_zero_point=-3, hidden_zero_point=5, cell_power=-11, weight_scale=0.01, seed=0, act="int8"):
    """One int8 LSTM operator (int16 cell state at 2^cell_power) as its own model; ``act="int16"``: 16x8
    (int16 input, hidden state and output with zero point 0, int64 biases)."""
    rng = np.random.default_rng(seed)
    b = tflite_builder.ModelBuilder()
    shape = (time_steps, batches, input_size) if time_major else (batches, time_steps, input_size)
    out_shape = shape[:2] + (units,)
    x_scale, h_scale = (1 / 128, 1 / 100) if act == "int8" else (1 / 32768, 1 / 25600)
    if act == "int16":
        input_zero_point = hidden_zero_point = 0
    bias_dtype = "int32" if act == "int8" else "int64"
    x = b.tensor("input", shape, act, scale=x_scale, zero_point=input_zero_point)

    def weights(name, depth, scale):
        return b.tensor(name, (units, depth), "int8", scale=scale, zero_point=0,
                        data=rng.integers(-127, 128, (units, depth), dtype=np.int8).tobytes())

    w_in = [weights(f"w_in_{g}", input_size, weight_scale * (1 + 0.3 * k)) for k, g in enumerate("ifco")]
    w_rec = [weights(f"w_rec_{g}", units, weight_scale * (1.2 - 0.2 * k)) for k, g in enumerate("ifco")]
    bias_range = 4000 if act == "int8" else 1_000_000
    biases = [b.tensor(f"bias_{g}", (units,), bias_dtype, scale=x_scale * weight_scale, zero_point=0,
                       data=rng.integers(-bias_range, bias_range, (units,)).astype(bias_dtype).tobytes())
              for g in "ifco"]
    h = b.tensor("hidden", (batches, units), act, scale=h_scale, zero_point=hidden_zero_point, variable=True)
    c = b.tensor("cell", (batches, units), "int16", scale=2.0 ** cell_power, zero_point=0, variable=True)
    y = b.tensor("output", out_shape, act, scale=h_scale, zero_point=hidden_zero_point)
    inputs = [x, *w_in, *w_rec, -1, -1, -1, *biases, -1, -1, h, c, -1, -1, -1, -1]
    b.op("UNIDIRECTIONAL_SEQUENCE_LSTM", inputs, [y], version=3,
         options={"type": "lstm", "activation": activation, "cell_clip": cell_clip, "time_major": time_major})
    tflite_builder._options = _options_with_lstm
    try:
        return b.build(inputs=[x], outputs=[y])
    finally:
        tflite_builder._options = _plain_options


CASES = {
    "basic": dict(),
    "batches2": dict(batches=2, time_steps=3),
    "time_major_batches3": dict(time_major=True, batches=3, time_steps=4),
    "cell_clip": dict(cell_clip=0.75, weight_scale=0.03),
    "cell_2e-15_zero_points": dict(cell_power=-15, input_zero_point=17, hidden_zero_point=-20),
    "cell_2e-9_wide": dict(cell_power=-9, input_size=13, units=7, weight_scale=0.02),
    "16x8": dict(act="int16"),
    "16x8_time_major_batches2_clip": dict(act="int16", time_major=True, batches=2, cell_clip=0.5, weight_scale=0.03),
    "16x8_cell_2e-14_wide": dict(act="int16", cell_power=-14, input_size=10, units=6),
}


@pytest.mark.parametrize("case", CASES)
def test_lstm_sequence_matches_tflm(case):
    from codegen.compiled.host import assert_matches_tflm, random_samples, run_on_host_batch
    from converter.tflite_model import load_model

    model = load_model(lstm_model(**CASES[case]))
    assert assert_matches_tflm(model, count=100, seed=1) == 100
    assert assert_matches_tflm(model, count=30, seed=2, reset_every=10) == 30
    samples = random_samples(model, 8, seed=3)  # the state carried over matters
    carried, fresh = run_on_host_batch(model, samples), run_on_host_batch(model, samples, reset_every=1)
    assert any(not np.array_equal(a[0], b[0]) for a, b in zip(carried[1:], fresh[1:]))


FLOAT_CASES = {
    "basic": dict(),
    "time_major_batches2_clip": dict(time_major=True, batches=2, cell_clip=0.8, time_steps=4),
    "batches3_wide": dict(batches=3, input_size=11, units=9, time_steps=3, seed=4),
}


@pytest.mark.parametrize("case", FLOAT_CASES)
def test_float_lstm_sequence_matches_tflm_bit_for_bit(case):
    """float32: TFLM's order of operations (fp-contract off; expf/tanhf of the same C library on the host),
    so the whole sequence is bit-identical."""
    from codegen.compiled.host import assert_matches_tflm
    from converter.tflite_model import load_model

    model = load_model(float_lstm_model(**FLOAT_CASES[case]))
    assert assert_matches_tflm(model, count=100, seed=5) == 100
    assert assert_matches_tflm(model, count=30, seed=6, reset_every=10) == 30


def test_lstm_int8_corpus_model_sequence(corpus):
    """The corpus's Keras LSTM (28 steps x 28 features, 16 units) + STRIDED_SLICE + FULLY_CONNECTED + SOFTMAX."""
    from codegen.compiled.generate import compile_model
    from codegen.compiled.host import assert_matches_tflm
    from converter.tflite_model import load_model

    model = load_model(corpus.path("lstm_int8"))
    assert assert_matches_tflm(model, count=100, seed=7) == 100
    assert assert_matches_tflm(model, count=40, seed=8, reset_every=20) == 40
    compiled = compile_model(model)
    assert compiled.state_bytes == 16 + 32  # int8 hidden + int16 cell, in the state area
    lstm = next(op for op in model.main_subgraph.operators if op.name == "UNIDIRECTIONAL_SEQUENCE_LSTM")
    hidden = model.main_subgraph.tensor(lstm.inputs[18])
    reset = hidden.quantization.zero_point[0] & 0xFF  # the hidden state resets to its zero point
    assert f"memset(AN_T{lstm.inputs[18]}, {reset}, {hidden.num_elements}u)" in compiled.files["model.c"]


def test_lstm_refusals_name_the_reason():
    from codegen.compiled.lower import unsupported_reasons
    from converter.tflite_model import load_model

    reasons = unsupported_reasons(load_model(lstm_model(activation="RELU")))
    assert reasons and "RELU" in reasons[0] and "UNIDIRECTIONAL_SEQUENCE_LSTM" in reasons[0]
