"""Can TensorFlow Lite Micro run this model?  The operator and quantization check.

``check_model(model)`` walks every operator of every subgraph and compares it
with the facts in ``converter/tflm/tflm_ops.json`` (see :mod:`converter.tflm.tflm_ops`):

* errors (``CheckResult.ok`` is False; TFLM would refuse the model, or compute
  wrong numbers): an operator TFLM has no kernel for; a tensor type the kernel
  does not accept; hybrid operators (float activations, integer weights);
  asymmetric (non-zero zero point) weights where the integer kernels assume
  symmetric ones; per-channel weights on the wrong dimension; per-channel
  quantized activations; int16 activations with a non-zero zero point;
  integer activations without quantization parameters; sparse tensors.
* warnings (the model runs, but probably not as intended): float tensors in
  an integer model (those operators run float reference kernels), per-channel
  fully-connected weights that CMSIS-NN cannot take with int16 activations, an int16
  input zero point a 16x8 kernel ignores.

It never imports TensorFlow: it reads the model through
:mod:`converter.tflite_model`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

from attendnets_base.errors import UnsupportedOperatorError
from converter.tflm.tflm_ops import tflm_op_table

INTEGER_ACTIVATION_TYPES = ("int8", "int16")
from converter.tflm.kernel_allocations import DEFAULT_KERNELS, KERNEL_SETS  # noqa: E402,F401  (one place)

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One problem.  ``kind`` is a stable keyword for tools; ``message`` is for people."""

    severity: str  # "error" | "warning"
    kind: str  # unsupported_operator | unsupported_type | hybrid_operator | asymmetric_weights |
    # per_channel | zero_point | int16_zero_point | missing_quantization | sparse_tensor | float_tensor | shape |
    # meaningless_result
    message: str
    subgraph: int | None = None
    operator: int | None = None
    tensor: int | None = None


@dataclass
class OperatorCheck:
    """One operator as TFLM would see it."""

    subgraph: int
    index: int
    name: str  # builtin name, or the custom code for custom operators
    version: int
    is_custom: bool
    input_types: tuple  # dtype of each input (None for an absent optional input)
    output_types: tuple
    input_shapes: tuple
    output_shapes: tuple
    kernel_source: str | None  # TFLM source file of the kernel; None when TFLM has none
    findings: list = field(default_factory=list)

    @property
    def supported(self) -> bool:
        return not any(f.severity == ERROR for f in self.findings)


@dataclass(frozen=True)
class OperatorCodeSummary:
    name: str
    version: int
    count: int  # operators using it
    supported: bool


@dataclass
class CheckResult:
    """The whole check, computed once; writers (text, JSON) only format it."""

    model_path: str | None
    model_size_bytes: int
    model_kind: str  # "int8", "int16x8", "uint8" (legacy), "float", "mixed"
    kernels: str
    operators: list  # [OperatorCheck]
    operator_codes: list  # [OperatorCodeSummary]
    findings: list  # [Finding], model-wide list (also attached to operators)
    float_tensors: list  # indices (main subgraph) of float activations in an integer model
    tflm_commit: str
    versions_note: str

    @property
    def errors(self):
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self):
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def ok(self) -> bool:
        """True when TFLM can run the model (warnings allowed)."""
        return not self.errors

    @property
    def unsupported_operators(self):
        """Names of operators TFLM has no kernel for."""
        return sorted({o.name for o in self.operators
                       if any(f.kind == "unsupported_operator" for f in o.findings)})

    def summary_line(self) -> str:
        """One line listing every error, for ``convert`` and the CLI."""
        if self.ok:
            return "TFLM can run this model"
        parts = [_short(f) for f in self.errors]
        shown = "; ".join(parts[:8])
        more = f"; and {len(parts) - 8} more" if len(parts) > 8 else ""
        return f"TFLM cannot run this model: {shown}{more}"

    def raise_if_not_ok(self):
        if not self.ok:
            raise UnsupportedOperatorError(self.summary_line())

    def to_dict(self) -> dict:
        return {
            "model": self.model_path,
            "model_size_bytes": self.model_size_bytes,
            "model_kind": self.model_kind,
            "kernels": self.kernels,
            "ok": self.ok,
            "operator_codes": [asdict(c) for c in self.operator_codes],
            "operators": [
                {
                    "subgraph": o.subgraph,
                    "index": o.index,
                    "name": o.name,
                    "version": o.version,
                    "custom": o.is_custom,
                    "supported": o.supported,
                    "input_types": list(o.input_types),
                    "output_types": list(o.output_types),
                    "input_shapes": [list(s) if s is not None else None for s in o.input_shapes],
                    "output_shapes": [list(s) for s in o.output_shapes],
                    "kernel_source": o.kernel_source,
                }
                for o in self.operators
            ],
            "errors": [asdict(f) for f in self.errors],
            "warnings": [asdict(f) for f in self.warnings],
            "float_tensors": self.float_tensors,
            "tflm_commit": self.tflm_commit,
        }


