"""The contract between the compiled runtime's lowering driver and its per-operator lowerings.

A *lowering* turns one TFLite operator into one :class:`codegen.compiled.program.Step`: the C
function of the kernel library (``firmware_template/compiled/kernels``) to call, with every
argument it needs computed at generation time and given as a typed operand (see
:mod:`codegen.compiled.program`): arena tensors, constants in flash, a parameter struct as
fields, kernel scratch, plain integers.  Lowerings are registered by operator name::

    @lowering("FULLY_CONNECTED")
    def lower_fully_connected(op, ctx):
        x, w, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.inputs[1]), ctx.tensor(op.outputs[0])
        weights = ctx.constant(f"op{op.index}_weights", "int8_t", ...)
        params = Params("an_fc_params", {"batches": 1, ..., "multipliers": None})
        return Step("an_fully_connected_s8", args=(params, x.operand, weights, bias, y.operand),
                    sources=("an_fully_connected.c",), macs=...)

A lowering never writes C: no names, no initializers.  The driver
(:mod:`codegen.compiled.lower`) fills in the step's data flow (``inputs``/``outputs`` from the
operator), its operator index and name.

A lowering that cannot handle an operator's types or options raises :class:`NotLowerable`
with a short reason ("int16 activations", "fused TANH"); the driver collects every reason
and refuses the model in one line, suggesting ``--runtime tflm``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from codegen.compiled.program import C_TYPES, Constant, Step, Tensor  # noqa: F401  (the contract's types)


class NotLowerable(Exception):
    """This operator (with these types/options) has no kernel in the compiled runtime."""


@dataclass(frozen=True)
class TensorRef:
    """What a lowering sees of one tensor.

    ``operand``: what a step's arguments use for it: the arena :class:`Tensor` of an
    activation, the :class:`Constant` (in flash, emitted only if a step uses it) of a
    constant tensor.  ``data``: the constant's values as a NumPy array of ``dtype`` and
    ``shape`` (None for activations).  ``scale``/``zero_point``: per-tensor (one element)
    or per-channel tuples (empty for an unquantized tensor).
    """

    index: int
    name: str
    shape: tuple
    dtype: str
    operand: object
    scale: tuple = ()
    zero_point: tuple = ()
    quantized_dimension: int = 0
    data: object = None

    @property
    def c_type(self) -> str:
        return C_TYPES[self.dtype]

    @property
    def is_constant(self) -> bool:
        return self.data is not None

    @property
    def num_elements(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n


class LoweringContext:
    """What the driver offers a lowering (implemented by the driver).

    tensor(i) -> TensorRef (one arena :class:`Tensor` / one :class:`Constant` per tensor index);
    optional_tensor(i) -> TensorRef | None (for index -1);
    constant(hint, c_type, values) -> a new :class:`Constant` in flash (values: a sequence of
    ints/floats or a NumPy array, flattened);
    model: the :class:`converter.tflite_model.TFLiteModel`; subgraph: its main subgraph.
    """

    model = None
    subgraph = None

    def tensor(self, index: int) -> TensorRef:  # pragma: no cover - interface
        raise NotImplementedError

    def optional_tensor(self, index: int) -> TensorRef | None:  # pragma: no cover - interface
        raise NotImplementedError

    def resource_variable(self, resource_index: int) -> Tensor:  # pragma: no cover - interface
        """The state Tensor of the resource variable a VAR_HANDLE's output names (see the driver)."""
        raise NotImplementedError

    def constant(self, hint: str, c_type: str, values) -> Constant:
        return Constant(hint, c_type, values)


LOWERINGS: dict[str, Callable] = {}
#: The names in LOWERINGS that are custom operators' codes (``SignalWindow``): looked up for CUSTOM operators
#: only, as builtin names are for builtin operators only.
CUSTOM_OPERATORS: set = set()


def lowering(*op_names: str, custom: bool = False):
    """Register the decorated ``f(op, ctx) -> Step`` for these operator names (``custom``: custom codes)."""

    def register(function):
        for name in op_names:
            if name in LOWERINGS:
                raise ValueError(f"two lowerings for {name}")
            LOWERINGS[name] = function
            if custom:
                CUSTOM_OPERATORS.add(name)
        return function

    return register


#: Kernels that read their weights widened to int16 (``<int8 kernel>_w16``: no sign extension in the inner loop,
#: for cores with the DSP extension; twice the weights' flash), each with the function that turns a step of it
#: back into the int8-weight kernel of the same arithmetic, in place (the weights, the step's third argument,
#: narrowed and relaid, and any other constant the ``_w16`` kernel reads prepared; the function name then the
#: int8 kernel's, mostly the name without ``_w16``).  Registered by the lowerings (:func:`narrows`); used
#: where a core takes the int8 layout (codegen.compiled.lower) or a board's flash needs the bytes
#: (codegen.runtimes.compiled).
NARROWERS: dict[str, Callable] = {}


def narrows(*functions: str):
    """Register the decorated ``f(step)`` as the narrowing of these ``_w16`` kernels' steps."""

    def register(function):
        for name in functions:
            if not name.endswith("_w16") or name in NARROWERS:
                raise ValueError(f"narrowing of {name}: a new _w16 kernel expected")
            NARROWERS[name] = function
        return function

    return register


def narrow_wide_weights(step) -> None:
    """Turn a ``_w16`` step (see :data:`NARROWERS`) into its int8-weight kernel, in place."""
    NARROWERS[step.function](step)


#: Kernels with one public entry point per variant (an_conv.h's ``an_conv1x1_s8_prepared_w16_pairs8``, ...): for
#: each, the function naming the entry point a step of it calls, from the step's final parameters (after every
#: rewrite: narrowing, patch tiles), so that a firmware links only the variants its layers use.  The step keeps the
#: kernel's name (what the passes compare); the emitted call and the code estimate take :func:`linked_function`.
#: Registered by the lowerings (:func:`entry_points`).
ENTRY_POINTS: dict[str, Callable] = {}


def entry_points(*functions: str):
    """Register the decorated ``f(step) -> str`` as the entry point naming of these kernels' steps."""

    def register(function):
        for name in functions:
            if name in ENTRY_POINTS:
                raise ValueError(f"two entry point rules for {name}")
            ENTRY_POINTS[name] = function
        return function

    return register


def linked_function(step) -> str:
    """The C function a step's call names: its kernel's variant entry point where the kernel has them
    (:data:`ENTRY_POINTS`), else the kernel itself (None for a step without a call)."""
    pick = ENTRY_POINTS.get(step.function) if step.function else None
    return pick(step) if pick else step.function
