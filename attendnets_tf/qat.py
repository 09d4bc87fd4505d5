"""Quantization-aware training (tfmot 8-bit scheme) for networks with attention condensers.

tfmot's default 8-bit scheme knows Conv2D, DepthwiseConv2D, Dense, ReLU,
pooling and a few more layers, but rejects ``Multiply`` and knows nothing of
our per-channel ``ChannelScale``; and it sees a condenser layer with nested
layers as one opaque layer.  So QAT here is three steps:

1. ``unfold_condensers`` (attendnets_tf.layers) rebuilds the network so that
   every visual attention condenser is a chain of primitive Keras layers:
   ``MaxPooling2D`` (condensation) -> convolutions (embedding) ->
   ``UpSampling2D`` [-> ``Cropping2D``] (expansion) -> ``Activation('sigmoid')``
   -> ``Multiply`` (V * sigmoid(A)) -> ``ChannelScale`` (* S).
2. Each of those layers is annotated with a QuantizeConfig written here to
   model exactly what the int8 TFLite kernel will do (below); everything else
   keeps tfmot's default 8-bit config.
3. ``quantize_apply`` inserts the fake-quant ops.

How each tensor inside a condenser is quantized, and why:

=======================  ==================================================
layer                    fake-quant
=======================  ==================================================
MaxPooling2D             none of its own: the max of int8 values is one of
                         them, and TFLite's MAX_POOL_2D requires the output
                         scale to equal the input scale.  Its output lies
                         on the input's 8-bit grid (pass-through).
Conv2D/DepthwiseConv2D   per-output-channel symmetric int8 kernel (tfmot's
                         default for Conv2D; for DepthwiseConv2D tfmot's
                         "per axis" is the depth multiplier, one range in
                         practice, so :class:`DepthwiseKernelQuantizer`
                         replaces it), 8-bit output (folded into a following
                         ReLU).
UpSampling2D (nearest)   pass-through, as max pooling (RESIZE_NEAREST_NEIGHBOR
                         copies values).  Bilinear: 8-bit moving-average output.
Cropping2D               pass-through (STRIDED_SLICE copies values).
Activation('sigmoid')    fixed range [0, 255/256] with 256 levels: exactly
                         TFLite's LOGISTIC int8 output (scale 1/256, zero
                         point -128).  tfmot leaves it unquantized.
Multiply                 8-bit moving-average output (TFLite MUL rescales).
ChannelScale             per-tensor 8-bit weights (MUL by a constant has one
                         scale for the whole constant), 8-bit output.
=======================  ==================================================

A QAT model is saved with ``model.save(path)`` (``.keras``) and loaded with
:func:`load_qat_model`, which opens ``quantize_scope`` with these configs and
the attendnets layers.
"""

import contextlib
import math

import numpy as np

from attendnets_tf._tf import keras, require_training_extra, tf

tfmot = require_training_extra("tensorflow_model_optimization")
from tensorflow_model_optimization.python.core.quantization.keras import quantize_layer as _quantize_layer
from tensorflow_model_optimization.python.core.quantization.keras import quantize_wrapper as _quantize_wrapper
from tensorflow_model_optimization.python.core.quantization.keras.default_8bit import (
    default_8bit_quantize_configs as _d8_configs,
    default_8bit_quantize_layout_transform as _d8_layout,
    default_8bit_quantize_registry as _d8_registry,
    default_8bit_quantize_scheme as _d8_scheme,
    default_8bit_transforms as _d8_transforms,
)
from attendnets_tf.data import IMAGE_RANGE
from attendnets_tf.data import make_tf_dataset

_quantize = tfmot.quantization.keras
_quantizers = _quantize.quantizers
QuantizeConfig = _quantize.QuantizeConfig

#: TFLite's int8 LOGISTIC output: scale 1/256, zero point -128, so the real
#: range is [0, 255/256].
SIGMOID_OUTPUT_MAX = 255.0 / 256.0


def _output_quantizer():
    return _quantizers.MovingAverageQuantizer(num_bits=8, per_axis=False, symmetric=False, narrow_range=False)


class _WeightlessQuantizeConfig(QuantizeConfig):
    """A layer with no weights and no inner activations: only its output may be quantized."""

    def get_weights_and_quantizers(self, layer):
        return []

    def get_activations_and_quantizers(self, layer):
        return []

    def set_quantize_weights(self, layer, quantize_weights):
        pass

    def set_quantize_activations(self, layer, quantize_activations):
        pass

    def get_output_quantizers(self, layer):
        return []

    def get_config(self):
        return {}


