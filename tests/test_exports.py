"""generate --format library|arduino|zephyr: the model and its runtime in the user's own build.

- library: the CMake target (add_subdirectory) linked into a small application of ours (its own
  main, the platform layer and linker script of a generated project standing in for the user's)
  for mps2-an386 (M4) and mps2-an500 (M7), run in QEMU: the output equals tflite-micro's byte for
  byte, model_reset() and a second inference give it again; the Makefile fragment the same on the
  M4, with the arena put in a linker section the application names.
- arduino: the layout of the Arduino library specification 1.5 (library.properties' required
  fields and their forms, src/ with every include resolvable in it, examples/<name>/<name>.ino)
  and its sources and sketch compiled with an Arduino Cortex-M4F core's flags.
- zephyr: zephyr/module.yml as Zephyr's module loader reads it, the Kconfig's symbols and
  the CMakeLists' sources, compiled with a Zephyr Cortex-M4F build's flags, the DTCM choice's
  section checked in the object.
- the TFLM runtime's exports (with a TFLM tree, TFLM_DIR; skipped with the reason otherwise): the CMake
  target linked into a small application with libtflm.a for the board's CPU, run in QEMU mps2-an386 (M4)
  and mps2-an500 (M7); the Makefile fragment linked the same way, the Arduino library's sources and sketch
  compiled with the Nano 33 BLE core's C++ flags and then run (stub Serial), the Zephyr module's sources
  compiled with Zephyr's C++ flags and run: each in QEMU mps2-an386; all bit-exact with tflite-micro.

Skips with a printed reason when arm-none-eabi-gcc, cmake, make or qemu-system-arm is missing.
"""

import json
import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from codegen.boards import load_boards
from tests.conftest import need_programs as _need
from tests.test_compiled_fc import two_layer_with_reshape

M4F_FLAGS = ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16", "-Os"]
# The Arduino Nano 33 BLE core's compile flags: arduino/ArduinoCore-mbed b4ad4e7
# variants/ARDUINO_NANO33BLE/cflags.txt and cxxflags.txt (softfp ABI, -Os, gnu11 / gnu++14)
_ARDUINO_NANO33BLE_COMMON = ["-Os", "-Wall", "-Wextra", "-Wno-missing-field-initializers", "-Wno-unused-parameter",
                             "-fdata-sections", "-ffunction-sections", "-fmessage-length=0", "-fno-exceptions",
                             "-fomit-frame-pointer", "-funsigned-char", "-mcpu=cortex-m4", "-mfloat-abi=softfp",
                             "-mfpu=fpv4-sp-d16", "-mthumb"]
ARDUINO_NANO33BLE_C_FLAGS = ["-std=gnu11", *_ARDUINO_NANO33BLE_COMMON]
ARDUINO_NANO33BLE_CXX_FLAGS = ["-Wvla", "-fno-rtti", "-std=gnu++14", *_ARDUINO_NANO33BLE_COMMON]
ARDUINO_CATEGORIES = {"Display", "Communication", "Signal Input/Output", "Sensors", "Device Control", "Timing",
                      "Data Storage", "Data Processing", "Other", "Uncategorized"}




@pytest.fixture(scope="module")
def model(tmp_path_factory):
    root = tmp_path_factory.mktemp("export_model")
    path = root / "chain.tflite"
    path.write_bytes(two_layer_with_reshape())
    from converter.tflite_model import load_model

    sg = load_model(path.read_bytes()).main_subgraph
    sample = np.random.default_rng(11).integers(-128, 128, size=sg.tensor(sg.inputs[0]).shape).astype(np.int8)
    np.save(root / "sample.npy", sample)
    from codegen.compiled.host import run_tflm

    expected = run_tflm(path, [sample])[0].reshape(-1)
    return path, root / "sample.npy", sample, expected


def _generate(cli, path, out, board="mps2-an386", *args):
    result = cli("generate", path, "--board", board, "--out", out, *args)
    assert result.exit_code == 0, result
    return out


