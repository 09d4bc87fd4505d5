"""Flash runners: exact command lines (no hardware; the one subprocess method is patched)."""

import pytest

from attendnets_base.errors import BadInputError, ToolNotFoundError
from codegen.runners import RUNNERS, get_runner
from codegen.runners.base import FlashRunner
from tests.conftest import assert_one_line_error, corpus_model_path


@pytest.fixture
def recorded(monkeypatch):
    calls = []

    def fake_run_command(self, argv):
        calls.append(list(argv))
        return 0

    monkeypatch.setattr(FlashRunner, "run_command", fake_run_command)
    return calls


def make_project(cli, tmp_path, board):
    out = tmp_path / board
    result = cli("generate", "--runtime", "tflm", corpus_model_path("autoencoder_int8"), "--board", board, "--out", out,
                 "--kernels", "reference", "--name", "sine")
    assert result.exit_code == 0, result
    build = out / "build"
    build.mkdir()
    for suffix in (".elf", ".hex", ".bin", ".uf2", ".map"):
        (build / f"sine{suffix}").write_bytes(b"\0")
    return out


# (board, tool, probe) -> expected argv lists; {d} is the project folder
CASES = [
    ("stm32f746g-disco", "stm32cubeprogrammer", None,
     [["STM32_Programmer_CLI", "--connect", "port=SWD", "--download", "{d}/build/sine.hex", "--verify", "-rst"]]),
    ("nucleo-h743zi2", "stm32cubeprogrammer", "066DFF",
     [["STM32_Programmer_CLI", "--connect", "port=SWD", "sn=066DFF", "--download", "{d}/build/sine.hex", "--verify",
       "-rst"]]),
    ("nucleo-l4r5zi", "openocd", None,
     [["openocd", "-f", "board/st_nucleo_l4.cfg", "-c", "program {{d}/build/sine.elf} verify reset exit"]]),
    ("stm32f746g-disco", "openocd", "0670FF",
     [["openocd", "-f", "board/stm32f7discovery.cfg", "-c", "adapter serial 0670FF", "-c",
       "program {{d}/build/sine.elf} verify reset exit"]]),
    ("arduino-nano-33-ble-sense", "pyocd", None,
     [["pyocd", "flash", "--target", "nrf52840", "{d}/build/sine.hex"]]),
    ("nucleo-h743zi2", "pyocd", "0672FF",
     [["pyocd", "flash", "--target", "stm32h743zitx", "--uid", "0672FF", "{d}/build/sine.hex"]]),
    ("arduino-nano-33-ble-sense", "nrfjprog", None,
     [["nrfjprog", "--program", "{d}/build/sine.hex", "--sectorerase", "--verify", "-f", "NRF52"],
      ["nrfjprog", "--reset", "-f", "NRF52"]]),
    ("nrf5340dk", "nrfjprog", "1050012345",
     [["nrfjprog", "--program", "{d}/build/sine.hex", "--sectorerase", "--verify", "-f", "NRF53", "--coprocessor",
       "CP_APPLICATION", "--snr", "1050012345"],
      ["nrfjprog", "--reset", "-f", "NRF53", "--coprocessor", "CP_APPLICATION", "--snr", "1050012345"]]),
    ("rpi-pico", "picotool", None, [["picotool", "load", "--verify", "--execute", "{d}/build/sine.uf2"]]),
    ("rpi-pico", "picotool", "E660C0D1C7",
     [["picotool", "load", "--verify", "--execute", "{d}/build/sine.uf2", "--ser", "E660C0D1C7"]]),
    ("rpi-pico", "openocd", None,
     [["openocd", "-f", "interface/cmsis-dap.cfg", "-f", "target/rp2040.cfg", "-c", "adapter speed 5000", "-c",
       "program {{d}/build/sine.elf} verify reset exit"]]),
    ("mps3-an547", "qemu", None,
     [["qemu-system-arm", "-M", "mps3-an547", "-nographic", "-monitor", "none", "-serial", "none", "-icount",
       "shift=0", "-semihosting-config", "enable=on,target=native", "-kernel", "{d}/build/sine.elf"]]),
]


