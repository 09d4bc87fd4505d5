"""The validation protocol against a fake device on a pseudo-terminal (no QEMU, no firmware).

The host side is the code `attendnets validate --port` runs: pyserial on the pty's slave end.
"""

import os
import time
import tty

import pytest

from validation import protocol as p
from validation.fake_device import FakeDevice
from validation.transports import SerialTransport

MODEL_HASH = p.model_hash(b"a model")
HELLO = p.Hello(version=p.PROTOCOL_VERSION, runtime="compiled", cycle_counter="systick", profile=True,
                clock_hz=25_000_000, input_bytes=12, output_bytes=3, op_count=2, hook_cycles=40,
                arena_bytes=256, model_hash=MODEL_HASH)


def compute(data: bytes) -> bytes:
    return bytes([sum(data) & 0xFF, data[0], data[-1]])


@pytest.fixture
def pty_pair():
    master, slave = os.openpty()
    tty.setraw(slave)
    name = os.ttyname(slave)
    yield master, name
    os.close(master)
    os.close(slave)


def start(pty_pair, **kwargs):
    master, name = pty_pair
    transport = SerialTransport(name)  # first: opening the port drops what was received before
    device = FakeDevice(master, kwargs.pop("hello", HELLO), compute, cycles=1234, op_cycles=(500, 600),
                        **kwargs).start()
    return device, transport


def test_frame_roundtrip_and_crc():
    frame = p.encode_input(7, b"\x01\x02\x03", index=2)
    assert frame[:2] == p.SYNC and len(frame) == p.HEADER.size + 8 + 3 + 4

    class Bytes:
        def __init__(self, data):
            self.data = data

        def read(self, n, timeout_s):
            out, self.data = self.data[:n], self.data[n:]
            return out

    reader = p.FrameReader(Bytes(b"boot noise\xa5" + frame + frame[:-1] + b"\x00"))
    first = reader.read_frame(0.1)
    assert first.type == p.FRAME_INPUT and first.crc_ok and first.payload == b"\x07\x00\x00\x00\x02\x00\x00\x00\x01\x02\x03"
    assert p.decode_tensor(first.payload) == (7, 2, b"\x01\x02\x03")
    second = reader.read_frame(0.1)
    assert second.type == p.FRAME_INPUT and not second.crc_ok
    assert reader.skipped_bytes == len(b"boot noise\xa5")


def test_answers(pty_pair):
    device, transport = start(pty_pair, noise=b"booting...\r\n")
    session = p.Session(transport, timeout_s=2)
    hello = session.connect(MODEL_HASH)
    assert hello == HELLO
    for seq in range(5):
        data = bytes(range(seq, seq + 12))
        out = session.infer(seq, data)
        assert out.data == compute(data) and out.cycles == 1234 and out.op_cycles == (500, 600)
    session.close()
    device.join()
    assert device.inputs == [0, 1, 2, 3, 4] and session.retried == 0
    transport.close()


def test_corrupted_output_is_resent(pty_pair):
    device, transport = start(pty_pair, mode="corrupt-once")
    session = p.Session(transport, timeout_s=2)
    session.connect(MODEL_HASH)
    data = bytes(12)
    assert session.infer(0, data).data == compute(data)
    assert device.inputs == [0, 0] and session.retried == 1
    device.join()
    transport.close()


def test_corrupted_every_time_is_reported(pty_pair):
    device, transport = start(pty_pair, mode="corrupt-always")
    session = p.Session(transport, timeout_s=2, retries=2)
    session.connect(MODEL_HASH)
    with pytest.raises(p.ChecksumError, match=r"input #0: 3 attempts failed \(OUTPUT_TENSOR with a bad checksum\)"):
        session.infer(0, bytes(12))
    device.join()
    transport.close()


def test_input_corrupted_on_the_way_is_resent(pty_pair):
    device, transport = start(pty_pair)
    session = p.Session(transport, timeout_s=2)
    session.connect(MODEL_HASH)
    good = p.encode_input(1, bytes(12))
    bad = bytearray(good)
    bad[10] ^= 1
    sent = []
    write = transport.write

    def flaky_write(data):  # the first INPUT is damaged on the wire
        sent.append(data)
        write(bytes(bad) if len(sent) == 1 else data)

    transport.write = flaky_write
    assert session.infer(1, bytes(12)).data == compute(bytes(12))
    assert session.retried == 1 and device.inputs == [1]
    device.join()
    transport.close()


def test_stall_times_out_with_last_received(pty_pair):
    device, transport = start(pty_pair, mode="stall", noise=b"model_init ok\r\n")
    session = p.Session(transport, timeout_s=0.5)
    session.connect(MODEL_HASH)
    t0 = time.monotonic()
    with pytest.raises(p.DeviceTimeout, match=r"no answer from the device within 0.5 s \(waiting for the OUTPUT "
                                              r"of input #0\); last received: "):
        session.infer(0, bytes(12))
    assert time.monotonic() - t0 < 3
    device.join()
    transport.close()


def test_silent_device(pty_pair):
    device, transport = start(pty_pair, mode="silent", noise=b"Hard fault!\r\n")
    session = p.Session(transport, hello_timeout_s=1.0)
    with pytest.raises(p.DeviceTimeout, match=r"no HELLO .* last received: 'Hard fault!'"):
        session.connect(MODEL_HASH)
    device.join()
    transport.close()


def test_wrong_model_hash_is_refused(pty_pair):
    device, transport = start(pty_pair)
    session = p.Session(transport, timeout_s=2)
    with pytest.raises(p.ModelMismatchError, match="runs a different model"):
        session.connect(p.model_hash(b"another model"))
    device.join()
    transport.close()


def test_late_hello_request(pty_pair):
    """The board booted before the host opened the port: the host asks for HELLO."""
    device, transport = start(pty_pair, mode="no-boot-hello")
    session = p.Session(transport, timeout_s=2, hello_timeout_s=5)
    assert session.connect(MODEL_HASH) == HELLO
    device.join()
    transport.close()


def test_missing_port():
    from attendnets_base.errors import BadInputError

    with pytest.raises(BadInputError, match="serial port /dev/ttyNOPE0 does not exist"):
        SerialTransport("/dev/ttyNOPE0")


def test_busy_port(pty_pair):
    from attendnets_base.errors import BadInputError

    _, name = pty_pair
    first = SerialTransport(name)
    try:
        with pytest.raises(BadInputError, match="busy"):
            SerialTransport(name)
    finally:
        first.close()
