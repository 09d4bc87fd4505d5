"""The contract between the compiled runtime's driver and its per-operator lowerings.

A *lowering* turns one TFLite operator into one :class:`KernelCall`: the C function of
the kernel library (``firmware_template/compiled/kernels``) to call, with every
argument the kernel needs computed at generation time (constants in flash, a
``static const`` parameter struct).  Lowerings are registered by operator name::

    @lowering("FULLY_CONNECTED")
    def lower_fully_connected(op, ctx):
        x, w, b = ctx.tensor(op.inputs[0]), ctx.tensor(op.inputs[1]), ctx.optional_tensor(op.inputs[2])
        ...
        return KernelCall(function="an_fully_connected_s8", sources=("an_fully_connected.c",),
                          params_type="an_fc_params", params="{ ... }",
                          args=(x.c_expr, w.c_expr, ..., ctx.tensor(op.outputs[0]).c_expr))

A lowering that cannot handle an operator's types or options raises
:class:`NotLowerable` with a short reason ("int16 activations", "fused TANH"); the
driver collects every reason and refuses the model in one line, suggesting
``--runtime tflm``.

The driver (:mod:`codegen.compiled.generate`) owns the :class:`LoweringContext`: it knows
where each activation tensor lives in the static arena (``c_expr`` is a pointer
expression into it), emits the const arrays a lowering asks for, and emits the calls
in operator order, one per operator, with ``params`` as a ``static const`` struct.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Callable

C_TYPES = {"int8": "int8_t", "uint8": "uint8_t", "int16": "int16_t", "int32": "int32_t",
           "int64": "int64_t", "float32": "float", "bool": "bool"}


class NotLowerable(Exception):
    """This operator (with these types/options) has no kernel in the compiled runtime."""


@dataclass(frozen=True)
class TensorRef:
    """What a lowering sees of one tensor.

    ``c_expr``: a C expression of type ``<c_type>*`` (``const`` for constants) pointing
    at the tensor's data: an arena offset for activations, a const array for weights.
    ``data``: the constant's values as a NumPy array of ``dtype`` and ``shape`` (None for
    activations).  ``scale``/``zero_point``: per-tensor (one element) or per-channel tuples
    (empty for an unquantized tensor).
    """

    index: int
    name: str
    shape: tuple
    dtype: str
    c_expr: str
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


@dataclass
class KernelCall:
    """One operator as the generated ``model_invoke()`` calls it.

    function:    C function of the kernel library, e.g. ``an_conv2d_s8``; "" for a pure view
                 (no call: RESHAPE), which must set ``output_aliases_input``.
    sources:     kernel library files the call needs (``.c``: compiled, their ``.h`` come along and
                 model.c includes them; a ``.h`` listed here: a helper header the kernels include,
                 copied only).
    args:        C argument expressions, in order.  ``&params`` is written as the
                 placeholder ``PARAMS`` (the driver substitutes the struct's name).
    params_type: C type of the ``static const`` parameter struct ("" when none).
    params:      its C initializer, e.g. ``{ .input_offset = 128, ... }``.
    scratch_bytes: kernel scratch memory the call needs (the driver places it in the
                 arena for the call's duration and passes ``SCRATCH`` where it appears
                 in ``args``).
    output_aliases_input: index into op.inputs whose buffer the output may share
                 (element-wise in place; RESHAPE views) or None.  A view always shares it; a
                 call shares it only when nothing reads that input afterwards and it is not
                 a model input/output (the kernel must then work in place).
    comment:     one line placed above the call in the generated C.
    macs:        multiply-accumulates of the call (for the per-operator profile).
    """

    function: str
    sources: tuple
    args: tuple
    params_type: str = ""
    params: str = ""
    scratch_bytes: int = 0
    output_aliases_input: int | None = None
    comment: str = ""
    macs: int = 0


class LoweringContext:
    """What the driver offers a lowering (implemented by the driver).

    tensor(i) -> TensorRef (activations: ``c_expr`` is the macro ``AN_T<i>``, a typed pointer
    into the arena; constants: ``an_const_t<i>``, emitted in flash only if a call uses it);
    optional_tensor(i) -> TensorRef | None (for index -1);
    const_array(hint, c_type, values) -> C name of a new ``static const`` array in flash
    (values: a flat sequence of ints/floats, or a NumPy array);
    model: the :class:`converter.tflite_model.TFLiteModel`; subgraph: its main subgraph.
    """

    model = None
    subgraph = None

    def tensor(self, index: int) -> TensorRef:  # pragma: no cover - interface
        raise NotImplementedError

    def optional_tensor(self, index: int) -> TensorRef | None:  # pragma: no cover - interface
        raise NotImplementedError

    def const_array(self, hint: str, c_type: str, values) -> str:  # pragma: no cover - interface
        raise NotImplementedError


LOWERINGS: dict[str, Callable] = {}


def lowering(*op_names: str):
    """Register the decorated ``f(op, ctx) -> KernelCall`` for these operator names."""

    def register(function):
        for name in op_names:
            if name in LOWERINGS:
                raise ValueError(f"two lowerings for {name}")
            LOWERINGS[name] = function
        return function

    return register


def load_lowerings() -> dict:
    """Import every module of :mod:`codegen.compiled.ops` (they register themselves)."""
    from codegen.compiled import ops

    for info in pkgutil.iter_modules(ops.__path__):
        importlib.import_module(f"{ops.__name__}.{info.name}")
    return LOWERINGS
