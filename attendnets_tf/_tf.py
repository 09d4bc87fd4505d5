"""The one place TensorFlow is imported.

tfmot works only with tf-keras (Keras 2), so ``TF_USE_LEGACY_KERAS=1`` must be
set before TensorFlow is first imported.  Every module of the package that
needs TensorFlow does ``from attendnets_tf._tf import tf, keras`` (lazily,
inside functions, on the CLI path).

TensorFlow 2.21's C++ runtime logs start-up notes (oneDNN, CUDA drivers, cuInit)
straight to file descriptor 2 before its log level can be set; they would bury
our one-line errors.  They are captured while TensorFlow starts and shown only
if the import fails or ``ATTENDNETS_DEBUG=1`` is set.
"""

import contextlib
import os
import sys
import tempfile

os.environ["TF_USE_LEGACY_KERAS"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@contextlib.contextmanager
def _quiet_native_stderr():
    if os.environ.get("ATTENDNETS_DEBUG", "") not in ("", "0"):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


with _quiet_native_stderr():
    import tensorflow as tf  # noqa: E402
    import tf_keras as keras  # noqa: E402

    tf.get_logger().setLevel("ERROR")
    tf.config.list_physical_devices()  # device discovery logs (cuInit) happen here, once

__all__ = ["tf", "keras"]
