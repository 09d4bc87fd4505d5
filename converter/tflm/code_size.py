"""Flash for the code of a TFLM firmware, from a table measured from real links by bench/tflm_code_size.py.

The table (data file ``tflm_code_size.json`` beside this module), per board and kernel set: the TFLM
runtime's bytes and the application's (main, model glue, platform layer, startup, the C and C++
libraries) in the board's generated project linked with no operator registered; per CPU and kernel
set: the linked input sections (name and bytes) each operator's registration adds to that link (its
kernel, the helpers and library functions it pulls).  A model's estimate is the board's runtime and
application plus every section its operators pull, each section once however many operators pull it
(kernel_util, the quantization helpers, CMSIS-NN's shared routines) and not again when the
application's link holds it already.  Sizes are bytes of linked flash (code, read-only data, .data's
initial values), the model array left out.  The error against real links of every shared and corpus
model is published in docs/results_code_size.md (bench/code_size_vs_link.py).

A board the table does not list takes the figures of the table's default board (its CPU's, when a
measured board has the same CPU flags) and the estimate's method says so.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

CODE_SIZE_FILE = Path(__file__).with_name("tflm_code_size.json")
DEFAULT_OPERATOR_NOTE = "not measured: the median operator's bytes"


@dataclass(frozen=True)
class CodeSizeEstimate:
    """TFLM code for one model on one board, bytes: runtime + each distinct operator's kernel + a correction,
    and the application beside it.

    ``kernel_bytes``: each operator's sections linked beside the runtime and application (its kernel
    linked alone); ``shared_correction_bytes`` (<= 0) takes back the sections several of them share.
    ``application_bytes``: main, model glue, platform layer, startup, C library of the generated project.
    ``method`` says how the figures were measured (and any fallback used).
    """

    runtime_bytes: int
    kernel_bytes: dict  # operator name -> bytes of its kernel linked alone
    shared_correction_bytes: int
    method: str
    application_bytes: int = 0

    @property
    def total_bytes(self) -> int:
        """TFLM's code: the runtime and the kernels."""
        return self.runtime_bytes + sum(self.kernel_bytes.values()) + self.shared_correction_bytes

    @property
    def firmware_bytes(self) -> int:
        """Everything in the firmware's flash but the model: TFLM's code and the application's."""
        return self.total_bytes + self.application_bytes


# Allowances while no measured table is at hand (bench/tflm_code_size.py being run to make one), bytes.
ALLOWANCE_RUNTIME_BYTES = 48 * 1024
ALLOWANCE_OPERATOR_BYTES = 4 * 1024
ALLOWANCE_APPLICATION_BYTES = 16 * 1024


@functools.lru_cache(maxsize=1)
def code_size_table() -> dict:
    """The measured TFLM code size table (data file ``tflm_code_size.json``); {} when there is none."""
    try:
        return json.loads(CODE_SIZE_FILE.read_text())
    except (OSError, ValueError):
        return {}


def _board_entry(table: dict, board, kernels: str, notes: list) -> tuple:
    """(board name, board entry) the figures come from for ``board`` (a Board or None) and ``kernels``: the
    board's own; else a measured board of the same CPU flags (the default board first) with those kernels;
    else the default board."""
    boards = table["boards"]
    name = getattr(board, "name", None)
    if name in boards and kernels in boards[name]["kernels"]:
        return name, boards[name]
    default = table["default_board"]
    flags = boards[name]["cpu"] if name in boards else " ".join(getattr(board, "cpu_flags", ()) or ())
    same_cpu = sorted((n for n, e in boards.items() if e["cpu"] == flags and kernels in e["kernels"]),
                      key=lambda n: (n != default, n))
    chosen = same_cpu[0] if same_cpu else default
    if name is None:
        notes.append(f"no board: {chosen}'s figures")
    elif name in boards and same_cpu:
        notes.append(f"{kernels} kernels not measured on {name}: {chosen}'s (the same CPU flags)")
    elif same_cpu:
        notes.append(f"{name} not measured: {chosen}'s figures (the same CPU flags)")
    elif name != chosen:
        notes.append(f"{name} ({getattr(board, 'cpu', '?')}) not measured: {chosen}'s figures, expect a different "
                     "size")
    return chosen, boards[chosen]


def estimate_code_bytes(op_names, kernels: str, board=None) -> CodeSizeEstimate:
    """TFLM firmware code bytes for a model whose operators are ``op_names``, kernel set ``kernels``,
    on ``board`` (a :class:`codegen.boards.Board`; None: the table's default board)."""
    table = code_size_table()
    if "boards" not in table:
        names = sorted(set(op_names))
        return CodeSizeEstimate(ALLOWANCE_RUNTIME_BYTES, dict.fromkeys(names, ALLOWANCE_OPERATOR_BYTES), 0,
                                f"allowances: no measured table in {CODE_SIZE_FILE.name}", ALLOWANCE_APPLICATION_BYTES)
    notes = []
    board_name, entry = _board_entry(table, board, kernels, notes)
    if kernels not in entry["kernels"]:
        other = sorted(entry["kernels"])[0]
        notes.append(f"no {kernels} measurement in the table: {other}-kernel figures used")
        kernels = other
    base = entry["kernels"][kernels]
    measured = table["cpus"][entry["cpu"]]["kernels"][kernels]
    sizes = [measured["sections"][key] for key in sorted(measured["sections"])]
    in_base = set(base["base_sections"])
    pulled = {op: set(indices) - in_base for op, indices in measured["operators"].items()}
    standalone = {op: sum(sizes[i] for i in sections) for op, sections in pulled.items()}
    fallback = sorted(standalone.values())[len(standalone) // 2]
    names = sorted(set(op_names))
    unknown = [n for n in names if n not in pulled]
    if unknown:
        notes.append(f"{', '.join(unknown)} {DEFAULT_OPERATOR_NOTE} ({fallback} B)")
    kernel_bytes = {n: standalone.get(n, fallback) for n in names}
    known = [n for n in names if n in pulled]
    union = set().union(*(pulled[n] for n in known)) if known else set()
    correction = sum(sizes[i] for i in union) - sum(kernel_bytes[n] for n in known)
    method = (f"estimate from links measured by bench/tflm_code_size.py ({board_name}, {kernels} kernels: "
              f"runtime {base['runtime_bytes']} B + application {base['application_bytes']} B + each operator's "
              "linked sections, shared ones once)")
    if notes:
        method += "; " + "; ".join(notes)
    return CodeSizeEstimate(base["runtime_bytes"], kernel_bytes, correction, method, base["application_bytes"])
