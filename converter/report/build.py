"""The memory report of a .tflite model for TFLM, computed once into a dataclass.

Pipeline (one straight line, each stage its own module):

    load_model (tflite_model) -> check_model (check) -> estimate_arena (arena)
    -> operator_macs (macs) -> estimate_code_bytes (converter.tflm.code_size) -> MemoryReport

Writers format a :class:`MemoryReport` and compute nothing: ``report_text``
(terminal table), ``report_json`` (one JSON object), ``report_html`` (one
self-contained page).

All sizes are bytes; MACs are multiply-accumulates.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from attendnets_base.errors import BadInputError, UnsupportedOperatorError
from converter.report.fit import FitCheck, arena_bytes_for, check_fit
from converter.tflm.code_size import estimate_code_bytes

TARGETS = {"cortex-m": 4, "host": 8}  # target -> pointer width in bytes
from converter.tflm.kernel_allocations import DEFAULT_KERNELS, KERNEL_SETS  # noqa: E402  (one place)
from converter.planner.tflm_plan import describe_memory_plan
from converter.report.macs import operator_elementwise_mults, operator_macs
from converter.tflm.arena import estimate_arena
from converter.tflm.arena import estimate_arena, measure_arena
from converter.tflm.check import check_model, describe_model


@dataclass(frozen=True)
class OperatorRow:
    """One operator.  Activation bytes: arena-head tensors live while it runs (its inputs,
    its outputs and every tensor still waiting for a later consumer); scratch bytes: the
    kernel scratch buffers live during it.  Both as planned (each buffer rounded up to 16);
    persistent variable tensors (e.g. LSTM state) are in the arena tail, not here."""

    index: int
    name: str
    input_shapes: tuple  # activation (non-constant) inputs
    output_shapes: tuple
    weight_shapes: tuple  # constant inputs (weights, biases, ...)
    macs: int  # multiply-accumulates of the matrix operators (converter.report.macs, docs/architectures.md)
    weight_bytes: int  # bytes of its constant inputs in the flatbuffer (int8 weights, int32 biases, ...)
    activation_bytes: int
    scratch_bytes: int
    elementwise_mults: int = 0  # element-wise multiplies (MUL, ...), counted apart from MACs as profile does

    @property
    def live_bytes(self) -> int:
        return self.activation_bytes + self.scratch_bytes


@dataclass(frozen=True)
class TensorBox:
    """A buffer of the arena head: a tensor (``tensor`` index) or a kernel scratch buffer
    (``tensor`` None), placed at ``offset`` and live from ``first_op`` to ``last_op``."""

    tensor: int | None
    name: str
    offset: int
    size_bytes: int
    first_op: int
    last_op: int


@dataclass(frozen=True)
class ArenaFigures:
    total_bytes: int  # what TFLM records as used (RecordingMicroAllocator total)
    head_bytes: int  # non-persistent: planned tensors and scratch buffers
    tail_bytes: int  # persistent allocations
    required_bytes: int  # smallest arena with which AllocateTensors succeeds: give the firmware this
    categories: dict  # RecordingMicroAllocator category -> bytes
    other_tail_bytes: int  # tail outside those categories: allocator objects, builtin options, scratch handles
    pointer_bytes: int
    kernels: str
    plan: str = ""  # who places the head: TFLM's greedy planner, or the model's offline plan


@dataclass(frozen=True)
class FlashFigures:
    model_bytes: int
    code_bytes: int  # TFLM runtime + the kernels of the operators used (estimate)
    runtime_code_bytes: int
    kernel_code_bytes: dict  # operator -> bytes of its kernel linked alone (with its helpers)
    shared_code_bytes: int  # <= 0: helpers several of these kernels share, counted once
    code_method: str  # how the code estimate was obtained
    application_code_bytes: int = 0  # main, platform layer, startup, C library of the generated project

    @property
    def firmware_code_bytes(self) -> int:
        """The firmware's code: TFLM's (runtime + kernels) and the application's."""
        return self.code_bytes + self.application_code_bytes

    @property
    def total_bytes(self) -> int:
        """The firmware's flash: the model, TFLM's code and the application's."""
        return self.model_bytes + self.firmware_code_bytes


