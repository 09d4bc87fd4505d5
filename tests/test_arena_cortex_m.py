"""The 32-bit estimate against arenas measured on a Cortex-M4 (QEMU mps2-an386).

The figures below were measured, not computed: upstream TFLM (tflite-micro
90b983c2, 2026-08-20) built with arm-none-eabi-gcc 12.2 -mcpu=cortex-m4
-mfloat-abi=hard -O2 -DNDEBUG -DTF_LITE_STATIC_MEMORY, reference kernels, an
``alignas(16)`` static arena, run in QEMU; "min arena" bisected on the target
with the interpreter re-created at each size (1-byte resolution).  Source:
/work/notes/arena_32bit_measurements.md (copied here so CI, which has no QEMU
run, still checks the 32-bit model).  The CMSIS-NN figures are not measured
yet, so the cmsis-nn estimate is only checked for consistency.
"""

import pytest

from converter.arena import estimate_arena

# model -> (RecordingMicroInterpreter total, head, tail, min arena), (plain MicroInterpreter
# arena_used_bytes, min arena), Recording "Persistent buffer data" used bytes.
MEASURED_CORTEX_M4_REFERENCE = {
    "hello_world_int8.tflite": ((788, 32, 756, 1172), (676, 1068), 185),
    "micro_speech_quantized.tflite": ((6900, 5968, 932, 6904), (6788, 6800), 268),
    "person_detect.tflite": ((82388, 55296, 27092, 82400), (82292, 82296), 23828),
    "pretrainedResnet_quant.tflite": ((54436, 49152, 5284, 54444), (54340, 54340), 3624),
    "trained_lstm_int8.tflite": ((3316, 1536, 1780, 3328), (3220, 3224), 828),
    "vww_96_int8.tflite": ((100756, 73728, 27028, 100764), (100660, 100660), 23784),
}


@pytest.mark.parametrize("name", sorted(MEASURED_CORTEX_M4_REFERENCE))
def test_cortex_m4_reference_estimate_equals_target(name):
    from tests.conftest import shared_model_path

    path = shared_model_path(name)
    recorded, plain, persistent_buffers = MEASURED_CORTEX_M4_REFERENCE[name]
    rec = estimate_arena(path, pointer_bytes=4, kernels="reference", recording=True)
    assert (rec.total_bytes, rec.head_bytes, rec.tail_bytes, rec.required_bytes) == recorded
    assert rec.categories["Persistent buffer data"] == persistent_buffers
    firmware = estimate_arena(path, pointer_bytes=4, kernels="reference")
    assert (firmware.total_bytes, firmware.required_bytes) == plain


def test_cmsis_nn_differs_only_where_its_kernels_do(shared_model):
    """Same plan for models without CMSIS-NN scratch; OpData differences land in the tail."""
    from attendnets.errors import UnsupportedOperatorError

    ref = estimate_arena(shared_model, pointer_bytes=4, kernels="reference")
    try:
        cmsis = estimate_arena(shared_model, pointer_bytes=4, kernels="cmsis-nn")
    except UnsupportedOperatorError as exc:
        assert "UNIDIRECTIONAL_SEQUENCE_LSTM" in str(exc)
        return
    assert cmsis.tail_bytes >= ref.tail_bytes
    assert cmsis.head_bytes >= ref.head_bytes
    assert sum(cmsis.op_scratch_bytes) >= sum(ref.op_scratch_bytes)
