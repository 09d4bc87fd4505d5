"""Keras -> full-int8 TFLite conversion, and evaluation of the result.

convert (post-training quantization or a QAT model -> ``.tflite`` + labels + sidecar),
evaluate (float vs int8 accuracy on the TFLite reference kernels and on TFLM).

The only part of :mod:`converter` that needs TensorFlow: imported lazily inside
functions, through :mod:`attendnets_tf` (which never imports :mod:`converter`).
May import :mod:`converter.tflm` (the TFLM check before writing).
"""
