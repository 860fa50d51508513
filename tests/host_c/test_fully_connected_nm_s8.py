"""Bit-exactness of td_fully_connected_nm_s8 (issue 19, 2:4 weights): 2:4-pruned FC models
per-channel and per-tensor (depth 37: a partial last pair of groups; rows in blocks of
four and left over) with an all-zero unit, a unit with one non-zero and one with one
non-zero per group; three batches; dense FC layers forced "nm" stay dense; what "auto"
picks. With the scalar loops and with the packed loops of the DSP cores emulated."""
import pytest

from nm_checks import nm_tests

from bitexact import stem_tests

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

# test_bit_exact, test_kernels_clean_under_asan_and_ubsan, test_kernel_choice
globals().update(stem_tests("fully_connected_nm_s8",
                            choice=("FULLY_CONNECTED", "td_fully_connected_nm_s8")))
globals().update(nm_tests("FULLY_CONNECTED", "td_fully_connected_nm_s8",
                          pruned=["fc_nm24", "fc_nm24_per_tensor", "fc_nm24_3d"],
                          dense=["fc_odd_13_7"]))
