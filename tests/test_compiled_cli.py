"""check and report with the compiled runtime: which runtime runs each operator, RAM/flash side by side."""

import json

import pytest

from tests.conftest import assert_one_line_error
from tests.test_compiled_fc import fc_model, two_layer_with_reshape
from tests.tflite_builder import ModelBuilder


def _fc_tanh(b):
    """A FULLY_CONNECTED with a fused TANH: TFLM runs it, the compiled runtime refuses the fused TANH."""
    x = b.tensor("x", (1, 4), "int8", scale=0.1, zero_point=0)
    w = b.tensor("w", (4, 4), "int8", scale=0.02, zero_point=0, constant=True)
    y = b.tensor("y", (1, 4), "int8", scale=0.1, zero_point=0)
    b.op("FULLY_CONNECTED", [x, w, -1], [y], version=4, options={"type": "fully_connected", "activation": "TANH"})
    return x, y


@pytest.fixture
def unsupported_model(tmp_path):
    b = ModelBuilder()
    x, y = _fc_tanh(b)
    z = b.tensor("z", (1, 4), "int8", scale=0.1, zero_point=0)
    b.op("CUSTOM", [y], [z], custom_code="NoSuchKernel")  # a custom operator no runtime has a kernel for
    path = tmp_path / "odd.tflite"
    path.write_bytes(b.build(inputs=[x], outputs=[z]))
    return path


def test_check_lists_the_compiled_runtime_per_operator(unsupported_model, tmp_path, cli):
    result = cli("check", unsupported_model)
    rows = [line for line in result.stdout.splitlines() if line[:3].strip().isdigit()]
    assert "no: fused TANH" in rows[0] and "no: no kernel" in rows[1]
    assert "NOT SUPPORTED by the compiled runtime: 2 operators" in result.stdout

    good = tmp_path / "good.tflite"
    good.write_bytes(two_layer_with_reshape())
    result = cli("check", good, "--json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["ok"] is True and doc["compiled"]["ok"] is True
    assert [o["supported"] for o in doc["compiled"]["operators"]] == [True, True, True]
    assert "OK: the compiled runtime can run this model" in cli("check", good).stdout

    doc = json.loads(cli("check", unsupported_model, "--json").stdout)
    assert doc["compiled"]["ok"] is False
    assert doc["compiled"]["operators"][1]["reason"] == "no kernel"


def test_report_both_runtimes_side_by_side(tmp_path, cli):
    model = tmp_path / "m.tflite"
    model.write_bytes(fc_model(batch_shape=(4,), in_depth=64, units=32, seed=3))
    html = tmp_path / "r.html"
    result = cli("report", model, "--runtime", "both", "--board", "mps2-an386", "--json", "--html", html)
    assert result.exit_code == 0, result
    doc = json.loads(result.stdout)
    for key in ("arena", "flash", "board", "operators", "arena_timeline"):  # TFLM's keys stay
        assert key in doc
    tflm, compiled = doc["runtimes"]["tflm"], doc["runtimes"]["compiled"]
    assert tflm["ram"]["arena"] == doc["arena"]["required"]
    assert compiled["ram"]["arena"] == 256 + 128  # input 4x64, output 4x32, both 16-aligned, live together
    assert compiled["ram"]["arena"] < tflm["ram"]["arena"]
    # int16 weights (a DSP core: an_fully_connected_s8_w16) + per channel the folded bias, multiplier and shift
    assert compiled["flash"]["constants"] == 2 * 64 * 32 + 3 * 32 * 4
    assert compiled["board"]["fits"] and tflm["board"]["fits"]
    assert "Runtimes side by side" in html.read_text()

    text = cli("report", model, "--runtime", "both").stdout
    assert "TFLM interpreter" in text and "compiled runtime" in text and "compiled / TFLM: arena" in text

    plain = json.loads(cli("report", "--runtime", "tflm", model, "--json").stdout)
    assert "runtimes" not in plain  # TFLM's own report has no side-by-side table


def test_report_compiled_only(tmp_path, cli, unsupported_model):
    model = tmp_path / "m.tflite"
    model.write_bytes(two_layer_with_reshape())
    result = cli("report", model, "--runtime", "compiled", "--board", "rpi-pico", "--json")
    assert result.exit_code == 0, result
    doc = json.loads(result.stdout)
    assert doc["runtime"] == "compiled" and doc["total_macs"] == 270
    assert doc["runtimes"]["compiled"]["ram"]["arena"] == 48
    assert doc["runtimes"]["compiled"]["board"]["name"] == "rpi-pico"
    assert "compiled runtime" in cli("report", model, "--runtime", "compiled").stdout

    line = assert_one_line_error(cli("report", unsupported_model, "--runtime", "compiled"))
    assert "NoSuchKernel(int8 -> int8): no kernel" in line and "--runtime tflm" in line
    # both: TFLM runs it, the compiled side says why it cannot (a model the TFLM arena estimator models)
    b = ModelBuilder()
    x, y = _fc_tanh(b)
    tanh = tmp_path / "tanh.tflite"
    tanh.write_bytes(b.build(inputs=[x], outputs=[y]))
    text = cli("report", tanh, "--runtime", "both").stdout
    assert "compiled runtime cannot run this model" in text


def test_one_default_runtime_compiled_for_generate_report_and_validate(tmp_path, cli):
    # generate, report and validate default to the compiled runtime (it builds with arm-none-eabi-gcc
    # alone); report falls back to TFLM's report only for the options that are TFLM's.
    from attendnets.cli import cli as group
    from codegen.runtimes import DEFAULT_RUNTIME

    assert DEFAULT_RUNTIME == "compiled"
    for name in ("generate", "validate"):
        option = next(p for p in group.get_command(None, name).params if p.name == "runtime")
        assert option.default == "compiled", name
    model = tmp_path / "m.tflite"
    model.write_bytes(fc_model(batch_shape=(4,), in_depth=64, units=32, seed=3))
    result = cli("generate", model, "--board", "mps2-an386", "--out", tmp_path / "fw")
    assert result.exit_code == 0, result
    assert json.loads((tmp_path / "fw" / "project.json").read_text())["runtime"] == "compiled"
    assert (tmp_path / "fw" / "src" / "model.c").is_file() and not (tmp_path / "fw" / "src" / "model.cc").exists()
    assert json.loads(cli("report", model, "--json").stdout)["runtime"] == "compiled"
    assert "arena_timeline" in json.loads(cli("report", model, "--target", "host", "--json").stdout)  # TFLM's
