"""Compiled runtime: a small Keras conv net as a user converts it with stock TFLiteConverter settings, 16x8
(EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8, int16 input and output) and float32, compiled
and compared with the tflite-micro interpreter on 100 random inputs each, byte for byte (float: bit for bit).

The net (ZeroPadding2D, Conv2D sigmoid, Conv2D tanh, GlobalAveragePooling2D, Dense, Softmax) gives PAD,
CONV_2D, LOGISTIC, TANH, MEAN, FULLY_CONNECTED and SOFTMAX: the operators a 16x8 conversion hits first.
Converted once per session here (TensorFlow, ~20 s); skipped without TensorFlow.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from compiled_ops_harness import require_tools

from codegen.compiled.generate import compile_model
from codegen.compiled.host import assert_matches_tflm
from converter.tflite_model import load_model

EXPECTED_OPERATORS = {"PAD", "CONV_2D", "LOGISTIC", "TANH", "MEAN", "FULLY_CONNECTED", "SOFTMAX"}


def convert_stock_net() -> dict:
    """{"int16x8": bytes, "float": bytes}: the net converted by stock TFLiteConverter settings (TensorFlow
    required; bench/coverage.py uses it too)."""
    from corpus import _convert_with, _keras

    keras = _keras()
    keras.utils.set_random_seed(5)
    inputs = keras.Input((12, 12, 3))
    x = keras.layers.ZeroPadding2D(((1, 1), (2, 0)))(inputs)
    x = keras.layers.Conv2D(8, 3, strides=2, activation="sigmoid")(x)
    x = keras.layers.Conv2D(8, 3, padding="same", activation="tanh")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dense(5)(x)
    outputs = keras.layers.Softmax()(x)
    model = keras.Model(inputs, outputs)
    calibration = np.random.default_rng(0).random((16, 12, 12, 3), dtype=np.float32) * 2 - 1
    return {mode: _convert_with(model, calibration, mode) for mode in ("int16x8", "float")}


@pytest.fixture(scope="module")
def converted():
    if importlib.util.find_spec("tensorflow") is None:
        pytest.skip("TensorFlow is not installed (the [train] extra): no stock conversion")
    return convert_stock_net()


@pytest.mark.parametrize("mode,dtype", [("int16x8", "int16"), ("float", "float32")])
def test_stock_conversion_compiles_and_matches_tflm(converted, mode, dtype):
    require_tools()
    model = load_model(converted[mode])
    sg = model.main_subgraph
    assert {op.name for op in sg.operators} >= EXPECTED_OPERATORS
    assert sg.tensor(sg.inputs[0]).dtype == dtype
    compiled = compile_model(model)  # raises (naming each operator) if any operator lacks a kernel
    assert assert_matches_tflm(model, count=100, seed=3, compiled=compiled) == 100
