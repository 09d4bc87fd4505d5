"""What ``attendnets validate`` prints and writes: a text summary, JSON, and a self-contained HTML page
(the style of converter/report/html_format.py: cards, bar chart of time per operator, tables)."""

from __future__ import annotations

import json

from attendnets_base.fsutil import HTML_GENERATOR_META
from converter.report.html_format import CSS, _e, _si, bars_svg


def _pct(x):
    return "-" if x is None else f"{100 * x:.2f}%"


def _num(x):
    return "-" if x is None else f"{x:,.0f}"


def format_text(s: dict) -> str:
    lines = []
    status = "INTERRUPTED: " if s["interrupted"] else ""
    lines.append(f"{status}validated {s['inputs']} of {s['requested']} inputs ({s['data']}) of {s['model']} on "
                 f"{s['board']} ({s['runtime']} runtime, {s['transport']})")
    b = s["bit_exact"]
    verdict = "bit-exact" if b["all"] else "MISMATCH"
    lines.append(f"  outputs vs tflite-micro:  {b['matching']}/{b['inputs']} bit-exact ({verdict}), "
                 f"largest difference {b['max_abs_diff']:g}")
    if b["saved"]:
        lines.append(f"  first mismatching inputs saved: {', '.join(b['saved'])}")
    a = s["accuracy"]
    if a:
        float_text = (f"float {_pct(a['float'])}" if a.get("float") is not None else f"float - ({a['float_note']})")
        lines.append(f"  accuracy ({a['images']} labelled): device int8 {_pct(a['device_int8'])}, "
                     f"host int8 {_pct(a['host_int8'])}, {float_text}")
    lat = s["latency"]
    if lat:
        lines.append(f"  latency ({lat['unit']}): min {_num(lat['min'])}, median {_num(lat['median'])}, "
                     f"max {_num(lat['max'])}; {lat['ms']['median']:.3f} ms at {s['firmware']['clock_hz'] / 1e6:g} MHz")
        lines.append(f"    ({lat['note']})")
    m = s.get("modelled")
    if m and m.get("instructions"):
        text = f"  per inference (median): {_num(m['instructions']['median'])} {m['instructions_label']}"
        if m.get("cycles"):
            text += (f", {_num(m['cycles']['median'])} {m['cycles_label']} = {m['ms_at_board_clock']:.3f} ms at "
                     f"{s['firmware']['clock_hz'] / 1e6:g} MHz")
        lines.append(text)
        lines.append(f"    ({m['note']})")
    elif m:
        lines.append(f"  {m['note']}")
    lines.extend(classification_text(s.get("classification")))
    lines.extend(float_comparison_text(s.get("float_comparison")))
    lines.append(f"  firmware: arena {s['firmware']['arena_bytes']:,} B; frames resent {s['retried_frames']}")
    p = s["profile"]
    if p:
        unit = lat["unit"]
        per = f"macs_per_{unit[:-1]}"
        with_cycles = any("model_cycles" in o for o in p["operators"])
        lines.append("")
        lines.append(f"  {'#':>3}  {'operator':<24} {unit:>14} {'share':>7} {'MACs':>12} {'MACs/' + unit[:-1]:>14}"
                     + (f" {'cycles (M4 model)':>18} {'MACs/cycle':>10}" if with_cycles else ""))
        for o in p["operators"]:
            ratio = "-" if o[per] is None or not o["macs"] else f"{o[per]:.3f}"
            extra = ""
            if with_cycles:
                per_cycle = o.get("macs_per_model_cycle")
                extra = (f" {o.get('model_cycles', 0):>18,.0f} "
                         f"{'-' if not per_cycle or not o['macs'] else f'{per_cycle:.3f}':>10}")
            lines.append(f"  {o['index']:>3}  {o['name'][:24]:<24} {o[unit]:>14,.0f} {100 * o['share']:>6.1f}% "
                         f"{o['macs']:>12,} {ratio:>14}{extra}")
        lines.append(f"  {'':>3}  {'sum of operators':<24} {p['sum']:>14,.0f}")
        lines.append(f"  {'':>3}  {'whole inference (median)':<24} {p['total_median']:>14,.0f}  "
                     f"unaccounted {p['unaccounted']:,.0f} (bound {p['overhead_bound']:,.0f}: "
                     f"{'within' if p['within_overhead'] else 'OUTSIDE'})")
        lines.append(f"    ({p['note']})")
        if with_cycles:
            lines.append("    (cycles (M4 model): the Cortex-M4 timing model, 0 wait states, from model_profile_begin to "
                         "model_profile_end less an empty begin/end pair; docs/timing.md)")
    return "\n".join(lines)


