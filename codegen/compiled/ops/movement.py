"""Data movement: RESIZE_NEAREST_NEIGHBOR, STRIDED_SLICE, TRANSPOSE, PAD, PADV2, CONCATENATION.

No arithmetic on values; every index is computed here as TFLM's reference kernels compute
it, and the kernels (an_movement.c) only copy:

- RESIZE_NEAREST_NEIGHBOR: ``GetNearestNeighbor`` per output row and column in float32
  (scale ``in / out`` or, with align_corners, ``(in - 1) / (out - 1)``; +0.5 with
  half_pixel_centers; floor, or round with align_corners), as two offset tables.
- STRIDED_SLICE: TFLM micro's kernel (indices padded to 5-D,
  ``StridedSliceStartForAxis``/``EndForAxis``, begin/end/shrink masks, negative indices
  and strides) as one start offset and per-dimension counts and steps, merged where
  contiguous.  TFLM ignores ellipsis/new-axis masks and the offset flag; they are refused.
- TRANSPOSE: the same strided walk as STRIDED_SLICE (counts: the output's dimensions;
  steps: the input's strides in the permuted order), merged where contiguous.
- STRIDED_SLICE and TRANSPOSE copy 1-, 2-, 4- and 8-byte elements (int8, bool, uint8; int16;
  int32 and float32 as bits; int64).  Every copy step also evaluates at generation time (``Step.evaluate``: the walk's indices in NumPy), so a
  slice of a constant (a SHAPE) becomes a constant (codegen.compiled.fold).
- PAD/PADV2: the pad value is the output's zero point (int8 PAD), 0 (PAD of int16, int32, float32, as TFLM)
  or the constant (PADV2); wider types in an_resize_pad_wide.c, as RESIZE_NEAREST_NEIGHBOR of int16 and
  float32 (the same walk with every offset in bytes).
- CONCATENATION: TFLM refuses int8 inputs whose scale or zero point differ from the
  output's (it never requantizes); so does this lowering.  Unquantized int8 is copied as TFLM copies it.
Tensors keep TFLM's semantics for quantization: values are copied, not requantized.
"""

from __future__ import annotations

import math

import numpy as np

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.ops.common import (constant_ints, f32, padded_ints, require_dtype, require_int8, scale_of,
                                         value_of_input, walk_indices, zero_point_of)
from codegen.compiled.program import Params, PointerArray, Step
from codegen.compiled.quantization import round_half_away

SOURCES = ("an_movement.c",)
MAX_DIMS = 5


# --- RESIZE_NEAREST_NEIGHBOR -----------------------------------------------------------

def nearest_neighbor(value: int, input_size: int, output_size: int, align_corners: bool,
                     half_pixel_centers: bool) -> int:
    """TFLM's ``GetNearestNeighbor`` (float32 arithmetic)."""
    if align_corners and output_size > 1:
        scale = f32(input_size - 1) / f32(output_size - 1)
    else:
        scale = f32(input_size) / f32(output_size)
    offset = f32(0.5) if half_pixel_centers else f32(0.0)
    position = (f32(value) + offset) * scale
    index = round_half_away(float(position)) if align_corners else math.floor(float(position))
    index = min(index, input_size - 1)
    if half_pixel_centers:
        index = max(0, index)
    return index


#: RESIZE_NEAREST_NEIGHBOR and PAD element bytes by type (TFLM: int8, int16, float32; PAD also int32).
WIDE_BYTES = {"int8": 1, "int16": 2, "float32": 4}
WIDE_RESIZE_PAD_SOURCES = ("an_resize_pad_wide.c", "an_movement.h")


