"""Network builders: AttendNet-A, AttendNet-B and the MobileNet-V1 baseline.

``build_model(arch, input_shape=(224, 224, 3), num_classes=50, width=1.0)``
returns an uncompiled functional tf-keras model that ends in a softmax.  The
macro-architectures are described in ``docs/architectures.md``; this module is
the one place their numbers live (:data:`ARCHITECTURES`).

Every layer lowers to a TFLM builtin int8 operator: Conv2D / DepthwiseConv2D
(BatchNorm folded into them at conversion), ReLU6 and ReLU (fused), the
attention condenser chain (see :mod:`attendnets_tf.layers`), Add, global
average pooling (MEAN), Dense (FULLY_CONNECTED) and Softmax.

Small inputs: every network has a nominal schedule of stride-2 layers (five:
total stride 32 at 224x224).  For an input whose smaller side is ``s``, only
the first ``n`` of them keep stride 2, with ``n`` the largest count for which
the final feature map is still at least :data:`MIN_FINAL_FEATURE_SIZE` wide
(``ceil(s / 2**n) >= 3``); the later ones run with stride 1.  So 224 -> 7x7,
96 -> 3x3, 32 -> 4x4 (total stride 8), 8 -> 4x4.  Inputs smaller than
:data:`MIN_INPUT_SIZE` on a side are refused.
"""

import dataclasses
import difflib
import math
import re

from attendnets_base.errors import BadInputError

MIN_INPUT_SIZE = 8
MIN_FINAL_FEATURE_SIZE = 3

__all__ = [
    "ARCHITECTURES",
    "ArchSpec",
    "Block",
    "MIN_INPUT_SIZE",
    "build_model",
    "resolve_arch",
    "stride_schedule",
    "validate_input_shape",
]


@dataclasses.dataclass(frozen=True)
class Block:
    """One block of a network's body.

    ``kind``:
      * ``"dws"``: MobileNet-V1 depthwise-separable block: depthwise 3x3
        (stride) + BN + ReLU6, pointwise 1x1 to ``out_channels`` + BN + ReLU6.
      * ``"attend"``: AttendNet block: optional visual attention condenser on
        the input (``vac``), pointwise expansion 1x1 to ``expand_channels`` +
        BN + ReLU6, depthwise 3x3 (stride) + BN + ReLU6, pointwise projection
        1x1 to ``out_channels`` + BN (linear); plus an identity shortcut
        (Add) when the stride is 1 and the channel count is unchanged.
    """

    kind: str
    out_channels: int
    stride: int = 1
    expand_channels: int = 0
    vac: bool = False


@dataclasses.dataclass(frozen=True)
class ArchSpec:
    """A network: stem, body, head, as data."""

    name: str
    title: str
    description: str
    stem_channels: int
    blocks: tuple
    head_channels: int = 0  # 1x1 conv before pooling (0: none)
    vac_reduction_ratio: int = 4
    dropout: float = 1e-3
    channel_divisor: int = 1  # width-scaled channel counts are rounded to a multiple of this

    @property
    def num_stride2(self):
        return 1 + sum(1 for b in self.blocks if b.stride == 2)


def _dws(out, stride=1):
    return Block("dws", out, stride)


def _att(out, expand, stride=1, vac=False):
    return Block("attend", out, stride, expand, vac)


ARCHITECTURES = {
    "mobilenet_v1": ArchSpec(
        name="mobilenet_v1",
        title="MobileNet-V1",
        description="MobileNet-V1 baseline (Howard et al. 2017); width = alpha",
        stem_channels=32,
        blocks=(
            _dws(64),
            _dws(128, 2),
            _dws(128),
            _dws(256, 2),
            _dws(256),
            _dws(512, 2),
            _dws(512),
            _dws(512),
            _dws(512),
            _dws(512),
            _dws(512),
            _dws(1024, 2),
            _dws(1024),
        ),
        dropout=1e-3,
        channel_divisor=1,
    ),
    "attendnet_a": ArchSpec(
        name="attendnet_a",
        title="AttendNet-A",
        description="AttendNet-A: the larger, more accurate attention-condenser network",
        stem_channels=24,
        blocks=(
            _att(24, 48),
            _att(32, 96, 2),
            _att(32, 96, vac=True),
            _att(56, 128, 2),
            _att(56, 168, vac=True),
            _att(56, 168),
            _att(104, 224, 2),
            _att(104, 312, vac=True),
            _att(104, 312, vac=True),
            _att(136, 416),
            _att(224, 544, 2),
            _att(224, 672, vac=True),
        ),
        head_channels=768,
        vac_reduction_ratio=4,
        dropout=0.1,
        channel_divisor=8,
    ),
    "attendnet_b": ArchSpec(
        name="attendnet_b",
        title="AttendNet-B",
        description="AttendNet-B: the smallest attention-condenser network",
        stem_channels=24,
        blocks=(
            _att(24, 40),
            _att(32, 72, 2),
            _att(32, 96, vac=True),
            _att(48, 112, 2),
            _att(48, 144, vac=True),
            _att(96, 192, 2),
            _att(96, 288, vac=True),
            _att(112, 336),
            _att(192, 448, 2),
            _att(192, 576, vac=True),
        ),
        head_channels=704,
        vac_reduction_ratio=4,
        dropout=0.1,
        channel_divisor=8,
    ),
}


