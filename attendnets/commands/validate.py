"""``attendnets validate``: many inputs through the firmware on the board (or QEMU), compared with tflite-micro."""

import click

from attendnets.commands.options import json_option

RUNTIMES = ["compiled", "tflm"]


@click.command()
@click.argument("model", metavar="MODEL.tflite", type=click.Path(dir_okay=False, path_type=str))
@click.option("--board", required=True, help="Board name (attendnets boards).")
@click.option("--runtime", type=click.Choice(RUNTIMES), default="compiled", show_default=True,
              help="Which runtime the validation firmware uses (tflm needs a TFLM tree: TFLM_DIR / --tflm-dir).")
@click.option("--data", "data_spec", default="digits", show_default=True,
              help="digits, random, a folder of class sub-folders, or inputs.npy / .npz (x, y).")
@click.option("--count", type=click.IntRange(min=1), default=None,
              help="Inputs to send [default: 200, all of an .npy/.npz].")
@click.option("--port", default=None, help="Serial port of the board (e.g. /dev/ttyACM0); the firmware must be on it.")
@click.option("--baud", type=click.IntRange(min=1), default=115200, show_default=True)
@click.option("--qemu", is_flag=True, help="Run the firmware in qemu-system-arm (QEMU boards; the default there).")
@click.option("--project", "project_dir", default=None, type=click.Path(file_okay=False, path_type=str),
              help="Where the validation build lives: reused as it is when it already holds one for MODEL, "
                   "else generated there [default: validate_<model>_<board>_<runtime>/, generated afresh].")
@click.option("--tflm-dir", default=None, type=click.Path(file_okay=False, path_type=str),
              help="TFLM tree for --runtime tflm [default: $TFLM_DIR].")
@click.option("--no-profile", is_flag=True, help="Build without the per-operator counters.")
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Seconds to wait for each answer.")
@click.option("--wait-states", type=click.IntRange(min=0), default=0, show_default=True,
              help="QEMU: flash wait states for the Cortex-M4 timing model's cycle figure (docs/timing.md).")
@json_option("Print the result as JSON.")
@click.option("--html", "html_path", default=None, type=click.Path(dir_okay=False, path_type=str),
              help="Also write an HTML report here.")
def command(model, board, runtime, data_spec, count, port, baud, qemu, project_dir, tflm_dir, no_profile,
            timeout_s, wait_states, as_json, html_path):
    """Validate MODEL on the device: bit-exactness against tflite-micro, accuracy, latency, per-operator time."""
    import os
    import sys
    from pathlib import Path

    from attendnets_base.errors import BadInputError
    from attendnets_base.fsutil import require_file, require_parent_dir, write_text_atomic
    from codegen.boards import get_board
    from codegen.context import tensor_info
    from converter.tflite_model import load_model
    from validation import firmware, protocol, report
    from validation.data import load_model_inputs
    from validation.run import run_validation, summarize

    def log(message):
        click.echo(message, err=True)

    model_path = require_file(model, "model")
    board_obj = get_board(board)
    if port and qemu:
        raise BadInputError("--port and --qemu exclude each other")
    if not port and not board_obj.emulated:
        raise BadInputError(f"board {board_obj.name} is not emulated: pass --port (its serial port)")
    if not port and board_obj.emulated:
        qemu = True
    firmware.check_board(board_obj)
    if html_path:
        require_parent_dir(html_path)
    data = model_path.read_bytes()
    tflite = load_model(data)
    sg = tflite.main_subgraph
    infos = [tensor_info(sg.tensor(t), "input", i) for i, t in enumerate(sg.inputs)]
    if count is None and data_spec in ("digits", "random"):
        count = 200
    inputs = load_model_inputs(data_spec, infos, count)
    digest = protocol.model_hash(data)

    reuse = project_dir is not None and firmware.is_validation_project(project_dir)
    if runtime == "tflm" and not reuse and not (tflm_dir or os.environ.get("TFLM_DIR")):
        raise BadInputError("--runtime tflm needs a TFLM tree: set TFLM_DIR or pass --tflm-dir "
                            "(see docs/firmware.md), or validate with --runtime compiled")
    if reuse:
        vp = firmware.open_validation_project(project_dir)
        if vp.model_hash != digest.hex():
            raise BadInputError(f"{project_dir} is a validation build of another model (hash {vp.model_hash}); "
                                f"pass another --project (or none) to build one for {model_path.name}")
        if not vp.elf.is_file() and (qemu or not port):
            firmware.build_project(vp, tflm_dir or os.environ.get("TFLM_DIR"), log=log)
    else:
        out = Path(project_dir or f"validate_{model_path.stem}_{board_obj.name}_{runtime}")
        log(f"validate: generating the validation build in {out}/ ({runtime} runtime)")
        vp = firmware.prepare_project(model_path, board_obj.name, runtime, out, profile=not no_profile, log=log)
        firmware.build_project(vp, tflm_dir or os.environ.get("TFLM_DIR"), log=log)
        if port:
            from codegen.project import open_project
            from codegen.runners import get_runner

            get_runner(board_obj.default_tool)(open_project(vp.path), log=log).run()

    timing = None
    if qemu:
        from codegen.runners.cycle_model import QemuTiming, TimingSettings
        from validation.transports import QemuTransport

        timing = QemuTiming.try_create(board_obj.cpu, vp.elf, vp.path / "build" / "timing.txt", log=log,
                                       settings=TimingSettings.for_board(board_obj, wait_states))
        transport = QemuTransport(board_obj.qemu_machine, vp.elf, log_path=vp.path / "build" / "qemu.log", log=log,
                                  extra_args=timing.argv if timing else ())
        transport_name = f"QEMU {board_obj.qemu_machine}"
    else:
        from validation.transports import SerialTransport

        transport = SerialTransport(port, baud)
        transport_name = f"serial {port} at {baud} baud"
    try:
        session = protocol.Session(transport, timeout_s=timeout_s, hello_timeout_s=max(timeout_s, 10.0))
        session.connect(digest)
        with click.progressbar(length=len(inputs.inputs), label="validate", file=sys.stderr,
                               show_pos=True, show_eta=True) as bar:
            run = run_validation(session, data, tflite, inputs, mismatch_dir=vp.path / "mismatches",
                                 progress=bar.update)
        session.close()
    finally:
        transport.close()
    summary = summarize(run, tflite, model_path, board_obj, vp.runtime, transport_name, inputs.source,
                        emulated=qemu, timing=timing)
    click.echo(report.format_json(summary) if as_json else report.format_text(summary))
    if html_path:
        timeline = None
        if vp.runtime == "tflm":
            from converter.report.build import build_memory_report
            from converter.report.html_format import arena_timeline_svg

            timeline = arena_timeline_svg(build_memory_report(tflite, board=board_obj))
        write_text_atomic(html_path, report.format_html(summary, timeline))
        log(f"validate: wrote {html_path}")
    if run.interrupted:
        log("error: interrupted; the summary above covers the inputs measured so far")
        return 130
    if not summary["bit_exact"]["all"]:
        log(f"error: {summary['inputs'] - summary['bit_exact']['matching']} of {summary['inputs']} outputs differ "
            "from tflite-micro's (mismatching inputs saved under " f"{vp.path / 'mismatches'})")
        return 1
    return 0
