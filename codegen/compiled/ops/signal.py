"""TFLM's signal library (custom operators ``Signal*``: the audio front end as a model; RFFT and IRFFT) ->
``firmware_template/compiled/kernels/an_signal.c`` and ``an_rfft.c``.

The operators are CUSTOM ones whose options are a flexbuffer map; TFLM's kernels
(signal/micro/kernels/*.cc) read the map's values by position (the keys sorted), so a lowering takes
exactly the keys TFLM's kernel reads and refuses a map with others.  Everything TFLM computes at
Init/Prepare is computed here: the RFFT's plan (kissfft's factorisation of N / 2 into radices
4, 2, 3, 5, the first stage's input order, the twiddles with kissfft's ``floor(0.5 + (2^15 - 1) cos)``
rounding), FILTER_BANK_LOG's 128-segment log2 correction table.  The arithmetic that runs is in the
kernels' comments; FILTER_BANK_SPECTRAL_SUBTRACTION keeps its noise estimate in the static state
area (model_reset() zeroes it, as TFLM's Reset does).
"""

from __future__ import annotations

import math

import numpy as np
from flatbuffers import flexbuffers

from codegen.compiled.lowering import NotLowerable, lowering
from codegen.compiled.program import Constant, Params, Scratch, Step, Tensor

#: TFLite TensorType codes of the RFFT's ``T`` option -> (tensor dtype, kernel suffix, C scalar type).
RFFT_TYPES = {7: ("int16", "s16", "int16_t"), 2: ("int32", "s32", "int32_t"), 0: ("float32", "f32", "float")}
#: kissfft's fixed-point twiddle scale per scalar type (SAMP_MAX), None for float.
TWIDDLE_SCALE = {"int16": 32767, "int32": 2147483647, "float32": None}
#: Entries PCAN's gain table needs: 4 per power of two of a uint32 noise estimate (TFLM reads up to 124).
PCAN_GAIN_ENTRIES = 125


def _options(op, keys: tuple) -> dict:
    """The operator's flexbuffer options: a map of exactly ``keys`` (TFLM reads the values by position)."""
    if not keys:
        return {}
    try:
        found = flexbuffers.Loads(bytes(op.custom_options or b""))
    except Exception as exc:  # noqa: BLE001 - any decoding failure is the model's
        raise NotLowerable(f"its options are not a flexbuffer map ({type(exc).__name__})") from None
    if not isinstance(found, dict) or sorted(found) != sorted(keys):
        got = sorted(found) if isinstance(found, dict) else type(found).__name__
        raise NotLowerable(f"options {got} (TFLM's kernel reads exactly {sorted(keys)})")
    return found


