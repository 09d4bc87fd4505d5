"""``attendnets inspect`` and converter.report.inspect on the suite's models (corpus, plus ../shared/models)."""

import json

import pytest

from converter.report.inspect import inspect_model
from converter.tflite_model import load_model

from conftest import assert_one_line_error, model_params, model_path, shared_present


@pytest.mark.parametrize("suite_model", model_params(), indirect=True)
def test_summary_of_every_model(suite_model):
    summary = inspect_model(load_model(suite_model.path))
    sg = summary.subgraphs[0]
    # the model's operators, in any subgraph (an IF's branches, a WHILE's body)
    assert set(suite_model.operators) <= {name for g in summary.subgraphs for name in g.operator_counts}
    assert sg.inputs and sg.outputs
    assert sum(sg.operator_counts.values()) == len(sg.operators)
    assert summary.constant_bytes < summary.size_bytes
    kinds = {t.kind for t in sg.tensors}
    assert {"input", "output", "constant"} <= kinds


# MobileNet-V1 0.25 at 96x96 (a stem of 32 x 0.25 = 8 channels, 13 separable blocks): the shared
# VWW reference and the corpus's person detector, whose input is calibrated on images in [0, 1).
MOBILENET_FIGURES = {
    "vww_96_int8.tflite": dict(shape=(1, 96, 96, 3), bytes=27648, quantization="scale 0.00392157 zp -128",
                               counts={"CONV_2D": 14, "DEPTHWISE_CONV_2D": 13, "AVERAGE_POOL_2D": 1,
                                       "FULLY_CONNECTED": 1, "RESHAPE": 1, "SOFTMAX": 1},
                               runtime="1.5.0"),
    "mobilenet_v1_025_person_int8": dict(shape=(1, 96, 96, 1), bytes=9216, quantization="scale 0.0039",
                                         counts={"CONV_2D": 14, "DEPTHWISE_CONV_2D": 13, "MEAN": 1,
                                                 "FULLY_CONNECTED": 1, "SOFTMAX": 1},
                                         runtime="1.14.0"),
}


@pytest.mark.parametrize("name", ["mobilenet_v1_025_person_int8", *shared_present("vww_96_int8.tflite")])
def test_mobilenet_summary_figures(name):
    want = MOBILENET_FIGURES[name]
    summary = inspect_model(load_model(model_path(name)))
    sg = summary.subgraphs[0]
    (inp,) = sg.inputs
    assert inp.dtype == "int8" and inp.shape == want["shape"] and inp.size_bytes == want["bytes"]
    assert inp.zero_point == (-128,) and inp.quantization.startswith(want["quantization"])
    assert inp.quantization.endswith("zp -128")
    assert sg.operator_counts == want["counts"]
    conv_weights = sg.tensors[sg.operators[0].inputs[1]]
    assert conv_weights.kind == "constant" and conv_weights.quantization == "per-channel x8 (dim 0)"
    assert summary.metadata["min_runtime_version"] == want["runtime"]


# LSTM classifiers of 28 steps x 28 features (inputs in [0, 1]): the TFLM MNIST example and the corpus's.
LSTMS = {
    "trained_lstm_int8.tflite": ("scale 0.00392157 zp -128",
                                 ["UNIDIRECTIONAL_SEQUENCE_LSTM", "RESHAPE", "FULLY_CONNECTED", "SOFTMAX"]),
    # The corpus model's output scale comes from its calibration: read from the model (below).
    "lstm_int8": (None,
                  ["UNIDIRECTIONAL_SEQUENCE_LSTM", "STRIDED_SLICE", "FULLY_CONNECTED", "SOFTMAX"]),
}


@pytest.mark.parametrize("name", ["lstm_int8", *shared_present("trained_lstm_int8.tflite")])
def test_cli_inspect_text_and_json(cli, name):
    quantization, operators = LSTMS[name]
    path = model_path(name)
    if quantization is None:
        from converter.tflite_model import load_model

        sg0 = load_model(path).main_subgraph
        q = sg0.tensor(sg0.outputs[0]).quantization
        assert q.zero_point[0] == -128
        quantization = f"scale {q.scale[0]:.6g} zp -128"
    result = cli("inspect", path)
    assert result.exit_code == 0, result
    assert "UNIDIRECTIONAL_SEQUENCE_LSTM" in result.stdout and quantization in result.stdout
    assert "variable" in result.stdout  # the LSTM state tensors
    doc = json.loads(cli("inspect", path, "--json").stdout)
    sg = doc["subgraphs"][0]
    assert sg["inputs"][0]["quantization"]["zero_point"] == [-128]
    assert [o["name"] for o in sg["operators"]] == operators
    assert sg["operators"][0]["options"]["time_major"] is False


def test_cli_inspect_missing_file(cli, tmp_path):
    assert_one_line_error(cli("inspect", tmp_path / "none.tflite"), code=2)
