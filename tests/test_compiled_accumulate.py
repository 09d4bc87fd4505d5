"""ADD_N and CUMSUM (int8 with TFLM's rescaling, float32 in TFLM's order) in the compiled runtime against the
tflite-micro interpreter: 2..5 inputs, every axis, exclusive / reverse, several scales and zero points, 100 inputs
per case (float32 bit for bit).  Constant inputs are computed at generation time; inputs quantized unlike each
other are refused in one line.
"""

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from compiled_ops_harness import assert_host_bits_equal  # noqa: E402
from tflite_builder import ModelBuilder  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler (cc)")


def add_n_model(dtype, shape, n, in_quant=None, out_quant=None, quants=None):
    b = ModelBuilder()
    q_in = in_quant or (dict(scale=0.05, zero_point=-3) if dtype == "int8" else {})
    q_out = out_quant or (dict(scale=0.12, zero_point=10) if dtype == "int8" else {})
    xs = [b.tensor(f"x{k}", shape, dtype, **((quants or {}).get(k, q_in))) for k in range(n)]
    y = b.tensor("y", shape, dtype, **q_out)
    b.op("ADD_N", xs, [y])
    return b.build(inputs=xs, outputs=[y])


def cumsum_model(dtype, shape, axis, exclusive=False, reverse=False, in_quant=None, out_quant=None):
    b = ModelBuilder()
    q_in = in_quant or (dict(scale=0.05, zero_point=-3) if dtype == "int8" else {})
    q_out = out_quant or (dict(scale=0.3, zero_point=-20) if dtype == "int8" else {})
    x = b.tensor("x", shape, dtype, **q_in)
    a = b.tensor("axis", (1,), "int32", data=np.array([axis], np.int32).tobytes())
    y = b.tensor("y", shape, dtype, **q_out)
    b.op("CUMSUM", [x, a], [y], options={"type": "cumsum", "exclusive": exclusive, "reverse": reverse})
    return b.build(inputs=[x], outputs=[y])


def _samples(model, seed):
    from codegen.compiled.host import random_samples

    rng = np.random.default_rng(seed)
    out = []
    for k, sample in enumerate(random_samples(model, 100, seed=seed)):
        if sample[0].dtype == np.float32:
            sample = [(s * 10.0 ** rng.uniform(-2, 3)).astype(np.float32) for s in sample]
            if k % 10 == 3:
                sample[0].reshape(-1)[:3] = [np.inf, -0.0, 1e38][:sample[0].size]
        out.append(sample)
    return out


ADD_N_CASES = [("int8", (2, 3, 5), 2, None), ("int8", (7,), 5, None),
               ("int8", (4, 4), 3, (dict(scale=0.02, zero_point=100), dict(scale=0.01, zero_point=-128))),
               ("float32", (2, 3, 5), 2, None), ("float32", (9,), 4, None)]


@pytest.mark.parametrize("dtype,shape,n,quant", ADD_N_CASES,
                         ids=[f"{c[0]}-{'x'.join(map(str, c[1]))}-{c[2]}in{'-q' if c[3] else ''}" for c in ADD_N_CASES])
def test_add_n_matches_tflm(dtype, shape, n, quant):
    from converter.tflite_model import load_model

    in_quant, out_quant = quant or (None, None)
    model = load_model(add_n_model(dtype, shape, n, in_quant, out_quant))
    assert assert_host_bits_equal(model, _samples(model, seed=n)) == 100


CUMSUM_CASES = [("int8", (2, 3, 5), 1, False, False), ("int8", (2, 3, 5), 0, True, False),
                ("int8", (4, 7), -1, False, True), ("int8", (3, 2, 4), 2, True, True),
                ("float32", (2, 3, 5), 1, False, False), ("float32", (6,), 0, True, True),
                ("float32", (3, 4, 2), -3, False, True), ("float32", (2, 5, 3), 2, True, False)]


@pytest.mark.parametrize("dtype,shape,axis,exclusive,reverse", CUMSUM_CASES,
                         ids=[f"{c[0]}-{'x'.join(map(str, c[1]))}-axis{c[2]}{'-excl' if c[3] else ''}"
                              f"{'-rev' if c[4] else ''}" for c in CUMSUM_CASES])
def test_cumsum_matches_tflm(dtype, shape, axis, exclusive, reverse):
    from converter.tflite_model import load_model

    model = load_model(cumsum_model(dtype, shape, axis, exclusive, reverse))
    assert assert_host_bits_equal(model, _samples(model, seed=len(shape) + axis)) == 100


@pytest.mark.parametrize("dtype", ["int8", "float32"])
def test_constant_inputs_are_folded(dtype):
    """CUMSUM and ADD_N of constants become constants, computed with the kernels' arithmetic (the model's output
    is TFLM's)."""
    from codegen.compiled.lower import lower_model
    from converter.tflite_model import load_model

    rng = np.random.default_rng(5)
    q = dict(scale=0.05, zero_point=-3) if dtype == "int8" else {}
    values = rng.integers(-128, 128, (3, 4)).astype(np.int8) if dtype == "int8" else \
        rng.standard_normal((3, 4)).astype(np.float32)
    b = ModelBuilder()
    c = b.tensor("c", (3, 4), dtype, data=values.tobytes(), **q)
    a = b.tensor("axis", (1,), "int32", data=np.array([1], np.int32).tobytes())
    s, t = b.tensor("s", (3, 4), dtype, **q), b.tensor("t", (3, 4), dtype, **q)
    x, y = b.tensor("x", (3, 4), dtype, **q), b.tensor("y", (3, 4), dtype, **q)
    b.op("CUMSUM", [c, a], [s], options={"type": "cumsum", "exclusive": True, "reverse": True})
    b.op("ADD_N", [s, c, s], [t])
    b.op("ADD_N", [x, t], [y])
    model = load_model(b.build(inputs=[x], outputs=[y]))
    assert [step.function for step in lower_model(model).steps] == [f"an_add_n_{'s8' if dtype == 'int8' else 'f32'}"]
    assert assert_host_bits_equal(model, _samples(model, seed=3)[:20]) == 20


def test_add_n_inputs_quantized_unlike_each_other_are_refused():
    from codegen.compiled.lower import CompiledRuntimeUnsupportedError, lower_model
    from converter.tflite_model import load_model

    model = load_model(add_n_model("int8", (4,), 2, quants={1: dict(scale=0.07, zero_point=-3)}))
    with pytest.raises(CompiledRuntimeUnsupportedError) as info:
        lower_model(model)
    assert "quantized unlike each other" in str(info.value) and "\n" not in str(info.value)


def support_row_models() -> dict:
    """A builder model per listed type combination (tests/test_compiled_support.py)."""
    models = {}
    for d in ("int8", "float32"):
        models[("ADD_N", f"{d} -> {d}")] = lambda d=d: add_n_model(d, (2, 3), 2)
        models[("CUMSUM", f"{d} -> {d}")] = lambda d=d: cumsum_model(d, (2, 3), 1)
    return models
