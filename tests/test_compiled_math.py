"""Element-wise math in the compiled runtime against the tflite-micro interpreter: DIV (float32, int32,
int8), SQUARED_DIFFERENCE (float32, int32, int8, int16), with and without broadcasting, fused activations;
the float unary functions (ABS, NEG, SQRT, RSQRT, SQUARE, EXP, LOG, SIN, COS) and the int8 ones
(ABS, RSQRT, as TFLM's arithmetic).  100 inputs per case, outputs byte for byte (float32 bit for bit).
"""

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tflite_builder import ModelBuilder  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler (cc)")

QUANT = {"int8": [dict(scale=0.05, zero_point=3), dict(scale=0.02, zero_point=-7), dict(scale=0.1, zero_point=-20)],
         "int16": [dict(scale=0.001, zero_point=0), dict(scale=0.0004, zero_point=0), dict(scale=0.002, zero_point=0)],
         "int32": [dict(), dict(), dict()], "float32": [dict(), dict(), dict()]}


def binary_model(name, dtype, shape1=(2, 3, 4), shape2=(2, 3, 4), activation="NONE", out_quant=None):
    b = ModelBuilder()
    q1, q2, qo = QUANT[dtype]
    x1 = b.tensor("x1", shape1, dtype, **q1)
    x2 = b.tensor("x2", shape2, dtype, **q2)
    out_shape = tuple(np.broadcast_shapes(shape1, shape2))
    y = b.tensor("y", out_shape, dtype, **(out_quant or qo))
    options = {"type": "div", "fused_activation_function": activation} if name == "DIV" else None
    b.op(name, [x1, x2], [y], options=options)
    return b.build(inputs=[x1, x2], outputs=[y])


def _samples(model, dtype, count, divisor=False, seed=0):
    from codegen.compiled.host import random_samples

    samples = random_samples(model, count, seed=seed)
    rng = np.random.default_rng(seed + 1)
    out = []
    for a, b in samples:
        if dtype == "float32":
            a = (a * 10 ** rng.uniform(-3, 3)).astype(np.float32)
            b = (b * 10 ** rng.uniform(-3, 3)).astype(np.float32)
            if divisor and rng.uniform() < 0.2:
                b.reshape(-1)[0] = 0.0  # x / 0 = inf, clamped to FLT_MAX as TFLM
        elif dtype == "int32":
            if divisor:
                b = np.where(b == 0, 1, b).astype(np.int32)
                b = np.where(b == -1, 2, b).astype(np.int32)  # (never INT32_MIN / -1)
                if rng.uniform() < 0.5:
                    b = (b % 1000 + 1).astype(np.int32) * np.sign(b).astype(np.int32)
                    b = np.where(b == 0, 3, b).astype(np.int32)
            else:
                a, b = a >> rng.integers(0, 31), b >> rng.integers(0, 31)
        elif divisor:  # int8: never the divisor's zero point (TFLM divides by zero there)
            zp = QUANT[dtype][1]["zero_point"]
            b = np.where(b == zp, zp + 1, b).astype(b.dtype)
        out.append([a, b])
    return out


BINARY_CASES = [
    ("DIV", "float32", (2, 3, 4), (2, 3, 4), "NONE"),
    ("DIV", "float32", (2, 3, 4), (1, 1, 4), "RELU6"),
    ("DIV", "int32", (2, 3, 4), (2, 3, 4), "NONE"),
    ("DIV", "int32", (40,), (), "RELU"),
    ("DIV", "int8", (2, 3, 4), (2, 3, 4), "NONE"),
    ("DIV", "int8", (2, 3, 4), (3, 1), "RELU"),
    ("SQUARED_DIFFERENCE", "float32", (2, 3, 4), (2, 3, 4), "NONE"),
    ("SQUARED_DIFFERENCE", "int32", (2, 3, 4), (4,), "NONE"),
    ("SQUARED_DIFFERENCE", "int8", (2, 3, 4), (2, 3, 4), "NONE"),
    ("SQUARED_DIFFERENCE", "int8", (2, 1, 4), (3, 1), "NONE"),
    ("SQUARED_DIFFERENCE", "int16", (2, 3, 4), (2, 3, 4), "NONE"),
]


