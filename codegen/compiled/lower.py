"""Lowering: a ``.tflite`` -> the compiled runtime's :class:`codegen.compiled.program.Program`.

Every operator of the main subgraph goes through its registered lowering
(:mod:`codegen.compiled.ops`), which returns one :class:`codegen.compiled.program.Step`; this
driver adds the step's data flow (the operator's activation inputs and outputs as arena
:class:`Tensor` objects, one per tensor index), its operator index and name.  The reasons of
every operator that cannot be lowered (and of model-level problems) are collected and
refused together in one line (:class:`CompiledRuntimeUnsupportedError`).
"""

from __future__ import annotations

import importlib
import pkgutil

import numpy as np

from attendnets_base.errors import BadInputError, UnsupportedOperatorError
from codegen.compiled import ops
from codegen.compiled.fold import fold_constants
from codegen.compiled.lowering import CUSTOM_OPERATORS, LOWERINGS, NARROWERS, LoweringContext, NotLowerable, TensorRef
from codegen.compiled.ops.conv import (PREPARED_KXK, PREPARED_POINTWISE, conv_scratch_bytes, depthwise_rows_levels,
                                       helium_depthwise, narrow_wide_filter, plane_records_for, unprepare_kxk,
                                       unprepare_pointwise)
from codegen.compiled.plan import plan_memory
from codegen.compiled.support import SUPPORT_DOC, describe, row_of
from codegen.compiled.program import C_TYPES, NUMPY_TYPES, Constant, Program, Tensor  # noqa: F401 (NUMPY_TYPES re-exported)
from codegen.context import tensor_info

# The tensor types the kernels take (no uint16 tensors, though C_TYPES names their C type).
LOWERABLE_DTYPES = ("int8", "uint8", "int16", "int32", "uint32", "int64", "uint64", "float32", "bool")


def load_lowerings() -> dict:
    """Every registered lowering by operator name: imports each module of :mod:`codegen.compiled.ops`
    (they register themselves with :func:`codegen.compiled.lowering.lowering`)."""
    for info in pkgutil.iter_modules(ops.__path__):
        importlib.import_module(f"{ops.__name__}.{info.name}")
    return LOWERINGS


class CompiledRuntimeUnsupportedError(UnsupportedOperatorError):
    """The model uses operators, types or options the compiled runtime has no kernel for."""

    def __init__(self, reasons):
        self.reasons = tuple(reasons)
        super().__init__("the compiled runtime cannot run this model: " + "; ".join(self.reasons)
                         + f" (use --runtime tflm; what it supports: {SUPPORT_DOC})")


def operator_name(op) -> str:
    """The name the compiled runtime shows for an operator (a custom operator's code)."""
    return op.display_name  # converter.tflite_model: one rule for every report


