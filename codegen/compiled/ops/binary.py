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
an_binary.c), and requantizes once per element.  Where TFLM's whole ADD/SUB is, for every one of
the 65536 byte pairs, an affine function of the two bytes up to roundings finer than its output
step, :func:`affine_add_form` finds that function's integer coefficients (checked on every pair
here) and the kernel is ``an_add_affine_s8``: no tables, two SMLAW and one SSAT per element.
The broadcast walk
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
#: an_binary.h's AN_ADD_AFFINE_SHIFT: the affine ADD's sum holds the output times 2^20.
AFFINE_SHIFT = 20
#: How far from the slopes the tables give (in units of the coefficients) affine_add_form looks.
AFFINE_SEARCH = 4


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


def _requantize_array(x: np.ndarray, multiplier: int, shift: int) -> np.ndarray:
    """TFLM's ``MultiplyByQuantizedMultiplier`` (fixedpoint.multiply_by_quantized_multiplier) on an int64 array of
    int32 values whose left-shifted values fit int32 (ADD's sums of rescaled inputs)."""
    x = np.asarray(x, dtype=np.int64) << max(shift, 0)
    right = max(-shift, 0)
    ab = x * np.int64(multiplier)
    nudged = ab + np.where(ab >= 0, np.int64(1 << 30), np.int64(1 - (1 << 30)))
    h = np.where(nudged >= 0, nudged >> 31, -((-nudged) >> 31))  # C's division: toward zero
    mask = (1 << right) - 1
    threshold = (mask >> 1) + (h < 0)
    return (h >> right) + ((h & mask) > threshold)


def _affine_terms(coef: int) -> np.ndarray:
    """floor(coef * v / 2^8) for every int8 v, v = -128..127 (an_binary.c an_affine_term)."""
    return (np.int64(coef) * np.arange(-128, 128, dtype=np.int64)) >> 8


def affine_add_form(table1, table2, output_multiplier: int, output_shift: int, output_offset: int, lo: int,
                    hi: int) -> tuple[int, int, int] | None:
    """(coef1, coef2, bias) of ``an_add_affine_s8`` when its output equals the table kernel's (TFLM's) for every
    one of the 65536 (a, b) byte pairs: clamp((floor(coef1 a / 2^8) + floor(coef2 b / 2^8) + bias) >> 20, lo, hi);
    None where no such coefficients lie near the slopes the tables give, or where a sum could leave int32.

    ``table1``/``table2`` are the doubled rescaled inputs (:func:`rescaled_input_table`, SUB's second negated),
    indexed by the byte as unsigned.  For given coefficients the bias that fits every pair is an interval (an
    output strictly inside (lo, hi) fixes the sum's range, one at lo or hi bounds it on one side): the first
    coefficients tried around the slopes with a non-empty interval win, the bias its middle.
    """
    order = np.r_[128:256, 0:128]  # byte -128..127 -> its table index
    t1, t2 = np.asarray(table1, dtype=np.int64)[order], np.asarray(table2, dtype=np.int64)[order]
    y = np.clip(_requantize_array((t1[:, None] + t2[None, :]) // 2, output_multiplier, output_shift)
                + output_offset, lo, hi)
    real_out = output_multiplier * 2.0 ** (output_shift - 31)
    scale = 2.0 ** (8 + AFFINE_SHIFT)
    nominal = [round((t[-1] - t[0]) / (2 * 255) * real_out * scale) for t in (t1, t2)]
    low, high = (y > lo), (y < hi)
    floor_sum, ceiling_sum = y << AFFINE_SHIFT, ((y + 1) << AFFINE_SHIFT) - 1  # of the sum, where it must lie
    steps = sorted(((d1, d2) for d1 in range(-AFFINE_SEARCH, AFFINE_SEARCH + 1)
                    for d2 in range(-AFFINE_SEARCH, AFFINE_SEARCH + 1)), key=lambda d: (abs(d[0]) + abs(d[1]), d))
    for d1, d2 in steps:
        c1, c2 = nominal[0] + d1, nominal[1] + d2
        if max(abs(c1), abs(c2)) >= 1 << 31:
            return None
        u1, u2 = _affine_terms(c1), _affine_terms(c2)
        terms = u1[:, None] + u2[None, :]
        bias_min = (floor_sum - terms)[low].max(initial=-(1 << 31))
        bias_max = (ceiling_sum - terms)[high].min(initial=(1 << 31) - 1)
        if bias_min > bias_max:
            continue
        bias = int((bias_min + bias_max) // 2)
        partial, total = u1 + bias, terms + bias  # SMLAWB(c1, a, bias), then SMLAWB(c2, b, that)
        if min(partial.min(), total.min()) < -(1 << 31) or max(partial.max(), total.max()) >= 1 << 31:
            return None
        return int(c1), int(c2), bias
    return None


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
    shape = broadcast_shape(x1, x2, y)
    comment = f"{op.name} {tuple(x1.shape)} {tuple(x2.shape)} -> {tuple(y.shape)}, activation {_activation(op)}"
    affine = affine_add_form(table1, table2, q["output_multiplier"], q["output_shift"], zero_point_of(y), lo, hi)
    if affine is not None:
        params = Params("an_add_affine_params", {"coef1": affine[0], "coef2": affine[1], "bias": affine[2],
                                                 "activation_min": lo, "activation_max": hi, "shape": shape})
        return Step(function="an_add_affine_s8", sources=SOURCES, args=(params, x1.operand, x2.operand, y.operand),
                    output_aliases=_operand(_in_place_input(op, ctx, x1, x2, y)),
                    comment=f"{comment}; affine in the two bytes (checked on all 65536 pairs)")
    rescaled1 = ctx.constant(f"{op.name.lower()}_input1", "int32_t", table1)
    rescaled2 = rescaled1 if table2 == table1 else ctx.constant(f"{op.name.lower()}_input2", "int32_t", table2)
    params = Params("an_add_params", {
        "output_offset": zero_point_of(y), "output_multiplier": q["output_multiplier"],
        "output_shift": q["output_shift"], "activation_min": lo, "activation_max": hi,
        "shape": shape})
    function = "an_add_s8" if op.name == "ADD" else "an_sub_s8"
    return Step(function=function, sources=SOURCES,
                args=(params, x1.operand, x2.operand, y.operand, rescaled1, rescaled2),
                output_aliases=_operand(_in_place_input(op, ctx, x1, x2, y)),
                comment=f"{comment}; rescaled inputs from tables of 256")


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
