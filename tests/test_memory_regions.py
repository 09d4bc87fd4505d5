"""The board's whole memory map (issue 20, item 3).

- the catalog lists every RAM region with its size, address, speed class and source, and `boards` shows them;
- `--arena-region` puts the arena (both runtimes) in the region named, carving it out of the data region
  where it lies at its start or end;
- the compiled runtime splits its arena across regions (the most-used bytes in the fastest region): forced
  on mps2-an386 (QEMU 7.2 maps a 16 KiB block RAM at 0x01000000 beside the 4 MiB SSRAM at 0x20000000) the
  firmware runs and prints the tflite-micro interpreter's output byte for byte;
- the linker script and startup give every other region its .data/.bss (copied and zeroed) and its arena part;
- `report` fits a model whose arena is larger than any single region when the regions together hold it.
"""

import json
import subprocess

import numpy as np
import pytest

from codegen.boards import SPEED_CLASSES, get_board, load_boards
from tests.conftest import assert_one_line_error
from tests.conftest import need_programs as _need
from tests.conftest import run_firmware_qemu
from tests.tflite_builder import ModelBuilder




def add_chain(elements=9000, units=10, seed=3):
    """x[1,N] -> ADD(x,x) -> ADD(.,x) -> ADD(.,.) -> FULLY_CONNECTED -> [1,units]: three N-byte buffers live
    at once, so N > 16 KiB / 2 needs more than the an386's block RAM."""
    rng = np.random.default_rng(seed)
    b = ModelBuilder()
    x = b.tensor("x", (1, elements), "int8", scale=0.05, zero_point=-3)
    a = b.tensor("a", (1, elements), "int8", scale=0.09, zero_point=4)
    c = b.tensor("c", (1, elements), "int8", scale=0.12, zero_point=-7)
    d = b.tensor("d", (1, elements), "int8", scale=0.2, zero_point=1)
    w = b.tensor("w", (units, elements), "int8", scale=0.004, zero_point=0,
                 data=rng.integers(-127, 128, units * elements, dtype=np.int8).tobytes())
    y = b.tensor("y", (1, units), "int8", scale=0.3, zero_point=2)
    b.op("ADD", [x, x], [a], options={"type": "add", "activation": "NONE"})
    b.op("ADD", [a, x], [c], options={"type": "add", "activation": "RELU"})
    b.op("ADD", [c, a], [d], options={"type": "add", "activation": "NONE"})
    b.op("FULLY_CONNECTED", [d, w, -1], [y], version=4, options={"type": "fully_connected"})
    return b.build(inputs=[x], outputs=[y])


