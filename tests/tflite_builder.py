"""Build small .tflite flatbuffers in tests, without TensorFlow.

Uses the generated builder functions of the ``tflite`` schema package.  Only
what the check/report tests need: tensors (shape, type, quantization,
constant data), operators (builtin or custom, with optional builtin options),
one subgraph.

Example::

    b = ModelBuilder()
    x = b.tensor("x", (1, 4), "int8", scale=0.1, zero_point=0)
    w = b.tensor("w", (3, 4), "int8", scale=0.02, zero_point=0, data=bytes(12))
    y = b.tensor("y", (1, 3), "int8", scale=0.1, zero_point=0)
    b.op("FULLY_CONNECTED", [x, w, -1], [y])
    data = b.build(inputs=[x], outputs=[y])
"""

import importlib

import flatbuffers
import numpy as np


def _schema(name):
    # The tflite package's __init__ rebinds tflite.<Name> to the class; the builder
    # functions live in the module of the same name.
    return importlib.import_module(f"tflite.{name}")


Buffer, BuiltinOperator, BuiltinOptions, Conv2DOptions, FullyConnectedOptions, Model, Operator = map(
    _schema, ["Buffer", "BuiltinOperator", "BuiltinOptions", "Conv2DOptions", "FullyConnectedOptions", "Model",
              "Operator"])
Pool2DOptions = _schema("Pool2DOptions")
DepthwiseConv2DOptions = _schema("DepthwiseConv2DOptions")
SVDFOptions = _schema("SVDFOptions")
SoftmaxOptions = _schema("SoftmaxOptions")
AddOptions, MulOptions, SubOptions, ConcatenationOptions = map(
    _schema, ["AddOptions", "MulOptions", "SubOptions", "ConcatenationOptions"])
StridedSliceOptions, ReducerOptions, ResizeNearestNeighborOptions = map(
    _schema, ["StridedSliceOptions", "ReducerOptions", "ResizeNearestNeighborOptions"])
PackOptions, GatherOptions, ShapeOptions = map(_schema, ["PackOptions", "GatherOptions", "ShapeOptions"])
LeakyReluOptions = _schema("LeakyReluOptions")
OperatorCode, QuantizationParameters, SubGraph, Tensor, TensorType = map(
    _schema, ["OperatorCode", "QuantizationParameters", "SubGraph", "Tensor", "TensorType"])

_TYPES = {
    "float32": TensorType.TensorType.FLOAT32, "int8": TensorType.TensorType.INT8,
    "int16": TensorType.TensorType.INT16, "int32": TensorType.TensorType.INT32,
    "uint8": TensorType.TensorType.UINT8, "float16": TensorType.TensorType.FLOAT16,
    "bool": TensorType.TensorType.BOOL, "int64": TensorType.TensorType.INT64,
    "int4": 17,  # TensorType.INT4 (the tflite package predates it)
    "uint32": 15, "uint64": 12,  # TensorType.UINT32 / UINT64
}
_SIZES = {"float32": 4, "int8": 1, "int16": 2, "int32": 4, "uint8": 1, "float16": 2, "bool": 1, "int64": 8,
          "uint32": 4, "uint64": 8}


