"""Attention condenser layers (TinySpeech, AttendNets) for tf-keras.

Importing this module registers every layer below with Keras serialization
(package ``attendnets``), so a saved ``.keras`` model that contains them loads
with plain ``tf_keras.models.load_model(path)`` and no ``custom_objects``.
Users do ``import attendnets_tf.layers`` (or import anything that imports it,
e.g. :mod:`attendnets_tf.models`) before loading; :func:`load_model` does it.

The exact definition, with shapes, is in ``docs/attention_condensers.md``.
In short, for an input ``V`` of shape ``(N, H, W, C)``::

    Q  = MaxPool(p x p, stride p, 'same')(V)          (N, ceil(H/p), ceil(W/p), C)
    E  = ReLU(Embed(Q))                               (N, ceil(H/p), ceil(W/p), C/r)
    A' = sigmoid(Conv1x1_C(E))                        (N, ceil(H/p), ceil(W/p), C)
    A  = Crop(UpsampleNearest_p(A'))                  (N, H, W, C)
    V' = V * A * S                                    (N, H, W, C)

where ``Embed`` is a depthwise k x k convolution followed by a 1x1 convolution
to ``C/r`` channels for the :class:`VisualAttentionCondenser` (AttendNets) and
one full k x k convolution to ``C/r`` channels for the
:class:`AttentionCondenser` (TinySpeech), and ``S`` is
a learned per-channel scale.  The 1x1 convolution and the sigmoid act on each
pixel alone, so they commute with nearest-neighbour upsampling: computing them
at the condensed size gives the same numbers as upsampling first, for
``p*p`` times fewer MACs and LOGISTIC evaluations.

Every condenser is a fixed chain of standard Keras layers held as attributes
(``MaxPooling2D``, ``DepthwiseConv2D``/``Conv2D``, ``ReLU``, ``Activation``,
``UpSampling2D``, ``Cropping2D``, ``Multiply``, :class:`ChannelScale`), and
lowers to TFLM builtin int8 operators only.  :func:`unfold_condensers`
rewrites a model so that chain is visible at the top level (what tfmot needs
to place fake-quant on every tensor inside a condenser).

References:
    A. Wong, M. Famouri, M. Pavlova, S. Surana. "TinySpeech: Attention
    Condensers for Deep Speech Recognition Neural Networks on Edge Devices",
    arXiv:2008.04245, 2020.
    A. Wong, M. Famouri, M. J. Shafiee. "AttendNets: Tiny Deep Image
    Recognition Neural Networks for the Edge via Visual Attention
    Condensers", arXiv:2009.14385, 2020.
"""

from attendnets_tf._tf import keras, tf

_PACKAGE = "attendnets"

__all__ = [
    "ChannelScale",
    "AttentionCondenser",
    "VisualAttentionCondenser",
    "CONDENSER_CLASSES",
    "unfold_condensers",
    "same_pool_crop",
    "load_model",
]


def _check_positive_int(name, value, minimum=1):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        kind = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"`{name}` must be {kind}. Received: {name}={value!r}")
    return value


