"""`attendnets validate --port` end to end against a fake device on a pseudo-terminal (no QEMU).

The fake device answers with the tflite-micro interpreter's own output (so the run is bit-exact)
or with one byte changed (a mismatch), stalls, or runs another model.
"""

import json
import os
import tty

import numpy as np
import pytest

from tests.conftest import assert_one_line_error
from tests.tflite_builder import ModelBuilder
from validation import protocol as p
from validation.fake_device import FakeDevice

# A real board whose console UART receives (its own link): --port is for real boards only, emulated
# ones run in QEMU.  Nothing is flashed: the fake device on a pseudo-terminal stands in for it.
PORT_BOARD = "rpi-pico"


def digits_classifier():
    """[1,8,8,1] int8 -> FULLY_CONNECTED -> [1,10]: a (random) classifier of the 8x8 digits."""
    rng = np.random.default_rng(1)
    b = ModelBuilder()
    x = b.tensor("x", (1, 8, 8, 1), "int8", scale=1 / 255, zero_point=-128)
    w = b.tensor("w", (10, 64), "int8", scale=0.01, zero_point=0,
                 data=rng.integers(-127, 128, 640, dtype=np.int8).tobytes())
    y = b.tensor("y", (1, 10), "int8", scale=0.05, zero_point=3)
    b.op("FULLY_CONNECTED", [x, w, -1], [y], version=4, options={"type": "fully_connected"})
    return b.build(inputs=[x], outputs=[y])


@pytest.fixture(scope="module")
def validation_project(tmp_path_factory):
    from codegen.boards import get_board
    from codegen.generate import generate_project
    from converter.tflite_model import load_model
    from validation.firmware import install_main

    root = tmp_path_factory.mktemp("validate_cli")
    model = root / "digits_fc.tflite"
    model.write_bytes(digits_classifier())
    generate_project(model, PORT_BOARD, root / "fw", kernels="reference", runtime="compiled")
    data = model.read_bytes()
    install_main(root / "fw", load_model(data), get_board(PORT_BOARD), "compiled", True, data, model.name)
    return model, root / "fw"


def start_device(model_bytes, mode="ok", corrupt_input=None, hash_of=None):
    from tflite_micro.python.tflite_micro import runtime

    interpreter = runtime.Interpreter.from_bytes(model_bytes, arena_size=1 << 20)

    def compute(data):
        interpreter.set_input(np.frombuffer(data, np.int8).reshape(1, 8, 8, 1), 0)
        interpreter.invoke()
        out = bytearray(np.asarray(interpreter.get_output(0)).tobytes())
        if corrupt_input is not None and data == corrupt_input:
            out[0] ^= 1
        return bytes(out)

    master, slave = os.openpty()
    tty.setraw(slave)
    hello = p.Hello(p.PROTOCOL_VERSION, "compiled", "systick", True, 25_000_000, 64, 10, 1, 2, 1234,
                    p.model_hash(hash_of or model_bytes))
    device = FakeDevice(master, hello, compute, mode=mode, cycles=500, op_cycles=(480,))
    return device, os.ttyname(slave), (master, slave)


def run_cli(cli, device, port, model, project, *args):
    import threading

    # the device starts once the port is open (opening a port drops earlier input)
    timer = threading.Timer(0.3, device.start)
    timer.start()
    try:
        return cli("validate", model, "--board", PORT_BOARD, "--port", port, "--project", project,
                   "--timeout", "2", *args)
    finally:
        timer.join()
        device.join()


def test_bit_exact_run_json_and_html(cli, validation_project, tmp_path):
    model, project = validation_project
    device, port, fds = start_device(model.read_bytes())
    html = tmp_path / "report.html"
    result = run_cli(cli, device, port, model, project, "--count", "40", "--json", "--html", html)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["inputs"] == 40 and summary["bit_exact"] == {
        "matching": 40, "inputs": 40, "all": True, "max_abs_diff": 0.0, "mismatching_inputs": [], "saved": []}
    acc = summary["accuracy"]
    assert acc["images"] == 40 and acc["device_int8"] == acc["host_int8"]
    assert summary["latency"]["unit"] == "cycles" and summary["latency"]["median"] == 500
    assert summary["profile"]["operators"][0]["name"] == "FULLY_CONNECTED"
    assert summary["profile"]["operators"][0]["macs"] == 640
    assert summary["profile"]["unaccounted"] == 20
    text = html.read_text()
    assert "<svg" in text and "FULLY_CONNECTED" in text and "40/40" in text
    assert "Arena timeline" not in text  # the compiled runtime: no TFLM memory plan to show
    from validation.report import format_html

    assert "Arena timeline" in format_html(summary, '<svg id="timeline"></svg>')
    for fd in fds:
        os.close(fd)


def test_mismatch_is_reported_and_saved(cli, validation_project):
    from codegen.context import tensor_info
    from converter.tflite_model import load_model
    from validation.data import load_inputs

    model, project = validation_project
    sg = load_model(model.read_bytes()).main_subgraph
    third = load_inputs("digits", tensor_info(sg.tensor(sg.inputs[0]), "input", 0), 3).inputs[2].tobytes()
    device, port, fds = start_device(model.read_bytes(), corrupt_input=third)
    result = run_cli(cli, device, port, model, project, "--count", "5")
    assert result.exit_code == 1
    assert "4/5 bit-exact (MISMATCH), largest difference 1" in result.stdout
    saved = project / "mismatches" / "mismatch_00002.npz"
    assert saved.is_file()
    arrays = np.load(saved)
    assert arrays["input"].tobytes() == third
    assert np.abs(arrays["device_output0"].astype(int) - arrays["reference_output0"]).max() == 1
    assert result.stderr.strip().splitlines()[-1].startswith("error: 1 of 5 outputs differ")
    for fd in fds:
        os.close(fd)


