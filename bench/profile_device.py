"""Per-operator instruction profiles on the Cortex-M4 in QEMU (mps2-an386), for each runtime available.

For each model (default: the demo's AttendNet-B at demo_out/model.tflite when `make demo` made it,
and ../shared/models/vww_96_int8.tflite): the validation firmware (docs/validate.md) is built for
the compiled runtime with its DSP kernels, with its plain-C kernels (make DSP=0), and, when
TFLM_DIR names a TFLM tree, for the TFLM runtime; a few random inputs go through it in
qemu-system-arm -icount shift=0 over the emulated UART; every output is checked against
tflite-micro; the per-operator counts (SysTick ticks x 40 at 25 MHz = instructions, not cycles)
are written as tables to docs/results_validate.md (or --out).

    python bench/profile_device.py [--model M.tflite ...] [--count 3] [--out docs/results_validate.md]
                                   [--tflm-lib libtflm.a]   # a TFLM library built for this CPU and tree
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("ATTENDNETS_SHARED_MODELS", REPO.parent / "shared" / "models"))
BOARD = "mps2-an386"


def variants(tflm_lib=None):
    out = [("compiled, DSP kernels", "compiled", ()), ("compiled, plain-C kernels", "compiled", ("DSP=0",))]
    if os.environ.get("TFLM_DIR"):
        out.append(("TFLM (" + ("CMSIS-NN" if (Path(os.environ["TFLM_DIR"]) / "third_party/cmsis_nn").is_dir()
                               else "reference") + " kernels)", "tflm", (f"TFLM_LIB={tflm_lib}",) if tflm_lib else ()))
    return out


def profile(model_path: Path, runtime: str, make_vars, count: int, work: Path) -> dict:
    from codegen.boards import get_board
    from codegen.context import tensor_info
    from converter.tflite_model import load_model
    from validation import firmware, protocol
    from validation.data import load_inputs
    from validation.run import run_validation, summarize
    from validation.transports import QemuTransport

    board = get_board(BOARD)
    data = model_path.read_bytes()
    model = load_model(data)
    sg = model.main_subgraph
    vp = firmware.prepare_project(model_path, BOARD, runtime, work, log=lambda m: None)
    firmware.build_project(vp, log=lambda m: None, make_vars=make_vars)
    inputs = load_inputs("random", tensor_info(sg.tensor(sg.inputs[0]), "input", 0), count)
    from codegen.runners.cycle_model import QemuTiming

    timing = QemuTiming(board.cpu, vp.elf, work / "timing.txt")  # the Cortex-M4 timing model (docs/timing.md)
    transport = QemuTransport(board.qemu_machine, vp.elf, log_path=work / "qemu.log", extra_args=timing.argv)
    try:
        session = protocol.Session(transport, timeout_s=300, hello_timeout_s=60)
        session.connect(protocol.model_hash(data))
        run = run_validation(session, data, model, inputs)
        session.close()
    finally:
        transport.close()
    return summarize(run, model, model_path, board, runtime, f"QEMU {board.qemu_machine}", inputs.source,
                     emulated=True, timing=timing)


def table(results: dict) -> list[str]:
    """One table per model: an instructions column per variant, MACs, MACs per instruction of each."""
    names = list(results)
    first = results[names[0]]["profile"]["operators"]
    head = "| # | operator | MACs | " + " | ".join(f"{n}: instructions | MACs/instr. | cycles (M4 model) | "
                                                   f"cycles/MAC" for n in names) + " |"
    lines = [head, "|" + "---|" * (3 + 4 * len(names))]
    for i, op in enumerate(first):
        cells = []
        for n in names:
            o = results[n]["profile"]["operators"][i]
            ratio = f"{o['macs_per_instruction']:.3f}" if o["macs"] and o["macs_per_instruction"] else "-"
            cycles = o.get("model_cycles")
            cells += [f"{o['instructions']:,.0f}", ratio, "-" if cycles is None else f"{cycles:,.0f}",
                      f"{cycles / o['macs']:.2f}" if cycles and o["macs"] else "-"]
        lines.append(f"| {i} | {op['name']} | {op['macs']:,} | " + " | ".join(cells) + " |")
    totals = []
    for n in names:
        p = results[n]["profile"]
        m = results[n].get("modelled") or {}
        macs = sum(o["macs"] for o in p["operators"])
        cycles = (m.get("cycles") or {}).get("median")
        totals += [f"**{p['total_median']:,.0f}**", f"{macs / p['total_median']:.3f}",
                   "-" if cycles is None else f"**{cycles:,.0f}**", f"{cycles / macs:.2f}" if cycles and macs else "-"]
    lines.append(f"| | **whole inference** | {sum(o['macs'] for o in first):,} | " + " | ".join(totals) + " |")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", type=Path)
    parser.add_argument("--count", type=int, default=3)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "results_validate.md")
    parser.add_argument("--tflm-lib", type=Path, default=None)
    args = parser.parse_args(argv)
    models = args.model or [m for m in (REPO / "demo_out" / "model.tflite", SHARED / "vww_96_int8.tflite")
                            if m.is_file()]
    if not models:
        raise SystemExit("no model: run make demo, or pass --model")
    command = "python bench/profile_device.py " + " ".join(f"--model {m}" for m in (args.model or [])) + \
        (f" --count {args.count}" if args.count != 3 else "") + \
        (" --tflm-lib <TFLM_DIR's libtflm.a for cortex-m4>" if args.tflm_lib else "")
    if os.environ.get("TFLM_DIR"):
        command = f"TFLM_DIR={os.environ['TFLM_DIR']} " + command
    lines = ["# Per-operator profiles on the device (Cortex-M4 in QEMU)", "",
             f"Command: `{command.strip()}` (bench/profile_device.py; {time.strftime('%Y-%m-%d')}).", "",
             f"Board {BOARD} (Cortex-M4, qemu-system-arm -icount shift=0): the validation firmware of "
             "`attendnets validate` (docs/validate.md), built with MODEL_PROFILE=1; "
             f"{args.count} random inputs per model, every output compared with the tflite-micro interpreter. "
             "**Instructions, not cycles**: QEMU retires one instruction per virtual ns and SysTick counts "
             "the 25 MHz clock, so instructions = ticks x 40 (resolution 40). Per operator: the median over "
             "the inputs; the whole inference is measured separately (its excess over the operators' sum is "
             "the runtime's glue plus the profiling hooks, within the bound the report states). "
             "`cycles (M4 model)`: cycles (Cortex-M4 timing model, 0 wait states) from the timing-model plugin "
             "on the same QEMU run (docs/timing.md); whole inference: the median over the inputs.", ""]
    if not os.environ.get("TFLM_DIR"):
        lines += ["TFLM_DIR was not set: the TFLM runtime's columns are missing (its validation firmware needs "
                  "a TFLM tree).", ""]
    for model in models:
        results = {}
        for name, runtime, make_vars in variants(args.tflm_lib):
            with tempfile.TemporaryDirectory() as tmp:
                print(f"{model.name}: {name} ...", flush=True)
                results[name] = profile(model, runtime, make_vars, args.count, Path(tmp) / "fw")
        lines += [f"## {model.name}", ""]
        for name, s in results.items():
            b, p = s["bit_exact"], s["profile"]
            lines.append(f"- {name}: {b['matching']}/{b['inputs']} outputs bit-exact; {p['total_median']:,.0f} "
                         f"instructions (QEMU), {((s.get('modelled') or {}).get('cycles') or {}).get('median', 0):,.0f} "
                         f"cycles (Cortex-M4 timing model, 0 wait states) per inference; operators' sum {p['sum']:,.0f}, unaccounted "
                         f"{p['unaccounted']:,.0f} (bound {p['overhead_bound']:,.0f}); arena "
                         f"{s['firmware']['arena_bytes']:,} B")
        lines += [""] + table(results) + [""]
    args.out.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