def _metric(value, pct=False):
    if value is None:
        return "n/a"
    return f"{100 * value:.2f}%" if pct else f"{value:.6g}"


#: ST Edge AI Core's metric names, in the order its validate report prints them.
FLOAT_METRICS = (("acc", "ACC", True), ("rmse", "RMSE", False), ("mae", "MAE", False), ("l2r", "L2r", False),
                 ("mean", "MEAN", False), ("std", "STD", False), ("nse", "NSE", False), ("cos", "COS", False))


MISCLASSIFIED_IN_TEXT = 10


def classification_text(c) -> list:
    """Per-class accuracy, the confusion matrix and the misclassified inputs (device classes vs labels)."""
    if not c:
        return []
    names = c["classes"]
    width = max(5, *(len(n) for n in names[:30])) + 1
    lines = ["", "  per class (device int8 vs labels):"]
    for row in c["per_class"]:
        if row["inputs"]:
            lines.append(f"    {row['name']:<{width}} {row['correct']:>5}/{row['inputs']:<5} {_pct(row['accuracy'])}")
    if len(names) <= 30:
        lines.append("  confusion matrix (rows: label, columns: device class):")
        cell = max(4, *(len(str(v)) + 1 for r in c["confusion_matrix"] for v in r))
        lines.append("    " + " " * width + "".join(f"{str(i):>{cell}}" for i in range(len(names))))
        for i, r in enumerate(c["confusion_matrix"]):
            lines.append(f"    {names[i]:<{width}}" + "".join(f"{v:>{cell}}" for v in r))
    if c["misclassified_count"]:
        shown = c["misclassified"][:MISCLASSIFIED_IN_TEXT]
        lines.append(f"  misclassified: {c['misclassified_count']} input(s)"
                     + (f" (first {len(shown)}; --json and --html list {len(c['misclassified'])})"
                        if len(shown) < c["misclassified_count"] else "") + ": "
                     + ", ".join(f"#{m['input']}{' ' + m['name'] if m['name'] else ''} "
                                 f"{m['label_name']}->{m['predicted_name']}" for m in shown))
    else:
        lines.append("  misclassified: none")
    return lines


def float_comparison_text(f) -> list:
    """ST Edge AI Core's validate metrics per output, device (int8) against the float model."""
    if not f:
        return []
    lines = ["", f"  against the float model ({f['reference']}), per output (ST Edge AI Core's metrics):",
             "    " + f"{'output':<8}" + "".join(f"{label:>12}" for _, label, _ in FLOAT_METRICS)]
    for i, m in enumerate(f["outputs"]):
        lines.append("    " + f"{i:<8}" + "".join(f"{_metric(m[key], pct):>12}" for key, _, pct in FLOAT_METRICS))
    first = f["outputs"][0]
    if first.get("acc_against"):
        lines.append(f"    (ACC against {first['acc_against']}"
                     + (f"; the float model's own: {_pct(first['acc_reference'])}" if first["acc_reference"] is not None
                        else "") + f"; {f['definitions']})")
    else:
        lines.append(f"    ({f['definitions']})")
    return lines


OFF_DIAGONAL = ' class="nofit"'  # a confusion-matrix cell counting misclassified inputs


