"""``attendnets validate``: many inputs through the firmware on the board (or QEMU), compared with tflite-micro."""

from pathlib import Path
import importlib.util
import json
import os
import shutil
import sys
import tempfile

import click

from attendnets.commands.options import json_option, overwrite_option, runtime_option
from attendnets.commands.predict import _tflite
from attendnets_base.errors import BadInputError
from attendnets_base.fsutil import (check_output_file, exclusive_lock, is_our_html, require_file,
                                    write_text_atomic)
from attendnets_base.fsutil import check_output_file, is_our_html, write_text_atomic
from attendnets_base.fsutil import same_file
from attendnets_base.fsutil import write_text_atomic
from attendnets_base.labels import find_labels
from attendnets_tf.loading import load_keras_model
from codegen.boards import get_board
from codegen.context import tensor_info
from codegen.project import open_project
from codegen.render import MARKER_FILE, is_our_project
from codegen.runners import choose_runner
from codegen.runners.cycle_model import QemuTiming, TimingSettings
from codegen.runtimes import DEFAULT_RUNTIME, get_runtime
from codegen.runtimes.base import BuildOptions
from converter.tflite_model import load_model
from validation import firmware, protocol, report
from validation import layers as L
from validation.data import check_matches_model, check_tensor_types, load_model_inputs
from validation.data import check_tensor_types, load_model_inputs
from validation.float_reference import real_inputs
from validation.float_reference import tflite_reference_outputs
from validation.predict import TfliteInterpreter, tflite_interpreter, tflite_packages
from validation.protocol import MAX_TENSORS
from validation.run import run_validation, summarize
from validation.transports import QemuTransport
from validation.transports import SerialTransport
import numpy as np


@click.command()
@click.argument("model", metavar="MODEL.tflite", type=click.Path(dir_okay=False, path_type=str))
@click.option("--board", default=None, help="Board name (attendnets boards); required unless --layers.")
@runtime_option("Which runtime the validation firmware uses (tflm needs a TFLM tree: TFLM_DIR / --tflm-dir).")
@click.option("--data", "data_spec", default="digits", show_default=True,
              help="digits, random, a folder of class sub-folders, or inputs.npy / .npz (x, y).")
@click.option("--count", type=click.IntRange(min=1), default=None,
              help="Inputs to send [default: 200, all of an .npy/.npz].")
@click.option("--port", default=None, help="Serial port of a real board (e.g. /dev/ttyACM0); emulated boards run in "
              "QEMU and take no --port.")
@click.option("--baud", type=click.IntRange(min=1), default=115200, show_default=True)
@click.option("--qemu", is_flag=True, help="Run the firmware in qemu-system-arm (QEMU boards; the default there).")
@click.option("--project", "project_dir", default=None, type=click.Path(file_okay=False, path_type=str),
              help="Where the validation build lives: reused as it is when it already holds one for MODEL, "
                   "else generated there (a project attendnets made; generated files you changed are kept "
                   "unless --overwrite) [default: a folder of the user cache, $ATTENDNETS_CACHE or "
                   "~/.cache/attendnets, validate/<model>-<hash>_<board>_<runtime>/, regenerated each run and "
                   "named in the output; never the current folder].")
@click.option("--tflm-dir", default=None, type=click.Path(file_okay=False, path_type=str),
              help="TFLM tree for --runtime tflm [default: $TFLM_DIR].")
@click.option("--no-profile", is_flag=True, help="Build without the per-operator counters (a reused --project "
              "built with them is rebuilt, and flashed again with --port).")
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Seconds to wait for each answer of the device, its first one and QEMU's start included.")
@click.option("--wait-states", type=click.IntRange(min=0), default=0, show_default=True,
              help="QEMU: flash wait states for the Cortex-M4 timing model's cycle figure (docs/timing.md).")