class ModelLoweringContext(LoweringContext):
    """The driver's LoweringContext: one arena Tensor / one Constant per tensor index."""

    def __init__(self, model, folded=None, subgraph=None, tolerant=False):
        self.model = model
        self.subgraph = subgraph if subgraph is not None else model.main_subgraph
        self._refs: dict[int, TensorRef] = {}
        # {tensor index: value} of activations an earlier round computed at generation time
        self.folded = dict(folded or {})
        self.tolerant = tolerant

    def lower_subgraph(self, index: int, constant_inputs=None):
        """The steps of subgraph ``index`` (an IF branch, a WHILE condition or body), lowered by the same lowerings:
        ``(steps, [TensorRef of each subgraph input], [TensorRef of each subgraph output])``.

        ``constant_inputs``: ``{input position: value}`` of inputs known at generation time (the operator passes a
        constant): they are constants inside the subgraph too.  The subgraph's tensors are arena Tensors of their
        own (``index`` None: buffers the program makes, planned in the same static arena); its constant arrays are
        named after the subgraph.  Raises NotLowerable with every operator the subgraph cannot run."""
        if not 0 < index < len(self.model.subgraphs):
            raise NotLowerable(f"subgraph {index} does not exist")
        stack = self.__dict__.setdefault("_subgraph_stack", [self.subgraph.index])
        if index in stack:
            raise NotLowerable(f"subgraph {index} calls itself")
        sg = self.model.subgraphs[index]
        folded = {}
        for position, value in (constant_inputs or {}).items():
            t = sg.tensor(sg.inputs[position])
            folded[sg.inputs[position]] = np.asarray(value, dtype=NUMPY_TYPES[t.dtype]).reshape(t.shape)
        sub = _SubgraphContext(self, sg, folded, stack + [index])
        steps, reasons = _lower_operators(sg, sub, self.tolerant)
        if reasons:
            raise NotLowerable(f"subgraph {index}: " + "; ".join(_format_subgraph_reasons(sg, reasons)))
        self.__dict__.setdefault("_handled_subgraphs", set()).add(index)
        return steps, [sub.tensor(i) for i in sg.inputs], [sub.tensor(i) for i in sg.outputs]

    def _is_constant(self, index: int) -> bool:
        return self.subgraph.tensor(index).is_constant or index in self.folded

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
        if t.dtype not in LOWERABLE_DTYPES:
            raise NotLowerable(f"tensor {t.name!r} has type {t.dtype}")
        data = None
        if index in self.folded:
            data = self.folded[index]
            operand = Constant(f"folded_t{index}", C_TYPES[t.dtype], data)
        elif t.is_constant:
            raw = self.model.buffers[t.buffer].data or b""
            arr = np.frombuffer(raw, dtype=NUMPY_TYPES[t.dtype])
            if t.shape and arr.size == int(np.prod(t.shape)):
                arr = arr.reshape(t.shape)
            data = arr
            operand = Constant(f"const_t{index}", C_TYPES[t.dtype], arr, tensor_index=index)
        elif t.is_variable:  # kept between invocations: the state area, reset as TFLM resets it
            reset = int(zero_point[0]) & 0xFF if t.dtype == "int8" and zero_point else 0
            operand = Tensor(index, t.name, t.dtype, tuple(t.shape), state=True, reset_byte=reset)
        else:
            operand = Tensor(index, t.name, t.dtype, tuple(t.shape))
        ref = TensorRef(index, t.name, tuple(t.shape), t.dtype, operand, scale, zero_point, qdim, data)
        self._refs[index] = ref
        return ref

    def variable_key(self, resource_index: int, subgraph=None) -> tuple:
        """``(container, shared name)`` of the VAR_HANDLE of ``subgraph`` (default: the main one) whose output is
        resource tensor ``resource_index``."""
        sg = subgraph or self.subgraph
        op = next((op for op in sg.operators if op.name == "VAR_HANDLE" and op.outputs
                   and op.outputs[0] == resource_index), None)
        if op is None:
            raise NotLowerable("its resource does not come from a VAR_HANDLE of its subgraph")
        return (op.options.get("container") or "", op.options.get("shared_name") or "")

    def resource_variable(self, resource_index: int, subgraph=None) -> Tensor:
        """The state Tensor of the resource variable that resource tensor ``resource_index`` (a VAR_HANDLE's
        output in ``subgraph``, default the main one) names, one per (container, shared name).  Its type,
        shape and reset value are TFLM's: the value of the variable's first ASSIGN_VARIABLE in the order TFLM
        prepares them (subgraph by subgraph, operator by operator: MicroResourceVariables::Allocate gives it
        the value tensor's bytes, filled with its zero point as an int8, else 0; ResetAll refills them)."""
        key = self.variable_key(resource_index, subgraph)
        variables = self.__dict__.setdefault("_variables", {})
        if key in variables:
            return variables[key]
        value = None
        for sg in self.model.subgraphs:
            for op in sg.operators:
                if op.name == "ASSIGN_VARIABLE" and len(op.inputs) == 2 and value is None:
                    try:
                        if self.variable_key(op.inputs[0], sg) == key:
                            value = sg.tensor(op.inputs[1])
                    except NotLowerable:
                        continue
        if value is None:
            raise NotLowerable(f"resource variable {key[1]!r} is never assigned")
        if value.dtype not in LOWERABLE_DTYPES:
            raise NotLowerable(f"resource variable {key[1]!r} of type {value.dtype}")
        q = value.quantization
        reset = int(q.zero_point[0]) & 0xFF if q and q.zero_point else 0
        variables[key] = Tensor(None, f"variable {key[1] or key[0]}", value.dtype, tuple(value.shape), state=True,
                                reset_byte=reset)
        return variables[key]

    def optional_tensor(self, index: int):
        return None if index is None or index < 0 else self.tensor(index)

    def arena_tensor(self, index: int):
        """The arena Tensor of activation ``index`` (None for a constant or a missing tensor)."""
        if index < 0 or self._is_constant(index):
            return None
        if 0 in tuple(self.subgraph.tensor(index).shape):  # no elements (a RESHAPE's empty shape): no buffer
            return None
        try:
            operand = self.tensor(index).operand
        except NotLowerable:
            return None
        return operand if isinstance(operand, Tensor) else None