def _classification_html(c) -> list:
    if not c:
        return []
    names = c["classes"]
    out = ['<h2>Accuracy per class</h2><div class="two"><div class="panel"><table><thead><tr>'
           '<th class="l">class</th><th>inputs</th><th>correct</th><th>accuracy</th></tr></thead><tbody>']
    for row in c["per_class"]:
        if row["inputs"]:
            out.append(f'<tr><td class="l">{_e(row["name"])}</td><td>{row["inputs"]}</td><td>{row["correct"]}</td>'
                       f'<td>{_pct(row["accuracy"])}</td></tr>')
    out.append('</tbody></table></div><div class="panel"><table><thead><tr><th class="l">label / device</th>'
               + "".join(f"<th>{_e(n)}</th>" for n in names) + "</tr></thead><tbody>")
    for i, r in enumerate(c["confusion_matrix"]):
        out.append(f'<tr><td class="l">{_e(names[i])}</td>'
                   + "".join(f"<td{OFF_DIAGONAL if v and j != i else ''}>{v}</td>" for j, v in enumerate(r))
                   + "</tr>")
    out.append("</tbody></table></div></div>")
    if c["misclassified"]:
        out.append('<div class="panel"><table><thead><tr><th>#</th><th class="l">input</th><th class="l">label</th>'
                   '<th class="l">device</th></tr></thead><tbody>')
        for m in c["misclassified"]:
            out.append(f'<tr><td>{m["input"]}</td><td class="l">{_e(m["name"] or "")}</td>'
                       f'<td class="l">{_e(m["label_name"])}</td><td class="l">{_e(m["predicted_name"])}</td></tr>')
        out.append(f'</tbody></table><div class="note">{c["misclassified_count"]} misclassified</div></div>')
    return out


def _float_html(f) -> list:
    if not f:
        return []
    out = [f'<h2>Against the float model (ST Edge AI Core\'s metrics)</h2><div class="panel"><table><thead><tr>'
           '<th class="l">output</th>' + "".join(f"<th>{label}</th>" for _, label, _ in FLOAT_METRICS)
           + "</tr></thead><tbody>"]
    for i, m in enumerate(f["outputs"]):
        out.append(f'<tr><td class="l">{i}</td>'
                   + "".join(f"<td>{_e(_metric(m[key], pct))}</td>" for key, _, pct in FLOAT_METRICS) + "</tr>")
    out.append(f'</tbody></table><div class="note">{_e(f["reference"])}; {_e(f["definitions"])}</div></div>')
    return out


def format_json(s: dict) -> str:
    return json.dumps(s, indent=2, sort_keys=True)


