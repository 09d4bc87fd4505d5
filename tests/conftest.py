"""Shared test fixtures.

The reference models live in ``../shared/models`` beside the checkout (set
``ATTENDNETS_SHARED_MODELS`` to point elsewhere); tests that need them skip
with a printed reason when the folder is absent.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_MODELS_DIR = Path(
    os.environ.get("ATTENDNETS_SHARED_MODELS", REPO_ROOT.parent / "shared" / "models")
)
SHARED_MODEL_NAMES = [
    "hello_world_int8.tflite",
    "micro_speech_quantized.tflite",
    "person_detect.tflite",
    "pretrainedResnet_quant.tflite",
    "trained_lstm_int8.tflite",
    "vww_96_int8.tflite",
]


def shared_model_path(name):
    path = SHARED_MODELS_DIR / name
    if not path.is_file():
        pytest.skip(f"shared model {name} not found in {SHARED_MODELS_DIR} (set ATTENDNETS_SHARED_MODELS)")
    return path


@pytest.fixture(params=SHARED_MODEL_NAMES)
def shared_model(request):
    """Each model of ../shared/models in turn (a Path)."""
    return shared_model_path(request.param)


class CliResult:
    def __init__(self, exit_code, stdout, stderr):
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr

    def __repr__(self):
        return f"CliResult(exit_code={self.exit_code}, stdout={self.stdout[-2000:]!r}, stderr={self.stderr[-2000:]!r})"


@pytest.fixture
def cli(capsys):
    """Run ``attendnets ARGS...`` in-process; returns a CliResult."""
    from attendnets.cli import main

    def invoke(*args):
        capsys.readouterr()
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return invoke


@pytest.fixture
def cli_subprocess():
    """Run ``python -m attendnets ARGS...`` in a fresh process; returns a CliResult."""

    def invoke(*args, env=None, timeout=600, cwd=None):
        proc = subprocess.run(
            [sys.executable, "-m", "attendnets", *[str(a) for a in args]],
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, **(env or {})},
            cwd=cwd,
        )
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    return invoke


def assert_one_line_error(result, code=None):
    """A user error: non-zero exit, a single 'error: ...' line, no traceback."""
    assert result.exit_code != 0, result
    if code is not None:
        assert result.exit_code == code, result
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result
    lines = [l for l in result.stderr.strip().splitlines() if l.strip()]
    error_lines = [l for l in lines if l.startswith("error: ")]
    assert len(error_lines) == 1, result
    return error_lines[0]


def packages_imported_by(code, packages, timeout=120):
    """Run ``code`` in a fresh Python; the sorted names among ``packages`` it imported (top level).

    For the "this path does not import TensorFlow" tests.  Fails the test if
    ``code`` itself fails.
    """
    script = (code + "\nimport sys\n"
              f"print('IMPORTED', sorted({{m.split('.')[0] for m in sys.modules}} & set({tuple(packages)!r})))\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("IMPORTED ")][-1]
    import ast

    return ast.literal_eval(line[len("IMPORTED "):])
