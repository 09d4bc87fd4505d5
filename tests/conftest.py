"""Shared test fixtures.

Models come from two places:

* the suite's own corpus (``tests/corpus.py``): small models of every kind the
  tools handle (int8, float, 16x8, LSTM, SVDF, AttendNet-B), built once per
  session with the project's own tools and cached under ``build/test_corpus/``;
  every feature is covered by them, so a clean clone runs every test;
* the real-world reference models in ``../shared/models`` beside the checkout
  (set ``ATTENDNETS_SHARED_MODELS`` to point elsewhere), added to the
  parametrizations when present.  Tests of figures documented for one shared
  model skip with a printed reason when it is absent.
"""

import fcntl
import json
import os
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_MODELS_DIR = Path(
    os.environ.get("ATTENDNETS_SHARED_MODELS", REPO_ROOT.parent / "shared" / "models")
)
SHARED_MODEL_NAMES = [
    "hello_world_int8.tflite",
    "micro_speech_quantized.tflite",
    "person_detect.tflite",
    "pretrainedResnet_quant.tflite",
    "trained_lstm_int8.tflite",
    "vww_96_int8.tflite",
]


def shared_model_path(name):
    path = SHARED_MODELS_DIR / name
    if not path.is_file():
        pytest.skip(f"shared model {name} not found in {SHARED_MODELS_DIR} (set ATTENDNETS_SHARED_MODELS)")
    return path


@pytest.fixture(params=SHARED_MODEL_NAMES)
def shared_model(request):
    """Each model of ../shared/models in turn (a Path)."""
    return shared_model_path(request.param)


# --- the suite's own corpus --------------------------------------------------------------

CORPUS_CACHE_DIR = REPO_ROOT / "build" / "test_corpus"
CORPUS_BUILD_TIMEOUT_S = 1800

#: What each shared model is (../shared/models/README.md), in the corpus's terms.
SHARED_SPECS = {
    "hello_world_int8.tflite": ("int8", ("FULLY_CONNECTED",), ()),
    "micro_speech_quantized.tflite": ("int8", ("DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "RESHAPE", "SOFTMAX"), ()),
    "person_detect.tflite": ("int8", ("AVERAGE_POOL_2D", "CONV_2D", "DEPTHWISE_CONV_2D", "RESHAPE", "SOFTMAX"), ()),
    "pretrainedResnet_quant.tflite": ("int8", ("ADD", "AVERAGE_POOL_2D", "CONV_2D", "FULLY_CONNECTED", "RESHAPE",
                                               "SOFTMAX"), ()),
    "trained_lstm_int8.tflite": ("int8", ("FULLY_CONNECTED", "RESHAPE", "SOFTMAX", "UNIDIRECTIONAL_SEQUENCE_LSTM"),
                                 ("lstm",)),
    "vww_96_int8.tflite": ("int8", ("AVERAGE_POOL_2D", "CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "RESHAPE",
                                    "SOFTMAX"), ()),
}

#: What the tools do not handle yet for a corpus model (issue 9): (model, step) -> why.
#: A step listed here may refuse the model with a clean one-line error naming what it
#: found (asserted), or, for "arena-exact", give figures that differ from the
#: interpreter (the test is then reported as xfail with the reason).  A listed step
#: that succeeds fails the test: remove its entry, the full checks then hold it.
#: Steps: "check" (the check command), "arena" (estimate_arena, reference kernels), "cmsis-nn"
#: (what estimates with the CMSIS-NN kernels), "arena-exact" (estimate == interpreter), "report"
#: (build_memory_report), "generate".
PENDING_SUPPORT = {}


class Corpus:
    """The built corpus: ``path(name)``, ``spec(name)`` (a tests.corpus.Spec), ``names``."""

    def __init__(self, directory, manifest, specs):
        self.directory = Path(directory)
        self.manifest = manifest
        self.specs = specs
        self.names = list(specs)

    def spec(self, name):
        return self.specs[name]

    def path(self, name):
        if name not in self.manifest:
            pytest.skip(f"corpus model {name} is built with TensorFlow, which is not installed "
                        "(pip install 'attendnets[train]')")
        return self.directory / self.manifest[name]["file"]


_corpus_cache = {}


def _tensorflow_installed():
    import importlib.util

    return importlib.util.find_spec("tensorflow") is not None


def load_corpus():
    """The corpus, built once per checkout and source version (a file lock keeps xdist workers from building twice)."""
    import corpus as corpus_module

    key = corpus_module.corpus_key()
    if key in _corpus_cache:
        return _corpus_cache[key]
    directory = CORPUS_CACHE_DIR / key
    manifest_path = directory / "manifest.json"
    if not manifest_path.is_file():
        CORPUS_CACHE_DIR.mkdir(parents=True, exist_ok=True)
        with open(CORPUS_CACHE_DIR / f"{key}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not manifest_path.is_file():
                _build_corpus(corpus_module, directory)
    manifest = json.loads(manifest_path.read_text())
    _corpus_cache[key] = Corpus(directory, manifest, corpus_module.CORPUS)
    return _corpus_cache[key]


def _build_corpus(corpus_module, directory):
    import shutil
    import tempfile

    names = [n for n, s in corpus_module.CORPUS.items() if _tensorflow_installed() or not s.needs_tensorflow]
    tmp = Path(tempfile.mkdtemp(prefix=f"{directory.name}.", dir=directory.parent))
    try:
        proc = subprocess.run(
            [sys.executable, str(Path(corpus_module.__file__)), str(tmp), *names],
            capture_output=True, text=True, timeout=CORPUS_BUILD_TIMEOUT_S,
            env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])},
        )
        if proc.returncode != 0:
            pytest.fail(f"building the test corpus failed (python tests/corpus.py DIR):\n{proc.stderr[-4000:]}",
                        pytrace=False)
        os.rename(tmp, directory)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _prune_old_corpora(directory)


