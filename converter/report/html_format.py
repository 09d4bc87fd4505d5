"""The HTML writer of a :class:`converter.report.build.MemoryReport`.

One self-contained page (inline CSS and SVG, no scripts, no network): summary
cards, the arena timeline (each planned buffer a box: operator index across,
arena offset up), per-operator bars of MACs and of live memory on the same
operator axis, and the tables of the terminal report.
"""

from __future__ import annotations

import html
import math

from attendnets_base.fsutil import HTML_GENERATOR_META
from converter.report.runtimes import cell_text, runtime_rows
from converter.report.runtimes import schedule_lines

PALETTE = {
    "input": "#2f7ed8",
    "output": "#e4572e",
    "activation": "#5aa469",
    "scratch": "#f2b134",
}

CSS = """
:root { --ink:#1d2733; --muted:#5b6775; --line:#d9dee5; --bg:#f6f7f9; --card:#fff; }
* { box-sizing: border-box; }
body { margin:0; font: 14px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color:var(--ink); background:var(--bg); }
main { max-width: 1320px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 28px 0 10px; }
.sub { color: var(--muted); margin-bottom: 18px; }
.cards { display:grid; grid-template-columns: repeat(auto-fit, minmax(190px, 1fr)); gap: 12px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px 14px; }
.card .k { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
.card .v { font-size:20px; font-weight:600; margin-top:2px; }
.card .n { color:var(--muted); font-size:12px; overflow-wrap:anywhere; }
.fits { color:#1e7b3a; } .nofit { color:#b3261e; }
.panel { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:14px; overflow-x:auto; }
.panel svg { max-width: 100%; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th { color: var(--muted); font-weight: 600; font-size: 12px; background:#fafbfc; position: sticky; top: 0; }
td.l, th.l { text-align: left; }
tr.peak td { background: #fff4e0; }
.legend span { display:inline-block; margin-right:16px; color:var(--muted); font-size:12px; }
.legend i { display:inline-block; width:12px; height:12px; border-radius:2px; margin-right:5px; vertical-align:-2px; }
.two { display:grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.note { color: var(--muted); font-size: 12px; margin-top: 6px; }
svg text { font: 11px -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: #5b6775; }
"""


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _kib(n: int) -> str:
    """A size for people: bytes below 1 KiB, else KiB."""
    return f"{n:,} B" if n < 1024 else f"{n / 1024:,.1f} KiB"


def _si(n: float) -> str:
    for unit, div in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= div:
            return f"{n / div:.3g}{unit}"
    return f"{n:g}"


def _shape(s) -> str:
    return "×".join(str(d) for d in s) if s else "scalar"


def _nice_step(span: float, target_ticks: int = 6) -> float:
    """A 1/2/2.5/5 x 10^k step giving about ``target_ticks`` ticks over ``span``."""
    raw = max(span / target_ticks, 1e-9)
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if m * mag >= raw:
            return m * mag
    return 10 * mag


def _byte_axis(top_bytes: float):
    """(tick step in bytes, tick label function) for an axis of sizes up to ``top_bytes``."""
    if top_bytes < 2048:
        return max(1.0, _nice_step(top_bytes, 5)), lambda v: f"{v:g} B"
    return _nice_step(top_bytes / 1024, 5) * 1024, lambda v: f"{v / 1024:g} KiB"


def _box_kind(box, inputs, outputs) -> str:
    if box.tensor is None:
        return "scratch"
    if box.tensor in inputs:
        return "input"
    if box.tensor in outputs:
        return "output"
    return "activation"


