"""Compiled runtime: int8 SOFTMAX (int8 and int16 output) and MEAN/SUM against the tflite-micro interpreter.

SOFTMAX: rows of 1 to 300 values, input scales from 2e-6 to 1.7, zero points at the ends,
two betas, both output types; MEAN/SUM: axis sets of every kind (one, several, all,
negative, repeated, out of order), keep_dims both ways, 2-D to 5-D inputs, scales that
saturate.  100 random inputs per case plus all-equal rows and inputs at -128/127.  All
cases compile into one host program (tests/compiled_ops_harness.py).
"""

from __future__ import annotations

import numpy as np
import pytest

from compiled_ops_harness import Case, CompiledCases, aliased_input, lower_single, require_tools, tflm_outputs
from tflite_builder import ModelBuilder

from codegen.compiled.lowering import NotLowerable
from codegen.compiled.ops.reduce import mean_multiplier, split_dims


def softmax_model(shape, input_q, beta, out16=False, output_q=None):
    b = ModelBuilder()
    x = b.tensor("x", shape, "int8", scale=input_q[0], zero_point=input_q[1])
    if output_q is None:
        output_q = (1 / 65536, -32768) if out16 else (1 / 256, -128)
    y = b.tensor("y", shape, "int16" if out16 else "int8", scale=output_q[0], zero_point=output_q[1])
    b.op("SOFTMAX", [x], [y], version=2, options={"type": "softmax", "beta": beta})
    return b.build(inputs=[x], outputs=[y])


def typed_reduce_model(op, dtype, shape, axes, keep_dims, input_q=None, output_q=None):
    """One reduction (MEAN, SUM, REDUCE_MAX...) of a ``dtype`` tensor over ``axes``; ``input_q``/``output_q``:
    (scale, zero point) of a quantized type."""
    b = ModelBuilder()
    qi = dict(scale=input_q[0], zero_point=input_q[1]) if input_q else {}
    qo = dict(scale=output_q[0], zero_point=output_q[1]) if output_q else {}
    x = b.tensor("x", shape, dtype, **qi)
    a = b.tensor("axis", (len(axes),), "int32", data=np.array(axes, np.int32).tobytes())
    resolved = {(v + len(shape)) % len(shape) for v in axes}
    if keep_dims:
        out_shape = tuple(1 if d in resolved else s for d, s in enumerate(shape))
    else:
        out_shape = tuple(s for d, s in enumerate(shape) if d not in resolved)
    y = b.tensor("y", out_shape, dtype, **qo)
    b.op(op, [x, a], [y], version=2, options={"type": "reducer", "keep_dims": keep_dims})
    return b.build(inputs=[x], outputs=[y])


def reduce_model(op, shape, axes, keep_dims, input_q, output_q):
    return typed_reduce_model(op, "int8", shape, axes, keep_dims, input_q, output_q)


SOFTMAX_SHAPES = [(1, 10), (3, 7, 13), (2, 1, 1, 300), (1, 1)]
SOFTMAX_QUANTS = [(0.1, 0), (0.0123, -17), (1.7, 100), (0.5, -128), (2e-6, 127)]
REDUCE_AXES = [((1, 5, 7, 3), [1, 2]), ((1, 5, 7, 3), [2, 1]), ((1, 5, 7, 3), [-1]), ((2, 5, 7, 3), [0, 2]),
               ((1, 5, 7, 3), [0, 1, 2, 3]), ((4, 6), [1, -1, 1]), ((3, 4, 5, 2, 3), [1, 3]), ((9,), [0]),
               ((1, 24, 24, 8), [1, 2])]
REDUCE_QUANTS = [((0.1, 0), (0.1, 0)), ((0.05, -128), (0.02, 5)), ((0.3, 100), (1.1, -7)), ((1e-3, 3), (1e-1, 127))]


def _cases():
    cases = []
    for shape in SOFTMAX_SHAPES:
        for k, q in enumerate(SOFTMAX_QUANTS):
            for beta in (1.0, 0.37):
                out16 = bool(k % 2)
                cases.append(Case(f"SOFTMAX-{shape}-{q}-beta{beta}-{'s16' if out16 else 's8'}",
                                  softmax_model(shape, q, beta, out16)))
    for op in ("MEAN", "SUM"):
        for k, (shape, axes) in enumerate(REDUCE_AXES):
            for keep_dims in (False, True):
                q_in, q_out = REDUCE_QUANTS[(k + keep_dims) % len(REDUCE_QUANTS)]
                if op == "SUM":
                    q_out = (q_out[0] * 30, q_out[1])
                cases.append(Case(f"{op}-{shape}-axes{axes}-keep{keep_dims}",
                                  reduce_model(op, shape, axes, keep_dims, q_in, q_out)))
        for j, (q_in, q_out) in enumerate(REDUCE_QUANTS):
            cases.append(Case(f"{op}-quant{j}", reduce_model(op, (2, 5, 7, 3), [1, 2], True, q_in, q_out)))
    return cases


CASES = _cases()


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    require_tools()
    return CompiledCases(CASES, tmp_path_factory.mktemp("compiled_softmax_reduce"))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_matches_tflm(compiled, case):
    rng = np.random.default_rng(len(case.name))
    shape = case.inputs[0][2]
    batches = [[rng.integers(-128, 128, shape, dtype=np.int8)] for _ in range(100)]
    batches += [[np.full(shape, v, np.int8)] for v in (-128, 5, 127)]
    expected = tflm_outputs(case.model_bytes, batches)
    got = compiled.run(case.name, batches)
    for run, (e, g) in enumerate(zip(expected, got)):
        np.testing.assert_array_equal(g[0], e[0], err_msg=f"run {run}")


def test_softmax_refuses_what_tflm_refuses():
    with pytest.raises(NotLowerable, match="1/256"):
        lower_single(softmax_model((1, 4), (0.1, 0), 1.0, output_q=(1 / 128, -128)))
    with pytest.raises(NotLowerable, match="TFLM aborts"):
        lower_single(softmax_model((1, 4), (1e-9, 0), 1.0))


def test_softmax_int8_runs_in_place_int16_does_not():
    assert aliased_input(softmax_model((1, 4), (0.1, 0), 1.0)) == 0
    assert aliased_input(softmax_model((1, 4), (0.1, 0), 1.0, out16=True)) is None


def test_reduce_dims_are_merged():
    # NHWC mean over H and W: N and C kept (not neighbours), H*W reduced as one dimension
    assert split_dims([2, 5, 7, 3], [1, 2]) == ([2, 3], [105, 1], [35], [3])
    assert split_dims([1, 5, 7, 3], [0, 1, 2, 3]) == ([], [], [105], [1])


def test_mean_folds_the_count_as_tflm():
    # count 35: shift floor(log2 35) = 5, multiplier * 32 // 35
    assert mean_multiplier(1 << 30, 0, 35) == ((1 << 35) // 35, -5)
    # limited by 31 + shift
    assert mean_multiplier(1 << 30, -29, 1 << 10)[1] == -31


def test_reduce_refuses_non_constant_axes():
    b = ModelBuilder()
    x = b.tensor("x", (1, 4, 4, 2), "int8", scale=0.1, zero_point=0)
    a = b.tensor("axis", (2,), "int32")
    y = b.tensor("y", (1, 2), "int8", scale=0.1, zero_point=0)
    b.op("MEAN", [x, a], [y], options={"type": "reducer"})
    with pytest.raises(NotLowerable, match="non-constant axis"):
        lower_single(b.build(inputs=[x, a], outputs=[y]))
