"""Every .tflite in a tflite-micro checkout (its kernel test data, integration tests, examples) through
`attendnets check` and the compiled runtime, against the tflite-micro interpreter.

Per model: whether `check` says TFLM runs it; if so, whether the compiled runtime lowers it and whether its
outputs equal the interpreter's on N random inputs (one sequence of invocations: stateful models compared over
the whole sequence; float bit for bit; codegen.compiled.host.assert_matches_tflm).  The models are TFLM's own, so
nothing of them is copied here: give the checkout (the one docs/firmware.md pins).

    python bench/tflm_tree_models.py --tflm-src /path/to/tflite-micro [--inputs 20] [--out docs/results_tflm_models.md]
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def sweep(root: Path, inputs: int) -> list:
    """(relative path, operators, TFLM verdict, compiled verdict) per model under ``root``."""
    from codegen.compiled.host import assert_matches_tflm
    from codegen.compiled.lower import lower_model
    from converter.tflite_model import load_model
    from converter.tflm.check import check_model

    rows = []
    for path in sorted(root.rglob("*.tflite")):
        rel = str(path.relative_to(root))
        try:
            model = load_model(path.read_bytes())
        except Exception as exc:  # noqa: BLE001 - a file the reader refuses is reported, not fatal
            rows.append((rel, "", f"unreadable ({type(exc).__name__})", ""))
            continue
        ops = ", ".join(dict.fromkeys(op.display_name for sg in model.subgraphs for op in sg.operators))
        result = check_model(model)
        if not result.ok:
            rows.append((rel, ops, "no: " + result.errors[0].message.split(":")[0], "-"))
            continue
        try:
            lower_model(model)
        except Exception as exc:  # noqa: BLE001 - the refusal is the row's result
            rows.append((rel, ops, "ok", f"refused: {str(exc)[:120]}"))
            continue
        try:
            compared = assert_matches_tflm(model, count=inputs)
            rows.append((rel, ops, "ok", f"ok, {compared} inputs equal"))
        except AssertionError as exc:
            rows.append((rel, ops, "ok", f"DIFFERS: {str(exc)[:120]}"))
    return rows


def markdown(rows, command: str, root: Path) -> str:
    both = [r for r in rows if r[2] == "ok"]
    equal = [r for r in both if r[3].startswith("ok")]
    lines = ["# Results: TFLM's own models through check and the compiled runtime", "",
             f"Command: `{command}`", "",
             f"Every .tflite under the tflite-micro checkout ({len(rows)} models: kernel test data, integration "
             "tests, examples). TFLM: what `attendnets check` says (reference kernels); compiled: lowered, built "
             "for the host (cc) and compared with the tflite-micro interpreter on random inputs (one sequence "
             "of invocations, float bit for bit).", "",
             f"**{len(equal)} of the {len(both)} models check accepts for TFLM compile and equal the interpreter.**",
             "", "| model | operators | TFLM (check) | compiled |", "|---|---|---|---|"]
    lines += [f"| {rel} | {ops} | {tflm} | {compiled} |" for rel, ops, tflm, compiled in rows]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tflm-src", type=Path, required=True, help="a tflite-micro checkout")
    parser.add_argument("--inputs", type=int, default=20, help="random inputs per model")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "results_tflm_models.md")
    args = parser.parse_args(argv)
    root = args.tflm_src / "tensorflow" / "lite" / "micro"
    if not root.is_dir():
        print(f"error: {args.tflm_src} is not a tflite-micro checkout (no tensorflow/lite/micro)", file=sys.stderr)
        return 2
    rows = sweep(root, args.inputs)
    command = "python bench/tflm_tree_models.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    args.out.write_text(markdown(rows, command, root))
    print(markdown(rows, command, root).split("\n\n")[3])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
