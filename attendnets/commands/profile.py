"""``attendnets profile``: parameters, MACs and weight memory of a network, per layer.

TensorFlow is imported inside the command, so ``attendnets --help`` stays fast.
"""

import shlex

import click

from attendnets.commands.options import json_option

from attendnets_base.errors import BadInputError
from attendnets_base.errors import InvalidModelError
from attendnets_base.fsutil import require_file
from attendnets_tf.models import build_model, resolve_arch


def parse_input_shape(text):
    """``"224,224,3"`` -> ``(224, 224, 3)``; BadInputError for anything else."""
    parts = [p.strip() for p in str(text).replace("x", ",").split(",")]
    try:
        dims = tuple(int(p) for p in parts)
    except ValueError:
        raise BadInputError(f"--input-shape must be three integers HEIGHT,WIDTH,CHANNELS; got {text!r}") from None
    if len(dims) != 3:
        raise BadInputError(f"--input-shape must be three integers HEIGHT,WIDTH,CHANNELS; got {text!r}")
    if any(d <= 0 for d in dims):
        raise BadInputError(f"--input-shape dimensions must be positive; got {text!r}")
    return dims


@click.command()
@click.argument("model_path", metavar="[MODEL.keras]", required=False, type=click.Path(dir_okay=False))
@click.option("--arch", help="Profile a built-in network instead: attendnet_a, attendnet_b, mobilenet_v1.")
@click.option("--input-shape", default=None, metavar="H,W,C", help="Input of --arch (default 224,224,3).")
@click.option("--classes", type=click.IntRange(min=2), default=None, help="Classes of --arch (default 50).")
@click.option("--width", type=float, default=None, help="Width multiplier of --arch, > 0 (default 1.0).")
@json_option("Print one JSON object: totals and layers.")
def command(model_path, arch, input_shape, classes, width, as_json):
    """Per-layer parameters and MACs, and totals with int8/float32 weight memory.

    Give a saved MODEL.keras (float or QAT) or --arch NAME.  Condensers are
    broken down into their sublayers.  Definitions: docs/architectures.md.
    """
    if (model_path is None) == (arch is None):
        raise BadInputError("give either a MODEL.keras file or --arch NAME (not both)")
    if model_path is not None:
        given = [n for n, v in (("--input-shape", input_shape), ("--classes", classes), ("--width", width)) if v is not None]
        if given:
            raise BadInputError(f"{', '.join(given)} only apply with --arch (a saved model has its own)")
        model = _load(model_path)
    else:
        arch = resolve_arch(arch)  # fails fast, before TensorFlow is imported
        shape = parse_input_shape(input_shape if input_shape is not None else "224,224,3")
        model = build_model(
            arch,
            shape,
            num_classes=50 if classes is None else classes,
            width=1.0 if width is None else width,
        )

    from attendnets_tf.profiler import format_table, profile_model, profile_to_json

    profile = profile_model(model)
    click.echo(profile_to_json(profile) if as_json else format_table(profile))
    return 0


def _load(path):
    path = require_file(path, "model file")
    with open(path, "rb") as f:
        head = f.read(8)
    if head[4:8] == b"TFL3" or path.suffix.lower() == ".tflite":  # before TensorFlow is imported
        raise BadInputError(f"{path} is a TFLite flatbuffer; profile reads Keras models (.keras, or --arch). "
                            f"For a .tflite: `attendnets report {shlex.quote(str(path))}` (MACs, memory and arena per "
                            f"operator) or `attendnets inspect {shlex.quote(str(path))}` (operators and tensors)")
    from attendnets_tf import qat  # registers our layers and the QAT wrappers

    try:
        model = qat.load_model(str(path))
    except Exception as exc:  # Keras raises many kinds for a broken or non-model file
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise InvalidModelError(f"{path} is not a readable Keras model: {reason[:200]}") from None
    if not getattr(model, "_is_graph_network", False):
        raise InvalidModelError(f"{path}: only functional or Sequential Keras models can be profiled")
    return model
