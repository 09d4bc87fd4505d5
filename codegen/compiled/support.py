"""What the compiled runtime supports: ONE table, read by the driver's refusals, ``attendnets check``,
``report``, the docs (docs/compiled_support.md, written by :func:`markdown`) and the tests.

A row: the operators, the type combinations its kernel runs at run time (``"int8 -> int8"``: the
operator's first input and first output), the kernel file(s) under firmware_template/compiled/kernels,
and notes.  ``GENERATION_TIME`` marks operators that exist only as values the generator computes (every
input constant, or a value known from static shapes): they need no kernel and take any type the
fold pass can compute.  The driver (codegen.compiled.lower) refuses a run-time kernel step whose types the
row does not list, so a lowering cannot run more than the table says.  Every operator of this table, and
only those, has a lowering
(tests/test_compiled_support.py checks both directions; for the elementwise operators it also checks
that exactly the listed type combinations lower).
"""

from __future__ import annotations

from dataclasses import dataclass

GENERATION_TIME = "generation time"
SUPPORT_DOC = "docs/compiled_support.md"  # the table's rendering (markdown())


@dataclass(frozen=True)
class SupportRow:
    operators: tuple      # TFLite builtin operator names sharing one lowering
    types: tuple          # run-time type combinations "input -> output" (first input, first output)
    kernels: tuple        # kernel files (firmware_template/compiled/kernels); empty: no run-time kernel
    notes: str = ""


def _same(*dtypes):
    return tuple(f"{d} -> {d}" for d in dtypes)


# What calling the C library's transcendental float functions means on the device (docs/firmware.md, "Every model
# on every core, and float32's C library"; tests/test_compiled_libm_qemu.py).
_FLOAT_LIBM = ("bit-exact on the host; newlib's expf/logf/sinf/cosf on the Cortex-M4 and its tanhf/expm1f on "
               "hard-float cores differ from glibc's by 1-2 ULP")


