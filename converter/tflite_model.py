"""Read a ``.tflite`` flatbuffer into plain Python objects, without TensorFlow.

This is the one reader of TFLite files on the TensorFlow-free path (check,
inspect, arena, report, generate, build, size, flash).  It uses the generated
Python classes of the TFLite schema (the ``tflite`` package) and copies what
the tools need into small dataclasses, so callers never touch flatbuffer
accessors.

The reader treats the file as untrusted: every vector length is checked
against the file size before it is walked, every failure becomes an
:class:`~attendnets_base.errors.InvalidModelError` whose message names where in the
file the reader was (``subgraph 0 / tensor 12 / shape``), and nothing loops
more often than the file has bytes.

Example::

    model = load_model("model.tflite")
    for op in model.subgraphs[0].operators:
        print(op.index, op.name, op.version, op.inputs, op.outputs)
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tflite.Model import Model
from tflite.QuantizationDetails import QuantizationDetails  # noqa: F401  (the schema has it: a tflite package too old fails here)

from attendnets_base.errors import BadInputError, InvalidModelError

FILE_IDENTIFIER = b"TFL3"

#: TensorType enum value -> (name, bytes per element as TFLM's TfLiteTypeSizeOf
#: in tensorflow/lite/micro/memory_helpers.cc gives it; 0 where TFLM has no size).
TENSOR_TYPES = {
    0: ("float32", 4),
    1: ("float16", 2),
    2: ("int32", 4),
    3: ("uint8", 1),
    4: ("int64", 8),
    5: ("string", 0),
    6: ("bool", 1),
    7: ("int16", 2),
    8: ("complex64", 8),
    9: ("int8", 1),
    10: ("float64", 8),
    11: ("complex128", 16),
    12: ("uint64", 8),
    13: ("resource", 4),
    14: ("variant", 0),
    15: ("uint32", 4),
    16: ("uint16", 2),
    17: ("int4", 1),  # TFLM unpacks int4 to one byte per element in the arena
    18: ("bfloat16", 2),
}


def _enum_names(module_name):
    """Map value -> NAME for one of the ``tflite`` package's enum classes."""
    module = importlib.import_module(f"tflite.{module_name}")
    enum_class = getattr(module, module_name)
    return {value: name for name, value in vars(enum_class).items() if not name.startswith("_")}


_BUILTIN_OPERATOR_NAMES = _enum_names("BuiltinOperator")
_BUILTIN_OPTIONS_NAMES = _enum_names("BuiltinOptions")
# Option fields whose integer values are enums; shown by name.
_OPTION_ENUMS = {
    "padding": _enum_names("Padding"),
    "fused_activation_function": _enum_names("ActivationFunctionType"),
    "weights_format": _enum_names("FullyConnectedOptionsWeightsFormat"),
    "lsh_projection_type": _enum_names("LSHProjectionType"),
    "combiner": _enum_names("CombinerType"),
    "kernel_type": _enum_names("LSTMKernelType"),
    "mirror_pad_mode": _enum_names("MirrorPadMode"),
    "mode": _enum_names("MirrorPadMode"),
    "reduce_op": _enum_names("ReduceWindowFunction") if importlib.util.find_spec("tflite.ReduceWindowFunction") else {},
}


@dataclass(frozen=True)
class Quantization:
    scale: tuple
    zero_point: tuple
    quantized_dimension: int = 0

    @property
    def is_per_channel(self):
        return len(self.scale) > 1


@dataclass
class Tensor:
    index: int
    name: str
    shape: tuple
    shape_signature: tuple | None
    dtype: str
    type_code: int
    buffer: int
    is_constant: bool
    is_variable: bool
    element_size_bytes: int
    quantization: Quantization | None
    has_sparsity: bool = False

    @property
    def num_elements(self):
        """Element count; 0 for a dynamic shape (a negative dimension)."""
        if any(d < 0 for d in self.shape):
            return 0
        count = 1
        for d in self.shape:
            count *= d
        return count

    @property
    def size_bytes(self):
        """Bytes the tensor occupies as TFLM lays it out (element count x element size)."""
        return self.num_elements * self.element_size_bytes

    @property
    def is_per_channel(self):
        return self.quantization is not None and self.quantization.is_per_channel


@dataclass
class Operator:
    index: int
    opcode_index: int
    name: str
    builtin_code: int
    custom_code: str | None
    version: int
    inputs: tuple
    outputs: tuple
    intermediates: tuple
    options: dict = field(default_factory=dict)
    custom_options: bytes | None = None

    @property
    def display_name(self) -> str:
        """The name people see: the builtin name, or a custom operator's custom code."""
        return display_name(self.name, self.custom_code)


