"""The HTML memory report: self-contained, complete, and rendered by a real headless browser."""

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from codegen.boards import get_board
from converter.report.build import build_memory_report
from converter.report.html_format import format_report_html
from converter.tflite_model import load_model

from conftest import model_path

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _report(name="mobilenet_v1_025_person_int8", board="stm32f746g-disco"):
    return build_memory_report(load_model(model_path(name)), board=get_board(board) if board else None)


def test_page_is_self_contained_and_has_every_part():
    report = _report()
    page = format_report_html(report)
    # No network: the only URL is the SVG namespace.
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) == {"http://www.w3.org/2000/svg"}
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert page.count("<svg") == 3  # arena timeline, MACs bars, memory bars
    timeline = page[page.index("<svg"):page.index("</svg>")]
    # One box (with a tooltip) per planned buffer of the arena head.
    assert timeline.count("<title>") == len(report.boxes) > 0
    for box in report.boxes[:5]:
        assert f"{box.size_bytes:,} B at offset {box.offset:,}" in timeline
    for figure in (report.arena.required_bytes, report.arena.head_bytes, report.arena.tail_bytes,
                   report.flash.total_bytes, report.total_macs):
        assert f"{figure:,}" in page
    assert "FITS" in page and "stm32f746g-disco" in page
    assert page.count("<tr") >= len(report.operators) + 10


def test_names_from_the_model_are_escaped():
    report = _report("autoencoder_int8", board=None)
    from dataclasses import replace

    evil = replace(report, boxes=tuple(replace(b, name="<script>alert(1)</script>") for b in report.boxes))
    page = format_report_html(evil)
    assert "<script>" not in page and "&lt;script&gt;" in page


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
        if path:
            return path
    return None


def test_chromium_renders_a_non_blank_page(tmp_path, cli):
    chromium = _chromium()
    if chromium is None:
        pytest.skip("chromium not installed (Debian package `chromium`): cannot render the HTML report")
    from PIL import Image

    html_path = tmp_path / "report.html"
    result = cli("report", "--runtime", "tflm", model_path("resnet8_int8"), "--board", "nucleo-l4r5zi",
                 "--html", html_path)
    assert result.exit_code == 0, result
    png = tmp_path / "shot.png"
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--screenshot={png}",
             "--window-size=1400,2000", html_path.as_uri()],
            capture_output=True, text=True, timeout=120,
        )
    assert png.exists(), proc.stderr[-2000:]
    image = Image.open(png).convert("RGB")
    assert image.size == (1400, 2000)
    small = image.resize((140, 200))
    colors = small.getcolors(maxcolors=140 * 200)
    assert len(colors) > 50  # text, cards, bars, boxes: far from a blank page
    # The arena timeline's activation green and the MACs bars' blue are on screen.
    pixels = {rgb for _count, rgb in image.getcolors(maxcolors=1400 * 2000)}
    assert any(abs(r - 0x5a) < 40 and g > 0x90 and b < 0xa0 and g > r + 30 for r, g, b in pixels)
    assert any(abs(r - 0x5b) < 30 and abs(g - 0x7f) < 30 and b > 0xa0 for r, g, b in pixels)


def _rows(table_html):
    """(index, operator name, activations B) of each operator row of one table."""
    return [(int(i), name, int(act.replace(",", ""))) for i, name, act in re.findall(
        r'<tr(?: class="peak")?><td>(\d+)</td><td class="l">([^<]*)</td><td class="l">[^<]*</td>'
        r'<td class="l">[^<]*</td><td>[\d,]+</td><td>[\d,]+</td><td>([\d,]+)</td>', table_html)]


def test_page_shows_every_subgraph(tmp_path):
    """A control-flow model (IF with two branch subgraphs): a table per subgraph, as in the text and JSON reports."""
    from test_arena_ops import _if_model

    path = tmp_path / "if.tflite"
    path.write_bytes(_if_model("int8"))
    report = build_memory_report(load_model(path))
    assert [g.index for g in report.subgraphs] == [1, 2]
    page = format_report_html(report)
    tables = re.findall(r"<table>.*?</table>", page, re.S)
    operator_tables = [t for t in tables if "<th>MACs</th>" in t]
    assert len(operator_tables) == 3
    assert [name for _, name, _ in _rows(operator_tables[0])] == ["IF"]
    for table, g in zip(operator_tables[1:], report.subgraphs):
        assert _rows(table) == [(o.index, o.name, o.activation_bytes) for o in g.operators]
    assert [name for t in operator_tables[1:] for _, name, _ in _rows(t)] == ["RELU", "RELU6"]
    assert "<h2>Subgraph 1</h2>" in page and "<h2>Subgraph 2</h2>" in page
    # The branches' own int8 [1, 8] input and output (16 bytes each) are live in them.
    assert _rows(operator_tables[1])[0][2] == 32
    # One totals row, after the last subgraph, counting every subgraph.
    assert "total (every subgraph)" in operator_tables[-1] and "total" not in operator_tables[0]