SUPPORT = (
    SupportRow(("CONV_2D",), _same("int8", "int16", "float32"),
               ("an_conv.c", "an_conv_mve.c", "an_conv_kxk.c", "an_conv_pointwise.c", "an_conv_wide.c"),
               "int8 weights (per-channel), constant int32 bias; fused RELU/RELU6; 16x8: int64 or int32 bias "
               "(TFLM's accumulator of that width); float32 bit-exact (TFLM's order)"),
    SupportRow(("DEPTHWISE_CONV_2D",), _same("int8", "int16", "float32"), ("an_depthwise_conv.c", "an_conv_wide.c"),
               "int8 weights (per-channel), constant int32 bias; 16x8: int64 bias; float32 bit-exact (TFLM's order)"),
    SupportRow(("TRANSPOSE_CONV",), ("int32 -> int8", "int32 -> int16", "int32 -> float32"), ("an_transpose_conv.c",),
               "first input: the constant output shape; int8 per-channel, 16x8 (int64/int16 bias), float32 "
               "(no fused activation: TFLM's float path reads it from another struct)"),
    SupportRow(("BATCH_MATMUL",), _same("int8", "int16", "float32"), ("an_batch_matmul.c",),
               "adj_x/adj_y, broadcast batch dimensions (ranks 2..5); int16 with zero points 0"),
    SupportRow(("FULLY_CONNECTED",), _same("int8", "int16", "float32"),
               ("an_fully_connected.c", "an_fully_connected_s16.c", "an_fully_connected_f32.c"),
               "int8: int8 weights, int32 bias; int16 (16x8): int8 weights, int64/int32 bias; float32"),
    SupportRow(("UNIDIRECTIONAL_SEQUENCE_LSTM",), _same("int8", "int16", "float32"), ("an_lstm.c", "an_lstm_f32.c"),
               "TFLM's integer gate arithmetic (int16 cell state); state in the static state area; float32 gates "
               "with expf, tanhf in TFLM's order: " + _FLOAT_LIBM),
    SupportRow(("SVDF",), _same("int8", "float32"), ("an_svdf.c", "an_svdf_f32.c"),
               "int8 with int8 or int16 time weights and state; state in the static state area"),
    SupportRow(("ADD", "SUB"), _same("int8", "int16", "int32", "float32"),
               ("an_binary.c", "an_int32.c", "an_binary_wide.c"),
               "broadcasting; fused activations; int32 wrapping as TFLM"),
    SupportRow(("MUL",), _same("int8", "int16", "int32", "float32"),
               ("an_binary.c", "an_int32.c", "an_binary_wide.c"),
               "broadcasting; fused activations; int32 wrapping as TFLM"),
    SupportRow(("MAXIMUM", "MINIMUM"), _same("int8", "int16", "int32", "int64", "float32"), ("an_minmax.c",),
               "broadcasting; float32 NaN/inf/signed zeros as TFLM"),
    SupportRow(("LOGISTIC", "TANH", "LEAKY_RELU"), _same("int8", "int16", "float32"),
               ("an_lut.c", "an_activation_wide.c"),
               "int8: a 256-entry table computed with TFLM's arithmetic; int16: TFLM's sigmoid-table "
               "interpolation (LOGISTIC/TANH: zero points 0, output scale 2^-15) / two requantizations "
               "(LEAKY_RELU); float32 in TFLM's order with expf, tanhf: " + _FLOAT_LIBM),
    SupportRow(("HARD_SWISH", "ELU"), _same("int8", "float32"), ("an_lut.c", "an_activation_wide.c"),
               "int8: a 256-entry table computed with TFLM's arithmetic; float32 with expm1f: " + _FLOAT_LIBM),
    SupportRow(("RELU", "RELU6"), _same("int8", "int16", "float32"), ("an_lut.c", "an_relu_wide.c"),
               "int8: a 256-entry table; int16: TFLM's requantization (RELU) / clamp on the input's scale (RELU6)"),
    SupportRow(("AVERAGE_POOL_2D", "MAX_POOL_2D"), _same("int8", "int16", "float32"), ("an_pool.c", "an_pool_wide.c"),
               "float32 bit-exact (TFLM's order)"),
    SupportRow(("MEAN", "SUM"), _same("int8", "int16", "float32"), ("an_reduce.c",),
               "constant axes; float32 bit-exact (TFLM's order)"),
    SupportRow(("REDUCE_MAX", "REDUCE_MIN"), _same("int8", "float32"), ("an_reduce.c",),
               "constant axes; int8 quantized as its input (TFLM); float32 NaN/-0.0/-inf as TFLM's ReduceGeneric"),
    SupportRow(("REDUCE_ALL",), _same("bool"), ("an_reduce.c",), "constant axes"),
    SupportRow(("ARG_MAX", "ARG_MIN"), ("int8 -> int32", "float32 -> int32", "int8 -> int64", "float32 -> int64"),
               ("an_reduce.c",),
               "constant int32 axis; first index of the extreme; float32 NaN never wins (TFLM's comparisons); "
               "int64 output (tf.math.argmax's default; TFLM's Eval fails on it): the same index, widened"),
    SupportRow(("SOFTMAX",), ("int8 -> int8", "int8 -> int16", "int16 -> int16", "float32 -> float32"),
               ("an_softmax.c", "an_softmax_s16.c", "an_softmax_f32.c"),
               "int16: TFLM's exp and 1 / (1 + x) tables of 513 (zero points 0, output scale 1/32768); float32 "
               "in TFLM's order (expf): " + _FLOAT_LIBM),
    SupportRow(("LOG_SOFTMAX",), _same("int8", "float32"), ("an_softmax.c", "an_softmax_f32.c"),
               "int8: TFLM's fixed-point exp and log (output scale 16/256, zero point 127); float32 in TFLM's order "
               "(expf, logf): " + _FLOAT_LIBM),
    SupportRow(("QUANTIZE",), ("float32 -> int8", "float32 -> int16", "int8 -> int8", "int8 -> uint8", "int8 -> int16",
                               "int8 -> int32", "uint8 -> int8", "int16 -> int8", "int16 -> int16", "int16 -> int32",
                               "int32 -> int8", "int32 -> int16"),
               ("an_quantize.c", "an_lut.c", "an_requantize_wide.c"),
               "int8 -> int8 requantization as a table; the other integer pairs TFLM's Requantize per element"),
    SupportRow(("DEQUANTIZE",), ("int8 -> float32", "uint8 -> float32", "int16 -> float32"),
               ("an_lut.c", "an_quantize.c", "an_requantize_wide.c"), "int8, uint8: a 256-entry table"),
    SupportRow(("RESIZE_NEAREST_NEIGHBOR",), _same("int8", "int16", "float32"),
               ("an_movement.c", "an_resize_pad_wide.c"), "no requantization (TFLM copies)"),
    SupportRow(("RESIZE_BILINEAR",), _same("int8", "float32"), ("an_resize_bilinear.c",),
               "constant size; align_corners, half_pixel_centers; int8 in TFLM's integer arithmetic (1/1024 steps, "
               "no requantization), float32 bit-exact (TFLM's order)"),
    SupportRow(("STRIDED_SLICE", "TRANSPOSE"), _same("int8", "int16", "int32", "float32", "int64", "bool"),
               ("an_movement.c", "an_movement_wide.c"), "constant begin/end/strides, permutation"),
    SupportRow(("PAD", "PADV2"), _same("int8", "int16", "int32", "float32"), ("an_movement.c", "an_resize_pad_wide.c"),
               "constant paddings; PAD fills int8 with the output zero point, other types with 0 (TFLM)"),
    SupportRow(("CONCATENATION",), _same("int8", "int16", "int32", "uint32", "float32", "int64", "bool"),
               ("an_movement.c", "an_movement_wide.c"), "int8 inputs quantized as the output (or none quantized); other types copied"),
    SupportRow(("PACK",), _same("int8", "int16", "int32", "int64", "float32"), ("an_movement.c", "an_split.c"),
               "no requantization; all-constant inputs at generation time (any type)"),
    SupportRow(("SPLIT",), tuple(f"int32 -> {d}" for d in ("int8", "int16", "int32", "float32")), ("an_split.c",),
               "first input: the constant int32 axis"),
    SupportRow(("SPLIT_V", "UNPACK"), _same("int8", "int16", "int32", "float32"), ("an_split.c",), "constant axis"),
    SupportRow(("GATHER", "GATHER_ND"), _same("int8", "int32", "float32"), ("an_gather.c",),
               "run-time int32 indices; constant data and indices at generation time (any type)"),
    # data movement of known shape (codegen/compiled/ops/rearrange.py, fill.py)
    SupportRow(("SLICE",), _same("int8", "int16", "int32", "int64", "float32", "bool"),
               ("an_movement.c", "an_movement_wide.c"), "constant begin and size (int32 or int64)"),
    SupportRow(("REVERSE_V2",), _same("int8", "uint8", "int16", "int32", "int64", "float32", "bool"),
               ("an_movement.c", "an_movement_wide.c"), "constant int32 axes, contiguous (as TFLM)"),
    SupportRow(("BROADCAST_TO",), _same("int8", "uint8", "int16", "int32", "uint32", "int64", "uint64", "float32",
                                        "bool"),
               ("an_movement.c", "an_movement_wide.c"), "constant shape, up to 5-D"),
    SupportRow(("DEPTH_TO_SPACE", "SPACE_TO_DEPTH"), _same("int8", "float32"), ("an_movement.c", "an_movement_wide.c"),
               "a transpose of the 6-D view"),
    SupportRow(("MIRROR_PAD",), _same("int8", "int32", "int64", "float32"), ("an_rearrange.c",),
               "REFLECT and SYMMETRIC; constant paddings (int32 or int64)"),
    SupportRow(("BATCH_TO_SPACE_ND", "SPACE_TO_BATCH_ND"), _same("int8", "float32"), ("an_rearrange.c",),
               "3-D and 4-D; constant block shape and crops / paddings; padding: the zero point (TFLM leaves it unset)"),
    SupportRow(("FILL",), tuple(f"int32 -> {d}" for d in ("int8", "int16", "int32", "int64", "float32")),
               ("an_fill.c",), "first input: the constant dims (int32 or int64); the scalar value at run time"),
    SupportRow(("ZEROS_LIKE",), (), (), GENERATION_TIME + ": known from the static shape (any type)"),
    SupportRow(("BROADCAST_ARGS",), _same("int32", "int64"), ("an_fill.c",), "constant shapes at generation time"),
    SupportRow(("DYNAMIC_UPDATE_SLICE",), _same("int8", "int16", "int32", "float32"), ("an_fill.c",),
               "run-time int32 or int64 start indices, clamped as TFLM"),
    SupportRow(("EMBEDDING_LOOKUP",), ("int32 -> int8", "int32 -> float32"), ("an_fill.c",),
               "first input: the int32 ids; float32 and int8 tables copied, int8 -> float32 dequantized "
               "(TFLM's hybrid path, zero point 0)"),
    SupportRow(("EQUAL", "NOT_EQUAL"), tuple(f"{d} -> bool" for d in ("int8", "int32", "int64", "float32", "bool")),
               ("an_compare.c",), "broadcasting; int8 inputs rescaled as TFLM (tables of 256)"),
    SupportRow(("LESS", "LESS_EQUAL", "GREATER", "GREATER_EQUAL"),
               tuple(f"{d} -> bool" for d in ("int8", "int32", "int64", "float32")), ("an_compare.c",),
               "broadcasting; int8 inputs rescaled as TFLM (tables of 256)"),
    SupportRow(("SELECT_V2",), ("bool -> int8", "bool -> int16", "bool -> float32"), ("an_select.c",),
               "first input: the bool condition; the three inputs broadcast"),
    SupportRow(("RESHAPE", "SQUEEZE", "EXPAND_DIMS"), (), (), "a view of its input (any type): no kernel, no copy"),
    SupportRow(("CAST",), tuple(f"{a} -> {b}" for a in ("int8", "int16", "int32", "uint32", "float32", "bool")
                                for b in ("int8", "int16", "int32", "uint32", "float32", "bool")), ("an_cast.c",),
               "static_cast per element (TFLM's CAST); int32 <-> uint32 a view (the same bits); "
               "other types of constants at generation time"),
    SupportRow(("SHAPE",), (), (), GENERATION_TIME + ": constant inputs or static shapes"),
    SupportRow(("IF", "WHILE"), (), ("an_split.c",),
               "C control flow over the subgraphs' programs (each lowered by this table), condition read at run "
               "time, tensors passed by copies as TFLM; subgraph buffers in the same static arena"),
    SupportRow(("VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE", "CALL_ONCE"), (), ("an_variables.c",),
               "resource variables in the static state area (model_reset() clears them); "
               "CALL_ONCE's init subgraph at the first invocation only (as TFLM, not again after model_reset())"),
    SupportRow(("CIRCULAR_BUFFER",), _same("int8"), ("an_variables.c",),
               "TFLM's custom operator (micro_speech-style streaming): [1, 1, H, W] -> [1, slots, H, W], the buffer in "
               "the static state area (starts at 0; model_reset() keeps it, as TFLM, and restarts the cycle); "
               "cycles_max > 1: invoke returns 1 on the invocations TFLM aborts"),
    SupportRow(("TFLite_Detection_PostProcess",), _same("float32"), ("an_detection.c",),
               "TFLM's custom operator (SSD post-processing): centre-size boxes decoded in double, regular or fast "
               "NMS (one class per detection) in TFLM's orders, float32 bit-exact; entries past the count are 0 "
               "(TFLM's fast path leaves them unwritten)"),
    SupportRow(("TFLM_DECODE",), (), (),
               GENERATION_TIME + ": TFLM's compressed constants (its inputs are constants) decoded by the generator: "
               "LUT (decode_state_lut.cc, 1-7 bit indices, per-channel tables on axis 0 or the last); pruning and "
               "Huffman refused"),
    # element-wise math (TFLM's reference kernels)
    SupportRow(("DIV",), _same("int8", "int32", "float32"), ("an_arith.c",),
               "broadcasting; fused activations; int32 unquantized; int8 by the divisor's reciprocal"),
    SupportRow(("SQUARED_DIFFERENCE",), _same("int8", "int16", "int32", "float32"), ("an_arith.c",), "broadcasting"),
    SupportRow(("ABS",), _same("int8", "int16", "float32"), ("an_math.c", "an_lut.c"), "int8 as a 256-entry table"),
    SupportRow(("RSQRT",), _same("int8", "float32"), ("an_math.c", "an_lut.c"),
               "int8 as a 256-entry table (TFLM's fixed-point inverse square root)"),
    SupportRow(("NEG", "SQRT", "SQUARE", "EXP", "LOG", "SIN", "COS"), _same("float32"), ("an_math.c",),
               "the C library's float functions, as TFLM calls them (EXP, LOG, SIN, COS: " + _FLOAT_LIBM + ")"),
    SupportRow(("FLOOR", "CEIL", "ROUND"), _same("float32"), ("an_math.c",),
               "floorf, ceilf; ROUND half to even (TFLM's RoundToNearest)"),
    SupportRow(("FLOOR_DIV", "FLOOR_MOD"), _same("float32"), ("an_arith.c",),
               "broadcasting; floor of the double quotient, fmodf with the divisor's sign (TFLM)"),
    SupportRow(("LOGICAL_AND", "LOGICAL_OR", "LOGICAL_NOT"), _same("bool"), ("an_compare.c",),
               "broadcasting (AND, OR)"),
    SupportRow(("PRELU",), _same("int8", "int16", "float32"), ("an_arith.c",), "alpha broadcast; int8 alpha for int16"),
    SupportRow(("L2_NORMALIZATION",), _same("int8", "float32"), ("an_math.c",),
               "innermost dimension; int8 output in 1/128 (as TFLM, whatever its quantization)"),
    SupportRow(("ADD_N",), _same("int8", "float32"), ("an_accumulate.c",),
               "inputs of one shape and quantization (TFLM); int8 rescaled as TFLM (a table of 256)"),
    SupportRow(("CUMSUM",), _same("int8", "float32"), ("an_accumulate.c",),
               "constant int32 axis; exclusive, reverse; int8 rescaled as TFLM (a table of 256)"),
    SupportRow(("L2_POOL_2D",), _same("float32"), ("an_pool_wide.c",),
               "sqrtf of the mean square over the clipped window; fused activations; bit-exact (TFLM's order)"),
    # TFLM's signal library (custom operators, flexbuffer options): the audio front end as a model
    SupportRow(("SignalWindow",), _same("int16"), ("an_signal.c",), "weights repeated over the input"),
    SupportRow(("SignalFftAutoScale",), _same("int16"), ("an_signal.c",), "second output: the int32 shift"),
    SupportRow(("SignalRfft", "SignalIrfft"), _same("int16", "int32", "float32"), ("an_rfft.c",),
               "kissfft's fixed-point arithmetic (radix 4, 2, 3, 5; N/2 with a prime factor above 5 refused)"),
    SupportRow(("SignalEnergy",), ("int16 -> uint32",), ("an_signal.c",), "bins outside [start, end) are 0"),
    SupportRow(("SignalFilterBank",), ("uint32 -> uint64",), ("an_signal.c",), "constant tables"),
    SupportRow(("SignalFilterBankSquareRoot",), ("uint64 -> uint32",), ("an_signal.c",), ""),
    SupportRow(("SignalFilterBankSpectralSubtraction",), _same("uint32"), ("an_signal.c",),
               "noise estimate in the static state area (model_reset() zeroes it)"),
    SupportRow(("SignalPCAN",), _same("uint32"), ("an_signal.c",), ""),
    SupportRow(("SignalFilterBankLog",), ("uint32 -> int16",), ("an_signal.c",), ""),
    SupportRow(("SignalOverlapAdd",), _same("int16", "float32"), ("an_signal.c",),
               "int16 saturating; the overlap buffer in the static state area (model_reset() zeroes it)"),
    SupportRow(("SignalDelay", "SignalStacker", "SignalFramer"), _same("int16"), ("an_signal.c",),
               "delay line / stacking window / framing buffer in the static state area "
               "(model_reset() as TFLM's Reset)"),
)