@lowering("RESIZE_NEAREST_NEIGHBOR")
def lower_resize_nearest_neighbor(op, ctx):
    x, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    if x.dtype != y.dtype or x.dtype not in WIDE_BYTES:
        raise NotLowerable(f"{x.dtype} -> {y.dtype} (the compiled RESIZE_NEAREST_NEIGHBOR takes int8, int16, "
                           "float32)")
    if len(x.shape) != 4 or len(y.shape) != 4:
        raise NotLowerable(f"{len(x.shape)}-D input (TFLM takes 4-D)")
    size = constant_ints(ctx.optional_tensor(op.inputs[1]), "size")
    if len(size) != 2:
        raise NotLowerable(f"size tensor of {len(size)} values")
    batches, in_h, in_w, depth = x.shape
    out_h, out_w = size
    if tuple(y.shape) != (batches, out_h, out_w, depth):
        raise NotLowerable(f"output shape {tuple(y.shape)} is not {(batches, out_h, out_w, depth)}")
    align = bool(op.options.get("align_corners", False))
    half = bool(op.options.get("half_pixel_centers", False))
    width = WIDE_BYTES[x.dtype]  # int8: elements; wider types: every offset in bytes
    rows = [nearest_neighbor(v, in_h, out_h, align, half) * in_w * depth * width for v in range(out_h)]
    cols = [nearest_neighbor(v, in_w, out_w, align, half) * depth * width for v in range(out_w)]
    row_table = ctx.constant("resize_rows", "int32_t", rows)
    col_table = ctx.constant("resize_columns", "int32_t", cols)
    params = Params("an_resize_nearest_params", {"batches": batches, "output_height": out_h, "output_width": out_w,
                                                 "depth": depth * width, "batch_stride": in_h * in_w * depth * width})
    function, sources = (("an_resize_nearest_s8", SOURCES) if x.dtype == "int8" else
                         ("an_resize_nearest_bytes", WIDE_RESIZE_PAD_SOURCES))
    return Step(function=function, sources=sources, args=(params, x.operand, y.operand, row_table, col_table),
                comment=f"RESIZE_NEAREST_NEIGHBOR {in_h}x{in_w} -> {out_h}x{out_w} "
                        f"(align_corners={align}, half_pixel_centers={half})")


# --- STRIDED_SLICE ---------------------------------------------------------------------

