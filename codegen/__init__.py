"""Firmware generation: board catalog, template context, rendering, build tools."""
