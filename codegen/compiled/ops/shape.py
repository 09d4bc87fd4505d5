"""Operators on values known at generation time: SHAPE, PACK, CAST, and int32 ADD/SUB/MUL (the last three also
run: CAST between int8/int16/int32/uint32/float32/bool (an_cast.c), int32 arithmetic
(an_int32.c, loop counters)).

The shape arithmetic stock converters emit (Keras Flatten with a dynamic batch dimension:
SHAPE -> STRIDED_SLICE -> PACK -> RESHAPE) computes values that are known when the code is
generated.  These lowerings return *generation-time only* steps (no kernel, an ``evaluate``
with TFLM's arithmetic in NumPy: integer operations without requantization are exact); the
fold pass (codegen.compiled.fold) computes them and what they write becomes a constant.  A
model whose values they need at run time is refused with the reason.

PACK of activations runs (TFLM's types: int8, int16, int32, int64, float32): int8 through CONCATENATION's
copy kernel, the others through an_join (an_split.c: the same blocks in bytes); each input one block of
``inner`` elements per outer index, no requantization, as TFLM's PACK.
"""

from __future__ import annotations

import numpy as np

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.ops.common import scale_of, value_of_input, zero_point_of
from codegen.compiled.program import C_TYPE_BYTES, NUMPY_TYPES, Params, PointerArray, Step

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
CAST_SUFFIX = {"int8": "s8", "int16": "s16", "int32": "s32", "uint32": "u32", "float32": "f32", "bool": "b"}  # run-time CAST
RUNTIME_PACK_TYPES = ("int8", "int16", "int32", "int64", "float32")  # TFLM's PACK types


def generation_time(evaluate, comment: str) -> Step:
    return Step(function="", evaluate=evaluate, comment=comment + " (at generation time)")


@lowering("SHAPE")
def lower_shape(op, ctx):
    x, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    if any(int(d) < 0 for d in x.shape):
        raise NotLowerable(f"dynamic shape {tuple(x.shape)}")
    if y.dtype not in ("int32", "int64"):
        raise NotLowerable(f"{y.dtype} output")
    shape = np.array([int(d) for d in x.shape], dtype=NUMPY_TYPES[y.dtype])
    return generation_time(lambda value_of: [shape], f"SHAPE of {tuple(x.shape)}")


def _axis(axis: int, rank: int) -> int:
    axis = axis + rank if axis < 0 else axis
    if not 0 <= axis < rank:
        raise NotLowerable(f"axis {axis} of a {rank}-D output")
    return axis


@lowering("PACK")
def lower_pack(op, ctx):
    inputs = [ctx.tensor(i) for i in op.inputs]
    y = ctx.tensor(op.outputs[0])
    axis = _axis(int(op.options.get("axis", 0)), len(y.shape))
    for t in inputs:
        if t.dtype != y.dtype or tuple(t.shape) != tuple(y.shape[:axis]) + tuple(y.shape[axis + 1:]):
            raise NotLowerable(f"input {t.dtype}{tuple(t.shape)} does not pack into {y.dtype}{tuple(y.shape)}")

    def evaluate(value_of):
        return [np.stack([np.asarray(value_of_input(t, value_of)).reshape(t.shape) for t in inputs], axis=axis)]

    comment = f"PACK of {len(inputs)} along axis {axis} -> {tuple(y.shape)}"
    if y.dtype not in RUNTIME_PACK_TYPES or all(t.is_constant for t in inputs):
        return generation_time(evaluate, comment)
    if y.dtype in ("int8", "int16"):
        for t in inputs:
            if scale_of(t) != scale_of(y) or zero_point_of(t) != zero_point_of(y):
                raise NotLowerable("an input quantized unlike the output (PACK copies, never requantizes)")
    outer = int(np.prod(y.shape[:axis])) if axis else 1
    inner = int(np.prod(y.shape[axis + 1:])) if axis + 1 < len(y.shape) else 1
    if y.dtype != "int8":  # the byte copy of SPLIT's kernel file (an_split.c)
        sizes = ctx.constant("pack_bytes", "int32_t", [inner * C_TYPE_BYTES[y.c_type]] * len(inputs))
        pointers = PointerArray("const void* const", tuple(t.operand for t in inputs))
        return Step(function="an_join", sources=("an_split.c",),
                    args=(Params("an_split_params", {"outer": outer, "parts": len(inputs)}), pointers, sizes,
                          y.operand), comment=comment + ": a byte copy", evaluate=evaluate)
    sizes = ctx.constant("pack_sizes", "int32_t", [inner] * len(inputs))
    pointers = PointerArray("const int8_t* const", tuple(t.operand for t in inputs))
    return Step(function="an_concatenation_s8", sources=("an_movement.c",),
                args=(Params("an_concatenation_params", {"outer": outer, "inputs": len(inputs)}), pointers, sizes,
                      y.operand),
                comment=comment + ": CONCATENATION's copy", evaluate=evaluate)


