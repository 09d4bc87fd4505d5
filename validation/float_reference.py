"""The float model's outputs for the inputs ``validate`` sent (``--float-model``), to compare against.

The validated model's inputs are dequantized ((q - zero point) x scale) into the real values the
float model takes.  A float ``.tflite`` runs on the tflite-micro interpreter (its float kernels);
a ``.keras`` needs TensorFlow, so the command hands in a ``predict`` function for it
(this package never imports TensorFlow).  Outputs come back as real values (dequantized if the
reference model is itself quantized), one (N, elements) array per output.
"""

from __future__ import annotations

import numpy as np

from attendnets_base.errors import BadInputError
from codegen.compiled.host import NUMPY_TYPES, tflm_interpreter
from codegen.context import tensor_info
from codegen.sample import quantize
from converter.tflite_model import load_model


def dequantize(values, info):
    values = np.asarray(values)
    if info["quantized"]:
        return (values.astype(np.float64) - info["zero_point"]) * info["scale"]
    return values.astype(np.float64)


def _quantize(real, info):
    return quantize(real, info)


def _tensor_infos(model, which):
    sg = model.main_subgraph
    ids = sg.inputs if which == "input" else sg.outputs
    return [tensor_info(sg.tensor(t), which, i) for i, t in enumerate(ids)]


def real_inputs(model, inputs) -> list:
    """Per input tensor of ``model``, the (N, elements) real values of the InputSet ``inputs``."""
    infos = _tensor_infos(model, "input")
    arrays = [inputs.inputs, *inputs.more_inputs]
    return [dequantize(a, info).reshape(len(a), -1) for a, info in zip(arrays, infos)]


def _check_compatible(what, ours, theirs, path):
    if len(ours) != len(theirs):
        raise BadInputError(f"--float-model {path} has {len(theirs)} {what}s; the validated model {len(ours)}")
    for i, (a, b) in enumerate(zip(ours, theirs)):
        if a["num_elements"] != b["num_elements"]:
            raise BadInputError(f"--float-model {path}: {what} {i} is {b['shape']}, the validated model's "
                                f"{a['shape']}: not the same network")


def tflite_reference_outputs(path, model, inputs) -> tuple[list, str]:
    """``(outputs, description)`` of the float ``.tflite`` at ``path`` on the tflite-micro interpreter."""
    reference = load_model(path)
    ref_in, ref_out = _tensor_infos(reference, "input"), _tensor_infos(reference, "output")
    _check_compatible("input", _tensor_infos(model, "input"), ref_in, path)
    _check_compatible("output", _tensor_infos(model, "output"), ref_out, path)
    interpreter = tflm_interpreter(reference)
    reals = real_inputs(model, inputs)
    n = len(reals[0])
    outputs = [np.zeros((n, info["num_elements"])) for info in ref_out]
    for k in range(n):
        for i, info in enumerate(ref_in):
            x = reals[i][k] if info["dtype"] == "float32" else _quantize(reals[i][k], info)
            interpreter.set_input(np.asarray(x).astype(NUMPY_TYPES[info["dtype"]]).reshape(info["shape"]), i)
        interpreter.invoke()
        for j, info in enumerate(ref_out):
            outputs[j][k] = dequantize(np.asarray(interpreter.get_output(j)).reshape(-1), info)
    kinds = sorted({info["dtype"] for info in ref_in + ref_out})
    return outputs, f"{path} ({'/'.join(kinds)} .tflite on the tflite-micro interpreter)"


def predicted_outputs(run, model) -> list:
    """The device's outputs of every input, dequantized: one (N, elements) array per output."""
    infos = _tensor_infos(model, "output")
    return [np.stack([dequantize(outs[j], info).reshape(-1) for outs in run.device_outputs]) if run.device_outputs
            else np.zeros((0, info["num_elements"])) for j, info in enumerate(infos)]
