"""The compiled runtime's public entry points: a ``.tflite`` -> the C of one model.

Three stages over one data model (:mod:`codegen.compiled.program`):

1. :func:`lower_model` (:mod:`codegen.compiled.lower`): every operator through its registered
   lowering into typed steps; every reason it cannot be lowered refused together in one line.
2. :func:`plan_memory` (:mod:`codegen.compiled.plan`): arena offsets for every tensor buffer and
   kernel scratch, read from the steps' data flow.
3. :func:`emit_model` (:mod:`codegen.compiled.emit`): the one emitter, typed data -> C through the
   Jinja templates.

Between 1 and 3 a program may be rewritten (steps split, fused, re-ordered, operands
re-pointed).  :func:`compile_model` runs the three in a row (the older entry point).
"""

from __future__ import annotations

from codegen.compiled.emit import KERNEL_DIR, CompiledModel, emit_model  # noqa: F401
from codegen.compiled.lower import (NUMPY_TYPES, CompiledRuntimeUnsupportedError, lower_model,  # noqa: F401
                                    operator_support, unsupported_reasons)
from codegen.compiled.plan import MemoryPlan, plan_memory  # noqa: F401


def compile_model(model, name: str = "model", labels=(), regions=None, placement="auto",
                  wide_filters: bool = True, helium: bool = False) -> CompiledModel:
    """The C of ``model`` for the compiled runtime (lower, plan, emit), or CompiledRuntimeUnsupportedError.

    ``regions``/``placement``: the RAM regions the arena may use (:func:`plan_memory`); None: one arena.
    ``wide_filters``, ``helium``: :func:`lower_model`'s (False, True for Helium cores)."""
    program = lower_model(model, wide_filters=wide_filters, helium=helium)
    if regions:
        plan_memory(program, regions, placement)
    return emit_model(program, name=name, labels=labels)
