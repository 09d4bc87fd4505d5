"""When a model does not fit a board: what would (``report --board``, ``generate``'s refusal).

Every suggestion is computed from the figures, none is canned:

- the other runtime, when its own fit check on the same board passes;
- a smaller model: how far the arena (RAM) or the constants (flash) must shrink for every
  region to fit, said as an input size (activations of a convolutional network scale with
  the input's area) and as a ``train --width`` multiplier (activations scale about linearly
  with the width, weights with its square); nothing when the rest alone (code, stack, heap)
  is already too big;
- the boards of the catalog on which a runtime fits, each checked with that board's own
  figures (``footprint_on``: the caller recomputes what depends on the CPU).

Nothing here imports codegen: the caller hands in the runtimes' footprints and the catalog.
"""

from __future__ import annotations

import math

FLASH_ROWS = ("flash", "model")
RAM_ROWS = ("RAM", "arena")
MAX_BOARDS_LISTED = 6


def _over(fit, kinds, whole_kind):
    """Bytes the failing rows of ``kinds`` are over, and whether shrinking the model's share can help.

    ``whole_kind`` is the row that holds only the model's share when the board gives it its own
    region ("model" for constants, "arena" for the arena); then the other row holds none of it.
    """
    rows = [r for r in fit.rows if r.resource in kinds]
    separate = any(r.resource == whole_kind for r in rows)
    over = 0
    for r in rows:
        if r.fits:
            continue
        if separate and r.resource != whole_kind:
            return None  # code, stack or heap alone are too big: a smaller model does not help
        over = max(over, r.used_bytes - r.available_bytes)
    return over


def shrink_factors(footprint):
    """``(arena factor, constants factor)``: the fraction of each that fits (1.0: fits already;
    None: shrinking it cannot make the board fit; 0 < f < 1: what is needed)."""
    fit = footprint.board
    factors = []
    for kinds, whole, share in ((RAM_ROWS, "arena", footprint.arena_bytes),
                                (FLASH_ROWS, "model", footprint.constants_bytes)):
        over = _over(fit, kinds, whole)
        if over is None:
            factors.append(None)
        elif over == 0:
            factors.append(1.0)
        elif share <= over:
            factors.append(None)
        else:
            factors.append((share - over) / share)
    return tuple(factors)


def _smaller_model(footprint, input_hw):
    arena_f, const_f = shrink_factors(footprint)
    if arena_f is None or const_f is None:
        parts = [what for what, f in (("RAM", arena_f), ("flash", const_f)) if f is None]
        return [f"no smaller input or width fits: the {footprint.title}'s code, stack and heap "
                f"alone exceed the {' and '.join(parts)} of {footprint.board.board}"]
    out = []
    if arena_f < 1 and input_hw and min(input_hw) > 1:
        side = math.sqrt(arena_f)
        h, w = (max(1, int(d * side)) for d in input_hw)
        out.append(f"an input of about {h}x{w} instead of {input_hw[0]}x{input_hw[1]} (the arena must shrink to "
                   f"{arena_f:.0%}; a convolutional network's activations scale with the input's area)")
    width = min(arena_f, math.sqrt(const_f))
    if width < 1:
        why = [f"the arena must shrink to {arena_f:.0%} and activations scale about linearly with the width"
               if arena_f < 1 else "",
               f"the constants must shrink to {const_f:.0%} and weights scale with the width's square"
               if const_f < 1 else ""]
        out.append(f"train --width about {width:.2f}x the model's ({'; '.join(w for w in why if w)})")
    return out


def fit_suggestions(chosen, others=(), boards=(), footprint_on=None, input_hw=None, rescheduled=None) -> tuple:
    """Sentences saying what would fit, when ``chosen`` (a RuntimeFootprint with its ``board`` fit)
    does not; () when it fits.

    ``others``: the other runtimes' footprints on the same board (``with_board`` applied);
    ``boards``: the catalog's boards; ``footprint_on(runtime, board)``: that runtime's footprint
    with its fit on ``board`` (None when it cannot run the model); ``input_hw``: the model
    input's (height, width), for the input-size suggestion; ``rescheduled``: ``chosen`` with the
    arena of a better operator order and memory plan (``attendnets optimize``), when one was found.
    """
    fit = chosen.board
    if fit is None or fit.fits:
        return ()
    lines = []
    for other in others:
        if other.supported and other.board is not None and other.board.fits:
            lines.append(f"the {other.title} fits {fit.board} (RAM {other.ram_bytes:,} B, flash "
                         f"{other.flash_bytes:,} B): --runtime {other.runtime}")
    if rescheduled is not None and rescheduled.board is not None and rescheduled.arena_bytes < chosen.arena_bytes:
        if rescheduled.board.fits:
            lines.append(f"a smaller schedule: attendnets optimize (operator order and offline memory plan) brings "
                         f"the arena from {chosen.arena_bytes:,} to {rescheduled.arena_bytes:,} B, which fits "
                         f"{fit.board}")
        else:
            lines.append(f"a smaller schedule (attendnets optimize) brings the arena from {chosen.arena_bytes:,} to "
                         f"{rescheduled.arena_bytes:,} B: not enough alone")
    lines.extend(_smaller_model(chosen, input_hw))
    if footprint_on is not None:
        fitting = []
        runtimes = [chosen.runtime] + [o.runtime for o in others if o.supported]
        for board in boards:
            if board.name == fit.board:
                continue
            ok = [rt for rt in runtimes if (f := footprint_on(rt, board)) is not None and f.board.fits]
            if ok:
                fitting.append(f"{board.name} ({', '.join(ok)})")
        if fitting:
            shown = fitting[:MAX_BOARDS_LISTED]
            more = f" and {len(fitting) - len(shown)} more (attendnets boards)" if len(fitting) > len(shown) else ""
            lines.append(f"boards of the catalog it fits: {', '.join(shown)}{more}")
        else:
            lines.append("no board of the catalog fits it with either runtime")
    return tuple(lines)
