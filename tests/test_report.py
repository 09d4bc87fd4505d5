"""The memory report: figures, writers (text, JSON), board fit, bad input, no TensorFlow."""

import json
from pathlib import Path

import pytest

from codegen.boards import get_board
from converter.tflm.arena import estimate_arena
from converter.report.macs import model_elementwise_mults, model_macs
from converter.report.build import build_memory_report
from converter.tflm.code_size import code_size_table, estimate_code_bytes
from converter.report.json_format import format_report_json
from converter.report.text_format import format_report
from converter.tflite_model import load_model

from conftest import (assert_one_line_error, corpus_model_path, model_params, model_path, packages_imported_by,
                      shared_present)
from tflite_builder import ModelBuilder, int8_fc_model

# MLPerf Tiny publishes these MAC counts for its two reference models.
# MACs as docs/architectures.md defines them (the matrix operators; the final average pools'
# accumulations, 3x3x256 and 8x8x64, are not MACs).
KNOWN_MACS = {"vww_96_int8.tflite": 7_491_968 - 3 * 3 * 256, "pretrainedResnet_quant.tflite": 12_505_728 - 8 * 8 * 64}
# The LSTM example: 28 steps x 4 gates x 20 cells x (28 inputs + 20 recurrent), and the final FC;
# its 3 x 20 cell products per step are element-wise multiplies, counted apart.
KNOWN_MACS["trained_lstm_int8.tflite"] = 28 * (4 * 20 * (28 + 20)) + 560 * 10
KNOWN_ELEMENTWISE = {"trained_lstm_int8.tflite": 28 * 3 * 20}
# The corpus (tests/corpus.py), counted from its architectures.  Its ResNet-8 is MLPerf's.
KNOWN_MACS["resnet8_int8"] = KNOWN_MACS["pretrainedResnet_quant.tflite"]
# VWW's MobileNet with one input channel instead of three: the stem (48x48x8 outputs x 3x3 taps) loses 2/3.
KNOWN_MACS["mobilenet_v1_025_person_int8"] = KNOWN_MACS["vww_96_int8.tflite"] - 48 * 48 * 8 * 9 * 2
# Stem 10x4 conv to 25x5x64, 4 x (3x3 depthwise + 64x64 pointwise), 64 -> 12 dense (the pool: no MACs).
KNOWN_MACS["dscnn_kws_int8"] = 25 * 5 * 64 * 10 * 4 + 4 * (25 * 5 * 64 * 9 + 25 * 5 * 64 * 64) + 64 * 12
# 16 LSTM cells: 28 steps x 4 gates x 16 x (28 + 16), then 16 -> 10; 3 x 16 cell products per step.
KNOWN_MACS["lstm_int8"] = KNOWN_MACS["lstm_float"] = 28 * 4 * 16 * (28 + 16) + 16 * 10
KNOWN_ELEMENTWISE["lstm_int8"] = KNOWN_ELEMENTWISE["lstm_float"] = 28 * 3 * 16
# MLPerf's AD reference 640-128x4-8-128x4-640 (int8); the float and 16x8 variants, 128-64-64-8-64-64-128.
KNOWN_MACS["autoencoder_int8"] = 2 * (640 * 128 + 3 * 128 * 128 + 128 * 8)
for _kind in ("float", "int16x8"):
    KNOWN_MACS[f"autoencoder_{_kind}"] = 2 * (128 * 64 + 64 * 64 + 64 * 8)
# SVDF: 8 filters x 16 features + 8 filters x 8 memory steps; then 8 -> 4.
KNOWN_MACS["svdf_int8"] = KNOWN_MACS["svdf_float"] = 8 * 16 + 8 * 8 + 8 * 4

MODELS = model_params()


@pytest.mark.parametrize("suite_model", [p for p in MODELS if p.values[0][1] in KNOWN_MACS], indirect=True)
def test_macs_of_every_model_with_a_known_count(suite_model):
    model = load_model(suite_model.path)
    assert sum(model_macs(model)) == KNOWN_MACS[suite_model.name]
    assert sum(model_elementwise_mults(model)) == KNOWN_ELEMENTWISE.get(suite_model.name, 0)