def row_of(operator: str):
    """The table's row of ``operator`` (TFLite builtin name), or None: no kernel."""
    return next((row for row in SUPPORT if operator in row.operators), None)


def supported_operators() -> tuple:
    return tuple(sorted(name for row in SUPPORT for name in row.operators))


def describe(operator: str) -> str:
    """What the table says the runtime takes for ``operator``: quoted by refusals and ``check``."""
    row = row_of(operator)
    if row is None:
        return f"not in the compiled runtime's table ({SUPPORT_DOC})"
    if not row.types:
        return f"compiled runtime: {row.notes}"
    return "compiled runtime takes " + ", ".join(row.types)


def markdown() -> str:
    """docs/compiled_support.md: the table as the docs show it."""
    lines = ["# What the compiled runtime supports", "",
             "Generated from `codegen/compiled/support.py` by `python -m codegen.compiled.support`; do not edit.",
             "`attendnets check` (compiled column), the generator's refusals and the tests read the same table.",
             "Types are the operator's first input -> first output at run time; any operator whose inputs are all",
             "constant is computed by the generator instead (no kernel).", "",
             "| operators | run-time types | kernel files | notes |", "|---|---|---|---|"]
    for row in SUPPORT:
        lines.append(f"| {', '.join(row.operators)} | {'; '.join(row.types) or '(none)'} | "
                     f"{', '.join(row.kernels) or '(none)'} | {row.notes} |")
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    from pathlib import Path
    Path(__file__).resolve().parents[2].joinpath(SUPPORT_DOC).write_text(markdown())
