"""Compiled runtime: PAD / PADV2 of int16, int32 and float32 and RESIZE_NEAREST_NEIGHBOR of int16 and float32
against tflite-micro, bit for bit (an_resize_pad_wide.c).

PAD: paddings on every dimension, on none, image style (4-D, batch and channels unpadded), 1-D and 5-D;
int16 with a non-zero zero point (TFLM pads with 0 all the same); PADV2 with a constant value (float -0.0 and
NaN patterns copied as bits).  RESIZE: up and down, odd sizes, align_corners and half_pixel_centers.  100 random
inputs per case (float: infinities, NaN, denormals), one host program.
"""

from __future__ import annotations

import numpy as np
import pytest

from compiled_ops_harness import Case, assert_cases_match_tflm, compile_cases, lower_single, random_batches
from test_compiled_conv_wide import random_input
from tflite_builder import ModelBuilder

from codegen.compiled.lowering import NotLowerable

Q16 = dict(scale=0.002, zero_point=0)


def _quant(dtype, zero_point=0):
    return dict(scale=0.002, zero_point=zero_point) if dtype == "int16" else {}


def pad_model(dtype, shape, paddings, constant=None, zero_point=0):
    b = ModelBuilder()
    x = b.tensor("x", shape, dtype, **_quant(dtype, zero_point))
    p = b.tensor("paddings", (len(shape), 2), "int32", data=np.array(paddings, np.int32).tobytes())
    ins = [x, p]
    if constant is not None:
        np_type = {"int16": np.int16, "int32": np.int32, "float32": np.float32}[dtype]
        ins.append(b.tensor("value", (), dtype, **_quant(dtype, zero_point),
                            data=np.array([constant], np_type).tobytes()))
    out_shape = tuple(d + lo + hi for d, (lo, hi) in zip(shape, paddings))
    y = b.tensor("y", out_shape, dtype, **_quant(dtype, zero_point))
    b.op("PADV2" if constant is not None else "PAD", ins, [y], version=2)
    return b.build(inputs=[x], outputs=[y])


def resize_model(dtype, in_shape, out_hw, align_corners=False, half_pixel_centers=False):
    b = ModelBuilder()
    x = b.tensor("x", in_shape, dtype, **_quant(dtype))
    size = b.tensor("size", (2,), "int32", data=np.array(out_hw, np.int32).tobytes())
    y = b.tensor("y", (in_shape[0], *out_hw, in_shape[3]), dtype, **_quant(dtype))
    b.op("RESIZE_NEAREST_NEIGHBOR", [x, size], [y], version=4,
         options={"type": "resize_nearest_neighbor", "align_corners": align_corners,
                  "half_pixel_centers": half_pixel_centers})
    return b.build(inputs=[x], outputs=[y])


PADS = [((1, 3, 5, 2), [[0, 0], [1, 2], [2, 1], [0, 0]]), ((2, 3, 4), [[1, 0], [0, 0], [0, 3]]),
        ((7,), [[2, 5]]), ((1, 2, 3, 2, 2), [[0, 1], [1, 0], [0, 0], [2, 1], [0, 1]]), ((3, 4), [[0, 0], [0, 0]])]
RESIZES = [((1, 3, 3, 2), (6, 6), False, False), ((2, 5, 4, 3), (3, 7), False, True), ((1, 4, 6, 1), (7, 3), True,
                                                                                        False),
           ((1, 2, 3, 5), (5, 5), False, False)]


def _cases():
    cases = []
    for dtype in ("int16", "int32", "float32"):
        for k, (shape, paddings) in enumerate(PADS):
            cases.append(Case(f"PAD-{dtype}-{k}", pad_model(dtype, shape, paddings)))
        constants = {"int16": -1234, "int32": 77777, "float32": -0.0}
        cases.append(Case(f"PADV2-{dtype}", pad_model(dtype, *PADS[0], constant=constants[dtype])))
    cases.append(Case("PAD-int16-zp", pad_model("int16", *PADS[1], zero_point=100)))
    cases.append(Case("PADV2-float32-nan", pad_model("float32", *PADS[2], constant=np.nan)))
    cases.append(Case("PADV2-float32-value", pad_model("float32", *PADS[3], constant=2.5)))
    for dtype in ("int16", "float32"):
        for k, (shape, hw, align, half) in enumerate(RESIZES):
            cases.append(Case(f"RESIZE-{dtype}-{k}", resize_model(dtype, shape, hw, align, half)))
    return cases


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    return compile_cases(_cases(), tmp_path_factory, "resize_pad_wide")


def test_every_case_matches_tflm(compiled):
    rng = np.random.default_rng(7)

    def make(rng, shape, dtype):
        if dtype == "int32":
            return rng.integers(-2**31, 2**31, shape, dtype=np.int64).astype(np.int32)
        return random_input(rng, shape, dtype)

    assert_cases_match_tflm(compiled, lambda case: random_batches(rng, case, make))


def test_pad_value_of_another_type_is_refused():
    b = ModelBuilder()
    x = b.tensor("x", (2, 3), "float32")
    p = b.tensor("paddings", (2, 2), "int32", data=np.array([[1, 1], [0, 0]], np.int32).tobytes())
    v = b.tensor("value", (), "int32", data=np.array([1], np.int32).tobytes())
    y = b.tensor("y", (4, 3), "float32")
    b.op("PADV2", [x, p, v], [y], version=2)
    with pytest.raises(NotLowerable, match="int32"):
        lower_single(b.build(inputs=[x], outputs=[y]))
