"""Bit-exactness of td_conv2d_nm_s8 (issue 19, 2:4 weights): 2:4-pruned 1x1 convs (a
partial last pair of groups, pixels left over after the fours) and 3x3 SAME convs (odd
input depth: groups across taps, staging; padded taps, stride 2), an all-zero channel and
one with one non-zero per group; dense conv layers forced "nm" stay dense; what "auto"
picks. With the scalar loops and with the packed loops of the DSP cores emulated."""
import pytest

from nm_checks import nm_tests

from bitexact import stem_tests

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

# test_bit_exact, test_kernels_clean_under_asan_and_ubsan, test_kernel_choice
globals().update(stem_tests("conv2d_nm_s8", choice=("CONV_2D", "td_conv2d_nm_s8")))
globals().update(nm_tests("CONV_2D", "td_conv2d_nm_s8",
                          pruned=["conv1x1_nm24", "conv3x3_nm24_c5"],
                          dense=["conv1x1_c16_o3", "conv10x4_s2_c1"]))
