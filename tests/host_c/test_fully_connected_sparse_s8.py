"""Bit-exactness of td_fully_connected_sparse_s8 (issue 19, sparse weights): pruned FC
models per-channel and per-tensor with an all-zero unit and a unit with one far non-zero
(gap-bridging entries), odd depth, a row too long for 8-bit counts; dense FC layers forced sparse; what "auto" picks. With
the scalar loops and with the packed loops of the DSP cores emulated on the host."""
import pytest

from bitexact import stem_tests
from sparse_checks import sparse_tests

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

# test_bit_exact, test_kernels_clean_under_asan_and_ubsan, test_kernel_choice
globals().update(stem_tests("fully_connected_sparse_s8",
                            choice=("FULLY_CONNECTED", "td_fully_connected_sparse_s8")))
globals().update(sparse_tests("FULLY_CONNECTED", "td_fully_connected_sparse_s8",
                              pruned=["fc_sparse75", "fc_sparse75_per_tensor",
                                      "fc_sparse75_wide"],
                              dense=["fc_odd_13_7", "fc_3d_per_tensor"]))
