"""bench/cores_qemu.py's machinery on one tiny model per core, so the every-model-every-core table cannot rot.

One 3x3 CONV_2D (tests/test_compiled_conv.py's odd_same_relu case, tflite_builder: no TensorFlow, no
../shared) through what the bench does for each model: the four builds (M4 DSP, M4 plain C, M7, M55
Helium), each run in QEMU on 3 inputs (all -128, all 127, one random) against tflite-micro, then the table.  Four QEMU runs, a
few seconds.  The comparison itself is checked on made-up outputs: a differing byte is reported with its
position, a float difference with its size, a missing output as such.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
import test_compiled_conv  # noqa: E402


def _bench():
    spec = importlib.util.spec_from_file_location("bench_cores_qemu", REPO / "bench" / "cores_qemu.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_compare_reports_the_first_differing_byte():
    bench = _bench()
    ref = [np.array([[1, -2, 3]], np.int8), np.array([[4, 5, 6]], np.int8)]
    same = [r.tobytes() for r in ref]
    assert bench.compare(same, ref, np.int8) == {"match": True}
    off = [same[0], bytes([4, 5, 7])]
    result = bench.compare(off, ref, np.int8)
    assert result["match"] is False and "invocation 1: first differing byte 2" in result["detail"]
    assert "1 of 3 elements differ" in result["detail"]
    assert bench.compare(same[:1], ref, np.int8)["match"] is False  # an output missing
    floats = [np.array([1.0, 2.0], np.float32)]
    nudged = np.array([1.0, np.nextafter(np.float32(2.0), np.float32(3.0))], np.float32)
    result = bench.compare([nudged.tobytes()], floats, np.float32)
    assert result["match"] is False and "first differing byte 4" in result["detail"]
    assert "max abs difference 2.38e-07" in result["detail"]


@pytest.mark.skipif(not (shutil.which("arm-none-eabi-gcc") and shutil.which("qemu-system-arm")),
                    reason="needs arm-none-eabi-gcc and qemu-system-arm")
def test_cores_bench_runs_a_tiny_model_on_every_core(tmp_path):
    from converter.tflite_model import load_model

    bench = _bench()
    path = tmp_path / "tiny_conv.tflite"
    path.write_bytes(test_compiled_conv.conv_model(**test_compiled_conv.CONV_CASES["odd_same_relu"]))
    cores = [c for c in bench.CORES if c[0] in bench.DEFAULT_CORES]
    row = bench.bench_model(path, cores, sample_count=3, skip_slow_bytes=0, timeout_s=120)

    assert row["samples"] == 3 and not row["stateful"]
    samples = bench.input_sequence(load_model(path), 3, seed=11)
    assert samples[0][0].min() == samples[0][0].max() == -128 and samples[1][0].min() == 127
    assert set(row["cores"]) == {"m4-dsp", "m4-plain", "m7", "m55-mve"}
    for key, run in row["cores"].items():
        assert run.get("match") is True, (key, run)  # every output byte equal to tflite-micro's
        assert run["instructions"] > 0
    # three kernel paths: DSP, plain C, Helium
    assert len({row["cores"][k]["instructions"] for k in ("m4-dsp", "m4-plain", "m55-mve")}) == 3
    text = bench.markdown([row], cores, "python bench/cores_qemu.py")
    line = next(l for l in text.splitlines() if l.startswith("| tiny_conv.tflite | "))
    assert line.count("| yes, ") == 4 and "Runs: 4; bit-exact: 4; mismatches: 0." in text
