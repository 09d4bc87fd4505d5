"""BATCH_MATMUL: TFLM's reference ``BatchMatMul`` (int8, int16 with zero points 0, float32; adj_x, adj_y;
batch dimensions broadcast), one kernel call (an_batch_matmul.c).

TFLM's prepare, computed here: both inputs and the output of one type, ranks 2..5, batch dimensions equal or
1, the summed dimensions equal; the integer output multiplier from ``GetQuantizedConvolutionMultipler``
without bias (``(double)(lhs_scale * rhs_scale)``, the product in float32, divided by the output scale in
double), the output clamped to the type's range (BATCH_MATMUL has no fused activation).  TFLM transposes
operands into buffers of its own before multiplying; the kernel reads them in place through strides, which
adds the same integer products (float32: the same products summed in the same order, from 0).
"""

from __future__ import annotations

import numpy as np

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.ops.common import one_value, require_requantizable, value_of_input
from codegen.compiled.ops.fixedpoint import multiply_by_quantized_multiplier
from codegen.compiled.program import Params, Step
from codegen.compiled.quantization import quantize_multiplier

SUFFIX = {"int8": "s8", "int16": "s16", "float32": "f32"}
RANGES = {"int8": (-128, 127), "int16": (-32768, 32767)}


def _strides(shape) -> list[int]:
    out, step = [0] * len(shape), 1
    for d in range(len(shape) - 1, -1, -1):
        out[d] = step
        step *= int(shape[d])
    return out


def matmul_reference(a, b, adj_x, adj_y):
    """The product's value (int64 or float64 before requantization) for generation-time evaluation."""
    a = np.swapaxes(a, -1, -2) if adj_x else a
    b = np.swapaxes(b, -1, -2) if adj_y else b
    return np.matmul(a, b)


@lowering("BATCH_MATMUL")
def lower_batch_matmul(op, ctx):
    if len(op.inputs) != 2 or len(op.outputs) != 1:
        raise NotLowerable(f"{len(op.inputs)} inputs")
    x, w, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.inputs[1]), ctx.tensor(op.outputs[0])
    if not x.dtype == w.dtype == y.dtype or y.dtype not in SUFFIX:
        raise NotLowerable(f"{x.dtype} x {w.dtype} -> {y.dtype} (TFLM takes int8, int16 or float32 throughout)")
    if not (2 <= len(x.shape) <= 5 and 2 <= len(w.shape) <= 5):
        raise NotLowerable(f"ranks {len(x.shape)} and {len(w.shape)} (TFLM takes 2..5)")
    adj_x, adj_y = bool(op.options.get("adj_x", False)), bool(op.options.get("adj_y", False))
    rank = max(len(x.shape), len(w.shape))
    xs = [1] * (5 - len(x.shape)) + list(x.shape)
    ws = [1] * (5 - len(w.shape)) + list(w.shape)
    batches = []
    for d in range(3):
        if xs[d] != ws[d] and 1 not in (xs[d], ws[d]):
            raise NotLowerable(f"batch dimensions {tuple(x.shape[:-2])} and {tuple(w.shape[:-2])} do not broadcast")
        batches.append(max(xs[d], ws[d]))
    rows, depth = (xs[4], xs[3]) if adj_x else (xs[3], xs[4])
    depth_w, cols = (ws[4], ws[3]) if adj_y else (ws[3], ws[4])
    if depth != depth_w:
        raise NotLowerable(f"summed dimensions {depth} and {depth_w} differ")
    want = tuple(batches[3 - (rank - 2):]) + (rows, cols) if rank > 2 else (rows, cols)
    if tuple(y.shape) != want:
        raise NotLowerable(f"output {tuple(y.shape)} is not {want}")
    sx, sw = _strides(xs), _strides(ws)
    lhs_batch = [sx[d] if xs[d] != 1 else 0 for d in range(3)]
    rhs_batch = [sw[d] if ws[d] != 1 else 0 for d in range(3)]
    lhs_row, lhs_depth = (1, xs[4]) if adj_x else (xs[4], 1)
    rhs_depth, rhs_col = (1, ws[4]) if adj_y else (ws[4], 1)
    fields = {"batches": tuple(batches), "lhs_batch_step": tuple(lhs_batch), "rhs_batch_step": tuple(rhs_batch),
              "rows": rows, "cols": cols, "depth": depth, "lhs_row_step": lhs_row, "lhs_depth_step": lhs_depth,
              "rhs_depth_step": rhs_depth, "rhs_col_step": rhs_col}
    if y.dtype == "float32":
        fields.update(lhs_offset=0, rhs_offset=0, output_offset=0, output_multiplier=0, output_shift=0,
                      activation_min=0, activation_max=0)
    else:
        sx_, sw_, so_ = (float(one_value(t.scale, f"tensor {t.name!r}")) for t in (x, w, y))
        zx, zw, zo = (int(t.zero_point[0]) if t.zero_point else 0 for t in (x, w, y))
        if len(x.scale) != 1 or len(w.scale) != 1 or len(y.scale) != 1:
            raise NotLowerable("per-channel quantization (TFLM's BATCH_MATMUL reads one scale)")
        if y.dtype == "int16" and (zx, zw, zo) != (0, 0, 0):
            raise NotLowerable("int16 tensors with a zero point (TFLM requires 0)")
        real = float(np.float32(sx_) * np.float32(sw_)) / so_
        multiplier, shift = quantize_multiplier(real)
        require_requantizable([multiplier])
        lo, hi = RANGES[y.dtype]
        fields.update(lhs_offset=-zx, rhs_offset=-zw, output_offset=zo, output_multiplier=multiplier,
                      output_shift=shift, activation_min=lo, activation_max=hi)

    def evaluate(value_of):  # int8 (two constants: folded): the kernel's integer arithmetic
        a = np.asarray(value_of_input(x, value_of)).reshape(x.shape)
        b = np.asarray(value_of_input(w, value_of)).reshape(w.shape)
        prod = matmul_reference(a.astype(np.int64) + fields["lhs_offset"], b.astype(np.int64) + fields["rhs_offset"],
                                adj_x, adj_y)
        q = np.vectorize(lambda v: multiply_by_quantized_multiplier(int(v), fields["output_multiplier"],
                                                                    fields["output_shift"]))(prod)
        return [np.clip(q + fields["output_offset"], *RANGES[y.dtype]).reshape(y.shape)]

    comment = (f"BATCH_MATMUL {y.dtype} {tuple(x.shape)}{' (adj_x)' if adj_x else ''} x {tuple(w.shape)}"
               f"{' (adj_y)' if adj_y else ''} -> {tuple(y.shape)}")
    return Step(function=f"an_batch_matmul_{SUFFIX[y.dtype]}", sources=("an_batch_matmul.c",),
                args=(Params("an_batch_matmul_params", fields), x.operand, w.operand, y.operand),
                macs=int(np.prod(batches)) * rows * cols * depth, comment=comment,
                evaluate=evaluate if y.dtype == "int8" else None)