@pytest.mark.parametrize("suite_model", MODELS, indirect=True)
def test_report_of_every_model(suite_model):
    model = load_model(suite_model.path)
    report = suite_model.run("report", build_memory_report, model)
    if report is None:
        return  # refused with a one-line error naming what it found (asserted by run)
    est = estimate_arena(model, pointer_bytes=4, kernels="reference")
    sg = model.main_subgraph
    assert [o.name for o in report.operators] == [op.name for op in sg.operators]
    assert [o.macs for o in report.operators] == model_macs(model)
    a = report.arena
    assert (a.total_bytes, a.head_bytes, a.tail_bytes, a.required_bytes) == (
        est.total_bytes, est.head_bytes, est.tail_bytes, est.required_bytes)
    assert a.head_bytes + a.tail_bytes == a.total_bytes
    assert sum(a.categories.values()) + a.other_tail_bytes == a.tail_bytes and a.other_tail_bytes >= 0
    # Activation bytes: the op's own inputs and outputs are live while it runs (variable
    # tensors, e.g. the LSTM state, are persistent: they live in the tail, not in the plan).
    for op, row in zip(sg.operators, report.operators):
        own = {i for i in list(op.inputs) + list(op.outputs) if i >= 0 and not sg.tensor(i).is_constant
               and not sg.tensor(i).is_variable and sg.tensor(i).size_bytes > 0}
        assert row.activation_bytes >= sum(sg.tensor(i).size_bytes for i in own)
        assert row.activation_bytes + row.scratch_bytes <= a.head_bytes
    assert report.peak_live_bytes == max(o.live_bytes for o in report.operators)
    assert report.operators[report.peak_op_index].live_bytes == report.peak_live_bytes
    # Weight bytes: every constant buffer used by an operator, counted once.
    assert 0 < report.weight_bytes < model.size_bytes
    assert report.flash.model_bytes == model.size_bytes
    f = report.flash
    assert f.code_bytes == f.runtime_code_bytes + sum(f.kernel_code_bytes.values()) + f.shared_code_bytes
    assert f.shared_code_bytes <= 0 and f.code_bytes > f.runtime_code_bytes
    # kernels of every subgraph's operators (control-flow bodies included)
    assert set(report.flash.kernel_code_bytes) == {op.name for g in model.subgraphs for op in g.operators}
    if suite_model.name in KNOWN_MACS:
        assert report.total_macs == KNOWN_MACS[suite_model.name]
        assert report.total_elementwise_mults == KNOWN_ELEMENTWISE.get(suite_model.name, 0)


@pytest.mark.parametrize("suite_model", model_params(corpus_names=["dscnn_kws_int8", "lstm_int8", "autoencoder_int16x8",
                                                                   "attendnet_b_int8"], shared_names=[]),
                         indirect=True)
def test_host_target_matches_the_interpreter(suite_model):
    from converter.tflm.arena_measure import measure_arena

    report = build_memory_report(load_model(suite_model.path), target="host")
    meas = measure_arena(suite_model.path)
    assert report.arena.pointer_bytes == 8
    suite_model.expect_exact("arena-exact", lambda: _same_totals(report.arena, meas))


def _same_totals(arena, meas):
    assert (arena.total_bytes, arena.head_bytes, arena.tail_bytes, arena.required_bytes) == (
        meas.total_bytes, meas.head_bytes, meas.tail_bytes, meas.required_bytes)


def test_host_target_matches_the_interpreter_totals_in_the_readme():
    # ../shared/models/README.md: arena totals recorded by the tflite-micro interpreter (64-bit host).
    for name, recorded in (("vww_96_int8.tflite", 103_680), ("trained_lstm_int8.tflite", 4_208),
                           ("hello_world_int8.tflite", 1_504)):
        report = build_memory_report(load_model(model_path(name)), target="host")
        assert report.arena.pointer_bytes == 8
        assert report.arena.total_bytes == recorded, name


@pytest.mark.parametrize("name", ["mobilenet_v1_025_person_int8", *shared_present("vww_96_int8.tflite")])
def test_mobilenet_peak_is_the_first_pointwise_conv(name):
    report = build_memory_report(load_model(model_path(name)))
    # Op 2 reads 48x48x8 and writes 48x48x16 int8: 18,432 + 36,864 bytes.
    assert report.peak_op_index == 2 and report.peak_op_name == "CONV_2D"
    assert report.peak_live_bytes == 18_432 + 36_864


