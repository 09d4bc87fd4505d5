"""Accuracy of an int8 ``.tflite`` on a dataset's test split: TFLite reference kernels and TFLM.

Three runs of the same test images:

* the float Keras model (optional, for the quantization loss);
* the flatbuffer on TFLite's *reference* kernels
  (``OpResolverType.BUILTIN_REF``; the default resolver uses XNNPACK, which
  rounds differently from TFLM);
* the flatbuffer on the TFLite Micro interpreter (``tflite-micro`` package,
  the kernels a Cortex-M build runs, minus CMSIS-NN).

``agreement`` is the fraction of test images for which the TFLite-reference
and TFLM output tensors are identical, element by element (raw int8 values;
for a ``--float-io`` model the dequantized float32 values, which are a
function of the same int8 values).  ``max_output_difference`` is the largest
element-wise difference between the two (int8 steps; float32 units for a
``--float-io`` model).

Why the two can differ at all: when an int8 kernel rescales its int32
accumulator to the output scale, TFLite (the 2.x pip package) rounds once
(``TFLITE_SINGLE_ROUNDING``: ``(acc * multiplier + 2^(s-1)) >> s``) while
TFLM rounds twice, the gemmlowp way (a rounding doubling high multiply, then a
rounding right shift).  An accumulator whose exact rescaled value lies just
below a half-way point (e.g. 4.49994) is rounded to 4 by TFLite and to 5 by
TFLM: the outputs differ by one step, and only for such near-ties
(tests/test_rounding_tflite_vs_tflm.py builds one).  TFLM's result is what a
Cortex-M build computes (CMSIS-NN matches it bit for bit), so ``tflm`` is the
accuracy to trust; ``agreement`` shows how rare such ties are.

A model the TFLite interpreter refuses but TFLM runs (older quantization
metadata, e.g. TFLM's person_detect example) is evaluated on TFLM alone:
``tflite`` is left out of ``accuracy``, ``agreement`` is None and
``tflite_error`` says why.

Input images (float32 in [0, 1]) are quantized with the model's own input
scale and zero point: ``q = clip(round(x / scale) + zero_point, -128, 127)``.

The report is computed once (:class:`EvaluationReport`); :meth:`to_json` and
:func:`format_report` only format it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from attendnets_base.errors import BadInputError, InvalidModelError
from attendnets_base.labels import labels_path_for
from attendnets_base.labels import find_labels
from attendnets_tf.data import load_data
from converter.conversion.convert import _log_data
from converter.conversion.convert import _quiet_stderr
from converter.conversion.convert import check_data_matches, load_keras_model, read_labels
from converter.conversion.convert import model_input_shape, model_num_classes
from converter.tflite_model import load_model as load_tflite
from converter.tflm.check import classify_model, describe_model

#: First TFLM arena tried (bytes); doubled until the interpreter accepts it.
TFLM_ARENA_START_BYTES = 256 * 1024
TFLM_ARENA_MAX_BYTES = 512 * 1024 * 1024
QUANTIZED_TYPES = (np.int8, np.uint8, np.int16)


@dataclass
class EvaluationReport:
    model_path: str
    class_names: list
    num_test_images: int
    accuracy: dict  # {"float"?: fraction, "tflite": fraction, "tflm": fraction}
    agreement: float | None  # fraction of images with identical TFLite-ref and TFLM outputs
    max_output_difference: float | None  # largest |TFLite-ref - TFLM| output element (int8 steps)
    per_class: dict  # {class name: {"tflite": fraction, "tflm": fraction, "float"?: ..., "images": n}}
    confusion_matrix: list  # TFLM predictions: rows = true class, columns = predicted
    tflm_arena_bytes: int  # the evaluator's interpreter buffer (a power of two), not the model's need: not in --json
    input_quantization: dict = field(default_factory=dict)
    tflite_error: str | None = None  # why the TFLite reference interpreter could not run it (TFLM only)

    def to_json(self) -> dict:
        return {
            "model": self.model_path,
            "test_images": self.num_test_images,
            "accuracy": self.accuracy,
            "agreement": self.agreement,
            "max_output_difference": self.max_output_difference,
            "per_class": self.per_class,
            "confusion_matrix": self.confusion_matrix,
            "confusion_matrix_of": "tflm",
            "class_names": self.class_names,
            "input_quantization": self.input_quantization,
            **({"tflite_error": self.tflite_error} if self.tflite_error else {}),
        }


# --- the flatbuffer -----------------------------------------------------------


def read_int8_model(path):
    """Bytes of an integer-quantized ``.tflite``; one-line errors for anything else.

    Missing file -> BadInputError; not a TFLite flatbuffer, corrupt, or a
    float-only model -> InvalidModelError.
    """
    path = Path(path)
    model = load_tflite(path)  # raises BadInputError / InvalidModelError
    sg = model.subgraphs[0] if model.subgraphs else None
    if sg is None:
        raise InvalidModelError(f"{path} has no subgraph")
    if len(sg.inputs) != 1 or len(sg.outputs) != 1:
        raise BadInputError(
            f"{path}: evaluate needs a model with one input and one output, got {len(sg.inputs)} and {len(sg.outputs)}"
        )

    kind = classify_model(model)
    if kind in ("float", "integer"):
        what = "a float model" if kind == "float" else "not a quantized model"
        raise InvalidModelError(
            f"{path} is {what} ({describe_model(model)}); evaluate measures int8 models: convert it first "
            "(attendnets convert)"
        )
    return path.read_bytes()


def _reason(exc, limit=300) -> str:
    """An interpreter's exception as one line, clipped at a word boundary (never mid-word)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " ..."


