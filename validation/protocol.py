"""The framed protocol between ``attendnets validate`` and the validation firmware.

One frame (all integers little-endian), documented for other implementers in
docs/validate.md::

    offset  size  field
    0       2     sync: 0xA5 0x5A
    2       1     type (FRAME_* below)
    3       1     reserved, 0
    4       4     payload length N, bytes
    8       N     payload
    8+N     4     CRC-32 (IEEE 802.3, zlib.crc32) of bytes 2 .. 8+N-1 (type through payload)

Payloads:

* HELLO_REQUEST (host -> device, 0x01): empty; the device answers with HELLO.
* HELLO (device -> host, 0x02): sent once at start-up and on every HELLO_REQUEST; ``HELLO_FORMAT``.
* INPUT (host -> device, 0x03): u32 sequence number, then the raw bytes of every input tensor
  in order (``input_bytes`` of HELLO in all).
* OUTPUT (device -> host, 0x04): u32 sequence, u32 status (0 = ok, else model_invoke failed),
  u64 cycles of model_invoke, u16 operator count K (0 without profiling), u16 reserved,
  K x u32 cycles per operator, then the raw bytes of every output tensor in order.
* ERROR (device -> host, 0x05): u32 sequence (0 when unknown), u8 code (ERROR_*), 3 reserved,
  then an ASCII message.
* BYE (host -> device, 0x06): empty; the device ends (``platform_exit(0)``).

The host resends an INPUT whose OUTPUT arrived corrupted or which the device reported as
ERROR_BAD_CHECKSUM, up to ``retries`` times; bytes outside frames (boot messages, noise) are
skipped while looking for the next sync and kept for the "last received" of a timeout.
"""

from __future__ import annotations

import hashlib
import struct
import time
import zlib
from dataclasses import dataclass, field

from attendnets_base.errors import AttendnetsError

SYNC = b"\xa5\x5a"
HEADER = struct.Struct("<2sBBI")
CRC = struct.Struct("<I")
PROTOCOL_VERSION = 1
MAX_PAYLOAD_BYTES = 1 << 24

FRAME_HELLO_REQUEST = 0x01
FRAME_HELLO = 0x02
FRAME_INPUT = 0x03
FRAME_OUTPUT = 0x04
FRAME_ERROR = 0x05
FRAME_BYE = 0x06
FRAME_NAMES = {FRAME_HELLO_REQUEST: "HELLO_REQUEST", FRAME_HELLO: "HELLO", FRAME_INPUT: "INPUT",
               FRAME_OUTPUT: "OUTPUT", FRAME_ERROR: "ERROR", FRAME_BYE: "BYE"}

ERROR_BAD_CHECKSUM = 1
ERROR_BAD_FRAME = 2  # unknown type, or a length that does not match the model's input
ERROR_INVOKE = 3
ERROR_NAMES = {ERROR_BAD_CHECKSUM: "bad checksum", ERROR_BAD_FRAME: "bad frame", ERROR_INVOKE: "invoke failed"}

# HELLO: u8 version, u8 runtime, u8 cycle counter, u8 flags (bit 0: per-operator profile),
# u32 clock_hz, u32 input bytes, u32 output bytes, u16 operator count, u16 reserved,
# u32 cycles of one empty profiling hook pair (the per-operator overhead), u32 arena bytes,
# 16 bytes model hash (the first 16 bytes of SHA-256 of the .tflite file)
HELLO_FORMAT = struct.Struct("<BBBBIIIHHII16s")
MODEL_HASH_BYTES = 16
RUNTIMES = {0: "tflm", 1: "compiled"}
CYCLE_COUNTERS = {0: "dwt", 1: "systick"}
FLAG_PROFILE = 1
OUTPUT_HEAD = struct.Struct("<IIQHH")
ERROR_HEAD = struct.Struct("<IB3x")


class ProtocolError(AttendnetsError):
    """The device did not answer as the protocol says (timeout, checksum, mismatch)."""

    exit_code = 1


class DeviceTimeout(ProtocolError):
    pass


class ChecksumError(ProtocolError):
    pass


class ModelMismatchError(ProtocolError):
    pass


def model_hash(tflite_bytes: bytes) -> bytes:
    """What the firmware reports in HELLO: the first 16 bytes of SHA-256 of the .tflite file."""
    return hashlib.sha256(tflite_bytes).digest()[:MODEL_HASH_BYTES]


def crc32(data: bytes) -> int:
    return zlib.crc32(data) & 0xFFFFFFFF


def encode_frame(frame_type: int, payload: bytes = b"") -> bytes:
    head = HEADER.pack(SYNC, frame_type, 0, len(payload))
    return head + payload + CRC.pack(crc32(head[2:] + payload))