def _prune_old_corpora(keep, age_s=3600):
    """Remove corpora of other source versions untouched for ``age_s`` (a session running an older
    checkout within the hour keeps its copy)."""
    import shutil
    import time

    for entry in keep.parent.iterdir():
        if entry.is_dir() and entry != keep and time.time() - entry.stat().st_mtime > age_s:
            shutil.rmtree(entry, ignore_errors=True)
            entry.with_name(entry.name + ".lock").unlink(missing_ok=True)


@pytest.fixture(scope="session")
def corpus():
    """The suite's own models (tests/corpus.py), built once per session and cached under build/test_corpus/."""
    return load_corpus()


@dataclass(frozen=True)
class SuiteModel:
    """One model of the suite: a corpus model or a shared one."""

    name: str  # corpus name ("resnet8_int8") or shared file name ("vww_96_int8.tflite")
    origin: str  # "corpus" or "shared"
    path: Path
    kind: str  # model_kind check must report
    operators: tuple  # operators it must contain
    features: tuple  # "lstm", "svdf", "float", "int16", "variable_tensor", "condenser", "control_flow"

    def pending(self, step):
        """Why ``step`` may not handle this model yet (PENDING_SUPPORT), or None."""
        return PENDING_SUPPORT.get((self.name, step)) if self.origin == "corpus" else None

    def run(self, step, fn, *args, **kwargs):
        """``fn(*args, **kwargs)``; or None if ``step`` is pending for this model and refused it cleanly.

        A pending step must refuse with an AttendnetsError whose message is one line and
        names the model's kind or an operator it contains; a pending step that succeeds
        fails the test (remove its PENDING_SUPPORT entry).  A step that is not pending
        runs as is.
        """
        from attendnets_base.errors import AttendnetsError

        reason = self.pending(step)
        if reason is None:
            return fn(*args, **kwargs)
        try:
            result = fn(*args, **kwargs)
        except AttendnetsError as exc:
            message = str(exc)
            assert "\n" not in message.strip(), message
            named = [w for w in (self.kind, *self.operators, "float") if w in message]
            assert named, f"the refusal names neither the model's kind nor an operator: {message}"
            warnings.warn(f"{self.name}: {step} pending ({reason}): {message}", PendingSupportWarning)
            return None
        pytest.fail(f"{self.name}: {step} now handles this model; remove ({self.name!r}, {step!r}) from "
                    f"PENDING_SUPPORT in tests/conftest.py ({reason})", pytrace=False)

    def expect_exact(self, step, check):
        """Run ``check()`` (assertions); for a pending ``step`` a failure is an xfail with the reason, a pass fails."""
        reason = self.pending(step)
        if reason is None:
            return check()
        try:
            check()
        except AssertionError:
            pytest.xfail(f"{self.name}: {reason} (issue 9)")
        pytest.fail(f"{self.name}: {step} now holds; remove ({self.name!r}, {step!r}) from PENDING_SUPPORT in "
                    f"tests/conftest.py ({reason})", pytrace=False)


class PendingSupportWarning(UserWarning):
    """A tool refused a corpus model whose support is still pending (PENDING_SUPPORT)."""


def shared_present(*names):
    """Those of the shared model ``names`` (default: all) whose file is there: parametrizations add only these."""
    return [n for n in (names or SHARED_MODEL_NAMES) if (SHARED_MODELS_DIR / n).is_file()]


def shared_params(names, what):
    """pytest params for the shared model ``names`` present; one skipped param (with the reason) when none is.

    For figures that exist only for the shared models (``what``: e.g. measurements on a Cortex-M4):
    a clean clone reports one skip per test instead of one per absent model.
    """
    present = shared_present(*names)
    if present:
        return present
    return [pytest.param(None, id="no-shared-models", marks=pytest.mark.skip(
        reason=f"{what} are of the shared models, none found in {SHARED_MODELS_DIR} (set ATTENDNETS_SHARED_MODELS)"))]


