"""In-place execution (issue 18): one step writing over its own input (codegen.compiled.patch, a one-step stage
with buffered bands whose split tensor lives over the input), its rules (refused where the input is still read,
through a view too, where the kernel would overwrite rows it still reads, on a model output), its exact arena,
bit-exactness with tflite-micro, and its use by the schedules.  The element-wise in-place rule (ADD, lookups) is
tested in test_patch.py and the planner's tests.
"""

from __future__ import annotations

import numpy as np
import pytest

from test_patch import _Net

from codegen.compiled.generate import emit_model, lower_model, plan_memory
from codegen.compiled.patch import choose_schedule, live_profile, overlay_problem, patch_program
from converter.tflite_model import load_model


@pytest.fixture(scope="module")
def tools():
    from compiled_ops_harness import require_tools

    require_tools()


def depthwise(n: _Net, x, multiplier=1, kernel=3, stride=1, padding="SAME", activation="RELU6"):
    """A DEPTHWISE_CONV_2D with a channel multiplier (the test net's own has 1)."""
    _, h, w, c = n.shape[x]
    out_c = c * multiplier
    shape = (1, n._out(h, kernel, stride, 1, padding), n._out(w, kernel, stride, 1, padding), out_c)
    n.n += 1
    weights = n.rng.integers(-127, 128, size=(1, kernel, kernel, out_c)).astype(np.int8)
    scales = [float(np.float32(s)) for s in n.rng.uniform(0.002, 0.02, size=out_c)]
    wt = n.b.tensor(f"w{n.n}", (1, kernel, kernel, out_c), "int8", scale=scales, zero_point=[0] * out_c,
                    quantized_dimension=3, data=weights.tobytes())
    bias = n.b.tensor(f"b{n.n}", (out_c,), "int32", scale=[n.q[x][0] * s for s in scales], zero_point=[0] * out_c,
                      data=n.rng.integers(-2000, 2000, size=out_c).astype(np.int32).tobytes())
    y = n.tensor(shape, scale=0.1)
    n.b.op("DEPTHWISE_CONV_2D", [x, wt, bias], [y], version=3,
           options={"type": "depthwise_conv2d", "padding": padding, "stride": stride, "dilation": 1,
                    "activation": activation, "depth_multiplier": multiplier})
    return y


def block_net(multiplier=1, kernel=3, stride=1, padding="SAME", rows=13, cols=7, channels=12):
    """An inverted residual's middle: expansion (3 -> channels), the depthwise (the peak), the projection."""
    n = _Net((1, rows, cols, 3), seed=11)
    e = n.conv(n.x, channels, kernel=1)
    d = depthwise(n, e, multiplier, kernel, stride, padding)
    return n.build(n.conv(d, 3, kernel=1))


def _in_place(model, bands, step=1):
    program = lower_model(model)
    assert program.steps[step].name == "DEPTHWISE_CONV_2D"
    patched, plan = patch_program(program, step + 1, bands, overlay=True, start=step, buffered=True)
    plan_memory(patched)
    return patched, plan


