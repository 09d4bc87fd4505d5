"""Run-time data movement and selection on a Cortex-M4 in QEMU (mps2-an386), bit for bit with tflite-micro.

One int8 model through SPLIT -> GREATER (inputs quantized unlike each other) -> SELECT_V2 -> GATHER (constant
indices on an activation) -> UNPACK -> PACK, a few random inputs (the host tests cover each kernel's cases with
100 inputs), DSP build.
"""

from __future__ import annotations

import numpy as np
import pytest

import compiled_qemu
from tflite_builder import ModelBuilder


def data_ops_model() -> bytes:
    b = ModelBuilder()
    q = dict(scale=0.05, zero_point=3)
    x = b.tensor("x", (2, 6, 3), "int8", **q)
    axis = b.tensor("axis", (1,), "int32", data=np.array([1], np.int32).tobytes())
    left = b.tensor("left", (2, 3, 3), "int8", **q)
    right = b.tensor("right", (2, 3, 3), "int8", **q)
    b.op("SPLIT", [axis, x], [left, right], options={"type": "split", "num_splits": 2})
    bias = b.tensor("bias", (3,), "int8", scale=0.07, zero_point=-2,
                    data=np.array([-30, 0, 25], np.int8).tobytes())
    above = b.tensor("above", (2, 3, 3), "bool")
    b.op("GREATER", [left, bias], [above], version=2)
    chosen = b.tensor("chosen", (2, 3, 3), "int8", **q)
    b.op("SELECT_V2", [above, left, right], [chosen], version=2)
    order = b.tensor("order", (4,), "int32", data=np.array([2, 0, 0, 1], np.int32).tobytes())
    gathered = b.tensor("gathered", (2, 3, 4), "int8", **q)
    b.op("GATHER", [chosen, order], [gathered], options={"type": "gather", "axis": 2})
    rows = [b.tensor(f"row{k}", (3, 4), "int8", **q) for k in range(2)]
    b.op("UNPACK", [gathered], rows, options={"type": "unpack", "num": 2, "axis": 0})
    y = b.tensor("y", (3, 2, 4), "int8", **q)
    b.op("PACK", rows, [y], options={"type": "pack", "axis": 1, "values_count": 2})
    return b.build(inputs=[x], outputs=[y])


def test_data_ops_model_on_cortex_m4_matches_tflm():
    missing = compiled_qemu.tools_missing()
    if missing:
        pytest.skip(missing)
    from codegen.compiled.host import random_samples, run_tflm_batch
    from converter.tflite_model import load_model

    model = load_model(data_ops_model())
    samples = random_samples(model, 4, seed=23)
    ours = compiled_qemu.run_model_on_m4(model, samples, dsp=True)
    for got, (expected,) in zip(ours, run_tflm_batch(model, samples)):
        assert np.array_equal(got.reshape(-1), np.asarray(expected).reshape(-1))
