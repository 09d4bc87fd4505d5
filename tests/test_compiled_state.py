"""State between invocations in the compiled runtime: SVDF (int8 with int16 or int8 state, float32) and
its variable activation-state tensor in the static state area, model_reset().

Each model runs as one sequence of invocations in the compiled C (host cc) and in the tflite-micro
interpreter, and the whole sequence of outputs is compared (integer outputs byte for byte, float32 bit for
bit: the kernel follows TFLM's reference order); with resets in the sequence, model_reset() and the
interpreter's reset() must start the same new sequence.
"""

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tflite_builder import ModelBuilder  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler (cc)")

SEQUENCE = 120  # invocations per model, one sequence


def svdf_model(kind="s16", batches=1, features=12, memory=6, units=5, rank=1, bias=True, input_zero_point=0,
               state_zero_point=0, relu=False, seed=0):
    """One SVDF operator: ``kind`` "s16" (int8, int16 time weights and state), "s8" (int8 throughout), "f32"."""
    rng = np.random.default_rng(seed)
    filters = units * rank
    b = ModelBuilder()
    if kind == "f32":
        def floats(*shape):
            return (rng.standard_normal(shape) * 0.3).astype(np.float32).tobytes()

        x = b.tensor("input", (batches, features), "float32")
        wf = b.tensor("weights_feature", (filters, features), "float32", data=floats(filters, features))
        wt = b.tensor("weights_time", (filters, memory), "float32", data=floats(filters, memory))
        bs = b.tensor("bias", (units,), "float32", data=floats(units)) if bias else -1
        state = b.tensor("state", (batches, memory * filters), "float32", variable=True)
        y = b.tensor("output", (batches, units), "float32")
    else:
        tdt = "int16" if kind == "s16" else "int8"
        tmax = 4096 if kind == "s16" else 127
        x = b.tensor("input", (batches, features), "int8", scale=1 / 128, zero_point=input_zero_point)
        wf = b.tensor("weights_feature", (filters, features), "int8", scale=0.01, zero_point=0,
                      data=rng.integers(-127, 128, (filters, features), dtype=np.int8).tobytes())
        wt_scale = 1 / 4096 if kind == "s16" else 1 / 64
        wt = b.tensor("weights_time", (filters, memory), tdt, scale=wt_scale, zero_point=0,
                      data=rng.integers(-tmax, tmax, (filters, memory)).astype(tdt).tobytes())
        state_scale = 1 / 1024 if kind == "s16" else 1 / 16
        bs = b.tensor("bias", (units,), "int32", scale=state_scale * wt_scale, zero_point=0,
                      data=rng.integers(-3000, 3000, (units,), dtype=np.int32).tobytes()) if bias else -1
        state = b.tensor("state", (batches, memory * filters), tdt, scale=state_scale,
                         zero_point=state_zero_point, variable=True)
        y = b.tensor("output", (batches, units), "int8", scale=1 / 16, zero_point=-3)
    b.op("SVDF", [x, wf, wt, bs, state], [y], version=4 if kind == "s8" else 3,
         options={"type": "svdf", "rank": rank, "relu": relu})
    return b.build(inputs=[x], outputs=[y])


# (No case without bias: TFLM's SVDF reads the bias tensor's scale / data unconditionally and crashes.)
CASES = {
    "s16": dict(kind="s16"),
    "s16_rank2_batch2": dict(kind="s16", rank=2, batches=2, units=4, memory=5),
    "s16_input_zp_memory1": dict(kind="s16", input_zero_point=-17, features=7, memory=1),
    "s8_state_zp": dict(kind="s8", state_zero_point=-5, input_zero_point=9, units=3, rank=3, memory=4),
    "f32": dict(kind="f32"),
    "f32_relu_rank2_batch3": dict(kind="f32", relu=True, rank=2, batches=3, units=3, memory=7),
    "f32_memory2": dict(kind="f32", memory=2, features=3),
}


@pytest.mark.parametrize("case", CASES)
def test_svdf_sequence_matches_tflm(case):
    from codegen.compiled.host import assert_matches_tflm, random_samples, run_on_host_batch
    from converter.tflite_model import load_model

    model = load_model(svdf_model(**CASES[case]))
    assert assert_matches_tflm(model, count=SEQUENCE, seed=3) == SEQUENCE
    assert assert_matches_tflm(model, count=45, seed=4, reset_every=15) == 45
    if CASES[case].get("memory", 6) == 1:
        return  # memory 1: the state holds only this invocation's column
    # the state matters: the same inputs with a reset before each give other outputs
    samples = random_samples(model, 12, seed=5)
    carried = run_on_host_batch(model, samples)
    fresh = run_on_host_batch(model, samples, reset_every=1)
    assert any(not np.array_equal(a[0], b[0]) for a, b in zip(carried[1:], fresh[1:]))


