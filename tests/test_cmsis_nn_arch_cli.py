"""The CMSIS-NN architecture from the board catalog (derived from the CPU) through the CLI.

On a Cortex-M55 the CMSIS-NN kernels take their MVE code paths and need a larger
arena than on a Cortex-M4 (measured: bench/arena_cortex_m55_measured.json), so
`generate`, `report --board`, and `arena`/`report --cmsis-nn-arch` must size for
the CPU's path.
"""

import json
from pathlib import Path

import pytest

from attendnets_base.errors import BadInputError
from codegen.boards import CMSIS_NN_ARCH_BY_CPU, get_board, load_boards
from tests.conftest import assert_one_line_error, model_path, shared_present

BENCH = Path(__file__).resolve().parents[1] / "bench"
MEASURED_M55 = json.loads((BENCH / "arena_cortex_m55_measured.json").read_text())["cmsis-nn"]
MEASURED_M4 = json.loads((BENCH / "arena_cortex_m4_measured.json").read_text())["cmsis-nn"]
# Models whose CMSIS-NN arena differs between the DSP and MVE code paths: micro_speech (a
# one-input-channel depthwise conv: +976 B on MVE, measured on both CPUs) and the corpus's DS-CNN
# (3x3 depthwise convs: a scratch buffer on MVE only).  For the corpus model the figures are the
# estimator's (checked against the interpreter in test_arena; the MVE/DSP formulas in
# test_arena_cortex_m55): these tests check that each command picks the CPU's code path.
MODELS = ["dscnn_kws_int8", *shared_present("micro_speech_quantized.tflite")]


def _required(name):
    """(Cortex-M4 DSP, Cortex-M55 MVE) smallest arenas of ``name`` for the firmware (4-byte pointers)."""
    from converter.tflm.arena import estimate_arena

    if name in MEASURED_M4 and name in MEASURED_M55:
        return MEASURED_M4[name]["plain"]["min_arena"], MEASURED_M55[name]["plain"]["min_arena"]
    path = model_path(name)
    m4, m55 = (estimate_arena(path, pointer_bytes=4, kernels="cmsis-nn", cmsis_nn_arch=arch).required_bytes
               for arch in ("dsp", "mve"))
    assert m4 != m55  # else these tests could not tell the code paths apart
    return m4, m55


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


@pytest.mark.parametrize("name", MODELS)
def test_arena_cli_cmsis_nn_arch(cli, name):
    path = model_path(name)
    m4_required, m55_required = _required(name)
    default = json.loads(cli("arena", path, "--kernels", "cmsis-nn", "--json").stdout)
    assert default["arena"]["required"] == m4_required and default["cmsis_nn_arch"] == "dsp"
    mve = json.loads(cli("arena", path, "--kernels", "cmsis-nn", "--cmsis-nn-arch", "mve", "--json").stdout)
    assert mve["arena"]["required"] == m55_required and mve["cmsis_nn_arch"] == "mve"
    text = cli("arena", path, "--kernels", "cmsis-nn", "--cmsis-nn-arch", "mve").stdout
    assert "cmsis-nn (mve code path)" in text
    assert_one_line_error(cli("arena", path, "--kernels", "cmsis-nn", "--cmsis-nn-arch", "neon"), 2)


@pytest.mark.parametrize("name", MODELS)
def test_report_takes_the_boards_arch(cli, name):
    path = model_path(name)
    m4_required, m55_required = _required(name)
    on_m55 = json.loads(cli("report", "--runtime", "tflm", path, "--kernels", "cmsis-nn", "--board", "mps3-an547", "--json").stdout)
    assert on_m55["arena"]["required"] == m55_required and on_m55["cmsis_nn_arch"] == "mve"
    on_m4 = json.loads(cli("report", "--runtime", "tflm", path, "--kernels", "cmsis-nn", "--board", "mps2-an386", "--json").stdout)
    assert on_m4["arena"]["required"] == m4_required and on_m4["cmsis_nn_arch"] == "dsp"
    no_board = json.loads(cli("report", "--runtime", "tflm", path, "--kernels", "cmsis-nn", "--cmsis-nn-arch", "mve", "--json").stdout)
    assert no_board["arena"]["required"] == m55_required
    reference = json.loads(cli("report", "--runtime", "tflm", path, "--board", "mps3-an547", "--json", "--kernels", "reference").stdout)
    assert reference["cmsis_nn_arch"] is None
    result = cli("report", "--runtime", "tflm", path, "--kernels", "cmsis-nn", "--board", "mps3-an547", "--cmsis-nn-arch", "dsp")
    assert_one_line_error(result, 2)
    assert "mve" in result.stderr


@pytest.mark.parametrize("name", MODELS)
def test_generate_sizes_the_arena_for_the_boards_cmsis_nn_path(cli, tmp_path, name):
    import re

    from codegen.context import arena_bytes_for

    m4_required, m55_required = _required(name)

    for board, required in (("mps3-an547", m55_required), ("mps2-an386", m4_required)):
        out = tmp_path / board
        result = cli("generate", "--runtime", "tflm", model_path(name), "--board", board, "--kernels", "cmsis-nn", "--out", out)
        assert result.exit_code == 0, result
        header = (out / "src/model.h").read_text()
        assert re.search(r"#define MODEL_ARENA_ESTIMATE_BYTES (\d+)", header).group(1) == str(required)
        assert re.search(r"#define MODEL_ARENA_BYTES (\d+)", header).group(1) == str(arena_bytes_for(required))
