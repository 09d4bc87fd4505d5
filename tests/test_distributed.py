"""`attendnets train --strategy multi-worker`: two workers as local processes on loopback.

Each worker is a separate Python process with its own TF_CONFIG, like two
machines; they train together with MultiWorkerMirroredStrategy (collectives
over gRPC on 127.0.0.1) and only the chief writes the run folder.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from train_support import make_image_folder

HERE = Path(__file__).resolve().parent
WORKER_TIMEOUT_S = 300


def _free_ports(n):
    sockets = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _start(args, env, log_path):
    log = open(log_path, "w")
    return subprocess.Popen(
        [sys.executable, str(HERE / "run_train_cli.py"), *map(str, args)],
        stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
    ), log


def _wait_all(procs, timeout_s):
    deadline = time.monotonic() + timeout_s
    try:
        for proc, _ in procs:
            proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        for proc, _ in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        pytest.fail(f"multi-worker training did not finish within {timeout_s} s")
    finally:
        for _, log in procs:
            log.close()


def test_two_workers_train_together_and_only_chief_writes(tmp_path):
    data = make_image_folder(tmp_path / "data", per_class=6)
    out = tmp_path / "run"
    ports = _free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    procs = []
    for index in range(2):
        env = {**os.environ, "TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}}),
               "CUDA_VISIBLE_DEVICES": ""}
        procs.append(_start(["--standin", "train", "--arch", "tiny", "--data", data, "--out", out,
                             "--input-size", "12", "--epochs", "2", "--batch-size", "4",
                             "--strategy", "multi-worker"], env, tmp_path / f"worker{index}.log"))
    _wait_all(procs, WORKER_TIMEOUT_S)
    logs = [(tmp_path / f"worker{i}.log").read_text() for i in range(2)]
    for (proc, _), log in zip(procs, logs):
        assert proc.returncode == 0, log[-3000:]
        assert "Epoch 2/2" in log
    assert "the chief writes the run folder" in logs[1]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["strategy"] == "multi-worker" and metrics["num_replicas"] == 2
    assert [e["epoch"] for e in metrics["history"]] == [1, 2]
    assert (out / "model.keras").is_file() and (out / "labels.txt").is_file()
    # The non-chief's checkpoint copies and scratch files are gone.
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == ["chief"]
    assert not [p for p in out.rglob("*") if ".tmp" in p.name]


def test_killed_run_resumes_after_last_checkpoint(tmp_path):
    """A hard kill (SIGKILL) mid-run; --resume continues after the last saved epoch."""
    data = make_image_folder(tmp_path / "data", per_class=6)
    out = tmp_path / "run"
    args = ["--standin", "train", "--arch", "tiny", "--data", data, "--out", out, "--input-size", "8",
            "--epochs", "40", "--batch-size", "4"]
    proc, log = _start(args, {**os.environ, "CUDA_VISIBLE_DEVICES": ""}, tmp_path / "first.log")
    index = out / "checkpoints" / "chief" / "checkpoint"  # tf.train.CheckpointManager's index

    def saved_epochs():  # model_checkpoint_path: "ckpt-N", N = epochs saved so far
        found = re.search(r'^model_checkpoint_path: "ckpt-(\d+)"', index.read_text(), re.M) if index.is_file() else None
        return int(found.group(1)) if found else 0

    deadline = time.monotonic() + WORKER_TIMEOUT_S
    try:
        while saved_epochs() < 2:
            assert proc.poll() is None, (tmp_path / "first.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "no checkpoint appeared"
            time.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        log.close()
    assert not (out / "metrics.json").exists()
    last = saved_epochs()
    # At least one epoch is saved and the run did not finish.  (Under heavy
    # load the index read after the kill has been seen one save behind the
    # one that ended the wait loop, so only the range is asserted here; the
    # resume below must still start exactly after the saved epoch.)
    assert 1 <= last < 40

    resumed = subprocess.run([sys.executable, str(HERE / "run_train_cli.py"), "--standin", "train",
                              "--out", str(out), "--resume"], capture_output=True, text=True,
                             timeout=WORKER_TIMEOUT_S, env={**os.environ, "CUDA_VISIBLE_DEVICES": ""})
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    started = re.findall(r"^Epoch (\d+)/40", resumed.stdout, re.M)
    assert started and int(started[0]) == last + 1, started
    metrics = json.loads((out / "metrics.json").read_text())
    assert [e["epoch"] for e in metrics["history"]] == list(range(1, 41))