@dataclass(frozen=True)
class Hello:
    version: int
    runtime: str
    cycle_counter: str
    profile: bool
    clock_hz: int
    input_bytes: int
    output_bytes: int
    op_count: int
    hook_cycles: int
    arena_bytes: int
    model_hash: bytes

    def encode(self) -> bytes:
        runtime = {v: k for k, v in RUNTIMES.items()}[self.runtime]
        counter = {v: k for k, v in CYCLE_COUNTERS.items()}[self.cycle_counter]
        return HELLO_FORMAT.pack(self.version, runtime, counter, FLAG_PROFILE if self.profile else 0,
                                 self.clock_hz, self.input_bytes, self.output_bytes, self.op_count, 0,
                                 self.hook_cycles, self.arena_bytes, self.model_hash)

    @classmethod
    def decode(cls, payload: bytes) -> "Hello":
        if len(payload) < HELLO_FORMAT.size:
            raise ProtocolError(f"HELLO frame of {len(payload)} bytes; expected {HELLO_FORMAT.size}")
        (version, runtime, counter, flags, clock_hz, input_bytes, output_bytes, op_count, _reserved,
         hook_cycles, arena_bytes, digest) = HELLO_FORMAT.unpack_from(payload)
        return cls(version, RUNTIMES.get(runtime, f"unknown({runtime})"),
                   CYCLE_COUNTERS.get(counter, f"unknown({counter})"), bool(flags & FLAG_PROFILE), clock_hz,
                   input_bytes, output_bytes, op_count, hook_cycles, arena_bytes, digest)


@dataclass(frozen=True)
class Output:
    sequence: int
    status: int
    cycles: int
    op_cycles: tuple
    data: bytes

    def encode(self) -> bytes:
        return (OUTPUT_HEAD.pack(self.sequence, self.status, self.cycles, len(self.op_cycles), 0)
                + struct.pack(f"<{len(self.op_cycles)}I", *self.op_cycles) + self.data)

    @classmethod
    def decode(cls, payload: bytes) -> "Output":
        if len(payload) < OUTPUT_HEAD.size:
            raise ProtocolError(f"OUTPUT frame of {len(payload)} bytes is shorter than its header")
        sequence, status, cycles, count, _ = OUTPUT_HEAD.unpack_from(payload)
        end = OUTPUT_HEAD.size + 4 * count
        if len(payload) < end:
            raise ProtocolError(f"OUTPUT frame claims {count} operator counts but has {len(payload)} bytes")
        ops = struct.unpack_from(f"<{count}I", payload, OUTPUT_HEAD.size)
        return cls(sequence, status, cycles, tuple(ops), payload[end:])


def encode_input(sequence: int, data: bytes) -> bytes:
    return encode_frame(FRAME_INPUT, struct.pack("<I", sequence) + data)


def encode_error(sequence: int, code: int, message: str) -> bytes:
    return encode_frame(FRAME_ERROR, ERROR_HEAD.pack(sequence, code) + message.encode("ascii", "replace"))


@dataclass
class Frame:
    type: int
    payload: bytes
    crc_ok: bool


def _printable(data: bytes) -> str:
    if not data:
        return "nothing"
    text = data.decode("ascii", "replace")
    if sum(ch.isprintable() or ch in "\r\n\t" for ch in text) >= 0.9 * len(text):
        return repr(text.strip()[-120:])
    return data[-48:].hex(" ") + " (hex, last bytes)"


class FrameReader:
    """Reads frames from a transport (``read(n, timeout_s) -> bytes``, possibly fewer bytes)."""

    def __init__(self, transport, tail_bytes=256):
        self.transport = transport
        self.buffer = bytearray()
        self.tail = bytearray()  # the last bytes received, for error messages
        self.tail_bytes = tail_bytes
        self.skipped_bytes = 0

    def _fill(self, deadline) -> bool:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        chunk = self.transport.read(65536, min(remaining, 0.5))
        if chunk:
            self.buffer += chunk
            self.tail = (self.tail + chunk)[-self.tail_bytes:]
        return True

    def last_received(self) -> str:
        return _printable(bytes(self.tail))

    def read_frame(self, timeout_s: float) -> Frame | None:
        """The next frame, or None at the timeout. Bytes before a sync are skipped."""
        deadline = time.monotonic() + timeout_s
        while True:
            start = self.buffer.find(SYNC)
            if start < 0:
                keep = 1 if self.buffer[-1:] == SYNC[:1] else 0
                self.skipped_bytes += len(self.buffer) - keep
                del self.buffer[:len(self.buffer) - keep]
            elif start > 0:
                self.skipped_bytes += start
                del self.buffer[:start]
            if len(self.buffer) >= HEADER.size:
                _, frame_type, _, length = HEADER.unpack_from(self.buffer)
                if frame_type not in FRAME_NAMES or length > MAX_PAYLOAD_BYTES:
                    del self.buffer[:1]  # a false sync inside noise: look for the next one
                    self.skipped_bytes += 1
                    continue
                total = HEADER.size + length + CRC.size
                if len(self.buffer) >= total:
                    frame = bytes(self.buffer[:total])
                    del self.buffer[:total]
                    payload = frame[HEADER.size:HEADER.size + length]
                    (crc,) = CRC.unpack_from(frame, HEADER.size + length)
                    return Frame(frame_type, payload, crc == crc32(frame[2:HEADER.size + length]))
            if not self._fill(deadline):
                return None


