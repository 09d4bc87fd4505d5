"""attendnets size: the flash/RAM split of a built ELF (built here without TFLM: a stand-in
model library plays libtflm.a)."""

import json
import subprocess

import pytest

from codegen.boards import get_board
from codegen.size import parse_map, read_elf_sections
from tests.conftest import assert_one_line_error, corpus_model_path
from tests.test_firmware_compile import _need, build_without_tflm


MODEL = "mobilenet_v1_025_person_int8"  # 293 KB of flatbuffer, as big as the model region of the AN547 allows


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """{board: project folder} with build/model.elf and build/model.map."""
    _need("arm-none-eabi-gcc", "make")
    from attendnets.cli import main

    projects = {}
    for board in ("mps2-an386", "rpi-pico", "nucleo-h743zi2", "mps3-an547"):
        out = tmp_path_factory.mktemp("size") / board
        assert main(["generate", str(corpus_model_path(MODEL)), "--board", board, "--out", str(out),
                     "--runtime", "tflm", "--kernels", "reference"]) == 0
        build_without_tflm(out, get_board(board), name="model", stub_as_tflm_archive=True)
        projects[board] = out
    return projects


def _arena_bytes(project):
    return json.loads((project / "project.json").read_text())["arena_bytes"]


@pytest.mark.parametrize("board", ["mps2-an386", "rpi-pico", "nucleo-h743zi2", "mps3-an547"])
def test_split(board, built, cli):
    project = built[board]
    result = cli("size", project, "--json")
    assert result.exit_code == 0, result
    report = json.loads(result.stdout)
    model_size = corpus_model_path(MODEL).stat().st_size
    flash, ram = report["flash"], report["ram"]
    assert model_size <= flash["model"] < model_size + 16  # the array plus at most its alignment padding
    assert flash["tflm"] > 0  # the stand-in library
    assert flash["startup"] >= (16 + get_board(board).irq_count) * 4 + (256 if board == "rpi-pico" else 0)
    assert flash["application"] > report["c_library_bytes"] > 0
    # flash total = every loaded byte of the ELF (what arm-none-eabi-size calls text + data)
    sizes = subprocess.run(["arm-none-eabi-size", str(project / "build/model.elf")], capture_output=True,
                           text=True).stdout.splitlines()[1].split()
    assert report["flash_total_bytes"] == int(sizes[0]) + int(sizes[1]) == sum(flash.values())
    assert ram["arena"] == _arena_bytes(project)
    assert ram["stack"] == 16 * 1024 and ram["heap"] == 4 * 1024 and ram["rest"] > 0
    b = get_board(board)
    assert report["flash_limit_bytes"] == b.flash_bytes + (b.model_region.size_bytes if b.separate_model_region else 0)
    assert report["fits"] is True
    regions = {r["name"]: r for r in report["regions"]}
    if board == "mps3-an547":  # the model has its own region
        assert regions["SRAM"]["used_bytes"] == flash["model"] == model_size
    if board == "nucleo-h743zi2":  # the arena has its own region
        assert regions["AXI_SRAM"]["used_bytes"] == ram["arena"]
        assert regions["DTCM"]["used_bytes"] == ram["stack"] + ram["heap"] + ram["rest"]
    text = cli("size", project).stdout
    assert "model" in text and "arena" in text and f"{ram['arena']:>9} B" in text


def test_parse_map_handles_wrapped_lines_fill_and_merged_strings(tmp_path):
    sample = tmp_path / "x.map"
    sample.write_text(
        "Archive member included\n\nLinker script and memory map\n\nLOAD build/a.o\n"
        ".text           0x00000100      0x40\n"
        " *(.text .text.*)\n"
        " .text.main     0x00000100       0x10 build/obj/src/main.o\n"
        "                0x00000100                main\n"
        " .text._ZN6tflite12VeryLongNameEv\n"
        "                0x00000110       0x20 /x/libtflm.a(conv.cc.o)\n"
        " *fill*         0x00000130        0x4 \n"
        " .rodata.str1.4\n"
        "                0x00000134       0x10 /x/libc.a(lib_a-printf.o)\n"
        "                                0x30 (size before relaxing)\n"
        "\n.data           0x20000000        0x8 load address 0x00000140\n"
        " .data          0x20000000        0x8 build/obj/platform/startup.o\n")
    sections = parse_map(sample)
    assert sections[".text"] == [
        (".text.main", 0x100, 0x10, "build/obj/src/main.o"),
        (".text._ZN6tflite12VeryLongNameEv", 0x110, 0x20, "/x/libtflm.a(conv.cc.o)"),
        ("*fill*", 0x130, 4, "*fill*"),
        (".rodata.str1.4", 0x134, 0x10, "/x/libc.a(lib_a-printf.o)"),
    ]
    assert sections[".data"] == [(".data", 0x20000000, 8, "build/obj/platform/startup.o")]


def test_bad_inputs(cli, tmp_path, built):
    assert_one_line_error(cli("size", tmp_path / "nothing"), 2)
    out = tmp_path / "fw"
    assert cli("generate", "--runtime", "tflm", corpus_model_path("svdf_int8"), "--board", "mps2-an386", "--out", out,
               "--kernels", "reference").exit_code == 0
    line = assert_one_line_error(cli("size", out), 2)
    assert "build the project first" in line
    (out / "build").mkdir()
    (out / "build/model.elf").write_bytes(b"\x7fELF junk")
    (out / "build/model.map").write_text("not a map")
    assert_one_line_error(cli("size", out), 2)
    with pytest.raises(Exception, match="not an ELF"):
        read_elf_sections(out / "build/model.map")
