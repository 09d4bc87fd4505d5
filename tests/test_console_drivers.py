"""A console on every real board: the UART of the debug probe's virtual COM port (issue 20, item 4).

- the catalog names, per real board, the UART instance, its pins and the source they come from;
- the STM32 BRR divider from the reset kernel clock;
- the drivers' register sequence: the generated platform.c compiled on the host against a fake register
  block (REG32 and PLATFORM_WFI overridden), run, and every register it left compared with the values the
  vendor's reference manual asks for;
- the validation firmware (it reads the UART) links for every real board, and `validate --port` runs against
  a fake device for every real board;
- SWO stays available: `generate --console swo`.
"""

import json
import os
import shutil
import subprocess

import pytest

from codegen.boards import get_board, load_boards
from tests.conftest import assert_one_line_error

REAL_BOARDS = [name for name, b in load_boards().items() if not b.emulated]
STM32_BOARDS = [n for n in REAL_BOARDS if load_boards()[n].console.driver in ("stm32-usart", "stm32-lpuart")]
NRF_BOARDS = [n for n in REAL_BOARDS if load_boards()[n].console.driver == "nrf-uarte"]

# (peripheral, TX pin, RX pin) per board, from the boards' user manuals (UM1907, UM2407, UM2179, the nRF5340 DK
# user guide, the Nano 33 BLE Sense pinout, the Pico datasheet): the figures the catalog must carry.
EXPECTED_PINS = {
    "stm32f746g-disco": ("USART1", "PA9", "PB7"),
    "nucleo-h743zi2": ("USART3", "PD8", "PD9"),
    "nucleo-l4r5zi": ("LPUART1", "PG7", "PG8"),
    "nrf5340dk": ("UARTE0", "P0.20", "P0.22"),
    "arduino-nano-33-ble-sense": ("UARTE0", "P1.03", "P1.10"),
    "rpi-pico": (None, "GP0", "GP1"),
}


def test_every_real_board_has_a_receiving_console_uart_with_its_source():
    assert set(EXPECTED_PINS) == set(REAL_BOARDS)
    for name in REAL_BOARDS:
        board = get_board(name)
        console = board.console
        assert console.kind == "uart", name
        peripheral, tx, rx = EXPECTED_PINS[name]
        assert (console.tx_pin_name, console.rx_pin_name) == (tx, rx), name
        if peripheral:
            assert console.peripheral == peripheral, name
        assert console.source, f"{name}: the console's vendor source is named in boards.toml"
        assert board.link is console and board.link_problem is None, name
    for name in STM32_BOARDS:
        assert get_board(name).swo is not None and "ITM" in get_board(name).swo.note


def test_stm32_baud_dividers_from_the_reset_clocks():
    from codegen.context import uart_brr_for

    brr = {n: uart_brr_for(get_board(n).console) for n in STM32_BOARDS}
    # 16 MHz HSI / 115200, 64 MHz HSI / 115200, LPUART 256 * 4 MHz MSI / 115200
    assert brr == {"stm32f746g-disco": 139, "nucleo-h743zi2": 556, "nucleo-l4r5zi": 8889}
    import dataclasses

    from attendnets_base.errors import BadInputError

    slow = dataclasses.replace(get_board("nucleo-l4r5zi").console, baud=1_000_000)  # BRR 1024, 0.4 % off: fine
    assert uart_brr_for(slow) == 1024
    with pytest.raises(BadInputError, match="cannot be made from 4000000 Hz"):
        uart_brr_for(dataclasses.replace(slow, baud=4_000_000))  # BRR 256 < 0x300


FAKE_HARNESS = r"""
#include <stdint.h>
#include <stdio.h>
#include "platform.h"

static uint32_t fake_address[256], fake_value[256];
static int fake_count;
volatile uint32_t* fake_reg(uint32_t address) {
  for (int i = 0; i < fake_count; ++i) {
    if (fake_address[i] == address) return &fake_value[i];
  }
  fake_address[fake_count] = address;
  fake_value[fake_count] = 0u;
  return &fake_value[fake_count++];
}
static void dump(const char* when) {
  for (int i = 0; i < fake_count; ++i) printf("%s 0x%08X 0x%08X\n", when, fake_address[i], fake_value[i]);
}

int main(void) {
  for (int i = 0; PRESET_ADDRESSES[i] != 0u; ++i) *fake_reg(PRESET_ADDRESSES[i]) = PRESET_VALUES[i];
  platform_init();
  dump("init");
#ifdef STM32
  // transmit: TXE set by the preset; the last byte written is in TDR
  platform_console_write("ok", 2);
  // receive with an overrun pending: the driver clears ORE (ICR.ORECF) and returns RDR
  *fake_reg(UART_BASE_ADDRESS + 0x24u) = 0x5Au;
  *fake_reg(UART_BASE_ADDRESS + 0x1Cu) |= (1u << 3);
  uint8_t byte = 0;
  platform_link_read(&byte, 1);
  printf("read 0x%02X\n", byte);
  dump("after");
#endif
  return 0;
}
"""