def test_every_board_lists_its_ram_regions_with_speed_and_source():
    for board in load_boards().values():
        assert board.memory, board.name
        for r in board.memory:
            assert r.speed in SPEED_CLASSES and r.source and r.size_bytes > 0, (board.name, r)
        # the data region and the arena region lie in the listed memory
        for region in (board.ram, board.arena_region):
            inside = [r for r in board.memory if r.overlaps(region)]
            assert inside and sum(r.size_bytes for r in inside) >= region.size_bytes, (board.name, region)
    h7 = get_board("nucleo-h743zi2")
    assert [(r.name, r.origin, r.size_bytes // 1024, r.speed, r.usable) for r in h7.memory] == [
        ("ITCM_RAM", 0, 64, "tcm", False), ("DTCM", 0x20000000, 128, "tcm", True),
        ("AXI_SRAM", 0x24000000, 512, "sram", True), ("SRAM123", 0x30000000, 288, "sram", True),
        ("SRAM4", 0x38000000, 64, "sram", True), ("BKPSRAM", 0x38800000, 4, "sram", False)]
    f7 = get_board("stm32f746g-disco")
    assert [(r.name, r.size_bytes // 1024) for r in f7.memory if r.usable] == [("DTCM", 64), ("SRAM1", 240),
                                                                                ("SRAM2", 16)]
    assert get_board("arduino-nano-33-ble-sense").memory[0].size_bytes == 256 * 1024
    an386 = get_board("mps2-an386")
    assert [(r.name, r.origin, r.size_bytes) for r in an386.memory] == [
        ("BRAM", 0x01000000, 16 * 1024), ("ZBT_SSRAM23", 0x20000000, 4 << 20), ("PSRAM", 0x21000000, 16 << 20)]


def test_boards_command_shows_regions(cli):
    result = cli("boards")
    assert result.exit_code == 0
    assert "AXI_SRAM" in result.stdout and "SRAM123" in result.stdout and "tcm" in result.stdout
    data = json.loads(cli("boards", "--json").stdout)
    h7 = next(b for b in data["boards"] if b["name"] == "nucleo-h743zi2")
    assert [r["name"] for r in h7["memory"]] == ["ITCM_RAM", "DTCM", "AXI_SRAM", "SRAM123", "SRAM4", "BKPSRAM"]
    assert "the arena" in h7["memory"][2]["holds"] and "stack" in h7["memory"][1]["holds"]
    assert h7["memory"][0]["usable"] is False and "NULL" in h7["memory"][0]["holds"]


def test_arena_region_carves_and_refuses():
    f7 = get_board("stm32f746g-disco").with_arena_region("dtcm")
    assert (f7.arena_region.name, f7.arena_region.size_bytes) == ("DTCM", 64 * 1024)
    assert (f7.ram.origin, f7.ram.size_bytes) == (0x20010000, 256 * 1024) and f7.separate_arena
    l4 = get_board("nucleo-l4r5zi")
    assert l4.with_arena_region("SRAM3").ram.size_bytes == 256 * 1024
    from attendnets_base.errors import BadInputError

    with pytest.raises(BadInputError, match="cannot be carved"):
        l4.with_arena_region("SRAM2")
    with pytest.raises(BadInputError, match="no RAM region 'ITCM'.*DTCM, AXI_SRAM"):
        get_board("nucleo-h743zi2").with_arena_region("ITCM")
    with pytest.raises(BadInputError, match="address 0"):
        get_board("nucleo-h743zi2").with_arena_region("ITCM_RAM")
    with pytest.raises(BadInputError, match="FMC"):
        get_board("stm32f746g-disco").with_arena_region("SDRAM")


@pytest.mark.parametrize("runtime", ["tflm", "compiled"])
def test_arena_region_option_places_the_arena(runtime, cli, tmp_path):
    _need("arm-none-eabi-gcc", "make")
    model = tmp_path / "chain.tflite"
    model.write_bytes(add_chain(elements=2000))
    out = tmp_path / "fw"
    result = cli("generate", model, "--board", "nucleo-h743zi2", "--out", out, "--runtime", runtime,
                 "--arena-region", "SRAM123", "--kernels", "reference")
    assert result.exit_code == 0, result.output
    assert "(SRAM123)" in result.stdout
    linker = (out / "linker.ld").read_text()
    assert "SRAM123" in linker and "} > SRAM123" in linker
    startup = (out / "platform/startup.c").read_text()
    assert "0x580244DCu |= 0xE0000000u" in startup  # the D2 SRAM clocks on before anything touches them
    if runtime == "compiled":
        subprocess.run(["make", "-C", str(out), "-j2"], check=True, capture_output=True)
        sections = subprocess.run(["arm-none-eabi-objdump", "-h", str(out / "build/model.elf")],
                                  capture_output=True, text=True).stdout
        line = next(l for l in sections.splitlines() if ".tensor_arena" in l).split()
        assert 0x30000000 <= int(line[3], 16) < 0x30048000
    bad = cli("generate", model, "--board", "nucleo-h743zi2", "--out", tmp_path / "bad", "--runtime", runtime,
              "--arena-region", "CCM")
    assert "no RAM region 'CCM'" in assert_one_line_error(bad)
    assert not (tmp_path / "bad").exists()


def test_split_arena_runs_bit_exact_in_qemu(cli, tmp_path):
    """--arena-placement speed on mps2-an386: the most-used buffers in the 16 KiB block RAM, the rest in the
    SSRAM; the ELF has an arena part in each region and the output equals tflite-micro's."""
    _need("arm-none-eabi-gcc", "make", "qemu-system-arm")
    from codegen.compiled.host import run_tflm

    model = tmp_path / "chain.tflite"
    model.write_bytes(add_chain())
    sample = np.random.default_rng(7).integers(-128, 128, size=(1, 9000)).astype(np.int8)
    np.save(tmp_path / "sample.npy", sample)
    out = tmp_path / "fw"
    result = cli("generate", model, "--board", "mps2-an386", "--out", out, "--runtime", "compiled",
                 "--sample", tmp_path / "sample.npy", "--arena-placement", "speed")
    assert result.exit_code == 0, result.output
    assert "(BRAM)" in result.stdout and "arena part" in result.stdout
    model_c = (out / "src/model.c").read_text()
    assert 'MODEL_ARENA_SECTION(".region.BRAM.arena")' in model_c and 'MODEL_ARENA_SECTION(".tensor_arena")' in model_c
    assert "split over 2 RAM regions" in (out / "README.md").read_text()
    subprocess.run(["make", "-C", str(out), "-j2"], check=True, capture_output=True)
    elf = out / "build/model.elf"
    sections = {}
    for line in subprocess.run(["arm-none-eabi-objdump", "-h", str(elf)], capture_output=True, text=True).stdout.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[1].startswith("."):
            sections[parts[1]] = (int(parts[2], 16), int(parts[3], 16))
    bram_size, bram_at = sections[".region.BRAM.arena"]
    assert 0x01000000 <= bram_at and bram_at + bram_size <= 0x01004000 and bram_size > 0
    ssram_size, ssram_at = sections[".tensor_arena"]
    assert 0x20000000 <= ssram_at < 0x20400000 and ssram_size > 0
    assert bram_size + ssram_size >= 3 * 9000  # three 9000-byte activations live at once: more than BRAM holds
    proc = run_firmware_qemu(elf)
    assert proc.returncode == 0, proc
    expected = run_tflm(model, [sample])[0].reshape(-1)
    assert f"output: {' '.join(str(int(v)) for v in expected)}" in proc.stdout.splitlines()
    # `size` counts both parts as arena, each in its region
    size = json.loads(cli("size", out, "--json").stdout)
    used = {r["name"]: r["used_bytes"] for r in size["regions"]}
    assert used["BRAM"] == bram_size and size["ram"]["arena"] == bram_size + ssram_size
    # the same model without the forced split: one arena in the SSRAM
    auto = tmp_path / "auto"
    assert cli("generate", model, "--board", "mps2-an386", "--out", auto, "--runtime", "compiled").exit_code == 0
    assert "model_arena_BRAM" not in (auto / "src/model.c").read_text()


def test_report_fits_an_arena_larger_than_any_region_when_the_regions_hold_it(cli, tmp_path):
    """600,000 B of activations (three 200,000 B buffers live at once) on the H743: no region holds it (AXI SRAM
    512 KiB is the largest), AXI SRAM + SRAM1-3 do: the compiled runtime fits, one row per region; TFLM's one
    arena does not (exit 4)."""
    model = tmp_path / "big_chain.tflite"
    model.write_bytes(add_chain(elements=200_000, units=1))
    result = cli("report", model, "--board", "nucleo-h743zi2", "--runtime", "compiled", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)["runtimes"]["compiled"]
    assert doc["ram"]["arena"] == 600_000 > max(r.size_bytes for r in get_board("nucleo-h743zi2").memory)
    parts = {p["region"]: p["bytes"] for p in doc["arena_regions"]}
    assert parts == {"AXI_SRAM": 400_000, "SRAM123": 200_000}
    rows = {r["region"]: r for r in doc["board"]["regions"]}
    assert rows["AXI_SRAM"]["used_bytes"] == 400_000 and rows["SRAM123"]["used_bytes"] == 200_000
    assert doc["board"]["fits"] is True
    text = cli("report", model, "--board", "nucleo-h743zi2", "--runtime", "compiled").stdout
    assert "per region" in text and "(SRAM123)" in text and "arena part 200000 B" in text
    tflm = cli("report", "--runtime", "tflm", model, "--board", "nucleo-h743zi2")
    assert tflm.exit_code == 4 and "DOES NOT FIT" in tflm.stdout


REGION_MAIN = r"""
#include <stdint.h>
#include <stdio.h>
#include "model.h"
#include "platform.h"

// Initialised data in the block RAM (QEMU's ELF loader writes it only at its flash load address: the startup
// must copy it) and zero-initialised data in the PSRAM (pre-filled with 0xA5 by the test: the startup must
// zero it).
PLATFORM_REGION_DATA(BRAM) volatile uint32_t in_bram[4] = {0x12345678u, 0x9ABCDEF0u, 7u, 0xCAFEF00Du};
PLATFORM_REGION_BSS(PSRAM) volatile uint32_t in_psram[256];

int main(void) {
  printf("bram at %p: %08lx %08lx %08lx %08lx\n", (void*)in_bram, (unsigned long)in_bram[0],
         (unsigned long)in_bram[1], (unsigned long)in_bram[2], (unsigned long)in_bram[3]);
  uint32_t nonzero = 0;
  for (int i = 0; i < 256; ++i) nonzero += in_psram[i] != 0u;
  printf("psram at %p: %lu nonzero words\n", (void*)in_psram, (unsigned long)nonzero);
  return model_init();
}
"""


def test_startup_copies_and_zeroes_every_region_in_qemu(cli, tmp_path):
    """.region.BRAM.data is copied from flash and .region.PSRAM.bss zeroed by the startup (mps2-an386)."""
    _need("arm-none-eabi-gcc", "make", "qemu-system-arm")
    model = tmp_path / "chain.tflite"
    model.write_bytes(add_chain(elements=64))
    out = tmp_path / "fw"
    assert cli("generate", model, "--board", "mps2-an386", "--out", out, "--runtime", "compiled").exit_code == 0
    (out / "src/main.c").write_text(REGION_MAIN)
    subprocess.run(["make", "-C", str(out), "-j2"], check=True, capture_output=True)
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"\xa5" * 4096)
    proc = run_firmware_qemu(out / "build/model.elf", "-device",
                             f"loader,file={garbage},addr=0x21000000,force-raw=on", icount=False, timeout=60)
    assert proc.returncode == 0, proc
    lines = proc.stdout.splitlines()
    assert any(l.startswith("bram at 0x1000000: 12345678 9abcdef0 00000007 cafef00d") for l in lines), lines
    assert any(l.startswith("psram at 0x21000000: 0 nonzero words") for l in lines), lines


def test_report_arena_region(cli, tmp_path):
    """report --board --arena-region: the TFLM arena's row moves to the region named (the F746's 64 KiB DTCM,
    carved out of the data region, which keeps SRAM1+2); without --board it is a one-line error."""
    model = tmp_path / "chain.tflite"
    model.write_bytes(add_chain(elements=30_000, units=1))  # ~90 KB of activations: more than the DTCM
    result = cli("report", "--runtime", "tflm", model, "--board", "stm32f746g-disco", "--arena-region", "DTCM", "--json")
    assert result.exit_code == 4, result.output
    rows = {r["region"]: r for r in json.loads(result.stdout)["board"]["regions"]}
    assert rows["DTCM"]["available_bytes"] == 64 * 1024 and not rows["DTCM"]["fits"]
    assert rows["RAM"]["available_bytes"] == 256 * 1024
    middle = cli("report", "--runtime", "tflm", model, "--board", "stm32f746g-disco", "--arena-region", "SRAM1")
    assert "cannot be carved out" in assert_one_line_error(middle)  # SRAM1 lies between DTCM and SRAM2
    assert cli("report", "--runtime", "tflm", model, "--board", "nucleo-h743zi2", "--arena-region", "SRAM123").exit_code == 0
    assert "give --board too" in assert_one_line_error(cli("report", "--runtime", "tflm", model, "--arena-region", "DTCM"))


@pytest.mark.parametrize("name", ["dscnn_kws_int8", "resnet8_int8", "attendnet_b_int8"])
def test_split_plans_stay_bit_exact_on_host(name):
    """A forced split (speed placement, a first region just big enough for the largest buffer) of corpus models
    with many buffers, residual adds and kernel scratch: two arenas, no live buffers overlapping in either,
    every output equal to tflite-micro's on 20 random inputs (the generated C compiled on the host)."""
    _need("cc")
    from codegen.compiled.arena_plan import aligned
    from codegen.compiled.generate import emit_model, lower_model, plan_memory
    from codegen.compiled.host import assert_matches_tflm
    from codegen.compiled.plan import ArenaRegion
    from converter.planner.check import plan_violations
    from converter.tflite_model import load_model
    from tests.conftest import corpus_model_path

    model = load_model(corpus_model_path(name))
    whole = plan_memory(lower_model(model))
    largest = max(aligned(b.size_bytes) for b in whole.buffers)
    program = lower_model(model)
    plan = plan_memory(program, [ArenaRegion("FAST", largest + 16, "FAST", ".region.FAST.arena"),
                                 ArenaRegion("SLOW", 1 << 30, "SLOW", ".tensor_arena")], placement="speed")
    parts = program.arena_parts
    assert [p.region.name for p in parts] == ["FAST", "SLOW"] and parts[0].arena_bytes <= largest + 16
    for k in range(len(parts)):
        members = [i for i, b in enumerate(plan.buffers) if b.name in parts[k].buffers]
        assert not plan_violations([plan.buffers[i] for i in members], [plan.offsets[i] for i in members])
    compiled = emit_model(program)
    assert "model_arena_FAST" in compiled.files["model.c"]
    assert_matches_tflm(model, count=20, seed=1, compiled=compiled)
