"""Post-training quantization of a float model: an image input covers the data pipeline's [0, 1].

Issue 14: the calibration images' brightest pixel (229/255) set the int8 input range to
[0, 0.898], and every brighter pixel saturated.  ``attendnets convert`` now gives an image
input attendnets_tf.data.IMAGE_RANGE; every other tensor keeps the calibrated range.
"""

import json

import numpy as np
import pytest
from PIL import Image

from quant_helpers import CLASS_NAMES, IMAGE_SIZE, class_image, save_run, tiny_condenser_model

DIM = 229 / 255  # the brightest calibration pixel of the issue


# The float model's class is the brightness of the brightest pixel: < 0.6, 0.6 to 0.8, > 0.8.
BRIGHTNESS_BOUNDS = (0.6, 0.8)
# Brightest pixel of each test image, none near a bound and none above the calibration images'
# (post-training quantization calibrates every tensor after the input on those images).
TEST_BRIGHTNESS = (0.3, 0.4, 0.5, 0.55, 0.65, 0.7, 0.75, 0.85, 0.87, 0.88, 0.89, DIM)
TEST_CLASSES = (0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2)


def tiny_brightness_model():
    """Max pool -> dense -> softmax, weights set so the class follows the brightest pixel."""
    from attendnets_tf._tf import keras

    layers = keras.layers
    inputs = keras.Input((IMAGE_SIZE, IMAGE_SIZE, 1), name="input")
    x = layers.MaxPooling2D(IMAGE_SIZE, name="brightest")(inputs)
    x = layers.Flatten(name="flat")(x)
    logits = layers.Dense(len(CLASS_NAMES), name="logits")
    x = logits(x)
    model = keras.Model(inputs, layers.Softmax(name="predictions")(x), name="tiny_brightness")
    # logits 0, 40 (m - low), 80 m - offset_2: class 1 above low, class 2 above high.
    low, high = BRIGHTNESS_BOUNDS
    slope_1, slope_2 = 40.0, 80.0
    offset_2 = slope_1 * low + (slope_2 - slope_1) * high  # l2 = l1 at m = high
    logits.set_weights([np.array([[0.0, slope_1, slope_2]], np.float32),
                        np.array([0.0, -slope_1 * low, -offset_2], np.float32)])
    return model


def _images(brightness, seed):
    """Class-pattern images (N, 14, 14, 1) in [0, 1] whose brightest pixel is each ``brightness`` (k/255)."""
    rng = np.random.default_rng(seed)
    out = []
    for i, top in enumerate(brightness):
        pattern = class_image(i, rng).astype(np.float32)
        out.append(np.round(pattern / pattern.max() * top * 255) / 255)
    return np.stack(out)[..., None].astype(np.float32)


def _tensors(model_bytes):
    """Every tensor of subgraph 0 (name, type, shape, scales, zero points, constant data), operators, opcodes."""
    from tensorflow.lite.tools import flatbuffer_utils

    model = flatbuffer_utils.convert_bytearray_to_object(model_bytes)
    sg = model.subgraphs[0]

    def quant(t):
        q = t.quantization
        if q is None or q.scale is None:
            return None
        return [float(v) for v in q.scale], [int(v) for v in q.zeroPoint]

    def data(t):
        d = model.buffers[t.buffer].data
        return None if d is None else bytes(d)

    tensors = [(t.name, t.type, list(t.shape), quant(t), data(t)) for t in sg.tensors]
    ops = [(op.opcodeIndex, list(op.inputs), list(op.outputs)) for op in sg.operators]
    codes = [(c.builtinCode, c.version) for c in model.operatorCodes]
    return tensors, ops, codes, list(sg.inputs), list(sg.outputs)


def _input_quantization(model_bytes):
    from converter.conversion.convert import describe_io

    q = describe_io(model_bytes)["inputs"][0]["quantization"]
    return q["scale"], q["zero_point"]


