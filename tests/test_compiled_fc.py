"""The compiled runtime's driver and FULLY_CONNECTED: generated C on the host == TFLM, byte for byte.

Models are built here (tests/tflite_builder.py); each is compiled once with ``cc`` (cached by
content) and fed >= 100 random inputs, compared with the tflite-micro interpreter.
"""

import shutil

import numpy as np
import pytest

from tests.conftest import model_path, shared_present
from tests.tflite_builder import ModelBuilder

pytestmark = pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler (cc)")

SAMPLES = 100


def fc_model(batch_shape=(1,), in_depth=20, units=7, in_zp=-3, out_zp=5, in_scale=0.05, out_scale=0.2,
             w_scale=0.01, w_zp=0, per_channel=None, bias=True, activation="NONE", keep_num_dims=False, seed=0,
             bias_range=2000):
    rng = np.random.default_rng(seed)
    b = ModelBuilder()
    x = b.tensor("x", (*batch_shape, in_depth), "int8", scale=in_scale, zero_point=in_zp)
    weights = rng.integers(-127, 128, size=(units, in_depth)).astype(np.int8)
    if per_channel is not None:
        w = b.tensor("w", (units, in_depth), "int8", scale=list(per_channel), zero_point=[0] * units,
                     data=weights.tobytes())
    else:
        w = b.tensor("w", (units, in_depth), "int8", scale=w_scale, zero_point=w_zp, data=weights.tobytes())
    inputs = [x, w]
    if bias:
        values = rng.integers(-bias_range, bias_range, size=units).astype(np.int32)
        bscale = in_scale * (per_channel[0] if per_channel is not None else w_scale)
        inputs.append(b.tensor("b", (units,), "int32", scale=bscale, zero_point=0, data=values.tobytes()))
    else:
        inputs.append(-1)
    out_shape = (*batch_shape, units) if keep_num_dims else (int(np.prod(batch_shape)), units)
    y = b.tensor("y", out_shape, "int8", scale=out_scale, zero_point=out_zp)
    b.op("FULLY_CONNECTED", inputs, [y], version=4,
         options={"type": "fully_connected", "activation": activation, "keep_num_dims": keep_num_dims})
    return b.build(inputs=[x], outputs=[y])


def two_layer_with_reshape():
    """x[1,4,6] -> RESHAPE [1,24] -> FC(10, RELU) -> FC(3): a view between two kernels."""
    rng = np.random.default_rng(7)
    b = ModelBuilder()
    x = b.tensor("x", (1, 4, 6), "int8", scale=0.1, zero_point=10)
    shape = b.tensor("shape", (2,), "int32", data=np.array([1, 24], np.int32).tobytes())
    r = b.tensor("r", (1, 24), "int8", scale=0.1, zero_point=10)
    w1 = b.tensor("w1", (10, 24), "int8", scale=[0.01 + 0.002 * i for i in range(10)], zero_point=[0] * 10,
                  data=rng.integers(-127, 128, size=240).astype(np.int8).tobytes())
    b1 = b.tensor("b1", (10,), "int32", scale=0.001, zero_point=0,
                  data=rng.integers(-500, 500, size=10).astype(np.int32).tobytes())
    h = b.tensor("h", (1, 10), "int8", scale=0.15, zero_point=-128)
    w2 = b.tensor("w2", (3, 10), "int8", scale=0.02, zero_point=0,
                  data=rng.integers(-127, 128, size=30).astype(np.int8).tobytes())
    y = b.tensor("y", (1, 3), "int8", scale=0.3, zero_point=2)
    b.op("RESHAPE", [x, shape], [r])
    b.op("FULLY_CONNECTED", [r, w1, b1], [h], version=4, options={"type": "fully_connected", "activation": "RELU"})
    b.op("FULLY_CONNECTED", [h, w2, -1], [y], version=4, options={"type": "fully_connected"})
    return b.build(inputs=[x], outputs=[y])


