"""``attendnets report``: where a model's memory goes on TFLM (or the compiled runtime), and whether it fits a board."""

import click

from attendnets.commands.options import json_option, kernels_option, overwrite_option, resolve_kernels, runtime_option


@click.command(short_help="Memory report: per-operator MACs and memory, peak, arena, flash, board fit.")
@click.argument("model_path", metavar="MODEL.tflite", type=click.Path(dir_okay=False))
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
@runtime_option("tflm: TFLM's memory report; compiled: the compiled runtime's RAM and flash "
                "(generate --runtime compiled); both: TFLM's report and the two runtimes side by side.",
                extra_choices=("both",), default="tflm")
def command(model_path, target, kernels, cmsis_nn_arch, board_name, arena_region, measure, as_json, html_path, runtime,
            overwrite):
    """Memory report of MODEL.tflite: per-operator MACs and memory, peak, arena, flash, board fit.

    Exit status: 0 report printed (and, with --board, the model fits); 4 the
    report is printed and the model does not fit the board; 1 the model cannot
    be analysed (unsupported operator or type); 2 bad input.
    """
    kernels = resolve_kernels(kernels, target)
    from attendnets_base.errors import EXIT_DOES_NOT_FIT, BadInputError
    from attendnets_base.fsutil import check_output_file, is_our_html, write_text_atomic
    from converter.report.build import build_memory_report
    from converter.report.json_format import format_report_json
    from converter.report.text_format import format_report
    from converter.tflite_model import load_model

    board = None
    if board_name is not None:  # --board '' is a mistake, not "no board" (generate refuses it too)
        from codegen.boards import get_board

        board = get_board(board_name).with_arena_region(arena_region)
        if target == "host":
            raise BadInputError("--board describes a Cortex-M board: use it with --target cortex-m")
    if arena_region is not None and board is None:
        raise BadInputError("--arena-region names a region of a board: give --board too")
    html_path = check_output_file(html_path, "--html", inputs=[(model_path, "the model")], overwrite=overwrite,
                                  ours=is_our_html)

    from codegen.runtimes import all_runtimes, get_runtime

    model = load_model(model_path)
    chosen = all_runtimes() if runtime == "both" else (get_runtime(runtime),)
    if not any(rt.has_memory_report for rt in chosen):
        if target == "host":
            raise BadInputError(f"--runtime {runtime} reports a Cortex-M build: use it with --target cortex-m")
        return _footprint_report(chosen[0], model, board, kernels, as_json, html_path)
    reported = next(rt for rt in chosen if rt.has_memory_report)  # the runtime the memory report is about
    report = build_memory_report(model, target=target, kernels=kernels, board=board, measure=measure,
                                 cmsis_nn_arch=cmsis_nn_arch)
    if len(chosen) > 1:
        import dataclasses

        report = dataclasses.replace(report, runtimes=tuple(rt.footprint(model, board, kernels, memory_report=report)
                                                            for rt in chosen))

    if report.board is not None and not report.board.fits:
        import dataclasses

        from codegen.fit_advice import what_would_fit

        report = dataclasses.replace(report, what_would_fit=what_would_fit(model, reported.name, board, kernels, report))
    if html_path is not None:
        from converter.report.html_format import format_report_html

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


def _footprint_report(runtime, model, board, kernels, as_json, html_path):
    """``--runtime NAME`` of a runtime without a memory report (the compiled runtime): its figures
    (refused in one line if it cannot run the model)."""
    import json

    from attendnets_base.errors import BadInputError
    from attendnets_base.fsutil import write_text_atomic
    from converter.report.html_format import format_footprint_report_html
    from converter.report.macs import operator_macs
    from converter.report.runtimes import format_footprint_report_text
    from converter.report.text_format import format_what_would_fit

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
        from codegen.fit_advice import what_would_fit

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
        from attendnets_base.errors import EXIT_DOES_NOT_FIT

        return EXIT_DOES_NOT_FIT
    return 0