@click.option("--float-model", "float_model", default=None, type=click.Path(path_type=str), metavar="M.keras|M.tflite",
              help="The float model MODEL came from: its outputs on the same inputs are compared with the device's "
                   "by ST Edge AI Core's metrics (ACC, RMSE, MAE, L2r, MEAN, STD, NSE, COS) per output. A float "
                   ".tflite runs on the tflite-micro interpreter; a .keras needs TensorFlow (the train extra).")
@click.option("--layers", is_flag=True,
              help="Every operator's output compared, to find the first operator that differs (per-tensor "
                   "differences; --data, --count: the inputs, default 10). Without --board, on this machine: "
                   "tflite-micro against the compiled runtime's host build (and TFLite's interpreter when one is "
                   "installed); with --board, the firmware of the model with its operators' outputs made model "
                   "outputs (at most 32 at a time: --layers-from) against tflite-micro.")
@click.option("--layers-from", type=click.IntRange(min=0), default=0, show_default=True, metavar="N",
              help="With --layers: the first operator compared.")
@click.option("--layers-runtimes", default=None, metavar="LIST",
              help="With --layers: the runtimes compared with tflite-micro, from compiled,tflite [default: compiled, "
                   "and tflite when ai-edge-litert or tflite-runtime is installed; tflite named here may use "
                   "TensorFlow's interpreter].")
@json_option("Print the result as JSON.")
@click.option("--html", "html_path", default=None, type=click.Path(dir_okay=False, path_type=str),
              help="Also write an HTML report here.")
