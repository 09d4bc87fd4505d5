"""``attendnets validate --layers``: the first operator whose output differs between two runtimes.

"Why does my firmware disagree?"  The interpreters expose a model's outputs only, so the model
is rewritten (:func:`with_every_tensor_as_output`: the flatbuffer's main subgraph lists every
operator's output tensor as a model output, after the model's own; nothing else changes) and
every runtime runs the rewritten model on the same inputs, on this machine:

- ``tflm``: the tflite-micro package's interpreter (reference kernels), the reference;
- ``compiled``: the compiled runtime's C for the rewritten model, built with the host's ``cc``
  and run (``codegen.compiled.host``: the portable kernels; the firmware's DSP kernels give the
  same bytes, which the compiled runtime's tests check);
- ``tflite``: TFLite's interpreter with its reference kernels, when one is installed
  (``validation.predict.tflite_interpreter``; the command may hand in TensorFlow's).

For each operator in execution order, each output tensor is compared element by element with
the reference's: elements that differ, the largest difference in quantized steps and in real
units (x scale).  The first operator with a difference is where the runtimes part; later ones
may differ only because their inputs did.  Main subgraph only (operators inside IF/WHILE
branches are not listed).
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass

import numpy as np

from attendnets_base.errors import AttendnetsError, BadInputError
from attendnets_base.fsutil import HTML_GENERATOR_META
from codegen.compiled.generate import compile_model
from codegen.compiled.host import run_on_host_batch
from codegen.compiled.host import run_tflm_batch, tflm_interpreter
from converter.report.html_format import CSS, _e
from converter.tflite_model import load_model
import flatbuffers


@dataclass(frozen=True)
class Probe:
    """One operator output made a model output: its position among the rewritten model's outputs."""

    position: int
    operator: int
    operator_name: str
    tensor: int
    tensor_name: str
    dtype: str
    shape: tuple
    scale: float | None


def with_every_tensor_as_output(data: bytes, first: int = 0, max_outputs: int | None = None) -> tuple[bytes, list]:
    """``(rewritten flatbuffer, probes)``: every operator output of the main subgraph is a model output.

    ``first``: the first operator probed (those before it are not listed); ``max_outputs``: the most
    outputs the rewritten model may have (a firmware streams at most validation.protocol.MAX_TENSORS):
    operators are probed in order until one more would not fit."""
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as fb


    model = load_model(data)
    sg = model.main_subgraph
    obj = fb.ModelT.InitFromObj(fb.Model.GetRootAsModel(data, 0))
    main = obj.subgraphs[0]
    outputs = [int(t) for t in (main.outputs if main.outputs is not None else [])]
    if not 0 <= first < len(sg.operators):
        raise BadInputError(f"--layers-from {first}: the model's operators are 0 .. {len(sg.operators) - 1}")
    probes = []
    for op in sg.operators[first:]:
        new = [t for t in op.outputs if t >= 0 and t not in outputs]
        if max_outputs is not None and len(outputs) + len(new) > max_outputs:
            if not probes:
                raise BadInputError(f"operator {op.index} has more outputs than the firmware can stream")
            break
        for t in op.outputs:
            if t < 0:
                continue
            if t not in outputs:
                outputs.append(t)
            tensor = sg.tensor(t)
            q = tensor.quantization
            scale = float(q.scale[0]) if q is not None and len(q.scale) == 1 else None
            probes.append(Probe(outputs.index(t), op.index, op.name, t, tensor.name, tensor.dtype,
                                tuple(tensor.shape), scale))
    main.outputs = outputs
    builder = flatbuffers.Builder(len(data) + 4096)
    builder.Finish(obj.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output()), probes


class _Runner:
    def __init__(self, name, description, run_batch):
        self.name, self.description, self._run_batch = name, description, run_batch

    def run(self, samples):
        return self._run_batch(samples)


