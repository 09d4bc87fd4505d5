"""Every shared and corpus model under every schedule of the compiled runtime (issue 18): fast (layer by layer),
small (least arena within the recompute budget) and auto with a capacity one byte below the layer-by-layer floor
(the fastest schedule that must patch), each compared with tflite-micro on random inputs on the host.

    PYTHONPATH=. python bench/patch_every_model.py [--samples 100] [--out docs/results_patch_models.md]

A model the compiled runtime cannot patch (no stage or in-place step lowers its arena: no spatial operators,
control flow) keeps layer by layer under every schedule; the table says so.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))


def model_paths(corpus_dir: Path | None):
    from qemu_models import SHARED

    shared = sorted(SHARED.glob("*.tflite")) if SHARED.is_dir() else []
    if corpus_dir is None:
        from tests.corpus import corpus_key

        corpus_dir = REPO / "build" / "test_corpus" / corpus_key()  # tests/corpus.py builds it (make test)
    return [(p, "shared") for p in shared] + [(p, "corpus") for p in sorted(Path(corpus_dir).glob("*.tflite"))]


def bench_model(path: Path, samples: int) -> list[dict]:
    from codegen.compiled.generate import emit_model, lower_model
    from codegen.compiled.host import assert_matches_tflm
    from codegen.compiled.patch import choose_schedule
    from converter.tflite_model import load_model

    model = load_model(path)
    rows = []
    floor = None
    for schedule in ("fast", "small", "auto"):
        row = {"model": path.name, "schedule": schedule}
        try:
            start = time.time()
            capacity = floor - 1 if schedule == "auto" else None
            program, choice = choose_schedule(lower_model(model), schedule, capacity_bytes=capacity)
            floor = choice.floor_bytes if floor is None else floor
            row.update(floor=choice.floor_bytes, arena=choice.arena_bytes, patched=bool(choice.patched),
                       extra_macs=choice.extra_macs, total_macs=choice.total_macs,
                       choose_s=round(time.time() - start, 1))
            row["bit_exact"] = assert_matches_tflm(model, count=samples, seed=5, compiled=emit_model(program))
        except AssertionError as err:
            row["mismatch"] = str(err).splitlines()[0][:200]
        except Exception as err:  # noqa: BLE001 - a model the compiled runtime refuses: its reason, one line
            row["error"] = f"{type(err).__name__}: {str(err).splitlines()[0][:200] if str(err) else ''}"
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


def markdown(rows, command) -> str:
    out = ["# Every shared and corpus model under every schedule (issue 18)", "",
           f"Command: `{command}`", "",
           "Exact arena of the generated C for each schedule; auto is given a capacity one byte below the "
           "layer-by-layer floor, so it must patch where the model allows. `bit-exact`: every output of every "
           "random input equal to the tflite-micro interpreter's on the host. `layer by layer`: no patch stage "
           "or in-place step lowers this model's arena (its peak is not in a spatial part of the graph).", "",
           "| model | schedule | floor (B) | arena (B) | extra MACs | bit-exact |", "|---|---|---:|---:|---:|---|"]
    bad = 0
    for r in rows:
        if "error" in r or "mismatch" in r:
            bad += "mismatch" in r
            out.append(f"| {r['model']} | {r['schedule']} | - | - | - | {r.get('mismatch') or r['error']} |")
            continue
        pct = 100.0 * r["extra_macs"] / r["total_macs"] if r["total_macs"] else 0.0
        arena = f"{r['arena']:,}" + ("" if r["patched"] or r["schedule"] == "fast" else " (layer by layer)")
        out.append(f"| {r['model']} | {r['schedule']} | {r['floor']:,} | {arena} | {r['extra_macs']:,} ({pct:.1f} %) "
                   f"| {r['bit_exact']} inputs |")
    runs = [r for r in rows if "error" not in r]
    out += ["", f"Runs: {len(runs)}; bit-exact: {sum('bit_exact' in r for r in runs)}; mismatches: {bad}; "
            f"refused by the compiled runtime: {sum('error' in r for r in rows)}."]
    return "\n".join(out) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--corpus-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "results_patch_models.md")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    command = "python bench/patch_every_model.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    rows = []
    for path, _source in model_paths(args.corpus_dir):
        rows += bench_model(path, args.samples)
    args.out.write_text(markdown(rows, command))
    if args.json:
        args.json.write_text(json.dumps({"command": command, "rows": rows}, indent=2) + "\n")
    print(args.out.read_text())
    return 0 if not any("mismatch" in r for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
