"""``attendnets convert``: Keras model (QAT or float) -> full-int8 TFLite flatbuffer."""

import click

from attendnets.commands.options import echo_json, json_option, overwrite_option, stdout_to_stderr
from converter.conversion.convert import convert


@click.command(short_help="Convert a Keras model to a full-int8 .tflite (TFLM-checked).")
@click.argument("model", metavar="MODEL", type=click.Path())
@click.option("--data", required=True, help="'digits' or a folder with one sub-folder per class (calibration images).")
@click.option("--out", "out_path", required=True, metavar="FILE", type=click.Path(dir_okay=False), help="Flatbuffer to write (.tflite).")
@click.option("--samples", default=200, show_default=True, type=click.IntRange(min=1),
              help="Training images that calibrate activation ranges (post-training quantization of a "
                   "float model; a QAT model has trained ranges and uses at most 8).")
@click.option("--float-io", is_flag=True, help="Keep float32 input and output (int8 inside).")
@overwrite_option("an existing FILE, labels or sidecar that convert did not write")
@click.option("--seed", default=0, show_default=True, type=int,
              help="The --seed the model was trained (and quantized) with: calibration images come from "
                   "that run's training images, never its validation images.")
@json_option("Print one JSON object: the files written and the sidecar (shapes, types, quantization, labels).")
def command(model, data, out_path, samples, float_io, overwrite, seed, as_json):
    """Convert MODEL (.keras: a QAT model from `attendnets quantize`, or a float
    model, quantized after training) to a full-integer TFLite flatbuffer.

    MODEL may also be a float model you bring: a .keras saved by current
    TensorFlow (Keras 3) or a SavedModel folder (its serving_default signature),
    quantized after training the same way.

    Weights and activations are int8; input and output too unless --float-io.
    Writes OUT, its class names beside it in a file named after it (model.tflite
    -> model.labels.txt, read by generate and evaluate) and a JSON sidecar OUT
    with .json (input/output shapes, dtypes, scale and zero point, labels,
    source model).  The model must pass the TFLM check (`attendnets check`);
    otherwise nothing is written and the offending operators are listed.
    """
    with stdout_to_stderr(as_json):
        result = convert(model, data, out_path, samples=samples, float_io=float_io, seed=seed, overwrite=overwrite,
                         log=lambda line: click.echo(line, err=True))
    if as_json:
        echo_json({"model": str(model), "out": str(result.tflite_path), "model_bytes": result.model_bytes,
                   "source_kind": result.source_kind,
                   "wrote": [str(result.tflite_path), str(result.labels_path), str(result.sidecar_path)],
                   "sidecar": result.sidecar})
        return
    inp, out = result.sidecar["inputs"][0], result.sidecar["outputs"][0]

    def q(t):
        return "" if not t["quantization"] else f" scale {t['quantization']['scale']:.6g} zero point {t['quantization']['zero_point']}"

    click.echo(f"wrote {result.tflite_path} ({result.model_bytes:,} bytes, {result.source_kind}), "
               f"{result.labels_path.name}, {result.sidecar_path.name}")
    click.echo(f"  input  {inp['dtype']} {inp['shape']}{q(inp)}")
    click.echo(f"  output {out['dtype']} {out['shape']}{q(out)}")
    click.echo(f"  operators: {', '.join(result.sidecar['tflm_check']['operators'])} (TFLM check passed)")