def same_pool_crop(size, pool_size):
    """Crop that undoes 'same' pooling + upsampling along one axis.

    Max pooling with window = stride = ``pool_size`` and 'same' padding gives
    ``ceil(size / pool_size)`` cells; TensorFlow (and TFLite) pad
    ``total = cells * pool_size - size`` rows, ``total // 2`` before and the
    rest after.  Upsampling by ``pool_size`` gives ``cells * pool_size`` rows;
    removing the same ``(before, after)`` rows puts every output row back on
    the cell that pooled it.

    Returns:
        ``(crop_before, crop_after)`` in rows (or columns).
    """
    cells = -(-size // pool_size)
    total = cells * pool_size - size
    return total // 2, total - total // 2


@keras.saving.register_keras_serializable(package=_PACKAGE)
class ChannelScale(keras.layers.Layer):
    """Learned per-channel scale: ``y = x * scale``, ``scale`` of shape ``(C,)``.

    One weight, one element-wise multiply (a TFLite ``MUL`` by a constant).

    Args:
        scale_initializer: initializer of ``scale`` (default ``"ones"``).
        scale_regularizer: optional regularizer of ``scale``.

    Input shape:
        ``(..., C)`` with ``C`` known.

    Output shape:
        Same as the input.
    """

    def __init__(self, scale_initializer="ones", scale_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        self.scale_initializer = keras.initializers.get(scale_initializer)
        self.scale_regularizer = keras.regularizers.get(scale_regularizer)

    def build(self, input_shape):
        channels = tf.TensorShape(input_shape)[-1]
        if channels is None:
            raise ValueError(f"{self.name}: the last (channel) dimension must be known. Received: input_shape={input_shape}")
        self.input_spec = keras.layers.InputSpec(min_ndim=2, axes={-1: channels})
        self.scale = self.add_weight(
            name="scale",
            shape=(channels,),
            initializer=self.scale_initializer,
            regularizer=self.scale_regularizer,
            trainable=True,
        )
        super().build(input_shape)

    def call(self, inputs):
        return inputs * tf.cast(self.scale, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return tf.TensorShape(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "scale_initializer": keras.initializers.serialize(self.scale_initializer),
            "scale_regularizer": keras.regularizers.serialize(self.scale_regularizer),
        }


class _CondenserBase(keras.layers.Layer):
    """Shared machinery of the two condensers: arguments, sublayers, forward chain.

    Subclasses implement :meth:`_embedding_layers`.  Both take these arguments and shapes:

    Args:
        reduction_ratio: channel reduction ``r`` of the embedding; it has
            ``max(C // r, min_embedding_channels)`` channels.
        pool_size: condensation factor ``p`` (pooling window and stride,
            upsampling factor).
        kernel_size: odd spatial size ``k`` of the embedding's spatial
            convolution (:class:`AttentionCondenser`: the full ``k x k``
            convolution; :class:`VisualAttentionCondenser`: the depthwise one).
        min_embedding_channels: lower bound on the embedding channels.
        kernel_initializer, kernel_regularizer: for every convolution kernel.
        scale_initializer: initializer of ``S`` (default ``"ones"``).

    Input shape:
        ``(batch, H, W, C)``, ``H``, ``W``, ``C`` known (any sizes, odd too).

    Output shape:
        ``(batch, H, W, C)``.
    """

    def __init__(
        self,
        reduction_ratio=4,
        pool_size=2,
        kernel_size=3,
        min_embedding_channels=1,
        kernel_initializer="glorot_uniform",
        kernel_regularizer=None,
        scale_initializer="ones",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.reduction_ratio = _check_positive_int("reduction_ratio", reduction_ratio)
        self.pool_size = _check_positive_int("pool_size", pool_size)
        self.kernel_size = _check_positive_int("kernel_size", kernel_size)
        if kernel_size % 2 == 0:
            raise ValueError(f"`kernel_size` must be odd (so 'same' padding is symmetric). Received: kernel_size={kernel_size}")
        self.min_embedding_channels = _check_positive_int("min_embedding_channels", min_embedding_channels)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.scale_initializer = keras.initializers.get(scale_initializer)
        self.input_spec = keras.layers.InputSpec(ndim=4)
        self._chain = None

    # --- construction -----------------------------------------------------

    def embedding_channels(self, channels):
        """Channels of the embedding: ``max(C // reduction_ratio, min_embedding_channels)``."""
        return max(channels // self.reduction_ratio, self.min_embedding_channels)

    def _conv_kwargs(self):
        return {
            "kernel_initializer": keras.initializers.get(keras.initializers.serialize(self.kernel_initializer)),
            "kernel_regularizer": keras.regularizers.get(keras.regularizers.serialize(self.kernel_regularizer)),
        }

    def _embedding_layers(self, channels, embedding_channels):
        raise NotImplementedError

    def _make_chain(self, input_shape, prefix):
        """The primitive layers of this condenser, in call order, as ``[(role, layer)]``."""
        _, height, width, channels = input_shape
        p = self.pool_size
        emb = self.embedding_channels(channels)
        chain = [("pool", keras.layers.MaxPooling2D(p, strides=p, padding="same", name=f"{prefix}_pool"))]
        chain += self._embedding_layers(channels, emb, prefix)
        chain += [
            ("embed_relu", keras.layers.ReLU(name=f"{prefix}_embed_relu")),
            (
                "expand_pw",
                keras.layers.Conv2D(channels, 1, use_bias=True, name=f"{prefix}_expand_pw", **self._conv_kwargs()),
            ),
            ("sigmoid", keras.layers.Activation("sigmoid", name=f"{prefix}_sigmoid")),
            ("upsample", keras.layers.UpSampling2D(p, interpolation="nearest", name=f"{prefix}_upsample")),
        ]
        crop_h, crop_w = same_pool_crop(height, p), same_pool_crop(width, p)
        if any(crop_h + crop_w):
            chain.append(("crop", keras.layers.Cropping2D((crop_h, crop_w), name=f"{prefix}_crop")))
        chain += [
            ("attend", keras.layers.Multiply(name=f"{prefix}_attend")),
            (
                "scale",
                ChannelScale(
                    scale_initializer=keras.initializers.get(keras.initializers.serialize(self.scale_initializer)),
                    name=f"{prefix}_scale",
                ),
            ),
        ]
        return chain

    def build(self, input_shape):
        input_shape = tf.TensorShape(input_shape)
        if input_shape.rank != 4 or any(d is None for d in input_shape[1:]):
            raise ValueError(
                f"{type(self).__name__} needs a 4-D input (batch, height, width, channels) with known "
                f"height, width and channels. Received: input_shape={input_shape}"
            )
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={1: input_shape[1], 2: input_shape[2], 3: input_shape[3]})
        chain = self._make_chain(input_shape.as_list(), self.name)
        # Sublayers as attributes, so Keras tracks their weights and saving
        # walks them (``self.pool``, ``self.embed_dw``, ...).
        for role, layer in chain:
            setattr(self, role, layer)
        self._chain = chain
        # Build every sublayer now so the weights exist right after build().
        shape = input_shape
        for role, layer in chain:
            with tf.name_scope(role):  # weight names "<condenser>/<role>/kernel:0"
                if role == "attend":
                    layer.build([input_shape, shape])
                    shape = input_shape
                else:
                    layer.build(shape)
                    shape = layer.compute_output_shape(shape)
        super().build(input_shape)

    # --- forward ----------------------------------------------------------

    @staticmethod
    def _forward(inputs, chain):
        x = inputs
        for role, layer in chain:
            x = layer([inputs, x]) if role == "attend" else layer(x)
        return x

    def call(self, inputs):
        return self._forward(inputs, self._chain)

    def compute_output_shape(self, input_shape):
        return tf.TensorShape(input_shape)

    def unfold(self, inputs, name=None):
        """Apply fresh copies of the sublayers (weights copied) to ``inputs``.

        Returns ``(outputs, layers)``: the output tensor and the new top-level
        layers, named ``f"{name}_{role}"`` (``name`` defaults to this layer's).
        """
        if not self.built:
            raise ValueError(f"{self.name}: build the condenser before unfolding it")
        fresh = self._make_chain(self._build_input_shape.as_list(), name or self.name)
        outputs = self._forward(inputs, fresh)
        for (role, old), (_, new) in zip(self._chain, fresh):
            new.set_weights(old.get_weights())
        return outputs, [layer for _, layer in fresh]

    def get_config(self):
        return {
            **super().get_config(),
            "reduction_ratio": self.reduction_ratio,
            "pool_size": self.pool_size,
            "kernel_size": self.kernel_size,
            "min_embedding_channels": self.min_embedding_channels,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
            "scale_initializer": keras.initializers.serialize(self.scale_initializer),
        }


@keras.saving.register_keras_serializable(package=_PACKAGE)
class AttentionCondenser(_CondenserBase):
    """Attention condenser (TinySpeech): self-attention through a condensed embedding.

    With ``Q = MaxPool_p(V)`` (window = stride = ``pool_size``, 'same'),
    ``E = ReLU(Conv_{k x k, C/r}(Q))``,
    ``A = Crop(Upsample_p(sigmoid(Conv_{1x1, C}(E))))`` and
    ``V' = V * A * S`` (``S`` a learned per-channel scale).  The embedding
    is one full ``k x k`` convolution from ``C`` to ``C/r`` channels;
    :class:`VisualAttentionCondenser` factorizes it into a depthwise and a
    1x1 convolution.  See ``docs/attention_condensers.md``.

    Args, input and output shapes: those of both condensers (see ``_CondenserBase``).

    Example:
        >>> import attendnets_tf.layers as L
        >>> x = keras.Input((7, 7, 16))
        >>> L.AttentionCondenser(reduction_ratio=4)(x).shape
        TensorShape([None, 7, 7, 16])
    """

    def _embedding_layers(self, channels, embedding_channels, prefix):
        return [
            (
                "embed_conv",
                keras.layers.Conv2D(
                    embedding_channels,
                    self.kernel_size,
                    padding="same",
                    use_bias=True,
                    name=f"{prefix}_embed_conv",
                    **self._conv_kwargs(),
                ),
            ),
        ]


@keras.saving.register_keras_serializable(package=_PACKAGE)
class VisualAttentionCondenser(_CondenserBase):
    """Visual attention condenser (AttendNets): attention from a cheap condensed embedding.

    With ``Q = MaxPool_p(V)`` (window = stride = ``pool_size``, 'same'),
    ``E = ReLU(Conv_{1x1, C/r}(DepthwiseConv_{k x k}(Q)))``,
    ``A = Crop(Upsample_p(sigmoid(Conv_{1x1, C}(E))))`` and
    ``V' = V * A * S`` (``S`` a learned per-channel scale).  The crop
    removes the rows/columns that 'same' pooling padded (see
    :func:`same_pool_crop`), so a 7x7 input condenses to 4x4, expands to
    8x8 and is cropped back to 7x7.  See ``docs/attention_condensers.md``.

    Args, input and output shapes: those of both condensers (see ``_CondenserBase``).

    Example:
        >>> import attendnets_tf.layers as L
        >>> x = keras.Input((7, 7, 32))
        >>> L.VisualAttentionCondenser(reduction_ratio=8)(x).shape
        TensorShape([None, 7, 7, 32])
    """

    def _embedding_layers(self, channels, embedding_channels, prefix):
        return [
            (
                "embed_dw",
                keras.layers.DepthwiseConv2D(
                    self.kernel_size,
                    padding="same",
                    use_bias=False,
                    name=f"{prefix}_embed_dw",
                    depthwise_initializer=keras.initializers.get(
                        keras.initializers.serialize(self.kernel_initializer)
                    ),
                    depthwise_regularizer=keras.regularizers.get(
                        keras.regularizers.serialize(self.kernel_regularizer)
                    ),
                ),
            ),
            (
                "embed_pw",
                keras.layers.Conv2D(
                    embedding_channels, 1, use_bias=True, name=f"{prefix}_embed_pw", **self._conv_kwargs()
                ),
            ),
        ]


CONDENSER_CLASSES = (AttentionCondenser, VisualAttentionCondenser)


def _is_keras_tensor(x):
    return keras.backend.is_keras_tensor(x)


def unfold_condensers(model):
    """Rebuild ``model`` with every condenser replaced by its primitive layers.

    Contract:
        * ``model`` is a functional (or built ``Sequential``) tf-keras model;
          subclassed models raise ``ValueError``.  A nested model that
          contains a condenser raises ``ValueError`` (flatten it first).
        * Returns a new functional ``keras.Model`` with the same inputs,
          outputs and name.  Each :class:`AttentionCondenser` /
          :class:`VisualAttentionCondenser` named ``N`` becomes the chain
          ``N_pool`` (MaxPooling2D), ``N_embed_dw`` (DepthwiseConv2D) and
          ``N_embed_pw`` (Conv2D) or ``N_embed_conv`` (Conv2D),
          ``N_embed_relu`` (ReLU), ``N_expand_pw`` (Conv2D), ``N_sigmoid``
          (Activation sigmoid), ``N_upsample`` (UpSampling2D nearest),
          ``N_crop`` (Cropping2D, only when H or W is not a multiple of the
          pool size), ``N_attend`` (Multiply of the block input and the
          attention map) and ``N_scale`` (:class:`ChannelScale`).
        * Every other layer is re-created from its config with the same name.
        * All weights are copied (no layer object or variable is shared with
          ``model``, which is left unchanged), so the new model computes the
          same outputs as ``model`` (bit-identical in float32: the same ops
          run in the same order).
        * A model without condensers comes back as an equivalent copy.
    """
    if isinstance(model, keras.Sequential) and not model._is_graph_network:
        raise ValueError("unfold_condensers: build the Sequential model (give it an input shape) first")
    if not getattr(model, "_is_graph_network", False):
        raise ValueError(
            f"unfold_condensers needs a functional or Sequential model; {type(model).__name__} is subclassed"
        )

    new_tensors = {}
    new_inputs = []
    for old_input in model.inputs:
        layer = old_input._keras_history.layer
        new_input = keras.Input(
            batch_shape=old_input.shape, dtype=old_input.dtype, name=layer.name, sparse=getattr(layer, "sparse", False)
        )
        new_tensors[id(old_input)] = new_input
        new_inputs.append(new_input)

    def remap(x):
        if _is_keras_tensor(x):
            return new_tensors[id(x)]
        return x

    for depth in sorted(model._nodes_by_depth, reverse=True):
        for node in model._nodes_by_depth[depth]:
            layer = node.layer
            if node.is_input or isinstance(layer, keras.layers.InputLayer):
                continue
            args = tf.nest.map_structure(remap, node.call_args)
            kwargs = tf.nest.map_structure(remap, node.call_kwargs)
            if isinstance(layer, CONDENSER_CLASSES):
                if len(args) == 1 and set(kwargs) <= {"training", "mask"}:  # both meaningless here
                    outputs, _ = layer.unfold(args[0])
                else:
                    raise ValueError(f"unfold_condensers: {layer.name} must be called on one tensor")
            else:
                if isinstance(layer, keras.Model) and any(
                    isinstance(sub, CONDENSER_CLASSES) for sub in _all_layers(layer)
                ):
                    raise ValueError(
                        f"unfold_condensers: nested model {layer.name} contains condensers; flatten it first"
                    )
                copy = _copy_layer(layer)
                outputs = copy(*args, **kwargs)
                copy.set_weights(layer.get_weights())
            for old, new in zip(tf.nest.flatten(node.outputs), tf.nest.flatten(outputs)):
                new_tensors[id(old)] = new

    new_outputs = tf.nest.map_structure(remap, model._nested_outputs)
    return keras.Model(new_inputs, new_outputs, name=model.name)


def _all_layers(model):
    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from _all_layers(layer)


def _copy_layer(layer):
    if isinstance(layer, keras.Model):
        return keras.models.clone_model(layer)
    return layer.__class__.from_config(layer.get_config())


def load_model(path, compile=False):
    """``keras.models.load_model`` with the attendnets layers registered.

    Same as ``import attendnets_tf.layers`` followed by
    ``tf_keras.models.load_model(path, compile=compile)``.
    """
    return keras.models.load_model(path, compile=compile)
