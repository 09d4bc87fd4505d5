"""Compiled runtime: BATCH_MATMUL and TRANSPOSE_CONV against tflite-micro, 100 random inputs per case.

BATCH_MATMUL: int8 (zero points on both inputs and the output), 16x8 (int16, zero points 0) and float32,
adj_x/adj_y, batch dimensions broadcast either way (ranks 2..5), a constant right-hand side, extreme scales
(multiplier far above and far below 1).  TRANSPOSE_CONV: int8 per-channel and per-tensor filters, 16x8 with
int64 and int16 bias, float32 with and without bias; strides 1..3, SAME and VALID, odd sizes, fused RELU /
RELU6 (integer).  Float outputs compared as bits.
"""

from __future__ import annotations

import numpy as np
import pytest

from compiled_ops_harness import Case, compile_cases, lower_single, output_bits, random_batches, tflm_outputs
from tflite_builder import ModelBuilder


def _random(rng, shape, dtype):
    if dtype == "float32":
        return rng.standard_normal(shape).astype(np.float32)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max + 1, shape, dtype=np.int64).astype(dtype)


def matmul_model(dtype, lhs, rhs, out, adj_x=False, adj_y=False, constant_rhs=False, scales=(0.05, 0.02, 0.3),
                 zps=(3, -5, 7), seed=0):
    b = ModelBuilder()
    q = {} if dtype == "float32" else None

    def quant(k):
        if q is not None:
            return {}
        return dict(scale=scales[k], zero_point=0 if dtype == "int16" else zps[k])

    x = b.tensor("x", lhs, dtype, **quant(0))
    data = _random(np.random.default_rng(seed), rhs, dtype).tobytes() if constant_rhs else None
    w = b.tensor("w", rhs, dtype, data=data, **quant(1))
    y = b.tensor("y", out, dtype, **quant(2))
    b.op("BATCH_MATMUL", [x, w], [y], options={"type": "batch_matmul", "adj_x": adj_x, "adj_y": adj_y})
    return b.build(inputs=[x] if constant_rhs else [x, w], outputs=[y])


def tconv_model(dtype, in_shape, out_c, k, stride, padding, bias="yes", activation="NONE", per_channel=True,
                seed=0, shape_input=False):
    """``shape_input``: the output shape is a model input (as TFLM's seanet integration models have it; TFLM's
    kernel never reads its values: the output tensor's dims decide)."""
    rng = np.random.default_rng(seed)
    n, h, w_, c = in_shape
    kh, kw = k
    sh, sw = stride
    if padding == "SAME":
        oh, ow = h * sh, w_ * sw
    else:
        oh, ow = (h - 1) * sh + kh, (w_ - 1) * sw + kw
    b = ModelBuilder()
    shape = b.tensor("shape", (4,), "int32",
                     data=None if shape_input else np.array([n, oh, ow, out_c], np.int32).tobytes())
    if dtype == "float32":
        wt = b.tensor("w", (out_c, kh, kw, c), "float32",
                      data=rng.standard_normal((out_c, kh, kw, c)).astype(np.float32).tobytes())
        x = b.tensor("x", in_shape, "float32")
        y = b.tensor("y", (n, oh, ow, out_c), "float32")
        inputs = [shape, wt, x]
        if bias == "yes":
            inputs.append(b.tensor("b", (out_c,), "float32",
                                   data=rng.standard_normal(out_c).astype(np.float32).tobytes()))
    else:
        scales = [float(s) for s in rng.uniform(0.002, 0.02, out_c)] if per_channel else [0.01]
        wt = b.tensor("w", (out_c, kh, kw, c), "int8", scale=scales, zero_point=[0] * len(scales),
                      data=rng.integers(-127, 128, (out_c, kh, kw, c)).astype(np.int8).tobytes())
        if dtype == "int8":
            x = b.tensor("x", in_shape, "int8", scale=0.05, zero_point=-3)
            y = b.tensor("y", (n, oh, ow, out_c), "int8", scale=0.2, zero_point=5)
        else:
            x = b.tensor("x", in_shape, "int16", scale=0.001, zero_point=0)
            y = b.tensor("y", (n, oh, ow, out_c), "int16", scale=0.004, zero_point=0)
        inputs = [shape, wt, x]
        if bias != "no":
            btype = {"int8": "int32", "int16": "int64"}[dtype] if bias == "yes" else bias
            values = rng.integers(-2000, 2000, out_c).astype(btype)
            inputs.append(b.tensor("b", (out_c,), btype, data=values.tobytes(),
                                   scale=[0.05 * s for s in scales], zero_point=[0] * len(scales)))
    b.op("TRANSPOSE_CONV", inputs, [y], version=3 if dtype == "int16" else 2,
         options={"type": "transpose_conv", "padding": padding, "stride_h": sh, "stride_w": sw,
                  "fused_activation_function": activation})
    return b.build(inputs=[shape, x] if shape_input else [x], outputs=[y])


