"""Complexity profiler: hand-computed counts, condenser breakdown, the profile command."""

import json

import pytest

from attendnets_tf._tf import keras
from attendnets_tf import layers as L
from attendnets_tf.profiler import format_table, profile_model

from conftest import assert_one_line_error, packages_imported_by


def hand_network():
    inputs = keras.Input((8, 8, 8))
    a = keras.layers.Conv2D(16, 3, padding="same", name="conv")(inputs)  # 8*8*16 * 3*3*8 MACs
    b = keras.layers.BatchNormalization(name="bn")(a)  # 4*16 params, 0 MACs
    c = keras.layers.DepthwiseConv2D(3, strides=2, padding="same", name="dw")(b)  # 4*4*16*9
    d = keras.layers.Conv2D(4, 1, use_bias=False, name="pw")(c)  # 4*4*4*16
    e = keras.layers.Multiply(name="mul")([d, d])  # 4*4*4 element-wise
    f = L.ChannelScale(name="scale")(e)  # 4*4*4 element-wise, 4 params
    g = keras.layers.Flatten(name="flat")(f)
    outputs = keras.layers.Dense(10, name="dense")(g)  # 64*10
    return keras.Model(inputs, outputs, name="hand")


def test_hand_computed_network():
    profile = profile_model(hand_network())
    rows = {r.name: r for r in profile.layers}
    assert rows["conv"].macs == 8 * 8 * 3 * 3 * 8 * 16
    assert rows["conv"].params == 3 * 3 * 8 * 16 + 16
    assert rows["conv"].output_shape == (8, 8, 16)
    assert (rows["bn"].params, rows["bn"].macs) == (4 * 16, 0)
    assert rows["dw"].macs == 4 * 4 * 16 * 9 and rows["dw"].params == 9 * 16 + 16
    assert rows["pw"].macs == 4 * 4 * 16 * 4 and rows["pw"].params == 16 * 4
    assert (rows["mul"].macs, rows["mul"].elementwise_mults) == (0, 4 * 4 * 4)
    assert (rows["scale"].params, rows["scale"].elementwise_mults) == (4, 4 * 4 * 4)
    assert rows["dense"].macs == 64 * 10 and rows["dense"].params == 650
    macs = 8 * 8 * 3 * 3 * 8 * 16 + 4 * 4 * 16 * 9 + 4 * 4 * 16 * 4 + 64 * 10
    params = 1168 + 64 + 160 + 64 + 4 + 650
    assert profile.totals() == {
        "params": params,
        "macs": macs,
        "elementwise_mults": 2 * 64,
        "weight_bytes_int8": params,
        "weight_bytes_float32": 4 * params,
    }
    text = format_table(profile)
    assert f"{macs:,}" in text and "dense" in text and f"{4 * params:,} bytes" in text


def test_condenser_is_broken_down_into_its_sublayers():
    inputs = keras.Input((7, 7, 16))
    outputs = L.VisualAttentionCondenser(reduction_ratio=4, name="vac")(inputs)
    profile = profile_model(keras.Model(inputs, outputs))
    rows = {r.name: r for r in profile.layers}
    assert list(rows) == [
        "vac/pool",
        "vac/embed_dw",
        "vac/embed_pw",
        "vac/embed_relu",
        "vac/expand_pw",
        "vac/sigmoid",
        "vac/upsample",
        "vac/crop",
        "vac/attend",
        "vac/scale",
    ]
    assert rows["vac/pool"].output_shape == (4, 4, 16)
    assert rows["vac/upsample"].output_shape == (8, 8, 16)
    assert rows["vac/crop"].output_shape == (7, 7, 16)
    assert rows["vac/embed_dw"].macs == 4 * 4 * 16 * 9
    assert rows["vac/embed_pw"].macs == 4 * 4 * 16 * 4
    assert rows["vac/expand_pw"].macs == 4 * 4 * 4 * 16
    assert profile.macs == 4 * 4 * 16 * 9 + 2 * 4 * 4 * 16 * 4
    assert profile.elementwise_mults == 2 * 7 * 7 * 16
    assert profile.params == 16 * 9 + (16 * 4 + 4) + (4 * 16 + 16) + 16
    # The unfolded model has the same totals.
    flat = profile_model(L.unfold_condensers(keras.Model(inputs, outputs)))
    assert (flat.params, flat.macs, flat.elementwise_mults) == (profile.params, profile.macs, profile.elementwise_mults)


