"""Modelled Cortex-M4 cycles per MAC of every CONV_2D layer of one model (compiled runtime, DSP or plain C).

The model's C with the bare-metal driver of tests/compiled_m4, built with the per-operator profile hooks
(-DMODEL_PROFILE) and run once on QEMU mps2-an386 under the Cortex-M4 timing model (docs/timing.md; the
same runs as bench/kernels_instructions.py and bench/depthwise_layers.py); one random input, whose output
is compared with the tflite-micro interpreter's.  Prints one line per CONV_2D layer (and DEPTHWISE_CONV_2D
with one input channel, which runs as one; its shape and kernel,
the kernel function the generator chose, MACs, modelled cycles, cycles per MAC), the KxK and 1x1 sums, and
the whole inference's cycles from a build without the hooks.

    python bench/conv_layers.py [MODEL.tflite] [--plain]
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


def main(argv=None):
    from bench.kernels_instructions import run
    from codegen.compiled.host import random_samples, run_tflm_batch
    from codegen.compiled.lower import lower_model
    from converter.tflite_model import load_model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default=str(SHARED / "pretrainedResnet_quant.tflite"))
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
    sums = {"KxK": [0, 0], "1x1": [0, 0]}
    print("| op | layer | kernel | MACs | cycles | cycles / MAC |\n|---|---|---|---|---|---|")
    for line, interval in zip([x for x in lines if x.startswith("#op ")], modelled["ops"]):
        index = int(line.split()[1])
        step = steps[index]
        if not step.function.startswith("an_conv"):  # CONV_2D, and DEPTHWISE_CONV_2D with one input channel
            continue
        f = step.args[0].fields
        shape = (f"{f['in_h']}x{f['in_w']}x{f['in_c']} * {f['k_h']}x{f['k_w']} s{f['stride_h']} -> "
                 f"{f['out_h']}x{f['out_w']}x{f['out_c']}")
        kind = sums["1x1" if step.function.startswith("an_conv1x1") else "KxK"]
        kind[0] += macs[index]
        kind[1] += interval.cycles
        print(f"| {index} | {shape}{'' if step.name == 'CONV_2D' else ' (depthwise)'} | {step.function} | {macs[index]:,} | {interval.cycles:,} | "
              f"{interval.cycles / macs[index]:.2f} |")
    for name, (m, c) in sums.items():
        if m:
            print(f"| all | CONV_2D {name} | | {m:,} | {c:,} | {c / m:.2f} |")
    _, _, whole = run(model, sample, not args.plain, profile=False)
    print(f"\nwhole inference: {whole['total'].cycles:,} cycles (Cortex-M4 timing model, 0 wait states); "
          f"output {'equals' if match else 'DIFFERS FROM'} tflite-micro's")
    return 0 if match else 1


if __name__ == "__main__":
    sys.exit(main())
