"""Placing buffers with lifetimes in one block of memory: smaller than greedy.

The problem (dynamic storage allocation): every buffer has a size and a lifetime
``[first_op, last_op]`` (inclusive, in any integer time unit: TFLM's allocation
scopes, or operator indices); give each an offset so that two buffers alive at
the same time never share a byte, and make the end of the highest buffer (the
*head*) as small as possible.

``place(buffers, time_limit_s)`` runs a portfolio and keeps the best:

1. first fit (the rule of TFLM's GreedyMemoryPlanner: the lowest gap between
   buffers alive at the same time that is big enough, else above them) over
   several orders: by size (TFLM's), by lifetime, by size x lifetime, by start,
   by the bytes a buffer conflicts with, the buffers of the peak first;
2. best fit (the smallest gap that is big enough) over the same orders;
3. lowest-first construction (a one-step lookahead: of all unplaced buffers, put
   next the one whose first-fit offset is lowest, ties to the larger);
4. a local search over orders (swap, move, reverse, and re-sorting by the
   offsets of the best plan found), decoded by first fit;
5. an exact branch and bound for small problems: first fit over orders whose
   offsets never decrease is complete (sorting any plan by offset and decoding
   it by first fit never raises a buffer, and repeating reaches a plan that this
   order reproduces), bounded per time step by the bytes still to place above
   the current offset.

Every method stops as soon as a plan reaches the lower bound (the most bytes
alive at one time), which no plan can beat.

``online`` buffers are placed by the runtime itself after the others (TFLM plans
kernel scratch buffers online, largest first, around the offline-planned
tensors); the search decodes every candidate with them placed that way, so the
head it reports is the head TFLM will use.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

import numpy as np

#: Exact search only below this many buffers (above it the local search decides).
EXACT_MAX_BUFFERS = 64


@dataclass(frozen=True)
class Buffer:
    """A buffer to place: ``size_bytes``, alive from ``first_op`` to ``last_op`` inclusive.

    ``name`` says what it holds (for messages and plans read by people); it takes no part in
    comparisons.  Both runtimes' planners use this one type.
    """

    size_bytes: int
    first_op: int
    last_op: int
    name: str = field(default="", compare=False)


@dataclass
class Placement:
    offsets: list  # bytes from the start of the block, one per buffer in input order
    head_bytes: int  # end of the highest buffer
    lower_bound_bytes: int  # most bytes alive at one time: no placement is smaller
    method: str = ""  # which method found it
    optimal: bool = False  # proven: equals the lower bound, or the exact search finished
    tried: dict = field(default_factory=dict)  # method -> head bytes it reached

    @property
    def gap_bytes(self):
        return self.head_bytes - self.lower_bound_bytes


def _live_bytes(buffers):
    """``{time: bytes alive}`` at each buffer's first time (a sweep over the sorted starts and ends)."""
    events = {}
    for b in buffers:
        events[b.first_op] = events.get(b.first_op, 0) + b.size_bytes
        events[b.last_op + 1] = events.get(b.last_op + 1, 0) - b.size_bytes
    starts = {b.first_op for b in buffers}
    live, running = {}, 0
    for t in sorted(events):
        running += events[t]
        if t in starts:
            live[t] = running
    return live


def lower_bound(buffers):
    """The most bytes alive at one time (a lower bound on every placement's head)."""
    return max(_live_bytes(buffers).values(), default=0)


def _conflicts(buffers):
    """Per buffer, the indices of the others alive at some same time, ascending."""
    n = len(buffers)
    if n == 0:
        return []
    first = np.fromiter((b.first_op for b in buffers), dtype=np.int64, count=n)
    last = np.fromiter((b.last_op for b in buffers), dtype=np.int64, count=n)
    out = []
    for i in range(n):
        mask = (first <= last[i]) & (first[i] <= last)
        mask[i] = False
        out.append(np.flatnonzero(mask).tolist())
    return out


def _segments(offsets, size, neighbours):
    """(start, end) of the placed buffers among ``neighbours``."""
    return [(offsets[j], offsets[j] + size[j]) for j in neighbours if offsets[j] >= 0]


def _first_fit_offset(size, placed_segments):
    """Lowest offset where ``size`` bytes fit among ``placed_segments`` (start, end), TFLM's way."""
    candidate = 0
    for start, end in sorted(placed_segments):
        if start - candidate >= size:
            break
        if end > candidate:
            candidate = end
    return candidate


def _best_fit_offset(size, placed_segments):
    """Offset of the smallest gap that fits ``size`` (ties: the lowest), else the top."""
    candidate = 0
    best = None  # (gap, offset)
    for start, end in sorted(placed_segments):
        gap = start - candidate
        if gap >= size and (best is None or gap < best[0]):
            best = (gap, candidate)
        if end > candidate:
            candidate = end
    return best[1] if best else candidate


