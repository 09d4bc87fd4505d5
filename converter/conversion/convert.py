"""Keras model -> full-integer TFLite flatbuffer (int8 weights and activations).

Two sources:

* a QAT model (``attendnets quantize``): the converter takes every range from
  the fake-quant ops learned during fine-tuning;
* a float model: post-training quantization, ranges calibrated on
  ``samples`` training images, except the input's: an image input gets the
  range the data pipeline defines for images (``attendnets_tf.data.IMAGE_RANGE``,
  [0, 1]), not the brightest calibration pixel's (with 229/255 the input
  covered [0, 0.898] and every brighter pixel saturated).

Condensers are unfolded first (:func:`attendnets_tf.qat.unfold`), so a float
model converts to the same operator graph as its QAT version.  The result is
int8 end to end (``--float-io`` keeps float32 input/output with a QUANTIZE /
DEQUANTIZE at each end) and must pass the TFLM check (:mod:`converter.tflm.check`)
before anything is written.

Outputs (all written atomically, together): ``model.tflite``, its labels
``model.labels.txt`` (:mod:`attendnets_base.labels`: named after the model, so two
models in one folder keep their own class names) and a JSON sidecar
``model.json`` (:func:`describe_io`).

TensorFlow is imported inside the functions (``attendnets_tf._tf``).
"""

from __future__ import annotations

import contextlib
import io
import json
import time
from dataclasses import dataclass
from pathlib import Path
import os
import sys
import warnings

import numpy as np

from attendnets_base.errors import BadInputError, InvalidModelError, UnsupportedOperatorError
from attendnets_base.fsutil import atomic_output_file, check_output_file, require_file
from attendnets_base.labels import holds_labels_of, labels_path_for, labels_text
from attendnets_tf.loading import (  # noqa: F401  (re-exported: the conversion's inputs)
    DEFAULT_CALIBRATION_SAMPLES,
    LABELS_FILE,
    calibration_images,
    check_data_matches,
    check_image_classifier,
    load_keras_model,
    load_matching_data,
    model_input_shape,
    model_num_classes,
    read_labels,
)
from attendnets_tf.data import IMAGE_RANGE
from attendnets_tf.data import data_warnings, describe
from converter.tflite_model import load_model as load_tflite
from converter.tflm.check import check_model

QAT_CALIBRATION_SAMPLES = 8


@dataclass
class ConversionResult:
    tflite_path: Path
    labels_path: Path
    sidecar_path: Path
    model_bytes: int
    source_kind: str  # "qat" or "float (post-training quantization)"
    sidecar: dict


# --- conversion ---------------------------------------------------------------


def convert_keras_model(model, calibration, float_io=False, input_range=None, log=None):
    """Full-integer TFLite flatbuffer (bytes) of a float or QAT Keras model.

    ``calibration``: float32 images (N, H, W, C); required for a float model,
    also passed for a QAT model (ranges of any tensor without fake-quant).
    ``input_range``: (low, high) the float model's input is known to span (images
    from :mod:`attendnets_tf.data`: ``IMAGE_RANGE``); the input's int8 scale and
    zero point then cover it (widened if the calibration images go beyond)
    instead of the calibration images' own minimum and maximum.  ``None`` keeps
    the calibrated input range.  A QAT model's input range is its input
    quantizer's (:func:`attendnets_tf.qat.calibrate_ranges`), so it is ignored there.
    ``log``: receives the progress lines (calibration images done, quantization), written to
    the real stderr while the converter's own chatter is silenced.
    """
    from attendnets_tf import qat
    from attendnets_tf._tf import tf

    is_qat = qat.is_qat_model(model)
    if not is_qat:
        model = qat.unfold(model)

    say = [log or (lambda line: None)]  # replaced by a writer to the real stderr inside _quiet_stderr
    total = len(calibration)
    every = max(1, total // 4)

    def representative_dataset():
        started = time.monotonic()
        for done, image in enumerate(calibration, 1):
            yield [image[None, ...].astype(np.float32)]
            if done % every == 0 or done == total:
                say[0](f"convert: calibration {done}/{total} images ({time.monotonic() - started:.1f} s)")

    if getattr(model, "saved_model_dir", None) is not None:  # a SavedModel (attendnets_tf.loading)
        converter = tf.lite.TFLiteConverter.from_saved_model(str(model.saved_model_dir))
    else:  # tf-keras, or Keras 3 (which TensorFlow exports to a SavedModel itself)
        converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative_dataset
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    io_type = tf.float32 if float_io else tf.int8

    # Keras 3 models are exported to a SavedModel by TensorFlow, which prints their signature on stdout
    with _quiet_stderr() as real_stderr, warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        if log is not None:
            say[0] = real_stderr
        warnings.simplefilter("ignore")  # "Statistics for quantized inputs were expected" (QAT input)
        if is_qat or input_range is None:
            converter.inference_input_type = io_type
            converter.inference_output_type = io_type
            say[0]("convert: calibrating and converting (TFLiteConverter)")
            return bytes(converter.convert())
        # converter.convert() in two steps, as TFLiteConverter._quantize does them with the MLIR
        # quantizer (TF 2.21): calibrate (a float flatbuffer whose tensors carry min/max), set the
        # input's min/max, quantize, deduplicate buffers.  The result equals convert()'s but for the
        # input range (and the model hash in the conversion metadata, taken before quantization).
        converter._experimental_calibrate_only = True
        say[0](f"convert: calibrating activation ranges on {total} images")
        calibrated = _with_input_range(bytes(converter.convert()), input_range)
        started = time.monotonic()
        say[0]("convert: quantizing to full int8 (TFLite's MLIR quantizer)")
        quantized = _quantize_calibrated(calibrated, io_type)
        say[0](f"convert: quantized ({time.monotonic() - started:.1f} s)")
        return quantized


def _with_input_range(calibrated, input_range):
    """A calibrated float flatbuffer whose input tensors' min/max cover ``input_range``."""
    from attendnets_tf._tf import tf  # noqa: F401  (TensorFlow's environment before its submodules)
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils

    model = flatbuffer_utils.convert_bytearray_to_object(calibrated)
    subgraph = model.subgraphs[0]
    for index in subgraph.inputs:
        low, high = (float(v) for v in input_range)
        tensor = subgraph.tensors[index]
        if tensor.quantization is None:
            tensor.quantization = schema.QuantizationParametersT()
        stats = tensor.quantization
        if stats.min is not None and len(stats.min):
            low = min(low, float(np.min(stats.min)))
        if stats.max is not None and len(stats.max):
            high = max(high, float(np.max(stats.max)))
        stats.min = [low]
        stats.max = [high]
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))


