"""`attendnets train`: run folder outputs, determinism, --resume, strategies, bad input.

Most tests train a tiny stand-in network (train_support.tiny_builder) so they
stay fast; test_train_real_attendnet runs the real AttendNet-B builder.
"""

import json
import math
import os

import numpy as np
import pytest

from attendnets_tf import train as training
from conftest import assert_one_line_error
from train_support import make_image_folder, tiny_builder


@pytest.fixture
def standin(monkeypatch):
    monkeypatch.setattr(training, "_default_builder", tiny_builder)
    monkeypatch.setattr(training, "_resolve_arch", lambda name: name)


@pytest.fixture(scope="module")
def image_folder(tmp_path_factory):
    return make_image_folder(tmp_path_factory.mktemp("images") / "data", per_class=6)


def _load(path):
    from attendnets_tf._tf import keras
    import attendnets_tf.layers  # noqa: F401  (registers the custom layers)

    return keras.models.load_model(str(path))


def _no_temp_files(folder):
    return [p.name for p in folder.rglob("*") if ".tmp" in p.name]


def test_train_writes_run_folder(cli, standin, image_folder, tmp_path):
    out = tmp_path / "run"
    result = cli("train", "--arch", "tiny", "--data", image_folder, "--out", out, "--input-size", "16",
                 "--epochs", "2", "--batch-size", "4", "--seed", "1")
    assert result.exit_code == 0, result
    assert "1 unreadable image(s) skipped" in result.stderr
    assert "broken" in result.stderr.split("skipped", 1)[1].splitlines()[0]  # the skipped file is named
    assert "Epoch 2/2" in result.stdout  # keras progress output
    assert (out / "labels.txt").read_text() == "circle\nsquare\nstripes\n"
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["arch"] == "tiny" and metrics["input_shape"] == [16, 16, 3]  # 3 channels for folders
    assert metrics["data"] == str(image_folder.resolve()) and metrics["seed"] == 1
    assert metrics["skipped_images"] == 1 and metrics["num_classes"] == 3
    assert len(metrics["skipped_image_files"]) == 1 and "broken" in metrics["skipped_image_files"][0]
    assert sum(metrics["split_sizes"].values()) == 18
    assert [e["epoch"] for e in metrics["history"]] == [1, 2]
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "lr_end", "seconds"):
        assert all(math.isfinite(e[key]) for e in metrics["history"]), key
    assert metrics["history"][-1]["lr_end"] == pytest.approx(0.0, abs=1e-9)  # cosine decay ends at 0
    assert 0.0 <= metrics["final"]["test_accuracy"] <= 1.0 and "val_accuracy" in metrics["final"]
    model = _load(out / "model.keras")
    assert model.count_params() == metrics["params"] > 0
    probs = model.predict(np.zeros((2, 16, 16, 3), np.float32), verbose=0)
    assert probs.shape == (2, 3)
    assert list((out / "checkpoints" / "chief").glob("ckpt-*.index"))
    assert list((out / "logs").rglob("events.out.tfevents.*"))
    assert json.loads((out / "train_config.json").read_text())["epochs"] == 2
    assert _no_temp_files(out) == []


def test_digits_defaults_to_one_channel_and_learns(cli, standin, tmp_path):
    out = tmp_path / "run"
    result = cli("train", "--arch", "tiny", "--data", "digits", "--out", out, "--input-size", "8",
                 "--epochs", "3", "--lr", "0.01", "--json")
    assert result.exit_code == 0, result
    metrics = json.loads((out / "metrics.json").read_text())
    doc = json.loads(result.stdout)  # --json: stdout is one object, Keras' progress went to stderr
    assert doc["metrics"] == metrics and "Epoch 3/3" in result.stderr
    assert doc["wrote"] == [str(out / "model.keras"), str(out / "labels.txt"), str(out / "metrics.json")]
    assert metrics["input_shape"] == [8, 8, 1]
    assert metrics["split_sizes"]["test"] == 269
    assert metrics["final"]["test_accuracy"] > 0.6  # chance is 0.1
    assert (out / "labels.txt").read_text().split() == [str(i) for i in range(10)]


def test_same_seed_same_result_other_seed_differs(cli, standin, image_folder, tmp_path):
    def run(name, seed):
        out = tmp_path / name
        result = cli("train", "--arch", "tiny", "--data", image_folder, "--out", out, "--input-size", "12",
                     "--epochs", "2", "--batch-size", "4", "--seed", seed)
        assert result.exit_code == 0, result
        history = json.loads((out / "metrics.json").read_text())["history"]
        return [e["loss"] for e in history], _load(out / "model.keras").get_weights()

    loss_a, weights_a = run("a", 5)
    loss_b, weights_b = run("b", 5)
    loss_c, _ = run("c", 6)
    assert loss_a == loss_b
    for wa, wb in zip(weights_a, weights_b):
        np.testing.assert_array_equal(wa, wb)
    assert loss_a != loss_c


