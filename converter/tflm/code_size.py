"""Flash for TFLM's code, from the per-operator table measured by bench/tflm_code_size.py.

The table (data file ``tflm_code_size.json`` beside this module) holds, per kernel set,
the interpreter runtime's bytes, each operator kernel's standalone bytes, and the helpers
several kernels share (so they are counted once, not once per kernel).  All sizes are
bytes of linked Thumb code for the CPU the table names.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

CODE_SIZE_FILE = Path(__file__).with_name("tflm_code_size.json")


@dataclass(frozen=True)
class CodeSizeEstimate:
    """TFLM code for one model: runtime + each distinct operator's kernel + a correction.

    ``shared_correction_bytes`` (<= 0) takes back the helpers several of the kernels share.
    ``method`` says how the figures were measured (and any fallback used).
    """

    runtime_bytes: int
    kernel_bytes: dict  # operator name -> standalone kernel bytes
    shared_correction_bytes: int
    method: str

    @property
    def total_bytes(self) -> int:
        return self.runtime_bytes + sum(self.kernel_bytes.values()) + self.shared_correction_bytes


@functools.lru_cache(maxsize=1)
def code_size_table() -> dict:
    """The per-operator TFLM code size table (data file ``tflm_code_size.json``)."""
    return json.loads(CODE_SIZE_FILE.read_text())


def estimate_code_bytes(op_names, kernels: str) -> CodeSizeEstimate:
    """TFLM code bytes for a model whose operators are ``op_names`` with kernel set ``kernels``."""
    table = code_size_table()
    method = table["method"]
    if kernels not in table["kernels"]:
        method += f"; no {kernels} measurement in the table: reference-kernel figures used"
        kernels = "reference"
    standalone = table["kernels"][kernels]
    runtime = table["runtime_bytes_by_kernels"][kernels]
    fallback = table["unknown_operator_bytes"]
    names = sorted(set(op_names))
    kernel_bytes = {name: standalone.get(name, fallback) for name in names}
    own = table.get("kernel_own_bytes", {}).get(kernels, {})
    helpers_of = table.get("kernel_shared_helpers", {}).get(kernels, {})
    helper_bytes = table.get("shared_helper_bytes", {}).get(kernels, [])
    measured = [n for n in names if n in own and n in helpers_of]
    helpers = set().union(*(helpers_of[n] for n in measured)) if measured else set()
    shared_once = sum(own[n] for n in measured) + sum(helper_bytes[h] for h in helpers)
    correction = shared_once - sum(kernel_bytes[n] for n in measured)
    return CodeSizeEstimate(runtime, kernel_bytes, min(correction, 0), method)
