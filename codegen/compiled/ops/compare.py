"""Comparisons (EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL) and SELECT / SELECT_V2.

Comparisons, as TFLM's reference ``comparisons.cc``, write bool:

- int8: TFLM rescales each input before comparing (``ComparisonsPrepare``: offset ``-zero_point``,
  left shift 8, ``QuantizeMultiplierSmallerThanOneExp(scale)``, then
  ``MultiplyByQuantizedMultiplierSmallerThanOneExp``), so inputs quantized unlike each other compare
  by their real values.  The rescaled value depends on the byte alone: one table of 256 int32 per
  input, computed here with TFLM's arithmetic (a scale outside (0, 1) makes TFLM abort: refused).
- int32, int64, float32: the raw values; bool: EQUAL and NOT_EQUAL (TFLM's types).
- int16 exists in TFLM for GREATER only, where it compares values "with scaling" by parameters its
  prepare never sets for int16 (every result false in the interpreter): refused.

SELECT_V2 (TFLM's ``Select`` / ``BroadcastSelect5DSlow``): ``condition ? x : y`` with the three inputs
broadcast (numpy rules), int8, int16, float32 (copied as bits: no arithmetic).  SELECT (version 1, whose
rank-1 condition picks rows) has no TFLM kernel and no lowering.

LOGICAL_AND, LOGICAL_OR (broadcast) and LOGICAL_NOT of bool tensors (TFLM's logical.cc, elementwise.cc).

Every step also evaluates at generation time (constants fold).
"""

from __future__ import annotations

import numpy as np

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.ops import fixedpoint as fp
from codegen.compiled.ops.binary import _smaller_than_one, broadcast_shape
from codegen.compiled.ops.common import byte_table, padded_ints, scale_of, value_of_input, zero_point_of
from codegen.compiled.program import Params, Step

COMPARISONS = {"EQUAL": ("equal", np.equal), "NOT_EQUAL": ("not_equal", np.not_equal), "LESS": ("less", np.less),
               "LESS_EQUAL": ("less_equal", np.less_equal), "GREATER": ("greater", np.greater),
               "GREATER_EQUAL": ("greater_equal", np.greater_equal)}
SUFFIX = {"int8": "s8", "int32": "s32", "int64": "s64", "float32": "f32", "bool": "b"}
LEFT_SHIFT = 8  # TFLM's kLeftShift of the int8 comparisons


def rescaled_table(ref) -> list[int]:
    """TFLM's rescaled int8 value ``MultiplyByQuantizedMultiplierSmallerThanOneExp((x - zp) << 8, m, shift)``
    for every byte (table[(uint8_t)x])."""
    multiplier, shift = _smaller_than_one(scale_of(ref), f"input {ref.name!r} scale")
    zp = zero_point_of(ref)
    return byte_table(lambda v: fp.rounding_divide_by_pot(fp.srdhm((v - zp) * (1 << LEFT_SHIFT), multiplier), -shift))


