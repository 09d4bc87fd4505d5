"""``attendnets train``: train a network into a run folder (resumable, distributable)."""

import click
from click.core import ParameterSource

from attendnets.commands.options import echo_json, json_option, stdout_to_stderr
from attendnets_base.errors import BadInputError
from attendnets_tf import train as training
from pathlib import Path

# Option name -> TrainConfig field.
_OPTION_FIELDS = {
    "arch": "arch", "data": "data", "input_size": "input_size", "channels": "channels",
    "width": "width", "epochs": "epochs", "batch_size": "batch_size", "lr": "lr",
    "seed": "seed", "shift": "shift", "strategy": "strategy",
}


@click.command(short_help="Train a network (checkpoints, --resume, tf.distribute).")
@click.option("--arch", help="Network: attendnet_a, attendnet_b or mobilenet_v1.")
@click.option("--data", help="'digits' (built-in 8x8 digits) or a folder with one sub-folder per class.")
@click.option("--out", "out_dir", required=True, metavar="DIR", type=click.Path(file_okay=False), help="Run folder (created; must be new or empty unless --resume).")
@click.option("--input-size", default=32, show_default=True, type=click.IntRange(min=8), help="Input height and width in pixels.")
@click.option("--channels", type=int, default=None,
              help="Input channels, 1 or 3. Default: 1 for digits (grayscale data), 3 for folders.")
@click.option("--width", default=1.0, show_default=True, type=click.FloatRange(min=0, min_open=True), help="Width multiplier of the network.")
@click.option("--epochs", default=20, show_default=True, type=click.IntRange(min=1), help="Epochs in total (a resumed run keeps its count).")
@click.option("--batch-size", default=64, show_default=True, type=click.IntRange(min=1), help="Batch size per replica.")
@click.option("--lr", default=1e-2, show_default=True, type=click.FloatRange(min=0, min_open=True), help="Adam peak learning rate (cosine decay to 0).")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed for initialisation, shuffling, augmentation and the train/val split.")
@click.option("--shift", default=None, type=click.IntRange(min=0),
              help="Augmentation: random shift of up to this many pixels. Default: input size / 16.")
@click.option("--resume", is_flag=True, help="Continue the interrupted run in --out from its last checkpoint.")
@click.option("--strategy", default="default", show_default=True,
              type=click.Choice(["default", "mirrored", "multi-worker"]),
              help="tf.distribute strategy: mirrored = local GPUs; multi-worker = TF_CONFIG cluster.")
@json_option("Print one JSON object: the files written and the run's metrics (Keras' progress goes to stderr).")
@click.pass_context
def command(ctx, out_dir, resume, as_json, **options):
    """Train --arch on --data into the run folder --out.

    Writes OUT/model.keras (the final epoch's model), OUT/labels.txt and
    OUT/metrics.json, plus a checkpoint per epoch in OUT/checkpoints and
    TensorBoard logs in OUT/logs.  Interrupted runs continue with --resume and
    lose at most the epoch in progress.
    """
    explicit = {
        field for name, field in _OPTION_FIELDS.items()
        if ctx.get_parameter_source(name) in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)
    }
    cfg = training.TrainConfig(
        arch=options["arch"] or "", data=options["data"] or "", out_dir=out_dir, resume=resume,
        **{field: options[name] for name, field in _OPTION_FIELDS.items() if name not in ("arch", "data")},
    )
    if resume:
        cfg = training.merge_resume_config(cfg, explicit)
    for name in ("arch", "data"):
        if not getattr(cfg, name):
            raise BadInputError(f"--{name} is required")
    with stdout_to_stderr(as_json):
        metrics = training.train(cfg, log=lambda line: click.echo(line, err=True))
    if as_json:
        out = Path(out_dir)
        echo_json({"out": str(out), "wrote": [str(out / name) for name in (training.MODEL_FILE, training.LABELS_FILE,
                                                                             training.METRICS_FILE)],
                   "metrics": metrics})
