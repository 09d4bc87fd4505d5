"""What the QEMU benches share: where the shared models are, the models the kernel benches run, a model lowered
with its random input and tflite-micro's output, a per-layer profile on the Cortex-M4 timing model, the
generated project built as a user builds it, and the head of a results file.

Used by bench/kernels_instructions.py, bench/helium_instructions.py, bench/conv_layers.py,
bench/depthwise_layers.py, bench/compiled_runtime.py and bench/cores_qemu.py (one place for each of these).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ATTENDNETS_SHARED_MODELS", REPO.parent / "shared" / "models"))
#: The shared models the kernel benches (Cortex-M4 DSP vs plain C, Cortex-M55 DSP vs Helium) run by default.
KERNEL_MODELS = ["vww_96_int8.tflite", "person_detect.tflite", "pretrainedResnet_quant.tflite",
                 "micro_speech_quantized.tflite"]


def model_paths(names, extra) -> list[Path]:
    """The shared models of ``names`` that are present, then the paths of ``extra`` (--model arguments)."""
    return [SHARED / m for m in names if (SHARED / m).is_file()] + [Path(m) for m in extra]


def measure_each(paths, measure, summary) -> list[dict]:
    """``measure(path)`` for each path in turn, printing the model's name before and ``summary(result)`` (or the
    reason it was skipped) after."""
    results = []
    for path in paths:
        print(f"{path.name} ...", flush=True)
        results.append(measure(path))
        r = results[-1]
        print(f"  skipped: {r['skipped']}" if "skipped" in r else f"  {summary(r)}", flush=True)
    return results


def lowered_with_reference(path):
    """(model, program, sample, tflite-micro's output 0) for a model the compiled runtime runs (one random input,
    seed 0), or ``{"model": name, "skipped": reasons}`` where it does not."""
    from codegen.compiled.generate import CompiledRuntimeUnsupportedError, lower_model
    from codegen.compiled.host import random_samples, run_tflm_batch
    from converter.tflite_model import load_model

    model = load_model(path)
    try:
        program = lower_model(model)
    except CompiledRuntimeUnsupportedError as exc:
        return {"model": Path(path).name, "skipped": "; ".join(exc.reasons)}
    sample = random_samples(model, 1, seed=0)[0]
    ref = run_tflm_batch(model, [sample])[0][0]
    return model, program, sample, ref


def same_output(out: bytes, ref: np.ndarray) -> bool:
    """Whether the firmware's output bytes equal the interpreter's output, element for element."""
    return np.array_equal(np.frombuffer(out, dtype=ref.dtype).reshape(ref.shape), ref)


def layer_arguments(description: str, default_model: Path, argv):
    """The command line of a per-layer bench: [MODEL.tflite] [--plain]."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("model", nargs="?", default=str(default_model))
    parser.add_argument("--plain", action="store_true", help="the plain-C kernels (-DAN_NO_DSP)")
    return parser.parse_args(argv)


class LayerProfile:
    """One model's -DMODEL_PROFILE build run once on QEMU mps2-an386 under the Cortex-M4 timing model (one random
    input, its output compared with the tflite-micro interpreter's): its operators in the order they ran."""

    def __init__(self, model_path, plain: bool):
        from bench.kernels_instructions import run
        from codegen.compiled.host import random_samples, run_tflm_batch
        from codegen.compiled.lower import lower_model
        from converter.tflite_model import load_model

        self.model = load_model(model_path)
        self.plain = plain
        program = lower_model(self.model)
        self.macs = program.operator_macs()
        self.steps = {s.op_index: s for s in program.steps}
        self.sample = random_samples(self.model, 1, seed=0)[0]
        ref = run_tflm_batch(self.model, [self.sample])[0][0]
        self.lines, out, self.modelled = run(self.model, self.sample, not plain, profile=True)
        self.match = same_output(out, ref)

    def layers(self):
        """(operator index, lowered step, MACs, modelled cycles) of each operator, in the order they ran."""
        for line, interval in zip([x for x in self.lines if x.startswith("#op ")], self.modelled["ops"]):
            index = int(line.split()[1])
            yield index, self.steps[index], self.macs[index], interval.cycles

    def finish(self) -> int:
        """Prints the whole inference's cycles (a build without the hooks) and whether the output matched; the exit
        status (0: it matched)."""
        from bench.kernels_instructions import run

        _, _, whole = run(self.model, self.sample, not self.plain, profile=False)
        print(f"\nwhole inference: {whole['total'].cycles:,} cycles (Cortex-M4 timing model, 0 wait states); "
              f"output {'equals' if self.match else 'DIFFERS FROM'} tflite-micro's")
        return 0 if self.match else 1


def build_compiled_project(model_path, board: str, project: Path, sample_path, dsp):
    """The generated project as a user builds it: ``attendnets generate --runtime compiled --sample``, then ``make``
    (``DSP=0``: the plain-C kernels).  None, or (the step that failed, "generate" or "make", its process)."""
    gen = subprocess.run([sys.executable, "-m", "attendnets", "generate", str(model_path), "--board", board, "--out",
                          str(project), "--runtime", "compiled", "--sample", str(sample_path), "--force"],
                         capture_output=True, text=True, cwd=REPO, timeout=3600)
    if gen.returncode != 0:
        return "generate", gen
    make = subprocess.run(["make", "-C", str(project), "-j2", f"DSP={int(dsp)}"], capture_output=True, text=True)
    if make.returncode != 0:
        return "make", make
    return None


def results_head(title: str, command: str, note: str = "") -> list[str]:
    """The first lines of a results file: its title, the command that wrote it and an optional note."""
    return [title, "", f"Command: `{command}`", "", *([note, ""] if note else [])]