@lowering(*COMPARISONS)
def lower_comparison(op, ctx):
    if len(op.inputs) != 2 or len(op.outputs) != 1:
        raise NotLowerable(f"{len(op.inputs)} inputs")
    x1, x2, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.inputs[1]), ctx.tensor(op.outputs[0])
    name, compare = COMPARISONS[op.name]
    if x1.dtype != x2.dtype:
        raise NotLowerable(f"inputs of types {x1.dtype} and {x2.dtype}")
    if y.dtype != "bool":
        raise NotLowerable(f"{y.dtype} output (TFLM writes bool)")
    if x1.dtype == "int16":
        raise NotLowerable("int16 inputs (TFLM's int16 GREATER rescales by parameters it never sets)")
    if x1.dtype not in SUFFIX or (x1.dtype == "bool" and op.name not in ("EQUAL", "NOT_EQUAL")):
        raise NotLowerable(f"{x1.dtype} inputs")
    shape = broadcast_shape(x1, x2, y)
    tables = ()
    if x1.dtype == "int8":
        t1, t2 = rescaled_table(x1), rescaled_table(x2)
        tables = (np.array(t1, np.int64), np.array(t2, np.int64))

    def evaluate(value_of):
        a = np.asarray(value_of_input(x1, value_of))
        b = np.asarray(value_of_input(x2, value_of))
        if tables:
            a, b = tables[0][a.astype(np.uint8)], tables[1][b.astype(np.uint8)]
        return [np.broadcast_to(compare(a, b), y.shape)]

    comment = f"{op.name} {x1.dtype} {tuple(x1.shape)} {tuple(x2.shape)} -> {tuple(y.shape)}"
    if x1.is_constant and x2.is_constant:
        return Step(function="", evaluate=evaluate, comment=comment + " (at generation time)")
    args = (Params("an_compare_params", {"shape": shape}), x1.operand, x2.operand, y.operand)
    if tables:
        c1 = ctx.constant(f"{name}_input1", "int32_t", t1)
        c2 = c1 if t1 == t2 else ctx.constant(f"{name}_input2", "int32_t", t2)
        args += (c1, c2)
        comment += "; inputs rescaled from tables of 256"
    return Step(function=f"an_{name}_{SUFFIX[x1.dtype]}", sources=("an_compare.c", "an_broadcast.h"), args=args,
                comment=comment, evaluate=evaluate)


SELECT_MAX_DIMS = 6
SELECT_WIDTH = {"int8": "b8", "int16": "b16", "float32": "b32"}


def select_walk(shapes, out_shape) -> tuple[list[int], list[list[int]]]:
    """(dims, [strides per input]) of the merged broadcast walk of several inputs to ``out_shape``
    (stride 0 where an input broadcasts; size-1 dimensions dropped, neighbours merged where every input
    walks them contiguously)."""
    rank = max([len(out_shape), 1] + [len(s) for s in shapes])
    if rank > SELECT_MAX_DIMS:
        raise NotLowerable(f"{rank}-D broadcast")
    out = [1] * (rank - len(out_shape)) + list(out_shape)
    strides = []
    for shape in shapes:
        full = [1] * (rank - len(shape)) + list(shape)
        if any(d not in (1, o) for d, o in zip(full, out)):
            raise NotLowerable(f"shape {tuple(shape)} does not broadcast to {tuple(out_shape)}")
        st, step = [0] * rank, 1
        for d in range(rank - 1, -1, -1):
            st[d] = step if full[d] != 1 else 0
            step *= full[d]
        strides.append(st)
    dims, walks = [], [[] for _ in shapes]
    for d in range(rank):
        if out[d] == 1:
            continue
        if dims and all(w[-1] == st[d] * out[d] for w, st in zip(walks, strides)):
            dims[-1] *= out[d]
            for w, st in zip(walks, strides):
                w[-1] = st[d]
            continue
        dims.append(out[d])
        for w, st in zip(walks, strides):
            w.append(st[d])
    if not dims:
        dims, walks = [1], [[0] for _ in shapes]
    return dims, walks