def _int_option(options: dict, key: str) -> int:
    value = options[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise NotLowerable(f"option {key!r} is {value!r}, not a number")
    return int(value) & 0xFFFFFFFF if int(value) >= 2**31 else int(value)


def _only_int_option(op, key: str) -> int:
    """The number of an operator whose options are ``key`` alone."""
    return _int_option(_options(op, (key,)), key)


def _io(op, ctx, inputs: int, outputs: int):
    if len(op.inputs) != inputs or len(op.outputs) != outputs:
        raise NotLowerable(f"{len(op.inputs)} inputs and {len(op.outputs)} outputs "
                           f"(TFLM's kernel takes {inputs} and {outputs})")
    return [ctx.tensor(i) for i in op.inputs], [ctx.tensor(i) for i in op.outputs]


def _require(t, dtype: str, rank=None) -> None:
    if t.dtype != dtype:
        raise NotLowerable(f"{t.dtype} tensor {t.name!r} (TFLM's kernel takes {dtype})")
    if rank is not None and len(t.shape) != rank:
        raise NotLowerable(f"tensor {t.name!r} has {len(t.shape)} dimensions (TFLM's kernel takes {rank})")


def _step(function, args, comment, source="an_signal.c"):
    return Step(function, args=tuple(args), sources=(source,), comment=comment)


@lowering("SignalWindow", custom=True)
def lower_window(op, ctx):
    (x, w), (y,) = _io(op, ctx, 2, 1)
    for t in (x, w, y):
        _require(t, "int16")
    _require(w, "int16", 1)
    shift = _only_int_option(op, "shift")
    weights, count = int(w.shape[0]), x.num_elements
    if len(x.shape) < 1 or len(y.shape) != len(x.shape) or y.num_elements != count:
        raise NotLowerable(f"input {x.shape} and output {y.shape} differ")
    if weights < 1 or count % weights or not 0 <= shift <= 31:
        raise NotLowerable(f"{count} samples are not whole windows of {weights}, or shift {shift} is not in [0, 31]")
    return _step("an_signal_window_s16", (x.operand, w.operand, weights, count, shift, y.operand),
                 f"window {x.shape} by {weights} weights, >> {shift}")


@lowering("SignalFftAutoScale", custom=True)
def lower_fft_auto_scale(op, ctx):
    (x,), (y, bits) = _io(op, ctx, 1, 2)
    _require(x, "int16", 1)
    _require(y, "int16", 1)
    _require(bits, "int32", 0)
    _options(op, ())
    if y.num_elements != x.num_elements:
        raise NotLowerable(f"input {x.shape} and output {y.shape} differ")
    return _step("an_signal_fft_auto_scale_s16", (x.operand, y.num_elements, y.operand, bits.operand),
                 f"FFT auto scale of {y.num_elements} samples")


def kissfft_factors(n: int) -> list:
    """kissfft's kf_factor: ``[(radix, span), ...]``, powers of 4 first, then 2, then odd primes up to
    floor(sqrt(n))."""
    factors, p, limit = [], 4, math.floor(math.sqrt(n))
    while True:
        while n % p:
            p = 2 if p == 4 else 3 if p == 2 else p + 2
            if p > limit:
                p = n
        n //= p
        factors.append((p, n))
        if n <= 1:
            return factors


def first_stage_order(half: int, factors: list) -> list:
    """Which complex input point each position of the first (innermost) stage reads: kissfft's
    decimation in time (kf_work's recursion: position block j of a radix-p stage reads every p-th point)."""
    order = [0] * half

    def visit(position, source, stride, level):
        radix, span = factors[level]
        if span == 1:
            for j in range(radix):
                order[position + j] = source + j * stride
        else:
            for j in range(radix):
                visit(position + j * span, source + j * stride, stride * radix, level + 1)

    visit(0, 0, 1, 0)
    return order


def _twiddle_values(phases, dtype: str) -> np.ndarray:
    scale = TWIDDLE_SCALE[dtype]
    pairs = []
    for phase in phases:
        if scale is None:
            pairs += [np.float32(math.cos(phase)), np.float32(math.sin(phase))]
        else:  # kissfft's KISS_FFT_COS / KISS_FFT_SIN for FIXED_POINT
            pairs += [math.floor(0.5 + scale * math.cos(phase)), math.floor(0.5 + scale * math.sin(phase))]
    return np.array(pairs, dtype={"int16": np.int16, "int32": np.int32, "float32": np.float32}[dtype])


def rfft_tables(fft_length: int, dtype: str, inverse: bool = False):
    """``(factors, order, twiddles, split twiddles)`` of TFLM's RFFT (IRFFT: ``inverse``) of ``fft_length``
    (kiss_fftr_alloc: the inverse negates each phase)."""
    half = fft_length // 2
    sign = -1.0 if inverse else 1.0
    factors = kissfft_factors(half)
    twiddles = _twiddle_values([sign * (-2 * math.pi * i / half) for i in range(half)], dtype)
    split = _twiddle_values([sign * (-math.pi * ((i + 1) / half + 0.5)) for i in range(half // 2)], dtype)
    return factors, first_stage_order(half, factors), twiddles, split


def _fft_plan(op, ctx, fft_length: int, dtype: str, inverse: bool):
    """``(plan fields without the frame layout, twiddles, split twiddles, radices text)``; refuses what TFLM
    cannot run."""
    if fft_length < 4 or fft_length % 2 or fft_length // 2 > 65535:
        raise NotLowerable(f"fft_length {fft_length} (an even length from 4 to 131070)")
    factors, order, twiddles, split = rfft_tables(fft_length, dtype, inverse)
    if any(p not in (2, 3, 4, 5) for p, _ in factors):
        raise NotLowerable(f"fft_length {fft_length}: N/2 has a prime factor above 5 (kissfft's generic "
                           "butterfly allocates memory, which TFLM's build of it cannot)")
    c_type = RFFT_TYPES[next(k for k, v in RFFT_TYPES.items() if v[0] == dtype)][2]
    fields = {"fft_length": fft_length, "stages": len(factors),
              "radix": Constant(f"op{op.index}_radix", "int16_t", [p for p, _ in factors]),
              "span": Constant(f"op{op.index}_span", "int16_t", [m for _, m in factors]),
              "order": Constant(f"op{op.index}_order", "uint16_t", order)}
    tw = Constant(f"op{op.index}_twiddles", c_type, twiddles)
    sw = Constant(f"op{op.index}_split_twiddles", c_type, split)
    return fields, tw, sw, "x".join(str(p) for p, _ in factors)


def _fft_operator(op, ctx, what: str):
    """``(input, output, fft_length, dtype, kernel suffix)`` of a SignalRfft / SignalIrfft (``what``: RFFT, IRFFT):
    its options read, its tensors' types and ranks checked."""
    (x,), (y,) = _io(op, ctx, 1, 1)
    options = _options(op, ("T", "fft_length"))
    code, fft_length = _int_option(options, "T"), _int_option(options, "fft_length")
    if code not in RFFT_TYPES:
        raise NotLowerable(f"T = {code} (TFLM's {what} takes int16, int32, float32)")
    dtype, suffix, _c_type = RFFT_TYPES[code]
    _require(x, dtype)
    _require(y, dtype)
    if not x.shape or len(y.shape) != len(x.shape):
        raise NotLowerable(f"input {x.shape} and output {y.shape} have different ranks")
    return x, y, fft_length, dtype, suffix


@lowering("SignalIrfft", custom=True)
def lower_irfft(op, ctx):
    x, y, fft_length, dtype, suffix = _fft_operator(op, ctx, "IRFFT")
    fields, tw, sw, radices = _fft_plan(op, ctx, fft_length, dtype, inverse=True)
    input_length, output_length = int(x.shape[-1]) // 2, int(y.shape[-1])
    frames = (x.num_elements // 2) // max(input_length, 1)
    if input_length < fft_length // 2 + 1 or output_length < fft_length or y.num_elements < frames * output_length:
        raise NotLowerable(f"input {x.shape} / output {y.shape} do not fit frames of {fft_length // 2 + 1} complex "
                           f"inputs and {fft_length} outputs")
    plan = Params("an_rfft_plan", {"fft_length": fields["fft_length"], "input_length": input_length, "frames": frames,
                                   "output_stride": output_length, "stages": fields["stages"], "radix": fields["radix"],
                                   "span": fields["span"], "order": fields["order"]})
    scalar_bytes = 2 if dtype == "int16" else 4
    return _step(f"an_irfft_{suffix}", (plan, tw, sw, x.operand, Scratch(fft_length * scalar_bytes), y.operand),
                 f"IRFFT {dtype} length {fft_length} (radix {radices}), {frames} frame(s)", source="an_rfft.c")


@lowering("SignalRfft", custom=True)
def lower_rfft(op, ctx):
    x, y, fft_length, dtype, suffix = _fft_operator(op, ctx, "RFFT")
    fields, tw, sw, radices = _fft_plan(op, ctx, fft_length, dtype, inverse=False)
    input_length, output_stride = int(x.shape[-1]), int(y.shape[-1]) // 2
    frames = x.num_elements // max(input_length, 1)
    if not 0 < input_length <= fft_length or output_stride < fft_length // 2 + 1 \
            or y.num_elements < frames * output_stride * 2:
        raise NotLowerable(f"input {x.shape} / output {y.shape} do not fit frames of {fft_length} "
                           f"({fft_length // 2 + 1} complex outputs each)")
    plan = Params("an_rfft_plan", {"fft_length": fields["fft_length"], "input_length": input_length, "frames": frames,
                                   "output_stride": output_stride, "stages": fields["stages"], "radix": fields["radix"],
                                   "span": fields["span"], "order": fields["order"]})
    scalar_bytes = 2 if dtype == "int16" else 4
    return _step(f"an_rfft_{suffix}", (plan, tw, sw, x.operand, Scratch(fft_length * scalar_bytes), y.operand),
                 f"RFFT {dtype} length {fft_length} (radix {radices}), {frames} frame(s) of {input_length}",
                 source="an_rfft.c")


@lowering("SignalEnergy", custom=True)
def lower_energy(op, ctx):
    (x,), (y,) = _io(op, ctx, 1, 1)
    _require(x, "int16", 1)
    _require(y, "uint32", 1)
    options = _options(op, ("end_index", "start_index"))
    start, end = _int_option(options, "start_index"), _int_option(options, "end_index")
    count = y.num_elements
    if not 0 <= start <= end <= min(count, x.num_elements // 2):
        raise NotLowerable(f"bins [{start}, {end}) outside the {x.num_elements // 2} complex inputs "
                           f"or {count} outputs")
    return _step("an_signal_energy_s16", (x.operand, start, end, count, y.operand),
                 f"energy of bins [{start}, {end}) of {count}")


@lowering("SignalFilterBank", custom=True)
def lower_filter_bank(op, ctx):
    (x, weights, unweights, starts, weight_starts, widths), (y,) = _io(op, ctx, 6, 1)
    _require(x, "uint32", 1)
    _require(y, "uint64", 1)
    for t in (weights, unweights, starts, weight_starts, widths):
        _require(t, "int16", 1)
        if not t.is_constant:
            raise NotLowerable(f"filter bank table {t.name!r} computed at run time")
    channels = _only_int_option(op, "num_channels")
    if channels < 1 or y.num_elements != channels or min(starts.num_elements, weight_starts.num_elements,
                                                          widths.num_elements) < channels + 1:
        raise NotLowerable(f"{channels} channels with output {y.shape} and tables of "
                           f"{starts.num_elements}/{weight_starts.num_elements}/{widths.num_elements} rows")
    for c in range(channels + 1):  # TFLM reads what the tables say: refuse a read past an array
        f, w, n = (int(t.data.reshape(-1)[c]) for t in (starts, weight_starts, widths))
        if n > 0 and (f < 0 or w < 0 or f + n > x.num_elements or w + n > min(weights.num_elements,
                                                                               unweights.num_elements)):
            raise NotLowerable(f"channel row {c} reads past its input or weights")
    params = Params("an_signal_filter_bank_params", {
        "channels": channels, "weights": weights.operand, "unweights": unweights.operand,
        "frequency_starts": starts.operand, "weight_starts": weight_starts.operand, "widths": widths.operand})
    return _step("an_signal_filter_bank", (params, x.operand, y.operand), f"filter bank, {channels} channels")


@lowering("SignalFilterBankSquareRoot", custom=True)
def lower_filter_bank_sqrt(op, ctx):
    (x, bits), (y,) = _io(op, ctx, 2, 1)
    _require(x, "uint64", 1)
    _require(bits, "int32", 0)
    _require(y, "uint32", 1)
    _options(op, ())
    if y.num_elements != x.num_elements:
        raise NotLowerable(f"input {x.shape} and output {y.shape} differ")
    return _step("an_signal_filter_bank_sqrt", (x.operand, bits.operand, x.num_elements, y.operand),
                 f"filter bank square root of {x.num_elements}")


SPECTRAL_SUBTRACTION_KEYS = ("alternate_one_minus_smoothing", "alternate_smoothing", "clamping",
                             "min_signal_remaining", "num_channels", "one_minus_smoothing", "smoothing",
                             "smoothing_bits", "spectral_subtraction_bits")


@lowering("SignalFilterBankSpectralSubtraction", custom=True)
def lower_spectral_subtraction(op, ctx):
    (x,), (y, noise) = _io(op, ctx, 1, 2)
    for t in (x, y, noise):
        _require(t, "uint32", 1)
    options = _options(op, SPECTRAL_SUBTRACTION_KEYS)
    value = {k: _int_option(options, k) for k in SPECTRAL_SUBTRACTION_KEYS if k != "clamping"}
    channels = value["num_channels"]
    if channels < 1 or not x.num_elements == y.num_elements == noise.num_elements == channels:
        raise NotLowerable(f"{channels} channels with input {x.shape}, outputs {y.shape} and {noise.shape}")
    if not (0 <= value["smoothing_bits"] <= 31 and 0 <= value["spectral_subtraction_bits"] <= 63):
        raise NotLowerable("shifts out of range")
    state = Tensor(None, f"op{op.index} noise estimate", "uint32", (channels,), state=True, reset_byte=0)
    params = Params("an_signal_spectral_subtraction_params", {
        "channels": channels, "smoothing": value["smoothing"], "one_minus_smoothing": value["one_minus_smoothing"],
        "alternate_smoothing": value["alternate_smoothing"],
        "alternate_one_minus_smoothing": value["alternate_one_minus_smoothing"],
        "min_signal_remaining": value["min_signal_remaining"], "smoothing_bits": value["smoothing_bits"],
        "spectral_subtraction_bits": value["spectral_subtraction_bits"], "clamping": int(bool(options["clamping"]))})
    return _step("an_signal_spectral_subtraction", (params, x.operand, state, y.operand, noise.operand),
                 f"spectral subtraction, {channels} channels (noise estimate in the state area)")


@lowering("SignalPCAN", custom=True)
def lower_pcan(op, ctx):
    (x, noise, gains), (y,) = _io(op, ctx, 3, 1)
    for t in (x, noise, y):
        _require(t, "uint32", 1)
    _require(gains, "int16", 1)
    shift = _only_int_option(op, "snr_shift")
    count = x.num_elements
    if noise.num_elements < count or y.num_elements != count:
        raise NotLowerable(f"input {x.shape}, noise estimate {noise.shape}, output {y.shape}")
    if gains.num_elements < PCAN_GAIN_ENTRIES or not 0 <= shift <= 63:
        raise NotLowerable(f"gain table of {gains.num_elements} entries (TFLM reads up to {PCAN_GAIN_ENTRIES}) "
                           f"or snr_shift {shift}")
    return _step("an_signal_pcan", (x.operand, noise.operand, gains.operand, shift, count, y.operand),
                 f"PCAN gain control, {count} channels")


def log_correction_table() -> np.ndarray:
    """log2(1 + k/128) - k/128 in 1/65536 for k = 0..128: the segments' corrections of TFLM's Log32."""
    return np.array([round(65536 * (math.log2(1 + k / 128) - k / 128)) for k in range(129)], dtype=np.uint16)


@lowering("SignalFilterBankLog", custom=True)
def lower_filter_bank_log(op, ctx):
    (x,), (y,) = _io(op, ctx, 1, 1)
    _require(x, "uint32", 1)
    _require(y, "int16", 1)
    options = _options(op, ("input_correction_bits", "output_scale"))
    bits, scale = _int_option(options, "input_correction_bits"), _int_option(options, "output_scale")
    if y.num_elements != x.num_elements or not 0 <= bits <= 31:
        raise NotLowerable(f"input {x.shape}, output {y.shape}, input_correction_bits {bits}")
    table = Constant("log2_corrections", "uint16_t", log_correction_table())
    return _step("an_signal_filter_bank_log", (x.operand, table, bits, scale, x.num_elements, y.operand),
                 f"filter bank log of {x.num_elements}, scale {scale}")


@lowering("SignalDelay", custom=True)
def lower_delay(op, ctx):
    """DELAY: each innermost row delayed by ``delay_length`` samples; TFLM's per-row circular buffers (primed
    with zeros, re-primed by Reset) are a [rows][delay] int16 state in the static state area."""
    (x,), (y,) = _io(op, ctx, 1, 1)
    _require(x, "int16")
    _require(y, "int16")
    delay = _only_int_option(op, "delay_length")
    if not x.shape or y.num_elements != x.num_elements or delay < 1:
        raise NotLowerable(f"input {x.shape}, output {y.shape}, delay_length {delay} (at least 1 here)")
    frame = int(x.shape[-1])
    rows = x.num_elements // frame
    state = Tensor(None, f"op{op.index} delay line", "int16", (rows, delay), state=True, reset_byte=0)
    return _step("an_signal_delay_s16", (x.operand, rows, frame, delay, state, y.operand),
                 f"delay of {delay} samples over {rows} row(s) of {frame} (delay line in the state area)")


STACKER_KEYS = ("num_channels", "stacker_left_context", "stacker_right_context", "stacker_step")


@lowering("SignalStacker", custom=True)
def lower_stacker(op, ctx):
    """STACKER: frames stacked into a window of left + 1 + right frames, output every ``stacker_step`` frames with a
    bool 'valid' output; the window and its fill level are state (TFLM's circular buffer; Reset empties it)."""
    (x,), (y, valid) = _io(op, ctx, 1, 2)
    _require(x, "int16", 1)
    _require(y, "int16", 1)
    _require(valid, "bool", 0)
    options = _options(op, STACKER_KEYS)
    channels, left, right, step = (_int_option(options, k) for k in STACKER_KEYS)
    window = channels * (left + right + 1)
    if channels < 1 or left < 0 or right < 0 or not 1 <= step <= left + right + 1 or x.num_elements != channels \
            or y.num_elements != window:
        raise NotLowerable(f"{channels} channels, context {left}/{right}, step {step} with input {x.shape} and "
                           f"output {y.shape}")
    state = Tensor(None, f"op{op.index} stacker window", "int16", (window,), state=True, reset_byte=0)
    meta = Tensor(None, f"op{op.index} stacker fill", "int32", (2,), state=True, reset_byte=0)
    params = Params("an_signal_stacker_params", {"channels": channels, "left": left, "window": window,
                                                 "step_values": channels * step})
    return _step("an_signal_stacker_s16", (params, x.operand, state, meta, y.operand, valid.operand),
                 f"stacker of {left} + 1 + {right} frames of {channels}, step {step} (window in the state area)")


@lowering("SignalOverlapAdd", custom=True)
def lower_overlap_add(op, ctx):
    """OVERLAP_ADD (int16 saturating, float32): input [..., frames, frame_size] -> output [..., frames * frame_step];
    TFLM's per-row buffer of frame_size values is state in the static state area (Reset zeroes it)."""
    (x,), (y,) = _io(op, ctx, 1, 1)
    options = _options(op, ("T", "frame_step"))
    code, step = _int_option(options, "T"), _int_option(options, "frame_step")
    dtype = {7: "int16", 0: "float32"}.get(code)
    if dtype is None:
        raise NotLowerable(f"T = {code} (TFLM's OVERLAP_ADD takes int16, float32)")
    _require(x, dtype)
    _require(y, dtype)
    if len(x.shape) < 2:
        raise NotLowerable(f"input {x.shape}: [..., frames, frame_size] expected")
    frames, frame_size = int(x.shape[-2]), int(x.shape[-1])
    rows = x.num_elements // max(frames * frame_size, 1)
    if not 1 <= step <= frame_size or y.num_elements != rows * frames * step:
        raise NotLowerable(f"frame_step {step} with input {x.shape} and output {y.shape}")
    state = Tensor(None, f"op{op.index} overlap buffer", dtype, (rows, frame_size), state=True, reset_byte=0)
    suffix = "s16" if dtype == "int16" else "f32"
    return _step(f"an_signal_overlap_add_{suffix}", (x.operand, rows, frames, frame_size, step, state, y.operand),
                 f"overlap-add of {frames} frame(s) of {frame_size}, step {step} (buffer in the state area)")


@lowering("SignalFramer", custom=True)
def lower_framer(op, ctx):
    """FRAMER: input [..., hops * frame_step] -> output [..., hops, frame_size] and a bool 'valid'; TFLM's per-row
    circular buffer (capacity frame_size rounded up to whole steps, prefilled with frame_size - frame_step zeros
    when ``prefill``) is state in the static state area."""
    (x,), (y, valid) = _io(op, ctx, 1, 2)
    _require(x, "int16")
    _require(y, "int16")
    _require(valid, "bool", 0)
    options = _options(op, ("frame_size", "frame_step", "prefill"))
    size, step = _int_option(options, "frame_size"), _int_option(options, "frame_step")
    prefill = size - step if options["prefill"] else 0
    if not x.shape or len(y.shape) != len(x.shape) + 1 or step < 1 or size < step or int(x.shape[-1]) % step:
        raise NotLowerable(f"frame_size {size}, frame_step {step} with input {x.shape} and output {y.shape}")
    frames = int(x.shape[-1]) // step
    rows = x.num_elements // int(x.shape[-1])
    if y.num_elements != rows * frames * size:
        raise NotLowerable(f"output {y.shape} is not {rows} x {frames} frames of {size}")
    capacity = -(-size // step) * step
    state = Tensor(None, f"op{op.index} framer buffer", "int16", (rows, capacity), state=True, reset_byte=0)
    meta = Tensor(None, f"op{op.index} framer fill", "int32", (rows,), state=True, reset_byte=0)
    params = Params("an_signal_framer_params", {"rows": rows, "frames": frames, "frame_size": size, "step": step,
                                                "capacity": capacity, "prefill": prefill})
    return _step("an_signal_framer_s16", (params, x.operand, state, meta, y.operand, valid.operand),
                 f"framer: {frames} hop(s) of {step} -> frames of {size} (buffer in the state area)")
