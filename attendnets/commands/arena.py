"""``attendnets arena``: the tensor arena a model needs on TFLM, before any run.

Prints the smallest ``tensor_arena`` size with which ``AllocateTensors()``
succeeds (the figure to put in firmware), what TFLM records as used, and the
head/tail breakdown.  ``--measure`` runs the tflite-micro interpreter (64-bit
host build) and finds the smallest arena that allocates by bisection, and
prints it beside the estimate.
"""

import json

import click

from attendnets.commands.options import json_option, kernels_option, resolve_kernels
from attendnets_base.fsutil import require_file
from converter.tflite_model import load_model
from converter.tflm.arena import estimate_arena
from converter.tflm.arena_measure import measure_arena
from converter.tflm.tflm_structs import HOST_PACKAGE_VERSION

TARGETS = {"cortex-m": 4, "host": 8}


@click.command()
@click.argument("model_path", metavar="MODEL.tflite", type=click.Path(dir_okay=False))
@click.option("--target", type=click.Choice(sorted(TARGETS)), default="cortex-m", show_default=True,
              help="cortex-m: 32-bit firmware build (4-byte pointers, plain MicroInterpreter); "
                   "host: the 64-bit tflite-micro Python package (RecordingMicroAllocator).")
@kernels_option('Kernel set of the TFLM build (their OpData and scratch buffers differ)', has_target=True)
@click.option("--cmsis-nn-arch", type=click.Choice(["dsp", "mve", "scalar"]), default="dsp", show_default=True,
              help="CMSIS-NN code path of the CPU, which sets the CMSIS-NN kernels' scratch buffers: dsp "
                   "(Cortex-M4/M7/M33), mve (Cortex-M55/M85, Helium), scalar (Cortex-M0/M0+/M3). "
                   "Only read with --kernels cmsis-nn.")
@click.option("--measure", is_flag=True,
              help="Also run the tflite-micro interpreter (64-bit host, reference kernels) and bisect the "
                   "smallest arena that allocates; prints estimate and measurement side by side.")
@json_option("Print one JSON object.")
def command(model_path, target, kernels, cmsis_nn_arch, measure, as_json):
    """Compute the TFLM tensor arena for MODEL.tflite from the flatbuffer alone."""
    kernels = resolve_kernels(kernels, target)
    require_file(model_path, "model")
    model = load_model(model_path)
    estimate = estimate_arena(model, pointer_bytes=TARGETS[target], kernels=kernels, cmsis_nn_arch=cmsis_nn_arch)
    host_estimate = measurement = None
    if measure:
        host_estimate = estimate if target == "host" and kernels == "reference" else estimate_arena(
            model, pointer_bytes=8, kernels="reference"
        )
        measurement = measure_arena(model.data)
    if as_json:
        click.echo(json.dumps(arena_json(model_path, target, estimate, host_estimate, measurement), indent=2))
    else:
        click.echo(format_arena(model_path, target, estimate, host_estimate, measurement))
    return 0


def _summary(est):
    return {
        "total": est.total_bytes,
        "head": est.head_bytes,
        "tail": est.tail_bytes,
        "required": est.required_bytes,
        "categories": est.categories,
        "uncategorized_tail": est.uncategorized_tail_bytes,
        "peak_live": est.peak_live_bytes,
        "peak_op_index": est.peak_op_index,
    }


