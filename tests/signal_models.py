"""Audio front-end models with TFLM's signal library operators (custom operators with flexbuffer
options), written with tests/tflite_builder.py: no TensorFlow, no TFLM tree.

:func:`frontend_model` is the micro_speech audio preprocessor's signal chain (30 ms frames of 16 kHz
int16 audio -> 40 log filter bank channels): WINDOW (Hann, Q12) -> FFT_AUTO_SCALE -> RFFT (512) ->
ENERGY -> FILTER_BANK (mel, 125..7500 Hz) -> FILTER_BANK_SQUARE_ROOT -> SPECTRAL_SUBTRACTION (state
between frames) -> PCAN -> FILTER_BANK_LOG, with the micro_speech example's option values; the
filter bank and gain tables are computed here (mel spacing, PCAN's gain curve), not copied.
:func:`audio_frames` makes test audio: tones and noise at several levels.
"""

from __future__ import annotations

import math

import numpy as np
from flatbuffers import flexbuffers

from tflite_builder import ModelBuilder

SAMPLE_RATE = 16000


def _custom(b, code, inputs, outputs, **options):
    b.op("CUSTOM", inputs, outputs, custom_code=code,
         options=bytes(flexbuffers.Dumps(options)) if options else b"")


def hann_q12(length: int) -> np.ndarray:
    n = np.arange(length)
    return np.round(4096 * (0.5 - 0.5 * np.cos(2 * np.pi * (n + 0.5) / length))).astype(np.int16)


def mel_filter_bank(channels: int, fft_length: int, low_hz: float, high_hz: float):
    """``(start bin, end bin, weights, unweights, frequency starts, weight starts, widths)`` of a mel filter
    bank in TFLM's layout: row c (0..channels) holds the bins between mel centres c-1 and c; a bin's
    weight (Q12) goes to channel c-1's sum, its unweight (4096 - weight) to channel c's."""
    def mel(f):
        return 1127.0 * math.log1p(f / 700.0)

    hz_per_bin = SAMPLE_RATE / fft_length
    start_bin = int(math.ceil(low_hz / hz_per_bin))
    end_bin = int(high_hz / hz_per_bin) + 1
    edges = np.linspace(mel(low_hz), mel(high_hz), channels + 2)
    weights, unweights, freq_starts, weight_starts, widths = [], [], [], [], []
    bins = np.arange(start_bin, end_bin)
    bin_mel = np.array([mel(b * hz_per_bin) for b in bins])
    for row in range(channels + 1):
        lo, hi = edges[row], edges[row + 1]
        inside = bins[(bin_mel >= lo) & (bin_mel < hi)]
        if inside.size == 0:
            inside = bins[np.argmin(np.abs(bin_mel - lo)):][:1]
        freq_starts.append(int(inside[0]))
        weight_starts.append(len(weights))
        widths.append(int(inside.size))
        for b in inside:
            w = int(round(4096 * (hi - mel(b * hz_per_bin)) / (hi - lo)))
            w = min(max(w, 0), 4096)
            weights.append(w)
            unweights.append(4096 - w)
    as16 = [np.array(v, dtype=np.int16) for v in (weights, unweights, freq_starts, weight_starts, widths)]
    return (start_bin, end_bin, *as16)


def pcan_gain_table(strength=0.95, offset=80.0, gain_bits=21, noise_bits=7, entries=125) -> np.ndarray:
    """PCAN's gain curve gain(x) = (x / 2^noise_bits + offset)^-strength * 2^gain_bits (x: the noise
    estimate) as TFLM's table: gain(0), gain(1), gain(2), then per power of two 2^(i-1)
    (i = 2..32) the quadratic's value, slope and curvature over the octave (Q15-scaled by TFLM's
    interpolation in WideDynamicFunction)."""
    def gain(x):
        return min(32767.0, (x / 2.0**noise_bits + offset) ** -strength * 2.0**gain_bits)

    table = np.zeros(entries, dtype=np.int64)
    table[:3] = [round(gain(x)) for x in range(3)]
    for interval in range(2, 33):
        base = 4 * interval - 6
        if base + 2 >= entries:
            break
        x0 = 2.0 ** (interval - 1)
        y0, y1, y2 = gain(x0), gain(x0 * 1.5), gain(x0 * 2)
        a1 = 4 * y1 - 3 * y0 - y2   # slope over the octave
        a2 = 2 * (y2 + y0) - 4 * y1  # curvature
        table[base:base + 3] = [round(y0), round(a1), round(a2)]
    return np.clip(table, -32768, 32767).astype(np.int16)