@pytest.mark.parametrize("board,tool,probe,expected", CASES, ids=[f"{c[0]}-{c[1]}-{'probe' if c[2] else 'default'}"
                                                                   for c in CASES])
def test_exact_command_lines(board, tool, probe, expected, cli, tmp_path, recorded):
    project = make_project(cli, tmp_path, board)
    args = ["flash", project, "--tool", tool] + (["--probe", probe] if probe else [])
    result = cli(*args)
    assert result.exit_code == 0, result
    assert recorded == [[a.replace("{d}", str(project)) for a in argv] for argv in expected]


def test_every_tool_has_a_case():
    assert {c[1] for c in CASES} == set(RUNNERS)


@pytest.mark.parametrize("board,tool", [("mps2-an386", "qemu"), ("stm32f746g-disco", "stm32cubeprogrammer"),
                                        ("nrf5340dk", "nrfjprog"), ("rpi-pico", "picotool"),
                                        ("arduino-nano-33-ble-sense", "pyocd")])
def test_default_tool(board, tool, cli, tmp_path, recorded, monkeypatch):
    project = make_project(cli, tmp_path, board)
    monkeypatch.setattr("shutil.which", lambda program: "/usr/bin/" + program)  # every tool installed
    assert cli("flash", project).exit_code == 0
    assert recorded[0][0] == get_runner(tool).program


def test_dry_run_prints_and_runs_nothing(cli, tmp_path, monkeypatch):
    import subprocess

    def no_subprocess(*a, **k):
        raise AssertionError("dry run started a process")

    monkeypatch.setattr(subprocess, "run", no_subprocess)
    project = make_project(cli, tmp_path, "nrf5340dk")
    result = cli("flash", project, "--dry-run", "--probe", "42")
    assert result.exit_code == 0, result
    assert result.stderr.splitlines() == [
        f"$ nrfjprog --program {project}/build/sine.hex --sectorerase --verify -f NRF53 --coprocessor CP_APPLICATION --snr 42",
        "$ nrfjprog --reset -f NRF53 --coprocessor CP_APPLICATION --snr 42",
    ]


def test_errors(cli, tmp_path, monkeypatch):
    project = make_project(cli, tmp_path, "mps2-an386")
    line = assert_one_line_error(cli("flash", project, "--tool", "pyocd"), 2)
    assert "cannot be flashed with pyocd" in line and "qemu" in line
    line = assert_one_line_error(cli("flash", project, "--probe", "123"), 2)
    assert "qemu does not support --probe" in line
    assert_one_line_error(cli("flash", tmp_path / "nowhere"), 2)
    # a missing program names what to install
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    stm = make_project(cli, tmp_path, "stm32f746g-disco")
    line = assert_one_line_error(cli("flash", stm), 1)
    assert "STM32_Programmer_CLI not found" in line and "STM32CubeProgrammer" in line
    # not built yet
    (stm / "build" / "sine.hex").unlink()
    line = assert_one_line_error(cli("flash", stm), 2)
    assert "build the project first" in line


def _bin_with(tmp_path, *programs):
    folder = tmp_path / "bin"
    folder.mkdir(exist_ok=True)
    for program in programs:
        (folder / program).write_text("#!/bin/sh\nexit 0\n")
        (folder / program).chmod(0o755)
    return folder


def test_the_boards_next_tool_when_its_first_is_missing(cli, tmp_path, monkeypatch, recorded):
    # stm32f746g-disco lists stm32cubeprogrammer, openocd, pyocd: only openocd is installed here
    stm = make_project(cli, tmp_path, "stm32f746g-disco")
    monkeypatch.setenv("PATH", str(_bin_with(tmp_path, "openocd")))
    result = cli("flash", stm)
    assert result.exit_code == 0, result
    assert recorded and recorded[0][0] == "openocd"
    assert "STM32_Programmer_CLI (stm32cubeprogrammer, the board's first tool) is not installed; using openocd" \
        in result.stderr