@overwrite_option("an existing --html file, or generated files you changed in --project")
def command(model, board, runtime, data_spec, count, port, baud, qemu, project_dir, tflm_dir, no_profile,
            timeout_s, wait_states, float_model, layers, layers_from, layers_runtimes, as_json, html_path, overwrite):
    """Validate MODEL on the device: bit-exactness against tflite-micro, accuracy, latency, per-operator time."""
    def log(message):
        click.echo(message, err=True)

    model_path = require_file(model, "model")
    if layers and board is None:
        return _layers(model_path, data_spec, count, layers_runtimes, as_json, log, html_path, overwrite, layers_from)
    if not layers and (layers_runtimes is not None or layers_from):
        raise BadInputError("--layers-runtimes and --layers-from go with --layers")
    if layers and layers_runtimes is not None:
        raise BadInputError("--layers-runtimes is for the host comparison (no --board); with --board the firmware "
                            "is compared with tflite-micro")
    if layers and float_model is not None:
        raise BadInputError("--float-model goes without --layers")
    if board is None:
        raise click.UsageError("Missing option '--board' (attendnets boards lists them; --layers needs none).")
    board_obj = get_board(board)
    if port is not None and board_obj.emulated:
        raise BadInputError(f"board {board_obj.name} is emulated: validate runs its firmware in QEMU itself; "
                            "leave out --port (a serial port is for a real board)")
    if port is not None and qemu:
        raise BadInputError("--port and --qemu exclude each other")
    if port is None and not board_obj.emulated:
        raise BadInputError(f"board {board_obj.name} is not emulated: pass --port (its serial port)")
    if port is not None and not port.strip():
        raise BadInputError("--port needs a serial port (e.g. /dev/ttyACM0)")
    if port is None:
        qemu = True
    firmware.check_board(board_obj)
    data_path = Path(data_spec) if data_spec not in ("digits", "random") else None
    html_path = check_output_file(html_path, "--html", overwrite=overwrite, ours=is_our_html,
                                  inputs=[(model_path, "the model"), (data_path, "the --data")])
    if project_dir is not None:
        _check_project_dir(Path(project_dir), [model_path, data_path])
    data = model_path.read_bytes()
    tflite = load_model(data)
    check_tensor_types(tflite)  # before anything is generated or built
    sg = tflite.main_subgraph
    infos = [tensor_info(sg.tensor(t), "input", i) for i, t in enumerate(sg.inputs)]
    if count is None and data_spec in ("digits", "random"):
        count = 10 if layers else 200
    inputs = load_model_inputs(data_spec, infos, count)

    check_matches_model(inputs, tensor_info(sg.tensor(sg.outputs[0]), "output", 0), data_spec,
                        model_labels=find_labels(model_path)[0])
    build_model_path, probes = model_path, None
    if layers:  # the firmware of the model whose operators' outputs are model outputs (validation.layers)

        data, probes = L.with_every_tensor_as_output(data, layers_from, MAX_TENSORS)
        tflite = load_model(data)
        build_model_path = Path(tempfile.mkdtemp(prefix="attendnets-layers-")) / f"{model_path.stem}_layers.tflite"
        build_model_path.write_bytes(data)
        last = max(p.operator for p in probes)
        log(f"validate --layers: operators {layers_from} .. {last} of {len(sg.operators)} made model outputs"
            + (f" (--layers-from {last + 1} for the next ones)" if last + 1 < len(sg.operators) else ""))
    if inputs.skipped_files:
        shown = ", ".join(Path(f).name for f in inputs.skipped_files[:3])
        more = f" and {len(inputs.skipped_files) - 3} more" if len(inputs.skipped_files) > 3 else ""
        log(f"validate: {len(inputs.skipped_files)} unreadable image(s) skipped ({shown}{more})")
    digest = protocol.model_hash(data)
    float_reference = None
    if float_model is not None:  # before the build: a wrong float model fails fast
        float_reference = _float_reference(float_model, tflite, inputs)

    reuse = project_dir is not None and firmware.is_validation_project(project_dir)
    missing = get_runtime(runtime).missing_build_input(BuildOptions(tflm_dir=tflm_dir))
    if missing and not reuse:
        raise BadInputError(f"--runtime {runtime} needs {missing} (see docs/firmware.md), or validate with "
                            f"--runtime {DEFAULT_RUNTIME}")
    if reuse:
        vp = firmware.open_validation_project(project_dir)
        if vp.model_hash != digest.hex():
            raise BadInputError(f"{project_dir} is a validation build of another model (hash {vp.model_hash}); "
                                f"pass another --project (or none) to build one for {model_path.name}")
        rebuilt = False
        if no_profile and vp.profile:  # asked for no counters: rebuild, never time what was not asked for
            log(f"validate: {project_dir} was built with the per-operator profile; rebuilding it without it "
                "(--no-profile)")
            vp = firmware.install_main(vp.path, tflite, board_obj, vp.runtime, False, data, model_path.name)
            rebuilt = True
        if rebuilt or (not vp.elf.is_file() and qemu):
            firmware.build_project(vp, tflm_dir or os.environ.get("TFLM_DIR"), log=log)
            if rebuilt and port is not None:
                _flash(vp, board_obj, log)
    else:
        suffix = f"_layers{layers_from}" if layers else ""
        if project_dir is None:  # the user cache: ours to replace, one run at a time
            out = firmware.cached_project_dir(model_path, digest, board_obj.name, runtime, suffix)
            _hold_until_done(exclusive_lock(out.parent / f"{out.name}.lock", log, "another validate run"))
        else:
            out = Path(project_dir)
        log(f"validate: generating the validation build in {out}/ ({runtime} runtime)")
        try:
            vp = firmware.prepare_project(build_model_path, board_obj.name, runtime, out, profile=not no_profile,
                                          log=log, overwrite=overwrite or project_dir is None)
        finally:
            if build_model_path != model_path:
                shutil.rmtree(build_model_path.parent, ignore_errors=True)
        firmware.build_project(vp, tflm_dir or os.environ.get("TFLM_DIR"), log=log)
        if port is not None:
            _flash(vp, board_obj, log)

    timing = None
    if qemu:
        timing = QemuTiming.try_create(board_obj.cpu, vp.elf, vp.path / "build" / "timing.txt", log=log,
                                       settings=TimingSettings.for_board(board_obj, wait_states))
        transport = QemuTransport(board_obj.qemu_machine, vp.elf, log_path=vp.path / "build" / "qemu.log", log=log,
                                  extra_args=timing.argv if timing else (), start_timeout_s=timeout_s)
        transport_name = f"QEMU {board_obj.qemu_machine}"
    else:
        transport = SerialTransport(port, baud)
        transport_name = f"serial {port} at {baud} baud"
    try:
        session = protocol.Session(transport, timeout_s=timeout_s, hello_timeout_s=timeout_s)
        session.connect(digest)
        with click.progressbar(length=len(inputs.inputs), label="validate", file=sys.stderr,
                               show_pos=True, show_eta=True) as bar:
            run = run_validation(session, data, tflite, inputs, mismatch_dir=vp.path / "mismatches",
                                 progress=bar.update)
        session.close()
    finally:
        transport.close()
    if layers:
        if run.interrupted:
            log("error: interrupted before every input was compared")
            return 130

        device = L.device_runner(f"{vp.runtime} firmware on {board_obj.name} ({transport_name})", run)
        result = L.compare_layers(data, probes, [L.tflm_runner(data), device], inputs)
        return _print_layers(model_path, inputs, result, as_json, html_path, log)
    summary = summarize(run, tflite, model_path, board_obj, vp.runtime, transport_name, inputs.source,
                        emulated=qemu, timing=timing, inputs=inputs, float_reference=float_reference)
    click.echo(report.format_json(summary) if as_json else report.format_text(summary))
    if html_path is not None:
        timeline = get_runtime(vp.runtime).arena_timeline_svg(tflite, board_obj)
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