def test_svdf_int8_corpus_model_sequence(corpus):
    """The corpus's SVDF keyword-spotting layer + FULLY_CONNECTED + SOFTMAX: 200 invocations, then with resets."""
    from codegen.compiled.generate import compile_model
    from codegen.compiled.host import assert_matches_tflm
    from converter.tflite_model import load_model

    model = load_model(corpus.path("svdf_int8"))
    assert assert_matches_tflm(model, count=200, seed=7) == 200
    assert assert_matches_tflm(model, count=60, seed=8, reset_every=20) == 60
    compiled = compile_model(model)
    state = model.main_subgraph.tensor(4)
    assert state.is_variable and compiled.state_bytes == state.num_elements * 2  # int16 state, its own area
    model_c = compiled.files["model.c"]
    assert "static uint8_t model_state[" in model_c and "int model_reset(void)" in model_c
    assert "#define MODEL_STATE_BYTES 128u" in compiled.files["model.h"]


def test_state_area_is_outside_the_arena_and_reset_to_the_zero_point():
    """An int8 state with zero point -5 is reset to bytes 0xFB (TFLM's ResetVariableTensors), in the state area."""
    from codegen.compiled.generate import compile_model
    from converter.tflite_model import load_model

    compiled = compile_model(load_model(svdf_model(**CASES["s8_state_zp"])))
    program = compiled.program
    (state,) = program.state_tensors()
    assert state.reset_byte == 0xFB and compiled.state_bytes == state.size_bytes == 3 * 3 * 4
    assert f"memset(AN_T{state.index}, 251, 36u)" in compiled.files["model.c"]
    # the arena holds the activations and scratch only
    arena_tensors = [t for t in program.tensors() if not t.state]
    assert program.arena_bytes <= sum(t.size_bytes for t in arena_tensors) + program.largest_scratch_bytes + 64
    assert f"(model_state + {state.offset}u)" in compiled.files["model.c"]


def test_report_counts_the_state_area_in_its_own_row(corpus, cli):
    """report --runtime both: the compiled runtime's state area in its own RAM row (TFLM keeps it in its arena);
    the JSON says it too, and RAM total counts it."""
    import json

    model = corpus.path("svdf_int8")
    text = cli("report", model, "--runtime", "both", "--kernels", "reference").stdout
    row = next(line for line in text.splitlines() if "RAM: state (between invocations)" in line)
    assert row.split()[-2:] == ["arena", "128"], row
    result = cli("report", model, "--runtime", "both", "--kernels", "reference", "--json")
    doc = json.loads(result.stdout)
    ram = doc["runtimes"]["compiled"]["ram"]
    assert ram["state"] == 128 and ram["total"] == ram["arena"] + ram["state"] + ram["rest"]
    # a model without state has no such row
    text = cli("report", corpus.path("autoencoder_int8"), "--runtime", "both", "--kernels", "reference").stdout
    assert "RAM: state" not in text


