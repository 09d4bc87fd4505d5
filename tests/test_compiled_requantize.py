"""Compiled runtime: QUANTIZE between integer types (int8 -> uint8/int16/int32, uint8 -> int8, int16 ->
int8/int16/int32, int32 -> int8/int16) and DEQUANTIZE uint8 -> float32 against tflite-micro, byte for byte.

Scale ratios below, at and above one (the same scale with zero points 128 apart: TFLM's XOR fast path),
zero points at the ends, int32 inputs over the whole range (the subtraction of the zero point wraps as in
TFLM); every input value of the 8-bit types, 100 random inputs per case otherwise.  One host program.
"""

from __future__ import annotations

import numpy as np
import pytest

from compiled_ops_harness import Case, assert_cases_match_tflm, compile_cases, lower_single
from tflite_builder import ModelBuilder

from codegen.compiled.lowering import NotLowerable
from codegen.compiled.ops.quantize import REQUANTIZE_PAIRS

RANGES = {"int8": (-128, 127), "uint8": (0, 255), "int16": (-32768, 32767), "int32": (-2**31, 2**31 - 1)}
NP = {"int8": np.int8, "uint8": np.uint8, "int16": np.int16, "int32": np.int32}
QUANTS = {  # (input scale, input zero point, output scale, output zero point) by input type
    "int8": [(0.05, 3, 0.02, -7), (0.1, 0, 0.1, 0), (0.5, -128, 0.003, 100)],
    "uint8": [(0.05, 128, 0.05, 0), (0.02, 3, 0.07, -100)],
    "int16": [(0.001, 0, 0.01, 0), (0.0003, 0, 0.0001, 5), (0.002, 0, 0.002, 0)],
    "int32": [(1e-4, 0, 0.02, -3), (2e-6, 7, 1e-5, 0), (0.3, -1000, 0.001, 0)],
}


def quantize_model(in_dtype, out_dtype, q, shape=(3, 86)):
    b = ModelBuilder()
    x = b.tensor("x", shape, in_dtype, scale=q[0], zero_point=q[1])
    y = b.tensor("y", shape, out_dtype, scale=q[2], zero_point=q[3])
    b.op("QUANTIZE", [x], [y], version=2)
    return b.build(inputs=[x], outputs=[y])


def dequantize_model(scale, zero_point, shape=(256,)):
    b = ModelBuilder()
    x = b.tensor("x", shape, "uint8", scale=scale, zero_point=zero_point)
    y = b.tensor("y", shape, "float32")
    b.op("DEQUANTIZE", [x], [y], version=2)
    return b.build(inputs=[x], outputs=[y])


def _cases():
    cases = []
    for in_dtype, out_dtype in sorted(REQUANTIZE_PAIRS):
        for k, q in enumerate(QUANTS[in_dtype]):
            shape = (256,) if in_dtype in ("int8", "uint8") else (3, 86)
            cases.append(Case(f"QUANTIZE-{in_dtype}-{out_dtype}-{k}", quantize_model(in_dtype, out_dtype, q, shape)))
    for k, (scale, zero_point) in enumerate([(0.05, 128), (1.7e-3, 0), (3.0, 255)]):
        cases.append(Case(f"DEQUANTIZE-uint8-{k}", dequantize_model(scale, zero_point)))
    return cases


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    return compile_cases(_cases(), tmp_path_factory, "requantize")


def test_every_case_matches_tflm(compiled):
    rng = np.random.default_rng(23)

    def batches(case):
        (_, dtype, shape), = case.inputs
        lo, hi = RANGES[dtype]
        if dtype in ("int8", "uint8"):  # every value
            return [[np.arange(lo, hi + 1).astype(NP[dtype]).reshape(shape)]]
        return [[rng.integers(lo, hi, shape, endpoint=True, dtype=np.int64).astype(NP[dtype])] for _ in range(100)]

    assert_cases_match_tflm(compiled, batches)


def test_pairs_tflm_lacks_are_refused():
    with pytest.raises(NotLowerable):
        lower_single(quantize_model("uint8", "int16", (0.1, 0, 0.1, 0)))
