"""Resource variables (streaming models' state): VAR_HANDLE, READ_VARIABLE, ASSIGN_VARIABLE, and CALL_ONCE
when its init subgraph assigns constants to them.

Each variable (one per container and shared name) is a state Tensor the program makes
(:meth:`codegen.compiled.lower.ModelLoweringContext.resource_variable`): in the state area, kept between
invocations, set by model_reset() to TFLM's default value (MicroResourceVariables::ResetAll).
VAR_HANDLE costs nothing (the variable is known at generation time); READ_VARIABLE and ASSIGN_VARIABLE
copy its bytes (memcpy, as TFLM's Read/Assign).
"""

from __future__ import annotations

import numpy as np

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.program import NUMPY_TYPES, Constant, PointerArray, Step, Tensor


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


@lowering("CALL_ONCE")
def lower_call_once(op, ctx):
    """CALL_ONCE whose init subgraph assigns constants to resource variables (what the TFLite converter makes of
    variable initializers): one call that copies the constants into the variables at the first invocation.
    As TFLM (call_once.cc keeps ``has_run`` in its op data, which MicroInterpreter::Reset does not reset),
    model_reset() sets the variables to their default values and the initializer does not run again."""
    index = int(op.options.get("init_subgraph_index", -1))
    if not 0 < index < len(ctx.model.subgraphs):
        raise NotLowerable(f"init subgraph {index} does not exist")
    sg = ctx.model.subgraphs[index]
    if sg.inputs or sg.outputs:
        raise NotLowerable(f"init subgraph {index} has inputs or outputs")
    variables, values = [], []
    for o in sg.operators:
        if o.name == "VAR_HANDLE":
            continue
        if o.name != "ASSIGN_VARIABLE" or len(o.inputs) != 2:
            raise NotLowerable(f"init subgraph {index} runs {o.display_name} (only assignments of constants to "
                               "variables are compiled)")
        variable = ctx.resource_variable(o.inputs[0], sg)
        value = sg.tensor(o.inputs[1])
        if not value.is_constant:
            raise NotLowerable(f"init subgraph {index} assigns a computed value")
        data = np.frombuffer(ctx.model.buffers[value.buffer].data or b"", dtype=NUMPY_TYPES[value.dtype])
        if value.dtype != variable.dtype or data.size != variable.num_elements:
            raise NotLowerable(f"init subgraph {index} assigns {value.dtype} {list(value.shape)} to a "
                               f"{variable.dtype} {list(variable.shape)} variable")
        variables.append(variable)
        values.append(Constant(f"init_{variable.name}", variable.c_type, data))
    flag = Tensor(None, f"CALL_ONCE {op.index} has run", "uint8", (1,), state=True, reset_byte=None)
    ctx.__dict__.setdefault("_handled_subgraphs", set()).add(index)
    sizes = Constant(f"op{op.index}_init_bytes", "uint32_t", [v.size_bytes for v in variables])
    return Step("an_call_once_assign", sources=("an_variables.c",),
                args=(flag, len(variables), PointerArray("void* const", tuple(variables)),
                      PointerArray("const void* const", tuple(values)), sizes),
                comment=f"CALL_ONCE subgraph {index}: {len(variables)} variable(s) initialised at the first invocation")
