"""An independent check of a memory plan: no two buffers alive at the same time share a byte.

Written without the planner's code (no shared helpers), so a planner bug cannot
hide behind the same bug here.  ``aliases`` lists pairs of buffer indices that
may share bytes because the runtime runs that operator in place (they must then
start at the same offset).
"""

from __future__ import annotations


def plan_violations(buffers, offsets, aliases=()):
    """List of (i, j) buffer pairs that overlap in both lifetime and address; [] when the plan is valid.

    ``buffers``: objects with ``size_bytes``, ``first_op``, ``last_op`` (inclusive);
    ``offsets``: one per buffer.
    """
    if len(offsets) != len(buffers):
        raise ValueError(f"{len(offsets)} offsets for {len(buffers)} buffers")
    allowed = {(min(a, b), max(a, b)) for a, b in aliases}
    bad = []
    for i, a in enumerate(buffers):
        if offsets[i] is None or offsets[i] < 0:
            bad.append((i, i))
            continue
        for j in range(i + 1, len(buffers)):
            b = buffers[j]
            in_time = not (a.last_op < b.first_op or b.last_op < a.first_op)
            if not in_time or a.size_bytes == 0 or b.size_bytes == 0:
                continue
            in_space = offsets[i] < offsets[j] + b.size_bytes and offsets[j] < offsets[i] + a.size_bytes
            if in_space and not ((i, j) in allowed and offsets[i] == offsets[j]):
                bad.append((i, j))
    return bad


def plan_head_bytes(buffers, offsets):
    """End of the highest buffer."""
    return max((o + b.size_bytes for b, o in zip(buffers, offsets)), default=0)
