"""The layout of docs/architecture.md holds: who may import whom, no circles, the extra.

Imports are read from the source (every ``import``/``from`` statement, also those inside
functions), so a lazy import that breaks the rule is caught as well as a top-level one.
"""

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("attendnets_base", "attendnets", "attendnets_tf", "converter", "codegen", "validation", "firmware_template")
TENSORFLOW = ("tensorflow", "tf_keras", "keras", "tensorflow_model_optimization")

# package prefix -> module prefixes it must never import (docs/architecture.md).
FORBIDDEN = {
    # The ground floor imports nothing of the project; nothing below the CLI imports the CLI.
    "attendnets_base": TENSORFLOW + ("attendnets", "attendnets_tf", "converter", "codegen", "validation"),
    "attendnets_tf": ("attendnets", "converter", "codegen", "validation"),
    # Templates and data: where they live is all it says.
    "firmware_template": TENSORFLOW + ("attendnets_base", "attendnets", "attendnets_tf", "converter", "codegen",
                                       "validation", "jinja2"),
    "converter.tflite_model": TENSORFLOW + ("attendnets", "converter.conversion", "converter.tflm", "converter.report", "codegen"),
    "converter.tflm": TENSORFLOW + ("attendnets", "converter.conversion", "converter.report", "converter.planner", "codegen",
                                    "attendnets_tf"),
    "converter.planner": TENSORFLOW + ("attendnets", "converter.conversion", "converter.report", "codegen", "attendnets_tf"),
    "converter.report": TENSORFLOW + ("attendnets", "converter.conversion", "codegen", "attendnets_tf"),
    "converter.conversion": ("attendnets", "codegen", "validation"),
    "codegen": TENSORFLOW + ("attendnets", "converter.conversion", "attendnets_tf", "validation"),
    "validation": TENSORFLOW + ("attendnets", "converter.conversion", "attendnets_tf"),
}


def module_name(path):
    rel = path.relative_to(REPO).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def imported_modules(path):
    """Every module name an import statement of ``path`` names (absolute; relative resolved)."""
    tree = ast.parse(path.read_text(), str(path))
    owner = module_name(path) if path.is_relative_to(REPO) else path.stem
    package = owner if path.name == "__init__.py" else owner.rpartition(".")[0]
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def source_modules():
    for package in PACKAGES:
        root = REPO / package
        if root.is_dir():
            yield from sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def matches(name, prefix):
    return name == prefix or name.startswith(prefix + ".")


def test_no_module_imports_what_its_package_must_not():
    broken = []
    for path in source_modules():
        owner = module_name(path)
        rules = [(pkg, bad) for pkg, bad in FORBIDDEN.items() if matches(owner, pkg)]
        if not rules:
            continue
        pkg, bad = max(rules, key=lambda r: len(r[0]))  # the most specific rule
        for name in imported_modules(path):
            if any(matches(name, b) for b in bad):
                broken.append(f"{owner} imports {name} ({pkg} must not import it)")
    assert not broken, "\n".join(broken)


def test_the_checker_sees_a_forbidden_lazy_import(tmp_path):
    # The rule above must be able to fail: a lazy import inside a function is found.
    sample = tmp_path / "x.py"
    sample.write_text("def f():\n    from converter.conversion.convert import convert\n")
    assert "converter.conversion.convert" in imported_modules(sample)


