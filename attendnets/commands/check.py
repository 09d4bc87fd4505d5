"""``attendnets check``: can TensorFlow Lite Micro (and the compiled runtime) run this .tflite?

Lists every operator with its version, input/output types and whether TFLM
has a kernel that takes it; marks float tensors in an integer model and
unsupported quantization.  A second column says whether the compiled runtime
(``generate --runtime compiled``) can run the operator, and why not.
Exit 0 when TFLM can run the model, 1 when not.
"""

import json

import click

from attendnets.commands.options import json_option, kernels_option, resolve_kernels
from codegen.runtimes import all_runtimes
from converter.tflite_model import load_model
from converter.tflm.check import check_model


@click.command(short_help="Can TFLM run MODEL.tflite? Operators, types, quantization.")
@click.argument("model_path", metavar="MODEL.tflite", type=click.Path(dir_okay=False))
@kernels_option('Kernel set the firmware will use (CMSIS-NN takes a few quantizations the reference kernels do not, and vice versa)')
@click.option("--allow-float", is_flag=True, hidden=True,
              help="Accepted for compatibility: float models are checked like any other (TFLM's float kernels run them).")
@json_option("Print the result as one JSON object.")
def command(model_path, kernels, allow_float, as_json):
    """Check that every operator of MODEL.tflite runs on TFLM with its types and quantization."""
    kernels = resolve_kernels(kernels)
    model = load_model(model_path)
    result = check_model(model, kernels=kernels)
    columns = [(rt, {(o.subgraph, o.index): o.reason for o in rt.operator_support(model, kernels)})
               for rt in all_runtimes() if rt.check_column]
    if as_json:
        doc = result.to_dict()
        for rt, support in columns:
            doc[rt.name] = {
                "ok": bool(support) and not any(support.values()),
                "operators": [{"subgraph": sg, "index": index, "supported": reason is None, "reason": reason}
                              for (sg, index), reason in support.items()],
            }
        click.echo(json.dumps(doc, indent=2))
    else:
        click.echo(format_check(result, columns))
    return 0 if result.ok else 1


def format_check(result, columns=()) -> str:
    """The terminal table of a :class:`converter.tflm.check.CheckResult` (TFLM's check).

    ``columns``: ``[(runtime, {(subgraph, operator index): reason or None})]``: a column per other
    runtime (:meth:`codegen.runtimes.base.Runtime.operator_support`).
    """
    lines = []
    n_sub = len({o.subgraph for o in result.operators}) or 1
    lines.append(
        f"model: {result.model_path or '(bytes)'}  {result.model_size_bytes:,} bytes  {result.model_kind}  "
        f"{n_sub} subgraph{'s' if n_sub > 1 else ''}  {len(result.operators)} operators  kernels: {result.kernels}"
    )
    lines.append("")
    multi = n_sub > 1
    header = f"{'sg ' if multi else ''}{'#':>3}  {'operator':<30} {'ver':>3}  {'inputs':<34} {'outputs':<20} TFLM"
    for rt, _support in columns:
        header += f"{'':<11}{rt.name}"
    lines.append(header)
    lines.append("-" * len(header))
    for o in result.operators:
        ins = ", ".join(t for t in (_short_type(t, s) for t, s in zip(o.input_types, o.input_shapes)) if t)
        outs = ", ".join(_short_type(t, s) for t, s in zip(o.output_types, o.output_shapes))
        status = "ok" if o.supported else "NOT SUPPORTED"
        sg = f"{o.subgraph:<3}" if multi else ""
        row = f"{sg}{o.index:>3}  {o.name:<30} {o.version:>3}  {_clip(ins, 34):<34} {_clip(outs, 20):<20} {status}"
        for rt, support in columns:
            reason = support.get((o.subgraph, o.index), "not checked")
            row = f"{row:<{len(header) - len(rt.name)}}" + ("ok" if reason is None else f"no: {_clip(reason, 60)}")
        lines.append(row)
    lines.append("")
    # one entry per operator, as inspect counts them (a flatbuffer may list one code many times)
    used = {}
    for c in result.operator_codes:
        if c.count:
            entry = used.setdefault(c.name, {"count": 0, "versions": set(), "supported": True})
            entry["count"] += c.count
            entry["versions"].add(c.version)
            entry["supported"] = entry["supported"] and c.supported
    lines.append("operators used: " + ", ".join(
        f"{name} x{e['count']} (v{', v'.join(str(v) for v in sorted(e['versions']))})"
        + ("" if e["supported"] else " (NOT SUPPORTED)")
        for name, e in sorted(used.items(), key=lambda kv: (-kv[1]["count"], kv[0]))))
    lines.append("(TFLM looks operators up by code only, never by version: the types and quantization decide)")
    if result.errors:
        lines.append("")
        lines.append(f"errors ({len(result.errors)}):")
        lines.extend(f"  - {_where(f)}{f.message}" for f in result.errors)
    if result.warnings:
        lines.append("")
        lines.append(f"warnings ({len(result.warnings)}):")
        lines.extend(f"  - {_where(f)}{f.message}" for f in result.warnings)
    lines.append("")
    if result.ok:
        lines.append(f"OK: TFLM can run this model ({result.kernels} kernels)")
    else:
        lines.append(f"NOT SUPPORTED: TFLM cannot run this model ({len(result.errors)} problem"
                     f"{'s' if len(result.errors) != 1 else ''})")
    for rt, support in columns:
        refused = sum(1 for reason in support.values() if reason is not None)
        if support and not refused:
            lines.append(f"OK: the {rt.title} can run this model (generate --runtime {rt.name})")
        else:
            lines.append(f"NOT SUPPORTED by the {rt.title}: {refused} operator{'s' if refused != 1 else ''} "
                         "(generate --runtime tflm" + (f"; what it supports: {rt.support_doc})" if rt.support_doc
                                                       else ")"))
    return "\n".join(lines)


def _short_type(dtype, shape):
    if dtype is None:
        return ""
    dims = "x".join(str(d) for d in shape) if shape else "scalar"
    return f"{dtype}[{dims}]"


def _clip(text, width):
    return text if len(text) <= width else text[: width - 1] + "…"


def _where(f):
    if f.operator is None:
        return ""
    return f"op {f.operator}: " if not f.subgraph else f"subgraph {f.subgraph} op {f.operator}: "
