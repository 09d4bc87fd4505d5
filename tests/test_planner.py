"""converter.planner: placement, lower bound, reordering, offline plans, `attendnets optimize`.

Every plan is checked by converter.planner.check (written without the planner's
code) and against TFLM's greedy plan; optimized models run on the tflite-micro
interpreter with the original's outputs, and their measured arena equals the
estimate.
"""

import itertools
import json
import random
import struct

import numpy as np
import pytest

from attendnets_base.errors import InvalidOfflinePlanError
from conftest import assert_one_line_error, model_params, model_path, shared_present
from converter.planner import Buffer, lower_bound, place
from converter.planner.check import plan_head_bytes, plan_violations
from converter.planner.optimize import optimize_model, verify_plan
from converter.planner.reorder import best_order, order_peak
from converter.planner.rewrite import metadata_entries, permute_operators, set_metadata
from converter.planner.tflm_plan import check_plan_target, decode_offline_plan
from converter.tflite_model import load_model
from converter.tflm.arena import estimate_arena
from converter.tflm.memory_planner import GreedyMemoryPlanner
from test_arena_ops import TinyModel, _conv, _options, fb


def greedy_head(buffers):
    planner = GreedyMemoryPlanner()
    for b in buffers:
        planner.add_buffer(b.size_bytes, b.first_op, b.last_op)
    return planner.maximum_memory_size()


def assert_good(buffers, placement):
    assert plan_violations(buffers, placement.offsets) == []
    assert placement.head_bytes == plan_head_bytes(buffers, placement.offsets)
    assert lower_bound(buffers) == placement.lower_bound_bytes <= placement.head_bytes <= greedy_head(buffers)


# ---------------------------------------------------------------- synthetic graphs


def chain(sizes):
    """Tensor i is written by op i and read by op i + 1 (inputs at time 0)."""
    return [Buffer(s * 16, i, i + 1) for i, s in enumerate(sizes)]


@pytest.mark.parametrize("seed", range(12))
def test_chains_reach_the_lower_bound(seed):
    rng = random.Random(seed)
    buffers = chain([rng.choice([1, 2, 3, 8, 9, 24, 48, 64, 100]) for _ in range(rng.randint(3, 40))])
    p = place(buffers, time_limit_s=2.0)
    assert_good(buffers, p)
    assert p.head_bytes == p.lower_bound_bytes and p.optimal


def diamond_and_skips(rng, blocks):
    """Residual blocks: x -> a -> b -> add(x, b), with scratch buffers during some ops."""
    buffers, t = [], 0
    x = rng.choice([16, 32, 64, 96]) * 16
    start = 0
    for _ in range(blocks):
        a, b = rng.choice([8, 16, 48, 128]) * 16, x
        buffers += [Buffer(x, start, t + 3), Buffer(a, t + 1, t + 2), Buffer(b, t + 2, t + 3)]
        if rng.random() < 0.5:
            buffers.append(Buffer(rng.choice([1, 4, 20]) * 16, t + 2, t + 2))  # scratch of op t+2
        start, t = t + 3, t + 3
    buffers.append(Buffer(x, start, t + 1))
    return buffers


@pytest.mark.parametrize("seed", range(10))
def test_skips_and_diamonds_never_above_greedy(seed):
    rng = random.Random(seed)
    buffers = diamond_and_skips(rng, rng.randint(1, 6))
    assert_good(buffers, place(buffers, time_limit_s=1.0))


@pytest.mark.parametrize("seed", range(6))
def test_many_small_buffers(seed):
    rng = random.Random(100 + seed)
    buffers = []
    for _ in range(150):
        first = rng.randint(0, 60)
        buffers.append(Buffer(rng.randint(1, 12) * 16, first, first + rng.randint(0, 8)))
    p = place(buffers, time_limit_s=0.5)
    assert_good(buffers, p)


