"""Compiled runtime: data movement of known shape against tflite-micro, 100 random inputs per case.

SLICE (every type, int32/int64 begin and size, size -1), REVERSE_V2 (one and two contiguous axes, negative
axes), DEPTH_TO_SPACE / SPACE_TO_DEPTH (block 2 and 3), BROADCAST_TO (leading, inner and repeated broadcast
dimensions), MIRROR_PAD (REFLECT and SYMMETRIC, every dimension, int64 paddings), BATCH_TO_SPACE_ND (crops)
and SPACE_TO_BATCH_ND (paddings; int8 with a non-zero zero point: padding bytes are 0 as in TFLM), 3-D and
4-D, FILL (run-time value), DYNAMIC_UPDATE_SLICE (int32 and int64 start indices, out of range: clamped),
EMBEDDING_LOOKUP (float32, int8, the hybrid int8 -> float32), BROADCAST_ARGS (int32, int64), and the type gaps
CONCATENATION bool, STRIDED_SLICE bool, GATHER/GATHER_ND int32.  Floats compared as bits (NaN, infinities,
signed zeros among the inputs).  All cases are compiled into one host program; the folded cases (ZEROS_LIKE,
FILL of a constant, data movement of constants) run the whole generated model.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from compiled_ops_harness import Case, CompiledCases, lower_single, output_bits, require_tools, tflm_outputs
from test_compiled_data_ops import gather_model, gather_nd_model, random_values
from tflite_builder import ModelBuilder

from codegen.compiled.lowering import NotLowerable

QUANT = {"int8": dict(scale=0.05, zero_point=3), "int16": dict(scale=0.001, zero_point=0)}
ALL_TYPES = ("int8", "int16", "int32", "int64", "float32", "bool")


def _q(dtype):
    return QUANT.get(dtype, {})


def _ints(values, dtype="int32"):
    return np.array(values, dtype).tobytes()


def unary_model(name, dtype, in_shape, out_shape, constants=(), options=None, out_dtype=None, version=1):
    """One operator: run-time input x, then constant inputs ``(name, shape, dtype, values)``."""
    b = ModelBuilder()
    x = b.tensor("x", in_shape, dtype, **_q(dtype))
    ins = [x] + [b.tensor(n, s, d, data=_ints(v, d)) for n, s, d, v in constants]
    out_dtype = out_dtype or dtype
    y = b.tensor("y", out_shape, out_dtype, **_q(out_dtype))
    b.op(name, ins, [y], options=options, version=version)
    return b.build(inputs=[x], outputs=[y])


def slice_model(dtype, shape, begin, size, index_dtype="int32"):
    out = [d - b if s == -1 else s for b, s, d in zip(begin, size, shape)]
    return unary_model("SLICE", dtype, shape, out, [("begin", (len(shape),), index_dtype, begin),
                                                     ("size", (len(shape),), index_dtype, size)])


def reverse_model(dtype, shape, axes):
    return unary_model("REVERSE_V2", dtype, shape, shape, [("axis", (len(axes),), "int32", axes)])


def depth_to_space_model(dtype, shape, block):
    n, h, w, c = shape
    return unary_model("DEPTH_TO_SPACE", dtype, shape, (n, h * block, w * block, c // block // block),
                       options={"type": "depth_to_space", "block_size": block})


def space_to_depth_model(dtype, shape, block):
    n, h, w, c = shape
    return unary_model("SPACE_TO_DEPTH", dtype, shape, (n, h // block, w // block, c * block * block),
                       options={"type": "space_to_depth", "block_size": block})


def broadcast_to_model(dtype, in_shape, shape, shape_dtype="int32"):
    return unary_model("BROADCAST_TO", dtype, in_shape, shape, [("shape", (len(shape),), shape_dtype, shape)],
                       version=2)


def mirror_pad_model(dtype, shape, paddings, mode, pad_dtype="int32"):
    out = [d + lo + hi for d, (lo, hi) in zip(shape, paddings)]
    return unary_model("MIRROR_PAD", dtype, shape, out, [("paddings", (len(shape), 2), pad_dtype, paddings)],
                       options={"type": "mirror_pad", "mode": {"REFLECT": 0, "SYMMETRIC": 1}[mode]})


def batch_to_space_model(dtype, shape, block, crops):
    spatial = len(shape) - 2
    flat_crops = [c for pair in crops for c in pair]
    sizes = [shape[1 + k] * block[k] - crops[k][0] - crops[k][1] for k in range(spatial)]
    out = (shape[0] // int(np.prod(block)), *sizes, shape[-1])
    return unary_model("BATCH_TO_SPACE_ND", dtype, shape, out, [("block", (spatial,), "int32", block),
                                                                 ("crops", (spatial, 2), "int32", flat_crops)])


def space_to_batch_model(dtype, shape, block, paddings, out_quant=None):
    spatial = len(shape) - 2
    flat = [p for pair in paddings for p in pair]
    sizes = [(shape[1 + k] + paddings[k][0] + paddings[k][1]) // block[k] for k in range(spatial)]
    out = (shape[0] * int(np.prod(block)), *sizes, shape[-1])
    return unary_model("SPACE_TO_BATCH_ND", dtype, shape, out, [("block", (spatial,), "int32", block),
                                                                 ("paddings", (spatial, 2), "int32", flat)])


def fill_model(dtype, dims, dims_dtype="int32", value_shape=()):
    b = ModelBuilder()
    d = b.tensor("dims", (len(dims),), dims_dtype, data=_ints(dims, dims_dtype))
    v = b.tensor("value", value_shape, dtype, **_q(dtype))
    y = b.tensor("y", dims, dtype, **_q(dtype))
    b.op("FILL", [d, v], [y])
    return b.build(inputs=[v], outputs=[y])


def update_slice_model(dtype, shape, update_shape, index_dtype="int32"):
    b = ModelBuilder()
    x = b.tensor("x", shape, dtype, **_q(dtype))
    u = b.tensor("u", update_shape, dtype, **_q(dtype))
    i = b.tensor("i", (len(shape),), index_dtype)
    y = b.tensor("y", shape, dtype, **_q(dtype))
    b.op("DYNAMIC_UPDATE_SLICE", [x, u, i], [y])
    return b.build(inputs=[x, u, i], outputs=[y])


def embedding_model(table_dtype, out_dtype, rows, columns, lookups, seed=0):
    rng = np.random.default_rng(seed)
    b = ModelBuilder()
    ids = b.tensor("ids", (lookups,), "int32")
    table_q = dict(scale=0.02, zero_point=0) if table_dtype == "int8" else {}
    table = b.tensor("table", (rows, *columns), table_dtype, data=random_values(rng, (rows, *columns),
                                                                                 table_dtype).tobytes(), **table_q)
    y = b.tensor("y", (lookups, *columns), out_dtype, **(table_q if out_dtype == "int8" else {}))
    b.op("EMBEDDING_LOOKUP", [ids, table], [y])
    return b.build(inputs=[ids], outputs=[y])


def broadcast_args_model(dtype, n1, n2):
    b = ModelBuilder()
    s1 = b.tensor("s1", (n1,), dtype)
    s2 = b.tensor("s2", (n2,), dtype)
    y = b.tensor("y", (max(n1, n2),), dtype)
    b.op("BROADCAST_ARGS", [s1, s2], [y])
    return b.build(inputs=[s1, s2], outputs=[y])


def concat_model(dtype, shapes, axis):
    b = ModelBuilder()
    xs = [b.tensor(f"x{k}", s, dtype) for k, s in enumerate(shapes)]
    out = list(shapes[0])
    out[axis] = sum(s[axis] for s in shapes)
    y = b.tensor("y", out, dtype)
    b.op("CONCATENATION", xs, [y], options={"type": "concatenation", "axis": axis})
    return b.build(inputs=xs, outputs=[y])


def strided_slice_model(dtype, shape, begin, end, strides, out_shape):
    n = len(shape)
    return unary_model("STRIDED_SLICE", dtype, shape, out_shape,
                       [("begin", (n,), "int32", begin), ("end", (n,), "int32", end), ("strides", (n,), "int32", strides)],
                       options={"type": "strided_slice"}, version=2)


def _cases():
    cases = []
    for dtype in ALL_TYPES:
        cases.append(Case(f"SLICE_{dtype}_3d", slice_model(dtype, (3, 5, 4), [1, 2, 0], [2, -1, 3])))
        cases.append(Case(f"REVERSE_V2_{dtype}_last", reverse_model(dtype, (3, 5, 4), [-1])))
        cases.append(Case(f"BROADCAST_TO_{dtype}", broadcast_to_model(dtype, (3, 1, 4), (2, 3, 5, 4))))
    cases.append(Case("SLICE_int8_64", slice_model("int8", (2, 7, 6, 3), [1, 1, 2, 0], [1, 5, -1, 2], "int64")))
    cases.append(Case("SLICE_float32_1d", slice_model("float32", (9,), [4], [5])))
    cases.append(Case("REVERSE_V2_uint8_pair", reverse_model("uint8", (2, 3, 4, 5), [1, 2])))
    cases.append(Case("REVERSE_V2_float32_first", reverse_model("float32", (4, 3, 2), [0])))
    cases.append(Case("REVERSE_V2_int16_mid", reverse_model("int16", (2, 5, 3), [1])))
    cases.append(Case("BROADCAST_TO_float32_scalar", broadcast_to_model("float32", (1,), (3, 2), "int64")))
    cases.append(Case("BROADCAST_TO_int8_inner", broadcast_to_model("int8", (5, 1), (2, 5, 7))))
    for dtype in ("uint32", "uint64"):  # TFLM's BROADCAST_TO copies any type
        cases.append(Case(f"BROADCAST_TO_{dtype}", broadcast_to_model(dtype, (3, 1), (2, 3, 4))))
    for dtype in ("int8", "float32"):
        cases.append(Case(f"DEPTH_TO_SPACE_{dtype}_2", depth_to_space_model(dtype, (2, 3, 5, 8), 2)))
        cases.append(Case(f"DEPTH_TO_SPACE_{dtype}_3", depth_to_space_model(dtype, (1, 2, 3, 9), 3)))
        cases.append(Case(f"SPACE_TO_DEPTH_{dtype}_2", space_to_depth_model(dtype, (2, 6, 4, 3), 2)))
        cases.append(Case(f"SPACE_TO_DEPTH_{dtype}_3", space_to_depth_model(dtype, (1, 9, 6, 2), 3)))
        cases.append(Case(f"BATCH_TO_SPACE_ND_{dtype}", batch_to_space_model(dtype, (8, 3, 4, 3), [2, 2],
                                                                              [[0, 0], [0, 0]])))
        cases.append(Case(f"BATCH_TO_SPACE_ND_{dtype}_crops", batch_to_space_model(dtype, (12, 3, 4, 2), [2, 3],
                                                                                    [[1, 0], [2, 1]])))
        cases.append(Case(f"BATCH_TO_SPACE_ND_{dtype}_3d", batch_to_space_model(dtype, (6, 4, 5), [3], [[1, 2]])))
        cases.append(Case(f"SPACE_TO_BATCH_ND_{dtype}", space_to_batch_model(dtype, (2, 4, 6, 3), [2, 3],
                                                                              [[0, 0], [0, 0]])))
        cases.append(Case(f"SPACE_TO_BATCH_ND_{dtype}_pad", space_to_batch_model(dtype, (1, 5, 4, 2), [2, 2],
                                                                                  [[1, 2], [2, 2]])))
        cases.append(Case(f"SPACE_TO_BATCH_ND_{dtype}_3d", space_to_batch_model(dtype, (2, 5, 3), [3], [[1, 0]])))
    for dtype in ("int8", "int32", "int64", "float32"):
        cases.append(Case(f"MIRROR_PAD_{dtype}_reflect", mirror_pad_model(dtype, (2, 4, 5, 3),
                                                                          [[0, 1], [2, 3], [1, 1], [0, 0]], "REFLECT")))
        cases.append(Case(f"MIRROR_PAD_{dtype}_symmetric", mirror_pad_model(dtype, (3, 4, 2),
                                                                            [[3, 0], [4, 4], [1, 2]], "SYMMETRIC",
                                                                            "int64")))
    for dtype in ("int8", "int16", "int32", "int64", "float32"):
        cases.append(Case(f"FILL_{dtype}", fill_model(dtype, (2, 3, 5))))
    cases.append(Case("FILL_float32_dims64", fill_model("float32", (4, 1, 3), "int64")))
    for dtype in ("int8", "int16", "int32", "float32"):
        cases.append(Case(f"DYNAMIC_UPDATE_SLICE_{dtype}", update_slice_model(dtype, (4, 5, 3), (2, 3, 3))))
        cases.append(Case(f"DYNAMIC_UPDATE_SLICE_{dtype}_64", update_slice_model(dtype, (6, 7), (3, 1), "int64")))
    cases.append(Case("DYNAMIC_UPDATE_SLICE_int8_whole", update_slice_model("int8", (3, 4), (3, 4))))
    cases.append(Case("EMBEDDING_LOOKUP_float32", embedding_model("float32", "float32", 7, (5,), 4)))
    cases.append(Case("EMBEDDING_LOOKUP_int8", embedding_model("int8", "int8", 6, (3, 2), 5)))
    cases.append(Case("EMBEDDING_LOOKUP_hybrid", embedding_model("int8", "float32", 9, (4,), 6)))
    for dtype in ("int32", "int64"):
        cases.append(Case(f"BROADCAST_ARGS_{dtype}", broadcast_args_model(dtype, 4, 2)))
        cases.append(Case(f"BROADCAST_ARGS_{dtype}_first_shorter", broadcast_args_model(dtype, 1, 3)))
    cases.append(Case("CONCATENATION_bool", concat_model("bool", [(2, 3), (2, 1), (2, 4)], 1)))
    cases.append(Case("CONCATENATION_int8_unquantized", concat_model("int8", [(3, 2), (1, 2)], 0)))
    cases.append(Case("STRIDED_SLICE_bool", strided_slice_model("bool", (4, 6), [1, 5], [4, 0], [2, -2], (2, 3))))
    cases.append(Case("GATHER_int32", gather_model("int32", (2, 5, 3), (2, 3), 1)))
    cases.append(Case("GATHER_ND_int32", gather_nd_model("int32", (3, 4, 5), (2, 3, 2))))
    return cases


# Types tflm_ops.json lists but TFLM's kernels (the pinned tree and the tflite-micro wheel) refuse at run time:
# the reference is TFLM on the same model in float32 (the same 4-byte copies: inputs and outputs as bits),
# else NumPy.
def _twin(name):
    """The float32 model whose TFLM run, on the int32 inputs' bits, is the reference of case ``name``."""
    return {"MIRROR_PAD_int32_reflect": lambda: mirror_pad_model("float32", (2, 4, 5, 3),
                                                                 [[0, 1], [2, 3], [1, 1], [0, 0]], "REFLECT"),
            "MIRROR_PAD_int32_symmetric": lambda: mirror_pad_model("float32", (3, 4, 2), [[3, 0], [4, 4], [1, 2]],
                                                                   "SYMMETRIC", "int64"),
            "GATHER_int32": lambda: gather_model("float32", (2, 5, 3), (2, 3), 1),
            "GATHER_ND_int32": lambda: gather_nd_model("float32", (3, 4, 5), (2, 3, 2))}.get(name)


