"""Reductions over constant axes: int8, int16 and float32 MEAN and SUM; REDUCE_MAX / REDUCE_MIN (int8, float32), REDUCE_ALL (bool);
ARG_MAX / ARG_MIN (int8, float32 -> int32, int64) -> ``an_reduce.c``.

MEAN and SUM over any combination of axes (negative and repeated axes, keep_dims).

TFLM's ``PrepareMeanOrSumHelper`` + ``QuantizedMeanOrSum``: the int32 sum of the inputs
reduced into each output, minus ``input_zero_point * count``, requantized with the
multiplier of ``input_scale / output_scale``; for MEAN, 1/count is folded into that
multiplier exactly as TFLM folds it (``shift = min(floor(log2(count)), 32,
31 + output_shift)``, ``multiplier = (multiplier << shift) / count``).  keep_dims changes
only the output's shape, not its bytes.  int16 runs the same arithmetic (TFLM's template on int16_t).
float32 MEAN/SUM: each output's inputs summed in input order from 0.0f, MEAN dividing by the count as a
float (TFLM's Mean and ReduceGeneric; bit-exact).
"""

from __future__ import annotations

import numpy as np

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.ops import fixedpoint as fp
from codegen.compiled.ops.common import (constant_ints, padded_ints, require_requantizable, scale_of,
                                         value_of_input, zero_point_of)
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
    if x.dtype != y.dtype or x.dtype not in ("int8", "int16", "float32"):
        raise NotLowerable(f"{x.dtype} -> {y.dtype} (the compiled {op.name} takes int8, int16, float32)")
    if x.dtype != "float32":
        scale_of(x), scale_of(y)
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
    walk = {"kept_ndim": len(kd), "kept_dims": padded_ints(kd, MAX_DIMS), "kept_strides": padded_ints(ks, MAX_DIMS),
            "reduced_ndim": len(rd), "reduced_dims": padded_ints(rd, MAX_DIMS),
            "reduced_strides": padded_ints(rs, MAX_DIMS)}
    what = op.name if x.dtype == "int8" else f"{op.name} {x.dtype}"
    comment = f"{what} over axes {axes} of {tuple(x.shape)}: {outputs} outputs of {count} values"
    if x.dtype == "float32":
        params = Params("an_reduce_params", {**walk, "zero_point_sum": 0, "output_multiplier": 0, "output_shift": 0,
                                             "output_zero_point": 0})
        return Step(function="an_reduce_sum_f32", sources=("an_reduce.c",),
                    args=(params, x.operand, y.operand, count if op.name == "MEAN" else 0), comment=comment)
    multiplier, shift = quantize_multiplier(scale_of(x) / scale_of(y))
    if op.name == "MEAN":
        multiplier, shift = mean_multiplier(multiplier, shift, count)
    require_requantizable([multiplier])
    zero_point_sum = fp.wrap32(zero_point_of(x) * count)
    params = Params("an_reduce_params", {**walk, "zero_point_sum": zero_point_sum, "output_multiplier": multiplier,
                                         "output_shift": shift, "output_zero_point": zero_point_of(y)})
    function = "an_reduce_sum_s8" if x.dtype == "int8" else "an_reduce_sum_s16"
    return Step(function=function, sources=("an_reduce.c",), args=(params, x.operand, y.operand), comment=comment)


# REDUCE_MAX / REDUCE_MIN / REDUCE_ALL: TFLM's ReduceGeneric.  Every output starts from the initial value
# (lowest / max of the type, true) and takes ``in > current ? in : current`` (``<`` for MIN, ``in && current``
# for ALL) for each input reduced into it, in the input's order: a float NaN never replaces the current value,
# of equal values (0.0 and -0.0) the first stays, and an output whose inputs are all -inf is -FLT_MAX (the
# initial value), as the interpreter's.
_FLT_MAX = float(np.finfo(np.float32).max)
_EXTREMES = {("REDUCE_MAX", "int8"): ("max", "s8", -128), ("REDUCE_MIN", "int8"): ("min", "s8", 127),
             ("REDUCE_MAX", "float32"): ("max", "f32", -_FLT_MAX), ("REDUCE_MIN", "float32"): ("min", "f32", _FLT_MAX),
             ("REDUCE_ALL", "bool"): ("all", "b", True)}


def reduced_columns(value, shape, axes) -> np.ndarray:
    """``value`` as ``(outputs, count)``: each output's inputs in the input's row-major order."""
    kept = [d for d in range(len(shape)) if d not in axes]
    moved = np.transpose(np.asarray(value).reshape(shape), kept + sorted(axes))
    outputs = int(np.prod([shape[d] for d in kept])) if kept else 1
    return moved.reshape(outputs, -1)


def _reduce_evaluate(kind, init, x, y, axes):
    def evaluate(value_of):
        columns = reduced_columns(value_of_input(x, value_of), x.shape, axes)
        current = np.full(columns.shape[0], init, dtype=columns.dtype)
        for k in range(columns.shape[1]):
            value = columns[:, k]
            if kind == "all":
                current = np.logical_and(value, current)
            else:
                current = np.where(value > current if kind == "max" else value < current, value, current)
        return [current.reshape(y.shape)]

    return evaluate


