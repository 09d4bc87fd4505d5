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

from codegen.compiled.lowering import C_TYPES, LoweringContext, TensorRef, load_lowerings
from converter.tflite_model import load_model
from firmware_template import KERNELS_DIR

NP_TYPES = {"int8": np.int8, "uint8": np.uint8, "int16": np.int16, "int32": np.int32, "int64": np.int64,
            "float32": np.float32, "bool": np.bool_}


def c_literal(value, c_type: str) -> str:
    if c_type == "float":
        v = float(np.float32(value))
        if v != v or v in (float("inf"), float("-inf")):
            raise ValueError("non-finite constant")
        return f"{v.hex()}f"  # exact: C99 hexadecimal floating constant
    v = int(value)
    if c_type == "int32_t" and v == -(1 << 31):
        return "INT32_MIN"
    return str(v)


class _Context(LoweringContext):
    def __init__(self, model, prefix: str):
        self.model = model
        self.subgraph = model.main_subgraph
        self.prefix = prefix
        self.decls: list[str] = []
        self._n = 0

    def _ref(self, i: int) -> TensorRef:
        t = self.subgraph.tensors[i]
        q = t.quantization
        data = None
        if t.is_constant:
            raw = self.model.buffers[t.buffer].data
            data = np.frombuffer(raw, dtype=NP_TYPES[t.dtype]).reshape(t.shape)
        c_expr = f"{self.prefix}_t{i}"
        return TensorRef(index=i, name=t.name, shape=tuple(t.shape), dtype=t.dtype, c_expr=c_expr,
                         scale=tuple(q.scale) if q else (), zero_point=tuple(q.zero_point) if q else (),
                         quantized_dimension=q.quantized_dimension if q else 0, data=data)

    def tensor(self, index):
        return self._ref(index)

    def optional_tensor(self, index):
        return None if index < 0 else self._ref(index)

    def const_array(self, hint, c_type, values):
        name = f"{self.prefix}_{hint}_{self._n}"
        self._n += 1
        flat = np.asarray(values).reshape(-1)
        body = ", ".join(c_literal(v, c_type) for v in flat)
        self.decls.append(f"static const {c_type} {name}[{max(len(flat), 1)}] = {{{body}}};")
        return name


@dataclass
class Case:
    """One single-operator model and how to feed it."""

    name: str
    model_bytes: bytes
    prefix: str = ""
    inputs: list = field(default_factory=list)  # [(tensor index, dtype, shape)]
    outputs: list = field(default_factory=list)
    call: object = None


def _emit_case(case: Case, lowerings) -> str:
    model = load_model(case.model_bytes)
    sg = model.main_subgraph
    assert len(sg.operators) == 1, "one operator per case"
    op = sg.operators[0]
    ctx = _Context(model, case.prefix)
    call = lowerings[op.name](op, ctx)
    case.call = call
    case.inputs = [(i, sg.tensors[i].dtype, sg.tensors[i].shape) for i in sg.inputs]
    case.outputs = [(i, sg.tensors[i].dtype, sg.tensors[i].shape) for i in sg.outputs]
    lines = [f"/* case {case.name} */"]
    lines += ctx.decls
    # Constant tensors used directly by the call (c_expr of a constant TensorRef).
    buffers = {}
    for i, t in enumerate(sg.tensors):
        if t.is_constant:
            raw = model.buffers[t.buffer].data
            arr = np.frombuffer(raw, dtype=NP_TYPES[t.dtype]).reshape(-1)
            c_type = C_TYPES[t.dtype]
            body = ", ".join(c_literal(v, c_type) for v in arr)
            lines.append(f"static const {c_type} {case.prefix}_t{i}[{max(arr.size, 1)}] = {{{body}}};")
    alias = None
    if call.output_aliases_input is not None:
        alias = op.inputs[call.output_aliases_input]
    for i, t in enumerate(sg.tensors):
        if t.is_constant or i in buffers:
            continue
        if i == op.outputs[0] and alias is not None and not sg.tensors[alias].is_constant:
            lines.append(f"#define {case.prefix}_t{i} {case.prefix}_t{alias}")
            continue
        n = max(int(np.prod(t.shape)) if t.shape else 1, 1)
        lines.append(f"static {C_TYPES[t.dtype]} {case.prefix}_t{i}[{n}] __attribute__((aligned(16)));")
    if call.scratch_bytes:
        lines.append(f"static int32_t {case.prefix}_scratch[{(call.scratch_bytes + 3) // 4}];")
    params_name = f"{case.prefix}_params"
    if call.params_type:
        lines.append(f"static const {call.params_type} {params_name} = {call.params};")
    args = ", ".join(a.replace("PARAMS", f"&{params_name}").replace("SCRATCH", f"(void*){case.prefix}_scratch")
                     for a in call.args)
    lines.append(f"static void {case.prefix}_invoke(void) {{ {call.function}({args}); }}")
    io = []
    for i, dtype, shape in case.inputs:
        n = int(np.prod(shape)) if shape else 1
        io.append(f"  if (fread({case.prefix}_t{i}, sizeof({C_TYPES[dtype]}), {n}, stdin) != {n}) return 1;")
    out = []
    for i, dtype, shape in case.outputs:
        n = int(np.prod(shape)) if shape else 1
        out.append(f"  fwrite({case.prefix}_t{i}, sizeof({C_TYPES[dtype]}), {n}, stdout);")
    lines.append(f"static int {case.prefix}_run(void) {{\n" + "\n".join(io) + f"\n  {case.prefix}_invoke();\n"
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
    """Lower the one operator of a model; returns the KernelCall (or raises NotLowerable)."""
    model = load_model(model_bytes)
    op = model.main_subgraph.operators[0]
    return load_lowerings()[op.name](op, _Context(model, "x"))


class CompiledCases:
    """Compile every case into one program; ``run(case, inputs_list)`` -> list of output lists."""

    def __init__(self, cases: list[Case], workdir: Path, extra_cflags=()):
        lowerings = load_lowerings()
        self.cases = {c.name: c for c in cases}
        sources = set()
        parts = ["#include <stdint.h>", "#include <stdio.h>", "#include <stdlib.h>", "#include <string.h>"]
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
               str(main_c), *[str(KERNELS_DIR / s) for s in sorted(sources)], "-o", str(self.exe)]
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
