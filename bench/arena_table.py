"""Arena estimate vs measurement for every reference model and the networks attendnets builds.

Writes docs/results_arena.md:

* 64-bit host (the ``tflite-micro`` package, reference kernels): the
  estimate (required / recorded total / head / tail / peak live bytes) beside
  the interpreter's recorded total and the smallest arena that allocates
  (bisection on ``arena_size``);
* 32-bit Cortex-M estimates (plain ``MicroInterpreter``, reference and
  CMSIS-NN kernels) beside the arenas measured on a Cortex-M4 in QEMU
  (bench/arena_cortex_m4_measured.json).

Usage::

    .venv/bin/python bench/arena_table.py [--models DIR] [--no-networks] [--out docs/results_arena.md]

The produced networks (AttendNet-A, AttendNet-B, MobileNet-V1 0.25 at
96x96x3, 10 classes) are built untrained and converted to full int8 with the
project's converter on random calibration images (needs TensorFlow; about a
minute).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from converter.tflm.arena import estimate_arena  # noqa: E402
from converter.tflm.arena_measure import measure_arena, with_measurable_scales  # noqa: E402
from converter.tflite_model import load_model  # noqa: E402

NETWORKS = [("attendnet_a", 1.0), ("attendnet_b", 1.0), ("mobilenet_v1", 0.25)]
NETWORK_INPUT = (96, 96, 3)


def build_networks():
    import numpy as np

    from attendnets_tf.models import build_model
    from converter.conversion.convert import convert_keras_model

    rng = np.random.default_rng(0)
    calibration = rng.random((8, *NETWORK_INPUT), dtype=np.float32)
    out = []
    for arch, width in NETWORKS:
        model = build_model(arch, input_shape=NETWORK_INPUT, num_classes=10, width=width)
        data = with_measurable_scales(convert_keras_model(model, calibration))
        out.append((f"{arch} (width {width}, {NETWORK_INPUT[0]}x{NETWORK_INPUT[1]}x{NETWORK_INPUT[2]}, int8)", data))
    return out


def _b(n):
    return f"{n:,}"


def _mark(a, b):
    return "yes" if a == b else f"**no** ({a - b:+,})"


def host_rows(models):
    rows = []
    for name, data in models:
        est = estimate_arena(data, pointer_bytes=8, kernels="reference")
        meas = measure_arena(data)
        model = load_model(data)
        peak_op = model.subgraphs[0].operators[est.peak_op_index].name if model.subgraphs[0].operators else "-"
        cats = {k: v for k, v in est.categories.items() if v}
        equal = (
            (est.total_bytes, est.head_bytes, est.tail_bytes, est.required_bytes)
            == (meas.total_bytes, meas.head_bytes, meas.tail_bytes, meas.required_bytes)
            and cats == meas.categories
        )
        rows.append(
            f"| {name} | {_b(est.required_bytes)} | {_b(meas.required_bytes)} | {_b(est.total_bytes)} | "
            f"{_b(meas.total_bytes)} | {_b(est.head_bytes)} | {_b(est.tail_bytes)} | "
            f"{_b(est.peak_live_bytes)} (op {est.peak_op_index} {peak_op}) | {'yes' if equal else '**no**'} |"
        )
    return rows


def cortex_m_rows(models, measured):
    rows = []
    for name, data in models:
        cells = [name]
        for kernels in ("reference", "cmsis-nn"):
            est = estimate_arena(data, pointer_bytes=4, kernels=kernels)
            m = measured.get(kernels, {}).get(name)
            cells += [_b(est.required_bytes), _b(est.total_bytes)]
            if m:
                cells += [
                    _b(m["plain"]["min_arena"]),
                    _mark(est.required_bytes, m["plain"]["min_arena"]) + " / "
                    + _mark(est.total_bytes, m["plain"]["used"]),
                ]
            else:
                cells += ["not measured", "-"]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def cortex_m55_rows(models, measured):
    """CMSIS-NN on the Cortex-M55 (MVE paths) against the target, with the DSP (Cortex-M4) estimate beside it."""
    rows = []
    for name, data in models:
        mve = estimate_arena(data, pointer_bytes=4, kernels="cmsis-nn", cmsis_nn_arch="mve")
        dsp = estimate_arena(data, pointer_bytes=4, kernels="cmsis-nn", cmsis_nn_arch="dsp")
        cells = [name, _b(mve.required_bytes), _b(mve.total_bytes)]
        m = measured.get("cmsis-nn", {}).get(name)
        if m:
            cells += [
                _b(m["plain"]["min_arena"]),
                _mark(mve.required_bytes, m["plain"]["min_arena"]) + " / " + _mark(mve.total_bytes, m["plain"]["used"]),
            ]
        else:
            cells += ["not measured", "-"]
        cells += [_b(dsp.required_bytes), f"{mve.required_bytes - dsp.required_bytes:+,}"]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=Path, default=ROOT.parent / "shared" / "models")
    parser.add_argument("--no-networks", action="store_true", help="skip building AttendNet-A/B and MobileNet-V1")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "results_arena.md")
    args = parser.parse_args(argv)

    started = time.time()
    shared = [(p.name, p.read_bytes()) for p in sorted(args.models.glob("*.tflite"))]
    networks = [] if args.no_networks else build_networks()
    measured = json.loads((ROOT / "bench" / "arena_cortex_m4_measured.json").read_text())
    measured_m55 = json.loads((ROOT / "bench" / "arena_cortex_m55_measured.json").read_text())

    lines = [
        "# Tensor arena: estimate vs measurement",
        "",
        "Produced by `.venv/bin/python bench/arena_table.py` "
        f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {time.time() - started:.0f} s incl. measuring).",
        "The estimate comes from the flatbuffer alone (`converter.tflm.arena.estimate_arena`); how it works is in",
        "docs/memory.md. All figures in bytes.",
        "",
        "## 64-bit host: `tflite-micro` interpreter, reference kernels",
        "",
        "*required*: smallest `arena_size` with which the interpreter allocates (measured by bisection, one",
        "interpreter per try); *total*: RecordingMicroAllocator's recorded use (head + tail) with a 16-byte",
        "multiple arena. *equal*: total, head, tail, required and every RecordingMicroAllocator category agree",
        "to the byte. *peak live*: planned bytes alive during the busiest operator.",
        "",
        "| model | required (est.) | required (measured) | total (est.) | total (measured) | head | tail |"
        " peak live | equal |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    lines += host_rows(shared + networks)
    lines += [
        "",
        "## 32-bit Cortex-M (plain `MicroInterpreter`, what generated firmware runs)",
        "",
        "Measured on a Cortex-M4 in QEMU (mps2-an386), upstream TFLM built with arm-none-eabi-gcc 12.2; source",
        "and flags in bench/arena_cortex_m4_measured.json. *match*: required / total agree with the target.",
        "The produced networks were not run on the target.",
        "",
        "| model | reference: required (est.) | total (est.) | required (measured) | match |"
        " cmsis-nn: required (est.) | total (est.) | required (measured) | match |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    lines += cortex_m_rows(shared + networks, measured)
    lines += [
        "",
        "The 32-bit tail is smaller than the host's (4-byte pointers: TfLiteEvalTensor 12 B instead of 24,",
        "NodeAndRegistration 32 instead of 64, TfLiteTensor 32 instead of 64, allocator objects about half) and",
        "the head is the same plan; CMSIS-NN adds larger OpData and im2col / depthwise scratch buffers",
        "(docs/memory.md).",
        "",
        "## Cortex-M55 with CMSIS-NN (MVE code paths)",
        "",
        "CMSIS-NN compiles other code for MVE (Helium) than for the DSP extension, and its kernels ask for other",
        "scratch buffers and persistent data, so the estimate takes the CPU's path (`cmsis_nn_arch`; boards",
        "derive it from their CPU). Measured on a Cortex-M55 in QEMU (mps3-an547); source and flags in",
        "bench/arena_cortex_m55_measured.json. *match*: required / total agree with the target. *DSP estimate*:",
        "what the Cortex-M4 path needs; the difference is what an arena sized for it would lack on the M55.",
        "",
        "| model | mve: required (est.) | total (est.) | required (measured) | match | dsp: required (est.) |"
        " mve - dsp |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += cortex_m55_rows(shared + networks, measured_m55)
    lines += [
        "",
    ]
    args.out.write_text("\n".join(lines))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
