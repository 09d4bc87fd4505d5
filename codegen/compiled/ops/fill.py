"""Operators that place values: FILL, ZEROS_LIKE, BROADCAST_ARGS, DYNAMIC_UPDATE_SLICE, EMBEDDING_LOOKUP.

TFLM's reference kernels, on elements of any size (an_fill.c copies bytes):

- FILL: TFLM requires constant dims; the scalar value may be computed at run time (an_fill).  A constant
  value folds (the generator writes the filled tensor).
- ZEROS_LIKE: its value is known from the static shape: always computed at generation time.
- BROADCAST_ARGS: the broadcast of two shape vectors (int32 or int64), at run time when they are
  (an_broadcast_args_s32/_s64), else folded; incompatible constant shapes are refused.
- DYNAMIC_UPDATE_SLICE: the operand copied (or updated in place, where nothing reads it afterwards), then
  the update at the run-time start indices (int32 or int64), clamped as TFLM clamps them.
- EMBEDDING_LOOKUP: rows of the value table by int32 ids (float32 or int8 rows copied; int8 rows with a
  float32 output dequantized by the table's scale, TFLM's hybrid path, zero point 0 required as TFLM).
  An id outside the table fails TFLM's invocation; the kernel writes zeros there, the generator refuses
  it when the ids are constant.
"""

from __future__ import annotations

import numpy as np

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.ops.common import padded_ints, scale_of, value_of_input, zero_point_of
from codegen.compiled.ops.rearrange import constant_integers
from codegen.compiled.program import C_TYPE_BYTES, F32, NUMPY_TYPES, Params, Step

SOURCES = ("an_fill.c",)
MAX_DIMS = 5


@lowering("FILL")
def lower_fill(op, ctx):
    value, y = ctx.tensor(op.inputs[1]), ctx.tensor(op.outputs[0])
    dims = constant_integers(ctx.optional_tensor(op.inputs[0]), "dims")
    if value.dtype != y.dtype:
        raise NotLowerable(f"{value.dtype} value, {y.dtype} output")
    if len(value.shape) != 0:
        raise NotLowerable(f"value of shape {tuple(value.shape)} (TFLM takes a scalar)")
    if tuple(dims) != tuple(y.shape):
        raise NotLowerable(f"dims {tuple(dims)} are not the output shape {tuple(y.shape)}")

    def evaluate(value_of):
        v = np.asarray(value_of_input(value, value_of)).reshape(-1)[0]
        return [np.full(y.shape, v, dtype=NUMPY_TYPES[y.dtype])]

    comment = f"FILL {tuple(y.shape)}"
    if value.is_constant:
        return Step(function="", evaluate=evaluate, comment=comment + " (at generation time)")
    return Step(function="an_fill", sources=SOURCES,
                args=(value.operand, C_TYPE_BYTES[y.c_type], y.num_elements, y.operand),
                comment=comment, evaluate=evaluate)


@lowering("ZEROS_LIKE")
def lower_zeros_like(op, ctx):
    x, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    if x.dtype != y.dtype or x.num_elements != y.num_elements:
        raise NotLowerable(f"{x.dtype} {tuple(x.shape)} input, {y.dtype} {tuple(y.shape)} output")

    def evaluate(_value_of):
        return [np.zeros(y.shape, dtype=NUMPY_TYPES[y.dtype])]

    return Step(function="", evaluate=evaluate, comment=f"ZEROS_LIKE {tuple(y.shape)} (at generation time)")


def broadcast_args(shape1, shape2, out_size: int, dtype) -> np.ndarray:
    """TFLM's ``BroadcastArgs``: right-aligned, a missing dimension is 1, the one that is not 1 (the first
    shape's when both are not); values read as C ``int`` (an int64 wraps to 32 bits)."""
    a = np.asarray(shape1, np.int64).astype(np.int32).tolist()
    b = np.asarray(shape2, np.int64).astype(np.int32).tolist()
    out = []
    for i in range(out_size):
        k1, k2 = i - (out_size - len(a)), i - (out_size - len(b))
        d1 = a[k1] if k1 >= 0 else 1
        d2 = b[k2] if k2 >= 0 else 1
        out.append(d2 if d1 == 1 else d1)
    return np.array(out, dtype=dtype)


@lowering("BROADCAST_ARGS")
def lower_broadcast_args(op, ctx):
    s1, s2, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.inputs[1]), ctx.tensor(op.outputs[0])
    if s1.dtype not in ("int32", "int64") or not s1.dtype == s2.dtype == y.dtype:
        raise NotLowerable(f"{s1.dtype}, {s2.dtype} -> {y.dtype} (TFLM takes int32 or int64, all alike)")
    if len(s1.shape) != 1 or len(s2.shape) != 1 or len(y.shape) != 1:
        raise NotLowerable("shapes that are not vectors")
    size = int(y.shape[0])
    if size != max(int(s1.shape[0]), int(s2.shape[0])):
        raise NotLowerable(f"an output of {size} dimensions")

    def evaluate(value_of):
        a = np.asarray(value_of_input(s1, value_of)).reshape(-1)
        b = np.asarray(value_of_input(s2, value_of)).reshape(-1)
        for k in range(size):  # TFLM aborts on incompatible shapes (TFLITE_CHECK_EQ)
            d1 = int(a[k - size + a.size]) if k - size + a.size >= 0 else 1
            d2 = int(b[k - size + b.size]) if k - size + b.size >= 0 else 1
            if d1 != 1 and d2 != 1 and d1 != d2:
                raise NotLowerable(f"shapes {a.tolist()} and {b.tolist()} do not broadcast (TFLM aborts)")
        return [broadcast_args(a, b, size, NUMPY_TYPES[y.dtype])]

    comment = f"BROADCAST_ARGS of {s1.shape[0]} and {s2.shape[0]} dimensions"
    if s1.is_constant and s2.is_constant:
        return Step(function="", evaluate=evaluate, comment=comment + " (at generation time)")
    function = "an_broadcast_args_s32" if y.dtype == "int32" else "an_broadcast_args_s64"
    return Step(function=function, sources=SOURCES,
                args=(s1.operand, int(s1.shape[0]), s2.operand, int(s2.shape[0]), y.operand, size),
                comment=comment, evaluate=evaluate)