@keras.utils.register_keras_serializable(package="attendnets")
class OutputQuantizeConfig(_WeightlessQuantizeConfig):
    """Fake-quantizes only the output of a layer (8-bit, asymmetric, moving-average range).

    For layers without weights whose int8 kernel rescales its output:
    ``Multiply`` (MUL), bilinear ``UpSampling2D`` (RESIZE_BILINEAR).
    """

    def get_output_quantizers(self, layer):
        return [_output_quantizer()]


@keras.utils.register_keras_serializable(package="attendnets")
class PassThroughQuantizeConfig(_WeightlessQuantizeConfig):
    """For layers that only move int8 values around (max pooling, nearest upsampling, cropping).

    Their output is already on the input's 8-bit grid, and the TFLite kernels
    (MAX_POOL_2D, RESIZE_NEAREST_NEIGHBOR, STRIDED_SLICE) require the output
    scale to equal the input scale, so a second quantizer with its own range
    would only add a requantization.  The layer is still wrapped (so a QAT
    model shows every condenser layer as quantized) and the converter
    propagates the input's quantization parameters.
    """


@keras.utils.register_keras_serializable(package="attendnets")
class SigmoidQuantizeConfig(_WeightlessQuantizeConfig):
    """``Activation('sigmoid')``: output fixed to TFLite's LOGISTIC int8 grid.

    256 levels over [0, 255/256] (scale 1/256, zero point -128), so training
    sees the same rounding of the attention mask as the int8 kernel.
    """

    def get_output_quantizers(self, layer):
        return [_quantizers.FixedQuantizer(num_bits=8, init_min=0.0, init_max=SIGMOID_OUTPUT_MAX, narrow_range=False)]


def _weight_attributes(layer):
    """Names of the attributes of ``layer`` that hold its weights (in ``layer.weights`` order)."""
    weights = list(layer.weights)
    names = []
    for weight in weights:
        found = [name for name, value in vars(layer).items() if value is weight]
        if not found:
            raise ValueError(f"cannot find the attribute holding weight {weight.name} of layer {layer.name}")
        names.append(found[0])
    return names


@keras.utils.register_keras_serializable(package="attendnets")
class ChannelScaleQuantizeConfig(QuantizeConfig):
    """Per-channel scale S (one weight vector): per-tensor 8-bit weights, 8-bit output.

    It becomes a TFLite MUL by a constant, whose int8 constant has a single
    scale, hence per-tensor (asymmetric, last-value range) weight quantization.
    """

    def __init__(self):
        self._weight_names = None  # attribute names, found before the wrapper replaces them

    def get_weights_and_quantizers(self, layer):
        self._weight_names = _weight_attributes(layer)
        quantizer = _quantizers.LastValueQuantizer(num_bits=8, per_axis=False, symmetric=False, narrow_range=False)
        return [(weight, quantizer) for weight in layer.weights]

    def set_quantize_weights(self, layer, quantize_weights):
        if self._weight_names is None or len(self._weight_names) != len(quantize_weights):
            raise ValueError(f"layer {layer.name}: expected {len(self._weight_names or [])} weights, got {len(quantize_weights)}")
        for name, value in zip(self._weight_names, quantize_weights):
            setattr(layer, name, value)

    def get_activations_and_quantizers(self, layer):
        return []

    def set_quantize_activations(self, layer, quantize_activations):
        pass

    def get_output_quantizers(self, layer):
        return [_output_quantizer()]

    def get_config(self):
        return {}


class DepthwiseKernelQuantizer(_quantizers.LastValueQuantizer):
    """Symmetric int8 with one range per *output channel* of a depthwise kernel.

    A Keras depthwise kernel is (kh, kw, C, M).  TFLite's DEPTHWISE_CONV_2D
    stores it as (1, kh, kw, C*M) with one scale per output channel c*M + m,
    and post-training quantization fills every one of them.  tfmot 0.8.1
    quantizes "per axis" along the *last* axis, which for a depthwise kernel
    is M (1 in practice): a single range for the whole kernel, a coarser grid
    than the int8 model will have, so QAT trained a different network than the
    one that ships (and started worse than PTQ).  Reshaping to (kh, kw, 1, C*M)
    keeps the memory order and puts the output channels last.
    """

    def __init__(self):
        super().__init__(num_bits=8, per_axis=True, symmetric=True, narrow_range=True)

    def build(self, tensor_shape, name, layer):
        channels = int(tensor_shape[-2]) * int(tensor_shape[-1])

        def range_variable(suffix, value):
            return layer.add_weight(name + suffix, shape=(channels,), trainable=False,
                                    initializer=keras.initializers.Constant(value))

        return {"min_var": range_variable("_min", -6.0), "max_var": range_variable("_max", 6.0)}

    def __call__(self, inputs, training, weights, **kwargs):
        shape = tf.shape(inputs)
        by_output_channel = tf.reshape(inputs, tf.concat([shape[:2], [1, -1]], axis=0))
        return tf.reshape(super().__call__(by_output_channel, training, weights, **kwargs), shape)

    def get_config(self):
        return {}