@dataclass
class Subgraph:
    index: int
    name: str
    tensors: list
    operators: list
    inputs: list
    outputs: list

    def tensor(self, i):
        return self.tensors[i]


@dataclass(frozen=True)
class OperatorCode:
    index: int
    builtin_code: int
    name: str
    custom_code: str | None
    version: int

    @property
    def display_name(self) -> str:
        return display_name(self.name, self.custom_code)


def display_name(name: str, custom_code: str | None) -> str:
    """An operator's name as every report shows it: ``CUSTOM`` operators by their custom code (when set)."""
    return custom_code if name == "CUSTOM" and custom_code else name


@dataclass
class Buffer:
    index: int
    size_bytes: int
    offset: int | None  # file offset of the data (inline or external)
    data: bytes | None


@dataclass
class TFLiteModel:
    path: Path | None
    data: bytes
    version: int
    description: str
    operator_codes: list
    buffers: list
    metadata: dict
    subgraphs: list
    raw: object = field(repr=False, default=None)

    @property
    def size_bytes(self):
        return len(self.data)

    @property
    def main_subgraph(self):
        return self.subgraphs[0]

    def operator_names(self):
        """Sorted distinct operator names used anywhere in the model."""
        return sorted({op.name for sg in self.subgraphs for op in sg.operators})


class _Reader:
    """Walks the flatbuffer with a breadcrumb of where it is."""

    def __init__(self, data: bytes):
        self.data = data
        self.size = len(data)
        self.where = []

    def fail(self, message):
        raise InvalidModelError(_one_line(message), _one_line(" / ".join(self.where)) or "file header")

    def check_length(self, length, element_bytes, what):
        if length < 0 or length * element_bytes > self.size:
            self.fail(f"broken flatbuffer: {what} claims {length} entries in a {self.size}-byte file")
        return length

    def numbers(self, obj, name):
        """A scalar vector field as a tuple of Python ints (bounded by the file size)."""
        if getattr(obj, f"{name}IsNone")():
            return ()
        length = self.check_length(getattr(obj, f"{name}Length")(), 1, name)
        if length == 0:
            return ()
        array = getattr(obj, f"{name}AsNumpy")()
        if isinstance(array, int) or len(array) != length:
            self.fail(f"broken flatbuffer: vector {name} runs past the end of the file")
        return tuple(array.tolist())


def _one_line(text, limit=200):
    """Text from a possibly corrupt file made safe for a one-line error message:
    control and other non-printable characters escaped, clipped to ``limit``."""
    text = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _decode_text(raw):
    """A string of the file (a name, a custom code) with control and other non-printable characters escaped:
    a corrupt length field can run a name through binary data, which must not break a one-line message."""
    if raw is None:
        return ""
    text = raw.decode("utf-8", errors="replace")
    return text if text.isprintable() else "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


def load_model(source) -> TFLiteModel:
    """Parse a ``.tflite`` file (path, or the bytes of one).

    Raises :class:`InvalidModelError` for anything that is not a well-formed
    TFLite flatbuffer, and :class:`BadInputError` for a missing file.
    """
    path = None
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    else:
        path = Path(source)
        if not path.exists():
            raise BadInputError(f"model file not found: {path}")
        if not path.is_file():
            raise BadInputError(f"model path is not a file: {path}")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise BadInputError(f"cannot read {path}: {exc.strerror}") from None
    label = str(path) if path else "model bytes"
    if len(data) < 8:
        raise InvalidModelError(f"{label} is not a TFLite model ({len(data)} bytes; too short)")
    if data[4:8] != FILE_IDENTIFIER:
        raise InvalidModelError(f"{label} is not a TFLite model (no 'TFL3' file identifier)")
    reader = _Reader(data)
    try:
        return _read_model(reader, data, path)
    except InvalidModelError as exc:
        raise InvalidModelError(f"{label}: {exc}") from None
    except (struct.error, IndexError, ValueError, TypeError, AttributeError, OverflowError,
            UnicodeDecodeError, RecursionError, MemoryError) as exc:
        if isinstance(exc, (struct.error, IndexError)):
            # Reads past the end: the usual sign of a truncated download or copy.
            detail = f"an offset points past the end of its {len(data):,} bytes; truncated?"
        else:
            detail = f"{type(exc).__name__}: {_one_line(str(exc).split(chr(10))[0], 120)}"
        raise InvalidModelError(
            f"{label} is a corrupt TFLite flatbuffer ({detail})",
            " / ".join(reader.where) or "file header",
        ) from None


