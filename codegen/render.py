"""Render a template context into a project folder, atomically.

``render_project(context, project_dir, out_dir)`` renders the runtime's project
(``firmware_template/common`` with the runtime's own tree beside it,
:attr:`codegen.runtimes.base.Runtime.project_dir`; codegen.templates) with Jinja
(``StrictUndefined``: a missing variable is an error, never an empty string), copies the other
files as they are, writes the marker file, and only then moves the finished tree into place.
An existing folder is replaced only if it carries our marker
(``.attendnets-project``); an interrupted run leaves either the old or the new
project.

The rule for a folder generate made before (docs/firmware.md, "Regenerating"):
the marker lists every file generate wrote with its SHA-256.  On regeneration

- files generate did not write (``src/my_app.c``, ``NOTES.md``) and the build
  folders move into the new tree untouched;
- a file generate wrote and the user changed since is never replaced or removed
  silently: generate refuses and names the files, unless ``overwrite`` is set;
- a file of the user's at a path generate now writes counts as changed too.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from attendnets_base.errors import AttendnetsError, BadInputError
from codegen.templates import project_files, render_tree
from attendnets_base.fsutil import cannot_write
from attendnets_base.fsutil import write_text_atomic

MARKER_FILE = ".attendnets-project"
# Kept when generate replaces its own folder: make's and CMake's build folders (the TFLM objects
# in them take minutes to compile; make and CMake rebuild whatever the new sources change).
PRESERVED_DIRS = ("build", "build-cmake")
PROJECT_FILE = "project.json"
# Files only some boards get: relative path -> predicate on the context.
OPTIONAL_FILES = {
    "platform/boot2_rp2040.S": lambda ctx: ctx["board"].name == "rpi-pico",
    "tools/uf2conv.py": lambda ctx: ctx["board"].name == "rpi-pico",
}


def render_files(context, project_dir) -> dict:
    """``{relative output path: str | bytes}`` for the context and a runtime's project tree (nothing written)."""
    files = project_files(project_dir)
    for out_rel, include in OPTIONAL_FILES.items():
        if out_rel in files and not include(context):
            del files[out_rel]
    return render_tree(files, context)


def is_our_project(path) -> bool:
    return (Path(path) / MARKER_FILE).is_file()


