"""``attendnets evaluate``: test-split accuracy of an int8 .tflite on TFLite reference kernels and TFLM."""

import json

import click

from attendnets.commands.options import json_option
from converter.conversion.evaluate import evaluate, format_report


@click.command(short_help="Test accuracy of an int8 .tflite (TFLite reference kernels and TFLM).")
@click.argument("model", metavar="MODEL.tflite", type=click.Path(dir_okay=False))
@click.option("--data", required=True, help="'digits' or a folder with one sub-folder per class.")
@click.option("--float-model", type=click.Path(), default=None,
              help="The float model it came from (.keras, Keras 2 or 3, or a SavedModel folder), to report the "
                   "quantization loss.")
@json_option("Print the report as JSON (accuracies as fractions).")
def command(model, data, float_model, as_json):
    """Accuracy of MODEL (an int8 .tflite) on the test split of --data.

    Runs the flatbuffer on TFLite's reference kernels and on the TFLite Micro
    interpreter, reports both accuracies, how often their outputs are
    identical, per-class accuracy and a confusion matrix (TFLM); with
    --float-model also the float model's accuracy.  Class names come from
    MODEL's labels (model.tflite -> model.labels.txt, written by convert; else
    labels.txt beside it).
    """
    report = evaluate(model, data, float_model_path=float_model, log=lambda line: click.echo(line, err=True))
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        click.echo(format_report(report))
