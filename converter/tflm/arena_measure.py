"""Measure a model's arena with the ``tflite-micro`` interpreter (64-bit host).

``measure_arena(path_or_bytes)`` runs, in a child Python process:

1. ``Interpreter.from_bytes(model, arena_size=N)`` for growing, then bisected N
   to find the smallest arena with which ``AllocateTensors()`` succeeds
   (``RuntimeError`` otherwise; success is monotonic in N);
2. once more with an arena whose size is a multiple of 16, then
   ``print_allocations()``, whose output (written by C++ to file descriptor 2)
   is captured by redirecting that descriptor to a temporary file and parsed
   into total / head / tail and the RecordingMicroAllocator categories.

A child process keeps TFLM's error prints away from the caller; each trial
allocation runs in a forked grandchild, because with some arena sizes a kernel
uses a failed (null) allocation and the process dies -- such a size counts as
"does not allocate".
Results are cached by the SHA-256 of the model bytes for the life of the
process.  Only this module imports ``tflite_micro``, and only in the child.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from importlib import metadata
import importlib.util

from attendnets_base.errors import ExternalToolError, ToolNotFoundError
from converter.tflm import tflm_structs
import flatbuffers

#: Lower bound for the bisection: the objects TFLM constructs in the tail without
#: checking the allocation (RecordingSingleArenaBufferAllocator, GreedyMemoryPlanner,
#: RecordingMicroAllocator, then MicroBuiltinDataAllocator in StartModelAllocation),
#: all 8-byte aligned on the 64-bit host.  A smaller arena makes TFLM placement-new
#: one of them at a null pointer (a crash, not an error), so it is never tried.
_SMALLEST_SAFE_ARENA = sum(
    tflm_structs.sizeof(name, 8, compression=True)
    for name in ("RecordingSingleArenaBufferAllocator", "GreedyMemoryPlanner", "RecordingMicroAllocator",
                 "MicroBuiltinDataAllocator")
)  # fmt: skip


@dataclass
class ArenaMeasurement:
    total_bytes: int
    head_bytes: int
    tail_bytes: int
    categories: dict  # name -> used bytes, as print_allocations() names them
    category_details: dict  # name -> {"used_bytes", "requested_bytes", "count"}
    required_bytes: int  # smallest arena_size with which the interpreter allocates
    measured_with_arena_bytes: int  # the arena size used for the recorded figures
    interpreter_version: str = ""  # the tflite-micro package version that measured

    @property
    def used_bytes(self):
        """Alias of :attr:`total_bytes` (arena_used_bytes())."""
        return self.total_bytes

    def to_dict(self):
        return asdict(self)


_LINE_TOTAL = re.compile(r"Arena allocation (total|head|tail) (\d+) bytes")
_LINE_CATEGORY = re.compile(
    r"'(?P<name>[^']+)' used (?P<used>\d+) bytes with alignment overhead "
    r"\(requested (?P<requested>\d+) bytes for (?P<count>\d+) "
)


def parse_print_allocations(text):
    """Parse RecordingMicroAllocator::PrintAllocations() output into a dict."""
    result = {"categories": {}, "category_details": {}}
    for match in _LINE_TOTAL.finditer(text):
        result[f"{match.group(1)}_bytes"] = int(match.group(2))
    for match in _LINE_CATEGORY.finditer(text):
        name = match.group("name")
        result["categories"][name] = int(match.group("used"))
        result["category_details"][name] = {
            "used_bytes": int(match.group("used")),
            "requested_bytes": int(match.group("requested")),
            "count": int(match.group("count")),
        }
    missing = [k for k in ("total_bytes", "head_bytes", "tail_bytes") if k not in result]
    if missing:
        raise ExternalToolError(f"could not read the interpreter's allocation report (missing {', '.join(missing)})")
    return result


# The child: for each model, bisect, then print the allocations with fd 2 captured.
_CHILD = r"""
import json, os, sys, tempfile
from tflite_micro.python.tflite_micro import runtime
smallest_safe = int(sys.argv[1])
saved = os.dup(2)
devnull = os.open(os.devnull, os.O_WRONLY)