@pytest.mark.parametrize("multiplier,kernel,stride,padding,bands", [
    (1, 3, 1, "SAME", 13),   # one row per band: the output one row above its input
    (1, 3, 1, "SAME", 5),    # bands that do not divide the rows
    (1, 3, 2, "SAME", 7),    # stride 2: the output rows shrink, no delay needed
    (1, 5, 1, "VALID", 3),   # no padding, a wider window
    (2, 3, 1, "SAME", 13),   # channel multiplier 2: output rows twice the input's
    (1, 3, 2, "VALID", 2),
])
def test_depthwise_in_place_is_exact_and_bit_exact(tools, multiplier, kernel, stride, padding, bands):
    from codegen.compiled.host import assert_matches_tflm

    data = block_net(multiplier, kernel, stride, padding)
    model = load_model(data)
    whole = lower_model(model)
    plan_memory(whole)
    patched, plan = _in_place(model, bands)
    assert plan.in_place and plan.extra_macs == 0 and plan.grid == (bands, 1)
    final, image, offset = patched.overlays[-1]
    assert final is plan.split_tensor and image is plan.stage_inputs[0]
    assert final.offset == image.offset + offset  # one buffer spanning both, as planned
    in_row, out_row = image.size_bytes // image.shape[1], final.size_bytes // final.shape[1]
    # the rule, byte for byte: band k's rows are copied out after the band is computed and land below every
    # input row a later band reads
    for k, (_, hi) in enumerate(plan.bands[:-1]):
        later_first = min(rows[0][0] for rows in plan.input_rows[k + 1:])
        assert offset + hi * out_row <= later_first * in_row
    if (kernel, stride, padding, multiplier) == (3, 1, "SAME", 1):
        assert offset == -in_row  # a delay of one row
    # the arena the planner reports is the one emitted; in place needs less than layer by layer at the depthwise
    # (the live bytes of its steps), and never more in all (the peak may be another step's: the expansion's)
    assert patched.arena_bytes <= whole.arena_bytes
    assert max(live_profile(patched)[1:1 + len(plan.band_steps)]) < live_profile(whole)[1]
    compiled = emit_model(patched)
    assert compiled.arena_bytes == patched.arena_bytes
    assert any(f"Activations and kernel scratch: {patched.arena_bytes} B" in text for text in compiled.files.values())
    # each band: the depthwise into a buffer of its rows, then one copy over the input
    functions = [s.function for s in plan.band_steps]
    assert functions == [whole.steps[1].function, "an_copy_rows_s8"] * bands
    assert assert_matches_tflm(model, count=100, seed=bands, compiled=compiled) == 100


def test_in_place_saves_an_input_less_two_rows():
    """3x3 stride 1 in 13 one-row bands: the input and output (each 13 rows) become 14 rows and one row buffer."""
    model = load_model(block_net())
    _, plan = _in_place(model, 13)
    image = plan.stage_inputs[0]
    row = image.size_bytes // image.shape[1]
    assert plan.tile_buffer_bytes == row
    assert plan.saved_bytes - plan.tile_buffer_bytes == image.size_bytes - 2 * row


def read_later_net():
    """e is read by the depthwise and by the ADD after it (a residual around the depthwise)."""
    n = _Net((1, 9, 7, 3), seed=12)
    e = n.conv(n.x, 6, kernel=1)
    d = depthwise(n, e)
    return n.build(n.conv(n.binary("ADD", d, e), 3, kernel=1))


def view_net():
    """e's buffer is also v's (a RESHAPE, a view) and v is read after the depthwise: writing over e would
    destroy v."""
    n = _Net((1, 9, 7, 3), seed=13)
    e = n.conv(n.x, 6, kernel=1)
    shape = n.b.tensor("v_shape", (4,), "int32", data=np.array([1, 9, 7, 6], np.int32).tobytes())
    v = n.tensor((1, 9, 7, 6), *n.q[e])
    n.b.op("RESHAPE", [e, shape], [v])
    d = depthwise(n, e)
    return n.build(n.conv(n.binary("ADD", d, v), 3, kernel=1))


def test_in_place_refused_where_it_would_be_wrong():
    # the input is read again after the step
    program = lower_model(load_model(read_later_net()))
    dw = next(k for k, s in enumerate(program.steps) if s.name == "DEPTHWISE_CONV_2D")
    _, plan = patch_program(program, dw + 1, 9, overlay=True, start=dw, buffered=True)
    assert not plan.overlay and not plan.in_place
    e = program.steps[dw].inputs[0]
    assert "is read after operator" in overlay_problem(program, dw, dw + 1, e, program.steps[dw].outputs[0], True)
    # the input's buffer is a view's too, and the view is read later
    program = lower_model(load_model(view_net()))
    assert any(s.is_view for s in program.steps)
    dw = next(k for k, s in enumerate(program.steps) if s.name == "DEPTHWISE_CONV_2D")
    e, d = program.steps[dw].inputs[0], program.steps[dw].outputs[0]
    problem = overlay_problem(program, dw, dw + 1, e, d, True)
    assert problem and "through" in problem and "share its buffer" in problem
    _, plan = patch_program(program, dw + 1, 9, overlay=True, start=dw, buffered=True)
    assert not plan.in_place
    # unbuffered, the kernel would overwrite input rows it still reads: no overlay
    program = lower_model(load_model(block_net()))
    _, plan = patch_program(program, 2, 13, overlay=True, start=1, buffered=False)
    assert not plan.overlay
    assert "unbuffered" in overlay_problem(program, 1, 2, program.steps[1].inputs[0], program.steps[1].outputs[0],
                                           False)


