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
import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from attendnets_base.errors import BadInputError
from firmware_template import BOARDS_TOML

CATALOG_PATH = BOARDS_TOML

CONSOLE_KINDS = ("semihosting", "swo", "uart")
UART_DRIVERS = ("nrf-uarte", "rp2040-pl011", "cmsdk-apb-uart")
# UART drivers whose receive side the platform layer implements (the link of `attendnets validate`).
LINK_DRIVERS = ("rp2040-pl011", "cmsdk-apb-uart")
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


@dataclass(frozen=True)
class MemoryRegion:
    """A memory region: linker-script name, start address, size in bytes."""

    name: str
    origin: int
    size_bytes: int

    @property
    def end(self) -> int:
        return self.origin + self.size_bytes

    def to_dict(self):
        return {"name": self.name, "origin": self.origin, "size_bytes": self.size_bytes}


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

    def to_dict(self):
        d = {"kind": self.kind}
        if self.kind == "uart":
            d.update(driver=self.driver, base=self.base, tx_pin=self.tx_pin, tx_port=self.tx_port, baud=self.baud)
            if self.rx_pin is not None:
                d["rx_pin"] = self.rx_pin
            if self.gpio_base is not None:
                d["gpio_base"] = self.gpio_base
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
            return "its console UART has no rx_pin in the board catalog"
        return (f"its console is {self.console.kind} (transmit only) and the board catalog names no "
                "receiving UART ([link]) for it")

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
            "cycle_counter": self.cycle_counter,
            "pointer_bytes": self.pointer_bytes,
            "flash": self.flash.to_dict(),
            "model_region": self.model_region.to_dict() if self.separate_model_region else None,
            "ram": self.ram.to_dict(),
            "arena_region": self.arena_region.to_dict(),
            "flash_bytes": self.flash_bytes,
            "ram_bytes": self.ram_bytes,
            "total_ram_bytes": self.total_ram_bytes,
            "console": self.console.to_dict(),
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


def _parse_board(name, entry):
    where = f"board {name}"
    try:
        console_entry = dict(entry["console"])
        console = Console(
            kind=_choice(console_entry.pop("kind"), CONSOLE_KINDS, f"{where} console.kind"),
            **console_entry,
        )
        if console.kind == "uart":
            _choice(console.driver, UART_DRIVERS, f"{where} console.driver")
            if console.base is None or console.tx_pin is None:
                raise BadInputError(f"board catalog: {where} uart console needs base and tx_pin")
        flash = _region(entry["flash"], f"{where} flash")
        ram = _region(entry["ram"], f"{where} ram")
        arena = _region(entry["arena"], f"{where} arena") if "arena" in entry else ram
        model_region = _region(entry["model"], f"{where} model") if "model" in entry else None
        link_uart = None
        if "link" in entry:
            link_entry = dict(entry["link"])
            link_uart = Console(kind=_choice(link_entry.pop("kind", "uart"), ("uart",), f"{where} link.kind"),
                                **link_entry)
            _choice(link_uart.driver, LINK_DRIVERS, f"{where} link.driver")
            if link_uart.base is None:
                raise BadInputError(f"board catalog: {where} link needs a base address")
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
        )
    except KeyError as exc:
        raise BadInputError(f"board catalog: {where} lacks {exc.args[0]!r}") from None
    except TypeError as exc:
        raise BadInputError(f"board catalog: {where}: {exc}") from None
    if board.cycle_counter == "dwt" and board.core_family == "armv6m":
        raise BadInputError(f"board catalog: {where}: ARMv6-M has no DWT cycle counter")
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
    return MappingProxyType({name: _parse_board(name, entry) for name, entry in boards.items()})


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
