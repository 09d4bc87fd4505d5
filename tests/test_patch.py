"""Patch-based execution (issue 18): the receptive-field arithmetic (codegen.compiled.receptive_field) checked
against brute force at every border, and the patch stage (codegen.compiled.patch) as a transformation of the
compiled program, bit-exact with tflite-micro on the host; the in-place rule of band steps.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from compiled_ops_harness import require_tools
from tflite_builder import ModelBuilder

from codegen.compiled.generate import emit_model, lower_model, plan_memory
from codegen.compiled.patch import NotPatchable, patch_program, stage_problem, stage_splits
from codegen.compiled.plan import overlay_clashes, overlay_layout
from codegen.compiled.receptive_field import (broadcast_input_range, hull, split_evenly, table_input_range,
                                              window_input_range)
from converter.tflite_model import load_model


# --- receptive-field arithmetic ------------------------------------------------------------------

def _same_pad(size, kernel, stride, dilation):
    """TFLM's SAME leading padding."""
    out = (size + stride - 1) // stride
    eff = (kernel - 1) * dilation + 1
    return max(0, ((out - 1) * stride + eff - size) // 2), out


def _geometries():
    for size, kernel, stride, dilation, padding in itertools.product(
            (1, 2, 5, 7, 8, 13), (1, 2, 3, 5), (1, 2, 3), (1, 2, 3), ("SAME", "VALID")):
        eff = (kernel - 1) * dilation + 1
        if padding == "SAME":
            pad, out = _same_pad(size, kernel, stride, dilation)
        else:
            if eff > size:
                continue
            pad, out = 0, (size - eff) // stride + 1
        yield size, kernel, stride, dilation, pad, out


def test_window_range_is_the_receptive_field_at_every_border():
    """For every output interval (the first, last and inner ones), the input interval is exactly the taps
    inside the image, and the operator run on that interval alone with the local padding reads the same
    input positions, with padding exactly where the whole image has it (top/left and bottom/right)."""
    checked = 0
    for size, kernel, stride, dilation, pad, out in _geometries():
        for lo in range(out):
            for hi in range(lo + 1, out + 1):
                taps = [o * stride - pad + t * dilation for o in range(lo, hi) for t in range(kernel)]
                inside = [p for p in taps if 0 <= p < size]
                if not inside:  # a dilated window that steps over a tiny image: no patch for it
                    with pytest.raises(ValueError, match="only padding"):
                        window_input_range(lo, hi, kernel=kernel, stride=stride, dilation=dilation, pad=pad,
                                           in_size=size, out_size=out)
                    continue
                w = window_input_range(lo, hi, kernel=kernel, stride=stride, dilation=dilation, pad=pad,
                                       in_size=size, out_size=out)
                assert (w.lo, w.hi) == (min(inside), max(inside) + 1)
                for o in range(lo, hi):
                    for t in range(kernel):
                        whole = o * stride - pad + t * dilation
                        local = (o - lo) * stride - w.local_pad + t * dilation
                        assert local + w.lo == whole
                        assert (0 <= local < w.size) == (0 <= whole < size)
                checked += 1
    assert checked > 4000


def test_window_range_refuses_what_no_patch_can_stand_for():
    with pytest.raises(ValueError):
        window_input_range(2, 2, kernel=3, stride=1, dilation=1, pad=1, in_size=5, out_size=5)  # empty
    with pytest.raises(ValueError):
        window_input_range(0, 6, kernel=3, stride=1, dilation=1, pad=1, in_size=5, out_size=5)  # past the end
    with pytest.raises(ValueError):  # a window entirely in the padding
        window_input_range(0, 1, kernel=2, stride=1, dilation=1, pad=3, in_size=4, out_size=6)


def test_table_broadcast_split_and_hull():
    sources = [0, 0, 1, 1, 2, 2, 3]  # nearest-neighbour upsampling of 4 rows to 7
    assert table_input_range(0, 1, sources) == (0, 1)
    assert table_input_range(1, 4, sources) == (0, 2)
    assert table_input_range(5, 7, sources) == (2, 4)
    assert broadcast_input_range(2, 5, 9, 9) == (2, 5)
    assert broadcast_input_range(2, 5, 1, 9) == (0, 1)
    with pytest.raises(ValueError):
        broadcast_input_range(2, 5, 3, 9)
    assert split_evenly(7, 3) == [(0, 3), (3, 5), (5, 7)]  # a grid that does not divide the size
    assert split_evenly(13, 13) == [(k, k + 1) for k in range(13)]
    with pytest.raises(ValueError):
        split_evenly(3, 4)
    assert hull(None, (2, 4)) == (2, 4) and hull((1, 3), (2, 6)) == (1, 6)


# --- the transformation, bit-exact --------------------------------------------------------------

class _Net:
    """A small NHWC int8 network written with the test builder (shapes follow TFLM's arithmetic)."""

    def __init__(self, shape, seed=0):
        self.b = ModelBuilder()
        self.rng = np.random.default_rng(seed)
        self.n = 0
        self.shape, self.q = {}, {}
        self.x = self.tensor(shape)

    def tensor(self, shape, scale=None, zp=None):
        self.n += 1
        scale = float(np.float32(scale if scale is not None else self.rng.uniform(0.02, 0.08)))
        zp = int(zp if zp is not None else self.rng.integers(-20, 20))
        t = self.b.tensor(f"t{self.n}", tuple(shape), "int8", scale=scale, zero_point=zp)
        self.shape[t], self.q[t] = tuple(shape), (scale, zp)
        return t

    @staticmethod
    def _out(size, kernel, stride, dilation, padding):
        eff = (kernel - 1) * dilation + 1
        return (size + stride - 1) // stride if padding == "SAME" else (size - eff) // stride + 1

    def conv(self, x, out_c, kernel=3, stride=1, dilation=1, padding="SAME", depthwise=False, activation="RELU"):
        _, h, w, c = self.shape[x]
        out_c = c if depthwise else out_c
        shape = (1, self._out(h, kernel, stride, dilation, padding), self._out(w, kernel, stride, dilation, padding),
                 out_c)
        self.n += 1
        wshape = (1, kernel, kernel, out_c) if depthwise else (out_c, kernel, kernel, c)
        weights = self.rng.integers(-127, 128, size=wshape).astype(np.int8)
        scales = [float(np.float32(s)) for s in self.rng.uniform(0.002, 0.02, size=out_c)]
        wt = self.b.tensor(f"w{self.n}", wshape, "int8", scale=scales, zero_point=[0] * out_c,
                           quantized_dimension=3 if depthwise else 0, data=weights.tobytes())
        bias = self.b.tensor(f"b{self.n}", (out_c,), "int32", scale=[self.q[x][0] * s for s in scales],
                             zero_point=[0] * out_c,
                             data=self.rng.integers(-2000, 2000, size=out_c).astype(np.int32).tobytes())
        y = self.tensor(shape, scale=0.1)
        kind = "depthwise_conv2d" if depthwise else "conv2d"
        self.b.op("DEPTHWISE_CONV_2D" if depthwise else "CONV_2D", [x, wt, bias], [y], version=3,
                  options={"type": kind, "padding": padding, "stride": stride, "dilation": dilation,
                           "activation": activation})
        return y

    def pool(self, x, kind="MAX_POOL_2D", filter=2, stride=2, padding="SAME"):
        _, h, w, c = self.shape[x]
        y = self.tensor((1, self._out(h, filter, stride, 1, padding), self._out(w, filter, stride, 1, padding), c),
                        *self.q[x])
        self.b.op(kind, [x], [y], version=2,
                  options={"type": "pool2d", "padding": padding, "stride": stride, "filter": filter})
        return y

    def resize(self, x, hw):
        size = self.b.tensor(f"size{self.n}", (2,), "int32", data=np.array(hw, np.int32).tobytes())
        y = self.tensor((1, *hw, self.shape[x][3]), *self.q[x])
        self.b.op("RESIZE_NEAREST_NEIGHBOR", [x, size], [y], version=3, options={"type": "resize_nearest_neighbor"})
        return y

    def unary(self, x, name):
        y = self.tensor(self.shape[x], *((1 / 256, -128) if name == "LOGISTIC" else (None, None)))
        self.b.op(name, [x], [y])
        return y

    def binary(self, name, a, c):
        y = self.tensor(self.shape[a])
        self.b.op(name, [a, c], [y], options={"type": name.lower()})
        return y

    def concat(self, a, c):
        y = self.tensor((*self.shape[a][:3], self.shape[a][3] + self.shape[c][3]), *self.q[a])
        self.b.op("CONCATENATION", [a, self.requant(c, self.q[a])], [y], version=2,
                  options={"type": "concatenation", "axis": 3})
        return y

    def requant(self, x, q):
        if self.q[x] == q:
            return x
        y = self.tensor(self.shape[x], *q)
        self.b.op("RELU", [x], [y])  # same-scale copy through a lookup table
        return y

    def build(self, y):
        return self.b.build(inputs=[self.x], outputs=[y])


def condenser_net():
    """Odd sizes, a stride-2 SAME stem, a dilated VALID conv, a depthwise, the attention condenser
    (MAX_POOL_2D -> conv -> LOGISTIC -> RESIZE_NEAREST_NEIGHBOR -> MUL), an ADD, a CONCATENATION,
    then a conv after the split."""
    n = _Net((1, 23, 19, 3))
    a = n.conv(n.x, 6, kernel=3, stride=2)                       # 12 x 10
    d = n.conv(a, 0, kernel=3, depthwise=True)                   # 12 x 10
    p = n.pool(d)                                                # 6 x 5
    s = n.unary(n.conv(p, 6, kernel=1, activation="NONE"), "LOGISTIC")
    u = n.resize(s, (12, 10))
    m = n.binary("MUL", d, u)
    r = n.binary("ADD", m, a)
    v = n.conv(r, 4, kernel=3, dilation=2, padding="VALID")      # 8 x 6
    w = n.conv(r, 4, kernel=5, padding="VALID")                  # 8 x 6
    c = n.concat(v, w)
    z = n.conv(c, 5, kernel=3, stride=2, padding="VALID")        # after the split
    y = n.pool(z, "AVERAGE_POOL_2D", filter=2, stride=1, padding="VALID")  # 2 x 1
    return n.build(y)


def stem_net(rows=13):
    """A MobileNet-like stem (13 rows: a 6-row first layer that 4 and 5 bands do not divide)."""
    n = _Net((1, rows, 9, 2), seed=3)
    a = n.conv(n.x, 5, kernel=3, stride=2, padding="VALID")
    d = n.conv(a, 0, kernel=5, stride=1, depthwise=True, activation="RELU6")
    e = n.conv(d, 7, kernel=1)
    return n.build(n.pool(e, "AVERAGE_POOL_2D", filter=2, stride=2, padding="VALID"))


@pytest.fixture(scope="module")
def tools():
    require_tools()


def _band_run(data, split, bands, count=20):
    from codegen.compiled.host import assert_matches_tflm

    model = load_model(data)
    program, plan = patch_program(lower_model(model), split, bands)
    plan_memory(program)
    assert assert_matches_tflm(model, count=count, seed=bands, compiled=emit_model(program)) == count
    return program, plan


def test_every_split_of_the_condenser_net_is_a_stage():
    program = lower_model(load_model(condenser_net()))
    names = [s.name for s in program.steps]
    splits = stage_splits(program)
    # up to the concatenation every prefix with one tensor leaving it; never past the post-split conv
    assert names.index("CONCATENATION") + 1 in splits
    assert "tensors leave the stage" in stage_problem(program, names.index("MUL"))


@pytest.mark.parametrize("bands", [2, 3, 5, 8])
def test_condenser_net_band_by_band_is_bit_exact(tools, bands):
    program = lower_model(load_model(condenser_net()))
    split = [s.name for s in program.steps].index("CONCATENATION") + 1
    patched, plan = _band_run(condenser_net(), split, bands)
    assert plan.grid == (bands, 1) and len(plan.bands) == bands
    assert plan.bands[0][0] == 0 and plan.bands[-1][1] == 8
    assert plan.extra_macs > 0  # the overlap is recomputed
    # every band reads a part of the image, the first from row 0 and the last to row 22
    assert plan.input_rows[0][0][0] == 0 and plan.input_rows[-1][0][1] == 23
    assert patched.steps[split * bands - 1].name == "CONCATENATION"
    assert len(patched.steps) == split * bands + len(program.steps) - split
    assert [s.function for s in patched.steps[split * bands:]] == [s.function for s in program.steps[split:]]


@pytest.mark.parametrize("split,bands", [(1, 6), (2, 4), (3, 3), (4, 2)])
def test_stem_bands_that_do_not_divide_are_bit_exact(tools, split, bands):
    _, plan = _band_run(stem_net(), split, bands)
    sizes = {hi - lo for lo, hi in plan.bands}
    assert len(plan.bands) == bands and sizes <= {max(sizes), max(sizes) - 1}


def expansion_net():
    """An inverted residual's expansion (2 -> 16 channels), its depthwise and projection: the peak is inside."""
    n = _Net((1, 31, 9, 2), seed=4)
    e = n.conv(n.conv(n.conv(n.x, 16, kernel=1), 0, depthwise=True), 2, kernel=1)
    return n.build(n.pool(e, "AVERAGE_POOL_2D", filter=2, stride=2, padding="VALID"))


def test_band_buffers_are_smaller_than_the_layers(tools):
    model = load_model(expansion_net())
    whole = lower_model(model)
    plan_memory(whole)
    patched, plan = patch_program(lower_model(model), 3, 6)
    plan_memory(patched)
    assert patched.arena_bytes < whole.arena_bytes / 2
    # the program made one buffer per band and tensor inside the stage, none for the split tensor
    made = [t for t in patched.tensors() if t.index is None]
    assert len(made) == 6 * 2 and plan.split_tensor in patched.tensors()
    _band_run(expansion_net(), 3, 6)


def test_a_stage_ending_at_a_view_or_with_two_exits_is_refused():
    program = lower_model(load_model(condenser_net()))
    names = [s.name for s in program.steps]
    with pytest.raises(NotPatchable, match="leave the stage"):
        patch_program(program, names.index("MUL"), 2)  # d and a both read later
    with pytest.raises(ValueError, match="cannot cut 2 into 3"):
        patch_program(program, len(program.steps), 3)  # more bands than the split tensor's rows


# --- 2-D grids: tiles of part of the columns ------------------------------------------------------

def _tile_run(data, split, bands, columns, count=20, start=0, overlay=True):
    from codegen.compiled.host import assert_matches_tflm

    model = load_model(data)
    program, plan = patch_program(lower_model(model), split, bands, overlay, start, columns)
    plan_memory(program)
    assert assert_matches_tflm(model, count=count, seed=bands * 10 + columns, compiled=emit_model(program)) == count
    return program, plan


@pytest.mark.parametrize("bands,columns", [(1, 2), (2, 3), (3, 2), (4, 4)])
def test_condenser_net_tile_by_tile_is_bit_exact(tools, bands, columns):
    """Odd sizes in both directions (the 8 x 6 split tensor in 4 columns: 2, 2, 1, 1), the attention condenser's
    resize gathered per tile, the dilated VALID conv and the 5x5 VALID conv at the left and right borders."""
    program = lower_model(load_model(condenser_net()))
    split = [s.name for s in program.steps].index("CONCATENATION") + 1
    patched, plan = _tile_run(condenser_net(), split, bands, columns)
    assert plan.grid == (bands, columns) and len(plan.tiles) == bands * columns
    assert plan.columns[0][0] == 0 and plan.columns[-1][1] == 6
    # every tile's part of the split tensor is scattered into it by a copy; the image's columns gathered
    copies = [s for s in patched.steps if s.function == "an_copy_rows_s8"]
    assert sum(plan.split_tensor in s.outputs for s in copies) == bands * columns
    assert any(patched.inputs[0] in s.inputs for s in copies)


def test_tiles_of_the_same_geometry_share_one_parameter_struct(tools):
    """Tiles of equal size and border share their Params (one static const struct in flash, defined once)."""
    model = load_model(expansion_net())
    patched, plan = patch_program(lower_model(model), 3, 6, columns=3)
    params = [p for s in plan.band_steps for p in s.params]
    unique = {id(p) for p in params}
    assert len(unique) < len(params) / 2
    source = emit_model(patched).files["model.c"]
    assert source.count("static const an_conv_params ") == len({id(p) for p in params if p.c_type == "an_conv_params"})
    _tile_run(expansion_net(), 3, 6, 3)  # and it compiles and runs bit-exact


@pytest.mark.parametrize("split,bands,columns", [(1, 2, 3), (2, 3, 2), (3, 2, 4), (3, 5, 3), (4, 3, 2)])
def test_stem_tiles_that_do_not_divide_are_bit_exact(tools, split, bands, columns):
    _, plan = _tile_run(stem_net(), split, bands, columns)
    widths = {hi - lo for lo, hi in plan.columns}
    assert len(plan.columns) == columns and widths <= {max(widths), max(widths) - 1}


def test_tiles_shrink_the_band_buffers_and_a_middle_stage_gathers_its_input(tools):
    model = load_model(expansion_net())
    bands, _ = patch_program(lower_model(model), 3, 6)
    tiles, plan = patch_program(lower_model(model), 3, 6, columns=3)
    plan_memory(bands)
    plan_memory(tiles)
    assert tiles.arena_bytes < bands.arena_bytes and plan.extra_macs > 0
    # a stage that starts after the stem: its input (a whole tensor) is gathered per tile
    _tile_run(condenser_net(), [s.name for s in lower_model(load_model(condenser_net())).steps].index(
        "CONCATENATION") + 1, 2, 2, start=1)


def concat_columns_net():
    """Two convs concatenated along the columns (axis 2), then a conv."""
    n = _Net((1, 8, 6, 2), seed=6)
    a, c = n.conv(n.x, 3, kernel=3), n.conv(n.x, 3, kernel=1)
    y = n.tensor((1, 8, 12, 3), *n.q[a])
    n.b.op("CONCATENATION", [a, n.requant(c, n.q[a])], [y], version=2, options={"type": "concatenation", "axis": 2})
    return n.build(n.conv(y, 2, kernel=3, stride=2))


def test_columns_refused_where_a_tile_cannot_stand_for_its_columns(tools):
    """A concatenation along the columns runs in bands of whole rows only."""
    program = lower_model(load_model(concat_columns_net()))
    split = [s.name for s in program.steps].index("CONCATENATION") + 1
    assert stage_problem(program, split) is None
    assert "along the columns" in stage_problem(program, split, columns=2)
    with pytest.raises(NotPatchable, match="along the columns"):
        patch_program(program, split, 2, columns=2)
    _band_run(concat_columns_net(), split, 3)


# --- the in-place rule --------------------------------------------------------------------------

def inplace_net():
    """a = conv(x); b = RELU(a) (may overwrite a layer by layer); c = conv3x3(a); y = ADD(b, c):
    within a band, a holds one more row above and below than b needs."""
    n = _Net((1, 12, 6, 3), seed=5)
    a = n.conv(n.x, 4, kernel=3)
    b = n.requant(a, (0.05, -1))
    c = n.conv(a, 4, kernel=3)
    return n.build(n.conv(n.binary("ADD", b, c), 3, kernel=1))


def test_in_place_band_step_refused_when_its_input_holds_more_rows(tools):
    model = load_model(inplace_net())
    program = lower_model(model)
    relu = next(s for s in program.steps if s.name == "RELU")
    add = next(s for s in program.steps if s.name == "ADD")
    assert relu.output_aliases is not None and add.output_aliases is not None  # layer by layer: in place
    patched, _ = _band_run(inplace_net(), 5, 3)
    band_relus = [s for s in patched.steps if s.name == "RELU"]
    band_adds = [s for s in patched.steps if s.name == "ADD"]
    # the RELU reads a slice of a's band (rows lo..hi of a band that holds lo-1..hi+1): never in place
    assert len(band_relus) == 3 and all(s.output_aliases is None for s in band_relus)
    # the ADD's inputs hold exactly its rows: in place is kept, and the planner shares the buffer
    assert all(s.output_aliases is s.inputs[0] for s in band_adds)
    assert all(s.outputs[0].offset == s.inputs[0].offset for s in band_adds)
    # writing into the split tensor (a model-level buffer read later) is never in place
    last, _ = patch_program(lower_model(model), 4, 3)
    assert all(s.output_aliases is None for s in last.steps if s.name == "ADD")


def test_in_place_in_tiles_only_over_a_buffer_holding_exactly_the_region(tools):
    """In 3 x 2 tiles, a's tile buffer holds halo rows and columns the second conv reads: the RELU never
    overwrites it; it reads a gathered copy of its own region, which it may overwrite (nothing reads the copy
    after it); the ADD overwrites b's tile buffer, which holds exactly its region."""
    model = load_model(inplace_net())
    patched, plan = _tile_run(inplace_net(), 5, 3, 2)
    made = {t for t in patched.tensors() if t.index is None}
    for k in range(len(plan.tiles)):
        relu = [s for s in plan.band_steps if s.name == "RELU" and s.function != "an_copy_rows_s8"][k]
        gather = plan.band_steps[plan.band_steps.index(relu) - 1]
        assert gather.function == "an_copy_rows_s8" and gather.outputs[0] in relu.inputs
        assert relu.output_aliases is gather.outputs[0] and relu.outputs[0] in made
        a_tile = gather.inputs[0]
        assert relu.output_aliases is not a_tile and not (relu.outputs[0].offset == a_tile.offset)
    adds = [s for s in plan.band_steps if s.name == "ADD" and s.function != "an_copy_rows_s8"]
    assert all(s.output_aliases is s.inputs[0] for s in adds)
    whole = lower_model(model)
    assert next(s for s in whole.steps if s.name == "RELU").output_aliases is not None  # layer by layer too


# --- stages anywhere, the split tensor over its input, schedules ---------------------------------

def test_a_stage_in_the_middle_is_bit_exact(tools):
    program = lower_model(load_model(condenser_net()))
    names = [s.name for s in program.steps]
    start, split = 1, names.index("CONCATENATION") + 1  # the stem conv stays layer by layer
    assert stage_problem(program, split, start) is None
    model = load_model(condenser_net())
    patched, plan = patch_program(lower_model(model), split, 3, start=start)
    assert plan.start == 1 and plan.first_operator == 1 and len(plan.stage_inputs) == 1
    assert patched.steps[0].name == "CONV_2D" and "[band" not in patched.steps[0].comment
    plan_memory(patched)
    from codegen.compiled.host import assert_matches_tflm

    assert assert_matches_tflm(model, count=20, seed=4, compiled=emit_model(patched)) == 20


def test_split_tensor_over_the_consumed_input_rows(tools):
    """The split tensor placed inside the input's buffer where each band writes only rows no later band reads."""
    model = load_model(expansion_net())
    patched, plan = patch_program(lower_model(model), 3, 8, overlay=True)
    assert plan.overlay and patched.overlays
    final, image, offset = patched.overlays[0]
    plan_memory(patched)
    assert final.offset == image.offset + offset  # one buffer spanning both
    for k, (_, hi) in enumerate(plan.bands[:-1]):  # the rule, byte for byte
        later_first = min(rows[0][0] for rows in plan.input_rows[k + 1:])
        assert offset + hi * final.size_bytes // final.shape[1] <= later_first * image.size_bytes // image.shape[1]
    without, _ = patch_program(lower_model(model), 3, 8, overlay=False)
    plan_memory(without)
    assert patched.arena_bytes < without.arena_bytes
    from codegen.compiled.host import assert_matches_tflm

    assert assert_matches_tflm(model, count=20, seed=5, compiled=emit_model(patched)) == 20


def _live_tensor_clashes(program) -> list:
    """Pairs of arena Tensors alive at one step whose bytes overlap, other than an overlay's two sides and a view or
    in-place step's input and output (an independent check of the planned offsets)."""
    first, last = {t: 0 for t in program.inputs}, {}
    for k, step in enumerate(program.steps):
        for t in step.outputs:
            first.setdefault(t, k)
        for t in step.inputs:
            last[t] = k
    for t in program.outputs:
        last[t] = len(program.steps) - 1
    allowed = {frozenset((a, b)) for a, b, _ in program.overlays}
    allowed |= {frozenset((s.output_aliases, s.outputs[0])) for s in program.steps if s.output_aliases is not None}
    tensors = [t for t in first if not t.state]
    clashes = []
    for i, a in enumerate(tensors):
        for b in tensors[i + 1:]:
            in_time = first[a] <= last.get(b, first[b]) and first[b] <= last.get(a, first[a])
            in_space = a.offset < b.offset + b.size_bytes and b.offset < a.offset + a.size_bytes
            if in_time and in_space and frozenset((a, b)) not in allowed:
                clashes.append((a.name, b.name))
    return clashes


def pinned_net():
    """A stride-2 stem and a depthwise whose output (576 B) lives over its input's consumed rows (4,608 B), then a 1x1 expansion
    (2,304 B) that fits in the input's bytes once the stem has read them."""
    n = _Net((1, 24, 24, 8), seed=5)
    a = n.conv(n.conv(n.x, 4, kernel=3, stride=2), 0, kernel=3, depthwise=True)
    e = n.conv(a, 16, kernel=1)
    return n.build(n.pool(e, "AVERAGE_POOL_2D", filter=2, stride=2, padding="VALID"))


def test_overlay_members_pinned_let_later_buffers_use_the_consumed_input(tools):
    """The overlay group (input + stem output over its consumed rows) placed as its members at their offsets: the
    expansion after the stage takes the input's dead bytes, while the stem output is still read; exact and
    bit-exact."""
    from codegen.compiled.host import assert_matches_tflm

    model = load_model(pinned_net())
    patched, plan = patch_program(lower_model(model), 2, 6, overlay=True)
    assert plan.overlay
    plan_memory(patched)
    final, image, _ = patched.overlays[0]
    expansion = patched.steps[-2].outputs[0]
    assert "pinned" in patched.planner
    # a single buffer spanning input and stem output, live until the expansion, would need the two side by side
    assert patched.arena_bytes < image.size_bytes + expansion.size_bytes
    assert image.offset <= expansion.offset and expansion.offset + expansion.size_bytes <= image.offset + \
        image.size_bytes
    assert _live_tensor_clashes(patched) == []
    compiled = emit_model(patched)
    assert compiled.arena_bytes == patched.arena_bytes
    assert assert_matches_tflm(model, count=100, seed=6, compiled=compiled) == 100


def test_nested_overlay_chain_is_exact_and_bit_exact(tools):
    """A stage's split tensor over its input, then the next layer in place over that split tensor (an overlay over
    a buffer already in an overlay): the places compose, nothing live is overwritten, and the outputs equal
    tflite-micro's."""
    from codegen.compiled.host import assert_matches_tflm

    model = load_model(pinned_net())
    first, plan1 = patch_program(lower_model(model), 2, 6, overlay=True)
    start = len(plan1.band_steps)  # the expansion, first step after the stage
    assert first.steps[start].name == "CONV_2D" and first.steps[start].inputs == (plan1.split_tensor,)
    nested, plan2 = patch_program(first, start + 1, 4, overlay=True, start=start, buffered=True)
    assert plan1.overlay and plan2.overlay and plan2.in_place
    (f1, image, _), (f2, host, _) = nested.overlays[-2:]
    assert host is f1 and f2 is plan2.split_tensor
    plan_memory(nested)
    assert overlay_clashes(nested) == [] and _live_tensor_clashes(nested) == []
    layout = {t: at for members in overlay_layout(nested.overlays).values() for t, at in members}
    assert f2.offset - f1.offset == layout[f2] - layout[f1] and f1.offset - image.offset == layout[f1] - layout[image]
    compiled = emit_model(nested)
    assert compiled.arena_bytes == nested.arena_bytes
    assert assert_matches_tflm(model, count=100, seed=8, compiled=compiled) == 100


def test_overlay_over_bytes_still_live_is_refused():
    """An overlay pair no rewrite checked (the expansion's output over the stem output's bytes while the expansion
    reads them) is found and the planner refuses it."""
    model = load_model(pinned_net())
    patched, plan = patch_program(lower_model(model), 2, 6, overlay=True)
    final, image, offset = patched.overlays[0]
    expansion = patched.steps[-2].outputs[0]
    assert overlay_clashes(patched) == []
    patched.overlays.append((expansion, image, offset))  # the expansion's output starting where the stem's does
    assert overlay_clashes(patched)
    with pytest.raises(ValueError, match="while both are live"):
        plan_memory(patched)


def test_overlay_refused_when_a_later_step_reads_the_input():
    """inplace_net's stage 1..3 reads a (conv output) that the ADD after the stage reads too: no overlay."""
    program = lower_model(load_model(inplace_net()))
    _, plan = patch_program(program, 3, 3, overlay=True, start=2)  # the second conv alone; a read by the ADD
    assert not plan.overlay


def test_schedules_fast_small_auto():
    from codegen.compiled.patch import choose_schedule

    model = load_model(expansion_net())
    fast, choice = choose_schedule(lower_model(model), "fast")
    assert not choice.patched and choice.arena_bytes == choice.floor_bytes == fast.arena_bytes
    small, choice = choose_schedule(lower_model(model), "small", max_recompute=0.2)
    assert choice.patched and choice.arena_bytes == small.arena_bytes < choice.floor_bytes
    assert 0 < choice.extra_macs <= 0.2 * choice.total_macs
    tight, tight_choice = choose_schedule(lower_model(model), "small", max_recompute=0.0)
    # no recompute allowed: only stages without overlap; here negative: the projection's row 30, which the
    # VALID 2x2 pool never reads, is not computed at all band by band
    assert tight_choice.extra_macs <= 0 and tight_choice.arena_bytes < tight_choice.floor_bytes
    auto, auto_choice = choose_schedule(lower_model(model), "auto", capacity_bytes=choice.floor_bytes)
    assert not auto_choice.patched  # fits layer by layer: the fastest
    auto, auto_choice = choose_schedule(lower_model(model), "auto", capacity_bytes=choice.floor_bytes - 1)
    assert auto_choice.patched and auto_choice.arena_bytes <= choice.floor_bytes - 1
    assert auto_choice.extra_macs <= choice.extra_macs  # the fastest that fits, not the smallest
    doc = choice.to_dict()
    assert doc["floor_bytes"] == choice.floor_bytes and doc["stages"][0]["grid"] == list(choice.plans[0].grid)
    with pytest.raises(ValueError):
        choose_schedule(lower_model(model), "tiny")


def _suite_exact(path, count):
    from codegen.compiled.host import assert_matches_tflm
    from codegen.compiled.patch import choose_schedule

    model = load_model(path)
    _, fast = choose_schedule(lower_model(model), "fast")
    for schedule, capacity in (("small", None), ("auto", fast.floor_bytes - 1)):
        program, choice = choose_schedule(lower_model(model), schedule, capacity_bytes=capacity)
        assert choice.patched and choice.arena_bytes < fast.floor_bytes
        assert choice.extra_macs <= 0.2 * choice.total_macs
        assert assert_matches_tflm(model, count=count, seed=7, compiled=emit_model(program)) == count


def test_corpus_attendnet_under_every_schedule(tools, corpus):
    _suite_exact(corpus.path("attendnet_b_int8"), 100)


def test_shared_vww_under_every_schedule(tools):
    from conftest import SHARED_MODELS_DIR

    path = SHARED_MODELS_DIR / "vww_96_int8.tflite"
    if not path.is_file():
        pytest.skip(f"vww_96_int8.tflite is a shared model, not in {SHARED_MODELS_DIR}")
    _suite_exact(path, 100)


# --- the commands -------------------------------------------------------------------------------

def test_report_and_generate_show_the_schedule(tmp_path, cli):
    import json

    model = tmp_path / "expansion.tflite"
    model.write_bytes(expansion_net())
    result = cli("report", str(model), "--runtime", "compiled", "--target", "cortex-m", "--schedule", "small",
                     "--json")
    assert result.exit_code == 0, result
    schedule = json.loads(result.stdout)["runtimes"]["compiled"]["schedule"]
    assert schedule["schedule"] == "small" and schedule["patch_based"]
    assert schedule["arena_bytes"] < schedule["floor_bytes"] and schedule["stages"][0]["grid"][0] >= 2
    text = cli("report", str(model), "--runtime", "compiled", "--target", "cortex-m", "--schedule", "small")
    assert "layer-by-layer floor" in text.stdout and "extra MACs" in text.stdout
    fast = cli("report", str(model), "--runtime", "compiled", "--target", "cortex-m", "--schedule", "fast",
                   "--json")
    assert json.loads(fast.stdout)["runtimes"]["compiled"]["schedule"]["patch_based"] is False
    out = tmp_path / "fw"
    gen = cli("generate", str(model), "--board", "mps2-an386", "--out", str(out), "--runtime", "compiled",
                  "--schedule", "small", "--max-recompute", "50")
    assert gen.exit_code == 0, gen
    facts = json.loads((out / "project.json").read_text())
    assert facts["schedule"]["patch_based"] and facts["schedule"]["max_recompute"] == 0.5
    assert facts["arena_bytes"] == facts["schedule"]["arena_bytes"]
    refused = cli("report", str(model), "--runtime", "tflm", "--schedule", "small")
    assert refused.exit_code == 2 and "compiled runtime" in refused.stderr and "Traceback" not in refused.stderr
    bad = cli("report", str(model), "--runtime", "compiled", "--target", "cortex-m", "--max-recompute", "-5")
    assert bad.exit_code == 2 and "--max-recompute" in bad.stderr


# --- on the device: the Cortex-M4 in QEMU with only the Nano 33 BLE Sense's 256 KiB of RAM -----------------

def test_patched_attendnet_on_the_m4_with_the_nanos_ram(corpus, tmp_path):
    """The corpus AttendNet-B under the small schedule (patch stages through both attention condensers' paths),
    built for the Cortex-M4 and linked with 256 KiB of RAM, prints what tflite-micro computes."""
    from compiled_qemu import build_m4, run_m4, tools_missing

    missing = tools_missing()
    if missing:
        pytest.skip(missing)
    from codegen.compiled.host import random_samples, run_tflm_batch
    from codegen.compiled.patch import choose_schedule

    model = load_model(corpus.path("attendnet_b_int8"))
    program, choice = choose_schedule(lower_model(model), "small")
    assert choice.patched
    script = tmp_path / "nano.ld"
    script.write_text((Path(__file__).parent / "compiled_m4" / "m4.ld").read_text().replace(
        "RAM   (rwx) : ORIGIN = 0x20000000, LENGTH = 4M", "RAM   (rwx) : ORIGIN = 0x20000000, LENGTH = 256K"))
    assert "LENGTH = 256K" in script.read_text()
    samples = random_samples(model, 3, seed=11)
    elf = build_m4(model, [s[0] for s in samples], workdir=tmp_path / "fw", compiled=emit_model(program),
                   linker_script=script)
    lines = run_m4(elf)
    expected = run_tflm_batch(model, samples)
    assert [np.frombuffer(line, np.int8).tolist() for line in lines] == \
        [e[0].reshape(-1).view(np.int8).tolist() for e in expected]


def test_tiles_on_the_m4_with_the_nanos_ram(tmp_path):
    """A 2-D grid (the condenser net in 3 x 3 tiles: gathers of the image's columns, tile buffers, scatters into
    the split tensor) built for the Cortex-M4 (DSP kernels) and linked with 256 KiB of RAM, as the paper's
    AttendNet-B 224 runs on the Nano in bench/patch_schedules.py: prints what tflite-micro computes."""
    from compiled_qemu import build_m4, run_m4, tools_missing

    missing = tools_missing()
    if missing:
        pytest.skip(missing)
    from codegen.compiled.host import random_samples, run_tflm_batch

    model = load_model(condenser_net())
    program = lower_model(model)
    split = [s.name for s in program.steps].index("CONCATENATION") + 1
    patched, plan = patch_program(program, split, 3, columns=3)
    assert plan.grid == (3, 3) and any(s.function == "an_copy_rows_s8" for s in patched.steps)
    script = tmp_path / "nano.ld"
    script.write_text((Path(__file__).parent / "compiled_m4" / "m4.ld").read_text().replace(
        "RAM   (rwx) : ORIGIN = 0x20000000, LENGTH = 4M", "RAM   (rwx) : ORIGIN = 0x20000000, LENGTH = 256K"))
    assert "LENGTH = 256K" in script.read_text()
    samples = random_samples(model, 3, seed=12)
    elf = build_m4(model, [s[0] for s in samples], workdir=tmp_path / "fw", compiled=emit_model(patched),
                   linker_script=script)
    lines = run_m4(elf)
    expected = run_tflm_batch(model, samples)
    assert [np.frombuffer(line, np.int8).tolist() for line in lines] == \
        [e[0].reshape(-1).view(np.int8).tolist() for e in expected]


def test_int16_filters_narrowed_only_as_far_as_the_flash_needs(tools):
    """A board whose flash the int16-widened CONV_2D filters overflow by a few bytes: generate turns the
    largest back into int8 (the same arithmetic, bit-exact), every step using it takes the int8 kernel, and
    the firmware fits; with room to spare nothing is narrowed."""
    import dataclasses

    from codegen.boards import get_board
    from codegen.compiled.host import assert_matches_tflm
    from codegen.runtimes.compiled import FLASH_MARGIN, CompiledRuntime

    model = load_model(expansion_net())
    board = get_board("mps2-an386")
    runtime = CompiledRuntime()
    roomy = runtime.prepare(model, board, None).emit()
    wide = [s for s in runtime.prepare(model, board, None).program.steps if s.function.endswith("_w16")]
    assert wide  # the 2 -> 16 expansion and the projection read int16 filters on DSP cores
    total = roomy.flash_data_bytes + roomy.code_bytes
    tight = dataclasses.replace(board, flash=dataclasses.replace(
        board.flash, size_bytes=int((total - 1) / (1 - FLASH_MARGIN)) + 1))
    prepared = runtime.prepare(model, tight, None)
    firmware = prepared.emit()
    narrowed = [s for s in prepared.program.steps if s.function in ("an_conv1x1_s8", "an_conv2d_s8")]
    assert narrowed and firmware.flash_data_bytes < roomy.flash_data_bytes
    assert firmware.flash_data_bytes + firmware.code_bytes <= tight.flash_bytes
    assert any(s.function.endswith("_w16") for s in prepared.program.steps) or len(wide) == len(narrowed)
    assert assert_matches_tflm(model, count=10, seed=9, compiled=emit_model(prepared.program)) == 10
