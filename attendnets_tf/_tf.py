"""The one place TensorFlow is imported.

tfmot works only with tf-keras (Keras 2), so ``TF_USE_LEGACY_KERAS=1`` must be
set before TensorFlow is first imported.  Every module of the package that
needs TensorFlow does ``from attendnets_tf._tf import tf, keras`` (lazily,
inside functions, on the CLI path).
"""

import os

os.environ["TF_USE_LEGACY_KERAS"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402

tf.get_logger().setLevel("ERROR")

__all__ = ["tf", "keras"]
