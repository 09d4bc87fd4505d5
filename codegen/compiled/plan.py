"""Planning: where every arena operand of a :class:`codegen.compiled.program.Program` lives.

Liveness is read from the program itself (its steps in list order, their ``inputs`` and
``outputs``), so a rewritten program (split, fused, re-ordered steps) plans correctly:

- a Tensor is live from the first step that writes it (model inputs: from step 0) to the
  last step that reads it (model outputs: to the last step);
- *aliasing*: a view's output shares its input's buffer; a step with ``output_aliases``
  shares it only when nobody reads that input (or anything already sharing its buffer)
  after the step, none of them is a model input or output, and the output is no larger;
- one buffer per group of Tensors sharing a buffer, one per :class:`Scratch` (live during
  its step), placed by :func:`codegen.compiled.arena_plan.plan_arena`.

:func:`plan_memory` writes each Tensor's and Scratch's ``offset`` and the program's
``arena_bytes`` and ``planner``.
"""

from __future__ import annotations

from dataclasses import dataclass

from codegen.compiled.arena_plan import plan_arena
from codegen.compiled.program import Program, Tensor
from converter.planner import Buffer


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

    def find(self, t):
        self.parent.setdefault(t, t)
        while self.parent[t] is not t:
            self.parent[t] = self.parent[self.parent[t]]
            t = self.parent[t]
        return t

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra is not rb:
            self.parent[rb] = ra


def plan_memory(program: Program) -> MemoryPlan:
    """Place every Tensor and Scratch of ``program`` in the static arena (sets their ``offset``)."""
    steps = program.steps
    tensors = program.tensors()
    producer, last_use = {}, {}
    for t in program.inputs:
        producer[t] = 0
    for k, step in enumerate(steps):
        for t in step.inputs:
            if t not in producer:
                raise ValueError(f"plan_memory: step {k} ({step.name or step.function}) reads {t.name!r} "
                                 "before any step writes it")
            last_use[t] = max(last_use.get(t, -1), k)
        for t in step.outputs:
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
        if not step.is_view:
            root = groups.find(src)
            members = [t for t in tensors if groups.find(t) is root]
            if any(t in boundary for t in members) or any(last_use.get(t, -1) > k for t in members):
                continue  # in place only when nobody reads the input afterwards
            if dst.size_bytes > max(t.size_bytes for t in members):
                continue
        groups.union(src, dst)

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
    buffers = [Buffer(info[r][2], info[r][0], info[r][1], r.name) for r in roots]
    scratches = [(k, s) for k, step in enumerate(steps) for s in step.scratch if s.size_bytes > 0]
    buffers += [Buffer(s.size_bytes, k, k, f"scratch of step {k} ({steps[k].name})") for k, s in scratches]
    plan = plan_arena(buffers)
    root_offset = {r: plan.offsets[n] for n, r in enumerate(roots)}
    for t in tensors:
        t.offset = root_offset[groups.find(t)]
    for n, (_, s) in enumerate(scratches):
        s.offset = plan.offsets[len(roots) + n]
    program.arena_bytes, program.planner = int(plan.arena_bytes), plan.planner
    return MemoryPlan(int(plan.arena_bytes), plan.planner, tuple(buffers), tuple(plan.offsets))
