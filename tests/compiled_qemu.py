"""Run the compiled runtime's C on a Cortex-M4 (QEMU mps2-an386) or Cortex-M55 (mps3-an547), per kernel path.

A test helper: the model's C (codegen.compiled.generate.compile_model) with a bare-metal
driver (tests/compiled_m4/) that runs ``model_invoke()`` on samples compiled into the image
and prints each output as a line of hex through semihosting.  Built with arm-none-eabi-gcc
for ``-mcpu=cortex-m4`` (``__ARM_FEATURE_DSP``: the SIMD path) or with ``-DAN_NO_DSP`` (the
plain-C path on the same core).  ``core="m55"`` builds for ``-mcpu=cortex-m55`` (MVE: the Helium
path, ``__ARM_FEATURE_MVE``) or, with ``mve=False``, ``-mcpu=cortex-m55+nomve`` (the DSP path on the
same core) and runs on QEMU's mps3-an547.  ``core="m7"`` builds for ``-mcpu=cortex-m7`` with the
board's double-precision FPU (fpv5-d16, hard float: as boards.toml builds mps2-an500) and runs on
QEMU's mps2-an500 (the mps2-an386 memory map: m4.ld).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent / "compiled_m4"
CFLAGS_COMMON = ("-mthumb", "-O2", "-std=c99", "-Wall", "-Wno-unused-function",
          "-ffunction-sections", "-fdata-sections")
CFLAGS = ("-mcpu=cortex-m4", "-mfloat-abi=soft", *CFLAGS_COMMON)
#: The Cortex-M4F build (mps2-an386's FPU, as boards.toml builds it): float kernels run on the FPU.
FPU_CFLAGS = ("-mcpu=cortex-m4", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16", *CFLAGS_COMMON)
# MVE needs the FP register file: hard-float ABI (newlib has the armv8.1-m.main+mve multilib).
CFLAGS_M55 = ("-mcpu=cortex-m55", "-mfloat-abi=hard", *CFLAGS_COMMON)
CFLAGS_M55_NOMVE = ("-mcpu=cortex-m55+nomve", "-mfloat-abi=hard", *CFLAGS_COMMON)
#: The Cortex-M7 of mps2-an500 as boards.toml builds it (hard float on the fpv5-d16 FPU).
CFLAGS_M7 = ("-mcpu=cortex-m7", "-mfloat-abi=hard", "-mfpu=fpv5-d16", *CFLAGS_COMMON)
MACHINES = {"m4": "mps2-an386", "m7": "mps2-an500", "m55": "mps3-an547"}
# Nanoseconds per SysTick tick of the core clock (boards.toml clock_hz: 25 MHz on mps2-an386, 32 MHz
# on mps3-an547); under -icount shift=0 one instruction takes 1 ns, so instructions = ticks x this.
TICK_NS = {"m4": 40.0, "m7": 40.0, "m55": 31.25}
LDFLAGS = ("-nostartfiles", "--specs=nosys.specs", "-Wl,--gc-sections")
OBJECT_CACHE = Path(tempfile.gettempdir()) / f"attendnets-m4-kernels-{os.getuid() if hasattr(os, 'getuid') else 0}"


def tools_missing() -> str | None:
    """Why this helper cannot run here (None when it can)."""
    for tool in ("arm-none-eabi-gcc", "qemu-system-arm"):
        if shutil.which(tool) is None:
            return f"{tool} not found"
    return None


def _samples_header(samples, input_tensor):
    """The samples of input 0 as bytes in the input's type (int8, int16, float32, ...)."""
    from codegen.compiled.program import NUMPY_TYPES

    dtype = NUMPY_TYPES[input_tensor.dtype]
    input_bytes = input_tensor.num_elements * np.dtype(dtype).itemsize
    lines = [f"#define AN_SAMPLE_COUNT {len(samples)}",
             f"static const uint8_t an_samples[{len(samples)}][{input_bytes}] __attribute__((aligned(8))) = {{"]
    for s in samples:
        values = np.ascontiguousarray(np.asarray(s[0]).astype(dtype).reshape(-1)).view(np.uint8)
        if values.size != input_bytes:
            raise ValueError(f"sample of {values.size} bytes, the model's input has {input_bytes}")
        lines.append("  {" + ",".join(str(int(v)) for v in values) + "},")
    lines.append("};")
    return "#include <stdint.h>\n" + "\n".join(lines) + "\n"


