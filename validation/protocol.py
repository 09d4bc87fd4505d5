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
* HELLO (device -> host, 0x02): sent once at start-up and on every HELLO_REQUEST; ``HELLO_FORMAT``,
  then u8 input count I, u8 output count O, u16 reserved, I x u32 bytes of each input tensor,
  O x u32 bytes of each output tensor (``TENSORS_HEAD``).
* INPUT (host -> device, 0x03): u32 sequence number, u8 input index, 3 reserved, then the raw
  bytes of that input tensor: one frame per input tensor, in order; the device runs the model
  when the last one of a sequence arrived and every other one of the same sequence did.
* OUTPUT (device -> host, 0x04): u32 sequence, u32 status (0 = ok, else model_invoke failed),
  u64 cycles of model_invoke, u16 operator count K (0 without profiling), u16 reserved,
  K x u32 cycles per operator; then one OUTPUT_TENSOR frame per output tensor.
* OUTPUT_TENSOR (device -> host, 0x07): u32 sequence, u8 output index, 3 reserved, the raw bytes
  of that output tensor.
* ERROR (device -> host, 0x05): u32 sequence (0 when unknown), u8 code (ERROR_*), 3 reserved,
  then an ASCII message.
* BYE (host -> device, 0x06): empty; the device ends (``platform_exit(0)``).

