"""FULLY_CONNECTED with float32 or 16x8 (int16 activations, int8 weights) arithmetic.

Called by :mod:`codegen.compiled.ops.fully_connected` for those types (one lowering per
operator name); the kernels are type variants in files of their own
(``an_fully_connected_f32.c``, ``an_fully_connected_s16.c``).

- float32: TFLM's ``reference_ops::FullyConnected``: ``total = 0.f; total += x * w`` in order,
  ``+ bias`` once, clamped to the fused activation's float range (TFLM's
  ``CalculateActivationRange``: RELU [0, max], RELU6 [0, 6], RELU_N1_TO_1 [-1, 1]).
- 16x8: TFLM's ``reference_integer_ops::FullyConnected(PerChannel)`` with int16 input and
  output: an int64 accumulator and the 64-bit ``MultiplyByQuantizedMultiplier`` with an int64
  bias (TFLite's default), an int32 (wrapping) accumulator and the 32-bit one with an int32
  bias.  The input-offset term is folded into the bias as for int8 (exact: int64, or int32
  wrapping like TFLM's accumulator).
"""

from __future__ import annotations

import numpy as np

from codegen.compiled.lowering import NotLowerable
from codegen.compiled.ops.common import one_value, require_requantizable
from codegen.compiled.program import F32, Params, Step
from codegen.compiled.quantization import activation_range, effective_scale, quantize_multiplier, wrap_int32

FLOAT_MAX = float(np.finfo(np.float32).max)
FLOAT_ACTIVATIONS = {"NONE": (-FLOAT_MAX, FLOAT_MAX), "RELU": (0.0, FLOAT_MAX), "RELU6": (0.0, 6.0),
                     "RELU_N1_TO_1": (-1.0, 1.0)}


def fc_shapes(x, w, y):
    """(batches, accum_depth, output_depth, weights as [output_depth][accum_depth])."""
    if not w.is_constant:
        raise NotLowerable("weights computed at run time")
    weights = np.asarray(w.data)
    if weights.ndim < 2:
        raise NotLowerable(f"weights of rank {weights.ndim}")
    accum_depth = int(weights.shape[-1])
    weights = weights.reshape(-1, accum_depth)
    output_depth = int(y.shape[-1]) if y.shape else 1
    if output_depth > weights.shape[0] or y.num_elements % max(output_depth, 1):
        raise NotLowerable(f"output shape {y.shape} does not match weights {w.shape}")
    batches = y.num_elements // output_depth
    if x.num_elements != batches * accum_depth:
        raise NotLowerable(f"input shape {x.shape} does not match weights {w.shape} and output {y.shape}")
    return batches, accum_depth, output_depth, weights[:output_depth]


def lower_fully_connected_f32(op, ctx, x, w, bias, y):
    if w.dtype != "float32":
        raise NotLowerable(f"{w.dtype} weights with float32 activations")
    if bias is not None and (bias.dtype != "float32" or not bias.is_constant):
        raise NotLowerable("bias not a float32 constant")
    activation = op.options.get("fused_activation_function", "NONE")
    if activation not in FLOAT_ACTIVATIONS:
        raise NotLowerable(f"fused {activation}")
    batches, accum_depth, output_depth, weights = fc_shapes(x, w, y)
    lo, hi = FLOAT_ACTIVATIONS[activation]
    weights_const = ctx.constant(f"op{op.index}_weights", "float", weights.astype(np.float32))
    bias_const = None if bias is None else \
        ctx.constant(f"op{op.index}_bias", "float", np.asarray(bias.data, np.float32).reshape(-1)[:output_depth])
    params = Params("an_fc_f32_params", {"batches": batches, "accum_depth": accum_depth,
                                         "output_depth": output_depth, "act_min": F32(lo), "act_max": F32(hi)})
    return Step(function="an_fully_connected_f32", sources=("an_fully_connected_f32.c",),
                args=(params, x.operand, weights_const, bias_const, y.operand),
                comment=f"FULLY_CONNECTED float32 {x.shape} x {w.shape} -> {y.shape}, {activation}",
                macs=batches * output_depth * accum_depth)


def lower_fully_connected_s16(op, ctx, x, w, bias, y):
    if w.dtype != "int8":
        raise NotLowerable(f"{w.dtype} weights with int16 activations (16x8 takes int8)")
    if bias is not None and (bias.dtype not in ("int64", "int32") or not bias.is_constant):
        raise NotLowerable(f"{bias.dtype} bias (constant int64 or int32 only)")
    if op.options.get("weights_format", "DEFAULT") != "DEFAULT":
        raise NotLowerable(f"weights format {op.options['weights_format']}")
    activation = op.options.get("fused_activation_function", "NONE")
    in_scale, in_zp = one_value(x.scale, "input"), int(one_value(x.zero_point or (0,), "input"))
    out_scale, out_zp = one_value(y.scale, "output"), int(one_value(y.zero_point or (0,), "output"))
    try:
        act_min, act_max = activation_range(activation, out_scale, out_zp, "int16")
    except ValueError:
        raise NotLowerable(f"fused {activation}") from None
    batches, accum_depth, output_depth, weights = fc_shapes(x, w, y)
    weights = weights.astype(np.int8)
    if len(w.scale) > 1:
        weights_offset = 0
        pairs = [quantize_multiplier(effective_scale(in_scale, s, out_scale)) for s in w.scale[:output_depth]]
    else:
        weights_offset = -int(one_value(w.zero_point or (0,), "weights"))
        pairs = [quantize_multiplier(effective_scale(in_scale, one_value(w.scale, "weights"), out_scale))] * \
            output_depth
    require_requantizable([m for m, _ in pairs])
    # TFLM: an int32 accumulator with an int32 bias, or with none when the options ask for int32 bias
    acc32 = (bias is not None and bias.dtype == "int32") or \
        (bias is None and op.options.get("quantized_bias_type", "FLOAT32") == "INT32")
    sums = (weights.astype(np.int64) + weights_offset).sum(axis=1)
    b = np.zeros(output_depth, np.int64) if bias is None else \
        np.asarray(bias.data, np.int64).reshape(-1)[:output_depth]
    folded = b + (-in_zp) * sums
    if acc32:
        bias_const = ctx.constant(f"op{op.index}_bias", "int32_t", [wrap_int32(int(v)) for v in folded]) \
            if bias is not None or in_zp else None
        function = "an_fully_connected_s16_acc32"
    else:
        bias_const = ctx.constant(f"op{op.index}_bias", "int64_t", folded) if bias is not None or in_zp else None
        function = "an_fully_connected_s16_acc64"
    params = Params("an_fc_s16_params", {
        "batches": batches, "accum_depth": accum_depth, "output_depth": output_depth,
        "weights_offset": weights_offset, "output_offset": out_zp, "act_min": act_min, "act_max": act_max,
        "multipliers": ctx.constant(f"op{op.index}_multipliers", "int32_t", [m for m, _ in pairs]),
        "shifts": ctx.constant(f"op{op.index}_shifts", "int32_t", [s for _, s in pairs])})
    return Step(function=function, sources=("an_fully_connected_s16.c",),
                args=(params, x.operand, ctx.constant(f"op{op.index}_weights", "int8_t", weights), bias_const,
                      y.operand),
                comment=f"FULLY_CONNECTED 16x8 {x.shape} x {w.shape} -> {y.shape}, {activation}",
                macs=batches * output_depth * accum_depth)