@lowering("REDUCE_MAX", "REDUCE_MIN", "REDUCE_ALL")
def lower_reduce_extreme(op, ctx):
    if len(op.inputs) != 2 or len(op.outputs) != 1:
        raise NotLowerable(f"{len(op.inputs)} inputs, {len(op.outputs)} outputs")
    x, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    if (op.name, x.dtype) not in _EXTREMES:
        raise NotLowerable(f"{x.dtype} tensors (TFLM's {op.name} takes "
                           + ("bool" if op.name == "REDUCE_ALL" else "int8, float32") + ")")
    if y.dtype != x.dtype:
        raise NotLowerable(f"{x.dtype} -> {y.dtype}")
    if x.dtype == "int8" and (x.scale[:1] != y.scale[:1] or zero_point_of(x) != zero_point_of(y)):
        raise NotLowerable("int8 output quantized unlike the input (TFLM's Eval refuses it)")
    axes = resolve_axes(constant_ints(ctx.optional_tensor(op.inputs[1]), "axis"), len(x.shape))
    if any(d == 0 for d in x.shape):
        raise NotLowerable("empty input")
    kd, ks, rd, rs = split_dims(list(x.shape), axes)
    outputs = int(np.prod(kd)) if kd else 1
    if outputs != y.num_elements:
        raise NotLowerable(f"{y.num_elements} output elements for {outputs} kept positions")
    kind, suffix, init = _EXTREMES[(op.name, x.dtype)]
    evaluate = _reduce_evaluate(kind, init, x, y, axes)
    comment = f"{op.name} {x.dtype} over axes {axes} of {tuple(x.shape)}: {outputs} outputs"
    if x.is_constant:
        return Step(function="", evaluate=evaluate, comment=comment + " (at generation time)")
    params = Params("an_reduce_params", {
        "kept_ndim": len(kd), "kept_dims": padded_ints(kd, MAX_DIMS), "kept_strides": padded_ints(ks, MAX_DIMS),
        "reduced_ndim": len(rd), "reduced_dims": padded_ints(rd, MAX_DIMS),
        "reduced_strides": padded_ints(rs, MAX_DIMS), "zero_point_sum": 0,
        "output_multiplier": 0, "output_shift": 0, "output_zero_point": 0})
    return Step(function=f"an_reduce_{kind}_{suffix}", sources=("an_reduce.c",), args=(params, x.operand, y.operand),
                comment=comment, evaluate=evaluate)


# ARG_MAX / ARG_MIN: TFLM's ArgMinMax with its micro comparisons (GreaterFn / LessFn: plain ``>`` / ``<``):
# index 0 first, then every later index whose value compares greater (less) replaces it; so a float NaN never
# wins, and a NaN first compares false with everything (index 0 stays).  TFLM runs int8 and float32 inputs with
# an int32 axis and an int32 output.  An int64 output (tf.math.argmax's default, so a converted classifier head has
# it) makes TFLM's Eval fail; the compiled runtime writes the same index as int64.
_ARG = {"ARG_MAX": "max", "ARG_MIN": "min"}
_ARG_TYPES = {"int8": "s8", "float32": "f32"}


@lowering("ARG_MAX", "ARG_MIN")
def lower_arg_min_max(op, ctx):
    if len(op.inputs) != 2 or len(op.outputs) != 1:
        raise NotLowerable(f"{len(op.inputs)} inputs, {len(op.outputs)} outputs")
    x, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    if x.dtype not in _ARG_TYPES:
        raise NotLowerable(f"{x.dtype} input (TFLM's {op.name} takes int8, float32)")
    if y.dtype not in ("int32", "int64"):
        raise NotLowerable(f"{y.dtype} output (TFLM's {op.name} writes int32)")
    axis_values = constant_ints(ctx.optional_tensor(op.inputs[1]), "axis")
    if not x.shape or not axis_values:
        raise NotLowerable("a scalar input or an empty axis")
    axis = resolve_axes(axis_values[:1], len(x.shape))[0]  # TFLM reads the first value
    if any(d == 0 for d in x.shape):
        raise NotLowerable("empty input")
    outer = int(np.prod(x.shape[:axis])) if axis else 1
    inner = int(np.prod(x.shape[axis + 1:])) if axis + 1 < len(x.shape) else 1
    size = int(x.shape[axis])
    if outer * inner != y.num_elements:
        raise NotLowerable(f"{y.num_elements} output elements for {outer * inner} positions")
    kind = _ARG[op.name]

    def evaluate(value_of):
        values = np.asarray(value_of_input(x, value_of)).reshape(outer, size, inner)
        best, index = values[:, 0, :].copy(), np.zeros((outer, inner), np.int32)
        for i in range(1, size):
            better = values[:, i, :] > best if kind == "max" else values[:, i, :] < best
            best, index = np.where(better, values[:, i, :], best), np.where(better, i, index)
        return [index.reshape(y.shape).astype(np.int64 if y.dtype == "int64" else np.int32)]

    comment = f"{op.name} {x.dtype} {tuple(x.shape)} over axis {axis} -> {y.dtype}"
    if x.is_constant:
        return Step(function="", evaluate=evaluate, comment=comment + " (at generation time)")
    params = Params("an_arg_params", {"outer": outer, "axis_size": size, "inner": inner,
                                      "output_int64": int(y.dtype == "int64")})
    return Step(function=f"an_arg_{kind}_{_ARG_TYPES[x.dtype]}", sources=("an_reduce.c",),
                args=(params, x.operand, y.operand), comment=comment, evaluate=evaluate)