The host resends a sequence's INPUT frames when an OUTPUT or OUTPUT_TENSOR arrived corrupted, or
the device reported ERROR_BAD_CHECKSUM or ERROR_INCOMPLETE (an input tensor of the sequence was
lost), up to ``retries`` times; bytes outside frames (boot messages, noise) are skipped while
looking for the next sync and kept for the "last received" of a timeout.
"""

from __future__ import annotations

import hashlib
import struct
import time
import zlib
from dataclasses import dataclass, field

from attendnets_base.errors import AttendnetsError
from codegen.runtimes import all_runtimes, get_runtime

SYNC = b"\xa5\x5a"
HEADER = struct.Struct("<2sBBI")
CRC = struct.Struct("<I")
PROTOCOL_VERSION = 2  # 2: each tensor in a frame of its own (1: one INPUT, one OUTPUT of all tensors)
MAX_PAYLOAD_BYTES = 1 << 24

FRAME_HELLO_REQUEST = 0x01
FRAME_HELLO = 0x02
FRAME_INPUT = 0x03
FRAME_OUTPUT = 0x04
FRAME_ERROR = 0x05
FRAME_BYE = 0x06
FRAME_OUTPUT_TENSOR = 0x07
FRAME_NAMES = {FRAME_HELLO_REQUEST: "HELLO_REQUEST", FRAME_HELLO: "HELLO", FRAME_INPUT: "INPUT",
               FRAME_OUTPUT: "OUTPUT", FRAME_ERROR: "ERROR", FRAME_BYE: "BYE", FRAME_OUTPUT_TENSOR: "OUTPUT_TENSOR"}

ERROR_BAD_CHECKSUM = 1
ERROR_BAD_FRAME = 2  # unknown type, or a length that does not match the model's input
ERROR_INVOKE = 3
ERROR_INCOMPLETE = 4  # the last input tensor of a sequence arrived, another one of it did not
ERROR_NAMES = {ERROR_BAD_CHECKSUM: "bad checksum", ERROR_BAD_FRAME: "bad frame", ERROR_INVOKE: "invoke failed",
               ERROR_INCOMPLETE: "incomplete input"}
MAX_TENSORS = 32  # inputs, outputs: the device keeps a 32-bit mask of the input tensors received

# HELLO: u8 version, u8 runtime (codegen.runtimes: Runtime.protocol_id), u8 cycle counter, u8 flags (bit 0: per-operator profile),
# u32 clock_hz, u32 input bytes, u32 output bytes, u16 operator count, u16 reserved,
# u32 cycles of one empty profiling hook pair (the per-operator overhead), u32 arena bytes,
# 16 bytes model hash (the first 16 bytes of SHA-256 of the .tflite file)
HELLO_FORMAT = struct.Struct("<BBBBIIIHHII16s")
MODEL_HASH_BYTES = 16
CYCLE_COUNTERS = {0: "dwt", 1: "systick"}
FLAG_PROFILE = 1
TENSORS_HEAD = struct.Struct("<BBH")
OUTPUT_HEAD = struct.Struct("<IIQHH")
TENSOR_HEAD = struct.Struct("<IB3x")  # INPUT and OUTPUT_TENSOR: sequence, tensor index
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
    input_sizes: tuple = ()  # bytes of each input tensor; () = one tensor of input_bytes
    output_sizes: tuple = ()  # bytes of each output tensor; () = one tensor of output_bytes

    def __post_init__(self):
        if not self.input_sizes:
            object.__setattr__(self, "input_sizes", (self.input_bytes,))
        if not self.output_sizes:
            object.__setattr__(self, "output_sizes", (self.output_bytes,))

    def encode(self) -> bytes:
        runtime = get_runtime(self.runtime).protocol_id
        counter = {v: k for k, v in CYCLE_COUNTERS.items()}[self.cycle_counter]
        sizes = (*self.input_sizes, *self.output_sizes)
        return (HELLO_FORMAT.pack(self.version, runtime, counter, FLAG_PROFILE if self.profile else 0,
                                  self.clock_hz, self.input_bytes, self.output_bytes, self.op_count, 0,
                                  self.hook_cycles, self.arena_bytes, self.model_hash)
                + TENSORS_HEAD.pack(len(self.input_sizes), len(self.output_sizes), 0)
                + struct.pack(f"<{len(sizes)}I", *sizes))

    @classmethod
    def decode(cls, payload: bytes) -> "Hello":
        if len(payload) < HELLO_FORMAT.size:
            raise ProtocolError(f"HELLO frame of {len(payload)} bytes; expected {HELLO_FORMAT.size}")
        (version, runtime, counter, flags, clock_hz, input_bytes, output_bytes, op_count, _reserved,
         hook_cycles, arena_bytes, digest) = HELLO_FORMAT.unpack_from(payload)
        input_sizes, output_sizes = (), ()
        if version == PROTOCOL_VERSION:  # an older firmware is refused by Session.connect, with its version
            end = HELLO_FORMAT.size + TENSORS_HEAD.size
            if len(payload) < end:
                raise ProtocolError(f"HELLO frame of {len(payload)} bytes has no tensor sizes")
            n_in, n_out, _ = TENSORS_HEAD.unpack_from(payload, HELLO_FORMAT.size)
            if len(payload) != end + 4 * (n_in + n_out):
                raise ProtocolError(f"HELLO frame of {len(payload)} bytes for {n_in} inputs and {n_out} outputs")
            sizes = struct.unpack_from(f"<{n_in + n_out}I", payload, end)
            input_sizes, output_sizes = sizes[:n_in], sizes[n_in:]
            if sum(input_sizes) != input_bytes or sum(output_sizes) != output_bytes:
                raise ProtocolError("HELLO's tensor sizes do not add up to its input and output bytes")
        names = {rt.protocol_id: rt.name for rt in all_runtimes()}
        return cls(version, names.get(runtime, f"unknown({runtime})"),
                   CYCLE_COUNTERS.get(counter, f"unknown({counter})"), bool(flags & FLAG_PROFILE), clock_hz,
                   input_bytes, output_bytes, op_count, hook_cycles, arena_bytes, digest, input_sizes, output_sizes)


@dataclass(frozen=True)
class Output:
    """One inference's answer: the OUTPUT frame and its OUTPUT_TENSOR frames (``tensors``)."""

    sequence: int
    status: int
    cycles: int
    op_cycles: tuple
    tensors: tuple = ()  # raw bytes of each output tensor

    @property
    def data(self) -> bytes:
        """Every output tensor's bytes, in order."""
        return b"".join(self.tensors)

    def encode(self) -> bytes:
        """The OUTPUT frame's payload (the tensors go in OUTPUT_TENSOR frames: :func:`encode_tensor`)."""
        return (OUTPUT_HEAD.pack(self.sequence, self.status, self.cycles, len(self.op_cycles), 0)
                + struct.pack(f"<{len(self.op_cycles)}I", *self.op_cycles))

    @classmethod
    def decode(cls, payload: bytes) -> "Output":
        if len(payload) < OUTPUT_HEAD.size:
            raise ProtocolError(f"OUTPUT frame of {len(payload)} bytes is shorter than its header")
        sequence, status, cycles, count, _ = OUTPUT_HEAD.unpack_from(payload)
        end = OUTPUT_HEAD.size + 4 * count
        if len(payload) != end:
            raise ProtocolError(f"OUTPUT frame claims {count} operator counts but has {len(payload)} bytes")
        ops = struct.unpack_from(f"<{count}I", payload, OUTPUT_HEAD.size)
        return cls(sequence, status, cycles, tuple(ops))