@pytest.mark.parametrize("name,dtype,shape1,shape2,activation", BINARY_CASES,
                         ids=[f"{c[0]}-{c[1]}-{'x'.join(map(str, c[3])) or 'scalar'}-{c[4]}" for c in BINARY_CASES])
def test_binary_math_matches_tflm(name, dtype, shape1, shape2, activation):
    from codegen.compiled.host import assert_matches_tflm
    from converter.tflite_model import load_model

    model = load_model(binary_model(name, dtype, shape1, shape2, activation))
    samples = _samples(model, dtype, 100, divisor=name == "DIV", seed=len(shape2))
    assert assert_matches_tflm(model, samples=samples) == 100


def test_int32_div_of_constants_is_folded():
    from codegen.compiled.lower import lower_model
    from converter.tflite_model import load_model

    b = ModelBuilder()
    x = b.tensor("x", (3,), "int32")
    c1 = b.tensor("c1", (3,), "int32", data=np.array([7, -7, 100], np.int32).tobytes())
    c2 = b.tensor("c2", (3,), "int32", data=np.array([2, 2, -3], np.int32).tobytes())
    q = b.tensor("q", (3,), "int32")
    y = b.tensor("y", (3,), "int32")
    b.op("DIV", [c1, c2], [q], options={"type": "div"})
    b.op("ADD", [x, q], [y], options={"type": "add"})
    program = lower_model(load_model(b.build(inputs=[x], outputs=[y])))
    assert [s.function for s in program.steps if s.function] == ["an_add_s32"]
    folded = [c for s in program.steps for c in s.constants() if c.values.tolist() == [3, -3, -33]]
    assert folded, "7/2, -7/2, 100/-3 toward zero"


def unary_model(name, dtype, in_quant=None, out_quant=None, shape=(3, 40)):
    b = ModelBuilder()
    x = b.tensor("x", shape, dtype, **(in_quant or {}))
    y = b.tensor("y", shape, dtype, **(out_quant or {}))
    b.op(name, [x], [y])
    return b.build(inputs=[x], outputs=[y])