def test_code_size_table_is_data_with_its_method():
    """The TFLM code table: measured per board and kernel set (bench/tflm_code_size.py), every builtin
    operator of tflm_ops.json with its linked sections, for both kernel sets."""
    table = code_size_table()
    assert "bench/tflm_code_size.py" in table["what"] and table["default_board"] in table["boards"]
    ops_doc = json.loads((Path(__file__).parents[1] / "converter/tflm/tflm_ops.json").read_text())
    assert MEASURED_KERNEL_SETS <= set(table["boards"][table["default_board"]]["kernels"])
    for board in table["boards"].values():
        assert "cmsis-nn" in board["kernels"]
        for kernels, entry in board["kernels"].items():
            assert entry["runtime_bytes"] > 10_000 and entry["application_bytes"] > 2_000
            measured = table["cpus"][board["cpu"]]["kernels"][kernels]
            assert set(ops_doc["builtin_ops"]) - set(measured["operators"]) <= UNLINKABLE_OPERATORS
            assert all(0 <= i < len(measured["sections"]) for i in entry["base_sections"])
    conv = estimate_code_bytes(["CONV_2D"], "cmsis-nn").kernel_bytes["CONV_2D"]
    assert conv > estimate_code_bytes(["RESHAPE"], "cmsis-nn").kernel_bytes["RESHAPE"] > 0


# Builtins tflm_ops.json lists that no probe links (none today): the estimate takes the median for them.
UNLINKABLE_OPERATORS = set()
# The kernel sets bench/tflm_code_size.py measured on the default board (cmsis-nn on every Cortex-M4F board).
MEASURED_KERNEL_SETS = {"cmsis-nn", "reference"}


def _table(sections, operators, base_sections, runtime=1000, application=500):
    return {"default_board": "mps2-an386", "cpus": {"M4": {"kernels": {"reference": {
                "sections": {f"s{i}": size for i, size in enumerate(sections)}, "operators": operators}}}},
            "boards": {"mps2-an386": {"cpu": "M4", "kernels": {"reference": {
                "runtime_bytes": runtime, "application_bytes": application, "base_sections": base_sections}}}}}


def test_code_estimate_arithmetic(monkeypatch):
    """Without a tree: runtime + application + each operator's sections, a shared section once, a section
    the application's link already holds not again, an unmeasured operator at the median, and the
    fallbacks (another board, another kernel set) said in the method."""
    import converter.tflm.code_size as code_size

    # sections: 0: CONV's kernel, 1: shared helper (CONV, FC), 2: FC's kernel, 3: memcpy (in the base), 4: ADD
    table = _table([400, 100, 60, 30, 20], {"CONV_2D": [0, 1, 3], "FULLY_CONNECTED": [1, 2], "ADD": [4]}, [3])
    monkeypatch.setattr(code_size, "code_size_table", lambda: table)
    one = code_size.estimate_code_bytes(["CONV_2D"], "reference", get_board("mps2-an386"))
    assert (one.runtime_bytes, one.kernel_bytes, one.shared_correction_bytes) == (1000, {"CONV_2D": 500}, 0)
    assert one.total_bytes == 1500 and one.application_bytes == 500 and one.firmware_bytes == 2000
    two = code_size.estimate_code_bytes(["CONV_2D", "FULLY_CONNECTED", "CONV_2D"], "reference")
    assert two.kernel_bytes == {"CONV_2D": 500, "FULLY_CONNECTED": 160} and two.shared_correction_bytes == -100
    assert two.firmware_bytes == 1000 + 500 + 400 + 100 + 60
    unknown = code_size.estimate_code_bytes(["ADD", "FOO"], "reference")
    assert unknown.kernel_bytes == {"ADD": 20, "FOO": 160} and "FOO not measured" in unknown.method  # median
    other = code_size.estimate_code_bytes(["ADD"], "cmsis-nn", get_board("rpi-pico"))
    assert other.firmware_bytes == 1520
    assert "rpi-pico (cortex-m0plus) not measured: mps2-an386's" in other.method
    assert "no cmsis-nn measurement in the table: reference-kernel figures used" in other.method
    assert "(mps2-an386, reference kernels: runtime 1000 B + application 500 B" in other.method


