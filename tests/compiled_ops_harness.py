"""Run many single-operator models through the compiled runtime's lowerings in ONE host program.

Each case is a small .tflite (built with tests/tflite_builder.py) of one operator.  The
harness lowers the operator with the registered lowering, emits one C file with every
case (its own buffers, const arrays, parameter struct and invoke function), compiles it
once with ``cc`` and runs each case on a batch of inputs through stdin/stdout; the
reference is the tflite-micro interpreter on the same inputs.  Where a lowering says the
output may share an input's buffer, the harness does share it, so in-place execution is
what gets tested.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from codegen.compiled.emit import c_argument, c_array_lines, c_initializer
from codegen.compiled.lower import NUMPY_TYPES as NP_TYPES
from codegen.compiled.lower import ModelLoweringContext as DriverContext
from codegen.compiled.lower import load_lowerings
from codegen.compiled.program import Tensor
from converter.tflite_model import load_model
from firmware_template import KERNELS_DIR


class _Names:
    """The C names of one case (the emitter's renderers take any object with these four maps)."""

    def __init__(self, prefix: str):
        self.tensors, self.constants, self.params, self.scratch = {}, {}, {}, {}
        self.prefix = prefix


@dataclass
class Case:
    """One single-operator model and how to feed it."""

    name: str
    model_bytes: bytes
    prefix: str = ""
    inputs: list = field(default_factory=list)  # [(tensor index, dtype, shape)]
    outputs: list = field(default_factory=list)
    call: object = None  # the lowered codegen.compiled.program.Step


def _emit_case(case: Case, lowerings) -> str:
    model = load_model(case.model_bytes)
    sg = model.main_subgraph
    assert len(sg.operators) == 1, "one operator per case"
    op = sg.operators[0]
    ctx = DriverContext(model)
    step = lowerings[op.name](op, ctx)
    case.call = step
    case.inputs = [(i, sg.tensors[i].dtype, sg.tensors[i].shape) for i in sg.inputs]
    case.outputs = [(i, sg.tensors[i].dtype, sg.tensors[i].shape) for i in sg.outputs]
    p = case.prefix
    names = _Names(p)
    lines = [f"/* case {case.name} */"]
    # Every constant the step uses (its own arrays, the model's constant tensors), exact literals.
    for n, c in enumerate(dict.fromkeys(step.constants())):
        name = f"{p}_t{c.tensor_index}" if c.tensor_index is not None else f"{p}_{c.hint}_{n}"
        names.constants[c] = name
        body = " ".join(c_array_lines(c.values, c.c_type)) or "0"  # the generator's own literals
        lines.append(f"static const {c.c_type} {name}[{max(c.values.size, 1)}] = {{{body}}};")
    # One buffer per activation tensor; where the lowering says the output may share an input's
    # buffer, it does (so in-place execution is what gets tested).
    alias = step.output_aliases.index if isinstance(step.output_aliases, Tensor) else None
    for i, t in enumerate(sg.tensors):
        if t.is_constant:
            continue
        if i == op.outputs[0] and alias is not None:
            lines.append(f"#define {p}_t{i} {p}_t{alias}")
            continue
        n = max(int(np.prod(t.shape)) if t.shape else 1, 1)
        lines.append(f"static {ctx.tensor(i).c_type} {p}_t{i}[{n}] __attribute__((aligned(16)));")
    for i in (*op.inputs, *op.outputs):
        if i >= 0 and isinstance(ctx.tensor(i).operand, Tensor):
            names.tensors[ctx.tensor(i).operand] = f"{p}_t{i}"
    if step.scratch_bytes:
        lines.append(f"static int32_t {p}_scratch[{(step.scratch_bytes + 3) // 4}];")
        for s in step.scratch:
            names.scratch[s] = f"(void*){p}_scratch"
    for k, params in enumerate(step.params):
        names.params[params] = f"{p}_params{k}"
        lines.append(f"static const {params.c_type} {p}_params{k} = {c_initializer(params, names)};")
    args = ", ".join(c_argument(a, names) for a in step.args)
    lines.append(f"static void {p}_invoke(void) {{ {step.function}({args}); }}")
    io = []
    for i, dtype, shape in case.inputs:
        n = int(np.prod(shape)) if shape else 1
        io.append(f"  if (fread({p}_t{i}, sizeof({ctx.tensor(i).c_type}), {n}, stdin) != {n}) return 1;")
    out = []
    for i, dtype, shape in case.outputs:
        n = int(np.prod(shape)) if shape else 1
        out.append(f"  fwrite({p}_t{i}, sizeof({ctx.tensor(i).c_type}), {n}, stdout);")
    lines.append(f"static int {p}_run(void) {{\n" + "\n".join(io) + f"\n  {p}_invoke();\n"
                 + "\n".join(out) + "\n  return 0;\n}")
    return "\n".join(lines)


def require_tools():
    """Skip (with the reason) when the host compiler or the tflite-micro interpreter is missing."""
    import importlib.util

    import pytest

    if shutil.which("cc") is None:
        pytest.skip("no host C compiler (cc) on PATH")
    if importlib.util.find_spec("tflite_micro") is None:
        pytest.skip("the tflite-micro package (reference interpreter) is not installed")


def lower_single(model_bytes: bytes):
    """Lower the one operator of a model; returns the Step (or raises NotLowerable)."""
    model = load_model(model_bytes)
    op = model.main_subgraph.operators[0]
    return load_lowerings()[op.name](op, DriverContext(model))


def aliased_input(model_bytes: bytes):
    """Which of the one operator's inputs (position in op.inputs) its output may share, or None."""
    model = load_model(model_bytes)
    op = model.main_subgraph.operators[0]
    step = load_lowerings()[op.name](op, DriverContext(model))
    if step.output_aliases is None:
        return None
    return list(op.inputs).index(step.output_aliases.index)


class CompiledCases:
    """Compile every case into one program; ``run(case, inputs_list)`` -> list of output lists."""

    def __init__(self, cases: list[Case], workdir: Path, extra_cflags=()):
        lowerings = load_lowerings()
        self.cases = {c.name: c for c in cases}
        sources = set()
        parts = ["#include <stdbool.h>", "#include <stdint.h>", "#include <stdio.h>", "#include <stdlib.h>", "#include <string.h>"]
        bodies = []
        for k, case in enumerate(cases):
            case.prefix = f"c{k}"
            bodies.append(_emit_case(case, lowerings))
            sources.update(case.call.sources)
        for src in sorted(sources):
            parts.append(f'#include "{Path(src).with_suffix(".h").name}"')
        parts += bodies
        dispatch = "\n".join(f"    case {k}: if (c{k}_run()) return 1; break;" for k in range(len(cases)))
        parts.append("int main(int argc, char** argv) {\n  if (argc < 3) return 2;\n"
                     "  int id = atoi(argv[1]);\n  int runs = atoi(argv[2]);\n"
                     "  for (int r = 0; r < runs; ++r) {\n    switch (id) {\n" + dispatch +
                     "\n      default: return 2;\n    }\n  }\n  fflush(stdout);\n  return 0;\n}\n")
        workdir.mkdir(parents=True, exist_ok=True)
        main_c = workdir / "cases.c"
        main_c.write_text("\n\n".join(parts) + "\n")
        self.exe = workdir / "cases"
        cc = shutil.which("cc") or "cc"
        cmd = [cc, "-std=c99", "-O1", "-Wall", "-Wextra", "-Werror", "-Wno-unused-function",
               "-Wno-unused-const-variable", "-Wno-unused-variable", *extra_cflags, "-I", str(KERNELS_DIR),
               str(main_c), *[str(KERNELS_DIR / s) for s in sorted(sources)], "-o", str(self.exe),
               "-lm"]  # libm: expf, tanhf, expm1f
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode:
            raise RuntimeError(f"cc failed:\n{result.stderr[-6000:]}")
        self.index = {c.name: k for k, c in enumerate(cases)}

    def run(self, name: str, batches: list[list[np.ndarray]]) -> list[list[np.ndarray]]:
        case = self.cases[name]
        data = b"".join(np.ascontiguousarray(a, dtype=NP_TYPES[dtype]).tobytes()
                        for inputs in batches for a, (_, dtype, _) in zip(inputs, case.inputs))
        result = subprocess.run([str(self.exe), str(self.index[name]), str(len(batches))], input=data,
                                capture_output=True, check=True)
        raw = result.stdout
        outs, pos = [], 0
        for _ in batches:
            one = []
            for _, dtype, shape in case.outputs:
                n = int(np.prod(shape)) if shape else 1
                size = n * np.dtype(NP_TYPES[dtype]).itemsize
                one.append(np.frombuffer(raw[pos:pos + size], dtype=NP_TYPES[dtype]).reshape(shape))
                pos += size
            outs.append(one)
        assert pos == len(raw), (pos, len(raw))
        return outs


def tflm_outputs(model_bytes: bytes, batches: list[list[np.ndarray]], arena_size=256 * 1024):
    """The tflite-micro interpreter's outputs for each list of inputs."""
    from tflite_micro.python.tflite_micro import runtime

    n_outputs = len(load_model(model_bytes).main_subgraph.outputs)
    interpreter = runtime.Interpreter.from_bytes(model_bytes, arena_size=arena_size)
    results = []
    for inputs in batches:
        for i, a in enumerate(inputs):
            interpreter.set_input(a, i)
        interpreter.invoke()
        results.append([np.array(interpreter.get_output(k)) for k in range(n_outputs)])
    return results


def compile_cases(cases: list[Case], tmp_path_factory, name: str):
    """(cases, their CompiledCases) in a fresh folder ``name`` of the session's temporary tree; skips the
    calling test where the tools are missing (require_tools)."""
    require_tools()
    return cases, CompiledCases(cases, tmp_path_factory.mktemp(name))


def random_batches(rng, case: Case, make, count: int = 100) -> list[list[np.ndarray]]:
    """``count`` lists of inputs for ``case``, each input ``make(rng, shape, dtype)``."""
    return [[make(rng, shape, dtype) for _, dtype, shape in case.inputs] for _ in range(count)]


def assert_cases_match_tflm(compiled, batches_of, arena_size=256 * 1024):
    """Each case of ``compiled`` (cases, CompiledCases), run on ``batches_of(case)``, gives the tflite-micro
    interpreter's outputs for every input: the same types and the same bytes (float32 NaN payloads and
    signed zeros included)."""
    cases, program = compiled
    for case in cases:
        batches = batches_of(case)
        ours = program.run(case.name, batches)
        ref = tflm_outputs(case.model_bytes, batches, arena_size=arena_size)
        assert len(ours) == len(ref) == len(batches), case.name
        for k, (a, b) in enumerate(zip(ours, ref)):
            assert len(a) == len(b), (case.name, k)
            for x, y in zip(a, b):
                x, y = np.ascontiguousarray(x), np.ascontiguousarray(np.asarray(y).reshape(x.shape))
                assert x.dtype == y.dtype and np.array_equal(x.view(np.uint8), y.view(np.uint8)), (case.name, k)


def output_bits(a: np.ndarray) -> np.ndarray:
    """What to compare of an output: a float32 array as its uint32 bits (NaN payloads, signed zeros), any other
    array as it is."""
    a = np.ascontiguousarray(a)
    return a.view(np.uint32) if a.dtype == np.float32 else a


def assert_host_bits_equal(model, samples) -> int:
    """The model's compiled C run on the host (codegen.compiled.host) gives, for every sample, every output of the
    tflite-micro interpreter: the same type, shape and bits (float32 NaN payloads and signed zeros count); returns
    the number of samples compared."""
    from codegen.compiled.host import run_on_host_batch, run_tflm_batch

    ours, ref = run_on_host_batch(model, samples), run_tflm_batch(model, samples)
    assert len(ours) == len(ref) == len(samples), (len(ours), len(ref), len(samples))
    for k, (a, b) in enumerate(zip(ours, ref)):
        for x, y in zip(a, b):
            assert x.dtype == y.dtype and x.shape == y.shape, (k, x.dtype, y.dtype, x.shape, y.shape)
            assert np.array_equal(output_bits(x), output_bits(y)), (k, [s.tolist() for s in samples[k]], x, y)
    return len(samples)