@pytest.fixture(scope="module")
def converted():
    from attendnets_tf._tf import keras  # noqa: F401  (TF_USE_LEGACY_KERAS before the model is built)
    from attendnets_tf.data import IMAGE_RANGE
    from converter.conversion.convert import convert_keras_model

    model = tiny_brightness_model()
    images = _images(TEST_BRIGHTNESS, seed=0)
    calibration = _images(np.linspace(0.3, DIM, 8), seed=1)  # brightest pixel 229/255
    assert calibration.max() == pytest.approx(DIM)
    assert np.array_equal(model.predict(images, verbose=0).argmax(-1), TEST_CLASSES)
    return {
        "model": model,
        "calibration": calibration,
        "images": images,  # in [0, 1], brightest pixels 0.3 to 229/255
        "old": convert_keras_model(model, calibration),
        "new": convert_keras_model(model, calibration, input_range=IMAGE_RANGE),
        "same_range": convert_keras_model(
            model, calibration, input_range=(float(calibration.min()), float(calibration.max()))),
    }


def test_image_input_covers_zero_to_one_not_the_brightest_calibration_pixel(converted):
    scale, zero_point = _input_quantization(converted["new"])
    assert zero_point == -128 and scale == pytest.approx(1 / 255, rel=1e-6), (scale, zero_point)
    # The calibrated range stays what the converter makes of these images without a known range.
    old_scale, _ = _input_quantization(converted["old"])
    assert old_scale == pytest.approx(float(converted["calibration"].max()) / 255, rel=1e-3)


def test_only_the_input_range_changes(converted):
    # The two-step conversion with the calibrated range itself is convert()'s flatbuffer, tensor for tensor.
    assert _tensors(converted["same_range"]) == _tensors(converted["old"])
    new, old = _tensors(converted["new"]), _tensors(converted["old"])
    assert new[1:] == old[1:]  # same operators, opcodes, inputs, outputs
    assert [t[:3] for t in new[0]] == [t[:3] for t in old[0]]
    input_index = new[3][0]
    assert new[0][input_index][3] != old[0][input_index][3]


def test_int8_model_classifies_like_the_float_model(converted):
    """TFLM runs the int8 model with the [0, 1] input; its dequantized outputs follow the float model's."""
    from converter.conversion.convert import describe_io
    from converter.conversion.evaluate import quantize_images, run_tflm
    from tflite_micro.python.tflite_micro import runtime

    images = converted["images"]
    expected = converted["model"].predict(images, verbose=0)
    model_bytes = converted["new"]
    io = describe_io(model_bytes)
    qin, qout = io["inputs"][0]["quantization"], io["outputs"][0]["quantization"]
    raw = run_tflm(runtime.Interpreter.from_bytes(model_bytes),
                   quantize_images(images, qin["scale"], qin["zero_point"], np.int8))
    outputs = (raw.astype(np.float32) - qout["zero_point"]) * qout["scale"]
    assert np.array_equal(outputs.argmax(-1), TEST_CLASSES), outputs.argmax(-1)
    assert float(np.abs(outputs - expected).max()) < 0.05, np.abs(outputs - expected).max()


def test_convert_cli_gives_a_float_model_the_image_range(cli, tmp_path):
    """`attendnets convert` of a float model on images none brighter than 229/255: input scale 1/255, zero point -128."""
    from converter.tflite_model import load_model

    rng = np.random.default_rng(1)
    data = tmp_path / "data"
    for label, name in enumerate(CLASS_NAMES):
        (data / name).mkdir(parents=True)
        for i in range(6):
            image = (class_image(label, rng, IMAGE_SIZE) * DIM).astype(np.uint8)
            Image.fromarray(image, mode="L").save(data / name / f"{i}.png")
    model_path = save_run(tmp_path / "run", tiny_condenser_model())
    out = tmp_path / "ptq.tflite"
    for float_io in (False, True):
        result = cli("convert", model_path, "--data", data, "--out", out, "--samples", 8,
                     *(["--float-io"] if float_io else []))
        assert result.exit_code == 0, result
        sidecar = json.loads((tmp_path / "ptq.json").read_text())
        model = load_model(out)
        sg = model.subgraphs[0]
        if float_io:  # the QUANTIZE at the input gives the int8 tensor its range
            assert sidecar["inputs"][0]["dtype"] == "float32"
            first = sg.operators[0]
            assert first.name == "QUANTIZE"
            q = sg.tensors[first.outputs[0]].quantization
        else:
            assert sidecar["inputs"][0]["quantization"]["zero_point"] == -128
            q = sg.tensors[sg.inputs[0]].quantization
        assert tuple(q.zero_point) == (-128,) and q.scale[0] == pytest.approx(1 / 255, rel=1e-6), q
