"""ADD, SUB and MUL of int16 or float32 tensors: TFLM's reference arithmetic with broadcasting and fused
activations (an_binary_wide.c).

Called by :mod:`codegen.compiled.ops.binary` for those types (one lowering per operator name).

- int16 ADD/SUB (TFLM's ``CalculateOpDataAdd``/``Sub`` with ``left_shift`` 15 for int16 outputs): twice the
  larger input scale in double, each input's multiplier ``scale / twice_max``, the output's
  ``twice_max / (2^15 * output_scale)``, each below one as ``QuantizeMultiplierSmallerThanOneExp`` requires.
- int16 MUL: one multiplier ``s1 * s2 / s_out`` in double.
- float32: ``x1 + x2`` / ``x1 - x2`` / ``x1 * x2`` clamped to the fused activation's float range
  (``CalculateActivationRange``: NONE is [-FLT_MAX, FLT_MAX]).
"""

from __future__ import annotations

import numpy as np

from codegen.compiled.lowering import NotLowerable
from codegen.compiled.ops.common import require_requantizable, scale_of, zero_point_of
from codegen.compiled.ops.fully_connected_wide import FLOAT_ACTIVATIONS
from codegen.compiled.program import F32, Params, Step
from codegen.compiled.quantization import activation_range, quantize_multiplier

SOURCES = ("an_binary_wide.c", "an_broadcast.h")
INT16_LEFT_SHIFT = 15


def _below_one(real: float, what: str) -> tuple[int, int]:
    if not 0.0 < real < 1.0:
        raise NotLowerable(f"{what} multiplier {real:.6g} outside (0, 1) (TFLM refuses it)")
    return quantize_multiplier(real)


def lower_binary_wide(op, ctx, broadcast_shape):
    """The ``an_binary_wide.c`` step of an int16 or float32 ADD, SUB or MUL (``broadcast_shape``: the binary
    lowering's walk builder)."""
    if len(op.inputs) != 2 or len(op.outputs) != 1:
        raise NotLowerable(f"{len(op.inputs)} inputs")
    x1, x2, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.inputs[1]), ctx.tensor(op.outputs[0])
    if not (x1.dtype == x2.dtype == y.dtype):
        raise NotLowerable(f"{x1.dtype}, {x2.dtype} -> {y.dtype}")
    activation = op.options.get("fused_activation_function", "NONE")
    fields = dict(input1_offset=0, input2_offset=0, output_offset=0, left_shift=0, input1_multiplier=0,
                  input1_shift=0, input2_multiplier=0, input2_shift=0, output_multiplier=0, output_shift=0,
                  act_min=0, act_max=0, float_min=F32(0.0), float_max=F32(0.0))
    if x1.dtype == "float32":
        if activation not in FLOAT_ACTIVATIONS:
            raise NotLowerable(f"fused {activation}")
        lo, hi = FLOAT_ACTIVATIONS[activation]
        fields.update(float_min=F32(lo), float_max=F32(hi))
    elif x1.dtype == "int16":
        try:
            fields["act_min"], fields["act_max"] = activation_range(activation, scale_of(y), zero_point_of(y), "int16")
        except ValueError:
            raise NotLowerable(f"fused {activation}") from None
        s1, s2, s_out = (float(np.float32(scale_of(t))) for t in (x1, x2, y))
        fields.update(input1_offset=-zero_point_of(x1), input2_offset=-zero_point_of(x2),
                      output_offset=zero_point_of(y))
        if op.name == "MUL":
            multiplier, shift = quantize_multiplier(float(np.float64(s1) * np.float64(s2) / np.float64(s_out)))
            if shift > 30:
                raise NotLowerable("output multiplier (input scales far above the output's)")
            require_requantizable([multiplier])
            fields.update(output_multiplier=multiplier, output_shift=shift)
        else:
            twice_max = 2.0 * max(s1, s2)
            m1, sh1 = _below_one(s1 / twice_max, "input1")
            m2, sh2 = _below_one(s2 / twice_max, "input2")
            mo, sho = _below_one(twice_max / ((1 << INT16_LEFT_SHIFT) * s_out), "output")
            fields.update(left_shift=INT16_LEFT_SHIFT, input1_multiplier=m1, input1_shift=sh1, input2_multiplier=m2,
                          input2_shift=sh2, output_multiplier=mo, output_shift=sho)
    else:
        raise NotLowerable(f"{x1.dtype} tensors")
    fields["shape"] = broadcast_shape(x1, x2, y)
    suffix = "f32" if x1.dtype == "float32" else "s16"
    return Step(function=f"an_{op.name.lower()}_{suffix}", sources=SOURCES,
                args=(Params("an_binary_wide_params", fields), x1.operand, x2.operand, y.operand),
                comment=f"{op.name} {x1.dtype} {tuple(x1.shape)} {tuple(x2.shape)} -> {tuple(y.shape)}, "
                        f"activation {activation}")
