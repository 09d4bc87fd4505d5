"""The CMSIS-NN architecture from the board catalog (derived from the CPU) through the CLI.

On a Cortex-M55 the CMSIS-NN kernels take their MVE code paths and need a larger
arena than on a Cortex-M4 (measured: bench/arena_cortex_m55_measured.json), so
`generate`, `report --board`, and `arena`/`report --cmsis-nn-arch` must size for
the CPU's path.
"""

import json
from pathlib import Path

import pytest

from attendnets.errors import BadInputError
from codegen.boards import CMSIS_NN_ARCH_BY_CPU, get_board, load_boards
from tests.conftest import assert_one_line_error, shared_model_path

BENCH = Path(__file__).resolve().parents[1] / "bench"
MEASURED_M55 = json.loads((BENCH / "arena_cortex_m55_measured.json").read_text())["cmsis-nn"]
MEASURED_M4 = json.loads((BENCH / "arena_cortex_m4_measured.json").read_text())["cmsis-nn"]
MODEL = "micro_speech_quantized.tflite"  # one-input-channel depthwise conv: +976 B on MVE
M4_REQUIRED = MEASURED_M4[MODEL]["plain"]["min_arena"]
M55_REQUIRED = MEASURED_M55[MODEL]["plain"]["min_arena"]


def test_board_cmsis_nn_arch_follows_the_cpu():
    assert get_board("mps3-an547").cmsis_nn_arch == "mve"
    assert get_board("mps2-an386").cmsis_nn_arch == "dsp"
    assert get_board("mps2-an500").cmsis_nn_arch == "dsp"
    assert get_board("rpi-pico").cmsis_nn_arch == "scalar"
    for board in load_boards().values():
        assert board.to_dict()["cmsis_nn_arch"] == CMSIS_NN_ARCH_BY_CPU[board.cpu]


def test_catalog_cpu_without_known_cmsis_nn_path_is_refused(tmp_path):
    from codegen.boards import CATALOG_PATH

    text = CATALOG_PATH.read_text().replace('cpu = "cortex-m4"', 'cpu = "cortex-m99"', 1)
    bad = tmp_path / "boards.toml"
    bad.write_text(text)
    with pytest.raises(BadInputError, match="cpu must be one of"):
        load_boards(bad)


def test_arena_cli_cmsis_nn_arch(cli):
    path = shared_model_path(MODEL)
    default = json.loads(cli("arena", path, "--kernels", "cmsis-nn", "--json").stdout)
    assert default["arena"]["required"] == M4_REQUIRED and default["cmsis_nn_arch"] == "dsp"
    mve = json.loads(cli("arena", path, "--kernels", "cmsis-nn", "--cmsis-nn-arch", "mve", "--json").stdout)
    assert mve["arena"]["required"] == M55_REQUIRED and mve["cmsis_nn_arch"] == "mve"
    text = cli("arena", path, "--kernels", "cmsis-nn", "--cmsis-nn-arch", "mve").stdout
    assert "cmsis-nn (mve code path)" in text
    assert_one_line_error(cli("arena", path, "--kernels", "cmsis-nn", "--cmsis-nn-arch", "neon"), 2)


def test_report_takes_the_boards_arch(cli):
    path = shared_model_path(MODEL)
    on_m55 = json.loads(cli("report", path, "--kernels", "cmsis-nn", "--board", "mps3-an547", "--json").stdout)
    assert on_m55["arena"]["required"] == M55_REQUIRED and on_m55["cmsis_nn_arch"] == "mve"
    on_m4 = json.loads(cli("report", path, "--kernels", "cmsis-nn", "--board", "mps2-an386", "--json").stdout)
    assert on_m4["arena"]["required"] == M4_REQUIRED and on_m4["cmsis_nn_arch"] == "dsp"
    no_board = json.loads(cli("report", path, "--kernels", "cmsis-nn", "--cmsis-nn-arch", "mve", "--json").stdout)
    assert no_board["arena"]["required"] == M55_REQUIRED
    reference = json.loads(cli("report", path, "--board", "mps3-an547", "--json", "--kernels", "reference").stdout)
    assert reference["cmsis_nn_arch"] is None
    result = cli("report", path, "--kernels", "cmsis-nn", "--board", "mps3-an547", "--cmsis-nn-arch", "dsp")
    assert_one_line_error(result, 2)
    assert "mve" in result.stderr


def test_generate_sizes_the_arena_for_the_boards_cmsis_nn_path(cli, tmp_path):
    import re

    from codegen.context import arena_bytes_for

    for board, required in (("mps3-an547", M55_REQUIRED), ("mps2-an386", M4_REQUIRED)):
        out = tmp_path / board
        result = cli("generate", shared_model_path(MODEL), "--board", board, "--kernels", "cmsis-nn", "--out", out)
        assert result.exit_code == 0, result
        header = (out / "src/model.h").read_text()
        assert re.search(r"#define MODEL_ARENA_ESTIMATE_BYTES (\d+)", header).group(1) == str(required)
        assert re.search(r"#define MODEL_ARENA_BYTES (\d+)", header).group(1) == str(arena_bytes_for(required))
