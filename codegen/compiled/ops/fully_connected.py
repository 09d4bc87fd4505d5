"""FULLY_CONNECTED -> ``an_fully_connected_s8`` (firmware_template/compiled/kernels/an_fully_connected.c).

TFLM's int8 arithmetic (reference ``FullyConnected`` per tensor, ``FullyConnectedPerChannel``
when the weights have one scale per output channel)::

    acc = sum_d (w[c][d] + weights_offset) * (x[d] + input_offset) + bias[c]     (int32, wrapping)
    out = clamp(MultiplyByQuantizedMultiplier(acc, M[c], shift[c]) + output_zero_point, act)

The input-offset term does not depend on the input, so it is folded into the bias here:
``bias'[c] = bias[c] + input_offset * sum_d (w[c][d] + weights_offset)`` (wrapped to int32,
exact because TFLM's accumulator wraps too).  Per-channel weights ignore their zero point,
as TFLM does.

The weights go to flash widened to int16 for ``an_fully_connected_s8_w16`` (an_fully_connected.h: each value
plus the weights offset, groups of four rows interleaved block by block, each block of four in the order the
SXTB16 halves of an input word pair with; no sign extension of weights in the inner loop, twice the flash):
batch-1 FULLY_CONNECTED reads each weight once, so the weight loads bound it.  Cores whose FC kernel reads
int8 weights (Helium, no DSP: ops/conv.py wide_filters_for) and boards whose flash needs the bytes narrow
them back (:func:`narrow_fc_weights`) to ``an_fully_connected_s8``'s layout (:func:`fc_weights_layout`).
"""

from __future__ import annotations

import numpy as np

from codegen.compiled.lowering import NotLowerable, lowering, narrows
from codegen.compiled.ops.common import one_value as _one
from codegen.compiled.ops.common import require_requantizable
from codegen.compiled.ops.fully_connected_wide import fc_shapes, lower_fully_connected_f32, lower_fully_connected_s16
from codegen.compiled.program import Constant, Params, Step
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


