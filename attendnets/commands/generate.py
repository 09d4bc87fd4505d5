"""``attendnets generate``: a firmware project for a board from a ``.tflite`` (compiled C, or the TFLM interpreter)."""

import shlex

import click

from attendnets.commands.options import (echo_json, json_option, kernels_option, resolve_kernels, runtime_option,
                                         schedule_options, scheduled_runtime)
from attendnets_base.errors import BadInputError
from attendnets_base.errors import DoesNotFitError
from codegen.boards import get_board
from codegen.exports import get_format, next_step
from codegen.fit_advice import what_would_fit
from codegen.runtimes import get_runtime
from codegen.generate import generate_project
from codegen.several import generate_several
from codegen.several import split_model_argument
from converter.tflite_model import load_model


@click.command()
@click.argument("model_arguments", metavar="MODEL.tflite...", nargs=-1, type=click.Path(dir_okay=False, path_type=str))
@click.option("--model", "model_options", multiple=True, metavar="[NAME=]MODEL.tflite",
              help="A model (repeat for several in one firmware, as repeated MODEL arguments do): each gets its own C "
                   "prefix, NAME or its file name (kws_init, KWS_INPUT0_SCALE, kws.h); the kernel library is shared. "
                   "Several models (either runtime) share one arena unless --concurrent.")
@click.option("--concurrent", is_flag=True,
              help="Several models: they may run at the same time (threads, interrupts), so each gets its own arena "
                   "[default: they run one after another and share one arena, the largest model's].")
@click.option("--board", required=True, help="Board name (see `attendnets boards`).")
@click.option("--out", "out_dir", required=True, metavar="DIR", type=click.Path(file_okay=False, path_type=str),
              help="Project folder to create, or one generate made before: its generated files are replaced, "
                   "files you added are kept, generated files you changed are not replaced without --overwrite.")
@kernels_option('TFLM kernel set the project is built with (sizes the arena)')
@click.option("--name", default="model", show_default=True,
              help="C identifier prefix of the model array; with --format library|arduino|zephyr and the compiled "
                   "runtime also of the export's C API (--name kws: kws.h, kws_init, KWS_INPUT0_SCALE), so several "
                   "exports link into one application.")
@click.option("--labels", "labels_path", type=click.Path(dir_okay=False, path_type=str), default=None,
              help="Class names, one per line [default: the model's own NAME.labels.txt (written by convert), "
                   "else labels.txt next to it, if any].")
@click.option("--sample", "sample_paths", type=click.Path(dir_okay=False, path_type=str), multiple=True,
              help="(Repeat once per model, in order, for several models.) Input main() runs on: an image (resized, quantized) or a .npy [default: all zero points].")
@click.option("--sample-range", type=click.Choice(["auto", "0-1", "-1-1", "0-255"]), default="auto", show_default=True,
              help="Real range image pixels map to before quantization.")
@click.option("--force", is_flag=True, help="Generate even if the model does not fit the board.")
@click.option("--overwrite", is_flag=True,
              help="Replace generated files you changed in an existing --out (they are named; default: refuse).")
@runtime_option("tflm: the TFLM interpreter (needs a TFLM tree to build); compiled: plain C generated "
                "for this model (builds with arm-none-eabi-gcc alone, bit-exact with TFLM).")
@click.option("--optimize-plan", is_flag=True,
              help="tflm runtime: embed the model with an optimized offline memory plan (as `attendnets optimize` "
                   "writes it) for a smaller arena; the compiled runtime always plans its arena this way.")
@click.option("--console", type=click.Choice(["default", "swo"]), default="default", show_default=True,
              help="Where printf goes: the board's catalog console (`attendnets boards`: the UART of the debug "
                   "probe's virtual COM port on the real boards), or swo (ITM port 0 over the probe's SWO pin).")
@click.option("--arena-region", default=None, metavar="REGION",
              help="RAM region the tensor arena goes in (`attendnets boards` lists each board's regions) "
                   "[default: the catalog's arena region].")
