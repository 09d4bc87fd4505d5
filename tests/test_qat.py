"""QAT of a model with attention condensers: every condenser tensor fake-quantized, save/load, CLI."""

import numpy as np
import pytest

from conftest import assert_one_line_error
from quant_helpers import CLASS_NAMES, make_image_folder, save_run, tiny_condenser_model

pytest.importorskip("tensorflow_model_optimization")


@pytest.fixture(scope="module")
def models():
    from attendnets_tf import qat

    float_model = tiny_condenser_model()
    rng = np.random.default_rng(0)
    x = rng.random((48, 14, 14, 1)).astype("float32")
    qat_model = qat.quantize_model(float_model, calibration_images=x)
    y = rng.integers(0, 3, 48)
    qat.fine_tune(qat_model, (x, y), epochs=1, lr=1e-3, batch_size=16, verbose=0)  # moves the ranges
    return float_model, qat_model, x


def _chain(model, prefix):
    return [layer for layer in model.layers if layer.name.startswith(f"quant_{prefix}_")]


def test_condensers_are_unfolded_and_every_layer_wrapped(models):
    from attendnets_tf import qat
    from tensorflow_model_optimization.python.core.quantization.keras import quantize_wrapper

    _, qat_model, _ = models
    names = [layer.name for layer in qat_model.layers]
    assert not any(type(l).__name__ in ("VisualAttentionCondenser", "AttentionCondenser") for l in qat_model.layers)
    roles_vac = ["pool", "embed_dw", "embed_pw", "embed_relu", "expand_pw", "sigmoid", "upsample", "crop", "attend", "scale"]
    roles_ac = ["pool", "embed_conv", "embed_relu", "expand_pw", "sigmoid", "upsample", "attend", "scale"]
    for prefix, roles in (("vac", roles_vac), ("ac", roles_ac)):
        for role in roles:
            assert f"quant_{prefix}_{role}" in names, (prefix, role, names)
    for layer in qat_model.layers[2:]:  # after the input and the input QuantizeLayer
        assert isinstance(layer, quantize_wrapper.QuantizeWrapperV2), layer.name

    def config(name):
        return type(qat_model.get_layer(name).quantize_config)

    for prefix in ("vac", "ac"):
        assert config(f"quant_{prefix}_pool") is qat.PassThroughQuantizeConfig
        assert config(f"quant_{prefix}_upsample") is qat.PassThroughQuantizeConfig
        assert config(f"quant_{prefix}_sigmoid") is qat.SigmoidQuantizeConfig
        assert config(f"quant_{prefix}_attend") is qat.OutputQuantizeConfig
        assert config(f"quant_{prefix}_scale") is qat.ChannelScaleQuantizeConfig
        scale = qat_model.get_layer(f"quant_{prefix}_scale")
        assert len(scale._weight_vars) == 1 and scale._output_quantizers  # S and V*A*S quantized
        sigmoid = qat_model.get_layer(f"quant_{prefix}_sigmoid")
        (quantizer,) = sigmoid._output_quantizers
        assert (quantizer.init_min, quantizer.init_max, quantizer.num_bits) == (0.0, 255 / 256, 8)
    assert config("quant_vac_crop") is qat.PassThroughQuantizeConfig
    # convolutions keep tfmot's config: quantized kernels
    for name in ("quant_vac_embed_dw", "quant_vac_embed_pw", "quant_vac_expand_pw", "quant_ac_embed_conv"):
        assert qat_model.get_layer(name)._weight_vars, name


