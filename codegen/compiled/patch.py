"""Patch-based execution (issue 18) as a transformation of the compiled :class:`Program`.

The first ``split`` steps of the program (the *patch stage*) are replaced by one copy per band of
output rows of the stage's last tensor (the *split tensor*): each copy computes only the rows its
band needs, from the receptive field of that band through every step of the stage
(:mod:`codegen.compiled.receptive_field`), into buffers the program makes for the band
(``Tensor(index=None)``).  The first step of a band reads its rows of the model input in place
(a :class:`TensorSlice`), the last writes its rows of the split tensor in place; the rest of the
program runs layer by layer, unchanged.  Overlapping receptive fields are recomputed (the extra
MACs).  The bands are horizontal (a grid of ``bands x 1`` patches): a band is a run of whole rows,
so every band buffer, slice and kernel call stays dense NHWC and the kernels need nothing but
their own parameters with the band's geometry (``in_h``/``out_h``/the local ``pad_h``: TFLM's
padding at the image's top and bottom rows, none between bands).

Only the operands change: each rule below re-states a step for a band of its output (the
parameter fields, element counts and row tables of its kind of call); a step of any other kind
ends the stage (:func:`stage_problem` says why).  The planner then places the band buffers like
any other (a band's buffers die before the next band starts), which gives the exact arena.

Schedules (:func:`choose_schedule`): ``fast`` is the layer-by-layer program; ``small`` the
least arena among the candidate (split, bands) whose extra MACs stay within a budget; ``auto``
the layer-by-layer program if it fits the RAM, else the candidate with the fewest extra MACs
that fits (the smallest when none does).
"""

from __future__ import annotations

import copy
import weakref
from dataclasses import dataclass, field

import numpy as np

from codegen.compiled.receptive_field import (broadcast_input_range, hull, split_evenly, table_input_range,
                                              window_input_range)
from codegen.compiled.plan import overlay_clashes, overlay_layout, plan_memory, tensor_lifetimes
from codegen.compiled.program import Constant, Params, PointerArray, Program, Scratch, Step, Tensor, TensorSlice
from codegen.compiled.ops.binary import broadcast_shape  # the same walk the lowering made
from codegen.compiled.ops.conv import depthwise_step_scratch_bytes

SCHEDULES = ("fast", "small", "auto")
DEFAULT_MAX_RECOMPUTE = 0.20  # extra MACs / the model's MACs allowed to the small schedule
MAX_BANDS = 24


class NotPatchable(ValueError):
    """This step (or stage) cannot run band by band; the message says why."""


# --- geometry helpers -------------------------------------------------------------------------------

def _row_elements(t: Tensor) -> int:
    """Elements of one row (W * C) of an NHWC tensor."""
    return int(t.shape[2]) * int(t.shape[3])


def _is_image(t) -> bool:
    return isinstance(t, Tensor) and len(t.shape) == 4 and t.shape[0] == 1 and all(d > 0 for d in t.shape)


def _tile_shape(t: Tensor, region) -> tuple:
    (r0, r1), (c0, c1) = region
    return (1, r1 - r0, c1 - c0, int(t.shape[3]))


def _whole(t: Tensor) -> tuple:
    """The region of all of ``t``: ``((0, H), (0, W))``."""
    return (0, int(t.shape[1])), (0, int(t.shape[2]))


def _hull2(a, b):
    """The smallest region holding regions ``a`` and ``b`` (either may be None)."""
    if a is None:
        return b
    if b is None:
        return a
    return hull(a[0], b[0]), hull(a[1], b[1])


# --- per-kind rules: the input region a tile reads, and the step re-stated for the tile ----------------

# A windowed call (any variant of the convolutions and pools) is told by its parameter struct: the geometry
# a tile changes (in_h/in_w, out_h/out_w, pad_h/pad_w) and the window (strides, kernel sizes, dilations).
WINDOW_FIELDS = ("in_h", "out_h", "pad_h", "stride_h", "in_w", "out_w", "pad_w", "stride_w")
KERNEL_FIELDS = (("k_h", "filter_h"), ("k_w", "filter_w"))  # per axis: rows, columns
AXIS_SUFFIX = ("h", "w")
ELEMENTWISE_BINARY = ("an_add_s8", "an_sub_s8", "an_mul_s8", "an_add_affine_s8")
COPY_FUNCTION = "an_copy_rows_s8"
DEPTHWISE_FUNCTION = "an_depthwise_conv2d_s8"
COPY_SOURCES = ("an_patch.c",)


def _is_windowed(step) -> bool:
    if not step.args or not isinstance(step.args[0], Params):
        return False
    fields = step.args[0].fields
    return (all(f in fields for f in WINDOW_FIELDS)
            and all(any(f in fields for f in names) for names in KERNEL_FIELDS))


def _window(step, region, axis: int):
    """What a windowed step's output ``region`` reads along ``axis`` (0 rows, 1 columns)."""
    p = step.args[0].fields
    s = AXIS_SUFFIX[axis]
    kernel = next(int(p[f]) for f in KERNEL_FIELDS[axis] if f in p)
    x, y = step.inputs[0], step.outputs[0]
    lo, hi = region[axis]
    return window_input_range(lo, hi, kernel=kernel, stride=int(p[f"stride_{s}"]),
                              dilation=int(p.get(f"dilation_{s}", 1)), pad=int(p[f"pad_{s}"]),
                              in_size=int(x.shape[1 + axis]), out_size=int(y.shape[1 + axis]))


