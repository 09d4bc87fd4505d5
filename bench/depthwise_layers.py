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

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from bench.qemu_models import SHARED, LayerProfile, layer_arguments  # noqa: E402


def _path(fields, plain: bool) -> str:
    """The path an_depthwise_conv2d_s8 takes for a layer (an_depthwise_conv.c's choice): ``narrow`` (the row-buffer
    path's narrow form, DSP cores), ``plane`` / ``strip`` (its plane and strip forms, DSP cores), ``rows3x3`` (its
    four-channel form) or ``general``."""
    from codegen.compiled.ops.conv import (NARROW_MAX_OUT_W, NARROW_MIN_OUT_W, depthwise_plane_applies,
                                           depthwise_strip_applies)

    out_w, stride_w, level = int(fields["out_w"]), int(fields["stride_w"]), int(fields.get("rows3x3") or 0)
    if level == 0 or (level == 3 and (plain or not depthwise_strip_applies(out_w, stride_w))):
        return "general"
    if level == 3:
        return "strip"
    if plain:
        return "rows3x3" if out_w >= 8 else "general"
    if level == 2 and depthwise_plane_applies(out_w, stride_w):
        return "plane"
    if stride_w == 1 and NARROW_MIN_OUT_W <= out_w <= NARROW_MAX_OUT_W:
        return "narrow"
    return "rows3x3"


def main(argv=None):
    args = layer_arguments(__doc__.splitlines()[0], SHARED / "vww_96_int8.tflite", argv)
    profile = LayerProfile(args.model, args.plain)
    total_cycles = total_macs = 0
    print("| op | layer | path | MACs | cycles | cycles / MAC |\n|---|---|---|---|---|---|")
    for index, step, macs, cycles in profile.layers():
        if step.name != "DEPTHWISE_CONV_2D":
            continue
        fields = step.args[0].fields
        shape = (f"{fields['in_h']}x{fields['in_w']}x{fields['in_c']} s{fields['stride_h']} -> "
                 f"{fields['out_h']}x{fields['out_w']}x{fields['out_c']}")
        path = _path(fields, args.plain)
        total_cycles += cycles
        total_macs += macs
        print(f"| {index} | {shape} | {path} | {macs:,} | {cycles:,} | "
              f"{cycles / macs:.2f} |")
    print(f"| all | DEPTHWISE_CONV_2D | | {total_macs:,} | {total_cycles:,} | {total_cycles / total_macs:.2f} |")
    return profile.finish()


if __name__ == "__main__":
    sys.exit(main())