def _short(f: Finding) -> str:
    where = f"op {f.operator} " if f.operator is not None else ""
    if f.subgraph:
        where = f"subgraph {f.subgraph} {where}"
    return f"{where}{f.message}".strip()


def classify_model(model) -> str:
    """'int8' / 'int16x8' (quantized integer activations), 'uint8' (legacy quantization), 'float'
    (float32 activations and no quantized ones), 'mixed' (quantized and float activations), or
    'integer' (only unquantized integer/bool activations, e.g. a signal-processing model)."""
    quantized = set()
    float_activations = False
    for sg in model.subgraphs:
        for t in sg.tensors:
            if t.dtype in INTEGER_ACTIVATION_TYPES and t.quantization is not None and t.quantization.scale:
                if not t.is_constant:
                    quantized.add(t.dtype)
            elif t.dtype == "float32" and not t.is_constant and t.num_elements > 0:
                float_activations = True
    if not quantized:
        if any(t.dtype == "uint8" and t.quantization is not None and not t.is_constant
               for sg in model.subgraphs for t in sg.tensors):
            return "uint8"
        return "float" if float_activations else "integer"
    kind = "int16x8" if "int16" in quantized and _int16_is_activation(model) else "int8"
    return "mixed" if float_activations and _float_inside(model) else kind


def describe_model(model) -> str:
    """What the model holds, for error messages: activation tensor types (quantized or not) and
    custom operators, e.g. ``activations int16 (quantized) x4, int32 x2; custom operators SignalFft``."""
    counts = Counter()
    for sg in model.subgraphs:
        for t in sg.tensors:
            if t.is_constant or t.num_elements == 0:
                continue
            quantized = t.quantization is not None and bool(t.quantization.scale) and t.dtype != "float32"
            counts[f"{t.dtype}{' (quantized)' if quantized else ''}"] += 1
    parts = []
    if counts:
        parts.append("activations " + ", ".join(f"{k} x{n}" for k, n in sorted(counts.items())))
    custom = sorted({op.custom_code or "?" for sg in model.subgraphs for op in sg.operators if op.name == "CUSTOM"})
    if custom:
        parts.append("custom operators " + ", ".join(custom))
    return "; ".join(parts) or "no activation tensors"


def _int16_is_activation(model):
    """int16 appears as an operator's main activation (not only as LSTM cell state)."""
    table = tflm_op_table()
    for sg in model.subgraphs:
        for op in sg.operators:
            support = table.builtin(op.name)
            idx = support.operand_input if support else 0
            if idx < len(op.inputs) and op.inputs[idx] >= 0 and sg.tensor(op.inputs[idx]).dtype == "int16":
                return True
    return False


def _float_inside(model):
    """Float activations other than float model inputs/outputs."""
    return bool(_float_activation_tensors(model.subgraphs[0]))