@lowering("DYNAMIC_UPDATE_SLICE")
def lower_dynamic_update_slice(op, ctx):
    x, update, starts = (ctx.tensor(i) for i in op.inputs[:3])
    y = ctx.tensor(op.outputs[0])
    if not x.dtype == update.dtype == y.dtype:
        raise NotLowerable(f"{x.dtype} operand, {update.dtype} update, {y.dtype} output")
    if starts.dtype not in ("int32", "int64"):
        raise NotLowerable(f"{starts.dtype} start indices (TFLM takes int32, int64)")
    rank = len(x.shape)
    if not 1 <= rank <= MAX_DIMS:
        raise NotLowerable(f"{rank}-D operand (kernel takes 1..{MAX_DIMS}-D)")
    if len(update.shape) != rank or tuple(starts.shape) != (rank,) or tuple(y.shape) != tuple(x.shape):
        raise NotLowerable(f"update {tuple(update.shape)}, start indices {tuple(starts.shape)} for a "
                           f"{tuple(x.shape)} operand")
    if any(u > d for u, d in zip(update.shape, x.shape)):
        raise NotLowerable(f"update {tuple(update.shape)} larger than the operand {tuple(x.shape)}")

    def evaluate(value_of):
        out = np.array(value_of_input(x, value_of)).reshape(x.shape).copy()
        upd = np.asarray(value_of_input(update, value_of)).reshape(update.shape)
        if update.num_elements == x.num_elements:
            return [upd.reshape(y.shape)]
        index = np.asarray(value_of_input(starts, value_of)).astype(np.int64).reshape(-1)
        begin = [int(min(max(0, i), d - u)) for i, d, u in zip(index, x.shape, update.shape)]
        out[tuple(slice(b, b + u) for b, u in zip(begin, update.shape))] = upd
        return [out]

    params = Params("an_dynamic_update_slice_params", {
        "ndim": rank, "operand_dims": padded_ints(x.shape, MAX_DIMS), "update_dims": padded_ints(update.shape, MAX_DIMS),
        "element_bytes": C_TYPE_BYTES[x.c_type], "index_bytes": C_TYPE_BYTES[starts.c_type]})
    # in place where nothing reads the operand afterwards (the planner decides): the kernel then skips its copy
    return Step(function="an_dynamic_update_slice", sources=SOURCES,
                args=(params, x.operand, update.operand, starts.operand, y.operand), evaluate=evaluate,
                output_aliases=None if x.is_constant else x.operand,
                comment=f"DYNAMIC_UPDATE_SLICE {tuple(update.shape)} into {tuple(x.shape)}")


@lowering("EMBEDDING_LOOKUP")
def lower_embedding_lookup(op, ctx):
    ids, table, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.inputs[1]), ctx.tensor(op.outputs[0])
    if ids.dtype != "int32" or len(ids.shape) != 1:
        raise NotLowerable(f"{ids.dtype} {tuple(ids.shape)} ids (TFLM takes an int32 vector)")
    if len(table.shape) < 2:
        raise NotLowerable(f"a {len(table.shape)}-D value table (TFLM takes 2-D or more)")
    hybrid = table.dtype == "int8" and y.dtype == "float32"
    if not hybrid and (table.dtype not in ("float32", "int8") or y.dtype != table.dtype):
        raise NotLowerable(f"{table.dtype} table, {y.dtype} output (TFLM takes float32, int8, int8 -> float32)")
    rows = int(table.shape[0])
    columns = table.num_elements // rows if rows else 0
    lookups = int(ids.shape[0])
    if y.num_elements != lookups * columns:
        raise NotLowerable(f"output {tuple(y.shape)} is not {lookups} rows of {columns}")
    scale = 0.0
    if hybrid:
        scale = scale_of(table)
        if zero_point_of(table) != 0:
            raise NotLowerable("int8 table with a non-zero zero point (TFLM refuses it)")

    def evaluate(value_of):
        data = np.asarray(value_of_input(table, value_of)).reshape(rows, columns)
        index = np.asarray(value_of_input(ids, value_of)).astype(np.int64).reshape(-1)
        if index.size and (index.min() < 0 or index.max() >= rows):
            raise NotLowerable(f"an id outside [0, {rows}) (TFLM fails the invocation)")
        out = data[index]
        if hybrid:
            out = out.astype(np.float32) * np.float32(scale)
        return [out.reshape(y.shape)]

    comment = f"EMBEDDING_LOOKUP {lookups} rows of {tuple(table.shape)}" + (" (dequantized)" if hybrid else "")
    if ids.is_constant and table.is_constant:
        return Step(function="", evaluate=evaluate, comment=comment + " (at generation time)")
    params = Params("an_embedding_lookup_params", {"lookups": lookups, "rows": rows, "columns": columns,
                                                   "element_bytes": C_TYPE_BYTES[table.c_type],
                                                   "scale": F32(scale)})
    function = "an_embedding_lookup_hybrid" if hybrid else "an_embedding_lookup"
    return Step(function=function, sources=SOURCES, args=(params, ids.operand, table.operand, y.operand),
                comment=comment, evaluate=evaluate)
