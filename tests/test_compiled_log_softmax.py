"""LOG_SOFTMAX (int8 with TFLM's fixed-point exp and log; float32 in TFLM's order) in the compiled runtime against
the tflite-micro interpreter: several input scales (skipped differences, the log's whole range), odd depths, rows
of ties and of one value, 100 inputs per case, float32 bit for bit (NaN as NaN).  An int8 output quantized other than TFLM
requires is refused in one line.
"""

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tflite_builder import ModelBuilder  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler (cc)")


def log_softmax_model(dtype, shape, input_scale=0.1, input_zero_point=0, out_quant=None):
    b = ModelBuilder()
    if dtype == "int8":
        x = b.tensor("x", shape, dtype, scale=input_scale, zero_point=input_zero_point)
        y = b.tensor("y", shape, dtype, **(out_quant or dict(scale=16 / 256, zero_point=127)))
    else:
        x, y = b.tensor("x", shape, dtype), b.tensor("y", shape, dtype)
    b.op("LOG_SOFTMAX", [x], [y])
    return b.build(inputs=[x], outputs=[y])


def _int8_samples(shape, seed):
    rng = np.random.default_rng(seed)
    out = []
    for k in range(100):
        x = rng.integers(-128, 128, shape).astype(np.int8)
        if k % 4 == 1:  # narrow rows: many values near the maximum
            x = rng.integers(90, 128, shape).astype(np.int8)
        elif k % 4 == 2:  # ties at the maximum and one lone large value
            x = np.where(rng.uniform(size=shape) < 0.5, 127, -128).astype(np.int8)
            x.reshape(-1, shape[-1])[0] = -128
            x.reshape(-1, shape[-1])[0, 0] = 127
        out.append([x])
    return out


INT8_CASES = [((1, 10), 0.1, 0), ((3, 7), 0.05, -20), ((2, 2, 33), 0.25, 5), ((4, 5), 0.02, 100),
              ((1, 256), 0.5, -128), ((2, 1), 0.1, 0), ((1, 2000), 0.003, 0), ((5, 16), 1.7, 3)]


@pytest.mark.parametrize("shape,scale,zero_point", INT8_CASES,
                         ids=[f"{'x'.join(map(str, c[0]))}-s{c[1]}-z{c[2]}" for c in INT8_CASES])
def test_int8_log_softmax_matches_tflm(shape, scale, zero_point):
    from codegen.compiled.host import assert_matches_tflm
    from converter.tflite_model import load_model

    model = load_model(log_softmax_model("int8", shape, scale, zero_point))
    assert assert_matches_tflm(model, samples=_int8_samples(shape, seed=len(shape) + shape[-1])) == 100


@pytest.mark.parametrize("shape,scale,zero_point", INT8_CASES[:6],
                         ids=[f"{'x'.join(map(str, c[0]))}-s{c[1]}-z{c[2]}" for c in INT8_CASES[:6]])
def test_int8_generation_time_arithmetic_matches_tflm(shape, scale, zero_point):
    """The step's Python evaluation (what the fold pass computes for a constant input) equals tflite-micro."""
    from compiled_ops_harness import lower_single
    from codegen.compiled.host import run_tflm_batch
    from converter.tflite_model import load_model

    data = log_softmax_model("int8", shape, scale, zero_point)
    step = lower_single(data)
    samples = _int8_samples(shape, seed=shape[-1])[:40]
    for (x,), (expected,) in zip(samples, run_tflm_batch(load_model(data), samples)):
        assert np.array_equal(step.evaluate(lambda tensor, x=x: x)[0], expected)


def test_int8_log_softmax_of_a_constant_is_folded():
    from codegen.compiled.host import assert_matches_tflm
    from codegen.compiled.lower import lower_model
    from converter.tflite_model import load_model

    b = ModelBuilder()
    values = np.random.default_rng(2).integers(-128, 128, (2, 9)).astype(np.int8)
    c = b.tensor("c", (2, 9), "int8", scale=0.1, zero_point=4, data=values.tobytes())
    logs = b.tensor("logs", (2, 9), "int8", scale=16 / 256, zero_point=127)
    x = b.tensor("x", (2, 9), "int8", scale=16 / 256, zero_point=127)
    y = b.tensor("y", (2, 9), "int8", scale=0.1, zero_point=0)
    b.op("LOG_SOFTMAX", [c], [logs])
    b.op("ADD", [x, logs], [y], options={"type": "add"})
    model = load_model(b.build(inputs=[x], outputs=[y]))
    assert [s.function for s in lower_model(model).steps] == ["an_add_s8"]
    assert assert_matches_tflm(model, count=20, seed=5) == 20


@pytest.mark.parametrize("shape", [(1, 10), (3, 7), (2, 2, 33), (4, 1)], ids=["1x10", "3x7", "2x2x33", "4x1"])
def test_float_log_softmax_matches_tflm_bit_for_bit(shape):
    from codegen.compiled.host import run_on_host_batch, run_tflm_batch
    from converter.tflite_model import load_model

    model = load_model(log_softmax_model("float32", shape))
    rng = np.random.default_rng(shape[-1])
    samples = []
    for k in range(100):
        x = (rng.standard_normal(shape) * 10.0 ** rng.uniform(-2, 2.5)).astype(np.float32)
        if k % 10 == 3:
            x.reshape(-1)[:3] = [np.inf, -np.inf, np.nan][:x.size]
        if k % 10 == 5:
            x.reshape(-1)[:2] = [-np.inf, -0.0][:x.size]
        samples.append([x])
    ours, ref = run_on_host_batch(model, samples), run_tflm_batch(model, samples)
    for k, (a, b) in enumerate(zip(ours, ref)):
        # a NaN's sign bit follows which operand the compiler puts first in a commutative addition (an input with
        # NaN and infinities); NaN is compared as NaN, every other value bit for bit
        nan = np.isnan(a[0])
        assert np.array_equal(nan, np.isnan(b[0])), (k, samples[k], a[0], b[0])
        assert np.array_equal(a[0][~nan].view(np.uint32), b[0][~nan].view(np.uint32)), (k, samples[k], a[0], b[0])


def test_int8_output_quantization_other_than_tflm_requires_is_refused():
    from codegen.compiled.lower import CompiledRuntimeUnsupportedError, lower_model
    from converter.tflite_model import load_model

    model = load_model(log_softmax_model("int8", (1, 8), out_quant=dict(scale=0.1, zero_point=0)))
    with pytest.raises(CompiledRuntimeUnsupportedError) as info:
        lower_model(model)
    assert "TFLM requires 16/256 and 127" in str(info.value) and "\n" not in str(info.value)


def support_row_models() -> dict:
    """A builder model per listed type combination (tests/test_compiled_support.py)."""
    return {("LOG_SOFTMAX", f"{d} -> {d}"): lambda d=d: log_softmax_model(d, (2, 5)) for d in ("int8", "float32")}
