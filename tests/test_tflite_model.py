"""The flatbuffer reader on real models and on broken input."""

import pytest

from attendnets.errors import BadInputError, InvalidModelError
from converter.tflite_model import load_model

from conftest import packages_imported_by, shared_model_path


def test_reads_every_shared_model(shared_model):
    model = load_model(shared_model)
    assert model.size_bytes == shared_model.stat().st_size
    sg = model.main_subgraph
    assert sg.operators and sg.inputs and sg.outputs
    for op in sg.operators:
        assert op.name and op.version >= 1
        for t in op.inputs + op.outputs:
            assert t == -1 or 0 <= t < len(sg.tensors)
    for t in sg.inputs:
        assert sg.tensor(t).size_bytes > 0


def test_vww_structure_matches_readme():
    model = load_model(shared_model_path("vww_96_int8.tflite"))
    assert model.operator_names() == [
        "AVERAGE_POOL_2D", "CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "RESHAPE", "SOFTMAX",
    ]
    sg = model.main_subgraph
    inp = sg.tensor(sg.inputs[0])
    assert inp.shape == (1, 96, 96, 3) and inp.dtype == "int8"
    assert inp.quantization.zero_point == (-128,)
    conv = sg.operators[0]
    assert conv.name == "CONV_2D"
    assert conv.options["padding"] == "SAME" and conv.options["stride_w"] == 2
    assert conv.options["fused_activation_function"] == "RELU"
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
    data = shared_model_path("hello_world_int8.tflite").read_bytes()
    with pytest.raises(InvalidModelError) as info:
        load_model(data[: len(data) // 2])
    assert "\n" not in str(info.value)


def test_reader_does_not_import_tensorflow():
    code = f"from converter.tflite_model import load_model; load_model({str(shared_model_path('hello_world_int8.tflite'))!r})"
    assert packages_imported_by(code, ("tensorflow",)) == []
