"""`make demo`: the whole toolchain on the built-in digits set, through the command line.

    train (AttendNet-B, 32x32x1) -> quantize (QAT) -> convert (full int8) -> evaluate (TFLite-ref + TFLM)
    -> memory report for the mps2-an386 board (text + HTML) -> firmware project for mps2-an386
    (and, when TFLM_DIR names a TFLM tree: build, size, run in QEMU)
    -> the compiled runtime's project for mps2-an386: generate, build (arm-none-eabi-gcc alone), size,
    run in QEMU; its class for the sample digit next to the TFLM interpreter's
    -> `attendnets validate` in QEMU: a few dozen digits through that firmware over its UART, each output
    compared with tflite-micro's, accuracy, instructions per inference and per operator

into ``demo_out/``, then a short summary (float / int8 accuracies, parameters,
MACs, flatbuffer bytes).  Every step is one ``attendnets`` command run as a
subprocess, exactly what a user would type; the commands are printed.

The pipeline is the list returned by :func:`pipeline_steps`; later stages
(memory report, firmware generation, build, emulated run) are added by
appending :class:`Step` objects to it, e.g.::

    steps.append(Step("report", ["report", paths.tflite, "--board", "...", "--out", paths.out / "report.html"]))

A step may name a ``json_file`` to keep its stdout (parsed as JSON) for the
summary, and a ``summary`` function ``(results, paths) -> [lines]``.

Usage: .venv/bin/python scripts/demo.py [--out demo_out] [--epochs 20] [--qat-epochs 2]
       [--width 1.0] [--input-size 32] [--arch attendnet_b]
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]


@dataclass
class DemoPaths:
    out: Path

    @property
    def run(self):
        return self.out / "run"

    @property
    def float_model(self):
        return self.run / "model.keras"

    @property
    def qat_model(self):
        return self.run / "qat.keras"

    @property
    def tflite(self):
        return self.out / "model.tflite"

    @property
    def sample(self):
        return self.out / "sample_digit.npy"

    @property
    def firmware(self):
        return self.out / "firmware"

    @property
    def firmware_compiled(self):
        return self.out / "firmware_compiled"


@dataclass
class Step:
    """One ``attendnets`` command of the demo."""

    name: str
    args: list  # arguments after ``attendnets``
    json_output: bool = False  # parse stdout as JSON into results[name]
    text_output: bool = False  # keep stdout (also shown) as text in results[name]
    summary: Callable | None = None  # (results, paths) -> list of lines
    extra: dict = field(default_factory=dict)


def _accuracy_lines(results, paths):
    report = results["evaluate"]
    acc = report["accuracy"]
    lines = [f"test accuracy ({report['test_images']} digits images):"]
    if "float" in acc:
        lines.append(f"  float (Keras)                    {100 * acc['float']:6.2f} %")
    lines.append(f"  int8, TFLite reference kernels   {100 * acc['tflite']:6.2f} %")
    lines.append(f"  int8, TFLite Micro interpreter   {100 * acc['tflm']:6.2f} %")
    lines.append(f"  TFLite-ref / TFLM identical outputs: {100 * report['agreement']:.2f} % of images")
    return lines


def _profile_lines(results, paths):
    totals = results["profile"]["totals"]
    return [
        f"parameters {totals['params']:,}; MACs per image {totals['macs']:,}",
        f"int8 flatbuffer {paths.tflite.stat().st_size:,} bytes ({paths.tflite})",
    ]


def _report_lines(results, paths):
    report = results["report"]
    arena = report["arena"]
    board = report["board"]
    return [
        f"TFLM arena for a Cortex-M build: {arena['required']:,} B required "
        f"(head {arena['head']:,} B + tail {arena['tail']:,} B); report: {paths.out / 'report.html'}",
        f"{board['name']}: {board['verdict']} (flash {board['flash_used_bytes']:,} of {board['flash_bytes']:,} B, "
        f"RAM {board['ram_used_bytes']:,} of {board['ram_bytes']:,} B)",
    ]


def _write_sample_digit(paths: DemoPaths, input_size: int):
    """The first test-split digit, as the float image the firmware quantizes (its label in the file name log)."""
    import numpy as np

    sys.path.insert(0, str(REPO))
    from attendnets_tf.data import load_data

    splits = load_data("digits", (input_size, input_size, 1))
    image, label = splits.test[0][0], int(splits.test[1][0])
    np.save(paths.sample, image.astype("float32"))
    print(f"demo: firmware sample is test digit 0 (class {splits.class_names[label]}) -> {paths.sample}")


def firmware_steps(paths: DemoPaths) -> list:
    """The firmware stage: generate for mps2-an386; with TFLM_DIR also build, size and run in QEMU."""
    from codegen.demo import firmware_cli_steps

    steps = []
    for name, cli_args in firmware_cli_steps(paths.tflite, paths.firmware):
        if name == "generate":
            cli_args = cli_args + ["--sample", str(paths.sample)]
        steps.append(Step(name, cli_args, json_output=(name == "size"), text_output=(name == "run in QEMU")))
    return steps


def compiled_steps(paths: DemoPaths) -> list:
    """The compiled runtime's firmware: generate, build, size, run in QEMU (no TFLM tree needed)."""
    from codegen.demo import compiled_cli_steps

    steps = []
    for name, cli_args in compiled_cli_steps(paths.tflite, paths.firmware_compiled, paths.sample):
        steps.append(Step(name, cli_args, json_output=(name == "size compiled"),
                          text_output=(name == "run compiled in QEMU"),
                          summary=_compiled_lines if name == "run compiled in QEMU" else None))
    return steps


