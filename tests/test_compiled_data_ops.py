"""Compiled runtime: run-time data movement and selection against tflite-micro, 100 random inputs per case.

Comparisons (EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL: int8 quantized unlike each other,
int32, int64, float32 with NaN/inf/signed zeros, bool), SELECT / SELECT_V2 (int8, int16, float32, every input
broadcast), GATHER (axis, batch_dims, constant table with run-time indices), GATHER_ND, SPLIT, SPLIT_V,
UNPACK and PACK (int8, int16, int32, float32; PACK int64) over odd shapes.
"""

from __future__ import annotations

import numpy as np
import pytest

from compiled_ops_harness import Case, CompiledCases, assert_cases_match_tflm, lower_single, require_tools
from tflite_builder import ModelBuilder

QUANT = {"int8": dict(scale=0.05, zero_point=3), "int16": dict(scale=0.001, zero_point=0)}
COMPARISONS = ("EQUAL", "NOT_EQUAL", "LESS", "LESS_EQUAL", "GREATER", "GREATER_EQUAL")


def _quant(dtype, **override):
    return {**QUANT.get(dtype, {}), **override} if dtype in QUANT else {}


def random_values(rng, shape, dtype, small=False):
    """Random values of ``dtype``; floats with NaN, infinities and signed zeros; ``small`` integers in
    [-3, 3] so that equal values are frequent."""
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype == "float32":
        v = (rng.integers(-3, 4, shape) if small else rng.standard_normal(shape)).astype(np.float32)
        flat = v.reshape(-1)
        picks = rng.random(flat.size) < 0.2
        flat[picks] = rng.choice(np.array([np.nan, np.inf, -np.inf, -0.0, 0.0], np.float32), int(picks.sum()))
        return v
    if small:
        return rng.integers(-3, 4, shape).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max + 1, shape, dtype=np.int64).astype(dtype)


def comparison_model(name, dtype, s1, s2, out, scales=((0.05, 3), (0.07, -2)), constant_second=None):
    b = ModelBuilder()
    q1 = dict(scale=scales[0][0], zero_point=scales[0][1]) if dtype == "int8" else {}
    q2 = dict(scale=scales[1][0], zero_point=scales[1][1]) if dtype == "int8" else {}
    x1 = b.tensor("x1", s1, dtype, **q1)
    data = None if constant_second is None else np.asarray(constant_second).astype(dtype).tobytes()
    x2 = b.tensor("x2", s2, dtype, data=data, **q2)
    y = b.tensor("y", out, "bool")
    b.op(name, [x1, x2], [y], version=2 if dtype in ("int8",) else 1)
    return b.build(inputs=[x1] if data else [x1, x2], outputs=[y])


def select_model(name, dtype, sc, sx, sy, out):
    b = ModelBuilder()
    c = b.tensor("c", sc, "bool")
    x = b.tensor("x", sx, dtype, **_quant(dtype))
    y = b.tensor("y", sy, dtype, **_quant(dtype))
    o = b.tensor("o", out, dtype, **_quant(dtype))
    b.op(name, [c, x, y], [o], version=2 if dtype in ("int8", "int16") else 1)
    return b.build(inputs=[c, x, y], outputs=[o])


def gather_model(dtype, in_shape, idx_shape, axis, batch_dims=0, constant_table=None, seed=0):
    b = ModelBuilder()
    data = None
    if constant_table:
        data = random_values(np.random.default_rng(seed), in_shape, dtype).tobytes()
    x = b.tensor("x", in_shape, dtype, data=data, **_quant(dtype))
    i = b.tensor("i", idx_shape, "int32")
    out = tuple(in_shape[:axis]) + tuple(idx_shape[batch_dims:]) + tuple(in_shape[axis + 1:])
    y = b.tensor("y", out, dtype, **_quant(dtype))
    b.op("GATHER", [x, i], [y], options={"type": "gather", "axis": axis, "batch_dims": batch_dims})
    return b.build(inputs=[i] if data else [x, i], outputs=[y])


