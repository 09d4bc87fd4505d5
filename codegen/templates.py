"""The one Jinja environment of the generated firmware and the listing of template trees.

Every template is named by its path under ``firmware_template/`` (``common/Makefile.j2``,
``compiled/model/model.c.j2``, ``validate/main.c.j2``); firmware_template's ``__init__`` says
where each tree lives. The environment is strict (``StrictUndefined``: a missing variable is an
error, never an empty string) and keeps the templates' whitespace as C and Make want it
(``trim_blocks``, ``lstrip_blocks``, ``keep_trailing_newline``, no autoescape).
"""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2

from firmware_template import COMMON_DIR, TEMPLATE_DIR

TEMPLATE_SUFFIX = ".j2"


@functools.cache
def environment() -> jinja2.Environment:
    """The Jinja environment every generated file is rendered with (one per process)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def template_name(path: Path) -> str:
    """The environment's name of the template at ``path`` (a file under firmware_template/)."""
    return Path(path).resolve().relative_to(TEMPLATE_DIR).as_posix()


def render(path: Path, context: dict) -> str:
    """The template at ``path`` rendered with ``context``; RuntimeError naming it if the template is broken."""
    name = template_name(path)
    try:
        return environment().get_template(name).render(**context)
    except jinja2.TemplateError as exc:  # a bug in a template, not a user error
        raise RuntimeError(f"template {name}: {exc}") from exc


def template_files(root: Path) -> list:
    """Relative POSIX paths of every file under ``root``, sorted."""
    return sorted(p.relative_to(root).as_posix() for p in Path(root).rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts)


def output_name(rel: str) -> str:
    """The generated file's path for the template file ``rel`` (``.j2`` dropped)."""
    return rel[: -len(TEMPLATE_SUFFIX)] if rel.endswith(TEMPLATE_SUFFIX) else rel


def project_files(runtime_project_dir: Path) -> dict:
    """``{output path: source file}`` of a project: ``common/`` and the runtime's own tree laid beside it.

    The two trees must not write the same output path (RuntimeError: a layout bug, not a user error).
    """
    files = {}
    for root in (COMMON_DIR, Path(runtime_project_dir)):
        for rel in template_files(root):
            out = output_name(rel)
            if out in files:
                raise RuntimeError(f"{out} is written by both {files[out]} and {root / rel}")
            files[out] = root / rel
    return dict(sorted(files.items()))


def render_tree(files: dict, context: dict) -> dict:
    """``{output path: str | bytes}``: each ``.j2`` source rendered, every other file's bytes as they are."""
    return {out: render(src, context) if src.name.endswith(TEMPLATE_SUFFIX) else src.read_bytes()
            for out, src in files.items()}
