"""A byte-exact replica of TFLM's GreedyMemoryPlanner.

Source: tensorflow/lite/micro/memory_planner/greedy_memory_planner.cc.

The planner places every buffer (non-persistent tensor or kernel scratch
buffer, sizes already rounded up to 16 bytes by the caller) at an offset in the
arena head so that buffers alive at the same time never overlap:

1. Offline-planned buffers (offset given in the model's
   ``OfflineMemoryAllocation`` metadata) come first, in the order they were
   added, at their given offsets.
2. The online buffers follow, sorted by size, largest first.  TFLM fills its
   sort array from the *end* (the first buffer added lands in the last slot)
   and then runs a stable bubble sort, so among buffers of equal size the one
   added *last* is placed first.  This module reproduces that tie-break.
3. Each buffer goes into the first gap (walking the already placed buffers that
   overlap it in time, in offset order) that is large enough, else after the
   last of them.  A newly placed buffer is inserted into the offset-ordered list
   after every entry with an offset less than or equal to its own.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

#: greedy_memory_planner.h: kOnlinePlannedBuffer.
ONLINE_PLANNED = -1

#: Operators whose TFLM kernel runs correctly with its output at the same address
#: as its first input (same byte length): kernels/reshape.cc EvalReshapeReference
#: skips the copy when ``input->data.raw == output->data.raw``.  SQUEEZE and
#: EXPAND_DIMS memcpy unconditionally (memcpy onto itself is undefined), so they
#: are not listed.  An offline plan may give such a pair the same offset.
IN_PLACE_OPS = frozenset({"RESHAPE"})


@dataclass
class PlannedBuffer:
    size: int
    first_time_used: int
    last_time_used: int
    offline_offset: int = ONLINE_PLANNED
    offset: int = -1


class GreedyMemoryPlanner:
    """Add buffers with :meth:`add_buffer`, then read :meth:`offsets` / :meth:`maximum_memory_size`."""

    def __init__(self):
        self.buffers: list[PlannedBuffer] = []
        self._planned = False

    def add_buffer(self, size, first_time_used, last_time_used, offline_offset=ONLINE_PLANNED):
        self.buffers.append(PlannedBuffer(size, first_time_used, last_time_used, offline_offset))
        self._planned = False
        return len(self.buffers) - 1

    def _placement_order(self):
        count = len(self.buffers)
        ids = [None] * count
        head, tail = 0, count
        for i, buffer in enumerate(self.buffers):
            if buffer.offline_offset == ONLINE_PLANNED:
                tail -= 1
                ids[tail] = i
            else:
                ids[head] = i
                head += 1
        # ReverseSortInPlace: a stable sort, descending by size, of the online part.
        online = sorted(ids[head:], key=lambda i: -self.buffers[i].size)
        return ids[:head] + online

    def _calculate_offsets(self):
        if self._planned:
            return
        self._planned = True
        if not self.buffers:
            return
        order = self._placement_order()
        for buffer in self.buffers:
            buffer.offset = -1 if buffer.offline_offset == ONLINE_PLANNED else buffer.offline_offset
        # The offset-ordered list of placed buffers, as parallel lists (offset, end, first and last time used):
        # the same walk as TFLM's linked list, without an attribute look-up per entry.
        first = order[0]
        if self.buffers[first].offline_offset == ONLINE_PLANNED:
            self.buffers[first].offset = 0
        head = self.buffers[first]
        starts, ends, firsts, lasts = [head.offset], [head.offset + head.size], [head.first_time_used], \
            [head.last_time_used]
        for buffer_id in order[1:]:
            wanted = self.buffers[buffer_id]
            if wanted.offline_offset == ONLINE_PLANNED:
                candidate_offset = 0
                w_first, w_last, w_size = wanted.first_time_used, wanted.last_time_used, wanted.size
                for k in range(len(starts)):
                    if firsts[k] > w_last or w_first > lasts[k]:
                        continue  # not alive at the same time
                    if starts[k] - candidate_offset >= w_size:
                        break  # the gap before this entry is big enough
                    if ends[k] > candidate_offset:
                        candidate_offset = ends[k]
            else:
                candidate_offset = wanted.offline_offset
            wanted.offset = candidate_offset
            # Insert keeping offset order; equal offsets go after existing ones,
            # except that a new smallest offset becomes the new first entry.
            position = 0 if starts[0] > candidate_offset else bisect.bisect_right(starts, candidate_offset, 1)
            starts.insert(position, candidate_offset)
            ends.insert(position, candidate_offset + wanted.size)
            firsts.insert(position, wanted.first_time_used)
            lasts.insert(position, wanted.last_time_used)

    def offsets(self):
        """Offset of each buffer, in the order they were added."""
        self._calculate_offsets()
        return [buffer.offset for buffer in self.buffers]

    def maximum_memory_size(self):
        """GetMaximumMemorySize(): the end of the highest buffer, in bytes."""
        self._calculate_offsets()
        return max((b.offset + b.size for b in self.buffers), default=0)
