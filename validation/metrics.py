"""The accuracy figures ``attendnets validate`` reports beside bit-exactness.

Classification (:func:`classification_report`), from the labels and the device's classes:
per-class accuracy (recall), the confusion matrix (rows: true class, columns: predicted)
and the misclassified inputs.

Against the float model (:func:`output_metrics`): the metrics ST Edge AI Core's ``validate``
reports per output ("Evaluation report and metrics" in its documentation), so the two tools
can be compared line by line.  For one output, P holds the predictions (the device's
outputs, dequantized) and R the reference (the float model's outputs) over the N inputs,
each flattened, and the error is e = P - R:

- ACC: classification accuracy (arg max of P against the labels; without labels, against
  the arg max of R), for outputs of more than one element;
- RMSE = sqrt(mean(e^2)); MAE = mean(|e|);
- L2r = ||e||_2 / ||R||_2, the L2 relative error;
- MEAN = mean(e) and STD = std(e), the error's arithmetic mean and standard deviation;
- NSE = 1 - sum(e^2) / sum((R - mean(R))^2), the Nash-Sutcliffe efficiency;
- COS = (P . R) / (||P||_2 ||R||_2), the cosine similarity.

A figure whose denominator is zero is None (said as "n/a").
"""

from __future__ import annotations

import math

import numpy as np

MAX_MISCLASSIFIED_LISTED = 50


def _ratio(num, den):
    return None if den == 0 else float(num / den)


def output_metrics(predicted, reference, labels=None) -> dict:
    """ST's metrics of one output: ``predicted``, ``reference`` (N, ...) floats; ``labels`` (N,) or None."""
    p = np.asarray(predicted, np.float64).reshape(len(predicted), -1)
    r = np.asarray(reference, np.float64).reshape(len(reference), -1)
    if p.shape != r.shape:
        raise ValueError(f"predicted {p.shape} and reference {r.shape} differ")
    e = (p - r).ravel()
    flat_p, flat_r = p.ravel(), r.ravel()
    doc = {
        "inputs": int(len(p)),
        "elements": int(p.shape[1]),
        "rmse": float(math.sqrt(np.mean(e * e))) if e.size else None,
        "mae": float(np.mean(np.abs(e))) if e.size else None,
        "l2r": _ratio(np.linalg.norm(e), np.linalg.norm(flat_r)),
        "mean": float(np.mean(e)) if e.size else None,
        "std": float(np.std(e)) if e.size else None,
        "nse": None if not e.size else (lambda den: None if den == 0 else float(1 - np.sum(e * e) / den))(
            float(np.sum((flat_r - flat_r.mean()) ** 2))),
        "cos": _ratio(float(flat_p @ flat_r), float(np.linalg.norm(flat_p) * np.linalg.norm(flat_r))),
        "acc": None,
        "acc_reference": None,
        "acc_against": None,
    }
    if p.shape[1] > 1 and len(p):
        pred_class, ref_class = p.argmax(axis=1), r.argmax(axis=1)
        if labels is not None:
            labels = np.asarray(labels).reshape(-1)
            doc["acc"] = float(np.mean(pred_class == labels))
            doc["acc_reference"] = float(np.mean(ref_class == labels))
            doc["acc_against"] = "labels"
        else:
            doc["acc"] = float(np.mean(pred_class == ref_class))
            doc["acc_against"] = "the float model's classes"
        doc["class_agreement"] = float(np.mean(pred_class == ref_class))
    return doc


def classification_report(true_classes, predicted_classes, class_names=(), input_names=()) -> dict | None:
    """Per-class accuracy, confusion matrix and misclassified inputs; None without labelled inputs.

    ``true_classes``/``predicted_classes``: per input, an int or None (not labelled / not a classifier).
    """
    pairs = [(i, t, p) for i, (t, p) in enumerate(zip(true_classes, predicted_classes))
             if t is not None and p is not None]
    if not pairs:
        return None
    n_classes = max(len(class_names), 1 + max(max(t, p) for _, t, p in pairs))
    matrix = [[0] * n_classes for _ in range(n_classes)]
    for _, t, p in pairs:
        matrix[t][p] += 1
    names = [class_names[c] if c < len(class_names) else str(c) for c in range(n_classes)]
    per_class = []
    for c in range(n_classes):
        total = sum(matrix[c])
        per_class.append({"class": c, "name": names[c], "inputs": total,
                          "correct": matrix[c][c], "accuracy": matrix[c][c] / total if total else None})
    wrong = [(i, t, p) for i, t, p in pairs if t != p]
    return {
        "classes": names,
        "per_class": per_class,
        "confusion_matrix": matrix,
        "misclassified_count": len(wrong),
        "misclassified": [{"input": i, "name": input_names[i] if i < len(input_names) else None,
                           "label": t, "label_name": names[t], "predicted": p, "predicted_name": names[p]}
                          for i, t, p in wrong[:MAX_MISCLASSIFIED_LISTED]],
    }
