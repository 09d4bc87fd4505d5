"""Measure the compiled runtime's code-size table (codegen/compiled/kernel_code_size.json) from real links.

Per CPU (each distinct set of the catalog's CPU flags), with the flags the generated Makefile uses
(default DSP path, -O2, -ffunction-sections, --gc-sections):

* ``functions``: for every public function of the kernel library, what a link that keeps only it
  (entry = the function, --gc-sections) holds: each input section (object, section) with its bytes,
  from the linker map; libgcc/newlib helpers included (the estimate counts a section once however
  many functions pull it);
* ``params_bytes``: sizeof of every ``an_*_params`` struct of the kernel headers;
* ``invoke``: model_invoke()'s bytes, a base plus per argument of every kernel call (least squares over
  the probe models' links), and ``model_fixed_bytes``: the rest of model.o (model_init, model_input, ...).

Per board: ``application_bytes``, everything of a real link of a probe model's project but the
kernels and model.o (main, sample input, platform layer, startup, newlib's printf...), and the library
sections among them (``application_sections``).

The probe models are the test suite's builder models (tests/test_compiled_fc.py and
tests/test_compiled_elem_models.py), not the models the error is measured on
(bench/code_size_vs_link.py --runtime compiled).

    python bench/compiled_code_size.py [--out codegen/compiled/kernel_code_size.json]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))


def probe_models():
    from tests.test_compiled_elem_models import gate_model
    from tests.test_compiled_fc import fc_model, two_layer_with_reshape

    return {"fc": fc_model(), "chain": two_layer_with_reshape(), "gate": gate_model()}


def make_variable(project: Path, name: str) -> str:
    proc = subprocess.run(["make", "-s", "-C", str(project), "--eval", f"print-var: ; @echo $({name})", "print-var"],
                          capture_output=True, text=True, check=True)
    return proc.stdout.strip()


def flash_sections(map_path: Path) -> list:
    """``[(file, input section, bytes)]`` of every input section (fill included) of a link map whose output
    section the ELF beside it loads (allocated, with contents: flash, or .data's initial values)."""
    from codegen.size import parse_map, read_elf_sections

    loaded = {s.name for s in read_elf_sections(map_path.with_suffix(".elf")) if s.has_contents}
    out = []
    for output, records in parse_map(map_path).items():
        if output not in loaded:
            continue
        for name, _address, size, source in records:
            if size:
                out.append((Path(source).name if source != "*fill*" else "*fill*", name, size))
    return out


def is_kernel(source: str) -> bool:
    return source.startswith("an_") and source.endswith(".o")


def measure_cpu(project: Path, work: Path) -> dict:
    """Kernel functions' closures, params sizes, for the CPU of ``project`` (a generated compiled project)."""
    from firmware_template import KERNELS_DIR

    cflags = make_variable(project, "CFLAGS").split()
    cpu_flags = make_variable(project, "CPU_FLAGS").split()
    objects = []
    for source in sorted(KERNELS_DIR.glob("*.c")):
        obj = work / f"{source.stem}.o"
        subprocess.run(["arm-none-eabi-gcc", *cflags, f"-I{KERNELS_DIR}", "-c", str(source), "-o", str(obj)],
                       check=True, cwd=work)
        objects.append(obj)
    publics = []
    for obj in objects:
        nm = subprocess.run(["arm-none-eabi-nm", "--defined-only", str(obj)], capture_output=True, text=True,
                            check=True).stdout
        publics += [line.split()[2] for line in nm.splitlines() if line.split()[1] == "T"]
    functions = {}
    for fn in sorted(set(publics)):
        elf, map_path = work / f"{fn}.elf", work / f"{fn}.map"
        subprocess.run(["arm-none-eabi-gcc", *cpu_flags, "-nostartfiles", "--specs=nano.specs", "--specs=nosys.specs",
                        "-Wl,--gc-sections", f"-Wl,-e,{fn}", f"-Wl,-Map={map_path}", *map(str, objects),
                        "-lm", "-lc", "-lgcc", "-o", str(elf)], check=True, capture_output=True)
        functions[fn] = {f"{src}:{name}": size for src, name, size in flash_sections(map_path)
                         if src != "*fill*" and not name.startswith((".isr_vector", ".ARM.exidx"))}
    # sizeof of every parameter struct
    types = sorted(set(re.findall(r"}\s*(an_\w+_params)\s*;", "".join(h.read_text() for h in KERNELS_DIR.glob("*.h")))))
    probe = work / "params_probe.c"
    probe.write_text("".join(f'#include "{h.name}"\n' for h in sorted(KERNELS_DIR.glob("an_*.h")))
                     + "".join(f"const {t} probe_{t};\n" for t in types))
    subprocess.run(["arm-none-eabi-gcc", *cflags, f"-I{KERNELS_DIR}", "-c", str(probe), "-o", str(work / "p.o")],
                   check=True)
    nm = subprocess.run(["arm-none-eabi-nm", "-S", str(work / "p.o")], capture_output=True, text=True,
                        check=True).stdout
    params = {}
    for line in nm.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[3].startswith("probe_"):
            params[parts[3][len("probe_"):]] = int(parts[1], 16)
    return {"cflags": " ".join(cflags), "functions": functions, "params_bytes": params}


def measure_project(project: Path, compiled) -> dict:
    """Sections of a built probe project split into kernels, model.o and the rest (the application)."""
    sections = flash_sections(project / "build" / "model.map")
    model_data = sum(size for src, _, size in sections if src == "model_data.o")
    model_o = {name: size for src, name, size in sections if src == "model.o"}
    kernels = sum(size for src, _, size in sections if is_kernel(src))
    application = [(src, name, size) for src, name, size in sections
                   if src not in ("model.o", "model_data.o") and not is_kernel(src)]
    calls = [s for s in compiled.program.steps if s.function]
    return {"model_data": model_data, "model_o": model_o, "kernels": kernels,
            "application_bytes": sum(size for _, _, size in application),
            "application_sections": sorted(f"{src}:{name}" for src, name, _ in application
                                           if src.startswith(("lib", "crt")) or "(" in src),
            "calls": len(calls), "args": sum(len(s.args) for s in calls),
            "params": sum(1 for s in calls for _ in s.params)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "codegen/compiled/kernel_code_size.json"))
    args = parser.parse_args(argv)

    from codegen.boards import load_boards
    from codegen.compiled.generate import compile_model
    from codegen.generate import generate_project
    from converter.tflite_model import load_model

    gcc = subprocess.run(["arm-none-eabi-gcc", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    cpus, boards = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        models = {}
        for name, data in probe_models().items():
            path = tmp / f"{name}.tflite"
            path.write_bytes(data)
            models[name] = (path, compile_model(load_model(data)))
        for board_name, board in load_boards().items():
            key = " ".join(board.cpu_flags)
            builds = {}
            for name, (path, compiled) in models.items():
                project = tmp / board_name / name
                project.parent.mkdir(exist_ok=True)
                generate_project(path, board_name, project, runtime="compiled", force=True)
                subprocess.run(["make", "-C", str(project), "-j2"], check=True, capture_output=True)
                builds[name] = measure_project(project, compiled)
            if key not in cpus:
                work = tmp / f"cpu{len(cpus)}"
                work.mkdir()
                cpu = measure_cpu(tmp / board_name / "fc", work)
                # model_invoke: bytes = base + per_arg * arguments (least squares over the probes; the
                # prologue/epilogue once, per argument a load of its address and a literal or a stack store)
                rows = [(1, b["args"]) for b in builds.values()]
                invoke = [b["model_o"].get(".text.model_invoke", 0) for b in builds.values()]
                (base, per_arg), *_ = np.linalg.lstsq(np.array(rows, float), np.array(invoke, float), rcond=None)
                fixed = [sum(v for k, v in b["model_o"].items()
                             if k != ".text.model_invoke" and not k.startswith(".rodata.an_params"))
                         for b in builds.values()]
                cpu["invoke"] = {"base_bytes": round(float(base), 2), "per_arg_bytes": round(float(per_arg), 2)}
                cpu["model_fixed_bytes"] = int(max(fixed))
                cpus[key] = cpu
                print(f"{key}: {len(cpu['functions'])} functions, invoke {cpu['invoke']}, "
                      f"model.o fixed {cpu['model_fixed_bytes']} B", file=sys.stderr, flush=True)
            fc = builds["fc"]
            boards[board_name] = {"cpu": key, "application_bytes": fc["application_bytes"],
                                  "application_sections": fc["application_sections"]}
            print(f"{board_name}: application {fc['application_bytes']} B", file=sys.stderr, flush=True)
    table = {
        "what": "the compiled runtime's code, measured from real links (arm-none-eabi-gcc, the generated "
                "Makefile's flags, default DSP path): per CPU each kernel function's linked sections, "
                "parameter struct sizes, model_invoke()'s bytes (a base and per argument), model.o's fixed part; "
                "per board the application (main, platform, startup, newlib) of a probe model's link",
        "command": "python bench/compiled_code_size.py",
        "compiler": gcc,
        "cpus": cpus,
        "boards": boards,
    }
    Path(args.out).write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
