"""The ``generate`` pipeline: model + board + options -> firmware project folder.

A straight line of stages, each in its own module:
read the model (converter.tflite_model) -> check it runs on TFLM (converter.tflm.check)
-> estimate the arena (converter.tflm.arena) -> read labels and sample -> build the
template context (codegen.context, pure) -> render atomically (codegen.render).

``runtime="compiled"``: the check and the arena come from the compiled runtime's generator
(codegen.compiled.generate: lowering, static plan, the model's C), whose files join the
rendered project under ``src/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from attendnets_base.errors import BadInputError, UnsupportedOperatorError
from codegen import context as ctx
from codegen.boards import get_board
from codegen.render import RUNTIMES, check_output_dir, render_project

# The compiled runtime's kernels need little stack (no interpreter call chain): main, printf, a kernel.
COMPILED_STACK_BYTES = 8 * 1024


@dataclass(frozen=True)
class GenerateResult:
    out_dir: Path
    board: str
    kernels: str
    arena_bytes: int
    arena_required_bytes: int
    model_size_bytes: int
    ops: tuple
    fit: ctx.FitCheck
    labels_file: str | None
    sample_source: str
    model_region: str | None = None  # "SRAM (2048 KiB at 0x01000000)" when the model has its own region
    kept_files: tuple = ()  # files of the user's already in --out, kept as they were
    overwritten_files: tuple = ()  # generated files the user had changed, replaced because of --overwrite
    runtime: str = "tflm"
    constants_bytes: int = 0  # compiled runtime: const data in flash


def read_labels(path: Path) -> tuple:
    from attendnets_base.labels import read_labels_file

    return tuple(read_labels_file(path))


def estimate_required_arena_bytes(model, board, kernels) -> tuple[int, str]:
    """The arena estimator's smallest arena that allocates, for this board's pointer width."""
    from converter.tflm.arena import estimate_arena

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


def _memory_plan(model, board, kernels, optimize_plan):
    """The model TFLM gets: with ``optimize_plan``, ``attendnets optimize``'s (an offline memory
    plan for this board's kernels, converter.planner); a plan made for other kernels is refused."""
    from converter.planner.tflm_plan import check_plan_target

    if optimize_plan:
        from converter.planner.optimize import optimize_model
        from converter.tflite_model import load_model

        result = optimize_model(model.data, target="cortex-m", kernels=kernels, cmsis_nn_arch=board.cmsis_nn_arch)
        optimized = load_model(result.data)
        optimized.path = model.path
        model = optimized
    check_plan_target(model, kernels, board.cmsis_nn_arch)
    return model


ARENA_PLACEMENTS = ("auto", "speed")


def arena_regions(board, stack_bytes, heap_bytes, placement="auto") -> list:
    """The RAM regions the compiled runtime's arena may use, in order of preference, with the bytes it may
    take in each (:class:`codegen.compiled.plan.ArenaRegion`): ``auto``: the board's arena region first, then
    the data region, then the other regions by speed class; ``speed``: every region by speed class (TCM
    first; within a class in catalog order). The data region gives the arena what stack, heap and the static
    data allowance leave."""
    from codegen.compiled.plan import ArenaRegion

    if placement not in ARENA_PLACEMENTS:
        raise BadInputError(f"--arena-placement must be one of {', '.join(ARENA_PLACEMENTS)}; got {placement!r}")
    reserved = stack_bytes + heap_bytes + ctx.STATIC_DATA_ALLOWANCE_BYTES
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


def estimate_code_bytes(model, kernels) -> int:
    """Flash for code: TFLM runtime + the model's kernels (measured per operator) + our application."""
    from converter.tflm.code_size import estimate_code_bytes as tflm_code_bytes

    return tflm_code_bytes(model.operator_names(), kernels).total_bytes + ctx.APPLICATION_CODE_BYTES


