"""Bit-exactness of td_conv2d_sparse_palette_s8 (issue 19, pruned and clustered weights: one
byte an entry, gap and table index): pruned 1x1 convolutions (odd pixel count and channel
count) and 3x3 SAME ones (odd input depth 5, stride 2 with padded taps) whose kept
weights are clustered; a dense clustered 1x1 conv forced into the encoding; what "auto"
picks. With the scalar loops and with the packed loops of the DSP cores emulated."""
import pytest

from bitexact import stem_tests
from sparse_checks import sparse_tests

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

KERNEL = "td_conv2d_sparse_palette_s8"
# test_bit_exact, test_kernels_clean_under_asan_and_ubsan, test_kernel_choice
globals().update(stem_tests("conv2d_sparse_palette_s8", choice=("CONV_2D", KERNEL)))
globals().update(sparse_tests("CONV_2D", KERNEL,
                              pruned=["conv1x1_sparse75_c8", "conv3x3_sparse75_c8"],
                              dense=["pal_conv1x1_4_s2"], encoding="sparse-palette"))
