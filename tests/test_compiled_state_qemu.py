"""State between invocations on a Cortex-M4 (QEMU mps2-an386, DSP build): an LSTM, an SVDF and a streaming
model with a resource variable, each as one sequence of invocations in one firmware run (model_init()
once, then model_invoke() per sample: the state carried from each to the next), the whole sequence of
outputs byte-identical with the tflite-micro interpreter's for the same sequence.  One QEMU run per model
(that the state matters for these models is checked on the host: test_compiled_state.py, test_compiled_lstm.py).
"""

import numpy as np
import pytest

from tests import compiled_qemu

pytestmark = pytest.mark.skipif(compiled_qemu.tools_missing() is not None,
                                reason=f"compiled runtime on QEMU: {compiled_qemu.tools_missing()}")

SEQUENCE = 24


def _streaming_model():
    from tests.test_arena_ops import _resource_variable_model

    return _resource_variable_model("int8", init=False)


@pytest.mark.parametrize("name", ["lstm_int8", "svdf_int8", "streaming_variable"])
def test_stateful_model_sequence_on_cortex_m4(name, corpus):
    from codegen.compiled.host import random_samples, run_tflm_batch
    from converter.tflite_model import load_model

    model = load_model(_streaming_model() if name == "streaming_variable" else corpus.path(name))
    samples = random_samples(model, SEQUENCE, seed=31)
    if name == "streaming_variable":
        samples = [[s[0] // 4] for s in samples]  # the running sum stays inside int8 for a while
    ours = compiled_qemu.run_model_on_m4(model, samples, dsp=True)
    reference = [r[0] for r in run_tflm_batch(model, samples)]
    assert len(ours) == SEQUENCE
    for k, (a, b) in enumerate(zip(ours, reference)):
        assert np.array_equal(a, b.reshape(a.shape)), f"{name}: invocation {k}: {a.tolist()} != {b.tolist()}"
