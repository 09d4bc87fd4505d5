"""The validation firmware's C side in QEMU, without TFLM: the generated validation main, the
platform layer's link UART (CMSDK APB UART0 of mps2-an386 on a loopback socket) and a stand-in
model (STUB_MODEL below, test-only) that implements the C API and calls the profiling hooks.

The host side is validation.protocol.Session over validation.transports.QemuTransport, the code
`attendnets validate --qemu` runs. Skips with a printed reason without arm-none-eabi-gcc or QEMU.
"""

import subprocess

import numpy as np
import pytest

from codegen.boards import get_board
from tests.conftest import need_programs as _need
from tests.tflite_builder import ModelBuilder

# out[i] = (sum of input bytes + 7 i) mod 256, as int8; two "operators" of unequal work, each
# wrapped in the profiling hooks as the runtimes do.
STUB_MODEL = r"""
#include <string.h>
#include "model.h"
const char* const model_labels[1] = {0};
static MODEL_INPUT0_TYPE input0[MODEL_INPUT0_ELEMENTS];
static MODEL_OUTPUT0_TYPE output0[MODEL_OUTPUT0_ELEMENTS];
static uint32_t sum;
extern "C" int model_init(void) { return 0; }
extern "C" void* model_input(int index) { return index == 0 ? input0 : 0; }
extern "C" void* model_output(int index) { return index == 0 ? output0 : 0; }
extern "C" size_t model_arena_used_bytes(void) { return 4321; }
extern "C" int model_invoke(void) {
  model_profile_begin(0);
  sum = 0;
  const uint8_t* bytes = (const uint8_t*)input0;
  for (unsigned i = 0; i < sizeof(input0); ++i) sum += bytes[i];
  for (volatile unsigned spin = 0; spin < 3000u; ++spin) {
  }
  model_profile_end(0);
  model_profile_begin(1);
  for (unsigned i = 0; i < MODEL_OUTPUT0_ELEMENTS; ++i) output0[i] = (MODEL_OUTPUT0_TYPE)(int8_t)(uint8_t)(sum + 7u * i);
  for (volatile unsigned spin = 0; spin < 1000u; ++spin) {
  }
  model_profile_end(1);
  return 0;
}
"""


def stub_output(data: bytes, n=10) -> bytes:
    s = sum(data)
    return bytes((s + 7 * i) & 0xFF for i in range(n))


def two_op_model():
    b = ModelBuilder()
    x = b.tensor("x", (1, 96), "int8", scale=0.1, zero_point=-3)
    w1 = b.tensor("w1", (8, 96), "int8", scale=0.02, zero_point=0, constant=True)
    h = b.tensor("h", (1, 8), "int8", scale=0.1, zero_point=0)
    w2 = b.tensor("w2", (10, 8), "int8", scale=0.02, zero_point=0, constant=True)
    y = b.tensor("y", (1, 10), "int8", scale=0.1, zero_point=0)
    b.op("FULLY_CONNECTED", [x, w1, -1], [h], version=4, options={"type": "fully_connected"})
    b.op("FULLY_CONNECTED", [h, w2, -1], [y], version=4, options={"type": "fully_connected"})
    return b.build(inputs=[x], outputs=[y])




def _run(cmd, cwd):
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))}\n{proc.stdout}\n{proc.stderr}"


