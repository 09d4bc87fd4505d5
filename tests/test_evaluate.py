"""attendnets evaluate: float / TFLite-reference / TFLM accuracy, agreement, per class, bad inputs."""

import json

import numpy as np
import pytest

from conftest import assert_one_line_error
from quant_helpers import CLASS_NAMES, make_image_folder, save_run, tiny_condenser_model


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """A briefly trained float model and its PTQ int8 flatbuffer."""
    from attendnets_tf._tf import keras
    from attendnets_tf.data import load_data
    from converter.conversion.convert import convert

    root = tmp_path_factory.mktemp("evaluate")
    data = make_image_folder(root / "data", per_class=10)
    model = tiny_condenser_model()
    splits = load_data(str(data), (14, 14, 1))
    model.compile(keras.optimizers.Adam(1e-2), "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(*splits.train, epochs=12, batch_size=6, verbose=0)
    model_path = save_run(root / "run", model)
    out = root / "out" / "model.tflite"
    out.parent.mkdir()
    convert(model_path, str(data), out, samples=20, log=lambda line: None)
    return root, data, model_path, out, splits


def test_evaluate_json(cli, converted):
    from attendnets_tf import qat

    _, data, model_path, tflite, splits = converted
    result = cli("evaluate", tflite, "--data", data, "--float-model", model_path, "--json")
    assert result.exit_code == 0, result
    report = json.loads(result.stdout)
    x, y = splits.test
    n = len(y)
    assert report["test_images"] == n
    assert set(report["accuracy"]) == {"float", "tflite", "tflm"}
    float_pred = qat.load_model(str(model_path)).predict(x, verbose=0).argmax(axis=1)
    assert report["accuracy"]["float"] == pytest.approx(np.mean(float_pred == y))
    matrix = np.array(report["confusion_matrix"])
    assert matrix.shape == (3, 3) and matrix.sum() == n
    assert matrix.sum(axis=1).tolist() == [int(np.sum(y == k)) for k in range(3)]
    assert report["accuracy"]["tflm"] == pytest.approx(np.trace(matrix) / n)
    assert report["agreement"] == 1.0  # TFLite reference kernels and TFLM are bit-exact here
    assert report["max_output_difference"] == 0
    assert report["accuracy"]["tflite"] == report["accuracy"]["tflm"]
    assert list(report["per_class"]) == list(CLASS_NAMES)
    for k, name in enumerate(CLASS_NAMES):
        row = report["per_class"][name]
        assert row["images"] == int(np.sum(y == k))
        assert row["tflm"] == pytest.approx(matrix[k, k] / row["images"])
    assert report["accuracy"]["tflm"] >= 0.5  # a learnable toy set; a broken input quantization gives chance


def test_evaluate_text_without_float_model(cli, converted):
    _, data, _, tflite, _ = converted
    result = cli("evaluate", tflite, "--data", data)
    assert result.exit_code == 0, result
    assert "TFLM interpreter" in result.stdout and "confusion matrix" in result.stdout
    assert "float (Keras)" not in result.stdout
    as_json = json.loads(cli("evaluate", tflite, "--data", data, "--json").stdout)
    assert set(as_json["accuracy"]) == {"tflite", "tflm"}


def test_evaluate_bad_inputs(cli, converted, tmp_path):
    from attendnets_tf._tf import tf

    root, data, model_path, tflite, _ = converted
    assert "not found" in assert_one_line_error(cli("evaluate", tmp_path / "none.tflite", "--data", data), 2)

    float_only = tmp_path / "float.tflite"
    float_only.write_bytes(tf.lite.TFLiteConverter.from_keras_model(tiny_condenser_model()).convert())
    assert "float model" in assert_one_line_error(cli("evaluate", float_only, "--data", data), 2)

    corrupt = tmp_path / "corrupt.tflite"
    raw = bytearray(tflite.read_bytes())
    corrupt.write_bytes(bytes(raw[: len(raw) // 3]))
    assert_one_line_error(cli("evaluate", corrupt, "--data", data), 2)
    junk = tmp_path / "junk.tflite"
    junk.write_bytes(b"\x00" * 64)
    assert "not a TFLite model" in assert_one_line_error(cli("evaluate", junk, "--data", data), 2)

    four = make_image_folder(tmp_path / "four", class_names=("a", "b", "c", "d"), per_class=4)
    assert "4 classes" in assert_one_line_error(cli("evaluate", tflite, "--data", four), 2)

    not_keras = tmp_path / "x.keras"
    not_keras.write_text("hello")
    assert "not a readable Keras model" in assert_one_line_error(
        cli("evaluate", tflite, "--data", data, "--float-model", not_keras), 2)


def _with_operator_version(data, operator, version):
    """``data`` with every ``operator`` code at ``version``: TFLite's resolver looks operators up by
    code and version and refuses an unknown version; TFLM looks them up by code only."""
    import flatbuffers
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as fb

    model = fb.ModelT.InitFromObj(fb.Model.GetRootAsModel(data, 0))
    code = getattr(fb.BuiltinOperator, operator)
    for opcode in model.operatorCodes:
        if max(opcode.builtinCode, opcode.deprecatedBuiltinCode) == code:
            opcode.version = version
    builder = flatbuffers.Builder(len(data) + 1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def _tflm_only_models():
    """(name, how to get it): the corpus person detector with a CONV_2D version TFLite does not know,
    and person_detect (older quantization metadata) when ../shared/models is there."""
    from conftest import corpus_model_path, shared_model_path, shared_present

    def corpus_variant(tmp_path):
        path = tmp_path / "person_v99.tflite"
        path.write_bytes(_with_operator_version(corpus_model_path("mobilenet_v1_025_person_int8").read_bytes(),
                                                "CONV_2D", 99))
        return path

    models = [("mobilenet_v1_025_person_int8-conv-v99", corpus_variant)]
    return models + [(name, lambda tmp_path, name=name: shared_model_path(name))
                     for name in shared_present("person_detect.tflite")]


@pytest.mark.parametrize("name, make", _tflm_only_models(), ids=lambda v: v if isinstance(v, str) else "")
def test_evaluate_model_only_tflm_can_load(cli, tmp_path, name, make):
    """A model valid for TFLM but refused by the TFLite interpreter -> TFLM-only report."""
    model = make(tmp_path)
    data = make_image_folder(tmp_path / "data", class_names=("no_person", "person"), per_class=7, size=96)
    result = cli("evaluate", model, "--data", data, "--json")
    assert result.exit_code == 0, result
    report = json.loads(result.stdout)
    assert set(report["accuracy"]) == {"tflm"} and report["agreement"] is None
    assert report["max_output_difference"] is None
    assert "TFLite interpreter cannot load it" in report["tflite_error"]
    assert np.array(report["confusion_matrix"]).sum() == report["test_images"] == 2