def test_in_place_refused_on_a_model_output():
    n = _Net((1, 9, 7, 3), seed=14)
    model = load_model(n.build(depthwise(n, n.conv(n.x, 6, kernel=1))))
    program = lower_model(model)
    _, plan = patch_program(program, 2, 9, overlay=True, start=1, buffered=True)
    assert not plan.overlay
    assert "model output" in overlay_problem(program, 1, 2, program.steps[1].inputs[0], program.steps[1].outputs[0],
                                             True)


def test_schedules_use_in_place_without_recompute(tools):
    """With no recompute allowed the small schedule still goes below the floor: the depthwise in place; fast stays
    layer by layer (its arena is the floor); auto takes in place when the floor does not fit."""
    from codegen.compiled.host import assert_matches_tflm

    model = load_model(block_net(rows=15, cols=9, channels=16))
    fast, fast_choice = choose_schedule(lower_model(model), "fast")
    assert not fast_choice.patched and fast.arena_bytes == fast_choice.floor_bytes
    small, choice = choose_schedule(lower_model(model), "small", max_recompute=0.0)
    # the depthwise in place; other stages only where they recompute nothing (bands of the 1x1 expansion)
    assert choice.patched and any(p.in_place for p in choice.plans) and choice.extra_macs == 0
    assert choice.arena_bytes == small.arena_bytes < choice.floor_bytes
    doc = choice.to_dict()
    assert doc["in_place_saved_bytes"] > 0 and any(stage["in_place"] for stage in doc["stages"])
    assert max(live_profile(small)) < max(live_profile(fast))
    assert assert_matches_tflm(model, count=100, seed=21, compiled=emit_model(small)) == 100
    auto, auto_choice = choose_schedule(lower_model(model), "auto", capacity_bytes=choice.floor_bytes - 1)
    assert auto_choice.patched and auto_choice.arena_bytes <= choice.floor_bytes - 1


def test_report_says_what_in_place_saves(tmp_path, cli):
    import json

    model = tmp_path / "block.tflite"
    model.write_bytes(block_net(rows=15, cols=9, channels=16))
    args = ("report", str(model), "--runtime", "compiled", "--target", "cortex-m", "--schedule", "small",
            "--max-recompute", "0")
    doc = json.loads(cli(*args, "--json").stdout)["runtimes"]["compiled"]["schedule"]
    assert doc["in_place_saved_bytes"] > 0 and doc["extra_macs"] == 0
    text = cli(*args).stdout
    assert "in place: operator 1 writes" in text and "in-place execution: 1 operator(s)" in text


@pytest.mark.parametrize("multiplier,stride", [(1, 1), (2, 2)])
def test_in_place_on_the_m4(tmp_path, multiplier, stride):
    """The depthwise in place (one-row bands, the output over its input) built for the Cortex-M4 (DSP kernels,
    whichever depthwise variant the generator picks) prints what tflite-micro computes."""
    from pathlib import Path

    from compiled_qemu import build_m4, run_m4, tools_missing

    missing = tools_missing()
    if missing:
        pytest.skip(missing)
    from codegen.compiled.host import random_samples, run_tflm_batch

    model = load_model(block_net(multiplier, 3, stride, "SAME", rows=11, cols=8, channels=8))
    rows = lower_model(model).steps[1].outputs[0].shape[1]
    patched, plan = _in_place(model, rows)
    assert plan.in_place
    script = Path(__file__).parent / "compiled_m4" / "m4.ld"
    samples = random_samples(model, 3, seed=31)
    elf = build_m4(model, [s[0] for s in samples], workdir=tmp_path / "fw", compiled=emit_model(patched),
                   linker_script=script)
    lines = run_m4(elf)
    expected = run_tflm_batch(model, samples)
    assert [np.frombuffer(line, np.int8).tolist() for line in lines] == \
        [e[0].reshape(-1).view(np.int8).tolist() for e in expected]


