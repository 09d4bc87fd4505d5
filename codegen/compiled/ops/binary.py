"""int8 ADD, SUB and MUL: broadcasting (up to 6-D, as TFLM's reference kernels) and fused activations.

The parameters are TFLM's, computed here as TFLM's prepare computes them:

- ADD and SUB (``CalculateOpDataAdd``/``Sub``): twice the larger input scale in double,
  each input's multiplier ``scale / twice_max``, the output's
  ``twice_max / (2^20 * output_scale)``.  (TFLM's SUB source of mid-2026 evaluated these
  quotients in float32; the tflite-micro interpreter the tests compare against computes
  them in double, as ADD does, and a test case tells the two apart.)
- MUL (``CalculateOpDataMul``): one multiplier ``s1 * s2 / s_out`` in double.

For ADD and SUB each input's rescaled value depends on its byte alone, so it is computed
here for all 256 bytes (two tables of int32, one when both inputs are quantized alike),
doubled (and SUB's second one negated): the kernel adds two looked-up values, which is twice
the rescaled sum or difference, the operand its first rounding multiplies (one SMMULR/VRMULH,
an_binary.c), and requantizes once per element.  The broadcast walk
(an_broadcast.h) is computed here too: both inputs extended to the output's rank, stride
0 where an input broadcasts, neighbouring dimensions merged.
"""

from __future__ import annotations

import numpy as np

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.ops import fixedpoint as fp
from codegen.compiled.ops.binary_wide import lower_binary_wide
from codegen.compiled.ops.common import (byte_table, fused_activation_range, padded_ints, require_int8,
                                         require_requantizable, scale_of, zero_point_of)
from codegen.compiled.ops.shape import int32_arithmetic, is_int32_arithmetic
from codegen.compiled.program import Params, Step
from codegen.compiled.quantization import quantize_multiplier

MAX_DIMS = 6
SOURCES = ("an_binary.c", "an_broadcast.h")


def broadcast_walk(shape1, shape2, out_shape) -> tuple[list[int], list[int], list[int]]:
    """(dims, stride1, stride2) of the merged broadcast walk; refuses shapes TFLM would not broadcast."""
    rank = max(len(shape1), len(shape2), len(out_shape), 1)
    if rank > MAX_DIMS:
        raise NotLowerable(f"{rank}-D broadcast (TFLM's kernels go to {MAX_DIMS}-D)")

    def extend(shape):
        return [1] * (rank - len(shape)) + list(shape)

    s1, s2, out = extend(shape1), extend(shape2), extend(out_shape)
    for a, b, o in zip(s1, s2, out):
        if o != max(a, b) or a not in (1, o) or b not in (1, o):
            raise NotLowerable(f"shapes {tuple(shape1)} and {tuple(shape2)} do not broadcast to {tuple(out_shape)}")

    def strides(shape):
        result, step = [0] * rank, 1
        for d in range(rank - 1, -1, -1):
            result[d] = step if shape[d] != 1 else 0
            step *= shape[d]
        return result

    st1, st2 = strides(s1), strides(s2)
    # Drop dimensions of size 1, then merge neighbours that walk both inputs contiguously.
    dims, t1, t2 = [], [], []
    for d in range(rank):
        if out[d] == 1:
            continue
        if dims and t1[-1] == st1[d] * out[d] and t2[-1] == st2[d] * out[d]:
            dims[-1] *= out[d]
            t1[-1], t2[-1] = st1[d], st2[d]
            continue
        dims.append(out[d])
        t1.append(st1[d])
        t2.append(st2[d])
    if not dims:
        dims, t1, t2 = [1], [0], [0]
    return dims, t1, t2


def broadcast_shape(x1, x2, y) -> Params:
    """The ``an_broadcast_shape`` field (an_broadcast.h) of the walk from ``x1`` and ``x2`` to ``y``."""
    dims, st1, st2 = broadcast_walk(x1.shape, x2.shape, y.shape)
    return Params("", {"ndim": len(dims), "dims": padded_ints(dims, MAX_DIMS), "stride1": padded_ints(st1, MAX_DIMS),
                       "stride2": padded_ints(st2, MAX_DIMS)})


def _in_place_input(op, ctx, x1, x2, y):
    """An input (its TensorRef) whose walk is the output's own (not broadcast), so the output may overwrite it.

    Of two such inputs, the one no later operator reads (and that is not a model output):
    the driver shares the buffer only when the input is dead after this operator.
    """
    candidates = [k for k, x in enumerate((x1, x2)) if x.num_elements == y.num_elements and x.dtype == y.dtype]
    sg = getattr(ctx, "subgraph", None)
    if len(candidates) > 1 and sg is not None:
        def read_later(k):
            index = op.inputs[k]
            return index in sg.outputs or any(index in later.inputs for later in sg.operators[op.index + 1:])

        dead = [k for k in candidates if not read_later(k)]
        candidates = dead + [k for k in candidates if k not in dead]
    return (x1, x2)[candidates[0]] if candidates else None


def _smaller_than_one(real: float, what: str) -> tuple[int, int]:
    """TFLM's ``QuantizeMultiplierSmallerThanOneExp`` (which aborts outside (0, 1))."""
    if not 0.0 < real < 1.0:
        raise NotLowerable(f"{what} multiplier {real:.6g} outside (0, 1) (TFLM refuses it)")
    return quantize_multiplier(real)


