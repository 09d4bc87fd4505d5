"""The runtime interface: what one firmware runtime does for check, generate, build, report and validate.

A runtime is one object (:class:`Runtime`) that says

- what it supports: :meth:`Runtime.operator_support` (per operator: ok, or why not; the columns of
  ``attendnets check``) and the refusal :meth:`Runtime.prepare` raises before anything is written;
- its figures for one model, in bytes: :class:`Firmware` (arena, flash data, code estimate) and the
  runtime's default stack (:attr:`Runtime.default_stack_bytes`), as a
  :class:`converter.report.runtimes.RuntimeFootprint` for ``attendnets report``;
- the files it writes into a project: its template tree (:attr:`Runtime.project_dir`, beside
  ``firmware_template/common``) and the files
  generated per model (:attr:`Firmware.files`), with its own template variables and project.json facts;
- how it builds: the programs make needs and make's command line (:meth:`Runtime.make_command`).

The work on one model happens once per command: :meth:`Runtime.prepare` checks and plans (the
compiled runtime lowers the model there) and returns a :class:`PreparedModel`; its
:meth:`PreparedModel.emit` gives the :class:`Firmware` for a C name and labels.  The callers
(codegen.generate, codegen.context, codegen.build, validation, the report command) use only this
interface; the registry (:mod:`codegen.runtimes`) is the one place that names the runtimes.
"""

from __future__ import annotations

import contextlib
import shutil
from dataclasses import dataclass, field

from attendnets_base.errors import BadInputError, ToolNotFoundError, UnsupportedOperatorError
from converter.report.fit import ARENA_ALIGNMENT_BYTES, DEFAULT_HEAP_BYTES, STATIC_DATA_ALLOWANCE_BYTES
from converter.report.runtimes import RuntimeFootprint
from codegen.templates import output_name, render

INSTALL_HINT = ("install the Arm GNU toolchain: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi "
                "libstdc++-arm-none-eabi-newlib make (or https://developer.arm.com/downloads/-/arm-gnu-toolchain-downloads)")


@dataclass(frozen=True)
class OperatorSupport:
    """Can a runtime run one operator (``reason`` None), and if not, why."""

    subgraph: int
    index: int
    name: str  # the operator's display name (a custom operator's custom code)
    reason: str | None = None


@dataclass(frozen=True)
class BuildOptions:
    """What the user said about the build; each runtime reads what it needs."""

    jobs: int | None = None
    tflm_dir: str | None = None  # a TFLM tree (the TFLM runtime)
    tflm_build_dir: str | None = None
    tflm_lib: str | None = None
    arena_bytes: int | None = None  # an arena size overriding the generated one
    make_args: tuple = ()  # extra NAME=VALUE for make


