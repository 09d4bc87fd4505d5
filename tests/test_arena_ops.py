"""Each modelled kernel against the tflite-micro interpreter, one small model per op.

Models are written with the TFLite schema's object API (shipped in the
tflite-micro package), no TensorFlow.  For each, the 64-bit host estimate must
equal the interpreter's recorded figures and its smallest allocating arena.
Also: the GreedyMemoryPlanner tie-break, offline-planned buffers
(``OfflineMemoryAllocation`` metadata), and the error for an unmodelled op.
"""

import struct

import flatbuffers
import numpy as np
import pytest

from attendnets_base.errors import UnsupportedOperatorError
from converter.tflm.arena import estimate_arena
from converter.tflm.arena_measure import measure_arena, measure_arenas
from converter.tflm.memory_planner import GreedyMemoryPlanner

fb = pytest.importorskip("tflite_micro.tensorflow.lite.micro.python.schema_py_generated")

_TYPES = {"float32": 0, "int32": 2, "int8": 9, "int16": 7, "int64": 4, "bool": 6, "resource": 13}
_NP = {"float32": np.float32, "int32": np.int32, "int8": np.int8, "int16": np.int16, "int64": np.int64}


class TinyModel:
    """A one-subgraph .tflite written with the schema's object API."""

    def __init__(self):
        self.model = fb.ModelT()
        self.model.version = 3
        self.model.operatorCodes = []
        self.model.buffers = [fb.BufferT()]
        self.model.metadata = []
        self.sg = fb.SubGraphT()
        self.sg.tensors, self.sg.operators = [], []
        self.model.subgraphs = [self.sg]
        self._codes = {}

    def tensor(self, shape, dtype="int8", scale=0.05, zero_point=0, data=None, qdim=0, variable=False):
        t = fb.TensorT()
        t.shape = list(shape)
        t.type = _TYPES[dtype]
        t.name = f"t{len(self.sg.tensors)}"
        t.isVariable = variable
        buffer = fb.BufferT()
        if data is not None:
            buffer.data = list(np.asarray(data, dtype=_NP[dtype]).tobytes())
        self.model.buffers.append(buffer)
        t.buffer = len(self.model.buffers) - 1
        if scale is not None:
            q = fb.QuantizationParametersT()
            scales = list(scale) if isinstance(scale, (list, tuple)) else [scale]
            q.scale = scales
            q.zeroPoint = [zero_point] * len(scales)
            q.quantizedDimension = qdim
            t.quantization = q
        self.sg.tensors.append(t)
        return len(self.sg.tensors) - 1

    def const(self, values, dtype="int32", scale=None, **kw):
        values = np.asarray(values)
        return self.tensor(values.shape, dtype, scale=scale, data=values, **kw)

    def op(self, name, inputs, outputs, options=None, options_type=None):
        code = getattr(fb.BuiltinOperator, name)
        if code not in self._codes:
            oc = fb.OperatorCodeT()
            oc.builtinCode = code
            oc.deprecatedBuiltinCode = min(code, 127)
            oc.version = 1
            self.model.operatorCodes.append(oc)
            self._codes[code] = len(self.model.operatorCodes) - 1
        o = fb.OperatorT()
        o.opcodeIndex = self._codes[code]
        o.inputs, o.outputs = list(inputs), list(outputs)
        if options is not None:
            o.builtinOptionsType = getattr(fb.BuiltinOptions, options_type or type(options).__name__[:-1])
            o.builtinOptions = options
        self.sg.operators.append(o)

    def metadata(self, name, data):
        self.model.buffers.append(fb.BufferT())
        self.model.buffers[-1].data = list(data)
        m = fb.MetadataT()
        m.name = name
        m.buffer = len(self.model.buffers) - 1
        self.model.metadata.append(m)

    def subgraph(self):
        """Start a new subgraph (for IF/WHILE/CALL_ONCE) and make it current; returns its index."""
        self.sg = fb.SubGraphT()
        self.sg.tensors, self.sg.operators, self.sg.inputs, self.sg.outputs = [], [], [], []
        self.model.subgraphs.append(self.sg)
        return len(self.model.subgraphs) - 1

    def io(self, inputs, outputs):
        """Inputs and outputs of the current subgraph."""
        self.sg.inputs, self.sg.outputs = list(inputs), list(outputs)

    def use(self, index):
        self.sg = self.model.subgraphs[index]

    def build(self, inputs, outputs):
        self.use(0)
        self.io(inputs, outputs)
        builder = flatbuffers.Builder(1024)
        builder.Finish(self.model.Pack(builder), file_identifier=b"TFL3")
        return bytes(builder.Output())


def _options(cls, **fields):
    o = cls()
    for k, v in fields.items():
        setattr(o, k, v)
    return o