def test_no_tool_installed_names_every_tool_the_board_lists(cli, tmp_path, monkeypatch):
    stm = make_project(cli, tmp_path, "stm32f746g-disco")
    monkeypatch.setenv("PATH", str(_bin_with(tmp_path)))
    line = assert_one_line_error(cli("flash", stm), 1)
    assert "STM32_Programmer_CLI not found" in line
    assert "openocd (apt-get install openocd" in line
    assert "pyocd (pip install pyocd" in line
    # an explicit --tool whose program is missing points at the installed ones
    monkeypatch.setenv("PATH", str(_bin_with(tmp_path, "pyocd")))
    line = assert_one_line_error(cli("flash", stm, "--tool", "openocd"), 1)
    assert "openocd not found" in line and "--tool pyocd (installed)" in line


def test_runner_rejects_wrong_board(cli, tmp_path):
    from codegen.project import open_project

    project = open_project(make_project(cli, tmp_path, "rpi-pico"))
    with pytest.raises(BadInputError, match="cannot be flashed with nrfjprog"):
        get_runner("nrfjprog")(project)
    runner = get_runner("picotool")(project, log=lambda m: None)
    with pytest.raises(ToolNotFoundError, match="does-not-exist-anywhere not found: install picotool"):
        runner.run_command(["picotool-that-does-not-exist-anywhere", "load"])


def test_qemu_exit_status_is_the_commands(cli, tmp_path, monkeypatch):
    project = make_project(cli, tmp_path, "mps2-an386")
    monkeypatch.setattr(FlashRunner, "run_command", lambda self, argv: 3)
    result = cli("flash", project)
    assert result.exit_code == 3  # the firmware's status (main's return value via SYS_EXIT_EXTENDED)
    # a vendor tool failing is an error, not a status
    stm = make_project(cli, tmp_path, "stm32f746g-disco")
    line = assert_one_line_error(cli("flash", stm), 1)
    assert "STM32_Programmer_CLI failed with status 3" in line


def test_qemu_timeout(cli, tmp_path, monkeypatch):
    import subprocess

    project = make_project(cli, tmp_path, "mps2-an386")
    monkeypatch.setattr("shutil.which", lambda program: "/usr/bin/" + program)

    real_run = subprocess.run

    def hang(argv, timeout=None, **kwargs):
        if argv[0] != "qemu-system-arm":  # the timing model's set-up (nm, cc) runs as usual
            return real_run(argv, timeout=timeout, **kwargs)
        raise subprocess.TimeoutExpired(argv, timeout)

    monkeypatch.setattr(subprocess, "run", hang)
    line = assert_one_line_error(cli("flash", project, "--timeout", "5"), 1)
    assert "did not finish within 5 s" in line


def test_openocd_path_with_spaces_stays_one_word(cli, tmp_path, recorded):
    """OpenOCD's `program` took an unbraced path: a space split it (issue 14, section 5)."""
    (tmp_path / "my projects").mkdir()
    project = make_project(cli, tmp_path / "my projects", "nucleo-l4r5zi")
    assert cli("flash", project, "--tool", "openocd").exit_code == 0
    assert recorded[-1][-1] == f"program {{{project}/build/sine.elf}} verify reset exit"


def test_runner_notes_tell_what_the_tools_need():
    from codegen.boards import get_board
    from codegen.runners.picotool import PicotoolRunner

    assert "2.0 or later" in PicotoolRunner.install_hint and "apt-get install picotool" not in PicotoolRunner.install_hint
    for board, mhz in (("stm32f746g-disco", 16), ("nucleo-h743zi2", 64), ("nucleo-l4r5zi", 4)):
        assert f"core clock set to {mhz} MHz" in get_board(board).swo.note, board


def test_wait_states_need_qemu(cli, tmp_path):
    stm = make_project(cli, tmp_path, "stm32f746g-disco")
    line = assert_one_line_error(cli("flash", stm, "--wait-states", "2"), 2)
    assert "--wait-states" in line and "qemu" in line


def test_flash_says_where_the_console_is(cli, tmp_path, recorded):
    """After flashing a real board: its console UART (pins, baud) and how to open it; SWO when generated so."""
    project = make_project(cli, tmp_path, "nucleo-h743zi2")
    result = cli("flash", project, "--tool", "openocd")
    assert result.exit_code == 0, result
    assert "console: uart USART3 TX PD8 RX PD9 115200 baud 8N1" in result.stderr
    assert "miniterm /dev/ttyACM0 115200" in result.stderr
