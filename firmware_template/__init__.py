"""Jinja templates and data files (board catalog) for generated firmware."""

from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parent