class _Problem:
    def __init__(self, buffers, online):
        self.buffers = list(buffers)
        self.n = len(self.buffers)
        self.size = [b.size_bytes for b in self.buffers]
        self.conflicts = _conflicts(self.buffers)
        self.online = sorted(set(online or ()))
        online_set = set(self.online)
        self.free = [i for i in range(self.n) if i not in online_set]
        # TFLM: online buffers largest first; among equal sizes the one added last first.
        self.online_order = sorted(self.online, key=lambda i: (-self.size[i], -i))

    def decode(self, order, fit=_first_fit_offset):
        """Offsets of ``order`` (the free buffers) placed by ``fit``, then the online ones by first fit."""
        offsets = [-1] * self.n
        size, conflicts = self.size, self.conflicts
        for i in order:
            offsets[i] = fit(size[i], [(offsets[j], offsets[j] + size[j]) for j in conflicts[i] if offsets[j] >= 0])
        for i in self.online_order:
            offsets[i] = _first_fit_offset(
                size[i], [(offsets[j], offsets[j] + size[j]) for j in conflicts[i] if offsets[j] >= 0]
            )
        return offsets

    def head(self, offsets):
        return max((o + s for o, s in zip(offsets, self.size)), default=0)


def _orders(problem):
    """Named orders of the free buffers for the constructive methods."""
    b, size, free = problem.buffers, problem.size, problem.free
    length = {i: b[i].last_op - b[i].first_op + 1 for i in free}
    load = {i: sum(size[j] for j in problem.conflicts[i]) for i in free}
    # peak time: the time with the most live bytes
    live = _live_bytes(b)
    peak_t = max(sorted(live), key=live.__getitem__, default=0)
    at_peak = {i for i in free if b[i].first_op <= peak_t <= b[i].last_op}
    return {
        "size": sorted(free, key=lambda i: (-size[i], -i)),  # TFLM's GreedyMemoryPlanner
        "size-start": sorted(free, key=lambda i: (-size[i], b[i].first_op, i)),
        "lifetime": sorted(free, key=lambda i: (-length[i], -size[i], i)),
        "area": sorted(free, key=lambda i: (-size[i] * length[i], i)),
        "start": sorted(free, key=lambda i: (b[i].first_op, -size[i], i)),
        "conflict": sorted(free, key=lambda i: (-(load[i] + size[i]), -size[i], i)),
        "peak-first": sorted(free, key=lambda i: (i not in at_peak, -size[i], i)),
    }


def _lowest_first(problem):
    """Constructive lookahead: always place next the buffer whose first-fit offset is lowest."""
    offsets = [-1] * problem.n
    order = []
    left = set(problem.free)
    size, conflicts = problem.size, problem.conflicts
    while left:
        best = None
        for i in left:
            o = _first_fit_offset(size[i], _segments(offsets, size, conflicts[i]))
            key = (o, -size[i], -(problem.buffers[i].last_op - problem.buffers[i].first_op), i)
            if best is None or key < best[0]:
                best = (key, i, o)
        _, i, o = best
        offsets[i] = o
        order.append(i)
        left.remove(i)
    return order


