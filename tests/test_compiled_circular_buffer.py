"""TFLM's CIRCULAR_BUFFER custom operator (micro_speech-style streaming) in the compiled runtime: the buffer in the
static state area, the invocations TFLM aborts (cycles_max > 1) returning 1 from invoke; compiled C (host cc)
against the tflite-micro interpreter over long sequences of invocations, with resets.

TFLM keeps the buffer in the operator's output tensor, whose bytes before the buffer is full are whatever the
arena held; the compiled runtime starts it at 0.  The sequences compare every invocation's status and every
output of an invocation that ran on (``assert_matches_tflm``); outputs of the first ``slots - 1`` invocations are
compared too where TFLM's arena happened to start at zero, so the check below only starts at the first
full buffer.
"""

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from flatbuffers import flexbuffers

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tflite_builder import ModelBuilder  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler (cc)")


def circular_buffer_model(slots=5, height=1, width=8, cycles_max=1, options=True, buffer_output=True):
    """x [1, 1, H, W] int8 -> CIRCULAR_BUFFER -> [1, slots, H, W] -> FULLY_CONNECTED (4 units) -> z; the buffer
    is a model output too where ``buffer_output``.  ``options``: False writes none (TFLM picks cycles_max from
    the shape); a dict writes that map."""
    rng = np.random.default_rng(slots * 100 + width)
    b = ModelBuilder()
    x = b.tensor("x", (1, 1, height, width), "int8", scale=0.05, zero_point=3)
    y = b.tensor("buffer", (1, slots, height, width), "int8", scale=0.05, zero_point=3)
    depth = slots * height * width
    w = b.tensor("w", (4, depth), "int8", scale=0.01, zero_point=0,
                 data=rng.integers(-127, 128, (4, depth)).astype(np.int8).tobytes())
    z = b.tensor("z", (1, 4), "int8", scale=0.3, zero_point=-2)
    if options is True:
        options = {"cycles_max": cycles_max}
    b.op("CUSTOM", [x], [y], custom_code="CIRCULAR_BUFFER",
         options=bytes(flexbuffers.Dumps(options)) if options else b"")
    b.op("FULLY_CONNECTED", [y, w, -1], [z], version=4, options={"type": "fully_connected"})
    return b.build(inputs=[x], outputs=[y, z] if buffer_output else [z])


def _compare(model_bytes, count, slots, reset_every=0, seed=0):
    """Both run one sequence; every status equal; every output of an invocation that ran on, once the buffer
    was full (at least ``slots`` invocations into the sequence), equal byte for byte.  Returns the statuses."""
    from codegen.compiled.host import TFLM_ABORT, random_samples, run_on_host_batch, run_tflm_batch
    from converter.tflite_model import load_model

    model = load_model(model_bytes)
    samples = random_samples(model, count, seed)
    ours_status, ref_status = [], []
    ours = run_on_host_batch(model, samples, reset_every=reset_every, statuses=ours_status)
    ref = run_tflm_batch(model, samples, reset_every=reset_every, statuses=ref_status)
    assert [TFLM_ABORT if s == 1 else s for s in ours_status] == ref_status
    compared = 0
    for k, (a, r) in enumerate(zip(ours, ref)):
        if k + 1 < slots or ref_status[k] != 0:
            continue
        for i, (u, v) in enumerate(zip(a, r)):
            assert np.array_equal(u, v), f"invocation {k}, output {i}: {u.reshape(-1)[:8]} vs {v.reshape(-1)[:8]}"
        compared += 1
    return ref_status, compared


@pytest.mark.parametrize("slots,height,width", [(5, 1, 8), (3, 2, 6), (1, 1, 16), (13, 1, 4)])
def test_circular_buffer_every_invocation_matches_tflm(slots, height, width):
    """cycles_max 1: 120 consecutive invocations (the buffer and the FULLY_CONNECTED over it) equal TFLM's, and
    with resets every 17 (the buffer is kept, as TFLM keeps it)."""
    model = circular_buffer_model(slots, height, width)
    statuses, compared = _compare(model, 120, slots, seed=slots)
    assert statuses == [0] * 120 and compared == 120 - slots + 1
    _, compared = _compare(model, 60, slots, reset_every=17, seed=slots + 1)
    assert compared == 60 - slots + 1


@pytest.mark.parametrize("cycles_max", [2, 3])
def test_circular_buffer_aborts_as_tflm(cycles_max):
    """cycles_max 2 and 3: TFLM aborts all but every cycles_max-th invocation (status 15, kTfLiteAbort); the
    compiled invoke returns 1 on the same ones and the outputs of the others equal TFLM's; a reset restarts the
    count in both (resets every 7)."""
    model = circular_buffer_model(4, 1, 6, cycles_max=cycles_max, buffer_output=False)
    statuses, compared = _compare(model, 120, 4, seed=cycles_max)
    assert statuses == [0 if (k + 1) % cycles_max == 0 else 15 for k in range(120)]
    assert compared >= 120 // cycles_max - 2
    statuses, _ = _compare(model, 42, 4, reset_every=7, seed=9)
    assert statuses == [0 if (k % 7 + 1) % cycles_max == 0 else 15 for k in range(42)]