@contextlib.contextmanager
def _quiet_fd2():
    """TFLM prints "Failed to allocate ..." on fd 2 for every arena size it tries: not the user's business."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def tflm_runner(rewritten):
    with _quiet_fd2():
        interpreter = tflm_interpreter(rewritten)
    return _Runner("tflm", "tflite-micro interpreter (host, reference kernels)",
                   lambda samples: run_tflm_batch(rewritten, samples, interpreter))


def compiled_runner(rewritten):
    """The compiled runtime's host build of the rewritten model, or why it cannot be made."""
    model = load_model(rewritten)
    try:
        compiled = compile_model(model)
    except AttendnetsError as exc:
        raise BadInputError(str(exc)) from None
    return _Runner("compiled", "compiled runtime's C built with the host's cc (portable kernels)",
                   lambda samples: run_on_host_batch(model, samples, compiled=compiled))


def device_runner(description, run):
    """The outputs a validation run (validation.run.ValidationRun) got from the firmware, input by input."""
    return _Runner("device", description, lambda samples: run.device_outputs[:len(samples)])


def tflite_runner(interpreter):
    """A runner over a validation.predict.TfliteInterpreter of the rewritten model."""
    return _Runner("tflite", interpreter.description,
                   lambda samples: [interpreter.run(sample) for sample in samples])


def _shape_sample(sample, model):
    sg = model.main_subgraph
    return [np.asarray(x).reshape(sg.tensor(t).shape) for x, t in zip(sample, sg.inputs)]


def compare_layers(rewritten, probes, runners, inputs, reference="tflm") -> dict:
    """Per operator output, the differences of every runner against ``reference``; JSON-able."""
    model = load_model(rewritten)
    samples = [_shape_sample(inputs.sample(k), model) for k in range(len(inputs.inputs))]
    results = {r.name: r.run(samples) for r in runners}
    ref = results[reference]
    comparisons = []
    for r in runners:
        if r.name == reference:
            continue
        rows, first = [], None
        for p in probes:
            mine = np.stack([np.asarray(results[r.name][k][p.position]).reshape(-1) for k in range(len(samples))])
            theirs = np.stack([np.asarray(ref[k][p.position]).reshape(-1) for k in range(len(samples))])
            diff = np.abs(mine.astype(np.float64) - theirs.astype(np.float64))
            differing = int(np.count_nonzero(diff))
            inputs_differing = int(np.count_nonzero(diff.reshape(len(samples), -1).max(axis=1))) if diff.size else 0
            row = {"operator": p.operator, "name": p.operator_name, "tensor": p.tensor, "tensor_name": p.tensor_name,
                   "dtype": p.dtype, "shape": list(p.shape), "elements": int(mine.shape[1]) * len(samples),
                   "differing_elements": differing, "inputs_differing": inputs_differing,
                   "max_abs_diff": float(diff.max()) if diff.size else 0.0,
                   "max_abs_diff_real": (float(diff.max()) * p.scale if diff.size and p.scale is not None
                                         else None)}
            if differing and first is None:
                first = row
                k = int(np.argmax(diff.reshape(len(samples), -1).max(axis=1)))
                worst = int(np.argmax(diff[k]))
                row["example"] = {"input": k, "element": worst, "value": mine[k, worst].item(),
                                  "reference_value": theirs[k, worst].item()}
            rows.append(row)
        comparisons.append({"runtime": r.name, "description": r.description, "against": reference,
                            "identical": first is None, "first_difference": first, "operators": rows})
    return {"reference": {"runtime": reference,
                          "description": next(r.description for r in runners if r.name == reference)},
            "inputs": len(samples), "probes": len(probes), "comparisons": comparisons}