def gather_nd_model(dtype, in_shape, idx_shape):
    b = ModelBuilder()
    x = b.tensor("x", in_shape, dtype, **_quant(dtype))
    i = b.tensor("i", idx_shape, "int32")
    y = b.tensor("y", tuple(idx_shape[:-1]) + tuple(in_shape[idx_shape[-1]:]), dtype, **_quant(dtype))
    b.op("GATHER_ND", [x, i], [y])
    return b.build(inputs=[x, i], outputs=[y])


def split_model(name, dtype, shape, axis, sizes):
    b = ModelBuilder()
    x = b.tensor("x", shape, dtype, **_quant(dtype))
    ax = b.tensor("axis", (1,), "int32", data=np.array([axis], np.int32).tobytes())
    a = axis % len(shape)
    outs = []
    for k, size in enumerate(sizes):
        s = list(shape)
        if name == "UNPACK":
            s.pop(a)
        else:
            s[a] = size
        outs.append(b.tensor(f"y{k}", tuple(s), dtype, **_quant(dtype)))
    if name == "SPLIT":
        b.op("SPLIT", [ax, x], outs, options={"type": "split", "num_splits": len(sizes)})
    elif name == "SPLIT_V":
        sz = b.tensor("sizes", (len(sizes),), "int32", data=np.array(sizes, np.int32).tobytes())
        b.op("SPLIT_V", [x, sz, ax], outs, options={"type": "split_v", "num_splits": len(sizes)})
    else:
        b.op("UNPACK", [x], outs, options={"type": "unpack", "num": len(sizes), "axis": axis})
    return b.build(inputs=[x], outputs=outs)


def pack_model(dtype, shape, count, axis):
    b = ModelBuilder()
    xs = [b.tensor(f"x{k}", shape, dtype, **_quant(dtype)) for k in range(count)]
    out = list(shape)
    out.insert(axis % (len(shape) + 1), count)
    y = b.tensor("y", tuple(out), dtype, **_quant(dtype))
    b.op("PACK", xs, [y], options={"type": "pack", "axis": axis, "values_count": count})
    return b.build(inputs=xs, outputs=[y])


def int32_arithmetic_model(name, s1, s2, out, activation="NONE"):
    b = ModelBuilder()
    x1 = b.tensor("x1", s1, "int32")
    x2 = b.tensor("x2", s2, "int32")
    y = b.tensor("y", out, "int32")
    b.op(name, [x1, x2], [y], options={"type": name.lower(), "activation": activation})
    return b.build(inputs=[x1, x2], outputs=[y])


def cast_model(src, dst, shape=(3, 5)):
    b = ModelBuilder()
    x = b.tensor("x", shape, src)
    y = b.tensor("y", shape, dst)
    b.op("CAST", [x], [y])
    return b.build(inputs=[x], outputs=[y])


