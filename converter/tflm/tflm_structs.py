"""Every TFLM struct size the arena estimator uses, written down once.

Each entry gives ``(sizeof, alignof)`` in bytes for the two builds the
estimator knows, and the TFLM source file that defines the type:

``pointer_bytes=8``
    The 64-bit host build of the ``tflite-micro`` Python package (x86-64 SysV
    ABI, g++).  That package is built with ``USE_TFLM_COMPRESSION`` (its
    ``_runtime.so`` carries the compression strings), which adds fields to
    ``SubgraphAllocations``, ``RecordingMicroAllocator`` and the OpData of
    conv, depthwise conv and fully connected.
``pointer_bytes=4``
    A 32-bit Cortex-M build (AAPCS, ``arm-none-eabi-g++``, which defaults to
    ``-fshort-enums``: an enum that fits a byte *is* a byte, so e.g.
    ``TfLiteFullyConnectedParams`` is 5 bytes, not 16) without compression,
    as TFLM's Makefile and our firmware generator build it.

How the numbers were obtained: a probe translation unit that includes the
TFLM headers (tflite-micro at commit 90b983c2, 2026-08-20; the pip package is
a build from 2026-10-23) and emits ``sizeof``/``alignof`` of each type,
compiled with ``g++ -std=c++17 -DTF_LITE_STATIC_MEMORY [-DUSE_TFLM_COMPRESSION]``
and with ``arm-none-eabi-g++ -mcpu=cortex-m4 -mthumb -mfloat-abi=hard
-DTF_LITE_STATIC_MEMORY``.  The host figures are cross-checked to the byte
against the package's RecordingMicroAllocator on every test model
(tests/test_arena.py).  The probe is not part of this repository (it compiles
TFLM headers).
"""

from __future__ import annotations

from dataclasses import dataclass

from attendnets_base.errors import BadInputError

#: The tflite-micro package build whose host (pointer_bytes=8) layouts this table
#: holds; a different build may have other struct sizes (``--measure`` says so).
HOST_PACKAGE_VERSION = "0.dev20261023182759"

#: Pointer widths the estimator knows: 8 = 64-bit host, 4 = 32-bit Cortex-M.
POINTER_WIDTHS = (4, 8)

#: tensorflow/lite/micro/micro_arena_constants.h: MicroArenaBufferAlignment().
ARENA_BUFFER_ALIGNMENT = 16

#: tensorflow/lite/micro/micro_allocator.cc: kMaxScratchBuffersPerOp.
MAX_SCRATCH_BUFFERS_PER_OP = 12

#: tensorflow/lite/micro/memory_planner/greedy_memory_planner.h:
#: GreedyMemoryPlanner::per_buffer_size() = sizeof(BufferRequirements) (16)
#: + 3 * sizeof(int) + sizeof(ListEntry) (12); the same on every target.
GREEDY_PLANNER_BYTES_PER_BUFFER = 40


@dataclass(frozen=True)
class StructLayout:
    """sizeof/alignof of one C++ type on the two builds, and where it is defined."""

    source: str
    host: tuple  # (size, align) for pointer_bytes=8, without compression
    host_compression: tuple  # (size, align) for pointer_bytes=8, USE_TFLM_COMPRESSION
    cortex_m: tuple  # (size, align) for pointer_bytes=4, no compression
    cortex_m_compression: tuple  # (size, align) for pointer_bytes=4, USE_TFLM_COMPRESSION


def _same(source, host, cortex_m):
    return StructLayout(source, host, host, cortex_m, cortex_m)


_M = "tensorflow/lite/micro/"
_K = "tensorflow/lite/micro/kernels/"
_S = "signal/micro/kernels/"
_BUILTIN = "tensorflow/compiler/mlir/lite/core/c/builtin_op_data.h"

