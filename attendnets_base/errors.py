"""The one error hierarchy of attendnets.

Every failure a user can cause (bad arguments, missing or broken files, a model
that cannot run on TFLM, a model that does not fit a board) raises a subclass
of :class:`AttendnetsError`.  The CLI catches the base class once, prints the
message on one line and exits with ``exit_code``; no traceback is shown.

Exit statuses, the same for every command (docs/report.md lists them for users):

- 0: done (for ``report --board``: the model fits);
- 1: the model cannot be analysed or run (unsupported operator or type), or an
  external tool failed;
- 2: bad input (arguments, missing or broken files) and an output that cannot be
  written (a folder or file that is not writable, a read-only file system, a full
  disk): the message names the user's path, never a temporary file;
- 3: internal error (a bug: run with ATTENDNETS_DEBUG=1 for the traceback);
- 4: the model does not fit the board (``report --board`` prints the report and
  exits 4; ``generate`` refuses with 4 unless ``--force``);
- 130: interrupted.

With ``--json`` a failure also prints ``{"error": MESSAGE, "exit_code": N}`` on
stdout (attendnets.cli).
"""

import errno


class AttendnetsError(Exception):
    """Base class; ``exit_code`` is the process exit status the CLI uses."""

    exit_code = 1


class BadInputError(AttendnetsError):
    """Bad arguments or input files (missing, unreadable, wrong kind). Exit 2."""

    exit_code = 2


#: OSError numbers that mean "this path cannot be read or written here": exit 2 like any bad path.
FILE_SYSTEM_ERRNOS = frozenset({
    errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.ENOENT, errno.ENOTDIR,
    errno.EISDIR, errno.EEXIST, errno.ENAMETOOLONG, errno.EFBIG, errno.ELOOP, errno.ETXTBSY,
})


class OutputError(BadInputError):
    """An output cannot be written (permissions, read-only file system, disk full). Exit 2.

    The message names the path the user asked for, never the temporary sibling it is written to first.
    """


class InvalidModelError(BadInputError):
    """A file that is not a readable TFLite flatbuffer / Keras model.

    ``where`` is a breadcrumb of what was being read when it broke,
    e.g. ``"subgraph 0 / tensor 12 / shape"``.
    """

    def __init__(self, message, where=None):
        if where:
            message = f"{message} (while reading {where})"
        super().__init__(message)
        self.where = where


class InvalidOfflinePlanError(BadInputError):
    """A model whose ``OfflineMemoryAllocation`` plan TFLM would refuse or run wrongly
    (wrong length, overlapping buffers), or made for another target. Exit 2."""


class UnsupportedOperatorError(AttendnetsError):
    """The model uses operators or types TFLM (or our estimator) cannot handle."""

    exit_code = 1


EXIT_DOES_NOT_FIT = 4


class DoesNotFitError(AttendnetsError):
    """The model does not fit the board's flash or RAM. Exit 4 (apart from "cannot analyse", 1)."""

    exit_code = EXIT_DOES_NOT_FIT


class ToolNotFoundError(AttendnetsError):
    """An external program (compiler, flasher, emulator) is not installed."""

    exit_code = 1


class ExternalToolError(AttendnetsError):
    """An external program ran and failed."""

    exit_code = 1