def _quantize_calibrated(calibrated, io_type):
    """The MLIR quantizer on a calibrated flatbuffer, with TFLiteConverter's defaults (TF 2.21)."""
    from attendnets_tf._tf import tf  # noqa: F401
    from tensorflow.lite.python.convert import deduplicate_readonly_buffers, mlir_quantize

    quantized = mlir_quantize(
        calibrated,
        False,  # per-channel weights (converter._experimental_disable_per_channel)
        input_data_type=io_type,
        output_data_type=io_type,
        enable_variable_quantization=False,
        disable_per_channel_for_dense_layers=False,
    )
    return bytes(deduplicate_readonly_buffers(quantized))


@contextlib.contextmanager
def _quiet_stderr():
    """Silence the MLIR converter's C++ chatter on fd 2 (kept when ATTENDNETS_DEBUG is set).

    Yields a function that writes one line to the real stderr (progress)."""
    def to_stderr(line):
        print(line, file=sys.stderr, flush=True)

    if os.environ.get("ATTENDNETS_DEBUG", "") not in ("", "0"):
        yield to_stderr
        return
    sys.stderr.flush()
    saved = os.dup(2)

    def to_saved(line):
        try:
            on_fd2 = sys.stderr.fileno() == 2
        except (AttributeError, OSError, ValueError):  # stderr captured in-process (tests): not fd 2
            on_fd2 = False
        if on_fd2:
            os.write(saved, (line + "\n").encode("utf-8", "replace"))
        else:
            print(line, file=sys.stderr, flush=True)

    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            try:
                yield to_saved
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
    finally:
        os.close(saved)


def _tensor_description(detail):
    scales = [float(s) for s in detail["quantization_parameters"]["scales"]]
    zero_points = [int(z) for z in detail["quantization_parameters"]["zero_points"]]
    return {
        "name": detail["name"],
        "shape": [int(d) for d in detail["shape"]],
        "dtype": np.dtype(detail["dtype"]).name,
        "quantization": {"scale": scales[0], "zero_point": zero_points[0]} if scales else None,
    }


def describe_io(model_bytes):
    """Inputs and outputs of a flatbuffer: name, shape, dtype, quantization (scale, zero_point)."""
    from attendnets_tf._tf import tf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "tf.lite.Interpreter is deprecated"
        interpreter = tf.lite.Interpreter(model_content=model_bytes)
    return {
        "inputs": [_tensor_description(d) for d in interpreter.get_input_details()],
        "outputs": [_tensor_description(d) for d in interpreter.get_output_details()],
    }


def run_tflm_check(tflite_path):
    """TFLM compatibility check of a written flatbuffer (:mod:`converter.tflm.check`).

    Returns the CheckResult; raises UnsupportedOperatorError listing every
    operator, type or quantization TFLM cannot run.
    """
    result = check_model(load_tflite(tflite_path))
    result.raise_if_not_ok()
    return result


def is_conversion_sidecar(path) -> bool:
    """True if ``path`` is the JSON sidecar `attendnets convert` writes beside its .tflite."""
    try:
        facts = json.loads(Path(path).read_text())
    except (OSError, ValueError, UnicodeDecodeError):
        return False
    return isinstance(facts, dict) and {"source_model", "tflm_check"} <= facts.keys()