@dataclass
class Session:
    """The host side: hello, then one INPUT -> OUTPUT exchange per inference."""

    transport: object
    timeout_s: float = 10.0
    retries: int = 3
    hello_timeout_s: float = 10.0
    reader: FrameReader = field(init=False)
    hello: Hello | None = field(init=False, default=None)
    retried: int = field(init=False, default=0)

    def __post_init__(self):
        self.reader = FrameReader(self.transport)

    def _timeout(self, what) -> DeviceTimeout:
        return DeviceTimeout(f"no answer from the device within {self.timeout_s:g} s ({what}); "
                             f"last received: {self.reader.last_received()}")

    def connect(self, expected_hash: bytes | None = None) -> Hello:
        """Wait for HELLO (asking for it when the boot HELLO went by), check the model hash."""
        deadline = time.monotonic() + self.hello_timeout_s
        asked = False
        bad = 0
        while True:
            wait = min(1.0, deadline - time.monotonic()) if not asked else deadline - time.monotonic()
            frame = self.reader.read_frame(max(wait, 0.0))
            if frame is None:
                if time.monotonic() >= deadline:
                    raise DeviceTimeout(f"no HELLO from the device within {self.hello_timeout_s:g} s "
                                        f"(is the validation firmware running on it?); "
                                        f"last received: {self.reader.last_received()}")
                self.transport.write(encode_frame(FRAME_HELLO_REQUEST))
                asked = True
                continue
            if frame.type != FRAME_HELLO:
                continue
            if not frame.crc_ok:
                bad += 1
                if bad > self.retries:
                    raise ChecksumError(f"HELLO arrived with a bad checksum {bad} times")
                self.transport.write(encode_frame(FRAME_HELLO_REQUEST))
                continue
            hello = Hello.decode(frame.payload)
            if hello.version != PROTOCOL_VERSION:
                raise ProtocolError(f"the firmware speaks protocol version {hello.version}; "
                                    f"this attendnets speaks {PROTOCOL_VERSION}: regenerate the validation build")
            if expected_hash is not None and hello.model_hash != expected_hash:
                raise ModelMismatchError(
                    f"the firmware runs a different model (hash {hello.model_hash.hex()}) than MODEL "
                    f"(hash {expected_hash.hex()}): regenerate the validation build for this model")
            self.hello = hello
            return hello

    def infer(self, sequence: int, data: bytes) -> Output:
        """Send one INPUT, return its OUTPUT; resends on a corrupted answer, up to ``retries``."""
        frame_bytes = encode_input(sequence, data)
        failures = []
        for _attempt in range(self.retries + 1):
            self.transport.write(frame_bytes)
            while True:
                frame = self.reader.read_frame(self.timeout_s)
                if frame is None:
                    raise self._timeout(f"waiting for the OUTPUT of input #{sequence}")
                if frame.type == FRAME_OUTPUT:
                    if not frame.crc_ok:
                        failures.append("OUTPUT with a bad checksum")
                        break
                    out = Output.decode(frame.payload)
                    if out.sequence != sequence:
                        continue  # a late answer to an earlier attempt
                    if self.hello is not None and len(out.data) != self.hello.output_bytes:
                        raise ProtocolError(f"OUTPUT of input #{sequence} has {len(out.data)} bytes; "
                                            f"HELLO said {self.hello.output_bytes}")
                    if out.status != 0:
                        raise ProtocolError(f"model_invoke() failed on the device for input #{sequence} "
                                            f"(status {out.status})")
                    self.retried += len(failures)
                    return out
                if frame.type == FRAME_ERROR and frame.crc_ok:
                    seq, code = ERROR_HEAD.unpack_from(frame.payload)
                    message = frame.payload[ERROR_HEAD.size:].decode("ascii", "replace")
                    if code == ERROR_BAD_CHECKSUM:
                        failures.append("the device received the INPUT with a bad checksum")
                        break
                    raise ProtocolError(f"the device reported {ERROR_NAMES.get(code, f'error {code}')} "
                                        f"for input #{seq}: {message}")
                # HELLO (a reset or a duplicate), corrupted ERROR: keep waiting
        raise ChecksumError(f"input #{sequence}: {len(failures)} attempts failed ({failures[-1]}); "
                            "the link corrupts data (check the cable, baud rate, ground)")

    def close(self):
        try:
            self.transport.write(encode_frame(FRAME_BYE))
        except OSError:
            pass