@pytest.mark.parametrize("two", [False, True], ids=["one_variable", "two_variables"])
def test_streaming_model_with_resource_variables(two):
    """A streaming model (VAR_HANDLE, READ_VARIABLE, ADD, ASSIGN_VARIABLE: y = x + the last y) runs as
    tflite-micro does over 150 consecutive invocations and with resets; the variables are state."""
    from codegen.compiled.generate import compile_model
    from codegen.compiled.host import assert_matches_tflm, random_samples, run_on_host_batch
    from converter.tflite_model import load_model
    from tests.test_arena_ops import _resource_variable_model

    model = load_model(_resource_variable_model("int8", init=False, two=two))
    assert assert_matches_tflm(model, count=150, seed=21) == 150
    assert assert_matches_tflm(model, count=40, seed=22, reset_every=8) == 40
    samples = [[s[0] // 8] for s in random_samples(model, 6, seed=23)]  # small inputs: the sum does not saturate
    carried, fresh = run_on_host_batch(model, samples), run_on_host_batch(model, samples, reset_every=1)
    assert any(not np.array_equal(a[0], b[0]) for a, b in zip(carried[1:], fresh[1:]))
    compiled = compile_model(model)
    assert compiled.state_bytes == (16 if two else 8)


def call_once_model(zero_point=-7, extra_op=False):
    """A streaming model as the TFLite converter writes one: CALL_ONCE runs subgraph 1 (VAR_HANDLE,
    ASSIGN_VARIABLE of a non-zero constant) at the first invocation; the main subgraph reads the variable,
    adds the input, assigns the sum back.  ``extra_op``: the init subgraph also computes (an operator name: that
    operator of the constant with itself; True: ADD)."""
    from tests.test_arena_ops import TinyModel, _options, fb

    m = TinyModel()
    x = m.tensor((1, 8), "int8", scale=0.05, zero_point=zero_point)
    m.op("CALL_ONCE", [], [], _options(fb.CallOnceOptionsT, initSubgraphIndex=1))
    h = m.tensor((), "resource", scale=None)
    m.op("VAR_HANDLE", [], [h], _options(fb.VarHandleOptionsT, container="", sharedName="acc"))
    r = m.tensor((1, 8), "int8", scale=0.05, zero_point=zero_point)
    m.op("READ_VARIABLE", [h], [r])
    y = m.tensor((1, 8), "int8", scale=0.05, zero_point=zero_point)
    m.op("ADD", [r, x], [y], _options(fb.AddOptionsT))
    m.op("ASSIGN_VARIABLE", [h, y], [])
    m.subgraph()
    h1 = m.tensor((), "resource", scale=None)
    m.op("VAR_HANDLE", [], [h1], _options(fb.VarHandleOptionsT, container="", sharedName="acc"))
    c = m.tensor((1, 8), "int8", scale=0.05, zero_point=zero_point, data=np.array([[9, -30, 100, -128, 0, 1, 77, -5]]))
    if extra_op:
        name = "ADD" if extra_op is True else extra_op
        c2 = m.tensor((1, 8), "int8", scale=0.05, zero_point=zero_point)
        m.op(name, [c, c] if name == "ADD" else [c], [c2], _options(fb.AddOptionsT) if name == "ADD" else None)
        c = c2
    m.op("ASSIGN_VARIABLE", [h1, c], [])
    m.io([], [])
    return m.build([x], [y])


def test_call_once_initialiser_and_reset_as_tflm():
    """The variable starts from the init subgraph's constant; after a reset it holds its default value
    (the zero point) and the initialiser does not run again (TFLM's CALL_ONCE keeps has_run across Reset)."""
    from codegen.compiled.generate import compile_model
    from codegen.compiled.host import assert_matches_tflm, run_on_host_batch, run_tflm_batch
    from converter.tflite_model import load_model

    model = load_model(call_once_model())
    assert assert_matches_tflm(model, count=100, seed=41) == 100
    assert assert_matches_tflm(model, count=40, seed=42, reset_every=9) == 40
    zeros = [[np.full((1, 8), -7, dtype=np.int8)] for _ in range(3)]  # x = 0: y is the variable's value
    ours = [o[0].reshape(-1).tolist() for o in run_on_host_batch(model, zeros, reset_every=2)]
    assert ours[0] == [9, -30, 100, -128, 0, 1, 77, -5]  # the initialiser's constant (+ 0)
    assert ours[2] == [-7] * 8  # after model_reset(): the zero point, no second initialisation
    assert ours == [o[0].reshape(-1).tolist() for o in run_tflm_batch(model, zeros, reset_every=2)]
    compiled = compile_model(model)
    assert compiled.state_bytes == 16  # the has-run flag (8-aligned) and the variable


def test_call_once_that_computes_runs_once_as_tflm():
    """An init subgraph that computes (ADD of a constant with itself, then the assignment) runs at the first
    invocation only, under `if`, and not again after a reset (TFLM's has_run)."""
    from codegen.compiled.generate import compile_model
    from codegen.compiled.host import assert_matches_tflm, run_on_host_batch, run_tflm_batch
    from converter.tflite_model import load_model

    model = load_model(call_once_model(extra_op=True))
    steps = compile_model(model).program.steps
    assert [s.control for s in steps if s.control] == ["if", "end"]
    inside = steps[:steps.index(next(s for s in steps if s.control == "end"))]
    assert {"an_add_s8", "an_add_affine_s8"} & {s.function for s in inside}
    assert assert_matches_tflm(model, count=100, seed=43) == 100
    assert assert_matches_tflm(model, count=40, seed=44, reset_every=7) == 40
    zeros = [[np.full((1, 8), -7, dtype=np.int8)] for _ in range(3)]
    ours = run_on_host_batch(model, zeros, reset_every=2)
    assert [o[0].tolist() for o in ours] == [o[0].tolist() for o in run_tflm_batch(model, zeros, reset_every=2)]
    assert ours[0][0].tolist() != ours[2][0].tolist()  # initialised once: the reset value afterwards


def test_call_once_with_an_operator_without_kernel_is_refused_by_name():
    from codegen.compiled.lower import operator_support, unsupported_reasons
    from converter.tflite_model import load_model

    model = load_model(call_once_model(extra_op="SQRT"))  # int8 SQRT: no kernel (TFLM's takes float32)
    text = "; ".join(unsupported_reasons(model))
    assert "CALL_ONCE" in text and "subgraph 1" in text and "SQRT" in text, text
    rows = {(sg, name): reason for sg, _, name, reason in operator_support(model)}
    assert "SQRT" in rows[(0, "CALL_ONCE")]