def _resize_sources(step, axis: int) -> list:
    """Input row (axis 0) or column (axis 1) of each output row / column of an ``an_resize_nearest_s8`` call
    (from its tables)."""
    _params, _x, _y, rows, cols = step.args
    x = step.inputs[0]
    if axis == 0:
        return [int(v) // _row_elements(x) for v in rows.values]
    return [int(v) // int(x.shape[3]) for v in cols.values]


def input_regions(step: Step, region) -> dict:
    """``{input Tensor: ((row lo, row hi), (col lo, col hi))}``: what output ``region`` of ``step`` reads of
    each arena input (NotPatchable for a step no rule covers)."""
    problem = step_problem(step)
    if problem:
        raise NotPatchable(problem)
    known = _INPUT_REGIONS.setdefault(step, {})
    if region not in known:
        known[region] = _input_regions(step, region)
    return known[region]


_INPUT_REGIONS = weakref.WeakKeyDictionary()  # Step -> {output region: input regions} (the search asks often)


def _input_regions(step: Step, region) -> dict:
    y = step.outputs[0]
    if _is_windowed(step):
        rows, cols = _window(step, region, 0), _window(step, region, 1)
        return {step.inputs[0]: ((rows.lo, rows.hi), (cols.lo, cols.hi))}
    if step.function == "an_resize_nearest_s8":
        return {step.inputs[0]: tuple(table_input_range(*region[a], _resize_sources(step, a)) for a in (0, 1))}
    need = {}
    if step.function == "an_concatenation_s8":  # along C: the same region; along W: whole rows (column_problem)
        return {x: (region[0], region[1] if int(x.shape[2]) == int(y.shape[2]) else _whole(x)[1])
                for x in step.inputs}
    for x in step.inputs:  # element-wise: the same region (or a broadcast one)
        need[x] = _hull2(need.get(x), tuple(broadcast_input_range(*region[a], int(x.shape[1 + a]),
                                                                  int(y.shape[1 + a])) for a in (0, 1)))
    return need


def input_rows(step: Step, lo: int, hi: int) -> dict:
    """``{input Tensor: (lo, hi)}``: the rows of each arena input that whole-width output rows ``[lo, hi)``
    of ``step`` read."""
    return {x: r[0] for x, r in input_regions(step, ((lo, hi), _whole(step.outputs[0])[1])).items()}


_STEP_PROBLEMS = weakref.WeakKeyDictionary()  # Step -> its problem ("" none): steps are not changed once made


def step_problem(step: Step) -> str | None:
    """Why ``step`` cannot run tile by tile (None: it can; :func:`column_problem` says whether its columns
    can be split too)."""
    known = _STEP_PROBLEMS.get(step)
    if known is None:
        known = _STEP_PROBLEMS[step] = _step_problem(step) or ""
    return known or None


def _step_problem(step: Step) -> str | None:
    what = step.name or step.function or "view"
    if step.is_view:
        return f"{what} is a view"
    if len(step.outputs) != 1 or not _is_image(step.outputs[0]) or not step.inputs:
        return f"{what} does not write one 4-D batch-1 tensor"
    if not all(_is_image(x) for x in step.inputs):
        return f"{what} reads a tensor that is not 4-D batch 1"
    if any(x.c_type != "int8_t" for x in (*step.inputs, *step.outputs)):
        return f"{what} reads or writes a tensor that is not int8"
    if _is_windowed(step):
        p = step.args[0].fields
        if int(p.get("batches", 1)) != 1 or len(step.inputs) != 1:
            return f"{what}: batches or inputs other than one"
        x, y = step.inputs[0], step.outputs[0]
        if ((int(p["in_h"]), int(p["out_h"]), int(p["in_w"]), int(p["out_w"]))
                != (int(x.shape[1]), int(y.shape[1]), int(x.shape[2]), int(y.shape[2]))):
            return f"{what}: its rows or columns are not its tensors'"
        return None
    if step.function == "an_resize_nearest_s8":
        return None
    if step.function == "an_lut_s8":
        return None
    if step.function in ELEMENTWISE_BINARY:
        if any(isinstance(a, Constant) for a in step.args[1:3]):
            return f"{what} has a constant operand"
        return None
    if step.function == "an_concatenation_s8":
        y = step.outputs[0]
        if any(int(x.shape[1]) != int(y.shape[1]) for x in step.inputs):
            return f"{what} concatenates along the rows"
        return None
    return f"{what} ({step.function}) has no band rule"


def column_problem(step: Step) -> str | None:
    """Why ``step`` (one :func:`step_problem` accepts) cannot run on a part of its columns (None: it can)."""
    if step.function == "an_concatenation_s8":
        y = step.outputs[0]
        if any(int(x.shape[2]) != int(y.shape[2]) for x in step.inputs):
            return f"{step.name or step.function} concatenates along the columns"
    return None


class _Holders:
    """Where each stage tensor's data lives during one tile: a holder Tensor and the region of the stage
    tensor it holds (a whole tensor holds its whole region)."""

    def __init__(self):
        self.holder = {}  # Tensor -> (holder Tensor, region it holds)

    def fits(self, t: Tensor, region) -> bool:
        """Whether ``region`` of ``t`` is dense in its holder (the holder's columns are the region's)."""
        return self.holder[t][1][1] == region[1]

    def operand(self, t: Tensor, region):
        holder, held = self.holder[t]
        (r0, _), (c0, c1) = held
        offset = (region[0][0] - r0) * (c1 - c0) * int(t.shape[3]) + (region[1][0] - c0) * int(t.shape[3])
        return holder if offset == 0 and holder is not t else TensorSlice(holder, offset)


def _params_with(params: Params, **changes) -> Params:
    fields = dict(params.fields)
    fields.update(changes)
    return Params(params.c_type, fields)


def copy_rows_step(source, destination, rows: int, row_elements: int, source_stride: int,
                   destination_stride: int, inputs: tuple, outputs: tuple, of: Step, comment: str) -> Step:
    """An ``an_copy_rows_s8`` call: ``rows`` runs of ``row_elements`` int8 elements, the source's and the
    destination's runs ``source_stride`` / ``destination_stride`` elements apart (a tile's columns gathered
    from, or scattered into, a wider tensor); counted as a part of operator ``of``."""
    params = Params("an_copy_rows_params", {"rows": rows, "row_elements": row_elements,
                                            "input_stride": source_stride, "output_stride": destination_stride})
    return Step(COPY_FUNCTION, args=(params, source, destination), sources=COPY_SOURCES, inputs=inputs,
                outputs=outputs, comment=comment, macs=0, op_index=of.op_index, name=of.name)


def _gather(step: Step, x: Tensor, region, holders: _Holders, k: int) -> tuple:
    """A copy of ``region`` of ``x`` out of a holder with more columns: ``(copy step, dense Tensor)``."""
    holder, held = holders.holder[x]
    (r0, r1), (c0, c1) = region
    channels = int(x.shape[3])
    width = held[1][1] - held[1][0]
    start = (r0 - held[0][0]) * width * channels + (c0 - held[1][0]) * channels
    dense = Tensor(None, f"{x.name} tile {k} columns {c0}..{c1 - 1}", x.dtype, _tile_shape(x, region))
    source = holder if start == 0 and holder is not x else TensorSlice(holder, start)
    return copy_rows_step(source, dense, r1 - r0, (c1 - c0) * channels, width * channels, (c1 - c0) * channels,
                          (holder,), (dense,), step,
                          f"{step.name}: columns {c0}..{c1 - 1} of rows {r0}..{r1 - 1} [tile {k}]"), dense


def _tile_step(step: Step, region, holders: _Holders, k: int) -> Step:
    """``step`` re-stated to compute its output ``region`` from the tile's operands (each input dense in its
    holder: the caller gathers the others)."""
    y = step.outputs[0]
    (lo, hi), (c_lo, c_hi) = region
    rows, cols = hi - lo, c_hi - c_lo
    reads = input_regions(step, region)  # this step's own region of each input (its holder may hold more rows)
    args = []
    for a in step.args:
        if isinstance(a, Tensor) and a in holders.holder:
            a = holders.operand(a, reads[a] if a is not y else region)
        elif isinstance(a, TensorSlice):
            raise NotPatchable(f"{step.name}: already works on a slice")
        elif isinstance(a, PointerArray):
            a = PointerArray(a.c_type, tuple(holders.operand(i, reads[i]) if isinstance(i, Tensor) else i
                                             for i in a.items))
        elif isinstance(a, Scratch):
            a = Scratch(a.size_bytes)
        args.append(a)
    if _is_windowed(step):
        w_rows, w_cols = _window(step, region, 0), _window(step, region, 1)
        args[0] = _params_with(args[0], in_h=w_rows.size, out_h=rows, pad_h=w_rows.local_pad,
                               in_w=w_cols.size, out_w=cols, pad_w=w_cols.local_pad)
        if step.function == DEPTHWISE_FUNCTION:  # its scratch follows the tile's row width
            args = [Scratch(depthwise_step_scratch_bytes(args[0].fields)) if isinstance(a, Scratch) else a
                    for a in args]
    elif step.function == "an_resize_nearest_s8":
        x = step.inputs[0]
        (x_lo, x_hi), (xc_lo, xc_hi) = reads[x]
        depth = int(x.shape[3])
        row_sources = _resize_sources(step, 0)[lo:hi]
        col_sources = _resize_sources(step, 1)[c_lo:c_hi]
        args[0] = _params_with(args[0], output_height=rows, output_width=cols,
                               batch_stride=(x_hi - x_lo) * (xc_hi - xc_lo) * depth)
        args[3] = Constant(f"{args[3].hint}_band", "int32_t",
                           [(s - x_lo) * (xc_hi - xc_lo) * depth for s in row_sources])
        if (c_lo, c_hi) != _whole(y)[1]:
            args[4] = Constant(f"{args[4].hint}_tile", "int32_t", [(s - xc_lo) * depth for s in col_sources])
    elif step.function == "an_lut_s8":
        args[2] = rows * cols * int(y.shape[3])
    elif step.function in ELEMENTWISE_BINARY:
        shapes = [_tile_shape(x, reads[x]) for x in (step.args[1], step.args[2])]

        class _Shape:  # what broadcast_shape reads of a TensorRef
            def __init__(self, shape):
                self.shape = shape

        args[0] = _params_with(args[0], shape=broadcast_shape(_Shape(shapes[0]), _Shape(shapes[1]),
                                                              _Shape(_tile_shape(y, region))))
    elif step.function == "an_concatenation_s8":
        axis_outer = args[0].fields["outer"] // int(y.shape[1])  # outer = H * (W, when along C) per batch
        if axis_outer == int(y.shape[2]):  # along C: one block per pixel of the tile
            args[0] = _params_with(args[0], outer=rows * cols)
        else:  # along W: whole rows only (column_problem)
            args[0] = _params_with(args[0], outer=rows * axis_outer)
    where = f"rows {lo}..{hi - 1}" + ("" if (c_lo, c_hi) == _whole(y)[1] else f", columns {c_lo}..{c_hi - 1}")
    return Step(step.function, args=tuple(args), sources=step.sources,
                comment=f"{step.comment} [tile {k}: {where}]",
                macs=step.macs * rows * cols // (int(y.shape[1]) * int(y.shape[2])), op_index=step.op_index,
                name=step.name)


def _in_place_alias(step: Step, region, holders: _Holders):
    """The tile step's output may share its input's buffer only when that input's holder (its tile buffer, or
    the copy gathered for this step) holds exactly the output's region (same size, same place): an
    element-wise call then overwrites each element after reading it.  Anything else (the input holds more rows
    or columns, the whole tensor, or is read through a slice) is refused; the planner still shares only when
    nothing reads the input afterwards."""
    src = step.output_aliases
    if src is None or src not in holders.holder:
        return None
    holder, held = holders.holder[src]
    if holder is src or held != region or input_regions(step, region)[src] != region:
        return None
    out_holder, out_held = holders.holder[step.outputs[0]]
    if out_holder is step.outputs[0] or out_held != region or out_holder.size_bytes != holder.size_bytes:
        return None  # writing into a whole tensor (the split tensor, read later) is never in place
    return holder


@dataclass
class PatchPlan:
    """What a patch stage does: the steps it covers, its split tensor and its tiles (regions of that tensor,
    row-major: the bands of rows, each cut into the same columns)."""

    split: int  # the stage is program.steps[start:split]
    split_tensor: Tensor
    bands: list  # [(lo, hi)] rows of the split tensor
    stage_macs: int = 0
    band_macs: int = 0
    input_rows: list = field(default_factory=list)  # per tile: the rows of each stage input it reads
    overlay: bool = False  # the split tensor lives over the input rows the tiles consumed
    start: int = 0
    stage_inputs: tuple = ()  # the Tensors the stage reads from before it (whole, through slices)
    columns: list = field(default_factory=list)  # [(lo, hi)] columns of the split tensor (one: whole rows)
    # every tile computes its part of the split tensor into a buffer of its own and copies it out after its last
    # step (whole rows too): the tile's reads of the stage input all come before its one write
    buffered: bool = False
    nested: bool = True  # the split tensor may be overlaid on a stage input already in an overlay

    @property
    def extra_macs(self) -> int:
        return self.band_macs - self.stage_macs

    first_operator: int = -1  # the TFLite operator of the stage's first step
    band_steps: list = field(default_factory=list)  # the steps the stage became, in order

    @property
    def in_place(self) -> bool:
        """One step whose output lives over its own input (the buffered rows written back over input rows no
        later band reads): in-place execution, no recomputed overlap."""
        return self.buffered and self.overlay and self.split - self.start == 1

    saved_bytes: int = 0  # the split tensor's bytes + the input's - the buffer spanning both (0: no overlay)
    tile_buffer_bytes: int = 0  # the largest tile buffer of the split tensor (buffered tiles; 0: none)
    tiles_in_place: int = 0  # tile steps written over their input's tile buffer (patch_program's in_place)
    stage_steps: list = field(default_factory=list)  # the steps the stage replaced (to make it again)

    @property
    def grid(self) -> tuple:
        return (len(self.bands), max(1, len(self.columns)))

    @property
    def tiles(self) -> list:
        """The regions of the split tensor, in the order they run."""
        columns = self.columns or [_whole(self.split_tensor)[1]]
        return [(rows, cols) for rows in self.bands for cols in columns]


def _stage_tensors(program: Program, start: int, split: int):
    """``(stage inputs, crossing tensors)`` of ``program.steps[start:split]``."""
    stage = program.steps[start:split]
    written = {t for s in stage for t in s.outputs}
    inputs = list(dict.fromkeys(t for s in stage for t in s.inputs if t not in written))
    later = {t for s in program.steps[split:] for t in s.inputs} | set(program.outputs)
    crossing = list(dict.fromkeys(t for s in stage for t in s.outputs if t in later))
    return inputs, crossing


def stage_problem(program: Program, split: int, start: int = 0, columns: int = 1) -> str | None:
    """Why ``program.steps[start:split]`` cannot be a patch stage (None: it can), in ``columns`` columns."""
    if not 0 <= start < split <= len(program.steps):
        return f"stage {start}..{split} outside the program's {len(program.steps)} steps"
    stage = program.steps[start:split]
    for step in stage:
        problem = step_problem(step) or (column_problem(step) if columns > 1 else None)
        if problem:
            return problem
    inputs, crossing = _stage_tensors(program, start, split)
    if len(crossing) != 1:
        return f"{len(crossing)} tensors leave the stage (one only)"
    if len([s for s in stage if crossing[0] in s.outputs]) != 1:
        return "the split tensor is written by several steps"
    return None


IN_TILE_ROWS = 8  # bands of rows of a step in place inside a tile, at most


def _in_tile_in_place(step: Step, stage: list, need: dict, local: _Holders, done: list, k: int, overlays: list):
    """``step`` of tile ``k`` writing over its input's tile buffer: ``(steps, (output buffer, input buffer, byte
    offset))``, or None where it may not or saves nothing.  As a one-step in-place stage, inside the tile: the
    output's rows in bands, each computed into a buffer of its rows and copied into the output's tile buffer,
    which lives inside the input's at the largest offset where band j lands below every input row a later band
    reads.  Only a windowed step with one input whose holder is a tile buffer of this tile that no later step of
    the stage reads (a gathered copy too), dense as it is and not shared with another tensor (no in-place step
    wrote it or over it, and it is in no overlay yet: the planner places an overlay per pair of buffers, not
    chains)."""
    if not _is_windowed(step) or len(set(step.inputs)) != 1:
        return None
    x, y = step.inputs[0], step.outputs[0]
    xh, held = local.holder[x]
    if xh is x or not local.fits(x, input_regions(step, need[y])[x]) or xh.index is not None:
        return None
    position = next(i for i, s in enumerate(stage) if s is step)
    if any(x in s.inputs for s in stage[position + 1:]):
        return None
    if any(s.output_aliases is xh or (xh in s.outputs and s.output_aliases is not None) for s in done):
        return None
    if any(xh in o[:2] for o in overlays):
        return None
    yh, region = local.holder[y]
    (r0, r1), cols = region
    sub_bands = [(r0 + a, r0 + b) for a, b in split_evenly(r1 - r0, min(r1 - r0, IN_TILE_ROWS))]
    if len(sub_bands) < 2:
        return None
    in_row = xh.size_bytes // int(xh.shape[1])
    out_row = yh.size_bytes // int(yh.shape[1])
    firsts = [_window(step, (rows, cols), 0).lo - held[0][0] for rows in sub_bands]
    bound = min(xh.size_bytes - yh.size_bytes,
                *(min(firsts[j + 1:]) * in_row - (hi - r0) * out_row for j, (_, hi) in enumerate(sub_bands[:-1])))
    offset = bound - bound % OVERLAY_ALIGNMENT_BYTES
    largest = max(hi - lo for lo, hi in sub_bands) * out_row
    if _overlay_extent(xh, yh, offset) + largest >= xh.size_bytes + yh.size_bytes:
        return None
    steps = []
    for j, (lo, hi) in enumerate(sub_bands):
        sub = ((lo, hi), cols)
        rows_buffer = Tensor(None, f"{y.name} tile {k} rows {lo}..{hi - 1}", y.dtype, _tile_shape(y, sub))
        sub_local = _Holders()
        sub_local.holder = dict(local.holder)
        sub_local.holder[y] = (rows_buffer, sub)
        call = _tile_step(step, sub, sub_local, k)
        call.inputs, call.outputs = (xh,), (rows_buffer,)
        steps.append(call)
        at = (lo - r0) * out_row
        steps.append(copy_rows_step(rows_buffer, TensorSlice(yh, at) if at else yh, 1, (hi - lo) * out_row,
                                    (hi - lo) * out_row, (hi - lo) * out_row, (rows_buffer,), (yh,), step,
                                    f"{step.name}: tile {k} rows {lo}..{hi - 1} over its input (in place)"))
    return steps, (yh, xh, offset)


def patch_program(program: Program, split: int, bands: int, overlay: bool = True,
                  start: int = 0, columns: int = 1, buffered: bool = False,
                  in_place: bool = False, nested: bool = True) -> tuple[Program, PatchPlan]:
    """A new Program: ``program.steps[start:split]`` (the *stage*) run tile by tile over a grid of ``bands`` x
    ``columns`` regions of the split tensor (the one tensor the stage writes that is read after it), the rest as
    before (the given program is left unchanged; unchanged steps and Tensors are shared).

    Each step of a tile computes the region of its output that the tile's later steps read (the receptive
    field), into a buffer holding exactly that region; the tensors the stage reads from before it stay whole.
    A step reads its region of an input in place when the region is dense there (whole rows of a whole tensor,
    or all the columns of a tile buffer, any of its rows); otherwise an ``an_copy_rows_s8`` step gathers it
    into a dense buffer first.  A tile of part of the split tensor's columns is computed into a tile buffer and
    scattered into the split tensor by a copy; whole rows are written in place.  So every kernel runs on dense
    NHWC operands with its own parameters (no kernel takes a row stride).

    ``overlay``: the split tensor inside the stage input's buffer where :func:`split_tensor_overlay` allows
    (one buffer spanning both, live until the split tensor's last use: smaller when the stage's peak is the
    input beside the split tensor, larger when the split tensor lives long after the stage).

    ``buffered``: every tile computes its part of the split tensor into a tile buffer and copies it out after
    its last step, whole rows too (columns > 1 always do).  Then a tile reads all it reads of the stage input
    before it writes the split tensor, so the split tensor may live over the input even when the stage's last
    step reads it: a one-step stage so made is *in-place execution* (a depthwise convolution writing over its
    own input, its output rows buffered until no later band reads the input rows they land on; any windowed or
    element-wise step, any channel multiplier: the overlay's offset follows the row sizes).

    ``in_place``: inside each tile, a windowed step whose input's tile buffer nothing after it reads writes over
    that buffer the same way (:func:`_in_tile_in_place`).

    ``nested``: the split tensor may also live over a stage input that is itself in an overlay (the split tensor
    of an earlier stage over its input): the places compose, and the overlay is dropped where the split tensor
    would cover bytes another tensor of that group holds while both are live (:func:`overlay_clashes`)."""
    problem = stage_problem(program, split, start, columns)
    if problem:
        raise NotPatchable(problem)
    stage = program.steps[start:split]
    inputs, (final,) = _stage_tensors(program, start, split)
    plan = PatchPlan(split, final, split_evenly(int(final.shape[1]), bands),
                     stage_macs=sum(int(s.macs) for s in stage), start=start, stage_inputs=tuple(inputs),
                     first_operator=stage[0].op_index,
                     columns=split_evenly(int(final.shape[2]), columns) if columns > 1 else [],
                     buffered=bool(buffered or columns > 1), stage_steps=list(stage), nested=nested)
    new_steps, computed, tile_overlays = [], {}, []
    for k, region in enumerate(plan.tiles):
        need = {final: region}
        for step in reversed(stage):
            y = step.outputs[0]
            if y not in need:
                continue
            for x, r in input_regions(step, need[y]).items():
                need[x] = _hull2(need.get(x), r)
        if need[final] != region:
            raise NotPatchable(f"{final.name}: the split tensor is read inside the stage")
        holders = _Holders()
        for t in inputs:
            if t in need:
                holders.holder[t] = (t, _whole(t))
        plan.input_rows.append(tuple(need[t][0] if t in need else None for t in inputs))
        scatter = plan.buffered
        holders.holder[final] = ((Tensor(None, f"{final.name} tile {k}", final.dtype, _tile_shape(final, region)),
                                  region) if scatter else (final, _whole(final)))
        for step in stage:
            y = step.outputs[0]
            if y not in need:
                continue
            if y is not final:
                holders.holder[y] = (Tensor(None, f"{y.name} tile {k}", y.dtype, _tile_shape(y, need[y])), need[y])
            reads = input_regions(step, need[y])
            local = _Holders()
            local.holder = dict(holders.holder)
            for x in dict.fromkeys(step.inputs):
                if not holders.fits(x, reads[x]):
                    gather, dense = _gather(step, x, reads[x], holders, k)
                    new_steps.append(gather)
                    local.holder[x] = (dense, reads[x])
            rows_in_place = _in_tile_in_place(step, stage, need, local, new_steps, k, tile_overlays) \
                if in_place and y is not final else None
            if rows_in_place is not None:
                steps_in_place, tile_overlay = rows_in_place
                new_steps.extend(steps_in_place)
                tile_overlays.append(tile_overlay)
                (r0, r1), (c0, c1) = need[y]
                computed[id(step)] = computed.get(id(step), 0) + (r1 - r0) * (c1 - c0)
                continue
            tile = _tile_step(step, need[y], local, k)
            tile.inputs = tuple(dict.fromkeys(local.holder[x][0] for x in step.inputs))
            tile.outputs = (local.holder[y][0],)
            tile.output_aliases = _in_place_alias(step, need[y], local)
            (r0, r1), (c0, c1) = need[y]
            computed[id(step)] = computed.get(id(step), 0) + (r1 - r0) * (c1 - c0)
            new_steps.append(tile)
            if y is final and scatter:
                buffer = holders.holder[final][0]
                plan.tile_buffer_bytes = max(plan.tile_buffer_bytes, buffer.size_bytes)
                width, channels = int(final.shape[2]), int(final.shape[3])
                (r0, r1), (c0, c1) = region
                runs, run = (r1 - r0, (c1 - c0) * channels) if (c0, c1) != (0, width) else \
                    (1, (r1 - r0) * width * channels)  # whole rows: one run
                new_steps.append(copy_rows_step(
                    buffer, TensorSlice(final, (r0 * width + c0) * channels), runs, run,
                    run, width * channels if runs > 1 else run, (buffer,), (final,), step,
                    f"{step.name}: tile {k} into rows {r0}..{r1 - 1}, columns {c0}..{c1 - 1} of {final.name}"))
    _share_identical(new_steps)
    plan.band_steps = new_steps
    # the MACs of the pixels computed, one division per step (pixels computed == pixels: no extra MACs, exactly)
    plan.band_macs = sum(int(s.macs) * computed.get(id(s), 0) // (int(s.outputs[0].shape[1])
                                                                  * int(s.outputs[0].shape[2])) for s in stage)
    patched = copy.copy(program)
    patched.steps = list(program.steps[:start]) + new_steps + list(program.steps[split:])
    patched.overlays = list(program.overlays) + tile_overlays
    plan.tiles_in_place = len(tile_overlays)
    overlaid = split_tensor_overlay(program, plan) if overlay else None
    if overlaid is not None:
        patched.overlays.append(overlaid)
        if overlay_clashes(patched):  # a nested overlay over bytes another member of the group still holds
            patched.overlays.pop()
            overlaid = None
    plan.overlay = overlaid is not None
    if overlaid is not None:
        _, image, offset = overlaid
        plan.saved_bytes = image.size_bytes + final.size_bytes - _overlay_extent(image, final, offset)
    patched.arena_bytes, patched.planner, patched.arena_parts = None, "", []
    patched.patch = list(program.patch or []) + [plan]
    return patched, plan


def _share_identical(steps) -> None:
    """One Params (one ``static const`` struct in flash) and one Constant for each set of tiles whose
    parameters or tables are equal: tiles of the same size and border share them (the emitter names a shared
    Params once)."""
    seen = {}

    def key(value):
        if isinstance(value, Params):
            return ("params", value.c_type, tuple((k, key(v)) for k, v in value.fields.items()))
        if isinstance(value, Constant):
            return ("constant", value.c_type, value.values.tobytes()) if value.tensor_index is None else id(value)
        if isinstance(value, list):
            return tuple(value)
        return value

    def canonical(value):
        if isinstance(value, Params):
            value = Params(value.c_type, {k: canonical(v) for k, v in value.fields.items()})
        elif not (isinstance(value, Constant) and value.tensor_index is None):
            return value
        return seen.setdefault(key(value), value)

    for step in steps:
        step.args = tuple(canonical(a) if isinstance(a, (Params, Constant)) else a for a in step.args)


OVERLAY_ALIGNMENT_BYTES = 4


def split_tensor_overlay(program: Program, plan: PatchPlan):
    """``(split tensor, stage input, byte offset)``: where the split tensor may live inside the buffer of the
    stage's input, over the input rows the tiles have consumed (None when it may not, or it saves nothing).

    Tile k writes split-tensor rows ``[lo_k, hi_k)`` (some of their columns) after reading its input rows; the
    tiles after it read input rows from ``first_k`` on.  Tile k's writes must land below those: ``offset + hi_k *
    row_bytes(split) <= first_k * row_bytes(input)`` for every tile but the last.  The largest such offset
    (4-byte aligned, at most the input's size less the split tensor's) gives the smallest buffer spanning both.
    It needs one stage input, read by nothing after the stage and by no step of a tile after the one writing the
    split tensor (so within a tile every read of the input precedes the write), neither of them a model output
    nor already in an overlay."""
    stage = program.steps[plan.start:plan.split]
    final = plan.split_tensor
    if len(plan.stage_inputs) != 1 or final in program.outputs:
        return None
    image = plan.stage_inputs[0]
    if overlay_problem(program, plan.start, plan.split, image, final, plan.buffered, plan.nested):
        return None
    in_row, out_row = image.size_bytes // int(image.shape[1]), final.size_bytes // int(final.shape[1])
    firsts = [rows[0][0] for rows in plan.input_rows]
    tiles = plan.tiles
    bound = min(image.size_bytes - final.size_bytes,
                *(min(firsts[k + 1:]) * in_row - rows[1] * out_row for k, (rows, _) in enumerate(tiles[:-1])))
    offset = bound - bound % OVERLAY_ALIGNMENT_BYTES  # rounds toward -infinity: still below every bound
    if _overlay_extent(image, final, offset) >= image.size_bytes + final.size_bytes:
        return None
    return final, image, offset


def _overlay_extent(image: Tensor, final: Tensor, offset: int) -> int:
    """Bytes of the one buffer holding ``image`` and ``final`` ``offset`` bytes after its start."""
    return max(image.size_bytes, offset + final.size_bytes) - min(0, offset)


def buffer_mates(program: Program, tensor: Tensor) -> set:
    """Every Tensor that may share ``tensor``'s buffer: through views and in-place steps (``output_aliases``,
    whether or not the planner grants the sharing: an upper bound) and overlays, transitively."""
    links = {}
    for step in program.steps:
        if isinstance(step.output_aliases, Tensor) and step.outputs:
            for a, b in ((step.output_aliases, step.outputs[0]), (step.outputs[0], step.output_aliases)):
                links.setdefault(a, []).append(b)
    for t, host, _ in program.overlays:
        links.setdefault(t, []).append(host)
        links.setdefault(host, []).append(t)
    mates, todo = {tensor}, [tensor]
    while todo:
        for other in links.get(todo.pop(), ()):
            if other not in mates:
                mates.add(other)
                todo.append(other)
    return mates


def overlay_problem(program: Program, start: int, split: int, image: Tensor, final: Tensor,
                    buffered: bool, nested: bool = True) -> str | None:
    """Why the split tensor ``final`` of stage ``program.steps[start:split]`` may not live over the stage
    input ``image`` whatever the offset (None: it may, where the row arithmetic allows):

    - ``image`` (or a tensor that may share its buffer: a view of it, one an in-place step wrote over) is read
      after the stage or is a model output: its bytes are still needed;
    - ``final`` is already in an overlay, or (``nested`` False) ``image`` is;
    - unbuffered tiles whose step writing ``final`` is followed by a step reading ``image``: within a tile a
      read of the input would come after the write."""
    if final in program.outputs:
        return f"{final.name} is a model output"
    later = {t for s in program.steps[split:] for t in s.inputs} | set(program.outputs)
    for mate in buffer_mates(program, image):
        if mate in later:
            how = "" if mate is image else f" (through {mate.name}, which may share its buffer)"
            return f"{image.name} is read after operator {program.steps[split - 1].op_index}{how}"
    if any(final in o[:2] for o in program.overlays):
        return f"{final.name} is already in an overlay"
    if not nested and any(image in o[:2] for o in program.overlays):
        return f"{image.name} is already in an overlay (nested overlays not asked for)"
    stage = program.steps[start:split]
    writer = max(k for k, s in enumerate(stage) if final in s.outputs)
    if not buffered and any(image in s.inputs for s in stage[writer:]):
        return f"{image.name} is read by the step writing {final.name} (unbuffered)"
    return None


def stage_splits(program: Program, start: int = 0) -> list:
    """Every ``split`` at which the steps from ``start`` to it form a patch stage."""
    return [s for s in range(start + 1, len(program.steps) + 1) if stage_problem(program, s, start) is None]


# --- schedules: the planner decides with exact figures ---------------------------------------------

BAND_COUNTS = (2, 3, 4, 6, 8, 12, 16, 20, 28)
COLUMN_COUNTS = (1, 2, 3, 4, 6, 7)  # columns of a grid (1: bands of whole rows)
REFINED_PER_ROUND = 8  # the best bands of whole rows of a round also tried in columns
MAX_TILES = 144  # tiles of one stage (each tile's steps are calls in the generated code)
STAGE_REACH = 6  # a stage starts at most this many steps before the peak step and ends this many after it
MAX_STAGE_SPANS = 49  # (start, split) pairs tried per round, the shortest first (every pair within the reach)
MAX_STAGES = 4  # patch stages (in-place stages not counted)
MAX_ROUNDS = 24  # stages of any kind
PLANNED_PER_ROUND = 6  # candidates of a round planned exactly (the rest screened by their live bytes)


@dataclass
class ScheduleChoice:
    """What :func:`choose_schedule` decided, with the figures ``report`` shows."""

    schedule: str  # the schedule asked for: fast, small or auto
    floor_bytes: int  # the layer-by-layer arena (exact)
    arena_bytes: int  # the chosen program's arena (exact, single region)
    total_macs: int  # the layer-by-layer program's MACs
    plans: list = field(default_factory=list)  # the patch stages, in program order (empty: layer by layer)
    candidates: int = 0  # patch schedules planned exactly
    max_recompute: float = DEFAULT_MAX_RECOMPUTE
    split_names: list = field(default_factory=list)  # per stage: its split tensor
    split_operators: list = field(default_factory=list)  # per stage: the TFLite operator that writes it

    @property
    def patched(self) -> bool:
        return bool(self.plans)

    @property
    def extra_macs(self) -> int:
        return sum(p.extra_macs for p in self.plans)

    def to_dict(self) -> dict:
        return {"schedule": self.schedule, "floor_bytes": self.floor_bytes, "arena_bytes": self.arena_bytes,
                "patch_based": self.patched, "total_macs": self.total_macs, "extra_macs": self.extra_macs,
                "extra_macs_fraction": round(self.extra_macs / self.total_macs, 4) if self.total_macs else 0.0,
                "max_recompute": self.max_recompute, "candidates_planned": self.candidates,
                # live bytes in-place stages save at their operators (the overlay less the band buffer)
                "in_place_saved_bytes": sum(p.saved_bytes - p.tile_buffer_bytes for p in self.plans if p.in_place),
                "stages": [{"first_operator": p.first_operator, "split_operator": op, "split_tensor": name,
                            "grid": list(p.grid), "bands": [list(b) for b in p.bands],
                            "split_over_input": p.overlay, "extra_macs": p.extra_macs, "in_place": p.in_place,
                            "overlay_saved_bytes": p.saved_bytes, "tile_buffer_bytes": p.tile_buffer_bytes,
                            "tile_steps_in_place": p.tiles_in_place}
                           for p, name, op in zip(self.plans, self.split_names, self.split_operators)]}

    def summary(self) -> str:
        """One line: what runs and what it costs."""
        if not self.plans:
            return f"layer by layer ({self.schedule}): arena {self.arena_bytes} B = the layer-by-layer floor"
        pct = 100.0 * self.extra_macs / self.total_macs if self.total_macs else 0.0
        stages = "; ".join(f"operator {op} in place ({p.grid[0]} buffered bands)" if p.in_place else
                           f"operators {p.first_operator}-{op} in {p.grid[0]}x{p.grid[1]} "
                           f"{'bands' if p.grid[1] == 1 else 'tiles'} of {name!r}"
                           for p, name, op in zip(self.plans, self.split_names, self.split_operators))
        return (f"patch-based ({self.schedule}): {stages}; arena {self.arena_bytes} B (layer-by-layer floor "
                f"{self.floor_bytes} B), {self.extra_macs} extra MACs ({pct:.1f} %)")


def live_profile(program: Program) -> list:
    """Bytes alive at each step (tensors from the step that writes them to the last that reads them, each
    overlay group from its lowest live member to the end of its highest, the step's scratch; in-place sharing not
    counted): for screening candidates and finding the peak step (the exact plan may differ either way: it
    aligns buffers and may leave gaps, and shares in place)."""
    n = len(program.steps)
    first, last = tensor_lifetimes(program)
    spans = {t: [first[t], max(last.get(t, first[t]), first[t]), t.size_bytes] for t in first}
    delta_bytes = [0] * (n + 1)
    # an overlay group (nested overlays included) takes, at each step, the bytes from its lowest live member to
    # the end of its highest (the planner may give the rest of the group's bytes to other buffers)
    for members in overlay_layout(program.overlays).values():
        places = [(spans.pop(t), at) for t, at in members if t in spans]
        if not places:
            continue
        for k in range(min(sp[0] for sp, _ in places), max(sp[1] for sp, _ in places) + 1):
            live = [(at, at + sp[2]) for sp, at in places if sp[0] <= k <= sp[1]]
            if live:
                size = max(e for _, e in live) - min(b for b, _ in live)
                delta_bytes[k] += size
                delta_bytes[k + 1] -= size
    for lo, hi, size in spans.values():
        delta_bytes[lo] += size
        delta_bytes[hi + 1] -= size
    out, running = [], 0
    for k in range(n):
        running += delta_bytes[k]
        out.append(running + program.steps[k].scratch_bytes)
    return out


def _peak_step(program: Program) -> int:
    """The step at which the arena is fullest: with overlays, where TFLM's greedy plan of the program (pinned
    overlay members included: :func:`plan_memory` without its search) reaches its top, as the members' places
    leave gaps the live bytes do not show; else where the live bytes peak."""
    profile = live_profile(program)
    if not program.overlays:
        return max(range(len(profile)), key=profile.__getitem__)
    plan_memory(program, search=False)
    n = len(program.steps)
    top = np.zeros(n + 1, dtype=np.int64)
    for k, step in enumerate(program.steps):
        for s in step.scratch:
            top[k] = max(top[k], s.offset + s.size_bytes)
    first, last = tensor_lifetimes(program)
    for t, k in first.items():
        if not t.state:
            end = max(last.get(t, k), k) + 1
            np.maximum(top[k:end], t.offset + t.size_bytes, out=top[k:end])
    # ties: the step of the most live bytes among those at the top
    return max(range(n), key=lambda k: (int(top[k]), profile[k]))


def _stage_candidates(program: Program, budget_left: float, whole: bool = False, columns: bool = True,
                      in_place: bool = True, patches_left: int = MAX_STAGES, nested: bool = False):
    """Patch stages around the peak step of ``program``: ``[(live bytes at the stage's own peak, extra MACs,
    patched, plan)]`` (the stage's own peak: what it does to the peak it was made for, whatever other peaks
    the program has, which later stages take on; ``whole``: the live bytes of the whole program instead).
    ``in_place``: also the one-step in-place stages of the peak step (no extra MACs);
    ``patches_left`` 0: those alone."""
    peak = _peak_step(program)
    if _inside_stage(program, peak):
        return []  # stages never nest
    out = []
    pairs = []
    for start in range(max(0, peak - STAGE_REACH), peak + 1):
        if any(_inside_stage(program, k) for k in range(start, peak + 1)):
            continue
        for split in range(peak + 1, min(len(program.steps), peak + 1 + STAGE_REACH) + 1):
            if any(_inside_stage(program, k) for k in range(peak, split)) or stage_problem(program, split, start):
                continue
            pairs.append((start, split))
    # the shortest stages first (the least recompute), at most MAX_STAGE_SPANS of them
    pairs = sorted(pairs, key=lambda p: (p[1] - p[0], p))[:MAX_STAGE_SPANS]

    def add(start, split, bands, overlay, columns, buffered=False, nest=nested):
        """The candidate, or None when it cannot be (or is no better without its overlay, or over budget)."""
        try:
            patched, plan = patch_program(program, split, bands, overlay, start, columns, buffered, nested=nest)
        except ValueError:
            return None
        if (overlay and not plan.overlay) or plan.extra_macs > budget_left:
            return None
        profile = live_profile(patched)
        local = max(profile[start:start + len(plan.band_steps)])
        out.append((max(profile) if whole else local, plan.extra_macs, patched, plan))
        return plan

    # in-place execution: the peak step writing over its own input, every band count
    for start in (peak,) if in_place else ():
        if stage_problem(program, start + 1, start):
            continue
        _, (final,) = _stage_tensors(program, start, start + 1)
        rows = int(final.shape[1])
        for bands in sorted({b for b in (*BAND_COUNTS, rows) if b <= min(rows, MAX_TILES)}):
            add(start, start + 1, bands, True, 1, buffered=True, nest=True)  # no recompute: nested always
    if patches_left <= 0:
        return out
    for start, split in pairs:
        _, (final,) = _stage_tensors(program, start, split)
        for bands in BAND_COUNTS:
            if bands > int(final.shape[1]):
                break
            for overlay in (False, True):
                if add(start, split, bands, overlay, 1) is None:
                    break
    # 2-D grids: the best bands of whole rows, each also cut into columns (a tile's buffers hold part of the
    # row: smaller buffers, more recomputed overlap at the column borders, copies in and out)
    rows_only = sorted(out, key=lambda c: (c[0], c[1]))[:REFINED_PER_ROUND] if columns else []
    for _, _, _, plan in rows_only:
        for columns in COLUMN_COUNTS[1:]:
            if columns > int(plan.split_tensor.shape[2]) or len(plan.bands) * columns > MAX_TILES:
                break
            if add(plan.start, plan.split, len(plan.bands), plan.overlay, columns) is None:
                break
    return out


def with_tiles_in_place(program: Program, plans) -> Program | None:
    """``program`` with the stages ``plans`` (made on it, in that order) made again with ``in_place`` tiles
    (:func:`patch_program`); None when no tile step could be in place."""
    current, made = program, 0
    for plan in plans:
        start = next(k for k, s in enumerate(current.steps) if s is plan.stage_steps[0])
        current, again = patch_program(current, start + len(plan.stage_steps), len(plan.bands), plan.overlay, start,
                                       max(1, len(plan.columns)), plan.buffered, in_place=not plan.in_place,
                                       nested=plan.nested)
        if again.overlay != plan.overlay or again.extra_macs != plan.extra_macs:
            return None  # not the same stage (cannot happen: the same steps, grid and flags)
        made += again.tiles_in_place
    return current if made else None


def _inside_stage(program: Program, k: int) -> bool:
    """Whether step ``k`` is a band step of an earlier stage."""
    return any(program.steps[k] in p.band_steps for p in (program.patch or []))


def _replay(program: Program, plans, grids: dict) -> Program | None:
    """``program`` with the stages ``plans`` (made on it, in that order) made again, stage ``n`` on grid
    ``grids[n]`` (bands, columns) where given; None when a stage cannot be made so or loses its overlay."""
    current = program
    for n, plan in enumerate(plans):
        start = next((k for k, s in enumerate(current.steps) if s is plan.stage_steps[0]), None)
        if start is None:
            return None
        bands, columns = grids.get(n, (len(plan.bands), max(1, len(plan.columns))))
        try:
            current, again = patch_program(current, start + len(plan.stage_steps), bands, plan.overlay, start,
                                           columns, plan.buffered, nested=plan.nested)
        except ValueError:
            return None
        if again.overlay != plan.overlay:
            return None
    return current


def _regrid(program: Program, current: Program, arena: int, budget: float):
    """The patch stage (of ``current``, made from ``program``) holding the peak step made again on every finer
    grid within the recompute ``budget``, screened by live bytes, the best :data:`PLANNED_PER_ROUND` planned
    exactly: ``(arena, extra MACs, program, planned)`` for the smallest arena below ``arena``, else None.  The
    rounds before chose each stage for the peak of its time; once the peak lies inside a stage, only a finer grid
    for it can lower the arena (and other stages' later rounds then take on the peaks it uncovers)."""
    plans = list(current.patch or [])
    peak = current.steps[_peak_step(current)]
    target = next((n for n, p in enumerate(plans) if not p.in_place and peak in p.band_steps), None)
    if target is None:
        return None
    plan = plans[target]
    rows, width = int(plan.split_tensor.shape[1]), int(plan.split_tensor.shape[2])
    tiles = len(plan.bands) * max(1, len(plan.columns))
    screened = []
    for bands in (b for b in BAND_COUNTS if b <= rows):
        for columns in (c for c in COLUMN_COUNTS if c <= width and (c == 1 or not any(
                column_problem(s) for s in plan.stage_steps))):
            if not tiles < bands * columns <= MAX_TILES:
                continue
            again = _replay(program, plans, {target: (bands, columns)})
            if again is None:
                continue
            extra = sum(p.extra_macs for p in again.patch)
            if extra <= budget:
                screened.append((max(live_profile(again)), extra, again))
    best = None
    screened.sort(key=lambda c: (c[0], c[1]))
    for _, extra, again in screened[:PLANNED_PER_ROUND]:
        plan_memory(again)
        if int(again.arena_bytes) < (best[0] if best else arena):
            best = (int(again.arena_bytes), extra, again)
    return None if best is None else (*best, min(len(screened), PLANNED_PER_ROUND))


def _add_stages(program, floor, schedule, budget, capacity_bytes, whole, columns=True, in_place=True,
                nested=False):
    """Stages added one round at a time (see :func:`choose_schedule`): ``(program, arena, extra MACs, planned)``;
    ``whole``: rank each round's candidates by the whole program's live bytes, else by the stage's own peak;
    ``columns``: 2-D grids too, else bands of whole rows only; ``in_place``: one-step in-place stages too
    (at most :data:`MAX_STAGES` patch stages, and :data:`MAX_ROUNDS` stages in all); ``nested``: split tensors
    over stage inputs already in an overlay too."""
    current, arena, used, count, patches = program, floor, 0, 0, 0
    for _ in range(MAX_ROUNDS):
        peak_bytes = max(live_profile(current))
        found = [c for c in _stage_candidates(current, budget - used, whole, columns, in_place,
                                              MAX_STAGES - patches, nested)
                 if c[0] < peak_bytes or whole]
        if schedule == "auto":  # the fewest extra MACs whose stage fits, else the smallest stage
            found.sort(key=lambda c: (c[0] > capacity_bytes, c[1] if c[0] <= capacity_bytes else c[0], c[0]))
        else:
            found.sort(key=lambda c: (c[0], c[1]))
        planned = []
        for _local, extra, patched, plan in found[:PLANNED_PER_ROUND]:
            plan_memory(patched)
            planned.append((int(patched.arena_bytes), extra, patched, plan))
        count += len(planned)
        # the first in the order above whose exact arena is no larger (whole: smaller) than the program's so far
        keep = [c for c in planned if c[0] < arena or (c[0] == arena and not whole)]
        if not keep:
            # no new stage lowers the peak: the stage holding it made again on a finer grid, when that does
            regridded = _regrid(program, current, arena, budget)
            if regridded is None:
                break
            arena, used, current, planned_again = regridded
            count += planned_again
            continue
        arena, extra, current, kept = keep[0]
        used += extra
        patches += not kept.in_place
        if schedule == "auto" and arena <= capacity_bytes:
            break
    return current, arena, used, count


def choose_schedule(program: Program, schedule: str = "auto", max_recompute: float = DEFAULT_MAX_RECOMPUTE,
                    capacity_bytes: int | None = None) -> tuple[Program, ScheduleChoice]:
    """The program to emit under ``schedule`` and why (planned as one arena; plan it again over a board's
    regions if needed).

    ``fast``: layer by layer.  Otherwise stages are added one at a time, each around the peak step of the
    program so far (starting at most :data:`STAGE_REACH` steps before it, ending at most that many after),
    with every band count of :data:`BAND_COUNTS` and with and without the split tensor over the stage input,
    within what is left of the recompute budget (``max_recompute`` of the model's MACs): the candidates are
    screened by their live bytes (two rankings: the stage's own peak, which lets later stages take on the
    other peaks, and the whole program's) and the best :data:`PLANNED_PER_ROUND` planned exactly.  ``small`` keeps the
    least arena each round while it shrinks; ``auto`` stops as soon as the program fits ``capacity_bytes``
    (layer by layer when it already does, or no capacity is given), and each round takes the fitting candidate
    with the fewest extra MACs, else the smallest.  The stages chosen are then made again with their tile steps
    in place (:func:`with_tiles_in_place`) when that gives a smaller exact arena (``small``; ``auto`` only when
    the program does not fit yet)."""
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}; got {schedule!r}")
    if not 0 <= max_recompute:
        raise ValueError(f"max recompute {max_recompute} is negative")
    plan_memory(program)
    floor = int(program.arena_bytes)
    total = sum(int(s.macs) for s in program.steps)
    choice = ScheduleChoice(schedule, floor, floor, total, max_recompute=max_recompute)
    if schedule == "fast" or (schedule == "auto" and (capacity_bytes is None or floor <= capacity_bytes)):
        return program, choice
    budget = max_recompute * total
    # each round is greedy: a 2-D grid that takes much of the budget early can leave later peaks uncut, so the
    # search runs with and without columns and keeps the best
    results = [_add_stages(program, floor, schedule, budget, capacity_bytes, whole, columns)
               for whole in (False, True) for columns in (True, False)]
    # and with nested overlays (a stage's split tensor over an input already in an overlay): they chain stages in
    # one buffer, which a round may take for its own peak at the cost of an earlier one, so as a variant of its own
    results.append(_add_stages(program, floor, schedule, budget, capacity_bytes, False, True, nested=True))
    if schedule == "auto" and not any(r[1] <= capacity_bytes for r in results):
        # the fewest-MACs rounds found nothing that fits: the smallest-arena rounds may
        results += [_add_stages(program, floor, "small", budget, capacity_bytes, whole, columns)
                    for whole in (False, True) for columns in (True, False)]
    choice.candidates = sum(r[3] for r in results)
    if schedule == "auto":
        fitting = [r for r in results if r[1] <= capacity_bytes]
        current, arena, used, _ = (min(fitting, key=lambda r: (r[2], r[1])) if fitting
                                   else min(results, key=lambda r: (r[1], r[2])))
    else:
        current, arena, used, _ = min(results, key=lambda r: (r[1], r[2]))
    if current is program:
        plan_memory(program)  # the candidates left other offsets in shared tensors
        return program, choice
    plan_memory(current)
    if schedule == "small" or int(current.arena_bytes) > capacity_bytes:
        # the stages made again with their tile steps in place where they may be (the same MACs, a copy per row):
        # kept when the exact arena is smaller (the search screens without it: it multiplies the steps)
        refined = with_tiles_in_place(program, current.patch)
        if refined is not None:
            plan_memory(refined)
            if refined.arena_bytes < current.arena_bytes:
                current = refined
            else:
                plan_memory(current)
    choice.arena_bytes = int(current.arena_bytes)
    choice.plans = list(current.patch)
    for p in choice.plans:
        choice.split_names.append(p.split_tensor.name)
        choice.split_operators.append(next(s.op_index for s in current.steps if p.split_tensor in s.outputs))
    return current, choice
