"""The compiled runtime's firmware: generate --runtime compiled, build with arm-none-eabi-gcc alone, run in QEMU.

- On mps2-an386 (Cortex-M4, DSP and plain-C paths), mps2-an500 (M7) and mps3-an547 (M55) the
  firmware prints the tflite-micro interpreter's output for its sample, byte for byte.
- Every board of the catalog generates and builds (compile and link) with the compiled runtime.
- Refusals: unsupported operators/types (one line, nothing written), does-not-fit, bad --runtime.

Skips with a printed reason when arm-none-eabi-gcc, make or qemu-system-arm is missing.
"""

import json
import shutil
import subprocess

import numpy as np
import pytest

from codegen.boards import load_boards
from tests.conftest import assert_one_line_error, model_path, shared_present
from tests.conftest import need_programs as _need
from tests.conftest import run_firmware_qemu
from tests.test_compiled_fc import fc_model, two_layer_with_reshape
from tests.tflite_builder import ModelBuilder

BOARDS = list(load_boards())
QEMU_RUNS = [("mps2-an386", 1), ("mps2-an386", 0), ("mps2-an500", 1), ("mps3-an547", 1)]




@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """Test models (written once per module) and a random sample for each."""
    root = tmp_path_factory.mktemp("compiled_models")
    out = {}
    specs = {
        "chain": two_layer_with_reshape(),
        # odd depth (DSP loop tail), per-channel, RELU6, batch 2
        "fc": fc_model(batch_shape=(2,), in_depth=37, units=9, per_channel=[0.003 * (i + 1) for i in range(9)],
                       activation="RELU6", out_scale=0.04, seed=21),
    }
    from converter.tflite_model import load_model

    for name, data in specs.items():
        path = root / f"{name}.tflite"
        path.write_bytes(data)
        sg = load_model(data).main_subgraph
        t = sg.tensor(sg.inputs[0])
        sample = np.random.default_rng(5).integers(-128, 128, size=t.shape).astype(np.int8)
        np.save(root / f"{name}_sample.npy", sample)
        out[name] = (path, root / f"{name}_sample.npy", sample)
    return out


def _qemu(board, elf):
    proc = run_firmware_qemu(elf, machine=board.qemu_machine)
    assert proc.returncode == 0, proc
    return proc.stdout.splitlines()


