"""Export formats: the model and its runtime as a folder the user adds to their own build.

Two dimensions kept apart: a runtime says which files make the model and its runtime
(:meth:`codegen.runtimes.base.Runtime.library_files`: the compiled runtime's generated C and
kernels, the TFLM runtime's interpreter glue and the embedded ``.tflite``); a format
(:class:`ExportFormat`) decides the wrapping around them, from its own template tree under
``firmware_template/export/<format>/``:

- ``library``: ``CMakeLists.txt`` (a target ``add_subdirectory()`` picks up) and a Makefile
  fragment ``<name>.mk`` to ``include``;
- ``arduino``: an Arduino library (specification 1.5: ``library.properties``, every source in
  ``src/``, ``examples/<name>/<name>.ino``);
- ``zephyr``: a Zephyr module (``zephyr/module.yml``, ``zephyr/CMakeLists.txt``,
  ``zephyr/Kconfig`` with the arena placement choice), for ``west build -DZEPHYR_EXTRA_MODULES=``.

``project`` (the default) is no export: the standalone firmware project of codegen.generate.
Every export has one C header (``model.h``: init, invoke, reset, input/output pointers and
quantization, arena size), no ``main``, no startup code, no linker script, no board layer.
A template path's ``__name__`` becomes the export's name.  Pure: nothing here writes files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from attendnets_base.errors import BadInputError
from codegen.templates import output_name, render, template_files
from firmware_template import EXPORT_DIR

PROJECT_FORMAT = "project"
NAME_PLACEHOLDER = "__name__"


@dataclass(frozen=True)
class ExportFormat:
    name: str  # what the user types: --format NAME
    title: str  # "Arduino library": messages
    flat_sources: bool = False  # every source file directly in src/ (Arduino puts only src/ on the include path)
    cxx_suffix: str = ".cc"  # C++ sources' suffix (the Arduino builder compiles .cpp, not .cc)
    next_step: str = ""  # what generate says to do next ({out} is the folder)

    @property
    def template_dir(self) -> Path:
        return EXPORT_DIR / self.name


FORMATS = {
    "library": ExportFormat("library", "C library (CMake target and Makefile fragment)",
                            next_step="add_subdirectory({out}) in your CMakeLists.txt, or include {out}/{name}.mk "
                                      "in your Makefile (docs/integration.md)"),
    "arduino": ExportFormat("arduino", "Arduino library", flat_sources=True, cxx_suffix=".cpp",
                            next_step="copy {out} into your Arduino libraries folder (or arduino-cli lib install "
                                      "--zip-path), then open File > Examples > {library}"),
    "zephyr": ExportFormat("zephyr", "Zephyr module",
                           next_step="west build -b <board> <your app> -- -DZEPHYR_EXTRA_MODULES={out}"),
}
FORMAT_NAMES = (PROJECT_FORMAT, *FORMATS)


def get_format(name: str) -> ExportFormat | None:
    """The export format called ``name``; None for ``project``; BadInputError naming the choices otherwise."""
    if name == PROJECT_FORMAT:
        return None
    if name not in FORMATS:
        raise BadInputError(f"--format must be one of {', '.join(FORMAT_NAMES)}; got {name!r}")
    return FORMATS[name]


def export_files(fmt: ExportFormat, runtime, context: dict, firmware) -> dict:
    """``{path in the export: str | bytes}``: the runtime's library files under ``src/`` and the format's
    wrapping, rendered with ``context`` (codegen.context's, built with ``library=True``) and ``export``:
    the sources, include folders and names the wrapping templates list."""
    library = runtime.library_files(context, firmware)
    if fmt.flat_sources:
        flat = {}
        for rel, content in library.items():
            base = PurePosixPath(rel).name
            if base.endswith(".cc"):
                base = base[:-3] + fmt.cxx_suffix
            if base in flat:
                raise RuntimeError(f"{fmt.name}: two library files named {base}")  # a layout bug
            flat[base] = content
        library = flat
    files = {f"src/{rel}": content for rel, content in library.items()}
    name = context["project"]["name"]
    api = context.get("api_prefix", "model")  # the C API's prefix: model_init, or kws_init (--name kws, compiled)
    export = {
        "api": api,
        "API": api.upper(),
        "header": f"{api}.h",
        "format": fmt.name,
        "name": name,
        "macro": name.upper(),
        "library_name": f"attendnets_{name}",  # Arduino's library and header name: unique beside other libraries
        "sources": sorted(rel for rel in files if rel.endswith((".c", fmt.cxx_suffix))),
        "c_sources": sorted(rel for rel in files if rel.endswith(".c")),
        "cxx_sources": sorted(rel for rel in files if rel.endswith(fmt.cxx_suffix)),
        "headers": sorted(rel for rel in files if rel.endswith(".h")),
        "include_dirs": sorted({str(PurePosixPath(rel).parent) for rel in files if rel.endswith(".h")}),
        "needs_tflm": runtime.library_needs_tflm,
    }
    wrap_context = dict(context, export=export)
    for rel in template_files(fmt.template_dir):
        out = output_name(rel).replace(NAME_PLACEHOLDER, export["library_name"] if fmt.name == "arduino" else name)
        src = fmt.template_dir / rel
        files[out] = render(src, wrap_context) if rel.endswith(".j2") else src.read_bytes()
    return dict(sorted(files.items()))


def next_step(fmt: ExportFormat, quoted_out: str, name: str) -> str:
    return fmt.next_step.format(out=quoted_out, name=name, library=f"attendnets_{name}")
