"""Nordic's hardened access-port protection (issue 14, section 1): the generated startup of the
nRF52840 (build code F0 and later) and nRF5340 boards opens it at reset as Nordic's SystemInit does.

The function is taken from the generated platform/startup.c and run on the host with the register
accesses redirected to a table, so the test checks what the code does, not how it is spelled.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from codegen.boards import load_boards

sys.path.insert(0, str(Path(__file__).parent))
from tflite_builder import int8_fc_model  # noqa: E402

HARNESS = r"""
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
/* every register the code touches, in order of first access; unwritten ones read 0xDEADBEEF */
static uint32_t reg_address[64], reg_value[64];
static int reg_count;
static volatile uint32_t* reg(uint32_t address) {
  for (int i = 0; i < reg_count; ++i)
    if (reg_address[i] == address) return &reg_value[i];
  reg_address[reg_count] = address; reg_value[reg_count] = 0xDEADBEEFu;
  return &reg_value[reg_count++];
}
#define STARTUP_REG32(address) (*reg((uint32_t)(address)))
%s
int main(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; i += 2) *reg((uint32_t)strtoul(argv[i], 0, 0)) = (uint32_t)strtoul(argv[i + 1], 0, 0);
  open_access_port();
  for (int i = 0; i < reg_count; ++i) printf("0x%%08X 0x%%08X\n", (unsigned)reg_address[i], (unsigned)reg_value[i]);
  return 0;
}
"""

NORDIC = [name for name, board in load_boards().items() if board.approtect]


def test_the_nordic_boards_have_the_protection_in_the_catalog():
    assert set(NORDIC) >= {"arduino-nano-33-ble-sense", "nrf5340dk"}


@pytest.fixture(scope="module")
def startups(tmp_path_factory):
    from codegen.generate import generate_project

    tmp = tmp_path_factory.mktemp("approtect")
    model = tmp / "fc.tflite"
    model.write_bytes(int8_fc_model())
    out = {}
    for name in NORDIC + ["mps2-an386"]:
        generate_project(model, name, tmp / name, kernels="reference", runtime="tflm")
        out[name] = (tmp / name / "platform" / "startup.c").read_text()
    return tmp, out


def run_open_access_port(startup, tmp, tag, registers):
    begin = startup.index("#ifndef STARTUP_REG32")
    end = re.search(r"static void open_access_port\(void\) \{.*?\n\}\n", startup, re.S).end()
    source = tmp / f"{tag}.c"
    source.write_text(HARNESS % startup[begin:end])
    exe = tmp / tag
    subprocess.run(["cc", "-std=c99", "-Wall", "-Werror", "-o", str(exe), str(source)], check=True)
    args = [str(a) for pair in registers.items() for a in (hex(pair[0]), hex(pair[1]))]
    lines = subprocess.run([str(exe), *args], check=True, capture_output=True, text=True).stdout.split()
    return {int(lines[i], 16): int(lines[i + 1], 16) for i in range(0, len(lines), 2)}


def reset_handler_first_statement(startup):
    body = startup[startup.index("void Reset_Handler(void) {"):]
    return body.splitlines()[1].strip()


@pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler")
def test_nrf52840_copies_uicr_approtect_on_build_code_f0_and_later(startups):
    tmp, startup = startups
    code = startup["arduino-nano-33-ble-sense"]
    assert reset_handler_first_statement(code).startswith("open_access_port();")
    uicr, disable = 0x10001208, 0x40000558
    for variant, opened in [(0x05, True), (0x06, True), (0xFFFFFFFF, True), (0x02, False), (0x04, False)]:
        regs = run_open_access_port(code, tmp, f"nrf52_{variant:x}", {0x10000130: 0x08, 0x10000134: variant,
                                                                      uicr: 0x5A})
        assert (regs.get(disable) == 0x5A) == opened, (variant, regs)
    # another part (0x10000130 != 0x08): the register is not touched
    regs = run_open_access_port(code, tmp, "nrf52_other", {0x10000130: 0x06, 0x10000134: 0x07, uicr: 0x5A})
    assert regs.get(disable, 0xDEADBEEF) == 0xDEADBEEF


@pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler")
def test_nrf5340_copies_approtect_and_secureapprotect(startups):
    tmp, startup = startups
    code = startup["nrf5340dk"]
    assert reset_handler_first_statement(code).startswith("open_access_port();")
    regs = run_open_access_port(code, tmp, "nrf53", {0x00FF8000: 0x50FA50FA, 0x00FF801C: 0x50FA50FA})
    assert regs[0x50006544] == 0x50FA50FA  # CTRLAP.APPROTECT.DISABLE <- UICR.APPROTECT
    assert regs[0x5000654C] == 0x50FA50FA  # CTRLAP.SECUREAPPROTECT.DISABLE <- UICR.SECUREAPPROTECT


def test_other_boards_do_not_touch_nordic_registers(startups):
    _, startup = startups
    assert "open_access_port" not in startup["mps2-an386"]


@pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="arm-none-eabi-gcc not installed")
def test_nordic_startup_cross_compiles(startups):
    tmp, _ = startups
    for name in NORDIC:
        subprocess.run(["make", "-s", "-C", str(tmp / name), "platform"], check=True, capture_output=True, timeout=300)
