"""Compiled runtime: int8 ADD, SUB, MUL against the tflite-micro interpreter, byte for byte.

Broadcasting of every kind TFLM's reference kernels take (one or both inputs, lower
rank, scalars, 5-D and 6-D), odd sizes, fused RELU/RELU6/RELU_N1_TO_1, zero points at
-128/127, very different input scales and output scales that saturate; a constant
operand; 100 random inputs per case; and every (a, b) byte pair through each operator for
the scales above plus the edges of the kernels' requantization paths (ADD's output shift 0,
MUL's left shifts up to 14 and beyond).  All cases compile into one host program.
"""

from __future__ import annotations

import numpy as np
import pytest

from compiled_ops_harness import Case, CompiledCases, aliased_input, lower_single, require_tools, tflm_outputs
from tflite_builder import ModelBuilder

from codegen.compiled.lowering import NotLowerable
from codegen.compiled.ops import fixedpoint as fp
from codegen.compiled.ops.binary import _requantize_array, broadcast_walk

SHAPES = [  # (input1, input2, output)
    ((1, 5, 7, 3), (1, 5, 7, 3), (1, 5, 7, 3)),
    ((1, 5, 7, 3), (3,), (1, 5, 7, 3)),
    ((1, 5, 7, 3), (1, 1, 1, 3), (1, 5, 7, 3)),
    ((1, 1, 1, 3), (1, 5, 7, 3), (1, 5, 7, 3)),
    ((1, 5, 1, 3), (1, 1, 7, 1), (1, 5, 7, 3)),
    ((2, 1, 3, 1, 5), (1, 4, 1, 6, 1), (2, 4, 3, 6, 5)),
    ((2, 1, 2, 1, 3, 1), (1, 2, 1, 2, 1, 3), (2, 2, 2, 2, 3, 3)),
    ((1, 5, 7, 3), (), (1, 5, 7, 3)),
    ((1,), (3, 1, 5), (3, 1, 5)),
    ((13,), (13,), (13,)),
]
QUANTS = [  # (input1, input2, output) as (scale, zero point)
    ((0.05, 3), (0.07, -10), (0.1, 0)),
    ((0.5, -128), (0.5, 127), (0.02, -5)),  # saturates
    ((1e-3, 0), (10.0, 1), (8.0, -128)),  # very different input scales
    ((0.0123, 127), (0.0456, -128), (0.006, 127)),
]
ACTIVATIONS = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]


def binary_model(op, shapes, quants, activation="NONE", constant_input2=None):
    b = ModelBuilder()
    (s1, q1), (s2, q2), (so, qo) = zip(shapes, quants)
    x1 = b.tensor("x1", s1, "int8", scale=q1[0], zero_point=q1[1])
    data = None if constant_input2 is None else constant_input2.astype(np.int8).tobytes()
    x2 = b.tensor("x2", s2, "int8", scale=q2[0], zero_point=q2[1], data=data)
    y = b.tensor("y", so, "int8", scale=qo[0], zero_point=qo[1])
    b.op(op, [x1, x2], [y], version=2, options={"type": op.lower(), "activation": activation})
    inputs = [x1] if constant_input2 is not None else [x1, x2]
    return b.build(inputs=inputs, outputs=[y])


def _cases():
    cases = []
    for op in ("ADD", "SUB", "MUL"):
        for k, shapes in enumerate(SHAPES):
            quants = QUANTS[k % len(QUANTS)]
            activation = ACTIVATIONS[k % len(ACTIVATIONS)]
            cases.append(Case(f"{op}-shape{k}-{activation}", binary_model(op, shapes, quants, activation)))
        for j, quants in enumerate(QUANTS):
            for activation in ACTIVATIONS:
                cases.append(Case(f"{op}-quant{j}-{activation}", binary_model(op, SHAPES[4], quants, activation)))
        const = np.random.default_rng(7).integers(-128, 128, (1, 1, 1, 3))
        cases.append(Case(f"{op}-constant", binary_model(op, SHAPES[2], QUANTS[0], "NONE", constant_input2=const)))
    return cases


# Every (a, b) byte pair, input1 = row, input2 = column of a 256 x 256 grid: the requantization
# paths of an_binary.c (ADD/SUB output shift -e < 0 and = 0; MUL left shift 0..14, > 14, right shifts).
ALL_PAIRS_QUANTS = [
    *QUANTS,
    ((1.0, 0), (1.0, 3), (3.0 / (1 << 20), 0)),  # ADD/SUB: output real multiplier in [0.5, 1), shift 0
    ((0.5, -128), (0.25, 127), (0.5 / 9000.0, 5)),  # MUL: real 2250, left shift 12
    ((0.5, -128), (0.25, 127), (0.5 / 40000.0, -3)),  # MUL: real 10000, left shift 14
    ((1.0, 1), (1.0, -1), (1.0 / 40000.0, 0)),  # MUL: left shift 16, the an_requantize path
    ((0.9, -2), (0.8, 4), (0.6, 9)),  # MUL: left shift 1
    ((0.0417, 5), (0.0213, -3), (0.0199, -128)),  # calibrated-looking: ADD/SUB affine (an_add_affine_s8)
    ((0.0131, 17), (0.0291, -7), (0.0377, 4)),
]


def _all_pairs_cases():
    cases = []
    for op in ("ADD", "SUB", "MUL"):
        for j, quants in enumerate(ALL_PAIRS_QUANTS):
            for activation in ("NONE", "RELU"):
                try:
                    model = binary_model(op, ((256, 256),) * 3, quants, activation)
                    lower_single(model)
                except NotLowerable:
                    continue  # TFLM refuses these scales for this operator too (ADD's multipliers above one)
                cases.append(Case(f"{op}-allpairs{j}-{activation}", model))
    return cases


