"""Planning: where every arena operand of a :class:`codegen.compiled.program.Program` lives.

Liveness is read from the program itself (its steps in list order, their ``inputs`` and
``outputs``, which must name every arena Tensor the step's arguments point into, and a step
may read only what an earlier step or the model's input wrote; both are checked), so a
rewritten program (split, fused, re-ordered steps) plans correctly:

- a Tensor is live from the first step that writes it (model inputs: from step 0) to the
  last step that reads it (model outputs: to the last step);
- *aliasing*: a view's output shares its input's buffer; a step with ``output_aliases``
  shares it only when nobody reads that input (or anything already sharing its buffer)
  after the step, none of them is a model input or output, and the output is no larger;
- *overlays* (``Program.overlays``): a Tensor inside another's buffer at a byte offset, set by a
  rewrite that checked the data flow (the patch stage's split tensor over the model input rows
  it has consumed): one buffer spanning both, live while either is;
- one buffer per group of Tensors sharing a buffer, one per :class:`Scratch` (live during
  its step), placed by :func:`codegen.compiled.arena_plan.plan_arena`.

:func:`plan_memory` writes each Tensor's and Scratch's ``offset`` and the program's
``arena_bytes`` and ``planner``.
"""

from __future__ import annotations

from dataclasses import dataclass

from attendnets_base.errors import DoesNotFitError
import numpy as np

from codegen.compiled.arena_plan import ArenaPlan, aligned, greedy_plan, plan_arena
from codegen.compiled.program import Program, Tensor
from converter.planner import Buffer


@dataclass(frozen=True)
class ArenaRegion:
    """A RAM region the arena may use: its name, the bytes the arena may take there, the C symbol part of
    its array and the section the array goes in (``.tensor_arena`` for the board's arena region)."""

    name: str
    capacity_bytes: int
    symbol: str = ""
    section: str = ".tensor_arena"


@dataclass(frozen=True)
class ArenaPart:
    """One part of the arena: the region it lives in and its size (bytes, exact)."""

    region: ArenaRegion
    arena_bytes: int
    planner: str
    buffers: tuple = ()  # names of the buffers in it

    @property
    def c_name(self) -> str:
        return "model_arena" if self.region.section == ".tensor_arena" else f"model_arena_{self.region.symbol}"


@dataclass(frozen=True)
class MemoryPlan:
    """What :func:`plan_memory` decided (also written into the program's operands)."""

    arena_bytes: int  # exact: the static arena of the generated model (activations + scratch)
    planner: str  # which placement was kept
    buffers: tuple  # the converter.planner.Buffer objects placed (tensor groups, then scratch)
    offsets: tuple  # one per buffer, bytes from the arena start


class _Groups:
    """Union-find over Tensors (those that share one buffer)."""

    def __init__(self):
        self.parent = {}
        self.members = {}  # root -> the Tensors of its group

    def find(self, t):
        parent = self.parent
        if t not in parent:
            parent[t] = t
            self.members[t] = [t]
            return t
        while parent[t] is not t:
            parent[t] = parent[parent[t]]
            t = parent[t]
        return t

    def group(self, t) -> list:
        """The Tensors sharing ``t``'s buffer (``t`` included)."""
        return self.members[self.find(t)]

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra is not rb:
            self.parent[rb] = ra
            self.members[ra] += self.members.pop(rb)


def _split(buffers, uses, regions):
    """Buffers to regions: the most-used bytes first (uses / size), each into the first region (in the given
    order) whose greedy plan still fits its capacity. ``[[buffer index, ...] per region]`` or DoesNotFitError."""
    order = sorted(range(len(buffers)), key=lambda i: (-uses[i] / max(buffers[i].size_bytes, 1), i))
    assigned = [[] for _ in regions]
    for i in order:
        for r, region in enumerate(regions):
            trial = [buffers[j] for j in assigned[r]] + [buffers[i]]
            if aligned(greedy_plan(trial).arena_bytes) <= region.capacity_bytes:
                assigned[r].append(i)
                break
        else:
            room = ", ".join(f"{g.name} {g.capacity_bytes} B" for g in regions)
            raise DoesNotFitError(f"the arena does not fit the board's RAM regions even split: buffer "
                                  f"{buffers[i].name!r} ({buffers[i].size_bytes} B) fits in none of {room} "
                                  f"beside the buffers already placed")
    return assigned