def _float_activation_tensors(sg):
    """Non-empty float32 activations, except float model inputs/outputs converted right at
    the boundary (``--float-io``: a QUANTIZE of a model input, a DEQUANTIZE to a model output)."""
    boundary = set()
    for op in sg.operators:
        if op.name == "QUANTIZE":
            boundary.update(i for i in op.inputs if i in sg.inputs)
        elif op.name == "DEQUANTIZE":
            boundary.update(i for i in op.outputs if i in sg.outputs)
    used = set()
    for op in sg.operators:
        used.update(i for i in op.inputs if i >= 0)
        used.update(op.outputs)
    return sorted(
        i for i in used
        if sg.tensor(i).dtype == "float32" and not sg.tensor(i).is_constant
        and sg.tensor(i).num_elements > 0 and i not in boundary
    )


def check_model(model, kernels: str = "reference") -> CheckResult:
    """Check a :class:`converter.tflite_model.TFLiteModel` against TFLM's kernels."""
    if kernels not in KERNEL_SETS:
        raise ValueError(f"kernels must be one of {KERNEL_SETS}. Received: kernels={kernels!r}")
    table = tflm_op_table()
    model_kind = classify_model(model)
    integer_model = model_kind not in ("float", "uint8")
    findings = []
    operators = []
    code_uses = Counter()
    code_ok = {}

    for sg in model.subgraphs:
        for op in sg.operators:
            check = _check_operator(sg, op, table, kernels)
            operators.append(check)
            findings.extend(check.findings)
            code_uses[op.opcode_index] += 1
            code_ok[op.opcode_index] = code_ok.get(op.opcode_index, True) and check.supported

    float_tensors = []
    if integer_model:
        sg = model.subgraphs[0]
        float_tensors = _float_activation_tensors(sg)
        for ti in float_tensors:
            t = sg.tensor(ti)
            users = [o.index for o in sg.operators if ti in o.inputs or ti in o.outputs]
            findings.append(Finding(
                WARNING, "float_tensor",
                f"float32 tensor {ti} '{t.name}' {list(t.shape)} in an integer model "
                f"(operators {users} run float kernels)",
                subgraph=0, tensor=ti,
            ))

    sparse = [(sg.index, t) for sg in model.subgraphs for t in sg.tensors if t.has_sparsity]
    for s, t in sparse:
        findings.append(Finding(ERROR, "sparse_tensor",
                                f"tensor {t.index} '{t.name}' is sparse; TFLM has no sparse tensor support",
                                subgraph=s, tensor=t.index))

    codes = [
        OperatorCodeSummary(
            name=c.display_name, version=c.version,
            count=code_uses.get(c.index, 0), supported=code_ok.get(c.index, _code_known(c, table)),
        )
        for c in model.operator_codes
    ]
    return CheckResult(
        model_path=str(model.path) if model.path else None,
        model_size_bytes=model.size_bytes,
        model_kind=model_kind,
        kernels=kernels,
        operators=operators,
        operator_codes=codes,
        findings=findings,
        float_tensors=float_tensors,
        tflm_commit=table.tflm_commit,
        versions_note=table.versions_note,
    )


def _code_known(code, table):
    if code.name == "CUSTOM":
        return table.custom(code.custom_code or "") is not None
    return table.builtin(code.name) is not None


def _tensor_facts(sg, indices):
    types, shapes = [], []
    for i in indices:
        if i < 0:
            types.append(None)
            shapes.append(None)
        else:
            t = sg.tensor(i)
            types.append(t.dtype)
            shapes.append(t.shape)
    return tuple(types), tuple(shapes)