@dataclass(frozen=True)
class Firmware:
    """What a runtime adds to a project for one model (the figures in bytes)."""

    arena_required_bytes: int  # what the model needs (estimate or static plan)
    arena_bytes: int  # the arena the project declares
    arena_note: str  # where the arena figure comes from
    flash_data_bytes: int  # the model's data in flash (the .tflite, or the compiled constants)
    code_bytes: int  # code estimate: runtime, kernels, application
    ops: tuple  # ((operator name, TFLM resolver method or ""), ...) sorted, for the templates
    embeds_tflite: bool  # the project holds the .tflite as a C array (model_data.cc)
    files: dict = field(default_factory=dict)  # {path under the project: text} generated for the model
    context: dict = field(default_factory=dict)  # the runtime's own template variables
    facts: dict = field(default_factory=dict)  # the runtime's own project.json entries
    scratch_bytes: int = 0  # kernel scratch inside the arena (largest)
    state_bytes: int = 0  # state kept between invocations outside the arena (compiled runtime's state area)
    arena_parts: tuple = ()  # ((RAM region name, bytes), ...) of an arena planned over the board's regions
    schedule: dict | None = None  # the compiled runtime's schedule (ScheduleChoice.to_dict()), None for others

    @property
    def fit_arena_parts(self):
        """The parts as the fit counts them (each rounded up to the arena alignment); None: one arena."""
        if not self.arena_parts:
            return None
        return [(name, -(-size // ARENA_ALIGNMENT_BYTES) * ARENA_ALIGNMENT_BYTES) for name, size in self.arena_parts]
    footprint_note: str = ""  # what `report` says about these figures
    code_source: str = ""  # how code_bytes was made (generate prints it)


class PreparedModel:
    """One model checked (and planned, or lowered) for one runtime, once per command."""

    def __init__(self, runtime: "Runtime", model):
        self.runtime = runtime
        self.model = model  # the model as the firmware runs it

    def emit(self, name: str = "model", labels=(), stack_bytes=None, heap_bytes=DEFAULT_HEAP_BYTES,
             arena_placement="auto", library=False) -> Firmware:  # pragma: no cover - interface
        """The runtime's figures and files for the C prefix ``name`` and ``labels``; the stack, heap and
        ``arena_placement`` (``auto`` or ``speed``) say how the board's RAM is shared; ``library``: for an
        export (:mod:`codegen.exports`: one arena the application places, no board section)."""
        raise NotImplementedError


class Runtime:
    """One firmware runtime.  Subclasses set the class attributes and implement the methods."""

    name: str = ""  # what the user types: --runtime NAME
    title: str = ""  # "TFLM interpreter": table headers and messages
    label: str = ""  # "TFLM": short, in comparisons
    default_stack_bytes: int = 0
    flash_data_what: str = "model"  # what the fit calls the flash data: "model" or "constants"
    check_column: bool = False  # `attendnets check` shows a column for it (TFLM's own check is the table)
    support_doc: str = ""  # the docs page of its table of what it supports (its refusals point at it), if any
    has_memory_report: bool = False  # `attendnets report` has a full memory report for it (MemoryReport)
    has_schedules: bool = False  # it takes --schedule/--max-recompute (with_schedule); the others refuse them
    protocol_id: int = 0  # the validation protocol's runtime byte
    build_tools: tuple = ("make", "arm-none-eabi-gcc", "arm-none-eabi-objcopy")
    needs: str | None = None  # what a build needs beyond the toolchain, in words (None: nothing)

    # -- what it supports ------------------------------------------------------------------
    def operator_support(self, model, kernels: str) -> tuple:
        """``(OperatorSupport, ...)`` for every operator of every subgraph."""
        raise NotImplementedError

    def prepare(self, model, board, kernels: str, optimize_plan: bool = False) -> PreparedModel:
        """Check and plan ``model``; UnsupportedOperatorError (one line, every reason) when it cannot run it."""
        raise NotImplementedError

    # -- its files -------------------------------------------------------------------------
    # its own project tree, laid beside firmware_template/common (firmware_template names the folders)
    project_dir = None
    # the templates of its project tree (paths under project_dir) that an export takes: the model and its
    # runtime glue, never main, startup or the board layer (codegen.exports wraps them per format)
    library_templates: tuple = ()
    # an export needs a TFLM tree beside it (TFLM_DIR), and C++
    library_needs_tflm = False
    # an export's C API carries the export's --name (kws_init, KWS_INPUT0_SCALE, kws.h), so that several
    # exported models link into one application; False: model_* whatever the name
    library_prefixes_symbols = False

    def library_files(self, context: dict, firmware: Firmware) -> dict:
        """``{path under the export's src/: str | bytes}``: the model and the runtime an export holds (the
        model's generated files and :attr:`library_templates` rendered with the library ``context``)."""
        files = {rel[len("src/"):]: text for rel, text in firmware.files.items() if rel.startswith("src/")}
        for rel in self.library_templates:
            files[output_name(rel)[len("src/"):]] = render(self.project_dir / rel, context)
        return dict(sorted(files.items()))

    def validation_kernels(self, tflm_dir) -> str:
        """The kernel set a validation build uses (TFLM: the one the tree was made with)."""
        return "reference"

    # -- how it builds ---------------------------------------------------------------------
    def missing_build_input(self, options: BuildOptions) -> str | None:
        """What the build lacks (one phrase), or None when it has everything it needs."""
        return None

    def make_command(self, project, options: BuildOptions) -> list:
        """make's argv for a :class:`codegen.project.Project` after checking what the build needs
        (BadInputError when an input is missing or wrong, ToolNotFoundError for the toolchain)."""
        raise NotImplementedError

    def build_lock(self, options: BuildOptions, log=print):
        """A context manager held while make runs (a shared build folder's lock); none by default."""
        return contextlib.nullcontext()

    def check_build_tools(self):
        for program in self.build_tools:
            if shutil.which(program) is None:
                raise ToolNotFoundError(f"{program} not found: {INSTALL_HINT}")

    # -- its figures -----------------------------------------------------------------------
    def rest_ram_bytes(self, stack_bytes=None) -> int:
        """RAM beside the arena: stack, heap and static data (the generator's allowances)."""
        stack = self.default_stack_bytes if stack_bytes is None else stack_bytes
        return stack + DEFAULT_HEAP_BYTES + STATIC_DATA_ALLOWANCE_BYTES

    def footprint(self, model, board=None, kernels: str = "reference", memory_report=None, refuse=False):
        """Its :class:`converter.report.runtimes.RuntimeFootprint` of ``model`` (supported=False with the
        reasons when it cannot run it; ``refuse``: raise its refusal instead)."""
        try:
            firmware = self.prepare(model, board, kernels).emit()
        except UnsupportedOperatorError as exc:
            if refuse:
                raise
            return RuntimeFootprint(self.name, supported=False, reasons=tuple(getattr(exc, "reasons", (str(exc),))),
                                    title_text=self.title, label_text=self.label, support_doc=self.support_doc)
        return RuntimeFootprint(
            self.name, supported=True, title_text=self.title, label_text=self.label, arena_bytes=firmware.arena_required_bytes,
            scratch_bytes=firmware.scratch_bytes, state_bytes=firmware.state_bytes, rest_ram_bytes=self.rest_ram_bytes(),
            constants_bytes=firmware.flash_data_bytes, code_bytes=firmware.code_bytes, note=firmware.footprint_note,
            arena_parts=tuple(firmware.fit_arena_parts or ()),
            flash_data_what=self.flash_data_what, stack_bytes=self.default_stack_bytes, schedule=firmware.schedule,
        ).with_board(board)

    # -- what generate says -------------------------------------------------------------------
    def generate_summary(self, result, quoted_out: str) -> dict:
        """``generate``'s words for a :class:`codegen.generate.GenerateResult`: ``what`` (after the board),
        ``arena`` (the arena line), ``labels`` (whether to name the labels file), ``next`` (the next command),
        and for ``--json`` ``kernels`` and ``arena_required_bytes`` (None where they do not apply)."""
        raise NotImplementedError

    def figures_depend_on(self, board):
        """What of ``board`` its :meth:`unbound_footprint` depends on: boards alike here share one."""
        return None

    def unbound_footprint(self, model, board, kernels: str = "reference"):
        """Its footprint for boards like ``board`` (:meth:`figures_depend_on`), the fit not checked (bind it
        to each board with ``with_board``)."""
        return self.footprint(model, None, kernels)

    def rescheduled_footprint(self, model, footprint, board, kernels: str = "reference"):
        """``footprint`` with a smaller arena from another operator schedule, where the runtime can run one
        (for "what would fit" when RAM is short), else None."""
        return None

    def arena_timeline_svg(self, model, board) -> str | None:
        """An SVG of the arena over time for the validation report, where the runtime has one."""
        return None

    # -- how it schedules the operators ----------------------------------------------------
    def with_schedule(self, schedule=None, max_recompute_pct=None):
        """This runtime with an operator schedule (``--schedule``/``--max-recompute``); None: its default.
        Only the compiled runtime has schedules: the others refuse one in one line."""
        if schedule is not None or max_recompute_pct is not None:
            raise BadInputError(f"--schedule and --max-recompute are the compiled runtime's (not {self.name}'s)")
        return self

    def __repr__(self):
        return f"<runtime {self.name}>"
