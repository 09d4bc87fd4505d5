"""DIV, SQUARED_DIFFERENCE, FLOOR_DIV, FLOOR_MOD -> ``firmware_template/compiled/kernels/an_arith.c``: TFLM's
reference kernels (div.cc, squared_difference.cc, floor_div.cc, floor_mod.cc) with broadcasting (an_broadcast.h).

- DIV float32: ``min(max(a / b, lo), hi)`` with the fused activation's range (float's lowest/max for
  NONE, as TFLM's CalculateActivationRange: a quotient of inf becomes FLT_MAX); int32: C division
  (toward zero) clamped likewise, unquantized tensors only (TFLM's Prepare); int8: TFLM's
  DivElementwise, the divisor's reciprocal (GetReciprocal) per stored value tabled here, the output
  multiplier from ``s1 / (s2 * s_out)`` in double; a final rounding shift of 32 or more (a dividend of
  0 or -1 has 31 bits of headroom) as the interpreter's x86 build computes gemmlowp's RoundingDivideByPOT
  there (the shift count taken mod 32, the mask all ones), so the model's outputs are the interpreter's.
- SQUARED_DIFFERENCE float32 / int32: ``(a - b)^2`` (int32 wrapping), no activation; int8: inputs shifted
  left by 7 and rescaled to twice the larger input scale (tables of the 256 values), the wrapping int32
  square requantized to the output; int16: the same with no left shift, zero points 0.
- FLOOR_DIV float32: ``(float)floor((double)a / (double)b)``; FLOOR_MOD float32: ``fmodf(a, b)``, plus ``b`` where
  that is non-zero with a sign unlike ``b``'s (TFLM's FloorDiv / FloorMod; TFLM takes float32 only; a constant
  divisor of 0 is refused, as TFLM fails FLOOR_DIV's invocation on one).
"""

from __future__ import annotations

import numpy as np

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.ops.binary import broadcast_shape
from codegen.compiled.ops.common import fused_activation_range, one_value, value_of_input, zero_point_of
from codegen.compiled.ops.fixedpoint import get_reciprocal, multiply_by_quantized_multiplier
from codegen.compiled.program import F32, Constant, Params, Step
from codegen.compiled.quantization import quantize_multiplier

FLT_MAX = float(np.finfo(np.float32).max)
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def _float_range(activation: str) -> tuple:
    ranges = {"NONE": (-FLT_MAX, FLT_MAX), "RELU": (0.0, FLT_MAX), "RELU_N1_TO_1": (-1.0, 1.0), "RELU6": (0.0, 6.0)}
    if activation not in ranges:
        raise NotLowerable(f"fused {activation}")
    return ranges[activation]


def _int32_range(activation: str) -> tuple:
    ranges = {"NONE": (INT32_MIN, INT32_MAX), "RELU": (0, INT32_MAX), "RELU_N1_TO_1": (-1, 1), "RELU6": (0, 6)}
    if activation not in ranges:
        raise NotLowerable(f"fused {activation}")
    return ranges[activation]


def _binary(op, ctx):
    if len(op.inputs) != 2 or len(op.outputs) != 1:
        raise NotLowerable(f"{len(op.inputs)} inputs, {len(op.outputs)} outputs")
    x1, x2, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.inputs[1]), ctx.tensor(op.outputs[0])
    if not x1.dtype == x2.dtype == y.dtype:
        raise NotLowerable(f"{x1.dtype}, {x2.dtype} -> {y.dtype}")
    return x1, x2, y


def _step(op, name, suffix, params, x1, x2, y, note=""):
    return Step(function=f"an_{name}_{suffix}", sources=("an_arith.c", "an_broadcast.h"),
                args=(params, x1.operand, x2.operand, y.operand),
                comment=f"{op.name} {tuple(x1.shape)} {tuple(x2.shape)} -> {tuple(y.shape)} {y.dtype}{note}")


