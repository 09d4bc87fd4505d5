"""The compiled runtime's int16 and float32 activation, softmax, reduction and padding kernels on a Cortex-M4F in
QEMU (mps2-an386, DSP, hard float), against tflite-micro.

Two builder models chain the operators a 16x8 or float conversion hits first: PAD -> LOGISTIC -> TANH ->
LEAKY_RELU -> MEAN -> SOFTMAX in int16 (an_resize_pad_wide.c, an_activation_wide.c, an_reduce.c,
an_softmax_s16.c: the DSP build's requantization), and PAD -> LOGISTIC -> TANH -> ELU -> HARD_SWISH -> MEAN ->
SOFTMAX in float32 (newlib's expf/tanhf/expm1f on the FPU).  A few random inputs each (the host tests cover
the kernels with 100+ inputs); int16 byte for byte, float32 bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest

import compiled_qemu
from tflite_builder import ModelBuilder

Q15 = dict(scale=1.0 / 32768, zero_point=0)


def chain_model(dtype):
    b = ModelBuilder()
    q = (lambda scale: dict(scale=scale, zero_point=0)) if dtype == "int16" else (lambda scale: {})
    x = b.tensor("x", (1, 5, 6, 3), dtype, **q(8.0 / 32768))
    paddings = b.tensor("paddings", (4, 2), "int32",
                        data=np.array([[0, 0], [1, 0], [0, 2], [0, 0]], np.int32).tobytes())
    p = b.tensor("padded", (1, 6, 8, 3), dtype, **q(8.0 / 32768))
    b.op("PAD", [x, paddings], [p], version=2)
    s = b.tensor("sigmoid", (1, 6, 8, 3), dtype, **q(1.0 / 32768))
    b.op("LOGISTIC", [p], [s], version=2)
    t = b.tensor("tanh", (1, 6, 8, 3), dtype, **q(1.0 / 32768))
    b.op("TANH", [s], [t], version=2)
    if dtype == "int16":
        a = b.tensor("leaky", (1, 6, 8, 3), dtype, **q(1.0 / 32768))
        b.op("LEAKY_RELU", [t], [a], version=2, options={"type": "leaky_relu", "alpha": 0.3})
    else:
        e = b.tensor("elu", (1, 6, 8, 3), dtype)
        b.op("ELU", [t], [e])
        a = b.tensor("hard_swish", (1, 6, 8, 3), dtype)
        b.op("HARD_SWISH", [e], [a])
    axes = b.tensor("axes", (2,), "int32", data=np.array([1, 2], np.int32).tobytes())
    m = b.tensor("mean", (1, 3), dtype, **q(1.0 / 32768))
    b.op("MEAN", [a, axes], [m], version=2, options={"type": "reducer", "keep_dims": False})
    y = b.tensor("y", (1, 3), dtype, **q(1.0 / 32768))
    b.op("SOFTMAX", [m], [y], version=3, options={"type": "softmax", "beta": 1.0})
    return b.build(inputs=[x], outputs=[y])


@pytest.mark.parametrize("dtype", ["int16", "float32"])
def test_activation_chain_on_cortex_m4f_matches_tflm(dtype):
    missing = compiled_qemu.tools_missing()
    if missing:
        pytest.skip(missing)
    from codegen.compiled.host import assert_matches_tflm, random_samples
    from converter.tflite_model import load_model

    model = load_model(chain_model(dtype))
    assert assert_matches_tflm(model, count=100, seed=5) == 100  # the host build first
    result = compiled_qemu.outputs_with_tflm(model, random_samples(model, 3, seed=29), dsp=True, fpu=True)
    compiled_qemu.assert_same_outputs(result, f"{dtype} chain on the M4F", 3)
