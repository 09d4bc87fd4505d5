"""Jinja templates, C sources and data files (board catalog) for generated firmware.

The one place that knows where they live (every other module takes its paths from here):

- :data:`COMMON_DIR` ``common/``: the project files every runtime shares, laid out as in the
  generated project (Makefile, linker script, ``platform/`` startup and board layer, ``tools/``).
- :data:`TFLM_DIR` ``tflm/``: the TFLM runtime; ``tflm/project/`` its project files (the
  interpreter glue in ``src/``, the CMake build).
- :data:`COMPILED_DIR` ``compiled/``: the compiled runtime; ``compiled/project/`` its project
  files, ``compiled/model/`` the model's C templates, ``compiled/kernels/`` the C99 kernel
  library, ``compiled/host/`` the host test program.
- :data:`EXPORT_DIR` ``export/``: the wrapping of each export format (codegen.exports) around the
  model and its runtime: ``library/`` (CMake target, Makefile fragment), ``arduino/``, ``zephyr/``.
- :data:`SEVERAL_DIR` ``several/``: main, models.h and the shared arena of a firmware with several
  models (codegen.several), for both runtimes (main.c/models.c, or .cc for TFLM).
- :data:`VALIDATE_DIR` ``validate/``: the validation firmware's ``main``.
- :data:`BOARDS_TOML`: the board catalog.

A runtime's project is ``common/`` with ``<runtime>/project/`` laid over it; the two never
write the same file (codegen.templates checks). ``*.j2`` files are Jinja templates (the
output drops ``.j2``); every other file is copied as it is.

Data and templates only: no logic beyond these paths; imports nothing of ours.
"""

from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parent
COMMON_DIR = TEMPLATE_DIR / "common"
TFLM_DIR = TEMPLATE_DIR / "tflm"
COMPILED_DIR = TEMPLATE_DIR / "compiled"
VALIDATE_DIR = TEMPLATE_DIR / "validate"
EXPORT_DIR = TEMPLATE_DIR / "export"
BOARDS_TOML = TEMPLATE_DIR / "boards.toml"
TFLM_PROJECT_DIR = TFLM_DIR / "project"
COMPILED_PROJECT_DIR = COMPILED_DIR / "project"
COMPILED_MODEL_DIR = COMPILED_DIR / "model"
SEVERAL_DIR = TEMPLATE_DIR / "several"  # several models in one firmware (codegen.several), both runtimes
KERNELS_DIR = COMPILED_DIR / "kernels"
HOST_DIR = COMPILED_DIR / "host"
