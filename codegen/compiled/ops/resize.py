"""RESIZE_BILINEAR (int8, float32; NHWC, a constant size) -> ``an_resize_bilinear.c``: TFLM's reference kernels.

Every position is computed here as TFLM computes it, per output row and column (three int32 each: lower and upper
input index, and the int8 weight):

- int8, ``ResizeBilinearInteger``: ``scale_10 = (1024 * in + out / 2) / out`` (align_corners with ``out > 1``:
  ``(1024 * (in - 1) + (out - 1) / 2) / (out - 1)``); position ``v * scale_10`` (half_pixel_centers:
  ``+ scale_10 / 2 - 512``); lower ``max(position / 1024, 0)`` and upper ``min((position + 1023) / 1024, in - 1)``
  with C's division toward zero; weight ``position - 1024 * lower`` (negative near a half-pixel edge: TFLM
  extrapolates there, and so does the kernel).
- float32, ``ResizeBilinear``: ``scale = (float)in / out`` (align_corners: ``(in - 1) / (out - 1)``); position
  ``v * scale`` (half_pixel_centers: ``(v + 0.5f) * scale - 0.5f``) in float32; lower ``max((int)floorf(p), 0)``,
  upper ``min((int)ceilf(p), in - 1)``; the fraction ``p - lower`` (float32) as a table of floats.

TFLM refuses align_corners together with half_pixel_centers and a size that is not constant; int8 values are
interpolated as stored (TFLM applies no scales); the output keeps the input's type.  Constant inputs are computed
at generation time with the kernels' arithmetic.
"""

from __future__ import annotations

import math

import numpy as np

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.ops.common import constant_ints, f32, value_of_input
from codegen.compiled.program import Params, Step

ONE = 1 << 10  # TFLM's 1/1024 position steps


