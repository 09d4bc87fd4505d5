"""Options several commands share, spelled once (same name, choices in one order, default, help)."""

import contextlib
import json
import os
import sys

import click

from codegen.runtimes import DEFAULT_RUNTIME, RUNTIME_NAMES
from converter.tflm.kernel_allocations import DEFAULT_KERNELS, KERNEL_SETS
from codegen.runtimes import get_runtime

HOST_KERNELS = "reference"  # the tflite-micro Python package (--target host) is built without CMSIS-NN


def kernels_option(what="the TFLM kernel set", has_target=False):
    """``--kernels``: the same choices, order and default (the firmware's) in every command."""
    default_text = DEFAULT_KERNELS + (f"; {HOST_KERNELS} with --target host" if has_target else "")
    return click.option(
        "--kernels", type=click.Choice(KERNEL_SETS), default=None, show_default=default_text,
        help=f"{what[0].upper() + what[1:]}: {' or '.join(KERNEL_SETS)}. Default {DEFAULT_KERNELS}: what "
             "`attendnets generate` builds firmware with, the best on every Cortex-M board (CMSIS-NN's "
             "optimized kernels, TFLM's reference kernels for the operators it lacks), so every command "
             "reports the firmware's arena and code" + (f" ({HOST_KERNELS} for --target host, the kernels of "
                                                         "the tflite-micro package)" if has_target else "") + ".")


def resolve_kernels(kernels, target="cortex-m"):
    """The --kernels value, or the default for the target."""
    if kernels is not None:
        return kernels
    return HOST_KERNELS if target == "host" else DEFAULT_KERNELS


def runtime_option(help_text, extra_choices=(), default=DEFAULT_RUNTIME):
    """``--runtime``: the registry's runtimes (codegen.runtimes), in its order, with one default."""
    return click.option("--runtime", type=click.Choice(list(RUNTIME_NAMES) + list(extra_choices)), default=default,
                        show_default=default is not None, help=help_text)


def schedule_options(function):
    """``--schedule`` and ``--max-recompute``: the compiled runtime's operator schedule (codegen.compiled.patch)."""
    function = click.option(
        "--max-recompute", "max_recompute", type=float, default=None, metavar="PERCENT",
        help="compiled runtime: the extra MACs (recomputed overlap of patch stages) the small and auto schedules "
             "may add, in percent of the model's MACs [default: 20].")(function)
    return click.option(
        "--schedule", type=click.Choice(["fast", "small", "auto"]), default=None,
        help="compiled runtime: fast = layer by layer; small = least RAM with patch-based stages (the first "
             "layers run band by band, the overlap recomputed) within --max-recompute; auto = layer by layer "
             "when it fits the board's RAM, else the patch stages with the fewest extra MACs that fit "
             "[default: auto].")(function)


def scheduled_runtime(name, schedule, max_recompute):
    """The runtime called ``name`` with the schedule options (only the compiled runtime takes them)."""
    return get_runtime(name).with_schedule(schedule, max_recompute)


# --- --json: one option, and failures as JSON too ----------------------------------------

#: Set by ``--json``'s callback while a command runs; :func:`attendnets.cli.main` reads it to print a
#: failure as ``{"error": ..., "exit_code": ...}`` on stdout as well as the line on stderr.
JSON_STATE = {"requested": False}


def _remember_json(ctx, param, value):
    if value:
        JSON_STATE["requested"] = True
    return value


JSON_FAILURE_HELP = 'A failure prints {"error": MESSAGE, "exit_code": N} (and the line on stderr).'


def json_option(help="Print one JSON object."):
    """``--json``: the same flag in every command; a failure is printed as a JSON object as well."""
    return click.option("--json", "as_json", is_flag=True, callback=_remember_json,
                        help=f"{help} {JSON_FAILURE_HELP}")


def echo_json(document):
    """Print ``document`` as the command's one JSON object (indented, keys as given)."""
    click.echo(json.dumps(document, indent=2))


@contextlib.contextmanager
def stdout_to_stderr(active=True):
    """While the work runs, anything printed on stdout (Keras' progress bars, a compiler's or QEMU's
    output) goes to stderr, so that with ``--json`` stdout holds the one JSON object and nothing else.
    Subprocesses inherit file descriptor 1, so it is redirected too."""
    if not active:
        yield
        return
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:
        saved = None
    try:
        if saved is not None:
            os.dup2(2, 1)
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        if saved is not None:
            sys.stderr.flush()
            os.dup2(saved, 1)
            os.close(saved)
def overwrite_option(what="the output file"):
    """``--overwrite``: the one switch that lets an output option replace what the rule keeps
    (attendnets_base.fsutil.check_output_file: an input of the command, a file attendnets did not write)."""
    return click.option(
        "--overwrite", is_flag=True,
        help=f"Replace {what} even where it is an input of this command or a file attendnets did not write "
             "(default: refuse and say so).")