class DepthwiseConvQuantizeConfig(_d8_registry.Default8BitConvQuantizeConfig):
    """tfmot's DepthwiseConv2D config with per-output-channel kernel ranges."""

    def __init__(self, weight_attrs, activation_attrs, quantize_output):
        super().__init__(weight_attrs, activation_attrs, quantize_output)
        self.weight_quantizer = DepthwiseKernelQuantizer()


class QuantizeRegistry(_d8_registry.Default8BitQuantizeRegistry):
    """tfmot's default 8-bit registry with per-output-channel depthwise kernels.

    (Dense kernels keep tfmot's single range: TFLite's converter cannot turn a
    per-channel fake-quant on a Dense kernel into a per-channel FULLY_CONNECTED,
    "'tfl.transpose' op has mismatched quantized axes", so a QAT model's
    FULLY_CONNECTED is per-tensor where PTQ's is per-channel.)"""

    def __init__(self):
        super().__init__()
        self._layer_quantize_map[keras.layers.DepthwiseConv2D] = DepthwiseConvQuantizeConfig(
            ["depthwise_kernel"], ["activation"], False)


QUANTIZE_CONFIGS = {
    "DepthwiseConvQuantizeConfig": DepthwiseConvQuantizeConfig,
    "DepthwiseKernelQuantizer": DepthwiseKernelQuantizer,
    "OutputQuantizeConfig": OutputQuantizeConfig,
    "PassThroughQuantizeConfig": PassThroughQuantizeConfig,
    "SigmoidQuantizeConfig": SigmoidQuantizeConfig,
    "ChannelScaleQuantizeConfig": ChannelScaleQuantizeConfig,
}


def _attendnets_layers():
    """Custom layers of attendnets_tf.layers ({} while that module is absent)."""
    try:
        from attendnets_tf import layers as an_layers
    except ImportError:
        return {}
    return {
        name: obj
        for name, obj in vars(an_layers).items()
        if isinstance(obj, type) and issubclass(obj, keras.layers.Layer) and obj.__module__ == an_layers.__name__
    }


def custom_objects():
    """Everything needed to deserialize an attendnets QAT model."""
    return {**_attendnets_layers(), **QUANTIZE_CONFIGS}


class QuantizeLayer(_quantize_layer.QuantizeLayer):
    """tfmot's QuantizeLayer, built only once.

    tfmot 0.8.1's ``QuantizeLayer.build`` never sets ``built``, so loading a
    ``.keras`` file builds it twice (``build_from_config``, then the functional
    call) and the variable count no longer matches the file ("expected 5
    variables, but received 3"; tensorflow/model-optimization PR #1123).  Same
    class name, so saved files stay readable by plain tfmot too.
    """

    def build(self, input_shape):
        if self.built:
            return
        super().build(input_shape)
        self.built = True


def _short_name(variable):
    return variable.name.split(":")[0].split("/")[-1]


class QuantizeWrapperV2(_quantize_wrapper.QuantizeWrapperV2):
    """tfmot's QuantizeWrapperV2 whose ``.keras`` state is only its own variables, by name.

    tfmot's wrapper also lists the wrapped layer's weights among its own, but
    only once that layer is built, which it is after ``quantize_apply`` and
    not yet while a ``.keras`` file is being loaded; so the saved and expected
    variable lists differ ("expected 4 variables, but received 5").  Here the
    wrapper saves and loads only the variables it created (optimizer step and
    quantizer ranges), keyed by name; the wrapped layer's weights are saved
    with that layer as usual.  Same class name as tfmot's.
    """

    def _own_variables(self):
        inner = self.layer.weights
        own = []
        for variable in self._trainable_weights + self._non_trainable_weights:
            if any(variable is w for w in inner) or any(variable is w for w in own):
                continue
            own.append(variable)
        return own

    def save_own_variables(self, store):
        for variable in self._own_variables():
            store[_short_name(variable)] = variable.numpy()

    def load_own_variables(self, store):
        own = {_short_name(v): v for v in self._own_variables()}
        if set(own) != set(store.keys()):
            raise ValueError(
                f"layer {self.name}: the file holds variables {sorted(store.keys())}, the model expects {sorted(own)}"
            )
        for name, variable in own.items():
            variable.assign(store[name])


