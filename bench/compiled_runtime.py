"""The compiled runtime against the TFLM project: RAM, flash and instructions per inference on a Cortex-M4.

Per model (the shared int8 models the compiled runtime runs, plus any --model, e.g. the demo's
AttendNet-B):

- TFLM project (estimates, no TFLM tree needed): arena = the estimator's smallest arena that
  allocates on a 32-bit target with CMSIS-NN kernels (and with the reference kernels); flash =
  the .tflite + the code estimate (TFLM runtime + kernels, measured per operator, + application).
- compiled runtime, generated for mps2-an386 (Cortex-M4) and built twice (DSP kernels, DSP=0
  plain C): arena and RAM as `attendnets size` reads them from the ELF, flash split into
  constants (model_data.o) and code (everything else), and instructions per inference from
  QEMU (`-icount shift=0`: SysTick ticks x 40 = instructions, resolution 40) and cycles from the
  Cortex-M4 timing model that rides on the QEMU run (0 wait states, docs/timing.md).  The printed
  output must equal the tflite-micro interpreter's for the same random input.

With --tflm-dir TREE (a TFLM tree; --tflm-lib for a prebuilt libtflm.a of that kernel set for
the M4), the TFLM project is also generated with the same sample, built and run in QEMU: its
instructions per inference, `attendnets size` flash and the arena it used, and whether its output
equals the interpreter's.

The code figure's table (codegen/compiled/kernel_code_size.json) is measured by
bench/compiled_code_size.py.

    python bench/compiled_runtime.py [--model NAME=demo_out/model.tflite ...] \
        [--tflm-dir TREE [--tflm-lib libtflm.a]] [--out docs/results_compiled.md]
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from bench.qemu_models import SHARED, build_compiled_project, results_head  # noqa: E402

DEFAULT_MODELS = ["hello_world_int8.tflite", "micro_speech_quantized.tflite", "person_detect.tflite",
                  "pretrainedResnet_quant.tflite", "trained_lstm_int8.tflite", "vww_96_int8.tflite"]
BOARD = "mps2-an386"


def cli(*args, timeout=3600):
    return subprocess.run([sys.executable, "-m", "attendnets", *map(str, args)], capture_output=True, text=True,
                          cwd=REPO, timeout=timeout)


def tflm_figures(model):
    from codegen.runtimes.tflm import estimate_code_bytes
    from converter.tflm.arena import estimate_arena

    cmsis = estimate_arena(model, pointer_bytes=4, kernels="cmsis-nn", cmsis_nn_arch="dsp")
    ref = estimate_arena(model, pointer_bytes=4, kernels="reference")
    code = estimate_code_bytes(model, "cmsis-nn")
    return {"arena_cmsis_nn": cmsis.required_bytes, "arena_reference": ref.required_bytes,
            "peak_live": cmsis.peak_live_bytes, "flash_model": model.size_bytes, "flash_code_estimate": code,
            "flash_total_estimate": model.size_bytes + code}


def compiled_run(model_path, work: Path, dsp: int, sample_path: Path, sample_bytes: int = 0):
    from codegen.size import size_project

    project = work / f"{model_path.stem}-{'dsp' if dsp else 'plain'}"
    failed = build_compiled_project(model_path, BOARD, project, sample_path, dsp)
    if failed:
        step, proc = failed
        return {"error": proc.stderr.strip() if step == "generate" else "build failed: " + proc.stderr.strip()[-500:]}
    run = cli("flash", project, "--tool", "qemu", timeout=1800)
    lines = run.stdout.splitlines()

    def value(prefix):
        line = next((l for l in lines if l.startswith(prefix)), None)
        return None if line is None else line[len(prefix):].strip()

    ticks = value("cycles:")
    ticks = int(ticks.split()[0]) if ticks else None
    from codegen.runners.cycle_model import logged_inferences

    modelled = logged_inferences(run.stderr)
    size = size_project(project)
    from codegen.boards import get_board

    clock = get_board(BOARD).clock_hz
    return {
        "output": [int(v) if v.lstrip("-").isdigit() else v for v in (value("output:") or "").split()],
        "arena": int(value("arena_bytes:") or 0),
        "systick": ticks,
        "instructions": round(ticks * 1e9 / clock) if ticks is not None else None,
        # the Cortex-M4 timing model's figures for the inference (docs/timing.md)
        "model_instructions": modelled[0][0] if modelled else None,
        "cycles": modelled[0][1] if modelled else None,
        "flash_total": size.flash_total_bytes,
        "flash_constants": size.flash.get("model", 0),
        # code: everything but the constants and the sample input main() runs on (a const array)
        "flash_code": size.flash_total_bytes - size.flash.get("model", 0) - sample_bytes,
        "sample_bytes": sample_bytes,
        "ram": dict(size.ram),
    }


def tflm_run(model_path, work: Path, sample_path: Path, tflm_dir, tflm_lib=None):
    """The TFLM project on the same board and sample: instructions, flash (size), arena used, output."""
    from codegen.demo import instructions_from_ticks, parse_firmware_output, tree_kernels
    from codegen.size import size_project

    kernels = tree_kernels(tflm_dir)
    project = work / f"{model_path.stem}-tflm"
    gen = cli("generate", model_path, "--board", BOARD, "--out", project, "--runtime", "tflm", "--kernels", kernels,
              "--sample", sample_path, "--force")
    if gen.returncode != 0:
        return {"error": gen.stderr.strip()}
    build = ["build", project, "--tflm-dir", tflm_dir] + (["--tflm-lib", tflm_lib] if tflm_lib else [])
    b = cli(*build)
    if b.returncode != 0:
        return {"error": "build failed: " + (b.stderr.strip().splitlines() or [""])[-1]}
    from codegen.runners.cycle_model import logged_inferences

    flashed = cli("flash", project, "--tool", "qemu", timeout=3600)
    fw = parse_firmware_output(flashed.stdout)
    modelled = logged_inferences(flashed.stderr)
    size = size_project(project)
    return {"kernels": kernels, "output": fw.get("output"), "arena_used": fw.get("arena_used_bytes"),
            "instructions": instructions_from_ticks(fw["ticks"]) if "ticks" in fw else None,
            "cycles": modelled[0][1] if modelled else None,
            "flash_total": size.flash_total_bytes, "flash_model": size.flash.get("model", 0)}


def bench_model(model_path: Path, work: Path, tflm_dir=None, tflm_lib=None):
    from codegen.compiled.generate import unsupported_reasons
    from codegen.compiled.host import run_tflm
    from converter.tflite_model import load_model

    model = load_model(model_path)
    row = {"model": model_path.name, "tflm": tflm_figures(model)}
    reasons = unsupported_reasons(model)
    if reasons:
        row["unsupported"] = "; ".join(reasons)
        return row
    sg = model.main_subgraph
    t = sg.tensor(sg.inputs[0])
    sample = np.random.default_rng(0).integers(-128, 128, size=t.shape).astype(np.int8)
    sample_path = work / f"{model_path.stem}_sample.npy"
    np.save(sample_path, sample)
    expected = [int(v) for v in run_tflm(model, [sample])[0].reshape(-1)]
    for dsp, key in ((1, "dsp"), (0, "plain")):
        result = compiled_run(model_path, work, dsp, sample_path, t.size_bytes)
        if "output" in result:
            result["match"] = result.pop("output") == expected
        row[key] = result
    if tflm_dir:
        result = tflm_run(model_path, work, sample_path, tflm_dir, tflm_lib)
        if "output" in result:
            result["match"] = result.pop("output") == expected
        row["tflm_run"] = result
    return row


def markdown(rows, command, note=""):
    def k(n):
        return f"{n:,}" if isinstance(n, int) else "-"

    out = [*results_head("# Results: the compiled runtime against the TFLM project", command, note),
           "Board mps2-an386 (Cortex-M4, QEMU 7.2, `-icount shift=0`: the counts are *instructions*, "
           "not cycles; SysTick ticks x 40, resolution 40). TFLM figures are the generator's estimates "
           "(arena: the estimator's smallest arena that allocates, 32-bit, CMSIS-NN kernels; flash: the "
           ".tflite + measured per-operator TFLM code + 16 KiB application). Compiled figures are measured "
           "from the built ELF (`attendnets size`): RAM = the static arena (activations and kernel scratch), "
           "flash = constants (model_data.o) + code (kernels, model_invoke, main, platform, newlib's printf) + "
           "the sample input main() runs on (in `compiled flash`, not in `code`). `match`: the firmware printed the tflite-micro interpreter's output for the same "
           "random input, byte for byte. `cycles`: cycles (Cortex-M4 timing model, 0 wait states) of the same "
           "inference (docs/timing.md).", "",
           "| model | TFLM arena (CMSIS-NN) | compiled arena | ratio | TFLM flash (est.) | compiled flash | "
           "constants | code | TFLM code (est.) | code ratio | instr. DSP | cycles DSP | instr. plain C | "
           "cycles plain C | match |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        t = r["tflm"]
        if "unsupported" in r:
            out.append(f"| {r['model']} | {k(t['arena_cmsis_nn'])} | not supported: {r['unsupported']} "
                       "| | | | | | | | | | | | |")
            continue
        d, p = r["dsp"], r["plain"]
        if "error" in d or "error" in p:
            out.append(f"| {r['model']} | {k(t['arena_cmsis_nn'])} | error: {d.get('error') or p.get('error')} "
                       "| | | | | | | | | | | | |")
            continue
        ratio = d["arena"] / t["arena_cmsis_nn"] if t["arena_cmsis_nn"] else 0
        out.append(f"| {r['model']} | {k(t['arena_cmsis_nn'])} | {k(d['arena'])} | {ratio:.2f}x | "
                   f"{k(t['flash_total_estimate'])} | {k(d['flash_total'])} | {k(d['flash_constants'])} | "
                   f"{k(d['flash_code'])} | {k(t['flash_code_estimate'])} | "
                   f"{d['flash_code'] / t['flash_code_estimate']:.2f}x | {k(d['instructions'])} | {k(d.get('cycles'))} | "
                   f"{k(p['instructions'])} | {k(p.get('cycles'))} | "
                   f"{'yes' if d['match'] and p['match'] else 'NO'} |")
    ran = [r for r in rows if "dsp" in r and "arena" in r["dsp"] and "arena" in r["plain"]]
    if ran:
        arena_ratios = {r["model"]: r["dsp"]["arena"] / r["tflm"]["arena_cmsis_nn"] for r in ran}
        code_ratios = {r["model"]: r["dsp"]["flash_code"] / r["tflm"]["flash_code_estimate"] for r in ran}
        out += ["", "Against the goals of issue 10 (computed from the table):", "",
                "- compiled arena / TFLM arena: " + ", ".join(f"{m} {v:.2f}x" for m, v in arena_ratios.items())
                + f"; below TFLM's on every model run: {'yes' if all(v < 1 for v in arena_ratios.values()) else 'NO'}",
                f"- code / TFLM code estimate: at most {max(code_ratios.values()):.2f}x "
                f"({'within' if max(code_ratios.values()) <= 0.5 else 'ABOVE'} the 0.5x goal)",
                f"- outputs equal to the interpreter's on every run: "
                f"{'yes' if all(r['dsp']['match'] and r['plain']['match'] for r in ran) else 'NO'}",
                "- instructions against TFLM + CMSIS-NN: not measured by this script (it needs a TFLM tree: "
                "bench/firmware_qemu.py --tflm-dir TREE --kernels cmsis-nn on the same models)"]
    measured = [r for r in rows if "tflm_run" in r and "dsp" in r]
    if measured:
        out += ["", "The TFLM project built against a TFLM tree and run in QEMU on the same input:", "",
                "| model | TFLM kernels | TFLM instr. | compiled DSP instr. | ratio | TFLM cycles | "
                "compiled DSP cycles | TFLM flash (size) | "
                "compiled flash | TFLM arena used | compiled arena | TFLM output == interpreter |",
                "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
        for r in measured:
            t, d = r["tflm_run"], r["dsp"]
            if "error" in t:
                out.append(f"| {r['model']} | error: {t['error']} | | | | | | | | | | |")
                continue
            ratio = d["instructions"] / t["instructions"] if t.get("instructions") else 0
            out.append(f"| {r['model']} | {t['kernels']} | {k(t['instructions'])} | {k(d['instructions'])} | "
                       f"{ratio:.2f}x | {k(t.get('cycles'))} | {k(d.get('cycles'))} | {k(t['flash_total'])} | {k(d['flash_total'])} | {k(t['arena_used'])} | "
                       f"{k(d['arena'])} | {'yes' if t['match'] else 'NO'} |")
    out += ["", "TFLM's reference-kernel arena and the peak of live activations, for comparison:", "",
            "| model | TFLM arena (reference) | peak live activations |", "|---|---:|---:|"]
    out += [f"| {r['model']} | {k(r['tflm']['arena_reference'])} | {k(r['tflm']['peak_live'])} |" for r in rows]
    return "\n".join(out) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", action="append", default=[],
                        help="another .tflite, as PATH or NAME=PATH (repeatable)")
    parser.add_argument("--no-shared", action="store_true", help="skip the shared models")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "results_compiled.md")
    parser.add_argument("--json", type=Path, default=None, help="also write the raw figures")
    parser.add_argument("--note", default="", help="a line for the results file (where a --model came from)")
    parser.add_argument("--tflm-dir", default=None, help="a TFLM tree: also build and run the TFLM project")
    parser.add_argument("--tflm-lib", default=None, help="a prebuilt libtflm.a for the M4 and the tree's kernels")
    parser.add_argument("--from-json", type=Path, default=None,
                        help="rewrite the results file from figures a previous run saved with --json")
    args = parser.parse_args(argv)
    command = "python bench/compiled_runtime.py " + shlex.join(sys.argv[1:] if argv is None else argv)

    if args.from_json:
        saved = json.loads(args.from_json.read_text())
        text = markdown(saved["rows"], saved["command"], args.note or saved.get("note", ""))
        args.out.write_text(text)
        print(text)
        return 0
    models = [] if args.no_shared else [(m, SHARED / m) for m in DEFAULT_MODELS if (SHARED / m).is_file()]
    for spec in args.model:
        name, _, path = spec.rpartition("=")
        models.append((name or Path(path).name, Path(path)))
    with tempfile.TemporaryDirectory(prefix="attendnets-compiled-bench-") as tmp:
        work = Path(tmp)
        rows = []
        for name, path in models:
            print(f"bench: {name} ...", flush=True)
            rows.append(bench_model(path, work, args.tflm_dir, args.tflm_lib))
            rows[-1]["model"] = name
            print(json.dumps(rows[-1]), flush=True)
    text = markdown(rows, command, args.note)
    args.out.write_text(text)
    if args.json:
        args.json.write_text(json.dumps({"command": command, "note": args.note, "rows": rows}, indent=2) + "\n")
    print(text)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