def test_no_import_circle_between_packages():
    # Package-level graph (attendnets_tf, converter.<room>, codegen, ...): no cycles.
    def unit(name):
        parts = name.split(".")
        if parts[0] == "converter" and len(parts) > 1 and parts[1] != "tflite_model":
            return ".".join(parts[:2])
        return parts[0]

    edges = {}
    units = set()
    for path in source_modules():
        src = unit(module_name(path))
        units.add(src)
        for name in imported_modules(path):
            if name.split(".")[0] in PACKAGES and name.split(".")[0] != "attendnets":
                dst = unit(name)
                if dst != src:
                    edges.setdefault(src, set()).add(dst)

    state = {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in edges.get(node, ()):
            if state.get(nxt) == "open":
                pytest.fail("import circle: " + " -> ".join(stack + [node, nxt]))
            if nxt not in state:
                visit(nxt, stack + [node])
        state[node] = "done"

    for node in sorted(units):
        if node not in state:
            visit(node, [])


def module_edges(owner, path, known):
    """``(module, line, inside_a_function)`` for each project module ``path`` imports, file by file:
    ``from pkg import name`` is an edge to ``pkg.name`` where that is a module of ``known``, else to
    ``pkg`` (its ``__init__``); relative imports resolved; imports inside functions included."""
    tree = ast.parse(path.read_text(), str(path))
    package = owner if path.name == "__init__.py" else owner.rpartition(".")[0]
    in_function = {id(node) for fn in ast.walk(tree) if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
                   for node in ast.walk(fn) if isinstance(node, (ast.Import, ast.ImportFrom))}
    edges = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:  # `import a.b.c` names module a.b.c; a.b.c.attr -> a.b.c
                target = target.rpartition(".")[0]
            if target and target != owner:
                edges.append((target, node.lineno, id(node) in in_function))
    return edges


def module_graph(paths):
    """module -> {imported module: "file:line"} over ``paths`` (module name -> file)."""
    graph = {}
    for owner, path in paths.items():
        for target, line, _ in module_edges(owner, path, paths):
            graph.setdefault(owner, {}).setdefault(target, f"{path.name}:{line}")
    return graph


def import_circles(graph):
    """The strongly connected components of more than one module (Tarjan), each as a list of
    "a -> b (file:line)" edges inside it; empty when the graph has no circle."""
    index, low, stack, on_stack, circles = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.add(top)
                if top == node:
                    break
            if len(component) > 1:
                circles.append(sorted(f"{a} -> {b} ({where})" for a in component
                                      for b, where in graph.get(a, {}).items() if b in component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return circles


def project_modules():
    return {module_name(path): path for path in source_modules()}


def test_no_import_circle_between_files():
    # File-level: an import inside a function that closes a circle counts as much as a top-level one.
    circles = import_circles(module_graph(project_modules()))
    assert not circles, "import circles:\n" + "\n\n".join("\n".join(c) for c in circles)


def test_the_file_circle_checker_finds_a_circle_through_a_lazy_import(tmp_path):
    # It must be able to fail: a.py imports b at the top, b imports a.x (a name, not a module)
    # inside a function, via a relative import; c imports pkg.b by `from pkg import b` (a module).
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg.b import g\nx = 1\n")
    (pkg / "b.py").write_text("def g():\n    from .a import x\n    return x\n")
    (pkg / "c.py").write_text("from pkg import b\n")
    paths = {f"pkg.{p.stem}" if p.stem != "__init__" else "pkg": p for p in pkg.glob("*.py")}
    graph = module_graph(paths)
    assert graph["pkg.c"] == {"pkg.b": "c.py:1"}
    circles = import_circles(graph)
    assert circles == [["pkg.a -> pkg.b (a.py:1)", "pkg.b -> pkg.a (b.py:2)"]]
    (pkg / "b.py").write_text("def g():\n    return 1\n")
    assert import_circles(module_graph(paths)) == []


# The floors of docs/architecture.md, bottom (0) to top: a module imports only from its own room
# or a lower floor.  Rooms on one floor do not import each other (codegen and converter.conversion).
FLOORS = {
    "attendnets_base": 0, "firmware_template": 0,
    "attendnets_tf": 1, "converter": 1, "converter.tflite_model": 1,
    "converter.tflm": 2,
    "converter.planner": 3,
    "converter.report": 4,
    "codegen": 5, "converter.conversion": 5,
    "validation": 6,
    "attendnets": 7,
}


def room(module):
    """The most specific FLOORS entry that ``module`` lies in."""
    return max((r for r in FLOORS if matches(module, r)), key=len)


def floor_violations(graph):
    broken = []
    for owner, targets in sorted(graph.items()):
        for target, where in sorted(targets.items()):
            src, dst = room(owner), room(target)
            if src != dst and FLOORS[dst] >= FLOORS[src]:
                broken.append(f"{owner} (floor {FLOORS[src]}, {src}) imports {target} "
                              f"(floor {FLOORS[dst]}, {dst}) at {where}")
    return broken


def test_no_import_runs_up_a_floor():
    graph = module_graph(project_modules())
    assert all(room(m) for m in project_modules())
    broken = floor_violations(graph)
    assert not broken, "\n".join(broken)


def test_the_floor_checker_sees_an_import_up():
    assert floor_violations({"codegen.generate": {"converter.tflm.check": "g.py:1"}}) == []
    assert floor_violations({"converter.tflm.arena": {"codegen.c_types": "a.py:9"}}) == [
        "converter.tflm.arena (floor 2, converter.tflm) imports codegen.c_types (floor 5, codegen) at a.py:9"]
    assert floor_violations({"attendnets_base.errors": {"attendnets.cli": "e.py:3"}})
    assert floor_violations({"codegen.generate": {"converter.conversion.convert": "g.py:1"}})


# Imports sit at the top of the module; only these heavy optional dependencies are imported inside
# the functions that need them, so the .tflite commands (check, report, generate, ...) start fast and
# run where they are not installed.  Measured with `python -X importtime` (2-core machine):
HEAVY = {
    # TensorFlow and its Keras/tfmot: seconds to start, and absent without `pip install 'attendnets[train]'`.
    "tensorflow": "TensorFlow", "tf_keras": "TensorFlow", "keras": "TensorFlow",
    "tensorflow_model_optimization": "TensorFlow",
    # The host TFLM interpreter (~0.5 s, a native library): only predict/evaluate/validate's reference,
    # arena --measure, the host harness and a --sample's range run it.
    "tflite_micro": "tflite-micro's interpreter",
    # scikit-learn (~3 s): only the built-in digits data set.
    "sklearn": "scikit-learn",
}
# The one project module that imports TensorFlow (docs/architecture.md); a project module whose top
# imports reach a heavy dependency is heavy too (heavy_modules follows them).
HEAVY_PROJECT = {"attendnets_tf._tf"}


def top_level_targets(owner, path, known):
    tree = ast.parse(path.read_text(), str(path))
    names = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def heavy_modules(paths):
    """The project modules whose top-level imports reach HEAVY (directly or through another)."""
    top = {owner: top_level_targets(owner, path, paths) for owner, path in paths.items()}
    heavy = set(HEAVY_PROJECT)
    grew = True
    while grew:
        grew = False
        for owner, names in top.items():
            if owner not in heavy and any(n.split(".")[0] in HEAVY or n in heavy for n in names):
                heavy.add(owner)
                grew = True
    return heavy


def function_level_imports(owner, path, paths):
    """``(line, statement, names)`` for each import inside a function of ``path``."""
    tree = ast.parse(path.read_text(), str(path))
    found = {}
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(fn):
                if isinstance(node, ast.Import):
                    found[node.lineno] = (ast.unparse(node), [alias.name for alias in node.names])
                elif isinstance(node, ast.ImportFrom):
                    targets = [t for t, line, _ in module_edges(owner, path, paths) if line == node.lineno]
                    names = [node.module] if node.module and not node.level else []
                    found[node.lineno] = (ast.unparse(node), names + targets)
    return sorted((line, stmt, names) for line, (stmt, names) in found.items())


def light_imports_inside_functions(paths):
    heavy = heavy_modules(paths)
    broken = []
    for owner, path in paths.items():
        for line, stmt, names in function_level_imports(owner, path, paths):
            if not any(n.split(".")[0] in HEAVY or n in heavy for n in names):
                broken.append(f"{path.name}:{line} ({owner}): `{stmt}` belongs at the top of the module")
    return broken


def test_imports_inside_functions_are_only_heavy_ones():
    broken = light_imports_inside_functions(project_modules())
    assert not broken, "\n".join(broken)


def test_the_import_placement_checker_sees_a_light_lazy_import(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "tfuser.py").write_text("import tensorflow as tf\n")
    (pkg / "a.py").write_text(
        "def f():\n    import json\n    from . import tfuser\n    from tflite_micro.python import x\n"
        "    from pkg.b import g\n")
    (pkg / "b.py").write_text("def g():\n    pass\n")
    paths = {f"pkg.{p.stem}" if p.stem != "__init__" else "pkg": p for p in pkg.glob("*.py")}
    assert heavy_modules(paths) == HEAVY_PROJECT | {"pkg.tfuser"}
    assert light_imports_inside_functions(paths) == [
        "a.py:2 (pkg.a): `import json` belongs at the top of the module",
        "a.py:5 (pkg.a): `from pkg.b import g` belongs at the top of the module"]


# The runtime's name appears where the user chooses it and in messages, nowhere else: code asks the
# runtime object (codegen.runtimes.base.Runtime's attributes), never compares its name.
RUNTIME_NAME_ALLOWED = {
    "codegen.runtimes": "the registry of runtimes and the runtime objects themselves",
    "attendnets.commands.options": "--runtime's option parsing",
    "attendnets.commands.predict": "--interpreter names host interpreters (tflm, tflite), not firmware runtimes",
    "attendnets.commands.validate": "--layers-runtimes parsing: the host runners the user asks to compare",
    "codegen.demo": "the demo picks a runtime for each step as a user on the command line does",
}


def runtime_name_uses(path, names):
    """``line: code`` where ``path`` compares a value with a runtime name (==, !=, in, match), passes
    one to get_runtime, or gives one as a ``runtime=`` argument."""
    tree = ast.parse(path.read_text(), str(path))

    def is_name(node):
        return isinstance(node, ast.Constant) and node.value in names

    def constants(node):
        return node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else [node]

    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            if any(is_name(c) for side in [node.left, *node.comparators] for c in constants(side)):
                found.append(node)
        elif isinstance(node, ast.Call):
            callee = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if (callee == "get_runtime" and any(is_name(a) for a in node.args)) or any(
                    k.arg == "runtime" and is_name(k.value) for k in node.keywords):
                found.append(node)
        elif isinstance(node, ast.match_case) and any(is_name(c) for c in ast.walk(node.pattern)):
            found.append(node.pattern)
    return sorted(f"{node.lineno}: {ast.unparse(node)}" for node in found)


def test_the_runtime_name_is_compared_only_where_the_user_chooses_it():
    from codegen.runtimes import RUNTIME_NAMES

    broken = []
    for owner, path in project_modules().items():
        if any(matches(owner, allowed) for allowed in RUNTIME_NAME_ALLOWED):
            continue
        broken += [f"{path.relative_to(REPO)}:{use}" for use in runtime_name_uses(path, set(RUNTIME_NAMES))]
    assert not broken, "ask the runtime object instead of comparing its name:\n" + "\n".join(broken)


def test_the_runtime_name_checker_sees_a_branch_on_the_name(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("def f(rt, name):\n    if rt.name == 'compiled':\n        pass\n"
                      "    if name in ('tflm', 'other'):\n        pass\n    g(runtime='tflm')\n"
                      "    match name:\n        case 'tflm':\n            pass\n"
                      "    print(f'the {rt.name} runtime')  # a message\n    return get_runtime('compiled')\n")
    assert runtime_name_uses(sample, {"tflm", "compiled"}) == [
        "11: get_runtime('compiled')", "2: rt.name == 'compiled'", "4: name in ('tflm', 'other')",
        "6: g(runtime='tflm')", "8: 'tflm'"]


def test_every_package_says_what_it_is_and_must_not_import():
    for init in sorted(REPO.glob("*/__init__.py")) + sorted(REPO.glob("*/*/__init__.py")):
        if init.parts[-2] in ("tests", "commands", "runners") or ".venv" in init.parts:
            continue
        doc = ast.get_docstring(ast.parse(init.read_text()))
        assert doc, f"{init.relative_to(REPO)} has no docstring"


def test_a_command_that_needs_the_training_extra_says_how_to_get_it(tmp_path):
    # TensorFlow blocked as if `pip install attendnets` had no [train] extra.
    script = textwrap.dedent(f"""
        import sys
        for name in ("tensorflow", "tf_keras", "tensorflow_model_optimization"):
            sys.modules[name] = None
        from attendnets.cli import main
        sys.exit(main(["quantize", {str(tmp_path / 'missing.keras')!r}, "--data", "digits",
                       "--out", {str(tmp_path / 'q.keras')!r}]))
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=REPO)
    lines = [l for l in proc.stderr.splitlines() if l.strip()]
    assert proc.returncode != 0 and "Traceback" not in proc.stderr, proc.stderr
    assert len(lines) == 1 and "pip install 'attendnets[train]'" in lines[0], proc.stderr


def test_the_tflite_path_runs_without_tensorflow_installed(tmp_path):
    # check and report of a .tflite with TensorFlow made unimportable.
    from tflite_builder import int8_fc_model

    model = tmp_path / "m.tflite"
    model.write_bytes(int8_fc_model())
    script = textwrap.dedent(f"""
        import sys
        for name in ("tensorflow", "tf_keras", "tensorflow_model_optimization", "keras"):
            sys.modules[name] = None
        from attendnets.cli import main
        assert main(["check", {str(model)!r}]) == 0
        assert main(["report", {str(model)!r}]) == 0
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]


def attribute_submodules_not_imported(path):
    """``(package, attribute)`` pairs where ``path`` reads ``package.attribute`` after ``import package``
    without importing ``package.attribute`` itself (``importlib.util`` after ``import importlib``)."""
    tree = ast.parse(path.read_text(), str(path))
    plain = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
             for alias in node.names if alias.asname is None}
    named = imported_modules(path)
    return {(node.value.id, node.attr) for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id in plain and f"{node.value.id}.{node.attr}" not in named}


def _standard_submodule_left_unloaded(package, attribute):
    # A bare interpreter (-I -S: no site, no .pth file that imports things for us): is ``attribute``
    # a submodule that ``import package`` does not load?  Third-party packages are not visible there
    # and are left out (their __init__ decides, and the light-install test runs them for real).
    script = textwrap.dedent(f"""
        import sys
        try:
            import {package}
        except ImportError:
            sys.exit(0)
        if hasattr({package}, {attribute!r}) or getattr({package}, "__path__", None) is None:
            sys.exit(0)
        import importlib.util
        sys.exit(1 if importlib.util.find_spec({f"{package}.{attribute}"!r}) is not None else 0)
    """)
    return subprocess.run([sys.executable, "-I", "-S", "-c", script], timeout=60).returncode == 1


def test_a_submodule_used_as_an_attribute_is_imported_by_name():
    # `import importlib` then `importlib.util.find_spec(...)` works only where something else happened
    # to import importlib.util first (our dev venv's .pth files did; a plain `pip install .` did not:
    # every .tflite command died with "module 'importlib' has no attribute 'util'").
    uses = {}
    for path in source_modules():
        for pair in attribute_submodules_not_imported(path):
            uses.setdefault(pair, []).append(module_name(path))
    broken = [f"{', '.join(sorted(owners))} use {package}.{attr} without `import {package}.{attr}`"
              for (package, attr), owners in sorted(uses.items()) if _standard_submodule_left_unloaded(package, attr)]
    assert not broken, "\n".join(broken)


def test_the_submodule_checker_sees_importlib_util(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("import importlib\n\ndef f():\n    return importlib.util.find_spec('x')\n")
    assert ("importlib", "util") in attribute_submodules_not_imported(sample)
    assert _standard_submodule_left_unloaded("importlib", "util")
    sample.write_text("import importlib\nimport importlib.util\n\nimportlib.util.find_spec('x')\n")
    assert not attribute_submodules_not_imported(sample)
