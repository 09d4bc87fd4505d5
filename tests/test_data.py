"""attendnets_tf.data: digits and class-per-folder loading, the split, tf.data pipeline."""

import numpy as np
import pytest

from attendnets_base.errors import BadInputError
from attendnets_tf.data import load_data, make_tf_dataset, resize_bilinear, stratified_split
from train_support import make_image_folder


@pytest.fixture(scope="module")
def digits32():
    return load_data("digits", (32, 32, 1))


def test_digits_shapes_types_and_sizes(digits32):
    d = digits32
    assert d.class_names == [str(i) for i in range(10)]
    assert d.skipped_images == 0
    sizes = [len(split[1]) for split in (d.train, d.val, d.test)]
    assert sum(sizes) == 1797
    assert 0.68 < sizes[0] / 1797 < 0.72 and 0.13 < sizes[2] / 1797 < 0.17
    for x, y in (d.train, d.val, d.test):
        assert x.dtype == np.float32 and x.shape[1:] == (32, 32, 1)
        assert y.dtype == np.int64 and y.shape == (len(x),)
        assert 0.0 <= x.min() and x.max() <= 1.0
    assert d.train[0].max() == pytest.approx(1.0)


def test_digits_split_is_stratified_and_disjoint(digits32):
    from sklearn.datasets import load_digits

    target = load_digits().target
    train_idx, val_idx, test_idx = stratified_split(target, seed=0)
    assert len(set(train_idx) | set(val_idx) | set(test_idx)) == len(target)
    assert not (set(train_idx) & set(test_idx)) and not (set(val_idx) & set(test_idx))
    for c in range(10):
        n = int((target == c).sum())
        n_test = int((target[test_idx] == c).sum())
        n_val = int((target[val_idx] == c).sum())
        assert abs(n_test - 0.15 * n) <= 1 and abs(n_val - 0.15 * n) <= 1
    np.testing.assert_array_equal(np.bincount(digits32.test[1]), np.bincount(target[test_idx]))


def test_digits_test_split_fixed_and_seed_moves_only_train_val(digits32):
    again = load_data("digits", (32, 32, 1))
    other_seed = load_data("digits", (32, 32, 1), seed=7)
    for a, b in ((digits32.train, again.train), (digits32.test, again.test)):
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
    np.testing.assert_array_equal(digits32.test[0], other_seed.test[0])  # independent of seed
    assert not np.array_equal(digits32.val[0], other_seed.val[0])


def test_digits_channels_replicated_and_native_size():
    rgb = load_data("digits", (16, 16, 3))
    x = rgb.train[0]
    assert x.shape[1:] == (16, 16, 3)
    np.testing.assert_array_equal(x[..., 0], x[..., 1])
    np.testing.assert_array_equal(x[..., 0], x[..., 2])
    native = load_data("digits", (8, 8, 1))
    from sklearn.datasets import load_digits

    raw = load_digits()
    _, _, test_idx = stratified_split(raw.target)
    np.testing.assert_allclose(native.test[0][..., 0], raw.images[test_idx] / 16.0, atol=1e-6)


def test_resize_bilinear_matches_tensorflow():
    from attendnets_tf._tf import tf

    images = np.random.default_rng(0).random((3, 8, 8)).astype(np.float32)
    for h, w in ((32, 32), (13, 21), (5, 4)):
        expected = tf.image.resize(images[..., None], (h, w), method="bilinear").numpy()[..., 0]
        np.testing.assert_allclose(resize_bilinear(images, h, w), expected, atol=1e-5)


def test_folder_formats_channels_and_corrupt_file(tmp_path):
    root = make_image_folder(tmp_path / "data", per_class=6)
    gray = load_data(str(root), (12, 12, 1))
    assert gray.class_names == ["circle", "square", "stripes"]
    assert gray.skipped_images == 1  # broken.jpg; notes.txt is not an image file
    total = sum(len(s[1]) for s in (gray.train, gray.val, gray.test))
    assert total == 18
    for x, y in (gray.train, gray.val, gray.test):
        assert x.shape[1:] == (12, 12, 1) and x.dtype == np.float32 and y.dtype == np.int64
        assert 0.0 <= x.min() and x.max() <= 1.0
        assert set(np.unique(y)) == {0, 1, 2}  # every class in every split
    rgb = load_data(str(root), (12, 12, 3), seed=3)
    assert rgb.train[0].shape[1:] == (12, 12, 3)
    np.testing.assert_allclose(rgb.test[0][..., 0], rgb.test[0][..., 2], atol=1e-6)  # gray sources
    np.testing.assert_array_equal(rgb.test[1], gray.test[1])


