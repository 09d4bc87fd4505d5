"""ResNet-8 (the corpus's, and the shared MLPerf one when present: ADD of residual branches, CONV_2D, AVERAGE_POOL_2D, FULLY_CONNECTED,
SOFTMAX) and the AttendNet-like attention model through the compiled runtime == tflite-micro.

Host (plain C): 100 random inputs.  Cortex-M4 in QEMU (tests/compiled_qemu.py): two
inputs, ResNet-8 on the DSP path, the attention model on the DSP and the plain-C path, so
the element-wise kernels are also checked as arm-none-eabi-gcc compiles them.
"""

import shutil

import numpy as np
import pytest

from tests import compiled_qemu
from tests.conftest import model_path, shared_present

RESNETS = ["resnet8_int8", *shared_present("pretrainedResnet_quant.tflite")]


def _resnet(name):
    from converter.tflite_model import load_model

    return load_model(model_path(name))


def _attention():
    from converter.tflite_model import load_model
    from tests.test_compiled_elem_models import attention_model

    return load_model(attention_model())


@pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler (cc)")
@pytest.mark.parametrize("name", RESNETS)
def test_resnet8_on_host_matches_tflm(name):
    from codegen.compiled.generate import unsupported_reasons
    from codegen.compiled.host import assert_matches_tflm

    model = _resnet(name)
    assert unsupported_reasons(model) == []
    assert assert_matches_tflm(model, count=100, seed=21) == 100


@pytest.mark.skipif(compiled_qemu.tools_missing() is not None,
                    reason=f"compiled runtime on QEMU: {compiled_qemu.tools_missing()}")
@pytest.mark.parametrize("which, dsp", [*((name, True) for name in RESNETS), ("attention", True),
                                         ("attention", False)],
                         ids=[*(f"{name.removesuffix('.tflite')}-dsp" for name in RESNETS), "attention-dsp",
                              "attention-plain"])
def test_on_cortex_m4_matches_tflm(which, dsp):
    from codegen.compiled.host import random_samples, run_tflm_batch

    model = _attention() if which == "attention" else _resnet(which)
    samples = random_samples(model, 2, seed=22)
    ours = compiled_qemu.run_model_on_m4(model, samples, dsp=dsp)
    for k, (a, b) in enumerate(zip(ours, run_tflm_batch(model, samples))):
        assert np.array_equal(a, b[0]), f"sample {k}: Cortex-M4 output differs from TFLM"
