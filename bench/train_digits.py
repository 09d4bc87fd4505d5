"""Benchmark: float training on the built-in digits at 32x32 (what `make demo` trains).

Runs `attendnets train` for each configuration in a fresh process, reads its
metrics.json and prints a Markdown table (wall time includes TF start-up,
data loading, training, evaluation and writing the run folder).

    .venv/bin/python bench/train_digits.py [--out .bench_out/train] [--quick]
"""

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

# (label, extra arguments); defaults: --epochs 20 --lr 1e-2 --batch-size 64, shift 2 px.
CONFIGS = [
    ("AttendNet-B, defaults, seed 0", ["--arch", "attendnet_b"]),
    ("AttendNet-B, defaults, seed 1", ["--arch", "attendnet_b", "--seed", "1"]),
    ("AttendNet-B, defaults, seed 2", ["--arch", "attendnet_b", "--seed", "2"]),
    ("AttendNet-B, 10 epochs", ["--arch", "attendnet_b", "--epochs", "10"]),
    ("AttendNet-B, no shift augmentation", ["--arch", "attendnet_b", "--shift", "0"]),
    ("AttendNet-B, lr 3e-3", ["--arch", "attendnet_b", "--lr", "3e-3"]),
    ("MobileNet-V1 alpha 0.25, defaults, seed 0", ["--arch", "mobilenet_v1", "--width", "0.25"]),
    ("MobileNet-V1 alpha 0.25, defaults, seed 1", ["--arch", "mobilenet_v1", "--width", "0.25", "--seed", "1"]),
    ("MobileNet-V1 alpha 0.25, lr 3e-3", ["--arch", "mobilenet_v1", "--width", "0.25", "--lr", "3e-3"]),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".bench_out/train", help="folder for the run folders")
    parser.add_argument("--quick", action="store_true", help="only the first configuration")
    parser.add_argument("--only", type=int, nargs="*", help="indices of CONFIGS to run")
    args = parser.parse_args()
    root = Path(args.out)
    root.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, (label, extra) in enumerate(CONFIGS):
        if (args.quick and i > 0) or (args.only is not None and i not in args.only):
            continue
        run_dir = root / f"run{i}"
        shutil.rmtree(run_dir, ignore_errors=True)
        cmd = [sys.executable, "-m", "attendnets", "train", "--data", "digits", "--input-size", "32",
               "--out", str(run_dir), *extra]
        start = time.monotonic()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.monotonic() - start
        if proc.returncode != 0:
            print(f"{label}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
            continue
        m = json.loads((run_dir / "metrics.json").read_text())
        train_s = sum(e["seconds"] for e in m["history"])
        rows.append((label, m["epochs"], m["lr"], m["augment_shift_pixels"], m["params"],
                     m["final"]["val_accuracy"], m["final"]["test_accuracy"], train_s, wall,
                     " ".join(cmd[3:])))
        print(f"{label}: test {m['final']['test_accuracy']:.4f} in {wall:.0f} s", file=sys.stderr, flush=True)
    print("| configuration | epochs | lr | shift px | params | val acc | test acc | train s | wall s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]:g} | {r[3]} | {r[4]:,} | {r[5]:.4f} | {r[6]:.4f} | {r[7]:.0f} | {r[8]:.0f} |")
    print()
    for r in rows:
        print(f"- {r[0]}: `attendnets {r[9]}`")


if __name__ == "__main__":
    main()
