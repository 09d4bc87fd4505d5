"""The terminal writer of a :class:`converter.report.build.MemoryReport` (formats, computes nothing)."""

from __future__ import annotations

import textwrap
from converter.report.runtimes import format_runtimes_text


def _kib(n: int) -> str:
    return f"{n / 1024:,.1f} KiB"


def _bytes(n: int) -> str:
    return f"{n:,} B ({_kib(n)})" if n >= 1024 else f"{n:,} B"


def _shape(s) -> str:
    return "x".join(str(d) for d in s) if s else "scalar"


def _shapes(shapes) -> str:
    return ", ".join(_shape(s) for s in shapes) or "-"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def format_report(report) -> str:
    r = report
    lines = []
    lines.append(f"model: {r.model_path or '(bytes)'}  ({r.model_bytes:,} bytes)")
    kernels = f"{r.kernels} ({r.cmsis_nn_arch} code path)" if r.cmsis_nn_arch else r.kernels
    lines.append(f"target: {r.target} ({r.arena.pointer_bytes * 8}-bit pointers), kernels: {kernels}")
    lines.append("")

    header = (f"{'#':>3}  {'operator':<24} {'input':<18} {'output':<14} {'MACs':>11} {'weights B':>10} "
              f"{'activ. B':>10} {'scratch B':>9}")
    lines.append(header)
    lines.append("-" * len(header))
    for o in r.operators:
        mark = " <- peak" if o.index == r.peak_op_index else ""
        lines.append(
            f"{o.index:>3}  {_clip(o.name, 24):<24} {_clip(_shapes(o.input_shapes), 18):<18} "
            f"{_clip(_shapes(o.output_shapes), 14):<14} {o.macs:>11,} {o.weight_bytes:>10,} "
            f"{o.activation_bytes:>10,} {o.scratch_bytes:>9,}{mark}"
        )
    for g in r.subgraphs:
        lines.append(f"subgraph {g.index}{f' ({g.name})' if g.name else ''}: run by a control-flow operator "
                     f"(IF / WHILE / CALL_ONCE); bytes of its own planned buffers")
        for o in g.operators:
            lines.append(
                f"{o.index:>3}  {_clip(o.name, 24):<24} {_clip(_shapes(o.input_shapes), 18):<18} "
                f"{_clip(_shapes(o.output_shapes), 14):<14} {o.macs:>11,} {o.weight_bytes:>10,} "
                f"{o.activation_bytes:>10,} {o.scratch_bytes:>9,}"
            )
    lines.append("-" * len(header))
    lines.append(f"{'':>3}  {'total':<24} {'':<18} {'':<14} {r.total_macs:>11,} {r.weight_bytes:>10,}")
    lines.append(f"     MACs: multiply-accumulates of the conv / fully-connected / matmul operators (docs/architectures.md; "
                 f"attendnets profile counts the same);")
    lines.append(f"     element-wise multiplies (MUL, ...) apart: {r.total_elementwise_mults:,}; additions and pooling count 0;")
    lines.append("     weights B: constant tensors in the flatbuffer (int8 weights, int32 biases; each buffer once)")
    lines.append("")
    lines.append(f"peak live memory: {_bytes(r.peak_live_bytes)} during operator {r.peak_op_index} "
                 f"({r.peak_op_name}), activations + scratch")
    lines.append("")

    a = r.arena
    lines.append("arena (tensor arena for TFLM's MicroAllocator)")
    lines.append(f"  required   {_bytes(a.required_bytes):>24}   smallest arena that allocates: "
                 "give the firmware this")
    lines.append(f"  used       {_bytes(a.total_bytes):>24}   what TFLM records as used")
    lines.append(f"  head       {_bytes(a.head_bytes):>24}   planned tensors + scratch buffers")
    if a.plan:
        lines.append(f"    placed by: {a.plan}")
    lines.append(f"  tail       {_bytes(a.tail_bytes):>24}   persistent allocations")
    for name, size in a.categories.items():
        lines.append(f"    {name:<44} {size:>10,} B")
    lines.append(f"    {'other (allocator objects, op options, ...)':<44} {a.other_tail_bytes:>10,} B")
    if r.measurement is not None:
        m = r.measurement
        lines.append("")
        lines.append("measured with the tflite-micro interpreter (64-bit host, its kernels) vs estimate "
                     "for that build")
        lines.append(f"  {'':<10} {'estimate':>12} {'measured':>12}")
        lines.append(f"  {'used':<10} {m.estimate_used_bytes:>12,} {m.used_bytes:>12,}"
                     f"  {'equal' if m.estimate_used_bytes == m.used_bytes else 'DIFFERENT'}")
        lines.append(f"  {'required':<10} {m.estimate_required_bytes:>12,} {m.required_bytes:>12,}"
                     f"  {'equal' if m.estimate_required_bytes == m.required_bytes else 'DIFFERENT'}")
    lines.append("")

    f = r.flash
    lines.append("flash")
    lines.append(f"  model      {_bytes(f.model_bytes):>24}")
    lines.append(f"  TFLM code  {_bytes(f.code_bytes):>24}   estimate: runtime {f.runtime_code_bytes:,} B + kernels")
    for name, size in f.kernel_code_bytes.items():
        lines.append(f"    {name:<44} {size:>10,} B")
    if f.shared_code_bytes:
        lines.append(f"    {'helpers shared by these kernels, once':<44} {f.shared_code_bytes:>10,} B")
    if f.application_code_bytes:
        lines.append(f"  application{_bytes(f.application_code_bytes):>24}   main, platform, startup, C library")
    lines.append(f"  total      {_bytes(f.total_bytes):>24}")
    lines.extend(textwrap.wrap(f"code estimate: {f.code_method}", width=100, initial_indent="  (",
                               subsequent_indent="   "))
    lines[-1] += ")"

    if r.board is not None:
        b = r.board
        lines.append("")
        lines.append(f"board {b.board} (the firmware `attendnets generate` makes: the same check)")
        lines.extend(f"  {line}" for line in b.breakdown())
        lines.extend(format_what_would_fit(r.what_would_fit))
    if r.warnings:
        lines.append("")
        lines.append("warnings:")
        lines.extend(f"  - {w}" for w in r.warnings)
    if r.runtimes:
        lines.append("")
        lines.append(format_runtimes_text(r.runtimes))
    return "\n".join(lines)


def format_what_would_fit(suggestions, indent="  ") -> list:
    """The lines under a DOES NOT FIT verdict (converter.report.suggest), wrapped at 100 columns."""
    if not suggestions:
        return []
    lines = [f"{indent}what would fit:"]
    for s in suggestions:
        lines.extend(textwrap.wrap(s, width=100, initial_indent=f"{indent}  - ", subsequent_indent=f"{indent}    "))
    return lines
