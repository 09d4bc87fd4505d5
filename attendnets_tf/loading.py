"""Loading the Keras side: models, labels, matching data and calibration images.

The one home for reading a float or QAT ``.keras`` model and the data that goes
with it; used by training, QAT (:mod:`attendnets_tf.quantize`) and conversion
(:mod:`converter.conversion`).  Imports nothing from :mod:`converter`, so the
arrows run one way: converter -> attendnets_tf.  TensorFlow is imported inside
the functions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from attendnets_base.errors import BadInputError, InvalidModelError
from attendnets_base.fsutil import require_file

#: Calibration images for post-training quantization (and QAT's starting ranges).
DEFAULT_CALIBRATION_SAMPLES = 200
#: Class names, one per line, beside a model.
LABELS_FILE = "labels.txt"


# --- models ------------------------------------------------


def load_keras_model(path):
    """Load a float or QAT ``.keras`` model, or raise InvalidModelError (one line)."""
    path = require_file(path, "model")
    from attendnets_tf import qat

    try:
        model = qat.load_model(str(path))
    except Exception as exc:  # Keras raises many kinds for a broken / non-model file
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise InvalidModelError(f"{path} is not a readable Keras model: {reason[:200]}") from None
    check_image_classifier(model, path)
    return model


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
    from attendnets_base.labels import find_labels

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
    from attendnets_tf.data import load_data

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
