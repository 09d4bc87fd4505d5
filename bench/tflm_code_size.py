"""Measure TFLM code size per operator kernel for Cortex-M; writes converter/tflm/tflm_code_size.json.

How: one translation unit (compiled once against the TFLM tree's headers) holds a
runner (a MicroInterpreter over a model) and one registration function per
operator, each in its own section.  For each operator a two-line main() calls the
runner with that operator's registration; it is linked against a prebuilt TFLM
library with --gc-sections, so only that kernel (and what it uses) stays.
arm-none-eabi-size gives flash (.text+.rodata+.data init); the program with no
operator gives the runtime (interpreter, allocator, flatbuffer parsing, the libc
and libm pieces they pull in); an operator's figure is the growth over it.

Kernels share helpers (kernel_util, quantization utilities, reference templates).
The symbols each probe adds are compared: symbols (name and size) found in two or
more probes are recorded once as shared helpers, so a model's estimate is
runtime + each operator's own code + the union of the helpers its operators use.
``--validate-models DIR`` links one probe per model with exactly its operators and
records linked vs estimated bytes.

This script only compiles the probe and links; the TFLM library must already be
built (a tree from TFLM's create_tflm_tree.py compiled with the flags of the
generated projects, see docs/results_report.md).  Nothing of TFLM is committed.

    python bench/tflm_code_size.py --tflm-dir TREE --lib libtflm.a --kernels reference \
        [--cpu cortex-m4] [--cflags "..."] [--library-flags-note "..."] [--validate-models DIR] [--jobs 2]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT_FILE = REPO / "converter" / "tflm_code_size.json"

CPU_FLAGS = {
    "cortex-m4": "-mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mfloat-abi=hard -mthumb",
    "cortex-m7": "-mcpu=cortex-m7 -mfpu=fpv5-d16 -mfloat-abi=hard -mthumb",
    "cortex-m55": "-mcpu=cortex-m55 -mfloat-abi=hard -mthumb",
}
ARENA_BYTES = 1024

# One translation unit holds everything that needs TFLM's headers: a runner and one
# registration function per operator, each in its own section (-ffunction-sections), so
# --gc-sections keeps only the registration (and thus the kernel) a probe's main() calls.
COMMON = r"""
#include "tensorflow/lite/micro/micro_interpreter.h"
#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"
#include "tensorflow/lite/schema/schema_generated.h"
using Resolver = tflite::MicroMutableOpResolver<64>;
extern const unsigned char g_probe_model[];
alignas(16) static uint8_t g_arena[%(arena)d];
extern "C" int probe_run(void (*add)(Resolver&)) {
  static Resolver resolver;
  add(resolver);
  tflite::MicroInterpreter interpreter(tflite::GetModel(g_probe_model), resolver, g_arena, sizeof(g_arena));
  if (interpreter.AllocateTensors() != kTfLiteOk) return 1;
  return interpreter.Invoke() == kTfLiteOk ? 0 : 2;
}
extern "C" void probe_add_none(Resolver&) {}
%(adders)s
"""
ADDER = 'extern "C" void probe_add_%(name)s(Resolver& r) { r.%(method)s(); }'
MAIN = """typedef void (*adder)(void*);
extern int probe_run(adder);
%(declarations)s
static void add_all(void* r) { %(calls)s }
int main(void) { return probe_run(add_all); }
"""
# The model bytes live in another translation unit so the compiler cannot see through them.
MODEL_STUB = "alignas(16) extern const unsigned char g_probe_model[64] = {0};\n"


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
        raise RuntimeError(f"{shlex.join(cmd)}\n{proc.stderr[-3000:]}")
    return proc.stdout


def section_sizes(elf: Path) -> tuple:
    """(flash bytes = text+rodata+data init, RAM bytes = data+bss) from `size -A`."""
    out = run(["arm-none-eabi-size", "-A", str(elf)])
    sizes = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith(".") and parts[1].isdigit():
            sizes[parts[0]] = int(parts[1])
    flash = sum(v for k, v in sizes.items() if k.startswith((".text", ".rodata", ".ARM", ".init", ".fini",
                                                           ".preinit", ".data")))
    ram = sizes.get(".data", 0) + sizes.get(".bss", 0)
    return flash, ram


def flash_symbols(elf: Path) -> dict:
    """{(symbol, size): size} of the symbols in flash (code, read-only data, initialised data)."""
    out = run(["arm-none-eabi-nm", "--print-size", "--defined-only", str(elf)])
    symbols = {}
    for line in out.splitlines():
        parts = line.split(maxsplit=3)
        if len(parts) == 4 and parts[2] in "tTrRdDwWvV":
            size = int(parts[1], 16)
            if size:
                symbols[(parts[3], size)] = size
    return symbols


def compile_common(work: Path, names, methods, args) -> Path:
    src = work / "probe_common.cc"
    adders = "\n".join(ADDER % {"name": n, "method": methods[n]} for n in names)
    src.write_text(COMMON % {"arena": ARENA_BYTES, "adders": adders})
    includes = [f"-I{args.tflm_dir / sub}" for sub in (
        ".", "third_party/flatbuffers/include", "third_party/gemmlowp", "third_party/ruy", "third_party/kissfft",
        "third_party/cmsis_nn", "third_party/cmsis_nn/Include", "third_party/cmsis/CMSIS/Core/Include")
        if (args.tflm_dir / sub).is_dir()]
    obj = src.with_suffix(".o")
    run(["arm-none-eabi-g++", *CPU_FLAGS[args.cpu].split(), *shlex.split(args.cflags), "-ffunction-sections",
         "-fdata-sections", "-std=c++17", "-fno-rtti", "-fno-exceptions", "-fno-threadsafe-statics", *includes,
         "-c", str(src), "-o", str(obj)])
    stub = work / "model_stub.cc"
    stub.write_text(MODEL_STUB)
    run(["arm-none-eabi-g++", *CPU_FLAGS[args.cpu].split(), "-c", str(stub), "-o", str(work / "model_stub.o")])
    return obj


def probe(work: Path, name: str, args, common_obj: Path, ops=None) -> tuple:
    """(flash bytes, RAM bytes, flash symbols) of the probe program that registers operator
    ``name`` (``none``: nothing), or all of ``ops`` (then ``name`` only names the files)."""
    ops = [name] if ops is None else ops
    src = work / f"main_{name}.c"
    src.write_text(MAIN % {
        "declarations": "\n".join(f"extern void probe_add_{op}(void*);" for op in ops),
        "calls": " ".join(f"probe_add_{op}(r);" for op in ops),
    })
    obj = src.with_suffix(".o")
    elf = src.with_suffix(".elf")
    run(["arm-none-eabi-gcc", *CPU_FLAGS[args.cpu].split(), "-Os", "-c", str(src), "-o", str(obj)])
    run(["arm-none-eabi-g++", *CPU_FLAGS[args.cpu].split(), "--specs=nosys.specs", "-Wl,--gc-sections",
         str(obj), str(common_obj), str(work / "model_stub.o"), str(args.lib), "-lm", "-o", str(elf)])
    return (*section_sizes(elf), flash_symbols(elf))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tflm-dir", type=Path, required=True)
    parser.add_argument("--lib", type=Path, required=True, help="prebuilt libtflm.a for that CPU and kernel set")
    parser.add_argument("--kernels", choices=["reference", "cmsis-nn"], required=True)
    parser.add_argument("--cpu", choices=sorted(CPU_FLAGS), default="cortex-m4")
    parser.add_argument("--cflags", default="-O2 -DNDEBUG -DTF_LITE_STATIC_MEMORY -DPROJECT_GENERATION "
                        "-ffunction-sections -fdata-sections -fno-unwind-tables -fno-asynchronous-unwind-tables",
                        help="flags the library was built with (besides the CPU flags)")
    parser.add_argument("--library-flags-note", default="",
                        help="the flags the library was built with, recorded in the JSON (default: --cflags)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--ops", nargs="*", help="only these operators (default: every one in tflm_ops.json)")
    parser.add_argument("--validate-models", type=Path, metavar="DIR",
                        help="also link one probe per .tflite in DIR with exactly its operators and record "
                        "linked vs estimated (runtime + sum of per-operator figures)")
    args = parser.parse_args()

    ops_doc = json.loads((REPO / "converter" / "tflm_ops.json").read_text())
    methods = resolver_methods(args.tflm_dir)
    names = args.ops or [n for n in ops_doc["builtin_ops"] if n in methods]
    with tempfile.TemporaryDirectory(prefix="tflm_code_size_") as tmp:
        work = Path(tmp)
        common_obj = compile_common(work, names, methods, args)
        base_flash, base_ram, base_symbols = probe(work, "none", args, common_obj)
        print(f"runtime: flash {base_flash} B, RAM {base_ram - ARENA_BYTES} B (without the arena)", flush=True)
        results = {}
        added_symbols = {}  # op -> {(symbol, size): size} beyond the runtime
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            futures = {pool.submit(probe, work, n, args, common_obj): n for n in names}
            for fut in concurrent.futures.as_completed(futures):
                n = futures[fut]
                try:
                    flash, _ram, symbols = fut.result()
                except RuntimeError as exc:
                    print(f"{n}: FAILED {str(exc)[:300]}", file=sys.stderr, flush=True)
                    continue
                results[n] = flash - base_flash
                added_symbols[n] = {k: v for k, v in symbols.items() if k not in base_symbols}
                print(f"{n}: {results[n]} B", flush=True)
        # Code two or more kernels share (kernel_util, quantization helpers, reference templates):
        # counted once per model by the estimator.  Helper ids are stable within this file.
        users = {}
        for n, symbols in added_symbols.items():
            for key in symbols:
                users.setdefault(key, []).append(n)
        shared_keys = sorted((k for k, ops in users.items() if len(ops) > 1), key=lambda k: (-k[1], k[0]))
        helper_id = {k: i for i, k in enumerate(shared_keys)}
        shared = {n: sorted(helper_id[k] for k in symbols if k in helper_id) for n, symbols in added_symbols.items()}
        own = {n: results[n] - sum(k[1] for k in symbols if k in helper_id) for n, symbols in added_symbols.items()}
        validation = {}
        if args.validate_models:
            sys.path.insert(0, str(REPO))
            from converter.tflite_model import load_model

            for path in sorted(args.validate_models.glob("*.tflite")):
                used = sorted({op.name for op in load_model(path).main_subgraph.operators})
                if not all(op in results for op in used):
                    continue
                linked, _, _ = probe(work, "model_" + path.stem, args, common_obj, ops=used)
                summed = base_flash + sum(results[op] for op in used)
                helpers = set().union(*(shared[op] for op in used))
                estimated = base_flash + sum(own[op] for op in used) + sum(shared_keys[h][1] for h in helpers)
                validation[path.name] = {"operators": used, "linked_bytes": linked, "estimated_bytes": estimated,
                                         "sum_of_standalone_bytes": summed}
                print(f"{path.name}: linked {linked} B, estimated {estimated} B (plain sum {summed} B)", flush=True)

    doc = json.loads(OUT_FILE.read_text()) if OUT_FILE.exists() else {}
    doc.setdefault("kernels", {})[args.kernels] = dict(sorted(results.items()))
    doc.setdefault("kernel_own_bytes", {})[args.kernels] = dict(sorted(own.items()))
    doc.setdefault("kernel_shared_helpers", {})[args.kernels] = {n: shared[n] for n in sorted(shared)}
    doc.setdefault("shared_helper_bytes", {})[args.kernels] = [k[1] for k in shared_keys]
    doc.setdefault("runtime_bytes_by_kernels", {})[args.kernels] = base_flash
    if validation:
        doc.setdefault("validation", {})[args.kernels] = validation
    doc.setdefault("runtime_ram_bytes_by_kernels", {})[args.kernels] = base_ram - ARENA_BYTES
    doc["cpu"] = args.cpu
    doc["compiler"] = run(["arm-none-eabi-g++", "--version"]).splitlines()[0]
    doc.setdefault("library_flags", {})[args.kernels] = args.library_flags_note or (
        CPU_FLAGS[args.cpu] + " " + args.cflags)
    doc["method"] = (
        f"linked probe programs for {args.cpu} (arm-none-eabi-gcc, --gc-sections, newlib nosys): flash "
        "(.text+.rodata+.data init) of a MicroInterpreter with one operator registered, minus the same "
        "program with none; runtime = that empty program; code two kernels share (found by symbol) "
        "counted once per model; measured by bench/tflm_code_size.py"
    )
    unknown = [v for v in doc["kernels"][args.kernels].values()]
    doc["unknown_operator_bytes"] = int(sorted(unknown)[len(unknown) // 2]) if unknown else 4096
    OUT_FILE.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT_FILE}")


if __name__ == "__main__":
    main()
