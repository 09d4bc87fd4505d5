"""The tensor arena TFLM needs for a model, computed from the flatbuffer alone.

API (stable; used by ``attendnets report``, ``attendnets arena`` and firmware
generation)::

    from converter.tflm.arena import estimate_arena
    est = estimate_arena("model.tflite", pointer_bytes=4, kernels="reference")
    est.required_bytes   # smallest tensor_arena[] with which AllocateTensors() succeeds
    est.total_bytes      # what TFLM records as used (arena_used_bytes()) = head + tail
    est.head_bytes, est.tail_bytes
    est.categories       # {"TfLiteEvalTensor data": bytes, ...} as RecordingMicroAllocator prints them
    est.tensors          # [TensorPlacement(tensor_index, offset, size, first_op, last_op, name, ...), ...]
                         #   every buffer of the memory plan; tensor_index -1 = a kernel scratch buffer
                         #   (alias: est.placements; TensorPlacement.size_bytes = .size)
    est.op_scratch_bytes # [bytes of scratch buffers requested by op i, ...]  (alias: scratch_bytes_per_op)
    est.op_live_bytes    # [planned bytes alive while op i runs, ...]
    est.peak_live_bytes, est.peak_op_index
    est.required_reason  # the allocation step that sets required_bytes
    est.to_dict()        # everything as plain data (JSON-ready)

``measure_arena(model)`` (re-exported from :mod:`converter.tflm.arena_measure`)
runs the tflite-micro interpreter and returns the measured figures.

``estimate_arena(model_or_path, pointer_bytes=8|4, kernels="reference"|"cmsis-nn",
cmsis_nn_arch="dsp"|"mve"|"scalar", recording=None, compression=None)`` accepts a path, bytes or a
:class:`converter.tflite_model.TFLiteModel`.  ``pointer_bytes=8`` is the 64-bit
host build of the ``tflite-micro`` Python package (built with compression, its
interpreter uses a RecordingMicroAllocator); ``pointer_bytes=4`` a 32-bit
Cortex-M firmware build (no compression, a plain ``MicroInterpreter(model,
resolver, arena, size)``).  ``recording``/``compression`` override those
defaults.  ``cmsis_nn_arch`` is the CMSIS-NN code path of the target CPU (only
read with ``kernels="cmsis-nn"``): ``"dsp"`` Cortex-M4/M7/M33 (the default),
``"mve"`` Cortex-M55/M85 (Helium), ``"scalar"`` Cortex-M0/M0+/M3; the board
catalog derives it from the CPU (``codegen.boards.Board.cmsis_nn_arch``).
An operator the estimator does not model raises
:class:`~attendnets_base.errors.UnsupportedOperatorError`.

How (see docs/memory.md): the module replays, call by call, what TFLM's
``MicroInterpreter::AllocateTensors()`` does to the arena -- the allocator
objects created in the tail, the eval tensors and node structs, each op's
builtin options, each kernel's ``Init`` and ``Prepare`` (persistent OpData,
temporary TfLiteTensors in the temp section, scratch buffer requests,
:mod:`converter.tflm.kernel_allocations`), the scratch-request list growing in the
head, the planning step (AllocationInfo array and the GreedyMemoryPlanner's
working memory in temp, :mod:`converter.tflm.memory_planner`), the head reserved for
the plan, and the input/output TfLiteTensors -- on an exact model of
``SingleArenaBufferAllocator`` (head grows up from the aligned arena start,
tail grows down from its end, every allocation aligned as TFLM aligns it).
Replaying the same trace against an arena of N bytes tells whether N bytes
allocate; ``required_bytes`` is the smallest such N (success is monotonic in N,
so a bisection finds it).  ``total_bytes`` is the usage recorded with an arena
whose size is a multiple of 16 bytes (the usual ``alignas(16)`` arena).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
import struct

from attendnets_base.errors import InvalidOfflinePlanError, UnsupportedOperatorError
from converter.tflm import tflm_structs as structs
from converter.tflm.kernel_allocations import CMSIS_NN_ARCHES, KERNEL_SETS, KernelContext, kernel_model
from converter.tflm.memory_planner import IN_PLACE_OPS, ONLINE_PLANNED, GreedyMemoryPlanner
from attendnets_base.errors import BadInputError
from converter.tflite_model import TFLiteModel, load_model
from converter.tflm.arena_measure import measure_arena as _measure

ALIGN = structs.ARENA_BUFFER_ALIGNMENT

# RecordingMicroAllocator categories, named as its PrintAllocations() prints them
# (tensorflow/lite/micro/recording_micro_allocator.cc).
EVAL_TENSORS = "TfLiteEvalTensor data"
PERSISTENT_TENSORS = "Persistent TfLiteTensor data"
QUANTIZATION = "Persistent TfLiteTensor quantization data"
PERSISTENT_BUFFERS = "Persistent buffer data"
VARIABLES = "TfLiteTensor variable buffer data"
NODES = "NodeAndRegistration struct"
OP_DATA = "Operator runtime data"
CATEGORIES = (EVAL_TENSORS, PERSISTENT_TENSORS, QUANTIZATION, PERSISTENT_BUFFERS, VARIABLES, NODES, OP_DATA)

_CONTROL_FLOW_SUBGRAPHS = {
    "IF": ("then_subgraph_index", "else_subgraph_index"),
    "WHILE": ("cond_subgraph_index", "body_subgraph_index"),
    "CALL_ONCE": ("init_subgraph_index",),
}


def _align_up(value, alignment):
    return -(-value // alignment) * alignment


def _align_down(value, alignment):
    return (value // alignment) * alignment


@dataclass
class TensorPlacement:
    """One buffer the memory planner placed in the head."""

    tensor_index: int  # tensor index in subgraph 0, or -1 for a kernel scratch buffer
    offset: int  # bytes from the start of the arena
    size: int  # bytes, rounded up to 16 as planned
    first_op: int  # index of the first operator during which it is alive
    last_op: int  # index of the last operator during which it is alive
    subgraph: int = 0
    scratch_op: int | None = None  # for scratch buffers: the operator that requested it
    offline_planned: bool = False
    name: str = ""  # the tensor's name, or "scratch (op N)"
    # The lifetime exactly as TFLM's AllocationInfoBuilder marks it (allocation
    # scopes: 0 = subgraph inputs, operator i of subgraph 0 = i + 1; control flow
    # subgraphs take scopes of their own).  Two buffers may share bytes only if
    # these intervals are disjoint; converter.planner plans on them.
    first_time_used: int = -1
    last_time_used: int = -1

    @property
    def size_bytes(self):
        return self.size


@dataclass
class CategoryUsage:
    used_bytes: int = 0  # with alignment overhead
    requested_bytes: int = 0
    count: int = 0


@dataclass
class ArenaEstimate:
    """The arena TFLM's MicroAllocator uses for one model (all figures in bytes)."""

    pointer_bytes: int
    kernels: str
    recording: bool
    compression: bool
    total_bytes: int  # recorded as used: head + tail (arena size a multiple of 16)
    head_bytes: int  # non-persistent: the memory plan (tensors + scratch)
    tail_bytes: int  # persistent allocations
    required_bytes: int  # smallest arena size with which AllocateTensors() succeeds
    categories: dict  # RecordingMicroAllocator category -> used bytes
    category_details: dict  # category -> CategoryUsage
    uncategorized_tail_bytes: int  # allocator objects, builtin options, scratch handles
    tensors: list  # TensorPlacement for every planned buffer
    op_scratch_bytes: list  # per operator of subgraph 0: scratch bytes requested
    op_live_bytes: list  # per operator of subgraph 0: planned bytes alive during it
    peak_live_bytes: int
    peak_op_index: int
    required_reason: str  # which step needs the most arena
    cmsis_nn_arch: str | None = None  # CMSIS-NN code path ("dsp", "mve", "scalar"); None for reference kernels

    @property
    def placements(self):
        """Alias of :attr:`tensors`."""
        return self.tensors

    @property
    def scratch_bytes_per_op(self):
        """Alias of :attr:`op_scratch_bytes`."""
        return self.op_scratch_bytes

    def to_dict(self):
        return asdict(self)