def _hold_until_done(manager):
    """Enter ``manager`` (a lock) now and leave it when the command ends."""
    ctx = click.get_current_context()
    manager.__enter__()
    ctx.call_on_close(lambda: manager.__exit__(None, None, None))


def _check_project_dir(path, inputs):
    """BadInputError unless --project names a folder validate may use: absent, empty, or made by attendnets
    (generate's rule then keeps generated files the user changed unless --overwrite), never an input."""
    if not str(path).strip():
        raise BadInputError("--project needs a folder name (got an empty one)")
    for source in inputs:
        if source is not None and same_file(path, source):
            raise BadInputError(f"--project {path} is an input of this command: choose another folder")
    if path.exists() and not path.is_dir():
        raise BadInputError(f"--project {path} is a file: give a folder")
    if path.is_dir() and any(path.iterdir()) and not is_our_project(path):
        raise BadInputError(f"--project {path} exists and was not made by attendnets (no {MARKER_FILE}): "
                            "choose another folder, or an empty one")


def _flash(vp, board, log):
    choose_runner(board, log=log)(open_project(vp.path), log=log).run()


def _float_reference(path, tflite, inputs):
    """``(outputs, description)`` of ``--float-model`` on the inputs (validation.float_reference)."""
    p = Path(path)
    if not p.exists():
        raise BadInputError(f"--float-model not found: {p}")
    if p.is_file() and p.read_bytes()[4:8] == b"TFL3":
        return tflite_reference_outputs(p, tflite, inputs)
    return _keras_reference(p, tflite, inputs)


def _keras_reference(path, tflite, inputs):
    if importlib.util.find_spec("tensorflow") is None:
        raise BadInputError(f"--float-model {path} is a Keras model: reading it needs TensorFlow "
                            "(pip install 'attendnets[train]'); a float .tflite needs nothing more")
    from attendnets_tf._tf import tf

    model = load_keras_model(path)
    reals = real_inputs(tflite, inputs)
    shapes = [tuple(t.shape[1:]) for t in model.inputs]
    if len(shapes) != len(reals) or any(int(np.prod(s)) != r.shape[1] for s, r in zip(shapes, reals)):
        raise BadInputError(f"--float-model {path} takes {shapes}; the validated model's inputs have "
                            f"{[r.shape[1] for r in reals]} elements: not the same network")
    feeds = [r.reshape((len(r), *s)).astype(np.float32) for r, s in zip(reals, shapes)]
    out = model.predict(feeds if len(feeds) > 1 else feeds[0], batch_size=128, verbose=0)
    outs = [np.asarray(o).reshape(len(o), -1) for o in (out if isinstance(out, (list, tuple)) else [out])]
    sg = tflite.main_subgraph
    theirs = [o.shape[1] for o in outs]
    ours = [sg.tensor(t).num_elements for t in sg.outputs]
    if theirs != ours:
        raise BadInputError(f"--float-model {path} has outputs of {theirs} elements; the validated model {ours}")
    return outs, f"{path} (Keras, TensorFlow {tf.__version__})"


