"""scripts/demo.py end to end on tiny settings (1 epoch, width 0.25, 16x16): every step through the CLI."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_demo_pipeline_tiny(tmp_path):
    out = tmp_path / "demo"
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "demo.py"), "--out", str(out), "--epochs", "1",
         "--qat-epochs", "1", "--width", "0.25", "--input-size", "16"],
        capture_output=True, text=True, timeout=1500,  # ~15 min on a loaded 2-core machine
        env={k: v for k, v in os.environ.items() if k != "TFLM_DIR"},
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    for name in ("train", "profile", "quantize", "convert", "evaluate", "report", "generate"):
        assert f"==> {name}: " in proc.stdout, name
    for path in ("run/model.keras", "run/qat.keras", "run/labels.txt", "model.tflite", "model.json",
                 "model.labels.txt", "summary.txt", "report.html", "sample_digit.npy", "firmware/Makefile",
                 "firmware/src/model_data.cc"):
        assert (out / path).is_file(), path
    summary = (out / "summary.txt").read_text()
    assert "int8, TFLite Micro interpreter" in summary and "float (Keras)" in summary
    assert "mps2-an386: FITS" in summary and "TFLM_DIR is not set" in proc.stdout
    assert "MACs per image" in summary and f"{(out / 'model.tflite').stat().st_size:,} bytes" in summary
    if all(shutil.which(p) for p in ("make", "arm-none-eabi-gcc", "qemu-system-arm")):
        # the compiled runtime's firmware ran in QEMU and printed the interpreter's class
        for name in ("generate compiled", "build compiled", "size compiled", "run compiled in QEMU"):
            assert f"==> {name}: " in proc.stdout, name
        match = re.search(r"firmware class (\d+), TFLM interpreter class (\d+) \(raw outputs (\w+)\)", summary)
        assert match and match.group(1) == match.group(2) and match.group(3) == "identical", summary
        assert re.search(r"[\d,]+ instructions \(QEMU\)", summary) and "per inference" in summary
        if shutil.which("cc"):  # the timing model's figure beside it (docs/timing.md)
            assert re.search(r"[\d,]+ cycles \(Cortex-M4 timing model, 0 wait states\) per inference", summary)
        # ... and `attendnets validate` streamed digits through it: every output bit-exact
        assert "==> validate in QEMU: " in proc.stdout
        match = re.search(r"(\d+)/(\d+) outputs bit-exact with tflite-micro; device accuracy ([\d.]+) % = host int8 "
                          r"([\d.]+) %", summary)
        assert match and match.group(1) == match.group(2) == "30" and match.group(3) == match.group(4), summary
        assert (out / "validate.html").is_file()