def _sha256(data) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def read_manifest(out_dir):
    """``{relative path: sha256}`` of the files generate wrote into ``out_dir``; None for an older marker."""
    try:
        marker = json.loads((Path(out_dir) / MARKER_FILE).read_text())
        files = marker["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return dict(files) if isinstance(files, dict) else None


def record_written_files(out_dir, files):
    """Note in the marker that attendnets wrote ``files`` (``{relative path: str | bytes}``) into the
    project ``out_dir`` after generate (``attendnets validate``'s main): regenerating then treats them
    as its own, and a later change by the user as the user's."""
    out = Path(out_dir)
    marker_path = out / MARKER_FILE
    try:
        marker = json.loads(marker_path.read_text())
    except (OSError, ValueError):
        return
    if not isinstance(marker.get("files"), dict):
        return
    marker["files"].update({rel: _sha256(content) for rel, content in files.items()})

    write_text_atomic(marker_path, json.dumps(marker, indent=1) + "\n")


def _tree_files(root: Path):
    """Relative POSIX paths of the files (and links) under ``root``, build folders and the marker excluded."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root)
        if rel_dir == Path("."):
            dirnames[:] = [d for d in dirnames if d not in PRESERVED_DIRS]
        for d in list(dirnames):
            if os.path.islink(os.path.join(dirpath, d)):
                found.append((rel_dir / d).as_posix())
                dirnames.remove(d)
        found += [(rel_dir / f).as_posix() for f in filenames]
    return sorted(f for f in found if f != MARKER_FILE)


@dataclass(frozen=True)
class Regeneration:
    """What regenerating into an existing project does with the files already there."""

    kept: tuple = ()  # files generate did not write: moved into the new tree as they are
    changed: tuple = ()  # generated files the user changed (or user files where generate now writes)
    overwritten: tuple = ()  # ``changed`` files replaced because overwrite was asked for


def plan_regeneration(out_dir, files, overwrite=False) -> Regeneration:
    """Compare an existing project with the files about to be written; BadInputError on unasked overwrites."""
    out = Path(out_dir)
    if not out.is_dir():
        return Regeneration()
    manifest = read_manifest(out)
    kept, changed = [], []
    for rel in _tree_files(out):
        path = out / rel
        new = files.get(rel)
        current = None if path.is_symlink() or not path.is_file() else _sha256(path.read_bytes())
        if new is not None and current == _sha256(new):
            continue  # the same bytes either way
        if manifest is not None and rel in manifest:
            if current != manifest[rel]:
                changed.append(rel)  # ours, edited since
        elif manifest is None and new is not None:
            continue  # a project from a generator that kept no list: its files at our paths are ours
        elif new is not None:
            changed.append(rel)  # the user's file where generate now writes
        else:
            kept.append(rel)
    if changed and not overwrite:
        shown = ", ".join(changed[:8]) + (f" and {len(changed) - 8} more" if len(changed) > 8 else "")
        raise BadInputError(
            f"{out}: {len(changed)} file(s) attendnets generated were changed since ({shown}); "
            "regenerating would replace them: pass --overwrite to replace them, or move your changes into "
            "files of your own (files attendnets did not write are kept)")
    return Regeneration(tuple(kept), tuple(changed), tuple(changed) if overwrite else ())


def _writable_tree(out: Path):
    """BadInputError unless every folder of ``out`` can be changed (regeneration moves and removes files)."""
    for dirpath, dirnames, _ in os.walk(out):
        if not os.access(dirpath, os.W_OK | os.X_OK):
            raise BadInputError(f"cannot regenerate {out}: folder {dirpath} is not writable (fix its permissions "
                                "or choose another --out)")
        dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]


def check_output_dir(out_dir):
    """BadInputError unless ``out_dir`` is absent, empty, or a project we generated, in a writable folder."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise BadInputError(f"output path exists and is not a folder: {out}")
    if out.is_dir() and any(out.iterdir()) and not is_our_project(out):
        raise BadInputError(
            f"output folder {out} exists and was not made by attendnets generate (no {MARKER_FILE}): "
            "choose another --out or remove it")
    parent = out.resolve().parent
    if not parent.is_dir():
        raise BadInputError(f"parent folder of --out does not exist: {parent}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise BadInputError(f"cannot write the project: folder {parent} is not writable")
    if out.is_dir():
        _writable_tree(out)


def _write_error(exc, tmp, out):
    """The OutputError for ``exc``, met while writing the project into ``tmp`` before it becomes ``out``."""
    target = out
    name = str(exc.filename) if exc.filename is not None else ""
    if name == str(tmp) or name.startswith(str(tmp) + os.sep):
        target = out / os.path.relpath(name, tmp)
    return cannot_write(target, exc)


def render_project(context, project_dir, out_dir, extra_files=None, project_facts=None, overwrite=False,
                   regeneration=None, files=None) -> Path:
    """Render common/ and the runtime's ``project_dir`` into ``out_dir`` atomically; returns its path.

    ``extra_files``: ``{relative path: bytes}`` copied as they are (the .tflite);
    ``project_facts``: JSON-able dict written to project.json for build/size/flash;
    ``overwrite``: replace generated files the user changed (else BadInputError naming them);
    ``regeneration``: a list that receives the :class:`Regeneration` (what was kept and replaced);
    ``files``: ``{relative path: str | bytes}`` already rendered (an export, codegen.exports) instead of the
    project tree.
    """
    out = Path(out_dir)
    check_output_dir(out)
    files = dict(files) if files is not None else render_files(context, project_dir)
    files.update(extra_files or {})
    files[PROJECT_FILE] = json.dumps(project_facts or {}, indent=2, sort_keys=True) + "\n"
    plan = plan_regeneration(out, files, overwrite)
    if regeneration is not None:
        regeneration.append(plan)
    marker = {
        "generator": f"attendnets {context['generator']['version']}",
        "note": ("attendnets generate wrote the files listed here; it may replace them when run again, keeps every "
                 "other file, and refuses to replace a listed file you changed unless given --overwrite"),
        "files": {rel: _sha256(content) for rel, content in sorted(files.items())},
    }
    files[MARKER_FILE] = json.dumps(marker, indent=1) + "\n"
    parent = out.resolve().parent
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=parent))
    tmp.chmod(0o755)  # mkdtemp makes it 0700
    old = None
    moved = []
    try:
        for rel, content in files.items():
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content)
            if rel.startswith("tools/") and rel.endswith(".py"):
                path.chmod(0o755)
        if out.exists():
            # build outputs (a compiled TFLM) and the user's own files survive regeneration
            for name in [n for n in PRESERVED_DIRS if (out / n).is_dir() and not (tmp / n).exists()] + list(plan.kept):
                (tmp / name).parent.mkdir(parents=True, exist_ok=True)
                os.replace(out / name, tmp / name)
                moved.append(name)
            old = parent / f".{out.name}.old-{os.getpid()}"
            os.replace(out, old)
        os.replace(tmp, out)
    except BaseException as exc:
        if old is not None and not out.exists():
            os.replace(old, out)  # put the previous project back
            old = None
        for name in reversed(moved):
            if os.path.lexists(tmp / name) and not os.path.lexists(out / name):
                (out / name).parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp / name, out / name)
        if isinstance(exc, OSError):  # a full disk, a quota: name the user's path, never the temporary copy
            raise _write_error(exc, tmp, out) from None
        raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    if old is not None:
        failures = []
        shutil.rmtree(old, onerror=lambda _f, path, exc: failures.append(f"{path}: {exc[1]}"))
        if failures:
            raise AttendnetsError(f"generated {out}, but the previous copy {old} could not be removed "
                                  f"({failures[0]}); remove it by hand")
    return out
