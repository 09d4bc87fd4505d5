"""Compiled runtime: int8 RESIZE_NEAREST_NEIGHBOR, STRIDED_SLICE, PAD, PADV2, CONCATENATION against tflite-micro.

Resize up and down by odd factors with every align_corners/half_pixel_centers
combination; slices with strides > 1, negative strides and indices, begin/end/shrink
masks, out-of-range indices; padding of every dimension, PADV2 constants at -128/127;
concatenation along every axis (negative too) of two or three inputs, one of them
constant.  100 random inputs per case, all cases compiled into one host program.
"""

from __future__ import annotations

import numpy as np
import pytest

from compiled_ops_harness import Case, CompiledCases, lower_single, require_tools, tflm_outputs
from tflite_builder import ModelBuilder

from codegen.compiled.lowering import NotLowerable
from codegen.compiled.ops.movement import nearest_neighbor, pad_walk, strided_slice_walk

Q = (0.05, -7)


def _i32(values):
    return np.array(values, np.int32).tobytes()


def resize_model(in_shape, out_hw, align_corners=False, half_pixel_centers=False):
    b = ModelBuilder()
    x = b.tensor("x", in_shape, "int8", scale=Q[0], zero_point=Q[1])
    size = b.tensor("size", (2,), "int32", data=_i32(out_hw))
    y = b.tensor("y", (in_shape[0], *out_hw, in_shape[3]), "int8", scale=Q[0], zero_point=Q[1])
    b.op("RESIZE_NEAREST_NEIGHBOR", [x, size], [y], version=3,
         options={"type": "resize_nearest_neighbor", "align_corners": align_corners,
                  "half_pixel_centers": half_pixel_centers})
    return b.build(inputs=[x], outputs=[y])


def slice_shape(shape, begin, end, strides, begin_mask=0, end_mask=0, shrink_axis_mask=0, **_ignored):
    """The output shape by NumPy's slicing (TF's semantics for these cases)."""
    index = []
    for d in range(len(shape)):
        if shrink_axis_mask & (1 << d):
            index.append(begin[d])
        else:
            index.append(slice(None if begin_mask & (1 << d) else begin[d],
                               None if end_mask & (1 << d) else end[d], strides[d]))
    return np.zeros(shape)[tuple(index)].shape


def slice_model(shape, begin, end, strides, **masks):
    b = ModelBuilder()
    x = b.tensor("x", shape, "int8", scale=Q[0], zero_point=Q[1])
    tb = b.tensor("begin", (len(shape),), "int32", data=_i32(begin))
    te = b.tensor("end", (len(shape),), "int32", data=_i32(end))
    ts = b.tensor("strides", (len(shape),), "int32", data=_i32(strides))
    y = b.tensor("y", slice_shape(shape, begin, end, strides, **masks), "int8", scale=Q[0], zero_point=Q[1])
    b.op("STRIDED_SLICE", [x, tb, te, ts], [y], version=2, options={"type": "strided_slice", **masks})
    return b.build(inputs=[x], outputs=[y])


def pad_model(shape, paddings, constant=None, out_q=Q):
    b = ModelBuilder()
    x = b.tensor("x", shape, "int8", scale=out_q[0], zero_point=out_q[1])
    p = b.tensor("paddings", (len(shape), 2), "int32", data=_i32(paddings))
    ins = [x, p]
    if constant is not None:
        ins.append(b.tensor("value", (), "int8", scale=out_q[0], zero_point=out_q[1],
                            data=np.array([constant], np.int8).tobytes()))
    out_shape = tuple(d + lo + hi for d, (lo, hi) in zip(shape, paddings))
    y = b.tensor("y", out_shape, "int8", scale=out_q[0], zero_point=out_q[1])
    b.op("PADV2" if constant is not None else "PAD", ins, [y], version=2)
    return b.build(inputs=[x], outputs=[y])


