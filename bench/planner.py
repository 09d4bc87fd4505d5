"""The optimizing memory planner per model: greedy head vs optimized head vs lower bound.

For every shared model (../shared/models) and the networks this tool builds
(AttendNet-A/B and MobileNet-V1 converted to int8 at 32x32, untrained: the arena
does not depend on the weights), runs ``attendnets optimize`` (in process:
converter.planner.optimize.optimize_model) for a Cortex-M4 (32-bit, plain
MicroInterpreter) with the reference and the CMSIS-NN (DSP) kernels, and writes
docs/results_planner.md:

    .venv/bin/python bench/planner.py [--models DIR] [--no-networks]

Figures are the exact arena estimate (converter/tflm/arena.py), which replays
TFLM's allocation with the offline plan; tests/test_planner.py checks on the
host that the tflite-micro interpreter measures the same for optimized models.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

NETWORKS = [  # (name, arch, width, input shape)
    ("attendnet_a 32x32x3 w0.25", "attendnet_a", 0.25, (32, 32, 3)),
    ("attendnet_b 32x32x3 w0.25", "attendnet_b", 0.25, (32, 32, 3)),
    ("attendnet_b 32x32x1 w1.0 (the demo's)", "attendnet_b", 1.0, (32, 32, 1)),
    ("mobilenet_v1 32x32x3 w0.25", "mobilenet_v1", 0.25, (32, 32, 3)),
]
JSON_OUT = REPO / "bench" / "planner_results.json"
KERNELS = [("reference", "dsp"), ("cmsis-nn", "dsp")]


def build_networks():
    import numpy as np

    from attendnets_tf.models import build_model
    from converter.conversion.convert import convert_keras_model

    out = []
    rng = np.random.default_rng(0)
    for name, arch, width, shape in NETWORKS:
        model = build_model(arch, input_shape=shape, num_classes=10, width=width)
        calibration = rng.random((4, *shape), dtype=np.float32)
        out.append((name, convert_keras_model(model, calibration)))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=os.environ.get("ATTENDNETS_SHARED_MODELS",
                                                           str(REPO.parent / "shared" / "models")))
    parser.add_argument("--no-networks", action="store_true", help="only the .tflite files in --models")
    parser.add_argument("--out", default=str(REPO / "docs" / "results_planner.md"))
    args = parser.parse_args(argv)

    from converter.planner.optimize import optimize_model
    from converter.tflite_model import load_model

    models = [(p.name, p.read_bytes()) for p in sorted(Path(args.models).glob("*.tflite"))]
    if not args.no_networks:
        models += build_networks()
    rows = []
    for name, data in models:
        for kernels, arch in KERNELS:
            result = optimize_model(data, target="cortex-m", kernels=kernels, cmsis_nn_arch=arch)
            n_ops = len(load_model(data).subgraphs[0].operators)
            rows.append({
                "model": name, "kernels": kernels, "operators": n_ops, "buffers": len(result.after.tensors),
                "greedy_head": result.greedy.head_bytes, "optimized_head": result.after.head_bytes,
                "lower_bound_original_order": result.original_lower_bound_bytes,
                "lower_bound": result.lower_bound_bytes, "reordered": result.reordered,
                "method": result.method, "optimal": result.optimal,
                "greedy_required": result.greedy.required_bytes, "optimized_required": result.after.required_bytes,
                "seconds": round(result.seconds, 2),
            })  # fmt: skip
            r = rows[-1]
            print(f"{name:40} {kernels:9} head {r['greedy_head']:>7} -> {r['optimized_head']:>7} "
                  f"(bound {r['lower_bound']:>7}) arena {r['greedy_required']:>7} -> {r['optimized_required']:>7} "
                  f"{r['seconds']:.2f} s", flush=True)
    write_markdown(rows, Path(args.out), " ".join(["bench/planner.py"] + (argv if argv is not None else sys.argv[1:])))
    JSON_OUT.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


def write_markdown(rows, path, command):
    lines = [
        "# Smaller TFLM arenas: the optimizing planner (issue 11)",
        "",
        f"Produced by `.venv/bin/python {command}` on {time.strftime('%Y-%m-%d')}; raw figures in "
        f"`bench/{JSON_OUT.name}`.",
        "",
        "Target: Cortex-M4 (32-bit, plain `MicroInterpreter`), bytes.  *greedy*: TFLM's own",
        "GreedyMemoryPlanner; *optimized*: the model `attendnets optimize` writes (offline plan,",
        "operators reordered where that lowers the peak); *bound*: the most bytes alive at one time",
        "in the optimized model's operator order (no placement can be smaller; the original order's",
        "bound in brackets when reordering changed it).  *arena*: the required `tensor_arena` size",
        "(exact estimate, converter/tflm/arena.py; equal to the tflite-micro interpreter's bisection",
        "on the host for the optimized models, tests/test_planner.py).  The .tflite models are",
        "../shared/models (or $ATTENDNETS_SHARED_MODELS); networks built by this tool are untrained",
        "(the arena does not depend on the weights).  *plan* \"TFLM's greedy plan kept\": the greedy",
        "plan is already at the bound, and the model gets no offline plan.",
        "",
        "| model | kernels | ops | greedy head | optimized head | bound | arena greedy | arena optimized "
        "| saved | plan | s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in rows:
        bound = f"{r['lower_bound']:,}"
        if r["lower_bound_original_order"] != r["lower_bound"]:
            bound += f" ({r['lower_bound_original_order']:,})"
        plan = r["method"] + (", optimal" if r["optimal"] else "") + (", reordered" if r["reordered"] else "")
        saved = r["greedy_required"] - r["optimized_required"]
        lines.append(
            f"| {r['model']} | {r['kernels']} | {r['operators']} | {r['greedy_head']:,} | {r['optimized_head']:,} | "
            f"{bound} | {r['greedy_required']:,} | {r['optimized_required']:,} | {saved:,} | {plan} | {r['seconds']} |"
        )
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