def test_interrupted_run_resumes_from_next_epoch(cli, standin, image_folder, tmp_path, monkeypatch):
    out = tmp_path / "run"
    args = ["train", "--arch", "tiny", "--data", image_folder, "--out", out, "--input-size", "12",
            "--epochs", "4", "--batch-size", "4"]
    monkeypatch.setenv(training.INTERRUPT_ENV, "2")
    first = cli(*args)
    assert_one_line_error(first)  # click reports Ctrl-C as "error: aborted"
    assert "Epoch 2/4" in first.stdout and "Epoch 3/4" not in first.stdout
    for name in ("model.keras", "metrics.json", "labels.txt"):
        assert not (out / name).exists(), name
    before = json.loads((out / "history.json").read_text())
    assert [e["epoch"] for e in before] == [1, 2]

    # Without --resume the half-done run folder is refused.
    refused = cli(*args)
    assert "--resume" in assert_one_line_error(refused, 2)

    monkeypatch.delenv(training.INTERRUPT_ENV)
    resumed = cli("train", "--out", out, "--resume")  # settings come from train_config.json
    assert resumed.exit_code == 0, resumed
    assert "Epoch 3/4" in resumed.stdout and "Epoch 4/4" in resumed.stdout
    assert "Epoch 1/4" not in resumed.stdout and "Epoch 2/4" not in resumed.stdout
    metrics = json.loads((out / "metrics.json").read_text())
    assert [e["epoch"] for e in metrics["history"]] == [1, 2, 3, 4]
    assert metrics["history"][:2] == before  # epochs 1-2 are the interrupted run's
    # The optimizer state came back: its step counter counts all four epochs.
    steps_per_epoch = math.ceil(metrics["split_sizes"]["train"] / 4)
    assert int(_load(out / "model.keras").optimizer.iterations.numpy()) == 4 * steps_per_epoch


def test_resume_refuses_changed_settings(cli, standin, image_folder, tmp_path, monkeypatch):
    out = tmp_path / "run"
    monkeypatch.setenv(training.INTERRUPT_ENV, "1")
    cli("train", "--arch", "tiny", "--data", image_folder, "--out", out, "--input-size", "12",
        "--epochs", "2", "--batch-size", "4")
    monkeypatch.delenv(training.INTERRUPT_ENV)
    line = assert_one_line_error(cli("train", "--out", out, "--resume", "--epochs", "5"), 2)
    assert "epochs=2" in line
    assert not (out / "model.keras").exists()


def test_resume_refuses_changed_classes(cli, standin, tmp_path, monkeypatch):
    data = make_image_folder(tmp_path / "data", per_class=4, corrupt=False)
    out = tmp_path / "run"
    monkeypatch.setenv(training.INTERRUPT_ENV, "1")
    cli("train", "--arch", "tiny", "--data", data, "--out", out, "--input-size", "12", "--epochs", "2")
    monkeypatch.delenv(training.INTERRUPT_ENV)
    make_image_folder(tmp_path / "more", classes=("zigzag",), per_class=4, corrupt=False)
    (tmp_path / "more" / "zigzag").rename(data / "zigzag")
    line = assert_one_line_error(cli("train", "--out", out, "--resume"), 2)
    assert "classes changed" in line and "zigzag" in line
    assert not (out / "model.keras").exists()


def test_mirrored_strategy_single_machine(cli, standin, image_folder, tmp_path):
    out = tmp_path / "run"
    result = cli("train", "--arch", "tiny", "--data", image_folder, "--out", out, "--input-size", "12",
                 "--epochs", "1", "--batch-size", "4", "--strategy", "mirrored")
    assert result.exit_code == 0, result
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["strategy"] == "mirrored" and metrics["num_replicas"] >= 1


def test_train_real_attendnet(cli, image_folder, tmp_path):
    out = tmp_path / "run"
    result = cli("train", "--arch", "AttendNet-B", "--data", image_folder, "--out", out, "--input-size", "16",
                 "--channels", "1", "--width", "0.25", "--epochs", "1", "--batch-size", "8")
    assert result.exit_code == 0, result
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["arch"] == "attendnet_b" and metrics["input_shape"] == [16, 16, 1]
    model = _load(out / "model.keras")
    assert any("vac" in layer.name for layer in model.layers)
    assert model.count_params() == metrics["params"]


