"""`pip install attendnets` without the [train] extra: the .tflite path runs for real.

A virtual environment without TensorFlow is made with ``python -m venv`` and the light
dependencies of setup.cfg (cached under build/light_venv/, remade when they change); the
checkout is installed into it as a user installs it (``pip install .``, not editable, not
on PYTHONPATH), and the installed ``attendnets`` script runs the commands on a model built
here without TensorFlow.  A mocked import cannot stand in for this: the dev venv imports
things (importlib.util, via .pth files) that a clean install does not, which hid a crash of
every .tflite command.  Skips with the reason only where pip cannot reach a package index.
"""

import configparser
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
VENV = REPO / "build" / "light_venv"
PIP_TIMEOUT_S = 900


def _setup_cfg_list(section, key):
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg")
    lines = cfg[section][key].splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def _light_requirements():
    return _setup_cfg_list("options", "install_requires")


def _packages():
    """The top-level folders setup.cfg installs (what `pip install .` copies)."""
    return sorted({name.split(".")[0] for name in _setup_cfg_list("options.packages.find", "include")})


def _pip(python, *args, timeout=PIP_TIMEOUT_S):
    return subprocess.run([str(python), "-m", "pip", "--disable-pip-version-check", *args],
                          capture_output=True, text=True, timeout=timeout)


def _index_unreachable(python, tmp_path):
    probe = _pip(python, "download", "--no-deps", "--no-cache-dir", "-d", str(tmp_path / "probe"), "click",
                 timeout=300)
    return probe.returncode != 0


def _light_venv(tmp_path):
    """The cached venv with the light dependencies only (made or remade under a lock)."""
    requirements = _light_requirements()
    key = hashlib.sha256("\n".join([sys.version, *requirements]).encode()).hexdigest()
    VENV.parent.mkdir(parents=True, exist_ok=True)
    python = VENV / "bin" / "python"
    with open(VENV.parent / "light_venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp = VENV / ".requirements"
        if python.exists() and stamp.is_file() and stamp.read_text() == key:
            return python
        shutil.rmtree(VENV, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, capture_output=True, timeout=300)
        proc = _pip(python, "install", "-q", *requirements)
        if proc.returncode != 0:
            if _index_unreachable(python, tmp_path):
                shutil.rmtree(VENV, ignore_errors=True)
                pytest.skip("pip cannot reach a package index to install the light dependencies: "
                            + (proc.stderr.strip().splitlines() or ["no output"])[-1])
            pytest.fail(f"pip install of the light dependencies failed:\n{proc.stderr[-3000:]}")
        stamp.write_text(key)
    return python


@pytest.fixture(scope="module")
def light_install(tmp_path_factory):
    """(the installed attendnets script, its python): the checkout installed with `pip install .`."""
    tmp_path = tmp_path_factory.mktemp("light_install")
    python = _light_venv(tmp_path)
    source = tmp_path / "source"  # a copy, so that pip's build never writes into the checkout
    source.mkdir()
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    for name in _packages():
        shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    proc = _pip(python, "install", "-q", "--no-deps", "--force-reinstall", str(source))
    if proc.returncode != 0:
        if _index_unreachable(python, tmp_path):
            pytest.skip("pip cannot reach a package index to build the checkout (setuptools): "
                        + (proc.stderr.strip().splitlines() or ["no output"])[-1])
        pytest.fail(f"pip install . failed:\n{proc.stderr[-3000:]}")
    return VENV / "bin" / "attendnets", python


def _run(script, *args, cwd, timeout=300):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ATTENDNETS_DEBUG")}
    return subprocess.run([str(script), *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=timeout)


def test_the_light_install_has_no_tensorflow_and_runs_from_site_packages(light_install, tmp_path):
    script, python = light_install
    probe = "import importlib.util as u, attendnets_base; print(u.find_spec('tensorflow'), attendnets_base.__file__)"
    proc = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, cwd=tmp_path,
                          env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    spec, location = proc.stdout.split()
    assert spec == "None"
    assert Path(location).is_relative_to(VENV), location  # the installed copy, not the checkout


def test_the_tflite_commands_run_without_tensorflow(light_install, tmp_path):
    from tflite_builder import int8_fc_model

    script, _ = light_install
    model = tmp_path / "m.tflite"
    model.write_bytes(int8_fc_model())
    runs = {
        "check": ["check", model],
        "inspect": ["inspect", model],
        "arena": ["arena", model],
        "report": ["report", model, "--runtime", "both", "--html", tmp_path / "r.html"],
        "optimize": ["optimize", model, "--out", tmp_path / "o.tflite"],
        "generate": ["generate", model, "--board", "mps2-an386", "--runtime", "compiled", "--out", tmp_path / "fw"],
        "boards": ["boards"],
        "predict": ["predict", model, tmp_path / "x.npy"],
        "flash --dry-run": ["flash", tmp_path / "fw", "--dry-run"],
    }
    import numpy as np

    np.save(tmp_path / "x.npy", np.zeros((1, 4), np.int8))
    for name, args in runs.items():
        proc = _run(script, *args, cwd=tmp_path)
        assert proc.returncode == 0 and "error" not in proc.stderr, f"{name}: {proc.stderr[-2000:]}"
    assert (tmp_path / "fw" / "src" / "model.c").is_file() and (tmp_path / "r.html").stat().st_size > 0
    if shutil.which("arm-none-eabi-gcc") and shutil.which("qemu-system-arm"):
        # build and run the compiled firmware too: templates and kernels are package data of the install
        for args in (["build", tmp_path / "fw"], ["size", tmp_path / "fw"]):
            proc = _run(script, *args, cwd=tmp_path)
            assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        proc = _run(script, "validate", model, "--board", "mps2-an386", "--data", "random", "--count", "3",
                    "--project", tmp_path / "val", cwd=tmp_path, timeout=600)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        assert "3 of 3" in proc.stdout or "3/3" in proc.stdout, proc.stdout[-2000:]
    # what needs TensorFlow says so in one line
    proc = _run(script, "evaluate", model, "--data", "digits", cwd=tmp_path)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode != 0 and len(lines) == 1 and "pip install 'attendnets[train]'" in lines[0], proc.stderr
