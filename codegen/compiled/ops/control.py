"""Control flow: IF and WHILE become C control flow over their subgraphs' programs.

Each subgraph is lowered by the same lowerings (the driver's ``ctx.lower_subgraph``) into steps of the one
program, with its own arena Tensors: the planner places them in the same static arena, their lifetimes read
from the program's list order like any other (the two branches of an IF may share bytes; a WHILE's loop
variables stay live through the whole loop).  Tensors pass between the operator and its subgraphs as TFLM's
interpreter passes them, by copies (``an_copy``), and the condition is read at run time:

- IF (TFLM's ``IfEval``): ``if (cond[0]) { inputs -> then inputs; then steps; then outputs -> outputs } else
  { ... }``.  An operator input that is a constant is a constant inside the branches (no copy; what the
  branch computes from it alone is folded at generation time).  A constant condition keeps one branch.
- WHILE (TFLM's ``WhileEval``, the operator's outputs are the loop variables): ``inputs -> outputs; for (;;)
  { outputs -> cond inputs; cond steps; if (!cond_out[0]) break; outputs -> body inputs; body steps;
  body outputs -> outputs }``.  A loop variable the body passes through unchanged and the operator gets as a
  constant is a constant in both subgraphs.

The operator returns a list of steps (the driver marks them ``nested``, with the operator's index: one
profile entry); the markers are steps with a ``control`` kind (codegen.compiled.program.Step).
"""

from __future__ import annotations

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.program import Constant, Step, Tensor

SOURCES = ("an_split.c",)  # an_copy


def _check_pass(what: str, src, dst) -> None:
    if src.dtype != dst.dtype or src.num_elements != dst.num_elements or any(int(d) < 0 for d in dst.shape):
        raise NotLowerable(f"{what}: {src.dtype}{list(src.shape)} passed to {dst.dtype}{list(dst.shape)}")


def _copy(src, dst, what: str) -> list:
    """The step copying TensorRef ``src`` into TensorRef ``dst`` (none when they are one buffer)."""
    _check_pass(what, src, dst)
    if src.operand is dst.operand:
        return []
    if not isinstance(dst.operand, Tensor):
        raise NotLowerable(f"{what}: the destination is a constant")
    source = src.operand
    inputs = (source,) if isinstance(source, Tensor) else ()
    if not isinstance(source, (Tensor, Constant)):
        raise NotLowerable(f"{what}: nothing to copy from")
    return [Step("an_copy", args=(dst.operand, source, dst.operand.size_bytes), sources=SOURCES,
                 inputs=inputs, outputs=(dst.operand,), comment=f"{what}: {dst.num_elements} {dst.dtype}")]


def _marker(kind: str, comment: str, condition=None, reads=()) -> Step:
    args = (condition.operand,) if condition is not None else ()
    inputs = tuple(reads) + ((condition.operand,) if condition is not None and isinstance(condition.operand, Tensor)
                             else ())
    return Step("", control=kind, args=args, inputs=inputs, comment=comment)


def _bool_scalar(ref, what: str) -> None:
    if ref.dtype != "bool" or ref.num_elements != 1:
        raise NotLowerable(f"{what} is {ref.dtype}{list(ref.shape)} (TFLM reads one bool)")


