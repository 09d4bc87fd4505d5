"""The models issue 19 brought to the compiled runtime, against the TFLM project: arena, code, instructions.

Per model (by default the test corpus's stock-converted Flatten classifier and NCHW model, its LSTM and
SVDF models in int8 and float32, a 16x8 LSTM and a converter-style streaming model (CALL_ONCE, a resource
variable) from the test suite's builders, and the
dense autoencoder in float32 and 16x8; more with --model):

- operators: the model's operators, those computed at generation time marked ``(gen)``;
- TFLM: the estimator's arena (32-bit, CMSIS-NN kernels where they take the model, else the
  reference kernels; the figure `attendnets report` shows) and the code estimate (TFLM runtime +
  kernels per operator + application);
- compiled runtime, generated for mps2-an386 (Cortex-M4F: hard float, fpv4-sp-d16) with a random
  input and built with the DSP kernels: the static arena and the code as `attendnets size` reads
  them from the ELF (flash minus model_data.o minus the sample input), and instructions per
  inference in QEMU (`-icount shift=0`: SysTick ticks x 40, resolution 40);
- match: the printed output equals the tflite-micro interpreter's (integer outputs; float outputs
  are printed to 3 decimals by the project's main, so they are compared to 3 decimals here and
  bit for bit by tests/test_compiled_wide_qemu.py).

    python bench/coverage.py [--corpus-dir build/test_corpus/KEY] [--model NAME=PATH ...] \
        [--out docs/results_coverage.md]
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
from pathlib import Path

import numpy as np

from attendnets_base.errors import UnsupportedOperatorError

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tests"))

CORPUS_MODELS = ["flatten_classifier_int8", "nchw_transpose_int8", "autoencoder_float", "autoencoder_int16x8",
                 "lstm_int8", "lstm_float", "svdf_int8", "svdf_float",
                 "if_cond_float", "if_cond_mixed", "while_loop_float", "while_loop_mixed", "nested_control_float",
                 "small_cnn_float", "small_cnn_int16x8"]


def builder_models(work: Path) -> list:
    """(name, path) of the test suite's builder models issue 19 covers beyond the corpus: a streaming model
    as the TFLite converter writes one (CALL_ONCE initialiser, resource variable), a 16x8 LSTM, the data-op and
    TRANSPOSE_CONV/BATCH_MATMUL models, a chain of the data-movement operators, the math/reduce operator chains
    (tests/test_compiled_math_ops_qemu.py), TFLM's SSD post-processing custom operator on 64 boxes
    (tests/test_compiled_detection.py; CIRCULAR_BUFFER is left out: TFLM's first output reads its buffer's
    uninitialised arena bytes), and a small conv net with
    sigmoid/tanh/mean/pad/softmax converted by stock TFLiteConverter settings to 16x8 and float32
    (tests/test_compiled_stock_converter.py)."""
    from test_compiled_data_ops_qemu import data_ops_model
    from test_compiled_rearrange import movement_model
    from test_compiled_lstm import lstm_model
    from test_compiled_math_ops_qemu import float_chain, int8_chain
    from test_compiled_matmul import matmul_tconv_model
    from test_compiled_state import call_once_model
    from test_compiled_detection import detection_model

    from test_compiled_stock_converter import convert_stock_net

    stock = convert_stock_net()  # PAD, CONV_2D sigmoid/tanh, MEAN, FULLY_CONNECTED, SOFTMAX by stock settings
    out = []
    for name, data in (("streaming_call_once_int8", call_once_model()),
                       ("lstm_int16x8", lstm_model(act="int16", time_steps=8, input_size=16, units=16)),
                       ("data_ops_int8", data_ops_model()), ("tconv_matmul_int8", matmul_tconv_model()),
                       ("movement_int8", movement_model()),
                       ("math_ops_int8", int8_chain()), ("math_ops_float", float_chain()),
                       ("stock_cnn_int16x8", stock["int16x8"]), ("stock_cnn_float", stock["float"]),
                       ("ssd_postprocess_float", detection_model(boxes=64, constant_scores=True))):
        path = work / f"{name}.tflite"
        path.write_bytes(data)
        out.append((name, path))
    return out


def corpus_models(corpus_dir, work: Path) -> list:
    """(name, path) of the corpus models: from ``corpus_dir`` if given (or the suite's cache), else built."""
    import corpus

    if corpus_dir is None:
        cached = REPO / "build" / "test_corpus" / corpus.corpus_key()
        corpus_dir = cached if cached.is_dir() else None
    if corpus_dir is None:
        corpus_dir = work / "corpus"
        corpus.build_corpus(corpus_dir, CORPUS_MODELS)
    return [(name, Path(corpus_dir) / f"{name}.tflite") for name in CORPUS_MODELS]


def operators(model) -> str:
    from codegen.compiled.generate import lower_model

    program = lower_model(model)
    run = {s.op_index for s in program.steps}
    names = []
    for op in model.main_subgraph.operators:
        name = op.display_name + ("" if op.index in run else " (gen)")
        if name not in names:
            names.append(name)
    inner = []  # the operators of control-flow subgraphs (IF branches, WHILE condition and body)
    for sg in model.subgraphs[1:]:
        inner += [op.display_name for op in sg.operators if op.display_name not in inner]
    return ", ".join(names) + (f"; in subgraphs: {', '.join(inner)}" if inner else "")


def sample_for(model, seed=0):
    from codegen.compiled.host import random_samples

    return random_samples(model, 1, seed=seed)[0][0]


def print_milli(value: np.float32) -> str:
    """The project main's print_milli: (long)(value * 1000.0f +- 0.5f) in float32, as "[-]I.FFF"."""
    half = np.float32(-0.5) if value < 0 else np.float32(0.5)
    milli = int(np.float32(np.float32(value) * np.float32(1000.0)) + half)  # C's cast truncates
    sign = "-" if milli < 0 else ""
    milli = abs(milli)
    return f"{sign}{milli // 1000}.{milli % 1000:03d}"


def printed_expected(model, sample) -> list:
    """The tflite-micro interpreter's output as the project's main prints it (floats in thousandths)."""
    from codegen.compiled.host import run_tflm

    out = np.asarray(run_tflm(model, [sample])[0]).reshape(-1)
    if out.dtype == np.float32:
        return [print_milli(v) for v in out]
    return [str(int(v)) for v in out]


def reference_figures(model) -> dict:
    """tflm_figures' entries with TFLM's reference kernels (arena and code estimate)."""
    from codegen.runtimes.tflm import estimate_code_bytes
    from converter.tflm.arena import estimate_arena

    ref = estimate_arena(model, pointer_bytes=4, kernels="reference")
    code = estimate_code_bytes(model, "reference")
    return {"arena_reference": ref.required_bytes, "peak_live": ref.peak_live_bytes, "flash_model": model.size_bytes,
            "flash_code_estimate": code, "flash_total_estimate": model.size_bytes + code}


def bench(name, path: Path, work: Path) -> dict:
    from compiled_runtime import compiled_run, tflm_figures

    from converter.tflite_model import load_model

    from converter.tflm.check import check_model

    model = load_model(path)
    try:
        tflm = tflm_figures(model)
        cmsis_ok = check_model(model, kernels="cmsis-nn").ok
    except UnsupportedOperatorError:  # an operator the estimator models for the reference kernels only (SVDF)
        tflm = reference_figures(model)
        cmsis_ok = False
    from codegen.compiled.generate import compile_model

    row = {"model": name, "operators": operators(model), "tflm": tflm,
           "state": compile_model(model).state_bytes}  # the compiled runtime's state area, beside its arena
    # the arena of the kernels TFLM would be built with: CMSIS-NN where it takes the model, else the reference
    row["tflm_kernels"] = "cmsis-nn" if cmsis_ok else "reference"
    row["tflm_arena"] = row["tflm"]["arena_cmsis_nn" if cmsis_ok else "arena_reference"]
    sample = sample_for(model)
    sample_path = work / f"{name}_sample.npy"
    np.save(sample_path, sample)
    result = compiled_run(path, work, 1, sample_path, sample.nbytes)
    row["compiled"] = result
    if "output" in result:
        sg = model.main_subgraph
        printed = result.pop("output")
        expected = printed_expected(model, sample)
        same = [str(v) for v in printed] == expected
        float_output = sg.tensor(sg.outputs[0]).dtype == "float32"
        row["match"] = ("to 3 decimals: " if float_output else "") + ("yes" if same else "NO")
    return row


def markdown(rows, command) -> str:
    def k(n):
        return f"{n:,}" if isinstance(n, int) else "-"

    out = ["# Results: models the compiled runtime runs since issue 19", "", f"Command: `{command}`", "",
           "Board mps2-an386 (Cortex-M4F, QEMU 7.2, `-icount shift=0`: *instructions*, SysTick ticks x 40, "
           "resolution 40), DSP kernels, hard float (fpv4-sp-d16). TFLM: the estimator's arena (32-bit, CMSIS-NN "
           "kernels; reference kernels where CMSIS-NN refuses the model) and code estimate (runtime + kernels + "
           "16 KiB application). Compiled: the static arena and the code measured from the ELF (`attendnets size`: "
           "flash minus the constants and the sample input); \"+ N state\": the state kept between invocations "
           "(variable tensors, resource variables) in its own static area, which TFLM keeps in its arena. "
           "Operators marked (gen) are computed at generation time and cost no code. A stateful model's output is "
           "its first invocation's; whole sequences are compared by tests/test_compiled_state*.py and "
           "tests/test_compiled_lstm.py.", "",
           "| model | operators | TFLM arena | compiled arena | TFLM code (est.) | compiled code | instructions "
           "| output == tflite-micro |", "|---|---|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        t, c = r["tflm"], r["compiled"]
        arena = f"{k(r['tflm_arena'])} ({r['tflm_kernels']})"
        if "error" in c:
            out.append(f"| {r['model']} | {r['operators']} | {arena} | error: {c['error']} | | | | |")
            continue
        compiled_arena = k(c["arena"]) + (f" + {k(r['state'])} state" if r.get("state") else "")
        out.append(f"| {r['model']} | {r['operators']} | {arena} | {compiled_arena} | "
                   f"{k(t['flash_code_estimate'])} | {k(c['flash_code'])} | {k(c['instructions'])} | "
                   f"{r.get('match', '-')} |")
    return "\n".join(out) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus-dir", type=Path, default=None, help="a built test corpus (tests/corpus.py DIR)")
    parser.add_argument("--model", action="append", default=[], help="another .tflite, as NAME=PATH")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "results_coverage.md")
    args = parser.parse_args(argv)
    command = ("python bench/coverage.py " + shlex.join(sys.argv[1:] if argv is None else argv)).rstrip()
    with tempfile.TemporaryDirectory(prefix="attendnets-coverage-") as tmp:
        work = Path(tmp)
        models = corpus_models(args.corpus_dir, work) + builder_models(work)
        for spec in args.model:
            name, _, path = spec.rpartition("=")
            models.append((name or Path(path).stem, Path(path)))
        rows = []
        for name, path in models:
            print(f"bench: {name} ...", flush=True)
            rows.append(bench(name, path, work))
    text = markdown(rows, command)
    args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
