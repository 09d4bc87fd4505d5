"""``attendnets inspect``: a summary of any .tflite (inputs/outputs with quantization, operators, tensors)."""

import json

import click

from attendnets.commands.options import json_option
from converter.report.inspect import format_summary, inspect_model
from converter.tflite_model import load_model


@click.command(short_help="Summary of a .tflite: inputs/outputs with quantization, operators, tensors.")
@click.argument("model_path", metavar="MODEL.tflite", type=click.Path(dir_okay=False))
@click.option("--no-tensors", is_flag=True, help="Leave out the tensor table.")
@json_option("Print the summary as one JSON object.")
def command(model_path, no_tensors, as_json):
    """Summarize MODEL.tflite: inputs and outputs with quantization, operators with options, tensors."""
    summary = inspect_model(load_model(model_path))
    if as_json:
        click.echo(json.dumps(summary.to_dict(), indent=2))
    else:
        click.echo(format_summary(summary, show_tensors=not no_tensors))
    return 0
