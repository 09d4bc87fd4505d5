"""Resource variables (streaming models' state): VAR_HANDLE, READ_VARIABLE, ASSIGN_VARIABLE, and CALL_ONCE (its
init subgraph run at the first invocation).

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


def _value(ctx, index, variable, constant_allowed=False):
    value = ctx.tensor(index)
    if not isinstance(value.operand, Constant if constant_allowed and value.is_constant else Tensor):
        raise NotLowerable("a constant read into (no kernel writes a constant)")
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
    x = _value(ctx, op.inputs[1], variable, constant_allowed=True)  # a constant: copied from flash
    return Step("memcpy", args=(variable, x.operand, variable.size_bytes),
                comment=f"ASSIGN_VARIABLE {x.shape} -> {variable.name}")


def _assigns_constants_only(sg) -> bool:
    return all(o.name == "VAR_HANDLE" or o.name == "ASSIGN_VARIABLE" and len(o.inputs) == 2
               and sg.tensor(o.inputs[1]).is_constant for o in sg.operators)


@lowering("CALL_ONCE")
def lower_call_once(op, ctx):
    """CALL_ONCE: its init subgraph runs at the first invocation only.  As TFLM (call_once.cc keeps ``has_run`` in
    its op data, which MicroInterpreter::Reset does not reset), model_reset() sets the variables to their default
    values and the initializer does not run again.

    An init subgraph that assigns constants to resource variables (what the TFLite converter makes of variable
    initializers) is one call copying them; any other is lowered as a control-flow subgraph (its operators by
    their lowerings, its constants folded) inside ``if (first invocation) { ... }``."""
    index = int(op.options.get("init_subgraph_index", -1))
    if not 0 < index < len(ctx.model.subgraphs):
        raise NotLowerable(f"init subgraph {index} does not exist")
    sg = ctx.model.subgraphs[index]
    if sg.inputs or sg.outputs:
        raise NotLowerable(f"init subgraph {index} has inputs or outputs")
    flag = Tensor(None, f"CALL_ONCE {op.index} has run", "uint8", (1,), state=True, reset_byte=None)
    if not _assigns_constants_only(sg):
        steps, _, _ = ctx.lower_subgraph(index)  # NotLowerable names every operator it cannot run
        first = Tensor(None, f"CALL_ONCE {op.index} runs now", "bool", (1,))
        return [Step("an_call_once_begin", sources=("an_variables.c",), args=(flag, first), inputs=(flag,),
                     outputs=(flag, first), comment="CALL_ONCE: is this the first invocation?"),
                Step("", control="if", args=(first,), inputs=(first,),
                     comment=f"CALL_ONCE: init subgraph {index} at the first invocation"),
                *steps, Step("", control="end", comment=f"end of CALL_ONCE {op.index}")]
    variables, values = [], []
    for o in sg.operators:
        if o.name == "VAR_HANDLE":
            continue
        variable = ctx.resource_variable(o.inputs[0], sg)
        value = sg.tensor(o.inputs[1])
        data = np.frombuffer(ctx.model.buffers[value.buffer].data or b"", dtype=NUMPY_TYPES[value.dtype])
        if value.dtype != variable.dtype or data.size != variable.num_elements:
            raise NotLowerable(f"init subgraph {index} assigns {value.dtype} {list(value.shape)} to a "
                               f"{variable.dtype} {list(variable.shape)} variable")
        variables.append(variable)
        values.append(Constant(f"init_{variable.name}", variable.c_type, data))
    ctx.__dict__.setdefault("_handled_subgraphs", set()).add(index)
    sizes = Constant(f"op{op.index}_init_bytes", "uint32_t", [v.size_bytes for v in variables])
    return Step("an_call_once_assign", sources=("an_variables.c",),
                args=(flag, len(variables), PointerArray("void* const", tuple(variables)),
                      PointerArray("const void* const", tuple(values)), sizes),
                comment=f"CALL_ONCE subgraph {index}: {len(variables)} variable(s) initialised at the first invocation")
