"""TFLM's TFLM_DECODE custom operator (LUT-compressed constant tensors, decode.cc / decode_state_lut.cc) in the
compiled runtime: decoded at generation time (its inputs are constants by TFLM's rule) into the constants the
next operator reads; builder models (indices of 1..7 bits packed most significant bit first, one value table per
channel) compared with the tflite-micro interpreter, which decodes at run time, on 100 random inputs each.
"""

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tflite_builder import ModelBuilder  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler (cc)")


def pack_msb_first(indices, width: int) -> bytes:
    bits = ((np.asarray(indices, dtype=np.int64)[:, None] >> np.arange(width - 1, -1, -1)) & 1).astype(np.uint8)
    return np.packbits(bits.reshape(-1)).tobytes()


def _dcm(width, stride, tables: np.ndarray, kind=0) -> bytes:
    # DCM: decode type, DCM version 1, 2 reserved, LUT version 1, params (bit width), value-table stride, reserved
    return bytes([kind, 1, 0, 0, 1, width, stride, 0] + [0] * 8) + tables.tobytes()


def decode_fc_model(width=3, channels=4, depth=10, dtype="int8", per_channel=True, kind=0, seed=0):
    """x -> FULLY_CONNECTED with weights [channels, depth] that TFLM_DECODE writes from packed indices and
    per-channel value tables (int8 per-channel or per-tensor, or float32)."""
    rng = np.random.default_rng(seed)
    stride = 1 << width
    table_count = channels if per_channel else 1
    if dtype == "int8":
        tables = rng.integers(-127, 128, (table_count, stride)).astype(np.int8)
    else:
        tables = rng.standard_normal((table_count, stride)).astype(np.float32)
    idx = rng.integers(0, stride, (channels, depth)).reshape(-1)
    b = ModelBuilder()
    packed = pack_msb_first(idx, width)
    enc = b.tensor("encoded", (len(packed),), "uint8", data=packed)
    anc_bytes = _dcm(width, stride, tables, kind)
    anc = b.tensor("ancillary", (len(anc_bytes),), "uint8", data=anc_bytes)
    if dtype == "int8":
        x = b.tensor("x", (1, depth), "int8", scale=0.05, zero_point=1)
        scales = [0.004 * (c + 1) for c in range(channels)] if per_channel else [0.006]
        w = b.tensor("w", (channels, depth), "int8", scale=scales, zero_point=[0] * len(scales))
        y = b.tensor("y", (1, channels), "int8", scale=0.15, zero_point=-3)
    else:
        x = b.tensor("x", (1, depth), "float32")
        w = b.tensor("w", (channels, depth), "float32")
        y = b.tensor("y", (1, channels), "float32")
    b.op("CUSTOM", [enc, anc], [w], custom_code="TFLM_DECODE")
    b.op("FULLY_CONNECTED", [x, w, -1], [y], version=4, options={"type": "fully_connected"})
    return b.build(inputs=[x], outputs=[y])


def decode_depthwise_model(width=4, channels=6, seed=1):
    """Depthwise weights [1, 3, 3, channels] quantized along their last dimension: TFLM's alternate axis (the
    channel of element k is k % channels)."""
    rng = np.random.default_rng(seed)
    stride = 1 << width
    tables = rng.integers(-127, 128, (channels, stride)).astype(np.int8)
    idx = rng.integers(0, stride, 9 * channels)
    b = ModelBuilder()
    packed = pack_msb_first(idx, width)
    enc = b.tensor("encoded", (len(packed),), "uint8", data=packed)
    anc_bytes = _dcm(width, stride, tables)
    anc = b.tensor("ancillary", (len(anc_bytes),), "uint8", data=anc_bytes)
    x = b.tensor("x", (1, 5, 5, channels), "int8", scale=0.05, zero_point=2)
    w = b.tensor("w", (1, 3, 3, channels), "int8", scale=[0.003 * (c + 1) for c in range(channels)],
                 zero_point=[0] * channels, quantized_dimension=3)
    bias = b.tensor("bias", (channels,), "int32", data=np.arange(channels, dtype=np.int32).tobytes())
    y = b.tensor("y", (1, 5, 5, channels), "int8", scale=0.1, zero_point=0)
    b.op("CUSTOM", [enc, anc], [w], custom_code="TFLM_DECODE")
    b.op("DEPTHWISE_CONV_2D", [x, w, bias], [y], version=2,
         options={"type": "depthwise_conv2d", "padding": "SAME", "stride_w": 1, "stride_h": 1, "dilation_h": 1, "dilation_w": 1,
                  "depth_multiplier": 1})
    return b.build(inputs=[x], outputs=[y])


