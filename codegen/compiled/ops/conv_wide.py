"""CONV_2D and DEPTHWISE_CONV_2D with 16x8 (int16 activations, int8 weights) or float32 arithmetic.

Called by :mod:`codegen.compiled.ops.conv` for those types (one lowering per operator name); the kernels
(``an_conv_wide.c``) run TFLM's reference loops:

- 16x8: ``reference_integer_ops::ConvPerChannel`` / ``DepthwiseConvPerChannel`` with int16 input and
  output, zero points 0: an int64 accumulator with an int64 bias (TFLite's default) and the 64-bit
  ``MultiplyByQuantizedMultiplier``; CONV_2D with an int32 bias (or none and ``quantized_bias_type``
  INT32) accumulates in int32 (wrapping) and requantizes with the 32-bit one, as TFLM's conv.cc chooses.
  TFLM's depthwise takes only an int64 bias.  Per-channel (M, shift) from TFLM's
  ``PopulateConvolutionQuantizationParams``; the fused activation's int16 range.
- float32: ``reference_ops::Conv`` / ``DepthwiseConv``: ``total = 0.f; total += x * w`` over the taps
  inside the image in TFLM's order, ``+ bias``, clamped to the fused activation's float range
  (``CalculateActivationRange``: NONE is [-FLT_MAX, FLT_MAX], so infinities become FLT_MAX as in TFLM).
"""

from __future__ import annotations

import numpy as np

from codegen.compiled.lowering import NotLowerable
from codegen.compiled.ops.common import one_value, require_requantizable
from codegen.compiled.ops.fully_connected_wide import FLOAT_ACTIVATIONS
from codegen.compiled.ops.window import window
from codegen.compiled.program import F32, Params, Step
from codegen.compiled.quantization import activation_range, channel_multipliers

SOURCES = ("an_conv_wide.c",)