def _check_operator(sg, op, table, kernels) -> OperatorCheck:
    in_types, in_shapes = _tensor_facts(sg, op.inputs)
    out_types, out_shapes = _tensor_facts(sg, op.outputs)
    is_custom = op.name == "CUSTOM"
    name = op.display_name
    findings = []

    def add(severity, kind, message, tensor=None):
        findings.append(Finding(severity, kind, message, subgraph=sg.index, operator=op.index, tensor=tensor))

    kernel_source = None
    support = None
    if is_custom:
        entry = table.custom(op.custom_code or "")
        if entry is None:
            add(ERROR, "unsupported_operator",
                f"{name}: custom operator with no TFLM kernel (register your own implementation)")
        elif entry.get("npu_only"):
            add(ERROR, "unsupported_operator",
                f"{name}: runs only on a TFLM build for an Arm Ethos-U NPU (an ethos-u command stream compiled "
                "by Vela), not with the reference or CMSIS-NN kernels")
        else:
            kernel_source = entry["kernel"]
            accepted = entry.get("input_types")
            if accepted and in_types and in_types[0] not in accepted:
                add(ERROR, "unsupported_type",
                    f"{name}: {in_types[0]} input is not supported by TFLM (its kernel takes {', '.join(accepted)})")
    else:
        support = table.builtin(op.name)
        if support is None:
            add(ERROR, "unsupported_operator", f"{name}: TFLM has no kernel for this builtin operator")
        else:
            kernel_source = support.kernel_source

    check = OperatorCheck(sg.index, op.index, name, op.version, is_custom, in_types, out_types,
                          in_shapes, out_shapes, kernel_source, findings)
    if support is None:
        return check

    # The activation type that selects the kernel.
    operand_index = support.operand_input
    operand = None
    if operand_index < len(op.inputs) and op.inputs[operand_index] >= 0:
        operand = sg.tensor(op.inputs[operand_index])
    elif op.outputs:
        operand = sg.tensor(op.outputs[0])
    if operand is not None and not support.accepts(operand.dtype):
        accepted = ", ".join(support.types)
        add(ERROR, "unsupported_type",
            f"{name}: {operand.dtype} input is not supported by TFLM (its kernel takes {accepted})",
            tensor=operand.index)
        return check

    # Weights of convolutions and fully connected layers.
    if operand is not None and support.weights_input is not None and support.weights_input < len(op.inputs):
        wi = op.inputs[support.weights_input]
        weights = sg.tensor(wi) if wi >= 0 else None
        if weights is not None:
            _check_weights(add, name, support, operand, weights, kernels)

    # Activations: quantization parameters, int16 zero point, per-channel.  A tensor TFLM_DECODE writes is a
    # constant decompressed into the arena (decode.cc takes constant inputs only): weights, not an activation.
    decoded = {o for other in sg.operators if other.name == "CUSTOM" and other.custom_code == "TFLM_DECODE"
               for o in other.outputs}
    seen = set()
    for i in list(op.inputs) + list(op.outputs):
        if i < 0 or i in seen:
            continue
        seen.add(i)
        t = sg.tensor(i)
        if t.is_constant or t.num_elements == 0 or i in decoded:
            continue
        out0 = sg.tensor(op.outputs[0]) if op.outputs and op.outputs[0] >= 0 else None
        if out0 is not None and out0.dtype in support.unquantized and t.dtype == out0.dtype \
                and (i in op.inputs or support.unquantized_output) \
                and t.quantization is not None and t.quantization.scale:
            add(ERROR, "quantized_tensor",
                f"{name}: {t.dtype} tensor {i} '{t.name}' is quantized; TFLM's {t.dtype} {op.name} kernel takes "
                f"only unquantized {t.dtype} ({support.kernel_source.rsplit('/', 1)[-1]} Prepare)", tensor=i)
            continue
        if t.dtype in INTEGER_ACTIVATION_TYPES:
            q = t.quantization
            if q is None or not q.scale:
                if op.name not in ("RESHAPE", "SHAPE", "SQUEEZE", "EXPAND_DIMS", "GATHER", "GATHER_ND") \
                        and t.dtype not in support.quantization_optional:
                    add(ERROR, "missing_quantization",
                        f"{name}: {t.dtype} tensor {i} '{t.name}' has no quantization parameters", tensor=i)
                elif t.dtype in support.unquantized_uses_scales:
                    add(WARNING, "missing_quantization",
                        f"{name}: {t.dtype} tensor {i} '{t.name}' has no quantization parameters; TFLM's kernel runs "
                        f"but computes with zero scales ({support.kernel_source.rsplit('/', 1)[-1]} Prepare): the "
                        "results are not meaningful without quantization parameters", tensor=i)
                continue
            if q.is_per_channel:
                add(ERROR, "per_channel",
                    f"{name}: activation tensor {i} '{t.name}' is per-channel quantized "
                    f"({len(q.scale)} scales); TFLM activations take one scale", tensor=i)
            zero_point = q.zero_point[0] if q.zero_point else 0
            if operand is not None and zero_point != 0 and t.dtype in INTEGER_ACTIVATION_TYPES \
                    and support.requires_zero_point_zero(operand.dtype, kernels) \
                    and not (i in op.outputs and _output_zero_point_rule(support, operand, t) is not None):
                kernel = "CMSIS-NN " if operand.dtype not in support.zero_point_zero else ""
                add(ERROR, "zero_point",
                    f"{name}: {t.dtype} tensor {i} '{t.name}' has zero point {zero_point}; TFLM's {kernel}"
                    f"{operand.dtype} {op.name} kernel requires 0 ({support.kernel_source.rsplit('/', 1)[-1]} Prepare)",
                    tensor=i)
            elif (operand is not None and t.dtype == "int16" and zero_point != 0 and i not in op.outputs
                  and op.name in table.int16_zero_point_ignored):
                add(WARNING, "int16_zero_point",
                    f"{name}: int16 input tensor {i} '{t.name}' has zero point {zero_point}; TFLM's 16x8 kernel "
                    "ignores it (the 16x8 scheme assumes 0): the results will be off", tensor=i)
    if operand is not None:
        _check_outputs(add, name, sg, op, support, operand)
        _check_same_quantization(add, name, sg, op, support, operand)
    if op.name == "SOFTMAX" and operand is not None:
        _check_softmax_scale(add, name, op, operand)
    if op.name == "RESHAPE":
        _check_reshape_elements(add, name, sg, op)
    if op.name == "GREATER" and operand is not None and operand.dtype == "int16":
        add(WARNING, "meaningless_result",
            f"{name}: TFLM's int16 GREATER compares with rescaling parameters its Prepare never sets (comparisons.cc "
            "computes them for int8 only): its results are undefined (all false on a fresh arena)",
            tensor=operand.index)
    return check


