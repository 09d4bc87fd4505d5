"""bench/speed.py's machinery on one tiny model, so the speed table's script cannot rot.

One CONV_2D (tests/test_compiled_conv.py's odd_same_relu case, built with tflite_builder: no
TensorFlow, no ../shared) goes through what the bench does for each MLPerf model: MACs, the compiled
runtime built with DSP kernels and plain C, each run in QEMU (mps2-an386) with the Cortex-M4 timing
model, the DSP build again with flash wait states, every output against tflite-micro's; then the
table. Four QEMU runs, a few seconds.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
import test_compiled_conv  # noqa: E402

pytestmark = pytest.mark.skipif(not (shutil.which("arm-none-eabi-gcc") and shutil.which("qemu-system-arm")
                                     and shutil.which("cc")),
                                reason="needs arm-none-eabi-gcc, qemu-system-arm and a host cc (timing plugin)")


def _speed():
    spec = importlib.util.spec_from_file_location("bench_speed", REPO / "bench" / "speed.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_speed"] = module  # dataclasses look the module up by name
    spec.loader.exec_module(module)
    return module


def test_speed_bench_measures_a_tiny_model(tmp_path):
    speed = _speed()
    case = test_compiled_conv.CONV_CASES["odd_same_relu"]  # 1x7x9x3 -> 1x7x9x5, 3x3, SAME
    path = tmp_path / "tiny_conv.tflite"
    path.write_bytes(test_compiled_conv.conv_model(**case))
    subject = speed.Subject("tiny", f"file:{path}", "one 3x3 CONV_2D")
    row = speed.measure(subject, speed.model_path(subject, tmp_path), tmp_path, wait_states=2)

    assert row["macs"] == 7 * 9 * 5 * 3 * 3 * 3
    dsp, plain, slow = row["dsp"], row["plain"], row["dsp_ws"]
    for run in (dsp, plain, slow):
        assert "error" not in run, run
        assert run["match"] is True  # the firmware printed tflite-micro's output
        assert run["instructions"] > 0 and run["cycles"] >= run["instructions"]
    # the same DSP ELF: the same instructions; wait states only add cycles (loads of the weights from flash)
    assert slow["instructions"] == dsp["instructions"] and slow["cycles"] > dsp["cycles"]
    assert plain["instructions"] != dsp["instructions"]  # two builds, two kernel paths
    assert dsp["arena"] > 0 and dsp["flash_code"] > 0 and dsp["flash_constants"] > 0
    assert row["tflm"] is None  # no TFLM tree given

    text = speed.markdown([row], "python bench/speed.py", {}, tflm_given=False, wait_states=2)
    line = next(l for l in text.splitlines() if l.startswith("| tiny | "))
    assert f"| {dsp['instructions']:,} | {dsp['cycles']:,} | {dsp['cycles'] / row['macs']:.2f} |" in line
    assert "n/a (no TFLM tree)" in line and line.endswith("| yes |")
    # a run whose output differed from tflite-micro's is reported, never hidden
    row["plain"] = {**plain, "match": False}
    text = speed.markdown([row], "python bench/speed.py", {}, tflm_given=False, wait_states=2)
    assert next(l for l in text.splitlines() if l.startswith("| tiny | ")).endswith("| NO |")


def test_published_figures_are_cycles_at_120_mhz():
    speed = _speed()
    # ms x 120,000 (NUCLEO-L4R5ZI at 120 MHz); X-CUBE-AI's VWW 88.9 ms
    assert speed.published_cycles("VWW")["X-CUBE-AI 9.0 (v1.2)"] == 10_668_000
    assert speed.published_cycles("AttendNet-B demo") == {}
    assert {s.label for s in speed.SUBJECTS} >= set(speed.PUBLISHED_MS)


def test_unknown_label_is_one_line_error(tmp_path, capsys):
    assert _speed().main(["--only", "NOPE", "--out", str(tmp_path / "x.md")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown label" in err and not (tmp_path / "x.md").exists()