class _SubgraphContext(ModelLoweringContext):
    """The lowering context of a control-flow subgraph: its own Tensors (``index`` None, named after the
    subgraph) and Constants (not named after a main-subgraph tensor index); the resource variables, the handled
    subgraphs and the nesting stack shared with the context that lowers the calling operator."""

    def __init__(self, parent, subgraph, folded, stack):
        super().__init__(parent.model, folded, subgraph, parent.tolerant)
        self._variables = parent.__dict__.setdefault("_variables", {})
        self._handled_subgraphs = parent.__dict__.setdefault("_handled_subgraphs", set())
        self._subgraph_stack = stack

    def tensor(self, index: int) -> TensorRef:
        if index in self._refs:
            return self._refs[index]
        ref = super().tensor(index)
        operand = ref.operand
        if isinstance(operand, Tensor) and operand.index is not None:
            operand.index, operand.name = None, f"subgraph {self.subgraph.index} {operand.name}"
        elif isinstance(operand, Constant) and operand.tensor_index is not None:
            operand.tensor_index, operand.hint = None, f"sg{self.subgraph.index}_const_t{index}"
        return ref


def _format_subgraph_reasons(sg, reasons) -> list:
    return _merge_reasons([why if index is None else
                           f"{operator_signature(sg.operators[index], sg)} (operator {index}): {why}"
                           if why != "no kernel" else f"{operator_signature(sg.operators[index], sg)}: no kernel"
                           for index, why in reasons])


def _lower_operators(sg, ctx, tolerant=False):
    """Every operator of subgraph ``sg`` through its lowering: ``(steps, [(operator index, reason)])``.

    A lowering returns one Step (the driver adds its data flow from the operator) or, for a control-flow
    operator, a list of Steps with their data flow set (marked ``nested``, given the operator's index)."""
    lowerings = load_lowerings()
    steps, reasons = [], []
    for op in sg.operators:
        name = operator_name(op)
        # custom operators by their code, builtin ones by name, never one for the other
        function = lowerings.get(name) if (op.name == "CUSTOM") == (name in CUSTOM_OPERATORS) else None
        if function is None:
            reasons.append((op.index, "no kernel"))
            continue
        try:
            step = function(op, ctx)
        except NotLowerable as exc:
            reasons.append((op.index, f"{exc} ({describe(name)})"))  # the support table's word
            continue
        except Exception as exc:  # noqa: BLE001 - only for check's report (tolerant), never for generate
            if not tolerant:
                raise
            reasons.append((op.index, f"cannot be lowered ({type(exc).__name__}: {exc})"))
            continue
        if isinstance(step, list):
            for s in step:
                s.op_index, s.name, s.nested = op.index, s.name or name, True
            steps.extend(step)
            continue
        step.op_index, step.name = op.index, name
        refusal = _outside_table(op, sg, step)
        if refusal:
            reasons.append((op.index, refusal))
            continue
        used = {id(t) for t in step.arg_tensors()}
        intermediates = tuple(t for t in (ctx.arena_tensor(i) for i in op.intermediates) if t and id(t) in used)
        # (an intermediate no argument points at, e.g. the LSTM's calibration records, is no buffer)
        step.inputs = tuple(t for t in (ctx.arena_tensor(i) for i in op.inputs) if t) + intermediates
        step.outputs = tuple(t for t in (ctx.arena_tensor(i) for i in op.outputs) if t)
        # state the program made (a resource variable): read and written by the step
        made_state = [t for t in step.arg_tensors() if t.state and t.index is None]
        step.inputs += tuple(t for t in made_state if t not in step.inputs)
        step.outputs += tuple(t for t in made_state if t not in step.outputs)
        steps.append(step)
    return steps, reasons


def _merge_reasons(reasons):
    seen, out = set(), []
    for r in reasons:
        if r not in seen:
            seen.add(r)
            out.append(r)
    return out


def _type_of(sg, index: int) -> str:
    if index < 0:
        return "none"
    t = sg.tensor(index)
    return ("const " if t.is_constant else "") + t.dtype


def operator_signature(op, sg) -> str:
    """``NAME(input types -> output types)``: how a refusal names an operator (constants marked)."""
    ins = ", ".join(_type_of(sg, i) for i in op.inputs)
    outs = ", ".join(_type_of(sg, i) for i in op.outputs)
    return f"{operator_name(op)}({ins} -> {outs})"


