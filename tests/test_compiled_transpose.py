"""Compiled runtime: TRANSPOSE (int8, int16, float32) and STRIDED_SLICE of int16/float32 against tflite-micro.

TRANSPOSE is the strided copy walk (an_strided_slice_s8/_b16/_b32): 2-D to 5-D inputs with
odd sizes and every kind of permutation (identity, reversal, NCHW <-> NHWC, rotations); float32 values include -0.0, infinities, NaNs and denormals, compared as
bits.  100 random inputs per case, all cases compiled into one host program.
"""

from __future__ import annotations

import numpy as np
import pytest

from compiled_ops_harness import Case, assert_cases_match_tflm, compile_cases, lower_single, random_batches
from tflite_builder import ModelBuilder

from codegen.compiled.lowering import NotLowerable

QUANT = {"int8": dict(scale=0.031, zero_point=-17), "int16": dict(scale=0.0007, zero_point=0),
         "float32": dict()}

TRANSPOSES = [
    ((7, 5), (1, 0)),
    ((3, 5, 7), (2, 0, 1)),
    ((3, 5, 7), (0, 1, 2)),
    ((1, 3, 5, 7), (0, 2, 3, 1)),  # NCHW -> NHWC
    ((1, 5, 7, 3), (0, 3, 1, 2)),  # NHWC -> NCHW
    ((2, 3, 4, 5), (3, 2, 1, 0)),
    ((2, 3, 1, 5, 3), (4, 2, 0, 3, 1)),
    ((4, 3, 2), (2, 0, 1)),
]


def transpose_model(shape, perm, dtype):
    b = ModelBuilder()
    x = b.tensor("x", shape, dtype, **QUANT[dtype])
    p = b.tensor("perm", (len(perm),), "int32", data=np.array(perm, np.int32).tobytes())
    out_shape = tuple(shape[q] for q in perm)
    y = b.tensor("y", out_shape, dtype, **QUANT[dtype])
    b.op("TRANSPOSE", [x, p], [y], version=2)
    return b.build(inputs=[x], outputs=[y])


def slice_model(shape, begin, end, strides, dtype, out_shape):
    b = ModelBuilder()
    x = b.tensor("x", shape, dtype, **QUANT[dtype])
    ts = [b.tensor(n, (len(v),), "int32", data=np.array(v, np.int32).tobytes())
          for n, v in (("begin", begin), ("end", end), ("strides", strides))]
    y = b.tensor("y", out_shape, dtype, **QUANT[dtype])
    b.op("STRIDED_SLICE", [x, *ts], [y], version=2, options={"type": "strided_slice"})
    return b.build(inputs=[x], outputs=[y])


def random_input(rng, shape, dtype):
    if dtype == "float32":
        v = (rng.standard_normal(shape) * 10.0 ** rng.integers(-40, 38, shape)).astype(np.float32)
        special = np.array([-0.0, np.inf, -np.inf, np.nan, 1e-45, -3e-39], np.float32)
        flat = v.reshape(-1)
        flat[: min(flat.size, special.size)] = special[: flat.size]
        return flat.reshape(shape)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max + 1, shape).astype(dtype)


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    cases = []
    for dtype in ("int8", "int16", "float32"):
        for k, (shape, perm) in enumerate(TRANSPOSES):
            cases.append(Case(f"transpose_{dtype}_{k}", transpose_model(shape, perm, dtype)))
        cases.append(Case(f"slice_{dtype}", slice_model((3, 7, 5), (1, -1, 0), (3, 0, 5), (1, -2, 2), dtype,
                                                        (2, 3, 3))))
    return compile_cases(cases, tmp_path_factory, "transpose")


def test_every_case_matches_tflm(cases):
    rng = np.random.default_rng(5)
    assert_cases_match_tflm(cases, lambda case: random_batches(rng, case, random_input))


def test_walk_is_merged_and_evaluates():
    """NCHW -> NHWC of 1x3x5x7 walks 2 dimensions (batch dropped, H and W merged: 35 pixels, 3 channels); a transpose that
    moves only size-1 dimensions is one contiguous copy; evaluate() equals NumPy's transpose."""
    step = lower_single(transpose_model((1, 3, 5, 7), (0, 2, 3, 1), "int8"))
    params = step.args[0].fields
    assert params["ndim"] == 2 and params["counts"][:2] == (35, 3) and params["steps"][:2] == (1, 35)
    step = lower_single(transpose_model((1, 4, 1, 6), (2, 1, 0, 3), "int8"))
    assert step.args[0].fields["ndim"] == 1 and step.args[0].fields["counts"][0] == 24
    x = np.arange(2 * 3 * 4 * 5, dtype=np.int16).reshape(2, 3, 4, 5)
    step = lower_single(transpose_model((2, 3, 4, 5), (3, 1, 0, 2), "int16"))
    [value] = step.evaluate(lambda t: x)
    assert np.array_equal(value.reshape(5, 3, 2, 4), x.transpose(3, 1, 0, 2))


def test_quantization_change_and_bad_permutation_are_refused():
    b = ModelBuilder()
    x = b.tensor("x", (2, 3), "int8", scale=0.1, zero_point=0)
    p = b.tensor("perm", (2,), "int32", data=np.array([1, 0], np.int32).tobytes())
    y = b.tensor("y", (3, 2), "int8", scale=0.2, zero_point=0)
    b.op("TRANSPOSE", [x, p], [y])
    with pytest.raises(NotLowerable, match="quantized unlike"):
        lower_single(b.build(inputs=[x], outputs=[y]))
    with pytest.raises(NotLowerable, match="permutation"):
        lower_single(transpose_model((2, 3), (0, 0), "int8"))
    with pytest.raises(NotLowerable, match="permutation"):  # TFLM refuses negative entries
        lower_single(transpose_model((2, 3), (-1, 0), "int8"))
    with pytest.raises(NotLowerable, match="6-D input"):
        lower_single(transpose_model((2, 1, 3, 2, 3, 2), (5, 4, 3, 2, 1, 0), "int8"))
