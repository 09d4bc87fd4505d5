"""Receptive-field arithmetic of patch-based execution (issue 18): which input rows (or columns) an
output interval reads, per kind of operator, with TFLM's padding at the image's true borders.

Intervals are half-open ``(lo, hi)`` index ranges along one spatial axis (rows or columns) of an
NHWC tensor; a :data:`Region` is ``(rows, cols)``.  Everything here is plain integer arithmetic on
the operator's geometry (no Program, no kernel): :mod:`codegen.compiled.patch` applies it to steps.

A windowed operator (CONV_2D, DEPTHWISE_CONV_2D, the pools) with ``kernel``, ``stride``,
``dilation`` and TFLM's leading padding ``pad`` computes output ``o`` from input positions
``o*stride - pad + t*dilation`` for taps ``t`` in ``[0, kernel)``; positions outside
``[0, in_size)`` are padding.  Outputs ``[lo, hi)`` thus read the input interval
from the first to the last of those positions inside the image (without dilation
``[max(0, lo*stride - pad), min(in_size, (hi-1)*stride - pad + kernel))``; a dilated window may
step over the border rows).
Run on that interval alone (its own ``in_size``), the operator needs a *local* leading padding
``pad + in_lo - lo*stride``: the true padding at the image's first row/column (the interval
starts at 0) and 0 inside, where the rows above are real data the patch holds.  The trailing
border needs no field: taps at or past the interval's end are exactly the taps past the image's
end, because the interval holds every tap inside the image.  So a patch computes every byte the whole
layer would, with the padding TFLM uses at true borders only.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass


@dataclass(frozen=True)
class WindowRange:
    """What outputs ``[lo, hi)`` of a windowed operator read along one axis."""

    lo: int  # first input index read (inside the image)
    hi: int  # one past the last input index read
    local_pad: int  # the leading padding to give the operator run on input [lo, hi) alone

    @property
    def size(self) -> int:
        return self.hi - self.lo


def _check_interval(lo: int, hi: int, size: int, what: str) -> None:
    if not 0 <= lo < hi <= size:
        raise ValueError(f"{what} interval [{lo}, {hi}) is not a non-empty part of [0, {size})")


def window_input_range(lo: int, hi: int, *, kernel: int, stride: int, dilation: int, pad: int,
                       in_size: int, out_size: int) -> WindowRange:
    """The input interval outputs ``[lo, hi)`` of a windowed operator read, and the local padding.

    ValueError when the outputs read no input at all (every tap in the padding: no patch can
    stand for that, and TFLM's SAME/VALID paddings never make one)."""
    _check_interval(lo, hi, out_size, "output")
    if min(kernel, stride, dilation) < 1 or pad < 0:
        raise ValueError(f"kernel {kernel}, stride {stride}, dilation {dilation}, padding {pad}")
    return _window_input_range(lo, hi, kernel, stride, dilation, pad, in_size)


@functools.lru_cache(maxsize=65536)
def _window_input_range(lo, hi, kernel, stride, dilation, pad, in_size) -> WindowRange:
    first = lo * stride - pad
    # the taps inside the image (a dilated window may step over the first or last rows: not just a clip):
    # per output, its first and last tap inside [0, in_size)
    in_lo = in_hi = None
    for o in range(lo, hi):
        base = o * stride - pad
        t_first = 0 if base >= 0 else (-base + dilation - 1) // dilation
        t_last = min(kernel - 1, (in_size - 1 - base) // dilation) if base <= in_size - 1 else -1
        if t_first > t_last:
            continue  # every tap of this output is padding
        a, b = base + t_first * dilation, base + t_last * dilation
        in_lo = a if in_lo is None else min(in_lo, a)
        in_hi = b + 1 if in_hi is None else max(in_hi, b + 1)
    if in_lo is None:
        raise ValueError(f"outputs [{lo}, {hi}) read only padding")
    return WindowRange(in_lo, in_hi, in_lo - first)


def table_input_range(lo: int, hi: int, source_index) -> tuple[int, int]:
    """A gather along the axis (RESIZE_NEAREST_NEIGHBOR: output ``o`` copies input ``source_index[o]``):
    the smallest interval holding every source of outputs ``[lo, hi)``."""
    _check_interval(lo, hi, len(source_index), "output")
    sources = [int(source_index[o]) for o in range(lo, hi)]
    return min(sources), max(sources) + 1


def broadcast_input_range(lo: int, hi: int, in_size: int, out_size: int) -> tuple[int, int]:
    """An element-wise operator's input along the axis: the same interval, or ``[0, 1)`` when the input
    is broadcast along it (size 1)."""
    _check_interval(lo, hi, out_size, "output")
    if in_size == out_size:
        return lo, hi
    if in_size == 1:
        return 0, 1
    raise ValueError(f"input size {in_size} neither matches nor broadcasts to {out_size}")


def split_evenly(size: int, parts: int) -> list[tuple[int, int]]:
    """``[0, size)`` cut into ``parts`` intervals whose sizes differ by at most one (the larger first);
    a grid that does not divide the size."""
    if not 1 <= parts <= size:
        raise ValueError(f"cannot cut {size} into {parts} non-empty parts")
    base, extra = divmod(size, parts)
    out, lo = [], 0
    for k in range(parts):
        hi = lo + base + (1 if k < extra else 0)
        out.append((lo, hi))
        lo = hi
    return out


def hull(a, b):
    """The smallest interval holding intervals ``a`` and ``b`` (either may be None)."""
    if a is None:
        return b
    if b is None:
        return a
    return min(a[0], b[0]), max(a[1], b[1])
