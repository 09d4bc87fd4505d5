"""The audio front end (TFLM's signal library: window, RFFT, filter bank, spectral subtraction, PCAN, log) on
a Cortex-M4 (QEMU mps2-an386, DSP build): one firmware run of 24 consecutive frames (the noise estimate
carried between them in the state area), the whole sequence of log filter bank outputs byte-identical with the
tflite-micro interpreter's.  One QEMU run (the host tests, test_compiled_signal.py, cover the operators
one by one, every RFFT radix and type, and longer sequences).
"""

import numpy as np
import pytest

from tests import compiled_qemu

pytestmark = pytest.mark.skipif(compiled_qemu.tools_missing() is not None,
                                reason=f"compiled runtime on QEMU: {compiled_qemu.tools_missing()}")


def test_audio_front_end_sequence_on_cortex_m4():
    from codegen.compiled.host import run_tflm_batch
    from converter.tflite_model import load_model
    from tests.signal_models import audio_frames, frontend_model

    model = load_model(frontend_model(rfft_output=False))
    frames = audio_frames(24, seed=9)
    ours = compiled_qemu.run_model_on_m4(model, frames, dsp=True)
    reference = [r[0] for r in run_tflm_batch(model, frames)]
    assert len(ours) == 24 and sum(int(np.count_nonzero(r)) for r in reference) > 24 * 4
    for k, (a, b) in enumerate(zip(ours, reference)):
        assert np.array_equal(a, b.reshape(a.shape)), f"frame {k}: {a.tolist()} != {b.tolist()}"
