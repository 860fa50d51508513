"""Bit-exactness of td_mean_s8 (firmware/kernels/): the zoo models that cover it, generated C
compiled on the host against the oracle (tests/bitexact.py says which)."""
import pytest

from bitexact import check_bit_exact, models

pytestmark = [pytest.mark.tf, pytest.mark.host_c]
STEM = "mean_s8"


@pytest.mark.parametrize("name", models(STEM))
def test_bit_exact(name):
    check_bit_exact(name)