def measure_arena(model):
    """Measure with the tflite-micro interpreter: see :func:`converter.tflm.arena_measure.measure_arena`."""
    return _measure(model.data if hasattr(model, "data") else model)


class _Failed(Exception):
    """The replayed arena is too small at this step."""


@dataclass
class _Event:
    kind: str  # persistent | temp | resize | reset_temp | plan | reserve_head
    size: int = 0
    align: int = 1
    category: str | None = None
    what: str = ""
    buffers: int = 0  # for "plan": number of planned buffers
    guarded: int | None = None  # temp: leading bytes read again later (None: all); a persistent
    #                             buffer must not overlap them


class _ArenaState:
    """SingleArenaBufferAllocator + RecordingSingleArenaBufferAllocator bookkeeping.

    Addresses are offsets from the (16-byte aligned) arena start.
    """

    def __init__(self, arena_size):
        self.buffer_head = 0
        self.buffer_tail = arena_size
        self.head = 0
        self.tail = arena_size
        self.temp = 0
        self.temp_guard = 0  # end of the last temp allocation that is read again later
        self.used = 0
        self.categories = {name: CategoryUsage() for name in CATEGORIES}

    def persistent(self, event):
        result = _align_down(self.tail - event.size, event.align)
        # TFLM only checks against the head, but a persistent buffer that lands on
        # a live temporary TfLiteTensor, or on the scale / zero-point pointers of
        # its TfLiteAffineQuantization, corrupts what the kernel and
        # DeallocateTempTfLiteTensor read next, and the op fails.  The trailing
        # quantized_dimension field and zero-point array of the last temporary
        # tensor are not read again and may be overwritten (measured: a
        # persistent buffer overlapping them still allocates).
        if result < max(self.head, self.temp_guard):
            raise _Failed(event.what)
        self.used += self.tail - result
        if event.category:
            usage = self.categories[event.category]
            usage.used_bytes += self.tail - result
            usage.requested_bytes += event.size
            usage.count += 1
        self.tail = result

    def resize(self, event):
        aligned = _align_up(self.buffer_head, event.align)
        if self.tail - aligned < event.size:
            raise _Failed(event.what)
        self.used += aligned + event.size - self.head
        self.head = aligned + event.size
        self.temp = self.temp_guard = self.head

    def temp_alloc(self, event):
        aligned = _align_up(self.temp, event.align)
        if self.tail - aligned < event.size:
            raise _Failed(event.what)
        self.temp = aligned + event.size
        if event.guarded is None:
            self.temp_guard = self.temp
        elif event.guarded:
            self.temp_guard = aligned + event.guarded

    def plan(self, event):
        # CommitStaticMemoryPlan: GetAvailableMemory(16), AllocateTemp(that, 16),
        # GreedyMemoryPlanner::Init: max_buffer_count = size / per_buffer_size().
        remaining = _align_down(self.tail, ALIGN) - _align_up(self.temp, ALIGN)
        if remaining < 0:
            raise _Failed(event.what)
        if event.buffers > remaining // structs.GREEDY_PLANNER_BYTES_PER_BUFFER:
            raise _Failed(event.what)

    def run(self, events):
        for event in events:
            if event.kind == "persistent":
                self.persistent(event)
            elif event.kind == "temp":
                self.temp_alloc(event)
            elif event.kind in ("resize", "reserve_head"):
                self.resize(event)
            elif event.kind == "reset_temp":
                self.temp = self.temp_guard = self.head
            elif event.kind == "plan":
                self.plan(event)
            else:  # pragma: no cover - internal
                raise AssertionError(event.kind)
        return self


