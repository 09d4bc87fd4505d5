"""Attention condenser layers: math against NumPy, serialization, unfolding, int8 lowering."""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from attendnets_tf._tf import keras, tf
from attendnets_tf import layers as L

# --- NumPy reference ------------------------------------------------------


def np_maxpool_same(x, p):
    n, h, w, c = x.shape
    oh, ow = -(-h // p), -(-w // p)
    ph, pw = oh * p - h, ow * p - w
    padded = np.full((n, oh * p, ow * p, c), -np.inf, dtype=x.dtype)
    padded[:, ph // 2 : ph // 2 + h, pw // 2 : pw // 2 + w] = x
    return padded.reshape(n, oh, p, ow, p, c).max(axis=(2, 4))


def np_conv_same(x, kernel, bias=None):
    """Full convolution, stride 1, 'same' padding, odd kernel (kh, kw, cin, cout)."""
    kh, kw, _, cout = kernel.shape
    n, h, w, _ = x.shape
    xp = np.pad(x, ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0)))
    out = np.zeros((n, h, w, cout), dtype=np.float64)
    for i in range(kh):
        for j in range(kw):
            out += xp[:, i : i + h, j : j + w, :] @ kernel[i, j]
    return out if bias is None else out + bias


def np_depthwise_same(x, kernel):
    """Depthwise convolution, stride 1, 'same', kernel (kh, kw, c, 1)."""
    kh, kw = kernel.shape[:2]
    n, h, w, c = x.shape
    xp = np.pad(x, ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0)))
    out = np.zeros((n, h, w, c), dtype=np.float64)
    for i in range(kh):
        for j in range(kw):
            out += xp[:, i : i + h, j : j + w, :] * kernel[i, j, :, 0]
    return out


def np_condenser(layer, v):
    """The definition of docs/attention_condensers.md, written out in NumPy."""
    w = {role: sub.get_weights() for role, sub in layer._chain}
    p = layer.pool_size
    h, wd = v.shape[1:3]
    q = np_maxpool_same(v.astype(np.float64), p)
    if isinstance(layer, L.VisualAttentionCondenser):
        e = np_depthwise_same(q, w["embed_dw"][0])
        e = np_conv_same(e, *w["embed_pw"])
    else:
        e = np_conv_same(q, *w["embed_conv"])
    e = np.maximum(e, 0)
    a = 1 / (1 + np.exp(-np_conv_same(e, *w["expand_pw"])))
    a = a.repeat(p, axis=1).repeat(p, axis=2)
    (ct, cb), (cl, cr) = L.same_pool_crop(h, p), L.same_pool_crop(wd, p)
    a = a[:, ct : a.shape[1] - cb, cl : a.shape[2] - cr]
    return v * a * w["scale"][0]


def randomize_weights(model_or_layer, seed=0):
    rng = np.random.default_rng(seed)
    model_or_layer.set_weights(
        [rng.normal(0.0, 0.5, size=w.shape).astype(np.float32) for w in model_or_layer.get_weights()]
    )


# --- math -----------------------------------------------------------------


@pytest.mark.parametrize("cls", [L.VisualAttentionCondenser, L.AttentionCondenser])
@pytest.mark.parametrize(
    "hw, pool_size, ratio",
    [((8, 8), 2, 4), ((7, 7), 2, 4), ((5, 5), 2, 2), ((3, 3), 2, 8), ((7, 6), 3, 4), ((9, 5), 3, 1)],
)
def test_condenser_matches_numpy_reference(cls, hw, pool_size, ratio):
    channels = 8
    layer = cls(reduction_ratio=ratio, pool_size=pool_size)
    v = np.random.default_rng(1).normal(size=(2, *hw, channels)).astype(np.float32)
    out = layer(v)
    assert out.shape == v.shape
    randomize_weights(layer, seed=2)
    np.testing.assert_allclose(layer(v).numpy(), np_condenser(layer, v), rtol=1e-4, atol=1e-5)
    assert layer.embedding_channels(channels) == max(channels // ratio, 1)


@pytest.mark.parametrize(
    "size, pool, expected", [(8, 2, (0, 0)), (7, 2, (0, 1)), (3, 2, (0, 1)), (7, 3, (1, 1)), (5, 3, (0, 1)), (1, 2, (0, 1))]
)
def test_same_pool_crop(size, pool, expected):
    assert L.same_pool_crop(size, pool) == expected


def test_odd_sizes_shapes_inside_the_vac():
    layer = L.VisualAttentionCondenser(reduction_ratio=4)
    x = keras.Input((7, 7, 16))
    layer(x)
    shapes = {}
    shape = tf.TensorShape([None, 7, 7, 16])
    for role, sub in layer._chain:
        shape = shape if role == "attend" else sub.compute_output_shape(shape)
        shapes[role] = tuple(shape.as_list()[1:])
    assert shapes["pool"] == (4, 4, 16)
    assert shapes["embed_pw"] == (4, 4, 4)
    assert shapes["upsample"] == (8, 8, 16)
    assert shapes["crop"] == (7, 7, 16)
    # Even sizes need no crop layer at all.
    even = L.VisualAttentionCondenser()
    even(keras.Input((8, 8, 16)))
    assert "crop" not in dict(even._chain)


def test_channel_scale_numbers_and_config():
    layer = L.ChannelScale(scale_initializer=keras.initializers.Constant(2.0))
    x = np.arange(12, dtype=np.float32).reshape(1, 2, 2, 3)
    np.testing.assert_array_equal(layer(x).numpy(), 2 * x)
    layer.set_weights([np.array([1.0, -1.0, 0.5], np.float32)])
    np.testing.assert_array_equal(layer(x).numpy(), x * [1.0, -1.0, 0.5])
    assert len(layer.weights) == 1
    clone = L.ChannelScale.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


# --- arguments ------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, text",
    [
        ({"reduction_ratio": 0}, "`reduction_ratio` must be a positive integer. Received: reduction_ratio=0"),
        ({"reduction_ratio": 2.5}, "Received: reduction_ratio=2.5"),
        ({"pool_size": -1}, "`pool_size` must be a positive integer. Received: pool_size=-1"),
        ({"kernel_size": 4}, "`kernel_size` must be odd"),
        ({"kernel_size": True}, "Received: kernel_size=True"),
        ({"min_embedding_channels": 0}, "Received: min_embedding_channels=0"),
    ],
)
@pytest.mark.parametrize("cls", [L.VisualAttentionCondenser, L.AttentionCondenser])
def test_bad_arguments_say_what_they_got(cls, kwargs, text):
    with pytest.raises(ValueError) as info:
        cls(**kwargs)
    assert text in str(info.value)


