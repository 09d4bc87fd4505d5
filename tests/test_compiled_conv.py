"""CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, MAX_POOL_2D in the compiled runtime: the
generated C on the host equals the tflite-micro interpreter byte for byte.

Single-operator models built here (tests/tflite_builder.py) cover odd sizes, SAME/VALID,
strides 1-3, dilation 2, depth multipliers > 1, grouped convolution, every fused activation,
saturation, per-tensor and per-channel weights and extreme scales (left shifts, the
shift < -31 edge where TFLM's multiplier is 0); each is compiled once with ``cc`` and fed 100
random inputs.  The plain-C path runs here; the DSP path of the same C runs under QEMU in
test_compiled_conv_dsp.py.
"""

import shutil

import numpy as np
import pytest

from codegen.compiled.lower import load_lowerings
from tests.tflite_builder import ModelBuilder

pytestmark = pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler (cc)")

SAMPLES = 100


def _scales(rng, n, lo, hi):
    return [float(np.float32(v)) for v in np.exp(rng.uniform(np.log(lo), np.log(hi), size=n))]


def conv_model(in_shape=(1, 7, 9, 3), out_c=5, kernel=(3, 3), padding="SAME", stride=(1, 1), dilation=(1, 1),
               activation="NONE", groups=1, per_channel=True, bias=True, in_zp=-7, out_zp=3, in_scale=0.05,
               out_scale=0.1, w_scale=(0.002, 0.02), seed=0, zero_channels=()):
    """One CONV_2D; the output shape follows TFLM's SAME/VALID arithmetic.  ``zero_channels``: output channels
    whose filter is all zeros and whose bias is +-2^30 (pruned channels, as vww_96_int8 has)."""
    rng = np.random.default_rng(seed)
    n, h, w, c = in_shape
    fic = c // groups
    eff = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
    out_hw = [(s + st - 1) // st if padding == "SAME" else (s + st - e) // st
              for s, st, e in zip((h, w), stride, eff)]
    b = ModelBuilder()
    x = b.tensor("x", in_shape, "int8", scale=in_scale, zero_point=in_zp)
    weights = rng.integers(-127, 128, size=(out_c, *kernel, fic)).astype(np.int8)
    weights[list(zero_channels)] = 0
    if per_channel:
        scales = _scales(rng, out_c, *w_scale)
        wt = b.tensor("w", weights.shape, "int8", scale=scales, zero_point=[0] * out_c, data=weights.tobytes())
    else:
        scales = [w_scale[0]]
        wt = b.tensor("w", weights.shape, "int8", scale=w_scale[0], zero_point=0, data=weights.tobytes())
    inputs = [x, wt]
    if bias:
        values = rng.integers(-3000, 3000, size=out_c).astype(np.int32)
        for n_zero, c in enumerate(zero_channels):
            values[c] = (1 << 30) * (1 if n_zero % 2 else -1)
        inputs.append(b.tensor("b", (out_c,), "int32", scale=[in_scale * s for s in scales],
                               zero_point=[0] * len(scales), data=values.tobytes()))
    y = b.tensor("y", (n, *out_hw, out_c), "int8", scale=out_scale, zero_point=out_zp)
    b.op("CONV_2D", inputs, [y], version=3,
         options={"type": "conv2d", "padding": padding, "stride_h": stride[0], "stride_w": stride[1],
                  "dilation_h": dilation[0], "dilation_w": dilation[1], "activation": activation})
    return b.build(inputs=[x], outputs=[y])


def depthwise_model(in_shape=(1, 8, 7, 5), multiplier=1, kernel=(3, 3), padding="SAME", stride=(1, 1),
                    dilation=(1, 1), activation="NONE", per_channel=True, bias=True, in_zp=4, out_zp=-2,
                    in_scale=0.04, out_scale=0.05, w_scale=(0.005, 0.05), seed=0):
    rng = np.random.default_rng(seed)
    n, h, w, c = in_shape
    out_c = c * multiplier
    eff = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
    out_hw = [(s + st - 1) // st if padding == "SAME" else (s + st - e) // st
              for s, st, e in zip((h, w), stride, eff)]
    b = ModelBuilder()
    x = b.tensor("x", in_shape, "int8", scale=in_scale, zero_point=in_zp)
    weights = rng.integers(-127, 128, size=(1, *kernel, out_c)).astype(np.int8)
    if per_channel:
        scales = _scales(rng, out_c, *w_scale)
        wt = b.tensor("w", weights.shape, "int8", scale=scales, zero_point=[0] * out_c, quantized_dimension=3,
                      data=weights.tobytes())
    else:
        scales = [w_scale[0]]
        wt = b.tensor("w", weights.shape, "int8", scale=w_scale[0], zero_point=0, data=weights.tobytes())
    inputs = [x, wt]
    if bias:
        values = rng.integers(-3000, 3000, size=out_c).astype(np.int32)
        inputs.append(b.tensor("b", (out_c,), "int32", scale=[in_scale * s for s in scales],
                               zero_point=[0] * len(scales), data=values.tobytes()))
    y = b.tensor("y", (n, *out_hw, out_c), "int8", scale=out_scale, zero_point=out_zp)
    b.op("DEPTHWISE_CONV_2D", inputs, [y], version=3,
         options={"type": "depthwise_conv2d", "padding": padding, "stride_h": stride[0], "stride_w": stride[1],
                  "dilation_h": dilation[0], "dilation_w": dilation[1], "activation": activation,
                  "depth_multiplier": multiplier})
    return b.build(inputs=[x], outputs=[y])


def pool_model(kind="AVERAGE_POOL_2D", in_shape=(1, 9, 7, 6), filter=(3, 3), padding="VALID", stride=(2, 2),
               activation="NONE", zp=-5, scale=0.07):
    n, h, w, c = in_shape
    out_hw = [(s + st - 1) // st if padding == "SAME" else (s + st - f) // st
              for s, st, f in zip((h, w), stride, filter)]
    b = ModelBuilder()
    x = b.tensor("x", in_shape, "int8", scale=scale, zero_point=zp)
    y = b.tensor("y", (n, *out_hw, c), "int8", scale=scale, zero_point=zp)
    b.op(kind, [x], [y], version=2,
         options={"type": "pool2d", "padding": padding, "stride_h": stride[0], "stride_w": stride[1],
                  "filter_h": filter[0], "filter_w": filter[1], "activation": activation})
    return b.build(inputs=[x], outputs=[y])


