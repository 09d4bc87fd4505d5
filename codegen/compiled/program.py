"""The compiled runtime's program as data: what :mod:`codegen.compiled.lower` builds, what the
planner places and what the one emitter (:mod:`codegen.compiled.emit`) renders.

A :class:`Program` is an ordered list of :class:`Step` objects.  A step is one call of a
kernel library function (or, with no function, a *view*: RESHAPE, which costs no code) and
says everything about it as typed data, never as C text:

- ``function``: the C function (``an_conv2d_s8``); "" for a view.
- ``args``: the call's arguments in order, each one *operand*:

  =====================  ================================================================
  :class:`Tensor`        an activation buffer in the arena: model tensor index (None for a
                         buffer the program makes itself), dtype, shape; ``offset`` (bytes
                         from the arena start) once planned.  Renders as its typed pointer.
  :class:`TensorSlice`   a pointer ``element_offset`` elements into an arena Tensor (a row
                         band, a patch: the part of a tensor one step of a split works on).
  :class:`Constant`      a constant array in flash: name hint, C type, values (NumPy, flat),
                         the model tensor it is (if any).  Named at emission, emitted only
                         when some step uses it.
  :class:`Params`        a ``static const`` parameter struct: C type and its fields as an
                         ordered mapping of typed values (int, :class:`F32`, a tuple of ints
                         for an array field, a nested :class:`Params` with an empty C type
                         for a struct field, a :class:`Constant` for a pointer field, None
                         for NULL).  Renders as the address of the struct.
  :class:`Scratch`       kernel scratch: ``size_bytes``, live during the step only;
                         ``offset`` once planned.
  :class:`PointerArray`  an array of pointers built in place (CONCATENATION's inputs): its
                         element C type and operands.
  ``int``                a plain scalar literal (an element count).
  ``None``               a null pointer (an optional array left out).
  =====================  ================================================================

- ``inputs`` / ``outputs``: the :class:`Tensor` objects the step reads and writes (the data
  flow the planner and rewrites use; the args refer to the same objects).
- ``output_aliases``: an input Tensor whose buffer the output may share: always for a view;
  for a call that works in place only when nothing reads that input afterwards.
- ``sources`` (kernel library files the call needs), ``macs``, ``comment``, and the TFLite
  operator it came from (``op_index``, ``name``: the profile hooks and the per-operator
  tables count per operator, so a split step keeps its operator's index).

Every object is plain data with identity: the same :class:`Tensor` (or :class:`Constant`)
object wherever the same buffer (or array) is meant.  That is what makes the program easy
to rewrite before emission (issues 18, 19, 21):

- *split* a step: replace it with several (``program.steps[i:i + 1] = [a, b]``), each with
  its own operands; :class:`Tensor` objects made by the program (``index=None``) are
  ordinary arena buffers the planner places like any other; the steps of one operator
  keep its ``op_index`` (the emitter keys their names ``<index>_<n>``);
- *fuse* or *re-order* steps: edit the list; liveness is read from the steps' inputs and
  outputs in list order when the program is planned, never from the TFLite graph;
- *re-point* an operand: :meth:`Program.repoint` swaps one Tensor for another in every
  step (args, inputs, outputs, aliases) and the model's inputs/outputs; :meth:`Step.repoint`
  in one step; :meth:`Step.replace_arg` swaps one argument of any kind;
- *choose a kernel variant*: change ``function``/``sources``/``args`` of one step;
- *evaluate at generation time*: replace a step by a :class:`Constant` feeding its readers
  (:func:`codegen.compiled.fold.fold_constants` does it for every step with an ``evaluate``
  whose inputs are all known; a step with no function and no alias but an ``evaluate`` is
  *generation-time only*: SHAPE, int32 shape arithmetic).

The three stages: :func:`codegen.compiled.lower.lower_model` (TFLite -> Program),
:func:`codegen.compiled.plan.plan_memory` (sets every Tensor's and Scratch's ``offset`` and
the program's ``arena_bytes``), :func:`codegen.compiled.emit.emit_model` (Program -> C
files through the Jinja templates; the constants in use are the operands' Constants).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from codegen.c_types import C_TYPES  # noqa: E402,F401  (TFLite tensor type -> C element type, one table)

#: TFLite tensor type -> NumPy element type.
NUMPY_TYPES = {"int8": np.int8, "uint8": np.uint8, "int16": np.int16, "int32": np.int32, "uint32": np.uint32,
               "int64": np.int64, "uint64": np.uint64, "float32": np.float32, "bool": np.bool_}
#: C element type -> bytes.
C_TYPE_BYTES = {"int8_t": 1, "uint8_t": 1, "int16_t": 2, "uint16_t": 2, "int32_t": 4, "uint32_t": 4,
                "int64_t": 8, "uint64_t": 8, "float": 4, "bool": 1}


@dataclass(eq=False)
class Tensor:
    """An activation buffer in the static arena (identity: one object per buffer)."""

    index: int | None  # the model's tensor index; None for a buffer the program makes (a patch)
    name: str
    dtype: str  # TFLite type name: "int8", "float32", ...
    shape: tuple
    offset: int | None = None  # bytes from the arena start, set by the planner
    arena: int = 0  # which arena part (Program.arena_parts) it lives in, set by the planner
    # state kept between invocations (a variable tensor: SVDF's activation state, a resource variable):
    # lives in the static state area (``offset`` from its start), not in the arena; model_reset() clears it
    state: bool = False
    # the byte model_reset() fills it with (TFLM: an int8 tensor's zero point, else 0); None: model_reset()
    # leaves it alone (a CALL_ONCE's has-run flag, which TFLM's Reset keeps too; zero at start-up)
    reset_byte: int | None = 0

    @property
    def c_type(self) -> str:
        return C_TYPES[self.dtype]

    @property
    def num_elements(self) -> int:
        """Element count (0 for a dynamic shape, as the model reader counts it)."""
        if any(d < 0 for d in self.shape):
            return 0
        n = 1
        for d in self.shape:
            n *= int(d)
        return n

    @property
    def size_bytes(self) -> int:
        return self.num_elements * C_TYPE_BYTES[self.c_type]

    def __repr__(self):
        where = "" if self.offset is None else f" @{self.offset}"
        return f"Tensor({self.index}, {self.name!r}, {self.dtype}{list(self.shape)}{where})"


@dataclass(frozen=True)
class TensorSlice:
    """A pointer ``element_offset`` elements into arena Tensor ``tensor`` (the step's inputs/outputs list
    the whole tensor: liveness is per buffer)."""

    tensor: Tensor
    element_offset: int


@dataclass(eq=False)
class Constant:
    """A constant array in flash: ``values`` (flat NumPy array) of C type ``c_type``."""

    hint: str  # what the emitter names it after (``an_<hint>``, made unique)
    c_type: str
    values: np.ndarray
    tensor_index: int | None = None  # the model's constant tensor it is (named ``an_const_t<i>``)

    def __post_init__(self):
        if self.c_type not in C_TYPE_BYTES:
            raise ValueError(f"Constant: unknown C type {self.c_type}")
        self.values = np.asarray(self.values).reshape(-1)

    @property
    def size_bytes(self) -> int:
        return int(self.values.size) * C_TYPE_BYTES[self.c_type]

    def __repr__(self):
        return f"Constant({self.hint!r}, {self.c_type}[{self.values.size}])"


@dataclass(frozen=True)
class F32:
    """A float field or argument, rendered exactly (a C99 hexadecimal float constant)."""

    value: float


@dataclass(eq=False)
class Params:
    """A parameter struct: C type and its fields in declaration order (typed values, see module doc).

    A nested struct field is a Params with ``c_type`` "" (its initializer only).
    """

    c_type: str
    fields: dict

    def constants(self):
        """The Constants its fields point at, in field order (nested structs included)."""
        for value in self.fields.values():
            if isinstance(value, Constant):
                yield value
            elif isinstance(value, Params):
                yield from value.constants()


@dataclass(eq=False)
class Scratch:
    """Kernel scratch memory in the arena, live during its step only."""

    size_bytes: int
    offset: int | None = None  # set by the planner
    arena: int = 0  # which arena part it lives in, set by the planner


@dataclass(frozen=True)
class PointerArray:
    """A C array of pointers made in place for one call: ``(<c_type>[]){a, b, ...}``."""

    c_type: str  # the element type, e.g. ``const int8_t* const``
    items: tuple  # Tensor / Constant operands


CONTROL_KINDS = ("", "if", "else", "end", "loop", "break_unless", "return_unless")  # Step.control
OPERAND_TYPES = (Tensor, TensorSlice, Constant, Params, Scratch, PointerArray, int, type(None))


@dataclass(eq=False)
class Step:
    """One kernel call (or a view) of the program; see the module docstring."""

    function: str
    args: tuple = ()
    sources: tuple = ()  # kernel library files: .c compiled (its .h included by model.c); .h helper, copied
    inputs: tuple = ()  # Tensors read
    outputs: tuple = ()  # Tensors written
    output_aliases: Tensor | None = None
    comment: str = ""
    macs: int = 0
    op_index: int = -1  # the TFLite operator it computes (set by the lowering driver)
    name: str = ""  # that operator's name (CONV_2D, or a custom code)
    # The step's arithmetic in Python for generation-time evaluation (codegen.compiled.fold):
    # ``evaluate(value_of) -> [array per output]``, ``value_of(tensor)`` the value of an input Tensor
    # known at generation time (raises fold.NotConstant otherwise).  None: never evaluated.
    evaluate: object = None
    # Control flow (IF, WHILE: codegen.compiled.ops.control): a step with a ``control`` kind is no call but a line
    # of C structure: "if" (``if (args[0][0]) {``: its one argument the bool condition), "else", "end" (closes the
    # last "if" or "loop"), "loop" (``for (;;) {``), "break_unless" (``if (!args[0][0]) break;``), "return_unless"
    # (``if (!args[0][0]) return 1;``: the invocation ends early, TFLM's kTfLiteAbort of a CIRCULAR_BUFFER).  ``nested``: the
    # step belongs to a control-flow operator's region (its steps, subgraphs' included, carry that operator's
    # index; the profile hooks wrap the whole region once).
    control: str = ""
    nested: bool = False

    def __post_init__(self):
        if self.control not in CONTROL_KINDS:
            raise ValueError(f"unknown control kind {self.control!r}")
        self.args = tuple(self.args)
        for a in self.args:
            if isinstance(a, bool) or not isinstance(a, OPERAND_TYPES):
                raise TypeError(f"step {self.function or 'view'}: argument {a!r} is not an operand")
        if not self.function and not self.control and self.output_aliases is None and self.outputs and \
                self.evaluate is None:
            raise ValueError("a view (no function) must alias its output to an input")

    @property
    def is_view(self) -> bool:
        return not self.function and not self.is_generation_time and not self.control

    @property
    def is_generation_time(self) -> bool:
        """A step with no kernel at all: only evaluated at generation time (SHAPE, int32 shape arithmetic);
        the fold pass removes it, or the model is refused."""
        return not self.function and self.output_aliases is None and self.evaluate is not None

    def arg_tensors(self):
        """The arena Tensors the arguments point into (Tensors, TensorSlices, pointer-array items)."""
        for a in self.args:
            items = a.items if isinstance(a, PointerArray) else (a,)
            for i in items:
                if isinstance(i, Tensor):
                    yield i
                elif isinstance(i, TensorSlice):
                    yield i.tensor

    @property
    def params(self) -> tuple:
        return tuple(a for a in self.args if isinstance(a, Params))

    @property
    def scratch(self) -> tuple:
        return tuple(a for a in self.args if isinstance(a, Scratch))

    @property
    def scratch_bytes(self) -> int:
        return sum(s.size_bytes for s in self.scratch)

    def constants(self):
        """Every Constant the step uses: direct arguments (and pointer-array items) in argument order,
        then those its parameter structs point at."""
        for a in self.args:
            if isinstance(a, Constant):
                yield a
            elif isinstance(a, PointerArray):
                yield from (i for i in a.items if isinstance(i, Constant))
        for p in self.params:
            yield from p.constants()

    def replace_arg(self, old, new) -> None:
        """Re-point one argument (by identity) in args and in pointer arrays."""
        def swap(a):
            if a is old:
                return new
            if isinstance(a, TensorSlice) and a.tensor is old and isinstance(new, Tensor):
                return TensorSlice(new, a.element_offset)
            if isinstance(a, PointerArray):
                return PointerArray(a.c_type, tuple(swap(i) for i in a.items))
            return a

        self.args = tuple(swap(a) for a in self.args)

    def repoint(self, old: Tensor, new: Tensor) -> None:
        """Every use of Tensor ``old`` in this step (args, inputs, outputs, alias) now means ``new``."""
        self.replace_arg(old, new)
        self.inputs = tuple(new if t is old else t for t in self.inputs)
        self.outputs = tuple(new if t is old else t for t in self.outputs)
        if self.output_aliases is old:
            self.output_aliases = new


@dataclass
class Program:
    """The compiled model as data: steps in execution order plus what the C API needs."""

    steps: list
    inputs: list  # model input Tensors, in the model's order
    outputs: list  # model output Tensors
    operator_names: list  # one per TFLite operator of the main subgraph (the profile tables)
    input_info: list = field(default_factory=list)  # codegen.context.tensor_info dicts
    output_info: list = field(default_factory=list)
    arena_bytes: int | None = None  # set by the planner: activations + scratch, exact
    state_bytes: int = 0  # set by the planner: the state area (state Tensors kept between invocations), exact
    planner: str = ""  # which placement the planner kept
    # set by the planner: one ArenaPart per RAM region the arena occupies (one, unless it was split)
    arena_parts: list = field(default_factory=list)
    # set by codegen.compiled.patch.patch_program: its patch stages (PatchPlan objects), None when layer by layer
    patch: object = None
    # (tensor, host, byte offset): ``tensor`` lives inside ``host``'s buffer, ``byte offset`` bytes from its start
    # (may be negative: the buffer then starts before the host); the rewrite that sets one has checked that no
    # byte is written while it is still to be read (the patch stage's split tensor over consumed input rows)
    overlays: list = field(default_factory=list)

    @property
    def planned(self) -> bool:
        return self.arena_bytes is not None

    def tensors(self) -> list:
        """Every arena Tensor in first-use order: model inputs, each step's inputs then outputs, model outputs."""
        seen, order = set(), []
        for t in [*self.inputs, *(t for s in self.steps for t in (*s.inputs, *s.outputs)), *self.outputs]:
            if id(t) not in seen:
                seen.add(id(t))
                order.append(t)
        return order

    def state_tensors(self) -> list:
        """The state Tensors (kept between invocations, in the state area), in first-use order."""
        return [t for t in self.tensors() if t.state]

    def constants(self) -> list:
        """Every Constant some step uses, each once, in first-use order."""
        seen, order = set(), []
        for s in self.steps:
            for c in s.constants():
                if id(c) not in seen:
                    seen.add(id(c))
                    order.append(c)
        return order

    def kernel_sources(self) -> tuple:
        """The kernel library ``.c`` files the steps call, in first-use order."""
        out = []
        for s in self.steps:
            out += [src for src in s.sources if src.endswith(".c") and src not in out]
        return tuple(out)

    def operator_macs(self) -> list:
        """MACs per TFLite operator (steps of one operator added up)."""
        macs = [0] * len(self.operator_names)
        for s in self.steps:
            macs[s.op_index] += int(s.macs)
        return macs

    @property
    def largest_scratch_bytes(self) -> int:
        return max((s.scratch_bytes for s in self.steps), default=0)

    def describe(self) -> str:
        """The program as text, one line per step (for people rewriting it; not C)."""
        def operand(a):
            if isinstance(a, Tensor):
                where = "" if a.offset is None else f"@{'state+' if a.state else ''}{a.offset}"
                return f"{'T' + str(a.index) if a.index is not None else a.name}{where}"
            if isinstance(a, TensorSlice):
                return f"{operand(a.tensor)}+{a.element_offset}"
            if isinstance(a, Constant):
                return f"const {a.hint}[{a.values.size}]"
            if isinstance(a, Params):
                return a.c_type or "struct"
            if isinstance(a, Scratch):
                return f"scratch {a.size_bytes} B" + ("" if a.offset is None else f"@{a.offset}")
            if isinstance(a, PointerArray):
                return "[" + ", ".join(operand(i) for i in a.items) + "]"
            return "NULL" if a is None else str(a)

        lines = []
        for k, s in enumerate(self.steps):
            call = f"{s.function}({', '.join(operand(a) for a in s.args)})" if s.function else \
                (f"{s.control} {', '.join(operand(a) for a in s.args)}".strip() if s.control else "view")
            alias = f" (output may share {operand(s.output_aliases)})" if s.output_aliases is not None else ""
            lines.append(f"{k}: op {s.op_index} {s.name}: {call}{alias}")
        if self.planned:
            lines.append(f"arena {self.arena_bytes} B ({self.planner})"
                         + (f", state {self.state_bytes} B" if self.state_bytes else ""))
        return "\n".join(lines)

    def repoint(self, old: Tensor, new: Tensor) -> None:
        """Every use of Tensor ``old`` (args, inputs, outputs, aliases, model inputs/outputs) now means ``new``."""
        for s in self.steps:
            s.repoint(old, new)
        self.inputs = [new if t is old else t for t in self.inputs]
        self.outputs = [new if t is old else t for t in self.outputs]
        self.overlays = [tuple(new if x is old else x for x in o[:2]) + (o[2],) for o in self.overlays]


def shrink_largest_first(groups, excess_bytes: int, size_bytes, shrink) -> int:
    """Shrink ``groups`` (each: the users of one shared :class:`Constant`, a list) largest first
    (``size_bytes(group)``, bytes) until the bytes saved make up ``excess_bytes`` or none is left;
    ``shrink(group)`` changes one group and returns the bytes it saved.  Returns the bytes saved in all
    (0: nothing changed).  The one loop behind the flash fallbacks (narrowing int16 filters, dropping the
    depthwise plane records)."""
    saved = 0
    for group in sorted(groups, key=lambda g: -size_bytes(g)):
        if saved >= excess_bytes:
            break
        saved += shrink(group)
    return saved
