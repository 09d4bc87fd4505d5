"""Which operators TensorFlow Lite Micro can run, and with which tensor types.

The facts live in ``converter/tflm/tflm_ops.json`` (data, not code): one entry per
builtin operator that TFLM's ``MicroMutableOpResolver`` can register, with the
activation types its kernel accepts and the source file they were read from,
plus the quantization rules the integer kernels rely on.  This module only
loads that file into frozen dataclasses and answers look-ups.

Example::

    table = tflm_op_table()
    conv = table.builtin("CONV_2D")
    conv.accepts("int8")            # True
    conv.weight_types_for("int8")   # ("int8", "int4")
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

DATA_FILE = Path(__file__).with_name("tflm_ops.json")


@dataclass(frozen=True)
class BuiltinOpSupport:
    """What TFLM's kernel for one builtin operator accepts.

    ``types`` is None when the kernel is type-agnostic (RESHAPE, SHAPE, ...).
    ``operand_input`` is the operator input whose type selects the kernel
    (input 0 for most; 2 for TRANSPOSE_CONV, whose input 0 is a shape).
    """

    name: str
    types: tuple | None
    kernel_source: str
    operand_input: int = 0
    weights_input: int | None = None
    weight_types: dict | None = None  # activation dtype -> tuple of weight dtypes
    symmetric_weights: bool = False
    per_channel_dimension: int | None = None  # quantized_dimension of per-channel weights
    has_cmsis_nn_kernel: bool = False
    output_types: dict | None = None  # operand dtype ("*": any) -> output dtypes; None: the operand's own type
    output_zero_point: dict | None = None  # operand dtype -> {output dtype: required output zero point}
    zero_point_zero: tuple = ()  # operand dtypes for which every quantized input/output needs zero point 0
    cmsis_nn_zero_point_zero: tuple = ()  # the same, for the CMSIS-NN kernel
    unchecked_outputs: dict | None = None  # operand dtype -> output dtypes the kernel runs without checking
    unquantized: tuple = ()  # output dtypes with which the kernel requires unquantized inputs of that type
    unquantized_output: bool = False  # ... and an unquantized output
    same_quantization: dict | None = None  # operand dtype -> scale tolerance: inputs of that type = output's q
    output_scale: dict | None = None  # operand dtype -> {output dtype: (required scale, tolerance)}
    quantization_optional: tuple = ()  # integer dtypes the kernel also runs unquantized
    unquantized_uses_scales: tuple = ()  # ... of which Prepare computes with the missing (zero) scales

    def runs_unchecked(self, dtype: str, out_dtype: str) -> bool:
        """The kernel never checks this output type: the model runs, reinterpreting the bytes."""
        return out_dtype in (self.unchecked_outputs or {}).get(dtype, ())

    def accepts(self, dtype: str) -> bool:
        return self.types is None or dtype in self.types

    def accepted_outputs(self, dtype: str) -> tuple | None:
        """Output types the kernel takes with operand type ``dtype``; None when it does not constrain them."""
        if self.types is None:
            return None
        if self.output_types is None:
            return (dtype,)
        if dtype in self.output_types:
            return tuple(self.output_types[dtype])
        return tuple(self.output_types.get("*", ())) or None

    def requires_zero_point_zero(self, dtype: str, kernels: str) -> bool:
        return dtype in self.zero_point_zero or (kernels == "cmsis-nn" and dtype in self.cmsis_nn_zero_point_zero)

    def weight_types_for(self, activation_dtype: str) -> tuple:
        if not self.weight_types:
            return ()
        return tuple(self.weight_types.get(activation_dtype, ()))


@dataclass(frozen=True)
class TflmOpTable:
    builtins: dict  # name -> BuiltinOpSupport
    custom_ops: dict  # custom name -> {"kernel": source, ...}
    signal_custom_prefix: str
    int16_zero_point_ignored: tuple  # int16 kernels that take but ignore a non-zero input zero point
    versions_note: str
    tflm_commit: str

    def builtin(self, name: str) -> BuiltinOpSupport | None:
        return self.builtins.get(name)

    def custom(self, custom_code: str) -> dict | None:
        """The entry for a custom operator TFLM ships, or None."""
        if custom_code in self.custom_ops:
            return self.custom_ops[custom_code]
        if custom_code and custom_code.startswith(self.signal_custom_prefix):
            return {"kernel": "signal/micro/kernels/ (TFLM signal library)"}
        return None


@functools.lru_cache(maxsize=1)
def tflm_op_table() -> TflmOpTable:
    """Load ``tflm_ops.json`` once."""
    doc = json.loads(DATA_FILE.read_text())
    quant = doc["quantization"]
    symmetric = set(quant["symmetric_weight_ops"]["ops"])
    per_channel = {k: v for k, v in quant["per_channel_weight_ops"].items() if k != "why"}
    cmsis_kernels = set(doc["cmsis_nn"]["kernels"])
    default_weights_input = quant["weights_input"]
    builtins = {}
    for name, entry in doc["builtin_ops"].items():
        types = entry["types"]
        weights = entry.get("weights")
        builtins[name] = BuiltinOpSupport(
            name=name,
            types=None if types == "any" else tuple(types),
            kernel_source=entry["kernel"],
            operand_input=entry.get("operand_input", 0),
            weights_input=entry.get("weights_input", default_weights_input) if weights else None,
            weight_types={k: tuple(v) for k, v in weights.items()} if weights else None,
            symmetric_weights=name in symmetric,
            per_channel_dimension=per_channel.get(name),
            has_cmsis_nn_kernel=name in cmsis_kernels,
            output_types=entry.get("outputs"),
            output_zero_point=entry.get("output_zero_point"),
            zero_point_zero=tuple(entry.get("zero_point_zero", ())),
            cmsis_nn_zero_point_zero=tuple(entry.get("cmsis_nn_zero_point_zero", ())),
            unchecked_outputs=entry.get("outputs_unchecked"),
            unquantized=tuple(entry.get("unquantized", ())),
            unquantized_output=entry.get("unquantized_output", False),
            same_quantization=entry.get("same_quantization"),
            output_scale=entry.get("output_scale"),
            quantization_optional=tuple(entry.get("quantization_optional", ())),
            unquantized_uses_scales=tuple(entry.get("unquantized_uses_scales", ())),
        )
    return TflmOpTable(
        builtins=builtins,
        custom_ops=doc["custom_ops"],
        signal_custom_prefix=doc["signal_custom_ops_prefix"],
        int16_zero_point_ignored=tuple(quant["zero_point_zero"]["ignored_by_16x8_kernels"]),
        versions_note=doc["versions"],
        tflm_commit=doc["tflm_source"]["commit"],
    )
