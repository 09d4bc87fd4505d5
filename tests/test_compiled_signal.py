"""TFLM's signal library in the compiled runtime: the audio front end (WINDOW, FFT_AUTO_SCALE, RFFT,
ENERGY, FILTER_BANK, FILTER_BANK_SQUARE_ROOT, FILTER_BANK_SPECTRAL_SUBTRACTION, PCAN, FILTER_BANK_LOG)
as custom operators with flexbuffer options, compiled C (host cc) against the tflite-micro interpreter.

The front end keeps a noise estimate between invocations (spectral subtraction): every model runs as one
sequence of invocations by both, and the whole sequence is compared byte for byte (with resets too).
The RFFT is compared alone as well (its int16 spectrum is a model output, and int16/int32/float32
RFFTs of lengths whose halves factor into every radix kissfft has: 4, 2, 3, 5).
"""

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tflite_builder import ModelBuilder  # noqa: E402

from signal_models import audio_frames, frontend_model, micro_speech_frontend_model, rfft_model  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler (cc)")


def test_frontend_sequence_matches_tflm():
    """150 consecutive frames of test audio (tones, noise, silence, full-scale) and 100 random frames: the
    log filter bank and the RFFT spectrum equal TFLM's; with resets every 25 frames too."""
    from codegen.compiled.host import assert_matches_tflm
    from converter.tflite_model import load_model

    model = load_model(frontend_model())
    frames = audio_frames(150, seed=1)
    assert assert_matches_tflm(model, samples=frames) == 150
    assert assert_matches_tflm(model, samples=frames[:75], reset_every=25) == 75
    assert assert_matches_tflm(model, count=100, seed=2) == 100


def test_micro_speech_preprocessor_graph_matches_tflm():
    """The micro_speech example's whole audio preprocessor graph (the signal chain plus its CAST uint32 <->
    int32 views, STRIDED_SLICE, int32 CONCATENATION with zeros, int32 MUL/ADD/DIV/MINIMUM/MAXIMUM, CAST to
    int8): 150 consecutive frames and 100 random ones equal TFLM's int8 features byte for byte."""
    from codegen.compiled.host import assert_matches_tflm
    from converter.tflite_model import load_model

    model = load_model(micro_speech_frontend_model())
    frames = [[f[0].reshape(1, 480)] for f in audio_frames(150, seed=4)]
    assert assert_matches_tflm(model, samples=frames) == 150
    assert assert_matches_tflm(model, count=100, seed=5) == 100


def test_micro_speech_float_preprocessor_graph_matches_tflm():
    """The float variant of the micro_speech preprocessor (TFLM's audio_preprocessor_float.tflite: the same signal
    chain, then CAST int16 -> float32 and MUL by 0.0390625): 150 consecutive frames, 100 random ones and a
    sequence with resets equal TFLM's float32 features bit for bit."""
    from codegen.compiled.host import assert_matches_tflm
    from converter.tflite_model import load_model

    model = load_model(micro_speech_frontend_model(features="float32"))
    assert [t.dtype for t in (model.main_subgraph.tensor(i) for i in model.main_subgraph.outputs)] == ["float32"]
    frames = [[f[0].reshape(1, 480)] for f in audio_frames(150, seed=6)]
    assert assert_matches_tflm(model, samples=frames) == 150
    assert assert_matches_tflm(model, count=100, seed=7) == 100
    assert assert_matches_tflm(model, samples=frames[:60], reset_every=20) == 60


@pytest.mark.parametrize("dtype", ["int16", "int32", "float32"])
def test_concatenation_of_wide_types_matches_tflm(dtype):
    """CONCATENATION of int16/int32/float32 (bytes copied, a constant among the inputs), along axis 1."""
    from codegen.compiled.host import assert_matches_tflm
    from converter.tflite_model import load_model

    b = ModelBuilder()
    x0 = b.tensor("x0", (2, 3), dtype)
    c = b.tensor("c", (2, 2), dtype, data=np.arange(4).astype(dtype).tobytes())
    x1 = b.tensor("x1", (2, 1), dtype)
    y = b.tensor("y", (2, 6), dtype)
    b.op("CONCATENATION", [x0, c, x1], [y], options={"type": "concatenation", "axis": 1})
    assert assert_matches_tflm(load_model(b.build(inputs=[x0, x1], outputs=[y])), count=100) == 100


