"""The Helium (MVE) path of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED on a Cortex-M55 in QEMU
equals the tflite-micro interpreter byte for byte: every single-operator case of
test_compiled_conv.py's CONV_CASES and DEPTHWISE_CASES and test_compiled_fc.py's CASES, plus
depthwise cases wide enough for the MVE kernels' sixteen-channel passes (MVE_DEPTHWISE_CASES: 16,
18, 19, 21, 24, 26, 32, 37, 40, 48 channels, 2, 4, 8 packed, extreme scales: those of multiplier 1 in the Helium layout,
an_depthwise_conv2d_s8_mve, whose plain-C copy the host runs too), 100 random inputs each (odd sizes, K % 8 == 4 tails, channel
tails, depth multipliers 1, 2, 3, 4, 8, weight zero points, extreme scales) and deep CONV_2D cases for
the int8-column path (MVE_CONV_CASES: K of 288, 300, 76, 72 per group; four channels at a time where K is
deeper than 32: 1x1 K 48 with zero shifts, grouped K 45, 1x1 K 36 with positive shifts; 1x1 with K 5, 13, 24, 32; K 27 and 30 by im2col; K 9, 20, 27 gathered in place), built with arm-none-eabi-gcc -mcpu=cortex-m55
(__ARM_FEATURE_MVE) and run on QEMU's mps3-an547; two cases also through the DSP path on the same
core (-mcpu=cortex-m55+nomve), and two of the depthwise row-buffer path's narrow form (DSP); the corpus
AttendNet-B whole, MVE path, three inputs; and
an_requantize_mve, the Helium requantization, against an_requantize on the M55 (over 1.5M cases).

The builds and QEMU runs of the whole module go out together on a few threads (a module
fixture); each test then checks its case.
"""

import pytest

from tests import compiled_qemu
from tests.test_compiled_conv import (CONV_CASES, DEPTHWISE_CASES, ROWS3X3_CASES, SAMPLES, conv_model, depthwise_compiled,
                                      depthwise_model)
from tests.test_compiled_fc import CASES as FC_CASES
from tests.test_compiled_fc import fc_model

pytestmark = pytest.mark.skipif(compiled_qemu.tools_missing() is not None,
                                reason=f"compiled runtime on QEMU: {compiled_qemu.tools_missing()}")