@contextlib.contextmanager
def qat_scope():
    """``quantize_scope`` with our QuantizeConfigs and the attendnets layers."""
    with _quantize.quantize_scope(custom_objects()):
        # Inner scope: ours take precedence over tfmot's classes of the same name.
        with keras.utils.custom_object_scope({"QuantizeLayer": QuantizeLayer, "QuantizeWrapperV2": QuantizeWrapperV2}):
            yield


def config_for_layer(layer):
    """Our QuantizeConfig for ``layer``, or None to keep tfmot's default."""
    layers = keras.layers
    if _has_class_named(layer, "ChannelScale"):
        return ChannelScaleQuantizeConfig()
    if isinstance(layer, layers.Multiply):
        return OutputQuantizeConfig()
    if isinstance(layer, layers.UpSampling2D):
        if getattr(layer, "interpolation", "nearest") == "nearest":
            return PassThroughQuantizeConfig()
        return OutputQuantizeConfig()
    if isinstance(layer, (layers.MaxPooling2D, layers.Cropping2D)):
        return PassThroughQuantizeConfig()
    if isinstance(layer, layers.Activation) and getattr(layer.activation, "__name__", "") == "sigmoid":
        return SigmoidQuantizeConfig()
    return None


def _has_class_named(layer, *names):
    return any(cls.__name__ in names for cls in type(layer).__mro__)


def _is_condenser(layer):
    return _has_class_named(layer, "VisualAttentionCondenser", "AttentionCondenser")


def unfold(model):
    """``model`` with every condenser rebuilt from primitive layers (model itself if it has none)."""
    if not any(_is_condenser(layer) for layer in model.layers):
        return model
    from attendnets_tf.layers import unfold_condensers

    return unfold_condensers(model)


def annotate(model):
    """Annotate every layer of a (functional or sequential) primitive-layer model for QAT."""

    def clone_fn(layer):
        config = config_for_layer(layer)
        if config is not None:
            return _quantize.quantize_annotate_layer(layer.__class__.from_config(layer.get_config()), config)
        return _quantize.quantize_annotate_layer(layer.__class__.from_config(layer.get_config()))

    with qat_scope():
        annotated = keras.models.clone_model(model, clone_function=clone_fn)
    annotated.set_weights(model.get_weights())
    return annotated


def _weights_only_config(class_name):
    """tfmot's default config for a conv/dense layer, minus its output quantizer (fused into a ReLU)."""
    if class_name == "Conv2D":
        return _d8_registry.Default8BitConvQuantizeConfig(["kernel"], [], False)
    if class_name == "DepthwiseConv2D":
        return DepthwiseConvQuantizeConfig(["depthwise_kernel"], [], False)
    if class_name == "Dense":
        return _d8_registry.Default8BitQuantizeConfig(["kernel"], [], False)
    return _d8_configs.NoOpQuantizeConfig()  # Add: TFLite fuses the ReLU into ADD


class _FusedReLUMixin:
    """tfmot 0.8.1's ``LayerReLUQuantize`` gives ``Conv2D|DepthwiseConv2D|Dense`` followed by a
    ReLU a NoOpQuantizeConfig, which drops their *weight* fake-quant too (meant for Add + ReLU
    only).  A condenser's embedding convolution is such a layer.  Here the producer keeps its
    per-channel weight quantizers and only loses the output quantizer (the ReLU's range is the
    fused output's range in TFLite)."""

    def replacement(self, match_layer):
        producer = match_layer.input_layers[0]
        if producer.metadata.get("quantize_config") is None:  # never override a custom config
            producer.metadata["quantize_config"] = _weights_only_config(producer.layer["class_name"])
        return match_layer

    def custom_objects(self):
        return {
            "NoOpQuantizeConfig": _d8_configs.NoOpQuantizeConfig,
            "Default8BitConvQuantizeConfig": _d8_registry.Default8BitConvQuantizeConfig,
            "Default8BitQuantizeConfig": _d8_registry.Default8BitQuantizeConfig,
            **QUANTIZE_CONFIGS,
        }


class _LayerReLUQuantize(_FusedReLUMixin, _d8_transforms.LayerReLUQuantize):
    pass


class _LayerReluActivationQuantize(_FusedReLUMixin, _d8_transforms.LayerReluActivationQuantize):
    pass


