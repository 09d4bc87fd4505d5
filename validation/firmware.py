"""The validation build: a generated project whose ``main`` answers the protocol over the board's link UART.

``prepare_project(model, board, runtime, out_dir)`` generates the project for either runtime with
``codegen`` (the same model code a user ships), then replaces its ``main`` with
``firmware_template/validate/main.c.j2`` rendered for this model (sizes, operator count, model
hash), and records what it did in ``project.json`` under ``"validate"``. ``build_project``
compiles it with ``MODEL_PROFILE=1`` when the per-operator profile is on.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
import hashlib

from attendnets_base import __version__
from attendnets_base.errors import BadInputError, ExternalToolError, ToolNotFoundError
from attendnets_base.fsutil import user_cache_dir, write_text_atomic
from codegen.project import open_project
from codegen.runtimes import DEFAULT_RUNTIME, get_runtime
from codegen.runtimes.base import INSTALL_HINT, BuildOptions
from codegen.templates import render
from firmware_template import VALIDATE_DIR
from validation.protocol import CYCLE_COUNTERS, MAX_TENSORS, model_hash
from codegen.boards import get_board
from codegen.context import tensor_info
from codegen.generate import generate_project
from codegen.render import PROJECT_FILE, read_manifest, record_written_files
from codegen.render import PROJECT_FILE, record_written_files
from converter.tflite_model import load_model

MAIN_TEMPLATE = VALIDATE_DIR / "main.c.j2"
MAIN_FILES = ("src/main.cc", "src/main.c")  # the TFLM project's main, the compiled runtime's


CACHE_FOLDER = "validate"  # under the user cache (attendnets_base.fsutil.user_cache_dir)


def cached_project_dir(model_path, model_digest: bytes, board_name: str, runtime: str, suffix: str = "") -> Path:
    """Where ``validate`` keeps its build when no ``--project`` is given: the user cache
    (``$ATTENDNETS_CACHE``, else ``$XDG_CACHE_HOME/attendnets``, else ``~/.cache/attendnets``), under
    ``validate/<model>-<first 8 hex digits of its hash>_<board>_<runtime>``: never the current folder."""
    name = f"{Path(model_path).stem}-{model_digest.hex()[:8]}_{board_name}_{runtime}{suffix}"
    return user_cache_dir() / CACHE_FOLDER / name


def check_board(board):
    """BadInputError unless the board has a UART that can receive (its link)."""
    if board.link is None:
        raise BadInputError(f"board {board.name} cannot run the validation firmware: {board.link_problem}")


def main_context(model, board, runtime: str, profile: bool, tflite_bytes: bytes, model_file_name: str) -> dict:
    sg = model.main_subgraph
    inputs = [tensor_info(sg.tensor(i), "input", n) for n, i in enumerate(sg.inputs)]
    outputs = [tensor_info(sg.tensor(i), "output", n) for n, i in enumerate(sg.outputs)]
    return {
        "board": board,
        "runtime": runtime,
        "runtime_id": get_runtime(runtime).protocol_id,
        "counter_id": {v: k for k, v in CYCLE_COUNTERS.items()}[board.cycle_counter],
        "cycle_counter_name": "DWT CYCCNT" if board.cycle_counter == "dwt" else "SysTick",
        "profile": profile,
        "op_count": len(sg.operators),
        "inputs": inputs,
        "outputs": outputs,
        "input_bytes": sum(t["size_bytes"] for t in inputs),
        "output_bytes": sum(t["size_bytes"] for t in outputs),
        "model_hash": [f"0x{b:02X}u" for b in model_hash(tflite_bytes)],
        "model_file_name": model_file_name,
        "version": __version__,
    }


def render_main(context: dict) -> str:
    return render(MAIN_TEMPLATE, context)


@dataclass(frozen=True)
class ValidationProject:
    path: Path
    runtime: str
    profile: bool
    model_hash: str
    elf: Path


def _generate(model_path, board_name, runtime, out_dir, overwrite=False):
    """The runtime's project, as `attendnets generate` writes it (replacing the previous build made by
    attendnets; generated files the user changed only with ``overwrite``, else BadInputError naming them)."""
    return generate_project(model_path, board_name, out_dir, runtime=runtime, force=True, overwrite=overwrite,
                            kernels=get_runtime(runtime).validation_kernels(os.environ.get("TFLM_DIR")))


def prepare_project(model_path, board_name, runtime, out_dir, profile=True, log=print,
                    overwrite=False) -> ValidationProject:
    """Generate the runtime's project for MODEL into ``out_dir`` and make it the validation firmware.

    ``out_dir`` may be a project attendnets made (generate or validate): its generated files that the
    user changed (an edited ``src/main.c``) are refused by name unless ``overwrite``, as generate does."""
    get_runtime(runtime)  # BadInputError naming the runtimes
    board = get_board(board_name)
    check_board(board)
    model_path = Path(model_path)
    data = model_path.read_bytes()
    model = load_model(data)
    sg = model.main_subgraph
    if len(sg.operators) > 0xFFFF:
        raise BadInputError("the model has more than 65535 operators")
    if max(len(sg.inputs), len(sg.outputs)) > MAX_TENSORS:
        raise BadInputError(f"validate streams at most {MAX_TENSORS} input and {MAX_TENSORS} output tensors; "
                            f"the model has {len(sg.inputs)} inputs and {len(sg.outputs)} outputs")
    _adopt_older_validation_build(out_dir)
    _generate(model_path, board.name, runtime, out_dir, overwrite=overwrite)
    return install_main(out_dir, model, board, runtime, profile, data, model_path.name)


def _adopt_older_validation_build(out_dir):
    """A validation build made before validate recorded its main in the project's marker: its main
    and project.json differ from what generate listed, which regeneration would take for the user's
    edits.  Both differing together is what validate itself did; they are recorded as ours."""
    out = Path(out_dir)
    if not is_validation_project(out):
        return
    manifest = read_manifest(out) or {}
    facts_path = out / PROJECT_FILE
    main_rel = json.loads(facts_path.read_text()).get("validate", {}).get("main")
    if main_rel not in MAIN_FILES or not (out / main_rel).is_file():
        return

    def digest(path):
        return hashlib.sha256(path.read_bytes()).hexdigest()

    if manifest.get(PROJECT_FILE) != digest(facts_path) and manifest.get(main_rel) != digest(out / main_rel) \
            and (out / main_rel).read_text(errors="replace").startswith("// Validation firmware for "):
        record_written_files(out, {main_rel: (out / main_rel).read_bytes(), PROJECT_FILE: facts_path.read_bytes()})


def install_main(out_dir, model, board, runtime, profile, tflite_bytes, model_file_name) -> ValidationProject:
    """Replace the generated project's main with the validation main; note it in project.json."""
    out = Path(out_dir)
    main_file = next((out / m for m in MAIN_FILES if (out / m).is_file()), None)
    if main_file is None:
        raise ExternalToolError(f"{out} has no src/main.cc or src/main.c to replace")
    main_text = render_main(main_context(model, board, runtime, profile, tflite_bytes, model_file_name))
    write_text_atomic(main_file, main_text)
    facts_path = out / PROJECT_FILE
    facts = json.loads(facts_path.read_text())
    digest = model_hash(tflite_bytes).hex()
    facts["validate"] = {"runtime": runtime, "profile": profile, "model_hash": digest,
                         "main": main_file.relative_to(out).as_posix()}
    facts_text = json.dumps(facts, indent=2, sort_keys=True) + "\n"
    write_text_atomic(facts_path, facts_text)
    # ours too: a later regeneration replaces them, and keeps them by name once the user edits them
    record_written_files(out, {main_file.relative_to(out).as_posix(): main_text, PROJECT_FILE: facts_text})
    project = open_project(out)
    return ValidationProject(out, runtime, profile, digest, project.artifact(".elf"))


