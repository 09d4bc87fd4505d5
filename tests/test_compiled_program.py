"""The compiled runtime's program as data (codegen.compiled.program): typed operands, rewrites before
emission (fuse, split, re-order, re-point), the constants in use known from the operands.

Each rewrite is checked where it matters: the emitted C, compiled on the host, gives the same
bytes as the tflite-micro interpreter (codegen.compiled.host), and the planner reads liveness from
the rewritten steps.
"""

from __future__ import annotations

import numpy as np
import pytest

from compiled_ops_harness import require_tools
from tflite_builder import ModelBuilder

from codegen.compiled.generate import (CompiledRuntimeUnsupportedError, compile_model, emit_model, lower_model,
                                       plan_memory)
from codegen.compiled.host import assert_matches_tflm
from codegen.compiled.ops.lut import LUT_SOURCES
from codegen.compiled.program import F32, Constant, Params, Program, Step, Tensor, TensorSlice
from converter.tflite_model import load_model

SHAPE = (1, 5, 7, 3)
IDENTITY_TABLE = np.array([i - 256 if i >= 128 else i for i in range(256)])  # table[(uint8_t)v] == v


def chain_model():
    """x -> RELU -> a -> TANH -> y (two table lookups in a row)."""
    b = ModelBuilder()
    x = b.tensor("x", SHAPE, "int8", scale=0.05, zero_point=-3)
    a = b.tensor("a", SHAPE, "int8", scale=0.04, zero_point=-128)
    y = b.tensor("y", SHAPE, "int8", scale=1 / 128, zero_point=0)
    b.op("RELU", [x], [a])
    b.op("TANH", [a], [y])
    return b.build(inputs=[x], outputs=[y])


def branch_model():
    """x -> RELU -> a, x -> LOGISTIC -> s, y = MUL(a, s): two independent steps before the MUL."""
    b = ModelBuilder()
    x = b.tensor("x", SHAPE, "int8", scale=0.05, zero_point=-3)
    a = b.tensor("a", SHAPE, "int8", scale=0.04, zero_point=-128)
    s = b.tensor("s", SHAPE, "int8", scale=1 / 256, zero_point=-128)
    y = b.tensor("y", SHAPE, "int8", scale=0.03, zero_point=2)
    b.op("RELU", [x], [a])
    b.op("LOGISTIC", [x], [s])
    b.op("MUL", [a, s], [y], options={"type": "mul"})
    return b.build(inputs=[x], outputs=[y])


def _calls(compiled, function):
    return compiled.files["model.c"].count(f"  {function}(")


def test_lowered_steps_have_typed_operands_only():
    program = lower_model(load_model(branch_model()))
    assert [s.function for s in program.steps] == ["an_lut_s8", "an_lut_s8", "an_mul_s8"]
    mul = program.steps[2]
    params, a, s, y = mul.args
    assert isinstance(params, Params) and params.c_type == "an_mul_params"
    assert isinstance(params.fields["shape"], Params) and params.fields["shape"].fields["ndim"] == 1
    assert [t.index for t in (a, s, y)] == [1, 2, 3] and all(isinstance(t, Tensor) for t in (a, s, y))
    # one Tensor object per tensor: the MUL reads the very objects the lookups write
    assert a is program.steps[0].outputs[0] and s is program.steps[1].outputs[0]
    assert mul.inputs == (a, s) and mul.outputs == (y,)
    assert not any(isinstance(arg, str) for step in program.steps for arg in step.args)
    with pytest.raises(TypeError):
        Step("an_lut_s8", args=("AN_T0",))  # C text is not an operand


def test_planning_writes_offsets_and_the_exact_arena():
    program = lower_model(load_model(branch_model()))
    assert not program.planned and all(t.offset is None for t in program.tensors())
    plan = plan_memory(program)
    assert program.arena_bytes == plan.arena_bytes == compile_model(load_model(branch_model())).arena_bytes
    x, a, s, y = program.tensors()
    assert len({x.offset, a.offset, s.offset}) == 3  # live together until the MUL
    assert y.offset in (a.offset, s.offset)  # the MUL writes over an input nobody reads afterwards


