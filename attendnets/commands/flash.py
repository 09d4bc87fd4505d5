"""``attendnets flash``: load a built project onto its board, or run it in QEMU."""

import click

from attendnets.commands.options import echo_json, json_option, stdout_to_stderr
from attendnets_base.errors import BadInputError
from codegen.project import open_project
from codegen.runners import choose_runner
from codegen.runners.cycle_model import not_applicable_reason

TOOLS = ["pyocd", "openocd", "stm32cubeprogrammer", "nrfjprog", "picotool", "qemu"]


@click.command()
@click.argument("project_dir", type=click.Path(file_okay=False, path_type=str))
@click.option("--tool", type=click.Choice(TOOLS), default=None,
              help="Flash tool [default: the first of the board's tools that is installed, in the catalog's "
                   "order; qemu for QEMU boards].")
@click.option("--probe", default=None, help="Serial number / UID of the probe or board to use.")
@click.option("--dry-run", is_flag=True, help="Print the command lines without running them.")
@click.option("--timeout", "timeout_s", type=click.IntRange(min=1), default=None,
              help="Stop the tool after this many seconds [qemu: 120].")
@click.option("--wait-states", type=click.IntRange(min=0), default=0, show_default=True,
              help="qemu: flash wait states for the Cortex-M4 timing model's cycle figure (docs/timing.md).")
@json_option("Print one JSON object: the board, the tool, the command lines and the exit status (the tool's and "
             "the firmware's output go to stderr).")
def command(project_dir, tool, probe, dry_run, timeout_s, wait_states, as_json):
    """Flash the firmware with the vendor's tool; with qemu, run it and return its exit status
    (and log each inference's instructions and modelled Cortex-M4 cycles)."""
    project = open_project(project_dir)
    runner_cls = choose_runner(project.board, tool, dry_run, log=lambda m: click.echo(m, err=True))
    extra = {}
    if wait_states:
        if runner_cls.name != "qemu":
            raise BadInputError("--wait-states applies to the timing model of a QEMU run (--tool qemu)")
        extra["wait_states"] = wait_states
    runner = runner_cls(project, probe=probe, dry_run=dry_run, timeout_s=timeout_s,
                        log=lambda m: click.echo(m, err=True), **extra)
    with stdout_to_stderr(as_json):
        status = runner.run()
    console = project.board.console
    if runner.name != "qemu" and status == 0 and not dry_run:  # where the firmware's output appears
        if console.kind == "uart":
            click.echo(f"console: {console.summary} baud 8N1 ({console.note}); e.g. "
                       f"python -m serial.tools.miniterm /dev/ttyACM0 {console.baud}", err=True)
        elif console.kind == "swo":
            click.echo(f"console: SWO ({console.note})", err=True)
    if as_json:
        echo_json({"project": str(project_dir), "board": project.board.name, "tool": runner.name,
                   "image": str(runner.image), "commands": runner.commands(), "dry_run": dry_run,
                   "exit_code": status,
                   # QEMU: each inference as the Cortex-M4 timing model saw it (docs/timing.md)
                   "inferences": [{"instructions": inv.total.instructions,
                                   "cycles": None if not_applicable_reason(project.board.cpu) else inv.total.cycles}
                                  for inv in (getattr(runner, "invocations", None) or [])]})
    return status