@click.option("--arena-placement", type=click.Choice(["auto", "speed"]), default="auto", show_default=True,
              help="compiled runtime: auto = the whole arena in the arena region when it fits, else split across "
                   "the board's RAM regions; speed = the most-used buffers in the fastest regions (TCM first), "
                   "the rest spilled to slower ones.")
@click.option("--format", "export_format", type=click.Choice(["project", "library", "arduino", "zephyr"]),
              default="project", show_default=True,
              help="project = a standalone firmware (startup, linker script, main); the others export the model and "
                   "its runtime for your own firmware, with one header (model.h) and no main, startup or board code: "
                   "library = a CMake target for add_subdirectory() and a Makefile fragment (NAME.mk); arduino = an "
                   "Arduino library (library.properties, src/, an example sketch); zephyr = a Zephyr module "
                   "(zephyr/module.yml, Kconfig arena placement) for west build -DZEPHYR_EXTRA_MODULES=DIR. "
                   "--board still sizes the arena and checks the fit.")
@schedule_options
@json_option("Print one JSON object: the project, its runtime, arena, the board fit and the files kept.")
def command(model_arguments, model_options, concurrent, board, out_dir, kernels, name, labels_path, sample_paths,
            sample_range, force, overwrite, runtime, optimize_plan, console, arena_region, arena_placement,
            export_format, schedule, max_recompute, as_json):
    """Render a firmware project (startup, linker script, Makefile) with the TFLM interpreter or compiled C,
    or export the model and its runtime into your own firmware (--format library|arduino|zephyr).

    \b
    Examples:
      attendnets generate kws.tflite --board mps2-an386 --out fw
      attendnets generate kws.tflite --board mps2-an386 --format library --out kws_lib
      attendnets generate --model kws=kws.tflite --model person=person.tflite --runtime compiled \\
          --board mps2-an386 --out fw          (two models, one firmware, one shared arena)
    """
    models = list(model_arguments) + list(model_options)
    if not models:
        raise BadInputError("no model: give MODEL.tflite (or --model MODEL.tflite, repeated for several)")
    if len(models) > 1:
        if schedule is not None or max_recompute is not None:
            raise BadInputError("--schedule and --max-recompute schedule one model (give one MODEL.tflite)")
        _generate_several(models, board, out_dir, sample_paths, sample_range, concurrent, force, overwrite, runtime,
                          console, arena_region, export_format, kernels, as_json)
        return
    if concurrent:
        raise BadInputError("--concurrent is for several models in one firmware (give more than one model)")
    if len(sample_paths) > 1:
        raise BadInputError(f"{len(sample_paths)} --sample files for one model")

    model = split_model_argument(models[0])[1]
    sample_path = sample_paths[0] if sample_paths else None
    kernels = resolve_kernels(kernels)


    try:
        result = generate_project(model, board, out_dir, kernels=kernels, name=name, labels_path=labels_path,
                                  sample_path=sample_path, sample_range=sample_range, force=force,
                                  overwrite=overwrite, runtime=scheduled_runtime(runtime, schedule, max_recompute),
                                  optimize_plan=optimize_plan, console=console,
                                  arena_region=arena_region, arena_placement=arena_placement,
                                  format=export_format)
    except DoesNotFitError as exc:
        raise DoesNotFitError(f"{exc}; what would fit: {'; '.join(_what_would_fit(model, runtime, board, kernels))}"
                              ) from None
    fit = result.fit
    out = shlex.quote(str(result.out_dir))  # pasted into a shell: spaces, quotes and non-ASCII survive
    summary = get_runtime(result.runtime).generate_summary(result, out)
    if result.format != "project":
        fmt = get_format(result.format)
        summary = dict(summary, what=f"{fmt.title}, {summary['what']}", next=next_step(fmt, out, name))
    if as_json:
        echo_json({
            "model": str(model), "out": str(result.out_dir), "board": result.board, "runtime": result.runtime,
            "format": result.format,
            "kernels": summary["kernels"], "operators": list(result.ops),
            "arena_bytes": result.arena_bytes, "arena_required_bytes": summary["arena_required_bytes"],
            "model_bytes": result.model_size_bytes, "constants_bytes": result.constants_bytes or None,
            "labels": result.labels_file, "sample": result.sample_source, "fit": fit.to_dict(),
            "code_source": result.code_source or None,
            "forced": not fit.fits, "kept_files": list(result.kept_files),
            "overwritten_files": list(result.overwritten_files),
            "schedule": result.schedule,
        })
        return
    click.echo(f"generated {result.out_dir} for {result.board} ({summary['what']})")
    click.echo(f"  operators: {', '.join(result.ops)}")
    click.echo(f"  {summary['arena']}")
    if result.schedule:
        click.echo(f"  schedule: {result.schedule_summary}")
    _echo_fit(fit)
    if result.code_source:
        click.echo(f"  code: {result.code_source}")
    if summary["labels"]:
        click.echo(f"  labels: {result.labels_file or 'none (classes are printed by index)'}")
    click.echo(f"  sample: {result.sample_source}")
    _echo_kept(result)
    if not fit.fits:
        click.echo(f"  warning: does not fit ({'; '.join(fit.problems)}); generated because of --force")
    click.echo(f"next: {summary['next']}")