@lowering("DIV")
def lower_div(op, ctx):
    x1, x2, y = _binary(op, ctx)
    activation = op.options.get("fused_activation_function", "NONE")
    shape = broadcast_shape(x1, x2, y)
    if y.dtype == "float32":
        lo, hi = _float_range(activation)
        params = Params("an_arith_f32_params", {"shape": shape, "activation_min": F32(lo), "activation_max": F32(hi)})
        return _step(op, "div", "f32", params, x1, x2, y)
    if y.dtype == "int32":
        if x1.scale or x2.scale:
            raise NotLowerable("quantized int32 inputs (TFLM's DIV takes unquantized int32 only)")
        if x2.is_constant and np.any(np.asarray(x2.data) == 0):
            raise NotLowerable("a constant divisor of 0")
        lo, hi = _int32_range(activation)

        def evaluate(value_of):
            a = np.asarray(value_of_input(x1, value_of)).astype(np.int64)
            b = np.asarray(value_of_input(x2, value_of)).astype(np.int64)
            q = np.sign(a) * np.sign(b) * (np.abs(a) // np.abs(b))  # C: toward zero
            return [np.broadcast_to(np.clip(q, lo, hi).astype(np.int32), y.shape)]

        params = Params("an_arith_s32_params", {"shape": shape, "activation_min": lo, "activation_max": hi})
        if x1.is_constant and x2.is_constant:
            return Step(function="", evaluate=evaluate, comment="int32 DIV of constants (at generation time)")
        step = _step(op, "div", "s32", params, x1, x2, y, " (toward zero)")
        step.evaluate = evaluate
        return step
    if y.dtype != "int8":
        raise NotLowerable(f"{y.dtype} tensors (TFLM's DIV takes float32, int32, int8)")
    s1, s2, so = (float(np.float32(one_value(t.scale, t.name))) for t in (x1, x2, y))
    real = s1 / (s2 * so)  # in double: what tflite-micro's interpreter computes (checked bit for bit)
    multiplier, shift = quantize_multiplier(real)
    if shift > 23:  # the total shift of every quotient stays a right shift (headroom >= 23 for int8 operands)
        raise NotLowerable(f"output multiplier {real:.6g} too large")
    zp2 = zero_point_of(x2)
    reciprocals, shifts, signs = [], [], []
    for v in range(-128, 128):
        d = v - zp2
        inv, bits = get_reciprocal(abs(d), 31) if d else (0, 0)
        reciprocals.append(inv)
        shifts.append(bits)
        signs.append(-1 if d < 0 else 1)
    lo, hi = fused_activation_range(activation, y)
    params = Params("an_div_s8_params", {
        "shape": shape, "input1_offset": -zero_point_of(x1), "output_offset": zero_point_of(y),
        "output_multiplier": multiplier, "output_shift": shift, "activation_min": lo, "activation_max": hi,
        "reciprocals": Constant(f"op{op.index}_reciprocals", "int32_t", reciprocals),
        "shifts": Constant(f"op{op.index}_reciprocal_shifts", "int8_t", shifts),
        "signs": Constant(f"op{op.index}_divisor_signs", "int8_t", signs)})
    return _step(op, "div", "s8", params, x1, x2, y)


def _rescaled(t, offset_shift: int, multiplier: int, shift: int) -> list:
    zp = zero_point_of(t)
    return [multiply_by_quantized_multiplier((v - zp) * (1 << offset_shift), multiplier, shift)
            for v in range(-128, 128)]


def _smaller_than_one(real: float) -> tuple:
    if not 0.0 < real < 1.0:
        raise NotLowerable(f"input multiplier {real:.6g} outside (0, 1) (TFLM refuses it)")
    return quantize_multiplier(real)


@lowering("SQUARED_DIFFERENCE")
def lower_squared_difference(op, ctx):
    x1, x2, y = _binary(op, ctx)
    shape = broadcast_shape(x1, x2, y)
    if y.dtype in ("float32", "int32"):
        if y.dtype == "float32":
            params = Params("an_arith_f32_params", {"shape": shape, "activation_min": F32(-FLT_MAX),
                                                    "activation_max": F32(FLT_MAX)})
        else:
            params = Params("an_arith_s32_params", {"shape": shape, "activation_min": INT32_MIN,
                                                    "activation_max": INT32_MAX})
        return _step(op, "squared_difference", "f32" if y.dtype == "float32" else "s32", params, x1, x2, y)
    if y.dtype not in ("int8", "int16"):
        raise NotLowerable(f"{y.dtype} tensors (TFLM's SQUARED_DIFFERENCE takes float32, int32, int8, int16)")
    s1, s2, so = (float(np.float32(one_value(t.scale, t.name))) for t in (x1, x2, y))
    left_shift = 7 if y.dtype == "int8" else 0
    if y.dtype == "int16" and any(zero_point_of(t) for t in (x1, x2, y)):
        raise NotLowerable("int16 zero points must be 0 (TFLM)")
    twice_max = 2.0 * max(s1, s2)
    m1, sh1 = _smaller_than_one(s1 / twice_max)
    m2, sh2 = _smaller_than_one(s2 / twice_max)
    mo, sho = quantize_multiplier((twice_max * twice_max) / float((1 << left_shift * 2) * so))
    lo, hi = (-128, 127) if y.dtype == "int8" else (-32768, 32767)
    fields = {"shape": shape, "scaled1": None, "scaled2": None, "input1_multiplier": m1, "input1_shift": sh1,
              "input2_multiplier": m2, "input2_shift": sh2, "output_multiplier": mo, "output_shift": sho,
              "output_offset": zero_point_of(y), "activation_min": lo, "activation_max": hi}
    if y.dtype == "int8":
        fields["scaled1"] = Constant(f"op{op.index}_scaled1", "int32_t", _rescaled(x1, left_shift, m1, sh1))
        fields["scaled2"] = Constant(f"op{op.index}_scaled2", "int32_t", _rescaled(x2, left_shift, m2, sh2))
    return _step(op, "squared_difference", "s8" if y.dtype == "int8" else "s16",
                 Params("an_squared_difference_params", fields), x1, x2, y)


@lowering("PRELU")
def lower_prelu(op, ctx):
    """TFLM's PRELU (prelu_common.cc): ``x >= 0 ? x : x * alpha`` with alpha broadcast; int8 and int16 (int8
    alpha) with the multipliers ``si / so`` and ``si * sa / so`` in double (CalculatePreluParams)."""
    if len(op.inputs) != 2 or len(op.outputs) != 1:
        raise NotLowerable(f"{len(op.inputs)} inputs, {len(op.outputs)} outputs")
    x, alpha, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.inputs[1]), ctx.tensor(op.outputs[0])
    if x.dtype != y.dtype:
        raise NotLowerable(f"{x.dtype} -> {y.dtype}")
    shape = broadcast_shape(x, alpha, y)
    fields = {"shape": shape, "input_offset": 0, "alpha_offset": 0, "output_offset": 0, "multiplier_positive": 0,
              "shift_positive": 0, "multiplier_negative": 0, "shift_negative": 0}
    if y.dtype == "float32":
        if alpha.dtype != "float32":
            raise NotLowerable(f"{alpha.dtype} alpha")
        suffix = "f32"
    elif y.dtype in ("int8", "int16"):
        if alpha.dtype != "int8":
            raise NotLowerable(f"{alpha.dtype} alpha (TFLM takes int8)")
        si, sa, so = (float(np.float32(one_value(t.scale, t.name))) for t in (x, alpha, y))
        m1, s1 = quantize_multiplier(si / so)
        m2, s2 = quantize_multiplier(si * sa / so)
        fields.update({"input_offset": -zero_point_of(x), "alpha_offset": -zero_point_of(alpha),
                       "output_offset": zero_point_of(y), "multiplier_positive": m1, "shift_positive": s1,
                       "multiplier_negative": m2, "shift_negative": s2})
        suffix = "s8" if y.dtype == "int8" else "s16"
    else:
        raise NotLowerable(f"{y.dtype} tensors (TFLM's PRELU takes float32, int8, int16)")
    return _step(op, "prelu", suffix, Params("an_prelu_params", fields), x, alpha, y)


