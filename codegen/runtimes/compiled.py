"""The compiled runtime: plain C generated for one model, one kernel call per operator.

What it supports is what :mod:`codegen.compiled` can lower; :meth:`CompiledRuntime.prepare`
lowers the model once (``lower_model``) and :meth:`PreparedCompiled.emit` emits its C
(``emit_model``): the static arena (exact, no slack), the constants in flash instead of the
``.tflite``, a code figure from links measured per CPU and board
(:mod:`codegen.compiled.footprint`).  It builds with arm-none-eabi-gcc alone.
"""

from __future__ import annotations

import os

from attendnets_base.errors import BadInputError
from codegen.compiled.footprint import code_figure, several_code_figure
from codegen.compiled.generate import emit_model, lower_model, operator_support, plan_memory
from codegen.compiled.lowering import NARROWERS, narrow_wide_weights
from codegen.compiled.patch import DEFAULT_MAX_RECOMPUTE, SCHEDULES, choose_schedule
from codegen.compiled.ops.conv import drop_plane_records, helium_for, wide_filters_for
from codegen.compiled.plan import ArenaRegion
from codegen.compiled.program import shrink_largest_first
from codegen.compiled.support import SUPPORT_DOC
from converter.report.fit import DEFAULT_HEAP_BYTES, STATIC_DATA_ALLOWANCE_BYTES
from codegen.runtimes.base import BuildOptions, Firmware, OperatorSupport, PreparedModel, Runtime
from firmware_template import COMPILED_PROJECT_DIR

# Its kernels need little stack (no interpreter call chain): main, printf, a kernel.
COMPILED_STACK_BYTES = 8 * 1024
ARENA_PLACEMENTS = ("auto", "speed")


def arena_regions(board, stack_bytes, heap_bytes, placement="auto") -> list:
    """The RAM regions the compiled runtime's arena may use, in order of preference, with the bytes it may
    take in each (:class:`codegen.compiled.plan.ArenaRegion`): ``auto``: the board's arena region first, then
    the data region, then the other regions by speed class; ``speed``: every region by speed class (TCM
    first; within a class in catalog order). The data region gives the arena what stack, heap and the static
    data allowance leave."""
    if placement not in ARENA_PLACEMENTS:
        raise BadInputError(f"--arena-placement must be one of {', '.join(ARENA_PLACEMENTS)}; got {placement!r}")
    reserved = stack_bytes + heap_bytes + STATIC_DATA_ALLOWANCE_BYTES
    regions = []
    for r in board.arena_candidates:
        capacity = r.size_bytes - (reserved if r is board.ram or r == board.ram else 0)
        section = ".tensor_arena" if r == board.arena_region else f".region.{r.symbol}.arena"
        regions.append((r, ArenaRegion(r.name, max(capacity, 0), r.symbol, section)))
    if placement == "speed":
        order = {id(m): n for n, m in enumerate(board.memory)}

        def rank(region):
            inside = [m for m in board.memory if m.overlaps(region)]
            slowest = max(inside, key=lambda m: (m.speed_rank, order[id(m)])) if inside else None
            return (slowest.speed_rank, order[id(slowest)]) if slowest else (99, 0)

        regions.sort(key=lambda pair: rank(pair[0]))
    return [a for _, a in regions if a.capacity_bytes > 0]


FLASH_MARGIN = 0.01  # of the board's flash, kept free when int16 filters are narrowed to fit it


