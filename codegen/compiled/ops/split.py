"""SPLIT, SPLIT_V and UNPACK: TFLM's reference copies, in bytes (an_split.c), for TFLM's types (int8, int16,
int32, float32).

All three cut the input along one axis (constant, as TFLM requires) into consecutive parts: for each of the
``outer`` blocks (the dimensions before the axis), part k is ``size_k * inner`` elements (``size_k`` the part's
size along the axis: equal parts for SPLIT, ``size_splits`` for SPLIT_V, 1 for UNPACK, whose outputs drop the
axis).  No requantization (TFLM copies values).  Every step also evaluates at generation time.
"""

from __future__ import annotations

import numpy as np

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.ops.common import constant_ints, value_of_input
from codegen.compiled.program import C_TYPE_BYTES, Params, PointerArray, Step

RUNTIME_TYPES = ("int8", "int16", "int32", "float32")  # TFLM's SPLIT / SPLIT_V / UNPACK types


def _product(dims) -> int:
    n = 1
    for d in dims:
        n *= int(d)
    return n


def _split_step(op, ctx, x, axis_value: int, sizes, squeeze: bool) -> Step:
    outputs = [ctx.tensor(i) for i in op.outputs]
    rank = len(x.shape)
    axis = axis_value + rank if axis_value < 0 else axis_value
    if not 0 <= axis < rank:
        raise NotLowerable(f"axis {axis_value} of a {rank}-D input")
    if sizes is None:  # SPLIT: equal parts
        if x.shape[axis] % len(outputs):
            raise NotLowerable(f"{x.shape[axis]} does not split into {len(outputs)} equal parts")
        sizes = [int(x.shape[axis]) // len(outputs)] * len(outputs)
    if len(sizes) != len(outputs) or sum(sizes) != x.shape[axis] or min(sizes, default=0) < 0:
        raise NotLowerable(f"parts {sizes} of a dimension of {x.shape[axis]}")
    for t, size in zip(outputs, sizes):
        want = tuple(x.shape[:axis]) + (() if squeeze else (size,)) + tuple(x.shape[axis + 1:])
        if t.dtype != x.dtype or tuple(t.shape) != want:
            raise NotLowerable(f"output {t.dtype}{tuple(t.shape)} is not a part {x.dtype}{want}")
    outer, inner = _product(x.shape[:axis]), _product(x.shape[axis + 1:])

    def evaluate(value_of):
        value = np.asarray(value_of_input(x, value_of)).reshape(x.shape)
        parts = np.split(value, np.cumsum(sizes)[:-1], axis=axis)
        return [p.reshape(t.shape) for p, t in zip(parts, outputs)]

    comment = f"{op.name} {tuple(x.shape)} along axis {axis} into {sizes}"
    if x.is_constant:
        return Step(function="", evaluate=evaluate, comment=comment + " (at generation time)")
    if x.dtype not in RUNTIME_TYPES:
        raise NotLowerable(f"{x.dtype} tensors (TFLM takes int8, int16, int32, float32)")
    element = C_TYPE_BYTES[x.c_type]
    part_bytes = ctx.constant("split_bytes", "int32_t", [s * inner * element for s in sizes])
    return Step(function="an_split", sources=("an_split.c",),
                args=(Params("an_split_params", {"outer": outer, "parts": len(outputs)}), x.operand,
                      PointerArray("void* const", tuple(t.operand for t in outputs)), part_bytes),
                comment=comment, evaluate=evaluate)


def _axis_of(ref, what: str) -> int:
    values = constant_ints(ref, what)
    if len(values) != 1:
        raise NotLowerable(f"{what} of {len(values)} values")
    return values[0]


@lowering("SPLIT")
def lower_split(op, ctx):
    if len(op.inputs) != 2:
        raise NotLowerable(f"{len(op.inputs)} inputs")
    axis = _axis_of(ctx.optional_tensor(op.inputs[0]), "axis")
    return _split_step(op, ctx, ctx.tensor(op.inputs[1]), axis, None, squeeze=False)


@lowering("SPLIT_V")
def lower_split_v(op, ctx):
    if len(op.inputs) != 3:
        raise NotLowerable(f"{len(op.inputs)} inputs")
    x = ctx.tensor(op.inputs[0])
    sizes = constant_ints(ctx.optional_tensor(op.inputs[1]), "size_splits")
    axis = _axis_of(ctx.optional_tensor(op.inputs[2]), "axis")
    rank = len(x.shape)
    dim = int(x.shape[axis + rank if axis < 0 else axis]) if -rank <= axis < rank else 0
    if sizes.count(-1) == 1:  # one size inferred, as TFLite's SPLIT_V
        sizes[sizes.index(-1)] = dim - (sum(sizes) + 1)
    return _split_step(op, ctx, x, axis, sizes, squeeze=False)


@lowering("UNPACK")
def lower_unpack(op, ctx):
    x = ctx.tensor(op.inputs[0])
    axis = int(op.options.get("axis", 0))
    rank = len(x.shape)
    if not -rank <= axis < rank:
        raise NotLowerable(f"axis {axis} of a {rank}-D input")
    count = int(x.shape[axis])
    if count != len(op.outputs):
        raise NotLowerable(f"{len(op.outputs)} outputs of a dimension of {count}")
    return _split_step(op, ctx, x, axis, [1] * count, squeeze=True)
