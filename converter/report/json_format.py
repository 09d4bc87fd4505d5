"""The JSON writer of a :class:`converter.report.build.MemoryReport`: one object with every figure.

Sizes in bytes.  The arena is under ``"arena": {"total", "head", "tail", "required"}``;
``required`` is the smallest arena with which TFLM's AllocateTensors succeeds.
"""

from __future__ import annotations

import json


def format_report_json(report) -> str:
    return json.dumps(report.to_dict(), indent=2)
