"""The suite's model corpus (and the shared models present) through the compiled runtime.

Every int8 model without an LSTM or SVDF (DS-CNN, ResNet-8, MobileNet-V1 0.25, the dense autoencoder,
AttendNet-B, and the shared ones) must be supported and equal the tflite-micro interpreter on 100 random
inputs; the others (float, 16x8, LSTM, SVDF) are refused in one line that names an operator or type and
suggests the TFLM runtime.
"""

import shutil

import pytest

from tests.conftest import model_params

pytestmark = pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler (cc)")

UNSUPPORTED_FEATURES = {"float", "int16"}


@pytest.mark.parametrize("suite_model", model_params(), indirect=True)
def test_compiled_runtime_on_suite_model(suite_model):
    from codegen.compiled.generate import CompiledRuntimeUnsupportedError, compile_model, unsupported_reasons
    from codegen.compiled.host import assert_matches_tflm
    from converter.tflite_model import load_model

    model = load_model(suite_model.path)
    expected_supported = suite_model.kind == "int8" and not set(suite_model.features) & UNSUPPORTED_FEATURES
    reasons = unsupported_reasons(model)
    if expected_supported:
        assert reasons == [], reasons
        assert assert_matches_tflm(model, count=100, seed=11) == 100
    else:
        assert reasons, f"{suite_model.name}: expected a refusal"
        with pytest.raises(CompiledRuntimeUnsupportedError) as info:
            compile_model(model)
        message = str(info.value)
        assert "\n" not in message and "--runtime tflm" in message