def _platform_files(model, board):
    """The rendered files of a TFLM project of ``model`` for ``board`` (the platform layer is common/)."""
    from codegen.context import GenerateOptions, build_context
    from codegen.render import render_files
    from codegen.runtimes import get_runtime

    runtime = get_runtime("tflm")
    firmware = runtime.prepare(model, board, "cmsis-nn").emit()
    return render_files(build_context(model, board, GenerateOptions(), runtime, firmware), runtime.project_dir)


def _host_run_platform(board_name, tmp_path, presets):
    if shutil.which("cc") is None:
        pytest.skip("no host C compiler (cc)")
    from converter.tflite_model import load_model
    from tests.test_validate_cli import digits_classifier

    board = get_board(board_name)
    model = load_model(digits_classifier())
    files = _platform_files(model, board)
    (tmp_path / "platform.c").write_text(files["platform/platform.c"])
    (tmp_path / "platform.h").write_text(files["platform/platform.h"])
    addresses = ", ".join(f"0x{a:08X}u" for a in presets) + (", " if presets else "") + "0u"
    values = ", ".join(f"0x{v:08X}u" for v in presets.values()) + (", " if presets else "") + "0u"
    harness = (f"static const uint32_t PRESET_ADDRESSES[] = {{{addresses}}};\n"
               f"static const uint32_t PRESET_VALUES[] = {{{values}}};\n" + FAKE_HARNESS)
    if board.console.driver.startswith("stm32"):
        harness = f"#define STM32 1\n#define UART_BASE_ADDRESS 0x{board.console.base:08X}u\n" + harness.replace(
            '#include "platform.h"', '#include "platform.h"', 1)
    (tmp_path / "harness.c").write_text("#include <stdint.h>\n" + harness)
    exe = tmp_path / "harness"
    flags = ["-std=c99", "-Wall", "-Werror", "-I", str(tmp_path),
             "-DREG32(addr)=(*fake_reg((uint32_t)(addr)))", "-DPLATFORM_WFI()=((void)0)"]
    proto = "volatile uint32_t* fake_reg(uint32_t address);"
    (tmp_path / "fake.h").write_text("#include <stdint.h>\n" + proto + "\n")
    subprocess.run(["cc", *flags, "-include", str(tmp_path / "fake.h"), str(tmp_path / "platform.c"),
                    str(tmp_path / "harness.c"), "-o", str(exe)], check=True, capture_output=True, text=True)
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True, timeout=20).stdout
    regs = {"init": {}, "after": {}}
    read = None
    for line in out.splitlines():
        parts = line.split()
        if parts[0] == "read":
            read = int(parts[1], 16)
        else:
            regs[parts[0]][int(parts[1], 16)] = int(parts[2], 16)
    return board, regs, read


@pytest.mark.parametrize("board_name", STM32_BOARDS)
def test_stm32_driver_register_sequence_on_a_fake_register_block(board_name, tmp_path):
    board = get_board(board_name)
    c = board.console
    isr = c.base + 0x1C
    board, regs, read = _host_run_platform(board_name, tmp_path, {isr: (1 << 7) | (1 << 6) | (1 << 5)})
    init = regs["init"]
    # every clock/power enable of the catalog is set
    for op, address, value, what in c.init:
        assert op == "set" and init[address] & value == value, what
    # both pins: MODER = 10 (alternate function), pull-up, AFR = the catalog's AF
    for port, pin in ((c.tx_port, c.tx_pin), (c.rx_port_or_tx, c.rx_pin)):
        base = c.gpio_port_base(port)
        assert (init[base + 0x00] >> (2 * pin)) & 3 == 2
        assert (init[base + 0x0C] >> (2 * pin)) & 3 == 1
        afr = init[base + (0x20 if pin < 8 else 0x24)]
        assert (afr >> (4 * (pin % 8))) & 0xF == c.af
    from codegen.context import uart_brr_for

    assert init[c.base + 0x0C] == uart_brr_for(c)
    assert init[c.base + 0x00] == 0b1101  # CR1: UE, RE, TE (8N1, oversampling 16)
    after = regs["after"]
    assert after[c.base + 0x28] == ord("k")  # TDR: the last byte sent
    assert read == 0x5A and after[c.base + 0x20] == 1 << 3  # RDR read, overrun cleared through ICR.ORECF


