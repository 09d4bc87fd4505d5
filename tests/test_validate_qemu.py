"""`attendnets validate --qemu` with the compiled runtime on mps2-an386 (Cortex-M4), end to end:
generate the validation build, compile it, run it in qemu-system-arm, stream inputs over the
emulated UART, compare every output with tflite-micro.

* 200 digits through a small CNN digit classifier built here without TensorFlow (CONV_2D,
  AVERAGE_POOL_2D, FULLY_CONNECTED, SOFTMAX; its classifier weights are the class means of
  its features fitted by least squares, so the accuracy means something): 100 % bit-exact, device accuracy equal to the
  host int8 accuracy, per-operator counts adding up to the total within the stated overhead;
* random inputs through a keyword spotter and a person detector (the corpus's, plus the shared ones present);
* the TFLM runtime: skipped with the reason unless TFLM_DIR names a TFLM tree.

Skips with a printed reason without arm-none-eabi-gcc, make or qemu-system-arm.
"""

import json
import os
import shutil

import numpy as np
import pytest

from tests.conftest import model_path, need_programs, shared_present
from tests.tflite_builder import ModelBuilder

BOARD = "mps2-an386"


def _need():
    need_programs("arm-none-eabi-gcc", "make", "qemu-system-arm")


def _conv3x3_same(images, weights):
    """(N, 8, 8) float images, (F, 3, 3) weights -> (N, 8, 8, F)."""
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1)))
    out = np.zeros(images.shape + (len(weights),), np.float64)
    for dy in range(3):
        for dx in range(3):
            out += padded[:, dy:dy + 8, dx:dx + 8, None] * weights[None, None, None, :, dy, dx]
    return out


def digits_cnn() -> bytes:
    """8x8x1 int8 -> CONV_2D 3x3x8 (SAME, ReLU) -> AVERAGE_POOL_2D 2x2 -> FULLY_CONNECTED 10 -> SOFTMAX."""
    from sklearn.datasets import load_digits

    rng = np.random.default_rng(3)
    digits = load_digits()
    images, labels = digits.images / 16.0, digits.target
    in_scale, in_zp = 1 / 255, -128
    w_conv_q = rng.integers(-127, 128, (8, 3, 3, 1)).astype(np.int8)
    w_conv_scales = rng.uniform(0.004, 0.008, 8)
    w_conv = w_conv_q[..., 0] * w_conv_scales[:, None, None]
    features = np.maximum(_conv3x3_same(images, w_conv), 0)
    conv_scale = features.max() / 255
    pooled = features.reshape(-1, 4, 2, 4, 2, 8).mean(axis=(2, 4)).reshape(len(images), -1)
    centred = pooled - pooled.mean(0)
    onehot = np.eye(10)[labels] - 0.1
    templates = np.linalg.solve(centred.T @ centred + 1e-2 * np.eye(128), centred.T @ onehot).T  
    fc_scale = np.abs(templates).max() / 127
    w_fc_q = np.round(templates / fc_scale).astype(np.int8)
    logits = pooled @ (w_fc_q * fc_scale).T
    fc_out_scale = np.abs(logits).max() / 127

    b = ModelBuilder()
    x = b.tensor("x", (1, 8, 8, 1), "int8", scale=in_scale, zero_point=in_zp)
    wc = b.tensor("conv_w", (8, 3, 3, 1), "int8", scale=list(w_conv_scales), zero_point=[0] * 8,
                  quantized_dimension=0, data=w_conv_q.tobytes())
    bc = b.tensor("conv_b", (8,), "int32", scale=list(w_conv_scales * in_scale), zero_point=[0] * 8,
                  data=rng.integers(-2000, 2000, 8).astype(np.int32).tobytes())
    c = b.tensor("conv", (1, 8, 8, 8), "int8", scale=conv_scale, zero_point=-128)
    p = b.tensor("pool", (1, 4, 4, 8), "int8", scale=conv_scale, zero_point=-128)
    wf = b.tensor("fc_w", (10, 128), "int8", scale=fc_scale, zero_point=0, data=w_fc_q.tobytes())
    f = b.tensor("logits", (1, 10), "int8", scale=fc_out_scale, zero_point=0)
    y = b.tensor("probs", (1, 10), "int8", scale=1 / 256, zero_point=-128)
    b.op("CONV_2D", [x, wc, bc], [c], version=3, options={"type": "conv2d", "padding": "SAME", "activation": "RELU"})
    b.op("AVERAGE_POOL_2D", [c], [p], version=2, options={"type": "pool2d", "filter": 2, "stride": 2})
    b.op("FULLY_CONNECTED", [p, wf, -1], [f], version=4, options={"type": "fully_connected"})
    b.op("SOFTMAX", [f], [y], version=2, options={"type": "softmax"})
    return b.build(inputs=[x], outputs=[y])


