"""The TFLM operator/quantization check and ``attendnets check``."""

import json

import pytest

from attendnets_base.errors import UnsupportedOperatorError
from converter.tflm.check import check_model
from converter.tflite_model import load_model
from converter.tflm.tflm_ops import tflm_op_table

from conftest import assert_one_line_error, corpus_model_path, model_params, model_path, shared_present
from tflite_builder import ModelBuilder, int8_fc_model


def _check(data, **kw):
    return check_model(load_model(data), **kw)


def test_op_table_is_read_from_data():
    table = tflm_op_table()
    conv = table.builtin("CONV_2D")
    assert conv.accepts("int8") and conv.accepts("int16") and not conv.accepts("uint8")
    assert conv.weight_types_for("int8") == ("int8", "int4")
    assert conv.symmetric_weights and conv.per_channel_dimension == 0
    assert table.builtin("DEPTHWISE_CONV_2D").per_channel_dimension == 3
    assert table.builtin("RESHAPE").types is None  # type-agnostic kernel
    assert table.builtin("HASHTABLE_LOOKUP") is None
    assert table.custom("TFLite_Detection_PostProcess") is not None
    assert len(table.tflm_commit) == 40


@pytest.mark.parametrize("suite_model", model_params(), indirect=True)
def test_every_model_runs_on_tflm(suite_model):
    # Every model of the suite runs on the tflite-micro interpreter (test_arena measures each one).
    result = _check(suite_model.path.read_bytes())
    assert result.ok, result.summary_line()
    assert result.model_kind == suite_model.kind
    assert not result.errors
    assert all(o.supported and o.kernel_source for o in result.operators)
    used = {c.name: c.version for c in result.operator_codes if c.count}
    assert set(suite_model.operators) <= set(used)  # every model lists its operators with versions
    assert all(v >= 1 for v in used.values())


@pytest.mark.parametrize("suite_model", model_params(), indirect=True)
def test_cli_check_every_model(cli, suite_model):
    result = suite_model.run("check", lambda: _cli_check_ok(cli, suite_model.path))
    if result is not None:
        assert "OK: TFLM can run this model" in result.stdout
        assert all(name in result.stdout for name in suite_model.operators)


def _cli_check_ok(cli, path):
    from attendnets_base.errors import AttendnetsError

    result = cli("check", path, "--kernels", "reference")  # the interpreter's kernels, which run every model
    if result.exit_code == 2:  # bad input: one line, raised again for SuiteModel.run to judge
        raise AttendnetsError(assert_one_line_error(result, code=2))
    assert result.exit_code == 0, result
    return result


@pytest.mark.parametrize("name", ["lstm_int8", *shared_present("trained_lstm_int8.tflite")])
def test_lstm_zero_size_float_intermediates_are_not_flagged(name):
    # A converted LSTM carries four float32 intermediates of shape (0,): never allocated.
    model = load_model(model_path(name))
    assert sum(1 for t in model.main_subgraph.tensors if t.dtype == "float32" and t.size_bytes == 0) == 4
    result = check_model(model)
    assert result.float_tensors == [] and not result.warnings


@pytest.mark.parametrize("name", ["mobilenet_v1_025_person_int8", *shared_present("vww_96_int8.tflite")])
def test_versions_are_the_models(name):
    result = _check(model_path(name).read_bytes())
    versions = {c.name: c.version for c in result.operator_codes}
    assert versions["CONV_2D"] == 3 and versions["FULLY_CONNECTED"] == 4 and versions["SOFTMAX"] == 2
    assert [o.name for o in result.operators].count("DEPTHWISE_CONV_2D") == 13


def test_asymmetric_weights_are_unsupported():
    result = _check(int8_fc_model(weight_zero_point=3))
    assert not result.ok
    assert [f.kind for f in result.errors] == ["asymmetric_weights"]
    with pytest.raises(UnsupportedOperatorError, match="asymmetrically quantized"):
        result.raise_if_not_ok()