# The board fit is the one generate applies (converter.report.fit.check_fit): one rule, one breakdown.
BoardFit = FitCheck


@dataclass(frozen=True)
class Measurement:
    """The TFLM interpreter's own figures (``--measure``; 64-bit host build, its kernels)."""

    used_bytes: int  # arena_used_bytes() with a generous arena
    required_bytes: int  # smallest arena that allocates (bisection)
    estimate_used_bytes: int  # the estimator's figures for the same build, for side by side
    estimate_required_bytes: int


@dataclass(frozen=True)
class SubgraphRows:
    """The operators of one further subgraph (IF/WHILE branches, CALL_ONCE init), with the
    activation and scratch bytes of its own planned buffers while each runs."""

    index: int
    name: str
    operators: tuple  # OperatorRow, indices local to the subgraph


@dataclass(frozen=True)
class MemoryReport:
    model_path: str | None
    model_bytes: int
    target: str
    kernels: str
    operators: tuple  # OperatorRow
    boxes: tuple  # TensorBox, the arena timeline
    peak_live_bytes: int
    peak_op_index: int
    arena: ArenaFigures
    flash: FlashFigures
    board: BoardFit | None = None
    measurement: Measurement | None = None
    warnings: tuple = field(default_factory=tuple)
    weight_bytes: int = 0  # unique constant buffers (a buffer shared by operators counted once)
    model_inputs: tuple = ()  # tensor indices of the main subgraph's inputs
    model_outputs: tuple = ()
    cmsis_nn_arch: str | None = None  # CMSIS-NN code path ("dsp", "mve", "scalar"); None for reference kernels
    runtimes: tuple = ()  # converter.report.runtimes.RuntimeFootprint, when both runtimes are compared
    subgraphs: tuple = ()  # SubgraphRows for every subgraph after the main one (control flow)
    what_would_fit: tuple = ()  # sentences (converter.report.suggest) when the model does not fit the board

    @property
    def total_macs(self) -> int:
        return sum(o.macs for o in self.operators) + sum(o.macs for g in self.subgraphs for o in g.operators)

    @property
    def total_elementwise_mults(self) -> int:
        return (sum(o.elementwise_mults for o in self.operators)
                + sum(o.elementwise_mults for g in self.subgraphs for o in g.operators))


    @property
    def peak_op_name(self) -> str:
        return self.operators[self.peak_op_index].name if self.operators else ""

    def to_dict(self) -> dict:
        return {
            "model": self.model_path,
            "model_bytes": self.model_bytes,
            "target": self.target,
            "pointer_bytes": self.arena.pointer_bytes,
            "kernels": self.kernels,
            "cmsis_nn_arch": self.cmsis_nn_arch,
            "total_macs": self.total_macs,
            "total_elementwise_mults": self.total_elementwise_mults,
            "counts": ("macs: multiply-accumulates of CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, TRANSPOSE_CONV, "
                       "BATCH_MATMUL, LSTM and SVDF (docs/architectures.md, as attendnets profile counts); "
                       "elementwise_mults: MUL and other element-wise products; weight_bytes: constant tensors "
                       "in the flatbuffer (int8 weights, int32 biases), each buffer once"),
            "weight_bytes": self.weight_bytes,
            "peak_live_bytes": self.peak_live_bytes,
            "peak_operator": {"index": self.peak_op_index, "name": self.peak_op_name},
            "arena": {
                "total": self.arena.total_bytes,
                "head": self.arena.head_bytes,
                "tail": self.arena.tail_bytes,
                "required": self.arena.required_bytes,
                "categories": dict(self.arena.categories),
                "other_tail": self.arena.other_tail_bytes,
                "plan": self.arena.plan,
            },
            "flash": {
                "model": self.flash.model_bytes,
                "code": self.flash.code_bytes,
                "runtime_code": self.flash.runtime_code_bytes,
                "kernel_code": dict(self.flash.kernel_code_bytes),
                "shared_code": self.flash.shared_code_bytes,
                "application_code": self.flash.application_code_bytes,
                "firmware_code": self.flash.firmware_code_bytes,
                "total": self.flash.total_bytes,
                "code_method": self.flash.code_method,
            },
            "board": None if self.board is None else {**self.board.to_dict(),
                                                      "what_would_fit": list(self.what_would_fit)},
            "measurement": None if self.measurement is None else asdict(self.measurement),
            "operators": [_row_dict(o) for o in self.operators],
            "subgraphs": [{"index": g.index, "name": g.name, "operators": [_row_dict(o) for o in g.operators]}
                          for g in self.subgraphs],
            "arena_timeline": [asdict(b) for b in self.boxes],
            "warnings": list(self.warnings),
            **({"runtimes": {f.runtime: f.to_dict() for f in self.runtimes}} if self.runtimes else {}),
        }


