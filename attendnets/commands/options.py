"""Options several commands share, spelled once (same name, choices in one order, default, help)."""

import click

from converter.tflm.kernel_allocations import DEFAULT_KERNELS, KERNEL_SETS

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
