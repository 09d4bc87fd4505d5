"""The DSP (SIMD) path of FULLY_CONNECTED on a Cortex-M4 in QEMU equals the tflite-micro interpreter
byte for byte: every single-operator case of test_compiled_fc.py, 100 random inputs each, built
with arm-none-eabi-gcc for -mcpu=cortex-m4 (__ARM_FEATURE_DSP) and run on QEMU's mps2-an386
(an_fully_connected_s8_w16, the int16 weights DSP cores take); three cases also through the plain-C
path on the same core, and five through the int8-weight kernel's DSP path (an_fully_connected_s8:
where a DSP board's flash needs the bytes).

The builds and QEMU runs of the whole module go out together on a few threads (a module
fixture); each test then checks its case.
"""

import pytest

from tests import compiled_qemu
from tests.test_compiled_fc import CASES as FC_CASES
from tests.test_compiled_fc import SAMPLES, fc_model

pytestmark = pytest.mark.skipif(compiled_qemu.tools_missing() is not None,
                                reason=f"compiled runtime on QEMU: {compiled_qemu.tools_missing()}")

PLAIN = ("groups, depth 30, 13 units, weight zp", "groups, per-channel, depth 41", "extreme scales")
INT8 = ("groups, depth 30, 13 units, weight zp", "groups, per-channel, shifts of both signs", "extreme scales",
        "w16, depth 29, 11 units, weight zp, relu6", "long accumulation")
# (case, DSP, int16 weights)
CASES = {**{(c, True, True): fc_model(**FC_CASES[c]) for c in FC_CASES},
         **{(c, False, True): fc_model(**FC_CASES[c]) for c in PLAIN},
         **{(c, True, False): fc_model(**FC_CASES[c]) for c in INT8}}


def _run(key):
    """(M4 outputs, TFLM outputs) of one case."""
    from codegen.compiled.generate import compile_model
    from codegen.compiled.host import random_samples
    from converter.tflite_model import load_model

    model = load_model(CASES[key])
    compiled = compile_model(model, wide_filters=key[2])
    assert ("_w16(" in compiled.files["model.c"]) is key[2]
    return compiled_qemu.outputs_with_tflm(model, random_samples(model, SAMPLES, seed=4), dsp=key[1],
                                           compiled=compiled)


@pytest.fixture(scope="module")
def results():
    return compiled_qemu.run_cases(CASES, _run, workers=4)


@pytest.mark.parametrize("key", list(CASES),
                         ids=lambda k: f"{k[0]}-{'dsp' if k[1] else 'plain'}{'' if k[2] else '-int8'}")
def test_m4_matches_tflm(results, key):
    compiled_qemu.assert_same_outputs(results[key], f"M4 {'DSP' if key[1] else 'plain'}", SAMPLES)