def _row_dict(o):
    return {
        "index": o.index,
        "name": o.name,
        "input_shapes": [list(s) for s in o.input_shapes],
        "output_shapes": [list(s) for s in o.output_shapes],
        "weight_shapes": [list(s) for s in o.weight_shapes],
        "macs": o.macs,
        "elementwise_mults": o.elementwise_mults,
        "weight_bytes": o.weight_bytes,
        "activation_bytes": o.activation_bytes,
        "scratch_bytes": o.scratch_bytes,
    }


def _operator_rows(model, sg, boxes):
    """One OperatorRow per operator of ``sg``; ``boxes``: that subgraph's planned buffers."""
    rows = []
    for op in sg.operators:
        # Sizes as planned in the arena (each buffer rounded up to 16 bytes).
        live = sum(b.size_bytes for b in boxes if b.tensor is not None and b.first_op <= op.index <= b.last_op)
        scratch = sum(b.size_bytes for b in boxes if b.tensor is None and b.first_op <= op.index <= b.last_op)
        ins = [i for i in op.inputs if i >= 0]
        rows.append(OperatorRow(
            index=op.index,
            name=op.display_name,
            input_shapes=tuple(sg.tensor(i).shape for i in ins if not sg.tensor(i).is_constant),
            output_shapes=tuple(sg.tensor(i).shape for i in op.outputs if i >= 0),
            weight_shapes=tuple(sg.tensor(i).shape for i in ins if sg.tensor(i).is_constant),
            macs=operator_macs(sg, op),
            weight_bytes=sum(model.buffers[sg.tensor(i).buffer].size_bytes for i in set(ins)
                             if sg.tensor(i).is_constant),
            activation_bytes=live,
            scratch_bytes=scratch,
            elementwise_mults=operator_elementwise_mults(sg, op),
        ))
    return rows


