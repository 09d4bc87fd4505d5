"""Compiled runtime: the int8 operators that are a function of one byte, against the tflite-micro interpreter.

LOGISTIC, TANH, RELU, RELU6, HARD_SWISH, LEAKY_RELU (alphas negative, 0, < 1 and > 1), ELU,
QUANTIZE and DEQUANTIZE: every one of the 256
input bytes (so every table entry) for many input/output quantizations, extreme scales
included, plus 100 random inputs of an odd shape; float -> int8 QUANTIZE on 100 random
inputs with exact .5 ties.  Outputs must equal the interpreter's byte for byte.  All
cases are compiled into one host program (tests/compiled_ops_harness.py).
"""

from __future__ import annotations

import numpy as np
import pytest

from compiled_ops_harness import (Case, CompiledCases, aliased_input, lower_single, output_bits, require_tools,
                                  tflm_outputs)
from tflite_builder import ModelBuilder

from codegen.compiled.lowering import NotLowerable

ALL_BYTES = np.arange(-128, 128, dtype=np.int8).reshape(1, 16, 16)
ODD_SHAPE = (1, 7, 3, 5)
INPUT_QUANTS = [(0.1, 0), (0.0123, -17), (1.7, 100), (1e-4, 5), (0.5, -128), (0.02, 127), (8.0, -3), (3e-6, 0)]
# (op, output scale, output zero point): LOGISTIC needs zero point -128 (TFLM's rule)
UNARY_OUTPUTS = [("LOGISTIC", 1 / 256, -128), ("TANH", 1 / 128, 0), ("RELU", 0.05, -128), ("RELU", 0.7, 10),
                 ("RELU6", 0.03, -128), ("HARD_SWISH", 0.02, -30), ("HARD_SWISH", 0.2, 5),
                 ("HARD_SWISH", 1e-3, -128), ("ELU", 0.05, 20), ("ELU", 0.004, -128), ("ELU", 3.0, 0)]
LEAKY_ALPHAS = [0.2, -0.5, 0.0, 1.7, 0.01]
LEAKY_OUTPUTS = [(0.05, -3), (0.9, 60), (2e-4, -128)]
# exact-tie products (x * in * alpha / out = k + 1/2), where rounding details show; None: no options (alpha 0)
LEAKY_TIES = [(-0.5, (0.1, 0), (0.1, -128)), (-0.25, (0.05, 7), (0.1, 5)), (1.5, (0.1, -20), (0.2, 0)),
              (-0.5, (0.0123, -17), (2e-4, -128)), (None, (0.1, 3), (0.05, -1))]
REQUANT_OUTPUTS = [(0.1, 0), (0.05, 3), (2.3, -100), (1e-3, 0)]


def unary_model(op, shape, in_dtype, in_q, out_dtype, out_q, version=2, options=None):
    b = ModelBuilder()
    x = b.tensor("x", shape, in_dtype, scale=in_q[0] if in_q else None, zero_point=in_q[1] if in_q else None)
    y = b.tensor("y", shape, out_dtype, scale=out_q[0] if out_q else None, zero_point=out_q[1] if out_q else None)
    b.op(op, [x], [y], version=version, options=options)
    return b.build(inputs=[x], outputs=[y])


