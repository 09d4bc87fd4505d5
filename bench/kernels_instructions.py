"""Instructions per inference of the compiled runtime's kernels on a Cortex-M4 (QEMU), DSP vs plain C.

For each model (the shared int8 models the compiled runtime runs, plus any --model): the
generated C with the bare-metal driver of tests/compiled_m4 (tests/compiled_qemu.py), built with
arm-none-eabi-gcc -mcpu=cortex-m4 -O2 twice, with the DSP kernels (__ARM_FEATURE_DSP: SMLAD and
friends) and with -DAN_NO_DSP (the plain-C kernels), run in qemu-system-arm -M mps2-an386
-icount shift=0.  Instructions = SysTick ticks x 40 (25 MHz core clock, 1 ns per instruction;
resolution 40): whole model_invoke() from a build without profiling, per operator from a
-DMODEL_PROFILE build; beside them the cycles of the Cortex-M4 timing model (docs/timing.md)
that rides on the same QEMU runs.  The output of the run is compared with the tflite-micro interpreter's
for the same random input.

    python bench/kernels_instructions.py [--model M.tflite ...] [--out docs/results_kernels.md]
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from bench.qemu_models import (  # noqa: E402
    KERNEL_MODELS, lowered_with_reference, measure_each, model_paths, results_head, same_output)

QEMU = ["qemu-system-arm", "-M", "mps2-an386", "-nographic", "-monitor", "none", "-serial", "none",
        "-icount", "shift=0", "-semihosting-config", "enable=on,target=native", "-kernel"]


def run(model, sample, dsp, profile):
    """(stderr lines of the run, output bytes, modelled cycles: {"total": Interval, "ops": [Interval]})
    of one build; the Cortex-M4 timing model (docs/timing.md) rides on the QEMU run."""
    from codegen.runners import cycle_model
    from tests.compiled_qemu import build_m4

    with tempfile.TemporaryDirectory(prefix="an-bench-") as work:
        elf = build_m4(model, [sample], dsp=dsp, workdir=work, profile=profile)
        names = ("model_invoke", "print_ticks", "model_profile_begin", "model_profile_end")
        symbols = cycle_model.symbol_addresses(elf, names)
        out_path = Path(work) / "timing.txt"
        plugin = cycle_model.plugin_argv(cycle_model.plugin_library(), out_path, sorted(symbols.values()))
        proc = subprocess.run([*QEMU, str(elf), *plugin], capture_output=True, text=True, timeout=1800)
        timing = cycle_model.read_run(out_path)
    if proc.returncode != 0:
        raise RuntimeError(f"QEMU exited with {proc.returncode}: {proc.stderr[-400:]}")
    lines = proc.stderr.splitlines()
    out = [bytes.fromhex(x) for x in lines if x and not x.startswith("#")]
    # whole inference: model_invoke's entry to print_ticks' (the driver's next call); operators:
    # model_profile_begin's entry to model_profile_end's, one per "#op" line in order
    modelled = {"total": cycle_model.intervals(timing, symbols["model_invoke"], symbols["print_ticks"])[0],
                "ops": (cycle_model.intervals(timing, symbols["model_profile_begin"], symbols["model_profile_end"])
                        if profile else [])}
    return lines, out[0], modelled


def measure(path):
    lowered = lowered_with_reference(path)
    if isinstance(lowered, dict):
        return lowered
    model, program, sample, ref = lowered
    macs = program.operator_macs()
    ops = {step.op_index: (step.name, macs[step.op_index]) for step in program.steps}
    result = {"model": path.name, "macs": sum(m for _, m in ops.values()), "per_op": defaultdict(dict)}
    for dsp in (True, False):
        key = "dsp" if dsp else "plain"
        lines, out, modelled = run(model, sample, dsp, profile=False)
        result[key] = sum(40 * int(x.split()[1]) for x in lines if x.startswith("#ticks "))
        result[f"{key}_cycles"] = modelled["total"].cycles
        result[f"{key}_match"] = same_output(out, ref)
        lines, _, modelled = run(model, sample, dsp, profile=True)
        op_lines = [x for x in lines if x.startswith("#op ")]
        for x, interval in zip(op_lines, modelled["ops"]):
            _, index, ticks = x.split()
            result["per_op"][int(index)][key] = 40 * int(ticks)
            result["per_op"][int(index)][f"{key}_cycles"] = interval.cycles
    kinds = defaultdict(lambda: {"count": 0, "macs": 0, "dsp": 0, "plain": 0, "dsp_cycles": 0, "plain_cycles": 0})
    for index, (name, macs) in ops.items():
        k = kinds[name]
        k["count"] += 1
        k["macs"] += macs
        for column in ("dsp", "plain", "dsp_cycles", "plain_cycles"):
            k[column] += result["per_op"][index].get(column, 0)
    result["kinds"] = dict(kinds)
    return result


def per_mac(instructions, macs):
    return f"{instructions / macs:.2f}" if macs else "-"


def markdown(results, command):
    lines = [
        *results_head("# Compiled-runtime kernels on the Cortex-M4: instructions, DSP vs plain C "
                      "(bench/kernels_instructions.py)", command),
        "QEMU `-M mps2-an386 -icount shift=0`: counts are *instructions*, not cycles (instructions = SysTick "
        "ticks x 40, resolution 40). One random input per model; `match`: the firmware's output equals the "
        "tflite-micro interpreter's. DSP: arm-none-eabi-gcc 12.2 `-mcpu=cortex-m4 -mthumb -O2` (SMLAD/SXTB16 "
        "inner loops); plain: the same with `-DAN_NO_DSP` (the kernels' C path, as on a Cortex-M0+). "
        "TFLM on the same core (docs/results_firmware_tflm.md, the interpreter included): reference kernels "
        "vww 100.5M, person_detect 95.9M, ResNet-8 107.5M, micro_speech 9.31M instructions; CMSIS-NN kernels "
        "24.10M, 22.93M, 29.87M, 1.50M.",
        "",
        "`cycles`: cycles (Cortex-M4 timing model, 0 wait states) of the same run (docs/timing.md): whole "
        "inference from model_invoke's entry to the driver's next call, per operator from the begin hook's "
        "entry to the end hook's. The per-operator figures come from the `-DMODEL_PROFILE` build, whose code "
        "lies at other addresses: the model charges a branch to a 32-bit instruction that is not word aligned "
        "one more cycle, so a hot loop's alignment moves the modelled cycles (vww DSP: 28.6M cycles without "
        "the hooks, 33.1M with them, for the same instructions).",
        "",
        "| model | MACs | DSP instructions | DSP cycles | plain instructions | plain cycles | DSP / plain "
        "| match (DSP, plain) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        if "skipped" in r:
            lines.append(f"| {r['model']} | skipped: {r['skipped']} | | | | |")
            continue
        lines.append(f"| {r['model']} | {r['macs']:,} | {r['dsp']:,} | {r['dsp_cycles']:,} | {r['plain']:,} | "
                     f"{r['plain_cycles']:,} | "
                     f"{r['dsp'] / r['plain']:.2f} | {'yes' if r['dsp_match'] else 'NO'}, "
                     f"{'yes' if r['plain_match'] else 'NO'} |")
    lines += ["", "Per operator type (sum over the model's operators of that type; per-operator counts from a "
              "`-DMODEL_PROFILE` build, so they include the profile hooks' few instructions):", "",
              "| model | operator | count | MACs | DSP instructions | DSP / MAC | DSP cycles | DSP cycles / MAC "
              "| plain instructions | plain / MAC | plain cycles | plain cycles / MAC |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        for name, k in sorted(r.get("kinds", {}).items(), key=lambda kv: -kv[1]["dsp"]):
            lines.append(f"| {r['model']} | {name} | {k['count']} | {k['macs']:,} | {k['dsp']:,} | "
                         f"{per_mac(k['dsp'], k['macs'])} | {k['dsp_cycles']:,} | {per_mac(k['dsp_cycles'], k['macs'])} | "
                         f"{k['plain']:,} | {per_mac(k['plain'], k['macs'])} | {k['plain_cycles']:,} | "
                         f"{per_mac(k['plain_cycles'], k['macs'])} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", default=[], help="a .tflite beyond the shared models")
    parser.add_argument("--out", default=str(REPO / "docs" / "results_kernels.md"))
    args = parser.parse_args(argv)
    results = measure_each(model_paths(KERNEL_MODELS, args.model), measure,
                           lambda r: f"DSP {r['dsp']:,} instructions, {r['dsp_cycles']:,} cycles; plain "
                                     f"{r['plain']:,} instructions, {r['plain_cycles']:,} cycles")
    command = "python bench/kernels_instructions.py" + "".join(f" --model {shlex.quote(m)}" for m in args.model)
    text = markdown(results, command)
    # the sections other benches and notes add below the tables ("## " headings: the per-layer depthwise and
    # 1x1 conv sections, ...) are kept from the file
    out = Path(args.out)
    old = out.read_text() if out.is_file() else ""
    kept = old.find("\n## ")
    if kept >= 0:
        text += old[kept:]
    from attendnets_base.fsutil import write_text_atomic

    write_text_atomic(Path(args.out), text)
    print(text)


if __name__ == "__main__":
    main()