APP_MAIN = r"""
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "model.h"

static const int8_t sample[MODEL_INPUT0_ELEMENTS] = { %s };

static int run(void) {
  memcpy(model_input(0), sample, sizeof(sample));
  if (model_invoke() != 0) return 2;
  const int8_t* out = (const int8_t*)model_output(0);
  printf("output:");
  for (unsigned i = 0; i < MODEL_OUTPUT0_ELEMENTS; ++i) printf(" %%d", (int)out[i]);
  printf("\n");
  return 0;
}

int main(void) {
  if (model_init() != 0) return 1;
  if (run() != 0) return 2;
  if (model_reset() != 0) return 3;
  if (run() != 0) return 4;
  printf("arena: %%u %%u\n", (unsigned)model_arena_used_bytes(), (unsigned)MODEL_ARENA_BYTES);
  printf("scale: %%d\n", MODEL_OUTPUT0_SCALE > 0.0f);
  return 0;
}
"""

APP_CMAKE = """
cmake_minimum_required(VERSION 3.13)
project(app C)
add_subdirectory(${EXPORT_DIR} model_lib)
add_executable(app.elf main.c ${FW_DIR}/platform/startup.c ${FW_DIR}/platform/platform.c)
target_include_directories(app.elf PRIVATE ${FW_DIR}/platform)
target_link_libraries(app.elf PRIVATE model)
target_link_options(app.elf PRIVATE ${CPU_FLAGS_LIST} -nostartfiles --specs=nano.specs --specs=rdimon.specs
                    -T${FW_DIR}/linker.ld -Wl,--gc-sections)
"""

APP_MAKEFILE = """
CC := arm-none-eabi-gcc
CPU_FLAGS := {cpu_flags}
MODEL_ARENA_SECTION := .tensor_arena
include {export}/model.mk
include {kws}/kws.mk
CFLAGS := $(CPU_FLAGS) -O2 -std=c99 -I{fw}/platform $(MODEL_INCLUDES) $(KWS_INCLUDES)

app.elf: main.o startup.o platform.o $(MODEL_LIBS) $(KWS_LIBS)
\t$(CC) $(CPU_FLAGS) -nostartfiles --specs=nano.specs --specs=rdimon.specs -T {fw}/linker.ld -Wl,--gc-sections $^ -o $@
main.o: main.c
\t$(CC) $(CFLAGS) -c $< -o $@
%.o: {fw}/platform/%.c
\t$(CC) $(CFLAGS) -c $< -o $@
"""


def _app(tmp_path, sample):
    app = tmp_path / "app"
    app.mkdir()
    (app / "main.c").write_text(APP_MAIN % ", ".join(str(int(v)) for v in sample.reshape(-1)))
    return app


