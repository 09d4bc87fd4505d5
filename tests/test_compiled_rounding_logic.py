"""FLOOR, CEIL, ROUND, FLOOR_DIV, FLOOR_MOD (float32) and LOGICAL_AND, LOGICAL_OR, LOGICAL_NOT (bool) in the
compiled runtime against the tflite-micro interpreter: halves (ROUND's ties to even), signed zeros, infinities,
NaN, huge values, broadcasting, odd shapes; 100 inputs per case, float outputs bit for bit.  Constant inputs
are computed at generation time.
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


def op_model(name, dtype, shapes, out_shape=None):
    b = ModelBuilder()
    xs = [b.tensor(f"x{k}", shape, dtype) for k, shape in enumerate(shapes)]
    y = b.tensor("y", out_shape or tuple(np.broadcast_shapes(*shapes)), dtype)
    b.op(name, xs, [y])
    return b.build(inputs=xs, outputs=[y])


def float_values(rng, shape, k, divisor=False):
    """Random floats over many magnitudes; every fourth sample also halves (x.5), signed zeros, infinities, a
    NaN, values past 2^23 and 2^31; a divisor is never 0 (TFLM fails FLOOR_DIV's invocation on it)."""
    x = (rng.standard_normal(shape) * 10.0 ** rng.uniform(-2, 3)).astype(np.float32)
    if k % 4 == 1:
        x = (np.round(x * 2) / 2).astype(np.float32)  # many exact halves and integers
    if k % 4 == 3 and not divisor:
        specials = [0.0, -0.0, np.inf, -np.inf, np.nan, 3e38, -1e-40, 2.5, -2.5, 0.5, -0.5, 8388609.0, 4e9]
        flat = x.reshape(-1)
        flat[:min(flat.size, len(specials))] = specials[:flat.size]
    if divisor:
        x = np.where(x == 0, np.float32(0.75), x).astype(np.float32)
        if k % 4 == 3:
            x.reshape(-1)[:2] = [np.inf, -np.inf][:x.size]
    return x


@pytest.mark.parametrize("name", ["FLOOR", "CEIL", "ROUND"])
@pytest.mark.parametrize("shape", [(3, 40), (7,)], ids=["3x40", "7"])
def test_float_rounding_matches_tflm_bit_for_bit(name, shape):
    from converter.tflite_model import load_model

    model = load_model(op_model(name, "float32", [shape]))
    rng = np.random.default_rng(len(name) + len(shape))
    assert assert_host_bits_equal(model, [[float_values(rng, shape, k)] for k in range(100)]) == 100


@pytest.mark.parametrize("name", ["FLOOR_DIV", "FLOOR_MOD"])
@pytest.mark.parametrize("shape1,shape2", [((2, 3, 5), (2, 3, 5)), ((2, 3, 5), (5,)), ((4, 1), (1, 3)),
                                           ((6,), ())],
                         ids=["same", "row", "outer", "scalar"])
def test_floor_div_mod_match_tflm_bit_for_bit(name, shape1, shape2):
    from converter.tflite_model import load_model

    model = load_model(op_model(name, "float32", [shape1, shape2]))
    rng = np.random.default_rng(len(shape1) * 7 + len(shape2))
    samples = [[float_values(rng, shape1, k), float_values(rng, shape2, k, divisor=True)] for k in range(100)]
    assert assert_host_bits_equal(model, samples) == 100


@pytest.mark.parametrize("name,shapes", [
    ("LOGICAL_AND", [(3, 4, 5), (3, 4, 5)]), ("LOGICAL_AND", [(3, 1, 5), (4, 1)]),
    ("LOGICAL_OR", [(2, 7), (2, 7)]), ("LOGICAL_OR", [(2, 3, 2, 3), (3,)]),
    ("LOGICAL_NOT", [(5, 9)]), ("LOGICAL_NOT", [(1,)]),
], ids=["and-same", "and-broadcast", "or-same", "or-broadcast", "not", "not-one"])
def test_logical_match_tflm(name, shapes):
    from converter.tflite_model import load_model

    model = load_model(op_model(name, "bool", shapes))
    rng = np.random.default_rng(len(shapes[0]))
    samples = [[rng.uniform(size=s) < (0.5 if k % 3 else 0.9) for s in shapes] for k in range(100)]
    assert assert_host_bits_equal(model, samples) == 100


def test_constant_inputs_are_folded():
    """ROUND, FLOOR_MOD and LOGICAL_NOT of constants become constants; the kernels left are the run-time ones."""
    from codegen.compiled.lower import lower_model
    from converter.tflite_model import load_model

    b = ModelBuilder()
    c = b.tensor("c", (4,), "float32", data=np.array([2.5, -3.5, 1.5, 7.0], np.float32).tobytes())
    d = b.tensor("d", (4,), "float32", data=np.array([-3.0, 2.0, 1.0, 2.0], np.float32).tobytes())
    m = b.tensor("m", (4,), "bool", data=np.array([1, 0, 1, 0], np.bool_).tobytes())
    rounded, mod, flags = b.tensor("r", (4,), "float32"), b.tensor("mod", (4,), "float32"), b.tensor("n", (4,), "bool")
    x, flag = b.tensor("x", (4,), "float32"), b.tensor("flag", (4,), "bool")
    y, z, w = b.tensor("y", (4,), "float32"), b.tensor("z", (4,), "float32"), b.tensor("w", (4,), "bool")
    b.op("ROUND", [c], [rounded])
    b.op("FLOOR_MOD", [c, d], [mod])
    b.op("LOGICAL_NOT", [m], [flags])
    b.op("FLOOR_DIV", [x, rounded], [y])
    b.op("FLOOR_MOD", [x, mod], [z])
    b.op("LOGICAL_OR", [flag, flags], [w])
    model = load_model(b.build(inputs=[x, flag], outputs=[y, z, w]))
    program = lower_model(model)
    assert [s.function for s in program.steps] == ["an_floor_div_f32", "an_floor_mod_f32", "an_logical_or_b"]
    values = [c.values.tolist() for s in program.steps for c in s.constants()]
    assert [2.0, -4.0, 2.0, 7.0] in values and [-0.5, 0.5, 0.5, 1.0] in values and [False, True, False, True] in values
    rng = np.random.default_rng(0)
    samples = [[float_values(rng, (4,), k), rng.uniform(size=4) < 0.5] for k in range(20)]
    samples = [[np.where(s[0] == 0, 1.0, s[0]).astype(np.float32), s[1]] for s in samples]
    assert assert_host_bits_equal(model, samples) == 20


def support_row_models() -> dict:
    """A builder model per (operator, listed type combination) of the logical row (tests/test_compiled_support.py;
    FLOOR, CEIL, ROUND, FLOOR_DIV, FLOOR_MOD are in its element-wise probe)."""
    return {("LOGICAL_AND", "bool -> bool"): lambda: op_model("LOGICAL_AND", "bool", [(2, 3), (3,)]),
            ("LOGICAL_OR", "bool -> bool"): lambda: op_model("LOGICAL_OR", "bool", [(2, 3), (2, 3)]),
            ("LOGICAL_NOT", "bool -> bool"): lambda: op_model("LOGICAL_NOT", "bool", [(2, 3)])}