CASES = {
    "per-tensor, input zp, bias": dict(),
    "batch of 3": dict(batch_shape=(3,), seed=1),
    "keep_num_dims rank 4": dict(batch_shape=(1, 2, 3), keep_num_dims=True, in_depth=8, units=6, seed=2),
    "relu": dict(activation="RELU", out_zp=-20, seed=3),
    "relu6": dict(activation="RELU6", out_scale=0.03, out_zp=-100, seed=4),
    "relu_n1_to_1": dict(activation="RELU_N1_TO_1", out_scale=0.01, out_zp=3, seed=5),
    "no bias, odd sizes": dict(bias=False, in_depth=13, units=5, seed=6),
    "per-channel": dict(per_channel=[0.004 * (i + 1) for i in range(7)], seed=7),
    "per-tensor weight zero point": dict(w_zp=3, seed=8),
    "saturation: tiny output scale": dict(out_scale=0.0005, seed=9),
    "extreme scales": dict(in_scale=2.0, w_scale=0.5, out_scale=1e-3, bias_range=2**30, seed=10),
    "input zp -128, depth 1": dict(in_zp=-128, in_depth=1, units=16, seed=11),
    "long accumulation": dict(in_depth=333, units=4, w_scale=0.001, out_scale=0.5, seed=12),
    # the kernel's groups of four channels (an_fully_connected.h): passes of eight and four values,
    # tails of 1-3 values, channels left over after the groups
    "groups, depth 12, 9 units": dict(in_depth=12, units=9, seed=13),
    "groups, depth 7, 8 units, batch 2": dict(batch_shape=(2,), in_depth=7, units=8, seed=14),
    "groups, depth 30, 13 units, weight zp": dict(in_depth=30, units=13, w_zp=-5, activation="RELU", seed=15),
    "groups, per-channel, depth 41": dict(per_channel=[0.001 * (i + 2) for i in range(12)], in_depth=41, units=12,
                                          out_scale=0.05, seed=16),
    "groups, extreme scales, depth 64": dict(in_depth=64, units=16, in_scale=2.0, w_scale=0.5, out_scale=1e-3,
                                             bias_range=2**30, seed=17),
    # per-channel shifts of -1 to 3 in each group of four: the DSP kernel's right-shift
    # requantization (an_out_s8_right_shift) beside the general one, output by output
    "groups, per-channel, shifts of both signs": dict(per_channel=[0.0008 * 2.0 ** (i % 5) for i in range(11)],
                                                      in_depth=24, units=11, in_scale=0.05, out_scale=0.0001,
                                                      activation="RELU", seed=18),
    # an_fully_connected_s8_w16 (int16 weights): no whole block (the tail only) with two rows left; one
    # pass of four blocks exactly; 3 single blocks + a pass of four + a tail of one with three rows left, a
    # weight zero point folded into the weights and RELU6's narrow clamp (SSUB8/SEL) on the right-shift
    # path (the general one: "shifts of both signs" above)
    "w16, depth 3, 6 units": dict(in_depth=3, units=6, activation="RELU", seed=19),
    "w16, depth 16, 4 units": dict(in_depth=16, units=4, in_scale=2.0, w_scale=0.5, out_scale=1e-3,
                                   bias_range=2**30, seed=20),
    "w16, depth 29, 11 units, weight zp, relu6": dict(in_depth=29, units=11, w_zp=-128, activation="RELU6",
                                                      out_scale=0.03, out_zp=-100, seed=21),
}


@pytest.mark.parametrize("case", list(CASES))
def test_fully_connected_matches_tflm(case):
    from codegen.compiled.host import assert_matches_tflm

    assert assert_matches_tflm(fc_model(**CASES[case]), count=SAMPLES, seed=1) == SAMPLES


@pytest.mark.parametrize("case", list(CASES))
def test_int8_weights_kernel_matches_tflm(case):
    """The same cases through an_fully_connected_s8 (int8 weights: what cores without DSP and Helium cores run,
    and DSP boards where the flash needs the bytes), here its plain-C path."""
    from codegen.compiled.generate import compile_model
    from codegen.compiled.host import assert_matches_tflm
    from converter.tflite_model import load_model

    model = load_model(fc_model(**CASES[case]))
    compiled = compile_model(model, wide_filters=False)
    assert "an_fully_connected_s8(" in compiled.files["model.c"] and "_w16" not in compiled.files["model.c"]
    assert assert_matches_tflm(model, count=SAMPLES, seed=3, compiled=compiled) == SAMPLES