@lowering("FLOOR_DIV", "FLOOR_MOD")
def lower_floor_div_mod(op, ctx):
    x1, x2, y = _binary(op, ctx)
    if y.dtype != "float32":
        raise NotLowerable(f"{y.dtype} tensors (TFLM's {op.name} takes float32)")
    if x2.is_constant and np.any(np.asarray(x2.data) == 0):
        raise NotLowerable("a constant divisor of 0")
    shape = broadcast_shape(x1, x2, y)

    def evaluate(value_of):
        a = np.asarray(value_of_input(x1, value_of), np.float32)
        b = np.asarray(value_of_input(x2, value_of), np.float32)
        with np.errstate(all="ignore"):
            if op.name == "FLOOR_DIV":
                out = np.floor(a.astype(np.float64) / b.astype(np.float64)).astype(np.float32)
            else:
                mod = np.fmod(a, b)
                out = np.where((mod != 0) & ((b < 0) != (mod < 0)), mod + b, mod).astype(np.float32)
        return [np.broadcast_to(out, y.shape)]

    if x1.is_constant and x2.is_constant:
        return Step(function="", evaluate=evaluate, comment=f"{op.name} of constants (at generation time)")
    params = Params("an_arith_f32_params", {"shape": shape, "activation_min": F32(-FLT_MAX),
                                            "activation_max": F32(FLT_MAX)})
    step = _step(op, op.name.lower(), "f32", params, x1, x2, y)
    step.evaluate = evaluate
    return step