def format_html(s: dict, memory_timeline_svg: str | None = None) -> str:
    """``memory_timeline_svg``: the arena timeline of the runtime's memory plan, shown beside the time bars
    (converter.report's, for the TFLM runtime)."""
    name = s["model"].rsplit("/", 1)[-1]
    b, a, lat, p = s["bit_exact"], s["accuracy"], s["latency"], s["profile"]
    cards = [("Bit-exact vs tflite-micro", f"{b['matching']}/{b['inputs']}",
              f"largest difference {b['max_abs_diff']:g}" + (" · INTERRUPTED" if s["interrupted"] else ""))]
    if a:
        cards.append(("Accuracy on the device", _pct(a["device_int8"]),
                      f"host int8 {_pct(a['host_int8'])} · {a['images']} labelled inputs"))
    if lat:
        cards.append((f"Latency ({lat['unit']})", _si(lat["median"]),
                      f"min {_num(lat['min'])} · max {_num(lat['max'])} · {lat['ms']['median']:.3f} ms at "
                      f"{s['firmware']['clock_hz'] / 1e6:g} MHz"))
    m = s.get("modelled")
    if m and m.get("cycles"):
        cards.append(("Cycles (Cortex-M4 timing model)", _si(m["cycles"]["median"]),
                      f"{m['cycles_label']} · {_num(m['instructions']['median'])} {m['instructions_label']}"))
    cards.append(("Firmware", f"{s['firmware']['arena_bytes']:,} B arena",
                  f"{s['runtime']} runtime · {s['board']} · {s['transport']}"))
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">', HTML_GENERATOR_META,
           f"<title>Validation on the device: {_e(name)}</title>",
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<style>{CSS}</style></head><body><main>",
           f"<h1>Validation on the device: {_e(name)}</h1>",
           f'<div class="sub">{_e(s["model"])} · {s["inputs"]} of {s["requested"]} inputs ({_e(s["data"])}) · '
           f'{_e(s["board"])} · {_e(s["runtime"])} runtime</div>', '<div class="cards">']
    for key, value, note in cards:
        out.append(f'<div class="card"><div class="k">{_e(key)}</div><div class="v">{_e(value)}</div>'
                   f'<div class="n">{_e(note)}</div></div>')
    out.append("</div>")
    if lat:
        out.append(f'<div class="note">{_e(lat["note"])}</div>')
    if p:
        unit = lat["unit"]
        per = f"macs_per_{unit[:-1]}"
        out.append("<h2>Time per operator</h2>")
        out.append('<div class="two"><div class="panel">')
        out.append(bars_svg([o[unit] for o in p["operators"]], colors=("#e4572e",),
                            title=f"{unit} per operator (median)"))
        out.append('</div><div class="panel">')
        out.append(bars_svg([o["macs"] for o in p["operators"]], colors=("#5b7fb9",), title="MACs per operator"))
        out.append("</div></div>")
        if memory_timeline_svg:
            out.append('<h2>Arena timeline (TFLM\'s memory plan, same operator axis)</h2><div class="panel">')
            out.append(memory_timeline_svg + "</div>")
        out.append('<div class="panel" style="margin-top:12px"><table><thead><tr><th>#</th>'
                   f'<th class="l">operator</th><th>{unit}</th><th>share</th><th>MACs</th>'
                   f"<th>MACs per {unit[:-1]}</th>"
                   + ("<th>cycles (Cortex-M4 model)</th>" if any("model_cycles" in o for o in p["operators"]) else "")
                   + "</tr></thead><tbody>")
        for o in p["operators"]:
            ratio = "-" if o[per] is None or not o["macs"] else f"{o[per]:.3f}"
            model_cell = f'<td>{o["model_cycles"]:,.0f}</td>' if "model_cycles" in o else ""
            out.append(f'<tr><td>{o["index"]}</td><td class="l">{_e(o["name"])}</td><td>{o[unit]:,.0f}</td>'
                       f'<td>{100 * o["share"]:.1f}%</td><td>{o["macs"]:,}</td><td>{ratio}</td>{model_cell}</tr>')
        out.append(f'<tr><td></td><td class="l"><b>sum of operators</b></td><td><b>{p["sum"]:,.0f}</b></td>'
                   "<td></td><td></td><td></td></tr>")
        out.append(f'<tr><td></td><td class="l">whole inference (median)</td><td>{p["total_median"]:,.0f}</td>'
                   "<td></td><td></td><td></td></tr></tbody></table>")
        out.append(f'<div class="note">{_e(p["note"])}</div></div>')
    out.extend(_classification_html(s.get("classification")))
    out.extend(_float_html(s.get("float_comparison")))
    if b["mismatching_inputs"]:
        out.append("<h2>Mismatches</h2><div class=\"panel\">")
        out.append(f"<p>Inputs whose output differs from the interpreter's: "
                   f"{_e(', '.join(map(str, b['mismatching_inputs'])))}</p>")
        if b["saved"]:
            out.append("<p>Saved for a bug report: " + ", ".join(_e(x) for x in b["saved"]) + "</p>")
        out.append("</div>")
    out.append("</main></body></html>")
    return "\n".join(out)
