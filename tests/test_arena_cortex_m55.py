"""The CMSIS-NN arena per CPU architecture: MVE (Cortex-M55) measured, DSP and plain C formulas.

CMSIS-NN compiles a different code path per architecture (``cmsis_nn_arch``:
"dsp" Cortex-M4/M7/M33, "mve" Cortex-M55/M85, "scalar" Cortex-M0/M0+/M3), and
the paths ask for different scratch buffers and persistent data.  The MVE
figures were measured, not computed: upstream TFLM 90b983c2 with CMSIS-NN
4ab83cc3 built for -mcpu=cortex-m55 (MVE on) and run in QEMU mps3-an547; they
are kept in bench/arena_cortex_m55_measured.json (source and build flags in its
"about"), so CI, which runs no QEMU, still checks the MVE model.  No plain-C
(Cortex-M0+) build was measured: those sizes are checked against CMSIS-NN's
formulas only.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from attendnets_base.errors import BadInputError, UnsupportedOperatorError
from converter.tflm.arena import estimate_arena
from tests.conftest import shared_params

MEASURED = json.loads((Path(__file__).resolve().parents[1] / "bench" / "arena_cortex_m55_measured.json").read_text())


@pytest.mark.parametrize("name", shared_params(sorted(MEASURED["cmsis-nn"]), "the Cortex-M55 measurements"))
def test_cortex_m55_estimate_equals_target(name):
    from tests.conftest import shared_model_path

    measured = MEASURED["cmsis-nn"][name]
    path = shared_model_path(name)
    rec = estimate_arena(path, pointer_bytes=4, kernels="cmsis-nn", cmsis_nn_arch="mve", recording=True)
    recorded = measured["recording"]
    assert (rec.total_bytes, rec.head_bytes, rec.tail_bytes) == (recorded["total"], recorded["head"], recorded["tail"])
    assert rec.required_bytes == recorded["min_arena"]
    for category, usage in recorded["categories"].items():
        assert rec.category_details[category] == usage, category
    firmware = estimate_arena(path, pointer_bytes=4, kernels="cmsis-nn", cmsis_nn_arch="mve")
    assert (firmware.total_bytes, firmware.required_bytes) == (measured["plain"]["used"], measured["plain"]["min_arena"])
    assert firmware.cmsis_nn_arch == "mve"


def test_default_architecture_is_dsp():
    from tests.conftest import corpus_model_path

    path = corpus_model_path("autoencoder_int8")
    default = estimate_arena(path, pointer_bytes=4, kernels="cmsis-nn")
    dsp = estimate_arena(path, pointer_bytes=4, kernels="cmsis-nn", cmsis_nn_arch="dsp")
    assert default.to_dict() == dsp.to_dict() and default.cmsis_nn_arch == "dsp"
    assert estimate_arena(path, pointer_bytes=4, kernels="reference").cmsis_nn_arch is None
    with pytest.raises(BadInputError, match="CMSIS-NN architecture"):
        estimate_arena(path, pointer_bytes=4, kernels="cmsis-nn", cmsis_nn_arch="helium")


def _model():
    from tests.test_arena_ops import TinyModel

    return TinyModel()


def _conv(arch, depthwise, kernel, channels_in=8, multiplier=1, size=8, stride=1):
    from tests.test_arena_ops import _options, fb

    m = _model()
    x = m.tensor((1, size, size, channels_in))
    if depthwise:
        out_c = channels_in * multiplier
        w = m.tensor((1, kernel, kernel, out_c), data=np.ones((1, kernel, kernel, out_c)), qdim=3,
                     scale=[0.01] * out_c)
        opts = _options(fb.DepthwiseConv2DOptionsT, padding=fb.Padding.SAME, strideW=stride, strideH=stride,
                        depthMultiplier=multiplier, dilationWFactor=1, dilationHFactor=1)
        name = "DEPTHWISE_CONV_2D"
    else:
        out_c = 4
        w = m.tensor((4, kernel, kernel, channels_in), data=np.ones((4, kernel, kernel, channels_in)),
                     scale=[0.01] * 4)
        opts = _options(fb.Conv2DOptionsT, padding=fb.Padding.SAME, strideW=stride, strideH=stride,
                        dilationWFactor=1, dilationHFactor=1)
        name = "CONV_2D"
    out = -(-size // stride)
    y = m.tensor((1, out, out, out_c))
    m.op(name, [x, w, -1], [y], opts)
    return estimate_arena(m.build([x], [y]), pointer_bytes=4, kernels="cmsis-nn", cmsis_nn_arch=arch)


@pytest.mark.parametrize(
    "depthwise, kernel, channels_in, multiplier, expected",
    [
        # arm_convolve_s8_get_buffer_size: MVE 4 rows of kh*kw*C int8 in 16-lane blocks;
        # otherwise 2 * align4(kh*kw*C) int16.
        (False, 3, 8, 1, {"mve": 4 * 5 * 16, "dsp": 2 * 72 * 2, "scalar": 2 * 72 * 2}),
        (False, 3, 3, 1, {"mve": 4 * 2 * 16, "dsp": 2 * 28 * 2, "scalar": 2 * 28 * 2}),
        (False, 1, 8, 1, {"mve": 0, "dsp": 0, "scalar": 0}),  # 1x1 fast path, GCC
        # depthwise: MVE 4 * CH_IN_BLOCK_MVE(124) * kh*kw (no 3x3 special case); DSP C*kh*kw
        # int16 except the 3x3 kernel; plain C none.
        (True, 3, 8, 1, {"mve": 4 * 124 * 9, "dsp": 0, "scalar": 0}),
        (True, 5, 8, 1, {"mve": 4 * 124 * 25, "dsp": 8 * 25 * 2, "scalar": 0}),
        # one input channel, 8 outputs: on MVE run as a convolution (its im2col buffer
        # plus the transposed filter, kh*kw*8 int8).
        (True, 3, 1, 8, {"mve": 4 * 1 * 16 + 9 * 8, "dsp": 0, "scalar": 0}),
    ],
)
def test_conv_scratch_per_architecture(depthwise, kernel, channels_in, multiplier, expected):
    for arch, size in expected.items():
        assert _conv(arch, depthwise, kernel, channels_in, multiplier).op_scratch_bytes[0] == size, arch


def test_fully_connected_kernel_sums_are_persistent_on_mve():
    """arm_fully_connected_s8_get_buffer_size is one int32 per output on MVE; with constant
    weights TFLM (KERNELS_OPTIMIZED_FOR_SPEED) turns it into persistent kernel sums."""
    from tests.test_arena_ops import _options, fb

    def build(bias_constant):
        m = _model()
        x = m.tensor((1, 16))
        w = m.tensor((10, 16), data=np.ones((10, 16)), scale=0.01)
        b = m.tensor((10,), "int32", scale=0.0005, data=np.zeros(10) if bias_constant else None)
        y = m.tensor((1, 10))
        m.op("FULLY_CONNECTED", [x, w, b], [y], _options(fb.FullyConnectedOptionsT))
        inputs = [x] if bias_constant else [x, b]
        return m.build(inputs, [y])

    def persistent(model, arch):
        est = estimate_arena(model, pointer_bytes=4, kernels="cmsis-nn", cmsis_nn_arch=arch)
        return est.category_details["Persistent buffer data"]["requested_bytes"], est.op_scratch_bytes[0]

    model = build(True)
    dsp_bytes, dsp_scratch = persistent(model, "dsp")
    assert persistent(model, "mve") == (dsp_bytes + 10 * 4, 0) and dsp_scratch == 0
    assert persistent(model, "scalar") == (dsp_bytes, 0)
    # A non-constant bias: the kernel sums stay a scratch buffer.
    variable_bias = build(False)
    assert persistent(variable_bias, "mve") == (persistent(variable_bias, "dsp")[0], 10 * 4)


def test_average_pool_scratch_only_on_dsp():
    from tests.test_arena_ops import _options, fb

    m = _model()
    x = m.tensor((1, 4, 4, 12))
    y = m.tensor((1, 1, 1, 12))
    m.op("AVERAGE_POOL_2D", [x], [y], _options(fb.Pool2DOptionsT, padding=fb.Padding.VALID, strideW=1,
                                               strideH=1, filterWidth=4, filterHeight=4))
    model = m.build([x], [y])
    scratch = {arch: estimate_arena(model, pointer_bytes=4, kernels="cmsis-nn", cmsis_nn_arch=arch).op_scratch_bytes[0]
               for arch in ("dsp", "mve", "scalar")}
    assert scratch == {"dsp": 12 * 4, "mve": 0, "scalar": 0}


def test_mve_depthwise_with_undefined_stride_is_refused():
    """TFLM leaves dw_conv_params.stride unset; on MVE a one-channel 1xN depthwise conv over a
    one-row input sizes its buffer from it, so the estimator refuses rather than guesses."""
    from tests.test_arena_ops import _options, fb

    m = _model()
    x = m.tensor((1, 1, 16, 1))
    w = m.tensor((1, 1, 3, 4), data=np.ones((1, 1, 3, 4)), qdim=3, scale=[0.01] * 4)
    y = m.tensor((1, 1, 16, 4))
    m.op("DEPTHWISE_CONV_2D", [x, w, -1], [y], _options(
        fb.DepthwiseConv2DOptionsT, padding=fb.Padding.SAME, strideW=1, strideH=1, depthMultiplier=4,
        dilationWFactor=1, dilationHFactor=1))
    model = m.build([x], [y])
    assert estimate_arena(model, pointer_bytes=4, kernels="cmsis-nn", cmsis_nn_arch="dsp").op_scratch_bytes[0] == 0
    with pytest.raises(UnsupportedOperatorError, match="uninitialised stride"):
        estimate_arena(model, pointer_bytes=4, kernels="cmsis-nn", cmsis_nn_arch="mve")