def allocates(data, size):
    # Each try in a forked child: with some arena sizes a kernel dereferences a
    # failed (null) allocation and the process dies; that size does not allocate.
    pid = os.fork()
    if pid == 0:
        try:
            runtime.Interpreter.from_bytes(data, arena_size=size)
            code = 0
        except RuntimeError:
            code = 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def measure(data):
    lo = smallest_safe
    os.dup2(devnull, 2)  # silence TFLM's MicroPrintf while probing sizes
    try:
        if allocates(data, lo):
            return {"error": f"the smallest safe arena ({lo} B) already allocates; cannot bracket"}
        hi = max(lo * 2, 1024)
        while not allocates(data, hi):
            lo, hi = hi, hi * 2
            if hi > (1 << 31):
                return {"error": "the model does not allocate even with a 2 GiB arena"}
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if allocates(data, mid):
                hi = mid
            else:
                lo = mid
    finally:
        os.dup2(saved, 2)
    arena = ((hi + 15) // 16) * 16 + 4096
    interpreter = runtime.Interpreter.from_bytes(data, arena_size=arena)
    with tempfile.TemporaryFile() as capture:
        sys.stderr.flush()
        os.dup2(capture.fileno(), 2)
        try:
            interpreter.print_allocations()
        finally:
            os.dup2(saved, 2)
        capture.seek(0)
        text = capture.read().decode("utf-8", "replace")
    return {"required_bytes": hi, "arena": arena, "text": text}


for path in sys.argv[2:]:
    print(json.dumps(measure(open(path, "rb").read())), flush=True)
"""

_cache: dict = {}


def _package_version():
    try:
        return metadata.version("tflite-micro")
    except metadata.PackageNotFoundError:
        return ""


def _model_bytes(model):
    if hasattr(model, "data"):  # a converter.tflite_model.TFLiteModel
        model = model.data
    return bytes(model) if isinstance(model, (bytes, bytearray)) else open(model, "rb").read()


def measure_arena(model, timeout_s=600):
    """Measure ``model`` (path, bytes or TFLiteModel) with the tflite-micro interpreter; returns ArenaMeasurement."""
    return measure_arenas([model], timeout_s=timeout_s)[0]


def measure_arenas(models, timeout_s=600):
    """:func:`measure_arena` for several models in one child process (cheaper: one interpreter import)."""
    datas = [_model_bytes(m) for m in models]
    keys = [hashlib.sha256(d).hexdigest() for d in datas]
    todo = {k: d for k, d in zip(keys, datas) if k not in _cache}
    if todo:
        if importlib.util.find_spec("tflite_micro") is None:
            raise ToolNotFoundError("--measure needs the tflite-micro package (pip install tflite-micro)")
        with tempfile.TemporaryDirectory() as tmp:
            paths = []
            for i, data in enumerate(todo.values()):
                paths.append(os.path.join(tmp, f"model{i}.tflite"))
                with open(paths[-1], "wb") as f:
                    f.write(data)
            proc = subprocess.run(
                [sys.executable, "-c", _CHILD, str(_SMALLEST_SAFE_ARENA), *paths],
                capture_output=True,
                text=True,
                timeout=timeout_s,
            )
        lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
        for key, out in zip(todo, lines):
            if "error" in out:
                raise ExternalToolError(f"the tflite-micro interpreter could not allocate the model: {out['error']}")
            parsed = parse_print_allocations(out["text"])
            _cache[key] = ArenaMeasurement(
                total_bytes=parsed["total_bytes"],
                head_bytes=parsed["head_bytes"],
                tail_bytes=parsed["tail_bytes"],
                categories=parsed["categories"],
                category_details=parsed["category_details"],
                required_bytes=out["required_bytes"],
                measured_with_arena_bytes=out["arena"],
                interpreter_version=_package_version(),
            )
        if len(lines) < len(todo):
            detail = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
            raise ExternalToolError(f"the tflite-micro interpreter stopped while measuring a model: {detail}")
    return [_cache[k] for k in keys]


def with_measurable_scales(data, floor=1e-6, scale=0.05):
    """A copy of ``data`` whose per-tensor int8 scales below ``floor`` are set to ``scale``.

    For measuring *untrained* networks: random weights and random calibration
    images give near-zero activations (scales around 1e-8), on which TFLM's
    softmax Prepare aborts the process (QuantizeMultiplierGreaterThanOne).  The
    arena does not depend on scale values, so this changes no figure the
    estimator or the interpreter reports; shapes, types, operators and
    per-channel quantization are untouched.
    """
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as fb

    model = fb.ModelT.InitFromObj(fb.Model.GetRootAsModel(data, 0))
    for sg in model.subgraphs:
        for t in sg.tensors:
            q = t.quantization
            if t.type == fb.TensorType.INT8 and q is not None and q.scale is not None and len(q.scale) == 1:
                if q.scale[0] < floor:
                    q.scale = [scale]
    builder = flatbuffers.Builder(len(data) + 1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())

