"""``attendnets quantize``: quantization-aware fine-tuning of a trained model (tfmot, 8-bit)."""

import click

from attendnets.commands.options import echo_json, json_option, overwrite_option, stdout_to_stderr
from attendnets_base.labels import labels_path_for


@click.command(short_help="Quantization-aware fine-tuning (tfmot 8-bit) of a trained model.")
@click.argument("model", metavar="MODEL.keras", type=click.Path())
@click.option("--data", required=True, help="'digits' or a folder with one sub-folder per class (the training data).")
@click.option("--out", "out_path", required=True, metavar="FILE", type=click.Path(dir_okay=False), help="QAT model to write (.keras).")
@overwrite_option("an existing FILE (or its labels) that quantize did not write")
@click.option("--epochs", default=3, show_default=True, type=click.IntRange(min=1), help="Fine-tuning epochs.")
@click.option("--lr", default=1e-4, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Adam learning rate at the start (cosine decay to 0).")
@click.option("--batch-size", default=64, show_default=True, type=click.IntRange(min=1), help="Batch size.")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed for shuffling, augmentation and the train/val split.")
@click.option("--distill-weight", default=0.0, show_default=True, type=click.FloatRange(0, 1),
              help="Weight of a distillation loss with the float MODEL as teacher (temperature 4); "
                   "0 trains on the labels alone.")
@json_option("Print one JSON object: the files written and the QAT model's accuracies (progress goes to stderr).")
def command(model, data, out_path, overwrite, epochs, lr, batch_size, seed, distill_weight, as_json):
    """Fine-tune MODEL (a float .keras from `attendnets train`) with fake-quant everywhere.

    Every attention condenser is unfolded into primitive layers and every
    tensor inside it is fake-quantized (pooling, convolutions, upsampling,
    crop, sigmoid, multiplies, channel scale); the rest follows tfmot's
    default 8-bit scheme.  Ranges start from the same calibration as
    `attendnets convert` (post-training quantization); the fine-tuning epoch
    kept is the best on validation, the calibrated start included.  With
    --distill-weight the loss mixes the labels with the float MODEL's outputs
    (knowledge distillation).  Class names come from MODEL's labels
    (NAME.labels.txt, else the run's labels.txt) and are written beside --out
    named after it (qat.keras -> qat.labels.txt).  Load the result with
    attendnets_tf.qat.load_qat_model(path); convert it with `attendnets convert`.
    """
    from attendnets_tf.quantize import quantize_file


    with stdout_to_stderr(as_json):
        accuracies = quantize_file(model, data, out_path, epochs=epochs, lr=lr, batch_size=batch_size, seed=seed,
                                   distill_weight=distill_weight, overwrite=overwrite,
                                   log=lambda line: click.echo(line, err=True))
    if as_json:
        echo_json({"model": str(model), "out": str(out_path), "wrote": [str(out_path), str(labels_path_for(out_path))],
                   **accuracies})