def test_w16_layouts_and_narrowing():
    """fc_weights_layout_w16 / rows_of_fc_w16_layout and the channel records invert each other; narrowing gives
    the int8 kernel's own layout and arguments (one multiplier per tensor, no all-zero bias)."""
    from codegen.compiled.lower import lower_model
    from codegen.compiled.ops.fully_connected import (bias_and_pairs_of_records, fc_channel_records,
                                                      fc_weights_layout, fc_weights_layout_w16,
                                                      rows_of_fc_w16_layout)
    from converter.tflite_model import load_model

    rng = np.random.default_rng(5)
    for rows, depth in ((1, 1), (3, 5), (4, 8), (9, 13), (13, 30)):
        w = rng.integers(-128, 128, size=(rows, depth)).astype(np.int8)
        layout = fc_weights_layout_w16(w, 128)
        assert layout.dtype == np.int16 and layout.size == rows * ((depth + 3) & ~3)
        assert np.array_equal(rows_of_fc_w16_layout(layout, rows, depth), w.astype(np.int16) + 128)
        bias = [int(v) for v in rng.integers(-2**31, 2**31, size=rows)]
        pairs = [(int(m), int(-s)) for m, s in zip(rng.integers(2**30, 2**31, size=rows), rng.integers(1, 31, rows))]
        for right in (False, True):
            assert bias_and_pairs_of_records(fc_channel_records(bias, pairs, right), right) == (bias, pairs)
    # the 4 x 4 -> 3 layout by hand: values v0 v2 v1 v3 per row and block, the rows of a group in turn
    w = np.arange(12, dtype=np.int8).reshape(3, 4)
    assert fc_weights_layout_w16(w, 1).tolist() == [1, 3, 2, 4, 5, 7, 6, 8, 9, 11, 10, 12]

    model = load_model(fc_model(in_depth=13, units=5, w_zp=3, bias=False, in_zp=0, seed=4))
    wide, narrow = lower_model(model).steps[0], lower_model(model, wide_filters=False).steps[0]
    assert (wide.function, narrow.function) == ("an_fully_connected_s8_w16", "an_fully_connected_s8")
    assert wide.args[2].c_type == "int16_t" and narrow.args[2].c_type == "int8_t"
    weights = np.random.default_rng(4).integers(-127, 128, size=(5, 13)).astype(np.int8)  # fc_model's draw
    assert np.array_equal(narrow.args[2].values, fc_weights_layout(weights))
    fields = narrow.args[0].fields
    assert narrow.args[3] is None and fields["multipliers"] is None and fields["shift"] < 0
    assert fields["weights_offset"] == -3 and fields["right_shifts"] == 0


def test_int16_weights_narrowed_where_the_flash_needs_it():
    """A board whose flash the int16 FC weights overflow: generate narrows them to int8 (bit-exact) and the
    firmware fits; with room, they stay int16."""
    import dataclasses

    from codegen.boards import get_board
    from codegen.compiled.generate import emit_model
    from codegen.compiled.host import assert_matches_tflm
    from codegen.runtimes.compiled import FLASH_MARGIN, CompiledRuntime
    from converter.tflite_model import load_model

    model = load_model(fc_model(in_depth=200, units=60, seed=23))
    board = get_board("mps2-an386")
    runtime = CompiledRuntime()
    roomy = runtime.prepare(model, board, None).emit()
    assert [s.function for s in runtime.prepare(model, board, None).program.steps] == ["an_fully_connected_s8_w16"]
    tight = dataclasses.replace(board, flash=dataclasses.replace(
        board.flash, size_bytes=int((roomy.flash_data_bytes + roomy.code_bytes - 1) / (1 - FLASH_MARGIN)) + 1))
    prepared = runtime.prepare(model, tight, None)
    firmware = prepared.emit()
    assert [s.function for s in prepared.program.steps] == ["an_fully_connected_s8"]
    assert firmware.flash_data_bytes <= roomy.flash_data_bytes - 200 * 60
    assert firmware.flash_data_bytes + firmware.code_bytes <= tight.flash_bytes
    assert assert_matches_tflm(model, count=10, seed=9, compiled=emit_model(prepared.program)) == 10


def test_outputs_vary_with_input():
    """Guard against a comparison that passes trivially (a constant output)."""
    from codegen.compiled.host import random_samples, run_on_host_batch

    model = fc_model(seed=3)
    outs = run_on_host_batch(model, random_samples(model, 20))
    assert len({o[0].tobytes() for o in outs}) > 10


def test_reshape_is_a_view_and_chain_matches_tflm():
    from codegen.compiled.generate import compile_model
    from codegen.compiled.host import assert_matches_tflm
    from converter.tflite_model import load_model

    data = two_layer_with_reshape()
    compiled = compile_model(load_model(data))
    source = compiled.files["model.c"]
    # RESHAPE emits no call: its output macro points where its input is.
    assert source.count("an_fully_connected_s8_w16(") == 2
    defines = dict(line.split(" ", 2)[1:] for line in source.splitlines() if line.startswith("#define AN_T"))
    assert defines["AN_T0"].split("//")[0] == defines["AN_T2"].split("//")[0]
    assert compiled.kernel_sources == ("an_fully_connected.c",)
    assert "kernels/an_fully_connected.c" in compiled.files
    assert assert_matches_tflm(data, count=SAMPLES, seed=2) == SAMPLES


