"""Class names travel with the model they belong to.

A model's labels live in a sidecar named after it: ``model.tflite`` ->
``model.labels.txt``, ``qat.keras`` -> ``qat.labels.txt`` (one class per line,
in output order).  ``convert`` and ``quantize`` write it, ``generate``,
``evaluate``, ``convert`` and ``quantize`` read it, so two models converted into
one folder never share (and silently swap) class names.

A training run folder's ``labels.txt`` (``attendnets train`` writes it for the
run's ``model.keras``) is the fallback for a model without a sidecar of its own;
nothing writes it for any other model.
"""

from __future__ import annotations

from pathlib import Path

from attendnets_base.errors import BadInputError

LABELS_SUFFIX = ".labels.txt"
RUN_LABELS_FILE = "labels.txt"


def labels_path_for(model_path) -> Path:
    """The labels sidecar of a model: ``dir/NAME.tflite`` -> ``dir/NAME.labels.txt``."""
    path = Path(model_path)
    return path.with_name(path.stem + LABELS_SUFFIX)


def read_labels_file(path) -> list[str]:
    """Class names from a labels file (one per line, blank lines ignored); BadInputError if unusable."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInputError(f"labels file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"cannot read labels {path}: {exc}") from None
    labels = [line.strip() for line in text.splitlines() if line.strip()]
    if not labels:
        raise BadInputError(f"labels file {path} is empty")
    return labels


def find_labels(model_path):
    """``(labels, path)`` for a model: its own sidecar, else the run folder's labels.txt; ``(None, None)``."""
    model_path = Path(model_path)
    for candidate in (labels_path_for(model_path), model_path.parent / RUN_LABELS_FILE):
        if candidate.is_file():
            return read_labels_file(candidate), candidate
    return None, None


def labels_text(labels) -> str:
    return "".join(f"{name}\n" for name in labels)


def holds_labels_of(path, model_path) -> bool:
    """True if ``path`` holds exactly the class names of ``model_path`` (what a command writes beside
    its output, from that model): replacing it loses nothing (the output-file rule of fsutil)."""
    try:
        labels = find_labels(model_path)[0]
        return labels is not None and read_labels_file(path) == labels
    except BadInputError:
        return False
