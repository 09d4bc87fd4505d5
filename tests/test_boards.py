"""The board catalog: parsing, facts other modules rely on, the `boards` command."""

import json

import pytest

from attendnets_base.errors import BadInputError
from codegen.boards import FLASH_TOOLS, get_board, load_boards
from tests.conftest import assert_one_line_error

REQUIRED = [
    "mps2-an386", "mps2-an500", "mps3-an547", "stm32f746g-disco", "nucleo-h743zi2",
    "nucleo-l4r5zi", "arduino-nano-33-ble-sense", "rpi-pico", "nrf5340dk",
]


def test_catalog_has_the_required_boards_with_sane_facts():
    boards = load_boards()
    assert set(REQUIRED) <= set(boards)
    for b in boards.values():
        assert b.pointer_bytes == 4
        assert b.flash.size_bytes > 0 and b.ram.size_bytes > 0
        # flash and RAM regions must not overlap
        regions = [b.flash, b.ram] + ([b.arena_region] if b.separate_arena else [])
        for i, r in enumerate(regions):
            for s in regions[i + 1:]:
                assert r.end <= s.origin or s.end <= r.origin, (b.name, r, s)
        assert set(b.tools) <= set(FLASH_TOOLS)
        assert b.emulated == ("qemu" in b.tools)


def test_known_memory_maps():
    assert get_board("mps2-an386").cpu_flags == ("-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard")
    pico = get_board("rpi-pico")
    assert pico.cpu == "cortex-m0plus" and not pico.has_fpu and pico.cycle_counter == "systick"
    assert (pico.flash.origin, pico.ram.size_bytes) == (0x10000000, 264 * 1024)
    f7 = get_board("stm32f746g-disco")
    assert (f7.flash_bytes, f7.ram_bytes) == (1024 * 1024, 320 * 1024)
    h7 = get_board("NUCLEO-H743ZI2")  # case-insensitive
    assert h7.separate_arena and h7.arena_region.origin == 0x24000000 and h7.ram_bytes == 512 * 1024
    assert get_board("mps3-an547").qemu_machine == "mps3-an547"


def test_unknown_board_suggests_close_names():
    with pytest.raises(BadInputError, match="did you mean mps2-an386"):
        get_board("mps2-an385")
    with pytest.raises(BadInputError, match="nucleo-h743zi2"):
        get_board("h743")


def test_broken_catalog_is_a_one_line_error(tmp_path):
    bad = tmp_path / "boards.toml"
    bad.write_text('[boards.x]\ndescription = "no cpu"\n')
    with pytest.raises(BadInputError, match="board x lacks"):
        load_boards(bad)


def test_boards_command(cli):
    result = cli("boards")
    assert result.exit_code == 0, result
    for name in REQUIRED:
        assert name in result.stdout
    result = cli("boards", "--json")
    data = json.loads(result.stdout)
    assert [b["name"] for b in data["boards"]][:3] == REQUIRED[:3]
    assert data["boards"][0]["flash_bytes"] == 4 * 1024 * 1024


def test_boards_bad_option_is_one_line(cli):
    result = cli("boards", "--bogus")
    assert_one_line_error(result)
