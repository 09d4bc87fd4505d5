"""Compiled runtime: float32 SOFTMAX (TFLM's reference order, expf) against tflite-micro, bit for bit on the host.

Rows of odd depth (1, 7, 10, 33), beta 1 and beta 0.37, inputs from N(0, 1) and N(0, 30) (large
differences: exp underflows to 0 for most of the row); through the driver and the host build.
"""

from __future__ import annotations

import numpy as np
import pytest

from compiled_ops_harness import require_tools
from tflite_builder import ModelBuilder

from codegen.compiled.generate import compile_model
from codegen.compiled.host import run_on_host_batch, run_tflm_batch
from converter.tflite_model import load_model


def softmax_model(shape, beta):
    b = ModelBuilder()
    x = b.tensor("x", shape, "float32")
    y = b.tensor("y", shape, "float32")
    b.op("SOFTMAX", [x], [y], options={"type": "softmax", "beta": beta})
    return b.build(inputs=[x], outputs=[y])


@pytest.mark.parametrize("shape,beta,spread", [((3, 10), 1.0, 1.0), ((2, 7), 0.37, 30.0), ((1, 33), 1.0, 30.0),
                                               ((4, 1), 1.0, 5.0)])
def test_float_softmax_matches_tflm_bit_for_bit(shape, beta, spread):
    require_tools()
    model = load_model(softmax_model(shape, beta))
    assert [s.function for s in compile_model(model).program.steps] == ["an_softmax_f32"]
    rng = np.random.default_rng(3)
    samples = [[(rng.standard_normal(shape) * spread).astype(np.float32)] for _ in range(100)]
    for (ours,), (ref,) in zip(run_on_host_batch(model, samples), run_tflm_batch(model, samples)):
        assert np.array_equal(np.ascontiguousarray(ours).view(np.uint32),
                              np.ascontiguousarray(ref).reshape(ours.shape).view(np.uint32))