def test_constants_in_use_come_from_the_operands():
    program = lower_model(load_model(chain_model()))
    relu, tanh = program.steps
    # Re-point the TANH step's table at a new constant: the old table is no longer emitted.
    old_table = tanh.args[3]
    identity = Constant("identity_lut", "int8_t", IDENTITY_TABLE)
    tanh.replace_arg(old_table, identity)
    compiled = emit_model(program)
    data = compiled.files["model_data.c"]
    assert "an_identity_lut[256]" in data and "an_relu_lut[256]" in data and "an_tanh_lut" not in data
    assert compiled.constants_bytes == 2 * 256


def test_parameter_fields_render_by_type():
    from codegen.compiled.emit import c_initializer

    c = Constant("weights", "int8_t", [1, 2])

    class Names:
        constants = {c: "an_weights"}

    p = Params("an_x_params", {"n": np.int32(3), "scale": F32(1 / 256), "dims": (4, 0), "table": c, "none": None,
                               "inner": Params("", {"k": -1})})
    assert c_initializer(p, Names()) == ("{ .n = 3, .scale = 0x1.0000000000000p-8f, .dims = {4, 0}, "
                                          ".table = an_weights, .none = NULL, .inner = { .k = -1 } }")


def test_fused_lookups_match_tflm():
    """Fuse: two table lookups in a row become one lookup of the composed table."""
    require_tools()
    model = load_model(chain_model())
    program = lower_model(model)
    relu, tanh = program.steps
    (x, a, n, t1), (_, y, _, t2) = relu.args, tanh.args
    fused = t2.values[t1.values.astype(np.int8).view(np.uint8)]
    program.steps[:] = [Step("an_lut_s8", args=(x, y, n, Constant("fused_lut", "int8_t", fused)),
                             sources=LUT_SOURCES, inputs=(x,), outputs=(y,), op_index=relu.op_index,
                             name="RELU+TANH", comment="RELU and TANH fused: one table")]
    compiled = emit_model(program)
    assert _calls(compiled, "an_lut_s8") == 1
    assert a not in program.tensors() and "AN_T1 " not in compiled.files["model.c"]
    assert "an_relu_lut" not in compiled.files["model_data.c"]
    assert assert_matches_tflm(model, count=100, compiled=compiled) == 100


def test_split_step_over_two_halves_matches_tflm():
    """Split: one lookup becomes two steps, each over half of the tensor (a TensorSlice), one operator."""
    require_tools()
    model = load_model(chain_model())
    program = lower_model(model)
    relu = program.steps[0]
    x, a, n, table = relu.args
    half = n // 2
    first = Step("an_lut_s8", args=(x, a, half, table), sources=LUT_SOURCES, inputs=(x,), outputs=(a,),
                 op_index=relu.op_index, name=relu.name, comment="RELU, first half")
    second = Step("an_lut_s8", args=(TensorSlice(x, half), TensorSlice(a, half), n - half, table),
                  sources=LUT_SOURCES, inputs=(x,), outputs=(a,), op_index=relu.op_index, name=relu.name,
                  comment="RELU, second half")
    program.steps[0:1] = [first, second]
    compiled = emit_model(program)
    model_c = compiled.files["model.c"]
    assert model_c.count("MODEL_OP_BEGIN(0);") == 2 and f"(AN_T0 + {half})" in model_c
    assert compiled.files["model_data.c"].count("an_relu_lut[256]") == 1  # one table, used twice
    assert assert_matches_tflm(model, count=100, compiled=compiled) == 100


