"""What the compiled runtime needs of a board: arena, constants and a code estimate, bytes.

The code estimate (before anything is built; ``attendnets size`` reports the real figure):
the application (main, platform layer, startup, newlib's printf: :data:`APPLICATION_CODE_BYTES`,
the TFLM project's allowance, shared), plus per kernel library file its measured size
(``kernel_code_size.json``, Cortex-M4 -O2, written by ``bench/compiled_runtime.py``; a file not
measured counts :data:`DEFAULT_KERNEL_CODE_BYTES`), plus per call in ``model_invoke()``
:data:`CALL_CODE_BYTES` and its parameter struct.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

KERNEL_CODE_SIZE_FILE = Path(__file__).with_name("kernel_code_size.json")
DEFAULT_KERNEL_CODE_BYTES = 2048
CALL_CODE_BYTES = 32  # load the arguments, bl, the profile hooks compiled out
PARAMS_BYTES = 48  # a typical static const parameter struct


def application_code_bytes() -> int:
    from codegen.context import APPLICATION_CODE_BYTES

    return APPLICATION_CODE_BYTES


def kernel_code_sizes() -> dict:
    if KERNEL_CODE_SIZE_FILE.is_file():
        return json.loads(KERNEL_CODE_SIZE_FILE.read_text()).get("bytes", {})
    return {}


def estimate_code_bytes(compiled) -> int:
    """Flash for code (not constants) of a :class:`codegen.compiled.generate.CompiledModel`."""
    sizes = kernel_code_sizes()
    kernels = sum(int(sizes.get(src, DEFAULT_KERNEL_CODE_BYTES)) for src in compiled.kernel_sources)
    calls = sum(CALL_CODE_BYTES + PARAMS_BYTES * len(step.params) for step in compiled.program.steps if step.function)
    return application_code_bytes() + kernels + calls


@dataclass(frozen=True)
class CompiledFootprint:
    """The compiled runtime's figures for one model (None fields when it cannot run it)."""

    supported: bool
    reasons: tuple
    arena_bytes: int | None = None  # activations + kernel scratch (the static arena, exact)
    scratch_bytes: int | None = None  # largest kernel scratch, inside the arena
    constants_bytes: int | None = None  # weights, biases, requantization in flash
    code_bytes: int | None = None  # estimate
    planner: str = ""
    arena_parts: tuple = ()  # ((region name, bytes), ...) when planned for a board's regions

    def to_dict(self):
        return {"supported": self.supported, "reasons": list(self.reasons), "arena_bytes": self.arena_bytes,
                "scratch_bytes": self.scratch_bytes, "constants_bytes": self.constants_bytes,
                "code_estimate_bytes": self.code_bytes, "planner": self.planner}


def compiled_footprint(model, board=None) -> CompiledFootprint:
    """The figures of ``model`` under the compiled runtime (or why it cannot run it). With a ``board`` the
    arena is planned over its RAM regions as ``generate`` does (split when one region is too small)."""
    from codegen.compiled.generate import CompiledRuntimeUnsupportedError, compile_model

    regions = None
    if board is not None:
        from codegen.context import DEFAULT_HEAP_BYTES
        from codegen.generate import COMPILED_STACK_BYTES, arena_regions

        regions = arena_regions(board, COMPILED_STACK_BYTES, DEFAULT_HEAP_BYTES)
    try:
        compiled = compile_model(model, regions=regions)
    except CompiledRuntimeUnsupportedError as exc:
        return CompiledFootprint(False, exc.reasons)
    parts = tuple((p.region.name, -(-p.arena_bytes // 16) * 16) for p in compiled.program.arena_parts) \
        if regions else ()
    return CompiledFootprint(True, (), compiled.arena_bytes, compiled.largest_scratch_bytes, compiled.constants_bytes,
                             estimate_code_bytes(compiled), compiled.planner, parts)


def compiled_runtime_footprint(model, board=None):
    """The compiled runtime's :class:`converter.report.runtimes.RuntimeFootprint` of ``model``."""
    from codegen.context import DEFAULT_HEAP_BYTES, STATIC_DATA_ALLOWANCE_BYTES
    from codegen.generate import COMPILED_STACK_BYTES
    from converter.report.runtimes import RuntimeFootprint

    f = compiled_footprint(model, board)
    if not f.supported:
        return RuntimeFootprint("compiled", False, f.reasons)
    return RuntimeFootprint(
        "compiled", True, (), f.arena_bytes, f.scratch_bytes,
        COMPILED_STACK_BYTES + DEFAULT_HEAP_BYTES + STATIC_DATA_ALLOWANCE_BYTES, f.constants_bytes, f.code_bytes,
        note=f"static arena ({f.planner}); code: kernels as measured in kernel_code_size.json + application",
        arena_parts=f.arena_parts,
    ).with_board(board)


def tflm_runtime_footprint(report, board=None):
    """The TFLM project's footprint with the generator's allowances (stack, heap, static data, application)."""
    from codegen.context import (APPLICATION_CODE_BYTES, DEFAULT_HEAP_BYTES, DEFAULT_STACK_BYTES,
                                 STATIC_DATA_ALLOWANCE_BYTES)
    from converter.report.runtimes import tflm_footprint

    return tflm_footprint(report, APPLICATION_CODE_BYTES,
                          DEFAULT_STACK_BYTES + DEFAULT_HEAP_BYTES + STATIC_DATA_ALLOWANCE_BYTES).with_board(board)
