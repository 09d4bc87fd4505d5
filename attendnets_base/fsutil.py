"""Output files that never look valid when half-written.

Everything the tool writes goes to a temporary sibling first and is renamed
into place only once complete, so an interrupted or failed command leaves no
plausible-looking model, report or firmware tree behind.
"""

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from attendnets_base.errors import BadInputError


def require_parent_dir(path):
    """Raise BadInputError unless the folder that will hold ``path`` exists."""
    parent = Path(path).resolve().parent
    if not parent.is_dir():
        raise BadInputError(f"output folder does not exist: {parent}")
    return Path(path)


def require_file(path, what="file"):
    """Raise BadInputError unless ``path`` is an existing regular file."""
    p = Path(path)
    if not p.exists():
        raise BadInputError(f"{what} not found: {p}")
    if not p.is_file():
        raise BadInputError(f"{what} is not a file: {p}")
    return p


@contextlib.contextmanager
def atomic_output_file(path, suffix=None):
    """Yield a temporary path next to ``path``; rename it to ``path`` on success.

    On any exception the temporary file is removed and ``path`` is untouched.
    ``suffix`` defaults to the final suffix of ``path`` (some writers, e.g.
    Keras ``model.save``, need the right extension).
    """
    target = require_parent_dir(path)
    if suffix is None:
        suffix = target.suffix
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".tmp{suffix}", dir=target.parent)
    os.close(fd)
    os.unlink(tmp)  # writers create it themselves
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.lexists(tmp):
            if os.path.isdir(tmp):
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                os.unlink(tmp)


def write_bytes_atomic(path, data: bytes):
    with atomic_output_file(path) as tmp:
        Path(tmp).write_bytes(data)


def write_text_atomic(path, text: str):
    with atomic_output_file(path) as tmp:
        Path(tmp).write_text(text)


@contextlib.contextmanager
def atomic_output_dir(path):
    """Yield a temporary folder next to ``path``; rename it to ``path`` on success.

    ``path`` must not exist yet (callers decide how to treat an existing one).
    """
    target = require_parent_dir(path)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