def add_sub_params(s1, s2, s_out) -> dict:
    """input/output multipliers and shifts of int8 ADD and SUB (double arithmetic)."""
    left_shift = 20
    twice_max = 2.0 * max(s1, s2)
    real1, real2 = s1 / twice_max, s2 / twice_max
    real_out = twice_max / ((1 << left_shift) * s_out)
    m1, sh1 = _smaller_than_one(real1, "input1")
    m2, sh2 = _smaller_than_one(real2, "input2")
    mo, sho = _smaller_than_one(real_out, "output")
    return dict(left_shift=left_shift, input1_multiplier=m1, input1_shift=sh1, input2_multiplier=m2,
                input2_shift=sh2, output_multiplier=mo, output_shift=sho)


def _operand(ref):
    """The arena Tensor the output may share (never a constant's array)."""
    return None if ref is None or ref.is_constant else ref.operand


def _tensors(op, ctx):
    if len(op.inputs) != 2 or len(op.outputs) != 1:
        raise NotLowerable(f"{len(op.inputs)} inputs")
    x1, x2, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.inputs[1]), ctx.tensor(op.outputs[0])
    require_int8(x1, x2, y)
    return x1, x2, y


def _other_type_step(op, ctx):
    """The Step of an ADD, SUB or MUL on int32 or on int16 / float32 tensors (their own kernels); None for int8."""
    if is_int32_arithmetic(op, ctx):
        return int32_arithmetic(op, ctx, broadcast_shape)
    if ctx.tensor(op.inputs[0]).dtype in ("int16", "float32"):
        return lower_binary_wide(op, ctx, broadcast_shape)
    return None


def _activation(op):
    return op.options.get("fused_activation_function", "NONE")


def rescaled_input_table(zero_point: int, multiplier: int, shift: int, left_shift: int = 20) -> list[int]:
    """Twice TFLM's ``MultiplyByQuantizedMultiplier((x - zero_point) << left_shift, ...)`` for every byte x.

    The kernel's first output rounding takes twice the sum (an_binary.c); each value is below
    2^27 in magnitude (a multiplier below one times 255 << 20), so the doubled sum of two fits int32.
    """
    return byte_table(lambda v: 2 * fp.multiply_by_quantized_multiplier((v - zero_point) * (1 << left_shift),
                                                                        multiplier, shift))


@lowering("ADD", "SUB")
def lower_add_sub(op, ctx):
    other = _other_type_step(op, ctx)
    if other is not None:
        return other
    x1, x2, y = _tensors(op, ctx)
    lo, hi = fused_activation_range(_activation(op), y)
    q = add_sub_params(scale_of(x1), scale_of(x2), scale_of(y))
    table1 = rescaled_input_table(zero_point_of(x1), q["input1_multiplier"], q["input1_shift"], q["left_shift"])
    table2 = rescaled_input_table(zero_point_of(x2), q["input2_multiplier"], q["input2_shift"], q["left_shift"])
    if op.name == "SUB":  # the kernel adds: SUB's second table holds the negated values (|v| < 2^28)
        table2 = [-v for v in table2]
    rescaled1 = ctx.constant(f"{op.name.lower()}_input1", "int32_t", table1)
    rescaled2 = rescaled1 if table2 == table1 else ctx.constant(f"{op.name.lower()}_input2", "int32_t", table2)
    params = Params("an_add_params", {
        "output_offset": zero_point_of(y), "output_multiplier": q["output_multiplier"],
        "output_shift": q["output_shift"], "activation_min": lo, "activation_max": hi,
        "shape": broadcast_shape(x1, x2, y)})
    function = "an_add_s8" if op.name == "ADD" else "an_sub_s8"
    return Step(function=function, sources=SOURCES,
                args=(params, x1.operand, x2.operand, y.operand, rescaled1, rescaled2),
                output_aliases=_operand(_in_place_input(op, ctx, x1, x2, y)),
                comment=f"{op.name} {tuple(x1.shape)} {tuple(x2.shape)} -> {tuple(y.shape)}, "
                        f"activation {_activation(op)}; rescaled inputs from tables of 256")


@lowering("MUL")
def lower_mul(op, ctx):
    other = _other_type_step(op, ctx)
    if other is not None:
        return other
    x1, x2, y = _tensors(op, ctx)
    lo, hi = fused_activation_range(_activation(op), y)
    real = float(np.float64(scale_of(x1)) * np.float64(scale_of(x2)) / np.float64(scale_of(y)))
    multiplier, shift = quantize_multiplier(real)
    if shift > 30:  # the left shift of int32 products would be undefined in C (and wraps in TFLM)
        raise NotLowerable(f"output multiplier {real:.3g} (input scales far above the output's)")
    require_requantizable([multiplier])
    params = Params("an_mul_params", {
        "input1_offset": -zero_point_of(x1), "input2_offset": -zero_point_of(x2), "output_offset": zero_point_of(y),
        "output_multiplier": multiplier, "output_shift": shift, "activation_min": lo, "activation_max": hi,
        "shape": broadcast_shape(x1, x2, y)})
    return Step(function="an_mul_s8", sources=SOURCES, args=(params, x1.operand, x2.operand, y.operand),
                output_aliases=_operand(_in_place_input(op, ctx, x1, x2, y)),
                comment=f"MUL {tuple(x1.shape)} {tuple(x2.shape)} -> {tuple(y.shape)}, "
                        f"activation {_activation(op)}")