def _normalize(name):
    return re.sub(r"[\s\-_.]+", "_", str(name).strip().lower())


def resolve_arch(name):
    """The canonical name of architecture ``name`` (``AttendNet-B`` -> ``attendnet_b``).

    Case, hyphens, underscores and spaces do not matter.  An unknown name
    raises :class:`BadInputError` naming the closest known ones.
    """
    key = _normalize(name)
    if key in ARCHITECTURES:
        return key
    aliases = {_normalize(spec.title): arch for arch, spec in ARCHITECTURES.items()}
    aliases.update({"mobilenet": "mobilenet_v1", "mobilenetv1": "mobilenet_v1"})
    aliases.update({arch.replace("_", ""): arch for arch in ARCHITECTURES})
    if key in aliases or key.replace("_", "") in aliases:
        return aliases.get(key) or aliases[key.replace("_", "")]
    close = difflib.get_close_matches(key, list(ARCHITECTURES), n=3, cutoff=0.5)
    hint = f"did you mean {' or '.join(close)}? " if close else ""
    raise BadInputError(f"unknown architecture {name!r}: {hint}known: {', '.join(ARCHITECTURES)}")


def validate_input_shape(input_shape):
    """``input_shape`` as a tuple ``(height, width, channels)`` of positive ints, or BadInputError."""
    try:
        dims = tuple(input_shape)
    except TypeError:
        raise BadInputError(f"input shape must be height,width,channels; got {input_shape!r}") from None
    if len(dims) != 3 or any(isinstance(d, bool) or not isinstance(d, int) for d in dims):
        raise BadInputError(f"input shape must be three integers height,width,channels; got {input_shape!r}")
    if any(d <= 0 for d in dims):
        raise BadInputError(f"input shape dimensions must be positive; got {input_shape!r}")
    height, width, _ = dims
    if min(height, width) < MIN_INPUT_SIZE:
        raise BadInputError(
            f"input {height}x{width} is too small: the networks need at least {MIN_INPUT_SIZE}x{MIN_INPUT_SIZE} pixels"
        )
    return dims


def stride_schedule(input_shape, num_stride2):
    """How many of the ``num_stride2`` nominal stride-2 layers keep stride 2 for this input.

    The first ``n`` keep it, ``n`` the largest count such that the final
    feature map is at least ``MIN_FINAL_FEATURE_SIZE`` on its smaller side
    ('same' padding: each stride-2 layer maps ``s`` to ``ceil(s / 2)``).
    """
    size = min(input_shape[0], input_shape[1])
    n = 0
    while n < num_stride2 and math.ceil(size / 2) >= MIN_FINAL_FEATURE_SIZE:
        size = math.ceil(size / 2)
        n += 1
    return n


