"""GATHER and GATHER_ND: TFLM's reference kernels, with run-time int32 indices, as byte copies (an_gather.c).

- GATHER (axis, batch_dims as TFLM's ``Gather``): the output is ``batches x outer x coords`` blocks of the
  input's dimensions after ``axis``; TFLM runs int8, int32 and float32 data with int32 indices.  An index outside
  the axis is undefined in TFLM (checked in debug builds only): the kernel writes zeros there.
- GATHER_ND (TFLM's ``GatherNd``): the indices' last dimension (at most 5) indexes the input's leading
  dimensions; each index tuple copies one slice of the remaining dimensions.  int8, int32 and float32
  data, int32 indices.  TFLM fails the invocation on a slice outside the input; the kernel writes zeros.

Both evaluate at generation time (a gather of constants by constant indices: any type, int64 indices
too), so shape arithmetic that gathers from a SHAPE still folds.
"""

from __future__ import annotations

import numpy as np

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.ops.common import padded_ints, value_of_input
from codegen.compiled.program import C_TYPE_BYTES, Params, Step

RUNTIME_TYPES = ("int8", "int32", "float32")  # TFLM's GATHER / GATHER_ND data types
ND_MAX = 5  # TFLM's MAX_INDICES_ND


def _product(dims) -> int:
    n = 1
    for d in dims:
        n *= int(d)
    return n


def _runtime_types(x, coords, y):
    if coords.dtype != "int32":
        raise NotLowerable(f"{coords.dtype} indices at run time (TFLM takes int32)")
    if x.dtype not in RUNTIME_TYPES or y.dtype != x.dtype:
        raise NotLowerable(f"{x.dtype} data at run time (TFLM takes int8, int32, float32)")


@lowering("GATHER")
def lower_gather(op, ctx):
    x, coords, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.inputs[1]), ctx.tensor(op.outputs[0])
    if coords.dtype not in ("int32", "int64"):
        raise NotLowerable(f"{coords.dtype} indices")
    rank = len(x.shape)
    axis = int(op.options.get("axis", 0))
    axis = axis + rank if axis < 0 else axis
    if not 0 <= axis < rank:
        raise NotLowerable(f"axis {op.options.get('axis')} of a {rank}-D input")
    batch_dims = int(op.options.get("batch_dims", 0))
    batch_dims = batch_dims + len(coords.shape) if batch_dims < 0 else batch_dims
    if not 0 <= batch_dims <= axis or batch_dims > len(coords.shape) or \
            tuple(x.shape[:batch_dims]) != tuple(coords.shape[:batch_dims]):
        raise NotLowerable(f"batch_dims {op.options.get('batch_dims')} (TFLM refuses it)")
    batches = _product(x.shape[:batch_dims])
    outer = _product(x.shape[batch_dims:axis])
    inner = _product(x.shape[axis + 1:])
    coord_count = _product(coords.shape[batch_dims:])
    axis_size = int(x.shape[axis])
    if batches * outer * coord_count * inner != y.num_elements:
        raise NotLowerable(f"output {tuple(y.shape)} is not the gathered shape")

    def evaluate(value_of):
        data = np.asarray(value_of_input(x, value_of)).reshape(batches, outer, axis_size, inner)
        index = np.asarray(value_of_input(coords, value_of)).astype(np.int64).reshape(batches, coord_count)
        if index.size and (index.min() < 0 or index.max() >= axis_size):
            raise NotLowerable(f"an index outside [0, {axis_size}) (TFLM refuses it)")
        out = np.stack([data[b][:, index[b], :] for b in range(batches)])
        return [out.reshape(y.shape)]

    comment = f"GATHER {tuple(x.shape)} by {tuple(coords.shape)} along axis {axis} (batch_dims {batch_dims})"
    if x.is_constant and coords.is_constant:
        return Step(function="", evaluate=evaluate, comment=comment + " (at generation time)")
    _runtime_types(x, coords, y)
    params = Params("an_gather_params", {"batches": batches, "outer": outer, "axis_size": axis_size,
                                         "coord_count": coord_count,
                                         "inner_bytes": inner * C_TYPE_BYTES[x.c_type]})
    return Step(function="an_gather", sources=("an_gather.c",), args=(params, x.operand, coords.operand, y.operand),
                comment=comment, evaluate=evaluate)


@lowering("GATHER_ND")
def lower_gather_nd(op, ctx):
    x, indices, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.inputs[1]), ctx.tensor(op.outputs[0])
    if indices.dtype not in ("int32", "int64"):
        raise NotLowerable(f"{indices.dtype} indices")
    if not x.shape or not indices.shape:
        raise NotLowerable("a scalar input (TFLM takes at least vectors)")
    nd = int(indices.shape[-1])
    if not 1 <= nd <= min(len(x.shape), ND_MAX):
        raise NotLowerable(f"index tuples of {nd} (TFLM takes 1..{min(len(x.shape), ND_MAX)})")
    slices = _product(indices.shape[:-1])
    slice_elements = _product(x.shape[nd:])
    strides = [_product(x.shape[j + 1:]) for j in range(nd)]
    if slices * slice_elements != y.num_elements:
        raise NotLowerable(f"output {tuple(y.shape)} is not the gathered shape")

    def evaluate(value_of):
        data = np.asarray(value_of_input(x, value_of)).reshape(-1)
        index = np.asarray(value_of_input(indices, value_of)).astype(np.int64).reshape(slices, nd)
        starts = index @ np.array(strides, np.int64)
        if starts.size and (starts.min() < 0 or starts.max() + slice_elements > data.size):
            raise NotLowerable("an index tuple outside the input (TFLM fails the invocation)")
        return [np.stack([data[s:s + slice_elements] for s in starts]).reshape(y.shape) if slices else
                np.zeros(y.shape, data.dtype)]

    comment = f"GATHER_ND {tuple(x.shape)} by {tuple(indices.shape)}"
    if x.is_constant and indices.is_constant:
        return Step(function="", evaluate=evaluate, comment=comment + " (at generation time)")
    _runtime_types(x, indices, y)
    params = Params("an_gather_nd_params", {"slices": slices, "nd": nd, "strides": padded_ints(strides, ND_MAX),
                                            "element_bytes": C_TYPE_BYTES[x.c_type],
                                            "slice_elements": slice_elements, "input_elements": x.num_elements})
    return Step(function="an_gather_nd", sources=("an_gather.c",),
                args=(params, x.operand, indices.operand, y.operand), comment=comment, evaluate=evaluate)