class _TraceBuilder(KernelContext):
    """Builds the allocation trace of MicroInterpreter::AllocateTensors()."""

    def __init__(self, model, pointer_bytes, kernels, recording, compression, cmsis_nn_arch="dsp"):
        self.model = model
        self.pointer_bytes = pointer_bytes
        self.kernels = kernels
        self.cmsis_nn_arch = cmsis_nn_arch
        self.recording = recording
        self.compression = compression
        self.events: list[_Event] = []
        self.scratch_requests = []  # (bytes, subgraph, node)
        self.shapes = {}  # (subgraph, tensor) -> shape a kernel wrote into the eval tensor's dims
        self.subgraph = None
        self.op = None
        self.prepared_handles = {}  # (subgraph, tensor) -> (container, shared_name) of a prepared VAR_HANDLE
        self.allocated_resources = set()

    # -- struct helpers
    def layout(self, name):
        return structs.layout(name, self.pointer_bytes, self.compression)

    def _persistent_struct(self, name, count=1, category=None, what=None):
        size, align = self.layout(name)
        self.events.append(_Event("persistent", size * count, align, category, what or name))

    # -- KernelContext
    def tensor(self, index):
        if index is None or index < 0:
            return None
        return self.subgraph.tensors[index]

    def input(self, i):
        return self.tensor(self.op.inputs[i]) if i < len(self.op.inputs) else None

    def constant_data(self, tensor):
        buffer = self.model.buffers[tensor.buffer] if tensor is not None and 0 <= tensor.buffer < len(self.model.buffers) else None
        return bytes(buffer.data) if buffer is not None and buffer.data is not None else b""

    def output(self, i):
        return self.tensor(self.op.outputs[i]) if i < len(self.op.outputs) else None

    def persistent(self, nbytes):
        self.events.append(
            _Event("persistent", nbytes, ALIGN, PERSISTENT_BUFFERS, f"op {self.op.index} ({self.op.name}) persistent buffer")
        )

    def persistent_struct(self, name):
        size, _ = self.layout(name)
        self.events.append(_Event("persistent", size, ALIGN, PERSISTENT_BUFFERS, f"op {self.op.index} ({self.op.name}) {name}"))

    def _temp_tensor(self, tensor):
        if tensor is None:
            return None
        what = f"op {self.op.index} ({self.op.name}) temporary TfLiteTensor {tensor.index}"
        size, align = self.layout("TfLiteTensor")
        self.events.append(_Event("temp", size, align, what=what))
        channels = _quantization_channels(tensor)
        if channels:
            size, align = self.layout("TfLiteAffineQuantization")
            # scale and zero_point pointers are read again; quantized_dimension is not
            self.events.append(_Event("temp", size, align, what=what, guarded=2 * self.pointer_bytes))
            self.events.append(_Event("temp", structs.int_array_bytes(channels), 4, what=what, guarded=0))
        return tensor

    def temp_input(self, i):
        return self._temp_tensor(self.input(i))

    def temp_output(self, i):
        return self._temp_tensor(self.output(i))

    def temp_intermediate(self, i):
        index = self.op.intermediates[i] if i < len(self.op.intermediates) else -1
        return self._temp_tensor(self.tensor(index))

    def temp_buffer(self, nbytes, alignment):
        self.events.append(_Event("temp", nbytes, alignment, what=f"op {self.op.index} ({self.op.name}) temp buffer"))

    def scratch(self, nbytes):
        pending = sum(1 for r in self.scratch_requests if r[2] == -1)
        if pending >= structs.MAX_SCRATCH_BUFFERS_PER_OP:
            raise UnsupportedOperatorError(
                f"operator {self.op.index} ({self.op.name}) requests more than "
                f"{structs.MAX_SCRATCH_BUFFERS_PER_OP} scratch buffers"
            )
        self.scratch_requests.append([nbytes, self.subgraph.index, -1])

    def set_output_shape(self, i, shape):
        """A kernel rewrote output i's dims (e.g. RESHAPE resolving -1); planning uses the new shape."""
        self.shapes[(self.subgraph.index, self.op.outputs[i])] = tuple(shape)

    def shape_of(self, sg_index, tensor):
        return self.shapes.get((sg_index, tensor.index), tensor.shape)

    def resource_handle(self, container, shared_name):
        """VAR_HANDLE Prepare: MicroResourceVariables::CreateIdIfNoneFound; its output now holds the id."""
        self.prepared_handles[(self.subgraph.index, self.op.outputs[0])] = (container, shared_name)

    def resource_of_input(self, i):
        """The (container, shared_name) an input resource tensor holds at Prepare time, or None (an
        id tensor whose VAR_HANDLE has not been prepared yet has no data)."""
        index = self.op.inputs[i] if i < len(self.op.inputs) else -1
        return self.prepared_handles.get((self.subgraph.index, index))

    def allocate_resource(self, key, nbytes):
        """MicroResourceVariables::Allocate: the first time for a variable, a persistent buffer."""
        if key not in self.allocated_resources:
            self.allocated_resources.add(key)
            self.events.append(_Event("persistent", nbytes, ALIGN, PERSISTENT_BUFFERS,
                                      f"op {self.op.index} ({self.op.name}) resource buffer"))

    def compressed_inputs(self, input_indices):
        return False  # models with compression metadata are refused up front

    def _each_operator(self, model, kernel_models):
        """Every operator of every subgraph in order, as (subgraph, operator, its kernel model), with
        ``self.subgraph`` and ``self.op`` set to it."""
        for sg in model.subgraphs:
            self.subgraph = sg
            for op in sg.operators:
                self.op = op
                yield sg, op, kernel_models[(sg.index, op.index)]

    def _run_kernel(self, step):
        """Run a kernel model; tensors it cannot read as TFLM would are an explicit error."""
        try:
            step(self)
        except UnsupportedOperatorError:
            raise
        except (AttributeError, IndexError, KeyError, TypeError, ValueError) as exc:
            raise UnsupportedOperatorError(
                f"operator {self.op.index} ({self.op.name}) has inputs/outputs the {self.kernels} kernel model "
                f"cannot read ({type(exc).__name__}: {exc}); TFLM would reject it in Prepare"
            ) from None

    # -- the AllocateTensors() sequence
    def build(self):
        model = self.model
        raw = model.raw
        if raw is not None and any(raw.Buffers(b.index).Offset() > 1 for b in model.buffers if b.size_bytes):
            raise UnsupportedOperatorError(
                "the model keeps tensor data outside the flatbuffer (buffer offsets, for models over 2 GB); "
                "TFLM reads only inline buffers"
            )
        if "COMPRESSION_METADATA" in model.metadata:
            raise UnsupportedOperatorError(
                "the model uses TFLM tensor compression (COMPRESSION_METADATA), which the arena estimator does not "
                "model; measure the arena instead: attendnets arena MODEL.tflite --measure (the tflite-micro "
                "interpreter, built with compression)")
        ptr = self.pointer_bytes
        # MicroAllocator::Create / RecordingMicroAllocator::Create
        if self.recording:
            self._persistent_struct("RecordingSingleArenaBufferAllocator", what="allocator")
            self._persistent_struct("GreedyMemoryPlanner", what="memory planner")
            self._persistent_struct("RecordingMicroAllocator", what="allocator")
        else:
            self._persistent_struct("SingleArenaBufferAllocator", what="allocator")
            self._persistent_struct("GreedyMemoryPlanner", what="memory planner")
            self._persistent_struct("MicroAllocator", what="allocator")
        # MicroResourceVariables::Create(allocator, n) when the model has resource variables: the
        # tflite-micro package does it for every VAR_HANDLE shared name (runtime.py
        # count_resource_variables), generated firmware the same way (firmware_template model.cc).
        names = resource_variable_names(model)
        if names:
            size, _ = self.layout("MicroResourceVariables")
            self.events.append(_Event("persistent", size, ALIGN, PERSISTENT_BUFFERS, "resource variables"))
            size, _ = self.layout("MicroResourceVariable")
            self.events.append(
                _Event("persistent", size * len(names), ALIGN, PERSISTENT_BUFFERS, "resource variable array")
            )
        # StartModelAllocation
        self._persistent_struct("MicroBuiltinDataAllocator")
        request_size, request_align = self.layout("ScratchBufferRequest")
        self.events.append(
            _Event("resize", request_size * structs.MAX_SCRATCH_BUFFERS_PER_OP, request_align, what="scratch request list")
        )
        self._persistent_struct("SubgraphAllocations", count=len(model.subgraphs))
        for sg in model.subgraphs:
            for t in sg.tensors:
                _element_bytes(t)  # ConvertTensorType must accept every tensor
            self._persistent_struct("TfLiteEvalTensor", count=len(sg.tensors), category=EVAL_TENSORS)
        for sg in model.subgraphs:
            self._persistent_struct("NodeAndRegistration", count=len(sg.operators), category=NODES)
        # PrepareNodeAndRegistrationDataFromFlatbuffer: builtin options.
        kernel_models = {}
        for sg in model.subgraphs:
            for op in sg.operators:
                km = kernel_model(op, self.kernels)
                kernel_models[(sg.index, op.index)] = km
                if km.builtin_data:
                    self._persistent_struct(km.builtin_data, what=f"op {op.index} ({op.name}) builtin options")
        # InitSubgraphs
        for sg, op, km in self._each_operator(model, kernel_models):
            if km.init:
                self._run_kernel(km.init)
        # PrepareSubgraphs (+ FinishPrepareNodeAllocations after every op)
        for sg, op, km in self._each_operator(model, kernel_models):
            if km.prepare:
                self._run_kernel(km.prepare)
            for out in op.outputs:
                shape = self.shape_of(sg.index, sg.tensors[out]) if out >= 0 else ()
                if out >= 0 and any(d <= 0 for d in shape) and tuple(shape) != (0,):
                    raise UnsupportedOperatorError(
                        f"operator {op.index} ({op.name}) has a dynamic output tensor {out}; TFLM does not support it"
                    )
            self.events.append(_Event("reset_temp"))
            for r in self.scratch_requests:
                if r[2] == -1:
                    r[2] = op.index
            self.events.append(
                _Event(
                    "resize",
                    request_size * (len(self.scratch_requests) + structs.MAX_SCRATCH_BUFFERS_PER_OP),
                    request_align,
                    what=f"op {op.index} ({op.name}) scratch request list",
                )
            )
        # FinishModelAllocation: scratch buffer handles, then CommitStaticMemoryPlan.
        if self.scratch_requests:
            self._persistent_struct("ScratchBufferHandle", count=len(self.scratch_requests), what="scratch buffer handles")
        plan = _plan_memory(model, self.scratch_requests, self.shapes, set(self.prepared_handles))
        size_t_size, size_t_align = self.layout("size_t")
        self.events.append(_Event("temp", size_t_size * len(model.subgraphs), size_t_align, what="memory planning"))
        info_size, info_align = self.layout("AllocationInfo")
        self.events.append(_Event("temp", info_size * plan.allocation_info_count, info_align, what="memory planning"))
        for sg in model.subgraphs:
            for t in sg.tensors:
                if t.is_variable and plan.offline_offset(sg.index, t.index) == ONLINE_PLANNED:
                    self.events.append(
                        _Event("persistent", _tensor_bytes(t), ALIGN, VARIABLES, f"variable tensor {t.index}")
                    )
        self.events.append(_Event("plan", buffers=len(plan.buffers), what="memory planning"))
        self.events.append(_Event("reset_temp"))
        self.events.append(_Event("resize", 0, 1, what="memory planning"))
        self.events.append(_Event("reserve_head", plan.head_bytes, ALIGN, what="the memory plan (head)"))
        # Input and output TfLiteTensors (MicroInterpreter::AllocateTensors).
        main = model.subgraphs[0]
        for group, what in ((main.inputs, "input"), (main.outputs, "output")):
            self.events.append(_Event("persistent", ptr * len(group), ALIGN, PERSISTENT_BUFFERS, f"{what} tensor pointers"))
            for index in group:
                size, align = self.layout("TfLiteTensor")
                self.events.append(_Event("persistent", size, align, PERSISTENT_TENSORS, f"{what} TfLiteTensor"))
                channels = _quantization_channels(main.tensors[index])
                if channels:
                    size, align = self.layout("TfLiteAffineQuantization")
                    self.events.append(_Event("persistent", size, align, QUANTIZATION, f"{what} quantization"))
                    self.events.append(
                        _Event("persistent", structs.int_array_bytes(channels), 4, QUANTIZATION, f"{what} zero points")
                    )
        return plan


