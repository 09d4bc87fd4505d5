"""The ``generate`` pipeline: model + board + options + runtime -> firmware project folder.

A straight line of stages, each in its own module, the same for every runtime
(:mod:`codegen.runtimes`): read the model (converter.tflite_model) -> the runtime prepares it
(checks it, refuses it in one line, plans its arena; the compiled runtime lowers it here, once)
-> read labels and sample -> the runtime emits its files for the model (:class:`Firmware`)
-> build the template context (codegen.context, pure) -> render the runtime's template layers
atomically (codegen.render).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from attendnets_base.errors import BadInputError
from attendnets_base.labels import find_labels, read_labels_file
from codegen import context as ctx
from codegen.boards import get_board
from codegen.render import check_output_dir, render_project
from codegen.runtimes import DEFAULT_RUNTIME, get_runtime
from converter.tflite_model import load_model
from codegen.exports import export_files, get_format
from codegen.sample import load_sample


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
    runtime: str = DEFAULT_RUNTIME
    constants_bytes: int = 0  # compiled runtime: const data in flash
    runtime_title: str = ""  # "compiled runtime", for the summary
    code_source: str = ""  # how the code figure was made (the runtime's Firmware.code_source)
    format: str = "project"  # project, or the export format (codegen.exports)
    schedule: dict | None = None  # the compiled runtime's schedule (codegen.compiled.patch.ScheduleChoice.to_dict())

    @property
    def schedule_summary(self) -> str:
        """The schedule in one line (empty without one)."""
        s = self.schedule
        if not s:
            return ""
        if not s["patch_based"]:
            return f"{s['schedule']}: layer by layer (arena = the layer-by-layer floor, {s['floor_bytes']} B)"
        stages = "; ".join(f"operators {st['first_operator']}-{st['split_operator']} in {st['grid'][0]}x"
                           f"{st['grid'][1]} {'bands' if st['grid'][1] == 1 else 'tiles'}" for st in s["stages"])
        return (f"{s['schedule']}: patch-based ({stages}); layer-by-layer floor {s['floor_bytes']} B, "
                f"{s['extra_macs']} extra MACs ({100 * s['extra_macs_fraction']:.1f} %)")


def read_labels(path: Path) -> tuple:
    return tuple(read_labels_file(path))


def generate_project(model_path, board_name, out_dir, kernels="cmsis-nn", name="model", labels_path=None,
                     sample_path=None, sample_range="auto", force=False, overwrite=False,
                     stack_bytes=None, heap_bytes=ctx.DEFAULT_HEAP_BYTES, runtime=DEFAULT_RUNTIME,
                     optimize_plan=False, console=None, arena_region=None,
                     arena_placement="auto", format="project") -> GenerateResult:
    """``format``: ``project`` (a standalone firmware project) or an export (codegen.exports: library, arduino,
    zephyr: the model and its runtime without main, startup or board layer; the board sizes and checks it)."""
    export_format = get_format(format)
    library = export_format is not None
    runtime = get_runtime(runtime) if isinstance(runtime, str) else runtime  # a name or a Runtime (with a schedule)
    board = get_board(board_name).with_console(console)  # --console swo: the board's SWO instead of its UART
    board = board.with_arena_region(arena_region)  # --arena-region: the arena in another RAM region
    if kernels not in ctx.KERNEL_SETS:
        raise BadInputError(f"--kernels must be one of {', '.join(ctx.KERNEL_SETS)}; got {kernels!r}")
    ctx.check_identifier(name)
    check_output_dir(out_dir)
    model_path = Path(model_path)
    model = load_model(model_path)
    if stack_bytes is None:
        stack_bytes = runtime.default_stack_bytes

    prepared = runtime.prepare(model, board, kernels, optimize_plan=optimize_plan)  # the one-line refusal
    model = prepared.model

    labels, labels_file = (), None
    if labels_path is not None:
        labels_file = Path(labels_path)
        labels = read_labels(labels_file)
    else:
        found, labels_file = find_labels(model_path)  # NAME.labels.txt, which travels with the model
        labels = tuple(found or ())

    sample, sample_source = None, "every element is the input zero point (no --sample)"
    if sample_path is not None:
        input_info = ctx.tensor_info(model.main_subgraph.tensor(model.main_subgraph.inputs[0]), "input", 0)
        sample, sample_source = load_sample(sample_path, input_info, sample_range)
        sample_source = f"input 0: {sample_source}"
    other_inputs = len(model.main_subgraph.inputs) - 1
    if other_inputs > 0:  # the sample (or zero points) goes to input 0 only: say so
        rest = f"inputs 1-{other_inputs} hold their" if other_inputs > 1 else "input 1 holds its"
        sample_source += f"; the model has {other_inputs + 1} inputs: {rest} zero point(s)"

    options = ctx.GenerateOptions(
        name=name, kernels=kernels, labels=labels, sample=sample, sample_source=sample_source,
        stack_bytes=stack_bytes, heap_bytes=heap_bytes, force=force, model_file_name=model_path.name,
        library=library)
    api_prefix = name if library and runtime.library_prefixes_symbols else "model"
    emit_options = {"prefix": api_prefix} if api_prefix != "model" else {}
    firmware = prepared.emit(name=name, labels=labels, stack_bytes=stack_bytes, heap_bytes=heap_bytes,
                             arena_placement=arena_placement, library=library, **emit_options)
    context = dict(ctx.build_context(model, board, options, runtime, firmware), api_prefix=api_prefix)
    facts = {
        "name": name,
        "board": board.name,
        "console": board.console.summary,
        "arena_region": board.arena_region.name,
        "runtime": runtime.name,
        "format": format,
        "kernels": kernels,
        "model_file": f"model/{model_path.name}",
        "model_size_bytes": model.size_bytes,
        "arena_bytes": context["arena"]["bytes"],
        "arena_required_bytes": firmware.arena_required_bytes,
        "arena_estimate": firmware.arena_note,
        "code_estimate_bytes": firmware.code_bytes,
        "stack_bytes": stack_bytes,
        "heap_bytes": heap_bytes,
        "ops": [op["name"] for op in context["ops"]],
        "labels": list(labels),
        "sample": sample_source,
        "generator_version": context["generator"]["version"],
        **firmware.facts,
    }
    extra_files = {f"model/{model_path.name}": model.data, **firmware.files}
    regeneration = []
    files = None
    if library:  # the runtime's files in the format's wrapping; the .tflite travels beside them as in a project
        files = export_files(export_format, runtime, context, firmware)
        extra_files = {f"model/{model_path.name}": model.data}
    out = render_project(context, runtime.project_dir, out_dir, extra_files=extra_files, project_facts=facts,
                         overwrite=overwrite, regeneration=regeneration, files=files)
    return GenerateResult(out, board.name, kernels, context["arena"]["bytes"], firmware.arena_required_bytes,
                          model.size_bytes, tuple(op["name"] for op in context["ops"]), context["fit"],
                          str(labels_file) if labels_file else None, sample_source,
                          (f"{board.model_region.name} ({board.model_region.size_bytes // 1024} KiB at "
                           f"0x{board.model_region.origin:08X})") if board.separate_model_region else None,
                          regeneration[0].kept, regeneration[0].overwritten,
                          runtime.name, firmware.facts.get("constants_bytes", 0), runtime.title,
                          firmware.code_source, format, firmware.schedule)