def _generate_several(models, board, out_dir, sample_paths, sample_range, concurrent, force, overwrite, runtime,
                      console, arena_region, export_format, kernels, as_json):
    """Several models in one firmware project (codegen.several)."""
    if export_format != "project":
        raise BadInputError("several models are generated as one firmware project (--format project); export each "
                            "model with its own --name as a library instead")
    result = generate_several(models, board, out_dir, samples=sample_paths, sample_range=sample_range,
                              concurrent=concurrent, force=force, overwrite=overwrite, runtime=runtime,
                              console=console, arena_region=arena_region, kernels=resolve_kernels(kernels))
    fit = result.fit
    if as_json:
        echo_json({"models": [{"name": n, "model": p, "arena_bytes": a} for n, p, a in result.models],
                   "out": str(result.out_dir), "board": result.board, "runtime": runtime,
                   "concurrent": result.concurrent, "arena_bytes": result.arena_bytes, "fit": fit.to_dict(),
                   "forced": not fit.fits, "kept_files": list(result.kept_files),
                   "overwritten_files": list(result.overwritten_files)})
        return
    runtime_title = get_runtime(runtime).title
    click.echo(f"generated {result.out_dir} for {result.board} ({len(result.models)} models, {runtime_title})")
    for name, path, arena in result.models:
        click.echo(f"  {name}: {path} (arena {arena} B; {name}_init, {name}_invoke, {name.upper()}_* in src/{name}.h)")
    how = "one per model (--concurrent): the sum" if result.concurrent else "shared, the models run one after another"
    click.echo(f"  arena: {result.arena_bytes} B ({how})")
    _echo_fit(fit)
    _echo_kept(result)
    if not fit.fits:
        click.echo(f"  warning: does not fit ({'; '.join(fit.problems)}); generated because of --force")
    quoted = shlex.quote(str(result.out_dir))
    tflm = " TFLM_DIR=/path/to/tflm-tree" if get_runtime(runtime).library_needs_tflm else ""
    click.echo(f"next: attendnets build {quoted}   (or make -C {quoted}{tflm})")


def _echo_fit(fit):
    """The board fit, row by row: the breakdown `report --board` prints too (converter.report.fit)."""
    click.echo(f"  fit on {fit.board}:")
    for line in fit.breakdown():
        click.echo(f"    {line}")


def _echo_kept(result):
    if result.kept_files:
        click.echo(f"  kept your files: {', '.join(result.kept_files)}")
    if result.overwritten_files:
        click.echo(f"  replaced (--overwrite) your changes to: {', '.join(result.overwritten_files)}")


def _what_would_fit(model_path, runtime, board_name, kernels):
    """converter.report.suggest's sentences for the refusal (the other runtime, a smaller model, other boards)."""
    return what_would_fit(load_model(model_path), runtime, get_board(board_name), kernels) or ("nothing computed",)