def test_unknown_spatial_size_is_refused():
    with pytest.raises(ValueError, match="known height, width and channels"):
        L.VisualAttentionCondenser()(keras.Input((None, None, 8)))


# --- serialization --------------------------------------------------------


@pytest.mark.parametrize("cls", [L.VisualAttentionCondenser, L.AttentionCondenser])
def test_config_round_trip(cls):
    layer = cls(
        reduction_ratio=2,
        pool_size=3,
        kernel_size=5,
        min_embedding_channels=3,
        kernel_regularizer=keras.regularizers.L2(1e-4),
        scale_initializer="zeros",
        name="cond",
    )
    config = layer.get_config()
    clone = cls.from_config(config)
    assert clone.get_config() == config
    x = np.random.default_rng(0).normal(size=(1, 7, 7, 6)).astype(np.float32)
    layer(x)
    clone(x)
    randomize_weights(layer)
    clone.set_weights(layer.get_weights())
    np.testing.assert_array_equal(layer(x).numpy(), clone(x).numpy())
    assert clone.embedding_channels(6) == 3  # max(6 // 2, 3)
    # The registered name is what .keras files store.
    assert keras.saving.get_registered_name(cls) == f"attendnets>{cls.__name__}"


def small_condenser_model():
    inputs = keras.Input((7, 7, 3), name="image")
    x = keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="conv")(inputs)
    y = L.VisualAttentionCondenser(reduction_ratio=4, name="vac")(x)
    x = keras.layers.Add(name="add")([x, y])
    x = L.AttentionCondenser(reduction_ratio=2, pool_size=3, name="ac")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = keras.layers.Dense(5, name="dense")(x)
    model = keras.Model(inputs, outputs, name="small")
    randomize_weights(model, seed=3)
    return model


