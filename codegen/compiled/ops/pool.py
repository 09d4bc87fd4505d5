"""AVERAGE_POOL_2D -> ``an_avg_pool2d_s8``, MAX_POOL_2D -> ``an_max_pool2d_s8``.

TFLM's int8 pooling (reference ``AveragePool``/``MaxPool``): the window clipped to the image
(padding never counts), the average rounded half away from zero, then the fused
activation's range.  No requantization: TFLM requires input and output to share scale and
zero point, and so does this lowering.
"""

from __future__ import annotations

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.ops.pool_wide import lower_pool_wide
from codegen.compiled.ops.window import check_int8_activations, fused_range, pool_window
from codegen.compiled.program import Params, Step


def _lower_pool(op, ctx, function):
    if ctx.tensor(op.inputs[0]).dtype in ("int16", "float32"):
        return lower_pool_wide(op, ctx)
    x = ctx.tensor(op.inputs[0])
    y = ctx.tensor(op.outputs[0])
    check_int8_activations(x, y)
    if x.shape[0] != y.shape[0] or x.shape[3] != y.shape[3]:
        raise NotLowerable(f"output {y.shape} does not match input {x.shape}")
    if not x.scale or not y.scale or abs(x.scale[0] - y.scale[0]) > 1e-6 \
            or tuple(x.zero_point[:1]) != tuple(y.zero_point[:1]):
        raise NotLowerable("input and output quantization differ")
    batches, in_h, in_w, c = x.shape
    f_h, f_w, padding, win = pool_window(op, in_h, in_w, y.shape[1], y.shape[2])
    activation, (act_min, act_max) = fused_range(op, y)
    fields = dict(batches=batches, in_h=in_h, in_w=in_w, c=c, out_h=y.shape[1], out_w=y.shape[2],
                  filter_h=f_h, filter_w=f_w, **win, act_min=act_min, act_max=act_max)
    return Step(
        function=function,
        sources=("an_pool.c",),
        args=(Params("an_pool_params", fields), x.operand, y.operand),
        comment=f"{op.name} {x.shape} -> {y.shape}, {f_h}x{f_w}, {padding}, "
                f"stride {win['stride_h']}x{win['stride_w']}, {activation}",
        macs=0,
    )


@lowering("AVERAGE_POOL_2D")
def lower_average_pool2d(op, ctx):
    return _lower_pool(op, ctx, "an_avg_pool2d_s8")


@lowering("MAX_POOL_2D")
def lower_max_pool2d(op, ctx):
    return _lower_pool(op, ctx, "an_max_pool2d_s8")
