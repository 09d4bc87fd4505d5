"""The TFLM runtime: the TensorFlow Lite Micro interpreter runs the embedded ``.tflite``.

What it supports is TFLM's check (:mod:`converter.tflm.check`) and a resolver method per operator;
its arena is the estimator's (:mod:`converter.tflm.arena`, optionally with ``attendnets optimize``'s
offline plan) plus the alignment slack; its flash holds the whole ``.tflite`` and TFLM's code
(estimated per operator, :mod:`converter.tflm.code_size`).  It builds with the project's Makefile
and a TFLM tree (``TFLM_DIR``), whose objects are shared per tree, CPU and kernel set.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from dataclasses import replace
from pathlib import Path

from attendnets_base.errors import AttendnetsError, BadInputError, UnsupportedOperatorError
from attendnets_base.fsutil import exclusive_lock, user_cache_dir
from codegen import context as ctx
from codegen.runtimes.base import BuildOptions, Firmware, OperatorSupport, PreparedModel, Runtime
from codegen.templates import render
from converter.report.build import build_memory_report
from converter.report.fit import DEFAULT_STACK_BYTES, arena_bytes_for
from converter.report.html_format import arena_timeline_svg
from converter.report.runtimes import tflm_footprint
from converter.tflm.arena import estimate_arena
from converter.tflm.check import check_model, describe_model
from converter.tflm.code_size import estimate_code_bytes as tflm_code_bytes
from firmware_template import TFLM_PROJECT_DIR
from converter.planner.optimize import optimize_model
from converter.planner.tflm_plan import check_plan_target
from converter.tflite_model import load_model



RESCHEDULE_SECONDS = 1.0  # "what would fit"'s placement search time limit (attendnets optimize defaults to 2 s)


def default_tflm_build_dir(tflm_dir: Path) -> Path:
    """Shared TFLM object folder for one TFLM tree: <user cache>/tflm-<hash of its path> (the user cache:
    attendnets_base.fsutil.user_cache_dir, ~/.cache/attendnets unless $ATTENDNETS_CACHE/$XDG_CACHE_HOME)."""
    cache = user_cache_dir()
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


def locked_folder(folder: Path, log=print):
    """Hold an exclusive ``fcntl.flock`` on ``folder/.lock`` (made if needed) while the block runs;
    says so once when another process holds it and waits for it."""
    return exclusive_lock(
        folder / LOCK_FILE, log, waiting=f"waiting for another build using {folder} to finish",
        cannot=lambda reason: f"cannot keep TFLM objects in {folder}: {reason} (pass --tflm-build-dir DIR)")


def tree_kernels(tflm_dir) -> str:
    """The kernel set a TFLM tree was made with: cmsis-nn when it holds CMSIS-NN, else reference."""
    return "cmsis-nn" if tflm_dir and (Path(tflm_dir) / "third_party" / "cmsis_nn").is_dir() else "reference"


def estimate_required_arena_bytes(model, board, kernels) -> tuple[int, str]:
    """The arena estimator's smallest arena that allocates, for this board's pointer width."""
    try:
        estimate = estimate_arena(model, pointer_bytes=board.pointer_bytes, kernels=kernels,
                                  cmsis_nn_arch=board.cmsis_nn_arch)
    except UnsupportedOperatorError as exc:
        other = "reference" if kernels == "cmsis-nn" else "cmsis-nn"
        raise UnsupportedOperatorError(f"cannot size the arena: {exc} (try --kernels {other})") from None
    note = (f"converter.tflm.arena estimate_arena(pointer_bytes={board.pointer_bytes}, kernels={kernels!r}, "
            f"cmsis_nn_arch={board.cmsis_nn_arch!r} ({board.cpu})): "
            f"required {estimate.required_bytes} B, recorded use {estimate.total_bytes} B")
    return estimate.required_bytes, note


def memory_plan(model, board, kernels, optimize_plan):
    """The model TFLM gets: with ``optimize_plan``, ``attendnets optimize``'s (an offline memory
    plan for this board's kernels, converter.planner); a plan made for other kernels is refused."""
    if optimize_plan:
        result = optimize_model(model.data, target="cortex-m", kernels=kernels, cmsis_nn_arch=board.cmsis_nn_arch)
        optimized = load_model(result.data)
        optimized.path = model.path
        model = optimized
    check_plan_target(model, kernels, board.cmsis_nn_arch)
    return model


def estimate_code_bytes(model, kernels, board=None) -> int:
    """Flash for code on ``board``: TFLM runtime + the model's kernels + the generated application, from
    links measured per board and operator (converter.tflm.code_size)."""
    return tflm_code_bytes(model.operator_names(), kernels, board).firmware_bytes


