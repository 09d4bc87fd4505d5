"""Network builders: reference counts, complexity targets, small inputs, bad arguments."""

import numpy as np
import pytest

from attendnets_base.errors import BadInputError
from attendnets_tf._tf import keras, tf
from attendnets_tf import layers as L
from attendnets_tf.models import ARCHITECTURES, MIN_INPUT_SIZE, build_model, resolve_arch, stride_schedule
from attendnets_tf.profiler import profile_model

MOBILENET_PARAMS_224_50 = 3_280_114  # keras.applications.MobileNet(weights=None, classes=50)


@pytest.fixture(scope="module")
def profiles_224():
    return {arch: profile_model(build_model(arch, (224, 224, 3), 50)) for arch in ARCHITECTURES}


@pytest.mark.parametrize("alpha, shape, classes", [(1.0, (224, 224, 3), 50), (0.5, (96, 96, 3), 2)])
def test_mobilenet_matches_keras_applications(alpha, shape, classes):
    ours = build_model("mobilenet_v1", shape, classes, width=alpha)
    reference = keras.applications.MobileNet(
        input_shape=shape, alpha=alpha, weights=None, classes=classes, classifier_activation="softmax"
    )
    assert ours.count_params() == reference.count_params()
    if (alpha, shape, classes) == (1.0, (224, 224, 3), 50):
        assert ours.count_params() == MOBILENET_PARAMS_224_50
    ours_macs = profile_model(ours).macs
    reference_macs = profile_model(reference).macs
    assert abs(ours_macs - reference_macs) <= 0.01 * reference_macs
    assert ours.output_shape == (None, classes)


def test_complexity_targets_at_224(profiles_224):
    mobilenet = profiles_224["mobilenet_v1"]
    a, b = profiles_224["attendnet_a"], profiles_224["attendnet_b"]
    assert mobilenet.params == MOBILENET_PARAMS_224_50
    assert abs(mobilenet.macs - 568e6) < 0.01 * 568e6  # the literature's 569M less the 950-class difference
    assert abs(b.params - 0.79e6) <= 0.1 * 0.79e6, b.params
    assert abs(b.macs - 189e6) <= 0.1 * 189e6, b.macs
    assert b.params < a.params <= mobilenet.params / 2
    assert b.macs < a.macs <= mobilenet.macs / 2
    assert a.elementwise_mults > 0 and b.elementwise_mults > 0  # they do contain condensers
    assert mobilenet.elementwise_mults == 0


@pytest.mark.parametrize("arch", list(ARCHITECTURES))
def test_architecture_uses_only_foldable_deployable_layers(arch):
    model = build_model(arch, (32, 32, 3), 10)
    allowed = {
        "InputLayer",
        "Conv2D",
        "DepthwiseConv2D",
        "BatchNormalization",
        "ReLU",
        "Add",
        "GlobalAveragePooling2D",
        "Dropout",
        "Dense",
        "Softmax",
        "VisualAttentionCondenser",
    }
    assert {type(layer).__name__ for layer in model.layers} <= allowed
    for layer in model.layers:
        if isinstance(layer, keras.layers.ReLU):
            assert layer.get_config()["max_value"] == 6.0
        if type(layer).__name__ in ("Conv2D", "DepthwiseConv2D"):
            assert not layer.use_bias  # followed by BatchNorm: folded at conversion
    # Initialization keeps the signal: untrained logits are not vanishingly small
    # (int8 calibration of an untrained network must not be degenerate).
    x = np.random.default_rng(0).uniform(0, 1, size=(2, 32, 32, 3)).astype(np.float32)
    logits = keras.Model(model.input, model.get_layer("logits").output)(x).numpy()
    assert np.abs(logits).max() > 0.01


STRIDE_CASES = [
    ((224, 224, 3), 5, 7),
    ((96, 96, 3), 5, 3),
    ((96, 96, 1), 5, 3),
    ((32, 32, 3), 3, 4),
    ((8, 8, 1), 1, 4),
    ((64, 48, 3), 4, 3),
]


@pytest.mark.parametrize("shape, kept, final", STRIDE_CASES)
def test_stride_schedule_adapts_to_small_inputs(shape, kept, final):
    assert stride_schedule(shape, 5) == kept
    model = build_model("attendnet_b", shape, 10)
    last_spatial = [layer for layer in model.layers if len(layer.output_shape) == 4][-1]
    assert min(last_spatial.output_shape[1:3]) == final
    assert model.input_shape == (None, *shape)
    assert model.output_shape == (None, 10)