def test_folder_color_conversion(tmp_path):
    from PIL import Image

    for name, color in (("red", (255, 0, 0)), ("blue", (0, 0, 255))):
        (tmp_path / name).mkdir()
        for i in range(3):
            Image.new("RGB", (10, 10), color).save(tmp_path / name / f"{i}.png")
    gray = load_data(str(tmp_path), (4, 4, 1))
    values = {gray.class_names[int(y)]: float(x.mean()) for x, y in zip(*gray.train)}
    assert values["red"] == pytest.approx(0.2989, abs=0.005)  # ITU-R 601 luma of pure red
    assert values["blue"] == pytest.approx(0.1140, abs=0.005)
    rgb = load_data(str(tmp_path), (4, 4, 3))
    red = rgb.train[0][rgb.train[1] == rgb.class_names.index("red")][0]
    np.testing.assert_allclose(red[0, 0], [1.0, 0.0, 0.0], atol=1e-6)


@pytest.mark.parametrize(
    "case, message",
    [
        ("missing", "not found"),
        ("file", "is a file"),
        ("empty", "no class sub-folders"),
        ("single_class", "single class"),
        ("class_without_images", "has no images"),
        ("class_only_corrupt", "no readable images"),
    ],
)
def test_folder_errors(tmp_path, case, message):
    root = tmp_path / "data"
    if case == "file":
        root.write_text("x")
    elif case == "empty":
        root.mkdir()
    elif case == "single_class":
        make_image_folder(root, classes=("only",), corrupt=False)
    elif case == "class_without_images":
        make_image_folder(root, classes=("a", "b"), corrupt=False)
        (root / "c").mkdir()
        (root / "c" / "readme.txt").write_text("x")
    elif case == "class_only_corrupt":
        make_image_folder(root, classes=("a", "b"), corrupt=False)
        (root / "c").mkdir()
        (root / "c" / "x.png").write_bytes(b"\x89PNG garbage")
    with pytest.raises(BadInputError, match=message):
        load_data(str(root), (8, 8, 3))


@pytest.mark.parametrize("shape", [(8, 8, 2), (8, 8, 4), (0, 8, 1), (8, 8)])
def test_bad_input_shape(shape):
    with pytest.raises(BadInputError):
        load_data("digits", shape)


def test_make_tf_dataset_batches_seeded_shuffle_and_shift_augmentation():
    rng = np.random.default_rng(0)
    x = np.zeros((10, 9, 9, 1), np.float32)
    x[:, 3:6, 3:6, 0] = rng.random((10, 3, 3)) + 0.1  # content away from the border
    y = np.arange(10, dtype=np.int64)
    plain = list(make_tf_dataset(x, y, 4, shuffle=False, seed=0).as_numpy_iterator())
    assert [len(b[1]) for b in plain] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([b[1] for b in plain]), y)

    def order(seed):
        return np.concatenate([b[1] for b in make_tf_dataset(x, y, 4, True, seed).as_numpy_iterator()])

    assert sorted(order(1)) == list(y)
    np.testing.assert_array_equal(order(1), order(1))
    assert not np.array_equal(order(1), order(2))

    aug = list(make_tf_dataset(x, y, 10, shuffle=False, seed=0, augment_shift=2).as_numpy_iterator())
    images, labels = aug[0]
    shifted = 0
    for image, label in zip(images, labels):
        source = x[label]
        matches = [
            (dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)
            if np.array_equal(image, np.roll(source, (dy, dx), axis=(0, 1)))
        ]
        assert matches, "augmented image is not a shift of its source within 2 pixels"
        shifted += matches[0] != (0, 0)
    assert shifted >= 5
    again = list(make_tf_dataset(x, y, 10, shuffle=False, seed=0, augment_shift=2).as_numpy_iterator())
    np.testing.assert_array_equal(again[0][0], images)