def format_layers_text(model_path, source, result) -> str:
    lines = [f"layers of {model_path}: every operator's output on {result['inputs']} input(s) ({source}), "
             f"against {result['reference']['runtime']} ({result['reference']['description']})"]
    for c in result["comparisons"]:
        lines.append("")
        lines.append(f"{c['runtime']} ({c['description']}):")
        first = c["first_difference"]
        if first is None:
            lines.append(f"  every operator's output is identical to {c['against']}'s")
            continue
        real = (f" ({first['max_abs_diff_real']:.6g} real)" if first["max_abs_diff_real"] is not None else "")
        ex = first["example"]
        lines.append(f"  FIRST DIFFERENCE: operator {first['operator']} {first['name']} -> tensor {first['tensor']} "
                     f"'{first['tensor_name']}' {first['dtype']}{first['shape']}: {first['differing_elements']} of "
                     f"{first['elements']} elements differ on {first['inputs_differing']} input(s), largest "
                     f"{first['max_abs_diff']:g}{real}; e.g. input #{ex['input']} element {ex['element']}: "
                     f"{ex['value']} vs {ex['reference_value']}")
        lines.append(f"  {'#':>4}  {'operator':<24} {'tensor':<28} {'differing':>12} {'max diff':>10} {'real':>12}")
        for row in c["operators"]:
            mark = "  <- first" if row is first else ""
            real = "-" if row["max_abs_diff_real"] is None else f"{row['max_abs_diff_real']:.4g}"
            lines.append(f"  {row['operator']:>4}  {row['name'][:24]:<24} {row['tensor_name'][-28:]:<28} "
                         f"{row['differing_elements']:>12,} {row['max_abs_diff']:>10g} {real:>12}{mark}")
    return "\n".join(lines)


def format_layers_html(model_path, source, result) -> str:
    """The same as :func:`format_layers_text` as one self-contained page (the report pages' style)."""
    name = str(model_path).rsplit("/", 1)[-1]
    ref = result["reference"]
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">', HTML_GENERATOR_META,
           f"<title>Layers: {_e(name)}</title>", f"<style>{CSS}</style></head><body><main>",
           f"<h1>Where the runtimes part: {_e(name)}</h1>",
           f'<div class="sub">{_e(str(model_path))} · every operator\'s output on {result["inputs"]} input(s) '
           f'({_e(source)}) · against {_e(ref["runtime"])} ({_e(ref["description"])})</div>']
    for c in result["comparisons"]:
        first = c["first_difference"]
        verdict = ("identical at every operator" if first is None else
                   f"first difference: operator {first['operator']} {first['name']} (tensor '{first['tensor_name']}'), "
                   f"{first['differing_elements']} of {first['elements']} elements, largest {first['max_abs_diff']:g}")
        cls = "fits" if first is None else "nofit"
        out.append(f'<h2>{_e(c["runtime"])}: <span class="{cls}">{_e(verdict)}</span></h2>')
        out.append(f'<div class="panel"><div class="note">{_e(c["description"])}</div><table><thead><tr>'
                   '<th>#</th><th class="l">operator</th><th class="l">tensor</th><th class="l">type</th>'
                   "<th>differing elements</th><th>inputs</th><th>max diff</th><th>real</th></tr></thead><tbody>")
        for row in c["operators"]:
            mark = ' class="nofit"' if row["differing_elements"] else ""
            real = "-" if row["max_abs_diff_real"] is None else f"{row['max_abs_diff_real']:.4g}"
            out.append(f'<tr{mark}><td>{row["operator"]}</td><td class="l">{_e(row["name"])}'
                       f'{" (first)" if row is first else ""}</td><td class="l">{_e(row["tensor_name"])}</td>'
                       f'<td class="l">{_e(row["dtype"])}{_e(str(row["shape"]))}</td>'
                       f'<td>{row["differing_elements"]:,}</td><td>{row["inputs_differing"]}</td>'
                       f'<td>{row["max_abs_diff"]:g}</td><td>{real}</td></tr>')
        out.append("</tbody></table></div>")
    out.append("</main></body></html>")
    return "\n".join(out)
