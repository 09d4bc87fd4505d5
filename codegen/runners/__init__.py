"""Flash runners, one per tool; ``get_runner(name)`` returns the class."""

from attendnets_base.errors import BadInputError
from codegen.runners.base import FlashRunner, RunnerCapabilities
from codegen.runners.nrfjprog import NrfjprogRunner
from codegen.runners.openocd import OpenOcdRunner
from codegen.runners.picotool import PicotoolRunner
from codegen.runners.pyocd import PyOcdRunner
from codegen.runners.qemu import QemuRunner
from codegen.runners.stm32cubeprogrammer import Stm32CubeProgrammerRunner
import shutil

RUNNERS = {cls.name: cls for cls in (PyOcdRunner, OpenOcdRunner, Stm32CubeProgrammerRunner, NrfjprogRunner,
                                      PicotoolRunner, QemuRunner)}


def get_runner(name) -> type[FlashRunner]:
    try:
        return RUNNERS[name]
    except KeyError:
        raise BadInputError(f"unknown flash tool {name!r}; known: {', '.join(RUNNERS)}") from None


def choose_runner(board, tool=None, dry_run=False, log=None) -> type[FlashRunner]:
    """The runner for ``tool``, else the first of the board's listed tools (boards.toml order) whose
    program is installed; when none is, the board's first (running it names every listed tool and
    what to install).  A dry run never looks: the board's first tool."""
    if tool is not None:
        return get_runner(tool)
    default = get_runner(board.default_tool)
    if dry_run:
        return default
    for name in board.tools:
        runner = get_runner(name)
        if shutil.which(runner.program) is not None:
            if runner is not default and log is not None:
                log(f"flash: {default.program} ({default.name}, the board's first tool) is not installed; "
                    f"using {runner.program} ({name}), the next tool the board lists")
            return runner
    return default


__all__ = ["FlashRunner", "RunnerCapabilities", "RUNNERS", "choose_runner", "get_runner"]
