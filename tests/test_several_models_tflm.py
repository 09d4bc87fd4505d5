"""Several models in one firmware on the TFLM runtime (generate --runtime tflm --model a --model b).

Without a TFLM tree (CI): the generated sources and the arena arithmetic. Each model's interpreter glue is
its own files under its prefix (a.cc, a_data.cc, a_op_resolver.h, AOpResolver, a_init, A_INPUT0_SCALE, no
model_* left); one shared arena, as large as the largest model's arena, that each model's glue takes in turn
(its init rebuilds its interpreter there), or with --concurrent one arena per model; the Makefile and the
CMake build list every source; `report` gives the same combined figures and fit as `generate`.

With a TFLM tree (TFLM_DIR; skipped with the reason otherwise): the corpus' keyword spotter and person
detector sharing one arena, and two small models with --concurrent, built and run in QEMU mps2-an386, each
model's output equal to the tflite-micro interpreter's for the same input, byte for byte; the flash estimate
within 5 % of the link, as for one model; every global symbol a model's objects define carries its
prefix (C++ template instances of TFLM aside).
"""

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from codegen.boards import load_boards
from converter.report.fit import arena_bytes_for
from tests.conftest import need_programs as _need
from tests.conftest import run_firmware_qemu
from tests.test_compiled_fc import fc_model, two_layer_with_reshape

TFLM_DIR = os.environ.get("TFLM_DIR")
NEEDS_TREE = pytest.mark.skipif(not TFLM_DIR, reason="TFLM_DIR not set: several TFLM models in one firmware are "
                                                     "built and run in QEMU only with a TFLM tree (docs/firmware.md, "
                                                     "'Making a TFLM tree')")


def _models(tmp_path):
    a, b = tmp_path / "a.tflite", tmp_path / "b.tflite"
    a.write_bytes(two_layer_with_reshape())
    b.write_bytes(fc_model(batch_shape=(2,), in_depth=37, units=9, activation="RELU6", out_scale=0.04, seed=21))
    return a, b


def _sample(path, tmp_path, name, seed):
    from converter.tflite_model import load_model

    sg = load_model(path.read_bytes()).main_subgraph
    sample = np.random.default_rng(seed).integers(-128, 128, size=sg.tensor(sg.inputs[0]).shape).astype(np.int8)
    np.save(tmp_path / f"{name}.npy", sample)
    return tmp_path / f"{name}.npy", sample


def _define(text, name):
    match = re.search(rf"^#define {name} (\d+)u?$", text, re.M)
    assert match, name
    return int(match.group(1))