# Depthwise with multiplier 1 and at least 16 channels: the MVE kernel's sixteen-channel pass,
# its eight-channel pass, blocks of four and a predicated tail (37 = 2 x 16 + 4 + 1; 26 = 16 + 8
# + 2; 19 = 16 + 3; 16 exactly).
MVE_DEPTHWISE_CASES = {
    "wide37_same_relu6": dict(in_shape=(1, 7, 9, 37), activation="RELU6"),
    "wide19_stride2_valid_5x5": dict(in_shape=(1, 11, 10, 19), kernel=(5, 5), padding="VALID", stride=(2, 2)),
    "wide16_dilation2_batch2": dict(in_shape=(2, 9, 8, 16), dilation=(2, 2), in_zp=-128, out_zp=-128),
    "wide21_saturating_large_multiplier": dict(in_shape=(1, 6, 7, 21), out_scale=0.0005, w_scale=(0.05, 0.3),
                                               in_zp=0, out_zp=0),
    "wide18_shift_edge_no_bias": dict(in_shape=(1, 5, 6, 18), in_scale=1e-6, w_scale=(1e-6, 1e-5), out_scale=1.0,
                                      bias=False),
    "wide26_sixteen_eight_tail_relu": dict(in_shape=(1, 5, 7, 26), kernel=(3, 2), activation="RELU", in_zp=-7),
    "wide24_multiplier2": dict(in_shape=(1, 6, 5, 12), multiplier=2, activation="RELU"),
    # fewer than sixteen channels dividing sixteen at stride_w 1: 16 / C pixels per vector (runs of 7, 9, 3 pixels:
    # a predicated last group), 2 channels 5x5 dilated, 4 channels stride 2x1 VALID saturating
    "packed2_5x5_dilation2": dict(in_shape=(1, 12, 13, 2), kernel=(5, 5), dilation=(2, 2), in_zp=-128, out_zp=-5),
    "packed4_stride2x1_valid_saturating": dict(in_shape=(1, 9, 11, 4), stride=(2, 1), padding="VALID", in_zp=0,
                                               out_zp=0, out_scale=0.0005, w_scale=(0.05, 0.3)),
    # the top and bottom rows' pixels 16 / C at a time (padded rows read sixteen bytes of pad_row): 8 channels at an
    # odd width (a last single pixel), 4 channels dilated 2x1 (two padded rows each side)
    "packed8_same_odd_width_relu": dict(in_shape=(1, 6, 11, 8), in_zp=-128, out_zp=-128, activation="RELU"),
    "packed4_same_dilation2x1": dict(in_shape=(1, 7, 9, 4), dilation=(2, 1), in_zp=5),
    # 3x3, every shift negative (an_dw9_run_right_mve: a run's full groups in one assembly loop over its pixels,
    # full-range and clamped forms; border pixels' tap addresses four at a time): 32 channels (two groups) at odd
    # sizes full-range, 40 (two groups, eight predicated) at stride 2 clamped, 48 dilated 2x2 over two batches with
    # tiny scales (large right shifts), 24 on a 2x3 plane (every pixel a border one) saturating, 2 channels (eight
    # pixels per vector) full-range at an odd width
    "nine32_same_odd_full_range": dict(in_shape=(1, 7, 9, 32), in_zp=-128, out_zp=-128),
    "nine40_stride2_same_clamped": dict(in_shape=(1, 9, 11, 40), stride=(2, 2), activation="RELU6", in_zp=3,
                                        out_zp=-20),
    "nine48_dilation2_batch2_tiny_scale": dict(in_shape=(2, 7, 5, 48), dilation=(2, 2), in_scale=1e-3,
                                               w_scale=(1e-4, 1e-3), out_scale=1.0, out_zp=-7),
    "nine24_plane2x3_saturating": dict(in_shape=(1, 2, 3, 24), out_scale=0.03, w_scale=(0.005, 0.05), in_zp=0,
                                       out_zp=120),
    "packed2_3x3_full_range_odd_width": dict(in_shape=(1, 6, 13, 2), in_zp=-128, out_zp=-128),
}

