"""Generated firmware compiles, links and (on the QEMU boards) runs, without TFLM.

For every board: generate a project, build its platform layer with the generated
Makefile (`make platform`: startup, console, cycle counter{, RP2040 boot2}), compile
the generated main.cc, sample_input.cc and model_data.cc, and link them with a
stand-in for model.cc (the only file that needs TFLM; see STUB_MODEL below) through
the generated linker script. On the QEMU boards the ELF then runs under
qemu-system-arm with semihosting: that proves the vector table, Reset_Handler,
.data/.bss set-up, the FPU enable, the arena region, SysTick cycle counting, the
printed lines and the exit status through SYS_EXIT_EXTENDED.

Skips with a printed reason when arm-none-eabi-gcc, make or qemu-system-arm is missing.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from codegen.boards import load_boards
from codegen.demo import tree_kernels
from codegen.sample import zero_point_reference_output
from tests.conftest import assert_one_line_error, corpus_model_path, model_path, shared_present
from tests.conftest import need_programs as _need
from tests.conftest import run_firmware_qemu

BOARDS = list(load_boards())
QEMU_BOARDS = [name for name, b in load_boards().items() if b.emulated]

# Stands in for the TFLM interpreter (checks the flatbuffer identifier of the model array): output[i] = (sum of input bytes + i) mod 256 as int8; the
# arena is written with a pattern and read back, so a linker script that puts it outside RAM fails.
STUB_MODEL = r"""
#include <cstring>
#include "model.h"
#include "model_data.h"
const char* const model_labels[MODEL_LABEL_COUNT > 0 ? MODEL_LABEL_COUNT : 1] = {"stub"};
namespace {
alignas(16) uint8_t tensor_arena[MODEL_ARENA_BYTES] __attribute__((section(".tensor_arena")));
MODEL_INPUT0_TYPE input0[MODEL_INPUT0_ELEMENTS];
MODEL_OUTPUT0_TYPE output0[MODEL_OUTPUT0_ELEMENTS];
bool ready = false;
}
extern "C" int model_init(void) {
  if (std::memcmp(model_model_data + 4, "TFL3", 4) != 0) return -2;  // the model array is in flash, intact
  for (unsigned i = 0; i < MODEL_ARENA_BYTES; ++i) tensor_arena[i] = (uint8_t)(i * 7u + 3u);
  for (unsigned i = 0; i < MODEL_ARENA_BYTES; ++i) {
    if (tensor_arena[i] != (uint8_t)(i * 7u + 3u)) return -1;
  }
  ready = true;
  return 0;
}
extern "C" void* model_input(int index) { return ready && index == 0 ? input0 : nullptr; }
extern "C" void* model_output(int index) { return ready && index == 0 ? output0 : nullptr; }
extern "C" int model_invoke(void) {
  uint32_t sum = 0;
  const uint8_t* bytes = reinterpret_cast<const uint8_t*>(input0);
  for (unsigned i = 0; i < sizeof(input0); ++i) sum += bytes[i];
  for (unsigned i = 0; i < MODEL_OUTPUT0_ELEMENTS; ++i) output0[i] = (MODEL_OUTPUT0_TYPE)(int8_t)(uint8_t)(sum + i);
  for (volatile unsigned spin = 0; spin < 20000u; ++spin) {
  }  // some work for the cycle counter to measure
  return 0;
}
extern "C" size_t model_arena_used_bytes(void) { return 1234; }
"""




def _run(cmd, cwd):
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))}\n{proc.stdout}\n{proc.stderr}"
    return proc


def build_without_tflm(project, board, name="app", stub_as_tflm_archive=False):
    """Compile and link everything generated except model.cc; returns build/<name>.elf.

    ``stub_as_tflm_archive``: link the stand-in model through build/tflm/libtflm.a, the way
    the real build links TFLM (for the size split).
    """
    _run(["make", "platform", "BUILD_DIR=build"], project)
    (project / "stub_model.cc").write_text(STUB_MODEL)
    flags = list(board.cpu_flags) + ["-O2", "-ffunction-sections", "-fdata-sections"]
    cxx = flags + ["-std=c++17", "-fno-rtti", "-fno-exceptions", "-Wall", "-Werror", "-Isrc", "-Iplatform"]
    objects = sorted(str(p.relative_to(project)) for p in (project / "build/obj/platform").glob("*.o")
                     if p.name != "boot2_raw.o")
    for source in ["src/main.cc", "src/sample_input.cc", "src/model_data.cc", "stub_model.cc"]:
        obj = f"build/{source.replace('/', '_')}.o"
        _run(["arm-none-eabi-g++", *cxx, "-c", source, "-o", obj], project)
        objects.append(obj)
    if stub_as_tflm_archive:
        (project / "build/tflm").mkdir(parents=True, exist_ok=True)
        _run(["arm-none-eabi-ar", "qcs", "build/tflm/libtflm.a", "build/stub_model.cc.o"], project)
        objects[objects.index("build/stub_model.cc.o")] = "build/tflm/libtflm.a"
    specs = ["--specs=nano.specs", "--specs=rdimon.specs" if board.console.kind == "semihosting" else "--specs=nosys.specs"]
    _run(["arm-none-eabi-g++", *board.cpu_flags, "-nostartfiles", *specs, "-T", "linker.ld", "-Wl,--gc-sections",
          f"-Wl,-Map=build/{name}.map", *objects, "-o", f"build/{name}.elf"], project)
    return project / "build" / f"{name}.elf"


def _section_addresses(elf):
    out = subprocess.run(["arm-none-eabi-objdump", "-h", str(elf)], capture_output=True, text=True).stdout
    return {m.group(1): (int(m.group(2), 16), int(m.group(3), 16))
            for m in re.finditer(r"^\s*\d+\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)", out, re.M)}


@pytest.mark.parametrize("board_name", BOARDS)
def test_platform_layer_compiles_and_links(board_name, tmp_path, cli):
    _need("arm-none-eabi-gcc", "make")
    board = load_boards()[board_name]
    model = corpus_model_path("svdf_int8")  # the platform layer does not depend on the model: a small one
    project = tmp_path / "fw"
    result = cli("generate", "--runtime", "tflm", model, "--board", board_name, "--out", project, "--kernels", "reference")
    assert result.exit_code == 0, result
    elf = build_without_tflm(project, board)
    sections = _section_addresses(elf)
    # vector table at the start of flash (after boot2 on the RP2040); arena inside its region
    vectors = sections[".isr_vector"][1]
    expected_vectors = board.flash.origin + (256 if board_name == "rpi-pico" else 0)
    assert vectors == expected_vectors
    arena_size, arena_address = sections[".tensor_arena"]
    assert board.arena_region.origin <= arena_address and arena_address + arena_size <= board.arena_region.end
    assert arena_address % 16 == 0
    stack_size, stack_address = sections[".stack"]
    assert stack_address + stack_size <= board.ram.end
    if board.separate_model_region:  # the model array in its own region (the AN547's code SRAM)
        model_size, model_address = sections[".model_data"]
        assert model_size == model.stat().st_size
        assert board.model_region.origin <= model_address and model_address + model_size <= board.model_region.end
    if board_name == "rpi-pico":
        # boot2: 256 bytes whose last word is the CRC the boot ROM checks; then a UF2 of the image
        import struct
        import sys

        sys.path.insert(0, str(project / "tools"))
        try:
            import uf2conv
        finally:
            sys.path.pop(0)
        _run(["arm-none-eabi-objcopy", "-O", "binary", "build/app.elf", "build/app.bin"], project)
        image = (project / "build/app.bin").read_bytes()
        assert struct.unpack("<I", image[252:256])[0] == uf2conv.crc32_mpeg2(image[:252])
        _run(["python3", "tools/uf2conv.py", "--base", "0x10000000", "--family", "rp2040", "build/app.bin",
              "build/app.uf2"], project)
        uf2 = (project / "build/app.uf2").read_bytes()
        assert len(uf2) == 512 * -(-len(image) // 256)
        assert uf2[32:32 + 256] == image[:256]


@pytest.mark.parametrize("board_name", QEMU_BOARDS)
def test_runs_in_qemu(board_name, tmp_path, cli):
    _need("arm-none-eabi-gcc", "make", "qemu-system-arm")
    board = load_boards()[board_name]
    model = corpus_model_path("svdf_int8")
    project = tmp_path / "fw"
    assert cli("generate", "--runtime", "tflm", model, "--board", board_name, "--out", project, "--kernels", "reference").exit_code == 0
    elf = build_without_tflm(project, board)
    proc = subprocess.run(
        ["qemu-system-arm", "-M", board.qemu_machine, "-nographic", "-monitor", "none", "-serial", "none",
         "-icount", "shift=0", "-semihosting-config", "enable=on,target=native", "-kernel", str(elf)],
        capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc
    lines = proc.stdout.splitlines()
    assert lines[0].startswith(f"attendnets: model ({model.name}, reference kernels) on {board_name}")
    # Without --sample every int8 input element holds the zero point; the stand-in prints
    # (sum of the input bytes + i) mod 256 as int8 for output i.
    from converter.tflite_model import load_model

    sg = load_model(model).main_subgraph
    inp, out = sg.tensor(sg.inputs[0]), sg.tensor(sg.outputs[0])
    total = inp.num_elements * (inp.quantization.zero_point[0] & 0xFF)
    expected = [((total + i) & 0xFF) - 256 * (((total + i) & 0xFF) > 127) for i in range(out.num_elements)]
    assert "output: " + " ".join(map(str, expected)) in lines
    assert "arena_used_bytes: 1234" in lines
    cycles = [l for l in lines if l.startswith("cycles: ")]
    assert len(cycles) == 1 and "(SysTick)" in cycles[0]
    assert int(cycles[0].split()[1]) > 0


# ---------------------------------------------------------------- with a real TFLM tree (opt-in)
TFLM_DIR = os.environ.get("TFLM_DIR")
# The corpus's integer models (convolutional, LSTM, SVDF with its variable state, 16x8, AttendNet-B)
# and the shared models present; each must print the interpreter's output.
TFLM_MODELS = ["dscnn_kws_int8", "resnet8_int8", "mobilenet_v1_025_person_int8", "autoencoder_int8",
               "autoencoder_int16x8", "lstm_int8", "svdf_int8", "attendnet_b_int8", *shared_present()]


def prebuilt_tflm_lib(board, kernels):
    """$ATTENDNETS_TFLM_LIB_DIR/<cpu>-<kernels>/libtflm.a if present (else the build compiles TFLM once)."""
    root = os.environ.get("ATTENDNETS_TFLM_LIB_DIR")
    lib = Path(root) / f"{board.cpu}-{kernels}" / "libtflm.a" if root else None
    return lib if lib and lib.is_file() else None


@pytest.mark.skipif(not TFLM_DIR, reason="TFLM_DIR not set: firmware built against real TFLM is checked only "
                                         "with a TFLM tree (see docs/firmware.md)")
@pytest.mark.parametrize("board_name", QEMU_BOARDS)
def test_tflm_firmware_matches_interpreter(board_name, tmp_path, cli):
    _need("arm-none-eabi-gcc", "make", "qemu-system-arm")
    board = load_boards()[board_name]
    kernels = tree_kernels(TFLM_DIR)
    lib = prebuilt_tflm_lib(board, kernels)
    for model_name in TFLM_MODELS:
        model = model_path(model_name)
        project = tmp_path / model_name.split(".")[0]
        result = cli("generate", "--runtime", "tflm", model, "--board", board_name, "--out", project, "--kernels", kernels)
        if result.exit_code != 0 and "does not fit" in result.stderr:
            continue  # e.g. a model too big for the AN547's 512 KiB ITCM
        assert result.exit_code == 0, result
        build = ["build", project, "--tflm-dir", TFLM_DIR] + (["--tflm-lib", lib] if lib else [])
        assert cli(*build).exit_code == 0
        proc = subprocess.run([sys.executable, "-m", "attendnets", "flash", str(project)], capture_output=True,
                              text=True, timeout=600)
        assert proc.returncode == 0, proc
        lines = proc.stdout.splitlines()
        output = [int(v) for v in next(l for l in lines if l.startswith("output:")).split()[1:]]
        assert output == zero_point_reference_output(model), model_name
        used = int(next(l for l in lines if l.startswith("arena_used_bytes:")).split()[1])
        facts = json.loads((project / "project.json").read_text())
        assert used <= facts["arena_bytes"], model_name


# ---------------------------------------------------------------- attendnets build (no compiler needed)
def test_build_drives_make_and_checks_artifacts(cli, tmp_path, monkeypatch):
    from codegen.build import build_project

    project = tmp_path / "fw"
    assert cli("generate", "--runtime", "tflm", corpus_model_path("svdf_int8"), "--board", "rpi-pico", "--out", project,
               "--kernels", "reference", "--name", "sine").exit_code == 0
    tree = tmp_path / "tree"
    (tree / "tensorflow/lite/micro").mkdir(parents=True)
    (tree / "tensorflow/lite/micro/micro_interpreter.h").write_text("")
    monkeypatch.setattr(shutil, "which", lambda program: f"/usr/bin/{program}")
    calls = []

    class Done:
        returncode = 0

    def fake_make(argv):
        calls.append(argv)
        (project / "build").mkdir(exist_ok=True)
        for suffix in (".elf", ".bin", ".hex", ".map", ".uf2"):
            (project / "build" / f"sine{suffix}").write_bytes(b"x")
        return Done()

    artifacts = build_project(project, tflm_dir=tree, jobs=3, tflm_lib=None, arena_bytes=4096,
                              tflm_build_dir=tmp_path / "cache", log=lambda m: None, runner=fake_make)
    assert calls == [["make", "-C", str(project), "-j3", f"TFLM_DIR={tree.resolve()}",
                      f"TFLM_BUILD_DIR={tmp_path / 'cache'}", "ARENA_BYTES=4096"]]
    assert [p.name for p in artifacts] == ["sine.elf", "sine.bin", "sine.hex", "sine.map", "sine.uf2"]

    (project / "build" / "sine.uf2").unlink()

    def make_without_uf2(argv):
        return Done()

    with pytest.raises(Exception, match="did not produce .*sine.uf2"):
        build_project(project, tflm_dir=tree, log=lambda m: None, runner=make_without_uf2)


def test_build_errors(cli, tmp_path, monkeypatch):
    project = tmp_path / "fw"
    assert cli("generate", "--runtime", "tflm", corpus_model_path("svdf_int8"), "--board", "mps2-an386", "--out", project,
               "--kernels", "reference").exit_code == 0
    monkeypatch.delenv("TFLM_DIR", raising=False)
    line = assert_one_line_error(cli("build", project), 2)
    assert "TFLM_DIR" in line
    line = assert_one_line_error(cli("build", project, "--tflm-dir", tmp_path), 2)
    assert "not a TFLM tree" in line
    assert_one_line_error(cli("build", tmp_path / "absent", "--tflm-dir", tmp_path), 2)
    (tmp_path / "plain").mkdir()
    line = assert_one_line_error(cli("build", tmp_path / "plain", "--tflm-dir", tmp_path), 2)
    assert "not a project made by attendnets generate" in line


@pytest.mark.parametrize("board_name", ["mps2-an386", "rpi-pico"])
def test_cmake_project_configures(board_name, cli, tmp_path):
    """The generated CMakeLists.txt + toolchain file configure (with a stand-in TFLM tree)."""
    _need("cmake", "arm-none-eabi-gcc")
    project = tmp_path / "fw"
    assert cli("generate", "--runtime", "tflm", corpus_model_path("svdf_int8"), "--board", board_name, "--out", project,
               "--kernels", "reference").exit_code == 0
    tree = tmp_path / "tree"
    (tree / "tensorflow/lite/micro").mkdir(parents=True)
    (tree / "tensorflow/lite/micro/micro_interpreter.h").write_text("")
    (tree / "tensorflow/lite/micro/dummy.cc").write_text("int tflm_dummy;\n")
    _run(["cmake", "-S", ".", "-B", "build-cmake", "-DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake",
          f"-DTFLM_DIR={tree}"], project)
    assert (project / "build-cmake" / "Makefile").is_file() or (project / "build-cmake" / "build.ninja").is_file()


def test_float_model_and_npy_sample_in_qemu(tmp_path, cli):
    """A float32 model: float sample array, float output printing (no %f in newlib-nano)."""
    _need("arm-none-eabi-gcc", "make", "qemu-system-arm")
    import numpy as np

    sys.path.insert(0, str(Path(__file__).parent))
    from tflite_builder import ModelBuilder

    b = ModelBuilder()
    x = b.tensor("x", (1, 4), "float32")
    w = b.tensor("w", (3, 4), "float32", data=np.ones((3, 4), np.float32).tobytes())
    y = b.tensor("y", (1, 3), "float32")
    b.op("FULLY_CONNECTED", [x, w, -1], [y])
    model = tmp_path / "float.tflite"
    model.write_bytes(b.build(inputs=[x], outputs=[y]))
    np.save(tmp_path / "x.npy", np.array([[0.5, -1.25, 2.0, 3.0]], np.float32))
    project = tmp_path / "fw"
    result = cli("generate", "--runtime", "tflm", model, "--board", "mps2-an386", "--out", project, "--kernels", "reference",
                 "--sample", tmp_path / "x.npy")
    assert result.exit_code == 0, result
    assert "0.5f, -1.25f, 2.0f, 3.0f," in (project / "src/sample_input.cc").read_text()
    elf = build_without_tflm(project, load_boards()["mps2-an386"])
    proc = run_firmware_qemu(elf, icount=False, timeout=60)
    assert proc.returncode == 0, proc
    output = next(l for l in proc.stdout.splitlines() if l.startswith("output:"))
    assert re.fullmatch(r"output:( -?\d+\.\d{3}){3}", output), output
