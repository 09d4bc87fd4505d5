"""From a model to a TFLite flatbuffer, and everything that reads one.

Modules that read ``.tflite`` files never import TensorFlow.
"""