def _new_tflite_ref(model_bytes, path="model"):
    from attendnets_tf._tf import tf

    # The interpreter's C++ side prints its error on fd 2 as well: silenced, so it is said once (below).
    with warnings.catch_warnings(), _quiet_stderr():
        warnings.simplefilter("ignore")  # "tf.lite.Interpreter is deprecated"
        try:
            interpreter = tf.lite.Interpreter(
                model_content=model_bytes,
                experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF,
            )
            interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as exc:
            raise InvalidModelError(f"{path}: the TFLite interpreter cannot load it: {_reason(exc)}") from None
    return interpreter


def _new_tflm(model_bytes, path="model"):
    """A TFLM interpreter with the smallest power-of-two arena (>= 256 KiB) that works.

    TFLM prints "Failed to resize buffer..." on fd 2 for every arena too small: silenced while trying.
    """
    from tflite_micro.python.tflite_micro import runtime


    arena = TFLM_ARENA_START_BYTES
    with _quiet_stderr():
        while True:
            try:
                return runtime.Interpreter.from_bytes(model_bytes, arena_size=arena), arena
            except RuntimeError as exc:
                if arena >= TFLM_ARENA_MAX_BYTES:
                    raise InvalidModelError(f"{path}: the TFLM interpreter cannot run it: {_reason(exc)}") from None
                arena *= 2


def quantize_images(images, scale, zero_point, dtype):
    """float32 images -> the model's input type with its scale and zero point."""
    if np.issubdtype(dtype, np.floating):
        return images.astype(dtype)
    info = np.iinfo(dtype)
    q = np.round(images / scale) + zero_point
    return np.clip(q, info.min, info.max).astype(dtype)


def run_tflite_ref(interpreter, inputs):
    """Raw output tensors (N, ...) of TFLite's reference kernels, one image at a time."""
    inp = interpreter.get_input_details()[0]
    out = interpreter.get_output_details()[0]
    results = []
    for x in inputs:
        interpreter.set_tensor(inp["index"], x[None, ...])
        interpreter.invoke()
        results.append(interpreter.get_tensor(out["index"])[0].copy())
    return np.stack(results)


def run_tflm(interpreter, inputs):
    """Raw output tensors (N, ...) of the TFLM interpreter, one image at a time.

    (The TFLM Python interpreter has a fixed batch of 1: a microcontroller
    runs one image at a time.)
    """
    results = []
    for x in inputs:
        interpreter.set_input(x[None, ...], 0)
        interpreter.invoke()
        results.append(np.array(interpreter.get_output(0))[0].copy())
    return np.stack(results)


# --- the whole evaluation -----------------------------------------------------


def _accuracy(pred, labels):
    return float(np.mean(pred == labels)) if len(labels) else 0.0


def confusion_matrix(labels, pred, num_classes):
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (labels, pred), 1)
    return matrix


