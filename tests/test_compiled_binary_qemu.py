"""int8 ADD, SUB and MUL on QEMU, every path of an_binary.c against the tflite-micro interpreter.

Each case is one operator on the model's input and a constant operand, built three times: the
Cortex-M4 DSP kernels (SMMULR, SSAT, SXTB16/SADD16/SMULBB, four bytes per load), the plain-C
kernels (-DAN_NO_DSP) on the same core, and the Helium kernels on the Cortex-M55 (VRMULH,
table gathers, VMULLB/VMULLT).  The 4096-element cases cover every (input, constant) byte pair
in 16 samples (the constant holds each byte 16 times; sample i the bytes 16i..16i+15, each 256
times); the odd-sized ones (105 elements: the tails after blocks of four and eight) and the
broadcast one (the generic walk) take 100 random samples.  Scales reach the requantization's
edges: ADD's output shift 0 and 24, MUL's right shift 25 (beyond the DSP paths' offset-in-rounding
form), MUL's left shifts 1, 4, 14 and 16 (the an_requantize fallback), saturating outputs, RELU.
The "affine" cases have calibrated-looking scales whose ADD/SUB generation time proves affine in the
two bytes (an_add_affine_s8: SMLAWB/SMLAWT, SSAT; eight, four, then one element at a time): every
pair, the activation's clamp (SSUB8/SEL), an odd size (45: 8 + 4 + 1 paths, with and without the clamp) and a
broadcast.
The "gate" cases are MUL as an attention condenser uses it (a feature map times a LOGISTIC output, scale
1/256, zero point -128; output multiplier below one: an_mul2_run's SADD16 doubling, SMMLAR with the
sign term, ASR, SSAT; e 4-11 by SSAT's own shift): every pair with and without the clamp, output shifts of 0
(no rounding), 3, 7, 11 and 17, 45 (with and without the clamp: the eight-a-pass asm loop, a block of four, one).
The "logistic" cases are the gate's LOGISTIC (an_lut_s8: a word of four indices, four table loads, one word
store on DSP cores): every byte, 2,051 elements (blocks of four and a tail of three) and 45.
The "condenser" cases chain an attention condenser's operators as AttendNets use them: MAX_POOL_2D 2x2
stride 2 (an_max4_2x2: eight channels per pass, then four, then one), LOGISTIC, RESIZE_NEAREST_NEIGHBOR
2x (a repeated output row copied whole; pixels by words where the depth is a multiple of four), MUL of
the features by the gate, ADD of the features: 36, 13, 32 and 48 channels (the last two: MAX_POOL's 2x2
asm loop, RESIZE's pixels by LDM/STM), 100 random inputs each.
"""

import numpy as np
import pytest

from tests import compiled_qemu
from tests.tflite_builder import ModelBuilder

pytestmark = pytest.mark.skipif(compiled_qemu.tools_missing() is not None,
                                reason=f"compiled runtime on QEMU: {compiled_qemu.tools_missing()}")

GRID = np.arange(-128, 128, dtype=np.int8)
PAIRS_CONSTANT = np.tile(GRID, 16)
PAIRS_SAMPLES = [[np.repeat(GRID[16 * i:16 * i + 16], 256)] for i in range(16)]


def binary_const_model(op, shape, const, quants, activation="NONE"):
    (s1, z1), (s2, z2), (so, zo) = quants
    b = ModelBuilder()
    x = b.tensor("x", shape, "int8", scale=s1, zero_point=z1)
    c = b.tensor("c", const.shape, "int8", scale=s2, zero_point=z2, data=const.astype(np.int8).tobytes())
    y = b.tensor("y", shape, "int8", scale=so, zero_point=zo)
    b.op(op, [x, c], [y], version=2, options={"type": op.lower(), "activation": activation})
    return b.build(inputs=[x], outputs=[y])


