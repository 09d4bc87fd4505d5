"""FULLY_CONNECTED -> ``an_fully_connected_s8`` (firmware_template/compiled/kernels/an_fully_connected.c).

TFLM's int8 arithmetic (reference ``FullyConnected`` per tensor, ``FullyConnectedPerChannel``
when the weights have one scale per output channel)::

    acc = sum_d (w[c][d] + weights_offset) * (x[d] + input_offset) + bias[c]     (int32, wrapping)
    out = clamp(MultiplyByQuantizedMultiplier(acc, M[c], shift[c]) + output_zero_point, act)

The input-offset term does not depend on the input, so it is folded into the bias here:
``bias'[c] = bias[c] + input_offset * sum_d (w[c][d] + weights_offset)`` (wrapped to int32,
exact because TFLM's accumulator wraps too).  Per-channel weights ignore their zero point,
as TFLM does.
"""

from __future__ import annotations

import numpy as np

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.ops.common import one_value as _one
from codegen.compiled.ops.common import require_requantizable
from codegen.compiled.ops.fully_connected_wide import fc_shapes, lower_fully_connected_f32, lower_fully_connected_s16
from codegen.compiled.program import Params, Step
from codegen.compiled.quantization import activation_range, effective_scale, quantize_multiplier, wrap_int32


def fc_weights_layout(weights):
    """The weights as ``an_fully_connected_s8`` reads them (an_fully_connected.h): groups of four rows,
    each group's blocks of four values interleaved (16 bytes per block), then the group's tails row
    by row; the last ``rows % 4`` rows whole.  The same bytes, reordered."""
    weights = np.asarray(weights, dtype=np.int8)
    rows, depth = weights.shape
    d4 = depth & ~3
    groups = rows // 4
    parts = []
    for g in range(groups):
        group = weights[4 * g:4 * g + 4]
        parts.append(group[:, :d4].reshape(4, d4 // 4, 4).transpose(1, 0, 2).reshape(-1))
        parts.append(group[:, d4:].reshape(-1))
    parts.append(weights[4 * groups:].reshape(-1))
    return np.concatenate(parts)


@lowering("FULLY_CONNECTED")
def lower_fully_connected(op, ctx):
    x = ctx.tensor(op.inputs[0])
    w = ctx.tensor(op.inputs[1])
    bias = ctx.optional_tensor(op.inputs[2]) if len(op.inputs) > 2 else None
    y = ctx.tensor(op.outputs[0])
    if x.dtype == y.dtype == "float32":
        return lower_fully_connected_f32(op, ctx, x, w, bias, y)
    if x.dtype == y.dtype == "int16":
        return lower_fully_connected_s16(op, ctx, x, w, bias, y)
    if x.dtype != "int8" or y.dtype != "int8":
        raise NotLowerable(f"{x.dtype} -> {y.dtype} activations (int8 only)")
    if w.dtype != "int8":
        raise NotLowerable(f"{w.dtype} weights (int8 only)")
    if not w.is_constant:
        raise NotLowerable("weights computed at run time")
    if bias is not None and (bias.dtype != "int32" or not bias.is_constant):
        raise NotLowerable(f"{bias.dtype} {'constant ' if bias.is_constant else 'run-time '}bias (constant int32 only)")
    if op.options.get("weights_format", "DEFAULT") != "DEFAULT":
        raise NotLowerable(f"weights format {op.options['weights_format']}")
    activation = op.options.get("fused_activation_function", "NONE")
    in_scale, in_zp = _one(x.scale, "input"), _one(x.zero_point or (0,), "input")
    out_scale, out_zp = _one(y.scale, "output"), _one(y.zero_point or (0,), "output")
    try:
        act_min, act_max = activation_range(activation, out_scale, out_zp, "int8")
    except ValueError:
        raise NotLowerable(f"fused {activation}") from None

    batches, accum_depth, output_depth, weights = fc_shapes(x, w, y)

    per_channel = len(w.scale) > 1
    if per_channel:
        if len(w.scale) != weights.shape[0] and len(w.scale) < output_depth:
            raise NotLowerable("per-channel scales do not match the output channels")
        weights_offset = 0
        pairs = [quantize_multiplier(effective_scale(in_scale, s, out_scale)) for s in w.scale[:output_depth]]
    else:
        weights_offset = -int(_one(w.zero_point or (0,), "weights"))
        pairs = [quantize_multiplier(effective_scale(in_scale, _one(w.scale, "weights"), out_scale))]
    require_requantizable([m for m, _ in pairs])
    # The DSP kernel requantizes a right shift with a positive multiplier by SMMLAR on 2 * multiplier
    # (an_common.h an_out_s8_right_shift), exact in [2^30, 2^31), as TFLM's QuantizeMultiplier gives.
    if any(s < 0 and 0 <= m < (1 << 30) for m, s in pairs):
        raise NotLowerable("a multiplier below 2^30 with a right shift (not TFLM's QuantizeMultiplier)")

    input_offset = -int(in_zp)
    folded = None
    if bias is not None or input_offset != 0:
        b = np.zeros(output_depth, dtype=np.int64) if bias is None else \
            np.asarray(bias.data, dtype=np.int64).reshape(-1)[:output_depth]
        sums = (weights.astype(np.int64) + weights_offset).sum(axis=1)
        folded = [wrap_int32(int(v)) for v in b + input_offset * sums]

    weights_const = ctx.constant(f"op{op.index}_weights", "int8_t", fc_weights_layout(weights))
    bias_const = ctx.constant(f"op{op.index}_bias", "int32_t", folded) if folded is not None else None
    if per_channel:
        multipliers = ctx.constant(f"op{op.index}_multipliers", "int32_t", [m for m, _ in pairs])
        shifts = ctx.constant(f"op{op.index}_shifts", "int32_t", [s for _, s in pairs])
        scalar_m, scalar_s = 0, 0
    else:
        multipliers = shifts = None
        scalar_m, scalar_s = pairs[0]
    params = Params("an_fc_params", {
        "batches": batches, "accum_depth": accum_depth, "output_depth": output_depth,
        "weights_offset": weights_offset, "output_offset": int(out_zp), "act_min": act_min, "act_max": act_max,
        "multiplier": scalar_m, "shift": scalar_s, "multipliers": multipliers, "shifts": shifts})
    return Step(
        function="an_fully_connected_s8",
        sources=("an_fully_connected.c", "an_dot.h", "an_dot_mve.h"),
        args=(params, x.operand, weights_const, bias_const, y.operand),
        comment=(f"FULLY_CONNECTED {x.shape} x {w.shape} -> {y.shape}, "
                 f"{'per-channel' if per_channel else 'per-tensor'}, {activation}"),
        macs=batches * output_depth * accum_depth,
    )