def test_generated_api_and_profile_hooks():
    from codegen.compiled.generate import compile_model
    from converter.tflite_model import load_model

    compiled = compile_model(load_model(two_layer_with_reshape()))
    header = compiled.files["model.h"]
    for name in ("int model_init(void)", "void* model_input(int index)", "void* model_output(int index)",
                 "int model_invoke(void)", "size_t model_arena_used_bytes(void)", "MODEL_INPUT0_ZERO_POINT 10",
                 "MODEL_OUTPUT0_ELEMENTS 3u", "int model_op_count(void)", "const char* model_op_name(int index)",
                 "uint32_t model_op_macs(int index)", "#define MODEL_OP_BEGIN(i) ((void)0)"):
        assert name in header, name
    assert "MODEL_OP_BEGIN(0);" in compiled.files["model.c"] and "MODEL_OP_END(2);" in compiled.files["model.c"]
    assert "240u, 30u" in compiled.files["model.c"]  # per-operator MACs: 0 for the view, then 24*10, 10*3
    # The plan: x/r (24 B -> 32), h (10 -> 16), y (3 -> 16): greedy fits them in 48 B.
    assert compiled.arena_bytes == 48


def test_profile_hooks_compile_and_count(tmp_path):
    """With -DMODEL_PROFILE the hooks are called once per operator, in order."""
    import subprocess

    from codegen.compiled.generate import compile_model
    from converter.tflite_model import load_model

    compiled = compile_model(load_model(two_layer_with_reshape()))
    for rel, text in compiled.files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    (tmp_path / "main.c").write_text(
        '#include <stdio.h>\n#include "model.h"\n'
        'void model_profile_begin(int i) { printf("b%d %s %u\\n", i, model_op_name(i), (unsigned)model_op_macs(i)); }\n'
        'void model_profile_end(int i) { printf("e%d\\n", i); }\n'
        'int main(void) { model_init(); model_invoke(); printf("%u\\n", (unsigned)model_arena_used_bytes()); return 0; }\n')
    exe = tmp_path / "a.out"
    subprocess.run(["cc", "-std=c99", "-O1", "-DMODEL_PROFILE", "-I.", "-Ikernels", "-o", str(exe), "main.c",
                    "model.c", "model_data.c", "kernels/an_fully_connected.c"], cwd=tmp_path, check=True)
    out = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[:7] == ["b0 RESHAPE 0", "e0", "b1 FULLY_CONNECTED 240", "e1", "b2 FULLY_CONNECTED 30", "e2", "48"]


def test_unsupported_types_are_listed():
    from codegen.compiled.generate import CompiledRuntimeUnsupportedError, compile_model
    from converter.tflite_model import load_model
    from tests.tflite_builder import int8_fc_model

    with pytest.raises(CompiledRuntimeUnsupportedError) as info:
        compile_model(load_model(int8_fc_model(activation_dtype="int16", weight_dtype="int16")))
    message = str(info.value)
    assert "FULLY_CONNECTED(int16, const int16, none -> int16) (operator 0): int16 weights with int16 activations" in message
    assert "--runtime tflm" in message and "\n" not in message

    b = ModelBuilder()
    x = b.tensor("x", (1, 4), "int8", scale=0.1, zero_point=0)
    y = b.tensor("y", (1, 4), "int8", scale=0.1, zero_point=0)
    z = b.tensor("z", (1, 4), "int8", scale=0.1, zero_point=0)
    b.op("SQRT", [x], [y])
    b.op("LOG", [y], [z])
    with pytest.raises(CompiledRuntimeUnsupportedError) as info:
        compile_model(load_model(b.build(inputs=[x], outputs=[z])))
    message = str(info.value)
    # both refusals in one line, each with its operator index and its types (TFLM's SQRT and LOG take float32 only)
    assert "SQRT(int8 -> int8) (operator 0)" in message and "LOG(int8 -> int8) (operator 1)" in message
    assert "\n" not in message


@pytest.mark.parametrize("name", ["autoencoder_int8", *shared_present("hello_world_int8.tflite")])
def test_dense_model(name):
    """Dense-only models: the corpus's autoencoder (MLPerf AD, ten FULLY_CONNECTED) and hello_world."""
    from codegen.compiled.host import assert_matches_tflm

    assert assert_matches_tflm(model_path(name), count=SAMPLES) == SAMPLES