class _Search:
    def __init__(self, problem, lower, deadline):
        self.p = problem
        self.lower = lower
        self.deadline = deadline
        self.best_head = None
        self.best_offsets = None
        self.best_order = None
        self.method = ""
        self.tried = {}

    def done(self):
        return self.best_head is not None and self.best_head <= self.lower

    def out_of_time(self):
        return time.perf_counter() > self.deadline

    def offer(self, name, offsets, order=None):
        head = self.p.head(offsets)
        if name not in self.tried or head < self.tried[name]:
            self.tried[name] = head
        if self.best_head is None or head < self.best_head:
            self.best_head, self.best_offsets, self.method = head, offsets, name
            if order is not None:
                self.best_order = list(order)
            return True
        return False

    def local_search(self, max_iterations, seed=0):
        p = self.p
        if len(p.free) < 2 or self.best_order is None:
            return
        rng = random.Random(seed)
        current = list(self.best_order)
        current_head = self.p.head(p.decode(current))
        n = len(current)
        for it in range(max_iterations):
            if self.done() or (it % 16 == 0 and self.out_of_time()):
                return
            if it % 50 == 49:
                # gravity: re-sort by the offsets of the best plan (never raises a buffer)
                offs = self.best_offsets
                candidate = sorted(current, key=lambda i: (offs[i], i))
            else:
                candidate = list(current)
                move = rng.random()
                i, j = sorted(rng.sample(range(n), 2))
                if move < 0.4:
                    candidate[i], candidate[j] = candidate[j], candidate[i]
                elif move < 0.8:
                    candidate.insert(j, candidate.pop(i))
                else:
                    candidate[i:j + 1] = reversed(candidate[i:j + 1])
            offsets = p.decode(candidate)
            head = p.head(offsets)
            if head <= current_head:
                current, current_head = candidate, head
                self.offer("local search", offsets, candidate)

    def branch_and_bound(self):
        """Exact search over first-fit orders with non-decreasing offsets; True if it finished."""
        p = self.p
        free = p.free
        if not free:
            return True
        size, conflicts, bufs = p.size, p.conflicts, p.buffers
        times = sorted({bufs[i].first_op for i in range(p.n)} | {bufs[i].last_op for i in range(p.n)})
        index = {t: k for k, t in enumerate(times)}
        span = [(index[bufs[i].first_op], index[bufs[i].last_op]) for i in range(p.n)]
        # Online buffers are treated like the rest here; the result is re-decoded
        # with them placed online, so only their offsets can differ.
        members = list(range(p.n))
        unplaced_live = [0] * len(times)
        for i in members:
            for k in range(span[i][0], span[i][1] + 1):
                unplaced_live[k] += size[i]
        offsets = [-1] * p.n
        placed = []
        unplaced = set(members)
        nodes = [0]
        best = [self.best_head if self.best_head is not None else float("inf")]
        finished = [True]

        def bound(level, height):
            worst = height
            for k, need in enumerate(unplaced_live):
                if need:
                    above = 0
                    for j in placed:
                        s0, s1 = span[j]
                        if s0 <= k <= s1:
                            end = offsets[j] + size[j]
                            if end > level:
                                above += end - level
                    worst = max(worst, level + need + above)
            return worst

        def recurse(level, last_id, height):
            nodes[0] += 1
            if nodes[0] % 256 == 0 and self.out_of_time():
                finished[0] = False
                return True  # stop
            if not unplaced:
                if height < best[0]:
                    best[0] = height
                    order = sorted(free, key=lambda i: (offsets[i], i))
                    self.offer("branch and bound", p.decode(order), order)
                return best[0] <= self.lower
            if bound(level, height) >= best[0]:
                return False
            candidates = []
            for i in unplaced:
                o = _first_fit_offset(size[i], _segments(offsets, size, conflicts[i]))
                if o > level or (o == level and i > last_id):
                    if max(height, o + size[i]) < best[0]:
                        candidates.append((o, -size[i], i))
            candidates.sort()
            for o, _, i in candidates:
                offsets[i] = o
                placed.append(i)
                unplaced.discard(i)
                for k in range(span[i][0], span[i][1] + 1):
                    unplaced_live[k] -= size[i]
                stop = recurse(o, i, max(height, o + size[i]))
                for k in range(span[i][0], span[i][1] + 1):
                    unplaced_live[k] += size[i]
                unplaced.add(i)
                placed.pop()
                offsets[i] = -1
                if stop:
                    return True
            return False

        recurse(0, -1, 0)
        return finished[0]


def place(buffers, time_limit_s=1.0, online=None, max_iterations=20000, exact=True):
    """Place ``buffers`` (a list of :class:`Buffer`) with the smallest head found in ``time_limit_s``.

    ``online``: indices of buffers the runtime places itself, after the others,
    by first fit, largest first (TFLM's kernel scratch buffers); their offsets in
    the result are where the runtime will put them.  Deterministic for a given
    problem when the time limit is not reached.
    """
    buffers = list(buffers)
    for b in buffers:
        if b.size_bytes < 0 or b.first_op > b.last_op:
            raise ValueError(f"not a buffer: {b}")
    lower = lower_bound(buffers)
    if not buffers:
        return Placement([], 0, 0, "empty", True)
    deadline = time.perf_counter() + time_limit_s
    problem = _Problem(buffers, online)
    search = _Search(problem, lower, deadline)
    for name, order in _orders(problem).items():
        search.offer(f"first fit by {name}", problem.decode(order), order)
        if search.done():
            break
        search.offer(f"best fit by {name}", problem.decode(order, _best_fit_offset))
        if search.done():
            break
    if not search.done():
        order = _lowest_first(problem)
        search.offer("lowest first", problem.decode(order), order)
    proven = search.done()
    if not proven and exact and len(buffers) <= EXACT_MAX_BUFFERS:
        # a short local search first gives the exact search a good bound
        search.local_search(min(max_iterations, 2000))
        if not search.done():
            finished = search.branch_and_bound()
            proven = search.done() or (finished and not problem.online)
    if not proven and not search.done():
        search.local_search(max_iterations, seed=1)
    proven = proven or search.done()
    return Placement(
        offsets=search.best_offsets,
        head_bytes=search.best_head,
        lower_bound_bytes=lower,
        method=search.method,
        optimal=proven,
        tried=dict(search.tried),
    )
