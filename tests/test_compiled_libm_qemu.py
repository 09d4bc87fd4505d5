"""Float32 transcendental kernels on the device against tflite-micro: where newlib's float functions differ from glibc's.

The compiled runtime's float32 EXP, LOGISTIC, LOG, SIN, COS, SOFTMAX, LOG_SOFTMAX, LSTM, TANH and ELU call
the C library (expf, logf, sinf, cosf, tanhf, expm1f).  The host interpreter links glibc, whose expf/logf/
sinf/cosf are Arm's optimized routines (double arithmetic, a table); newlib links the same routines only in
its multilibs for cores with a double-precision FPU (thumb/v7e-m+dp, v8-m.main+dp: Cortex-M7, M55) and its
older single-precision ones elsewhere (Cortex-M4, soft or hard float): 1-ULP differences in 5-11 % of the
elements (docs/firmware.md, "Every model on every core, and float32's C library").  tanhf/expm1f are fdlibm's in both libraries,
but newlib's hard-float multilibs fuse their multiply-adds (VFMA): about 0.1 % of TANH's elements differ on
every hard-float core.

The xfail cases are known mismatches (strict: when a fix makes them pass, this file must be updated with
docs/compiled_support.md); the plain cases guard what is bit-exact today.  One float32 operator per model,
4 invocations of 1000 random elements, one QEMU run each.
"""

from __future__ import annotations

import numpy as np
import pytest

import compiled_qemu
from tflite_builder import ModelBuilder

pytestmark = pytest.mark.skipif(compiled_qemu.tools_missing() is not None,
                                reason=f"compiled runtime on QEMU: {compiled_qemu.tools_missing()}")

NEWLIB_SP_MATH = "newlib's single-precision expf (no double FPU) differs from glibc's in the last bit"
NEWLIB_FMA = "newlib's hard-float tanhf/expm1f fuse multiply-adds (VFMA); glibc's do not"

# (operator, core, M4 hard float)
CASES = [
    pytest.param("LOGISTIC", "m4", True, marks=pytest.mark.xfail(strict=True, raises=AssertionError, reason=NEWLIB_SP_MATH)),
    pytest.param("LOGISTIC", "m7", False, id="LOGISTIC-m7"),
    pytest.param("TANH", "m4", False, id="TANH-m4-soft-float"),
    pytest.param("TANH", "m7", False, marks=pytest.mark.xfail(strict=True, raises=AssertionError, reason=NEWLIB_FMA)),
]


def _one_op(op):
    b = ModelBuilder()
    x = b.tensor("x", (1, 1000), "float32")
    y = b.tensor("y", (1, 1000), "float32")
    b.op(op, [x], [y])
    return b.build(inputs=[x], outputs=[y])


@pytest.mark.parametrize("op, core, fpu", CASES)
def test_float_transcendental_on_device_bit_exact(op, core, fpu):
    from codegen.compiled.host import run_tflm_batch
    from converter.tflite_model import load_model

    model = load_model(_one_op(op))
    rng = np.random.default_rng(1)
    samples = [[(rng.standard_normal((1, 1000)) * 4).astype(np.float32)] for _ in range(4)]
    ours = compiled_qemu.run_model_on_m4(model, samples, dsp=True, core=core, fpu=fpu)
    expected = np.concatenate([r[0].reshape(-1) for r in run_tflm_batch(model, samples)])
    got = np.concatenate([o.reshape(-1) for o in ours])
    differing = np.flatnonzero(got.view(np.uint32) != expected.view(np.uint32))
    assert differing.size == 0, (f"{op} on {core}: {differing.size} of 4000 elements differ, first at "
                                 f"{differing[0]}: {got[differing[0]]!r} vs {expected[differing[0]]!r}")