def test_arena_plan_is_valid_and_no_larger_than_greedy():
    """The plan keeps live buffers apart (independent check) and beats or equals TFLM's greedy one."""
    from codegen.compiled.arena_plan import greedy_plan, plan_arena
    from converter.planner import Buffer
    from converter.planner.check import plan_violations

    rng = np.random.default_rng(0)
    for _ in range(20):
        buffers = []
        for i in range(int(rng.integers(1, 25))):
            first = int(rng.integers(0, 20))
            buffers.append(Buffer(int(rng.integers(1, 5000)), first, first + int(rng.integers(0, 6))))
        plan = plan_arena(buffers)
        sized = [Buffer(-(-b.size_bytes // 16) * 16, b.first_op, b.last_op) for b in buffers]
        assert plan_violations(sized, plan.offsets) == []
        assert all(o % 16 == 0 for o in plan.offsets)
        assert plan.arena_bytes <= greedy_plan(buffers).arena_bytes


def test_kernel_files_are_complete():
    """Only .c files are compiled, and every #include "..." of the copied files is among them."""
    import re

    from codegen.compiled.generate import compile_model
    from converter.tflite_model import load_model

    rng = np.random.default_rng(1)
    b = ModelBuilder()
    x = b.tensor("x", (1, 6, 6, 3), "int8", scale=0.05, zero_point=-2)
    w = b.tensor("w", (4, 3, 3, 3), "int8", scale=[0.01, 0.02, 0.03, 0.04], zero_point=[0] * 4,
                 data=rng.integers(-127, 128, size=108).astype(np.int8).tobytes())
    bias = b.tensor("b", (4,), "int32", scale=[5e-4, 1e-3, 1.5e-3, 2e-3], zero_point=[0] * 4,
                    data=rng.integers(-300, 300, size=4).astype(np.int32).tobytes())
    c = b.tensor("c", (1, 6, 6, 4), "int8", scale=0.1, zero_point=3)
    shape = b.tensor("shape", (2,), "int32", data=np.array([1, 144], np.int32).tobytes())
    r = b.tensor("r", (1, 144), "int8", scale=0.1, zero_point=3)
    w2 = b.tensor("w2", (5, 144), "int8", scale=0.01, zero_point=0,
                  data=rng.integers(-127, 128, size=720).astype(np.int8).tobytes())
    y = b.tensor("y", (1, 5), "int8", scale=0.2, zero_point=0)
    b.op("CONV_2D", [x, w, bias], [c], version=3, options={"type": "conv2d", "padding": "SAME"})
    b.op("RESHAPE", [c, shape], [r])
    b.op("FULLY_CONNECTED", [r, w2, -1], [y], version=4, options={"type": "fully_connected"})
    data = b.build(inputs=[x], outputs=[y])
    compiled = compile_model(load_model(data))
    assert all(src.endswith(".c") for src in compiled.kernel_sources)
    for rel, text in compiled.files.items():
        for included in re.findall(r'#include "([^"]+)"', text):
            assert any(f == included or f == f"kernels/{included}" for f in compiled.files), (rel, included)
    from codegen.compiled.host import assert_matches_tflm

    assert assert_matches_tflm(data, count=SAMPLES) == SAMPLES


def test_a_multiplier_an_requantize_does_not_take_is_refused():
    """Scales whose real multiplier is -(1 - 2^-48/0.5625): TFLM's QuantizeMultiplier gives -2^31, where its
    MultiplyByQuantizedMultiplier saturates and an_requantize (an_common.h) would not: refused, never wrong."""
    from codegen.compiled.generate import unsupported_reasons
    from codegen.compiled.quantization import effective_scale, quantize_multiplier
    from converter.tflite_model import load_model

    in_scale, w_scale, out_scale = 0.75 + 2**-24, -(0.75 - 2**-24), 0.5625  # float32 values, exact
    assert quantize_multiplier(effective_scale(in_scale, w_scale, out_scale))[0] == -(2**31)
    reasons = unsupported_reasons(load_model(fc_model(in_scale=in_scale, w_scale=w_scale, out_scale=out_scale,
                                                      bias=False)))
    assert any("multiplier -2^31" in r for r in reasons), reasons
    assert unsupported_reasons(load_model(fc_model(in_scale=in_scale, w_scale=-0.5, out_scale=out_scale,
                                                   bias=False))) == []
