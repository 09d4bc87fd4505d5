"""Loading the Keras side: models, labels, matching data and calibration images.

The one home for reading a float or QAT ``.keras`` model and the data that goes
with it; used by training, QAT (:mod:`attendnets_tf.quantize`) and conversion
(:mod:`converter.conversion`).  Imports nothing from :mod:`converter`, so the
arrows run one way: converter -> attendnets_tf.  TensorFlow is imported inside
the functions.
"""

from __future__ import annotations

from pathlib import Path
import json
import zipfile

import numpy as np

from attendnets_base.errors import BadInputError, InvalidModelError
from attendnets_base.fsutil import require_file
from attendnets_base.labels import find_labels
from attendnets_tf.data import load_data

#: Calibration images for post-training quantization (and QAT's starting ranges).
DEFAULT_CALIBRATION_SAMPLES = 200
#: Class names, one per line, beside a model.
LABELS_FILE = "labels.txt"


# --- models ------------------------------------------------


def keras_format(path):
    """What saved the model at ``path``: ``"savedmodel"`` (a TensorFlow SavedModel folder), ``"keras3"``
    (a .keras archive whose metadata.json names Keras 3: current TensorFlow's ``model.save``), or
    ``"keras2"`` (tf-keras, as attendnets train/quantize save: every other file)."""
    path = Path(path)
    if path.is_dir():
        return "savedmodel"
    try:
        with zipfile.ZipFile(path) as archive:
            version = str(json.loads(archive.read("metadata.json")).get("keras_version", ""))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return "keras2"
    return "keras3" if version.split(".")[0].isdigit() and int(version.split(".")[0]) >= 3 else "keras2"


def load_keras_model(path, keras2_only=None):
    """Load a float or QAT model, or raise InvalidModelError (one line): the project's own tf-keras
    ``.keras`` files, a ``.keras`` saved by Keras 3 (current TensorFlow), or a SavedModel folder
    (:class:`SavedModelClassifier`).  ``keras2_only``: the step that truly needs the Keras 2 API
    (QAT with tfmot), which refuses the other two in one line saying what to do."""
    path = Path(path)
    kind = keras_format(path) if path.exists() else "keras2"
    if kind == "savedmodel" and not (path / "saved_model.pb").is_file():
        raise BadInputError(f"model is a folder without saved_model.pb (not a SavedModel): {path}")
    if kind == "keras2":
        path = require_file(path, "model")
    elif keras2_only:
        what = "a TensorFlow SavedModel" if kind == "savedmodel" else "saved by Keras 3 (current TensorFlow)"
        raise BadInputError(f"{path} is {what}; {keras2_only} needs a tf-keras (Keras 2) model: train one with "
                            "attendnets train, or quantize this one after training with attendnets convert")
    try:
        if kind == "keras2":
            from attendnets_tf import qat

            model = qat.load_model(str(path))
        elif kind == "keras3":
            from attendnets_tf._tf import keras3

            model = keras3().saving.load_model(str(path), compile=False)
        else:
            model = SavedModelClassifier.load(path)
    except BadInputError:
        raise
    except Exception as exc:  # Keras raises many kinds for a broken / non-model file
        reason = " ".join(str(exc).split()) or type(exc).__name__
        what = "SavedModel" if kind == "savedmodel" else "Keras model"
        raise InvalidModelError(f"{path} is not a readable {what}: {reason[:200]}") from None
    check_image_classifier(model, path)
    return model


class _Spec:
    def __init__(self, shape):
        self.shape = tuple(shape)


