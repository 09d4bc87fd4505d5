"""Issue 21's speed table, in one run: MLPerf Tiny's four models and two AttendNet-Bs on a Cortex-M4.

Models (untrained weights are fine for speed: MACs, shapes and arenas follow the architecture):

- VWW: ../shared/models/vww_96_int8.tflite (MLPerf Tiny's MobileNetV1 0.25, 96x96x3);
- IC: ../shared/models/pretrainedResnet_quant.tflite (MLPerf Tiny's ResNet-8, 32x32x3);
- KWS: the test corpus's dscnn_kws_int8 (MLPerf Tiny's DS-CNN reference architecture, 49x10x1);
- AD: the test corpus's autoencoder_int8 (MLPerf Tiny's ToyADMOS dense autoencoder, 640 inputs);
- the demo's AttendNet-B (scripts/demo.py defaults: width 1.0, 32x32x1, 10 classes) and an
  AttendNet-B at 96x96x3 (width 1.0, 10 classes), both built here from attendnets_tf.models
  (in a child process: this script never imports TensorFlow) with random calibration data.

Per model, on mps2-an386 (Cortex-M4, QEMU 7.2): MACs (converter.report.macs, docs/architectures.md),
the compiled runtime generated once and built twice (DSP kernels and DSP=0 plain C), each run in
QEMU: instructions (QEMU, exact, from the timing plugin's marks) and cycles (Cortex-M4 timing
model, 0 wait states, docs/timing.md), cycles per MAC; the DSP build run again with
--wait-states 5 (the STM32L4R5's flash latency at 120 MHz); TFLM + CMSIS-NN the same way where a
TFLM tree is given (--tflm-dir or $TFLM_DIR; n/a otherwise); arena and code bytes from the ELF.
Every run's printed output is compared with the tflite-micro interpreter's for the same random
input, byte for byte. Published figures (X-CUBE-AI 9.0, Plumerai) are data below, with sources.

    ATTENDNETS_SHARED_MODELS=../shared/models python bench/speed.py [--tflm-dir TREE] [--only KWS,AD] [--out docs/results_speed.md] [--json F]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

SHARED = Path(os.environ.get("ATTENDNETS_SHARED_MODELS", REPO.parent / "shared" / "models"))
BOARD = "mps2-an386"
# The STM32L4R5ZI at 120 MHz needs 5 flash wait states (RM0432, "Number of wait states according
# to CPU clock (HCLK) frequency", range 1 boost: 100 < HCLK <= 120 MHz -> LATENCY 5).
L4R5_WAIT_STATES = 5
L4R5_CYCLES_PER_MS = 120_000  # 120 MHz

#: Published MLPerf Tiny inference latencies on the NUCLEO-L4R5ZI (Cortex-M4, 120 MHz), in ms:
#: X-CUBE-AI 9.0 (MLPerf Tiny v1.2 closed division, STMicroelectronics) and Plumerai (v1.1).
PUBLISHED_MS = {
    "VWW": {"X-CUBE-AI 9.0 (v1.2)": 88.9, "Plumerai (v1.1)": 98.8},
    "IC": {"X-CUBE-AI 9.0 (v1.2)": 165.1, "Plumerai (v1.1)": 167.8},
    "KWS": {"X-CUBE-AI 9.0 (v1.2)": 43.2, "Plumerai (v1.1)": 47.8},
    "AD": {"X-CUBE-AI 9.0 (v1.2)": 5.26, "Plumerai (v1.1)": 4.05},
}
#: Issue 21's goals in modelled cycles (0 wait states).
GOAL_CYCLES = {"VWW": 10_000_000, "IC": 18_000_000, "KWS": 4_700_000, "AD": 450_000}
#: Where docs/results_compiled.md (the arenas before issue 21) lists the same architecture.
RECORDED_NAMES = {"VWW": "vww_96_int8.tflite", "IC": "pretrainedResnet_quant.tflite",
                  "AttendNet-B demo": "AttendNet-B (digits)"}


@dataclass(frozen=True)
class Subject:
    label: str
    source: str  # "shared:FILE", "corpus:NAME", "attendnet_b:H,W,C" or "file:PATH"
    what: str


SUBJECTS = [
    Subject("VWW", "shared:vww_96_int8.tflite", "MobileNetV1 0.25, 96x96x3 (MLPerf Tiny's model)"),
    Subject("IC", "shared:pretrainedResnet_quant.tflite", "ResNet-8, 32x32x3 (MLPerf Tiny's model)"),
    Subject("KWS", "corpus:dscnn_kws_int8", "DS-CNN, 49x10x1 (MLPerf reference architecture, untrained)"),
    Subject("AD", "corpus:autoencoder_int8", "dense autoencoder 640-128x4-8-128x4-640 (MLPerf reference, untrained)"),
    Subject("AttendNet-B demo", "attendnet_b:32,32,1", "AttendNet-B width 1.0, 32x32x1, 10 classes (scripts/demo.py's, untrained)"),
    Subject("AttendNet-B 96", "attendnet_b:96,96,3", "AttendNet-B width 1.0, 96x96x3, 10 classes (untrained)"),
]


def published_cycles(label):
    return {name: round(ms * L4R5_CYCLES_PER_MS) for name, ms in PUBLISHED_MS.get(label, {}).items()}


# --- models -------------------------------------------------------------------------------

_ATTENDNET_SCRIPT = """
import sys, numpy as np
sys.path.insert(0, {repo!r})
from attendnets_tf._tf import keras
from attendnets_tf.models import build_model
from converter.conversion.convert import convert_keras_model
shape = tuple({shape!r})
keras.utils.set_random_seed(0)
model = build_model("attendnet_b", input_shape=shape, num_classes=10, width=1.0, name="attendnet_b")
calibration = np.random.default_rng(0).random((4, *shape), dtype=np.float32)
open({out!r}, "wb").write(convert_keras_model(model, calibration))
"""


def corpus_model(name, work: Path) -> Path:
    """The test corpus's model: from the suite's cache when built for these sources, else built here."""
    sys.path.insert(0, str(REPO / "tests"))
    import corpus

    cached = REPO / "build" / "test_corpus" / corpus.corpus_key() / f"{name}.tflite"
    if cached.is_file():
        return cached
    out = work / "corpus"
    if not (out / f"{name}.tflite").is_file():
        subprocess.run([sys.executable, str(REPO / "tests" / "corpus.py"), str(out), name], check=True, cwd=REPO,
                       env={**os.environ, "PYTHONPATH": str(REPO)})
    return out / f"{name}.tflite"


def model_path(subject: Subject, work: Path) -> Path:
    kind, _, arg = subject.source.partition(":")
    if kind == "shared":
        return SHARED / arg
    if kind == "file":
        return Path(arg)
    if kind == "corpus":
        return corpus_model(arg, work)
    if kind == "attendnet_b":
        shape = [int(v) for v in arg.split(",")]
        out = work / f"attendnet_b_{'x'.join(map(str, shape))}.tflite"
        if not out.is_file():
            code = _ATTENDNET_SCRIPT.format(repo=str(REPO), shape=shape, out=str(out))
            subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO,
                           env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
        return out
    raise ValueError(f"unknown model source {subject.source!r}")


# --- measurement --------------------------------------------------------------------------


def _cli(*args, timeout=3600):
    return subprocess.run([sys.executable, "-m", "attendnets", *map(str, args)], capture_output=True, text=True,
                          cwd=REPO, timeout=timeout)


def _printed_output(stdout):
    line = next((l for l in stdout.splitlines() if l.startswith("output:")), None)
    return None if line is None else [int(v) for v in line[len("output:"):].split()]


def compiled_runs(path: Path, work: Path, sample_path: Path, sample_bytes: int, expected, wait_states):
    """Generate once, build DSP and plain C, run each in QEMU with the timing model; the DSP ELF again at
    ``wait_states``. Returns {"dsp": {...}, "plain": {...}, "dsp_ws": {...}}."""
    from codegen.runners.cycle_model import logged_inferences
    from codegen.size import size_project

    base = work / f"{path.stem}-compiled"
    gen = _cli("generate", path, "--board", BOARD, "--out", base, "--runtime", "compiled", "--sample", sample_path,
               "--force")
    if gen.returncode != 0:
        return {"error": gen.stderr.strip()}
    out = {}
    for key, dsp in (("dsp", 1), ("plain", 0)):
        project = work / f"{path.stem}-{key}"
        if project.exists():
            shutil.rmtree(project)
        shutil.copytree(base, project)
        make = subprocess.run(["make", "-C", str(project), "-j2", f"DSP={dsp}"], capture_output=True, text=True)
        if make.returncode != 0:
            return {"error": f"{key} build failed: " + make.stderr.strip()[-300:]}
        runs = [("", 0)] + ([("_ws", wait_states)] if key == "dsp" and wait_states else [])
        for suffix, ws in runs:
            flashed = _cli("flash", project, "--tool", "qemu", "--wait-states", ws, timeout=3600)
            modelled = logged_inferences(flashed.stderr)
            result = {"instructions": modelled[0][0] if modelled else None,
                      "cycles": modelled[0][1] if modelled else None,
                      "match": _printed_output(flashed.stdout) == expected}
            if flashed.returncode != 0 or not modelled:
                result["error"] = (flashed.stderr.strip().splitlines() or ["no figures"])[-1]
            if not suffix:
                size = size_project(project)
                constants = size.flash.get("model", 0)
                result.update(arena=int(next((l.split(":")[1] for l in flashed.stdout.splitlines()
                                               if l.startswith("arena_bytes:")), "0")),
                              flash_total=size.flash_total_bytes, flash_constants=constants,
                              flash_code=size.flash_total_bytes - constants - sample_bytes)
            else:
                result["wait_states"] = ws
            out[key + suffix] = result
    return out


def tflm_cmsis_nn_run(path: Path, work: Path, sample_path: Path, expected, tflm_dir, tflm_lib=None):
    """TFLM + CMSIS-NN (the tree's kernels) on the same board and input, with the timing model."""
    from compiled_runtime import tflm_run

    result = tflm_run(path, work, sample_path, tflm_dir, tflm_lib)
    if "output" in result:
        result["match"] = result.pop("output") == expected
    return result


def measure(subject: Subject, path: Path, work: Path, tflm_dir=None, tflm_lib=None,
            wait_states=L4R5_WAIT_STATES) -> dict:
    """One row of the table: MACs, the compiled runtime's runs, TFLM's where a tree is given."""
    from codegen.compiled.generate import unsupported_reasons
    from codegen.compiled.host import run_tflm
    from converter.report.macs import model_macs
    from converter.tflite_model import load_model
    from converter.tflm.arena import estimate_arena

    model = load_model(path)
    sg = model.main_subgraph
    inp = sg.tensor(sg.inputs[0])
    row = {"label": subject.label, "what": subject.what, "model": path.name,
           "input_shape": list(inp.shape), "macs": sum(model_macs(model)),
           "tflm_arena_estimate": estimate_arena(model, pointer_bytes=4, kernels="cmsis-nn",
                                                 cmsis_nn_arch="dsp").required_bytes}
    reasons = unsupported_reasons(model)
    if reasons:
        row["error"] = "compiled runtime: " + "; ".join(reasons)
        return row
    # a copy under a unique name: project folders are named by the model's stem
    local = work / f"{re.sub(r'[^A-Za-z0-9]+', '_', subject.label)}.tflite"
    shutil.copyfile(path, local)
    sample = np.random.default_rng(0).integers(-128, 128, size=inp.shape).astype(np.int8)
    sample_path = work / f"{local.stem}_sample.npy"
    np.save(sample_path, sample)
    expected = [int(v) for v in run_tflm(model, [sample])[0].reshape(-1)]
    row.update(compiled_runs(local, work, sample_path, inp.size_bytes, expected, wait_states))
    row["tflm"] = (tflm_cmsis_nn_run(local, work, sample_path, expected, tflm_dir, tflm_lib) if tflm_dir
                   else None)
    return row


def recorded_figures(results_compiled: Path) -> dict:
    """model name -> {"arena": bytes, "code": bytes} of the compiled runtime, from docs/results_compiled.md's
    first table (columns found by their headings)."""
    figures = {}
    if not results_compiled.is_file():
        return figures
    columns = None
    for line in results_compiled.read_text().splitlines():
        if not line.startswith("|"):
            if columns is not None and figures:
                break  # the end of the first table
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if columns is None:
            if "compiled arena" in cells and "code" in cells:
                columns = {"arena": cells.index("compiled arena"), "code": cells.index("code")}
            continue
        values = {k: cells[i] for k, i in columns.items() if i < len(cells)}
        if all(re.fullmatch(r"[\d,]+", v or "-") for v in values.values()) and len(values) == len(columns):
            figures.setdefault(cells[0], {k: int(v.replace(",", "")) for k, v in values.items()})
    return figures


# --- the table ----------------------------------------------------------------------------


def _n(v):
    return f"{v:,}" if isinstance(v, int) else "n/a"


def _m(v):
    return f"{v / 1e6:.2f}M" if isinstance(v, int) else "n/a"


def _per_mac(cycles, macs):
    return f"{cycles / macs:.2f}" if isinstance(cycles, int) and macs else "n/a"


def _ok(run):
    return bool(run) and "error" not in run and run.get("match") is True


def _row_exact(row, tflm_given):
    """Every run of the row (DSP, plain C, DSP with wait states, TFLM where given) printed tflite-micro's output."""
    runs = [row.get("dsp"), row.get("plain"), row.get("dsp_ws")] + ([row.get("tflm")] if tflm_given else [])
    return _ok(row.get("dsp")) and _ok(row.get("plain")) and all(_ok(run) for run in runs if run is not None)


def source_revision():
    """The checkout's commit (short), with "+changes" when the work tree differs from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                               text=True, cwd=REPO).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+changes" if dirty else "")


def markdown(rows, command, recorded, tflm_given, wait_states=L4R5_WAIT_STATES, revision=None):
    ws = wait_states
    out = ["# Results: speed of the compiled runtime on the Cortex-M4 (issue 21)", "",
           f"Command: `{command}`" + (f" (sources: commit {revision})" if revision else ""), "",
           "Board mps2-an386 (Cortex-M4) in QEMU 7.2. *Instructions* are what QEMU executed for one inference "
           "(`platform_cycles()` before `model_invoke()` to the one after it); *cycles* are the Cortex-M4 timing "
           "model's for the same instruction stream (docs/timing.md), at 0 wait states unless the column says "
           f"otherwise. Cycles per MAC = DSP cycles (0 wait states) / MACs (docs/architectures.md's count). "
           f"`{ws} ws`: the DSP build again with `--wait-states {ws}`, the STM32L4R5's flash latency at 120 MHz "
           f"(RM0432): {ws} cycles more for every data load from flash (the weights) and every taken-branch "
           "refill whose target is in flash, with no ART accelerator or cache modelled, so an upper bound "
           "where the 0 wait states figure is a lower one. Bit-exact: every run (DSP, plain C, "
           f"{ws} ws, TFLM) printed the tflite-micro interpreter's output for the same random int8 input, "
           "byte for byte.", "",
           "Published figures are *measured* on a NUCLEO-L4R5ZI (Cortex-M4 at 120 MHz, running from flash with "
           "its wait states, ART accelerator and caches), converted as ms x 120,000 cycles: X-CUBE-AI 9.0 "
           "(MLPerf Tiny v1.2) and Plumerai (v1.1). Ours are *modelled* on an emulated core; the two are "
           "comparable only up to that difference.", "",
           "| model | MACs | DSP instr. (QEMU) | DSP cycles | cycles/MAC | plain C instr. | plain C cycles | "
           f"plain cycles/MAC | DSP cycles, {ws} ws | TFLM + CMSIS-NN instr. | TFLM + CMSIS-NN cycles | "
           "X-CUBE-AI 9.0 cycles | Plumerai cycles | goal (cycles) | bit-exact |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        pub = published_cycles(r["label"])
        x_cube = next((v for k, v in pub.items() if k.startswith("X-CUBE")), None)
        plumerai = next((v for k, v in pub.items() if k.startswith("Plumerai")), None)
        goal = GOAL_CYCLES.get(r["label"])
        if "error" in r or "dsp" not in r:
            out.append(f"| {r['label']} | {_n(r.get('macs'))} | error: {r.get('error')} | | | | | | | | | "
                       f"{_m(x_cube)} | {_m(plumerai)} | {_m(goal)} | NO |")
            continue
        d, p, w, t = r["dsp"], r["plain"], r.get("dsp_ws"), r.get("tflm")
        tflm_cells = ("n/a (no TFLM tree)", "n/a") if not tflm_given else (
            (f"error: {t['error']}", "") if t and "error" in t else (_n(t.get("instructions")), _n(t.get("cycles"))))
        exact = _row_exact(r, tflm_given)
        out.append(f"| {r['label']} | {_n(r['macs'])} | {_n(d.get('instructions'))} | {_n(d.get('cycles'))} | "
                   f"{_per_mac(d.get('cycles'), r['macs'])} | {_n(p.get('instructions'))} | {_n(p.get('cycles'))} | "
                   f"{_per_mac(p.get('cycles'), r['macs'])} | {_n((w or {}).get('cycles'))} | "
                   f"{tflm_cells[0]} | {tflm_cells[1]} | {_m(x_cube)} | {_m(plumerai)} | {_m(goal)} | "
                   f"{'yes' if exact else 'NO'} |")
    out += ["", "Memory (bytes, from the DSP build's ELF): the arena is the static activation and scratch area; "
            "code is everything in flash but the constants (model_data.o) and the sample input main() runs on. "
            "`recorded`: the compiled arena and code docs/results_compiled.md lists for the same architecture "
            "(issue 21: no arena growth; code may grow where it pays, by the difference shown); TFLM arena: the "
            "estimator's smallest CMSIS-NN arena. Generated with generate's defaults (schedule auto: layer by "
            "layer, since every model fits mps2-an386's RAM; docs/results_patch.md gives the smaller arenas of "
            "the patch-based schedule, which recompute MACs).",
            "", "| model | what | input | compiled arena | recorded arena | TFLM arena (est.) | constants | code | "
            "recorded code | plain C code |", "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        d, p = r.get("dsp") or {}, r.get("plain") or {}
        rec = recorded.get(RECORDED_NAMES.get(r["label"], ""), {})

        def versus(now, before):
            if before is None or not isinstance(now, int):
                return _n(now)
            return f"{now:,} (same)" if now == before else f"{now:,} ({now - before:+,})"

        out.append(f"| {r['label']} | {r['what']} | {'x'.join(map(str, r['input_shape']))} | "
                   f"{versus(d.get('arena'), rec.get('arena'))} | {_n(rec.get('arena')) if rec else '-'} | "
                   f"{_n(r.get('tflm_arena_estimate'))} | {_n(d.get('flash_constants'))} | "
                   f"{versus(d.get('flash_code'), rec.get('code'))} | {_n(rec.get('code')) if rec else '-'} | "
                   f"{_n(p.get('flash_code'))} |")
    ran = [r for r in rows if "dsp" in r and isinstance(r["dsp"].get("cycles"), int)]
    goals = [r for r in ran if r["label"] in GOAL_CYCLES]
    if goals:
        out += ["", "Against issue 21's goals (computed from the table, DSP, 0 wait states):", ""]
        for r in goals:
            c, g = r["dsp"]["cycles"], GOAL_CYCLES[r["label"]]
            pub = published_cycles(r["label"])
            best = min(pub.values()) if pub else None
            out.append(f"- {r['label']}: {c / 1e6:.2f}M cycles, goal {g / 1e6:.2f}M: "
                       f"{'met' if c <= g else f'not met ({c / g:.2f}x the goal)'}"
                       + (f"; {c / best:.2f}x the best published ({best / 1e6:.2f}M)" if best else ""))
    if rows:
        failed = [r["label"] for r in rows if r not in ran]
        out.append(("" if goals else "\n") + "- bit-exact with tflite-micro on every run: "
                   + ("yes" if all(_row_exact(r, tflm_given) for r in ran) and not failed else "NO")
                   + (f" (not measured: {', '.join(failed)})" if failed else ""))
    return "\n".join(out) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tflm-dir", default=os.environ.get("TFLM_DIR"),
                        help="a TFLM tree (default $TFLM_DIR): also run TFLM + CMSIS-NN")
    parser.add_argument("--tflm-lib", default=None, help="a prebuilt libtflm.a for the M4 and the tree's kernels")
    parser.add_argument("--only", default="", help="comma-separated labels to run (default: all)")
    parser.add_argument("--model", action="append", default=[], metavar="LABEL=PATH",
                        help="another int8 .tflite to measure (repeatable)")
    parser.add_argument("--wait-states", type=int, default=L4R5_WAIT_STATES,
                        help="flash wait states of the extra DSP run (0: skip it)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "results_speed.md")
    parser.add_argument("--json", type=Path, default=None, help="also write the raw figures")
    parser.add_argument("--from-json", type=Path, default=None,
                        help="rewrite the results file from figures a previous run saved with --json")
    args = parser.parse_args(argv)
    recorded = recorded_figures(REPO / "docs" / "results_compiled.md")
    if args.from_json:
        saved = json.loads(args.from_json.read_text())
        args.out.write_text(markdown(saved["rows"], saved["command"], recorded, saved.get("tflm_given", False),
                                     saved.get("wait_states", L4R5_WAIT_STATES), saved.get("revision")))
        print(f"wrote {args.out}")
        return 0
    command = "python bench/speed.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    wanted = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = wanted - {s.label for s in SUBJECTS}
    if args.model and not wanted:
        wanted = {"(none)"}  # --model alone measures only the given models
        unknown = set()
    if unknown:
        print(f"error: unknown label(s) {', '.join(sorted(unknown))}; known: "
              f"{', '.join(s.label for s in SUBJECTS)}", file=sys.stderr)
        return 2
    subjects = [s for s in SUBJECTS if not wanted or s.label in wanted]
    for spec in args.model:
        label, _, path = spec.rpartition("=")
        subjects.append(Subject(label or Path(path).name, f"file:{path}", Path(path).name))
    rows = []
    revision = source_revision()
    with tempfile.TemporaryDirectory(prefix="attendnets-speed-bench-") as tmp:
        work = Path(tmp)
        for subject in subjects:
            print(f"bench: {subject.label} ...", flush=True)
            try:
                path = model_path(subject, work)
            except (subprocess.CalledProcessError, OSError) as exc:
                rows.append({"label": subject.label, "what": subject.what, "input_shape": [],
                             "error": f"model not available: {exc}"})
                print(rows[-1]["error"], flush=True)
                continue
            if not path.is_file():
                rows.append({"label": subject.label, "what": subject.what, "input_shape": [],
                             "error": f"model not found: {path} (shared models: set ATTENDNETS_SHARED_MODELS)"})
                print(rows[-1]["error"], flush=True)
                continue
            rows.append(measure(subject, path, work, args.tflm_dir, args.tflm_lib, args.wait_states))
            print(json.dumps(rows[-1]), flush=True)
    text = markdown(rows, command, recorded, bool(args.tflm_dir), args.wait_states, revision)
    args.out.write_text(text)
    if args.json:
        args.json.write_text(json.dumps({"command": command, "rows": rows, "tflm_given": bool(args.tflm_dir),
                                         "wait_states": args.wait_states, "revision": revision}, indent=2) + "\n")
    print(text)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
