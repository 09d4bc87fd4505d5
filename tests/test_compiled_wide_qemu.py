"""The compiled runtime's float32 and 16x8 kernels on a Cortex-M4F in QEMU (mps2-an386), bit for bit.

The corpus's dense autoencoder in float32 (FULLY_CONNECTED on the FPU: the hard-float build
the board uses, fpv4-sp-d16) and in 16x8 (int16 activations, int64 accumulators), a few random
inputs each (the host tests cover the kernels' cases with 100 inputs), against tflite-micro; and the
corpus's small CNN in float32 and 16x8 (CONV_2D, DEPTHWISE_CONV_2D: an_conv_wide.c on the FPU / in int64).
"""

from __future__ import annotations

import pytest

import compiled_qemu
from tests.conftest import model_path


@pytest.mark.parametrize("name", ["autoencoder_float", "autoencoder_int16x8", "small_cnn_float", "small_cnn_int16x8"])
def test_wide_model_on_cortex_m4f_matches_tflm(name):
    missing = compiled_qemu.tools_missing()
    if missing:
        pytest.skip(missing)
    from codegen.compiled.host import random_samples
    from converter.tflite_model import load_model

    model = load_model(model_path(name))
    result = compiled_qemu.outputs_with_tflm(model, random_samples(model, 3, seed=17), dsp=True, fpu=True)
    compiled_qemu.assert_same_outputs(result, f"{name} on the M4F", 3)
