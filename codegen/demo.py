"""The firmware part of ``make demo``: generate for mps2-an386, and with a TFLM tree build and run it in QEMU;
then the compiled runtime's project (no TFLM tree needed): generate, build, size, run in QEMU.

    from codegen.demo import firmware_demo
    status = firmware_demo("model.tflite", "demo_out/firmware", tflm_dir=os.environ.get("TFLM_DIR"))

The same as the CLI calls::

    attendnets generate model.tflite --board mps2-an386 --out demo_out/firmware --kernels KERNELS
    attendnets build demo_out/firmware --tflm-dir $TFLM_DIR      # only when TFLM_DIR is set
    attendnets size demo_out/firmware
    attendnets flash demo_out/firmware                            # runs it in QEMU
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from codegen.runtimes.tflm import tree_kernels  # noqa: E402,F401  (re-exported: the demo's and the tests' helper)
from codegen.boards import get_board
from codegen.build import build_project
from codegen.generate import generate_project
from codegen.project import open_project
from codegen.runners import get_runner
from codegen.size import size_project

DEMO_BOARD = "mps2-an386"


def firmware_cli_steps(tflite_path, out_dir, tflm_dir=None) -> list[tuple[str, list[str]]]:
    """``[(step name, attendnets arguments)]`` for scripts/demo.py: generate; with a TFLM tree also
    build, size (JSON) and run in QEMU (``flash`` returns the firmware's exit status)."""
    tflm_dir = tflm_dir or os.environ.get("TFLM_DIR")
    out_dir = str(out_dir)
    steps = [("generate", ["generate", str(tflite_path), "--board", DEMO_BOARD, "--out", out_dir,
                           "--runtime", "tflm", "--kernels", tree_kernels(tflm_dir)])]
    if tflm_dir:
        steps += [("build", ["build", out_dir, "--tflm-dir", str(tflm_dir)]),
                  ("size", ["size", out_dir, "--json"]),
                  ("run in QEMU", ["flash", out_dir, "--tool", "qemu"])]
    return steps


def compiled_cli_steps(tflite_path, out_dir, sample_path=None) -> list[tuple[str, list[str]]]:
    """``[(step name, attendnets arguments)]``: the compiled runtime's project for the demo board, built
    with arm-none-eabi-gcc alone and run in QEMU (its stdout carries the class, cycles, arena)."""
    out_dir = str(out_dir)
    generate = ["generate", str(tflite_path), "--board", DEMO_BOARD, "--out", out_dir, "--runtime", "compiled"]
    if sample_path is not None:
        generate += ["--sample", str(sample_path)]
    return [("generate compiled", generate),
            ("build compiled", ["build", out_dir]),
            ("size compiled", ["size", out_dir, "--json"]),
            ("run compiled in QEMU", ["flash", out_dir, "--tool", "qemu"])]


def parse_firmware_output(text: str) -> dict:
    """The lines main() prints (either runtime): top-1 class, SysTick ticks, output values, arena."""
    out = {}
    for line in text.splitlines():
        if line.startswith("top1: class ") and "top1_class" not in out:
            out["top1_class"] = int(line.split()[2])
        elif line.startswith("cycles: "):
            out["ticks"] = int(line.split()[1])
        elif line.startswith("output:"):
            out["output"] = [int(v) for v in line.split()[1:]]
        elif line.startswith("arena_bytes: "):
            out["arena_bytes"] = int(line.split()[1])
        elif line.startswith("arena_used_bytes: "):
            out["arena_used_bytes"] = int(line.split()[1])
    return out


def instructions_from_ticks(ticks: int, board_name: str = DEMO_BOARD) -> int:
    """SysTick ticks under QEMU -icount shift=0 (1 ns per instruction) -> instructions."""
    return round(ticks * 1e9 / get_board(board_name).clock_hz)


def firmware_demo(model_path, out_dir, tflm_dir=None, labels_path=None, sample_path=None, log=print) -> int:
    """Returns 0 on success (the firmware's exit status when it ran in QEMU)."""
    tflm_dir = tflm_dir or os.environ.get("TFLM_DIR")
    kernels = tree_kernels(tflm_dir)
    result = generate_project(model_path, DEMO_BOARD, out_dir, kernels=kernels, labels_path=labels_path,
                              sample_path=sample_path, runtime="tflm")
    log(f"firmware: generated {result.out_dir} for {DEMO_BOARD} ({kernels} kernels, arena {result.arena_bytes} B)")
    if not tflm_dir:
        log("firmware: TFLM_DIR not set; to build and run it in QEMU, make a TFLM tree "
            f"(see {result.out_dir}/README.md) and run: attendnets build {shlex.quote(str(result.out_dir))} "
            f"--tflm-dir TREE && attendnets flash {shlex.quote(str(result.out_dir))}")
        return 0
    build_project(result.out_dir, tflm_dir=tflm_dir, log=log)
    log(size_project(result.out_dir).to_text())
    runner = get_runner("qemu")(open_project(result.out_dir), log=log)
    status = runner.run()
    log(f"firmware: QEMU exit status {status}")
    return status