@pytest.mark.parametrize("width", range(1, 8))
def test_lut_widths_match_tflm(width):
    """Indices of 1 to 7 bits (TFLM's fast int8 paths for 2, 3, 4 bits and its any-width path), per-channel
    int8 weights: 100 inputs equal tflite-micro's."""
    from codegen.compiled.host import assert_matches_tflm
    from converter.tflite_model import load_model

    assert assert_matches_tflm(load_model(decode_fc_model(width=width, depth=9 + width, seed=width)), count=100) == 100


@pytest.mark.parametrize("kwargs", [{"per_channel": False}, {"dtype": "float32", "per_channel": False, "width": 5}])
def test_lut_per_tensor_and_float_match_tflm(kwargs):
    from codegen.compiled.host import assert_matches_tflm
    from converter.tflite_model import load_model

    assert assert_matches_tflm(load_model(decode_fc_model(**kwargs)), count=100) == 100


def test_lut_along_the_last_axis_matches_tflm():
    from codegen.compiled.host import assert_matches_tflm
    from converter.tflite_model import load_model

    assert assert_matches_tflm(load_model(decode_depthwise_model()), count=100) == 100


def test_decoded_weights_are_constants_in_flash(cli, tmp_path):
    """No kernel and no arena buffer for the decoded tensor: the generated model holds it as a constant; check
    says both runtimes run the model (the decoded tensor is weights, not a per-channel activation)."""
    from codegen.compiled.lower import lower_model
    from converter.tflite_model import load_model

    program = lower_model(load_model(decode_fc_model()))
    assert [s.name for s in program.steps if s.function] == ["FULLY_CONNECTED"]
    path = tmp_path / "decode.tflite"
    path.write_bytes(decode_fc_model())
    out = cli("check", path).stdout
    assert "OK: TFLM can run this model" in out and "OK: the compiled runtime can run this model" in out


@pytest.mark.parametrize("kind,reason", [(2, "prune encoding"), (1, "Huffman encoding")])
def test_other_encodings_are_refused_in_one_line(kind, reason):
    from attendnets_base.errors import UnsupportedOperatorError
    from converter.tflite_model import load_model

    from codegen.compiled.lower import lower_model

    with pytest.raises(UnsupportedOperatorError) as info:
        lower_model(load_model(decode_fc_model(kind=kind)))
    assert "TFLM_DECODE" in str(info.value) and reason in str(info.value) and "\n" not in str(info.value)


def test_report_both_runtimes_on_a_compressed_model(cli, tmp_path):
    """report --runtime both on a model with TFLM_DECODE: TFLM's arena (the estimator models decode.cc's
    Prepare; tests/test_arena_ops.py checks it against the interpreter) beside the compiled runtime's."""
    import json

    from converter.tflm.arena import estimate_arena

    data = decode_depthwise_model()
    path = tmp_path / "decode.tflite"
    path.write_bytes(data)
    result = cli("report", path, "--runtime", "both", "--json")
    assert result.exit_code == 0, result.output
    runtimes = json.loads(result.stdout)["runtimes"]
    assert runtimes["tflm"]["supported"] and runtimes["compiled"]["supported"], runtimes
    assert runtimes["tflm"]["ram"]["arena"] == estimate_arena(data, pointer_bytes=4, kernels="cmsis-nn").required_bytes