def test_report_fit_counts_the_boards_own_application():
    """report's fit and generate's code figure are the estimate's firmware bytes (TFLM + application)."""
    model = load_model(model_path("mobilenet_v1_025_person_int8"))
    report = build_memory_report(model, board=get_board("mps2-an386"))
    code = estimate_code_bytes(model.operator_names(), "reference", get_board("mps2-an386"))
    assert report.flash.firmware_code_bytes == code.firmware_bytes
    assert report.board.flash_used_bytes == model.size_bytes + code.firmware_bytes
    assert report.flash.application_code_bytes == code.application_bytes > 0


@pytest.mark.parametrize("name", ["mobilenet_v1_025_person_int8", *shared_present("vww_96_int8.tflite")])
def test_report_code_is_the_code_size_estimate(name):
    model = load_model(model_path(name))
    flash = build_memory_report(model).flash
    assert flash.code_bytes == estimate_code_bytes(model.operator_names(), "reference").total_bytes


@pytest.mark.parametrize("name", ["mobilenet_v1_025_person_int8", *shared_present("vww_96_int8.tflite")])
def test_board_fit_and_verdict(name):
    model = load_model(model_path(name))
    board = get_board("stm32f746g-disco")
    report = build_memory_report(model, board=board)
    fit = report.board
    assert fit.fits and fit.verdict == "FITS"
    # what the generated firmware holds (converter.report.fit, the check generate makes)
    from converter.report.fit import DEFAULT_HEAP_BYTES, DEFAULT_STACK_BYTES, STATIC_DATA_ALLOWANCE_BYTES, arena_bytes_for

    assert fit.flash_used_bytes == report.flash.total_bytes
    assert fit.ram_used_bytes == (arena_bytes_for(report.arena.required_bytes) + DEFAULT_STACK_BYTES
                                  + DEFAULT_HEAP_BYTES + STATIC_DATA_ALLOWANCE_BYTES)
    assert fit.flash_headroom_pct == pytest.approx(100 * (board.flash_bytes - fit.flash_used_bytes) / board.flash_bytes)
    text = format_report(report)
    assert "verdict: FITS" in text and f"{fit.ram_headroom_pct:6.1f}%" in text


@pytest.mark.parametrize("name", ["resnet8_int8", *shared_present("pretrainedResnet_quant.tflite")])
def test_json_has_every_figure(name):
    model = load_model(model_path(name))
    report = build_memory_report(model, board=get_board("nucleo-l4r5zi"))
    doc = json.loads(format_report_json(report))
    assert doc["arena"]["total"] == report.arena.total_bytes and doc["arena"]["required"] == report.arena.required_bytes
    assert {"total", "head", "tail", "required", "categories"} <= set(doc["arena"])
    assert doc["peak_live_bytes"] == report.peak_live_bytes and doc["peak_operator"]["name"] == report.peak_op_name
    assert doc["total_macs"] == 12_505_728 - 8 * 8 * 64
    assert doc["flash"]["total"] == doc["flash"]["model"] + doc["flash"]["code"] + doc["flash"]["application_code"]
    assert doc["flash"]["firmware_code"] == doc["flash"]["code"] + doc["flash"]["application_code"]
    assert doc["board"]["verdict"] == "FITS" and doc["board"]["fits_ram"] is True
    op = doc["operators"][0]
    assert set(op) >= {"name", "input_shapes", "output_shapes", "macs", "weight_bytes", "activation_bytes",
                       "scratch_bytes"}
    assert len(doc["arena_timeline"]) == len(report.boxes)


def _write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _big_flash_model():
    b = ModelBuilder()  # 1 MiB of int8 weights: more flash than the Arduino Nano 33 BLE has
    x = b.tensor("x", (1, 1024), "int8", scale=0.1, zero_point=0)
    w = b.tensor("w", (1024, 1024), "int8", scale=0.01, zero_point=0, constant=True)
    y = b.tensor("y", (1, 1024), "int8", scale=0.1, zero_point=0)
    b.op("FULLY_CONNECTED", [x, w, -1], [y], version=4, options={"type": "fully_connected"})
    return b.build([x], [y])


