"""CMSIS-NN scratch-buffer sizes (``arm_*_get_buffer_size``), as a Cortex-M4 build computes them.

Replicated from CMSIS-NN at commit 4ab83cc3 (the version TFLM pins in
tensorflow/lite/micro/tools/make/third_party_downloads.inc), files
Source/ConvolutionFunctions/arm_convolve_get_buffer_sizes_s8.c / _s16.c,
arm_depthwise_conv_get_buffer_sizes_s8.c,
Source/FullyConnectedFunctions/arm_fully_connected_get_buffer_sizes_s8.c / _s16.c,
Source/PoolingFunctions/arm_avgpool_get_buffer_sizes_s8.c / _s16.c and the
inline predicates in Include/arm_nnsupportfunctions.h.

The target these formulas describe: a Cortex-M4/M7/M33 with the DSP extension
(``ARM_MATH_DSP`` defined by CMSIS-NN from ``__ARM_FEATURE_DSP``) and without
the M-profile vector extension (no ``ARM_MATH_MVEI``; a Cortex-M55/M85 takes
different, MVE branches that are not modelled), compiled with GCC
(arm-none-eabi-gcc).  One branch depends on the compiler: the 1x1 fast
convolution asks for ``2 * C * sizeof(int16_t)`` bytes only when built with
Arm Compiler 6 (``__ARMCC_VERSION``); with GCC it asks for none.
"""

from __future__ import annotations


def _align4(value):
    remainder = value % 4
    return value + 4 - remainder if remainder else value


def is_convolve_1x1(pad_h, pad_w, filter_h, filter_w, dilation_h, dilation_w, input_c, filter_c):
    return pad_w == 0 and pad_h == 0 and filter_w == 1 and filter_h == 1 and dilation_w == 1 and dilation_h == 1 and (
        input_c == filter_c
    )


def is_convolve_1_x_n(input_h, dilation_w, filter_h, stride_w, input_c, filter_c):
    return input_h == 1 and dilation_w == 1 and filter_h == 1 and (stride_w * input_c) % 4 == 0 and input_c == filter_c


def convolve_s8_buffer_size(input_c, filter_h, filter_w):
    """arm_convolve_s8_get_buffer_size, non-MVE: 2 * align4(kh*kw*C) int16 values."""
    return 2 * _align4(filter_w * filter_h * input_c) * 2


def convolve_1x1_s8_fast_buffer_size(input_c):
    """arm_convolve_1x1_s8_fast_get_buffer_size with DSP and GCC: 0 (Arm Compiler 6: 4 * C)."""
    return 0


def convolve_wrapper_s8_buffer_size(pad_h, pad_w, stride_h, stride_w, dilation_h, dilation_w,
                                    input_h, input_c, filter_h, filter_w, filter_c):  # fmt: skip
    """arm_convolve_wrapper_s8_get_buffer_size (DSP branch)."""
    if is_convolve_1x1(pad_h, pad_w, filter_h, filter_w, dilation_h, dilation_w, input_c, filter_c):
        if stride_w == 1 and stride_h == 1:  # arm_nn_is_convolve_1x1_fast
            return convolve_1x1_s8_fast_buffer_size(input_c)
        return 0
    if is_convolve_1_x_n(input_h, dilation_w, filter_h, stride_w, input_c, filter_c):
        return convolve_s8_buffer_size(input_c, filter_h, filter_w)  # arm_convolve_1_x_n_s8_get_buffer_size
    return convolve_s8_buffer_size(input_c, filter_h, filter_w)


def convolve_wrapper_s16_buffer_size(input_c, filter_h, filter_w):
    """arm_convolve_wrapper_s16_get_buffer_size, non-MVE: 2 * C*kh*kw int16 values."""
    return 2 * input_c * filter_w * filter_h * 2


def depthwise_conv_wrapper_s8_buffer_size(pad_h, pad_w, dilation_h, dilation_w, input_n, input_c,
                                          filter_h, filter_w, output_c):  # fmt: skip
    """arm_depthwise_conv_wrapper_s8_get_buffer_size, DSP without MVE."""
    if input_c == output_c and input_n == 1 and dilation_w == 1 and dilation_h == 1:
        if filter_w == 3 and filter_h == 3 and pad_h <= 1 and pad_w <= 1:
            return 0  # arm_depthwise_conv_3x3_s8 needs no buffer
        return input_c * filter_w * filter_h * 2  # arm_depthwise_conv_s8_opt_get_buffer_size_dsp
    return 0


def fully_connected_s8_buffer_size(output_c):
    """arm_fully_connected_s8_get_buffer_size, non-MVE: 0."""
    return 0


def fully_connected_s16_buffer_size(output_c):
    """arm_fully_connected_s16_get_buffer_size: 0."""
    return 0


def avgpool_buffer_size(output_w, channels):
    """arm_avgpool_s8/_s16_get_buffer_size with DSP: one int32 per channel."""
    return channels * 4