def brute_force_optimum(buffers):
    """First fit over every order: complete (some order reproduces an optimal plan)."""
    best = None
    for order in itertools.permutations(range(len(buffers))):
        offsets = [None] * len(buffers)
        for i in order:
            spans = sorted((offsets[j], offsets[j] + buffers[j].size_bytes) for j in range(len(buffers))
                           if offsets[j] is not None and buffers[j].first_op <= buffers[i].last_op
                           and buffers[i].first_op <= buffers[j].last_op)
            o = 0
            for s, e in spans:
                if s - o >= buffers[i].size_bytes:
                    break
                o = max(o, e)
            offsets[i] = o
        head = max(o + b.size_bytes for o, b in zip(offsets, buffers))
        best = head if best is None else min(best, head)
    return best


@pytest.mark.parametrize("seed", range(25))
def test_exact_search_finds_the_optimum_of_small_problems(seed):
    rng = random.Random(seed)
    buffers = []
    for _ in range(rng.randint(3, 6)):
        first = rng.randint(0, 5)
        buffers.append(Buffer(rng.randint(1, 9) * 16, first, first + rng.randint(0, 4)))
    p = place(buffers, time_limit_s=5.0)
    assert_good(buffers, p)
    assert p.optimal
    assert p.head_bytes == brute_force_optimum(buffers)


def test_online_buffers_are_placed_as_tflm_places_them():
    # a scratch buffer of op 2 (online) among tensors
    buffers = [Buffer(64, 0, 1), Buffer(32, 1, 2), Buffer(96, 2, 3), Buffer(48, 2, 2), Buffer(16, 3, 4)]
    p = place(buffers, time_limit_s=1.0, online=[3])
    assert_good(buffers, p)
    planner = GreedyMemoryPlanner()
    for k, b in enumerate(buffers):
        planner.add_buffer(b.size_bytes, b.first_op, b.last_op, -1 if k == 3 else p.offsets[k])
    assert planner.offsets() == p.offsets


def test_checker_finds_overlaps():
    buffers = [Buffer(32, 0, 2), Buffer(32, 2, 3), Buffer(32, 3, 4)]
    assert plan_violations(buffers, [0, 16, 48]) == [(0, 1)]
    assert plan_violations(buffers, [0, 32, 0]) == []
    assert plan_violations(buffers, [0, 0, 64], aliases=[(0, 1)]) == []
    assert plan_violations(buffers, [0, 16, 64], aliases=[(0, 1)]) == [(0, 1)]


# ---------------------------------------------------------------- models


def conv_chain_model():
    m = TinyModel()
    x = m.tensor((1, 12, 12, 3))
    y = _conv(m, x, 16)
    y = _conv(m, y, 8, depthwise=False, stride=2)
    y = _conv(m, y, 8, depthwise=True)
    y = _conv(m, y, 24)
    z = m.tensor((1, 6, 6, 24))
    m.op("RELU", [y], [z])
    return m.build([x], [z])


def gap_chain_model():
    """A chain whose greedy plan leaves a gap: 1024, 512, 512, 1024, 512 B (greedy 2048, bound 1536)."""
    m = TinyModel()
    y = x = m.tensor((1, 16, 16, 4))
    for channels in (2, 2, 4, 2):
        y = _conv(m, y, channels)
    return m.build([x], [y])


def branchy_model():
    """x -> a1 (big), then a chain b1..b4, then a2 = conv(a1), ADD(a2, b4): a1 waits through the chain."""
    m = TinyModel()
    x = m.tensor((1, 8, 8, 4))
    a1 = _conv(m, x, 32)
    b = x
    for channels in (8, 8, 8, 4):
        b = _conv(m, b, channels)
    a2 = _conv(m, a1, 4)
    y = m.tensor((1, 8, 8, 4))
    m.op("ADD", [a2, b], [y], _options(fb.AddOptionsT))
    return m.build([x], [y])


def reshape_model():
    m = TinyModel()
    x = m.tensor((1, 6, 6, 4))
    a = _conv(m, x, 8)
    r = m.tensor((1, 288))
    shape = m.const([1, 288], "int32")
    m.op("RESHAPE", [a, shape], [r], _options(fb.ReshapeOptionsT, newShape=[1, 288]))
    return m.build([x], [r])


