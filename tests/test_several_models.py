"""Several models in one firmware (generate --model a --model b, codegen.several), compiled runtime.

- A keyword spotter and a person detector (the corpus' dscnn_kws_int8 and
  mobilenet_v1_025_person_int8) in one firmware on QEMU mps2-an386, sharing one arena: both outputs
  equal tflite-micro's for random inputs, byte for byte; the arena is the larger model's; every global
  symbol a model's objects define carries its prefix (no clashes), the kernel library once.
- Two small models with --concurrent: separate arenas that do not overlap, both outputs bit-exact.
- Refusals in one line with nothing written: two models with one prefix, a name the firmware uses,
  more samples than models (the TFLM runtime's several models: tests/test_several_models_tflm.py).
"""

import json
import re
import subprocess

import numpy as np
import pytest

from codegen.compiled.host import run_tflm
from tests.conftest import assert_one_line_error
from tests.conftest import need_programs as _need
from tests.conftest import run_firmware_qemu
from tests.test_compiled_fc import fc_model, two_layer_with_reshape




def _sample(path, tmp_path, name, seed):
    from converter.tflite_model import load_model

    sg = load_model(path.read_bytes()).main_subgraph
    sample = np.random.default_rng(seed).integers(-128, 128, size=sg.tensor(sg.inputs[0]).shape).astype(np.int8)
    np.save(tmp_path / f"{name}.npy", sample)
    return tmp_path / f"{name}.npy", sample