def _read_model(r: _Reader, data: bytes, path):
    root = struct.unpack_from("<I", data, 0)[0]
    if root >= len(data):
        r.fail("broken flatbuffer: root table offset points past the end of the file")
    raw = Model.GetRootAs(data, 0)
    r.where = ["model"]
    version = raw.Version()
    description = _decode_text(raw.Description())

    r.where = ["operator codes"]
    operator_codes = []
    for i in range(r.check_length(raw.OperatorCodesLength(), 4, "operator_codes")):
        r.where = ["operator codes", f"code {i}"]
        code = raw.OperatorCodes(i)
        builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
        custom = _decode_text(code.CustomCode()) if code.CustomCode() is not None else None
        name = _BUILTIN_OPERATOR_NAMES.get(builtin, f"BUILTIN_{builtin}")
        operator_codes.append(OperatorCode(i, builtin, name, custom, max(1, code.Version())))

    r.where = ["buffers"]
    buffers = []
    for i in range(r.check_length(raw.BuffersLength(), 4, "buffers")):
        r.where = ["buffers", f"buffer {i}"]
        buf = raw.Buffers(i)
        external_offset = buf.Offset()
        if external_offset > 1:
            size = buf.Size()
            if external_offset + size > len(data):
                r.fail(f"buffer {i} data (offset {external_offset}, {size} bytes) lies past the end of the file")
            buffers.append(Buffer(i, size, external_offset, data[external_offset:external_offset + size]))
            continue
        if buf.DataIsNone() or buf.DataLength() == 0:
            buffers.append(Buffer(i, 0, None, None))
            continue
        length = r.check_length(buf.DataLength(), 1, "buffer data")
        start = buf._tab.Vector(buf._tab.Offset(4))
        if start + length > len(data):
            r.fail("broken flatbuffer: buffer data runs past the end of the file")
        buffers.append(Buffer(i, length, start, data[start:start + length]))

    r.where = ["metadata"]
    metadata = {}
    for i in range(r.check_length(raw.MetadataLength(), 4, "metadata")):
        r.where = ["metadata", f"entry {i}"]
        entry = raw.Metadata(i)
        name = _decode_text(entry.Name())
        index = entry.Buffer()
        if not 0 <= index < len(buffers):
            r.fail(f"metadata '{_one_line(name, 60)}' names buffer {index}, the model has {len(buffers)}")
        metadata[name] = buffers[index].data or b""

    r.where = ["subgraphs"]
    subgraphs = []
    count = r.check_length(raw.SubgraphsLength(), 4, "subgraphs")
    if count == 0:
        r.fail("the model has no subgraphs")
    for s in range(count):
        subgraphs.append(_read_subgraph(r, raw.Subgraphs(s), s, operator_codes, buffers))
    r.where = []
    return TFLiteModel(path, data, version, description, operator_codes, buffers, metadata, subgraphs, raw)


def _read_subgraph(r: _Reader, sg, s, operator_codes, buffers):
    r.where = [f"subgraph {s}"]
    name = _decode_text(sg.Name())
    tensors = []
    for t in range(r.check_length(sg.TensorsLength(), 4, "tensors")):
        r.where = [f"subgraph {s}", f"tensor {t}"]
        tensors.append(_read_tensor(r, sg.Tensors(t), t, buffers))
    n_tensors = len(tensors)

    def tensor_refs(values, what, allow_optional):
        for v in values:
            if v == -1 and allow_optional:
                continue
            if not 0 <= v < n_tensors:
                r.fail(f"{what} refers to tensor {v}, the subgraph has {n_tensors}")
        return values

    r.where = [f"subgraph {s}", "inputs"]
    inputs = list(tensor_refs(r.numbers(sg, "Inputs"), "subgraph input", False))
    r.where = [f"subgraph {s}", "outputs"]
    outputs = list(tensor_refs(r.numbers(sg, "Outputs"), "subgraph output", False))
    operators = []
    for o in range(r.check_length(sg.OperatorsLength(), 4, "operators")):
        r.where = [f"subgraph {s}", f"operator {o}"]
        op = sg.Operators(o)
        opcode_index = op.OpcodeIndex()
        if not 0 <= opcode_index < len(operator_codes):
            r.fail(f"operator uses opcode {opcode_index}, the model has {len(operator_codes)}")
        code = operator_codes[opcode_index]
        r.where = [f"subgraph {s}", f"operator {o} ({code.name})", "inputs"]
        op_inputs = tensor_refs(r.numbers(op, "Inputs"), "operator input", True)
        r.where[-1] = "outputs"
        op_outputs = tensor_refs(r.numbers(op, "Outputs"), "operator output", True)
        r.where[-1] = "intermediates"
        op_intermediates = tensor_refs(r.numbers(op, "Intermediates"), "operator intermediate", True)
        r.where[-1] = "options"
        options = _read_options(op)
        custom_options = None
        if not op.CustomOptionsIsNone() and op.CustomOptionsLength() > 0:
            r.check_length(op.CustomOptionsLength(), 1, "custom_options")
            custom_options = bytes(op.CustomOptionsAsNumpy().tobytes())
        operators.append(
            Operator(
                index=o,
                opcode_index=opcode_index,
                name=code.name,
                builtin_code=code.builtin_code,
                custom_code=code.custom_code,
                version=code.version,
                inputs=op_inputs,
                outputs=op_outputs,
                intermediates=op_intermediates,
                options=options,
                custom_options=custom_options,
            )
        )
    return Subgraph(s, name, tensors, operators, inputs, outputs)


