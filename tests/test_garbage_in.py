"""Never accept garbage in silence (issue 14, sections 3 and 4): bad samples, bad arguments, and the
messages the TF-free commands give.  Models are built in the test; no TensorFlow, no shared models."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import assert_one_line_error

sys.path.insert(0, str(Path(__file__).parent))
from tflite_builder import ModelBuilder, int8_fc_model  # noqa: E402


@pytest.fixture
def fc_model(tmp_path):
    path = tmp_path / "fc.tflite"
    path.write_bytes(int8_fc_model())
    return path


def two_input_add_model():
    b = ModelBuilder()
    x = b.tensor("x", (1, 4), "int8", scale=0.1, zero_point=3)
    y = b.tensor("y", (1, 4), "int8", scale=0.1, zero_point=-5)
    z = b.tensor("z", (1, 4), "int8", scale=0.2, zero_point=0)
    b.op("ADD", [x, y], [z], version=1, options={"type": "add"})
    return b.build(inputs=[x, y], outputs=[z])


def generate(cli, model, out, *args):
    return cli("generate", "--runtime", "tflm", model, "--board", "mps2-an386", "--out", out, "--kernels", "reference", *args)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_sample_with_nan_or_infinity_is_refused(cli, fc_model, tmp_path, bad):
    """NaN gave int8 arrays of -9223372036854775808 and a leaked NumPy warning."""
    values = np.array([0.1, bad, 0.2, 0.3], dtype=np.float32)
    np.save(tmp_path / "s.npy", values)
    result = generate(cli, fc_model, tmp_path / "fw", "--sample", tmp_path / "s.npy")
    line = assert_one_line_error(result, 2)
    assert "NaN or infinite" in line and "index 1" in line
    assert "RuntimeWarning" not in result.stderr and not (tmp_path / "fw").exists()


def test_sample_out_of_range_is_saturated_and_said(cli, fc_model, tmp_path):
    np.save(tmp_path / "s.npy", np.array([0.1, 1e30, -50.0, 0.3], dtype=np.float32))
    result = generate(cli, fc_model, tmp_path / "fw", "--sample", tmp_path / "s.npy")
    assert result.exit_code == 0, result
    assert "2 of 4 values lie outside" in result.stdout and "saturated" in result.stdout
    text = (tmp_path / "fw" / "src" / "sample_input.cc").read_text()
    assert "-9223372036854775808" not in text and "127" in text and "-128" in text


def test_multi_input_model_says_where_the_sample_goes(cli, tmp_path):
    model = tmp_path / "add.tflite"
    model.write_bytes(two_input_add_model())
    np.save(tmp_path / "s.npy", np.array([0.1, 0.2, 0.3, 0.4], dtype=np.float32))
    result = generate(cli, model, tmp_path / "fw", "--sample", tmp_path / "s.npy")
    assert result.exit_code == 0, result
    assert "input 0: s.npy" in result.stdout and "2 inputs: input 1 holds its zero point" in result.stdout
    result = generate(cli, model, tmp_path / "fw")
    assert "2 inputs" in result.stdout


def test_train_resume_needs_a_run_to_continue(cli, tmp_path):
    """`train --resume` on a folder that does not exist started a fresh 20-epoch run without a word."""
    line = assert_one_line_error(cli("train", "--arch", "attendnet_a", "--data", "digits", "--out",
                                     tmp_path / "nope", "--resume"), 2)
    assert "--resume" in line and "does not exist" in line and not (tmp_path / "nope").exists()
    (tmp_path / "empty").mkdir()
    line = assert_one_line_error(cli("train", "--arch", "attendnet_a", "--data", "digits", "--out",
                                     tmp_path / "empty", "--resume"), 2)
    assert "no train_config.json" in line and list((tmp_path / "empty").iterdir()) == []


def test_report_board_empty_is_refused_like_generate(cli, fc_model, tmp_path):
    """report --board '' ignored the board; generate --board '' refuses it."""
    line = assert_one_line_error(cli("report", "--runtime", "tflm", fc_model, "--board", ""), 2)
    assert "unknown board ''" in line
    assert "unknown board ''" in assert_one_line_error(generate_on(cli, fc_model, tmp_path / "fw", ""), 2)


def generate_on(cli, model, out, board):
    return cli("generate", "--runtime", "tflm", model, "--board", board, "--out", out, "--kernels", "reference")


def test_does_not_fit_and_cannot_analyse_have_different_exit_codes(cli, tmp_path):
    b = ModelBuilder()  # 2 x 300,000 B of live activations: more than the Pico's RAM
    x = b.tensor("x", (1, 300_000), "int8", scale=0.1, zero_point=0)
    y = b.tensor("y", (1, 300_000), "int8", scale=0.1, zero_point=0)
    b.op("RELU", [x], [y])
    big = tmp_path / "big.tflite"
    big.write_bytes(b.build([x], [y]))
    result = cli("report", "--runtime", "tflm", big, "--board", "rpi-pico")
    assert result.exit_code == 4 and "DOES NOT FIT" in result.stdout, result
    assert generate_on(cli, big, tmp_path / "fw", "rpi-pico").exit_code == 4

    asym = tmp_path / "asym.tflite"  # int8 weights with a non-zero zero point: TFLM refuses them
    asym.write_bytes(int8_fc_model(weight_zero_point=5))
    result = cli("report", "--runtime", "tflm", asym, "--board", "rpi-pico")
    assert result.exit_code == 1, result
    assert cli("report", "--runtime", "tflm", tmp_path / "missing.tflite").exit_code == 2


def test_report_and_generate_give_one_fit_answer(cli, tmp_path):
    """report said DOES NOT FIT (flash) on mps3-an547 for a model generate places in the board's model
    region, and FITS (arena only) on the Nano 33 BLE where generate refused (arena + stack + heap + data)."""
    from codegen.boards import get_board
    from converter.report.build import build_memory_report
    from converter.report.fit import (DEFAULT_HEAP_BYTES, DEFAULT_STACK_BYTES, STATIC_DATA_ALLOWANCE_BYTES,
                                      arena_bytes_for)
    from converter.tflite_model import load_model

    def relu_model(elements, weights=0):
        b = ModelBuilder()
        x = b.tensor("x", (1, elements), "int8", scale=0.1, zero_point=0)
        y = b.tensor("y", (1, elements), "int8", scale=0.1, zero_point=0)
        b.op("RELU", [x], [y])
        if weights:  # a big constant the model carries (flash), used by nothing that needs RAM
            w = b.tensor("w", (weights,), "int8", scale=0.1, zero_point=0, constant=True)
            z = b.tensor("z", (weights,), "int8", scale=0.1, zero_point=0)
            b.op("RELU", [w], [z])
            return b.build([x], [y, z])
        return b.build([x], [y])

    # RAM: the arena alone fits the Nano's 256 KiB, arena + stack + heap + static data does not
    nano = get_board("arduino-nano-33-ble-sense")
    other = DEFAULT_STACK_BYTES + DEFAULT_HEAP_BYTES + STATIC_DATA_ALLOWANCE_BYTES
    elements = (nano.ram.size_bytes - other // 2) // 2
    path = tmp_path / "ram.tflite"
    path.write_bytes(relu_model(elements))
    arena = build_memory_report(load_model(path), kernels="reference", board=nano).arena.required_bytes
    assert arena <= nano.ram.size_bytes < arena_bytes_for(arena) + other  # the case of the issue
    report = cli("report", "--runtime", "tflm", path, "--board", nano.name, "--kernels", "reference")
    generate = generate_on(cli, path, tmp_path / "fw", nano.name)
    assert report.exit_code == generate.exit_code == 4, (report, generate)
    assert "DOES NOT FIT (RAM)" in report.stdout
    ram_line = [l for l in report.stdout.splitlines() if l.strip().startswith("RAM")][0]
    assert "stack" in ram_line and "heap" in ram_line and "arena" in ram_line

    # flash: a model bigger than the ITCM code flash, placed in the board's 2 MiB model region
    an547 = get_board("mps3-an547")
    path = tmp_path / "flash.tflite"
    path.write_bytes(relu_model(16, weights=an547.flash_bytes + 1024))
    report = cli("report", "--runtime", "tflm", path, "--board", an547.name, "--kernels", "reference")
    generate = generate_on(cli, path, tmp_path / "fw2", an547.name)
    assert report.exit_code == generate.exit_code == 0, (report, generate)
    assert "verdict: FITS" in report.stdout and "model" in report.stdout and an547.model_region.name in report.stdout
    same = [l.strip() for l in report.stdout.splitlines() if "headroom" in l]
    assert same and all(line in generate.stdout for line in same), (same, generate.stdout)


def test_one_kernel_default_everywhere_stated_in_help(cli, fc_model):
    """check, arena and report defaulted to reference kernels, generate to CMSIS-NN: the arena and code a
    user read in the report were not the firmware's."""
    import re

    from converter.tflm.kernel_allocations import DEFAULT_KERNELS, KERNEL_SETS

    assert DEFAULT_KERNELS == "cmsis-nn" and KERNEL_SETS[0] == DEFAULT_KERNELS
    for command in ("check", "arena", "report", "generate", "optimize"):
        text = " ".join(cli(command, "--help").stdout.split())
        assert "--kernels [cmsis-nn|reference]" in text, command  # one order
        assert re.search(r"\[default: \(?cmsis-nn", text), (command, text)
        assert "Default cmsis-nn: what `attendnets generate` builds" in text, command
    report = json.loads(cli("report", "--runtime", "tflm", fc_model, "--json").stdout)
    arena = json.loads(cli("arena", fc_model, "--json").stdout)
    assert report["kernels"] == arena["kernels"] == "cmsis-nn"
    host = json.loads(cli("arena", fc_model, "--json", "--target", "host").stdout)
    assert host["kernels"] == "reference"  # the tflite-micro package's kernels


