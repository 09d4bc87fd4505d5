"""Does a model fit a board: one function, one breakdown, for ``report --board`` and ``generate``.

:func:`check_fit` takes what the firmware will hold (the model or its constants, the code
estimate, the arena) and the board's regions, and returns a :class:`FitCheck`: one row per
region that is filled (flash, the board's separate model or arena region, RAM), each with
what it holds, and the problems.  ``report`` prints the rows and exits 4 when something does
not fit; ``generate`` prints the same rows and refuses (unless ``--force``).

The figures the firmware adds to the model (bytes):

- code: the TFLM runtime and the model's kernels as measured per operator
  (:mod:`converter.tflm.code_size`) plus ``APPLICATION_CODE_BYTES`` for main, the platform
  layer, startup and newlib's printf (the compiled runtime gives its own code estimate);
- RAM: the arena as generated (:func:`arena_bytes_for`: the estimate rounded up to 16 bytes plus
  16 bytes of slack), stack, heap and ``STATIC_DATA_ALLOWANCE_BYTES`` of .data/.bss.
"""

from __future__ import annotations

from dataclasses import dataclass

ARENA_ALIGNMENT_BYTES = 16  # TFLM's MicroArenaBufferAlignment()
ARENA_ALIGNMENT_SLACK_BYTES = 16  # TFLM aligns the arena start: up to 15 bytes lost when the array is not aligned
DEFAULT_STACK_BYTES = 16 * 1024  # deepest TFLM kernel call chain + printf, with margin
DEFAULT_HEAP_BYTES = 4 * 1024  # newlib stdio buffers (printf); TFLM itself never mallocs
APPLICATION_CODE_BYTES = 16 * 1024  # main, platform layer, startup, newlib's printf
STATIC_DATA_ALLOWANCE_BYTES = 4 * 1024  # .data/.bss of TFLM, newlib and the app


