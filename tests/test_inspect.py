"""``attendnets inspect`` and converter.report.inspect on the shared models."""

import json

from converter.report.inspect import inspect_model
from converter.tflite_model import load_model

from conftest import assert_one_line_error, shared_model_path


def test_summary_of_every_shared_model(shared_model):
    summary = inspect_model(load_model(shared_model))
    sg = summary.subgraphs[0]
    assert sg.inputs and sg.outputs
    assert sum(sg.operator_counts.values()) == len(sg.operators)
    assert summary.constant_bytes < summary.size_bytes
    kinds = {t.kind for t in sg.tensors}
    assert {"input", "output", "constant"} <= kinds


def test_vww_summary_figures():
    summary = inspect_model(load_model(shared_model_path("vww_96_int8.tflite")))
    sg = summary.subgraphs[0]
    (inp,) = sg.inputs
    assert inp.dtype == "int8" and inp.shape == (1, 96, 96, 3) and inp.size_bytes == 27648
    assert inp.zero_point == (-128,) and inp.quantization.startswith("scale 0.00392157 zp -128")
    assert sg.operator_counts == {"CONV_2D": 14, "DEPTHWISE_CONV_2D": 13, "AVERAGE_POOL_2D": 1,
                                  "FULLY_CONNECTED": 1, "RESHAPE": 1, "SOFTMAX": 1}
    conv_weights = sg.tensors[sg.operators[0].inputs[1]]
    assert conv_weights.kind == "constant" and conv_weights.quantization == "per-channel x8 (dim 0)"
    assert summary.metadata["min_runtime_version"] == "1.5.0"


def test_cli_inspect_text_and_json(cli):
    path = shared_model_path("trained_lstm_int8.tflite")
    result = cli("inspect", path)
    assert result.exit_code == 0, result
    assert "UNIDIRECTIONAL_SEQUENCE_LSTM" in result.stdout and "scale 0.00392157 zp -128" in result.stdout
    assert "variable" in result.stdout  # the LSTM state tensors
    doc = json.loads(cli("inspect", path, "--json").stdout)
    sg = doc["subgraphs"][0]
    assert sg["inputs"][0]["quantization"]["zero_point"] == [-128]
    assert [o["name"] for o in sg["operators"]] == ["UNIDIRECTIONAL_SEQUENCE_LSTM", "RESHAPE", "FULLY_CONNECTED",
                                                    "SOFTMAX"]
    assert sg["operators"][0]["options"]["time_major"] is False


def test_cli_inspect_missing_file(cli, tmp_path):
    assert_one_line_error(cli("inspect", tmp_path / "none.tflite"), code=2)
