"""validate --layers (issue 22): the first operator whose output differs between two runtimes, on the host.

A three-operator model (RELU -> FULLY_CONNECTED -> RELU) whose FULLY_CONNECTED biases sit just
below a rounding tie: TFLite's pip interpreter rounds once, tflite-micro twice
(tests/test_rounding_tflite_vs_tflm.py), so TFLite and TFLM part at operator 1 and the
difference carries on to operator 2; the compiled runtime equals TFLM everywhere.
"""

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_rounding_tflite_vs_tflm import INPUT_SCALE, OUTPUT_SCALE, WEIGHT_SCALE  # noqa: E402
from tflite_builder import ModelBuilder  # noqa: E402

NEAR_TIE_BIASES = [1126, 0, 3379]  # TFLite -> 0, 0, 1; TFLM -> 1, 0, 2


def three_op_model():
    b = ModelBuilder()
    x = b.tensor("x", (1, 4), "int8", scale=INPUT_SCALE, zero_point=0)
    r = b.tensor("relu_in", (1, 4), "int8", scale=INPUT_SCALE, zero_point=0)
    w = b.tensor("w", (3, 4), "int8", scale=WEIGHT_SCALE, zero_point=0, data=bytes(12))
    bias = b.tensor("b", (3,), "int32", scale=INPUT_SCALE * WEIGHT_SCALE, zero_point=0,
                    data=np.asarray(NEAR_TIE_BIASES, np.int32).tobytes())
    y = b.tensor("fc_out", (1, 3), "int8", scale=OUTPUT_SCALE, zero_point=0)
    z = b.tensor("z", (1, 3), "int8", scale=OUTPUT_SCALE, zero_point=0)
    b.op("RELU", [x], [r])
    b.op("FULLY_CONNECTED", [r, w, bias], [y], version=4, options={"type": "fully_connected"})
    b.op("RELU", [y], [z])
    return b.build(inputs=[x], outputs=[z])


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "tie.tflite"
    path.write_bytes(three_op_model())
    return path


def test_every_operator_output_becomes_a_model_output(model):
    from converter.tflite_model import load_model
    from validation.layers import with_every_tensor_as_output

    rewritten, probes = with_every_tensor_as_output(model.read_bytes())
    sg = load_model(rewritten).main_subgraph
    names = [sg.tensor(t).name for t in sg.outputs]
    assert names == ["z", "relu_in", "fc_out"]  # the model's own output first
    assert [(p.operator, p.tensor_name, p.position) for p in probes] == [(0, "relu_in", 1), (1, "fc_out", 2),
                                                                         (2, "z", 0)]
    assert len(sg.operators) == 3


def test_compiled_runtime_matches_tflm_at_every_operator(cli, model):
    result = cli("validate", model, "--layers", "--data", "random", "--count", 4, "--json")
    assert result.exit_code == 0, result
    doc = json.loads(result.stdout)
    (c,) = doc["comparisons"]
    assert c["runtime"] == "compiled" and c["identical"] and c["first_difference"] is None
    assert [row["operator"] for row in c["operators"]] == [0, 1, 2]
    assert all(row["differing_elements"] == 0 for row in c["operators"])


@pytest.mark.skipif(not any(importlib.util.find_spec(m) for m in ("ai_edge_litert", "tflite_runtime", "tensorflow")),
                    reason="no TFLite interpreter installed (ai-edge-litert, tflite-runtime or TensorFlow)")
def test_first_operator_where_tflite_and_tflm_part(cli, model):
    result = cli("validate", model, "--layers", "--layers-runtimes", "compiled,tflite", "--data", "random",
                 "--count", 3, "--json")
    assert result.exit_code == 1, result  # the runtimes differ
    doc = json.loads(result.stdout)
    by_runtime = {c["runtime"]: c for c in doc["comparisons"]}
    assert by_runtime["compiled"]["identical"]
    t = by_runtime["tflite"]
    first = t["first_difference"]
    assert (first["operator"], first["name"], first["tensor_name"]) == (1, "FULLY_CONNECTED", "fc_out")
    assert first["differing_elements"] == 2 * 3 and first["inputs_differing"] == 3  # biases 0 and 2, every input
    assert first["max_abs_diff"] == 1 and first["max_abs_diff_real"] == pytest.approx(OUTPUT_SCALE)
    assert (first["example"]["value"], first["example"]["reference_value"]) in ((0, 1), (1, 2))
    rows = {row["operator"]: row for row in t["operators"]}
    assert rows[0]["differing_elements"] == 0 and rows[2]["differing_elements"] == 6  # carried on by RELU

    html = model.parent / "layers.html"
    result = cli("validate", model, "--layers", "--layers-runtimes", "tflite", "--data", "random", "--count", 3,
                 "--html", html)
    assert "FIRST DIFFERENCE: operator 1 FULLY_CONNECTED" in result.stdout and "<- first" in result.stdout
    page = html.read_text()
    assert "first difference: operator 1 FULLY_CONNECTED" in page and "fc_out" in page


