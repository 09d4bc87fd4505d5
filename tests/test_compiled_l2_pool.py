"""L2_POOL_2D (float32) in the compiled runtime against the tflite-micro interpreter: VALID / SAME, strides 1-3,
windows clipped at the edges, batches, fused activations; 100 inputs per case (with infinities, NaN and values
whose squares overflow), bit for bit.  int16 (TFLM runs float32 only) is refused in one line.
"""

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_compiled_pool_wide import wide_pool_model  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler (cc)")

CASES = {
    "valid_s2": dict(),
    "same_s1_relu": dict(padding="SAME", stride=(1, 1), activation="RELU"),
    "same_s3_4x2_relu6": dict(in_shape=(2, 10, 11, 3), filter=(4, 2), padding="SAME", stride=(3, 3),
                              activation="RELU6"),
    "global_like": dict(in_shape=(1, 6, 5, 7), filter=(6, 5), stride=(1, 1)),
    "same_5x5_n1": dict(in_shape=(1, 7, 8, 2), filter=(5, 5), padding="SAME", stride=(2, 1),
                        activation="RELU_N1_TO_1"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_l2_pool_matches_tflm_bit_for_bit(case):
    from codegen.compiled.host import run_on_host_batch, run_tflm_batch
    from converter.tflite_model import load_model

    model = load_model(wide_pool_model("L2_POOL_2D", "float32", **CASES[case]))
    shape = model.main_subgraph.tensor(model.main_subgraph.inputs[0]).shape
    rng = np.random.default_rng(len(case))
    samples = []
    for k in range(100):
        x = (rng.standard_normal(shape) * 10.0 ** rng.uniform(-3, 3)).astype(np.float32)
        if k % 10 == 3:
            x.reshape(-1)[:4] = [np.inf, np.nan, 3e30, -0.0]
        samples.append([x])
    ours, ref = run_on_host_batch(model, samples), run_tflm_batch(model, samples)
    for k, (a, b) in enumerate(zip(ours, ref)):
        assert np.array_equal(a[0].view(np.uint32), b[0].view(np.uint32)), (k, a[0], b[0])


def test_int16_l2_pool_is_refused():
    from codegen.compiled.lower import CompiledRuntimeUnsupportedError, lower_model
    from converter.tflite_model import load_model

    model = load_model(wide_pool_model("L2_POOL_2D", "int16"))
    with pytest.raises(CompiledRuntimeUnsupportedError) as info:
        lower_model(model)
    assert "TFLM's L2_POOL_2D takes float32" in str(info.value) and "\n" not in str(info.value)


def test_output_shape_other_than_tflm_computes_is_refused():
    from codegen.compiled.lower import CompiledRuntimeUnsupportedError, lower_model
    from converter.tflite_model import load_model

    from tflite_builder import ModelBuilder

    b = ModelBuilder()
    x = b.tensor("x", (1, 8, 8, 2), "float32")
    y = b.tensor("y", (1, 3, 3, 2), "float32")  # VALID 2x2 stride 2 gives 4x4
    b.op("L2_POOL_2D", [x], [y], options={"type": "pool2d", "filter": 2, "stride": 2})
    with pytest.raises(CompiledRuntimeUnsupportedError) as info:
        lower_model(load_model(b.build(inputs=[x], outputs=[y])))
    assert "TFLM computes 4x4" in str(info.value) and "\n" not in str(info.value)


def support_row_models() -> dict:
    """A builder model per listed type combination (tests/test_compiled_support.py)."""
    return {("L2_POOL_2D", "float32 -> float32"): lambda: wide_pool_model("L2_POOL_2D", "float32")}