def _build_and_run(project):
    proc = subprocess.run(["make", "-C", str(project), "-j2"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    proc = run_firmware_qemu(project / "build" / "firmware.elf", timeout=300)
    assert proc.returncode == 0, proc
    return proc.stdout.splitlines()


def _symbols(obj):
    """``(defined globals, undefined)`` of an object file."""
    out = subprocess.run(["arm-none-eabi-nm", "-g", str(obj)], capture_output=True, text=True, check=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        parts = line.split()
        (undefined if parts[-2] == "U" else defined).add(parts[-1])
    return defined, undefined


def _expected_line(name, path, sample):
    return f"{name} output: {' '.join(str(int(v)) for v in run_tflm(path, [sample])[0].reshape(-1))}"


def test_keyword_spotter_and_person_detector_share_one_arena(corpus, tmp_path, cli):
    _need("arm-none-eabi-gcc", "make", "qemu-system-arm")
    kws, person = corpus.path("dscnn_kws_int8"), corpus.path("mobilenet_v1_025_person_int8")
    kws_sample_path, kws_sample = _sample(kws, tmp_path, "kws", 1)
    person_sample_path, person_sample = _sample(person, tmp_path, "person", 2)
    project = tmp_path / "fw"
    result = cli("generate", "--model", f"kws={kws}", "--model", f"person={person}", "--runtime", "compiled",
                 "--board", "mps2-an386", "--out", project, "--sample", kws_sample_path, "--sample", person_sample_path)
    assert result.exit_code == 0, result
    facts = json.loads((project / "project.json").read_text())
    arenas = {m["name"]: m["arena_bytes"] for m in facts["models"]}
    assert set(arenas) == {"kws", "person"} and facts["arena_bytes"] == max(arenas.values())
    assert f"arena: {facts['arena_bytes']} B (shared" in result.stdout
    lines = _build_and_run(project)
    assert _expected_line("kws", kws, kws_sample) in lines
    assert _expected_line("person", person, person_sample) in lines
    assert f"arena_bytes: {facts['arena_bytes']}" in lines
    # the firmware's flash estimate (constants + code: application and kernels once) against the link
    sizes = subprocess.run(["arm-none-eabi-size", str(project / "build" / "firmware.elf")], capture_output=True,
                           text=True, check=True).stdout.splitlines()[1].split()
    linked = int(sizes[0]) + int(sizes[1])
    estimate = facts["constants_bytes"] + facts["code_estimate_bytes"]
    assert abs(estimate - linked) <= 0.03 * linked, (estimate, linked)
    # names: each model's objects define only symbols with its prefix; the kernels are compiled once
    objects = project / "build" / "obj" / "src"
    for name in ("kws", "person"):
        for obj in (objects / f"{name}.o", objects / f"{name}_data.o"):
            defined, _ = _symbols(obj)
            assert defined and all(s.startswith(f"{name}_") for s in defined), (obj.name, defined)
    kernel_objects = sorted((objects / "kernels").glob("*.o"))
    assert kernel_objects and len({o.name for o in kernel_objects}) == len(kernel_objects)
    models_defined, _ = _symbols(objects / "models.o")
    assert models_defined == {"models_arena"}
    for name in ("kws", "person"):
        assert "models_arena" in _symbols(objects / f"{name}.o")[1]
    header = (project / "src" / "kws.h").read_text()
    assert "int kws_invoke(void);" in header and "#define KWS_INPUT0_SCALE" in header
    assert not re.search(r"\bmodel_invoke\b|\bMODEL_INPUT0", header)


def test_concurrent_models_get_separate_arenas(tmp_path, cli):
    _need("arm-none-eabi-gcc", "make", "qemu-system-arm")
    a, b = tmp_path / "a.tflite", tmp_path / "b.tflite"
    a.write_bytes(two_layer_with_reshape())
    b.write_bytes(fc_model(batch_shape=(2,), in_depth=37, units=9, activation="RELU6", out_scale=0.04, seed=21))
    a_sample_path, a_sample = _sample(a, tmp_path, "sa", 3)
    b_sample_path, b_sample = _sample(b, tmp_path, "sb", 4)
    project = tmp_path / "fw"
    result = cli("generate", a, b, "--runtime", "compiled", "--board", "mps2-an386", "--out", project,
                 "--concurrent", "--sample", a_sample_path, "--sample", b_sample_path)
    assert result.exit_code == 0, result
    facts = json.loads((project / "project.json").read_text())
    assert facts["concurrent"] and not (project / "src" / "models.c").exists()
    lines = _build_and_run(project)
    assert _expected_line("a", a, a_sample) in lines and _expected_line("b", b, b_sample) in lines
    table = subprocess.run(["arm-none-eabi-nm", "-S", str(project / "build" / "firmware.elf")], capture_output=True,
                           text=True, check=True).stdout
    spans = {}
    for line in table.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[3] in ("a_arena", "b_arena"):
            spans[parts[3]] = (int(parts[0], 16), int(parts[0], 16) + int(parts[1], 16))
    assert set(spans) == {"a_arena", "b_arena"}
    (a0, a1), (b0, b1) = spans["a_arena"], spans["b_arena"]
    assert a1 <= b0 or b1 <= a0, spans


@pytest.mark.parametrize("args,message", [
    (("--runtime", "compiled", "--model", "ONE"), "share a C prefix"),
    (("--runtime", "compiled", "--model", "models=ONE"), "taken by the firmware"),
    (("--runtime", "compiled", "--sample", "S", "--sample", "S", "--sample", "S"), "3 --sample files for 2 models"),
])
def test_refusals_are_one_line_and_write_nothing(args, message, tmp_path, cli):
    one = tmp_path / "one.tflite"
    one.write_bytes(two_layer_with_reshape())
    sample_path, _ = _sample(one, tmp_path, "s", 0)
    args = [str(one) if a == "ONE" else str(sample_path) if a == "S" else a for a in args]
    out = tmp_path / "fw"
    result = cli("generate", one, "--model", f"two={one}", *args, "--board", "mps2-an386", "--out", out)
    assert message in assert_one_line_error(result)
    assert not out.exists()


def test_report_gives_the_combined_memory_and_the_same_fit_as_generate(tmp_path, cli):
    a, b = tmp_path / "a.tflite", tmp_path / "b.tflite"
    a.write_bytes(two_layer_with_reshape())
    b.write_bytes(fc_model(batch_shape=(2,), in_depth=37, units=9, activation="RELU6", out_scale=0.04, seed=21))
    for concurrent in ((), ("--concurrent",)):
        report = cli("report", a, b, "--runtime", "compiled", "--board", "mps2-an386", "--json", *concurrent)
        assert report.exit_code == 0, report
        figures = json.loads(report.stdout)
        arenas = [m["arena_bytes"] for m in figures["models"]]
        assert figures["arena_bytes"] == (sum(-(-x // 16) * 16 for x in arenas) if concurrent else max(arenas))
        assert figures["constants_bytes"] == sum(m["constants_bytes"] for m in figures["models"])
        out = tmp_path / f"fw{len(concurrent)}"
        generated = cli("generate", a, b, "--runtime", "compiled", "--board", "mps2-an386", "--out", out, "--json",
                        *concurrent)
        assert generated.exit_code == 0, generated
        assert json.loads(generated.stdout)["fit"] == figures["fit"]
        assert json.loads((out / "project.json").read_text())["arena_bytes"] == figures["arena_bytes"]
    text = cli("report", a, b, "--runtime", "compiled", "--board", "mps2-an386")
    assert text.exit_code == 0 and "firmware" in text.stdout and "verdict: FITS" in text.stdout
