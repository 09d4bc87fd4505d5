"""Control flow (IF, WHILE) through the compiled runtime, bit for bit with tflite-micro.

The corpus's tf.cond and tf.while_loop models (TFLiteConverter, float32 and full int8 with the float32
interface the converter keeps) and a tf.cond inside a tf.while_loop (an IF in the WHILE's body): 120 inputs each, chosen along the models' projection ``s = x.v`` so that both
IF branches and every WHILE trip count 0..5 occur, compared with the interpreter (float outputs as bits); the
program's structure (one branch per subgraph, a loop with the condition read at run time, subgraph buffers in
the one arena) and a refusal inside a subgraph naming the subgraph and its operator.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from tests.compiled_ops_harness import output_bits
from tests.conftest import model_path

pytestmark = pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler (cc)")
MODELS = ("if_cond_float", "if_cond_mixed", "while_loop_float", "while_loop_mixed", "nested_control_float")


def _samples(model, count=120, seed=3):
    """Inputs whose projection s = x.v runs from -2 to 6.5 (both branches; trip counts 0..5), with the s each one
    has (for an int8 input: of its dequantized value)."""
    from corpus import control_flow_projection

    v = control_flow_projection().reshape(-1).astype(np.float64)
    rng = np.random.default_rng(seed)
    t = model.main_subgraph.tensor(model.main_subgraph.inputs[0])
    samples, projections = [], []
    for target in np.linspace(-2.0, 6.5, count):
        u = rng.standard_normal(8)
        x = u + (target - u @ v) / (v @ v) * v
        if t.dtype == "int8":
            scale, zp = t.quantization.scale[0], t.quantization.zero_point[0]
            q = np.clip(np.round(x / scale) + zp, -128, 127).astype(np.int8)
            samples.append([q.reshape(t.shape)])
            projections.append(float(((q.astype(np.float64) - zp) * scale) @ v))
        else:
            samples.append([x.astype(np.float32).reshape(t.shape)])
            projections.append(float(x.astype(np.float32).astype(np.float64) @ v))
    return samples, np.array(projections)


@pytest.mark.parametrize("name", MODELS)
def test_control_flow_model_matches_tflm(name):
    from codegen.compiled.host import run_on_host_batch, run_tflm_batch
    from converter.tflite_model import load_model

    model = load_model(model_path(name))
    samples, s = _samples(model)
    if name.startswith("if"):
        assert (s > 0.05).sum() >= 40 and (s < -0.05).sum() >= 20  # both branches, away from the boundary too
    else:
        trips = {int(min(max(v, 0.0), 5.0)) for v in s if abs(v - round(v)) > 0.05}
        assert trips == {0, 1, 2, 3, 4, 5}
    ours = run_on_host_batch(model, samples)
    reference = run_tflm_batch(model, samples)
    for k, (got, expected) in enumerate(zip(ours, reference)):
        for a, b in zip(got, expected):
            assert np.array_equal(output_bits(a).reshape(-1), output_bits(np.asarray(b)).reshape(-1)), (name, k, s[k])
    # the outputs do depend on the branch / the trip count taken
    assert len({output_bits(o[0]).tobytes() for o in ours}) > len(samples) // 2


def test_program_structure():
    from codegen.compiled.lower import lower_model
    from codegen.compiled.plan import plan_memory
    from converter.tflite_model import load_model

    program = lower_model(load_model(model_path("if_cond_float")))
    controls = [s.control for s in program.steps if s.control]
    assert controls == ["if", "else", "end"]
    assert all(s.nested for s in program.steps if s.name in ("IF",))
    plan_memory(program)
    # every subgraph tensor is in the one arena, planned with the main subgraph's
    assert all(t.offset is not None and t.offset + t.size_bytes <= program.arena_bytes for t in program.tensors())
    program = lower_model(load_model(model_path("while_loop_mixed")))
    controls = [s.control for s in program.steps if s.control]
    assert controls == ["loop", "break_unless", "end"]
    # the loop counter that starts constant and the body increments is copied in, not folded
    assert sum(1 for s in program.steps if s.function == "an_add_s32") == 2
    # an IF in the WHILE's body: nested C structure, every step of the region under the WHILE's index
    program = lower_model(load_model(model_path("nested_control_float")))
    region = [s for s in program.steps if s.nested]
    assert [s.control for s in region if s.control] == ["loop", "break_unless", "if", "else", "end", "end"]
    assert len({s.op_index for s in region}) == 1


def test_generated_c_reads_the_condition_at_run_time():
    from codegen.compiled.generate import compile_model
    from converter.tflite_model import load_model

    c = compile_model(load_model(model_path("while_loop_float"))).files["model.c"]
    assert "for (;;) {" in c and ")[0]) break;" in c
    c = compile_model(load_model(model_path("if_cond_float"))).files["model.c"]
    assert c.count("} else {") == 1
    # the profile hooks wrap the IF once
    assert c.count("MODEL_OP_BEGIN(3)") == 1 and c.count("MODEL_OP_END(3)") == 1


def test_refusal_inside_a_subgraph_names_it(monkeypatch):
    from codegen.compiled.lower import CompiledRuntimeUnsupportedError, lower_model, operator_support
    from codegen.compiled.lowering import LOWERINGS, NotLowerable
    from converter.tflite_model import load_model

    model = load_model(model_path("while_loop_float"))
    real = LOWERINGS["ADD"]

    def refuse_int32(op, ctx):
        if ctx.subgraph.index == 2:
            raise NotLowerable("int32 refused for this test")
        return real(op, ctx)

    monkeypatch.setitem(LOWERINGS, "ADD", refuse_int32)
    with pytest.raises(CompiledRuntimeUnsupportedError) as info:
        lower_model(model)
    message = str(info.value)
    assert "WHILE(" in message and "subgraph 2: ADD(int32, const int32 -> int32) (operator 0): int32 refused" \
        in message and "\n" not in message
    rows = operator_support(model)
    assert [r[3] for r in rows if r[0] == 2 and r[2] == "ADD"] == ["in a control-flow subgraph"] * 2


@pytest.mark.parametrize("name", ["while_loop_mixed", "if_cond_float"])
def test_control_flow_on_cortex_m4f_matches_tflm(name):
    """The loop and the branches in firmware: QEMU mps2-an386 (Cortex-M4F, hard float), a few inputs."""
    import compiled_qemu

    missing = compiled_qemu.tools_missing()
    if missing:
        pytest.skip(missing)
    from converter.tflite_model import load_model

    model = load_model(model_path(name))
    samples, _ = _samples(model, count=8)
    compiled_qemu.assert_same_outputs(compiled_qemu.outputs_with_tflm(model, samples, dsp=True, fpu=True),
                                      f"{name} on the M4F", 8)


def test_bool_tensors_compile_without_a_kernel_that_declares_bool():
    """A bool model input and output joined by views only (no kernel header brings <stdbool.h>, as for an IF
    whose condition is a model input): the generated C declares C99's bool itself (model_data.h, which model.c
    includes before the tensor macros), and the copy through the views equals tflite-micro."""
    from codegen.compiled.generate import compile_model
    from codegen.compiled.host import run_on_host_batch, run_tflm_batch
    from converter.tflite_model import load_model
    from tflite_builder import ModelBuilder

    b = ModelBuilder()
    x = b.tensor("x", (2, 3), "bool")
    shape = b.tensor("shape", (1,), "int32", data=np.array([6], np.int32).tobytes())
    y = b.tensor("y", (6,), "bool")
    b.op("RESHAPE", [x, shape], [y])
    model = load_model(b.build(inputs=[x], outputs=[y]))
    assert "#include <stdbool.h>" in compile_model(model).files["model_data.h"]
    # a model without bool tensors keeps its files as they were
    assert "stdbool" not in compile_model(load_model(model_path("autoencoder_int8"))).files["model_data.h"]
    samples = [[np.random.default_rng(k).random((2, 3)) < 0.5] for k in range(5)]
    for got, (expected,) in zip(run_on_host_batch(model, samples), run_tflm_batch(model, samples)):
        assert np.array_equal(np.asarray(got).reshape(-1), np.asarray(expected).reshape(-1))
