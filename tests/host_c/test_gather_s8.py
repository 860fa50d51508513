"""Bit-exactness of td_gather_s8: GATHER with constant indices (repeats, any order) on
axes 0..3 and negative axes. Each zoo model of the stem (tests/bitexact.py) against TFLite
Micro, with the scalar loops and with the packed loops of the DSP cores emulated."""
import pytest

from bitexact import stem_tests

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

# test_bit_exact, test_kernels_clean_under_asan_and_ubsan, test_kernel_choice, ...
globals().update(stem_tests("gather_s8"))
