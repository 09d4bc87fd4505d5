"""Flash and RAM of a built firmware, split by what uses them, against the board's limits.

Reads the ELF (section headers and program headers: where each section lives
and where it is loaded from) and the linker map (which object file every input
section came from).  No external tool is needed.

Flash = every allocated section with contents whose load address is in the
board's flash, or in its separate model region if it has one (code, read-only
data, the model, the initial values of .data), split into:
``model`` (the model array, model_data.o), ``tflm`` (libtflm.a / TFLM objects),
``startup`` (startup.o, RP2040 boot2, the C runtime's crt*.o) and
``application`` (everything else: main, model glue, platform layer, and the C
and C++ libraries, reported separately as ``c_library_bytes``); alignment
padding goes to the category of the section before it.

RAM = allocated sections in the board's RAM regions: ``arena``
(.tensor_arena), ``stack`` (.stack), ``heap`` (.heap), ``rest`` (.data, .bss,
anything else).
"""

from __future__ import annotations

import json
import re
import shlex
import struct
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from attendnets_base.errors import BadInputError
from codegen.project import open_project

FLASH_CATEGORIES = ("model", "tflm", "application", "startup")
RAM_CATEGORIES = ("arena", "stack", "heap", "rest")
RAM_SECTION_CATEGORY = {".tensor_arena": "arena", ".stack": "stack", ".heap": "heap"}
C_LIBRARIES = ("libc.a", "libc_nano.a", "libm.a", "libg.a", "libg_nano.a", "libstdc++.a", "libstdc++_nano.a",
               "libsupc++.a", "libsupc++_nano.a", "libgcc.a", "librdimon.a", "librdimon_nano.a", "libnosys.a")

SHF_ALLOC = 0x2
SHT_NOBITS = 8
PT_LOAD = 1


@dataclass(frozen=True)
class ElfSection:
    name: str
    address: int  # where it runs (VMA)
    load_address: int  # where its bytes are stored (LMA)
    size_bytes: int
    has_contents: bool  # False for .bss-like (NOBITS) sections


