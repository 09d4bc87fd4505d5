"""The SOFTMAX input-scale rule of `check` agrees with what TFLM does."""

import subprocess
import sys

import pytest

from converter.tflm.check import check_model
from converter.tflite_model import load_model
from tflite_builder import ModelBuilder


def softmax_model(input_scale, beta=1.0):
    b = ModelBuilder()
    x = b.tensor("x", (1, 10), "int8", scale=input_scale, zero_point=0)
    y = b.tensor("y", (1, 10), "int8", scale=1 / 256, zero_point=-128)
    b.op("SOFTMAX", [x], [y], version=2, options={"type": "softmax", "beta": beta})
    return b.build(inputs=[x], outputs=[y])


RUN_IN_TFLM = (
    "import sys; from tflite_micro.python.tflite_micro import runtime; "
    "i = runtime.Interpreter.from_bytes(open(sys.argv[1], 'rb').read(), arena_size=16384); "
    "import numpy as np; i.set_input(np.zeros((1, 10), np.int8), 0); i.invoke(); print('ran')"
)


@pytest.mark.parametrize("scale, runs", [(1e-3, True), (2e-8, True), (1e-8, False), (7.9e-9, False)])
def test_softmax_scale_rule_matches_tflm(tmp_path, scale, runs):
    data = softmax_model(scale)
    findings = [f for f in check_model(load_model(data)).errors if f.kind == "softmax_input_scale"]
    assert (not findings) == runs
    path = tmp_path / "softmax.tflite"
    path.write_bytes(data)
    proc = subprocess.run([sys.executable, "-c", RUN_IN_TFLM, str(path)], capture_output=True, text=True,
                          timeout=60)
    assert (proc.returncode == 0 and "ran" in proc.stdout) == runs, proc.stderr[-500:]
