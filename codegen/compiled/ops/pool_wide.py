"""AVERAGE_POOL_2D and MAX_POOL_2D of int16 or float32 tensors, L2_POOL_2D of float32 tensors (an_pool_wide.c):
TFLM's reference pooling.

Called by :mod:`codegen.compiled.ops.pool` for those types; L2_POOL_2D (TFLM's L2Pool: the square root of the
mean of the squares over the clipped window, float32 only) is registered here.  int16: input and output quantized alike (TFLM
requires it), the int16 range of the fused activation; float32: the fused activation's float range
(``CalculateActivationRange``: NONE is [-FLT_MAX, FLT_MAX]).  A window wholly in the padding (TFLM's
AveragePool fails on it) is refused.
"""

from __future__ import annotations

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.ops.common import scale_of, zero_point_of
from codegen.compiled.ops.fully_connected_wide import FLOAT_ACTIVATIONS
from codegen.compiled.ops.window import pool_window
from codegen.compiled.program import F32, Params, Step
from codegen.compiled.quantization import activation_range


def lower_pool_wide(op, ctx):
    x, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    if x.dtype != y.dtype or x.dtype not in ("int16", "float32"):
        raise NotLowerable(f"{x.dtype} -> {y.dtype}")
    if len(x.shape) != 4 or len(y.shape) != 4 or x.shape[0] != y.shape[0] or x.shape[3] != y.shape[3]:
        raise NotLowerable(f"output {y.shape} does not match input {x.shape}")
    batches, in_h, in_w, c = (int(d) for d in x.shape)
    f_h, f_w, padding, win = pool_window(op, in_h, in_w, int(y.shape[1]), int(y.shape[2]))
    activation = op.options.get("fused_activation_function", "NONE")
    fields = dict(batches=batches, in_h=in_h, in_w=in_w, c=c, out_h=int(y.shape[1]), out_w=int(y.shape[2]),
                  filter_h=f_h, filter_w=f_w, **win, act_min=0, act_max=0, float_min=F32(0.0), float_max=F32(0.0))
    if x.dtype == "float32":
        if activation not in FLOAT_ACTIVATIONS:
            raise NotLowerable(f"fused {activation}")
        lo, hi = FLOAT_ACTIVATIONS[activation]
        fields.update(float_min=F32(lo), float_max=F32(hi))
    else:
        if abs(scale_of(x) - scale_of(y)) > 1e-6 * abs(scale_of(x)) or zero_point_of(x) != zero_point_of(y):
            raise NotLowerable("input and output quantization differ")
        try:
            fields["act_min"], fields["act_max"] = activation_range(activation, scale_of(y), zero_point_of(y), "int16")
        except ValueError:
            raise NotLowerable(f"fused {activation}") from None
    kind = {"AVERAGE_POOL_2D": "avg", "MAX_POOL_2D": "max", "L2_POOL_2D": "l2"}[op.name]
    return Step(function=f"an_{kind}_pool2d_{'f32' if x.dtype == 'float32' else 's16'}", sources=("an_pool_wide.c",),
                args=(Params("an_pool_wide_params", fields), x.operand, y.operand),
                comment=f"{op.name} {x.dtype} {tuple(x.shape)} -> {tuple(y.shape)}, {f_h}x{f_w}, {padding}, "
                        f"stride {win['stride_h']}x{win['stride_w']}, {activation}", macs=0)


@lowering("L2_POOL_2D")
def lower_l2_pool(op, ctx):
    x, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    if x.dtype != "float32" or y.dtype != "float32":
        raise NotLowerable(f"{x.dtype} -> {y.dtype} (TFLM's L2_POOL_2D takes float32)")
    if len(x.shape) == 4 and len(y.shape) == 4:  # TFLM's Prepare writes the output's height and width itself
        stride_h, stride_w = int(op.options.get("stride_h", 1)), int(op.options.get("stride_w", 1))
        f_h, f_w = int(op.options.get("filter_height", 1)), int(op.options.get("filter_width", 1))
        same = op.options.get("padding", "SAME") == "SAME"
        expected = tuple((size + stride - 1) // stride if same else (size - f + stride) // stride
                         for size, stride, f in ((x.shape[1], stride_h, f_h), (x.shape[2], stride_w, f_w)))
        if min(stride_h, stride_w) >= 1 and tuple(y.shape[1:3]) != expected:
            raise NotLowerable(f"output {tuple(y.shape)}: TFLM computes {expected[0]}x{expected[1]}")
    return lower_pool_wide(op, ctx)
