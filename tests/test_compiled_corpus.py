"""The suite's model corpus (and the shared models present) through the compiled runtime.

Every model (DS-CNN, ResNet-8, MobileNet-V1 0.25, the dense autoencoder in int8, float32 and 16x8, the
LSTM in int8 and float32, SVDF, AttendNet-B, the stock-converted Flatten and NCHW models, and the shared
ones) must be supported and equal the tflite-micro interpreter on 100 random inputs (float32 bit for
bit); a feature combination listed below would be refused in one line that names an operator or type
and suggests the TFLM runtime.
"""

import shutil

import pytest

from tests.conftest import model_params

pytestmark = pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler (cc)")

# Feature combinations the compiled runtime has no kernel for yet (none in the corpus today).
UNSUPPORTED_FEATURE_SETS = ()


@pytest.mark.parametrize("suite_model", model_params(), indirect=True)
def test_compiled_runtime_on_suite_model(suite_model):
    from codegen.compiled.generate import CompiledRuntimeUnsupportedError, compile_model, unsupported_reasons
    from codegen.compiled.host import assert_matches_tflm
    from converter.tflite_model import load_model

    model = load_model(suite_model.path)
    expected_supported = not any(combination <= set(suite_model.features) for combination in UNSUPPORTED_FEATURE_SETS)
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