def test_frontend_outputs_are_not_trivial():
    """The test audio exercises the chain: most frames give non-zero channels, and the noise estimate (the
    state) changes the outputs: the same frames after a reset each time give other values."""
    from codegen.compiled.host import run_on_host_batch
    from converter.tflite_model import load_model

    model = load_model(frontend_model(rfft_output=False))
    frames = audio_frames(30, seed=3)
    carried = np.array([o[0] for o in run_on_host_batch(model, frames)])
    fresh = np.array([o[0] for o in run_on_host_batch(model, frames, reset_every=1)])
    assert (carried != 0).mean() > 0.1 and len({int(v) for v in carried.reshape(-1)}) > 50
    assert not np.array_equal(carried[1:], fresh[1:])


def test_frontend_state_area_and_reset():
    """The noise estimate lives in the static state area (40 uint32), cleared by model_reset()."""
    from codegen.compiled.generate import compile_model
    from converter.tflite_model import load_model

    compiled = compile_model(load_model(frontend_model()))
    assert compiled.state_bytes == 40 * 4
    model_c = compiled.files["model.c"]
    assert "an_signal_spectral_subtraction(" in model_c and "an_rfft_s16(" in model_c
    assert "int model_reset(void)" in model_c


@pytest.mark.parametrize("dtype,fft_length,shape", [
    ("int16", 512, (480,)),        # 256 = 4^4: micro_speech's FFT
    ("int16", 256, (2, 200)),      # 128 = 4^3 x 2, two frames
    ("int16", 480, (3, 480)),      # 240 = 4 x 4 x 3 x 5
    ("int16", 36, (30,)),          # 18 = 2 x 3 x 3
    ("int16", 40, (40,)),          # 20 = 4 x 5
    ("int32", 512, (400,)),
    ("int32", 120, (2, 100)),      # 60 = 4 x 3 x 5
    ("float32", 512, (480,)),
    ("float32", 240, (2, 240)),    # 120 = 4 x 2 x 3 x 5
])
def test_rfft_matches_tflm(dtype, fft_length, shape):
    """Every radix and both fixed-point scalar types equal TFLM's kissfft bit for bit; float32 bit for bit too
    (the same order of operations, no fused multiply-adds).  Random full-range inputs and quiet ones."""
    from codegen.compiled.host import assert_matches_tflm, random_samples
    from converter.tflite_model import load_model

    model = load_model(rfft_model(dtype, fft_length, shape))
    samples = random_samples(model, 60, seed=fft_length)
    rng = np.random.default_rng(5)
    for k in range(40):  # quiet and structured inputs too (fixed point: small values round differently)
        level = 10.0 ** rng.uniform(-4, 0)
        x = np.sin(np.arange(np.prod(shape)) * rng.uniform(0.01, 3)).reshape(shape) * level
        if dtype == "int16":
            x = np.round(x * 32767).astype(np.int16)
        elif dtype == "int32":
            x = np.round(x * 2147483647.0).astype(np.int32)
        else:
            x = (x * 1000).astype(np.float32)
        samples.append([x])
    assert assert_matches_tflm(model, samples=samples) == 100


def test_rfft_refuses_what_tflm_cannot_run():
    """N/2 with a prime factor above 5 (kissfft's generic butterfly allocates, which TFLM's build cannot):
    refused by name, and so are options other than TFLM's keys."""
    from codegen.compiled.lower import unsupported_reasons
    from converter.tflite_model import load_model

    text = "; ".join(unsupported_reasons(load_model(rfft_model("int16", 28, (28,)))))
    assert "SignalRfft" in text and "prime factor above 5" in text, text

    from signal_models import _custom
    b = ModelBuilder()
    x = b.tensor("x", (8,), "int16")
    y = b.tensor("y", (8,), "int16")
    w = b.tensor("w", (8,), "int16", data=np.ones(8, np.int16).tobytes())
    _custom(b, "SignalWindow", [x, w], [y], shift=1, extra=2)
    text = "; ".join(unsupported_reasons(load_model(b.build(inputs=[x], outputs=[y]))))
    assert "SignalWindow" in text and "reads exactly ['shift']" in text, text


