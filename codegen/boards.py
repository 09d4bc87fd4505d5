"""The board catalog: ``firmware_template/boards.toml`` read into frozen dataclasses.

The catalog is data; this module only parses and validates it.  Every other
module asks here for a board's facts (CPU flags, memory regions, console,
flash tools) so each fact has one place.

    >>> board = get_board("mps2-an386")
    >>> board.flash_bytes, board.ram_bytes, board.pointer_bytes
    (4194304, 4194304, 4)
"""

from __future__ import annotations

import difflib
import re
import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Mapping
import dataclasses

from attendnets_base.errors import BadInputError
from firmware_template import BOARDS_TOML

CATALOG_PATH = BOARDS_TOML

CONSOLE_KINDS = ("semihosting", "swo", "uart")
UART_DRIVERS = ("nrf-uarte", "rp2040-pl011", "cmsdk-apb-uart", "stm32-usart", "stm32-lpuart")
# UART drivers whose receive side the platform layer implements (the link of `attendnets validate`).
LINK_DRIVERS = ("rp2040-pl011", "cmsdk-apb-uart", "stm32-usart", "stm32-lpuart", "nrf-uarte")
# STM32 GPIO ports: GPIOA at the catalog's gpio_base, the next port 0x400 bytes on (RM0385, RM0433, RM0432
# memory maps); a pin is named P<port letter><number>, e.g. PD8.
STM32_GPIO_PORT_STRIDE = 0x400
# The register-level init steps a console may list (in order, before the UART is set up): set bits
# (read-modify-write, then a read-back so the clock is on before the next access), write a value, or
# wait until bits read as set.
INIT_OPS = ("set", "write", "wait")
CYCLE_COUNTERS = ("dwt", "systick")
FLOAT_ABIS = ("soft", "softfp", "hard")
FLASH_TOOLS = ("pyocd", "openocd", "stm32cubeprogrammer", "nrfjprog", "picotool", "qemu")
ARCHES = ("armv6-m", "armv7-m", "armv7e-m", "armv8-m.base", "armv8-m.main", "armv8.1-m.main")

# The CMSIS-NN code path GCC's -mcpu=<cpu> selects (CMSIS-NN's Include/Internal/arm_nn_compiler.h:
# ARM_MATH_MVEI from __ARM_FEATURE_MVE, ARM_MATH_DSP from __ARM_FEATURE_DSP); it decides which
# scratch buffers the CMSIS-NN kernels ask for (converter.tflm.cmsis_nn_buffers).  "mve": Helium
# (ARMv8.1-M); "dsp": the DSP extension, no MVE; "scalar": neither, plain C.
CMSIS_NN_ARCH_BY_CPU = MappingProxyType({
    "cortex-m0": "scalar",
    "cortex-m0plus": "scalar",
    "cortex-m1": "scalar",
    "cortex-m3": "scalar",
    "cortex-m23": "scalar",
    "cortex-m4": "dsp",
    "cortex-m7": "dsp",
    "cortex-m33": "dsp",
    "cortex-m35p": "dsp",
    "cortex-m55": "mve",
    "cortex-m85": "mve",
})  # fmt: skip


# Speed classes of RAM regions, fastest first: tightly coupled memory (single-cycle, next to the core),
# on-chip SRAM (on a bus matrix; on the M7 behind the L1 data cache), external memory (off-chip or
# FPGA-board memory behind a controller).
SPEED_CLASSES = ("tcm", "sram", "external")

# A citation: "SOURCE:PATH: what the file says" (SOURCE a key of the catalog's [sources] table)
CITATION_RE = re.compile(r"^([A-Za-z0-9_-]+):([^\s:][^:]*?): (.+)$", re.S)


@dataclass(frozen=True)
class Source:
    """A vendor source the catalog's figures were checked against: a repository at one commit (or a URL)."""

    key: str
    repo: str = ""
    commit: str = ""
    url: str = ""

    @property
    def label(self) -> str:
        return f"{self.repo}@{self.commit[:12]}" if self.repo else self.url


@dataclass(frozen=True)
class Citation:
    """One figure's source: ``figure`` (``origin``, ``size_bytes``, ``tx_pin``...), the [sources] key, the file
    within it and what the file says there (with any arithmetic done on it)."""

    figure: str
    source: str
    path: str
    quote: str

    def to_dict(self):
        return {"figure": self.figure, "source": self.source, "path": self.path, "quote": self.quote}


