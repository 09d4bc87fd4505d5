"""The Cortex-M4 timing model: a QEMU TCG plugin that assigns Cortex-M4 cycles to the instructions
QEMU executes (docs/timing.md).

The plugin's C source sits next to this module (``cm4_timing_plugin.c``); it is compiled with the
host ``cc -shared -fPIC`` on first use into the user cache (``$ATTENDNETS_CACHE``, else
``$XDG_CACHE_HOME/attendnets``, else ``~/.cache/attendnets``) under a name that carries the hash of
its source, so a changed source is rebuilt.  The plugin writes the run's instruction and cycle
counts and, for each *mark* (a code address: here the entries of ``platform_cycles``,
``model_invoke``, ``model_profile_begin`` and ``model_profile_end``), the counts each time the
instruction there executes.  :func:`invocations` turns those into per-inference and per-operator
figures.

Units: instructions are what QEMU executed; cycles are Cortex-M4 cycles at 0 wait states unless
:class:`TimingSettings` says otherwise.  The model applies to the Cortex-M4 only: the Cortex-M7
issues two instructions per cycle and the Cortex-M33/M55/M0+ have other pipelines, so for them
:func:`not_applicable_reason` says why and callers print instructions only.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from attendnets_base.errors import ExternalToolError, ToolNotFoundError
from attendnets_base.fsutil import user_cache_dir

SOURCE = Path(__file__).with_name("cm4_timing_plugin.c")
QEMU_PLUGIN_API = "QEMU 7.2 include/qemu/qemu-plugin.h, plugin API version 1"
MODEL_CPU = "cortex-m4"
# Firmware symbols whose entries are marked (codegen's platform layer and both runtimes' model.h).
MARK_SYMBOLS = ("platform_cycles", "model_invoke", "model_profile_begin", "model_profile_end")

_NOT_APPLICABLE = {
    "cortex-m7": "the Cortex-M7 issues two instructions per cycle (dual issue); the Cortex-M4 model does not apply",
    "cortex-m55": "the Cortex-M55 (Helium, a different pipeline) is not modelled; the Cortex-M4 model does not apply",
    "cortex-m33": "the Cortex-M33 pipeline is not modelled; the Cortex-M4 model does not apply",
    "cortex-m0plus": "the Cortex-M0+ pipeline is not modelled; the Cortex-M4 model does not apply",
}


def not_applicable_reason(cpu: str) -> str | None:
    """None when the Cortex-M4 timing model applies to ``cpu``, else why it does not."""
    if cpu == MODEL_CPU:
        return None
    return _NOT_APPLICABLE.get(cpu, f"the {cpu} pipeline is not modelled; the Cortex-M4 model does not apply")


@dataclass(frozen=True)
class TimingSettings:
    """The model's knobs (docs/timing.md): flash wait states and the range they apply to, the
    pipeline refill P of direct and indirect branches, and the fixed SDIV/UDIV cost."""

    wait_states: int = 0
    flash_range: tuple[int, int] | None = None  # [low, high) addresses that wait_states applies to
    p_direct: int = 1
    p_indirect: int = 2
    div_cycles: int = 12

    @classmethod
    def for_board(cls, board, wait_states: int = 0) -> "TimingSettings":
        """Zero wait states, or ``wait_states`` on fetches and loads from the board's flash region
        (and its separate model region, where it has one)."""
        if not wait_states:
            return cls()
        regions = [board.flash] + ([board.model_region] if getattr(board, "model_region", None) else [])
        low, high = min(r.origin for r in regions), max(r.origin + r.size_bytes for r in regions)
        return cls(wait_states=wait_states, flash_range=(low, high))

    @property
    def cycles_label(self) -> str:
        return f"cycles (Cortex-M4 timing model, {self.wait_states} wait states)"

    def plugin_args(self) -> list[str]:
        args = [f"p_direct={self.p_direct}", f"p_indirect={self.p_indirect}", f"div={self.div_cycles}"]
        if self.wait_states:
            if self.flash_range is None:
                raise ValueError("wait states need the flash address range")
            args += [f"ws={self.wait_states}", f"flash=0x{self.flash_range[0]:x}:0x{self.flash_range[1]:x}"]
        return args


INSTRUCTIONS_LABEL = "instructions (QEMU)"
# What the QEMU flash runner logs per inference (QemuRunner._log_timing), and its parser for scripts.
_LOGGED = re.compile(r"^inference (\d+): ([\d,]+) instructions \(QEMU\)"
                     r"(?:, ([\d,]+) cycles \(Cortex-M4 timing model, (\d+) wait states\))?", re.M)


def logged_inferences(text: str) -> list[tuple[int, int | None]]:
    """``[(instructions, cycles or None), ...]`` from the lines ``attendnets flash`` logs for a QEMU run."""
    return [(int(m.group(2).replace(",", "")), int(m.group(3).replace(",", "")) if m.group(3) else None)
            for m in _LOGGED.finditer(text)]


def cache_dir() -> Path:
    return user_cache_dir()


def plugin_library() -> Path:
    """The compiled plugin (built with the host cc on first use, rebuilt when its source changes)."""
    source = SOURCE.read_bytes()
    digest = hashlib.sha256(source).hexdigest()[:16]
    target = cache_dir() / f"cm4_timing-{digest}.so"
    if target.is_file():
        return target
    compiler = shutil.which(os.environ.get("CC", "cc"))
    if compiler is None:
        raise ToolNotFoundError("cc not found: the Cortex-M4 timing model's QEMU plugin is built with the host "
                                "C compiler (apt-get install gcc)")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".cm4_timing-", suffix=".so", dir=target.parent)
    except OSError as exc:
        raise ExternalToolError(f"cannot write the timing-model plugin's cache {target.parent} ({exc.strerror}); "
                                "set ATTENDNETS_CACHE to a writable folder") from None
    os.close(fd)
    try:
        done = subprocess.run([compiler, "-shared", "-fPIC", "-O2", "-std=c11", "-o", tmp, str(SOURCE)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            first = (done.stderr.strip().splitlines() or ["?"])[0]
            raise ExternalToolError(f"building the timing-model plugin failed: {first}")
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def plugin_argv(library: Path, out_path: Path, marks=(), settings: TimingSettings = TimingSettings()) -> list[str]:
    """QEMU arguments that load the plugin; ``marks`` are code addresses (ints)."""
    for path in (library, out_path):
        if "," in str(path):
            raise ExternalToolError(f"QEMU cannot take a plugin path with a comma: {path}")
    args = [str(library), f"out={out_path}", *settings.plugin_args(), *(f"mark=0x{m:x}" for m in marks)]
    return ["-plugin", ",".join(args)]


@dataclass
class Mark:
    address: int
    instructions: int  # executed before the marked instruction
    cycles: int


@dataclass
class TimingRun:
    """What the plugin wrote: the whole run's counts and the marks in execution order."""

    instructions: int
    cycles: int
    marks: list[Mark] = field(default_factory=list)