def test_rfft_plan_is_kissfft_factorisation():
    from codegen.compiled.ops.signal import first_stage_order, kissfft_factors, log_correction_table

    assert kissfft_factors(256) == [(4, 64), (4, 16), (4, 4), (4, 1)]
    assert kissfft_factors(240) == [(4, 60), (4, 15), (3, 5), (5, 1)]
    assert kissfft_factors(18) == [(2, 9), (3, 3), (3, 1)]
    assert kissfft_factors(14) == [(2, 7), (7, 1)]
    # 4 x 2: the radix-4 stage's four blocks of two read points j, j + 4 (every 4th point from j)
    assert first_stage_order(8, kissfft_factors(8)) == [0, 4, 1, 5, 2, 6, 3, 7]
    table = log_correction_table()
    assert table.size == 129 and table[0] == 0 and table[128] == 0 and table[64] == 5568


def test_check_shows_the_front_end_compiled(tmp_path, cli):
    path = tmp_path / "frontend.tflite"
    path.write_bytes(frontend_model(rfft_output=False))
    text = cli("check", str(path)).stdout
    for name in ("SignalWindow", "SignalRfft", "SignalFilterBankSpectralSubtraction", "SignalPCAN"):
        row = next(line for line in text.splitlines() if name in line)
        assert row.rstrip().endswith("ok"), row
    assert "NOT SUPPORTED by the compiled runtime" not in text


# STACKER and FRAMER: their outputs are defined only where TFLM writes them (test_stacker_matches_tflm,
# test_framer_matches_tflm compare those)
@pytest.mark.parametrize("key", [k for k in __import__("signal_models").signal_row_models()
                                 if k[0] not in ("SignalStacker", "SignalFramer")], ids=lambda k: k[0])
def test_each_signal_operator_on_random_inputs(key):
    """Each operator alone on 100 full-range random inputs (the square root's shift in [0, 20]): the same
    bytes as TFLM, a 100-invocation sequence (spectral subtraction's state included)."""
    from signal_models import signal_row_models

    from codegen.compiled.host import assert_matches_tflm, random_samples
    from converter.tflite_model import load_model

    model = load_model(signal_row_models()[key]())
    samples = random_samples(model, 100, seed=11)
    if key[0] == "SignalFilterBankSquareRoot":
        rng = np.random.default_rng(12)  # every magnitude: the 32-bit path below 2^32, the 64-bit one above
        samples = [[x >> rng.integers(0, 64, x.shape).astype(np.uint64), np.int32(abs(int(s)) % 21)]
                   for x, s in samples]
    assert assert_matches_tflm(model, samples=samples) == 100


@pytest.mark.parametrize("dtype,fft_length,frames", [
    ("int16", 512, ()), ("int16", 480, (2,)), ("int16", 36, ()), ("int32", 256, ()), ("int32", 120, (2,)),
    ("float32", 512, ()), ("float32", 240, (3,))])
def test_irfft_matches_tflm(dtype, fft_length, frames):
    """IRFFT (kiss_fftri: the inverse split, the inverse radix-4 butterfly, inverse twiddles) on 100 random
    spectra per case, every radix: the same bytes as TFLM (float32 bit for bit)."""
    from signal_models import irfft_model

    from codegen.compiled.host import assert_matches_tflm, random_samples
    from converter.tflite_model import load_model

    model = load_model(irfft_model(dtype, fft_length, frames))
    samples = random_samples(model, 100, seed=fft_length)
    if dtype == "float32":
        samples = [[(s[0] * 100).astype(np.float32)] for s in samples]
    assert assert_matches_tflm(model, samples=samples) == 100


def _assert_valid_frames_match(model, samples, at_least: int):
    """A stateful framing operator (outputs: the frame, its valid flag) on the host and in tflite-micro, the whole
    sequence and again with both reset every 25 samples: the same valid flags, the same frames where valid, and at
    least ``at_least`` valid ones in each run."""
    from codegen.compiled.host import run_on_host_batch, run_tflm_batch

    for reset_every in (0, 25):
        ours = run_on_host_batch(model, samples, reset_every=reset_every)
        ref = run_tflm_batch(model, samples, reset_every=reset_every)
        valid_count = 0
        for k, ((y, v), (ry, rv)) in enumerate(zip(ours, ref)):
            assert bool(v) == bool(rv), (k, bool(v), bool(rv))
            if bool(rv):
                valid_count += 1
                assert np.array_equal(y, ry), k
        assert valid_count >= at_least


