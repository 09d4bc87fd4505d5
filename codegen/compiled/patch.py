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
from codegen.compiled.plan import plan_memory
from codegen.compiled.program import Constant, Params, PointerArray, Program, Scratch, Step, Tensor, TensorSlice
from codegen.compiled.ops.binary import broadcast_shape  # the same walk the lowering made

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

    split: int  # the stage is program.steps[start:split]
    split_tensor: Tensor
    bands: list  # [(lo, hi)] rows of the split tensor
    stage_macs: int = 0
    band_macs: int = 0
    input_rows: list = field(default_factory=list)  # per band: the rows of each stage input it reads
    overlay: bool = False  # the split tensor lives over the input rows the bands consumed
    start: int = 0
    stage_inputs: tuple = ()  # the Tensors the stage reads from before it (whole, through slices)

    @property
    def extra_macs(self) -> int:
        return self.band_macs - self.stage_macs

    first_operator: int = -1  # the TFLite operator of the stage's first step
    band_steps: list = field(default_factory=list)  # the steps the stage became, in order

    @property
    def grid(self) -> tuple:
        return (len(self.bands), 1)


def _stage_tensors(program: Program, start: int, split: int):
    """``(stage inputs, crossing tensors)`` of ``program.steps[start:split]``."""
    stage = program.steps[start:split]
    written = {t for s in stage for t in s.outputs}
    inputs = list(dict.fromkeys(t for s in stage for t in s.inputs if t not in written))
    later = {t for s in program.steps[split:] for t in s.inputs} | set(program.outputs)
    crossing = list(dict.fromkeys(t for s in stage for t in s.outputs if t in later))
    return inputs, crossing


def stage_problem(program: Program, split: int, start: int = 0) -> str | None:
    """Why ``program.steps[start:split]`` cannot be a patch stage (None: it can)."""
    if not 0 <= start < split <= len(program.steps):
        return f"stage {start}..{split} outside the program's {len(program.steps)} steps"
    stage = program.steps[start:split]
    for step in stage:
        problem = step_problem(step)
        if problem:
            return problem
    inputs, crossing = _stage_tensors(program, start, split)
    if len(crossing) != 1:
        return f"{len(crossing)} tensors leave the stage (one only)"
    if len([s for s in stage if crossing[0] in s.outputs]) != 1:
        return "the split tensor is written by several steps"
    return None