def test_keras_file_loads_in_a_fresh_process_without_custom_objects(tmp_path):
    model = small_condenser_model()
    x = np.random.default_rng(4).normal(size=(2, 7, 7, 3)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", model(x).numpy())
    model.save(tmp_path / "m.keras")
    code = textwrap.dedent(
        f"""
        import json, numpy as np
        import attendnets_tf.layers  # registers the layers: the documented way to load
        import tf_keras
        m = tf_keras.models.load_model({str(tmp_path / "m.keras")!r})
        y = m(np.load({str(tmp_path / "x.npy")!r})).numpy()
        print(json.dumps({{"diff": float(np.abs(y - np.load({str(tmp_path / "y.npy")!r})).max()),
                          "types": sorted({{type(l).__name__ for l in m.layers}})}}))
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["diff"] == 0.0
    assert {"VisualAttentionCondenser", "AttentionCondenser"} <= set(result["types"])


# --- unfolding ------------------------------------------------------------

PRIMITIVES = {
    "InputLayer",
    "Conv2D",
    "DepthwiseConv2D",
    "MaxPooling2D",
    "ReLU",
    "Activation",
    "UpSampling2D",
    "Cropping2D",
    "Multiply",
    "ChannelScale",
    "Add",
    "GlobalAveragePooling2D",
    "Dense",
}


def test_unfold_condensers_is_numerically_identical():
    model = small_condenser_model()
    before = [w.copy() for w in model.get_weights()]
    flat = L.unfold_condensers(model)
    types = {type(layer).__name__ for layer in flat.layers}
    assert types <= PRIMITIVES, types - PRIMITIVES
    assert not any(isinstance(layer, L.CONDENSER_CLASSES) for layer in flat.layers)
    names = {layer.name for layer in flat.layers}
    assert {"vac_pool", "vac_embed_dw", "vac_embed_pw", "vac_crop", "vac_attend", "vac_scale"} <= names
    assert {"ac_pool", "ac_embed_conv", "ac_expand_pw", "ac_sigmoid", "ac_upsample", "ac_crop"} <= names
    assert flat.count_params() == model.count_params()
    x = np.random.default_rng(5).normal(size=(3, 7, 7, 3)).astype(np.float32)
    np.testing.assert_array_equal(flat(x).numpy(), model(x).numpy())
    # No variable is shared: training the copy leaves the original alone.
    flat.get_layer("vac_scale").set_weights([np.zeros(16, np.float32)])
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)
    assert flat.get_layer("vac_sigmoid").get_config()["activation"] == "sigmoid"
    assert flat.get_layer("vac_upsample").get_config()["interpolation"] == "nearest"


def test_unfold_refuses_subclassed_models():
    class Sub(keras.Model):
        def call(self, x):
            return x

    with pytest.raises(ValueError, match="subclassed"):
        L.unfold_condensers(Sub())


# --- int8 lowering --------------------------------------------------------

TFLM_VAC_OPS = {
    "CONV_2D",
    "DEPTHWISE_CONV_2D",
    "MAX_POOL_2D",
    "RESIZE_NEAREST_NEIGHBOR",
    "LOGISTIC",
    "STRIDED_SLICE",
    "MUL",
    "ADD",
    "MEAN",
    "FULLY_CONNECTED",
}


def tflite_ops(flatbuffer):
    import tflite

    names = {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}
    model = tflite.Model.GetRootAsModel(flatbuffer, 0)
    ops, tensor_types = [], set()
    for s in range(model.SubgraphsLength()):
        graph = model.Subgraphs(s)
        for i in range(graph.OperatorsLength()):
            code = model.OperatorCodes(graph.Operators(i).OpcodeIndex())
            builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
            ops.append("CUSTOM:" + code.CustomCode().decode() if code.CustomCode() else names[builtin])
        for i in range(graph.TensorsLength()):
            tensor = graph.Tensors(i)
            if tensor.Buffer() == 0 or model.Buffers(tensor.Buffer()).DataLength() == 0:
                tensor_types.add(tensor.Type())  # activations
    return ops, tensor_types


def test_condensers_lower_to_tflm_builtin_int8_ops():
    import tflite

    model = small_condenser_model()
    rng = np.random.default_rng(6)
    data = rng.uniform(-1, 1, size=(16, 7, 7, 3)).astype(np.float32)

    def representative():
        for i in range(len(data)):
            yield [data[i : i + 1]]

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    flatbuffer = converter.convert()

    ops, activation_types = tflite_ops(flatbuffer)
    assert set(ops) <= TFLM_VAC_OPS, set(ops) - TFLM_VAC_OPS
    for needed in ("MAX_POOL_2D", "DEPTHWISE_CONV_2D", "RESIZE_NEAREST_NEIGHBOR", "LOGISTIC", "MUL", "STRIDED_SLICE"):
        assert needed in ops
    assert ops.count("LOGISTIC") == 2  # one per condenser
    assert activation_types == {tflite.TensorType.INT8}

    # It runs on the TFLM host interpreter and agrees with the float model.
    from tflite_micro.python.tflite_micro import runtime

    interpreter = runtime.Interpreter.from_bytes(flatbuffer, arena_size=64 * 1024)
    q_in = interpreter.get_input_details(0)["quantization_parameters"]
    q_out = interpreter.get_output_details(0)["quantization_parameters"]
    expected = model(data[:4]).numpy()
    errors = []
    for i in range(4):
        xq = np.clip(np.round(data[i : i + 1] / q_in["scales"][0]) + q_in["zero_points"][0], -128, 127)
        interpreter.set_input(xq.astype(np.int8), 0)
        interpreter.invoke()
        yq = interpreter.get_output(0).astype(np.float32)
        errors.append(np.abs((yq - q_out["zero_points"][0]) * q_out["scales"][0] - expected[i]).max())
    spread = np.abs(expected).max()
    assert max(errors) < 0.05 * spread, (errors, spread)


def test_unfold_sequential_model_with_odd_sizes():
    model = keras.Sequential(
        [keras.Input((9, 5, 4)), L.VisualAttentionCondenser(2, pool_size=2, name="v"), keras.layers.Flatten()]
    )
    randomize_weights(model, seed=7)
    flat = L.unfold_condensers(model)
    assert flat.get_layer("v_crop").get_config()["cropping"] == ((0, 1), (0, 1))
    x = np.random.default_rng(8).normal(size=(2, 9, 5, 4)).astype(np.float32)
    np.testing.assert_array_equal(flat(x).numpy(), model(x).numpy())
