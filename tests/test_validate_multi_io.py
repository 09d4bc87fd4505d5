"""`validate` with a model of two inputs and two outputs (issue 22): each tensor in a frame of its own.

- the protocol: one INPUT frame per input tensor, one OUTPUT_TENSOR frame per output tensor, HELLO
  lists every tensor's size; an input tensor lost on the link is reported (ERROR_INCOMPLETE) and
  the host resends the sequence;
- `attendnets validate --port` against the fake device (tflite-micro's outputs): random data and an
  .npz with x0, x1, bit-exact on both outputs; data that cannot feed two inputs is refused in one line;
- one QEMU run (mps2-an386, compiled runtime): the validation firmware takes both inputs and returns
  both outputs bit-exact.
"""

import json
import os
import shutil
import threading
import tty

import numpy as np
import pytest

from tests.conftest import assert_one_line_error
from tests.tflite_builder import ModelBuilder
from validation import protocol as p
from validation.fake_device import FakeDevice
from validation.transports import SerialTransport

PORT_BOARD = "rpi-pico"  # --port is for real boards (emulated ones run in QEMU); a fake device stands in


def two_in_two_out():
    """x0 [1,10] -> FULLY_CONNECTED -> y0 [1,4];  x1 [1,6] -> MUL(x1, x1) -> y1 [1,6] (sizes all differ
    but y1/x1, so a tensor sent to the wrong place is a size error or a mismatch)."""
    rng = np.random.default_rng(4)
    b = ModelBuilder()
    x0 = b.tensor("x0", (1, 10), "int8", scale=0.05, zero_point=-2)
    x1 = b.tensor("x1", (1, 6), "int8", scale=0.04, zero_point=3)
    w = b.tensor("w", (4, 10), "int8", scale=0.01, zero_point=0,
                 data=rng.integers(-127, 128, 40, dtype=np.int8).tobytes())
    y0 = b.tensor("y0", (1, 4), "int8", scale=0.08, zero_point=1)
    y1 = b.tensor("y1", (1, 6), "int8", scale=0.05, zero_point=-7)
    b.op("FULLY_CONNECTED", [x0, w, -1], [y0], version=4, options={"type": "fully_connected"})
    b.op("MUL", [x1, x1], [y1], options={"type": "mul"})
    return b.build(inputs=[x0, x1], outputs=[y0, y1])


HELLO = p.Hello(p.PROTOCOL_VERSION, "compiled", "systick", False, 25_000_000, 16, 10, 0, 0, 100,
                p.model_hash(two_in_two_out()), (10, 6), (4, 6))


def tflm_compute(model_bytes):
    from tflite_micro.python.tflite_micro import runtime

    interpreter = runtime.Interpreter.from_bytes(model_bytes, arena_size=1 << 20)

    def compute(data):  # both inputs' bytes joined -> both outputs' bytes joined
        interpreter.set_input(np.frombuffer(data[:10], np.int8).reshape(1, 10), 0)
        interpreter.set_input(np.frombuffer(data[10:], np.int8).reshape(1, 6), 1)
        interpreter.invoke()
        return b"".join(np.asarray(interpreter.get_output(i)).tobytes() for i in range(2))

    return compute


@pytest.fixture
def pty_pair():
    master, slave = os.openpty()
    tty.setraw(slave)
    yield master, os.ttyname(slave)
    os.close(master)
    os.close(slave)


def test_hello_lists_every_tensor():
    assert p.Hello.decode(HELLO.encode()) == HELLO
    assert HELLO.input_sizes == (10, 6) and HELLO.output_sizes == (4, 6)
    with pytest.raises(p.ProtocolError, match="do not add up"):
        p.Hello.decode(HELLO.encode()[:-4] + (7).to_bytes(4, "little"))


