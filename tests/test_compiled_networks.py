"""The networks this tool builds (AttendNet-A/B, MobileNet-V1) through the compiled runtime == tflite-micro.

Each is built at 32x32x3, width 0.25, converted to full int8 with the project's converter (random
calibration images); activation scales the untrained networks leave near zero are raised
(converter.tflm.arena_measure.with_measurable_scales, as tests/test_arena_networks.py does) so TFLM
runs them and the outputs vary. Then: 100 random inputs on the host, byte for byte; AttendNet-B
in QEMU on the Cortex-M4 (DSP and plain C) and the Cortex-M55, printing the interpreter's output.

Needs TensorFlow to build the networks (skipped without it).
"""

import numpy as np
import pytest

from codegen.boards import load_boards
from tests.test_compiled_firmware import _make, _need, _qemu

NETWORKS = {"attendnet_a": 0.25, "attendnet_b": 0.25, "mobilenet_v1": 0.25}


@pytest.fixture(scope="module")
def networks(tmp_path_factory):
    pytest.importorskip("tensorflow", reason="TensorFlow builds the networks (pip install 'attendnets[train]')")
    from attendnets_tf.models import build_model
    from converter.conversion.convert import convert_keras_model
    from converter.tflm.arena_measure import with_measurable_scales

    root = tmp_path_factory.mktemp("networks")
    rng = np.random.default_rng(0)
    calibration = rng.random((4, 32, 32, 3), dtype=np.float32)
    out = {}
    for arch, width in NETWORKS.items():
        model = build_model(arch, input_shape=(32, 32, 3), num_classes=10, width=width)
        path = root / f"{arch}.tflite"
        path.write_bytes(with_measurable_scales(convert_keras_model(model, calibration)))
        out[arch] = path
    return out


@pytest.mark.parametrize("arch", sorted(NETWORKS))
def test_network_on_host_matches_tflm(networks, arch):
    from codegen.compiled.host import assert_matches_tflm, random_samples, run_on_host_batch

    assert assert_matches_tflm(networks[arch], count=100, seed=3) == 100
    outs = run_on_host_batch(networks[arch], random_samples(networks[arch], 10, seed=4))
    assert len({o[0].tobytes() for o in outs}) > 1  # the outputs depend on the input


@pytest.mark.parametrize("board_name,dsp", [("mps2-an386", 1), ("mps2-an386", 0), ("mps3-an547", 1)])
def test_attendnet_b_in_qemu(networks, board_name, dsp, tmp_path, cli):
    _need("arm-none-eabi-gcc", "make", "qemu-system-arm")
    from codegen.compiled.host import run_tflm

    path = networks["attendnet_b"]
    sample = np.random.default_rng(9).integers(-128, 128, size=(1, 32, 32, 3)).astype(np.int8)
    np.save(tmp_path / "sample.npy", sample)
    project = tmp_path / "fw"
    result = cli("generate", path, "--board", board_name, "--out", project, "--runtime", "compiled",
                 "--sample", tmp_path / "sample.npy")
    assert result.exit_code == 0, result
    _make(project, f"DSP={dsp}")
    lines = _qemu(load_boards()[board_name], project / "build/model.elf")
    expected = run_tflm(path, [sample])[0].reshape(-1)
    assert f"output: {' '.join(str(int(v)) for v in expected)}" in lines