@pytest.mark.parametrize("board_name", NRF_BOARDS)
def test_nrf_uarte_init_on_a_fake_register_block(board_name, tmp_path):
    c = get_board(board_name).console
    waits = {address: value for op, address, value, _ in c.init if op == "wait"}
    _, regs, _ = _host_run_platform(board_name, tmp_path, waits)
    init = regs["init"]
    for op, address, value, what in c.init:
        assert init[address] & value == value, what  # HFCLKSTART triggered, HFCLKSTARTED waited for
    assert init[c.base + 0x50C] == (c.tx_port << 5) | c.tx_pin  # PSEL.TXD
    assert init[c.base + 0x514] == (c.tx_port << 5) | c.rx_pin  # PSEL.RXD
    assert init[c.base + 0x524] == 0x01D60000  # BAUDRATE 115200 (nRF52840 PS, UARTE BAUDRATE)
    assert init[c.base + 0x500] == 8  # ENABLE: UARTE
    assert init[c.gpio_base + 0x200 + 4 * c.rx_pin] == 0xC  # PIN_CNF: input connected, pull-up
    assert init[c.gpio_base + 0x018] == 1 << c.tx_pin  # DIRSET: TX an output


@pytest.mark.parametrize("board_name", REAL_BOARDS)
def test_validation_firmware_links_for_every_real_board(board_name, tmp_path):
    """The validation build (it reads the console UART: platform_link_read) compiles and links."""
    if shutil.which("arm-none-eabi-gcc") is None or shutil.which("make") is None:
        pytest.skip("arm-none-eabi-gcc or make missing")
    from validation.firmware import prepare_project
    from tests.test_validate_cli import digits_classifier

    model = tmp_path / "digits_fc.tflite"
    model.write_bytes(digits_classifier())
    vp = prepare_project(model, board_name, "compiled", tmp_path / "fw", log=lambda *a: None)
    result = subprocess.run(["make", "-j2"], cwd=vp.path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert vp.elf.is_file()
    nm = subprocess.run(["arm-none-eabi-nm", str(vp.elf)], capture_output=True, text=True).stdout
    assert " platform_link_read" in nm and " platform_link_write" in nm


@pytest.mark.parametrize("board_name", REAL_BOARDS)
def test_validate_port_runs_on_every_real_board(board_name, cli, tmp_path):
    """`validate --board <real board> --port` against a fake device on a pseudo-terminal: bit-exact."""
    from converter.tflite_model import load_model
    from codegen.generate import generate_project
    from tests.test_validate_cli import digits_classifier, start_device
    from validation.firmware import install_main

    model = tmp_path / "digits_fc.tflite"
    model.write_bytes(digits_classifier())
    data = model.read_bytes()
    generate_project(model, board_name, tmp_path / "fw", runtime="compiled")
    install_main(tmp_path / "fw", load_model(data), get_board(board_name), "compiled", True, data, model.name)
    device, port, fds = start_device(data)
    import threading

    timer = threading.Timer(0.3, device.start)
    timer.start()
    try:
        result = cli("validate", model, "--board", board_name, "--port", port, "--project", tmp_path / "fw",
                     "--timeout", "2", "--count", "5", "--json")
    finally:
        timer.join()
        device.join()
        for fd in fds:
            os.close(fd)
    assert result.exit_code == 0, result.output + result.stderr
    summary = json.loads(result.stdout)
    assert summary["bit_exact"]["all"] and summary["board"] == board_name


def test_swo_stays_available(cli, tmp_path):
    from tests.test_validate_cli import digits_classifier
    from validation.firmware import check_board
    from attendnets_base.errors import BadInputError

    model = tmp_path / "digits_fc.tflite"
    model.write_bytes(digits_classifier())
    out = tmp_path / "fw"
    result = cli("generate", model, "--board", "nucleo-h743zi2", "--out", out, "--runtime", "compiled",
                 "--console", "swo")
    assert result.exit_code == 0, result.output
    platform = (out / "platform/platform.c").read_text()
    assert "ITM stimulus port 0" in platform and "USART3" not in platform
    assert json.loads((out / "project.json").read_text())["console"] == "swo"
    with pytest.raises(BadInputError, match="its console is swo"):
        check_board(get_board("nucleo-h743zi2").with_console("swo"))
    result = cli("generate", model, "--board", "rpi-pico", "--out", tmp_path / "p", "--runtime", "compiled",
                 "--console", "swo")
    assert_one_line_error(result)
    assert "board rpi-pico has no swo console" in result.stderr


def test_platform_clock_is_the_clock_the_firmware_runs_at():
    """The real boards run at their reset clock (the Pico at its 12 MHz crystal): PLATFORM_CLOCK_HZ, which
    the validation firmware reports in its HELLO (validate's milliseconds), says so, not the board's rating."""
    from converter.tflite_model import load_model
    from tests.test_validate_cli import digits_classifier

    expected = {"stm32f746g-disco": 16_000_000, "nucleo-h743zi2": 64_000_000, "nucleo-l4r5zi": 4_000_000,
                "nrf5340dk": 64_000_000, "arduino-nano-33-ble-sense": 64_000_000, "rpi-pico": 12_000_000,
                "mps2-an386": 25_000_000}
    model = load_model(digits_classifier())
    for name, hz in expected.items():
        header = _platform_files(model, get_board(name))["platform/platform.h"]
        assert f"#define PLATFORM_CLOCK_HZ {hz}u" in header, name
