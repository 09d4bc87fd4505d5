"""MEAN/SUM of int8 (an_reduce_sum_s8) on a Cortex-M4 in QEMU against the tflite-micro interpreter.

On DSP cores, outputs whose inputs lie side by side (the last kept dimension of stride 1: MEAN over the
spatial axes of NHWC) are summed in blocks of sixteen then four channels in int16 lanes by SXTAB16 where
each output reduces at most 256 values, and requantized by SMMLAR where the output shift is in [-22, -1]
(an_mean_out; other shifts: an_requantize); the rest one at a time.  Cases: channels 29 (16 + 4 + 4 + 4 + 1),
an output shift of 7 and one of -24 (an_requantize after the lanes), 704 channels (the demo's MEAN),
a global 16x16 window of exactly 256 values fed all -128 and all 127 (the lanes' extreme sums) besides
random inputs, 272 values (the one-at-a-time path), batch 2 with 13 channels, one reduced axis of a
4-D tensor (rows of 12 kept values), two reduced axes not evenly spaced (batch and width), the demo's 4x4x704,
SUM, keep_dims; the word-aligned runs of an_mean_block16 (an odd run, two rows of outputs, saturation, a tiny
multiplier, 36 channels); the DSP build, two also in plain C, 100 inputs each.
"""

import numpy as np
import pytest

from tests import compiled_qemu
from tests.test_compiled_softmax_reduce import reduce_model

CASES = {
    "mean_4x4_c29": ("MEAN", (1, 4, 4, 29), [1, 2], False, (0.05, -3), (0.02, 4)),
    "mean_16x16_c12_keep": ("MEAN", (1, 16, 16, 12), [1, 2], True, (0.1, -128), (0.1, -128)),
    "mean_17x16_c9": ("MEAN", (1, 17, 16, 9), [1, 2], False, (0.3, 100), (1.1, -7)),
    "mean_batch2_5x7_c13": ("MEAN", (2, 5, 7, 13), [1, 2], False, (1e-3, 3), (1e-1, 127)),
    "sum_axis1_6x5_c12": ("SUM", (1, 6, 5, 12), [1], False, (0.05, -128), (0.6, 5)),
    "sum_4x4_c20_left_shift": ("SUM", (1, 4, 4, 20), [1, 2], False, (1.0, 3), (0.01, -2)),
    "mean_3x3_c36_shift_beyond_22": ("MEAN", (1, 3, 3, 36), [1, 2], False, (1e-6, 7), (40.0, -1)),
    "mean_2x2_c704": ("MEAN", (1, 2, 2, 704), [1, 2], False, (0.0417, -30), (0.0213, -128)),
    # two reduced axes whose positions are not evenly spaced (batch and width: the odometer per row, not one run)
    "mean_axes0_2_batch2_3x5_c20": ("MEAN", (2, 3, 5, 20), [0, 2], False, (0.05, 3), (0.02, -4)),
    # the demo's 4x4x704 (one run of 16 positions per block of sixteen channels)
    "mean_4x4_c704": ("MEAN", (1, 4, 4, 704), [1, 2], False, (0.0417, -30), (0.0213, -128)),
    # an_mean_block16 (word-aligned runs): an odd run of 15 positions, two rows of outputs, 48 channels; outputs
    # saturating at 127 (zero point 100); a tiny multiplier (output shift -19); 36 channels: the second row's
    # blocks start on a word (36 * 3 * 5), 16 + 16 + 4; 29 channels (not word steps) take the LDR loop
    "mean_batch2_3x5_c48": ("MEAN", (2, 3, 5, 48), [1, 2], False, (0.05, 3), (0.02, -4)),
    "mean_5x5_c32_saturating": ("MEAN", (1, 5, 5, 32), [1, 2], False, (0.045, -5), (0.1, 100)),
    "mean_4x4_c32_tiny_multiplier": ("MEAN", (1, 4, 4, 32), [1, 2], False, (1e-6, 0), (1.0, -3)),
    "mean_batch2_3x5_c36": ("MEAN", (2, 3, 5, 36), [1, 2], False, (0.03, -9), (0.01, 7)),
}
KEYS = [(name, True) for name in CASES] + [("mean_4x4_c29", False), ("mean_16x16_c12_keep", False)]
SAMPLES = 100


def _samples(model):
    from codegen.compiled.host import random_samples

    samples = random_samples(model, SAMPLES, seed=12)  # one array per input for each sample
    x = samples[0][0]
    samples[:3] = [[np.full_like(x, v)] for v in (-128, 127, 5)]
    return samples


def _run(key):
    """(firmware outputs, TFLM outputs) of one case and build."""
    from converter.tflite_model import load_model

    name, dsp = key
    model = load_model(reduce_model(*CASES[name]))
    return compiled_qemu.outputs_with_tflm(model, _samples(model), dsp=dsp)


@pytest.fixture(scope="module")
def results():
    return compiled_qemu.run_cases(KEYS, _run)


@pytest.mark.parametrize("key", KEYS, ids=lambda k: f"{k[0]}-{'dsp' if k[1] else 'plain'}")
def test_reduce_on_qemu_matches_tflm(results, key):
    compiled_qemu.assert_same_outputs(results[key], f"{key[0]} {'DSP' if key[1] else 'plain'}", SAMPLES)
