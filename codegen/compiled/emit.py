"""Emission: a planned :class:`codegen.compiled.program.Program` -> the C of one model.

The one emitter.  It walks the typed program and names what C needs named (:class:`CNames`),
renders each operand as C (:func:`c_argument`, :func:`c_initializer`, :func:`c_array_lines`:
the only place that writes C literals) and fills the Jinja templates of
``firmware_template/compiled/model``: ``model.c`` (the arena, one ``static const``
parameter struct per Params operand and a straight-line ``model_invoke()``), ``model_data.c``
and ``.h`` (the Constants some step uses, in flash), ``model.h`` (the C API of the TFLM
project's model.h); plus the kernel library files the steps name.  Nothing reads the
generated C back: the constants in use are the steps' Constant operands.

Names: a model tensor is ``AN_T<index>`` (a typed pointer into the arena, one macro per
planned Tensor), a buffer the program made is ``AN_B<n>``; a Constant of the model's tensor
``i`` is ``an_const_t<i>``, any other ``an_<hint>`` made unique in first-use order (``_2``,
``_3``, ...); a step's parameter struct is ``an_params_<key>`` and its scratch
``AN_SCRATCH<key>``, where the key is its operator index (``<index>_<n>`` when an operator
has several steps).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from attendnets_base import __version__
from attendnets_base.errors import BadInputError
from codegen.compiled.arena_plan import aligned
from codegen.compiled.lowering import linked_function
from codegen.compiled.plan import plan_memory
from codegen.compiled.program import F32, Constant, Params, PointerArray, Program, Scratch, Tensor, TensorSlice
from codegen.context import c_float, c_string
from codegen.templates import render as render_template
from firmware_template import COMPILED_MODEL_DIR, KERNELS_DIR

KERNEL_DIR = KERNELS_DIR
KERNEL_COMMON = ("an_common.h",)
MODEL_TEMPLATES = ("model.h.j2", "model.c.j2", "model_data.c.j2", "model_data.h.j2")
VALUES_PER_LINE = 16


@dataclass
class CompiledModel:
    """The C of one model and the facts about it (every figure exact, from the planned program)."""

    files: dict  # relative path (under the project's src/) -> text
    kernel_sources: tuple  # kernel library .c files used
    arena_bytes: int  # the static arena, exact: activations + kernel scratch as planned
    largest_scratch_bytes: int  # the largest kernel scratch of one step (inside the arena)
    constants_bytes: int  # const arrays in flash (weights, biases, requantization; parameter structs not counted)
    program: Program  # the planned program the files were emitted from
    inputs: list  # codegen.context.tensor_info dicts
    outputs: list
    planner: str  # which placement the arena plan kept

    @property
    def state_bytes(self) -> int:
        """The static state area (variable tensors kept between invocations), exact; outside the arena."""
        return int(self.program.state_bytes)

    @property
    def steps(self) -> list:
        return self.program.steps

    @property
    def ops(self) -> list:
        """The program's steps (older name)."""
        return self.program.steps

    @property
    def scratch_bytes(self) -> int:
        """Older name of :attr:`largest_scratch_bytes`."""
        return self.largest_scratch_bytes


def _sanitize(hint: str) -> str:
    text = re.sub(r"[^A-Za-z0-9_]+", "_", hint).strip("_")[:40]
    return text or "c"