def _outside_table(op, sg, step):
    """The support table (codegen.compiled.support) decides the run-time kernels' types: a step that runs a
    kernel on an activation with a type combination (first input -> first output) the table does not list is
    refused, so the table describes what the code runs.  None: listed (or no run-time kernel)."""
    row = row_of(operator_name(op))
    if not step.function or row is None or not row.types or not op.inputs or not op.outputs:
        return None
    if op.inputs[0] < 0 or sg.tensor(op.inputs[0]).is_constant:
        return None
    types = f"{sg.tensor(op.inputs[0]).dtype} -> {sg.tensor(op.outputs[0]).dtype}"
    return None if types in row.types else f"{types} is not in the support table ({describe(operator_name(op))})"


def _lower_once(model, folded, tolerant=False):
    """One round: every operator lowered (with ``folded`` values known), then the fold pass.

    ``(program, [(operator index or None, reason)], folded values, subgraphs not handled)``; the program is
    partial when there are reasons.
    """
    ctx = ModelLoweringContext(model, folded, tolerant=tolerant)
    sg = model.main_subgraph
    steps, reasons = _lower_operators(sg, ctx, tolerant)
    handled = ctx.__dict__.get("_handled_subgraphs", set())
    others = [g.index for g in model.subgraphs if g is not sg and g.index not in handled]
    if others:
        reasons.append((None, f"control-flow subgraph{'s' if len(others) > 1 else ''} {', '.join(map(str, others))} "
                              "(IF/WHILE bodies, or a CALL_ONCE that does more than assign constants to variables)"))
    inputs = [ctx.arena_tensor(i) for i in sg.inputs]
    outputs = [ctx.arena_tensor(i) for i in sg.outputs]
    program = Program(steps, [t for t in inputs if t], [t for t in outputs if t],
                      [operator_name(op) for op in sg.operators])
    more, refusals = fold_constants(program)
    reasons += [(step.op_index if step is not None else None, why) for step, why in refusals]
    return program, reasons, {**ctx.folded, **more}, set(others)


def _lower_with_reasons(model, tolerant=False):
    """``(program, [(operator index or None, reason)], subgraphs not handled)``: lowered and folded.

    When an operator could not be lowered and the fold pass computed values it had not seen
    (a TRANSPOSE whose permutation, a slice whose bounds are computed from a SHAPE), the model
    is lowered again with those values known, until nothing new is folded.
    """
    folded = {}
    while True:
        program, reasons, now_folded, unhandled = _lower_once(model, folded, tolerant)
        if not reasons or now_folded.keys() <= folded.keys():
            return program, reasons, unhandled
        folded = now_folded


def _format_reasons(model, reasons) -> list:
    sg = model.main_subgraph
    return _merge_reasons([why if index is None else
                           f"{operator_signature(sg.operators[index], sg)} (operator {index}): {why}"
                           if why != "no kernel" else f"{operator_signature(sg.operators[index], sg)}: no kernel"
                           for index, why in reasons])


def _lower(model):
    """``(Program, [reason])``: every operator lowered, or why not (the program is partial then)."""
    program, reasons, _unhandled = _lower_with_reasons(model)
    return program, _format_reasons(model, reasons)


def _model_reasons(model, program) -> list:
    """Model-level refusals: a constant model input/output, a tensor read before anything writes it."""
    sg = model.main_subgraph
    reasons = [f"model {sg.tensor(i).name!r} is a constant" for i in (*sg.inputs, *sg.outputs)
               if sg.tensor(i).is_constant]
    written = set(program.inputs) | {t for t in program.tensors() if t.state}
    reasons += [f"model {t.name!r} is a variable tensor (state)" for t in (*program.inputs, *program.outputs)
                if t.state]
    for step in program.steps:
        for t in step.inputs:
            if t not in written:
                reasons.append(f"tensor {t.name!r} is read before anything writes it (variable tensors)")
                written.add(t)  # said once
        written.update(step.outputs)
    reasons += [f"tensor {t.name!r} is read before anything writes it (variable tensors)"
                for t in program.outputs if t not in written]
    return _merge_reasons(reasons)