def run_tflm(data, seed):
    from tflite_micro.python.tflite_micro import runtime

    interpreter = runtime.Interpreter.from_bytes(data)
    outputs = []
    rng = np.random.RandomState(seed)
    for i in range(len(load_model(data).subgraphs[0].inputs)):
        detail = interpreter.get_input_details(i)
        interpreter.set_input(rng.randint(-128, 128, size=detail["shape"]).astype(detail["dtype"]), i)
    interpreter.invoke()
    for i in range(len(load_model(data).subgraphs[0].outputs)):
        outputs.append(interpreter.get_output(i).copy())
    return outputs


def assert_same_outputs(a, b, seeds=3):
    for seed in range(seeds):
        for x, y in zip(run_tflm(a, seed), run_tflm(b, seed)):
            assert np.array_equal(x, y)


def assert_measured_equals_estimate(data, result):
    from converter.tflm.arena_measure import measure_arena

    meas = measure_arena(data)
    host = estimate_arena(data, pointer_bytes=8)
    assert (meas.total_bytes, meas.head_bytes, meas.required_bytes) == (
        host.total_bytes, host.head_bytes, host.required_bytes)  # fmt: skip


@pytest.mark.parametrize("builder", [conv_chain_model, gap_chain_model, branchy_model, reshape_model])
def test_optimized_builder_models_run_identically_in_the_estimated_arena(builder):
    data = builder()
    result = optimize_model(data, target="host", time_limit_s=1.0)
    verify_plan(load_model(result.data), result.after)
    assert result.after.head_bytes <= result.greedy.head_bytes
    assert result.after.required_bytes <= result.before.required_bytes
    has_plan = "OfflineMemoryAllocation" in load_model(result.data).metadata
    assert has_plan or result.method == "TFLM's greedy plan kept"
    if result.after.head_bytes < result.greedy.head_bytes:
        assert has_plan or result.reordered
    assert "attendnets_plan" in load_model(result.data).metadata
    assert_same_outputs(data, result.data)
    assert_measured_equals_estimate(result.data, result)


def test_reordering_lowers_the_peak_of_a_branchy_model():
    data = branchy_model()
    model = load_model(data)
    est = estimate_arena(model, pointer_bytes=4)
    order = best_order(model, est)
    assert order.exact and order.changed and order.peak_bytes < order.original_peak_bytes
    assert order.peak_bytes == order_peak(model, est, order.order)
    # every tensor is written before it is read
    written = set(model.subgraphs[0].inputs)
    ops = model.subgraphs[0].operators
    for i in order.order:
        assert all(t in written or model.subgraphs[0].tensors[t].buffer and load_model(data).buffers[
            model.subgraphs[0].tensors[t].buffer].data for t in ops[i].inputs if t >= 0)
        written.update(ops[i].outputs)
    result = optimize_model(data, target="host")
    assert result.reordered
    assert result.after.head_bytes < result.greedy.head_bytes
    assert result.after.head_bytes == result.lower_bound_bytes


def test_reshape_shares_its_input_buffer():
    data = reshape_model()
    result = optimize_model(data, target="host")
    model = load_model(result.data)
    offsets = decode_offline_plan(model.metadata["OfflineMemoryAllocation"])
    reshape = next(op for op in model.subgraphs[0].operators if op.name == "RESHAPE")
    assert offsets[reshape.inputs[0]] == offsets[reshape.outputs[0]]
    assert result.after.head_bytes < result.greedy.head_bytes


def test_rewrite_keeps_every_byte_and_permutes_operators():
    data = conv_chain_model()
    out = set_metadata(data, {"a": b"\x01\x02\x03", "b": b"xyz"})
    assert (len(out) - len(data)) % 16 == 0
    assert out[len(out) - len(data) + 8:] == data[8:]
    assert [n for n, _ in metadata_entries(out)] == ["a", "b"]
    model = load_model(out)
    assert model.metadata["a"] == b"\x01\x02\x03"
    out2 = set_metadata(out, {"a": None, "b": b"new"})
    assert load_model(out2).metadata == {"b": b"new"}
    swapped = permute_operators(data, [1, 0, 2, 3, 4])
    names = [op.inputs for op in load_model(swapped).subgraphs[0].operators]
    original = [op.inputs for op in load_model(data).subgraphs[0].operators]
    assert names == [original[1], original[0]] + original[2:]


# ---------------------------------------------------------------- the suite's models (corpus and shared)

