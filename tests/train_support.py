"""Helpers for the data/train tests: tiny image folders and a tiny stand-in model."""

from pathlib import Path

import numpy as np


def make_image_folder(root, classes=("circle", "square", "stripes"), per_class=5, size=(20, 24),
                      corrupt=True, seed=0):
    """A class-per-folder data set of small, learnable images in several formats.

    Each class has its own pattern (so a model can learn it), saved as png,
    JPG, bmp and gif in grayscale, RGB, RGBA and gray+alpha; with ``corrupt``
    the first class also gets an unreadable ``broken.jpg`` and every class a
    ``notes.txt`` that must be ignored.
    """
    from PIL import Image

    rng = np.random.default_rng(seed)
    root = Path(root)
    h, w = size
    yy, xx = np.mgrid[0:h, 0:w]
    patterns = {
        0: ((yy - h / 2) ** 2 + (xx - w / 2) ** 2 < (min(h, w) / 3) ** 2),
        1: (abs(yy - h / 2) < h / 4) & (abs(xx - w / 2) < w / 4),
        2: (xx // 3) % 2 == 0,
        3: (yy // 3) % 2 == 0,
    }
    formats = [("png", "L"), ("JPG", "RGB"), ("bmp", "RGB"), ("png", "RGBA"), ("gif", "RGB"), ("png", "LA")]
    for ci, name in enumerate(classes):
        folder = root / name
        folder.mkdir(parents=True)
        base = patterns[ci % len(patterns)].astype(np.float32)
        for i in range(per_class):
            ext, mode = formats[i % len(formats)]
            gray = np.clip(base * 0.8 + rng.random((h, w)) * 0.2, 0, 1)
            pixels = (gray * 255).astype(np.uint8)
            if mode == "RGB":
                arr = np.stack([pixels] * 3, -1)
            elif mode == "RGBA":
                arr = np.stack([pixels] * 3 + [np.full_like(pixels, 255)], -1)
            elif mode == "LA":
                arr = np.stack([pixels, np.full_like(pixels, 255)], -1)
            else:
                arr = pixels
            Image.fromarray(arr, mode).save(folder / f"img{i}.{ext}")
        (folder / "notes.txt").write_text("not an image\n")
    if corrupt:
        (root / classes[0] / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not a jpeg")
    return root


def tiny_builder(arch, input_shape, num_classes, width):
    """A small stand-in for attendnets_tf.models.build_model (fast to train), with batch norm."""
    from attendnets_tf._tf import keras

    inputs = keras.Input(input_shape)
    x = keras.layers.Conv2D(max(4, int(8 * width)), 3, strides=2, padding="same", use_bias=False)(inputs)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name=f"tiny_{arch}")
