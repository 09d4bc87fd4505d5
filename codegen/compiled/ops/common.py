"""Checks and generation-time arithmetic shared by the element-wise and data-movement lowerings.

Not a lowering itself (it registers nothing).  float32 arithmetic that TFLM performs in
``float`` is done here in NumPy float32, so the rounding of every intermediate matches.
"""

from __future__ import annotations

import math

import numpy as np

from codegen.compiled.lowering import NotLowerable, TensorRef
from codegen.compiled.quantization import activation_range, round_half_away

INT8_MIN, INT8_MAX = -128, 127
# The one int32 multiplier an_requantize (an_common.h) does not take: TFLM's QuantizeMultiplier gives
# it only for a negative real multiplier within 2^-32 of minus a power of two, and TFLM's
# MultiplyByQuantizedMultiplier saturates on it where an_requantize would not.
UNREQUANTIZABLE_MULTIPLIER = -(2**31)


def f32(x) -> np.float32:
    return np.float32(x)


def scale_of(t: TensorRef) -> float:
    """The per-tensor scale (a float32 value as a Python float); refuses per-channel/none."""
    if len(t.scale) != 1:
        what = "no quantization" if not t.scale else "per-channel quantization"
        raise NotLowerable(f"tensor {t.name!r} has {what}")
    return float(t.scale[0])


def one_value(values, what: str):
    """The first of a tensor's quantization values (scale or zero point); refuses an unquantized tensor."""
    if not values:
        raise NotLowerable(f"{what} is not quantized")
    return values[0]


def padded_ints(values, length: int) -> tuple:
    """An int array field of a parameter struct: ``values`` zero-padded to ``length``."""
    return tuple(int(v) for v in values) + (0,) * (length - len(values))


def zero_point_of(t: TensorRef) -> int:
    return int(t.zero_point[0]) if t.zero_point else 0


def require_dtype(t: TensorRef, *dtypes: str) -> None:
    if t.dtype not in dtypes:
        raise NotLowerable(f"{t.dtype} tensor {t.name!r} (kernel takes {'/'.join(dtypes)})")


def require_int8(*tensors: TensorRef) -> None:
    for t in tensors:
        require_dtype(t, "int8")
        scale_of(t)


def constant_ints(t: TensorRef | None, what: str) -> list[int]:
    """The values of a constant int32 tensor (begin/end/strides/axis/paddings/size).

    TFLM's kernels read these as int32 (and check it for axis and size); int64 is refused.
    """
    if t is None or not t.is_constant:
        raise NotLowerable(f"non-constant {what} tensor")
    if t.dtype != "int32":
        raise NotLowerable(f"{t.dtype} {what} tensor (TFLM reads int32)")
    return [int(v) for v in np.asarray(t.data).reshape(-1)]


def float_to_quantized_int(value: float, scale: float, zero_point: int) -> int:
    """TFLM's ``zero_point + (int32)TfLiteRound(value / scale)`` with float32 division."""
    q = float(f32(value) / f32(scale))
    if not math.isfinite(q) or abs(q) >= 2.0 ** 31:
        raise NotLowerable(f"{value} does not fit int32 at scale {scale!r}")
    return zero_point + round_half_away(q)


def fused_activation_range(activation: str, output: TensorRef) -> tuple[int, int]:
    """TFLM's activation range of an int8 output (:func:`codegen.compiled.quantization.activation_range`).

    TFLM quietly ignores a fused TANH/SIGN_BIT in its int8 kernels; the compiled runtime
    refuses them instead of reproducing a result that is not what the model says.
    """
    try:
        return activation_range(activation, scale_of(output), zero_point_of(output), "int8")
    except ValueError:
        raise NotLowerable(f"fused {activation}") from None


def byte_table(function) -> list[int]:
    """``function(v)`` for every int8 ``v``, in the order the kernels index: ``table[(uint8_t)v]``."""
    return [function(i - 256 if i >= 128 else i) for i in range(256)]


def clamp(x: int, lo: int, hi: int) -> int:
    return lo if x < lo else hi if x > hi else x


def require_requantizable(multipliers, what: str = "output"):
    """NotLowerable if a multiplier a kernel hands to an_requantize is :data:`UNREQUANTIZABLE_MULTIPLIER`."""
    if any(int(m) == UNREQUANTIZABLE_MULTIPLIER for m in multipliers):
        raise NotLowerable(f"{what} multiplier -2^31 (a negative scale within 2^-32 of a power of two)")


def value_of_input(ref: TensorRef, value_of):
    """An operator input's value for a step's ``evaluate``: the constant's data, else the value the fold
    pass knows for its Tensor (``value_of`` raises codegen.compiled.fold.NotConstant when it is computed
    at run time)."""
    if ref.is_constant:
        return np.asarray(ref.data).reshape(ref.shape)
    return value_of(ref.operand)


def walk_indices(start: int, counts, steps) -> np.ndarray:
    """The flat input index of every output element, in order, of a copy walk ``input[start + sum_d i_d *
    steps[d]]`` (STRIDED_SLICE, TRANSPOSE): the arithmetic an_strided_slice_* performs, for evaluation."""
    index = np.array([start], dtype=np.int64)
    for count, step in zip(counts, steps):
        index = (index[:, None] + np.arange(count, dtype=np.int64)[None, :] * step).reshape(-1)
    return index