_ODD = np.random.default_rng(3).integers(-128, 128, (1, 5, 7, 3)).astype(np.int8)
_CHANNEL = np.random.default_rng(4).integers(-128, 128, (3,)).astype(np.int8)
_ODD45 = np.random.default_rng(5).integers(-128, 128, (1, 3, 5, 3)).astype(np.int8)
CALIBRATED = [((0.0417, 5), (0.0213, -3), (0.0199, -128)), ((0.0131, 17), (0.0291, -7), (0.0377, 4))]
CASES = {  # name: (op, input shape, constant, quants, activation, pairs)
    "add-pairs": ("ADD", (4096,), PAIRS_CONSTANT, ((0.05, 3), (0.07, -10), (0.1, 0)), "NONE", True),
    "add-pairs-shift0-relu": ("ADD", (4096,), PAIRS_CONSTANT, ((1.0, 0), (1.0, 3), (3.0 / (1 << 20), 0)), "RELU",
                              True),
    # an output shift beyond 22 (e = 24): an_add_run's offset-in-rounding form does not apply
    "add-pairs-shift24": ("ADD", (4096,), PAIRS_CONSTANT, ((0.05, 3), (0.07, -10), (4.0, 100)), "NONE", True),
    "sub-pairs-saturating": ("SUB", (4096,), PAIRS_CONSTANT, ((0.5, -128), (0.5, 127), (0.02, -5)), "NONE", True),
    "mul-pairs-left4": ("MUL", (4096,), PAIRS_CONSTANT, ((0.5, -128), (0.5, 127), (0.02, -5)), "NONE", True),
    "mul-pairs-left14-relu": ("MUL", (4096,), PAIRS_CONSTANT, ((0.5, -128), (0.25, 127), (0.5 / 40000.0, -3)),
                              "RELU", True),
    "mul-pairs-left16": ("MUL", (4096,), PAIRS_CONSTANT, ((1.0, 1), (1.0, -1), (1.0 / 40000.0, 0)), "NONE", True),
    "mul-pairs-right-shift25": ("MUL", (4096,), PAIRS_CONSTANT, ((1e-3, 0), (1e-3, 1), (64.0, -100)), "NONE", True),
    "mul-pairs-right": ("MUL", (4096,), PAIRS_CONSTANT, ((1e-3, 0), (10.0, 1), (8.0, -128)), "NONE", True),
    "add-affine-odd-relu6": ("ADD", (1, 5, 7, 3), _ODD, ((0.0123, 127), (0.0456, -128), (0.006, 127)), "RELU6",
                             False),
    "add-odd-relu6": ("ADD", (1, 5, 7, 3), _ODD, ((0.05, 3), (0.07, -10), (0.1, 0)), "RELU6", False),
    "mul-odd-left1": ("MUL", (1, 5, 7, 3), _ODD, ((0.9, -2), (0.8, 4), (0.6, 9)), "NONE", False),
    "sub-broadcast": ("SUB", (1, 5, 7, 3), _CHANNEL, ((0.05, 3), (0.07, -10), (0.1, 0)), "RELU", False),
    "mul-pairs-gate": ("MUL", (4096,), PAIRS_CONSTANT, ((0.0417, -21), (1 / 256, -128), (0.0389, -28)), "NONE",
                       True),
    "mul-pairs-gate-relu": ("MUL", (4096,), PAIRS_CONSTANT, ((0.0417, 5), (1 / 256, -128), (0.0213, -3)), "RELU",
                            True),
    "mul-pairs-gate-shift0": ("MUL", (4096,), PAIRS_CONSTANT, ((0.5, 3), (0.25, -7), (0.2, 1)), "NONE", True),
    # an_mul2_run's copies for e 4-11 (SSAT's own shift): e 11 (the last copy), e 3 and 17 (the register shift)
    "mul-pairs-gate-shift11": ("MUL", (4096,), PAIRS_CONSTANT, ((0.0417, -21), (1 / 256, -128), (0.476, -28)),
                               "NONE", True),
    "mul-pairs-gate-shift3-saturating": ("MUL", (4096,), PAIRS_CONSTANT,
                                         ((0.0417, -21), (1 / 256, -128), (0.00186, 0)), "NONE", True),
    "mul-pairs-gate-shift17": ("MUL", (4096,), PAIRS_CONSTANT, ((0.0417, -21), (1 / 256, -128), (30.0, -28)),
                               "NONE", True),
    "mul-gate-odd45": ("MUL", (1, 3, 5, 3), _ODD45, ((0.0131, 17), (1 / 256, -128), (0.0097, 4)), "RELU6", False),
    # e 7, the activation all of int8: eight a pass by AN_MUL2_EIGHTS (40), then a block of four and one
    "mul-gate-odd45-full": ("MUL", (1, 3, 5, 3), _ODD45, ((0.0417, -21), (1 / 256, -128), (0.0389, -28)), "NONE",
                            False),
    "add-pairs-affine": ("ADD", (4096,), PAIRS_CONSTANT, CALIBRATED[0], "NONE", True),
    "sub-pairs-affine-relu6": ("SUB", (4096,), PAIRS_CONSTANT, CALIBRATED[1], "RELU6", True),
    "add-affine-odd45-relu": ("ADD", (1, 3, 5, 3), _ODD45, CALIBRATED[1], "RELU", False),
    # the full-range loop: eight a pass by the asm loop (40), then a block of four and one
    "add-affine-odd45": ("ADD", (1, 3, 5, 3), _ODD45, CALIBRATED[0], "NONE", False),
    "add-affine-broadcast": ("ADD", (1, 5, 7, 3), _CHANNEL, CALIBRATED[0], "NONE", False),
}
LUT_CASES = {"logistic-every-byte-2051": ((2051,), (0.0417, -21)), "logistic-odd45": ((1, 3, 5, 3), (0.003, 9))}
BUILDS = {"m4-dsp": dict(core="m4", dsp=True), "m4-plain": dict(core="m4", dsp=False),
          "m55-mve": dict(core="m55", mve=True)}


