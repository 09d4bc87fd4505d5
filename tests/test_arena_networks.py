"""The arena estimate for the networks this tool builds (AttendNet-A/B, MobileNet-V1), int8.

Each is built at 32x32x3 with a small width, converted to full int8 with the
project's converter (post-training quantization on random images), and its
64-bit host estimate compared to the tflite-micro interpreter to the byte.

Untrained networks on random calibration images give near-zero activations
(scales around 1e-8) and TFLM's softmax Prepare aborts on such a scale
(QuantizeMultiplierGreaterThanOne).  The arena does not depend on the values of
the scales, so activation scales below 1e-6 are raised to 0.05 before the
comparison (converter.tflm.arena_measure.with_measurable_scales); shapes, types,
operators and channel counts are untouched.
"""

import numpy as np
import pytest

from converter.tflm.arena import estimate_arena
from converter.tflm.arena_measure import measure_arena, with_measurable_scales

NETWORKS = {"attendnet_a": 0.25, "attendnet_b": 0.25, "mobilenet_v1": 0.25}


@pytest.fixture(scope="module")
def networks():
    from attendnets_tf.models import build_model
    from converter.conversion.convert import convert_keras_model

    rng = np.random.default_rng(0)
    calibration = rng.random((4, 32, 32, 3), dtype=np.float32)
    out = {}
    for arch, width in NETWORKS.items():
        model = build_model(arch, input_shape=(32, 32, 3), num_classes=10, width=width)
        out[arch] = with_measurable_scales(convert_keras_model(model, calibration))
    return out


@pytest.mark.parametrize("arch", sorted(NETWORKS))
def test_network_estimate_equals_interpreter(networks, arch):
    data = networks[arch]
    from test_arena_ops import assert_estimate_equals_measurement

    est = estimate_arena(data, pointer_bytes=8, kernels="reference")
    assert_estimate_equals_measurement(est, measure_arena(data))