def arena_json(model_path, target, estimate, host_estimate=None, measurement=None):
    out = {
        "model": str(model_path),
        "target": target,
        "pointer_bytes": estimate.pointer_bytes,
        "kernels": estimate.kernels,
        "cmsis_nn_arch": estimate.cmsis_nn_arch,
        "arena": _summary(estimate),
        "required_limited_by": estimate.required_reason,
        "op_scratch_bytes": estimate.op_scratch_bytes,
        "op_live_bytes": estimate.op_live_bytes,
        "tensors": [
            {
                "tensor": p.tensor_index,
                "name": p.name,
                "offset": p.offset,
                "size": p.size,
                "first_op": p.first_op,
                "last_op": p.last_op,
                "offline_planned": p.offline_planned,
            }
            for p in estimate.tensors
        ],
    }
    if measurement is not None:
        out["measure"] = {
            "interpreter": f"tflite-micro {measurement.interpreter_version} (64-bit host, reference kernels)",
            "estimate": _summary(host_estimate),
            "measured": {
                "total": measurement.total_bytes,
                "head": measurement.head_bytes,
                "tail": measurement.tail_bytes,
                "required": measurement.required_bytes,
                "categories": measurement.categories,
            },
            "equal": _agrees(host_estimate, measurement),
        }
    return out


def _agrees(est, meas):
    same = (est.total_bytes, est.head_bytes, est.tail_bytes, est.required_bytes) == (
        meas.total_bytes, meas.head_bytes, meas.tail_bytes, meas.required_bytes
    )
    cats = {k: v for k, v in est.categories.items() if v}
    return same and cats == meas.categories


def format_arena(model_path, target, est, host_estimate=None, measurement=None):
    width = "32-bit Cortex-M" if est.pointer_bytes == 4 else "64-bit host"
    lines = [
        f"model: {model_path}",
        f"target: {target} ({width}, {est.pointer_bytes}-byte pointers), kernels: {est.kernels}"
        + (f" ({est.cmsis_nn_arch} code path)" if est.cmsis_nn_arch else ""),
        "",
        f"tensor arena required : {est.required_bytes:>10,} bytes   (smallest arena with which AllocateTensors() succeeds)",
        f"recorded as used      : {est.total_bytes:>10,} bytes   (arena_used_bytes(): head + tail)",
        f"  head (plan)         : {est.head_bytes:>10,} bytes   (tensors and scratch buffers, "
        + ("the model's offline plan + GreedyMemoryPlanner)" if any(p.offline_planned for p in est.tensors)
           else "GreedyMemoryPlanner)"),
        f"  tail (persistent)   : {est.tail_bytes:>10,} bytes",
    ]
    for name, used in est.categories.items():
        if used:
            lines.append(f"    {name:<42}{used:>8,}")
    lines.append(f"    {'allocator objects, builtin options, handles':<42}{est.uncategorized_tail_bytes:>8,}")
    lines.append(f"peak live tensors     : {est.peak_live_bytes:>10,} bytes at operator {est.peak_op_index}")
    gap = est.required_bytes - est.total_bytes
    if gap >= 16:
        lines.append(
            f"required > used: a step of AllocateTensors() needs more room than what stays allocated: "
            f"{est.required_reason}"
        )
    elif gap:
        lines.append(
            "required and used differ only by alignment padding: the tail grows down from the arena's end, "
            "so its padding depends on the arena size modulo 16"
        )
    if measurement is not None:
        e = host_estimate
        lines += [
            "",
            "--measure (tflite-micro interpreter, 64-bit host, reference kernels):",
            f"{'':<12}{'estimate':>12}{'measured':>12}",
        ]
        for label, a, b in (
            ("required", e.required_bytes, measurement.required_bytes),
            ("total", e.total_bytes, measurement.total_bytes),
            ("head", e.head_bytes, measurement.head_bytes),
            ("tail", e.tail_bytes, measurement.tail_bytes),
        ):
            mark = "" if a == b else "   DIFFERS"
            lines.append(f"{label:<12}{a:>12,}{b:>12,}{mark}")
        lines.append("agree to the byte" if _agrees(e, measurement) else "estimate and measurement DIFFER")

        if measurement.interpreter_version and measurement.interpreter_version != HOST_PACKAGE_VERSION:
            lines.append(
                f"note: host struct sizes were taken from tflite-micro {HOST_PACKAGE_VERSION}; "
                f"installed: {measurement.interpreter_version}"
            )
    return "\n".join(lines)
