"""The networks this tool builds (AttendNet-A/B, MobileNet-V1) through the compiled runtime == tflite-micro.

AttendNet-B (32x32x1, width 0.5) and MobileNet-V1 0.25 (96x96x1) come from the suite's corpus
(tests/corpus.py; on the host they are covered by tests/test_compiled_corpus.py); AttendNet-A is built
here at 32x32x3, width 0.25, converted by the project's converter (random calibration; activation
scales the untrained network leaves near zero raised by with_measurable_scales so TFLM runs it and
the outputs vary) and compared on 100 random host inputs. AttendNet-B and MobileNet-V1 then run in
QEMU: AttendNet-B on the Cortex-M4 (DSP and plain C) and the Cortex-M55, MobileNet on the M7, each
printing the interpreter's output for its input.

Needs TensorFlow to build the networks (skipped without it).
"""

import numpy as np
import pytest

from codegen.boards import load_boards
from tests.conftest import corpus_model_path
from tests.test_compiled_firmware import _make, _need, _qemu


def _need_tensorflow():
    pytest.importorskip("tensorflow", reason="TensorFlow builds the networks (pip install 'attendnets[train]')")


@pytest.fixture(scope="module")
def attendnet_a(tmp_path_factory):
    _need_tensorflow()
    from attendnets_tf.models import build_model
    from converter.conversion.convert import convert_keras_model
    from converter.tflm.arena_measure import with_measurable_scales

    calibration = np.random.default_rng(0).random((4, 32, 32, 3), dtype=np.float32)
    model = build_model("attendnet_a", input_shape=(32, 32, 3), num_classes=10, width=0.25)
    path = tmp_path_factory.mktemp("networks") / "attendnet_a.tflite"
    path.write_bytes(with_measurable_scales(convert_keras_model(model, calibration)))
    return path


def test_attendnet_a_on_host_matches_tflm(attendnet_a):
    from codegen.compiled.host import assert_matches_tflm, random_samples, run_on_host_batch

    assert assert_matches_tflm(attendnet_a, count=100, seed=3) == 100
    outs = run_on_host_batch(attendnet_a, random_samples(attendnet_a, 10, seed=4))
    assert len({o[0].tobytes() for o in outs}) > 1  # the outputs depend on the input


QEMU_CASES = [("attendnet_b_int8", "mps2-an386", 1), ("attendnet_b_int8", "mps2-an386", 0),
              ("attendnet_b_int8", "mps3-an547", 1), ("mobilenet_v1_025_person_int8", "mps2-an500", 1)]


@pytest.mark.parametrize("name,board_name,dsp", QEMU_CASES,
                         ids=[f"{n}-{b}-{'dsp' if d else 'plain'}" for n, b, d in QEMU_CASES])
def test_network_in_qemu(name, board_name, dsp, tmp_path, cli):
    _need("arm-none-eabi-gcc", "make", "qemu-system-arm")
    _need_tensorflow()
    from codegen.compiled.host import run_tflm
    from converter.tflite_model import load_model

    path = corpus_model_path(name)
    sg = load_model(path).main_subgraph
    shape = sg.tensor(sg.inputs[0]).shape
    sample = np.random.default_rng(9).integers(-128, 128, size=shape).astype(np.int8)
    np.save(tmp_path / "sample.npy", sample)
    project = tmp_path / "fw"
    result = cli("generate", path, "--board", board_name, "--out", project, "--runtime", "compiled",
                 "--sample", tmp_path / "sample.npy")
    assert result.exit_code == 0, result
    _make(project, f"DSP={dsp}")
    lines = _qemu(load_boards()[board_name], project / "build/model.elf")
    expected = run_tflm(path, [sample])[0].reshape(-1)
    assert f"output: {' '.join(str(int(v)) for v in expected)}" in lines
