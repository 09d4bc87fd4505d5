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