@lowering("CAST")
def lower_cast(op, ctx):
    x, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])

    def evaluate(value_of):
        value = np.asarray(value_of_input(x, value_of))
        if y.dtype == "bool":
            return [value != 0]
        if np.issubdtype(value.dtype, np.floating) and not y.dtype.startswith("float"):
            value = np.trunc(value)  # C's conversion: toward zero
        return [value.astype(NUMPY_TYPES[y.dtype])]

    comment = f"CAST {x.dtype} -> {y.dtype}"
    if {x.dtype, y.dtype} == {"int32", "uint32"} and not x.is_constant and x.num_elements == y.num_elements:
        # static_cast between int32 and uint32 keeps every bit: a view of the input, no kernel, no copy
        return Step(function="", output_aliases=x.operand, evaluate=evaluate, comment=comment + ": the same bits, a view")
    if x.is_constant or x.dtype not in CAST_SUFFIX or y.dtype not in CAST_SUFFIX:
        return generation_time(evaluate, comment)
    if x.num_elements != y.num_elements:
        raise NotLowerable(f"{x.num_elements} elements cast to {y.num_elements}")
    return Step(function=f"an_cast_{CAST_SUFFIX[x.dtype]}_{CAST_SUFFIX[y.dtype]}", sources=("an_cast.c",),
                args=(x.operand, y.operand, y.num_elements), comment=comment + " (static_cast per element)",
                evaluate=evaluate)


def _int32_activation(activation: str):
    return {"NONE": (INT32_MIN, INT32_MAX), "RELU": (0, INT32_MAX), "RELU6": (0, 6),
            "RELU_N1_TO_1": (-1, 1)}.get(activation)


def int32_arithmetic(op, ctx, broadcast) -> Step:
    """ADD/SUB/MUL of int32 tensors (shape arithmetic): TFLM's reference arithmetic computed at generation
    time (int64 in NumPy, wrapped to int32 as the 32-bit C sum would).  TFLM's int32 SUB and MUL clamp to
    the fused activation's range; its int32 ADD ignores the fused activation (it sets int32's full range).
    With an input computed at run time, a kernel step (an_int32.c); ``broadcast(x1, x2, y)``: its
    an_broadcast_shape field (codegen.compiled.ops.binary.broadcast_shape, passed in: binary imports this module)."""
    x1, x2, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.inputs[1]), ctx.tensor(op.outputs[0])
    activation = op.options.get("fused_activation_function", "NONE")
    limits = _int32_activation(activation)
    if op.name == "ADD" and limits is not None:
        limits = _int32_activation("NONE")
    if limits is None:
        raise NotLowerable(f"fused {activation}")
    combine = {"ADD": np.add, "SUB": np.subtract, "MUL": np.multiply}[op.name]

    def evaluate(value_of):
        a = np.asarray(value_of_input(x1, value_of)).astype(np.int64)
        b = np.asarray(value_of_input(x2, value_of)).astype(np.int64)
        value = combine(a, b).astype(np.int32)  # wraps like 32-bit arithmetic
        return [np.broadcast_to(np.clip(value, *limits), y.shape)]

    if x1.is_constant and x2.is_constant:
        return generation_time(evaluate, f"int32 {op.name}")
    params = Params("an_int32_params", {"activation_min": limits[0], "activation_max": limits[1],
                                        "shape": broadcast(x1, x2, y)})
    return Step(function=f"an_{op.name.lower()}_s32", sources=("an_int32.c", "an_broadcast.h"),
                args=(params, x1.operand, x2.operand, y.operand), evaluate=evaluate,
                comment=f"int32 {op.name} {tuple(x1.shape)} {tuple(x2.shape)} -> {tuple(y.shape)} (wrapping, clamped "
                        f"to [{limits[0]}, {limits[1]}])")


def is_int32_arithmetic(op, ctx) -> bool:
    return len(op.inputs) == 2 and all(ctx.tensor(i).dtype == "int32" for i in (*op.inputs, *op.outputs))