def resource_variable_names(model):
    """Unique VAR_HANDLE shared names (the count the tflite-micro package creates resource variables for)."""
    return sorted({op.options.get("shared_name") or "" for sg in model.subgraphs for op in sg.operators
                   if op.name == "VAR_HANDLE"})


def _quantization_channels(tensor):
    """Channels TFLM copies quantization for: needs non-empty scale AND zero_point."""
    q = tensor.quantization
    if q is None or not q.scale or not q.zero_point:
        return 0
    return len(q.scale)


def _element_bytes(tensor):
    """TfLiteTypeSizeOf (memory_helpers.cc), as the reader records it; 0 = a type TFLM cannot size."""
    element = tensor.element_size_bytes
    if not element:
        raise UnsupportedOperatorError(f"tensor {tensor.index} has type {tensor.dtype}, which TFLM does not support")
    return element


def _tensor_bytes(tensor, shape=None):
    """TfLiteEvalTensorByteLength: product of the (eval tensor's) shape times the element size."""
    element = _element_bytes(tensor)
    count = 1
    for d in tensor.shape if shape is None else shape:
        count *= d
    if count < 0:
        raise UnsupportedOperatorError(f"tensor {tensor.index} ({tensor.name}) has a dynamic shape {tensor.shape}")
    return count * element