STRUCTS = {
    # Allocator objects placed in the tail by MicroAllocator::Create /
    # RecordingMicroAllocator::Create.
    "SingleArenaBufferAllocator": _same(_M + "arena_allocator/single_arena_buffer_allocator.h", (72, 8), (36, 4)),
    "RecordingSingleArenaBufferAllocator": _same(
        _M + "arena_allocator/recording_single_arena_buffer_allocator.h", (104, 8), (52, 4)
    ),
    "GreedyMemoryPlanner": _same(_M + "memory_planner/greedy_memory_planner.h", (72, 8), (44, 4)),
    "MicroAllocator": _same(_M + "micro_allocator.h", (72, 8), (36, 4)),
    "RecordingMicroAllocator": StructLayout(_M + "recording_micro_allocator.h", (248, 8), (272, 8), (124, 4), (136, 4)),
    # class MicroBuiltinDataAllocator (anonymous namespace in micro_allocator.cc):
    # a vtable pointer and one pointer.
    "MicroBuiltinDataAllocator": _same(_M + "micro_allocator.cc", (16, 8), (8, 4)),
    # Per-model structures.
    "SubgraphAllocations": StructLayout(_M + "micro_allocator.h", (16, 8), (24, 8), (8, 4), (12, 4)),
    "NodeAndRegistration": _same(_M + "micro_allocator.h", (64, 8), (32, 4)),
    "TfLiteEvalTensor": _same("tensorflow/lite/core/c/common.h", (24, 8), (12, 4)),
    "TfLiteTensor": _same("tensorflow/lite/core/c/common.h (TF_LITE_STATIC_MEMORY)", (64, 8), (32, 4)),
    "TfLiteAffineQuantization": _same("tensorflow/lite/core/c/common.h", (24, 8), (12, 4)),
    "TfLiteIntArray": _same("tensorflow/lite/core/c/common.h", (4, 4), (4, 4)),
    "ScratchBufferRequest": _same(_M + "micro_allocator.h (internal::ScratchBufferRequest)", (16, 8), (12, 4)),
    "ScratchBufferHandle": _same(_M + "micro_allocator.h", (8, 8), (4, 4)),
    "AllocationInfo": _same(_M + "micro_allocation_info.h", (32, 8), (24, 4)),
    "size_t": _same("<cstddef>", (8, 8), (4, 4)),
    "pointer": _same("(TfLiteTensor* in micro_interpreter.cc)", (8, 8), (4, 4)),
    # Reference kernels' persistent OpData (allocated in Init).
    "OpDataConv": StructLayout(_K + "conv.h", (72, 8), (80, 8), (56, 4), (64, 4)),
    "OpDataFullyConnected": StructLayout(_K + "fully_connected.h", (64, 8), (72, 8), (48, 4), (56, 4)),
    "OpDataPooling": _same(_K + "pooling.h", (32, 4), (32, 4)),
    "SoftmaxParams": _same("tensorflow/lite/kernels/internal/types.h", (80, 8), (56, 8)),
    "OpDataAdd": _same(_K + "add.h", (60, 4), (60, 4)),
    "OpDataSub": _same(_K + "sub.h", (52, 4), (52, 4)),
    "OpDataMul": _same(_K + "mul.h", (36, 4), (36, 4)),
    "OpDataLogistic": _same(_K + "logistic.h", (16, 4), (16, 4)),
    "OpDataReduce": _same(_K + "reduce.h", (44, 4), (44, 4)),
    # OpData of add_n.cc (10 int32/int) and cumsum.cc (9), LogSoftmaxOpData of log_softmax.cc (4 int32, an int,
    # two size_t): allocated in Prepare for int8 only.
    "OpDataAddN": _same(_K + "add_n.cc", (40, 4), (40, 4)),
    "OpDataCumSum": _same(_K + "cumsum.cc", (36, 4), (36, 4)),
    "LogSoftmaxOpData": _same(_K + "log_softmax.cc", (40, 8), (28, 4)),
    "OpDataLSTM": _same(_K + "lstm_shared.h", (688, 8), (688, 8)),
    "OpDataQuantizeReference": _same(_K + "quantize.h", (32, 8), (32, 8)),
    "DequantizeOpData": _same(_K + "dequantize.h", (32, 8), (32, 8)),
    "HardSwishParams": _same("tensorflow/lite/kernels/internal/types.h", (20, 4), (20, 4)),
    "LeakyReluOpData": _same(_K + "leaky_relu.h", (24, 4), (24, 4)),
    "ReluOpData": _same(_K + "activations.h", (28, 4), (28, 4)),
    "Relu6OpData": _same(_K + "activations.h", (8, 4), (8, 4)),
    "TanhOpData": _same(_K + "tanh.cc (struct OpData)", (16, 4), (16, 4)),
    "PadOpData": _same(_K + "pad.h (struct OpData)", (56, 4), (56, 4)),
    "ConcatenationOpData": StructLayout(_K + "concatenation.cc (struct OpData)", (40, 8), (80, 8), (24, 4), (64, 4)),
    "StridedSliceParams": _same("tensorflow/lite/kernels/internal/types.h", (84, 4), (84, 4)),
    "OpDataDiv": _same(_K + "div.cc", (28, 4), (28, 4)),
    "OpDataMirrorPad": _same(_K + "mirror_pad.cc", (20, 4), (20, 4)),
    "SpaceToBatchParams": _same("tensorflow/lite/kernels/internal/types.h", (4, 4), (4, 4)),
    # embedding_lookup.cc's OpData: float scale, size_t num_columns
    "EmbeddingLookupOpData": _same(_K + "embedding_lookup.cc (OpData)", (16, 8), (8, 4)),
    "SquaredDifferenceOpData": _same(_K + "squared_difference.cc (struct OpData)", (112, 8), (112, 8)),
    "OpDataAbsRsqrt": _same(_K + "elementwise.cc", (28, 4), (28, 4)),
    "EluOpData": _same(_K + "elu.cc (struct OpData: an int8 LUT)", (256, 1), (256, 1)),
    "L2NormalizationParams": _same("tensorflow/lite/kernels/internal/types.h", (4, 4), (4, 4)),
    "PreluParams": _same("tensorflow/lite/kernels/internal/types.h", (28, 4), (28, 4)),
    "OpDataSvdf": _same(_K + "svdf.h (nine int32/int)", (36, 4), (36, 4)),
    # transpose_conv.cc OpData: ConvParams (56 B: a uint8_t PaddingType, int16_t padding values and
    # strides, nine int32 fields), scratch_buffer_index, [compression: two scratch indices],
    # bias_converted_buffer_index, two int32_t pointers.
    "OpDataTransposeConv": StructLayout(_K + "transpose_conv.cc (struct OpData)", (80, 8), (88, 8), (72, 4), (80, 4)),
    # batch_matmul.h: three pointers and three bools; its QuantizationOpDataBatchMatmul: seven int32.
    "OpDataBatchMatmul": _same(_K + "batch_matmul.h", (32, 8), (16, 4)),
    "QuantizationOpDataBatchMatmul": _same(_K + "batch_matmul.h", (28, 4), (28, 4)),
    "OpDataComparison": _same(_K + "comparisons.cc (ComparisonParams: seven int32, a bool)", (32, 4), (32, 4)),
    "OpDataVarHandle": _same(_K + "var_handle.cc (struct OpData: int32_t resource_id)", (4, 4), (4, 4)),
    "OpDataAssignVariable": _same(_K + "assign_variable.cc (struct OpData, compression builds only)", (4, 4), (4, 4)),
    # micro_resource_variable.h: the object (array pointer, two int) and one entry per variable
    # (three pointers, size_t, int8_t).
    "MicroResourceVariables": _same(_M + "micro_resource_variable.h", (16, 8), (12, 4)),
    "MicroResourceVariable": _same(_M + "micro_resource_variable.h (MicroResourceVariables::MicroResourceVariable)",
                                   (40, 8), (20, 4)),
    "OpDataSelect": _same(_K + "select.cc (struct OpData: bool requires_broadcast)", (1, 1), (1, 1)),
    "OpDataIf": _same(_K + "if.cc (struct OpData: two int)", (8, 4), (8, 4)),
    "OpDataWhile": _same(_K + "while.cc (struct OpData: two int)", (8, 4), (8, 4)),
    "OpDataCallOnce": _same(_K + "call_once.cc (struct OpData: int, bool)", (8, 4), (8, 4)),
    "OpDataCircularBuffer": _same(_K + "circular_buffer.h (two int)", (8, 4), (8, 4)),
    # detection_postprocess.cc OpData: six int/float, a bool, CenterSizeEncoding (four floats), eleven scratch
    # indices, three TfLiteQuantizationParams (float, int32)
    "OpDataDetectionPostProcess": _same(_K + "detection_postprocess.cc (struct OpData)", (112, 4), (112, 4)),
    # TFLM's signal library (signal/micro/kernels/*.cc, the audio front end's custom operators): each Init's
    # params struct.  32-bit sizes: AAPCS with -fshort-enums (TfLiteType is one byte there).
    "TFLMSignalWindowParams": _same(_S + "window.cc (two int32)", (8, 4), (8, 4)),
    "TFLMSignalEnergyParams": _same(_S + "energy.cc (two int32)", (8, 4), (8, 4)),
    "TFLMSignalLogParams": _same(_S + "filter_bank_log.cc (two int)", (8, 4), (8, 4)),
    "TfLitePcanParams": _same(_S + "pcan.cc (one int)", (4, 4), (4, 4)),
    # FilterbankConfig (int32, five pointers, two int32) and the uint64_t* work area
    "TFLMSignalFilterBankParams": _same(_S + "filter_bank.cc, signal/src/filter_bank.h", (64, 8), (36, 4)),
    # SpectralSubtractionConfig (eight uint32/int32, a bool), the noise estimate pointer, a size_t
    "TFLMSignalSpectralSubtractionParams": _same(
        _S + "filter_bank_spectral_subtraction.cc, signal/src/filter_bank_spectral_subtraction.h", (56, 8), (44, 4)),
    # four int32, TfLiteType, T* work_area, int scratch index, int8_t* state
    "TfLiteAudioFrontendRfftParams": _same(_S + "rfft.cc", (48, 8), (32, 4)),
    # four int32, TfLiteType, int8_t* state
    "TfLiteAudioFrontendIrfftParams": _same(_S + "irfft.cc", (32, 8), (24, 4)),
    # three int32, two pointer arrays
    "TFLMSignalFrontendDelayParams": _same(_S + "delay.cc", (32, 8), (20, 4)),
    # four int32, two size_t, a bool, two pointers
    "TFLMSignalStackerParams": _same(_S + "stacker.cc", (56, 8), (36, 4)),
    # four int32, a bool, two pointer arrays
    "TFLMSignalFramerParams": _same(_S + "framer.cc", (40, 8), (28, 4)),
    # four int32, TfLiteType, T** state_buffers
    "TFLMSignalOverlapAddParams": _same(_S + "overlap_add.cc", (32, 8), (24, 4)),
    # signal/src/circular_buffer.h CircularBuffer: three size_t, two int32, int16_t* buffer
    "TFLMSignalCircularBuffer": _same("signal/src/circular_buffer.h", (40, 8), (24, 4)),
    # TFLM_DECODE's decoders (kernels/decode_state*.h): DecodeState (vtable, context, profiler pointers) and
    # each subclass's members
    "DecodeStateLut": _same(_K + "decode_state_lut.h (pointer, three size_t, pointer, three uint8)", (72, 8), (36, 4)),
    "DecodeStatePrune": _same(_K + "decode_state_prune.h (pointer, three size_t, two pointers, int8, bool)",
                              (80, 8), (40, 4)),
    "DecodeStateHuffman": _same(_K + "decode_state_huffman.h (pointer, size_t, pointer, bool, uint8)",
                                (56, 8), (28, 4)),
    # CMSIS-NN kernels' OpData (kernels/cmsis_nn/*.cc, anonymous-namespace structs,
    # probed with -DCMSIS_NN).
    "CmsisNnConvOpData": StructLayout(_K + "cmsis_nn/conv.cc (struct OpData)", (80, 8), (88, 8), (60, 4), (68, 4)),
    "CmsisNnFullyConnectedOpData": StructLayout(
        _K + "cmsis_nn/fully_connected.cc (struct OpData)", (96, 8), (104, 8), (72, 4), (80, 4)
    ),
    # ConvParams (56 B), three scratch indices, two int32 pointers
    "CmsisNnTransposeConvOpData": _same(_K + "cmsis_nn/transpose_conv.cc (struct OpData)", (88, 8), (76, 4)),
    # OpDataBatchMatmul, cmsis_nn_dims output_shape (four int32), int buffer_idx
    "CmsisNnBatchMatmulOpData": _same(_K + "cmsis_nn/batch_matmul.cc (struct OpData)", (56, 8), (36, 4)),
    "CmsisNnPoolingOpData": _same(_K + "cmsis_nn/pooling.cc (struct OpData)", (36, 4), (36, 4)),
    "CmsisNnAddOpData": _same(_K + "cmsis_nn/add.cc (struct OpData)", (60, 4), (60, 4)),
    "CMSISNNSoftmaxParams": _same(_K + "cmsis_nn/softmax.cc", (88, 8), (64, 8)),
    # nine int32/int (two multipliers, two shifts, two scratch indices, three zero points) and the kernel-sums
    # pointer (KERNELS_OPTIMIZED_FOR_SPEED, the TFLM cmsis_nn build's default: no scratch_weight_tensor_index)
    "CmsisNnOpDataSvdf": _same(_K + "cmsis_nn/svdf.cc (struct CmsisNnOpDataSvdf)", (48, 8), (40, 4)),
    "CmsisNnLstmOpData": _same(_K + "cmsis_nn/unidirectional_sequence_lstm.cc (struct OpData)", (1008, 8), (912, 8)),
    # Builtin options, parsed by tensorflow/lite/core/api/flatbuffer_conversions.cc
    # into the tail through MicroBuiltinDataAllocator (sizeof(T), alignof(T)).
    "TfLiteConvParams": _same(_BUILTIN, (28, 4), (28, 4)),
    "TfLiteDepthwiseConvParams": _same(_BUILTIN, (28, 4), (28, 4)),
    # The pip package (2026-10-23) has a larger TfLiteFullyConnectedParams than
    # the 2026-08-20 sources (16/4 there): 32 bytes aligned to 8 is the only
    # layout that reproduces the package's recorded tail and smallest arena on
    # every test model (hello_world needs 1,936 B, vww 103,672 B, AttendNet-B's
    # tail 29,680 B).  TfLiteUnidirectionalSequenceLSTMParams is 16/4 as in the
    # sources: a float32 LSTM (tests/test_arena_ops.py) tells 16 from 20 bytes
    # (20 put the smallest arena 8 B and a category 4 B off), the int8 one
    # cannot.
    "TfLiteFullyConnectedParams": StructLayout(_BUILTIN, (16, 4), (32, 8), (5, 1), (5, 1)),
    "TfLitePoolParams": _same(_BUILTIN, (40, 4), (40, 4)),
    "TfLiteReshapeParams": _same(_BUILTIN, (36, 4), (36, 4)),
    "TfLiteSoftmaxParams": _same(_BUILTIN, (4, 4), (4, 4)),
    "TfLiteAddParams": _same(_BUILTIN, (8, 4), (2, 1)),
    "TfLiteSubParams": _same(_BUILTIN, (8, 4), (2, 1)),
    "TfLiteMulParams": _same(_BUILTIN, (4, 4), (1, 1)),
    "TfLiteDivParams": _same(_BUILTIN, (4, 4), (1, 1)),
    "TfLiteConcatenationParams": _same(_BUILTIN, (8, 4), (8, 4)),
    "TfLiteReducerParams": _same(_BUILTIN, (1, 1), (1, 1)),
    "TfLiteCumsumParams": _same(_BUILTIN, (2, 1), (2, 1)),
    "TfLiteResizeNearestNeighborParams": _same(_BUILTIN, (2, 1), (2, 1)),
    "TfLiteResizeBilinearParams": _same(_BUILTIN, (2, 1), (2, 1)),
    "TfLiteStridedSliceParams": _same(_BUILTIN, (24, 4), (24, 4)),
    "TfLiteUnidirectionalSequenceLSTMParams": _same(_BUILTIN, (16, 4), (16, 4)),
    "TfLiteSqueezeParams": _same(_BUILTIN, (36, 4), (36, 4)),
    "TfLiteLeakyReluParams": _same(_BUILTIN, (4, 4), (4, 4)),
    "TfLiteShapeParams": _same(_BUILTIN, (4, 4), (1, 1)),
    "TfLitePackParams": _same(_BUILTIN, (8, 4), (8, 4)),
    "TfLiteTransposeConvParams": _same(_BUILTIN, (20, 4), (16, 4)),
    "TfLiteSplitParams": _same(_BUILTIN, (4, 4), (4, 4)),
    "TfLiteSplitVParams": _same(_BUILTIN, (4, 4), (4, 4)),
    "TfLiteUnpackParams": _same(_BUILTIN, (8, 4), (8, 4)),
    "TfLiteGatherParams": _same(_BUILTIN, (8, 4), (8, 4)),
    "TfLiteArgMaxParams": _same(_BUILTIN, (4, 4), (1, 1)),
    "TfLiteArgMinParams": _same(_BUILTIN, (4, 4), (1, 1)),
    "TfLiteCastParams": _same(_BUILTIN, (8, 4), (2, 1)),
    "TfLiteDepthToSpaceParams": _same(_BUILTIN, (4, 4), (4, 4)),
    "TfLiteSpaceToDepthParams": _same(_BUILTIN, (4, 4), (4, 4)),
    "TfLiteL2NormParams": _same(_BUILTIN, (4, 4), (1, 1)),
    "TfLiteMirrorPaddingParams": _same(_BUILTIN, (4, 4), (1, 1)),
    # int rank; TfLiteFusedActivation activation (a byte with -fshort-enums); bool.
    "TfLiteSVDFParams": _same(_BUILTIN, (12, 4), (8, 4)),
    "TfLiteBatchMatMulParams": _same(_BUILTIN, (3, 1), (3, 1)),
    "TfLiteIfParams": _same(_BUILTIN, (8, 4), (8, 4)),
    "TfLiteVarHandleParams": _same(_BUILTIN, (16, 8), (8, 4)),
    "TfLiteWhileParams": _same(_BUILTIN, (8, 4), (8, 4)),
    "TfLiteCallOnceParams": _same(_BUILTIN, (4, 4), (4, 4)),
}


def check_pointer_bytes(pointer_bytes):
    if pointer_bytes not in POINTER_WIDTHS:
        raise BadInputError(f"pointer width must be 4 (Cortex-M) or 8 (64-bit host), got {pointer_bytes!r}")
    return pointer_bytes


def layout(name, pointer_bytes, compression=False):
    """``(sizeof, alignof)`` of TFLM type ``name`` for the given build."""
    entry = STRUCTS[name]
    if pointer_bytes == 8:
        return entry.host_compression if compression else entry.host
    if pointer_bytes == 4:
        return entry.cortex_m_compression if compression else entry.cortex_m
    check_pointer_bytes(pointer_bytes)


def sizeof(name, pointer_bytes, compression=False):
    return layout(name, pointer_bytes, compression)[0]


def int_array_bytes(length):
    """TfLiteIntArrayGetSizeInBytes(length) (tensorflow/lite/core/c/common.cc): 4 + 4 * length."""
    return 4 + 4 * length
