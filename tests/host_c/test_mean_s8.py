"""Bit-exactness of td_mean_s8. Each zoo model of the stem (tests/bitexact.py) against its
oracle, with the scalar loops and with the packed loops of the DSP cores emulated on the
host."""
import pytest

from bitexact import (
    check_bit_exact,
    flavours,
    models,
)

pytestmark = [pytest.mark.tf, pytest.mark.host_c]
STEM = "mean_s8"


@flavours
@pytest.mark.parametrize("name", models(STEM))
def test_bit_exact(name, flags):
    check_bit_exact(name, flags)
