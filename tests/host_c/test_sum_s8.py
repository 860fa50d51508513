"""Bit-exactness of td_sum_s8: SUM over one, the last (-1) and non-adjacent axes. Each zoo
model of the stem (tests/bitexact.py) against its oracle, with the scalar loops and with
the packed loops of the DSP cores emulated on the host."""
import pytest

from bitexact import stem_tests

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

# test_bit_exact, test_kernels_clean_under_asan_and_ubsan, test_kernel_choice, ...
globals().update(stem_tests("sum_s8", ("SUM", "td_sum_s8")))
