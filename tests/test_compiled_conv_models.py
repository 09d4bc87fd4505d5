"""Whole int8 models (the corpus's, and the shared ones present) through the compiled runtime (conv, depthwise, pooling with the
other operators' kernels: FULLY_CONNECTED, RESHAPE, SOFTMAX, ADD): generated C == the
tflite-micro interpreter, byte for byte, on the host (plain C) and on a Cortex-M4 in QEMU
(DSP path).

Should a model's only missing kernel be its trailing SOFTMAX, the test runs the model without
it (the tensor SOFTMAX reads becomes the output) and says so in its output; a model with other
missing kernels skips with the reasons.
"""

import shutil

import numpy as np
import pytest

from tests import compiled_qemu
from tests.conftest import model_path, shared_present

MODELS = ["mobilenet_v1_025_person_int8", "dscnn_kws_int8",
          *shared_present("vww_96_int8.tflite", "person_detect.tflite", "micro_speech_quantized.tflite",
                          "pretrainedResnet_quant.tflite")]
HOST_SAMPLES = 20
M4_SAMPLES = 2

_cache = {}


def without_trailing(data: bytes, names=("SOFTMAX",)) -> bytes:
    """The model with its last operators dropped while they are one of ``names``."""
    import flatbuffers
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as fb

    model = fb.ModelT.InitFromObj(fb.Model.GetRootAsModel(data, 0))
    sg = model.subgraphs[0]
    codes = {v: k for k, v in vars(fb.BuiltinOperator).items() if not k.startswith("_")}
    while sg.operators:
        op = sg.operators[-1]
        code = model.operatorCodes[op.opcodeIndex]
        if codes[max(code.builtinCode, code.deprecatedBuiltinCode)] not in names:
            break
        sg.operators.pop()
        sg.outputs = [op.inputs[0]]
    b = flatbuffers.Builder(len(data) + 1024)
    b.Finish(model.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def model_under_test(name):
    """(model, note): the whole model when the compiled runtime runs it, else without its SOFTMAX."""
    if name in _cache:
        return _cache[name]
    from codegen.compiled.generate import unsupported_reasons
    from converter.tflite_model import load_model

    path = model_path(name)
    model, note = load_model(path), "whole model"
    reasons = unsupported_reasons(model)
    if reasons and all(r.startswith("SOFTMAX") for r in reasons):
        model, note = load_model(without_trailing(path.read_bytes())), "without its trailing SOFTMAX (no kernel yet)"
        reasons = unsupported_reasons(model)
    if reasons:
        pytest.skip(f"{name}: the compiled runtime cannot run it yet: {'; '.join(reasons)}")
    _cache[name] = (model, note)
    return model, note


@pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler (cc)")
@pytest.mark.parametrize("name", MODELS)
def test_model_on_host_matches_tflm(name):
    from codegen.compiled.host import assert_matches_tflm

    model, note = model_under_test(name)
    print(f"{name}: {note}")
    assert assert_matches_tflm(model, count=HOST_SAMPLES, seed=11) == HOST_SAMPLES


@pytest.mark.skipif(compiled_qemu.tools_missing() is not None,
                    reason=f"compiled runtime on QEMU: {compiled_qemu.tools_missing()}")
@pytest.mark.parametrize("name", MODELS)
def test_model_dsp_on_m4_matches_tflm(name):
    from codegen.compiled.host import random_samples, run_tflm_batch

    model, note = model_under_test(name)
    print(f"{name}: {note}")
    samples = random_samples(model, M4_SAMPLES, seed=12)
    ours = compiled_qemu.run_model_on_m4(model, samples, dsp=True)
    for k, (a, b) in enumerate(zip(ours, run_tflm_batch(model, samples))):
        assert np.array_equal(a, b[0]), f"sample {k}: Cortex-M4 DSP output differs from TFLM"