def _cflags(core: str, mve: bool, fpu: bool = False) -> tuple:
    if core == "m4":
        return FPU_CFLAGS if fpu else CFLAGS
    if core == "m7":
        return CFLAGS_M7
    if core == "m55":
        return CFLAGS_M55 if mve else CFLAGS_M55_NOMVE
    raise ValueError(f"unknown core {core!r} (m4, m7, m55)")


def _object(work: Path, rel: str, defines, cflags=CFLAGS) -> Path:
    """``rel`` compiled for the core; kernel library files are compiled once per content and flags."""
    flags = [*cflags, *defines, "-I.", "-Ikernels"]
    text = (work / rel).read_bytes()
    cached = rel.startswith("kernels/")
    if cached:
        key = hashlib.sha256(text + b"\0" + " ".join(flags).encode()
                             + b"".join((work / "kernels" / h).read_bytes() for h in sorted(
                                 p.name for p in (work / "kernels").glob("*.h")))).hexdigest()[:24]
        obj = OBJECT_CACHE / f"{Path(rel).stem}-{key}.o"
        if obj.is_file():
            return obj
    else:
        obj = work / (rel.replace("/", "_")[:-2] + ".o")
    tmp = obj.with_name(f".{obj.name}.{os.getpid()}.{threading.get_ident()}")
    obj.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(["arm-none-eabi-gcc", *flags, "-c", rel, "-o", str(tmp)], cwd=work, capture_output=True,
                          text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"arm-none-eabi-gcc failed on {rel}:\n{proc.stderr[-3000:]}")
    os.replace(tmp, obj)
    return obj


def build_m4(model, samples, dsp=True, workdir=None, profile=False, core="m4", mve=True, compiled=None,
             linker_script=None, fpu=False) -> Path:
    """The ELF of ``model`` with ``samples`` (one input, in its type) for QEMU's mps2-an386 (``core="m4"``;
    ``fpu``: the hard-float build on the M4's FPU, fpv4-sp-d16, else soft float) or mps3-an547
    (``core="m55"``; ``mve``: the Helium kernels, else the DSP ones).  ``compiled``: the CompiledModel to
    run (default: the model's, layer by layer); ``linker_script``: another memory map."""
    cflags = _cflags(core, mve, fpu)
    from codegen.compiled.generate import compile_model

    # Helium builds: the int8 filters their conv kernels read (int16 ones serve the DSP path), the Helium depthwise
    # layout
    helium = core == "m55" and mve
    compiled = compiled or compile_model(model, wide_filters=not helium, helium=helium)
    work = Path(workdir or tempfile.mkdtemp(prefix="an-m4-"))
    for rel, text in compiled.files.items():
        path = work / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    sg = model.main_subgraph
    (work / "samples.h").write_text(_samples_header(samples, sg.tensor(sg.inputs[0])))
    for name in ("semihost_main.c", "bare_metal.h"):
        shutil.copy(HERE / name, work / name)
    sources = [rel for rel in compiled.files if rel.endswith(".c")] + ["semihost_main.c"]
    defines = ([] if dsp else ["-DAN_NO_DSP"]) + (["-DMODEL_PROFILE"] if profile else [])
    objects = [_object(work, rel, defines, cflags) for rel in sources]
    elf = work / "model.elf"
    script = linker_script or HERE / ("m55.ld" if core == "m55" else "m4.ld")  # an500: an386's map
    cmd = ["arm-none-eabi-gcc", *cflags, "-T", str(script), *LDFLAGS, "-o", str(elf), *map(str, objects),
           "-lm"]  # libm as the firmware Makefile links it (floorf, sqrtf, expf, ...)
    proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"arm-none-eabi-gcc failed:\n{proc.stderr[-3000:]}")
    return elf


def run_m4(elf: Path, timeout_s=120, core="m4") -> list[bytes]:
    """Each output line the firmware printed, as bytes."""
    return run_m4_timed(elf, timeout_s, core)[0]


