"""The runtimes side by side: what each needs of a board (``attendnets report --runtime``).

One :class:`RuntimeFootprint` per runtime, in bytes:

RAM   = arena (TFLM: the smallest arena that allocates, its bookkeeping included; compiled:
        the static plan of activations and kernel scratch) + rest (stack, heap, static data:
        the generator's allowances for that runtime's project);
flash = constants (TFLM: the whole .tflite; compiled: weights, biases and requantization
        arrays in the layout its kernels use) + code (estimate: runtime and kernels plus the
        application).

The figures come from the runtime objects (``codegen.runtimes``: the TFLM runtime's from the
:class:`converter.report.build.MemoryReport`) and are handed in by the command, so this module
needs nothing from codegen.  The text table is here; the HTML panel is html_format's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from converter.report.build import BoardFit
from converter.report.fit import check_fit


@dataclass(frozen=True)
class RuntimeFootprint:
    runtime: str  # the runtime's name (--runtime)
    supported: bool
    reasons: tuple = ()  # why it cannot run the model
    support_doc: str = ""  # where the runtime's table of what it supports is (Runtime.support_doc), if it has one
    arena_bytes: int = 0
    scratch_bytes: int = 0  # kernel scratch, part of the arena
    # state kept between invocations (variable tensors) in a static area of its own (compiled runtime);
    # None: inside the arena (TFLM allocates variable tensors in its arena's persistent part)
    state_bytes: int | None = 0
    rest_ram_bytes: int = 0  # stack + heap + static data (allowances)
    constants_bytes: int = 0
    code_bytes: int = 0  # estimate
    note: str = ""
    board: BoardFit | None = None
    arena_parts: tuple = ()  # ((region name, bytes), ...): an arena split across RAM regions (compiled runtime)
    flash_data_what: str = "model"  # what the fit calls the flash data: "model" or "constants"
    stack_bytes: int = 0  # the stack part of rest_ram_bytes
    title_text: str = ""  # "TFLM interpreter", "compiled runtime" (default: the name)
    label_text: str = ""  # short, in comparisons: "TFLM", "compiled" (default: the name)
    # the compiled runtime's schedule (codegen.compiled.patch.ScheduleChoice.to_dict()): the layer-by-layer floor,
    # the chosen schedule's arena, its patch stages (split, grid) and extra MACs; None for a runtime without one
    schedule: dict | None = None

    @property
    def title(self) -> str:
        return self.title_text or self.runtime

    @property
    def label(self) -> str:
        return self.label_text or self.runtime

    @property
    def ram_bytes(self) -> int:
        return self.arena_bytes + (self.state_bytes or 0) + self.rest_ram_bytes

    @property
    def flash_bytes(self) -> int:
        return self.constants_bytes + self.code_bytes

    def with_board(self, board) -> "RuntimeFootprint":
        """The same figures with the fit on ``board`` (a codegen Board, or None)."""
        if board is None or not self.supported:
            return self
        # the one fit check generate and report --board make (rest = stack + heap + static data)
        return replace(self, board=check_fit(self.constants_bytes, self.code_bytes,
                                             self.arena_bytes + (self.state_bytes or 0), board,
                                             stack_bytes=self.stack_bytes, model_what=self.flash_data_what,
                                             arena_parts=list(self.arena_parts) or None))

    def to_dict(self) -> dict:
        doc = {
            "runtime": self.runtime,
            "supported": self.supported,
            "reasons": list(self.reasons),
        }
        if self.supported:
            doc.update({
                "ram": {"arena": self.arena_bytes, "scratch_in_arena": self.scratch_bytes,
                        "state": self.state_bytes,
                        "rest": self.rest_ram_bytes, "total": self.ram_bytes},
                "flash": {"constants": self.constants_bytes, "code_estimate": self.code_bytes,
                          "total": self.flash_bytes},
                "note": self.note,
                "arena_regions": [{"region": r, "bytes": b} for r, b in self.arena_parts],
                "schedule": self.schedule,
                "board": None if self.board is None else {
                    "name": self.board.board, "fits": self.board.fits, "fits_flash": self.board.fits_flash,
                    "fits_ram": self.board.fits_ram, "verdict": self.board.verdict,
                    "flash_headroom_pct": round(self.board.flash_headroom_pct, 2),
                    "ram_headroom_pct": round(self.board.ram_headroom_pct, 2),
                    "regions": self.board.to_dict()["regions"]},
            })
        return doc


def tflm_footprint(report, rest_ram_bytes: int, *, runtime: str, title: str,
                   label: str, flash_data_what: str, stack_bytes: int) -> RuntimeFootprint:
    """The TFLM project's figures from a MemoryReport (its arena, the .tflite, its code estimate)."""
    scratch = max((o.scratch_bytes for o in report.operators), default=0)
    return RuntimeFootprint(
        runtime=runtime, title_text=title, label_text=label, supported=True, flash_data_what=flash_data_what,
        stack_bytes=stack_bytes, arena_bytes=report.arena.required_bytes, scratch_bytes=scratch, state_bytes=None,
        rest_ram_bytes=rest_ram_bytes, constants_bytes=report.model_bytes,
        code_bytes=report.flash.firmware_code_bytes,
        note=f"{report.kernels} kernels; arena = the estimator's smallest arena that allocates "
             f"(persistent data {report.arena.tail_bytes:,} B of it)")


