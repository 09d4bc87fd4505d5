"""TRANSPOSE_CONV: TFLM's reference ``TransposeConv`` (int8 per-channel, 16x8, float32), one kernel call
(an_transpose_conv.c).

Inputs as TFLite orders them: the output shape (constant; or an int32 [4] computed one, whose values TFLM's
kernel never reads: the output tensor's static dims decide), the filter ``[out_channels, h, w, in_channels]``
(constant), the input (NHWC), an optional bias.  TFLM's prepare, computed here: the padding is
``ComputePaddingHeightWidth`` of a convolution from the *output* size (dilation 1), per-channel multipliers
from ``PopulateConvolutionQuantizationParams`` (input scale x filter scale / output scale in double), the
fused activation's range.  int8 sums run in an int32 scratch of the output's size and int16 sums in an int64
one, as TFLM's scratch buffers.  A float32 TRANSPOSE_CONV with a fused activation is refused: TFLM's float
path reads the activation through the convolution's parameter struct (a field past the transpose
convolution's own), so what it applies is not what the model says.
"""

from __future__ import annotations

import numpy as np

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.ops.common import constant_ints, require_requantizable, scale_of, zero_point_of
from codegen.compiled.program import F32, Params, Scratch, Step
from codegen.compiled.quantization import activation_range, channel_multipliers, same_valid_padding

FLT_MAX = float(np.finfo(np.float32).max)
SUFFIX = {"int8": "s8", "int16": "s16", "float32": "f32"}


@lowering("TRANSPOSE_CONV")
def lower_transpose_conv(op, ctx):
    if len(op.inputs) not in (3, 4):
        raise NotLowerable(f"{len(op.inputs)} inputs")
    w, x, y = ctx.tensor(op.inputs[1]), ctx.tensor(op.inputs[2]), ctx.tensor(op.outputs[0])
    given = ctx.optional_tensor(op.inputs[0])
    if given is not None and not given.is_constant and given.dtype == "int32" and tuple(given.shape) == (4,):
        shape = tuple(y.shape)  # a computed output shape: TFLM never reads its values (the output's dims decide)
    else:
        shape = constant_ints(given, "output shape")
    bias = ctx.optional_tensor(op.inputs[3]) if len(op.inputs) == 4 else None
    if x.dtype not in SUFFIX or y.dtype != x.dtype:
        raise NotLowerable(f"{x.dtype} -> {y.dtype}")
    if not w.is_constant or w.dtype != ("float32" if x.dtype == "float32" else "int8"):
        raise NotLowerable(f"{'constant ' if w.is_constant else 'computed '}{w.dtype} filter")
    if len(x.shape) != 4 or len(w.shape) != 4 or len(y.shape) != 4:
        raise NotLowerable("tensors that are not 4-D")
    if tuple(shape) != tuple(y.shape):
        raise NotLowerable(f"output shape {tuple(shape)} is not the output tensor's {tuple(y.shape)}")
    batches, in_h, in_w, in_c = (int(d) for d in x.shape)
    out_c, f_h, f_w, f_c = (int(d) for d in w.shape)
    if f_c != in_c or y.shape[3] != out_c or y.shape[0] != batches:
        raise NotLowerable(f"filter {tuple(w.shape)} does not map {tuple(x.shape)} to {tuple(y.shape)}")
    out_h, out_w = int(y.shape[1]), int(y.shape[2])
    padding = op.options.get("padding", "SAME")
    stride_h, stride_w = int(op.options.get("stride_h", 1)), int(op.options.get("stride_w", 1))
    if padding not in ("SAME", "VALID") or stride_h < 1 or stride_w < 1:
        raise NotLowerable(f"padding {padding}, strides {stride_h}x{stride_w}")
    activation = op.options.get("fused_activation_function", "NONE")
    fields = {"batches": batches, "input_height": in_h, "input_width": in_w, "input_depth": in_c,
              "filter_height": f_h, "filter_width": f_w, "output_height": out_h, "output_width": out_w,
              "output_depth": out_c, "stride_height": stride_h, "stride_width": stride_w,
              "pad_height": same_valid_padding(padding, out_h, f_h, stride_h),
              "pad_width": same_valid_padding(padding, out_w, f_w, stride_w)}
    comment = (f"TRANSPOSE_CONV {x.dtype} {tuple(x.shape)} -> {tuple(y.shape)}, filter {f_h}x{f_w}, stride "
               f"{stride_h}x{stride_w}, {padding}, activation {activation}")
    macs = batches * in_h * in_w * in_c * f_h * f_w * out_c  # every tap, as TFLM's loop (border taps skipped)
    if x.dtype == "float32":
        if activation != "NONE":
            raise NotLowerable(f"float32 with fused {activation} (TFLM's float path reads another struct's field)")
        if bias is not None and (not bias.is_constant or bias.dtype != "float32"):
            raise NotLowerable("a bias that is not a constant float32")
        fields.update(input_offset=0, output_offset=0, activation_min=0, activation_max=0,
                      float_min=F32(-FLT_MAX), float_max=F32(FLT_MAX))
        return Step("an_transpose_conv_f32", sources=("an_transpose_conv.c",),
                    args=(Params("an_transpose_conv_params", fields), x.operand, w.operand,
                          bias.operand if bias is not None else None, y.operand), macs=macs, comment=comment)
    scales = tuple(w.scale)
    if len(scales) not in (1, out_c) or len(w.zero_point) != len(scales):
        raise NotLowerable(f"{len(scales)} filter scales for {out_c} output channels")
    if len(w.scale) > 1 and w.quantized_dimension != 0:
        raise NotLowerable(f"per-channel quantization along dimension {w.quantized_dimension}")
    multipliers, shifts = channel_multipliers(scale_of(x), scales, scale_of(y), out_c)
    require_requantizable(multipliers)
    try:
        lo, hi = activation_range(activation, scale_of(y), zero_point_of(y), y.dtype)
    except ValueError:
        raise NotLowerable(f"fused {activation}") from None
    if x.dtype == "int16":
        if zero_point_of(x) or zero_point_of(y):
            raise NotLowerable("int16 tensors with a zero point (16x8 takes 0)")
        want_bias = ("int64", "int16")
    else:
        want_bias = ("int32",)
    bias_values = None
    if bias is not None:
        if not bias.is_constant or bias.dtype not in want_bias:
            raise NotLowerable(f"{'constant ' if bias.is_constant else 'computed '}{bias.dtype} bias")
        bias_values = np.asarray(bias.data).reshape(-1).astype(np.int64 if x.dtype == "int16" else np.int32)
    fields.update(input_offset=-zero_point_of(x), output_offset=zero_point_of(y), activation_min=lo,
                  activation_max=hi, float_min=F32(0.0), float_max=F32(0.0))
    bias_operand = None
    if bias_values is not None:
        bias_operand = bias.operand if bias.dtype == want_bias[0] else \
            ctx.constant(f"op{op.index}_bias", "int64_t", bias_values)
    element_bytes = 4 if x.dtype == "int8" else 8
    return Step(f"an_transpose_conv_{SUFFIX[x.dtype]}", sources=("an_transpose_conv.c",),
                args=(Params("an_transpose_conv_params", fields), x.operand, w.operand, bias_operand,
                      ctx.constant(f"op{op.index}_multipliers", "int32_t", multipliers),
                      ctx.constant(f"op{op.index}_shifts", "int32_t", shifts), y.operand,
                      Scratch(y.num_elements * element_bytes)), macs=macs, comment=comment)
