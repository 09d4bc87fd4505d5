"""Every model the compiled runtime runs, on every Cortex-M core QEMU emulates, byte for byte against tflite-micro.

For each model (the shared int8 models, /work/shared/models, and the test corpus,
build/test_corpus/<key>/*.tflite built by tests/corpus.py) that `attendnets check` says the compiled
runtime supports: the generated C (codegen.compiled.generate.compile_model, with the int16 conv/FC
filters where the board's generator gives them) with the bare-metal driver of tests/compiled_m4
(tests/compiled_qemu.py), built with arm-none-eabi-gcc -O2 with each board's CPU flags, run in
qemu-system-arm -icount shift=0 on:

- ``M4 DSP``: mps2-an386, -mcpu=cortex-m4 hard float (fpv4-sp-d16), the DSP kernels (SMLAD, SXTB16...);
- ``M4 plain C``: the same build with -DAN_NO_DSP (the kernels' C path, as on a core without DSP);
- ``M7``: mps2-an500, -mcpu=cortex-m7 hard float (fpv5-d16), the DSP kernels;
- ``M55 Helium``: mps3-an547, -mcpu=cortex-m55 hard float, the MVE kernels (int8 filters).

Each firmware runs ``model_invoke()`` on a sequence of inputs (``--samples`` of them, 16 for a model with
state: its variables carried from one invocation to the next): for an integer input every element at the
type's minimum, then at its maximum, then random ones (codegen.compiled.host.random_samples)
and prints output 0 of each as hex; the tflite-micro Python interpreter runs the same sequence.  ``yes``:
every output byte of every invocation equal.  Float outputs: the same, bit for bit (the maximum absolute
difference is printed where they are not).  Instructions: the first invocation's (SysTick ticks under
-icount shift=0: 40 per tick on the MPS2 boards, 31.25 on the AN547; instructions, not cycles).

    python bench/cores_qemu.py [--models a.tflite ...] [--cores m4-dsp m4-plain m7 m55-mve m55-dsp] \\
        [--project] [--skip-slow-bytes N] [--out docs/results_cores.md] [--json out.json]

--project: also the generated project as a user builds it (attendnets generate, make, the project's startup
and linker script), one invocation per stateless integer-output model and core.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from bench.qemu_models import SHARED, build_compiled_project, results_head  # noqa: E402

# (key, column title, compiled_qemu core, DSP kernels, MVE kernels, the board whose generator choice it follows)
CORES = [
    ("m4-dsp", "M4 DSP (an386)", "m4", True, False, "mps2-an386"),
    ("m4-plain", "M4 plain C (an386, -DAN_NO_DSP)", "m4", False, False, "mps2-an386"),
    ("m7", "M7 (an500)", "m7", True, False, "mps2-an500"),
    ("m55-mve", "M55 Helium (an547)", "m55", True, True, "mps3-an547"),
    # not run by default: the DSP kernels on the Cortex-M55 (-mcpu=cortex-m55+nomve)
    ("m55-dsp", "M55 DSP (an547, +nomve)", "m55", True, False, "mps2-an386"),
]
DEFAULT_CORES = ["m4-dsp", "m4-plain", "m7", "m55-mve"]


def default_models(corpus_dir: Path | None):
    models = sorted(SHARED.glob("*.tflite")) if SHARED.is_dir() else []
    if corpus_dir is None:
        from tests.corpus import corpus_key

        corpus_dir = REPO / "build" / "test_corpus" / corpus_key()
    if not corpus_dir.is_dir():
        print(f"warning: no test corpus at {corpus_dir} (tests/corpus.py builds it): shared models only",
              file=sys.stderr)
        return models
    return models + sorted(corpus_dir.glob("*.tflite"))


def constant_bytes(model) -> int:
    """Bytes of the model's constant tensors (weights, biases, tables)."""
    return sum(t.size_bytes for sg in model.subgraphs for t in sg.tensors if t.is_constant)


def has_state(model) -> bool:
    return any(t.is_variable for sg in model.subgraphs for t in sg.tensors)


def input_sequence(model, count, seed):
    """``count`` inputs: for an integer input, first every element at the type's minimum, then at its maximum
    (the saturating paths), then random ones (codegen.compiled.host.random_samples)."""
    from codegen.compiled.host import random_samples

    samples = random_samples(model, count, seed=seed)
    first = samples[0][0]
    if np.issubdtype(first.dtype, np.integer) and count >= 3:
        info = np.iinfo(first.dtype)
        samples[0] = [np.full_like(first, info.min)] + list(samples[0][1:])
        samples[1] = [np.full_like(first, info.max)] + list(samples[1][1:])
    return samples


