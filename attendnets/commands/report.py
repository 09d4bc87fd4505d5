"""``attendnets report``: what a model needs under the compiled runtime (or where its memory goes on TFLM), and
whether it fits a board."""

import click

from attendnets.commands.options import (json_option, kernels_option, overwrite_option, resolve_kernels, runtime_option,
                                         schedule_options, scheduled_runtime)
from attendnets_base.errors import BadInputError
from attendnets_base.errors import EXIT_DOES_NOT_FIT
from attendnets_base.errors import EXIT_DOES_NOT_FIT, BadInputError
from attendnets_base.fsutil import check_output_file, is_our_html, write_text_atomic
from attendnets_base.fsutil import write_text_atomic
from codegen.boards import get_board
from codegen.fit_advice import what_would_fit
from codegen.runtimes import DEFAULT_RUNTIME, all_runtimes, get_runtime
from codegen.runtimes import get_runtime
from converter.report.json_format import format_report_json
from converter.report.macs import operator_macs
import dataclasses
import json
from codegen.several import plan_several
from codegen.several import split_model_argument
from converter.report.build import build_memory_report
from converter.report.html_format import format_footprint_report_html
from converter.report.html_format import format_report_html
from converter.report.runtimes import format_footprint_report_text
from converter.report.text_format import format_report
from converter.report.text_format import format_what_would_fit
from converter.tflite_model import load_model


@click.command(short_help="Memory report: per-operator MACs and memory, peak, arena, flash, board fit.")
@click.argument("model_paths", metavar="MODEL.tflite...", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--model", "model_options", multiple=True, metavar="[NAME=]MODEL.tflite",
              help="A model; repeat (or give several MODEL arguments) for the combined memory and fit of several "
                   "models in one firmware, as generate --model makes it (either runtime).")
@click.option("--concurrent", is_flag=True,
              help="Several models: each its own arena (their sum) [default: one shared arena, the largest].")
@click.option("--target", type=click.Choice(["cortex-m", "host"]), default="cortex-m", show_default=True,
              help="cortex-m: 32-bit build; host: the 64-bit build of the tflite-micro package.")
@kernels_option('TFLM kernel set (CMSIS-NN kernels ask for other scratch buffers)', has_target=True)
@click.option("--cmsis-nn-arch", type=click.Choice(["dsp", "mve", "scalar"]), default=None,
              help="CMSIS-NN code path of the CPU, which sets the CMSIS-NN kernels' scratch buffers: dsp "
                   "(Cortex-M4/M7/M33), mve (Cortex-M55/M85, Helium), scalar (Cortex-M0/M0+/M3). "
                   "Default: the board's (from its CPU), else dsp. Only read with --kernels cmsis-nn.")
@click.option("--board", "board_name", metavar="NAME", help="Check the fit against this board's flash and RAM "
              "(see `attendnets boards`).")
@click.option("--arena-region", metavar="REGION", default=None,
              help="With --board: the RAM region the arena goes in, as generate --arena-region "
                   "(`attendnets boards` lists the regions) [default: the catalog's arena region].")
@click.option("--measure", is_flag=True, help="Also run the tflite-micro interpreter and bisect the smallest "
              "arena that allocates; prints estimate and measurement side by side.")
@json_option("Print one JSON object with every figure.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False), metavar="REPORT.html",
              help="Also write a self-contained HTML page (tables, arena timeline, per-layer bars).")
@overwrite_option("an existing REPORT.html")
@runtime_option("compiled: the compiled runtime's RAM and flash (what generate makes by default); tflm: TFLM's "
                "memory report (per-operator memory, arena timeline); both: TFLM's report and the two runtimes "
                "side by side. [default: compiled; tflm with --target host, --measure or --cmsis-nn-arch, which are "
                "TFLM's]",
                extra_choices=("both",), default=None)