def evaluate(tflite_path, data_spec, float_model_path=None, log=print):
    """Evaluate ``tflite_path`` on the test split of ``data_spec``; returns an EvaluationReport."""
    tflite_path = Path(tflite_path)
    model_bytes = read_int8_model(tflite_path)
    if float_model_path is not None:
        float_model = load_keras_model(float_model_path)  # check it before the slow part
    try:
        ref = _new_tflite_ref(model_bytes, tflite_path)
        ref_error = None
        inp, out = _io_details(ref.get_input_details()[0]), _io_details(ref.get_output_details()[0])
    except InvalidModelError as exc:
        # Some valid TFLM models (e.g. older quantization metadata) are refused by the TFLite
        # interpreter: evaluate them on TFLM alone and say so.
        ref, ref_error = None, str(exc)
    tflm, arena = _new_tflm(model_bytes, tflite_path)
    if ref is None:
        inp, out = _io_details(tflm.get_input_details(0)), _io_details(tflm.get_output_details(0))
    in_shape, out_shape = inp["shape"], out["shape"]
    if len(in_shape) != 4:
        raise BadInputError(f"{tflite_path}: expected an image input (1, H, W, C), got shape {list(in_shape)}")
    if len(out_shape) != 2:
        raise BadInputError(f"{tflite_path}: expected a (1, classes) output, got shape {list(out_shape)}")
    num_classes = out_shape[1]
    labels = read_labels(tflite_path)
    if float_model_path is not None:
        if model_input_shape(float_model) != tuple(in_shape[1:]) or model_num_classes(float_model) != num_classes:
            raise BadInputError(
                f"--float-model {float_model_path} takes {model_input_shape(float_model)} with "
                f"{model_num_classes(float_model)} classes; {tflite_path} takes {tuple(in_shape[1:])} with {num_classes}"
            )
        check_same_network(float_model, float_model_path, model_bytes, tflite_path, labels)


    splits = load_data(data_spec, in_shape[1:])
    check_data_matches(
        splits.class_names, num_classes, labels, in_shape[-1], int(splits.test[0].shape[-1]), what="model"
    )

    _log_data(splits, log)
    if labels is None:
        log(f"warning: {tflite_path.name} has no labels ({labels_path_for(tflite_path).name} or labels.txt): its "
            f"outputs are taken to be the classes of --data in sorted folder order ({', '.join(splits.class_names[:5])}"
            f"{', ...' if len(splits.class_names) > 5 else ''}); nothing checks that they match")
    x_test, y_test = splits.test
    if len(y_test) == 0:
        raise BadInputError(
            f"--data {data_spec} has no test images ({len(splits.train[1])} train / {len(splits.val[1])} val): "
            "the split keeps 15 % of each class of 3 or more images for testing; add images")
    y_test = np.asarray(y_test, dtype=np.int64)

    scale, zero_point = inp["scale"], inp["zero_point"]
    if not np.issubdtype(inp["dtype"], np.floating) and not scale:
        raise InvalidModelError(f"{tflite_path}: the {np.dtype(inp['dtype']).name} input has no quantization scale")
    q_inputs = quantize_images(np.asarray(x_test, dtype=np.float32), scale, zero_point, inp["dtype"])

    log(f"evaluating {tflite_path} on {len(x_test)} test images ({data_spec})")
    if ref_error:
        log("warning: evaluating on TFLM only: the TFLite reference interpreter refused the model "
            "(why: in the report below)")
    tflm_out = run_tflm(tflm, q_inputs).reshape(len(q_inputs), -1)
    tflm_pred = tflm_out.argmax(axis=1)
    if ref is not None:
        ref_out = run_tflite_ref(ref, q_inputs).reshape(len(q_inputs), -1)
        same = np.all(ref_out == tflm_out, axis=1)
        difference = np.abs(ref_out.astype(np.float64) - tflm_out.astype(np.float64))
        max_difference = float(difference.max()) if difference.size else 0.0

    accuracy = {}
    preds = {}
    if float_model_path is not None:
        float_out = float_model.predict(np.asarray(x_test, dtype=np.float32), batch_size=128, verbose=0)
        preds["float"] = np.asarray(float_out).argmax(axis=1)
    if ref is not None:
        preds["tflite"] = ref_out.argmax(axis=1)
    preds["tflm"] = tflm_pred
    for name, pred in preds.items():
        accuracy[name] = _accuracy(pred, y_test)

    class_names = list(labels or splits.class_names)
    per_class = {}
    for index, name in enumerate(class_names):
        mask = y_test == index
        per_class[name] = {"images": int(mask.sum())}
        for run, pred in preds.items():
            per_class[name][run] = _accuracy(pred[mask], y_test[mask]) if mask.any() else None

    return EvaluationReport(
        model_path=str(tflite_path),
        class_names=class_names,
        num_test_images=int(len(y_test)),
        accuracy=accuracy,
        agreement=None if ref is None else (float(np.mean(same)) if len(same) else 1.0),
        max_output_difference=None if ref is None else _plain_number(max_difference),
        per_class=per_class,
        confusion_matrix=confusion_matrix(y_test, tflm_pred, num_classes).tolist(),
        tflm_arena_bytes=arena,
        input_quantization={"dtype": np.dtype(inp["dtype"]).name, "scale": float(scale), "zero_point": zero_point},
        tflite_error=ref_error,
    )


