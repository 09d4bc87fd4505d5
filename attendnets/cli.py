"""The ``attendnets`` command line.

Each command lives in its own module under :mod:`attendnets.commands` and
exposes a ``command`` (a :class:`click.Command`); a command's module is imported
only when that command runs (``--help`` imports them all).  Command modules import
the project at their top; TensorFlow and the other heavy optional dependencies
(tests/test_structure.py's HEAVY) are imported inside the functions that need them,
so ``attendnets --help`` and the whole ``.tflite`` path (check, report, arena,
generate, build, size, flash, validate) start fast and run without TensorFlow
installed.

Errors: every :class:`attendnets_base.errors.AttendnetsError` and every click usage
error becomes one line on stderr and a non-zero exit; no traceback unless
``ATTENDNETS_DEBUG=1``.
"""

import importlib
import importlib.util
import os
import sys
import json

import click

from attendnets_base import __version__
from attendnets_base.errors import AttendnetsError
from attendnets.commands.options import JSON_STATE
from attendnets_base.errors import FILE_SYSTEM_ERRNOS

# Pipeline order: this is the order ``attendnets --help`` lists them in.
COMMAND_NAMES = [
    "profile",
    "train",
    "quantize",
    "convert",
    "check",
    "inspect",
    "evaluate",
    "predict",
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
    """The commands in pipeline order, each module imported only when its command is looked up: a
    command module imports what its command needs at its top, and `attendnets check` pays for
    check's imports alone (``--help`` looks every command up)."""

    def list_commands(self, ctx):
        return [name for name in COMMAND_NAMES if name in self.commands or _command_module_exists(name)]

    def get_command(self, ctx, name):
        if name not in self.commands and name in COMMAND_NAMES and _command_module_exists(name):
            self.add_command(importlib.import_module(_command_module(name)).command, name)
        return super().get_command(ctx, name)


def _command_module(name):
    return f"attendnets.commands.{name.replace('-', '_')}"


def _command_module_exists(name):
    return importlib.util.find_spec(_command_module(name)) is not None  # not every checkout has every command


@click.group(cls=PipelineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="attendnets")
def cli():
    """AttendNets to Cortex-M: build, train, quantize, analyse and deploy tiny int8 networks."""


def _debug():
    return os.environ.get("ATTENDNETS_DEBUG", "") not in ("", "0")


def _json_requested(argv, exc=None):
    """Whether the failing command was given ``--json`` (its callback ran, or click refused the line first)."""
    if JSON_STATE["requested"]:
        return True
    ctx = getattr(exc, "ctx", None)  # a usage error can come before --json's callback ran
    command = getattr(ctx, "command", None)
    if command is None or not any(p.name == "as_json" for p in command.params):
        return False
    args = list(sys.argv[1:] if argv is None else argv)
    args = args[: args.index("--")] if "--" in args else args
    return "--json" in args


def _fail(message, exit_code, argv, exc=None):
    """One line on stderr; with ``--json`` also ``{"error", "exit_code"}`` on stdout. Returns ``exit_code``."""
    message = " ".join(str(message).split("\n")).strip()
    click.echo(f"error: {message}", err=True)
    if _json_requested(argv, exc):
        click.echo(json.dumps({"error": message, "exit_code": exit_code}))
    return exit_code


def os_error_exit(exc):
    """The message and exit status of an OSError nothing below caught (errors.py: 2 for the file system)."""
    where = f": {exc.filename}" if exc.filename else ""
    return f"{exc.strerror or type(exc).__name__}{where}", 2 if exc.errno in FILE_SYSTEM_ERRNOS else 1


def main(argv=None):
    """Run the CLI and return the exit status (never raises for user errors)."""
    JSON_STATE["requested"] = False
    try:
        rv = cli.main(args=argv, prog_name="attendnets", standalone_mode=False)
    except click.ClickException as exc:
        return _fail(exc.format_message(), exc.exit_code, argv, exc)
    except click.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):  # click turns Ctrl-C into Abort
            return _fail("interrupted", 130, argv)
        return _fail("aborted", 1, argv)
    except AttendnetsError as exc:
        if _debug():
            raise
        return _fail(str(exc) or type(exc).__name__, exc.exit_code, argv)
    except KeyboardInterrupt:
        return _fail("interrupted", 130, argv)
    except OSError as exc:  # the file system or the OS refused (permissions, full disk, ...): not a bug
        if _debug():
            raise
        return _fail(*os_error_exit(exc), argv)
    except Exception as exc:  # a bug: still one line, with a way to see more
        if _debug():
            raise
        return _fail(f"internal error: {type(exc).__name__}: {exc} (run with ATTENDNETS_DEBUG=1 for the traceback)",
                     3, argv)
    finally:
        JSON_STATE["requested"] = False
    return rv if isinstance(rv, int) else 0


def run():
    sys.exit(main())


if __name__ == "__main__":
    run()