def encode_tensor(frame_type: int, sequence: int, index: int, data: bytes) -> bytes:
    """An INPUT or OUTPUT_TENSOR frame: one tensor of one sequence."""
    return encode_frame(frame_type, TENSOR_HEAD.pack(sequence, index) + data)


def encode_input(sequence: int, data: bytes, index: int = 0) -> bytes:
    return encode_tensor(FRAME_INPUT, sequence, index, data)


def decode_tensor(payload: bytes) -> tuple:
    """``(sequence, index, data)`` of an INPUT or OUTPUT_TENSOR payload."""
    if len(payload) < TENSOR_HEAD.size:
        raise ProtocolError(f"tensor frame of {len(payload)} bytes is shorter than its header")
    sequence, index = TENSOR_HEAD.unpack_from(payload)
    return sequence, index, payload[TENSOR_HEAD.size:]


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

    def infer(self, sequence: int, tensors) -> Output:
        """Send one INPUT frame per input tensor (``tensors``: a list of bytes, or the bytes of the one
        input), return the OUTPUT with its tensors; resends on a corrupted answer, up to ``retries``."""
        if isinstance(tensors, (bytes, bytearray, memoryview)):
            tensors = [bytes(tensors)]
        frames = b"".join(encode_input(sequence, bytes(t), i) for i, t in enumerate(tensors))
        output_sizes = self.hello.output_sizes if self.hello is not None else None
        failures = []
        for _attempt in range(self.retries + 1):
            self.transport.write(frames)
            head, got = None, {}
            while True:
                frame = self.reader.read_frame(self.timeout_s)
                if frame is None:
                    what = "OUTPUT" if head is None else f"output tensor {len(got)} (OUTPUT_TENSOR)"
                    raise self._timeout(f"waiting for the {what} of input #{sequence}")
                if frame.type in (FRAME_OUTPUT, FRAME_OUTPUT_TENSOR) and not frame.crc_ok:
                    failures.append(f"{FRAME_NAMES[frame.type]} with a bad checksum")
                    break
                if frame.type == FRAME_OUTPUT:
                    out = Output.decode(frame.payload)
                    if out.sequence != sequence:
                        continue  # a late answer to an earlier attempt
                    if out.status != 0:
                        raise ProtocolError(f"model_invoke() failed on the device for input #{sequence} "
                                            f"(status {out.status})")
                    head, got = out, {}
                elif frame.type == FRAME_OUTPUT_TENSOR:
                    seq, index, data = decode_tensor(frame.payload)
                    if seq != sequence or head is None:
                        continue
                    if output_sizes is not None and (index >= len(output_sizes) or len(data) != output_sizes[index]):
                        raise ProtocolError(f"output tensor {index} of input #{sequence} has {len(data)} bytes; "
                                            f"HELLO said {output_sizes[index] if index < len(output_sizes) else 'no such output'}")
                    got[index] = data
                    count = len(output_sizes) if output_sizes is not None else index + 1
                    if len(got) == count:
                        self.retried += len(failures)
                        return Output(head.sequence, head.status, head.cycles, head.op_cycles,
                                      tuple(got[i] for i in range(count)))
                elif frame.type == FRAME_ERROR and frame.crc_ok:
                    seq, code = ERROR_HEAD.unpack_from(frame.payload)
                    message = frame.payload[ERROR_HEAD.size:].decode("ascii", "replace")
                    if code == ERROR_BAD_CHECKSUM:
                        failures.append("the device received an INPUT with a bad checksum")
                        break
                    if code == ERROR_INCOMPLETE and seq == sequence:
                        failures.append("an input tensor did not reach the device")
                        break
                    if code == ERROR_INCOMPLETE:
                        continue  # about an earlier attempt
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