def lower_conv_wide(op, ctx, depthwise: bool):
    """The ``an_conv_wide.c`` step of a CONV_2D (``depthwise`` False) or DEPTHWISE_CONV_2D whose
    activations are int16 or float32."""
    name = "DEPTHWISE_CONV_2D" if depthwise else "CONV_2D"
    x, w, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.inputs[1]), ctx.tensor(op.outputs[0])
    bias = ctx.optional_tensor(op.inputs[2]) if len(op.inputs) > 2 else None
    if y.dtype != x.dtype:
        raise NotLowerable(f"{x.dtype} -> {y.dtype}")
    if len(x.shape) != 4 or len(y.shape) != 4 or len(w.shape) != 4:
        raise NotLowerable(f"input {x.shape} / filter {w.shape} / output {y.shape} not 4-D (NHWC)")
    if not w.is_constant or w.dtype != ("float32" if x.dtype == "float32" else "int8"):
        raise NotLowerable(f"{'constant ' if w.is_constant else 'computed '}{w.dtype} filter with {x.dtype} "
                           "activations")
    batches, in_h, in_w, in_c = (int(d) for d in x.shape)
    if depthwise:
        if w.shape[0] != 1:
            raise NotLowerable(f"filter of shape {w.shape}")
        _, k_h, k_w, out_c = (int(d) for d in w.shape)
        multiplier = int(op.options.get("depth_multiplier", 1) or 1)
        if out_c != in_c * multiplier:
            raise NotLowerable(f"filter {w.shape} is not input {x.shape} times depth multiplier {multiplier}")
        filter_in_c = 1
    else:
        out_c, k_h, k_w, filter_in_c = (int(d) for d in w.shape)
        multiplier = 1
        if filter_in_c < 1 or in_c % filter_in_c or out_c % (in_c // filter_in_c):
            raise NotLowerable(f"filter depth {filter_in_c} does not divide input depth {in_c} into groups")
    if y.shape[0] != batches or y.shape[3] != out_c:
        raise NotLowerable(f"output {y.shape} does not match input {x.shape} and filter {w.shape}")
    padding, win = window(op, in_h, in_w, k_h, k_w)
    activation = op.options.get("fused_activation_function", "NONE")
    fields = dict(batches=batches, in_h=in_h, in_w=in_w, in_c=in_c, out_h=int(y.shape[1]), out_w=int(y.shape[2]),
                  out_c=out_c, k_h=k_h, k_w=k_w, filter_in_c=filter_in_c, depth_mult=multiplier, **win)
    macs = batches * int(y.shape[1]) * int(y.shape[2]) * out_c * k_h * k_w * filter_in_c
    kind = "dw" if depthwise else "conv"
    comment = (f"{name} {x.dtype} {tuple(x.shape)} * {tuple(w.shape)} -> {tuple(y.shape)}, {padding}, stride "
               f"{win['stride_h']}x{win['stride_w']}, dilation {win['dilation_h']}x{win['dilation_w']}, {activation}")
    function = "an_depthwise_conv2d" if depthwise else "an_conv2d"
    if x.dtype == "float32":
        if activation not in FLOAT_ACTIVATIONS:
            raise NotLowerable(f"fused {activation}")
        if bias is not None and (not bias.is_constant or bias.dtype != "float32"):
            raise NotLowerable("a bias that is not a constant float32")
        lo, hi = FLOAT_ACTIVATIONS[activation]
        fields.update(act_min=0, act_max=0, float_min=F32(lo), float_max=F32(hi))
        return Step(f"{function}_f32", sources=SOURCES,
                    args=(Params("an_conv_wide_params", fields), x.operand, w.operand,
                          bias.operand if bias is not None else None, y.operand), macs=macs, comment=comment)
    if x.dtype != "int16":
        raise NotLowerable(f"{x.dtype} activations")
    if int(one_value(x.zero_point or (0,), "input")) or int(one_value(y.zero_point or (0,), "output")):
        raise NotLowerable("int16 tensors with a zero point (16x8 takes 0)")
    if not w.scale or len(w.scale) not in (1, out_c):
        raise NotLowerable(f"{len(w.scale or ())} filter scales for {out_c} output channels")
    if len(w.scale) > 1 and w.quantized_dimension != (3 if depthwise else 0):
        raise NotLowerable(f"per-channel quantization along dimension {w.quantized_dimension}")
    out_scale = one_value(y.scale, "output")
    multipliers, shifts = channel_multipliers(one_value(x.scale, "input"), w.scale, out_scale, out_c)
    require_requantizable(multipliers)
    if any(m < 0 for m in multipliers):
        raise NotLowerable("a negative scale")
    try:
        act_min, act_max = activation_range(activation, out_scale, 0, "int16")
    except ValueError:
        raise NotLowerable(f"fused {activation}") from None
    if bias is not None and (not bias.is_constant or bias.dtype not in ("int64", "int32")):
        raise NotLowerable(f"{'constant ' if bias.is_constant else 'computed '}{bias.dtype} bias")
    if depthwise and bias is not None and bias.dtype == "int32":
        raise NotLowerable("int32 bias (TFLM's 16x8 depthwise takes int64)")
    acc32 = not depthwise and ((bias is not None and bias.dtype == "int32") or
                               (bias is None and op.options.get("quantized_bias_type", "FLOAT32") == "INT32"))
    fields.update(act_min=act_min, act_max=act_max, float_min=F32(0.0), float_max=F32(0.0))
    suffix = "_acc32" if acc32 else ("" if depthwise else "_acc64")
    return Step(f"{function}_s16{suffix}", sources=SOURCES,
                args=(Params("an_conv_wide_params", fields), x.operand, w.operand,
                      bias.operand if bias is not None else None,
                      ctx.constant(f"op{op.index}_multipliers", "int32_t", multipliers),
                      ctx.constant(f"op{op.index}_shifts", "int32_t", shifts), y.operand),
                macs=macs, comment=comment + f" ({kind} 16x8, {'int32' if acc32 else 'int64'} accumulator)")
