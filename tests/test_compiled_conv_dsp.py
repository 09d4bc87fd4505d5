"""The DSP (SIMD) path of CONV_2D and DEPTHWISE_CONV_2D on a Cortex-M4 in QEMU equals the
tflite-micro interpreter byte for byte: every single-operator case of test_compiled_conv.py,
100 random inputs each, built with arm-none-eabi-gcc for -mcpu=cortex-m4 (__ARM_FEATURE_DSP)
and run on QEMU's mps2-an386; five cases and the depthwise row-buffer 3x3 ones (ROWS3X3_CASES) also
through the plain-C path on the same core; two prepared first layers (an_k3_pq_quads) and
three pointwise cases also built at -O0 (an_conv1x1_s8_prepared_w16's
constant-K variants without the constant, its pairs layout by the plain-C loop); four pointwise cases also through
an_conv1x1_s8_w16 and six KxK ones through an_conv2d_s8_w16 (unprepared).

The builds and QEMU runs of the whole module go out together on a few threads (a module
fixture); each test then checks its case.
"""

import pytest

from tests import compiled_qemu
from tests.test_compiled_conv import (CONV_CASES, DEPTHWISE_CASES, ROWS3X3_CASES, SAMPLES, conv_compiled, conv_model,
                                      depthwise_compiled, depthwise_model)

pytestmark = pytest.mark.skipif(compiled_qemu.tools_missing() is not None,
                                reason=f"compiled runtime on QEMU: {compiled_qemu.tools_missing()}")

CASES = {**{("conv", c, True): conv_model(**CONV_CASES[c]) for c in CONV_CASES},
         **{("depthwise", c, True): depthwise_model(**DEPTHWISE_CASES[c]) for c in DEPTHWISE_CASES},
         ("conv", "odd_same_relu", False): conv_model(**CONV_CASES["odd_same_relu"]),
         ("conv", "pointwise_odd_channels_relu6", False): conv_model(**CONV_CASES["pointwise_odd_channels_relu6"]),
         ("conv", "w16_c3_3x3_stride2_valid_relu6", False): conv_model(**CONV_CASES["w16_c3_3x3_stride2_valid_relu6"]),
         ("conv", "w16_c8_dilation1x2_batch2", False): conv_model(**CONV_CASES["w16_c8_dilation1x2_batch2"]),
         # the prepared first layers' rows in pairs by the plain-C loop
         ("conv", "first3x3_c3_out10_stride2_pad127", False):
             conv_model(**CONV_CASES["first3x3_c3_out10_stride2_pad127"]),
         ("conv", "pointwise_saturating_left_shift", False):
             conv_model(**CONV_CASES["pointwise_saturating_left_shift"]),
         ("conv", "pointwise_k16_pruned_channels", False): conv_model(**CONV_CASES["pointwise_k16_pruned_channels"]),
         # the pairs layout's plain C with a last block of four values
         ("conv", "pointwise_k180_pairs_five_pixels_saturating", False):
             conv_model(**CONV_CASES["pointwise_k180_pairs_five_pixels_saturating"]),
         # an_conv1x1_s8_w16's K4 = 8 / 16 / 32 / 64 variants where the generator prepares the requantization
         **{("conv-unprepared", c, True): conv_model(**CONV_CASES[c])
            for c in ("pointwise_k8_odd_pixels", "pointwise_k16_pruned_channels", "pointwise_k32_31_channels",
                      "pointwise_k64_saturating")},
         # an_conv2d_s8_w16's DSP loops (an_kxk_channels_dsp/16, an_kxk3_first4/12) where the generator prepares
         # the requantization (an_conv2d_s8_prepared_w16)
         **{("conv-unprepared", c, True): conv_model(**CONV_CASES[c])
            for c in ("first3x3_c1_stride2_same", "first3x3_c3_stride2_same", "first3x3_c4_relu_full_range",
                      "first3x3_c3_same_pad127", "first3x3_c3_out10_stride2_pad127",
                      "w16_c16_3x3_same", "w16_c2_valid_tensor_end")},
         ("depthwise", "interior_blocks_5x5", False): depthwise_model(**DEPTHWISE_CASES["interior_blocks_5x5"]),
         # the row-buffer 3x3 path's plain C on the same core
         **{("depthwise", c, False): depthwise_model(**DEPTHWISE_CASES[c]) for c in ROWS3X3_CASES}}


def _run(key):
    """(M4 outputs, TFLM outputs) of one case."""
    from codegen.compiled.host import random_samples
    from converter.tflite_model import load_model

    model = load_model(CASES[key])
    compiled = (depthwise_compiled(key[1]) if key[0] == "depthwise"
                else conv_compiled(key[1], prepared=key[0] != "conv-unprepared"))
    return compiled_qemu.outputs_with_tflm(model, random_samples(model, SAMPLES, seed=4), dsp=key[2],
                                           compiled=compiled)


@pytest.fixture(scope="module")
def results():
    return compiled_qemu.run_cases(CASES, _run, workers=4)


@pytest.mark.parametrize("key", list(CASES), ids=lambda k: f"{k[0]}-{k[1]}-{'dsp' if k[2] else 'plain'}")
def test_m4_matches_tflm(results, key):
    compiled_qemu.assert_same_outputs(results[key], f"M4 {'DSP' if key[2] else 'plain'}", SAMPLES)


@pytest.mark.parametrize("case", ["pointwise_k8_odd_pixels", "pointwise_k32_31_channels",
                                  "pointwise_k44_pairs_2x2_condenser"])
def test_pointwise_constant_k_variants_at_O0(case, monkeypatch):
    """an_conv1x1_s8_w16's K4 = 8 / 16 / 32 variants unroll their dot products where the compiler sees the
    constant; a build without optimisation (-O0, a debug build) does not, and takes their general loop."""
    from codegen.compiled.host import random_samples
    from converter.tflite_model import load_model

    monkeypatch.setattr(compiled_qemu, "CFLAGS", tuple("-O0" if f == "-O2" else f for f in compiled_qemu.CFLAGS))
    model = load_model(conv_model(**CONV_CASES[case]))
    result = compiled_qemu.outputs_with_tflm(model, random_samples(model, SAMPLES, seed=5), dsp=True)
    compiled_qemu.assert_same_outputs(result, "M4 DSP at -O0", SAMPLES)


@pytest.mark.parametrize("case", ["first3x3_c3_out10_stride2_pad127", "first3x3_c1_out6_odd_pixels"])
def test_first_layer_groups_of_four_at_O0(case, monkeypatch):
    """an_conv2d_s8_prepared_w16's 3x3 first layers take their groups of four channels in one looping asm statement
    (an_k3_pq_quads) with fourteen registers where optimised; where a build without optimisation (-O0) keeps the
    frame pointer, with thirteen (the second pair's filter words one at a time), one group per statement; the same
    outputs."""
    from codegen.compiled.host import random_samples
    from converter.tflite_model import load_model

    monkeypatch.setattr(compiled_qemu, "CFLAGS", tuple("-O0" if f == "-O2" else f for f in compiled_qemu.CFLAGS))
    model = load_model(conv_model(**CONV_CASES[case]))
    result = compiled_qemu.outputs_with_tflm(model, random_samples(model, SAMPLES, seed=6), dsp=True)
    compiled_qemu.assert_same_outputs(result, "M4 DSP at -O0", SAMPLES)