def _check_reshape_elements(add, name, sg, op):
    """TFLM's RESHAPE Prepare (ReshapeOutput) takes the output's stored dims, resolving one -1 only, and fails
    unless they hold as many elements as the input: a converter's placeholder 1 for a dynamic dimension (Keras
    Reshape((-1, C)) with a dynamic batch) is not resolved."""
    if not op.inputs or not op.outputs or op.inputs[0] < 0 or op.outputs[0] < 0:
        return
    x, y = sg.tensor(op.inputs[0]), sg.tensor(op.outputs[0])
    dims = list(y.shape)
    if -1 in dims or dims == [0] or any(d < 0 for d in x.shape):
        return
    count = 1
    for d in dims:
        count *= d
    if count != x.num_elements:
        add(ERROR, "shape",
            f"{name}: output shape {tuple(dims)} holds {count} elements, the input {tuple(x.shape)} "
            f"{x.num_elements}: TFLM's RESHAPE Prepare fails (a dynamic dimension stored as 1 by the converter)",
            tensor=y.index)


def _output_zero_point_rule(support, operand, output):
    """The zero point the kernel requires of ``output`` (SOFTMAX), or None."""
    rules = (support.output_zero_point or {}).get(operand.dtype)
    return None if rules is None else rules.get(output.dtype)