def _qemu(board_name, elf):
    board = load_boards()[board_name]
    proc = subprocess.run(
        ["qemu-system-arm", "-M", board.qemu_machine, "-nographic", "-monitor", "none", "-serial", "none",
         "-icount", "shift=0", "-semihosting-config", "enable=on,target=native", "-kernel", str(elf)],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc
    return proc.stdout.splitlines()


def _check_run(lines, expected, export, exact_arena=True):
    want = f"output: {' '.join(str(int(v)) for v in expected)}"
    assert lines.count(want) == 2, lines  # the first inference, and again after model_reset()
    arena = json.loads((export / "project.json").read_text())["arena_bytes"]
    if exact_arena:  # the compiled runtime's arena is its static plan; TFLM's use is below the declared size
        assert f"arena: {arena} {arena}" in lines
    assert "scale: 1" in lines


def _run(argv, cwd, timeout=300):
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, " ".join(map(str, argv)) + "\n" + proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


@pytest.mark.parametrize("board_name", ["mps2-an386", "mps2-an500"])
def test_cmake_target_in_an_application_runs_bit_exact(board_name, model, tmp_path, cli):
    _need("arm-none-eabi-gcc", "cmake", "make", "qemu-system-arm")
    path, sample_path, sample, expected = model
    export = _generate(cli, path, tmp_path / "model_lib", board_name, "--runtime", "compiled", "--format", "library")
    # no main, no startup, no linker script, no board layer in the export
    files = {p.relative_to(export).as_posix() for p in export.rglob("*") if p.is_file()}
    assert not any(re.search(r"(^|/)(main\.c|startup|platform|linker\.ld|Makefile$)", f) for f in files), files
    assert "int main" not in "".join((export / f).read_text() for f in files if f.endswith((".c", ".h")))
    fw = _generate(cli, path, tmp_path / "fw", board_name, "--runtime", "compiled")  # the user's platform stand-in
    app = _app(tmp_path, sample)
    (app / "CMakeLists.txt").write_text(APP_CMAKE)
    cpu_flags = " ".join(load_boards()[board_name].cpu_flags)
    _run(["cmake", "-S", app, "-B", app / "build", "-DCMAKE_SYSTEM_NAME=Generic",
          "-DCMAKE_C_COMPILER=arm-none-eabi-gcc", "-DCMAKE_TRY_COMPILE_TARGET_TYPE=STATIC_LIBRARY",
          f"-DCMAKE_C_FLAGS={cpu_flags} -O2", f"-DCPU_FLAGS_LIST={cpu_flags.replace(' ', ';')}",
          f"-DEXPORT_DIR={export}", f"-DFW_DIR={fw}"], tmp_path)
    _run(["cmake", "--build", app / "build", "-j2"], tmp_path)
    _check_run(_qemu(board_name, app / "build" / "app.elf"), expected, export)


TFLM_DIR = os.environ.get("TFLM_DIR")
APP_CMAKE_TFLM = APP_CMAKE.replace("project(app C)", "project(app C CXX)")
NEEDS_TREE = pytest.mark.skipif(not TFLM_DIR, reason="TFLM_DIR not set: the TFLM runtime's exports are built and run "
                                                     "only with a TFLM tree (docs/firmware.md, 'Making a TFLM tree')")
# TFLM's include folders and defines in a tree made by create_tflm_tree.py (as the generated Makefile has them)
TFLM_INCLUDES = ("", "third_party/gemmlowp", "third_party/flatbuffers/include", "third_party/ruy",
                 "third_party/cmsis_nn", "third_party/cmsis_nn/Include", "third_party/cmsis/CMSIS/Core/Include")
TFLM_DEFINES = ["-DTF_LITE_STATIC_MEMORY", "-DTF_LITE_DISABLE_X86_NEON", "-DTF_LITE_MCU_DEBUG_LOG"]


_TFLM_LIB = {}


def _tflm_lib(board_name, model, tmp_path_factory, cli):
    """(kernel set, libtflm.a for ``board_name``'s CPU): $ATTENDNETS_TFLM_LIB_DIR's when there is one, else the one a
    generated TFLM project builds (attendnets build: compiled once per tree, CPU and kernels into the shared TFLM
    build folder, then reused)."""
    from codegen.runtimes.tflm import default_tflm_build_dir, tree_kernels
    from tests.test_firmware_compile import prebuilt_tflm_lib

    kernels = tree_kernels(TFLM_DIR)
    lib = prebuilt_tflm_lib(load_boards()[board_name], kernels) or _TFLM_LIB.get((board_name, kernels))
    if lib:
        return kernels, lib
    fw = _generate(cli, model[0], tmp_path_factory.mktemp("tflm_lib") / "fw", board_name, "--runtime", "tflm",
                   "--kernels", kernels)
    build = cli("build", fw, "--tflm-dir", TFLM_DIR)
    assert build.exit_code == 0, build.stdout[-3000:] + build.stderr[-3000:]
    tree = os.path.abspath(TFLM_DIR)
    printed = _run(["make", "-s", "-C", fw, "--eval", "print-tflm-lib: ; @echo $(TFLM_LIB)", "print-tflm-lib",
                    f"TFLM_DIR={tree}", f"TFLM_BUILD_DIR={default_tflm_build_dir(Path(tree))}"], fw).stdout
    lib = Path(printed.strip().splitlines()[-1])
    assert lib.is_file(), printed
    _TFLM_LIB[(board_name, kernels)] = lib
    return kernels, lib


@pytest.fixture
def tflm_m4_lib(model, tmp_path_factory, cli):
    """(kernel set, libtflm.a for mps2-an386's Cortex-M4F): see _tflm_lib."""
    return _tflm_lib("mps2-an386", model, tmp_path_factory, cli)


def _tflm_compile(source, obj, flags, includes, cwd):
    """A C++ source of a TFLM export compiled with ``flags`` against TFLM_DIR's headers."""
    tree = Path(TFLM_DIR)
    _run(["arm-none-eabi-g++", *flags, *TFLM_DEFINES, *[f"-I{d}" for d in includes],
          *[f"-I{tree / d}" for d in TFLM_INCLUDES], "-c", source, "-o", obj], cwd, timeout=600)


def _link_app(objects, fw, lib, elf, cwd):
    """Objects + the platform layer and linker script of a generated project + libtflm.a, for mps2-an386."""
    cpu = load_boards()["mps2-an386"].cpu_flags
    platform = []
    for name in ("startup", "platform"):
        obj = cwd / f"{name}.o"
        _run(["arm-none-eabi-gcc", *cpu, "-O2", f"-I{fw / 'platform'}", "-c", fw / "platform" / f"{name}.c", "-o",
              obj], cwd)
        platform.append(obj)
    _run(["arm-none-eabi-g++", *cpu, "-nostartfiles", "--specs=nano.specs", "--specs=rdimon.specs",
          f"-T{fw / 'linker.ld'}", "-Wl,--gc-sections", *objects, *platform, "-Wl,--start-group", lib, "-lstdc++",
          "-lm", "-lc", "-Wl,--end-group", "-o", elf], cwd)


@NEEDS_TREE
@pytest.mark.parametrize("board_name", ["mps2-an386", "mps2-an500"])
def test_tflm_cmake_target_in_an_application_runs_bit_exact(board_name, model, tmp_path, tmp_path_factory, cli):
    """The TFLM runtime's export through its CMake target (TFLM_DIR), linked into a small application with
    libtflm.a for the board's CPU, run in QEMU on mps2-an386 (Cortex-M4F) and mps2-an500 (Cortex-M7)."""
    _need("arm-none-eabi-gcc", "arm-none-eabi-g++", "cmake", "make", "qemu-system-arm")
    path, sample_path, sample, expected = model
    board = load_boards()[board_name]
    kernels, lib = _tflm_lib(board_name, model, tmp_path_factory, cli)
    export = _generate(cli, path, tmp_path / "model_lib", board_name, "--runtime", "tflm", "--kernels", kernels,
                       "--format", "library")
    fw = _generate(cli, path, tmp_path / "fw", board_name, "--runtime", "compiled")  # the platform stand-in
    app = _app(tmp_path, sample)
    (app / "CMakeLists.txt").write_text(APP_CMAKE_TFLM)
    cpu_flags = " ".join(board.cpu_flags)
    _run(["cmake", "-S", app, "-B", app / "build", "-DCMAKE_SYSTEM_NAME=Generic",
          "-DCMAKE_C_COMPILER=arm-none-eabi-gcc", "-DCMAKE_CXX_COMPILER=arm-none-eabi-g++",
          "-DCMAKE_TRY_COMPILE_TARGET_TYPE=STATIC_LIBRARY", f"-DCMAKE_C_FLAGS={cpu_flags} -O2",
          f"-DCMAKE_CXX_FLAGS={cpu_flags} -O2", f"-DCPU_FLAGS_LIST={cpu_flags.replace(' ', ';')}",
          f"-DEXPORT_DIR={export}", f"-DFW_DIR={fw}", f"-DTFLM_DIR={TFLM_DIR}",
          *([f"-DTFLM_LIB={lib}"] if lib else [])], tmp_path)
    _run(["cmake", "--build", app / "build", "-j2"], tmp_path, timeout=3600)
    _check_run(_qemu(board_name, app / "build" / "app.elf"), expected, export, exact_arena=False)


APP_MAKEFILE_TFLM = """
CC := arm-none-eabi-gcc
CXX := arm-none-eabi-g++
CPU_FLAGS := {cpu_flags}
TFLM_DIR := {tflm_dir}
TFLM_LIB := {tflm_lib}
include {export}/model.mk
CFLAGS := $(CPU_FLAGS) -O2 -std=c99 -I{fw}/platform $(MODEL_INCLUDES)

app.elf: main.o startup.o platform.o $(MODEL_LIBS)
\t$(CXX) $(CPU_FLAGS) -nostartfiles --specs=nano.specs --specs=rdimon.specs -T {fw}/linker.ld -Wl,--gc-sections \\
\t  main.o startup.o platform.o -Wl,--start-group $(MODEL_LIBS) -lstdc++ -lm -lc -Wl,--end-group -o $@
main.o: main.c
\t$(CC) $(CFLAGS) -c $< -o $@
%.o: {fw}/platform/%.c
\t$(CC) $(CFLAGS) -c $< -o $@
"""


@NEEDS_TREE
def test_tflm_makefile_fragment_in_an_application_runs_bit_exact(model, tflm_m4_lib, tmp_path, cli):
    """The TFLM runtime's Makefile fragment (model.mk with TFLM_DIR, TFLM_LIB) in a small application."""
    _need("arm-none-eabi-gcc", "arm-none-eabi-g++", "make", "qemu-system-arm")
    path, sample_path, sample, expected = model
    kernels, lib = tflm_m4_lib
    export = _generate(cli, path, tmp_path / "model_lib", "mps2-an386", "--runtime", "tflm", "--kernels", kernels,
                       "--format", "library")
    fw = _generate(cli, path, tmp_path / "fw", "mps2-an386", "--runtime", "compiled")
    app = _app(tmp_path, sample)
    (app / "Makefile").write_text(APP_MAKEFILE_TFLM.format(
        cpu_flags=" ".join(load_boards()["mps2-an386"].cpu_flags), tflm_dir=os.path.abspath(TFLM_DIR),
        tflm_lib=lib, export=export, fw=fw))
    _run(["make", "-j2"], app, timeout=1200)
    _check_run(_qemu("mps2-an386", app / "app.elf"), expected, export, exact_arena=False)


# an Arduino core's Serial and micros() for a sketch run on mps2-an386: prints go to the semihosting console
ARDUINO_RUN_STUB = """
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
struct StubSerial {
  void begin(unsigned long) {}
  explicit operator bool() const { return true; }
  size_t print(const char* s) { return (size_t)printf("%s", s); }
  size_t print(long v) { return (size_t)printf("%ld", v); }
  size_t print(unsigned long v) { return (size_t)printf("%lu", v); }
  size_t print(int v) { return (size_t)printf("%d", v); }
  size_t print(unsigned v) { return (size_t)printf("%u", v); }
  size_t print(double v, int) { return (size_t)printf("%ld/1000", (long)(v * 1000.0)); }
  template <typename T> size_t println(T v) { return print(v) + (size_t)printf("\\n"); }
  template <typename T> size_t println(T v, int d) { return print(v, d) + (size_t)printf("\\n"); }
  size_t println() { return (size_t)printf("\\n"); }
};
static StubSerial Serial;
static inline unsigned long micros(void) { return 0; }
void setup();
void loop();
"""


@NEEDS_TREE
def test_tflm_arduino_library_builds_and_its_sketch_runs_bit_exact(model, tflm_m4_lib, tmp_path, cli):
    """The TFLM runtime's Arduino library: its src/*.cpp and the example sketch compiled with the Arduino
    Nano 33 BLE core's C++ flags (ArduinoCore-mbed variants/ARDUINO_NANO33BLE/cxxflags.txt: -mfloat-abi=softfp,
    -fno-rtti, -fno-exceptions, -funsigned-char, -Os; C++17 instead of its -std=gnu++14, which the pinned TFLM
    tree's headers need), TFLM from TFLM_DIR standing in for the TFLM Arduino library; then the same sources
    compiled for mps2-an386's hard-float ABI, linked with libtflm.a and a stub Serial that prints, run in QEMU:
    the sketch's `output:` line equals tflite-micro's."""
    _need("arm-none-eabi-gcc", "arm-none-eabi-g++", "qemu-system-arm")
    path, sample_path, sample, expected = model
    kernels, lib = tflm_m4_lib
    export = _generate(cli, path, tmp_path / "kws", "mps2-an386", "--runtime", "tflm", "--kernels", kernels,
                       "--format", "arduino", "--sample", sample_path)
    name = _properties((export / "library.properties").read_text())["name"]
    sketch = (export / "examples" / name / f"{name}.ino").read_text()
    stub = tmp_path / "stub"
    stub.mkdir()
    (stub / "Arduino.h").write_text(ARDUINO_RUN_STUB)
    (tmp_path / "sketch.cpp").write_text("#include <Arduino.h>\n" + sketch)
    (tmp_path / "arduino_main.cpp").write_text("#include <Arduino.h>\nint main() { setup(); return 0; }\n")
    sources = sorted((export / "src").glob("*.cpp")) + [tmp_path / "sketch.cpp"]
    arduino_flags = [f if f != "-std=gnu++14" else "-std=gnu++17" for f in ARDUINO_NANO33BLE_CXX_FLAGS]
    includes = [stub, export / "src"]
    for source in sources:  # the Arduino build's compile step
        _tflm_compile(source, tmp_path / f"{source.stem}.arduino.o", arduino_flags, includes, tmp_path)
    run_flags = [*load_boards()["mps2-an386"].cpu_flags, "-Os", "-std=gnu++17", "-fno-rtti", "-fno-exceptions",
                 "-funsigned-char", "-fno-threadsafe-statics"]
    objects = []
    for source in sources + [tmp_path / "arduino_main.cpp"]:
        objects.append(tmp_path / f"{source.stem}.o")
        _tflm_compile(source, objects[-1], run_flags, includes, tmp_path)
    fw = _generate(cli, path, tmp_path / "fw", "mps2-an386", "--runtime", "compiled")
    _link_app(objects, fw, lib, tmp_path / "sketch.elf", tmp_path)
    lines = _qemu("mps2-an386", tmp_path / "sketch.elf")
    assert f"output: {' '.join(str(int(v)) for v in expected)}" in lines, lines
    assert any(line.startswith("class: ") for line in lines), lines


@NEEDS_TREE
def test_tflm_zephyr_module_sources_build_and_run_bit_exact(model, tflm_m4_lib, tmp_path, cli):
    """The TFLM runtime's Zephyr module: the sources its CMakeLists lists compiled with a Zephyr Cortex-M4F
    C++ build's flags (-std=c++17 -fno-exceptions -fno-rtti -ffreestanding -fno-common, hard float), its
    include folders, TFLM from TFLM_DIR standing in for Zephyr's tflite-micro module; linked into a small
    application (model_init, two inferences around model_reset) with libtflm.a, run in QEMU mps2-an386."""
    _need("arm-none-eabi-gcc", "arm-none-eabi-g++", "qemu-system-arm")
    path, sample_path, sample, expected = model
    kernels, lib = tflm_m4_lib
    export = _generate(cli, path, tmp_path / "mod", "mps2-an386", "--runtime", "tflm", "--kernels", kernels,
                       "--format", "zephyr")
    cmake = (export / "zephyr" / "CMakeLists.txt").read_text()
    macro = re.search(r"set\((\w+)_DIR ", cmake).group(1)
    listed = re.findall(rf"\$\{{{macro}_DIR\}}/([^\s)]+)", cmake)
    sources = [export / rel for rel in listed if rel.endswith((".c", ".cc"))]
    includes = [export / rel for rel in listed if not rel.endswith((".c", ".cc"))]
    assert sources and all(s.suffix == ".cc" for s in sources), listed
    zephyr_flags = [*load_boards()["mps2-an386"].cpu_flags, "-mabi=aapcs", "-Os", "-std=c++17", "-fno-exceptions",
                    "-fno-rtti", "-ffreestanding", "-fno-common", "-ffunction-sections", "-fdata-sections",
                    "-fno-threadsafe-statics", "-Wall"]
    objects = []
    for source in sources:
        objects.append(tmp_path / f"{source.stem}.o")
        _tflm_compile(source, objects[-1], zephyr_flags, includes, tmp_path)
    fw = _generate(cli, path, tmp_path / "fw", "mps2-an386", "--runtime", "compiled")
    app = _app(tmp_path, sample)
    _run(["arm-none-eabi-gcc", *load_boards()["mps2-an386"].cpu_flags, "-O2", "-std=c99", f"-I{export / 'src'}",
          "-c", app / "main.c", "-o", tmp_path / "main.o"], tmp_path)
    _link_app([tmp_path / "main.o", *objects], fw, lib, tmp_path / "app.elf", tmp_path)
    _check_run(_qemu("mps2-an386", tmp_path / "app.elf"), expected, export, exact_arena=False)


def test_makefile_fragment_in_an_application_runs_bit_exact(model, tmp_path, cli):
    _need("arm-none-eabi-gcc", "make", "qemu-system-arm")
    path, sample_path, sample, expected = model
    export = _generate(cli, path, tmp_path / "model_lib", "mps2-an386", "--runtime", "compiled", "--format", "library")
    # a second export of its own --name links beside it: every symbol, macro and file carries "kws"
    kws = _generate(cli, path, tmp_path / "kws", "mps2-an386", "--runtime", "compiled", "--format", "library",
                    "--name", "kws")
    assert (kws / "src" / "kws.h").is_file() and "int kws_invoke(void);" in (kws / "src" / "kws.h").read_text()
    fw = _generate(cli, path, tmp_path / "fw", "mps2-an386", "--runtime", "compiled")
    app = _app(tmp_path, sample)
    main = (app / "main.c").read_text()
    run_kws = main[main.index("static int run(void)"):main.index("int main")]
    run_kws = run_kws.replace("run(void)", "run_kws(void)").replace("model_", "kws_").replace("MODEL_", "KWS_")
    main = main.replace('#include "model.h"', '#include "model.h"\n#include "kws.h"')
    main = main.replace("int main(void) {", run_kws + "int main(void) {\n  if (kws_init() != 0 || run_kws() != 0) return 5;")
    (app / "main.c").write_text(main)
    (app / "Makefile").write_text(APP_MAKEFILE.format(
        cpu_flags=" ".join(load_boards()["mps2-an386"].cpu_flags), export=export, kws=kws, fw=fw))
    _run(["make", "-j2"], app)
    lines = _qemu("mps2-an386", app / "app.elf")
    want = f"output: {' '.join(str(int(v)) for v in expected)}"
    assert lines.count(want) == 3, lines  # kws once, model twice (before and after model_reset)
    _check_run([line for line in lines if line != want] + [want, want], expected, export)
    # MODEL_ARENA_SECTION put the arena where the application's linker script said
    symbols = _run(["arm-none-eabi-objdump", "-t", "app.elf"], app).stdout
    arena_line = next(line for line in symbols.splitlines() if line.rstrip().endswith(" model_arena"))
    assert ".tensor_arena" in arena_line, arena_line


def _properties(text):
    fields = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            key, sep, value = line.partition("=")
            assert sep, f"not key=value: {line!r}"
            fields[key] = value
    return fields


def _local_includes(text):
    return re.findall(r'^\s*#\s*include\s+"([^"]+)"', text, re.M)


ARDUINO_STUB = """
#pragma once
#include <stdint.h>
#include <stddef.h>
struct StubSerial {
  void begin(unsigned long) {}
  explicit operator bool() const { return true; }
  template <typename T> size_t print(T) { return 0; }
  template <typename T> size_t print(T, int) { return 0; }
  template <typename T> size_t println(T) { return 0; }
  template <typename T> size_t println(T, int) { return 0; }
  size_t println() { return 0; }
};
extern StubSerial Serial;
unsigned long micros(void);
"""


@pytest.mark.parametrize("runtime", ["compiled", "tflm"])
def test_arduino_library_layout_and_sources(runtime, model, tmp_path, cli):
    path, sample_path, *_ = model
    export = _generate(cli, path, tmp_path / "kws", "mps2-an386", "--runtime", runtime, "--format", "arduino",
                       "--kernels", "reference", "--sample", sample_path)
    props = _properties((export / "library.properties").read_text())
    # Arduino library specification 1.5: the required fields and their forms
    for field in ("name", "version", "author", "maintainer", "sentence", "paragraph", "category", "url",
                  "architectures"):
        assert props.get(field), f"library.properties lacks {field}"
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 _.\-]*", props["name"]), props["name"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", props["version"])
    assert props["category"] in ARDUINO_CATEGORIES
    name = props["name"]
    assert (export / "examples" / name / f"{name}.ino").is_file()
    assert (export / "src").is_dir() and not (export / "utility").exists()
    for header in props["includes"].split(","):
        assert (export / "src" / header.strip()).is_file()
    sources = sorted((export / "src").iterdir())
    assert all(p.is_file() for p in sources), "src/ is flat: only src/ is on the include path"
    assert not any(p.suffix == ".cc" for p in sources), "the Arduino builder compiles .cpp, not .cc"
    for p in sources:  # every local include resolves inside src/ (or is TFLM's, from its Arduino library)
        for inc in _local_includes(p.read_text()):
            assert (export / "src" / inc).is_file() or inc.startswith("tensorflow/"), (p.name, inc)
    sketch = (export / "examples" / name / f"{name}.ino").read_text()
    assert f"#include <{name}.h>" in sketch and "Serial.print" in sketch and "model_invoke()" in sketch
    if runtime == "tflm":
        assert props.get("depends")
        return  # TFLM's sources come from its Arduino library, not here: the layout is what is checked
    _need("arm-none-eabi-gcc")
    for p in sources:
        if p.suffix == ".c":
            _run(["arm-none-eabi-gcc", *ARDUINO_NANO33BLE_C_FLAGS, "-Werror", "-c", p, "-o",
                  tmp_path / f"{p.stem}.o"], export / "src")
    stub = tmp_path / "stub"
    stub.mkdir()
    (stub / "Arduino.h").write_text(ARDUINO_STUB)
    cpp = tmp_path / f"{name}.ino.cpp"  # what the Arduino builder makes of a sketch
    cpp.write_text("#include <Arduino.h>\n" + sketch)
    _run(["arm-none-eabi-g++", *ARDUINO_NANO33BLE_CXX_FLAGS, "-Werror", f"-I{stub}", f"-I{export / 'src'}", "-c", cpp,
          "-o", tmp_path / "sketch.o"], tmp_path)


