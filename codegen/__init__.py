"""Firmware projects: board catalog, template context, rendering, build, size, flash runners.

codegen/compiled/ is the compiled runtime's generator (one C kernel call per operator).
May import :mod:`converter` (tflite_model, tflm, planner, report); never TensorFlow,
:mod:`attendnets_tf` or :mod:`converter.conversion`.
"""