def cell_text(value):
    return f"{value:,}" if isinstance(value, int) else str(value)


def runtime_rows(footprints):
    """``[(label, [value per runtime])]`` of the comparison table."""
    def col(f, attr):
        return getattr(f, attr) if f.supported else "-"

    rows = [
        ("RAM: arena", [col(f, "arena_bytes") for f in footprints]),
        ("  of it kernel scratch", [col(f, "scratch_bytes") for f in footprints]),
        ("RAM: stack + heap + static", [col(f, "rest_ram_bytes") for f in footprints]),
        ("RAM total", [col(f, "ram_bytes") for f in footprints]),
        ("flash: constants", [col(f, "constants_bytes") for f in footprints]),
        ("flash: code (estimate)", [col(f, "code_bytes") for f in footprints]),
        ("flash total", [col(f, "flash_bytes") for f in footprints]),
    ]
    if any(f.supported and f.state_bytes for f in footprints):  # a model with state kept between invocations
        rows.insert(2, ("RAM: state (between invocations)",
                        [("in arena" if f.state_bytes is None else f.state_bytes) if f.supported else "-"
                         for f in footprints]))
    if any(f.board is not None for f in footprints):
        board = next(f.board.board for f in footprints if f.board is not None)
        rows.append((f"fits {_clip(board, BOARD_LABEL_CHARS)}",
                     [f.board.verdict if f.board is not None else "-" for f in footprints]))
    return rows


BOARD_LABEL_CHARS = 26  # a longer board name is cut with "…" in the label column
COLUMN_GAP = 3  # spaces at least between two columns


def _clip(text, width):
    return text if len(text) <= width else text[: width - 1] + "…"


