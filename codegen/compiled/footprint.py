"""The compiled runtime's code figure, bytes (its arena and constants come from the emitted model;
codegen.runtimes.compiled hands all three to generate and report).

The code figure (before anything is built; ``attendnets size`` reports the linked one) comes from
``kernel_code_size.json``, measured from real links by ``bench/compiled_code_size.py`` with the
generated Makefile's flags (default DSP path) for each CPU and board of the catalog:

* the application: main, sample input, platform layer, startup and newlib (printf...) of the board,
  from a probe model's link (everything but the kernels and model.o);
* the kernels: for each library function the model's program calls (a kernel's variant entry point where it
  has them: codegen.compiled.lowering.linked_function), the input sections a link of
  that function alone keeps (its static helpers, tables, libgcc/newlib helpers), each section counted
  once however many functions pull it, and not again when the application already links it;
* model.o: its fixed functions, model_invoke() (a base plus bytes per call argument, fitted on the
  probe links) and each call's parameter struct (sizeof, measured).

Its error against links of every shared and corpus model the runtime runs is published in
docs/results_code_size.md (``bench/code_size_vs_link.py --runtime compiled``).  A board the table
does not know (or no board) takes the figures of ``DEFAULT_BOARD``; a kernel function the table does
not list counts ``DEFAULT_KERNEL_FUNCTION_BYTES``; the figure's source says so.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from codegen.compiled.lowering import linked_function
from converter.report.fit import APPLICATION_CODE_BYTES

KERNEL_CODE_SIZE_FILE = Path(__file__).with_name("kernel_code_size.json")
DEFAULT_BOARD = "mps2-an386"
DEFAULT_KERNEL_FUNCTION_BYTES = 2048


@functools.lru_cache(maxsize=1)
def code_size_table() -> dict:
    try:
        return json.loads(KERNEL_CODE_SIZE_FILE.read_text())
    except (OSError, ValueError):
        return {}


@dataclass(frozen=True)
class CodeFigure:
    """The compiled runtime's code bytes for one model and board, with where the figure comes from."""

    bytes: int
    application_bytes: int
    kernel_bytes: int
    model_bytes: int  # model.o: model_invoke, the parameter structs, the fixed functions
    source: str


def code_figure(compiled, board=None) -> CodeFigure:
    """Flash for code (not constants) of a :class:`codegen.compiled.emit.CompiledModel` on ``board``."""
    table = code_size_table()
    if "boards" not in table:  # no measured table (being remade by the bench): the allowances

        functions = {linked_function(step) for step in compiled.program.steps if step.function}
        kernels = DEFAULT_KERNEL_FUNCTION_BYTES * len(functions)
        return CodeFigure(APPLICATION_CODE_BYTES + kernels, APPLICATION_CODE_BYTES, kernels, 0,
                          f"allowances: no measured table in {KERNEL_CODE_SIZE_FILE.name}")
    notes = []
    board_name = getattr(board, "name", None)
    if board_name not in table["boards"]:
        notes.append(f"{board_name} not measured: {DEFAULT_BOARD}'s figures" if board_name
                     else f"no board: {DEFAULT_BOARD}'s figures")
        board_name = DEFAULT_BOARD
    entry = table["boards"][board_name]
    cpu = table["cpus"][entry["cpu"]]
    steps = [step for step in compiled.program.steps if step.function]
    sections = {}
    unknown = []
    for function in sorted({linked_function(step) for step in steps}):  # a variant's entry point where it has them
        pulled = cpu["functions"].get(function)
        if pulled is None:
            unknown.append(function)
            continue
        sections.update(pulled)
    for name in entry["application_sections"]:
        sections.pop(name, None)
    kernels = sum(sections.values()) + DEFAULT_KERNEL_FUNCTION_BYTES * len(unknown)
    if unknown:
        notes.append(f"{', '.join(unknown)} not measured: {DEFAULT_KERNEL_FUNCTION_BYTES} B each")
    unique = {id(p): p for step in steps for p in step.params}  # a Params steps share is one struct
    params = sum(cpu["params_bytes"].get(p.c_type, 0) for p in unique.values())
    args = sum(len(step.args) for step in steps)
    invoke = cpu["invoke"]["base_bytes"] + cpu["invoke"]["per_arg_bytes"] * args
    model = int(round(cpu["model_fixed_bytes"] + invoke + params))
    application = int(entry["application_bytes"])
    source = (f"estimate from links measured by bench/compiled_code_size.py ({board_name}: application "
              f"{application} B + kernels {kernels} B + model.o {model} B)")
    if notes:
        source += "; " + "; ".join(notes)
    return CodeFigure(application + kernels + model, application, kernels, model, source)


def estimate_code_bytes(compiled, board=None) -> int:
    """Flash for code (not constants) of a :class:`codegen.compiled.emit.CompiledModel` (see :func:`code_figure`)."""
    return code_figure(compiled, board).bytes


def several_code_figure(programs, board=None) -> CodeFigure:
    """Code of several models in one firmware (codegen.several), from their planned programs: the application
    once, each kernel function once (the union of the models' calls), each model's model.o (its fixed
    functions, its model_invoke with its arguments, its parameter structs)."""
    steps = [step for program in programs for step in program.steps]
    figure = code_figure(SimpleNamespace(program=SimpleNamespace(steps=steps)), board)
    table = code_size_table()
    if "boards" not in table or len(programs) < 2:
        return figure
    board_name = getattr(board, "name", None)
    entry = table["boards"].get(board_name) or table["boards"][DEFAULT_BOARD]
    cpu = table["cpus"][entry["cpu"]]
    extra = (len(programs) - 1) * int(round(cpu["model_fixed_bytes"] + cpu["invoke"]["base_bytes"]))
    return CodeFigure(figure.bytes + extra, figure.application_bytes, figure.kernel_bytes, figure.model_bytes + extra,
                      f"{figure.source}; {len(programs)} models: application and kernels once, model.o per model "
                      f"(+{extra} B)")