def test_each_tensor_in_its_own_frame_and_a_lost_one_is_resent(pty_pair):
    master, name = pty_pair
    transport = SerialTransport(name)
    compute = tflm_compute(two_in_two_out())
    device = FakeDevice(master, HELLO, compute).start()
    session = p.Session(transport, timeout_s=2)
    session.connect(HELLO.model_hash)
    x0, x1 = bytes(range(10)), bytes([250, 1, 2, 3, 4, 5])
    out = session.infer(0, [x0, x1])
    assert out.tensors == (compute(x0 + x1)[:4], compute(x0 + x1)[4:]) and session.retried == 0
    write, sent = transport.write, []

    def lose_input_0_once(data):  # the first attempt's frame of input 0 never arrives
        sent.append(data)
        if len(sent) == 1:
            first = p.HEADER.size + 8 + 10 + 4
            data = data[first:]
        write(data)

    transport.write = lose_input_0_once
    out = session.infer(1, [x0, x1])
    assert out.data == compute(x0 + x1) and session.retried == 1 and device.inputs == [0, 1]
    session.close()
    device.join()
    transport.close()


@pytest.fixture(scope="module")
def multi_model(tmp_path_factory):
    root = tmp_path_factory.mktemp("multi_io")
    model = root / "two_in_two_out.tflite"
    model.write_bytes(two_in_two_out())
    return model


@pytest.fixture(scope="module")
def multi_project(multi_model):
    from codegen.boards import get_board
    from codegen.generate import generate_project
    from converter.tflite_model import load_model
    from validation.firmware import install_main

    project = multi_model.parent / "fw"
    generate_project(multi_model, PORT_BOARD, project, runtime="compiled")
    data = multi_model.read_bytes()
    install_main(project, load_model(data), get_board(PORT_BOARD), "compiled", False, data, multi_model.name)
    return project


def _validate(cli, model, project, master, name, *args):
    device = FakeDevice(master, HELLO, tflm_compute(model.read_bytes()))
    timer = threading.Timer(0.3, device.start)  # once the port is open
    timer.start()
    try:
        return cli("validate", model, "--board", PORT_BOARD, "--port", name, "--project", project,
                   "--timeout", "2", "--json", *args), device
    finally:
        timer.join()
        device.join()


def test_validate_two_inputs_two_outputs_random(cli, multi_model, multi_project, pty_pair):
    result, device = _validate(cli, multi_model, multi_project, *pty_pair, "--data", "random", "--count", "12")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["inputs"] == 12 and summary["bit_exact"]["all"] and device.inputs == list(range(12))


def test_validate_two_inputs_from_npz(cli, multi_model, multi_project, pty_pair, tmp_path):
    rng = np.random.default_rng(9)
    data = tmp_path / "pairs.npz"
    np.savez(data, x0=rng.integers(-128, 128, (5, 1, 10)).astype(np.int8),
             x1=rng.integers(-128, 128, (5, 6)).astype(np.int8))
    result, _ = _validate(cli, multi_model, multi_project, *pty_pair, "--data", data)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["inputs"] == 5 and summary["bit_exact"]["matching"] == 5


def test_data_for_one_input_is_refused(cli, multi_model, multi_project, tmp_path):
    line = assert_one_line_error(cli("validate", multi_model, "--board", PORT_BOARD, "--port", "/dev/null",
                                     "--project", multi_project, "--data", "digits"))
    assert "a model with 2 inputs takes random or an .npz" in line and "x0 .. x1" in line
    only_x0 = tmp_path / "half.npz"
    np.savez(only_x0, x0=np.zeros((3, 10), np.int8))
    line = assert_one_line_error(cli("validate", multi_model, "--board", PORT_BOARD, "--port", "/dev/null",
                                     "--project", multi_project, "--data", only_x0))
    assert "has no array x1" in line


def test_two_inputs_two_outputs_in_qemu(cli, multi_model, tmp_path):
    for program in ("arm-none-eabi-gcc", "make", "qemu-system-arm"):
        if shutil.which(program) is None:
            pytest.skip(f"{program} not installed")
    result = cli("validate", multi_model, "--board", "mps2-an386", "--runtime", "compiled", "--data", "random",
                 "--count", "6", "--project", tmp_path / "vfw", "--json")
    assert result.exit_code == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout)
    assert summary["inputs"] == 6 and summary["bit_exact"]["all"], summary["bit_exact"]
    assert summary["profile"]["operators"][1]["name"] == "MUL"
    from codegen.size import size_project
    from converter.report.fit import STATIC_DATA_ALLOWANCE_BYTES

    # the validation main's own buffers (per-operator counts) are static and within the counted allowance
    assert size_project(tmp_path / "vfw").ram["rest"] <= STATIC_DATA_ALLOWANCE_BYTES