def _pinned_overlay_plan(buffers, roots, extents, groups, alias_root, relative, spans):
    """A second placement for a program with overlays: the overlay group of the largest extent not as one buffer
    over its whole life but as its members (each group of views and in-place steps in it, over its own lifetime)
    pinned at their places from the arena start, so the other buffers may take the bytes of members already dead
    (the rows a patch stage consumed, a model input read no more) while a later member lives: TFLM's greedy
    placement with those members at their offline offsets.  ``(ArenaPlan, {Tensor: offset})`` when valid (checked
    pair by pair against every buffer outside the group), else None."""
    if not extents:
        return None
    root = max((groups.find(r) for r in extents), key=lambda r: (extents[r], -roots.index(r)))
    rects = {}  # alias root -> [first, last, size, offset]
    for t in groups.group(root):
        first, last = spans[t]
        r = rects.setdefault(alias_root[t], [first, last, 0, relative.get(t, 0)])
        if r[3] != relative.get(t, 0):
            return None  # one in-place group at two places: not a layout this placement knows
        r[0], r[1], r[2] = min(r[0], first), max(r[1], last), max(r[2], t.size_bytes)
    n_root = roots.index(root)
    others = [b for n, b in enumerate(buffers) if n != n_root]
    pins = list(rects.values())
    trial = [Buffer(size, first, last) for first, last, size, _ in pins] + others
    at = {k: offset for k, (_, _, _, offset) in enumerate(pins)}
    placed = greedy_plan(trial, pinned=at)
    sizes = np.array([aligned(size) for _, _, size, _ in pins] + [aligned(b.size_bytes) for b in others],
                     dtype=np.int64)
    firsts = np.array([p[0] for p in pins] + [b.first_op for b in others], dtype=np.int64)
    lasts = np.array([p[1] for p in pins] + [b.last_op for b in others], dtype=np.int64)
    starts = np.array(placed.offsets, dtype=np.int64)
    if (starts < 0).any():
        return None
    for i in range(len(pins), len(starts)):  # every buffer outside the group against all others
        clash = (firsts <= lasts[i]) & (firsts[i] <= lasts) & (starts < starts[i] + sizes[i]) & \
            (starts[i] < starts + sizes) & (sizes > 0)
        clash[i] = False
        if sizes[i] and clash.any():
            return None
    offsets = [0] * len(buffers)
    for n, off in zip([n for n in range(len(buffers)) if n != n_root], placed.offsets[len(pins):]):
        offsets[n] = int(off)
    offsets[n_root] = 0
    where = {t: int(relative.get(t, 0)) for t in groups.group(root)}
    return ArenaPlan(tuple(offsets), int(placed.arena_bytes), "TFLM greedy, overlay members pinned"), where


def overlay_layout(overlays) -> dict:
    """The overlay groups of ``overlays`` ((tensor, host, byte offset) triples, nested ones too): ``{root: [(Tensor,
    byte offset from the group's start)]}`` (each triple puts the tensor ``offset`` bytes after the host's start;
    the places compose as :func:`plan_memory` composes them)."""
    parent, place, extent = {}, {}, {}

    def find(t):
        while parent.get(t, t) is not t:
            t = parent[t]
        return t

    for tensor, host, delta in overlays:
        for t in (tensor, host):
            if t not in parent:
                parent[t], place[t], extent[t] = t, 0, t.size_bytes
        rt, rh = find(tensor), find(host)
        if rt is rh:
            continue
        shift = place[host] + int(delta) - place[tensor]
        start = min(0, shift)
        size = max(extent[rh], shift + extent[rt]) - start
        for t in list(parent):
            r = find(t)
            if r is rt:
                place[t] += shift - start
            elif r is rh:
                place[t] -= start
        parent[rt] = rh
        extent[rh] = size
    groups = {}
    for t in parent:
        groups.setdefault(find(t), []).append((t, place[t]))
    return groups


def tensor_lifetimes(program: Program) -> tuple[dict, dict]:
    """``(first, last)``: the step that first writes each Tensor (0 for the program's inputs) and the last step that
    reads it (the last step for the program's outputs; a Tensor never read has no ``last``)."""
    first, last = {t: 0 for t in program.inputs}, {}
    for k, step in enumerate(program.steps):
        for t in step.outputs:
            first.setdefault(t, k)
        for t in step.inputs:
            last[t] = k
    for t in program.outputs:
        last[t] = len(program.steps) - 1
    return first, last


