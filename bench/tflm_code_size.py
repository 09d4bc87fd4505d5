"""Measure TFLM's code-size table (converter/tflm/tflm_code_size.json) from real links of generated projects.

For one TFLM tree (its kernel set: cmsis-nn when it holds CMSIS-NN, else reference) and each board given
(default: the catalog's boards whose CPU flags are those of the first one, so one compiled library serves
them all):

1. ``attendnets generate --runtime tflm`` a small probe model for the board and ``attendnets build`` it
   against the tree (the library the generated Makefile compiles, cached per tree, CPU and kernel set;
   or ``--tflm-lib``): the same objects, flags, linker script, startup and C library as a user's firmware;
2. the project's ``src/op_resolver.h`` is replaced by one whose ``RegisterModelOps`` calls
   ``probe_register()``, ``src/probe_ops.cc`` holds one function per builtin operator that registers it
   (each in its own section), and the project's objects are linked again once with a
   ``probe_register()`` that registers nothing and once per operator, with the project's own link
   command (``--gc-sections``) and a map;
3. from each map, every input section the ELF loads (flash: code, read-only data, .data's initial
   values) with the bytes it occupies (up to the next input section: alignment padding included).

Recorded:

* per board and kernel set: ``runtime_bytes`` (libtflm.a's sections in the link that registers nothing:
  interpreter, allocator, flatbuffer reading) and ``application_bytes`` (the rest of that link but
  model_data.o: main, model glue, sample, platform layer, startup, the C and C++ libraries);
* per CPU and kernel set: for each operator, the sections its link adds to the empty one (its kernel,
  the helpers and library functions it pulls), so an estimate counts a section several kernels share
  once (converter.tflm.code_size).

Nothing of TFLM is committed: the tree is the user's (docs/firmware.md, 'Making a TFLM tree'). The
error of the estimate against real links of every shared and corpus model is bench/code_size_vs_link.py's.

    python bench/tflm_code_size.py --tflm-dir TREE [--tflm-lib libtflm.a] [--board mps2-an386 ...] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
OUT_FILE = REPO / "converter" / "tflm" / "tflm_code_size.json"

PROBE_RESOLVER = """// bench/tflm_code_size.py: the operators come from probe_register() (one per probe link).
#ifndef MODEL_OP_RESOLVER_H_
#define MODEL_OP_RESOLVER_H_
#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"
using ModelOpResolver = tflite::MicroMutableOpResolver<%(capacity)d>;
extern "C" int probe_register(void* resolver);
inline TfLiteStatus RegisterModelOps(ModelOpResolver& resolver) {
  return probe_register(&resolver) == 0 ? kTfLiteOk : kTfLiteError;
}
#endif
"""
PROBE_ADDER = ('extern "C" int probe_add_%(name)s(void* r) '
               '{ return static_cast<ModelOpResolver*>(r)->%(method)s() != kTfLiteOk; }')
PROBE_REGISTER = "%(declarations)s\nint probe_register(void* r) { return 0%(calls)s; }\n"
# The generated op_resolver.h sizes its resolver to the model's operator count; the probes use this
# capacity (the template's code does not depend on it, only the object's size in the arena's owner).
PROBE_CAPACITY = 8


def resolver_methods(tflm_dir: Path) -> dict:
    """Builtin operator name -> MicroMutableOpResolver method, read from the tree's header."""
    text = (tflm_dir / "tensorflow/lite/micro/micro_mutable_op_resolver.h").read_text()
    methods = {}
    for m in re.finditer(r"TfLiteStatus (Add\w+)\((?:[^{]*)\{\s*(?:[^}]*?)AddBuiltin\(\s*BuiltinOperator_(\w+)",
                         text, re.S):
        methods.setdefault(m.group(2), m.group(1))
    return methods


def run(cmd, cwd=None):
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{shlex.join(map(str, cmd))}\n{proc.stdout[-1500:]}\n{proc.stderr[-3000:]}")
    return proc.stdout


def make_variable(project: Path, name: str, make_args=()) -> str:
    return run(["make", "-s", "-C", str(project), *make_args, "--eval", f"print-var: ; @echo $({name})",
                "print-var"]).strip()


def section_key(source: str, name: str) -> str:
    """A section's name across links: the object (archive member) it comes from and its input section."""
    return f"{source.replace(chr(92), '/').rsplit('/', 1)[-1]}:{name}"


def loaded_spans(elf: Path, map_path: Path) -> dict:
    """``{object:section: bytes}`` of every input section in an output section the ELF loads, each owning
    the bytes up to the next input section (alignment fill included); linker-script bytes no input
    section claims go to ``*script*:<output section>``."""
    from codegen.size import parse_map, read_elf_sections

    outputs = {s.name: s for s in read_elf_sections(elf) if s.has_contents}
    spans = {}
    for output, records in parse_map(map_path).items():
        section = outputs.get(output)
        if section is None:
            continue
        start, end = section.address, section.address + section.size_bytes
        records = sorted((r for r in records if start <= r[1] < end), key=lambda r: r[1])
        owner = f"*script*:{output}"
        cursor = start
        for i, (name, address, _size, source) in enumerate(records):
            if address > cursor:
                spans[owner] = spans.get(owner, 0) + address - cursor
            following = records[i + 1][1] if i + 1 < len(records) else end
            span = max(0, min(following, end) - address)
            if source != "*fill*":
                owner = section_key(source, name)
            spans[owner] = spans.get(owner, 0) + span
            cursor = max(cursor, address + span)
        if cursor < end:
            spans[owner] = spans.get(owner, 0) + end - cursor
    return {k: v for k, v in spans.items() if v}


