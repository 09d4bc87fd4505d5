"""Keras (tf-keras) side of attendnets: layers, networks, profiler, training.

Importing this package does not import TensorFlow; submodules that need it
import :mod:`attendnets_tf._tf` (which says in one line how to install the
``train`` extra when TensorFlow is missing).  Never imports :mod:`converter`,
:mod:`codegen` or :mod:`validation`: the arrows run converter -> attendnets_tf.
"""
