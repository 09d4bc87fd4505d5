"""Machine-readable failures and writes that fail (issue 22, "Machine-readable and readable").

With ``--json`` a failure prints ``{"error": ..., "exit_code": ...}`` on stdout as well as the one
line on stderr, for every command that has ``--json``; an output that cannot be written gets exit 2
and a message naming the user's path (never the temporary sibling), whichever command writes it.
A one-layer model built in the test; no TensorFlow, no compiler.
"""

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import assert_one_line_error

sys.path.insert(0, str(Path(__file__).parent))
from tflite_builder import int8_fc_model  # noqa: E402
from unprivileged import unprivileged_cli  # noqa: E402,F401  (the fixture)

REPO = Path(__file__).resolve().parents[1]

#: Commands that write something and had no --json before issue 22.
WRITERS = ["train", "quantize", "convert", "generate", "build", "flash"]


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "fc.tflite"
    path.write_bytes(int8_fc_model())
    return path


def _json_commands():
    from attendnets.cli import cli

    commands = {name: cli.get_command(None, name) for name in cli.list_commands(None)}
    return sorted(name for name, cmd in commands.items() if any(p.name == "as_json" for p in cmd.params))


def test_writers_have_json():
    assert set(WRITERS) <= set(_json_commands())


def _failing_args(name, tmp_path):
    """A command line of ``name`` that fails after parsing (the --json callback has run)."""
    missing = tmp_path / "missing.tflite"
    project = tmp_path / "no-project"
    return {
        "arena": [missing], "check": [missing], "inspect": [missing], "report": [missing],
        "optimize": [missing, "--out", tmp_path / "o.tflite"],
        "validate": [missing, "--board", "mps2-an386"],
        "generate": [missing, "--board", "mps2-an386", "--out", tmp_path / "fw"],
        "build": [project], "flash": [project], "size": [project],
        "boards": ["no-such-argument"],  # a usage error: boards takes no argument
        # the TensorFlow commands, refused before TensorFlow is imported
        "profile": [tmp_path / "m.keras", "--arch", "attendnet_a"],
        "train": ["--out", tmp_path / "run", "--data", "digits"],  # no --arch
        "quantize": [tmp_path / "m.keras", "--data", "digits", "--out", tmp_path / "q.txt"],
        "convert": [tmp_path / "m.keras", "--data", "digits", "--out", tmp_path / "m.tflite", "--samples", "0"],
        "evaluate": [missing, "--data", "digits"],
        "predict": [missing, tmp_path / "x.npy"],
    }[name]


@pytest.mark.parametrize("name", _json_commands())
def test_failure_with_json_prints_a_json_object(cli, tmp_path, name):
    args = _failing_args(name, tmp_path)
    if args is None:
        pytest.skip(f"{name} has no failing input")
    result = cli(name, *args, "--json")
    line = assert_one_line_error(result)
    doc = json.loads(result.stdout)
    assert doc == {"error": line[len("error: "):], "exit_code": result.exit_code}, result
    without = cli(name, *args)  # the same failure without --json: the line only, the same status
    assert without.exit_code == result.exit_code and without.stdout == ""


def test_usage_error_before_json_is_parsed_is_json_too(cli, model):
    """click refuses --kernels before --json's callback runs: still a JSON object."""
    result = cli("check", "--kernels", "nonsense", model, "--json")
    assert_one_line_error(result, 2)
    assert json.loads(result.stdout)["exit_code"] == 2
    result = cli("check", "--kernels", "nonsense", model)  # no --json: nothing on stdout
    assert result.stdout == ""


def test_generate_and_flash_json_say_what_they_wrote(cli, model, tmp_path):
    out = tmp_path / "fw"
    result = cli("generate", model, "--board", "mps2-an386", "--out", out, "--runtime", "compiled", "--json")
    assert result.exit_code == 0, result
    doc = json.loads(result.stdout)
    assert doc["out"] == str(out) and doc["runtime"] == "compiled" and doc["fit"]["fits"] is True
    assert doc["arena_bytes"] > 0 and doc["operators"] == ["FULLY_CONNECTED"]
    result = cli("flash", out, "--dry-run", "--json")
    assert result.exit_code == 0, result
    doc = json.loads(result.stdout)
    assert doc["tool"] == "qemu" and doc["commands"][0][0] == "qemu-system-arm" and doc["exit_code"] == 0


# --- an output that cannot be written: exit 2, the user's path -------------------------------

def test_full_disk_names_the_output_and_leaves_nothing(cli, model, tmp_path, monkeypatch):
    """ENOSPC carries no file name: 'error: No space left on device' named nothing (exit 1)."""
    out = tmp_path / "out" / "small.tflite"
    out.parent.mkdir()

    def full(self, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Path, "write_bytes", full)
    result = cli("optimize", model, "--out", out, "--json")
    line = assert_one_line_error(result, 2)
    assert line == f"error: cannot write {out}: no space left on device"
    assert json.loads(result.stdout) == {"error": line[len("error: "):], "exit_code": 2}
    assert list(out.parent.iterdir()) == []


def test_full_disk_while_generating_names_the_project_file(cli, model, tmp_path, monkeypatch):
    """The project is written into a hidden temporary sibling first: the error named that folder."""
    out = tmp_path / "fw"
    real_write_text = Path.write_text

    def full(self, data, *args, **kwargs):
        if self.name == "main.c":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real_write_text(self, data, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full)
    result = cli("generate", model, "--board", "mps2-an386", "--out", out, "--runtime", "compiled", "--json")
    line = assert_one_line_error(result, 2)
    assert line == f"error: cannot write {out / 'src' / 'main.c'}: no space left on device", line
    assert json.loads(result.stdout)["exit_code"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fc.tflite"]  # no project, no temporary folder


def test_read_only_output_folder_same_status_and_user_path_everywhere(model, unprivileged_cli):
    """Today: generate/report exit 2, optimize/validate exit 1 naming '.small.tflite.xxxx.tmp.tflite'."""
    run = unprivileged_cli
    root = run.root
    src = root / "fc.tflite"
    shutil.copy(model, src)
    src.chmod(0o644)
    locked = root / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    cases = {
        "optimize": (["optimize", src, "--out", locked / "small.tflite"], locked / "small.tflite"),
        "report": (["report", "--runtime", "tflm", src, "--html", locked / "r.html"], locked / "r.html"),
        "validate": (["validate", src, "--board", "mps2-an386", "--html", locked / "v.html",
                      "--project", root / "vp"], locked / "v.html"),
        "generate": (["generate", "--runtime", "tflm", src, "--board", "mps2-an386", "--out", locked / "fw"], None),
    }
    for name, (args, path) in cases.items():
        result = run(*args)
        line = assert_one_line_error(result, 2)
        assert "not writable" in line and ".tmp" not in line, (name, line)
        if path is not None:
            assert str(path) in line, (name, line)
    assert list(locked.iterdir()) == [] and not (root / "vp").exists()