NUMPY_REFERENCES = {
    "SLICE_int64_3d": lambda x: x[1:3, 2:, 0:3],
    "MIRROR_PAD_int64_reflect": lambda x: np.pad(x, [[0, 1], [2, 3], [1, 1], [0, 0]], mode="reflect"),
    "MIRROR_PAD_int64_symmetric": lambda x: np.pad(x, [[3, 0], [4, 4], [1, 2]], mode="symmetric"),
    "FILL_int16": lambda v: np.full((2, 3, 5), v, np.int16),
    "FILL_int64": lambda v: np.full((2, 3, 5), v, np.int64),
}


def _padding_mask(model_bytes):
    """SPACE_TO_BATCH_ND: where the output is padding (TFLM writes uninitialized memory there), by NumPy."""
    from converter.tflite_model import load_model

    sg = load_model(model_bytes).main_subgraph
    op = sg.operators[0]
    shape = sg.tensor(op.inputs[0]).shape
    block = np.frombuffer(load_model(model_bytes).buffers[sg.tensor(op.inputs[1]).buffer].data, np.int32).tolist()
    pads = np.frombuffer(load_model(model_bytes).buffers[sg.tensor(op.inputs[2]).buffer].data, np.int32).tolist()
    if len(shape) == 3:
        shape, block, pads = (shape[0], shape[1], 1, shape[2]), block + [1], pads + [0, 0]
    inside = np.pad(np.ones(shape, bool), [[0, 0], pads[0:2], pads[2:4], [0, 0]])
    n, h, w, c = inside.shape
    view = inside.reshape(n, h // block[0], block[0], w // block[1], block[1], c).transpose(2, 4, 0, 1, 3, 5)
    return ~view.reshape(sg.tensor(op.outputs[0]).shape)


def _reference(case, batches):
    if case.name.startswith("SPACE_TO_BATCH_ND"):  # TFLM's padding is undefined: the output's zero point there
        from converter.tflite_model import load_model

        y = load_model(case.model_bytes).main_subgraph.tensors[case.outputs[0][0]]
        pad = y.quantization.zero_point[0] if y.dtype == "int8" else 0
        mask = _padding_mask(case.model_bytes)
        return [[np.where(mask, np.array(pad, o.dtype), o) for o in outs]
                for outs in tflm_outputs(case.model_bytes, batches)]
    twin = _twin(case.name)
    if twin is not None:
        as_float = [[a.view(np.float32) if a.dtype == np.int32 and k == 0 else a for k, a in enumerate(inputs)]
                    for inputs in batches]
        return [[o.view(np.int32) for o in outs] for outs in tflm_outputs(twin(), as_float)]
    if case.name in NUMPY_REFERENCES:
        return [[NUMPY_REFERENCES[case.name](*inputs)] for inputs in batches]
    return tflm_outputs(case.model_bytes, batches)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    require_tools()
    cases = _cases()
    return cases, CompiledCases(cases, tmp_path_factory.mktemp("rearrange"))


def _inputs(rng, case):
    from converter.tflite_model import load_model

    sg = load_model(case.model_bytes).main_subgraph
    op = sg.operators[0]
    values = []
    for position, (index, dtype, shape) in enumerate(case.inputs):
        if op.name == "DYNAMIC_UPDATE_SLICE" and position == 2:  # start indices, some out of range (clamped)
            operand = sg.tensor(op.inputs[0]).shape
            values.append(np.array([rng.integers(-2, d + 3) for d in operand], dtype))
        elif op.name == "EMBEDDING_LOOKUP":
            values.append(rng.integers(0, sg.tensor(op.inputs[1]).shape[0], shape).astype(dtype))
        elif op.name in ("GATHER", "GATHER_ND") and position == 1:
            data_shape = sg.tensor(op.inputs[0]).shape
            if op.name == "GATHER_ND":
                cols = [rng.integers(0, data_shape[j], shape[:-1]) for j in range(shape[-1])]
                values.append(np.stack(cols, axis=-1).astype(dtype))
            else:
                values.append(rng.integers(0, data_shape[op.options.get("axis", 0)], shape).astype(dtype))
        elif op.name == "BROADCAST_ARGS":  # compatible shapes (TFLM aborts on others)
            continue
        elif dtype == "uint64":
            values.append(rng.integers(0, np.iinfo(np.uint64).max, shape, dtype=np.uint64, endpoint=True))
        else:
            values.append(random_values(rng, shape, dtype))
    if op.name == "BROADCAST_ARGS":
        (_, dtype, (n1,)), (_, _, (n2,)) = case.inputs
        n = max(n1, n2)
        dims = rng.integers(2, 6, n)
        full = [np.where(rng.random(n) < 0.5, 1, dims) for _ in range(2)]
        values = [full[0][n - n1:].astype(dtype), full[1][n - n2:].astype(dtype)]
    return values


def test_rearrange_ops_match_tflm(compiled):
    cases, program = compiled
    rng = np.random.default_rng(1919)
    for case in cases:
        batches = [_inputs(rng, case) for _ in range(100)]
        ours = program.run(case.name, batches)
        ref = _reference(case, batches)
        for a, b in zip(ours, ref):
            for x, y in zip(a, b):
                assert x.dtype == y.dtype and x.shape == y.shape, case.name
                assert np.array_equal(output_bits(x), output_bits(y)), case.name


def test_every_case_runs_a_kernel_and_evaluates_like_it(compiled):
    """Each case runs a kernel (not a generation-time step), and its generation-time evaluation (what the fold
    pass computes for constant inputs) gives the kernel's output."""
    cases, program = compiled
    rng = np.random.default_rng(5)
    for case in cases:
        step = lower_single(case.model_bytes)
        assert step.function, case.name
        if case.name.startswith("CONCATENATION"):  # (its lowering does not evaluate)
            continue
        inputs = _inputs(rng, case)
        by_index = {index: value for (index, _, _), value in zip(case.inputs, inputs)}
        values = step.evaluate(lambda t: by_index[t.index])
        for ours, evaluated in zip(program.run(case.name, [inputs])[0], values):
            expected = np.asarray(evaluated, ours.dtype).reshape(ours.shape)
            assert np.array_equal(output_bits(ours), output_bits(expected)), case.name


@pytest.mark.parametrize("model, why", [
    (lambda: slice_model("int8", (3, 4), [2, 0], [2, 4]), "outside"),
    (lambda: reverse_model("float32", (2, 3, 4), [0, 2]), "not contiguous"),
    (lambda: mirror_pad_model("int8", (2, 3), [[0, 0], [3, 0]], "REFLECT"), "outside the input"),
    (lambda: space_to_depth_model("int8", (1, 5, 4, 2), 2), "not a multiple"),
    (lambda: embedding_model("int8", "int16", 4, (3,), 2), "int8 table, int16 output"),
    (lambda: fill_model("float32", (2, 3), value_shape=(1,)), "TFLM takes a scalar"),
    (lambda: batch_to_space_model("int8", (6, 2, 2, 1), [2, 2], [[0, 0], [0, 0]]), "not a multiple"),
])
def test_refusals_are_one_line(model, why):
    with pytest.raises(NotLowerable, match=why) as info:
        lower_single(model())
    assert "\n" not in str(info.value)


def _folded_models():
    """Models whose values the generator computes: ZEROS_LIKE (as a model output and feeding ADD), FILL of a
    constant, SLICE / MIRROR_PAD / REVERSE_V2 of constants feeding a run-time ADD."""
    models = {}
    b = ModelBuilder()
    x = b.tensor("x", (2, 3), "float32")
    z = b.tensor("z", (2, 3), "float32")
    y = b.tensor("y", (2, 3), "float32")
    b.op("ZEROS_LIKE", [x], [z])
    b.op("ADD", [x, z], [y], options={"type": "add"})
    models["zeros_like_add"] = b.build(inputs=[x], outputs=[y, z])
    b = ModelBuilder()
    x = b.tensor("x", (2, 3), "int32")
    dims = b.tensor("dims", (2,), "int32", data=_ints([2, 3]))
    v = b.tensor("v", (), "int32", data=_ints([-7]))
    f = b.tensor("f", (2, 3), "int32")
    y = b.tensor("y", (2, 3), "int32")
    b.op("FILL", [dims, v], [f])
    b.op("ADD", [x, f], [y], options={"type": "add"})
    models["fill_add"] = b.build(inputs=[x], outputs=[y, f])
    b = ModelBuilder()
    x = b.tensor("x", (3, 4), "int32")
    table = b.tensor("t", (4, 6), "int32", data=np.arange(24, dtype=np.int32).tobytes())
    begin = b.tensor("begin", (2,), "int32", data=_ints([1, 1]))
    size = b.tensor("size", (2,), "int32", data=_ints([3, 4]))
    s = b.tensor("s", (3, 4), "int32")
    axis = b.tensor("axis", (1,), "int32", data=_ints([1]))
    r = b.tensor("r", (3, 4), "int32")
    y = b.tensor("y", (3, 4), "int32")
    b.op("SLICE", [table, begin, size], [s])
    b.op("REVERSE_V2", [s, axis], [r])
    b.op("ADD", [x, r], [y], options={"type": "add"})
    models["slice_reverse_add"] = b.build(inputs=[x], outputs=[y])
    return models


@pytest.mark.parametrize("name", ["zeros_like_add", "fill_add", "slice_reverse_add"])
def test_values_known_at_generation_time_fold(name):
    from codegen.compiled.generate import lower_model
    from codegen.compiled.host import assert_matches_tflm
    from converter.tflite_model import load_model

    require_tools()
    model = load_model(_folded_models()[name])
    program = lower_model(model)
    functions = [s.function for s in program.steps]
    assert not any(s.name in ("ZEROS_LIKE", "FILL", "SLICE", "REVERSE_V2") and s.function != "an_copy"
                   for s in program.steps), functions
    assert assert_matches_tflm(model, count=100, seed=5) == 100


def rearrange_row_models():
    """A builder model per (operator, type combination) of the support table's rows this file covers (read by
    tests/test_compiled_support.py)."""
    models = {}
    every = ("int8", "uint8", "int16", "int32", "int64", "float32", "bool")
    for dtype in ("uint32", "uint64"):
        models[("BROADCAST_TO", f"{dtype} -> {dtype}")] = lambda d=dtype: broadcast_to_model(d, (1, 4), (3, 4))
    for dtype in every:
        if dtype != "uint8":
            models[("SLICE", f"{dtype} -> {dtype}")] = lambda d=dtype: slice_model(d, (3, 4), [1, 0], [2, -1])
            models[("STRIDED_SLICE", f"{dtype} -> {dtype}")] = \
                lambda d=dtype: strided_slice_model(d, (4, 6), [1, 0], [3, 6], [1, 2], (2, 3))
        models[("REVERSE_V2", f"{dtype} -> {dtype}")] = lambda d=dtype: reverse_model(d, (3, 4), [1])
        models[("BROADCAST_TO", f"{dtype} -> {dtype}")] = lambda d=dtype: broadcast_to_model(d, (1, 4), (3, 4))
    for dtype in ("int8", "float32"):
        models[("DEPTH_TO_SPACE", f"{dtype} -> {dtype}")] = lambda d=dtype: depth_to_space_model(d, (1, 2, 2, 4), 2)
        models[("BATCH_TO_SPACE_ND", f"{dtype} -> {dtype}")] = \
            lambda d=dtype: batch_to_space_model(d, (4, 2, 2, 1), [2, 2], [[0, 0], [0, 0]])
    for dtype in ("int8", "int32", "int64", "float32"):
        models[("MIRROR_PAD", f"{dtype} -> {dtype}")] = \
            lambda d=dtype: mirror_pad_model(d, (3, 4), [[1, 1], [0, 2]], "REFLECT")
    for dtype in ("int8", "int16", "int32", "int64", "float32"):
        models[("FILL", f"int32 -> {dtype}")] = lambda d=dtype: fill_model(d, (2, 3))
    for dtype in ("int8", "int16", "int32", "float32"):
        models[("DYNAMIC_UPDATE_SLICE", f"{dtype} -> {dtype}")] = lambda d=dtype: update_slice_model(d, (4, 3), (2, 3))
    models[("EMBEDDING_LOOKUP", "int32 -> int8")] = lambda: embedding_model("int8", "int8", 4, (3,), 2)
    models[("EMBEDDING_LOOKUP", "int32 -> float32")] = lambda: embedding_model("int8", "float32", 4, (3,), 2)
    for dtype in ("int32", "int64"):
        models[("BROADCAST_ARGS", f"{dtype} -> {dtype}")] = lambda d=dtype: broadcast_args_model(d, 3, 2)
    models[("CONCATENATION", "bool -> bool")] = lambda: concat_model("bool", [(2, 3), (2, 1)], 1)
    models[("GATHER", "int32 -> int32")] = lambda: gather_model("int32", (4, 3), (2,), 0)
    return models


def _tflm_type_models():
    """One model per (operator, type) tflm_ops.json lists for this file's operators (and the types it
    lists beyond what the kernels take)."""
    every = ("int8", "uint8", "int16", "int32", "int64", "float32", "bool")
    models = {("BROADCAST_TO", d): lambda d=d: broadcast_to_model(d, (1, 4), (3, 4)) for d in ("uint32", "uint64")}
    for dtype in every:
        models[("SLICE", dtype)] = lambda d=dtype: slice_model(d, (3, 4), [1, 0], [2, -1])
        models[("REVERSE_V2", dtype)] = lambda d=dtype: reverse_model(d, (3, 4), [1])
        models[("BROADCAST_TO", dtype)] = lambda d=dtype: broadcast_to_model(d, (1, 4), (3, 4))
        models[("MIRROR_PAD", dtype)] = lambda d=dtype: mirror_pad_model(d, (3, 4), [[1, 1], [0, 2]], "REFLECT")
        models[("FILL", dtype)] = lambda d=dtype: fill_model(d, (2, 3))
        models[("DYNAMIC_UPDATE_SLICE", dtype)] = lambda d=dtype: update_slice_model(d, (4, 3), (2, 3))
        models[("GATHER", dtype)] = lambda d=dtype: gather_model(d, (4, 3), (2,), 0)
        models[("GATHER_ND", dtype)] = lambda d=dtype: gather_nd_model(d, (4, 3), (2, 1))
        models[("DEPTH_TO_SPACE", dtype)] = lambda d=dtype: depth_to_space_model(d, (1, 2, 2, 4), 2)
        models[("SPACE_TO_DEPTH", dtype)] = lambda d=dtype: space_to_depth_model(d, (1, 4, 2, 1), 2)
        models[("BATCH_TO_SPACE_ND", dtype)] = \
            lambda d=dtype: batch_to_space_model(d, (4, 2, 2, 1), [2, 2], [[0, 0], [0, 0]])
        models[("SPACE_TO_BATCH_ND", dtype)] = \
            lambda d=dtype: space_to_batch_model(d, (1, 4, 4, 1), [2, 2], [[0, 0], [0, 0]])
        models[("CONCATENATION", dtype)] = lambda d=dtype: concat_model(d, [(2, 3), (2, 1)], 1)
        models[("STRIDED_SLICE", dtype)] = \
            lambda d=dtype: strided_slice_model(d, (4, 6), [1, 0], [3, 6], [1, 2], (2, 3))
    for dtype in ("int32", "int64"):
        models[("BROADCAST_ARGS", dtype)] = lambda d=dtype: broadcast_args_model(d, 3, 2)
    for table, out in (("float32", "float32"), ("int8", "int8"), ("int8", "float32")):
        models[("EMBEDDING_LOOKUP", f"{table}->{out}")] = lambda t=table, o=out: embedding_model(t, o, 4, (3,), 2)
    return models


@pytest.mark.skipif(importlib.util.find_spec("tflite_micro") is None, reason="tflite-micro package not installed")
def test_check_says_what_the_tflm_interpreter_runs(tmp_path):
    """`attendnets check`'s TFLM column (converter/tflm/tflm_ops.json) agrees with the interpreter on every type of
    these operators, and the compiled column says ok wherever TFLM runs the model."""
    from test_check_tflm import _run_all

    from codegen.compiled.lower import operator_support
    from converter.tflite_model import load_model
    from converter.tflm.check import check_model

    cases = {}
    for (op, dtype), make in _tflm_type_models().items():
        path = tmp_path / f"{op}_{dtype.replace('>', '')}.tflite"
        path.write_bytes(make())
        cases[str(path)] = (op, dtype)
    runs = _run_all(cases)
    wrong = []
    for path, (op, dtype) in cases.items():
        model = load_model(path)
        if check_model(model).ok != runs[path]:
            wrong.append(f"{op} {dtype}: check says {'runs' if not runs[path] else 'refused'}, TFLM "
                         f"{'runs' if runs[path] else 'refuses'}")
        refusals = [why for *_, why in operator_support(model) if why]
        if runs[path] and refusals:
            wrong.append(f"{op} {dtype}: TFLM runs it, the compiled runtime refuses: {refusals}")
    assert not wrong, "\n".join(wrong)
    assert sum(runs.values()) > len(cases) // 3  # the harness really runs models


def movement_model() -> bytes:
    """A chain of the data-movement operators on one int8 feature map (bench/coverage.py's movement_int8):
    SPACE_TO_DEPTH, MIRROR_PAD, SLICE, DEPTH_TO_SPACE, REVERSE_V2, SPACE_TO_BATCH_ND (padded), BATCH_TO_SPACE_ND
    (cropped), BROADCAST_TO, DYNAMIC_UPDATE_SLICE (a slice of the map, clamped into place); one input, as the
    firmware's sample takes."""
    q = dict(scale=0.05, zero_point=-3)
    b = ModelBuilder()

    def t(name, shape, dtype="int8", data=None):
        return b.tensor(name, shape, dtype, data=data, **(q if dtype == "int8" else {}))

    def const(name, values, shape=None):
        values = np.asarray(values, np.int32)
        return b.tensor(name, shape or values.shape, "int32", data=values.tobytes())

    x = t("x", (1, 8, 6, 3))
    s2d = t("s2d", (1, 4, 3, 12))
    b.op("SPACE_TO_DEPTH", [x], [s2d], options={"type": "space_to_depth", "block_size": 2})
    padded = t("padded", (1, 6, 6, 12))
    b.op("MIRROR_PAD", [s2d, const("pads", [[0, 0], [1, 1], [2, 1], [0, 0]])], [padded],
         options={"type": "mirror_pad", "mode": 1})
    sliced = t("sliced", (1, 5, 4, 12))
    b.op("SLICE", [padded, const("begin", [0, 1, 1, 0]), const("size", [1, 5, 4, -1])], [sliced])
    d2s = t("d2s", (1, 10, 8, 3))
    b.op("DEPTH_TO_SPACE", [sliced], [d2s], options={"type": "depth_to_space", "block_size": 2})
    rev = t("rev", (1, 10, 8, 3))
    b.op("REVERSE_V2", [d2s, const("axis", [1, 2])], [rev])
    s2b = t("s2b", (6, 4, 5, 3))
    b.op("SPACE_TO_BATCH_ND", [rev, const("block", [3, 2]), const("spads", [[1, 1], [0, 2]])], [s2b])
    b2s = t("b2s", (1, 9, 7, 3))
    b.op("BATCH_TO_SPACE_ND", [s2b, const("bblock", [3, 2]), const("crops", [[1, 2], [1, 2]])], [b2s])
    wide = t("wide", (2, 9, 7, 3))
    b.op("BROADCAST_TO", [b2s, const("shape", [2, 9, 7, 3])], [wide], version=2)
    update = t("update", (1, 4, 5, 3))
    b.op("SLICE", [b2s, const("ubegin", [0, 2, 1, 0]), const("usize", [1, 4, 5, 3])], [update])
    y = t("y", (2, 9, 7, 3))
    b.op("DYNAMIC_UPDATE_SLICE", [wide, update, const("where", [1, 3, 4, 0])], [y])
    return b.build(inputs=[x], outputs=[y])


def test_movement_chain_generates_and_matches_tflm():
    """The chain as one generated model (arena plan, emitted C): SPACE_TO_BATCH_ND's padding is TFLM's
    uninitialized memory, so it is cropped away by BATCH_TO_SPACE_ND before the output."""
    from codegen.compiled.generate import lower_model
    from codegen.compiled.host import assert_matches_tflm, random_samples
    from converter.tflite_model import load_model

    require_tools()
    model = load_model(movement_model())
    assert all(s.function for s in lower_model(model).steps)
    assert assert_matches_tflm(model, samples=random_samples(model, 100, seed=7)) == 100


def test_movement_chain_on_cortex_m4_matches_tflm():
    """The same chain built for Cortex-M4 (DSP kernels) and run in QEMU: 3 inputs, bit-exact."""
    import compiled_qemu

    from codegen.compiled.host import random_samples, run_tflm_batch
    from converter.tflite_model import load_model

    missing = compiled_qemu.tools_missing()
    if missing:
        pytest.skip(missing)
    model = load_model(movement_model())
    samples = random_samples(model, 3, seed=11)
    ours = compiled_qemu.run_model_on_m4(model, samples, dsp=True)
    for got, (expected,) in zip(ours, run_tflm_batch(model, samples)):
        assert np.array_equal(got.reshape(-1), np.asarray(expected).reshape(-1))