def is_tflm(key: str) -> bool:
    from codegen.size import flash_category

    return flash_category(key.split(":", 1)[0]) == "tflm"


def is_model_data(key: str) -> bool:
    return key.split(":", 1)[0] == "model_data.o"


class ProbeProject:
    """A generated, built TFLM project whose objects are linked again with other operator registrations."""

    def __init__(self, project: Path, names, methods, make_args):
        self.project = project
        var = {v: make_variable(project, v, make_args) for v in ("CC", "CXX", "CFLAGS", "LDFLAGS", "PLATFORM_OBJS", "APP_OBJS",
                                                       "TFLM_LIB", "BUILD_DIR")}
        self.cc, self.cxx = var["CC"], var["CXX"]
        self.cflags = var["CFLAGS"].split()
        self.ldflags = [f for f in var["LDFLAGS"].split() if not f.startswith(("-Wl,-Map=", "-Wl,--print-memory"))]
        self.objects = var["PLATFORM_OBJS"].split() + var["APP_OBJS"].split()
        self.lib = var["TFLM_LIB"]
        build = project / var["BUILD_DIR"]
        src = project / "src"
        (src / "op_resolver.h").write_text(PROBE_RESOLVER % {"capacity": PROBE_CAPACITY})
        (src / "probe_ops.cc").write_text('#include "op_resolver.h"\n' + "\n".join(
            PROBE_ADDER % {"name": n, "method": methods[n]} for n in names) + "\n")
        run(["make", "-C", str(project), *make_args, f"{var['BUILD_DIR']}/obj/src/model.o",
             f"{var['BUILD_DIR']}/obj/src/probe_ops.o"])
        self.objects.append(str(build / "obj" / "src" / "probe_ops.o"))
        self.work = build / "probes"
        self.work.mkdir(exist_ok=True)

    def link(self, label: str, ops) -> dict:
        """Loaded sections of the project linked with a probe_register() that registers ``ops``."""
        src = self.work / f"register_{label}.c"
        src.write_text(PROBE_REGISTER % {
            "declarations": "\n".join(f"int probe_add_{op}(void*);" for op in ops),
            "calls": "".join(f" | probe_add_{op}(r)" for op in ops)})
        obj, elf, map_path = src.with_suffix(".o"), src.with_suffix(".elf"), src.with_suffix(".map")
        run([self.cc, *self.cflags, "-c", str(src), "-o", str(obj)], cwd=self.project)
        run([self.cxx, *self.ldflags, f"-Wl,-Map={map_path}", *self.objects, str(obj), "-Wl,--start-group", self.lib,
             "-lstdc++", "-lm", "-lc", "-Wl,--end-group", "-o", str(elf)], cwd=self.project)
        spans = loaded_spans(elf, map_path)
        for path in (obj, elf, map_path):
            path.unlink()
        return spans


def probe_model() -> bytes:
    """The probe project's model: one RESHAPE (1x4x6 -> 1x24 int8); its operator registration is replaced."""
    import numpy as np
    from tflite_builder import ModelBuilder

    b = ModelBuilder()
    x = b.tensor("x", (1, 4, 6), "int8", scale=0.1, zero_point=10)
    shape = b.tensor("shape", (2,), "int32", data=np.array([1, 24], np.int32).tobytes())
    y = b.tensor("y", (1, 24), "int8", scale=0.1, zero_point=10)
    b.op("RESHAPE", [x, shape], [y])
    return b.build(inputs=[x], outputs=[y])


def quiet_unless_failing(argv):
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        print(proc.stdout[-2000:] + proc.stderr[-3000:], file=sys.stderr)
    return proc


