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
from dataclasses import dataclass, field

from codegen.compiled.receptive_field import (broadcast_input_range, hull, split_evenly, table_input_range,
                                              window_input_range)
from codegen.compiled.program import Constant, Params, PointerArray, Program, Scratch, Step, Tensor, TensorSlice

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


def _band_shape(t: Tensor, rows: int) -> tuple:
    return (1, rows, int(t.shape[2]), int(t.shape[3]))


# --- per-kind rules: the input rows a band reads, and the step re-stated for the band --------------

# A windowed call (any variant of the convolutions and pools) is told by its parameter struct: the rows
# geometry the band changes (in_h, out_h, pad_h) and the window (stride_h, a kernel height, a dilation).
WINDOW_FIELDS = ("in_h", "out_h", "pad_h", "stride_h")
KERNEL_HEIGHT_FIELDS = ("k_h", "filter_h")
ELEMENTWISE_BINARY = ("an_add_s8", "an_sub_s8", "an_mul_s8")


def _is_windowed(step) -> bool:
    if not step.args or not isinstance(step.args[0], Params):
        return False
    fields = step.args[0].fields
    return all(f in fields for f in WINDOW_FIELDS) and any(f in fields for f in KERNEL_HEIGHT_FIELDS)


def _window(step, lo, hi):
    p = step.args[0].fields
    kernel = next(int(p[f]) for f in KERNEL_HEIGHT_FIELDS if f in p)
    x, y = step.inputs[0], step.outputs[0]
    return window_input_range(lo, hi, kernel=kernel, stride=int(p["stride_h"]),
                              dilation=int(p.get("dilation_h", 1)), pad=int(p["pad_h"]),
                              in_size=int(x.shape[1]), out_size=int(y.shape[1]))