class ModelBuilder:
    def __init__(self):
        self.tensors = []  # dicts
        self.ops = []  # (opcode index, inputs, outputs, options)
        self.opcodes = []  # (builtin code, custom code, version)

    def tensor(self, name, shape, dtype, scale=None, zero_point=None, quantized_dimension=0, data=None,
               constant=False, variable=False):
        """Add a tensor; ``data`` (bytes) or ``constant=True`` (zeros) makes it constant; ``variable=True``
        marks a variable tensor (state kept between invocations, e.g. SVDF's activation state)."""
        if constant and data is None:
            n = int(np.prod(shape)) if shape else 1
            data = bytes(n * _SIZES[dtype])
        self.tensors.append(dict(name=name, shape=tuple(shape), dtype=dtype, scale=scale,
                                 zero_point=zero_point, qdim=quantized_dimension, data=data,
                                 variable=variable))
        return len(self.tensors) - 1

    def op(self, name, inputs, outputs, version=1, custom_code=None, options=None):
        """An operator; a custom one (``name`` "CUSTOM", ``custom_code``) takes its options as bytes."""
        code = getattr(BuiltinOperator.BuiltinOperator, name) if custom_code is None else 32
        key = (code, custom_code, version)
        if key not in self.opcodes:
            self.opcodes.append(key)
        self.ops.append((self.opcodes.index(key), list(inputs), list(outputs), options))

    def build(self, inputs, outputs) -> bytes:
        b = flatbuffers.Builder(1024)

        def int_vector(start_fn, values, prepend="PrependInt32"):
            start_fn(b, len(values))
            for v in reversed(values):
                getattr(b, prepend)(v)
            return b.EndVector()

        # Buffers: 0 is the empty sentinel; each constant tensor gets its own.
        buffer_offsets = []
        buffer_of_tensor = []
        datas = [None] + [t["data"] for t in self.tensors if t["data"] is not None]
        for data in datas:
            data_vec = None
            if data is not None:
                data_vec = b.CreateByteVector(bytes(data))
            Buffer.BufferStart(b)
            if data_vec is not None:
                Buffer.BufferAddData(b, data_vec)
            buffer_offsets.append(Buffer.BufferEnd(b))
        next_buffer = 1
        for t in self.tensors:
            if t["data"] is not None:
                buffer_of_tensor.append(next_buffer)
                next_buffer += 1
            else:
                buffer_of_tensor.append(0)

        tensor_offsets = []
        for t, buf in zip(self.tensors, buffer_of_tensor):
            name = b.CreateString(t["name"])
            shape = int_vector(Tensor.TensorStartShapeVector, list(t["shape"]))
            quant = None
            if t["scale"] is not None:
                scales = t["scale"] if isinstance(t["scale"], (list, tuple)) else [t["scale"]]
                zps = t["zero_point"] if isinstance(t["zero_point"], (list, tuple)) else [t["zero_point"] or 0]
                QuantizationParameters.QuantizationParametersStartScaleVector(b, len(scales))
                for s in reversed(scales):
                    b.PrependFloat32(s)
                scale_vec = b.EndVector()
                QuantizationParameters.QuantizationParametersStartZeroPointVector(b, len(zps))
                for z in reversed(zps):
                    b.PrependInt64(z)
                zp_vec = b.EndVector()
                QuantizationParameters.QuantizationParametersStart(b)
                QuantizationParameters.QuantizationParametersAddScale(b, scale_vec)
                QuantizationParameters.QuantizationParametersAddZeroPoint(b, zp_vec)
                QuantizationParameters.QuantizationParametersAddQuantizedDimension(b, t["qdim"])
                quant = QuantizationParameters.QuantizationParametersEnd(b)
            Tensor.TensorStart(b)
            Tensor.TensorAddShape(b, shape)
            Tensor.TensorAddType(b, _TYPES[t["dtype"]])
            Tensor.TensorAddBuffer(b, buf)
            Tensor.TensorAddName(b, name)
            if t["variable"]:
                Tensor.TensorAddIsVariable(b, True)
            if quant is not None:
                Tensor.TensorAddQuantization(b, quant)
            tensor_offsets.append(Tensor.TensorEnd(b))

        op_offsets = []
        for opcode_index, ins, outs, options in self.ops:
            in_vec = int_vector(Operator.OperatorStartInputsVector, ins)
            out_vec = int_vector(Operator.OperatorStartOutputsVector, outs)
            custom_options = None
            if isinstance(options, (bytes, bytearray)):  # a custom operator's options (a flexbuffer)
                custom_options, options = b.CreateByteVector(bytes(options)), None
            opt_type, opt = _options(b, options)
            Operator.OperatorStart(b)
            Operator.OperatorAddOpcodeIndex(b, opcode_index)
            Operator.OperatorAddInputs(b, in_vec)
            Operator.OperatorAddOutputs(b, out_vec)
            if opt is not None:
                Operator.OperatorAddBuiltinOptionsType(b, opt_type)
                Operator.OperatorAddBuiltinOptions(b, opt)
            if custom_options is not None:
                Operator.OperatorAddCustomOptions(b, custom_options)
            op_offsets.append(Operator.OperatorEnd(b))

        def table_vector(start_fn, offsets):
            start_fn(b, len(offsets))
            for o in reversed(offsets):
                b.PrependUOffsetTRelative(o)
            return b.EndVector()

        tensors_vec = table_vector(SubGraph.SubGraphStartTensorsVector, tensor_offsets)
        ops_vec = table_vector(SubGraph.SubGraphStartOperatorsVector, op_offsets)
        in_vec = int_vector(SubGraph.SubGraphStartInputsVector, list(inputs))
        out_vec = int_vector(SubGraph.SubGraphStartOutputsVector, list(outputs))
        sg_name = b.CreateString("main")
        SubGraph.SubGraphStart(b)
        SubGraph.SubGraphAddTensors(b, tensors_vec)
        SubGraph.SubGraphAddOperators(b, ops_vec)
        SubGraph.SubGraphAddInputs(b, in_vec)
        SubGraph.SubGraphAddOutputs(b, out_vec)
        SubGraph.SubGraphAddName(b, sg_name)
        subgraph = SubGraph.SubGraphEnd(b)

        code_offsets = []
        for code, custom, version in self.opcodes:
            custom_str = b.CreateString(custom) if custom else None
            OperatorCode.OperatorCodeStart(b)
            OperatorCode.OperatorCodeAddDeprecatedBuiltinCode(b, min(code, 127))
            OperatorCode.OperatorCodeAddBuiltinCode(b, code)
            OperatorCode.OperatorCodeAddVersion(b, version)
            if custom_str is not None:
                OperatorCode.OperatorCodeAddCustomCode(b, custom_str)
            code_offsets.append(OperatorCode.OperatorCodeEnd(b))

        codes_vec = table_vector(Model.ModelStartOperatorCodesVector, code_offsets)
        subgraphs_vec = table_vector(Model.ModelStartSubgraphsVector, [subgraph])
        buffers_vec = table_vector(Model.ModelStartBuffersVector, buffer_offsets)
        desc = b.CreateString("attendnets test model")
        Model.ModelStart(b)
        Model.ModelAddVersion(b, 3)
        Model.ModelAddOperatorCodes(b, codes_vec)
        Model.ModelAddSubgraphs(b, subgraphs_vec)
        Model.ModelAddBuffers(b, buffers_vec)
        Model.ModelAddDescription(b, desc)
        b.Finish(Model.ModelEnd(b), file_identifier=b"TFL3")
        return bytes(b.Output())