def check_outputs(model_path, out_path, overwrite=False):
    """The three files convert writes (``out_path``, its labels, its sidecar) under the output-file rule
    (attendnets_base.fsutil.check_output_file): a set convert wrote before is replaced, an input or a file
    of the user's only with ``overwrite``.  Returns ``(labels_path, sidecar_path)``."""
    out_path = Path(out_path)
    if out_path.suffix != ".tflite":
        raise BadInputError(f"output must be a .tflite file; got {out_path}")
    sidecar_path = out_path.with_suffix(".json")
    labels_path = labels_path_for(out_path)
    inputs = [(model_path, "the model")]

    def ours(_path):
        return is_conversion_sidecar(sidecar_path)

    check_output_file(out_path, "--out", inputs, overwrite, ours)
    check_output_file(sidecar_path, "--out's sidecar", inputs, overwrite, ours)
    check_output_file(labels_path, "--out's labels file", inputs, overwrite,
                      lambda p: ours(p) or holds_labels_of(p, model_path))
    return labels_path, sidecar_path


def convert(model_path, data_spec, out_path, samples=DEFAULT_CALIBRATION_SAMPLES, float_io=False, log=print,
            seed=0, overwrite=False):
    """The ``attendnets convert`` pipeline: load, check data, convert, TFLM-check, write.

    Writes ``out_path`` (``.tflite``), ``NAME.labels.txt`` beside it and the JSON
    sidecar ``out_path.with_suffix('.json')``, all or none; none of them replaces an input or a
    file of the user's unless ``overwrite`` (:func:`check_outputs`).
    """
    from attendnets_tf import qat

    model_path = Path(model_path)
    out_path = Path(out_path)
    labels_path, sidecar_path = check_outputs(model_path, out_path, overwrite)
    if samples < 1:
        raise BadInputError(f"--samples must be at least 1; got {samples}")
    model = load_keras_model(model_path)
    is_qat = qat.is_qat_model(model)
    input_shape = model_input_shape(model)
    num_classes = model_num_classes(model)
    labels = read_labels(model_path)
    splits = load_matching_data(data_spec, input_shape, num_classes, labels, seed=seed)
    _log_data(splits, log)
    labels = labels or list(splits.class_names)

    if is_qat:
        # Every tensor of a QAT model carries its trained fake-quant range; the converter
        # only needs a few images to run (the flatbuffer is the same with 2 or 200).
        samples = min(samples, QAT_CALIBRATION_SAMPLES)
    calibration = calibration_images(splits.train[0], samples)
    kind = "qat" if is_qat else "float (post-training quantization)"
    log(f"converting {model_path} ({kind}) to full int8, calibrating on {len(calibration)} training images")
    try:
        # The data pipeline's images span IMAGE_RANGE whatever the calibration subset holds.
        model_bytes = convert_keras_model(model, calibration, float_io=float_io, input_range=IMAGE_RANGE, log=log)
    except Exception as exc:
        reason = " ".join(str(exc).split())
        raise UnsupportedOperatorError(f"TFLite conversion failed: {reason[:300]}") from None

    sidecar = {
        "source_model": str(model_path.resolve()),
        "source_kind": "qat" if is_qat else "float",
        "quantization": "full int8" + (" (float32 input/output)" if float_io else ""),
        "calibration_samples": len(calibration),
        "calibration_seed": seed,
        "data": str(data_spec),
        **describe_io(model_bytes),
        "labels": labels,
        "model_bytes": len(model_bytes),
    }
    with contextlib.ExitStack() as stack:
        tmp_tflite = stack.enter_context(atomic_output_file(out_path))
        tmp_labels = stack.enter_context(atomic_output_file(labels_path))
        tmp_sidecar = stack.enter_context(atomic_output_file(sidecar_path))
        tmp_tflite.write_bytes(model_bytes)
        # The check reads the flatbuffer from disk, before anything is renamed into place.
        log(f"convert: checking the flatbuffer ({len(model_bytes):,} bytes): TFLM operators, types, quantization")
        sidecar["tflm_check"] = _check_summary(run_tflm_check(tmp_tflite))
        log(f"convert: TFLM check passed ({', '.join(sidecar['tflm_check']['operators'])})")
        tmp_labels.write_text(labels_text(labels))
        tmp_sidecar.write_text(json.dumps(sidecar, indent=2) + "\n")
    return ConversionResult(out_path, labels_path, sidecar_path, len(model_bytes), kind, sidecar)


def _log_data(splits, log):
    """The data line every command that reads --data prints, with its warnings (resized/recoloured images)."""
    log(f"data: {describe(splits)}")
    for line in data_warnings(splits):
        log(line)


def _check_summary(result):
    """The TFLM check in the sidecar: verdict, operators used, warnings."""
    return {
        "ok": result.ok,
        "operators": sorted({o.name for o in result.operators}),
        "warnings": [f.message for f in result.warnings],
    }
