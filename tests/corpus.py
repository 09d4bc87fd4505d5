"""The test suite's own model corpus, built with the tools the suite tests.

The suite must not depend on ``../shared/models`` to cover a feature, so it
builds its own small models once per test session (``tests/conftest.py``'s
``corpus`` fixture, cached under ``build/test_corpus/<key>/``):

* Keras models (tf-keras through ``attendnets_tf``), weights from a fixed seed,
  untrained (the accuracy is irrelevant to what the suite checks: operators,
  types, shapes, arenas, generated projects), converted with
  :func:`converter.conversion.convert.convert_keras_model` (full int8, the
  project's own path) or ``tf.lite`` directly for float32 and 16x8;
* an SVDF model written with :mod:`tests.tflite_builder` (the TFLite converter
  does not produce SVDF from Keras), with its variable activation-state tensor.

Each model has a :class:`Spec`: its kind (what ``check`` must call it), the
operators it must contain, and a description.  ``python tests/corpus.py DIR``
builds the corpus into DIR (what the fixture runs, in a child process, so
TensorFlow is never imported into the test workers); ``manifest.json`` lists
the models with their specs.

Everything is small: the whole corpus builds in well under two minutes on one
core, most of it TensorFlow's start-up and the converter.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

TESTS_DIR = Path(__file__).resolve().parent
REPO_ROOT = TESTS_DIR.parent

#: The files whose content decides the corpus (besides the TensorFlow version): a change
#: to any of them rebuilds it.
SOURCE_FILES = (
    "tests/corpus.py",
    "tests/tflite_builder.py",
    "attendnets_tf/models.py",
    "attendnets_tf/layers.py",
    "attendnets_tf/qat.py",
    "converter/conversion/convert.py",
)


@dataclass(frozen=True)
class Spec:
    kind: str  # what `check` must report as model_kind: "int8", "float", "int16x8"
    operators: tuple  # builtin operators the model must contain (a subset of what it has)
    description: str
    needs_tensorflow: bool = True
    features: tuple = field(default=())  # "lstm", "svdf", "variable_tensor", "condenser", "float", "int16",
    # "control_flow"


#: The corpus, by name.  Names end in the kind so test ids read well.
CORPUS = {
    "dscnn_kws_int8": Spec(
        "int8", ("CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "FULLY_CONNECTED", "SOFTMAX"),
        "DS-CNN keyword spotter (MLPerf Tiny's KWS reference architecture: 49x10x1 MFCC, 64 channels, "
        "4 separable blocks, 24x5 average pool, 12 words)"),
    "resnet8_int8": Spec(
        "int8", ("CONV_2D", "ADD", "AVERAGE_POOL_2D", "FULLY_CONNECTED", "SOFTMAX"),
        "ResNet-8 (MLPerf Tiny image classification shape: 32x32x3, 16/32/64 filters, 10 classes)"),
    "mobilenet_v1_025_person_int8": Spec(
        "int8", ("CONV_2D", "DEPTHWISE_CONV_2D", "MEAN", "FULLY_CONNECTED", "SOFTMAX"),
        "MobileNet-V1 0.25 person detector (attendnets_tf.models, 96x96x1, 2 classes; global pooling as MEAN)"),
    "autoencoder_int8": Spec(
        "int8", ("FULLY_CONNECTED",),
        "dense autoencoder (MLPerf Tiny's AD reference architecture, ToyADMOS: 640-128x4-8-128x4-640, "
        "batch norm + ReLU)"),
    "autoencoder_float": Spec(
        "float", ("FULLY_CONNECTED",), "a narrowed dense autoencoder (128-64-64-8-64-64-128) in float32",
        features=("float",)),
    "autoencoder_int16x8": Spec(
        "int16x8", ("FULLY_CONNECTED",),
        "the narrowed dense autoencoder (128-64-64-8-64-64-128), 16-bit activations and 8-bit weights",
        features=("int16",)),
    "lstm_int8": Spec(
        "int8", ("UNIDIRECTIONAL_SEQUENCE_LSTM", "FULLY_CONNECTED", "SOFTMAX"),
        "LSTM sequence classifier (28 steps of 28 features, 16 units, 10 classes; int16 cell state)",
        features=("lstm",)),
    "lstm_float": Spec(
        "float", ("UNIDIRECTIONAL_SEQUENCE_LSTM", "FULLY_CONNECTED", "SOFTMAX"),
        "the LSTM sequence classifier in float32", features=("lstm", "float")),
    "svdf_int8": Spec(
        "int8", ("SVDF", "FULLY_CONNECTED", "SOFTMAX"),
        "SVDF keyword-spotting layer (rank 1, 16 features, memory 8, 8 units; int16 variable state) + classifier",
        needs_tensorflow=False, features=("svdf", "variable_tensor")),
    "svdf_float": Spec(
        "float", ("SVDF", "FULLY_CONNECTED"), "the SVDF layer in float32 (float variable state)",
        needs_tensorflow=False, features=("svdf", "variable_tensor", "float")),
    "flatten_classifier_int8": Spec(
        "int8", ("CONV_2D", "SHAPE", "STRIDED_SLICE", "PACK", "RESHAPE", "FULLY_CONNECTED", "SOFTMAX"),
        "stock Keras 3 Conv -> Flatten -> Dense classifier, TFLiteConverter full int8 with a dynamic batch "
        "(Flatten's shape arithmetic: SHAPE, STRIDED_SLICE, PACK)"),
    "small_cnn_float": Spec(
        "float", ("CONV_2D", "DEPTHWISE_CONV_2D"),
        "a small CNN (16x16x2: Conv 3x3 s2 ReLU, depthwise 3x3 ReLU6, Conv 1x1) in float32",
        features=("float",)),
    "small_cnn_int16x8": Spec(
        "int16x8", ("CONV_2D", "DEPTHWISE_CONV_2D"),
        "the small CNN with 16-bit activations and 8-bit weights (TFLiteConverter "
        "EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8)", features=("int16",)),
    "nchw_transpose_int8": Spec(
        "int8", ("TRANSPOSE", "CONV_2D", "FULLY_CONNECTED"),
        "a PyTorch-style NCHW model (3x16x16 input, Permute to NHWC as TRANSPOSE) -> Conv -> Flatten -> Dense, "
        "TFLiteConverter full int8"),
    "if_cond_float": Spec(
        "float", ("FULLY_CONNECTED", "GREATER", "IF"),
        "tf.cond in a tf.function (TFLiteConverter.from_concrete_functions, float32): the sign of x.v picks one "
        "of two dense branches (IF with two branch subgraphs)", features=("control_flow", "float")),
    "if_cond_mixed": Spec(
        "mixed", ("FULLY_CONNECTED", "GREATER", "IF", "QUANTIZE", "DEQUANTIZE"),
        "the tf.cond model converted full int8 (int8 input/output and kernels; the converter keeps the IF's "
        "interface float32: QUANTIZE/DEQUANTIZE inside the branches)", features=("control_flow",)),
    "while_loop_float": Spec(
        "float", ("FULLY_CONNECTED", "CAST", "WHILE", "LESS", "ADD"),
        "tf.while_loop in a tf.function (float32): n = int(min(relu(x.v), 5)) iterations of a dense layer "
        "(WHILE with condition and body subgraphs, int32 loop counters)", features=("control_flow", "float")),
    "while_loop_mixed": Spec(
        "mixed", ("FULLY_CONNECTED", "CAST", "WHILE", "LESS", "ADD", "QUANTIZE", "DEQUANTIZE"),
        "the tf.while_loop model converted full int8 (the loop variable stays float32 between iterations)",
        features=("control_flow",)),
    "nested_control_float": Spec(
        "float", ("WHILE", "IF", "LESS", "GREATER", "FULLY_CONNECTED"),
        "a tf.cond inside a tf.while_loop's body (float32): an IF in the WHILE's body subgraph, the branch picked "
        "per iteration", features=("control_flow", "float")),
    "attendnet_b_int8": Spec(
        "int8", ("CONV_2D", "DEPTHWISE_CONV_2D", "MUL", "LOGISTIC", "SOFTMAX"),
        "AttendNet-B (attendnets_tf.models, 32x32x1, width 0.5, 10 classes; unfolded attention condensers)",
        features=("condenser",)),
}


def corpus_key():
    """A short hash of everything the corpus depends on: the builder sources and the TensorFlow version."""
    digest = hashlib.sha256()
    for rel in SOURCE_FILES:
        path = REPO_ROOT / rel
        digest.update(rel.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"") + b"\0")
    digest.update(_tensorflow_version().encode())
    return digest.hexdigest()[:16]


def _tensorflow_version():
    from importlib import metadata

    try:
        return metadata.version("tensorflow")
    except metadata.PackageNotFoundError:
        return "none"


# --- Keras models -------------------------------------------------------------------------


def _keras():
    from attendnets_tf._tf import keras

    return keras


def _bn_relu(x, layers):
    return layers.ReLU()(layers.BatchNormalization()(x))


def _dscnn(keras):
    """MLPerf Tiny's KWS reference (benchmark/training/keyword_spotting/keras_model.py, "ds_cnn").

    Its final pool is half the input (int(49/2), int(10/2)) = (24, 5) over the 25x5 feature map.
    """
    layers = keras.layers
    inputs = keras.Input((49, 10, 1), name="mfcc")
    x = layers.Conv2D(64, (10, 4), strides=2, padding="same", use_bias=False)(inputs)
    x = _bn_relu(x, layers)
    for _ in range(4):
        x = _bn_relu(layers.DepthwiseConv2D(3, padding="same", use_bias=False)(x), layers)
        x = _bn_relu(layers.Conv2D(64, 1, use_bias=False)(x), layers)
    x = layers.AveragePooling2D(pool_size=(24, 5))(x)
    x = layers.Flatten()(x)
    outputs = layers.Softmax()(layers.Dense(12)(x))
    return keras.Model(inputs, outputs, name="dscnn_kws")


def _resnet8(keras):
    layers = keras.layers

    def conv(x, filters, stride=1, kernel=3):
        return layers.Conv2D(filters, kernel, strides=stride, padding="same")(x)

    inputs = keras.Input((32, 32, 3), name="image")
    x = _bn_relu(conv(inputs, 16), layers)
    for filters, stride in ((16, 1), (32, 2), (64, 2)):
        y = _bn_relu(conv(x, filters, stride), layers)
        y = layers.BatchNormalization()(conv(y, filters))
        shortcut = x if stride == 1 else conv(x, filters, stride, kernel=1)
        x = layers.ReLU()(layers.Add()([shortcut, y]))
    x = layers.AveragePooling2D(pool_size=8)(x)
    x = layers.Flatten()(x)
    outputs = layers.Softmax()(layers.Dense(10)(x))
    return keras.Model(inputs, outputs, name="resnet8")


def _autoencoder(keras, features=640, hidden=(128, 128, 128, 128, 8, 128, 128, 128, 128)):
    """A dense autoencoder; the defaults are MLPerf Tiny's AD reference (ToyADMOS,
    benchmark/training/anomaly_detection/keras_model.py): 640 inputs, Dense + batch norm + ReLU."""
    layers = keras.layers
    inputs = keras.Input((features,), name="features")
    x = inputs
    for units in hidden:
        x = _bn_relu(layers.Dense(units)(x), layers)
    outputs = layers.Dense(features)(x)
    return keras.Model(inputs, outputs, name="autoencoder")


def _small_autoencoder(keras):
    """The narrowed autoencoder the float and 16x8 variants use (128-64-64-8-64-64-128)."""
    return _autoencoder(keras, features=128, hidden=(64, 64, 8, 64, 64))


def _small_cnn(keras):
    layers = keras.layers
    inputs = keras.Input((16, 16, 2), batch_size=1, name="image")
    x = layers.Conv2D(6, 3, strides=2, padding="same", activation="relu")(inputs)
    x = layers.DepthwiseConv2D(3, padding="same", activation="relu6")(x)
    outputs = layers.Conv2D(8, 1)(x)
    return keras.Model(inputs, outputs, name="small_cnn")


def _lstm(keras):
    layers = keras.layers
    inputs = keras.Input((28, 28), batch_size=1, name="sequence")
    x = layers.LSTM(16)(inputs)
    outputs = layers.Softmax()(layers.Dense(10)(x))
    return keras.Model(inputs, outputs, name="lstm")


def _keras3():
    """Keras 3 (``import keras`` with current TensorFlow): what a new user's model is written with."""
    from attendnets_tf._tf import keras3

    keras = keras3()
    keras.utils.set_random_seed(0)
    return keras


