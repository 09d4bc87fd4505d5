"""MAX_POOL_2D's and AVERAGE_POOL_2D's channel-block paths against the tflite-micro interpreter.
MAX_POOL_2D: sixteen int8 lanes per VMAX on Helium, sixteen (four words) then four per SSUB8/SEL on DSP
cores, one at a time after the last block and in plain C.  AVERAGE_POOL_2D on DSP cores (Helium cores take the same path):
blocks of eight then four channels summed in int16 lanes by SXTAB16 where the window holds at most
256 values, divided by a reciprocal multiply, one channel at a time after the blocks, for larger
windows (272 values) and in plain C; windows of exactly 256 values fed all -128 and all 127 (the
int16 lanes' extreme sums, -32768 and 32512) besides random inputs.

The attention condensers' 2x2 stride-2 windows without padding (an_max_pool2x2_s8, DSP: eight channels a pass,
the asm loop where the activation is all of int8): 32 and 8 channels (an odd input), 24 with RELU and batch 2.
Channel counts that fill whole blocks (32), leave tails after blocks of sixteen and of four (37 =
2 x 16 + 5 = 9 x 4 + 1, 21, 7), windows clipped by SAME padding, a global window, batches, and
fused activations whose clamp the lanes apply (RELU, RELU6, RELU_N1_TO_1; zero points at the int8
ends).  Each case on the host (plain C) and on QEMU: Cortex-M4 DSP and plain-C builds and the
Cortex-M55 Helium build, 100 random inputs each.
"""

import numpy as np
import pytest

from tests import compiled_qemu
from tests.test_compiled_conv import pool_model

POOL_CASES = {
    "attention_2x2_same_c32": dict(in_shape=(1, 8, 8, 32), filter=(2, 2), padding="SAME", stride=(2, 2)),
    # an_max_pool2x2_s8 (2x2, stride 2, no padding, channels a multiple of eight): the clamp with batches; an odd
    # input (its last row and column in no window) through the asm loop, 8 channels (one pass a window)
    "attention_2x2_valid_c24_relu_batch2": dict(in_shape=(2, 6, 10, 24), filter=(2, 2), padding="VALID",
                                                stride=(2, 2), activation="RELU", zp=-5),
    "attention_2x2_valid_odd_c8": dict(in_shape=(1, 7, 5, 8), filter=(2, 2), padding="VALID", stride=(2, 2)),
    "valid_3x3_stride2_c37_relu6": dict(in_shape=(1, 9, 7, 37), activation="RELU6", scale=0.04),
    "same_2x3_c21_relu_n1_batch2": dict(in_shape=(2, 5, 7, 21), filter=(2, 3), padding="SAME", stride=(2, 1),
                                        activation="RELU_N1_TO_1", zp=-128, scale=0.01),
    "global_c7_relu_zp127": dict(in_shape=(1, 5, 7, 7), filter=(5, 7), stride=(1, 1), activation="RELU", zp=127),
}
AVG_CASES = {
    "global_16x16_c12": dict(in_shape=(1, 16, 16, 12), filter=(16, 16), stride=(1, 1), zp=-128),
    "global_17x16_c9_relu": dict(in_shape=(1, 17, 16, 9), filter=(17, 16), stride=(1, 1), activation="RELU"),
    "kws_25x5_c64": dict(in_shape=(1, 25, 5, 64), filter=(25, 5), stride=(1, 1), zp=-3),
    "same_3x3_stride2_c13_relu6_batch2": dict(in_shape=(2, 7, 6, 13), filter=(3, 3), padding="SAME",
                                              stride=(2, 2), activation="RELU6", scale=0.03, zp=-100),
}
BUILDS = {"m4-dsp": dict(core="m4", dsp=True), "m4-plain": dict(core="m4", dsp=False),
          "m55-mve": dict(core="m55", mve=True)}
# (kind, case, build): MAX_POOL_2D every case and build; AVERAGE_POOL_2D every case on the M4's DSP path, the
# MAX cases and two of its own also in plain C and on the M55
KEYS = [("MAX_POOL_2D", name, build) for name in POOL_CASES for build in BUILDS] + \
       [("AVERAGE_POOL_2D", name, "m4-dsp") for name in {**POOL_CASES, **AVG_CASES}] + \
       [("AVERAGE_POOL_2D", name, build)
        for name in ("global_16x16_c12", "same_3x3_stride2_c13_relu6_batch2", "valid_3x3_stride2_c37_relu6")
        for build in ("m4-plain", "m55-mve")]
SAMPLES = 100


def _model(kind, name):
    return pool_model(kind, **{**POOL_CASES, **AVG_CASES}[name])


def _samples(model, seed):
    """Random inputs, plus all -128 and all 127 for windows of 256 values (the int16 lanes' extreme sums)."""
    from codegen.compiled.host import random_samples

    samples = random_samples(model, SAMPLES, seed=seed)  # one array per input for each sample
    x = samples[0][0]
    if x.shape[1] * x.shape[2] == 256:
        samples[:2] = [[np.full_like(x, -128)], [np.full_like(x, 127)]]
    return samples


@pytest.mark.parametrize("kind, case", [("MAX_POOL_2D", c) for c in sorted(POOL_CASES)]
                         + [("AVERAGE_POOL_2D", c) for c in sorted(AVG_CASES)])
def test_pool_on_the_host_matches_tflm(kind, case):
    from compiled_ops_harness import require_tools

    from codegen.compiled.host import assert_matches_tflm
    from converter.tflite_model import load_model

    require_tools()
    model = load_model(_model(kind, case))
    assert assert_matches_tflm(model, samples=_samples(model, 9)) == SAMPLES


def _run(key):
    """(firmware outputs, TFLM outputs) of one kind, case and build."""
    from converter.tflite_model import load_model

    kind, name, build = key
    model = load_model(_model(kind, name))
    return compiled_qemu.outputs_with_tflm(model, _samples(model, 10), **BUILDS[build])


@pytest.fixture(scope="module")
def results():
    return compiled_qemu.run_cases(KEYS, _run)


@pytest.mark.parametrize("key", KEYS, ids=lambda k: f"{k[0]}-{k[1]}-{k[2]}")
def test_pool_on_qemu_matches_tflm(results, key):
    compiled_qemu.assert_same_outputs(results[key], " ".join(key), SAMPLES)
