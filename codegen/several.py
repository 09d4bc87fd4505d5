"""Several models in one firmware: ``generate --model kws.tflite --model person.tflite``.

Each model is prepared and emitted by the runtime as alone, under its own C prefix (the model's
file name made an identifier, or ``NAME=PATH``): ``kws_init``, ``KWS_INPUT0_SCALE``, ``kws.h``,
``kws.c``, ``kws_data.c``, its constant arrays ``kws_*``; the kernel library is copied once (the
union of what the models use).  The TFLM runtime renders its interpreter glue per model the same way
(``kws.cc``, ``kws_data.cc``, ``kws_op_resolver.h``, ``KwsOpResolver``; main and models are .cc); its
models in a shared arena take it in turn: each model's init rebuilds its interpreter there.  By default the models run one after another and share one arena
(``models_arena`` in ``src/models.c``, as large as the largest model's); ``concurrent`` gives each
its own.  ``src/models.h`` includes every model's header; ``src/main.c`` runs each model on its
sample and prints its output.  The fit is checked once for the whole firmware: the constants of
every model, the code (the runtime's ``several_code``: the application and the kernels once, each model's
glue), the arena shared (the largest) or concurrent (the sum).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from attendnets_base.errors import BadInputError
from codegen import context as ctx
from codegen.boards import get_board
from codegen.compiled.arena_plan import aligned
from codegen.render import check_output_dir, render_files, render_project
from codegen.runtimes import DEFAULT_RUNTIME, get_runtime
from codegen.templates import render
from converter.report.fit import DEFAULT_HEAP_BYTES, check_fit
from converter.tflite_model import load_model
from firmware_template import SEVERAL_DIR
from codegen.sample import load_sample

SHARED_ARENA = "models_arena"
# names a prefix may not take: the files and symbols the firmware has beside the models'
RESERVED_PREFIXES = ("models", "main", "sample_input", "platform", "startup")


def several_suffix(runtime) -> str:
    """The source suffix of a firmware's own files (main, models, each model's): .c, or .cc with the TFLM glue
    (C++)."""
    return ".cc" if runtime.library_needs_tflm else ".c"


@dataclass(frozen=True)
class ModelSpec:
    prefix: str
    path: Path


def split_model_argument(argument) -> tuple:
    """``(NAME or None, PATH)`` of a ``PATH`` or ``NAME=PATH`` argument (NAME a C identifier)."""
    name, sep, path = str(argument).partition("=")
    if sep and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        return name, path
    return None, str(argument)


def model_specs(arguments) -> list:
    """``[ModelSpec]`` for the user's ``PATH`` or ``NAME=PATH`` arguments; BadInputError (one line) when two
    models would share a prefix or a file, or a prefix is not a C identifier the firmware can use."""
    specs = []
    for argument in arguments:
        name, path = split_model_argument(argument)
        if name is None:
            name = re.sub(r"[^a-z0-9_]+", "_", Path(path).stem.lower()).strip("_") or "model"
            if name[0].isdigit():
                name = f"m_{name}"
        if name in RESERVED_PREFIXES or name.startswith("an_") or name.upper().startswith("MODELS_"):
            raise BadInputError(f"model name {name!r} ({path}) is taken by the firmware (models.c, main.c, the "
                                "an_* kernels): name it with --model NAME=PATH")
        specs.append(ModelSpec(name, Path(path)))
    names = [s.prefix for s in specs]
    files = [f for s in specs for f in (f"{s.prefix}.c", f"{s.prefix}_data.c")]
    if len(set(names)) != len(names) or len(set(files)) != len(files):
        raise BadInputError(f"two models would share a C prefix or a file ({', '.join(names)}): name them with "
                            "--model NAME=PATH")
    return specs


@dataclass(frozen=True)
class SeveralResult:
    out_dir: Path
    board: str
    models: tuple  # ((prefix, path, arena bytes), ...)
    arena_bytes: int  # the firmware's arena(s): shared = the largest model's, concurrent = the sum
    concurrent: bool
    fit: ctx.FitCheck
    kept_files: tuple = ()
    overwritten_files: tuple = ()


@dataclass
class SeveralPlan:
    """Several models prepared, emitted and added up for one firmware (nothing written)."""

    specs: list  # ModelSpec
    models: list  # per model: prefix, file, inputs, outputs, sample, arena_bytes, constants_bytes, code_bytes
    firmwares: list  # each model's Firmware
    combined: object  # the firmware's Firmware: files of every model, the figures added up
    arena_bytes: int
    concurrent: bool
    prepared: list
    fit: ctx.FitCheck | None = None  # with a board


def plan_several(arguments, board=None, samples=(), sample_range="auto", concurrent=False, runtime=DEFAULT_RUNTIME,
                 kernels="reference") -> SeveralPlan:
    """Every model of ``arguments`` (``PATH`` or ``NAME=PATH``) prepared and emitted under its prefix, the
    firmware's figures added up and, with a ``board``, its fit (:func:`converter.report.fit.check_fit`)."""
    runtime = get_runtime(runtime) if isinstance(runtime, str) else runtime
    if not getattr(runtime, "several_models", False):
        raise BadInputError(f"several models in one firmware: not with the {runtime.title} (its glue has one "
                            "model's symbols)")
    specs = model_specs(arguments)
    if len(samples) > len(specs):
        raise BadInputError(f"{len(samples)} --sample files for {len(specs)} models (one per model, in order)")
    prepared = [(spec, runtime.prepare(load_model(spec.path), board, kernels)) for spec in specs]

    firmwares, models = [], []
    for n, (spec, prep) in enumerate(prepared):
        model = prep.model
        sg = model.main_subgraph
        info = [ctx.tensor_info(sg.tensor(i), "input", k) for k, i in enumerate(sg.inputs)]
        sample_lines, source = None, "every element is the input zero point"
        if n < len(samples):
            values, source = load_sample(samples[n], info[0], sample_range)
            sample_lines = ctx.sample_lines(values, info[0])
        firmware = prep.emit(name=spec.prefix, prefix=spec.prefix,
                             shared_arena=None if concurrent else SHARED_ARENA)
        firmwares.append(firmware)
        models.append({"prefix": spec.prefix, "PREFIX": spec.prefix.upper(), "file": spec.path.name,
                       "path": str(spec.path), "inputs": info,
                       "outputs": [ctx.tensor_info(sg.tensor(i), "output", k) for k, i in enumerate(sg.outputs)],
                       "sample_lines": sample_lines, "sample_source": source, "arena_bytes": firmware.arena_bytes,
                       "constants_bytes": firmware.flash_data_bytes, "code_bytes": firmware.code_bytes})

    code_bytes, code_source = runtime.several_code([prep for _, prep in prepared], board)
    sample_bytes = sum(m["inputs"][0]["size_bytes"] for m in models if m["sample_lines"] is not None)
    arenas = [f.arena_bytes for f in firmwares]
    arena_bytes = sum(max(aligned(a), 16) for a in arenas) if concurrent else max(arenas)
    files = {}
    for firmware in firmwares:
        files.update(firmware.files)  # each model's own files; the kernels (the same text) once
    kernel_sources = sorted({s for f in firmwares for s in f.context["kernel_sources"]})
    suffix = several_suffix(runtime)
    app_sources = [s for spec in specs for s in (f"src/{spec.prefix}{suffix}", f"src/{spec.prefix}_data{suffix}")]
    if not concurrent:
        app_sources.append(f"src/models{suffix}")
    combined = replace(
        firmwares[0],
        arena_required_bytes=arena_bytes, arena_bytes=arena_bytes,
        arena_note=("one arena shared by the models, which run one after another: the largest model's"
                    if not concurrent else "one arena per model (they may run concurrently): the sum"),
        flash_data_bytes=sum(f.flash_data_bytes for f in firmwares),
        code_bytes=code_bytes + sample_bytes,
        code_source=code_source + (f"; samples in main {sample_bytes} B" if sample_bytes else ""),
        ops=tuple(sorted({op for f in firmwares for op in f.ops})),
        files=files, arena_parts=(),
        context={"kernel_sources": kernel_sources, "app_sources": app_sources,
                 "constants_bytes": sum(f.flash_data_bytes for f in firmwares)},
    )
    fit = None
    if board is not None:
        fit = check_fit(combined.flash_data_bytes, combined.code_bytes, arena_bytes, board,
                        runtime.default_stack_bytes, DEFAULT_HEAP_BYTES, model_what=runtime.flash_data_what)
    return SeveralPlan(specs, models, firmwares, combined, arena_bytes, concurrent, prepared, fit)


