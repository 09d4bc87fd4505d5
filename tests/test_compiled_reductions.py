"""REDUCE_MAX / REDUCE_MIN (int8, float32), REDUCE_ALL (bool) and ARG_MAX / ARG_MIN (int8, float32 -> int32) in
the compiled runtime against the tflite-micro interpreter: odd shapes, single / several / negative / repeated
axes, keep_dims; float inputs with NaN, signed zeros and infinities (compared bit for bit); 100 inputs per case;
an int64 ARG output (TFLM's Eval fails on it) holds the index TFLM writes to an int32 one.
Constant inputs are computed at generation time; unsupported combinations are refused in one line.
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

QUANT = dict(scale=0.05, zero_point=-3)


def reduce_model(name, dtype, shape, axes, keep_dims=False, out_quant=None):
    b = ModelBuilder()
    quant = QUANT if dtype == "int8" else {}
    rank = len(shape)
    resolved = {a + rank if a < 0 else a for a in axes}
    out_shape = tuple(1 if d in resolved else n for d, n in enumerate(shape) if keep_dims or d not in resolved)
    x = b.tensor("x", shape, dtype, **quant)
    a = b.tensor("axes", (len(axes),), "int32", data=np.array(axes, np.int32).tobytes())
    y = b.tensor("y", out_shape, dtype, **(quant if out_quant is None else out_quant))
    b.op(name, [x, a], [y], options={"type": "reducer", "keep_dims": keep_dims})
    return b.build(inputs=[x], outputs=[y])


def arg_model(name, dtype, shape, axis, out_dtype="int32"):
    b = ModelBuilder()
    x = b.tensor("x", shape, dtype, **(QUANT if dtype == "int8" else {}))
    a = b.tensor("axis", (1,), "int32", data=np.array([axis], np.int32).tobytes())
    out_shape = tuple(n for d, n in enumerate(shape) if d != (axis % len(shape)))
    y = b.tensor("y", out_shape, out_dtype)
    b.op(name, [x, a], [y], options={"type": name.lower(), "output_type": {"int32": 2, "int64": 4}[out_dtype]})
    return b.build(inputs=[x], outputs=[y])


def samples_for(model, count, seed, ties=False):
    """Random inputs of the model's one input: int8 over the whole range (few distinct values with ``ties``, so
    the first-index rule is exercised), float32 with NaN, signed zeros, infinities and repeats; bool half true."""
    from codegen.compiled.host import random_samples

    t = model.main_subgraph.tensor(model.main_subgraph.inputs[0])
    rng = np.random.default_rng(seed)
    out = []
    for k, (x,) in enumerate(random_samples(model, count, seed=seed)):
        if t.dtype == "bool":
            x = rng.integers(0, 2, t.shape).astype(bool) if k % 4 else rng.uniform(size=t.shape) < 0.95
        elif t.dtype == "int8" and ties and k % 2:
            x = rng.integers(-2, 2, t.shape).astype(np.int8)
        elif t.dtype == "float32":
            x = (x * 10.0 ** rng.uniform(-2, 2)).astype(np.float32)
            if k % 3 == 1:
                flat = x.reshape(-1)
                picks = rng.integers(0, flat.size, size=max(1, flat.size // 3))
                flat[picks] = rng.choice(np.array([np.nan, 0.0, -0.0, np.inf, -np.inf, 1.5], np.float32), picks.size)
            if k == 2:
                x[...] = -np.inf
            if k == 5:
                x[...] = np.nan
        out.append([x])
    return out


REDUCE_CASES = [
    ("REDUCE_MAX", "int8", (2, 5, 7, 3), (1, 2), True),
    ("REDUCE_MAX", "int8", (3, 7), (-1,), False),
    ("REDUCE_MIN", "int8", (4, 3, 5), (0, 2, -1), False),
    ("REDUCE_MIN", "int8", (1, 6, 6, 5), (3,), True),
    ("REDUCE_MAX", "float32", (2, 5, 7, 3), (1, 2), False),
    ("REDUCE_MAX", "float32", (5, 3), (0,), True),
    ("REDUCE_MIN", "float32", (3, 4, 5), (1,), False),
    ("REDUCE_MIN", "float32", (2, 3, 2, 3), (0, 2), True),
    ("REDUCE_MAX", "float32", (4, 1, 5), (1,), False),  # a size-1 axis: each output one input, from -FLT_MAX
    ("REDUCE_ALL", "bool", (3, 4, 5), (1, 2), False),
    ("REDUCE_ALL", "bool", (6, 5), (0,), True),
    ("REDUCE_ALL", "bool", (2, 3, 4), (0, 1, 2), False),
]


@pytest.mark.parametrize("name,dtype,shape,axes,keep_dims", REDUCE_CASES,
                         ids=[f"{c[0]}-{c[1]}-{'x'.join(map(str, c[2]))}-{c[3]}" for c in REDUCE_CASES])
def test_reduce_extremes_match_tflm(name, dtype, shape, axes, keep_dims):
    from converter.tflite_model import load_model

    model = load_model(reduce_model(name, dtype, shape, axes, keep_dims))
    assert assert_host_bits_equal(model, samples_for(model, 100, seed=len(shape) + len(axes))) == 100


ARG_CASES = [
    ("ARG_MAX", "int8", (1, 10), 1),
    ("ARG_MAX", "int8", (3, 4, 5), 1),
    ("ARG_MIN", "int8", (3, 4, 5), -3),
    ("ARG_MIN", "int8", (7, 3), 1),
    ("ARG_MAX", "float32", (2, 7, 3), 2),
    ("ARG_MAX", "float32", (1, 12), -1),
    ("ARG_MIN", "float32", (5, 2, 3), 0),
    ("ARG_MIN", "float32", (4, 9), 1),
]


@pytest.mark.parametrize("name,dtype,shape,axis", ARG_CASES,
                         ids=[f"{c[0]}-{c[1]}-{'x'.join(map(str, c[2]))}-axis{c[3]}" for c in ARG_CASES])
def test_arg_min_max_match_tflm(name, dtype, shape, axis):
    from converter.tflite_model import load_model

    model = load_model(arg_model(name, dtype, shape, axis))
    assert assert_host_bits_equal(model, samples_for(model, 100, seed=axis + 4, ties=True)) == 100


@pytest.mark.parametrize("name,dtype,shape,axis", [("ARG_MAX", "int8", (3, 4, 5), 2), ("ARG_MIN", "float32", (2, 7, 3), 1)],
                         ids=["max-int8", "min-float32"])
def test_int64_output_is_tflm_int32_index_widened(name, dtype, shape, axis):
    """tf.math.argmax's default int64 output: TFLM's Eval fails on it; the compiled runtime writes the index TFLM
    writes for the same model with an int32 output, as int64."""
    from codegen.compiled.host import run_on_host_batch, run_tflm_batch
    from converter.tflite_model import load_model

    wide = load_model(arg_model(name, dtype, shape, axis, out_dtype="int64"))
    narrow = load_model(arg_model(name, dtype, shape, axis))
    samples = samples_for(wide, 100, seed=11, ties=True)
    ours, ref = run_on_host_batch(wide, samples), run_tflm_batch(narrow, samples)
    for k, (a, b) in enumerate(zip(ours, ref)):
        assert a[0].dtype == np.int64 and np.array_equal(a[0], b[0].astype(np.int64)), (k, a[0], b[0])


def test_constant_reductions_are_folded():
    """An ARG_MAX and a REDUCE_MAX of constants become constants (the fold pass runs the Python arithmetic):
    the model keeps only the ADD that reads them, and its output is TFLM's."""
    from codegen.compiled.host import assert_matches_tflm
    from codegen.compiled.lower import lower_model
    from converter.tflite_model import load_model

    b = ModelBuilder()
    values = np.array([[3.0, np.nan, 7.0, 7.0], [-0.0, 0.0, -1.0, np.nan]], np.float32)
    c = b.tensor("c", (2, 4), "float32", data=values.tobytes())
    axis = b.tensor("axis", (1,), "int32", data=np.array([1], np.int32).tobytes())
    index = b.tensor("index", (2,), "int32")
    peak = b.tensor("peak", (2,), "float32")
    x = b.tensor("x", (2,), "int32")
    f = b.tensor("f", (2,), "float32")
    y = b.tensor("y", (2,), "int32")
    z = b.tensor("z", (2,), "float32")
    b.op("ARG_MAX", [c, axis], [index], options={"type": "arg_max"})
    b.op("REDUCE_MAX", [c, axis], [peak], options={"type": "reducer"})
    b.op("ADD", [x, index], [y], options={"type": "add"})
    b.op("ADD", [f, peak], [z], options={"type": "add"})
    model = load_model(b.build(inputs=[x, f], outputs=[y, z]))
    program = lower_model(model)
    assert [s.function for s in program.steps if s.function] == ["an_add_s32", "an_add_f32"]
    folded = [c.values.tolist() for s in program.steps for c in s.constants()]
    assert [2, 0] in folded, "first index of 7.0; NaN never wins, -0.0 before 0.0"
    assert assert_matches_tflm(model, count=5) == 5


