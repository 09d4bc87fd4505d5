"""The compiled runtime's static memory plan: where each activation buffer lives in the arena.

One function, :func:`plan_arena`, so that a better planner (``converter.planner``) plugs in
without touching the driver: it takes the buffers (size and the operators that use them)
and returns their offsets and the arena size.  Today it is TFLM's greedy placement
(:class:`converter.tflm.memory_planner.GreedyMemoryPlanner`), byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass

ALIGNMENT_BYTES = 16  # every buffer starts on 16 bytes (TFLM's alignment; SIMD loads are happy)


@dataclass(frozen=True)
class ArenaBuffer:
    """One buffer to place: ``size_bytes`` live from operator ``first_op`` to ``last_op`` (inclusive)."""

    size_bytes: int
    first_op: int
    last_op: int
    name: str = ""


@dataclass(frozen=True)
class ArenaPlan:
    offsets: tuple  # bytes from the arena start, one per buffer, in the order given
    arena_bytes: int
    planner: str


def aligned(size_bytes: int, alignment: int = ALIGNMENT_BYTES) -> int:
    return -(-int(size_bytes) // alignment) * alignment


def plan_arena(buffers) -> ArenaPlan:
    """Offsets for ``buffers`` (a sequence of :class:`ArenaBuffer`) so that live buffers never overlap."""
    from converter.tflm.memory_planner import GreedyMemoryPlanner

    planner = GreedyMemoryPlanner()
    for b in buffers:
        planner.add_buffer(aligned(b.size_bytes), b.first_op, b.last_op)
    if not buffers:
        return ArenaPlan((), 0, "TFLM greedy")
    offsets = tuple(int(o) for o in planner.offsets())
    total = max((o + aligned(b.size_bytes) for o, b in zip(offsets, buffers)), default=0)
    return ArenaPlan(offsets, int(total), "TFLM greedy")
