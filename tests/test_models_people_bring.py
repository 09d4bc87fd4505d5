"""Float models people bring (issue 22): a .keras saved by current TensorFlow (Keras 3, what
``import keras`` is in TF 2.21) and a SavedModel folder convert with post-training quantization
and serve as evaluate's --float-model; QAT (tfmot, Keras 2 only) refuses them in one line.

One tiny Keras 3 model (8x8x1 -> 10 classes, 650 weights) saved by the test; calibration on 8
digits.  Needs TensorFlow (the [train] extra).
"""

import json
import sys
from pathlib import Path

import pytest

from tests.conftest import assert_one_line_error

pytest.importorskip("tensorflow")


@pytest.fixture(scope="module")
def keras3_models(tmp_path_factory):
    """(.keras saved by Keras 3, SavedModel folder exported by Keras 3)."""
    import attendnets_tf._tf  # noqa: F401  (TensorFlow set up as the tool sets it up)

    keras = pytest.importorskip("keras")  # Keras 3: what `import keras` is with TensorFlow 2.21
    assert keras.__version__.startswith("3."), keras.__version__
    root = tmp_path_factory.mktemp("keras3")
    keras.utils.set_random_seed(0)
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Flatten()(inputs)
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.save(root / "k3.keras")
    saved = root / "k3_savedmodel"
    stdout = sys.stdout
    try:
        sys.stdout = open("/dev/null", "w")  # model.export prints the signature
        model.export(str(saved), format="tf_saved_model")
    finally:
        sys.stdout.close()
        sys.stdout = stdout
    return root / "k3.keras", saved


def test_the_kinds_are_told_apart(keras3_models, tmp_path):
    from attendnets_tf.loading import keras_format

    k3, saved = keras3_models
    assert keras_format(k3) == "keras3" and keras_format(saved) == "savedmodel"
    junk = tmp_path / "junk.keras"
    junk.write_bytes(b"not a zip")
    assert keras_format(junk) == "keras2"  # the project's own loader then says what is wrong


@pytest.mark.parametrize("which", ["keras3", "savedmodel"])
def test_convert_quantizes_a_model_people_bring(cli, keras3_models, tmp_path, which):
    from converter.tflite_model import load_model

    source = keras3_models[0] if which == "keras3" else keras3_models[1]
    out = tmp_path / "m.tflite"
    result = cli("convert", source, "--data", "digits", "--out", out, "--samples", 8)
    assert result.exit_code == 0, result.stderr[-3000:]
    assert "TensorSpec" not in result.stdout  # the export's signature dump stays out of our output
    model = load_model(out)
    sg = model.main_subgraph
    assert sg.tensor(sg.inputs[0]).dtype == "int8" and sg.tensor(sg.outputs[0]).shape == (1, 10)
    assert "FULLY_CONNECTED" in {op.name for op in sg.operators}
    assert cli("check", out).exit_code == 0
    sidecar = json.loads((tmp_path / "m.json").read_text())
    assert sidecar["source_kind"] == "float" and sidecar["labels"] == [str(d) for d in range(10)]

    report = cli("evaluate", out, "--data", "digits", "--float-model", source, "--json")
    assert report.exit_code == 0, report.stderr[-3000:]
    accuracy = json.loads(report.stdout)["accuracy"]
    assert 0.0 <= accuracy["float"] <= 1.0 and 0.0 <= accuracy["tflm"] <= 1.0


def test_qat_says_it_needs_a_keras2_model(cli, keras3_models, tmp_path):
    for source in keras3_models:
        line = assert_one_line_error(cli("quantize", source, "--data", "digits", "--out", tmp_path / "q.keras"), 2)
        assert "Keras 2" in line and "attendnets convert" in line
    assert not (tmp_path / "q.keras").exists()


def test_a_folder_that_is_not_a_savedmodel(cli, tmp_path):
    folder = tmp_path / "empty_model"
    folder.mkdir()
    line = assert_one_line_error(cli("convert", folder, "--data", "digits", "--out", tmp_path / "m.tflite"), 2)
    assert "saved_model.pb" in line
