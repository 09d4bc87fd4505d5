"""DOES NOT FIT says what would fit, and the runtimes table keeps its columns apart (issue 22).

The suggestions are computed: the input size suggested is checked by building that model and
reporting it, each board listed by reporting the model there.  One-operator models built in
the test (AVERAGE_POOL_2D: its arena is the input and the output, so it scales with the
input's area); no TensorFlow, no compiler.
"""

import json
import re
import sys
from pathlib import Path

import pytest

from conftest import assert_one_line_error

sys.path.insert(0, str(Path(__file__).parent))
from tflite_builder import ModelBuilder  # noqa: E402

BOARD = "arduino-nano-33-ble-sense"  # 256 KiB of RAM


def pool_model(side, channels=4):
    b = ModelBuilder()
    x = b.tensor("x", (1, side, side, channels), "int8", scale=0.1, zero_point=0)
    y = b.tensor("y", (1, side // 2, side // 2, channels), "int8", scale=0.1, zero_point=0)
    b.op("AVERAGE_POOL_2D", [x], [y], options={"type": "pool2d", "filter": 2, "stride": 2})
    return b.build(inputs=[x], outputs=[y])


@pytest.fixture
def write_model(tmp_path):
    def write(side):
        path = tmp_path / f"pool{side}.tflite"
        path.write_bytes(pool_model(side))
        return path
    return write


def test_the_other_runtime_is_suggested_and_the_table_keeps_its_columns(cli, write_model):
    """220x220x4: TFLM's arena + its 24 KiB of stack/heap/static exceeds 256 KiB, the compiled runtime's fits.
    Before: no suggestion, and 'fits arduino-nano-33-ble-senseDOES NOT FIT (RAM)' in one cell."""
    model = write_model(220)
    result = cli("report", model, "--board", BOARD, "--runtime", "both")
    assert result.exit_code == 4, result
    text = result.stdout
    words = " ".join(text.split())  # the suggestions are wrapped at 100 columns
    assert "what would fit:" in text
    assert f"the compiled runtime fits {BOARD}" in words and "--runtime compiled" in words
    row = next(line for line in text.splitlines() if line.strip().startswith(f"fits {BOARD}"))
    assert re.search(rf"fits {BOARD}\s{{2,}}DOES NOT FIT \(RAM\)\s{{2,}}FITS$", row), row

    doc = json.loads(cli("report", "--runtime", "tflm", model, "--board", BOARD, "--json").stdout)
    suggestions = doc["board"]["what_would_fit"]
    assert any("--runtime compiled" in s for s in suggestions), suggestions


def test_suggested_input_size_and_boards_really_fit(cli, write_model):
    model = write_model(300)
    result = cli("report", "--runtime", "tflm", model, "--board", BOARD)
    assert result.exit_code == 4, result
    match = re.search(r"an input of about (\d+)x(\d+) instead of 300x300", " ".join(result.stdout.split()))
    assert match, result.stdout
    side = int(match.group(1))
    assert 150 < side < 300
    assert cli("report", "--runtime", "tflm", write_model(side), "--board", BOARD).exit_code == 0  # the suggestion fits
    assert cli("report", "--runtime", "tflm", write_model(side + 8), "--board", BOARD).exit_code == 4  # and is not far too small

    boards = re.search(r"boards of the catalog it fits: (.*?)(?:\n  \S|\Z)", result.stdout, re.S).group(1)
    listed = re.findall(r"([\w-]+) \(([a-z, ]+)\)", " ".join(boards.split()))
    assert listed, boards
    for name, runtimes in listed[:3]:
        for runtime in runtimes.split(", "):
            assert cli("report", model, "--board", name, "--runtime", runtime).exit_code == 0, (name, runtime)
    assert "rpi-pico" not in boards  # 264 KiB of RAM: 450 KB of activations do not fit there either


def test_generate_refusal_says_what_would_fit(cli, write_model, tmp_path):
    line = assert_one_line_error(cli("generate", write_model(300), "--board", BOARD, "--out", tmp_path / "fw",
                                     "--runtime", "compiled"), 4)
    assert "what would fit: an input of about" in line and "boards of the catalog it fits: mps2-an386" in line
    assert not (tmp_path / "fw").exists()


def test_long_board_name_is_cut_and_columns_stay_apart():
    from converter.report.fit import FitCheck, FitRow
    from converter.report.runtimes import RuntimeFootprint, format_runtimes_text

    name = "a-vendor-development-board-with-a-very-long-name"

    def footprint(runtime, fits):
        rows = (FitRow("flash", "FLASH", 10, 100 if fits else 5, "model"),
                FitRow("RAM", "RAM", 10, 100 if fits else 5, "arena"))
        return RuntimeFootprint(runtime, True, (), 8, 0, 2, 5, 5, board=FitCheck(name, rows))

    text = format_runtimes_text([footprint("tflm", False), footprint("compiled", True)])
    row = next(line for line in text.splitlines() if line.strip().startswith("fits "))
    assert name not in row and "…" in row
    assert re.search(r"…\s{2,}DOES NOT FIT \(flash and RAM\)\s{2,}FITS$", row), row


def test_a_smaller_schedule_is_suggested_when_optimize_makes_it_fit():
    """attendnet_b_int8 (corpus): attendnets optimize saves 2,048 B of TFLM's arena (CMSIS-NN); on a board 1 KiB
    short of RAM the reordered plan is said to fit, with both arena figures."""
    import dataclasses

    from codegen.boards import get_board
    from codegen.fit_advice import what_would_fit
    from conftest import corpus_model_path
    from converter.planner.optimize import optimize_model
    from converter.report.build import build_memory_report
    from converter.tflite_model import load_model

    model = load_model(corpus_model_path("attendnet_b_int8"))
    board = get_board(BOARD)
    report = build_memory_report(model, kernels="cmsis-nn", board=board)
    ram = next(r for r in report.board.rows if r.resource == "RAM")
    optimized = optimize_model(model.data, kernels="cmsis-nn", cmsis_nn_arch=board.cmsis_nn_arch, time_limit_s=1.0)
    small_ram = dataclasses.replace(board.ram, size_bytes=ram.used_bytes - 1024)
    small = dataclasses.replace(board, ram=small_ram, arena_region=small_ram)
    report = build_memory_report(model, kernels="cmsis-nn", board=small)
    assert not report.board.fits
    text = " ".join(what_would_fit(model, "tflm", small, "cmsis-nn", report))
    match = re.search(r"attendnets optimize \(operator order and offline memory plan\) brings "
                      r"the arena from ([\d,]+) to ([\d,]+) B, which fits", text)
    assert match, text
    before, after = (int(g.replace(",", "")) for g in match.groups())
    assert before == report.arena.required_bytes == optimized.before.required_bytes
    assert after == optimized.after.required_bytes and before - after >= 1024