class _LayoutTransform(_d8_layout.Default8BitQuantizeLayoutTransform):
    """tfmot's default 8-bit layout transforms with the two ReLU-fusion transforms fixed."""

    def apply(self, model, layer_quantize_map):
        from tensorflow_model_optimization.python.core.quantization.keras.graph_transformations import (
            model_transformer,
        )

        t = _d8_transforms
        transforms = [  # the list of Default8BitQuantizeLayoutTransform.apply (tfmot 0.8.1), same order
            t.InputLayerQuantize(),
            t.SeparableConv1DQuantize(),
            t.SeparableConvQuantize(),
            t.Conv2DReshapeBatchNormReLUQuantize(),
            t.Conv2DReshapeBatchNormActivationQuantize(),
            t.Conv2DBatchNormReLUQuantize(),
            t.Conv2DBatchNormActivationQuantize(),
            t.Conv2DReshapeBatchNormQuantize(),
            t.Conv2DBatchNormQuantize(),
            t.ConcatTransform6Inputs(),
            t.ConcatTransform5Inputs(),
            t.ConcatTransform4Inputs(),
            t.ConcatTransform3Inputs(),
            t.ConcatTransform(),
            t.DenseBatchNormQuantize(),
            t.DenseBatchNormReLUQuantize(),
            t.DenseBatchNormActivationQuantize(),
            _LayerReLUQuantize(),
            _LayerReluActivationQuantize(),
        ]
        return model_transformer.ModelTransformer(
            model, transforms, set(layer_quantize_map.keys()), layer_quantize_map
        ).transform()


class QuantizeScheme(_d8_scheme.Default8BitQuantizeScheme):
    """tfmot's default 8-bit scheme with per-output-channel depthwise kernels
    (:class:`QuantizeRegistry`) and the ReLU-fusion fix above."""

    def get_quantize_registry(self):
        return QuantizeRegistry()

    def get_layout_transformer(self):
        return _LayoutTransform()


def quantize_model(model, calibration_images=None):
    """A QAT model (fake-quant everywhere, tfmot 8-bit scheme) from a float Keras model.

    Condensers are unfolded first; the float weights are kept.  With
    ``calibration_images`` (float32 NHWC) the activation ranges start from
    the float model's observed ranges (:func:`calibrate_ranges`).
    """
    flat = unfold(model)
    annotated = annotate(flat)
    with qat_scope():
        quantized = _quantize.quantize_apply(annotated, scheme=QuantizeScheme())
    for layer in quantized.layers:
        if type(layer) is _quantize_wrapper.QuantizeWrapperV2:
            layer.__class__ = QuantizeWrapperV2  # same object, our save/load of its state
    _copy_float_weights(flat, quantized)
    if calibration_images is not None:
        calibrate_ranges(quantized, flat, calibration_images)
    return quantized


def _copy_float_weights(float_model, qat_model):
    """Give each wrapped layer the weights of the float layer of the same name.

    By name, not by position: annotation and ``quantize_apply`` clone the
    model and may order weights differently, and an order mismatch would
    silently start QAT from scrambled weights.
    """
    def key(variable, layer_name):
        name = variable.name.split(":")[0]
        return name[len(layer_name) + 1:] if name.startswith(layer_name + "/") else None

    copied = 0
    for wrapper in qat_model.layers:
        inner = getattr(wrapper, "layer", None)
        if inner is None:
            continue
        source = {key(v, inner.name): v for v in float_model.get_layer(inner.name).weights}
        targets = {key(v, inner.name): v for v in wrapper.weights if key(v, inner.name)}
        missing = set(source) - set(targets)
        if missing:
            raise ValueError(f"QAT layer {wrapper.name} lacks float weights {sorted(missing)}")
        for name, variable in source.items():
            targets[name].assign(variable)
            copied += 1
    return copied


_RANGE_VARIABLES = {  # short variable name -> which end of the range
    "output_min": min, "output_max": max,
    "post_activation_min": min, "post_activation_max": max,
    "pre_activation_min": min, "pre_activation_max": max,
}


