"""Jinja templates, C sources and data files (board catalog) for generated firmware.

Data and templates only: no logic beyond :data:`TEMPLATE_DIR`; imports nothing of ours.
"""

from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parent