# CONV_2D's int8-column path (sixteen int8 lanes per VMLADAVA, a predicated last pass to K): deep
# filters whose K is a multiple of sixteen or leaves tails of 4, 8 and 12, an odd last channel,
# grouped, borders padded with the zero point, odd pixel counts.
MVE_CONV_CASES = {
    "deep3x3_k288_odd_channels": dict(in_shape=(1, 6, 5, 32), out_c=7, in_zp=-128, activation="RELU"),
    "deep5x5_k300_stride2": dict(in_shape=(1, 9, 8, 12), out_c=6, kernel=(5, 5), stride=(2, 2), in_zp=127),
    "pointwise_k76_odd_pixels": dict(in_shape=(1, 3, 5, 76), out_c=9, kernel=(1, 1), padding="VALID"),
    "grouped_k72_per_group": dict(in_shape=(1, 5, 6, 16), out_c=6, groups=2, in_zp=5, out_scale=0.01),
    # K deeper than 32, channels by fours (an_conv_deep_quads_mve: every quad of a pixel pair in one assembly
    # statement): 1x1 K 48 with shifts of zero (three channels' scales in [0.5, 1): the non-positive rounding), a
    # pruned channel, 21 pixels (a lone last one); grouped 3x3 K 45 per group (a predicated tail of 13, two quads per
    # group) clamped; 1x1 K 36 (tail 4) with positive shifts (the pair kernel)
    "deep_pointwise_k48_shift_zero_quads": dict(in_shape=(1, 3, 7, 48), out_c=12, kernel=(1, 1), padding="VALID",
                                                in_scale=0.05, out_scale=0.05, w_scale=(0.0005, 0.9), in_zp=-128,
                                                out_zp=-3, zero_channels=(5,), seed=41),
    "deep_grouped_k45_quads_tail_relu6": dict(in_shape=(1, 5, 6, 10), out_c=16, groups=2, activation="RELU6",
                                              in_zp=9, out_zp=-100, seed=42),
    "deep_pointwise_k36_tail4_saturating": dict(in_shape=(1, 3, 5, 36), out_c=8, kernel=(1, 1), padding="VALID",
                                                in_zp=127, out_scale=0.0005, w_scale=(0.05, 0.3), seed=43),
    # 1x1 with K = in_c <= 16 (an_conv1x1_small_mve: one vector per pixel, four channels by two pixels per pass,
    # the channels after the last four by the pair kernel): K 5 (lanes past K), 7 channels, odd pixels, stride 2
    "pointwise_k5_seven_channels_stride2": dict(in_shape=(1, 7, 9, 5), out_c=7, kernel=(1, 1), padding="VALID",
                                                stride=(2, 2), in_zp=-128, activation="RELU"),
    "pointwise_k13_saturating": dict(in_shape=(1, 3, 7, 13), out_c=12, kernel=(1, 1), padding="VALID", in_zp=127,
                                     out_scale=0.0005, w_scale=(0.05, 0.3)),
    # K 17..32 (two vectors per pixel): 1x1 with K 24 and 6 channels (a quad, then a pair), K 32, and a first
    # layer's 3x3x3 (K 27, im2col, SAME padding, stride 2), a 2x5x3 (K 30) with dilation
    "pointwise_k24_six_channels": dict(in_shape=(1, 5, 5, 24), out_c=6, kernel=(1, 1), padding="VALID", in_zp=3),
    "pointwise_k32_relu6_batch2": dict(in_shape=(2, 4, 3, 32), out_c=9, kernel=(1, 1), padding="VALID",
                                       activation="RELU6", in_zp=-128),
    "first3x3x3_k27_stride2": dict(in_shape=(1, 11, 12, 3), out_c=8, stride=(2, 2), in_zp=-128, activation="RELU6"),
    "k30_2x5_dilated_saturating": dict(in_shape=(1, 8, 9, 3), out_c=5, kernel=(2, 5), dilation=(2, 1), in_zp=127,
                                       out_scale=0.0005, w_scale=(0.05, 0.3)),
    # K <= 32, channels in fours: each receptive field gathered from the input in place (an_conv_window_mve; border
    # pixels from a column): 3x3x1 (K 9) dilated over two batches and odd pixels, 2x5x2 (K 20) dilated along x at
    # stride 1x2 saturating, 3x3x3 (K 27) VALID at stride 1 with twelve channels
    "window_k9_3x3x1_dilated_batch2": dict(in_shape=(2, 9, 7, 1), out_c=12, dilation=(2, 2), in_zp=-128,
                                           activation="RELU"),
    "window_k20_2x5x2_dilation_w2_saturating": dict(in_shape=(1, 7, 13, 2), out_c=4, kernel=(2, 5), dilation=(1, 2),
                                                    stride=(1, 2), in_zp=127, out_scale=0.0005, w_scale=(0.05, 0.3)),
    "window_k27_valid_twelve_channels": dict(in_shape=(1, 8, 7, 3), out_c=12, padding="VALID", in_zp=9),
}

