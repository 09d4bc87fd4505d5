"""attendnets convert: full-int8 flatbuffers with TFLM builtin operators only, sidecar, atomic outputs."""

import json

import numpy as np
import pytest

from conftest import assert_one_line_error
from quant_helpers import CLASS_NAMES, make_image_folder, save_run, tiny_condenser_model

# Every operator the tiny condenser model may lower to; all are TFLM builtins with int8 kernels.
CONDENSER_MODEL_OPS = {
    "CONV_2D", "DEPTHWISE_CONV_2D", "MAX_POOL_2D", "RESIZE_NEAREST_NEIGHBOR", "STRIDED_SLICE",
    "LOGISTIC", "MUL", "MEAN", "FULLY_CONNECTED", "SOFTMAX",
}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    from attendnets_tf import qat
    from attendnets_tf.data import load_data

    root = tmp_path_factory.mktemp("convert")
    data = make_image_folder(root / "data", per_class=8)
    float_model = tiny_condenser_model()
    model_path = save_run(root / "run", float_model)
    splits = load_data(str(data), (14, 14, 1))
    qat_model = qat.quantize_model(float_model, calibration_images=splits.train[0])
    qat.fine_tune(qat_model, splits.train, epochs=2, lr=1e-3, batch_size=8, verbose=0)
    qat_model.save(str(root / "run" / "qat.keras"))
    return root, data, model_path, root / "run" / "qat.keras"


def _activations(model):
    sg = model.subgraphs[0]
    return [t for t in sg.tensors if not t.is_constant]


def test_convert_qat_model_gives_int8_tflm_builtins_only(cli, workdir, tmp_path):
    from converter.tflm.check import check_model
    from converter.tflite_model import load_model

    root, data, _, qat_path = workdir
    out = tmp_path / "model.tflite"
    result = cli("convert", qat_path, "--data", data, "--out", out, "--samples", 16)
    assert result.exit_code == 0, result
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json", "model.labels.txt", "model.tflite"]
    assert (tmp_path / "model.labels.txt").read_text().split() == list(CLASS_NAMES)

    model = load_model(out)
    ops = [op.name for op in model.subgraphs[0].operators]
    assert set(ops) <= CONDENSER_MODEL_OPS, set(ops) - CONDENSER_MODEL_OPS
    # both condensers made it through as their own int8 operators
    assert ops.count("LOGISTIC") == 2 and ops.count("MUL") == 4 and ops.count("MAX_POOL_2D") == 2
    assert "STRIDED_SLICE" in ops  # the 7x7 condenser's crop
    # int8 everywhere: every activation tensor (input and output included) is quantized int8
    for tensor in _activations(model):
        assert tensor.dtype == "int8", (tensor.name, tensor.dtype)
        assert tensor.quantization is not None and len(tensor.quantization.scale) == 1, tensor.name
    report = check_model(model)
    assert report.ok and not report.warnings and report.model_kind == "int8"

    sidecar = json.loads((tmp_path / "model.json").read_text())
    assert sidecar["source_kind"] == "qat" and sidecar["labels"] == list(CLASS_NAMES)
    assert sidecar["calibration_samples"] == 8  # QAT ranges are trained; a few images suffice
    (inp,), (outp,) = sidecar["inputs"], sidecar["outputs"]
    assert inp["shape"] == [1, 14, 14, 1] and inp["dtype"] == "int8"
    assert outp["shape"] == [1, 3] and outp["dtype"] == "int8"
    sg = model.subgraphs[0]
    t_in = sg.tensor(sg.inputs[0])
    assert inp["quantization"]["scale"] == pytest.approx(t_in.quantization.scale[0])
    assert inp["quantization"]["zero_point"] == t_in.quantization.zero_point[0]
    # the softmax output is on TFLite's fixed 1/256 grid
    assert outp["quantization"] == {"scale": 1 / 256, "zero_point": -128}


def test_convert_float_model_with_float_io(cli, workdir, tmp_path):
    from converter.tflite_model import load_model

    _, data, model_path, _ = workdir
    out = tmp_path / "ptq.tflite"
    result = cli("convert", model_path, "--data", data, "--out", out, "--samples", 8, "--float-io", "--seed", 3,
                 "--json")
    assert result.exit_code == 0, result
    # progress like train's (issue 22): calibration, quantization, the check, on stderr; stdout is the JSON
    for stage in ("calibration 8/8 images", "quantizing to full int8", "TFLM check passed"):
        assert stage in result.stderr, result
    doc = json.loads(result.stdout)
    assert doc["out"] == str(out) and doc["wrote"] == [str(out), str(tmp_path / "ptq.labels.txt"),
                                                       str(tmp_path / "ptq.json")]
    sidecar = json.loads((tmp_path / "ptq.json").read_text())
    assert doc["sidecar"] == sidecar
    assert sidecar["source_kind"] == "float" and sidecar["calibration_samples"] == 8
    assert sidecar["calibration_seed"] == 3  # calibrated on the training images of a --seed 3 run
    assert sidecar["inputs"][0]["dtype"] == "float32" and sidecar["outputs"][0]["dtype"] == "float32"
    model = load_model(out)
    ops = [op.name for op in model.subgraphs[0].operators]
    assert ops[0] == "QUANTIZE" and ops[-1] == "DEQUANTIZE"
    inner = [t for t in _activations(model) if t.index not in (*model.subgraphs[0].inputs, *model.subgraphs[0].outputs)]
    assert all(t.dtype == "int8" for t in inner)


def test_convert_failed_check_leaves_nothing(cli, workdir, tmp_path, monkeypatch):
    import converter.conversion.convert as conv
    from attendnets_base.errors import UnsupportedOperatorError

    _, data, model_path, _ = workdir

    def refuse(path):
        assert path.exists()  # the check reads the finished flatbuffer
        raise UnsupportedOperatorError("TFLM cannot run this model: operator 0 FOO")

    monkeypatch.setattr(conv, "run_tflm_check", refuse)
    result = cli("convert", model_path, "--data", data, "--out", tmp_path / "model.tflite", "--samples", 4)
    assert "FOO" in assert_one_line_error(result, 1)
    assert list(tmp_path.iterdir()) == []


def test_convert_bad_inputs(cli, workdir, tmp_path):
    root, data, model_path, _ = workdir
    out = tmp_path / "model.tflite"
    assert "not found" in assert_one_line_error(cli("convert", tmp_path / "none.keras", "--data", data, "--out", out), 2)
    assert "does not exist" in assert_one_line_error(
        cli("convert", model_path, "--data", data, "--out", tmp_path / "no" / "model.tflite"), 2)
    broken = tmp_path / "broken" / "model.keras"
    broken.parent.mkdir()
    broken.write_bytes(model_path.read_bytes()[:300])  # a truncated zip
    assert "not a readable Keras model" in assert_one_line_error(
        cli("convert", broken, "--data", data, "--out", out), 2)
    four = make_image_folder(tmp_path / "four", class_names=("a", "b", "c", "d"), per_class=4)
    assert "4 classes" in assert_one_line_error(cli("convert", model_path, "--data", four, "--out", out), 2)
    renamed = make_image_folder(tmp_path / "renamed", class_names=("x", "y", "z"), per_class=4)
    assert "do not match" in assert_one_line_error(cli("convert", model_path, "--data", renamed, "--out", out), 2)
    assert not out.exists() and not (tmp_path / "model.labels.txt").exists() and not (tmp_path / "model.json").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "temporary files left behind"
