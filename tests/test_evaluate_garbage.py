"""evaluate/profile on inputs they must not accept in silence (issue 14, sections 3 and 4).

A two-class int8 model (4x4x1 image -> FULLY_CONNECTED -> 2) built in the test and tiny PNG folders."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import assert_one_line_error

sys.path.insert(0, str(Path(__file__).parent))
from tflite_builder import ModelBuilder  # noqa: E402

pytest.importorskip("tensorflow")
pytest.importorskip("tflite_micro")


def image_model(shape=(1, 4, 4, 1)):
    b = ModelBuilder()
    n = int(np.prod(shape[1:]))
    x = b.tensor("x", shape, "int8", scale=1 / 255, zero_point=-128)
    w = b.tensor("w", (2, n), "int8", scale=0.02, zero_point=0, constant=True,
                 data=np.tile(np.array([[1], [-1]], np.int8), (1, n)))
    y = b.tensor("y", (1, 2), "int8", scale=0.1, zero_point=0)
    b.op("FULLY_CONNECTED", [x, w, -1], [y], version=4, options={"type": "fully_connected"})
    return b.build(inputs=[x], outputs=[y])


def image_folder(root, per_class, size, mode):
    from PIL import Image

    rng = np.random.default_rng(0)
    for name in ("dark", "light"):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 100 if name == "dark" else 255, size=(size, size, 3 if mode == "RGB" else 1))
            Image.fromarray(pixels.astype(np.uint8).squeeze(), mode=mode).save(root / name / f"{i}.png")
    return root


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "m.tflite"
    path.write_bytes(image_model())
    return path


def test_empty_test_split_is_a_clear_error(cli, model, tmp_path):
    """'internal error: ValueError: need at least one array to stack'."""
    data = image_folder(tmp_path / "data", per_class=2, size=4, mode="L")  # < 3 per class: no test image
    line = assert_one_line_error(cli("evaluate", model, "--data", data), 2)
    assert "no test images" in line and "internal error" not in line


def test_images_of_another_size_and_colour_are_said_and_no_labels_is_said(cli, model, tmp_path):
    data = image_folder(tmp_path / "data", per_class=8, size=16, mode="RGB")
    result = cli("evaluate", model, "--data", data, "--json")
    assert result.exit_code == 0, result
    assert "resized to 4x4" in result.stderr and "16x16" in result.stderr
    assert "converted to grey" in result.stderr and "RGB" in result.stderr
    assert "has no labels" in result.stderr and "sorted folder order (dark, light)" in result.stderr
    assert "Failed to resize" not in result.stderr  # TFLM's own arena-probing lines stay out
    doc = json.loads(result.stdout)
    assert "tflm_arena_bytes" not in doc  # the evaluator's buffer, not the model's need

    same = image_folder(tmp_path / "same", per_class=8, size=4, mode="L")
    (tmp_path / "m.labels.txt").write_text("dark\nlight\n")
    result = cli("evaluate", model, "--data", same)
    assert result.exit_code == 0, result
    assert "warning" not in result.stderr, result


def test_channels_first_input_is_named_as_such(cli, tmp_path):
    """An NCHW model's input was called '224 channels'."""
    path = tmp_path / "nchw.tflite"
    path.write_bytes(image_model((1, 3, 8, 8)))
    data = image_folder(tmp_path / "data", per_class=4, size=8, mode="RGB")
    line = assert_one_line_error(cli("evaluate", path, "--data", data), 2)
    assert "channels-first" in line and "8 channels" not in line.split("(")[0]


def test_profile_on_a_tflite_points_to_report_and_inspect(cli, model):
    """profile on a .tflite answered with an h5py message."""
    line = assert_one_line_error(cli("profile", model), 2)
    assert "attendnets report" in line and "attendnets inspect" in line and "h5py" not in line


def _float_model(tmp_path, name, hidden=None):
    from attendnets_tf._tf import keras

    inputs = keras.Input((4, 4, 1))
    x = keras.layers.Flatten()(inputs)
    if hidden:
        x = keras.layers.Dense(hidden, activation="relu")(x)
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(x))
    run = tmp_path / name
    run.mkdir()
    model.save(str(run / "model.keras"))
    return run / "model.keras"


def test_float_model_of_another_run_is_refused(cli, model, tmp_path):
    """evaluate --float-model accepted a float model from another run (other classes and width) and
    reported a meaningless quantization loss."""
    data = image_folder(tmp_path / "data", per_class=8, size=4, mode="L")
    (tmp_path / "m.labels.txt").write_text("dark\nlight\n")
    same = _float_model(tmp_path, "same")
    (same.parent / "labels.txt").write_text("dark\nlight\n")
    result = cli("evaluate", model, "--data", data, "--float-model", same)
    assert result.exit_code == 0, result
    assert "float (Keras)" in result.stdout

    wider = _float_model(tmp_path, "wider", hidden=64)
    line = assert_one_line_error(cli("evaluate", model, "--data", data, "--float-model", wider), 2)
    assert "parameters" in line and "not the network" in line
    other = _float_model(tmp_path, "other")
    (other.parent / "labels.txt").write_text("cat\ndog\n")
    line = assert_one_line_error(cli("evaluate", model, "--data", data, "--float-model", other), 2)
    assert "other classes" in line and "cat" in line


def test_profile_and_report_count_one_network_the_same():
    """profile and report gave 18,691,616 and 18,723,616 MACs for one network (report counted MUL and
    pooling as MACs): one definition (docs/architectures.md), both commands."""
    from attendnets_tf._tf import keras
    from attendnets_tf.profiler import profile_model
    from converter.conversion.convert import convert_keras_model
    from converter.report.build import build_memory_report
    from converter.tflite_model import load_model

    inputs = keras.Input((16, 16, 3))
    x = keras.layers.Conv2D(8, 3, padding="same", use_bias=False)(inputs)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.ReLU()(x)
    d = keras.layers.DepthwiseConv2D(3, strides=2, padding="same")(x)
    gate = keras.layers.Activation("sigmoid")(d)
    x = keras.layers.Multiply()([d, gate])
    x = keras.layers.Add()([x, d])
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(4, activation="softmax")(x)
    model = keras.Model(inputs, outputs)

    profile = profile_model(model).totals()
    calibration = np.random.default_rng(0).random((8, 16, 16, 3)).astype(np.float32)
    report = build_memory_report(load_model(convert_keras_model(model, calibration)))
    assert profile["macs"] == 16 * 16 * 8 * 27 + 8 * 8 * 8 * 9 + 8 * 4
    assert report.total_macs == profile["macs"]
    assert report.total_elementwise_mults == profile["elementwise_mults"] == 8 * 8 * 8