# The interpreter glue's templates, rendered once per model of a firmware with several (codegen.several) under
# the model's prefix: {template: output name with PREFIX}
GLUE_TEMPLATES = {"src/model.h.j2": "src/{p}.h", "src/model.cc.j2": "src/{p}.cc", "src/model_data.h.j2": "src/{p}_data.h",
                  "src/model_data.cc.j2": "src/{p}_data.cc", "src/op_resolver.h.j2": "src/{p}_op_resolver.h"}
# Code each model after the first adds (its glue: the C API, the interpreter calls, its MicroMutableOpResolver<N>
# instantiation): the size of model.o, measured with arm-none-eabi-gcc 12.2 -Os for cortex-m4 (docs/results.md)
TFLM_MODEL_GLUE_BYTES = 2560


class PreparedTflm(PreparedModel):
    def __init__(self, runtime, model, kernels, arena_required_bytes, arena_note, ops, board=None):
        super().__init__(runtime, model)
        self.kernels = kernels
        self.arena_required_bytes = arena_required_bytes
        self.arena_note = arena_note
        self.ops = ops
        self.board = board

    def emit(self, name="model", labels=(), stack_bytes=None, heap_bytes=None, arena_placement="auto",
             library=False, prefix="model", shared_arena=None) -> Firmware:
        """The interpreter glue is templates (model.cc, model_data.cc, op_resolver.h) the project renders; as one of
        several models of a firmware (``prefix``, ``shared_arena``: codegen.several) they are rendered here, under
        the model's prefix, as its own files."""
        code = tflm_code_bytes(self.model.operator_names(), self.kernels, self.board)
        firmware = Firmware(
            arena_required_bytes=self.arena_required_bytes,
            arena_bytes=arena_bytes_for(self.arena_required_bytes),
            arena_note=self.arena_note,
            flash_data_bytes=self.model.size_bytes,
            code_bytes=code.firmware_bytes,
            code_source=code.method,
            ops=tuple(self.ops),
            embeds_tflite=True,
            context={"kernel_sources": [], "constants_bytes": 0},
        )
        if prefix == "model" and shared_arena is None or self.board is None:
            return firmware
        glue = ctx.glue_names(prefix, shared_arena)
        firmware = replace(firmware, context=dict(firmware.context, glue=glue))
        options = ctx.GenerateOptions(name=prefix, kernels=self.kernels, labels=tuple(labels), force=True,
                                      stack_bytes=self.runtime.default_stack_bytes,
                                      model_file_name=self.model.path.name if self.model.path else "model.tflite")
        context = ctx.build_context(self.model, self.board, options, self.runtime, firmware)
        files = {out.format(p=prefix): render(self.runtime.project_dir / rel, context)
                 for rel, out in GLUE_TEMPLATES.items()}
        return replace(firmware, files=files)


