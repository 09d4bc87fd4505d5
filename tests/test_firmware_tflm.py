"""Generated firmware against a real TFLM tree: build, run in QEMU, compare bit-exactly.

For every QEMU board of the catalog, every TFLM tree given in TFLM_DIR (its kernel set is read from
the tree: `kernels/cmsis_nn` present means cmsis-nn) and every model (the integer models of the
suite's corpus, tests/corpus.py: DS-CNN, ResNet-8, MobileNet-V1, the dense autoencoder in int8 and
16x8, LSTM, SVDF, AttendNet-B; plus the shared models present): `attendnets generate` ->
`attendnets build` -> `attendnets flash --tool qemu`, then
- the printed `output: ...` values equal the tflite-micro Python interpreter's output for the same input: a
  seeded random integer sample over the input type's whole range, given to `generate --sample x.npy`
  (random rather than all zero points: a zero image through bias-free convolutions gives a uniform
  softmax, which would hide differences inside the network);
- the printed `arena_used_bytes` is at most the arena the project was generated with.

This needs what CI does not have, so it skips with the reason unless:
- TFLM_DIR names a TFLM tree (TFLM_MORE_DIRS: more trees, separated by ':', e.g. the other kernel set),
  each made by TFLM's own
  tensorflow/lite/micro/tools/project_generation/create_tflm_tree.py, e.g. from a tflite-micro checkout:
    python3 tensorflow/lite/micro/tools/project_generation/create_tflm_tree.py \
      --makefile_options="TARGET=cortex_m_generic TARGET_ARCH=cortex-m4+fp TARGET_TOOLCHAIN_ROOT=/usr/bin/" /tmp/tflm_ref
    (add OPTIMIZED_KERNEL_DIR=cmsis_nn to the options for a CMSIS-NN tree); docs/results_firmware_tflm.md has the steps;
- arm-none-eabi-gcc, make and qemu-system-arm are installed.
The TFLM library is compiled once per tree, CPU and kernel set into attendnets' shared TFLM build folder
(TFLM_BUILD_DIR overrides it); the first run per board therefore takes 10-30 minutes on two cores.
The corpus models are untrained (seeded weights, post-training quantized on seeded random inputs):
bit-exactness does not need training.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

from codegen.boards import load_boards
from tests.conftest import PENDING_SUPPORT
from tests.conftest import model_path as suite_model_path
from tests.conftest import shared_present

QEMU_BOARDS = [name for name, board in load_boards().items() if board.emulated]
MODELS = ["dscnn_kws_int8", "resnet8_int8", "mobilenet_v1_025_person_int8", "autoencoder_int8", "autoencoder_int16x8",
          "lstm_int8", "svdf_int8", "attendnet_b_int8", *shared_present()]
SKIP_HINT = ("make one with TFLM's create_tflm_tree.py (docs/firmware.md, 'Making a TFLM tree', has every step) "
             "and set TFLM_DIR=/path/to/tree [TFLM_MORE_DIRS=/path/to/cmsis_nn_tree]")


def tflm_trees():
    """(kernel set, tree path) for TFLM_DIR and each tree in TFLM_MORE_DIRS."""
    trees = []
    entries = [os.environ.get("TFLM_DIR", "")] + os.environ.get("TFLM_MORE_DIRS", "").split(os.pathsep)
    for entry in filter(None, entries):
        tree = Path(entry).expanduser().resolve()
        kernels = "cmsis-nn" if (tree / "tensorflow/lite/micro/kernels/cmsis_nn").is_dir() else "reference"
        trees.append((kernels, tree))
    return trees


def _params():
    trees = tflm_trees()
    if not trees:
        return [pytest.param(None, None, None, None, id="no-TFLM_DIR")]
    return [pytest.param(board, kernels, tree, model, id=f"{board}-{kernels}-{model.split('.')[0]}")
            for kernels, tree in trees for board in QEMU_BOARDS for model in MODELS]


def _run(argv, timeout):
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"$ {' '.join(map(str, argv))}\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc.stdout


def host_run(model_path, sample_path):
    """Write a seeded random sample for input 0 to ``sample_path``; returns output 0 of the tflite-micro
    interpreter (64-bit host build, reference kernels) on it."""
    from tflite_micro.python.tflite_micro import runtime

    interpreter = runtime.Interpreter.from_bytes(Path(model_path).read_bytes(), arena_size=4 * 1024 * 1024)
    detail = interpreter.get_input_details(0)
    limits = np.iinfo(detail["dtype"])
    rng = np.random.default_rng(zlib.crc32(Path(model_path).name.encode()))
    sample = rng.integers(limits.min, limits.max + 1, size=detail["shape"], dtype=detail["dtype"])
    np.save(sample_path, sample)
    interpreter.set_input(sample, 0)
    interpreter.invoke()
    return [int(v) for v in interpreter.get_output(0).flatten()]


def parse_run(stdout):
    output = re.search(r"^output:(.*)$", stdout, re.M)
    used = re.search(r"^arena_used_bytes: (\d+)$", stdout, re.M)
    cycles = re.search(r"^cycles: (\d+)", stdout, re.M)
    assert output and used, f"the firmware did not print its result lines:\n{stdout[-4000:]}"
    return ([int(v) for v in output.group(1).split()], int(used.group(1)),
            int(cycles.group(1)) if cycles else None)


@pytest.mark.parametrize("board,kernels,tree,model", _params())
def test_generated_firmware_is_bit_exact_on_qemu(board, kernels, tree, model, tmp_path):
    if tree is None:
        pytest.skip(f"TFLM_DIR is not set: {SKIP_HINT}")
    for program in ("arm-none-eabi-gcc", "arm-none-eabi-g++", "make", "qemu-system-arm"):
        if shutil.which(program) is None:
            pytest.skip(f"{program} not installed (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi "
                        "libstdc++-arm-none-eabi-newlib make qemu-system-arm)")
    model_path = suite_model_path(model)
    cli = [sys.executable, "-m", "attendnets"]
    project = tmp_path / "project"

    sample = tmp_path / "sample.npy"
    expected = host_run(model_path, sample)
    generate = cli + ["generate", model_path, "--board", board, "--runtime", "tflm", "--kernels", kernels, "--sample",
                      sample, "--out", project]
    refused = subprocess.run(generate, capture_output=True, text=True, timeout=300)
    if refused.returncode != 0 and kernels == "cmsis-nn" and "CMSIS-NN takes" in refused.stderr:
        pytest.skip(f"this kernel set cannot run the model (generate says so): {refused.stderr.strip()[:200]}")
    pending = PENDING_SUPPORT.get((model, kernels))
    if refused.returncode != 0 and pending and "not modelled by the arena estimator" in refused.stderr:
        pytest.skip(f"{model}: {pending} (PENDING_SUPPORT in tests/conftest.py); generate refuses it in one line")
    assert refused.returncode == 0, f"$ {' '.join(map(str, generate))}\n{refused.stdout[-4000:]}\n{refused.stderr[-4000:]}"
    build = cli + ["build", project, "--tflm-dir", tree]
    if os.environ.get("TFLM_BUILD_DIR"):
        build += ["--tflm-build-dir", os.environ["TFLM_BUILD_DIR"]]
    _run(build, timeout=3600)
    stdout = _run(cli + ["flash", project, "--tool", "qemu", "--timeout", "900"], timeout=1000)

    output, arena_used, cycles = parse_run(stdout)
    generated = json.loads((project / "project.json").read_text())
    print(f"\n{board} {kernels} {model_path.name}: output {output} arena_used_bytes {arena_used} "
          f"arena_bytes {generated['arena_bytes']} required {generated['arena_required_bytes']} cycles {cycles}")
    assert output == expected, f"firmware output differs from the tflite-micro interpreter ({expected}):\n{stdout}"
    assert arena_used <= generated["arena_bytes"], stdout


# Models beyond int8 for the 32-bit arena check: each op model of tests/test_arena_ops.py named here,
# and the corpus models named here (float, 16x8, LSTM, SVDF), is generated, built against the TFLM tree
# and run in QEMU on a Cortex-M4 board; the arena_used_bytes the firmware prints must equal the 32-bit
# estimate (pointer_bytes=4, the tree's kernel set) to the byte.
ARENA_32BIT_MODELS = ["UNIDIRECTIONAL_SEQUENCE_LSTM float32", "UNIDIRECTIONAL_SEQUENCE_LSTM int16 (16x8, int64 bias)",
                      "SVDF int8", "SVDF float32", "TRANSPOSE_CONV int16", "TRANSPOSE_CONV int8",
                      "TRANSPOSE_CONV int8 20 input channels", "TRANSPOSE_CONV float32", "BATCH_MATMUL float32",
                      "BATCH_MATMUL int8", "BATCH_MATMUL int16 adj_x adj_y", "BATCH_MATMUL int8 constant rhs",
                      "resource variables float32 (CALL_ONCE init)", "WHILE (LESS, ADD int32/float32)",
                      "autoencoder_float", "autoencoder_int16x8", "lstm_float", "lstm_int8", "svdf_float", "svdf_int8",
                      "CIRCULAR_BUFFER", "TFLite_Detection_PostProcess", "micro_speech preprocessor int8",
                      "SignalIrfft float32 fft_length 64 2 frames", "SignalStacker int16 -> int16",
                      "TFLM_DECODE LUT DEPTHWISE_CONV_2D", "TFLM_DECODE prune zero points"]
CORTEX_M4_QEMU_BOARD = next((name for name, board in load_boards().items()
                             if board.emulated and board.cpu == "cortex-m4"), None)


def _arena_params():
    trees = tflm_trees()
    if not trees or CORTEX_M4_QEMU_BOARD is None:
        return [pytest.param(None, None, None, id="no-TFLM_DIR")]
    return [pytest.param(kernels, tree, model, id=f"{kernels}-{model}") for kernels, tree in trees
            for model in ARENA_32BIT_MODELS]


@pytest.mark.parametrize("kernels,tree,model", _arena_params())
def test_firmware_arena_equals_32bit_estimate(kernels, tree, model, tmp_path):
    if tree is None:
        pytest.skip(f"TFLM_DIR is not set: {SKIP_HINT}")
    for program in ("arm-none-eabi-gcc", "arm-none-eabi-g++", "make", "qemu-system-arm"):
        if shutil.which(program) is None:
            pytest.skip(f"{program} not installed")
    from converter.tflm.arena import estimate_arena
    from converter.tflm.kernel_allocations import KERNELS
    from test_arena_ops import OP_MODELS

    data = OP_MODELS[model]() if model in OP_MODELS else suite_model_path(model).read_bytes()
    try:
        estimate = estimate_arena(data, pointer_bytes=4, kernels=kernels)
    except Exception as exc:  # an operator the cmsis-nn model does not cover: nothing to compare
        assert kernels != "reference", exc
        pytest.skip(f"{model}: not modelled for {kernels} ({exc})")
    assert KERNELS[kernels]
    model_path = tmp_path / "model.tflite"
    model_path.write_bytes(data)
    cli = [sys.executable, "-m", "attendnets"]
    project = tmp_path / "project"
    _run(cli + ["generate", model_path, "--board", CORTEX_M4_QEMU_BOARD, "--runtime", "tflm", "--kernels", kernels,
                "--out", project],
         timeout=300)
    build = cli + ["build", project, "--tflm-dir", tree]
    if os.environ.get("TFLM_BUILD_DIR"):
        build += ["--tflm-build-dir", os.environ["TFLM_BUILD_DIR"]]
    _run(build, timeout=3600)
    stdout = _run(cli + ["flash", project, "--tool", "qemu", "--timeout", "900"], timeout=1000)
    used = re.search(r"^arena_used_bytes: (\d+)$", stdout, re.M)  # outputs may be float: not parsed here
    assert used, f"the firmware did not print arena_used_bytes:\n{stdout[-4000:]}"
    arena_used = int(used.group(1))
    print(f"\n{CORTEX_M4_QEMU_BOARD} {kernels} {model}: arena_used_bytes {arena_used}, "
          f"32-bit estimate {estimate.total_bytes} (required {estimate.required_bytes})")
    assert arena_used == estimate.total_bytes, stdout