def format_runtimes_text(footprints) -> str:
    """The side-by-side table (bytes), with why a runtime cannot run the model.

    Every column is as wide as its widest cell plus a gap, so a long board name or a verdict
    ("DOES NOT FIT (flash and RAM)") never runs into the next column.
    """
    titles = [f.title for f in footprints]
    rows = runtime_rows(footprints)
    label_width = max(len(label) for label, _ in rows) + COLUMN_GAP
    widths = [max(len(t), *(len(cell_text(values[i])) for _, values in rows)) + COLUMN_GAP for i, t in enumerate(titles)]
    lines = ["runtimes (bytes)", f"  {'':<{label_width}}" + "".join(f"{t:>{w}}" for t, w in zip(titles, widths))]
    for label, values in rows:
        lines.append(f"  {label:<{label_width}}" + "".join(f"{cell_text(v):>{w}}" for v, w in zip(values, widths)))
    if len(footprints) == 2 and all(f.supported for f in footprints):
        t, c = footprints
        if t.ram_bytes and t.arena_bytes:
            lines.append(f"  {c.label} / {t.label}: arena {c.arena_bytes / t.arena_bytes:.2f}x, RAM {c.ram_bytes / t.ram_bytes:.2f}x, "
                         f"flash {c.flash_bytes / t.flash_bytes:.2f}x")
    for f in footprints:
        if f.supported and f.board is not None:  # per region: what goes where
            lines.append(f"  {f.title} on {f.board.board}, per region:")
            lines.extend(f"    {line}" for line in f.board.breakdown()[:-1])
    for f in footprints:
        if not f.supported:
            lines.append(f"  {f.title} cannot run this model: {'; '.join(f.reasons)}"
                         + (f" (what it supports: {f.support_doc})" if f.support_doc else ""))
        elif f.note:
            lines.append(f"  ({f.title}: {f.note})")
    for f in footprints:
        if f.supported and f.schedule:
            lines.extend(f"  {line}" for line in schedule_lines(f))
    return "\n".join(lines)


def schedule_lines(footprint) -> list:
    """The compiled runtime's schedule in words: floor, chosen arena, each patch stage, extra MACs."""
    s = footprint.schedule
    pct = 100.0 * s["extra_macs_fraction"]
    lines = [f"{footprint.title} schedule: {s['schedule']} (--max-recompute {100 * s['max_recompute']:g} %)",
             f"  layer-by-layer floor: {s['floor_bytes']:,} B; chosen: {s['arena_bytes']:,} B "
             f"({'patch-based' if s['patch_based'] else 'layer by layer'})"]
    for st in s["stages"]:
        if st.get("in_place"):
            lines.append(f"  in place: operator {st['split_operator']} writes {st['split_tensor']!r} over its own "
                         f"input, {st['grid'][0]} bands of rows each buffered ({st['tile_buffer_bytes']:,} B at most) "
                         f"until no later band reads the input rows it lands on; saves "
                         f"{st['overlay_saved_bytes'] - st['tile_buffer_bytes']:,} B at that operator")
            continue
        over = ", split tensor over the consumed input rows" if st["split_over_input"] else ""
        lines.append(f"  patch stage: operators {st['first_operator']}-{st['split_operator']} in a "
                     f"{st['grid'][0]}x{st['grid'][1]} grid ({'bands of rows' if st['grid'][1] == 1 else 'rows x columns'}) "
                     f"of the split tensor "
                     f"{st['split_tensor']!r}{over}; {st['extra_macs']:,} extra MACs"
                     + (f"; {st['tile_steps_in_place']} tile steps in place" if st.get("tile_steps_in_place") else ""))
    if s.get("in_place_saved_bytes"):
        count = sum(1 for st in s["stages"] if st.get("in_place"))
        saved = sum(st["overlay_saved_bytes"] - st["tile_buffer_bytes"] for st in s["stages"] if st.get("in_place"))
        lines.append(f"  in-place execution: {count} operator(s) write over their input, {saved:,} B less live at "
                     f"those operators (no extra MACs; a copy of each output row)")
    lines.append(f"  extra MACs (recomputed overlap): {s['extra_macs']:,} of {s['total_macs']:,} ({pct:.1f} %)")
    return lines


def format_footprint_report_text(model_path, model_bytes, footprint, operators) -> str:
    """``report --runtime NAME`` of a runtime without a memory report of its own (the compiled runtime):
    operators (index, name, MACs) and the runtime's figures."""
    lines = [f"model: {model_path or '(bytes)'}  {model_bytes:,} bytes  runtime: {footprint.runtime}", "",
             f"{'#':>3}  {'operator':<28} {'MACs':>14}", "-" * 48]
    for index, name, macs in operators:
        lines.append(f"{index:>3}  {name:<28} {macs:>14,}")
    lines.append(f"     {'total':<28} {sum(m for _, _, m in operators):>14,}")
    lines.append("")
    lines.append(format_runtimes_text([footprint]))
    return "\n".join(lines)
