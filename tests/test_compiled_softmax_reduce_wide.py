"""Compiled runtime: int16 SOFTMAX and int16 / float32 MEAN and SUM against tflite-micro, bit for bit.

SOFTMAX int16: rows of 1 to 300 values, input scales from 1e-5 to 0.5 (the difference multiplier left and
right of one), two betas, inputs over the whole int16 range and in narrow bands (most differences inside
TFLM's [-10, 0] table), in place.  The two 513-entry tables (exp, 1 / (1 + x)) are exercised through every
segment by the all-int16 rows.  MEAN/SUM: the int8 test's axis sets with int16 (scales that saturate, zero
points) and float32 (the 4-D axes-1-and-2 path TFLM special-cases and the generic one; infinities and NaN),
compared as bits.  100 random inputs per case, one host program.
"""

from __future__ import annotations

import numpy as np
import pytest

from compiled_ops_harness import (Case, CompiledCases, aliased_input, assert_cases_match_tflm, compile_cases,
                                  lower_single, require_tools, tflm_outputs)
from test_compiled_conv_wide import random_input
from test_compiled_softmax_reduce import REDUCE_AXES
from test_compiled_softmax_reduce import typed_reduce_model as reduce_model
from tflite_builder import ModelBuilder

from codegen.compiled.lowering import NotLowerable

OUT16 = (1.0 / 32768, 0)


def softmax16_model(shape, input_scale, beta, output_q=OUT16, input_zero_point=0):
    b = ModelBuilder()
    x = b.tensor("x", shape, "int16", scale=input_scale, zero_point=input_zero_point)
    y = b.tensor("y", shape, "int16", scale=output_q[0], zero_point=output_q[1])
    b.op("SOFTMAX", [x], [y], version=3, options={"type": "softmax", "beta": beta})
    return b.build(inputs=[x], outputs=[y])


SOFTMAX_SHAPES = [(1, 10), (3, 7, 13), (2, 1, 1, 300), (1, 1), (4, 2)]
SOFTMAX_SCALES = [1e-5, 2.0 ** -12, 0.00031, 0.01, 0.5]
REDUCE16_QUANTS = [((0.001, 0), (0.001, 0)), ((0.0005, -300), (0.0002, 57)), ((0.003, 1000), (0.011, -7)),
                   ((1e-5, 3), (1e-3, 32767))]


def _cases():
    cases = []
    for shape in SOFTMAX_SHAPES:
        for scale in SOFTMAX_SCALES:
            for beta in (1.0, 0.37):
                cases.append(Case(f"SOFTMAX-s16-{shape}-{scale}-beta{beta}", softmax16_model(shape, scale, beta)))
    for k, (shape, axes) in enumerate(REDUCE_AXES):
        for op in ("MEAN", "SUM"):
            in_q, out_q = REDUCE16_QUANTS[k % len(REDUCE16_QUANTS)]
            keep = bool(k % 2)
            cases.append(Case(f"{op}-s16-{shape}-{axes}-{keep}", reduce_model(op, "int16", shape, axes, keep, in_q,
                                                                              out_q)))
            cases.append(Case(f"{op}-f32-{shape}-{axes}-{keep}", reduce_model(op, "float32", shape, axes, keep)))
    cases.append(Case("MEAN-f32-4d-keep", reduce_model("MEAN", "float32", (2, 5, 7, 3), [1, 2], True)))
    cases.append(Case("MEAN-f32-4d-nokeep", reduce_model("MEAN", "float32", (2, 5, 7, 3), [2, 1], False)))
    return cases


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    return compile_cases(_cases(), tmp_path_factory, "softmax_reduce_wide")


def _inputs(rng, case, shape, dtype):
    batches = [[random_input(rng, shape, dtype)] for _ in range(100)]
    if dtype == "int16":
        for width in (1, 40, 700, 5000):  # narrow bands: differences inside the exp table's range
            batches.append([(rng.integers(-width, width + 1, shape) + rng.integers(-20000, 20000)).astype(np.int16)])
        batches.append([np.full(shape, 32767, np.int16)])
        batches.append([np.full(shape, -32768, np.int16)])
    return batches


def test_every_case_matches_tflm(compiled):
    rng = np.random.default_rng(91)
    assert_cases_match_tflm(compiled, lambda case: _inputs(rng, case, case.inputs[0][2], case.inputs[0][1]))


def test_softmax_int16_tables_every_segment(tmp_path):
    """Every int16 difference to the row maximum once (rows of 2: the maximum and one other value), at
    input scales that reach the exp table's every segment; the sums reach the reciprocal table's."""
    require_tools()
    values = np.arange(-32768, 32768, dtype=np.int32)
    rows = np.stack([np.full(values.size, 32767), values], axis=1).astype(np.int16)
    cases = [Case(f"all-{scale}", softmax16_model(rows.shape, scale, 1.0)) for scale in (10.0 / 65535, 0.00031)]
    program = CompiledCases(cases, tmp_path)
    for case in cases:
        ours, = program.run(case.name, [[rows]])
        ref, = tflm_outputs(case.model_bytes, [[rows]], arena_size=1 << 20)
        assert np.array_equal(ours[0], np.asarray(ref[0]).reshape(rows.shape)), case.name


def test_softmax_int16_runs_in_place():
    assert aliased_input(softmax16_model((2, 5), 0.001, 1.0)) == 0


@pytest.mark.parametrize("output_q,zero_point,reason", [((1.0 / 256, 0), 0, "1/32768"), (OUT16, 5, "zero points")])
def test_softmax_int16_refuses_what_tflm_refuses(output_q, zero_point, reason):
    with pytest.raises(NotLowerable, match=reason):
        lower_single(softmax16_model((1, 4), 0.001, 1.0, output_q, zero_point))