@pytest.mark.parametrize("left,right,step", [(3, 1, 2), (0, 0, 1), (2, 2, 5), (1, 0, 1)])
def test_stacker_matches_tflm(left, right, step):
    """STACKER over 60 consecutive frames, with resets every 25: the 'valid' flag equals TFLM's at every
    invocation and the stacked window wherever it is valid (TFLM leaves the output unwritten otherwise)."""
    from signal_models import _one_op

    from codegen.compiled.host import random_samples
    from converter.tflite_model import load_model

    channels = 4
    model = load_model(_one_op("SignalStacker", [("x", (channels,), "int16")],
                               [("y", (channels * (left + right + 1),), "int16"), ("valid", (), "bool")],
                               num_channels=channels, stacker_left_context=left, stacker_right_context=right,
                               stacker_step=step))
    samples = random_samples(model, 60, seed=left + 7 * step)
    _assert_valid_frames_match(model, samples, at_least=11)


@pytest.mark.parametrize("frame,delay", [(10, 7), (4, 13), (5, 5)])
def test_delay_sequence_with_resets_matches_tflm(frame, delay):
    """DELAY over 60 consecutive invocations (a delay longer and shorter than the frame), with and without
    resets every 20: the same sequence as TFLM's (zeros first, again after each reset)."""
    from signal_models import _one_op

    from codegen.compiled.host import assert_matches_tflm
    from converter.tflite_model import load_model

    model = load_model(_one_op("SignalDelay", [("x", (2, frame), "int16")], [("y", (2, frame), "int16")],
                               delay_length=delay))
    assert assert_matches_tflm(model, count=60, seed=frame) == 60
    assert assert_matches_tflm(model, count=60, seed=frame, reset_every=20) == 60


@pytest.mark.parametrize("dtype,shape,step", [("int16", (2, 3, 8), 3), ("int16", (1, 16), 16),
                                              ("float32", (3, 2, 10), 4)])
def test_overlap_add_sequence_with_resets_matches_tflm(dtype, shape, step):
    """OVERLAP_ADD over 60 consecutive invocations (int16 saturating at full-scale inputs), with resets every 20."""
    from signal_models import _one_op

    from codegen.compiled.host import assert_matches_tflm
    from converter.tflite_model import load_model

    code = 7 if dtype == "int16" else 0
    out = (*shape[:-2], shape[-2] * step)
    model = load_model(_one_op("SignalOverlapAdd", [("x", shape, dtype)], [("y", out, dtype)], T=code, frame_step=step))
    assert assert_matches_tflm(model, count=60, seed=step) == 60
    assert assert_matches_tflm(model, count=60, seed=step, reset_every=20) == 60


@pytest.mark.parametrize("size,step,hops,prefill", [(10, 4, 2, True), (10, 4, 1, False), (6, 6, 3, False),
                                                    (7, 2, 1, True)])
def test_framer_matches_tflm(size, step, hops, prefill):
    """FRAMER over 60 consecutive invocations, with resets every 25: the 'valid' flag equals TFLM's every time
    and the frames wherever valid (TFLM leaves an invalid frame unwritten)."""
    from signal_models import _one_op

    from codegen.compiled.host import random_samples
    from converter.tflite_model import load_model

    model = load_model(_one_op("SignalFramer", [("x", (2, hops * step), "int16")],
                               [("y", (2, hops, size), "int16"), ("valid", (), "bool")],
                               frame_size=size, frame_step=step, prefill=prefill))
    samples = random_samples(model, 60, seed=size + step)
    _assert_valid_frames_match(model, samples, at_least=41)


def test_report_both_runtimes_on_the_audio_front_end(cli, tmp_path):
    """report --runtime both on the micro_speech preprocessor: TFLM's arena (the estimator models the signal
    library's operators; tests/test_arena_ops.py checks it against the interpreter) beside the compiled runtime's."""
    import json

    from converter.tflm.arena import estimate_arena

    data = micro_speech_frontend_model()
    path = tmp_path / "audio_preprocessor_int8.tflite"
    path.write_bytes(data)
    for kernels in ("cmsis-nn", "reference"):
        result = cli("report", path, "--runtime", "both", "--kernels", kernels, "--json")
        assert result.exit_code == 0, result.output
        runtimes = json.loads(result.stdout)["runtimes"]
        assert runtimes["tflm"]["supported"] and runtimes["compiled"]["supported"], runtimes
        expected = estimate_arena(data, pointer_bytes=4, kernels=kernels).required_bytes
        assert runtimes["tflm"]["ram"]["arena"] == expected
        assert runtimes["compiled"]["ram"]["arena"] < expected
    text = cli("report", path, "--runtime", "both").stdout
    row = next(line for line in text.splitlines() if line.strip().startswith("RAM: arena"))
    assert len(row.split()) == 4, row  # both columns filled
