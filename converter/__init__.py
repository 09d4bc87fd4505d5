"""From a Keras model to a TFLite flatbuffer, and everything that reads one.

Three rooms, one job each (docs/architecture.md is the map):

* :mod:`converter.conversion` -- Keras -> full-int8 TFLite conversion and evaluation
  (the only room that imports TensorFlow, lazily, through :mod:`attendnets_tf`);
* :mod:`converter.tflm` -- the model of TensorFlow Lite Micro: which operators it runs
  (check), how it allocates its arena (arena, memory_planner, kernel_allocations,
  tflm_structs, cmsis_nn_buffers), its code size, and measuring the arena on the
  ``tflite-micro`` interpreter;
* :mod:`converter.report` -- what a user reads about a model: inspection, MAC counts and
  the memory report with its text, JSON and HTML writers.

:mod:`converter.tflite_model` (the flatbuffer reader) is shared by all three.  Nothing
here imports :mod:`codegen`; only :mod:`converter.conversion` may import TensorFlow.
"""