def concat_model(shapes, axis, constant_last=False, quants=None):
    b = ModelBuilder()
    quants = quants or [Q] * (len(shapes) + 1)
    rank = len(shapes[0])
    ax = axis + rank if axis < 0 else axis
    ins, graph_inputs = [], []
    for k, s in enumerate(shapes):
        data = None
        if constant_last and k == len(shapes) - 1:
            data = np.random.default_rng(3).integers(-128, 128, s).astype(np.int8).tobytes()
        t = b.tensor(f"x{k}", s, "int8", scale=quants[k][0], zero_point=quants[k][1], data=data)
        ins.append(t)
        if data is None:
            graph_inputs.append(t)
    out_shape = list(shapes[0])
    out_shape[ax] = sum(s[ax] for s in shapes)
    y = b.tensor("y", out_shape, "int8", scale=quants[-1][0], zero_point=quants[-1][1])
    b.op("CONCATENATION", ins, [y], version=2, options={"type": "concatenation", "axis": axis})
    return b.build(inputs=graph_inputs, outputs=[y])


RESIZES = [((1, 4, 5, 3), (8, 10)), ((1, 5, 7, 2), (3, 4)), ((2, 3, 3, 1), (7, 5)), ((1, 1, 1, 4), (3, 3)),
           ((1, 6, 6, 5), (6, 6)), ((1, 3, 7, 2), (11, 2))]
SLICE_SHAPE = (1, 7, 9, 5)
SLICES = [
    ([0, 1, 2, 0], [1, 6, 8, 5], [1, 1, 1, 1], {}),
    ([0, 0, 0, 0], [1, 7, 9, 5], [1, 2, 3, 1], {}),
    ([0, 6, 8, 4], [1, 0, 0, 0], [1, -1, -2, -1], {"end_mask": 0b1110}),
    ([0, -3, -4, 1], [1, -1, -1, 4], [1, 1, 1, 2], {}),
    ([0, 5, 3, 2], [1, 1, 7, 3], [1, -2, 1, 1], {"begin_mask": 0b0001, "end_mask": 0b1000}),
    ([0, 2, 0, 3], [1, 3, 9, 4], [1, 1, 1, 1], {"shrink_axis_mask": 0b1001}),
    ([0, -100, 0, 0], [1, 100, 4, 5], [1, 1, 1, 1], {}),
    ([0, 0, 0, 0], [1, 7, 9, 2], [1, 1, 1, 1], {}),  # a channel group (attention condensers)
    ([0, 1, 1, 0], [1, 7, 9, 5], [1, 2, 2, 1], {"end_mask": 0b1111}),
]
OTHER_SLICES = [((13,), [2], [11], [3], {}), ((6, 8), [-1, 1], [0, 7], [-1, 2], {}),
                ((3, 4, 5), [1, 0, -1], [2, 4, 0], [1, 1, -1], {"shrink_axis_mask": 0b001})]
PADS = [((1, 5, 7, 3), [[0, 0], [1, 2], [2, 1], [0, 0]], None),
        ((1, 5, 7, 3), [[1, 0], [0, 1], [0, 0], [2, 3]], None),
        ((2, 3), [[1, 1], [0, 4]], None),
        ((9,), [[3, 0]], None),
        ((1, 4, 4, 3), [[0, 0], [1, 1], [1, 1], [0, 0]], -128),
        ((1, 4, 4, 3), [[0, 0], [0, 0], [0, 0], [0, 0]], 127),
        ((2, 1, 3, 2, 2), [[0, 1], [1, 0], [0, 0], [1, 1], [0, 2]], None)]
CONCATS = [([(1, 4, 5, 3), (1, 4, 5, 2)], 3, False), ([(1, 4, 5, 3), (1, 2, 5, 3)], 1, False),
           ([(1, 4, 5, 3), (1, 4, 5, 1), (1, 4, 5, 6)], -1, False), ([(2, 3), (5, 3)], 0, False),
           ([(7,), (4,)], 0, False), ([(1, 4, 5, 3), (1, 4, 5, 3)], 2, True)]


def _cases():
    cases = []
    for k, (shape, hw) in enumerate(RESIZES):
        for align, half in ((False, False), (True, False), (False, True)):
            cases.append(Case(f"RESIZE-{k}-align{int(align)}-half{int(half)}", resize_model(shape, hw, align, half)))
    for k, (begin, end, strides, masks) in enumerate(SLICES):
        cases.append(Case(f"SLICE-{k}", slice_model(SLICE_SHAPE, begin, end, strides, **masks)))
    for k, (shape, begin, end, strides, masks) in enumerate(OTHER_SLICES):
        cases.append(Case(f"SLICE-{len(shape)}d-{k}", slice_model(shape, begin, end, strides, **masks)))
    for k, (shape, paddings, constant) in enumerate(PADS):
        cases.append(Case(f"PAD-{k}", pad_model(shape, paddings, constant)))
    cases.append(Case("PAD-zero-point-127", pad_model((1, 3, 3, 2), [[0, 0], [1, 1], [1, 1], [0, 0]],
                                                      out_q=(0.1, 127))))
    for k, (shapes, axis, constant) in enumerate(CONCATS):
        cases.append(Case(f"CONCAT-{k}-axis{axis}", concat_model(shapes, axis, constant)))
    return cases