def _float_inputs(name, count, shape=(3, 40), seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for k in range(count):
        x = rng.standard_normal(shape) * 10.0 ** rng.uniform(-3, 2)
        if name in ("SQRT", "RSQRT", "LOG"):
            x = np.abs(x)
        if k % 10 == 3:  # specials: zeros (signed), infinities, a NaN, huge and tiny values
            x.reshape(-1)[:8] = [0.0, -0.0, np.inf, -np.inf, np.nan, 3e38, 1e-40, -2.5]
        out.append([x.astype(np.float32)])
    return out


@pytest.mark.parametrize("name", ["ABS", "NEG", "SQRT", "RSQRT", "SQUARE", "EXP", "LOG", "SIN", "COS"])
def test_float_unary_matches_tflm_bit_for_bit(name):
    """float32: the same C library function as the interpreter's (host glibc both), bit for bit, NaNs
    included (compared by bits)."""
    from codegen.compiled.host import run_on_host_batch, run_tflm_batch
    from converter.tflite_model import load_model

    model = load_model(unary_model(name, "float32"))
    samples = _float_inputs(name, 100, seed=len(name))
    ours, ref = run_on_host_batch(model, samples), run_tflm_batch(model, samples)
    for k, (a, b) in enumerate(zip(ours, ref)):
        assert np.array_equal(a[0].view(np.uint32), b[0].view(np.uint32)), (name, k)


UNARY_INT_CASES = [
    ("ABS", "int8", dict(scale=0.05, zero_point=-9), dict(scale=0.05, zero_point=-9)),
    ("ABS", "int8", dict(scale=0.05, zero_point=11), dict(scale=0.03, zero_point=-128)),
    ("ABS", "int16", dict(scale=0.001, zero_point=0), dict(scale=0.001, zero_point=0)),
    ("ABS", "int16", dict(scale=0.001, zero_point=0), dict(scale=0.0007, zero_point=0)),
    ("ABS", "int16", {}, {}),
    ("RSQRT", "int8", dict(scale=0.05, zero_point=-128), dict(scale=0.02, zero_point=-100)),
    ("RSQRT", "int8", dict(scale=0.5, zero_point=-30), dict(scale=0.004, zero_point=-128)),
]


@pytest.mark.parametrize("name,dtype,in_quant,out_quant", UNARY_INT_CASES,
                         ids=[f"{c[0]}-{c[1]}-{k}" for k, c in enumerate(UNARY_INT_CASES)])
def test_integer_unary_matches_tflm(name, dtype, in_quant, out_quant):
    from codegen.compiled.host import assert_matches_tflm, random_samples
    from converter.tflite_model import load_model

    model = load_model(unary_model(name, dtype, in_quant, out_quant))
    samples = random_samples(model, 100, seed=7)
    if name == "RSQRT":  # TFLM fails the invocation on values below the zero point
        zp = in_quant["zero_point"]
        samples = [[np.maximum(s[0], zp).astype(np.int8)] for s in samples]
    if dtype == "int16":
        samples[0][0].reshape(-1)[:2] = [-32768, 32767]
    assert assert_matches_tflm(model, samples=samples) == 100


def test_inverse_square_root_multiplier():
    from codegen.compiled.ops.elementwise import inv_sqrt_multiplier_exp

    for value in (2, 3, 100, 255, 1 << 20, (1 << 30) + 12345):
        m, shift = inv_sqrt_multiplier_exp(value)
        assert abs(m * 2.0 ** (shift - 31) - value ** -0.5) < 1e-5 * value ** -0.5, value
    assert inv_sqrt_multiplier_exp(1) == (2**31 - 1, 0)


def prelu_model(dtype, shape=(2, 4, 5), alpha_shape=(5,)):
    b = ModelBuilder()
    q = {"int8": (dict(scale=0.05, zero_point=-4), dict(scale=0.01, zero_point=3), dict(scale=0.04, zero_point=9)),
         "int16": (dict(scale=0.001, zero_point=0), dict(scale=0.01, zero_point=-2), dict(scale=0.0008, zero_point=0)),
         "float32": ({}, {}, {})}[dtype]
    alpha_dtype = "float32" if dtype == "float32" else "int8"
    rng = np.random.default_rng(4)
    values = rng.uniform(-0.5, 1.5, alpha_shape).astype(np.float32) if dtype == "float32" else \
        rng.integers(-128, 128, alpha_shape).astype(np.int8)
    x = b.tensor("x", shape, dtype, **q[0])
    a = b.tensor("alpha", alpha_shape, alpha_dtype, data=values.tobytes(), **q[1])
    y = b.tensor("y", shape, dtype, **q[2])
    b.op("PRELU", [x, a], [y])
    return b.build(inputs=[x], outputs=[y])


@pytest.mark.parametrize("dtype", ["int8", "int16", "float32"])
@pytest.mark.parametrize("alpha_shape", [(5,), (2, 4, 5)], ids=["broadcast", "same"])
def test_prelu_matches_tflm(dtype, alpha_shape):
    from codegen.compiled.host import assert_matches_tflm
    from converter.tflite_model import load_model

    assert assert_matches_tflm(load_model(prelu_model(dtype, alpha_shape=alpha_shape)), count=100, seed=3) == 100


@pytest.mark.parametrize("dtype,shape,zero_point", [("float32", (3, 16), 0), ("float32", (2, 2, 7), 0),
                                                    ("int8", (3, 16), 5), ("int8", (2, 1, 64), -128)])
def test_l2_normalization_matches_tflm(dtype, shape, zero_point):
    from codegen.compiled.host import assert_matches_tflm, random_samples
    from converter.tflite_model import load_model

    quant = dict(scale=0.05, zero_point=zero_point) if dtype == "int8" else {}
    out_quant = dict(scale=1 / 128, zero_point=0) if dtype == "int8" else {}
    model = load_model(unary_model("L2_NORMALIZATION", dtype, quant, out_quant, shape=shape))
    samples = random_samples(model, 100, seed=9)
    if dtype == "int8":  # small rows too (few bits: the inverse square root's other paths), and all-zero-point
        samples[1] = [np.full(shape, zero_point, np.int8)]
        samples[2] = [np.clip(samples[2][0] // 64 + zero_point, -128, 127).astype(np.int8)]
    else:
        samples[1] = [np.zeros(shape, np.float32)]
    assert assert_matches_tflm(model, samples=samples) == 100
