"""Generated firmware in QEMU: correctness against the tflite-micro interpreter, arena, cycles, size.

For each QEMU board and each model: ``attendnets generate`` (every input at its zero
point), ``attendnets build`` against a TFLM tree, run with ``attendnets flash``
(qemu-system-arm, -icount shift=0), and compare the printed int8 output with the
tflite-micro Python interpreter's on the same input. Writes a markdown table
(docs/results_firmware.md by default) with the exact command.

    python bench/firmware_qemu.py --tflm-dir TREE [--tflm-lib cortex-m4=/path/libtflm.a ...] \
        [--boards mps2-an386 ...] [--kernels reference] [--models a.tflite ...] [--out docs/results_firmware.md]

Without --tflm-lib for a CPU, the build compiles TFLM once into ~/.cache/attendnets (10-30 min per CPU).
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from codegen.sample import zero_point_reference_output  # noqa: E402

SHARED = REPO.parent / "shared" / "models"
DEFAULT_MODELS = ["hello_world_int8.tflite", "micro_speech_quantized.tflite", "trained_lstm_int8.tflite",
                  "pretrainedResnet_quant.tflite", "person_detect.tflite", "vww_96_int8.tflite"]


def cli(*args):
    proc = subprocess.run([sys.executable, "-m", "attendnets", *map(str, args)], capture_output=True, text=True,
                          cwd=REPO, timeout=3600)
    return proc


def run_one(board_name, model_path, kernels, tflm_dir, tflm_lib, work):
    from codegen.boards import get_board
    from codegen.size import size_project
    from converter.tflm.arena import estimate_arena

    board = get_board(board_name)
    project = work / f"{board_name}-{model_path.stem}"
    gen = cli("generate", model_path, "--board", board_name, "--out", project, "--runtime", "tflm",
              "--kernels", kernels)
    if gen.returncode != 0:
        return {"error": gen.stderr.strip()}
    build = ["build", project, "--tflm-dir", tflm_dir] + (["--tflm-lib", tflm_lib] if tflm_lib else [])
    b = cli(*build)
    if b.returncode != 0:
        return {"error": "build failed: " + b.stderr.strip().splitlines()[-1]}
    run = cli("flash", project)
    lines = run.stdout.splitlines()

    def value(prefix):
        line = next((l for l in lines if l.startswith(prefix)), None)
        return None if line is None else line[len(prefix):].strip()

    output = [int(v) for v in (value("output:") or "").split()]
    cycles = int(value("cycles:").split()[0]) if value("cycles:") else None
    from codegen.runners.cycle_model import logged_inferences, not_applicable_reason

    modelled = logged_inferences(run.stderr)  # the Cortex-M4 timing model (docs/timing.md), M4 boards only
    estimate = estimate_arena(model_path, pointer_bytes=4, kernels=kernels, cmsis_nn_arch=board.cmsis_nn_arch)
    size = size_project(project)
    return {
        "status": run.returncode,
        "match": output == zero_point_reference_output(model_path),
        "arena_used": int(value("arena_used_bytes:")) if value("arena_used_bytes:") else None,
        "arena_generated": size.ram["arena"],
        "estimate_required": estimate.required_bytes,
        "estimate_total": estimate.total_bytes,
        "systick": cycles,
        "instructions": round(cycles * 1e9 / board.clock_hz) if cycles is not None else None,
        "model_cycles": modelled[0][1] if modelled else None,
        "model_note": not_applicable_reason(board.cpu),
        "flash": size.flash,
        "flash_total": size.flash_total_bytes,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tflm-dir", required=True)
    parser.add_argument("--tflm-lib", action="append", default=[], help="CPU=path/libtflm.a (prebuilt), repeatable")
    parser.add_argument("--boards", nargs="+", default=["mps2-an386", "mps2-an500", "mps3-an547"])
    parser.add_argument("--kernels", default="reference", choices=["reference", "cmsis-nn"])
    parser.add_argument("--models", nargs="+", default=[str(SHARED / m) for m in DEFAULT_MODELS])
    parser.add_argument("--out", default=str(REPO / "docs" / "results_firmware.md"))
    parser.add_argument("--note", default="", help="a sentence for the results file (e.g. which TFLM library)")
    args = parser.parse_args(argv)
    libs = dict(item.split("=", 1) for item in args.tflm_lib)

    from codegen.boards import get_board

    rows = []
    with tempfile.TemporaryDirectory(prefix="attendnets-bench-") as tmp:
        for board_name in args.boards:
            lib = libs.get(get_board(board_name).cpu)
            for model in args.models:
                result = run_one(board_name, Path(model), args.kernels, args.tflm_dir, lib, Path(tmp))
                rows.append((board_name, Path(model).name, result))
                print(board_name, Path(model).name, result, flush=True)

    command = "python bench/firmware_qemu.py " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    lines = [
        "# Generated firmware in QEMU (bench/firmware_qemu.py)",
        "",
        f"Command: `{command}`",
        "",
        f"Kernels: {args.kernels}. Input: every element at the input zero point. `match`: the firmware's printed",
        "output tensor equals the tflite-micro Python interpreter's, element for element. Arena: `used` is",
        "`arena_used_bytes()` printed by the firmware; `estimate` is converter.tflm.arena for a 32-bit target",
        "(required = smallest arena that allocates, total = predicted `arena_used_bytes()`); `generated` is the",
        "array in the firmware (required rounded up to 16 + 16 B slack). SysTick counts are QEMU virtual time",
        "at the board clock with `-icount shift=0` (1 ns per instruction), so instructions = ticks x 1e9 / clock",
        "(to within one tick: 40 instructions on MPS2, 31.25 on the AN547). `cycles (M4 model)`: cycles",
        "(Cortex-M4 timing model, 0 wait states) of the inference (docs/timing.md); Cortex-M4 boards only (the",
        "model does not apply to the Cortex-M7's dual issue nor the Cortex-M55: n/a).",
        "",
        *([args.note, ""] if args.note else []),
        "| board | model | match | arena used | estimate total | estimate required | generated | SysTick | instructions | cycles (M4 model) | flash total | model | TFLM | application | startup |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for board_name, model, r in rows:
        if "error" in r:
            lines.append(f"| {board_name} | {model} | {r['error'][:100]} |" + " |" * 12)
            continue
        f = r["flash"]
        lines.append(
            f"| {board_name} | {model} | {'yes' if r['match'] else 'NO'} | {r['arena_used']} | {r['estimate_total']} | "
            f"{r['estimate_required']} | {r['arena_generated']} | {r['systick']} | {r['instructions']} | "
            f"{'n/a' if r.get('model_note') else r.get('model_cycles')} | {r['flash_total']} | {f['model']} | {f['tflm']} | {f['application']} | {f['startup']} |")
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")
    return 0 if all("error" not in r and r["match"] for _, _, r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