def build_memory_report(model, target: str = "cortex-m", kernels: str = "reference", board=None,
                        measure: bool = False, cmsis_nn_arch: str | None = None) -> MemoryReport:
    """Compute every figure of the report for ``model`` (a TFLiteModel).

    ``cmsis_nn_arch`` ("dsp", "mve", "scalar": CMSIS-NN's code path, which sets
    its scratch buffers) defaults to the board's (derived from its CPU), else "dsp".

    Float, int16 and mixed models are reported like int8 ones.  Raises
    UnsupportedOperatorError when TFLM cannot run the model (the report would
    describe something that never runs), naming the tensor types and custom
    operators it found.
    """
    if target not in TARGETS:
        raise BadInputError(f"unknown target {target!r}: choose one of {', '.join(TARGETS)}")
    if kernels not in KERNEL_SETS:
        raise BadInputError(f"unknown kernel set {kernels!r}: choose one of {', '.join(KERNEL_SETS)}")
    name = model.path.name if model.path else "the model"
    check = check_model(model, kernels=kernels)
    if not check.ok:
        raise UnsupportedOperatorError(f"{name} ({describe_model(model)}): {check.summary_line()}")

    pointer_bytes = TARGETS[target]
    if board is not None and cmsis_nn_arch is not None and cmsis_nn_arch != board.cmsis_nn_arch:
        raise BadInputError(
            f"board {board.name} ({board.cpu}) runs CMSIS-NN's {board.cmsis_nn_arch} code, not {cmsis_nn_arch}"
        )
    if cmsis_nn_arch is None:
        cmsis_nn_arch = board.cmsis_nn_arch if board is not None else "dsp"
    estimate = estimate_arena(model, pointer_bytes=pointer_bytes, kernels=kernels, cmsis_nn_arch=cmsis_nn_arch)

    plan_text, plan_warning = describe_memory_plan(model, kernels, cmsis_nn_arch)
    sg = model.subgraphs[0]

    boxes = tuple(_boxes(estimate, sg))
    rows = _operator_rows(model, sg, boxes)
    subgraphs = tuple(
        SubgraphRows(other.index, other.name or "", tuple(_operator_rows(model, other, tuple(_boxes(estimate, other)))))
        for other in model.subgraphs[1:]
    )
    unique_buffers = {g.tensor(i).buffer for g in model.subgraphs for op in g.operators for i in op.inputs
                      if i >= 0 and g.tensor(i).is_constant}
    weight_bytes = sum(model.buffers[b].size_bytes for b in unique_buffers)

    arena = ArenaFigures(
        total_bytes=estimate.total_bytes,
        head_bytes=estimate.head_bytes,
        tail_bytes=estimate.tail_bytes,
        required_bytes=estimate.required_bytes,
        categories=dict(estimate.categories),
        other_tail_bytes=estimate.tail_bytes - sum(estimate.categories.values()),
        pointer_bytes=pointer_bytes,
        kernels=kernels,
        plan=plan_text,
    )
    code = estimate_code_bytes([r.name for r in rows] + [r.name for g in subgraphs for r in g.operators], kernels,
                               board)
    flash = FlashFigures(
        model_bytes=model.size_bytes,
        code_bytes=code.total_bytes,
        runtime_code_bytes=code.runtime_bytes,
        kernel_code_bytes=code.kernel_bytes,
        shared_code_bytes=code.shared_correction_bytes,
        code_method=code.method,
        application_code_bytes=code.application_bytes,
    )
    fit = None
    if board is not None:
        # what the generated firmware holds: the model, TFLM + kernels + application code, the arena
        # as generate sizes it, stack, heap and static data (the same call generate makes)
        fit = check_fit(model.size_bytes, code.firmware_bytes,
                        arena_bytes_for(estimate.required_bytes), board)
    measurement = None
    if measure:
        measurement = _measure(model, kernels, pointer_bytes, estimate)

    peak_bytes = estimate.peak_live_bytes
    peak_op = estimate.peak_op_index
    return MemoryReport(
        model_path=str(model.path) if model.path else None,
        model_bytes=model.size_bytes,
        target=target,
        kernels=kernels,
        cmsis_nn_arch=estimate.cmsis_nn_arch,
        operators=tuple(rows),
        boxes=boxes,
        peak_live_bytes=peak_bytes,
        peak_op_index=peak_op,
        arena=arena,
        flash=flash,
        board=fit,
        measurement=measurement,
        warnings=tuple(w.message for w in check.warnings) + ((plan_warning,) if plan_warning else ()),
        weight_bytes=weight_bytes,
        model_inputs=tuple(sg.inputs),
        model_outputs=tuple(sg.outputs),
        subgraphs=subgraphs,
    )


def _boxes(estimate, sg):
    """The planned buffers of subgraph ``sg`` (operator indices local to it)."""
    for p in estimate.placements:
        if getattr(p, "subgraph", 0) != sg.index:
            continue
        tensor = getattr(p, "tensor_index", None)
        if tensor is not None and tensor >= 0:
            label = sg.tensor(tensor).name
        else:
            tensor = None
            label = getattr(p, "name", None) or "scratch"
        yield TensorBox(tensor, label, p.offset, p.size_bytes, p.first_op, p.last_op)


def _measure(model, kernels, pointer_bytes, estimate):
    """Run the tflite-micro interpreter (64-bit host, its own kernels) and bisect the arena."""
    measured = measure_arena(model)
    host = estimate if pointer_bytes == 8 and kernels == "reference" else estimate_arena(
        model, pointer_bytes=8, kernels="reference")
    return Measurement(
        used_bytes=measured.used_bytes,
        required_bytes=measured.required_bytes,
        estimate_used_bytes=host.total_bytes,
        estimate_required_bytes=host.required_bytes,
    )