def _spectrum_energy(b, windowed, frame, fft_length, channels, low_hz, high_hz):
    """FFT_AUTO_SCALE -> RFFT -> ENERGY of the windowed int16[frame] audio: (the scale shift, the int16 spectrum,
    the uint32 energy bins, the mel filter bank's first and end bins, its five int16 tables)."""
    scaled = b.tensor("scaled", (frame,), "int16")
    shift = b.tensor("scale_bits", (), "int32")
    _custom(b, "SignalFftAutoScale", [windowed], [scaled, shift])
    spectrum = b.tensor("spectrum", (fft_length + 2,), "int16")
    _custom(b, "SignalRfft", [scaled], [spectrum], T=7, fft_length=fft_length)
    start, end, *tables = mel_filter_bank(channels, fft_length, low_hz, high_hz)
    energy = b.tensor("energy", (fft_length // 2 + 1,), "uint32")
    _custom(b, "SignalEnergy", [spectrum], [energy], end_index=end, start_index=start)
    return shift, spectrum, energy, start, end, tables


def _log_filter_bank(b, energy, shift, tables, channels):
    """FILTER_BANK (the mel ``tables``) -> FILTER_BANK_SQUARE_ROOT (by the FFT's scale ``shift``) ->
    SPECTRAL_SUBTRACTION -> PCAN -> FILTER_BANK_LOG of the uint32 ``energy`` bins: the int16 log filter bank."""
    tables = [b.tensor(name, values.shape, "int16", data=values.astype(np.int16).tobytes()) for name, values in zip(
        ("fb_weights", "fb_unweights", "fb_frequency_starts", "fb_weight_starts", "fb_widths"), tables)]
    fb = b.tensor("filter_bank", (channels,), "uint64")
    _custom(b, "SignalFilterBank", [energy, *tables], [fb], num_channels=channels)
    root = b.tensor("filter_bank_root", (channels,), "uint32")
    _custom(b, "SignalFilterBankSquareRoot", [fb, shift], [root])
    cleaned = b.tensor("noise_subtracted", (channels,), "uint32")
    noise = b.tensor("noise_estimate", (channels,), "uint32")
    _custom(b, "SignalFilterBankSpectralSubtraction", [root], [cleaned, noise],
            alternate_one_minus_smoothing=15401, alternate_smoothing=983, clamping=False,
            min_signal_remaining=819, num_channels=channels, one_minus_smoothing=15975, smoothing=409,
            smoothing_bits=10, spectral_subtraction_bits=14)
    gains = pcan_gain_table()
    gains = b.tensor("pcan_gains", gains.shape, "int16", data=gains.tobytes())
    agc = b.tensor("pcan", (channels,), "uint32")
    _custom(b, "SignalPCAN", [cleaned, noise, gains], [agc], snr_shift=6)
    log = b.tensor("log_filter_bank", (channels,), "int16")
    _custom(b, "SignalFilterBankLog", [agc], [log], input_correction_bits=3, output_scale=64)
    return log


def frontend_model(frame=480, fft_length=512, channels=40, low_hz=125.0, high_hz=7500.0, rfft_output=True):
    """The micro_speech front end's signal chain as one model: input int16[frame]; outputs the log
    filter bank int16[channels] (and the RFFT's int16 spectrum when ``rfft_output``)."""
    b = ModelBuilder()
    x = b.tensor("audio_frame", (frame,), "int16")
    win = b.tensor("window_weights", (frame,), "int16", data=hann_q12(frame).tobytes())
    windowed = b.tensor("windowed", (frame,), "int16")
    _custom(b, "SignalWindow", [x, win], [windowed], shift=12)
    shift, spectrum, energy, _start, _end, tables = _spectrum_energy(b, windowed, frame, fft_length, channels,
                                                                     low_hz, high_hz)
    log = _log_filter_bank(b, energy, shift, tables, channels)
    return b.build(inputs=[x], outputs=[log, spectrum] if rfft_output else [log])


def micro_speech_frontend_model(frame=480, fft_length=512, channels=40, low_hz=125.0, high_hz=7500.0,
                                features="int8"):
    """The micro_speech example's audio preprocessor graph as its converter writes it (every operator and
    type of TFLM's audio_preprocessor_int8.tflite): int16[1, frame] audio -> int8[channels] features.
    Around the signal chain: RESHAPE; the energy's unwritten bins zeroed by CAST (uint32 -> int32),
    STRIDED_SLICE, CONCATENATION with zeros, CAST back; after the log: CAST to int32, ``(x * 256 + 333)
    / 666 - 128`` (MUL, ADD, DIV toward zero, ADD), clamped by MINIMUM / MAXIMUM, CAST to int8.
    ``features="float32"``: the tail of TFLM's audio_preprocessor_float.tflite instead: the log filter bank
    CAST to float32 and multiplied by the float32 scalar 0.0390625 (= 10 / 256: the features in float)."""
    b = ModelBuilder()

    def const(name, values, dtype="int32"):
        values = np.asarray(values, dtype=dtype)
        return b.tensor(name, values.shape, dtype, data=values.tobytes())

    x = b.tensor("audio_frame", (1, frame), "int16")
    win = const("window_weights", hann_q12(frame), "int16")
    windowed = b.tensor("windowed", (1, frame), "int16")
    _custom(b, "SignalWindow", [x, win], [windowed], shift=12)
    flat = b.tensor("windowed_flat", (frame,), "int16")
    b.op("RESHAPE", [windowed, const("flat_shape", [frame])], [flat])
    shift, _spectrum, energy, start, end, tables = _spectrum_energy(b, flat, frame, fft_length, channels, low_hz,
                                                                    high_hz)
    bins = fft_length // 2 + 1
    energy32 = b.tensor("energy_int32", (bins,), "int32")
    b.op("CAST", [energy], [energy32])
    kept = b.tensor("energy_kept", (end - start,), "int32")
    b.op("STRIDED_SLICE", [energy32, const("begin", [start]), const("end", [end]), const("strides", [1])], [kept],
         options={"type": "strided_slice"})
    joined = b.tensor("energy_zeroed", (bins,), "int32")
    b.op("CONCATENATION", [const("zeros_head", np.zeros(start)), kept, const("zeros_tail", np.zeros(bins - end))],
         [joined], options={"type": "concatenation", "axis": 0})
    energy_u = b.tensor("energy_uint32", (bins,), "uint32")
    b.op("CAST", [joined], [energy_u])
    log = _log_filter_bank(b, energy_u, shift, tables, channels)
    if features == "float32":
        as_float = b.tensor("log_float", (channels,), "float32")
        b.op("CAST", [log], [as_float])
        out = b.tensor("features", (channels,), "float32")
        b.op("MUL", [as_float, const("feature_scale", np.float32(0.0390625), "float32")], [out], options={"type": "mul"})
        return b.build(inputs=[x], outputs=[out])
    value = b.tensor("log_int32", (channels,), "int32")
    b.op("CAST", [log], [value])
    for k, (name, operand, options) in enumerate((("MUL", 256, {"type": "mul"}), ("ADD", 333, {"type": "add"}),
                                                   ("DIV", 666, {"type": "div"}), ("ADD", -128, {"type": "add"}),
                                                   ("MINIMUM", 127, None), ("MAXIMUM", -128, None))):
        out = b.tensor(f"feature_{k}", (channels,), "int32")
        b.op(name, [value, const(f"{name.lower()}_{k}", operand)], [out], options=options)
        value = out
    features = b.tensor("features", (channels,), "int8")
    b.op("CAST", [value], [features])
    return b.build(inputs=[x], outputs=[features])


def rfft_model(dtype="int16", fft_length=512, input_shape=(480,)):
    """One RFFT operator: input ``input_shape`` (frames in the leading dimensions), fft_length zero-padded."""
    code = {"int16": 7, "int32": 2, "float32": 0}[dtype]
    b = ModelBuilder()
    x = b.tensor("signal", tuple(input_shape), dtype)
    y = b.tensor("spectrum", (*input_shape[:-1], fft_length + 2), dtype)
    _custom(b, "SignalRfft", [x], [y], T=code, fft_length=fft_length)
    return b.build(inputs=[x], outputs=[y])


def irfft_model(dtype="int16", fft_length=512, frames=()):
    """One IRFFT operator: ``frames`` leading dimensions of N/2 + 1 complex inputs -> N real outputs each."""
    code = {"int16": 7, "int32": 2, "float32": 0}[dtype]
    b = ModelBuilder()
    x = b.tensor("spectrum", (*frames, fft_length + 2), dtype)
    y = b.tensor("signal", (*frames, fft_length), dtype)
    _custom(b, "SignalIrfft", [x], [y], T=code, fft_length=fft_length)
    return b.build(inputs=[x], outputs=[y])


def audio_frames(count: int, frame=480, seed=0, dtype=np.int16) -> list:
    """``count`` one-input samples: tones, chirps and noise from near silence to full scale (and some
    all-zero and extreme frames), as consecutive frames of one recording would vary."""
    rng = np.random.default_rng(seed)
    t = np.arange(frame) / SAMPLE_RATE
    out = []
    for i in range(count):
        level = 10.0 ** rng.uniform(-4.3, 0.0) * 32767
        kind = i % 5
        if kind == 0:
            x = np.sin(2 * np.pi * rng.uniform(100, 7900) * t + rng.uniform(0, 6.3))
        elif kind == 1:
            x = rng.standard_normal(frame) / 3
        elif kind == 2:
            f0, f1 = rng.uniform(50, 4000, 2)
            x = np.sin(2 * np.pi * (f0 + (f1 - f0) * t / t[-1] / 2) * t)
        elif kind == 3:
            x = 0.5 * np.sin(2 * np.pi * rng.uniform(200, 1000) * t) + 0.5 * rng.standard_normal(frame) / 3
        else:
            x = rng.uniform(-1, 1, frame)
        v = np.clip(np.round(x * level), -32768, 32767)
        if i % 23 == 11:
            v = np.zeros(frame)
        if i % 29 == 13:
            v = np.where(np.arange(frame) % 2, 32767, -32768)
        out.append([v.astype(dtype)])
    return out


def _one_op(code, inputs, outputs, **options):
    """One signal operator: ``inputs``/``outputs`` as (name, shape, dtype[, constant values])."""
    b = ModelBuilder()

    def make(spec):
        name, shape, dtype, *values = spec
        data = np.asarray(values[0], dtype=dtype).tobytes() if values else None
        return b.tensor(name, shape, dtype, data=data)

    ins, outs = [make(s) for s in inputs], [make(s) for s in outputs]
    _custom(b, code, ins, outs, **options)
    return b.build(inputs=[i for i, s in zip(ins, inputs) if len(s) == 3], outputs=outs)


def signal_row_models() -> dict:
    """One single-operator model per (signal operator, type combination) of the support table."""
    models = {
        ("SignalWindow", "int16 -> int16"): lambda: _one_op(
            "SignalWindow", [("x", (8,), "int16"), ("w", (4,), "int16", [1, 2, 3, 4])], [("y", (8,), "int16")],
            shift=1),
        ("SignalFftAutoScale", "int16 -> int16"): lambda: _one_op(
            "SignalFftAutoScale", [("x", (8,), "int16")], [("y", (8,), "int16"), ("s", (), "int32")]),
        # (all bins: TFLM leaves the others unwritten, whatever its arena held)
        ("SignalEnergy", "int16 -> uint32"): lambda: _one_op(
            "SignalEnergy", [("x", (10,), "int16")], [("y", (5,), "uint32")], end_index=5, start_index=0),
        ("SignalFilterBank", "uint32 -> uint64"): lambda: _one_op(
            "SignalFilterBank", [("x", (6,), "uint32"), ("w", (4,), "int16", [1, 2, 3, 4]),
                                 ("u", (4,), "int16", [3, 2, 1, 0]), ("f", (3,), "int16", [0, 1, 3]),
                                 ("ws", (3,), "int16", [0, 1, 3]), ("n", (3,), "int16", [1, 2, 1])],
            [("y", (2,), "uint64")], num_channels=2),
        ("SignalFilterBankSquareRoot", "uint64 -> uint32"): lambda: _one_op(
            "SignalFilterBankSquareRoot", [("x", (4,), "uint64"), ("s", (), "int32")], [("y", (4,), "uint32")]),
        ("SignalFilterBankSpectralSubtraction", "uint32 -> uint32"): lambda: _one_op(
            "SignalFilterBankSpectralSubtraction", [("x", (4,), "uint32")],
            [("y", (4,), "uint32"), ("n", (4,), "uint32")], alternate_one_minus_smoothing=15401,
            alternate_smoothing=983, clamping=True, min_signal_remaining=819, num_channels=4,
            one_minus_smoothing=15975, smoothing=409, smoothing_bits=10, spectral_subtraction_bits=14),
        ("SignalPCAN", "uint32 -> uint32"): lambda: _one_op(
            "SignalPCAN", [("x", (4,), "uint32"), ("n", (4,), "uint32"), ("g", (125,), "int16", pcan_gain_table())],
            [("y", (4,), "uint32")], snr_shift=6),
        ("SignalFilterBankLog", "uint32 -> int16"): lambda: _one_op(
            "SignalFilterBankLog", [("x", (4,), "uint32")], [("y", (4,), "int16")], input_correction_bits=3,
            output_scale=64),
    }
    models[("SignalDelay", "int16 -> int16")] = lambda: _one_op(
        "SignalDelay", [("x", (3, 10), "int16")], [("y", (3, 10), "int16")], delay_length=7)
    models[("SignalStacker", "int16 -> int16")] = lambda: _one_op(
        "SignalStacker", [("x", (4,), "int16")], [("y", (4 * 5,), "int16"), ("valid", (), "bool")], num_channels=4,
        stacker_left_context=3, stacker_right_context=1, stacker_step=2)
    models[("SignalFramer", "int16 -> int16")] = lambda: _one_op(
        "SignalFramer", [("x", (2, 8), "int16")], [("y", (2, 2, 10), "int16"), ("valid", (), "bool")],
        frame_size=10, frame_step=4, prefill=True)
    for dtype, code in (("int16", 7), ("float32", 0)):
        models[("SignalOverlapAdd", f"{dtype} -> {dtype}")] = lambda d=dtype, c=code: _one_op(
            "SignalOverlapAdd", [("x", (2, 3, 8), d)], [("y", (2, 9), d)], T=c, frame_step=3)
    for dtype in ("int16", "int32", "float32"):
        models[("SignalRfft", f"{dtype} -> {dtype}")] = lambda d=dtype: rfft_model(d, 16, (16,))
        models[("SignalIrfft", f"{dtype} -> {dtype}")] = lambda d=dtype: irfft_model(d, 16)
    return models