def test_every_condenser_tensor_lies_on_an_8bit_grid(models):
    """Numerically: each tensor the int8 graph keeps has <= 256 distinct values;
    pass-through layers only copy values of their (already quantized) input."""
    from attendnets_tf._tf import keras

    _, qat_model, x = models
    for prefix in ("vac", "ac"):
        chain = _chain(qat_model, prefix)
        probe = keras.Model(qat_model.inputs, [layer.output for layer in chain] + [chain[0].input])
        outputs = probe.predict(x[:24], verbose=0)
        values = dict(zip([layer.name for layer in chain] + ["input"], outputs))
        previous = "input"
        for i, layer in enumerate(chain):
            out = values[layer.name]
            role = layer.name[len(f"quant_{prefix}_"):]
            fused_into_relu = role in ("embed_pw", "embed_conv") and chain[i + 1].name.endswith("embed_relu")
            if not fused_into_relu:  # a conv output consumed only by a ReLU is not a TFLite tensor
                assert len(np.unique(out)) <= 256, (layer.name, len(np.unique(out)))
            if role in ("pool", "upsample", "crop"):
                assert np.isin(out, values[previous]).all(), layer.name
            if role == "sigmoid":
                assert np.allclose(out * 256, np.round(out * 256), atol=1e-3), "sigmoid not on TFLite's 1/256 grid"
            previous = layer.name


def test_qat_model_saves_and_loads(models, tmp_path):
    from attendnets_tf import qat

    _, qat_model, x = models
    path = tmp_path / "qat.keras"
    qat_model.save(str(path))
    loaded = qat.load_qat_model(str(path))
    assert qat.is_qat_model(loaded)
    assert [l.name for l in loaded.layers] == [l.name for l in qat_model.layers]
    for a, b in zip(qat_model.layers, loaded.layers):
        # (by name: tfmot registers two equivalent NoOpQuantizeConfig classes)
        assert type(getattr(a, "quantize_config", None)).__name__ == type(getattr(b, "quantize_config", None)).__name__
    # quantizer ranges and weights restored, so the outputs are identical
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), qat_model.predict(x, verbose=0))
    ranges = {v.name.split("/")[-1] for l in loaded.layers for v in l.weights if v.name.endswith(("_min:0", "_max:0"))}
    assert ranges, "no quantizer range variables"


def test_quantize_cli_writes_a_loadable_qat_model(cli, tmp_path):
    from attendnets_tf import qat

    data = make_image_folder(tmp_path / "data", per_class=7)
    model_path = save_run(tmp_path / "run", tiny_condenser_model())
    out = tmp_path / "out" / "qat.keras"
    out.parent.mkdir()
    result = cli("quantize", model_path, "--data", data, "--out", out, "--epochs", 1, "--batch-size", 8)
    assert result.exit_code == 0, result
    assert (out.parent / "qat.labels.txt").read_text().split() == list(CLASS_NAMES)
    assert qat.is_qat_model(qat.load_qat_model(str(out)))
    assert sorted(p.name for p in out.parent.iterdir()) == ["qat.keras", "qat.labels.txt"]


def test_quantize_bad_inputs(cli, tmp_path):
    data = make_image_folder(tmp_path / "data", per_class=4)
    missing = cli("quantize", tmp_path / "nope.keras", "--data", data, "--out", tmp_path / "q.keras")
    assert "not found" in assert_one_line_error(missing, 2)

    junk = tmp_path / "junk" / "model.keras"
    junk.parent.mkdir()
    junk.write_bytes(b"this is not a zip file")
    not_model = cli("quantize", junk, "--data", data, "--out", tmp_path / "q.keras")
    assert "not a readable Keras model" in assert_one_line_error(not_model, 2)

    model_path = save_run(tmp_path / "run", tiny_condenser_model())
    same = cli("quantize", model_path, "--data", data, "--out", model_path)
    assert "overwrite" in assert_one_line_error(same, 2)
    no_folder = cli("quantize", model_path, "--data", data, "--out", tmp_path / "missing" / "q.keras")
    assert "does not exist" in assert_one_line_error(no_folder, 2)

    four = make_image_folder(tmp_path / "four", class_names=("a", "b", "c", "d"), per_class=4)
    mismatch = cli("quantize", model_path, "--data", four, "--out", tmp_path / "q.keras")
    assert "4 classes" in assert_one_line_error(mismatch, 2)
    assert not list(tmp_path.glob("*q.keras*")), "partial output left behind"


