"""Compiled runtime: generation-time evaluation (codegen.compiled.fold) on models built without TensorFlow.

Flatten's shape arithmetic (SHAPE -> STRIDED_SLICE -> PACK -> RESHAPE) is computed by the
generator and leaves no step; int32 ADD/MUL, CAST and GATHER of constants too; a TRANSPOSE
whose permutation is computed (GATHER of constants) lowers in a second round once the
permutation is known.  Each model runs bit-exact against tflite-micro on 100 random inputs.
Refusals name the operator with its types and why (a value computed at run time).
"""

from __future__ import annotations

import numpy as np
import pytest

from compiled_ops_harness import require_tools
from tflite_builder import ModelBuilder

from codegen.compiled.generate import CompiledRuntimeUnsupportedError, lower_model, operator_support
from codegen.compiled.host import assert_matches_tflm
from converter.tflite_model import load_model

Q = dict(scale=0.07, zero_point=-5)


def _i32(values):
    return np.array(values, np.int32).tobytes()


def flatten_model():
    """x[1,5,3,2] int8 -> SHAPE -> STRIDED_SLICE (batch) -> PACK(batch, -1 as MUL(-1, 1)) -> RESHAPE -> RELU."""
    b = ModelBuilder()
    x = b.tensor("x", (1, 5, 3, 2), "int8", **Q)
    shape = b.tensor("shape", (4,), "int32")
    begin, end, strides = (b.tensor(n, (1,), "int32", data=_i32(v)) for n, v in
                           (("begin", [0]), ("end", [1]), ("strides", [1])))
    batch = b.tensor("batch", (), "int32")
    minus_one = b.tensor("minus_one", (), "int32", data=_i32([-1]))
    one = b.tensor("one", (), "int32", data=_i32([1]))
    flat = b.tensor("flat", (), "int32")
    packed = b.tensor("packed", (2,), "int32")
    r = b.tensor("r", (1, 30), "int8", **Q)
    y = b.tensor("y", (1, 30), "int8", **Q)
    b.op("SHAPE", [x], [shape], options={"type": "shape"})
    b.op("STRIDED_SLICE", [shape, begin, end, strides], [batch],
         options={"type": "strided_slice", "shrink_axis_mask": 1})
    b.op("MUL", [minus_one, one], [flat], options={"type": "mul"})
    b.op("PACK", [batch, flat], [packed], options={"type": "pack", "values_count": 2, "axis": 0})
    b.op("RESHAPE", [x, packed], [r])
    b.op("RELU", [r], [y])
    return b.build(inputs=[x], outputs=[y])


def computed_permutation_model():
    """TRANSPOSE(x, GATHER(const [0,1,2,3], CAST(const float [0,2,3,1]))): the permutation is computed."""
    b = ModelBuilder()
    x = b.tensor("x", (1, 3, 5, 7), "int8", **Q)
    axes = b.tensor("axes", (4,), "int32", data=_i32([0, 1, 2, 3]))
    order = b.tensor("order", (4,), "float32", data=np.array([0, 2, 3, 1], np.float32).tobytes())
    index = b.tensor("index", (4,), "int32")
    perm = b.tensor("perm", (4,), "int32")
    y = b.tensor("y", (1, 5, 7, 3), "int8", **Q)
    b.op("CAST", [order], [index])
    b.op("GATHER", [axes, index], [perm], options={"type": "gather", "axis": 0})
    b.op("TRANSPOSE", [x, perm], [y])
    return b.build(inputs=[x], outputs=[y])


def test_flatten_shape_arithmetic_is_folded_and_bit_exact():
    require_tools()
    model = load_model(flatten_model())
    program = lower_model(model)
    assert [s.name for s in program.steps] == ["RESHAPE", "RELU"]
    assert all(reason is None for *_, reason in operator_support(model))
    assert assert_matches_tflm(model, count=100, seed=3) == 100


def test_computed_permutation_lowers_in_a_second_round():
    """TFLM refuses a TRANSPOSE whose permutation is not a constant tensor; the compiled runtime computes it,
    so the reference here is NumPy's transpose of the input (pure data movement)."""
    require_tools()
    from codegen.compiled.host import random_samples, run_on_host_batch

    model = load_model(computed_permutation_model())
    program = lower_model(model)
    assert [s.name for s in program.steps] == ["TRANSPOSE"]
    samples = random_samples(model, 20, seed=4)
    for sample, out in zip(samples, run_on_host_batch(model, samples)):
        assert np.array_equal(np.asarray(out[0]).reshape(1, 5, 7, 3), np.asarray(sample[0]).transpose(0, 2, 3, 1))


