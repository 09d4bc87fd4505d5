"""Modelled Cortex-M4 cycles per MAC of every DEPTHWISE_CONV_2D layer of one model (compiled runtime, DSP).

The model's C with the bare-metal driver of tests/compiled_m4, built with the per-operator profile hooks
(-DMODEL_PROFILE) and run once on QEMU mps2-an386 under the Cortex-M4 timing model (docs/timing.md; the
same runs as bench/kernels_instructions.py); one random input, whose output is compared with the
tflite-micro interpreter's.  Prints one line per depthwise layer (its shape, the kernel's path: general,
the row-buffer 3x3 path ``rows3x3`` or its ``narrow`` form, modelled cycles, cycles per MAC), their sum, and the whole inference's cycles
from a build without the hooks.

    python bench/depthwise_layers.py [MODEL.tflite] [--plain]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("ATTENDNETS_SHARED_MODELS", REPO.parent / "shared" / "models"))


def _path(fields, plain: bool) -> str:
    """The path an_depthwise_conv2d_s8 takes for a layer (an_depthwise_conv.c's choice): ``narrow`` (the row-buffer
    path's narrow form, DSP cores), ``rows3x3`` (its four-channel form) or ``general``."""
    from codegen.compiled.ops.conv import NARROW_MAX_OUT_W, NARROW_MIN_OUT_W

    out_w = int(fields["out_w"])
    if not fields.get("rows3x3"):
        return "general"
    if plain:
        return "rows3x3" if out_w >= 8 else "general"
    if int(fields["stride_w"]) == 1 and NARROW_MIN_OUT_W <= out_w <= NARROW_MAX_OUT_W:
        return "narrow"
    return "rows3x3"


def main(argv=None):
    from bench.kernels_instructions import run
    from codegen.compiled.host import random_samples, run_tflm_batch
    from codegen.compiled.lower import lower_model
    from converter.tflite_model import load_model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default=str(SHARED / "vww_96_int8.tflite"))
    parser.add_argument("--plain", action="store_true", help="the plain-C kernels (-DAN_NO_DSP)")
    args = parser.parse_args(argv)
    model = load_model(args.model)
    program = lower_model(model)
    macs = program.operator_macs()
    steps = {s.op_index: s for s in program.steps}
    sample = random_samples(model, 1, seed=0)[0]
    ref = run_tflm_batch(model, [sample])[0][0]
    lines, out, modelled = run(model, sample, not args.plain, profile=True)
    match = np.array_equal(np.frombuffer(out, dtype=ref.dtype).reshape(ref.shape), ref)
    total_cycles = total_macs = 0
    print("| op | layer | path | MACs | cycles | cycles / MAC |\n|---|---|---|---|---|---|")
    for line, interval in zip([x for x in lines if x.startswith("#op ")], modelled["ops"]):
        index = int(line.split()[1])
        step = steps[index]
        if step.name != "DEPTHWISE_CONV_2D":
            continue
        fields = step.args[0].fields
        shape = (f"{fields['in_h']}x{fields['in_w']}x{fields['in_c']} s{fields['stride_h']} -> "
                 f"{fields['out_h']}x{fields['out_w']}x{fields['out_c']}")
        path = _path(fields, args.plain)
        total_cycles += interval.cycles
        total_macs += macs[index]
        print(f"| {index} | {shape} | {path} | {macs[index]:,} | {interval.cycles:,} | "
              f"{interval.cycles / macs[index]:.2f} |")
    print(f"| all | DEPTHWISE_CONV_2D | | {total_macs:,} | {total_cycles:,} | {total_cycles / total_macs:.2f} |")
    _, _, whole = run(model, sample, not args.plain, profile=False)
    print(f"\nwhole inference: {whole['total'].cycles:,} cycles (Cortex-M4 timing model, 0 wait states); "
          f"output {'equals' if match else 'DIFFERS FROM'} tflite-micro's")
    return 0 if match else 1


if __name__ == "__main__":
    sys.exit(main())
