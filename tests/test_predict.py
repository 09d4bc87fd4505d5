"""``attendnets predict``: class, top k with label names, raw and dequantized outputs (issue 22).

Models built in the test: a fully-connected model (x[1,4] -> y[1,3]) and an image model
whose three outputs are the mean of each colour channel (AVERAGE_POOL_2D over the whole
4x4x3 input), so a red image must be class 0 and a blue one class 2.
"""

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import assert_one_line_error, packages_imported_by

sys.path.insert(0, str(Path(__file__).parent))
from tflite_builder import ModelBuilder, int8_fc_model  # noqa: E402

LABELS = ["red", "green", "blue"]


def channel_mean_model():
    b = ModelBuilder()
    x = b.tensor("image", (1, 4, 4, 3), "int8", scale=1 / 255, zero_point=-128)
    y = b.tensor("scores", (1, 1, 1, 3), "int8", scale=1 / 255, zero_point=-128)
    b.op("AVERAGE_POOL_2D", [x], [y], options={"type": "pool2d", "filter": 4, "stride": 4})
    return b.build(inputs=[x], outputs=[y])


@pytest.fixture
def image_model(tmp_path):
    path = tmp_path / "colours.tflite"
    path.write_bytes(channel_mean_model())
    (tmp_path / "colours.labels.txt").write_text("\n".join(LABELS) + "\n")
    return path


def _image(path, rgb):
    from PIL import Image

    Image.new("RGB", (10, 7), rgb).save(path)
    return path


def test_images_and_a_folder_give_the_class_with_its_name(cli, image_model, tmp_path):
    red = _image(tmp_path / "red.png", (255, 0, 0))
    folder = tmp_path / "more" / "sub"
    folder.mkdir(parents=True)
    _image(folder / "blue.png", (0, 0, 250))
    _image(folder / "green.jpg", (0, 255, 0))
    result = cli("predict", image_model, red, tmp_path / "more", "--json", "--top", 2)
    assert result.exit_code == 0, result
    doc = json.loads(result.stdout)
    assert doc["labels"] == str(tmp_path / "colours.labels.txt")
    got = {Path(p["input"]).name: p["interpreters"]["tflm"][0] for p in doc["predictions"]}
    assert [Path(p["input"]).name for p in doc["predictions"]] == ["red.png", "blue.png", "green.jpg"]
    assert (got["red.png"]["class"], got["red.png"]["label"]) == (0, "red")
    assert (got["blue.png"]["class"], got["blue.png"]["label"]) == (2, "blue")
    assert got["green.jpg"]["label"] == "green"
    red_out = got["red.png"]
    assert red_out["raw"] == [127, -128, -128]  # 255/255 -> 127, 0 -> -128
    assert red_out["dequantized"] == pytest.approx([(v + 128) / 255 for v in red_out["raw"]])
    assert len(red_out["top"]) == 2 and red_out["top"][0]["label"] == "red"

    text = cli("predict", image_model, red).stdout
    assert "class 0 red" in text and "raw: [127, -128, -128]" in text and "dequantized" in text


def test_npy_rows_match_the_tflm_interpreter(cli, tmp_path):
    from codegen.compiled.host import run_tflm

    model = tmp_path / "fc.tflite"
    model.write_bytes(int8_fc_model())
    rows = np.random.default_rng(3).integers(-128, 128, (3, 4)).astype(np.int8)  # integers: already quantized
    np.save(tmp_path / "x.npy", rows)
    result = cli("predict", model, tmp_path / "x.npy", "--json")
    assert result.exit_code == 0, result
    doc = json.loads(result.stdout)
    assert doc["labels"] is None and len(doc["predictions"]) == 3
    for row, pred in zip(rows, doc["predictions"]):
        out = pred["interpreters"]["tflm"][0]
        expected = run_tflm(model, [row.reshape(1, 4)])[0].reshape(-1)
        assert out["raw"] == expected.tolist()
        assert out["class"] == int(np.argmax(expected)) and out["label"] is None
        assert out["dequantized"] == pytest.approx([0.1 * v for v in expected])  # scale 0.1, zero point 0


def test_one_input_without_its_batch_dimension(cli, image_model, tmp_path):
    np.save(tmp_path / "one.npy", np.full((4, 4, 3), 0.2, np.float32))  # [1, 4, 4, 3] without the 1
    result = cli("predict", image_model, tmp_path / "one.npy", "--json")
    assert result.exit_code == 0, result
    (pred,) = json.loads(result.stdout)["predictions"]
    assert pred["input"] == str(tmp_path / "one.npy") and pred["interpreters"]["tflm"][0]["raw"] == [51 - 128] * 3  # 0.2 x 255


def test_predict_does_not_import_tensorflow(tmp_path):
    model = tmp_path / "fc.tflite"
    model.write_bytes(int8_fc_model())
    np.save(tmp_path / "x.npy", np.zeros(4, np.float32))
    code = (f"from attendnets.cli import main\n"
            f"assert main(['predict', {str(model)!r}, {str(tmp_path / 'x.npy')!r}]) == 0\n")
    assert packages_imported_by(code, ["tensorflow", "tf_keras", "keras"]) == []


def test_bad_inputs_are_one_line(cli, image_model, tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    line = assert_one_line_error(cli("predict", image_model, tmp_path / "notes.txt"), 2)
    assert "notes.txt" in line
    line = assert_one_line_error(cli("predict", image_model, tmp_path / "missing.png"), 2)
    assert "missing.png" in line
    (tmp_path / "empty").mkdir()
    line = assert_one_line_error(cli("predict", image_model, tmp_path / "empty"), 2)
    assert "no images" in line
    np.save(tmp_path / "wrong.npy", np.zeros(5, np.float32))
    assert_one_line_error(cli("predict", image_model, tmp_path / "wrong.npy"), 2)


@pytest.mark.skipif(not any(importlib.util.find_spec(m) for m in ("ai_edge_litert", "tflite_runtime", "tensorflow")),
                    reason="no TFLite interpreter installed (ai-edge-litert, tflite-runtime or TensorFlow)")
def test_both_interpreters_agree_and_say_which(cli, image_model, tmp_path):
    red = _image(tmp_path / "red.png", (200, 30, 90))
    result = cli("predict", image_model, red, "--interpreter", "both", "--json")
    assert result.exit_code == 0, result
    doc = json.loads(result.stdout)
    assert "reference kernels" in doc["interpreters"]["tflite"]
    pred = doc["predictions"][0]
    assert pred["identical"] is True
    assert pred["interpreters"]["tflite"][0]["raw"] == pred["interpreters"]["tflm"][0]["raw"]
