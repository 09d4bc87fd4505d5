"""What would fit, for ``report --board`` and ``generate``: every runtime's footprint on every board.

:func:`what_would_fit` computes the footprints :mod:`converter.report.suggest` compares (each
runtime's own, :meth:`codegen.runtimes.base.Runtime.footprint`: the TFLM project's from the memory
report made for each board's CMSIS-NN code path, the compiled runtime's from its generator) and
returns its sentences.
"""

from __future__ import annotations

from dataclasses import replace

from attendnets_base.errors import AttendnetsError
from codegen.boards import load_boards
from codegen.runtimes import all_runtimes, get_runtime
from converter.report.suggest import fit_suggestions


def _input_hw(model):
    sg = model.main_subgraph
    shape = tuple(sg.tensor(sg.inputs[0]).shape) if sg.inputs else ()
    return (int(shape[1]), int(shape[2])) if len(shape) == 4 else None


def what_would_fit(model, runtime, board, kernels="cmsis-nn", report=None) -> tuple:
    """Sentences saying what would fit ``board`` when ``model`` under ``runtime`` (a runtime's name)
    does not; () when it fits.  ``report``: the memory report already made for ``board`` by a
    runtime that has one (its fit is the one the user saw)."""
    chosen_runtime = get_runtime(runtime)
    figures = {}  # (runtime, what its figures depend on) -> its footprint, not bound to a board

    def footprint_on(name, b):
        rt = get_runtime(name)
        key = (rt.name, rt.figures_depend_on(b))
        if key not in figures:
            try:
                footprint = rt.unbound_footprint(model, b, kernels)
            except AttendnetsError:  # it cannot run the model (the report says so elsewhere)
                footprint = None
            figures[key] = footprint if footprint is not None and footprint.supported else None
        found = figures[key]
        return None if found is None else found.with_board(b)

    chosen = footprint_on(chosen_runtime.name, board)
    if chosen_runtime.has_memory_report and report is not None and report.board is not None and chosen is not None:
        chosen = replace(chosen, board=report.board)  # the very fit the report printed
    if chosen is None:
        return ()
    others = [footprint_on(rt.name, board) for rt in all_runtimes() if rt is not chosen_runtime]
    rescheduled = None
    if chosen.board is not None and not chosen.board.fits_ram:
        rescheduled = chosen_runtime.rescheduled_footprint(model, chosen, board, kernels)
    return fit_suggestions(chosen, [o for o in others if o is not None], list(load_boards().values()),
                           footprint_on, _input_hw(model), rescheduled)
