#!/usr/bin/env python3
"""The deepest stack use of a firmware, from GCC's call-graph files, against the stack it reserves.

Every object of the application is compiled with ``-fstack-usage -fcallgraph-info=su``: GCC writes
beside it a ``.ci`` file (VCG graph: one node per function with its frame in bytes, "static",
"dynamic" or "dynamic,bounded", and one edge per call).  This script joins the graphs of every
object, walks the call graph from ``main`` (and from every ``*_Handler``, an interrupt arriving at
the deepest point of ``main``'s chain), and adds:

* ``LIBRARY_CALL_BYTES`` for each call into a function without a graph (newlib: printf, memcpy,
  fflush...; newlib-nano's deepest direct-call chain from a generated main, iprintf -> _vfiprintf_r ->
  __swsetup_r -> __smakebuf_r -> _malloc_r -> _sbrk, pushes under 300 B on a Cortex-M4, read from the
  prologues of a linked firmware's disassembly);
* ``EXCEPTION_FRAME_BYTES`` for the handler's hardware frame (FP context included);
* ``INLINE_ASM_FRAME_BYTES`` once, where the kernels are linked (a function named ``an_*``): the
  largest stack an inline-asm statement of the kernels takes for itself (``sub sp`` / ``push``
  inside the statement), which GCC's graphs do not see.  An asm statement calls nothing, so at most
  one such frame is live at a time, on top of the chain that reached its kernel.

It fails (exit 1, one line) when the total exceeds ``__stack_size`` of the linker script, when a
frame is unbounded (a variable-length array or alloca) or when functions call each other in a cycle
(recursion: no static bound).  Python standard library only: the project's Makefile runs it after
linking.

    python3 tools/stack_usage.py --linker-script linker.ld build/obj/src/main.o ...
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

LIBRARY_CALL_BYTES = 1024
EXCEPTION_FRAME_BYTES = 104  # 8 words, + 18 FP words and alignment with the FPU's lazy context
# AN_P5F_LAYER at in_c 32, out_c 32 (kernels/an_conv_pointwise.c): its columns, 8 * 32 B, the layer's filter,
# 2 * 32 * 32 B, and records, 16 * 32 B, and 16 B of loop state (AN_P5_LAYER at in_c 192: 8 * 192 + 40 B).
# tests/test_stack_usage.py checks it against every asm statement of the kernels, compiled.
INLINE_ASM_FRAME_BYTES = 8 * 32 + 2 * 32 * 32 + 16 * 32 + 16
KERNEL_PREFIX = "an_"
ROOT = "main"

_NODE = re.compile(r'node:\s*\{\s*title:\s*"([^"]+)"\s*label:\s*"([^"]*)"([^}]*)\}')
_EDGE = re.compile(r'edge:\s*\{\s*sourcename:\s*"([^"]+)"\s*targetname:\s*"([^"]+)"')
_FRAME = re.compile(r"\\n(\d+) bytes \(([a-z,]+)\)")
_STACK_SIZE = re.compile(r"__stack_size\s*=\s*(\d+)\s*;")


class StackError(Exception):
    pass


def callgraph_files(paths):
    """The ``.ci`` files of ``paths``: objects (``x.o`` -> ``x.ci``), ``.ci`` files or folders (every
    ``.ci`` under them)."""
    files = []
    for path in map(Path, paths):
        if path.is_dir():
            files += sorted(path.rglob("*.ci"))
        else:
            ci = path.with_suffix(".ci")
            if not ci.is_file():
                raise StackError(f"no {ci}: compile {path.name} with -fstack-usage -fcallgraph-info=su")
            files.append(ci)
    if not files:
        raise StackError("no .ci files: compile with -fstack-usage -fcallgraph-info=su")
    return files


def read_callgraph(paths):
    """``(frames, calls)``: frames {function: (bytes, qualifier)} of the functions compiled in
    ``paths`` (see :func:`callgraph_files`), calls {function: set of callees}."""
    frames, calls = {}, {}
    for path in callgraph_files(paths):
        text = path.read_text(errors="replace")
        for title, label, _rest in _NODE.findall(text):
            frame = _FRAME.search(label)
            if frame:  # a function defined in this object (an undefined one has no frame)
                size, kind = int(frame.group(1)), frame.group(2)
                if title in frames:  # static functions of the same name in two files: the larger
                    size = max(size, frames[title][0])
                    kind = "dynamic" if "dynamic" in (kind, frames[title][1]) else kind
                frames[title] = (size, kind)
        for source, target in _EDGE.findall(text):
            calls.setdefault(source, set()).add(target)
    return frames, calls


def deepest_chain(frames, calls, root=ROOT):
    """``(bytes, [function, ...])``: the deepest call chain from ``root``; library calls count
    :data:`LIBRARY_CALL_BYTES` (their name ends the chain with ``(library)``)."""
    memo = {}

    def walk(name, path):
        if name in path:
            raise StackError(f"recursion: {' -> '.join(path[path.index(name):] + [name])} has no static stack bound")
        if name in memo:
            return memo[name]
        if name not in frames:
            result = (LIBRARY_CALL_BYTES, [f"{name} (library)"])
        else:
            size, kind = frames[name]
            if kind == "dynamic":
                raise StackError(f"{name} has an unbounded stack frame (a variable-length array or alloca)")
            best = (0, [])
            for callee in sorted(calls.get(name, ())):
                sub = walk(callee, path + [name])
                if sub[0] > best[0]:
                    best = sub
            result = (size + best[0], [name] + best[1])
        memo[name] = result
        return result

    if root not in frames:
        raise StackError(f"no {root}() among the compiled functions")
    return walk(root, [])


def stack_use(paths):
    """``(bytes, chain text)``: main's deepest chain plus the deepest interrupt handler's."""
    frames, calls = read_callgraph(paths)
    total, chain = deepest_chain(frames, calls)
    handlers = [deepest_chain(frames, calls, name) for name in sorted(frames) if name.endswith("_Handler")
                and name != "Reset_Handler"]
    text = " -> ".join(f"{f} {frames[f][0]} B" if f in frames else f"{f} {LIBRARY_CALL_BYTES} B" for f in chain)
    if any(name.startswith(KERNEL_PREFIX) for name in frames):
        total += INLINE_ASM_FRAME_BYTES
        text += f"; + a kernel's inline-asm frame (at most {INLINE_ASM_FRAME_BYTES} B)"
    if handlers:
        h_bytes, h_chain = max(handlers, key=lambda h: h[0])
        total += EXCEPTION_FRAME_BYTES + h_bytes
        text += f"; + interrupt frame {EXCEPTION_FRAME_BYTES} B + {h_chain[0]} {h_bytes} B"
    return total, text


def reserved_stack_bytes(linker_script: Path) -> int:
    match = _STACK_SIZE.search(Path(linker_script).read_text())
    if not match:
        raise StackError(f"{linker_script} sets no __stack_size")
    return int(match.group(1))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("objects", type=Path, nargs="+", help="the linked objects (their .ci files beside them)")
    parser.add_argument("--linker-script", type=Path, default=Path("linker.ld"))
    args = parser.parse_args(argv)
    try:
        reserved = reserved_stack_bytes(args.linker_script)
        used, chain = stack_use(args.objects)
    except (StackError, OSError) as exc:
        print(f"error: stack check: {exc}", file=sys.stderr)
        return 1
    if used > reserved:
        print(f"error: the deepest call chain needs {used} B of stack; the project reserves {reserved} B "
              f"(__stack_size in {args.linker_script}; regenerate with a larger stack): {chain}", file=sys.stderr)
        return 1
    print(f"stack: {used} of {reserved} B reserved ({chain})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
