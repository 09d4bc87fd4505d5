"""Data movement of known shape: SLICE, REVERSE_V2, DEPTH_TO_SPACE, SPACE_TO_DEPTH, BROADCAST_TO, MIRROR_PAD,
BATCH_TO_SPACE_ND, SPACE_TO_BATCH_ND.

No arithmetic on values, every element type copied as bytes (values, not requantized: TFLM's kernels
copy).  Each index is computed here as TFLM's reference kernels compute it:

- SLICE, REVERSE_V2, DEPTH_TO_SPACE, SPACE_TO_DEPTH and BROADCAST_TO are the strided copy walk of
  STRIDED_SLICE/TRANSPOSE (:func:`codegen.compiled.ops.movement.copy_walk_step`, an_strided_slice_*):
  SLICE a start and counts (size -1: to the end); REVERSE_V2 negative steps on its (contiguous, as TFLM
  requires) axes; DEPTH_TO_SPACE / SPACE_TO_DEPTH the transpose of a 6-D view; BROADCAST_TO steps of 0
  on broadcast dimensions.
- MIRROR_PAD (TFLM's ``GetInputDimension``: REFLECT offset 1, SYMMETRIC 0) and BATCH_TO_SPACE_ND (crops)
  are an offset-table gather (an_offset_gather): the source of every output element is a sum of one
  entry per output dimension.
- SPACE_TO_BATCH_ND (paddings) runs TFLM's loop (an_space_to_batch).  TFLM's pad value is the
  ``output_offset`` of its parameters, which its Prepare never sets (uninitialized arena memory: the
  padding is undefined in TFLM); the kernel pads with TFLite's value, the output's zero point (0.0 for
  float32), and everything else is TFLM's.
Every step also evaluates at generation time (NumPy), so data movement of constants folds.
"""

from __future__ import annotations

import numpy as np

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.ops.common import padded_ints, scale_of, value_of_input, zero_point_of
from codegen.compiled.ops.movement import MAX_DIMS, copy_walk_step, merge_walk, transpose_walk
from codegen.compiled.program import C_TYPE_BYTES, Params, Step

SOURCES = ("an_rearrange.c",)


def constant_integers(t, what: str, dtypes=("int32", "int64")) -> list:
    """The values of a constant integer tensor (begin, size, axis, shape, paddings, block shape, crops)."""
    if t is None or not t.is_constant:
        raise NotLowerable(f"non-constant {what} tensor")
    if t.dtype not in dtypes:
        raise NotLowerable(f"{t.dtype} {what} tensor (TFLM reads {'/'.join(dtypes)})")
    return [int(v) for v in np.asarray(t.data).reshape(-1)]


def _same_values(x, y):
    """TFLM copies values: the output's type (and int8/int16 quantization) must be the input's."""
    if x.dtype != y.dtype:
        raise NotLowerable(f"{x.dtype} input, {y.dtype} output")
    if x.dtype in ("int8", "int16") and x.scale and y.scale and \
            (scale_of(x) != scale_of(y) or zero_point_of(x) != zero_point_of(y)):
        raise NotLowerable("output quantized unlike the input (TFLM copies, never requantizes)")


def _strides(shape) -> list:
    strides, step = [0] * len(shape), 1
    for d in range(len(shape) - 1, -1, -1):
        strides[d] = step
        step *= int(shape[d])
    return strides


def _check_shape(y, expected):
    if tuple(y.shape) != tuple(expected):
        raise NotLowerable(f"output shape {tuple(y.shape)} is not {tuple(expected)}")


# --- SLICE -----------------------------------------------------------------------------