CONV_CASES = {
    "odd_same_relu": dict(activation="RELU"),
    "valid_stride2_5x5": dict(in_shape=(1, 11, 10, 4), kernel=(5, 5), padding="VALID", stride=(2, 2), out_c=6),
    "same_stride3_relu6": dict(in_shape=(1, 10, 11, 2), stride=(3, 3), activation="RELU6", out_c=3),
    "asymmetric_stride_kernel": dict(in_shape=(1, 9, 12, 5), kernel=(2, 4), stride=(1, 2), out_c=4),
    "dilation2_same": dict(in_shape=(1, 9, 9, 3), dilation=(2, 2), out_c=4, activation="RELU_N1_TO_1",
                           out_scale=0.01),
    "dilation2_valid_stride2": dict(in_shape=(1, 12, 11, 4), dilation=(2, 2), stride=(2, 2), padding="VALID"),
    "pointwise_per_tensor": dict(in_shape=(1, 6, 5, 16), kernel=(1, 1), out_c=9, per_channel=False,
                                 w_scale=(0.01, 0.01)),
    "grouped": dict(in_shape=(1, 6, 7, 6), groups=3, out_c=9),
    "no_bias_batch2": dict(in_shape=(2, 5, 6, 3), bias=False, in_zp=-128, out_zp=-128),
    "saturating_large_multiplier": dict(out_scale=0.0004, w_scale=(0.05, 0.2), in_zp=0, out_zp=0),
    "tiny_multiplier_shift_edge": dict(in_scale=1e-6, w_scale=(1e-6, 1e-5), out_scale=1.0, out_zp=-3),
    "shift_minus31_and_below": dict(in_scale=1e-4, w_scale=(2e-6, 4e-6), out_scale=1.0, out_zp=5),
    "first_layer_rgb": dict(in_shape=(1, 16, 16, 3), out_c=8, stride=(2, 2), activation="RELU", in_zp=127),
    # 1x1 filters go to an_conv1x1_s8 (no im2col): odd channels and pixels, K = 40 (two passes of
    # eight values and one of four in the DSP loop), K = 24, strides, batches, extreme scales
    "pointwise_odd_channels_relu6": dict(in_shape=(1, 5, 7, 13), kernel=(1, 1), out_c=7, activation="RELU6"),
    "pointwise_deep_odd_pixels": dict(in_shape=(1, 3, 3, 40), kernel=(1, 1), out_c=11, in_zp=-128, out_zp=-128),
    "pointwise_k24_relu": dict(in_shape=(1, 4, 6, 24), kernel=(1, 1), out_c=10, activation="RELU", in_zp=5),
    "pointwise_stride2_batch2": dict(in_shape=(2, 7, 6, 8), kernel=(1, 1), stride=(2, 2), padding="VALID", out_c=6),
    "pointwise_stride3_same_odd": dict(in_shape=(1, 8, 7, 3), kernel=(1, 1), stride=(3, 2), out_c=5,
                                       activation="RELU_N1_TO_1", out_scale=0.01),
    "pointwise_saturating_left_shift": dict(in_shape=(1, 4, 5, 9), kernel=(1, 1), out_c=5, out_scale=0.0004,
                                            w_scale=(0.05, 0.2), in_zp=0, out_zp=0),
    # per-channel shifts of -1, 0 and 1 side by side: channel pairs whose shifts are both negative
    # (the DSP kernels' SMMLAR requantization), mixed, or both >= 0 (the general one)
    "pointwise_shifts_of_both_signs": dict(in_shape=(1, 5, 3, 20), kernel=(1, 1), out_c=12, in_scale=0.05,
                                           w_scale=(0.002, 0.016), out_scale=0.0004, activation="RELU", seed=3),
    "shifts_of_both_signs_3x3": dict(in_shape=(1, 6, 5, 4), out_c=10, in_scale=0.05, w_scale=(0.002, 0.016),
                                     out_scale=0.0004, seed=4),
    # fewer than WIDE_FILTER_MIN_PIXELS output pixels (a 1x1 whose filter the pairs layout takes: fewer than
    # PAIRS_MIN_PIXELS): the int8 filter kernels (the others take the int16 filters, an_conv.h's _w16), channel
    # pairs and an odd last channel, K = 40 and K = 36
    "pointwise_few_pixels_int8": dict(in_shape=(1, 1, 3, 40), kernel=(1, 1), out_c=11, activation="RELU", in_zp=9),
    "few_pixels_3x3_int8": dict(in_shape=(1, 2, 3, 4), out_c=7, activation="RELU6", seed=5),
    # an_conv1x1_s8_w16's DSP variants (an_conv_pointwise.c an_pw_*): K4 = 8, 24, 32 unrolled whole, K4 a multiple
    # of 32 (64), any K4 (60 = 32 + 16 + 8 + 4, 100 = 3 x 32 + 4); out_c leaving two or one channels after
    # the groups of three; odd pixel counts; full-range outputs (no clamp: NONE, RELU / RELU6 with zero
    # point -128) and clamped ones; saturating outputs and shifts of both signs
    "pointwise_k8_odd_pixels": dict(in_shape=(1, 3, 5, 7), kernel=(1, 1), out_c=5, in_zp=-128, out_zp=-128,
                                    activation="RELU"),
    "pointwise_k24_full_range": dict(in_shape=(1, 5, 3, 21), kernel=(1, 1), out_c=4, activation="RELU6",
                                     out_scale=6 / 255, out_zp=-128, seed=6),
    "pointwise_k32_31_channels": dict(in_shape=(1, 3, 3, 32), kernel=(1, 1), out_c=31, seed=7),
    "pointwise_k64_saturating": dict(in_shape=(1, 4, 3, 64), kernel=(1, 1), out_c=14, out_scale=0.02,
                                     w_scale=(0.005, 0.05), in_zp=0, out_zp=-100, seed=8),
    "pointwise_k60_relu6_clamped": dict(in_shape=(1, 3, 3, 57), kernel=(1, 1), out_c=8, activation="RELU6",
                                        seed=9),
    "pointwise_k100_odd": dict(in_shape=(1, 1, 9, 97), kernel=(1, 1), out_c=13, in_zp=127, out_zp=-5, seed=10),
    "pointwise_k32_shifts_of_both_signs": dict(in_shape=(1, 3, 4, 32), kernel=(1, 1), out_c=11, in_scale=0.05,
                                               w_scale=(0.002, 0.016), out_scale=0.0004, seed=11),
    "pointwise_shift_minus31": dict(in_shape=(1, 3, 5, 6), kernel=(1, 1), out_c=3, in_scale=1e-4,
                                    w_scale=(2e-6, 4e-6), out_scale=1.0, out_zp=5, bias=False),
    # an_conv1x1_s8_prepared_w16 (requantization prepared at generation time, where exact: the cases above
    # whose shifts are all negative take it too; at stride 1 with in_c 8, 16, 32, 64, 96, 128 four pixels by two
    # channels from the pairs layout, the last one or two pixels by two): K4 = 16; in_c 32, 64, 96, 128 with the
    # last block of one, two, three pixels, an even and an odd out_c; stride 1 over two batches of an odd pixel count (one
    # run of pixel pairs across the batches); pruned channels (zero filter, bias +-2^30: constant
    # outputs, as in vww_96_int8) in groups of three and in the last group of two / one; shifts -e of 1 and
    # near 31 (kc = 2^(e-1) + zero point * 2^e at the int32 limit); zero points at both ends
    "pointwise_k16_pruned_channels": dict(in_shape=(1, 5, 5, 16), kernel=(1, 1), out_c=11, in_zp=-128,
                                          out_zp=-128, zero_channels=(0, 4, 10), seed=12),
    "pointwise_k8_batch2_odd_pixels": dict(in_shape=(2, 3, 3, 8), kernel=(1, 1), out_c=7, in_zp=3, seed=16),
    "pointwise_k32_pairs_relu6_nine_pixels": dict(in_shape=(1, 1, 9, 32), kernel=(1, 1), out_c=6,
                                                   activation="RELU6", in_zp=-100, seed=17),
    "pointwise_k64_pairs_ten_pixels_odd_out": dict(in_shape=(1, 2, 5, 64), kernel=(1, 1), out_c=5, in_zp=-128,
                                                   out_zp=-128, activation="RELU", zero_channels=(1,), seed=18),
    "pointwise_k96_pairs_eleven_pixels": dict(in_shape=(1, 1, 11, 96), kernel=(1, 1), out_c=4, seed=19),
    "pointwise_k128_pairs_nine_pixels_saturating": dict(in_shape=(1, 3, 3, 128), kernel=(1, 1), out_c=6,
                                                        out_scale=0.02, w_scale=(0.005, 0.05), out_zp=50, seed=20),
    # the pairs layout at any in_c that is a multiple of four up to 192 (an_conv_pointwise.c an_p4_k24, an_p4_k32n
    # above 128, an_p4_any: passes of 32, then 16, 8 and a last block of four values): in_c 4 (the last block only),
    # 44 (32 + 8 + 4) on a 2x2 attention-condenser plane (PAIRS_MIN_PIXELS: int16 filter below WIDE_FILTER_MIN_PIXELS),
    # 72 (64 + 8), 180 (5 x 32 + 16 + 4), 192 (passes of 32 only), and beyond 192 with the four pixels' columns in
    # scratch (conv_w16="always": a one-layer model's arena grows): 256 (passes of 32), 212 (6 x 32 + 16 + 4), 200
    # (6 x 32 + 8); pixel counts leaving a last block of one, two and three pixels; odd and even out_c; pruned
    # channels, saturation, both zero-point ends
    "pointwise_k4_pairs_seven_pixels": dict(in_shape=(1, 1, 7, 4), kernel=(1, 1), out_c=5, activation="RELU6",
                                            in_zp=-128, seed=21),
    "pointwise_k44_pairs_2x2_condenser": dict(in_shape=(1, 2, 2, 44), kernel=(1, 1), out_c=12, in_zp=4, out_zp=-128,
                                              activation="RELU", zero_channels=(11,), seed=22),
    "pointwise_k72_pairs_six_pixels_odd_out": dict(in_shape=(1, 2, 3, 72), kernel=(1, 1), out_c=9, in_zp=127,
                                                   out_zp=-5, seed=23),
    "pointwise_k180_pairs_five_pixels_saturating": dict(in_shape=(1, 1, 5, 180), kernel=(1, 1), out_c=7,
                                                        out_scale=0.02, w_scale=(0.005, 0.05), out_zp=60, seed=24),
    # from in_c 128 on (an_p4_any128: AN_P4_PASSES_128's entry, k passes of 32 left over after the first and the
    # 16, 8, 4 values after them; 180 k 0 and 212 k 2 above): 136 (k 3; 4x4, two batches, odd out_c, saturating) and
    # 336 (k 1; 4x4 with the columns in scratch, shifts near 31, pruned channels)
    "pointwise_k136_pairs_4x4_batch2_saturating": dict(in_shape=(2, 4, 4, 136), kernel=(1, 1), out_c=9,
                                                       out_scale=0.02, w_scale=(0.005, 0.05), in_zp=-128, out_zp=127,
                                                       activation="RELU6", seed=98),
    "pointwise_k336_scratch_4x4_shift_near_31_pruned": dict(in_shape=(1, 4, 4, 336), kernel=(1, 1), out_c=6,
                                                            in_scale=1e-3, w_scale=(1e-6, 3e-6), out_scale=1.0,
                                                            in_zp=127, out_zp=-1, zero_channels=(0, 5), seed=99),
    "pointwise_k192_pairs_2x2": dict(in_shape=(1, 2, 2, 192), kernel=(1, 1), out_c=6, in_zp=-100, seed=25),
    "pointwise_k256_nine_pixels_odd_out": dict(in_shape=(1, 3, 3, 256), kernel=(1, 1), out_c=3,
                                                     activation="RELU", zero_channels=(0,), seed=26),
    "pointwise_k212_scratch_seven_pixels_saturating": dict(in_shape=(1, 1, 7, 212), kernel=(1, 1), out_c=9,
                                                           out_scale=0.02, w_scale=(0.005, 0.05), in_zp=-128,
                                                           out_zp=-60, zero_channels=(8,), seed=27),
    "pointwise_k200_scratch_2x3_relu6": dict(in_shape=(1, 2, 3, 200), kernel=(1, 1), out_c=10, activation="RELU6",
                                             in_zp=127, out_zp=-128, seed=28),
    # an even out_c at in_c 8, 16, 32, 64, 128 (an_conv_pointwise.c AN_P5_LAYER: every block of four pixels in one
    # asm statement, the columns on its own stack frame), then the last one to three pixels (in_c 64 and 128: blocks
    # of three) by an_p4_run; two batches, pruned channels, saturation, shifts near both ends, zero points at both ends
    "pointwise_k8_p5_fifteen_pixels_pruned": dict(in_shape=(1, 3, 5, 8), kernel=(1, 1), out_c=6, in_zp=-128,
                                                  out_zp=127, zero_channels=(1, 4), seed=29),
    "pointwise_k16_p5_batch2_relu6": dict(in_shape=(2, 3, 3, 16), kernel=(1, 1), out_c=8, activation="RELU6",
                                          out_scale=6 / 255, out_zp=-128, in_zp=127, seed=30),
    "pointwise_k32_p5_thirteen_pixels_saturating": dict(in_shape=(1, 1, 13, 32), kernel=(1, 1), out_c=12,
                                                        out_scale=0.02, w_scale=(0.005, 0.05), out_zp=-100,
                                                        seed=31),
    "pointwise_k64_p5_thirteen_pixels_shift_near_31": dict(in_shape=(1, 1, 13, 64), kernel=(1, 1), out_c=10,
                                                           in_scale=1e-3, w_scale=(1e-6, 3e-6), out_scale=1.0,
                                                           out_zp=-1, seed=32),
    "pointwise_k128_p5_3x5_relu_pruned": dict(in_shape=(1, 3, 5, 128), kernel=(1, 1), out_c=4, activation="RELU",
                                              in_zp=-128, out_zp=-128, zero_channels=(2,), seed=33),
    # in_c 8-32 in passes of four channel pairs (AN_P5_PAIRS4): pair counts of 4 n + 1, + 2, + 3 (the first pass entered
    # at the fourth, third, second pair) and 4 n over several passes; one to three pixels left, two batches,
    # saturation, shifts near 31, pruned channels in the first and last pair
    "pointwise_k8_p5_pairs4_five_pairs_saturating": dict(in_shape=(1, 3, 7, 8), kernel=(1, 1), out_c=10,
                                                         out_scale=0.02, w_scale=(0.005, 0.05), in_zp=127,
                                                         out_zp=-100, zero_channels=(0, 9), seed=46),
    "pointwise_k8_p5_pairs4_six_pairs_relu": dict(in_shape=(1, 6, 6, 8), kernel=(1, 1), out_c=12,
                                                  activation="RELU", in_zp=-128, out_zp=-128, seed=47),
    "pointwise_k16_p5_pairs4_seven_pairs_shift_near_31": dict(in_shape=(2, 3, 3, 16), kernel=(1, 1), out_c=14,
                                                              in_scale=1e-3, w_scale=(1e-6, 3e-6), out_scale=1.0,
                                                              out_zp=-1, seed=48),
    "pointwise_k24_p5_pairs4_two_pairs_pruned": dict(in_shape=(1, 1, 11, 24), kernel=(1, 1), out_c=4, in_zp=-128,
                                                     out_zp=127, zero_channels=(2,), seed=49),
    "pointwise_k32_p5_pairs4_nine_pairs_relu6": dict(in_shape=(1, 3, 5, 32), kernel=(1, 1), out_c=18,
                                                     activation="RELU6", out_scale=6 / 255, out_zp=-128, in_zp=127,
                                                     seed=50),
    # in_c 8 with out_c 16 (AN_P58_LAYER: the filter and records copied into its frame, a block's eight pairs
    # unrolled, each pair's two shifts in one word): two batches with a pixel left, saturation and pruned channels in
    # the first and last pair; vww's shape, smaller; 5x7 (eight blocks, three pixels left) with shifts spread over
    # both ends (e of the two channels of a pair apart); exactly one block with shifts near 31 and two batches of 6x2
    "pointwise_k8_p5_out16_batch2_saturating_pruned": dict(in_shape=(2, 3, 3, 8), kernel=(1, 1), out_c=16,
                                                           out_scale=0.02, w_scale=(0.005, 0.05), in_zp=127,
                                                           out_zp=-100, zero_channels=(0, 15), seed=52),
    "pointwise_k8_p5_out16_6x6_relu6": dict(in_shape=(1, 6, 6, 8), kernel=(1, 1), out_c=16, activation="RELU6",
                                            out_scale=6 / 255, in_zp=-128, out_zp=-128, seed=53),
    "pointwise_k8_p58_out16_5x7_spread_shifts": dict(in_shape=(1, 5, 7, 8), kernel=(1, 1), out_c=16,
                                                    w_scale=(1e-4, 0.08), out_scale=0.03, in_zp=-7, out_zp=100,
                                                    zero_channels=(6,), seed=93),
    "pointwise_k8_p58_out16_one_block_shift_near_31": dict(in_shape=(1, 2, 2, 8), kernel=(1, 1), out_c=16,
                                                           in_scale=1e-3, w_scale=(1e-6, 3e-6), out_scale=1.0,
                                                           out_zp=-1, seed=94),
    "pointwise_k8_p58_out16_batch2_6x2_relu": dict(in_shape=(2, 6, 2, 8), kernel=(1, 1), out_c=16,
                                                   activation="RELU", in_zp=127, out_zp=-128, seed=95),
    # the records' LDMDB over many passes: the demo AttendNet-B's in_c 24 -> 40 (five passes of four pairs), its
    # in_c 40 -> 24 (six passes of two pairs); saturation, pruned channels in the first and last pair
    "pointwise_k24_p5_pairs4_twenty_pairs_saturating_pruned": dict(in_shape=(1, 3, 5, 24), kernel=(1, 1), out_c=40,
                                                                   out_scale=0.02, w_scale=(0.005, 0.05), in_zp=-128,
                                                                   out_zp=90, zero_channels=(0, 39), seed=91),
    "pointwise_k40_p5_pairs2_twelve_pairs_batch2_relu6": dict(in_shape=(2, 3, 3, 40), kernel=(1, 1), out_c=24,
                                                              activation="RELU6", out_scale=6 / 255, in_zp=127,
                                                              out_zp=-128, seed=92),
    "pointwise_k32_p5_pairs4_sixteen_pairs_saturating": dict(in_shape=(1, 2, 4, 32), kernel=(1, 1), out_c=32,
                                                             out_scale=0.02, w_scale=(0.005, 0.05), in_zp=-128,
                                                             out_zp=60, zero_channels=(31,), seed=51),
    # in_c 16 and 32 with out_c 32 and 64, in_c 64 with out_c 64 (variants pairs16_out32 ... pairs64_out64:
    # AN_P5_PAIRS4_32 / 64, the pixel strides immediates, the pass's pairs at negative offsets from an output pointer
    # 6 bytes on, its last pair's first store post-indexed): two batches with pixels left (in_c 64: blocks of
    # three), saturation, shifts near 31, pruned channels in the first and last pair (both passes' ends)
    "pointwise_k16_p5_out32_batch2_saturating_pruned": dict(in_shape=(2, 3, 3, 16), kernel=(1, 1), out_c=32,
                                                            out_scale=0.02, w_scale=(0.005, 0.05), in_zp=127,
                                                            out_zp=-100, zero_channels=(0, 31), seed=63),
    "pointwise_k16_p5_out32_thirteen_pixels_shift_near_31": dict(in_shape=(1, 1, 13, 16), kernel=(1, 1), out_c=32,
                                                                 in_scale=1e-3, w_scale=(1e-6, 3e-6), out_scale=1.0,
                                                                 out_zp=-1, seed=59),
    # in_c 16 and 32 with out_c 32 (AN_P5F_LAYER: the layer's filter and records in the statement's frame): nine blocks
    "pointwise_k32_p5_out32_6x6_saturating_pruned": dict(in_shape=(1, 6, 6, 32), kernel=(1, 1), out_c=32,
                                                         out_scale=0.02, w_scale=(0.005, 0.05), in_zp=127, out_zp=-100,
                                                         zero_channels=(0, 17), seed=67),
    "pointwise_k16_p5_out32_6x6_relu6_pruned": dict(in_shape=(1, 6, 6, 16), kernel=(1, 1), out_c=32, activation="RELU6",
                                                    out_scale=6 / 255, in_zp=-128, out_zp=-128, zero_channels=(5, 30),
                                                    seed=66),
    "pointwise_k32_p5_out32_batch2_relu6_pruned": dict(in_shape=(2, 2, 5, 32), kernel=(1, 1), out_c=32,
                                                       activation="RELU6", out_scale=6 / 255, in_zp=-128, out_zp=-128,
                                                       zero_channels=(7, 8), seed=60),
    "pointwise_k32_p5_out64_saturating_pruned": dict(in_shape=(1, 3, 5, 32), kernel=(1, 1), out_c=64,
                                                     out_scale=0.02, w_scale=(0.005, 0.05), in_zp=-128, out_zp=127,
                                                     zero_channels=(0, 63), seed=61),
    "pointwise_k32_p5_out64_batch2_shift_near_31": dict(in_shape=(2, 3, 3, 32), kernel=(1, 1), out_c=64,
                                                        in_scale=1e-3, w_scale=(1e-6, 3e-6), out_scale=1.0, out_zp=-1,
                                                        seed=62),
    "pointwise_k64_p5_out64_3x5_saturating_pruned": dict(in_shape=(1, 3, 5, 64), kernel=(1, 1), out_c=64,
                                                         out_scale=0.02, w_scale=(0.005, 0.05), in_zp=127, out_zp=-100,
                                                         zero_channels=(0, 63), seed=64),
    "pointwise_k64_p5_out64_batch2_relu6_shift_near_31": dict(in_shape=(2, 2, 5, 64), kernel=(1, 1), out_c=64,
                                                              activation="RELU6", in_scale=1e-3, w_scale=(1e-6, 3e-6),
                                                              out_scale=1.0, out_zp=-1, seed=65),
    # the further out_c-known forms (POINTWISE_OUT_FORMS: AN_P5_PAIRS4_S at in_c 24 and 32, AN_P5_PAIRS2_S from in_c 40
    # on, out_c an operand of the statement): the demo AttendNet-B's layers and vww's 6x6x128 -> 128, with pixels left
    # (blocks of three, one or two last pixels), two batches, saturation, shifts near 31, pruned first and last channels
    "pointwise_k24_p5_out40_batch2_saturating_pruned": dict(in_shape=(2, 3, 3, 24), kernel=(1, 1), out_c=40,
                                                            out_scale=0.02, w_scale=(0.005, 0.05), in_zp=127,
                                                            out_zp=-100, zero_channels=(0, 39), seed=201),
    "pointwise_k24_p5_out72_seven_pixels_relu6": dict(in_shape=(1, 1, 7, 24), kernel=(1, 1), out_c=72,
                                                      activation="RELU6", out_scale=6 / 255, in_zp=-128, out_zp=-128,
                                                      seed=202),
    "pointwise_k32_p5_out96_3x3_shift_near_31": dict(in_shape=(1, 3, 3, 32), kernel=(1, 1), out_c=96, in_scale=1e-3,
                                                     w_scale=(1e-6, 3e-6), out_scale=1.0, out_zp=-1, seed=203),
    "pointwise_k32_p5_out112_batch2_saturating_pruned": dict(in_shape=(2, 2, 5, 32), kernel=(1, 1), out_c=112,
                                                             out_scale=0.02, w_scale=(0.005, 0.05), in_zp=-128,
                                                             out_zp=127, zero_channels=(0, 111), seed=204),
    "pointwise_k40_p5_out24_batch2_saturating_pruned": dict(in_shape=(2, 3, 3, 40), kernel=(1, 1), out_c=24,
                                                            out_scale=0.02, w_scale=(0.005, 0.05), in_zp=127,
                                                            out_zp=-100, zero_channels=(0, 23), seed=205),
    "pointwise_k48_p5_out144_3x5_relu6": dict(in_shape=(1, 3, 5, 48), kernel=(1, 1), out_c=144, activation="RELU6",
                                              out_scale=6 / 255, in_zp=-128, out_zp=-128, seed=206),
    "pointwise_k48_p5_out192_thirteen_pixels_shift_near_31": dict(in_shape=(1, 1, 13, 48), kernel=(1, 1), out_c=192,
                                                                  in_scale=1e-3, w_scale=(1e-6, 3e-6), out_scale=1.0,
                                                                  out_zp=-1, seed=207),
    "pointwise_k96_p5_out32_batch2_saturating_pruned": dict(in_shape=(2, 3, 3, 96), kernel=(1, 1), out_c=32,
                                                            out_scale=0.02, w_scale=(0.005, 0.05), in_zp=-128,
                                                            out_zp=90, zero_channels=(0, 31), seed=208),
    "pointwise_k96_p5_out288_seven_pixels_relu6_pruned": dict(in_shape=(1, 1, 7, 96), kernel=(1, 1), out_c=288,
                                                              activation="RELU6", out_scale=6 / 255, in_zp=127,
                                                              out_zp=-128, zero_channels=(1, 286), seed=209),
    "pointwise_k96_p5_out336_2x5_saturating": dict(in_shape=(1, 2, 5, 96), kernel=(1, 1), out_c=336,
                                                   out_scale=0.02, w_scale=(0.005, 0.05), in_zp=-128, out_zp=60,
                                                   seed=210),
    "pointwise_k112_p5_out448_3x3_shift_near_31_pruned": dict(in_shape=(1, 3, 3, 112), kernel=(1, 1), out_c=448,
                                                              in_scale=1e-3, w_scale=(1e-6, 3e-6), out_scale=1.0,
                                                              out_zp=-1, zero_channels=(0, 447), seed=211),
    "pointwise_k128_p5_out128_3x5_batch2_saturating": dict(in_shape=(2, 3, 5, 128), kernel=(1, 1), out_c=128,
                                                           out_scale=0.02, w_scale=(0.005, 0.05), in_zp=127,
                                                           out_zp=-100, seed=212),
    "pointwise_k192_p5_out576_4x4_relu6_pruned": dict(in_shape=(1, 4, 4, 192), kernel=(1, 1), out_c=576,
                                                      activation="RELU6", out_scale=6 / 255, in_zp=-128, out_zp=-128,
                                                      zero_channels=(0, 575), seed=213),
    "pointwise_k192_p5_out704_batch2_seven_pixels_saturating": dict(in_shape=(2, 1, 7, 192), kernel=(1, 1),
                                                                    out_c=704, out_scale=0.02,
                                                                    w_scale=(0.005, 0.05), in_zp=127, out_zp=-90,
                                                                    seed=214),
    # in_c 72 and 144 by AN_P5_LAYER too (pairs72, pairs144: an_p4_any after it; 144 the split column layout), out_c
    # known (pairs72_out32, pairs144_out48: the demo's 8x8x72 -> 32 and 4x4x144 -> 48) and not (an odd pair count:
    # the pass entered at its second pair; odd out_c: all by an_p4_any), pixels left, two batches
    "pointwise_k72_p5_out32_batch2_saturating_pruned": dict(in_shape=(2, 3, 3, 72), kernel=(1, 1), out_c=32,
                                                            out_scale=0.02, w_scale=(0.005, 0.05), in_zp=127,
                                                            out_zp=-100, zero_channels=(0, 31), seed=215),
    "pointwise_k72_p5_pairs2_seven_pairs_3x5_relu6": dict(in_shape=(1, 3, 5, 72), kernel=(1, 1), out_c=14,
                                                          activation="RELU6", out_scale=6 / 255, in_zp=-128,
                                                          out_zp=-128, zero_channels=(13,), seed=216),
    "pointwise_k72_odd_out_c_seven_pixels_shift_near_31": dict(in_shape=(1, 1, 7, 72), kernel=(1, 1), out_c=9,
                                                               in_scale=1e-3, w_scale=(1e-6, 3e-6), out_scale=1.0,
                                                               out_zp=-1, seed=217),
    "pointwise_k144_p5_out48_4x4_batch2_relu6_pruned": dict(in_shape=(2, 4, 4, 144), kernel=(1, 1), out_c=48,
                                                            activation="RELU6", out_scale=6 / 255, in_zp=-128,
                                                            out_zp=-128, zero_channels=(0, 47), seed=218),
    "pointwise_k144_p5_pairs2_five_pairs_seven_pixels_saturating": dict(in_shape=(1, 1, 7, 144), kernel=(1, 1),
                                                                        out_c=10, out_scale=0.02,
                                                                        w_scale=(0.005, 0.05), in_zp=127,
                                                                        out_zp=-90, seed=219),
    "pointwise_k144_p5_out48_3x3_shift_near_31": dict(in_shape=(1, 3, 3, 144), kernel=(1, 1), out_c=48, in_scale=1e-3,
                                                      w_scale=(1e-6, 3e-6), out_scale=1.0, out_zp=-1, seed=220),
    # the plain forms whose cases above take their _z twins: no activation (output zero points above -128: at -128
    # act_min is the zero point, the twin's), saturating, pruned channels
    "pointwise_k24_p5_out72_seven_pixels_saturating_pruned": dict(in_shape=(1, 1, 7, 24), kernel=(1, 1), out_c=72,
                                                                  out_scale=0.02, w_scale=(0.005, 0.05), in_zp=-128,
                                                                  out_zp=-60, zero_channels=(0, 71), seed=235),
    "pointwise_k48_p5_out144_3x5_saturating": dict(in_shape=(1, 3, 5, 48), kernel=(1, 1), out_c=144, out_scale=0.02,
                                                   w_scale=(0.005, 0.05), in_zp=127, out_zp=-20, seed=236),
    "pointwise_k96_p5_out288_seven_pixels_saturating_pruned": dict(in_shape=(1, 1, 7, 96), kernel=(1, 1), out_c=288,
                                                                   out_scale=0.02, w_scale=(0.005, 0.05), in_zp=127,
                                                                   out_zp=-60, zero_channels=(1, 286), seed=237),
    "pointwise_k192_p5_out576_4x4_saturating": dict(in_shape=(1, 4, 4, 192), kernel=(1, 1), out_c=576,
                                                    out_scale=0.02, w_scale=(0.005, 0.05), in_zp=-128, out_zp=100,
                                                    seed=238),
    # their _z twins (POINTWISE_LO_AT_ZP_FORMS: RELU / RELU6, act_min at or above the output zero point, the
    # requantization's SMMLAR by kc alone): act_min -128 (SSAT the clamp) and above it (the clamp pass: zero points
    # -20, 100, -1), saturating scales with negative accumulators (input zero points at both ends), shifts near 31,
    # pruned first and last channels, two batches and pixels left (an_p4_run's, without the twin)
    "pointwise_k32_p5_out64_z_relu6_batch2_zp_m20_saturating_pruned": dict(in_shape=(2, 3, 3, 32), kernel=(1, 1),
                                                                           out_c=64, activation="RELU6",
                                                                           out_scale=0.02, w_scale=(0.005, 0.05),
                                                                           in_zp=-128, out_zp=-20,
                                                                           zero_channels=(0, 63), seed=234),
    "pointwise_k24_p5_out40_z_relu_batch2_saturating_pruned": dict(in_shape=(2, 3, 3, 24), kernel=(1, 1), out_c=40,
                                                                   activation="RELU", out_scale=0.02,
                                                                   w_scale=(0.005, 0.05), in_zp=127, out_zp=-128,
                                                                   zero_channels=(0, 39), seed=221),
    "pointwise_k24_p5_out72_z_relu6_zp_m20_saturating": dict(in_shape=(1, 1, 7, 24), kernel=(1, 1), out_c=72,
                                                             activation="RELU6", out_scale=0.02,
                                                             w_scale=(0.005, 0.05), in_zp=-128, out_zp=-20,
                                                             seed=222),
    "pointwise_k32_p5_out96_z_relu_zp100_saturating_pruned": dict(in_shape=(1, 3, 3, 32), kernel=(1, 1), out_c=96,
                                                                  activation="RELU", out_scale=0.02,
                                                                  w_scale=(0.005, 0.05), in_zp=127, out_zp=100,
                                                                  zero_channels=(0, 95), seed=223),
    "pointwise_k32_p5_out112_z_relu6_batch2_shift_near_31": dict(in_shape=(2, 2, 5, 32), kernel=(1, 1), out_c=112,
                                                                 activation="RELU6", in_scale=1e-3,
                                                                 w_scale=(1e-6, 3e-6), out_scale=1.0, out_zp=-1,
                                                                 seed=224),
    "pointwise_k48_p5_out144_z_relu6_zp_m20_pruned": dict(in_shape=(1, 3, 5, 48), kernel=(1, 1), out_c=144,
                                                          activation="RELU6", out_scale=6 / 255, in_zp=127,
                                                          out_zp=-20, zero_channels=(0, 143), seed=225),
    "pointwise_k48_p5_out192_z_relu_saturating": dict(in_shape=(1, 1, 13, 48), kernel=(1, 1), out_c=192,
                                                      activation="RELU", out_scale=0.02, w_scale=(0.005, 0.05),
                                                      in_zp=-128, out_zp=-128, seed=226),
    "pointwise_k64_p5_out64_z_relu_zp100_saturating_pruned": dict(in_shape=(1, 3, 5, 64), kernel=(1, 1), out_c=64,
                                                                  activation="RELU", out_scale=0.02,
                                                                  w_scale=(0.005, 0.05), in_zp=127, out_zp=100,
                                                                  zero_channels=(0, 63), seed=227),
    "pointwise_k96_p5_out288_z_relu6_saturating": dict(in_shape=(1, 1, 7, 96), kernel=(1, 1), out_c=288,
                                                       activation="RELU6", out_scale=0.02, w_scale=(0.005, 0.05),
                                                       in_zp=-128, out_zp=-128, seed=228),
    "pointwise_k96_p5_out336_z_relu_zp_m20_saturating_pruned": dict(in_shape=(1, 2, 5, 96), kernel=(1, 1),
                                                                    out_c=336, activation="RELU", out_scale=0.02,
                                                                    w_scale=(0.005, 0.05), in_zp=127, out_zp=-20,
                                                                    zero_channels=(0, 335), seed=229),
    "pointwise_k112_p5_out448_z_relu6_shift_near_31": dict(in_shape=(1, 3, 3, 112), kernel=(1, 1), out_c=448,
                                                           activation="RELU6", in_scale=1e-3, w_scale=(1e-6, 3e-6),
                                                           out_scale=1.0, out_zp=-1, seed=230),
    "pointwise_k128_p5_out128_z_relu6_batch2_saturating": dict(in_shape=(2, 3, 5, 128), kernel=(1, 1), out_c=128,
                                                               activation="RELU6", out_scale=0.02,
                                                               w_scale=(0.005, 0.05), in_zp=127, out_zp=-128,
                                                               seed=231),
    "pointwise_k192_p5_out576_z_relu_zp100_saturating": dict(in_shape=(1, 4, 4, 192), kernel=(1, 1), out_c=576,
                                                             activation="RELU", out_scale=0.02,
                                                             w_scale=(0.005, 0.05), in_zp=-128, out_zp=100,
                                                             seed=232),
    "pointwise_k192_p5_out704_z_relu6_batch2_seven_pixels_pruned": dict(in_shape=(2, 1, 7, 192), kernel=(1, 1),
                                                                        out_c=704, activation="RELU6",
                                                                        out_scale=0.02, w_scale=(0.005, 0.05),
                                                                        in_zp=127, out_zp=-20,
                                                                        zero_channels=(0, 703), seed=233),
    # in_c 40, 48, 56 (an_conv1x1_s8_prepared_w16_pairs40 / 48 / 56: AN_P5_LAYER, then an_p4_any's blocks of three
    # or last pixels): thirteen pixels (one block, three blocks of three), two batches of nine (four blocks, two
    # pixels), 3x5 (three blocks, one block of three); saturation, shifts near 31, pruned channels, zero points at
    # both ends
    "pointwise_k40_p5_thirteen_pixels_saturating": dict(in_shape=(1, 1, 13, 40), kernel=(1, 1), out_c=10,
                                                        out_scale=0.02, w_scale=(0.005, 0.05), in_zp=127,
                                                        out_zp=-100, seed=34),
    "pointwise_k48_p5_batch2_shift_near_31": dict(in_shape=(2, 3, 3, 48), kernel=(1, 1), out_c=8, in_scale=1e-3,
                                                  w_scale=(1e-6, 3e-6), out_scale=1.0, out_zp=-1, seed=35),
    "pointwise_k56_p5_3x5_relu6_pruned": dict(in_shape=(1, 3, 5, 56), kernel=(1, 1), out_c=6, activation="RELU6",
                                              out_scale=6 / 255, in_zp=-128, out_zp=-128, zero_channels=(1, 4),
                                              seed=36),
    # the same at in_c 96, 112 and 192 (columns of pixels 2 and 3 first, of 0 and 1 after them: LDRD reaches 1020
    # bytes), the rest by an_p4_run: in_c 96 nine pixels in blocks of three, 112 (not a multiple of 32: an_p4_any
    # from the first pixel left) three and two pixels, 192 the demo's 4x4 planes in two batches and
    # seven pixels (a block of three)
    "pointwise_k96_p5_thirteen_pixels_saturating": dict(in_shape=(1, 1, 13, 96), kernel=(1, 1), out_c=10,
                                                        out_scale=0.02, w_scale=(0.005, 0.05), out_zp=-90, seed=39),
    "pointwise_k112_p5_3x5_relu6_pruned": dict(in_shape=(1, 3, 5, 112), kernel=(1, 1), out_c=6, activation="RELU6",
                                               in_zp=127, out_zp=-128, zero_channels=(0, 5), seed=40),
    "pointwise_k112_p5_2x3_shift_near_31": dict(in_shape=(1, 2, 3, 112), kernel=(1, 1), out_c=8, in_scale=1e-3,
                                                w_scale=(1e-6, 3e-6), out_scale=1.0, out_zp=-1, seed=41),
    "pointwise_k192_p5_4x4_batch2_pruned": dict(in_shape=(2, 4, 4, 192), kernel=(1, 1), out_c=12, in_zp=-128,
                                                out_zp=127, zero_channels=(3,), seed=37),
    "pointwise_k192_p5_seven_pixels_saturating": dict(in_shape=(1, 1, 7, 192), kernel=(1, 1), out_c=10,
                                                      out_scale=0.02, w_scale=(0.005, 0.05), in_zp=-128, out_zp=60,
                                                      seed=38),
    # in_c 64 on in passes of two channel pairs (AN_P5_PAIRS2, the stores between the next pair's loads): one pair (the
    # pass entered at the second, the frame's output pointer 2 bytes back), seven pairs in two batches, eight pairs
    # over three blocks, three pairs; saturation, shifts near 31, pruned channels in the first and last pair
    "pointwise_k128_p5_pairs2_one_pair_saturating": dict(in_shape=(1, 2, 4, 128), kernel=(1, 1), out_c=2,
                                                         out_scale=0.02, w_scale=(0.005, 0.05), in_zp=127,
                                                         out_zp=-100, seed=54),
    "pointwise_k64_p5_pairs2_seven_pairs_batch2_pruned": dict(in_shape=(2, 3, 4, 64), kernel=(1, 1), out_c=14,
                                                              activation="RELU6", out_scale=6 / 255, in_zp=-128,
                                                              out_zp=-128, zero_channels=(0, 13), seed=55),
    "pointwise_k128_p5_pairs2_eight_pairs_shift_near_31": dict(in_shape=(1, 2, 6, 128), kernel=(1, 1), out_c=16,
                                                               in_scale=1e-3, w_scale=(1e-6, 3e-6), out_scale=1.0,
                                                               out_zp=-1, seed=56),
    "pointwise_k96_p5_pairs2_three_pairs_saturating": dict(in_shape=(2, 2, 2, 96), kernel=(1, 1), out_c=6,
                                                           out_scale=0.02, w_scale=(0.005, 0.05), in_zp=-128,
                                                           out_zp=127, zero_channels=(5,), seed=57),
    # in_c a multiple of 32 outside AN_P5_LAYER's (an_p4_k32n: a first pass of 32 values, then passes of 128
    # entered at the part that leaves a whole number of them, k passes of 32 left over): 160 (k 0, one pass; seven
    # pixels, odd out_c), 256 (k 3; a 2x2 plane), 288 (k 0, two passes), 224 (k 2), 320 (k 1), 448 (k 1, three whole
    # passes) and 576 (k 1, four) with the columns in scratch
    "pointwise_k160_pairs_seven_pixels_odd_out": dict(in_shape=(1, 1, 7, 160), kernel=(1, 1), out_c=5, in_zp=-128,
                                                      out_zp=-20, zero_channels=(2,), seed=42),
    "pointwise_k256_pairs_2x2_shift_near_31": dict(in_shape=(1, 2, 2, 256), kernel=(1, 1), out_c=8, in_scale=1e-3,
                                                   w_scale=(1e-6, 3e-6), out_scale=1.0, out_zp=-1, seed=43),
    "pointwise_k288_scratch_4x4_relu_pruned": dict(in_shape=(1, 4, 4, 288), kernel=(1, 1), out_c=6, activation="RELU",
                                                   in_zp=127, out_zp=-128, zero_channels=(5,), seed=44),
    # AN_P4_LOOP's stores behind loads (the third behind the next pair's bias loads, skipped after the last pair): one
    # pair and the odd channel over two batches of six pixels (a block of four, two left each), in_c 320 saturating
    "pointwise_k320_scratch_one_pair_batch2_saturating": dict(in_shape=(2, 2, 3, 320), kernel=(1, 1), out_c=3,
                                                              out_scale=0.02, w_scale=(0.005, 0.05), in_zp=127,
                                                              out_zp=-100, zero_channels=(2,), seed=58),
    "pointwise_k224_scratch_4x4_odd_out_shift_near_31": dict(in_shape=(1, 4, 4, 224), kernel=(1, 1), out_c=7,
                                                             in_scale=1e-3, w_scale=(1e-6, 3e-6), out_scale=1.0,
                                                             in_zp=-128, out_zp=-1, seed=96),
    "pointwise_k576_scratch_2x2_batch2_saturating": dict(in_shape=(2, 2, 2, 576), kernel=(1, 1), out_c=6,
                                                         out_scale=0.02, w_scale=(0.005, 0.05), in_zp=127, out_zp=-128,
                                                         activation="RELU6", zero_channels=(0,), seed=97),
    "pointwise_k448_scratch_2x3_saturating": dict(in_shape=(1, 2, 3, 448), kernel=(1, 1), out_c=4, out_scale=0.02,
                                                  w_scale=(0.005, 0.05), in_zp=-128, out_zp=100, seed=45),
    "pointwise_k8_pruned_last_pair_relu6": dict(in_shape=(1, 3, 3, 8), kernel=(1, 1), out_c=5, activation="RELU6",
                                                zero_channels=(3, 4), seed=13),
    "pointwise_k40_shift_minus1": dict(in_shape=(1, 3, 3, 40), kernel=(1, 1), out_c=7, in_scale=0.5,
                                       w_scale=(0.26, 0.48), out_scale=0.5, out_zp=127, seed=14),
    "pointwise_k12_shift_near_31": dict(in_shape=(1, 4, 3, 12), kernel=(1, 1), out_c=4, in_scale=1e-3,
                                        w_scale=(1e-6, 3e-6), out_scale=1.0, out_zp=-1, seed=15),
    # outside the pairs layout by K4 (an_conv1x1_s8_prepared_w16_k32, _k32n: an_pq_k32, an_pq_k32n): in_c 30 (K4 32)
    # and 64 at stride 2, odd pixel counts, odd out_c (every entry point is some case's: the test below)
    "pointwise_k32_c30_odd_out": dict(in_shape=(1, 3, 5, 30), kernel=(1, 1), out_c=7, in_zp=-128, seed=29),
    "pointwise_k64_stride2_relu": dict(in_shape=(1, 7, 5, 64), kernel=(1, 1), stride=(2, 2), padding="VALID",
                                       out_c=5, activation="RELU", in_zp=11, out_zp=-3, seed=30),
    # an_conv2d_s8_w16's segment-padded im2col (an_conv.h, AN_CONV_W16_KXK): one input channel (rows of
    # 3 and 4 values), three (a run of 9 read as 12), odd and 4-aligned depths, rows across the image's
    # edges, dilation (tap by tap, with and without whole blocks), the run at the input tensor's end
    # (VALID: the last row's read would pass it), out_c leaving groups of one and two, extreme scales
    "w16_c1_3x3_stride2": dict(in_shape=(1, 13, 11, 1), stride=(2, 2), out_c=7, activation="RELU", in_zp=-128),
    "w16_c1_10x4_stride2": dict(in_shape=(1, 15, 10, 1), kernel=(10, 4), stride=(2, 2), out_c=8, in_zp=100,
                                out_zp=-128, w_scale=(0.001, 0.005)),
    "w16_c3_3x3_stride2_valid_relu6": dict(in_shape=(1, 15, 13, 3), stride=(2, 2), padding="VALID", out_c=8,
                                           activation="RELU6", in_zp=-128, out_zp=-128),
    "w16_c16_3x3_same": dict(in_shape=(1, 7, 9, 16), out_c=16, in_zp=3, w_scale=(0.001, 0.004)),
    "w16_c5_dilation2_stride2x1": dict(in_shape=(1, 11, 12, 5), dilation=(2, 2), stride=(2, 1), out_c=4),
    "w16_c8_dilation1x2_batch2": dict(in_shape=(2, 7, 10, 8), dilation=(1, 2), out_c=7, activation="RELU"),
    "w16_c2_valid_tensor_end": dict(in_shape=(1, 6, 7, 2), padding="VALID", out_c=11, in_zp=127),
    "w16_c3_5x5_saturating": dict(in_shape=(1, 9, 8, 3), kernel=(5, 5), out_c=6, out_scale=0.0004,
                                  w_scale=(0.05, 0.2), in_zp=0, out_zp=0),
    "w16_c6_2x3_tiny_multiplier": dict(in_shape=(1, 8, 9, 6), kernel=(2, 3), stride=(1, 2), out_c=5,
                                       in_scale=1e-6, w_scale=(1e-6, 1e-5), out_scale=1.0, out_zp=-3),
    # an_conv2d_s8_w16's 3x3 first-layer loop on DSP cores (an_conv_kxk.c an_kxk3_first: rows of S = 4 or 12
    # values, every shift negative, the activation spanning int8): one, three and four input channels, strides
    # 1 and 2, SAME (outputs across the top/left and bottom/right edges) and VALID (the last rows' runs at the
    # tensor's end), odd pixel counts (the last pixel twice), out_c leaving groups of one and two channels, a
    # batch of two, RELU with zero point -128 (full range), multipliers near 2^-31 and saturating outputs
    "first3x3_c1_stride2_same": dict(in_shape=(1, 13, 11, 1), stride=(2, 2), out_c=8, activation="RELU",
                                     in_zp=-128, out_zp=-128, seed=12),
    "first3x3_c1_valid_odd_pixels": dict(in_shape=(1, 9, 7, 1), padding="VALID", out_c=4, in_zp=127, seed=13),
    "first3x3_c3_stride2_same": dict(in_shape=(1, 15, 14, 3), stride=(2, 2), out_c=8, in_zp=-128, out_zp=-5,
                                     seed=14),
    "first3x3_c3_odd_saturating": dict(in_shape=(1, 7, 9, 3), out_c=5, out_scale=0.003, w_scale=(0.01, 0.025),
                                       in_zp=0, out_zp=0, seed=15),
    "first3x3_c3_valid_stride2_batch2": dict(in_shape=(2, 11, 10, 3), stride=(2, 2), padding="VALID", out_c=7,
                                             in_scale=1e-4, w_scale=(2e-6, 4e-6), out_scale=1.0, out_zp=5,
                                             seed=16),
    "first3x3_c4_relu_full_range": dict(in_shape=(1, 6, 7, 4), out_c=10, activation="RELU", out_zp=-128, seed=17),
    # an_kxk3_first's edge rows (an_kxk3_edge) with the largest pad value on all four sides, odd output rows
    "first3x3_c3_same_pad127": dict(in_shape=(1, 9, 13, 3), out_c=4, in_zp=127, out_zp=3, seed=18),
    # an_conv2d_s8_prepared_w16's first layers read their filter rows in pairs (an_conv.h AN_CONV_KXK3_FIRST): four
    # channels per pass on DSP cores, then a pair and a last channel: out_c 6, 10 (a pair left), 3 (no group of four)
    "first3x3_c1_out6_odd_pixels": dict(in_shape=(1, 7, 5, 1), out_c=6, in_zp=-3, out_zp=-128, seed=19),
    "first3x3_c3_out10_stride2_pad127": dict(in_shape=(1, 9, 11, 3), stride=(2, 2), out_c=10, in_zp=127,
                                             activation="RELU6", seed=20),
    "first3x3_c1_out3_stride2": dict(in_shape=(1, 10, 9, 1), stride=(2, 2), out_c=3, out_scale=0.004, seed=21),
    # out_c a multiple of four: each row's run of interior pixel pairs in one asm statement (an_k3_pq_row, optimised
    # DSP builds): runs of many pairs and of one, odd output widths (pairs across rows), the runs cut at the tensor's
    # end (VALID), a batch of two, saturating outputs and multipliers near 2^-31, pruned (all-zero) channels
    "first3x3_c3_rows_out12_saturating": dict(in_shape=(1, 9, 23, 3), out_c=12, out_scale=0.004,
                                              w_scale=(0.01, 0.03), in_zp=-128, out_zp=-3, seed=22,
                                              zero_channels=(5,)),
    "first3x3_c1_rows_valid_batch2": dict(in_shape=(2, 11, 19, 1), stride=(2, 2), padding="VALID", out_c=8,
                                          in_scale=1e-3, w_scale=(2e-6, 4e-6), out_scale=1.0, in_zp=127, out_zp=5,
                                          seed=23),
    # ... with each row's last pair in the same statement where its pixel 1 has only its kx = 2 taps right of the
    # image (an_k3_pq_row's edge pair: SAME at stride 2 on an even width, SAME at stride 1) and the row whose third
    # input row is just below the image (its bottom run, with and without its edge pair): pad values -128 (a byte
    # 0x80), 127 and 0, a batch of two (the first image's rows read into the second's), odd output widths (the edge
    # pair on every other row), the last rows' runs at the tensor's end (the gathered columns), saturating outputs,
    # a pruned channel
    "first3x3_c3_rows_right_edge_stride2_batch2": dict(in_shape=(2, 10, 20, 3), stride=(2, 2), out_c=8,
                                                       out_scale=0.004, w_scale=(0.01, 0.03), in_zp=-128,
                                                       out_zp=-3, seed=24, zero_channels=(6,)),
    "first3x3_c1_rows_right_edge_stride2_pad127": dict(in_shape=(1, 13, 18, 1), stride=(2, 2), out_c=12,
                                                       out_scale=0.02, in_zp=127, out_zp=5, seed=25),
    "first3x3_c3_rows_right_edge_stride1_odd_width": dict(in_shape=(1, 7, 11, 3), out_c=4, activation="RELU",
                                                          in_zp=0, out_zp=-128, seed=26),
    "first3x3_c1_rows_right_edge_stride1_batch2": dict(in_shape=(2, 6, 12, 1), out_c=8, out_scale=0.004,
                                                       w_scale=(0.01, 0.03), in_zp=-128, out_zp=100, seed=27),
    # ... with an even count of groups of four channels above two (two groups a pass of an_k3_pq_row's loop, the
    # pass taken more than once): one and three channels, a batch of two, odd output widths, saturating outputs,
    # pad values -128 and 127, a pruned channel in the second group of a pass
    "first3x3_c3_rows_out16_batch2": dict(in_shape=(2, 12, 21, 3), stride=(2, 2), out_c=16, out_scale=0.004,
                                          w_scale=(0.01, 0.03), in_zp=-128, out_zp=-3, seed=28, zero_channels=(6,)),
    "first3x3_c1_rows_out24_odd_width": dict(in_shape=(1, 11, 15, 1), out_c=24, out_scale=0.02, in_zp=127,
                                             out_zp=5, seed=29),
    # ... with the activation's lower bound at or above the output zero point (RELU, RELU6: an_k3_pq_row's _z
    # statements, SMMLAR by kc alone): zero points -128 (SSAT the only clamp) and above (the pass over the output:
    # negative accumulators at most the zero point), one and three channels, one and two groups a pass, the edge and
    # bottom runs, a batch of two, a pruned channel, pad values 127 and -128
    "first3x3_c1_rows_relu6_out24_lo_at_zp": dict(in_shape=(1, 12, 17, 1), stride=(2, 2), out_c=24,
                                                  activation="RELU6", out_scale=0.01, in_zp=127, out_zp=-20,
                                                  seed=30, zero_channels=(9,)),
    "first3x3_c1_rows_relu_out12_batch2": dict(in_shape=(2, 10, 16, 1), stride=(2, 2), out_c=12, activation="RELU",
                                               out_scale=0.02, in_zp=-128, out_zp=-128, seed=31),
    "first3x3_c3_rows_relu6_out16_lo_at_zp": dict(in_shape=(1, 10, 18, 3), stride=(2, 2), out_c=16,
                                                  activation="RELU6", out_scale=0.02, in_zp=-128, out_zp=10,
                                                  seed=32, zero_channels=(13,)),
    "first3x3_c3_rows_relu_out12_odd_width": dict(in_shape=(1, 9, 13, 3), out_c=12, activation="RELU",
                                                  out_scale=0.004, w_scale=(0.01, 0.03), in_zp=0, out_zp=-60,
                                                  seed=33),
}


