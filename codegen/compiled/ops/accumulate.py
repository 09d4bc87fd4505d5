"""ADD_N and CUMSUM (int8, float32) -> ``an_accumulate.c``: TFLM's reference kernels (add_n.h, cumsum.h).

Both int8 kernels rescale each value as TFLM's Prepare sets up (left shift 20, input multiplier ``s / 2s`` and
output multiplier ``2s / (2^20 * s_out)`` in double through ``QuantizeMultiplierSmallerThanOneExp``, which TFLM
aborts on outside (0, 1): refused); the rescaled value depends on the byte alone, so it is a table of 256 here;
the sum starts from the rescaled ``-zero point`` (entry 0), as TFLM's accumulator does.  ADD_N takes inputs of one
shape, type and (int8) quantization (TFLM's Prepare); CUMSUM a constant int32 axis, ``exclusive`` and ``reverse``.
float32 sums run in TFLM's order from 0.0f.  Constant inputs are computed at generation time.
"""

from __future__ import annotations

import numpy as np

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.ops import fixedpoint as fp
from codegen.compiled.ops.common import byte_table, clamp, constant_ints, value_of_input, zero_point_of
from codegen.compiled.program import Params, PointerArray, Step
from codegen.compiled.quantization import quantize_multiplier

LEFT_SHIFT = 20  # TFLM's kAddNIntegerShift / kCumSumIntegerShift


def _smaller_than_one(real: float, what: str) -> tuple[int, int]:
    if not 0.0 < real < 1.0:
        raise NotLowerable(f"{what} multiplier {real:.6g} outside (0, 1) (TFLM aborts)")
    return quantize_multiplier(real)


def rescaling(x, y) -> tuple[list, int, int]:
    """(scaled table of 256, output multiplier, output shift) of TFLM's int8 ADD_N / CUMSUM."""
    if not x.scale or not y.scale:
        raise NotLowerable("unquantized int8 tensors")
    si, so = float(np.float32(x.scale[0])), float(np.float32(y.scale[0]))
    twice = 2 * si
    im, ish = _smaller_than_one(si / twice, "input")
    om, osh = _smaller_than_one(twice / ((1 << LEFT_SHIFT) * so), "output")
    zp = zero_point_of(x)
    table = byte_table(lambda v: fp.multiply_by_quantized_multiplier(fp.wrap32((v - zp) * (1 << LEFT_SHIFT)), im, ish))
    return table, om, osh


def _requantized(sums, multiplier, shift, offset):
    return np.array([clamp(fp.multiply_by_quantized_multiplier(int(s), multiplier, shift) + offset, -128, 127)
                     for s in np.asarray(sums).reshape(-1)], np.int8)


@lowering("ADD_N")
def lower_add_n(op, ctx):
    if len(op.inputs) < 2 or len(op.outputs) != 1:
        raise NotLowerable(f"{len(op.inputs)} inputs (TFLM takes 2 or more)")
    xs, y = [ctx.tensor(i) for i in op.inputs], ctx.tensor(op.outputs[0])
    first = xs[0]
    if first.dtype not in ("int8", "float32"):
        raise NotLowerable(f"{first.dtype} tensors (TFLM's ADD_N takes int8, float32)")
    for t in xs[1:]:
        if t.dtype != first.dtype or tuple(t.shape) != tuple(first.shape):
            raise NotLowerable(f"inputs {first.dtype}{list(first.shape)} and {t.dtype}{list(t.shape)} (TFLM requires "
                               "one shape and type)")
        if first.dtype == "int8" and (t.scale[:1] != first.scale[:1] or zero_point_of(t) != zero_point_of(first)):
            raise NotLowerable("int8 inputs quantized unlike each other (TFLM refuses them)")
    if y.dtype != first.dtype or y.num_elements != first.num_elements:
        raise NotLowerable(f"{first.dtype}{list(first.shape)} -> {y.dtype}{list(y.shape)}")
    count = y.num_elements
    fields = {"count": count, "num_inputs": len(xs), "output_multiplier": 0, "output_shift": 0, "output_offset": 0}
    table = None
    if first.dtype == "int8":
        table, multiplier, shift = rescaling(first, y)
        fields.update(output_multiplier=multiplier, output_shift=shift, output_offset=zero_point_of(y))

    def evaluate(value_of):
        values = [np.asarray(value_of_input(t, value_of)).reshape(-1) for t in xs]
        if table is None:
            total = np.zeros(count, np.float32)
            for v in values:
                total = (total + v.astype(np.float32)).astype(np.float32)
            return [total.reshape(y.shape)]
        scaled = np.array(table, np.int64)
        total = np.full(count, table[0], np.int64)
        for v in values:
            total = total + scaled[v.astype(np.uint8)]
        total = (total + 2**31) % 2**32 - 2**31  # int32 wrapping
        return [_requantized(total, multiplier, shift, zero_point_of(y)).reshape(y.shape)]

    comment = f"ADD_N of {len(xs)} {first.dtype} x {count}"
    if all(t.is_constant for t in xs):
        return Step(function="", evaluate=evaluate, comment=comment + " (at generation time)")
    c_type = "const int8_t* const" if table is not None else "const float* const"
    args = (Params("an_add_n_params", fields), PointerArray(c_type, tuple(t.operand for t in xs)), y.operand)
    if table is not None:
        args += (ctx.constant("add_n_scaled", "int32_t", table),)
    return Step(function=f"an_add_n_{'s8' if table is not None else 'f32'}", sources=("an_accumulate.c",), args=args,
                comment=comment, evaluate=evaluate)