def patch_program(program: Program, split: int, bands: int, overlay: bool = True,
                  start: int = 0) -> tuple[Program, PatchPlan]:
    """A new Program: ``program.steps[start:split]`` (the *stage*) run in ``bands`` horizontal bands of the
    split tensor (the one tensor the stage writes that is read after it), the rest as before (the given program
    is left unchanged; unchanged steps and Tensors are shared).  The tensors the stage reads from before it
    stay whole; each band reads its rows of them in place.

    ``overlay``: the split tensor inside the stage input's buffer where :func:`split_tensor_overlay` allows
    (one buffer spanning both, live until the split tensor's last use: smaller when the stage's peak is the
    input beside the split tensor, larger when the split tensor lives long after the stage)."""
    problem = stage_problem(program, split, start)
    if problem:
        raise NotPatchable(problem)
    stage = program.steps[start:split]
    inputs, (final,) = _stage_tensors(program, start, split)
    plan = PatchPlan(split, final, split_evenly(int(final.shape[1]), bands),
                     stage_macs=sum(int(s.macs) for s in stage), start=start, stage_inputs=tuple(inputs),
                     first_operator=stage[0].op_index)
    new_steps, rows_computed = [], {}
    for k, (lo, hi) in enumerate(plan.bands):
        need = {final: (lo, hi)}
        for step in reversed(stage):
            y = step.outputs[0]
            if y not in need:
                continue
            for x, rows in input_rows(step, *need[y]).items():
                need[x] = hull(need.get(x), rows)
        bands_ = _Bands()
        for t in inputs:
            if t in need:
                bands_.holder[t] = (t, 0)
        plan.input_rows.append(tuple(need.get(t) for t in inputs))
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
            rows_computed[id(step)] = rows_computed.get(id(step), 0) + (y_hi - y_lo)
            new_steps.append(band)
    plan.band_steps = new_steps
    # the MACs of the rows computed, one division per step (rows computed == rows: no extra MACs, exactly)
    plan.band_macs = sum(int(s.macs) * rows_computed.get(id(s), 0) // int(s.outputs[0].shape[1]) for s in stage)
    patched = copy.copy(program)
    patched.steps = list(program.steps[:start]) + new_steps + list(program.steps[split:])
    patched.overlays = list(program.overlays)
    overlaid = split_tensor_overlay(program, plan) if overlay else None
    if overlaid is not None:
        patched.overlays.append(overlaid)
    plan.overlay = overlaid is not None
    patched.arena_bytes, patched.planner, patched.arena_parts = None, "", []
    patched.patch = list(program.patch or []) + [plan]
    return patched, plan


OVERLAY_ALIGNMENT_BYTES = 4


def split_tensor_overlay(program: Program, plan: PatchPlan):
    """``(split tensor, stage input, byte offset)``: where the split tensor may live inside the buffer of the
    stage's input, over the input rows the bands have consumed (None when it may not, or it saves nothing).

    Band k writes split-tensor rows ``[lo_k, hi_k)`` after reading its input rows; the bands after it read
    input rows from ``first_k`` on.  Band k's writes must land below those: ``offset + hi_k * row_bytes(split)
    <= first_k * row_bytes(input)`` for every band but the last.  The largest such offset (4-byte aligned, at
    most the input's size less the split tensor's) gives the smallest buffer spanning both.  It needs one stage
    input, read by nothing after the stage and by no step of a band after the one writing the split tensor (so
    within a band every read of the input precedes the write), neither of them a model output nor already in an
    overlay."""
    stage = program.steps[plan.start:plan.split]
    final = plan.split_tensor
    if len(plan.stage_inputs) != 1 or final in program.outputs:
        return None
    image = plan.stage_inputs[0]
    if image in program.outputs or any(image in s.inputs for s in program.steps[plan.split:]):
        return None
    if any(t in (image, final) for o in program.overlays for t in o[:2]):
        return None
    writer = max(k for k, s in enumerate(stage) if final in s.outputs)
    if any(image in s.inputs for s in stage[writer:]):
        return None
    in_row, out_row = image.size_bytes // int(image.shape[1]), final.size_bytes // int(final.shape[1])
    firsts = [rows[0][0] for rows in plan.input_rows]
    bound = min(image.size_bytes - final.size_bytes,
                *(min(firsts[k + 1:]) * in_row - hi * out_row for k, (_, hi) in enumerate(plan.bands[:-1])))
    offset = bound - bound % OVERLAY_ALIGNMENT_BYTES  # rounds toward -infinity: still below every bound
    extent = max(image.size_bytes, offset + final.size_bytes) - min(0, offset)
    if extent >= image.size_bytes + final.size_bytes:
        return None
    return final, image, offset


def stage_splits(program: Program, start: int = 0) -> list:
    """Every ``split`` at which the steps from ``start`` to it form a patch stage."""
    return [s for s in range(start + 1, len(program.steps) + 1) if stage_problem(program, s, start) is None]


# --- schedules: the planner decides with exact figures ---------------------------------------------

BAND_COUNTS = (2, 3, 4, 6, 8, 12, 16)
STAGE_REACH = 6  # a stage starts at most this many steps before the peak step and ends this many after it
MAX_STAGE_SPANS = 49  # (start, split) pairs tried per round, the shortest first (every pair within the reach)
MAX_STAGES = 4
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
                "stages": [{"first_operator": p.first_operator, "split_operator": op, "split_tensor": name,
                            "grid": list(p.grid), "bands": [list(b) for b in p.bands],
                            "split_over_input": p.overlay, "extra_macs": p.extra_macs}
                           for p, name, op in zip(self.plans, self.split_names, self.split_operators)]}

    def summary(self) -> str:
        """One line: what runs and what it costs."""
        if not self.plans:
            return f"layer by layer ({self.schedule}): arena {self.arena_bytes} B = the layer-by-layer floor"
        pct = 100.0 * self.extra_macs / self.total_macs if self.total_macs else 0.0
        stages = "; ".join(f"operators {p.first_operator}-{op} in {len(p.bands)}x1 bands of {name!r}"
                           for p, name, op in zip(self.plans, self.split_names, self.split_operators))
        return (f"patch-based ({self.schedule}): {stages}; arena {self.arena_bytes} B (layer-by-layer floor "
                f"{self.floor_bytes} B), {self.extra_macs} extra MACs ({pct:.1f} %)")