@pytest.mark.parametrize("arch", ["mobilenet_v1", "attendnet_a"])
def test_every_builder_adapts_its_strides(arch):
    for shape, final in [((96, 96, 1), 3), ((32, 32, 3), 4)]:
        model = build_model(arch, shape, 2)
        last_spatial = [layer for layer in model.layers if len(layer.output_shape) == 4][-1]
        assert min(last_spatial.output_shape[1:3]) == final


def test_small_model_runs_and_outputs_probabilities():
    model = build_model("attendnet_b", (32, 32, 1), 10)
    y = model(np.random.default_rng(0).uniform(size=(2, 32, 32, 1)).astype(np.float32)).numpy()
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)
    assert any(isinstance(layer, L.VisualAttentionCondenser) for layer in model.layers)


def test_width_multiplier_scales_attendnets():
    small = build_model("attendnet_b", (32, 32, 3), 10, width=0.5).count_params()
    normal = build_model("attendnet_b", (32, 32, 3), 10).count_params()
    assert small < 0.45 * normal
    # Channels stay multiples of 8 (friendly to SIMD kernels).
    for layer in build_model("attendnet_a", (32, 32, 3), 10, width=0.35).layers:
        if isinstance(layer, keras.layers.Conv2D) and not isinstance(layer, keras.layers.DepthwiseConv2D):
            assert layer.filters % 8 == 0


@pytest.mark.parametrize(
    "name, canonical",
    [
        ("attendnet_b", "attendnet_b"),
        ("attendnet-b", "attendnet_b"),
        ("AttendNet-B", "attendnet_b"),
        ("ATTENDNET_A", "attendnet_a"),
        ("attendneta", "attendnet_a"),
        ("MobileNet-V1", "mobilenet_v1"),
        ("mobilenet", "mobilenet_v1"),
    ],
)
def test_resolve_arch_accepts_spellings(name, canonical):
    assert resolve_arch(name) == canonical


def test_unknown_arch_suggests_close_names():
    with pytest.raises(BadInputError) as info:
        resolve_arch("attendnet_c")
    message = str(info.value)
    assert "unknown architecture 'attendnet_c'" in message and "did you mean" in message
    assert "attendnet_a" in message.split("known:")[0] and "attendnet_b" in message.split("known:")[0]
    assert "\n" not in message


@pytest.mark.parametrize(
    "kwargs, text",
    [
        ({"input_shape": (4, 32, 3)}, "too small"),
        ({"input_shape": (32, 32)}, "three integers"),
        ({"input_shape": (32, 0, 3)}, "positive"),
        ({"input_shape": (32, -32, 3)}, "positive"),
        ({"input_shape": (32.5, 32, 3)}, "three integers"),
        ({"width": 0}, "width multiplier must be > 0"),
        ({"width": -1.0}, "width multiplier must be > 0"),
        ({"width": "wide"}, "must be a number"),
        ({"num_classes": 1}, "classes must be an integer >= 2"),
        ({"dropout": 1.0}, "dropout"),
    ],
)
def test_bad_builder_arguments(kwargs, text):
    args = {"arch": "attendnet_b", "input_shape": (32, 32, 3), "num_classes": 10, **kwargs}
    with pytest.raises(BadInputError, match=text):
        build_model(**args)
    assert MIN_INPUT_SIZE == 8


def test_attendnet_b_converts_to_tflm_builtin_int8():
    """The whole network (not only a VAC) lowers to TFLM builtins and runs on the TFLM host interpreter."""
    from test_layers import TFLM_VAC_OPS, tflite_ops

    model = build_model("attendnet_b", (32, 32, 1), 10, width=0.5)
    data = np.random.default_rng(1).uniform(0, 1, size=(8, 32, 32, 1)).astype(np.float32)
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([data[i : i + 1]] for i in range(len(data)))
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    flatbuffer = converter.convert()
    ops, _ = tflite_ops(flatbuffer)
    allowed = TFLM_VAC_OPS | {"SOFTMAX"}
    assert set(ops) <= allowed, set(ops) - allowed
    from tflite_micro.python.tflite_micro import runtime

    interpreter = runtime.Interpreter.from_bytes(flatbuffer, arena_size=512 * 1024)
    interpreter.set_input(np.zeros((1, 32, 32, 1), np.int8), 0)
    interpreter.invoke()
    assert interpreter.get_output(0).shape == (1, 10)
    # The same converted network through the compiled runtime (generated C on the host): byte for byte
    # the interpreter's output on random inputs.
    import shutil

    if shutil.which("cc"):
        from codegen.compiled.host import assert_matches_tflm

        assert assert_matches_tflm(flatbuffer, count=20, seed=3) == 20
