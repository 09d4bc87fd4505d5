"""The compiled runtime's driver: a ``.tflite`` -> the C of one model (``model.h``, ``model.c``, ...).

Stages, all at generation time:

1. *lower*: every operator of the main subgraph goes through its registered lowering
   (:mod:`codegen.compiled.ops`), which returns one :class:`KernelCall`; the reasons of
   those that cannot be lowered are collected and refused together in one line.
2. *alias*: views (a call with no ``function``) share their input's buffer; an element-wise
   call that says ``output_aliases_input`` shares it when that input is not needed later.
3. *plan*: one buffer per group of aliased activation tensors (live from its first producer
   to its last consumer; model inputs from the start, outputs to the end) and one per kernel
   scratch (live during its call) go to :func:`codegen.compiled.arena_plan.plan_arena`.
4. *emit*: ``model.c`` (the arena, one ``static const`` parameter struct per call and a
   straight-line ``model_invoke()``), ``model_data.c``/``.h`` (the constants the calls use,
   in flash), ``model.h`` (the C API of the TFLM project's model.h) and the kernel library
   files the calls need.

A lowering sees activations as ``AN_T<index>`` (a macro the driver defines once the plan is
known: a typed pointer into the arena) and constants as ``an_const_t<index>`` (emitted only
when a call refers to it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from attendnets_base import __version__
from attendnets_base.errors import BadInputError, UnsupportedOperatorError
from codegen.compiled.arena_plan import ArenaBuffer, aligned, plan_arena
from codegen.compiled.lowering import C_TYPES, KernelCall, LoweringContext, NotLowerable, TensorRef, load_lowerings
from codegen.templates import render as render_template
from firmware_template import COMPILED_MODEL_DIR, KERNELS_DIR

KERNEL_DIR = KERNELS_DIR
KERNEL_COMMON = ("an_common.h",)
C_TYPE_BYTES = {"int8_t": 1, "uint8_t": 1, "int16_t": 2, "uint16_t": 2, "int32_t": 4, "uint32_t": 4,
                "int64_t": 8, "float": 4, "bool": 1}
NUMPY_TYPES = {"int8": np.int8, "uint8": np.uint8, "int16": np.int16, "int32": np.int32, "int64": np.int64,
               "float32": np.float32, "bool": np.bool_}
VALUES_PER_LINE = 16


class CompiledRuntimeUnsupportedError(UnsupportedOperatorError):
    """The model uses operators, types or options the compiled runtime has no kernel for."""

    def __init__(self, reasons):
        self.reasons = tuple(reasons)
        super().__init__("the compiled runtime cannot run this model: " + "; ".join(self.reasons)
                         + " (use --runtime tflm)")


@dataclass
class ConstArray:
    name: str
    c_type: str
    values: np.ndarray

    @property
    def size_bytes(self):
        return int(self.values.size) * C_TYPE_BYTES[self.c_type]


@dataclass
class LoweredOp:
    index: int
    name: str
    call: KernelCall

    @property
    def is_view(self):
        return not self.call.function


@dataclass
class CompiledModel:
    """The C of one model and the facts about it."""

    files: dict  # relative path (under the project's src/) -> text
    kernel_sources: tuple  # kernel library .c files used
    arena_bytes: int  # activations + scratch (the static arena)
    scratch_bytes: int  # the largest kernel scratch (inside the arena)
    constants_bytes: int  # const data in flash (weights, biases, multipliers, parameter structs not counted)
    ops: tuple  # LoweredOp
    inputs: list = field(default_factory=list)  # codegen.context.tensor_info dicts
    outputs: list = field(default_factory=list)
    planner: str = ""


def _sanitize(hint: str) -> str:
    text = re.sub(r"[^A-Za-z0-9_]+", "_", hint).strip("_")[:40]
    return text or "c"


class _Context(LoweringContext):
    """The driver's LoweringContext: tensors as arena macros / lazy constants, const arrays."""

    def __init__(self, model):
        self.model = model
        self.subgraph = model.main_subgraph
        self.arrays: dict[str, ConstArray] = {}
        self._refs: dict[int, TensorRef] = {}

    def tensor(self, index: int) -> TensorRef:
        if index < 0:
            raise NotLowerable("a required input is missing")
        if index in self._refs:
            return self._refs[index]
        t = self.subgraph.tensor(index)
        q = t.quantization
        scale = tuple(q.scale) if q else ()
        zero_point = tuple(q.zero_point) if q else ()
        qdim = q.quantized_dimension if q else 0
        if t.dtype not in C_TYPES:
            raise NotLowerable(f"tensor {t.name!r} has type {t.dtype}")
        data = None
        if t.is_constant:
            raw = self.model.buffers[t.buffer].data or b""
            arr = np.frombuffer(raw, dtype=NUMPY_TYPES[t.dtype])
            if t.shape and arr.size == int(np.prod(t.shape)):
                arr = arr.reshape(t.shape)
            data = arr
            c_expr = f"an_const_t{index}"
        else:
            c_expr = f"AN_T{index}"
        ref = TensorRef(index, t.name, tuple(t.shape), t.dtype, c_expr, scale, zero_point, qdim, data)
        self._refs[index] = ref
        return ref

    def optional_tensor(self, index: int):
        return None if index is None or index < 0 else self.tensor(index)

    def const_array(self, hint: str, c_type: str, values) -> str:
        if c_type not in C_TYPE_BYTES:
            raise ValueError(f"const_array: unknown C type {c_type}")
        base = f"an_{_sanitize(hint)}"
        name, n = base, 1
        while name in self.arrays:
            n += 1
            name = f"{base}_{n}"
        arr = np.asarray(values)
        self.arrays[name] = ConstArray(name, c_type, arr.reshape(-1))
        return name