@pytest.mark.parametrize("model_bytes,words", [
    (lambda: arg_model("ARG_MAX", "int16", (2, 5), 1), "int16 input"),
    (lambda: reduce_model("REDUCE_MAX", "int8", (2, 5), (1,), out_quant=dict(scale=0.1, zero_point=0)),
     "quantized unlike the input"),
    (lambda: reduce_model("REDUCE_MAX", "int16", (2, 5), (1,)), "int16 tensors"),
], ids=["arg-int16", "reduce-requantize", "reduce-int16"])
def test_unsupported_combinations_are_refused_in_one_line(model_bytes, words):
    from codegen.compiled.lower import CompiledRuntimeUnsupportedError, lower_model
    from converter.tflite_model import load_model

    with pytest.raises(CompiledRuntimeUnsupportedError) as info:
        lower_model(load_model(model_bytes()))
    message = str(info.value)
    assert words in message and "\n" not in message and "--runtime tflm" in message


def support_row_models() -> dict:
    """A builder model per (operator, listed type combination) of this file's rows (tests/test_compiled_support.py)."""
    models = {}
    for name in ("REDUCE_MAX", "REDUCE_MIN"):
        for dtype in ("int8", "float32"):
            models[(name, f"{dtype} -> {dtype}")] = lambda n=name, d=dtype: reduce_model(n, d, (2, 3, 4), (1,))
    models[("REDUCE_ALL", "bool -> bool")] = lambda: reduce_model("REDUCE_ALL", "bool", (2, 3), (0,))
    for name in ("ARG_MAX", "ARG_MIN"):
        for dtype in ("int8", "float32"):
            for out in ("int32", "int64"):
                models[(name, f"{dtype} -> {out}")] = lambda n=name, d=dtype, o=out: arg_model(n, d, (2, 5), 1, o)
    return models