def test_printed_next_step_commands_are_shell_quoted(cli, fc_model, tmp_path):
    """Next-step commands printed with paths of spaces and non-ASCII letters did not paste into a shell."""
    import shlex

    out = tmp_path / "my firmware ü"
    result = generate(cli, fc_model, out)
    assert result.exit_code == 0, result
    line = [l for l in result.stdout.splitlines() if l.startswith("next: ")][0]
    words = shlex.split(line[len("next: "):].split("(or ")[0])
    assert words[:3] == ["make", "-C", str(out)], words
    line = assert_one_line_error(cli("size", out), 2)
    assert f"attendnets build {shlex.quote(str(out))})" in line


def test_an_os_refusal_is_one_line_not_an_internal_error(cli, fc_model, tmp_path, monkeypatch):
    """generate --out in an unwritable folder gave 'internal error: PermissionError': any OSError the
    commands meet (permissions, full disk) is said as the OS says it, with the path, exit 2 like every
    path that cannot be read or written (attendnets_base/errors.py; it was 1 here and 2 elsewhere)."""
    import codegen.render as render

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / "fw"))

    monkeypatch.setattr(render.tempfile, "mkdtemp", refuse)
    line = assert_one_line_error(generate(cli, fc_model, tmp_path / "fw"), 2)
    assert line == f"error: Permission denied: {tmp_path / 'fw'}"