class TflmRuntime(Runtime):
    name = "tflm"
    title = "TFLM interpreter"
    label = "TFLM"
    default_stack_bytes = DEFAULT_STACK_BYTES
    flash_data_what = "model"
    check_column = False  # `attendnets check`'s table is TFLM's check
    has_memory_report = True  # converter.report.build.MemoryReport
    protocol_id = 0
    build_tools = ("make", "arm-none-eabi-gcc", "arm-none-eabi-g++", "arm-none-eabi-objcopy")
    needs = "a TFLM tree: set TFLM_DIR or pass --tflm-dir"
    project_dir = TFLM_PROJECT_DIR
    library_templates = ("src/model.h.j2", "src/model.cc.j2", "src/model_data.h.j2", "src/model_data.cc.j2",
                         "src/op_resolver.h.j2")
    library_needs_tflm = True
    several_models = True  # codegen.several: the glue is rendered per model under its prefix

    def several_code(self, prepared, board=None):
        """``(bytes, how)``: code of several models in one firmware: TFLM's runtime and the union of the models'
        kernels once, the application once, each further model's glue."""
        names = sorted({name for p in prepared for name in p.model.operator_names()})
        kernels = prepared[0].kernels
        glue = (len(prepared) - 1) * TFLM_MODEL_GLUE_BYTES
        estimate = tflm_code_bytes(names, kernels, board)
        return estimate.firmware_bytes + glue, (
            f"TFLM runtime and the {len(names)} operators' {kernels} kernels once, application "
            f"{estimate.application_bytes} B once (converter.tflm.code_size), "
            f"+{TFLM_MODEL_GLUE_BYTES} B glue per further model")

    def operator_support(self, model, kernels):
        result = check_model(model, kernels=kernels)
        return tuple(OperatorSupport(o.subgraph, o.index, o.name,
                                     None if o.supported else "; ".join(f.message for f in o.findings
                                                                        if f.severity == "error"))
                     for o in result.operators)

    def prepare(self, model, board, kernels, optimize_plan=False) -> PreparedTflm:
        check = check_model(model, kernels=kernels)
        if not check.ok:
            name = model.path.name if model.path else "the model"
            unsupported = check.unsupported_operators
            if unsupported:
                raise UnsupportedOperatorError(
                    f"TFLM cannot run {name} ({describe_model(model)}): unsupported operator(s) "
                    f"{', '.join(unsupported)}")
            raise UnsupportedOperatorError(f"{name} ({describe_model(model)}): {check.summary_line()}")
        ops = ctx.resolver_entries(model)  # every operator must have a resolver method
        model = memory_plan(model, board, kernels, optimize_plan)
        required, note = estimate_required_arena_bytes(model, board, kernels)
        return PreparedTflm(self, model, kernels, required, note, ops, board)

    def validation_kernels(self, tflm_dir) -> str:
        return tree_kernels(tflm_dir)

    def missing_build_input(self, options: BuildOptions):
        return None if (options.tflm_dir or os.environ.get("TFLM_DIR")) else self.needs

    def make_command(self, project, options: BuildOptions) -> list:
        tflm_dir = options.tflm_dir or os.environ.get("TFLM_DIR")
        if not tflm_dir:
            raise BadInputError("no TFLM tree: pass --tflm-dir or set TFLM_DIR (see the project's README.md)")
        tflm_dir = Path(tflm_dir)
        if not (tflm_dir / "tensorflow/lite/micro/micro_interpreter.h").is_file():
            raise BadInputError(f"{tflm_dir} is not a TFLM tree made by create_tflm_tree.py "
                                "(no tensorflow/lite/micro/micro_interpreter.h)")
        if options.tflm_lib and not Path(options.tflm_lib).is_file():
            raise BadInputError(f"--tflm-lib not found: {options.tflm_lib}")
        if not options.tflm_lib:  # a prebuilt library is the user's word for its kernels
            check_tree_kernels(tflm_dir, project.kernels)
        self.check_build_tools()
        argv = ["make", "-C", str(project.path), f"-j{options.jobs or os.cpu_count() or 1}",
                f"TFLM_DIR={tflm_dir.resolve()}"]
        if options.tflm_lib:
            argv.append(f"TFLM_LIB={options.tflm_lib}")
        else:
            argv.append(f"TFLM_BUILD_DIR={self._build_dir(options)}")
        if options.arena_bytes:
            argv.append(f"ARENA_BYTES={int(options.arena_bytes)}")
        return argv + list(options.make_args)

    def _build_dir(self, options: BuildOptions) -> Path:
        if options.tflm_build_dir:
            return Path(options.tflm_build_dir)
        return default_tflm_build_dir(Path(options.tflm_dir or os.environ.get("TFLM_DIR")))

    def build_lock(self, options: BuildOptions, log=print):
        """The shared TFLM build folder, locked for the whole make (a prebuilt library needs none)."""
        return contextlib.nullcontext() if options.tflm_lib else locked_folder(self._build_dir(options), log)

    def generate_summary(self, result, quoted_out):
        return {"what": f"{result.kernels} kernels", "kernels": result.kernels,
                "arena_required_bytes": result.arena_required_bytes,
                "arena": f"tensor arena: {result.arena_bytes} B (estimate {result.arena_required_bytes} B + "
                         "alignment slack)",
                "labels": True,
                "next": f"make -C {quoted_out} TFLM_DIR=/path/to/tflm-tree   (or attendnets build {quoted_out})"}

    def footprint(self, model, board=None, kernels="reference", memory_report=None, refuse=False):
        """From ``attendnets report``'s MemoryReport when there is one (its arena, the .tflite, its code)."""
        if memory_report is None:
            memory_report = build_memory_report(model, kernels=kernels, board=board,
                                                cmsis_nn_arch=board.cmsis_nn_arch if board is not None else None)
        return tflm_footprint(memory_report, self.rest_ram_bytes(), runtime=self.name,
                              title=self.title, label=self.label, flash_data_what=self.flash_data_what,
                              stack_bytes=self.default_stack_bytes).with_board(board)

    def figures_depend_on(self, board):
        return board.cmsis_nn_arch  # CMSIS-NN's code path sets its kernels' scratch buffers

    def unbound_footprint(self, model, board, kernels="reference"):
        report = build_memory_report(model, kernels=kernels, cmsis_nn_arch=board.cmsis_nn_arch)
        return self.footprint(model, None, kernels, memory_report=report)

    def rescheduled_footprint(self, model, footprint, board, kernels="reference"):
        """``footprint`` with the arena ``attendnets optimize`` finds (reordered operators, offline plan), or None."""
        try:
            result = optimize_model(model.data, target="cortex-m", kernels=kernels,
                                    cmsis_nn_arch=board.cmsis_nn_arch, reorder=True,
                                    time_limit_s=RESCHEDULE_SECONDS)
        except AttendnetsError:
            return None
        saved = result.before.required_bytes - result.after.required_bytes
        if saved <= 0:
            return None
        return replace(footprint, arena_bytes=footprint.arena_bytes - saved, board=None).with_board(board)

    def arena_timeline_svg(self, model, board):
        return arena_timeline_svg(build_memory_report(model, board=board))
