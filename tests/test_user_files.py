"""Never lose a user's work (issue 14, section 1): regenerating into a project, permissions.

A one-layer model built in the test (no shared models needed); no compiler needed.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import assert_one_line_error

sys.path.insert(0, str(Path(__file__).parent))
from tflite_builder import int8_fc_model  # noqa: E402
from unprivileged import unprivileged_cli  # noqa: E402,F401  (the fixture)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "fc.tflite"
    path.write_bytes(int8_fc_model())
    return path


def generate(cli, model, out, *args, board="mps2-an386"):
    return cli("generate", "--runtime", "tflm", model, "--board", board, "--out", out, "--kernels", "reference", *args)


def test_regenerate_keeps_user_files_and_refuses_to_replace_edits(cli, model, tmp_path):
    """Regenerating deleted src/my_app.c, NOTES.md and edits to src/main.cc with exit 0."""
    out = tmp_path / "own"
    assert generate(cli, model, out).exit_code == 0
    (out / "src" / "my_app.c").write_text("int my_app(void) { return 1; }\n")
    (out / "NOTES.md").write_text("my notes\n")
    (out / "app" / "deep").mkdir(parents=True)
    (out / "app" / "deep" / "x.h").write_text("#define X 1\n")
    result = generate(cli, model, out, "--name", "sine")
    assert result.exit_code == 0, result
    assert "kept your files" in result.stdout and "src/my_app.c" in result.stdout
    assert (out / "src" / "my_app.c").read_text() == "int my_app(void) { return 1; }\n"
    assert (out / "NOTES.md").read_text() == "my notes\n"
    assert (out / "app" / "deep" / "x.h").is_file()
    assert "sine_model_data" in (out / "src" / "model_data.cc").read_text()

    edited = (out / "src" / "main.cc").read_text() + "// my change\n"
    (out / "src" / "main.cc").write_text(edited)
    before_model = (out / "src" / "model_data.cc").read_text()
    line = assert_one_line_error(generate(cli, model, out, "--name", "other"), 2)
    assert "src/main.cc" in line and "--overwrite" in line
    assert (out / "src" / "main.cc").read_text() == edited  # nothing touched
    assert (out / "src" / "model_data.cc").read_text() == before_model
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fc.tflite", "own"]

    result = generate(cli, model, out, "--name", "other", "--overwrite")
    assert result.exit_code == 0, result
    assert "src/main.cc" in result.stdout and "--overwrite" in result.stdout
    assert "// my change" not in (out / "src" / "main.cc").read_text()
    assert (out / "NOTES.md").read_text() == "my notes\n"  # still kept
    assert generate(cli, model, out).exit_code == 0  # unchanged project: no --overwrite needed


def test_user_file_where_generate_now_writes_is_not_replaced(cli, model, tmp_path):
    out = tmp_path / "fw"
    assert generate(cli, model, out).exit_code == 0
    (out / "tools").mkdir(exist_ok=True)
    (out / "tools" / "uf2conv.py").write_text("# mine\n")  # generate writes it only for the Pico
    line = assert_one_line_error(generate(cli, model, out, board="rpi-pico"), 2)
    assert "tools/uf2conv.py" in line
    assert (out / "tools" / "uf2conv.py").read_text() == "# mine\n"


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_read_only_project_or_parent_is_refused_and_leaves_nothing(unprivileged_cli):
    """A read-only project left a hidden .fw.old-* behind with exit 0; an unwritable parent of --out
    gave 'internal error: PermissionError'.  Runs as another user from any clone (tests/unprivileged.py)."""
    run = unprivileged_cli
    root = run.root
    model = root / "fc.tflite"
    model.write_bytes(int8_fc_model())
    model.chmod(0o644)

    out = root / "fw"
    assert generate(run, model, out).exit_code == 0
    (out / "src").chmod(0o555)
    line = assert_one_line_error(generate(run, model, out, "--name", "other"), 2)
    assert "not writable" in line
    (out / "src").chmod(0o755)
    out.chmod(0o555)
    line = assert_one_line_error(generate(run, model, out, "--name", "other"), 2)
    assert "not writable" in line
    out.chmod(0o755)
    assert sorted(p.name for p in root.iterdir() if not p.name.startswith(".attendnets-")) == ["fc.tflite", "fw"]
    assert not [p for p in root.iterdir() if p.name.startswith(".fw")]  # no .fw.old-*, no .fw.*.tmp

    locked = root / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    line = assert_one_line_error(generate(run, model, locked / "fw"), 2)
    assert "not writable" in line and "internal error" not in line
    assert list(locked.iterdir()) == []


@pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None or shutil.which("make") is None,
                    reason="arm-none-eabi-gcc and make are not installed")
def test_arena_bytes_override_recompiles_after_a_build(cli, model, tmp_path):
    """`make ARENA_BYTES=N` (and `build --arena-bytes N`) after a build kept the old arena: the objects
    did not depend on the define."""
    out = tmp_path / "fw"
    assert generate(cli, model, out).exit_code == 0

    def make(*args, dry=False):
        proc = subprocess.run(["make", "-C", str(out), *(["-n"] if dry else []), *args],
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    make("platform")
    assert "startup.c" not in make("platform", dry=True)  # up to date
    assert "-DMODEL_ARENA_BYTES=4096u" in make("platform", "ARENA_BYTES=4096", dry=True)
    make("platform", "ARENA_BYTES=4096")
    assert "startup.c" not in make("platform", "ARENA_BYTES=4096", dry=True)
    assert "startup.c" in make("platform", dry=True)  # back to the generated size: rebuilt again

    # the object that holds the arena: up to date, then recompiled with the new size
    make("platform")
    obj = out / "build" / "obj" / "src" / "model.o"
    obj.parent.mkdir(parents=True, exist_ok=True)
    obj.write_bytes(b"")
    args = ["build/obj/src/model.o", f"TFLM_DIR={tmp_path}"]
    assert "src/model.cc" not in make(*args, dry=True)
    rebuild = make(*args, "ARENA_BYTES=8192", dry=True)
    assert "src/model.cc" in rebuild and "-DMODEL_ARENA_BYTES=8192u" in rebuild


def test_labels_travel_with_their_model(cli, tmp_path):
    """Two `convert` runs into one folder shared labels.txt: the second replaced the first's, and the
    firmware of the first model carried the wrong class names.  Now each model has NAME.labels.txt."""
    from attendnets_base.labels import find_labels, labels_path_for

    first, second = tmp_path / "animals.tflite", tmp_path / "tools.tflite"
    for path, names in ((first, "cat\ndog\nbird\n"), (second, "saw\nhammer\ndrill\n")):
        path.write_bytes(int8_fc_model())
        labels_path_for(path).write_text(names)
    (tmp_path / "labels.txt").write_text("x\ny\nz\n")  # a run folder's shared file: only the fallback
    assert labels_path_for(first).name == "animals.labels.txt"
    assert find_labels(first) == (["cat", "dog", "bird"], labels_path_for(first))
    for model, names in ((first, ("cat", "dog", "bird")), (second, ("saw", "hammer", "drill"))):
        out = tmp_path / f"fw_{model.stem}"
        result = generate(cli, model, out)
        assert result.exit_code == 0, result
        assert labels_path_for(model).name in result.stdout
        code = (out / "src" / "model.cc").read_text()
        assert all(f'"{n}"' in code for n in names), code
    labels_path_for(second).unlink()
    assert find_labels(second)[0] == ["x", "y", "z"]