@schedule_options
def command(model_paths, model_options, concurrent, target, kernels, cmsis_nn_arch, board_name, arena_region, measure,
            as_json, html_path, runtime, overwrite, schedule, max_recompute):
    """Memory report of MODEL.tflite: per-operator MACs and memory, peak, arena, flash, board fit.

    Exit status: 0 report printed (and, with --board, the model fits); 4 the
    report is printed and the model does not fit the board; 1 the model cannot
    be analysed (unsupported operator or type); 2 bad input.
    """
    kernels = resolve_kernels(kernels, target)


    if runtime is None:  # --target host, --measure, --cmsis-nn-arch are TFLM's: its memory report
        tflm_only = target == "host" or measure or cmsis_nn_arch is not None
        runtime = next(rt.name for rt in all_runtimes() if rt.has_memory_report) if tflm_only else DEFAULT_RUNTIME
    models = list(model_paths) + list(model_options)
    if not models:
        raise BadInputError("no model: give MODEL.tflite (or --model MODEL.tflite, repeated for several)")
    if len(models) > 1:
        if schedule is not None or max_recompute is not None:
            raise BadInputError("--schedule and --max-recompute report one model (give one MODEL.tflite)")
        return _several_report(models, concurrent, runtime, board_name, arena_region, kernels, as_json, html_path)
    if concurrent:
        raise BadInputError("--concurrent is for several models in one firmware (give more than one model)")

    model_path = split_model_argument(models[0])[1]
    board = None
    if board_name is not None:  # --board '' is a mistake, not "no board" (generate refuses it too)

        board = get_board(board_name).with_arena_region(arena_region)
        if target == "host":
            raise BadInputError("--board describes a Cortex-M board: use it with --target cortex-m")
    if arena_region is not None and board is None:
        raise BadInputError("--arena-region names a region of a board: give --board too")
    html_path = check_output_file(html_path, "--html", inputs=[(model_path, "the model")], overwrite=overwrite,
                                  ours=is_our_html)

    model = load_model(model_path)
    chosen = all_runtimes() if runtime == "both" else (get_runtime(runtime),)
    if runtime == "both":  # the schedule options go to the runtime that has schedules
        chosen = tuple(rt.with_schedule(schedule, max_recompute) if rt.has_schedules else rt for rt in chosen)
    else:
        chosen = (scheduled_runtime(runtime, schedule, max_recompute),)
    if not any(rt.has_memory_report for rt in chosen):
        if target == "host":
            raise BadInputError(f"--runtime {runtime} reports a Cortex-M build: use it with --target cortex-m")
        return _footprint_report(chosen[0], model, board, kernels, as_json, html_path)
    reported = next(rt for rt in chosen if rt.has_memory_report)  # the runtime the memory report is about
    report = build_memory_report(model, target=target, kernels=kernels, board=board, measure=measure,
                                 cmsis_nn_arch=cmsis_nn_arch)
    if len(chosen) > 1:
        report = dataclasses.replace(report, runtimes=tuple(rt.footprint(model, board, kernels, memory_report=report)
                                                            for rt in chosen))

    if report.board is not None and not report.board.fits:
        report = dataclasses.replace(report, what_would_fit=what_would_fit(model, reported.name, board, kernels, report))
    if html_path is not None:
        try:
            write_text_atomic(html_path, format_report_html(report))
        except OSError as exc:
            raise BadInputError(f"cannot write {html_path}: {exc.strerror or exc}") from None
    if as_json:
        click.echo(format_report_json(report))
    else:
        click.echo(format_report(report))
        if html_path is not None:
            click.echo(f"\nHTML report written to {html_path}")
    if report.board is not None and not report.board.fits:
        return EXIT_DOES_NOT_FIT  # the report is printed; the exit status says it does not fit
    return 0