def _is_constant(tensor, model):
    buffer = model.buffers[tensor.buffer] if 0 <= tensor.buffer < len(model.buffers) else None
    return buffer is not None and buffer.data is not None and len(buffer.data) > 0


@dataclass
class _Plan:
    buffers: list  # (subgraph, tensor_index or -1, scratch_index or None, size, first, last, offline_offset)
    offsets: list
    head_bytes: int
    allocation_info_count: int
    offline: dict = field(default_factory=dict)  # (subgraph, tensor) -> offset
    running: dict = field(default_factory=dict)  # planner time -> {subgraph: index of the op running then}

    def op_at(self, time, subgraph):
        """Index of the operator of ``subgraph`` running at planner ``time`` (the last one before it when
        none of its operators runs then; 0 before its first)."""
        for t in range(time, -1, -1):
            index = self.running.get(t, {}).get(subgraph)
            if index is not None:
                return index
        return 0

    def offline_offset(self, subgraph, tensor_index):
        return self.offline.get((subgraph, tensor_index), ONLINE_PLANNED)


def _offline_offsets(model):
    """The 'OfflineMemoryAllocation' metadata: [version, subgraph, count, offsets...]."""
    raw = model.metadata.get("OfflineMemoryAllocation")
    if raw is None:
        return None

    if len(raw) < 12:
        raise InvalidOfflinePlanError("the OfflineMemoryAllocation metadata is truncated")
    count = struct.unpack_from("<I", raw, 8)[0]
    total = sum(len(sg.tensors) for sg in model.subgraphs)
    if count != total:
        raise InvalidOfflinePlanError(
            f"the OfflineMemoryAllocation metadata has {count} offsets for {total} tensors; TFLM refuses such a model"
        )
    if len(raw) < 12 + 4 * count:
        raise InvalidOfflinePlanError(
            f"the OfflineMemoryAllocation metadata is truncated: {len(raw)} bytes for {count} offsets"
        )
    offsets = list(struct.unpack_from(f"<{count}i", raw, 12))
    bad = [(i, o) for i, o in enumerate(offsets) if o < ONLINE_PLANNED]
    if bad:
        raise InvalidOfflinePlanError(f"the OfflineMemoryAllocation metadata gives tensor {bad[0][0]} the offset {bad[0][1]}")
    return offsets