def _conv(m, x, channels, kernel=3, depthwise=False, per_channel=True, stride=1):
    cin = m.sg.tensors[x].shape[3]
    if depthwise:
        w_shape = (1, kernel, kernel, channels)
        qdim = 3
    else:
        w_shape = (channels, kernel, kernel, cin)
        qdim = 0
    scales = [0.01 + 0.001 * i for i in range(channels)] if per_channel else 0.01
    w = m.tensor(w_shape, "int8", scale=scales, data=np.ones(w_shape), qdim=qdim)
    b = m.tensor((channels,), "int32", scale=scales, data=np.zeros(channels), qdim=0)
    n, h, wd, _ = m.sg.tensors[x].shape
    y = m.tensor((n, -(-h // stride), -(-wd // stride), channels))
    if depthwise:
        opts = _options(fb.DepthwiseConv2DOptionsT, padding=fb.Padding.SAME, strideW=stride, strideH=stride,
                        depthMultiplier=1, dilationWFactor=1, dilationHFactor=1)
        m.op("DEPTHWISE_CONV_2D", [x, w, b], [y], opts)
    else:
        opts = _options(fb.Conv2DOptionsT, padding=fb.Padding.SAME, strideW=stride, strideH=stride,
                        dilationWFactor=1, dilationHFactor=1)
        m.op("CONV_2D", [x, w, b], [y], opts)
    return y


def _unary(name, options=None, out_scale=0.05, out_zp=0, in_dtype="int8", out_dtype="int8", shape=(1, 6, 6, 4)):
    def build():
        m = TinyModel()
        x = m.tensor(shape, in_dtype, scale=0.05 if in_dtype != "float32" else None)
        y = m.tensor(shape, out_dtype, scale=out_scale if out_dtype != "float32" else None, zero_point=out_zp)
        m.op(name, [x], [y], options)
        return m.build([x], [y])

    return build


def _binary(name, options=None):
    def build():
        m = TinyModel()
        a = m.tensor((1, 6, 6, 4))
        b = m.tensor((1, 6, 6, 4), scale=0.04)
        y = m.tensor((1, 6, 6, 4), scale=0.1)
        m.op(name, [a, b], [y], options)
        return m.build([a, b], [y])

    return build


def _conv_model(depthwise, per_channel=True):
    def build():
        m = TinyModel()
        x = m.tensor((1, 8, 8, 3 if not depthwise else 6))
        y = _conv(m, x, 6, depthwise=depthwise, per_channel=per_channel, stride=2)
        return m.build([x], [y])

    return build


def _fc_model():
    m = TinyModel()
    x = m.tensor((1, 20))
    w = m.tensor((7, 20), data=np.ones((7, 20)), scale=0.02)
    b = m.tensor((7,), "int32", scale=0.001, data=np.zeros(7))
    y = m.tensor((1, 7))
    m.op("FULLY_CONNECTED", [x, w, b], [y], _options(fb.FullyConnectedOptionsT))
    return m.build([x], [y])


def _pool_model(name):
    def build():
        m = TinyModel()
        x = m.tensor((1, 8, 8, 5))
        y = m.tensor((1, 4, 4, 5))
        opts = _options(fb.Pool2DOptionsT, padding=fb.Padding.VALID, strideW=2, strideH=2, filterWidth=2,
                        filterHeight=2)
        m.op(name, [x], [y], opts)
        return m.build([x], [y])

    return build


def _reshape_model():
    m = TinyModel()
    x = m.tensor((1, 4, 4, 3))
    shape = m.const([1, -1])
    y = m.tensor((1, 48))
    m.op("RESHAPE", [x, shape], [y], _options(fb.ReshapeOptionsT, newShape=[1, 48]))
    return m.build([x], [y])


def _softmax_model():
    m = TinyModel()
    x = m.tensor((1, 10))
    y = m.tensor((1, 10), scale=1 / 256, zero_point=-128)
    m.op("SOFTMAX", [x], [y], _options(fb.SoftmaxOptionsT, beta=1.0))
    return m.build([x], [y])


def _mean_model():
    m = TinyModel()
    x = m.tensor((1, 6, 6, 8))
    axis = m.const([1, 2])
    y = m.tensor((1, 1, 1, 8))
    m.op("MEAN", [x, axis], [y], _options(fb.ReducerOptionsT, keepDims=True))
    return m.build([x], [y])


def _resize_model(name, options):
    def build():
        m = TinyModel()
        x = m.tensor((1, 3, 3, 4))
        size = m.const([6, 6])
        y = m.tensor((1, 6, 6, 4))
        m.op(name, [x, size], [y], options)
        return m.build([x], [y])

    return build


def _concat_model():
    m = TinyModel()
    a = m.tensor((1, 4, 4, 3))
    b = m.tensor((1, 4, 4, 5))
    y = m.tensor((1, 4, 4, 8))
    m.op("CONCATENATION", [a, b], [y], _options(fb.ConcatenationOptionsT, axis=3))
    return m.build([a, b], [y])


def _pad_model():
    m = TinyModel()
    x = m.tensor((1, 4, 4, 3))
    pads = m.const([[0, 0], [1, 1], [1, 1], [0, 0]])
    y = m.tensor((1, 6, 6, 3))
    m.op("PAD", [x, pads], [y])
    return m.build([x], [y])


def _strided_slice_model():
    m = TinyModel()
    x = m.tensor((1, 6, 6, 4))
    begin, end, strides = m.const([0, 1, 1, 0]), m.const([1, 5, 5, 4]), m.const([1, 1, 1, 1])
    y = m.tensor((1, 4, 4, 4))
    m.op("STRIDED_SLICE", [x, begin, end, strides], [y], _options(fb.StridedSliceOptionsT))
    return m.build([x], [y])


def _transpose_model():
    m = TinyModel()
    x = m.tensor((1, 3, 5, 4))
    perm = m.const([0, 2, 1, 3])
    y = m.tensor((1, 5, 3, 4))
    m.op("TRANSPOSE", [x, perm], [y])
    return m.build([x], [y])


def _network_model():
    """A small AttendNet-like chain: conv, depthwise, a condenser branch, mul, mean, FC, softmax."""
    m = TinyModel()
    x = m.tensor((1, 16, 16, 3))
    c1 = _conv(m, x, 8, stride=2)
    d1 = _conv(m, c1, 8, depthwise=True)
    pool = m.tensor((1, 4, 4, 8))
    m.op("MAX_POOL_2D", [d1], [pool], _options(fb.Pool2DOptionsT, padding=fb.Padding.VALID, strideW=2, strideH=2,
                                                filterWidth=2, filterHeight=2))
    e = _conv(m, pool, 8)
    up = m.tensor((1, 8, 8, 8))
    m.op("RESIZE_NEAREST_NEIGHBOR", [e, m.const([8, 8])], [up], _options(fb.ResizeNearestNeighborOptionsT))
    sig = m.tensor((1, 8, 8, 8), scale=1 / 256, zero_point=-128)
    m.op("LOGISTIC", [up], [sig])
    att = m.tensor((1, 8, 8, 8))
    m.op("MUL", [d1, sig], [att], _options(fb.MulOptionsT))
    res = m.tensor((1, 8, 8, 8))
    m.op("ADD", [att, d1], [res], _options(fb.AddOptionsT))
    gap = m.tensor((1, 8))
    m.op("MEAN", [res, m.const([1, 2])], [gap], _options(fb.ReducerOptionsT, keepDims=False))
    w = m.tensor((10, 8), data=np.ones((10, 8)), scale=0.02)
    logits = m.tensor((1, 10))
    m.op("FULLY_CONNECTED", [gap, w, -1], [logits], _options(fb.FullyConnectedOptionsT))
    prob = m.tensor((1, 10), scale=1 / 256, zero_point=-128)
    m.op("SOFTMAX", [logits], [prob], _options(fb.SoftmaxOptionsT, beta=1.0))
    return m.build([x], [prob])


def _single(name, in_shapes, out_shapes, consts=(), options=None, in_dtype="int8", out_dtype="int8",
            out_scale=0.05, out_zp=0):
    """One op: variable inputs of ``in_shapes``, then constant int32 inputs ``consts``, outputs ``out_shapes``."""

    def build():
        m = TinyModel()
        ins = [m.tensor(sh, in_dtype, scale=0.05 if in_dtype in ("int8", "int16") else None) for sh in in_shapes]
        cs = [m.const(c) for c in consts]
        outs = [m.tensor(sh, out_dtype, scale=out_scale if out_dtype in ("int8", "int16") else None,
                         zero_point=out_zp) for sh in out_shapes]
        m.op(name, ins + cs, outs, options)
        return m.build(ins, outs)

    return build


def _reshape_stretch_model():
    """RESHAPE whose output shape in the file has a -1: Prepare moves and rewrites the dims."""
    m = TinyModel()
    x = m.tensor((1, 4, 4, 3))
    y = m.tensor((1, -1))
    z = m.tensor((1, 48))
    m.op("RESHAPE", [x], [y], _options(fb.ReshapeOptionsT, newShape=[1, -1]))
    m.op("RELU", [y], [z])
    return m.build([x], [z])


def _fc_per_channel_model():
    m = TinyModel()
    x = m.tensor((1, 20))
    w = m.tensor((7, 20), data=np.ones((7, 20)), scale=[0.02 + 0.001 * i for i in range(7)])
    y = m.tensor((1, 7))
    m.op("FULLY_CONNECTED", [x, w, -1], [y], _options(fb.FullyConnectedOptionsT))
    return m.build([x], [y])


MORE_OP_MODELS = {
    "RESHAPE -1": _reshape_stretch_model,
    "FULLY_CONNECTED per-channel": _fc_per_channel_model,
    "SLICE": _single("SLICE", [(1, 6, 6, 4)], [(1, 3, 3, 4)], consts=([0, 1, 1, 0], [1, 3, 3, 4])),
    "SPLIT": lambda: _split_model(),
    "PACK": _single("PACK", [(3, 4), (3, 4)], [(2, 3, 4)], options=_options(fb.PackOptionsT, valuesCount=2, axis=0)),
    "UNPACK": _single("UNPACK", [(2, 3, 4)], [(3, 4), (3, 4)], options=_options(fb.UnpackOptionsT, num=2, axis=0)),
    "SHAPE": _single("SHAPE", [(1, 6, 6, 4)], [(4,)], out_dtype="int32", options=_options(fb.ShapeOptionsT, outType=2)),
    "GATHER": lambda: _gather_model(),
    "ARG_MAX": _single("ARG_MAX", [(1, 10)], [(1,)], consts=([1],), out_dtype="int32",
                       options=_options(fb.ArgMaxOptionsT, outputType=2)),
    "CAST": _single("CAST", [(1, 8)], [(1, 8)], in_dtype="int32", out_dtype="float32", options=_options(fb.CastOptionsT)),
    "DIV": _single("DIV", [(1, 8), (1, 8)], [(1, 8)], in_dtype="float32", out_dtype="float32",
                   options=_options(fb.DivOptionsT)),
    "EXP": _single("EXP", [(1, 8)], [(1, 8)], in_dtype="float32", out_dtype="float32"),
    "SQUARED_DIFFERENCE": _single("SQUARED_DIFFERENCE", [(1, 8), (1, 8)], [(1, 8)]),
    "RSQRT": _single("RSQRT", [(1, 8)], [(1, 8)]),
    "ABS": _single("ABS", [(1, 8)], [(1, 8)]),
    "SQRT": _single("SQRT", [(1, 8)], [(1, 8)], in_dtype="float32", out_dtype="float32"),
    "FLOOR": _single("FLOOR", [(1, 8)], [(1, 8)], in_dtype="float32", out_dtype="float32"),
    "PRELU": lambda: _prelu_model(),
    "ELU": _single("ELU", [(1, 8)], [(1, 8)]),
    "L2_NORMALIZATION": _single("L2_NORMALIZATION", [(1, 8)], [(1, 8)], out_scale=1 / 128,
                                options=_options(fb.L2NormOptionsT)),
    "DEPTH_TO_SPACE": _single("DEPTH_TO_SPACE", [(1, 2, 2, 8)], [(1, 4, 4, 2)],
                              options=_options(fb.DepthToSpaceOptionsT, blockSize=2)),
    "SPACE_TO_DEPTH": _single("SPACE_TO_DEPTH", [(1, 4, 4, 2)], [(1, 2, 2, 8)],
                              options=_options(fb.SpaceToDepthOptionsT, blockSize=2)),
    "ZEROS_LIKE": _single("ZEROS_LIKE", [(1, 8)], [(1, 8)], in_dtype="float32", out_dtype="float32"),
    "ARG_MIN": _single("ARG_MIN", [(1, 10)], [(1,)], consts=([1],), out_dtype="int32",
                       options=_options(fb.ArgMinOptionsT, outputType=2)),
    "EXPAND_DIMS": _single("EXPAND_DIMS", [(1, 8)], [(1, 1, 8)], consts=([1],)),
    "LOG": _single("LOG", [(1, 8)], [(1, 8)], in_dtype="float32", out_dtype="float32"),
    "SQUARE": _single("SQUARE", [(1, 8)], [(1, 8)], in_dtype="float32", out_dtype="float32"),
    "MINIMUM": _binary("MINIMUM"),
    "PADV2": lambda: _padv2_model(),
    "REDUCE_MAX": _single("REDUCE_MAX", [(1, 6, 6, 8)], [(1, 8)], consts=([1, 2],),
                          options=_options(fb.ReducerOptionsT, keepDims=False)),
    "REDUCE_MIN": _single("REDUCE_MIN", [(1, 6, 6, 8)], [(1, 8)], consts=([1, 2],),
                          options=_options(fb.ReducerOptionsT, keepDims=False)),
    "SUM": _single("SUM", [(1, 6, 6, 8)], [(1, 1, 1, 8)], consts=([1, 2],),
                   options=_options(fb.ReducerOptionsT, keepDims=True)),
    "SPLIT_V": lambda: _split_v_model(),
    "MIRROR_PAD": _single("MIRROR_PAD", [(1, 4, 4, 3)], [(1, 6, 6, 3)], consts=([[0, 0], [1, 1], [1, 1], [0, 0]],),
                          options=_options(fb.MirrorPadOptionsT, mode=fb.MirrorPadMode.REFLECT)),
    "SQUEEZE": _single("SQUEEZE", [(1, 1, 8)], [(1, 8)], options=_options(fb.SqueezeOptionsT, squeezeDims=[1])),
}


# Recurrent, transposed, matrix and control-flow operators (float32, int8, int16).


def _lstm_float(batch=1, steps=3, n_in=5, units=4, time_major=False):
    m = TinyModel()
    x = m.tensor((steps, batch, n_in) if time_major else (batch, steps, n_in), "float32", scale=None)
    ins = [x]
    for i in range(4):
        ins.append(m.tensor((units, n_in), "float32", scale=None, data=np.ones((units, n_in))))
    for i in range(4):
        ins.append(m.tensor((units, units), "float32", scale=None, data=np.ones((units, units))))
    ins += [-1, -1, -1]
    for i in range(4):
        ins.append(m.tensor((units,), "float32", scale=None, data=np.zeros(units)))
    ins += [-1, -1]
    ins.append(m.tensor((batch, units), "float32", scale=None, variable=True))
    ins.append(m.tensor((batch, units), "float32", scale=None, variable=True))
    ins += [-1] * 4
    y = m.tensor((steps, batch, units) if time_major else (batch, steps, units), "float32", scale=None)
    m.op("UNIDIRECTIONAL_SEQUENCE_LSTM", ins, [y], _options(fb.UnidirectionalSequenceLSTMOptionsT, fusedActivationFunction=fb.ActivationFunctionType.TANH, cellClip=10.0, timeMajor=time_major))
    return m.build([x], [y])


def _svdf(dtype):
    m = TinyModel()
    q = dtype == "int8"
    sc = 0.05 if q else None
    batch, n_in, units, rank, memory = 2, 6, 3, 2, 4
    filters = units * rank
    x = m.tensor((batch, n_in), dtype, scale=sc)
    wf = m.tensor((filters, n_in), dtype, scale=sc, data=np.ones((filters, n_in)))
    wt_type = "int16" if q else "float32"
    wt = m.tensor((filters, memory), wt_type, scale=0.01 if q else None, data=np.ones((filters, memory)))
    bias = m.tensor((units,), "int32" if q else "float32", scale=0.01 * 0.05 if q else None, data=np.zeros(units))
    state = m.tensor((batch, memory * filters), "int16" if q else "float32", scale=0.05 if q else None, variable=True)
    y = m.tensor((batch, units), dtype, scale=sc)
    m.op("SVDF", [x, wf, wt, bias, state], [y], _options(fb.SVDFOptionsT, rank=rank))
    return m.build([x], [y])


def _tconv(dtype, bias_dtype=None, cin=3):
    m = TinyModel()
    q = dtype != "float32"
    sc = 0.05 if q else None
    x = m.tensor((1, 4, 4, cin), dtype, scale=sc)
    shape = m.const([1, 8, 8, 5])
    w = m.tensor((5, 3, 3, cin), "int8" if q else "float32", scale=[0.01] * 5 if q else None,
                 data=np.ones((5, 3, 3, cin)))
    ins = [shape, w, x]
    if bias_dtype:
        ins.append(m.tensor((5,), bias_dtype, scale=[0.0005] * 5 if q else None, data=np.zeros(5)))
    y = m.tensor((1, 8, 8, 5), dtype, scale=sc)
    m.op("TRANSPOSE_CONV", ins, [y], _options(fb.TransposeConvOptionsT, padding=fb.Padding.SAME, strideW=2, strideH=2))
    return m.build([x], [y])


def _bmm(dtype, adj_x=False, adj_y=False, const_rhs=False):
    m = TinyModel()
    q = dtype != "float32"
    sc = 0.05 if q else None
    a = m.tensor((1, 2, 4, 6) if not adj_x else (1, 2, 6, 4), dtype, scale=sc)
    bshape = (1, 2, 6, 5) if not adj_y else (1, 2, 5, 6)
    b = m.tensor(bshape, dtype, scale=sc, data=np.ones(bshape) if const_rhs else None)
    y = m.tensor((1, 2, 4, 5), dtype, scale=sc)
    m.op("BATCH_MATMUL", [a, b], [y], _options(fb.BatchMatMulOptionsT, adjX=adj_x, adjY=adj_y))
    return m.build([a] if const_rhs else [a, b], [y])


def _if_model(dtype="float32"):
    m = TinyModel()
    sc = None if dtype == "float32" else 0.05
    cond = m.tensor((1,), "bool", scale=None)
    x = m.tensor((1, 8), dtype, scale=sc)
    y = m.tensor((1, 8), dtype, scale=sc)
    m.op("IF", [cond, x], [y], _options(fb.IfOptionsT, thenSubgraphIndex=1, elseSubgraphIndex=2))
    for name in ("RELU", "RELU6"):
        m.subgraph()
        a = m.tensor((1, 8), dtype, scale=sc)
        b = m.tensor((1, 8), dtype, scale=sc)
        m.op(name, [a], [b])
        m.io([a], [b])
    return m.build([cond, x], [y])


def _while_model():
    m = TinyModel()
    i = m.tensor((1,), "int32", scale=None)
    x = m.tensor((1, 8), "float32", scale=None)
    i2 = m.tensor((1,), "int32", scale=None)
    y = m.tensor((1, 8), "float32", scale=None)
    m.op("WHILE", [i, x], [i2, y], _options(fb.WhileOptionsT, condSubgraphIndex=1, bodySubgraphIndex=2))
    # cond: i < 3
    m.subgraph()
    ci = m.tensor((1,), "int32", scale=None); cx = m.tensor((1, 8), "float32", scale=None)
    three = m.const([3])
    c = m.tensor((1,), "bool", scale=None)
    m.op("LESS", [ci, three], [c])
    m.io([ci, cx], [c])
    # body: i + 1, x + x
    m.subgraph()
    bi = m.tensor((1,), "int32", scale=None); bx = m.tensor((1, 8), "float32", scale=None)
    one = m.const([1])
    bi2 = m.tensor((1,), "int32", scale=None); bx2 = m.tensor((1, 8), "float32", scale=None)
    m.op("ADD", [bi, one], [bi2], _options(fb.AddOptionsT))
    m.op("ADD", [bx, bx], [bx2], _options(fb.AddOptionsT))
    m.io([bi, bx], [bi2, bx2])
    return m.build([i, x], [i2, y])


def _call_once_model():
    m = TinyModel()
    x = m.tensor((1, 8), "float32", scale=None)
    y = m.tensor((1, 8), "float32", scale=None)
    m.op("CALL_ONCE", [], [], _options(fb.CallOnceOptionsT, initSubgraphIndex=1))
    m.op("RELU", [x], [y])
    m.subgraph()
    a = m.tensor((4, 4), "float32", scale=None, data=np.ones((4, 4)))
    b = m.tensor((4, 4), "float32", scale=None)
    m.op("RELU", [a], [b])
    m.io([], [])
    return m.build([x], [y])


MORE_OP_MODELS.update({
    "UNIDIRECTIONAL_SEQUENCE_LSTM float32": _lstm_float,
    "UNIDIRECTIONAL_SEQUENCE_LSTM float32 batch 2": lambda: _lstm_float(batch=2, units=8),
    "UNIDIRECTIONAL_SEQUENCE_LSTM float32 time-major": lambda: _lstm_float(time_major=True),
    "SVDF float32": lambda: _svdf("float32"),
    "SVDF int8": lambda: _svdf("int8"),
    "TRANSPOSE_CONV float32": lambda: _tconv("float32"),
    "TRANSPOSE_CONV int8": lambda: _tconv("int8", "int32"),
    "TRANSPOSE_CONV int8 no bias": lambda: _tconv("int8"),
    "TRANSPOSE_CONV int8 20 input channels": lambda: _tconv("int8", "int32", cin=20),
    "TRANSPOSE_CONV int16": lambda: _tconv("int16", "int64"),
    "TRANSPOSE_CONV int16 int16 bias": lambda: _tconv("int16", "int16"),
    "BATCH_MATMUL float32": lambda: _bmm("float32"),
    "BATCH_MATMUL int8": lambda: _bmm("int8"),
    "BATCH_MATMUL int16 adj_x adj_y": lambda: _bmm("int16", adj_x=True, adj_y=True),
    "BATCH_MATMUL int8 constant rhs": lambda: _bmm("int8", const_rhs=True),
    "IF float32": _if_model,
    "IF int8": lambda: _if_model("int8"),
    "WHILE (LESS, ADD int32/float32)": _while_model,
    "CALL_ONCE": _call_once_model,
})


# Resource variables: VAR_HANDLE, READ_VARIABLE, ASSIGN_VARIABLE, initialised in a CALL_ONCE subgraph.


def _resource_variable_model(dtype="float32", init=True, two=False):
    m = TinyModel()
    sc = None if dtype == "float32" else 0.05
    x = m.tensor((1, 8), dtype, scale=sc)
    if init:
        m.op("CALL_ONCE", [], [], _options(fb.CallOnceOptionsT, initSubgraphIndex=1))
    h = m.tensor((), "resource", scale=None)
    m.op("VAR_HANDLE", [], [h], _options(fb.VarHandleOptionsT, container="", sharedName="state"))
    r = m.tensor((1, 8), dtype, scale=sc)
    m.op("READ_VARIABLE", [h], [r])
    y = m.tensor((1, 8), dtype, scale=sc)
    m.op("ADD", [r, x], [y], _options(fb.AddOptionsT))
    m.op("ASSIGN_VARIABLE", [h, y], [])
    if two:
        h2 = m.tensor((), "resource", scale=None)
        m.op("VAR_HANDLE", [], [h2], _options(fb.VarHandleOptionsT, container="", sharedName="other"))
        m.op("ASSIGN_VARIABLE", [h2, x], [])
    if init:
        m.subgraph()
        h1 = m.tensor((), "resource", scale=None)
        m.op("VAR_HANDLE", [], [h1], _options(fb.VarHandleOptionsT, container="", sharedName="state"))
        c = m.tensor((1, 8), dtype, scale=sc, data=np.zeros((1, 8)))
        m.op("ASSIGN_VARIABLE", [h1, c], [])
        m.io([], [])
    return m.build([x], [y])


MORE_OP_MODELS.update({
    "resource variables float32 (CALL_ONCE init)": _resource_variable_model,
    "resource variables int8 (CALL_ONCE init)": lambda: _resource_variable_model("int8"),
    "resource variable without init": lambda: _resource_variable_model(init=False),
    "two resource variables": lambda: _resource_variable_model(two=True),
})


def _lstm_quantized(act="int16", batch=1, steps=3, n_in=5, units=4):
    m = TinyModel()
    bias_t = "int64" if act == "int16" else "int32"
    x = m.tensor((batch, steps, n_in), act, scale=1 / 4096)
    ins = [x]
    for i in range(4):
        ins.append(m.tensor((units, n_in), "int8", scale=0.01, data=np.ones((units, n_in))))
    for i in range(4):
        ins.append(m.tensor((units, units), "int8", scale=0.01, data=np.ones((units, units))))
    ins += [-1, -1, -1]
    for i in range(4):
        ins.append(m.tensor((units,), bias_t, scale=0.0001, data=np.zeros(units)))
    ins += [-1, -1]
    ins.append(m.tensor((batch, units), act, scale=1 / 4096, variable=True))
    ins.append(m.tensor((batch, units), "int16", scale=1 / 2048, variable=True))
    ins += [-1] * 4
    y = m.tensor((batch, steps, units), act, scale=1 / 4096)
    m.op("UNIDIRECTIONAL_SEQUENCE_LSTM", ins, [y], _options(fb.UnidirectionalSequenceLSTMOptionsT, fusedActivationFunction=fb.ActivationFunctionType.TANH, cellClip=0.0, timeMajor=False))
    return m.build([x], [y])


MORE_OP_MODELS.update({
    "UNIDIRECTIONAL_SEQUENCE_LSTM int16 (16x8, int64 bias)": _lstm_quantized,
    "UNIDIRECTIONAL_SEQUENCE_LSTM int16 batch 2": lambda: _lstm_quantized(batch=2, units=8),
    "UNIDIRECTIONAL_SEQUENCE_LSTM int8": lambda: _lstm_quantized("int8"),
})


# Kernels without OpData or with a trivial one (float32 / bool / int32).


def _simple_sel():
    m = TinyModel()
    c = m.tensor((1, 8), "bool", scale=None); a = m.tensor((1, 8), "float32", scale=None); b = m.tensor((1, 8), "float32", scale=None)
    y = m.tensor((1, 8), "float32", scale=None)
    m.op("SELECT_V2", [c, a, b], [y]); return m.build([c, a, b], [y])
def _simple_dus():
    m = TinyModel()
    a = m.tensor((4, 8), "float32", scale=None); u = m.tensor((2, 8), "float32", scale=None); st = m.const([1, 0])
    y = m.tensor((4, 8), "float32", scale=None)
    m.op("DYNAMIC_UPDATE_SLICE", [a, u, st], [y]); return m.build([a, u], [y])
def _simple_gnd():
    m = TinyModel()
    p = m.tensor((4, 8), "float32", scale=None); idx = m.const([[1], [3]])
    y = m.tensor((2, 8), "float32", scale=None)
    m.op("GATHER_ND", [p, idx], [y]); return m.build([p], [y])
def _simple_fill():
    m = TinyModel()
    d = m.const([2, 3]); v = m.tensor((), "float32", scale=None)
    y = m.tensor((2, 3), "float32", scale=None)
    m.op("FILL", [d, v], [y]); return m.build([v], [y])
def _simple_embedding():
    m = TinyModel()
    ids = m.tensor((3,), "int32", scale=None); table = m.tensor((5, 4), "float32", scale=None, data=np.ones((5, 4)))
    y = m.tensor((3, 4), "float32", scale=None)
    m.op("EMBEDDING_LOOKUP", [ids, table], [y]); return m.build([ids], [y])
def _simple_bto():
    m = TinyModel()
    a = m.tensor((1, 8), "float32", scale=None); sh = m.const([3, 8])
    y = m.tensor((3, 8), "float32", scale=None)
    m.op("BROADCAST_TO", [a, sh], [y]); return m.build([a], [y])
def _simple_l2p():
    m = TinyModel()
    x = m.tensor((1, 8, 8, 5), "float32", scale=None); y = m.tensor((1, 4, 4, 5), "float32", scale=None)
    m.op("L2_POOL_2D", [x], [y], _options(fb.Pool2DOptionsT, padding=fb.Padding.VALID, strideW=2, strideH=2, filterWidth=2, filterHeight=2))
    return m.build([x], [y])

_F32 = dict(in_dtype="float32", out_dtype="float32")
MORE_OP_MODELS.update({
    "CEIL": _single("CEIL", [(1, 8)], [(1, 8)], **_F32),
    "ROUND": _single("ROUND", [(1, 8)], [(1, 8)], **_F32),
    "NEG": _single("NEG", [(1, 8)], [(1, 8)], **_F32),
    "SIN": _single("SIN", [(1, 8)], [(1, 8)], **_F32),
    "COS": _single("COS", [(1, 8)], [(1, 8)], **_F32),
    "LOGICAL_NOT": _single("LOGICAL_NOT", [(1, 8)], [(1, 8)], in_dtype="bool", out_dtype="bool"),
    "LOGICAL_AND": _single("LOGICAL_AND", [(1, 8), (1, 8)], [(1, 8)], in_dtype="bool", out_dtype="bool"),
    "LOGICAL_OR": _single("LOGICAL_OR", [(1, 8), (1, 8)], [(1, 8)], in_dtype="bool", out_dtype="bool"),
    "BATCH_TO_SPACE_ND": _single("BATCH_TO_SPACE_ND", [(4, 2, 2, 3)], [(1, 4, 4, 3)], consts=([2, 2], [[0, 0], [0, 0]]), **_F32),
    "BROADCAST_ARGS": _single("BROADCAST_ARGS", [], [(2,)], consts=([1, 8], [3, 1]), out_dtype="int32"),
    "REVERSE_V2": _single("REVERSE_V2", [(2, 8)], [(2, 8)], consts=([1],), **_F32),
    "SELECT_V2": _simple_sel, "DYNAMIC_UPDATE_SLICE": _simple_dus, "GATHER_ND": _simple_gnd,
    "FILL": _simple_fill, "BROADCAST_TO": _simple_bto, "L2_POOL_2D": _simple_l2p,
    "SPACE_TO_BATCH_ND": _single("SPACE_TO_BATCH_ND", [(1, 4, 4, 3)], [(4, 2, 2, 3)], consts=([2, 2], [[0, 0], [0, 0]]),
                                 **_F32),
    "EMBEDDING_LOOKUP": _simple_embedding,
})


def _add_n_model(dtype):
    def build():
        m = TinyModel()
        scale = 0.05 if dtype == "int8" else None
        xs = [m.tensor((2, 6), dtype, scale=scale) for _ in range(3)]
        y = m.tensor((2, 6), dtype, scale=scale)
        m.op("ADD_N", xs, [y])
        return m.build(xs, [y])

    return build


MORE_OP_MODELS.update({
    "REDUCE_ALL": _single("REDUCE_ALL", [(2, 3, 4)], [(2, 4)], consts=([1],),
                          options=_options(fb.ReducerOptionsT, keepDims=False), in_dtype="bool", out_dtype="bool"),
    "FLOOR_DIV": _single("FLOOR_DIV", [(1, 8), (1, 8)], [(1, 8)], **_F32),
    "FLOOR_MOD": _single("FLOOR_MOD", [(1, 8), (1, 8)], [(1, 8)], **_F32),
    "ADD_N int8": _add_n_model("int8"),
    "ADD_N float32": _add_n_model("float32"),
    "CUMSUM int8": _single("CUMSUM", [(2, 5)], [(2, 5)], consts=([1],), options=_options(fb.CumsumOptionsT)),
    "CUMSUM float32": _single("CUMSUM", [(2, 5)], [(2, 5)], consts=([1],), options=_options(fb.CumsumOptionsT),
                              **_F32),
    "LOG_SOFTMAX int8": _single("LOG_SOFTMAX", [(2, 5)], [(2, 5)], out_scale=16 / 256, out_zp=127),
    "LOG_SOFTMAX float32": _single("LOG_SOFTMAX", [(2, 5)], [(2, 5)], **_F32),
})


def _padv2_model():
    m = TinyModel()
    x = m.tensor((1, 4, 4, 3))
    pads = m.const([[0, 0], [1, 1], [1, 1], [0, 0]])
    value = m.tensor((1,), data=[0], scale=0.05)
    y = m.tensor((1, 6, 6, 3))
    m.op("PADV2", [x, pads, value], [y])
    return m.build([x], [y])


def _split_v_model():
    m = TinyModel()
    x = m.tensor((1, 4, 4, 6))
    sizes, axis = m.const([2, 4]), m.const([3])
    a, b = m.tensor((1, 4, 4, 2)), m.tensor((1, 4, 4, 4))
    m.op("SPLIT_V", [x, sizes, axis], [a, b], _options(fb.SplitVOptionsT, numSplits=2))
    return m.build([x], [a, b])


def _split_model():
    m = TinyModel()
    axis = m.const([3])
    x = m.tensor((1, 4, 4, 6))
    a, b = m.tensor((1, 4, 4, 3)), m.tensor((1, 4, 4, 3))
    m.op("SPLIT", [axis, x], [a, b], _options(fb.SplitOptionsT, numSplits=2))
    return m.build([x], [a, b])


def _gather_model():
    m = TinyModel()
    params = m.tensor((10, 4))
    idx = m.const([1, 3, 5])
    y = m.tensor((3, 4))
    m.op("GATHER", [params, idx], [y], _options(fb.GatherOptionsT, axis=0))
    return m.build([params], [y])


def _prelu_model():
    m = TinyModel()
    x = m.tensor((1, 4, 4, 3))
    alpha = m.tensor((1, 1, 3), data=np.ones((1, 1, 3)), scale=0.01)
    y = m.tensor((1, 4, 4, 3))
    m.op("PRELU", [x, alpha], [y])
    return m.build([x], [y])


def _custom_op_models():
    """TFLM's custom operators (tests/test_compiled_circular_buffer.py, test_compiled_detection.py builders)."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from test_compiled_circular_buffer import circular_buffer_model
    from test_compiled_detection import detection_model

    return {"CIRCULAR_BUFFER": circular_buffer_model,
            "CIRCULAR_BUFFER cycles_max 2": lambda: circular_buffer_model(buffer_output=False, cycles_max=2),
            "TFLite_Detection_PostProcess": detection_model,
            "TFLite_Detection_PostProcess fast": lambda: detection_model(regular=False, boxes=70, max_detections=30)}


def _signal_op_models():
    """TFLM's signal library (the audio front end's custom operators, tests/signal_models.py builders): each
    operator alone, every T of RFFT/IRFFT/OVERLAP_ADD, and the micro_speech preprocessor graph whole."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import signal_models

    models = {" ".join(key): build for key, build in signal_models.signal_row_models().items()}
    models["SignalRfft int16 fft_length 512"] = signal_models.rfft_model
    models["SignalIrfft float32 fft_length 64 2 frames"] = lambda: signal_models.irfft_model("float32", 64, (2,))
    models["micro_speech preprocessor int8"] = signal_models.micro_speech_frontend_model
    models["micro_speech preprocessor float32"] = lambda: signal_models.micro_speech_frontend_model(
        features="float32")
    models["audio front end (signal chain only)"] = signal_models.frontend_model
    return models


def _decode_model(kind, channels=5, depth=6, zero_points=True):
    """TFLM_DECODE of a prune (2) or Huffman (1) DCM into a model output, beside x -> RELU -> y (the arena
    counts Prepare's decoder objects; the interpreter only allocates)."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from tflite_builder import ModelBuilder

    b = ModelBuilder()
    n = channels * depth
    enc = b.tensor("encoded", (n,), "uint8", data=np.ones(n, np.uint8).tobytes())
    dcm = bytes([kind, 1, 0, 0, 1, 0x01 if kind == 1 else 0, 0, 0] + [0] * 8) + bytes(4 * n)
    anc = b.tensor("ancillary", (len(dcm),), "uint8", data=dcm)
    zps = [c + 1 for c in range(channels)] if zero_points else [0] * channels
    w = b.tensor("w", (channels, depth), "int8", scale=[0.01] * channels, zero_point=zps)
    x = b.tensor("x", (1, 8), "int8", scale=0.1, zero_point=0)
    y = b.tensor("y", (1, 8), "int8", scale=0.1, zero_point=0)
    b.op("CUSTOM", [enc, anc], [w], custom_code="TFLM_DECODE")
    b.op("RELU", [x], [y])
    return b.build(inputs=[x], outputs=[y, w])


def _decode_op_models():
    """TFLM_DECODE (kernels/decode.cc): LUT-decoded weights of FULLY_CONNECTED / DEPTHWISE_CONV_2D
    (tests/test_compiled_decode.py builders), prune with and without per-channel zero points, Huffman."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from test_compiled_decode import decode_depthwise_model, decode_fc_model

    return {"TFLM_DECODE LUT FULLY_CONNECTED": decode_fc_model,
            "TFLM_DECODE LUT per-tensor": lambda: decode_fc_model(per_channel=False),
            "TFLM_DECODE LUT float32": lambda: decode_fc_model(dtype="float32"),
            "TFLM_DECODE LUT 7 bits 64 channels": lambda: decode_fc_model(width=7, channels=64, depth=20),
            "TFLM_DECODE LUT DEPTHWISE_CONV_2D": decode_depthwise_model,
            "TFLM_DECODE prune zero points": lambda: _decode_model(2),
            "TFLM_DECODE prune 40 channels": lambda: _decode_model(2, channels=40, depth=2),
            "TFLM_DECODE prune no zero points": lambda: _decode_model(2, zero_points=False),
            "TFLM_DECODE Huffman": lambda: _decode_model(1)}


OP_MODELS = {
    "CONV_2D": _conv_model(False),
    "CONV_2D per-tensor": _conv_model(False, per_channel=False),
    "DEPTHWISE_CONV_2D": _conv_model(True),
    "FULLY_CONNECTED": _fc_model,
    "AVERAGE_POOL_2D": _pool_model("AVERAGE_POOL_2D"),
    "MAX_POOL_2D": _pool_model("MAX_POOL_2D"),
    "RESHAPE": _reshape_model,
    "SOFTMAX": _softmax_model,
    "ADD": _binary("ADD", _options(fb.AddOptionsT)),
    "SUB": _binary("SUB", _options(fb.SubOptionsT)),
    "MUL": _binary("MUL", _options(fb.MulOptionsT)),
    "MAXIMUM": _binary("MAXIMUM"),
    "LOGISTIC": _unary("LOGISTIC", out_scale=1 / 256, out_zp=-128),
    "TANH": _unary("TANH", out_scale=1 / 128, out_zp=0),
    "RELU": _unary("RELU"),
    "RELU6": _unary("RELU6"),
    "HARD_SWISH": _unary("HARD_SWISH"),
    "LEAKY_RELU": _unary("LEAKY_RELU", _options(fb.LeakyReluOptionsT, alpha=0.1)),
    "QUANTIZE": _unary("QUANTIZE", in_dtype="float32"),
    "DEQUANTIZE": _unary("DEQUANTIZE", out_dtype="float32"),
    "MEAN": _mean_model,
    "RESIZE_NEAREST_NEIGHBOR": _resize_model("RESIZE_NEAREST_NEIGHBOR", _options(fb.ResizeNearestNeighborOptionsT)),
    "RESIZE_BILINEAR": _resize_model("RESIZE_BILINEAR", _options(fb.ResizeBilinearOptionsT)),
    "CONCATENATION": _concat_model,
    "PAD": _pad_model,
    "STRIDED_SLICE": _strided_slice_model,
    "TRANSPOSE": _transpose_model,
    "network": _network_model,
    **MORE_OP_MODELS,
    **_custom_op_models(),
    **_signal_op_models(),
    **_decode_op_models(),
}


@pytest.fixture(scope="module")
def op_models():
    """Every op model, built and measured once (one interpreter process for all)."""
    built = {name: build() for name, build in OP_MODELS.items()}
    measured = measure_arenas(list(built.values()))
    return {name: (data, meas) for (name, data), meas in zip(built.items(), measured)}


@pytest.mark.parametrize("name", sorted(OP_MODELS))
def test_op_estimate_equals_interpreter(op_models, name):
    data, meas = op_models[name]
    assert_estimate_equals_measurement(estimate_arena(data, pointer_bytes=8), meas)


def assert_estimate_equals_measurement(est, meas):
    """Totals, head, tail, smallest arena and every RecordingMicroAllocator category, to the byte."""
    assert (est.total_bytes, est.head_bytes, est.tail_bytes, est.required_bytes) == (
        meas.total_bytes,
        meas.head_bytes,
        meas.tail_bytes,
        meas.required_bytes,
    )
    assert {k: v for k, v in est.categories.items() if v} == meas.categories
    for category, detail in meas.category_details.items():
        assert est.category_details[category] == detail, category


def test_offline_planned_buffers():
    """Offsets from the OfflineMemoryAllocation metadata are honoured, the rest planned around them."""
    m = TinyModel()
    x = m.tensor((1, 8, 8, 4))
    a = m.tensor((1, 8, 8, 4))
    b = m.tensor((1, 8, 8, 4))
    m.op("RELU", [x], [a])
    m.op("RELU", [a], [b])
    # [version, subgraph, count, offsets...]: x online, a at 1024, b at 0.
    m.metadata("OfflineMemoryAllocation", struct.pack("<3I3i", 1, 0, 3, -1, 1024, 0))
    data = m.build([x], [b])
    est = estimate_arena(data, pointer_bytes=8)
    placed = {p.tensor_index: p for p in est.tensors}
    assert placed[a].offset == 1024 and placed[a].offline_planned
    assert placed[b].offset == 0
    meas = measure_arena(data)
    assert (est.total_bytes, est.head_bytes, est.required_bytes) == (
        meas.total_bytes,
        meas.head_bytes,
        meas.required_bytes,
    )


def test_greedy_planner_tie_break_and_gaps():
    planner = GreedyMemoryPlanner()
    planner.add_buffer(32, 0, 1)  # 0
    planner.add_buffer(32, 1, 2)  # 1: same size, added later: placed first at 0
    planner.add_buffer(16, 3, 4)  # 2: alive alone: offset 0
    planner.add_buffer(16, 0, 0)  # 3: fits the gap? buffer 0 is at 32, so 0..16 is free while 1 is not alive
    offsets = planner.offsets()
    assert offsets[1] == 0 and offsets[0] == 32
    assert offsets[2] == 0
    assert offsets[3] == 0
    assert planner.maximum_memory_size() == 64


def test_unmodelled_operator_is_an_error(cli, tmp_path):
    # every operator TFLM's reference and CMSIS-NN builds register is modelled now (SignalWindow, TFLM_DECODE and
    # CMSIS-NN's BATCH_MATMUL were this test's examples until they were modelled): Ethos-U's custom operator (a
    # TFLM build for the NPU) is not; the estimate and `attendnets arena` refuse it in one line, for both kernel sets
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from tflite_builder import ModelBuilder

    b = ModelBuilder()
    x = b.tensor("x", (1, 8), "int8", scale=0.1, zero_point=0)
    y = b.tensor("y", (1, 8), "int8", scale=0.1, zero_point=0)
    b.op("CUSTOM", [x], [y], custom_code="ethos-u")
    data = b.build(inputs=[x], outputs=[y])
    path = tmp_path / "ethos_u.tflite"
    path.write_bytes(data)
    from tests.conftest import assert_one_line_error

    for kernels in ("reference", "cmsis-nn"):
        with pytest.raises(UnsupportedOperatorError, match="ethos-u"):
            estimate_arena(data, kernels=kernels)
        line = assert_one_line_error(cli("arena", path, "--kernels", kernels))
        assert "ethos-u" in line and "--measure" in line  # names itself and the measured route


def test_malformed_operator_is_an_error_not_a_crash():
    m = TinyModel()
    x = m.tensor((1, 8), "int8")
    y = m.tensor((1, 8), "int8")
    m.op("UNIDIRECTIONAL_SEQUENCE_LSTM", [x], [y])  # an LSTM needs 24 inputs
    with pytest.raises(UnsupportedOperatorError, match="UNIDIRECTIONAL_SEQUENCE_LSTM"):
        estimate_arena(m.build([x], [y]), pointer_bytes=4)