def lower_model(model, rows3x3: str = "arena", wide_filters: bool = True, conv_w16: str = "arena",
                helium: bool = False) -> Program:
    """The compiled runtime's program of ``model`` (not yet planned).

    ``wide_filters``: whether CONV_2D filters and FULLY_CONNECTED weights may be stored widened to int16 (the
    ``_w16`` kernels, faster on cores with the DSP extension); False keeps all weights int8 (Helium cores,
    whose conv and FC kernels read the int8 layout; cores without DSP).  With it (and no ``helium``) the
    depthwise plane form's records stay in flash (ops/conv.py plane_records_for).

    ``helium``: the core has MVE (Cortex-M55/M85): DEPTHWISE_CONV_2D takes the Helium layout where it applies
    (``an_depthwise_conv2d_s8_mve``, ops/conv.py helium_depthwise; its scratch is never larger).

    ``rows3x3``: where DEPTHWISE_CONV_2D takes its row-buffer 3x3 path (faster, a larger scratch): "arena"
    only where the arena stays the size the general path gives it, "always" wherever it is exact (the
    kernels' tests force it so on single-layer models, whose peak the scratch always raises), "rows" the
    same without its plane form (the tests of its other forms on planes the plane form would take), "strip" its
    strip form wherever that applies (the tests of that form, which the arena rule picks only where no faster one
    fits), "never" the general path everywhere.

    ``conv_w16``: the same for ``an_conv2d_s8_w16`` where its segment-padded rows take more scratch than the
    int8 kernel (``k_w * in_c`` not a multiple of four), and for ``an_conv1x1_s8_prepared_w16`` where its four
    pixels' columns of a deep input take scratch: "arena" keeps them only where the arena does not grow,
    "always" wherever the generator chose them.

    Raises :class:`CompiledRuntimeUnsupportedError` with every reason, in one line, when the
    compiled runtime cannot run it; BadInputError when the main subgraph has no inputs or outputs.
    """
    program, reasons = _lower(model)
    sg = model.main_subgraph
    if not sg.inputs or not sg.outputs:
        raise BadInputError("the model's main subgraph has no inputs or no outputs")
    if not reasons:
        reasons = _model_reasons(model, program)
    if reasons:
        raise CompiledRuntimeUnsupportedError(reasons)
    program.input_info = [tensor_info(sg.tensor(i), "input", n) for n, i in enumerate(sg.inputs)]
    program.output_info = [tensor_info(sg.tensor(i), "output", n) for n, i in enumerate(sg.outputs)]
    if rows3x3 == "arena":
        _rows3x3_without_arena_growth(program)
    elif rows3x3 in _ROWS3X3_TEST_MODES:
        moves, keeps = _ROWS3X3_TEST_MODES[rows3x3]
        for step in program.steps:
            if step.function == "an_depthwise_conv2d_s8" and moves(int(step.args[0].fields.get("rows3x3") or 0)):
                level = next(v for v in depthwise_rows_levels(step.args[0].fields) if keeps(v[0]))
                step.args[0].fields["rows3x3"], step.scratch[0].size_bytes = level
    elif rows3x3 != "always":
        raise ValueError(f"rows3x3 {rows3x3!r} (arena, always, rows, strip, never)")
    if not wide_filters:
        for step in program.steps:
            if step.function in NARROWERS:
                NARROWERS[step.function](step)
    if helium:
        for step in program.steps:
            if step.function == "an_depthwise_conv2d_s8":
                helium_depthwise(step)
    for step in program.steps:  # the plane form's flash records: DSP cores (those that take wide filters) only
        if step.function == "an_depthwise_conv2d_s8":
            plane_records_for(step, wide_filters and not helium)
    if conv_w16 == "arena":
        _conv_w16_without_arena_growth(program)
        _pointwise_columns_without_arena_growth(program)
    elif conv_w16 != "always":
        raise ValueError(f"conv_w16 {conv_w16!r} (arena, always)")
    return program


def _conv_w16_without_arena_growth(program) -> None:
    """``an_conv2d_s8_w16``'s segment-padded rows take more scratch than the int8 kernel's where ``k_w * in_c``
    is not a multiple of four (a first layer's 3x3x3: 144 B for 112 B): where that raises the arena, those
    layers take the int8 kernel (the same scratch as before the int16 layout).  Leaves the program unplanned."""
    growing = [step for step in program.steps
               if step.function in ("an_conv2d_s8_w16", PREPARED_KXK) and step.scratch
               and step.scratch[0].size_bytes > conv_scratch_bytes(_filter_values(step))]
    if not growing:
        return
    wide = plan_memory(program).arena_bytes
    sizes = [step.scratch[0].size_bytes for step in growing]
    for step in growing:
        step.scratch[0].size_bytes = conv_scratch_bytes(_filter_values(step))
    limit = plan_memory(program).arena_bytes
    for step, size in zip(growing, sizes):
        step.scratch[0].size_bytes = size
        if wide > limit:
            if step.function == PREPARED_KXK:
                unprepare_kxk(step)
            narrow_wide_filter(step)
    program.arena_bytes = None
    program.arena_parts = []