def overlay_clashes(program: Program) -> list:
    """Pairs of Tensors of one overlay group (:func:`overlay_layout`) whose bytes overlap while both are live and
    that no overlay triple relates directly (the rewrite that made a triple checked its rows are consumed before
    they are overwritten; nothing checked any other pair): ``[(name, name)]``, empty when the layout is safe.
    Nested overlays (a stage's split tensor over an input that is itself in an overlay) must leave no such pair."""
    if not program.overlays:
        return []
    first, last = tensor_lifetimes(program)
    direct = {frozenset((a, b)) for a, b, _ in program.overlays}
    clashes = []
    for members in overlay_layout(program.overlays).values():
        for i, (a, pa) in enumerate(members):
            for b, pb in members[i + 1:]:
                if frozenset((a, b)) in direct or a not in first or b not in first:
                    continue
                in_time = first[a] <= last.get(b, first[b]) and first[b] <= last.get(a, first[a])
                if in_time and pa < pb + b.size_bytes and pb < pa + a.size_bytes:
                    clashes.append((a.name, b.name))
    return clashes


STATE_ALIGNMENT_BYTES = 8


def plan_state(state_tensors) -> int:
    """Place the state Tensors one after another in the state area (each aligned to
    :data:`STATE_ALIGNMENT_BYTES`; all live for the program's whole life); returns its bytes, exact."""
    offset = 0
    for t in state_tensors:
        t.offset, t.arena = offset, 0
        offset = -(-(offset + t.size_bytes) // STATE_ALIGNMENT_BYTES) * STATE_ALIGNMENT_BYTES
    return int(sum(t.size_bytes for t in state_tensors) and
               max(t.offset + t.size_bytes for t in state_tensors))


def plan_memory(program: Program, regions=None, placement: str = "auto", search: bool = True) -> MemoryPlan:
    """Place every Tensor and Scratch of ``program`` in the static arena (sets their ``offset`` and ``arena``).

    ``regions``: None (one arena, wherever the linker puts ``.tensor_arena``), or the :class:`ArenaRegion` s the
    arena may use in order of preference. ``placement`` "auto": the whole arena in the first region when it
    fits, else split; "speed": split from the start, the most-used bytes in the first (fastest) regions.
    A split puts each buffer whole in one region (no buffer straddles two) and plans each region's buffers
    on their own (:func:`codegen.compiled.arena_plan.plan_arena`); ``program.arena_parts`` lists the parts.
    ``search`` False: TFLM's greedy placement alone (exact for that placement, no optimizing search: for
    screening many rewrites of one program, as the patch schedules do).
    """
    steps = program.steps
    state = program.state_tensors()
    tensors = [t for t in program.tensors() if not t.state]
    for k, step in enumerate(steps):
        flow = set(step.inputs) | set(step.outputs)
        missing = [t.name for t in step.arg_tensors() if t not in flow]
        if missing:
            raise ValueError(f"plan_memory: step {k} ({step.name or step.function}) points at {', '.join(missing)} "
                             "but lists it in neither its inputs nor its outputs")
    producer, last_use = {}, {}
    for t in program.inputs:
        producer[t] = 0
    for k, step in enumerate(steps):
        for t in step.inputs:
            if t.state:
                continue  # the state area: written before the first invocation (model_reset)
            if t not in producer:
                raise ValueError(f"plan_memory: step {k} ({step.name or step.function}) reads {t.name!r} "
                                 "before any step writes it")
            last_use[t] = max(last_use.get(t, -1), k)
        for t in step.outputs:
            if not t.state:
                producer.setdefault(t, k)
    for t in program.outputs:
        last_use[t] = len(steps) - 1
    unwritten = [t.name for t in tensors if t not in producer]
    if unwritten:
        raise ValueError(f"plan_memory: tensors read before anything writes them: {', '.join(unwritten)}")
    boundary = set(program.inputs) | set(program.outputs)

    groups = _Groups()
    for t in tensors:
        groups.find(t)
    for k, step in enumerate(steps):
        src = step.output_aliases
        if not isinstance(src, Tensor) or not step.outputs:
            continue
        dst = step.outputs[0]
        if src.state or dst.state:
            if src.state != dst.state:
                raise ValueError(f"plan_memory: step {k} ({step.name or step.function}) aliases a state tensor "
                                 "with an arena tensor")
            continue  # state tensors keep their own place in the state area
        if not step.is_view:
            members = groups.group(src)
            if any(t in boundary for t in members) or any(last_use.get(t, -1) > k for t in members):
                continue  # in place only when nobody reads the input afterwards
            if dst.size_bytes > max(t.size_bytes for t in members):
                continue
        groups.union(src, dst)

    clashes = overlay_clashes(program)
    if clashes:
        raise ValueError(f"plan_memory: overlays put {clashes[0][0]!r} over {clashes[0][1]!r} while both are live")
    # overlays: a tensor inside another's buffer at a byte offset (one buffer spanning both); either side may be
    # in an overlay already (nested overlays): its group's members keep their places relative to each other
    relative, extents = {}, {}
    alias_root = {t: groups.find(t) for t in tensors}  # the groups of views and in-place steps alone

    def extent_of(root) -> int:
        return extents.get(root, max(t.size_bytes for t in groups.group(root)))

    for tensor, host, delta in program.overlays:
        rt, rh = groups.find(tensor), groups.find(host)
        if rt is rh:
            raise ValueError(f"plan_memory: overlay of {tensor.name!r} on {host.name!r}: already one buffer")
        # where the tensor's group starts, from the start of the host's group
        shift = relative.get(host, 0) + int(delta) - relative.get(tensor, 0)
        start = min(0, shift)
        size = max(extent_of(rh), shift + extent_of(rt)) - start
        for t in groups.group(rt):
            relative[t] = relative.get(t, 0) + shift - start
        for t in groups.group(rh):
            relative[t] = relative.get(t, 0) - start
        extents.pop(rt, None)
        extents.pop(rh, None)
        groups.union(host, tensor)
        extents[groups.find(host)] = size

    roots, info = [], {}
    for t in tensors:
        r = groups.find(t)
        first, last = producer[t], max(last_use.get(t, producer[t]), producer[t])
        if r not in info:
            roots.append(r)
            info[r] = [first, last, t.size_bytes]
        else:
            g = info[r]
            g[0], g[1], g[2] = min(g[0], first), max(g[1], last), max(g[2], t.size_bytes)
    for r, extent in extents.items():
        info[groups.find(r)][2] = extent
    buffers = [Buffer(info[r][2], info[r][0], info[r][1], r.name) for r in roots]
    scratches = [(k, s) for k, step in enumerate(steps) for s in step.scratch if s.size_bytes > 0]
    buffers += [Buffer(s.size_bytes, k, k, f"scratch of step {k} ({steps[k].name})") for k, s in scratches]
    plan = plan_arena(buffers) if search else greedy_plan(buffers)
    spans = {t: (producer[t], max(last_use.get(t, producer[t]), producer[t])) for t in tensors}
    pinned = _pinned_overlay_plan(buffers, roots, extents, groups, alias_root, relative, spans)
    if pinned is not None and pinned[0].arena_bytes < plan.arena_bytes:
        plan, pinned_offsets = pinned
    else:
        pinned_offsets = None
    regions = list(regions or [])
    assigned = None
    if pinned_offsets is not None:
        regions_fit = not regions or aligned(plan.arena_bytes) <= regions[0].capacity_bytes
        if not regions_fit or placement != "auto":
            plan, pinned_offsets = plan_arena(buffers) if search else greedy_plan(buffers), None
    if regions and not (placement == "auto" and aligned(plan.arena_bytes) <= regions[0].capacity_bytes):
        uses = {r: 0 for r in roots}
        for step in steps:
            for t in (*step.inputs, *step.outputs):
                if not t.state:
                    uses[groups.find(t)] += 1
        try:
            assigned = _split(buffers, [uses[r] for r in roots] + [1] * len(scratches), regions)
        except DoesNotFitError:
            assigned = None  # fits nowhere even split: one arena, and the board's fit check says so
    if assigned is None:
        region = regions[0] if regions else ArenaRegion("arena", plan.arena_bytes)
        part_of = [0] * len(buffers)
        offsets = list(plan.offsets)
        parts = [ArenaPart(region, int(plan.arena_bytes), plan.planner, tuple(b.name for b in buffers))]
    else:
        part_of, offsets, parts = [0] * len(buffers), [0] * len(buffers), []
        for r, members in enumerate(assigned):
            if not members:
                continue
            sub = plan_arena([buffers[i] for i in members])
            for i, off in zip(members, sub.offsets):
                part_of[i], offsets[i] = len(parts), int(off)
            parts.append(ArenaPart(regions[r], int(sub.arena_bytes), sub.planner,
                                   tuple(buffers[i].name for i in members)))
    root_index = {r: n for n, r in enumerate(roots)}
    for t in tensors:
        n = root_index[groups.find(t)]
        t.offset, t.arena = offsets[n] + relative.get(t, 0), part_of[n]
        if pinned_offsets is not None and t in pinned_offsets:
            t.offset = pinned_offsets[t]
    for n, (_, s) in enumerate(scratches):
        s.offset, s.arena = offsets[len(roots) + n], part_of[len(roots) + n]
    program.arena_parts = parts
    program.state_bytes = plan_state(state)
    program.arena_bytes = int(sum(p.arena_bytes for p in parts))
    program.planner = plan.planner if len(parts) == 1 else "; ".join(
        f"{p.region.name}: {p.planner}" for p in parts)
    return MemoryPlan(program.arena_bytes, program.planner, tuple(buffers), tuple(offsets))
