"""CMSIS-NN scratch-buffer sizes (``arm_*_get_buffer_size``), per target architecture.

Replicated from CMSIS-NN at commit 4ab83cc3 (the version TFLM pins in
tensorflow/lite/micro/tools/make/ext_libs/cmsis_nn_download.sh), files
Source/ConvolutionFunctions/arm_convolve_get_buffer_sizes_s8.c / _s16.c,
arm_depthwise_conv_get_buffer_sizes_s8.c,
Source/FullyConnectedFunctions/arm_fully_connected_get_buffer_sizes_s8.c / _s16.c,
Source/PoolingFunctions/arm_avgpool_get_buffer_sizes_s8.c / _s16.c and the
inline predicates and constants in Include/arm_nnsupportfunctions.h.

CMSIS-NN compiles one of three code paths, chosen by the compiler's feature
macros (Include/Internal/arm_nn_compiler.h), and each asks for its own buffers:

``"dsp"``
    ``ARM_MATH_DSP`` (from ``__ARM_FEATURE_DSP``) without ``ARM_MATH_MVEI``:
    Cortex-M4, M7, M33.
``"mve"``
    ``ARM_MATH_MVEI`` (from ``__ARM_FEATURE_MVE``; it implies ``ARM_MATH_DSP``):
    the M-profile vector extension (Helium) of the Cortex-M55 and M85.
``"scalar"``
    neither: the plain C paths of the Cortex-M0/M0+/M3/M23.

Every function takes ``arch``; the TFLM kernels call the dispatching
``arm_*_get_buffer_size`` (not the ``_dsp``/``_mve`` variants), which is what
these replicate.  One branch depends on the compiler: the DSP 1x1 fast
convolution asks for ``2 * C * sizeof(int16_t)`` bytes only when built with Arm
Compiler 6 (``__ARMCC_VERSION``); with GCC (arm-none-eabi-gcc, what generated
projects use) it asks for none.  Likewise
``CONVERT_DW_CONV_WITH_ONE_INPUT_CH_AND_OUTPUT_CH_ABOVE_THRESHOLD`` is 1 with
GCC (8 with Arm Compiler 6).
"""

from __future__ import annotations

ARCHES = ("dsp", "mve", "scalar")

CH_IN_BLOCK_MVE = 124  # arm_nnsupportfunctions.h: channels per block of the MVE depthwise conv
# arm_nnsupportfunctions.h, GCC value: an MVE depthwise conv with one input channel and more
# output channels than this runs as a regular convolution.
CONVERT_DW_CONV_WITH_ONE_INPUT_CH_AND_OUTPUT_CH_ABOVE_THRESHOLD = 1


def check_arch(arch):
    if arch not in ARCHES:
        raise ValueError(f"CMSIS-NN architecture must be one of {ARCHES}, got {arch!r}")


def _align4(value):
    remainder = value % 4
    return value + 4 - remainder if remainder else value


def is_convolve_1x1(pad_h, pad_w, filter_h, filter_w, dilation_h, dilation_w, input_c, filter_c):
    """arm_nn_is_convolve_1x1."""
    return pad_w == 0 and pad_h == 0 and filter_w == 1 and filter_h == 1 and dilation_w == 1 and dilation_h == 1 and (
        input_c == filter_c
    )


def is_convolve_1_x_n(input_h, dilation_w, filter_h, stride_w, input_c, filter_c):
    """arm_nn_is_convolve_1_x_n."""
    return input_h == 1 and dilation_w == 1 and filter_h == 1 and (stride_w * input_c) % 4 == 0 and input_c == filter_c


def convolve_s8_buffer_size(input_c, filter_h, filter_w, arch):
    """arm_convolve_s8_get_buffer_size.

    MVE: four im2col rows of ``kh*kw*C`` int8 rounded up to 16 lanes; otherwise
    2 * align4(kh*kw*C) int16 values.
    """
    if arch == "mve":
        col_length = (input_c * filter_w * filter_h + 15) // 16
        return 4 * col_length * 16
    return 2 * _align4(filter_w * filter_h * input_c) * 2