def test_run_time_values_are_refused_with_types_and_reason():
    """CAST to int64 has no kernel (CAST runs to int8/int16/int32/float32): at run time it is refused."""
    b = ModelBuilder()
    x = b.tensor("x", (3,), "int32")
    y = b.tensor("y", (3,), "int64")
    b.op("CAST", [x], [y])
    model = load_model(b.build(inputs=[x], outputs=[y]))
    with pytest.raises(CompiledRuntimeUnsupportedError) as info:
        lower_model(model)
    message = str(info.value)
    assert "CAST(int32 -> int64) (operator 0)" in message and "computed at run time" in message
    assert "\n" not in message
    [(_, _, name, reason)] = operator_support(model)
    assert name == "CAST" and "computed at run time" in reason


def test_gather_of_constants_out_of_range_is_refused():
    b = ModelBuilder()
    x = b.tensor("x", (2, 4), "int8", **Q)
    table = b.tensor("table", (3,), "int32", data=_i32([1, 2, 3]))
    index = b.tensor("index", (1,), "int32", data=_i32([3]))
    picked = b.tensor("picked", (1,), "int32")
    y = b.tensor("y", (8,), "int8", **Q)
    b.op("GATHER", [table, index], [picked], options={"type": "gather"})
    b.op("RESHAPE", [x, picked], [y])
    with pytest.raises(CompiledRuntimeUnsupportedError) as info:
        lower_model(load_model(b.build(inputs=[x], outputs=[y])))
    assert "GATHER(const int32, const int32 -> int32) (operator 0): an index outside [0, 3)" in str(info.value)


def test_int32_arithmetic_evaluates_like_tflm():
    """ADD (TFLM ignores its RELU on int32), SUB with RELU6, MUL with RELU of int32, broadcast: the steps'
    generation-time arithmetic on 100 random inputs against tflite-micro running the same operators."""
    require_tools()
    from compiled_ops_harness import tflm_outputs

    from codegen.compiled.fold import NotConstant
    from codegen.compiled.lower import ModelLoweringContext, load_lowerings

    b = ModelBuilder()
    a = b.tensor("a", (2, 3), "int32")
    c = b.tensor("c", (3,), "int32", data=_i32([-9, 4, 700]))
    s = b.tensor("s", (2, 3), "int32")
    d = b.tensor("d", (2, 3), "int32")
    m = b.tensor("m", (2, 3), "int32")
    b.op("ADD", [a, c], [s], options={"type": "add", "activation": "RELU"})
    b.op("SUB", [s, c], [d], options={"type": "sub", "activation": "RELU6"})
    b.op("MUL", [s, a], [m], options={"type": "mul", "activation": "RELU"})
    data = b.build(inputs=[a], outputs=[d, m])
    model = load_model(data)
    ctx = ModelLoweringContext(model)
    ops = model.main_subgraph.operators
    steps = [load_lowerings()[op.name](op, ctx) for op in ops]
    # with a run-time input they are kernel steps (an_int32.c, tested in test_compiled_data_ops.py) whose
    # evaluate is the same arithmetic the fold pass uses on constants
    assert [step.function for step in steps] == ["an_add_s32", "an_sub_s32", "an_mul_s32"]
    rng = np.random.default_rng(7)
    samples = [[rng.integers(-3000, 3000, (2, 3)).astype(np.int32)] for _ in range(100)]
    for sample, expected in zip(samples, tflm_outputs(data, samples)):
        known = {ctx.tensor(a).operand: sample[0]}

        def value_of(t):
            if t not in known:
                raise NotConstant(t.name)
            return known[t]

        for op, step in zip(ops, steps):
            known[ctx.tensor(op.outputs[0]).operand] = step.evaluate(value_of)[0]
        assert np.array_equal(known[ctx.tensor(d).operand], expected[0])
        assert np.array_equal(known[ctx.tensor(m).operand], expected[1])
