"""Build a generated project: ``make`` with the project's own Makefile.

The Makefile is the one description of the build (the same file users run by
hand); this module checks the prerequisites, picks a shared TFLM build folder
so the library is compiled once per TFLM tree, CPU and kernel set, runs make
and checks the artifacts (ELF, BIN, HEX, map; UF2 for the Pico) exist.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
from pathlib import Path

from attendnets_base.errors import BadInputError, ExternalToolError, ToolNotFoundError
from codegen.project import open_project

INSTALL_HINT = ("install the Arm GNU toolchain: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi "
                "libstdc++-arm-none-eabi-newlib make (or https://developer.arm.com/downloads/-/arm-gnu-toolchain-downloads)")


def default_tflm_build_dir(tflm_dir: Path) -> Path:
    """Shared TFLM object folder for one TFLM tree: ~/.cache/attendnets/tflm-<hash of its path>."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "attendnets"
    key = hashlib.sha1(str(tflm_dir.resolve()).encode()).hexdigest()[:12]
    return cache / f"tflm-{key}"


def make_command(project, tflm_dir, jobs=None, tflm_build_dir=None, tflm_lib=None, arena_bytes=None):
    argv = ["make", "-C", str(project.path), f"-j{jobs or os.cpu_count() or 1}", f"TFLM_DIR={tflm_dir}"]
    if tflm_lib:
        argv.append(f"TFLM_LIB={tflm_lib}")
    else:
        argv.append(f"TFLM_BUILD_DIR={tflm_build_dir or default_tflm_build_dir(Path(tflm_dir))}")
    if arena_bytes:
        argv.append(f"ARENA_BYTES={int(arena_bytes)}")
    return argv


def build_project(path, tflm_dir=None, jobs=None, tflm_build_dir=None, tflm_lib=None, arena_bytes=None,
                  log=print, runner=subprocess.run, make_args=()):
    """Run the build; returns the artifact paths. ``tflm_dir`` defaults to $TFLM_DIR.

    A compiled-runtime project needs no TFLM tree (``tflm_dir``, ``tflm_lib`` are ignored;
    ``arena_bytes`` is refused: its arena is the generated static plan).
    """
    project = open_project(path)
    if project.runtime == "compiled":
        return _build_compiled(project, jobs, arena_bytes, log, runner, make_args)
    tflm_dir = tflm_dir or os.environ.get("TFLM_DIR")
    if not tflm_dir:
        raise BadInputError("no TFLM tree: pass --tflm-dir or set TFLM_DIR (see the project's README.md)")
    tflm_dir = Path(tflm_dir)
    if not (tflm_dir / "tensorflow/lite/micro/micro_interpreter.h").is_file():
        raise BadInputError(f"{tflm_dir} is not a TFLM tree made by create_tflm_tree.py "
                            "(no tensorflow/lite/micro/micro_interpreter.h)")
    if tflm_lib and not Path(tflm_lib).is_file():
        raise BadInputError(f"--tflm-lib not found: {tflm_lib}")
    for program in ("make", "arm-none-eabi-gcc", "arm-none-eabi-g++", "arm-none-eabi-objcopy"):
        if shutil.which(program) is None:
            raise ToolNotFoundError(f"{program} not found: {INSTALL_HINT}")
    argv = make_command(project, tflm_dir.resolve(), jobs, tflm_build_dir, tflm_lib, arena_bytes)
    log("$ " + shlex.join(argv))
    proc = runner(argv)
    if proc.returncode != 0:
        raise ExternalToolError(f"make failed with status {proc.returncode} (output above)")
    missing = [str(p) for p in project.expected_artifacts if not p.is_file()]
    if missing:
        raise ExternalToolError(f"the build finished but did not produce {', '.join(missing)}")
    return project.expected_artifacts


def _build_compiled(project, jobs, arena_bytes, log, runner, make_args=()):
    if arena_bytes:
        raise BadInputError("--arena-bytes: a compiled-runtime project's arena is its static plan "
                            "(regenerate to change it)")
    for program in ("make", "arm-none-eabi-gcc", "arm-none-eabi-objcopy"):
        if shutil.which(program) is None:
            raise ToolNotFoundError(f"{program} not found: {INSTALL_HINT}")
    argv = ["make", "-C", str(project.path), f"-j{jobs or os.cpu_count() or 1}", *make_args]
    log("$ " + shlex.join(argv))
    proc = runner(argv)
    if proc.returncode != 0:
        raise ExternalToolError(f"make failed with status {proc.returncode} (output above)")
    missing = [str(p) for p in project.expected_artifacts if not p.is_file()]
    if missing:
        raise ExternalToolError(f"the build finished but did not produce {', '.join(missing)}")
    return project.expected_artifacts
