"""Instructions per inference of the compiled runtime on a Cortex-M55 (QEMU mps3-an547): the DSP
path vs the Helium (MVE) path, on the same core.

For each model (the shared int8 models the compiled runtime runs that are present, plus any
--model): the generated C with the bare-metal driver of tests/compiled_m4 (tests/compiled_qemu.py)
built with arm-none-eabi-gcc -O2 twice, for -mcpu=cortex-m55+nomve (the DSP kernels: SMLAD and
friends) and for -mcpu=cortex-m55 (__ARM_FEATURE_MVE: the MVE kernels), both hard-float ABI, run
in qemu-system-arm -M mps3-an547 -icount shift=0.  Instructions = SysTick ticks x 31.25 (32 MHz
core clock, 1 ns per instruction).  QEMU counts instructions, not cycles: the Cortex-M4 timing
model (docs/timing.md) does not apply to the M55 (its MVE beats, dual-issue of vector and scalar
work, gather costs), so there is no cycle column.  The output of each run is compared with the
tflite-micro interpreter's for the same random input.  A second pair of builds with -DMODEL_PROFILE
(the driver's per-operator SysTick marks) splits each path's instructions by operator type; those
include the profile hooks' few instructions, so the whole-model columns come from the plain builds.

    python bench/helium_instructions.py [--model M.tflite ...] [--out docs/results_helium.md]
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from bench.qemu_models import (  # noqa: E402
    KERNEL_MODELS, lowered_with_reference, measure_each, model_paths, results_head, same_output)


def run(model, sample, ref, mve):
    from tests.compiled_qemu import build_m4, instructions_m4, run_m4

    with tempfile.TemporaryDirectory(prefix="an-helium-") as work:
        elf = build_m4(model, [sample], dsp=True, workdir=work, core="m55", mve=mve)
        out = run_m4(elf, timeout_s=1800, core="m55")
        instructions = instructions_m4(elf, timeout_s=1800, core="m55")[0]
    return instructions, same_output(out[0], ref)


def run_profile(model, sample, mve) -> dict:
    """Instructions per operator index of the -DMODEL_PROFILE build ("#op I N" lines: N SysTick ticks)."""
    from tests.compiled_qemu import MACHINES, TICK_NS, build_m4

    with tempfile.TemporaryDirectory(prefix="an-helium-") as work:
        elf = build_m4(model, [sample], dsp=True, workdir=work, core="m55", mve=mve, profile=True)
        cmd = ["qemu-system-arm", "-M", MACHINES["m55"], "-nographic", "-monitor", "none", "-serial", "none",
               "-icount", "shift=0", "-semihosting-config", "enable=on,target=native", "-kernel", str(elf)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"QEMU exited with {proc.returncode}: {proc.stderr[-500:]}")
    per_op = {}
    for line in proc.stderr.splitlines():
        if line.startswith("#op "):
            _, index, ticks = line.split()
            per_op[int(index)] = per_op.get(int(index), 0) + round(TICK_NS["m55"] * int(ticks))
    return per_op


def by_type(program, per_op) -> dict:
    """Instructions and MACs per operator type, from instructions per operator index."""
    macs = program.operator_macs()
    out = {}
    for index, n in per_op.items():
        name = program.operator_names[index]
        instructions, op_macs = out.get(name, (0, 0))
        out[name] = (instructions + n, op_macs + macs[index])
    return out


def measure(path):
    lowered = lowered_with_reference(path)
    if isinstance(lowered, dict):
        return lowered
    model, program, sample, ref = lowered
    with ThreadPoolExecutor(max_workers=2) as pool:
        (dsp, dsp_match), (mve, mve_match) = pool.map(lambda m: run(model, sample, ref, m), (False, True))
        dsp_ops, mve_ops = pool.map(lambda m: by_type(program, run_profile(model, sample, m)), (False, True))
    return {"model": path.name, "macs": sum(program.operator_macs()), "dsp": dsp, "mve": mve,
            "dsp_match": dsp_match, "mve_match": mve_match, "dsp_ops": dsp_ops, "mve_ops": mve_ops}


def markdown(results, command):
    lines = [
        *results_head("# Compiled runtime on the Cortex-M55: instructions, DSP path vs Helium (MVE) path "
                      "(bench/helium_instructions.py)", command),
        "QEMU 7.2 `-M mps3-an547 -icount shift=0`: counts are *instructions*, not cycles (SysTick ticks x "
        "31.25 at the 32 MHz core clock; resolution 31). No cycle figure: the Cortex-M4 timing model does "
        "not apply to the M55. DSP: arm-none-eabi-gcc 12.2 `-mcpu=cortex-m55+nomve -mfloat-abi=hard -O2` "
        "(the SMLAD/SXTB16 kernels); MVE: `-mcpu=cortex-m55` (the Helium kernels where there are any, "
        "the DSP ones elsewhere). One random input per model; `match`: the firmware's output equals the "
        "tflite-micro interpreter's, byte for byte.",
        "",
        "| model | MACs | DSP instructions | MVE instructions | MVE / DSP | MVE / MAC | match (DSP, MVE) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        if "skipped" in r:
            lines.append(f"| {r['model']} | skipped: {r['skipped']} | | | | | |")
            continue
        lines.append(f"| {r['model']} | {r['macs']:,} | {r['dsp']:,} | {r['mve']:,} | {r['mve'] / r['dsp']:.2f} | "
                     f"{r['mve'] / r['macs']:.2f} | {'yes' if r['dsp_match'] else 'NO'}, "
                     f"{'yes' if r['mve_match'] else 'NO'} |")
    measured = [r for r in results if "skipped" not in r]
    over = [f"{r['model']} ({r['mve'] / r['dsp']:.2f})" for r in measured if r["mve"] > 0.4 * r["dsp"]]
    lines += ["", "Above the 0.4x goal: " + (", ".join(over) if over else "none") + ".", "",
              "Per operator type (the -DMODEL_PROFILE builds; instructions, MVE / DSP, MVE instructions per MAC; "
              "types under 2 % of the model's MVE instructions left out):", "",
              "| model | operator | MACs | DSP instructions | MVE instructions | MVE / DSP | MVE / MAC |",
              "|---|---|---|---|---|---|---|"]
    for r in measured:
        total = sum(n for n, _ in r["mve_ops"].values())
        for name, (mve, macs) in sorted(r["mve_ops"].items(), key=lambda kv: -kv[1][0]):
            if mve < 0.02 * total:
                continue
            dsp = r["dsp_ops"].get(name, (0, 0))[0]
            ratio = f"{mve / dsp:.2f}" if dsp else "-"
            per_mac = f"{mve / macs:.2f}" if macs else "-"
            lines.append(f"| {r['model']} | {name} | {macs:,} | {dsp:,} | {mve:,} | {ratio} | {per_mac} |")
    lines += ["", NOTES]
    return "\n".join(lines) + "\n"


#: What the MVE build runs (kept with the table it explains).
NOTES = """Models: the shared ones, the suite corpus' AttendNet-B (tests/corpus.py) and the demo's
AttendNet-B (32x32x1, 10 classes: the model bench/speed.py builds as "AttendNet-B demo", saved as a
.tflite and given with --model).