def cites_summary(cites) -> str:
    """One line naming each cited figure's file: ``origin, size_bytes: cmsis-f7:Include/stm32f746xx.h; ...``."""
    by_file = {}
    for c in cites:
        by_file.setdefault(f"{c.source}:{c.path}", []).append(c.figure)
    return "; ".join(f"{', '.join(dict.fromkeys(figs))}: {where}" for where, figs in by_file.items())


@dataclass(frozen=True)
class MemoryRegion:
    """A memory region: linker-script name, start address, size in bytes.

    The RAM regions of a board's ``memory`` list also carry their speed class (:data:`SPEED_CLASSES`),
    the vendor source of the figures, the register writes that switch the region on (``init``, as a
    console's: RCC clock enables) and ``usable`` = False for memory the firmware cannot use as it starts
    (an SDRAM behind a controller it does not set up; ``note`` says why).
    """

    name: str
    origin: int
    size_bytes: int
    speed: str = ""
    source: str = ""
    init: tuple = ()
    usable: bool = True
    note: str = ""
    cites: tuple = ()  # (Citation, ...): the vendor source of each figure (real boards)

    @property
    def end(self) -> int:
        return self.origin + self.size_bytes

    def overlaps(self, other) -> bool:
        return self.origin < other.end and other.origin < self.end

    def same_span(self, other) -> bool:
        return (self.origin, self.size_bytes) == (other.origin, other.size_bytes)

    @property
    def speed_rank(self) -> int:
        return SPEED_CLASSES.index(self.speed) if self.speed in SPEED_CLASSES else len(SPEED_CLASSES)

    @property
    def symbol(self) -> str:
        """The region's name as a C/linker identifier part (``AXI_SRAM``)."""
        return "".join(ch if ch.isalnum() else "_" for ch in self.name)

    def to_dict(self):
        d = {"name": self.name, "origin": self.origin, "size_bytes": self.size_bytes}
        if self.speed:
            d.update(speed=self.speed, usable=self.usable)
        if self.source:
            d["source"] = self.source
        if self.init:
            d["init"] = [{"op": op, "address": a, "value": v, "what": w} for op, a, v, w in self.init]
        if self.note:
            d["note"] = self.note
        if self.cites:
            d["cite"] = [c.to_dict() for c in self.cites]
        return d


