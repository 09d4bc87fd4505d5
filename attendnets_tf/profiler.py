"""Complexity profile of a Keras model: parameters, MACs, weight memory per layer.

Definitions (also in ``docs/architectures.md``, section "Counting"):

* **MACs** (multiply-accumulates) are counted for the layers that do them,
  per image (batch 1):

  - ``Conv2D``: ``H_out * W_out * C_out * k_h * k_w * C_in / groups``
  - ``DepthwiseConv2D``: ``H_out * W_out * C_out * k_h * k_w``
    (``C_out = C_in * depth_multiplier``)
  - ``Dense``: ``(elements of the input) / C_in * C_in * C_out``, i.e.
    ``C_in * C_out`` per input row.

  Bias additions, batch normalization (folded into the convolution at
  conversion), activations, pooling, resizing, cropping and additions are
  not MACs.

* **Element-wise multiplies** (``elementwise_mults``) are counted apart from
  MACs: ``Multiply`` costs ``(inputs - 1) * output elements``,
  :class:`~attendnets_tf.layers.ChannelScale` one per output element.  In a
  visual attention condenser these are ``V * A`` and ``* S``.

* **Parameters**: every weight, trainable or not (BatchNorm's moving mean and
  variance included), as ``model.count_params()`` reports; a layer shared by
  several calls is counted once.
* **Weight memory**: parameters at 1 byte (``weight_bytes_int8``) and 4 bytes
  (``weight_bytes_float32``) each.  This is the storage of the Keras
  parameters; the converted int8 flatbuffer differs slightly (BatchNorm
  folded away, int32 biases, quantization parameters): ``attendnets inspect``
  reports its exact size.

Condensers (and nested models) are descended into: each of their sublayers is
a row named ``outer/inner``.
"""

import dataclasses
import json
import math

from attendnets_tf._tf import keras, tf
from attendnets_tf.layers import CONDENSER_CLASSES, ChannelScale

__all__ = ["LayerProfile", "ModelProfile", "profile_model", "format_table", "profile_to_json"]


@dataclasses.dataclass(frozen=True)
class LayerProfile:
    """One call of one layer."""

    name: str
    type: str
    output_shape: tuple  # without the batch dimension; a tuple of tuples for several outputs
    params: int
    macs: int
    elementwise_mults: int

    def as_dict(self):
        return {
            "name": self.name,
            "type": self.type,
            "output_shape": list(self.output_shape),
            "params": self.params,
            "macs": self.macs,
            "elementwise_mults": self.elementwise_mults,
        }


@dataclasses.dataclass(frozen=True)
class ModelProfile:
    """The profile of one model; writers (table, JSON) read only this."""

    model_name: str
    input_shape: tuple
    layers: tuple  # of LayerProfile
    params: int
    macs: int
    elementwise_mults: int

    @property
    def weight_bytes_int8(self):
        return self.params

    @property
    def weight_bytes_float32(self):
        return 4 * self.params

    def totals(self):
        return {
            "params": self.params,
            "macs": self.macs,
            "elementwise_mults": self.elementwise_mults,
            "weight_bytes_int8": self.weight_bytes_int8,
            "weight_bytes_float32": self.weight_bytes_float32,
        }

    def as_dict(self):
        return {
            "model": self.model_name,
            "input_shape": list(self.input_shape),
            "totals": self.totals(),
            "layers": [layer.as_dict() for layer in self.layers],
        }


def _dims(shape):
    """A shape without its batch dimension, as a tuple of ints (None kept)."""
    shape = tf.TensorShape(shape)
    return tuple(shape.as_list()[1:])


def _elements(dims):
    if any(d is None for d in dims):
        raise ValueError(f"cannot count MACs of a tensor with unknown dimensions {dims}")
    return math.prod(dims)


