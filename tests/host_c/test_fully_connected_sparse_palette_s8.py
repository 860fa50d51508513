"""Bit-exactness of td_fully_connected_sparse_palette_s8 (issue 19, pruned and clustered
weights: one byte an entry, gap and table index): a pruned FC whose kept weights are
clustered, with an all-zero unit and a unit with one far non-zero (bridging entries);
dense clustered FC layers forced into the encoding; what "auto" picks. With the scalar
loops and with the packed loops of the DSP cores emulated on the host."""
import pytest

from bitexact import stem_tests
from sparse_checks import sparse_tests

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

KERNEL = "td_fully_connected_sparse_palette_s8"
# test_bit_exact, test_kernels_clean_under_asan_and_ubsan, test_kernel_choice
globals().update(stem_tests("fully_connected_sparse_palette_s8",
                            choice=("FULLY_CONNECTED", KERNEL)))
globals().update(sparse_tests("FULLY_CONNECTED", KERNEL, pruned=["fc_sparse75_c8"],
                              dense=["pal_fc4_per_tensor"], encoding="sparse-palette"))