def is_validation_project(path) -> bool:
    """True when ``path`` holds a generated project whose main is the validation firmware."""
    try:
        return "validate" in json.loads((Path(path) / "project.json").read_text())
    except (OSError, ValueError):
        return False


def open_validation_project(path) -> ValidationProject:
    project = open_project(path)
    facts = project.facts.get("validate")
    if not facts:
        raise BadInputError(f"{path} is not a validation build (no \"validate\" in project.json): "
                            "let attendnets validate generate one (leave out --project)")
    return ValidationProject(project.path, facts["runtime"], bool(facts["profile"]), facts["model_hash"],
                             project.artifact(".elf"))


def make_command(vp: ValidationProject, tflm_dir=None, jobs=None, make_vars=()) -> list[str]:
    runtime = get_runtime(vp.runtime)
    options = BuildOptions(jobs=jobs, tflm_dir=tflm_dir)
    missing = runtime.missing_build_input(options)
    if missing:
        raise BadInputError(f"the {runtime.title} needs {missing} (or validate with --runtime {DEFAULT_RUNTIME})")
    argv = runtime.make_command(open_project(vp.path), options)
    if vp.profile:
        argv.append("MODEL_PROFILE=1")
    return argv + list(make_vars)


def build_project(vp: ValidationProject, tflm_dir=None, log=print, quiet=True, make_vars=()) -> Path:
    """``make_vars``: extra ``NAME=VALUE`` for make (``DSP=0``: the compiled kernels' plain-C path)."""
    for program in ("make", "arm-none-eabi-gcc"):
        if shutil.which(program) is None:
            raise ToolNotFoundError(f"{program} not found: {INSTALL_HINT}")
    tflm_dir = tflm_dir or os.environ.get("TFLM_DIR")
    argv = make_command(vp, tflm_dir, make_vars=make_vars)
    log("$ " + shlex.join(argv))
    with get_runtime(vp.runtime).build_lock(BuildOptions(tflm_dir=tflm_dir), log):
        proc = subprocess.run(argv, capture_output=quiet, text=True)
    if proc.returncode != 0:
        tail = (proc.stdout or "")[-2000:] + (proc.stderr or "")[-2000:] if quiet else ""
        raise ExternalToolError(f"make failed with status {proc.returncode}" +
                                (f": {tail.strip().splitlines()[-1]}" if tail.strip() else ""))
    if not vp.elf.is_file():
        raise ExternalToolError(f"the build finished but did not produce {vp.elf}")
    return vp.elf
