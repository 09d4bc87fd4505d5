"""Image datasets for training, quantization and evaluation.

Two kinds of ``--data`` spec:

* ``digits``: scikit-learn's bundled 8x8 handwritten digits (1,797 images,
  10 classes; no download).  Values 0..16 are scaled to [0, 1], resized
  bilinearly to the model's input (NumPy, so evaluating a ``.tflite`` on digits
  does not need TensorFlow) and replicated to the model's channel count.
* a folder with one sub-folder per class holding jpg/jpeg/png/bmp/gif files
  (extensions case-insensitive; other files are ignored).  Images are read with
  ``tf.data`` (``tf.io.decode_image``, first frame of animated GIFs), converted
  to the requested channel count (RGB <-> grayscale, alpha dropped), resized
  (bilinear, antialiased) and scaled to [0, 1].  Files that cannot be decoded
  are skipped and counted in :attr:`DataSplits.skipped_images`; they never
  crash training because the whole set is decoded before training starts.

The split is stratified (per class: 70 % train, 15 % validation, 15 % test,
at least one test and one validation image for classes of 3 or more images).
The *test* images are chosen with a fixed seed (:data:`SPLIT_SEED`) and never
depend on ``seed``: a model trained with any ``--seed`` is evaluated on images
it has never seen.  ``seed`` only changes how the remaining images are divided
between train and validation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from attendnets_base.errors import BadInputError

DIGITS_SPEC = "digits"
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif")
SUPPORTED_CHANNELS = (1, 3)
TEST_FRACTION = 0.15
VAL_FRACTION = 0.15
SPLIT_SEED = 20201104  # fixed: the test split must not move with --seed
# The real range every image this module yields lies in (pixels / 255, digits / 16): the range an
# image input's quantization must cover, whatever the brightest calibration image happens to be.
IMAGE_RANGE = (0.0, 1.0)


@dataclass
class DataSplits:
    """A dataset divided into train/validation/test arrays.

    Images are float32 in [0, 1] with shape (N, H, W, C); labels are int64 (N,)
    indices into ``class_names``.
    """

    class_names: list[str]
    train: tuple[np.ndarray, np.ndarray]
    val: tuple[np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray]
    skipped_images: int  # unreadable/corrupt image files that were skipped
    skipped_files: tuple = ()  # their paths
    adapted: str = ""  # how many images were resized / recoloured to the model's input ('' if none)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return tuple(int(d) for d in self.train[0].shape[1:])


def load_data(spec: str, input_shape: tuple[int, int, int], seed: int = 0) -> DataSplits:
    """Load ``spec`` (``"digits"`` or a class-per-folder directory) as splits.

    Args:
      spec: ``"digits"`` or a path to a folder with one sub-folder per class.
      input_shape: (height, width, channels) of the model input; channels 1 or 3.
      seed: divides the non-test images between train and validation.

    Raises:
      BadInputError: bad shape, missing/empty folder, a class folder without a
        readable image, fewer than two classes, a file instead of a folder.
    """
    height, width, channels = _check_input_shape(input_shape)
    adapted, skipped_files = "", ()
    if str(spec) == DIGITS_SPEC:
        images, labels, class_names, skipped = _load_digits(height, width, channels)
    else:
        images, labels, class_names, skipped_files, adapted = _load_folder(Path(spec), height, width, channels)
        skipped = len(skipped_files)
    train_idx, val_idx, test_idx = stratified_split(labels, seed)
    return DataSplits(
        class_names=class_names,
        train=(images[train_idx], labels[train_idx]),
        val=(images[val_idx], labels[val_idx]),
        test=(images[test_idx], labels[test_idx]),
        skipped_images=skipped,
        skipped_files=tuple(skipped_files),
        adapted=adapted,
    )


def make_tf_dataset(x, y, batch_size, shuffle, seed, augment_shift=0):
    """A batched, prefetched ``tf.data.Dataset`` of (image, label).

    Args:
      x, y: arrays from :class:`DataSplits`.
      batch_size: images per batch (the last batch may be smaller).
      shuffle: reshuffle every epoch (seeded with ``seed``).
      seed: shuffle and augmentation seed.
      augment_shift: if > 0, shift each image by up to this many pixels in
        each direction (zero fill); deterministic for a given ``seed``.
    """
    from attendnets_tf._tf import tf

    if batch_size < 1:
        raise BadInputError(f"batch size must be a positive integer. Received: {batch_size}")
    ds = tf.data.Dataset.from_tensor_slices((np.asarray(x, np.float32), np.asarray(y, np.int64)))
    if shuffle:
        ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    if augment_shift > 0:
        shift = int(augment_shift)

        def random_shift(image, label, op_seed):
            padded = tf.pad(image, [[shift, shift], [shift, shift], [0, 0]])
            crop = tf.image.stateless_random_crop(padded, tf.shape(image), seed=op_seed)
            return tf.ensure_shape(crop, image.shape), label

        seeds = tf.data.Dataset.random(seed=seed).batch(2, drop_remainder=True)
        ds = tf.data.Dataset.zip((ds, seeds)).map(
            lambda xy, s: random_shift(xy[0], xy[1], s), num_parallel_calls=tf.data.AUTOTUNE
        )
    ds = ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)
    options = tf.data.Options()
    # In-memory arrays: shard by element across workers (MultiWorkerMirroredStrategy).
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    options.deterministic = True
    return ds.with_options(options)


def stratified_split(labels: np.ndarray, seed: int = 0):
    """Indices (train, val, test) of a per-class split; test fixed by SPLIT_SEED."""
    labels = np.asarray(labels)
    test_rng = np.random.default_rng(SPLIT_SEED)
    val_rng = np.random.default_rng(int(seed))
    train_idx, val_idx, test_idx = [], [], []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        n = len(members)
        n_test = int(round(n * TEST_FRACTION))
        n_val = int(round(n * VAL_FRACTION))
        if n >= 3:
            n_test, n_val = max(1, n_test), max(1, n_val)
        else:
            n_test, n_val = 0, 0
        order = test_rng.permutation(members)
        test_idx.append(order[:n_test])
        rest = val_rng.permutation(order[n_test:])
        val_idx.append(rest[:n_val])
        train_idx.append(rest[n_val:])
    as_sorted = lambda parts: np.sort(np.concatenate(parts)).astype(np.int64)  # noqa: E731
    return as_sorted(train_idx), as_sorted(val_idx), as_sorted(test_idx)


def resize_bilinear(images: np.ndarray, height: int, width: int) -> np.ndarray:
    """Bilinear resize of (N, h, w) images with half-pixel centres.

    Same sampling as ``tf.image.resize(..., "bilinear", antialias=False)``.
    """
    images = np.asarray(images, np.float32)
    in_h, in_w = images.shape[1:3]

    def axis_weights(n_out, n_in):
        pos = (np.arange(n_out, dtype=np.float64) + 0.5) * (n_in / n_out) - 0.5
        pos = np.clip(pos, 0.0, n_in - 1)
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, n_in - 1)
        frac = (pos - lo).astype(np.float32)
        return lo, hi, frac

    y0, y1, fy = axis_weights(height, in_h)
    x0, x1, fx = axis_weights(width, in_w)
    rows = images[:, y0, :] * (1 - fy)[None, :, None] + images[:, y1, :] * fy[None, :, None]
    out = rows[:, :, x0] * (1 - fx)[None, None, :] + rows[:, :, x1] * fx[None, None, :]
    return out.astype(np.float32)


def _check_input_shape(input_shape):
    try:
        height, width, channels = (int(d) for d in input_shape)
    except (TypeError, ValueError):
        raise BadInputError(f"input shape must be (height, width, channels). Received: {input_shape!r}")
    if height < 1 or width < 1:
        raise BadInputError(f"input height and width must be positive. Received: {input_shape!r}")
    if channels not in SUPPORTED_CHANNELS and height in SUPPORTED_CHANNELS:
        raise BadInputError(
            f"the model's input is {height}x{width}x{channels} per image, which looks channels-first (NCHW: "
            f"{height} channels of {width}x{channels}); image data here is channels-last (height, width, "
            "channels with 1 or 3 channels): convert the model to NHWC")
    if channels not in SUPPORTED_CHANNELS:
        raise BadInputError(
            f"images can be converted to 1 (grayscale) or 3 (RGB) channels, not {channels}"
        )
    return height, width, channels


def _load_digits(height, width, channels):
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = digits.images.astype(np.float32) / 16.0
    if (height, width) != images.shape[1:3]:
        images = resize_bilinear(images, height, width)
    images = np.clip(images, 0.0, 1.0)
    images = np.repeat(images[..., None], channels, axis=-1)
    labels = digits.target.astype(np.int64)
    class_names = [str(name) for name in digits.target_names]
    return images, labels, class_names, 0


def _list_class_folders(root: Path):
    if not root.exists():
        raise BadInputError(f"data folder not found: {root}")
    if not root.is_dir():
        raise BadInputError(
            f"data path is a file, not a folder of class sub-folders (or 'digits'): {root}"
        )
    class_dirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not class_dirs:
        raise BadInputError(f"data folder has no class sub-folders: {root}")
    if len(class_dirs) < 2:
        raise BadInputError(
            f"data folder has a single class ({class_dirs[0].name}); at least two are needed: {root}"
        )
    files_per_class = []
    for class_dir in class_dirs:
        files = sorted(
            p for p in class_dir.rglob("*")
            if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS and not p.name.startswith(".")
        )
        if not files:
            raise BadInputError(
                f"class folder '{class_dir.name}' has no images ({', '.join(IMAGE_EXTENSIONS)}): {class_dir}"
            )
        files_per_class.append(files)
    return [p.name for p in class_dirs], files_per_class


def check_data_spec(spec: str) -> None:
    """Fast structural check of a ``--data`` spec (no image is decoded, no TensorFlow).

    Raises BadInputError for the errors :func:`load_data` would find in the
    folder layout (missing, a file, empty, a single class, a class without image files).
    """
    if str(spec) != DIGITS_SPEC:
        _list_class_folders(Path(spec))


def _load_folder(root: Path, height, width, channels):
    class_names, files_per_class = _list_class_folders(root)  # before the slow TF import

    from attendnets_tf._tf import tf

    paths = [str(p) for files in files_per_class for p in files]
    labels = np.concatenate(
        [np.full(len(files), i, np.int64) for i, files in enumerate(files_per_class)]
    )

    def read(index, path):
        image = tf.io.decode_image(
            tf.io.read_file(path), channels=0, dtype=tf.float32, expand_animations=False
        )
        original_shape = tf.shape(image)
        image = _to_channels(tf, image, channels)
        image = tf.image.resize(image, (height, width), method="bilinear", antialias=True)
        image = tf.clip_by_value(image, 0.0, 1.0)
        return index, tf.ensure_shape(image, (height, width, channels)), original_shape

    ds = tf.data.Dataset.from_tensor_slices((np.arange(len(paths), dtype=np.int64), paths))
    ds = ds.map(read, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    ds = ds.ignore_errors(log_warning=False).batch(256)
    images = np.zeros((len(paths), height, width, channels), np.float32)
    readable = np.zeros(len(paths), bool)
    shapes = np.zeros((len(paths), 3), np.int64)
    for index_batch, image_batch, shape_batch in ds.as_numpy_iterator():
        images[index_batch] = image_batch
        shapes[index_batch] = shape_batch
        readable[index_batch] = True

    for i, name in enumerate(class_names):
        if not readable[labels == i].any():
            raise BadInputError(f"class folder '{name}' has no readable images: {root / name}")
    skipped_files = [p for p, ok in zip(paths, readable) if not ok]
    adapted = _adaptation_note(shapes[readable], height, width, channels)
    return images[readable], labels[readable], class_names, skipped_files, adapted


def _adaptation_note(shapes, height, width, channels) -> str:
    """'' when every image already has the model's size and channels, else what was changed."""
    colour = {1: "grey", 2: "grey+alpha", 3: "RGB", 4: "RGBA"}
    resized = (shapes[:, 0] != height) | (shapes[:, 1] != width)
    recoloured = np.minimum(shapes[:, 2], 3) != np.where(channels == 1, 1, 3)
    recoloured &= ~((shapes[:, 2] == 2) & (channels == 1))  # grey+alpha -> grey: alpha dropped only
    if not (resized.any() or recoloured.any()):
        return ""
    parts = []
    if resized.any():
        sizes = {}
        for h, w in shapes[resized][:, :2]:
            sizes[f"{h}x{w}"] = sizes.get(f"{h}x{w}", 0) + 1
        common = ", ".join(f"{n} of {s}" for s, n in sorted(sizes.items(), key=lambda kv: -kv[1])[:3])
        parts.append(f"{int(resized.sum())} image(s) resized to {height}x{width} ({common})")
    if recoloured.any():
        kinds = {}
        for c in shapes[recoloured][:, 2]:
            kinds[colour.get(int(c), f"{c}-channel")] = kinds.get(colour.get(int(c), f"{c}-channel"), 0) + 1
        listed = ", ".join(f"{n} {k}" for k, n in kinds.items())
        parts.append(f"{int(recoloured.sum())} converted to {'grey' if channels == 1 else 'RGB'} ({listed})")
    return (f"the images are not what the model takes ({height}x{width}x{channels}): " + "; ".join(parts)
            + ": check that --data is the data set this model is meant for")