def arena_timeline_svg(report, width=1230, height=400) -> str:
    """Each arena-head buffer a box: x from its first to its last operator, y its offset range."""
    n_ops = max(len(report.operators), 1)
    left, right, top, bottom = 64, 12, 12, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    top_bytes = max([b.offset + b.size_bytes for b in report.boxes] + [report.arena.head_bytes, 1])
    col = plot_w / n_ops

    def x(op):
        return left + op * col

    def y(offset):
        return top + plot_h - offset / top_bytes * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'style="width:100%;height:auto;display:block" role="img" aria-label="arena timeline">']
    parts.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fbfcfd" stroke="#d9dee5"/>')
    peak = report.peak_op_index
    parts.append(f'<rect x="{x(peak):.2f}" y="{top}" width="{col:.2f}" height="{plot_h}" fill="#fff1d6"/>')
    step, label = _byte_axis(top_bytes)
    tick = 0.0
    while tick <= top_bytes + 1:
        yy = y(tick)
        parts.append(f'<line x1="{left}" y1="{yy:.1f}" x2="{left + plot_w}" y2="{yy:.1f}" stroke="#eceff3"/>')
        parts.append(f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end">{label(tick)}</text>')
        tick += step
    op_step = max(1, int(_nice_step(n_ops, 12)))
    for op in range(0, n_ops, op_step):
        xx = x(op) + col / 2
        parts.append(f'<text x="{xx:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{op}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.0f}" y="{height - 4}" text-anchor="middle">operator index '
                 f'(shaded: peak, op {peak})</text>')
    for box in sorted(report.boxes, key=lambda b: -b.size_bytes):
        kind = _box_kind(box, report.model_inputs, report.model_outputs)
        x0, x1 = x(box.first_op), x(box.last_op + 1)
        y0, y1 = y(box.offset + box.size_bytes), y(box.offset)
        h = max(y1 - y0, 1.0)
        label = (f"{box.name} ({'tensor ' + str(box.tensor) if box.tensor is not None else 'scratch buffer'}): "
                 f"{box.size_bytes:,} B at offset {box.offset:,}, ops {box.first_op}-{box.last_op}")
        parts.append(
            f'<rect x="{x0 + 0.5:.2f}" y="{y0:.2f}" width="{max(x1 - x0 - 1, 1):.2f}" height="{h:.2f}" '
            f'fill="{PALETTE[kind]}" fill-opacity="0.78" stroke="#ffffff" stroke-width="0.6">'
            f'<title>{_e(label)}</title></rect>'
        )
    parts.append(f'<rect x="{x(peak):.2f}" y="{top}" width="{col:.2f}" height="{plot_h}" fill="none" '
                 f'stroke="#e08a00" stroke-width="1.2" stroke-dasharray="4 3"/>')
    head_y = y(report.arena.head_bytes)
    parts.append(f'<line x1="{left}" y1="{head_y:.1f}" x2="{left + plot_w}" y2="{head_y:.1f}" stroke="#1d2733" '
                 f'stroke-dasharray="6 4" stroke-width="1"/>')
    parts.append(f'<text x="{left + plot_w - 4}" y="{head_y - 4:.1f}" text-anchor="end" style="fill:#1d2733">'
                 f'arena head {report.arena.head_bytes:,} B</text>')
    parts.append("</svg>")
    return "".join(parts)


def bars_svg(values, stacked=None, colors=("#5b7fb9",), labels=("",), peak=None, width=600, height=230,
             fmt=_si, title="", ref_line=None, byte_axis=False) -> str:
    """Vertical bars per operator; ``stacked`` is a list of series (each a list) drawn on top of each other."""
    series = stacked if stacked is not None else [values]
    n = max(len(series[0]), 1)
    totals = [sum(s[i] for s in series) for i in range(n)]
    top_value = max(totals + [1] + ([ref_line[0]] if ref_line else []))
    left, right, top, bottom = 56, 8, 22, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    col = plot_w / n
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'style="width:100%;height:auto;display:block" role="img" aria-label="{_e(title)}">']
    parts.append(f'<text x="{left}" y="14" style="font-weight:600;fill:#1d2733">{_e(title)}</text>')
    if byte_axis:
        step, fmt = _byte_axis(top_value)
    else:
        step = _nice_step(top_value, 4)
    tick = 0.0
    while tick <= top_value * 1.0001:
        yy = top + plot_h - tick / top_value * plot_h
        parts.append(f'<line x1="{left}" y1="{yy:.1f}" x2="{left + plot_w}" y2="{yy:.1f}" stroke="#eceff3"/>')
        parts.append(f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end">{fmt(tick)}</text>')
        tick += step
    if peak is not None and 0 <= peak < n:
        parts.append(f'<rect x="{left + peak * col:.2f}" y="{top}" width="{col:.2f}" height="{plot_h}" fill="#fff1d6"/>')
    for i in range(n):
        base = 0.0
        for s, color, label in zip(series, colors, labels):
            v = s[i]
            if v <= 0:
                continue
            h = v / top_value * plot_h
            yy = top + plot_h - (base + v) / top_value * plot_h
            parts.append(
                f'<rect x="{left + i * col + col * 0.12:.2f}" y="{yy:.2f}" width="{max(col * 0.76, 0.8):.2f}" '
                f'height="{max(h, 0.5):.2f}" fill="{color}"><title>op {i}{(" " + label) if label else ""}: '
                f'{v:,.0f}</title></rect>'
            )
            base += v
    if ref_line:
        yy = top + plot_h - ref_line[0] / top_value * plot_h
        parts.append(f'<line x1="{left}" y1="{yy:.1f}" x2="{left + plot_w}" y2="{yy:.1f}" stroke="#1d2733" '
                     f'stroke-dasharray="6 4"/>')
        parts.append(f'<text x="{left + plot_w - 4}" y="{yy - 4:.1f}" text-anchor="end" style="fill:#1d2733">'
                     f'{_e(ref_line[1])}</text>')
    op_step = max(1, int(_nice_step(n, 8)))
    for i in range(0, n, op_step):
        parts.append(f'<text x="{left + i * col + col / 2:.1f}" y="{top + plot_h + 14}" text-anchor="middle">{i}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.0f}" y="{height - 2}" text-anchor="middle">operator index</text>')
    parts.append("</svg>")
    return "".join(parts)


def _operator_table_html(rows, peak_index, totals_of=None) -> str:
    """One subgraph's operators as a table; ``totals_of``: the report whose totals (every subgraph) end it."""
    out = ['<div class="panel" style="margin-top:12px"><table><thead><tr>'
           '<th>#</th><th class="l">operator</th><th class="l">input</th><th class="l">output</th>'
           "<th>MACs</th><th>weights B</th><th>activations B</th><th>scratch B</th></tr></thead><tbody>"]
    for o in rows:
        cls = ' class="peak"' if o.index == peak_index else ""
        out.append(
            f"<tr{cls}><td>{o.index}</td><td class=\"l\">{_e(o.name)}</td>"
            f"<td class=\"l\">{_e(', '.join(_shape(s) for s in o.input_shapes))}</td>"
            f"<td class=\"l\">{_e(', '.join(_shape(s) for s in o.output_shapes))}</td>"
            f"<td>{o.macs:,}</td><td>{o.weight_bytes:,}</td><td>{o.activation_bytes:,}</td>"
            f"<td>{o.scratch_bytes:,}</td></tr>"
        )
    if totals_of is not None:
        label = "total (every subgraph)" if totals_of.subgraphs else "total"
        out.append(f'<tr><td></td><td class="l"><b>{label}</b></td><td></td><td></td>'
                   f"<td><b>{totals_of.total_macs:,}</b></td><td><b>{totals_of.weight_bytes:,}</b></td>"
                   "<td></td><td></td></tr>")
    out.append("</tbody></table></div>")
    return "\n".join(out)


def format_report_html(report) -> str:
    r = report
    name = (r.model_path or "model").rsplit("/", 1)[-1]
    cards = [
        ("Arena required", _kib(r.arena.required_bytes), f"{r.arena.required_bytes:,} B · give the firmware this"),
        ("Arena used (recorded)", _kib(r.arena.total_bytes),
         f"head {r.arena.head_bytes:,} B · tail {r.arena.tail_bytes:,} B"),
        ("Peak live memory", _kib(r.peak_live_bytes), f"op {r.peak_op_index} · {r.peak_op_name}"),
        ("Flash", _kib(r.flash.total_bytes),
         f"model {r.flash.model_bytes:,} B + code ≈{r.flash.firmware_code_bytes:,} B"),
        ("Compute", f"{_si(r.total_macs)} MACs", f"{len(r.operators)} operators · {r.weight_bytes:,} B weights"),
    ]
    if r.board is not None:
        cls = "fits" if r.board.fits else "nofit"
        cards.append((f"Board {r.board.board}", f'<span class="{cls}">{_e(r.board.verdict)}</span>',
                      f"flash headroom {r.board.flash_headroom_pct:.1f}% · RAM headroom {r.board.ram_headroom_pct:.1f}%"))
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">', HTML_GENERATOR_META,
           f"<title>TFLM memory report: {_e(name)}</title>",
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<style>{CSS}</style></head><body><main>"]
    out.append(f"<h1>TFLM memory report: {_e(name)}</h1>")
    out.append(f'<div class="sub">{_e(r.model_path or "")} · {r.model_bytes:,} bytes · target {_e(r.target)} '
               f"({r.arena.pointer_bytes * 8}-bit) · {_e(r.kernels)} kernels</div>")
    out.append('<div class="cards">')
    for key, value, note in cards:
        value_html = value if value.startswith("<span") else _e(value)
        out.append(f'<div class="card"><div class="k">{_e(key)}</div><div class="v">{value_html}</div>'
                   f'<div class="n">{_e(note)}</div></div>')
    out.append("</div>")

    out.append("<h2>Arena timeline</h2>")
    out.append('<div class="panel">')
    out.append('<div class="legend">' + "".join(
        f'<span><i style="background:{c}"></i>{k}</span>' for k, c in PALETTE.items()) + "</div>")
    out.append(arena_timeline_svg(r))
    out.append('<div class="note">Each box is one buffer of the arena head as TFLM\'s GreedyMemoryPlanner places '
               "it: across, the operators during which it is live; up, its offset in the arena. "
               "Hover a box for its name and size.</div></div>")

    out.append("<h2>Per operator</h2>")
    macs = [o.macs for o in r.operators]
    out.append('<div class="two"><div class="panel">')
    out.append(bars_svg(macs, colors=("#5b7fb9",), peak=r.peak_op_index, title="MACs per operator"))
    out.append('</div><div class="panel">')
    out.append(bars_svg(None, stacked=[[o.activation_bytes for o in r.operators],
                                       [o.scratch_bytes for o in r.operators]],
                        colors=(PALETTE["activation"], PALETTE["scratch"]), labels=("activations", "scratch"),
                        peak=r.peak_op_index, byte_axis=True, title="Live memory per operator (activations + scratch)",
                        ref_line=(r.arena.head_bytes, f"arena head {_kib(r.arena.head_bytes)}")))
    out.append("</div></div>")

    tables = [(None, r.operators, r.peak_op_index)] + [(g, g.operators, None) for g in r.subgraphs]
    for n, (g, rows, peak) in enumerate(tables):
        if g is not None:
            title = f"Subgraph {g.index}{f' ({g.name})' if g.name else ''}"
            out.append(f"<h2>{_e(title)}</h2>")
            out.append('<div class="note">Run by a control-flow operator (IF / WHILE / CALL_ONCE); activation and '
                       "scratch bytes of its own planned buffers while each operator runs.</div>")
        elif r.subgraphs:
            out.append('<div class="note" style="margin-top:12px">Subgraph 0 (main); the subgraphs its control-flow '
                       "operators run follow, a table each.</div>")
        out.append(_operator_table_html(rows, peak, r if n == len(tables) - 1 else None))

    out.append('<div class="two" style="margin-top:12px">')
    a = r.arena
    out.append('<div class="panel"><table><thead><tr><th class="l">arena</th><th>bytes</th></tr></thead><tbody>')
    for label, value in (("required (smallest that allocates)", a.required_bytes), ("used (recorded)", a.total_bytes),
                         ("head: tensors + scratch", a.head_bytes), ("tail: persistent", a.tail_bytes)):
        out.append(f'<tr><td class="l">{_e(label)}</td><td>{value:,}</td></tr>')
    for cat, value in a.categories.items():
        out.append(f'<tr><td class="l">&nbsp;&nbsp;{_e(cat)}</td><td>{value:,}</td></tr>')
    out.append(f'<tr><td class="l">&nbsp;&nbsp;other (allocator objects, op options, ...)</td>'
               f"<td>{a.other_tail_bytes:,}</td></tr>")
    if r.measurement is not None:
        m = r.measurement
        out.append(f'<tr><td class="l">measured used / required (host interpreter)</td>'
                   f"<td>{m.used_bytes:,} / {m.required_bytes:,}</td></tr>")
        out.append(f'<tr><td class="l">estimate used / required (host build)</td>'
                   f"<td>{m.estimate_used_bytes:,} / {m.estimate_required_bytes:,}</td></tr>")
    out.append("</tbody></table></div>")
    f = r.flash
    out.append('<div class="panel"><table><thead><tr><th class="l">flash</th><th>bytes</th></tr></thead><tbody>')
    out.append(f'<tr><td class="l">model</td><td>{f.model_bytes:,}</td></tr>')
    out.append(f'<tr><td class="l">TFLM runtime code (estimate)</td><td>{f.runtime_code_bytes:,}</td></tr>')
    for op, value in f.kernel_code_bytes.items():
        out.append(f'<tr><td class="l">&nbsp;&nbsp;kernel {_e(op)}</td><td>{value:,}</td></tr>')
    if f.shared_code_bytes:
        out.append(f'<tr><td class="l">&nbsp;&nbsp;helpers shared by these kernels, counted once</td>'
                   f"<td>{f.shared_code_bytes:,}</td></tr>")
    if f.application_code_bytes:
        out.append(f'<tr><td class="l">application code (main, platform, startup, C library)</td>'
                   f"<td>{f.application_code_bytes:,}</td></tr>")
    out.append(f'<tr><td class="l"><b>total</b></td><td><b>{f.total_bytes:,}</b></td></tr>')
    out.append("</tbody></table>")
    out.append(f'<div class="note">Code estimate: {_e(f.code_method)}</div></div>')
    out.append("</div>")

    if r.board is not None:
        b = r.board
        out.append(f"<h2>Fit on {_e(b.board)}</h2>")
        out.append('<div class="panel"><table><thead><tr><th class="l">resource</th><th class="l">holds</th>'
                   "<th>used</th><th>available</th><th>headroom</th><th class=\"l\">fits</th></tr></thead><tbody>")
        for row in b.rows:
            cls = "fits" if row.fits else "nofit"
            out.append(f'<tr><td class="l">{_e(row.resource)} ({_e(row.region)})</td><td class="l">{_e(row.holds)}</td>'
                       f'<td>{row.used_bytes:,}</td><td>{row.available_bytes:,}</td><td>{row.headroom_pct:.1f}%</td>'
                       f'<td class="l {cls}">{"yes" if row.fits else "NO"}</td></tr>')
        out.append("</tbody></table>")
        out.append(f'<div class="note">Verdict: <b class="{"fits" if b.fits else "nofit"}">{_e(b.verdict)}</b></div>')
        if r.what_would_fit:
            out.append('<div class="note">What would fit:<ul>'
                       + "".join(f"<li>{_e(s)}</li>" for s in r.what_would_fit) + "</ul></div>")
        out.append("</div>")

    if r.runtimes:
        out.append(runtimes_html_section(r.runtimes))

    if r.warnings:
        out.append("<h2>Warnings</h2><div class=\"panel\"><ul>")
        out.extend(f"<li>{_e(w)}</li>" for w in r.warnings)
        out.append("</ul></div>")
    out.append("</main></body></html>")
    return "\n".join(out)


def runtimes_html_section(footprints) -> str:
    """An HTML panel (the report page's classes) with the side-by-side table."""
    e = html.escape
    out = ["<h2>Runtimes side by side</h2>", '<div class="panel"><table><thead><tr><th class="l">bytes</th>']
    out.extend(f"<th>{e(f.title)}</th>" for f in footprints)
    out.append("</tr></thead><tbody>")
    for label, values in runtime_rows(footprints):
        cells = []
        for v in values:
            cls = ""
            if isinstance(v, str) and v != "-":
                cls = ' class="fits"' if v == "FITS" else ' class="nofit"'
            cells.append(f"<td{cls}>{e(cell_text(v))}</td>")
        out.append(f'<tr><td class="l">{e(label.strip())}</td>{"".join(cells)}</tr>')
    out.append("</tbody></table>")
    for f in footprints:
        text = (f"cannot run this model: {'; '.join(f.reasons)}" if not f.supported else f.note)
        if text:
            out.append(f'<div class="note">{e(f.title)}: {e(text)}</div>')
    out.append("</div>")
    for f in footprints:
        if f.supported and f.schedule:
            out.append(_schedule_html(f))
    return "\n".join(out)


def _schedule_html(footprint) -> str:
    """The compiled runtime's schedule: its lines, and a bar per phase (patch stages, layer by layer) against the
    layer-by-layer floor."""
    e = html.escape
    s = footprint.schedule
    lines = schedule_lines(footprint)
    out = [f"<h2>{e(lines[0])}</h2>", '<div class="panel">']
    out.extend(f'<div class="note">{e(line.strip())}</div>' for line in lines[1:])
    floor = max(s["floor_bytes"], 1)
    for label, value in (("layer-by-layer floor", s["floor_bytes"]), ("chosen schedule", s["arena_bytes"])):
        width = 100.0 * value / floor
        out.append(f'<div class="note">{e(label)}: {value:,} B</div>'
                   f'<svg width="100%" height="14" role="img" aria-label="{e(label)}">'
                   f'<rect x="0" y="2" width="{width:.1f}%" height="10" fill="#4c78a8"/></svg>')
    out.append("</div>")
    return "\n".join(out)



def format_footprint_report_html(model_path, model_bytes, footprint, operators) -> str:
    """The HTML page of :func:`converter.report.runtimes.format_footprint_report_text`."""
    e = html.escape
    name = (model_path or "model").rsplit("/", 1)[-1]
    title = footprint.title[:1].upper() + footprint.title[1:]
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">', HTML_GENERATOR_META,
           f"<title>{e(title)} memory report: {e(name)}</title>",
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<style>{CSS}</style></head><body><main>",
           f"<h1>{e(title)} memory report: {e(name)}</h1>",
           f'<div class="sub">{e(model_path or "")} · {model_bytes:,} bytes</div>',
           runtimes_html_section([footprint]),
           "<h2>Per operator</h2>",
           '<div class="panel"><table><thead><tr><th>#</th><th class="l">operator</th><th>MACs</th></tr></thead><tbody>']
    out.extend(f'<tr><td>{i}</td><td class="l">{e(n)}</td><td>{m:,}</td></tr>' for i, n, m in operators)
    out.append("</tbody></table></div></main></body></html>")
    return "\n".join(out)
