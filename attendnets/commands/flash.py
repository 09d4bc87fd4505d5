"""``attendnets flash``: load a built project onto its board, or run it in QEMU."""

import click

TOOLS = ["pyocd", "openocd", "stm32cubeprogrammer", "nrfjprog", "picotool", "qemu"]


@click.command()
@click.argument("project_dir", type=click.Path(file_okay=False, path_type=str))
@click.option("--tool", type=click.Choice(TOOLS), default=None,
              help="Flash tool [default: the board's first tool; qemu for QEMU boards].")
@click.option("--probe", default=None, help="Serial number / UID of the probe or board to use.")
@click.option("--dry-run", is_flag=True, help="Print the command lines without running them.")
@click.option("--timeout", "timeout_s", type=click.IntRange(min=1), default=None,
              help="Stop the tool after this many seconds [qemu: 120].")
def command(project_dir, tool, probe, dry_run, timeout_s):
    """Flash the firmware with the vendor's tool; with qemu, run it and return its exit status."""
    from codegen.project import open_project
    from codegen.runners import get_runner

    project = open_project(project_dir)
    runner_cls = get_runner(tool or project.board.default_tool)
    runner = runner_cls(project, probe=probe, dry_run=dry_run, timeout_s=timeout_s,
                        log=lambda m: click.echo(m, err=True))
    return runner.run()
