"""RELU and RELU6 of int16 or float32 tensors (an_relu_wide.c), as TFLM's activation kernels compute them.

Called by :mod:`codegen.compiled.ops.lut` for those types.  int16 RELU: TFLM's ``CalculateReluOpData``
(multiplier of ``input_scale / output_scale`` in float32, then double; the lower bound
``output_zp + round(0 / output_scale)``); int16 RELU6: TFLM's ``zero`` (the input zero point) and ``six``
(``FloatToQuantizedType<int16_t>(6)``, refused outside int16 as TFLM refuses it).  float32: no parameters.
"""

from __future__ import annotations

from codegen.compiled.lowering import NotLowerable
from codegen.compiled.ops.common import f32, float_to_quantized_int, require_requantizable, scale_of, zero_point_of
from codegen.compiled.program import Params, Step
from codegen.compiled.quantization import quantize_multiplier, round_half_away


def lower_relu_wide(op, ctx):
    x, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    if x.dtype != y.dtype or x.dtype not in ("int16", "float32") or x.num_elements != y.num_elements:
        raise NotLowerable(f"{x.dtype} -> {y.dtype}")
    fields = dict(size=x.num_elements, input_offset=0, output_offset=0, multiplier=0, shift=0, act_min=0, act_max=0)
    if x.dtype == "int16":
        if op.name == "RELU":
            multiplier, shift = quantize_multiplier(float(f32(scale_of(x)) / f32(scale_of(y))))
            require_requantizable([multiplier])
            lo = max(-32768, zero_point_of(y) + round_half_away(float(f32(0.0) / f32(scale_of(y)))))
            fields.update(input_offset=zero_point_of(x), output_offset=zero_point_of(y), multiplier=multiplier,
                          shift=shift, act_min=lo, act_max=32767)
        else:
            six = float_to_quantized_int(6.0, scale_of(x), zero_point_of(x))
            if not -32768 <= six <= 32767:
                raise NotLowerable(f"six on the input's scale ({six}) outside int16 (TFLM refuses it)")
            fields.update(act_min=zero_point_of(x), act_max=six)
    suffix = "f32" if x.dtype == "float32" else "s16"
    return Step(function=f"an_{op.name.lower()}_{suffix}", sources=("an_relu_wide.c",),
                args=(Params("an_relu_wide_params", fields), x.operand, y.operand),
                comment=f"{op.name} {x.dtype} {tuple(x.shape)}")
