"""The 32-bit estimate against arenas measured on a Cortex-M4 (QEMU mps2-an386).

The figures were measured, not computed: upstream TFLM (tflite-micro
90b983c2, 2026-08-20) built with arm-none-eabi-gcc 12.2 -mcpu=cortex-m4
-mfloat-abi=hard -O2 -DNDEBUG -DTF_LITE_STATIC_MEMORY (CMSIS-NN 4ab83cc3 and
-DCMSIS_NN for the cmsis-nn kernels), an ``alignas(16)`` static arena, run in
QEMU; "min arena" bisected on the target with the interpreter re-created at
each size (1-byte resolution).  They are kept in
bench/arena_cortex_m4_measured.json (bench/arena_table.py reads the same
file), so CI, which runs no QEMU, still checks the 32-bit model.  Only the
CMSIS-NN LSTM's RecordingMicroInterpreter minimum was not measured.
"""

import json
from pathlib import Path

import pytest

from converter.tflm.arena import estimate_arena
from tests.conftest import shared_params

MEASURED = json.loads((Path(__file__).resolve().parents[1] / "bench" / "arena_cortex_m4_measured.json").read_text())


@pytest.mark.parametrize("kernels", ["reference", "cmsis-nn"])
@pytest.mark.parametrize("name", shared_params(sorted(MEASURED["reference"]), "the Cortex-M4 measurements"))
def test_cortex_m4_estimate_equals_target(name, kernels):
    from tests.conftest import shared_model_path

    measured = MEASURED[kernels].get(name)
    if measured is None:
        pytest.skip(f"no Cortex-M4 measurement of {name} with {kernels} kernels in bench/arena_cortex_m4_measured.json")
    path = shared_model_path(name)
    rec = estimate_arena(path, pointer_bytes=4, kernels=kernels, recording=True)
    recorded = measured["recording"]
    assert (rec.total_bytes, rec.head_bytes, rec.tail_bytes) == (recorded["total"], recorded["head"], recorded["tail"])
    if recorded["min_arena"] is not None:
        assert rec.required_bytes == recorded["min_arena"]
    assert rec.categories["Persistent buffer data"] == recorded["persistent_buffer_data"]
    firmware = estimate_arena(path, pointer_bytes=4, kernels=kernels)
    assert (firmware.total_bytes, firmware.required_bytes) == (measured["plain"]["used"], measured["plain"]["min_arena"])


def _conv_scratch(kernels, depthwise, kernel, stride, channels_in=8, size=8):
    import numpy as np

    from tests.test_arena_ops import TinyModel, _options, fb

    m = TinyModel()
    x = m.tensor((1, size, size, channels_in))
    if depthwise:
        w = m.tensor((1, kernel, kernel, channels_in), data=np.ones((1, kernel, kernel, channels_in)), qdim=3,
                     scale=[0.01] * channels_in)
        opts = _options(fb.DepthwiseConv2DOptionsT, padding=fb.Padding.SAME, strideW=stride, strideH=stride,
                        depthMultiplier=1, dilationWFactor=1, dilationHFactor=1)
        name, out_c = "DEPTHWISE_CONV_2D", channels_in
    else:
        w = m.tensor((4, kernel, kernel, channels_in), data=np.ones((4, kernel, kernel, channels_in)),
                     scale=[0.01] * 4)
        opts = _options(fb.Conv2DOptionsT, padding=fb.Padding.SAME, strideW=stride, strideH=stride,
                        dilationWFactor=1, dilationHFactor=1)
        name, out_c = "CONV_2D", 4
    out = -(-size // stride)
    y = m.tensor((1, out, out, out_c))
    m.op(name, [x, w, -1], [y], opts)
    return estimate_arena(m.build([x], [y]), pointer_bytes=4, kernels=kernels).op_scratch_bytes[0]


def test_cmsis_nn_scratch_buffers():
    """arm_*_get_buffer_size for a Cortex-M4 (DSP, no MVE, GCC); the reference kernels ask for none."""
    assert _conv_scratch("reference", False, 3, 1) == 0
    assert _conv_scratch("cmsis-nn", False, 3, 1) == 2 * 72 * 2  # 2 * align4(3*3*8) int16
    assert _conv_scratch("cmsis-nn", False, 3, 1, channels_in=3) == 2 * 28 * 2  # 27 rounded up to 28
    assert _conv_scratch("cmsis-nn", False, 1, 1) == 0  # 1x1 fast path: no buffer with GCC
    assert _conv_scratch("cmsis-nn", True, 3, 1) == 0  # arm_depthwise_conv_3x3_s8
    assert _conv_scratch("cmsis-nn", True, 5, 1) == 8 * 5 * 5 * 2  # opt kernel: C*kh*kw int16