def lower_operators(model):
    """``(context, [LoweredOp], [reason])``: every operator lowered, or why not."""
    lowerings = load_lowerings()
    ctx = _Context(model)
    lowered, reasons = [], []
    if len(model.subgraphs) > 1:
        reasons.append(f"{len(model.subgraphs)} subgraphs (control flow)")
    for op in model.main_subgraph.operators:
        name = op.custom_code if op.name == "CUSTOM" and op.custom_code else op.name
        function = lowerings.get(op.name) if op.name != "CUSTOM" else None
        if function is None:
            reasons.append(f"{name}: no kernel")
            continue
        try:
            call = function(op, ctx)
        except NotLowerable as exc:
            reasons.append(f"{name} (operator {op.index}): {exc}")
            continue
        lowered.append(LoweredOp(op.index, name, call))
    return ctx, lowered, _merge_reasons(reasons)


def _merge_reasons(reasons):
    seen, out = set(), []
    for r in reasons:
        if r not in seen:
            seen.add(r)
            out.append(r)
    return out


def unsupported_reasons(model) -> list:
    """Why the compiled runtime cannot run ``model`` (empty: it can)."""
    return lower_operators(model)[2]


def operator_support(model) -> list:
    """Per operator of every subgraph: ``(subgraph, index, name, reason or None)`` for the compiled runtime.

    A lowering that fails in an unexpected way counts as "cannot" with its message, so that
    ``attendnets check`` reports instead of crashing.
    """
    lowerings = load_lowerings()
    ctx = _Context(model)
    rows = []
    for sg in model.subgraphs:
        for op in sg.operators:
            name = op.custom_code if op.name == "CUSTOM" and op.custom_code else op.name
            function = lowerings.get(op.name) if op.name != "CUSTOM" else None
            reason = None
            if sg is not model.main_subgraph:
                reason = "in a control-flow subgraph"
            elif function is None:
                reason = "no kernel"
            else:
                try:
                    function(op, ctx)
                except NotLowerable as exc:
                    reason = str(exc)
                except Exception as exc:  # noqa: BLE001 - a report, not a generator
                    reason = f"cannot be lowered ({type(exc).__name__}: {exc})"
            rows.append((sg.index, op.index, name, reason))
    return rows


class _Groups:
    """Union-find over tensor indices (aliased activation tensors share one buffer)."""

    def __init__(self):
        self.parent = {}

    def find(self, i):
        self.parent.setdefault(i, i)
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def _activation_tensors(sg):
    """Indices of the tensors that live in the arena, in first-use order."""
    seen, order = set(), []

    def add(i):
        if i >= 0 and i not in seen and not sg.tensor(i).is_constant:
            seen.add(i)
            order.append(i)

    for i in sg.inputs:
        add(i)
    for op in sg.operators:
        for i in list(op.inputs) + list(op.outputs) + list(op.intermediates):
            add(i)
    for i in sg.outputs:
        add(i)
    return order


