"""The template context: a pure function of the model, the board, the options and the runtime.

``build_context(model, board, options, runtime, firmware)`` returns the dict every
template of the runtime's project is rendered with.  It reads no files and runs no
tools; the driver (:mod:`codegen.generate`) reads the model, asks the runtime
(:mod:`codegen.runtimes`) to prepare it, and hands its :class:`Firmware` in: the
arena, the flash and code figures and the runtime's own template variables.

The TFLM runtime's arena size (bytes) = the estimator's ``required_bytes`` (smallest arena that
allocates, for the board's pointer width and kernel set) rounded up to
``ARENA_ALIGNMENT_BYTES`` plus ``ARENA_ALIGNMENT_SLACK_BYTES``.  The slack is
for TFLM's alignment of the arena start (``MicroArenaBufferAlignment()``,
16 bytes): the generated array is ``alignas(16)``, but the same model files
dropped into a vendor project may put the arena at any address, and TFLM then
loses up to 15 bytes to ``AlignPointerUp``.  The compiled runtime's static plan is exact.
"""

from __future__ import annotations

import json
import keyword
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from attendnets_base import __version__
from attendnets_base.errors import BadInputError, DoesNotFitError, UnsupportedOperatorError
from codegen.c_types import C_TYPES  # one table, shared with the compiled runtime

# The fit rule and the figures it adds (arena rounding, stack, heap, static data, application code)
# live in one place, shared with `report --board`: converter.report.fit.
from converter.report.fit import (  # noqa: E402,F401  (re-exported: the generator's figures)
    APPLICATION_CODE_BYTES,
    ARENA_ALIGNMENT_BYTES,
    ARENA_ALIGNMENT_SLACK_BYTES,
    DEFAULT_HEAP_BYTES,
    DEFAULT_STACK_BYTES,
    STATIC_DATA_ALLOWANCE_BYTES,
    FitCheck,
    arena_bytes_for,
    check_fit,
)
from converter.tflm.kernel_allocations import KERNEL_SETS  # noqa: F401  (one place: TFLM's kernel sets)
from converter.tflm.arena import resource_variable_names

RESOLVER_METHODS_FILE = Path(__file__).with_name("tflm_resolver_methods.json")

TFLITE_TYPES = {  # TfLiteType enumerators, for the static checks in model.cc
    "int8": "kTfLiteInt8",
    "uint8": "kTfLiteUInt8",
    "int16": "kTfLiteInt16",
    "uint16": "kTfLiteUInt16",
    "int32": "kTfLiteInt32",
    "uint32": "kTfLiteUInt32",
    "int64": "kTfLiteInt64",
    "uint64": "kTfLiteUInt64",
    "float32": "kTfLiteFloat32",
    "bool": "kTfLiteBool",
}
INTEGER_RANGES = {"int8": (-128, 127), "uint8": (0, 255), "int16": (-32768, 32767), "int32": (-(2**31), 2**31 - 1)}
# nRF UARTE BAUDRATE register values (nRF52840 PS 6.34.10.14)
NRF_BAUDRATES = {9600: 0x00275000, 19200: 0x004EA000, 38400: 0x009D0000, 57600: 0x00EB0000,
                 115200: 0x01D60000, 230400: 0x03B00000, 460800: 0x07400000, 1000000: 0x10000000}
BYTES_PER_LINE = 12
# The TFLM interpreter glue's names (tflm/project/src/model.*, op_resolver.h): its C prefix (model_init,
# MODEL_INPUT0_SCALE), its C++ class prefix (ModelOpResolver), its resolver header and the arena several models
# share (None: its own).
DEFAULT_GLUE = {"api": "model", "API": "MODEL", "cls": "Model", "resolver_header": "op_resolver.h",
                "shared_arena": None}


def glue_names(prefix: str, shared_arena=None) -> dict:
    """:data:`DEFAULT_GLUE` for the C prefix ``prefix`` (``kws``: kws_init, KWS_*, KwsOpResolver, kws_op_resolver.h)."""
    if prefix == "model" and shared_arena is None:
        return DEFAULT_GLUE
    cls = "".join(part[:1].upper() + part[1:] for part in prefix.split("_") if part) or "Model"
    return {"api": prefix, "API": prefix.upper(), "cls": cls, "resolver_header": f"{prefix}_op_resolver.h",
            "shared_arena": shared_arena}