# Options tables written field by field (snake_case field: default): _options' generic kinds.
GENERIC_OPTIONS = {
    "split": ("SplitOptions", {"num_splits": 1}),
    "div": ("DivOptions", {"fused_activation_function": "NONE"}),
    "split_v": ("SplitVOptions", {"num_splits": 1}),
    "unpack": ("UnpackOptions", {"num": 1, "axis": 0}),
    "batch_matmul": ("BatchMatMulOptions", {"adj_x": False, "adj_y": False}),
    "transpose_conv": ("TransposeConvOptions", {"padding": "SAME", "stride_w": 1, "stride_h": 1,
                                                "fused_activation_function": "NONE"}),
    "arg_max": ("ArgMaxOptions", {"output_type": 2}),  # TensorType: INT32 2, INT64 4
    "arg_min": ("ArgMinOptions", {"output_type": 2}),
    "resize_bilinear": ("ResizeBilinearOptions", {"align_corners": False, "half_pixel_centers": False}),
    "cumsum": ("CumsumOptions", {"exclusive": False, "reverse": False}),
    "if": ("IfOptions", {"then_subgraph_index": 1, "else_subgraph_index": 2}),
    "while": ("WhileOptions", {"cond_subgraph_index": 1, "body_subgraph_index": 2}),
    "depth_to_space": ("DepthToSpaceOptions", {"block_size": 2}),
    "space_to_depth": ("SpaceToDepthOptions", {"block_size": 2}),
    "mirror_pad": ("MirrorPadOptions", {"mode": 0}),  # MirrorPadMode: 0 REFLECT, 1 SYMMETRIC
}