def validate(cli, model, tmp_path, monkeypatch, *args):
    monkeypatch.chdir(tmp_path)
    result = cli("validate", model, "--board", BOARD, "--qemu", "--json", *args)
    assert result.exit_code == 0, result
    return json.loads(result.stdout)


def check_profile(summary, op_count):
    p = summary["profile"]
    assert len(p["operators"]) == op_count
    assert p["within_overhead"], p
    assert 0 <= p["total_median"] - p["sum"] <= p["overhead_bound"]
    assert all(o["instructions"] > 0 for o in p["operators"] if o["name"] != "RESHAPE")


def test_digits_cnn_compiled_runtime(cli, tmp_path, monkeypatch):
    _need()
    model = tmp_path / "digits_cnn.tflite"
    model.write_bytes(digits_cnn())
    html = tmp_path / "report.html"
    s = validate(cli, model, tmp_path, monkeypatch, "--runtime", "compiled", "--data", "digits", "--count", "200",
                 "--html", html)
    assert s["inputs"] == 200 and not s["interrupted"]
    assert s["bit_exact"]["matching"] == 200 and s["bit_exact"]["max_abs_diff"] == 0
    acc = s["accuracy"]
    assert acc["images"] == 200 and acc["device_int8"] == acc["host_int8"] > 0.6
    assert s["latency"]["unit"] == "instructions" and "QEMU" in s["latency"]["note"]
    assert s["firmware"]["runtime"] == "compiled"
    check_profile(s, 4)
    conv = s["profile"]["operators"][0]
    assert conv["name"] == "CONV_2D" and conv["macs"] == 8 * 8 * 8 * 9
    # the Cortex-M4 timing model rode on the QEMU run (docs/timing.md): per inference and per operator
    if shutil.which("cc"):
        m = s["modelled"]
        assert m["cycles_label"] == "cycles (Cortex-M4 timing model, 0 wait states)"
        assert m["instructions"]["median"] < m["cycles"]["median"] < 3 * m["instructions"]["median"]
        # the plugin's instructions agree with the firmware's SysTick figure (resolution 40 instructions)
        assert abs(m["instructions"]["median"] - s["latency"]["median"]) <= 80
        ops = s["profile"]["operators"]
        assert all(o["model_cycles"] >= o["model_instructions"] > 0 for o in ops)
        assert sum(o["model_cycles"] for o in ops) < m["cycles"]["median"]
        assert "cycles (Cortex-M4 model)" in html.read_text()
    assert "<svg" in html.read_text()


# A keyword spotter and a person detector: the corpus's, and the shared ones when present.
VALIDATED = {"dscnn_kws_int8": 50, "mobilenet_v1_025_person_int8": 10, "micro_speech_quantized.tflite": 50,
             "person_detect.tflite": 10}


@pytest.mark.parametrize("name", ["dscnn_kws_int8", "mobilenet_v1_025_person_int8",
                                  *shared_present("micro_speech_quantized.tflite", "person_detect.tflite")])
def test_suite_models_compiled_runtime(cli, tmp_path, monkeypatch, name):
    _need()
    model, count = model_path(name), VALIDATED[name]
    s = validate(cli, model, tmp_path, monkeypatch, "--runtime", "compiled", "--data", "random", "--count",
                 str(count))
    assert s["inputs"] == count and s["bit_exact"]["all"], s["bit_exact"]
    from converter.tflite_model import load_model

    check_profile(s, len(load_model(model).main_subgraph.operators))


@pytest.mark.skipif(not os.environ.get("TFLM_DIR"), reason="TFLM_DIR not set: the TFLM runtime's validation "
                                                           "firmware needs a TFLM tree (see docs/firmware.md)")
def test_digits_cnn_tflm_runtime(cli, tmp_path, monkeypatch):
    _need()
    model = tmp_path / "digits_cnn.tflite"
    model.write_bytes(digits_cnn())
    s = validate(cli, model, tmp_path, monkeypatch, "--runtime", "tflm", "--data", "digits", "--count", "50")
    assert s["bit_exact"]["all"] and s["accuracy"]["device_int8"] == s["accuracy"]["host_int8"]
    check_profile(s, 4)