def _read_tensor(r: _Reader, t, index, buffers):
    r.where.append("shape")
    shape = r.numbers(t, "Shape")
    r.where[-1] = "shape_signature"
    signature = r.numbers(t, "ShapeSignature") if not t.ShapeSignatureIsNone() else None
    r.where[-1] = "type"
    type_code = t.Type()
    dtype, element_size = TENSOR_TYPES.get(type_code, (f"type{type_code}", 0))
    buffer_index = t.Buffer()
    if not 0 <= buffer_index < max(len(buffers), 1):
        r.fail(f"tensor uses buffer {buffer_index}, the model has {len(buffers)}")
    is_constant = bool(buffers) and buffers[buffer_index].size_bytes > 0
    r.where[-1] = "quantization"
    quantization = None
    q = t.Quantization()
    if q is not None:
        scale = r.numbers(q, "Scale")
        zero_point = r.numbers(q, "ZeroPoint")
        if scale or zero_point:
            quantization = Quantization(
                tuple(float(v) for v in scale), tuple(int(v) for v in zero_point), q.QuantizedDimension()
            )
    r.where.pop()
    return Tensor(
        index=index,
        name=_decode_text(t.Name()),
        shape=tuple(int(d) for d in shape),
        shape_signature=tuple(int(d) for d in signature) if signature is not None else None,
        dtype=dtype,
        type_code=type_code,
        buffer=buffer_index,
        is_constant=is_constant,
        is_variable=bool(t.IsVariable()),
        element_size_bytes=element_size,
        quantization=quantization,
        has_sparsity=t.Sparsity() is not None,
    )


_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")
_SKIP_SUFFIXES = ("AsNumpy", "Length", "IsNone")


def _read_options(op):
    """Builtin options as ``{snake_case_field: value}``; enums by name."""
    options_type = op.BuiltinOptionsType()
    if options_type == 0:
        return {}
    class_name = _BUILTIN_OPTIONS_NAMES.get(options_type)
    if class_name is None:
        return {}
    table = op.BuiltinOptions()
    if table is None:
        return {}
    try:
        module = importlib.import_module(f"tflite.{class_name}")
    except ImportError:
        return {}
    options = getattr(module, class_name)()
    options.Init(table.Bytes, table.Pos)
    values = {}
    for attr in dir(options):
        if attr.startswith("_") or attr in ("Init", "GetRootAs") or attr.startswith("GetRootAs"):
            continue
        if attr.endswith(_SKIP_SUFFIXES) or attr.endswith("BufferHasIdentifier"):
            continue
        method = getattr(options, attr)
        if not callable(method):
            continue
        key = _CAMEL.sub("_", attr).lower()
        try:
            if method.__code__.co_argcount == 1:
                value = method()
            elif hasattr(options, attr + "AsNumpy"):
                if getattr(options, attr + "IsNone")():
                    value = ()
                else:
                    value = tuple(getattr(options, attr + "AsNumpy")().tolist())
            else:
                continue
        except AttributeError:
            continue
        if isinstance(value, (bool, np.bool_)):
            value = bool(value)
        elif isinstance(value, (int, np.integer)):
            value = int(value)
            names = _OPTION_ENUMS.get(key)
            if names:
                value = names.get(value, value)
        elif isinstance(value, (float, np.floating)):
            value = float(value)
        elif isinstance(value, bytes):
            value = _decode_text(value)
        elif not isinstance(value, tuple):
            continue  # nested tables: not needed by any tool today
        values[key] = value
    return values