def test_shared_layer_params_once_macs_per_call():
    inputs = keras.Input((4, 4, 2))
    conv = keras.layers.Conv2D(2, 1, name="shared")
    outputs = conv(conv(inputs))
    profile = profile_model(keras.Model(inputs, outputs))
    assert profile.params == 6
    assert profile.macs == 2 * 4 * 4 * 2 * 2


# --- the command ----------------------------------------------------------


def test_profile_arch_json(cli):
    result = cli("profile", "--arch", "AttendNet-B", "--input-shape", "32,32,1", "--classes", "10", "--json")
    assert result.exit_code == 0, result
    data = json.loads(result.stdout)
    totals = data["totals"]
    assert set(totals) == {"params", "macs", "elementwise_mults", "weight_bytes_int8", "weight_bytes_float32"}
    assert totals["macs"] == sum(layer["macs"] for layer in data["layers"])
    assert totals["params"] == sum(layer["params"] for layer in data["layers"])
    assert totals["weight_bytes_float32"] == 4 * totals["params"]
    assert data["input_shape"] == [32, 32, 1]
    assert any(layer["name"].endswith("_vac/attend") for layer in data["layers"])
    assert data["layers"][-1]["output_shape"] == [10]


def test_profile_table_and_saved_model(cli, tmp_path):
    from attendnets_tf.models import build_model

    model = build_model("attendnet_b", (16, 16, 3), 3, width=0.5)
    path = tmp_path / "net.keras"
    model.save(path)
    result = cli("profile", path)
    assert result.exit_code == 0, result
    assert f"parameters:          {model.count_params():,}" in result.stdout
    assert "block3_vac/sigmoid" in result.stdout
    as_json = json.loads(cli("profile", path, "--json").stdout)
    assert as_json["totals"]["macs"] == profile_model(model).macs


def test_profile_qat_model_counts_the_wrapped_layers():
    qat = pytest.importorskip("attendnets_tf.qat")
    inputs = keras.Input((7, 7, 3))
    x = keras.layers.Conv2D(8, 3, padding="same", name="conv")(inputs)
    x = L.VisualAttentionCondenser(reduction_ratio=2, name="vac")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    model = keras.Model(inputs, keras.layers.Dense(3, name="dense")(x))
    float_profile = profile_model(model)
    qat_profile = profile_model(qat.quantize_model(model))
    assert qat_profile.macs == float_profile.macs
    assert qat_profile.elementwise_mults == float_profile.elementwise_mults
    assert any("QuantizeWrapper" in r.type for r in qat_profile.layers)


@pytest.mark.parametrize(
    "args, text",
    [
        (["--arch", "attendnet_c"], "did you mean"),
        (["--arch", "attendnet_b", "--input-shape", "32,32"], "three integers"),
        (["--arch", "attendnet_b", "--input-shape", "32,x,3"], "three integers"),
        (["--arch", "attendnet_b", "--input-shape", "32,0,3"], "positive"),
        (["--arch", "attendnet_b", "--input-shape", "32,-3,3"], "positive"),
        (["--arch", "attendnet_b", "--input-shape", "4,4,3"], "too small"),
        (["--arch", "attendnet_b", "--width", "0"], "width multiplier must be > 0"),
        (["--arch", "attendnet_b", "--width", "-0.5"], "width multiplier must be > 0"),
        (["--arch", "attendnet_b", "--classes", "0"], "classes"),
        (["--arch", "attendnet_b", "--classes", "many"], "--classes"),
        (["/no/such/model.keras"], "not found"),
        ([], "either a MODEL.keras file or --arch"),
    ],
)
def test_profile_bad_input_is_one_line_exit_2(cli, args, text):
    result = cli("profile", *args)
    line = assert_one_line_error(result, code=2)
    assert text in line


def test_profile_rejects_non_model_files(cli, tmp_path):
    not_a_model = tmp_path / "notes.keras"
    not_a_model.write_text("hello")
    line = assert_one_line_error(cli("profile", not_a_model), code=2)
    assert "not a readable Keras model" in line
    line = assert_one_line_error(cli("profile", not_a_model, "--classes", "3"), code=2)
    assert "only apply with --arch" in line


def test_profile_help_does_not_import_tensorflow():
    code = (
        "import contextlib, io; from attendnets.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as help_text:\n"
        "    main(['profile', '--help'])\n"
        "assert '--input-shape' in help_text.getvalue(), help_text.getvalue()"
    )
    assert packages_imported_by(code, ("tensorflow", "tf_keras")) == []