def test_split_through_a_buffer_the_program_makes():
    """A step split into two through a new arena buffer (index None): planned, named AN_B0, bit-exact."""
    require_tools()
    model = load_model(chain_model())
    program = lower_model(model)
    tanh = program.steps[1]
    a, y, n, table = tanh.args
    middle = Tensor(None, "tanh_first_pass", "int8", SHAPE)
    identity = Constant("identity_lut", "int8_t", IDENTITY_TABLE)
    copy = Step("an_lut_s8", args=(middle, y, n, identity), sources=LUT_SOURCES, inputs=(middle,),
                outputs=(y,), op_index=tanh.op_index, name=tanh.name, comment="copy")
    tanh.repoint(y, middle)
    program.steps.append(copy)
    compiled = emit_model(program)
    assert "#define AN_B0 ((int8_t*)(model_arena + " in compiled.files["model.c"]
    assert middle.offset is not None and middle.offset != y.offset
    assert assert_matches_tflm(model, count=100, compiled=compiled) == 100


def test_reordered_independent_steps_match_tflm():
    require_tools()
    model = load_model(branch_model())
    program = lower_model(model)
    program.steps[0], program.steps[1] = program.steps[1], program.steps[0]
    compiled = emit_model(program)
    model_c = compiled.files["model.c"]
    assert model_c.index("MODEL_OP_BEGIN(1);") < model_c.index("MODEL_OP_BEGIN(0);")
    assert assert_matches_tflm(model, count=100, compiled=compiled) == 100


def test_plan_refuses_a_step_that_reads_before_anything_writes():
    program = lower_model(load_model(chain_model()))
    program.steps.reverse()  # TANH (reads a) before RELU (writes a)
    with pytest.raises(ValueError, match="reads 'a' before any step writes it"):
        plan_memory(program)


def test_program_repoint_swaps_every_use():
    program = lower_model(load_model(chain_model()))
    x, a, y = program.tensors()
    other = Tensor(None, "other", "int8", SHAPE)
    program.repoint(a, other)
    assert a not in program.tensors() and other in program.tensors()
    assert program.steps[0].outputs == (other,) and program.steps[1].args[0] is other
    assert program.steps[1].output_aliases is other


def test_lower_model_refuses_with_every_reason_in_one_line():
    b = ModelBuilder()
    x = b.tensor("x", (1, 4), "int8", scale=0.1, zero_point=0)
    y = b.tensor("y", (1, 4), "int8", scale=0.1, zero_point=0)
    z = b.tensor("z", (1, 4), "int8", scale=0.1, zero_point=0)
    b.op("SQRT", [x], [y])  # TFLM's SQRT takes float32 only: refused with that reason
    b.op("CUSTOM", [y], [z], custom_code="NoSuchKernel")  # no kernel in the compiled runtime
    with pytest.raises(CompiledRuntimeUnsupportedError) as info:
        lower_model(load_model(b.build(inputs=[x], outputs=[z])))
    message = str(info.value)
    assert "\n" not in message and "SQRT(int8 -> int8) (operator 0)" in message
    assert "NoSuchKernel(int8 -> int8)" in message
    assert len(info.value.reasons) == 2


def test_program_facts():
    program = lower_model(load_model(branch_model()))
    assert program.operator_names == ["RELU", "LOGISTIC", "MUL"]
    assert program.kernel_sources() == ("an_lut.c", "an_binary.c")
    assert isinstance(program, Program) and program.largest_scratch_bytes == 0


def test_describe_lists_every_step_and_the_plan():
    program = lower_model(load_model(branch_model()))
    plan_memory(program)
    lines = program.describe().splitlines()
    assert len(lines) == 4 and lines[0].startswith("0: op 0 RELU: an_lut_s8(T0@")
    assert "an_mul_params" in lines[2] and lines[3].startswith(f"arena {program.arena_bytes} B")


def test_plan_refuses_a_step_whose_data_flow_misses_an_argument():
    program = lower_model(load_model(chain_model()))
    relu = program.steps[0]
    relu.inputs = ()  # a rewrite that forgot to say the step reads x
    with pytest.raises(ValueError, match="points at x but lists it in neither"):
        plan_memory(program)