@dataclass(frozen=True)
class GenerateOptions:
    """What the user chose (kept apart from the board description)."""

    name: str = "model"  # C identifier prefix of the model array
    kernels: str = "cmsis-nn"
    labels: tuple = ()  # class names, in output order
    sample: tuple | None = None  # input 0 as integers of its dtype; None = every element the zero point
    sample_source: str = "input zero point"
    stack_bytes: int = DEFAULT_STACK_BYTES
    heap_bytes: int = DEFAULT_HEAP_BYTES
    force: bool = False
    model_file_name: str = "model.tflite"
    library: bool = False  # an export (codegen.exports): no main, no startup, the arena placed by the application


# The baud-rate error the STM32 drivers accept: 8N1 tolerates about 3.75 % between both ends together
# (RM0385/RM0433/RM0432, USART receiver tolerance to clock deviation); the divider's rounding keeps 1 %.
STM32_BAUD_ERROR_LIMIT = 0.01


def uart_brr_for(console) -> int:
    """The STM32 USART/LPUART BRR value for the console's kernel clock and baud rate (0 for other drivers).

    USART with 16x oversampling: ``BRR = f_ck / baud``; LPUART: ``BRR = 256 * f_ck / baud``, at least
    0x300 (RM0432 LPUART baud-rate generation). BadInputError when the rounded divider misses the baud by
    more than :data:`STM32_BAUD_ERROR_LIMIT` or is out of the register's range.
    """
    if console.driver not in ("stm32-usart", "stm32-lpuart"):
        return 0
    scale = 256 if console.driver == "stm32-lpuart" else 1
    brr = round(scale * console.kernel_clock_hz / console.baud)
    low, high = (0x300, 0xFFFFF) if scale == 256 else (16, 0xFFFF)
    actual = scale * console.kernel_clock_hz / brr if brr else 0
    if not low <= brr <= high or abs(actual - console.baud) / console.baud > STM32_BAUD_ERROR_LIMIT:
        raise BadInputError(f"{console.peripheral or console.driver}: {console.baud} baud cannot be made from "
                            f"{console.kernel_clock_hz} Hz (BRR {brr})")
    return brr