def compare(ours: list[bytes], reference: list[np.ndarray], dtype) -> dict:
    """Whether every output byte of every invocation equals the interpreter's; where not, the first
    differing invocation, byte and element, and (float outputs) the largest absolute difference."""
    if len(ours) != len(reference):
        return {"match": False, "detail": f"{len(ours)} outputs printed for {len(reference)} invocations"}
    worst = 0.0
    first = None
    for k, (line, ref) in enumerate(zip(ours, reference)):
        want = np.ascontiguousarray(ref).reshape(-1).view(np.uint8).tobytes()
        if line == want:
            continue
        if len(line) != len(want):
            return {"match": False, "detail": f"invocation {k}: {len(line)} bytes printed, {len(want)} expected"}
        if first is None:
            byte = next(i for i, (a, b) in enumerate(zip(line, want)) if a != b)
            elem = byte // np.dtype(dtype).itemsize
            got = np.frombuffer(line, dtype=dtype)
            differing = int(np.count_nonzero(got != ref.reshape(-1).astype(dtype)))
            first = (f"invocation {k}: first differing byte {byte} (element {elem}: {got[elem]!r} vs "
                     f"{ref.reshape(-1)[elem]!r}), {differing} of {got.size} elements differ")
        if np.dtype(dtype).kind == "f":
            worst = max(worst, float(np.max(np.abs(np.frombuffer(line, dtype=dtype).astype(np.float64)
                                                    - ref.reshape(-1).astype(np.float64)))))
    if first is None:
        return {"match": True}
    return {"match": False, "detail": first + (f"; max abs difference {worst:.3g}" if worst else "")}


def run_core(model, compiled_by_core, samples, reference, out_dtype, core_spec, timeout_s):
    from tests.compiled_qemu import build_m4, run_m4_timed

    key, _title, core, dsp, mve, _board = core_spec
    with tempfile.TemporaryDirectory(prefix=f"an-cores-{key}-") as work:
        started = time.monotonic()
        try:
            elf = build_m4(model, samples, dsp=dsp, workdir=work, core=core, mve=mve, fpu=(core == "m4"),
                           compiled=compiled_by_core[key])
        except RuntimeError as err:
            return {"error": "build failed: " + str(err).strip().splitlines()[-1][:200]}
        built = time.monotonic()
        try:
            outputs, instructions = run_m4_timed(elf, timeout_s=timeout_s, core=core)
        except subprocess.TimeoutExpired:
            return {"error": f"QEMU ran past {timeout_s} s"}
        except RuntimeError as err:
            return {"error": str(err)[:200]}
    result = compare(outputs, reference, out_dtype)
    result.update(instructions=instructions[-1] if instructions else None, build_s=round(built - started, 1),
                  run_s=round(time.monotonic() - built, 1))
    return result


def run_project(path: Path, sample: np.ndarray, expected: np.ndarray, core_spec, work: Path, timeout_s):
    """The generated project as a user builds it: ``attendnets generate --runtime compiled --sample``, ``make``
    (DSP=0 for the plain-C column), the ELF in QEMU; its printed ``output:`` line against ``expected``."""
    from codegen.boards import get_board

    key, _title, _core, dsp, _mve, board_name = core_spec
    board = get_board(board_name)
    project = work / f"{path.stem}-{key}"
    np.save(work / "sample.npy", sample)
    failed = build_compiled_project(path, board_name, project, work / "sample.npy", dsp)
    if failed:
        step, proc = failed
        return {"error": f"{step}: " + (proc.stderr.strip().splitlines() or [""])[-1][:200]}
    qemu = subprocess.run(["qemu-system-arm", "-M", board.qemu_machine, "-nographic", "-monitor", "none", "-serial",
                           "none", "-icount", "shift=0", "-semihosting-config", "enable=on,target=native", "-kernel",
                           str(project / "build" / "model.elf")], capture_output=True, text=True, timeout=timeout_s)
    lines = qemu.stdout.splitlines()
    output = next((l.split()[1:] for l in lines if l.startswith("output:")), None)
    ticks = next((int(l.split()[1]) for l in lines if l.startswith("cycles:")), None)
    if qemu.returncode != 0 or output is None:
        return {"error": f"QEMU exited with {qemu.returncode}, no output line"}
    got = np.array([int(v) for v in output], dtype=np.int64)
    want = expected.reshape(-1).astype(np.int64)
    result = {"match": got.shape == want.shape and bool(np.array_equal(got, want)),
              "instructions": round(ticks * 1e9 / board.run_clock_hz) if ticks is not None else None}
    if not result["match"]:
        first = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(got.size, want.size))
        result["detail"] = f"{got.size} elements printed, {want.size} expected; first difference at element {first}"
    return result