Helium kernels (issue 21, item 3; the goal: at most 0.4x the DSP path's instructions on the same
core). CONV_2D: int8 columns, sixteen int8 lanes per VMLADAV(A) (an_dot_mve.h, an_conv_mve.c), filter values
gathered from the DSP layout in natural order. Where K <= 32 (one group: the 1x1 layers of up to 32 input
channels, first layers such as a 3x3x3 or a one-channel depthwise run as CONV_2D) each pixel's K values are
one or two vectors loaded once per pixel pair, four channels by two pixels per pass in inline assembly
(an_conv_small_dot_mve: the eight sums put into two vectors by two-register VMOV; where every shift is
negative the requantization, offset, bounds and the two VSTRB.32 in the same statement,
an_conv_small_quad_right_mve: about 54 instructions per eight outputs at K <= 16, 68 at K <= 32). KxK layers
whose channels come in fours read each receptive field straight into registers: per half two byte gathers
widened to int16 lanes, narrowed into the even and odd byte lanes, the filter rows gathered in that order
(an_conv_window_mve; border pixels gather from an im2col column); other KxK layers copy a receptive field
inside the image by one predicated load and store per filter row. Deeper filters (1x1 of more
than 32 channels, im2col columns, groups; K > 32, no shift positive): four channels by two pixels, every quad
of a pixel pair in one assembly statement (an_conv_deep_quads_mve: per sixteen values two input loads, four
filter gathers, two adds, eight VMLADAV(A) into eight scalar sums, SUBS and BNE: 18 instructions per 128
MACs; the first pass by VMLADAV, the last K % 16 values predicated; the sums into two vectors by four VMOV,
the quad's records gathered, requantized on lanes, offset, bounds, two VSTRB.32: about 48 instructions per
quad outside the passes); the channels after the last four, positive shifts and K <= 32 per group: two
channels by two pixels (an_conv_channels8_2px_mve). Requantization on lanes by the
shifts' mode: every shift negative four instructions (an_requantize_right_mve), none positive six
(an_requantize_nonpositive_mve: vww's deeper 1x1 layers have channels of shift 0), else nine.
DEPTHWISE_CONV_2D, depth multiplier 1 (an_depthwise_conv2d_s8_mve, the Helium layout the generator stores
only for cores with MVE): sixteen channels per vector as int8 lanes, per pair of taps one VLDRB of inputs
and of weights each, VMULLB/VMULLT.S8 into int16, the two taps' products added in int16 (the generator checks
they cannot leave it), widened into four int32 accumulators, requantized on lanes, narrowed back with
saturation, one VSTRB per sixteen outputs; a 3x3 filter with every shift negative: the full groups of a run of
pixels in one assembly statement (an_dw9_run_right_mve: 141 instructions per sixteen channels and pixel where
the outputs cover int8, six more to clamp them, seven more per pixel; groups by LE, the tap offsets by LDRD
with immediates); 2, 4 or 8 channels at stride_w 1 take 16 / C pixels per vector (their top and bottom rows
too, where only rows are padded: the generator stores sixteen bytes of the zero point as their pad row); runs
of interior pixels in one call; a border pixel's padded taps read the zero-point row, its nine tap addresses
from two unsigned compares in one VPT block and one VPSEL per four taps (an_dw9_border_taps_mve: about 57
instructions per border pixel with the call, where scalar code took about 300). Other depth
multipliers: the earlier int16-lane kernel; in_c = 1 runs as CONV_2D. FULLY_CONNECTED: four rows by
VMLADAVA on int8. ADD/SUB: the doubled rescale tables gathered four lanes at a time, VRMULH for the first
rounding, a rounding shift for the second (where the generator proves the output affine, an_add_affine_s8).
MUL: VMULLB/VMULLT on int16, the same two roundings. MAX_POOL_2D: VMAX on sixteen int8 lanes. Still scalar
or DSP code on the M55: AVERAGE_POOL_2D, softmax, LOGISTIC and the other tables, RESIZE, MEAN,
FULLY_CONNECTED's requantization. Where the MVE instructions go now (vww_96_int8, per function from a
per-address execution count of the QEMU run: a TCG plugin counting each executed instruction's address): the
deeper 1x1 layers about 32 % (933K instructions: the passes 77 % of that, 18 per sixteen values; before
an_conv_deep_quads_mve 1.29M, 39 %: two channels by two pixels, about 50 instructions of setup and
requantization per four outputs), DEPTHWISE_CONV_2D about 30 % (the 3x3 group loop 86 % of that: of its 141 instructions per sixteen channels and
pixel 102 are the taps' address adds, loads, products and sums, 24 the requantization, 15 the bias, narrowing,
offset, store and loop; the rest the border pixels' tables and calls, the packed layer's predicated last
vectors and the per-pixel steps), the 1x1 layers of K <= 32 about 24 % (about 47 of the
54 instructions per eight outputs are the gathers and the requantization, 8 the VMLADAV), the 3x3x3 first layer
about 11 % (about 146 instructions per pixel pair outside the quads: the walk, the window test and the
gathers). The DSP path these ratios divide by keeps getting faster (the
Cortex-M4 work of issue 21 runs on the M55's DSP build too), so a ratio can rise while the MVE count falls."""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", default=[], help="a .tflite beyond the shared models")
    parser.add_argument("--out", default=str(REPO / "docs" / "results_helium.md"))
    args = parser.parse_args(argv)
    results = measure_each(model_paths(KERNEL_MODELS, args.model), measure,
                           lambda r: f"DSP {r['dsp']:,} instructions, MVE {r['mve']:,} ({r['mve'] / r['dsp']:.2f}x)")
    command = "python bench/helium_instructions.py" + "".join(f" --model {shlex.quote(m)}" for m in args.model)
    from attendnets_base.fsutil import write_text_atomic

    text = markdown(results, command)
    write_text_atomic(Path(args.out), text)
    print(text)


if __name__ == "__main__":
    main()
