"""Bit-exactness of td_softmax_s8 (firmware/kernels/): the zoo models that cover it, generated C
compiled on the host against the oracle (tests/bitexact.py says which)."""
import pytest

from bitexact import SANITIZED, check_bit_exact, check_clean_under_asan_and_ubsan, models

pytestmark = [pytest.mark.tf, pytest.mark.host_c]
STEM = "softmax_s8"


@pytest.mark.parametrize("name", models(STEM))
def test_bit_exact(name):
    check_bit_exact(name)


@pytest.mark.parametrize("name", models(STEM, SANITIZED))
def test_kernels_clean_under_asan_and_ubsan(name):
    check_clean_under_asan_and_ubsan(name)