@dataclass(frozen=True)
class Console:
    """Where ``printf`` goes: semihosting (debugger/QEMU), SWO (ITM port 0) or a UART.

    For a UART: ``driver`` (``nrf-uarte`` or ``rp2040-pl011``), peripheral ``base``
    address, ``tx_pin`` (and ``tx_port``, ``gpio_base`` for Nordic parts), ``baud``.
    """

    kind: str
    driver: str | None = None
    base: int | None = None
    gpio_base: int | None = None
    tx_pin: int | None = None
    tx_port: int = 0
    baud: int = 115200
    note: str = ""
    rx_pin: int | None = None  # a UART that can also receive (the validation link)
    rx_irq: int | None = None  # its receive interrupt line: the link sleeps (WFI) until a byte comes
    rx_port: int | None = None  # the RX pin's port (STM32: 0 = A; nRF: must equal tx_port); None: tx_port
    peripheral: str = ""  # the vendor's name of the UART instance, e.g. "USART3"
    af: int | None = None  # STM32: the GPIO alternate function number of both pins
    kernel_clock_hz: int | None = None  # the UART's kernel clock at reset (the firmware keeps reset clocks)
    init: tuple = ()  # ((op, address, value, what), ...): clock enables, power switches, waits (INIT_OPS)
    source: str = ""  # where pins, peripheral and clock come from (vendor documents)
    cites: tuple = ()  # (Citation, ...): the vendor source of each figure (real boards)

    @property
    def rx_port_or_tx(self) -> int:
        return self.tx_port if self.rx_port is None else self.rx_port

    def pin_name(self, port, pin) -> str:
        """The vendor's name of a pin: ``PD8`` (STM32), ``P1.03`` (nRF), ``GP0`` (RP2040)."""
        if self.driver in ("stm32-usart", "stm32-lpuart"):
            return f"P{chr(ord('A') + port)}{pin}"
        if self.driver == "nrf-uarte":
            return f"P{port}.{pin:02d}"
        if self.driver == "rp2040-pl011":
            return f"GP{pin}"
        return f"pin {pin}"

    @property
    def tx_pin_name(self) -> str | None:
        return self.pin_name(self.tx_port, self.tx_pin) if self.tx_pin is not None else None

    @property
    def rx_pin_name(self) -> str | None:
        return self.pin_name(self.rx_port_or_tx, self.rx_pin) if self.rx_pin is not None else None

    def gpio_port_base(self, port) -> int:
        """STM32: the register block of GPIO port ``port`` (0 = A)."""
        return self.gpio_base + STM32_GPIO_PORT_STRIDE * port

    @property
    def summary(self) -> str:
        """One line: ``uart USART3 TX PD8 RX PD9 115200`` / ``semihosting``."""
        if self.kind != "uart":
            return self.kind
        parts = ["uart", self.peripheral or self.driver, f"TX {self.tx_pin_name}"]
        if self.rx_pin is not None:
            parts.append(f"RX {self.rx_pin_name}")
        parts.append(str(self.baud))
        return " ".join(parts)

    def to_dict(self):
        d = {"kind": self.kind}
        if self.kind == "uart":
            d.update(driver=self.driver, base=self.base, tx_pin=self.tx_pin, tx_port=self.tx_port, baud=self.baud)
            d["tx_pin_name"] = self.tx_pin_name
            if self.rx_pin is not None:
                d.update(rx_pin=self.rx_pin, rx_port=self.rx_port_or_tx, rx_pin_name=self.rx_pin_name)
            if self.gpio_base is not None:
                d["gpio_base"] = self.gpio_base
            for key in ("peripheral", "af", "kernel_clock_hz", "source"):
                if getattr(self, key) not in (None, ""):
                    d[key] = getattr(self, key)
            if self.init:
                d["init"] = [{"op": op, "address": a, "value": v, "what": w} for op, a, v, w in self.init]
        elif self.source:
            d["source"] = self.source
        if self.cites:
            d["cite"] = [c.to_dict() for c in self.cites]
        if self.note:
            d["note"] = self.note
        return d


@dataclass(frozen=True)
class ApProtect:
    """Nordic's hardened access-port protection, opened at reset as Nordic's SystemInit does.

    ``copies``: ``((from_address, to_address, what), ...)``: each UICR word is copied into its
    soft-branch DISABLE register.  ``when``: ``(word, equals, and_word, at_least)`` or None: the copies
    run only if ``*word == equals and *and_word >= at_least`` (the part revisions that have the register).
    """

    copies: tuple
    when: tuple | None = None

    def to_dict(self):
        d = {"copies": [{"from": f, "to": t, "what": w} for f, t, w in self.copies]}
        if self.when:
            d["when"] = dict(zip(("word", "equals", "and_word", "at_least"), self.when))
        return d