def _check_outputs(add, name, sg, op, support, operand):
    """Output types the kernel accepts for this operand type, and output zero points it requires."""
    accepted = support.accepted_outputs(operand.dtype)
    for o in op.outputs:
        if o < 0:
            continue
        out = sg.tensor(o)
        if accepted is not None and out.dtype not in accepted and support.runs_unchecked(operand.dtype, out.dtype):
            add(WARNING, "unchecked_output_type",
                f"{name}: {operand.dtype} input with {out.dtype} output: TFLM's kernel does not check the output "
                "type and runs, reinterpreting the bytes (the results are wrong)", tensor=o)
            continue
        if accepted is not None and out.dtype not in accepted:
            add(ERROR, "unsupported_type",
                f"{name}: {operand.dtype} input with {out.dtype} output is not supported by TFLM "
                f"(with {operand.dtype} input its kernel writes {', '.join(accepted)})", tensor=o)
            continue
        required = _output_zero_point_rule(support, operand, out)
        q = out.quantization
        if required is not None and q is not None and q.zero_point and q.zero_point[0] != required:
            add(ERROR, "zero_point",
                f"{name}: {operand.dtype} -> {out.dtype} output tensor {o} '{out.name}' has zero point "
                f"{q.zero_point[0]}; TFLM's kernel requires {required} "
                f"({support.kernel_source.rsplit('/', 1)[-1]} Prepare)", tensor=o)
        scale_rule = (support.output_scale or {}).get(operand.dtype, {}).get(out.dtype)
        if scale_rule is not None and q is not None and q.scale:
            required_scale, tolerance = scale_rule
            if abs(q.scale[0] - required_scale) > tolerance:
                add(ERROR, "output_scale",
                    f"{name}: {operand.dtype} -> {out.dtype} output tensor {o} '{out.name}' has scale "
                    f"{q.scale[0]:.6g}; TFLM's kernel requires {required_scale:.6g} "
                    f"({support.kernel_source.rsplit('/', 1)[-1]} Prepare)", tensor=o)


def _check_same_quantization(add, name, sg, op, support, operand):
    """Kernels that copy or compare int8 values need every such input quantized as the output."""
    tolerance = (support.same_quantization or {}).get(operand.dtype)
    if tolerance is None or not op.outputs or op.outputs[0] < 0:
        return
    out = sg.tensor(op.outputs[0])
    oq = out.quantization
    if oq is None or not oq.scale:
        return  # missing quantization is reported on its own
    for i in op.inputs:
        if i < 0:
            continue
        t = sg.tensor(i)
        q = t.quantization
        if t.dtype != operand.dtype or q is None or not q.scale:
            continue
        zero_point, out_zero_point = (q.zero_point or (0,))[0], (oq.zero_point or (0,))[0]
        if abs(q.scale[0] - oq.scale[0]) > tolerance or zero_point != out_zero_point:
            add(ERROR, "requantization",
                f"{name}: input tensor {i} '{t.name}' (scale {q.scale[0]:.6g}, zero point {zero_point}) is "
                f"quantized unlike the output (scale {oq.scale[0]:.6g}, zero point {out_zero_point}); TFLM's "
                f"{operand.dtype} {op.name} kernel does not requantize "
                f"({support.kernel_source.rsplit('/', 1)[-1]})", tensor=i)


#: TFLM's int8 SOFTMAX (kernels/softmax_common.cc) prepares with
#: PreprocessSoftmaxScaling(beta, input_scale, kScaledDiffIntegerBits = 5), which
#: calls QuantizeMultiplierGreaterThanOne(beta * input_scale * 2**(31 - 5)) and
#: aborts (TFLITE_CHECK) unless that product is greater than 1.
SOFTMAX_SCALED_DIFF_INTEGER_BITS = 5