@pytest.mark.parametrize("concurrent", [False, True])
def test_generated_sources_and_arena_arithmetic(concurrent, tmp_path, cli):
    a, b = _models(tmp_path)
    out = tmp_path / "fw"
    flag = ("--concurrent",) if concurrent else ()
    result = cli("generate", a, b, "--runtime", "tflm", "--board", "mps2-an386", "--out", out, "--json", *flag)
    assert result.exit_code == 0, result
    facts = json.loads((out / "project.json").read_text())
    assert facts["runtime"] == "tflm" and facts["concurrent"] == concurrent
    src = out / "src"
    arenas = {}
    for name, cls in (("a", "A"), ("b", "B")):
        header = (src / f"{name}.h").read_text()
        glue = (src / f"{name}.cc").read_text()
        resolver = (src / f"{name}_op_resolver.h").read_text()
        assert f"int {name}_invoke(void);" in header and f"#define {name.upper()}_INPUT0_SCALE" in header
        assert not re.search(r"\bmodel_(init|invoke|input|output)\b|\bMODEL_INPUT0|ModelOpResolver", header + glue)
        assert f"using {cls}OpResolver = " in resolver and f"inline TfLiteStatus Register{cls}Ops(" in resolver
        assert f'#include "{name}_op_resolver.h"' in glue and f'#include "{name}_data.h"' in glue
        assert f"{name}_model_data[]" in (src / f"{name}_data.cc").read_text()
        # each model's arena figure: the estimator's requirement plus TFLM's alignment slack, as alone
        arenas[name] = _define(header, f"{name.upper()}_ARENA_BYTES")
        assert arenas[name] == arena_bytes_for(_define(header, f"{name.upper()}_ARENA_ESTIMATE_BYTES"))
        if concurrent:
            assert "tensor_arena[" in glue and "models_arena" not in glue
        else:  # the shared arena, taken in turn: init rebuilds the interpreter when another model owns it
            assert "extern uint8_t models_arena[];" in glue and "models_arena_owner = &arena_owner_tag;" in glue
            assert "tensor_arena[" not in glue
    assert {m["name"]: m["arena_bytes"] for m in facts["models"]} == arenas
    expected = sum(-(-x // 16) * 16 for x in arenas.values()) if concurrent else max(arenas.values())
    assert facts["arena_bytes"] == expected == json.loads(result.stdout)["arena_bytes"]
    assert (src / "models.cc").exists() != concurrent and not (src / "model.cc").exists()
    if not concurrent:
        models = (src / "models.cc").read_text()
        alloc = int(re.search(r"uint8_t models_arena\[(\d+)\]", models).group(1))
        assert alloc >= max(arenas.values()) and "const void* models_arena_owner" in models
    main = (src / "main.cc").read_text()
    for name in ("a", "b"):
        assert f"extern \"C\" void {name}_on_tflm_abort(void)" in main and f"run_{name}()" in main
    # the builds list every source of the firmware
    objects = ["main"] + [f"{n}{s}" for n in ("a", "b") for s in ("", "_data")] + ([] if concurrent else ["models"])
    makefile = (out / "Makefile").read_text()
    app_objs = re.search(r"^APP_OBJS := (.*)$", makefile, re.M).group(1).split()
    assert sorted(o.rsplit("/", 1)[1] for o in app_objs) == sorted(f"{o}.o" for o in objects)
    cmake = (out / "CMakeLists.txt").read_text()
    for o in objects:
        assert f"src/{o}.cc" in cmake


def test_report_gives_the_combined_memory_and_the_same_fit_as_generate(tmp_path, cli):
    a, b = _models(tmp_path)
    for concurrent in ((), ("--concurrent",)):
        report = cli("report", a, b, "--runtime", "tflm", "--board", "mps2-an386", "--json", *concurrent)
        assert report.exit_code == 0, report
        figures = json.loads(report.stdout)
        arenas = [m["arena_bytes"] for m in figures["models"]]
        assert figures["arena_bytes"] == (sum(-(-x // 16) * 16 for x in arenas) if concurrent else max(arenas))
        # the flash data: both .tflite files; the code: TFLM and the union of the operators once
        assert figures["constants_bytes"] == a.stat().st_size + b.stat().st_size
        assert "operators" in figures["code_source"] and "glue per further model" in figures["code_source"]
        out = tmp_path / f"fw{len(concurrent)}"
        generated = cli("generate", a, b, "--runtime", "tflm", "--board", "mps2-an386", "--out", out, "--json",
                        *concurrent)
        assert generated.exit_code == 0, generated
        assert json.loads(generated.stdout)["fit"] == figures["fit"]
    text = cli("report", a, b, "--runtime", "tflm", "--board", "mps2-an386")
    assert text.exit_code == 0 and "TFLM interpreter" in text.stdout and "verdict: FITS" in text.stdout




def _build_and_run(project, cli):
    from codegen.runtimes.tflm import tree_kernels
    from tests.test_firmware_compile import prebuilt_tflm_lib

    lib = prebuilt_tflm_lib(load_boards()["mps2-an386"], tree_kernels(TFLM_DIR))
    build = cli("build", project, "--tflm-dir", TFLM_DIR, *(["--tflm-lib", lib] if lib else []))
    assert build.exit_code == 0, build.stdout[-3000:] + build.stderr[-3000:]
    proc = run_firmware_qemu(project / "build" / "firmware.elf", timeout=300)
    assert proc.returncode == 0, proc
    return proc.stdout.splitlines()


def _expected_line(name, path, sample):
    from codegen.compiled.host import run_tflm

    return f"{name} output: {' '.join(str(int(v)) for v in run_tflm(path, [sample])[0].reshape(-1))}"


@NEEDS_TREE
@pytest.mark.parametrize("concurrent", [False, True])
def test_two_models_run_bit_exact_in_qemu(concurrent, tmp_path, cli, corpus):
    """Shared arena: the corpus' keyword spotter and person detector (each model's init rebuilds its interpreter
    in the arena the other used); concurrent: two small models, each its own arena."""
    _need("arm-none-eabi-gcc", "arm-none-eabi-g++", "make", "qemu-system-arm")
    from codegen.runtimes.tflm import tree_kernels

    if concurrent:
        a, b = _models(tmp_path)
        names = ("a", "b")
    else:
        a, b = corpus.path("dscnn_kws_int8"), corpus.path("mobilenet_v1_025_person_int8")
        names = ("kws", "person")
    a_sample_path, a_sample = _sample(a, tmp_path, "sa", 3)
    b_sample_path, b_sample = _sample(b, tmp_path, "sb", 4)
    project = tmp_path / "fw"
    result = cli("generate", "--model", f"{names[0]}={a}", "--model", f"{names[1]}={b}", "--runtime", "tflm",
                 "--kernels", tree_kernels(TFLM_DIR), "--board", "mps2-an386", "--out", project,
                 "--sample", a_sample_path, "--sample", b_sample_path, *(("--concurrent",) if concurrent else ()))
    assert result.exit_code == 0, result
    lines = _build_and_run(project, cli)
    assert _expected_line(names[0], a, a_sample) in lines and _expected_line(names[1], b, b_sample) in lines
    facts = json.loads((project / "project.json").read_text())
    assert f"arena_bytes: {facts['arena_bytes']}" in lines
    # the firmware's flash estimate (both .tflite files + TFLM, the operators and the application once + glue per
    # further model) against the link: within 5 %, as for one model (tests/test_code_size_vs_link.py)
    sizes = subprocess.run(["arm-none-eabi-size", str(project / "build" / "firmware.elf")], capture_output=True,
                           text=True, check=True).stdout.splitlines()[1].split()
    linked = int(sizes[0]) + int(sizes[1])
    estimate = facts["constants_bytes"] + facts["code_estimate_bytes"]
    print(f"flash: estimate {estimate} B, linked {linked} B ({100 * (estimate - linked) / linked:+.1f} %)")
    assert abs(estimate - linked) <= 0.05 * linked, (estimate, linked)
    objects = project / "build" / "obj" / "src"
    for name in names:
        out = subprocess.run(["arm-none-eabi-nm", "-g", "--defined-only", str(objects / f"{name}.o"),
                              str(objects / f"{name}_data.o")], capture_output=True, text=True, check=True).stdout
        own = [line.split()[-1] for line in out.splitlines() if line and not line.endswith(":")
               and line.split()[-2] not in ("W", "V")]  # weak: TFLM's template instances, shared by type
        assert own and all(s.startswith(f"{name}_") for s in own), (name, own)