@pytest.fixture(scope="module", params=["mps2-an386", "mps2-an500", "mps3-an547"])
def stub_firmware(request, tmp_path_factory):
    """The validation firmware for a QEMU board with the stand-in model, built once per board."""
    _need("arm-none-eabi-gcc", "make", "qemu-system-arm")
    from codegen.generate import generate_project
    from converter.tflite_model import load_model
    from validation.firmware import install_main

    root = tmp_path_factory.mktemp("validate_fw")
    model_path = root / "two_fc.tflite"
    model_path.write_bytes(two_op_model())
    board = get_board(request.param)
    project = root / "fw"
    generate_project(model_path, board.name, project, kernels="reference", runtime="tflm")
    data = model_path.read_bytes()
    vp = install_main(project, load_model(data), board, "tflm", True, data, model_path.name)
    _run(["make", "platform", "BUILD_DIR=build"], project)
    (project / "stub_model.cc").write_text(STUB_MODEL)
    cxx = list(board.cpu_flags) + ["-O2", "-ffunction-sections", "-fdata-sections", "-DMODEL_PROFILE",
                                   "-std=c++17", "-fno-rtti", "-fno-exceptions", "-Wall", "-Wextra", "-Werror",
                                   "-Isrc", "-Iplatform"]
    objects = sorted(str(p.relative_to(project)) for p in (project / "build/obj/platform").glob("*.o"))
    for source in ["src/main.cc", "stub_model.cc"]:
        obj = f"build/{source.replace('/', '_')}.o"
        _run(["arm-none-eabi-g++", *cxx, "-c", source, "-o", obj], project)
        objects.append(obj)
    # the validation main is C99 too (the compiled runtime's projects compile it as main.c)
    _run(["arm-none-eabi-gcc", *board.cpu_flags, "-std=c99", "-Wall", "-Wextra", "-Werror", "-DMODEL_PROFILE",
          "-Isrc", "-Iplatform", "-x", "c", "-c", "src/main.cc", "-o", "build/main_as_c.o"], project)
    specs = ["--specs=nano.specs", "--specs=rdimon.specs"]
    _run(["arm-none-eabi-g++", *board.cpu_flags, "-nostartfiles", *specs,
          "-T", "linker.ld", "-Wl,--gc-sections", *objects, "-o", str(vp.elf)], project)
    return vp, model_path, board


def test_stub_firmware_in_qemu(stub_firmware, tmp_path):
    from validation import protocol as p
    from validation.transports import QemuTransport

    vp, model_path, board = stub_firmware
    transport = QemuTransport(board.qemu_machine, vp.elf, log_path=tmp_path / "qemu.log")
    try:
        session = p.Session(transport, timeout_s=20, hello_timeout_s=20)
        hello = session.connect(p.model_hash(model_path.read_bytes()))
        assert (hello.input_bytes, hello.output_bytes, hello.op_count, hello.profile) == (96, 10, 2, True)
        assert hello.cycle_counter == "systick" and hello.clock_hz == board.clock_hz and hello.arena_bytes == 4321
        assert 0 < hello.hook_cycles < 500
        rng = np.random.default_rng(0)
        for seq in range(30):
            data = rng.integers(-128, 128, 96, dtype=np.int8).tobytes()
            out = session.infer(seq, data)
            assert out.data == stub_output(data)
            assert len(out.op_cycles) == 2 and out.op_cycles[0] > out.op_cycles[1] > 0
            overhead = out.cycles - sum(out.op_cycles)
            assert 0 <= overhead <= 2 * hello.op_count * hello.hook_cycles + 100, (out, hello)
        # a corrupted INPUT on the wire: the firmware says so and the host resends
        good = p.encode_input(99, bytes(96))
        bad = bytearray(good)
        bad[20] ^= 0x10
        transport.write(bytes(bad))
        frame = session.reader.read_frame(20)
        assert frame.type == p.FRAME_ERROR and frame.crc_ok and frame.payload[4] == p.ERROR_BAD_CHECKSUM
        # an input of the wrong size is refused, not run
        transport.write(p.encode_input(100, bytes(5)))
        frame = session.reader.read_frame(20)
        assert frame.type == p.FRAME_ERROR and frame.payload[4] == p.ERROR_BAD_FRAME
        assert session.infer(101, bytes(96)).data == stub_output(bytes(96))
        session.close()  # BYE: the firmware exits through semihosting
        assert transport.process.wait(timeout=20) == 0
    finally:
        transport.close()