@lowering("IF")
def lower_if(op, ctx):
    if len(op.inputs) < 1:
        raise NotLowerable("no condition")
    cond = ctx.tensor(op.inputs[0])
    _bool_scalar(cond, "the condition")
    args = [ctx.tensor(i) for i in op.inputs[1:]]
    outs = [ctx.tensor(i) for i in op.outputs]
    constants = {k: a.data for k, a in enumerate(args) if a.is_constant}
    branches = []
    for key in ("then_subgraph_index", "else_subgraph_index"):
        index = int(op.options.get(key, -1))
        steps, sub_in, sub_out = ctx.lower_subgraph(index, constants)
        if len(sub_in) != len(args) or len(sub_out) != len(outs):
            raise NotLowerable(f"subgraph {index} takes {len(sub_in)} inputs and gives {len(sub_out)} outputs for "
                               f"{len(args)} and {len(outs)}")
        body = []
        for k, (a, s) in enumerate(zip(args, sub_in)):
            body += [] if k in constants else _copy(a, s, f"IF input {k + 1} -> subgraph {index}")
        body += steps
        for k, (s, o) in enumerate(zip(sub_out, outs)):
            body += _copy(s, o, f"subgraph {index} output {k} -> IF output {k}")
        branches.append((index, body))
    (then_index, then_steps), (else_index, else_steps) = branches
    if cond.is_constant:
        return then_steps if bool(cond.data.reshape(-1)[0]) else else_steps
    return ([_marker("if", f"IF: subgraph {then_index} when the condition holds", cond)] + then_steps
            + [_marker("else", f"IF: else subgraph {else_index}")] + else_steps + [_marker("end", "end of IF")])


@lowering("WHILE")
def lower_while(op, ctx):
    ins = [ctx.tensor(i) for i in op.inputs]
    outs = [ctx.tensor(i) for i in op.outputs]
    if len(ins) != len(outs):
        raise NotLowerable(f"{len(ins)} inputs and {len(outs)} outputs")
    cond_index = int(op.options.get("cond_subgraph_index", -1))
    body_index = int(op.options.get("body_subgraph_index", -1))
    if not 0 < body_index < len(ctx.model.subgraphs):
        raise NotLowerable(f"body subgraph {body_index} does not exist")
    body_sg = ctx.model.subgraphs[body_index]
    if len(body_sg.inputs) != len(ins) or len(body_sg.outputs) != len(ins):
        raise NotLowerable(f"body subgraph {body_index} takes {len(body_sg.inputs)} loop variables for {len(ins)}")
    # loop variables the body passes through unchanged, constant when the loop starts: constant throughout
    constants = {k: ins[k].data for k in range(len(ins))
                 if ins[k].is_constant and body_sg.outputs[k] == body_sg.inputs[k]}
    cond_steps, cond_in, cond_out = ctx.lower_subgraph(cond_index, constants)
    body_steps, body_in, body_out = ctx.lower_subgraph(body_index, constants)
    if len(cond_in) != len(ins) or len(cond_out) < 1:
        raise NotLowerable(f"condition subgraph {cond_index} takes {len(cond_in)} inputs for {len(ins)}")
    _bool_scalar(cond_out[0], f"the output of condition subgraph {cond_index}")
    steps = []
    for k, (a, o) in enumerate(zip(ins, outs)):
        steps += _copy(a, o, f"WHILE input {k} -> loop variable {k}")
    steps.append(_marker("loop", f"WHILE: condition subgraph {cond_index}, body subgraph {body_index}"))
    for k, (o, c) in enumerate(zip(outs, cond_in)):
        steps += [] if k in constants else _copy(o, c, f"loop variable {k} -> condition subgraph {cond_index}")
    steps += cond_steps
    steps.append(_marker("break_unless", "WHILE: leave the loop when the condition is false", cond_out[0]))
    for k, (o, b) in enumerate(zip(outs, body_in)):
        steps += [] if k in constants else _copy(o, b, f"loop variable {k} -> body subgraph {body_index}")
    steps += body_steps
    for k, (b, o) in enumerate(zip(body_out, outs)):
        if k in constants or body_sg.outputs[k] == body_sg.inputs[k]:
            continue  # passed through: the loop variable already holds it
        steps += _copy(b, o, f"body subgraph {body_index} output {k} -> loop variable {k}")
    # the loop variables are read again at the loop's top: live to its end
    steps.append(_marker("end", "end of WHILE", reads=tuple(o.operand for o in outs if isinstance(o.operand, Tensor))))
    return steps