CASES = _cases()


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    require_tools()
    return CompiledCases(CASES, tmp_path_factory.mktemp("compiled_movement"))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_matches_tflm(compiled, case):
    rng = np.random.default_rng(len(case.name))
    shapes = [shape for _, _, shape in case.inputs]
    batches = [[rng.integers(-128, 128, s, dtype=np.int8) for s in shapes] for _ in range(100)]
    expected = tflm_outputs(case.model_bytes, batches)
    got = compiled.run(case.name, batches)
    for run, (e, g) in enumerate(zip(expected, got)):
        np.testing.assert_array_equal(g[0], e[0], err_msg=f"run {run}")


def test_slices_agree_with_numpy():
    x = np.arange(np.prod(SLICE_SHAPE)).reshape(SLICE_SHAPE)
    flat = x.reshape(-1)
    for begin, end, strides, masks in SLICES:
        start, counts, steps = strided_slice_walk(SLICE_SHAPE, begin, end, strides, masks.get("begin_mask", 0),
                                                  masks.get("end_mask", 0), masks.get("shrink_axis_mask", 0))
        index = np.full(1, start)
        for c, s in zip(counts, steps):
            index = (index[:, None] + np.arange(c)[None, :] * s).reshape(-1)
        expected = x[tuple(begin[d] if masks.get("shrink_axis_mask", 0) & (1 << d) else
                           slice(None if masks.get("begin_mask", 0) & (1 << d) else begin[d],
                                 None if masks.get("end_mask", 0) & (1 << d) else end[d], strides[d])
                           for d in range(4))]
        np.testing.assert_array_equal(flat[index], expected.reshape(-1))


def test_walks_are_merged():
    # a channel slice of NHWC: rows of 2 bytes every 5
    assert strided_slice_walk((1, 7, 9, 5), [0, 0, 0, 0], [1, 7, 9, 2], [1, 1, 1, 1], 0, 0, 0) == (0, [63, 2], [5, 1])
    # padding H and W only: rows of 3 (C) at output stride 3, H rows at (W + 3) * 3
    assert pad_walk([1, 5, 7, 3], [(0, 0), (1, 2), (2, 1), (0, 0)]) == ([5, 21], [30, 1], 36, 240)


def test_nearest_neighbor_index_rules():
    assert [nearest_neighbor(v, 4, 8, False, False) for v in range(8)] == [0, 0, 1, 1, 2, 2, 3, 3]
    assert [nearest_neighbor(v, 3, 5, True, False) for v in range(5)] == [0, 1, 1, 2, 2]  # round(0.5)=1
    assert [nearest_neighbor(v, 5, 3, False, True) for v in range(3)] == [0, 2, 4]


def test_concatenation_refuses_different_quantization():
    with pytest.raises(NotLowerable, match="quantized unlike"):
        lower_single(concat_model([(1, 2), (1, 3)], 1, quants=[(0.1, 0), (0.2, 0), (0.1, 0)]))


def test_strided_slice_refuses_ellipsis():
    with pytest.raises(NotLowerable, match="ellipsis"):
        lower_single(slice_model((1, 4, 4, 2), [0, 0, 0, 0], [1, 4, 4, 2], [1, 1, 1, 1], ellipsis_mask=1))


def test_index_tensors_must_be_int32_as_tflm_reads_them():
    b = ModelBuilder()
    x = b.tensor("x", (1, 3, 3, 2), "int8", scale=Q[0], zero_point=Q[1])
    p = b.tensor("paddings", (4, 2), "int64", data=np.zeros((4, 2), np.int64).tobytes())
    y = b.tensor("y", (1, 3, 3, 2), "int8", scale=Q[0], zero_point=Q[1])
    b.op("PAD", [x, p], [y], version=2)
    with pytest.raises(NotLowerable, match="int64 paddings"):
        lower_single(b.build(inputs=[x], outputs=[y]))
