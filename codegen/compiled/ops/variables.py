"""Resource variables (streaming models' state): VAR_HANDLE, READ_VARIABLE, ASSIGN_VARIABLE.

Each variable (one per container and shared name) is a state Tensor the program makes
(:meth:`codegen.compiled.lower.ModelLoweringContext.resource_variable`): in the state area, kept between
invocations, set by model_reset() to TFLM's default value (MicroResourceVariables::ResetAll).
VAR_HANDLE costs nothing (the variable is known at generation time); READ_VARIABLE and ASSIGN_VARIABLE
copy its bytes (memcpy, as TFLM's Read/Assign).
"""

from __future__ import annotations

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.program import Step, Tensor


@lowering("VAR_HANDLE")
def lower_var_handle(op, ctx):
    ctx.resource_variable(op.outputs[0])  # refuses a variable nothing in the main subgraph assigns
    return Step("", comment=f"VAR_HANDLE {op.options.get('shared_name')!r}: the variable is static state")


def _value(ctx, index, variable):
    value = ctx.tensor(index)
    if not isinstance(value.operand, Tensor):
        raise NotLowerable("a constant value (no kernel copies a constant into a variable)")
    if value.dtype != variable.dtype or value.num_elements != variable.num_elements:
        raise NotLowerable(f"{value.dtype} {value.shape} value for a {variable.dtype} {list(variable.shape)} variable")
    return value


@lowering("READ_VARIABLE")
def lower_read_variable(op, ctx):
    variable = ctx.resource_variable(op.inputs[0])
    y = _value(ctx, op.outputs[0], variable)
    return Step("memcpy", args=(y.operand, variable, variable.size_bytes),
                comment=f"READ_VARIABLE {variable.name} -> {y.shape}")


@lowering("ASSIGN_VARIABLE")
def lower_assign_variable(op, ctx):
    variable = ctx.resource_variable(op.inputs[0])
    x = _value(ctx, op.inputs[1], variable)
    return Step("memcpy", args=(variable, x.operand, variable.size_bytes),
                comment=f"ASSIGN_VARIABLE {x.shape} -> {variable.name}")
