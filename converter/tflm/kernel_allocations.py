"""What each TFLM kernel allocates in the arena while it is set up.

For every operator TFLM parses its builtin options into the tail, calls the
kernel's ``Init`` (usually one persistent OpData struct) and then its
``Prepare``, which may

* allocate temporary ``TfLiteTensor`` views of its inputs/outputs
  (``AllocateTempInputTensor`` and friends: a ``TfLiteTensor`` plus, for a
  quantized tensor, a ``TfLiteAffineQuantization`` and a zero-point array, all
  in the temp section above the head, released after the op's Prepare),
* allocate more persistent buffers (per-channel multipliers and shifts, LUTs),
* request scratch buffers (planned in the head like tensors, alive only during
  the op).

The functions here replay those calls, in TFLM's order, against a
:class:`KernelContext` (implemented by :mod:`converter.tflm.arena`).  Each kernel
names the TFLM file it mirrors.  The two kernel sets:

``reference``
    tensorflow/lite/micro/kernels/*.cc, the kernels of the ``tflite-micro``
    Python package and of a TFLM build without ``OPTIMIZED_KERNEL_DIR``.
``cmsis-nn``
    tensorflow/lite/micro/kernels/cmsis_nn/*.cc with CMSIS-NN's
    ``arm_*_get_buffer_size`` scratch formulas for the target's CMSIS-NN code
    path, ``KernelContext.cmsis_nn_arch`` (see :mod:`converter.tflm.cmsis_nn_buffers`):
    ``"dsp"`` (Cortex-M4/M7/M33, the default), ``"mve"`` (Cortex-M55/M85,
    Helium) or ``"scalar"`` (Cortex-M0/M0+/M3, plain C).  Built, as generated
    projects are, with GCC and ``-DKERNELS_OPTIMIZED_FOR_SPEED``.

An operator missing from these tables raises
:class:`~attendnets_base.errors.UnsupportedOperatorError`: the estimator never
guesses.
"""

from __future__ import annotations

from dataclasses import dataclass
import math
from typing import Callable

from flatbuffers import flexbuffers

from attendnets_base.errors import UnsupportedOperatorError
from converter.tflm import cmsis_nn_buffers as cmsis

# The kernel sets, the default first. One default everywhere (check, arena, report, optimize,
# generate): CMSIS-NN, what generated firmware builds with, the best on every Cortex-M (its
# optimized kernels where it has them, TFLM's reference kernels for the other operators).
KERNEL_SETS = ("cmsis-nn", "reference")
DEFAULT_KERNELS = KERNEL_SETS[0]
CMSIS_NN_ARCHES = cmsis.ARCHES  # "dsp", "mve", "scalar"


class KernelContext:
    """The calls a kernel makes into TFLM while it initialises and prepares.

    Implemented by the arena simulator; documented here so the kernel tables
    read like the C++ they mirror.
    """

    op = None  # converter.tflite_model.Operator
    pointer_bytes = 8
    compression = False
    cmsis_nn_arch = "dsp"  # CMSIS-NN code path (converter.tflm.cmsis_nn_buffers.ARCHES)

    def tensor(self, index):  # the model tensor (reader object) or None for -1
        raise NotImplementedError

    def input(self, i):
        """The op's i-th input tensor, or None when absent/optional (-1)."""
        raise NotImplementedError

    def output(self, i):
        raise NotImplementedError

    def constant_data(self, tensor):
        """The bytes of a constant tensor's buffer (b"" for a tensor without data)."""
        raise NotImplementedError

    def persistent(self, nbytes):
        """context->AllocatePersistentBuffer(nbytes): tail, 16-byte aligned."""
        raise NotImplementedError

    def persistent_struct(self, name):
        """context->AllocatePersistentBuffer(sizeof(name))."""
        raise NotImplementedError

    def layout(self, name):
        """(sizeof, alignof) of the TFLM struct ``name`` in this build (converter.tflm.tflm_structs)."""
        raise NotImplementedError

    def temp_input(self, i):
        """micro_context->AllocateTempInputTensor(node, i); returns the tensor or None."""
        raise NotImplementedError

    def temp_output(self, i):
        raise NotImplementedError

    def temp_intermediate(self, i):
        raise NotImplementedError

    def temp_buffer(self, nbytes, alignment):
        """micro_context->AllocateTempBuffer(nbytes, alignment)."""
        raise NotImplementedError

    def scratch(self, nbytes):
        """context->RequestScratchBufferInArena(nbytes)."""
        raise NotImplementedError

    def set_output_shape(self, i, shape):
        """The kernel rewrote output i's dims in Prepare (the eval tensor's shape changes)."""
        raise NotImplementedError

    def resource_handle(self, container, shared_name):
        """VAR_HANDLE Prepare: the resource id of (container, shared_name) is now in output 0."""
        raise NotImplementedError

    def resource_of_input(self, i):
        """(container, shared_name) of the resource id tensor input i, if its VAR_HANDLE ran Prepare."""
        raise NotImplementedError

    def allocate_resource(self, key, nbytes):
        """MicroResourceVariables::Allocate: a persistent buffer for a variable, once."""
        raise NotImplementedError


@dataclass(frozen=True)
class KernelModel:
    """How one builtin operator allocates: options struct, Init, Prepare."""

    builtin_data: str | None  # the TfLite*Params struct its parser allocates, or None
    init: Callable | None  # init(k) or None when the registration has no init
    prepare: Callable | None  # prepare(k) or None
    source: str


def _channels(tensor, axis):
    return tensor.shape[axis] if tensor is not None and len(tensor.shape) > axis else 0


# ---------------------------------------------------------------- reference


def _init_struct(name):
    def init(k):
        k.persistent_struct(name)

    return init


def _per_channel_output_arrays(k, flt, quantized_dimension):
    """OpData's per_channel_output_multiplier and per_channel_output_shift: int32 per output channel."""
    channels = _channels(flt, quantized_dimension)
    k.persistent(channels * 4)  # per_channel_output_multiplier
    k.persistent(channels * 4)  # per_channel_output_shift


def _refuse_int4_for_cmsis(k, flt, op_name):
    if flt is not None and flt.dtype == "int4":
        raise UnsupportedOperatorError(f"operator {k.op.index} ({op_name}) with int4 weights is not modelled for cmsis-nn")


def _conv_prepare(k, quantized_dimension):
    # conv_common.cc ConvPrepare / depthwise_conv_common.cc DepthwiseConvPrepare
    k.temp_output(0)
    k.temp_input(0)
    flt = k.temp_input(1)
    _per_channel_output_arrays(k, flt, quantized_dimension)
    # CalculateOpDataConv / CalculateOpDataDepthwiseConv
    k.temp_input(0)
    k.temp_input(1)
    k.temp_input(2)
    k.temp_output(0)
    if flt is not None and flt.dtype == "int4":
        k.scratch(flt.num_elements)  # unpacked int4 filter
    if k.compression:
        _decompression_scratch(k, (1, 2))


def _decompression_scratch(k, input_indices):
    """AllocateDecompressionScratchBuffer: only for tensors with compression metadata."""
    if k.compressed_inputs(input_indices):
        raise UnsupportedOperatorError(
            f"operator {k.op.index} ({k.op.name}) uses TFLM-compressed tensors; the arena estimator does not model them"
        )


def _ref_conv_prepare(k):
    _conv_prepare(k, 0)  # kConvQuantizedDimension = 0


def _ref_depthwise_prepare(k):
    _conv_prepare(k, 3)  # kDepthwiseConvQuantizedDimension = 3


def _fully_connected_per_channel(k, flt):
    # fully_connected_common.cc CalculateOpDataFullyConnected
    q = flt.quantization if flt is not None else None
    if q is not None and len(q.scale) > 1:
        k.persistent(len(q.scale) * 4)  # per_channel_output_multiplier
        k.persistent(len(q.scale) * 4)  # per_channel_output_shift


