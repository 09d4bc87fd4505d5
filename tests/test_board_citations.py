"""Every figure of a real board's memory map and console names the vendor source it was checked against.

boards.toml gives each real board's flash, each RAM region and the console a ``cite`` table: figure =
"SOURCE:PATH: what the file says". These tests check that no figure goes without one, that every SOURCE is a
repository at a commit (or a URL) listed in [sources], and that the cited text carries the figure itself (an
address, a size, a pin, a clock, the baud divisor the generator computes), so a figure changed without its
source fails here.
"""

import re
import textwrap

import pytest

from attendnets_base.errors import BadInputError
from codegen.boards import load_boards, load_sources
from codegen.context import NRF_BAUDRATES, uart_brr_for

REAL_BOARDS = [name for name, board in load_boards().items() if not board.emulated]

REGION_FIGURES = ("origin", "size_bytes", "speed")
FLASH_FIGURES = ("origin", "size_bytes")
# the console figures every real board's UART cites, and those only some drivers have
CONSOLE_FIGURES = ("peripheral", "base", "tx_pin", "rx_pin", "baud", "baud_divisor")
SPEED_WORDS = {"tcm": ("tcm",), "sram": ("sram", "ram"), "external": ("sdram", "external", "fmc")}


def _quotes(cites, figure):
    return [c.quote.lower() for c in cites if c.figure == figure]


def number_forms(value):
    """Regexes one of which a quote must match to carry ``value``: hex (any zero padding), decimal, and for
    sizes K/M forms (``64KB``, ``DT_SIZE_K(64)``, ``1 MB``)."""
    forms = [rf"0x0*{value:x}(?![0-9a-f])", rf"(?<![0-9a-fx.]){value}(?![0-9])"]
    for unit, scale in (("k", 1024), ("m", 1 << 20)):
        if value and value % scale == 0:
            n = value // scale
            forms += [rf"(?<![0-9.]){n} ?{unit}", rf"size_{unit}\({n}\)"]
    return forms


def carries(quotes, value) -> bool:
    return any(re.search(form, q) for q in quotes for form in number_forms(value))


def pin_forms(console, port, pin):
    """How vendor files write a pin: STM32 ``PA9`` / ``('A', 9``; nRF ``(UART_TX, 1, 3)`` / ``P1_3``; RP2040
    ``TX_PIN 0`` / ``GPIO0``."""
    if console.driver in ("stm32-usart", "stm32-lpuart"):
        letter = chr(ord("a") + port)
        return [rf"p{letter}{pin}(?![0-9])", rf"'{letter}', {pin}(?![0-9])"]
    if console.driver == "nrf-uarte":
        return [rf", {port}, {pin}\)", rf"p{port}_{pin}(?![0-9])", rf"p{port}\.{pin:02d}"]
    return [rf"_pin {pin}(?![0-9])", rf"gpio{pin}_"]


@pytest.mark.parametrize("name", REAL_BOARDS)
def test_every_region_and_the_flash_cite_each_figure(name):
    board = load_boards()[name]
    sources = load_sources()
    assert board.memory
    for region, figures in [(board.flash, FLASH_FIGURES)] + [(r, REGION_FIGURES) for r in board.memory]:
        for figure in figures:
            quotes = _quotes(region.cites, figure)
            assert quotes, f"{name} {region.name}: no cite for {figure}"
        assert carries(_quotes(region.cites, "origin"), region.origin), (name, region.name, "origin")
        assert carries(_quotes(region.cites, "size_bytes"), region.size_bytes), (name, region.name, "size")
        if region.speed:
            assert any(w in q for q in _quotes(region.cites, "speed") for w in SPEED_WORDS[region.speed]), \
                (name, region.name, region.speed)
        for step_op, address, _, _ in region.init:
            assert carries(_quotes(region.cites, "init"), address), (name, region.name, hex(address))
        for c in region.cites:
            assert c.source in sources and c.path and c.quote