def _cases():
    cases = []
    for dtype in ("int8", "int16", "float32"):
        cases += [
            Case(f"bmm_{dtype}_2d", matmul_model(dtype, (3, 5), (5, 4), (3, 4))),
            Case(f"bmm_{dtype}_batch", matmul_model(dtype, (2, 3, 7), (2, 7, 5), (2, 3, 5))),
            Case(f"bmm_{dtype}_bcast", matmul_model(dtype, (2, 1, 3, 5), (1, 4, 5, 6), (2, 4, 3, 6))),
            Case(f"bmm_{dtype}_bcast_rank", matmul_model(dtype, (3, 2, 3, 4), (4, 5), (3, 2, 3, 5))),
            Case(f"bmm_{dtype}_adjx", matmul_model(dtype, (2, 5, 3), (2, 5, 4), (2, 3, 4), adj_x=True)),
            Case(f"bmm_{dtype}_adjy", matmul_model(dtype, (2, 3, 5), (1, 4, 5), (2, 3, 4), adj_y=True)),
            Case(f"bmm_{dtype}_adjxy", matmul_model(dtype, (5, 3), (4, 5), (3, 4), adj_x=True, adj_y=True)),
            Case(f"bmm_{dtype}_const", matmul_model(dtype, (1, 2, 3, 6), (6, 3), (1, 2, 3, 3), constant_rhs=True)),
            Case(f"bmm_{dtype}_rank5", matmul_model(dtype, (2, 1, 2, 3, 4), (1, 3, 1, 4, 2), (2, 3, 2, 3, 2))),
        ]
    cases.append(Case("bmm_int8_big_multiplier", matmul_model("int8", (3, 4), (4, 3), (3, 3),
                                                              scales=(1.0, 0.9, 0.01), zps=(-128, 127, 0))))
    cases.append(Case("bmm_int8_tiny_multiplier", matmul_model("int8", (3, 9), (9, 2), (3, 2),
                                                               scales=(1e-4, 2e-4, 0.5), zps=(0, 0, -100))))
    for dtype in ("int8", "int16", "float32"):
        cases += [
            Case(f"tconv_{dtype}_s2_same", tconv_model(dtype, (1, 3, 4, 3), 5, (3, 3), (2, 2), "SAME")),
            Case(f"tconv_{dtype}_s1_valid", tconv_model(dtype, (2, 4, 3, 2), 3, (2, 3), (1, 1), "VALID")),
            Case(f"tconv_{dtype}_s3_nobias", tconv_model(dtype, (1, 2, 3, 4), 2, (4, 2), (3, 2), "SAME", bias="no")),
            Case(f"tconv_{dtype}_s2_valid_odd", tconv_model(dtype, (1, 5, 3, 1), 4, (3, 3), (2, 1), "VALID")),
        ]
    cases += [
        Case("tconv_int8_relu_tensor", tconv_model("int8", (1, 3, 3, 2), 3, (3, 3), (2, 2), "SAME", activation="RELU",
                                                   per_channel=False)),
        Case("tconv_int8_relu6", tconv_model("int8", (1, 4, 4, 3), 2, (2, 2), (2, 2), "VALID", activation="RELU6")),
        Case("tconv_int16_bias16", tconv_model("int16", (1, 3, 3, 2), 3, (3, 3), (2, 2), "SAME", bias="int16")),
        Case("tconv_int16_relu", tconv_model("int16", (1, 3, 2, 2), 2, (2, 2), (1, 1), "SAME", activation="RELU")),
        Case("tconv_int16_shape_input", tconv_model("int16", (1, 1, 5, 4), 3, (3, 4), (1, 2), "VALID", bias="int64",
                                                     shape_input=True)),
        Case("tconv_int8_shape_input", tconv_model("int8", (1, 3, 3, 2), 3, (3, 3), (2, 2), "SAME", shape_input=True)),
    ]
    return cases


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    return compile_cases(_cases(), tmp_path_factory, "matmul")