def _in_place_pairs(model):
    """(subgraph, input, output) of every operator TFLM runs correctly in place (IN_PLACE_OPS)."""
    pairs = set()
    for sg in model.subgraphs:
        for op in sg.operators:
            if op.name in IN_PLACE_OPS and op.inputs and op.outputs and op.inputs[0] >= 0 and op.outputs[0] >= 0:
                pairs.add((sg.index, op.inputs[0], op.outputs[0]))
    return pairs


def _check_offline_plan(model, infos):
    """Refuse an offline plan that puts two buffers alive at the same time on the same bytes.

    TFLM trusts the plan (greedy_memory_planner.cc places offline buffers without a
    check), so such a model would compute garbage.  Allowed: the input and output of
    an operator that TFLM runs in place (IN_PLACE_OPS) at the same offset with the
    same size.
    """
    fixed = [i for i in infos if i["needs"] and i["offline"] != ONLINE_PLANNED]
    if not fixed:
        return
    pairs = _in_place_pairs(model)
    fixed.sort(key=lambda i: i["first"])
    for k, a in enumerate(fixed):
        a_size = _align_up(a["bytes"], ALIGN)
        for b in fixed[k + 1:]:
            if b["first"] > a["last"]:
                break
            b_size = _align_up(b["bytes"], ALIGN)
            if a["offline"] + a_size <= b["offline"] or b["offline"] + b_size <= a["offline"]:
                continue
            if a["sg"] == b["sg"] and a["offline"] == b["offline"] and a_size == b_size and (
                (a["sg"], a["tensor"], b["tensor"]) in pairs or (a["sg"], b["tensor"], a["tensor"]) in pairs
            ):
                continue
            raise InvalidOfflinePlanError(
                f"the OfflineMemoryAllocation plan overlaps tensors {a['tensor']} and {b['tensor']} "
                f"(subgraph {a['sg']}, bytes {max(a['offline'], b['offline'])}.. alive at the same time)"
            )