def test_wrong_model_is_refused(cli, validation_project):
    model, project = validation_project
    device, port, fds = start_device(model.read_bytes(), hash_of=b"another model")
    result = run_cli(cli, device, port, model, project, "--count", "2")
    assert_one_line_error(result)
    assert "runs a different model" in result.stderr
    for fd in fds:
        os.close(fd)


def test_stalled_device_times_out(cli, validation_project):
    model, project = validation_project
    device, port, fds = start_device(model.read_bytes(), mode="stall")
    result = run_cli(cli, device, port, model, project, "--count", "2")
    assert_one_line_error(result)
    assert "no answer from the device within 2 s (waiting for the OUTPUT of input #0)" in result.stderr
    for fd in fds:
        os.close(fd)


def test_board_without_receiving_uart(cli, validation_project, tmp_path, monkeypatch):
    """A catalog board whose console cannot receive is refused in one line (every catalog board has a
    receiving UART today: tests/test_console_drivers.py; this one is a catalog entry written for the test)."""
    import dataclasses

    from codegen.boards import Console, get_board

    model, _ = validation_project
    swo_only = dataclasses.replace(get_board("stm32f746g-disco").with_console("swo"))
    assert swo_only.link is None
    import attendnets.commands.validate
    import validation.firmware

    def patched(name, path=None):
        return swo_only if "f746" in str(name) else get_board(name, path)

    for module in (attendnets.commands.validate, validation.firmware):  # where it is read
        monkeypatch.setattr(module, "get_board", patched)
    result = cli("validate", model, "--board", "stm32f746g-disco", "--port", "/dev/null")
    assert_one_line_error(result)
    assert "its console is swo (transmit only)" in result.stderr
    assert Console  # the console type the catalog parses into


def test_missing_port(cli, validation_project):
    model, project = validation_project
    result = cli("validate", model, "--board", PORT_BOARD, "--port", "/dev/ttyNOPE9", "--project", project)
    assert_one_line_error(result)
    assert "serial port /dev/ttyNOPE9 does not exist" in result.stderr


def test_ctrl_c_keeps_what_was_measured(cli, validation_project, tmp_path, monkeypatch):
    model, project = validation_project
    device, port, fds = start_device(model.read_bytes())
    infer = p.Session.infer

    def interrupted_at_3(self, sequence, data):
        if sequence == 3:
            raise KeyboardInterrupt
        return infer(self, sequence, data)

    monkeypatch.setattr(p.Session, "infer", interrupted_at_3)
    html = tmp_path / "partial.html"
    result = run_cli(cli, device, port, model, project, "--count", "10", "--json", "--html", html)
    assert result.exit_code == 130
    summary = json.loads(result.stdout)
    assert summary["interrupted"] and summary["inputs"] == 3 and summary["requested"] == 10
    assert summary["bit_exact"]["matching"] == 3
    assert "INTERRUPTED" in html.read_text()
    assert assert_one_line_error(result).startswith("error: interrupted")
    for fd in fds:
        os.close(fd)


def test_tflm_runtime_without_a_tree(cli, validation_project, tmp_path, monkeypatch):
    model, _ = validation_project
    monkeypatch.delenv("TFLM_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    result = cli("validate", model, "--board", "mps2-an386", "--runtime", "tflm")
    assert_one_line_error(result)
    assert "--runtime tflm needs a TFLM tree" in result.stderr
    assert not any(tmp_path.iterdir())  # nothing generated


def test_without_project_the_build_is_kept_in_the_user_cache(cli, validation_project, tmp_path, monkeypatch):
    # Without --project the validation build goes to the user cache ($ATTENDNETS_CACHE here), named in the
    # output, and nothing lands in the current folder; a second run regenerates it in place (the cache is
    # ours: a file changed there does not block it). make is replaced by a stop to keep the test cheap.
    from attendnets_base.errors import BadInputError

    model, _ = validation_project
    cache, work = tmp_path / "cache", tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("ATTENDNETS_CACHE", str(cache))
    monkeypatch.chdir(work)
    built = []

    def stop_before_make(vp, *args, **kwargs):
        built.append(vp.path)
        raise BadInputError("stopped before make (test)")

    monkeypatch.setattr("validation.firmware.build_project", stop_before_make)
    for attempt in range(2):
        result = cli("validate", model, "--board", "mps2-an386", "--data", "random", "--count", "2")
        assert assert_one_line_error(result, 2).endswith("stopped before make (test)")
        path = built[attempt]
        assert path.parent == cache / "validate", path
        assert path.name.startswith("digits_fc-") and path.name.endswith("_mps2-an386_compiled"), path.name
        assert f"generating the validation build in {path}/" in result.stderr
        assert json.loads((path / "project.json").read_text())["validate"]["runtime"] == "compiled"
        assert not any(work.iterdir())  # nothing in the current folder
        if attempt == 0:
            (path / "src" / "main.c").write_text("/* edited in the cache */\n")
    assert built[0] == built[1]
    assert "edited in the cache" not in (built[1] / "src" / "main.c").read_text()
