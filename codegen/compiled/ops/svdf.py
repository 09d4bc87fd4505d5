"""SVDF -> ``an_svdf_s8_s16`` / ``an_svdf_s8_s8`` (int8, time dimension int16 or int8) and ``an_svdf_f32``
(firmware_template/compiled/kernels/an_svdf*.c), TFLM's reference SVDF (svdf_common.cc).

Inputs: input [batches, input_size], weights_feature [filters, input_size], weights_time
[filters, memory], bias [units] (optional), activation_state [batches, memory * filters] (a variable
tensor: the program's state area, kept between invocations; the kernel shifts it and writes the
newest column).  TFLM's integer arithmetic (PrepareSvdf)::

    state = clamp_T(MultiplyByQuantizedMultiplier(sum_c wf[f][c] * (x[c] - x_zp), M1) + state_zp)
    out   = clamp_int8(MultiplyByQuantizedMultiplier(bias[u] + sum_r sum_j wt * (state - state_zp), M2) + out_zp)

with M1 = input_scale * wf_scale / state_scale and M2 = state_scale * wt_scale / output_scale formed
in float32 (TFLM's float arithmetic on the tensors' float scales) and widened to double.  The integer
kernel applies no fused activation (TFLM's neither); the float kernel applies TFLM's
ActivationValFloat (NONE, RELU, RELU_N1_TO_1, RELU6).
"""

from __future__ import annotations

import numpy as np

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.ops.common import one_value, require_requantizable
from codegen.compiled.program import Params, Scratch, Step, Tensor
from codegen.compiled.quantization import quantize_multiplier

FLOAT_ACTIVATIONS = {"NONE": 0, "RELU": 1, "RELU_N1_TO_1": 2, "RELU6": 3}


def _float_scale(a, b, c) -> float:
    """``a * b / c`` in float32 (TFLM's PrepareSvdf multiplies the tensors' float scales), widened to double."""
    return float(np.float32(np.float32(a) * np.float32(b)) / np.float32(c))


@lowering("SVDF")
def lower_svdf(op, ctx):
    if len(op.inputs) != 5:
        raise NotLowerable(f"{len(op.inputs)} inputs (5 expected)")
    x = ctx.tensor(op.inputs[0])
    wf, wt = ctx.tensor(op.inputs[1]), ctx.tensor(op.inputs[2])
    bias = ctx.optional_tensor(op.inputs[3])
    state = ctx.tensor(op.inputs[4])
    y = ctx.tensor(op.outputs[0])
    if not (isinstance(state.operand, Tensor) and state.operand.state):
        raise NotLowerable("its activation state is not a variable tensor")
    if not wf.is_constant or not wt.is_constant or (bias is not None and not bias.is_constant):
        raise NotLowerable("weights computed at run time")
    if len(x.shape) != 2 or len(wf.shape) != 2 or len(wt.shape) != 2 or len(y.shape) != 2:
        raise NotLowerable("input, weights and output must be 2-D")
    rank = int(op.options.get("rank", 1))
    batches, input_size = (int(d) for d in x.shape)
    filters, memory = int(wf.shape[0]), int(wt.shape[1])
    if rank < 1 or filters % rank or int(wf.shape[1]) != input_size or int(wt.shape[0]) != filters:
        raise NotLowerable(f"weights {wf.shape} / {wt.shape} do not match input {x.shape} and rank {rank}")
    units = filters // rank
    if tuple(y.shape) != (batches, units) or state.num_elements != batches * memory * filters:
        raise NotLowerable(f"output {y.shape} or state {state.shape} does not match the weights")
    if bias is not None and bias.num_elements != units:
        raise NotLowerable(f"bias of {bias.num_elements} values for {units} units")
    activation = op.options.get("fused_activation_function", "NONE")
    dims = {"batches": batches, "input_size": input_size, "filters": filters, "units": units, "rank": rank,
            "memory": memory}
    comment = f"SVDF {x.shape} rank {rank}, {filters} filters, memory {memory} -> {y.shape}"
    macs = batches * filters * (input_size + memory)

    if x.dtype == "float32":
        if not all(t.dtype == "float32" for t in (wf, wt, state, y, *([bias] if bias else []))):
            raise NotLowerable("float32 input with non-float32 weights, state or output")
        if activation not in FLOAT_ACTIVATIONS:
            raise NotLowerable(f"fused {activation}")
        params = Params("an_svdf_f32_params", {**dims, "activation": FLOAT_ACTIVATIONS[activation]})
        return Step("an_svdf_f32", sources=("an_svdf_f32.c",),
                    args=(params, x.operand, wf.operand, wt.operand, bias.operand if bias else None, state.operand,
                          Scratch(batches * filters * 4), y.operand),
                    comment=f"{comment}, float32, {activation}", macs=macs)

    if x.dtype != "int8" or wf.dtype != "int8" or y.dtype != "int8":
        raise NotLowerable(f"{x.dtype} input, {wf.dtype} feature weights, {y.dtype} output "
                           "(int8 or float32 only)")
    if wt.dtype not in ("int16", "int8") or state.dtype != wt.dtype:
        raise NotLowerable(f"{wt.dtype} time weights with {state.dtype} state (int16 or int8, the same)")
    if bias is not None and bias.dtype != "int32":
        raise NotLowerable(f"{bias.dtype} bias (int32 only)")
    x_scale, wf_scale = one_value(x.scale, "input"), one_value(wf.scale, "feature weights")
    s_scale, wt_scale = one_value(state.scale, "state"), one_value(wt.scale, "time weights")
    y_scale = one_value(y.scale, "output")
    m1, shift1 = quantize_multiplier(_float_scale(x_scale, wf_scale, s_scale))
    m2, shift2 = quantize_multiplier(_float_scale(s_scale, wt_scale, y_scale))
    require_requantizable([m1, m2])
    params = Params("an_svdf_params", {
        **dims,
        "input_zero_point": int(one_value(x.zero_point or (0,), "input")),
        "state_zero_point": int(one_value(state.zero_point or (0,), "state")),
        "output_zero_point": int(one_value(y.zero_point or (0,), "output")),
        "multiplier1": m1, "shift1": shift1, "multiplier2": m2, "shift2": shift2})
    function = "an_svdf_s8_s16" if wt.dtype == "int16" else "an_svdf_s8_s8"
    return Step(function, sources=("an_svdf.c",),
                args=(params, x.operand, wf.operand, wt.operand, bias.operand if bias else None, state.operand,
                      Scratch(batches * (filters + units) * 4), y.operand),
                comment=f"{comment}, int8 with {wt.dtype} state", macs=macs)
