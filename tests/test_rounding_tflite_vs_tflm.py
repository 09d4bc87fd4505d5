"""Why TFLite's reference kernels and TFLM can disagree by one int8 step (and evaluate shows it).

An int8 kernel rescales its int32 accumulator ``acc`` to the output scale with
a fixed-point multiplier.  The TFLite 2.x pip package rounds once
(TFLITE_SINGLE_ROUNDING); TFLM rounds twice, the gemmlowp way.  For an
accumulator whose exact rescaled value lies just below a half-way point the
two give different results.  The numbers below were found by emulating both
roundings; the test checks both interpreters against them, so it fails if
either runtime changes its rounding (then docs and evaluate's message must
change too).

Scales: input 1/256, weight 1/128, output float32(0.06875): real multiplier
2^-15 / 0.06875 = 0.00044389...; the single FC output is ``acc * multiplier``.
"""

import json

import numpy as np
import pytest

from tflite_builder import ModelBuilder

INPUT_SCALE, WEIGHT_SCALE = 1 / 256, 1 / 128
OUTPUT_SCALE = float(np.float32(0.0625 * 1.1))

# accumulator -> (exact rescaled value, TFLite single rounding, TFLM double rounding)
NEAR_TIES = {
    1126: (0.49982, 0, 1),
    3379: (1.49991, 1, 2),
    -1126: (-0.49982, 0, -1),
    1125: (0.49938, 0, 0),  # a little further from the tie: both round down
}


def fc_model(biases, input_shape=(1, 1)):
    """FULLY_CONNECTED with zero weights: output k = requantize(bias k), whatever the input."""
    features = int(np.prod(input_shape[1:]))
    b = ModelBuilder()
    x = b.tensor("x", input_shape, "int8", scale=INPUT_SCALE, zero_point=0)
    w = b.tensor("w", (len(biases), features), "int8", scale=WEIGHT_SCALE, zero_point=0,
                 data=bytes(len(biases) * features))
    bias = b.tensor("b", (len(biases),), "int32", scale=INPUT_SCALE * WEIGHT_SCALE, zero_point=0,
                    data=np.asarray(biases, np.int32).tobytes())
    y = b.tensor("y", (1, len(biases)), "int8", scale=OUTPUT_SCALE, zero_point=0)
    b.op("FULLY_CONNECTED", [x, w, bias], [y], version=4, options={"type": "fully_connected"})
    return b.build(inputs=[x], outputs=[y])


@pytest.mark.parametrize("accumulator", sorted(NEAR_TIES))
def test_tflite_rounds_once_tflm_twice(accumulator):
    from converter.conversion.evaluate import _new_tflite_ref, _new_tflm, run_tflite_ref, run_tflm

    exact, tflite_expected, tflm_expected = NEAR_TIES[accumulator]
    assert accumulator * INPUT_SCALE * WEIGHT_SCALE / OUTPUT_SCALE == pytest.approx(exact, abs=1e-5)
    model = fc_model([accumulator])
    x = np.zeros((1, 1), np.int8)
    assert run_tflite_ref(_new_tflite_ref(model), x).ravel().tolist() == [tflite_expected]
    tflm, _ = _new_tflm(model)
    assert run_tflm(tflm, x).ravel().tolist() == [tflm_expected]


def test_evaluate_reports_the_one_step_difference(cli, tmp_path):
    """Every image hits the near-tie: agreement 0 %, largest difference 1 step, explained in the text."""
    from quant_helpers import make_image_folder

    model = tmp_path / "out" / "model.tflite"
    model.parent.mkdir()
    model.write_bytes(fc_model([1126, 0], input_shape=(1, 4, 4, 1)))
    data = make_image_folder(tmp_path / "data", class_names=("a", "b"), per_class=6, size=4)
    result = cli("evaluate", model, "--data", data, "--json")
    assert result.exit_code == 0, result
    report = json.loads(result.stdout)
    assert report["agreement"] == 0.0
    assert report["max_output_difference"] == 1
    text = cli("evaluate", model, "--data", data)
    assert text.exit_code == 0, text
    assert "largest difference 1 step(s): TFLite rounds once, TFLM twice" in text.stdout