def _interpreter_class(paths: DemoPaths):
    """The tflite-micro interpreter's class and output for the sample as the firmware quantized it."""
    import numpy as np

    from codegen.compiled.host import run_tflm
    from codegen.context import tensor_info
    from codegen.sample import load_sample
    from converter.tflite_model import load_model

    model = load_model(paths.tflite)
    sg = model.main_subgraph
    info = tensor_info(sg.tensor(sg.inputs[0]), "input", 0)
    values, _ = load_sample(paths.sample, info)
    out = run_tflm(model, [np.array(values, dtype=np.int8).reshape(info["shape"])])[0].reshape(-1)
    return int(np.argmax(out)), [int(v) for v in out]


def _per_inference(text, ticks):
    """'N instructions (QEMU), M cycles (Cortex-M4 timing model, 0 wait states)' from what flash logged,
    else the instructions from the firmware's SysTick ticks."""
    from codegen.demo import instructions_from_ticks
    from codegen.runners.cycle_model import format_figures, logged_inferences

    logged = logged_inferences(text)
    if logged:
        return format_figures(*logged[0])
    return f"{instructions_from_ticks(ticks):,} instructions (QEMU; -icount shift=0: instructions, not cycles)"


def _compiled_lines(results, paths):
    from codegen.demo import parse_firmware_output

    fw = parse_firmware_output(results["run compiled in QEMU"])
    size = results["size compiled"]
    ref_class, ref_output = _interpreter_class(paths)
    same = "identical" if fw.get("output") == ref_output else "DIFFERENT"
    lines = [f"compiled runtime on mps2-an386 (QEMU, {paths.firmware_compiled}):",
             f"  sample digit: firmware class {fw.get('top1_class')}, TFLM interpreter class {ref_class} "
             f"(raw outputs {same})",
             f"  arena {fw.get('arena_bytes', 0):,} B; flash {size['flash_total_bytes']:,} B "
             f"(constants {size['flash']['model']:,} B + code {size['flash_total_bytes'] - size['flash']['model']:,} B); "
             f"{_per_inference(results['run compiled in QEMU'], fw['ticks'])} per inference"
             if "ticks" in fw else "  (no cycles line)"]
    tflm_run = results.get("run in QEMU")
    if tflm_run:
        t = parse_firmware_output(tflm_run)
        tsize = results.get("size", {})
        lines.append(f"  TFLM project: class {t.get('top1_class')}, arena {t.get('arena_used_bytes', 0):,} B used, "
                     f"flash {tsize.get('flash_total_bytes', 0):,} B, "
                     f"{_per_inference(tflm_run, t['ticks'])}" if "ticks" in t else "")
    return lines


VALIDATE_COUNT = 30  # digits the demo streams through the firmware in QEMU


def validate_steps(paths: DemoPaths) -> list:
    """The last stage: a short `attendnets validate` of the compiled firmware in QEMU (docs/validate.md)."""
    return [Step("validate in QEMU", ["validate", paths.tflite, "--board", "mps2-an386", "--qemu", "--runtime",
                                      "compiled", "--data", "digits", "--count", str(VALIDATE_COUNT), "--project",
                                      paths.out / "validate", "--html", paths.out / "validate.html", "--json"],
                 json_output=True, summary=_validate_lines)]


def _validate_lines(results, paths):
    s = results["validate in QEMU"]
    b, lat, acc, prof = s["bit_exact"], s["latency"], s["accuracy"], s["profile"]
    lines = [f"validate on mps2-an386 in QEMU ({s['inputs']} digits through the compiled firmware over its UART):",
             f"  {b['matching']}/{b['inputs']} outputs bit-exact with tflite-micro; device accuracy "
             f"{100 * acc['device_int8']:.2f} % = host int8 {100 * acc['host_int8']:.2f} % (digits that include "
             "training images)" if acc else f"  {b['matching']}/{b['inputs']} outputs bit-exact with tflite-micro",
             f"  {lat['median']:,.0f} {lat['unit']} per inference (median; QEMU -icount: instructions, not cycles)"]
    m = s.get("modelled")
    if m and m.get("cycles"):
        lines.append(f"  {m['instructions']['median']:,.0f} {m['instructions_label']}, {m['cycles']['median']:,.0f} "
                     f"{m['cycles_label']} per inference (median; docs/timing.md)")
    if prof:
        top = sorted(prof["operators"], key=lambda o: -o["share"])[:3]
        lines.append("  most time: " + ", ".join(f"op {o['index']} {o['name']} {100 * o['share']:.0f} %" for o in top)
                     + f"; report: {paths.out / 'validate.html'}")
    return lines