def bench_model(path: Path, cores, sample_count, skip_slow_bytes, timeout_s, project=False):
    from codegen.boards import get_board
    from codegen.compiled.generate import compile_model, unsupported_reasons
    from codegen.compiled.host import run_tflm_batch
    from codegen.compiled.ops.conv import helium_for, wide_filters_for
    from codegen.compiled.program import NUMPY_TYPES
    from converter.tflite_model import load_model

    model = load_model(path)
    row = {"model": path.name, "source": "shared" if path.resolve().parent == SHARED.resolve() else "corpus",
           "constants": constant_bytes(model), "stateful": has_state(model), "cores": {}}
    reasons = unsupported_reasons(model)
    if reasons:
        row["unsupported"] = "; ".join(reasons)
        return row
    sg = model.main_subgraph
    out_dtype = NUMPY_TYPES[sg.tensor(sg.outputs[0]).dtype]
    samples = input_sequence(model, 16 if row["stateful"] else sample_count, seed=11)
    reference = [r[0] for r in run_tflm_batch(model, samples)]
    compiled = {}
    for spec in cores:
        # what generate gives the board's core: int16 filters on DSP cores, the Helium layouts where the build
        # has MVE (the M55 built +nomve runs the DSP kernels on the board's int8 filters)
        arch = get_board(spec[5]).cmsis_nn_arch
        wide, helium = wide_filters_for(arch), helium_for(arch) and bool(spec[4])
        if (wide, helium) not in compiled:
            compiled[(wide, helium)] = compile_model(model, wide_filters=wide, helium=helium)
        compiled[spec[0]] = compiled[(wide, helium)]
    for spec in cores:
        if skip_slow_bytes and row["constants"] > skip_slow_bytes and spec[0] == "m4-plain":
            row["cores"][spec[0]] = {"skipped": f"constants {row['constants']} B > {skip_slow_bytes} B"}
            continue
        row["cores"][spec[0]] = run_core(model, compiled, samples, reference, out_dtype, spec, timeout_s)
        print(f"  {spec[0]}: {row['cores'][spec[0]]}", flush=True)
    row["samples"] = len(samples)
    if project and np.dtype(out_dtype).kind in "iu" and not row["stateful"]:
        # one invocation on a random input (the project prints integer outputs exactly, floats in thousandths)
        row["project"] = {}
        with tempfile.TemporaryDirectory(prefix="an-cores-project-") as work:
            for spec in cores:
                if spec[0] != "m55-dsp":  # no board builds the M55 without MVE
                    row["project"][spec[0]] = run_project(path, samples[-1][0], reference[-1], spec, Path(work),
                                                          timeout_s)
                    print(f"  project {spec[0]}: {row['project'][spec[0]]}", flush=True)
    return row