def strided_slice_walk(shape, begin, end, strides, begin_mask, end_mask, shrink_axis_mask):
    """(start offset, counts, steps) of TFLM micro's STRIDED_SLICE, merged; counts may be 0."""
    rank = len(shape)
    if rank > MAX_DIMS:
        raise NotLowerable(f"{rank}-D input")
    pad = MAX_DIMS - rank
    dims = [1] * pad + list(shape)
    starts_in = [0] * pad + list(begin)
    stops_in = [1] * pad + list(end)
    strides = [1] * pad + list(strides)
    begin_mask = (begin_mask << pad) | ((1 << pad) - 1)
    end_mask = (end_mask << pad) | ((1 << pad) - 1)
    shrink_axis_mask <<= pad
    element_strides, step = [0] * MAX_DIMS, 1
    for d in range(MAX_DIMS - 1, -1, -1):
        element_strides[d] = step
        step *= dims[d]

    def clamp(v, lo, hi):
        return hi if v > hi else lo if v < lo else v

    start_offset, counts, steps = 0, [], []
    for axis in range(MAX_DIMS):
        size, stride = dims[axis], strides[axis]
        if stride == 0:
            raise NotLowerable("stride 0")
        start = starts_in[axis]
        if start < 0:
            start += size
        start = clamp(start, 0, size) if stride > 0 else clamp(start, -1, size - 1)
        if begin_mask & (1 << axis):
            start = 0 if stride > 0 else size - 1
        if shrink_axis_mask & (1 << axis):
            stop = start if start >= size else start + 1
        else:
            stop = stops_in[axis]
            if stop < 0:
                stop += size
            stop = clamp(stop, 0, size) if stride > 0 else clamp(stop, -1, size - 1)
            if end_mask & (1 << axis):
                stop = size if stride > 0 else -1
        count = max(0, -((start - stop) // stride)) if stride > 0 else max(0, -((stop - start) // -stride))
        if count == 0:
            return 0, [0], [1]
        start_offset += start * element_strides[axis]
        counts.append(count)
        steps.append(stride * element_strides[axis])
    merged_counts, merged_steps = merge_walk(counts, steps)
    return start_offset, merged_counts, merged_steps


# the walk by element bytes (int8 has its own: int8 models link no an_movement_wide.c)
WALK_FUNCTIONS = {1: "an_strided_slice_b8", 2: "an_strided_slice_b16", 4: "an_strided_slice_b32",
                  8: "an_strided_slice_b64"}
WALK_TYPES = {"int8": 1, "bool": 1, "uint8": 1, "int16": 2, "int32": 4, "uint32": 4, "float32": 4, "int64": 8,
              "uint64": 8}


def merge_walk(counts, steps):
    """Drop dimensions of count 1 and merge neighbours that walk contiguously (``steps[d] == count * step``)."""
    merged_counts, merged_steps = [], []
    for c, s in zip(counts, steps):
        if c == 1:
            continue
        if merged_counts and merged_steps[-1] == c * s:
            merged_counts[-1] *= c
            merged_steps[-1] = s
        else:
            merged_counts.append(c)
            merged_steps.append(s)
    if not merged_counts:
        merged_counts, merged_steps = [1], [1]
    return merged_counts, merged_steps


def copy_walk_step(x, y, start, counts, steps, comment):
    """The step copying ``input[start + sum_d i_d * steps[d]]`` into ``y`` in order: a kernel call by element
    width (:data:`WALK_TYPES`), generation time only for a constant input or other types; both evaluate."""
    total = int(np.prod(counts))
    if total != y.num_elements:
        raise NotLowerable(f"the copy has {total} elements, the output {y.num_elements}")
    if len(counts) > MAX_DIMS:
        raise NotLowerable(f"a {len(counts)}-D walk (kernel walks {MAX_DIMS}-D)")

    def evaluate(value_of):
        return [np.asarray(value_of_input(x, value_of)).reshape(-1)[walk_indices(start, counts, steps)]]

    if x.dtype != y.dtype:
        raise NotLowerable(f"{x.dtype} input, {y.dtype} output")
    if x.is_constant or x.dtype not in WALK_TYPES:
        return Step(function="", evaluate=evaluate, comment=comment + " (at generation time)")
    params = Params("an_strided_slice_params", {"ndim": len(counts), "start": start,
                                                "counts": padded_ints(counts, MAX_DIMS),
                                                "steps": padded_ints(steps, MAX_DIMS)})
    if x.dtype == "int8":
        function, sources = "an_strided_slice_s8", SOURCES
    else:
        function, sources = WALK_FUNCTIONS[WALK_TYPES[x.dtype]], ("an_movement_wide.c", "an_movement.h")
    return Step(function=function, sources=sources, args=(params, x.operand, y.operand),
                comment=comment, evaluate=evaluate)


@lowering("STRIDED_SLICE")
def lower_strided_slice(op, ctx):
    x, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    opts = op.options
    for flag in ("ellipsis_mask", "new_axis_mask", "offset"):
        if opts.get(flag):
            raise NotLowerable(f"{flag} (TFLM ignores it)")
    rank = len(x.shape)
    if rank > 4:
        raise NotLowerable(f"{rank}-D input (TFLM slices up to 4-D)")
    begin = constant_ints(ctx.optional_tensor(op.inputs[1]), "begin")
    end = constant_ints(ctx.optional_tensor(op.inputs[2]), "end")
    strides = constant_ints(ctx.optional_tensor(op.inputs[3]), "strides")
    if not len(begin) == len(end) == len(strides) == rank:
        raise NotLowerable(f"{len(begin)} begin indices for a {rank}-D input")
    start, counts, steps = strided_slice_walk(x.shape, begin, end, strides, int(opts.get("begin_mask", 0)),
                                              int(opts.get("end_mask", 0)), int(opts.get("shrink_axis_mask", 0)))
    return copy_walk_step(x, y, start, counts, steps, f"STRIDED_SLICE {tuple(x.shape)} -> {tuple(y.shape)}")


# --- TRANSPOSE -------------------------------------------------------------------------

def transpose_walk(shape, perm):
    """(counts, steps) of TRANSPOSE as a copy walk: the output's dimensions, the input's strides permuted."""
    rank = len(shape)
    if sorted(perm) != list(range(rank)):
        raise NotLowerable(f"permutation {tuple(perm)} of a {rank}-D input")
    strides, step = [0] * rank, 1
    for d in range(rank - 1, -1, -1):
        strides[d] = step
        step *= shape[d]
    return merge_walk([shape[p] for p in perm], [strides[p] for p in perm])


@lowering("TRANSPOSE")
def lower_transpose(op, ctx):
    x, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    perm = constant_ints(ctx.optional_tensor(op.inputs[1]), "permutation")
    rank = len(x.shape)
    if rank > 5:
        raise NotLowerable(f"{rank}-D input (TFLM transposes up to 5-D)")
    counts, steps = transpose_walk(list(x.shape), perm)
    expected = tuple(x.shape[p] for p in perm)
    if tuple(y.shape) != expected:
        raise NotLowerable(f"output shape {tuple(y.shape)} is not {expected}")
    if x.dtype in ("int8", "int16") and (x.scale != y.scale or x.zero_point != y.zero_point):
        raise NotLowerable("output quantized unlike the input (TFLM copies, never requantizes)")
    return copy_walk_step(x, y, 0, counts, steps, f"TRANSPOSE {tuple(x.shape)} by {tuple(perm)} -> {expected}")


# --- PAD / PADV2 -----------------------------------------------------------------------

def pad_walk(in_shape, paddings):
    """(input dims, output strides, base offset, output size) of the padded copy, merged."""
    out_shape = [d + lo + hi for d, (lo, hi) in zip(in_shape, paddings)]
    strides, step = [0] * len(out_shape), 1
    for d in range(len(out_shape) - 1, -1, -1):
        strides[d] = step
        step *= out_shape[d]
    base = sum(lo * s for (lo, _), s in zip(paddings, strides))
    dims, out_strides = [], []
    for d, size in enumerate(in_shape):
        if size == 1:
            continue
        if dims and out_strides[-1] == size * strides[d]:
            dims[-1] *= size
            out_strides[-1] = strides[d]
        else:
            dims.append(size)
            out_strides.append(strides[d])
    if not dims:
        dims, out_strides = [1], [1]
    return dims, out_strides, base, step


@lowering("PAD", "PADV2")
def lower_pad(op, ctx):
    x, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    if x.dtype != y.dtype or x.dtype not in ("int8", "int16", "int32", "float32"):
        raise NotLowerable(f"{x.dtype} -> {y.dtype} (the compiled {op.name} takes int8, int16, int32, float32)")
    if x.dtype == "int8":
        require_int8(x, y)
    rank = len(x.shape)
    if rank > MAX_DIMS:
        raise NotLowerable(f"{rank}-D input (TFLM pads up to 5-D)")
    flat = constant_ints(ctx.optional_tensor(op.inputs[1]), "paddings")
    if len(flat) != 2 * rank:
        raise NotLowerable(f"{len(flat)} padding values for a {rank}-D input")
    paddings = [(flat[2 * d], flat[2 * d + 1]) for d in range(rank)]
    if any(lo < 0 or hi < 0 for lo, hi in paddings):
        raise NotLowerable("negative padding")
    out_shape = tuple(d + lo + hi for d, (lo, hi) in zip(x.shape, paddings))
    if out_shape != tuple(y.shape):
        raise NotLowerable(f"output shape {tuple(y.shape)} is not {out_shape}")
    # PAD: int8 pads with the output zero point, the other types with 0 (TFLM, whatever an int16 zero point)
    pad_value = zero_point_of(y) if x.dtype == "int8" else 0
    shown = pad_value
    if len(op.inputs) > 2 and op.inputs[2] >= 0:
        c = ctx.tensor(op.inputs[2])
        require_dtype(c, x.dtype)
        if not c.is_constant or c.num_elements != 1:
            raise NotLowerable("pad value not a constant scalar")
        if x.dtype == "int8" and (zero_point_of(c) != zero_point_of(y) or scale_of(c) != scale_of(y)):
            raise NotLowerable("pad value quantized unlike the output (TFLM refuses it)")
        value = np.asarray(c.data).reshape(-1)[:1]
        shown = value[0]
        # the element's bits as an int32 (a float32 pad value is copied as its bit pattern)
        pad_value = int(value.view(np.int32)[0]) if x.dtype == "float32" else int(value[0])
    dims, out_strides, base, size = pad_walk(list(x.shape), paddings)
    params = Params("an_pad_params", {"ndim": len(dims), "input_dims": padded_ints(dims, MAX_DIMS),
                                      "output_strides": padded_ints(out_strides, MAX_DIMS), "base": base,
                                      "output_size": size, "pad_value": pad_value})
    function, sources = {"int8": ("an_pad_s8", SOURCES), "int16": ("an_pad_b16", WIDE_RESIZE_PAD_SOURCES)}.get(
        x.dtype, ("an_pad_b32", WIDE_RESIZE_PAD_SOURCES))
    return Step(function=function, sources=sources, args=(params, x.operand, y.operand),
                comment=f"{op.name}{'' if x.dtype == 'int8' else ' ' + x.dtype} {tuple(x.shape)} -> {out_shape} "
                        f"with {shown}")


# --- CONCATENATION ---------------------------------------------------------------------

#: CONCATENATION types copied as bytes (element bytes): TFLM copies them unchanged.
WIDE_CONCATENATION = {"bool": 1, "int16": 2, "int32": 4, "uint32": 4, "float32": 4, "int64": 8}


@lowering("CONCATENATION")
def lower_concatenation(op, ctx):
    y = ctx.tensor(op.outputs[0])
    inputs = [ctx.tensor(i) for i in op.inputs]
    wide = y.dtype in WIDE_CONCATENATION  # copied as bytes: TFLM copies these types as they are
    # int8 with no quantization at all: TFLM copies it too (quantized, the inputs must be quantized as the output)
    unquantized = y.dtype == "int8" and not y.scale and all(t.dtype == "int8" and not t.scale for t in inputs)
    if wide:
        if any(t.dtype != y.dtype for t in inputs):
            raise NotLowerable("inputs of another type than the output")
    elif not unquantized:
        require_int8(y, *inputs)
    if op.options.get("fused_activation_function", "NONE") != "NONE":
        raise NotLowerable(f"fused {op.options['fused_activation_function']} (TFLM refuses it)")
    for t in inputs if not wide and not unquantized else ():
        if scale_of(t) != scale_of(y) or zero_point_of(t) != zero_point_of(y):
            raise NotLowerable("an input quantized unlike the output (TFLM does not requantize int8 concatenation)")
    rank = len(y.shape)
    axis = int(op.options.get("axis", 0))
    axis = axis + rank if axis < 0 else axis
    if not 0 <= axis < rank:
        raise NotLowerable(f"axis {op.options.get('axis')} of a {rank}-D output")
    for t in inputs:
        if len(t.shape) != rank or any(a != b for d, (a, b) in enumerate(zip(t.shape, y.shape)) if d != axis):
            raise NotLowerable(f"input shape {tuple(t.shape)} does not match {tuple(y.shape)} off axis {axis}")
    if sum(t.shape[axis] for t in inputs) != y.shape[axis]:
        raise NotLowerable("inputs do not add up to the output along the axis")
    outer = int(np.prod(y.shape[:axis])) if axis else 1
    inner = int(np.prod(y.shape[axis + 1:])) if axis + 1 < rank else 1
    if wide:
        element = WIDE_CONCATENATION[y.dtype]
        sizes = ctx.constant("concat_bytes", "int32_t", [t.shape[axis] * inner * element for t in inputs])
        return Step(function="an_concatenation_bytes", sources=("an_movement_wide.c", "an_movement.h"),
                    args=(Params("an_concatenation_params", {"outer": outer, "inputs": len(inputs)}),
                          PointerArray("const void* const", tuple(t.operand for t in inputs)), sizes, y.operand),
                    comment=f"CONCATENATION of {len(inputs)} {y.dtype} along axis {axis} -> {tuple(y.shape)}")
    sizes = ctx.constant("concat_sizes", "int32_t", [t.shape[axis] * inner for t in inputs])
    pointers = PointerArray("const int8_t* const", tuple(t.operand for t in inputs))
    return Step(function="an_concatenation_s8", sources=SOURCES,
                args=(Params("an_concatenation_params", {"outer": outer, "inputs": len(inputs)}), pointers, sizes,
                      y.operand),
                comment=f"CONCATENATION of {len(inputs)} along axis {axis} -> {tuple(y.shape)}")