def calibrate_ranges(qat_model, float_model, images, batch_size=64):
    """Start every weight range from the weights, and every moving-average activation range
    at the float model's min/max on ``images``, so the QAT model is a faithful int8 model
    before any fine-tuning.

    tfmot initializes each range to [-6, 6] and moves it with an EMA of decay
    0.999, so a few hundred fine-tuning steps leave it near [-6, 6] (a ReLU
    output keeping half its int8 codes for negative values).  Here each
    quantized layer's range is set from the matching layer of the float model
    (same name without ``quant_``), widened to contain 0 as int8 requires;
    fine-tuning then adjusts it.  Returns the number of ranges set.
    """
    # Weight ranges: tfmot sets them (last value) only in a training step, and starts them at
    # [-6, 6], so an untrained QAT model rounds most weights to 0.  Run each weight quantizer
    # once in training mode, as the wrapper does in a training step.
    for wrapper in qat_model.layers:
        for weight, quantizer, quantizer_vars in getattr(wrapper, "_weight_vars", []):
            quantizer(weight, True, weights=quantizer_vars)
    # The input QuantizeLayer (all-values range, updated only in training): the range the data
    # pipeline defines for images ([0, 1], attendnets_tf.data.IMAGE_RANGE), widened only if these
    # images exceed it. Not the calibration images' own maximum: with a brightest pixel of 229/255
    # the range came out [0, 0.898] and every brighter pixel saturated.

    images_low = min(0.0, IMAGE_RANGE[0], float(np.min(images)))
    images_high = max(IMAGE_RANGE[1], float(np.max(images)))
    for layer in qat_model.layers:
        if isinstance(layer, _quantize_layer.QuantizeLayer):
            for v in layer.weights:
                if _short_name(v).endswith("_min"):
                    v.assign(images_low)
                elif _short_name(v).endswith("_max"):
                    v.assign(images_high)
    targets = []
    for wrapper in qat_model.layers:
        inner = getattr(wrapper, "layer", None)
        if inner is None or not wrapper.name.startswith("quant_"):
            continue
        variables = [v for v in wrapper.weights if _short_name(v) in _RANGE_VARIABLES]
        if not variables:
            continue
        activation = getattr(getattr(inner, "activation", None), "__name__", "linear")
        if any(_short_name(v).startswith("pre_activation") for v in variables) and activation != "linear":
            continue  # the layer output is after the activation, not what is quantized
        try:
            source = float_model.get_layer(inner.name)
        except ValueError:
            continue
        targets.append((source, variables))
    if not targets:
        return 0
    probe = keras.Model(float_model.inputs, [source.output for source, _ in targets])
    lows = [np.inf] * len(targets)
    highs = [-np.inf] * len(targets)
    for start in range(0, len(images), batch_size):
        outputs = probe(np.asarray(images[start:start + batch_size], np.float32), training=False)
        if len(targets) == 1:
            outputs = [outputs]
        for i, out in enumerate(outputs):
            lows[i] = min(lows[i], float(tf.reduce_min(out)))
            highs[i] = max(highs[i], float(tf.reduce_max(out)))
    for (_, variables), low, high in zip(targets, lows, highs):
        low, high = min(low, 0.0), max(high, 0.0)
        if high - low < 1e-6:
            high = low + 1e-6
        for v in variables:
            v.assign(low if _RANGE_VARIABLES[_short_name(v)] is min else high)
    return len(targets)


def is_qat_model(model):
    """True when ``model`` contains tfmot QuantizeWrapper / QuantizeLayer layers."""
    from tensorflow_model_optimization.python.core.quantization.keras import quantize_layer, quantize_wrapper

    return any(isinstance(l, (quantize_wrapper.QuantizeWrapper, quantize_layer.QuantizeLayer)) for l in model.layers)


def load_model(path):
    """Load a float or QAT attendnets ``.keras`` model (compile=False)."""
    with qat_scope():
        return keras.models.load_model(path, compile=False)


load_qat_model = load_model


#: QAT loss: weight of the distillation term (0 = labels only) and its temperature.
#: Off by default: on digits (attendnet_b, seeds 0-5) distillation left validation accuracy
#: unchanged and validation loss higher (docs/quantization.md).
DISTILL_WEIGHT = 0.0
DISTILL_TEMPERATURE = 4.0


def freeze_batch_norm(qat_model):
    """Run every BatchNormalization of a QAT model in inference mode with fixed statistics.

    TFLite folds the *moving* mean and variance into the convolution, so QAT
    that trains with batch statistics optimizes a slightly different network
    than the one converted; freezing them (common QAT practice, e.g. the
    "freeze BN" step of Krishnamoorthi 2018, arXiv:1806.08342) keeps the
    fine-tuned network the one that ships.  Gamma and beta stay fixed too.
    """
    for layer in qat_model.layers:
        inner = getattr(layer, "layer", layer)
        if isinstance(inner, keras.layers.BatchNormalization):
            inner.trainable = False