def test_activation_ranges_start_from_calibration():
    """tfmot starts every range at [-6, 6]; calibration starts them at the float model's ranges."""
    from attendnets_tf import qat
    from attendnets_tf._tf import keras

    float_model = tiny_condenser_model()
    x = np.random.default_rng(1).random((32, 14, 14, 1)).astype("float32")
    qat_model = qat.quantize_model(float_model, calibration_images=x)
    flat = qat.unfold(float_model)
    for name in ("stem_relu", "vac_attend", "ac_scale"):
        float_out = keras.Model(flat.inputs, flat.get_layer(name).output)(x, training=False).numpy()
        ranges = {v.name.split("/")[-1].split(":")[0]: float(v.numpy())
                  for v in qat_model.get_layer(f"quant_{name}").weights if "output_m" in v.name}
        assert ranges["output_min"] == pytest.approx(min(0.0, float_out.min()), abs=1e-5), name
        assert ranges["output_max"] == pytest.approx(max(0.0, float_out.max()), abs=1e-5), name
    relu_min = [v for v in qat_model.get_layer("quant_stem_relu").weights if "output_min" in v.name][0]
    assert float(relu_min.numpy()) == 0.0  # a ReLU6 range no longer spends codes on negatives
    # before any fine-tuning the calibrated QAT model is already a faithful int8 model of the float one
    # (tfmot's start, [-6, 6] weight and [0, 0]-style input ranges, computes nonsense)
    float_mid = keras.Model(flat.inputs, flat.get_layer("expand_relu").output)(x).numpy()
    qat_mid = keras.Model(qat_model.inputs, qat_model.get_layer("quant_expand_relu").output)(x).numpy()
    relative_error = np.abs(float_mid - qat_mid).mean() / np.abs(float_mid).mean()
    assert relative_error < 0.05, relative_error  # uncalibrated: 1.0 (everything rounds to 0)
    diff = np.abs(qat_model.predict(x, verbose=0) - float_model.predict(x, verbose=0))
    assert diff.mean() < 1e-3, diff.mean()  # uncalibrated: ~1e-2 on this untrained model


def test_input_range_is_the_data_pipelines_not_the_brightest_calibration_pixel():
    """Issue 14: a QAT model's int8 input range came out [0, 0.898] because the calibration images'
    brightest pixel was 229/255; images are [0, 1] (attendnets_tf.data.IMAGE_RANGE)."""
    from attendnets_tf import qat
    from attendnets_tf._tf import keras
    from attendnets_tf.data import IMAGE_RANGE

    x = np.random.default_rng(2).random((16, 14, 14, 1)).astype("float32") * (229 / 255)
    qat_model = qat.quantize_model(tiny_condenser_model(), calibration_images=x)
    quantize_layers = [layer for layer in qat_model.layers if type(layer).__name__ == "QuantizeLayer"]
    assert quantize_layers
    for layer in quantize_layers:
        ranges = {v.name.split("/")[-1].split(":")[0]: float(v.numpy()) for v in layer.weights}
        low = [v for k, v in ranges.items() if k.endswith("_min")]
        high = [v for k, v in ranges.items() if k.endswith("_max")]
        assert low == [IMAGE_RANGE[0]] and high == [IMAGE_RANGE[1]], ranges
    # a white pixel is represented, not saturated at 229/255
    white = np.ones((1, 14, 14, 1), np.float32)
    first = keras.Model(qat_model.inputs, quantize_layers[0].output)(white, training=False).numpy()
    assert first.max() == pytest.approx(1.0, abs=1 / 255)


