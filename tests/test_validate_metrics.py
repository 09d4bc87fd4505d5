"""validate beside bit-exactness (issue 22): per-class accuracy, confusion matrix, misclassified inputs,
and ST Edge AI Core's metrics against the float model (--float-model), in text, JSON and HTML.

The metrics are checked on arrays worked out by hand, then end to end against a fake device
(tests/test_validate_cli.py's pseudo-terminal; no QEMU) with a float twin of the validated model.
"""

import json
import math
import os

import numpy as np
import pytest

from tests.conftest import assert_one_line_error
from tests.test_validate_cli import (PORT_BOARD, digits_classifier, run_cli, start_device,  # noqa: F401
                                     validation_project)
from tests.tflite_builder import ModelBuilder
from validation.metrics import classification_report, output_metrics


def test_st_metrics_by_hand():
    predicted = np.array([[1.0, 2.0], [3.0, 4.0]])
    reference = np.array([[1.0, 1.0], [2.0, 5.0]])  # e = P - R = 0, 1, 1, -1
    m = output_metrics(predicted, reference, labels=[1, 1])
    assert m["rmse"] == pytest.approx(math.sqrt(3 / 4))
    assert m["mae"] == pytest.approx(3 / 4)
    assert m["l2r"] == pytest.approx(math.sqrt(3) / math.sqrt(1 + 1 + 4 + 25))
    assert m["mean"] == pytest.approx(1 / 4)
    assert m["std"] == pytest.approx(math.sqrt((0.25 ** 2 + 2 * 0.75 ** 2 + 1.25 ** 2) / 4))
    assert m["nse"] == pytest.approx(1 - 3 / (1.25 ** 2 * 2 + 0.25 ** 2 + 2.75 ** 2))
    assert m["cos"] == pytest.approx(29 / (math.sqrt(30) * math.sqrt(31)))
    assert m["acc"] == 1.0 and m["acc_reference"] == 0.5 and m["acc_against"] == "labels"
    assert m["class_agreement"] == 0.5
    unlabelled = output_metrics(predicted, reference)
    assert unlabelled["acc"] == 0.5 and unlabelled["acc_against"] == "the float model's classes"
    zero = output_metrics(np.zeros((2, 1)), np.zeros((2, 1)))
    assert zero["l2r"] is None and zero["cos"] is None and zero["nse"] is None and zero["acc"] is None


def test_classification_report_by_hand():
    c = classification_report([0, 0, 1, 2, None, 2], [0, 1, 1, 0, 2, 2], ["cat", "dog", "owl"],
                              ["a.png", "b.png", "c.png", "d.png", "e.png", "f.png"])
    assert c["confusion_matrix"] == [[1, 1, 0], [0, 1, 0], [1, 0, 1]]
    assert [r["accuracy"] for r in c["per_class"]] == [0.5, 1.0, 0.5]
    assert c["misclassified_count"] == 2
    assert [(m["input"], m["name"], m["label_name"], m["predicted_name"]) for m in c["misclassified"]] == [
        (1, "b.png", "cat", "dog"), (3, "d.png", "owl", "cat")]
    assert classification_report([None], [3]) is None


def float_twin():
    """The float model digits_classifier was 'quantized' from: the same weights dequantized, float I/O."""
    rng = np.random.default_rng(1)  # digits_classifier's weights
    w = rng.integers(-127, 128, 640, dtype=np.int8).astype(np.float32) * 0.01
    b = ModelBuilder()
    x = b.tensor("x", (1, 8, 8, 1), "float32")
    wt = b.tensor("w", (10, 64), "float32", data=w.tobytes())
    y = b.tensor("y", (1, 10), "float32")
    b.op("FULLY_CONNECTED", [x, wt, -1], [y], version=1, options={"type": "fully_connected"})
    return b.build(inputs=[x], outputs=[y])


def test_float_model_metrics_per_class_and_misclassified_end_to_end(cli, validation_project, tmp_path):  # noqa: F811
    from codegen.compiled.host import run_tflm
    from codegen.context import tensor_info
    from converter.tflite_model import load_model
    from validation.data import load_inputs

    model, project = validation_project
    twin = tmp_path / "float.tflite"
    twin.write_bytes(float_twin())
    device, port, fds = start_device(model.read_bytes())
    html = tmp_path / "v.html"
    try:
        result = run_cli(cli, device, port, model, project, "--count", "30", "--float-model", twin, "--json",
                         "--html", html)
    finally:
        for fd in fds:
            os.close(fd)
    assert result.exit_code == 0, result.stderr
    s = json.loads(result.stdout)

    # the figures again, straight from the two interpreters and numpy
    sg = load_model(model.read_bytes()).main_subgraph
    info = tensor_info(sg.tensor(sg.inputs[0]), "input", 0)
    data = load_inputs("digits", info, 30)
    q_out = np.stack([run_tflm(model, [x.reshape(1, 8, 8, 1)])[0].reshape(-1) for x in data.inputs])
    predicted = (q_out.astype(np.float64) - 3) * 0.05  # the output's zero point and scale
    real_in = (data.inputs.astype(np.float64) + 128) / 255
    reference = np.stack([run_tflm(twin, [x.reshape(1, 8, 8, 1).astype(np.float32)])[0].reshape(-1)
                          for x in real_in])
    e = predicted - reference
    got = s["float_comparison"]["outputs"][0]
    assert got["rmse"] == pytest.approx(math.sqrt(np.mean(e ** 2)), rel=1e-6)
    assert got["mae"] == pytest.approx(np.mean(np.abs(e)), rel=1e-6)
    assert got["l2r"] == pytest.approx(np.linalg.norm(e) / np.linalg.norm(reference), rel=1e-6)
    assert got["acc"] == pytest.approx(np.mean(predicted.argmax(1) == data.labels))
    assert got["acc_reference"] == pytest.approx(np.mean(reference.argmax(1) == data.labels))
    assert s["accuracy"]["float"] == got["acc_reference"]

    c = s["classification"]
    assert sum(map(sum, c["confusion_matrix"])) == 30
    device_classes = q_out.argmax(1)
    wrong = [i for i in range(30) if device_classes[i] != data.labels[i]]
    assert c["misclassified_count"] == len(wrong) and [m["input"] for m in c["misclassified"]] == wrong
    for row in c["per_class"]:
        mine = data.labels == row["class"]
        assert row["inputs"] == int(mine.sum())
        assert row["correct"] == int((device_classes[mine] == row["class"]).sum())

    page = html.read_text()
    assert "Accuracy per class" in page and "ST Edge AI Core" in page and "RMSE" in page

    from validation.report import format_text

    text = format_text(s)
    assert "confusion matrix" in text and "RMSE" in text and "L2r" in text and "COS" in text
    assert f"misclassified: {len(wrong)} input(s)" in text and f"#{wrong[0]} " in text


def test_float_model_of_another_network_is_refused_before_building(cli, validation_project, tmp_path):  # noqa: F811
    model, project = validation_project
    other = tmp_path / "other.tflite"
    b = ModelBuilder()
    x = b.tensor("x", (1, 4), "float32")
    y = b.tensor("y", (1, 4), "float32")
    b.op("RELU", [x], [y])
    other.write_bytes(b.build(inputs=[x], outputs=[y]))
    result = cli("validate", model, "--board", PORT_BOARD, "--port", "/dev/null", "--project", project,
                 "--float-model", other)
    line = assert_one_line_error(result, 2)
    assert "not the same network" in line
