"""Keras (tf-keras) side of attendnets: layers, networks, profiler, training.

Importing this package does not import TensorFlow; submodules that need it
import :mod:`attendnets_tf._tf`.
"""
