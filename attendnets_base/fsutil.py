"""Output files that never look valid when half-written.

Everything the tool writes goes to a temporary sibling first and is renamed
into place only once complete, so an interrupted or failed command leaves no
plausible-looking model, report or firmware tree behind.

And nothing the tool writes replaces what the user did not ask it to replace:
:func:`check_output_file` is the one rule every output option follows (``--out``,
``--html``, ``--project``): never a path that is an input of the same command, never an
existing file attendnets did not write, unless ``--overwrite``; an empty name is refused.
"""

import contextlib
import errno
import os
import shutil
import tempfile
from pathlib import Path
import fcntl

from attendnets_base.errors import BadInputError, OutputError


def require_parent_dir(path):
    """Raise BadInputError unless the folder that will hold ``path`` exists and can be written
    (checked before any work, so a long run never ends in "cannot write")."""
    parent = Path(path).resolve().parent
    if not parent.is_dir():
        raise BadInputError(f"output folder does not exist: {parent}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {path}: folder {parent} is not writable")
    return Path(path)


def require_file(path, what="file"):
    """Raise BadInputError unless ``path`` is an existing regular file."""
    p = Path(path)
    if not p.exists():
        raise BadInputError(f"{what} not found: {p}")
    if not p.is_file():
        raise BadInputError(f"{what} is not a file: {p}")
    return p


#: OSError numbers without a file name that still mean "the output could not be written".
_WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM})


def cannot_write(target, exc: OSError) -> OutputError:
    """The one-line error for ``exc``, met while writing ``target``: it names ``target`` (the user's path),
    never the temporary sibling, and says why in words."""
    target = Path(target)
    folder = target.resolve().parent
    if exc.errno in (errno.EACCES, errno.EPERM) and not os.access(folder, os.W_OK | os.X_OK):
        reason = f"folder {folder} is not writable"
    elif exc.errno in (errno.EACCES, errno.EPERM) and target.exists() and not os.access(target, os.W_OK):
        reason = f"{target} is not writable"
    else:
        reason = (exc.strerror or type(exc).__name__).lower()
    return OutputError(f"cannot write {target}: {reason}")


def _about(exc: OSError, *temporary) -> bool:
    """Whether ``exc`` was raised writing one of the ``temporary`` paths (or, with no file name, a full disk)."""
    names = [str(n) for n in (exc.filename, exc.filename2) if n is not None]
    if not names:
        return exc.errno in _WRITE_ERRNOS
    return any(name == str(t) or name.startswith(str(t) + os.sep) for name in names for t in temporary)
#: Every HTML page attendnets writes carries this tag in its <head>: how an existing page is
#: recognised as ours (and so replaceable without --overwrite).
HTML_GENERATOR_META = '<meta name="generator" content="attendnets">'
_HTML_SNIFF_BYTES = 4096


def is_our_html(path):
    """True if ``path`` is an HTML page attendnets wrote (its head holds :data:`HTML_GENERATOR_META`)."""
    try:
        with open(path, "rb") as f:
            head = f.read(_HTML_SNIFF_BYTES)
    except OSError:
        return False
    return HTML_GENERATOR_META.encode() in head


def same_file(a, b):
    """True if paths ``a`` and ``b`` name the same file (links and ``..`` followed)."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet): compare the names
        return Path(a).resolve() == Path(b).resolve()


def check_output_file(path, option, inputs=(), overwrite=False, ours=None):
    """The rule for a file a command is about to write; returns it as a Path (None stays None).

    BadInputError, in one line naming ``option`` and the path, when ``path`` is empty, is a
    folder, is one of ``inputs`` (``(path, what)`` pairs: the files this command reads), or
    exists and ``ours(path)`` does not recognise it as written by attendnets; the last two
    unless ``overwrite`` (the user's ``--overwrite``).  Also checks that its folder exists.
    """
    if path is None:
        return None
    if not str(path).strip():
        raise BadInputError(f"{option} needs a file name (got an empty one)")
    target = Path(path)
    if target.is_dir():
        raise BadInputError(f"{option} {target} is a folder: give a file name")
    for source, what in inputs:
        if source is not None and str(source).strip() and same_file(target, source) and not overwrite:
            raise BadInputError(f"{option} {target} is {what} this command reads: writing there would replace it; "
                                "choose another path (or pass --overwrite)")
    if os.path.lexists(target) and not overwrite and not (ours is not None and ours(target)):
        raise BadInputError(f"{option} {target} exists and was not written by attendnets: choose another path, "
                            "or pass --overwrite to replace it")
    return require_parent_dir(target)


@contextlib.contextmanager
def _renamed_on_success(tmp: Path, target: Path):
    """Yield ``tmp``; rename it to ``target`` when the block succeeds, and remove what is left of it (a file or a
    folder) in any case.  An OSError about either path raises :class:`OutputError` naming ``target``."""
    try:
        yield tmp
        os.replace(tmp, target)
    except OSError as exc:
        if _about(exc, tmp, target):
            raise cannot_write(target, exc) from None
        raise
    finally:
        if os.path.lexists(tmp):
            if os.path.isdir(tmp):
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                os.unlink(tmp)


@contextlib.contextmanager
def atomic_output_file(path, suffix=None):
    """Yield a temporary path next to ``path``; rename it to ``path`` on success.

    On any exception the temporary file is removed and ``path`` is untouched.
    ``suffix`` defaults to the final suffix of ``path`` (some writers, e.g.
    Keras ``model.save``, need the right extension).  A write that fails (permissions,
    read-only file system, full disk) raises :class:`OutputError` naming ``path``.
    """
    target = require_parent_dir(path)
    if suffix is None:
        suffix = target.suffix
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".tmp{suffix}", dir=target.parent)
    except OSError as exc:
        raise cannot_write(target, exc) from None
    os.close(fd)
    os.unlink(tmp)  # writers create it themselves
    with _renamed_on_success(Path(tmp), target) as written:
        yield written


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
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    except OSError as exc:
        raise cannot_write(target, exc) from None
    with _renamed_on_success(tmp, target) as written:
        yield written


def user_cache_dir() -> Path:
    """attendnets' folder in the user cache: ``$ATTENDNETS_CACHE``, else ``$XDG_CACHE_HOME/attendnets``,
    else ``~/.cache/attendnets`` (the TFLM objects, the timing plugin, validation builds)."""
    root = os.environ.get("ATTENDNETS_CACHE")
    if root:
        return Path(root)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "attendnets"


@contextlib.contextmanager
def exclusive_lock(lock_path, log=None, what="another attendnets run", waiting=None, cannot=None):
    """Hold an exclusive ``fcntl.flock`` on ``lock_path`` (created, with its folder) while the block runs;
    says once through ``log`` when it waits for ``what`` (or the whole line ``waiting``). BadInputError when
    the file cannot be made: ``cannot`` (given the OS's words) makes its message."""
    lock_path = Path(lock_path)
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock_path, "a+")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise BadInputError(cannot(reason) if cannot else f"cannot lock {lock_path}: {reason} (set "
                            "ATTENDNETS_CACHE to a writable folder)") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if log is not None:
                log(waiting or f"waiting for {what} using {lock_path.parent}")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
