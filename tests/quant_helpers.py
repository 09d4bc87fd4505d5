"""Small models and datasets for the quantize / convert / evaluate tests (made by the tests)."""

from pathlib import Path

import numpy as np

CLASS_NAMES = ("circle", "cross", "stripes")
IMAGE_SIZE = 14


def tiny_condenser_model(input_shape=(IMAGE_SIZE, IMAGE_SIZE, 1), num_classes=3, seed=0):
    """A float model with both condenser kinds, one of them on an odd (7x7) map so its chain has a crop."""
    from attendnets_tf._tf import keras
    from attendnets_tf.layers import AttentionCondenser, VisualAttentionCondenser

    keras.utils.set_random_seed(seed)
    layers = keras.layers
    inputs = keras.Input(input_shape, name="input")
    x = layers.Conv2D(8, 3, strides=2, padding="same", use_bias=False, name="stem")(inputs)  # 7x7
    x = layers.BatchNormalization(momentum=0.5, name="stem_bn")(x)
    x = layers.ReLU(6.0, name="stem_relu")(x)
    x = VisualAttentionCondenser(reduction_ratio=2, name="vac")(x)  # pool 7 -> 4, upsample 8, crop to 7
    x = layers.Conv2D(12, 1, use_bias=False, name="expand")(x)
    x = layers.BatchNormalization(momentum=0.5, name="expand_bn")(x)
    x = layers.ReLU(6.0, name="expand_relu")(x)
    x = AttentionCondenser(reduction_ratio=4, name="ac")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    x = layers.Dense(num_classes, name="logits")(x)
    outputs = layers.Softmax(name="predictions")(x)
    return keras.Model(inputs, outputs, name="tiny_condensers")


def class_image(label, rng, size=IMAGE_SIZE):
    """A noisy grayscale image (uint8) whose pattern depends on ``label``."""
    yy, xx = np.mgrid[0:size, 0:size]
    c = (size - 1) / 2 + rng.uniform(-1.5, 1.5, size=2)
    if label % 3 == 0:
        img = (np.hypot(yy - c[0], xx - c[1]) < size / 3).astype(float)
    elif label % 3 == 1:
        img = ((np.abs(yy - c[0]) < 1.5) | (np.abs(xx - c[1]) < 1.5)).astype(float)
    else:
        img = ((xx + int(c[1])) % 4 < 2).astype(float)
    img = 0.8 * img + 0.2 * rng.random((size, size))
    return (255 * np.clip(img, 0, 1)).astype(np.uint8)


def make_image_folder(root, class_names=CLASS_NAMES, per_class=8, size=IMAGE_SIZE, seed=0):
    """A class-per-folder PNG dataset under ``root``; returns ``root``."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    root = Path(root)
    for label, name in enumerate(class_names):
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            Image.fromarray(class_image(label, rng, size), mode="L").save(folder / f"{i}.png")
    return root


def save_run(run_dir, model, class_names=CLASS_NAMES):
    """A training run folder as `attendnets train` leaves it: model.keras + labels.txt."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    model.save(str(run_dir / "model.keras"))
    (run_dir / "labels.txt").write_text("".join(f"{n}\n" for n in class_names))
    return run_dir / "model.keras"
