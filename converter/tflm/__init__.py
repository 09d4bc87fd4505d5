"""The model of TensorFlow Lite Micro, from the flatbuffer alone.

check (which operators and types TFLM runs), arena (the exact arena TFLM allocates:
tflm_structs, kernel_allocations, cmsis_nn_buffers, memory_planner), code_size (flash
for TFLM's code), arena_measure (the arena measured on the ``tflite-micro``
interpreter, imported only when asked for).

Imports :mod:`converter.tflite_model` and :mod:`attendnets_base.errors`; never TensorFlow,
never :mod:`converter.report`, :mod:`converter.conversion` or :mod:`codegen`.
"""
