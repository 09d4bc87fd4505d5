"""A validation device in Python: the device side of the protocol, for tests and as a reference.

``FakeDevice(fd, hello, compute)`` serves frames on a file descriptor (the master side of a
pseudo-terminal in the tests) from a thread: it sends HELLO at start-up and on every
HELLO_REQUEST, answers every INPUT with ``compute(input_bytes) -> output_bytes`` and ends on
BYE.  ``mode`` makes it misbehave the ways a real link does:

* ``"ok"``: answers every input;
* ``"corrupt-once"``: the first OUTPUT goes out with one flipped payload byte (the host resends);
* ``"corrupt-always"``: every OUTPUT is corrupted (the host gives up after its retries);
* ``"stall"``: says HELLO, then never answers an input (the host times out);
* ``"silent"``: sends ``noise`` and nothing else (no HELLO);
* ``"no-boot-hello"``: the boot HELLO went by before the host listened: HELLO only when asked.

The firmware's C main (firmware_template/validate/main.c.j2) does the same.
"""

from __future__ import annotations

import os
import select
import struct
import threading

from validation import protocol as p


class FdTransport:
    def __init__(self, fd):
        self.fd = fd

    def read(self, n, timeout_s):
        ready, _, _ = select.select([self.fd], [], [], max(timeout_s, 0.0))
        if not ready:
            return b""
        try:
            return os.read(self.fd, n)
        except OSError:
            return b""

    def write(self, data):
        view = memoryview(data)
        while view:
            written = os.write(self.fd, view)
            view = view[written:]


class FakeDevice:
    def __init__(self, fd, hello: p.Hello, compute, mode="ok", cycles=1000, op_cycles=(), noise=b""):
        self.transport = FdTransport(fd)
        self.hello = hello
        self.compute = compute
        self.mode = mode
        self.cycles = cycles
        self.op_cycles = tuple(op_cycles)
        self.noise = noise
        self.inputs = []  # sequence numbers received, in order (retries included)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self._corrupted = 0

    def start(self):
        self.thread.start()
        return self

    def join(self, timeout=5):
        self.stop.set()
        self.thread.join(timeout)

    def _send_output(self, sequence, data):
        frame = bytearray(p.encode_frame(p.FRAME_OUTPUT, p.Output(sequence, 0, self.cycles, self.op_cycles,
                                                                   data).encode()))
        if self.mode == "corrupt-always" or (self.mode == "corrupt-once" and self._corrupted == 0):
            frame[p.HEADER.size + p.OUTPUT_HEAD.size] ^= 0x40
            self._corrupted += 1
        self.transport.write(bytes(frame))

    def _serve(self):
        if self.noise:
            self.transport.write(self.noise)
        if self.mode == "silent":
            return
        if self.mode != "no-boot-hello":
            self.transport.write(p.encode_frame(p.FRAME_HELLO, self.hello.encode()))
        reader = p.FrameReader(self.transport)
        while not self.stop.is_set():
            frame = reader.read_frame(0.2)
            if frame is None:
                continue
            if not frame.crc_ok:
                seq = struct.unpack_from("<I", frame.payload)[0] if len(frame.payload) >= 4 else 0
                self.transport.write(p.encode_error(seq, p.ERROR_BAD_CHECKSUM, "bad checksum"))
            elif frame.type == p.FRAME_HELLO_REQUEST:
                self.transport.write(p.encode_frame(p.FRAME_HELLO, self.hello.encode()))
            elif frame.type == p.FRAME_BYE:
                return
            elif frame.type == p.FRAME_INPUT:
                (seq,) = struct.unpack_from("<I", frame.payload)
                self.inputs.append(seq)
                data = frame.payload[4:]
                if len(data) != self.hello.input_bytes:
                    self.transport.write(p.encode_error(seq, p.ERROR_BAD_FRAME,
                                                        f"input of {len(data)} bytes, expected "
                                                        f"{self.hello.input_bytes}"))
                elif self.mode != "stall":
                    self._send_output(seq, self.compute(data))
