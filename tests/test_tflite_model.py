"""The flatbuffer reader on the suite's models (its corpus, plus ../shared/models when present) and on broken input."""

import pytest

from attendnets_base.errors import BadInputError, InvalidModelError
from converter.tflite_model import load_model

from conftest import corpus_model_path, model_params, model_path, packages_imported_by, shared_present


@pytest.mark.parametrize("suite_model", model_params(), indirect=True)
def test_reads_every_model(suite_model):
    model = load_model(suite_model.path)
    assert model.size_bytes == suite_model.path.stat().st_size
    assert set(suite_model.operators) <= set(model.operator_names())
    sg = model.main_subgraph
    assert sg.operators and sg.inputs and sg.outputs
    for op in sg.operators:
        assert op.name and op.version >= 1
        for t in op.inputs + op.outputs:
            assert t == -1 or 0 <= t < len(sg.tensors)
    for t in sg.inputs:
        assert sg.tensor(t).size_bytes > 0


# MobileNet-V1 0.25 at 96x96: the shared VWW reference (README) and the corpus's person detector
# (attendnets_tf.models: global pooling as MEAN, ReLU6, one grey channel).
MOBILENETS = {
    "vww_96_int8.tflite": (["AVERAGE_POOL_2D", "CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "RESHAPE", "SOFTMAX"],
                           (1, 96, 96, 3), "RELU"),
    "mobilenet_v1_025_person_int8": (["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "MEAN", "SOFTMAX"],
                                     (1, 96, 96, 1), "RELU6"),
}


@pytest.mark.parametrize("name", ["mobilenet_v1_025_person_int8", *shared_present("vww_96_int8.tflite")])
def test_mobilenet_structure(name):
    operators, input_shape, activation = MOBILENETS[name]
    model = load_model(model_path(name))
    assert model.operator_names() == operators
    sg = model.main_subgraph
    inp = sg.tensor(sg.inputs[0])
    assert inp.shape == input_shape and inp.dtype == "int8"
    assert inp.quantization.zero_point == (-128,)  # images in [0, 1]
    conv = sg.operators[0]
    assert conv.name == "CONV_2D"
    assert conv.options["padding"] == "SAME" and conv.options["stride_w"] == 2
    assert conv.options["fused_activation_function"] == activation
    weights = sg.tensor(conv.inputs[1])
    assert weights.is_constant and weights.is_per_channel
    assert model.buffers[weights.buffer].size_bytes == weights.size_bytes


def test_missing_file_is_bad_input(tmp_path):
    with pytest.raises(BadInputError, match="not found"):
        load_model(tmp_path / "nope.tflite")


@pytest.mark.parametrize("data", [b"", b"hello", b"\x00" * 64, b"PK\x03\x04" + b"\x00" * 100])
def test_non_tflite_bytes(data):
    with pytest.raises(InvalidModelError, match="not a TFLite model"):
        load_model(data)


def test_truncated_model_names_where_it_broke():
    data = corpus_model_path("autoencoder_int8").read_bytes()
    with pytest.raises(InvalidModelError) as info:
        load_model(data[: len(data) // 2])
    assert "\n" not in str(info.value)


def test_reader_does_not_import_tensorflow():
    code = f"from converter.tflite_model import load_model; load_model({str(corpus_model_path('lstm_int8'))!r})"
    assert packages_imported_by(code, ("tensorflow",)) == []


def test_names_with_control_characters_are_escaped():
    # A corrupt length field can run a name through binary data (found by fuzzing the corpus's
    # autoencoder); a name must never break a one-line message.
    from converter.tflm.check import check_model
    from tflite_builder import ModelBuilder

    b = ModelBuilder()
    x = b.tensor("x", (1, 4), "int8", scale=0.1, zero_point=0)
    w = b.tensor("w\nnext line\x00\x07", (3, 4), "int8", scale=0.02, zero_point=3, constant=True)
    y = b.tensor("y", (1, 3), "int8", scale=0.1, zero_point=0)
    b.op("FULLY_CONNECTED", [x, w, -1], [y], version=4, options={"type": "fully_connected"})
    model = load_model(b.build(inputs=[x], outputs=[y]))
    assert model.main_subgraph.tensor(w).name == "w\\nnext line\\x00\\x07"
    (error,) = check_model(model).errors
    assert "\n" not in error.message and "w\\nnext line" in error.message
