"""The compiled runtime's generator: a ``.tflite`` -> plain C, one kernel call per operator.

Generation time does the work TFLM does at run time: weights in flash in the layout
the kernels want, per-channel multipliers/shifts computed as TFLM computes them
(:mod:`codegen.compiled.quantization`), the static memory plan, views (RESHAPE) that
cost no copy.  The C kernel library lives in ``firmware_template/compiled/kernels``.

lowering.py is the contract between the driver and the per-operator lowerings in
``ops/`` (one module per operator family, each registering with ``@lowering``).

May import :mod:`converter` (tflite_model, tflm, planner) and :mod:`codegen`; never
TensorFlow or :mod:`converter.conversion`.
"""
