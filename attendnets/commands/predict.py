"""``attendnets predict``: what a .tflite predicts for images, folders or .npy files, on this machine."""

import click

from attendnets.commands.options import echo_json, json_option
from attendnets_base.errors import BadInputError
from attendnets_base.fsutil import require_file
from attendnets_base.labels import find_labels, read_labels_file
from converter.tflite_model import load_model
from validation.predict import TfliteInterpreter, tflite_interpreter
from validation.predict import collect_inputs, format_predictions, predict, tflm
from validation.predict import tflite_refusal
import importlib.util
import warnings


@click.command(short_help="Class, top-k, raw and dequantized outputs of a .tflite on the host interpreters.")
@click.argument("model", metavar="MODEL.tflite", type=click.Path(dir_okay=False, path_type=str))
@click.argument("inputs", metavar="INPUT...", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--interpreter", "which", type=click.Choice(["tflm", "tflite", "both"]), default="tflm",
              show_default=True,
              help="tflm: the tflite-micro interpreter (what a TFLM device computes); tflite: TFLite's interpreter "
                   "with its reference kernels (ai-edge-litert or tflite-runtime if installed, else TensorFlow's "
                   "when the train extra is); both: the two, and whether their outputs are identical.")
@click.option("--top", type=click.IntRange(min=1), default=5, show_default=True, help="Classes listed per output.")
@click.option("--labels", "labels_path", type=click.Path(dir_okay=False, path_type=str), default=None,
              help="Class names, one per line [default: the model's NAME.labels.txt, else labels.txt beside it].")
@click.option("--sample-range", type=click.Choice(["auto", "0-1", "-1-1", "0-255"]), default="auto",
              show_default=True, help="Real range image pixels map to before quantization (as generate --sample).")
@json_option("Print one JSON object: per input and interpreter, every output's raw and dequantized values, "
             "class and top k.")
def command(model, inputs, which, top, labels_path, sample_range, as_json):
    """Run MODEL.tflite on each INPUT (an image, a folder of images, an .npy of one or N inputs; an .npz
    with x0..x<K-1> for a model with K inputs) and print the class, the top k with label names and
    every output's raw and dequantized values."""
    model_path = require_file(model, "model")
    tflite = load_model(model_path)
    if labels_path:
        labels = read_labels_file(labels_path)
    else:
        labels, labels_path = find_labels(model_path)
    items = collect_inputs(inputs, tflite, sample_range)
    interpreters = []
    if which in ("tflm", "both"):
        interpreters.append(tflm(tflite))
    if which in ("tflite", "both"):
        interpreters.append(_tflite(tflite))
    results = predict(tflite, items, interpreters, labels, top)
    if as_json:
        echo_json({"model": str(model_path), "labels": str(labels_path) if labels_path else None,
                   "interpreters": {it.name: it.description for it in interpreters}, "predictions": results})
    else:
        click.echo(format_predictions(model_path, interpreters, results, labels_path))
    if any(doc.get("identical") is False for doc in results):
        return 1  # the two interpreters disagree: worth a non-zero status
    return 0


def _tflite(model):
    """TFLite's interpreter: ai-edge-litert / tflite-runtime, else TensorFlow's (the train extra), else one line."""
    found = tflite_interpreter(model)
    if found is not None:
        return found
    if importlib.util.find_spec("tensorflow") is None:
        raise BadInputError("--interpreter tflite needs TFLite's interpreter: pip install ai-edge-litert (or "
                            "tflite-runtime, or attendnets[train] for TensorFlow's); --interpreter tflm runs without")

    from attendnets_tf._tf import tf


    with warnings.catch_warnings(), tflite_refusal():
        warnings.simplefilter("ignore")  # "tf.lite.Interpreter is deprecated"
        interpreter = tf.lite.Interpreter(model_content=bytes(model.data),
                                          experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF)
    return TfliteInterpreter(interpreter, f"TFLite interpreter from TensorFlow {tf.__version__} (reference kernels; "
                                          "no ai-edge-litert or tflite-runtime installed)")
