"""The code-size estimates against real links of generated firmware, per model.

``--runtime compiled`` (no TFLM tree needed): for each model of ``--models`` (every folder given) the
compiled runtime can run, ``attendnets generate --runtime compiled`` and ``make``, then the linked
non-constant flash (``attendnets size``: everything but model_data.o's constants) next to the code
figure ``report``/``generate`` give (codegen.compiled.footprint.code_figure), with the error:

    python bench/code_size_vs_link.py --runtime compiled --models ../shared/models --models build/test_corpus/X \
        [--board mps2-an386]

``--runtime tflm`` (the default):

For each ``.tflite`` in ``--models``: ``attendnets generate`` (TFLM runtime, the tree's kernels: cmsis-nn
when it holds CMSIS-NN, a Cortex-M board), ``attendnets build`` against ``--tflm-dir`` (its libtflm.a is
built once per tree, CPU and kernel set, or passed with ``--tflm-lib``), ``attendnets size``; prints a
Markdown table of the linked non-model flash (TFLM + startup + application + C library, as `size` splits
it) next to the code figure ``report`` and ``generate`` give (``converter.tflm.code_size``: the board's
TFLM runtime and application + the model's kernels, measured by bench/tflm_code_size.py), with the error,
and the largest error:

    python bench/code_size_vs_link.py --tflm-dir TREE --models DIR [--models DIR2] [--board mps2-an386] [--json F]
    python bench/code_size_vs_link.py --from-json F     # the same links, the figures of today's table
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runtime", default="tflm", choices=["tflm", "compiled"])
    parser.add_argument("--tflm-dir", default=None)
    parser.add_argument("--tflm-lib", default=None)
    parser.add_argument("--models", action="append", default=[])
    parser.add_argument("--board", default="mps2-an386")
    parser.add_argument("--kernels", default=None, choices=["reference", "cmsis-nn"],
                        help="TFLM kernel set (default: the tree's)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", help="--runtime tflm: also save the links (model, linked bytes, operators)")
    parser.add_argument("--from-json", help="--runtime tflm: the links of an earlier --json run, today's figures")
    args = parser.parse_args(argv)
    if args.runtime == "compiled":
        return compiled_rows(args)
    if not args.tflm_dir and not args.from_json:
        parser.error("--runtime tflm needs --tflm-dir")

    from codegen.boards import get_board
    from codegen.build import build_project
    from codegen.generate import generate_project
    from codegen.size import size_project
    from codegen.runtimes.tflm import tree_kernels
    from converter.tflm.code_size import code_size_table, estimate_code_bytes
    from converter.tflite_model import load_model

    board = get_board(args.board)
    args.kernels = args.kernels or tree_kernels(args.tflm_dir)
    rows = []
    if args.from_json:  # the links of an earlier run (--json), the figures of today's table
        saved = json.loads(Path(args.from_json).read_text())
        board, args.kernels = get_board(saved["board"]), saved["kernels"]
        rows = [tuple(r) for r in saved["rows"]]
    with tempfile.TemporaryDirectory() as tmp:
        for model_path in [] if args.from_json else sorted(p for folder in args.models
                                                           for p in Path(folder).glob("*.tflite")):
            out = Path(tmp) / model_path.stem
            try:
                generate_project(model_path, board.name, out, kernels=args.kernels, force=True, runtime="tflm")
                build_project(out, tflm_dir=args.tflm_dir, tflm_lib=args.tflm_lib, jobs=args.jobs, log=lambda m: None,
                              runner=lambda argv: subprocess.run(argv, capture_output=True))  # only the table on stdout
            except Exception as exc:  # a model this runtime/board cannot take: listed, not measured
                rows.append((model_path.name, None, None, f"not built: {str(exc).splitlines()[0][:200]}"))
                continue
            size = size_project(out)
            linked = size.flash_total_bytes - size.flash.get("model", 0)
            rows.append((model_path.name, linked, load_model(model_path).operator_names(), ""))
            print(f"{model_path.name}: linked {linked} B", file=sys.stderr, flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"board": board.name, "kernels": args.kernels, "rows": rows}) + "\n")
    # the figures once every link is made (bench/tflm_code_size.py may remake the table meanwhile)
    code_size_table.cache_clear()
    figures = []
    for name, linked, ops, note in rows:
        estimate = estimate_code_bytes(ops, args.kernels, board) if linked is not None else None
        figures.append((name, linked, estimate and estimate.total_bytes, estimate and estimate.firmware_bytes, note))
    rows = figures
    print(f"code figures: {estimate_code_bytes([], args.kernels, board).method}", file=sys.stderr)

    print_error_table(f"| model ({board.name}, {board.cpu}, {args.kernels} kernels) | linked non-model flash B | "
                      "code figure B | error | of it TFLM (runtime + kernels) B |",
                      [(name, linked, figure, note, (tflm_code,)) for name, linked, tflm_code, figure, note in rows], 1)


def print_error_table(header: str, rows, extra_columns: int = 0):
    """The markdown table of figures against links: ``rows`` of (model, linked B or None, figure B, note where not
    linked, the ``extra_columns`` further numbers), each with its error in %, then the largest error."""
    print(header)
    print("|---|---:|---:|---:|" + "---:|" * extra_columns)
    worst = 0.0
    for name, linked, figure, note, more in rows:
        if linked is None:
            print(f"| {name} | {note} |" + " |" * (2 + len(more)))
            continue
        error = 100 * (figure - linked) / linked
        worst = max(worst, abs(error))
        print(f"| {name} | {linked:,} | {figure:,} | {error:+.1f} % |" + "".join(f" {v:,} |" for v in more))
    print(f"\nlargest error: {worst:.1f} %")


def compiled_rows(args):
    from codegen.boards import get_board
    from codegen.compiled.footprint import code_figure
    from codegen.compiled.generate import CompiledRuntimeUnsupportedError, compile_model
    from codegen.generate import generate_project
    from codegen.size import size_project
    from converter.tflite_model import load_model

    board = get_board(args.board)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for model_path in sorted(p for folder in args.models for p in Path(folder).glob("*.tflite")):
            try:
                compiled = compile_model(load_model(model_path))
            except CompiledRuntimeUnsupportedError:
                continue  # the TFLM runtime's model: not this table's
            out = Path(tmp) / model_path.stem
            generate_project(model_path, board.name, out, runtime="compiled", force=True)
            proc = subprocess.run(["make", "-C", str(out), f"-j{args.jobs}"], capture_output=True, text=True)
            if proc.returncode != 0:
                rows.append((model_path.name, None, None, f"not built: {proc.stderr.strip()[-200:]}"))
                continue
            size = size_project(out)
            linked = size.flash_total_bytes - size.flash.get("model", 0)
            figure = code_figure(compiled, board)
            rows.append((model_path.name, linked, figure.bytes, ""))
            print(f"{model_path.name}: linked {linked} B, figure {figure.bytes} B", file=sys.stderr, flush=True)
    print_error_table(f"| model ({board.name}, {board.cpu}, compiled runtime) | linked code B | code figure B | "
                      "error |", [(*row, ()) for row in rows])


if __name__ == "__main__":
    main()
