"""Patch-based execution (issue 18): per model the layer-by-layer floor and each schedule's exact arena, extra MACs,
bit-exactness with tflite-micro on the host, and instructions per inference on a Cortex-M4 (QEMU mps2-an386,
`-icount shift=0`) with a linker script that gives the firmware only the Arduino Nano 33 BLE Sense's 256 KiB RAM.

    PYTHONPATH=. .venv/bin/python bench/patch_schedules.py [--samples 100] [--qemu NAME ...] [--out docs/results_patch.md]

Models: vww_96_int8 (shared), and the ones bench/patch_models.py builds into build/bench_patch (AttendNet-B
96x96x3, the paper's AttendNet-B 224x224x3 with 50 classes, MobileNetV2 1.0 224x224x3); random weights: memory
and bit-exactness do not depend on training.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
SHARED = Path("/work/shared/models")
BENCH = REPO / "build" / "bench_patch"
MODELS = [("vww_96_int8", SHARED / "vww_96_int8.tflite"), ("attendnet_b_96", BENCH / "attendnet_b_96.tflite"),
          ("attendnet_b_224_50", BENCH / "attendnet_b_224_50.tflite"),
          ("mobilenet_v2_224", BENCH / "mobilenet_v2_224.tflite")]
BOARD = "arduino-nano-33-ble-sense"

NANO_LD = """/* The Arduino Nano 33 BLE Sense's RAM (256 KiB) on QEMU's mps2-an386; flash left large for the samples. */
MEMORY
{
  FLASH (rx)  : ORIGIN = 0x00000000, LENGTH = 4M
  RAM   (rwx) : ORIGIN = 0x20000000, LENGTH = 256K
}
ENTRY(Reset_Handler)
SECTIONS
{
  .isr_vector : { KEEP(*(.isr_vector)) } > FLASH
  .text : { *(.text .text.*) *(.rodata .rodata.*) . = ALIGN(4); } > FLASH
  .ARM.exidx : { *(.ARM.exidx*) } > FLASH
  .data : { *(.data .data.*) } > RAM
  .bss : { *(.bss .bss.* COMMON) } > RAM
  __stack_top = ORIGIN(RAM) + LENGTH(RAM);
}
"""

# The same 256 KiB of RAM, for models whose constants outgrow the 4 MiB at address 0 (MobileNetV2's int16 filters):
# read-only data in the board's 16 MiB PSRAM at 0x21000000 (QEMU's mps2-an386 memory map); code stays at 0.
LARGE_LD = NANO_LD.replace("/* The Arduino", "/* Constants in PSRAM. The Arduino").replace(
    "  RAM   (rwx) : ORIGIN = 0x20000000, LENGTH = 256K\n",
    "  RAM   (rwx) : ORIGIN = 0x20000000, LENGTH = 256K\n  PSRAM (rx)  : ORIGIN = 0x21000000, LENGTH = 16M\n").replace(
    "  .text : { *(.text .text.*) *(.rodata .rodata.*) . = ALIGN(4); } > FLASH\n",
    "  .text : { *(.text .text.*) . = ALIGN(4); } > FLASH\n  .rodata : { *(.rodata .rodata.*) . = ALIGN(4); } > PSRAM\n")


def nano_capacity() -> int:
    """The arena the compiled runtime may take on the Nano (its RAM less stack, heap and static data)."""
    from codegen.boards import get_board
    from codegen.runtimes.compiled import COMPILED_STACK_BYTES, arena_regions
    from converter.report.fit import DEFAULT_HEAP_BYTES

    return arena_regions(get_board(BOARD), COMPILED_STACK_BYTES, DEFAULT_HEAP_BYTES)[0].capacity_bytes


LARGE_MACS = 100_000_000  # models above this many MACs are compared on --large-samples inputs


def nano_project(path, out) -> dict:
    """``generate --board arduino-nano-33-ble-sense`` (default schedule: auto) and a real link of the project
    (make, arm-none-eabi-gcc): generate's fit verdict and the link's FLASH/RAM lines."""
    import os
    import re
    import subprocess

    env = dict(os.environ, PYTHONPATH=str(REPO))
    try:
        gen = subprocess.run([sys.executable, "-m", "attendnets", "generate", str(path), "--board", BOARD,
                              "--runtime", "compiled", "--out", str(out)], capture_output=True, text=True, env=env,
                             timeout=1800)
        verdict = next((line.strip() for line in gen.stdout.splitlines() if "verdict:" in line), gen.stderr.strip())
        link = subprocess.run(["make", "-s", "-C", str(out)], capture_output=True, text=True, timeout=1800)
        regions = re.findall(r"^\s*(FLASH|RAM):\s+(\d+) B\s+(\S+ \S+)", link.stdout + link.stderr, re.M)
        return {"nano_generate": verdict,
                "nano_link": "; ".join(f"{r} {int(b):,} B of {size}" for r, b, size in regions)
                or f"link failed (exit {link.returncode})"}
    except (OSError, subprocess.SubprocessError) as exc:
        return {"nano_generate": f"not run: {exc}", "nano_link": "-"}


def bench_model(name, path, samples, qemu, work, large_samples=10, nano_projects=("attendnet_b_224_50",)):
    from codegen.compiled.generate import emit_model, lower_model
    from codegen.compiled.host import assert_matches_tflm, random_samples
    from codegen.compiled.patch import choose_schedule
    from converter.tflite_model import load_model

    model = load_model(path)
    rows = []
    for schedule, capacity in (("fast", None), ("small", None), ("auto", nano_capacity())):
        start = time.time()
        program, choice = choose_schedule(lower_model(model), schedule, capacity_bytes=capacity)
        seconds = time.time() - start
        compiled = emit_model(program)
        row = {"model": name, "schedule": schedule, "floor": choice.floor_bytes, "arena": choice.arena_bytes,
               "extra_macs": choice.extra_macs, "total_macs": choice.total_macs, "choose_s": round(seconds, 1),
               "stages": [f"{s['split_operator']} in place ({s['grid'][0]} bands)" if s["in_place"] else
                          f"{s['first_operator']}-{s['split_operator']} {s['grid'][0]}x{s['grid'][1]}"
                          + (" (split over input)" if s["split_over_input"] else "")
                          for s in choice.to_dict()["stages"]]}
        count = samples if choice.total_macs <= LARGE_MACS else min(samples, large_samples)
        if count:
            row["bit_exact_samples"] = assert_matches_tflm(model, count=count, seed=1, compiled=compiled)
        if name in qemu and (schedule != "fast" or choice.arena_bytes < 200 * 1024):
            from compiled_qemu import build_m4, instructions_m4, run_m4

            sample = random_samples(model, 1, seed=3)
            script = work / "nano.ld"
            script.write_text(NANO_LD)
            try:
                elf = build_m4(model, [s[0] for s in sample], workdir=work / f"{name}-{schedule}", compiled=compiled,
                               linker_script=script)
            except RuntimeError as error:  # the constants do not fit the 4 MiB at address 0
                if "FLASH" not in str(error):
                    raise
                script = work / "large.ld"
                script.write_text(LARGE_LD)
                elf = build_m4(model, [s[0] for s in sample], workdir=work / f"{name}-{schedule}", compiled=compiled,
                               linker_script=script)
                row["constants_in_psram"] = True
            row["instructions"] = instructions_m4(elf, timeout_s=1800)[0]
            from codegen.compiled.host import run_tflm_batch
            import numpy as np

            expected = run_tflm_batch(model, sample)[0][0]
            got = run_m4(elf, timeout_s=1800)[0]
            row["qemu_bit_exact"] = bool(np.array_equal(np.frombuffer(got, np.int8), expected.reshape(-1).view(np.int8)))
        if name in nano_projects and schedule == "auto":
            row.update(nano_project(path, work / f"{name}-nano"))
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


def kept_rows(path: Path, models) -> tuple:
    """``(table lines, [(model, schedule, arena)], commands)`` of the models not in ``models`` from an earlier
    ``--out`` (rows of models not re-run are kept, with the commands that measured them)."""
    if not path.is_file():
        return [], [], []
    lines, arenas, commands = [], [], []
    for line in path.read_text().splitlines():
        if line.startswith("Command") and "`" in line:
            commands += [c for c in line.split("`")[1::2] if c.startswith("python ")]
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if (line.startswith("| ") and len(cells) == 8 and cells[0] not in models and cells[0] != "model"
                and cells[3].replace(",", "").isdigit()):
            lines.append(line)
            arenas.append((cells[0], cells[1], int(cells[3].replace(",", ""))))
    return lines, arenas, commands


def markdown(rows, command, capacity, kept=([], [], [])):
    kept_lines, kept_arenas, kept_commands = kept
    others = [c for c in dict.fromkeys(kept_commands) if c != command and "--from-json" not in c]
    commands = f"`{command}`" + "".join(f"; rows of the other models: `{c}`" for c in others if kept_lines)
    out = ["## Patch-based execution: arena below the layer-by-layer floor (issue 18)", "",
           f"Command{'s' if kept_lines else ''}: {commands}", "",
           "Exact arena of the generated C (the planner with the patch buffers), extra MACs of the recomputed "
           "overlap against the model's MACs, outputs compared with tflite-micro on the host (random int8 inputs); "
           f"auto: the fastest schedule whose arena fits the {BOARD}'s {capacity:,} B arena region (256 KiB less "
           "stack, heap, static data). Instructions: one inference on mps2-an386 (Cortex-M4, DSP kernels) under "
           "QEMU 7.2 `-icount shift=0`, linked with 256 KiB of RAM (*instructions*, not cycles; `constants in PSRAM`: "
           "the model's constants outgrow the 4 MiB at address 0 and are linked into the board's PSRAM at "
           "0x21000000); '-' not run.", "",
           "| model | schedule | floor (B) | arena (B) | extra MACs | stages (operators, grid) | bit-exact | "
           "instructions (M4) |", "|---|---|---:|---:|---:|---|---|---:|"]
    table = []
    for r in rows:
        pct = 100.0 * r["extra_macs"] / r["total_macs"] if r["total_macs"] else 0.0
        exact = f"{r['bit_exact_samples']} inputs" if r.get("bit_exact_samples") else "-"
        if "qemu_bit_exact" in r:
            exact += ", QEMU " + ("yes" if r["qemu_bit_exact"] else "NO")
        ins = f"{r['instructions']:,}" if r.get("instructions") else "-"
        if r.get("constants_in_psram"):
            ins += " (constants in PSRAM)"
        table.append(f"| {r['model']} | {r['schedule']} | {r['floor']:,} | {r['arena']:,} | {r['extra_macs']:,} "
                     f"({pct:.1f} %) | {'; '.join(r['stages']) or 'layer by layer'} | {exact} | {ins} |")
    order = [name for name, _ in MODELS]
    table += kept_lines
    out += sorted(table, key=lambda line: order.index(line.split("|")[1].strip())
                  if line.split("|")[1].strip() in order else len(order))  # stable: schedules keep their order
    out += ["", "Against the issue's goals (the smallest arena of the schedules above; the recompute limit is 20 %):", ""]
    for name, goal in GOALS.items():
        mine = [r for r in rows if r["model"] == name] or \
            [{"model": m, "schedule": sch, "arena": a} for m, sch, a in kept_arenas if m == name]
        if not mine:
            continue
        goal = goal or capacity
        best = min(mine, key=lambda r: r["arena"])
        out.append(f"- {name}: {best['arena']:,} B ({best['schedule']}) against <= {goal:,} B: "
                   f"{'met' if best['arena'] <= goal else 'not met'}")
        for r in mine:
            if r.get("nano_generate"):
                out.append(f"  - `attendnets generate {name}.tflite --board {BOARD} --runtime compiled` "
                           f"(schedule {r['schedule']}): {r['nano_generate']}; the project's link (make, "
                           f"arm-none-eabi-gcc): {r['nano_link']}")
    return "\n".join(out) + "\n"


# issue 18's arena goals (bytes; None: the Nano 33 BLE Sense's arena region)
GOALS = {"vww_96_int8": 32_000, "attendnet_b_96": 80_000, "mobilenet_v2_224": 172_000, "attendnet_b_224_50": None}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=100, help="random inputs compared with tflite-micro (0: none)")
    parser.add_argument("--large-samples", type=int, default=10,
                        help="inputs compared for models above 100 M MACs (tflite-micro's reference kernels are slow)")
    parser.add_argument("--qemu", action="append", default=[], help="models also run in QEMU (repeatable)")
    parser.add_argument("--model", action="append", default=[],
                        help="only these models (repeatable); the other models' rows of --out are kept")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "results_patch.md")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--from-json", type=Path, default=None, help="rewrite --out from a previous --json")
    args = parser.parse_args(argv)
    command = "python bench/patch_schedules.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    if args.from_json:
        saved = json.loads(args.from_json.read_text())
        kept = kept_rows(args.out, {r["model"] for r in saved["rows"]})
        args.out.write_text(markdown(saved["rows"], saved["command"], nano_capacity(), kept))
        print(args.out.read_text())
        return 0
    rows = []
    with tempfile.TemporaryDirectory(prefix="attendnets-patch-bench-") as tmp:
        for name, path in MODELS:
            if args.model and name not in args.model:
                continue
            if not path.is_file():
                print(f"skip {name}: {path} missing (bench/patch_models.py builds it)", flush=True)
                continue
            rows += bench_model(name, path, args.samples, args.qemu, Path(tmp), args.large_samples)
    kept = kept_rows(args.out, {r["model"] for r in rows}) if args.model else ([], [], [])
    text = markdown(rows, command, nano_capacity(), kept)
    args.out.write_text(text)
    if args.json:
        args.json.write_text(json.dumps({"command": command, "rows": rows}, indent=2) + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