def _kconfig_symbols(text):
    symbols = re.findall(r"^(?:config|menuconfig|choice)\s+(\w+)", text, re.M)
    opened = [m for m in re.findall(r"^(choice|if|endchoice|endif)\b", text, re.M)]
    depth = {"choice": 0, "if": 0}
    for word in opened:  # every choice/if closed, in order
        if word in depth:
            depth[word] += 1
        else:
            key = word[3:]
            depth[key] -= 1
            assert depth[key] >= 0, f"{word} without {key}"
    assert depth == {"choice": 0, "if": 0}
    return set(symbols)


@pytest.mark.parametrize("runtime", ["compiled", "tflm"])
def test_zephyr_module_layout_and_sources(runtime, model, tmp_path, cli):
    yaml = pytest.importorskip("yaml")
    path, *_ = model
    export = _generate(cli, path, tmp_path / "kws", "mps2-an386", "--runtime", runtime, "--format", "zephyr",
                       "--kernels", "reference", "--name", "kws")
    # Zephyr's module loader (scripts/zephyr_module.py): zephyr/module.yml, build.cmake a folder holding
    # CMakeLists.txt, build.kconfig a file, both relative to the module root
    meta = yaml.safe_load((export / "zephyr" / "module.yml").read_text())
    assert re.fullmatch(r"[A-Za-z0-9_\-]+", meta["name"])
    assert (export / meta["build"]["cmake"] / "CMakeLists.txt").is_file()
    kconfig = (export / meta["build"]["kconfig"]).read_text()
    symbols = _kconfig_symbols(kconfig)
    cmake = (export / meta["build"]["cmake"] / "CMakeLists.txt").read_text()
    for used in re.findall(r"CONFIG_(ATTENDNETS_\w+)", cmake):  # its own (Zephyr defines the rest)
        assert used in symbols, f"CMakeLists.txt uses CONFIG_{used}, which the Kconfig does not define"
    assert {"ATTENDNETS_KWS_ARENA_BSS", "ATTENDNETS_KWS_ARENA_DTCM", "ATTENDNETS_KWS_ARENA_NOINIT"} <= symbols
    listed = re.findall(r"\$\{KWS_DIR\}/([^\s)]+)", cmake)
    for rel in listed:
        assert (export / rel).exists(), rel
    sources = [rel for rel in listed if rel.endswith((".c", ".cc"))]
    assert sources and all(rel.startswith("src/") for rel in sources)
    if runtime == "tflm":
        assert "depends on TENSORFLOW_LITE_MICRO" in kconfig
        return
    _need("arm-none-eabi-gcc")
    includes = [f"-I{export / rel}" for rel in listed if not rel.endswith((".c", ".cc"))]
    zephyr_flags = [*M4F_FLAGS, "-mabi=aapcs", "-std=c99", "-ffreestanding", "-fno-common", "-Wall", "-Werror",
                    "-ffunction-sections", "-fdata-sections"]
    assert 'KWS_ARENA_SECTION_NAME=".dtcm_bss"' in cmake  # the DTCM choice, for the API named kws
    for rel in sources:
        _run(["arm-none-eabi-gcc", *zephyr_flags, *includes, '-DKWS_ARENA_SECTION_NAME=".dtcm_bss"', "-c",
              export / rel, "-o", tmp_path / (rel.replace("/", "_") + ".o")], tmp_path)
    headers = _run(["arm-none-eabi-objdump", "-t", tmp_path / "src_kws.c.o"], tmp_path).stdout
    arena_line = next(line for line in headers.splitlines() if line.rstrip().endswith(" kws_arena"))
    assert ".dtcm_bss" in arena_line, arena_line


def test_unknown_format_is_one_line(model, tmp_path, cli):
    path, *_ = model
    result = cli("generate", path, "--board", "mps2-an386", "--out", tmp_path / "x", "--format", "keil")
    assert result.exit_code != 0 and not (tmp_path / "x").exists()


def test_build_refuses_an_export_in_one_line(model, tmp_path, cli):
    path, *_ = model
    export = _generate(cli, path, tmp_path / "lib", "mps2-an386", "--runtime", "compiled", "--format", "library")
    result = cli("build", export)
    assert result.exit_code != 0
    assert "library export" in result.stderr + result.stdout and "Traceback" not in result.stderr + result.stdout
