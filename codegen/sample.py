"""The sample input the generated firmware runs on: an image (Pillow) or a ``.npy``.

Real values are quantized with the input's scale and zero point:
``q = clamp(round(x / scale) + zero_point)``.  For an image, ``x`` is the pixel
scaled to the range the input's quantization covers (``pixel_range``):

* ``"0-1"``: ``x = pixel / 255`` (the usual int8 image model: scale 1/255, zero point -128);
* ``"-1-1"``: ``x = pixel / 127.5 - 1`` (MobileNet-style preprocessing);
* ``"0-255"``: ``x = pixel`` (models that take raw pixels, e.g. TFLM's person_detect);
* ``"auto"`` (default): the one of the three whose range the quantization covers best.

A ``.npy`` holding floats is quantized the same way; one holding integers is
taken as already quantized (its values must fit the input type).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from attendnets_base.errors import BadInputError
from codegen.context import INTEGER_RANGES
from converter.tflite_model import load_model

PIXEL_RANGES = {"0-1": (0.0, 1.0), "-1-1": (-1.0, 1.0), "0-255": (0.0, 255.0)}


def representable_range(info):
    lo, hi = INTEGER_RANGES[info["dtype"]]
    return (lo - info["zero_point"]) * info["scale"], (hi - info["zero_point"]) * info["scale"]


def choose_pixel_range(info) -> str:
    """The pixel range whose interval overlaps the representable real range most (relative)."""
    if info["dtype"] == "float32" or not info["quantized"]:
        return "0-1"
    lo, hi = representable_range(info)

    def coverage(name):
        a, b = PIXEL_RANGES[name]
        overlap = max(0.0, min(b, hi) - max(a, lo))
        return overlap / (b - a) * overlap / max(hi - lo, 1e-12)

    return max(PIXEL_RANGES, key=coverage)


def check_finite(real, what):
    """BadInputError naming the first NaN/infinite value: they have no quantized value."""
    bad = np.flatnonzero(~np.isfinite(real))
    if bad.size:
        raise BadInputError(f"{what} has {bad.size} value(s) that are NaN or infinite (the first at flat index "
                            f"{int(bad[0])}: {real.reshape(-1)[bad[0]]}); a sample needs finite numbers")


def saturation_note(real, info) -> str:
    """'' or a note on how many real values lie outside what the input's quantization represents."""
    if info["dtype"] == "float32" or not info["quantized"]:
        return ""
    lo, hi = representable_range(info)
    step = info["scale"] / 2  # values within half a step of the ends round onto them
    outside = int(np.count_nonzero((real < lo - step) | (real > hi + step)))
    if not outside:
        return ""
    return (f"; {outside} of {real.size} values lie outside [{lo:.6g}, {hi:.6g}], the real range the input's "
            f"quantization represents, and were saturated")


def quantize(real, info):
    real = np.asarray(real, dtype=np.float64)
    check_finite(real, "the sample")
    if info["dtype"] == "float32":
        return real.astype(np.float32)
    if not info["quantized"]:
        raise BadInputError(f"input 0 is {info['dtype']} without quantization parameters: give an integer .npy")
    lo, hi = INTEGER_RANGES[info["dtype"]]
    scaled = real / info["scale"]
    q = np.sign(scaled) * np.floor(np.abs(scaled) + 0.5) + info["zero_point"]  # std::round, as TFLite quantizes
    return np.clip(q, lo, hi).astype(np.int64)


def load_image(path: Path, info, pixel_range="auto"):
    """Pixels of ``path`` resized to the input's H x W, with its channel count (1 or 3), quantized."""
    shape = info["shape"]
    if len(shape) != 4 or shape[3] not in (1, 3):
        raise BadInputError(f"an image sample needs an input of shape [1, H, W, 1 or 3]; input 0 is {shape}: give a .npy")
    height, width, channels = shape[1], shape[2], shape[3]
    try:
        with Image.open(path) as image:
            image = image.convert("L" if channels == 1 else "RGB").resize((width, height), Image.BILINEAR)
            pixels = np.asarray(image, dtype=np.float64).reshape(height, width, channels)
    except (OSError, UnidentifiedImageError) as exc:
        raise BadInputError(f"cannot read image sample {path}: {exc}") from None
    if pixel_range == "auto":
        pixel_range = choose_pixel_range(info)
    if pixel_range not in PIXEL_RANGES:
        raise BadInputError(f"--sample-range must be auto or one of {', '.join(PIXEL_RANGES)}; got {pixel_range!r}")
    a, b = PIXEL_RANGES[pixel_range]
    real = a + pixels / 255.0 * (b - a)
    return quantize(real.reshape(-1), info), f"image {path.name}, pixels mapped to [{a:g}, {b:g}]"


def load_npy(path: Path, info):
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise BadInputError(f"cannot read .npy sample {path}: {exc}") from None
    if array.size != info["num_elements"]:
        raise BadInputError(f"sample {path.name} has {array.size} elements (shape {list(array.shape)}); "
                            f"input 0 needs {info['num_elements']} {info['shape']}")
    flat = array.reshape(-1)
    if np.issubdtype(flat.dtype, np.floating):
        check_finite(flat.astype(np.float64), f"sample {path.name}")
        if info["dtype"] == "float32":
            return flat.astype(np.float32), f"{path.name} (float input, values as they are)"
        return quantize(flat, info), (f"{path.name} (float, quantized with the input scale and zero point"
                                      f"{saturation_note(flat.astype(np.float64), info)})")
    if np.issubdtype(flat.dtype, np.integer) or flat.dtype == np.bool_:
        if info["dtype"] in INTEGER_RANGES:
            lo, hi = INTEGER_RANGES[info["dtype"]]
            if flat.size and (flat.min() < lo or flat.max() > hi):
                raise BadInputError(f"sample {path.name} has values outside {info['dtype']} [{lo}, {hi}]")
        return flat.astype(np.int64), f"{path.name} (already quantized)"
    raise BadInputError(f"sample {path.name} has dtype {flat.dtype}; expected floats or integers")


def load_sample(path, info, pixel_range="auto"):
    """``(values as a tuple, description)`` for input 0 described by ``info`` (see codegen.context)."""
    path = Path(path)
    if not path.is_file():
        raise BadInputError(f"sample not found: {path}")
    if path.suffix.lower() == ".npy":
        values, source = load_npy(path, info)
    else:
        values, source = load_image(path, info, pixel_range)
    if info["dtype"] == "float32":
        return tuple(float(v) for v in values), source
    return tuple(int(v) for v in values), source


def zero_point_reference_output(model_path) -> list[int]:
    """What generated firmware without ``--sample`` must print as ``output:``.

    Output 0 of the tflite-micro Python interpreter (its reference kernels)
    with every input element at the input's zero point, as int values.
    """
    from tflite_micro.python.tflite_micro import runtime


    data = Path(model_path).read_bytes()
    sg = load_model(data).main_subgraph
    interpreter = runtime.Interpreter.from_bytes(data, arena_size=1 << 22)
    for position, index in enumerate(sg.inputs):
        t = sg.tensor(index)
        zero_point = t.quantization.zero_point[0] if t.quantization and t.quantization.zero_point else 0
        interpreter.set_input(np.full(t.shape, zero_point, dtype=np.dtype(t.dtype)), position)
    interpreter.invoke()
    return [int(v) for v in interpreter.get_output(0).reshape(-1)]
