"""The one place TensorFlow is imported.

tfmot works only with tf-keras (Keras 2), so ``TF_USE_LEGACY_KERAS=1`` must be
set before TensorFlow is first imported.  Models saved by current TensorFlow (Keras 3)
are read through :func:`keras3` (attendnets_tf.loading).  Every module of the package that
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
import importlib
from attendnets_base.errors import ToolNotFoundError

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


#: The one line a user reads when the training extra is not installed.
MISSING_EXTRA_MESSAGE = (
    "this command needs TensorFlow (training, QAT, conversion): install it with "
    "pip install 'attendnets[train]'"
)


def require_training_extra(module_name):
    """Import ``module_name`` (a package of the ``train`` extra) or raise one clear error."""
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] == module_name.split(".")[0]:
            raise ToolNotFoundError(f"{MISSING_EXTRA_MESSAGE} ({module_name} is missing)") from None
        raise


with _quiet_native_stderr():
    tf = require_training_extra("tensorflow")
    keras = require_training_extra("tf_keras")

    tf.get_logger().setLevel("ERROR")
    tf.config.list_physical_devices()  # device discovery logs (cuInit) happen here, once



def keras3():
    """Keras 3 (the ``keras`` package: what ``import keras`` gives with TensorFlow 2.16+), for models
    people bring that current TensorFlow saved; tf.keras stays tf-keras (Keras 2) for tfmot."""
    with _quiet_native_stderr():
        module = require_training_extra("keras")
    if not module.__version__.startswith("3."):  # pragma: no cover - a broken install

        raise ToolNotFoundError(f"reading a Keras 3 model needs keras 3; found keras {module.__version__}")
    return module


__all__ = ["tf", "keras", "keras3"]
