"""Compiled runtime: RELU and RELU6 of int16 and float32 tensors against tflite-micro, bit for bit.

int16 RELU with output scales below, equal to and above the input's (left and right shifts, saturation),
RELU6 with six inside int16 and at its edge; float32 with -0.0, infinities, NaN and denormals (compared
as bits).  100 random inputs per case over the whole int16 range, one host program.
"""

from __future__ import annotations

import numpy as np
import pytest

from compiled_ops_harness import Case, assert_cases_match_tflm, compile_cases, lower_single, random_batches
from test_compiled_conv_wide import random_input
from tflite_builder import ModelBuilder

from codegen.compiled.lowering import NotLowerable


def relu_model(op, dtype, shape=(2, 5, 7), in_scale=0.001, out_scale=0.001):
    b = ModelBuilder()
    x = b.tensor("x", shape, dtype, **(dict(scale=in_scale, zero_point=0) if dtype == "int16" else {}))
    y = b.tensor("y", shape, dtype, **(dict(scale=out_scale, zero_point=0) if dtype == "int16" else {}))
    b.op(op, [x], [y], version=3 if dtype == "int16" else 1)
    return b.build(inputs=[x], outputs=[y])


S16 = {"same": (0.001, 0.001), "finer_out": (0.002, 0.0007), "coarser_out": (0.003, 0.01),
       "saturating": (0.5, 0.001), "six_at_edge": (6.0 / 32767, 6.0 / 32767), "tiny": (1e-6, 3e-4)}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    cases = [Case(f"{op}_s16_{name}", relu_model(op, "int16", in_scale=a, out_scale=b if op == "RELU" else a))
             for op in ("RELU", "RELU6") for name, (a, b) in S16.items() if op == "RELU" or a * 32767 >= 6.0]
    cases += [Case(f"{op}_f32", relu_model(op, "float32", shape=(3, 37))) for op in ("RELU", "RELU6")]
    return compile_cases(cases, tmp_path_factory, "relu_wide")


def test_every_case_matches_tflm(compiled):
    rng = np.random.default_rng(9)

    def batches(case):
        (_, dtype, shape), = case.inputs
        batches = random_batches(rng, case, random_input)
        if dtype == "float32":  # values around 0 and 6 too
            batches.append([np.array([-0.0, 0.0, 6.0, 5.9999995, 6.0000005, -1e-45] * 18 + [np.nan] * 3,
                                     np.float32).reshape(shape)])
        return batches

    assert_cases_match_tflm(compiled, batches)


def test_relu6_six_outside_int16_is_refused():
    with pytest.raises(NotLowerable, match="six"):
        lower_single(relu_model("RELU6", "int16", in_scale=1e-5, out_scale=1e-5))
