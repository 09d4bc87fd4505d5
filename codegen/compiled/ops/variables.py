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
from flatbuffers import flexbuffers

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


#: Output slot counts for which TFLM's CircularBufferPrepare picks cycles_max 1 when the options give none.
CIRCULAR_BUFFER_ONE_CYCLE_SLOTS = (5, 13, 25)


def _circular_buffer_cycles(op, slots: int, inner: tuple) -> int:
    """TFLM's cycles_max: the flexbuffer map's ``cycles_max`` (CircularBufferInit reads element 0), or, with no
    options (or a value <= 0), CircularBufferPrepare's choice from the output's shape."""
    cycles = 0
    if op.custom_options:
        try:
            options = flexbuffers.Loads(bytes(op.custom_options))
        except Exception as exc:  # noqa: BLE001 - any decoding failure is the model's
            raise NotLowerable(f"its options are not a flexbuffer map ({type(exc).__name__})") from None
        if not isinstance(options, dict) or sorted(options) != ["cycles_max"] or \
                isinstance(options["cycles_max"], bool) or not isinstance(options["cycles_max"], int):
            raise NotLowerable(f"options {options!r} (TFLM's kernel reads one integer 'cycles_max')")
        cycles = int(options["cycles_max"])
    if cycles > 0:
        return cycles
    if slots in CIRCULAR_BUFFER_ONE_CYCLE_SLOTS:
        return 1
    if inner == (2, 96):  # TFLM decides by a process-wide count of the buffers it prepared before
        raise NotLowerable("no cycles_max option and an output [1, N, 2, 96]: TFLM's choice depends on how many "
                           "circular buffers the process prepared before")
    return 2


@lowering("CIRCULAR_BUFFER", custom=True)
def lower_circular_buffer(op, ctx):
    """CIRCULAR_BUFFER (TFLM's circular_buffer.cc: micro_speech-style streaming convolutions): each invocation
    shifts the [1, slots, H, W] buffer by one slot and appends the [1, 1, H, W] input.  The buffer lives in the
    static state area (TFLM keeps it in the output tensor; model_reset() leaves it, as TFLM's Reset does, but
    restarts the cycle count).  With cycles_max > 1 only every cycles_max-th invocation runs on: on the others
    the model's invoke returns 1 after this operator (TFLM's kTfLiteAbort) and the outputs are not updated."""
    if len(op.inputs) != 1 or len(op.outputs) != 1:
        raise NotLowerable(f"{len(op.inputs)} inputs and {len(op.outputs)} outputs (TFLM's kernel takes 1 and 1)")
    x, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    if x.dtype != "int8" or y.dtype != "int8":
        raise NotLowerable(f"{x.dtype} -> {y.dtype} (TFLM's kernel runs int8 only)")
    if len(x.shape) != 4 or len(y.shape) != 4 or int(x.shape[0]) != 1 or int(y.shape[0]) != 1 \
            or int(x.shape[1]) != 1 or tuple(x.shape[2:]) != tuple(y.shape[2:]) or int(y.shape[1]) < 1:
        raise NotLowerable(f"input {list(x.shape)} and output {list(y.shape)} (TFLM's kernel takes [1, 1, H, W] "
                           f"-> [1, slots, H, W])")
    if not isinstance(x.operand, Tensor) or not isinstance(y.operand, Tensor):
        raise NotLowerable("a constant input or output (the buffer is filled at run time)")
    slots, inner = int(y.shape[1]), (int(y.shape[2]), int(y.shape[3]))
    depth = inner[0] * inner[1]
    cycles = _circular_buffer_cycles(op, slots, inner)
    buffer = Tensor(None, f"op{op.index} circular buffer", "int8", (slots, depth), state=True, reset_byte=None)
    count = Tensor(None, f"op{op.index} circular buffer cycle count", "int32", (1,), state=True, reset_byte=0)
    run = Tensor(None, f"op{op.index} circular buffer runs on", "bool", (1,))
    step = Step("an_circular_buffer_s8", sources=("an_variables.c",),
                args=(x.operand, slots, depth, cycles, buffer, count, run, y.operand),
                inputs=(x.operand, buffer, count), outputs=(buffer, count, run, y.operand),
                comment=f"CIRCULAR_BUFFER of {slots} slots of {depth} (state area), every {cycles} invocation(s)")
    if cycles == 1:  # runs on every time: no abort to emit
        return [step]
    return [step, Step("", control="return_unless", args=(run,), inputs=(run,),
                       comment=f"CIRCULAR_BUFFER: the invocation ends here but every {cycles}th (TFLM's "
                               "kTfLiteAbort; invoke returns 1)")]
