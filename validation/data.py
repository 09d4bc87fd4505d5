"""Inputs for ``attendnets validate --data``, quantized to the model's input (no TensorFlow).

* ``digits``: scikit-learn's bundled 8x8 handwritten digits (1,797 images, labels 0-9) in a fixed
  shuffled order (seed 0, so the first N cover every class), values 0..16 scaled to [0, 1], resized
  bilinearly (half-pixel centres, as attendnets_tf.data does) to the input's H x W, repeated to its
  channels, then mapped to the input's pixel range and quantized (codegen.sample);
* a folder: one sub-folder per class (sorted names are the labels), images read by Pillow as
  codegen.sample reads the ``--sample`` of ``generate``; unreadable images are skipped and counted
  (:attr:`InputSet.skipped_files`), as train, convert and evaluate do;
* ``inputs.npy``: N inputs, each of the input's shape or flat (floats are quantized, integers taken
  as already quantized); ``.npz``: arrays ``x`` and optionally ``y`` (labels);
* ``random``: uniformly random values over the input type (seeded), no labels.

A model with several inputs (:func:`load_model_inputs`) takes ``random`` (input k seeded with k)
or an ``.npz`` with one array per input, ``x0`` .. ``x<K-1>`` (N inputs each), and ``y``
optionally; images and ``.npy`` files feed one input only.

A labelled set must match the model (:func:`check_matches_model`): as many classes as a
classifier's output has scores, every label one of them, so that accuracy means something.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from attendnets_base.errors import BadInputError
from codegen.context import INTEGER_RANGES
from codegen.sample import PIXEL_RANGES, choose_pixel_range, quantize
from codegen.sample import load_image
from codegen.sample import quantize

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
DIGITS_ORDER_SEED = 0


@dataclass
class InputSet:
    inputs: np.ndarray  # (N, elements) of input 0's dtype
    labels: np.ndarray | None  # (N,) int class indices, or None
    class_names: list
    source: str
    more_inputs: tuple = ()  # a model with several inputs: (N, elements) of input 1, 2, ...
    skipped_files: tuple = ()  # unreadable images of a folder, left out
    names: tuple = ()  # per input, where it came from (an image's path in a folder), when known

    def sample(self, index: int) -> list:
        """Every input tensor of sample ``index`` (flat arrays, input 0 first)."""
        return [self.inputs[index], *(x[index] for x in self.more_inputs)]


def resize_bilinear(images: np.ndarray, height: int, width: int) -> np.ndarray:
    """Bilinear resize of (N, h, w) images with half-pixel centres (tf.image.resize bilinear, no antialias)."""
    images = np.asarray(images, np.float32)
    in_h, in_w = images.shape[1:3]

    def axis_weights(n_out, n_in):
        pos = np.clip((np.arange(n_out, dtype=np.float64) + 0.5) * (n_in / n_out) - 0.5, 0.0, n_in - 1)
        lo = np.floor(pos).astype(np.int64)
        return lo, np.minimum(lo + 1, n_in - 1), (pos - lo).astype(np.float32)

    y0, y1, fy = axis_weights(height, in_h)
    x0, x1, fx = axis_weights(width, in_w)
    rows = images[:, y0, :] * (1 - fy)[None, :, None] + images[:, y1, :] * fy[None, :, None]
    return (rows[:, :, x0] * (1 - fx)[None, None, :] + rows[:, :, x1] * fx[None, None, :]).astype(np.float32)


def _image_shape(info):
    shape = info["shape"]
    if len(shape) != 4 or shape[0] != 1 or shape[3] not in (1, 3):
        raise BadInputError(f"image data needs an input of shape [1, H, W, 1 or 3]; input 0 is {shape}: "
                            "give an inputs.npy")
    return shape[1], shape[2], shape[3]


def _quantize_real01(images01, info):
    a, b = PIXEL_RANGES[choose_pixel_range(info)]
    return quantize(a + images01.reshape(len(images01), -1) * (b - a), info)


def load_digits_set(info, count=None) -> InputSet:
    try:
        from sklearn.datasets import load_digits
    except ImportError:  # pragma: no cover - a dependency
        raise BadInputError("--data digits needs scikit-learn (pip install scikit-learn)") from None
    height, width, channels = _image_shape(info)
    digits = load_digits()
    order = np.random.default_rng(DIGITS_ORDER_SEED).permutation(len(digits.target))
    if count is not None:
        order = order[:count]
    images = digits.images[order].astype(np.float32) / 16.0
    if (height, width) != images.shape[1:3]:
        images = resize_bilinear(images, height, width)
    images = np.repeat(np.clip(images, 0.0, 1.0)[..., None], channels, axis=-1)
    return InputSet(_quantize_real01(images, info), digits.target[order].astype(np.int64),
                    [str(n) for n in digits.target_names], "digits (scikit-learn, 8x8, shuffled with seed 0)")


def load_folder_set(root: Path, info, count=None) -> InputSet:
    _image_shape(info)
    class_dirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not class_dirs:
        raise BadInputError(f"data folder {root} has no class sub-folders")
    files = [(i, f) for i, d in enumerate(class_dirs)
             for f in sorted(d.rglob("*")) if f.is_file() and f.suffix.lower() in IMAGE_EXTENSIONS]
    if not files:
        raise BadInputError(f"data folder {root} has no images ({', '.join(IMAGE_EXTENSIONS)})")
    if count is not None:  # every class, round-robin, so a short run still sees them all
        per_class = [[f for f in files if f[0] == i] for i in range(len(class_dirs))]
        files = [c[k] for k in range(max(map(len, per_class))) for c in per_class if k < len(c)][:count]
    inputs, labels, skipped, names = [], [], [], []
    for label, f in files:
        try:
            inputs.append(load_image(f, info)[0])
            labels.append(label)
            names.append(str(f.relative_to(root)))
        except BadInputError:  # unreadable or corrupt: counted, not fatal (as train/convert/evaluate)
            skipped.append(f)
    if not inputs:
        raise BadInputError(f"data folder {root}: none of its {len(files)} image(s) could be read")
    note = f", {len(skipped)} unreadable image(s) skipped" if skipped else ""
    return InputSet(np.stack(inputs), np.array(labels, np.int64), [d.name for d in class_dirs],
                    f"folder {root} ({len(class_dirs)} classes{note})",
                    skipped_files=tuple(str(f) for f in skipped), names=tuple(names))


def _as_inputs(array, info, name):
    n_elem = info["num_elements"]
    if array.ndim == 0 or array.size % n_elem != 0 or (array.ndim > 1 and array[0].size != n_elem):
        raise BadInputError(f"{name} has shape {list(array.shape)}; expected N inputs of {info['shape']}")
    flat = array.reshape(-1, n_elem)
    if np.issubdtype(flat.dtype, np.floating):
        return flat.astype(np.float32) if info["dtype"] == "float32" else quantize(flat, info)
    if np.issubdtype(flat.dtype, np.integer):
        lo, hi = INTEGER_RANGES.get(info["dtype"], (None, None))
        if lo is not None and flat.size and (flat.min() < lo or flat.max() > hi):
            raise BadInputError(f"{name} has values outside {info['dtype']} [{lo}, {hi}]")
        return flat
    raise BadInputError(f"{name} has dtype {flat.dtype}; expected floats or integers")


def load_array_set(path: Path, info, count=None) -> InputSet:
    try:
        loaded = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise BadInputError(f"cannot read {path}: {exc}") from None
    labels = None
    if path.suffix.lower() == ".npz":
        if "x" not in loaded:
            raise BadInputError(f"{path} has no array 'x' (inputs; 'y' labels optional)")
        x, labels = loaded["x"], (loaded["y"].astype(np.int64).reshape(-1) if "y" in loaded else None)
    else:
        x = loaded
    inputs = _as_inputs(x, info, path.name)
    if labels is not None and len(labels) != len(inputs):
        raise BadInputError(f"{path}: {len(inputs)} inputs but {len(labels)} labels")
    if count is not None:
        inputs, labels = inputs[:count], (labels[:count] if labels is not None else None)
    return InputSet(inputs, labels, [], path.name)


def random_set(info, count, seed=0) -> InputSet:
    rng = np.random.default_rng(seed)
    n = count or 100
    if info["dtype"] == "float32":
        inputs = rng.uniform(-1, 1, (n, info["num_elements"])).astype(np.float32)
    else:
        lo, hi = INTEGER_RANGES[info["dtype"]]
        inputs = rng.integers(lo, hi + 1, (n, info["num_elements"]))
    return InputSet(inputs, None, [], f"random {info['dtype']} (seed {seed})")


def _cast(array, info, which):
    dtype = {"int8": np.int8, "uint8": np.uint8, "int16": np.int16, "int32": np.int32,
             "float32": np.float32}.get(info["dtype"])
    if dtype is None:
        raise BadInputError(f"{which} is {info['dtype']}: validate supports {', '.join(SUPPORTED_DTYPES)}")
    return np.ascontiguousarray(array, dtype=dtype)


def load_model_inputs(spec: str, infos, count=None) -> InputSet:
    """Inputs for a model whose input tensors are ``infos`` (codegen.context.tensor_info dicts)."""
    if len(infos) == 1:
        return load_inputs(spec, infos[0], count)
    if count is not None and count < 1:
        raise BadInputError("--count must be at least 1")
    k = len(infos)
    if spec == "random":
        sets = [random_set(info, count, seed=i) for i, info in enumerate(infos)]
        arrays, labels = [s.inputs for s in sets], None
        source = f"random, one array per input (input k seeded with k), {', '.join(i['dtype'] for i in infos)}"
    else:
        path = Path(spec)
        if not (path.is_file() and path.suffix.lower() == ".npz"):
            raise BadInputError(f"--data {spec}: a model with {k} inputs takes random or an .npz with one array "
                                f"per input, x0 .. x{k - 1} (N each; y: labels, optional)")
        try:
            loaded = np.load(path, allow_pickle=False)
            names = set(loaded.files)
        except (OSError, ValueError) as exc:
            raise BadInputError(f"cannot read {path}: {exc}") from None
        missing = [f"x{i}" for i in range(k) if f"x{i}" not in names]
        if missing:
            raise BadInputError(f"{path} has no array {', '.join(missing)}: a model with {k} inputs needs "
                                f"x0 .. x{k - 1} (one per input; y: labels, optional)")
        arrays = [_as_inputs(loaded[f"x{i}"], info, f"{path.name}:x{i}") for i, info in enumerate(infos)]
        if len({len(a) for a in arrays}) != 1:
            raise BadInputError(f"{path}: x0 .. x{k - 1} hold different numbers of inputs "
                                f"({', '.join(str(len(a)) for a in arrays)})")
        labels = loaded["y"].astype(np.int64).reshape(-1) if "y" in names else None
        if labels is not None and len(labels) != len(arrays[0]):
            raise BadInputError(f"{path}: {len(arrays[0])} inputs but {len(labels)} labels")
        if count is not None:
            arrays, labels = [a[:count] for a in arrays], (labels[:count] if labels is not None else None)
        source = f"{path.name} (x0 .. x{k - 1})"
    arrays = [_cast(a, info, f"input {i}") for i, (a, info) in enumerate(zip(arrays, infos))]
    return InputSet(arrays[0], labels, [], source, tuple(arrays[1:]))


def check_matches_model(inputs: InputSet, output_info, spec: str, model_labels=None):
    """BadInputError unless the labels of ``inputs`` can be the classes of a classifier whose scores
    are ``output_info`` (output 0) and, when the model has class names (``model_labels``: its
    NAME.labels.txt), are those classes in that order: a model whose output is one number is not
    scored; a data set without labels (random, an .npy) is only compared bit for bit."""
    if inputs.labels is None or output_info["num_elements"] <= 1:
        return
    if model_labels and inputs.class_names and list(model_labels) != list(inputs.class_names):
        shown = ", ".join(list(inputs.class_names)[:4]) + (", ..." if len(inputs.class_names) > 4 else "")
        ours = ", ".join(list(model_labels)[:4]) + (", ..." if len(model_labels) > 4 else "")
        raise BadInputError(f"--data {spec} has the classes {shown} but the model's labels are {ours}: accuracy "
                            "would compare the wrong classes; give --data with the model's classes (sub-folders "
                            "named as its labels), or --data random to check bit-exactness alone")
    scores = output_info["num_elements"]
    hint = (f"give --data with {scores} classes (a folder of {scores} class sub-folders, or an .npz with x and y), "
            "or --data random to check bit-exactness alone")
    if inputs.class_names and len(inputs.class_names) != scores:
        raise BadInputError(f"--data {spec} has {len(inputs.class_names)} classes but the model's output "
                            f"{output_info['shape']} scores {scores}: accuracy would mean nothing; {hint}")
    if len(inputs.labels) and (inputs.labels.min() < 0 or inputs.labels.max() >= scores):
        raise BadInputError(f"--data {spec} has labels {int(inputs.labels.min())}..{int(inputs.labels.max())} "
                            f"but the model's output {output_info['shape']} scores {scores} classes (0..{scores - 1}); "
                            f"{hint}")


SUPPORTED_DTYPES = ("int8", "uint8", "int16", "int32", "float32")


def check_tensor_types(model):
    """BadInputError unless every input and output tensor of ``model`` has a type validate streams
    (checked before anything is generated or built)."""
    sg = model.main_subgraph
    for role, indices in (("input", sg.inputs), ("output", sg.outputs)):
        for position, index in enumerate(indices):
            tensor = sg.tensor(index)
            if tensor.dtype not in SUPPORTED_DTYPES:
                raise BadInputError(f"model {role} {position} ({tensor.name}) is {tensor.dtype}: validate supports "
                                    f"{', '.join(SUPPORTED_DTYPES)}")
            if tensor.num_elements <= 0:
                raise BadInputError(f"model {role} {position} ({tensor.name}) has a dynamic shape {list(tensor.shape)}: "
                                    "validate needs fixed shapes")


def load_inputs(spec: str, info, count=None) -> InputSet:
    if count is not None and count < 1:
        raise BadInputError("--count must be at least 1")
    if spec == "digits":
        result = load_digits_set(info, count)
    elif spec == "random":
        result = random_set(info, count)
    else:
        path = Path(spec)
        if path.is_dir():
            result = load_folder_set(path, info, count)
        elif path.is_file() and path.suffix.lower() in (".npy", ".npz"):
            result = load_array_set(path, info, count)
        elif not path.exists():
            raise BadInputError(f"--data {spec}: not digits, random, a folder or an .npy/.npz file")
        else:
            raise BadInputError(f"--data {spec}: expected a folder of class sub-folders or an .npy/.npz file")
    result.inputs = _cast(result.inputs, info, "input 0")
    return result