def _cases():
    cases = []
    for name, activation in (("ADD", "RELU"), ("SUB", "RELU6"), ("MUL", "NONE"), ("MUL", "RELU")):
        cases.append(Case(f"{name}_int32_{activation}", int32_arithmetic_model(name, (2, 3, 4), (2, 3, 4), (2, 3, 4),
                                                                                activation)))
        cases.append(Case(f"{name}_int32_{activation}_bcast", int32_arithmetic_model(name, (3, 1), (1, 5), (3, 5),
                                                                                      activation)))
    for src in ("int8", "int16", "int32", "float32", "bool"):
        for dst in ("int8", "int16", "int32", "float32"):
            cases.append(Case(f"CAST_{src}_{dst}", cast_model(src, dst)))
    shapes = [((2, 3, 5), (2, 3, 5), (2, 3, 5)), ((2, 3, 5), (5,), (2, 3, 5)), ((1, 5, 1), (3, 1, 7), (3, 5, 7))]
    for name in COMPARISONS:
        types = ("int8", "int32", "int64", "float32") + (("bool",) if name in ("EQUAL", "NOT_EQUAL") else ())
        for dtype in types:
            for k, (s1, s2, out) in enumerate(shapes):
                cases.append(Case(f"{name}_{dtype}_{k}", comparison_model(name, dtype, s1, s2, out)))
        # int8 quantized alike (one table), extreme scales (tiny and just below 1), a constant operand
        cases.append(Case(f"{name}_int8_alike", comparison_model(name, "int8", (3, 4), (3, 4), (3, 4),
                                                               scales=((0.02, -5), (0.02, -5)))))
        cases.append(Case(f"{name}_int8_extreme", comparison_model(name, "int8", (4, 5), (1, 5), (4, 5),
                                                                 scales=((1e-6, 127), (0.999, -128)))))
        cases.append(Case(f"{name}_f32_const", comparison_model(name, "float32", (3, 4), (4,), (3, 4),
                                                              constant_second=[0.0, -1.5, np.inf, 2.25])))
    for name in ("SELECT_V2",):
        for dtype in ("int8", "int16", "float32"):
            cases.append(Case(f"{name}_{dtype}_same", select_model(name, dtype, (2, 3, 5), (2, 3, 5), (2, 3, 5),
                                                                  (2, 3, 5))))
        for dtype in ("int8", "float32"):
            cases.append(Case(f"{name}_{dtype}_bcast", select_model(name, dtype, (3, 1, 5), (1, 4, 5), (4, 1),
                                                                   (3, 4, 5))))
            cases.append(Case(f"{name}_{dtype}_scalar_cond", select_model(name, dtype, (), (2, 7), (7,), (2, 7))))
    for dtype in ("int8", "float32"):
        cases.append(Case(f"GATHER_{dtype}_axis0", gather_model(dtype, (7, 3), (5,), 0)))
        cases.append(Case(f"GATHER_{dtype}_axis1", gather_model(dtype, (2, 5, 3), (2, 3), 1)))
        cases.append(Case(f"GATHER_{dtype}_last", gather_model(dtype, (3, 4, 6), (4,), -1 % 3)))
        cases.append(Case(f"GATHER_{dtype}_batch", gather_model(dtype, (2, 5, 3), (2, 4), 1, batch_dims=1)))
        cases.append(Case(f"GATHER_{dtype}_table", gather_model(dtype, (11, 5), (3, 2), 0, constant_table=True)))
        cases.append(Case(f"GATHER_ND_{dtype}_full", gather_nd_model(dtype, (3, 4, 5), (6, 3))))
        cases.append(Case(f"GATHER_ND_{dtype}_slices", gather_nd_model(dtype, (3, 4, 5), (2, 3, 2))))
        cases.append(Case(f"GATHER_ND_{dtype}_rows", gather_nd_model(dtype, (5, 3), (4, 1))))
    for dtype in ("int8", "int16", "int32", "float32"):
        cases.append(Case(f"SPLIT_{dtype}_mid", split_model("SPLIT", dtype, (2, 6, 3), 1, [2, 2, 2])))
        cases.append(Case(f"SPLIT_{dtype}_neg", split_model("SPLIT", dtype, (3, 5, 4), -1, [2, 2])))
        cases.append(Case(f"SPLIT_V_{dtype}", split_model("SPLIT_V", dtype, (3, 7, 2), 1, [1, 4, 2])))
        cases.append(Case(f"SPLIT_V_{dtype}_first", split_model("SPLIT_V", dtype, (5, 3), 0, [3, 2])))
        cases.append(Case(f"UNPACK_{dtype}_0", split_model("UNPACK", dtype, (3, 2, 5), 0, [1, 1, 1])))
        cases.append(Case(f"UNPACK_{dtype}_last", split_model("UNPACK", dtype, (3, 2, 4), 2, [1] * 4)))
    for dtype in ("int16", "int32", "int64", "float32", "int8"):
        cases.append(Case(f"PACK_{dtype}_0", pack_model(dtype, (3, 5), 3, 0)))
        cases.append(Case(f"PACK_{dtype}_last", pack_model(dtype, (2, 3), 2, 2)))
    return cases


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    require_tools()
    cases = _cases()
    return cases, CompiledCases(cases, tmp_path_factory.mktemp("data_ops"))