def test_per_channel_on_the_wrong_dimension():
    good = _check(int8_fc_model(per_channel_scales=[0.1, 0.2, 0.3]))
    assert good.ok
    bad = _check(int8_fc_model(per_channel_scales=[0.1, 0.2, 0.3, 0.4], quantized_dimension=1))
    assert [f.kind for f in bad.errors] == ["per_channel"]


def test_cmsis_nn_per_channel_fc_needs_int8_activations():
    data = int8_fc_model(activation_dtype="int16", per_channel_scales=[0.1, 0.2, 0.3])
    assert _check(data, kernels="reference").ok
    result = _check(data, kernels="cmsis-nn")
    assert [f.kind for f in result.errors] == ["per_channel"]


def test_int16_zero_point_rules_follow_the_kernels():
    """TFLM's reference int16 FULLY_CONNECTED takes (and ignores) an input zero point: it runs, with a
    warning; CMSIS-NN's fully_connected.cc Prepare refuses it."""
    assert _check(int8_fc_model(activation_dtype="int16")).model_kind == "int16x8"
    data = int8_fc_model(activation_dtype="int16", act_zero_point=5)
    reference = _check(data)
    assert reference.ok and {f.kind for f in reference.warnings} == {"int16_zero_point"}
    cmsis = _check(data, kernels="cmsis-nn")
    assert {f.kind for f in cmsis.errors} == {"zero_point"}
    assert "CMSIS-NN" in cmsis.errors[0].message


def test_hybrid_and_unsupported_types():
    hybrid = _check(int8_fc_model(activation_dtype="float32"))
    assert [f.kind for f in hybrid.errors] == ["hybrid_operator"]
    legacy = _check(int8_fc_model(activation_dtype="uint8"))
    assert legacy.model_kind == "uint8"
    assert [f.kind for f in legacy.errors] == ["unsupported_type"]


def test_unknown_builtin_and_custom_ops():
    b = ModelBuilder()
    x = b.tensor("x", (1, 4), "int8", scale=0.1, zero_point=0)
    y = b.tensor("y", (1, 4), "int8", scale=0.1, zero_point=0)
    z = b.tensor("z", (1, 4), "int8", scale=0.1, zero_point=0)
    b.op("HASHTABLE_LOOKUP", [x], [y])
    b.op("CUSTOM", [y], [z], custom_code="MyOp")
    result = _check(b.build([x], [z]))
    assert result.unsupported_operators == ["HASHTABLE_LOOKUP", "MyOp"]
    assert "HASHTABLE_LOOKUP" in result.summary_line() and "MyOp" in result.summary_line()


def test_float_tensors_inside_an_int8_model_are_marked():
    b = ModelBuilder()
    x = b.tensor("x", (1, 4), "int8", scale=0.1, zero_point=0)
    f = b.tensor("f", (1, 4), "float32")
    g = b.tensor("g", (1, 4), "float32")
    y = b.tensor("y", (1, 4), "int8", scale=0.1, zero_point=0)
    b.op("DEQUANTIZE", [x], [f])
    b.op("LOGISTIC", [f], [g])
    b.op("QUANTIZE", [g], [y])
    result = _check(b.build([x], [y]))
    assert result.ok  # TFLM runs float kernels: a warning, not an error
    assert result.model_kind == "mixed"
    assert result.float_tensors == [f, g]
    assert [w.kind for w in result.warnings] == ["float_tensor", "float_tensor"]
    assert "LOGISTIC" not in result.summary_line()


def test_float_io_at_the_model_boundary_is_not_flagged():
    b = ModelBuilder()
    x = b.tensor("x", (1, 4), "float32")
    q = b.tensor("q", (1, 4), "int8", scale=0.1, zero_point=0)
    r = b.tensor("r", (1, 4), "int8", scale=0.1, zero_point=0)
    y = b.tensor("y", (1, 4), "float32")
    b.op("QUANTIZE", [x], [q])
    b.op("RELU", [q], [r])
    b.op("DEQUANTIZE", [r], [y])
    result = _check(b.build([x], [y]))
    assert result.ok and result.model_kind == "int8" and result.float_tensors == [] and not result.warnings


