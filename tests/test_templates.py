"""firmware_template/: one place knows where templates live, one Jinja environment, every file shipped.

- No module outside firmware_template/ spells a path into it, and only codegen/templates.py
  makes a Jinja environment (read from the source, so a new copy anywhere is caught).
- Every file of firmware_template/ belongs to one of its trees, the runtimes' project trees
  never write the same file as common/, and a wheel built from the tree ships every template.
"""

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from codegen.exports import FORMATS
from codegen.runtimes import RUNTIME_NAMES, get_runtime
from codegen.templates import environment, project_files, render, template_files
from firmware_template import (BOARDS_TOML, COMMON_DIR, COMPILED_MODEL_DIR, SEVERAL_DIR, COMPILED_PROJECT_DIR, HOST_DIR,
                               KERNELS_DIR, TEMPLATE_DIR, TFLM_PROJECT_DIR, VALIDATE_DIR)

REPO = Path(__file__).resolve().parents[1]
SOURCE_DIRS = ("attendnets", "attendnets_base", "attendnets_tf", "converter", "codegen", "validation", "bench",
               "scripts", "tests")
TREES = (COMMON_DIR, TFLM_PROJECT_DIR, COMPILED_PROJECT_DIR, COMPILED_MODEL_DIR, KERNELS_DIR, HOST_DIR, VALIDATE_DIR,
         SEVERAL_DIR,
         *(fmt.template_dir for fmt in FORMATS.values()))


def python_sources():
    for name in SOURCE_DIRS:
        yield from sorted(p for p in (REPO / name).rglob("*.py") if "__pycache__" not in p.parts)


def template_path_literals(path):
    """String constants of ``path``'s code that build a path into firmware_template.

    ``"firmware_template/..."`` anywhere but in a docstring, and ``"firmware_template"`` as an
    operand of ``/`` or an argument of a call (``Path(...)``, ``joinpath``, ``os.path.join``);
    the package's name in a list of packages is not a path.
    """
    tree = ast.parse(path.read_text(), str(path))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    path_operands = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            path_operands.update((id(node.left), id(node.right)))
        elif isinstance(node, ast.Call):
            path_operands.update(id(arg) for arg in node.args)
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
            and (node.value.startswith("firmware_template/")
                 or (node.value == "firmware_template" and id(node) in path_operands))]


def jinja_environments(path):
    """Lines of ``path`` that make a Jinja environment (``jinja2.Environment(...)`` or an imported ``Environment``)."""
    tree = ast.parse(path.read_text(), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("Environment", "SandboxedEnvironment"):
                found.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("jinja2"):
            found += [node.lineno for alias in node.names if alias.name.endswith("Environment")]
    return found


def test_only_firmware_template_knows_where_templates_live():
    spelled = {str(p.relative_to(REPO)): template_path_literals(p) for p in python_sources()}
    assert not {k: v for k, v in spelled.items() if v and k != "tests/test_templates.py"}


def test_the_checker_sees_a_path_spelled_by_hand(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text('"""Reads firmware_template/boards.toml."""\n'
                      'import os\nfrom pathlib import Path\nPACKAGES = ("codegen", "firmware_template")\n'
                      'P = Path(__file__).parents[1] / "firmware_template" / "x"\n'
                      'Q = os.path.join(ROOT, "firmware_template")\nR = ROOT + "firmware_template/compiled"\n')
    assert sorted(template_path_literals(sample)) == ["firmware_template", "firmware_template",
                                                      "firmware_template/compiled"]


def test_one_jinja_environment():
    makers = {str(p.relative_to(REPO)): jinja_environments(p) for p in python_sources()}
    makers = {k: v for k, v in makers.items() if v and k != "tests/test_templates.py"}
    assert list(makers) == ["codegen/templates.py"], makers
    assert environment() is environment()


def test_the_checker_sees_a_second_environment(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("import jinja2\n\ndef f():\n    return jinja2.Environment(loader=None)\n")
    assert jinja_environments(sample) == [4]


def test_every_file_belongs_to_one_tree():
    files = set(template_files(TEMPLATE_DIR))
    owned = {(root / rel).relative_to(TEMPLATE_DIR).as_posix() for root in TREES for rel in template_files(root)}
    stray = files - owned - {"__init__.py", BOARDS_TOML.name}
    assert not stray, f"files of firmware_template/ outside its trees: {sorted(stray)}"
    assert BOARDS_TOML.is_file() and (KERNELS_DIR / "an_common.h").is_file()


@pytest.mark.parametrize("runtime", RUNTIME_NAMES)
def test_a_runtime_project_is_common_beside_its_own_tree(runtime):
    files = project_files(get_runtime(runtime).project_dir)
    common = {out for out, src in files.items() if src.is_relative_to(COMMON_DIR)}
    assert {"Makefile", "linker.ld", "platform/startup.c", "src/sample_input.h"} <= common
    own = {out for out, src in files.items() if src.is_relative_to(get_runtime(runtime).project_dir)}
    assert own == set(files) - common
    main = "src/main.cc" if runtime == "tflm" else "src/main.c"
    assert main in own and "README.md" in own


def test_two_trees_writing_one_file_is_refused(tmp_path):
    (tmp_path / "Makefile.j2").write_text("all:\n")
    with pytest.raises(RuntimeError, match="Makefile is written by both"):
        project_files(tmp_path)


def test_a_broken_template_names_itself():
    with pytest.raises(RuntimeError, match=r"template validate/main\.c\.j2: .*undefined"):
        render(VALIDATE_DIR / "main.c.j2", {})


def test_a_wheel_ships_every_template(tmp_path):
    """setup.cfg's package_data: a wheel built from this tree holds every file of firmware_template/."""
    pytest.importorskip("setuptools", reason="building a wheel needs setuptools (make setup installs it)")
    pytest.importorskip("wheel", reason="building a wheel needs the wheel package (make setup installs it)")
    src = tmp_path / "src"
    src.mkdir()
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    for name in ("attendnets", "attendnets_base", "attendnets_tf", "converter", "codegen", "validation",
                 "firmware_template"):
        shutil.copytree(REPO / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(tmp_path / "dist"), str(src)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    shipped = {n for n in zipfile.ZipFile(wheel).namelist() if n.startswith("firmware_template/")}
    expected = {f"firmware_template/{rel}" for rel in template_files(TEMPLATE_DIR)}
    assert expected - shipped == set(), "templates a pip install would lack"
