"""``attendnets size``: flash and RAM of a built project, split, against the board's limits."""

import click

from attendnets.commands.options import json_option
from codegen.size import size_project, write_json


@click.command()
@click.argument("project_dir", type=click.Path(file_okay=False, path_type=str))
@json_option("Print the report as JSON.")
def command(project_dir, as_json):
    """Flash (model, TFLM, application, startup) and RAM (arena, stack, heap, rest) of the built ELF."""
    report = size_project(project_dir)
    click.echo(write_json(report) if as_json else report.to_text())
    return 0 if report.fits else 1