def fine_tune(qat_model, train, val=None, epochs=3, lr=1e-4, batch_size=64, seed=0, augment_shift=0, verbose=1,
              freeze_bn=True, teacher=None, distill_weight=DISTILL_WEIGHT, temperature=DISTILL_TEMPERATURE):
    """QAT fine-tuning: Adam with cosine decay from ``lr``, shuffled (optionally shifted) batches.

    ``train``/``val``: (images, labels) arrays.  ``freeze_bn``: see
    :func:`freeze_batch_norm`.  ``teacher``: the float model; when given (and
    ``distill_weight`` > 0) the loss is
    ``(1 - distill_weight) * CE(labels) + distill_weight * T^2 * KL(teacher_T || student_T)``
    on softmax(logits / T), T = ``temperature`` (see :class:`_Distiller`).
    Returns the Keras History.
    """
    keras.utils.set_random_seed(seed)
    if freeze_bn:
        freeze_batch_norm(qat_model)
    steps = max(1, epochs * math.ceil(len(train[1]) / batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(initial_learning_rate=lr, decay_steps=steps, alpha=0.0)
    trainee = qat_model
    if teacher is not None and distill_weight > 0:
        trainee = _Distiller(qat_model, teacher, distill_weight=distill_weight, temperature=temperature)
    trainee.compile(
        optimizer=keras.optimizers.Adam(learning_rate=schedule),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=["accuracy"],
    )
    train_ds = make_tf_dataset(*train, batch_size, shuffle=True, seed=seed, augment_shift=augment_shift)
    # The callback classifies the validation images itself (once per epoch) and reports
    # val_loss/val_accuracy in the epoch's logs, so fit() gets no validation_data of its own.
    callbacks = [_KeepBestOnValidation(*val)] if val is not None and len(val[1]) else []
    history = trainee.fit(train_ds, epochs=epochs, verbose=verbose, callbacks=callbacks)
    if trainee is not qat_model:  # leave the QAT model compiled, as without distillation
        qat_model.compile(optimizer=trainee.optimizer, loss=keras.losses.SparseCategoricalCrossentropy(),
                          metrics=["accuracy"])
    if callbacks:
        best = callbacks[0]
        history.best_epoch = best.best_epoch  # 0 = the calibrated model before fine-tuning
        if verbose:
            print(f"QAT: keeping epoch {best.best_epoch} (validation accuracy {best.best[0]:.4f}, loss {best.best[1]:.4f}"
                  + ("; the calibrated start: no epoch was significantly more accurate on validation)"
                     if best.best_epoch == 0 else f"; McNemar p = {best.p_value:.3g} against the epoch it replaced)"))
    return history


def logits_model(model):
    """``keras.Model(model.inputs, pre-softmax logits)`` sharing ``model``'s layers.

    For a model whose last layer is a standalone softmax (``Softmax`` or
    ``Activation('softmax')``, QAT-wrapped or not), its input; otherwise the
    log of the output probabilities (softmax(log p / T) = softmax(logits / T),
    so distillation is the same up to the clipping of tiny probabilities).
    """
    last = model.layers[-1]
    inner = getattr(last, "layer", last)
    is_softmax = isinstance(inner, keras.layers.Softmax) or (
        isinstance(inner, keras.layers.Activation) and getattr(inner.activation, "__name__", "") == "softmax")
    if is_softmax:
        return keras.Model(model.inputs, last.input)
    probabilities = model.outputs[0]
    return keras.Model(model.inputs, keras.layers.Lambda(lambda p: tf.math.log(tf.clip_by_value(p, 1e-12, 1.0)))(
        probabilities))


class _Distiller(keras.Model):
    """Trains ``student`` (the QAT model) on labels and on the float ``teacher``'s outputs.

    Knowledge distillation (Hinton et al. 2015, arXiv:1503.02531) as QAT's
    objective (e.g. Polino et al. 2018, arXiv:1802.05668; Mishra & Marr 2018,
    arXiv:1711.05852): the fake-quant network is pulled towards the float
    network's whole output distribution, not only towards the labels, which
    the float network already fits.  The aim of QAT is an int8 network that
    behaves like the float one; with labels alone, fine-tuning a model that
    is already at 100 % training accuracy mostly sharpens it on the training
    images.  Inference, evaluation and the saved model are the student's
    alone; the teacher is frozen and never saved.
    """

    def __init__(self, student, teacher, distill_weight, temperature):
        super().__init__()
        self.student = student
        self.student_logits = logits_model(student)
        self.teacher_logits = logits_model(teacher)
        self.teacher_logits.trainable = False
        self.distill_weight = float(distill_weight)
        self.temperature = float(temperature)
        self.loss_tracker = keras.metrics.Mean(name="loss")

    def call(self, inputs, training=None):
        return self.student(inputs, training=training)

    def train_step(self, data):
        x, y = data
        t = self.temperature
        teacher = tf.nn.softmax(self.teacher_logits(x, training=False) / t)
        with tf.GradientTape() as tape:
            logits = self.student_logits(x, training=True)
            hard = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True))
            soft = tf.reduce_mean(keras.losses.kl_divergence(teacher, tf.nn.softmax(logits / t))) * t * t
            loss = (1.0 - self.distill_weight) * hard + self.distill_weight * soft
        variables = self.student.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return self._update_metrics(loss, y, tf.nn.softmax(logits))

    def _update_metrics(self, loss, labels, probabilities):
        self.loss_tracker.update_state(loss, sample_weight=tf.shape(labels)[0])
        self.compiled_metrics.update_state(labels, probabilities)
        return {m.name: m.result() for m in self.metrics}

    @property
    def metrics(self):
        return [self.loss_tracker, *self.compiled_metrics.metrics]