def check_identifier(name: str) -> str:
    """``name`` if it can prefix C identifiers (``<name>_model_data``), else BadInputError."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", name or ""):
        raise BadInputError(f"--name must be a C identifier (letters, digits, _; not starting with a digit); got {name!r}")
    if name in _C_KEYWORDS or keyword.iskeyword(name) or name == "main":
        raise BadInputError(f"--name {name!r} is a reserved word in C/C++")
    return name


_C_KEYWORDS = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
    "float", "for", "goto", "if", "int", "long", "register", "return", "short", "signed", "sizeof", "static",
    "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "class", "namespace",
    "new", "delete", "template", "this", "operator", "private", "public", "protected", "virtual", "bool",
}


def resolver_methods():
    doc = json.loads(RESOLVER_METHODS_FILE.read_text())
    return doc["builtin"], doc["custom"]


def resolver_entries(model):
    """``[(operator name, MicroMutableOpResolver method)]`` for every distinct operator, sorted.

    Raises UnsupportedOperatorError listing all operators TFLM's resolver cannot register.
    """
    builtin, custom = resolver_methods()
    entries, missing = {}, set()
    for sg in model.subgraphs:
        for op in sg.operators:
            name = op.display_name
            method = custom.get(name) if op.name == "CUSTOM" else builtin.get(name)
            if method is None:
                missing.add(name)
            else:
                entries[name] = method
    if missing:
        raise UnsupportedOperatorError(
            f"TFLM has no kernel for operator(s) {', '.join(sorted(missing))}: cannot generate firmware")
    return sorted(entries.items())


def tensor_info(tensor, role, position):
    if tensor.dtype not in C_TYPES:
        raise UnsupportedOperatorError(f"model {role} {position} has type {tensor.dtype}: the firmware handles "
                                       f"{', '.join(C_TYPES)}")
    if tensor.num_elements <= 0:
        raise UnsupportedOperatorError(f"model {role} {position} ({tensor.name}) has a dynamic shape {tensor.shape}")
    q = tensor.quantization
    quantized = q is not None and len(q.scale) >= 1 and tensor.dtype in INTEGER_RANGES
    return {
        "position": position,
        "index": tensor.index,
        "name": tensor.name,
        "dtype": tensor.dtype,
        "c_type": C_TYPES[tensor.dtype],
        "tflite_type": TFLITE_TYPES[tensor.dtype],
        "shape": list(tensor.shape),
        "num_elements": tensor.num_elements,
        "size_bytes": tensor.size_bytes,
        "quantized": quantized,
        "scale": float(q.scale[0]) if quantized else 1.0,
        "zero_point": int(q.zero_point[0]) if quantized and q.zero_point else 0,
    }


def _hex_lines(data: bytes):
    return [", ".join(f"0x{b:02x}" for b in data[i:i + BYTES_PER_LINE]) + ","
            for i in range(0, len(data), BYTES_PER_LINE)]


def _int_lines(values, per_line=16):
    values = list(values)
    return [", ".join(str(v) for v in values[i:i + per_line]) + "," for i in range(0, len(values), per_line)]


def c_string(text: str) -> str:
    """A C string literal for ``text`` (escaped, ASCII-only)."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif 32 <= ord(ch) < 127:
            out.append(ch)
        else:
            out.append(f"\\{ord(ch) & 0xFF:03o}" if ord(ch) < 256 else "?")
    return '"' + "".join(out) + '"'


def c_float(value: float) -> str:
    """The C literal of the float32 ``value``, exact: finite values as the shortest decimal that
    round-trips, infinities as ``__builtin_inff()`` with their sign, NaNs as ``__builtin_nanf`` (quiet)
    or ``__builtin_nansf`` (signalling) with their sign and payload, so a kernel that copies a NaN
    through (MAXIMUM, SELECT...) copies the model's bits.  The builtins are constant expressions in
    GCC and Clang (C and C++) and need no header."""
    value = np.float32(value)
    if np.isfinite(value):
        return f"{float(value)!r}f"
    bits = int(value.view(np.uint32))
    sign = "-" if bits >> 31 else ""
    if np.isinf(value):
        return f"({sign}__builtin_inff())"
    quiet = bits & 0x400000
    payload = bits & 0x3FFFFF
    return f'({sign}{"__builtin_nanf" if quiet else "__builtin_nansf"}("{payload:#x}"))'


def _resource_variable_names(model):
    return resource_variable_names(model)


def sample_lines(values, info) -> list:
    """C initializer lines of a sample (``values`` of the input ``info`` describes: its dtype's literals)."""
    if info["dtype"] != "float32":
        return _int_lines(values)
    return [", ".join(c_float(float(v)) for v in values[i:i + 8]) + "," for i in range(0, len(values), 8)]