@dataclass(frozen=True)
class Board:
    """One board of the catalog.  Sizes in bytes, clock in Hz."""

    name: str
    description: str
    vendor: str
    emulated: bool
    cpu: str  # GCC -mcpu
    arch: str
    fpu: str  # GCC -mfpu, "none" without FPU
    float_abi: str
    clock_hz: int
    cycle_counter: str  # "dwt" or "systick"
    irq_count: int
    flash: MemoryRegion
    ram: MemoryRegion  # .data, .bss, stack, heap
    arena_region: MemoryRegion  # the tensor arena (== ram unless the board has a separate block)
    console: Console
    tools: Mapping[str, Mapping[str, object]]  # flash tool -> its options; first is the default
    sources: str
    pointer_bytes: int = 4  # every Cortex-M is a 32-bit target
    model_region: MemoryRegion | None = None  # where the model array goes (None: in flash with the code)
    approtect: ApProtect | None = None  # Nordic parts whose debug port the startup must keep open
    link_uart: Console | None = None  # a UART besides the console for `attendnets validate` ([link])
    swo: Console | None = None  # SWO (ITM port 0) as an alternative console (`generate --console swo`)
    memory: tuple = ()  # every RAM region (MemoryRegion with speed and source), fastest first within a class
    firmware_clock_hz: int | None = None  # the core clock the generated firmware runs at (None: clock_hz)

    @property
    def run_clock_hz(self) -> int:
        """The core clock the generated firmware runs at, Hz (the reset clock on the real boards)."""
        return self.firmware_clock_hz or self.clock_hz

    # -- the whole memory map --------------------------------------------------------------
    def memory_region(self, name: str) -> MemoryRegion:
        """The RAM region called ``name`` (case-insensitive); BadInputError naming the regions otherwise."""
        for region in self.memory:
            if region.name.lower() == str(name).strip().lower():
                return region
        names = ", ".join(r.name for r in self.memory)
        raise BadInputError(f"board {self.name} has no RAM region {name!r} (its regions: {names})")

    @property
    def extra_regions(self) -> tuple:
        """Usable RAM regions besides the data region, the arena region and the model region: the linker
        script gives each its own .data/.bss/arena sections, the startup initialises them."""
        taken = [self.ram, self.arena_region, self.flash] + ([self.model_region] if self.model_region else [])
        return tuple(r for r in self.memory if r.usable and not any(r.overlaps(t) for t in taken))

    @property
    def arena_candidates(self) -> tuple:
        """Regions the compiled runtime may put arena buffers in: the arena region first, then the data
        region (when separate), then every extra region, the faster class first."""
        first = [self.arena_region] + ([self.ram] if self.separate_arena else [])
        return tuple(first) + tuple(sorted(self.extra_regions, key=lambda r: r.speed_rank))

    @property
    def data_regions(self) -> tuple:
        """Regions besides the data region whose ``.region.<NAME>.data``/``.bss`` sections the startup
        copies and zeroes: the separate arena region and every extra region."""
        return ((self.arena_region,) if self.separate_arena else ()) + self.extra_regions

    @property
    def init_regions(self) -> tuple:
        """Catalog RAM regions whose ``init`` (clock enables) the startup runs before touching any RAM."""
        return tuple(r for r in self.memory if r.usable and r.init)

    def speed_of(self, region) -> str:
        """The speed class of ``region`` (a catalog region or the data/arena region): the memory entry it
        lies in, or the slowest class among those it spans."""
        inside = [r for r in self.memory if r.overlaps(region)]
        if not inside:
            return ""
        return max(inside, key=lambda r: r.speed_rank).speed

    def with_arena_region(self, name: str | None) -> "Board":
        """This board with its arena in RAM region ``name`` (``--arena-region``). A region inside the data
        region at its start or end is carved out of it; one in its middle is refused."""
        if not name:
            return self
        region = self.memory_region(name)
        if not region.usable:
            raise BadInputError(f"board {self.name}: region {region.name} cannot hold the arena ({region.note})")
        if region.same_span(self.ram):
            return dataclasses.replace(self, arena_region=self.ram)
        if region.same_span(self.arena_region):
            return self
        ram = self.ram
        if region.overlaps(ram):
            if region.origin == ram.origin and region.end < ram.end:
                ram = dataclasses.replace(ram, origin=region.end, size_bytes=ram.end - region.end)
            elif region.end == ram.end and region.origin > ram.origin:
                ram = dataclasses.replace(ram, size_bytes=region.origin - ram.origin)
            else:
                raise BadInputError(f"board {self.name}: region {region.name} lies inside the data region "
                                    f"{ram.name} and cannot be carved out of it (only a region at its start or "
                                    f"end can); name another region")
        if self.model_region is not None and region.overlaps(self.model_region):
            raise BadInputError(f"board {self.name}: region {region.name} holds the model")
        return dataclasses.replace(self, ram=ram, arena_region=region)

    def with_console(self, kind: str | None) -> "Board":
        """This board with another of its consoles: ``None``/``"default"``: the catalog's; ``"swo"``: its SWO
        entry (the firmware then has no validation link). BadInputError when the board lacks it."""
        if kind in (None, "default", self.console.kind):
            return self
        if kind == "swo" and self.swo is not None:
            # the UART is then not set up at all: such a firmware has no validation link
            return dataclasses.replace(self, console=self.swo, link_uart=None)
        have = ", ".join(sorted({self.console.kind} | ({"swo"} if self.swo is not None else set())))
        raise BadInputError(f"board {self.name} has no {kind} console (it has: {have})")

    @property
    def link(self) -> Console | None:
        """The UART `attendnets validate` talks over (receive and transmit), or None: the
        catalog's ``link`` entry, else the console when it is a UART that can receive."""
        if self.link_uart is not None:
            return self.link_uart
        if self.console.kind == "uart" and self.console.driver in LINK_DRIVERS and self.console.rx_pin is not None:
            return self.console
        return None

    @property
    def link_problem(self) -> str | None:
        """Why this board has no validation link (None when it has one)."""
        if self.link is not None:
            return None
        if self.console.kind == "uart":
            if self.console.driver not in LINK_DRIVERS:
                return (f"its console UART ({self.console.driver}) has no receive driver in the platform "
                        "layer yet")
            return ("its console UART has no receive pin in the board catalog (firmware_template/boards.toml), "
                    "so validate cannot send it inputs")
        return (f"its console is {self.console.kind} (transmit only), so validate cannot send it inputs, and the "
                "board catalog (firmware_template/boards.toml) names no second serial port (UART) that can "
                "receive for it")

    # -- sizes the rest of the toolchain compares against -------------------------------
    @property
    def flash_bytes(self) -> int:
        """Flash available to the application (model + code), bytes."""
        return self.flash.size_bytes

    @property
    def ram_bytes(self) -> int:
        """RAM the tensor arena can use at most, bytes: the arena's region.

        On boards whose arena shares the region with .data/.bss/stack/heap this is
        the whole region; the generator subtracts the rest when it checks the fit.
        """
        return self.arena_region.size_bytes

    @property
    def total_ram_bytes(self) -> int:
        """All RAM the generated firmware uses (data region + separate arena region), bytes."""
        if self.separate_arena:
            return self.ram.size_bytes + self.arena_region.size_bytes
        return self.ram.size_bytes

    @property
    def separate_model_region(self) -> bool:
        return self.model_region is not None and self.model_region != self.flash

    @property
    def model_bytes_limit(self) -> int:
        """Bytes the model array can use: its own region, or the flash it shares with the code."""
        return self.model_region.size_bytes if self.separate_model_region else self.flash.size_bytes

    @property
    def code_regions(self) -> tuple:
        """Regions holding loaded, read-only contents: flash, plus the model region if separate."""
        return (self.flash, self.model_region) if self.separate_model_region else (self.flash,)

    @property
    def separate_arena(self) -> bool:
        return self.arena_region != self.ram

    @property
    def has_fpu(self) -> bool:
        return self.fpu != "none"

    @property
    def default_tool(self) -> str:
        return next(iter(self.tools))

    @property
    def qemu_machine(self) -> str | None:
        qemu = self.tools.get("qemu")
        return str(qemu["machine"]) if qemu else None

    @property
    def core_family(self) -> str:
        """``armv6m``, ``armv7m`` or ``armv8m``: selects the startup-code variant."""
        if self.arch.startswith("armv6"):
            return "armv6m"
        if self.arch.startswith("armv7"):
            return "armv7m"
        return "armv8m"

    @property
    def cmsis_nn_arch(self) -> str:
        """The CMSIS-NN code path of this board's CPU: ``"dsp"``, ``"mve"`` or ``"scalar"``."""
        return CMSIS_NN_ARCH_BY_CPU[self.cpu]

    @property
    def cpu_flags(self) -> tuple[str, ...]:
        """GCC machine flags for this board, e.g. ``-mcpu=cortex-m4 -mthumb -mfpu=... -mfloat-abi=hard``."""
        flags = [f"-mcpu={self.cpu}", "-mthumb"]
        if self.has_fpu:
            flags.append(f"-mfpu={self.fpu}")
        flags.append(f"-mfloat-abi={self.float_abi}")
        return tuple(flags)

    def holds(self, region) -> str:
        """What the generated firmware puts in a catalog RAM region by default."""
        parts = []
        if region.overlaps(self.ram):
            parts.append(".data, .bss, heap, stack")
        if region.overlaps(self.arena_region):
            parts.append("the arena")
        if self.model_region is not None and region.overlaps(self.model_region):
            parts.append("the model")
        if not parts:
            parts.append("free (sections .region.%s.data/.bss; --arena-region, a split arena)" % region.symbol
                         if region.usable else f"unused ({region.note})")
        return ", ".join(parts)

    def to_dict(self):
        return {
            "name": self.name,
            "description": self.description,
            "vendor": self.vendor,
            "emulated": self.emulated,
            "cpu": self.cpu,
            "arch": self.arch,
            "fpu": self.fpu,
            "float_abi": self.float_abi,
            "cpu_flags": list(self.cpu_flags),
            "cmsis_nn_arch": self.cmsis_nn_arch,
            "clock_hz": self.clock_hz,
            "firmware_clock_hz": self.run_clock_hz,
            "cycle_counter": self.cycle_counter,
            "pointer_bytes": self.pointer_bytes,
            "flash": self.flash.to_dict(),
            "model_region": self.model_region.to_dict() if self.separate_model_region else None,
            "ram": self.ram.to_dict(),
            "arena_region": self.arena_region.to_dict(),
            "flash_bytes": self.flash_bytes,
            "ram_bytes": self.ram_bytes,
            "total_ram_bytes": self.total_ram_bytes,
            "memory": [dict(r.to_dict(), holds=self.holds(r)) for r in self.memory],
            "console": self.console.to_dict(),
            "swo": self.swo.to_dict() if self.swo is not None else None,
            "link": self.link.to_dict() if self.link is not None else None,
            "tools": {k: dict(v) for k, v in self.tools.items()},
            "default_tool": self.default_tool,
            "sources": self.sources,
            "approtect": self.approtect.to_dict() if self.approtect else None,
        }


