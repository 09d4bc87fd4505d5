"""Run the compiled runtime's C on this machine (plain ``cc``) and TFLM's interpreter beside it.

``run_on_host(model, inputs)``: the generated C, compiled once per content (cached by hash in
``$ATTENDNETS_HOST_BUILD_DIR`` or the temp folder) with a small driver
(``firmware_template/compiled/host/host_main.c``) that streams records through stdin/stdout.
``run_tflm(model, inputs)``: the same through the ``tflite-micro`` interpreter (the reference:
what a TFLM device computes).  The ``*_batch`` forms run many samples in one go.

A *sample* is a list with one array per model input (shapes as the model's, any batch
dimension optional); the result of one sample is a list with one array per model output,
in the model's shapes and types.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from attendnets_base.errors import ExternalToolError, ToolNotFoundError
from codegen.compiled.generate import NUMPY_TYPES, compile_model
from converter.tflite_model import TFLiteModel, load_model
from firmware_template import HOST_DIR

HOST_MAIN = HOST_DIR / "host_main.c"
HOST_CFLAGS = ("-O1", "-std=c99", "-Wall", "-Wno-unused-function")
TFLM_ARENA_START_BYTES = 256 * 1024
TFLM_ARENA_MAX_BYTES = 64 * 1024 * 1024
TFLM_ABORT = 15  # TFLM's kTfLiteAbort (micro_context.h): an invocation a CIRCULAR_BUFFER ended early


def _load(model):
    return model if isinstance(model, TFLiteModel) else load_model(model)


def host_build_dir() -> Path:
    root = os.environ.get("ATTENDNETS_HOST_BUILD_DIR")
    if root:
        return Path(root)
    return Path(tempfile.gettempdir()) / f"attendnets-host-{os.getuid() if hasattr(os, 'getuid') else 0}"


def compiler() -> str:
    cc = os.environ.get("CC", "cc")
    if shutil.which(cc) is None:
        raise ToolNotFoundError(f"host C compiler {cc!r} not found (set CC)")
    return cc


def build_host_executable(model, cflags=(), compiled=None) -> Path:
    """Compile the model's C with the host driver; returns the executable (cached by content).

    ``compiled``: the :class:`codegen.compiled.generate.CompiledModel` to run (default: the
    model's, from :func:`compile_model`; a test passes one emitted from a rewritten program).
    """
    model = _load(model)
    if compiled is None:
        compiled = compile_model(model)
    files = dict(compiled.files)
    files["host_main.c"] = HOST_MAIN.read_text()
    cc = compiler()
    flags = list(HOST_CFLAGS) + list(cflags)
    digest = hashlib.sha256()
    for rel in sorted(files):
        digest.update(rel.encode() + b"\0" + files[rel].encode() + b"\0")
    digest.update(" ".join([cc] + flags).encode())
    key = digest.hexdigest()[:24]
    out_dir = host_build_dir() / key
    exe = out_dir / "model_host"
    if exe.is_file():
        return exe
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=out_dir.parent))
    try:
        for rel, text in files.items():
            path = work / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        sources = [rel for rel in files if rel.endswith(".c")]
        cmd = [cc, *flags, "-I.", "-Ikernels", "-o", "model_host", *sources, "-lm"]  # libm: expf, tanhf
        proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
        if proc.returncode != 0:
            raise ExternalToolError(f"host compile failed ({' '.join(cmd)}): {proc.stderr.strip()[:4000]}")
        try:
            os.replace(work, out_dir)
        except OSError:  # another process built it first
            pass
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return exe


def _tensors(model, which):
    sg = model.main_subgraph
    return [sg.tensor(i) for i in (sg.inputs if which == "inputs" else sg.outputs)]


def _sample_bytes(model, sample) -> bytes:
    tensors = _tensors(model, "inputs")
    if len(sample) != len(tensors):
        raise ValueError(f"a sample needs {len(tensors)} arrays, got {len(sample)}")
    out = []
    for t, x in zip(tensors, sample):
        arr = np.asarray(x)
        if arr.size != t.num_elements:
            raise ValueError(f"input {t.name!r} needs {t.num_elements} elements, got {arr.size}")
        out.append(arr.astype(NUMPY_TYPES[t.dtype], copy=False).tobytes())
    return b"".join(out)


def run_on_host_batch(model, samples, cflags=(), compiled=None, reset_every=0, statuses=None) -> list:
    """Outputs of the compiled C (``compiled``, default the model's) for each sample (one process for all:
    the samples are one sequence of invocations, state carried from each to the next; ``reset_every`` N > 0:
    ``model_reset()`` before every N-th sample).  ``statuses``: a list that gets each invocation's return value
    (1: ended early by a CIRCULAR_BUFFER, as TFLM's kTfLiteAbort; those outputs are not defined)."""
    model = _load(model)
    exe = build_host_executable(model, cflags, compiled)
    stdin = b"".join(_sample_bytes(model, s) for s in samples)
    proc = subprocess.run([str(exe), str(int(reset_every)), "status"], input=stdin, capture_output=True)
    if proc.returncode != 0:
        raise ExternalToolError(f"{exe} exited with {proc.returncode}: {proc.stderr.decode(errors='replace')[:400]}")
    outputs = _tensors(model, "outputs")
    record = 1 + sum(t.size_bytes for t in outputs)
    data = proc.stdout
    if len(data) != record * len(samples):
        raise ExternalToolError(f"{exe} wrote {len(data)} bytes, expected {record * len(samples)}")
    results = []
    for k in range(len(samples)):
        pos = k * record + 1
        if statuses is not None:
            statuses.append(int(data[pos - 1]))
        one = []
        for t in outputs:
            one.append(np.frombuffer(data[pos:pos + t.size_bytes], dtype=NUMPY_TYPES[t.dtype]).reshape(t.shape).copy())
            pos += t.size_bytes
        results.append(one)
    return results


def run_on_host(model, inputs, cflags=()) -> list:
    """One inference: ``inputs`` one array per model input -> one array per model output."""
    return run_on_host_batch(model, [inputs], cflags)[0]


def tflm_interpreter(model):
    """A tflite-micro interpreter for ``model`` with the smallest power-of-two arena that works."""
    from tflite_micro.python.tflite_micro import runtime

    model = _load(model)
    arena = TFLM_ARENA_START_BYTES
    while True:
        try:
            return runtime.Interpreter.from_bytes(model.data, arena_size=arena)
        except RuntimeError:
            if arena >= TFLM_ARENA_MAX_BYTES:
                raise
            arena *= 2


def run_tflm_batch(model, samples, interpreter=None, reset_every=0, statuses=None) -> list:
    """Outputs of the tflite-micro interpreter for each sample (one sequence of invocations; ``reset_every``
    N > 0: the interpreter's ``reset()`` before every N-th sample; ``statuses``: a list that gets each invoke's
    TfLiteStatus, 0 ok, 3 kTfLiteAbort)."""
    model = _load(model)
    interpreter = interpreter or tflm_interpreter(model)
    ins, outs = _tensors(model, "inputs"), _tensors(model, "outputs")
    results = []
    for k, sample in enumerate(samples):
        if reset_every > 0 and k > 0 and k % reset_every == 0:
            interpreter.reset()
        for i, (t, x) in enumerate(zip(ins, sample)):
            interpreter.set_input(np.asarray(x).astype(NUMPY_TYPES[t.dtype]).reshape(t.shape), i)
        status = interpreter.invoke()
        if statuses is not None:
            statuses.append(int(status or 0))
        results.append([np.array(interpreter.get_output(i)).reshape(t.shape).copy() for i, t in enumerate(outs)])
    return results


def run_tflm(model, inputs) -> list:
    """One inference through the tflite-micro interpreter (see :func:`run_tflm_batch`)."""
    return run_tflm_batch(model, [inputs])[0]


def random_samples(model, count, seed=0) -> list:
    """``count`` samples of uniformly random values over each input type's range."""
    model = _load(model)
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(count):
        sample = []
        for t in _tensors(model, "inputs"):
            dtype = NUMPY_TYPES[t.dtype]
            if np.issubdtype(dtype, np.integer):
                info = np.iinfo(dtype)
                wide = {"dtype": dtype} if dtype == np.uint64 else {}  # (beyond int64: drawn as uint64)
                sample.append(rng.integers(info.min, info.max, size=t.shape, endpoint=True, **wide).astype(dtype))
            else:
                sample.append(rng.standard_normal(t.shape).astype(dtype))
        samples.append(sample)
    return samples


def assert_matches_tflm(model, count=100, seed=0, cflags=(), compiled=None, reset_every=0, samples=None):
    """Compare the compiled C (``compiled``, default the model's) with TFLM on ``count`` random samples (or the
    given ``samples``), run as one sequence of invocations by both (a stateful model's whole sequence is
    compared; ``reset_every``: both reset their state before every N-th sample); returns the number compared.

    Raises AssertionError naming the first sample and output that differ.
    """
    model = _load(model)
    samples = random_samples(model, count, seed) if samples is None else samples
    our_status, ref_status = [], []
    ours = run_on_host_batch(model, samples, cflags, compiled, reset_every=reset_every, statuses=our_status)
    ref = run_tflm_batch(model, samples, reset_every=reset_every, statuses=ref_status)
    aborted = [TFLM_ABORT if s == 1 else s for s in our_status]  # invoke's 1 is TFLM's kTfLiteAbort
    if aborted != ref_status:
        first = next(k for k, (a, b) in enumerate(zip(aborted, ref_status)) if a != b)
        raise AssertionError(f"sample {first}: compiled invoke returned {our_status[first]}, TFLM {ref_status[first]}")
    for k, (a, b) in enumerate(zip(ours, ref)):
        if ref_status[k] != 0:
            continue  # ended early (CIRCULAR_BUFFER): no output is defined
        for i, (x, y) in enumerate(zip(a, b)):
            if x.dtype != y.dtype or x.shape != y.shape or not np.array_equal(x, y):
                diff = np.argwhere(x.reshape(-1) != y.reshape(-1).astype(x.dtype)).reshape(-1)
                raise AssertionError(
                    f"sample {k}, output {i}: compiled != TFLM at {diff.size} of {x.size} elements; first at "
                    f"{diff[:5].tolist()}: {x.reshape(-1)[diff[:5]].tolist()} vs {y.reshape(-1)[diff[:5]].tolist()}")
    return len(samples)
