"""Run the compiled runtime's C on a Cortex-M4 in QEMU (mps2-an386), DSP or plain-C path.

A test helper: the model's C (codegen.compiled.generate.compile_model) with a bare-metal
driver (tests/compiled_m4/) that runs ``model_invoke()`` on samples compiled into the image
and prints each output as a line of hex through semihosting.  Built with arm-none-eabi-gcc
for ``-mcpu=cortex-m4`` (``__ARM_FEATURE_DSP``: the SIMD path) or with ``-DAN_NO_DSP`` (the
plain-C path on the same core).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent / "compiled_m4"
CFLAGS = ("-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=soft", "-O2", "-std=c99", "-Wall", "-Wno-unused-function",
          "-ffunction-sections", "-fdata-sections")
LDFLAGS = ("-nostartfiles", "--specs=nosys.specs", "-Wl,--gc-sections")
OBJECT_CACHE = Path(tempfile.gettempdir()) / f"attendnets-m4-kernels-{os.getuid() if hasattr(os, 'getuid') else 0}"


def tools_missing() -> str | None:
    """Why this helper cannot run here (None when it can)."""
    for tool in ("arm-none-eabi-gcc", "qemu-system-arm"):
        if shutil.which(tool) is None:
            return f"{tool} not found"
    return None


def _samples_header(samples, input_bytes):
    lines = [f"#define AN_SAMPLE_COUNT {len(samples)}",
             f"static const int8_t an_samples[{len(samples)}][{input_bytes}] = {{"]
    for s in samples:
        values = np.asarray(s[0]).astype(np.int8).reshape(-1)
        if values.size != input_bytes:
            raise ValueError(f"sample of {values.size} values, the model's input has {input_bytes}")
        lines.append("  {" + ",".join(str(int(v)) for v in values) + "},")
    lines.append("};")
    return "#include <stdint.h>\n" + "\n".join(lines) + "\n"


def _object(work: Path, rel: str, defines) -> Path:
    """``rel`` compiled for the M4; kernel library files are compiled once per content and flags."""
    flags = [*CFLAGS, *defines, "-I.", "-Ikernels"]
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


def build_m4(model, samples, dsp=True, workdir=None, profile=False) -> Path:
    """The ELF of ``model`` with ``samples`` (int8, one input) for QEMU's mps2-an386."""
    from codegen.compiled.generate import compile_model

    compiled = compile_model(model)
    work = Path(workdir or tempfile.mkdtemp(prefix="an-m4-"))
    for rel, text in compiled.files.items():
        path = work / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    sg = model.main_subgraph
    (work / "samples.h").write_text(_samples_header(samples, sg.tensor(sg.inputs[0]).num_elements))
    shutil.copy(HERE / "semihost_main.c", work / "semihost_main.c")
    sources = [rel for rel in compiled.files if rel.endswith(".c")] + ["semihost_main.c"]
    defines = ([] if dsp else ["-DAN_NO_DSP"]) + (["-DMODEL_PROFILE"] if profile else [])
    objects = [_object(work, rel, defines) for rel in sources]
    elf = work / "model.elf"
    cmd = ["arm-none-eabi-gcc", *CFLAGS, "-T", str(HERE / "m4.ld"), *LDFLAGS, "-o", str(elf), *map(str, objects)]
    proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"arm-none-eabi-gcc failed:\n{proc.stderr[-3000:]}")
    return elf


def run_m4(elf: Path, timeout_s=120) -> list[bytes]:
    """Each output line the firmware printed, as bytes."""
    cmd = ["qemu-system-arm", "-M", "mps2-an386", "-nographic", "-monitor", "none", "-serial", "none",
           "-icount", "shift=0", "-semihosting-config", "enable=on,target=native", "-kernel", str(elf)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
    if proc.returncode != 0:
        raise RuntimeError(f"QEMU exited with {proc.returncode}: {proc.stdout[-500:]} {proc.stderr[-500:]}")
    # QEMU writes the semihosting console (SYS_WRITE0) to its stderr.
    return [bytes.fromhex(line) for line in proc.stderr.splitlines() if line and not line.startswith("#")]


def instructions_m4(elf: Path, timeout_s=300) -> list[int]:
    """Instructions each model_invoke() took (SysTick ticks x 40 under -icount shift=0; +-40)."""
    cmd = ["qemu-system-arm", "-M", "mps2-an386", "-nographic", "-monitor", "none", "-serial", "none",
           "-icount", "shift=0", "-semihosting-config", "enable=on,target=native", "-kernel", str(elf)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
    if proc.returncode != 0:
        raise RuntimeError(f"QEMU exited with {proc.returncode}: {proc.stderr[-500:]}")
    return [40 * int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("#ticks ")]


def run_model_on_m4(model, samples, dsp=True) -> list[np.ndarray]:
    """Output 0 of ``model`` for each sample, as int8 arrays in the output's shape."""
    sg = model.main_subgraph
    out = sg.tensor(sg.outputs[0])
    with tempfile.TemporaryDirectory(prefix="an-m4-") as work:
        lines = run_m4(build_m4(model, samples, dsp, work))
    if len(lines) != len(samples):
        raise RuntimeError(f"the firmware printed {len(lines)} outputs for {len(samples)} samples")
    return [np.frombuffer(line, dtype=np.int8).reshape(out.shape) for line in lines]