def _pointwise_columns_without_arena_growth(program) -> None:
    """``an_conv1x1_s8_prepared_w16`` over an input deeper than ops/conv.py's PREPARED_PAIRS_MAX_C takes its four
    pixels' columns from scratch (8 * in_c bytes: prepared_pointwise_scratch_bytes): keep that only where the arena
    stays the size it has with the two-column scratch of ``an_conv1x1_s8_w16``, one step at a time, smallest
    first; the others take ``an_conv1x1_s8_w16`` (unprepare_pointwise: the same outputs).  Leaves the program
    unplanned."""
    deep = [(step, step.scratch[0].size_bytes) for step in program.steps
            if step.function == PREPARED_POINTWISE and step.scratch
            and step.scratch[0].size_bytes > conv_scratch_bytes(_filter_values(step))]
    if not deep:
        return
    for step, _ in deep:
        step.scratch[0].size_bytes = conv_scratch_bytes(_filter_values(step))
    limit = plan_memory(program).arena_bytes
    for step, size in sorted(deep, key=lambda d: d[1]):
        step.scratch[0].size_bytes = size
        if plan_memory(program).arena_bytes > limit:
            unprepare_pointwise(step)
    program.arena_bytes = None
    program.arena_parts = []


def _filter_values(step) -> int:
    """K, the values of one filter row, of a CONV_2D step."""
    fields = step.args[0].fields
    return int(fields["k_h"]) * int(fields["k_w"]) * int(fields["filter_in_c"])


#: lower_model's rows3x3 modes for the kernels' tests: (which depthwise steps move: their rows3x3 value, to which:
#: the first of their levels, fastest first, that the second keeps).  "rows": the plane form's steps to the row
#: buffer or the general path; "strip": every row-buffer form to the strip form or the general path; "never": all
#: to the general path (the last level).
_ROWS3X3_TEST_MODES = {"rows": (lambda v: v == 2, lambda v: v < 2), "strip": (bool, lambda v: v in (3, 0)),
                       "never": (bool, lambda v: v == 0)}


def _rows3x3_without_arena_growth(program) -> None:
    """Keep the depthwise row-buffer 3x3 path (``rows3x3`` 1, a larger scratch; 2, its plane form, larger still)
    only where the arena stays the size it has with the general path's scratch: all at their fastest if that
    holds, else one by one, smallest scratch first, each at the fastest of its levels (ops/conv.py
    depthwise_rows_levels) that keeps it.  Leaves the program unplanned."""
    rows = [(step, depthwise_rows_levels(step.args[0].fields)) for step in program.steps
            if step.function == "an_depthwise_conv2d_s8"
            and step.args[0].fields.get("rows3x3") and step.scratch]
    if not rows:
        return

    def use(step, level):
        step.args[0].fields["rows3x3"], step.scratch[0].size_bytes = level

    for step, levels in rows:
        use(step, levels[-1])
    limit = plan_memory(program).arena_bytes
    for step, levels in rows:
        use(step, levels[0])
    if plan_memory(program).arena_bytes > limit:
        for step, levels in rows:
            use(step, levels[-1])
        for step, levels in sorted(rows, key=lambda r: r[1][0][1]):
            for level in levels:
                use(step, level)
                if plan_memory(program).arena_bytes <= limit:
                    break
    program.arena_bytes = None
    program.arena_parts = []


def unsupported_reasons(model) -> list:
    """Why the compiled runtime cannot run ``model`` (empty: it can)."""
    program, reasons = _lower(model)
    return reasons or _model_reasons(model, program)


def operator_support(model) -> list:
    """Per operator of every subgraph: ``(subgraph, index, name, reason or None)`` for the compiled runtime.

    The main subgraph is lowered and folded as ``generate`` does (an operator computed at
    generation time is supported); a lowering that fails in an unexpected way counts as
    "cannot" with its message, so that ``attendnets check`` reports instead of crashing.
    """
    _program, reasons, unhandled = _lower_with_reasons(model, tolerant=True)
    main = {}
    for index, why in reasons:
        if index is not None:
            main.setdefault(index, why)
    rows = []
    for sg in model.subgraphs:
        for op in sg.operators:
            if sg is model.main_subgraph:
                reason = main.get(op.index)
            else:
                reason = "in a control-flow subgraph" if sg.index in unhandled else None
            rows.append((sg.index, op.index, operator_name(op), reason))
    return rows
