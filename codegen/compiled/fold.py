"""Generation-time evaluation: a pass over the typed :class:`codegen.compiled.program.Program`.

Every step that has an ``evaluate`` (its kernel's arithmetic in Python, written next to its
lowering) and whose input Tensors are all known at generation time is computed here and
removed from the program; what it wrote becomes a :class:`Constant` in flash wherever a
later step reads it.  What is known: the values earlier folded steps computed (a step that
reads no tensor values, SHAPE of a static shape, is always known).  The model's constant
tensors are already Constants in the steps' arguments, captured by the lowerings.

A *generation-time only* step (no kernel: SHAPE, int32 shape arithmetic, GATHER of constants)
that cannot be evaluated is a refusal: its reason names why (an input computed at run time).
A model output that is computed at generation time (ZEROS_LIKE, a FILL of a constant) is copied
from flash into its buffer by a step of its own (``an_copy``), as TFLM writes it every invocation.

Runs after lowering and before planning (:func:`codegen.compiled.lower.lower_model`).
"""

from __future__ import annotations

import numpy as np

from codegen.compiled.lowering import NotLowerable
from codegen.compiled.program import NUMPY_TYPES, Constant, Program, Step, Tensor



class NotConstant(Exception):
    """An input of a step is computed at run time (the message says which and why it matters)."""


def known_value(tensor: Tensor, known: dict):
    """The value of ``tensor`` if known at generation time, else raises :class:`NotConstant`."""
    try:
        return known[id(tensor)]
    except KeyError:
        raise NotConstant(f"{tensor.dtype} tensor {tensor.name!r} is computed at run time") from None


def output_copy_step(tensor: Tensor, value, producer: Step) -> Step:
    """The step writing model output ``tensor``, whose ``value`` the generator computed, from flash."""
    hint = f"folded_t{tensor.index}" if tensor.index is not None else "folded"
    return Step("an_copy", args=(tensor, Constant(hint, tensor.c_type, value), tensor.size_bytes),
                sources=("an_split.c",), outputs=(tensor,), op_index=producer.op_index, name=producer.name,
                comment=f"model output {tensor.name!r}, computed at generation time: copied from flash")


def fold_constants(program: Program) -> tuple[dict, list]:
    """Evaluate what can be evaluated; ``({tensor index: value} folded, [(step, reason)] refusals)``.

    The program is rewritten in place: folded steps removed, their outputs replaced by Constants
    in the steps that read them (arguments and data flow).
    """
    known: dict[int, np.ndarray] = {}
    tensors: dict[int, Tensor] = {}
    producers: dict[int, Step] = {}
    kept, refusals = [], []
    for step in program.steps:
        why = "cannot be evaluated"
        if step.evaluate is not None:
            try:
                values = step.evaluate(lambda t: known_value(t, known))
            except NotConstant as exc:
                values, why = None, str(exc)
            except NotLowerable as exc:  # the values are known and the operator refuses them (an index out of range)
                refusals.append((step, str(exc)))
                continue
            if values is not None:
                for t, v in zip(step.outputs, values):
                    known[id(t)] = np.asarray(v, dtype=NUMPY_TYPES[t.dtype]).reshape(t.shape)
                    tensors[id(t)] = t
                    producers[id(t)] = step
                continue
        if step.is_generation_time:
            refusals.append((step, f"{why} (no kernel: computed only at generation time)"))
            continue
        kept.append(step)
    constants: dict[int, Constant] = {}
    for step in kept:
        for t in [t for t in step.inputs if id(t) in known]:
            c = constants.get(id(t))
            if c is None:
                hint = f"folded_t{t.index}" if t.index is not None else "folded"
                c = constants[id(t)] = Constant(hint, t.c_type, known[id(t)])
            step.replace_arg(t, c)
            step.inputs = tuple(i for i in step.inputs if i is not t)
            if step.output_aliases is t:  # a view of a folded value that was not itself folded
                refusals.append((step, f"a view of {t.name!r}, computed at generation time"))
    for t in program.outputs:
        if id(t) in known and not any(t is o for s in kept for o in s.outputs):
            kept.append(output_copy_step(t, known[id(t)], producers[id(t)]))
    program.steps = kept
    # (a model output stays an arena tensor in the driver's next round: its copy step writes it)
    folded = {t.index: known[key] for key, t in tensors.items()
              if t.index is not None and not any(t is o for o in program.outputs)}
    return folded, refusals