@pytest.mark.parametrize("name", ["resnet8_int8", *shared_present("pretrainedResnet_quant.tflite")])
def test_cli_check_ok_and_json(cli, name):
    # ResNet-8 (the corpus's and MLPerf Tiny's): 9 convolutions, 3 residual ADDs, pool, reshape, FC, softmax.
    path = model_path(name)
    result = cli("check", path)
    assert result.exit_code == 0, result
    assert "CONV_2D" in result.stdout and "OK: TFLM can run this model" in result.stdout
    result = cli("check", path, "--json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["ok"] is True and doc["model_kind"] == "int8"
    assert {c["name"] for c in doc["operator_codes"] if c["count"]} == {
        "CONV_2D", "ADD", "AVERAGE_POOL_2D", "RESHAPE", "FULLY_CONNECTED", "SOFTMAX"}
    assert len(doc["operators"]) == 16


def test_cli_check_unsupported_exits_1(cli, tmp_path):
    path = tmp_path / "asym.tflite"
    path.write_bytes(int8_fc_model(weight_zero_point=3))
    result = cli("check", path)
    assert result.exit_code == 1
    assert "NOT SUPPORTED" in result.stdout and "asymmetrically quantized" in result.stdout
    doc = json.loads(cli("check", path, "--json").stdout)
    assert doc["ok"] is False and doc["errors"][0]["kind"] == "asymmetric_weights"


def test_cli_check_float_model_runs(cli, tmp_path):
    """TFLM's float kernels run a float model: check says so (--allow-float is still accepted)."""
    path = tmp_path / "float.tflite"
    path.write_bytes(int8_fc_model(activation_dtype="float32", weight_dtype="float32"))
    for args in ((), ("--allow-float",)):
        result = cli("check", path, *args)
        assert result.exit_code == 0 and "float" in result.stdout and "OK: TFLM can run" in result.stdout


@pytest.mark.parametrize("content", [b"", b"not a model at all" * 10, None])
def test_cli_check_bad_files(cli, tmp_path, content):
    path = tmp_path / "bad.tflite"
    if content is None:  # truncated real model
        content = corpus_model_path("dscnn_kws_int8").read_bytes()[:5000]
    path.write_bytes(content)
    assert_one_line_error(cli("check", path), code=2)
    assert_one_line_error(cli("check", tmp_path / "missing.tflite"), code=2)


def _signal_model():
    """int16 audio in, a custom signal operator, int32 out (like TFLM's audio front ends)."""
    b = ModelBuilder()
    x = b.tensor("audio", (1, 160), "int16")
    y = b.tensor("energy", (1, 40), "int32")
    b.op("CUSTOM", [x], [y], custom_code="SignalEnergy")
    return b.build(inputs=[x], outputs=[y])


def test_errors_name_what_the_model_holds(cli, tmp_path):
    """A model with int16/int32 tensors and custom signal operators is not called 'a float model'."""
    from converter.tflm.check import classify_model, describe_model
    from converter.tflite_model import load_model as load

    path = tmp_path / "signal.tflite"
    path.write_bytes(_signal_model())
    model = load(path)
    assert classify_model(model) == "integer"
    text = describe_model(model)
    assert "int16 x1" in text and "int32 x1" in text and "SignalEnergy" in text and "float" not in text
    # the arena estimator models the signal operators (e2d1b42): the report runs and never calls the model float
    result = cli("report", "--runtime", "tflm", path)
    assert result.exit_code == 0, result.stderr
    assert "SignalEnergy" in result.stdout and "float model" not in result.stdout


def test_ethos_u_operator_needs_an_npu_build():
    b = ModelBuilder()
    x = b.tensor("x", (1, 8), "int8", scale=0.1, zero_point=0)
    y = b.tensor("y", (1, 8), "int8", scale=0.1, zero_point=0)
    b.op("CUSTOM", [x], [y], custom_code="ethos-u")
    result = _check(b.build(inputs=[x], outputs=[y]))
    assert [f.kind for f in result.errors] == ["unsupported_operator"] and "Ethos-U" in result.errors[0].message