def _ref_fully_connected_prepare(k):
    # fully_connected.cc FullyConnectedPrepare
    k.temp_input(0)
    flt = k.temp_input(1)
    k.temp_input(2)
    k.temp_output(0)
    if flt is not None and flt.dtype == "int4":
        k.scratch(flt.num_elements)
    _fully_connected_per_channel(k, flt)
    if k.compression:
        _decompression_scratch(k, (1, 2))


def _in_out_prepare(k):
    # One temp input and one temp output (pooling_common.cc PoolingPrepare,
    # reshape_common.cc ReshapeOutput without a -1 dimension, ...).
    k.temp_input(0)
    k.temp_output(0)


def _ref_reshape_prepare(k):
    # reshape_common.cc ReshapeOutput
    k.temp_input(0)
    out = k.temp_output(0)
    shape = list(out.shape) if out is not None else []
    if len(k.op.inputs) == 1 and shape == [0]:
        shape = []
    if -1 in shape:
        _writable_output_dims(k)
        inp = k.input(0)
        known = 1
        for d in shape:
            if d != -1:
                known *= d
        total = 1
        for d in inp.shape:
            total *= d
        k.set_output_shape(0, [total // known if d == -1 else d for d in shape])


def _writable_output_dims(k, index=0):
    """micro::CreateWritableTensorDimsWithCopy(output): the dims move to the tail (kernel_util.cc)."""
    out = k.output(index)
    k.persistent(4 + 4 * len(out.shape))


def _ref_depth_space_prepare(k):
    # depth_to_space.cc / space_to_depth.cc CalculateOpData
    k.temp_input(0)
    k.temp_output(0)
    _writable_output_dims(k)


def _ref_gather_prepare(k):
    # gather.cc GatherPrepare
    k.temp_input(0)
    k.temp_input(1)
    k.temp_output(0)
    _writable_output_dims(k)


def _ref_embedding_lookup_prepare(k):
    # embedding_lookup.cc EmbeddingLookUpPrepare: the output's dims made writable, then CalculateOpData's OpData
    k.temp_input(0)
    k.temp_input(1)
    k.temp_output(0)
    _writable_output_dims(k)
    k.persistent_struct("EmbeddingLookupOpData")


def _ref_mirror_pad_prepare(k):
    # mirror_pad.cc MirrorPadPrepare: two int-per-dimension scratch buffers
    inp = k.temp_input(0)
    k.temp_input(1)
    k.temp_output(0)
    k.scratch(4 * len(inp.shape))
    k.scratch(4 * len(inp.shape))


def _ref_softmax_prepare(k):
    # softmax_common.cc SoftmaxPrepare / CalculateSoftmaxParams
    inp = k.temp_input(0)
    k.temp_output(0)
    if inp is not None and inp.dtype == "int16":
        k.persistent(2 * 513)  # exp LUT, sizeof(int16_t) * LUTSize<int16_t>()
        k.persistent(2 * 513)  # one_over_one_plus_x LUT


def _ref_add_prepare(k):
    # add_common.cc AddPrepare
    k.temp_input(0)
    k.temp_input(1)
    k.temp_output(0)


def _ref_lstm_prepare(k):
    # unidirectional_sequence_lstm.cc UnidirectionalSequenceLstmPrepare;
    # lstm_eval.cc LstmTensors allocates a temp tensor for each of the 24 inputs.
    for i in range(24):
        k.temp_input(i)
    out = k.temp_output(0)
    cell = k.input(19)  # kLstmCellStateTensor
    hidden = k.input(18)  # kLstmOutputStateTensor
    time_major = k.op.options.get("time_major", False)
    inp = k.input(0)
    batch = inp.shape[1] if time_major else inp.shape[0]
    state_dimension = hidden.shape[-1]
    for _ in range(4):
        k.scratch(batch * state_dimension * cell.element_size_bytes)


def _temps(*spec):
    """A Prepare that allocates temp tensors in this order: ('i', n) inputs, ('o', n) outputs."""

    def prepare(k):
        for kind, index in spec:
            if kind == "i":
                k.temp_input(index)
            else:
                k.temp_output(index)

    return prepare


_I0_O0 = _temps(("i", 0), ("o", 0))
_I0_I1_O0 = _temps(("i", 0), ("i", 1), ("o", 0))


def _ref_mean_prepare(k):
    # reduce_common.cc PrepareMeanOrSumHelper, then PrepareSimple
    inp = k.temp_input(0)
    out = k.temp_output(0)
    axis = k.temp_input(1)
    if inp.dtype in ("int8", "int16"):
        k.scratch(4 * out.num_elements)  # scratch_accumulator (int32 per output element)
    k.scratch(4 * len(inp.shape))  # scratch_input_iter
    k.scratch(4 * axis.num_elements)  # scratch_resolved_axis
    k.temp_input(0)
    k.temp_input(1)
    if inp.dtype == "int8":
        k.temp_output(0)


def _ref_reduce_min_max_prepare(k):
    # reduce_common.cc PrepareMinMaxHelper: PrepareSimple first
    inp = k.temp_input(0)
    k.temp_input(1)
    if inp.dtype == "int8":
        k.temp_output(0)
    k.temp_input(0)
    k.temp_output(0)
    axis = k.temp_input(1)
    k.scratch(4 * len(inp.shape))
    k.scratch(4 * axis.num_elements)


def _ref_reduce_all_prepare(k):
    # reduce_common.cc PrepareAllHelper: its temps, then PrepareSimple's (bool: no output)
    inp = k.temp_input(0)
    k.temp_output(0)
    axis = k.temp_input(1)
    k.temp_input(0)
    k.temp_input(1)
    k.scratch(4 * len(inp.shape))  # scratch_input_iter
    k.scratch(4 * axis.num_elements)  # scratch_resolved_axis


def _ref_add_n_prepare(k):
    # add_n.cc CalculateOpData: input 0, the output, every other input; int8 OpData; the input pointers' scratch
    inp = k.temp_input(0)
    k.temp_output(0)
    for i in range(1, len(k.op.inputs)):
        k.temp_input(i)
    if inp.dtype == "int8":
        k.persistent_struct("OpDataAddN")
    k.scratch(k.pointer_bytes * len(k.op.inputs))


def _ref_cumsum_prepare(k):
    # cumsum.cc CalculateOpData
    k.temp_input(0)
    k.temp_input(1)
    out = k.temp_output(0)
    if out.dtype == "int8":
        k.persistent_struct("OpDataCumSum")


def _ref_log_softmax_prepare(k):
    # log_softmax.cc CalculateOpData
    inp = k.temp_input(0)
    k.temp_output(0)
    if inp.dtype == "int8":
        k.persistent_struct("LogSoftmaxOpData")


def _ref_concatenation_prepare(k):
    # concatenation.cc ConcatenationPrepare
    k.temp_input(0)
    k.temp_output(0)
    for i in range(len(k.op.inputs)):
        k.temp_input(i)
    if k.compression:
        _decompression_scratch(k, tuple(range(len(k.op.inputs))))


def _ref_pad_prepare(k):
    # pad_common.cc PadPrepare: input, paddings, constant values (PADV2), output
    k.temp_input(0)
    k.temp_input(1)
    if len(k.op.inputs) == 3:
        k.temp_input(2)
    k.temp_output(0)


def _ref_tanh_prepare(k):
    # tanh.cc TanhPrepare -> CalculateArithmeticOpData
    k.temp_input(0)
    k.temp_input(0)
    k.temp_output(0)


def _ref_strided_slice_prepare(k):
    # strided_slice_common.cc StridedSliceContext: input, begin, end, strides, output
    for i in range(4):
        k.temp_input(i)
    k.temp_output(0)


def _ref_svdf_prepare(k):
    # svdf_common.cc PrepareSvdf: temps for input, weights_feature, weights_time, bias,
    # activation_state and output (all held until the end), then int32/float scratch buffers.
    inp = k.temp_input(0)
    weights_feature = k.temp_input(1)
    k.temp_input(2)
    k.temp_input(3)
    k.temp_input(4)
    out = k.temp_output(0)
    batch = inp.shape[0]
    num_filters = weights_feature.shape[0]
    num_units = out.shape[1]
    k.scratch(batch * num_filters * 4)  # scratch_tensor_index (int32_t or float)
    if inp.dtype == "int8":
        k.scratch(batch * num_units * 4)  # scratch_output_tensor_index


def _transpose_conv_held(k):
    """TRANSPOSE_CONV Prepare's start in both kernel sets: output, input (2), filter (1) held, the per-channel
    multiplier and shift arrays; ``(output, input, filter)``."""
    out = k.temp_output(0)
    inp = k.temp_input(2)
    flt = k.temp_input(1)
    channels = flt.shape[0]  # kTransposeConvQuantizedDimension = 0
    k.persistent(channels * 4)  # per_channel_output_multiplier
    k.persistent(channels * 4)  # per_channel_output_shift
    return out, inp, flt


def _transpose_conv_op_data(k, inp):
    """TRANSPOSE_CONV's CalculateOpData in both kernel sets (not for float32): input, filter, bias (3), output;
    an int16 bias converted to int64."""
    if inp.dtype != "float32":
        k.temp_input(2)
        k.temp_input(1)
        bias = k.temp_input(3)
        k.temp_output(0)
        if inp.dtype == "int16" and bias is not None and bias.dtype == "int16":
            k.scratch(bias.num_elements * 8)  # bias converted to int64


def _ref_transpose_conv_prepare(k):
    # transpose_conv.cc TransposeConvPrepare: output, input (2), filter (1) held; per-channel arrays;
    # an int32 (int8) / int64 (int16) scratch of the output size; CalculateOpData's own temps.
    out, inp, _flt = _transpose_conv_held(k)
    if inp.dtype == "int8":
        k.scratch(out.num_elements * 4)
    elif inp.dtype == "int16":
        k.scratch(out.num_elements * 8)
    _transpose_conv_op_data(k, inp)
    if k.compression:
        _decompression_scratch(k, (1, 3))


def _batch_matmul_transposed_copies(k, lhs, rhs):
    """BATCH_MATMUL's transposed copies (both kernel sets): lhs where adj_x, rhs where not adj_y, each a
    persistent TfLiteEvalTensor, its dims and its data."""
    options = k.op.options
    for tensor, transposed in ((lhs, options.get("adj_x", False)), (rhs, not options.get("adj_y", False))):
        if transposed:
            k.persistent_struct("TfLiteEvalTensor")
            k.persistent(4 + 4 * len(tensor.shape))
            k.persistent(tensor.num_elements * tensor.element_size_bytes)


def _ref_batch_matmul_prepare(k):
    # batch_matmul.cc BatchMatMulPrepare: PrepareOpContext (temp lhs, rhs, output), then
    # InitializeTemporaries (quantization data; transposed copies of lhs (adj_x) / rhs (not adj_y)
    # as persistent TfLiteEvalTensors with their dims and data), then ReshapeOutputTensor
    # (CreateWritableTensorDimsWithCopy of the output).
    lhs = k.temp_input(0)
    rhs = k.temp_input(1)
    k.temp_output(0)
    if lhs.dtype in ("int8", "int16"):
        k.persistent_struct("QuantizationOpDataBatchMatmul")
    _batch_matmul_transposed_copies(k, lhs, rhs)
    _writable_output_dims(k)


def _ref_var_handle_prepare(k):
    # var_handle.cc VarHandlePrepare: no tensors; the resource id goes into the output's eval tensor
    o = k.op.options
    k.resource_handle(o.get("container") or "", o.get("shared_name") or "")


def _ref_assign_variable_init(k):
    # assign_variable.cc Init exists only with USE_TFLM_COMPRESSION (OpData: a scratch index)
    if k.compression:
        k.persistent_struct("OpDataAssignVariable")


def _ref_assign_variable_prepare(k):
    # assign_variable.cc Prepare: temp input 1 (the value), then MicroResourceVariables::Allocate
    # (a persistent buffer of the value's size, the first time) when the id is known.
    value = k.temp_input(1)
    key = k.resource_of_input(0)
    if key is not None:
        k.allocate_resource(key, value.num_elements * value.element_size_bytes)
    if k.compression:
        _decompression_scratch(k, (1,))


def _ref_gather_nd_prepare(k):
    # gather_nd.cc GatherNdPrepare: params, indices, output, then the output's dims made writable
    k.temp_input(0)
    k.temp_input(1)
    k.temp_output(0)
    _writable_output_dims(k)


def _ref_l2_pool_prepare(k):
    # l2_pool_2d.cc L2Prepare: output, input, then the output's dims made writable
    k.temp_output(0)
    k.temp_input(0)
    _writable_output_dims(k)


def _ref_if_prepare(k):
    # if.cc IfPrepare: the condition as a temp tensor
    k.temp_input(0)


def _circular_buffer_prepare(k):
    # circular_buffer_common.cc CircularBufferPrepare: input and output temps
    k.temp_input(0)
    k.temp_output(0)


def _detection_postprocess_prepare(k):
    # detection_postprocess.cc DetectionPostProcessPrepare: temps of the three inputs, eleven scratch buffers
    boxes = k.temp_input(0)
    predictions = k.temp_input(1)
    k.temp_input(2)
    try:
        options = flexbuffers.Loads(bytes(k.op.custom_options or b""))
        max_detections, num_classes = int(options["max_detections"]), int(options["num_classes"])
    except Exception as exc:  # noqa: BLE001 - a model whose options TFLM's Init cannot read either
        raise UnsupportedOperatorError(
            f"operator {k.op.index} (TFLite_Detection_PostProcess): options without max_detections/num_classes "
            f"({type(exc).__name__})") from None
    num_boxes = boxes.shape[1]
    k.scratch(num_boxes)  # active_candidate
    k.scratch(num_boxes * 4 * 4)  # decoded_boxes
    k.scratch(predictions.shape[1] * predictions.shape[2] * 4)  # scores
    k.scratch(num_boxes * 4)  # score_buffer
    k.scratch(num_boxes * 4)  # keep_scores
    k.scratch(max_detections * num_boxes * 4)  # scores_after_regular_non_max_suppression
    k.scratch(max_detections * num_boxes * 4)  # sorted_values
    k.scratch(num_boxes * 4)  # keep_indices
    k.scratch(max_detections * num_boxes * 4)  # sorted_indices
    k.scratch(max(num_classes, max_detections) * num_boxes * 4)  # buffer
    k.scratch(min(num_boxes, max_detections) * num_boxes * 4)  # selected


def _custom_options(k, *names):
    """The named values of a custom operator's flexbuffer options (what its Init reads), or a one-line error."""
    try:
        options = flexbuffers.Loads(bytes(k.op.custom_options or b""))
        return tuple(int(options[name]) for name in names)
    except Exception as exc:  # noqa: BLE001 - options TFLM's Init cannot read either
        raise UnsupportedOperatorError(
            f"operator {k.op.index} ({k.op.name}): custom options without {'/'.join(names)} "
            f"({type(exc).__name__})") from None


def _signal_filter_bank_init(k):
    # signal/micro/kernels/filter_bank.cc FilterBankInit: params, then (num_channels + 1) uint64 work area
    k.persistent_struct("TFLMSignalFilterBankParams")
    (channels,) = _custom_options(k, "num_channels")
    k.persistent((channels + 1) * 8)


def _signal_spectral_subtraction_init(k):
    # filter_bank_spectral_subtraction.cc Init: params, then num_channels uint32 noise estimate
    k.persistent_struct("TFLMSignalSpectralSubtractionParams")
    (channels,) = _custom_options(k, "num_channels")
    k.persistent(channels * 4)


_KISS_FFT_COMPLEX_BYTES = {"int16": 4, "int32": 8, "float32": 8}  # kiss_fft_cpx of each scalar type


def kiss_fftr_state_bytes(fft_length, dtype, pointer_bytes):
    """kiss_fftr_alloc's memneeded (third_party/kissfft/tools/kiss_fftr.c) for a real FFT of ``fft_length``.

    ``sizeof(kiss_fftr_state)`` (three pointers) + the complex FFT of half the length
    (``sizeof(kiss_fft_state)``: two int, 2 * MAXFACTORS (32) int, one twiddle; + nfft - 1 twiddles)
    + 3 / 2 * nfft complex super twiddles and temp buffer.
    """
    cpx = _KISS_FFT_COMPLEX_BYTES[dtype]
    half = fft_length // 2
    sub_state = 4 + 4 + 2 * 32 * 4 + cpx * half
    return 3 * pointer_bytes + sub_state + cpx * (half * 3 // 2)


def _signal_rfft_dtype(k):
    dtype = k.input(0).dtype if k.input(0) is not None else None
    if dtype not in _KISS_FFT_COMPLEX_BYTES:
        raise UnsupportedOperatorError(f"operator {k.op.index} ({k.op.name}) with {dtype} input is not modelled")
    return dtype


def _signal_rfft_init(k):
    # rfft.cc / irfft.cc Init: params, then the kiss_fftr state of fft_length
    k.persistent_struct("TfLiteAudioFrontendRfftParams")
    (fft_length,) = _custom_options(k, "fft_length")
    k.persistent(kiss_fftr_state_bytes(fft_length, _signal_rfft_dtype(k), k.pointer_bytes))


def _signal_rfft_prepare(k):
    # rfft.cc RfftPrepare: temps; a scratch buffer of fft_length T
    k.temp_input(0)
    k.temp_output(0)
    (fft_length,) = _custom_options(k, "fft_length")
    k.scratch(fft_length * {"int16": 2, "int32": 4, "float32": 4}[_signal_rfft_dtype(k)])


def _signal_irfft_init(k):
    # irfft.cc IrfftInit: params, then the inverse kiss_fftr state (the same memneeded as the forward one)
    k.persistent_struct("TfLiteAudioFrontendIrfftParams")
    (fft_length,) = _custom_options(k, "fft_length")
    dtype = _signal_rfft_dtype(k)
    # signal/src/irfft_float.cc IrfftFloatGetNeededMemory: an IrfftFloatState (int32, pointer) before the cfg
    float_state = 2 * k.pointer_bytes if dtype == "float32" else 0
    k.persistent(float_state + kiss_fftr_state_bytes(fft_length, dtype, k.pointer_bytes))


def _circular_buffer_bytes(k, capacity):
    """signal/src/circular_buffer.cc CircularBufferGetNeededMemory: the struct and 2 * capacity int16."""
    return k.layout("TFLMSignalCircularBuffer")[0] + 2 * 2 * capacity


def _outer_dims_and_innermost(k):
    shape = list(k.input(0).shape)
    innermost = shape[-1] if shape else 1
    return (math.prod(shape) // innermost if innermost else 0), innermost


def _per_row_circular_buffers(k, capacity):
    # delay.cc / framer.cc Prepare: an int8_t* and a CircularBuffer* per outer row, then each row's buffer
    outer, _ = _outer_dims_and_innermost(k)
    k.persistent(outer * k.pointer_bytes)  # state_buffers
    k.persistent(outer * k.pointer_bytes)  # circular_buffers
    for _ in range(outer):
        k.persistent(_circular_buffer_bytes(k, capacity))


def _signal_delay_prepare(k):
    k.temp_input(0)
    k.temp_output(0)
    (delay_length,) = _custom_options(k, "delay_length")
    _per_row_circular_buffers(k, _outer_dims_and_innermost(k)[1] + delay_length)


def _signal_framer_prepare(k):
    k.temp_input(0)
    k.temp_output(0)
    k.temp_output(1)
    frame_size, frame_step = _custom_options(k, "frame_size", "frame_step")
    _per_row_circular_buffers(k, (frame_size + frame_step - 1) // frame_step * frame_step)


def _signal_stacker_init(k):
    # stacker.cc StackerInit: params, then one circular buffer of num_channels * (left + right + 1)
    k.persistent_struct("TFLMSignalStackerParams")
    channels, left, right = _custom_options(k, "num_channels", "stacker_left_context", "stacker_right_context")
    k.persistent(_circular_buffer_bytes(k, channels * (left + right + 1)))


def _signal_overlap_add_prepare(k):
    # overlap_add.cc OverlapAddPrepare: a T* per outer row, then frame_size T per row
    k.temp_input(0)
    k.temp_output(0)
    shape = list(k.input(0).shape)
    frame_size, frames = shape[-1], shape[-2]
    outer = math.prod(shape) // (frame_size * frames) if frame_size * frames else 0
    element = {"int16": 2, "float32": 4}.get(k.input(0).dtype)
    if element is None:
        raise UnsupportedOperatorError(f"operator {k.op.index} ({k.op.name}) with {k.input(0).dtype} is not modelled")
    k.persistent(outer * k.pointer_bytes)
    for _ in range(outer):
        k.persistent(frame_size * element)


# DecodeState::kDcmType* (kernels/decode_state.h): the DCM's first byte -> the decoder Prepare creates
_DECODE_STATES = {0: "DecodeStateLut", 1: "DecodeStateHuffman", 2: "DecodeStatePrune"}


def _decode_prepare(k):
    # kernels/decode.cc Prepare: a DecodeState* per output, then per (encoded, ancillary) pair: temps, the
    # decoder object (decode_state.cc Create*), and DecodeStatePrune::Setup's per-channel zero points
    outputs = len(k.op.outputs)
    if outputs == 0 or len(k.op.inputs) != 2 * outputs:
        raise UnsupportedOperatorError(
            f"operator {k.op.index} (TFLM_DECODE): {len(k.op.inputs)} inputs for {outputs} outputs (TFLM takes two per output)")
    k.persistent(outputs * k.pointer_bytes)
    for i in range(outputs):
        k.temp_input(2 * i)
        ancillary = k.temp_input(2 * i + 1)
        output = k.temp_output(i)
        dcm = k.constant_data(ancillary)
        if len(dcm) < 2 or dcm[1] != 1:
            raise UnsupportedOperatorError(
                f"operator {k.op.index} (TFLM_DECODE): ancillary data of output {i} is not a version 1 DCM "
                "(TFLM's Prepare fails)")
        state = _DECODE_STATES.get(dcm[0])
        if state is None:
            raise UnsupportedOperatorError(
                f"operator {k.op.index} (TFLM_DECODE): decode type {dcm[0]} of output {i} has no TFLM decoder "
                "(LUT 0, Huffman 1, prune 2; TFLM's Prepare fails)")
        k.persistent_struct(state)
        q = output.quantization if output is not None else None
        if state == "DecodeStatePrune" and q is not None and len(q.scale) > 1 and any(q.zero_point):
            k.persistent(len(q.scale))  # zero_points_ (int8 per channel)


REFERENCE = {
    "CONV_2D": KernelModel("TfLiteConvParams", _init_struct("OpDataConv"), _ref_conv_prepare, "kernels/conv.cc"),
    "DEPTHWISE_CONV_2D": KernelModel(
        "TfLiteDepthwiseConvParams", _init_struct("OpDataConv"), _ref_depthwise_prepare, "kernels/depthwise_conv.cc"
    ),
    "FULLY_CONNECTED": KernelModel(
        "TfLiteFullyConnectedParams",
        _init_struct("OpDataFullyConnected"),
        _ref_fully_connected_prepare,
        "kernels/fully_connected.cc",
    ),
    "AVERAGE_POOL_2D": KernelModel(
        "TfLitePoolParams", _init_struct("OpDataPooling"), _in_out_prepare, "kernels/pooling.cc"
    ),
    "MAX_POOL_2D": KernelModel("TfLitePoolParams", _init_struct("OpDataPooling"), _in_out_prepare, "kernels/pooling.cc"),
    "RESHAPE": KernelModel("TfLiteReshapeParams", None, _ref_reshape_prepare, "kernels/reshape.cc"),
    "SOFTMAX": KernelModel("TfLiteSoftmaxParams", _init_struct("SoftmaxParams"), _ref_softmax_prepare, "kernels/softmax.cc"),
    "ADD": KernelModel("TfLiteAddParams", _init_struct("OpDataAdd"), _ref_add_prepare, "kernels/add.cc"),
    "SUB": KernelModel("TfLiteSubParams", _init_struct("OpDataSub"), _I0_I1_O0, "kernels/sub.cc"),
    "MUL": KernelModel("TfLiteMulParams", _init_struct("OpDataMul"), _I0_I1_O0, "kernels/mul.cc"),
    "LOGISTIC": KernelModel(None, _init_struct("OpDataLogistic"), _I0_O0, "kernels/logistic.cc"),
    "TANH": KernelModel(None, _init_struct("TanhOpData"), _ref_tanh_prepare, "kernels/tanh.cc"),
    "RELU": KernelModel(None, _init_struct("ReluOpData"), _I0_O0, "kernels/activations.cc"),
    "RELU6": KernelModel(None, _init_struct("Relu6OpData"), _temps(("i", 0)), "kernels/activations.cc"),
    "HARD_SWISH": KernelModel(None, _init_struct("HardSwishParams"), _I0_O0, "kernels/hard_swish.cc"),
    "LEAKY_RELU": KernelModel(
        "TfLiteLeakyReluParams", _init_struct("LeakyReluOpData"), _I0_O0, "kernels/leaky_relu.cc"
    ),
    "QUANTIZE": KernelModel(None, _init_struct("OpDataQuantizeReference"), _I0_O0, "kernels/quantize.cc"),
    "DEQUANTIZE": KernelModel(None, _init_struct("DequantizeOpData"), _I0_O0, "kernels/dequantize.cc"),
    "MEAN": KernelModel("TfLiteReducerParams", _init_struct("OpDataReduce"), _ref_mean_prepare, "kernels/reduce.cc"),
    "SUM": KernelModel("TfLiteReducerParams", _init_struct("OpDataReduce"), _ref_mean_prepare, "kernels/reduce.cc"),
    "REDUCE_MAX": KernelModel(
        "TfLiteReducerParams", _init_struct("OpDataReduce"), _ref_reduce_min_max_prepare, "kernels/reduce.cc"
    ),
    "REDUCE_MIN": KernelModel(
        "TfLiteReducerParams", _init_struct("OpDataReduce"), _ref_reduce_min_max_prepare, "kernels/reduce.cc"
    ),
    "RESIZE_NEAREST_NEIGHBOR": KernelModel(
        "TfLiteResizeNearestNeighborParams", None, _I0_I1_O0, "kernels/resize_nearest_neighbor.cc"
    ),
    "RESIZE_BILINEAR": KernelModel("TfLiteResizeBilinearParams", None, _I0_I1_O0, "kernels/resize_bilinear.cc"),
    "CONCATENATION": KernelModel(
        "TfLiteConcatenationParams",
        _init_struct("ConcatenationOpData"),
        _ref_concatenation_prepare,
        "kernels/concatenation.cc",
    ),
    "PAD": KernelModel(None, _init_struct("PadOpData"), _ref_pad_prepare, "kernels/pad.cc"),
    "PADV2": KernelModel(None, _init_struct("PadOpData"), _ref_pad_prepare, "kernels/pad.cc"),
    "STRIDED_SLICE": KernelModel(
        "TfLiteStridedSliceParams",
        _init_struct("StridedSliceParams"),
        _ref_strided_slice_prepare,
        "kernels/strided_slice.cc",
    ),
    "SQUEEZE": KernelModel("TfLiteSqueezeParams", None, _I0_O0, "kernels/squeeze.cc"),
    "EXPAND_DIMS": KernelModel(None, None, _I0_I1_O0, "kernels/expand_dims.cc"),
    "TRANSPOSE": KernelModel(None, None, _I0_I1_O0, "kernels/transpose.cc"),
    "MAXIMUM": KernelModel(None, None, None, "kernels/maximum_minimum.cc"),
    "MINIMUM": KernelModel(None, None, None, "kernels/maximum_minimum.cc"),
    "SLICE": KernelModel(None, None, _temps(("i", 0), ("i", 1), ("i", 2), ("o", 0)), "kernels/slice.cc"),
    "SPLIT": KernelModel("TfLiteSplitParams", None, _temps(("i", 0)), "kernels/split.cc"),
    "SPLIT_V": KernelModel("TfLiteSplitVParams", None, _temps(("i", 2)), "kernels/split_v.cc"),
    "PACK": KernelModel("TfLitePackParams", None, None, "kernels/pack.cc"),
    "UNPACK": KernelModel("TfLiteUnpackParams", None, None, "kernels/unpack.cc"),
    "SHAPE": KernelModel("TfLiteShapeParams", None, None, "kernels/shape.cc"),
    "GATHER": KernelModel("TfLiteGatherParams", None, _ref_gather_prepare, "kernels/gather.cc"),
    "ARG_MAX": KernelModel("TfLiteArgMaxParams", None, None, "kernels/arg_min_max.cc"),
    "ARG_MIN": KernelModel("TfLiteArgMinParams", None, None, "kernels/arg_min_max.cc"),
    "CAST": KernelModel("TfLiteCastParams", None, _I0_O0, "kernels/cast.cc"),
    "DIV": KernelModel("TfLiteDivParams", _init_struct("OpDataDiv"), _I0_I1_O0, "kernels/div.cc"),
    "EXP": KernelModel(None, None, _I0_O0, "kernels/exp.cc"),
    "SQUARED_DIFFERENCE": KernelModel(
        None, _init_struct("SquaredDifferenceOpData"), _I0_I1_O0, "kernels/squared_difference.cc"
    ),
    "ABS": KernelModel(None, _init_struct("OpDataAbsRsqrt"), _I0_O0, "kernels/elementwise.cc"),
    "RSQRT": KernelModel(None, _init_struct("OpDataAbsRsqrt"), _I0_O0, "kernels/elementwise.cc"),
    "SQRT": KernelModel(None, None, _I0_O0, "kernels/elementwise.cc"),
    "SQUARE": KernelModel(None, None, _I0_O0, "kernels/elementwise.cc"),
    "LOG": KernelModel(None, None, _I0_O0, "kernels/elementwise.cc"),
    "FLOOR": KernelModel(None, None, None, "kernels/floor.cc"),
    "PRELU": KernelModel(None, _init_struct("PreluParams"), _I0_I1_O0, "kernels/prelu.cc"),
    "ELU": KernelModel(None, _init_struct("EluOpData"), _I0_O0, "kernels/elu.cc"),
    "L2_NORMALIZATION": KernelModel(
        "TfLiteL2NormParams", _init_struct("L2NormalizationParams"), _I0_O0, "kernels/l2norm.cc"
    ),
    "DEPTH_TO_SPACE": KernelModel(
        "TfLiteDepthToSpaceParams", None, _ref_depth_space_prepare, "kernels/depth_to_space.cc"
    ),
    "SPACE_TO_DEPTH": KernelModel(
        "TfLiteSpaceToDepthParams", None, _ref_depth_space_prepare, "kernels/space_to_depth.cc"
    ),
    "ZEROS_LIKE": KernelModel(None, None, _I0_O0, "kernels/zeros_like.cc"),
    "MIRROR_PAD": KernelModel(
        "TfLiteMirrorPaddingParams", _init_struct("OpDataMirrorPad"), _ref_mirror_pad_prepare, "kernels/mirror_pad.cc"
    ),
    "UNIDIRECTIONAL_SEQUENCE_LSTM": KernelModel(
        "TfLiteUnidirectionalSequenceLSTMParams",
        _init_struct("OpDataLSTM"),
        _ref_lstm_prepare,
        "kernels/unidirectional_sequence_lstm.cc",
    ),
    "SVDF": KernelModel("TfLiteSVDFParams", _init_struct("OpDataSvdf"), _ref_svdf_prepare, "kernels/svdf.cc"),
    "TRANSPOSE_CONV": KernelModel(
        "TfLiteTransposeConvParams", _init_struct("OpDataTransposeConv"), _ref_transpose_conv_prepare,
        "kernels/transpose_conv.cc",
    ),
    "BATCH_MATMUL": KernelModel(
        "TfLiteBatchMatMulParams", _init_struct("OpDataBatchMatmul"), _ref_batch_matmul_prepare,
        "kernels/batch_matmul.cc",
    ),
    "IF": KernelModel("TfLiteIfParams", _init_struct("OpDataIf"), _ref_if_prepare, "kernels/if.cc"),
    "WHILE": KernelModel("TfLiteWhileParams", _init_struct("OpDataWhile"), None, "kernels/while.cc"),
    "CALL_ONCE": KernelModel("TfLiteCallOnceParams", _init_struct("OpDataCallOnce"), None, "kernels/call_once.cc"),
    "VAR_HANDLE": KernelModel("TfLiteVarHandleParams", _init_struct("OpDataVarHandle"), _ref_var_handle_prepare,
                              "kernels/var_handle.cc"),
    "ASSIGN_VARIABLE": KernelModel(None, _ref_assign_variable_init, _ref_assign_variable_prepare,
                                   "kernels/assign_variable.cc"),
    "READ_VARIABLE": KernelModel(None, None, _temps(("i", 0)), "kernels/read_variable.cc"),
    # Kernels without OpData (the parser allocates no options for them either; flatbuffer_conversions.cc):
    "CEIL": KernelModel(None, None, _I0_O0, "kernels/ceil.cc"),
    "ROUND": KernelModel(None, None, _I0_O0, "kernels/round.cc"),
    "NEG": KernelModel(None, None, None, "kernels/neg.cc"),
    "LOGICAL_AND": KernelModel(None, None, None, "kernels/logical.cc"),
    "LOGICAL_OR": KernelModel(None, None, None, "kernels/logical.cc"),
    "SIN": KernelModel(None, None, _I0_O0, "kernels/elementwise.cc (GenericPrepare)"),
    "COS": KernelModel(None, None, _I0_O0, "kernels/elementwise.cc (GenericPrepare)"),
    "LOGICAL_NOT": KernelModel(None, None, _I0_O0, "kernels/elementwise.cc (GenericPrepare)"),
    "BATCH_TO_SPACE_ND": KernelModel(None, None, _I0_O0, "kernels/batch_to_space_nd.cc"),
    "SPACE_TO_BATCH_ND": KernelModel(None, _init_struct("SpaceToBatchParams"), _I0_O0, "kernels/space_to_batch_nd.cc"),
    "EMBEDDING_LOOKUP": KernelModel(None, None, _ref_embedding_lookup_prepare, "kernels/embedding_lookup.cc"),
    "BROADCAST_TO": KernelModel(None, None, _I0_I1_O0, "kernels/broadcast_to.cc"),
    "BROADCAST_ARGS": KernelModel(None, None, _I0_I1_O0, "kernels/broadcast_args.cc"),
    "REVERSE_V2": KernelModel(None, None, _I0_I1_O0, "kernels/reverse.cc"),
    "FILL": KernelModel(None, None, _I0_I1_O0, "kernels/fill.cc"),
    "GATHER_ND": KernelModel(None, None, _ref_gather_nd_prepare, "kernels/gather_nd.cc"),
    "DYNAMIC_UPDATE_SLICE": KernelModel(None, None, _temps(("i", 0), ("i", 1), ("i", 2), ("o", 0)),
                                        "kernels/dynamic_update_slice.cc"),
    "SELECT_V2": KernelModel(None, _init_struct("OpDataSelect"), _temps(("i", 0), ("i", 1), ("i", 2), ("o", 0)),
                             "kernels/select.cc"),
    "L2_POOL_2D": KernelModel("TfLitePoolParams", None, _ref_l2_pool_prepare, "kernels/l2_pool_2d.cc"),
    "REDUCE_ALL": KernelModel("TfLiteReducerParams", _init_struct("OpDataReduce"), _ref_reduce_all_prepare,
                              "kernels/reduce.cc"),
    "FLOOR_DIV": KernelModel(None, None, _I0_I1_O0, "kernels/floor_div.cc"),
    "FLOOR_MOD": KernelModel(None, None, _I0_I1_O0, "kernels/floor_mod.cc"),
    "ADD_N": KernelModel(None, None, _ref_add_n_prepare, "kernels/add_n.cc"),
    "CUMSUM": KernelModel("TfLiteCumsumParams", None, _ref_cumsum_prepare, "kernels/cumsum.cc"),
    "LOG_SOFTMAX": KernelModel(None, None, _ref_log_softmax_prepare, "kernels/log_softmax.cc"),
    # comparisons.cc: Init allocates OpData (ComparisonParams); ComparisonsPrepare two temp inputs.
    **{name: KernelModel(None, _init_struct("OpDataComparison"), _temps(("i", 0), ("i", 1)), "kernels/comparisons.cc")
       for name in ("EQUAL", "NOT_EQUAL", "GREATER", "GREATER_EQUAL", "LESS", "LESS_EQUAL")},
    # custom operators TFLM registers (by their custom code)
    "CIRCULAR_BUFFER": KernelModel(None, _init_struct("OpDataCircularBuffer"), _circular_buffer_prepare,
                                   "kernels/circular_buffer.cc"),
    "TFLite_Detection_PostProcess": KernelModel(None, _init_struct("OpDataDetectionPostProcess"),
                                                _detection_postprocess_prepare, "kernels/detection_postprocess.cc"),
    # TFLM's signal library (signal/micro/kernels/*.cc): the audio front end's operators
    "SignalWindow": KernelModel(None, _init_struct("TFLMSignalWindowParams"), _temps(("i", 0), ("i", 1), ("o", 0)),
                                "signal/micro/kernels/window.cc"),
    "SignalFftAutoScale": KernelModel(None, None, _temps(("i", 0), ("o", 0), ("o", 1)),
                                      "signal/micro/kernels/fft_auto_scale_common.cc"),
    "SignalRfft": KernelModel(None, _signal_rfft_init, _signal_rfft_prepare, "signal/micro/kernels/rfft.cc"),
    "SignalEnergy": KernelModel(None, _init_struct("TFLMSignalEnergyParams"), _temps(("i", 0), ("o", 0)),
                                "signal/micro/kernels/energy.cc"),
    "SignalFilterBank": KernelModel(None, _signal_filter_bank_init,
                                    _temps(("i", 0), ("i", 1), ("i", 2), ("i", 3), ("i", 4), ("i", 5), ("o", 0)),
                                    "signal/micro/kernels/filter_bank.cc"),
    "SignalFilterBankSquareRoot": KernelModel(None, None, _temps(("i", 0), ("i", 1), ("o", 0)),
                                              "signal/micro/kernels/filter_bank_square_root_common.cc"),
    "SignalFilterBankSpectralSubtraction": KernelModel(None, _signal_spectral_subtraction_init,
                                                       _temps(("i", 0), ("o", 0), ("o", 1)),
                                                       "signal/micro/kernels/filter_bank_spectral_subtraction.cc"),
    "SignalPCAN": KernelModel(None, _init_struct("TfLitePcanParams"), _temps(("i", 0), ("i", 1), ("i", 2), ("o", 0)),
                              "signal/micro/kernels/pcan.cc"),
    "SignalFilterBankLog": KernelModel(None, _init_struct("TFLMSignalLogParams"), _temps(("i", 0), ("o", 0)),
                                       "signal/micro/kernels/filter_bank_log.cc"),
    "TFLM_DECODE": KernelModel(None, None, _decode_prepare, "kernels/decode.cc"),
    "SignalIrfft": KernelModel(None, _signal_irfft_init, _temps(("i", 0), ("o", 0)), "signal/micro/kernels/irfft.cc"),
    "SignalDelay": KernelModel(None, _init_struct("TFLMSignalFrontendDelayParams"), _signal_delay_prepare,
                               "signal/micro/kernels/delay.cc"),
    "SignalFramer": KernelModel(None, _init_struct("TFLMSignalFramerParams"), _signal_framer_prepare,
                                "signal/micro/kernels/framer.cc"),
    "SignalStacker": KernelModel(None, _signal_stacker_init, _temps(("i", 0), ("o", 0), ("o", 1)),
                                 "signal/micro/kernels/stacker.cc"),
    "SignalOverlapAdd": KernelModel(None, _init_struct("TFLMSignalOverlapAddParams"), _signal_overlap_add_prepare,
                                    "signal/micro/kernels/overlap_add.cc"),
}

# ---------------------------------------------------------------- cmsis-nn


def _padding(op, in_h, in_w, filter_h, filter_w):
    """ComputePaddingHeightWidth (tensorflow/lite/kernels/padding.h): (pad_h, pad_w)."""
    o = op.options
    stride_h, stride_w = o.get("stride_h", 1), o.get("stride_w", 1)
    dil_h, dil_w = o.get("dilation_h_factor", 1), o.get("dilation_w_factor", 1)

    def one(size, filt, stride, dil):
        eff = (filt - 1) * dil + 1
        if o.get("padding") == "SAME":
            out = (size + stride - 1) // stride
        else:
            out = (size + stride - eff) // stride
        total = max((out - 1) * stride + eff - size, 0)
        return total // 2

    return one(in_h, filter_h, stride_h, dil_h), one(in_w, filter_w, stride_w, dil_w)


def _cmsis_conv_held(k, name: str, channel_dim: int):
    """The start of CMSIS-NN's CONV_2D / DEPTHWISE_CONV_2D Prepare: input, filter and output held (int4 filters
    refused), the per-channel arrays of the filter's ``channel_dim``, then CalculateOpData's temps (inputs 0, 1, 2,
    output 0); ``(input, filter, output)``."""
    inp = k.temp_input(0)
    flt = k.temp_input(1)
    out = k.temp_output(0)
    _refuse_int4_for_cmsis(k, flt, name)
    if inp.dtype in ("int8", "int16"):
        _per_channel_output_arrays(k, flt, channel_dim)
    k.temp_input(0)
    k.temp_input(1)
    k.temp_input(2)
    k.temp_output(0)
    return inp, flt, out


def _cmsis_conv_prepare(k):
    # kernels/cmsis_nn/conv.cc Prepare.  Its bias is fetched with
    # AllocateTempOutputTensor(node, kConvBiasTensor): output 2 does not exist,
    # so no temp tensor is allocated for it.  Then CalculateOpDataConv.
    inp, flt, _out = _cmsis_conv_held(k, "CONV_2D", 0)
    bias = k.input(2)
    if inp.dtype == "int8" or (inp.dtype == "int16" and (bias is None or bias.dtype == "int64")):
        _, in_h, in_w, in_c = inp.shape
        _, f_h, f_w, f_c = flt.shape
        pad_h, pad_w = _padding(k.op, in_h, in_w, f_h, f_w)
        o = k.op.options
        if inp.dtype == "int8":
            size = cmsis.convolve_wrapper_s8_buffer_size(
                pad_h, pad_w, o.get("stride_h", 1), o.get("stride_w", 1), o.get("dilation_h_factor", 1),
                o.get("dilation_w_factor", 1), in_h, in_w, in_c, f_h, f_w, f_c, k.output(0).shape[2],
                k.cmsis_nn_arch,
            )  # fmt: skip
        else:
            size = cmsis.convolve_wrapper_s16_buffer_size(in_c, f_h, f_w, k.cmsis_nn_arch)
        if size > 0:
            k.scratch(size)


def _cmsis_depthwise_prepare(k):
    # kernels/cmsis_nn/depthwise_conv.cc Prepare, CalculateOpDataDepthwiseConv
    inp, flt, out = _cmsis_conv_held(k, "DEPTHWISE_CONV_2D", 3)
    if inp.dtype == "int8":
        n, in_h, in_w, in_c = inp.shape
        _, f_h, f_w, _ = flt.shape
        pad_h, pad_w = _padding(k.op, in_h, in_w, f_h, f_w)
        o = k.op.options
        dil_h, dil_w = o.get("dilation_h_factor", 1), o.get("dilation_w_factor", 1)
        out_c = out.shape[3]
        if (k.cmsis_nn_arch == "mve" and in_c == 1 and out_c > cmsis.CONVERT_DW_CONV_WITH_ONE_INPUT_CH_AND_OUTPUT_CH_ABOVE_THRESHOLD
                and in_h == 1 and f_h == 1 and dil_w == 1
                and not cmsis.is_convolve_1x1(pad_h, pad_w, f_h, f_w, dil_h, dil_w, 1, 1)):
            # TFLM leaves dw_conv_params.stride unset, and this MVE case (run as a 1xN
            # convolution) sizes its buffer from the stride: no fixed answer to model.
            raise UnsupportedOperatorError(
                f"operator {k.op.index} (DEPTHWISE_CONV_2D, one input channel, 1xN on a 1-row input) is not "
                "modelled for cmsis-nn on MVE: TFLM sizes its scratch buffer from an uninitialised stride"
            )
        size = cmsis.depthwise_conv_wrapper_s8_buffer_size(
            pad_h, pad_w, o.get("stride_h", 1), o.get("stride_w", 1), dil_h, dil_w, n, in_h, in_w, in_c, f_h, f_w,
            out.shape[2], out_c, k.cmsis_nn_arch,
        )  # fmt: skip
        if size > 0:
            k.scratch(size)


def _cmsis_fully_connected_prepare(k):
    # kernels/cmsis_nn/fully_connected.cc FullyConnectedPrepare
    inp = k.temp_input(0)
    flt = k.temp_input(1)
    k.temp_input(2)
    out = k.temp_output(0)
    _fully_connected_per_channel(k, flt)
    per_channel = flt.quantization is not None and len(flt.quantization.scale) > 1
    bias = k.input(2)
    size = 0
    if inp.dtype == "int16":
        size = cmsis.fully_connected_s16_buffer_size(out.shape[-1], k.cmsis_nn_arch)
    elif inp.dtype == "int8" and flt.dtype != "int4":
        accum_depth = flt.shape[-1]
        if len(out.shape) > 2 and accum_depth % 4 == 0:  # is_conv_1x1_possible
            if not per_channel:
                k.scratch(out.shape[-1] * 4 * 2)  # per-channel multipliers and shifts
            size = cmsis.convolve_1x1_s8_fast_buffer_size(accum_depth, k.cmsis_nn_arch)
        else:
            size = cmsis.fully_connected_s8_buffer_size(out.shape[-1], k.cmsis_nn_arch)
            # KERNELS_OPTIMIZED_FOR_SPEED: with constant weights (and bias) the buffer
            # (MVE: one int32 kernel sum per output channel) becomes persistent
            # data computed once in Prepare, and no scratch buffer is requested.
            if size > 0 and flt.is_constant and (bias is None or bias.is_constant):
                k.persistent(size)
                size = 0
    if size > 0:
        k.scratch(size)


def _cmsis_average_pool_prepare(k):
    # kernels/cmsis_nn/pooling.cc AveragePrepare: PoolingPrepare, then its own temps
    _I0_O0(k)
    inp = k.temp_input(0)
    out = k.temp_output(0)
    if inp.dtype in ("int8", "int16"):
        size = cmsis.avgpool_buffer_size(out.shape[2], out.shape[3], k.cmsis_nn_arch)
        if size > 0:
            k.scratch(size)


def _cmsis_lstm_prepare(k):
    # kernels/cmsis_nn/unidirectional_sequence_lstm.cc UnidirectionalSequenceLstmPrepare
    for i in range(24):
        k.temp_input(i)
    k.temp_output(0)
    inp, hidden, cell = k.input(0), k.input(18), k.input(19)
    time_major = k.op.options.get("time_major", False)
    batch = inp.shape[1] if time_major else inp.shape[0]
    state_dimension = hidden.shape[-1]
    buffers = 4
    if cell.dtype == "int16" and inp.dtype in ("int8", "int16"):
        # CMSIS_NN_PortOpData: eight kernel-sum vectors (int32 for int8 activations, int64 for int16)
        bias_bytes = 4 if inp.dtype == "int8" else 8
        for _ in range(8):
            k.persistent(state_dimension * bias_bytes)
        buffers = 3
    for _ in range(buffers):
        k.scratch(batch * state_dimension * cell.element_size_bytes)


def _cmsis_transpose_conv_prepare(k):
    # kernels/cmsis_nn/transpose_conv.cc Prepare: output, input (2), filter (1) held; per-channel arrays;
    # int8: arm_transpose_conv_s8's buffer and its reverse-conv buffer; int16: an int64 scratch of the output
    # size; then CalculateOpData's temps (and int16 bias converted to int64), as the reference kernel
    out, inp, flt = _transpose_conv_held(k)
    if inp.dtype == "int8":
        stride_h, stride_w = k.op.options.get("stride_h", 1), k.op.options.get("stride_w", 1)
        buffer, reverse = cmsis.transpose_conv_s8_buffer_sizes(
            inp.shape[1], inp.shape[2], inp.shape[3], flt.shape[1], flt.shape[2], flt.shape[0], stride_h, stride_w,
            k.cmsis_nn_arch)
        k.scratch(buffer)
        k.scratch(reverse)
    elif inp.dtype == "int16":
        k.scratch(out.num_elements * 8)
    _transpose_conv_op_data(k, inp)


def _cmsis_batch_matmul_prepare(k):
    # kernels/cmsis_nn/batch_matmul.cc Prepare: temp lhs, rhs, output; transposed copies of lhs (adj_x) /
    # rhs (not adj_y) as persistent TfLiteEvalTensors; ReshapeOutputTensor (writable output dims); then the
    # quantization data (int8/int16) and, int8, arm_fully_connected_s8's buffer for the output's channels
    lhs = k.temp_input(0)
    rhs = k.temp_input(1)
    out = k.temp_output(0)
    _batch_matmul_transposed_copies(k, lhs, rhs)
    _writable_output_dims(k)
    if lhs.dtype in ("int8", "int16"):
        k.persistent_struct("QuantizationOpDataBatchMatmul")
    if lhs.dtype == "int8":
        buffer = cmsis.fully_connected_s8_buffer_size(out.shape[-1] if out.shape else 1, k.cmsis_nn_arch)
        if buffer > 0:
            k.scratch(buffer)


def _cmsis_svdf_prepare(k):
    # kernels/cmsis_nn/svdf.cc CmsisNnPrepareSvdf: the reference kernel's temps and scratch buffers, then (int8,
    # KERNELS_OPTIMIZED_FOR_SPEED) arm_svdf_s8_get_buffer_size bytes of kernel sums as persistent data
    _ref_svdf_prepare(k)
    inp, weights_feature = k.input(0), k.input(1)
    if inp.dtype == "int8":
        size = cmsis.svdf_s8_buffer_size(weights_feature.shape[0], k.cmsis_nn_arch)
        if size > 0:
            if not weights_feature.is_constant:
                raise UnsupportedOperatorError(
                    f"operator {k.op.index} (SVDF): CMSIS-NN's MVE SVDF needs constant feature weights "
                    "(TFLM's Prepare fails)")
            k.persistent(size)


CMSIS_NN = dict(REFERENCE)
CMSIS_NN.update(
    {
        "CONV_2D": KernelModel("TfLiteConvParams", _init_struct("CmsisNnConvOpData"), _cmsis_conv_prepare,
                               "kernels/cmsis_nn/conv.cc"),
        "DEPTHWISE_CONV_2D": KernelModel("TfLiteDepthwiseConvParams", _init_struct("CmsisNnConvOpData"),
                                         _cmsis_depthwise_prepare, "kernels/cmsis_nn/depthwise_conv.cc"),
        "FULLY_CONNECTED": KernelModel("TfLiteFullyConnectedParams", _init_struct("CmsisNnFullyConnectedOpData"),
                                       _cmsis_fully_connected_prepare, "kernels/cmsis_nn/fully_connected.cc"),
        "AVERAGE_POOL_2D": KernelModel("TfLitePoolParams", _init_struct("CmsisNnPoolingOpData"),
                                       _cmsis_average_pool_prepare, "kernels/cmsis_nn/pooling.cc"),
        "MAX_POOL_2D": KernelModel("TfLitePoolParams", _init_struct("CmsisNnPoolingOpData"), _I0_O0,
                                   "kernels/cmsis_nn/pooling.cc"),
        "SOFTMAX": KernelModel("TfLiteSoftmaxParams", _init_struct("CMSISNNSoftmaxParams"), _ref_softmax_prepare,
                               "kernels/cmsis_nn/softmax.cc"),
        "ADD": KernelModel("TfLiteAddParams", _init_struct("CmsisNnAddOpData"), _ref_add_prepare,
                           "kernels/cmsis_nn/add.cc"),
        "UNIDIRECTIONAL_SEQUENCE_LSTM": KernelModel("TfLiteUnidirectionalSequenceLSTMParams",
                                                    _init_struct("CmsisNnLstmOpData"), _cmsis_lstm_prepare,
                                                    "kernels/cmsis_nn/unidirectional_sequence_lstm.cc"),
        "BATCH_MATMUL": KernelModel("TfLiteBatchMatMulParams", _init_struct("CmsisNnBatchMatmulOpData"),
                                    _cmsis_batch_matmul_prepare, "kernels/cmsis_nn/batch_matmul.cc"),
        "TRANSPOSE_CONV": KernelModel("TfLiteTransposeConvParams", _init_struct("CmsisNnTransposeConvOpData"),
                                      _cmsis_transpose_conv_prepare, "kernels/cmsis_nn/transpose_conv.cc"),
        "SVDF": KernelModel("TfLiteSVDFParams", _init_struct("CmsisNnOpDataSvdf"), _cmsis_svdf_prepare,
                            "kernels/cmsis_nn/svdf.cc"),
    }
)  # fmt: skip

KERNELS = {"reference": REFERENCE, "cmsis-nn": CMSIS_NN}


def kernel_model(op, kernels):
    """The :class:`KernelModel` for ``op``, or UnsupportedOperatorError naming it."""
    table = KERNELS.get(kernels)
    if table is None:
        raise UnsupportedOperatorError(f"the arena estimator has no model of the {kernels!r} kernel set")
    name = op.display_name
    model = table.get(name)
    if model is None:
        raise UnsupportedOperatorError(
            f"operator {op.index} ({name}) is not modelled by the arena estimator for {kernels} kernels; "
            "measure the arena instead: attendnets arena MODEL.tflite --measure (the tflite-micro interpreter, "
            "64-bit host, reference kernels)"
        )
    return model
