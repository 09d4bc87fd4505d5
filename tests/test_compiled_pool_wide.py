"""Compiled runtime: AVERAGE_POOL_2D and MAX_POOL_2D of int16 and float32 tensors against tflite-micro, bit for bit.

SAME/VALID, strides 1-3, windows clipped at every border, asymmetric filters, batches, fused activations;
int16 over its whole range (averages rounded half away from zero, negative sums), float32 with -0.0,
infinities, NaN and denormals (compared as bits).  100 random inputs per case, one host program.
"""

from __future__ import annotations

import numpy as np
import pytest

from compiled_ops_harness import Case, assert_cases_match_tflm, compile_cases, lower_single, random_batches
from test_compiled_conv_wide import random_input
from tflite_builder import ModelBuilder

from codegen.compiled.lowering import NotLowerable


def wide_pool_model(kind, dtype, in_shape=(1, 9, 7, 5), filter=(3, 3), padding="VALID", stride=(2, 2),
                    activation="NONE", scale=0.003):
    n, h, w, c = in_shape
    out_hw = [(s + st - 1) // st if padding == "SAME" else (s + st - f) // st
              for s, st, f in zip((h, w), stride, filter)]
    b = ModelBuilder()
    quant = dict(scale=scale, zero_point=0) if dtype == "int16" else {}
    x = b.tensor("x", in_shape, dtype, **quant)
    y = b.tensor("y", (n, *out_hw, c), dtype, **quant)
    b.op(kind, [x], [y], version=3 if dtype == "int16" else 1,
         options={"type": "pool2d", "padding": padding, "stride_h": stride[0], "stride_w": stride[1],
                  "filter_h": filter[0], "filter_w": filter[1], "activation": activation})
    return b.build(inputs=[x], outputs=[y])


CASES = {
    "valid_s2": dict(),
    "same_s1_relu": dict(padding="SAME", stride=(1, 1), activation="RELU"),
    "same_s3_4x2_relu6": dict(in_shape=(2, 10, 11, 3), filter=(4, 2), padding="SAME", stride=(3, 3),
                              activation="RELU6"),
    "global_like": dict(in_shape=(1, 6, 5, 7), filter=(6, 5), stride=(1, 1)),
    "same_5x5_n1": dict(in_shape=(1, 7, 8, 2), filter=(5, 5), padding="SAME", stride=(2, 1),
                        activation="RELU_N1_TO_1", scale=1e-4),
}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    cases = [Case(f"{kind}_{dtype}_{name}", wide_pool_model(kind, dtype, **kw))
             for kind in ("AVERAGE_POOL_2D", "MAX_POOL_2D") for dtype in ("int16", "float32")
             for name, kw in CASES.items()]
    return compile_cases(cases, tmp_path_factory, "pool_wide")


def test_every_case_matches_tflm(compiled):
    rng = np.random.default_rng(7)
    assert_cases_match_tflm(compiled, lambda case: random_batches(rng, case, random_input))


def test_refusals():
    with pytest.raises(NotLowerable, match="fused TANH"):
        lower_single(wide_pool_model("MAX_POOL_2D", "float32", activation="TANH"))
    assert lower_single(wide_pool_model("AVERAGE_POOL_2D", "int16")).function == "an_avg_pool2d_s16"