class CNames:
    """The C names of one program's operands (see the module docstring)."""

    def __init__(self, program: Program, prefix: str = "model"):
        # the one model of a firmware keeps the historic an_ names; several models each get their prefix
        constant_base = "an_" if prefix == "model" else f"{prefix}_"
        self.tensors = {}
        made = 0
        for t in program.tensors():
            if t.index is not None:
                self.tensors[t] = f"AN_T{t.index}"
            else:
                self.tensors[t] = f"AN_B{made}"
                made += 1
        self.constants, taken = {}, set()
        for c in program.constants():
            if c.tensor_index is not None:
                continue
            base = f"{constant_base}{_sanitize(c.hint)}"
            name, n = base, 1
            while name in taken:
                n += 1
                name = f"{base}_{n}"
            taken.add(name)
            self.constants[c] = name
        for c in program.constants():
            if c.tensor_index is not None:
                self.constants[c] = f"{constant_base}const_t{c.tensor_index}"
        counts = {}
        for s in program.steps:
            counts[s.op_index] = counts.get(s.op_index, 0) + 1
        seen = {}
        self.step_keys = {}
        for s in program.steps:
            if counts[s.op_index] == 1:
                self.step_keys[s] = str(s.op_index)
            else:
                seen[s.op_index] = seen.get(s.op_index, 0) + 1
                self.step_keys[s] = f"{s.op_index}_{seen[s.op_index] - 1}"
        self.params, self.scratch = {}, {}
        for s in program.steps:
            key = self.step_keys[s]
            for n, p in enumerate(s.params):
                if p not in self.params:  # a Params several steps share (patch tiles) is named at its first use
                    self.params[p] = f"an_params_{key}" + (f"_{n + 1}" if n else "")
            for n, sc in enumerate(s.scratch):
                self.scratch[sc] = f"AN_SCRATCH{key}" + (f"_{n + 1}" if n else "")

    def constants_in_order(self) -> list:
        """Constants as model_data.c lists them: the program's own arrays in first-use order, then the
        model's constant tensors by index."""
        own = [c for c in self.constants if c.tensor_index is None]
        tensors = sorted((c for c in self.constants if c.tensor_index is not None), key=lambda c: c.tensor_index)
        return own + tensors


def c_value(value, names: CNames) -> str:
    """A parameter struct field's C initializer."""
    if value is None:
        return "NULL"
    if isinstance(value, F32):
        v = np.float32(value.value)  # exact: C99 hexadecimal constant; inf/NaN: c_float's exact forms
        return f"{float(v).hex()}f" if np.isfinite(v) else c_float(v)
    if isinstance(value, Params):
        return c_initializer(value, names)
    if isinstance(value, Constant):
        return names.constants[value]
    if isinstance(value, (tuple, list)):
        return "{" + ", ".join(str(int(v)) for v in value) + "}"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    raise TypeError(f"parameter field value {value!r} has no C form")


def c_initializer(params: Params, names: CNames) -> str:
    """``{ .field = value, ... }`` of a parameter struct."""
    return "{ " + ", ".join(f".{k} = {c_value(v, names)}" for k, v in params.fields.items()) + " }"


def c_argument(operand, names: CNames) -> str:
    """One call argument as C."""
    if isinstance(operand, Tensor):
        return names.tensors[operand]
    if isinstance(operand, TensorSlice):
        return f"({names.tensors[operand.tensor]} + {int(operand.element_offset)})"
    if isinstance(operand, Constant):
        return names.constants[operand]
    if isinstance(operand, Params):
        return f"&{names.params[operand]}"
    if isinstance(operand, Scratch):
        return names.scratch[operand]
    if isinstance(operand, PointerArray):
        return f"({operand.c_type}[]){{" + ", ".join(c_argument(i, names) for i in operand.items) + "}"
    if operand is None:
        return "NULL"
    if isinstance(operand, (int, np.integer)) and not isinstance(operand, bool):
        return str(int(operand))
    raise TypeError(f"argument {operand!r} has no C form")


def control_line(step, names: CNames) -> str:
    """The C line of a control-flow step (``Step.control``), "" for any other step."""
    if not step.control:
        return ""
    if step.control in ("if", "break_unless", "return_unless"):
        condition = f"({c_argument(step.args[0], names)})[0]"
        return {"if": f"if ({condition}) {{", "break_unless": f"if (!{condition}) break;",
                "return_unless": f"if (!{condition}) return 1;"}[step.control]
    return {"else": "} else {", "end": "}", "loop": "for (;;) {"}[step.control]


