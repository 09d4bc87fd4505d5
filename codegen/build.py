"""Build a generated project: ``make`` with the project's own Makefile.

The Makefile is the one description of the build (the same file users run by
hand); this module checks the prerequisites, picks a shared TFLM build folder
so the library is compiled once per TFLM tree, CPU and kernel set, runs make
and checks the artifacts (ELF, BIN, HEX, map; UF2 for the Pico) exist.

Before make: the tree must hold the kernels the project was generated for
(:func:`check_tree_kernels`: a cmsis-nn project needs a tree made with
``OPTIMIZED_KERNEL_DIR=cmsis_nn``, a reference project one made without), and the shared
TFLM build folder is locked (``fcntl.flock`` on its ``.lock``) for the whole make, so two
builds never compile into it at once. The Makefile names the library's folder by a
checksum of the tree's source list and the flags (what is really in it).
"""

from __future__ import annotations

import contextlib
import fcntl
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


CMSIS_NN_KERNELS_DIR = "tensorflow/lite/micro/kernels/cmsis_nn"
CMSIS_NN_LIBRARY_HEADER = "third_party/cmsis_nn/Include/arm_nnfunctions.h"
LOCK_FILE = ".lock"


def check_tree_kernels(tflm_dir: Path, kernels: str) -> None:
    """BadInputError (one line) unless the tree holds the kernel set ``kernels`` names: for
    ``cmsis-nn`` TFLM's CMSIS-NN kernels (``kernels/cmsis_nn/*.cc``) and Arm's CMSIS-NN library;
    for ``reference`` no CMSIS-NN kernels (create_tflm_tree.py puts them in place of the
    reference ones: the firmware would say "reference" and run CMSIS-NN)."""
    kernel_dir = tflm_dir / CMSIS_NN_KERNELS_DIR
    has_kernels = kernel_dir.is_dir() and any(kernel_dir.glob("*.cc"))
    has_library = (tflm_dir / CMSIS_NN_LIBRARY_HEADER).is_file()
    if kernels == "cmsis-nn" and not (has_kernels and has_library):
        missing = " and ".join(what for what, ok in ((f"{CMSIS_NN_KERNELS_DIR}/*.cc", has_kernels),
                                                     (CMSIS_NN_LIBRARY_HEADER, has_library)) if not ok)
        raise BadInputError(f"{tflm_dir} has no CMSIS-NN kernels (no {missing}) but the project was generated "
                            "for --kernels cmsis-nn: make the tree with OPTIMIZED_KERNEL_DIR=cmsis_nn (see the "
                            "project's README.md) or regenerate with --kernels reference")
    if kernels == "reference" and has_kernels:
        raise BadInputError(f"{tflm_dir} holds CMSIS-NN kernels ({CMSIS_NN_KERNELS_DIR}) in place of TFLM's "
                            "reference kernels but the project was generated for --kernels reference: use a tree "
                            "made without OPTIMIZED_KERNEL_DIR or regenerate with --kernels cmsis-nn")


@contextlib.contextmanager
def locked_folder(folder: Path, log=print):
    """Hold an exclusive ``fcntl.flock`` on ``folder/.lock`` (made if needed) while the block runs;
    says so once when another process holds it and waits for it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(folder / LOCK_FILE, "a+")
    except OSError as exc:
        raise BadInputError(f"cannot keep TFLM objects in {folder}: {exc.strerror or exc} "
                            "(pass --tflm-build-dir DIR)") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"waiting for another build using {folder} to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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
    if not tflm_lib:  # a prebuilt library is the user's word for its kernels
        check_tree_kernels(tflm_dir, project.kernels)
    for program in ("make", "arm-none-eabi-gcc", "arm-none-eabi-g++", "arm-none-eabi-objcopy"):
        if shutil.which(program) is None:
            raise ToolNotFoundError(f"{program} not found: {INSTALL_HINT}")
    tflm_build_dir = Path(tflm_build_dir) if tflm_build_dir else default_tflm_build_dir(tflm_dir)
    argv = make_command(project, tflm_dir.resolve(), jobs, tflm_build_dir, tflm_lib, arena_bytes)
    log("$ " + shlex.join(argv))
    with (contextlib.nullcontext() if tflm_lib else locked_folder(tflm_build_dir, log)):
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