def _bad_args(tmp_path, image_folder, case):
    out = tmp_path / "out"
    base = ["train", "--arch", "tiny", "--data", str(image_folder), "--out", str(out), "--input-size", "12",
            "--epochs", "1"]

    def replace(option, value):
        args = list(base)
        args[args.index(option) + 1] = value
        return args

    if case == "missing_data":
        return replace("--data", str(tmp_path / "nope")), out
    if case == "data_is_file":
        (tmp_path / "f.png").write_bytes(b"x")
        return replace("--data", str(tmp_path / "f.png")), out
    if case == "empty_data":
        (tmp_path / "empty").mkdir()
        return replace("--data", str(tmp_path / "empty")), out
    if case == "single_class":
        make_image_folder(tmp_path / "one", classes=("only",), corrupt=False)
        return replace("--data", str(tmp_path / "one")), out
    if case == "class_without_images":
        root = make_image_folder(tmp_path / "d", classes=("a", "b"), corrupt=False)
        (root / "c").mkdir()
        return replace("--data", str(root)), out
    if case == "out_parent_missing":
        out = tmp_path / "no" / "such" / "run"
        return replace("--out", str(out)), out
    if case == "out_is_file":
        out = tmp_path / "file_out"
        out.write_text("x")
        return replace("--out", str(out)), None
    if case in ("out_not_empty", "resume_into_foreign_folder"):
        out = tmp_path / "used"
        out.mkdir()
        (out / "keep.txt").write_text("x")
        return replace("--out", str(out)) + (["--resume"] if case == "resume_into_foreign_folder" else []), None
    extra = {
        "lr_zero": ["--lr", "0"], "lr_negative": ["--lr", "-1"], "lr_nan": ["--lr", "nan"],
        "lr_text": ["--lr", "fast"], "epochs_zero": ["--epochs", "0"], "batch_zero": ["--batch-size", "0"],
        "channels_two": ["--channels", "2"], "width_zero": ["--width", "0"], "input_tiny": ["--input-size", "4"],
        "bad_strategy": ["--strategy", "tpu"], "multi_worker_without_tf_config": ["--strategy", "multi-worker"],
    }[case]
    return base + extra, out


BAD_CASES = ["missing_data", "data_is_file", "empty_data", "single_class", "class_without_images",
             "out_parent_missing", "out_is_file", "out_not_empty", "resume_into_foreign_folder",
             "lr_zero", "lr_negative", "lr_nan",
             "lr_text", "epochs_zero", "batch_zero", "channels_two", "width_zero", "input_tiny",
             "bad_strategy", "multi_worker_without_tf_config"]


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_input_is_one_line_and_writes_nothing(cli, standin, image_folder, tmp_path, monkeypatch, case):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    args, out = _bad_args(tmp_path, image_folder, case)
    result = cli(*args)
    assert_one_line_error(result, 2)
    if out is not None:
        assert not out.exists(), case
    if case in ("out_not_empty", "resume_into_foreign_folder"):
        assert os.listdir(tmp_path / "used") == ["keep.txt"]


def test_unknown_arch_is_one_line(cli, image_folder, tmp_path):
    out = tmp_path / "run"
    line = assert_one_line_error(
        cli("train", "--arch", "resnet9000", "--data", image_folder, "--out", out), 2)
    assert "resnet9000" in line and not out.exists()


def test_missing_required_options(cli, tmp_path):
    assert "--arch" in assert_one_line_error(cli("train", "--data", "digits", "--out", tmp_path / "r"), 2)
    assert "--data" in assert_one_line_error(cli("train", "--arch", "attendnet_b", "--out", tmp_path / "r"), 2)


def test_empty_splits_are_said_in_words_not_nan(cli, standin, tmp_path):
    # Two images per class: the split leaves no validation or test images; the final line says
    # so instead of printing 'nan' accuracies, and metrics.json records no accuracy for them.
    folder = make_image_folder(tmp_path / "few", per_class=2, corrupt=False)
    out = tmp_path / "run"
    result = cli("train", "--arch", "tiny", "--data", folder, "--out", out, "--input-size", "16",
                 "--epochs", "1", "--batch-size", "4")
    assert result.exit_code == 0, result
    final_line = [line for line in result.stderr.splitlines() if line.startswith("final:")][-1]
    assert "nan" not in final_line
    sizes = json.loads((out / "metrics.json").read_text())["split_sizes"]
    for split in ("val", "test"):
        if sizes.get(split, 0) == 0:
            assert f"no {split} accuracy (the {split} split is empty)" in final_line
    assert any(sizes.get(split, 0) == 0 for split in ("val", "test")), sizes  # the case this test is about
