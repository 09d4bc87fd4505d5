"""MAC counts per operator from shapes (converter.report.macs), against hand-computed figures."""

from converter.report.macs import model_elementwise_mults, model_macs
from converter.tflite_model import load_model

from tflite_builder import ModelBuilder


def _q(b, name, shape, constant=False, dtype="int8"):
    return b.tensor(name, shape, dtype, scale=0.1, zero_point=0, constant=constant)


def test_convolutions_fc_pool_mul_and_transpose_conv():
    b = ModelBuilder()
    x = _q(b, "x", (1, 8, 8, 4))
    # CONV_2D 3x3, 4 -> 6 channels, SAME stride 1: 8*8*6 outputs x 3*3*4.
    w1 = _q(b, "w1", (6, 3, 3, 4), constant=True)
    y1 = _q(b, "y1", (1, 8, 8, 6))
    b.op("CONV_2D", [x, w1, -1], [y1], options={"type": "conv2d"})
    # Grouped CONV_2D: 6 -> 6 channels in 3 groups of 2: filter depth 2.
    w2 = _q(b, "w2", (6, 3, 3, 2), constant=True)
    y2 = _q(b, "y2", (1, 8, 8, 6))
    b.op("CONV_2D", [y1, w2, -1], [y2], options={"type": "conv2d"})
    # DEPTHWISE_CONV_2D 3x3 stride 2: 4*4*6 outputs x 3*3.
    w3 = _q(b, "w3", (1, 3, 3, 6), constant=True)
    y3 = _q(b, "y3", (1, 4, 4, 6))
    b.op("DEPTHWISE_CONV_2D", [y2, w3, -1], [y3])
    # AVERAGE_POOL_2D 2x2 stride 2: 2*2*6 outputs x 4.
    y4 = _q(b, "y4", (1, 2, 2, 6))
    b.op("AVERAGE_POOL_2D", [y3], [y4], options={"type": "pool2d", "filter": 2, "stride": 2})
    # MAX_POOL_2D compares: 0 MACs.
    y5 = _q(b, "y5", (1, 1, 1, 6))
    b.op("MAX_POOL_2D", [y4], [y5], options={"type": "pool2d", "filter": 2, "stride": 2})
    # MUL element-wise: one per output element.
    y6 = _q(b, "y6", (1, 1, 1, 6))
    b.op("MUL", [y5, y5], [y6])
    # FULLY_CONNECTED 6 -> 10.
    flat = _q(b, "flat", (1, 6))
    shape = b.tensor("shape", (2,), "int32", constant=True)
    b.op("RESHAPE", [y6, shape], [flat])
    w7 = _q(b, "w7", (10, 6), constant=True)
    y7 = _q(b, "y7", (1, 10))
    b.op("FULLY_CONNECTED", [flat, w7, -1], [y7], options={"type": "fully_connected"})
    # TRANSPOSE_CONV: input 1x2x2x3, weights [5, 3, 3, 3]: each input element x 3*3*5.
    out_shape = b.tensor("out_shape", (4,), "int32", constant=True)
    tin = _q(b, "tin", (1, 2, 2, 3))
    tw = _q(b, "tw", (5, 3, 3, 3), constant=True)
    tout = _q(b, "tout", (1, 4, 4, 5))
    b.op("TRANSPOSE_CONV", [out_shape, tw, tin], [tout])
    model = load_model(b.build([x, tin], [y7, tout]))
    assert model_macs(model) == [
        8 * 8 * 6 * 3 * 3 * 4,
        8 * 8 * 6 * 3 * 3 * 2,
        4 * 4 * 6 * 3 * 3,
        0,  # AVERAGE_POOL_2D accumulates without multiplying: not a MAC (docs/architectures.md)
        0,
        0,  # MUL: an element-wise multiply, counted apart
        0,
        10 * 6,
        2 * 2 * 3 * 3 * 3 * 5,
    ]
    assert model_elementwise_mults(model) == [0, 0, 0, 0, 0, 6, 0, 0, 0]


def test_batch_matmul_and_unknown_shapes():
    b = ModelBuilder()
    lhs = _q(b, "lhs", (2, 3, 4))
    rhs = _q(b, "rhs", (2, 4, 5))
    out = _q(b, "out", (2, 3, 5))
    b.op("BATCH_MATMUL", [lhs, rhs], [out])
    bad = _q(b, "bad", (1, 4))
    w = _q(b, "w", (4,), constant=True)  # rank-1 "weights": nothing sensible to count, and no crash
    y = _q(b, "y", (1, 4))
    b.op("CONV_2D", [bad, w, -1], [y])
    model = load_model(b.build([lhs, bad], [out, y]))
    assert model_macs(model) == [2 * 3 * 5 * 4, 0]