@lowering("SELECT_V2")
def lower_select(op, ctx):
    if len(op.inputs) != 3 or len(op.outputs) != 1:
        raise NotLowerable(f"{len(op.inputs)} inputs")
    c, x, y_in, out = (ctx.tensor(i) for i in (*op.inputs, op.outputs[0]))
    if c.dtype != "bool":
        raise NotLowerable(f"{c.dtype} condition (TFLM takes bool)")
    if not x.dtype == y_in.dtype == out.dtype:
        raise NotLowerable(f"{x.dtype}, {y_in.dtype} -> {out.dtype}")
    if out.dtype not in SELECT_WIDTH:
        raise NotLowerable(f"{out.dtype} values (TFLM takes int8, int16, float32)")
    for ref in (c, x, y_in):
        if len(ref.shape) > len(out.shape) and ref.num_elements != 1:
            raise NotLowerable(f"input {tuple(ref.shape)} of higher rank than the output {tuple(out.shape)}")
    shapes = [s if len(s) <= len(out.shape) else () for s in (c.shape, x.shape, y_in.shape)]
    dims, (sc, sx, sy) = select_walk(shapes, out.shape)

    def evaluate(value_of):
        cond = np.asarray(value_of_input(c, value_of)).reshape(shapes[0])
        a = np.asarray(value_of_input(x, value_of)).reshape(shapes[1])
        b = np.asarray(value_of_input(y_in, value_of)).reshape(shapes[2])
        return [np.broadcast_to(np.where(cond, a, b), out.shape)]

    comment = f"{op.name} {tuple(c.shape)} ? {tuple(x.shape)} : {tuple(y_in.shape)} -> {tuple(out.shape)}"
    if c.is_constant and x.is_constant and y_in.is_constant:
        return Step(function="", evaluate=evaluate, comment=comment + " (at generation time)")
    params = Params("an_select_params", {"ndim": len(dims), "dims": padded_ints(dims, SELECT_MAX_DIMS),
                                         "condition": padded_ints(sc, SELECT_MAX_DIMS),
                                         "x": padded_ints(sx, SELECT_MAX_DIMS), "y": padded_ints(sy, SELECT_MAX_DIMS)})
    return Step(function=f"an_select_{SELECT_WIDTH[out.dtype]}", sources=("an_select.c",),
                args=(params, c.operand, x.operand, y_in.operand, out.operand), comment=comment, evaluate=evaluate)


LOGICAL = {"LOGICAL_AND": ("and", np.logical_and), "LOGICAL_OR": ("or", np.logical_or)}


@lowering("LOGICAL_AND", "LOGICAL_OR", "LOGICAL_NOT")
def lower_logical(op, ctx):
    """TFLM's logical.cc (``&&``, ``||`` with broadcasting) and LOGICAL_NOT (``!``), bool tensors only."""
    if len(op.inputs) != (1 if op.name == "LOGICAL_NOT" else 2) or len(op.outputs) != 1:
        raise NotLowerable(f"{len(op.inputs)} inputs")
    xs, y = [ctx.tensor(i) for i in op.inputs], ctx.tensor(op.outputs[0])
    if any(t.dtype != "bool" for t in (*xs, y)):
        raise NotLowerable(f"{', '.join(t.dtype for t in xs)} -> {y.dtype} (TFLM's {op.name} takes bool)")
    comment = f"{op.name} {' '.join(str(tuple(t.shape)) for t in xs)} -> {tuple(y.shape)}"
    if op.name == "LOGICAL_NOT":
        x, = xs
        if x.num_elements != y.num_elements:
            raise NotLowerable(f"{tuple(x.shape)} -> {tuple(y.shape)}")

        def evaluate_not(value_of):
            return [np.logical_not(np.asarray(value_of_input(x, value_of))).reshape(y.shape)]

        if x.is_constant:
            return Step(function="", evaluate=evaluate_not, comment=comment + " (at generation time)")
        return Step(function="an_logical_not_b", sources=("an_compare.c", "an_broadcast.h"),
                    args=(x.operand, y.num_elements, y.operand),
                    output_aliases=x.operand, comment=comment, evaluate=evaluate_not)
    x1, x2 = xs
    name, function = LOGICAL[op.name]
    shape = broadcast_shape(x1, x2, y)

    def evaluate(value_of):
        a, b = (np.asarray(value_of_input(t, value_of)) for t in xs)
        return [np.broadcast_to(function(a, b), y.shape)]

    if x1.is_constant and x2.is_constant:
        return Step(function="", evaluate=evaluate, comment=comment + " (at generation time)")
    return Step(function=f"an_logical_{name}_b", sources=("an_compare.c", "an_broadcast.h"),
                args=(Params("an_compare_params", {"shape": shape}), x1.operand, x2.operand, y.operand),
                comment=comment, evaluate=evaluate)
