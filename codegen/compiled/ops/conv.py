"""CONV_2D -> ``an_conv2d_s8`` and DEPTHWISE_CONV_2D -> ``an_depthwise_conv2d_s8``.

TFLM's int8 arithmetic (reference ``ConvPerChannel`` / ``DepthwiseConvPerChannel``)::

    acc = bias[oc] + sum over taps inside the image of w[oc][tap] * (x[tap] + input_offset)
    out = clamp(MultiplyByQuantizedMultiplier(acc, M[oc], shift[oc]) + output_zero_point, act)

Generation time does the rest: the per-channel (M, shift) as TFLM's
``PopulateConvolutionQuantizationParams`` computes them (per-tensor weights broadcast),
TFLM's SAME/VALID padding, the fused activation's range, and the input-offset term folded
into the bias: ``bias'[oc] = bias[oc] + input_offset * sum(w[oc])``.  The kernels then read
the input zero point for taps outside the image instead of skipping them, which adds
``w * zp = -w * input_offset`` and cancels the folded term exactly (int32, wrapping, like
TFLM's accumulator).  Weights ignore their zero point, as TFLM's int8 kernels do.

The filters go to flash in the layouts the kernels read (an_conv.h: rows padded to four and
paired, or, where each filter value serves at least ``WIDE_FILTER_MIN_PIXELS`` output pixels,
widened to int16 in groups of three rows for the ``_w16`` kernels: twice the flash, no sign
extension in the inner loop; an_depthwise_conv.h: int16 blocks of four channels).  A DEPTHWISE_CONV_2D with one
input channel is the same sum as a CONV_2D and lowers to the conv kernel.
"""

from __future__ import annotations

import numpy as np

from codegen.compiled.lowering import NotLowerable, entry_points, lowering, narrows
from codegen.compiled.ops.common import one_value
from codegen.compiled.ops.conv_wide import lower_conv_wide
from codegen.compiled.ops.fixedpoint import multiply_by_quantized_multiplier
from codegen.compiled.ops.window import check_int8_activations, fused_range, window
from codegen.compiled.program import Constant, Params, Scratch, Step, shrink_largest_first
from codegen.compiled.quantization import channel_multipliers, wrap_int32

CONV_SOURCES = ("an_conv.c", "an_conv_mve.c", "an_conv_kxk.c", "an_conv_pointwise.c", "an_conv_internal.h", "an_dot.h",
                "an_dot_mve.h")  # the kernel files (each entry point is in one of them per core) and helper headers
DEPTHWISE_SOURCES = ("an_depthwise_conv.c", "an_dot.h", "an_dot_mve.h")


def conv_scratch_bytes(k: int) -> int:
    """``an_conv2d_s8``'s scratch for K values per filter row: two int16 columns of K4 = K rounded up
    to four (an_conv.h's ``AN_CONV_SCRATCH_BYTES(k)``; tests/test_kernel_library.py ties the two)."""
    return 2 * 2 * ((k + 3) & ~3)


def conv_w16_scratch_bytes(k_h: int, k_w: int, in_c: int) -> int:
    """``an_conv2d_s8_w16``'s scratch: two int16 columns of ``k_h`` receptive-field rows of S = ``k_w * in_c``
    rounded up to four values (an_conv.h's ``AN_CONV_W16_SCRATCH_BYTES``; tests/test_kernel_library.py ties the
    two)."""
    return 2 * 2 * k_h * ((k_w * in_c + 3) & ~3)


def depthwise_scratch_bytes(k_h: int, k_w: int) -> int:
    """``an_depthwise_conv2d_s8``'s scratch: a pointer per tap (8 bytes: room for a 64-bit host; an_depthwise_conv.h's
    ``AN_DEPTHWISE_SCRATCH_BYTES``; tests/test_kernel_library.py ties the two)."""
    return 8 * k_h * k_w


#: The output rows the row-buffer 3x3 path computes in its narrow form on DSP cores, one channel pair at a time
#: (stride_w 1; an_depthwise_conv.h's ``AN_DEPTHWISE_NARROW_MIN_OUT_W`` / ``_MAX_OUT_W``; tests/test_kernel_library.py
#: ties them).
NARROW_MIN_OUT_W, NARROW_MAX_OUT_W = 4, 6