def generate_several(arguments, board_name, out_dir, samples=(), sample_range="auto", concurrent=False,
                     force=False, overwrite=False, runtime=DEFAULT_RUNTIME, console=None, arena_region=None,
                     kernels="reference") -> SeveralResult:
    """One firmware project running every model of ``arguments`` (``PATH`` or ``NAME=PATH``)."""
    runtime = get_runtime(runtime)
    board = get_board(board_name).with_console(console).with_arena_region(arena_region)
    check_output_dir(out_dir)
    plan = plan_several(arguments, board, samples, sample_range, concurrent, runtime, kernels)
    specs, models, combined, arena_bytes, prepared = plan.specs, plan.models, plan.combined, plan.arena_bytes, \
        plan.prepared
    files = combined.files
    several = {"models": models, "concurrent": concurrent, "shared_arena": SHARED_ARENA,
               "arena_alloc_bytes": max(aligned(arena_bytes), 16), "arena_bytes": arena_bytes}
    first = prepared[0][1].model
    options = ctx.GenerateOptions(name="firmware", kernels=kernels, stack_bytes=runtime.default_stack_bytes,
                                  force=force, model_file_name=", ".join(s.path.name for s in specs))
    context = ctx.build_context(first, board, options, runtime, combined)
    context = dict(context, several=several)
    rendered = render_files(context, runtime.project_dir)
    for rel in [r for r in rendered if r.startswith("src/")] + ["README.md"]:  # one model's main and glue
        rendered.pop(rel, None)
    suffix = several_suffix(runtime)
    for template in sorted(SEVERAL_DIR.glob("*.j2")):
        if template.name == "models.c.j2" and concurrent:
            continue
        out = template.name[:-3]
        rendered[f"src/{out[:-2] + suffix if out.endswith('.c') else out}"] = render(template, context)
    rendered.update(files)
    rendered.update({f"model/{s.path.name}": s.path.read_bytes() for s in specs})
    facts = {
        "name": "firmware", "board": board.name, "console": board.console.summary,
        "arena_region": board.arena_region.name, "runtime": runtime.name, "format": "project", "kernels": kernels,
        "models": [{"name": m["prefix"], "model_file": f"model/{m['file']}", "arena_bytes": m["arena_bytes"],
                    "sample": m["sample_source"]} for m in models],
        "concurrent": concurrent, "arena_bytes": arena_bytes, "arena_required_bytes": arena_bytes,
        "code_estimate_bytes": combined.code_bytes, "constants_bytes": combined.flash_data_bytes,
        "stack_bytes": options.stack_bytes, "heap_bytes": options.heap_bytes,
        "ops": [name for name, _ in combined.ops],
        "kernel_sources": [s[len("src/kernels/"):] for s in combined.context["kernel_sources"]],
        "generator_version": context["generator"]["version"],
    }
    regeneration = []
    out = render_project(context, runtime.project_dir, out_dir, project_facts=facts, overwrite=overwrite,
                         regeneration=regeneration, files=rendered)
    return SeveralResult(out, board.name, tuple((m["prefix"], str(s.path), m["arena_bytes"])
                                                for m, s in zip(models, specs)),
                         arena_bytes, concurrent, context["fit"], regeneration[0].kept, regeneration[0].overwritten)