def convolve_1x1_s8_fast_buffer_size(input_c, arch):
    """arm_convolve_1x1_s8_fast_get_buffer_size: 0 with GCC on every path (DSP with Arm Compiler 6: 4 * C)."""
    return 0


def _convolve_1_x_n_s8_buffer_size_mve(input_w, input_c, filter_h, filter_w, pad_w, stride_w, output_w):
    """arm_convolve_1_x_n_s8_get_buffer_size_mve (static inline in arm_convolve_get_buffer_sizes_s8.c)."""
    total_pad = (output_w - 1) * stride_w + filter_w - input_w
    asym_pad = total_pad % 2  # C remainder: total_pad >= 0 for TFLite paddings
    right_pad_num = max(1, (pad_w + asym_pad + stride_w - 1) // stride_w) if pad_w + asym_pad != 0 else 0
    left_pad_num = max(1, (pad_w + stride_w - 1) // stride_w) if pad_w != 0 else 0
    no_pad_num = max(output_w - (right_pad_num + left_pad_num), 0)
    if right_pad_num + no_pad_num + left_pad_num != output_w:
        return convolve_s8_buffer_size(input_c, filter_h, filter_w, "mve")
    pad_size_left = pad_w * input_c
    pad_size_right = right_pad_num * input_c if asym_pad else pad_size_left
    num_elem_left = filter_w * input_c
    num_elem_right = num_elem_left - input_c
    return max(num_elem_left + pad_size_left, num_elem_right + pad_size_right)


def convolve_wrapper_s8_buffer_size(pad_h, pad_w, stride_h, stride_w, dilation_h, dilation_w,
                                    input_h, input_w, input_c, filter_h, filter_w, filter_c, output_w,
                                    arch):  # fmt: skip
    """arm_convolve_wrapper_s8_get_buffer_size (its _mve, _dsp or plain C branch)."""
    check_arch(arch)
    if is_convolve_1x1(pad_h, pad_w, filter_h, filter_w, dilation_h, dilation_w, input_c, filter_c):
        if stride_w == 1 and stride_h == 1:  # arm_nn_is_convolve_1x1_fast
            return convolve_1x1_s8_fast_buffer_size(input_c, arch)
        return 0
    if is_convolve_1_x_n(input_h, dilation_w, filter_h, stride_w, input_c, filter_c):
        # arm_convolve_1_x_n_s8_get_buffer_size
        if arch == "mve":
            return _convolve_1_x_n_s8_buffer_size_mve(input_w, input_c, filter_h, filter_w, pad_w, stride_w, output_w)
        return convolve_s8_buffer_size(input_c, filter_h, filter_w, arch)
    return convolve_s8_buffer_size(input_c, filter_h, filter_w, arch)


def convolve_wrapper_s16_buffer_size(input_c, filter_h, filter_w, arch):
    """arm_convolve_wrapper_s16_get_buffer_size = arm_convolve_s16_get_buffer_size.

    MVE: four rows of ``C*kh*kw`` int16 rounded up to 8 lanes; otherwise 2 * C*kh*kw int16 values.
    """
    check_arch(arch)
    if arch == "mve":
        col_length = (input_c * filter_w * filter_h + 7) // 8
        return 4 * col_length * 8 * 2
    return 2 * input_c * filter_w * filter_h * 2


def depthwise_conv_s8_opt_buffer_size(input_c, filter_h, filter_w, arch):
    """arm_depthwise_conv_s8_opt_get_buffer_size: MVE 4 * CH_IN_BLOCK_MVE * kw*kh, DSP C * kw*kh int16, else 0."""
    if arch == "mve":
        return 4 * CH_IN_BLOCK_MVE * filter_w * filter_h
    if arch == "dsp":
        return input_c * filter_w * filter_h * 2
    return 0


def depthwise_conv_wrapper_s8_buffer_size(pad_h, pad_w, stride_h, stride_w, dilation_h, dilation_w,
                                          input_n, input_h, input_w, input_c, filter_h, filter_w,
                                          output_w, output_c, arch):  # fmt: skip
    """arm_depthwise_conv_wrapper_s8_get_buffer_size.

    ``stride_h``/``stride_w`` matter only for the MVE one-input-channel case
    (there the depthwise conv runs as a regular convolution).
    """
    check_arch(arch)
    if arch == "mve" and input_c == 1 and output_c > CONVERT_DW_CONV_WITH_ONE_INPUT_CH_AND_OUTPUT_CH_ABOVE_THRESHOLD:
        # arm_deptwise_conv_s8_one_in_ch_get_buffer_size_mve: the conv buffer of an
        # output_c x kh x kw x 1 filter, plus the transposed filter (kh*kw*output_c int8).
        size = _convolve_wrapper_s8_buffer_size_mve_conv(pad_h, pad_w, stride_h, stride_w, dilation_h, dilation_w,
                                                          input_h, input_w, filter_h, filter_w, output_w)
        return size + output_c * filter_h * filter_w
    if input_c == output_c and input_n == 1 and dilation_w == 1 and dilation_h == 1:
        if arch != "mve" and filter_w == 3 and filter_h == 3 and pad_h <= 1 and pad_w <= 1:
            return 0  # arm_depthwise_conv_3x3_s8 needs no buffer
        return depthwise_conv_s8_opt_buffer_size(input_c, filter_h, filter_w, arch)
    return 0


def _convolve_wrapper_s8_buffer_size_mve_conv(pad_h, pad_w, stride_h, stride_w, dilation_h, dilation_w,
                                              input_h, input_w, filter_h, filter_w, output_w):  # fmt: skip
    """arm_convolve_wrapper_s8_get_buffer_size_mve for a one-input-channel filter (input_c = filter_c = 1)."""
    return convolve_wrapper_s8_buffer_size(pad_h, pad_w, stride_h, stride_w, dilation_h, dilation_w,
                                           input_h, input_w, 1, filter_h, filter_w, 1, output_w, "mve")  # fmt: skip


def fully_connected_s8_buffer_size(output_c, arch):
    """arm_fully_connected_s8_get_buffer_size: MVE one int32 per output channel (kernel sums), else 0."""
    check_arch(arch)
    return output_c * 4 if arch == "mve" else 0


def fully_connected_s16_buffer_size(output_c, arch):
    """arm_fully_connected_s16_get_buffer_size: 0 on every path."""
    return 0


def avgpool_buffer_size(output_w, channels, arch):
    """arm_avgpool_s8/_s16_get_buffer_size: DSP one int32 per channel; MVE and plain C 0."""
    check_arch(arch)
    return channels * 4 if arch == "dsp" else 0


def svdf_s8_buffer_size(num_filters, arch):
    """arm_svdf_s8_get_buffer_size (SVDFunctions/arm_svdf_get_buffer_sizes_s8.c): one int32 kernel sum per
    filter on MVE, none on the DSP and scalar paths."""
    check_arch(arch)
    return num_filters * 4 if arch == "mve" else 0


def transpose_conv_s8_buffer_sizes(input_h, input_w, input_c, filter_h, filter_w, output_c, stride_h, stride_w, arch):
    """(arm_transpose_conv_s8_get_buffer_size, arm_transpose_conv_s8_get_reverse_conv_buffer_size).

    Strides up to 2 and more than REVERSE_TCOL_EFFICIENT_THRESHOLD (16) input channels: a reverse
    convolution (arm_convolve_s8's buffer of the strided input; a kh*kw*C*Cout reversed filter); otherwise
    int32 column rows of ((W - 1) * stride_w + max(kw, stride_h)) * Cout, max(kh, stride_h) of them.
    """
    del input_h
    if stride_w <= 2 and stride_h <= 2 and input_c > 16:
        return convolve_s8_buffer_size(input_c, filter_h, filter_w, arch), input_c * filter_w * filter_h * output_c
    buf_x = ((input_w - 1) * stride_w + max(filter_w, stride_h)) * output_c
    return buf_x * max(filter_h, stride_h) * 4, 0