def generate_project(model_path, board_name, out_dir, kernels="cmsis-nn", name="model", labels_path=None,
                     sample_path=None, sample_range="auto", force=False, overwrite=False,
                     stack_bytes=None, heap_bytes=ctx.DEFAULT_HEAP_BYTES, runtime="tflm",
                     optimize_plan=False, console=None, arena_region=None,
                     arena_placement="auto") -> GenerateResult:
    from converter.tflm.check import check_model, describe_model
    from converter.tflite_model import load_model

    if runtime not in RUNTIMES:
        raise BadInputError(f"--runtime must be one of {', '.join(RUNTIMES)}; got {runtime!r}")
    board = get_board(board_name).with_console(console)  # --console swo: the board's SWO instead of its UART
    board = board.with_arena_region(arena_region)  # --arena-region: the arena in another RAM region
    if kernels not in ctx.KERNEL_SETS:
        raise BadInputError(f"--kernels must be one of {', '.join(ctx.KERNEL_SETS)}; got {kernels!r}")
    ctx.check_identifier(name)
    check_output_dir(out_dir)
    model_path = Path(model_path)
    model = load_model(model_path)
    if stack_bytes is None:
        stack_bytes = ctx.DEFAULT_STACK_BYTES if runtime == "tflm" else COMPILED_STACK_BYTES

    compiled = None
    if runtime == "compiled":
        from codegen.compiled.generate import unsupported_reasons

        reasons = unsupported_reasons(model)  # before anything else: the one-line refusal
        if reasons:
            from codegen.compiled.generate import CompiledRuntimeUnsupportedError

            raise CompiledRuntimeUnsupportedError(reasons)
    else:
        check = check_model(model, kernels=kernels)
        if not check.ok:
            unsupported = check.unsupported_operators
            if unsupported:
                raise UnsupportedOperatorError(
                    f"TFLM cannot run {model_path.name} ({describe_model(model)}): unsupported operator(s) "
                    f"{', '.join(unsupported)}")
            raise UnsupportedOperatorError(f"{model_path.name} ({describe_model(model)}): {check.summary_line()}")
        ctx.resolver_entries(model)  # every operator must have a resolver method
        model = _memory_plan(model, board, kernels, optimize_plan)
        required, note = estimate_required_arena_bytes(model, board, kernels)

    labels, labels_file = (), None
    if labels_path is not None:
        labels_file = Path(labels_path)
        labels = read_labels(labels_file)
    else:
        from attendnets_base.labels import find_labels

        found, labels_file = find_labels(model_path)  # NAME.labels.txt, which travels with the model
        labels = tuple(found or ())

    sample, sample_source = None, "every element is the input zero point (no --sample)"
    if sample_path is not None:
        from codegen.sample import load_sample

        input_info = ctx.tensor_info(model.main_subgraph.tensor(model.main_subgraph.inputs[0]), "input", 0)
        sample, sample_source = load_sample(sample_path, input_info, sample_range)
        sample_source = f"input 0: {sample_source}"
    other_inputs = len(model.main_subgraph.inputs) - 1
    if other_inputs > 0:  # the sample (or zero points) goes to input 0 only: say so
        rest = f"inputs 1-{other_inputs} hold their" if other_inputs > 1 else "input 1 holds its"
        sample_source += f"; the model has {other_inputs + 1} inputs: {rest} zero point(s)"

    options = ctx.GenerateOptions(
        name=name, kernels=kernels, labels=labels, sample=sample, sample_source=sample_source,
        stack_bytes=stack_bytes, heap_bytes=heap_bytes, force=force, model_file_name=model_path.name)
    extra_files = {f"model/{model_path.name}": model.data}
    if runtime == "compiled":
        from codegen.compiled.footprint import estimate_code_bytes as compiled_code_bytes
        from codegen.compiled.generate import compile_model

        compiled = compile_model(model, name=name, labels=labels,
                                 regions=arena_regions(board, stack_bytes, heap_bytes, arena_placement),
                                 placement=arena_placement)
        required = compiled.arena_bytes
        note = f"static plan ({compiled.planner}): activations + kernel scratch {compiled.scratch_bytes} B"
        code_bytes = compiled_code_bytes(compiled)
        extra_files.update({f"src/{rel}": text for rel, text in compiled.files.items()})
    else:
        code_bytes = estimate_code_bytes(model, kernels)
    context = ctx.build_context(model, board, options, required, code_bytes, note, compiled=compiled)
    facts = {
        "name": name,
        "board": board.name,
        "console": board.console.summary,
        "arena_region": board.arena_region.name,
        "runtime": runtime,
        "kernels": kernels,
        "model_file": f"model/{model_path.name}",
        "model_size_bytes": model.size_bytes,
        "arena_bytes": context["arena"]["bytes"],
        "arena_required_bytes": required,
        "arena_estimate": note,
        "code_estimate_bytes": code_bytes,
        "stack_bytes": stack_bytes,
        "heap_bytes": heap_bytes,
        "ops": [op["name"] for op in context["ops"]],
        "labels": list(labels),
        "sample": sample_source,
        "generator_version": context["generator"]["version"],
    }
    if compiled is not None:
        facts["constants_bytes"] = compiled.constants_bytes
        facts["kernel_sources"] = list(compiled.kernel_sources)
    regeneration = []
    out = render_project(context, out_dir, extra_files=extra_files, project_facts=facts,
                         overwrite=overwrite, regeneration=regeneration)
    return GenerateResult(out, board.name, kernels, context["arena"]["bytes"], required, model.size_bytes,
                          tuple(op["name"] for op in context["ops"]), context["fit"],
                          str(labels_file) if labels_file else None, sample_source,
                          (f"{board.model_region.name} ({board.model_region.size_bytes // 1024} KiB at "
                           f"0x{board.model_region.origin:08X})") if board.separate_model_region else None,
                          regeneration[0].kept, regeneration[0].overwritten,
                          runtime, compiled.constants_bytes if compiled is not None else 0)
