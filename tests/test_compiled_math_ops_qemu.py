"""The math / reduce operators of issue 19 on a Cortex-M4F in QEMU (mps2-an386), bit for bit with tflite-micro.

Two chains, a few random inputs each (the host tests cover each kernel's cases with 100 inputs):
- int8: RESIZE_BILINEAR (half-pixel) -> REDUCE_MIN -> CUMSUM (exclusive, requantized) -> LOG_SOFTMAX -> ADD_N,
  DSP build;
- float32: RESIZE_BILINEAR (align_corners) -> L2_POOL_2D -> FLOOR_MOD -> ROUND -> FLOOR_DIV -> CEIL -> REDUCE_MAX,
  the hard-float build the board uses (fpv4-sp-d16).
"""

from __future__ import annotations

import numpy as np
import pytest

import compiled_qemu
from tflite_builder import ModelBuilder


def _const(b, name, values, dtype):
    values = np.asarray(values, dtype=dtype)
    return b.tensor(name, values.shape, {np.int32: "int32", np.float32: "float32"}[dtype], data=values.tobytes())


def int8_chain() -> bytes:
    b = ModelBuilder()
    q = dict(scale=0.05, zero_point=-3)
    x = b.tensor("x", (1, 4, 5, 3), "int8", **q)
    resized = b.tensor("resized", (1, 7, 9, 3), "int8", **q)
    b.op("RESIZE_BILINEAR", [x, _const(b, "size", [7, 9], np.int32)], [resized],
         options={"type": "resize_bilinear", "half_pixel_centers": True})
    low = b.tensor("low", (1, 7, 3), "int8", **q)
    b.op("REDUCE_MIN", [resized, _const(b, "axis2", [2], np.int32)], [low], options={"type": "reducer"})
    summed = b.tensor("summed", (1, 7, 3), "int8", scale=0.2, zero_point=5)
    b.op("CUMSUM", [low, _const(b, "axis1", [1], np.int32)], [summed],
         options={"type": "cumsum", "exclusive": True})
    logs = b.tensor("logs", (1, 7, 3), "int8", scale=16 / 256, zero_point=127)
    b.op("LOG_SOFTMAX", [summed], [logs])
    y = b.tensor("y", (1, 7, 3), "int8", scale=0.1, zero_point=-10)
    b.op("ADD_N", [logs, logs, logs], [y])
    return b.build(inputs=[x], outputs=[y])


def float_chain() -> bytes:
    b = ModelBuilder()
    x = b.tensor("x", (1, 4, 5, 2), "float32")
    resized = b.tensor("resized", (1, 6, 7, 2), "float32")
    b.op("RESIZE_BILINEAR", [x, _const(b, "size", [6, 7], np.int32)], [resized],
         options={"type": "resize_bilinear", "align_corners": True})
    pooled = b.tensor("pooled", (1, 5, 6, 2), "float32")
    b.op("L2_POOL_2D", [resized], [pooled], options={"type": "pool2d", "filter": 2, "stride": 1})
    mod = b.tensor("mod", (1, 5, 6, 2), "float32")
    b.op("FLOOR_MOD", [pooled, _const(b, "divisor", [0.37, -0.21], np.float32)], [mod])
    rounded = b.tensor("rounded", (1, 5, 6, 2), "float32")
    b.op("ROUND", [mod], [rounded])
    quotient = b.tensor("quotient", (1, 5, 6, 2), "float32")
    b.op("FLOOR_DIV", [pooled, _const(b, "step", [0.3], np.float32)], [quotient])
    ceiled = b.tensor("ceiled", (1, 5, 6, 2), "float32")
    b.op("CEIL", [quotient], [ceiled])
    total = b.tensor("total", (1, 5, 6, 2), "float32")
    b.op("ADD", [ceiled, rounded], [total], options={"type": "add"})
    y = b.tensor("y", (1, 5, 2), "float32")
    b.op("REDUCE_MAX", [total, _const(b, "axis", [2], np.int32)], [y], options={"type": "reducer"})
    return b.build(inputs=[x], outputs=[y])


@pytest.mark.parametrize("name", ["int8", "float32"])
def test_math_ops_chain_on_cortex_m4f_matches_tflm(name):
    missing = compiled_qemu.tools_missing()
    if missing:
        pytest.skip(missing)
    from codegen.compiled.host import random_samples, run_tflm_batch
    from converter.tflite_model import load_model

    model = load_model(int8_chain() if name == "int8" else float_chain())
    samples = random_samples(model, 4, seed=29)
    if name == "float32":
        samples = [[(s[0] * 3).astype(np.float32)] for s in samples]
    ours = compiled_qemu.run_model_on_m4(model, samples, dsp=True, fpu=name == "float32")
    for got, (expected,) in zip(ours, run_tflm_batch(model, samples)):
        assert np.array_equal(np.ascontiguousarray(got).view(np.uint8),
                              np.ascontiguousarray(expected).reshape(got.shape).view(np.uint8)), (got, expected)
