"""Compiled runtime: FULLY_CONNECTED float32 and 16x8 against tflite-micro, bit for bit.

16x8: int16 activations over the whole int16 range, int8 weights per tensor and per channel,
int64 bias (TFLite's default: int64 accumulator), int32 bias (int32 accumulator), no bias;
effective scales from 2^-20 to 25 (left shifts), fused RELU/RELU6, odd sizes and batches.
float32: with and without bias, every fused activation, inputs spanning 1e-30..1e30 with
-0.0; outputs compared as bits.  100 random inputs per case, one host program.
"""

from __future__ import annotations

import numpy as np
import pytest

from compiled_ops_harness import Case, assert_cases_match_tflm, compile_cases, random_batches
from tflite_builder import ModelBuilder


def s16_model(in_depth=37, units=11, batch=3, in_scale=0.002, out_scale=0.05, w_scales=(0.01,), bias="int64",
              activation="NONE", seed=0):
    rng = np.random.default_rng(seed)
    b = ModelBuilder()
    x = b.tensor("x", (batch, in_depth), "int16", scale=in_scale, zero_point=0)
    weights = rng.integers(-127, 128, size=(units, in_depth)).astype(np.int8)
    per_channel = len(w_scales) > 1
    scales = list(w_scales) if per_channel else w_scales[0]
    zps = [0] * units if per_channel else 0
    w = b.tensor("w", (units, in_depth), "int8", scale=scales, zero_point=zps, data=weights.tobytes())
    inputs = [x, w]
    if bias == "none":
        inputs.append(-1)
    else:
        values = rng.integers(-(1 << 24), 1 << 24, size=units).astype(np.int64 if bias == "int64" else np.int32)
        bscales = [in_scale * s for s in w_scales] if per_channel else in_scale * w_scales[0]
        inputs.append(b.tensor("b", (units,), bias, scale=bscales, zero_point=zps, data=values.tobytes()))
    y = b.tensor("y", (batch, units), "int16", scale=out_scale, zero_point=0)
    b.op("FULLY_CONNECTED", inputs, [y], version=7, options={"type": "fully_connected", "activation": activation})
    return b.build(inputs=[x], outputs=[y])


def f32_model(in_depth=29, units=13, batch=2, bias=True, activation="NONE", seed=0):
    rng = np.random.default_rng(seed)
    b = ModelBuilder()
    x = b.tensor("x", (batch, in_depth), "float32")
    w = b.tensor("w", (units, in_depth), "float32",
                 data=(rng.standard_normal((units, in_depth)) * 0.3).astype(np.float32).tobytes())
    inputs = [x, w]
    if bias:
        inputs.append(b.tensor("b", (units,), "float32",
                               data=rng.standard_normal(units).astype(np.float32).tobytes()))
    else:
        inputs.append(-1)
    y = b.tensor("y", (batch, units), "float32")
    b.op("FULLY_CONNECTED", inputs, [y], options={"type": "fully_connected", "activation": activation})
    return b.build(inputs=[x], outputs=[y])


S16_CASES = {
    "s16_tensor_int64": dict(),
    "s16_channel_int64_extreme": dict(w_scales=tuple(np.geomspace(1e-6, 0.5, 11)), in_scale=0.5, out_scale=0.01,
                                      activation="RELU"),
    "s16_tensor_int32_bias": dict(bias="int32", activation="RELU6", out_scale=0.001),
    "s16_no_bias_1x1": dict(bias="none", in_depth=1, units=1, batch=1),
    "s16_tiny_scale": dict(in_scale=1e-4, w_scales=(1e-3,), out_scale=1.0, in_depth=64, units=5, batch=1),
}
F32_CASES = {
    "f32_bias": dict(),
    "f32_no_bias_relu": dict(bias=False, activation="RELU"),
    "f32_relu6": dict(activation="RELU6", batch=3, in_depth=7, units=3),
    "f32_relu_n1_to_1": dict(activation="RELU_N1_TO_1", in_depth=1, units=1, batch=1),
}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    cases = [Case(n, s16_model(**kw)) for n, kw in S16_CASES.items()]
    cases += [Case(n, f32_model(**kw)) for n, kw in F32_CASES.items()]
    return compile_cases(cases, tmp_path_factory, "fc_wide")


def _inputs(rng, shape, dtype):
    if dtype == "float32":
        v = rng.standard_normal(shape) * 10.0 ** rng.integers(-30, 30, shape) * (rng.random(shape) < 0.2) + \
            rng.standard_normal(shape)
        v = v.astype(np.float32)
        v.reshape(-1)[0] = -0.0
        return v
    return rng.integers(-32768, 32768, shape).astype(np.int16)


def test_fully_connected_wide_matches_tflm(compiled):
    rng = np.random.default_rng(9)
    assert_cases_match_tflm(compiled, lambda case: random_batches(rng, case, _inputs))


def test_kernels_chosen_by_bias_type(compiled):
    cases, _ = compiled
    functions = {c.name: c.call.function for c in cases}
    assert functions["s16_tensor_int64"] == "an_fully_connected_s16_acc64"
    assert functions["s16_tensor_int32_bias"] == "an_fully_connected_s16_acc32"
    assert functions["f32_bias"] == "an_fully_connected_f32"