def _check_softmax_scale(add, name, op, operand):
    if operand.dtype not in ("int8", "uint8") or operand.quantization is None or not operand.quantization.scale:
        return
    beta = op.options.get("beta", 0.0)  # TFLM's parser leaves beta at 0 without SoftmaxOptions
    scale = operand.quantization.scale[0]
    multiplier = beta * scale * 2.0 ** (31 - SOFTMAX_SCALED_DIFF_INTEGER_BITS)
    if not multiplier > 1.0:
        limit = 2.0 ** -(31 - SOFTMAX_SCALED_DIFF_INTEGER_BITS) / beta if beta > 0 else float("inf")
        add(ERROR, "softmax_input_scale",
            f"{name}: input scale {scale:.3g} with beta {beta:g} is below TFLM's limit ({limit:.3g}); "
            "its SOFTMAX kernel aborts in Prepare (typical of an untrained or badly calibrated model)",
            tensor=operand.index)


def _check_weights(add, name, support, operand, weights, kernels):
    act = operand.dtype
    if act == "float32" and weights.dtype != "float32":
        add(ERROR, "hybrid_operator",
            f"{name}: float32 activations with {weights.dtype} weights (a hybrid operator); "
            "TFLM does not support hybrid models, quantize activations too",
            tensor=weights.index)
        return
    allowed = support.weight_types_for(act)
    if allowed and weights.dtype not in allowed:
        add(ERROR, "unsupported_type",
            f"{name}: {weights.dtype} weights with {act} activations are not supported by TFLM "
            f"(it takes {', '.join(allowed)})", tensor=weights.index)
        return
    if weights.dtype not in ("int8", "int4", "int16"):
        return
    q = weights.quantization
    if (q is None or not q.scale) and weights.dtype == act and act in support.quantization_optional:
        if act in support.unquantized_uses_scales:  # PRELU: prelu_common.cc reads the alpha scale
            add(WARNING, "missing_quantization",
                f"{name}: {weights.dtype} weights tensor {weights.index} '{weights.name}' has no quantization "
                "parameters; TFLM's kernel runs but computes with zero scales: the results are not meaningful "
                "without quantization parameters", tensor=weights.index)
        return
    if q is None or not q.scale:
        add(ERROR, "missing_quantization",
            f"{name}: {weights.dtype} weights tensor {weights.index} '{weights.name}' has no quantization parameters",
            tensor=weights.index)
        return
    if support.symmetric_weights and any(z != 0 for z in q.zero_point):
        nonzero = sorted({z for z in q.zero_point if z != 0})[:3]
        add(ERROR, "asymmetric_weights",
            f"{name}: weights tensor {weights.index} '{weights.name}' is asymmetrically quantized "
            f"(zero point {nonzero[0]}); TFLM's integer kernels assume zero point 0",
            tensor=weights.index)
    if q.is_per_channel:
        if support.per_channel_dimension is None:
            add(ERROR, "per_channel",
                f"{name}: per-channel quantized weights are not supported by this kernel", tensor=weights.index)
        else:
            dim = support.per_channel_dimension
            if dim >= len(weights.shape) or q.quantized_dimension != dim or len(q.scale) != weights.shape[dim]:
                add(ERROR, "per_channel",
                    f"{name}: per-channel weights quantized along dimension {q.quantized_dimension} "
                    f"with {len(q.scale)} scales; TFLM expects dimension {dim}"
                    + (f" with {weights.shape[dim]} scales" if dim < len(weights.shape) else ""),
                    tensor=weights.index)
            elif kernels == "cmsis-nn" and name == "FULLY_CONNECTED" and (act != "int8" or weights.dtype == "int4"):
                add(ERROR, "per_channel",
                    f"{name}: CMSIS-NN takes per-channel fully-connected weights only with int8 activations "
                    "and int8 weights", tensor=weights.index)