def pipeline_steps(args, paths: DemoPaths) -> list:
    """The demo, in order.  Append to this list to extend the demo."""
    data = "digits"
    return [
        Step("train", ["train", "--arch", args.arch, "--data", data, "--out", paths.run,
                       "--input-size", args.input_size, "--width", args.width, "--epochs", args.epochs]),
        Step("profile", ["profile", paths.float_model, "--json"], json_output=True, summary=_profile_lines),
        Step("quantize", ["quantize", paths.float_model, "--data", data, "--out", paths.qat_model,
                          "--epochs", args.qat_epochs]),
        Step("convert", ["convert", paths.qat_model, "--data", data, "--out", paths.tflite]),
        Step("evaluate", ["evaluate", paths.tflite, "--data", data, "--float-model", paths.float_model, "--json"],
             json_output=True, summary=_accuracy_lines),
        Step("report", ["report", paths.tflite, "--board", "mps2-an386", "--runtime", "tflm",
                        "--html", paths.out / "report.html", "--json"], json_output=True, summary=_report_lines),
    ]


def attendnets_command():
    """``.venv/bin/attendnets`` beside this Python when installed, else ``python -m attendnets``."""
    script = Path(sys.executable).with_name("attendnets")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "attendnets"]


def run_step(step: Step, results: dict, log=print):
    cmd = attendnets_command() + [str(a) for a in step.args]
    log(f"\n==> {step.name}: {shlex.join(cmd)}", flush=True)
    start = time.monotonic()
    capture = step.json_output or step.text_output
    # a text step keeps stderr too: `flash` logs each inference's timing-model figures there
    proc = subprocess.run(cmd, cwd=REPO, stdout=subprocess.PIPE if capture else None,
                          stderr=subprocess.STDOUT if step.text_output else None, text=True)
    if step.text_output:
        log(proc.stdout, end="")
    seconds = time.monotonic() - start
    if proc.returncode != 0:
        raise SystemExit(f"demo: step '{step.name}' failed (exit {proc.returncode}): {shlex.join(cmd)}")
    if step.text_output:
        results[step.name] = proc.stdout
    elif step.json_output:
        try:
            results[step.name] = json.loads(proc.stdout)
        except json.JSONDecodeError:
            raise SystemExit(f"demo: step '{step.name}' did not print JSON") from None
    log(f"    {step.name} done in {seconds:.0f} s", flush=True)
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description="attendnets demo: train -> quantize -> convert -> evaluate on digits")
    parser.add_argument("--out", type=Path, default=REPO / "demo_out")
    parser.add_argument("--arch", default="attendnet_b")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--qat-epochs", type=int, default=2)
    parser.add_argument("--width", type=float, default=1.0)
    parser.add_argument("--input-size", type=int, default=32)
    args = parser.parse_args(argv)

    paths = DemoPaths(args.out.resolve())
    if paths.out.exists() and any(paths.out.iterdir()):
        import shutil

        print(f"demo: removing the previous {paths.out}")
        shutil.rmtree(paths.out)
    paths.out.mkdir(parents=True, exist_ok=True)

    sys.path.insert(0, str(REPO))
    steps = pipeline_steps(args, paths)
    results, seconds = {}, {}
    start = time.monotonic()
    for step in steps:
        seconds[step.name] = run_step(step, results)
    _write_sample_digit(paths, args.input_size)
    firmware = firmware_steps(paths)
    for step in firmware:
        seconds[step.name] = run_step(step, results)
    steps += firmware
    if not any(step.name == "build" for step in firmware):
        print("\ndemo: TFLM_DIR is not set, so the TFLM firmware was generated but not built; see "
              f"{paths.firmware / 'README.md'} for making a TFLM tree, then: "
              f"attendnets build {paths.firmware} --tflm-dir TREE && attendnets flash {paths.firmware}")
    import shutil

    missing = [p for p in ("make", "arm-none-eabi-gcc", "qemu-system-arm") if shutil.which(p) is None]
    if missing:
        print(f"\ndemo: {', '.join(missing)} not installed (make system), so the compiled runtime's firmware "
              "is not built and run")
    else:
        compiled = compiled_steps(paths) + validate_steps(paths)
        for step in compiled:
            seconds[step.name] = run_step(step, results)
        steps += compiled
    total = time.monotonic() - start

    lines = [f"demo summary: {args.arch} (width {args.width:g}) on digits at {args.input_size}x{args.input_size}x1"]
    for step in steps:
        if step.summary is not None:
            lines += step.summary(results, paths)
    lines.append("time: " + ", ".join(f"{name} {s:.0f} s" for name, s in seconds.items()) + f"; total {total:.0f} s")
    lines.append(f"outputs in {paths.out}")
    print("\n" + "\n".join(lines))
    (paths.out / "summary.txt").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
