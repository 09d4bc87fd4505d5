"""Training a classifier into a run folder, resumable and distributable.

One run folder (``RUN_DIR``) holds everything a run produces::

    RUN_DIR/train_config.json   the run's settings (read back by --resume)
    RUN_DIR/checkpoints/        keras BackupAndRestore state after each epoch
                                (weights, optimizer slots, epoch counter)
    RUN_DIR/history.json        per-epoch metrics so far (survives interruptions)
    RUN_DIR/logs/               TensorBoard logs
    RUN_DIR/model.keras         the model after the *final* epoch
    RUN_DIR/labels.txt          class names, one per line, in label order
    RUN_DIR/metrics.json        history, final val/test accuracy, params, ...

``model.keras``, ``labels.txt`` and ``metrics.json`` are written atomically at
the end (``metrics.json`` last, so its presence means the run finished).  The
model kept is the final one, not the best-on-validation one: the learning rate
follows a cosine decay to zero, so the last epoch is the converged one, and
keeping it needs no extra state to survive a resume.

Resuming: ``BackupAndRestore`` is Keras's callback for exactly this (it is also
what restores a MultiWorkerMirroredStrategy job after a worker failure).  It
checkpoints at the end of every epoch, so an interrupted run loses at most the
epoch in progress; ``fit`` then starts at the next epoch with the optimizer
state (Adam moments, step counter, so the LR schedule) restored.

Distribution uses TensorFlow's own ``tf.distribute``: ``mirrored`` is
``MirroredStrategy`` over the local GPUs (CPU when there are none);
``multi-worker`` is ``MultiWorkerMirroredStrategy`` configured by ``TF_CONFIG``.
Every worker runs the same program; only the chief writes into ``RUN_DIR``,
the others write their copies (TensorBoard, final model) to a temporary folder
that is removed at the end, as the TensorFlow multi-worker guide recommends.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from attendnets_base.errors import BadInputError
from attendnets_base.fsutil import atomic_output_file, write_text_atomic
from attendnets_tf.loading import LABELS_FILE
from attendnets_tf.data import check_data_spec
from attendnets_tf.data import data_warnings, describe, load_data, make_tf_dataset
from attendnets_tf.models import build_model, resolve_arch

STRATEGIES = ("default", "mirrored", "multi-worker")
CONFIG_FILE = "train_config.json"
HISTORY_FILE = "history.json"
METRICS_FILE = "metrics.json"
MODEL_FILE = "model.keras"
CHECKPOINT_DIR = "checkpoints"
LOG_DIR = "logs"

# Test hook: raise KeyboardInterrupt (as if Ctrl-C were pressed) right after the
# checkpoint of this 1-based epoch is written.  Used by tests of --resume.
INTERRUPT_ENV = "ATTENDNETS_TRAIN_INTERRUPT_AFTER_EPOCH"

# Settings that define a run; --resume must not change them.
RUN_DEFINING = ("arch", "data", "input_size", "channels", "width", "epochs", "batch_size",
                "lr", "seed", "shift")


@dataclass
class TrainConfig:
    """Settings of one training run (what ``train_config.json`` holds)."""

    arch: str
    data: str
    out_dir: str
    input_size: int = 32
    channels: int | None = None  # None: 1 for digits, 3 for folders
    width: float = 1.0
    epochs: int = 20
    batch_size: int = 64
    lr: float = 1e-2
    seed: int = 0
    shift: int | None = None  # augmentation shift in pixels; None: input_size // 16
    strategy: str = "default"
    resume: bool = False

    def resolved_channels(self) -> int:
        if self.channels is not None:
            return int(self.channels)
        return 1 if self.data == "digits" else 3

    def resolved_shift(self) -> int:
        return int(self.shift) if self.shift is not None else max(0, self.input_size // 16)

    def input_shape(self):
        return (int(self.input_size), int(self.input_size), self.resolved_channels())


def validate_config(cfg: TrainConfig) -> None:
    """Raise BadInputError for values no run could use (before any work)."""
    if not isinstance(cfg.epochs, int) or cfg.epochs < 1:
        raise BadInputError(f"--epochs must be a positive integer. Received: {cfg.epochs}")
    if not isinstance(cfg.batch_size, int) or cfg.batch_size < 1:
        raise BadInputError(f"--batch-size must be a positive integer. Received: {cfg.batch_size}")
    if not (isinstance(cfg.lr, (int, float)) and math.isfinite(cfg.lr) and 0 < cfg.lr <= 10):
        raise BadInputError(f"--lr must be a number in (0, 10]. Received: {cfg.lr}")
    if not (math.isfinite(cfg.width) and cfg.width > 0):
        raise BadInputError(f"--width must be a positive number. Received: {cfg.width}")
    if cfg.input_size < 8:
        raise BadInputError(f"--input-size must be at least 8 pixels. Received: {cfg.input_size}")
    if cfg.channels is not None and cfg.channels not in (1, 3):
        raise BadInputError(f"--channels must be 1 (grayscale) or 3 (RGB). Received: {cfg.channels}")
    if cfg.shift is not None and not (0 <= cfg.shift < cfg.input_size // 2):
        raise BadInputError(
            f"--shift must be between 0 and {cfg.input_size // 2 - 1} pixels. Received: {cfg.shift}"
        )
    if cfg.strategy not in STRATEGIES:
        raise BadInputError(f"--strategy must be one of {', '.join(STRATEGIES)}. Received: {cfg.strategy}")

    check_data_spec(str(cfg.data))  # folder layout errors before TensorFlow starts


def normalize_data_spec(data: str) -> str:
    """'digits' stays; a folder becomes its absolute path (recorded in the run)."""
    return data if data == "digits" else str(Path(data).resolve())


# ---------------------------------------------------------------- run folder


def saved_config(out_dir) -> dict | None:
    path = Path(out_dir) / CONFIG_FILE
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise BadInputError(f"cannot read {path}: {exc}")


def merge_resume_config(cfg: TrainConfig, explicit: set[str]) -> TrainConfig:
    """For --resume: take the saved run's settings; refuse explicit changes.

    ``explicit`` names the fields the user set on the command line.  A run
    resumed with another arch, data set, epoch count, ... would not be the same
    run (and the LR schedule depends on the epoch count), so that is an error.
    """
    saved = saved_config(cfg.out_dir)
    if saved is None:  # nothing to continue: starting a fresh run here would be a silent surprise
        out = Path(cfg.out_dir)
        what = "does not exist" if not out.exists() else f"has no {CONFIG_FILE} (no run was started in it)"
        raise BadInputError(f"--resume: {out} {what}; give the folder of an interrupted run, "
                            "or drop --resume to start a new one")
    values = asdict(cfg)
    for name in RUN_DEFINING:  # class_names is checked once the data is loaded
        if name not in saved:
            continue
        ours = normalize_data_spec(values[name]) if name == "data" and values[name] else values[name]
        if name in explicit and ours != saved[name]:
            raise BadInputError(
                f"--resume: {cfg.out_dir} was started with {name}={saved[name]!r}, "
                f"not {ours!r} (drop the option or use a new --out)"
            )
        values[name] = saved[name]
    return TrainConfig(**{f.name: values[f.name] for f in fields(TrainConfig)})


def check_out_dir(cfg: TrainConfig) -> None:
    out = Path(cfg.out_dir)
    if out.exists() and not out.is_dir():
        raise BadInputError(f"--out is a file, not a run folder: {out}")
    if not out.resolve().parent.is_dir():
        raise BadInputError(f"output folder does not exist: {out.resolve().parent}")
    if out.is_dir() and any(out.iterdir()):
        if not cfg.resume:
            raise BadInputError(f"run folder {out} exists and is not empty (use --resume to continue it, or a new --out)")
        if not (out / CONFIG_FILE).is_file():
            raise BadInputError(f"--resume: {out} is not a run folder (no {CONFIG_FILE}); refusing to write into it")


# ---------------------------------------------------------------- strategies


def cluster_role(strategy_name: str):
    """(task_type, task_id, is_chief) from TF_CONFIG for multi-worker; chief otherwise."""
    if strategy_name != "multi-worker":
        return None, None, True
    raw = os.environ.get("TF_CONFIG")
    if not raw:
        raise BadInputError("--strategy multi-worker needs the TF_CONFIG environment variable (cluster and task)")
    try:
        tf_config = json.loads(raw)
        cluster = tf_config["cluster"]
        task_type = tf_config["task"]["type"]
        task_id = int(tf_config["task"]["index"])
        cluster[task_type][task_id]
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise BadInputError(f"TF_CONFIG is not a valid cluster description: {type(exc).__name__}: {exc}")
    is_chief = task_type == "chief" or (task_type == "worker" and task_id == 0 and "chief" not in cluster)
    return task_type, task_id, is_chief


def make_strategy(name: str):
    from attendnets_tf._tf import tf

    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    communication = tf.distribute.experimental.CommunicationOptions(
        implementation=tf.distribute.experimental.CommunicationImplementation.AUTO
    )
    return tf.distribute.MultiWorkerMirroredStrategy(communication_options=communication)


# ---------------------------------------------------------------- training


def _default_builder(arch, input_shape, num_classes, width):
    return build_model(arch, input_shape, num_classes, width)


def _resolve_arch(name: str) -> str:
    return resolve_arch(name)


def train(cfg: TrainConfig, *, model_builder=None, log=print) -> dict:
    """Run (or resume) training as configured; return the metrics dict.

    ``model_builder(arch, input_shape, num_classes, width) -> keras.Model``
    defaults to :func:`attendnets_tf.models.build_model`.
    """
    validate_config(cfg)
    if model_builder is None:
        cfg.arch = _resolve_arch(cfg.arch)
        model_builder = _default_builder
    cfg.data = normalize_data_spec(str(cfg.data))
    task_type, task_id, is_chief = cluster_role(cfg.strategy)
    if is_chief:
        check_out_dir(cfg)

    # MultiWorkerMirroredStrategy must exist before other TF ops run.
    strategy = make_strategy(cfg.strategy)
    from attendnets_tf._tf import tf, keras

    keras.backend.clear_session()
    keras.utils.set_random_seed(cfg.seed)
    # Same seed, same run: seeded initialisation, shuffling and augmentation,
    # plus TF's deterministic-kernel mode.  That mode is only switched on for
    # CPU runs: on GPUs it raises for ops without a deterministic GPU kernel,
    # and the VAC's nearest-neighbour UpSampling2D gradient is one of them.
    # Only the enable function is public API; the query/disable pair is TF's
    # internal config.
    from tensorflow.python.framework import config as tf_config

    deterministic = not tf.config.list_physical_devices("GPU")
    determinism_was_on = tf_config.is_op_determinism_enabled()
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    else:
        log("note: GPU run: seeded, but GPU kernels are not bit-reproducible")
    try:
        return _train(cfg, strategy, model_builder, task_type, task_id, is_chief, log)
    finally:
        if deterministic and not determinism_was_on:  # leave the process (e.g. a test session) as we found it
            tf_config.disable_op_determinism()


def _train(cfg, strategy, model_builder, task_type, task_id, is_chief, log):
    from attendnets_tf._tf import keras

    data = load_data(cfg.data, cfg.input_shape(), seed=cfg.seed)
    log(f"data: {describe(data)}")
    for line in data_warnings(data):
        log(line)
    if len(data.train[1]) == 0:
        raise BadInputError("the data set has no training images after the split")
    saved = saved_config(cfg.out_dir) if cfg.resume else None
    if saved and saved.get("class_names") not in (None, data.class_names):
        raise BadInputError(
            f"--resume: the data's classes changed since the run started "
            f"(was {', '.join(saved['class_names'])}; now {', '.join(data.class_names)})"
        )
    for split in ("val", "test"):
        if len(getattr(data, split)[1]) == 0:
            log(f"note: no {split} images (classes need at least 3 images each for a {split} split)")

    num_replicas = strategy.num_replicas_in_sync
    global_batch = cfg.batch_size * num_replicas
    steps_per_epoch = math.ceil(len(data.train[1]) / global_batch)
    with strategy.scope():
        model = model_builder(cfg.arch, cfg.input_shape(), data.num_classes, cfg.width)
        schedule = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=cfg.lr, decay_steps=cfg.epochs * steps_per_epoch, alpha=0.0
        )
        optimizer = keras.optimizers.Adam(learning_rate=schedule)
        model.compile(
            optimizer=optimizer,
            loss=keras.losses.SparseCategoricalCrossentropy(),
            metrics=["accuracy"],
        )
    _check_model_matches(model, cfg.input_shape(), data.num_classes)
    bn_momentum = adapt_batchnorm_momentum(model, steps_per_epoch)
    if bn_momentum is not None:
        log(f"batch norm: moving-average momentum {bn_momentum:.4f} ({steps_per_epoch} steps an epoch)")

    train_ds = make_tf_dataset(*data.train, global_batch, shuffle=True, seed=cfg.seed,
                               augment_shift=cfg.resolved_shift())
    val_ds = make_tf_dataset(*data.val, global_batch, shuffle=False, seed=cfg.seed) if len(data.val[1]) else None
    test_ds = make_tf_dataset(*data.test, global_batch, shuffle=False, seed=cfg.seed) if len(data.test[1]) else None

    out = Path(cfg.out_dir)
    scratch = None if is_chief else Path(tempfile.mkdtemp(prefix=f"attendnets-worker{task_id}-"))
    write_dir = out if is_chief else scratch
    try:
        if is_chief:
            out.mkdir(exist_ok=True)
            write_text_atomic(out / CONFIG_FILE, json.dumps({**_config_record(cfg), "class_names": data.class_names}, indent=2) + "\n")
        history = history_recorder(write_dir / HISTORY_FILE, schedule, enabled=is_chief)
        # The history is written before the checkpoint: a run killed between the two
        # resumes at the epoch whose entry is already there, and that entry is replaced.
        callbacks = [
            history,
            keras.callbacks.BackupAndRestore(str(out / CHECKPOINT_DIR), save_freq="epoch", delete_checkpoint=False),
            keras.callbacks.TensorBoard(str(write_dir / LOG_DIR), write_graph=False, profile_batch=0),
        ]
        interrupt_after = os.environ.get(INTERRUPT_ENV)
        if interrupt_after:
            callbacks.append(interrupt_after_epoch(int(interrupt_after)))
        model.fit(train_ds, epochs=cfg.epochs, validation_data=val_ds, callbacks=callbacks, verbose=1)

        final = {}
        if val_ds is not None:
            final["val_loss"], final["val_accuracy"] = (float(v) for v in model.evaluate(val_ds, verbose=0))
        if test_ds is not None:
            final["test_loss"], final["test_accuracy"] = (float(v) for v in model.evaluate(test_ds, verbose=0))
        metrics = _metrics_record(cfg, model, data, history.epochs, final, num_replicas, strategy)

        # All workers save (variables may need collectives); only the chief's copy is kept.
        with atomic_output_file(write_dir / MODEL_FILE) as tmp:
            model.save(str(tmp))
        if is_chief:
            write_text_atomic(out / LABELS_FILE, "".join(f"{name}\n" for name in data.class_names))
            write_text_atomic(out / METRICS_FILE, json.dumps(metrics, indent=2) + "\n")
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    def said(name):  # an empty split has no accuracy: say so instead of printing nan
        value = final.get(f"{name}_accuracy")
        return f"{name} accuracy {value:.4f}" if value is not None else f"no {name} accuracy (the {name} split is empty)"

    log(
        f"final: {said('val')}, {said('test')}"
        + (f"; wrote {out / MODEL_FILE}, {out / LABELS_FILE}, {out / METRICS_FILE}" if is_chief else
           f" (worker {task_type}:{task_id}; the chief writes the run folder)")
    )
    return metrics


def adapt_batchnorm_momentum(model, steps_per_epoch):
    """Shorten BatchNormalization's moving averages to fit a short training run.

    Keras' default momentum 0.99 still weighs the initial statistics (mean 0,
    variance 1) by 0.99**steps.  On digits (20 steps an epoch) that is 13 %
    after 10 epochs, far above the true variance of many channels (< 0.01), so
    inference-mode accuracy sits at chance for half the run while training
    accuracy is 99 % (validation numbers are meaningless, and a 12-epoch run
    ended at chance before this).  We pick the momentum at which the initial
    statistics weigh under 1 % after the first epoch, 0.01**(1/steps_per_epoch),
    never above the layer's own; per-channel statistics average over
    batch x height x width values, so even a short window is precise.
    Returns the momentum used (None when the model has no batch norm).
    """
    from attendnets_tf._tf import keras

    target = 0.01 ** (1.0 / max(int(steps_per_epoch), 1))
    used = None
    for layer in _all_layers(model):
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = float(min(layer.momentum, max(0.5, target)))
            used = layer.momentum
    return used


def _all_layers(model):
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from _all_layers(layer)


def _check_model_matches(model, input_shape, num_classes):
    got_in = tuple(model.input_shape[1:])
    got_out = model.output_shape[-1]
    if got_in != tuple(input_shape) or got_out != num_classes:
        raise BadInputError(
            f"the model takes {got_in} and predicts {got_out} classes; the data is {tuple(input_shape)} "
            f"with {num_classes} classes"
        )


def _config_record(cfg: TrainConfig) -> dict:
    record = asdict(cfg)
    record.pop("resume")
    return record


def _metrics_record(cfg, model, data, history, final, num_replicas, strategy) -> dict:
    from attendnets_tf._tf import tf

    trainable = int(sum(int(tf.size(w)) for w in model.trainable_weights))
    total = int(model.count_params())
    return {
        "arch": cfg.arch,
        "width": cfg.width,
        "input_shape": list(cfg.input_shape()),
        "num_classes": data.num_classes,
        "class_names": data.class_names,
        "data": cfg.data,
        "skipped_images": data.skipped_images,
        "skipped_image_files": list(data.skipped_files),
        "split_sizes": {"train": len(data.train[1]), "val": len(data.val[1]), "test": len(data.test[1])},
        "seed": cfg.seed,
        "epochs": cfg.epochs,
        "batch_size_per_replica": cfg.batch_size,
        "lr": cfg.lr,
        "lr_schedule": "cosine decay to 0 over all steps",
        "optimizer": "adam",
        "augment_shift_pixels": cfg.resolved_shift(),
        "strategy": cfg.strategy,
        "num_replicas": num_replicas,
        "params": total,
        "trainable_params": trainable,
        "model_file": MODEL_FILE,
        "model_kept": "final epoch",
        "batchnorm_momentum": getattr(
            next((l for l in _all_layers(model) if hasattr(l, "moving_variance")), None), "momentum", None),
        "history": history,
        "final": final,
        "tensorflow_version": tf.__version__,
    }


def history_recorder(path, schedule, enabled=True):
    """A keras callback keeping per-epoch logs in a JSON file that survives interruptions.

    On (re)start it reads the file and drops entries from the starting epoch
    on, so a resumed run's history has each epoch exactly once.  ``.epochs``
    is the list of entries; ``enabled=False`` (non-chief workers) keeps it in
    memory only.  (Callbacks subclass keras' Callback, so they are defined
    when TensorFlow is imported.)
    """
    from attendnets_tf._tf import keras

    class HistoryRecorder(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.path = Path(path)
            self.epochs = []
            self._start = None

        def on_train_begin(self, logs=None):
            if self.path.is_file():
                try:
                    self.epochs = json.loads(self.path.read_text())
                except ValueError:
                    self.epochs = []

        def on_epoch_begin(self, epoch, logs=None):
            self.epochs = [e for e in self.epochs if e["epoch"] <= epoch]
            self._start = time.monotonic()

        def on_epoch_end(self, epoch, logs=None):
            step = int(self.model.optimizer.iterations.numpy())
            entry = {"epoch": epoch + 1}
            entry.update({k: float(v) for k, v in (logs or {}).items()})
            entry["lr_end"] = float(schedule(step))
            entry["seconds"] = round(time.monotonic() - self._start, 3)
            self.epochs.append(entry)
            if enabled:
                write_text_atomic(self.path, json.dumps(self.epochs, indent=1) + "\n")

    return HistoryRecorder()


def interrupt_after_epoch(epoch_1based):
    """Test hook (see INTERRUPT_ENV): Ctrl-C right after this epoch's checkpoint."""
    from attendnets_tf._tf import keras

    class InterruptAfterEpoch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch + 1 == epoch_1based:
                raise KeyboardInterrupt(f"{INTERRUPT_ENV}={epoch_1based}")

    return InterruptAfterEpoch()