def _layer_cost(layer, input_shapes, output_shape):
    """``(macs, elementwise_mults)`` of one call of a primitive layer (batch 1)."""
    out = _dims(output_shape)
    if isinstance(layer, keras.layers.DepthwiseConv2D):  # before Conv2D: it subclasses it
        kh, kw = layer.kernel_size
        return _elements(out) * kh * kw, 0
    if isinstance(layer, keras.layers.Conv2D) and not isinstance(layer, keras.layers.Conv2DTranspose):
        kh, kw = layer.kernel_size
        c_in = _dims(input_shapes[0])[-1]
        groups = getattr(layer, "groups", 1) or 1
        return _elements(out) * kh * kw * (c_in // groups), 0
    if isinstance(layer, keras.layers.Conv1D):
        (k,) = layer.kernel_size
        c_in = _dims(input_shapes[0])[-1]
        groups = getattr(layer, "groups", 1) or 1
        return _elements(out) * k * (c_in // groups), 0
    if isinstance(layer, keras.layers.Dense):
        c_in = _dims(input_shapes[0])[-1]
        return _elements(out) * c_in, 0
    if isinstance(layer, keras.layers.Multiply):
        return 0, _elements(out) * (len(input_shapes) - 1)
    if isinstance(layer, ChannelScale):
        return 0, _elements(out)
    return 0, 0


def _as_shape_list(shapes):
    """Normalize a node's input shapes (one shape or a list of them) to a list of TensorShapes."""
    if isinstance(shapes, dict):
        shapes = list(shapes.values())
    if isinstance(shapes, (list, tuple)) and shapes and isinstance(shapes[0], (tf.TensorShape, list, tuple)):
        return [tf.TensorShape(s) for s in shapes]
    return [tf.TensorShape(shapes)]


def _condenser_rows(layer, input_shape, prefix):
    rows = []
    shape = tf.TensorShape(input_shape)
    for role, sub in layer._chain:
        if role == "attend":
            in_shapes = [tf.TensorShape(input_shape), shape]
            out_shape = tf.TensorShape(input_shape)
        else:
            in_shapes = [shape]
            out_shape = tf.TensorShape(sub.compute_output_shape(shape))
        macs, mults = _layer_cost(sub, in_shapes, out_shape)
        rows.append(
            LayerProfile(f"{prefix}/{role}", type(sub).__name__, _dims(out_shape), sub.count_params(), macs, mults)
        )
        shape = out_shape
    return rows


def _model_rows(model, prefix=""):
    rows = []
    seen = set()
    for depth in sorted(model._nodes_by_depth, reverse=True):
        for node in model._nodes_by_depth[depth]:
            layer = node.layer
            if node.is_input or isinstance(layer, keras.layers.InputLayer):
                continue
            name = f"{prefix}{layer.name}"
            first_call = id(layer) not in seen
            seen.add(id(layer))
            input_shapes = _as_shape_list(node.input_shapes)
            if isinstance(layer, CONDENSER_CLASSES):
                sub_rows = _condenser_rows(layer, input_shapes[0], name)
            elif isinstance(layer, keras.Model) and getattr(layer, "_is_graph_network", False):
                sub_rows = _model_rows(layer, prefix=f"{name}/")
            else:
                sub_rows = None
            if sub_rows is not None:
                if not first_call:
                    sub_rows = [dataclasses.replace(r, params=0) for r in sub_rows]
                rows.extend(sub_rows)
                continue
            output_shapes = node.output_shapes
            # A wrapper (e.g. tfmot's QuantizeWrapper in a QAT model) costs what it wraps.
            inner = layer
            while isinstance(inner, keras.layers.Wrapper):
                inner = inner.layer
            macs, mults = _layer_cost(inner, input_shapes, output_shapes)
            if isinstance(output_shapes, (list, tuple)) and output_shapes and isinstance(
                output_shapes[0], (list, tuple, tf.TensorShape)
            ):
                out_dims = tuple(_dims(s) for s in output_shapes)
            else:
                out_dims = _dims(output_shapes)
            params = layer.count_params() if first_call and layer.built else 0
            kind = type(layer).__name__ if inner is layer else f"{type(layer).__name__}({type(inner).__name__})"
            rows.append(LayerProfile(name, kind, out_dims, params, macs, mults))
    return rows


def profile_model(model):
    """Profile a built functional/Sequential tf-keras model (batch size 1)."""
    if not getattr(model, "_is_graph_network", False):
        raise ValueError(f"can only profile functional or Sequential models, not {type(model).__name__}")
    rows = tuple(_model_rows(model))
    params = model.count_params()
    row_params = sum(r.params for r in rows)
    if row_params != params:  # a layer kind whose weights we did not attribute
        raise AssertionError(f"profiler bug: rows hold {row_params} parameters, the model {params}")
    input_shape = tuple(_dims(model.inputs[0].shape)) if len(model.inputs) == 1 else tuple(
        _dims(t.shape) for t in model.inputs
    )
    return ModelProfile(
        model_name=model.name,
        input_shape=input_shape,
        layers=rows,
        params=params,
        macs=sum(r.macs for r in rows),
        elementwise_mults=sum(r.elementwise_mults for r in rows),
    )


def _shape_text(shape):
    if shape and isinstance(shape[0], tuple):
        return ", ".join(_shape_text(s) for s in shape)
    return "x".join("?" if d is None else str(d) for d in shape)


def format_table(profile):
    """The per-layer table and the totals as text."""
    header = ("layer", "type", "output", "params", "MACs", "elem. mults")
    body = [
        (r.name, r.type, _shape_text(r.output_shape), f"{r.params:,}", f"{r.macs:,}", f"{r.elementwise_mults:,}")
        for r in profile.layers
    ]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    right = {3, 4, 5}

    def line(row):
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip()

    out = [line(header), line(tuple("-" * w for w in widths))]
    out += [line(row) for row in body]
    t = profile.totals()
    out += [
        "",
        f"model: {profile.model_name}, input {_shape_text(profile.input_shape) if profile.input_shape else '?'}",
        f"parameters:          {t['params']:,}",
        f"MACs:                {t['macs']:,} ({t['macs'] / 1e6:.1f} M)",
        f"element-wise mults:  {t['elementwise_mults']:,}",
        f"weight memory int8:  {t['weight_bytes_int8']:,} bytes ({t['weight_bytes_int8'] / 1024:.1f} KiB)",
        f"weight memory fp32:  {t['weight_bytes_float32']:,} bytes ({t['weight_bytes_float32'] / 1024:.1f} KiB)",
        "MACs: multiply-accumulates of Conv2D / DepthwiseConv2D / Dense (docs/architectures.md; `attendnets "
        "report` counts the same on the .tflite); element-wise multiplies apart; additions and pooling count 0;",
        "weight memory: every Keras parameter x 1 or 4 bytes (BatchNorm included, before folding: the .tflite's "
        "weight bytes in `attendnets report` are its constant tensors, int32 biases included)",
    ]
    return "\n".join(out)


def profile_to_json(profile):
    return json.dumps(profile.as_dict(), indent=2)
