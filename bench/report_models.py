"""Memory report figures of every shared model; writes docs/results_report.md.

    .venv/bin/python bench/report_models.py [--models ../shared/models] [--board arduino-nano-33-ble-sense]

Runs the real commands for each model, in a subprocess, and reads their JSON:

    attendnets check MODEL --json

    attendnets report MODEL --json --board BOARD                 (Cortex-M, 32-bit, reference kernels)
    attendnets report MODEL --json --target host --measure       (64-bit host, cross-checked with the
                                                                  tflite-micro interpreter)
"""

from __future__ import annotations

import argparse
import datetime
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MODELS = ["hello_world_int8.tflite", "micro_speech_quantized.tflite", "person_detect.tflite",
          "pretrainedResnet_quant.tflite", "trained_lstm_int8.tflite", "vww_96_int8.tflite"]


def report(model: Path, *args) -> tuple:
    cmd = [sys.executable, "-m", "attendnets", "report", str(model), "--json", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=900)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.strip()}")
    return json.loads(proc.stdout), "attendnets report " + " ".join([model.name, "--json", *args])


def check(model: Path) -> dict:
    cmd = [sys.executable, "-m", "attendnets", "check", str(model), "--json"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=300)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.strip()}")
    return json.loads(proc.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=Path, default=REPO.parent / "shared" / "models")
    parser.add_argument("--board", default="arduino-nano-33-ble-sense")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "results_report.md")
    args = parser.parse_args()

    rows = []
    cmsis_rows = []
    for name in MODELS:
        path = args.models / name
        if not path.is_file():
            print(f"skip {name}: not in {args.models}", file=sys.stderr)
            continue
        m4, m4_cmd = report(path, "--board", args.board)
        cmsis, _ = report(path, "--board", args.board, "--kernels", "cmsis-nn")
        host, host_cmd = report(path, "--target", "host", "--measure")
        rows.append((name, m4, host, check(path)))
        cmsis_rows.append((name, cmsis))
        print(f"{name}: M4 arena required {m4['arena']['required']:,} B, host measured "
              f"{host['measurement']['required_bytes']:,} B", flush=True)

    code = json.loads((REPO / "converter" / "tflm_code_size.json").read_text())
    lines = [
        "# Memory report figures of the shared models",
        "",
        f"Produced by `.venv/bin/python bench/report_models.py` on {datetime.date.today().isoformat()}; for each "
        "model it runs",
        "",
        f"- `attendnets report MODEL --json --board {args.board}` (Cortex-M: 32-bit pointers, reference kernels)",
        f"- `attendnets report MODEL --json --board {args.board} --kernels cmsis-nn`",
        "- `attendnets report MODEL --json --target host --measure` (64-bit host build of the `tflite-micro` "
        "package, cross-checked by running its interpreter and bisecting the smallest arena that allocates)",
        "",
        "All sizes in bytes. *Peak live* is the largest sum of arena-head buffers (activations + kernel scratch, "
        "as planned, each rounded up to 16 B) live during one operator; the head can be larger than the peak "
        "because the greedy planner leaves gaps.",
        "",
        "## Cortex-M (32-bit), reference kernels",
        "",
        "| model | ops | MACs | weights | peak live (op) | arena required | used | head | tail | "
        "flash: model + code = total |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---|",
    ]
    for name, m4, _host, _check in rows:
        a, f = m4["arena"], m4["flash"]
        lines.append(
            f"| {name} | {len(m4['operators'])} | {m4['total_macs']:,} | {m4['weight_bytes']:,} | "
            f"{m4['peak_live_bytes']:,} (op {m4['peak_operator']['index']} {m4['peak_operator']['name']}) | "
            f"{a['required']:,} | {a['total']:,} | {a['head']:,} | {a['tail']:,} | "
            f"{f['model']:,} + {f['code']:,} = {f['total']:,} |"
        )
    lines += [
        "",
        "## Cortex-M (32-bit), CMSIS-NN kernels",
        "",
        "| model | scratch (sum over ops) | peak live (op) | arena required | head | tail | flash: model + code = total |",
        "|---|---:|---|---:|---:|---:|---|",
    ]
    for name, c in cmsis_rows:
        a, f = c["arena"], c["flash"]
        lines.append(
            f"| {name} | {sum(o['scratch_bytes'] for o in c['operators']):,} | {c['peak_live_bytes']:,} "
            f"(op {c['peak_operator']['index']} {c['peak_operator']['name']}) | {a['required']:,} | {a['head']:,} | "
            f"{a['tail']:,} | {f['model']:,} + {f['code']:,} = {f['total']:,} |"
        )
    lines += [
        "",
        f"## Fit on {args.board} (reference kernels)",
        "",
        "| model | flash used / available | flash headroom | RAM used / available (arena + stack + heap + static data) | RAM headroom | verdict |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, m4, _host, _check in rows:
        b = m4["board"]
        lines.append(f"| {name} | {b['flash_used_bytes']:,} / {b['flash_bytes']:,} | {b['flash_headroom_pct']:.1f}% | "
                     f"{b['ram_used_bytes']:,} / {b['ram_bytes']:,} | {b['ram_headroom_pct']:.1f}% | {b['verdict']} |")
    lines += [
        "",
        "## 64-bit host (tflite-micro package): estimate vs the interpreter",
        "",
        "| model | estimate used | measured used | estimate required | measured required | equal |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, _m4, host, _check in rows:
        m = host["measurement"]
        equal = m["estimate_used_bytes"] == m["used_bytes"] and m["estimate_required_bytes"] == m["required_bytes"]
        lines.append(f"| {name} | {m['estimate_used_bytes']:,} | {m['used_bytes']:,} | "
                     f"{m['estimate_required_bytes']:,} | {m['required_bytes']:,} | {'yes' if equal else 'NO'} |")
    lines += [
        "",
        "## `attendnets check MODEL --json`: operators (version x count) and verdict",
        "",
        "| model | kind | operators | TFLM can run it | warnings |",
        "|---|---|---|---|---:|",
    ]
    for name, _m4, _host, chk in rows:
        ops = ", ".join(f"{c['name']} v{c['version']} x{c['count']}" for c in chk["operator_codes"] if c["count"])
        lines.append(f"| {name} | {chk['model_kind']} | {ops} | {'yes' if chk['ok'] else 'NO'} | "
                     f"{len(chk['warnings'])} |")
    kernels_measured = ", ".join(sorted(code["kernels"]))
    lines += [
        "",
        "## How the TFLM code size is estimated",
        "",
        f"`converter/tflm/tflm_code_size.json` (data), measured by `bench/tflm_code_size.py` for {code['cpu']} with "
        f"`{code['compiler']}` (kernel sets measured: {kernels_measured}). Method: {code['method']}.",
        "",
        "Library flags: " + "; ".join(f"{k}: `{v}`" for k, v in sorted(code["library_flags"].items())) + ".",
        "",
        "A model's code estimate is the runtime (" + ", ".join(
            f"{k} {v:,} B" for k, v in sorted(code["runtime_bytes_by_kernels"].items()))
        + ") plus the figure of each distinct operator it uses, minus the helpers several of those kernels "
        "share (found by symbol name and size in the probe programs, counted once). The runtime includes the "
        "newlib pieces the interpreter pulls in; the application's own code (startup, printf, image input) is "
        "not included.",
        "",
        "Validation: one probe linked per model with exactly its operators (`--validate-models`):",
        "",
        "| model | linked | estimate | plain sum of standalone kernels |",
        "|---|---:|---:|---:|",
    ]
    for kernels, models in sorted(code.get("validation", {}).items()):
        for name, v in sorted(models.items()):
            lines.append(f"| {name} ({kernels}) | {v['linked_bytes']:,} | {v['estimated_bytes']:,} | "
                         f"{v['sum_of_standalone_bytes']:,} |")
    lines.append("")
    args.out.parent.mkdir(exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text("\n".join(lines))
    tmp.replace(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
