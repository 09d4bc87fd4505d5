"""Stitch the per-area result files (docs/results_*.md) into docs/results.md.

Each bench script writes its own file (the command that produced it is at its
top); this puts them, unchanged but with headings one level down, behind a
short index in docs/results.md.

    .venv/bin/python bench/collect_results.py
"""

from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"

# Pipeline order: network -> training -> int8 -> memory -> firmware.
SECTIONS = [
    ("results_demo.md", "make demo, end to end: digits -> int8 AttendNet-B -> Cortex-M4 in QEMU"),
    ("results_profile.md", "Complexity of the networks (issue 2)"),
    ("results_train.md", "Float training on digits (issue 3)"),
    ("results_accuracy.md", "int8 accuracy: float, PTQ and QAT on TFLite and TFLM (issue 3)"),
    ("results_arena.md", "TFLM arena: estimate vs measurement (issue 4)"),
    ("results_report.md", "Memory reports of the shared models (issue 4)"),
    ("results_firmware.md", "Generated firmware in QEMU (issue 5)"),
    ("results_firmware_tflm.md", "Generated firmware against real TFLM builds (issue 5)"),
    ("results_compiled.md", "The compiled runtime against the TFLM project: RAM, flash, instructions (issue 10)"),
    ("results_compiled_vs_tflm.md", "The compiled runtime against a real TFLM build in QEMU (issue 10)"),
    ("results_code_size.md", "Code-size figures against real links (compiled runtime and TFLM: issue 22)"),
    ("results_planner.md", "Smaller TFLM arenas: the optimizing planner (issue 11)"),
    ("results_patch.md", "Compiled runtime below the layer-by-layer floor: patch-based execution (issue 18)"),
    ("results_patch_models.md", "Every shared and corpus model under every schedule (fast, small, auto): arena and "
                                "bit-exactness (issue 18)"),
    ("results_kernels.md", "Compiled-runtime kernels on the Cortex-M4: instructions, DSP vs plain C (issue 10)"),
    ("results_validate.md", "Validation on the device: per-operator profiles on the Cortex-M4 in QEMU (issue 12)"),
    ("results_timing.md", "Modelled Cortex-M4 cycles of the compiled runtime (issue 21; the model: docs/timing.md)"),
    ("results_speed.md", "Speed: MLPerf Tiny's models and AttendNet-Bs on the Cortex-M4, modelled cycles against "
                         "published figures, in one run (issue 21)"),
    ("results_cores.md", "Every shared and corpus model on every QEMU core (M4 DSP and plain C, M7, M55 Helium): "
                         "bit-exact against tflite-micro, instructions (issues 19, 21)"),
    ("results_helium.md", "Compiled runtime on the Cortex-M55: instructions, DSP path vs Helium (MVE) path (issue 21)"),
    ("results_coverage.md", "Models the compiled runtime runs since issue 19: shape arithmetic folded, TRANSPOSE, "
                            "float32 and 16x8 (arena, code, instructions against TFLM)"),
    ("results_tflm_models.md", "TFLM's own models (its checkout's .tflite files) through check and the compiled "
                               "runtime, against the interpreter (issue 19)"),
    ("results_integration.md", "Into the user's firmware and onto real boards: the catalog against vendor sources, "
                               "several TFLM models in one firmware, the TFLM exports run (issue 20)"),
]


def demote(text):
    lines = []
    in_code = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if not in_code and line.startswith("#"):
            line = "#" + line
        lines.append(line)
    return "\n".join(lines).strip() + "\n"


def main():
    parts = [
        "# Results\n",
        "Measured figures, each with the command that produced it (the first lines of each section). "
        "This file is assembled by `.venv/bin/python bench/collect_results.py` from the per-area files "
        "the bench scripts write (`docs/results_*.md`).\n",
    ]
    parts += [f"- {title} (from `docs/{name}`)" for name, title in SECTIONS if (DOCS / name).is_file()]
    parts.append("")
    for name, _title in SECTIONS:
        path = DOCS / name
        if path.is_file():
            parts.append(f"<!-- from docs/{name} -->")
            parts.append(demote(path.read_text()))
    (DOCS / "results.md").write_text("\n".join(parts))
    print(f"wrote {DOCS / 'results.md'}")


if __name__ == "__main__":
    main()
