"""The firmware runtimes, one object each behind one interface (:mod:`codegen.runtimes.base`).

This registry is the one place that lists them: :func:`get_runtime` by the name the user gives
(``--runtime``), :func:`all_runtimes` in the order the CLI offers them, :data:`DEFAULT_RUNTIME`
(the one every command uses when none is given).  A third runtime is one new module here and one
line in :data:`_RUNTIME_CLASSES`.  Light to import (the CLI's option parsing reads the names):
a runtime's module is imported when it is first asked for.

May import codegen and converter (not conversion); never TensorFlow, validation or the CLI.
"""

from __future__ import annotations

import importlib

from attendnets_base.errors import BadInputError

# name -> (module, class), in the order the CLI lists them
_RUNTIME_CLASSES = {
    "tflm": ("codegen.runtimes.tflm", "TflmRuntime"),
    "compiled": ("codegen.runtimes.compiled", "CompiledRuntime"),
}
RUNTIME_NAMES = tuple(_RUNTIME_CLASSES)
# Builds with arm-none-eabi-gcc alone (TFLM needs a tree nobody ships).
DEFAULT_RUNTIME = "compiled"
# Projects generated before project.json named a runtime are TFLM's.
RUNTIME_OF_UNNAMED_PROJECTS = "tflm"

_instances = {}


def get_runtime(name: str):
    """The :class:`codegen.runtimes.base.Runtime` called ``name``; BadInputError naming the choices otherwise."""
    if name not in _RUNTIME_CLASSES:
        raise BadInputError(f"--runtime must be one of {', '.join(RUNTIME_NAMES)}; got {name!r}")
    if name not in _instances:
        module, cls = _RUNTIME_CLASSES[name]
        _instances[name] = getattr(importlib.import_module(module), cls)()
    return _instances[name]


def all_runtimes() -> tuple:
    """Every runtime, in :data:`RUNTIME_NAMES` order."""
    return tuple(get_runtime(name) for name in RUNTIME_NAMES)
