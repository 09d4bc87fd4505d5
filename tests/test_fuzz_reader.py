"""Fuzzing the flatbuffer reader: truncations and byte flips of corpus and shared models.

Each batch of mutations runs in a subprocess (tests/fuzz_worker.py) with a
timeout: a hang fails on the timeout, a crash of the interpreter on a negative
exit status, and any exception other than InvalidModelError is printed by the
worker as UNEXPECTED.  Seeds are fixed, so a failure reproduces with
``python tests/fuzz_worker.py MODEL SEED N_TRUNC N_FLIPS``.
"""

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import assert_one_line_error, model_path, shared_present

WORKER = Path(__file__).with_name("fuzz_worker.py")
SEED = 20261128
TRUNCATIONS = 30
FLIPS = 150  # per model; the two ~300 KB models get half (each parse of them costs ~4x more)


# Corpus models of every kind the reader meets (converter output, builder output, int8, float,
# 16x8, LSTM and SVDF with variable tensors, the condensers' many operator types), and the shared ones.
FUZZED = ["dscnn_kws_int8", "lstm_int8", "lstm_float", "svdf_int8", "autoencoder_int16x8", "attendnet_b_int8",
          *shared_present()]


@pytest.mark.parametrize("name", FUZZED)
def test_mutations_parse_or_raise_invalid_model(name):
    path = model_path(name)
    flips = FLIPS if path.stat().st_size < 100_000 else FLIPS // 2
    proc = subprocess.run(
        [sys.executable, str(WORKER), str(path), str(SEED), str(TRUNCATIONS), str(flips)],
        capture_output=True, text=True, timeout=180,
    )
    assert proc.returncode >= 0, f"worker crashed with signal {-proc.returncode}: {proc.stderr[-2000:]}"
    assert "UNEXPECTED" not in proc.stdout, proc.stdout[-4000:]
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    counts = json.loads(proc.stdout.strip().splitlines()[-1])
    total = counts["parsed"] + counts["invalid"]
    assert total >= flips + TRUNCATIONS // 2  # every mutation was tried (truncations may repeat)
    assert counts["invalid"] > 0  # the mutations do break the file


def _corrupt(tmp_path, name, how):
    data = bytearray(model_path(name).read_bytes())
    if how == "truncated":
        data = data[: len(data) // 3]
    elif how == "header":
        data[0:4] = b"\xff\xff\xff\x7f"  # root table offset far past the end
    elif how == "flipped":
        rng = random.Random(7)
        for _ in range(64):
            data[rng.randrange(0, 600)] ^= 0xFF
    elif how == "text":
        data = b"this is a README, not a model\n" * 20
    elif how == "zip":
        data = b"PK\x03\x04" + bytes(200)
    path = tmp_path / f"{how}.tflite"
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("how", ["truncated", "header", "flipped", "text", "zip"])
def test_cli_on_corrupt_files_gives_one_line_error(cli, tmp_path, how):
    path = _corrupt(tmp_path, "mobilenet_v1_025_person_int8", how)
    for command in ("check", "report", "inspect"):
        result = cli(command, path)
        line = assert_one_line_error(result)
        assert result.exit_code in (1, 2), result
        assert "internal error" not in line, line
        assert result.stdout == "", result  # nothing half-printed


def test_cli_subprocess_truncated_model_no_traceback(cli_subprocess, tmp_path):
    path = _corrupt(tmp_path, "dscnn_kws_int8", "truncated")
    result = cli_subprocess("report", "--runtime", "tflm", path, "--json")
    line = assert_one_line_error(result, code=2)
    assert "truncated.tflite" in line  # names the file
    # --json: the failure as one JSON object on stdout, the same words and exit code.
    import json

    failure = json.loads(result.stdout)
    assert failure == {"error": failure["error"], "exit_code": 2} and "truncated.tflite" in failure["error"]