def read_elf_sections(path) -> list[ElfSection]:
    """Allocated sections of a 32-bit little-endian ELF (what arm-none-eabi-gcc writes)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInputError(f"cannot read {path}: {exc.strerror}") from None
    if len(data) < 52 or data[:4] != b"\x7fELF":
        raise BadInputError(f"{path} is not an ELF file")
    if data[4] != 1 or data[5] != 1:
        raise BadInputError(f"{path} is not a 32-bit little-endian ELF (not a Cortex-M image)")
    try:
        (e_phoff, e_shoff, _flags, _ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx) = \
            struct.unpack_from("<IIIHHHHHH", data, 28)
        segments = []
        for i in range(e_phnum):
            p_type, _off, p_vaddr, p_paddr, p_filesz, p_memsz = struct.unpack_from("<IIIIII", data, e_phoff + i * e_phentsize)
            if p_type == PT_LOAD:
                segments.append((p_vaddr, p_paddr, p_memsz))
        headers = [struct.unpack_from("<IIIIIIIIII", data, e_shoff + i * e_shentsize) for i in range(e_shnum)]
        strtab_offset = headers[e_shstrndx][4]
        sections = []
        for name_offset, sh_type, sh_flags, sh_addr, _off, sh_size, *_ in headers:
            if not sh_flags & SHF_ALLOC or sh_size == 0:
                continue
            end = data.index(b"\0", strtab_offset + name_offset)
            name = data[strtab_offset + name_offset:end].decode("ascii", "replace")
            load = sh_addr
            for vaddr, paddr, memsz in segments:
                if vaddr <= sh_addr < vaddr + max(memsz, 1):
                    load = paddr + (sh_addr - vaddr)
                    break
            sections.append(ElfSection(name, sh_addr, load, sh_size, sh_type != SHT_NOBITS))
    except (struct.error, ValueError, IndexError) as exc:
        raise BadInputError(f"{path} is a truncated or corrupt ELF ({exc})") from None
    return sections


_OUTPUT = re.compile(r"^(\.\S+|\S+)(?:\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+))?")
_INPUT = re.compile(r"^ (\S+)(?:\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)\s+(\S.*))?$")
_CONTINUATION = re.compile(r"^\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)\s+(\S.*)$")
_CONTINUATION_OUTPUT = re.compile(r"^\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)")
_FILL = re.compile(r"^ \*fill\*\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)")


def parse_map(path) -> dict:
    """``{output section: [(input section, address, size_bytes, file or '*fill*')]}`` from a GNU ld map file."""
    path = Path(path)
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError as exc:
        raise BadInputError(f"cannot read {path}: {exc.strerror}") from None
    try:
        start = lines.index("Linker script and memory map") + 1
    except ValueError:
        raise BadInputError(f"{path} is not a GNU ld map file (no 'Linker script and memory map')") from None
    sections = defaultdict(list)
    current = None
    pending_input = None
    pending_output = None
    for line in lines[start:]:
        if not line.strip():
            continue
        if pending_output is not None:
            m = _CONTINUATION_OUTPUT.match(line)
            current = pending_output
            pending_output = None
            if m:
                continue
        if pending_input is not None:
            m = _CONTINUATION.match(line)
            name, pending_input = pending_input, None
            if m and current is not None:
                sections[current].append((name, int(m.group(1), 16), int(m.group(2), 16), m.group(3).strip()))
                continue
        if line[0] not in " \t*":
            if line.startswith(("LOAD ", "OUTPUT(", "START GROUP", "END GROUP", "OUTPUT_FORMAT")):
                continue
            m = _OUTPUT.match(line)
            if m:
                if m.group(2) is None:
                    pending_output = m.group(1)
                else:
                    current = m.group(1)
            continue
        m = _FILL.match(line)
        if m and current is not None:
            sections[current].append(("*fill*", int(m.group(1), 16), int(m.group(2), 16), "*fill*"))
            continue
        m = _INPUT.match(line)
        if m and current is not None and not m.group(1).startswith(("*(", "0x", "*")):
            if m.group(2) is None:
                pending_input = m.group(1)
            else:
                sections[current].append((m.group(1), int(m.group(2), 16), int(m.group(3), 16), m.group(4).strip()))
    return dict(sections)


def flash_category(source: str) -> str:
    name = source.replace("\\", "/")
    member = name.rsplit("/", 1)[-1]
    archive = member.split("(", 1)[0]
    if "libtflm" in archive or "/tflm" in name.split("(", 1)[0]:
        return "tflm"
    if "model_data" in archive and "(" not in member:
        return "model"
    if archive in ("startup.o", "boot2.o") or (archive.startswith("crt") and archive.endswith(".o")):
        return "startup"
    return "application"


def is_c_library(source: str) -> bool:
    archive = source.replace("\\", "/").rsplit("/", 1)[-1].split("(", 1)[0]
    return archive in C_LIBRARIES


@dataclass
class RegionUse:
    name: str
    origin: int
    size_bytes: int
    used_bytes: int


@dataclass
class SizeReport:
    """Computed once; ``to_text`` and ``to_dict`` only format it. Sizes in bytes."""

    project: str
    board: str
    elf: str
    map: str
    flash: dict  # category -> bytes
    flash_total_bytes: int
    flash_limit_bytes: int
    c_library_bytes: int  # part of flash["application"]
    ram: dict  # category -> bytes
    ram_total_bytes: int
    ram_limit_bytes: int
    regions: list = field(default_factory=list)  # [RegionUse]
    model_size_bytes: int | None = None
    arena_generated_bytes: int | None = None

    @property
    def fits(self):
        return self.flash_total_bytes <= self.flash_limit_bytes and all(r.used_bytes <= r.size_bytes for r in self.regions)

    def to_dict(self):
        d = asdict(self)
        d["fits"] = self.fits
        return d

    def to_text(self):
        def pct(value, limit):
            return f"{100.0 * value / limit:5.1f}%" if limit else "   - "

        lines = [f"{self.project}: {self.elf} on {self.board}",
                 f"flash {self.flash_total_bytes:>9} B of {self.flash_limit_bytes} B ({pct(self.flash_total_bytes, self.flash_limit_bytes).strip()})"]
        for key in FLASH_CATEGORIES:
            extra = f"  (C/C++ libraries {self.c_library_bytes} B)" if key == "application" else ""
            lines.append(f"  {key:<12} {self.flash[key]:>9} B  {pct(self.flash[key], self.flash_limit_bytes)}{extra}")
        lines.append(f"RAM   {self.ram_total_bytes:>9} B of {self.ram_limit_bytes} B ({pct(self.ram_total_bytes, self.ram_limit_bytes).strip()})")
        for key in RAM_CATEGORIES:
            lines.append(f"  {key:<12} {self.ram[key]:>9} B  {pct(self.ram[key], self.ram_limit_bytes)}")
        for r in self.regions:
            state = "" if r.used_bytes <= r.size_bytes else "  OVERFLOW"
            lines.append(f"region {r.name:<12} {r.used_bytes:>9} B of {r.size_bytes} B at 0x{r.origin:08X}{state}")
        return "\n".join(lines)


def _attribute(records, start, size_bytes):
    """``[(category, bytes, is_c_library)]`` covering a section exactly.

    Each input section owns the bytes from its address up to the next input section (so
    alignment padding goes with the section before it). Map sizes are not summed: merged
    string sections (.str1.4) are listed with their size before merging.
    """
    end = start + size_bytes
    records = sorted((r for r in records if start <= r[1] < end), key=lambda r: r[1])
    out = []
    last = ("application", False)
    cursor = start
    for i, (_name, address, _size, source) in enumerate(records):
        if address > cursor:  # bytes no record claims (linker-script padding)
            out.append((last[0], address - cursor, last[1]))
        following = records[i + 1][1] if i + 1 < len(records) else end
        span = max(0, min(following, end) - address)
        if source != "*fill*":
            last = (flash_category(source), is_c_library(source))
        out.append((last[0], span, last[1]))
        cursor = max(cursor, address + span)
    if cursor < end:
        out.append((last[0], end - cursor, last[1]))
    return out


def size_of(elf_path, map_path, board, project_name="firmware", model_size_bytes=None, arena_generated_bytes=None):
    sections = read_elf_sections(elf_path)
    inputs = parse_map(map_path)
    code_regions = list(board.code_regions)  # flash (+ the model's own region)
    # the data region, the arena region and every other RAM region the linker script gives sections
    ram_regions = [board.ram] + ([board.arena_region] if board.separate_arena else []) + list(board.extra_regions)

    def in_region(address, region):
        return region.origin <= address < region.end

    flash = dict.fromkeys(FLASH_CATEGORIES, 0)
    ram = dict.fromkeys(RAM_CATEGORIES, 0)
    c_library = 0
    region_used = {r.name: 0 for r in code_regions + ram_regions}
    for s in sections:
        for region in code_regions:
            if s.has_contents and in_region(s.load_address, region):
                region_used[region.name] += s.size_bytes
                for category, size, library in _attribute(inputs.get(s.name, []), s.address, s.size_bytes):
                    flash[category] += size
                    c_library += size if library else 0
        for region in ram_regions:
            if in_region(s.address, region):
                region_used[region.name] += s.size_bytes
                category = "arena" if s.name.startswith(".region.") and s.name.endswith(".arena") else \
                    RAM_SECTION_CATEGORY.get(s.name, "rest")
                ram[category] += s.size_bytes
    regions = [RegionUse(r.name, r.origin, r.size_bytes, region_used[r.name]) for r in code_regions + ram_regions]
    return SizeReport(
        project=project_name, board=board.name, elf=str(elf_path), map=str(map_path),
        flash=flash, flash_total_bytes=sum(flash.values()),
        flash_limit_bytes=sum(r.size_bytes for r in code_regions),
        c_library_bytes=c_library, ram=ram, ram_total_bytes=sum(ram.values()),
        ram_limit_bytes=sum(r.size_bytes for r in ram_regions), regions=regions,
        model_size_bytes=model_size_bytes, arena_generated_bytes=arena_generated_bytes)


def size_project(path) -> SizeReport:
    project = open_project(path)
    elf, map_file = project.artifact(".elf"), project.artifact(".map")
    for p in (elf, map_file):
        if not p.is_file():
            raise BadInputError(f"{p} not found: build the project first (attendnets build {shlex.quote(str(project.path))})")
    return size_of(elf, map_file, project.board, project.name, project.facts.get("model_size_bytes"),
                   project.facts.get("arena_bytes"))


def write_json(report: SizeReport) -> str:
    return json.dumps(report.to_dict(), indent=2)