def model_path(name):
    """A corpus model by name, or a shared one by file name (``*.tflite``)."""
    return shared_model_path(name) if name.endswith(".tflite") else corpus_model_path(name)


def model_params(corpus_names=None, shared_names=None, kinds=None, exclude_features=()):
    """pytest params for the ``suite_model`` fixture: corpus models plus the shared models present.

    ``corpus_names``/``shared_names`` restrict each side (default: all);
    ``kinds`` keeps models of those kinds; ``exclude_features`` drops models with any of them.
    """
    import corpus as corpus_module

    params = []
    for name in corpus_names if corpus_names is not None else corpus_module.CORPUS:
        spec = corpus_module.CORPUS[name]
        if (kinds is None or spec.kind in kinds) and not set(spec.features) & set(exclude_features):
            params.append(pytest.param(("corpus", name), id=name))
    for name in shared_names if shared_names is not None else SHARED_MODEL_NAMES:
        kind, _, features = SHARED_SPECS[name]
        if (kinds is None or kind in kinds) and not set(features) & set(exclude_features):
            if (SHARED_MODELS_DIR / name).is_file():
                params.append(pytest.param(("shared", name), id=f"shared-{name.removesuffix('.tflite')}"))
    return params


@pytest.fixture
def suite_model(request):
    """A SuiteModel; parametrize with ``@pytest.mark.parametrize("suite_model", model_params(...), indirect=True)``."""
    origin, name = request.param
    if origin == "shared":
        kind, operators, features = SHARED_SPECS[name]
        return SuiteModel(name, origin, shared_model_path(name), kind, operators, features)
    corpus = request.getfixturevalue("corpus")
    spec = corpus.spec(name)
    return SuiteModel(name, origin, corpus.path(name), spec.kind, spec.operators, spec.features)


def corpus_model_path(name):
    """Path of corpus model ``name`` (builds the corpus if needed); for tests outside fixtures."""
    return load_corpus().path(name)


class CliResult:
    def __init__(self, exit_code, stdout, stderr):
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr

    def __repr__(self):
        return f"CliResult(exit_code={self.exit_code}, stdout={self.stdout[-2000:]!r}, stderr={self.stderr[-2000:]!r})"


@pytest.fixture
def cli(capsys):
    """Run ``attendnets ARGS...`` in-process; returns a CliResult."""
    from attendnets.cli import main

    def invoke(*args):
        capsys.readouterr()
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return invoke


@pytest.fixture
def cli_subprocess():
    """Run ``python -m attendnets ARGS...`` in a fresh process; returns a CliResult."""

    def invoke(*args, env=None, timeout=600, cwd=None):
        proc = subprocess.run(
            [sys.executable, "-m", "attendnets", *[str(a) for a in args]],
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, **(env or {})},
            cwd=cwd,
        )
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    return invoke


def assert_one_line_error(result, code=None):
    """A user error: non-zero exit, a single 'error: ...' line, no traceback."""
    assert result.exit_code != 0, result
    if code is not None:
        assert result.exit_code == code, result
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result
    lines = [l for l in result.stderr.strip().splitlines() if l.strip()]
    error_lines = [l for l in lines if l.startswith("error: ")]
    assert len(error_lines) == 1, result
    return error_lines[0]


def packages_imported_by(code, packages, timeout=120):
    """Run ``code`` in a fresh Python; the sorted names among ``packages`` it imported (top level).

    For the "this path does not import TensorFlow" tests.  Fails the test if
    ``code`` itself fails.
    """
    script = (code + "\nimport sys\n"
              f"print('IMPORTED', sorted({{m.split('.')[0] for m in sys.modules}} & set({tuple(packages)!r})))\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("IMPORTED ")][-1]
    import ast

    return ast.literal_eval(line[len("IMPORTED "):])


def need_programs(*programs):
    """Skip the calling test (with the reason) when one of ``programs`` is not on PATH."""
    import shutil

    for program in programs:
        if shutil.which(program) is None:
            pytest.skip(f"{program} not installed (scripts/setup_system.sh installs the toolchain, make, cmake "
                        "and QEMU)")


def run_firmware_qemu(elf, *extra, machine="mps2-an386", icount=True, timeout=120):
    """The firmware ``elf`` run in qemu-system-arm on ``machine`` with semihosting (``icount``: 1 ns per instruction,
    -icount shift=0) and the ``extra`` arguments; the finished process (stdout: the semihosting console)."""
    argv = ["qemu-system-arm", "-M", machine, "-nographic", "-monitor", "none", "-serial", "none",
            *(["-icount", "shift=0"] if icount else []), "-semihosting-config", "enable=on,target=native",
            "-kernel", str(elf), *map(str, extra)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