def _inputs(rng, case):
    model_name = case.name
    values = []
    for index, dtype, shape in case.inputs:
        if dtype == "int32" and model_name.startswith("GATHER_ND"):
            values.append(None)  # filled below from the data shape
            continue
        if dtype == "int32" and model_name.startswith("GATHER") and not model_name.startswith("GATHER_ND"):
            values.append(None)
            continue
        small = model_name.split("_")[0] in ("EQUAL", "NOT", "LESS", "GREATER") and rng.random() < 0.5
        if model_name.startswith("CAST_float32"):  # in range of every integer type (outside: undefined in C)
            values.append(np.clip(rng.standard_normal(shape) * 40, -128.9, 127.9).astype(np.float32))
            continue
        values.append(random_values(rng, shape, dtype, small=small))
    return values


def _fill_indices(rng, case, values):
    from converter.tflite_model import load_model

    sg = load_model(case.model_bytes).main_subgraph
    op = sg.operators[0]
    data_shape = sg.tensor(op.inputs[0]).shape
    for k, (index, dtype, shape) in enumerate(case.inputs):
        if values[k] is not None:
            continue
        if op.name == "GATHER_ND":
            nd = shape[-1]
            cols = [rng.integers(0, data_shape[j], shape[:-1]) for j in range(nd)]
            values[k] = np.stack(cols, axis=-1).astype(np.int32)
        else:
            axis = op.options.get("axis", 0) % len(data_shape)
            values[k] = rng.integers(0, data_shape[axis], shape).astype(np.int32)
    return values


def test_data_ops_match_tflm(compiled):
    rng = np.random.default_rng(19)
    assert_cases_match_tflm(compiled, lambda case: [_fill_indices(rng, case, _inputs(rng, case)) for _ in range(100)])


def test_refusals_stay_exact():
    """What TFLM does not run (or runs meaninglessly) is refused with the reason."""
    from codegen.compiled.lowering import NotLowerable

    for model, why in ((comparison_model("GREATER", "int16", (3,), (3,), (3,)), "int16 inputs"),
                       (comparison_model("LESS", "int8", (3,), (3,), (3,), scales=((1.5, 0), (0.1, 0))), r"outside \(0, 1\)"),
                       (comparison_model("LESS", "bool", (3,), (3,), (3,)), "bool inputs"),
                       (select_model("SELECT_V2", "int32", (3,), (3,), (3,), (3,)), "int32 values"),
                       (gather_model("int16", (4, 3), (2,), 0), "int16 data"),
                       (split_model("SPLIT", "int64", (2, 4), 1, [2, 2]), "int64 tensors")):
        with pytest.raises(NotLowerable, match=why):
            lower_single(model)


def test_gather_of_constants_folds_and_out_of_range_is_refused():
    """A GATHER of a constant by constant indices is computed by the generator (no kernel); an index TFLM
    would read outside the table is refused at generation time."""
    from codegen.compiled.lower import lower_model
    from converter.tflite_model import load_model
    from codegen.compiled.lower import CompiledRuntimeUnsupportedError

    def model(indices):
        b = ModelBuilder()
        x = b.tensor("x", (4, 2), "int8", scale=0.1, zero_point=0, data=np.arange(8, dtype=np.int8).tobytes())
        i = b.tensor("i", (2,), "int32", data=np.array(indices, np.int32).tobytes())
        g = b.tensor("g", (2, 2), "int8", scale=0.1, zero_point=0)
        a = b.tensor("a", (2, 2), "int8", scale=0.1, zero_point=0)
        y = b.tensor("y", (2, 2), "int8", scale=0.1, zero_point=0)
        b.op("GATHER", [x, i], [g], options={"type": "gather"})
        b.op("MAXIMUM", [a, g], [y])
        return load_model(b.build(inputs=[a], outputs=[y]))

    program = lower_model(model([3, 1]))
    assert [s.function for s in program.steps] == ["an_maximum_s8"]
    assert list(program.steps[0].constants())[0].values.tolist() == [6, 7, 2, 3]
    with pytest.raises(CompiledRuntimeUnsupportedError, match="outside"):
        lower_model(model([4, 0]))