def read_run(out_path: Path) -> TimingRun | None:
    """The plugin's result, or None when QEMU did not write a complete one."""
    try:
        text = Path(out_path).read_text()
    except OSError:
        return None
    totals, marks = {}, []
    for line in text.splitlines():
        parts = line.split()
        if parts[:1] == ["mark"] and len(parts) == 4:
            marks.append(Mark(int(parts[1], 16), int(parts[2]), int(parts[3])))
        elif len(parts) == 2 and parts[0] in ("instructions", "cycles"):
            totals[parts[0]] = int(parts[1])
    if set(totals) != {"instructions", "cycles"}:
        return None
    return TimingRun(totals["instructions"], totals["cycles"], marks)


def symbol_addresses(elf: Path, names=MARK_SYMBOLS) -> dict[str, int]:
    """Addresses of the named functions in ``elf`` (Thumb bit cleared); missing ones are left out."""
    nm = shutil.which("arm-none-eabi-nm")
    if nm is None:
        raise ToolNotFoundError("arm-none-eabi-nm not found: apt-get install binutils-arm-none-eabi")
    done = subprocess.run([nm, str(elf)], capture_output=True, text=True)
    if done.returncode != 0:
        raise ExternalToolError(f"arm-none-eabi-nm failed on {elf}")
    wanted, found = set(names), {}
    for line in done.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] in wanted and parts[1] in "Tt":
            found[parts[2]] = int(parts[0], 16) & ~1
    return found


@dataclass
class Interval:
    instructions: int
    cycles: int


@dataclass
class Invocation:
    """One model_invoke(): from the platform_cycles() call before it to the one after it (what
    the firmware's own counter measures), and its operators (model_profile_begin entry to
    model_profile_end entry, less the cost of an empty begin/end pair when the firmware measured one)."""

    total: Interval
    operators: list[Interval] = field(default_factory=list)


