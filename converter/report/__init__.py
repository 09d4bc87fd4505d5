"""What a user reads about a ``.tflite`` model: inspection, MACs, the memory report.

build computes a :class:`~converter.report.build.MemoryReport` once (from
:mod:`converter.tflm` and :mod:`converter.report.macs`); text_format, json_format and
html_format only write it.  inspect summarises a model's graph.

May import :mod:`converter.tflm` and :mod:`converter.tflite_model`; never TensorFlow,
never :mod:`converter.conversion` or :mod:`codegen`.
"""