def _big_ram_model():
    b = ModelBuilder()  # 2 x 200,000 B of live activations: more than the Pico's 264 KiB
    x = b.tensor("x", (1, 200_000), "int8", scale=0.1, zero_point=0)
    y = b.tensor("y", (1, 200_000), "int8", scale=0.1, zero_point=0)
    b.op("RELU", [x], [y])
    return b.build([x], [y])


def test_does_not_fit_names_the_resource(cli, tmp_path):
    path = _write(tmp_path, "big_flash.tflite", _big_flash_model())
    result = cli("report", "--runtime", "tflm", path, "--board", "arduino-nano-33-ble-sense")
    assert result.exit_code == 4, result  # does not fit: 4, apart from "cannot analyse" (1)
    assert "verdict: DOES NOT FIT (flash)" in result.stdout
    path = _write(tmp_path, "big_ram.tflite", _big_ram_model())
    result = cli("report", "--runtime", "tflm", path, "--board", "rpi-pico", "--json")
    assert result.exit_code == 4
    doc = json.loads(result.stdout)
    assert doc["board"]["verdict"] == "DOES NOT FIT (RAM)" and doc["board"]["ram_headroom_pct"] < 0


@pytest.mark.parametrize("name", ["dscnn_kws_int8", *shared_present("micro_speech_quantized.tflite")])
def test_cli_text_json_and_html(cli, tmp_path, name):
    path = model_path(name)
    result = cli("report", "--runtime", "tflm", path, "--board", "nrf5340dk")
    assert result.exit_code == 0, result
    for text in ("DEPTHWISE_CONV_2D", "peak live memory", "required", "TFLM code", "verdict: FITS"):
        assert text in result.stdout
    html_path = tmp_path / "r.html"
    result = cli("report", "--runtime", "tflm", path, "--json", "--html", html_path)
    assert result.exit_code == 0
    doc = json.loads(result.stdout)  # only the JSON object on stdout
    assert doc["arena"]["required"] > 0
    page = html_path.read_text()
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 3
    assert path.name in page
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left behind


@pytest.mark.parametrize("name", ["autoencoder_int8", *shared_present("hello_world_int8.tflite")])
def test_measure_prints_estimate_and_measurement(cli, name):
    from converter.tflm.arena_measure import measure_arena

    path = model_path(name)
    result = cli("report", "--runtime", "tflm", path, "--target", "host", "--measure", "--json")
    assert result.exit_code == 0, result
    m = json.loads(result.stdout)["measurement"]
    meas = measure_arena(path)
    assert (m["used_bytes"], m["required_bytes"]) == (meas.total_bytes, meas.required_bytes)
    assert (m["estimate_used_bytes"], m["estimate_required_bytes"]) == (meas.total_bytes, meas.required_bytes)
    if name == "hello_world_int8.tflite":  # the figures: hello_world records 1,504 B and needs 1,936 B
        assert (m["used_bytes"], m["required_bytes"]) == (1_504, 1_936)


def test_bad_inputs_one_line_errors(cli, tmp_path):
    model = corpus_model_path("autoencoder_int8")
    line = assert_one_line_error(cli("report", "--runtime", "tflm", model, "--board", "stm32f746-disco"), code=2)
    assert "stm32f746g-disco" in line  # a close-name suggestion
    asym = _write(tmp_path, "asym.tflite", int8_fc_model(weight_zero_point=5))
    line = assert_one_line_error(cli("report", "--runtime", "tflm", asym), code=1)
    assert "asymmetrically" in line
    line = assert_one_line_error(cli("report", "--runtime", "tflm", model, "--html", tmp_path / "missing" / "r.html"), code=2)
    assert "does not exist" in line
    assert_one_line_error(cli("report", "--runtime", "tflm", tmp_path / "nope.tflite"), code=2)
    assert_one_line_error(cli("report", "--runtime", "tflm", model, "--target", "risc-v"), code=2)