def fc_weights_layout_w16(weights, weights_offset: int = 0):
    """The weights as ``an_fully_connected_s8_w16`` reads them (an_fully_connected.h): int16 values
    ``w + weights_offset``, rows zero-padded to D4 (the depth rounded up to four), in groups of four rows (the
    last group the ``rows % 4`` left), each group block by block: per block of four values d..d+3 each row's
    (v_d, v_d+2, v_d+1, v_d+3) in turn."""
    values = np.asarray(weights, dtype=np.int16) + np.int16(weights_offset)
    rows, depth = values.shape
    d4 = (depth + 3) & ~3
    padded = np.zeros((rows, d4), dtype=np.int16)
    padded[:, :depth] = values
    blocks = padded.reshape(rows, d4 // 4, 4)[:, :, [0, 2, 1, 3]]
    return np.concatenate([blocks[first:first + 4].transpose(1, 0, 2).reshape(-1) for first in range(0, rows, 4)])


def rows_of_fc_w16_layout(values, rows: int, depth: int) -> np.ndarray:
    """The ``rows x depth`` values of a :func:`fc_weights_layout_w16` array (its inverse)."""
    values = np.asarray(values, dtype=np.int16).reshape(-1)
    d4 = (depth + 3) & ~3
    out = np.zeros((rows, d4 // 4, 4), dtype=np.int16)
    at = 0
    for first in range(0, rows, 4):
        n = min(4, rows - first)
        out[first:first + n] = values[at:at + n * d4].reshape(d4 // 4, n, 4).transpose(1, 0, 2)
        at += n * d4
    return out[:, :, [0, 2, 1, 3]].reshape(rows, d4)[:, :depth]


def fc_channel_records(bias, pairs, right_shifts: bool):
    """``an_fully_connected_s8_w16``'s per-channel int32 values (an_fully_connected.h): per group of four
    channels (the last: those left) the folded biases, the multipliers, the shifts; where ``right_shifts``
    each (m, s) as (2m mod 2^32, -s - 1), the operands of the kernel's SMMLAR requantization."""
    if right_shifts:
        pairs = [(wrap_int32(2 * m), -s - 1) for m, s in pairs]
    parts = []
    for first in range(0, len(bias), 4):
        group = slice(first, first + 4)
        parts += list(bias[group]) + [m for m, _ in pairs[group]] + [s for _, s in pairs[group]]
    return parts


def bias_and_pairs_of_records(records, right_shifts: bool):
    """The folded biases and (multiplier, shift) pairs of :func:`fc_channel_records` (its inverse)."""
    records = [int(v) for v in np.asarray(records).reshape(-1)]
    bias, pairs = [], []
    for first in range(0, len(records), 12):
        group = records[first:first + 12]
        n = len(group) // 3
        bias += group[:n]
        pairs += list(zip(group[n:2 * n], group[2 * n:]))
    if right_shifts:
        pairs = [((m & 0xFFFFFFFF) >> 1, -s - 1) for m, s in pairs]
    return bias, pairs


@narrows("an_fully_connected_s8_w16")
def narrow_fc_weights(step) -> None:
    """Turn an ``an_fully_connected_s8_w16`` step into ``an_fully_connected_s8`` (the same arithmetic), in place:
    the weights back to int8 (less the weights offset folded into them) in :func:`fc_weights_layout`; one
    multiplier and shift instead of arrays of equal ones, no bias instead of zeros."""
    fields = step.args[0].fields
    weights = step.args[2]
    rows = rows_of_fc_w16_layout(weights.values, int(fields["output_depth"]), int(fields["accum_depth"]))
    weights.c_type = "int8_t"
    weights.values = fc_weights_layout((rows - int(fields["weights_offset"])).astype(np.int8))
    step.function = "an_fully_connected_s8"
    # the records split into what the int8 kernel takes: one (multiplier, shift) where all channels share it,
    # no bias where all are zero
    records = step.args[3]
    bias, pairs = bias_and_pairs_of_records(records.values, bool(fields["right_shifts"]))
    if len(set(pairs)) == 1:
        fields.update(multiplier=pairs[0][0], shift=pairs[0][1], multipliers=None, shifts=None)
    else:
        fields.update(multiplier=0, shift=0,
                      multipliers=Constant(f"{records.hint}_multipliers", "int32_t", [m for m, _ in pairs]),
                      shifts=Constant(f"{records.hint}_shifts", "int32_t", [s for _, s in pairs]))
    fields["right_shifts"] = 0
    bias_const = Constant(f"{records.hint}_bias", "int32_t", bias) if any(bias) else None
    step.args = (*step.args[:3], bias_const, *step.args[4:])


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

    # the int16 kernel's constants: weights widened, per channel a bias and requantization always (per-tensor
    # values repeated: 12 bytes a channel beside the channel's 2 x depth bytes of weights)
    if not per_channel:
        pairs = pairs * output_depth
    right_shifts = all(s < 0 and m >= 1 << 30 for m, s in pairs)
    weights_const = ctx.constant(f"op{op.index}_weights", "int16_t", fc_weights_layout_w16(weights, weights_offset))
    records = ctx.constant(f"op{op.index}_channels", "int32_t", fc_channel_records(
        folded if folded is not None else [0] * output_depth, pairs, right_shifts))
    params = Params("an_fc_params", {
        "batches": batches, "accum_depth": accum_depth, "output_depth": output_depth,
        "weights_offset": weights_offset, "output_offset": int(out_zp), "act_min": act_min, "act_max": act_max,
        "multiplier": 0, "shift": 0, "multipliers": None, "shifts": None,
        # an_fully_connected_s8_w16's requantization of four outputs at once (the int8 kernel ignores it)
        "right_shifts": int(right_shifts)})
    return Step(
        function="an_fully_connected_s8_w16",
        sources=("an_fully_connected.c", "an_dot.h", "an_dot_mve.h"),
        args=(params, x.operand, weights_const, records, y.operand),
        comment=(f"FULLY_CONNECTED {x.shape} x {w.shape} -> {y.shape}, "
                 f"{'per-channel' if per_channel else 'per-tensor'}, {activation}"),
        macs=batches * output_depth * accum_depth,
    )