CASES = {**{("conv", c, True): (lambda c=c: conv_model(**MVE_CONV_CASES[c])) for c in MVE_CONV_CASES},
         **{("dw", c, True): (lambda c=c: depthwise_model(**DEPTHWISE_CASES[c])) for c in DEPTHWISE_CASES},
         **{("dw", c, True): (lambda c=c: depthwise_model(**MVE_DEPTHWISE_CASES[c])) for c in MVE_DEPTHWISE_CASES},
         ("dw", "wide37_same_relu6", False): lambda: depthwise_model(**MVE_DEPTHWISE_CASES["wide37_same_relu6"]),
         **{("conv", c, True): (lambda c=c: conv_model(**CONV_CASES[c])) for c in CONV_CASES},
         **{("fc", c, True): (lambda c=c: fc_model(**FC_CASES[c])) for c in FC_CASES},
         ("conv", "odd_same_relu", False): lambda: conv_model(**CONV_CASES["odd_same_relu"]),
         # an_conv2d_s8_w16's DSP channel loops on the same core without MVE (K4 144 and 40)
         ("conv", "w16_c16_3x3_same", False): lambda: conv_model(**CONV_CASES["w16_c16_3x3_same"]),
         ("conv", "w16_c1_10x4_stride2", False): lambda: conv_model(**CONV_CASES["w16_c1_10x4_stride2"]),
         ("fc", "extreme scales", False): lambda: fc_model(**FC_CASES["extreme scales"]),
         # an_conv1x1_s8_prepared_w16's four-pixel (pairs layout) and three-row paths on the M55 without Helium
         **{("conv", c, False): (lambda c=c: conv_model(**CONV_CASES[c]))
            for c in ("pointwise_k32_pairs_relu6_nine_pixels", "pointwise_k16_pruned_channels", "pointwise_k100_odd",
                      "pointwise_k64_pairs_ten_pixels_odd_out")},
         # the depthwise row-buffer path's narrow form (DSP cores) on the M55 without Helium: 6 and 4 outputs wide;
         # its plane form at stride_w 1 and 2, its strip form
         **{("dw", c, False): (lambda c=c: depthwise_model(**DEPTHWISE_CASES[c]))
            for c in ("rows3x3_narrow_kws_25x5_relu", "rows3x3_narrow_width4_valid_clamped", "rows3x3_plane_4x4_relu6",
                      "rows3x3_plane_stride2_7x7_same", "rows3x3_strip_width7_overlap")}}


def _run(key):
    """(M55 outputs, TFLM outputs) of one case."""
    from codegen.compiled.host import random_samples
    from converter.tflite_model import load_model

    model = load_model(CASES[key]())
    # the row-buffer cases through that path where the core takes it (DSP, no Helium): depthwise_compiled
    compiled = depthwise_compiled(key[1]) if key[0] == "dw" and not key[2] and key[1] in ROWS3X3_CASES else None
    return compiled_qemu.outputs_with_tflm(model, random_samples(model, SAMPLES, seed=5), core="m55", mve=key[2],
                                           compiled=compiled)


@pytest.fixture(scope="module")
def results():
    return compiled_qemu.run_cases(CASES, _run, workers=4)


@pytest.mark.parametrize("key", list(CASES), ids=lambda k: f"{k[0]}-{k[1]}-{'mve' if k[2] else 'dsp'}")
def test_m55_matches_tflm(results, key):
    compiled_qemu.assert_same_outputs(results[key], f"M55 {'MVE' if key[2] else 'DSP'}", SAMPLES)


def test_corpus_attendnet_on_m55_mve(corpus):
    from codegen.compiled.host import random_samples
    from converter.tflite_model import load_model

    model = load_model(corpus.path("attendnet_b_int8"))
    result = compiled_qemu.outputs_with_tflm(model, random_samples(model, 3, seed=1), core="m55", mve=True)
    compiled_qemu.assert_same_outputs(result, "M55 MVE", 3)


def _helium_depthwise_compiled(case):
    """DEPTHWISE_CASES / MVE_DEPTHWISE_CASES[case] lowered for a Helium core, and whether its step took the
    Helium layout (an_depthwise_conv2d_s8_mve)."""
    from codegen.compiled.emit import emit_model
    from codegen.compiled.lower import lower_model
    from converter.tflite_model import load_model

    model = load_model(depthwise_model(**{**DEPTHWISE_CASES, **MVE_DEPTHWISE_CASES}[case]))
    program = lower_model(model, wide_filters=False, helium=True)
    return model, emit_model(program), any(s.function == "an_depthwise_conv2d_s8_mve" for s in program.steps)


