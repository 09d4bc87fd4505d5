"""``attendnets build``: compile a generated project (ELF, BIN, HEX, map; UF2 for the Pico)."""

import click

from attendnets.commands.options import echo_json, json_option, stdout_to_stderr
from codegen.build import build_project
from codegen.size import size_project


@click.command()
@click.argument("project_dir", type=click.Path(file_okay=False, path_type=str))
@click.option("--tflm-dir", envvar="TFLM_DIR", default=None,
              help="TFLM tree made by create_tflm_tree.py [default: $TFLM_DIR].")
@click.option("--tflm-build-dir", default=None,
              help="Where TFLM objects are kept, shared by projects [default: ~/.cache/attendnets/tflm-<tree hash>].")
@click.option("--tflm-lib", default=None, help="A prebuilt libtflm.a for this CPU and kernel set (skips compiling TFLM).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="Parallel compile jobs [default: CPU count].")
@click.option("--arena-bytes", type=click.IntRange(min=16), default=None, help="Override the generated arena size.")
@json_option("Print one JSON object: the files written and the firmware's flash and RAM (as `attendnets size`); "
             "the compiler's output goes to stderr.")
def command(project_dir, tflm_dir, tflm_build_dir, tflm_lib, jobs, arena_bytes, as_json):
    """Build the firmware with the project's Makefile and arm-none-eabi-gcc."""
    with stdout_to_stderr(as_json):
        artifacts = build_project(project_dir, tflm_dir=tflm_dir, jobs=jobs, tflm_build_dir=tflm_build_dir,
                                  tflm_lib=tflm_lib, arena_bytes=arena_bytes, log=lambda m: click.echo(m, err=True))
    if as_json:
        echo_json({"project": str(project_dir), "wrote": [str(p) for p in artifacts],
                   "size": size_project(project_dir).to_dict()})
        return
    for path in artifacts:
        click.echo(f"wrote {path}")