def profile_hooks(steps) -> list:
    """``(begin, end)`` per step: whether the profile hooks open / close around it.  Every step has both, but the
    steps of a control-flow operator's region (``Step.nested``, one operator index) share one pair: the hooks
    open before its first step and close after its last."""
    hooks = []
    for k, step in enumerate(steps):
        if not step.nested:
            hooks.append((True, True))
            continue

        def same(j):
            return 0 <= j < len(steps) and steps[j].nested and steps[j].op_index == step.op_index

        hooks.append((not same(k - 1), not same(k + 1)))
    return hooks


def c_array_lines(values: np.ndarray, c_type: str) -> list:
    """A constant array's values as initializer lines (:data:`VALUES_PER_LINE` per line)."""
    if c_type == "float":
        items = [c_float(v) for v in values.astype(np.float32).reshape(-1)]
    elif c_type == "bool":
        items = ["1" if v else "0" for v in values.tolist()]
    else:
        items = [str(int(v)) for v in values.tolist()]
        if c_type == "int32_t":
            items = [v if v != str(-(2**31)) else "INT32_MIN" for v in items]
        elif c_type == "int64_t":
            items = [v if v != str(-(2**63)) else "INT64_MIN" for v in items]
        elif c_type in ("uint32_t", "uint64_t"):
            items = [v + "u" for v in items]
    return [", ".join(items[i:i + VALUES_PER_LINE]) + "," for i in range(0, len(items), VALUES_PER_LINE)]


def kernel_files(program: Program) -> tuple:
    """``(sources, headers, helpers)``: each .c the steps name, its .h (model.c includes it), and the helper
    headers (a .h named in sources: copied for the kernels to include, not included by model.c)."""
    sources, headers, helpers = [], [], []
    for step in program.steps:
        for src in step.sources:
            if src.endswith(".c"):
                if src not in sources:
                    sources.append(src)
                    header = src[:-2] + ".h"
                    if (KERNEL_DIR / header).is_file():
                        headers.append(header)
            elif src not in helpers:
                helpers.append(src)
    helpers = [h for h in helpers if h not in headers and h not in KERNEL_COMMON]
    return tuple(sources), tuple(headers), tuple(helpers)


def model_file_names(prefix: str = "model") -> dict:
    """``{template: generated file}``: ``model.h`` ... for the prefix ``model``, ``kws.h``, ``kws.c``,
    ``kws_data.c``, ``kws_data.h`` for ``kws`` (several models in one firmware)."""
    return {template: template[:-3].replace("model", prefix, 1) for template in MODEL_TEMPLATES}