def depthwise_rows_scratch_bytes(out_w: int, stride_w: int) -> int:
    """The row-buffer 3x3 depthwise path's scratch: four channel records of ten int32, then a ring of three
    padded rows of ``pairs`` int16 pairs for four channels; in the narrow form (stride_w 1, :data:`NARROW_MIN_OUT_W`
    to :data:`NARROW_MAX_OUT_W` outputs) two records, then two rings of three rows of ``pairs`` pairs, one per
    channel of the pair, pairs = (out_w + 1) // 2 + 1 (an_depthwise_conv.h's ``AN_DEPTHWISE_ROWS_SCRATCH_BYTES``;
    tests/test_kernel_library.py ties the two)."""
    if stride_w == 1 and NARROW_MIN_OUT_W <= out_w <= NARROW_MAX_OUT_W:
        return 2 * 10 * 4 + 6 * 4 * ((out_w + 1) // 2 + 1)
    pairs = stride_w * 2 * ((out_w + 3) // 4) + 1
    return 4 * 10 * 4 + 3 * 16 * pairs


#: The output widths per stride_w whose whole padded plane the row-buffer 3x3 path widens at once on DSP cores
#: (``rows3x3`` 2, its plane form: four channels' records, then their padded plane; an_depthwise_conv.h's
#: ``AN_DEPTHWISE_PLANE``; tests/test_kernel_library.py ties the two).  Not 24 at stride_w 1: vww_96_int8's
#: 24x24x32 plane (5,568 B of scratch) fits its layer-by-layer arena but grew its patch-schedule arena (small:
#: 30,448 -> 38,592 B), which lower_model's arena rule does not see.
PLANE_WIDTHS = {1: (2, 3, 4, 6, 8, 12, 16), 2: (2, 3, 4, 6, 8, 12)}


def depthwise_plane_applies(out_w: int, stride_w: int) -> bool:
    """Whether rows of ``out_w`` outputs at ``stride_w`` have the plane form (:data:`PLANE_WIDTHS`)."""
    return out_w in PLANE_WIDTHS.get(stride_w, ())


def depthwise_plane_scratch_bytes(out_h: int, out_w: int, stride_h: int, stride_w: int) -> int:
    """The plane form's scratch: four channel records of ten int32, then (out_h - 1) * stride_h + 3 padded rows of
    ``pairs`` int16 pairs for four channels, pairs = (out_w + 1) // 2 + 1 at stride_w 1, out_w + 1 at stride_w 2
    (an_depthwise_conv.h's ``AN_DEPTHWISE_PLANE_SCRATCH_BYTES``; tests/test_kernel_library.py ties the two)."""
    pairs = (out_w + 1) // 2 + 1 if stride_w == 1 else out_w + 1
    return 4 * 10 * 4 + 16 * pairs * ((out_h - 1) * stride_h + 3)


#: The int32 words of one channel's plane record (an_depthwise_conv.h's ``AN_DEPTHWISE_RECORD_WORDS``;
#: tests/test_kernel_library.py ties the two).
RECORD_WORDS = 10


def depthwise_plane_records(taps, folded_bias, multipliers, shifts, out_zp) -> np.ndarray:
    """The plane form's per-channel records, made here instead of at run time (an_depthwise_conv.h's ``records``
    field): per channel :data:`RECORD_WORDS` int32: per filter row r (taps w0, w1, w2 = 3r, 3r + 1, 3r + 2) the
    int16 pairs (2 w0, 2 w1) and (2 w2, 2 w1), low half first; 2 * folded bias (mod 2^32); the multiplier; the
    rounding constant 2^(e-1) + out_zp * 2^e; e = -shift (>= 1, :func:`depthwise_rows_exact` checked that the
    constant fits int32).  ``taps``: the int8 taps, 9 x channels."""
    w2 = 2 * np.asarray(taps, dtype=np.int64).T.reshape(-1, 3, 3)  # channel, filter row, column; doubled
    lo = lambda v: v & 0xFFFF  # noqa: E731 (one int16 half)
    words = np.empty((w2.shape[0], RECORD_WORDS), dtype=np.int64)
    words[:, 0:6:2] = lo(w2[:, :, 0]) | (lo(w2[:, :, 1]) << 16)
    words[:, 1:6:2] = lo(w2[:, :, 2]) | (lo(w2[:, :, 1]) << 16)
    e = -np.asarray(shifts, dtype=np.int64)
    words[:, 6] = (2 * np.asarray(folded_bias, dtype=np.int64)) & 0xFFFFFFFF
    words[:, 7] = np.asarray(multipliers, dtype=np.int64)
    words[:, 8] = ((np.int64(1) << (e - 1)) + int(out_zp) * (np.int64(1) << e)) & 0xFFFFFFFF
    words[:, 9] = e
    return (words & 0xFFFFFFFF).astype(np.uint32).view(np.int32).reshape(-1)


def plane_records_for(step, dsp: bool) -> None:
    """Keep the generation-time records (``fields["records"]``) of an ``an_depthwise_conv2d_s8`` step only where
    its plane form can run: a DSP core (``dsp``) and ``rows3x3`` 2; elsewhere drop them (no flash for nothing)."""
    fields = step.args[0].fields
    if "records" in fields and not (dsp and int(fields.get("rows3x3") or 0) == 2):
        del fields["records"]


def drop_plane_records(programs, excess_bytes: int) -> int:
    """Where a board's flash lacks ``excess_bytes`` (> 0), drop the plane form's flash records of depthwise steps
    (:func:`plane_records_for`; the kernel then makes them at run time, the same bits), the largest first, until
    they make up the excess or none is left; every step sharing a record array (a patch stage's tiles) loses it.
    Returns the bytes saved (0: nothing changed)."""
    users = {}
    for program in programs:
        for step in program.steps:
            params = step.args[0] if step.args and isinstance(step.args[0], Params) else None
            if params is not None and isinstance(params.fields.get("records"), Constant):
                users.setdefault(id(params.fields["records"]), []).append(params.fields)

    def drop(group) -> int:
        size = group[0]["records"].size_bytes
        for fields in group:
            fields.pop("records", None)
        return size

    return shrink_largest_first(users.values(), excess_bytes, lambda group: group[0]["records"].size_bytes, drop)


#: The scratch of the row-buffer path's strip form (``rows3x3`` 3, DSP cores, stride_w 1, rows of 4 outputs or more:
#: one channel's record of ten int32 and a ring of three rows of three int16 pairs; an_depthwise_conv.h's
#: ``AN_DEPTHWISE_STRIP_SCRATCH_BYTES``; tests/test_kernel_library.py ties the two).
STRIP_SCRATCH_BYTES = 10 * 4 + 3 * 3 * 4


#: The strip form's output widths whose layers run most rows by the plane form's stride-1 copy for that width, its
#: scratch in the layer's own first output rows (an_depthwise_conv.c an_dw3_strip_band, entry points
#: ``an_depthwise_conv2d_s8_stripW_F``; an_depthwise_conv.h's ``AN_DEPTHWISE_STRIP_BAND_WIDTHS``;
#: tests/test_kernel_library.py ties the two).  No scratch beyond :data:`STRIP_SCRATCH_BYTES`.
STRIP_BAND_WIDTHS = tuple(w for w in PLANE_WIDTHS[1] if w >= 4)


def depthwise_strip_applies(out_w: int, stride_w: int) -> bool:
    """Whether rows of ``out_w`` outputs at ``stride_w`` have the strip form (an_depthwise_conv.h's
    ``AN_DEPTHWISE_STRIP``)."""
    return stride_w == 1 and out_w >= 4


#: an_depthwise_conv2d_s8's forms on DSP cores (an_depthwise_conv.h's an_depthwise_form, in its enum's order;
#: tests/test_kernel_library.py ties :func:`depthwise_form` to it over a grid of shapes).
DEPTHWISE_FORMS = ("general", "rows", "narrow", "strip", "plane")


def depthwise_form(rows3x3: int, out_w: int, stride_w: int) -> str:
    """The form ``an_depthwise_conv2d_s8`` runs on DSP cores (one of :data:`DEPTHWISE_FORMS`): rows3x3 3 the strip
    form where it applies, 2 the plane form where it applies, 1 or 2 the narrow form (stride_w 1, out_w
    :data:`NARROW_MIN_OUT_W` to :data:`NARROW_MAX_OUT_W`) or the row buffer, else the general path."""
    if rows3x3 == 3:
        return "strip" if depthwise_strip_applies(out_w, stride_w) else "general"
    if rows3x3 == 2 and depthwise_plane_applies(out_w, stride_w):
        return "plane"
    if rows3x3 not in (1, 2):
        return "general"
    return "narrow" if stride_w == 1 and NARROW_MIN_OUT_W <= out_w <= NARROW_MAX_OUT_W else "rows"


@entry_points("an_depthwise_conv2d_s8")
def depthwise_entry(step) -> str:
    """The entry point an ``an_depthwise_conv2d_s8`` step calls (an_depthwise_conv.h): its form's, the plane form's
    per output width, stride_w and clamp kind (1: the activation spans int8), the strip form's per output width and
    clamp kind where its rows have a stride-1 plane copy (:data:`STRIP_BAND_WIDTHS`), so that a firmware links only
    the forms and plane copies its layers use."""
    fields = step.args[0].fields
    out_w, stride_w = int(fields["out_w"]), int(fields["stride_w"])
    form = depthwise_form(int(fields.get("rows3x3") or 0), out_w, stride_w)
    full = int(fields["act_min"]) == -128 and int(fields["act_max"]) == 127
    if form == "plane":
        form = f"plane{out_w}_{stride_w}_{int(full)}"
    elif form == "strip" and out_w in STRIP_BAND_WIDTHS:
        form = f"strip{out_w}_{int(full)}"
    return f"an_depthwise_conv2d_s8_{form}"


#: The ``rows3x3`` values fastest first: the plane form, the row-buffer path (four channels or narrow), the strip
#: form, the general path.
ROWS3X3_PREFERENCE = (2, 1, 3, 0)


def depthwise_rows_levels(fields) -> list:
    """The ``rows3x3`` values a step the generator gave ``rows3x3`` may take, fastest first, each with its scratch
    (bytes): from the one it was given (the fastest that applies: :func:`depthwise_rows3x3_value`) on, those of
    :data:`ROWS3X3_PREFERENCE` that apply to its rows (``lower_model``'s arena rule takes the first that does not grow
    the arena)."""
    level = int(fields.get("rows3x3") or 0)
    out_w, stride_w = int(fields["out_w"]), int(fields["stride_w"])
    applies = {2: depthwise_plane_applies(out_w, stride_w),
               1: out_w >= (NARROW_MIN_OUT_W if stride_w == 1 else ROWS3X3_MIN_OUT_W),
               3: depthwise_strip_applies(out_w, stride_w), 0: True}
    return [(value, depthwise_step_scratch_bytes({**fields, "rows3x3": value}))
            for value in ROWS3X3_PREFERENCE[ROWS3X3_PREFERENCE.index(level):] if applies[value]]


def depthwise_rows3x3_value(exact: bool, out_w: int, stride_w: int) -> int:
    """The fastest ``rows3x3`` value of a layer whose arithmetic the row-buffer path computes exactly (``exact``:
    :func:`depthwise_rows_exact`): 2 (plane form), 1 (row buffer), 3 (strip form) where its rows have it, else 0."""
    if not exact:
        return 0
    if depthwise_plane_applies(out_w, stride_w):
        return 2
    if out_w >= (NARROW_MIN_OUT_W if stride_w == 1 else ROWS3X3_MIN_OUT_W):
        return 1
    return 3 if depthwise_strip_applies(out_w, stride_w) else 0


def depthwise_step_scratch_bytes(fields) -> int:
    """The scratch an ``an_depthwise_conv2d_s8`` call with parameter ``fields`` needs: the general path's, and with
    ``rows3x3`` at least the row-buffer path's for its ``out_w`` and ``stride_w``, with ``rows3x3`` 2 also the
    plane form's where it applies to them (the kernel picks its path from them at run time: a patch tile's
    narrower rows need less than the whole layer's)."""
    general = depthwise_scratch_bytes(int(fields["k_h"]), int(fields["k_w"]))
    if not fields.get("rows3x3"):
        return general
    out_w, stride_w = int(fields["out_w"]), int(fields["stride_w"])
    if int(fields["rows3x3"]) == 3:
        return max(general, STRIP_SCRATCH_BYTES) if depthwise_strip_applies(out_w, stride_w) else general
    need = max(general, depthwise_rows_scratch_bytes(out_w, stride_w))
    if int(fields["rows3x3"]) == 2 and depthwise_plane_applies(out_w, stride_w):
        need = max(need, depthwise_plane_scratch_bytes(int(fields["out_h"]), out_w, int(fields["stride_h"]),
                                                       stride_w))
    return need


#: The narrowest output row the row-buffer 3x3 path is chosen for at stride_w 2 (at stride_w 1:
#: :data:`NARROW_MIN_OUT_W`, its narrow form).  It widens the input per row of four channels and calls its loop once
#: per output row (four channels, passes of four outputs then the last two and / or one), which rows of 6 outputs
#: repay and rows of 3 do not (vww_96_int8, Cortex-M4 timing model, cycles/MAC general -> rows: 6 wide stride 1
#: 7.81 -> 5.10, stride 2 7.86 -> 6.96; 3 wide stride 1 8.06 -> 8.90, stride 2 7.85 -> 11.04).  The narrow form
#: (one channel pair per pass over the plane) gives 6 wide stride 1 4.30 and 5 wide (DS-CNN KWS 25x5x64) 4.15,
#: against 8.23 on the general path; 3 wide it was slower than the general path (8.0-10.2).
ROWS3X3_MIN_OUT_W = 6


def depthwise_rows_applies(k_h, k_w, multiplier, in_c, win, folded_bias, taps, shifts, out_zp, out_w) -> bool:
    """Whether ``an_depthwise_conv2d_s8``'s row-buffer 3x3 path computes this layer exactly and pays (``rows3x3``).

    The shape: 3x3, depth multiplier 1, no dilation, stride_w 1 or 2, channels a multiple of four, output rows
    at least :data:`NARROW_MIN_OUT_W` (stride_w 1) or :data:`ROWS3X3_MIN_OUT_W` (stride_w 2) wide, and
    :func:`depthwise_rows_exact`."""
    if out_w < (NARROW_MIN_OUT_W if win["stride_w"] == 1 else ROWS3X3_MIN_OUT_W):
        return False
    return depthwise_rows_exact(k_h, k_w, multiplier, in_c, win, folded_bias, taps, shifts, out_zp)


def depthwise_rows_exact(k_h, k_w, multiplier, in_c, win, folded_bias, taps, shifts, out_zp) -> bool:
    """Whether the row-buffer 3x3 path's arithmetic (every form of it) computes this layer exactly.

    The shape: 3x3, depth multiplier 1, no dilation, stride_w 1 or 2, channels a multiple of four.  The
    arithmetic (an_depthwise_conv.c, an_dw3_rows): every shift < 0 (a right shift e = -shift >= 1); the
    doubled accumulator 2 * acc inside int32 for every int8 input, |acc| <= |folded bias| + 128 * sum |w|;
    and h + C - 1 .. h + C inside int32 with C = 2^(e-1) + output_zero_point * 2^e and |h| <= |acc| + 1.
    """
    if (k_h, k_w, multiplier) != (3, 3, 1) or in_c % 4 or win["dilation_h"] != 1 or win["dilation_w"] != 1:
        return False
    if win["stride_w"] not in (1, 2) or win["stride_h"] < 1:
        return False
    limit = 2 ** 31
    taps = np.asarray(taps, dtype=np.int64)
    for oc in range(in_c):
        e = -int(shifts[oc])
        if e < 1:
            return False
        bound = abs(int(folded_bias[oc])) + 128 * int(np.abs(taps[:, oc]).sum())
        c = 2 ** (e - 1) + int(out_zp) * 2 ** e
        if 2 * bound >= limit or abs(c) + bound + 2 >= limit:
            return False
    return True


def _weights_and_bias(w, bias, channels, what):
    if w.dtype != "int8":
        raise NotLowerable(f"{w.dtype} {what} (int8 only)")
    if not w.is_constant:
        raise NotLowerable(f"{what} computed at run time")
    if bias is not None and (bias.dtype != "int32" or not bias.is_constant):
        raise NotLowerable(f"{bias.dtype} {'constant ' if bias.is_constant else 'run-time '}bias (constant int32 only)")
    if not w.scale:
        raise NotLowerable(f"{what} not quantized")
    if len(w.scale) not in (1, channels):
        raise NotLowerable(f"{len(w.scale)} {what} scales for {channels} channels")
    b = np.zeros(channels, dtype=np.int64) if bias is None else np.asarray(bias.data, dtype=np.int64).reshape(-1)
    if b.size != channels:
        raise NotLowerable(f"bias of {b.size} values for {channels} channels")
    return b


def permute_rows(rows):
    """Each row zero-padded to a multiple of four and its blocks of four as w0 w2 w1 w3 (``an_dot.h``)."""
    rows = np.asarray(rows, dtype=np.int8)
    k4 = (rows.shape[1] + 3) & ~3
    padded = np.zeros((rows.shape[0], k4), dtype=np.int8)
    padded[:, :rows.shape[1]] = rows
    return padded.reshape(rows.shape[0], k4 // 4, 4)[:, :, [0, 2, 1, 3]].reshape(rows.shape[0], k4)


def conv_filter_layout(rows, groups):
    """The filter as ``an_conv2d_s8`` reads it (see an_conv.h): permuted rows, paired within each group.

    Rows (oc, oc+1) of a group are interleaved in blocks of four bytes; an odd last row stays
    alone.  Row oc starts at oc * K4 either way.
    """
    rows = permute_rows(rows)
    out_c, k4 = rows.shape
    per_group = out_c // groups
    blocks = rows.reshape(out_c, k4 // 4, 4)
    parts = []
    for g in range(groups):
        first, end = g * per_group, (g + 1) * per_group
        pairs = (end - first) // 2
        if pairs:
            pair_rows = blocks[first:first + 2 * pairs].reshape(pairs, 2, k4 // 4, 4)
            parts.append(pair_rows.transpose(0, 2, 1, 3).reshape(-1))
        if (end - first) % 2:
            parts.append(rows[end - 1])
    return np.concatenate(parts)


def conv_filter_layout_w16(rows, group_rows: int = 3):
    """The filter as ``an_conv2d_s8_w16`` / ``an_conv1x1_s8_w16`` read it (an_conv.h, AN_CONV_W16): int16,
    rows zero-padded to K4 in groups of three (an odd last group of two or one), each group in blocks
    of eight values with the group's rows one after the other inside a block (a last block of four
    when K4 % 8 == 4), values in their natural order.  ``group_rows`` 2: groups of two (an odd last row
    alone), ``an_conv2d_s8_prepared_w16``'s where :func:`kxk3_first`."""
    rows = np.asarray(rows, dtype=np.int16)
    out_c, k = rows.shape
    k4 = (k + 3) & ~3
    padded = np.zeros((out_c, k4), dtype=np.int16)
    padded[:, :k] = rows
    parts = []
    for first in range(0, out_c, group_rows):
        group = padded[first:first + group_rows]
        for start in range(0, k4, 8):
            parts.append(group[:, start:start + 8].reshape(-1))
    return np.concatenate(parts)


def kxk3_first(fields) -> bool:
    """Whether ``an_conv2d_s8_prepared_w16`` reads its filter rows in :data:`KXK3_FIRST_POSITIONS` and in groups of
    two (an_conv.h's ``AN_CONV_KXK3_FIRST``: 3x3 first layers of one or three input channels, no dilation; on DSP
    cores four channels by two pixels per pass); ``fields`` an_conv_params' (tests/test_kernel_library.py ties the
    two)."""
    return (int(fields["k_h"]) == int(fields["k_w"]) == 3 and int(fields["in_c"]) in (1, 3)
            and int(fields["dilation_h"]) == int(fields["dilation_w"]) == 1)


#: The prepared 3x3 first layers' filter rows (an_conv_kxk.c's an_kxk3p_place and widening asm, the same positions),
#: by input channels: position p holds value KXK3_FIRST_POSITIONS[n][p] of the [ky][kx][c] row (zero where -1).  Three
#: channels: each filter row's values 0-7 as SXTB16 pairs them ((0, 2) (1, 3) (4, 6) (5, 7)), then rows 0 and 2's
#: ninth values and row 1's (K4 = 28, 14 SMLAD pairs for 27 values); one channel: (x0, x2) of each row, rows 0 and 1's
#: middle values paired, row 2's with a zero, a last unused pair (K4 = 12, 5 pairs for 9 values).
KXK3_FIRST_POSITIONS = {
    3: (0, 2, 1, 3, 4, 6, 5, 7, 9, 11, 10, 12, 13, 15, 14, 16, 18, 20, 19, 21, 22, 24, 23, 25, 8, 26, 17, -1),
    1: (0, 2, 1, 4, 3, 5, 7, -1, 6, 8, -1, -1),
}


def kxk3_first_rows(rows, in_c: int) -> np.ndarray:
    """The filter rows (out_c x K, [ky][kx][c]) of a :func:`kxk3_first` layer in :data:`KXK3_FIRST_POSITIONS`:
    out_c x K4, int16."""
    rows = np.asarray(rows, dtype=np.int16)
    positions = np.asarray(KXK3_FIRST_POSITIONS[in_c])
    laid = rows[:, np.maximum(positions, 0)]
    laid[:, positions < 0] = 0
    return laid


def kxk3_first_layout(rows) -> np.ndarray:
    """The filter of a :func:`kxk3_first` layer as ``an_conv2d_s8_prepared_w16`` reads it (an_conv.h,
    AN_CONV_KXK3_FIRST): int16, its :func:`kxk3_first_rows` (K4 = 12 or 28 positions) in groups of two (an odd last
    row alone, its values in order), each pair's two rows interleaved by words: per two positions row 0's two values,
    then row 1's (an_k3_pq_row's step loads the second pair of a group of four by one LDRD)."""
    rows = np.asarray(rows, dtype=np.int16)
    out_c, k4 = rows.shape
    parts = []
    for first in range(0, out_c, 2):
        group = rows[first:first + 2]
        if len(group) == 2:
            group = group.reshape(2, k4 // 2, 2).transpose(1, 0, 2)
        parts.append(group.reshape(-1))
    return np.concatenate(parts)


def rows_of_kxk3_first_layout(values, out_c: int, k4: int) -> np.ndarray:
    """The filter rows (out_c x K4) of a :func:`kxk3_first_layout` array (its inverse)."""
    values = np.asarray(values, dtype=np.int16).reshape(-1)
    rows = np.zeros((out_c, k4), dtype=np.int16)
    for first in range(0, out_c, 2):
        part = values[first * k4:(first + 2) * k4]
        if out_c - first >= 2:
            rows[first:first + 2] = part.reshape(k4 // 2, 2, 2).transpose(1, 0, 2).reshape(2, k4)
        else:
            rows[first] = part
    return rows


def kxk3_first_records(records, inverse: bool = False) -> np.ndarray:
    """A :func:`kxk3_first` layer's channel records ({2 * bias, m, kc, e} per channel, flat) as
    ``an_conv2d_s8_prepared_w16`` reads them (an_conv.h, AN_CONV_KXK3_FIRST): each whole group of four channels as
    its four doubled biases, then each channel's {m, kc, e} (an_k3_pq_row's requantization loads one by one LDM); the
    channels after the last whole group as before.  ``inverse``: back to one record per channel."""
    records = np.asarray(records, dtype=np.int64).reshape(-1)
    out = records.copy()
    for at in range(0, (records.size // 16) * 16, 16):
        if inverse:
            laid = records[at:at + 16]
            out[at:at + 16] = np.concatenate([laid[:4, None], laid[4:].reshape(4, 3)], axis=1).reshape(-1)
        else:
            group = records[at:at + 16].reshape(4, 4)
            out[at:at + 16] = np.concatenate([group[:, 0], group[:, 1:].reshape(-1)])
    return out


def rows_of_kxk3_first(laid, in_c: int) -> np.ndarray:
    """The filter rows (out_c x K) of :func:`kxk3_first_rows` rows (its inverse)."""
    laid = np.asarray(laid, dtype=np.int16)
    positions = np.asarray(KXK3_FIRST_POSITIONS[in_c])
    rows = np.zeros((laid.shape[0], 9 * in_c), dtype=np.int16)
    rows[:, positions[positions >= 0]] = laid[:, positions >= 0]
    return rows


#: The order of the four values of a block in ``an_conv2d_s8_w16``'s rows (SXTB16's (x0, x2), (x1, x3)).
BLOCK_ORDER = (0, 2, 1, 3)


#: The deepest input whose four pixels an_conv1x1_s8_prepared_w16 widens onto the stack (an_conv.h's
#: ``AN_CONV_PREPARED_PAIRS_MAX_C``: 8 * 192 bytes); deeper ones into its scratch
#: (:func:`prepared_pointwise_scratch_bytes`).
PREPARED_PAIRS_MAX_C = 192


def prepared_pairs(in_c: int, stride_h: int, stride_w: int) -> bool:
    """Whether ``an_conv1x1_s8_prepared_w16`` reads its filter in the pairs layout (an_conv.h's
    ``AN_CONV_PREPARED_PAIRS``: in_c a multiple of four, at stride 1; not the pixel count, which a patch tile of the
    layer changes; tests/test_kernel_library.py ties the two)."""
    return in_c % 4 == 0 and 0 < in_c and stride_h == stride_w == 1


def prepared_pointwise_scratch_bytes(in_c: int, stride_h: int, stride_w: int) -> int:
    """``an_conv1x1_s8_prepared_w16``'s scratch: in the pairs layout above :data:`PREPARED_PAIRS_MAX_C` its four
    pixels' int16 columns (8 * in_c bytes), else :func:`conv_scratch_bytes` (an_conv.h's
    ``AN_CONV_PREPARED_SCRATCH_BYTES``; tests/test_kernel_library.py ties the two)."""
    if prepared_pairs(in_c, stride_h, stride_w) and in_c > PREPARED_PAIRS_MAX_C:
        return 8 * in_c
    return conv_scratch_bytes(in_c)


#: an_conv1x1_s8_prepared_w16's variants' entry points (an_conv.h's an_conv1x1_prepared_variant, in its enum's
#: order; tests/test_kernel_library.py ties :func:`pointwise_prepared_variant` to it over a grid of shapes).
POINTWISE_PREPARED_VARIANTS = ("pairs8", "pairs16", "pairs24", "pairs32", "pairs64", "pairs128", "pairs40", "pairs48",
                               "pairs56", "pairs96", "pairs112", "pairs192", "pairs32n", "pairs_any", "k8", "k16",
                               "k32", "k32n", "any", "pairs_any128", "pairs16_out32", "pairs32_out32",
                               "pairs32_out64", "pairs64_out64", "pairs72", "pairs144")
#: The further out_c-known variants (an_conv.h's an_conv1x1_prepared_out_forms, in its order): (in_c, out_c), out_c a
#: multiple of 8 at in_c up to 32 (AN_P5_PAIRS4_S), of 4 from in_c 40 on (AN_P5_PAIRS2_S); the demo AttendNet-B's
#: layers with the most channel-pair blocks and vww's 6x6x128 -> 128.
POINTWISE_OUT_FORMS = ((24, 40), (24, 72), (32, 96), (32, 112), (40, 24), (48, 144), (48, 192), (96, 32), (96, 288),
                       (96, 336), (112, 448), (128, 128), (192, 576), (192, 704), (72, 32), (144, 48))
POINTWISE_PREPARED_VARIANTS += tuple(f"pairs{k}_out{o}" for k, o in POINTWISE_OUT_FORMS)
#: The out_c-known variants (in_c, out_c) with a twin ``_z`` entry point (an_conv.h's AN_CONV1X1_PREPARED_ENTRY_Z)
#: for layers whose act_min is at or above the output zero point (RELU, RELU6): its requantization's SMMLAR adds kc
#: alone (an_conv_pointwise.c, AN_P5_RQ); the demo AttendNet-B's RELU6 layers, vww's 12x12x32 -> 64, 12x12x64 -> 64
#: and 6x6x128 -> 128.
POINTWISE_LO_AT_ZP_FORMS = ((32, 64), (24, 40), (24, 72), (32, 96), (32, 112), (48, 144), (48, 192), (64, 64),
                            (96, 288), (96, 336), (112, 448), (128, 128), (192, 576), (192, 704))


def pointwise_prepared_variant(in_c: int, stride_h: int, stride_w: int, out_c: int) -> str:
    """The variant of ``an_conv1x1_s8_prepared_w16`` a layer runs (one of :data:`POINTWISE_PREPARED_VARIANTS`):
    in the pairs layout (:func:`prepared_pairs`) by in_c (8, 16, 24, 32, 64, 128, 40, 48, 56, 96, 112, 192, 72, 144: whole-layer
    forms, in_c 16 at out_c 32, 32 at out_c 32 and 64, 64 at out_c 64 with the pixel stride known; another multiple
    of 32, any other: from 128 on pairs_any128), else by K4 = in_c rounded up to four (8, 16, 32, another multiple of
    32, any other)."""
    if prepared_pairs(in_c, stride_h, stride_w):
        if (in_c, out_c) in ((16, 32), (32, 32), (32, 64), (64, 64)) + POINTWISE_OUT_FORMS:
            return f"pairs{in_c}_out{out_c}"
        if (in_c <= 32 and in_c % 8 == 0) or in_c in (64, 128, 40, 48, 56, 96, 112, 192, 72, 144):
            return f"pairs{in_c}"
        if in_c % 32 == 0:
            return "pairs32n"
        return "pairs_any128" if in_c >= 128 else "pairs_any"
    k4 = (in_c + 3) & ~3
    if k4 in (8, 16, 32):
        return f"k{k4}"
    return "k32n" if k4 % 32 == 0 else "any"


def conv_filter_layout_w16_pairs(rows):
    """The filter as ``an_conv1x1_s8_prepared_w16`` reads it where :func:`prepared_pairs` (an_conv.h,
    AN_CONV_W16_PAIRS): int16, rows zero-padded to K4 in groups of two (an odd last row alone), each group in blocks
    of eight values with the group's rows one after the other inside a block, each block of four values in
    :data:`BLOCK_ORDER`."""
    rows = np.asarray(rows, dtype=np.int16)
    out_c, k = rows.shape
    k4 = (k + 3) & ~3
    padded = np.zeros((out_c, k4), dtype=np.int16)
    padded[:, :k] = rows
    padded = padded.reshape(out_c, -1, 4)[:, :, list(BLOCK_ORDER)].reshape(out_c, k4)
    parts = []
    for first in range(0, out_c, 2):
        group = padded[first:first + 2]
        for start in range(0, k4, 8):
            parts.append(group[:, start:start + 8].reshape(-1))
    return np.concatenate(parts)


def rows_of_w16_pairs_layout(values, out_c: int, k4: int) -> np.ndarray:
    """The filter rows (out_c x K4, padding included) of a :func:`conv_filter_layout_w16_pairs` array."""
    values = np.asarray(values, dtype=np.int16).reshape(-1)
    rows = np.zeros((out_c, k4), dtype=np.int16)
    at = 0
    for first in range(0, out_c, 2):
        n = min(2, out_c - first)
        for start in range(0, k4, 8):
            width = min(8, k4 - start)
            rows[first:first + n, start:start + width] = values[at:at + n * width].reshape(n, width)
            at += n * width
    natural = np.empty_like(rows).reshape(out_c, -1, 4)
    natural[:, :, list(BLOCK_ORDER)] = rows.reshape(out_c, -1, 4)
    return natural.reshape(out_c, k4)


def kxk_w16_rows(rows, k_h: int, row_values: int) -> np.ndarray:
    """``an_conv2d_s8_w16``'s filter rows (an_conv.h, AN_CONV_W16_KXK) from rows of K = ``k_h * row_values``
    values ([k_h][k_w][in_c] order, ``row_values = k_w * in_c``): each filter row ky's values in S =
    ``row_values`` rounded up to four positions (zeros after them), then every block of four in
    :data:`BLOCK_ORDER`. Out_c x (k_h * S), int16."""
    rows = np.asarray(rows, dtype=np.int16)
    out_c = rows.shape[0]
    seg = (row_values + 3) & ~3
    padded = np.zeros((out_c, k_h, seg), dtype=np.int16)
    padded[:, :, :row_values] = rows.reshape(out_c, k_h, row_values)
    return padded.reshape(out_c, -1, 4)[:, :, list(BLOCK_ORDER)].reshape(out_c, k_h * seg)


def rows_of_kxk_w16(rows, k_h: int, row_values: int) -> np.ndarray:
    """The filter rows (out_c x K) of :func:`kxk_w16_rows` rows (its inverse)."""
    rows = np.asarray(rows, dtype=np.int16)
    out_c = rows.shape[0]
    seg = (row_values + 3) & ~3
    natural = np.empty_like(rows).reshape(out_c, -1, 4)
    natural[:, :, list(BLOCK_ORDER)] = rows.reshape(out_c, -1, 4)
    return natural.reshape(out_c, k_h, seg)[:, :, :row_values].reshape(out_c, k_h * row_values)


def rows_of_w16_layout(values, out_c: int, k4: int, group_rows: int = 3) -> np.ndarray:
    """The filter rows (out_c x K4, padding included) of a :func:`conv_filter_layout_w16` array (its groups of
    ``group_rows`` rows)."""
    values = np.asarray(values, dtype=np.int16).reshape(-1)
    rows = np.zeros((out_c, k4), dtype=np.int16)
    at = 0
    for first in range(0, out_c, group_rows):
        n = min(group_rows, out_c - first)
        for start in range(0, k4, 8):
            width = min(8, k4 - start)
            rows[first:first + n, start:start + width] = values[at:at + n * width].reshape(n, width)
            at += n * width
    return rows


@narrows("an_conv2d_s8_w16", "an_conv1x1_s8_w16")
def narrow_wide_filter(step) -> None:
    """Turn an ``_w16`` CONV_2D step back into its int8-filter kernel (the same arithmetic), in place: for
    cores whose fastest conv path reads the int8 layout (Helium: an_conv_mve.c)."""
    fields = step.args[0].fields
    k_h, row_values = int(fields["k_h"]), int(fields["k_w"]) * int(fields["filter_in_c"])
    filter_ = step.args[2]
    if step.function == "an_conv2d_s8_w16":
        kxk = rows_of_w16_layout(filter_.values, int(fields["out_c"]), k_h * ((row_values + 3) & ~3))
        rows = rows_of_kxk_w16(kxk, k_h, row_values)
    else:
        rows = rows_of_w16_layout(filter_.values, int(fields["out_c"]), (k_h * row_values + 3) & ~3)
    filter_.c_type = "int8_t"
    filter_.values = conv_filter_layout(rows.astype(np.int8), 1)
    step.function = step.function[:-len("_w16")]
    if step.scratch:  # the int8 kernel's scratch (an_conv2d_s8_w16's segment-padded rows may take more)
        step.scratch[0].size_bytes = conv_scratch_bytes(k_h * row_values)


#: The kernel of a 1x1 CONV_2D whose requantization is prepared at generation time (an_conv.h), where
#: :func:`pointwise_prepared_applies`.
PREPARED_POINTWISE = "an_conv1x1_s8_prepared_w16"


@entry_points(PREPARED_POINTWISE)
def pointwise_prepared_entry(step) -> str:
    """The entry point an ``an_conv1x1_s8_prepared_w16`` step calls (an_conv.h): its variant's, so that a firmware
    links only the variants its layers use."""
    fields = step.args[0].fields
    variant = pointwise_prepared_variant(int(fields["in_c"]), int(fields["stride_h"]), int(fields["stride_w"]),
                                         int(fields["out_c"]))
    # act_min at or above the output zero point: the variant's _z twin where it has one (POINTWISE_LO_AT_ZP_FORMS)
    if variant in [f"pairs{k}_out{o}" for k, o in POINTWISE_LO_AT_ZP_FORMS] and \
            int(fields["act_min"]) >= int(fields["output_offset"]):
        variant += "_z"
    return f"{PREPARED_POINTWISE}_{variant}"


def pointwise_prepared_applies(rows, unwrapped_bias, multipliers, shifts, out_zp: int) -> bool:
    """Whether ``an_conv1x1_s8_prepared_w16`` computes this 1x1 CONV_2D exactly (an_conv.h).  For every channel
    with a nonzero filter row: its shift -e < 0 (1 <= e <= 31), its multiplier m in (2^30, 2^31) (then
    SaturatingRoundingDoublingHighMul(acc, m) < 0 exactly where acc < 0), the doubled accumulator a = 2 * acc
    inside int32 for every int8 input (|acc| <= |folded bias| + 128 * sum |w|, the bias before any int32 wrap) and
    h + kc - 1 .. h + kc inside int32 (|h| <= |acc| + 1, kc = 2^(e-1) + output_zero_point * 2^e).  A channel whose
    filter row is all zeros (a pruned channel) is a constant, computed here (:func:`pointwise_prepared_channels`)."""
    limit = 2 ** 31
    weights = np.abs(np.asarray(rows, dtype=np.int64)).sum(axis=1)
    for bias, m, shift, w in zip(unwrapped_bias, multipliers, shifts, weights):
        if not w:
            continue
        e = -int(shift)
        if not 1 <= e <= 31 or not (1 << 30) < int(m) < limit:
            return False
        bound = abs(int(bias)) + 128 * int(w)
        if 2 * bound >= limit or abs(2 ** (e - 1) + int(out_zp) * 2 ** e) + bound + 2 >= limit:
            return False
    return True


def pointwise_prepared_channels(rows, folded, multipliers, shifts, out_zp: int, act) -> np.ndarray:
    """``an_conv1x1_s8_prepared_w16``'s channel records {2 * folded bias, m, kc, e} (an_conv.h), out_c x 4; a
    channel whose filter row is all zeros outputs clamp(MultiplyByQuantizedMultiplier(bias) + output_zero_point)
    for every pixel: the record {0, 0, that value, 0}."""
    records = []
    for row, bias, m, shift in zip(np.asarray(rows), folded, multipliers, shifts):
        if not row.any():
            value = multiply_by_quantized_multiplier(int(bias), int(m), int(shift)) + int(out_zp)
            records.append((0, 0, min(max(value, act[0]), act[1]), 0))
        else:
            e = -int(shift)
            records.append((2 * int(bias), int(m), 2 ** (e - 1) + int(out_zp) * 2 ** e, e))
    return np.asarray(records, dtype=np.int64)


def _unprepared_records(values, out_zp: int) -> np.ndarray:
    """The prepared kernels' channel records {2 * bias, m, kc, e} back to {folded bias, multiplier, shift} (shift
    -e; a constant channel's value v (e = 0, its filter row zeros) as {2 (v - output_zero_point), 2^30, 0}, whose
    requantization gives v - output_zero_point), flat."""
    records = np.asarray(values, dtype=np.int64).reshape(-1, 4)
    constant = records[:, 3] == 0
    bias = np.where(constant, 2 * (records[:, 2] - out_zp), records[:, 0] // 2)
    multiplier = np.where(constant, 1 << 30, records[:, 1])
    return np.stack([bias, multiplier, -records[:, 3]], axis=1).reshape(-1)


def unprepare_pointwise(step) -> None:
    """Turn an ``an_conv1x1_s8_prepared_w16`` step into ``an_conv1x1_s8_w16`` (the same outputs), in place: the
    filter values halved, the records back to {folded bias, multiplier, shift} (shift -e; a constant channel's
    value v (e = 0, its filter row zeros) as {2 (v - output_zero_point), 2^30, 0}, whose requantization gives
    v - output_zero_point)."""
    filter_, channel, fields = step.args[2], step.args[3], step.args[0].fields
    out_zp = int(fields["output_offset"])
    values = np.asarray(filter_.values, dtype=np.int16).reshape(-1) // 2
    if prepared_pairs(int(fields["in_c"]), int(fields["stride_h"]), int(fields["stride_w"])):
        values = conv_filter_layout_w16(rows_of_w16_pairs_layout(values, int(fields["out_c"]), int(fields["in_c"])))
    filter_.values = values.astype(np.int16)
    channel.values = _unprepared_records(channel.values, out_zp)
    step.function = "an_conv1x1_s8_w16"
    if step.scratch:  # an_conv1x1_s8_w16's (the prepared kernel's deep columns may take more)
        step.scratch[0].size_bytes = conv_scratch_bytes(int(fields["in_c"]))


@narrows(PREPARED_POINTWISE)
def narrow_prepared_pointwise(step) -> None:
    """An ``an_conv1x1_s8_prepared_w16`` step as ``an_conv1x1_s8`` (int8 filter, plain records), in place."""
    unprepare_pointwise(step)
    narrow_wide_filter(step)


#: The kernel of a KxK CONV_2D with int16 filters whose requantization is prepared at generation time (an_conv.h),
#: where :func:`pointwise_prepared_applies` (the same arithmetic as the 1x1 kernel's).
PREPARED_KXK = "an_conv2d_s8_prepared_w16"


def unprepare_kxk(step) -> None:
    """Turn an ``an_conv2d_s8_prepared_w16`` step into ``an_conv2d_s8_w16`` (the same outputs), in place: the
    filter values halved (where :func:`kxk3_first`, its rows back in groups of three), the records back to
    {folded bias, multiplier, shift} as :func:`unprepare_pointwise` gives them."""
    filter_, channel, fields = step.args[2], step.args[3], step.args[0].fields
    out_zp = int(fields["output_offset"])
    values = np.asarray(filter_.values, dtype=np.int16).reshape(-1) // 2
    if kxk3_first(fields):  # rows in pairs and KXK3_FIRST_POSITIONS: back to AN_CONV_W16_KXK rows in groups of three
        out_c, in_c = int(fields["out_c"]), int(fields["in_c"])
        rows = rows_of_kxk3_first(rows_of_kxk3_first_layout(values, out_c, values.size // out_c), in_c)
        values = conv_filter_layout_w16(kxk_w16_rows(rows, 3, 3 * in_c))
        channel.values = kxk3_first_records(channel.values, inverse=True)
    filter_.values = values.astype(np.int16)
    channel.values = _unprepared_records(channel.values, out_zp)
    step.function = "an_conv2d_s8_w16"


@narrows(PREPARED_KXK)
def narrow_prepared_kxk(step) -> None:
    """An ``an_conv2d_s8_prepared_w16`` step as ``an_conv2d_s8`` (int8 filter, plain records), in place."""
    unprepare_kxk(step)
    narrow_wide_filter(step)


def use_wide_filter(pixels: int, groups: int) -> bool:
    """Whether a CONV_2D takes the int16 filter kernels (an_conv.h's ``_w16``): twice the filter's flash for
    about a tenth fewer cycles per MAC on DSP cores, where each filter value serves at least
    ``WIDE_FILTER_MIN_PIXELS`` output pixels (one group only)."""
    return groups == 1 and pixels >= WIDE_FILTER_MIN_PIXELS


def wide_filters_for(cmsis_nn_arch: str) -> bool:
    """Whether a core of this CMSIS-NN code path (``"dsp"``, ``"mve"``, ``"scalar"``) takes the int16 weight
    kernels (every ``_w16`` kernel, codegen.compiled.lowering NARROWERS: conv where :func:`use_wide_filter` allows
    them, FULLY_CONNECTED) (``lower_model(wide_filters=...)``): only DSP cores, for whose SMLAD loop they were
    made. Helium's conv and FC kernels read the int8 layout; cores without DSP (Cortex-M0/M0+/M3/M23) keep the int8
    weights, half the weights' flash, on the plain-C path."""
    return cmsis_nn_arch == "dsp"


def helium_for(cmsis_nn_arch: str) -> bool:
    """Whether a core of this CMSIS-NN code path has Helium (MVE): ``lower_model(helium=...)``, the layouts only
    its kernels read (:func:`helium_depthwise`)."""
    return cmsis_nn_arch == "mve"


#: Output pixels (batches x out_h x out_w) from which a CONV_2D's filter is stored widened to int16.
WIDE_FILTER_MIN_PIXELS = 8

#: Output pixels from which a 1x1 CONV_2D whose requantization can be prepared and whose filter can be in the pairs
#: layout (:func:`prepared_pairs`) takes ``an_conv1x1_s8_prepared_w16`` (int16 filter): there each filter word
#: serves a block of four pixels (2x2 attention-condenser layers: 1.5-3.9 cycles/MAC on the int8 kernel).
PAIRS_MIN_PIXELS = 4


def depthwise_filter_layout(taps):
    """The filter as ``an_depthwise_conv2d_s8`` reads it (an_depthwise_conv.h): int16, blocks of four
    channels (zero-padded), per block and tap the channels in the order 0 2 1 3."""
    n_taps, out_c = taps.shape
    c4 = (out_c + 3) & ~3
    padded = np.zeros((n_taps, c4), dtype=np.int16)
    padded[:, :out_c] = taps
    blocks = padded.reshape(n_taps, c4 // 4, 4)[:, :, [0, 2, 1, 3]]
    return blocks.transpose(1, 0, 2).reshape(-1)


#: The order ``an_depthwise_conv2d_s8_mve`` keeps a group's sixteen channels in its four int32 vectors (VMOVLB/VMOVLT
#: of VMULLB/VMULLT's int16 products; an_depthwise_conv.h): the group's biases, multipliers and shifts so stored.
HELIUM_DEPTHWISE_LANES = (0, 4, 8, 12, 2, 6, 10, 14, 1, 5, 9, 13, 3, 7, 11, 15)


#: Fewer channels leave lanes empty: the general kernel's MVE path keeps those layers, except where the channels
#: divide sixteen at stride_w 1 (an_depthwise_conv2d_s8_mve then takes 16 / out_c pixels per vector).
HELIUM_DEPTHWISE_MIN_CHANNELS = 16


def taps_of_depthwise_layout(values, n_taps: int, out_c: int) -> np.ndarray:
    """The int8 taps (n_taps x out_c) of a :func:`depthwise_filter_layout` array."""
    blocks = np.asarray(values, dtype=np.int16).reshape(-1, n_taps, 4)[:, :, [0, 2, 1, 3]]
    return blocks.transpose(1, 0, 2).reshape(n_taps, -1)[:, :out_c].astype(np.int8)


def depthwise_pairs_fit_int16(taps) -> bool:
    """Whether every channel's sum of products over taps 2i and 2i + 1 stays inside int16 for every int8 input
    (the Helium kernel adds them in int16): always, unless a pair's weights are both near -128."""
    w = np.asarray(taps, dtype=np.int64)
    pairs = w[:w.shape[0] & ~1].reshape(-1, 2, w.shape[1])
    most = np.where(pairs > 0, 127 * pairs, -128 * pairs).sum(axis=1)
    least = np.where(pairs > 0, -128 * pairs, 127 * pairs).sum(axis=1)
    return bool((most <= 32767).all() and (least >= -32768).all())


def helium_depthwise(step) -> bool:
    """Turn an ``an_depthwise_conv2d_s8`` step into ``an_depthwise_conv2d_s8_mve`` (the same arithmetic, the Helium
    layout of an_depthwise_conv.h), in place, where it applies: depth multiplier 1, at least
    ``HELIUM_DEPTHWISE_MIN_CHANNELS`` channels (or 2, 4, 8 at stride_w 1) and every pair of taps' sums
    inside int16.  Only for cores with MVE (``lower_model(helium=True)``).  Returns whether it did."""
    fields = step.args[0].fields
    out_c = int(fields["out_c"])
    # fewer than sixteen channels: several pixels per vector, where they lie side by side (stride_w 1)
    packed = out_c < 16 and 16 % out_c == 0 and int(fields["stride_w"]) == 1
    if int(fields["depth_mult"]) != 1 or (out_c < HELIUM_DEPTHWISE_MIN_CHANNELS and not packed):
        return False
    params, x, filter_, bias, mults, shifts, pad_row, y, _ = step.args
    n_taps, out_c = int(fields["k_h"]) * int(fields["k_w"]), int(fields["out_c"])
    taps = taps_of_depthwise_layout(filter_.values, n_taps, out_c)
    if not depthwise_pairs_fit_int16(taps):
        return False
    groups, lanes = (out_c + 15) // 16, (16 // out_c if packed else 1) * out_c  # the channels repeated when packed
    padded = np.zeros((n_taps, 16 * groups), dtype=np.int8)
    padded[:, :lanes] = np.tile(taps, (1, lanes // out_c))
    weights = padded.reshape(n_taps, groups, 16).transpose(1, 0, 2).reshape(-1)
    channels = np.zeros((3, 16 * groups), dtype=np.int64)
    channels[2] = -1
    for row, values in enumerate((bias.values, mults.values, shifts.values)):
        channels[row, :lanes] = np.tile(np.asarray(values, dtype=np.int64), lanes // out_c)
    channels = channels.reshape(3, groups, 16)[:, :, list(HELIUM_DEPTHWISE_LANES)].transpose(1, 0, 2).reshape(-1)
    if packed:  # border pixels 16 / out_c at a time where only rows are padded: sixteen bytes of the zero point
        pad_row = Constant(pad_row.hint, "int8_t", np.tile(np.asarray(pad_row.values, dtype=np.int8), 16 // out_c))
    fields["rows3x3"] = 0
    fields.pop("records", None)
    step.function = "an_depthwise_conv2d_s8_mve"
    step.args = (params, x, Constant(filter_.hint, "int8_t", weights),
                 Constant(bias.hint.replace("bias", "channels"), "int32_t", channels), pad_row, y,
                 Scratch(depthwise_scratch_bytes(int(fields["k_h"]), int(fields["k_w"]))))
    step.comment = step.comment.replace(" (3x3 rows path)", "") + " (Helium)"
    return True


def _check_multipliers(multipliers, shifts):
    if any(m < 0 for m in multipliers):
        raise NotLowerable("a negative scale")
    # The DSP kernels requantize a negative shift with SMMLAR on 2 * multiplier (an_common.h
    # an_out_s8_right_shift), exact for multipliers in [2^30, 2^31), which TFLM's QuantizeMultiplier
    # gives for every negative shift.
    if any(s < 0 and m < (1 << 30) for m, s in zip(multipliers, shifts)):
        raise NotLowerable("a multiplier below 2^30 with a right shift (not TFLM's QuantizeMultiplier)")


@lowering("CONV_2D")
def lower_conv2d(op, ctx):
    if ctx.tensor(op.inputs[0]).dtype in ("int16", "float32"):
        return lower_conv_wide(op, ctx, depthwise=False)
    x = ctx.tensor(op.inputs[0])
    w = ctx.tensor(op.inputs[1])
    bias = ctx.optional_tensor(op.inputs[2]) if len(op.inputs) > 2 else None
    y = ctx.tensor(op.outputs[0])
    check_int8_activations(x, y)
    if len(w.shape) != 4:
        raise NotLowerable(f"filter of shape {w.shape}")
    batches, in_h, in_w, in_c = x.shape
    out_c, k_h, k_w, filter_in_c = w.shape
    if y.shape[0] != batches or y.shape[3] != out_c:
        raise NotLowerable(f"output {y.shape} does not match input {x.shape} and filter {w.shape}")
    if filter_in_c < 1 or in_c % filter_in_c or out_c % (in_c // filter_in_c):
        raise NotLowerable(f"filter depth {filter_in_c} does not divide input depth {in_c} into groups")
    b = _weights_and_bias(w, bias, out_c, "filter")
    activation, (act_min, act_max) = fused_range(op, y)
    padding, win = window(op, in_h, in_w, k_h, k_w)
    in_scale, in_zp = one_value(x.scale, "input"), int(one_value(x.zero_point or (0,), "input"))
    out_scale, out_zp = one_value(y.scale, "output"), int(one_value(y.zero_point or (0,), "output"))
    multipliers, shifts = channel_multipliers(in_scale, w.scale, out_scale, out_c)
    _check_multipliers(multipliers, shifts)

    rows = np.asarray(w.data, dtype=np.int8).reshape(out_c, k_h * k_w * filter_in_c)
    dilation = (f", dilation {win['dilation_h']}x{win['dilation_w']}"
                if win["dilation_h"] * win["dilation_w"] > 1 else "")
    groups = f", {in_c // filter_in_c} groups" if in_c > filter_in_c else ""
    comment = (f"CONV_2D {x.shape} * {w.shape} -> {y.shape}, {padding}, "
               f"stride {win['stride_h']}x{win['stride_w']}{dilation}{groups}, {activation}")
    return _conv_call(op, ctx, x, y, rows, (k_h, k_w, filter_in_c), b, multipliers, shifts, win,
                      (act_min, act_max), in_zp, out_zp, comment)


def _conv_call(op, ctx, x, y, rows, kernel, b, multipliers, shifts, win, act, in_zp, out_zp, comment):
    """The ``an_conv2d_s8`` call for filter ``rows`` (out_c x K, K in [k_h][k_w][filter_in_c] order)."""
    batches, in_h, in_w, in_c = x.shape
    k_h, k_w, filter_in_c = kernel
    out_c, k = rows.shape
    folded = [wrap_int32(int(v)) for v in b - in_zp * rows.astype(np.int64).sum(axis=1)]
    groups = in_c // filter_in_c
    fields = dict(batches=batches, in_h=in_h, in_w=in_w, in_c=in_c, out_h=y.shape[1], out_w=y.shape[2],
                  out_c=out_c, k_h=k_h, k_w=k_w, filter_in_c=filter_in_c, **win, pad_value=in_zp,
                  output_offset=out_zp, act_min=act[0], act_max=act[1])
    pixels = batches * y.shape[1] * y.shape[2]
    # A 1x1 filter with no padding and one group reads one input pixel per output pixel: the
    # kernel without the general im2col.
    pointwise = k_h == k_w == 1 and groups == 1 and win["pad_h"] == 0 and win["pad_w"] == 0
    wide = use_wide_filter(pixels, groups) or (
        pointwise and pixels >= PAIRS_MIN_PIXELS and prepared_pairs(in_c, win["stride_h"], win["stride_w"])
        and pointwise_prepared_applies(rows, b - in_zp * rows.astype(np.int64).sum(axis=1), multipliers, shifts,
                                       out_zp))
    scratch = conv_scratch_bytes(k)
    natural = rows
    if wide and not pointwise:
        # an_conv2d_s8_w16: rows laid out for its segment-padded, block-reordered im2col (an_conv.h)
        rows = kxk_w16_rows(rows, k_h, k_w * filter_in_c)
        scratch = conv_w16_scratch_bytes(k_h, k_w, filter_in_c)
    function = ("an_conv1x1_s8" if pointwise else "an_conv2d_s8") + ("_w16" if wide else "")
    if wide and pointwise_prepared_applies(rows, b - in_zp * rows.astype(np.int64).sum(axis=1), multipliers, shifts,
                                           out_zp):
        # the requantization prepared here: doubled filter values, records {2 * bias, m, kc, e} (an_conv.h)
        function = PREPARED_POINTWISE if pointwise else PREPARED_KXK
        if pointwise and prepared_pairs(in_c, win["stride_h"], win["stride_w"]):
            laid = conv_filter_layout_w16_pairs(rows)
        elif not pointwise and kxk3_first(fields):
            laid = kxk3_first_layout(kxk3_first_rows(natural, in_c))
        else:
            laid = conv_filter_layout_w16(rows)
        filter_ = ctx.constant(f"op{op.index}_filter", "int16_t", 2 * laid)
        records = pointwise_prepared_channels(rows, folded, multipliers, shifts, out_zp, act).reshape(-1)
        if not pointwise and kxk3_first(fields):
            records = kxk3_first_records(records)
        channel = ctx.constant(f"op{op.index}_channels", "int32_t", records)
        if pointwise:  # the four pixels' columns of a deep input (lower_model keeps them where the arena allows)
            scratch = prepared_pointwise_scratch_bytes(in_c, win["stride_h"], win["stride_w"])
    else:
        filter_ = (ctx.constant(f"op{op.index}_filter", "int16_t", conv_filter_layout_w16(rows)) if wide
                   else ctx.constant(f"op{op.index}_filter", "int8_t", conv_filter_layout(rows, groups)))
        # Per output channel {folded bias, multiplier, shift}, packed (an_conv.h).
        channel = ctx.constant(f"op{op.index}_channels", "int32_t",
                               np.stack([folded, multipliers, shifts], axis=1).reshape(-1))
    return Step(
        function=function,
        sources=CONV_SOURCES,
        args=(Params("an_conv_params", fields), x.operand, filter_, channel, y.operand, Scratch(scratch)),
        comment=comment,
        macs=batches * y.shape[1] * y.shape[2] * out_c * k,
    )


@lowering("DEPTHWISE_CONV_2D")
def lower_depthwise_conv2d(op, ctx):
    if ctx.tensor(op.inputs[0]).dtype in ("int16", "float32"):
        return lower_conv_wide(op, ctx, depthwise=True)
    x = ctx.tensor(op.inputs[0])
    w = ctx.tensor(op.inputs[1])
    bias = ctx.optional_tensor(op.inputs[2]) if len(op.inputs) > 2 else None
    y = ctx.tensor(op.outputs[0])
    check_int8_activations(x, y)
    if len(w.shape) != 4 or w.shape[0] != 1:
        raise NotLowerable(f"filter of shape {w.shape}")
    batches, in_h, in_w, in_c = x.shape
    _, k_h, k_w, out_c = w.shape
    multiplier = int(op.options.get("depth_multiplier", 1) or 1)
    if y.shape[0] != batches or y.shape[3] != out_c or out_c != in_c * multiplier:
        raise NotLowerable(f"output {y.shape} is not input {x.shape} times depth multiplier {multiplier}")
    b = _weights_and_bias(w, bias, out_c, "filter")
    activation, (act_min, act_max) = fused_range(op, y)
    padding, win = window(op, in_h, in_w, k_h, k_w)
    in_scale, in_zp = one_value(x.scale, "input"), int(one_value(x.zero_point or (0,), "input"))
    out_scale, out_zp = one_value(y.scale, "output"), int(one_value(y.zero_point or (0,), "output"))
    multipliers, shifts = channel_multipliers(in_scale, w.scale, out_scale, out_c)
    _check_multipliers(multipliers, shifts)

    taps = np.asarray(w.data, dtype=np.int8).reshape(k_h * k_w, out_c)
    if in_c == 1:
        # One input channel: the same sums as a CONV_2D whose out_c filters are the taps of each
        # output channel; its im2col + SMLAD kernel is much faster than multiplier-many passes.
        comment = (f"DEPTHWISE_CONV_2D {x.shape} * {w.shape} -> {y.shape}, {padding}, "
                   f"stride {win['stride_h']}x{win['stride_w']}, x{multiplier}, {activation} "
                   "(as CONV_2D: one input channel)")
        return _conv_call(op, ctx, x, y, np.ascontiguousarray(taps.T), (k_h, k_w, 1), b, multipliers, shifts, win,
                          (act_min, act_max), in_zp, out_zp, comment)
    unwrapped = b - in_zp * taps.astype(np.int64).sum(axis=0)
    folded = [wrap_int32(int(v)) for v in unwrapped]
    # The row-buffer 3x3 path where it is exact (its bound uses the folded bias before any int32 wrap).
    # (its fastest form; lower_model keeps the fastest whose scratch does not grow the arena: depthwise_rows_levels)
    rows3x3 = depthwise_rows3x3_value(depthwise_rows_exact(k_h, k_w, multiplier, in_c, win, unwrapped, taps, shifts,
                                                           out_zp), y.shape[2], win["stride_w"])
    fields = dict(batches=batches, in_h=in_h, in_w=in_w, in_c=in_c, out_h=y.shape[1], out_w=y.shape[2],
                  out_c=out_c, k_h=k_h, k_w=k_w, depth_mult=multiplier, **win, pad_value=in_zp,
                  output_offset=out_zp, act_min=act_min, act_max=act_max, rows3x3=int(rows3x3))
    scratch = depthwise_step_scratch_bytes(fields)
    filter_ = ctx.constant(f"op{op.index}_filter", "int16_t", depthwise_filter_layout(taps))
    folded_bias = ctx.constant(f"op{op.index}_bias", "int32_t", folded)
    mults = ctx.constant(f"op{op.index}_multipliers", "int32_t", multipliers)
    shifts_ = ctx.constant(f"op{op.index}_shifts", "int32_t", shifts)
    pad_row = ctx.constant(f"op{op.index}_pad_row", "int8_t", [in_zp] * in_c)
    if rows3x3 == 2:  # the plane form's records in flash (lower_model keeps them only where the form can run)
        fields["records"] = ctx.constant(f"op{op.index}_records", "int32_t",
                                         depthwise_plane_records(taps, folded, multipliers, shifts, out_zp))
    return Step(
        function="an_depthwise_conv2d_s8",
        sources=DEPTHWISE_SOURCES,
        args=(Params("an_depthwise_params", fields), x.operand, filter_, folded_bias, mults, shifts_, pad_row, y.operand,
              Scratch(scratch)),
        comment=(f"DEPTHWISE_CONV_2D {x.shape} * {w.shape} -> {y.shape}, {padding}, "
                 f"stride {win['stride_h']}x{win['stride_w']}, x{multiplier}, {activation}"
                 f"{' (3x3 rows path)' if rows3x3 else ''}"),
        macs=batches * y.shape[1] * y.shape[2] * out_c * k_h * k_w,
    )
