"""TFLM's custom operators on a Cortex-M4F in QEMU (mps2-an386, hard float, newlib), against tflite-micro:
CIRCULAR_BUFFER (int8, 12 consecutive invocations: the buffer in the state area carried from one to the next)
and TFLite_Detection_PostProcess (float32, 4 inputs; its box decoding calls the C library's double exp, newlib's
here and glibc's in the interpreter).  The host tests cover each with 100+ inputs.
"""

from __future__ import annotations

import numpy as np
import pytest

import compiled_qemu
from test_compiled_circular_buffer import circular_buffer_model
from test_compiled_detection import detection_model


def test_circular_buffer_sequence_on_cortex_m4_matches_tflm():
    missing = compiled_qemu.tools_missing()
    if missing:
        pytest.skip(missing)
    from codegen.compiled.host import random_samples, run_tflm_batch
    from converter.tflite_model import load_model

    model = load_model(circular_buffer_model(slots=3, buffer_output=False))
    samples = random_samples(model, 12, seed=31)
    ours = compiled_qemu.run_model_on_m4(model, samples, dsp=True)
    expected = run_tflm_batch(model, samples)
    for k, (got, (ref,)) in enumerate(zip(ours, expected)):
        if k >= 2:  # from the first full buffer on (TFLM's starts with whatever its arena held)
            assert np.array_equal(got, ref.reshape(got.shape)), (k, got, ref)


def test_detection_postprocess_on_cortex_m4f_matches_tflm():
    missing = compiled_qemu.tools_missing()
    if missing:
        pytest.skip(missing)
    from codegen.compiled.host import run_tflm_batch
    from converter.tflite_model import load_model

    model = load_model(detection_model(boxes=24, constant_scores=True, score_threshold=0.3))
    rng = np.random.default_rng(37)
    samples = [[rng.standard_normal((1, 24, 4)).astype(np.float32)] for _ in range(4)]
    ours = compiled_qemu.run_model_on_m4(model, samples, dsp=True, fpu=True)
    for got, expected in zip(ours, run_tflm_batch(model, samples)):
        assert np.array_equal(got.view(np.uint32), expected[0].reshape(got.shape).view(np.uint32)), (got, expected[0])
        assert got.any()