def narrow_to_fit_flash(programs, excess_bytes: int) -> int:
    """Where the firmware overflows the board's flash by ``excess_bytes`` (> 0), turn int16-widened CONV_2D
    filters and FULLY_CONNECTED weights (the ``_w16`` kernels, codegen.compiled.lowering NARROWERS: twice the
    weights' flash for fewer cycles per MAC) back into int8 ones, the largest first, until the halved filters make up
    the excess (or none is left), then drop the depthwise plane form's flash records (ops/conv.py
    drop_plane_records): a model that fits the flash with int8 filters and no records is never refused for the
    speed-up.  Every step of ``programs`` using a
    narrowed filter (a patch stage's tiles share it with the layer-by-layer step) takes the int8 kernel.
    Returns the bytes saved (0: nothing changed)."""
    if excess_bytes <= 0:
        return 0
    users = {}
    for program in programs:
        for step in program.steps:
            if step.function in NARROWERS:
                users.setdefault(id(step.args[2]), []).append(step)

    def narrow(steps) -> int:
        before = steps[0].args[2].size_bytes
        narrow_wide_weights(steps[0])  # the shared Constant narrowed once, then every user takes the int8 kernel
        for step in dict.fromkeys(steps[1:]):
            if step is not steps[0]:
                step.function = steps[0].function  # the int8 kernel the narrowing chose
        return before - steps[0].args[2].size_bytes

    saved = shrink_largest_first(users.values(), excess_bytes, lambda steps: steps[0].args[2].size_bytes, narrow)
    if saved < excess_bytes:  # then the depthwise plane form's flash records (made at run time instead)
        saved += drop_plane_records(programs, excess_bytes - saved)
    return saved


class PreparedCompiled(PreparedModel):
    def __init__(self, runtime, model, program, board):
        super().__init__(runtime, model)
        self.program = program  # the lowered model, lowered once
        self.board = board  # None: one arena, planned for no board's regions

    def emit(self, name="model", labels=(), stack_bytes=None, heap_bytes=DEFAULT_HEAP_BYTES,
             arena_placement="auto", library=False, prefix="model", shared_arena=None) -> Firmware:
        """``prefix``/``shared_arena``: one of several models in a firmware (codegen.several): its C prefix, and
        the arena the models share (None: its own, planned as one arena)."""
        one_arena = library or prefix != "model" or shared_arena is not None
        regions = None
        if self.board is not None and not one_arena:
            stack = self.runtime.default_stack_bytes if stack_bytes is None else stack_bytes
            regions = arena_regions(self.board, stack, heap_bytes, arena_placement)
        # the schedule: layer by layer, or patch stages (auto: what fits the board's arena region)
        program, choice = choose_schedule(self.program, self.runtime.schedule, self.runtime.max_recompute,
                                          capacity_bytes=regions[0].capacity_bytes if regions else None)
        if one_arena:  # one arena (placed by the application, or one of several models')
            plan_memory(program)
        elif regions:  # the arena over the board's RAM regions (split when one is too small)
            plan_memory(program, regions, arena_placement)
        compiled = emit_model(program, name=name, labels=labels, library=library, prefix=prefix,
                              shared_arena=shared_arena)
        code = code_figure(compiled, self.board)
        # the code figure is an estimate: a margin of FLASH_MARGIN of the flash keeps the link inside it
        while self.board is not None and narrow_to_fit_flash(
                (self.program, program), compiled.constants_bytes + code.bytes
                - int(self.board.flash_bytes * (1 - FLASH_MARGIN))):
            compiled = emit_model(program, name=name, labels=labels, library=library, prefix=prefix,
                                  shared_arena=shared_arena)
            code = code_figure(compiled, self.board)
        parts = tuple((p.region.name, p.arena_bytes) for p in program.arena_parts) \
            if self.board is not None and not library and prefix == "model" else ()
        return Firmware(
            arena_required_bytes=compiled.arena_bytes,
            arena_bytes=int(compiled.arena_bytes),  # the static plan is exact: no alignment slack
            arena_note=(f"static plan ({compiled.planner}): activations + kernel scratch "
                        f"{compiled.largest_scratch_bytes} B; {choice.summary()}"),
            flash_data_bytes=compiled.constants_bytes,
            code_bytes=code.bytes,
            code_source=code.source,
            ops=tuple((n, "") for n in sorted({step.name for step in compiled.steps})),
            embeds_tflite=False,
            files={f"src/{rel}": text for rel, text in compiled.files.items()},
            context={"kernel_sources": [f"src/kernels/{s}" for s in compiled.kernel_sources],
                     "app_sources": ["src/model.c", "src/model_data.c", "src/sample_input.c"],
                     "constants_bytes": compiled.constants_bytes},
            facts={"constants_bytes": compiled.constants_bytes, "kernel_sources": list(compiled.kernel_sources),
                   "schedule": choice.to_dict()},
            schedule=choice.to_dict(),
            scratch_bytes=compiled.largest_scratch_bytes,
            state_bytes=compiled.state_bytes,
            arena_parts=parts,
            footprint_note=f"static arena ({compiled.planner}); code: {code.source}",
        )


