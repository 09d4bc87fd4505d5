"""Whole generated projects stay byte-identical: `attendnets generate` for small deterministic models
(built with tests/tflite_builder.py, no TensorFlow, no ../shared) on both runtimes and two boards,
every file compared against tests/golden/projects/<case>/.

What the golden copy holds, per generated file (the list is tests/golden/projects/<case>/FILES):
- a rendered file (the model's C, main, Makefile, linker script, README, project.json...): its text,
  with the version string replaced by VERSION;
- a file copied verbatim from firmware_template/ (kernel library sources, tools, cmake files): the
  template file it must equal, so the golden tree stays small and a kernel edit is not a golden diff;
- the model copy (model/<name>.tflite): its SHA-256;
- .attendnets-project: checked against the project itself (every file listed with its SHA-256, nothing
  else) and stored without the hashes (they follow the version string).

A change meant to change a generated project regenerates the copies with ATTENDNETS_UPDATE_GOLDEN=1 and
the diff is reviewed.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import pytest

from attendnets_base import __version__
from firmware_template import TEMPLATE_DIR

sys.path.insert(0, str(Path(__file__).parent))
import test_compiled_conv  # noqa: E402
from tflite_builder import int8_fc_model  # noqa: E402

GOLDEN_DIR = Path(__file__).parent / "golden" / "projects"
UPDATE_GOLDEN = os.environ.get("ATTENDNETS_UPDATE_GOLDEN") == "1"
MARKER = ".attendnets-project"

MODELS = {
    "fc": lambda: int8_fc_model(),
    "conv": lambda: test_compiled_conv.conv_model(**test_compiled_conv.CONV_CASES["grouped"]),
}
# (case, model, board, runtime): both runtimes on the M4 board; the M0+ (no DSP, its own startup,
# linker script and flash layout) for the other model.
CASES = [
    ("conv_mps2-an386_tflm", "conv", "mps2-an386", "tflm"),
    ("conv_mps2-an386_compiled", "conv", "mps2-an386", "compiled"),
    ("fc_rpi-pico_tflm", "fc", "rpi-pico", "tflm"),
    ("fc_rpi-pico_compiled", "fc", "rpi-pico", "compiled"),
]


def _verbatim_templates():
    """SHA-256 -> template path (relative to firmware_template/) of every file copied as it is."""
    found = {}
    for path in sorted(TEMPLATE_DIR.rglob("*")):
        if path.is_file() and path.suffix != ".j2" and "__pycache__" not in path.parts:
            found.setdefault(hashlib.sha256(path.read_bytes()).hexdigest(), path.relative_to(TEMPLATE_DIR).as_posix())
    return found


def _normalised(text: str) -> str:
    return text.replace(f"attendnets {__version__}", "attendnets VERSION")


def golden_entries(project: Path, verbatim: dict) -> tuple[dict[str, str], dict[str, str]]:
    """(manifest: generated path -> how it is compared, texts: golden file name -> its content)."""
    manifest, texts = {}, {}
    marker = json.loads((project / MARKER).read_text())
    files = sorted(p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file())
    listed = {rel for rel in files if rel != MARKER}
    assert set(marker["files"]) == listed, "the marker lists other files than the project has"
    for rel in listed:
        digest = hashlib.sha256((project / rel).read_bytes()).hexdigest()
        assert marker["files"][rel] == digest, f"{MARKER} holds a wrong hash for {rel}"
    marker["files"] = sorted(marker["files"])
    marker["generator"] = _normalised(marker["generator"])
    for rel in files:
        data = (project / rel).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if rel == MARKER:
            manifest[rel] = "text"
            texts[rel] = json.dumps(marker, indent=1) + "\n"
        elif rel.endswith(".tflite"):
            manifest[rel] = f"sha256 {digest}"
        elif digest in verbatim:
            manifest[rel] = f"template {verbatim[digest]}"
        else:
            manifest[rel] = "text"
            texts[rel] = _normalised(data.decode())
    return manifest, texts


@pytest.mark.parametrize("case,model,board,runtime", CASES, ids=[c[0] for c in CASES])
def test_generated_project_matches_golden_copy(case, model, board, runtime, cli, tmp_path):
    model_path = tmp_path / f"{model}.tflite"
    model_path.write_bytes(MODELS[model]())
    out = tmp_path / "fw"
    result = cli("generate", model_path, "--board", board, "--runtime", runtime, "--out", out)
    assert result.exit_code == 0, result.output
    manifest, texts = golden_entries(out, _verbatim_templates())
    listing = "".join(f"{rel}: {how}\n" for rel, how in sorted(manifest.items()))
    golden = GOLDEN_DIR / case
    if UPDATE_GOLDEN:
        if golden.exists():
            for old in sorted(golden.rglob("*"), reverse=True):
                old.unlink() if old.is_file() else old.rmdir()
        golden.mkdir(parents=True, exist_ok=True)
        (golden / "FILES").write_text(listing)
        for rel, text in texts.items():
            (golden / rel).parent.mkdir(parents=True, exist_ok=True)
            (golden / rel).write_text(text)
    assert (golden / "FILES").is_file(), f"missing golden copy {golden} (run with ATTENDNETS_UPDATE_GOLDEN=1)"
    assert listing == (golden / "FILES").read_text(), f"{case}: the generated files differ from {golden}/FILES"
    for rel, text in texts.items():
        assert text == (golden / rel).read_text(), f"{case}: {rel} differs from {golden / rel}"


def test_the_golden_comparison_sees_a_changed_byte(cli, tmp_path):
    # It must be able to fail: a marker that lies about a file or misses one is refused, and one
    # changed byte in a rendered file makes its golden text differ.
    model_path = tmp_path / "conv.tflite"
    model_path.write_bytes(MODELS["conv"]())
    out = tmp_path / "fw"
    assert cli("generate", model_path, "--board", "mps2-an386", "--runtime", "compiled", "--out", out).exit_code == 0
    verbatim = _verbatim_templates()
    manifest, texts = golden_entries(out, verbatim)
    assert manifest["src/kernels/an_common.h"] == "template compiled/kernels/an_common.h"
    assert manifest["src/model.c"] == "text" and "attendnets VERSION" in texts["src/model.c"]
    golden = GOLDEN_DIR / "conv_mps2-an386_compiled"
    assert texts["src/model.c"] == (golden / "src/model.c").read_text()
    model_c = out / "src/model.c"
    model_c.write_text(model_c.read_text().replace("model_invoke", "model_invokf", 1))
    with pytest.raises(AssertionError, match="wrong hash for src/model.c"):
        golden_entries(out, verbatim)
    marker = json.loads((out / MARKER).read_text())
    marker["files"]["src/model.c"] = hashlib.sha256(model_c.read_bytes()).hexdigest()
    (out / MARKER).write_text(json.dumps(marker))
    _, texts = golden_entries(out, verbatim)
    assert texts["src/model.c"] != (golden / "src/model.c").read_text()
    (out / "extra.c").write_text("int x;\n")
    with pytest.raises(AssertionError, match="other files"):
        golden_entries(out, verbatim)