#: Cases of sixteen channels or more, multiplier 1: the Helium layout (an_depthwise_conv2d_s8_mve) on the M55 runs
#: above; its plain-C copy (the same sums from the same layout) on the host here.
HELIUM_LAYOUT_CASES = [c for c in MVE_DEPTHWISE_CASES if "multiplier" not in c or "large" in c] + \
    ["rows3x3_saturating", "rows3x3_narrow_width5_20_channels", "narrow_width3_general"]


@pytest.mark.parametrize("case", HELIUM_LAYOUT_CASES)
def test_helium_depthwise_layout_plain_c_matches_tflm(case):
    from codegen.compiled.host import assert_matches_tflm

    model, compiled, helium = _helium_depthwise_compiled(case)
    assert helium, "the Helium depthwise layout was not chosen"
    assert assert_matches_tflm(model, count=SAMPLES, seed=3, compiled=compiled) == SAMPLES


def test_helium_depthwise_layout_only_where_it_applies():
    """Chosen only with helium=True (an M4's program is unchanged), never for another depth multiplier nor for fewer
    than sixteen channels unless they divide sixteen at stride_w 1, and refused where a pair of taps' sums could leave int16 (both weights near -128)."""
    import numpy as np

    from codegen.compiled.lower import lower_model
    from codegen.compiled.ops.conv import depthwise_pairs_fit_int16, helium_for
    from converter.tflite_model import load_model

    model = load_model(depthwise_model(**MVE_DEPTHWISE_CASES["wide37_same_relu6"]))
    assert not any(s.function.endswith("_mve") for s in lower_model(model).steps)
    assert not any(s.function.endswith("_mve") for s in lower_model(model, wide_filters=False).steps)
    assert not _helium_depthwise_compiled("wide24_multiplier2")[2]
    assert not _helium_depthwise_compiled("pair3x3_stride2_same_odd_width")[2]  # 8 channels at stride 2
    assert not _helium_depthwise_compiled("multiplier3_dilation2")[2]  # 6 channels, multiplier 3
    assert _helium_depthwise_compiled("narrow_width3_general")[2]  # 8 channels at stride 1: two pixels per vector
    assert helium_for("mve") and not helium_for("dsp") and not helium_for("scalar")
    taps = np.full((9, 3), 127, dtype=np.int8)
    assert depthwise_pairs_fit_int16(taps)
    taps[2, 1] = taps[3, 1] = -128
    assert not depthwise_pairs_fit_int16(taps)
    taps[3, 1] = -127  # 128 * 128 + 128 * 127 = 32640: fits
    assert depthwise_pairs_fit_int16(taps)
    taps[8, 2] = -128  # the odd last tap alone always fits
    assert depthwise_pairs_fit_int16(taps)


def test_requantize_mve_equals_an_requantize_on_m55(tmp_path):
    """an_requantize_mve (VSHL, VQRDMULH, sign-adjusted VRSHL per lane) equals an_requantize (itself
    tied to TFLM's MultiplyByQuantizedMultiplier by test_kernel_library.py) on QEMU's Cortex-M55:
    every shift in [-31, 31] with edge accumulators and multipliers, a million random cases and
    the exact rounding halves, four lanes per call with different multipliers and shifts."""
    import subprocess

    from firmware_template import KERNELS_DIR

    elf = tmp_path / "requantize_mve_check.elf"
    subprocess.run(["arm-none-eabi-gcc", *compiled_qemu.CFLAGS_M55, "-Werror", "-I", str(KERNELS_DIR), "-T",
                    str(compiled_qemu.HERE / "m55.ld"), *compiled_qemu.LDFLAGS, "-o", str(elf),
                    str(compiled_qemu.HERE / "requantize_mve_check.c")], check=True, capture_output=True, text=True)
    proc = subprocess.run(["qemu-system-arm", "-M", compiled_qemu.MACHINES["m55"], "-nographic", "-monitor", "none",
                           "-serial", "none", "-semihosting-config", "enable=on,target=native", "-kernel", str(elf)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and " 0 differ" in proc.stderr, proc.stderr[-500:]
    assert int(proc.stderr.split()[0]) > 1_000_000
