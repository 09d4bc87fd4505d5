"""QUANTIZE (float32 -> int8/int16, and between the integer types TFLM's QUANTIZE takes) and DEQUANTIZE
(int8/uint8/int16 -> float32).

- float32 -> int16 and int16 -> float32: the same arithmetic as below, clamped to int16 / with the int16 value
  (``an_quantize_f32_s16``, ``an_dequantize_s16_f32``: the double product in the kernel).

- float32 -> int8: TFLM's ``AffineQuantize``: ``round(x / scale) + zero_point`` in float32
  (division, not a multiplication by the reciprocal; rounding half away from zero), clamped.
  That runs in the kernel ``an_quantize_f32_s8``; inputs beyond int32 saturate (as
  Cortex-M's float-to-int conversion does).
- int8 -> int8: TFLM's ``Requantize`` (``MultiplyByQuantizedMultiplier`` of the input
  minus its zero point) depends on the byte alone: a table of 256 (``an_lut_s8``).
- int8 -> float32: TFLM's ``Dequantize`` computes ``(float)(double(scale) * (x - zp))``;
  a table of 256 floats computed with the same double product (``an_lut_s8_f32``); uint8 -> float32 the same
  (``an_dequantize_u8_f32``).
- the other integer pairs TFLM's QUANTIZE takes (int8 -> uint8/int16/int32, uint8 -> int8, int16 ->
  int8/int16/int32, int32 -> int8/int16): TFLM's ``Requantize`` per element (an_requantize_wide.c), the
  multiplier of ``double(input scale) / double(output scale)``.
"""

from __future__ import annotations

import numpy as np

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.ops import fixedpoint as fp
from codegen.compiled.ops.common import (INT8_MAX, INT8_MIN, byte_table, clamp, require_dtype, require_requantizable,
                                         scale_of, zero_point_of)
from codegen.compiled.ops.lut import LUT_SOURCES, lut_call
from codegen.compiled.program import F32, Params, Step
from codegen.compiled.quantization import quantize_multiplier


def requantize_table(input_scale: float, input_zero_point: int, output_scale: float,
                     output_zero_point: int) -> list[int]:
    multiplier, shift = quantize_multiplier(input_scale / output_scale)
    return byte_table(lambda v: clamp(fp.multiply_by_quantized_multiplier(v - input_zero_point, multiplier, shift)
                                      + output_zero_point, INT8_MIN, INT8_MAX))


def dequantize_table(scale: float, zero_point: int) -> list[float]:
    return [float(np.float32(scale * (v - zero_point))) for v in byte_table(lambda v: v)]


def _wide_call(op, x, y, function, quantized, what):
    """An an_quantize.c call converting float32 <-> int16 with ``quantized``'s scale and zero point."""
    if x.num_elements != y.num_elements:
        raise NotLowerable(f"input has {x.num_elements} elements, output {y.num_elements}")
    scale, zp = scale_of(quantized), zero_point_of(quantized)
    if not scale > 0:
        raise NotLowerable(f"scale {scale!r}")
    params = Params("an_quantize_params", {"scale": F32(scale), "zero_point": zp})
    return Step(function=function, sources=("an_quantize.c",), args=(params, x.operand, y.operand, y.num_elements),
                comment=f"{what} (scale {scale:.6g}, zero point {zp})")


#: (input, output) integer pairs of TFLM's QUANTIZE run by an_requantize_wide.c (int8 -> int8: a table).
REQUANTIZE_PAIRS = {("int8", "uint8"), ("int8", "int16"), ("int8", "int32"), ("uint8", "int8"), ("int16", "int8"),
                    ("int16", "int16"), ("int16", "int32"), ("int32", "int8"), ("int32", "int16")}
_SUFFIX = {"int8": "s8", "uint8": "u8", "int16": "s16", "int32": "s32"}


def _requantize_call(x, y):
    if x.num_elements != y.num_elements:
        raise NotLowerable(f"input has {x.num_elements} elements, output {y.num_elements}")
    multiplier, shift = quantize_multiplier(scale_of(x) / scale_of(y))
    require_requantizable([multiplier])
    if not -31 <= shift <= 30:
        raise NotLowerable(f"scale ratio {scale_of(x) / scale_of(y):.3g} out of TFLM's multiplier range")
    params = Params("an_requantize_params", {"multiplier": multiplier, "shift": shift,
                                             "input_zero_point": zero_point_of(x),
                                             "output_zero_point": zero_point_of(y)})
    return Step(function=f"an_requantize_{_SUFFIX[x.dtype]}_{_SUFFIX[y.dtype]}", sources=("an_requantize_wide.c",),
                args=(params, x.operand, y.operand, y.num_elements),
                comment=f"QUANTIZE {x.dtype} -> {y.dtype}: requantization")


@lowering("QUANTIZE")
def lower_quantize(op, ctx):
    x, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    if (x.dtype, y.dtype) in REQUANTIZE_PAIRS:
        return _requantize_call(x, y)
    if x.dtype == "float32" and y.dtype == "int16":
        return _wide_call(op, x, y, "an_quantize_f32_s16", y, "QUANTIZE float32 -> int16")
    require_dtype(y, "int8")
    out_scale, out_zp = scale_of(y), zero_point_of(y)
    if x.dtype == "int8":
        table = requantize_table(scale_of(x), zero_point_of(x), out_scale, out_zp)
        return lut_call(op, ctx, table, "QUANTIZE int8 -> int8: requantization, table of 256")
    require_dtype(x, "float32", "int8")
    if x.num_elements != y.num_elements:
        raise NotLowerable(f"input has {x.num_elements} elements, output {y.num_elements}")
    if not out_scale > 0:
        raise NotLowerable(f"output scale {out_scale!r}")
    params = Params("an_quantize_params", {"scale": F32(out_scale), "zero_point": out_zp})
    return Step(function="an_quantize_f32_s8", sources=("an_quantize.c",),
                args=(params, x.operand, y.operand, y.num_elements),
                comment=f"QUANTIZE float32 -> int8 (scale {out_scale:.6g}, zero point {out_zp})")


@lowering("DEQUANTIZE")
def lower_dequantize(op, ctx):
    x, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    if x.dtype == "int16" and y.dtype == "float32":
        return _wide_call(op, x, y, "an_dequantize_s16_f32", x, "DEQUANTIZE int16 -> float32")
    require_dtype(x, "int8", "uint8")
    require_dtype(y, "float32")
    if x.num_elements != y.num_elements:
        raise NotLowerable(f"input has {x.num_elements} elements, output {y.num_elements}")
    if x.dtype == "uint8":  # indexed by the byte's value
        table = [float(np.float32(scale_of(x) * (v - zero_point_of(x)))) for v in range(256)]
        function, sources = "an_dequantize_u8_f32", ("an_requantize_wide.c",)
    else:
        table = dequantize_table(scale_of(x), zero_point_of(x))
        function, sources = "an_lut_s8_f32", LUT_SOURCES
    return Step(function=function, sources=sources,
                args=(x.operand, y.operand, y.num_elements, ctx.constant("dequantize_lut", "float", table)),
                comment=f"DEQUANTIZE {x.dtype} -> float32, table of 256")
