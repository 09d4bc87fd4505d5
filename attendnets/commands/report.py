"""``attendnets report``: where a model's memory goes on TFLM, and whether it fits a board."""

import click


@click.command(short_help="Memory report: per-operator MACs and memory, peak, arena, flash, board fit.")
@click.argument("model_path", metavar="MODEL.tflite", type=click.Path(dir_okay=False))
@click.option("--target", type=click.Choice(["cortex-m", "host"]), default="cortex-m", show_default=True,
              help="cortex-m: 32-bit build; host: the 64-bit build of the tflite-micro package.")
@click.option("--kernels", type=click.Choice(["reference", "cmsis-nn"]), default="reference", show_default=True,
              help="TFLM kernel set (CMSIS-NN kernels ask for other scratch buffers).")
@click.option("--cmsis-nn-arch", type=click.Choice(["dsp", "mve", "scalar"]), default=None,
              help="CMSIS-NN code path of the CPU, which sets the CMSIS-NN kernels' scratch buffers: dsp "
                   "(Cortex-M4/M7/M33), mve (Cortex-M55/M85, Helium), scalar (Cortex-M0/M0+/M3). "
                   "Default: the board's (from its CPU), else dsp. Only read with --kernels cmsis-nn.")
@click.option("--board", "board_name", metavar="NAME", help="Check the fit against this board's flash and RAM "
              "(see `attendnets boards`).")
@click.option("--measure", is_flag=True, help="Also run the tflite-micro interpreter and bisect the smallest "
              "arena that allocates; prints estimate and measurement side by side.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with every figure.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False), metavar="REPORT.html",
              help="Also write a self-contained HTML page (tables, arena timeline, per-layer bars).")
def command(model_path, target, kernels, cmsis_nn_arch, board_name, measure, as_json, html_path):
    """Memory report of MODEL.tflite: per-operator MACs and memory, peak, arena, flash, board fit.

    Exit status 1 when --board is given and the model does not fit it.
    """
    from attendnets.errors import BadInputError
    from attendnets.fsutil import require_parent_dir, write_text_atomic
    from converter.report.build import build_memory_report
    from converter.report.json_format import format_report_json
    from converter.report.text_format import format_report
    from converter.tflite_model import load_model

    board = None
    if board_name:
        from codegen.boards import get_board

        board = get_board(board_name)
        if target == "host":
            raise BadInputError("--board describes a Cortex-M board: use it with --target cortex-m")
    if html_path:
        require_parent_dir(html_path)

    model = load_model(model_path)
    report = build_memory_report(model, target=target, kernels=kernels, board=board, measure=measure,
                                 cmsis_nn_arch=cmsis_nn_arch)

    if html_path:
        from converter.report.html_format import format_report_html

        try:
            write_text_atomic(html_path, format_report_html(report))
        except OSError as exc:
            raise BadInputError(f"cannot write {html_path}: {exc.strerror or exc}") from None
    if as_json:
        click.echo(format_report_json(report))
    else:
        click.echo(format_report(report))
        if html_path:
            click.echo(f"\nHTML report written to {html_path}")
    if report.board is not None and not report.board.fits:
        return 1  # the report is printed; the exit status says it does not fit
    return 0