# Models whose operators form one chain: the optimized head reaches the lower bound.
CHAIN_MODELS = ["hello_world_int8.tflite", "micro_speech_quantized.tflite", "person_detect.tflite",
                "vww_96_int8.tflite", "dscnn_kws_int8", "mobilenet_v1_025_person_int8", "autoencoder_int8",
                "autoencoder_float", "autoencoder_int16x8", "svdf_int8", "svdf_float"]


@pytest.mark.parametrize("suite_model", model_params(), indirect=True)
@pytest.mark.parametrize("kernels", ["reference", "cmsis-nn"])
def test_suite_models(suite_model, kernels):
    name = suite_model.name
    result = suite_model.run(kernels, optimize_model, suite_model.path.read_bytes(), kernels=kernels)
    if result is None:
        return  # refused with a one-line error naming the operator (asserted by run)
    assert result.seconds < 10
    verify_plan(load_model(result.data), result.after)
    assert result.after.head_bytes <= result.greedy.head_bytes
    assert result.after.required_bytes <= result.before.required_bytes
    assert result.after.tail_bytes == result.before.tail_bytes or result.reordered
    if name in CHAIN_MODELS:
        assert result.after.head_bytes == result.lower_bound_bytes
    if name == "vww_96_int8.tflite":
        assert result.greedy.head_bytes == 73728 and result.after.head_bytes <= 58000


# Models the optimizer places in a smaller head than TFLM's greedy planner (vww: 73,728 -> 55,296 B,
# AttendNet-B: 18,432 -> 16,384 B): they must run identically in the arena the estimate gives.
@pytest.mark.parametrize("name", ["attendnet_b_int8", *shared_present("vww_96_int8.tflite")])
def test_optimized_model_runs_identically_in_the_estimated_arena(name):
    data = model_path(name).read_bytes()
    result = optimize_model(data, target="host")
    assert result.after.head_bytes < result.greedy.head_bytes
    assert_same_outputs(data, result.data, seeds=2)
    assert_measured_equals_estimate(result.data, result)


# ---------------------------------------------------------------- bad input and the command


def with_plan(data, offsets):
    raw = struct.pack(f"<3i{len(offsets)}i", 1, 1, len(offsets), *offsets)
    return set_metadata(data, {"OfflineMemoryAllocation": raw})


def test_invalid_offline_plans_are_refused(cli, tmp_path):
    data = conv_chain_model()
    n = len(load_model(data).subgraphs[0].tensors)
    short = tmp_path / "short.tflite"
    short.write_bytes(with_plan(data, [-1] * (n - 1)))
    err = assert_one_line_error(cli("optimize", short, "--out", tmp_path / "o.tflite"), 2)
    assert "offsets for" in err and not (tmp_path / "o.tflite").exists()
    # every activation tensor at offset 0: they overlap
    model = load_model(data)
    planned = {p.tensor_index for p in estimate_arena(model).tensors}
    overlapping = tmp_path / "overlap.tflite"
    overlapping.write_bytes(with_plan(data, [0 if i in planned else -1 for i in range(n)]))
    err = assert_one_line_error(cli("arena", overlapping), 2)
    assert "overlaps" in err
    with pytest.raises(InvalidOfflinePlanError):
        estimate_arena(overlapping.read_bytes())
    with pytest.raises(InvalidOfflinePlanError, match="offset -16"):
        estimate_arena(with_plan(data, [-16 if i in planned else -1 for i in range(n)]))
    # the same tensors one after the other: valid, and honoured
    offsets, end = [], 0
    for i in range(n):
        if i in planned:
            offsets.append(end)
            end += 4096
        else:
            offsets.append(-1)
    placed = {p.tensor_index: p.offset for p in estimate_arena(with_plan(data, offsets)).tensors}
    assert all(placed[i] == offsets[i] for i in planned)


def test_gap_chain_gets_an_offline_plan_at_the_bound():
    result = optimize_model(gap_chain_model(), target="host")
    assert (result.greedy.head_bytes, result.after.head_bytes, result.lower_bound_bytes) == (2048, 1536, 1536)
    assert "OfflineMemoryAllocation" in load_model(result.data).metadata