def test_circular_buffer_without_options_takes_tflm_choice():
    """No options: TFLM's Prepare picks cycles_max 1 for 5, 13 or 25 slots, else 2; the compiled runtime the same."""
    statuses, _ = _compare(circular_buffer_model(5, options=False, buffer_output=False), 30, 5)
    assert statuses == [0] * 30
    statuses, _ = _compare(circular_buffer_model(4, options=False, buffer_output=False), 30, 4)
    assert statuses == [0 if k % 2 else 15 for k in range(30)]


def test_circular_buffer_state_is_the_stream():
    """The buffer carries the stream: the FULLY_CONNECTED output depends on earlier inputs (a sequence differs
    from the same inputs with a reset and a zeroed buffer... i.e. a fresh process per input)."""
    from codegen.compiled.host import random_samples, run_on_host_batch
    from converter.tflite_model import load_model

    model = load_model(circular_buffer_model(5))
    samples = random_samples(model, 12, seed=3)
    carried = [o[0] for o in run_on_host_batch(model, samples)]
    assert np.array_equal(carried[11][0, 4], samples[11][0][0, 0])  # the newest slot is this input
    assert np.array_equal(carried[11][0, 0], samples[7][0][0, 0])  # the oldest four invocations back
    fresh = [run_on_host_batch(model, [s])[0][0] for s in samples[:2]]
    assert not fresh[1][0, :4].any() and not np.array_equal(fresh[1], carried[1])


@pytest.mark.parametrize("kwargs,reason", [
    ({"options": {"cycles_max": 1, "other": 2}}, "reads one integer 'cycles_max'"),
    ({"options": False, "slots": 3, "height": 2, "width": 96}, "depends on how many"),
    ({"height": 1, "width": 8, "slots": 5, "batch_input": True}, "[1, 1, H, W]"),
])
def test_circular_buffer_refusals_are_one_line(kwargs, reason):
    from attendnets_base.errors import UnsupportedOperatorError
    from codegen.compiled.lower import lower_model
    from converter.tflite_model import load_model

    batch_input = kwargs.pop("batch_input", False)
    model_bytes = circular_buffer_model(**kwargs)
    if batch_input:  # an input of two slots: TFLM's Prepare refuses it too
        b = ModelBuilder()
        x = b.tensor("x", (1, 2, 1, 8), "int8", scale=0.05, zero_point=3)
        y = b.tensor("y", (1, 5, 1, 8), "int8", scale=0.05, zero_point=3)
        b.op("CUSTOM", [x], [y], custom_code="CIRCULAR_BUFFER", options=bytes(flexbuffers.Dumps({"cycles_max": 1})))
        model_bytes = b.build(inputs=[x], outputs=[y])
    with pytest.raises(UnsupportedOperatorError) as info:
        lower_model(load_model(model_bytes))
    message = str(info.value)
    assert "CIRCULAR_BUFFER" in message and reason in message and "\n" not in message


@pytest.mark.parametrize("dtype", ["int8", "int16", "float32"])
def test_check_agrees_with_the_interpreter_on_the_type(dtype):
    """check's TFLM column says what the interpreter does: CircularBufferPrepare takes int8 only."""
    from codegen.compiled.host import tflm_interpreter
    from converter.tflite_model import load_model
    from converter.tflm.check import check_model

    b = ModelBuilder()
    x = b.tensor("x", (1, 1, 1, 4), dtype, scale=0.05, zero_point=0)
    y = b.tensor("y", (1, 3, 1, 4), dtype, scale=0.05, zero_point=0)
    b.op("CUSTOM", [x], [y], custom_code="CIRCULAR_BUFFER", options=bytes(flexbuffers.Dumps({"cycles_max": 1})))
    model = load_model(b.build(inputs=[x], outputs=[y]))
    try:
        tflm_interpreter(model)
        runs = True
    except RuntimeError:
        runs = False
    assert runs == (dtype == "int8")
    assert check_model(model).ok == runs


@pytest.mark.parametrize("cycles_max,aborts", [(1, False), (2, True)])
def test_model_header_says_when_invoke_returns_1(cycles_max, aborts):
    """model.h documents invoke's return value as the model has it: 1 only where some invocations end early."""
    from codegen.compiled.generate import compile_model
    from converter.tflite_model import load_model

    header = compile_model(load_model(circular_buffer_model(4, 1, 6, cycles_max=cycles_max,
                                                            buffer_output=False))).files["model.h"]
    assert ("Returns 0; 1 where a CIRCULAR_BUFFER" in header) == aborts
    assert ("one kernel call per operator). Returns 0.\n" in header) != aborts