def test_matmul_and_transpose_conv_match_tflm(compiled):
    cases, program = compiled
    rng = np.random.default_rng(21)
    for case in cases:
        batches = random_batches(rng, case, _random)
        ours = program.run(case.name, batches)
        ref = tflm_outputs(case.model_bytes, batches)
        for k, (a, b) in enumerate(zip(ours, ref)):
            assert a[0].dtype == b[0].dtype and np.array_equal(output_bits(a[0]), output_bits(b[0])), (case.name, k)
        if "multiplier" not in case.name:  # (the extreme-scale cases saturate: that is their point)
            assert len({o[0].tobytes() for o in ours}) > 50, case.name  # not a constant output


def test_refusals_stay_exact():
    from codegen.compiled.lowering import NotLowerable

    for model, why in ((tconv_model("float32", (1, 2, 2, 1), 1, (2, 2), (2, 2), "SAME", activation="RELU"),
                        "float32 with fused RELU"),
                       (matmul_model("int16", (2, 3), (3, 2), (2, 2), zps=(1, 0, 0)), None),
                       (matmul_model("int8", (2, 3), (4, 2), (2, 2)), "summed dimensions 3 and 4 differ")):
        if why is None:
            continue
        with pytest.raises(NotLowerable, match=why):
            lower_single(model)


def matmul_tconv_model() -> bytes:
    """int8: TRANSPOSE_CONV (stride 2, per-channel, RELU) -> RESHAPE -> BATCH_MATMUL with a constant right side."""
    rng = np.random.default_rng(4)
    b = ModelBuilder()
    x = b.tensor("x", (1, 3, 3, 2), "int8", scale=0.05, zero_point=-3)
    shape = b.tensor("shape", (4,), "int32", data=np.array([1, 6, 6, 3], np.int32).tobytes())
    scales = [0.01, 0.015, 0.007]
    w = b.tensor("w", (3, 3, 3, 2), "int8", scale=scales, zero_point=[0, 0, 0],
                 data=rng.integers(-127, 128, (3, 3, 3, 2)).astype(np.int8).tobytes())
    bias = b.tensor("b", (3,), "int32", scale=[0.05 * s for s in scales], zero_point=[0, 0, 0],
                    data=np.array([100, -50, 7], np.int32).tobytes())
    t = b.tensor("t", (1, 6, 6, 3), "int8", scale=0.04, zero_point=-128)
    b.op("TRANSPOSE_CONV", [shape, w, x, bias], [t], version=2,
         options={"type": "transpose_conv", "padding": "SAME", "stride_h": 2, "stride_w": 2,
                  "fused_activation_function": "RELU"})
    new_shape = b.tensor("new_shape", (2,), "int32", data=np.array([36, 3], np.int32).tobytes())
    r = b.tensor("r", (36, 3), "int8", scale=0.04, zero_point=-128)
    b.op("RESHAPE", [t, new_shape], [r])
    m = b.tensor("m", (3, 5), "int8", scale=0.03, zero_point=2,
                 data=rng.integers(-128, 128, (3, 5)).astype(np.int8).tobytes())
    y = b.tensor("y", (36, 5), "int8", scale=0.05, zero_point=1)
    b.op("BATCH_MATMUL", [r, m], [y], options={"type": "batch_matmul"})
    return b.build(inputs=[x], outputs=[y])


def test_matmul_tconv_model_on_cortex_m4_matches_tflm():
    import compiled_qemu

    missing = compiled_qemu.tools_missing()
    if missing:
        pytest.skip(missing)
    from codegen.compiled.host import random_samples, run_tflm_batch
    from converter.tflite_model import load_model

    model = load_model(matmul_tconv_model())
    samples = random_samples(model, 4, seed=29)
    ours = compiled_qemu.run_model_on_m4(model, samples, dsp=True)
    for got, (expected,) in zip(ours, run_tflm_batch(model, samples)):
        assert np.array_equal(got.reshape(-1), np.asarray(expected).reshape(-1))
    assert len({g.tobytes() for g in ours}) == len(samples)