# --- inside the tiles of a patch stage ------------------------------------------------------------

@pytest.mark.parametrize("bands,columns", [(2, 1), (3, 2), (4, 3)])
def test_depthwise_in_place_inside_tiles(tools, bands, columns):
    """expansion_net's stage (expansion, depthwise, projection) in tiles: each tile's depthwise writes over the
    expansion's tile buffer (nothing after it reads that); the same MACs, a smaller arena, bit-exact."""
    from codegen.compiled.host import assert_matches_tflm
    from test_patch import expansion_net

    model = load_model(expansion_net())
    plain, plain_plan = patch_program(lower_model(model), 3, bands, True, 0, columns)
    patched, plan = patch_program(lower_model(model), 3, bands, True, 0, columns, in_place=True)
    plan_memory(plain)
    plan_memory(patched)
    assert plan.tiles_in_place == bands * columns and plain_plan.tiles_in_place == 0
    assert plan.extra_macs == plain_plan.extra_macs
    assert patched.arena_bytes < plain.arena_bytes
    for output, host, offset in patched.overlays[:plan.tiles_in_place]:
        assert output.index is None and host.index is None and output.offset == host.offset + offset
    assert assert_matches_tflm(model, count=100, seed=bands, compiled=emit_model(patched)) == 100


def test_in_place_inside_tiles_refused_when_a_later_step_reads_the_input(tools):
    """read_later_net's stage (expansion, depthwise, the ADD reading the expansion again) in 3 x 2 tiles: the
    depthwise keeps its own tile buffer; the expansion writes over the copy of its tile's input columns (a
    gather buffer nothing else reads)."""
    from codegen.compiled.host import assert_matches_tflm

    model = load_model(read_later_net())
    program = lower_model(model)
    add = next(k for k, s in enumerate(program.steps) if s.name == "ADD")
    expansion = program.steps[0].outputs[0]
    patched, plan = patch_program(program, add + 1, 3, True, 0, 2, in_place=True)
    hosts = [host for _, host, _ in patched.overlays[:plan.tiles_in_place]]
    assert plan.tiles_in_place == 6 and all(h.name.startswith(f"{program.inputs[0].name} tile") for h in hosts)
    assert not any(h.name.startswith(f"{expansion.name} tile") for h in hosts)
    plan_memory(patched)
    assert assert_matches_tflm(model, count=20, seed=3, compiled=emit_model(patched)) == 20


def chain_net():
    """Three steps in a row, each the only reader of the one before (conv, depthwise, conv, depthwise): in a tile
    only every other one may write over its input (no overlay over a buffer already in one)."""
    n = _Net((1, 15, 9, 3), seed=15)
    e = depthwise(n, n.conv(n.x, 8, kernel=1))
    y = depthwise(n, n.conv(e, 8, kernel=1))
    return n.build(n.conv(y, 3, kernel=1))


def test_tile_steps_in_place_never_chain(tools):
    from codegen.compiled.host import assert_matches_tflm

    model = load_model(chain_net())
    patched, plan = patch_program(lower_model(model), 4, 3, True, 0, 2, in_place=True)
    tile_overlays = patched.overlays[:plan.tiles_in_place]
    assert plan.tiles_in_place > 0
    buffers = [t for o in tile_overlays for t in o[:2]]
    assert len(buffers) == len(set(buffers))  # each buffer in one overlay at most
    plan_memory(patched)
    assert assert_matches_tflm(model, count=100, seed=8, compiled=emit_model(patched)) == 100
