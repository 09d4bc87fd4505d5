"""Compiled runtime: QUANTIZE float32 -> int16 and DEQUANTIZE int16 -> float32 against tflite-micro, bit for bit.

Scales from 1e-5 to 3, zero points 0 and not, float inputs that round at halves, saturate both ends and
include -0.0 and denormals; the whole int16 range dequantized.  100 random inputs per case, one host program.
"""

from __future__ import annotations

import numpy as np
import pytest

from compiled_ops_harness import Case, CompiledCases, require_tools, tflm_outputs
from tflite_builder import ModelBuilder

QUANTS = {"fine": (1e-5, 0), "unit": (1.0, 0), "coarse_offset": (3.0, 17), "half_steps": (0.5, -3)}


def convert_model(op, scale, zero_point, shape=(4, 33)):
    b = ModelBuilder()
    q = dict(scale=scale, zero_point=zero_point)
    x = b.tensor("x", shape, "float32" if op == "QUANTIZE" else "int16", **({} if op == "QUANTIZE" else q))
    y = b.tensor("y", shape, "int16" if op == "QUANTIZE" else "float32", **(q if op == "QUANTIZE" else {}))
    b.op(op, [x], [y], version=4 if op == "QUANTIZE" else 3)
    return b.build(inputs=[x], outputs=[y])


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    require_tools()
    cases = [Case(f"{op}_{name}", convert_model(op, s, zp)) for op in ("QUANTIZE", "DEQUANTIZE")
             for name, (s, zp) in QUANTS.items()]
    return cases, CompiledCases(cases, tmp_path_factory.mktemp("quantize_wide"))


def _input(rng, op, shape, scale):
    if op == "DEQUANTIZE":
        return rng.integers(-32768, 32768, shape).astype(np.int16)
    steps = rng.integers(-40000, 40000, shape)  # beyond int16 both ways
    v = (steps + rng.choice([0.0, 0.5, -0.5, 0.25, 0.4999], shape)) * scale
    v = v.astype(np.float32).reshape(-1)
    v[:3] = [-0.0, 1e-45, -1e-45]
    return v.reshape(shape)


def test_every_case_matches_tflm(compiled):
    cases, program = compiled
    rng = np.random.default_rng(13)
    for case in cases:
        (_, _, shape), = case.inputs
        op, name = case.name.split("_", 1)
        batches = [[_input(rng, op, shape, QUANTS[name][0])] for _ in range(100)]
        ours = program.run(case.name, batches)
        ref = tflm_outputs(case.model_bytes, batches)
        for a, b in zip(ours, ref):
            a, b = np.ascontiguousarray(a[0]), np.ascontiguousarray(b[0])
            assert a.dtype == b.dtype and np.array_equal(a.view(np.uint8), b.view(np.uint8)), case.name