def _cases():
    cases = []
    for op, out_scale, out_zp in UNARY_OUTPUTS:
        for in_q in INPUT_QUANTS:
            if op == "HARD_SWISH" and in_q[0] / 128 >= out_scale:
                continue  # TFLM's prepare refuses a positive output exponent (tested below)
            name = f"{op}-in{in_q}-out{(out_scale, out_zp)}"
            cases.append(Case(name, unary_model(op, ALL_BYTES.shape, "int8", in_q, "int8", (out_scale, out_zp))))
            cases.append(Case(name + "-odd", unary_model(op, ODD_SHAPE, "int8", in_q, "int8", (out_scale, out_zp))))
    for i, alpha in enumerate(LEAKY_ALPHAS):
        options = {"type": "leaky_relu", "alpha": alpha}
        for j, in_q in enumerate(INPUT_QUANTS):
            out_q = LEAKY_OUTPUTS[(i + j) % len(LEAKY_OUTPUTS)]
            name = f"LEAKY_RELU-alpha{alpha}-in{in_q}-out{out_q}"
            cases.append(Case(name, unary_model("LEAKY_RELU", ALL_BYTES.shape, "int8", in_q, "int8", out_q,
                                                version=1, options=options)))
            cases.append(Case(name + "-odd", unary_model("LEAKY_RELU", ODD_SHAPE, "int8", in_q, "int8", out_q,
                                                         version=1, options=options)))
    for alpha, in_q, out_q in LEAKY_TIES:
        options = None if alpha is None else {"type": "leaky_relu", "alpha": alpha}
        for shape, suffix in ((ALL_BYTES.shape, ""), (ODD_SHAPE, "-odd")):
            cases.append(Case(f"LEAKY_RELU-tie-alpha{alpha}-in{in_q}-out{out_q}{suffix}",
                              unary_model("LEAKY_RELU", shape, "int8", in_q, "int8", out_q, version=1,
                                          options=options)))
    for in_q in INPUT_QUANTS:
        cases.append(Case(f"DEQUANTIZE-in{in_q}", unary_model("DEQUANTIZE", ALL_BYTES.shape, "int8", in_q,
                                                              "float32", None)))
        for out_q in REQUANT_OUTPUTS:
            cases.append(Case(f"QUANTIZE-in{in_q}-out{out_q}",
                              unary_model("QUANTIZE", ALL_BYTES.shape, "int8", in_q, "int8", out_q)))
    for out_q in REQUANT_OUTPUTS + [(1e-5, -7), (40.0, 127)]:
        cases.append(Case(f"QUANTIZE-float-out{out_q}",
                          unary_model("QUANTIZE", ODD_SHAPE, "float32", None, "int8", out_q, version=1)))
    return cases


CASES = _cases()


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    require_tools()
    return CompiledCases(CASES, tmp_path_factory.mktemp("compiled_lut"))


def _inputs(case, rng):
    if case.name.startswith("QUANTIZE-float"):
        out_scale = float(case.name.split("out(")[1].split(",")[0])
        batches = [[(rng.standard_normal(ODD_SHAPE) * out_scale * rng.choice([1, 10, 100, 1000]))
                    .astype(np.float32)] for _ in range(100)]
        ties = (rng.integers(-300, 300, ODD_SHAPE) + 0.5).astype(np.float32) * np.float32(out_scale)
        return batches + [[ties.astype(np.float32)]]
    if case.name.endswith("-odd"):
        return [[rng.integers(-128, 128, ODD_SHAPE, dtype=np.int8)] for _ in range(100)]
    return [[ALL_BYTES]]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_matches_tflm(compiled, case):
    batches = _inputs(case, np.random.default_rng(len(case.name)))
    expected = tflm_outputs(case.model_bytes, batches)
    got = compiled.run(case.name, batches)
    for run, (e, g) in enumerate(zip(expected, got)):
        np.testing.assert_array_equal(output_bits(g[0]), output_bits(e[0]), err_msg=f"run {run}")


def test_unary_ops_run_in_place():
    model = unary_model("HARD_SWISH", (1, 4), "int8", (0.1, 0), "int8", (0.1, 0))
    assert aliased_input(model) == 0 and lower_single(model).function == "an_lut_s8"


def test_logistic_refuses_other_output_zero_point():
    with pytest.raises(NotLowerable, match="zero point"):
        lower_single(unary_model("LOGISTIC", (1, 4), "int8", (0.1, 0), "int8", (1 / 256, 0)))


def test_int16_goes_to_the_wide_kernels_hard_swish_int16_is_refused():
    """int16 TANH runs in an_activation_wide.c (tests/test_compiled_activation_wide.py); int16 HARD_SWISH, which
    TFLM lacks, is refused."""
    assert lower_single(unary_model("TANH", (1, 4), "int16", (1 / 4096, 0), "int16", (1 / 32768, 0))).function \
        == "an_tanh_s16"
    with pytest.raises(NotLowerable, match="int16"):
        lower_single(unary_model("HARD_SWISH", (1, 4), "int16", (1 / 4096, 0), "int16", (1 / 4096, 0)))


def test_hard_swish_refuses_what_tflm_refuses():
    with pytest.raises(NotLowerable, match="HARD_SWISH"):
        lower_single(unary_model("HARD_SWISH", (1, 4), "int8", (0.5, 0), "int8", (1e-3, 0)))