def _several_report(models, concurrent, runtime, board_name, arena_region, kernels, as_json, html_path):
    """Several models in one firmware (codegen.several): each model's figures and the firmware's, its fit."""
    if html_path is not None:
        raise BadInputError("--html reports one model; several models get the text or --json report")
    board = None
    if board_name is not None:
        board = get_board(board_name).with_arena_region(arena_region)
    elif arena_region is not None:
        raise BadInputError("--arena-region names a region of a board: give --board too")
    runtime = get_runtime(runtime)  # BadInputError for "both": several models are one firmware, one runtime
    plan = plan_several(models, board, concurrent=concurrent, runtime=runtime, kernels=kernels)
    combined = plan.combined
    how = "one per model, summed (--concurrent)" if concurrent else "shared: the largest model's (they run in turn)"
    if as_json:
        click.echo(json.dumps({
            "runtime": runtime.name, "concurrent": concurrent,
            "models": [{"name": m["prefix"], "model": m["path"], "arena_bytes": m["arena_bytes"],
                        "constants_bytes": m["constants_bytes"], "code_bytes": m["code_bytes"]} for m in plan.models],
            "arena_bytes": plan.arena_bytes, "constants_bytes": combined.flash_data_bytes,
            "code_bytes": combined.code_bytes, "code_source": combined.code_source,
            **({"fit": plan.fit.to_dict()} if plan.fit is not None else {}),
        }, indent=2))
    else:
        click.echo(f"{len(plan.models)} models in one firmware ({runtime.title})")
        width = max(len("firmware"), *(len(m["prefix"]) for m in plan.models))
        click.echo(f"  {'model':<{width}}  {'arena B':>10}  {'constants B':>12}  {'code B':>9}  file")
        for m in plan.models:
            click.echo(f"  {m['prefix']:<{width}}  {m['arena_bytes']:>10,}  {m['constants_bytes']:>12,}  "
                       f"{m['code_bytes']:>9,}  {m['path']}")
        click.echo(f"  {'firmware':<{width}}  {plan.arena_bytes:>10,}  {combined.flash_data_bytes:>12,}  "
                   f"{combined.code_bytes:>9,}")
        click.echo(f"  arena: {how}")
        click.echo(f"  code: {combined.code_source}")
        if plan.fit is not None:
            click.echo(f"fit on {plan.fit.board}:")
            for line in plan.fit.breakdown():
                click.echo(f"  {line}")
    if plan.fit is not None and not plan.fit.fits:
        return EXIT_DOES_NOT_FIT
    return 0


def _footprint_report(runtime, model, board, kernels, as_json, html_path):
    """``--runtime NAME`` of a runtime without a memory report (the compiled runtime): its figures
    (refused in one line if it cannot run the model)."""
    footprint = runtime.footprint(model, board, kernels, refuse=True)
    sg = model.main_subgraph
    operators = [(op.index, op.name, operator_macs(sg, op)) for op in sg.operators]
    path = str(model.path) if model.path else None
    if html_path is not None:
        try:
            write_text_atomic(html_path, format_footprint_report_html(path, model.size_bytes, footprint, operators))
        except OSError as exc:
            raise BadInputError(f"cannot write {html_path}: {exc.strerror or exc}") from None
    suggestions = ()
    if footprint.board is not None and not footprint.board.fits:
        suggestions = what_would_fit(model, runtime.name, board, kernels)
    if as_json:
        click.echo(json.dumps({
            "model": path, "model_bytes": model.size_bytes, "runtime": runtime.name,
            **({"what_would_fit": list(suggestions)} if footprint.board is not None else {}),
            "total_macs": sum(m for _, _, m in operators),
            "operators": [{"index": i, "name": n, "macs": m} for i, n, m in operators],
            "runtimes": {runtime.name: footprint.to_dict()},
        }, indent=2))
    else:
        click.echo(format_footprint_report_text(path, model.size_bytes, footprint, operators))
        for line in format_what_would_fit(suggestions):
            click.echo(line)
        if html_path is not None:
            click.echo(f"\nHTML report written to {html_path}")
    if footprint.board is not None and not footprint.board.fits:
        return EXIT_DOES_NOT_FIT
    return 0