ALL_PAIRS_CASES = _all_pairs_cases()
CASES = _cases() + ALL_PAIRS_CASES


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    require_tools()
    return CompiledCases(CASES, tmp_path_factory.mktemp("compiled_binary"))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_matches_tflm(compiled, case):
    rng = np.random.default_rng(len(case.name))
    shapes = [shape for _, _, shape in case.inputs]
    batches = [[rng.integers(-128, 128, s, dtype=np.int8) for s in shapes] for _ in range(100)]
    batches.append([np.full(s, v, np.int8) for s, v in zip(shapes, (-128, 127))])
    batches.append([np.full(s, v, np.int8) for s, v in zip(shapes, (127, 127))])
    expected = tflm_outputs(case.model_bytes, batches)
    got = compiled.run(case.name, batches)
    for run, (e, g) in enumerate(zip(expected, got)):
        np.testing.assert_array_equal(g[0], e[0], err_msg=f"run {run}")


@pytest.mark.parametrize("case", ALL_PAIRS_CASES, ids=[c.name for c in ALL_PAIRS_CASES])
def test_every_byte_pair_matches_tflm(compiled, case):
    grid = np.arange(-128, 128, dtype=np.int8)
    batches = [[np.repeat(grid, 256).reshape(256, 256), np.tile(grid, 256).reshape(256, 256)]]
    expected = tflm_outputs(case.model_bytes, batches)
    np.testing.assert_array_equal(compiled.run(case.name, batches)[0][0], expected[0][0])


def test_all_pairs_cover_the_requantization_paths():
    """The grid reaches ADD's shift-0 path and MUL's left shifts 0, 12, 14 and 16 (the fallback)."""
    shifts = {(c.name.split("-")[0], lower_single(c.model_bytes).args[0].fields.get("output_shift"))
              for c in ALL_PAIRS_CASES}
    assert ("ADD", 0) in shifts and ("SUB", 0) in shifts
    assert {("MUL", 1), ("MUL", 12), ("MUL", 14), ("MUL", 16)} <= shifts


def test_all_pairs_cover_the_affine_and_the_table_kernels():
    """Each of ADD and SUB runs every byte pair through an_add_affine_s8 (scales generation time proves affine)
    and through the table kernel (scales with exact ratios, whose ties TFLM rounds away from zero)."""
    functions = {(c.name.split("-")[0], lower_single(c.model_bytes).function) for c in ALL_PAIRS_CASES}
    assert {("ADD", "an_add_affine_s8"), ("ADD", "an_add_s8"), ("SUB", "an_add_affine_s8"),
            ("SUB", "an_sub_s8")} <= functions


def test_requantize_array_is_tflms_multiply_by_quantized_multiplier():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.integers(-(1 << 28), 1 << 28, 3000), [0, 1, -1, (1 << 28) - 1, -(1 << 28)]])
    for multiplier, shift in ((1 << 30, -18), (1103860996, -18), (2147483647, 0), (1500000000, -31), (1 << 30, 2)):
        got = _requantize_array(x, multiplier, shift)
        want = [fp.multiply_by_quantized_multiplier(int(v), multiplier, shift) for v in x]
        assert got.tolist() == want


def test_broadcast_walk_merges_dimensions():
    assert broadcast_walk((1, 5, 7, 3), (1, 5, 7, 3), (1, 5, 7, 3)) == ([105], [1], [1])
    assert broadcast_walk((1, 5, 7, 3), (3,), (1, 5, 7, 3)) == ([35, 3], [3, 1], [0, 1])
    assert broadcast_walk((1, 5, 1, 3), (1, 1, 7, 1), (1, 5, 7, 3)) == ([5, 7, 3], [3, 0, 1], [0, 1, 0])


def test_in_place_only_for_an_input_that_is_not_broadcast():
    assert aliased_input(binary_model("ADD", SHAPES[1], QUANTS[0])) == 0
    assert aliased_input(binary_model("MUL", SHAPES[3], QUANTS[0])) == 1
    assert aliased_input(binary_model("SUB", SHAPES[4], QUANTS[0])) is None


@pytest.mark.parametrize("activation", ["TANH", "SIGN_BIT"])
def test_refuses_fused_activations_tflm_ignores(activation):
    with pytest.raises(NotLowerable, match=activation):
        lower_single(binary_model("ADD", SHAPES[0], QUANTS[0], activation))


def test_refuses_shapes_that_do_not_broadcast():
    with pytest.raises(NotLowerable, match="broadcast"):
        lower_single(binary_model("MUL", ((1, 4, 3), (1, 2, 3), (1, 4, 3)), QUANTS[0]))


def test_in_place_prefers_the_input_nobody_reads_later():
    """MUL(x, gate) followed by ADD(x, product): the product may overwrite gate, not x."""
    b = ModelBuilder()
    x = b.tensor("x", (1, 4, 4, 3), "int8", scale=0.05, zero_point=0)
    gate = b.tensor("gate", (1, 4, 4, 3), "int8", scale=1 / 256, zero_point=-128)
    product = b.tensor("product", (1, 4, 4, 3), "int8", scale=0.05, zero_point=0)
    z = b.tensor("z", (1, 4, 4, 3), "int8", scale=0.1, zero_point=0)
    b.op("MUL", [x, gate], [product], version=2, options={"type": "mul"})
    b.op("ADD", [x, product], [z], version=2, options={"type": "add"})
    assert aliased_input(b.build(inputs=[x, gate], outputs=[z])) == 1