def test_check_aggregates_operators_like_inspect(cli, tmp_path):
    """check listed operators per operator-code entry (84 entries for MobileNetV2)."""
    b = ModelBuilder()
    x = b.tensor("x", (1, 4), "int8", scale=0.1, zero_point=0)
    y = b.tensor("y", (1, 4), "int8", scale=0.1, zero_point=0)
    z = b.tensor("z", (1, 4), "int8", scale=0.1, zero_point=0)
    w = b.tensor("w", (1, 4), "int8", scale=0.1, zero_point=0)
    b.op("RELU", [x], [y])
    b.op("RELU", [y], [z])
    b.op("RELU", [z], [w], version=2)
    b.opcodes.append(b.opcodes[0])  # the converter's habit: one code listed again
    b.ops[1] = (len(b.opcodes) - 1, *b.ops[1][1:])
    path = tmp_path / "relu.tflite"
    path.write_bytes(b.build([x], [w]))
    result = cli("check", path)
    assert result.exit_code == 0, result
    used = [l for l in result.stdout.splitlines() if l.startswith("operators used:")][0]
    assert used == "operators used: RELU x3 (v1, v2)", used
    assert "RELU x3" in cli("inspect", path).stdout


def test_help_says_it_the_same_way_everywhere(cli):
    """--help: one name per kind of model argument, --out as FILE or DIR, ranges shown, required marked."""
    import re

    from attendnets.cli import COMMAND_NAMES, cli as group

    names = group.list_commands(None)  # commands are imported when looked up: list them, never group.commands
    assert len(names) >= 15, names
    for name in names:
        text = cli(name, "--help").stdout
        usage = text.splitlines()[0]
        args = re.findall(r"\b(MODEL\S*|PROJECT_DIR)", usage)
        # MODEL alone: convert's input, a .keras of either Keras or a SavedModel folder.
        names = ("MODEL.keras", "MODEL.tflite", "MODEL.tflite...", "MODEL.keras]", "PROJECT_DIR") + (("MODEL",) if name == "convert" else ())
        assert all(a in names for a in args), (name, usage)
        flat = " ".join(text.split())
        if "--out " in flat:
            assert re.search(r"--out (FILE|DIR) ", flat), (name, flat)
        command = group.get_command(None, name)
        for param in command.params:
            if getattr(param, "required", False) and param.param_type_name == "option":
                assert re.search(re.escape(param.opts[0]) + r"[^\[]*\[[^\]]*required", flat), (name, param.opts)
    flat = " ".join(cli("train", "--help").stdout.split())
    assert "x>=1" in flat and "x>=8" in flat and "x>0" in flat  # epochs/batch, input size, width and lr
