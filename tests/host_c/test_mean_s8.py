"""Bit-exactness of td_mean_s8 (MEAN over any axes, keep_dims or not). Each zoo model of
the stem (tests/bitexact.py) against its oracle, with the scalar loops and with the packed
loops of the DSP cores emulated on the host."""
import pytest

from bitexact import stem_tests

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

# test_bit_exact, test_kernels_clean_under_asan_and_ubsan, test_kernel_choice, ...
globals().update(stem_tests("mean_s8", ("MEAN", "td_mean_s8")))
