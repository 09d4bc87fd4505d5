"""A validation device in Python: the device side of the protocol, for tests and as a reference.

``FakeDevice(fd, hello, compute)`` serves frames on a file descriptor (the master side of a
pseudo-terminal in the tests) from a thread: it sends HELLO at start-up and on every
HELLO_REQUEST, answers every complete set of INPUT frames (one per input tensor of
``hello.input_sizes``) with ``compute(input_bytes) -> output_bytes`` (every tensor's bytes in
order, joined) as an OUTPUT frame and one OUTPUT_TENSOR frame per output tensor, and ends on BYE.  ``mode`` makes it misbehave the ways a real link does:

* ``"ok"``: answers every input;
* ``"corrupt-once"``: the first answer's last output tensor goes out with one flipped byte (the host resends);
* ``"corrupt-always"``: every answer is corrupted so (the host gives up after its retries);
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
        self.transport.write(p.encode_frame(p.FRAME_OUTPUT, p.Output(sequence, 0, self.cycles,
                                                                     self.op_cycles).encode()))
        offset = 0
        sizes = self.hello.output_sizes
        for index, size in enumerate(sizes):
            frame = bytearray(p.encode_tensor(p.FRAME_OUTPUT_TENSOR, sequence, index, data[offset:offset + size]))
            offset += size
            last = index == len(sizes) - 1
            if last and (self.mode == "corrupt-always" or (self.mode == "corrupt-once" and self._corrupted == 0)):
                frame[p.HEADER.size + p.TENSOR_HEAD.size] ^= 0x40
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
        sizes = self.hello.input_sizes
        received, current, reported = {}, None, None  # this sequence's input tensors; a sequence already failed
        while not self.stop.is_set():
            frame = reader.read_frame(0.2)
            if frame is None:
                continue
            if not frame.crc_ok:
                seq = struct.unpack_from("<I", frame.payload)[0] if len(frame.payload) >= 4 else 0
                self.transport.write(p.encode_error(seq, p.ERROR_BAD_CHECKSUM, "bad checksum"))
                received, reported = {}, seq
            elif frame.type == p.FRAME_HELLO_REQUEST:
                self.transport.write(p.encode_frame(p.FRAME_HELLO, self.hello.encode()))
            elif frame.type == p.FRAME_BYE:
                return
            elif frame.type == p.FRAME_INPUT:
                seq, index, data = p.decode_tensor(frame.payload)
                if index >= len(sizes) or len(data) != sizes[index]:
                    self.transport.write(p.encode_error(seq, p.ERROR_BAD_FRAME,
                                                        f"input {index} of {len(data)} bytes does not match "
                                                        f"the model's"))
                    continue
                if seq != current:
                    received, current = {}, seq
                received[index] = data
                if index != len(sizes) - 1:
                    continue
                if len(received) != len(sizes):
                    if reported != seq:
                        self.transport.write(p.encode_error(seq, p.ERROR_INCOMPLETE, "an input tensor is missing"))
                    received = {}
                    continue
                self.inputs.append(seq)
                joined = b"".join(received[i] for i in range(len(sizes)))
                received, reported = {}, None
                if self.mode != "stall":
                    self._send_output(seq, self.compute(joined))
