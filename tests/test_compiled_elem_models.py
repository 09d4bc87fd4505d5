"""Compiled runtime, whole models of element-wise and data-movement operators through the driver.

The per-operator tests (test_compiled_lut.py, test_compiled_binary.py, ...) check the
lowerings and kernels with many cases in one host program; these run small multi-operator
models through the real driver (codegen.compiled.generate: memory plan, in-place
buffers, const arrays) and codegen.compiled.host, against the tflite-micro interpreter.
"""

from __future__ import annotations

import numpy as np

from compiled_ops_harness import require_tools
from tflite_builder import ModelBuilder

from codegen.compiled.generate import compile_model
from codegen.compiled.host import assert_matches_tflm
from converter.tflite_model import load_model


def gate_model():
    """x -> LOGISTIC -> MUL(x, .) -> ADD(., constant per channel, RELU) -> HARD_SWISH (a gating block)."""
    b = ModelBuilder()
    x = b.tensor("x", (1, 6, 6, 4), "int8", scale=0.05, zero_point=-3)
    s = b.tensor("s", (1, 6, 6, 4), "int8", scale=1 / 256, zero_point=-128)
    m = b.tensor("m", (1, 6, 6, 4), "int8", scale=0.03, zero_point=2)
    c = b.tensor("c", (4,), "int8", scale=0.02, zero_point=0, data=np.arange(4, dtype=np.int8).tobytes())
    y = b.tensor("y", (1, 6, 6, 4), "int8", scale=0.06, zero_point=-10)
    z = b.tensor("z", (1, 6, 6, 4), "int8", scale=0.06, zero_point=-10)
    b.op("LOGISTIC", [x], [s])
    b.op("MUL", [x, s], [m], options={"type": "mul"})
    b.op("ADD", [m, c], [y], options={"type": "add", "activation": "RELU"})
    b.op("HARD_SWISH", [y], [z])
    return b.build(inputs=[x], outputs=[z])


def test_gate_model_matches_tflm():
    require_tools()
    assert assert_matches_tflm(gate_model(), count=100) == 100


def test_element_wise_ops_share_buffers_in_place():
    compiled = compile_model(load_model(gate_model()))
    # x (3 readers done by MUL) | s | m -> y in place | y -> z in place: fewer buffers than tensors
    assert compiled.arena_bytes < 4 * 144


def _i32(values):
    return np.array(values, np.int32).tobytes()


def attention_model(seed=0):
    """An AttendNet-like attention condenser and head, every tensor int8:

    x -> MAX_POOL 2x2 -> DEPTHWISE 3x3 -> CONV 1x1 (16 ch) -> RESIZE_NEAREST x2 -> LOGISTIC
      -> STRIDED_SLICE (first 8 channels) -> MUL with x -> CONCATENATION with x
      -> PAD -> MEAN over H, W -> SOFTMAX; outputs: the softmax and the concatenation
    """
    rng = np.random.default_rng(seed)
    b = ModelBuilder()
    x = b.tensor("x", (1, 16, 16, 8), "int8", scale=0.04, zero_point=-5)
    pooled = b.tensor("pooled", (1, 8, 8, 8), "int8", scale=0.04, zero_point=-5)
    b.op("MAX_POOL_2D", [x], [pooled], version=2,
         options={"type": "pool2d", "padding": "VALID", "stride": 2, "filter": 2})
    dw_w = rng.integers(-127, 128, (1, 3, 3, 8)).astype(np.int8)
    dw_s = list(rng.uniform(0.002, 0.02, 8))
    dw_wt = b.tensor("dw_w", dw_w.shape, "int8", scale=dw_s, zero_point=[0] * 8, quantized_dimension=3,
                     data=dw_w.tobytes())
    dw_b = b.tensor("dw_b", (8,), "int32", scale=[0.04 * s for s in dw_s], zero_point=[0] * 8,
                    data=rng.integers(-500, 500, 8).astype(np.int32).tobytes())
    dw = b.tensor("dw", (1, 8, 8, 8), "int8", scale=0.03, zero_point=2)
    b.op("DEPTHWISE_CONV_2D", [pooled, dw_wt, dw_b], [dw], version=3,
         options={"type": "depthwise_conv2d", "padding": "SAME", "activation": "RELU"})
    pw_w = rng.integers(-127, 128, (16, 1, 1, 8)).astype(np.int8)
    pw_s = list(rng.uniform(0.002, 0.02, 16))
    pw_wt = b.tensor("pw_w", pw_w.shape, "int8", scale=pw_s, zero_point=[0] * 16, data=pw_w.tobytes())
    pw_b = b.tensor("pw_b", (16,), "int32", scale=[0.03 * s for s in pw_s], zero_point=[0] * 16,
                    data=rng.integers(-500, 500, 16).astype(np.int32).tobytes())
    pw = b.tensor("pw", (1, 8, 8, 16), "int8", scale=0.05, zero_point=0)
    b.op("CONV_2D", [dw, pw_wt, pw_b], [pw], version=3, options={"type": "conv2d", "padding": "SAME"})
    size = b.tensor("size", (2,), "int32", data=_i32([16, 16]))
    up = b.tensor("up", (1, 16, 16, 16), "int8", scale=0.05, zero_point=0)
    b.op("RESIZE_NEAREST_NEIGHBOR", [pw, size], [up], version=3, options={"type": "resize_nearest_neighbor"})
    sig = b.tensor("sig", (1, 16, 16, 16), "int8", scale=1 / 256, zero_point=-128)
    b.op("LOGISTIC", [up], [sig], version=2)
    begin = b.tensor("begin", (4,), "int32", data=_i32([0, 0, 0, 0]))
    end = b.tensor("end", (4,), "int32", data=_i32([1, 16, 16, 8]))
    strides = b.tensor("strides", (4,), "int32", data=_i32([1, 1, 1, 1]))
    att = b.tensor("att", (1, 16, 16, 8), "int8", scale=1 / 256, zero_point=-128)
    b.op("STRIDED_SLICE", [sig, begin, end, strides], [att], version=2, options={"type": "strided_slice"})
    gated = b.tensor("gated", (1, 16, 16, 8), "int8", scale=0.04, zero_point=-5)
    b.op("MUL", [x, att], [gated], version=2, options={"type": "mul"})
    cat = b.tensor("cat", (1, 16, 16, 16), "int8", scale=0.04, zero_point=-5)
    b.op("CONCATENATION", [gated, x], [cat], version=2, options={"type": "concatenation", "axis": 3})
    paddings = b.tensor("paddings", (4, 2), "int32", data=_i32([[0, 0], [1, 1], [1, 1], [0, 0]]))
    padded = b.tensor("padded", (1, 18, 18, 16), "int8", scale=0.04, zero_point=-5)
    b.op("PAD", [cat, paddings], [padded], version=2)
    axis = b.tensor("axis", (2,), "int32", data=_i32([1, 2]))
    mean = b.tensor("mean", (1, 16), "int8", scale=0.02, zero_point=-20)
    b.op("MEAN", [padded, axis], [mean], version=2, options={"type": "reducer", "keep_dims": False})
    probs = b.tensor("probs", (1, 16), "int8", scale=1 / 256, zero_point=-128)
    b.op("SOFTMAX", [mean, ], [probs], version=2, options={"type": "softmax", "beta": 1.0})
    return b.build(inputs=[x], outputs=[probs, cat])


def test_attention_condenser_model_matches_tflm():
    require_tools()
    assert assert_matches_tflm(attention_model(), count=100) == 100