def _c_div(a: int, b: int) -> int:
    """C's integer division (toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def integer_positions(in_size: int, out_size: int, align: bool, half: bool) -> list:
    """``[(lower, upper, weight)]`` per output index: TFLM's ComputeInterpolationValuesInteger."""
    if align and out_size > 1:
        scale = (ONE * (in_size - 1) + (out_size - 1) // 2) // (out_size - 1)
    else:
        scale = (ONE * in_size + out_size // 2) // out_size
    table = []
    for v in range(out_size):
        position = v * scale + scale // 2 - (1 << 9) if half else v * scale
        lower = max(_c_div(position, ONE), 0)
        upper = min(_c_div(position + ONE - 1, ONE), in_size - 1)
        table.append((lower, upper, position - ONE * lower))
    return table


def float_positions(in_size: int, out_size: int, align: bool, half: bool) -> list:
    """``[(lower, upper, fraction)]`` per output index: TFLM's ComputeInterpolationValues in float32."""
    if align and out_size > 1:
        scale = f32(in_size - 1) / f32(out_size - 1)
    else:
        scale = f32(in_size) / f32(out_size)
    table = []
    for v in range(out_size):
        position = (f32(v) + f32(0.5)) * scale - f32(0.5) if half else f32(v) * scale
        lower = max(int(math.floor(float(position))), 0)
        upper = min(int(math.ceil(float(position))), in_size - 1)
        table.append((lower, upper, f32(position - f32(lower))))
    return table


def _evaluate_int8(values, rows, cols):
    r0, r1, wy = (np.array([r[k] for r in rows], np.int64) for k in range(3))
    c0, c1, wx = (np.array([c[k] for c in cols], np.int64) for k in range(3))
    v = values.astype(np.int64)
    wy, wx = wy[None, :, None, None], wx[None, None, :, None]
    total = (v[:, r0][:, :, c0] * (ONE - wy) * (ONE - wx) + v[:, r1][:, :, c0] * wy * (ONE - wx)
             + v[:, r0][:, :, c1] * (ONE - wy) * wx + v[:, r1][:, :, c1] * wy * wx)
    rounded = total + np.where(total > 0, 1 << 19, -(1 << 19))
    quotient = np.sign(rounded) * (np.abs(rounded) // (1 << 20))  # C's division toward zero
    return quotient.astype(np.int64).astype(np.uint8).view(np.int8)  # the int8_t store wraps


def _evaluate_f32(values, rows, cols):
    r0, r1 = (np.array([r[k] for r in rows]) for k in range(2))
    c0, c1 = (np.array([c[k] for c in cols]) for k in range(2))
    dy = np.array([r[2] for r in rows], np.float32)[None, :, None, None]
    dx = np.array([c[2] for c in cols], np.float32)[None, None, :, None]
    one = np.float32(1)
    v = values.astype(np.float32)
    with np.errstate(all="ignore"):
        out = v[:, r0][:, :, c0] * (one - dy) * (one - dx) + v[:, r1][:, :, c0] * dy * (one - dx)
        out = out + v[:, r0][:, :, c1] * (one - dy) * dx
        out = out + v[:, r1][:, :, c1] * dy * dx
        return (out + np.float32(0.0)).astype(np.float32)


@lowering("RESIZE_BILINEAR")
def lower_resize_bilinear(op, ctx):
    if len(op.inputs) != 2 or len(op.outputs) != 1:
        raise NotLowerable(f"{len(op.inputs)} inputs, {len(op.outputs)} outputs")
    x, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    if x.dtype not in ("int8", "float32"):
        raise NotLowerable(f"{x.dtype} tensors (TFLM's RESIZE_BILINEAR takes int8, float32)")
    if y.dtype != x.dtype:
        raise NotLowerable(f"{x.dtype} -> {y.dtype}")
    if len(x.shape) != 4:
        raise NotLowerable(f"{len(x.shape)}-D input (TFLM takes 4-D)")
    size = constant_ints(ctx.optional_tensor(op.inputs[1]), "size")
    if len(size) != 2 or min(size) < 1:
        raise NotLowerable(f"size {size}")
    align = bool(op.options.get("align_corners", False))
    half = bool(op.options.get("half_pixel_centers", False))
    if align and half:
        raise NotLowerable("align_corners with half_pixel_centers (TFLM refuses it)")
    batches, in_h, in_w, depth = (int(d) for d in x.shape)
    out_h, out_w = size
    if tuple(y.shape) != (batches, out_h, out_w, depth):
        raise NotLowerable(f"output shape {tuple(y.shape)} is not {(batches, out_h, out_w, depth)}")
    if min(in_h, in_w, depth, batches) < 1:
        raise NotLowerable("empty input")
    positions = integer_positions if x.dtype == "int8" else float_positions
    rows = positions(in_h, out_h, align, half)
    cols = positions(in_w, out_w, align, half)
    is_int8 = x.dtype == "int8"

    def evaluate(value_of):
        values = np.asarray(value_of_input(x, value_of)).reshape(x.shape)
        out = _evaluate_int8(values, rows, cols) if is_int8 else _evaluate_f32(values, rows, cols)
        return [out.reshape(y.shape)]

    comment = (f"RESIZE_BILINEAR {x.dtype} {in_h}x{in_w} -> {out_h}x{out_w} x {depth} "
               f"(align_corners={align}, half_pixel_centers={half})")
    if x.is_constant:
        return Step(function="", evaluate=evaluate, comment=comment + " (at generation time)")
    index = (lambda table: [int(v) for entry in table for v in (entry[0], entry[1], entry[2] if is_int8 else 0)])
    fields = {"batches": batches, "input_height": in_h, "input_width": in_w, "depth": depth,
              "output_height": out_h, "output_width": out_w,
              "rows": ctx.constant("bilinear_rows", "int32_t", index(rows)),
              "columns": ctx.constant("bilinear_columns", "int32_t", index(cols)),
              "row_fractions": None, "column_fractions": None}
    if not is_int8:
        fields["row_fractions"] = ctx.constant("bilinear_row_fractions", "float", [r[2] for r in rows])
        fields["column_fractions"] = ctx.constant("bilinear_column_fractions", "float", [c[2] for c in cols])
    return Step(function=f"an_resize_bilinear_{'s8' if is_int8 else 'f32'}", sources=("an_resize_bilinear.c",),
                args=(Params("an_resize_bilinear_params", fields), x.operand, y.operand), comment=comment,
                evaluate=evaluate)