def plan_memory(model, lowered):
    """``(tensor offsets {index: bytes}, scratch offsets {op: bytes}, arena bytes, planner, groups)``."""
    sg = model.main_subgraph
    n_ops = len(sg.operators)
    tensors = _activation_tensors(sg)
    producer, last_use = {}, {}
    for i in sg.inputs:
        producer[i] = 0
    for op in sg.operators:
        for i in op.outputs:
            if i >= 0:
                producer.setdefault(i, op.index)
        for i in list(op.inputs) + list(op.intermediates):
            if i >= 0:
                last_use[i] = max(last_use.get(i, -1), op.index)
    for i in sg.outputs:
        last_use[i] = n_ops - 1
    for i in tensors:
        if i not in producer:
            raise CompiledRuntimeUnsupportedError(
                [f"tensor {sg.tensor(i).name!r} is read before anything writes it (variable tensors)"])
    boundary = set(sg.inputs) | set(sg.outputs)

    groups = _Groups()
    for i in tensors:
        groups.find(i)
    for lop in lowered:
        k = lop.call.output_aliases_input
        if k is None:
            continue
        op = sg.operators[lop.index]
        src, dst = op.inputs[k], op.outputs[0]
        if src < 0 or sg.tensor(src).is_constant:
            continue
        if not lop.is_view:
            root = groups.find(src)
            members = [i for i in tensors if groups.find(i) == root]
            if any(i in boundary for i in members) or any(last_use.get(i, -1) > lop.index for i in members):
                continue  # in place only when nobody reads the input afterwards
            if sg.tensor(dst).size_bytes > max(sg.tensor(i).size_bytes for i in members):
                continue
        groups.union(src, dst)

    roots = []
    info = {}
    for i in tensors:
        r = groups.find(i)
        if r not in info:
            roots.append(r)
            info[r] = [producer[i], max(last_use.get(i, producer[i]), producer[i]), sg.tensor(i).size_bytes]
        else:
            g = info[r]
            g[0] = min(g[0], producer[i])
            g[1] = max(g[1], last_use.get(i, producer[i]), producer[i])
            g[2] = max(g[2], sg.tensor(i).size_bytes)
    buffers = [ArenaBuffer(info[r][2], info[r][0], info[r][1], sg.tensor(r).name) for r in roots]
    scratch_ops = [lop for lop in lowered if lop.call.scratch_bytes > 0]
    buffers += [ArenaBuffer(lop.call.scratch_bytes, lop.index, lop.index, f"scratch of operator {lop.index}")
                for lop in scratch_ops]
    plan = plan_arena(buffers)
    root_offset = {r: plan.offsets[k] for k, r in enumerate(roots)}
    tensor_offsets = {i: root_offset[groups.find(i)] for i in tensors}
    scratch_offsets = {lop.index: plan.offsets[len(roots) + k] for k, lop in enumerate(scratch_ops)}
    return tensor_offsets, scratch_offsets, plan.arena_bytes, plan.planner


_CONST_TOKEN = re.compile(r"\ban_const_t(\d+)\b")
_ARRAY_TOKEN = re.compile(r"\ban_[A-Za-z0-9_]+\b")


def _format_values(arr: np.ndarray, c_type: str) -> list:
    if c_type == "float":
        items = [f"{float(v)!r}f" if np.isfinite(v) else "0.0f" for v in arr.astype(np.float32).tolist()]
    elif c_type == "bool":
        items = ["1" if v else "0" for v in arr.tolist()]
    else:
        items = [str(int(v)) for v in arr.tolist()]
        if c_type == "int32_t":
            items = [v if v != str(-(2**31)) else "INT32_MIN" for v in items]
    return [", ".join(items[i:i + VALUES_PER_LINE]) + "," for i in range(0, len(items), VALUES_PER_LINE)]


def _c_string(text: str) -> str:
    from codegen.context import c_string

    return c_string(text)