def measure_board(board_name: str, tflm_dir: Path, tflm_lib, kernels: str, names, methods, jobs, work: Path,
                  log) -> tuple:
    """(board entry, {operator: {section: bytes}}) for one board and kernel set."""
    from codegen.build import build_project
    from codegen.generate import generate_project

    model = work / "probe.tflite"
    model.write_bytes(probe_model())
    project = work / board_name
    generate_project(model, board_name, project, kernels=kernels, runtime="tflm", force=True)
    ran = []
    build_project(project, tflm_dir=str(tflm_dir), tflm_lib=tflm_lib, jobs=jobs, log=lambda m: None,
                  runner=lambda argv: ran.append(argv) or quiet_unless_failing(argv))
    make_args = [a for a in ran[0] if a.startswith(("TFLM_DIR=", "TFLM_LIB=", "TFLM_BUILD_DIR="))]
    probe = ProbeProject(project, names, methods, make_args)
    empty = {k: v for k, v in probe.link("none", []).items() if not is_model_data(k)}
    runtime = sum(v for k, v in empty.items() if is_tflm(k))
    application = sum(v for k, v in empty.items() if not is_tflm(k))
    log(f"{board_name} ({kernels}): runtime {runtime} B, application {application} B")
    operators = {}
    for name in names:
        try:
            spans = probe.link(name, [name])
        except RuntimeError as exc:  # an operator this tree or CPU cannot link: left out, estimated by default
            log(f"{name}: not linked ({str(exc).splitlines()[-1][:200]})")
            continue
        operators[name] = {k: v for k, v in spans.items() if k not in empty and not is_model_data(k)}
        log(f"{name}: {sum(operators[name].values())} B")
    entry = {"runtime_bytes": runtime, "application_bytes": application,
             # sections of this board's empty link that a kernel may pull too (counted in the base already)
             "base_sections": sorted(empty)}
    return entry, operators


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tflm-dir", type=Path, required=True, help="a tree made by create_tflm_tree.py")
    parser.add_argument("--tflm-lib", default=None, help="a prebuilt libtflm.a for the boards' CPU and the tree")
    parser.add_argument("--board", action="append", default=[],
                        help="board to measure (repeatable; default: the catalog's boards with mps2-an386's CPU flags)")
    parser.add_argument("--ops", nargs="*", help="only these operators (default: every builtin the tree registers)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=OUT_FILE)
    args = parser.parse_args(argv)

    from codegen.boards import get_board, load_boards
    from codegen.runtimes.tflm import tree_kernels

    def log(message):
        print(message, file=sys.stderr, flush=True)

    kernels = tree_kernels(args.tflm_dir)
    boards = args.board or [n for n, b in load_boards().items()
                            if b.cpu_flags == get_board("mps2-an386").cpu_flags]
    cpu_keys = {" ".join(get_board(b).cpu_flags) for b in boards}
    if len(cpu_keys) != 1:
        parser.error("the boards must share one CPU (one library): " + ", ".join(sorted(cpu_keys)))
    cpu_key = cpu_keys.pop()
    ops_doc = json.loads((REPO / "converter" / "tflm" / "tflm_ops.json").read_text())
    methods = resolver_methods(args.tflm_dir)
    names = args.ops or sorted(n for n in ops_doc["builtin_ops"] if n in methods)
    doc = json.loads(args.out.read_text()) if args.out.is_file() else {}
    if "cpus" not in doc:  # the table of an earlier method: replaced whole
        doc = {}
    with tempfile.TemporaryDirectory(prefix="tflm_code_size_") as tmp:
        operators = None
        for board_name in boards:
            # a CPU's kernels link the same on each of its boards: measured on the first, later boards need only
            # their link with no operator
            entry, ops = measure_board(board_name, args.tflm_dir, args.tflm_lib, kernels,
                                       names if operators is None else [], methods, args.jobs, Path(tmp), log)
            if operators is None:
                operators = ops
            board = doc.setdefault("boards", {}).setdefault(board_name, {})
            board["cpu"] = cpu_key
            board.setdefault("kernels", {})[kernels] = entry
    # each section once (name and bytes, in the operators' links), each operator its section indices
    sections = {}
    for op in sorted(operators):
        for key, size in sorted(operators[op].items()):
            sections.setdefault(key, size)
    index = {key: i for i, key in enumerate(sorted(sections))}
    cpu = doc.setdefault("cpus", {}).setdefault(cpu_key, {})
    cpu.setdefault("kernels", {})[kernels] = {
        "sections": dict(sorted(sections.items())),  # an operator's indices count in this sorted order
        "operators": {op: sorted(index[k] for k in operators[op]) for op in sorted(operators)},
        "library_flags": make_flags_note(args.tflm_dir, kernels)}
    for board_name in boards:  # the base's sections an operator pulls too, as indices
        entry = doc["boards"][board_name]["kernels"][kernels]
        entry["base_sections"] = sorted(index[k] for k in entry["base_sections"] if k in index)
    doc["what"] = ("TFLM's code measured from real links of generated projects (bench/tflm_code_size.py): per board "
                   "and kernel set the TFLM runtime and the application (main, platform, startup, C library) of a "
                   "link that registers no operator; per CPU and kernel set the input sections each operator's "
                   "registration adds (its kernel, helpers, library functions), counted once per model")
    doc["command"] = "python bench/tflm_code_size.py --tflm-dir TREE (once per kernel set)"
    doc["compiler"] = run(["arm-none-eabi-g++", "--version"]).splitlines()[0]
    doc["default_board"] = doc.get("default_board", "mps2-an386")
    args.out.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    log(f"wrote {args.out}")
    return 0


def make_flags_note(tflm_dir: Path, kernels: str) -> str:
    return (f"the generated Makefile's (-O2, -ffunction-sections, --gc-sections), tree made by create_tflm_tree.py "
            f"{'with OPTIMIZED_KERNEL_DIR=cmsis_nn' if kernels == 'cmsis-nn' else 'without OPTIMIZED_KERNEL_DIR'}")


if __name__ == "__main__":
    sys.exit(main())
