"""Multiply-accumulate counts per operator, from tensor shapes alone (any .tflite).

The counts are defined once, in docs/architectures.md ("Counting"), and
``attendnets profile`` (Keras layers) counts the same way, so the two give one
total for one network.  Two columns:

**MACs**: the products of the matrix operators, one multiply added into an
accumulator:

* CONV_2D: output elements x kernel height x kernel width x input channels per group
* DEPTHWISE_CONV_2D: output elements x kernel height x kernel width
* FULLY_CONNECTED: output elements x input depth (weights ``[units, depth]``)
* TRANSPOSE_CONV: input elements x kernel height x kernel width x output channels
* BATCH_MATMUL: output elements x the shared (contracted) dimension
* UNIDIRECTIONAL_SEQUENCE_LSTM: per time step and batch, the input and
  recurrent matrix products of each gate (3 gates with CIFG, else 4) and the
  projection
* SVDF: feature and time-weight products

**Element-wise multiplies** (apart from MACs, as ``profile``'s
``elementwise_mults``): MUL ``(inputs - 1) x output elements``,
SQUARED_DIFFERENCE one per output element, an LSTM's peephole and cell
products.

Everything else counts 0 in both: additions (ADD, bias), pooling and means
(accumulations without multiplies), activations, reshapes, softmax, quantize.
"""

from __future__ import annotations


def _prod(values):
    total = 1
    for v in values:
        total *= int(v)
    return total


def _shape(sg, index):
    if index < 0 or index >= len(sg.tensors):
        return None
    return sg.tensor(index).shape


def _out_elements(sg, op):
    if not op.outputs:
        return 0
    shape = _shape(sg, op.outputs[0])
    return _prod(shape) if shape is not None and all(d >= 0 for d in shape) else 0


def operator_macs(sg, op) -> int:
    """MACs of one operator of subgraph ``sg`` (0 when the shapes are unknown)."""
    name = op.name
    ins = op.inputs
    out = _out_elements(sg, op)

    def inp(i):
        return _shape(sg, ins[i]) if i < len(ins) else None

    try:
        if name == "CONV_2D":
            w = inp(1)  # [out_ch, kh, kw, in_ch_per_group]
            return out * w[1] * w[2] * w[3]
        if name == "DEPTHWISE_CONV_2D":
            w = inp(1)  # [1, kh, kw, out_ch]
            return out * w[1] * w[2]
        if name == "FULLY_CONNECTED":
            w = inp(1)  # [units, depth]
            return out * w[-1]
        if name == "TRANSPOSE_CONV":
            w = inp(1)  # [out_ch, kh, kw, in_ch]
            x = inp(2)
            return _prod(x) * w[0] * w[1] * w[2]
        if name == "BATCH_MATMUL":
            lhs = inp(0)
            adj_x = bool(op.options.get("adj_x", False))
            depth = lhs[-2] if adj_x else lhs[-1]
            return out * depth
        if name == "UNIDIRECTIONAL_SEQUENCE_LSTM":
            return _lstm_macs(sg, op)
        if name == "SVDF":
            x, wf, wt = inp(0), inp(1), inp(2)
            batch = x[0]
            filters, memory = wt[0], wt[1]
            return batch * filters * (wf[1] + memory)
    except (TypeError, IndexError):
        return 0  # an optional tensor absent or a shape of unexpected rank: nothing to count
    return 0


def operator_elementwise_mults(sg, op) -> int:
    """Element-wise multiplies of one operator (MUL, SQUARED_DIFFERENCE, an LSTM's cell products)."""
    try:
        if op.name == "MUL":
            return (len([i for i in op.inputs if i >= 0]) - 1) * _out_elements(sg, op)
        if op.name == "SQUARED_DIFFERENCE":
            return _out_elements(sg, op)
        if op.name == "UNIDIRECTIONAL_SEQUENCE_LSTM":
            return _lstm_macs(sg, op, elementwise=True)
    except (TypeError, IndexError):
        return 0
    return 0


def _lstm_macs(sg, op, elementwise=False):
    ins = op.inputs
    x = sg.tensor(ins[0]).shape
    time_major = bool(op.options.get("time_major", False))
    steps, batch = (x[0], x[1]) if time_major else (x[1], x[0])
    n_input = x[2]
    # Input-to-forget weights (input 2) are always present: [n_cell, n_input].
    n_cell = sg.tensor(ins[2]).shape[0]
    # Recurrent-to-forget weights (input 6): [n_cell, n_output].
    n_output = sg.tensor(ins[6]).shape[1]
    gates = 4 if ins[1] >= 0 else 3  # no input gate weights: CIFG
    if elementwise:
        peepholes = sum(1 for i in (9, 10, 11) if len(ins) > i and ins[i] >= 0)
        # peephole products, and c = f*c + i*g (2 products), h = o*tanh(c) (1)
        return steps * batch * (peepholes + 3) * n_cell
    per_step = gates * n_cell * (n_input + n_output)
    if len(ins) > 16 and ins[16] >= 0:  # projection weights [n_output, n_cell]
        per_step += n_output * n_cell
    return steps * batch * per_step


def model_macs(model, subgraph: int = 0) -> list:
    """MACs of every operator of one subgraph, in execution order."""
    sg = model.subgraphs[subgraph]
    return [operator_macs(sg, op) for op in sg.operators]


def model_elementwise_mults(model, subgraph: int = 0) -> list:
    """Element-wise multiplies of every operator of one subgraph, in execution order."""
    sg = model.subgraphs[subgraph]
    return [operator_elementwise_mults(sg, op) for op in sg.operators]