@lowering("CUMSUM")
def lower_cumsum(op, ctx):
    if len(op.inputs) != 2 or len(op.outputs) != 1:
        raise NotLowerable(f"{len(op.inputs)} inputs, {len(op.outputs)} outputs")
    x, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    if x.dtype not in ("int8", "float32") or y.dtype != x.dtype:
        raise NotLowerable(f"{x.dtype} -> {y.dtype} (TFLM's CUMSUM takes int8, float32)")
    if not x.shape or tuple(x.shape) != tuple(y.shape):
        raise NotLowerable(f"shapes {tuple(x.shape)} -> {tuple(y.shape)}")
    axes = constant_ints(ctx.optional_tensor(op.inputs[1]), "axis")
    if len(axes) != 1:
        raise NotLowerable(f"{len(axes)} axis values (TFLM takes one)")
    rank = len(x.shape)
    axis = axes[0] + rank if axes[0] < 0 else axes[0]
    if not 0 <= axis < rank:
        raise NotLowerable(f"axis {axes[0]} of a {rank}-D input")
    inner = int(np.prod(x.shape[:axis])) if axis else 1
    depth = int(x.shape[axis])
    outer = int(np.prod(x.shape[axis + 1:])) if axis + 1 < rank else 1
    exclusive = bool(op.options.get("exclusive", False))
    reverse = bool(op.options.get("reverse", False))
    fields = {"inner": inner, "depth": depth, "outer": outer, "exclusive": int(exclusive), "reverse": int(reverse),
              "output_multiplier": 0, "output_shift": 0, "output_offset": 0}
    table = None
    if x.dtype == "int8":
        table, multiplier, shift = rescaling(x, y)
        fields.update(output_multiplier=multiplier, output_shift=shift, output_offset=zero_point_of(y))

    def evaluate(value_of):
        values = np.asarray(value_of_input(x, value_of)).reshape(inner, depth, outer)
        if reverse:
            values = values[::-1, ::-1, ::-1]
        if table is None:
            acc, out = np.zeros((inner, outer), np.float32), np.zeros_like(values, np.float32)
        else:
            scaled = np.array(table, np.int64)[values.astype(np.uint8)]
            acc, out = np.full((inner, outer), table[0], np.int64), np.zeros(values.shape, np.int64)
        for d in range(depth):
            step = values[:, d, :].astype(np.float32) if table is None else scaled[:, d, :]
            if exclusive:
                out[:, d, :] = acc
            acc = (acc + step).astype(acc.dtype)
            if table is not None:
                acc = (acc + 2**31) % 2**32 - 2**31
            if not exclusive:
                out[:, d, :] = acc
        if table is not None:
            out = _requantized(out, multiplier, shift, zero_point_of(y)).reshape(out.shape)
        if reverse:
            out = out[::-1, ::-1, ::-1]
        return [np.ascontiguousarray(out).reshape(y.shape)]

    comment = (f"CUMSUM {x.dtype} {tuple(x.shape)} along axis {axis}"
               f"{' exclusive' if exclusive else ''}{' reverse' if reverse else ''}")
    if x.is_constant:
        return Step(function="", evaluate=evaluate, comment=comment + " (at generation time)")
    args = (Params("an_cumsum_params", fields), x.operand, y.operand)
    if table is not None:
        args += (ctx.constant("cumsum_scaled", "int32_t", table),)
    return Step(function=f"an_cumsum_{'s8' if table is not None else 'f32'}", sources=("an_accumulate.c",), args=args,
                comment=comment, evaluate=evaluate)
