"""Compiled runtime: CAST from and to uint32 and to bool (TFLM's static_cast per element) against tflite-micro.

Every other CAST type to uint32 and uint32 to every other (int32 <-> uint32 is a view: the same bits, tested
in tests/test_compiled_data_ops.py's neighbours); uint32 values over the whole range (wrapping into int8/int16/
int32, rounding into float32), float32 inputs within uint32's range (a negative float is undefined in C and in
TFLM); to bool from every type (float zeros of both signs, NaN and denormals).  100 random inputs per case, one
host program.
"""

from __future__ import annotations

import numpy as np
import pytest

from compiled_ops_harness import Case, assert_cases_match_tflm, compile_cases, lower_single
from test_compiled_data_ops import cast_model

PAIRS = [(src, "uint32") for src in ("int8", "int16", "float32", "bool")] + \
        [("uint32", dst) for dst in ("int8", "int16", "float32")] + \
        [(src, "bool") for src in ("int8", "int16", "int32", "uint32", "float32", "bool")]


def _values(rng, dtype, shape, bool_output=False):
    if dtype == "float32" and bool_output:  # zeros of both signs, NaN, denormals, the rest
        v = rng.choice(np.array([0.0, -0.0, np.nan, 1e-45, -1e-45, 1.0, -2.5, np.inf], np.float32), shape)
        return v.astype(np.float32)
    if dtype == "float32":
        return (rng.random(shape) * 4.2e9).astype(np.float32)
    if bool_output and rng.random() < 0.5:  # many zeros
        return (rng.integers(-1, 2, shape) * (rng.random(shape) < 0.5)).astype(dtype) if dtype != "bool" else \
            rng.random(shape) < 0.5
    if dtype == "bool":
        return rng.random(shape) < 0.5
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, shape, endpoint=True, dtype=np.int64).astype(dtype)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    return compile_cases([Case(f"CAST_{src}_{dst}", cast_model(src, dst, (4, 9))) for src, dst in PAIRS],
                         tmp_path_factory, "cast_wide")


def test_every_case_matches_tflm(compiled):
    rng = np.random.default_rng(31)

    def batches(case):
        (_, dtype, shape), = case.inputs
        return [[_values(rng, dtype, shape, case.name.endswith("_bool"))] for _ in range(100)]

    assert_cases_match_tflm(compiled, batches)


def test_uint32_int32_is_a_view():
    assert lower_single(cast_model("uint32", "int32")).function == ""