def _flatten_classifier(keras):
    """A Sequential model as the Keras tutorials write it; Keras 3's Flatten keeps the batch dimension
    dynamic (SHAPE, STRIDED_SLICE, PACK before the RESHAPE), tf-keras's does not."""
    layers = keras.layers
    return keras.Sequential([layers.Input((12, 12, 1)), layers.Conv2D(4, 3, activation="relu"), layers.Flatten(),
                             layers.Dense(5), layers.Softmax()], name="flatten_classifier")


def _nchw(keras):
    layers = keras.layers
    inputs = keras.Input((3, 16, 16), name="nchw")
    x = layers.Permute((2, 3, 1))(inputs)  # NCHW -> NHWC: TRANSPOSE
    x = layers.Conv2D(8, 3, strides=2, activation="relu")(x)
    outputs = layers.Dense(4)(layers.Flatten()(x))
    return keras.Model(inputs, outputs, name="nchw_transpose")


def _calibration(shape, rng, count=8):
    return rng.random((count, *shape), dtype=np.float32)


def _convert_with(model, calibration, mode):
    """tf.lite conversion with stock settings: ``"float"`` (no quantization), ``"int8"`` (full int8, int8
    input and output) or ``"int16x8"`` (16-bit activations)."""
    from attendnets_tf._tf import tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if mode in ("int16x8", "int8"):
        def representative_dataset():
            for sample in calibration:
                yield [sample[None, ...].astype(np.float32)]

        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = representative_dataset
        converter.target_spec.supported_ops = [
            tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8 if mode == "int16x8"
            else tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int16 if mode == "int16x8" else tf.int8
        converter.inference_output_type = tf.int16 if mode == "int16x8" else tf.int8
    import warnings

    from converter.conversion.convert import _quiet_stderr

    with _quiet_stderr(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bytes(converter.convert())


def _int8(model, calibration):
    from converter.conversion.convert import convert_keras_model

    return convert_keras_model(model, calibration)


def _keras_models():
    """name -> flatbuffer bytes for every Keras-built model of the corpus."""
    keras = _keras()
    out = {}

    def seeded(builder):
        keras.utils.set_random_seed(0)
        return builder(keras)

    rng = np.random.default_rng(0)
    out["dscnn_kws_int8"] = _int8(seeded(_dscnn), _calibration((49, 10, 1), rng))
    out["resnet8_int8"] = _int8(seeded(_resnet8), _calibration((32, 32, 3), rng))

    from attendnets_tf.models import build_model

    keras.utils.set_random_seed(0)
    mobilenet = build_model("mobilenet_v1", input_shape=(96, 96, 1), num_classes=2, width=0.25,
                            name="mobilenet_v1_025_person")
    out["mobilenet_v1_025_person_int8"] = _int8(mobilenet, _calibration((96, 96, 1), rng, count=4))

    calibration = _calibration((640,), rng)
    out["autoencoder_int8"] = _int8(seeded(_autoencoder), calibration)
    autoencoder = seeded(_small_autoencoder)
    calibration = _calibration((128,), rng)
    out["autoencoder_float"] = _convert_with(autoencoder, calibration, "float")
    out["autoencoder_int16x8"] = _convert_with(autoencoder, calibration, "int16x8")

    lstm = seeded(_lstm)
    calibration = _calibration((28, 28), rng)
    out["lstm_int8"] = _int8(lstm, calibration)
    out["lstm_float"] = _convert_with(lstm, calibration, "float")

    keras.utils.set_random_seed(0)
    attendnet = build_model("attendnet_b", input_shape=(32, 32, 1), num_classes=10, width=0.5,
                            name="attendnet_b")
    out["attendnet_b_int8"] = _int8(attendnet, _calibration((32, 32, 1), rng))

    # what a new user converts: stock TFLiteConverter settings, the batch dimension left dynamic
    out["flatten_classifier_int8"] = _convert_with(_flatten_classifier(_keras3()), _calibration((12, 12, 1), rng),
                                                   "int8")
    out["nchw_transpose_int8"] = _convert_with(_nchw(_keras3()), _calibration((3, 16, 16), rng), "int8")
    small_cnn = seeded(_small_cnn)
    calibration = _calibration((16, 16, 2), rng)
    out["small_cnn_float"] = _convert_with(small_cnn, calibration, "float")
    out["small_cnn_int16x8"] = _convert_with(small_cnn, calibration, "int16x8")
    out.update(_control_flow_models())
    return out


def control_flow_projection() -> np.ndarray:
    """The control-flow models' [8, 1] projection ``v``: ``s = x.v`` picks the IF's branch (s > 0) and the WHILE's
    trip count (int(min(max(s, 0), 5))); tests choose inputs by it."""
    return (np.random.default_rng(0).standard_normal((8, 1)) * 0.5).astype(np.float32)


def _control_flow_functions(tf):
    """``{name: tf.function}`` of the control-flow models: tf.cond and tf.while_loop as a user writes them (the
    constants inside each branch and body, so the converter keeps them there)."""
    rng = np.random.default_rng(0)
    v = (rng.standard_normal((8, 1)) * 0.5).astype(np.float32)
    assert np.array_equal(v, control_flow_projection())
    w1, w2, wl = ((rng.standard_normal((8, 8)) * scale).astype(np.float32) for scale in (0.4, 0.4, 0.5))
    b1, b2 = ((rng.standard_normal((8,)) * 0.1).astype(np.float32) for _ in range(2))
    bl = np.full((8,), 0.05, np.float32)
    spec = [tf.TensorSpec([1, 8], tf.float32)]

    @tf.function(input_signature=spec)
    def if_cond(x):
        s = tf.reshape(tf.matmul(x, tf.constant(v)), [])
        return tf.cond(s > 0.0, lambda: tf.nn.relu(tf.matmul(x, tf.constant(w1)) + tf.constant(b1)),
                       lambda: tf.matmul(x, tf.constant(w2)) + tf.constant(b2))

    @tf.function(input_signature=spec)
    def while_loop(x):
        s = tf.reshape(tf.matmul(x, tf.constant(v)), [])
        n = tf.cast(tf.minimum(tf.maximum(s, 0.0), 5.0), tf.int32)

        def body(i, h):
            return i + 1, tf.nn.relu(tf.matmul(h, tf.constant(wl)) + tf.constant(bl))

        _, h = tf.while_loop(lambda i, h: i < n, body, [tf.constant(0), x])
        return h

    wa, wb = ((rng.standard_normal((8, 8)) * 0.5).astype(np.float32) for _ in range(2))

    @tf.function(input_signature=spec)
    def nested_control(x):  # a tf.cond inside the tf.while_loop's body: an IF in the WHILE's body subgraph
        s = tf.reshape(tf.matmul(x, tf.constant(v)), [])
        n = tf.cast(tf.minimum(tf.maximum(s, 0.0), 5.0), tf.int32)

        def body(i, h):
            t = tf.reshape(tf.matmul(h, tf.constant(v)), [])
            return i + 1, tf.cond(t > 0.0, lambda: tf.nn.relu(tf.matmul(h, tf.constant(wa))),
                                  lambda: tf.matmul(h, tf.constant(wb)))

        _, h = tf.while_loop(lambda i, h: i < n, body, [tf.constant(0), x])
        return h

    return {"if_cond": if_cond, "while_loop": while_loop, "nested_control": nested_control}


def _control_flow_models():
    """name -> flatbuffer bytes of the IF / WHILE models, float32 and full int8 (stock converter settings)."""
    import warnings

    from attendnets_tf._tf import tf
    from converter.conversion.convert import _quiet_stderr

    rng = np.random.default_rng(1)
    calibration = (rng.standard_normal((16, 1, 8)) * 2).astype(np.float32)
    out = {}
    for name, function in _control_flow_functions(tf).items():
        for mode in ("float", "mixed") if name != "nested_control" else ("float",):
            converter = tf.lite.TFLiteConverter.from_concrete_functions([function.get_concrete_function()])
            if mode == "mixed":
                converter.optimizations = [tf.lite.Optimize.DEFAULT]
                converter.representative_dataset = lambda: ([sample] for sample in calibration)
                converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
                converter.inference_input_type = converter.inference_output_type = tf.int8
            with _quiet_stderr(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out[f"{name}_{mode}"] = bytes(converter.convert())
    return out


# --- models written with tflite_builder ---------------------------------------------------


def svdf_model(dtype="int8", features=16, memory=8, units=8, rank=1, classes=4, seed=0):
    """An SVDF layer (+ FULLY_CONNECTED, + SOFTMAX when int8) with its variable activation state.

    int8 follows TFLM's integer SVDF (svdf_common.cc PrepareSvdf): int8 input,
    feature weights and output; int16 time weights and state; int32 bias whose
    scale is state scale x time-weight scale.
    """
    sys.path.insert(0, str(TESTS_DIR))
    from tflite_builder import ModelBuilder

    rng = np.random.default_rng(seed)
    filters = units * rank
    b = ModelBuilder()
    if dtype == "int8":
        x = b.tensor("input", (1, features), "int8", scale=1 / 128, zero_point=0)
        wf = b.tensor("weights_feature", (filters, features), "int8", scale=0.01, zero_point=0,
                      data=rng.integers(-127, 128, (filters, features), dtype=np.int8).tobytes())
        wt = b.tensor("weights_time", (filters, memory), "int16", scale=1 / 4096, zero_point=0,
                      data=rng.integers(-4096, 4096, (filters, memory), dtype=np.int16).tobytes())
        state_scale = 1 / 1024
        bias = b.tensor("bias", (units,), "int32", scale=state_scale / 4096, zero_point=0,
                        data=rng.integers(-1000, 1000, (units,), dtype=np.int32).tobytes())
        state = b.tensor("activation_state", (1, memory * filters), "int16", scale=state_scale, zero_point=0,
                         variable=True)
        h = b.tensor("svdf_output", (1, units), "int8", scale=1 / 16, zero_point=-128)
        w = b.tensor("fc_weights", (classes, units), "int8", scale=0.02, zero_point=0,
                     data=rng.integers(-127, 128, (classes, units), dtype=np.int8).tobytes())
        fc_bias = b.tensor("fc_bias", (classes,), "int32", scale=0.02 / 16, zero_point=0,
                           data=rng.integers(-100, 100, (classes,), dtype=np.int32).tobytes())
        logits = b.tensor("logits", (1, classes), "int8", scale=0.1, zero_point=0)
        y = b.tensor("probabilities", (1, classes), "int8", scale=1 / 256, zero_point=-128)
        b.op("SVDF", [x, wf, wt, bias, state], [h], version=3, options={"type": "svdf", "rank": rank, "relu": True})
        b.op("FULLY_CONNECTED", [h, w, fc_bias], [logits], version=4, options={"type": "fully_connected"})
        b.op("SOFTMAX", [logits], [y], version=2, options={"type": "softmax"})
        return b.build(inputs=[x], outputs=[y])
    if dtype != "float32":
        raise ValueError(f"svdf_model: dtype must be int8 or float32, got {dtype!r}")

    def floats(*shape):
        return (rng.standard_normal(shape) * 0.1).astype(np.float32).tobytes()

    x = b.tensor("input", (1, features), "float32")
    wf = b.tensor("weights_feature", (filters, features), "float32", data=floats(filters, features))
    wt = b.tensor("weights_time", (filters, memory), "float32", data=floats(filters, memory))
    bias = b.tensor("bias", (units,), "float32", data=floats(units))
    state = b.tensor("activation_state", (1, memory * filters), "float32", variable=True)
    h = b.tensor("svdf_output", (1, units), "float32")
    w = b.tensor("fc_weights", (classes, units), "float32", data=floats(classes, units))
    y = b.tensor("logits", (1, classes), "float32")
    b.op("SVDF", [x, wf, wt, bias, state], [h], version=1, options={"type": "svdf", "rank": rank, "relu": True})
    b.op("FULLY_CONNECTED", [h, w, -1], [y], version=1, options={"type": "fully_connected"})
    return b.build(inputs=[x], outputs=[y])


def build_models(names=None):
    """name -> flatbuffer bytes for ``names`` (default: the whole corpus)."""
    names = list(CORPUS) if names is None else list(names)
    out = {}
    if "svdf_int8" in names:
        out["svdf_int8"] = svdf_model("int8")
    if "svdf_float" in names:
        out["svdf_float"] = svdf_model("float32")
    if any(CORPUS[n].needs_tensorflow for n in names):
        out.update({k: v for k, v in _keras_models().items() if k in names})
    return {n: out[n] for n in names}


def build_corpus(out_dir, names=None):
    """Write ``<name>.tflite`` for each model and ``manifest.json`` (name -> spec, file, sha256) into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for name, data in build_models(names).items():
        path = out_dir / f"{name}.tflite"
        path.write_bytes(data)
        manifest[name] = {**asdict(CORPUS[name]), "file": path.name, "bytes": len(data),
                          "sha256": hashlib.sha256(data).hexdigest()}
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python tests/corpus.py OUT_DIR [NAME...]")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.path.insert(0, str(REPO_ROOT))
    build_corpus(sys.argv[1], sys.argv[2:] or None)
