"""Bit-exactness of td_conv2d_sparse_s8 (issue 19, sparse weights): pruned 1x1 convs and
3x3 SAME convs (odd input depth through the staging area, padded taps, stride 2); dense
conv layers forced sparse (1x1, whole-word channels, one input channel); what "auto"
picks. With the scalar loops and with the packed loops of the DSP cores emulated."""
import pytest

from bitexact import stem_tests
from sparse_checks import sparse_tests

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

# test_bit_exact, test_kernels_clean_under_asan_and_ubsan, test_kernel_choice
globals().update(stem_tests("conv2d_sparse_s8", choice=("CONV_2D", "td_conv2d_sparse_s8")))
globals().update(sparse_tests("CONV_2D", "td_conv2d_sparse_s8",
                              pruned=["conv1x1_sparse75", "conv3x3_sparse75_c5"],
                              dense=["conv1x1_c16_o3", "conv3x3_same_c8_o6", "conv10x4_s2_c1"]))
