"""Compiled runtime: CONV_2D and DEPTHWISE_CONV_2D with 16x8 and float32 arithmetic against tflite-micro.

16x8: int16 activations over the whole int16 range, int8 weights per tensor and per channel, int64 bias
(TFLite's default: int64 accumulator), int32 bias (CONV_2D: int32 wrapping accumulator), no bias; SAME/VALID,
strides 1-3, dilation 2, grouped convolution, depth multipliers, batches, odd sizes, fused RELU/RELU6/
RELU_N1_TO_1, effective scales from 2^-20 to above 1 (left shifts, saturation).  float32: with and
without bias, every fused activation, inputs spanning 1e-30..1e30 with -0.0, infinities and NaN; outputs
compared as bits.  100 random inputs per case, all cases compiled into one host program.
"""

from __future__ import annotations

import numpy as np
import pytest

from compiled_ops_harness import Case, assert_cases_match_tflm, compile_cases, lower_single, random_batches
from tflite_builder import ModelBuilder

from codegen.compiled.lowering import NotLowerable


def _out_hw(h, w, kernel, padding, stride, dilation):
    eff = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
    return [(s + st - 1) // st if padding == "SAME" else (s + st - e) // st
            for s, st, e in zip((h, w), stride, eff)]


def conv_model(dtype, depthwise=False, in_shape=(1, 7, 9, 3), out_c=5, kernel=(3, 3), padding="SAME",
               stride=(1, 1), dilation=(1, 1), activation="NONE", groups=1, multiplier=1, w_scales=None,
               bias="int64", in_scale=0.002, out_scale=0.01, seed=0):
    """One CONV_2D (or DEPTHWISE_CONV_2D) of int16 (16x8) or float32 activations."""
    rng = np.random.default_rng(seed)
    n, h, w, c = in_shape
    if depthwise:
        out_c = c * multiplier
        shape = (1, *kernel, out_c)
    else:
        shape = (out_c, *kernel, c // groups)
    b = ModelBuilder()
    quant = dict(scale=in_scale, zero_point=0) if dtype == "int16" else {}
    x = b.tensor("x", in_shape, dtype, **quant)
    if dtype == "float32":
        wt = b.tensor("w", shape, "float32", data=(rng.standard_normal(shape) * 0.3).astype(np.float32).tobytes())
        inputs = [x, wt]
        inputs.append(b.tensor("b", (out_c,), "float32", data=rng.standard_normal(out_c).astype(np.float32).tobytes())
                      if bias != "none" else -1)
        y = b.tensor("y", (n, *_out_hw(h, w, kernel, padding, stride, dilation), out_c), "float32")
    else:
        scales = list(w_scales) if w_scales is not None else \
            [float(np.float32(v)) for v in np.exp(rng.uniform(np.log(0.002), np.log(0.02), out_c))]
        per_channel = len(scales) > 1
        weights = rng.integers(-127, 128, size=shape).astype(np.int8)
        zps = [0] * len(scales)
        wt = b.tensor("w", shape, "int8", scale=scales if per_channel else scales[0],
                      zero_point=zps if per_channel else 0, quantized_dimension=3 if depthwise else 0,
                      data=weights.tobytes())
        inputs = [x, wt]
        if bias == "none":
            inputs.append(-1)
        else:
            values = rng.integers(-(1 << 22), 1 << 22, size=out_c).astype(np.int64 if bias == "int64" else np.int32)
            bscales = [in_scale * s for s in scales]
            inputs.append(b.tensor("b", (out_c,), bias, scale=bscales if per_channel else bscales[0],
                                   zero_point=zps if per_channel else 0, data=values.tobytes()))
        y = b.tensor("y", (n, *_out_hw(h, w, kernel, padding, stride, dilation), out_c), "int16",
                     scale=out_scale, zero_point=0)
    options = {"type": "depthwise_conv2d" if depthwise else "conv2d", "padding": padding, "stride_h": stride[0],
               "stride_w": stride[1], "dilation_h": dilation[0], "dilation_w": dilation[1], "activation": activation}
    if depthwise:
        options["depth_multiplier"] = multiplier
    b.op("DEPTHWISE_CONV_2D" if depthwise else "CONV_2D", inputs, [y], version=3, options=options)
    return b.build(inputs=[x], outputs=[y])


COMMON = {
    "odd_same": dict(),
    "valid_stride2_5x5_relu": dict(in_shape=(1, 11, 10, 4), kernel=(5, 5), padding="VALID", stride=(2, 2), out_c=6,
                                   activation="RELU"),
    "stride3_relu6": dict(in_shape=(1, 10, 11, 2), stride=(3, 3), activation="RELU6", out_c=3),
    "asymmetric": dict(in_shape=(1, 9, 12, 5), kernel=(2, 4), stride=(1, 2), out_c=4, activation="RELU_N1_TO_1"),
    "dilation2_batch2": dict(in_shape=(2, 9, 8, 3), dilation=(2, 2), out_c=4),
    "pointwise_no_bias": dict(in_shape=(1, 5, 7, 13), kernel=(1, 1), out_c=7, bias="none"),
}
CONV_ONLY = {
    "grouped": dict(in_shape=(1, 6, 7, 6), groups=3, out_c=9),
}
S16_ONLY = {
    "per_tensor_int32_bias": dict(w_scales=(0.01,), bias="int32"),
    "int32_bias_grouped": dict(in_shape=(1, 5, 6, 4), groups=2, out_c=6, bias="int32", activation="RELU"),
    "left_shifts_saturating": dict(in_scale=0.5, out_scale=0.001, w_scales=tuple(np.geomspace(0.01, 0.5, 5))),
    "tiny_scales": dict(in_scale=1e-4, out_scale=1.0, w_scales=tuple(np.geomspace(1e-6, 1e-3, 5))),
}
DW_ONLY = {
    "multiplier3": dict(in_shape=(1, 8, 7, 3), multiplier=3, activation="RELU"),
    "multiplier2_valid_stride2": dict(in_shape=(2, 9, 9, 5), multiplier=2, padding="VALID", stride=(2, 2),
                                      kernel=(3, 3)),
}


def _cases():
    cases = []
    for dtype in ("int16", "float32"):
        for depthwise, extra in ((False, CONV_ONLY), (True, DW_ONLY)):
            table = {**COMMON, **extra, **(S16_ONLY if dtype == "int16" and not depthwise else {})}
            if dtype == "int16" and depthwise:
                table.update({k: dict(v, in_shape=(1, 7, 9, 5)) for k, v in S16_ONLY.items() if v.get("bias") != "int32"})
            for name, kw in table.items():
                kw = dict(kw)
                if depthwise and kw.get("bias") == "none":
                    kw["bias"] = "int64"  # tflite-micro's depthwise without a bias crashes (its prepare reads it)
                if dtype == "float32":
                    for k in ("w_scales", "in_scale", "out_scale"):
                        kw.pop(k, None)
                    if kw.get("bias") == "int32":
                        kw["bias"] = "float32"
                cases.append(Case(f"{'dw' if depthwise else 'conv'}_{dtype}_{name}",
                                  conv_model(dtype, depthwise=depthwise, **kw)))
    return cases


def random_input(rng, shape, dtype):
    if dtype == "float32":
        v = (rng.standard_normal(shape) * 10.0 ** rng.integers(-30, 30, shape)).astype(np.float32)
        flat = v.reshape(-1)
        special = np.array([-0.0, 1e-45, -3e-39, np.inf, -np.inf, np.nan], np.float32)
        if rng.random() < 0.2:  # some inputs with infinities and NaN, the rest finite
            n = min(special.size, flat.size)
            flat[rng.choice(flat.size, size=n, replace=False)] = special[:n]
        elif rng.random() < 0.5:  # moderate values: sums of mixed signs, cancellation
            flat[:] = rng.standard_normal(flat.size).astype(np.float32)
        return flat.reshape(shape)
    return rng.integers(-32768, 32768, shape).astype(np.int16)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    return compile_cases(_cases(), tmp_path_factory, "conv_wide")


def test_every_case_matches_tflm(compiled):
    rng = np.random.default_rng(11)
    assert_cases_match_tflm(compiled, lambda case: random_batches(rng, case, random_input))


def test_kernel_choice_follows_the_bias_type():
    assert lower_single(conv_model("int16")).function == "an_conv2d_s16_acc64"
    assert lower_single(conv_model("int16", bias="int32")).function == "an_conv2d_s16_acc32"
    assert lower_single(conv_model("int16", depthwise=True)).function == "an_depthwise_conv2d_s16"
    assert lower_single(conv_model("float32", depthwise=True)).function == "an_depthwise_conv2d_f32"


def test_refusals_name_the_reason():
    with pytest.raises(NotLowerable, match="int32 bias"):
        lower_single(conv_model("int16", depthwise=True, bias="int32"))
    with pytest.raises(NotLowerable, match="fused TANH"):
        lower_single(conv_model("float32", activation="TANH"))
    b = ModelBuilder()
    x = b.tensor("x", (1, 4, 4, 2), "int16", scale=0.01, zero_point=3)
    w = b.tensor("w", (2, 1, 1, 2), "int8", scale=0.01, zero_point=0, data=bytes(4))
    y = b.tensor("y", (1, 4, 4, 2), "int16", scale=0.01, zero_point=0)
    b.op("CONV_2D", [x, w, -1], [y], version=3, options={"type": "conv2d"})
    with pytest.raises(NotLowerable, match="zero point"):
        lower_single(b.build(inputs=[x], outputs=[y]))