#: A float model and the int8 model converted from it hold about the same number of weights (batch
#: normalization folds into the convolutions: the int8 count is lower by at most about a third);
#: a factor beyond this means another network (another width, depth or task).
PARAMETER_RATIO_LIMIT = 2.0


def check_same_network(float_model, float_model_path, model_bytes, tflite_path, labels):
    """BadInputError unless ``--float-model`` can be the network ``tflite_path`` was converted from.

    The quantization loss of another run's float model (other classes, another width) means nothing:
    refused when the class names differ or the weight counts differ by more than PARAMETER_RATIO_LIMIT.
    """
    float_labels, float_labels_path = find_labels(float_model_path)
    if labels is not None and float_labels is not None and list(float_labels) != list(labels):
        raise BadInputError(
            f"--float-model {float_model_path} has other classes ({', '.join(float_labels[:4])}, ... in "
            f"{float_labels_path.name}) than {tflite_path.name} ({', '.join(labels[:4])}, ...): "
            "give the float model this int8 model was converted from")
    sg = load_tflite(model_bytes).main_subgraph
    int8_weights = sum(t.num_elements for t in sg.tensors if t.is_constant and len(t.shape) >= 1)
    float_weights = int(float_model.count_params())
    ratio = max(int8_weights, 1) / max(float_weights, 1)
    if not 1 / PARAMETER_RATIO_LIMIT <= ratio <= PARAMETER_RATIO_LIMIT:
        raise BadInputError(
            f"--float-model {float_model_path} has {float_weights:,} parameters, {tflite_path.name} "
            f"{int8_weights:,} weights: not the network it was converted from (another width or depth?); "
            "give the float model of the same run")


def _plain_number(value: float):
    """An int when the value is whole (int8 steps), else the float."""
    return int(value) if float(value).is_integer() else float(value)


def _io_details(detail):
    """shape, dtype, scale, zero_point of a TFLite or TFLM interpreter's tensor details."""
    params = detail.get("quantization_parameters") or {}
    scales = list(params.get("scales", []))
    zero_points = list(params.get("zero_points", []))
    return {
        "shape": tuple(int(d) for d in detail["shape"]),
        "dtype": np.dtype(detail["dtype"]).type,
        "scale": float(scales[0]) if len(scales) else 0.0,
        "zero_point": int(zero_points[0]) if len(zero_points) else 0,
    }


def format_report(report: EvaluationReport) -> str:
    """The terminal view: accuracies, agreement, per-class table, confusion matrix (TFLM)."""
    lines = [f"model: {report.model_path}  ({report.num_test_images} test images)"]
    names = {"float": "float (Keras)", "tflite": "int8, TFLite reference kernels", "tflm": "int8, TFLM interpreter"}
    for run in ("float", "tflite", "tflm"):
        if run in report.accuracy:
            lines.append(f"  accuracy {names[run]:<32} {100 * report.accuracy[run]:6.2f} %")
    if report.agreement is not None:
        line = f"  TFLite-ref / TFLM identical outputs    {100 * report.agreement:6.2f} %"
        if report.max_output_difference:
            unit = " step(s)" if isinstance(report.max_output_difference, int) else ""
            line += (f"  (largest difference {report.max_output_difference}{unit}: TFLite rounds once, "
                     "TFLM twice; the TFLM result is what the device computes)")
        lines.append(line)
    else:
        lines.append(f"  TFLite reference kernels: not run ({report.tflite_error})")
    runs = [r for r in ("float", "tflite", "tflm") if r in report.accuracy]
    width = max([len(n) for n in report.class_names] + [5])
    lines.append("")
    lines.append("  " + "class".ljust(width) + "  images" + "".join(f"  {r:>7}" for r in runs))
    for name in report.class_names:
        row = report.per_class[name]
        cells = "".join(f"  {'-':>7}" if row[r] is None else f"  {100 * row[r]:6.1f}%" for r in runs)
        lines.append("  " + name.ljust(width) + f"  {row['images']:6d}" + cells)
    lines.append("")
    lines.append("  confusion matrix (TFLM; rows: true class, columns: predicted)")
    cell = max(3, max(len(str(v)) for row in report.confusion_matrix for v in row))
    lines.append("  " + " " * width + " " + "".join(f" {i:>{cell}}" for i in range(len(report.class_names))))
    for i, row in enumerate(report.confusion_matrix):
        label = f"{i} {report.class_names[i]}"[:width].ljust(width)
        lines.append("  " + label + " " + "".join(f" {v:>{cell}}" for v in row))
    return "\n".join(lines)
