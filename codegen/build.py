"""Build a generated project: ``make`` with the project's own Makefile.

The Makefile is the one description of the build (the same file users run by
hand); this module asks the project's runtime (:mod:`codegen.runtimes`) for make's
command line and its prerequisites (the TFLM runtime: a tree holding the kernels the
project was generated for, one shared TFLM build folder per tree, CPU and kernel set,
locked for the whole make), checks the toolchain, runs make and checks the artifacts
(ELF, BIN, HEX, map; UF2 for the Pico) exist.
"""

from __future__ import annotations

import shlex
import subprocess

from attendnets_base.errors import ExternalToolError
from codegen.project import open_project
from codegen.runtimes.base import INSTALL_HINT, BuildOptions  # noqa: F401  (INSTALL_HINT: re-exported)
from codegen.runtimes.tflm import (LOCK_FILE, check_tree_kernels, default_tflm_build_dir,  # noqa: F401
                                   locked_folder)  # (re-exported: the TFLM runtime's build facts)


def build_project(path, tflm_dir=None, jobs=None, tflm_build_dir=None, tflm_lib=None, arena_bytes=None,
                  log=print, runner=subprocess.run, make_args=()):
    """Run the build; returns the artifact paths. ``tflm_dir`` defaults to $TFLM_DIR.

    Each runtime reads the options it needs: a compiled-runtime project needs no TFLM tree
    (``tflm_dir``, ``tflm_lib`` are ignored; ``arena_bytes`` is refused: its arena is the
    generated static plan).
    """
    project = open_project(path)
    runtime = project.runtime
    options = BuildOptions(jobs=jobs, tflm_dir=tflm_dir, tflm_build_dir=tflm_build_dir, tflm_lib=tflm_lib,
                           arena_bytes=arena_bytes, make_args=tuple(make_args))
    argv = runtime.make_command(project, options)
    log("$ " + shlex.join(argv))
    with runtime.build_lock(options, log):
        proc = runner(argv)
    if proc.returncode != 0:
        raise ExternalToolError(f"make failed with status {proc.returncode} (output above)")
    missing = [str(p) for p in project.expected_artifacts if not p.is_file()]
    if missing:
        raise ExternalToolError(f"the build finished but did not produce {', '.join(missing)}")
    return project.expected_artifacts
