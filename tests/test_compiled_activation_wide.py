"""Compiled runtime: int16 and float32 LOGISTIC, TANH, LEAKY_RELU and float32 HARD_SWISH, ELU against
tflite-micro, bit for bit (an_activation_wide.c).

int16 LOGISTIC/TANH over input scales that TFLM treats as a power of two (2^-12; TANH also 2^-11) and
general ones (tiny, coarse, the stock converter's max/32767); every int16 value once plus 100 random inputs
per case.  int16 LEAKY_RELU: alphas negative, < 1, > 1, zero points non-zero.  float32: 100 random inputs
with infinities, NaN, -0.0, denormals and the cut-offs (LOGISTIC's 16.619047 and -9), compared as bits.
One host program for all cases.
"""

from __future__ import annotations

import numpy as np
import pytest

from compiled_ops_harness import Case, assert_cases_match_tflm, compile_cases, lower_single, random_batches
from test_compiled_conv_wide import random_input
from tflite_builder import ModelBuilder

from codegen.compiled.lowering import NotLowerable

SHAPE = (2, 3, 11)
ALL_INT16 = np.arange(-32768, 32768, dtype=np.int16).reshape(64, 1024)


def unary(op, dtype, shape=SHAPE, in_q=None, out_q=None, options=None):
    b = ModelBuilder()
    qi = dict(scale=in_q[0], zero_point=in_q[1]) if in_q else {}
    qo = dict(scale=out_q[0], zero_point=out_q[1]) if out_q else {}
    x = b.tensor("x", shape, dtype, **qi)
    y = b.tensor("y", shape, dtype, **qo)
    b.op(op, [x], [y], version=2 if dtype == "int16" else 1, options=options)
    return b.build(inputs=[x], outputs=[y])


OUT16 = (1.0 / 32768, 0)
SIGMOID_SCALES = {"pot12": 2.0 ** -12, "pot11": 2.0 ** -11, "pot10": 2.0 ** -10, "general": 0.00037,
                  "stock": 7.3 / 32767, "tiny": 1e-7, "coarse": 0.3}


def _cases():
    cases = []
    for op in ("LOGISTIC", "TANH"):
        for name, scale in SIGMOID_SCALES.items():
            cases.append(Case(f"{op}_s16_{name}", unary(op, "int16", in_q=(scale, 0), out_q=OUT16)))
            cases.append(Case(f"{op}_s16_{name}_all", unary(op, "int16", ALL_INT16.shape, (scale, 0), OUT16)))
    for alpha in (-0.7, 0.01, 0.2, 1.5):
        for in_q, out_q in (((0.001, 0), (0.001, 0)), ((0.0013, 17), (0.0007, -300)), ((0.02, -5), (0.5, 3))):
            cases.append(Case(f"LEAKY_RELU_s16_{alpha}_{in_q}_{out_q}",
                              unary("LEAKY_RELU", "int16", in_q=in_q, out_q=out_q,
                                    options={"type": "leaky_relu", "alpha": alpha})))
    for op in ("LOGISTIC", "TANH", "HARD_SWISH", "ELU"):
        cases.append(Case(f"{op}_f32", unary(op, "float32")))
    for alpha in (0.2, -1.25):
        cases.append(Case(f"LEAKY_RELU_f32_{alpha}", unary("LEAKY_RELU", "float32",
                                                           options={"type": "leaky_relu", "alpha": alpha})))
    return cases


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    return compile_cases(_cases(), tmp_path_factory, "activation_wide")


def test_every_case_matches_tflm(compiled):
    rng = np.random.default_rng(19)

    def batches(case):
        (_, dtype, shape), = case.inputs
        if case.name.endswith("_all"):
            return [[ALL_INT16]]
        batches = random_batches(rng, case, random_input)
        if dtype == "float32":  # the cut-offs and the values around them
            edges = np.array([16.619047, 16.619048, 16.62, -9.0, -9.000001, -8.999999, -3.0, -3.0000002,
                              3.0, 0.0, -0.0, 88.7, -88.7, -104.0, 1e-45, -1e-45, np.inf, -np.inf, np.nan,
                              20.0, -20.0, 1.0, -1.0, 0.5, -0.5, 7.0, -7.0, 2.5, -2.5, 1e-8, -1e-8, 6.0,
                              -6.0], np.float32)
            batches.append([np.resize(edges, shape)])
        return batches

    assert_cases_match_tflm(compiled, batches, arena_size=1 << 20)


@pytest.mark.parametrize("in_q,out_q,reason", [((0.001, 3), OUT16, "zero points"),
                                                ((0.001, 0), (1.0 / 256, 0), "2\\^-15")])
def test_int16_sigmoid_quantization_tflm_refuses_is_refused(in_q, out_q, reason):
    with pytest.raises(NotLowerable, match=reason):
        lower_single(unary("LOGISTIC", "int16", in_q=in_q, out_q=out_q))


def test_int16_hard_swish_is_refused_as_tflm_refuses_it():
    with pytest.raises(NotLowerable, match="int16"):
        lower_single(unary("HARD_SWISH", "int16", in_q=(0.001, 0), out_q=(0.001, 0)))
