"""``attendnets quantize``: a float ``.keras`` model -> a QAT fine-tuned ``.keras`` model.

The driver of quantization-aware training: loads the model and matching data
(:mod:`attendnets_tf.loading`), calibrates the starting ranges with the rule
post-training quantization uses, fine-tunes (:mod:`attendnets_tf.qat`) and
writes the result with its labels.
"""

from __future__ import annotations

from pathlib import Path
import zipfile

from attendnets_base.errors import BadInputError
from attendnets_base.fsutil import atomic_output_file, check_output_file, write_text_atomic
from attendnets_base.labels import holds_labels_of, labels_path_for, labels_text
from attendnets_tf.loading import (
    DEFAULT_CALIBRATION_SAMPLES,
    calibration_images,
    load_keras_model,
    load_matching_data,
    model_input_shape,
    model_num_classes,
    read_labels,
)
from attendnets_tf.qat import DISTILL_TEMPERATURE, DISTILL_WEIGHT, fine_tune, is_qat_model, quantize_model
from attendnets_tf.data import data_warnings, describe


def is_qat_model_file(path) -> bool:
    """True if ``path`` is a .keras archive of a quantization-aware model (what quantize writes),
    told from its config.json alone (no TensorFlow)."""
    try:
        with zipfile.ZipFile(path) as archive:
            config = archive.read("config.json").decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False
    return '"QuantizeWrapper' in config or '"QuantizeLayer' in config


def quantize_file(model_path, data_spec, out_path, epochs=3, lr=1e-4, batch_size=64, seed=0, log=print,
                  distill_weight=DISTILL_WEIGHT, temperature=DISTILL_TEMPERATURE, overwrite=False):
    """Write a QAT fine-tuned copy of the float model ``model_path`` to ``out_path`` (.keras).

    Returns a dict with the QAT model's validation and test accuracy
    (fake-quant, Keras; the int8 figures come from ``attendnets evaluate``).
    """
    model_path, out_path = Path(model_path), Path(out_path)
    if out_path.suffix != ".keras":
        raise BadInputError(f"--out must be a .keras file; got {out_path}")
    inputs = [(model_path, "the float model")]
    check_output_file(out_path, "--out", inputs, overwrite, is_qat_model_file)
    check_output_file(labels_path_for(out_path), "--out's labels file", inputs, overwrite,
                      lambda p: is_qat_model_file(out_path) or holds_labels_of(p, model_path))
    model = load_keras_model(model_path, keras2_only="quantization-aware training (tfmot)")

    if is_qat_model(model):
        raise BadInputError(f"{model_path} is already a quantization-aware model")
    labels = read_labels(model_path)
    input_shape = model_input_shape(model)
    splits = load_matching_data(data_spec, input_shape, model_num_classes(model), labels, seed=seed)

    log(f"data: {describe(splits)}")
    for line in data_warnings(splits):
        log(line)
    labels = labels or list(splits.class_names)

    log(f"quantize: {model_path} -> {out_path}: unfolding condensers, annotating, fine-tuning {epochs} epoch(s)")
    # The ranges start where post-training quantization puts them: the same rule picks the
    # calibration images (`attendnets convert`), so epoch 0 is the PTQ model in fake-quant form.
    calibration = calibration_images(splits.train[0], DEFAULT_CALIBRATION_SAMPLES)
    qat_model = quantize_model(model, calibration_images=calibration)
    shift = max(1, input_shape[0] // 16) if input_shape[0] >= 16 else 0
    fine_tune(qat_model, splits.train, splits.val, epochs=epochs, lr=lr, batch_size=batch_size,
              seed=seed, augment_shift=shift, verbose=1, teacher=model, distill_weight=distill_weight,
              temperature=temperature)
    result = {}
    for split in ("val", "test"):
        x, y = getattr(splits, split)
        if len(y):
            result[f"{split}_accuracy"] = float(qat_model.evaluate(x, y, batch_size=256, verbose=0)[1])
    with atomic_output_file(out_path) as tmp:
        qat_model.save(str(tmp))
    write_text_atomic(labels_path_for(out_path), labels_text(labels))  # the labels travel with the model
    log("quantize: QAT model (fake-quant) " + ", ".join(f"{k} {v:.4f}" for k, v in result.items())
        + f"; wrote {out_path}, {labels_path_for(out_path).name}")
    return result
