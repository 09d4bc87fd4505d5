"""The ``attendnets`` command line.

Each command lives in its own module under :mod:`attendnets.commands` and
exposes a ``command`` (a :class:`click.Command`).  Command modules import only
click and light helpers at module level; TensorFlow is imported inside the
commands that need it, so ``attendnets --help`` and the whole ``.tflite`` path
(check, report, arena, generate, build, size, flash, validate) start fast and run
without TensorFlow installed.

Errors: every :class:`attendnets_base.errors.AttendnetsError` and every click usage
error becomes one line on stderr and a non-zero exit; no traceback unless
``ATTENDNETS_DEBUG=1``.
"""

import importlib
import os
import sys

import click

from attendnets_base import __version__
from attendnets_base.errors import AttendnetsError

# Pipeline order: this is the order ``attendnets --help`` lists them in.
COMMAND_NAMES = [
    "profile",
    "train",
    "quantize",
    "convert",
    "check",
    "inspect",
    "evaluate",
    "arena",
    "optimize",
    "report",
    "boards",
    "generate",
    "build",
    "size",
    "flash",
    "validate",
]


class PipelineGroup(click.Group):
    def list_commands(self, ctx):
        return [name for name in COMMAND_NAMES if name in self.commands]


@click.group(cls=PipelineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="attendnets")
def cli():
    """AttendNets to Cortex-M: build, train, quantize, analyse and deploy tiny int8 networks."""


def _register_commands():
    for name in COMMAND_NAMES:
        module_name = f"attendnets.commands.{name.replace('-', '_')}"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue  # command not implemented in this checkout
            raise
        cli.add_command(module.command, name)


_register_commands()


def _debug():
    return os.environ.get("ATTENDNETS_DEBUG", "") not in ("", "0")


def main(argv=None):
    """Run the CLI and return the exit status (never raises for user errors)."""
    try:
        rv = cli.main(args=argv, prog_name="attendnets", standalone_mode=False)
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        return exc.exit_code
    except click.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):  # click turns Ctrl-C into Abort
            click.echo("error: interrupted", err=True)
            return 130
        click.echo("error: aborted", err=True)
        return 1
    except AttendnetsError as exc:
        if _debug():
            raise
        message = " ".join(str(exc).split("\n")) or type(exc).__name__
        click.echo(f"error: {message}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("error: interrupted", err=True)
        return 130
    except OSError as exc:  # the file system or the OS refused (permissions, full disk, ...): not a bug
        if _debug():
            raise
        where = f": {exc.filename}" if exc.filename else ""
        click.echo(f"error: {exc.strerror or type(exc).__name__}{where}", err=True)
        return 1
    except Exception as exc:  # a bug: still one line, with a way to see more
        if _debug():
            raise
        click.echo(
            f"error: internal error: {type(exc).__name__}: {exc} "
            "(run with ATTENDNETS_DEBUG=1 for the traceback)",
            err=True,
        )
        return 3
    return rv if isinstance(rv, int) else 0


def run():
    sys.exit(main())


if __name__ == "__main__":
    run()
