"""Flash runners: one small class per vendor tool on a common base (after Zephyr's west runners).

A runner turns a built project into the tool's command lines (lists, never shell
strings). Every subprocess goes through :meth:`FlashRunner.run_command`, which
logs the quoted command, honours ``dry_run`` and maps a missing program to
:class:`ToolNotFoundError` naming what to install; tests patch that one method.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from attendnets_base.errors import BadInputError, ExternalToolError, ToolNotFoundError


@dataclass(frozen=True)
class RunnerCapabilities:
    """What a runner supports; asking a runner for something else is an error naming it."""

    probe: bool = False  # --probe ID selects one of several connected probes/boards
    streams_output: bool = False  # the firmware's console comes back through the tool (QEMU)
    file_format: str = "hex"  # the artifact it loads: elf, hex, bin, uf2


class FlashRunner(ABC):
    name: ClassVar[str]
    program: ClassVar[str]
    install_hint: ClassVar[str]
    capabilities: ClassVar[RunnerCapabilities] = RunnerCapabilities()
    # Every concrete runner by its tool name, filled as each subclass is defined: the base class
    # knows its subclasses, so naming a board's other tools needs no import of the package above.
    by_name: ClassVar[dict[str, type["FlashRunner"]]] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__:
            FlashRunner.by_name[cls.name] = cls

    def __init__(self, project, probe=None, dry_run=False, timeout_s=None, log=print):
        self.project = project
        self.board = project.board
        self.probe = probe
        self.dry_run = dry_run
        self.timeout_s = timeout_s
        self.log = log
        if probe is not None and not self.capabilities.probe:
            raise BadInputError(f"runner {self.name} does not support --probe")
        if self.name not in self.board.tools:
            raise BadInputError(f"board {self.board.name} cannot be flashed with {self.name}; "
                                f"its tools: {', '.join(self.board.tools)}")
        self.options = dict(self.board.tools[self.name])

    @property
    def image(self):
        """The artifact this tool loads (build/<name>.<file_format>)."""
        return self.project.artifact("." + self.capabilities.file_format)

    @abstractmethod
    def commands(self) -> list[list[str]]:
        """The command lines to run, in order."""

    def run(self) -> int:
        """Run every command; returns the last exit status (0 on success)."""
        if not self.dry_run and not self.image.is_file():
            raise BadInputError(f"{self.image} not found: build the project first (attendnets build {shlex.quote(str(self.project.path))})")
        status = 0
        for argv in self.commands():
            status = self.run_command(argv)
            if status != 0 and not self.capabilities.streams_output:
                raise ExternalToolError(f"{argv[0]} failed with status {status}")
        return status

    def _other_tools_note(self) -> str:
        """The board's other listed tools, for the "not found" error (none of them was installed
        either when the board's first tool was chosen: codegen.runners.choose_runner)."""
        others = [FlashRunner.by_name[name] for name in self.board.tools
                  if name != self.name and name in FlashRunner.by_name]
        if not others:
            return ""
        missing = [o for o in others if shutil.which(o.program) is None]
        installed = [o for o in others if o not in missing]
        note = ""
        if installed:
            note += f"; or use {', '.join(f'--tool {o.name}' for o in installed)} (installed)"
        if missing:
            note += ("; the board's other tools are not installed either: "
                     + ", ".join(f"{o.name} ({o.install_hint})" for o in missing))
        return note

    def run_command(self, argv: list[str]) -> int:
        """The one place a subprocess starts: logs, honours dry-run, maps a missing program."""
        self.log("$ " + shlex.join(argv))
        if self.dry_run:
            return 0
        if shutil.which(argv[0]) is None:
            raise ToolNotFoundError(f"{argv[0]} not found: {self.install_hint}{self._other_tools_note()}")
        try:
            return subprocess.run(argv, timeout=self.timeout_s).returncode
        except subprocess.TimeoutExpired:
            raise ExternalToolError(f"{argv[0]} did not finish within {self.timeout_s} s (stopped)") from None
