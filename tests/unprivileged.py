"""Run the CLI as a user file permissions apply to (root ignores them), from any clone.

The clone may sit in a folder other users cannot read (a home directory, a fresh temporary
folder: mode 0700), and so may its virtual environment.  :func:`unprivileged_runner` makes a
world-readable temporary folder and finds an installation the other user can import from,
in this order:

1. the checkout and the interpreter as they are (a clone at a readable path);
2. a copy of the project's packages in that folder, with the same interpreter and its
   site-packages (the clone is unreadable, the environment is not);
3. that copy plus copies of the third-party packages the ``.tflite`` path imports, with the
   base interpreter of the virtual environment (the environment is inside the clone).

Each is probed by importing the CLI as that user; when none works the test skips and says why.
"""

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
UNPRIVILEGED_UID = 65534  # nobody
#: What `generate`, `report`, `optimize` and `validate` import from the project.
PROJECT_PACKAGES = ("attendnets", "attendnets_base", "codegen", "converter", "validation", "firmware_template")
#: Third-party packages of the `.tflite` path (setup.cfg's install_requires the CLI imports).
THIRD_PARTY = ("click", "jinja2", "markupsafe", "numpy", "flatbuffers", "tflite", "tflite_micro", "PIL", "serial")
PROBE = "import attendnets.cli, codegen.generate, converter.report.build, validation.run"


def user_prefix():
    """argv prefix that runs a command as another user; [] when not root (permissions apply already)."""
    if os.name != "posix":
        pytest.skip("POSIX permissions")
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root and setpriv is not installed: permissions cannot be tested")
    return ["setpriv", f"--reuid={UNPRIVILEGED_UID}", f"--regid={UNPRIVILEGED_UID}", "--clear-groups"]


def _probe(prefix, python, pythonpath, cwd):
    try:
        proc = subprocess.run([*prefix, python, "-c", PROBE], cwd=cwd, capture_output=True, text=True, timeout=120,
                              env={**os.environ, "PYTHONPATH": pythonpath, "PYTHONNOUSERSITE": "1",
                                   "PYTHONDONTWRITEBYTECODE": "1"})
    except OSError as exc:
        return f"{python}: {exc.strerror}"
    if proc.returncode == 0:
        return None
    lines = (proc.stderr or proc.stdout).strip().splitlines()
    return lines[-1] if lines else f"exit {proc.returncode}"


def _copy_readable(src, dst):
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"), symlinks=False)
    for dirpath, dirnames, filenames in os.walk(dst):
        os.chmod(dirpath, 0o755)
        for name in filenames:
            path = os.path.join(dirpath, name)
            os.chmod(path, 0o755 if os.access(path, os.X_OK) else 0o644)


def _package_dir(name):
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def _installation(prefix, root):
    """(python, PYTHONPATH) the other user can run the CLI with, or skip with the reasons."""
    reasons = []
    reason = _probe(prefix, sys.executable, str(REPO), root)
    if reason is None:
        return sys.executable, str(REPO)
    reasons.append(f"from the checkout: {reason}")
    src = root / ".attendnets-src"
    for name in PROJECT_PACKAGES:
        _copy_readable(REPO / name, src / name)
    reason = _probe(prefix, sys.executable, str(src), root)
    if reason is None:
        return sys.executable, str(src)
    reasons.append(f"from a copy of the project: {reason}")
    site = root / ".attendnets-site"
    site.mkdir()
    for name in THIRD_PARTY:
        folder = _package_dir(name)
        if folder is None:
            continue
        _copy_readable(folder, site / folder.name)
        libs = folder.parent / f"{folder.name}.libs"  # wheels keep their shared libraries beside the package
        if libs.is_dir():
            _copy_readable(libs, site / libs.name)
    base = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
    reason = _probe(prefix, base, f"{src}{os.pathsep}{site}", root)
    if reason is None:
        return base, f"{src}{os.pathsep}{site}"
    reasons.append(f"with {base} and copies of its packages: {reason}")
    pytest.skip(f"user {UNPRIVILEGED_UID} cannot run the CLI from here ({'; '.join(reasons)})")


class UnprivilegedRunner:
    """``run(*args)``: ``python -m attendnets ARGS`` as the other user, in ``root`` (world-writable)."""

    def __init__(self, prefix, root, python, pythonpath):
        self.prefix, self.root, self.python, self.pythonpath = prefix, root, python, pythonpath

    def __call__(self, *args):
        from conftest import CliResult

        proc = subprocess.run([*self.prefix, self.python, "-m", "attendnets", *map(str, args)], cwd=self.root,
                              capture_output=True, text=True, timeout=300,
                              env={**os.environ, "PYTHONPATH": self.pythonpath, "HOME": str(self.root),
                                   "PYTHONNOUSERSITE": "1", "PYTHONDONTWRITEBYTECODE": "1"})
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    def cleanup(self):
        for dirpath, _, _ in os.walk(self.root):
            os.chmod(dirpath, 0o755)
        shutil.rmtree(self.root, ignore_errors=True)


def unprivileged_runner():
    """A :class:`UnprivilegedRunner` in a fresh world-writable temporary folder (call ``cleanup()``)."""
    prefix = user_prefix()
    root = Path(tempfile.mkdtemp(prefix="attendnets-perm-"))
    root.chmod(0o777)
    try:
        python, pythonpath = _installation(prefix, root)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return UnprivilegedRunner(prefix, root, python, pythonpath)


@pytest.fixture
def unprivileged_cli():
    runner = unprivileged_runner()
    try:
        yield runner
    finally:
        runner.cleanup()