def build_context(model, board, options: GenerateOptions, runtime, firmware) -> dict:
    """Everything the templates need, computed from the inputs only (no I/O).

    ``runtime``: the :class:`codegen.runtimes.base.Runtime`; ``firmware``: what it adds for this
    model (:class:`codegen.runtimes.base.Firmware`: the arena, flash data and code figures, the
    operators, its own template variables).
    """
    if options.kernels not in KERNEL_SETS:
        raise BadInputError(f"--kernels must be one of {', '.join(KERNEL_SETS)}; got {options.kernels!r}")
    name = check_identifier(options.name)
    sg = model.main_subgraph
    if not sg.inputs or not sg.outputs:
        raise BadInputError("the model's main subgraph has no inputs or no outputs")
    ops = firmware.ops
    arena_bytes = firmware.arena_bytes
    arena_required_bytes = firmware.arena_required_bytes
    inputs = [tensor_info(sg.tensor(i), "input", n) for n, i in enumerate(sg.inputs)]
    outputs = [tensor_info(sg.tensor(i), "output", n) for n, i in enumerate(sg.outputs)]

    fit = check_fit(firmware.flash_data_bytes, firmware.code_bytes, arena_bytes, board, options.stack_bytes,
                    options.heap_bytes, model_what=runtime.flash_data_what,
                    arena_parts=firmware.fit_arena_parts)
    if not fit.fits and not options.force:
        raise DoesNotFitError(f"model does not fit {board.name}: {'; '.join(fit.problems)} (--force generates anyway)")

    labels = list(options.labels)
    classes = outputs[0]["num_elements"]
    if labels and len(labels) != classes:
        raise BadInputError(f"{len(labels)} labels given but output 0 has {classes} elements")

    sample = None
    if options.sample is not None:
        if len(options.sample) != inputs[0]["num_elements"]:
            raise BadInputError(f"sample has {len(options.sample)} elements; input 0 needs {inputs[0]['num_elements']}")
        sample = sample_lines(options.sample, inputs[0])

    if board.console.kind == "uart" and board.console.driver == "nrf-uarte":
        if board.console.baud not in NRF_BAUDRATES:
            raise BadInputError(f"board {board.name}: nRF UARTE baud {board.console.baud} not in {sorted(NRF_BAUDRATES)}")
        nrf_baudrate = NRF_BAUDRATES[board.console.baud]
    else:
        nrf_baudrate = 0

    uart_brr = uart_brr_for(board.console) if board.console.kind == "uart" else 0

    if board.cycle_counter == "dwt":
        counter_name, counter_doc = "DWT CYCCNT", "DWT CYCCNT, extended to 64 bits in software."
    else:
        counter_name = "SysTick"
        counter_doc = "SysTick (24-bit) plus a software count of its wraps."
    exit_doc = ("Semihosting SYS_EXIT_EXTENDED: QEMU (or the debugger) ends with this status."
                if board.console.kind == "semihosting" else
                "No host to report to on this board: flushes the console and sleeps forever.")

    return {
        "generator": {"name": "attendnets", "version": __version__},
        "runtime": runtime.name,
        "library": options.library,
        "glue": DEFAULT_GLUE,  # the TFLM glue's names (a runtime's context may give its own: codegen.several)
        **firmware.context,  # the runtime's own variables
        "board": board,
        "project": {
            "name": name,
            "guard": name.upper(),
            "kernels": options.kernels,
            "model_file_name": options.model_file_name,
            "stack_bytes": options.stack_bytes,
            "heap_bytes": options.heap_bytes,
        },
        "stack_bytes": options.stack_bytes,
        "heap_bytes": options.heap_bytes,
        "model": {
            "size_bytes": model.size_bytes,
            "hex_lines": _hex_lines(model.data) if firmware.embeds_tflite else [],
            "description": model.description,
        },
        "arena": {
            "bytes": arena_bytes,
            "required_bytes": int(arena_required_bytes),
            "alignment_bytes": ARENA_ALIGNMENT_BYTES,
            "alignment_slack_bytes": ARENA_ALIGNMENT_SLACK_BYTES,
            "slack_bytes": arena_bytes - int(arena_required_bytes),
            "note": firmware.arena_note,
            "parts": list(firmware.arena_parts),
        },
        "fit": fit,
        "inputs": inputs,
        "outputs": outputs,
        "ops": [{"name": n, "method": m} for n, m in ops],
        # VAR_HANDLE shared names: model.cc creates that many MicroResourceVariables in the arena
        # (as the arena estimator and the tflite-micro package do).
        "resource_variables": len(_resource_variable_names(model)),
        "labels": [c_string(label) for label in labels],
        "label_texts": labels,
        "sample": {"lines": sample, "source": options.sample_source},
        "top_k": min(3, classes),
        "cycle_counter_name": counter_name,
        "cycle_counter_doc": counter_doc,
        "exit_doc": exit_doc,
        "nrf_baudrate": nrf_baudrate,
        "uart_brr": uart_brr,
        "c_float": c_float,
        "c_string": c_string,
    }
