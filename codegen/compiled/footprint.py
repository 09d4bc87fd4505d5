"""The compiled runtime's code estimate, bytes (its arena and constants come from the emitted
model; codegen.runtimes.compiled hands all three to generate and report).

The code estimate (before anything is built; ``attendnets size`` reports the real figure):
the application (main, platform layer, startup, newlib's printf: :data:`APPLICATION_CODE_BYTES`,
the TFLM project's allowance, shared), plus per kernel library file its measured size
(``kernel_code_size.json``, Cortex-M4 -O2, written by ``bench/compiled_runtime.py``; a file not
measured counts :data:`DEFAULT_KERNEL_CODE_BYTES`), plus per call in ``model_invoke()``
:data:`CALL_CODE_BYTES` and its parameter struct.
"""

from __future__ import annotations

import json
from pathlib import Path

from converter.report.fit import APPLICATION_CODE_BYTES

KERNEL_CODE_SIZE_FILE = Path(__file__).with_name("kernel_code_size.json")
DEFAULT_KERNEL_CODE_BYTES = 2048
CALL_CODE_BYTES = 32  # load the arguments, bl, the profile hooks compiled out
PARAMS_BYTES = 48  # a typical static const parameter struct


def kernel_code_sizes() -> dict:
    if KERNEL_CODE_SIZE_FILE.is_file():
        return json.loads(KERNEL_CODE_SIZE_FILE.read_text()).get("bytes", {})
    return {}


def estimate_code_bytes(compiled) -> int:
    """Flash for code (not constants) of a :class:`codegen.compiled.generate.CompiledModel`."""
    sizes = kernel_code_sizes()
    kernels = sum(int(sizes.get(src, DEFAULT_KERNEL_CODE_BYTES)) for src in compiled.kernel_sources)
    calls = sum(CALL_CODE_BYTES + PARAMS_BYTES * len(step.params) for step in compiled.program.steps if step.function)
    return APPLICATION_CODE_BYTES + kernels + calls