def _layers(model_path, data_spec, count, runtimes_text, as_json, log, html_path=None, overwrite=False, first=0):
    """``--layers``: validation.layers on the host; exit 0 when every runtime matches tflite-micro everywhere."""
    if runtimes_text is None:
        wanted = ["compiled"] + (["tflite"] if tflite_packages() else [])
    else:
        wanted = [w.strip() for w in runtimes_text.split(",") if w.strip()]
        unknown = [w for w in wanted if w not in ("compiled", "tflite")]
        if unknown or not wanted:
            raise BadInputError(f"--layers-runtimes takes compiled and/or tflite (compared with tflm); got "
                                f"{runtimes_text!r}")


    data_path = Path(data_spec) if data_spec not in ("digits", "random") else None
    html_path = check_output_file(html_path, "--html", overwrite=overwrite, ours=is_our_html,
                                  inputs=[(model_path, "the model"), (data_path, "the --data")])
    data = model_path.read_bytes()
    model = load_model(data)
    check_tensor_types(model)
    sg = model.main_subgraph
    infos = [tensor_info(sg.tensor(t), "input", i) for i, t in enumerate(sg.inputs)]
    inputs = load_model_inputs(data_spec, infos, count or 10)
    rewritten, probes = L.with_every_tensor_as_output(data, first)
    log(f"validate --layers: {len(probes)} operator outputs made model outputs; tflm against {', '.join(wanted)}")
    runners = [L.tflm_runner(rewritten)]
    if "compiled" in wanted:
        try:
            runners.append(L.compiled_runner(rewritten))
        except BadInputError as exc:
            if runtimes_text is not None or "tflite" not in wanted:  # asked for, or nothing else to compare
                raise BadInputError(f"--layers: {exc}; nothing to compare with tflite-micro"
                                    + ("" if "tflite" in wanted else
                                       " (--layers-runtimes tflite compares TFLite's interpreter, if installed)"))
            log(f"validate --layers: compiled runtime left out: {exc}")
    if "tflite" in wanted:
        rewritten_model = load_model(rewritten)
        interpreter = tflite_interpreter(rewritten_model)
        if interpreter is None:
            if importlib.util.find_spec("tensorflow") is None:
                raise BadInputError("--layers-runtimes tflite needs TFLite's interpreter: pip install ai-edge-litert "
                                    "(or tflite-runtime, or attendnets[train])")

            interpreter = _tflite(rewritten_model)
        runners.append(L.tflite_runner(interpreter))
    result = L.compare_layers(rewritten, probes, runners, inputs)
    return _print_layers(model_path, inputs, result, as_json, html_path, log)


def _print_layers(model_path, inputs, result, as_json, html_path, log):
    """The --layers result in text or JSON (and --html); exit 1 when a runtime differs somewhere."""
    if as_json:
        click.echo(json.dumps({"model": str(model_path), "data": inputs.source, **result}, indent=2))
    else:
        click.echo(L.format_layers_text(model_path, inputs.source, result))
    if html_path:
        write_text_atomic(html_path, L.format_layers_html(model_path, inputs.source, result))
        log(f"validate: wrote {html_path}")
    if not all(c["identical"] for c in result["comparisons"]):
        log("error: the runtimes differ; the first operator that differs is named above")
        return 1
    return 0
