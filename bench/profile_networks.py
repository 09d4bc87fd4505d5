"""Profile the three networks and write the totals table to docs/results_profile.md.

Usage (from the repository root):

    .venv/bin/python bench/profile_networks.py [--out docs/results_profile.md]

Counts are exact and deterministic (no timing): parameters, MACs and
element-wise multiplies as defined in docs/architectures.md, at 224x224x3 with
50 classes (the AttendNets paper's ImageNet-50 setting) and at 96x96x3 with
2 classes (a visual-wake-words-sized setting).
"""

import argparse
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from attendnets_base.fsutil import write_text_atomic  # noqa: E402

SETTINGS = [((224, 224, 3), 50), ((96, 96, 3), 2)]
ARCHS = ["mobilenet_v1", "attendnet_a", "attendnet_b"]
COMMAND = ".venv/bin/python bench/profile_networks.py"


def _kib(n_bytes):
    return f"{n_bytes / 1024:,.1f}"


def profile_all():
    from attendnets_tf.models import ARCHITECTURES, build_model
    from attendnets_tf.profiler import profile_model

    results = []
    for shape, classes in SETTINGS:
        profiles = {arch: profile_model(build_model(arch, shape, classes)) for arch in ARCHS}
        results.append((shape, classes, {a: (ARCHITECTURES[a].title, p) for a, p in profiles.items()}))
    return results


def render(results):
    lines = [
        "# Complexity profile of the networks",
        "",
        f"Made by `{COMMAND}` (exact counts; definitions in docs/architectures.md, \"Counting\").",
        "Weight memory is the Keras parameters at 1 byte (int8) and 4 bytes (float32) each,",
        "BatchNorm included; the int8 flatbuffer (BatchNorm folded, int32 biases) is measured by",
        "`attendnets inspect`.  Ratios are MobileNet-V1 1.0 divided by the network (x fewer).",
        "",
    ]
    for shape, classes, profiles in results:
        h, w, c = shape
        lines += [
            f"## {h}x{w}x{c} input, {classes} classes",
            "",
            "| network | params | MACs | element-wise mults | weights int8 (KiB) | weights float32 (KiB) "
            "| params vs MobileNet-V1 | MACs vs MobileNet-V1 |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        base = profiles["mobilenet_v1"][1]
        for arch in ARCHS:
            title, p = profiles[arch]
            t = p.totals()
            lines.append(
                f"| {title} | {t['params']:,} | {t['macs']:,} ({t['macs'] / 1e6:.1f} M) | {t['elementwise_mults']:,} "
                f"| {_kib(t['weight_bytes_int8'])} | {_kib(t['weight_bytes_float32'])} "
                f"| {base.params / p.params:.2f}x | {base.macs / p.macs:.2f}x |"
            )
        lines.append("")
    lines += [
        "Paper targets at 224x224x3/50 classes (AttendNets, Wong et al. 2020, ratios against",
        "MobileNet-V1): AttendNet-B about 0.79M parameters and 189M MACs (4.17x fewer parameters,",
        "3x fewer MACs); AttendNet-A at most half of MobileNet-V1's parameters and MACs.",
        "",
    ]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO_ROOT / "docs" / "results_profile.md"))
    args = parser.parse_args(argv)
    text = render(profile_all())
    write_text_atomic(args.out, text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