@pytest.mark.parametrize("name", REAL_BOARDS)
def test_the_console_cites_pins_peripheral_clock_and_divisor(name):
    console = load_boards()[name].console
    assert console.kind == "uart", name
    for figure in CONSOLE_FIGURES + (("init",) if console.init else ()) + \
            (("gpio_base",) if console.gpio_base is not None else ()) + \
            (("af", "kernel_clock_hz") if console.af is not None else ()):
        assert _quotes(console.cites, figure), f"{name} console: no cite for {figure}"
    quotes = lambda figure: _quotes(console.cites, figure)  # noqa: E731
    assert any(console.peripheral.lower().rstrip("e0123456789") in q or re.search(r"uart\d?", q)
               for q in quotes("peripheral")), name
    assert carries(quotes("base"), console.base), name
    if console.gpio_base is not None:
        assert carries(quotes("gpio_base"), console.gpio_base), name
    for figure, port, pin in (("tx_pin", console.tx_port, console.tx_pin), ("rx_pin", console.rx_port_or_tx,
                                                                            console.rx_pin)):
        assert any(re.search(f, q) for q in quotes(figure) for f in pin_forms(console, port, pin)), (name, figure)
    if console.af is not None:
        assert any(f"af{console.af})" in q for q in quotes("af")), name
        assert carries(quotes("kernel_clock_hz"), console.kernel_clock_hz), name
    assert carries(quotes("baud"), console.baud), name
    for _, address, _, _ in console.init:
        assert carries(quotes("init"), address), (name, hex(address))
    # the divisor the generated firmware uses is the one the cited formula gives
    divisor = quotes("baud_divisor")
    if console.driver in ("stm32-usart", "stm32-lpuart"):
        assert carries(divisor, uart_brr_for(console)), name
    elif console.driver == "nrf-uarte":
        assert carries(divisor, NRF_BAUDRATES[console.baud]), name
    else:  # rp2040-pl011, as pico-sdk's uart_set_baudrate (the template's arithmetic)
        div = 8 * console_clock_hz(name) // console.baud + 1
        assert carries(divisor, div >> 7) and carries(divisor, (div & 0x7F) >> 1), name


def console_clock_hz(name):
    board = load_boards()[name]
    return board.console.kernel_clock_hz or board.run_clock_hz


def test_sources_are_repositories_at_a_commit():
    sources = load_sources()
    used = {c.source for name in REAL_BOARDS for c in _all_cites(load_boards()[name])}
    assert used and used <= set(sources)
    for key in used:
        s = sources[key]
        assert (s.repo and re.fullmatch(r"[0-9a-f]{40}", s.commit)) or s.url.startswith("https://"), key


def _all_cites(board):
    return board.flash.cites + board.console.cites + tuple(c for r in board.memory for c in r.cites)


def test_the_nano_console_pins_match_the_arduino_variant():
    # ArduinoCore-mbed and Zephyr both name P1.03 (TX) Arduino pin D0 and P1.10 (RX) pin D1
    console = load_boards()["arduino-nano-33-ble-sense"].console
    assert (console.tx_pin_name, console.rx_pin_name) == ("P1.03", "P1.10")
    assert "D0 (TX)" in console.note and "D1 (RX)" in console.note


CATALOG = textwrap.dedent("""
    [sources]
    vendor = {{ repo = "acme/headers", commit = "{commit}" }}
    [boards.b]
    description = "b"
    vendor = "v"
    emulated = false
    cpu = "cortex-m4"
    arch = "armv7e-m"
    fpu = "fpv4-sp-d16"
    float_abi = "hard"
    clock_hz = 1
    cycle_counter = "dwt"
    irq_count = 1
    flash = {{ name = "FLASH", origin = 0, size_bytes = 1024 }}
    ram = {{ name = "RAM", origin = 0x20000000, size_bytes = 1024 }}
    console = {{ kind = "semihosting" }}
    sources = "s"
    [[boards.b.memory]]
    name = "RAM"
    origin = 0x20000000
    size_bytes = 1024
    speed = "sram"
    [boards.b.memory.cite]
    origin = "{cite}"
    [boards.b.tools.pyocd]
    target = "x"
""")


@pytest.mark.parametrize("commit, cite, message", [
    ("a" * 40, "elsewhere:x.h: RAM 0x20000000", "names source 'elsewhere', which \\[sources\\] does not list"),
    ("a" * 40, "no colon at all", "is not \"SOURCE:PATH: quote\""),
    ("main", "vendor:x.h: RAM 0x20000000", "needs the 40-hex commit"),
])
def test_a_bad_citation_is_a_one_line_catalog_error(tmp_path, commit, cite, message):
    path = tmp_path / "boards.toml"
    path.write_text(CATALOG.format(commit=commit, cite=cite))
    with pytest.raises(BadInputError, match=message):
        load_boards(path)


def test_a_good_citation_loads(tmp_path):
    path = tmp_path / "boards.toml"
    path.write_text(CATALOG.format(commit="a" * 40, cite="vendor:x.h: RAM_BASE 0x20000000"))
    region = load_boards(path)["b"].memory[0]
    assert [(c.figure, c.source, c.path) for c in region.cites] == [("origin", "vendor", "x.h")]
    assert region.source == "origin: vendor:x.h"