class CompiledRuntime(Runtime):
    name = "compiled"
    title = "compiled runtime"
    label = "compiled"
    default_stack_bytes = COMPILED_STACK_BYTES
    flash_data_what = "constants"
    check_column = True
    support_doc = SUPPORT_DOC  # codegen.compiled.support: the one table of what it supports
    protocol_id = 1
    project_dir = COMPILED_PROJECT_DIR
    several_models = True  # codegen.several: its C carries a prefix per model

    def several_code(self, prepared, board=None):
        """``(bytes, how)``: code of several models in one firmware (application and kernels once, model.o each)."""
        code = several_code_figure([p.program for p in prepared], board)
        return code.bytes, code.source
    has_schedules = True
    library_prefixes_symbols = True
    schedule = "auto"  # --schedule: fast, small or auto (codegen.compiled.patch)
    max_recompute = DEFAULT_MAX_RECOMPUTE  # --max-recompute, as a fraction of the model's MACs

    def with_schedule(self, schedule=None, max_recompute_pct=None):
        runtime = type(self)()
        runtime.schedule = self.schedule if schedule is None else schedule
        if runtime.schedule not in SCHEDULES:
            raise BadInputError(f"--schedule must be one of {', '.join(SCHEDULES)}; got {runtime.schedule!r}")
        if max_recompute_pct is not None:
            if not 0 <= max_recompute_pct <= 1000:
                raise BadInputError(f"--max-recompute is a percentage of the model's MACs from 0 to 1000; "
                                    f"got {max_recompute_pct:g}")
            runtime.max_recompute = max_recompute_pct / 100.0
        else:
            runtime.max_recompute = self.max_recompute
        return runtime

    def operator_support(self, model, kernels):
        return tuple(OperatorSupport(sg, index, name, reason) for sg, index, name, reason in operator_support(model))

    def prepare(self, model, board, kernels, optimize_plan=False) -> PreparedCompiled:
        # the one-line refusal (every reason) comes before anything else; it always plans its arena
        # int16 weights (the _w16 kernels of conv and FC) pay on DSP cores only (ops/conv.py wide_filters_for)
        wide_filters = board is None or wide_filters_for(board.cmsis_nn_arch)
        # the Helium depthwise layout only where the board's core has MVE (the same model for an M4 is unaffected)
        helium = board is not None and helium_for(board.cmsis_nn_arch)
        return PreparedCompiled(self, model, lower_model(model, wide_filters=wide_filters, helium=helium), board)

    def make_command(self, project, options: BuildOptions) -> list:
        if options.arena_bytes:
            raise BadInputError("--arena-bytes: a compiled-runtime project's arena is its static plan "
                                "(regenerate to change it)")
        self.check_build_tools()
        return ["make", "-C", str(project.path), f"-j{options.jobs or os.cpu_count() or 1}", *options.make_args]

    def generate_summary(self, result, quoted_out):
        # its kernels are its own (no TFLM kernel set); its arena is exact (nothing "required" beside it)
        return {"what": self.title, "kernels": None, "arena_required_bytes": None,
                "arena": f"arena: {result.arena_bytes} B (static plan)", "labels": False,
                "next": f"attendnets build {quoted_out}   (or make -C {quoted_out})"}