def test_unmodelled_operator_is_an_error_not_a_guess(cli, tmp_path):
    # An operator the arena estimator does not model (Ethos-U's custom operator: TFLM registers it only in
    # NPU builds, so no estimate exists for it) gives a one-line error naming it, never a silent guess.
    b = ModelBuilder()
    x = b.tensor("x", (1, 8), "int8", scale=0.1, zero_point=0)
    y = b.tensor("y", (1, 8), "int8", scale=0.1, zero_point=0)
    b.op("CUSTOM", [x], [y], custom_code="ethos-u")
    path = _write(tmp_path, "ethos_u.tflite", b.build([x], [y]))
    result = cli("report", "--runtime", "tflm", path)
    line = assert_one_line_error(result)
    assert "ethos-u" in line


def test_float_model_is_reported(cli, tmp_path):
    """TFLM's float kernels run float models: the report covers them like int8 ones."""
    float_model = _write(tmp_path, "float.tflite", int8_fc_model(activation_dtype="float32", weight_dtype="float32"))
    result = cli("report", "--runtime", "tflm", float_model, "--json", "--kernels", "reference")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    from converter.tflm.arena import estimate_arena

    assert doc["arena"]["required"] == estimate_arena(float_model, pointer_bytes=4).required_bytes


def test_html_written_atomically_on_failure(cli, tmp_path):
    html_path = tmp_path / "r.html"
    asym = _write(tmp_path, "asym.tflite", int8_fc_model(weight_zero_point=5))
    assert cli("report", "--runtime", "tflm", asym, "--html", html_path).exit_code == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["asym.tflite"]


def test_report_does_not_import_tensorflow(tmp_path):
    code = (
        "from attendnets.cli import main\n"
        f"rc = main(['report', {str(corpus_model_path('mobilenet_v1_025_person_int8'))!r}, '--board', 'mps2-an386', "
        f"'--html', {str(tmp_path / 'r.html')!r}, '--json'])\n"
        "rc2 = main(['check', " + repr(str(corpus_model_path('lstm_int8'))) + "])\n"
        "rc3 = main(['inspect', " + repr(str(corpus_model_path('dscnn_kws_int8'))) + "])\n"
        "assert rc == rc2 == rc3 == 0, (rc, rc2, rc3)\n"
    )
    assert packages_imported_by(code, ("tensorflow", "keras", "tf_keras")) == []


@pytest.mark.parametrize("name", ["mobilenet_v1_025_person_int8", *shared_present("vww_96_int8.tflite")])
def test_cmsis_nn_kernels(cli, name):
    path = model_path(name)
    result = cli("report", "--runtime", "tflm", path, "--kernels", "cmsis-nn", "--json")
    if result.exit_code != 0 and "cmsis-nn" in result.stderr:
        pytest.skip(f"arena estimator: {result.stderr.strip()}")
    assert result.exit_code == 0, result
    doc = json.loads(result.stdout)
    assert doc["kernels"] == "cmsis-nn"
    reference = json.loads(cli("report", "--runtime", "tflm", path, "--json", "--kernels", "reference").stdout)
    # CMSIS-NN convolutions ask for scratch buffers the reference kernels do not.
    assert sum(o["scratch_bytes"] for o in doc["operators"]) > sum(o["scratch_bytes"] for o in reference["operators"])
    assert "cmsis-nn kernels" in doc["flash"]["code_method"]
    if "reference" in MEASURED_KERNEL_SETS:
        assert doc["flash"]["code"] != reference["flash"]["code"]
        assert "reference kernels" in reference["flash"]["code_method"]


def test_report_shows_every_subgraph(cli, tmp_path):
    """A control-flow model: the report lists the operators of the IF's two branch subgraphs too."""
    from test_arena_ops import _if_model

    path = _write(tmp_path, "if.tflite", _if_model("int8"))
    result = cli("report", "--runtime", "tflm", path)
    assert result.exit_code == 0, result.stderr
    assert "subgraph 1" in result.stdout and "subgraph 2" in result.stdout
    assert "RELU6" in result.stdout
    doc = json.loads(cli("report", "--runtime", "tflm", path, "--json").stdout)
    assert [o["name"] for o in doc["operators"]] == ["IF"]
    assert [(g["index"], [o["name"] for o in g["operators"]]) for g in doc["subgraphs"]] == [(1, ["RELU"]),
                                                                                            (2, ["RELU6"])]
    # each branch's own tensors (an int8 [1, 8] input and output, 16 bytes each as planned) are live in it
    assert doc["subgraphs"][0]["operators"][0]["activation_bytes"] == 32
