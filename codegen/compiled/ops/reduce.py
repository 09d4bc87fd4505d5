"""int8 MEAN and SUM over constant axes (any combination, negative and repeated axes, keep_dims).

TFLM's ``PrepareMeanOrSumHelper`` + ``QuantizedMeanOrSum``: the int32 sum of the inputs
reduced into each output, minus ``input_zero_point * count``, requantized with the
multiplier of ``input_scale / output_scale``; for MEAN, 1/count is folded into that
multiplier exactly as TFLM folds it (``shift = min(floor(log2(count)), 32,
31 + output_shift)``, ``multiplier = (multiplier << shift) / count``).  keep_dims changes
only the output's shape, not its bytes.
"""

from __future__ import annotations

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.ops import fixedpoint as fp
from codegen.compiled.ops.common import (constant_ints, padded_ints, require_int8, require_requantizable, scale_of,
                                         zero_point_of)
from codegen.compiled.program import Params, Step
from codegen.compiled.quantization import quantize_multiplier

MAX_DIMS = 6


def resolve_axes(axes, rank: int) -> list[int]:
    """TFLM's ``ResolveAxis``: negative axes counted from the end, repeats dropped."""
    resolved = []
    for a in axes:
        current = a + rank if a < 0 else a
        if not 0 <= current < rank:
            raise NotLowerable(f"axis {a} of a {rank}-D input")
        if current not in resolved:
            resolved.append(current)
    return resolved


def split_dims(shape, axes) -> tuple[list, list, list, list]:
    """(kept dims, kept strides, reduced dims, reduced strides), size-1 dims dropped, neighbours merged."""
    strides, step = [0] * len(shape), 1
    for d in range(len(shape) - 1, -1, -1):
        strides[d] = step
        step *= shape[d]
    groups = {True: ([], []), False: ([], [])}
    last_kind = None
    for d, size in enumerate(shape):
        if size == 1:
            continue
        reduced = d in axes
        dims, st = groups[reduced]
        if last_kind == reduced and dims:
            dims[-1] *= size
            st[-1] = strides[d]
        else:
            dims.append(size)
            st.append(strides[d])
        last_kind = reduced
    (kd, ks), (rd, rs) = groups[False], groups[True]
    if len(kd) > MAX_DIMS or len(rd) > MAX_DIMS:
        raise NotLowerable(f"{len(shape)}-D input")
    return kd, ks, rd, rs


def mean_multiplier(multiplier: int, shift: int, count: int) -> tuple[int, int]:
    """TFLM's folding of 1/count into (multiplier, shift) for MEAN."""
    s = count.bit_length() - 1  # 63 - CountLeadingZeros(uint64 count)
    s = min(s, 32)
    s = min(s, 31 + shift)
    return int((multiplier << s) // count), shift - s


@lowering("MEAN", "SUM")
def lower_reduce(op, ctx):
    x, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    require_int8(x, y)
    axes = resolve_axes(constant_ints(ctx.optional_tensor(op.inputs[1]), "axis"), len(x.shape))
    if any(d == 0 for d in x.shape):
        raise NotLowerable("empty input")
    kd, ks, rd, rs = split_dims(list(x.shape), axes)
    outputs = 1
    for d in kd:
        outputs *= d
    if outputs != y.num_elements:
        raise NotLowerable(f"{y.num_elements} output elements for {outputs} kept positions")
    count = x.num_elements // outputs
    multiplier, shift = quantize_multiplier(scale_of(x) / scale_of(y))
    if op.name == "MEAN":
        multiplier, shift = mean_multiplier(multiplier, shift, count)
    require_requantizable([multiplier])
    zero_point_sum = fp.wrap32(zero_point_of(x) * count)
    params = Params("an_reduce_params", {
        "kept_ndim": len(kd), "kept_dims": padded_ints(kd, MAX_DIMS), "kept_strides": padded_ints(ks, MAX_DIMS),
        "reduced_ndim": len(rd), "reduced_dims": padded_ints(rd, MAX_DIMS),
        "reduced_strides": padded_ints(rs, MAX_DIMS), "zero_point_sum": zero_point_sum,
        "output_multiplier": multiplier, "output_shift": shift, "output_zero_point": zero_point_of(y)})
    return Step(function="an_reduce_sum_s8", sources=("an_reduce.c",), args=(params, x.operand, y.operand),
                comment=f"{op.name} over axes {axes} of {tuple(x.shape)}: {outputs} outputs of {count} values")
