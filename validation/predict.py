"""``attendnets predict``: run a ``.tflite`` on this machine and say what it predicts (no TensorFlow).

Inputs (:func:`collect_inputs`): image files (read, resized and quantized as ``generate --sample``
reads one: :mod:`codegen.sample`), folders (every image in them, sorted, sub-folders included),
``.npy`` files (one input, or N inputs of the input's shape; floats are quantized, integers
taken as already quantized) and, for a model with several inputs, ``.npz`` files with one
array per input (``x0`` .. ``x<K-1>``, as ``validate --data`` reads them).

Interpreters (:func:`interpreter`):

- ``tflm``: the tflite-micro package's interpreter (what a TFLM device computes; the
  reference every other runtime is compared with), always installed;
- ``tflite``: TFLite's interpreter with its reference kernels (``BUILTIN_REF``, never
  XNNPACK), from ``ai-edge-litert`` or ``tflite-runtime`` when one is installed; neither is a
  dependency, and TensorFlow is never imported here (the command may offer TensorFlow's own
  interpreter when the ``train`` extra is installed).

Each prediction gives, per output, the raw values, the dequantized values ((q - zero point) x
scale), the class (arg max) and the top k with the labels' names (the model's labels sidecar).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path
import importlib.metadata

import numpy as np

from attendnets_base.errors import BadInputError
from attendnets_base.errors import UnsupportedOperatorError
from codegen.compiled.host import run_tflm_batch
from codegen.compiled.host import tflm_interpreter
from codegen.context import tensor_info
from codegen.sample import load_image
from validation.data import _as_inputs, load_model_inputs

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
TFLITE_PACKAGES = (("ai_edge_litert", "ai-edge-litert"), ("tflite_runtime", "tflite-runtime"))


@dataclass
class PredictInput:
    name: str  # the file (and the row of an .npy holding several)
    sample: list  # one flat array per model input, in the input's type
    source: str  # how it was read


# --- inputs --------------------------------------------------------------------------------

def _infos(model):
    sg = model.main_subgraph
    return [tensor_info(sg.tensor(i), "input", n) for n, i in enumerate(sg.inputs)]


def _image_files(folder: Path):
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS
                   and not any(part.startswith(".") for part in p.relative_to(folder).parts))
    if not files:
        raise BadInputError(f"folder {folder} holds no images ({', '.join(IMAGE_EXTENSIONS)})")
    return files


def collect_inputs(paths, model, pixel_range="auto") -> list:
    """The :class:`PredictInput` of every path, in order (folders expanded)."""
    infos = _infos(model)
    several = len(infos) > 1
    out = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise BadInputError(f"input not found: {path}")
        if path.is_dir():
            files = _image_files(path)
        else:
            files = [path]
        for f in files:
            suffix = f.suffix.lower()
            if several:
                if suffix != ".npz":
                    raise BadInputError(f"{f}: a model with {len(infos)} inputs takes an .npz with one array per "
                                        f"input, x0 .. x{len(infos) - 1}")
                data = load_model_inputs(str(f), infos)
                for row in range(len(data.inputs)):
                    out.append(PredictInput(f"{f}[{row}]", data.sample(row), data.source))
            elif suffix in (".npy", ".npz"):
                try:
                    array = np.load(f, allow_pickle=False)
                except (OSError, ValueError) as exc:
                    raise BadInputError(f"cannot read {f}: {exc}") from None
                if suffix == ".npz":
                    if "x" not in array:
                        raise BadInputError(f"{f} has no array 'x'")
                    array = array["x"]
                if array.size == infos[0]["num_elements"]:  # one input, with or without its batch dimension
                    array = array.reshape(1, -1)
                rows = _as_inputs(array, infos[0], f.name)
                kind = "float, quantized" if np.issubdtype(array.dtype, np.floating) else "as given"
                for row in range(len(rows)):
                    name = str(f) if len(rows) == 1 else f"{f}[{row}]"
                    out.append(PredictInput(name, [rows[row]], f"{f.name} ({kind})"))
            elif suffix in IMAGE_EXTENSIONS:
                values, source = load_image(f, infos[0], pixel_range)
                out.append(PredictInput(str(f), [values], source))
            else:
                raise BadInputError(f"{f}: not an image ({', '.join(IMAGE_EXTENSIONS)}), .npy or .npz")
    if not out:
        raise BadInputError("no inputs given")
    return out


# --- interpreters --------------------------------------------------------------------------

class _TflmInterpreter:
    def __init__(self, model):
        self.model = model
        self._interpreter = tflm_interpreter(model)
        try:
            version = importlib.metadata.version("tflite-micro")
        except importlib.metadata.PackageNotFoundError:  # pragma: no cover
            version = "?"
        self.name = "tflm"
        self.description = f"tflite-micro {version} (host interpreter, reference kernels)"

    def run(self, sample):
        return run_tflm_batch(self.model, [sample], self._interpreter)[0]


class TfliteInterpreter:
    """Any interpreter with TFLite's Python API (ai-edge-litert, tflite-runtime, tf.lite)."""

    def __init__(self, interpreter, description):
        self._interpreter = interpreter
        with tflite_refusal():
            self._interpreter.allocate_tensors()
        self.name = "tflite"
        self.description = description

    def run(self, sample):
        it = self._interpreter
        for detail, x in zip(it.get_input_details(), sample):
            it.set_tensor(detail["index"], np.asarray(x).astype(detail["dtype"]).reshape(detail["shape"]))
        it.invoke()
        return [np.array(it.get_tensor(d["index"])) for d in it.get_output_details()]