def compile_model(model, name: str = "model", labels=()) -> CompiledModel:
    """The C of ``model`` for the compiled runtime, or CompiledRuntimeUnsupportedError."""
    from codegen.context import c_float, tensor_info

    ctx, lowered, reasons = lower_operators(model)
    sg = model.main_subgraph
    if not sg.inputs or not sg.outputs:
        raise BadInputError("the model's main subgraph has no inputs or no outputs")
    if reasons:
        raise CompiledRuntimeUnsupportedError(reasons)
    inputs = [tensor_info(sg.tensor(i), "input", n) for n, i in enumerate(sg.inputs)]
    outputs = [tensor_info(sg.tensor(i), "output", n) for n, i in enumerate(sg.outputs)]
    for t in inputs + outputs:
        if sg.tensor(t["index"]).is_constant:
            raise CompiledRuntimeUnsupportedError([f"model {t['name']!r} is a constant"])
    labels = list(labels)
    if labels and len(labels) != outputs[0]["num_elements"]:
        raise BadInputError(f"{len(labels)} labels given but output 0 has {outputs[0]['num_elements']} elements")

    tensor_offsets, scratch_offsets, arena_bytes, planner = plan_memory(model, lowered)

    # Constants the calls refer to: tensor constants (lazy) and the lowerings' own arrays.
    calls_text = []
    for lop in lowered:
        calls_text.extend(lop.call.args)
        calls_text.append(lop.call.params)
    text = "\n".join(calls_text)
    for index in sorted({int(m) for m in _CONST_TOKEN.findall(text)}):
        ref = ctx.tensor(index)
        ctx.arrays[f"an_const_t{index}"] = ConstArray(f"an_const_t{index}", ref.c_type, np.asarray(ref.data).reshape(-1))
    used_names = set(_ARRAY_TOKEN.findall(text))
    arrays = [a for a in ctx.arrays.values() if a.name in used_names]

    # Kernel files: each .c with its .h (included by model.c); a .h named in sources is a helper
    # header the kernels include (copied, not included by model.c, not compiled).
    sources, headers, helpers = [], [], []
    for lop in lowered:
        for src in lop.call.sources:
            if src.endswith(".c"):
                if src not in sources:
                    sources.append(src)
                    header = src[:-2] + ".h"
                    if (KERNEL_DIR / header).is_file():
                        headers.append(header)
            elif src not in helpers:
                helpers.append(src)
    helpers = [h for h in helpers if h not in headers and h not in KERNEL_COMMON]

    ops = []
    for lop in lowered:
        call = lop.call
        params_name = f"an_params_{lop.index}"
        args = []
        for a in call.args:
            a = re.sub(r"\bPARAMS\b", f"&{params_name}", a)
            a = re.sub(r"\bSCRATCH\b", f"AN_SCRATCH{lop.index}", a)
            args.append(a)
        ops.append({
            "index": lop.index,
            "name": lop.name,
            "function": call.function,
            "args": args,
            "params_type": call.params_type,
            "params": call.params,
            "params_name": params_name,
            "comment": call.comment or lop.name,
            "macs": int(call.macs),
        })
    # One entry per operator of the subgraph (views included) so indices match TFLM's.
    op_names = [op.custom_code if op.name == "CUSTOM" and op.custom_code else op.name for op in sg.operators]
    op_macs = [0] * len(op_names)
    for lop in lowered:
        op_macs[lop.index] = int(lop.call.macs)

    tensor_macros = []
    for i, offset in sorted(tensor_offsets.items()):
        t = sg.tensor(i)
        tensor_macros.append({"macro": f"AN_T{i}", "c_type": C_TYPES[t.dtype], "offset": offset,
                              "comment": f"{t.name} {t.dtype} {list(t.shape)}"})
    scratch_macros = [{"macro": f"AN_SCRATCH{op}", "offset": off} for op, off in sorted(scratch_offsets.items())]

    context = {
        "generator": {"name": "attendnets", "version": __version__},
        "name": name,
        "guard": name.upper(),
        "arena_bytes": arena_bytes,
        "arena_alloc_bytes": max(aligned(arena_bytes), 16),
        "planner": planner,
        "inputs": [dict(t, offset=tensor_offsets[t["index"]]) for t in inputs],
        "outputs": [dict(t, offset=tensor_offsets[t["index"]]) for t in outputs],
        "labels": [_c_string(label) for label in labels],
        "headers": headers,
        "tensor_macros": tensor_macros,
        "scratch_macros": scratch_macros,
        "ops": ops,
        "op_names": [_c_string(n) for n in op_names],
        "op_macs": op_macs,
        "arrays": [{"name": a.name, "c_type": a.c_type, "count": max(int(a.values.size), 1),
                    "lines": _format_values(a.values, a.c_type) or ["0,"], "size_bytes": a.size_bytes}
                   for a in arrays],
        "c_float": c_float,
    }
    files = {}
    for template in ("model.h.j2", "model.c.j2", "model_data.c.j2", "model_data.h.j2"):
        files[template[:-3]] = render_template(COMPILED_MODEL_DIR / template, context)
    for rel in KERNEL_COMMON + tuple(sources) + tuple(headers) + tuple(helpers):
        files[f"kernels/{rel}"] = (KERNEL_DIR / rel).read_text()
    scratch = max((lop.call.scratch_bytes for lop in lowered), default=0)
    return CompiledModel(files, tuple(sources), int(arena_bytes), int(scratch),
                         sum(a.size_bytes for a in arrays), tuple(lowered), inputs, outputs, planner)