@lowering("SLICE")
def lower_slice(op, ctx):
    x, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    _same_values(x, y)
    rank = len(x.shape)
    if rank > MAX_DIMS:
        raise NotLowerable(f"{rank}-D input (TFLM slices up to {MAX_DIMS}-D)")
    begin = constant_integers(ctx.optional_tensor(op.inputs[1]), "begin")
    size = constant_integers(ctx.optional_tensor(op.inputs[2]), "size")
    if not len(begin) == len(size) == rank:
        raise NotLowerable(f"{len(begin)} begin and {len(size)} size values for a {rank}-D input")
    stops = [int(d) if s == -1 else b + s for b, s, d in zip(begin, size, x.shape)]
    if any(b < 0 or e < b or e > d for b, e, d in zip(begin, stops, x.shape)):
        raise NotLowerable(f"slice {begin} size {size} outside the {tuple(x.shape)} input")
    _check_shape(y, [e - b for b, e in zip(begin, stops)])
    strides = _strides(x.shape)
    start = sum(b * s for b, s in zip(begin, strides))
    counts, steps = merge_walk([e - b for b, e in zip(begin, stops)], strides)
    if y.num_elements == 0:
        counts, steps = [0], [1]
    return copy_walk_step(x, y, start, counts, steps, f"SLICE {tuple(x.shape)} from {tuple(begin)} -> {tuple(y.shape)}")


# --- REVERSE_V2 ------------------------------------------------------------------------

@lowering("REVERSE_V2")
def lower_reverse(op, ctx):
    x, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    _same_values(x, y)
    _check_shape(y, x.shape)
    rank = len(x.shape)
    if rank > 8:
        raise NotLowerable(f"{rank}-D input (TFLM reverses up to 8-D)")
    axes = constant_integers(ctx.optional_tensor(op.inputs[1]), "axis", ("int32",))
    if len(axes) > rank:
        raise NotLowerable(f"{len(axes)} axes of a {rank}-D input")
    axes = sorted(a + rank if a < 0 else a for a in axes)
    if any(not 0 <= a < rank for a in axes):
        raise NotLowerable(f"an axis outside a {rank}-D input")
    if any(b != a + 1 for a, b in zip(axes, axes[1:])):
        raise NotLowerable(f"axes {tuple(axes)} not contiguous (TFLM refuses them)")
    strides = _strides(x.shape)
    start = sum((x.shape[a] - 1) * strides[a] for a in axes)
    counts, steps = merge_walk(list(x.shape), [-s if d in axes else s for d, s in enumerate(strides)])
    return copy_walk_step(x, y, start, counts, steps, f"REVERSE_V2 {tuple(x.shape)} along {tuple(axes)}")


# --- DEPTH_TO_SPACE / SPACE_TO_DEPTH ----------------------------------------------------

def _block_operator(op, ctx):
    """``(input, output, block size, (batches, height, width, depth))`` of DEPTH_TO_SPACE / SPACE_TO_DEPTH: the
    same values in and out, a 4-D input, a positive block size."""
    x, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    _same_values(x, y)
    if len(x.shape) != 4:
        raise NotLowerable(f"{len(x.shape)}-D input (TFLM takes 4-D)")
    block = int(op.options.get("block_size", 0))
    if block < 1:
        raise NotLowerable(f"block size {block}")
    return x, y, block, tuple(int(d) for d in x.shape)


@lowering("DEPTH_TO_SPACE")
def lower_depth_to_space(op, ctx):
    x, y, bs, (batches, height, width, depth) = _block_operator(op, ctx)
    if depth % (bs * bs):
        raise NotLowerable(f"depth {depth} not a multiple of {bs}x{bs}")
    channels = depth // (bs * bs)
    _check_shape(y, (batches, height * bs, width * bs, channels))
    # input [B, H, W, bs, bs, C] -> output [B, H, bs, W, bs, C]
    counts, steps = transpose_walk([batches, height, width, bs, bs, channels], [0, 1, 3, 2, 4, 5])
    return copy_walk_step(x, y, 0, counts, steps, f"DEPTH_TO_SPACE {tuple(x.shape)} by {bs} -> {tuple(y.shape)}")