def run_m4_timed(elf: Path, timeout_s=120, core="m4") -> tuple[list[bytes], list[int]]:
    """Each output line the firmware printed, as bytes, and the instructions each model_invoke() took
    (SysTick ticks x TICK_NS under -icount shift=0; +- one tick)."""
    cmd = ["qemu-system-arm", "-M", MACHINES[core], "-nographic", "-monitor", "none", "-serial", "none",
           "-icount", "shift=0", "-semihosting-config", "enable=on,target=native", "-kernel", str(elf)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
    if proc.returncode != 0:
        raise RuntimeError(f"QEMU exited with {proc.returncode}: {proc.stdout[-500:]} {proc.stderr[-500:]}")
    # QEMU writes the semihosting console (SYS_WRITE0) to its stderr.
    lines = proc.stderr.splitlines()
    outputs = [bytes.fromhex(line) for line in lines if line and not line.startswith("#")]
    return outputs, [round(TICK_NS[core] * int(line.split()[1])) for line in lines if line.startswith("#ticks ")]


def instructions_m4(elf: Path, timeout_s=300, core="m4") -> list[int]:
    """Instructions each model_invoke() took (SysTick ticks x TICK_NS under -icount shift=0; +- one tick)."""
    cmd = ["qemu-system-arm", "-M", MACHINES[core], "-nographic", "-monitor", "none", "-serial", "none",
           "-icount", "shift=0", "-semihosting-config", "enable=on,target=native", "-kernel", str(elf)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
    if proc.returncode != 0:
        raise RuntimeError(f"QEMU exited with {proc.returncode}: {proc.stderr[-500:]}")
    return [round(TICK_NS[core] * int(line.split()[1])) for line in proc.stderr.splitlines() if line.startswith("#ticks ")]


def run_model_on_m4(model, samples, dsp=True, core="m4", mve=True, fpu=False, compiled=None) -> list[np.ndarray]:
    """Output 0 of ``model`` for each sample, as arrays of the output's type and shape (``compiled``: the
    CompiledModel to run, default the model's)."""
    from codegen.compiled.program import NUMPY_TYPES

    sg = model.main_subgraph
    out = sg.tensor(sg.outputs[0])
    with tempfile.TemporaryDirectory(prefix="an-m4-") as work:
        lines = run_m4(build_m4(model, samples, dsp, work, core=core, mve=mve, fpu=fpu, compiled=compiled), core=core)
    if len(lines) != len(samples):
        raise RuntimeError(f"the firmware printed {len(lines)} outputs for {len(samples)} samples")
    return [np.frombuffer(line, dtype=NUMPY_TYPES[out.dtype]).reshape(out.shape) for line in lines]


def outputs_with_tflm(model, samples, **build) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(the firmware's output 0, the tflite-micro interpreter's output 0) for each sample; ``build``: the
    keywords of run_model_on_m4 (dsp, core, mve, fpu, compiled)."""
    from codegen.compiled.host import run_tflm_batch

    return run_model_on_m4(model, samples, **build), [r[0] for r in run_tflm_batch(model, samples)]


def run_cases(keys, run, workers=2) -> dict:
    """{key: run(key), or the exception it raised} for every key, ``workers`` builds and QEMU runs at a time:
    a test module's cases go out together (a module fixture) and each test then checks its own.  Skips the
    calling test where the tools are missing."""
    import pytest

    if tools_missing() is not None:
        pytest.skip(f"compiled runtime on QEMU: {tools_missing()}")

    def guarded(key):
        try:
            return run(key)
        except Exception as exc:  # reported by the test of this case
            return exc

    keys = list(keys)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(zip(keys, pool.map(guarded, keys)))


def assert_same_outputs(result, what: str, samples: int | None = None):
    """``result`` of run_cases or outputs_with_tflm (firmware outputs, TFLM outputs) equal sample by sample: the
    same type and the same bits, element for element (floats by their bits: NaN payloads and signed zeros count);
    ``samples``: how many there must be.  An exception the case raised is raised here."""
    if isinstance(result, Exception):
        raise result
    ours, ref = result
    assert len(ours) == len(ref), f"{what}: {len(ours)} outputs for {len(ref)} samples"
    if samples is not None:
        assert len(ours) == samples, f"{what}: {len(ours)} outputs, {samples} expected"
    for k, (a, b) in enumerate(zip(ours, ref)):
        a, b = np.ascontiguousarray(a).reshape(-1), np.ascontiguousarray(b).reshape(-1)
        if a.dtype != b.dtype or a.size != b.size:
            raise AssertionError(f"sample {k}: {what} printed {a.size} {a.dtype}, TFLM gives {b.size} {b.dtype}")
        bits = f"u{a.dtype.itemsize}"
        diff = np.flatnonzero(a.view(bits) != b.view(bits))
        if diff.size:
            raise AssertionError(f"sample {k}: {what} != TFLM at {diff.size} elements, first {diff[:5].tolist()}: "
                                 f"{a[diff[:5]].tolist()} vs {b[diff[:5]].tolist()}")
