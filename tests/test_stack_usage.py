"""The stack a generated firmware really uses, against the stack its project reserves (issue 22).

- tools/stack_usage.py (copied into every compiled-runtime project, run by its Makefile after
  linking) walks GCC's call graphs (-fstack-usage -fcallgraph-info=su): chains, library calls,
  interrupt handlers, recursion and unbounded frames, on hand-written graphs.
- A model with a 16,384-element output: the compiled firmware builds (the check passes) and runs
  in QEMU (mps2-an386) with tflite-micro's output; main() of both runtimes keeps no output-sized
  array on the stack (it HardFaulted at start with an 8 KiB stack); a project whose reserved stack
  is smaller than its deepest chain does not link (no firmware left to fault).

Skips with a printed reason when arm-none-eabi-gcc, make or qemu-system-arm is missing.
"""

import importlib.util
import itertools
import re
import shutil
import subprocess

import numpy as np
import pytest

from firmware_template import COMPILED_PROJECT_DIR, KERNELS_DIR
from tests.conftest import need_programs as _need
from tests.conftest import run_firmware_qemu
from tests.test_compiled_fc import fc_model

BIG_OUTPUT_ELEMENTS = 16384


def _tool():
    spec = importlib.util.spec_from_file_location("stack_usage", COMPILED_PROJECT_DIR / "tools" / "stack_usage.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module




def _ci(tmp_path, name, nodes, edges):
    """A .ci file as GCC writes it: nodes {function: (bytes, qualifier) or None (undefined here)}."""
    lines = [f'graph: {{ title: "{name}.c"']
    for fn, frame in nodes.items():
        if frame is None:
            lines.append(f'node: {{ title: "{fn}" label: "{fn}\\nlib.h:1:1" shape : ellipse }}')
        else:
            lines.append(f'node: {{ title: "{fn}" label: "{fn}\\n{name}.c:1:1\\n{frame[0]} bytes ({frame[1]})" }}')
    for a, b in edges:
        lines.append(f'edge: {{ sourcename: "{a}" targetname: "{b}" label: "{name}.c:2:3" }}')
    lines.append("}")
    path = tmp_path / f"{name}.ci"
    path.write_text("\n".join(lines) + "\n")
    (tmp_path / f"{name}.o").write_bytes(b"")
    return tmp_path / f"{name}.o"


def test_deepest_chain_across_objects_with_library_calls_and_handlers(tmp_path):
    tool = _tool()
    a = _ci(tmp_path, "main", {"main": (40, "static"), "helper": (16, "static"), "kernel": None,
                               "printf": None},
            [("main", "helper"), ("main", "kernel"), ("helper", "printf")])
    b = _ci(tmp_path, "kernel", {"kernel": (300, "dynamic,bounded"), "inner": (20, "static")},
            [("kernel", "inner")])
    c = _ci(tmp_path, "platform", {"SysTick_Handler": (8, "static"), "Reset_Handler": (4000, "static")}, [])
    used, chain = tool.stack_use([a, b, c])
    # main -> helper -> printf (library) = 40 + 16 + 1024 beats main -> kernel -> inner = 360
    assert used == 40 + 16 + tool.LIBRARY_CALL_BYTES + tool.EXCEPTION_FRAME_BYTES + 8
    assert chain.startswith("main 40 B -> helper 16 B -> printf (library)") and "SysTick_Handler" in chain
    assert "Reset_Handler" not in chain  # it calls main: not an interrupt on top of it


def test_recursion_and_unbounded_frames_are_refused(tmp_path):
    tool = _tool()
    loop = _ci(tmp_path, "loop", {"main": (8, "static"), "f": (8, "static"), "g": (8, "static")},
               [("main", "f"), ("f", "g"), ("g", "f")])
    with pytest.raises(tool.StackError, match="recursion: f -> g -> f"):
        tool.stack_use([loop])
    vla = _ci(tmp_path, "vla", {"main": (8, "static"), "v": (16, "dynamic")}, [("main", "v")])
    with pytest.raises(tool.StackError, match="v has an unbounded stack frame"):
        tool.stack_use([vla])
    missing = tmp_path / "none.o"
    with pytest.raises(tool.StackError, match="-fcallgraph-info"):
        tool.stack_use([missing])


def test_command_line_compares_with_the_linker_script(tmp_path, capsys):
    tool = _tool()
    obj = _ci(tmp_path, "main", {"main": (5000, "static")}, [])
    script = tmp_path / "linker.ld"
    script.write_text("__stack_size = 4096;\n__heap_size = 0;\n")
    assert tool.main(["--linker-script", str(script), str(obj)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "needs 5000 B of stack; the project reserves 4096 B" in err
    script.write_text("__stack_size = 8192;\n")
    assert tool.main(["--linker-script", str(script), str(obj)]) == 0
    assert "stack: 5000 of 8192 B reserved" in capsys.readouterr().out


def test_kernels_count_their_inline_asm_frame(tmp_path):
    tool = _tool()
    obj = _ci(tmp_path, "model", {"main": (40, "static"), "an_conv1x1_s8": (96, "static")},
              [("main", "an_conv1x1_s8")])
    used, chain = tool.stack_use([obj])
    assert used == 40 + 96 + tool.INLINE_ASM_FRAME_BYTES and "inline-asm frame" in chain


_ASM_BLOCK = re.compile(r'^@ \d+ "[^"]*" 1\n(.*?)^@ 0 "" 2', re.S | re.M)
_SP_MOVE = re.compile(r"^\s*(sub|add)s?(?:\.w)?\s+sp,\s*sp,\s*#(.+?)\s*$", re.M | re.I)
_PUSH_POP = re.compile(r"^\s*(push|pop|vpush|vpop)(?:\.w)?\s+\{([^}]*)\}", re.M | re.I)


def _register_bytes(registers):
    count = 0
    for part in (r.strip() for r in registers.split(",") if r.strip()):
        if "-" in part:  # r4-r7, d8-d15
            lo, hi = (int(re.sub(r"\D", "", x)) for x in part.split("-"))
            count += (hi - lo + 1) * (2 if part.lower().startswith("d") else 1)
        else:
            count += 2 if part.lower().startswith("d") else 1
    return 4 * count


def _deepest_asm_frame(assembly: str) -> int:
    """The most stack any inline-asm statement of GCC's assembly output holds at once (bytes)."""
    deepest = 0
    for block in _ASM_BLOCK.findall(assembly):
        depth = 0
        for line in block.splitlines():
            move = _SP_MOVE.match(line)
            stack = _PUSH_POP.match(line)
            if move:
                expression = move.group(2)
                assert re.fullmatch(r"[\d\s()+*-]+", expression), f"an sp adjustment not in numbers: {line.strip()}"
                depth += (1 if move.group(1).lower() == "sub" else -1) * eval(expression)  # digits and + - * ( ) only
            elif stack:
                depth += (1 if stack.group(1).lower() in ("push", "vpush") else -1) * _register_bytes(stack.group(2))
            deepest = max(deepest, depth)
        assert depth == 0, "an asm statement that leaves sp moved"
    return deepest


@pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="arm-none-eabi-gcc not installed")
def test_inline_asm_frame_allowance_is_the_kernels_largest(tmp_path):
    """INLINE_ASM_FRAME_BYTES equals the deepest stack any asm statement of the kernels holds, on the DSP (M4) and
    Helium (M55) builds: GCC's call graphs do not count these frames, the stack check adds the largest."""
    sources = sorted(p for p in KERNELS_DIR.glob("*.c") if "__asm__" in p.read_text())
    builds = [["-mcpu=cortex-m4", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"], ["-mcpu=cortex-m55", "-mfloat-abi=hard"]]
    deepest, where = 0, None
    for flags, source in itertools.product(builds, sources):
        out = tmp_path / f"{source.stem}.s"
        subprocess.run(["arm-none-eabi-gcc", *flags, "-mthumb", "-O2", "-std=c99", f"-I{KERNELS_DIR}", "-S",
                        str(source), "-o", str(out)], check=True, capture_output=True)
        frame = _deepest_asm_frame(out.read_text())
        if frame > deepest:
            deepest, where = frame, f"{source.name} ({flags[0]})"
    assert deepest == _tool().INLINE_ASM_FRAME_BYTES, f"the deepest asm frame is {deepest} B, in {where}"


@pytest.fixture(scope="module")
def big_output_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("big_output") / "big_output.tflite"
    path.write_bytes(fc_model(in_depth=4, units=BIG_OUTPUT_ELEMENTS, seed=3))
    return path


def _make(project, *args):
    return subprocess.run(["make", "-C", str(project), "-j2", *args], capture_output=True, text=True, timeout=300)


def test_large_output_compiled_firmware_runs_in_qemu(big_output_model, tmp_path, cli):
    _need("arm-none-eabi-gcc", "make", "qemu-system-arm")
    from codegen.compiled.host import run_tflm

    project = tmp_path / "fw"
    result = cli("generate", big_output_model, "--board", "mps2-an386", "--out", project, "--runtime", "compiled")
    assert result.exit_code == 0, result
    built = _make(project)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    used = re.search(r"stack: (\d+) of (\d+) B reserved \(main (\d+) B", built.stdout)
    assert used and int(used.group(1)) <= int(used.group(2)) == 8192, built.stdout[-2000:]
    assert int(used.group(3)) < 1024  # main's own frame: no output-sized array
    from codegen.size import size_project
    from converter.report.fit import STATIC_DATA_ALLOWANCE_BYTES

    size = size_project(project)  # every RAM byte the link holds is in the figure the fit counted
    assert size.ram["stack"] == 8192 and size.ram["rest"] <= STATIC_DATA_ALLOWANCE_BYTES, size.ram
    proc = run_firmware_qemu(project / "build/model.elf")
    assert proc.returncode == 0 and "fatal" not in proc.stdout, proc.stdout[-2000:] + proc.stderr[-2000:]
    expected = run_tflm(big_output_model, [np.full((1, 4), -3, np.int8)])[0].reshape(-1)
    assert f"output: {' '.join(str(int(v)) for v in expected)}" in proc.stdout.splitlines()
    top = [line for line in proc.stdout.splitlines() if line.startswith("top")]
    order = sorted(range(BIG_OUTPUT_ELEMENTS), key=lambda i: (-int(expected[i]), i))[:3]
    assert [int(line.split()[2]) for line in top] == order  # top-k without a buffer: ties by lower index


def test_a_stack_smaller_than_the_deepest_chain_does_not_link(big_output_model, tmp_path):
    _need("arm-none-eabi-gcc", "make")
    from codegen.generate import generate_project

    project = tmp_path / "fw"
    generate_project(big_output_model, "mps2-an386", project, runtime="compiled", stack_bytes=512)
    built = _make(project)
    assert built.returncode != 0
    assert re.search(r"error: the deepest call chain needs \d+ B of stack; the project reserves 512 B", built.stderr)
    assert not (project / "build/model.elf").exists()


def test_tflm_main_keeps_no_output_sized_array_on_the_stack(big_output_model, tmp_path, cli):
    """The TFLM project's main.cc needs no TFLM header: compiled alone with -fstack-usage."""
    _need("arm-none-eabi-g++")
    project = tmp_path / "fw"
    result = cli("generate", big_output_model, "--board", "mps2-an386", "--out", project, "--runtime", "tflm")
    assert result.exit_code == 0, result
    proc = subprocess.run(["arm-none-eabi-g++", "-mcpu=cortex-m4", "-mthumb", "-O2", "-std=c++17", "-fstack-usage",
                           "-Isrc", "-Iplatform", "-c", "src/main.cc", "-o", str(tmp_path / "main.o")],
                          cwd=project, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    frames = {line.split("\t")[0].split(":", 3)[-1]: int(line.split("\t")[1])
              for line in (tmp_path / "main.su").read_text().splitlines()}
    assert frames["int main()"] < 1024, frames
