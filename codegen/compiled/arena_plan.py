"""The compiled runtime's static memory plan: where each activation buffer lives in the arena.

One function, :func:`plan_arena`: it takes the buffers (:class:`converter.planner.Buffer`: size
and the steps that use them) and returns their offsets and the arena size.  It runs the project's optimizing planner
(:func:`converter.planner.place`: usually proven optimal, i.e. equal to the most bytes alive
at once) and TFLM's greedy placement (:class:`converter.tflm.memory_planner.GreedyMemoryPlanner`)
and keeps the smaller; the plan is the same for the same model (the search is bounded by
iterations, and its time limit is far above what the models here need).
"""

from __future__ import annotations

from dataclasses import dataclass

from converter.planner import Buffer, place
from converter.planner.check import plan_violations
from converter.tflm.memory_planner import GreedyMemoryPlanner

ALIGNMENT_BYTES = 16  # every buffer starts on 16 bytes (TFLM's alignment; SIMD loads are happy)


@dataclass(frozen=True)
class ArenaPlan:
    offsets: tuple  # bytes from the arena start, one per buffer, in the order given
    arena_bytes: int
    planner: str


def aligned(size_bytes: int, alignment: int = ALIGNMENT_BYTES) -> int:
    return -(-int(size_bytes) // alignment) * alignment


def greedy_plan(buffers, pinned=None) -> ArenaPlan:
    """TFLM's greedy placement, byte for byte; ``pinned``: ``{buffer index: offset}`` placed there first (TFLM's
    offline-planned buffers)."""
    planner = GreedyMemoryPlanner()
    pinned = pinned or {}
    for n, b in enumerate(buffers):
        planner.add_buffer(aligned(b.size_bytes), b.first_op, b.last_op, pinned.get(n, -1))
    offsets = tuple(int(o) for o in planner.offsets())
    total = max((o + aligned(b.size_bytes) for o, b in zip(offsets, buffers)), default=0)
    return ArenaPlan(offsets, int(total), "TFLM greedy")


def plan_arena(buffers, time_limit_s: float = 10.0) -> ArenaPlan:
    """Offsets for ``buffers`` (a sequence of :class:`converter.planner.Buffer`, sizes unaligned) so that
    live buffers never overlap; each buffer is placed at its size rounded up to :data:`ALIGNMENT_BYTES`."""
    buffers = list(buffers)
    if not buffers:
        return ArenaPlan((), 0, "empty")
    greedy = greedy_plan(buffers)
    found = place([Buffer(aligned(b.size_bytes), b.first_op, b.last_op, b.name) for b in buffers],
                  time_limit_s=time_limit_s)
    if found.head_bytes < greedy.arena_bytes and not plan_violations(buffers, found.offsets):
        proof = "optimal" if found.optimal else f"lower bound {found.lower_bound_bytes} B"
        return ArenaPlan(tuple(int(o) for o in found.offsets), int(found.head_bytes),
                         f"converter.planner, {found.method}, {proof}")
    return greedy