def emit_model(program: Program, name: str = "model", labels=(), prefix: str = "model", library: bool = False,
               shared_arena: str | None = None) -> CompiledModel:
    """The C files of ``program`` (planned here if it is not yet) as a :class:`CompiledModel`.

    ``prefix``: the C identifier every exported symbol starts with (``model_init``, ``MODEL_INPUT0_SCALE``;
    ``kws_init``, ``KWS_INPUT0_SCALE``), the model's file names (:func:`model_file_names`) and, for any other
    prefix than ``model``, its constant arrays' names; ``library``: the arena's placement is the application's
    (``<PREFIX>_ARENA_ATTRIBUTE``), no linker-script section; ``shared_arena``: the C name of an arena several
    models share (declared extern here, defined once by the firmware)."""
    labels = list(labels)
    outputs_info = program.output_info
    if labels and len(labels) != outputs_info[0]["num_elements"]:
        raise BadInputError(f"{len(labels)} labels given but output 0 has {outputs_info[0]['num_elements']} elements")
    if not program.planned:
        plan_memory(program)
    names = CNames(program, prefix)
    constants = names.constants_in_order()
    sources, headers, helpers = kernel_files(program)
    tensors = sorted((t for t in program.tensors()), key=lambda t: (t.index is None, t.index or 0))
    parts = program.arena_parts or []
    if (library or shared_arena) and len(parts) > 1:
        raise BadInputError("a library export or a shared arena takes one arena: plan it without the board's regions")
    arena_names = [shared_arena or p.c_name.replace("model_", f"{prefix}_", 1) for p in parts] \
        or [shared_arena or f"{prefix}_arena"]
    first_use = {}  # Params -> the step that defines its struct (a shared one is defined once)
    context = {
        "arena_parts": [{"c_name": c_name, "section": p.region.section, "region": p.region.name,
                         "bytes": p.arena_bytes, "alloc_bytes": max(aligned(p.arena_bytes), 16)}
                        for c_name, p in zip(arena_names, parts)]
        or [{"c_name": arena_names[0], "section": ".tensor_arena", "region": "", "bytes": program.arena_bytes,
             "alloc_bytes": max(aligned(program.arena_bytes), 16)}],
        "prefix": prefix,
        "PREFIX": prefix.upper(),
        "library": library,
        "arena_shared": shared_arena is not None,
        "generator": {"name": "attendnets", "version": __version__},
        "name": name,
        "guard": name.upper(),
        "arena_bytes": program.arena_bytes,
        "arena_alloc_bytes": max(aligned(program.arena_bytes), 16),
        "planner": program.planner,
        "inputs": [dict(info, offset=t.offset, arena=arena_names[t.arena])
                   for info, t in zip(program.input_info, program.inputs)],
        "outputs": [dict(info, offset=t.offset, arena=arena_names[t.arena])
                    for info, t in zip(program.output_info, program.outputs)],
        "labels": [c_string(label) for label in labels],
        "headers": list(headers),
        # bool tensors or arrays (comparisons, conditions): C99's bool, whether or not a kernel header brings it
        "uses_bool": any(t.c_type == "bool" for t in tensors) or any(c.c_type == "bool" for c in constants),
        # a CIRCULAR_BUFFER with cycles_max > 1 ends some invocations early (TFLM's kTfLiteAbort): invoke returns 1
        "invoke_may_abort": any(step.control == "return_unless" for step in program.steps),
        "state_bytes": program.state_bytes,
        "state_alloc_bytes": max(aligned(program.state_bytes), 16),
        "state_tensors": [{"macro": names.tensors[t], "bytes": t.size_bytes, "reset_byte": t.reset_byte,
                           "comment": f"{t.name} {t.dtype} {list(t.shape)}"} for t in program.state_tensors()
                          if t.reset_byte is not None],
        "tensor_macros": [{"macro": names.tensors[t], "c_type": t.c_type, "offset": t.offset,
                           "arena": f"{prefix}_state" if t.state else arena_names[t.arena],
                           "comment": f"{t.name} {t.dtype} {list(t.shape)}"} for t in tensors],
        "scratch_macros": [{"macro": names.scratch[s], "offset": s.offset, "arena": arena_names[s.arena]}
                           for step in program.steps for s in step.scratch if s.size_bytes > 0],
        "ops": [{
            "index": step.op_index,
            "name": step.name,
            "function": linked_function(step),  # the kernel variant's entry point where it has them
            "control": control_line(step, names),
            "returns": step.control == "return_unless",  # its profile hook closes before the early return
            "args": [c_argument(a, names) for a in step.args],
            "params": [{"type": p.c_type, "name": names.params[p], "initializer": c_initializer(p, names)}
                       for p in step.params if first_use.setdefault(p, step) is step],
            "comment": step.comment or step.name,
            "macs": int(step.macs),
            "begin": begin, "end": end,
        } for step, (begin, end) in zip(program.steps, profile_hooks(program.steps))],
        "op_names": [c_string(n) for n in program.operator_names],
        "op_macs": program.operator_macs(),
        "arrays": [{"name": names.constants[c], "c_type": c.c_type, "count": max(int(c.values.size), 1),
                    "lines": c_array_lines(c.values, c.c_type) or ["0,"], "size_bytes": c.size_bytes}
                   for c in constants],
        "c_float": c_float,
    }
    files = {out: render_template(COMPILED_MODEL_DIR / template, context)
             for template, out in model_file_names(prefix).items()}
    for rel in KERNEL_COMMON + sources + headers + helpers:
        files[f"kernels/{rel}"] = (KERNEL_DIR / rel).read_text()
    return CompiledModel(files, sources, int(program.arena_bytes), int(program.largest_scratch_bytes),
                         sum(c.size_bytes for c in constants), program, program.input_info, program.output_info,
                         program.planner)