def test_distillation_pulls_the_qat_model_towards_the_float_teacher():
    """distill_weight=1: the loss is the teacher's output distribution, not the labels (here random ones)."""
    from attendnets_tf import qat

    rng = np.random.default_rng(2)
    x = rng.random((48, 14, 14, 1)).astype("float32")
    y = rng.integers(0, 3, 48)  # labels the teacher does not follow
    teacher = tiny_condenser_model(seed=3)
    teacher_p = teacher.predict(x, verbose=0)

    def fine_tuned(distill_weight):
        student = qat.quantize_model(teacher, calibration_images=x)
        qat.fine_tune(student, (x, y), epochs=6, lr=1e-2, batch_size=16, verbose=0, teacher=teacher,
                      distill_weight=distill_weight, temperature=1.0)
        return student

    def kl_from_teacher(p):
        return float(np.mean(np.sum(teacher_p * (np.log(teacher_p + 1e-9) - np.log(p + 1e-9)), axis=1)))

    distilled, on_labels = fine_tuned(1.0), fine_tuned(0.0)
    p_distilled, p_labels = distilled.predict(x, verbose=0), on_labels.predict(x, verbose=0)
    assert kl_from_teacher(p_distilled) < 0.5 * kl_from_teacher(p_labels)
    assert np.mean(p_labels.argmax(1) == y) > np.mean(p_distilled.argmax(1) == y)
    # The teacher is not part of the result: same variables, and it still evaluates and saves as before.
    assert [tuple(v.shape) for v in distilled.weights] == [tuple(v.shape) for v in on_labels.weights]
    assert distilled.evaluate(x, y, verbose=0)[1] >= 0.0


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_logits_model_finds_the_pre_softmax_tensor():
    from attendnets_tf import qat
    from attendnets_tf._tf import keras

    model = tiny_condenser_model()
    x = np.random.default_rng(4).random((4, 14, 14, 1)).astype("float32")
    logits = qat.logits_model(model)(x).numpy()
    assert logits.shape == (4, 3)
    np.testing.assert_allclose(_softmax(logits), model(x).numpy(), rtol=1e-5, atol=1e-6)
    # A model ending in Dense(activation="softmax"): log-probabilities, the same softmax.
    inputs = keras.Input((3,))
    dense = keras.Model(inputs, keras.layers.Dense(4, activation="softmax")(inputs))
    z = np.random.default_rng(5).random((2, 3)).astype("float32")
    np.testing.assert_allclose(_softmax(qat.logits_model(dense)(z).numpy()), dense(z).numpy(),
                               rtol=1e-5, atol=1e-6)


def test_mcnemar_p_value():
    from attendnets_tf import qat

    assert qat.mcnemar_p_value(0, 0) == 1.0
    assert qat.mcnemar_p_value(5, 0) == 1 / 32  # five fixed, none broken: significant at 5 %
    assert qat.mcnemar_p_value(4, 0) == 1 / 16  # four: not
    assert qat.mcnemar_p_value(6, 1) == 8 / 128
    assert qat.mcnemar_p_value(1, 3) == 15 / 16


def test_qat_keeps_fine_tuning_only_for_a_significantly_better_validation_accuracy():
    """Epoch 0 (the calibrated start) stays unless a later epoch fixes significantly more validation images."""
    from attendnets_tf import qat
    from attendnets_tf._tf import keras

    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(inputs))
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.array([[1, 0], [0, 1]] * 4, "float32")
    y = np.array([0, 1] * 4)
    right, wrong = np.array([[2.0, -2.0], [-2.0, 2.0]], "float32"), np.array([[-2.0, 2.0], [2.0, -2.0]], "float32")
    half = np.array([[2.0, -2.0], [2.0, -2.0]], "float32")  # class 0 for everything: 4 of 8 right

    def set_kernel(kernel):
        model.layers[1].set_weights([kernel, np.zeros(2, "float32")])

    # Start 8/8; a later epoch as accurate (lower loss) or worse is not kept.
    def watch_from_here():  # the callback as fit() starts it: epoch 0 = the current weights
        keep = qat._KeepBestOnValidation(x, y)
        keep.set_model(model)
        keep.on_train_begin()
        return keep

    set_kernel(right)
    keep = watch_from_here()
    start = [w.copy() for w in model.get_weights()]
    set_kernel(3 * right)
    logs = {}
    keep.on_epoch_end(0, logs)
    assert logs["val_accuracy"] == 1.0 and logs["val_loss"] < 0.01  # reported for the progress bar and History
    set_kernel(half)
    keep.on_epoch_end(1, {})
    keep.on_train_end()
    assert keep.best_epoch == 0
    for kept, original in zip(model.get_weights(), start):
        np.testing.assert_array_equal(kept, original)

    # Start 4/8; 8/8 fixes only four images (p = 1/16): not significant, the start stays.
    set_kernel(half)
    keep = watch_from_here()
    set_kernel(right)
    keep.on_epoch_end(0, {})
    assert keep.best_epoch == 0

    # Start 0/8; 8/8 fixes eight (p = 1/256): kept, and restored at the end.
    set_kernel(wrong)
    keep = watch_from_here()
    set_kernel(right)
    keep.on_epoch_end(0, {})
    set_kernel(wrong)
    keep.on_epoch_end(1, {})
    keep.on_train_end()
    assert keep.best_epoch == 1 and keep.p_value == 1 / 256
    np.testing.assert_array_equal(model.get_weights()[0], right)