def _plan_memory(model, scratch_requests, shapes=None, data_set_in_prepare=()):
    """AllocationInfoBuilder + CreatePlan + GreedyMemoryPlanner, as CommitStaticMemoryPlan runs them."""
    offline_list = _offline_offsets(model)
    infos = []  # per tensor of every subgraph, then per scratch request
    offline = {}
    k = 0
    for sg in model.subgraphs:
        for t in sg.tensors:
            nbytes = _tensor_bytes(t, (shapes or {}).get((sg.index, t.index)))
            # AllocationInfoBuilder: only tensors whose eval data is still null (not constant, not
            # set by a kernel's Prepare, as VAR_HANDLE sets its output to its resource id).
            needs = ((not _is_constant(t, model)) and (not t.is_variable) and nbytes != 0
                     and (sg.index, t.index) not in data_set_in_prepare)
            offset = ONLINE_PLANNED
            if offline_list is not None:
                offset = offline_list[k]
                offline[(sg.index, t.index)] = offset
                if t.is_variable and offset != ONLINE_PLANNED:
                    needs = True
            k += 1
            infos.append({"sg": sg.index, "tensor": t.index, "bytes": nbytes, "first": -1, "last": -1,
                          "needs": needs, "offline": offset, "scratch": None})  # fmt: skip
    scratch_base = len(infos)
    for i, (nbytes, sg_index, node) in enumerate(scratch_requests):
        infos.append({"sg": sg_index, "tensor": -1, "bytes": nbytes, "first": -1, "last": -1, "needs": True,
                      "offline": ONLINE_PLANNED, "scratch": i, "node": node})  # fmt: skip
    offsets_by_subgraph = {}
    base = 0
    for sg in model.subgraphs:
        offsets_by_subgraph[sg.index] = base
        base += len(sg.tensors)

    scope = [0]
    # Which operator runs at each planner time step, per subgraph: time -> {subgraph: op index}
    # (a control-flow operator stays "running" in its subgraph while its subgraphs run).
    running = {}
    active = {}

    def first(info, t):
        if info["first"] == -1:
            info["first"] = t

    def mark(sg_index):
        sg = model.subgraphs[sg_index]
        sub = offsets_by_subgraph[sg_index]
        for i in sg.inputs:
            first(infos[sub + i], scope[0])
            infos[sub + i]["last"] = scope[0]
        for op in sg.operators:
            scope[0] += 1
            active[sg_index] = op.index
            running[scope[0]] = dict(active)
            for o in op.outputs:
                if o >= 0:
                    first(infos[sub + o], scope[0])
            start = scope[0]
            for option in _CONTROL_FLOW_SUBGRAPHS.get(op.name, ()):
                scope[0] += 1
                running[scope[0]] = dict(active)
                mark(op.options[option])
            for i in op.inputs:
                if i >= 0:
                    infos[sub + i]["last"] = scope[0]
            for o in op.outputs:
                if o >= 0:
                    infos[sub + o]["last"] = scope[0]
            for s in range(len(scratch_requests)):
                info = infos[scratch_base + s]
                if info["node"] == op.index and info["sg"] == sg_index:
                    first(info, start)
                    info["last"] = scope[0]
        for o in sg.outputs:
            first(infos[sub + o], scope[0])
            infos[sub + o]["last"] = scope[0]

    mark(0)
    active.clear()
    if offline_list is not None:
        _check_offline_plan(model, infos)
    planner = GreedyMemoryPlanner()
    planned = []
    for info in infos:
        if info["needs"]:
            planner.add_buffer(_align_up(info["bytes"], ALIGN), info["first"], info["last"], info["offline"])
            planned.append(info)
    offsets = planner.offsets()
    return _Plan(
        buffers=[(p, planner.buffers[i]) for i, p in enumerate(planned)],
        offsets=offsets,
        head_bytes=planner.maximum_memory_size(),
        allocation_info_count=len(infos),
        offline=offline,
        running=running,
    )