def _region(entry, where):
    try:
        region = MemoryRegion(str(entry["name"]), int(entry["origin"]), int(entry["size_bytes"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise BadInputError(f"board catalog: {where} needs name, origin and size_bytes ({exc})") from None
    if region.size_bytes <= 0 or region.origin < 0 or region.end > 1 << 32:
        raise BadInputError(f"board catalog: {where} is outside the 32-bit address space: {region}")
    return region


def _memory(entries, where, sources):
    regions = []
    for n, e in enumerate(entries):
        w = f"{where} memory[{n}]"
        region = _region(e, w)
        speed = _choice(e.get("speed"), SPEED_CLASSES, f"{w}.speed")
        cites = _cites(e.get("cite", {}), f"{w} ({region.name})", sources)
        if not e.get("source") and not cites:
            raise BadInputError(f"board catalog: {w} ({region.name}) names no source for its figures")
        regions.append(MemoryRegion(region.name, region.origin, region.size_bytes, speed,
                                    str(e.get("source") or cites_summary(cites)),
                                    _init_steps(e.get("init", ()), w), bool(e.get("usable", True)),
                                    str(e.get("note", "")), cites))
    for i, r in enumerate(regions):
        for other in regions[i + 1:]:
            if r.overlaps(other) or r.name == other.name:
                raise BadInputError(f"board catalog: {where} memory regions {r.name} and {other.name} overlap")
    return tuple(regions)


def _sources(table) -> Mapping[str, Source]:
    """The catalog's [sources] table: key -> :class:`Source` (a repository at a 40-hex commit, or a URL)."""
    sources = {}
    for key, e in (table or {}).items():
        if not isinstance(e, dict):
            raise BadInputError(f"board catalog: [sources] {key} must be a table {{repo, commit}} or {{url}}")
        source = Source(str(key), str(e.get("repo", "")), str(e.get("commit", "")), str(e.get("url", "")))
        if source.repo and not re.fullmatch(r"[0-9a-f]{40}", source.commit):
            raise BadInputError(f"board catalog: [sources] {key} needs the 40-hex commit of {source.repo}")
        if not source.repo and not source.url.startswith("https://"):
            raise BadInputError(f"board catalog: [sources] {key} names neither a repo nor an https url")
        sources[str(key)] = source
    return MappingProxyType(sources)


def _cites(table, where, sources) -> tuple:
    """(Citation, ...) of a ``cite`` table: figure = "SOURCE:PATH: quote" or a list of such strings."""
    if not isinstance(table, dict):
        raise BadInputError(f"board catalog: {where} cite must be a table figure = \"SOURCE:PATH: quote\"")
    cites = []
    for figure, values in table.items():
        for value in values if isinstance(values, list) else [values]:
            match = CITATION_RE.match(str(value))
            if not match:
                raise BadInputError(f"board catalog: {where} cite.{figure} is not \"SOURCE:PATH: quote\": {value!r}")
            key, path, quote = match.groups()
            if key not in sources:
                raise BadInputError(f"board catalog: {where} cite.{figure} names source {key!r}, which [sources] "
                                    f"does not list (known: {', '.join(sources) or 'none'})")
            cites.append(Citation(str(figure), key, path, quote))
    return tuple(cites)


def _approtect(entry, where):
    try:
        copies = tuple((int(c["from"]), int(c["to"]), str(c["what"])) for c in entry["copies"])
        when = entry.get("when")
        when = (int(when["word"]), int(when["equals"]), int(when["and_word"]), int(when["at_least"])) if when else None
    except (KeyError, TypeError, ValueError) as exc:
        raise BadInputError(f"board catalog: {where} approtect needs copies = [{{from, to, what}}] ({exc})") from None
    if not copies:
        raise BadInputError(f"board catalog: {where} approtect lists no copies")
    return ApProtect(copies, when)


def _choice(value, allowed, where):
    if value not in allowed:
        raise BadInputError(f"board catalog: {where} must be one of {', '.join(allowed)}; got {value!r}")
    return value


def _port(value, where):
    """A GPIO port: an integer, or an STM32 port letter ("D" -> 3)."""
    if isinstance(value, str):
        if len(value) != 1 or not "A" <= value.upper() <= "K":
            raise BadInputError(f"board catalog: {where} must be a port number or letter A-K; got {value!r}")
        return ord(value.upper()) - ord("A")
    return int(value)


def _init_steps(entries, where):
    steps = []
    for e in entries:
        ops = [op for op in INIT_OPS if op in e]
        if len(ops) != 1 or "what" not in e or (ops[0] != "write" and "bits" not in e) or \
                (ops[0] == "write" and "value" not in e):
            raise BadInputError(f"board catalog: {where} init steps are {{set|wait = ADDRESS, bits = MASK, what}} "
                                f"or {{write = ADDRESS, value, what}}; got {e!r}")
        op = ops[0]
        steps.append((op, int(e[op]), int(e["value" if op == "write" else "bits"]), str(e["what"])))
    return tuple(steps)


def _console(entry, where, kinds=CONSOLE_KINDS, sources=MappingProxyType({})):
    console_entry = dict(entry)
    kind = _choice(console_entry.pop("kind", "uart"), kinds, f"{where}.kind")
    cites = _cites(console_entry.pop("cite", {}), where, sources)
    if cites:
        console_entry["cites"] = cites
        console_entry.setdefault("source", cites_summary(cites))
    for key in ("tx_port", "rx_port"):
        if key in console_entry:
            console_entry[key] = _port(console_entry[key], f"{where}.{key}")
    if "init" in console_entry:
        console_entry["init"] = _init_steps(console_entry["init"], where)
    console = Console(kind=kind, **console_entry)
    if console.kind == "uart":
        _choice(console.driver, UART_DRIVERS, f"{where}.driver")
        if console.base is None:
            raise BadInputError(f"board catalog: {where} uart needs a base address")
        if console.driver != "cmsdk-apb-uart" and console.tx_pin is None:
            raise BadInputError(f"board catalog: {where} uart needs tx_pin")
        if console.driver in ("stm32-usart", "stm32-lpuart"):
            missing = [k for k in ("gpio_base", "af", "kernel_clock_hz") if getattr(console, k) is None]
            if missing:
                raise BadInputError(f"board catalog: {where} {console.driver} needs {', '.join(missing)}")
        if console.driver == "nrf-uarte" and console.rx_pin is not None and console.rx_port_or_tx != console.tx_port:
            raise BadInputError(f"board catalog: {where} nrf-uarte needs RX and TX on one GPIO port")
    return console


def _parse_board(name, entry, sources=MappingProxyType({})):
    where = f"board {name}"
    try:
        console = _console(entry["console"], f"{where} console", sources=sources)
        swo = _console(entry["swo"], f"{where} swo", kinds=("swo",)) if "swo" in entry else None
        flash = _region(entry["flash"], f"{where} flash")
        if isinstance(entry["flash"], dict) and "cite" in entry["flash"]:
            flash = dataclasses.replace(flash, cites=_cites(entry["flash"]["cite"], f"{where} flash", sources))
        ram = _region(entry["ram"], f"{where} ram")
        arena = _region(entry["arena"], f"{where} arena") if "arena" in entry else ram
        model_region = _region(entry["model"], f"{where} model") if "model" in entry else None
        link_uart = None
        if "link" in entry:
            link_uart = _console(entry["link"], f"{where} link", kinds=("uart",))
            _choice(link_uart.driver, LINK_DRIVERS, f"{where} link.driver")
        tools = {}
        for tool, options in entry.get("tools", {}).items():
            _choice(tool, FLASH_TOOLS, f"{where} tools")
            tools[tool] = MappingProxyType(dict(options))
        if not tools:
            raise BadInputError(f"board catalog: {where} lists no flash tool")
        if entry["emulated"] and "qemu" not in tools:
            raise BadInputError(f"board catalog: emulated {where} needs a [tools.qemu] machine")
        board = Board(
            name=name,
            description=str(entry["description"]),
            vendor=str(entry["vendor"]),
            emulated=bool(entry["emulated"]),
            cpu=_choice(str(entry["cpu"]), tuple(CMSIS_NN_ARCH_BY_CPU), f"{where} cpu"),
            arch=_choice(entry["arch"], ARCHES, f"{where} arch"),
            fpu=str(entry["fpu"]),
            float_abi=_choice(entry["float_abi"], FLOAT_ABIS, f"{where} float_abi"),
            clock_hz=int(entry["clock_hz"]),
            cycle_counter=_choice(entry["cycle_counter"], CYCLE_COUNTERS, f"{where} cycle_counter"),
            irq_count=int(entry["irq_count"]),
            flash=flash,
            ram=ram,
            arena_region=arena,
            console=console,
            tools=MappingProxyType(tools),
            sources=str(entry["sources"]),
            model_region=model_region,
            approtect=_approtect(entry["approtect"], where) if "approtect" in entry else None,
            link_uart=link_uart,
            swo=swo,
            memory=_memory(entry.get("memory", ()), where, sources),
            firmware_clock_hz=int(entry["firmware_clock_hz"]) if "firmware_clock_hz" in entry else None,
        )
    except KeyError as exc:
        raise BadInputError(f"board catalog: {where} lacks {exc.args[0]!r}") from None
    except TypeError as exc:
        raise BadInputError(f"board catalog: {where}: {exc}") from None
    if board.cycle_counter == "dwt" and board.core_family == "armv6m":
        raise BadInputError(f"board catalog: {where}: ARMv6-M has no DWT cycle counter")
    for what, region in (("ram", board.ram), ("arena", board.arena_region)):
        if board.memory and not any(r.overlaps(region) for r in board.memory):
            raise BadInputError(f"board catalog: {where}: its {what} region {region.name} lies in no memory region")
    if board.float_abi != "soft" and not board.has_fpu:
        raise BadInputError(f"board catalog: {where}: float_abi {board.float_abi} needs an FPU")
    return board


@functools.lru_cache(maxsize=4)
def _load(path: Path):
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise BadInputError(f"cannot read board catalog {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise BadInputError(f"board catalog {path} is not valid TOML: {exc}") from None
    boards = data.get("boards")
    if not isinstance(boards, dict) or not boards:
        raise BadInputError(f"board catalog {path} has no [boards.NAME] tables")
    sources = _sources(data.get("sources"))
    return MappingProxyType({name: _parse_board(name, entry, sources) for name, entry in boards.items()})


def load_sources(path: str | Path | None = None) -> Mapping[str, Source]:
    """The catalog's [sources] table: key -> :class:`Source`."""
    return _load_sources(Path(path) if path else CATALOG_PATH)


@functools.lru_cache(maxsize=4)
def _load_sources(path: Path):
    load_boards(path)  # the same checks and errors as the boards
    with open(path, "rb") as f:
        return _sources(tomllib.load(f).get("sources"))


def load_boards(path: str | Path | None = None) -> Mapping[str, Board]:
    """All boards of the catalog, in catalog order: name -> :class:`Board`."""
    return _load(Path(path) if path else CATALOG_PATH)


def board_names(path=None) -> list[str]:
    return list(load_boards(path))


def get_board(name: str, path=None) -> Board:
    """The board called ``name`` (case-insensitive); BadInputError with close names otherwise."""
    boards = load_boards(path)
    key = str(name).strip().lower()
    if key in boards:
        return boards[key]
    for board_name, board in boards.items():
        if board_name.lower() == key:
            return board
    close = difflib.get_close_matches(key, list(boards), n=3, cutoff=0.5)
    if not close:  # substring match: "h743" -> nucleo-h743zi2
        close = [b for b in boards if key and key.replace("_", "-") in b]
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise BadInputError(f"unknown board {name!r}{hint} (known: {', '.join(boards)})")
