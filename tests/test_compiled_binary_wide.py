"""Compiled runtime: ADD, SUB, MUL of int16 and float32 tensors against tflite-micro, bit for bit.

Every broadcast shape of test_compiled_binary.py (one or both inputs, lower rank, scalars, 5-D and 6-D),
fused RELU/RELU6/RELU_N1_TO_1, int16 scales that saturate, very different input scales, the whole int16
range; float32 inputs spanning 1e-30..1e30 with -0.0, infinities, NaN and denormals, compared as bits.
100 random inputs per case, all cases compiled into one host program.
"""

from __future__ import annotations

import numpy as np
import pytest

from compiled_ops_harness import Case, assert_cases_match_tflm, compile_cases, lower_single, random_batches
from test_compiled_binary import SHAPES
from test_compiled_conv_wide import random_input
from tflite_builder import ModelBuilder

from codegen.compiled.lowering import NotLowerable

S16_QUANTS = [  # (input1, input2, output) scales; 16x8 zero points are 0
    (0.001, 0.002, 0.003),
    (0.5, 0.5, 0.01),  # saturates
    (1e-4, 0.1, 0.05),  # very different input scales
    (3e-5, 2e-5, 1e-5),
]
ACTIVATIONS = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]


def wide_binary_model(op, shapes, dtype, scales=None, activation="NONE"):
    b = ModelBuilder()
    quant = [dict(scale=s, zero_point=0) for s in scales] if dtype == "int16" else [{}] * 3
    x1 = b.tensor("x1", shapes[0], dtype, **quant[0])
    x2 = b.tensor("x2", shapes[1], dtype, **quant[1])
    y = b.tensor("y", shapes[2], dtype, **quant[2])
    b.op(op, [x1, x2], [y], version=4 if dtype == "int16" else 1, options={"type": op.lower(), "activation": activation})
    return b.build(inputs=[x1, x2], outputs=[y])


def _cases():
    cases = []
    for op in ("ADD", "SUB", "MUL"):
        for k, shapes in enumerate(SHAPES):
            activation = ACTIVATIONS[k % len(ACTIVATIONS)]
            cases.append(Case(f"{op}_s16_{k}", wide_binary_model(op, shapes, "int16", S16_QUANTS[k % len(S16_QUANTS)],
                                                                 activation)))
            cases.append(Case(f"{op}_f32_{k}", wide_binary_model(op, shapes, "float32", activation=activation)))
    return cases


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    return compile_cases(_cases(), tmp_path_factory, "binary_wide")


def test_every_case_matches_tflm(compiled):
    rng = np.random.default_rng(3)
    assert_cases_match_tflm(compiled, lambda case: random_batches(rng, case, random_input))


def test_refusals():
    shapes = ((3,), (3,), (3,))
    with pytest.raises(NotLowerable, match="fused TANH"):
        lower_single(wide_binary_model("ADD", shapes, "float32", activation="TANH"))
    with pytest.raises(NotLowerable, match="output multiplier"):  # TFLM's QuantizeMultiplierSmallerThanOneExp
        lower_single(wide_binary_model("ADD", shapes, "int16", (0.5, 0.5, 1e-6)))