# 32 and 48 channels: an_max_pool2x2_s8's asm loop, RESIZE's pixels by LDM/STM (rows of 256 bytes by LDM/STM, of
# 384 by memcpy)
CONDENSER_CASES = {"condenser-8x8-c36": 36, "condenser-6x8-c13-relu": 13, "condenser-8x8-c32": 32,
                   "condenser-8x8-c48": 48}


def condenser_model(channels):
    """x -> MAX_POOL 2x2 -> LOGISTIC -> RESIZE_NEAREST_NEIGHBOR 2x -> MUL(x, gate) -> ADD(x, product)."""
    h, w = (8, 8) if channels % 4 == 0 else (6, 8)
    b = ModelBuilder()
    x = b.tensor("x", (1, h, w, channels), "int8", scale=0.0417, zero_point=-21)
    pooled = b.tensor("pooled", (1, h // 2, w // 2, channels), "int8", scale=0.0417, zero_point=-21)
    b.op("MAX_POOL_2D", [x], [pooled], version=2,
         options={"type": "pool2d", "padding": "VALID", "stride_h": 2, "stride_w": 2, "filter_h": 2, "filter_w": 2,
                  "activation": "RELU" if channels % 4 else "NONE"})
    gate = b.tensor("gate", (1, h // 2, w // 2, channels), "int8", scale=1 / 256, zero_point=-128)
    b.op("LOGISTIC", [pooled], [gate])
    size = b.tensor("size", (2,), "int32", data=np.array([h, w], np.int32).tobytes())
    wide = b.tensor("wide", (1, h, w, channels), "int8", scale=1 / 256, zero_point=-128)
    b.op("RESIZE_NEAREST_NEIGHBOR", [gate, size], [wide], version=3,
         options={"type": "resize_nearest_neighbor", "align_corners": False, "half_pixel_centers": True})
    product = b.tensor("product", (1, h, w, channels), "int8", scale=0.0389, zero_point=-28)
    b.op("MUL", [x, wide], [product], version=2, options={"type": "mul"})
    y = b.tensor("y", (1, h, w, channels), "int8", scale=0.0733, zero_point=-9)
    b.op("ADD", [x, product], [y], version=2, options={"type": "add"})
    return b.build(inputs=[x], outputs=[y])


def logistic_model(shape, quant):
    b = ModelBuilder()
    x = b.tensor("x", shape, "int8", scale=quant[0], zero_point=quant[1])
    y = b.tensor("y", shape, "int8", scale=1 / 256, zero_point=-128)
    b.op("LOGISTIC", [x], [y])
    return b.build(inputs=[x], outputs=[y])


def _run(key):
    """(firmware outputs, TFLM outputs) of one case and build."""
    from codegen.compiled.host import random_samples
    from converter.tflite_model import load_model

    name, build = key
    if name in CONDENSER_CASES:
        model = load_model(condenser_model(CONDENSER_CASES[name]))
        return compiled_qemu.outputs_with_tflm(model, random_samples(model, 100, seed=17), **BUILDS[build])
    if name in LUT_CASES:
        model = load_model(logistic_model(*LUT_CASES[name]))
        samples = random_samples(model, 100, seed=13)
        samples[0] = [np.resize(GRID, samples[0][0].shape)]
        return compiled_qemu.outputs_with_tflm(model, samples, **BUILDS[build])
    op, shape, const, quants, activation, pairs = CASES[name]
    model = load_model(binary_const_model(op, shape, const, quants, activation))
    samples = PAIRS_SAMPLES if pairs else random_samples(model, 100, seed=11)
    return compiled_qemu.outputs_with_tflm(model, samples, **BUILDS[build])


@pytest.fixture(scope="module")
def results():
    return compiled_qemu.run_cases([(name, build) for name in {**CASES, **LUT_CASES, **CONDENSER_CASES}
                                     for build in BUILDS], _run)


@pytest.mark.parametrize("build", list(BUILDS))
@pytest.mark.parametrize("name", list(CASES))
def test_binary_on_qemu_matches_tflm(results, name, build):
    result = results[(name, build)]
    compiled_qemu.assert_same_outputs(result, f"{name} {build}", 16 if CASES[name][5] else 100)


@pytest.mark.parametrize("name", [n for n in CASES if CASES[n][0] != "MUL"])
def test_add_cases_take_the_kernel_they_name(name):
    """The "affine" cases run an_add_affine_s8, the others the table kernels (both stay covered)."""
    from converter.tflite_model import load_model
    from codegen.compiled.lower import lower_model

    op, shape, const, quants, activation, _ = CASES[name]
    functions = {s.function for s in lower_model(load_model(binary_const_model(op, shape, const, quants,
                                                                                activation))).steps}
    assert ("an_add_affine_s8" in functions) == ("affine" in name), functions


@pytest.mark.parametrize("build", list(BUILDS))
@pytest.mark.parametrize("name", list(LUT_CASES))
def test_logistic_on_qemu_matches_tflm(results, name, build):
    compiled_qemu.assert_same_outputs(results[(name, build)], f"{name} {build}", 100)


@pytest.mark.parametrize("build", list(BUILDS))
@pytest.mark.parametrize("name", list(CONDENSER_CASES))
def test_condenser_chain_on_qemu_matches_tflm(results, name, build):
    compiled_qemu.assert_same_outputs(results[(name, build)], f"{name} {build}", 100)


def test_condenser_chain_takes_the_fast_kernels():
    from converter.tflite_model import load_model
    from codegen.compiled.lower import lower_model

    functions = [s.function for s in lower_model(load_model(condenser_model(36))).steps]
    assert functions == ["an_max_pool2d_s8", "an_lut_s8", "an_resize_nearest_s8", "an_mul_s8", "an_add_affine_s8"]


def test_pair_samples_cover_every_byte_pair():
    seen = {(int(x), int(c)) for s in PAIRS_SAMPLES for x, c in zip(s[0], PAIRS_CONSTANT)}
    assert len(seen) == 65536
