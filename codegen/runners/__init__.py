"""Flash runners, one per tool; ``get_runner(name)`` returns the class."""

from attendnets_base.errors import BadInputError
from codegen.runners.base import FlashRunner, RunnerCapabilities
from codegen.runners.nrfjprog import NrfjprogRunner
from codegen.runners.openocd import OpenOcdRunner
from codegen.runners.picotool import PicotoolRunner
from codegen.runners.pyocd import PyOcdRunner
from codegen.runners.qemu import QemuRunner
from codegen.runners.stm32cubeprogrammer import Stm32CubeProgrammerRunner

RUNNERS = {cls.name: cls for cls in (PyOcdRunner, OpenOcdRunner, Stm32CubeProgrammerRunner, NrfjprogRunner,
                                      PicotoolRunner, QemuRunner)}


def get_runner(name) -> type[FlashRunner]:
    try:
        return RUNNERS[name]
    except KeyError:
        raise BadInputError(f"unknown flash tool {name!r}; known: {', '.join(RUNNERS)}") from None


__all__ = ["FlashRunner", "RunnerCapabilities", "RUNNERS", "get_runner"]