def test_optimize_command(cli, tmp_path):
    src = tmp_path / "m.tflite"
    src.write_bytes(gap_chain_model())
    out = tmp_path / "out.tflite"
    r = cli("optimize", src, "--out", out, "--json", "--kernels", "cmsis-nn")
    assert r.exit_code == 0, r
    info = json.loads(r.stdout)
    assert info["after"]["head_bytes"] <= info["greedy"]["head_bytes"] and info["kernels"] == "cmsis-nn"
    # ours: may be replaced
    r = cli("optimize", src, "--out", out, "--target", "host")
    assert r.exit_code == 0, r
    assert "head (memory plan)" in r.stdout and "lower bound" in r.stdout
    # a file we did not write is refused and left as it was
    other = tmp_path / "other.tflite"
    other.write_bytes(b"not mine")
    assert_one_line_error(cli("optimize", src, "--out", other), 2)
    assert other.read_bytes() == b"not mine"
    assert_one_line_error(cli("optimize", src, "--out", src), 2)
    # the plan was made for the reference kernels: refused for CMSIS-NN
    with pytest.raises(InvalidOfflinePlanError):
        check_plan_target(load_model(out), "cmsis-nn", "dsp")
    check_plan_target(load_model(out), "reference")
    # re-optimizing an optimized model works (its old plan is dropped)
    again = tmp_path / "again.tflite"
    r = cli("optimize", out, "--out", again, "--target", "host")
    assert r.exit_code == 0, r


def test_generate_optimize_plan(cli, tmp_path):
    src = tmp_path / "m.tflite"
    src.write_bytes(gap_chain_model())
    plain = cli("generate", "--runtime", "tflm", src, "--board", "mps2-an386", "--out", tmp_path / "plain", "--kernels", "reference")
    assert plain.exit_code == 0, plain
    optimized = cli("generate", "--runtime", "tflm", src, "--board", "mps2-an386", "--out", tmp_path / "opt", "--kernels", "reference",
                    "--optimize-plan")
    assert optimized.exit_code == 0, optimized
    facts = [json.loads((tmp_path / d / "project.json").read_text()) for d in ("plain", "opt")]
    assert facts[1]["arena_required_bytes"] < facts[0]["arena_required_bytes"]
    embedded = load_model((tmp_path / "opt" / "model" / "m.tflite").read_bytes())
    assert "OfflineMemoryAllocation" in embedded.metadata
    # a plan made for the reference kernels is refused for a CMSIS-NN build, in one line
    planned = tmp_path / "planned.tflite"
    assert cli("optimize", src, "--out", planned, "--kernels", "reference").exit_code == 0
    err = assert_one_line_error(cli("generate", "--runtime", "tflm", planned, "--board", "mps2-an386", "--out", tmp_path / "x",
                                    "--kernels", "cmsis-nn"), 2)
    assert "made for reference" in err and not (tmp_path / "x").exists()
    report = cli("report", "--runtime", "tflm", planned, "--kernels", "cmsis-nn")
    assert report.exit_code == 0 and "offline plan" in report.stdout and "made for reference" in report.stdout


def test_reordering_many_branches_uses_the_beam_and_stays_valid():
    """12 independent branches off one input: more operator sets than the beam keeps."""
    m = TinyModel()
    x = m.tensor((1, 4, 4, 4))
    ends = []
    for k in range(12):
        a = _conv(m, x, 4 + 4 * (k % 3))
        ends.append(_conv(m, a, 4))
    y = ends[0]
    for e in ends[1:]:
        z = m.tensor((1, 4, 4, 4))
        m.op("ADD", [y, e], [z], _options(fb.AddOptionsT))
        y = z
    data = m.build([x], [y])
    model = load_model(data)
    est = estimate_arena(model, pointer_bytes=4, kernels="reference")
    result = best_order(model, est, beam_width=64)
    assert not result.exact
    assert result.peak_bytes <= result.original_peak_bytes
    seen = set(model.subgraphs[0].inputs)
    ops = model.subgraphs[0].operators
    producers = {t for op in ops for t in op.outputs}
    for i in result.order:
        assert all(t in seen for t in ops[i].inputs if t in producers)
        seen.update(ops[i].outputs)
    assert sorted(result.order) == list(range(len(ops)))
