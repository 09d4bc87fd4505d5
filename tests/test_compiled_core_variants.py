"""The compiled runtime's kernel variants follow the board's core, without timing anything.

CONV_2D's int16-filter kernels (an_conv.h ``_w16``) were made for the SMLAD loop of cores with the
DSP extension: twice the filter's flash.  Cores without DSP (Cortex-M0+, the plain-C path) keep the
int8 filters, Helium cores too (their conv kernels read the int8 layout).  Issue 21: a DSP-only
variant once reached the plain-C path and nearly doubled vww's plain-C cycles; this test fails if
the generator gives a core without DSP the DSP variant again.
"""

import shutil

import numpy as np
import pytest

from codegen.boards import get_board
from codegen.compiled.ops.conv import wide_filters_for
from codegen.runtimes import get_runtime
from converter.tflite_model import load_model
from tests.test_compiled_conv import CONV_CASES, conv_model

# (board, its CMSIS-NN code path, whether the generator gives it int16 conv filters)
BOARDS = [("rpi-pico", "scalar", False), ("mps2-an386", "dsp", True), ("nucleo-l4r5zi", "dsp", True),
          ("mps3-an547", "mve", False)]


def _conv_functions(board_name):
    model = load_model(conv_model(**CONV_CASES["w16_c16_3x3_same"]))  # 63 output pixels: wide where allowed
    prepared = get_runtime("compiled").prepare(model, get_board(board_name), kernels=None)
    return [(step.function, step.args[2].c_type) for step in prepared.program.steps]


@pytest.mark.parametrize("board_name, arch, wide", BOARDS, ids=[b for b, _, _ in BOARDS])
def test_conv_filters_widened_only_for_dsp_cores(board_name, arch, wide):
    assert get_board(board_name).cmsis_nn_arch == arch
    assert wide_filters_for(arch) is wide
    # DSP cores: an int16-filter kernel (the requantization prepared at generation time where exact, as here)
    expected = ("an_conv2d_s8_prepared_w16", "int16_t") if wide else ("an_conv2d_s8", "int8_t")
    assert _conv_functions(board_name) == [expected]


def test_every_cpu_without_dsp_keeps_int8_filters():
    from codegen.boards import CMSIS_NN_ARCH_BY_CPU

    assert {arch for arch in CMSIS_NN_ARCH_BY_CPU.values()} <= {"dsp", "mve", "scalar"}
    for cpu, arch in CMSIS_NN_ARCH_BY_CPU.items():
        assert wide_filters_for(arch) is (arch == "dsp"), cpu


@pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler (cc)")
@pytest.mark.parametrize("case", ["w16_c16_3x3_same", "pointwise_k24_relu"])
def test_both_filter_variants_equal_tflm_on_the_plain_c_path(case):
    """The plain-C sums of the int16-filter kernels (a DSP board's C built with DSP=0) and of the int8
    ones (what a core without DSP gets) equal tflite-micro's for the same random inputs."""
    from codegen.compiled.generate import compile_model, lower_model
    from codegen.compiled.host import assert_matches_tflm

    model = load_model(conv_model(**CONV_CASES[case]))
    for wide in (True, False):
        assert lower_model(model, wide_filters=wide).steps[0].function.endswith("_w16") is wide
        assert assert_matches_tflm(model, count=100, seed=3, compiled=compile_model(model, wide_filters=wide)) == 100