def test_depthwise_kernels_are_fake_quantized_per_output_channel(models):
    """One int8 range per output channel (c*M + m), as TFLite's DEPTHWISE_CONV_2D and PTQ have.

    tfmot's own "per axis" is the last kernel axis, the depth multiplier (1 here): one range for
    the whole kernel.  A channel with small weights then keeps only a few int8 codes.
    """
    from attendnets_tf._tf import keras

    _, qat_model, _ = models
    wrappers = [w for w in qat_model.layers if isinstance(getattr(w, "layer", None), keras.layers.DepthwiseConv2D)]
    assert wrappers, "the tiny model has a depthwise convolution in its condenser"
    for wrapper in wrappers:
        weight, quantizer, quantizer_vars = wrapper._weight_vars[0]
        kernel = weight.numpy()  # (kh, kw, C, M)
        channels = kernel.shape[2] * kernel.shape[3]
        ranges = [v for v in wrapper.weights if "depthwise_kernel_m" in v.name]
        assert sorted(tuple(v.shape) for v in ranges) == [(channels,), (channels,)]
        quantized = quantizer(weight, False, weights=quantizer_vars).numpy()
        by_channel = quantized.reshape(-1, channels)
        for k, original in enumerate(kernel.reshape(-1, channels).T):
            scale = np.abs(original).max() / 127
            codes = by_channel[:, k] / scale
            # on this channel's own grid (tf.quantization.fake_quant nudges the step by ~1e-4)
            np.testing.assert_allclose(codes, np.round(codes), atol=0.05)
            assert np.abs(by_channel[:, k] - original).max() <= 0.51 * scale


def test_depthwise_weights_of_an_unfine_tuned_qat_model_equal_ptq(tmp_path):
    """Converted with no fine-tuning, the QAT model's DEPTHWISE_CONV_2D weights are PTQ's, scale for scale."""
    from attendnets_tf import qat
    from converter.conversion.convert import convert_keras_model
    from converter.tflite_model import load_model

    float_model = tiny_condenser_model()
    x = np.random.default_rng(6).random((24, 14, 14, 1)).astype("float32")
    ptq = load_model(convert_keras_model(float_model, x))
    qat_model = qat.quantize_model(float_model, calibration_images=x)
    from_qat = load_model(convert_keras_model(qat_model, x[:4]))

    def depthwise_weights(model):
        graph, found = model.main_subgraph, []
        for op in graph.operators:
            if op.name == "DEPTHWISE_CONV_2D":
                weights = graph.tensor(op.inputs[1])
                data = np.frombuffer(model.buffers[weights.buffer].data, np.int8)
                found.append((np.asarray(weights.quantization.scale), data))
        return found

    ptq_weights, qat_weights = depthwise_weights(ptq), depthwise_weights(from_qat)
    assert ptq_weights and len(ptq_weights) == len(qat_weights)
    for (ptq_scales, ptq_data), (qat_scales, qat_data) in zip(ptq_weights, qat_weights):
        assert len(qat_scales) == len(ptq_scales) > 1
        np.testing.assert_allclose(qat_scales, ptq_scales, rtol=1e-5)
        assert np.count_nonzero(np.asarray(qat_data) != np.asarray(ptq_data)) <= 1  # a rounding tie at most
