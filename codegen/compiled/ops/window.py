"""Helpers of the windowed NHWC lowerings (CONV_2D, DEPTHWISE_CONV_2D, the pools): shape checks,
stride/dilation/TFLM padding, the fused activation's range.

Not a lowering itself (it registers nothing).
"""

from __future__ import annotations

from codegen.compiled.lowering import NotLowerable
from codegen.compiled.ops.common import one_value
from codegen.compiled.quantization import activation_range, same_valid_padding


def check_int8_activations(x, y):
    if x.dtype != "int8" or y.dtype != "int8":
        raise NotLowerable(f"{x.dtype} -> {y.dtype} activations (int8 only)")
    if len(x.shape) != 4 or len(y.shape) != 4:
        raise NotLowerable(f"input {x.shape} / output {y.shape} not 4-D (NHWC)")


def fused_range(op, y):
    """``(activation name, (min, max))`` of an int8 output's fused activation."""
    activation = op.options.get("fused_activation_function", "NONE")
    try:
        return activation, activation_range(activation, one_value(y.scale, "output"),
                                            one_value(y.zero_point or (0,), "output"))
    except ValueError:
        raise NotLowerable(f"fused {activation}") from None


def window(op, in_h, in_w, k_h, k_w, dilation=True):
    """``(padding name, fields)``: stride, dilation and TFLM's padding of a windowed operator as
    parameter-struct fields (``stride_h, stride_w, pad_h, pad_w[, dilation_h, dilation_w]``)."""
    padding = op.options.get("padding", "SAME")
    if padding not in ("SAME", "VALID"):
        raise NotLowerable(f"padding {padding}")
    stride_h, stride_w = int(op.options.get("stride_h", 1)), int(op.options.get("stride_w", 1))
    dil_h = int(op.options.get("dilation_h_factor", 1)) if dilation else 1
    dil_w = int(op.options.get("dilation_w_factor", 1)) if dilation else 1
    if min(stride_h, stride_w, dil_h, dil_w) < 1:
        raise NotLowerable(f"stride {stride_h}x{stride_w}, dilation {dil_h}x{dil_w}")
    fields = {"stride_h": stride_h, "stride_w": stride_w,
              "pad_h": same_valid_padding(padding, in_h, k_h, stride_h, dil_h),
              "pad_w": same_valid_padding(padding, in_w, k_w, stride_w, dil_w)}
    if dilation:
        fields.update(dilation_h=dil_h, dilation_w=dil_w)
    return padding, fields


def pool_window(op, in_h: int, in_w: int, out_h: int, out_w: int):
    """``(filter_h, filter_w, padding name, window fields)`` of a pooling operator (int8 or wide): its filter
    options checked, the window computed, and a window wholly in the padding at either end refused (TFLM's
    AveragePool fails on one)."""
    f_h, f_w = int(op.options.get("filter_height", 1)), int(op.options.get("filter_width", 1))
    if f_h < 1 or f_w < 1:
        raise NotLowerable(f"filter {f_h}x{f_w}")
    padding, win = window(op, in_h, in_w, f_h, f_w, dilation=False)
    for out, stride, pad, f, size in ((out_h, win["stride_h"], win["pad_h"], f_h, in_h),
                                      (out_w, win["stride_w"], win["pad_w"], f_w, in_w)):
        for o in (0, out - 1):
            origin = o * stride - pad
            if min(f, size - origin) - max(0, -origin) <= 0:
                raise NotLowerable("a pooling window lies wholly outside the input")
    return f_h, f_w, padding, win