def _resize_sources(step) -> list:
    """Input row of each output row of an ``an_resize_nearest_s8`` call (from its row table)."""
    _params, x, _y, rows, _cols = step.args
    return [int(v) // _row_elements(step.inputs[0]) for v in rows.values]


def input_rows(step: Step, lo: int, hi: int) -> dict:
    """``{input Tensor: (lo, hi)}``: the rows of each arena input that output rows ``[lo, hi)`` of
    ``step`` read (NotPatchable for a step no rule covers)."""
    problem = step_problem(step)
    if problem:
        raise NotPatchable(problem)
    y = step.outputs[0]
    if _is_windowed(step):
        w = _window(step, lo, hi)
        return {step.inputs[0]: (w.lo, w.hi)}
    if step.function == "an_resize_nearest_s8":
        return {step.inputs[0]: table_input_range(lo, hi, _resize_sources(step))}
    need = {}
    for x in step.inputs:  # element-wise, concatenation along W or C: the same rows (or a broadcast row)
        need[x] = hull(need.get(x), broadcast_input_range(lo, hi, int(x.shape[1]), int(y.shape[1])))
    return need


def step_problem(step: Step) -> str | None:
    """Why ``step`` cannot run band by band (None: it can)."""
    what = step.name or step.function or "view"
    if step.is_view:
        return f"{what} is a view"
    if len(step.outputs) != 1 or not _is_image(step.outputs[0]) or not step.inputs:
        return f"{what} does not write one 4-D batch-1 tensor"
    if not all(_is_image(x) for x in step.inputs):
        return f"{what} reads a tensor that is not 4-D batch 1"
    if _is_windowed(step):
        p = step.args[0].fields
        if int(p.get("batches", 1)) != 1 or len(step.inputs) != 1:
            return f"{what}: batches or inputs other than one"
        if (int(p["in_h"]), int(p["out_h"])) != (int(step.inputs[0].shape[1]), int(step.outputs[0].shape[1])):
            return f"{what}: its rows are not its tensors' rows"
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


class _Bands:
    """Where the rows of each stage tensor live during one band: a holder Tensor and its first row."""

    def __init__(self):
        self.holder = {}  # Tensor -> (holder Tensor, first row it holds)

    def operand(self, t: Tensor, lo: int):
        holder, row0 = self.holder[t]
        offset = (lo - row0) * _row_elements(t)
        return holder if offset == 0 and holder is not t else TensorSlice(holder, offset)


def _params_with(params: Params, **changes) -> Params:
    fields = dict(params.fields)
    fields.update(changes)
    return Params(params.c_type, fields)


def _band_step(step: Step, lo: int, hi: int, bands: _Bands, k: int) -> Step:
    """``step`` re-stated to compute its output rows ``[lo, hi)`` from the band operands."""
    y = step.outputs[0]
    rows = hi - lo
    reads = input_rows(step, lo, hi)  # this step's own rows of each input (its holder may hold more)
    args = []
    for a in step.args:
        if isinstance(a, Tensor) and a in bands.holder:
            a = bands.operand(a, reads[a][0] if a is not y else lo)
        elif isinstance(a, TensorSlice):
            raise NotPatchable(f"{step.name}: already works on a slice")
        elif isinstance(a, PointerArray):
            a = PointerArray(a.c_type, tuple(bands.operand(i, reads[i][0]) if isinstance(i, Tensor) else i
                                             for i in a.items))
        elif isinstance(a, Scratch):
            a = Scratch(a.size_bytes)
        args.append(a)
    if _is_windowed(step):
        w = _window(step, lo, hi)
        args[0] = _params_with(args[0], in_h=w.size, out_h=rows, pad_h=w.local_pad)
    elif step.function == "an_resize_nearest_s8":
        x = step.inputs[0]
        x_lo, x_hi = reads[x]
        sources = _resize_sources(step)[lo:hi]
        args[0] = _params_with(args[0], output_height=rows, batch_stride=(x_hi - x_lo) * _row_elements(x))
        args[3] = Constant(f"{args[3].hint}_band", "int32_t", [(s - x_lo) * _row_elements(x) for s in sources])
    elif step.function == "an_lut_s8":
        args[2] = rows * _row_elements(y)
    elif step.function in ELEMENTWISE_BINARY:
        from codegen.compiled.ops.binary import broadcast_shape  # the same walk the lowering made

        shapes = [_band_shape(x, reads[x][1] - reads[x][0]) for x in (step.args[1], step.args[2])]

        class _Shape:  # what broadcast_shape reads of a TensorRef
            def __init__(self, shape):
                self.shape = shape

        args[0] = _params_with(args[0], shape=broadcast_shape(_Shape(shapes[0]), _Shape(shapes[1]),
                                                              _Shape(_band_shape(y, rows))))
    elif step.function == "an_concatenation_s8":
        axis_outer = args[0].fields["outer"] // int(y.shape[1])  # outer = H * (W, when along C) per batch
        args[0] = _params_with(args[0], outer=rows * axis_outer)
    out = Step(step.function, args=tuple(args), sources=step.sources,
               comment=f"{step.comment} [band {k}: rows {lo}..{hi - 1}]",
               macs=step.macs * rows // int(y.shape[1]), op_index=step.op_index, name=step.name)
    return out


def _in_place_alias(step: Step, band_step: Step, need: dict, lo: int, hi: int, bands: _Bands):
    """The band step's output may share its input's buffer only when that input's band holds exactly the
    output's rows at the same place (same size, offset 0): an element-wise call then overwrites each element
    after reading it.  Anything else (the input holds more rows, or is read through a slice) is refused."""
    src = step.output_aliases
    if src is None or src not in bands.holder:
        return None
    holder, row0 = bands.holder[src]
    if holder is src or need[src] != (lo, hi) or row0 != lo or input_rows(step, lo, hi)[src] != (lo, hi):
        return None
    out_holder = band_step.outputs[0]
    if not isinstance(out_holder, Tensor) or out_holder.size_bytes != holder.size_bytes:
        return None
    return holder


@dataclass
class PatchPlan:
    """What a patch stage does: the steps it covers, its split tensor and bands (rows of that tensor)."""

    split: int  # the stage is program.steps[:split]
    split_tensor: Tensor
    bands: list  # [(lo, hi)] rows of the split tensor
    stage_macs: int = 0
    band_macs: int = 0
    input_rows: list = field(default_factory=list)  # per band: the model input rows it reads

    @property
    def extra_macs(self) -> int:
        return self.band_macs - self.stage_macs

    @property
    def grid(self) -> tuple:
        return (len(self.bands), 1)


def stage_problem(program: Program, split: int) -> str | None:
    """Why ``program.steps[:split]`` cannot be a patch stage (None: it can)."""
    if not 1 <= split < len(program.steps) + 1:
        return f"split {split} outside the program's {len(program.steps)} steps"
    stage = program.steps[:split]
    for step in stage:
        problem = step_problem(step)
        if problem:
            return problem
    written = {t for s in stage for t in s.outputs}
    for s in stage:
        for t in s.inputs:
            if t not in written and t not in program.inputs:
                return f"{t.name!r} is read by the stage but written before it"
    later = {t for s in program.steps[split:] for t in s.inputs} | set(program.outputs)
    crossing = [t for t in written if t in later]
    if len(crossing) != 1:
        return f"{len(crossing)} tensors leave the stage (one only)"
    if any(t in program.outputs for t in program.inputs if t in {x for s in stage for x in s.inputs}):
        return "the stage reads a model output"
    writers = [s for s in stage if crossing[0] in s.outputs]
    if len(writers) != 1:
        return "the split tensor is written by several steps"
    return None


def patch_program(program: Program, split: int, bands: int) -> tuple[Program, PatchPlan]:
    """A new Program: ``program.steps[:split]`` run in ``bands`` horizontal bands of the split tensor, the
    rest as before (the given program is left unchanged; unchanged steps and Tensors are shared)."""
    problem = stage_problem(program, split)
    if problem:
        raise NotPatchable(problem)
    stage = program.steps[:split]
    written = {t for s in stage for t in s.outputs}
    later = {t for s in program.steps[split:] for t in s.inputs} | set(program.outputs)
    final = next(t for t in written if t in later)
    plan = PatchPlan(split, final, split_evenly(int(final.shape[1]), bands),
                     stage_macs=sum(int(s.macs) for s in stage))
    new_steps = []
    for k, (lo, hi) in enumerate(plan.bands):
        need = {final: (lo, hi)}
        for step in reversed(stage):
            y = step.outputs[0]
            if y not in need:
                continue
            for x, rows in input_rows(step, *need[y]).items():
                need[x] = hull(need.get(x), rows)
        bands_ = _Bands()
        for t in program.inputs:
            if t in need:
                bands_.holder[t] = (t, 0)
        plan.input_rows.append(tuple(need[t] for t in program.inputs if t in need))
        bands_.holder[final] = (final, 0)
        for step in stage:
            y = step.outputs[0]
            if y not in need:
                continue
            y_lo, y_hi = need[y]
            if y is not final:
                bands_.holder[y] = (Tensor(None, f"{y.name} band {k}", y.dtype, _band_shape(y, y_hi - y_lo)), y_lo)
            band = _band_step(step, y_lo, y_hi, bands_, k)
            band.inputs = tuple(dict.fromkeys(bands_.holder[x][0] for x in step.inputs))
            band.outputs = (bands_.holder[y][0],)
            band.output_aliases = _in_place_alias(step, band, need, y_lo, y_hi, bands_)
            plan.band_macs += int(band.macs)
            new_steps.append(band)
    patched = copy.copy(program)
    patched.steps = new_steps + list(program.steps[split:])
    patched.arena_bytes, patched.planner, patched.arena_parts = None, "", []
    patched.patch = plan
    return patched, plan


def stage_splits(program: Program) -> list:
    """Every ``split`` at which the steps before it form a patch stage."""
    return [s for s in range(1, len(program.steps) + 1) if stage_problem(program, s) is None]