@lowering("SPACE_TO_DEPTH")
def lower_space_to_depth(op, ctx):
    x, y, bs, (batches, height, width, depth) = _block_operator(op, ctx)
    if height % bs or width % bs:
        raise NotLowerable(f"{height}x{width} not a multiple of the block size {bs}")
    _check_shape(y, (batches, height // bs, width // bs, depth * bs * bs))
    # input [B, H/bs, bs, W/bs, bs, C] -> output [B, H/bs, W/bs, bs, bs, C]
    counts, steps = transpose_walk([batches, height // bs, bs, width // bs, bs, depth], [0, 1, 3, 2, 4, 5])
    return copy_walk_step(x, y, 0, counts, steps, f"SPACE_TO_DEPTH {tuple(x.shape)} by {bs} -> {tuple(y.shape)}")


# --- BROADCAST_TO ----------------------------------------------------------------------

@lowering("BROADCAST_TO")
def lower_broadcast_to(op, ctx):
    x, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    _same_values(x, y)
    shape = constant_integers(ctx.optional_tensor(op.inputs[1]), "shape")
    rank = len(shape)
    if rank > MAX_DIMS:
        raise NotLowerable(f"{rank}-D output (TFLM broadcasts up to {MAX_DIMS}-D)")
    if len(x.shape) > rank:
        raise NotLowerable(f"a {len(x.shape)}-D input to a {rank}-D shape")
    _check_shape(y, shape)
    padded = [1] * (rank - len(x.shape)) + [int(d) for d in x.shape]
    if any(d != s and d != 1 for d, s in zip(padded, shape)):
        raise NotLowerable(f"{tuple(x.shape)} does not broadcast to {tuple(shape)}")
    strides = _strides(padded)
    counts, steps = merge_walk(list(shape), [0 if d == 1 else s for d, s in zip(padded, strides)])
    if y.num_elements == 0:
        counts, steps = [0], [1]
    return copy_walk_step(x, y, 0, counts, steps, f"BROADCAST_TO {tuple(x.shape)} -> {tuple(shape)}")


# --- offset-table gathers: MIRROR_PAD, BATCH_TO_SPACE_ND ---------------------------------

def offset_gather_step(ctx, x, y, tables, run_elements, comment):
    """The step copying, for every output index (i_0, ..., i_n-1) in order, ``run_elements`` elements from
    input element ``sum_d tables[d][i_d]``: an_offset_gather (offsets in bytes), evaluated in NumPy too."""
    element = C_TYPE_BYTES[x.c_type]
    base = sum(int(t[0]) for t in tables if len(t) == 1)  # dimensions of 1: their offset is constant
    kept = [list(t) for t in tables if len(t) != 1] or [[0]]
    if len(kept) > MAX_DIMS:
        raise NotLowerable(f"a {len(kept)}-D gather (kernel walks {MAX_DIMS}-D)")
    total = int(np.prod([len(t) for t in kept])) * run_elements
    if total != y.num_elements:
        raise NotLowerable(f"the copy has {total} elements, the output {y.num_elements}")

    def evaluate(value_of):
        data = np.asarray(value_of_input(x, value_of)).reshape(-1)
        index = np.array([base], np.int64)
        for t in kept:
            index = (index[:, None] + np.asarray(t, np.int64)[None, :]).reshape(-1)
        index = (index[:, None] + np.arange(run_elements, dtype=np.int64)[None, :]).reshape(-1)
        return [data[index].reshape(y.shape)]

    if x.is_constant:
        return Step(function="", evaluate=evaluate, comment=comment + " (at generation time)")
    flat = [v * element for t in kept for v in t]
    first = list(np.cumsum([0] + [len(t) for t in kept[:-1]]))
    offsets = ctx.constant("gather_offsets", "int32_t", flat)
    params = Params("an_offset_gather_params", {"ndim": len(kept), "counts": padded_ints([len(t) for t in kept],
                                                                                          MAX_DIMS),
                                                "first": padded_ints(first, MAX_DIMS), "base": base * element,
                                                "run_bytes": run_elements * element})
    return Step(function="an_offset_gather", sources=SOURCES, args=(params, offsets, x.operand, y.operand),
                comment=comment, evaluate=evaluate)


def mirror_index(padded: int, left: int, size: int, offset: int) -> int:
    """TFLM's ``GetInputDimension``: the input index of output index ``padded`` of one dimension."""
    if padded < left:
        original = left + offset - 1
        return original - min(padded, original - offset)
    padded -= left
    if padded >= size:
        padded -= size
        original = size - (1 + offset)
        return original - min(padded, original)
    return padded


@lowering("MIRROR_PAD")
def lower_mirror_pad(op, ctx):
    x, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    _same_values(x, y)
    rank = len(x.shape)
    flat = constant_integers(ctx.optional_tensor(op.inputs[1]), "paddings")
    if len(flat) != 2 * rank:
        raise NotLowerable(f"{len(flat)} padding values for a {rank}-D input")
    mode = op.options.get("mode", "REFLECT")
    if mode not in ("REFLECT", "SYMMETRIC"):
        raise NotLowerable(f"mode {mode}")
    offset = 1 if mode == "REFLECT" else 0
    pads = [(flat[2 * d], flat[2 * d + 1]) for d in range(rank)]
    for (lo, hi), size in zip(pads, x.shape):
        if lo < 0 or hi < 0 or any(not 0 <= mirror_index(i, lo, int(size), offset) < size
                                   for i in range(int(size) + lo + hi)):
            raise NotLowerable(f"padding {lo}, {hi} of a dimension of {size} in {mode} mode "
                               "(TFLM would read outside the input)")
    out_shape = [int(d) + lo + hi for d, (lo, hi) in zip(x.shape, pads)]
    _check_shape(y, out_shape)
    strides = _strides(x.shape)
    # the innermost unpadded dimensions are one run of contiguous elements
    inner = rank
    while inner > 0 and pads[inner - 1] == (0, 0):
        inner -= 1
    run = int(np.prod(x.shape[inner:])) if inner < rank else 1
    tables = [[mirror_index(i, lo, int(size), offset) * stride for i in range(out)]
              for (lo, _), size, stride, out in zip(pads[:inner], x.shape[:inner], strides[:inner], out_shape[:inner])]
    return offset_gather_step(ctx, x, y, tables, run, f"MIRROR_PAD {mode} {tuple(x.shape)} -> {tuple(out_shape)}")


def _spatial(op, ctx, x, what):
    """(block height, block width, [top, bottom, left, right]) of BATCH_TO_SPACE_ND / SPACE_TO_BATCH_ND
    (3-D NHC tensors have width 1, block width 1, as TFLM extends them)."""
    rank = len(x.shape)
    if rank not in (3, 4):
        raise NotLowerable(f"{rank}-D input (TFLM takes 3-D and 4-D)")
    block = constant_integers(ctx.optional_tensor(op.inputs[1]), "block shape", ("int32",))
    edges = constant_integers(ctx.optional_tensor(op.inputs[2]), what, ("int32",))
    spatial = rank - 2
    if len(block) != spatial or len(edges) != 2 * spatial:
        raise NotLowerable(f"{len(block)} block sizes and {len(edges)} {what} for {spatial} spatial dimensions")
    if any(b < 1 for b in block) or any(e < 0 for e in edges):
        raise NotLowerable(f"block shape {tuple(block)}, {what} {tuple(edges)}")
    if spatial == 1:
        return block[0], 1, edges + [0, 0]
    return block[0], block[1], edges


def _nhwc(shape):
    """A 3-D NHC shape as NHWC with width 1 (TFLM's ExtendShapeSpaceToBatch / ExtendShapeBatchToSpace)."""
    return (shape[0], shape[1], 1, shape[2]) if len(shape) == 3 else tuple(shape)


def _spatial_operator(op, ctx, what: str):
    """``(input, output, bh, bw, (top, bottom, left, right), (batches, height, width, depth))`` of
    BATCH_TO_SPACE_ND / SPACE_TO_BATCH_ND (``what``: "crops" or "paddings"), the input as NHWC."""
    x, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    _same_values(x, y)
    bh, bw, edges = _spatial(op, ctx, x, what)
    return x, y, bh, bw, edges, tuple(int(d) for d in _nhwc(x.shape))


@lowering("BATCH_TO_SPACE_ND")
def lower_batch_to_space(op, ctx):
    x, y, bh, bw, (top, bottom, left, right), (batches, height, width, depth) = _spatial_operator(op, ctx, "crops")
    if batches % (bh * bw):
        raise NotLowerable(f"{batches} batches not a multiple of the block {bh}x{bw}")
    out_batches = batches // (bh * bw)
    out_h, out_w = height * bh - top - bottom, width * bw - left - right
    if out_h < 0 or out_w < 0:
        raise NotLowerable("crops larger than the output")
    expected = (out_batches, out_h, out_w, depth) if len(x.shape) == 4 else (out_batches, out_h, depth)
    _check_shape(y, expected)
    # output (b, h, w) reads input batch ((h + top) % bh * bw + (w + left) % bw) * out_batches + b at
    # ((h + top) // bh, (w + left) // bw): one table entry per output batch, row and column
    pixel = height * width * depth
    rows = [((h + top) % bh * bw * out_batches * pixel) + (h + top) // bh * width * depth for h in range(out_h)]
    cols = [((w + left) % bw * out_batches * pixel) + (w + left) // bw * depth for w in range(out_w)]
    return offset_gather_step(ctx, x, y, [[b * pixel for b in range(out_batches)], rows, cols], depth,
                              f"BATCH_TO_SPACE_ND {tuple(x.shape)} by {bh}x{bw} -> {tuple(y.shape)}")


@lowering("SPACE_TO_BATCH_ND")
def lower_space_to_batch(op, ctx):
    x, y, bh, bw, (top, bottom, left, right), (batches, height, width, depth) = _spatial_operator(op, ctx,
                                                                                                  "paddings")
    padded_h, padded_w = height + top + bottom, width + left + right
    if padded_h % bh or padded_w % bw:
        raise NotLowerable(f"padded {padded_h}x{padded_w} not a multiple of the block {bh}x{bw}")
    out_b, out_h, out_w = batches * bh * bw, padded_h // bh, padded_w // bw
    expected = (out_b, out_h, out_w, depth) if len(x.shape) == 4 else (out_b, out_h, depth)
    _check_shape(y, expected)
    pad_value = zero_point_of(y) if y.dtype == "int8" else 0

    def evaluate(value_of):
        data = np.asarray(value_of_input(x, value_of)).reshape(batches, height, width, depth)
        padded = np.full((batches, padded_h, padded_w, depth), pad_value, data.dtype)
        padded[:, top:top + height, left:left + width] = data
        # output batch (dy * bw + dx) * batches + b, pixel (h, w) = padded[b, h * bh + dy, w * bw + dx]
        view = padded.reshape(batches, out_h, bh, out_w, bw, depth).transpose(2, 4, 0, 1, 3, 5)
        return [view.reshape(y.shape)]

    comment = f"SPACE_TO_BATCH_ND {tuple(x.shape)} by {bh}x{bw} -> {tuple(y.shape)}"
    if x.is_constant:
        return Step(function="", evaluate=evaluate, comment=comment + " (at generation time)")
    params = Params("an_space_to_batch_params", {
        "output_batches": out_b, "output_height": out_h, "output_width": out_w, "input_batches": batches,
        "input_height": height, "input_width": width, "block_height": bh, "block_width": bw, "pad_top": top,
        "pad_left": left, "depth_bytes": depth * C_TYPE_BYTES[x.c_type],
        "pad_byte": pad_value & 0xFF})
    return Step(function="an_space_to_batch", sources=SOURCES, args=(params, x.operand, y.operand),
                comment=comment, evaluate=evaluate)