def live_profile(program: Program) -> list:
    """Bytes alive at each step (tensors from the step that writes them to the last that reads them, each
    overlay as one buffer over both lifetimes, the step's scratch; in-place sharing not counted): a bound the
    exact plan can only lower by sharing, for screening candidates and finding the peak step."""
    n = len(program.steps)
    first, last = {}, {}
    for t in program.inputs:
        first[t] = 0
    for k, step in enumerate(program.steps):
        for t in step.outputs:
            first.setdefault(t, k)
        for t in step.inputs:
            last[t] = k
    for t in program.outputs:
        last[t] = n - 1
    spans = {t: [first[t], max(last.get(t, first[t]), first[t]), t.size_bytes] for t in first}
    for tensor, host, delta in program.overlays:
        a, b = spans.pop(tensor, None), spans.pop(host, None)
        if a and b:
            extent = max(b[2], delta + a[2]) - min(0, delta)
            spans[host] = [min(a[0], b[0]), max(a[1], b[1]), extent]
    delta_bytes = [0] * (n + 1)
    for lo, hi, size in spans.values():
        delta_bytes[lo] += size
        delta_bytes[hi + 1] -= size
    out, running = [], 0
    for k in range(n):
        running += delta_bytes[k]
        out.append(running + program.steps[k].scratch_bytes)
    return out


def _stage_candidates(program: Program, budget_left: float, whole: bool = False):
    """Patch stages around the peak step of ``program``: ``[(live bytes at the stage's own peak, extra MACs,
    patched, plan)]`` (the stage's own peak: what it does to the peak it was made for, whatever other peaks
    the program has, which later stages take on; ``whole``: the live bytes of the whole program instead)."""
    profile = live_profile(program)
    peak = max(range(len(profile)), key=profile.__getitem__)
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
    for start, split in pairs:
        _, (final,) = _stage_tensors(program, start, split)
        for bands in BAND_COUNTS:
            if bands > int(final.shape[1]):
                break
            for overlay in (False, True):
                try:
                    patched, plan = patch_program(program, split, bands, overlay, start)
                except ValueError:
                    break
                if overlay and not plan.overlay:
                    break
                if plan.extra_macs > budget_left:
                    break
                profile = live_profile(patched)
                local = max(profile[start:start + len(plan.band_steps)])
                out.append((max(profile) if whole else local, plan.extra_macs, patched, plan))
    return out


def _inside_stage(program: Program, k: int) -> bool:
    """Whether step ``k`` is a band step of an earlier stage."""
    return any(program.steps[k] in p.band_steps for p in (program.patch or []))


def _add_stages(program, floor, schedule, budget, capacity_bytes, whole):
    """Stages added one round at a time (see :func:`choose_schedule`): ``(program, arena, extra MACs, planned)``;
    ``whole``: rank each round's candidates by the whole program's live bytes, else by the stage's own peak."""
    current, arena, used, count = program, floor, 0, 0
    for _ in range(MAX_STAGES):
        peak_bytes = max(live_profile(current))
        found = [c for c in _stage_candidates(current, budget - used, whole) if c[0] < peak_bytes or whole]
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
            break
        arena, extra, current, _plan = keep[0]
        used += extra
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
    with the fewest extra MACs, else the smallest."""
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
    results = [_add_stages(program, floor, schedule, max_recompute * total, capacity_bytes, whole)
               for whole in (False, True)]
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
    choice.arena_bytes = int(current.arena_bytes)
    choice.plans = list(current.patch)
    for p in choice.plans:
        choice.split_names.append(p.split_tensor.name)
        choice.split_operators.append(next(s.op_index for s in current.steps if p.split_tensor in s.outputs))
    return current, choice