def _load(model_or_path):
    if isinstance(model_or_path, TFLiteModel):
        return model_or_path
    return load_model(model_or_path)


def _fits(events, arena_size):
    try:
        _ArenaState(arena_size).run(events)
        return True, ""
    except _Failed as failure:
        return False, str(failure)


def smallest_arena(events, start):
    """Smallest arena size (bytes) with which the trace replays without running out."""
    hi = max(start, 1)
    while not _fits(events, hi)[0]:
        hi *= 2
    lo = 0  # an empty arena never allocates
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _fits(events, mid)[0]:
            hi = mid
        else:
            lo = mid
    return hi, _fits(events, lo)[1]


def estimate_arena(model_or_path, pointer_bytes=8, kernels="reference", recording=None, compression=None,
                   cmsis_nn_arch="dsp"):
    """Compute the arena for ``model_or_path``; see the module docstring."""
    structs.check_pointer_bytes(pointer_bytes)
    if kernels not in KERNEL_SETS:
        raise BadInputError(f"kernel set must be one of {', '.join(KERNEL_SETS)}, got {kernels!r}")
    if cmsis_nn_arch not in CMSIS_NN_ARCHES:
        raise BadInputError(
            f"CMSIS-NN architecture must be one of {', '.join(CMSIS_NN_ARCHES)}, got {cmsis_nn_arch!r}"
        )
    if recording is None:
        recording = pointer_bytes == 8
    if compression is None:
        compression = pointer_bytes == 8
    model = _load(model_or_path)
    builder = _TraceBuilder(model, pointer_bytes, kernels, recording, compression, cmsis_nn_arch)
    plan = builder.build()
    events = builder.events

    # Usage as recorded with an arena whose size is a multiple of 16 (any such
    # size that fits gives the same figures).
    probe = 1 << 48
    try:
        state = _ArenaState(probe).run(events)
    except _Failed:
        raise UnsupportedOperatorError("the model needs more than 256 TiB of arena; its tensor shapes are not sane") from None
    tail = state.buffer_tail - state.tail
    head = max(state.head, state.temp) - state.buffer_head
    required, reason = smallest_arena(events, head + tail)

    # RecordingMicroAllocator counts eval tensors and nodes one per tensor/op,
    # not one per array allocation.
    state.categories[EVAL_TENSORS].count = sum(len(sg.tensors) for sg in model.subgraphs)
    state.categories[NODES].count = sum(len(sg.operators) for sg in model.subgraphs)
    categories = {name: usage.used_bytes for name, usage in state.categories.items()}
    main = model.subgraphs[0]
    n_ops = len(main.operators)
    placements = []
    for (info, buffer), offset in zip(plan.buffers, plan.offsets):
        # Planner times count every operator of every subgraph (control flow runs its subgraphs
        # inside its own step): back to operator indices of the buffer's own subgraph.
        first_op = plan.op_at(buffer.first_time_used, info["sg"])
        last_op = plan.op_at(buffer.last_time_used, info["sg"])
        placements.append(
            TensorPlacement(
                tensor_index=info["tensor"],
                offset=offset,
                size=buffer.size,
                first_op=first_op,
                last_op=last_op,
                subgraph=info["sg"],
                scratch_op=info.get("node") if info["scratch"] is not None else None,
                offline_planned=info["offline"] != ONLINE_PLANNED,
                first_time_used=buffer.first_time_used,
                last_time_used=buffer.last_time_used,
                name=(
                    model.subgraphs[info["sg"]].tensors[info["tensor"]].name
                    if info["tensor"] >= 0
                    else f"scratch (op {info.get('node')})"
                ),
            )
        )
    op_scratch = [0] * n_ops
    for nbytes, sg_index, node in builder.scratch_requests:
        if sg_index == 0 and 0 <= node < n_ops:
            op_scratch[node] += nbytes
    op_live = [0] * n_ops
    for p in placements:
        if p.subgraph != 0:
            continue
        for i in range(p.first_op, min(p.last_op, n_ops - 1) + 1):
            op_live[i] += p.size
    peak = max(op_live, default=0)
    peak_op = op_live.index(peak) if op_live else 0
    categorized = sum(categories.values())
    return ArenaEstimate(
        pointer_bytes=pointer_bytes,
        kernels=kernels,
        recording=recording,
        compression=compression,
        total_bytes=state.used,
        head_bytes=head,
        tail_bytes=tail,
        required_bytes=required,
        categories=categories,
        category_details={name: asdict(usage) for name, usage in state.categories.items()},
        uncategorized_tail_bytes=tail - categorized,
        tensors=placements,
        op_scratch_bytes=op_scratch,
        op_live_bytes=op_live,
        peak_live_bytes=peak,
        peak_op_index=peak_op,
        required_reason=reason,
        cmsis_nn_arch=cmsis_nn_arch if kernels == "cmsis-nn" else None,
    )
