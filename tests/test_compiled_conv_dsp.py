"""The DSP (SIMD) path of CONV_2D and DEPTHWISE_CONV_2D on a Cortex-M4 in QEMU equals the
tflite-micro interpreter byte for byte: every single-operator case of test_compiled_conv.py,
100 random inputs each, built with arm-none-eabi-gcc for -mcpu=cortex-m4 (__ARM_FEATURE_DSP)
and run on QEMU's mps2-an386; one case also through the plain-C path on the same core.
"""

import numpy as np
import pytest

from tests import compiled_qemu
from tests.test_compiled_conv import CONV_CASES, DEPTHWISE_CASES, SAMPLES, conv_model, depthwise_model

pytestmark = pytest.mark.skipif(compiled_qemu.tools_missing() is not None,
                                reason=f"compiled runtime on QEMU: {compiled_qemu.tools_missing()}")


def _check(data, dsp=True, seed=4):
    from codegen.compiled.host import random_samples, run_tflm_batch
    from converter.tflite_model import load_model

    model = load_model(data)
    samples = random_samples(model, SAMPLES, seed)
    ours = compiled_qemu.run_model_on_m4(model, samples, dsp=dsp)
    ref = run_tflm_batch(model, samples)
    for k, (a, b) in enumerate(zip(ours, ref)):
        if not np.array_equal(a, b[0]):
            diff = np.flatnonzero(a.reshape(-1) != b[0].reshape(-1))
            raise AssertionError(f"sample {k}: M4 {'DSP' if dsp else 'plain'} != TFLM at {diff.size} elements, "
                                 f"first {diff[:5].tolist()}: {a.reshape(-1)[diff[:5]].tolist()} vs "
                                 f"{b[0].reshape(-1)[diff[:5]].tolist()}")


@pytest.mark.parametrize("case", sorted(CONV_CASES))
def test_conv2d_dsp_matches_tflm(case):
    _check(conv_model(**CONV_CASES[case]))


@pytest.mark.parametrize("case", sorted(DEPTHWISE_CASES))
def test_depthwise_dsp_matches_tflm(case):
    _check(depthwise_model(**DEPTHWISE_CASES[case]))


def test_plain_path_on_m4_matches_tflm():
    _check(conv_model(**CONV_CASES["odd_same_relu"]), dsp=False)
    _check(depthwise_model(**DEPTHWISE_CASES["interior_blocks_5x5"]), dsp=False)