def test_layers_refuses_unknown_runtimes_and_needs_no_board(cli, model):
    from conftest import assert_one_line_error

    line = assert_one_line_error(cli("validate", model, "--layers", "--layers-runtimes", "gpu"), 2)
    assert "compiled and/or tflite" in line
    line = assert_one_line_error(cli("validate", model), 2)
    assert "--board" in line


def test_device_layers_name_the_first_operator_the_firmware_gets_wrong(cli, model, tmp_path):
    """--layers --board: the firmware of the model whose operator outputs are model outputs, against
    tflite-micro.  A fake device on a pseudo-terminal (no QEMU) answers with tflite-micro's tensors but one
    step off in operator 1's output (as a broken kernel would): operator 1 is named, operators 0 and 2 agree."""
    import os
    import threading
    import tty

    from codegen.boards import get_board
    from codegen.generate import generate_project
    from converter.tflite_model import load_model
    from test_validate_cli import PORT_BOARD
    from tflite_micro.python.tflite_micro import runtime
    from validation import protocol as p
    from validation.fake_device import FakeDevice
    from validation.firmware import install_main
    from validation.layers import with_every_tensor_as_output
    from validation.protocol import MAX_TENSORS

    rewritten, probes = with_every_tensor_as_output(model.read_bytes(), 0, MAX_TENSORS)
    layers_model = tmp_path / "tie_layers.tflite"
    layers_model.write_bytes(rewritten)
    project = tmp_path / "fw"
    generate_project(layers_model, PORT_BOARD, project, kernels="reference", runtime="compiled")
    install_main(project, load_model(rewritten), get_board(PORT_BOARD), "compiled", False, rewritten,
                 layers_model.name)

    interpreter = runtime.Interpreter.from_bytes(rewritten, arena_size=1 << 20)
    fc_position = next(pr.position for pr in probes if pr.operator == 1)

    def compute(data):
        interpreter.set_input(np.frombuffer(data, np.int8).reshape(1, 4), 0)
        interpreter.invoke()
        outs = [bytearray(np.asarray(interpreter.get_output(i)).tobytes()) for i in range(3)]
        outs[fc_position][1] = (outs[fc_position][1] + 1) % 256  # operator 1's element 1, one step off
        return b"".join(bytes(o) for o in outs)

    master, slave = os.openpty()
    tty.setraw(slave)
    hello = p.Hello(p.PROTOCOL_VERSION, "compiled", "systick", False, 25_000_000, 4, 10, 3, 2, 256,
                    p.model_hash(rewritten), input_sizes=(4,), output_sizes=(3, 4, 3))
    device = FakeDevice(master, hello, compute, cycles=100)
    timer = threading.Timer(0.3, device.start)
    timer.start()
    try:
        result = cli("validate", model, "--board", PORT_BOARD, "--port", os.ttyname(slave), "--project", project,
                     "--timeout", "2", "--layers", "--data", "random", "--count", 3, "--json")
    finally:
        timer.join()
        device.join()
        os.close(master)
        os.close(slave)
    assert result.exit_code == 1, result
    (c,) = json.loads(result.stdout)["comparisons"]
    assert c["runtime"] == "device" and "compiled firmware on rpi-pico" in c["description"]
    first = c["first_difference"]
    assert (first["operator"], first["tensor_name"], first["differing_elements"]) == (1, "fc_out", 3)
    assert first["max_abs_diff"] == 1 and first["example"]["element"] == 1
    assert [row["differing_elements"] for row in c["operators"]] == [0, 3, 0]
