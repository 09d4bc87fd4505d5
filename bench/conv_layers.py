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

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from bench.qemu_models import SHARED, LayerProfile, layer_arguments  # noqa: E402


def main(argv=None):
    args = layer_arguments(__doc__.splitlines()[0], SHARED / "pretrainedResnet_quant.tflite", argv)
    profile = LayerProfile(args.model, args.plain)
    sums = {"KxK": [0, 0], "1x1": [0, 0]}
    print("| op | layer | kernel | MACs | cycles | cycles / MAC |\n|---|---|---|---|---|---|")
    for index, step, macs, cycles in profile.layers():
        if not step.function.startswith("an_conv"):  # CONV_2D, and DEPTHWISE_CONV_2D with one input channel
            continue
        f = step.args[0].fields
        shape = (f"{f['in_h']}x{f['in_w']}x{f['in_c']} * {f['k_h']}x{f['k_w']} s{f['stride_h']} -> "
                 f"{f['out_h']}x{f['out_w']}x{f['out_c']}")
        kind = sums["1x1" if step.function.startswith("an_conv1x1") else "KxK"]
        kind[0] += macs
        kind[1] += cycles
        print(f"| {index} | {shape}{'' if step.name == 'CONV_2D' else ' (depthwise)'} | {step.function} | {macs:,} | {cycles:,} | "
              f"{cycles / macs:.2f} |")
    for name, (m, c) in sums.items():
        if m:
            print(f"| all | CONV_2D {name} | | {m:,} | {c:,} | {c / m:.2f} |")
    return profile.finish()


if __name__ == "__main__":
    sys.exit(main())
