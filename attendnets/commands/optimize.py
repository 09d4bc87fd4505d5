"""``attendnets optimize``: the same model in a smaller TFLM arena.

Writes MODEL.tflite again with TFLM's offline memory plan (the
``OfflineMemoryAllocation`` metadata stock TFLM reads) holding a placement of
the tensors better than TFLM's greedy one and, with ``--reorder`` (the
default), the operators in the valid order with the smallest peak of live
memory.  The outputs stay bit for bit the same.  Prints the arena before and
after (head, tail, total, required) and the lower bound of the head.
"""

import json
from pathlib import Path

import click

from attendnets.commands.options import json_option, kernels_option, overwrite_option, resolve_kernels
from attendnets_base.fsutil import check_output_file, require_file, write_bytes_atomic
from converter.planner.optimize import optimize_model, written_by_us


@click.command()
@click.argument("model_path", metavar="MODEL.tflite", type=click.Path(dir_okay=False))
@click.option("--out", "out_path", required=True, metavar="FILE", type=click.Path(dir_okay=False),
              help="The optimized .tflite to write (an existing file is replaced only if optimize wrote it).")
@overwrite_option("an existing FILE (MODEL.tflite itself: optimize in place)")
@click.option("--target", type=click.Choice(["cortex-m", "host"]), default="cortex-m", show_default=True,
              help="cortex-m: 32-bit firmware build; host: the 64-bit tflite-micro Python package.")
@kernels_option('Kernel set the model will run with (their scratch buffers are part of the plan)', has_target=True)
@click.option("--cmsis-nn-arch", type=click.Choice(["dsp", "mve", "scalar"]), default="dsp", show_default=True,
              help="CMSIS-NN code path of the CPU (only read with --kernels cmsis-nn).")
@click.option("--reorder/--no-reorder", default=True, show_default=True,
              help="Also search the operator order with the smallest peak of live memory.")
@click.option("--time-limit", "time_limit_s", type=click.FloatRange(0.01, 600), default=2.0, show_default=True,
              help="Seconds the placement search may take.")
@json_option("Print one JSON object.")
def command(model_path, out_path, overwrite, target, kernels, cmsis_nn_arch, reorder, time_limit_s, as_json):
    """Write MODEL.tflite with a memory plan TFLM runs in a smaller arena."""
    kernels = resolve_kernels(kernels, target)
    require_file(model_path, "model")
    out = check_output_file(out_path, "--out", inputs=[(model_path, "the model")], overwrite=overwrite,
                            ours=lambda p: p.is_file() and p.suffix == ".tflite" and written_by_us(p))
    result = optimize_model(Path(model_path).read_bytes(), target=target, kernels=kernels,
                            cmsis_nn_arch=cmsis_nn_arch, reorder=reorder, time_limit_s=time_limit_s)
    write_bytes_atomic(out, result.data)
    if as_json:
        click.echo(json.dumps({"model": str(model_path), "out": str(out), **result.to_dict()}, indent=2))
        return 0
    kernel_text = kernels + (f"/{cmsis_nn_arch}" if kernels == "cmsis-nn" else "")
    click.echo(f"optimized {model_path} -> {out} ({target}, {kernel_text} kernels)")
    click.echo(f"  {'':22}{'before':>10}{'after':>10}{'saved':>10}")
    for label, a, b in result.rows():
        saved = f"{a - b:,}" if label != "lower bound of head" else ""
        click.echo(f"  {label:22}{a:>10,}{b:>10,}{saved:>10}")
    if result.greedy.head_bytes != result.before.head_bytes:
        click.echo(f"  (TFLM's greedy plan of this model: head {result.greedy.head_bytes:,} B)")
    order = "reordered operators" if result.reordered else "operator order kept"
    proof = "optimal" if result.optimal else f"{result.after.head_bytes - result.lower_bound_bytes:,} B above the bound"
    click.echo(f"  plan: {result.method} ({proof}); {order}; {result.seconds:.2f} s")
    for note in result.notes:
        click.echo(f"  note: {note}")
    return 0