def arena_bytes_for(required_bytes: int) -> int:
    """Generated arena size for an estimator figure: rounded up to 16, plus the 16-byte slack."""
    aligned = -(-int(required_bytes) // ARENA_ALIGNMENT_BYTES) * ARENA_ALIGNMENT_BYTES
    return aligned + ARENA_ALIGNMENT_SLACK_BYTES


@dataclass(frozen=True)
class FitRow:
    """One memory region of the board and what the firmware puts in it, bytes."""

    resource: str  # "flash", "model", "RAM", "arena"
    region: str  # the linker-script name, e.g. "FLASH", "SRAM", "DTCM"
    used_bytes: int
    available_bytes: int
    holds: str  # "model 300,568 B + code ~110,000 B (estimate)"

    @property
    def fits(self) -> bool:
        return self.used_bytes <= self.available_bytes

    @property
    def headroom_pct(self) -> float:
        return 100.0 * (self.available_bytes - self.used_bytes) / self.available_bytes

    def line(self) -> str:
        return (f"{self.resource:<6} {self.used_bytes:>12,} of {self.available_bytes:>12,} B ({self.region})  "
                f"headroom {self.headroom_pct:6.1f}%  {'ok' if self.fits else 'DOES NOT FIT'}  {self.holds}")


@dataclass(frozen=True)
class FitCheck:
    """Flash and RAM the generated firmware will need on a board, bytes, region by region."""

    board: str
    rows: tuple  # FitRow, flash-like rows first
    separate_arena: bool = False
    arena_bytes: int = 0

    # -- the rows by kind ---------------------------------------------------------------
    def _rows(self, *kinds):
        return [r for r in self.rows if r.resource in kinds]

    @property
    def problems(self) -> tuple:
        return tuple(f"{r.resource} ({r.region}): {r.holds} = {r.used_bytes} B > {r.available_bytes} B"
                     for r in self.rows if not r.fits)

    @property
    def fits(self) -> bool:
        return all(r.fits for r in self.rows)

    @property
    def fits_flash(self) -> bool:
        return all(r.fits for r in self._rows("flash", "model"))

    @property
    def fits_ram(self) -> bool:
        return all(r.fits for r in self._rows("RAM", "arena"))

    @property
    def verdict(self) -> str:
        if self.fits:
            return "FITS"
        short = [name for name, ok in (("flash", self.fits_flash), ("RAM", self.fits_ram)) if not ok]
        return "DOES NOT FIT (" + " and ".join(short) + ")"

    def breakdown(self) -> list[str]:
        """The lines both commands print: one per region, then the verdict."""
        return [row.line() for row in self.rows] + [f"verdict: {self.verdict}"]

    # -- the figures the older single-number view used -----------------------------------
    @property
    def flash_needed_bytes(self) -> int:
        return self._rows("flash")[0].used_bytes

    @property
    def flash_available_bytes(self) -> int:
        return self._rows("flash")[0].available_bytes

    @property
    def ram_needed_bytes(self) -> int:
        return self._rows("RAM")[0].used_bytes

    @property
    def ram_available_bytes(self) -> int:
        return self._rows("RAM")[0].available_bytes

    @property
    def arena_needed_bytes(self) -> int:
        return self.arena_bytes

    flash_used_bytes = flash_needed_bytes
    flash_bytes = flash_available_bytes
    ram_used_bytes = ram_needed_bytes
    ram_bytes = ram_available_bytes

    @property
    def flash_headroom_pct(self) -> float:
        return min(r.headroom_pct for r in self._rows("flash", "model"))

    @property
    def ram_headroom_pct(self) -> float:
        return min(r.headroom_pct for r in self._rows("RAM", "arena"))

    def ram_summary(self) -> str:
        return "; ".join(f"{r.resource} ~{r.used_bytes} B of {r.available_bytes} B ({r.holds})"
                         for r in self._rows("RAM", "arena"))

    def to_dict(self) -> dict:
        return {
            "name": self.board,
            "regions": [{"resource": r.resource, "region": r.region, "used_bytes": r.used_bytes,
                         "available_bytes": r.available_bytes, "headroom_pct": round(r.headroom_pct, 2),
                         "fits": r.fits, "holds": r.holds} for r in self.rows],
            "flash_bytes": self.flash_available_bytes,
            "flash_used_bytes": self.flash_needed_bytes,
            "ram_bytes": self.ram_available_bytes,
            "ram_used_bytes": self.ram_needed_bytes,
            "flash_headroom_pct": round(self.flash_headroom_pct, 2),
            "ram_headroom_pct": round(self.ram_headroom_pct, 2),
            "fits_flash": self.fits_flash,
            "fits_ram": self.fits_ram,
            "fits": self.fits,
            "verdict": self.verdict,
        }


def check_fit(model_size_bytes, code_bytes, arena_bytes, board, stack_bytes=DEFAULT_STACK_BYTES,
              heap_bytes=DEFAULT_HEAP_BYTES, model_what="model", arena_parts=None) -> FitCheck:
    """Flash: the model (its own region if the board has one) + code; RAM: arena + stack + heap + static data.

    ``model_what`` names what stands for the model in flash ("model", "constants"). ``arena_parts``:
    ``[(region name, bytes), ...]`` for an arena the compiled runtime split across RAM regions (one row per
    region, the data region's row with its part added); None: the whole arena in the board's arena region.
    """
    if arena_parts is not None and not (len(arena_parts) == 1 and arena_parts[0][0] == board.arena_region.name):
        return _check_split_fit(model_size_bytes, code_bytes, arena_bytes, board, stack_bytes, heap_bytes,
                                model_what, arena_parts)
    rows = []
    if board.separate_model_region:
        rows.append(FitRow("flash", board.flash.name, code_bytes, board.flash_bytes, f"code ~{code_bytes} B (estimate)"))
        rows.append(FitRow("model", board.model_region.name, model_size_bytes, board.model_region.size_bytes,
                           f"{model_what} {model_size_bytes} B"))
    else:
        rows.append(FitRow("flash", board.flash.name, model_size_bytes + code_bytes, board.flash_bytes,
                           f"{model_what} {model_size_bytes} B + code ~{code_bytes} B (estimate)"))
    other = (f"stack {stack_bytes} B + heap {heap_bytes} B + static data {STATIC_DATA_ALLOWANCE_BYTES} B")
    other_bytes = stack_bytes + heap_bytes + STATIC_DATA_ALLOWANCE_BYTES
    if board.separate_arena:
        rows.append(FitRow("RAM", board.ram.name, other_bytes, board.ram.size_bytes, other))
        rows.append(FitRow("arena", board.arena_region.name, arena_bytes, board.arena_region.size_bytes,
                           f"arena {arena_bytes} B"))
    else:
        rows.append(FitRow("RAM", board.ram.name, arena_bytes + other_bytes, board.ram.size_bytes,
                           f"arena {arena_bytes} B + {other}"))
    return FitCheck(board.name, tuple(rows), board.separate_arena, arena_bytes)


def _flash_rows(model_size_bytes, code_bytes, board, model_what):
    if board.separate_model_region:
        return [FitRow("flash", board.flash.name, code_bytes, board.flash_bytes, f"code ~{code_bytes} B (estimate)"),
                FitRow("model", board.model_region.name, model_size_bytes, board.model_region.size_bytes,
                       f"{model_what} {model_size_bytes} B")]
    return [FitRow("flash", board.flash.name, model_size_bytes + code_bytes, board.flash_bytes,
                   f"{model_what} {model_size_bytes} B + code ~{code_bytes} B (estimate)")]


def _check_split_fit(model_size_bytes, code_bytes, arena_bytes, board, stack_bytes, heap_bytes, model_what,
                     arena_parts):
    """The rows of an arena in several RAM regions: the data region (stack, heap, static data and its part
    of the arena, if any), then one ``arena`` row per other region holding a part."""
    rows = _flash_rows(model_size_bytes, code_bytes, board, model_what)
    parts = dict(arena_parts)
    other = f"stack {stack_bytes} B + heap {heap_bytes} B + static data {STATIC_DATA_ALLOWANCE_BYTES} B"
    other_bytes = stack_bytes + heap_bytes + STATIC_DATA_ALLOWANCE_BYTES
    in_ram = parts.pop(board.ram.name, 0)
    rows.append(FitRow("RAM", board.ram.name, other_bytes + in_ram, board.ram.size_bytes,
                       (f"arena part {in_ram} B + " if in_ram else "") + other))
    sizes = {r.name: r.size_bytes for r in (board.arena_region, *board.memory)}
    for name, part_bytes in parts.items():
        rows.append(FitRow("arena", name, part_bytes, sizes.get(name, 0), f"arena part {part_bytes} B"))
    return FitCheck(board.name, tuple(rows), True, arena_bytes)