def markdown(rows, cores, command, note=""):
    def cell(r):
        if "skipped" in r:
            return f"skipped ({r['skipped']})"
        if "error" in r:
            return f"ERROR: {r['error']}"
        instructions = f"{r['instructions']:,}" if r.get("instructions") is not None else "-"
        return f"yes, {instructions}" if r["match"] else f"NO, {instructions}"

    out = [*results_head("# Every model on every core: the compiled runtime in QEMU against tflite-micro "
                         "(bench/cores_qemu.py)", command, note),
           "Each cell: every output byte of every invocation equal to the tflite-micro Python interpreter's for "
           "the same sequence of inputs (`yes`/`NO`), then the instructions of the last invocation (a random input) "
           "(QEMU `-icount shift=0`, SysTick ticks x 40 on the MPS2 boards, x 31.25 on the AN547: instructions, "
           "not cycles). Firmware: the generated C of the compiled runtime with the bare-metal driver of "
           "tests/compiled_m4, `arm-none-eabi-gcc -O2` with each board's CPU and FPU flags (hard float); M4 plain C "
           "= the same core built with `-DAN_NO_DSP`; M55 = the Helium (MVE) kernels. Stateful models (variable "
           "tensors: LSTM, SVDF) run 16 invocations in one firmware, their state carried, against the "
           "interpreter's 16-invocation sequence. Integer inputs: the first input all at the type's minimum, the "
           "second all at its maximum, the rest random. Float models are compared bit for bit.", "",
           "| model | source | constants (B) | invocations | " + " | ".join(c[1] for c in cores) + " |",
           "|---|---|---:|---:|" + "---|" * len(cores)]
    details = []
    for r in rows:
        if "unsupported" in r:
            out.append(f"| {r['model']} | {r['source']} | {r['constants']:,} | - | "
                       + " | ".join(["not supported"] * len(cores)) + " |")
            continue
        out.append(f"| {r['model']} | {r['source']} | {r['constants']:,} | {r['samples']} | "
                   + " | ".join(cell(r["cores"].get(c[0], {"skipped": "not run"})) for c in cores) + " |")
        details += [f"- {r['model']} on {c[1]}: {r['cores'][c[0]]['detail']}" for c in cores
                    if c[0] in r["cores"] and r["cores"][c[0]].get("detail")]
    ran = [(r, c) for r in rows if "cores" in r and "unsupported" not in r for c in r["cores"].values()
           if "match" in c]
    bad = sum(1 for _r, c in ran if not c["match"])
    out += ["", f"Runs: {len(ran)}; bit-exact: {len(ran) - bad}; mismatches: {bad}."]
    if details:
        out += ["", "Mismatches (first differing byte of output 0):", "", *details]
    projects = [r for r in rows if r.get("project")]
    if projects:
        shown = [c for c in cores if any(c[0] in r["project"] for r in projects)]
        out += ["", "The generated project as a user builds it (`--project`): `attendnets generate --runtime compiled "
                "--board B --sample` on the last (random) input, `make` (`DSP=0` for plain C), the project's own startup "
                "and linker script in QEMU; its printed `output:` line against the interpreter's (integer outputs of "
                "stateless models: the firmware prints floats in thousandths). Instructions: the printed SysTick "
                "count x 1e9 / the board clock.", "",
                "| model | " + " | ".join(c[1] for c in shown) + " |", "|---|" + "---|" * len(shown)]
        for r in projects:
            out.append(f"| {r['model']} | " + " | ".join(cell(r["project"].get(c[0], {"skipped": "not run"}))
                                                      for c in shown) + " |")
        bad = [f"- {r['model']} on {c[1]} (project): {r['project'][c[0]]['detail']}" for r in projects for c in shown
               if r["project"].get(c[0], {}).get("detail")]
        out += (["", *bad] if bad else [])
    return "\n".join(out) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", type=Path, default=None,
                        help="the .tflite files (default: the shared models and the test corpus)")
    parser.add_argument("--corpus-dir", type=Path, default=None,
                        help="the corpus folder (default build/test_corpus/<key of tests/corpus.py>)")
    parser.add_argument("--cores", nargs="+", default=DEFAULT_CORES, choices=[c[0] for c in CORES])
    parser.add_argument("--samples", type=int, default=10, help="inputs per stateless model (default 10)")
    parser.add_argument("--skip-slow-bytes", type=int, default=0,
                        help="skip the plain-C run of models with more constant bytes than this (0: none)")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per QEMU run")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "results_cores.md")
    parser.add_argument("--json", type=Path, default=None, help="also write the raw figures")
    parser.add_argument("--project", action="store_true",
                        help="also build and run each stateless integer-output model's generated project per core")
    parser.add_argument("--note", default="", help="a line for the results file")
    parser.add_argument("--from-json", type=Path, default=None,
                        help="rewrite the results file from figures a previous run saved with --json")
    args = parser.parse_args(argv)
    command = "python bench/cores_qemu.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    cores = [c for c in CORES if c[0] in args.cores]
    if args.from_json:
        saved = json.loads(args.from_json.read_text())
        ran = {k for r in saved["rows"] for k in r.get("cores", {})}
        args.out.write_text(markdown(saved["rows"], [c for c in CORES if c[0] in ran], saved["command"], args.note))
        print(f"wrote {args.out}")
        return 0
    models = args.models or default_models(args.corpus_dir)
    if not models:
        print("error: no models (the shared models and the test corpus are missing)", file=sys.stderr)
        return 2
    rows = []
    for path in models:
        print(f"{path.name} ...", flush=True)
        rows.append(bench_model(path, cores, args.samples, args.skip_slow_bytes, args.timeout, args.project))
    text = markdown(rows, cores, command, args.note)
    args.out.write_text(text)
    if args.json:
        args.json.write_text(json.dumps({"command": command, "rows": rows}, indent=2) + "\n")
    print(text)
    print(f"wrote {args.out}")
    ok = all(c.get("match", "skipped" in c) for r in rows
             for c in [*r.get("cores", {}).values(), *r.get("project", {}).values()])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
