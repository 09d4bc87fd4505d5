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

from compiled_ops_harness import assert_host_bits_equal  # noqa: E402
# pool_wide's cases (their int16 scale unused: L2_POOL_2D is float32)
from test_compiled_pool_wide import CASES, wide_pool_model  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler (cc)")

@pytest.mark.parametrize("case", sorted(CASES))
def test_l2_pool_matches_tflm_bit_for_bit(case):
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
    assert assert_host_bits_equal(model, samples) == 100


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