@contextlib.contextmanager
def tflite_refusal():
    """TFLite's interpreter refuses some models TFLM runs (old quantization metadata: person_detect): one line."""
    try:
        yield
    except (ValueError, RuntimeError) as exc:
        first = " ".join(str(exc).split()).split(".Tensor")[0][:200]
        raise UnsupportedOperatorError(f"TFLite's interpreter refuses this model: {first} (tflite-micro runs what "
                                       "TFLM runs: --interpreter tflm)") from None


def tflite_packages():
    """``(module, package name)`` of the TFLite interpreters installed without TensorFlow."""
    found = []
    for module, package in TFLITE_PACKAGES:
        if importlib.util.find_spec(module) is not None:
            found.append((module, package))
    return found


def tflite_interpreter(model):
    """TFLite's interpreter (reference kernels) from ai-edge-litert or tflite-runtime; None if neither."""
    for module, package in tflite_packages():
        mod = importlib.import_module(f"{module}.interpreter")
        try:
            version = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:  # pragma: no cover
            version = "?"
        with tflite_refusal():
            interpreter = mod.Interpreter(model_content=bytes(model.data),
                                          experimental_op_resolver_type=mod.OpResolverType.BUILTIN_REF)
        return TfliteInterpreter(interpreter, f"TFLite interpreter from {package} {version} (reference kernels)")
    return None


def tflm(model):
    return _TflmInterpreter(model)


# --- predictions ---------------------------------------------------------------------------

def _output_infos(model):
    sg = model.main_subgraph
    return [tensor_info(sg.tensor(i), "output", n) for n, i in enumerate(sg.outputs)]


def describe_outputs(outputs, infos, labels=None, top=5) -> list:
    """Per output: raw and dequantized values, class (arg max) and the top ``top`` (with label names)."""
    described = []
    for array, info in zip(outputs, infos):
        raw = np.asarray(array).reshape(-1)
        if info["quantized"]:
            real = (raw.astype(np.float64) - info["zero_point"]) * info["scale"]
        else:
            real = raw.astype(np.float64)
        doc = {"output": info["position"], "name": info["name"], "dtype": info["dtype"], "shape": info["shape"],
               "raw": raw.tolist(), "dequantized": [float(v) for v in real]}
        if info["quantized"]:
            doc["quantization"] = {"scale": info["scale"], "zero_point": info["zero_point"]}
        if raw.size > 1:
            names = labels if labels and len(labels) == raw.size else None
            order = sorted(range(raw.size), key=lambda i: (-real[i], i))[:max(1, top)]
            doc["class"] = order[0]
            doc["label"] = names[order[0]] if names else None
            doc["top"] = [{"class": i, "label": names[i] if names else None, "score": float(real[i]),
                           "raw": int(raw[i]) if np.issubdtype(raw.dtype, np.integer) else float(raw[i])}
                          for i in order]
        described.append(doc)
    return described


def predict(model, inputs, interpreters, labels=None, top=5) -> list:
    """One dict per input: its name, source and, per interpreter, the described outputs; with two
    interpreters, whether their raw outputs are identical."""
    infos = _output_infos(model)
    results = []
    for item in inputs:
        runs = {}
        raw = {}
        for it in interpreters:
            outputs = it.run(item.sample)
            raw[it.name] = [np.asarray(o).reshape(-1) for o in outputs]
            runs[it.name] = describe_outputs(outputs, infos, labels, top)
        doc = {"input": item.name, "source": item.source, "interpreters": runs}
        if len(raw) == 2:
            a, b = raw.values()
            doc["identical"] = all(np.array_equal(x, y) for x, y in zip(a, b))
        results.append(doc)
    return results


def _values(values, limit=16, fmt="{}"):
    shown = ", ".join(fmt.format(v) for v in values[:limit])
    return f"[{shown}{', ...' if len(values) > limit else ''}]"


def format_predictions(model_path, interpreters, results, labels_path=None) -> str:
    lines = [f"model: {model_path}", *(f"interpreter {it.name}: {it.description}" for it in interpreters),
             f"labels: {labels_path or 'none (classes by index)'}", ""]
    for doc in results:
        lines.append(f"{doc['input']}  ({doc['source']})")
        for name, outputs in doc["interpreters"].items():
            for out in outputs:
                head = f"  {name:<7} output {out['output']} {out['dtype']}{out['shape']}"
                if "class" in out:
                    label = f" {out['label']}" if out["label"] else ""
                    head += f": class {out['class']}{label} ({out['top'][0]['score']:.4g})"
                lines.append(head)
                if "top" in out and len(out["top"]) > 1:
                    lines.append("    top: " + ", ".join(
                        f"{t['class']}{' ' + t['label'] if t['label'] else ''} {t['score']:.4g}" for t in out["top"]))
                lines.append(f"    raw: {_values(out['raw'])}")
                if "quantization" in out:
                    q = out["quantization"]
                    lines.append(f"    dequantized (scale {q['scale']:.6g}, zero point {q['zero_point']}): "
                                 f"{_values(out['dequantized'], fmt='{:.4g}')}")
        if "identical" in doc:
            lines.append("  " + ("the two interpreters' outputs are identical" if doc["identical"]
                                 else "the two interpreters' outputs DIFFER"))
    return "\n".join(lines)