def invocations(run: TimingRun, symbols: dict[str, int]) -> list[Invocation]:
    """Per-inference (and per-operator, with MODEL_PROFILE hooks) figures from the marks."""
    kinds = {symbols.get("platform_cycles"): "P", symbols.get("model_invoke"): "I",
             symbols.get("model_profile_begin"): "B", symbols.get("model_profile_end"): "E"}
    kinds.pop(None, None)
    events = [(kinds[m.address], m) for m in run.marks if m.address in kinds]
    result: list[Invocation] = []
    overhead = None  # an empty begin/end pair outside any inference (the validate firmware measures one)
    last_p = None
    i = 0
    while i < len(events):
        kind, mark = events[i]
        if kind == "B" and i + 1 < len(events) and overhead is None:
            nxt = [e for e in events[i + 1:i + 4] if e[0] == "E"]
            if nxt:
                overhead = Interval(nxt[0][1].instructions - mark.instructions, nxt[0][1].cycles - mark.cycles)
        if kind == "P":
            last_p = mark
        if kind != "I" or last_p is None:
            i += 1
            continue
        start, ops, begin, previous = last_p, [], None, "I"
        end = None
        j = i + 1
        while j < len(events):
            k, m = events[j]
            if k == "B":
                begin = m
            elif k == "E" and begin is not None:
                ops.append(Interval(m.instructions - begin.instructions, m.cycles - begin.cycles))
                begin = None
            elif k == "P" and previous not in ("B", "E"):
                end = m
                break
            elif k == "I":
                break
            previous = k
            j += 1
        if end is None:
            break  # the run stopped inside an inference
        if overhead is not None:
            ops = [Interval(max(0, o.instructions - overhead.instructions), max(0, o.cycles - overhead.cycles))
                   for o in ops]
        result.append(Invocation(Interval(end.instructions - start.instructions, end.cycles - start.cycles), ops))
        last_p = end
        i = j + 1
    return result


def intervals(run: TimingRun, start_address: int, end_address: int) -> list[Interval]:
    """Each execution of the instruction at ``start_address`` to the next at ``end_address``, in order
    (for drivers without the platform layer, e.g. model_invoke to the function called after it)."""
    out, start = [], None
    for mark in run.marks:
        if mark.address == start_address:
            start = mark
        elif mark.address == end_address and start is not None:
            out.append(Interval(mark.instructions - start.instructions, mark.cycles - start.cycles))
            start = None
    return out


def format_figures(instructions: int, cycles: int | None, settings: TimingSettings = TimingSettings(),
                   reason: str | None = None) -> str:
    """'N instructions (QEMU), M cycles (Cortex-M4 timing model, 0 wait states)', or the
    instructions with the reason the model does not apply."""
    text = f"{instructions:,} {INSTRUCTIONS_LABEL}"
    if cycles is not None:
        return f"{text}, {cycles:,} {settings.cycles_label}"
    return f"{text} (no cycle figure: {reason})" if reason else text


class QemuTiming:
    """The plugin for one QEMU run of a firmware ELF, and its figures afterwards.

    The plugin rides on every core (its instruction counts are exact anywhere); ``reason`` is
    set where the Cortex-M4 cycle figure does not apply, and :meth:`cycles` then gives None."""

    def __init__(self, cpu: str, elf: Path, out_path: Path, settings: TimingSettings = TimingSettings()):
        self.reason = not_applicable_reason(cpu)
        self.settings = settings
        self.out_path = Path(out_path)
        self.symbols = symbol_addresses(elf)
        if "model_invoke" not in self.symbols or "platform_cycles" not in self.symbols:
            raise ExternalToolError(f"{elf} has no model_invoke/platform_cycles to measure between")
        if self.out_path.exists():
            self.out_path.unlink()
        self.argv = plugin_argv(plugin_library(), self.out_path, sorted(set(self.symbols.values())), settings)

    @classmethod
    def try_create(cls, cpu, elf, out_path, log=print, settings: TimingSettings = TimingSettings()):
        """A QemuTiming, or None (with one logged line saying why) when the plugin cannot be used."""
        try:
            return cls(cpu, elf, out_path, settings)
        except (ToolNotFoundError, ExternalToolError) as exc:
            log(f"timing model: not used ({exc}); instructions from the firmware's counter only")
            return None

    def run(self) -> TimingRun | None:
        return read_run(self.out_path)

    def invocations(self) -> list[Invocation] | None:
        run = self.run()
        return None if run is None else invocations(run, self.symbols)

    def cycles(self, interval: Interval) -> int | None:
        return None if self.reason else interval.cycles

    def describe(self, interval: Interval) -> str:
        return format_figures(interval.instructions, self.cycles(interval), self.settings, self.reason)
