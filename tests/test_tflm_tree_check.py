"""`build --tflm-dir TREE` checks what the tree holds before compiling it (issue 22).

With small fake trees (no real TFLM needed):

- a project generated for cmsis-nn kernels and a tree without CMSIS-NN kernels (or the reverse) is
  refused in one line before make runs (it used to link reference kernels into a library named
  cmsis-nn, silently: 43.1M instructions instead of 7.70M);
- the Makefile names the library's folder by what goes into it (the tree's source list, the flags):
  the same tree path with other kernels, or other flags, never reuses the objects;
- the shared TFLM build folder is locked for the whole make: a second build waits.
"""

import fcntl
import re
import shutil
import subprocess
import threading

import pytest

from codegen.build import LOCK_FILE, build_project, check_tree_kernels
from tests.conftest import assert_one_line_error
from tests.test_compiled_fc import fc_model

from attendnets_base.errors import BadInputError


def _tree(root, cmsis_nn=False):
    """A fake create_tflm_tree.py tree: the interpreter header, a reference kernel, and with
    ``cmsis_nn`` TFLM's CMSIS-NN kernel in place of it plus Arm's CMSIS-NN library header."""
    micro = root / "tensorflow/lite/micro"
    (micro / "kernels").mkdir(parents=True, exist_ok=True)
    (micro / "micro_interpreter.h").write_text("")
    (micro / "micro_interpreter.cc").write_text("int tflm_interpreter;\n")
    if cmsis_nn:
        (micro / "kernels/conv.cc").unlink(missing_ok=True)
        (micro / "kernels/cmsis_nn").mkdir(exist_ok=True)
        (micro / "kernels/cmsis_nn/conv.cc").write_text("int tflm_cmsis_nn_conv;\n")
        (root / "third_party/cmsis_nn/Include").mkdir(parents=True, exist_ok=True)
        (root / "third_party/cmsis_nn/Include/arm_nnfunctions.h").write_text("")
    else:
        (micro / "kernels/conv.cc").write_text("int tflm_reference_conv;\n")
    return root


@pytest.fixture
def project_for(tmp_path, cli):
    model = tmp_path / "m.tflite"
    model.write_bytes(fc_model())

    def make(kernels):
        out = tmp_path / f"fw-{kernels}"
        result = cli("generate", model, "--board", "mps2-an386", "--out", out, "--runtime", "tflm",
                     "--kernels", kernels)
        assert result.exit_code == 0, result
        return out

    return make


def test_cmsis_nn_project_with_a_reference_tree_is_refused(tmp_path, project_for, cli):
    project = project_for("cmsis-nn")
    tree = _tree(tmp_path / "tree")
    line = assert_one_line_error(cli("build", project, "--tflm-dir", tree, "--tflm-build-dir", tmp_path / "cache"))
    assert "has no CMSIS-NN kernels" in line and "OPTIMIZED_KERNEL_DIR=cmsis_nn" in line
    assert "--kernels reference" in line
    assert not (project / "build").exists() and not (tmp_path / "cache").exists()


def test_reference_project_with_a_cmsis_nn_tree_is_refused(tmp_path, project_for, cli):
    project = project_for("reference")
    tree = _tree(tmp_path / "tree", cmsis_nn=True)
    line = assert_one_line_error(cli("build", project, "--tflm-dir", tree))
    assert "holds CMSIS-NN kernels" in line and "--kernels reference" in line


def test_the_check_wants_both_kernels_and_library(tmp_path):
    tree = _tree(tmp_path / "tree", cmsis_nn=True)
    check_tree_kernels(tree, "cmsis-nn")
    (tree / "third_party/cmsis_nn/Include/arm_nnfunctions.h").unlink()
    with pytest.raises(BadInputError, match="arm_nnfunctions.h"):
        check_tree_kernels(tree, "cmsis-nn")
    check_tree_kernels(_tree(tmp_path / "ref"), "reference")


def _library_path(project, tree, cache, *args):
    """The libtflm.a the Makefile would build (make -n: nothing compiled)."""
    proc = subprocess.run(["make", "-n", "-C", str(project), f"TFLM_DIR={tree}", f"TFLM_BUILD_DIR={cache}", *args],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    found = re.search(r"qcs (\S+/libtflm\.a)", proc.stdout)
    assert found, proc.stdout[-2000:]
    return found.group(1)


def test_library_folder_is_keyed_by_what_goes_into_it(tmp_path, project_for):
    if shutil.which("make") is None:
        pytest.skip("make not installed")
    project = project_for("cmsis-nn")
    tree, cache = _tree(tmp_path / "tree"), tmp_path / "cache"
    reference = _library_path(project, tree, cache)
    assert reference == _library_path(project, tree, cache)  # stable: a second build reuses it
    _tree(tree, cmsis_nn=True)  # the same path, now with CMSIS-NN kernels
    cmsis = _library_path(project, tree, cache)
    assert cmsis != reference
    assert _library_path(project, tree, cache, "OPT=-Os") not in (reference, cmsis)
    assert "cortex-m4-" in cmsis and "-cmsis-nn-O2-" in cmsis


def test_two_builds_never_compile_into_one_cache_at_once(tmp_path, project_for, monkeypatch):
    project = project_for("reference")
    tree, cache = _tree(tmp_path / "tree"), tmp_path / "cache"
    monkeypatch.setattr(shutil, "which", lambda program: f"/usr/bin/{program}")
    cache.mkdir()
    waiting, ran = threading.Event(), []

    class Done:
        returncode = 0

    def fake_make(argv):
        ran.append(argv)
        (project / "build").mkdir(exist_ok=True)
        for suffix in (".elf", ".bin", ".hex", ".map"):
            (project / "build" / f"model{suffix}").write_bytes(b"x")
        return Done()

    def log(message):
        if message.startswith("waiting for another build"):
            waiting.set()

    with open(cache / LOCK_FILE, "a+") as other_build:
        fcntl.flock(other_build, fcntl.LOCK_EX)  # another build holds the cache
        thread = threading.Thread(target=build_project, args=(project,),
                                  kwargs=dict(tflm_dir=tree, tflm_build_dir=cache, log=log, runner=fake_make))
        thread.start()
        assert waiting.wait(30)
        assert not ran  # it waits: make has not started
        fcntl.flock(other_build, fcntl.LOCK_UN)
        thread.join(30)
    assert len(ran) == 1 and f"TFLM_BUILD_DIR={cache}" in ran[0]
    # and the lock is free again once the build is done
    with open(cache / LOCK_FILE, "a+") as again:
        fcntl.flock(again, fcntl.LOCK_EX | fcntl.LOCK_NB)