def _make(project, *args):
    proc = subprocess.run(["make", "-C", str(project), "-j2", *args], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


QEMU_CASES = [(b, d, "fc") for b, d in QEMU_RUNS] + [("mps2-an386", 1, "chain")]


@pytest.mark.parametrize("board_name,dsp,model_name", QEMU_CASES,
                         ids=[f"{b}-{'dsp' if d else 'plain'}-{m}" for b, d, m in QEMU_CASES])
def test_runs_in_qemu_and_matches_tflm(board_name, dsp, model_name, models, tmp_path, cli):
    _need("arm-none-eabi-gcc", "make", "qemu-system-arm")
    from codegen.compiled.host import run_tflm

    path, sample_path, sample = models[model_name]
    board = load_boards()[board_name]
    project = tmp_path / "fw"
    result = cli("generate", path, "--board", board_name, "--out", project, "--runtime", "compiled",
                 "--sample", sample_path)
    assert result.exit_code == 0, result
    assert not (project / "CMakeLists.txt").exists() and not (project / "src/model.cc").exists()
    _make(project, f"DSP={dsp}")
    lines = _qemu(board, project / "build/model.elf")
    # the M55 has Helium: its build takes the MVE kernels (an_dot_mve.h), where the others take DSP ones
    path_name = ("MVE" if board.cpu == "cortex-m55" else "DSP") if dsp else "plain-C"
    assert lines[0] == f"attendnets: model ({path.name}, compiled runtime, {path_name} kernels) on {board_name}"
    expected = run_tflm(path, [sample])[0].reshape(-1)
    assert f"output: {' '.join(str(int(v)) for v in expected)}" in lines
    arena = json.loads((project / "project.json").read_text())["arena_bytes"]
    assert f"arena_bytes: {arena}" in lines and f"arena_used_bytes: {arena}" in lines
    assert any(line.startswith("cycles: ") for line in lines)


@pytest.mark.parametrize("name", ["autoencoder_int8", *shared_present("hello_world_int8.tflite")])
def test_converted_model_in_qemu(tmp_path, cli, cli_subprocess, name):
    """A converted model (the corpus's autoencoder; hello_world when shared) through build and flash
    --tool qemu, as a user runs it."""
    _need("arm-none-eabi-gcc", "make", "qemu-system-arm")
    from codegen.compiled.host import run_tflm
    from converter.tflite_model import load_model

    model = model_path(name)
    project = tmp_path / "hw"
    assert cli("generate", model, "--board", "mps2-an386", "--out", project, "--runtime", "compiled").exit_code == 0
    assert cli("build", project).exit_code == 0
    result = cli_subprocess("flash", project, "--tool", "qemu")  # QEMU writes to the process's stdout
    assert result.exit_code == 0, result
    sg = load_model(model).main_subgraph
    inp = sg.tensor(sg.inputs[0])
    expected = run_tflm(model, [np.full(inp.shape, inp.quantization.zero_point[0], np.int8)])[0].reshape(-1)
    assert f"output: {' '.join(str(int(v)) for v in expected)}" in result.stdout
    # flash logs the inference as the timing model saw it (docs/timing.md); its instruction count
    # agrees with the firmware's own SysTick figure (ticks x 40 under -icount shift=0, resolution 40)
    if shutil.which("cc"):
        import re

        found = re.search(r"inference 1: ([\d,]+) instructions \(QEMU\), ([\d,]+) cycles \(Cortex-M4 timing model, "
                          r"0 wait states\)", result.stderr)
        assert found, result.stderr
        instructions, cycles = (int(g.replace(",", "")) for g in found.groups())
        ticks = int(re.search(r"^cycles: (\d+) ", result.stdout, re.M).group(1))
        assert abs(instructions - ticks * 40) <= 80
        assert instructions < cycles < 3 * instructions
        # flash --json carries the same figures; --wait-states 2 charges fetches and loads from flash
        as_json = cli_subprocess("flash", project, "--tool", "qemu", "--json", "--wait-states", "2")
        assert as_json.exit_code == 0, as_json
        [inference] = json.loads(as_json.stdout)["inferences"]
        assert inference["instructions"] == instructions and inference["cycles"] > cycles


@pytest.mark.parametrize("board_name", BOARDS)
def test_every_board_builds(board_name, models, tmp_path, cli):
    _need("arm-none-eabi-gcc", "make")
    path, sample_path, _ = models["chain"]
    project = tmp_path / "fw"
    result = cli("generate", path, "--board", board_name, "--out", project, "--runtime", "compiled",
                 "--sample", sample_path)
    assert result.exit_code == 0, result
    _make(project)
    assert (project / "build/model.elf").is_file() and (project / "build/model.bin").is_file()
    if board_name == "rpi-pico":
        assert (project / "build/model.uf2").is_file()


def test_changing_dsp_rebuilds(models, tmp_path, cli):
    _need("arm-none-eabi-gcc", "make")
    path, sample_path, _ = models["fc"]
    project = tmp_path / "fw"
    assert cli("generate", path, "--board", "mps2-an386", "--out", project, "--runtime", "compiled").exit_code == 0
    _make(project)
    again = _make(project)
    assert "-c src/kernels/an_fully_connected.c" not in again.stdout
    plain = _make(project, "DSP=0")
    assert "-DAN_NO_DSP" in plain.stdout and "-c src/kernels/an_fully_connected.c" in plain.stdout


def test_unsupported_model_is_refused_and_nothing_written(tmp_path, cli):
    b = ModelBuilder()
    x = b.tensor("x", (1, 4), "int8", scale=0.1, zero_point=0)
    y = b.tensor("y", (1, 4), "int8", scale=0.1, zero_point=0)
    z = b.tensor("z", (1, 4), "int8", scale=0.1, zero_point=0)
    b.op("CUSTOM", [x], [y], custom_code="NoSuchKernel")  # operators the compiled runtime has no kernel for
    b.op("CUSTOM", [x], [z], custom_code="OtherMissingKernel")
    path = tmp_path / "odd.tflite"
    path.write_bytes(b.build(inputs=[x], outputs=[y, z]))
    out = tmp_path / "fw"
    line = assert_one_line_error(cli("generate", path, "--board", "mps2-an386", "--out", out, "--runtime", "compiled"))
    assert "NoSuchKernel(int8 -> int8): no kernel" in line and \
        "OtherMissingKernel(int8 -> int8): no kernel" in line and "--runtime tflm" in line
    assert not out.exists()
    assert not list(tmp_path.glob(".fw*"))


def test_does_not_fit_and_force(tmp_path, cli):
    path = tmp_path / "big.tflite"
    path.write_bytes(fc_model(batch_shape=(1200,), in_depth=512, units=4, seed=1))  # a 600 KiB input
    out = tmp_path / "fw"
    line = assert_one_line_error(cli("generate", path, "--board", "nucleo-h743zi2", "--out", out,
                                     "--runtime", "compiled"))
    assert "does not fit" in line and "--force" in line
    assert "arena 619200 B" in line and "524288 B" in line  # input 614400 B + output 4800 B > the AXI SRAM
    assert not out.exists()
    result = cli("generate", path, "--board", "nucleo-h743zi2", "--out", out, "--runtime", "compiled", "--force")
    assert result.exit_code == 0 and "warning: does not fit" in result.stdout


def test_unknown_runtime(tmp_path, cli):
    path = tmp_path / "m.tflite"
    path.write_bytes(fc_model())
    result = cli("generate", path, "--board", "mps2-an386", "--out", tmp_path / "fw", "--runtime", "nope")
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert not (tmp_path / "fw").exists()
