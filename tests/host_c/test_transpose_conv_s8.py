"""Bit-exactness of td_transpose_conv_s8: SAME/VALID, strides 1/2/3 (and unequal), odd and
even kernels, with and without bias, fused RELU/RELU6, output_padding, Conv1DTranspose and
a U-Net-style skip. Each zoo model of the stem (tests/bitexact.py) against TFLite Micro,
with the scalar loops and with the packed loops of the DSP cores emulated on the host."""
import pytest

from bitexact import stem_tests

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

# test_bit_exact, test_kernels_clean_under_asan_and_ubsan, test_kernel_choice, ...
globals().update(stem_tests("transpose_conv_s8", ("TRANSPOSE_CONV", "td_transpose_conv_s8")))