# Padding and ActivationFunctionType enumerators (schema.fbs).
_PADDINGS = {"SAME": 0, "VALID": 1}
_ACTIVATIONS = {"NONE": 0, "RELU": 1, "RELU_N1_TO_1": 2, "RELU6": 3, "TANH": 4, "SIGN_BIT": 5}


def _options(b, options):
    """Builtin options from a dict with a 'type' key ('conv2d', 'depthwise_conv2d', 'pool2d', 'softmax',
    'fully_connected'; 'add'/'sub'/'mul' (activation); 'concatenation' (axis, activation);
    'strided_slice' (begin_mask, end_mask, shrink_axis_mask, ellipsis_mask, new_axis_mask, offset);
    'reducer' (keep_dims); 'resize_nearest_neighbor' (align_corners, half_pixel_centers); 'svdf' (rank, relu);
    'pack' (axis, values_count); 'gather' (axis, batch_dims); 'shape' (out_type: a type name);
    'leaky_relu' (alpha))."""
    if not options:
        return 0, None
    kind = options["type"]
    if kind == "pack":
        PackOptions.PackOptionsStart(b)
        PackOptions.PackOptionsAddValuesCount(b, options["values_count"])
        PackOptions.PackOptionsAddAxis(b, options.get("axis", 0))
        return BuiltinOptions.BuiltinOptions.PackOptions, PackOptions.PackOptionsEnd(b)
    if kind in GENERIC_OPTIONS:  # {"type": kind, field in snake_case: value}: int/bool fields of one table
        table, fields = GENERIC_OPTIONS[kind]
        module = _schema(table)
        getattr(module, f"{table}Start")(b)
        for field, default in fields.items():
            value = options.get(field, default)
            if field in ("padding",):
                value = _PADDINGS[value]
            elif field == "fused_activation_function":
                value = _ACTIVATIONS[value]
            getattr(module, f"{table}Add{''.join(w.title() for w in field.split('_'))}")(b, value)
        return getattr(BuiltinOptions.BuiltinOptions, table), getattr(module, f"{table}End")(b)
    if kind == "leaky_relu":
        LeakyReluOptions.LeakyReluOptionsStart(b)
        LeakyReluOptions.LeakyReluOptionsAddAlpha(b, options["alpha"])
        return BuiltinOptions.BuiltinOptions.LeakyReluOptions, LeakyReluOptions.LeakyReluOptionsEnd(b)
    if kind == "gather":
        GatherOptions.GatherOptionsStart(b)
        GatherOptions.GatherOptionsAddAxis(b, options.get("axis", 0))
        GatherOptions.GatherOptionsAddBatchDims(b, options.get("batch_dims", 0))
        return BuiltinOptions.BuiltinOptions.GatherOptions, GatherOptions.GatherOptionsEnd(b)
    if kind == "shape":
        ShapeOptions.ShapeOptionsStart(b)
        ShapeOptions.ShapeOptionsAddOutType(b, _TYPES[options.get("out_type", "int32")])
        return BuiltinOptions.BuiltinOptions.ShapeOptions, ShapeOptions.ShapeOptionsEnd(b)
    if kind in ("add", "sub", "mul"):
        module = {"add": AddOptions, "sub": SubOptions, "mul": MulOptions}[kind]
        name = {"add": "AddOptions", "sub": "SubOptions", "mul": "MulOptions"}[kind]
        getattr(module, f"{name}Start")(b)
        getattr(module, f"{name}AddFusedActivationFunction")(b, _ACTIVATIONS[options.get("activation", "NONE")])
        return getattr(BuiltinOptions.BuiltinOptions, name), getattr(module, f"{name}End")(b)
    if kind == "concatenation":
        ConcatenationOptions.ConcatenationOptionsStart(b)
        ConcatenationOptions.ConcatenationOptionsAddAxis(b, options.get("axis", 0))
        ConcatenationOptions.ConcatenationOptionsAddFusedActivationFunction(
            b, _ACTIVATIONS[options.get("activation", "NONE")])
        return (BuiltinOptions.BuiltinOptions.ConcatenationOptions,
                ConcatenationOptions.ConcatenationOptionsEnd(b))
    if kind == "strided_slice":
        StridedSliceOptions.StridedSliceOptionsStart(b)
        for key, add in (("begin_mask", "AddBeginMask"), ("end_mask", "AddEndMask"),
                         ("shrink_axis_mask", "AddShrinkAxisMask"), ("ellipsis_mask", "AddEllipsisMask"),
                         ("new_axis_mask", "AddNewAxisMask")):
            getattr(StridedSliceOptions, f"StridedSliceOptions{add}")(b, options.get(key, 0))
        StridedSliceOptions.StridedSliceOptionsAddOffset(b, options.get("offset", False))
        return BuiltinOptions.BuiltinOptions.StridedSliceOptions, StridedSliceOptions.StridedSliceOptionsEnd(b)
    if kind == "reducer":
        ReducerOptions.ReducerOptionsStart(b)
        ReducerOptions.ReducerOptionsAddKeepDims(b, options.get("keep_dims", False))
        return BuiltinOptions.BuiltinOptions.ReducerOptions, ReducerOptions.ReducerOptionsEnd(b)
    if kind == "resize_nearest_neighbor":
        ResizeNearestNeighborOptions.ResizeNearestNeighborOptionsStart(b)
        ResizeNearestNeighborOptions.ResizeNearestNeighborOptionsAddAlignCorners(b, options.get("align_corners", False))
        ResizeNearestNeighborOptions.ResizeNearestNeighborOptionsAddHalfPixelCenters(
            b, options.get("half_pixel_centers", False))
        return (BuiltinOptions.BuiltinOptions.ResizeNearestNeighborOptions,
                ResizeNearestNeighborOptions.ResizeNearestNeighborOptionsEnd(b))
    if kind in ("conv2d", "depthwise_conv2d"):
        # padding SAME|VALID, stride or stride_h/stride_w, dilation or dilation_h/dilation_w,
        # activation (a fused activation name), depth_multiplier (depthwise only).
        module = Conv2DOptions if kind == "conv2d" else DepthwiseConv2DOptions
        prefix = "Conv2DOptions" if kind == "conv2d" else "DepthwiseConv2DOptions"
        add = lambda field, value: getattr(module, f"{prefix}Add{field}")(b, value)  # noqa: E731
        getattr(module, f"{prefix}Start")(b)
        add("Padding", _PADDINGS[options.get("padding", "SAME")])
        add("StrideW", options.get("stride_w", options.get("stride", 1)))
        add("StrideH", options.get("stride_h", options.get("stride", 1)))
        add("DilationWFactor", options.get("dilation_w", options.get("dilation", 1)))
        add("DilationHFactor", options.get("dilation_h", options.get("dilation", 1)))
        add("FusedActivationFunction", _ACTIVATIONS[options.get("activation", "NONE")])
        if kind == "depthwise_conv2d":
            add("DepthMultiplier", options.get("depth_multiplier", 1))
        enum = BuiltinOptions.BuiltinOptions.Conv2DOptions if kind == "conv2d" else \
            BuiltinOptions.BuiltinOptions.DepthwiseConv2DOptions
        return enum, getattr(module, f"{prefix}End")(b)
    if kind == "pool2d":
        # padding (default VALID), stride or stride_h/stride_w, filter or filter_h/filter_w, activation.
        Pool2DOptions.Pool2DOptionsStart(b)
        Pool2DOptions.Pool2DOptionsAddPadding(b, _PADDINGS[options.get("padding", "VALID")])
        Pool2DOptions.Pool2DOptionsAddStrideW(b, options.get("stride_w", options.get("stride", 1)))
        Pool2DOptions.Pool2DOptionsAddStrideH(b, options.get("stride_h", options.get("stride", 1)))
        Pool2DOptions.Pool2DOptionsAddFilterWidth(b, options.get("filter_w", options.get("filter")))
        Pool2DOptions.Pool2DOptionsAddFilterHeight(b, options.get("filter_h", options.get("filter")))
        Pool2DOptions.Pool2DOptionsAddFusedActivationFunction(b, _ACTIVATIONS[options.get("activation", "NONE")])
        return BuiltinOptions.BuiltinOptions.Pool2DOptions, Pool2DOptions.Pool2DOptionsEnd(b)
    if kind == "softmax":
        SoftmaxOptions.SoftmaxOptionsStart(b)
        SoftmaxOptions.SoftmaxOptionsAddBeta(b, options.get("beta", 1.0))
        return BuiltinOptions.BuiltinOptions.SoftmaxOptions, SoftmaxOptions.SoftmaxOptionsEnd(b)
    if kind == "fully_connected":
        FullyConnectedOptions.FullyConnectedOptionsStart(b)
        FullyConnectedOptions.FullyConnectedOptionsAddFusedActivationFunction(
            b, _ACTIVATIONS[options.get("activation", "NONE")])
        FullyConnectedOptions.FullyConnectedOptionsAddKeepNumDims(b, bool(options.get("keep_num_dims", False)))
        return BuiltinOptions.BuiltinOptions.FullyConnectedOptions, FullyConnectedOptions.FullyConnectedOptionsEnd(b)
    if kind == "svdf":
        SVDFOptions.SVDFOptionsStart(b)
        SVDFOptions.SVDFOptionsAddRank(b, options.get("rank", 1))
        SVDFOptions.SVDFOptionsAddFusedActivationFunction(b, _ACTIVATIONS["RELU" if options.get("relu") else "NONE"])
        return BuiltinOptions.BuiltinOptions.SVDFOptions, SVDFOptions.SVDFOptionsEnd(b)
    raise ValueError(f"unknown options type {kind!r}")


def int8_fc_model(weight_zero_point=0, activation_dtype="int8", weight_dtype="int8", act_zero_point=0,
                  per_channel_scales=None, quantized_dimension=0):
    """A one-layer fully-connected model: x[1,4] -> y[1,3]."""
    b = ModelBuilder()
    act_scale = None if activation_dtype == "float32" else 0.1
    act_zp = None if activation_dtype == "float32" else act_zero_point
    x = b.tensor("x", (1, 4), activation_dtype, scale=act_scale, zero_point=act_zp)
    if weight_dtype == "float32":
        w = b.tensor("w", (3, 4), "float32", constant=True)
    else:
        scales = per_channel_scales or 0.02
        zps = [weight_zero_point] * len(scales) if per_channel_scales else weight_zero_point
        w = b.tensor("w", (3, 4), weight_dtype, scale=scales, zero_point=zps,
                     quantized_dimension=quantized_dimension, constant=True)
    y = b.tensor("y", (1, 3), activation_dtype, scale=act_scale, zero_point=act_zp)
    b.op("FULLY_CONNECTED", [x, w, -1], [y], version=4, options={"type": "fully_connected"})
    return b.build(inputs=[x], outputs=[y])
