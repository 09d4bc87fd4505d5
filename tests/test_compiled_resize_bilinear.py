"""RESIZE_BILINEAR (int8, float32) in the compiled runtime against the tflite-micro interpreter: up- and
down-scaling, odd sizes, batches, align_corners, half_pixel_centers (where TFLM's integer path extrapolates at the
edges); 100 inputs per case, float32 bit for bit.  A constant input is resized at generation time; TFLM's
refusals (align_corners with half_pixel_centers, int16) are one-line refusals.
"""

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from compiled_ops_harness import assert_host_bits_equal  # noqa: E402
from tflite_builder import ModelBuilder  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler (cc)")


def bilinear_model(dtype, in_shape, size, align=False, half=False, constant_input=None):
    b = ModelBuilder()
    quant = dict(scale=0.05, zero_point=-7) if dtype in ("int8", "int16") else {}
    batches, _, _, depth = in_shape
    if constant_input is None:
        x = b.tensor("x", in_shape, dtype, **quant)
    else:
        x = b.tensor("x", in_shape, dtype, data=constant_input.tobytes(), **quant)
    s = b.tensor("size", (2,), "int32", data=np.array(size, np.int32).tobytes())
    y = b.tensor("y", (batches, *size, depth), dtype, **quant)
    b.op("RESIZE_BILINEAR", [x, s], [y], options={"type": "resize_bilinear", "align_corners": align,
                                                   "half_pixel_centers": half})
    return b, x, y


def model_bytes(*args, **kwargs):
    b, x, y = bilinear_model(*args, **kwargs)
    return b.build(inputs=[x], outputs=[y])


CASES = [
    ((1, 3, 4, 2), (6, 8), False, False),
    ((1, 3, 4, 2), (7, 5), False, True),
    ((2, 5, 3, 3), (9, 7), True, False),
    ((1, 8, 9, 1), (3, 4), False, False),
    ((1, 8, 9, 3), (3, 5), False, True),
    ((1, 6, 6, 2), (4, 11), True, False),
    ((1, 1, 5, 2), (1, 9), True, False),
    ((1, 4, 4, 5), (4, 4), False, True),
]


def _samples(dtype, shape, seed):
    rng = np.random.default_rng(seed)
    out = []
    for k in range(100):
        if dtype == "int8":
            x = rng.integers(-128, 128, shape).astype(np.int8)
            if k % 5 == 1:  # extremes next to each other: the extrapolated edges leave the int8 range
                x = np.where(rng.uniform(size=shape) < 0.5, -128, 127).astype(np.int8)
        else:
            x = (rng.standard_normal(shape) * 10.0 ** rng.uniform(-3, 3)).astype(np.float32)
            if k % 10 == 3:
                x.reshape(-1)[:4] = [np.inf, -0.0, np.nan, 3e38]
        out.append([x])
    return out


@pytest.mark.parametrize("dtype", ["int8", "float32"])
@pytest.mark.parametrize("in_shape,size,align,half", CASES,
                         ids=[f"{'x'.join(map(str, c[0]))}-to-{c[1][0]}x{c[1][1]}"
                              f"{'-align' if c[2] else ''}{'-half' if c[3] else ''}" for c in CASES])
def test_resize_bilinear_matches_tflm(dtype, in_shape, size, align, half):
    from converter.tflite_model import load_model

    model = load_model(model_bytes(dtype, in_shape, size, align, half))
    assert assert_host_bits_equal(model, _samples(dtype, in_shape, seed=sum(size))) == 100


@pytest.mark.parametrize("dtype", ["int8", "float32"])
def test_constant_input_is_resized_at_generation_time(dtype):
    from codegen.compiled.lower import lower_model
    from converter.tflite_model import load_model

    in_shape, size = (1, 3, 3, 2), (5, 4)
    values = _samples(dtype, in_shape, seed=1)[1][0]
    b, c, resized = bilinear_model(dtype, in_shape, size, half=True, constant_input=values)
    x = b.tensor("x", (1, *size, 2), dtype, **(dict(scale=0.05, zero_point=-7) if dtype == "int8" else {}))
    y = b.tensor("out", (1, *size, 2), dtype, **(dict(scale=0.1, zero_point=0) if dtype == "int8" else {}))
    b.op("ADD", [x, resized], [y], options={"type": "add"})
    model = load_model(b.build(inputs=[x], outputs=[y]))
    program = lower_model(model)
    assert [s.function for s in program.steps] == [f"an_add_{'s8' if dtype == 'int8' else 'f32'}"]
    assert assert_host_bits_equal(model, _samples(dtype, (1, *size, 2), seed=2)[:20]) == 20


@pytest.mark.parametrize("make,words", [
    (lambda: model_bytes("int8", (1, 3, 3, 1), (6, 6), align=True, half=True), "align_corners with half_pixel"),
    (lambda: model_bytes("int16", (1, 3, 3, 1), (6, 6)), "int16 tensors"),
], ids=["align-and-half", "int16"])
def test_refusals_are_one_line(make, words):
    from codegen.compiled.lower import CompiledRuntimeUnsupportedError, lower_model
    from converter.tflite_model import load_model

    with pytest.raises(CompiledRuntimeUnsupportedError) as info:
        lower_model(load_model(make()))
    assert words in str(info.value) and "\n" not in str(info.value)


def support_row_models() -> dict:
    """A builder model per listed type combination (tests/test_compiled_support.py)."""
    return {("RESIZE_BILINEAR", f"{d} -> {d}"): lambda d=d: model_bytes(d, (1, 3, 3, 2), (5, 4)) for d in
            ("int8", "float32")}