def _to_channels(tf, image, channels):
    """(h, w, 1|2|3|4) float image -> (h, w, channels); alpha dropped."""
    have = tf.shape(image)[-1]
    gray = image[..., :1]
    if channels == 1:
        return tf.cond(
            have >= 3, lambda: tf.image.rgb_to_grayscale(image[..., :3]), lambda: gray
        )
    return tf.cond(
        have >= 3,
        lambda: image[..., :3],
        lambda: tf.tile(gray, [1, 1, 3]),
    )


def describe(splits: DataSplits) -> str:
    """One line: classes and split sizes (for logs)."""
    return (
        f"{splits.num_classes} classes, {len(splits.train[1])} train / {len(splits.val[1])} val / "
        f"{len(splits.test[1])} test images of {'x'.join(map(str, splits.input_shape))}"
        + (f", {splits.skipped_images} unreadable image(s) skipped ({_names(splits.skipped_files)})"
           if splits.skipped_images else "")
    )


def _names(paths, limit=5):
    shown = ", ".join(str(p) for p in paths[:limit])
    return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "")


def data_warnings(splits: DataSplits) -> list[str]:
    """Lines every command that reads --data prints: images changed to fit the model."""
    return [f"warning: {splits.adapted}"] if splits.adapted else []


__all__ = [
    "DataSplits",
    "load_data",
    "check_data_spec",
    "make_tf_dataset",
    "stratified_split",
    "resize_bilinear",
    "describe",
    "DIGITS_SPEC",
]
