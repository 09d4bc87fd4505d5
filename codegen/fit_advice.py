"""What would fit, for ``report --board`` and ``generate``: both runtimes' footprints on every board.

:func:`what_would_fit` computes the footprints :mod:`converter.report.suggest` compares (the
TFLM project's from the memory report made for each board's CMSIS-NN code path, the compiled
runtime's from its generator) and returns its sentences.
"""

from __future__ import annotations

from dataclasses import replace


def _input_hw(model):
    sg = model.main_subgraph
    shape = tuple(sg.tensor(sg.inputs[0]).shape) if sg.inputs else ()
    return (int(shape[1]), int(shape[2])) if len(shape) == 4 else None


def what_would_fit(model, runtime, board, kernels="cmsis-nn", report=None) -> tuple:
    """Sentences saying what would fit ``board`` when ``model`` under ``runtime`` ("tflm" or
    "compiled") does not; () when it fits.  ``report``: the TFLM MemoryReport already made for
    ``board`` (its fit is the one the user saw)."""
    from attendnets_base.errors import AttendnetsError
    from codegen.boards import load_boards
    from codegen.compiled.footprint import compiled_runtime_footprint, tflm_runtime_footprint
    from converter.report.build import build_memory_report
    from converter.report.suggest import fit_suggestions

    compiled = compiled_runtime_footprint(model)  # no board: bound below, per board
    tflm_reports = {}

    def tflm_unbound(arch):
        if arch not in tflm_reports:
            try:
                tflm_reports[arch] = tflm_runtime_footprint(
                    build_memory_report(model, kernels=kernels, cmsis_nn_arch=arch))
            except AttendnetsError:  # TFLM cannot run it (the report says so elsewhere)
                tflm_reports[arch] = None
        return tflm_reports[arch]

    def footprint_on(rt, b):
        unbound = compiled if rt == "compiled" else tflm_unbound(b.cmsis_nn_arch)
        if unbound is None or not unbound.supported:
            return None
        return unbound.with_board(b)

    chosen = footprint_on(runtime, board)
    if runtime == "tflm" and report is not None and report.board is not None and chosen is not None:
        chosen = replace(chosen, board=report.board)  # the very fit the report printed
    if chosen is None:
        return ()
    other_rt = "compiled" if runtime == "tflm" else "tflm"
    other = footprint_on(other_rt, board)
    rescheduled = None
    if runtime == "tflm" and chosen.board is not None and not chosen.board.fits_ram:
        rescheduled = _rescheduled(model, chosen, board, kernels)
    return fit_suggestions(chosen, [other] if other is not None else [], list(load_boards().values()),
                           footprint_on, _input_hw(model), rescheduled)


RESCHEDULE_SECONDS = 1.0  # the placement search's time limit here (attendnets optimize defaults to 2 s)


def _rescheduled(model, chosen, board, kernels):
    """``chosen`` with the arena ``attendnets optimize`` finds (reordered operators, offline plan), or None."""
    from attendnets_base.errors import AttendnetsError
    from converter.planner.optimize import optimize_model

    try:
        result = optimize_model(model.data, target="cortex-m", kernels=kernels, cmsis_nn_arch=board.cmsis_nn_arch,
                                reorder=True, time_limit_s=RESCHEDULE_SECONDS)
    except AttendnetsError:
        return None
    saved = result.before.required_bytes - result.after.required_bytes
    if saved <= 0:
        return None
    return replace(chosen, arena_bytes=chosen.arena_bytes - saved, board=None).with_board(board)
