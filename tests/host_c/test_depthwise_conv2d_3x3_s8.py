"""Bit-exactness of td_depthwise_conv2d_3x3_s8 (3x3, depth multiplier 1): interior and border
pixels, tail channels, strides 1 and 2, padding on each side, inputs without interior rows
or columns, clamped activations. Each zoo model of the stem (tests/bitexact.py) against its
oracle, with the scalar loops and with the packed loops of the DSP cores emulated on the
host."""
import pytest

from bitexact import stem_tests

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

# test_bit_exact, test_kernels_clean_under_asan_and_ubsan, test_kernel_choice, ...
globals().update(stem_tests("depthwise_conv2d_3x3_s8", choice=("DEPTHWISE_CONV_2D", "td_depthwise_conv2d_3x3_s8")))
