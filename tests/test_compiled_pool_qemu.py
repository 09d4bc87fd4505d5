"""MAX_POOL_2D's channel-block paths against the tflite-micro interpreter: sixteen int8 lanes per
VMAX on Helium, four per SSUB8/SEL on DSP cores, one at a time after the last block and in plain C.

Channel counts that fill whole blocks (32), leave tails after blocks of sixteen and of four (37 =
2 x 16 + 5 = 9 x 4 + 1, 21, 7), windows clipped by SAME padding, a global window, batches, and
fused activations whose clamp the lanes apply (RELU, RELU6, RELU_N1_TO_1; zero points at the int8
ends).  Each case on the host (plain C) and on QEMU: Cortex-M4 DSP and plain-C builds and the
Cortex-M55 Helium build, 100 random inputs each.
"""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from tests import compiled_qemu
from tests.test_compiled_conv import pool_model

POOL_CASES = {
    "attention_2x2_same_c32": dict(in_shape=(1, 8, 8, 32), filter=(2, 2), padding="SAME", stride=(2, 2)),
    "valid_3x3_stride2_c37_relu6": dict(in_shape=(1, 9, 7, 37), activation="RELU6", scale=0.04),
    "same_2x3_c21_relu_n1_batch2": dict(in_shape=(2, 5, 7, 21), filter=(2, 3), padding="SAME", stride=(2, 1),
                                        activation="RELU_N1_TO_1", zp=-128, scale=0.01),
    "global_c7_relu_zp127": dict(in_shape=(1, 5, 7, 7), filter=(5, 7), stride=(1, 1), activation="RELU", zp=127),
}
BUILDS = {"m4-dsp": dict(core="m4", dsp=True), "m4-plain": dict(core="m4", dsp=False),
          "m55-mve": dict(core="m55", mve=True)}
SAMPLES = 100


@pytest.mark.parametrize("case", sorted(POOL_CASES))
def test_max_pool_on_the_host_matches_tflm(case):
    from compiled_ops_harness import require_tools

    from codegen.compiled.host import assert_matches_tflm

    require_tools()
    assert assert_matches_tflm(pool_model("MAX_POOL_2D", **POOL_CASES[case]), count=SAMPLES, seed=9) == SAMPLES


def _run(key):
    """(firmware outputs, TFLM outputs) of one case and build, or the exception it raised."""
    from codegen.compiled.host import random_samples, run_tflm_batch
    from converter.tflite_model import load_model

    name, build = key
    try:
        model = load_model(pool_model("MAX_POOL_2D", **POOL_CASES[name]))
        samples = random_samples(model, SAMPLES, seed=10)
        ours = compiled_qemu.run_model_on_m4(model, samples, **BUILDS[build])
        return ours, [r[0] for r in run_tflm_batch(model, samples)]
    except Exception as exc:  # reported by the test of this case
        return exc


@pytest.fixture(scope="module")
def results():
    if compiled_qemu.tools_missing() is not None:
        pytest.skip(f"compiled runtime on QEMU: {compiled_qemu.tools_missing()}")
    keys = [(name, build) for name in POOL_CASES for build in BUILDS]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(keys, pool.map(_run, keys)))


@pytest.mark.parametrize("build", list(BUILDS))
@pytest.mark.parametrize("case", sorted(POOL_CASES))
def test_max_pool_on_qemu_matches_tflm(results, case, build):
    result = results[(case, build)]
    if isinstance(result, Exception):
        raise result
    ours, ref = result
    assert len(ours) == len(ref) == SAMPLES
    for k, (a, b) in enumerate(zip(ours, ref)):
        np.testing.assert_array_equal(a.reshape(-1), b.reshape(-1), err_msg=f"{case} {build} sample {k}")