def _scaled(channels, width, divisor):
    """Channels times ``width``, rounded to a multiple of ``divisor`` (MobileNet-V2 style: never below 90%)."""
    if divisor <= 1:
        return max(1, int(channels * width))
    value = max(divisor, int(channels * width + divisor / 2) // divisor * divisor)
    if value < 0.9 * channels * width:
        value += divisor
    return value


def build_model(arch, input_shape=(224, 224, 3), num_classes=50, width=1.0, dropout=None, name=None):
    """Build network ``arch`` (a name :func:`resolve_arch` accepts) as a tf-keras model.

    Args:
        arch: ``attendnet_a``, ``attendnet_b`` or ``mobilenet_v1`` (any case/hyphens).
        input_shape: ``(height, width, channels)``; each side at least
            :data:`MIN_INPUT_SIZE` pixels.
        num_classes: outputs of the softmax classifier (>= 2).
        width: width multiplier (> 0) applied to every channel count
            (MobileNet's ``alpha``).
        dropout: dropout rate before the classifier (default: the
            architecture's, 1e-3 for MobileNet-V1 as in keras.applications).
        name: model name (default ``f"{arch}_{width}_{H}x{W}x{C}"``).

    Returns:
        An uncompiled functional ``keras.Model`` mapping
        ``(batch, H, W, C)`` float images to ``(batch, num_classes)``
        probabilities.

    Raises:
        BadInputError: unknown architecture or invalid shape, class count or width.
    """
    arch = resolve_arch(arch)
    spec = ARCHITECTURES[arch]
    input_shape = validate_input_shape(input_shape)
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
        raise BadInputError(f"number of classes must be an integer >= 2; got {num_classes!r}")
    try:
        width = float(width)
    except (TypeError, ValueError):
        raise BadInputError(f"width multiplier must be a number; got {width!r}") from None
    if not math.isfinite(width) or width <= 0:
        raise BadInputError(f"width multiplier must be > 0; got {width!r}")
    if dropout is None:
        dropout = spec.dropout
    if not 0 <= dropout < 1:
        raise BadInputError(f"dropout must be in [0, 1); got {dropout!r}")

    from attendnets_tf._tf import keras
    from attendnets_tf.layers import VisualAttentionCondenser

    layers = keras.layers
    kept = stride_schedule(input_shape, spec.num_stride2)
    strides_left = [kept]  # consumed in order by stem and blocks

    def stride(nominal):
        if nominal == 2 and strides_left[0] > 0:
            strides_left[0] -= 1
            return 2
        return 1

    def ch(c):
        return _scaled(c, width, spec.channel_divisor)

    # He initialization (ReLU networks), with the depthwise kernels' true
    # fan-in k*k (Keras' "fan_in" of a (k, k, C, 1) kernel is k*k*C; k*k is its
    # "fan_out").  With keras.applications' Glorot initialization the untrained
    # MobileNet-V1's logits come out ~1e-20, which makes calibration of an
    # untrained network degenerate; here activations keep their scale.
    def conv_init():
        return "he_normal"

    def dw_init():
        return keras.initializers.VarianceScaling(2.0, mode="fan_out", distribution="truncated_normal")

    def conv_bn(x, filters, kernel, s, name, act=True):
        x = layers.Conv2D(
            filters, kernel, strides=s, padding="same", use_bias=False, kernel_initializer=conv_init(), name=name
        )(x)
        x = layers.BatchNormalization(name=f"{name}_bn")(x)
        return layers.ReLU(6.0, name=f"{name}_relu")(x) if act else x

    def dw_bn(x, s, name):
        x = layers.DepthwiseConv2D(
            3, strides=s, padding="same", use_bias=False, depthwise_initializer=dw_init(), name=name
        )(x)
        x = layers.BatchNormalization(name=f"{name}_bn")(x)
        return layers.ReLU(6.0, name=f"{name}_relu")(x)

    h, w, c = input_shape
    if name is None:
        name = f"{arch}_{width:g}_{h}x{w}x{c}"
    inputs = keras.Input(shape=input_shape, name="input")
    x = conv_bn(inputs, ch(spec.stem_channels), 3, stride(2), "conv1")
    for index, block in enumerate(spec.blocks, start=1):
        s = stride(block.stride)
        if block.kind == "dws":
            x = dw_bn(x, s, f"conv_dw_{index}")
            x = conv_bn(x, ch(block.out_channels), 1, 1, f"conv_pw_{index}")
        elif block.kind == "attend":
            prefix = f"block{index}"
            shortcut = x
            if block.vac:
                x = VisualAttentionCondenser(reduction_ratio=spec.vac_reduction_ratio, name=f"{prefix}_vac")(x)
            x = conv_bn(x, ch(block.expand_channels), 1, 1, f"{prefix}_expand")
            x = dw_bn(x, s, f"{prefix}_dw")
            out = ch(block.out_channels)
            x = conv_bn(x, out, 1, 1, f"{prefix}_project", act=False)
            if s == 1 and shortcut.shape[-1] == out:
                x = layers.Add(name=f"{prefix}_add")([shortcut, x])
        else:  # pragma: no cover - ARCHITECTURES is data checked by the tests
            raise ValueError(f"unknown block kind {block.kind!r}")
    if spec.head_channels:
        x = conv_bn(x, ch(spec.head_channels), 1, 1, "head")
    x = layers.GlobalAveragePooling2D(name="global_pool")(x)
    if dropout:
        x = layers.Dropout(dropout, name="dropout")(x)
    x = layers.Dense(num_classes, name="logits")(x)
    outputs = layers.Softmax(name="predictions")(x)
    return keras.Model(inputs, outputs, name=name)