class SavedModelClassifier:
    """A TensorFlow SavedModel's serving signature seen as a Keras-like one-input classifier: ``inputs``
    and ``outputs`` (with ``.shape``), ``predict``, ``count_params``; ``saved_model_dir`` is what the
    TFLite converter reads (converter.conversion.convert).  No layers: nothing to unfold or fine-tune."""

    layers = ()

    def __init__(self, path, loaded, function, input_name, output_name):
        self.saved_model_dir = Path(path)
        self._loaded = loaded  # keeps the variables alive
        self._function = function
        self._input_name = input_name
        self._output_name = output_name
        self.inputs = [_Spec(spec.shape) for spec in function.structured_input_signature[1].values()]
        self.outputs = [_Spec(spec.shape) for spec in function.structured_outputs.values()]

    @classmethod
    def load(cls, path):
        from attendnets_tf._tf import tf

        loaded = tf.saved_model.load(str(path))
        signatures = getattr(loaded, "signatures", {})
        if "serving_default" not in signatures:
            raise BadInputError(f"{path}: the SavedModel has no serving_default signature (export it with "
                                "model.export(...) or tf.saved_model.save(..., signatures=...))")
        function = signatures["serving_default"]
        inputs = function.structured_input_signature[1]
        outputs = function.structured_outputs
        if len(inputs) != 1 or not isinstance(outputs, dict) or len(outputs) != 1:
            raise BadInputError(f"{path}: expected one input and one output in serving_default, got "
                                f"{len(inputs)} and {len(outputs) if isinstance(outputs, dict) else '?'}")
        return cls(path, loaded, function, next(iter(inputs)), next(iter(outputs)))

    def predict(self, x, batch_size=128, verbose=0):
        from attendnets_tf._tf import tf

        parts = [self._function(**{self._input_name: tf.constant(x[i:i + batch_size])})[self._output_name].numpy()
                 for i in range(0, len(x), batch_size)]
        return np.concatenate(parts) if parts else np.zeros((0,) + self.outputs[0].shape[1:], np.float32)

    def count_params(self):
        return int(sum(np.prod(v.shape) for v in getattr(self._loaded, "variables", ())
                       if getattr(v, "trainable", True)))


def check_image_classifier(model, path="model"):
    """The model takes (N, H, W, C) images and gives (N, classes) scores."""
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise BadInputError(f"{path}: expected one input and one output, got {len(model.inputs)} and {len(model.outputs)}")
    in_shape = tuple(model.inputs[0].shape)
    out_shape = tuple(model.outputs[0].shape)
    if len(in_shape) != 4 or any(d is None for d in in_shape[1:]):
        raise BadInputError(f"{path}: expected an image input (batch, height, width, channels), got {in_shape}")
    if len(out_shape) != 2 or out_shape[1] is None:
        raise BadInputError(f"{path}: expected a (batch, classes) output, got {out_shape}")


def model_input_shape(model):
    """(height, width, channels) of a Keras image model."""
    return tuple(int(d) for d in model.inputs[0].shape[1:])


def model_num_classes(model):
    return int(model.outputs[0].shape[-1])


def read_labels(model_path):
    """The model's class names (attendnets_base.labels: its NAME.labels.txt, else the run's labels.txt) or None."""
    return find_labels(model_path)[0]


def check_data_matches(class_names, num_classes, labels, input_channels, data_channels, what="model"):
    """Raise BadInputError when the dataset does not fit the model (classes, names, channels)."""
    if data_channels != input_channels:
        raise BadInputError(
            f"the dataset has {data_channels}-channel images but the {what} takes {input_channels} channels"
        )
    if len(class_names) != num_classes:
        raise BadInputError(f"the dataset has {len(class_names)} classes but the {what} outputs {num_classes}")
    if labels is not None:
        if len(labels) != num_classes:
            raise BadInputError(f"the {what}'s labels list {len(labels)} classes but it outputs {num_classes}")
        if list(labels) != list(class_names):
            raise BadInputError(
                f"the dataset classes {list(class_names)[:5]}... do not match the {what}'s labels {list(labels)[:5]}..."
            )


def load_matching_data(data_spec, input_shape, num_classes, labels, what="model", seed=0):
    """``load_data`` for a model, checked against its classes, labels and channels."""
    splits = load_data(data_spec, input_shape, seed=seed)
    check_data_matches(
        splits.class_names, num_classes, labels, input_shape[-1], int(splits.train[0].shape[-1]), what=what
    )
    return splits


def calibration_images(images, samples, seed=0):
    """Up to ``samples`` images, a fixed random subset (float32, NHWC)."""
    if samples < 1:
        raise BadInputError(f"--samples must be at least 1; got {samples}")
    rng = np.random.default_rng(seed)
    count = min(samples, len(images))
    index = np.sort(rng.choice(len(images), size=count, replace=False))
    return np.asarray(images[index], dtype=np.float32)