@pytest.fixture(scope="module", autouse=True)
def _registered():
    lowerings = load_lowerings()
    for name in ("CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "MAX_POOL_2D"):
        assert name in lowerings


def conv_compiled(case, prepared=True):
    """The CompiledModel of CONV_CASES[case] with an_conv2d_s8_w16 wherever the generator widens the filter
    (lower_model's conv_w16="always": on a one-layer model the segment-padded scratch of a first layer's
    3x3x3 raises the arena, which the default refuses); ``prepared`` False: an_conv1x1_s8_w16 / an_conv2d_s8_w16
    where the generator chose an_conv1x1_s8_prepared_w16 / an_conv2d_s8_prepared_w16 (unprepare_pointwise /
    unprepare_kxk: the same outputs)."""
    from codegen.compiled.emit import emit_model
    from codegen.compiled.lower import lower_model
    from codegen.compiled.ops.conv import PREPARED_KXK, PREPARED_POINTWISE, unprepare_kxk, unprepare_pointwise
    from converter.tflite_model import load_model

    program = lower_model(load_model(conv_model(**CONV_CASES[case])), conv_w16="always")
    for step in program.steps:
        if not prepared and step.function == PREPARED_POINTWISE:
            unprepare_pointwise(step)
        if not prepared and step.function == PREPARED_KXK:
            unprepare_kxk(step)
    return emit_model(program)


@pytest.mark.parametrize("case", sorted(CONV_CASES))
def test_conv2d_matches_tflm(case):
    from codegen.compiled.host import assert_matches_tflm

    assert assert_matches_tflm(conv_model(**CONV_CASES[case]), count=SAMPLES, seed=1,
                               compiled=conv_compiled(case)) == SAMPLES


DEPTHWISE_CASES = {
    "odd_channels_same_relu6": dict(activation="RELU6"),
    "multiplier2_valid_stride2": dict(in_shape=(1, 9, 10, 3), multiplier=2, padding="VALID", stride=(2, 2)),
    "multiplier3_dilation2": dict(in_shape=(1, 8, 9, 2), multiplier=3, dilation=(2, 2), activation="RELU"),
    "channels8_per_tensor_stride3": dict(in_shape=(1, 10, 10, 8), per_channel=False, stride=(3, 3),
                                         w_scale=(0.02, 0.02)),
    "interior_blocks_5x5": dict(in_shape=(1, 12, 12, 12), kernel=(5, 5), activation="RELU_N1_TO_1",
                                out_scale=0.01),
    "dilation2_interior_blocks": dict(in_shape=(1, 11, 13, 9), dilation=(2, 2), stride=(1, 2)),
    "saturating_large_multiplier": dict(out_scale=0.0005, w_scale=(0.05, 0.3), in_zp=0, out_zp=0),
    "tiny_multiplier_shift_edge": dict(in_scale=1e-6, w_scale=(1e-6, 1e-5), out_scale=1.0),
    "no_bias_batch2": dict(in_shape=(2, 5, 6, 4), bias=False, in_zp=-128),
    "one_channel_multiplier8_as_conv": dict(in_shape=(1, 13, 10, 1), multiplier=8, kernel=(5, 4), stride=(2, 2),
                                            activation="RELU"),
    "one_channel_multiplier3_valid": dict(in_shape=(1, 9, 8, 1), multiplier=3, padding="VALID"),
    "multiplier4_shared_input": dict(in_shape=(1, 7, 8, 3), multiplier=4, stride=(2, 1)),
    # 3x3, multiplier 1: the DSP path's two-pixel interior kernel (an_dw3x3_pair_dsp, where a shift is positive
    # or the channels are no multiple of four; else an_dw3x3_block4_right per pixel): full blocks plus a remainder
    # channel, odd and even interior widths, stride 2 SAME/VALID, extreme scales.
    "pair3x3_13_channels_relu6": dict(in_shape=(1, 7, 10, 13), activation="RELU6"),
    "pair3x3_stride2_same_odd_width": dict(in_shape=(1, 9, 11, 8), stride=(2, 2), in_zp=-128),
    "pair3x3_stride2_valid_saturating": dict(in_shape=(1, 8, 12, 12), stride=(2, 2), padding="VALID",
                                             out_scale=0.0005, w_scale=(0.05, 0.3), out_zp=127),
    # 3x3, multiplier 1, channels a multiple of four, right shifts: the row-buffer path (rows3x3,
    # an_dw3_rows; ROWS3X3_CASES below checks the generator chose it): widths leaving 0-3 outputs
    # after the passes of four, strides 1/2/3 x 1/2, SAME/VALID, full-range and clamped outputs,
    # batch 2, tiny multipliers (large right shifts), saturating outputs.
    "rows3x3_odd_width_relu": dict(in_shape=(1, 9, 11, 8), activation="RELU", in_zp=-128, out_zp=-128),
    "rows3x3_stride2_same_odd": dict(in_shape=(1, 11, 17, 12), stride=(2, 2), in_zp=-3, out_zp=-128),
    "rows3x3_stride2_valid_relu6": dict(in_shape=(1, 10, 19, 4), stride=(2, 2), padding="VALID",
                                        activation="RELU6"),
    "rows3x3_stride3x1_batch2": dict(in_shape=(2, 12, 9, 8), stride=(3, 1), in_zp=127, out_zp=5),
    "rows3x3_width9_relu": dict(in_shape=(1, 5, 9, 4), in_zp=-128, out_zp=-128, activation="RELU"),
    "rows3x3_width10_stride1x2": dict(in_shape=(1, 4, 19, 8), stride=(1, 2), out_zp=0),
    "rows3x3_tiny_multiplier": dict(in_shape=(1, 7, 10, 8), in_scale=1e-3, w_scale=(1e-4, 1e-3), out_scale=1.0,
                                    out_zp=-7),
    "rows3x3_saturating": dict(in_shape=(1, 6, 9, 16), out_scale=0.03, w_scale=(0.005, 0.05), in_zp=0, out_zp=120),
    # narrow rows (6 and 7 outputs: one pass of four, then two and / or one), strides 1 and 2, batch 2
    # all of int8 as the clamp (an_dw3_pass4_asm on DSP cores: passes of four outputs in one asm statement), rows of
    # 26 outputs (six passes and a tail of two) through all three ring rotations, extreme zero points
    "rows3x3_full_range_26_wide": dict(in_shape=(1, 8, 26, 8), in_zp=127, out_zp=-128),
    # the stride-1 row's passes in one looping statement (an_dw3_row16_asm): batch 2 over three groups, 13 wide (three
    # passes and a tail of one), tiny multipliers; stride_h 2 over 11 columns (two passes and a tail of three), saturating
    "rows3x3_full_range_13_wide_batch2_tiny_multiplier": dict(in_shape=(2, 5, 13, 12), in_scale=1e-3,
                                                              w_scale=(1e-4, 1e-3), out_scale=1.0, in_zp=-128,
                                                              out_zp=-7),
    "rows3x3_full_range_stride2x1_saturating_zp127": dict(in_shape=(1, 9, 11, 8), stride=(2, 1), out_scale=0.03,
                                                          w_scale=(0.005, 0.05), in_zp=127, out_zp=120),
    # TFLite's SAME rows at stride 1, full range, 8 or 32 channels, out_w a multiple of four (an_dw3_rows_same1: one
    # copy of the row per ring rotation, an_dw3_row16c_asm's stores at immediate offsets, the previous channel's
    # outputs stored after the next one's loads): 32 channels batch 2 saturating over four rows (three passes, eight
    # groups), 16 wide with tiny multipliers over five rows, 8 channels with zero point 127 over six rows, one row
    # 20 wide batch 2 (both rows around it zero points): the row loop left after each of the three rotations
    "rows3x3_full_range_same_oc32_12_wide_batch2_saturating": dict(in_shape=(2, 4, 12, 32), out_scale=0.03,
                                                                   w_scale=(0.005, 0.05), in_zp=0, out_zp=120,
                                                                   seed=3),
    "rows3x3_full_range_same_oc32_16_wide_tiny_multiplier": dict(in_shape=(1, 5, 16, 32), in_scale=1e-3,
                                                                 w_scale=(1e-4, 1e-3), out_scale=1.0, in_zp=-128,
                                                                 out_zp=-7, seed=4),
    "rows3x3_full_range_same_oc8_8_wide_zp127": dict(in_shape=(1, 6, 8, 8), in_zp=127, out_zp=-128, seed=5),
    "rows3x3_full_range_same_oc8_one_row_20_wide_batch2": dict(in_shape=(2, 1, 20, 8), in_zp=-3, out_zp=5, seed=6),
    # full-range rows at stride_w 2 (an_dw3_row16s2_asm: a row's passes in one looping statement, then the tail): SAME
    # 32 wide over five groups (four passes, no tail), 27 wide batch 2 with tiny multipliers (three passes and a tail
    # of two, a column left of the image)
    "rows3x3_full_range_stride2_32_wide_20_channels": dict(in_shape=(1, 7, 32, 20), stride=(2, 2), in_zp=127,
                                                           out_zp=-128),
    "rows3x3_full_range_stride2_27_wide_batch2_tiny_multiplier": dict(in_shape=(2, 9, 27, 8), stride=(2, 2),
                                                                      in_scale=1e-3, w_scale=(1e-4, 1e-3),
                                                                      out_scale=1.0, in_zp=-128, out_zp=-7),
    # TFLite's SAME rows and columns at stride 2 over an even height and width, full range, 16 channels, out_w a
    # multiple of four (an_dw3_rows_s2: the ring's slots per output row in a loop of three rows, an_dw3_row16c_asm's
    # stride-2 delayed stores): 24 wide, five output rows (the loop ends after its second row) batch 2 saturating; 16
    # wide, four rows (after its first) zero point 127; one output row 8 wide (the zero-point row at once) zero point
    # -128; three rows 16 wide with tiny multipliers
    "rows3x3_full_range_stride2_same_even_16_channels_24_wide_batch2_saturating": dict(
        in_shape=(2, 10, 24, 16), stride=(2, 2), out_scale=0.03, w_scale=(0.005, 0.05), in_zp=127, out_zp=120),
    "rows3x3_full_range_stride2_same_even_16_channels_16_wide_zp127": dict(in_shape=(1, 8, 32, 16), stride=(2, 2),
                                                                          in_zp=127, out_zp=-128, seed=3),
    "rows3x3_full_range_stride2_same_even_16_channels_one_row_zp_min": dict(in_shape=(1, 2, 16, 16), stride=(2, 2),
                                                                           in_zp=-128, out_zp=127, seed=5),
    "rows3x3_full_range_stride2_same_even_16_channels_three_rows_tiny_multiplier": dict(
        in_shape=(1, 6, 32, 16), stride=(2, 2), in_scale=1e-3, w_scale=(1e-4, 1e-3), out_scale=1.0, in_zp=-128,
        out_zp=-7),
    "rows3x3_width6_relu6": dict(in_shape=(1, 6, 6, 12), activation="RELU6", in_zp=-128, out_zp=-128),
    "rows3x3_width6_stride2_same": dict(in_shape=(1, 12, 12, 8), stride=(2, 2), in_zp=-1, out_zp=3),
    # TFLite's SAME columns at stride 2 (in_w == 2 out_w: the ring's last pair of zero points written once per call),
    # full-range batch 2 over three groups with odd rows, and clamped
    "rows3x3_stride2_same_20_wide_batch2_saturating": dict(in_shape=(2, 9, 20, 12), stride=(2, 2), out_scale=0.03,
                                                           w_scale=(0.005, 0.05), in_zp=0, out_zp=-120),
    "rows3x3_stride2_same_16_wide_relu6": dict(in_shape=(1, 7, 16, 8), stride=(2, 2), activation="RELU6", in_zp=5,
                                               out_zp=-128),
    "rows3x3_width7_batch2_relu": dict(in_shape=(2, 5, 7, 4), activation="RELU", in_zp=127, out_zp=-128),
    "rows3x3_width6_stride2_valid_saturating": dict(in_shape=(1, 9, 13, 8), stride=(2, 2), padding="VALID",
                                                    out_scale=0.03, w_scale=(0.005, 0.05), in_zp=0, out_zp=-120),
    # 4 to 6 outputs wide at stride_w 1: the narrow form on DSP cores (an_dw3_narrow: a channel pair per pass over
    # the plane, rows rounded up to 4 or 6 outputs): DS-CNN's 25x5 plane, widths 4/5/6, SAME/VALID, stride_h 2 and
    # 3, batch 2, clamped (RELU / RELU6 above the output zero point) and full-range outputs, saturation, tiny
    # multipliers, input zero points at both ends, 4 to 20 channels
    "rows3x3_narrow_kws_25x5_relu": dict(in_shape=(1, 25, 5, 8), activation="RELU", in_zp=-128, out_zp=-128),
    "rows3x3_narrow_width4_valid_clamped": dict(in_shape=(1, 7, 6, 12), padding="VALID", activation="RELU",
                                                in_zp=9, out_zp=3),
    "rows3x3_narrow_width6_stride2x1_relu6": dict(in_shape=(1, 11, 6, 8), stride=(2, 1), activation="RELU6",
                                                  in_zp=-1, out_zp=-20),
    "rows3x3_narrow_width5_batch2_saturating": dict(in_shape=(2, 6, 5, 16), out_scale=0.03, w_scale=(0.005, 0.05),
                                                    in_zp=0, out_zp=120),
    "rows3x3_narrow_width4_tiny_multiplier": dict(in_shape=(1, 5, 4, 4), in_scale=1e-3, w_scale=(1e-4, 1e-3),
                                                  out_scale=1.0, out_zp=-7),
    "rows3x3_narrow_width6_valid_stride3x1": dict(in_shape=(1, 13, 8, 8), padding="VALID", stride=(3, 1),
                                                  in_zp=127, out_zp=5),
    "rows3x3_narrow_width5_20_channels": dict(in_shape=(1, 3, 5, 20), in_zp=127, out_zp=-3, seed=6),
    # three outputs wide: under the narrow form's widths (the general path by default; rows3x3 "always": the plane
    # form on DSP cores)
    "narrow_width3_general": dict(in_shape=(1, 7, 3, 8), in_zp=-5),
    # five outputs wide at stride_w 2: neither the row-buffer path (6 at least) nor its plane form (2-4)
    "width5_stride2_general": dict(in_shape=(1, 9, 10, 8), stride=(2, 2), in_zp=3, out_zp=-1),
    # small planes: the plane form on DSP cores (rows3x3 2, an_dw3_plane: four channels' padded plane widened
    # once; PLANE_WIDTHS 2, 3, 4, 6, 8, 12 at stride_w 1 and 2, 16 at stride_w 1): TFLite's SAME columns
    # (constant offsets) and others (VALID, odd SAME at stride 2, stride_h 2 and 3), clamped and full-range outputs,
    # saturation, tiny multipliers, batch 2, 4 to 20 channels
    "rows3x3_plane_4x4_relu6": dict(in_shape=(1, 4, 4, 12), activation="RELU6", in_zp=-128, out_zp=-128),
    "rows3x3_plane_2x2_batch2_saturating": dict(in_shape=(2, 2, 2, 8), out_scale=0.03, w_scale=(0.005, 0.05),
                                                in_zp=0, out_zp=120),
    "rows3x3_plane_3x3_20_channels": dict(in_shape=(1, 3, 3, 20), in_zp=127, out_zp=-3, seed=6),
    "rows3x3_plane_6x6_tiny_multiplier": dict(in_shape=(1, 6, 6, 8), in_scale=1e-3, w_scale=(1e-4, 1e-3),
                                              out_scale=1.0, out_zp=-7),
    "rows3x3_plane_3x6_valid_stride3x1_relu": dict(in_shape=(1, 9, 8, 4), padding="VALID", stride=(3, 1),
                                                   activation="RELU", in_zp=9, out_zp=3),
    "rows3x3_plane_stride2_8x8_relu": dict(in_shape=(1, 8, 8, 12), stride=(2, 2), activation="RELU", in_zp=-1,
                                           out_zp=-20),
    "rows3x3_plane_stride2_7x7_same": dict(in_shape=(1, 7, 7, 8), stride=(2, 2), in_zp=-3, out_zp=5),
    "rows3x3_plane_stride2_9x9_valid_saturating": dict(in_shape=(1, 9, 9, 4), stride=(2, 2), padding="VALID",
                                                       out_scale=0.03, w_scale=(0.005, 0.05), in_zp=0,
                                                       out_zp=-120),
    "rows3x3_plane_stride2_5x6_batch2": dict(in_shape=(2, 5, 6, 8), stride=(2, 2), in_zp=127, out_zp=-128),
    "rows3x3_plane_stride2_4x4_to_2x2_relu6": dict(in_shape=(1, 4, 4, 16), stride=(2, 2), activation="RELU6"),
    "rows3x3_plane_8x8_relu6_saturating": dict(in_shape=(1, 8, 8, 8), activation="RELU6", out_scale=0.03,
                                               w_scale=(0.005, 0.05), in_zp=0, out_zp=-120),
    "rows3x3_plane_6x10_valid_to_4x8": dict(in_shape=(1, 6, 10, 4), padding="VALID", in_zp=-128, out_zp=5),
    "rows3x3_plane_stride2_16x16_to_8x8": dict(in_shape=(1, 16, 16, 4), stride=(2, 2), in_zp=127, out_zp=-128),
    # wider rows in chunks of 8 or 6 outputs (12, 16 at stride_w 1; 12 at stride_w 2)
    "rows3x3_plane_12x12_chunks_of_6": dict(in_shape=(1, 5, 12, 8), in_zp=-7, out_zp=11),
    # full-range 6-wide chunks (an_dwp_channel6_asm): saturating, batch 2; 12 wide at stride_h 2; 6 at stride 2
    "rows3x3_plane_6x6_saturating_batch2": dict(in_shape=(2, 6, 6, 12), out_scale=0.03, w_scale=(0.005, 0.05),
                                                in_zp=0, out_zp=-120),
    "rows3x3_plane_12_wide_stride2x1_saturating": dict(in_shape=(1, 7, 12, 4), stride=(2, 1), out_scale=0.03,
                                                       w_scale=(0.005, 0.05), in_zp=-128, out_zp=120),
    "rows3x3_plane_stride2_12x12_to_6x6_batch2": dict(in_shape=(2, 12, 12, 8), stride=(2, 2), in_zp=127, out_zp=-128),
    # the 6-wide statement at stride_w 1 with the SAME rows' zero-point filter rows folded into the bias (borders:
    # the plane's first and last rows padding): two rows (no middle row), the extreme zero points; and without
    # borders where only the bottom row is padding (stride_h 2 over an even height) or none is (VALID)
    "rows3x3_plane_6_wide_two_rows_zp127": dict(in_shape=(1, 2, 6, 8), in_zp=127, out_zp=-128),
    "rows3x3_plane_12_wide_three_rows_zp_min_saturating": dict(in_shape=(2, 3, 12, 4), out_scale=0.03,
                                                               w_scale=(0.005, 0.05), in_zp=-128, out_zp=120),
    "rows3x3_plane_6_wide_stride2x1_bottom_pad_only": dict(in_shape=(1, 8, 6, 12), stride=(2, 1), in_zp=-128,
                                                           out_zp=3),
    "rows3x3_plane_6_wide_valid_rows": dict(in_shape=(1, 9, 8, 4), padding="VALID", in_zp=127, out_zp=-5),
    # a 12x12 SAME plane's image rows widened in one asm statement (an_dwp_widen_rows_asm, as the 6x6 cases'): clamped
    # batch 2 with zero point 127, full-range saturating with zero point -128
    "rows3x3_plane_12x12_same_relu6_batch2_zp127": dict(in_shape=(2, 12, 12, 8), activation="RELU6", in_zp=127,
                                                        out_zp=-128),
    "rows3x3_plane_12x12_same_saturating_zp_min": dict(in_shape=(1, 12, 12, 12), out_scale=0.03,
                                                       w_scale=(0.005, 0.05), in_zp=-128, out_zp=120),
    # a 6x6 SAME plane's four middle rows unrolled (out_h 6 with borders), zero point 127, 20 channels
    "rows3x3_plane_6x6_unrolled_zp127_20_channels": dict(in_shape=(1, 6, 6, 20), in_zp=127, out_zp=-128, seed=3),
    # vww's 6x6x128 and 12x12x64 SAME planes (an_dwp_channel6s1_asm with the output steps as constants, sc):
    # saturating with zero point -128, and zero point 127 with tiny multipliers
    "rows3x3_plane_6x6x128_full_range_saturating": dict(in_shape=(1, 6, 6, 128), out_scale=0.03,
                                                        w_scale=(0.005, 0.05), in_zp=-128, out_zp=120, seed=7),
    "rows3x3_plane_12x12x64_full_range_zp127": dict(in_shape=(1, 12, 12, 64), in_zp=127, out_zp=-128, seed=8),
    # the 3-wide statement (stride_w 1, full range): SAME 3x3 saturating batch 2, one row (no borders), VALID 5x5,
    # stride_h 2 with both rows padded
    "rows3x3_plane_3x3_saturating_batch2_zp_min": dict(in_shape=(2, 3, 3, 8), out_scale=0.03, w_scale=(0.005, 0.05),
                                                       in_zp=-128, out_zp=120),
    "rows3x3_plane_3_wide_one_row_zp127": dict(in_shape=(1, 1, 3, 12), in_zp=127, out_zp=-128),
    "rows3x3_plane_3_wide_valid_5x5": dict(in_shape=(1, 5, 5, 4), padding="VALID", in_zp=-1, out_zp=7),
    "rows3x3_plane_3_wide_stride2x1_7_rows": dict(in_shape=(1, 7, 3, 8), stride=(2, 1), in_zp=5, out_zp=-9),
    "rows3x3_plane_16_wide_valid_relu6": dict(in_shape=(1, 5, 18, 4), padding="VALID", activation="RELU6",
                                              in_zp=-128, out_zp=-128),
    "rows3x3_plane_16_wide_batch2": dict(in_shape=(2, 3, 16, 4), in_zp=127, out_zp=-3),
    "rows3x3_plane_stride2_24_wide_to_12_saturating": dict(in_shape=(1, 5, 24, 4), stride=(2, 2), out_scale=0.03,
                                                           w_scale=(0.005, 0.05), in_zp=0, out_zp=120),
    "rows3x3_plane_stride2_13x13_valid_to_6x6_relu": dict(in_shape=(1, 13, 13, 8), stride=(2, 2), padding="VALID",
                                                          activation="RELU", in_zp=-1, out_zp=-20),
    # full-range 4-wide chunks at stride_w 2 (an_dwp_channel6_asm's CW 4: out_w 4, out_w 8 as two): saturating batch
    # 2 with odd rows, VALID from odd columns, tiny multipliers over five rows
    "rows3x3_plane_stride2_15x16_to_8x8_saturating_batch2": dict(in_shape=(2, 15, 16, 12), stride=(2, 2),
                                                                 out_scale=0.03, w_scale=(0.005, 0.05), in_zp=0,
                                                                 out_zp=-120),
    # stride_w 2 on SAME columns (an_dwp_widen_s2_asm: two pairs a step, an odd W's last pair alone): vww's 6x6 ->
    # 3x3 with five groups saturating, 24 wide -> 12 over three groups with tiny multipliers
    "rows3x3_plane_stride2_6x6x20_to_3x3_saturating": dict(in_shape=(1, 6, 6, 20), stride=(2, 2), out_scale=0.03,
                                                           w_scale=(0.005, 0.05), in_zp=-128, out_zp=127),
    "rows3x3_plane_stride2_9x24x12_to_5x12_tiny_multiplier": dict(in_shape=(1, 9, 24, 12), stride=(2, 2),
                                                                  in_scale=1e-3, w_scale=(1e-4, 1e-3), out_scale=1.0,
                                                                  in_zp=127, out_zp=-7),
    "rows3x3_plane_stride2_7x17_valid_to_3x8": dict(in_shape=(1, 7, 17, 4), stride=(2, 2), padding="VALID",
                                                    in_zp=-128, out_zp=127),
    "rows3x3_plane_stride2_9x8_to_5x4_tiny_multiplier": dict(in_shape=(1, 9, 8, 8), stride=(2, 2), in_scale=1e-3,
                                                             w_scale=(1e-4, 1e-3), out_scale=1.0, in_zp=127,
                                                             out_zp=-7),
    # full-range 4-wide rows at stride_w 1 (an_dwp_channel4_asm): SAME 4x4 with its zero-point border rows and 20
    # channels, stride_h 2 batch 2 saturating (borders, middle rows two plane rows apart), VALID 7 rows (no borders),
    # two rows (borders only, no middle row), one row (no borders)
    "rows3x3_plane_4x4_full_range_20_channels": dict(in_shape=(1, 4, 4, 20), in_zp=127, out_zp=-128, seed=3),
    "rows3x3_plane_4_wide_stride2x1_batch2_saturating": dict(in_shape=(2, 7, 4, 8), stride=(2, 1), out_scale=0.03,
                                                             w_scale=(0.005, 0.05), in_zp=0, out_zp=120),
    "rows3x3_plane_4_wide_valid_7_rows": dict(in_shape=(1, 9, 6, 12), padding="VALID", in_zp=-128, out_zp=127),
    "rows3x3_plane_2x4_two_border_rows": dict(in_shape=(1, 2, 4, 8), in_zp=-1, out_zp=5),
    "rows3x3_plane_1x4_one_row_tiny_multiplier": dict(in_shape=(1, 1, 4, 8), in_scale=1e-3, w_scale=(1e-4, 1e-3),
                                                      out_scale=1.0, in_zp=-128, out_zp=-7),
    # full-range 4x4 SAME planes at stride 1 (an_dwp_group4x4_asm: a group's four channels, every row unrolled):
    # batch 2 saturating over three groups, tiny multipliers, zero point -128 and 127 (20 channels above)
    "rows3x3_plane_4x4_group_saturating_batch2": dict(in_shape=(2, 4, 4, 12), out_scale=0.03, w_scale=(0.005, 0.05),
                                                      in_zp=0, out_zp=120, seed=5),
    "rows3x3_plane_4x4_group_tiny_multiplier": dict(in_shape=(1, 4, 4, 8), in_scale=1e-3, w_scale=(1e-4, 1e-3),
                                                    out_scale=1.0, in_zp=-128, out_zp=-7),
    # and 2x2 (an_dwp_group2x2_asm; rows3x3_plane_2x2_batch2_saturating above too): zero point 127 over five groups,
    # tiny multipliers
    "rows3x3_plane_2x2_group_zp127_20_channels": dict(in_shape=(1, 2, 2, 20), in_zp=127, out_zp=-128, seed=7),
    "rows3x3_plane_2x2_group_tiny_multiplier": dict(in_shape=(1, 2, 2, 12), in_scale=1e-3, w_scale=(1e-4, 1e-3),
                                                    out_scale=1.0, in_zp=-128, out_zp=-7),
    # full-range rows 8 and 16 wide at stride 1 (an_dwp_group_rows_asm: chunks of four, a group's four channels):
    # SAME 8x8 with border rows over five groups, VALID (no border rows) saturating batch 2, one SAME row (borders
    # both sides of it: the rows without their border form) with tiny multipliers
    "rows3x3_plane_8x8_full_range_20_channels": dict(in_shape=(1, 8, 8, 20), in_zp=-128, out_zp=127, seed=4),
    "rows3x3_plane_8_wide_valid_saturating_batch2": dict(in_shape=(2, 6, 10, 8), padding="VALID", out_scale=0.03,
                                                         w_scale=(0.005, 0.05), in_zp=0, out_zp=120),
    "rows3x3_plane_16_wide_one_row_tiny_multiplier": dict(in_shape=(1, 1, 16, 8), in_scale=1e-3,
                                                          w_scale=(1e-4, 1e-3), out_scale=1.0, in_zp=127, out_zp=-7),
    # stride_w 1, at least 4 outputs: the strip form on DSP cores (rows3x3 3, an_dw3_strip: one channel, strips of
    # four outputs, the last one overlapping where out_w is no multiple of four): strips inside the image, with a
    # column left or right of it, both (4 wide), VALID, stride_h 2 and 3, clamps, saturation, tiny multipliers,
    # batch 2
    "rows3x3_strip_16_wide_relu6": dict(in_shape=(1, 9, 16, 8), activation="RELU6", in_zp=-128, out_zp=-128),
    "rows3x3_strip_width7_overlap": dict(in_shape=(1, 6, 7, 4), in_zp=5, out_zp=-3),
    "rows3x3_strip_width4_both_edges_relu": dict(in_shape=(1, 5, 4, 12), activation="RELU", in_zp=9, out_zp=3),
    "rows3x3_strip_valid_stride2x1": dict(in_shape=(1, 11, 9, 8), padding="VALID", stride=(2, 1), in_zp=-1,
                                          out_zp=-20),
    "rows3x3_strip_stride3x1_batch2_saturating": dict(in_shape=(2, 10, 6, 4), stride=(3, 1), out_scale=0.03,
                                                      w_scale=(0.005, 0.05), in_zp=0, out_zp=120),
    "rows3x3_strip_tiny_multiplier": dict(in_shape=(1, 4, 10, 8), in_scale=1e-3, w_scale=(1e-4, 1e-3),
                                          out_scale=1.0, in_zp=127, out_zp=-7),
    # rows whose width has a stride-1 plane copy (4, 6, 8, 12, 16): on DSP cores most rows by the plane form in bands,
    # its scratch in the output's first rows, those rows by the strip form last (an_dw3_strip_band; the 16-wide case
    # above too, 6 rows by the strip): 16 wide (the demo AttendNet-B's 16x16x40 but 16 channels), 6 wide at stride_h 2 with batch 2 and RELU6, 12 wide
    # VALID saturating, 4 wide with a tiny multiplier, 8 wide RELU with extreme zero points
    "rows3x3_strip_band_14x16x16": dict(in_shape=(1, 14, 16, 16), in_zp=-128, out_zp=3),
    "rows3x3_strip_band_width6_stride2x1_relu6_batch2": dict(in_shape=(2, 13, 6, 24), stride=(2, 1),
                                                             activation="RELU6", in_zp=-5, out_zp=-128),
    "rows3x3_strip_band_width12_valid_saturating": dict(in_shape=(1, 14, 14, 16), padding="VALID", out_scale=0.03,
                                                        w_scale=(0.005, 0.05), in_zp=0, out_zp=-120),
    "rows3x3_strip_band_width4_tiny_multiplier": dict(in_shape=(1, 11, 4, 36), in_scale=1e-3, w_scale=(1e-4, 1e-3),
                                                      out_scale=1.0, in_zp=-128, out_zp=-7),
    "rows3x3_strip_band_width8_relu": dict(in_shape=(1, 9, 8, 28), activation="RELU", in_zp=127, out_zp=-128),
    # full range: the bands' rows by an_dwp_group_rows_asm (16 wide saturating, 8 wide with extreme zero points)
    "rows3x3_strip_band_16x16_saturating": dict(in_shape=(1, 16, 16, 8), out_scale=0.03, w_scale=(0.005, 0.05),
                                                in_zp=0, out_zp=120, seed=2),
    "rows3x3_strip_band_width8_zp127": dict(in_shape=(1, 11, 8, 12), in_zp=127, out_zp=-128, seed=5),
    # the bands' first two rows by an_dw3_top2 (SAME rows and columns, stride 1, two strip rows: the demo AttendNet-B's
    # 16x16x40; batch 2 within the QEMU harness's 16 KB of output): RELU6 12 rows batch 2, full range saturating,
    # tiny multipliers, 8 wide with extreme zero points
    "rows3x3_strip_band_top2_12x16x40_relu6_batch2": dict(in_shape=(2, 12, 16, 40), activation="RELU6", in_zp=-3,
                                                          out_zp=-128, seed=3),
    "rows3x3_strip_band_top2_16x16x40_saturating": dict(in_shape=(1, 16, 16, 40), out_scale=0.03,
                                                        w_scale=(0.005, 0.05), in_zp=127, out_zp=-120, seed=6),
    "rows3x3_strip_band_top2_12x16x40_tiny_multiplier": dict(in_shape=(1, 12, 16, 40), in_scale=1e-3,
                                                             w_scale=(1e-4, 1e-3), out_scale=1.0, in_zp=-128,
                                                             out_zp=-7),
    "rows3x3_strip_band_top2_10x8x40_zp_minus128": dict(in_shape=(1, 10, 8, 40), in_zp=-128, out_zp=127, seed=8),
    # 3x3, multiplier 1, channels a multiple of four, every shift negative, on the general path (BLOCK3X3_CASES;
    # DSP: the pixels outside an_dw3x3_pair_dsp by an_dw3x3_block4_right, nine taps unrolled, one word store):
    # vww_96_int8's 3x3 planes (3x3 SAME stride 1, 6x6 stride 2), clamped and full-range outputs, saturation, tiny
    # multipliers, batch 2 with interior pairs beside the border pixels
    "block3x3_plane3x3_relu6": dict(in_shape=(1, 3, 3, 12), activation="RELU6", in_zp=-128, out_zp=-128),
    "block3x3_6x6_stride2_saturating": dict(in_shape=(1, 6, 6, 8), stride=(2, 2), out_scale=0.03,
                                            w_scale=(0.005, 0.05), in_zp=0, out_zp=120),
    "block3x3_5x7_tiny_multiplier_batch2": dict(in_shape=(2, 5, 7, 16), in_scale=1e-3, w_scale=(1e-4, 1e-3),
                                                out_scale=1.0, in_zp=127, out_zp=-7),
}

#: The DEPTHWISE_CASES whose every pixel off an_dw3x3_pair_dsp takes an_dw3x3_block4_right on DSP cores.
BLOCK3X3_CASES = sorted(c for c in DEPTHWISE_CASES if c.startswith("block3x3_"))

#: The DEPTHWISE_CASES the generator must send through the row-buffer 3x3 path.
ROWS3X3_CASES = sorted(c for c in DEPTHWISE_CASES if c.startswith("rows3x3_"))


def depthwise_compiled(case):
    """The CompiledModel of DEPTHWISE_CASES[case]: the row-buffer 3x3 cases with that path wherever it is exact
    (lower_model's rows3x3="always": on a one-layer model its scratch raises the arena, which the default
    refuses), the others as generated by default."""
    from codegen.compiled.emit import emit_model
    from codegen.compiled.lower import lower_model
    from converter.tflite_model import load_model

    model = load_model(depthwise_model(**DEPTHWISE_CASES[case]))
    return emit_model(lower_model(model, rows3x3=rows3x3_mode(case)))


def rows3x3_mode(case):
    """lower_model's ``rows3x3`` for DEPTHWISE_CASES[case]: the plane and strip forms for their cases, the row-buffer
    path's other forms (four channels, narrow) for the other row-buffer cases, the general path for the
    BLOCK3X3_CASES (where the strip form's small scratch would fit), the default for the rest."""
    if case in BLOCK3X3_CASES:
        return "never"
    if case not in ROWS3X3_CASES:
        return "arena"
    if case.startswith("rows3x3_strip_"):
        return "strip"
    return "always" if case.startswith("rows3x3_plane_") else "rows"


@pytest.mark.parametrize("case", sorted(DEPTHWISE_CASES))
def test_depthwise_matches_tflm(case):
    from codegen.compiled.host import assert_matches_tflm

    assert assert_matches_tflm(depthwise_model(**DEPTHWISE_CASES[case]), count=SAMPLES, seed=2,
                               compiled=depthwise_compiled(case)) == SAMPLES


@pytest.mark.parametrize("case", ROWS3X3_CASES)
def test_depthwise_rows3x3_chosen(case):
    """The row-buffer cases really take that path (the generator sets rows3x3 and its scratch)."""
    from codegen.compiled.lower import lower_model
    from codegen.compiled.ops.conv import (STRIP_SCRATCH_BYTES, depthwise_plane_applies,
                                           depthwise_plane_scratch_bytes, depthwise_rows_scratch_bytes)
    from converter.tflite_model import load_model

    model = load_model(depthwise_model(**DEPTHWISE_CASES[case]))
    (step,) = [s for s in lower_model(model, rows3x3=rows3x3_mode(case)).steps
               if s.function == "an_depthwise_conv2d_s8"]
    fields = step.args[0].fields
    plane, strip = case.startswith("rows3x3_plane_"), case.startswith("rows3x3_strip_")
    assert depthwise_plane_applies(fields["out_w"], fields["stride_w"]) or not plane
    assert fields["rows3x3"] == (2 if plane else 3 if strip else 1)
    rows = depthwise_rows_scratch_bytes(fields["out_w"], fields["stride_w"])
    if strip:
        assert step.scratch_bytes == STRIP_SCRATCH_BYTES
    else:
        assert step.scratch_bytes == (max(rows, depthwise_plane_scratch_bytes(fields["out_h"], fields["out_w"],
                                                                              fields["stride_h"], fields["stride_w"]))
                                      if plane else rows)


def test_depthwise_plane_records_in_flash_only_where_the_plane_form_runs():
    """The plane form's records (an_depthwise_conv.h ``records``) are made at generation time for a DSP core's plane
    steps only: equal to depthwise_plane_records of the layer's taps and channel values; none on the row buffer
    (rows3x3 1), on cores without DSP (wide_filters False) or with Helium; narrow_to_fit_flash drops them (the
    kernel then makes them at run time) where the board's flash needs the bytes."""
    from codegen.compiled.lower import lower_model
    from codegen.compiled.ops.conv import RECORD_WORDS, depthwise_plane_records, taps_of_depthwise_layout
    from codegen.runtimes.compiled import narrow_to_fit_flash
    from converter.tflite_model import load_model

    model = load_model(depthwise_model(**DEPTHWISE_CASES["rows3x3_plane_stride2_8x8_relu"]))

    def step_of(**options):
        (step,) = [s for s in lower_model(model, **options).steps if s.function.startswith("an_depthwise_conv2d_s8")]
        return step

    step = step_of(rows3x3="always")
    params, _, filter_, bias, mults, shifts, *_ = step.args
    records = params.fields["records"]
    taps = taps_of_depthwise_layout(filter_.values, 9, params.fields["out_c"])
    assert records.c_type == "int32_t" and records.size_bytes == 4 * RECORD_WORDS * params.fields["out_c"]
    assert np.array_equal(records.values, depthwise_plane_records(taps, bias.values, mults.values, shifts.values,
                                                                   params.fields["output_offset"]))
    assert "records" not in step_of(rows3x3="rows").args[0].fields
    assert "records" not in step_of(rows3x3="always", wide_filters=False).args[0].fields
    assert "records" not in step_of(rows3x3="always", wide_filters=False, helium=True).args[0].fields

    class OneStep:
        steps = [step]

    assert narrow_to_fit_flash((OneStep,), 1) == records.size_bytes and "records" not in params.fields
    assert narrow_to_fit_flash((OneStep,), 1) == 0


def test_depthwise_rows3x3_refused_where_inexact():
    """Left shifts (a multiplier above one), odd channel counts, dilation, 5x5, a multiplier of 4, rows of 5
    outputs at stride_w 2 (under ROWS3X3_MIN_OUT_W, no plane form): the general path."""
    from codegen.compiled.lower import lower_model
    from converter.tflite_model import load_model

    for case in ("saturating_large_multiplier", "pair3x3_13_channels_relu6", "dilation2_interior_blocks",
                 "interior_blocks_5x5", "multiplier4_shared_input", "width5_stride2_general"):
        model = load_model(depthwise_model(**DEPTHWISE_CASES[case]))
        (step,) = [s for s in lower_model(model, rows3x3="always").steps if s.function == "an_depthwise_conv2d_s8"]
        assert step.args[0].fields["rows3x3"] == 0, case


@pytest.mark.parametrize("case", BLOCK3X3_CASES)
def test_depthwise_block3x3_cases_take_that_path(case):
    """The BLOCK3X3_CASES meet an_dw3x3_block4_right's conditions (3x3, multiplier 1, channels a multiple of four,
    every shift negative) on the general path (rows3x3 0, as rows3x3_mode lowers them)."""
    from codegen.compiled.lower import lower_model
    from converter.tflite_model import load_model

    model = load_model(depthwise_model(**DEPTHWISE_CASES[case]))
    (step,) = [s for s in lower_model(model, rows3x3=rows3x3_mode(case)).steps
               if s.function == "an_depthwise_conv2d_s8"]
    fields = step.args[0].fields
    assert (fields["k_h"], fields["k_w"], fields["depth_mult"], fields["in_c"] % 4, fields["rows3x3"]) == (3, 3, 1, 0, 0)
    shifts = step.args[5]
    assert all(v < 0 for v in shifts.values), shifts


def test_depthwise_rows3x3_never_grows_the_arena():
    """By default the path (its larger scratch) is kept only where the arena stays as the general path has it:
    off in a one-layer model (the scratch is at its peak; the strip form's 76 bytes fit the arena's alignment
    there), on where a larger layer holds the peak."""
    from codegen.compiled.lower import lower_model
    from codegen.compiled.plan import plan_memory
    from converter.tflite_model import load_model

    model = load_model(depthwise_model(**DEPTHWISE_CASES["rows3x3_odd_width_relu"]))
    default, always = lower_model(model), lower_model(model, rows3x3="always")
    assert [s.args[0].fields["rows3x3"] for s in default.steps] == [3]
    assert plan_memory(default).arena_bytes == plan_memory(lower_model(model, rows3x3="never")).arena_bytes
    assert plan_memory(default).arena_bytes < plan_memory(always).arena_bytes
    # a 1x1 conv from 64 channels before it holds the peak: the path comes back at no arena cost
    wide = load_model(_conv_then_depthwise())
    default, always = lower_model(wide), lower_model(wide, rows3x3="always")
    assert [s.args[0].fields.get("rows3x3") for s in default.steps] == [None, 1]
    assert plan_memory(default).arena_bytes == plan_memory(always).arena_bytes


def _pointwise_then_deep(shape=(1, 4, 5, 128), deep=256, out_c=7):
    """A 1x1 CONV_2D (128 -> ``deep`` channels) holding the arena's peak, then a 1x1 CONV_2D from ``deep`` channels."""
    rng = np.random.default_rng(6)
    b = ModelBuilder()
    n, hh, ww, c = shape
    x = b.tensor("x", shape, "int8", scale=0.05, zero_point=-3)
    options = {"type": "conv2d", "padding": "VALID", "stride_h": 1, "stride_w": 1, "dilation_h": 1, "dilation_w": 1,
               "activation": "RELU"}
    w1 = b.tensor("w1", (deep, 1, 1, c), "int8", scale=0.01, zero_point=0,
                  data=rng.integers(-127, 128, size=(deep, 1, 1, c)).astype(np.int8).tobytes())
    h = b.tensor("h", (n, hh, ww, deep), "int8", scale=0.1, zero_point=-128)
    b.op("CONV_2D", [x, w1], [h], version=3, options=options)
    w2 = b.tensor("w2", (out_c, 1, 1, deep), "int8", scale=0.005, zero_point=0,
                  data=rng.integers(-127, 128, size=(out_c, 1, 1, deep)).astype(np.int8).tobytes())
    y = b.tensor("y", (n, hh, ww, out_c), "int8", scale=0.2, zero_point=5)
    b.op("CONV_2D", [h, w2], [y], version=3, options=options)
    return b.build(inputs=[x], outputs=[y])


def test_deep_pointwise_columns_never_grow_the_arena():
    """an_conv1x1_s8_prepared_w16 over more than 192 input channels (stride 1) takes its four pixels' columns from
    scratch (8 * in_c bytes) only where the arena stays as an_conv1x1_s8_w16's two columns leave it: not in a
    one-layer model (its peak: an_conv1x1_s8_w16, the three-row layout), kept where an earlier layer holds the
    peak; every form gives tflite-micro's outputs."""
    from codegen.compiled.emit import emit_model
    from codegen.compiled.host import assert_matches_tflm
    from codegen.compiled.lower import lower_model
    from codegen.compiled.ops.conv import PREPARED_POINTWISE, conv_scratch_bytes
    from codegen.compiled.plan import plan_memory
    from converter.tflite_model import load_model

    def form(program):
        return [(s.function, s.scratch[0].size_bytes) for s in program.steps]

    one_path = conv_model(**CONV_CASES["pointwise_k212_scratch_seven_pixels_saturating"])
    one = load_model(one_path)
    assert form(lower_model(one)) == [("an_conv1x1_s8_w16", conv_scratch_bytes(212))]
    assert assert_matches_tflm(one_path, count=SAMPLES, seed=2, compiled=emit_model(lower_model(one))) == SAMPLES
    assert form(lower_model(one, conv_w16="always")) == [(PREPARED_POINTWISE, 8 * 212)]
    two_path = _pointwise_then_deep()
    two = load_model(two_path)
    default = lower_model(two)
    assert form(default) == [(PREPARED_POINTWISE, conv_scratch_bytes(128)), (PREPARED_POINTWISE, 8 * 256)]
    unprepared = lower_model(two)
    unprepared.steps[1].scratch[0].size_bytes = conv_scratch_bytes(256)
    assert plan_memory(default).arena_bytes == plan_memory(unprepared).arena_bytes
    assert assert_matches_tflm(two_path, count=SAMPLES, seed=2, compiled=emit_model(default)) == SAMPLES


def test_depthwise_narrow_form_fits_where_the_four_channel_ring_does_not():
    """A DS-CNN block (1x1 CONV_2D 64 -> 64 on 25x5, then a 3x3 DEPTHWISE_CONV_2D): both layers hold the arena's
    peak, with room only for the conv's scratch.  The depthwise layer keeps the row-buffer path in its narrow form
    (two channels' records and rings, smaller than the conv's scratch) at the general path's arena, where the
    four-channel form's scratch would have grown it."""
    from codegen.compiled.lower import lower_model
    from codegen.compiled.ops.conv import conv_scratch_bytes, depthwise_rows_scratch_bytes
    from codegen.compiled.plan import plan_memory
    from converter.tflite_model import load_model

    model = load_model(_conv_then_depthwise(shape=(1, 25, 5, 64), mid=64))
    default, always = lower_model(model), lower_model(model, rows3x3="always")
    assert [s.args[0].fields.get("rows3x3") for s in default.steps] == [None, 1]
    assert plan_memory(default).arena_bytes == plan_memory(always).arena_bytes
    four_channel_form = 4 * 10 * 4 + 3 * 16 * (2 * 2 + 1)
    assert depthwise_rows_scratch_bytes(5, 1) < conv_scratch_bytes(64) < four_channel_form


def _conv_then_depthwise(shape=(1, 9, 11, 64), mid=8):
    """A 1x1 CONV_2D (64 -> `mid` channels, 9 x 11 by default) then a 3x3 DEPTHWISE_CONV_2D: with the defaults the
    conv holds the arena's peak."""
    rng = np.random.default_rng(5)
    b = ModelBuilder()
    n, hh, ww, c = shape
    x = b.tensor("x", shape, "int8", scale=0.05, zero_point=-3)
    cw = b.tensor("cw", (mid, 1, 1, c), "int8", scale=0.01, zero_point=0,
                  data=rng.integers(-127, 128, size=(mid, 1, 1, c)).astype(np.int8).tobytes())
    h = b.tensor("h", (n, hh, ww, mid), "int8", scale=0.1, zero_point=-128)
    b.op("CONV_2D", [x, cw], [h], version=3,
         options={"type": "conv2d", "padding": "SAME", "stride_h": 1, "stride_w": 1, "dilation_h": 1,
                  "dilation_w": 1, "activation": "RELU"})
    dw = b.tensor("dw", (1, 3, 3, mid), "int8", scale=0.02, zero_point=0,
                  data=rng.integers(-127, 128, size=(1, 3, 3, mid)).astype(np.int8).tobytes())
    y = b.tensor("y", (n, hh, ww, mid), "int8", scale=0.1, zero_point=-128)
    b.op("DEPTHWISE_CONV_2D", [h, dw], [y], version=3,
         options={"type": "depthwise_conv2d", "padding": "SAME", "stride_h": 1, "stride_w": 1, "dilation_h": 1,
                  "dilation_w": 1, "activation": "RELU", "depth_multiplier": 1})
    return b.build(inputs=[x], outputs=[y])


POOL_CASES = {
    "valid_3x3_stride2": dict(),
    "same_2x2_stride1_relu": dict(filter=(2, 2), padding="SAME", stride=(1, 1), activation="RELU"),
    "same_3x2_stride3_relu6": dict(filter=(3, 2), padding="SAME", stride=(3, 3), activation="RELU6", scale=0.05),
    "global_odd": dict(in_shape=(1, 5, 7, 3), filter=(5, 7), stride=(1, 1)),
    "same_big_window_batch2": dict(in_shape=(2, 4, 5, 5), filter=(4, 4), padding="SAME", stride=(2, 3),
                                   activation="RELU_N1_TO_1", scale=0.02),
}


@pytest.mark.parametrize("kind", ["AVERAGE_POOL_2D", "MAX_POOL_2D"])
@pytest.mark.parametrize("case", sorted(POOL_CASES))
def test_pool_matches_tflm(kind, case):
    from codegen.compiled.host import assert_matches_tflm

    assert assert_matches_tflm(pool_model(kind, **POOL_CASES[case]), count=SAMPLES, seed=3) == SAMPLES


def _reasons(data):
    from codegen.compiled.generate import unsupported_reasons
    from converter.tflite_model import load_model

    return unsupported_reasons(load_model(data))


def test_filters_are_widened_where_each_value_serves_enough_pixels():
    from codegen.compiled.generate import lower_model
    from codegen.compiled.ops.conv import PAIRS_MIN_PIXELS, WIDE_FILTER_MIN_PIXELS
    from converter.tflite_model import load_model

    def functions(case, conv_w16="always"):
        return [step.function for step in
                lower_model(load_model(conv_model(**CONV_CASES[case])), conv_w16=conv_w16).steps]

    assert WIDE_FILTER_MIN_PIXELS == 8
    assert functions("pointwise_few_pixels_int8") == ["an_conv1x1_s8"]
    # a 1x1 in the pairs layout from PAIRS_MIN_PIXELS (a 2x2 plane), where its requantization can be prepared
    assert PAIRS_MIN_PIXELS == 4
    assert functions("pointwise_k44_pairs_2x2_condenser", "arena") == ["an_conv1x1_s8_prepared_w16"]
    assert functions("few_pixels_3x3_int8") == ["an_conv2d_s8"]
    assert functions("grouped") == ["an_conv2d_s8"]  # one group only
    assert functions("pointwise_k24_relu") == ["an_conv1x1_s8_prepared_w16"]
    assert functions("odd_same_relu") == ["an_conv2d_s8_prepared_w16"]
    for case in (c for c in CONV_CASES if c.startswith("w16_")):  # prepared where exact (the test below)
        assert functions(case) in (["an_conv2d_s8_w16"], ["an_conv2d_s8_prepared_w16"]), case
    # By default a layer whose segment-padded scratch would raise the arena takes the int8 kernel (the one
    # layer of these models is their peak): 3x3x3 needs 2 x 2 x 36 B instead of 2 x 2 x 28 B; 3x3x16 no more.
    assert functions("odd_same_relu", "arena") == ["an_conv2d_s8"]
    assert functions("w16_c3_5x5_saturating", "arena") == ["an_conv2d_s8"]
    assert functions("w16_c16_3x3_same", "arena") == ["an_conv2d_s8_prepared_w16"]
    assert functions("w16_c1_10x4_stride2", "arena") == ["an_conv2d_s8_prepared_w16"]


def test_wide_filter_layout_round_trips_and_narrows_to_the_int8_kernel():
    from codegen.compiled.generate import lower_model
    from codegen.compiled.ops.conv import (conv_filter_layout, conv_filter_layout_w16, kxk3_first_layout,
                                           kxk3_first_rows, rows_of_kxk3_first, rows_of_kxk3_first_layout,
                                           rows_of_kxk_w16, rows_of_w16_layout, unprepare_kxk)
    from converter.tflite_model import load_model

    rng = np.random.default_rng(1)
    for out_c, k in [(1, 3), (2, 8), (5, 12), (7, 27), (9, 40), (4, 36)]:
        rows = rng.integers(-128, 128, size=(out_c, k)).astype(np.int8)
        k4 = (k + 3) & ~3
        padded = np.zeros((out_c, k4), np.int16)
        padded[:, :k] = rows
        assert np.array_equal(rows_of_w16_layout(conv_filter_layout_w16(rows), out_c, k4), padded)
        assert np.array_equal(rows_of_w16_layout(conv_filter_layout_w16(rows, 2), out_c, k4, 2), padded)
        assert np.array_equal(rows_of_kxk3_first_layout(kxk3_first_layout(padded), out_c, k4), padded)
    # Helium builds: lower_model(wide_filters=False) gives the int8 kernel and layout of the same filter
    model = load_model(conv_model(**CONV_CASES["odd_same_relu"]))
    (wide,), (narrow,) = lower_model(model, conv_w16="always").steps, lower_model(model, wide_filters=False).steps
    assert (wide.function, narrow.function) == ("an_conv2d_s8_prepared_w16", "an_conv2d_s8")
    unprepare_kxk(wide)  # the filter values halved: an_conv2d_s8_w16's
    assert wide.function == "an_conv2d_s8_w16"
    assert (wide.args[2].c_type, narrow.args[2].c_type) == ("int16_t", "int8_t")
    # an_conv2d_s8_w16's rows: 3x3x3 -> three rows of 9 values in 12 positions, blocks in the order 0 2 1 3
    kxk = rows_of_w16_layout(wide.args[2].values, 5, 36)
    rows = rows_of_kxk_w16(kxk, 3, 9).astype(np.int8)
    assert np.array_equal(narrow.args[2].values, conv_filter_layout(rows, 1))
    assert not kxk.reshape(5, 3, 3, 4)[:, :, 2, [2, 1, 3]].any()  # positions 9-11 of each row: zeros
    assert np.array_equal(kxk[:, :4], rows[:, [0, 2, 1, 3]])
    # the prepared 3x3 first layer (an_conv.h AN_CONV_KXK3_FIRST): its rows in KXK3_FIRST_POSITIONS (27 values in 28
    # positions), in pairs: rows 0 and 1 interleaved by words (two values each), row 4 alone at the end
    (prepared,) = lower_model(model, conv_w16="always").steps
    values = np.asarray(prepared.args[2].values).reshape(-1)
    first = kxk3_first_rows(rows, 3)
    assert first.shape == (5, 28) and np.array_equal(rows_of_kxk3_first(first, 3), rows)
    assert np.array_equal(first[:, 24:], np.stack([rows[:, 8], rows[:, 26], rows[:, 17], 0 * rows[:, 0]], axis=1))
    assert np.array_equal(values[:8], 2 * np.concatenate([first[0, :2], first[1, :2], first[0, 2:4], first[1, 2:4]]))
    assert np.array_equal(values[-28:], 2 * first[4])
    assert np.array_equal(rows_of_kxk3_first_layout(values, 5, 28), 2 * first)
    one = np.arange(1, 19, dtype=np.int16).reshape(2, 9)  # one input channel: 9 values in 12 positions
    assert np.array_equal(kxk3_first_rows(one, 1)[0], [1, 3, 2, 5, 4, 6, 8, 0, 7, 9, 0, 0])
    assert np.array_equal(rows_of_kxk3_first(kxk3_first_rows(one, 1), 1), one)


def test_every_pointwise_entry_point_is_some_cases_and_model_c_calls_it():
    """Each of an_conv1x1_s8_prepared_w16's variant entry points (an_conv.h) is what some case's model.c calls, so
    that the host and QEMU runs of CONV_CASES (here and tests/test_compiled_conv_dsp.py) check every one bit-exact;
    the emitted call names the entry point, the step keeps the kernel's name."""
    from codegen.compiled.lowering import linked_function
    from codegen.compiled.ops.conv import POINTWISE_LO_AT_ZP_FORMS, POINTWISE_PREPARED_VARIANTS, PREPARED_POINTWISE

    called = {}
    for case in CONV_CASES:
        compiled = conv_compiled(case)
        for step in compiled.program.steps:
            if step.function == PREPARED_POINTWISE:
                entry = linked_function(step)
                assert f"  {entry}(" in compiled.files["model.c"], (case, entry)
                called.setdefault(entry, case)
    twins = {f"{PREPARED_POINTWISE}_pairs{k}_out{o}_z" for k, o in POINTWISE_LO_AT_ZP_FORMS}  # act_min >= zero point
    assert set(called) == {f"{PREPARED_POINTWISE}_{v}" for v in POINTWISE_PREPARED_VARIANTS} | twins, called


def test_every_depthwise_form_entry_point_is_some_cases_and_model_c_calls_it():
    """Each of an_depthwise_conv2d_s8's form entry points (an_depthwise_conv.h; the plane form's by shape) is what
    some DEPTHWISE_CASES case's model.c calls (its row-buffer levels as tests/test_compiled_conv_dsp.py builds them),
    so that the host and QEMU runs check every form bit-exact through its entry point."""
    from codegen.compiled.lowering import linked_function
    from codegen.compiled.ops.conv import DEPTHWISE_FORMS

    called = set()
    for case in DEPTHWISE_CASES:
        compiled = depthwise_compiled(case)
        for step in compiled.program.steps:
            if step.function == "an_depthwise_conv2d_s8":
                entry = linked_function(step)
                assert f"  {entry}(" in compiled.files["model.c"], (case, entry)
                called.add(entry.split("_s8_")[1].rstrip("_0123456789"))
    assert called == set(DEPTHWISE_FORMS), called


def test_pointwise_prepared_where_exact_and_unprepared_to_the_same_outputs():
    """an_conv1x1_s8_prepared_w16 where its requantization is exact, an_conv1x1_s8_w16 elsewhere (a shift >= 0,
    kc = 2^(e-1) + zero point * 2^e outside int32); unprepare_pointwise and the narrowing give the plain kernels'
    records and outputs back (the host C of each equals TFLM)."""
    from codegen.compiled.emit import emit_model
    from codegen.compiled.generate import lower_model
    from codegen.compiled.host import assert_matches_tflm
    from codegen.compiled.ops.conv import unprepare_pointwise
    from converter.tflite_model import load_model

    def step(case, **kw):
        (only,) = lower_model(load_model(conv_model(**CONV_CASES[case])), **kw).steps
        return only

    for case in ("pointwise_k8_odd_pixels", "pointwise_k16_pruned_channels", "pointwise_k12_shift_near_31",
                 "pointwise_k40_shift_minus1", "pointwise_k100_odd", "pointwise_k4_pairs_seven_pixels",
                 "pointwise_k44_pairs_2x2_condenser", "pointwise_k72_pairs_six_pixels_odd_out",
                 "pointwise_k180_pairs_five_pixels_saturating", "pointwise_k192_pairs_2x2",
                 "pointwise_k256_nine_pixels_odd_out", "pointwise_k24_relu"):
        # (conv_w16 "always": a one-layer model's arena refuses a deep input's columns in scratch, the test above)
        assert step(case, conv_w16="always").function == "an_conv1x1_s8_prepared_w16", case
    for case in ("pointwise_shifts_of_both_signs", "pointwise_saturating_left_shift", "pointwise_shift_minus31"):
        assert step(case).function == "an_conv1x1_s8_w16", case
    pruned = step("pointwise_k16_pruned_channels")
    records = np.asarray(pruned.args[3].values).reshape(-1, 4)
    assert records[[0, 4, 10], 3].tolist() == [0, 0, 0] and records[[1, 2, 3], 3].min() >= 1
    assert step("pointwise_k40_shift_minus1").args[3].values.reshape(-1, 4)[:, 3].min() == 1
    assert step("pointwise_k12_shift_near_31").args[3].values.reshape(-1, 4)[:, 3].max() >= 28
    assert step("pointwise_k16_pruned_channels", wide_filters=False).function == "an_conv1x1_s8"
    for case in ("pointwise_k16_pruned_channels", "pointwise_k8_pruned_last_pair_relu6"):
        model = load_model(conv_model(**CONV_CASES[case]))
        program = lower_model(model)
        unprepare_pointwise(program.steps[0])
        assert program.steps[0].function == "an_conv1x1_s8_w16"
        assert assert_matches_tflm(model, count=SAMPLES, seed=2, compiled=emit_model(program)) == SAMPLES


def test_kxk_prepared_where_exact_and_unprepared_to_the_same_outputs():
    """an_conv2d_s8_prepared_w16 where its requantization is exact (the 1x1 kernel's conditions), an_conv2d_s8_w16
    elsewhere (a shift >= 0); unprepare_kxk gives the plain kernel's records back with the same outputs (host C
    equals TFLM), and the narrowing for Helium / plain cores gives an_conv2d_s8."""
    from codegen.compiled.emit import emit_model
    from codegen.compiled.generate import lower_model
    from codegen.compiled.host import assert_matches_tflm
    from codegen.compiled.ops.conv import kxk3_first, kxk3_first_records, unprepare_kxk
    from converter.tflite_model import load_model

    def step(case, **kw):
        (only,) = lower_model(load_model(conv_model(**CONV_CASES[case])), conv_w16="always", **kw).steps
        return only

    for case in ("first3x3_c1_stride2_same", "first3x3_c3_odd_saturating", "w16_c16_3x3_same", "odd_same_relu"):
        assert step(case).function == "an_conv2d_s8_prepared_w16", case
    for case in ("shifts_of_both_signs_3x3", "w16_c3_5x5_saturating"):
        assert step(case).function == "an_conv2d_s8_w16", case
    assert step("first3x3_c3_stride2_same", wide_filters=False).function == "an_conv2d_s8"
    for case in ("first3x3_c3_stride2_same", "w16_c2_valid_tensor_end", "w16_c16_3x3_same"):
        model = load_model(conv_model(**CONV_CASES[case]))
        program = lower_model(model, conv_w16="always")
        records = np.asarray(program.steps[0].args[3].values)
        if kxk3_first(program.steps[0].args[0].fields):  # the first layers' records in groups of four channels
            records = kxk3_first_records(records, inverse=True)
        records = records.reshape(-1, 4)
        unprepare_kxk(program.steps[0])
        assert program.steps[0].function == "an_conv2d_s8_w16"
        assert np.array_equal(np.asarray(program.steps[0].args[3].values).reshape(-1, 3)[:, 2], -records[:, 3])
        assert assert_matches_tflm(model, count=SAMPLES, seed=2, compiled=emit_model(program)) == SAMPLES


def test_kxk_w16_rows_round_trip():
    from codegen.compiled.ops.conv import kxk_w16_rows, rows_of_kxk_w16

    rng = np.random.default_rng(2)
    for out_c, k_h, row_values in [(1, 1, 3), (3, 3, 9), (4, 10, 4), (2, 5, 15), (5, 3, 48), (7, 2, 6)]:
        rows = rng.integers(-128, 128, size=(out_c, k_h * row_values)).astype(np.int16)
        laid = kxk_w16_rows(rows, k_h, row_values)
        assert laid.shape == (out_c, k_h * ((row_values + 3) & ~3))
        assert np.array_equal(rows_of_kxk_w16(laid, k_h, row_values), rows)
        assert np.count_nonzero(laid) == np.count_nonzero(rows)


def test_refusals_name_the_unsupported_option():
    """What the kernels cannot run is refused at generation time with a reason naming it."""
    # A fused TANH (TFLM's int8 conv does not accept it either).
    b = ModelBuilder()
    x = b.tensor("x", (1, 4, 4, 2), "int8", scale=0.1, zero_point=0)
    w = b.tensor("w", (3, 3, 3, 2), "int8", scale=[0.01] * 3, zero_point=[0] * 3, data=bytes(54))
    y = b.tensor("y", (1, 4, 4, 3), "int8", scale=0.1, zero_point=0)
    b.op("CONV_2D", [x, w, -1], [y], version=3, options={"type": "conv2d", "activation": "TANH"})
    assert any("fused TANH" in r for r in _reasons(b.build(inputs=[x], outputs=[y])))

    # int16 activations with an int8 output (16x8 is int16 -> int16: test_compiled_conv_wide.py).
    b = ModelBuilder()
    x = b.tensor("x", (1, 4, 4, 2), "int16", scale=0.1, zero_point=0)
    w = b.tensor("w", (1, 3, 3, 2), "int8", scale=[0.01] * 2, zero_point=[0] * 2, quantized_dimension=3,
                 data=bytes(18))
    y = b.tensor("y", (1, 4, 4, 2), "int8", scale=0.1, zero_point=0)
    b.op("DEPTHWISE_CONV_2D", [x, w, -1], [y], version=3, options={"type": "depthwise_conv2d"})
    assert any("int16 -> int8" in r for r in _reasons(b.build(inputs=[x], outputs=[y])))

    # Weights computed at run time (a second model input).
    b = ModelBuilder()
    x = b.tensor("x", (1, 4, 4, 2), "int8", scale=0.1, zero_point=0)
    w = b.tensor("w", (3, 1, 1, 2), "int8", scale=[0.01] * 3, zero_point=[0] * 3)
    y = b.tensor("y", (1, 4, 4, 3), "int8", scale=0.1, zero_point=0)
    b.op("CONV_2D", [x, w, -1], [y], version=3, options={"type": "conv2d"})
    assert any("filter computed at run time" in r for r in _reasons(b.build(inputs=[x, w], outputs=[y])))

    # Pooling whose output is quantized differently from its input.
    b = ModelBuilder()
    x = b.tensor("x", (1, 4, 4, 2), "int8", scale=0.1, zero_point=0)
    y = b.tensor("y", (1, 2, 2, 2), "int8", scale=0.2, zero_point=0)
    b.op("MAX_POOL_2D", [x], [y], version=2, options={"type": "pool2d", "filter": 2, "stride": 2})
    assert any("input and output quantization differ" in r for r in _reasons(b.build(inputs=[x], outputs=[y])))
