"""A generated project folder as the build/size/flash commands see it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from attendnets_base.errors import BadInputError
from codegen.boards import Board, get_board
from codegen.render import MARKER_FILE, PROJECT_FILE
from codegen.runtimes import RUNTIME_OF_UNNAMED_PROJECTS, get_runtime


@dataclass(frozen=True)
class Project:
    path: Path
    name: str
    board: Board
    kernels: str
    facts: dict

    @property
    def runtime_name(self) -> str:
        """The runtime it was generated for (projects from before the compiled runtime are TFLM's)."""
        return self.facts.get("runtime", RUNTIME_OF_UNNAMED_PROJECTS)

    @property
    def runtime(self):
        """Its :class:`codegen.runtimes.base.Runtime` (BadInputError for a name this version does not know)."""
        return get_runtime(self.runtime_name)

    @property
    def build_dir(self) -> Path:
        return self.path / "build"

    def artifact(self, suffix: str) -> Path:
        """``build/<name><suffix>``: .elf, .bin, .hex, .uf2, .map."""
        return self.build_dir / f"{self.name}{suffix}"

    @property
    def expected_artifacts(self):
        suffixes = [".elf", ".bin", ".hex", ".map"] + ([".uf2"] if self.board.name == "rpi-pico" else [])
        return [self.artifact(s) for s in suffixes]


def open_project(path) -> Project:
    """The project at ``path``; BadInputError unless ``attendnets generate`` made it."""
    root = Path(path)
    if not root.is_dir():
        raise BadInputError(f"project folder not found: {root}")
    if not (root / MARKER_FILE).is_file() or not (root / PROJECT_FILE).is_file():
        raise BadInputError(f"{root} is not a project made by attendnets generate (no {MARKER_FILE})")
    try:
        facts = json.loads((root / PROJECT_FILE).read_text())
        board = get_board(facts["board"])
        if facts.get("arena_region") and facts["arena_region"] != board.arena_region.name:
            board = board.with_arena_region(facts["arena_region"])  # generated with --arena-region
        if facts.get("console") == "swo":
            board = board.with_console("swo")
        project = Project(root, facts["name"], board, facts["kernels"], facts)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BadInputError(f"{root / PROJECT_FILE} is unreadable or incomplete ({exc})") from None
    if facts.get("format", "project") != "project":  # an export: the user's build builds it
        raise BadInputError(f"{root} is a {facts['format']} export (generate --format {facts['format']}), not a "
                            "firmware project: your own build compiles it (docs/integration.md)")
    return project
