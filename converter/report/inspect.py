"""A model summary of any .tflite: inputs/outputs with quantization, operators, tensors.

``inspect_model(model)`` computes a :class:`ModelSummary` once; the CLI prints it
as text or JSON.  Sizes in bytes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class TensorInfo:
    index: int
    name: str
    dtype: str
    shape: tuple
    size_bytes: int
    kind: str  # "input", "output", "constant", "variable", "activation"
    quantization: str  # human summary: "scale 0.0039 zp -128", "per-channel x8 (dim 0)", "" for none
    scale: tuple
    zero_point: tuple
    quantized_dimension: int | None

    def to_dict(self):
        return {
            "index": self.index, "name": self.name, "dtype": self.dtype, "shape": list(self.shape),
            "size_bytes": self.size_bytes, "kind": self.kind,
            "quantization": None if not self.scale else {
                "scale": list(self.scale), "zero_point": list(self.zero_point),
                "quantized_dimension": self.quantized_dimension,
            },
        }


@dataclass(frozen=True)
class OperatorInfo:
    index: int
    name: str
    version: int
    inputs: tuple
    outputs: tuple
    options: dict

    def to_dict(self):
        return {"index": self.index, "name": self.name, "version": self.version, "inputs": list(self.inputs),
                "outputs": list(self.outputs), "options": {k: _jsonable(v) for k, v in self.options.items()}}


@dataclass(frozen=True)
class SubgraphInfo:
    index: int
    name: str
    inputs: tuple  # TensorInfo
    outputs: tuple  # TensorInfo
    operators: tuple  # OperatorInfo
    tensors: tuple  # TensorInfo
    operator_counts: dict  # name -> count

    def to_dict(self):
        return {
            "index": self.index, "name": self.name,
            "inputs": [t.to_dict() for t in self.inputs], "outputs": [t.to_dict() for t in self.outputs],
            "operator_counts": dict(self.operator_counts),
            "operators": [o.to_dict() for o in self.operators],
            "tensors": [t.to_dict() for t in self.tensors],
        }


@dataclass(frozen=True)
class ModelSummary:
    path: str | None
    size_bytes: int
    schema_version: int
    description: str
    metadata: dict  # name -> size in bytes, or the text for short printable entries
    subgraphs: tuple
    constant_bytes: int  # bytes of all constant buffers (weights, biases, ...)
    operator_codes: tuple  # (name, version)

    def to_dict(self):
        return {
            "model": self.path, "size_bytes": self.size_bytes, "schema_version": self.schema_version,
            "description": self.description, "metadata": dict(self.metadata),
            "constant_bytes": self.constant_bytes,
            "operator_codes": [{"name": n, "version": v} for n, v in self.operator_codes],
            "subgraphs": [s.to_dict() for s in self.subgraphs],
        }


def _jsonable(value):
    if isinstance(value, tuple):
        return list(value)
    return value


def _quant_summary(t):
    q = t.quantization
    if q is None or not q.scale:
        return "", (), (), None
    if q.is_per_channel:
        text = f"per-channel x{len(q.scale)} (dim {q.quantized_dimension})"
    else:
        zp = q.zero_point[0] if q.zero_point else 0
        text = f"scale {q.scale[0]:.6g} zp {zp}"
    return text, tuple(q.scale), tuple(q.zero_point), q.quantized_dimension


def _metadata_value(raw: bytes):
    text = raw.rstrip(b"\x00")
    if 0 < len(text) <= 40:
        try:
            decoded = text.decode("ascii")
        except UnicodeDecodeError:
            decoded = ""
        if decoded.isprintable():
            return decoded
    return f"{len(raw)} bytes"


def inspect_model(model) -> ModelSummary:
    subgraphs = []
    for sg in model.subgraphs:
        infos = []
        for t in sg.tensors:
            if t.index in sg.inputs:
                kind = "input"
            elif t.index in sg.outputs:
                kind = "output"
            elif t.is_variable:
                kind = "variable"
            elif t.is_constant:
                kind = "constant"
            else:
                kind = "activation"
            text, scale, zp, qdim = _quant_summary(t)
            infos.append(TensorInfo(t.index, t.name, t.dtype, t.shape, t.size_bytes, kind, text, scale, zp, qdim))
        ops = tuple(
            OperatorInfo(op.index, op.display_name,
                         op.version, tuple(op.inputs), tuple(op.outputs), dict(op.options))
            for op in sg.operators
        )
        counts = Counter(o.name for o in ops)
        subgraphs.append(SubgraphInfo(
            sg.index, sg.name, tuple(infos[i] for i in sg.inputs), tuple(infos[i] for i in sg.outputs), ops,
            tuple(infos), dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
        ))
    return ModelSummary(
        path=str(model.path) if model.path else None,
        size_bytes=model.size_bytes,
        schema_version=model.version,
        description=model.description,
        metadata={k: _metadata_value(v) for k, v in model.metadata.items()},
        subgraphs=tuple(subgraphs),
        constant_bytes=sum(b.size_bytes for b in model.buffers),
        operator_codes=tuple((c.display_name, c.version)
                             for c in model.operator_codes),
    )


def format_summary(summary: ModelSummary, show_tensors: bool = True) -> str:
    s = summary
    lines = [f"model: {s.path or '(bytes)'}  {s.size_bytes:,} bytes  schema v{s.schema_version}  "
             f"{len(s.subgraphs)} subgraph{'s' if len(s.subgraphs) != 1 else ''}  "
             f"constants {s.constant_bytes:,} bytes"]
    if s.description:
        lines.append(f"description: {s.description}")
    if s.metadata:
        lines.append("metadata: " + ", ".join(f"{k} = {v}" for k, v in s.metadata.items()))
    for sg in s.subgraphs:
        lines.append("")
        lines.append(f"subgraph {sg.index}{(' ' + repr(sg.name)) if sg.name else ''}: "
                     f"{len(sg.operators)} operators, {len(sg.tensors)} tensors")
        for label, tensors in (("input", sg.inputs), ("output", sg.outputs)):
            for t in tensors:
                lines.append(f"  {label:<6} {t.index:>4} {t.name!r}  {t.dtype}{list(t.shape)}  "
                             f"{t.size_bytes:,} B  {t.quantization or 'not quantized'}")
        lines.append("  operators: " + ", ".join(f"{n} x{c}" for n, c in sg.operator_counts.items()))
        lines.append("")
        header = f"  {'#':>3}  {'operator':<28} {'v':>2}  {'inputs':<22} {'outputs':<10} options"
        lines.append(header)
        lines.append("  " + "-" * (len(header) - 2))
        for o in sg.operators:
            opts = ", ".join(f"{k}={_short(v)}" for k, v in o.options.items() if _interesting(k, v))
            lines.append(f"  {o.index:>3}  {o.name:<28} {o.version:>2}  {_refs(o.inputs):<22} {_refs(o.outputs):<10} "
                         f"{opts}")
        if show_tensors:
            lines.append("")
            header = f"  {'#':>4}  {'kind':<10} {'type':<8} {'shape':<16} {'bytes':>9}  {'quantization':<30} name"
            lines.append(header)
            lines.append("  " + "-" * (len(header) - 2))
            for t in sg.tensors:
                shape = "x".join(str(d) for d in t.shape) or "scalar"
                lines.append(f"  {t.index:>4}  {t.kind:<10} {t.dtype:<8} {shape:<16} {t.size_bytes:>9,}  "
                             f"{t.quantization:<30} {t.name}")
    return "\n".join(line.rstrip() for line in lines)


def _refs(indices):
    return ",".join("-" if i < 0 else str(i) for i in indices)


def _short(v):
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, tuple):
        return "[" + ",".join(str(x) for x in v) + "]"
    return str(v)


def _interesting(key, value):
    """Options worth a column: skip defaults that say nothing."""
    if value in (None, "", (), False):
        return False
    if key in ("dilation_h_factor", "dilation_w_factor", "depth_multiplier") and value == 1:
        return False
    if key in ("quantized_bias_type", "weights_format") and value in (0, "DEFAULT"):
        return False
    return not (key == "fused_activation_function" and value == "NONE")
