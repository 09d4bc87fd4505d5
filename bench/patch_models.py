"""The models of the patch-based execution goals (issue 18), built and converted to int8 (random weights:
memory and bit-exactness do not depend on training): AttendNet-B 96x96x3 (2 classes), the paper's
AttendNet-B 224x224x3 (50 classes), MobileNetV2 (width 1.0, 224x224x3; its feature extractor, average-pooled).

    PYTHONPATH=. .venv/bin/python bench/patch_models.py [OUT_DIR]   (default build/bench_patch)
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np


def models():
    from attendnets_tf._tf import tf
    from attendnets_tf.models import build_model

    keras = tf.keras
    keras.utils.set_random_seed(0)
    yield "attendnet_b_96", build_model("attendnet_b", input_shape=(96, 96, 3), num_classes=2), (96, 96, 3)
    keras.utils.set_random_seed(0)
    yield "attendnet_b_224_50", build_model("attendnet_b", input_shape=(224, 224, 3), num_classes=50), (224, 224, 3)
    keras.utils.set_random_seed(0)
    # without its classifier: with random weights its logits span ~1e-7, a SOFTMAX input scale TFLM refuses;
    # the memory is in the feature extractor (the first inverted residuals), which is kept whole
    yield "mobilenet_v2_224", keras.applications.MobileNetV2(input_shape=(224, 224, 3), alpha=1.0, weights=None,
                                                             include_top=False, pooling="avg"), (224, 224, 3)


def main(argv):
    from converter.conversion.convert import convert_keras_model

    out = Path(argv[1] if len(argv) > 1 else "build/bench_patch")
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for name, model, shape in models():
        path = out / f"{name}.tflite"
        if path.exists():
            continue
        data = convert_keras_model(model, rng.random((4, *shape), dtype=np.float32))
        path.write_bytes(data)
        print(f"{path}: {len(data)} B")


if __name__ == "__main__":
    main(sys.argv)
