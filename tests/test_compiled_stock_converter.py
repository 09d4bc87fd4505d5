"""Compiled runtime: a small Keras conv net as a user converts it with stock TFLiteConverter settings, 16x8
(EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8, int16 input and output) and float32, compiled
and compared with the tflite-micro interpreter on 100 random inputs each, byte for byte (float: bit for bit).

The net (ZeroPadding2D, Conv2D sigmoid, Conv2D tanh, GlobalAveragePooling2D, Dense, Softmax) gives PAD,
CONV_2D, LOGISTIC, TANH, MEAN, FULLY_CONNECTED and SOFTMAX: the operators a 16x8 conversion hits first.
A broader net (Conv2D, BatchNormalization, LeakyReLU, DepthwiseConv2D, a residual Add, MaxPooling2D,
UpSampling2D, AveragePooling2D, Concatenate, a sigmoid gate by Multiply, Conv2D relu6, GlobalAveragePooling2D,
Dense tanh, Softmax) is converted to 16x8, float32 and int8 and compared the same way.
A classifier head (bilinear UpSampling2D, GlobalMaxPooling2D, log_softmax and argmax outputs) is converted to int8
and float32 and compared the same way.
Converted once per session here (TensorFlow, ~30 s); skipped without TensorFlow.
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


BROAD_OPERATORS = {"CONV_2D", "LEAKY_RELU", "DEPTHWISE_CONV_2D", "ADD", "LOGISTIC", "MUL", "MAX_POOL_2D",
                   "RESIZE_NEAREST_NEIGHBOR", "AVERAGE_POOL_2D", "CONCATENATION", "MEAN", "FULLY_CONNECTED", "TANH",
                   "SOFTMAX"}


def convert_broad_net() -> dict:
    """{"int16x8", "float", "int8": bytes}: the broader net by stock TFLiteConverter settings."""
    from corpus import _convert_with, _keras

    keras = _keras()
    keras.utils.set_random_seed(1)
    layers = keras.layers
    inputs = keras.Input((16, 16, 3))
    x = layers.Conv2D(8, 3, padding="same")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Add()([x, layers.DepthwiseConv2D(3, padding="same", activation="relu")(x)])
    x = layers.MaxPooling2D()(x)
    x = layers.Concatenate()([x, layers.AveragePooling2D()(layers.UpSampling2D()(x))])
    x = layers.Multiply()([x, layers.Activation("sigmoid")(x)])
    x = layers.Conv2D(4, 1, activation="relu6")(x)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Softmax()(layers.Dense(6, activation="tanh")(x))
    model = keras.Model(inputs, outputs)
    calibration = np.random.default_rng(0).random((16, 16, 16, 3), dtype=np.float32) * 2 - 1
    return {mode: _convert_with(model, calibration, mode) for mode in ("int16x8", "float", "int8")}


@pytest.fixture(scope="module")
def converted():
    if importlib.util.find_spec("tensorflow") is None:
        pytest.skip("TensorFlow is not installed (the [train] extra): no stock conversion")
    return {"small": convert_stock_net(), "broad": convert_broad_net()}


@pytest.mark.parametrize("net,mode,dtype", [("small", "int16x8", "int16"), ("small", "float", "float32"),
                                            ("broad", "int16x8", "int16"), ("broad", "float", "float32"),
                                            ("broad", "int8", "int8")])
def test_stock_conversion_compiles_and_matches_tflm(converted, net, mode, dtype):
    require_tools()
    model = load_model(converted[net][mode])
    sg = model.main_subgraph
    assert {op.name for op in sg.operators} >= (EXPECTED_OPERATORS if net == "small" else BROAD_OPERATORS)
    assert sg.tensor(sg.inputs[0]).dtype == dtype
    compiled = compile_model(model)  # raises (naming each operator) if any operator lacks a kernel
    assert assert_matches_tflm(model, count=100, seed=3, compiled=compiled) == 100


HEAD_OPERATORS = {"CONV_2D", "RESIZE_BILINEAR", "REDUCE_MAX", "FULLY_CONNECTED", "LOG_SOFTMAX", "ARG_MAX"}


def convert_head_net() -> dict:
    """{"int8", "float": bytes}: a net with a classifier head as users write one, by stock TFLiteConverter settings:
    bilinear UpSampling2D, GlobalMaxPooling2D, Dense, then log-probabilities (tf.nn.log_softmax) and the class index
    (tf.math.argmax, int32) as two outputs."""
    from corpus import _convert_with, _keras
    import tensorflow as tf

    keras = _keras()
    keras.utils.set_random_seed(3)
    layers = keras.layers
    inputs = keras.Input((8, 8, 3))
    x = layers.Conv2D(6, 3, strides=2, padding="same", activation="relu")(inputs)
    x = layers.UpSampling2D(interpolation="bilinear")(x)
    x = layers.Conv2D(5, 3, padding="same")(x)
    logits = layers.Dense(4)(layers.GlobalMaxPooling2D()(x))
    log_probabilities = layers.Lambda(lambda v: tf.nn.log_softmax(v))(logits)
    index = layers.Lambda(lambda v: tf.math.argmax(v, axis=-1, output_type=tf.int32))(logits)
    model = keras.Model(inputs, [log_probabilities, index])
    calibration = np.random.default_rng(0).random((16, 8, 8, 3), dtype=np.float32) * 2 - 1
    return {mode: _convert_with(model, calibration, mode) for mode in ("int8", "float")}


@pytest.fixture(scope="module")
def converted_head():
    if importlib.util.find_spec("tensorflow") is None:
        pytest.skip("TensorFlow is not installed (the [train] extra): no stock conversion")
    return convert_head_net()


@pytest.mark.parametrize("mode", ["int8", "float"])
def test_stock_classifier_head_compiles_and_matches_tflm(converted_head, mode):
    """RESIZE_BILINEAR, REDUCE_MAX, LOG_SOFTMAX and ARG_MAX as the converter writes them (options, quantization,
    keep_dims), both outputs byte for byte on 100 inputs."""
    require_tools()
    model = load_model(converted_head[mode])
    assert {op.name for op in model.main_subgraph.operators} == HEAD_OPERATORS
    compiled = compile_model(model)
    assert assert_matches_tflm(model, count=100, seed=4, compiled=compiled) == 100