#: A fine-tuned epoch replaces the kept one only if it is more accurate on validation with a
#: one-sided exact McNemar (sign) test p-value below this.
SIGNIFICANCE_LEVEL = 0.05


def mcnemar_p_value(fixed, broken):
    """One-sided exact McNemar test: P(at least ``fixed`` of ``fixed + broken`` coin flips come up heads).

    ``fixed``: validation images the candidate classifies correctly and the
    kept model does not; ``broken``: the reverse.  Under "the two models are
    equally accurate" each such image is a fair coin.
    """
    n = fixed + broken
    return sum(math.comb(n, k) for k in range(fixed, n + 1)) / 2 ** n if n else 1.0


class _KeepBestOnValidation(keras.callbacks.Callback):
    """Restore the weights (and quantizer ranges) of the kept epoch: fine-tuning must earn its place.

    Epoch 0 is the calibrated QAT model before any fine-tuning (close to the
    PTQ model in fake-quant form).  A later epoch replaces the kept one only
    when it is *significantly* more accurate on the validation images: it must
    fix more images than it breaks, by a margin a one-sided exact McNemar test
    accepts at :data:`SIGNIFICANCE_LEVEL` (with nothing broken, at least 5
    fixed).  Otherwise QAT ships its calibrated start.

    Why not "best validation accuracy, ties to the lower loss": in the accuracy
    bench (AttendNet-B and MobileNet-V1 on digits, 10 seeds) validation loss
    fell during fine-tuning mostly by sharper confidence on images already
    right, and one-image validation gains did not carry over to the test
    images; the epochs kept that way never gained a test image over PTQ and
    lost one or more on several seeds (docs/quantization.md).
    """

    def __init__(self, images, labels):
        super().__init__()
        self.images = images
        self.labels = np.asarray(labels).reshape(-1)
        self.best = None  # (accuracy, loss) of the kept epoch
        self.best_epoch = 0
        self.best_weights = None
        self.best_correct = None
        self.p_value = None  # of the last epoch that replaced the kept one

    def _validate(self):
        """Per-image correctness, accuracy and cross-entropy (Keras's clipping) on the validation images."""
        probabilities = self.model.predict(self.images, batch_size=256, verbose=0)
        correct = probabilities.argmax(axis=-1) == self.labels
        picked = np.clip(probabilities[np.arange(len(self.labels)), self.labels], 1e-7, 1 - 1e-7)
        return correct, float(np.mean(correct)), float(-np.mean(np.log(picked)))

    def _consider(self, epoch):
        correct, accuracy, loss = self._validate()
        if self.best_correct is not None:
            fixed = int(np.sum(correct & ~self.best_correct))
            broken = int(np.sum(~correct & self.best_correct))
            p_value = mcnemar_p_value(fixed, broken)
            if p_value >= SIGNIFICANCE_LEVEL:
                return accuracy, loss
            self.p_value = p_value
        self.best = (accuracy, loss)
        self.best_epoch, self.best_correct, self.best_weights = epoch, correct, self.model.get_weights()
        return accuracy, loss

    def on_train_begin(self, logs=None):
        self._consider(0)

    def on_epoch_end(self, epoch, logs=None):
        accuracy, loss = self._consider(epoch + 1)
        if logs is not None:  # shown by the progress bar (which runs after this callback) and kept in History
            logs["val_loss"], logs["val_accuracy"] = loss, accuracy

    def on_train_end(self, logs=None):
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)
