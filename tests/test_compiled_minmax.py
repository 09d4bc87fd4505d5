"""Compiled runtime: MAXIMUM and MINIMUM (int8, int16, int32, int64, float32, broadcasting) against tflite-micro.

Shapes with odd sizes that broadcast either input along any dimension (and a constant second
input); int8 inputs quantized unlike each other (TFLM compares the stored values); float32
values with NaN, infinities and -0.0/+0.0 pairs, compared as bits.  100 random inputs per case.
"""

from __future__ import annotations

import numpy as np
import pytest

from compiled_ops_harness import (Case, CompiledCases, assert_cases_match_tflm, compile_cases, output_bits,
                                  random_batches, require_tools, tflm_outputs)
from tflite_builder import ModelBuilder

QUANT = {"int8": dict(scale=0.05, zero_point=3), "int16": dict(scale=0.001, zero_point=0),
         "int32": dict(), "int64": dict(), "float32": dict()}
SHAPES = [((2, 3, 5), (2, 3, 5), (2, 3, 5)), ((2, 3, 5), (5,), (2, 3, 5)), ((1, 5, 1), (3, 1, 7), (3, 5, 7)),
          ((4, 1), (1, 1), (4, 1))]


def minmax_model(name, dtype, s1, s2, out, constant_second=False, seed=0):
    b = ModelBuilder()
    x1 = b.tensor("x1", s1, dtype, **QUANT[dtype])
    if constant_second:
        data = _random(np.random.default_rng(seed), s2, dtype)
        x2 = b.tensor("x2", s2, dtype, data=data.tobytes(), **(dict(scale=0.07, zero_point=-2) if dtype == "int8"
                                                                else QUANT[dtype]))
    else:
        x2 = b.tensor("x2", s2, dtype, **(dict(scale=0.07, zero_point=-2) if dtype == "int8" else QUANT[dtype]))
    y = b.tensor("y", out, dtype, **QUANT[dtype])
    b.op(name, [x1, x2], [y], version=2)
    return b.build(inputs=[x1] if constant_second else [x1, x2], outputs=[y])


def _random(rng, shape, dtype):
    if dtype == "float32":
        v = rng.standard_normal(shape).astype(np.float32)
        flat = v.reshape(-1)
        specials = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0], np.float32)
        picks = rng.random(flat.size) < 0.3
        flat[picks] = rng.choice(specials, int(picks.sum()))
        return v
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, shape, endpoint=True, dtype=np.int64).astype(dtype)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    cases = []
    for name in ("MAXIMUM", "MINIMUM"):
        for dtype in ("int8", "int16", "int32", "int64", "float32"):
            for k, (s1, s2, out) in enumerate(SHAPES):
                cases.append(Case(f"{name}_{dtype}_{k}", minmax_model(name, dtype, s1, s2, out)))
            cases.append(Case(f"{name}_{dtype}_const", minmax_model(name, dtype, (3, 4), (4,), (3, 4), True)))
    return compile_cases(cases, tmp_path_factory, "minmax")


def test_minmax_matches_tflm(compiled):
    rng = np.random.default_rng(13)
    assert_cases_match_tflm(compiled, lambda case: random_batches(rng, case, _random))


# Every float32 class a constant can hold: infinities, quiet NaNs with and without payload and sign,
# a signalling NaN, signed zeros, the smallest subnormal and the largest finite value.
SPECIAL_BITS = np.array([0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000, 0x7FC12345, 0xFFA00001,
                         0x80000000, 0x00000000, 0x00000001, 0x7F7FFFFF, 0x3FC00000, 0xBFC00000], np.uint32)


def special_constant_model(name):
    b = ModelBuilder()
    n = SPECIAL_BITS.size
    x1 = b.tensor("x1", (3, n), "float32")
    x2 = b.tensor("x2", (n,), "float32", data=SPECIAL_BITS.tobytes())
    y = b.tensor("y", (3, n), "float32")
    b.op(name, [x1, x2], [y], version=2)
    return b.build(inputs=[x1], outputs=[y])


def test_float_constants_with_inf_and_nan_are_emitted_exactly(tmp_path):
    """The constant array holds infinities and NaNs (with payloads): the generated C must hold the
    same bits, else MAXIMUM/MINIMUM against it computes something else (they used to become 0.0f)."""
    require_tools()
    cases = [Case(f"{name}_special", special_constant_model(name)) for name in ("MAXIMUM", "MINIMUM")]
    program = CompiledCases(cases, tmp_path)
    rng = np.random.default_rng(5)
    for case in cases:
        batches = [[_random(rng, shape, dtype) for _, dtype, shape in case.inputs] for _ in range(20)]
        # the input equal to the constant in one row: the result must be the constant's own bits
        batches.append([np.tile(SPECIAL_BITS.view(np.float32), (3, 1))])
        ours = program.run(case.name, batches)
        ref = tflm_outputs(case.model_bytes, batches)
        for a, b in zip(ours, ref):
            assert np.array_equal(output_bits(a[0]), output_bits(b[0])), case.name
        # against a finite input the infinities win MAXIMUM (+inf) / MINIMUM (-inf) exactly
        row = output_bits(ours[0][0])[0]
        assert row[0 if case.name.startswith("MAXIMUM") else 1] == SPECIAL_BITS[0 if case.name.startswith("MAXIMUM") else 1]
